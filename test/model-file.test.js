// model.save() / sn.loadModel(): bit-identical predictions, training that
// resumes exactly (also CNNs with batch norm and dropout anywhere), and every
// damaged file refused with a clear Error, no leak. Version-1 files:
// test/model-file-v1.test.js.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as sn from '../web/index.js';
import { loadModelFile, saveModelFile } from '../web/io/node-files.js';
import { KINDS } from '../web/layers/index.js';
import { blobs, classifier, flatWeights, randomArray } from './support/models.js';

await sn.ready();

const bits = (floats) => Array.from(new Uint32Array(Float32Array.from(floats).buffer));
const HEADER = 40; // c/model_file.h, version 2
const L = sn.layers;

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
  const topology = JSON.parse(new TextDecoder().decode(file.subarray(HEADER, HEADER + jsonBytes)));
  const edited = edit(topology);
  let json = new TextEncoder().encode(typeof edited === 'string' ? edited : JSON.stringify(edited));
  json = Uint8Array.from([...json, ...new Array((4 - (json.length % 4)) % 4).fill(0x20)]);
  const out = new Uint8Array(file.length - jsonBytes + json.length);
  out.set(file.subarray(0, HEADER));
  out.set(json, HEADER);
  out.set(file.subarray(HEADER + jsonBytes), HEADER + json.length);
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
    [(t) => ({ ...t, layers: [{ ...t.layers[0], className: 'Conv3D' }, t.layers[1]] }), /layer 0: unknown className "Conv3D"; known: Dense, Dropout, Conv2D, MaxPooling2D/],
    [(t) => ({ ...t, layers: [{ ...t.layers[0], className: 'toString' }, t.layers[1]] }), /layer 0: unknown className "toString"/],
    [(t) => ({ ...t, layers: [{ ...t.layers[0], className: 'Conv2D' }, t.layers[1]] }), /layer 0: conv2d: unknown option "units"/],
    [(t) => ({ ...t, layers: [t.layers[0], { className: 'Dense' }] }), /layer 1: expected \{ className, config \}/],
    [(t) => ({ ...t, layers: [t.layers[0], { ...t.layers[1], config: { ...t.layers[1].config, units: undefined } }] }), /layer 1: dense units must be an integer/],
    [(t) => ({ ...t, layers: [t.layers[0], { ...t.layers[1], config: { ...t.layers[1].config, activation: 'squareplus' } }] }), /layer 1: unknown activation "squareplus"/],
    [(t) => ({ ...t, layers: [t.layers[0], { ...t.layers[1], config: { ...t.layers[1].config, units: 4 } }] }), /its topology has 48 weights but the file holds 43/],
    [(t) => ({ ...t, layers: [{ ...t.layers[0], config: { ...t.layers[0].config, inputShape: undefined } }, t.layers[1]] }), /layer 0: the first layer needs inputShape/],
    [(t) => ({ ...t, training: 'adam' }), /"training" must be an object or null/],
    [(t) => ({ ...t, training: { ...t.training, loss: { name: 'hinge' } } }), /training configuration: unknown loss "hinge"/],
    [(t) => ({ ...t, training: { ...t.training, optimizer: { name: 'sgd', config: {} } } }), /its weights or optimizer state do not match/],
  ];
  for (const [edit, message] of cases) refused(withTopology(file, edit), message);
});

