// Pretrained TF.js weights as they ship (web/io/tfjs-weights.js): quantized
// (uint8, uint16, float16) values equal tf.io.decodeWeights' bit for bit;
// sharded weights come as one buffer, a list of files or a function path →
// bytes (then a Promise); loadTfjsFiles and loadTfjsModel (over a local HTTP
// server) read the same; bad files give an Error naming the file, weight or
// layer, and keep no wasm memory; nsfwjs' MobileNetV2 reads as TF.js reads it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import * as sn from '../web/index.js';
import { loadTfjsFiles } from '../web/io/node-files.js';
import { decodeWeights } from '../web/io/tfjs-weights.js';
import { startServer } from '../scripts/serve.js';
import { randomArray } from './support/models.js';
import { nsfwjsArtifacts, nsfwjsMobileNetV2 } from './support/nsfwjs.js';
import { FIXTURE_DIR, INPUT_SHAPE } from './support/tfjs-quantized.js';

await tf.setBackend('cpu');
await sn.ready();

const bits = (a) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.byteLength / 4));
const weightBits = (model) => model.getWeights().flatMap((w) => bits(w.values));
const PATHS = ['group1-shard1of2.bin', 'group1-shard2of2.bin', 'group2-shard1of1.bin'];
const fixture = () => ({
  modelJson: JSON.parse(readFileSync(join(FIXTURE_DIR, 'model.json'), 'utf8')),
  files: PATHS.map((p) => new Uint8Array(readFileSync(join(FIXTURE_DIR, p)))),
});
const concat = (parts) => Uint8Array.from(parts.flatMap((p) => Array.from(p)));

/** Asserts our decodeWeights equals tf.io.decodeWeights for every entry, bit for bit (int32 and float32 values as their bits). */
function assertDecodedLikeTfjs(manifest, bytes) {
  const ours = decodeWeights(manifest, bytes);
  const specs = manifest.flatMap((g) => g.weights);
  const theirs = tf.io.decodeWeights(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength), specs);
  for (const spec of specs) {
    const expected = theirs[spec.name].dataSync();
    assert.equal(ours[spec.name].constructor, expected.constructor, `${spec.name}: type`);
    const asBits = (a) => (a instanceof Uint8Array ? Array.from(a) : bits(a));
    assert.deepEqual(asBits(ours[spec.name]), asBits(expected), `${spec.name}: bit for bit`);
  }
  tf.dispose(Object.values(theirs));
}

test('float16: every one of the 65536 halves (subnormals, ±0, ±inf, NaNs) decodes as TF.js decodes it', () => {
  const halves = new Uint16Array(65536).map((_, i) => i);
  const manifest = [{ paths: ['h.bin'], weights: [{ name: 'h', shape: [256, 256], dtype: 'float32', quantization: { dtype: 'float16' } }] }];
  assertDecodedLikeTfjs(manifest, new Uint8Array(halves.buffer));
  const values = decodeWeights(manifest, new Uint8Array(halves.buffer)).h; // and they are the halves' values
  assert.deepEqual([values[0x0001], values[0x03ff], values[0x3c00], values[0x7bff], values[0x7c00], values[0xfc00]], [2 ** -24, 1023 * 2 ** -24, 1, 65504, Infinity, -Infinity]);
  assert.ok(Object.is(values[0x8000], -0) && Number.isNaN(values[0x7e00]));
});

test('uint8, uint16, int32 quantized and plain entries, mixed at unaligned offsets, decode as TF.js decodes them', () => {
  const next = (() => { let s = 5; return () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31; })();
  for (let round = 0; round < 20; round++) {
    const weights = [], parts = [];
    for (let i = 0; i < 6; i++) {
      const size = 1 + Math.floor(next() * 40), kind = ['uint8', 'uint16', 'float16', 'float32', 'int32', 'int32-uint8'][Math.floor(next() * 6)];
      const [min, scale] = [(next() - 0.5) * 10 ** (4 * next() - 2), (next() - 0.3) * 10 ** (-6 * next())];
      const raw = Uint8Array.from({ length: size * { uint8: 1, uint16: 2, float16: 2, float32: 4, int32: 4, 'int32-uint8': 1 }[kind] }, () => Math.floor(next() * 256));
      if (kind === 'float32') new Float32Array(raw.buffer).set(randomArray(size, round * 10 + i, -3, 3));
      const quantization = kind === 'float16' ? { dtype: 'float16' } : kind === 'uint8' || kind === 'uint16' ? { dtype: kind, min, scale, original_dtype: 'float32' }
        : kind === 'int32-uint8' ? { dtype: 'uint8', min: min * 100, scale: scale * 1000 } : undefined;
      weights.push({ name: `w${i}`, shape: [size], dtype: kind.startsWith('int32') ? 'int32' : 'float32', ...(quantization && { quantization }) });
      parts.push(raw);
    }
    assertDecodedLikeTfjs([{ paths: ['a', 'b'], weights: weights.slice(0, 3) }, { paths: ['c'], weights: weights.slice(3) }], concat(parts));
  }
});

