// Property-based tests (fast-check) of every parser of untrusted input in the
// wrapper: readIdx and readIdxDataset (plain and gzip, through zlib and through
// DecompressionStream), fromTfjs (model.json objects and weight bytes: dense
// and conv nets, TF.js-, Keras 2- and Keras 3-style), loadModel (model-file
// bytes of dense models and CNNs, versions 1 and 2) and the x/y converters behind predict,
// evaluate, computeGradients and fit. Thousands of generated inputs, and of
// valid inputs mutated (bytes flipped, cut, inserted; JSON fields replaced,
// deleted or duplicated; model files with their checksum fixed after the
// mutation, so the topology and state readers are reached), must each give a
// result or an Error with a message: never another exception type, never a
// crash of the wasm instance, never a leak, never a change to a model that
// already existed. FAST_CHECK_SEED=n runs other inputs (the default is fixed).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { crc32, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import * as sn from '../web/index.js';
import { gunzipWithStream } from '../web/data/idx.js';
import { platform } from '../web/core/platform.js';
import { randomArray } from './support/models.js';

await sn.ready();

const SEED = Number(process.env.FAST_CHECK_SEED ?? 20260101);
const RUNS = 2000;
const check = (property, numRuns = RUNS) => fc.assert(property, { numRuns, seed: SEED, includeErrorInReport: true });

/** The outcome of fn(): { value } or { error }; anything thrown that is not a plain Error with a message fails the test. */
async function outcome(fn, what) {
  try {
    return { value: await fn() };
  } catch (err) {
    if (!(err instanceof Error) || (err.constructor !== Error && err.constructor !== TypeError) || typeof err.message !== 'string' || err.message === '')
      throw new Error(`${what} threw ${err?.constructor?.name ?? typeof err}: ${err?.message ?? String(err)}`, { cause: err });
    if (err.constructor === TypeError && !/^(readIdx|fromTfjs|loadModel)/.test(err.message))
      throw new Error(`${what} threw an engine TypeError, not one of the library's: ${err.message}`, { cause: err });
    return { error: err };
  }
}

// ---- mutations ----

/** Byte mutations of a valid input: flips, cuts, insertions, overwrites with edge values. */
const byteMutations = fc.array(fc.record({
  kind: fc.constantFrom('flip', 'set', 'cut', 'insert', 'delete'),
  at: fc.nat(),
  value: fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0, 0xff, 0x7f, 0x80)),
  count: fc.integer({ min: 1, max: 8 }),
}), { minLength: 1, maxLength: 4 });

function mutateBytes(bytes, mutations, from = 0) {
  let out = Uint8Array.from(bytes);
  for (const { kind, at, value, count } of mutations) {
    const span = out.length - from;
    if (span <= 0) break;
    const i = from + (at % span);
    if (kind === 'flip') out[i] ^= 1 << (value % 8);
    else if (kind === 'set') out[i] = value;
    else if (kind === 'cut') out = out.slice(0, i);
    else if (kind === 'insert') out = Uint8Array.from([...out.subarray(0, i), ...new Array(count).fill(value), ...out.subarray(i)]);
    else out = Uint8Array.from([...out.subarray(0, i), ...out.subarray(i + count)]);
  }
  return out;
}

/** Values that a mutated JSON field may take: the shapes and numbers parsers stumble on. */
const edgeValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(-1, 0, 1, 3, 2 ** 31, 2 ** 32, 1e9, 1e300, 0.5, -0, '', 'Dense', 'Dropout', 'relu', 'leakyRelu', 'L1L2', 'VarianceScaling', 'float16', null, [], {}, true, [null, 3], [1e9, 1e9], [-1], ['5']),
  fc.constantFrom('Conv2D', 'MaxPooling2D', 'AveragePooling2D', 'GlobalAveragePooling2D', 'BatchNormalization', 'Flatten', 'Reshape', 'Activation', 'LeakyReLU', 'InputLayer',
    'ZeroPadding2D', 'Cropping2D', 'UpSampling2D', 'bilinear', [[0, 1], [0, 1]],
    'same', 'valid', 'causal', 'channels_first', 'channels_last', [3], [2, 2], [0, 1], [1, 2, 3], [null, 4, 4, 1], [2 ** 16, 2 ** 16], [-1, -1], 2 ** 28, false),
  fc.double(),
  fc.integer(),
);