/** A CNN with every kind of layer (dropout on the input, after a convolution and after the dense layer), compiled or not. */
function cnn({ seed = 5, optimizer, name = 'cnn' } = {}) {
  const model = sn.sequential({ seed, name });
  model.add(L.dropout({ rate: 0.1, inputShape: [48] }));
  model.add(L.reshape({ targetShape: [6, 4, 2] }));
  model.add(L.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', kernelRegularizer: sn.regularizers.l2(0.001) }));
  model.add(L.batchNormalization({ momentum: 0.8 }));
  model.add(L.dropout({ rate: 0.2, seed: 3 }));
  model.add(L.maxPooling2d({ poolSize: 2 }));
  model.add(L.conv2d({ filters: 5, kernelSize: [2, 1], strides: [1, 2], activation: sn.leakyRelu({ alpha: 0.1 }), useBias: false, name: 'conv_b' }));
  model.add(L.batchNormalization({ center: false, epsilon: 0.01 }));
  model.add(L.averagePooling2d({ poolSize: [2, 1], strides: 1, padding: 'same' }));
  model.add(L.activation({ activation: 'tanh' }));
  model.add(L.flatten());
  model.add(L.dense({ units: 6, activation: 'relu' }));
  model.add(L.dropout({ rate: 0.3 }));
  model.add(L.dense({ units: 3, activation: 'softmax' }));
  if (optimizer) model.compile({ optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

/** A layer's options as its kind gives them back (what the file holds of it). */
const KINDS_CONFIG = (layer) => KINDS[layer.type].config(layer, false);

/** Every weight, batch norm's moving statistics included, as bits. */
const allBits = (model) => bits(model.getWeights().flatMap((w) => Array.from(w.values)));

test('a CNN with every kind of layer reloads with the same layers and moving statistics, predicting bit-identically', async () => {
  const { x, y } = blobs(40, 48);
  const globals = sn.sequential({ seed: 2, name: 'global' });
  globals.add(L.conv2d({ filters: 3, kernelSize: 2, inputShape: [4, 4, 3] }));
  globals.add(L.batchNormalization({ scale: false }));
  globals.add(L.globalMaxPooling2d());
  globals.add(L.reshape({ targetShape: [1, 1, 3] }));
  globals.add(L.globalAveragePooling2d());
  for (const [model, input] of [[cnn({ optimizer: sn.optimizers.adam({ learningRate: 0.01 }) }), x], [cnn(), x], [globals, randomArray(5 * 48, 3)]]) {
    if (model.loss) await model.fit(input, y, { epochs: 2, batchSize: 8 }); // moves the moving statistics away from 0 and 1
    for (const includeOptimizer of [true, false]) {
      const copy = sn.loadModel(model.save({ includeOptimizer }));
      assert.equal(copy.summary(), model.summary());
      assert.deepEqual(copy.layers.map((l) => KINDS_CONFIG(l)), model.layers.map((l) => KINDS_CONFIG(l)), 'every option of every layer');
      assert.deepEqual(allBits(copy), allBits(model), 'weights and moving statistics');
      assert.deepEqual(bits(copy.predict(input)), bits(model.predict(input)));
      copy.dispose();
    }
    model.dispose();
  }
});

test('a CNN with batch norm and dropout saved mid-training resumes bit-identically (Adam, SGD with momentum, SGD)', async () => {
  const { x, y } = blobs(45, 48);
  const optimizers = [
    () => sn.optimizers.adam({ learningRate: 0.01 }),
    () => sn.optimizers.sgd({ learningRate: 0.05, momentum: 0.9 }),
    () => sn.optimizers.sgd({ learningRate: 0.05 }),
  ];
  for (const optimizer of optimizers) {
    const model = cnn({ optimizer: optimizer() });
    await model.fit(x, y, { epochs: 2, batchSize: 8, validationSplit: 0.2 });
    const copy = sn.loadModel(model.save());
    const stale = sn.loadModel(model.save({ includeOptimizer: false })); // fresh optimizer and generators: diverges
    assert.deepEqual(allBits(copy), allBits(model));
    const histories = [];
    for (const m of [model, copy, stale]) histories.push((await m.fit(x, y, { epochs: 3, batchSize: 8 })).history.loss);
    assert.deepEqual(histories[1], histories[0], `${model.optimizer.name}: the same losses after loading`);
    assert.deepEqual(allBits(copy), allBits(model), `${model.optimizer.name}: weights and moving statistics resumed bit-identically`);
    assert.notDeepEqual(allBits(stale), allBits(model), 'without the training state it would not be');
    assert.deepEqual(copy.save(), model.save(), 'and the two save the same bytes');
    for (const m of [model, copy, stale]) m.dispose();
  }
});

test('moving statistics that do not fit, are not finite or are negative are refused', async () => {
  const model = sn.sequential({ seed: 4 });
  model.add(L.dense({ units: 4, inputShape: [3] }));
  model.add(L.batchNormalization({ center: false, scale: false }));
  model.add(L.dense({ units: 2 }));
  model.compile({ optimizer: 'sgd', loss: 'mse' });
  await model.fit(randomArray(30, 2), randomArray(20, 3), { epochs: 1 });
  const file = model.save({ includeOptimizer: false });
  model.dispose();
  const view = new DataView(file.buffer);
  assert.equal(view.getUint32(32, true), 8, 'the header counts 8 non-trainable weights');
  const nonTrainable = HEADER + view.getUint32(16, true) + 4 * view.getUint32(20, true);
  const set = (index, value) => {
    const copy = file.slice();
    new DataView(copy.buffer).setFloat32(nonTrainable + 4 * index, value, true);
    return withChecksum(copy);
  };
  refused(set(5, -0.25), /a negative moving variance \(batch normalization\)/);
  refused(set(1, NaN), /a weight or optimizer value that is NaN or infinite/);
  refused(set(6, Infinity), /a weight or optimizer value that is NaN or infinite/);
  const copy = sn.loadModel(set(5, 0)); // zero is a variance
  assert.equal(copy.getWeights()[3].values[1], 0);
  copy.dispose();
  refused(withTopology(file, (t) => ({ ...t, layers: [t.layers[0], { className: 'Activation', config: { activation: 'linear' } }, t.layers[2]] })),
    /its topology has 0 non-trainable weights \(moving statistics\) but the file holds 8/);
  refused(withTopology(file, (t) => ({ ...t, layers: [t.layers[0], { ...t.layers[1], config: { ...t.layers[1].config, axis: 1.5 } }, t.layers[2]] })),
    /layer 1: batchNormalization axis must be -1/);
});

test('every truncation and bit flip of a CNN file is refused', () => {
  const model = sn.sequential({ seed: 6 });
  model.add(L.conv2d({ filters: 2, kernelSize: 2, inputShape: [3, 3, 1] }));
  model.add(L.batchNormalization());
  model.add(L.dropout({ rate: 0.5 }));
  model.add(L.globalAveragePooling2d());
  model.compile({ optimizer: 'adam', loss: 'mse' });
  const file = model.save();
  model.dispose();
  for (let cut = 0; cut < file.length; cut++)
    refused(file.slice(0, cut), /cannot load the model: it is too short|length does not match|section length/);
  for (let bit = 0; bit < file.length * 8; bit++) {
    const copy = file.slice();
    copy[bit >> 3] ^= 1 << (bit & 7);
    refused(copy, /cannot load the model: (it is not a simdnet|.*unknown version|.*unknown flags|a section length|its length does not match|its checksum does not match)/);
  }
  for (const [offset, value] of [[32, 0xffffffff], [32, 1000], [36, 65], [36, 1000], [36, 0]]) {
    const copy = file.slice();
    new DataView(copy.buffer).setUint32(offset, value, true);
    refused(withChecksum(copy), /a section length in its header is larger than the file or than allowed|its length does not match/);
  }
});

test('a NaN weight with a valid checksum is refused', () => {
  const model = classifier({ hidden: [] });
  const file = model.save({ includeOptimizer: false });
  model.dispose();
  const jsonBytes = new DataView(file.buffer).getUint32(16, true);
  new DataView(file.buffer).setFloat32(HEADER + jsonBytes + 4, NaN, true);
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
