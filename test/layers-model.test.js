// The LayersModel members TensorFlow.js users reach for (web/layers/layer.js):
// countParams, layers, getLayer, inputs/outputs, per-layer getWeights/setWeights
// and summary(lineLength, positions, printFn), against @tensorflow/tfjs building
// the same network where TF.js defines the answer (summary's table is Keras'
// three columns, TF.js prints four, so its layout is checked against Keras' rule).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import * as sn from '../web/index.js';
import { randomArray } from './support/models.js';

await sn.ready();

/** The same 28×28 → 64 → dropout → 32 → 10 network in simdnet and in TF.js. */
function both() {
  const model = sn.sequential({ seed: 4 });
  model.add(sn.layers.dense({ units: 64, activation: 'relu', inputShape: [28, 28] }));
  model.add(sn.layers.dropout({ rate: 0.2 }));
  model.add(sn.layers.dense({ units: 32, activation: 'relu', useBias: false }));
  model.add(sn.layers.dense({ units: 10, activation: 'softmax', name: 'probabilities' }));
  const reference = tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [28, 28] }),
      tf.layers.dense({ units: 64, activation: 'relu' }),
      tf.layers.dropout({ rate: 0.2 }),
      tf.layers.dense({ units: 32, activation: 'relu', useBias: false }),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  return { model, reference, tfLayers: reference.layers.slice(1) }; // TF.js needs a Flatten in front; simdnet's Dense flattens
}

test('countParams(), layers, outputShape and inputs/outputs match TF.js for the same network', () => {
  const { model, reference, tfLayers } = both();
  assert.equal(model.countParams(), reference.countParams());
  assert.equal(model.countParams(), model.paramCount());
  assert.deepEqual(model.layers.map((l) => l.getClassName()), tfLayers.map((l) => l.getClassName()));
  assert.deepEqual(model.layers.map((l) => l.outputShape), tfLayers.map((l) => l.outputShape));
  assert.deepEqual(model.layers.map((l) => l.countParams()), tfLayers.map((l) => l.countParams()));
  assert.deepEqual(model.layers.map((l) => l.weights.map((w) => w.shape)), tfLayers.map((l) => l.weights.map((w) => w.shape)));
  assert.deepEqual(model.inputs.map((t) => t.shape), reference.inputs.map((t) => t.shape));
  assert.deepEqual(model.outputs.map((t) => t.shape), reference.outputs.map((t) => t.shape));
  assert.deepEqual(model.layers.map((l) => l.name), ['dense', 'dropout', 'dense_1', 'probabilities']);
  assert.deepEqual(model.getLayer('probabilities').weights.map((w) => w.name), ['probabilities/kernel', 'probabilities/bias']);
  model.dispose();
  reference.dispose();
});

test('getLayer by name and by index; unknown ones are errors naming what there is', () => {
  const { model } = both();
  assert.equal(model.getLayer('dense_1'), model.layers[2]);
  assert.equal(model.getLayer(3).name, 'probabilities');
  assert.throws(() => model.getLayer('dense_9'), { message: 'getLayer: no layer named "dense_9"; the model has dense, dropout, dense_1, probabilities' });
  assert.throws(() => model.getLayer(4), /the model has 4 layers, so no layer 4/);
  assert.equal(Object.keys(model.getLayer(0)).includes('model'), false, 'a layer\'s record stays plain data');
  model.dispose();
});

test('per-layer getWeights is the layer\'s part of model.getWeights; setWeights changes that layer only, bit for bit', () => {
  const { model } = both();
  const all = model.getWeights();
  assert.deepEqual(model.layers.flatMap((l) => l.getWeights()), all);
  assert.deepEqual(model.getLayer('dropout').getWeights(), []);
  const layer = model.getLayer('dense_1');
  const kernel = randomArray(64 * 32, 9);
  layer.setWeights([kernel]);
  const after = model.getWeights();
  assert.deepEqual(after.find((w) => w.name === 'dense_1/kernel').values, kernel);
  for (const w of after.filter((w) => w.name !== 'dense_1/kernel')) assert.deepEqual(w, all.find((v) => v.name === w.name), `${w.name} unchanged`);
  // TF.js takes its weights from a layer of ours, as a user would move them.
  const { reference, tfLayers } = both();
  tfLayers.forEach((tfLayer, i) => tfLayer.setWeights(model.layers[i].getWeights().map((w) => tf.tensor(w.values, w.shape))));
  const x = randomArray(3 * 784, 2);
  const ours = model.predict(x), theirs = reference.predict(tf.tensor(x, [3, 28, 28])).dataSync();
  ours.forEach((v, i) => assert.ok(Math.abs(v - theirs[i]) < 1e-6, `prediction ${i}: ${v} vs TF.js ${theirs[i]}`));
  model.dispose();
  reference.dispose();
});

