// Property-based tests (fast-check) of the weights manifest reader and the
// dequantization (web/io/tfjs-weights.js): random valid manifests and bytes
// decode as tf.io.decodeWeights decodes them, bit for bit; random and damaged
// manifests with random byte lengths, given as one buffer, a list, or a
// function (sync, async, throwing, giving junk), always give a model or an
// Error with a message — never another exception, never a leak of C heap or
// wasm memory. FAST_CHECK_SEED=n runs other inputs (the default is fixed).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import * as sn from '../web/index.js';
import { decodeWeights } from '../web/io/tfjs-weights.js';
import { FIXTURE_DIR } from './support/tfjs-quantized.js';

await tf.setBackend('cpu');
await sn.ready();

const SEED = Number(process.env.FAST_CHECK_SEED ?? 20261207);
const check = (property, numRuns) => fc.assert(property, { numRuns, seed: SEED, includeErrorInReport: true });
const bits = (a) => (a instanceof Uint8Array ? Array.from(a) : Array.from(new Uint32Array(a.buffer, a.byteOffset, a.byteLength / 4)));

const BYTES = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };
const size = (shape) => shape.reduce((n, d) => n * d, 1);
const finite = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 });

/** A valid entry TF.js decodes: float32 or int32, plain or quantized, or bool. */
const validEntry = fc.record({
  shape: fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 3 }),
  kind: fc.constantFrom('float32', 'int32', 'bool', 'uint8', 'uint16', 'float16', 'int32/uint8', 'int32/uint16'),
  min: finite, scale: finite,
});
const toSpec = ({ shape, kind, min, scale }, i) => {
  const [dtype, q] = kind === 'uint8' || kind === 'uint16' || kind === 'float16' ? ['float32', kind] : kind.split('/');
  const quantization = q === 'float16' ? { dtype: q } : q ? { dtype: q, min, scale, original_dtype: dtype } : undefined;
  return { name: `w${i}`, shape, dtype, ...(quantization && { quantization }) };
};
const bytesOf = (spec) => size(spec.shape) * BYTES[spec.quantization?.dtype ?? spec.dtype];

test('random valid manifests and bytes decode as tf.io.decodeWeights decodes them, bit for bit', async () => {
  await check(fc.property(fc.array(validEntry, { minLength: 1, maxLength: 6 }), fc.nat(), fc.integer({ min: 1, max: 3 }), (entries, seed, groupCount) => {
    const specs = entries.map(toSpec);
    const total = specs.reduce((n, s) => n + bytesOf(s), 0);
    let state = seed;
    const bytes = Uint8Array.from({ length: total }, () => (state = (state * 1103515245 + 12345) >>> 0) >>> 24);
    // float32 and int32 bytes as they are: NaN payloads too (TF.js keeps the bits); bool: 0 or 1, as TF.js writes it
    let at = 0;
    for (const s of specs) {
      if (s.dtype === 'bool') bytes.subarray(at, at + bytesOf(s)).forEach((b, i, a) => (a[i] = b & 1));
      at += bytesOf(s);
    }
    const per = Math.ceil(specs.length / groupCount);
    const manifest = Array.from({ length: groupCount }, (_, g) => ({ paths: [`g${g}`], weights: specs.slice(g * per, (g + 1) * per) }));
    const ours = decodeWeights(manifest, bytes);
    const theirs = tf.io.decodeWeights(bytes.slice().buffer, specs);
    for (const s of specs) assert.deepEqual(bits(ours[s.name]), bits(theirs[s.name].dataSync()), s.name);
    tf.dispose(Object.values(theirs));
  }), 500);
});

// ---- damaged manifests, any weights ----

const FIXTURE = JSON.parse(readFileSync(join(FIXTURE_DIR, 'model.json'), 'utf8'));
const FILES = FIXTURE.weightsManifest.flatMap((g) => g.paths).map((p) => new Uint8Array(readFileSync(join(FIXTURE_DIR, p))));

