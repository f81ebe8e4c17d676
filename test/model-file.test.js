// model.save() / sn.loadModel(): bit-identical predictions, training that
// resumes exactly, and every damaged file refused with a clear Error, no leak.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as sn from '../web/index.js';
import { loadModelFile, saveModelFile } from '../web/node-files.js';
import { blobs, classifier, flatWeights, randomArray } from './support/models.js';

await sn.ready();

const bits = (floats) => Array.from(new Uint32Array(Float32Array.from(floats).buffer));

/** CRC-32 (zlib's), to craft files whose checksum is right but whose content is not. */
function crc32(bytes) {
  let crc = ~0;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

const withChecksum = (bytes) => {
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(bytes.length - 4, crc32(bytes.subarray(0, bytes.length - 4)), true);
  return bytes;
};

/** A copy of a valid file with its topology JSON replaced (header length and checksum fixed up). */
function withTopology(file, edit) {
  const view = new DataView(file.buffer, file.byteOffset);
  const jsonBytes = view.getUint32(16, true);
  const topology = JSON.parse(new TextDecoder().decode(file.subarray(32, 32 + jsonBytes)));
  const edited = edit(topology);
  let json = new TextEncoder().encode(typeof edited === 'string' ? edited : JSON.stringify(edited));
  json = Uint8Array.from([...json, ...new Array((4 - (json.length % 4)) % 4).fill(0x20)]);
  const out = new Uint8Array(file.length - jsonBytes + json.length);
  out.set(file.subarray(0, 32));
  out.set(json, 32);
  out.set(file.subarray(32 + jsonBytes), 32 + json.length);
  new DataView(out.buffer).setUint32(16, json.length, true);
  return withChecksum(out);
}

/** Expects loadModel to throw an Error matching message and to leave the heap as it was. */
function refused(bytes, message) {
  const heap = sn.heapBytes();
  assert.throws(() => sn.loadModel(bytes), (err) => err instanceof Error && message.test(err.message), `expected ${message}`);
  assert.equal(sn.heapBytes(), heap, 'a refused file leaks nothing');
}

function varied(seed = 11) {
  const model = sn.sequential({ seed, name: 'varied' });
  model.add(sn.layers.dense({ units: 7, inputShape: [2, 3], activation: sn.leakyRelu({ alpha: 0.1 }), kernelInitializer: sn.initializers.randomNormal({ stddev: 0.3 }), kernelRegularizer: sn.regularizers.l1l2({ l1: 0.001, l2: 0.01 }) }));
  model.add(sn.layers.dense({ units: 5, activation: 'tanh', useBias: false, name: 'hidden' }));
  model.add(sn.layers.dense({ units: 4, activation: 'sigmoid', biasInitializer: sn.initializers.constant({ value: 0.1 }), biasRegularizer: sn.regularizers.l2(0.02) }));
  return model;
}

test('a reloaded model has the same layers and predicts bit-identically, compiled or not', async () => {
  const x = randomArray(9 * 6, 4);
  for (const compile of [false, true]) {
    const model = varied();
    if (compile) {
      model.compile({ optimizer: sn.optimizers.sgd({ learningRate: 0.1, momentum: 0.5 }), loss: 'binaryCrossentropy', metrics: ['accuracy', 'mse'] });
      await model.fit(x, randomArray(9 * 4, 5, 0, 1), { epochs: 3, batchSize: 4 });
    }
    const copy = sn.loadModel(model.save());
    assert.equal(copy.summary(), model.summary());
    assert.equal(copy.seed, model.seed);
    assert.deepEqual(bits(copy.predict(x)), bits(model.predict(x)));
    assert.deepEqual(copy.getWeights(), model.getWeights());
    assert.deepEqual(copy.layers.map((l) => [l.activation, l.kernelRegularizer, l.biasInitializer.config]), model.layers.map((l) => [l.activation, l.kernelRegularizer, l.biasInitializer.config]));
    assert.equal(copy.loss?.name, model.loss?.name);
    assert.deepEqual(copy.metrics.map((m) => m.key), model.metrics.map((m) => m.key));
    assert.deepEqual(copy.optimizer?.config, model.optimizer?.config);
    model.dispose();
    copy.dispose();
  }
});

test('a model reloaded with its optimizer state trains on exactly as if it had never stopped', async () => {
  const { x, labels } = blobs(50);
  const optimizers = [
    () => sn.optimizers.adam({ learningRate: 0.01 }),
    () => sn.optimizers.sgd({ learningRate: 0.05, momentum: 0.9, nesterov: true }),
    () => sn.optimizers.sgd({ learningRate: 0.05 }),
  ];
  for (const optimizer of optimizers) {
    const model = classifier({ optimizer: optimizer(), hidden: [8, 5], loss: 'sparseCategoricalCrossentropy' });
    await model.fit(x, labels, { epochs: 3, batchSize: 8, validationSplit: 0.2 });
    const copy = sn.loadModel(model.save());
    const stale = sn.loadModel(model.save({ includeOptimizer: false })); // fresh optimizer: diverges
    for (const m of [model, copy, stale]) await m.fit(x, labels, { epochs: 4, batchSize: 8 });
    assert.deepEqual(bits(flatWeights(copy)), bits(flatWeights(model)), `${model.optimizer.name}: resumed bit-identically`);
    assert.notDeepEqual(bits(flatWeights(stale)), bits(flatWeights(model)), 'without the state it would not be');
    for (const m of [model, copy, stale]) m.dispose();
  }
});

test('dropout, activity regularizers, every optimizer kind and a schedule survive a file and resume exactly', async () => {
  const { x, labels } = blobs(60);
  const schedule = sn.schedules.exponentialDecay({ initialLearningRate: 0.02, decaySteps: 5, decayRate: 0.9 });
  for (const name of Object.keys(sn.optimizers).filter((k) => k !== 'schedules')) {
    const make = () => {
      const m = sn.sequential({ seed: 9 });
      m.add(sn.layers.dense({ units: 12, activation: 'relu', inputShape: [6], activityRegularizer: sn.regularizers.l1l2({ l1: 0.001, l2: 0.01 }) }));
      m.add(sn.layers.dropout({ rate: 0.25 }));
      m.add(sn.layers.dense({ units: 3, activation: 'softmax', kernelRegularizer: sn.regularizers.l2(0.001) }));
      m.compile({ optimizer: sn.optimizers[name]({ learningRate: name === 'ftrl' ? 0.2 : schedule, clipNorm: 1 }), loss: 'sparseCategoricalCrossentropy' });
      return m;
    };
    const model = make();
    await model.fit(x, labels, { epochs: 2, batchSize: 8 });
    const copy = sn.loadModel(model.save());
    assert.equal(copy.summary(), model.summary(), `${name}: same layers`);
    assert.equal(copy.optimizer.learningRate, model.optimizer.learningRate, `${name}: same learning rate (schedule and step)`);
    for (const m of [model, copy]) await m.fit(x, labels, { epochs: 3, batchSize: 8 });
    assert.deepEqual(bits(flatWeights(copy)), bits(flatWeights(model)), `${name}: resumed bit-identically, dropout masks included`);
    for (const m of [model, copy]) m.dispose();
  }
});

test('every truncation, bit flip, oversized length and garbage file is refused with a clear Error', () => {
  const model = classifier({ hidden: [3] });
  const file = model.save();
  model.dispose();
  for (let cut = 0; cut < file.length; cut++)
    refused(file.slice(0, cut), /cannot load the model: it is too short|length does not match|section length/);
  let flips = 0;
  for (let bit = 0; bit < file.length * 8; bit++) {
    const copy = file.slice();
    copy[bit >> 3] ^= 1 << (bit & 7);
    refused(copy, /cannot load the model: (it is not a simdnet|.*unknown version|.*unknown flags|a section length|its length does not match|its checksum does not match)/);
    flips++;
  }
  assert.equal(flips, file.length * 8);
  refused(Uint8Array.from([...file, 0]), /its length does not match the sections/);
  for (const [offset, value] of [[16, 0xffffffff], [20, 0x40000000], [24, 1000], [28, 5], [20, 0]]) {
    const copy = file.slice();
    new DataView(copy.buffer).setUint32(offset, value, true);
    refused(withChecksum(copy), /a section length in its header is larger than the file or than allowed|its length does not match/);
  }
  const junk = randomArray(500, 9, 0, 256);
  refused(Uint8Array.from(junk), /it is not a simdnet model file \(wrong magic bytes\)/);
  refused(new TextEncoder().encode('SIMDNET\0 and then some text that is not a model at all'), /unknown version|section length/);
});

test('a topology that is not what the weights need is refused, naming the field', async () => {
  const model = classifier({ hidden: [4] });
  const { x, y } = blobs(10);
  await model.fit(x, y, { epochs: 1 });
  const file = model.save();
  model.dispose();
  const cases = [
    [() => '{"format": "simdnet", "layers": [', /topology is not valid UTF-8 JSON/],
    [() => '[1, 2]', /topology is not a JSON object/],
    [(t) => ({ ...t, format: 'keras' }), /format "keras", expected "simdnet"/],
    [(t) => ({ ...t, layers: undefined }), /no "layers" array/],
    [(t) => ({ ...t, seed: -1 }), /"seed" or "name": seed must be an integer/],
    [(t) => ({ ...t, layers: [{ ...t.layers[0], className: 'Conv2D' }, t.layers[1]] }), /layer 0: unknown className "Conv2D"; known: Dense/],
    [(t) => ({ ...t, layers: [t.layers[0], { className: 'Dense' }] }), /layer 1: expected \{ className, config \}/],
    [(t) => ({ ...t, layers: [t.layers[0], { ...t.layers[1], config: { ...t.layers[1].config, units: undefined } }] }), /layer 1: dense units must be an integer/],
    [(t) => ({ ...t, layers: [t.layers[0], { ...t.layers[1], config: { ...t.layers[1].config, activation: 'swish' } }] }), /layer 1: unknown activation "swish"/],
    [(t) => ({ ...t, layers: [t.layers[0], { ...t.layers[1], config: { ...t.layers[1].config, units: 4 } }] }), /its topology has 48 weights but the file holds 43/],
    [(t) => ({ ...t, layers: [{ ...t.layers[0], config: { ...t.layers[0].config, inputShape: undefined } }, t.layers[1]] }), /layer 0: the first layer needs inputShape/],
    [(t) => ({ ...t, training: 'adam' }), /"training" must be an object or null/],
    [(t) => ({ ...t, training: { ...t.training, loss: { name: 'hinge' } } }), /training configuration: unknown loss "hinge"/],
    [(t) => ({ ...t, training: { ...t.training, optimizer: { name: 'sgd', config: {} } } }), /its weights or optimizer state do not match/],
  ];
  for (const [edit, message] of cases) refused(withTopology(file, edit), message);
});

test('a NaN weight with a valid checksum is refused', () => {
  const model = classifier({ hidden: [] });
  const file = model.save({ includeOptimizer: false });
  model.dispose();
  const jsonBytes = new DataView(file.buffer).getUint32(16, true);
  new DataView(file.buffer).setFloat32(32 + jsonBytes + 4, NaN, true);
  refused(withChecksum(file), /a weight or optimizer value that is NaN or infinite/);
});

test('save refuses bad options and a disposed model; loadModel refuses what is not bytes', () => {
  const model = classifier();
  assert.throws(() => model.save({ includeOptimizer: 'yes' }), /includeOptimizer must be true or false/);
  model.dispose();
  assert.throws(() => model.save(), /this model was disposed/);
  for (const bad of [undefined, null, 'model.simdnet', [1, 2, 3], { byteLength: 4 }])
    assert.throws(() => sn.loadModel(bad), /loadModel\(bytes\) must be an ArrayBuffer or a Uint8Array/);
});

test('Node helpers write and read model files', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'simdnet-files-'));
  try {
    const model = varied();
    const path = join(dir, 'varied.simdnet');
    await saveModelFile(model, path);
    const copy = await loadModelFile(path);
    const x = randomArray(6 * 3, 2);
    assert.deepEqual(bits(copy.predict(x)), bits(model.predict(x)));
    await assert.rejects(() => loadModelFile(join(dir, 'missing.simdnet')), /ENOENT/);
    await assert.rejects(() => saveModelFile(model, ''), /the path must be a non-empty string/);
    await assert.rejects(() => saveModelFile({}, path), /takes a model made by sn.sequential/);
    model.dispose();
    copy.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('thousands of save / load / dispose cycles leave the heap where it started', () => {
  const model = classifier();
  const file = model.save();
  const once = () => {
    sn.loadModel(model.save()).dispose();
    assert.throws(() => sn.loadModel(file.subarray(0, 100)));
  };
  once();
  const heap = sn.heapBytes(), memory = sn.memoryBytes();
  for (let i = 0; i < 2000; i++) once();
  assert.equal(sn.heapBytes(), heap);
  assert.equal(sn.memoryBytes(), memory);
  model.dispose();
});