test('a quantized, sharded model: one buffer, the files, a function, loadTfjsFiles and loadTfjsModel give the weights TF.js decodes and its predictions', async () => {
  const { modelJson, files } = fixture();
  const all = concat(files);
  const specs = modelJson.weightsManifest.flatMap((g) => g.weights);
  const decoded = tf.io.decodeWeights(all.buffer, specs);
  const model = sn.fromTfjs(modelJson, all);
  for (const w of model.getWeights()) assert.deepEqual(bits(w.values), bits(decoded[w.name].dataSync()), `${w.name} as TF.js decodes it`);
  tf.dispose(Object.values(decoded));

  const x = randomArray(3 * INPUT_SHAPE.reduce((a, b) => a * b), 4, -1, 1);
  // strict: false, or TF.js refuses the entries no layer uses (we skip them)
  const tfModel = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs: specs, weightData: all.buffer }), { strict: false });
  const expected = tf.tidy(() => tfModel.predict(tf.tensor(x, [3, ...INPUT_SHAPE])).dataSync());
  tfModel.dispose();
  const ours = model.predict(x);
  expected.forEach((e, i) => assert.ok(Math.abs(ours[i] - e) <= 1e-5, `output ${i}: ${ours[i]}, TF.js ${e}`));

  const calls = [];
  const read = (sync) => (path) => {
    calls.push(path);
    const bytes = files[PATHS.indexOf(path)];
    return sync ? bytes.buffer : new Promise((resolve) => setTimeout(() => resolve(bytes), 5 * (3 - calls.length))); // later files arrive first
  };
  const server = await startServer({ port: 0, extraDirs: ['test/fixtures/tfjs-quantized/'] });
  try {
    const others = [
      sn.fromTfjs(JSON.stringify(modelJson), files),
      await sn.fromTfjs(modelJson, read(true)),
      await sn.fromTfjs(modelJson, read(false)),
      await loadTfjsFiles(join(FIXTURE_DIR, 'model.json')),
      await sn.loadTfjsModel(`${server.url}/test/fixtures/tfjs-quantized/model.json`),
    ];
    assert.deepEqual(calls, [...PATHS, ...PATHS], 'the function is called once per file, in manifest order');
    assert.ok(sn.fromTfjs(modelJson, read(true)) instanceof Promise);
    for (const other of others) {
      assert.deepEqual(weightBits(other), weightBits(model));
      other.dispose();
    }
  } finally {
    await server.close();
  }
  model.dispose();
});