const junk = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom(null, undefined, -1, 0.5, 2 ** 31, 'uint8', 'float16', 'int4', 'string', 'int64', [], {}, [3], [null]));
const quantization = fc.oneof(
  fc.constant(undefined),
  fc.record({ dtype: fc.constantFrom('uint8', 'uint16'), min: fc.oneof(finite, junk), scale: fc.oneof(finite, junk) }),
  fc.constant({ dtype: 'float16' }),
  fc.record({ dtype: junk }, { requiredKeys: [] }),
  junk,
);
/** One edit of the fixture's manifest: an entry's quantization, dtype, shape or name replaced, an entry added or removed, a group's paths. */
const edit = fc.record({
  kind: fc.constantFrom('quantization', 'quantization', 'dtype', 'shape', 'name', 'insert', 'remove', 'paths', 'group'),
  at: fc.nat(), value: fc.oneof(quantization, junk, fc.array(fc.integer({ min: -1, max: 40 }), { maxLength: 3 })),
});
function applyEdits(manifest, edits) {
  const copy = structuredClone(manifest);
  for (const { kind, at, value } of edits) {
    const group = copy[at % copy.length];
    if (!Array.isArray(group?.weights)) continue; // replaced by junk earlier
    const list = group.weights, i = at % Math.max(1, list.length), entry = list[i];
    if (kind === 'paths') group.paths = value;
    else if (kind === 'group') copy[at % copy.length] = value;
    else if (kind === 'insert') list.splice(i, 0, { name: `extra${at}`, shape: Array.isArray(value) ? value : [2], dtype: 'float32', quantization: value });
    else if (kind === 'remove') list.splice(i, 1);
    else if (entry && kind === 'quantization') entry.quantization = value;
    else if (entry !== null && typeof entry === 'object') entry[kind] = value;
  }
  return copy;
}
/** What the manifest's entries need (0 where an entry cannot be read): the byte length the weights should have. */
const wanted = (manifest) => manifest.flatMap((g) => (Array.isArray(g?.weights) ? g.weights : [])).reduce((n, e) => {
  const dtype = e?.quantization?.dtype ?? e?.dtype, b = typeof dtype === 'string' && Object.hasOwn(BYTES, dtype) ? BYTES[dtype] : 0;
  return n + (Array.isArray(e?.shape) && b ? Math.max(0, size(e.shape)) * b || 0 : 0);
}, 0);

/** How the weights are given: one buffer, a list split anywhere, or a function of the path that may throw, reject or give junk. */
const delivery = fc.record({ how: fc.constantFrom('buffer', 'list', 'files', 'sync', 'async', 'throws', 'rejects', 'junk'), cut: fc.nat(), which: fc.nat() });
function deliver(bytes, { how, cut, which }, paths) {
  const at = cut % (bytes.length + 1);
  if (how === 'buffer') return bytes;
  if (how === 'list') return [bytes.subarray(0, at), bytes.subarray(at)];
  if (how === 'files') return paths.map((_, i) => (i === 0 ? bytes.subarray(0, at) : i === paths.length - 1 ? bytes.subarray(at) : new Uint8Array(0)));
  return (path) => {
    const i = paths.indexOf(path), mine = i === 0 ? bytes.subarray(0, at) : i === paths.length - 1 ? bytes.subarray(at) : new Uint8Array(0);
    const bad = i === which % Math.max(1, paths.length);
    if (how === 'throws' && bad) throw new Error('cannot read');
    if (how === 'rejects' && bad) return Promise.reject(new RangeError('gone'));
    if (how === 'junk' && bad) return [1, 2, 3];
    return how === 'async' ? Promise.resolve(mine.buffer.slice(mine.byteOffset, mine.byteOffset + mine.byteLength)) : mine;
  };
}

test('damaged manifests and weights of any length, given any way, give a model or an Error, and leak nothing', async () => {
  const heap = sn.heapBytes(), memory = sn.memoryBytes();
  let models = 0, errors = 0;
  await check(fc.asyncProperty(
    fc.array(edit, { maxLength: 3 }), fc.constantFrom('exact', 'exact', 'fixture', 'shorter', 'longer', 'random'), fc.integer({ min: 1, max: 9 }), delivery,
    async (edits, length, delta, how) => {
      const modelJson = { ...FIXTURE, weightsManifest: applyEdits(FIXTURE.weightsManifest, edits) };
      const need = wanted(modelJson.weightsManifest), fixture = Uint8Array.from(FILES.flatMap((f) => Array.from(f)));
      const n = { exact: need, fixture: fixture.length, shorter: Math.max(0, need - delta), longer: need + delta, random: delta * 37 }[length];
      const bytes = Uint8Array.from({ length: n }, (_, i) => fixture[i % fixture.length] ?? 0);
      const paths = modelJson.weightsManifest.flatMap((g) => (Array.isArray(g?.paths) ? g.paths : []));
      let model;
      try {
        model = await sn.fromTfjs(modelJson, deliver(bytes, how, paths));
      } catch (err) {
        if (err?.constructor !== Error || !/^fromTfjs/.test(err.message)) throw new Error(`not a fromTfjs Error: ${err?.constructor?.name}: ${err?.message}`, { cause: err });
        errors++;
        return;
      }
      models++;
      assert.equal(model.predict(new Float32Array(50)).length, 4);
      model.dispose();
    },
  ), 1500);
  assert.ok(models > 20 && errors > 20, `both outcomes are reached: ${models} models, ${errors} errors`);
  assert.equal(sn.heapBytes(), heap, 'no C heap leaked');
  assert.equal(sn.memoryBytes(), memory, 'wasm memory did not grow');
});