/** JSON mutations: replace, delete or duplicate the value at one of the object's paths. */
const jsonMutations = fc.array(fc.record({ kind: fc.constantFrom('replace', 'replace', 'delete', 'duplicate'), at: fc.nat(), value: edgeValue }), { minLength: 1, maxLength: 3 });

/** Every [container, key] inside value, in a fixed order. */
function slots(value, out = []) {
  if (value !== null && typeof value === 'object')
    for (const key of Object.keys(value)) {
      out.push([value, key]);
      slots(value[key], out);
    }
  return out;
}

function mutateJson(value, mutations) {
  const copy = structuredClone(value);
  for (const { kind, at, value: v } of mutations) {
    const all = slots(copy);
    if (all.length === 0) break;
    const [container, key] = all[at % all.length];
    if (kind === 'replace') container[key] = structuredClone(v);
    else if (kind === 'duplicate') container[key] = Array.isArray(container[key]) ? [...container[key], ...container[key]] : [container[key], container[key]];
    else if (Array.isArray(container)) container.splice(Number(key), 1);
    else delete container[key];
  }
  return copy;
}

// ---- the model that already exists, and the instance's health ----

function makeModel(seed) {
  const model = sn.sequential({ seed });
  model.add(sn.layers.dense({ units: 4, activation: 'relu', inputShape: [3] }));
  model.add(sn.layers.dropout({ rate: 0.25 }));
  model.add(sn.layers.dense({ units: 2, activation: 'softmax' }));
  model.compile({ optimizer: sn.optimizers.adam({ learningRate: 0.01 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}
/** A CNN with every layer kind: dropout on the input and after a convolution, batch norm, both poolings, global pooling, padding, up-sampling, cropping. */
function cnnModel(seed) {
  const L = sn.layers;
  const model = sn.sequential({ seed });
  model.add(L.dropout({ rate: 0.1, inputShape: [32] }));
  model.add(L.reshape({ targetShape: [4, 4, 2] }));
  model.add(L.conv2d({ filters: 3, kernelSize: 2, padding: 'same', activation: sn.leakyRelu({ alpha: 0.1 }) }));
  model.add(L.batchNormalization({ momentum: 0.9 }));
  model.add(L.dropout({ rate: 0.3 }));
  model.add(L.maxPooling2d({ poolSize: 2 }));
  model.add(L.zeroPadding2d({ padding: [[0, 1], [0, 1]] }));
  model.add(L.upSampling2d({ size: 2, interpolation: 'bilinear' }));
  model.add(L.cropping2d({ cropping: 1 }));
  model.add(L.conv2d({ filters: 2, kernelSize: 1, useBias: false }));
  model.add(L.averagePooling2d({ poolSize: [2, 1], strides: 1, padding: 'same' }));
  model.add(L.activation({ activation: 'tanh' }));
  model.add(L.globalMaxPooling2d());
  model.add(L.dense({ units: 2, activation: 'softmax' }));
  return model;
}

const existing = makeModel(1);
await existing.fit(randomArray(30, 1), sn.data.oneHot(Int32Array.from({ length: 10 }, (_, i) => i % 2), 2), { epochs: 2, batchSize: 4 });
const snapshot = (model) => Buffer.from(model.save()).toString('base64');
const existingBytes = snapshot(existing);

/** A fresh model trained the same way gives the same bits: the wasm instance still computes correctly. */
async function controlBits() {
  const model = makeModel(9);
  await model.fit(randomArray(60, 2), sn.data.oneHot(Int32Array.from({ length: 20 }, (_, i) => i % 2), 2), { epochs: 3, batchSize: 5 });
  const bits = snapshot(model);
  model.dispose();
  return bits;
}
const control = await controlBits();
const CNN_FILE_SEEDS = await cnnFileSeeds(); // before any test starts: they check the heap

/** After a property: the existing model as it was, the heap where it was, and the instance computing as before. */
async function assertUnharmed(heapBefore) {
  assert.equal(snapshot(existing), existingBytes, 'the model that already existed is unchanged');
  assert.equal(sn.heapBytes(), heapBefore, 'nothing leaked');
  assert.equal(await controlBits(), control, 'the wasm instance still trains to the same bits');
}

// ---- IDX files ----

function idxFile(type, dims, values) {
  const size = { 8: 1, 9: 1, 0x0b: 2, 0x0c: 4, 0x0d: 4, 0x0e: 8 }[type];
  const out = new Uint8Array(4 + 4 * dims.length + size * values.length);
  const view = new DataView(out.buffer);
  out.set([0, 0, type, dims.length]);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  const at = 4 + 4 * dims.length;
  const set = { 8: 'setUint8', 9: 'setInt8', 0x0b: 'setInt16', 0x0c: 'setInt32', 0x0d: 'setFloat32', 0x0e: 'setFloat64' }[type];
  values.forEach((v, i) => view[set](at + i * size, v));
  return out;
}

const IDX_SEEDS = [
  idxFile(8, [3, 2, 2], Array.from({ length: 12 }, (_, i) => i * 20)),
  idxFile(8, [3], [1, 2, 9]),
  idxFile(0x0b, [2, 2], [-1, 2, 300, -400]),
  idxFile(0x0d, [3], [0.5, -1, 3]),
  idxFile(0x0e, [1, 2], [1e300, -2]),
];

/** A plain IDX input: random bytes, or a seed mutated. */
const idxInput = fc.oneof(
  fc.uint8Array({ maxLength: 40 }),
  fc.tuple(fc.constantFrom(...IDX_SEEDS), byteMutations).map(([seed, m]) => mutateBytes(seed, m)),
  fc.constantFrom(...IDX_SEEDS),
);

/** readIdx through zlib (the Node entry) and through DecompressionStream (the browser's). */
async function readIdxBothWays(bytes) {
  const zlib = await outcome(() => sn.data.readIdx(bytes), 'readIdx (zlib)');
  const saved = platform.gunzip;
  platform.gunzip = null;
  try {
    const stream = await outcome(() => sn.data.readIdx(bytes), 'readIdx (DecompressionStream)');
    return { zlib, stream };
  } finally {
    platform.gunzip = saved;
  }
}

const checkIdxResult = ({ value }) => {
  if (!value) return;
  assert.equal(value.data.length, value.dims.reduce((a, b) => a * b, 1));
};

test('readIdx: random and mutated IDX bytes, plain and gzipped, give a result or an Error; zlib and DecompressionStream agree', async () => {
  const heap = sn.heapBytes();
  await check(fc.asyncProperty(idxInput, async (bytes) => {
    const plain = await outcome(() => sn.data.readIdx(bytes), 'readIdx');
    checkIdxResult(plain);
    const gz = await readIdxBothWays(gzipSync(bytes));
    for (const r of [gz.zlib, gz.stream]) {
      assert.equal(Boolean(r.error), Boolean(plain.error), 'gzipped, the same bytes give the same outcome');
      if (r.value) assert.deepEqual(r.value, plain.value);
      else assert.equal(r.error.message, plain.error.message);
    }
  }));
  await assertUnharmed(heap);
});

test('readIdx: damaged gzip streams give a result or an Error on both gunzip paths', async () => {
  const gzSeeds = IDX_SEEDS.map((b) => gzipSync(b));
  await check(fc.asyncProperty(fc.constantFrom(...gzSeeds), byteMutations, async (gz, m) => {
    const bytes = mutateBytes(gz, m, 2); // keep the gzip magic, so the gunzip paths are taken
    const { zlib, stream } = await readIdxBothWays(bytes);
    checkIdxResult(zlib);
    checkIdxResult(stream);
    await outcome(() => gunzipWithStream(bytes), 'gunzipWithStream');
  }));
});

test('readIdxDataset: pairs of random and mutated files give a dataset or an Error', async () => {
  const images = idxFile(8, [3, 2, 2], Array.from({ length: 12 }, (_, i) => i * 20));
  const labels = idxFile(8, [3], [1, 2, 9]);
  const file = (seed) => fc.oneof(fc.constant(seed), fc.constant(gzipSync(seed)), idxInput, byteMutations.map((m) => mutateBytes(seed, m)));
  await check(fc.asyncProperty(file(images), file(labels), async (a, b) => {
    const { value } = await outcome(() => sn.data.readIdxDataset(a, b), 'readIdxDataset');
    if (!value) return;
    assert.equal(value.images.length, value.count * value.rows * value.cols);
    assert.equal(value.labels.length, value.count);
    assert.ok(value.images.every((v) => v >= 0 && v <= 1));
  }));
});

// ---- TensorFlow.js model.json and weights ----

function tfjsSeeds() {
  const models = [
    () => makeModel(3),
    () => {
      const m = sn.sequential({ seed: 4 });
      m.add(sn.layers.dense({ units: 3, activation: sn.leakyRelu({ alpha: 0.1 }), inputShape: [2, 2], kernelRegularizer: sn.regularizers.l2(0.01) }));
      m.add(sn.layers.dense({ units: 1, useBias: false, kernelInitializer: 'heNormal' }));
      return m;
    },
  ];
  const seeds = models.map((make) => {
    const m = make();
    const { modelJson, weightsBin } = m.toTfjs();
    m.dispose();
    return { modelJson, weightsBin: new Uint8Array(weightsBin) };
  });
  // A conv net with every layer kind, as toTfjs writes it.
  const conv = cnnModel(7);
  const { modelJson, weightsBin } = conv.toTfjs();
  conv.dispose();
  seeds.push({ modelJson, weightsBin: new Uint8Array(weightsBin) });
  // A functional model: two inputs, a shared layer (on a sequence's last axis and on a vector), merges, the extra LeakyReLU layers TF.js needs.
  const L = sn.layers;
  const a = sn.input({ shape: [2, 4] }), b = sn.input({ shape: [4] });
  const shared = L.dense({ units: 3, activation: sn.leakyRelu({ alpha: 0.1 }) });
  const merged = L.concatenate().apply([L.add().apply([L.flatten().apply(shared.apply(a)), L.dense({ units: 6 }).apply(shared.apply(b))]), L.dense({ units: 2 }).apply(b)]);
  const graph = sn.model({ inputs: [a, b], outputs: [L.dense({ units: 2, activation: 'softmax' }).apply(merged), L.dense({ units: 1 }).apply(merged)], seed: 8 });
  const exported = graph.toTfjs();
  graph.dispose();
  seeds.push({ modelJson: exported.modelJson, weightsBin: new Uint8Array(exported.weightsBin) });
  // Keras-converted (snake_case, model_config, InputLayer), with weights of the manifest's sizes.
  const keras = JSON.parse(readFileSync(new URL('./fixtures/keras-sequential.model.json', import.meta.url), 'utf8'));
  const floats = keras.weightsManifest.flatMap((g) => g.weights).reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0);
  seeds.push({ modelJson: keras, weightsBin: new Uint8Array(randomArray(floats, 5).buffer) });
  // A Keras 3 functional model (nodes as args/kwargs of __keras_tensor__), with weights of the manifest's sizes.
  const keras3 = JSON.parse(readFileSync(new URL('./fixtures/keras3-functional.model.json', import.meta.url), 'utf8'));
  const keras3Floats = keras3.weightsManifest.flatMap((g) => g.weights).reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0);
  seeds.push({ modelJson: keras3, weightsBin: new Uint8Array(randomArray(keras3Floats, 6).buffer) });
  // The Keras 2 and Keras 3 conv nets (batch_shape, DTypePolicy, layers/<class>/vars/<i> weights) with their weights.
  for (const style of ['keras2', 'keras3'])
    seeds.push({
      modelJson: JSON.parse(readFileSync(new URL(`./fixtures/keras-cnn/${style}/model.json`, import.meta.url), 'utf8')),
      weightsBin: new Uint8Array(readFileSync(new URL(`./fixtures/keras-cnn/${style}/group1-shard1of1.bin`, import.meta.url))),
    });
  return seeds;
}
const TFJS_SEEDS = tfjsSeeds();

/** Weight bytes: as they were, mutated, cut into shards, or something else entirely. */
const weightsFor = (bin) => fc.oneof(
  fc.constant(bin),
  byteMutations.map((m) => mutateBytes(bin, m)),
  fc.nat().map((cut) => [bin.subarray(0, cut % (bin.length + 1)), bin.subarray(cut % (bin.length + 1))]),
  fc.uint8Array({ maxLength: 64 }),
  fc.constantFrom(null, undefined, 'weights', [new Uint8Array(3)], new ArrayBuffer(0), [1, 2, 3]),
);

test('fromTfjs: mutated model.json objects and weight bytes give a model or an Error, and touch no other model', async () => {
  const heap = sn.heapBytes();
  await check(fc.asyncProperty(
    fc.constantFrom(...TFJS_SEEDS).chain(({ modelJson, weightsBin }) => fc.tuple(fc.oneof(fc.constant(modelJson), jsonMutations.map((m) => mutateJson(modelJson, m))), weightsFor(weightsBin))),
    fc.boolean(),
    async ([modelJson, weightsBin], asText) => {
      const { value } = await outcome(() => sn.fromTfjs(asText ? JSON.stringify(modelJson) : modelJson, weightsBin), 'fromTfjs');
      if (!value) return;
      const rows = value.inputs.map((t) => new Float32Array(t.shape.slice(1).reduce((n, d) => n * d, 1)));
      const out = value.predict(rows.length === 1 ? rows[0] : rows);
      assert.equal((Array.isArray(out) ? out : [out]).reduce((n, o) => n + o.length, 0), value.outputWidth);
      value.dispose();
    },
  ));
  await assertUnharmed(heap);
});

test('fromTfjs: arbitrary values as model.json and weights give an Error', async () => {
  const heap = sn.heapBytes();
  await check(fc.asyncProperty(fc.oneof(fc.anything(), fc.jsonValue(), fc.string()), fc.oneof(fc.anything(), fc.uint8Array({ maxLength: 32 })), async (json, bin) => {
    const { value } = await outcome(() => sn.fromTfjs(json, bin), 'fromTfjs');
    value?.dispose();
  }));
  await assertUnharmed(heap);
});

// ---- model files ----

function modelFileSeeds() {
  const files = [snapshot(existing)].map((b) => Buffer.from(b, 'base64'));
  const plain = makeModel(5);
  files.push(plain.save({ includeOptimizer: false }));
  plain.dispose();
  const scheduled = sn.sequential({ seed: 6 });
  scheduled.add(sn.layers.dense({ units: 3, inputShape: [2], activityRegularizer: sn.regularizers.l1(0.01) }));
  scheduled.add(sn.layers.dense({ units: 1, activation: 'sigmoid' }));
  scheduled.compile({ optimizer: sn.optimizers.sgd({ learningRate: sn.schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 2, decayRate: 0.5 }), momentum: 0.9, weightDecay: 0.01 }), loss: 'binaryCrossentropy' });
  files.push(scheduled.save());
  scheduled.dispose();
  return files.map((f) => Uint8Array.from(f));
}