test('a bad per-layer setWeights throws naming the problem and leaves every weight as it was', () => {
  const { model } = both();
  const before = model.getWeights();
  const layer = model.getLayer('dense');
  assert.throws(() => layer.setWeights([new Float32Array(784 * 64)]), { message: 'layer dense has 2 weights (dense/kernel, dense/bias), got 1' });
  assert.throws(() => layer.setWeights([new Float32Array(5), new Float32Array(64)]), /weights for dense\/kernel have 5 values, expected 50176/);
  assert.throws(() => layer.setWeights([new Float32Array(784 * 64), new Float32Array(64).fill(NaN)]), /weights for dense\/bias contains NaN/);
  assert.throws(() => model.getLayer('dropout').setWeights([[1]]), { message: 'layer dropout has 0 weights (none), got 1' });
  assert.deepEqual(model.getWeights(), before);
  model.dispose();
});

/** Where each header column starts. */
const columnStarts = (header) => ['Output', 'Param'].map((word) => header.indexOf(word));

test('summary(lineLength, positions, printFn): a table lineLength wide, columns at Keras\' positions (fractions or characters)', () => {
  const { model } = both();
  // Keras' print_summary for a Sequential: 65 characters, columns ending at 0.45, 0.85 and 1 of the width.
  for (const [lineLength, positions, starts] of [[undefined, undefined, [29, 55]], [80, undefined, [36, 68]], [100, [0.3, 0.7, 1], [30, 70]], [90, [40, 70, 90], [40, 70]]]) {
    const printed = [];
    const text = model.summary(lineLength, positions, (line) => printed.push(line));
    assert.equal(text, printed.join('\n'), 'printFn gets the returned lines, one by one');
    const lines = text.split('\n');
    assert.equal(lines[1], '_'.repeat(lineLength ?? 65));
    assert.ok(lines.every((l) => l.length <= (lineLength ?? 65)), 'no line is wider than lineLength');
    assert.deepEqual(columnStarts(lines.find((l) => l.includes('Layer (type)'))), starts, `lineLength ${lineLength}, positions ${positions}`);
    const row = lines.find((l) => l.includes('probabilities (Dense)'));
    assert.deepEqual([row.indexOf('(None, 10)'), row.indexOf('330')], starts);
  }
  assert.equal(model.summary(), model.summary(65, [0.45, 0.85, 1]));
  assert.ok(model.summary(20).split('\n').includes(' probabi (None,  330'), 'cells longer than their column are cut, as TF.js and Keras cut them');
  assert.throws(() => model.summary(5), /lineLength must be a whole number >= 10, got 5/);
  assert.throws(() => model.summary(70, [0.5, 0.2, 1]), /positions must be 3 increasing numbers/);
  assert.throws(() => model.summary(70, undefined, 'console'), /printFn must be a function/);
  model.dispose();
});

test('a CNN\'s layers, shapes, weights and counts match TF.js building the same network', () => {
  const model = sn.sequential({ seed: 2 });
  model.add(sn.layers.conv2d({ filters: 8, kernelSize: 5, activation: 'relu', inputShape: [28, 28, 1] }));
  model.add(sn.layers.maxPooling2d({ poolSize: 2 }));
  model.add(sn.layers.batchNormalization());
  model.add(sn.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', name: 'conv' }));
  model.add(sn.layers.conv2d({ filters: 2, kernelSize: 1, name: 'conv_1' }));
  model.add(sn.layers.flatten());
  model.add(sn.layers.dense({ units: 10, activation: 'softmax' }));
  const reference = tf.sequential({
    layers: [
      tf.layers.conv2d({ filters: 8, kernelSize: 5, activation: 'relu', inputShape: [28, 28, 1] }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.batchNormalization(),
      tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same' }),
      tf.layers.conv2d({ filters: 2, kernelSize: 1 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  assert.equal(model.countParams(), reference.countParams());
  assert.deepEqual(model.layers.map((l) => l.getClassName()), reference.layers.map((l) => l.getClassName()));
  assert.deepEqual(model.layers.map((l) => l.outputShape), reference.layers.map((l) => l.outputShape));
  assert.deepEqual(model.layers.map((l) => l.countParams()), reference.layers.map((l) => l.countParams()));
  assert.deepEqual(model.layers.map((l) => l.weights.map((w) => w.shape)), reference.layers.map((l) => l.weights.map((w) => w.shape)));
  assert.deepEqual(model.inputs.map((t) => t.shape), reference.inputs.map((t) => t.shape));
  assert.deepEqual(model.outputs.map((t) => t.shape), reference.outputs.map((t) => t.shape));
  assert.equal(model.getLayer('conv').countParams(), 3 * 3 * 8 * 4 + 4, 'its weights are those named conv/…, not conv_1/…');
  const bn = model.getLayer('batch_normalization');
  const moving = bn.getWeights().map((w) => Float32Array.from(w.values, (_, i) => i + 1));
  bn.setWeights(moving);
  assert.deepEqual(bn.getWeights().map((w) => w.values), moving, 'batch norm\'s moving statistics are set through the layer too');
  model.dispose();
  reference.dispose();
});
