// Outputs with a time axis and the layers that shape sequences, without the
// oracle (test/timeaxis.tfjs.test.js has it): targets given flat or nested,
// predict's rows and predictClasses per step, bad labels and bad layer options
// refused with an Error naming the problem (the model unchanged), and a
// functional model file written before Dense worked on the last axis loading
// with the flattening it was saved with.
import assert from 'node:assert/strict';
import { crc32 } from 'node:zlib';
import { test } from 'node:test';
import * as sn from '../web/index.js';
import { randomArray } from './support/models.js';

await sn.ready();
const L = sn.layers;

/** [steps 4, features 3] → dense per step → softmax over 3 classes per step. */
function tagger(seed = 1) {
  const model = sn.sequential({ seed });
  model.add(L.timeDistributed({ layer: L.dense({ units: 5, activation: 'tanh' }), inputShape: [4, 3] }));
  model.add(L.layerNormalization());
  model.add(L.dense({ units: 3, activation: 'softmax' }));
  return model;
}

const ROWS = 6;
const x = randomArray(ROWS * 12, 5, -1, 1);
const nested = Array.from({ length: ROWS }, (_, r) => Array.from({ length: 4 }, (_, s) => (r + 2 * s) % 3));

test('sparse labels per step: flat, nested [rows][steps] and [rows][steps][1] train alike; one-hot targets agree', async () => {
  const histories = [];
  for (const y of [Float32Array.from(nested.flat()), nested, nested.map((r) => r.map((l) => [l])), sn.data.oneHot(nested.flat(), 3)]) {
    const model = tagger();
    model.compile({ optimizer: 'adam', loss: y.length === ROWS * 12 ? 'categoricalCrossentropy' : 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    histories.push((await model.fit(x, y, { epochs: 2, batchSize: 4 })).history);
    model.dispose();
  }
  for (const h of histories.slice(1)) {
    h.loss.forEach((v, e) => assert.ok(Math.abs(v - histories[0].loss[e]) < 1e-6, `loss ${v} vs ${histories[0].loss[e]}`));
    assert.deepEqual(h.accuracy, histories[0].accuracy);
  }
  assert.ok(histories[0].accuracy.every((a) => a * ROWS * 4 === Math.round(a * ROWS * 4)), 'accuracy counts steps');
});

test('predict returns rows × steps × classes; predictClasses the class of every step', () => {
  const model = tagger();
  const probs = model.predict(x), classes = model.predictClasses(x);
  assert.equal(probs.length, ROWS * 4 * 3);
  assert.deepEqual(model.outputs[0].shape, [null, 4, 3]);
  assert.equal(classes.length, ROWS * 4);
  for (let i = 0; i < ROWS * 4; i++) {
    const row = probs.subarray(3 * i, 3 * i + 3);
    assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5, 'softmax along the last axis');
    assert.equal(classes[i], row.indexOf(Math.max(...row)));
  }
  model.dispose();
});

test('labels of the wrong count or out of range are refused naming the problem; the model trains on afterwards', async () => {
  const model = tagger();
  model.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
  const before = model.getWeights();
  await assert.rejects(() => model.fit(x, nested.flat().slice(1)), /y holds 23 labels, which is not a whole number of rows of 4 \(one label per step of the output\)/);
  await assert.rejects(() => model.fit(x, nested.slice(1)), /x has 6 rows but y has 5/);
  await assert.rejects(() => model.fit(x, nested.map((r, i) => (i === 2 ? r.slice(1) : r))), /y has 6 rows holding 23 labels, expected 4 per row \(24\)/);
  await assert.rejects(() => model.fit(x, nested.map((r) => r.map((l) => l + 1))), /y: label 3 at index 1 is out of range: expected an integer in \[0, 3\)/);
  await assert.rejects(() => model.fit(x, nested.map((r) => r.map((l) => l + 0.5))), /label 0.5 at index 0 is out of range/);
  assert.throws(() => model.evaluate(x, new Float32Array(ROWS * 12)), /x has 6 rows but y has 18/); // 72 labels: 18 rows of 4 steps
  assert.deepEqual(model.getWeights(), before, 'refused data changed nothing');
  model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
  assert.throws(() => model.evaluate(x, nested), /y holds 24 values, one per step, but categoricalCrossentropy needs rows of 3 \(one-hot\)/);
  await model.fit(x, sn.data.oneHot(nested.flat(), 3), { epochs: 1 });
  model.dispose();
});

test('bad options and shapes of the sequence layers are Errors naming the layer', () => {
  const refused = {
    'timeDistributed conv2d': [() => L.timeDistributed({ layer: L.conv2d({ filters: 2, kernelSize: 3 }) }), /timeDistributed of a Conv2D layer is not supported yet; supported inner layers: Dense, Dropout, Activation/],
    'timeDistributed without a layer': [() => L.timeDistributed({}), /timeDistributed needs layer/],
    'timeDistributed of options': [() => L.timeDistributed({ layer: { units: 3 } }), /timeDistributed layer must be a layer made by sn.layers/],
    'timeDistributed inner inputShape': [() => L.timeDistributed({ layer: L.dense({ units: 3, inputShape: [4] }) }), /give inputShape to the timeDistributed layer, not to its inner layer/],
    'layerNormalization axis 1': [() => L.layerNormalization({ axis: [1, 2] }), /layerNormalization axis must be -1 \(the last axis\), got \[1,2\]: only the last axis is supported/],
    'layerNormalization epsilon': [() => L.layerNormalization({ epsilon: 0 }), /layerNormalization epsilon/],
    'layerNormalization option': [() => L.layerNormalization({ rmsScaling: true }), /rmsScaling/],
    'repeatVector without n': [() => L.repeatVector({}), /repeatVector needs n/],
    'repeatVector n 0': [() => L.repeatVector({ n: 0 }), /repeatVector n/],
    'permute not a permutation': [() => L.permute({ dims: [1, 1] }), /permute dims must be a permutation of 1 … rank/],
    'permute rank 4': [() => L.permute({ dims: [4, 3, 2, 1] }), /samples of rank 4 or more are not supported/],
  };
  for (const [what, [fn, message]] of Object.entries(refused)) assert.throws(fn, message, what);
  const model = sn.sequential({ seed: 1 });
  assert.throws(() => model.add(L.timeDistributed({ layer: L.dense({ units: 2 }), inputShape: [5] })), /time_distributed \(TimeDistributed\): expects inputs with a time axis, \[steps, …\]/);
  assert.throws(() => model.add(L.layerNormalization({ axis: 3, inputShape: [5, 4] })), /layer_normalization \(LayerNormalization\): axis 3 is not the last axis of its input \(None, 5, 4\)/);
  assert.throws(() => model.add(L.permute({ dims: [2, 1], inputShape: [5] })), /permute \(Permute\): dims \[2,1\] permute 2 axes, but its input \(None, 5\) has 1/);
  assert.throws(() => model.add(L.repeatVector({ n: 1 << 20, inputShape: [1000] })), /repeat_vector \(RepeatVector\): its output \[1048576, 1000\] has more than 2\^28 values/);
  assert.equal(model.layers.length, 0);
  model.add(L.layerNormalization({ axis: 2, inputShape: [5, 4] })); // the last axis counted with the batch, as Keras and TF.js
  model.add(L.permute({ dims: [2, 1] }));
  assert.deepEqual(model.outputs[0].shape, [null, 4, 5]);
  model.dispose();
});

test('layer norm normalizes each step: mean beta, deviation gamma (as Keras computes it)', () => {
  const model = sn.sequential({ seed: 2, layers: [L.layerNormalization({ inputShape: [3, 7], epsilon: 1e-3 })] });
  const gamma = Float32Array.from({ length: 7 }, (_, j) => 0.5 + j / 7), beta = Float32Array.from({ length: 7 }, (_, j) => j / 10 - 0.3);
  model.setWeights([gamma, beta]);
  const input = randomArray(2 * 21, 9, -3, 3), out = model.predict(input);
  for (let r = 0; r < 6; r++) {
    const row = Array.from(input.subarray(7 * r, 7 * r + 7)), mean = row.reduce((a, b) => a + b) / 7;
    const variance = row.reduce((a, b) => a + (b - mean) ** 2, 0) / 7;
    row.forEach((v, j) => assert.ok(Math.abs(out[7 * r + j] - ((v - mean) / Math.sqrt(variance + 1e-3) * gamma[j] + beta[j])) < 1e-5));
  }
  model.dispose();
});

test('a functional model file saved when Dense flattened an input of rank > 1 loads with that flattening', () => {
  // Today's file of input [2, 3] → flatten → dense, rewritten as the older code wrote it: no marker, the dense reading the input.
  const xIn = sn.input({ shape: [2, 3], name: 'x' });
  const model = sn.model({ inputs: xIn, outputs: L.dense({ units: 4, name: 'd' }).apply(L.flatten({ name: 'f' }).apply(xIn)), seed: 3 });
  const file = model.save();
  const view = new DataView(file.buffer), jsonBytes = view.getUint32(16, true);
  const topology = JSON.parse(new TextDecoder().decode(file.subarray(40, 40 + jsonBytes)));
  assert.equal(topology.denseOnLastAxis, true);
  delete topology.denseOnLastAxis;
  topology.layers = topology.layers.filter((l) => l.className !== 'Flatten');
  topology.nodes = [{ layer: 'd', inputs: [['x', 0]] }];
  topology.outputs = [['d', 0]];
  const old = new TextEncoder().encode(JSON.stringify(topology));
  assert.ok(old.length <= jsonBytes);
  const bytes = file.slice();
  bytes.fill(0x20, 40, 40 + jsonBytes).set(old, 40);
  new DataView(bytes.buffer).setUint32(bytes.length - 4, crc32(bytes.subarray(0, bytes.length - 4)), true);
  const loaded = sn.loadModel(bytes);
  assert.deepEqual(loaded.layers.map((l) => `${l.name} ${l.type}`), ['x InputLayer', 'd_flatten Flatten', 'd Dense']);
  const input = randomArray(5 * 6, 4);
  assert.deepEqual(loaded.predict(input), model.predict(input));
  model.dispose();
  loaded.dispose();
});