/** CNN files: compiled and trained (moving statistics, dropout generators, Adam's state), weights only, uncompiled; and version-1 files. */
async function cnnFileSeeds() {
  const trained = cnnModel(3);
  trained.compile({ optimizer: sn.optimizers.adam({ learningRate: 0.01 }), loss: 'categoricalCrossentropy' });
  await trained.fit(randomArray(12 * 32, 4), sn.data.oneHot(Int32Array.from({ length: 12 }, (_, i) => i % 2), 2), { epochs: 2, batchSize: 4 });
  const files = [trained.save(), trained.save({ includeOptimizer: false })];
  trained.dispose();
  const plain = cnnModel(4);
  files.push(plain.save());
  plain.dispose();
  for (const name of ['adam-dropout', 'sgd-momentum'])
    files.push(readFileSync(new URL(`./fixtures/model-files-v1/${name}.simdnet`, import.meta.url)));
  return files.map((f) => Uint8Array.from(f));
}
const FILE_SEEDS = [...modelFileSeeds(), ...CNN_FILE_SEEDS];
/** Header bytes of a model file: 40 in version 2, 32 in version 1 (c/model_file.h). */
const headerOf = (file) => (new DataView(file.buffer, file.byteOffset, file.byteLength).getUint32(8, true) === 1 ? 32 : 40);