test('bad weights give an Error naming the file, weight or layer, and keep no wasm memory', async () => {
  const { modelJson, files } = fixture();
  const edit = (fn) => {
    const json = structuredClone(modelJson);
    fn(json.weightsManifest[0].weights, json.weightsManifest[1].weights, json);
    return json;
  };
  const cut = (i, n) => files.map((f, j) => (j === i ? f.subarray(0, f.length - n) : f));
  const heap = sn.heapBytes(), memory = sn.memoryBytes();
  const cases = [
    [edit((g1) => { g1[0].quantization.dtype = 'int4'; }), files, /weight conv\/kernel: quantization dtype "int4" is unknown \(TF.js reads uint8, uint16 and float16\)/],
    [edit((g1) => { delete g1[0].quantization.dtype; }), files, /weight conv\/kernel: its quantization \{"min":-0.98\d+,"scale":0.00\d+,.*\.\.\. names no dtype/],
    [edit((g1) => { g1[2].quantization = 'float16'; }), files, /weight bn\/gamma: its quantization "float16" names no dtype/],
    [edit((g1) => { delete g1[1].quantization.scale; }), files, /weight conv\/bias: uint16 quantization needs numbers min and scale/],
    [edit((g1, g2) => { g2[1].quantization = { dtype: 'float16' }; }), files, /weight optimizer\/iterations: a "int32" weight cannot be quantized to float16/],
    [edit((g1, g2) => { g2[4].dtype = 'string'; }), files, /weight extra\/mask has shape \[3\] and dtype "string", which cannot be read/],
    [edit((g1) => { g1[4].shape = [4]; }), files, /layer "bn" \(BatchNormalization\): weight bn\/moving_mean has shape \[4\], expected \[3\]/],
    [edit((g1) => { g1[0].name = 'conv/kernels'; }), files, /layer "conv" \(Conv2D\): weightsManifest has no weight conv\/kernel/],
    [edit((g1, g2) => { g2[0].dtype = 'int32'; }), files, /layer "out" \(Dense\): weight out\/kernel is int32; only float32 weights/],
    [edit((g1, g2, j) => { j.weightsManifest[1].paths = 'group2'; }), files, /weightsManifest group 1: paths must be a list of file names/],
    [modelJson, cut(1, 1), /weight bn\/moving_variance \[3\] needs bytes 81\.\.87 but weightsBin has 86 up to the end of group1-shard2of2.bin, which is shorter than the manifest says/],
    [modelJson, cut(2, 3), /weight extra\/mask \[3\] needs bytes 330\.\.333 but weightsBin has 330 up to the end of group2-shard1of1.bin, which is shorter/],
    [modelJson, concat(cut(2, 3)), /weight extra\/mask \[3\] needs bytes 330\.\.333 but weightsBin has 330 bytes: group2-shard1of1.bin is shorter than the manifest says/],
    [modelJson, [files[0], concat([files[1], [0]]), files[2]], /group1-shard1of2.bin, group1-shard2of2.bin hold 88 bytes, more than the 87 the weights of their group need/],
  ];
  for (const [json, weights, message] of cases) {
    assert.throws(() => sn.fromTfjs(json, weights), message);
    if (Array.isArray(weights)) await assert.rejects(sn.fromTfjs(json, (path) => weights[PATHS.indexOf(path)]), message, 'the same files from a function');
  }
  assert.throws(() => sn.fromTfjs(modelJson, [files[0], 'abc']), /weights must be an ArrayBuffer or a Uint8Array .* a list holding "abc"/);
  const byPath = (fn) => (path) => fn(path, files[PATHS.indexOf(path)]);
  const functionCases = [
    [byPath((p, b) => { if (p === PATHS[1]) throw new Error('no disk'); return b; }), /fromTfjs: cannot read weights file group1-shard2of2.bin: no disk/],
    [byPath((p, b) => (p === PATHS[2] ? Promise.reject(new Error('offline')) : b)), /cannot read weights file group2-shard1of1.bin: offline/],
    [byPath((p, b) => (p === PATHS[0] ? 'bytes' : b)), /cannot read weights file group1-shard1of2.bin: the function gave string, not an ArrayBuffer or a Uint8Array/],
    [byPath((p, b) => (p === PATHS[2] ? Promise.resolve(null) : b)), /cannot read weights file group2-shard1of1.bin: the function gave null/],
    // a file asked for and then failing after another one threw: no unhandled rejection (node --test would report it)
    [byPath((p, b) => { if (p === PATHS[0]) return Promise.reject(new Error('late')); if (p === PATHS[1]) throw Object.create(null); return b; }), /cannot read weights file group1-shard2of2.bin: \{\}/],
  ];
  for (const [read, message] of functionCases) await assert.rejects(sn.fromTfjs(modelJson, read), message);
  let called = 0; // a model.json that cannot be imported reads no file
  await assert.rejects(sn.fromTfjs(edit((g1) => { g1[0].shape = [1]; }), () => called++), /layer "conv"/);
  assert.equal(called, 0);
  const nan = files.map((f) => f.slice());
  new DataView(nan[1].buffer).setUint16(nan[1].length - 2, 0x7e00, true); // bn/moving_variance's last half: NaN
  await assert.rejects(sn.fromTfjs(modelJson, (p) => nan[PATHS.indexOf(p)]), /fromTfjs: weights for bn\/moving_variance contains NaN/);
  assert.equal(sn.heapBytes(), heap, 'no C heap kept');
  assert.equal(sn.memoryBytes(), memory);
});

test('loadTfjsModel: a missing file or a wrong URL is an Error naming it', async () => {
  const server = await startServer({ port: 0, extraDirs: ['test/fixtures/tfjs-quantized/', 'test/fixtures/'] });
  try {
    const base = `${server.url}/test/fixtures/tfjs-quantized`;
    await assert.rejects(sn.loadTfjsModel(`${base}/nothing.json`), new RegExp(`loadTfjsModel: cannot fetch ${base}/nothing.json: HTTP 404 Not Found`));
    await assert.rejects(sn.loadTfjsModel(`${base}/group1-shard1of2.bin`), /loadTfjsModel: .*group1-shard1of2.bin is not a model.json/);
    await assert.rejects(sn.loadTfjsModel(new URL('./fixtures/tfjs-quantized/model.json', import.meta.url)), /loadTfjsModel: cannot fetch file:.*model.json \(.*\); in Node, read files with loadTfjsFiles from simdnet\/node/);
    await assert.rejects(sn.loadTfjsModel('model.json'), /loadTfjsModel: "model.json" is not a URL \(here, with no page, it must be absolute\)/);
    await assert.rejects(sn.loadTfjsModel(`${base}/model.json`, { seed: 1, cache: 'no-store' }), /loadTfjsModel: unknown option "cache"/);
    const seen = [];
    const fetchFunc = (url, init) => {
      seen.push([url, init?.headers?.x]);
      return fetch(url.includes('group2') ? url.replace('group2-shard1of1', 'missing') : url, init);
    };
    await assert.rejects(sn.loadTfjsModel(`${base}/model.json?v=3`, { fetchFunc, requestInit: { headers: { x: '1' } } }),
      /fromTfjs: cannot read weights file group2-shard1of1.bin: loadTfjsModel: cannot fetch .*\/group2-shard1of1.bin\?v=3: HTTP 404 Not Found/);
    assert.deepEqual(seen, [`model.json?v=3`, ...PATHS.map((p) => `${p}?v=3`)].map((p) => [`${base}/${p}`, '1']), "each file relative to model.json, with its query string and the requestInit");
  } finally {
    await server.close();
  }
});

test("nsfwjs' pretrained MobileNetV2: TF.js loads it and predicts; our dequantized weights are TF.js' bit for bit; fromTfjs names the first layer it cannot import", async () => {
  const { modelJson, weights } = nsfwjsMobileNetV2();
  const artifacts = nsfwjsArtifacts();
  assert.equal(artifacts.weightSpecs.length, 266);
  assert.ok(artifacts.weightSpecs.every((s) => s.quantization?.dtype === 'uint8'), 'shipped uint8-quantized');
  assertDecodedLikeTfjs(modelJson.weightsManifest, weights);

  // TF.js predicts one image; the same model with our dequantized weights as plain float32 predicts the same bits.
  const image = tf.tidy(() => tf.linspace(0, 1, 224 * 224 * 3).reshape([1, 224, 224, 3]));
  const predict = async (a) => {
    const m = await tf.loadLayersModel(tf.io.fromMemory(a));
    const out = tf.tidy(() => m.predict(image).dataSync());
    m.dispose();
    return out;
  };
  const shipped = await predict(artifacts);
  assert.equal(shipped.length, 5);
  assert.ok(Math.abs(shipped.reduce((a, b) => a + b) - 1) < 1e-5 && shipped.every((p) => p >= 0), `softmax over 5 classes: ${shipped}`);
  const ours = decodeWeights(modelJson.weightsManifest, weights);
  const plain = concat(artifacts.weightSpecs.map((s) => new Uint8Array(ours[s.name].buffer)));
  const asFloat32 = await predict({ ...artifacts, weightSpecs: artifacts.weightSpecs.map(({ quantization, ...s }) => s), weightData: plain.buffer });
  assert.deepEqual(bits(asFloat32), bits(shipped));
  const pixels = image.dataSync().slice();
  image.dispose();

  // simdnet cannot import it yet (DepthwiseConv2D, ZeroPadding2D and ReLU's max_value are coming): the Error
  // names the first layer, in the topology's order, of the first class or option it lacks. Once all are there, it loads.
  const layers = modelJson.modelTopology.model_config.config.layers;
  const heap = sn.heapBytes();
  let model;
  try {
    model = sn.fromTfjs(modelJson, weights);
  } catch (err) {
    const [, index, className, name] = err.message.match(/^fromTfjs: layer (\d+) \((\w+) "([^"]+)"\)/) ?? [];
    assert.ok(index, err.message);
    assert.deepEqual([layers[index].class_name, layers[index].config.name], [className, name]);
    assert.equal(layers.findIndex((l) => l.class_name === className), Number(index), `${err.message}: the first ${className}`);
    assert.equal(sn.heapBytes(), heap);
  }
  if (model) {
    assert.equal(model.getWeights().length, 266);
    const out = model.predict(pixels);
    shipped.forEach((p, i) => assert.ok(Math.abs(out[i] - p) <= 1e-4, `class ${i}: ${out[i]}, TF.js ${p}`));
    model.dispose();
  }
});