/** The file with its topology JSON replaced (lengths and checksum rewritten), so the wrapper's readers see it. */
function withTopology(file, topology) {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const jsonBytes = view.getUint32(16, true), HEADER = headerOf(file);
  const text = new TextEncoder().encode(typeof topology === 'string' ? topology : JSON.stringify(topology));
  const padded = new Uint8Array(Math.ceil(text.length / 4) * 4).fill(0x20);
  padded.set(text);
  const rest = file.subarray(HEADER + jsonBytes, file.length - 4);
  const out = new Uint8Array(HEADER + padded.length + rest.length + 4);
  out.set(file.subarray(0, HEADER));
  out.set(padded, HEADER);
  out.set(rest, HEADER + padded.length);
  const outView = new DataView(out.buffer);
  outView.setUint32(16, padded.length, true);
  outView.setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)), true);
  return out;
}

/** The file's bytes after the header mutated, then its checksum made right again. */
function withChecksum(bytes) {
  if (bytes.length < 40 + 4) return bytes;
  const out = Uint8Array.from(bytes);
  new DataView(out.buffer).setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)), true);
  return out;
}

const topologyOf = (file) => JSON.parse(new TextDecoder().decode(file.subarray(headerOf(file), headerOf(file) + new DataView(file.buffer, file.byteOffset).getUint32(16, true))));

const modelFileInput = fc.constantFrom(...FILE_SEEDS).chain((file) => fc.oneof(
  { arbitrary: byteMutations.map((m) => mutateBytes(file, m)), weight: 1 }, // checksum left wrong: the container's checks
  { arbitrary: byteMutations.map((m) => withChecksum(mutateBytes(file, m, headerOf(file)))), weight: 2 }, // sections mutated, checksum right
  { arbitrary: jsonMutations.map((m) => withTopology(file, mutateJson(topologyOf(file), m))), weight: 4 }, // topology mutated
  { arbitrary: fc.string().map((text) => withTopology(file, text)), weight: 1 }, // not JSON at all
  { arbitrary: fc.uint8Array({ maxLength: 80 }), weight: 1 },
));

test('loadModel: mutated and random model files give a model or an Error, and touch no other model', async () => {
  const heap = sn.heapBytes();
  await check(fc.asyncProperty(modelFileInput, async (bytes) => {
    const { value } = await outcome(() => sn.loadModel(bytes), 'loadModel');
    if (!value) return;
    assert.equal(value.predict(new Float32Array(value.inputSize)).length, value.outputSize);
    value.dispose();
  }));
  await assertUnharmed(heap);
});

// ---- x and y ----

const numberLike = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(NaN, Infinity, -Infinity, 0, 1, -0), fc.constantFrom('1', null, undefined, true, 1n, {}, []));
const typedArray = fc.tuple(
  fc.constantFrom(Float32Array, Float64Array, Int32Array, Uint8Array, Int8Array, Uint16Array, Uint8ClampedArray, BigInt64Array, BigUint64Array),
  fc.array(fc.double({ noNaN: false }), { maxLength: 13 }),
).map(([Type, values]) => (Type === BigInt64Array || Type === BigUint64Array
  ? Type.from(values, (v) => (Number.isFinite(v) ? BigInt(Math.trunc(v) % 1000) : 0n))
  : Type.from(values)));
const rows = (width) => fc.array(fc.oneof(fc.array(numberLike, { minLength: width, maxLength: width }), fc.array(numberLike, { maxLength: 5 }), numberLike), { maxLength: 6 });
/** x or y as users pass them, and as they get them wrong. */
const matrixLike = fc.oneof(typedArray, rows(3), rows(2), fc.array(numberLike, { maxLength: 12 }), fc.anything(), fc.constant(new DataView(new ArrayBuffer(12))), fc.constant({ length: 3 }));

test('the x/y converters: predict, evaluate and computeGradients on any x and y give a result or an Error and change no weight', async () => {
  const heap = sn.heapBytes();
  const dense = sn.loadModel(existing.save());
  const sparse = sn.sequential({ seed: 2 });
  sparse.add(sn.layers.dense({ units: 3, inputShape: [3] }));
  sparse.add(sn.layers.dropout({ rate: 0.5 }));
  sparse.add(sn.layers.dense({ units: 3 }));
  sparse.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
  const weightBits = (model) => model.getWeights().map((w) => Buffer.from(w.values.buffer).toString('base64')).join();
  await check(fc.asyncProperty(matrixLike, matrixLike, fc.constantFrom('predict', 'predictClasses', 'evaluate', 'computeGradients'), fc.boolean(), async (x, y, method, useSparse) => {
    const model = useSparse ? sparse : dense;
    const before = snapshot(model), weights = weightBits(model);
    const { error } = await outcome(() => (method.startsWith('predict') ? model[method](x) : model[method](x, y)), method);
    // computeGradients counts as training: it may draw dropout masks, so only the weights must stay.
    if (error || method !== 'computeGradients') assert.equal(snapshot(model), before, `${method}: the model is as it was`);
    assert.equal(weightBits(model), weights, `${method}: the weights are as they were`);
  }));
  sparse.dispose();
  dense.dispose();
  await assertUnharmed(heap);
});

test('the x/y converters in fit: any x and y train or give an Error, and an Error leaves the model as it was', async () => {
  const model = makeModel(8);
  await check(fc.asyncProperty(matrixLike, matrixLike, async (x, y) => {
    const before = snapshot(model);
    const { error } = await outcome(() => model.fit(x, y, { epochs: 1, batchSize: 2 }), 'fit');
    if (error) assert.equal(snapshot(model), before, `${error.message}: the model is as it was`);
  }), 1000);
  model.dispose();
});
