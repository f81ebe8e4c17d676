// Convolutional networks train like TensorFlow.js (@tensorflow/tfjs, cpu
// backend, the oracle): the same layers built from one spec in both libraries
// (the factories share names and options), TF.js' initial weights copied in
// with setWeights, shuffle: false, 3 epochs. Per-epoch training losses agree
// within 1e-4 relative, and every weight tensor after training — batch norm's
// moving statistics included — within 2e-4 of its largest value. Evaluating
// (inference: the moving statistics) agrees too.
//
// Not compared here, because TF.js 4.22 cannot train them: dilated
// convolutions ("dilation rates greater than 1 are not yet supported in
// gradients") and batch norm with center or scale off (a TypeError in its
// training path); and average pooling with 'same' padding, whose TF.js
// gradient divides by the whole window although its forward pass divides by
// the cells inside the input (our gradient is that of the forward pass both
// libraries compute). Those are checked by finite differences
// (test/c/test_layers.c, test/cnn.gradients.test.js), as is bilinear
// up-sampling, which TF.js 4.22 computes otherwise than Keras (test/shapes.test.js).
// Adam is not used: TF.js
// adds its epsilon to the bias-corrected √v̂, Keras (and we) to √v.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import * as sn from '../web/index.js';
import { randomArray } from './support/models.js';

await tf.setBackend('cpu');
await sn.ready();

const ROWS = 48, BATCH = 16, EPOCHS = 3, CLASSES = 3;
// The factories whose TF.js names differ from ours.
const TFJS_FACTORY = { cropping2d: 'cropping2D' };

/** Inputs, and one-hot labels that depend on them so the networks learn something. */
function data(inputShape, seed) {
  const size = inputShape.reduce((a, b) => a * b, 1);
  const x = randomArray(ROWS * size, seed, -1, 1);
  const y = new Float32Array(ROWS * CLASSES);
  for (let r = 0; r < ROWS; r++) {
    let s = 0;
    for (let i = 0; i < size; i++) s += x[r * size + i] * Math.sin(i);
    y[r * CLASSES + (s > 1 ? 2 : s > -1 ? 1 : 0)] = 1;
  }
  return { x, y };
}

/** Trains one spec in both libraries; returns what each produced. */
async function trainBoth(spec, { optimizer = () => ({ sn: sn.optimizers.sgd({ learningRate: 0.1 }), tf: tf.train.sgd(0.1) }), seed = 1, batch = BATCH } = {}) {
  const [first, ...rest] = spec.layers;
  const layers = [{ ...first, inputShape: spec.inputShape }, ...rest];
  const tfModel = tf.sequential();
  for (const { type, ...options } of layers) tfModel.add(tf.layers[TFJS_FACTORY[type] ?? type](options));
  const model = sn.sequential({ seed: 5 });
  for (const { type, ...options } of layers) model.add(sn.layers[type](options));
  // The same starting point: TF.js' initial weights, layer by layer in Keras' order.
  const initial = tfModel.layers.flatMap((l) => l.getWeights().map((w) => w.dataSync().slice()));
  model.setWeights(initial);
  assert.deepEqual(model.getWeights().map((w) => w.shape), tfModel.layers.flatMap((l) => l.getWeights().map((w) => w.shape)), 'weight shapes');

  const { x, y } = data(spec.inputShape, seed);
  const opts = optimizer();
  tfModel.compile({ optimizer: opts.tf, loss: 'categoricalCrossentropy' });
  model.compile({ optimizer: opts.sn, loss: 'categoricalCrossentropy' });
  const xs = tf.tensor(x, [ROWS, ...spec.inputShape]), ys = tf.tensor(y, [ROWS, CLASSES]);
  const tfHistory = await tfModel.fit(xs, ys, { epochs: EPOCHS, batchSize: batch, shuffle: false, verbose: 0 });
  const history = await model.fit(x, y, { epochs: EPOCHS, batchSize: batch, shuffle: false });
  const tfEval = tfModel.evaluate(xs, ys, { batchSize: BATCH }).dataSync()[0];
  const result = {
    tf: { losses: tfHistory.history.loss, weights: tfModel.layers.flatMap((l) => l.getWeights().map((w) => w.dataSync().slice())), evaluate: tfEval },
    sn: { losses: history.history.loss, weights: model.getWeights(), evaluate: model.evaluate(x, y, { batchSize: BATCH }).loss },
  };
  tf.dispose([xs, ys]);
  tfModel.dispose();
  model.dispose();
  return result;
}

function assertAgree({ tf: want, sn: got }, what) {
  want.losses.forEach((loss, e) => {
    const rel = Math.abs(got.losses[e] - loss) / Math.abs(loss);
    assert.ok(rel <= 1e-4, `${what}: epoch ${e + 1} loss ${got.losses[e]}, TF.js ${loss} (${rel.toExponential(2)} relative)`);
  });
  let moved = 0;
  got.weights.forEach(({ name, values }, t) => {
    const ref = want.weights[t];
    const scale = ref.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    let worst = 0;
    values.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - ref[i]))));
    assert.ok(worst <= 2e-4 * scale, `${what}: ${name} is off by ${worst.toExponential(2)}, ${(worst / scale).toExponential(2)} of its largest value`);
    moved += values.some((v, i) => v !== ref[i]) ? 1 : 0;
  });
  assert.ok(moved > 0);
  assert.ok(Math.abs(got.evaluate - want.evaluate) <= 1e-4 * Math.abs(want.evaluate), `${what}: evaluate ${got.evaluate}, TF.js ${want.evaluate}`);
}

test('TF.js: conv2d valid and same with stride 2, max and average pooling, flatten, dense', async () => {
  const result = await trainBoth({
    inputShape: [11, 10, 2],
    layers: [
      { type: 'conv2d', filters: 4, kernelSize: 3, activation: 'relu' },
      { type: 'maxPooling2d', poolSize: 2 },
      { type: 'conv2d', filters: 6, kernelSize: [3, 2], strides: 2, padding: 'same', activation: 'tanh' },
      { type: 'averagePooling2d', poolSize: 2, strides: 1 },
      { type: 'flatten' },
      { type: 'dense', units: CLASSES, activation: 'softmax' },
    ],
  });
  assertAgree(result, 'conv/pool');
});

test('TF.js: batch normalization after a conv (moving statistics too), overlapping max pooling, 1×1 conv, global average pooling', async () => {
  const result = await trainBoth({
    inputShape: [9, 9, 3],
    layers: [
      { type: 'conv2d', filters: 5, kernelSize: 3, padding: 'same', useBias: false },
      { type: 'batchNormalization', momentum: 0.9 },
      { type: 'activation', activation: 'relu' },
      { type: 'maxPooling2d', poolSize: 3, strides: 2, padding: 'same' },
      { type: 'conv2d', filters: 4, kernelSize: 1, activation: 'sigmoid' },
      { type: 'globalAveragePooling2d' },
      { type: 'dense', units: CLASSES, activation: 'softmax' },
    ],
  });
  assertAgree(result, 'batch norm after conv');
});

test('TF.js: reshape of flat input, stride-2 conv, batch norm after dense, momentum; global max pooling', async () => {
  const result = await trainBoth({
    inputShape: [100],
    layers: [
      { type: 'reshape', targetShape: [10, 10, 1] },
      { type: 'conv2d', filters: 6, kernelSize: 4, strides: 2, activation: 'tanh' },
      { type: 'averagePooling2d', poolSize: [2, 1] },
      { type: 'flatten' },
      { type: 'dense', units: 8, useBias: false },
      { type: 'batchNormalization', epsilon: 0.01 },
      { type: 'activation', activation: 'tanh' },
      { type: 'dense', units: CLASSES, activation: 'softmax' },
    ],
  }, { optimizer: () => ({ sn: sn.optimizers.sgd({ learningRate: 0.05, momentum: 0.9 }), tf: tf.train.momentum(0.05, 0.9) }) });
  assertAgree(result, 'reshape, batch norm after dense, momentum');
  const pooled = await trainBoth({
    inputShape: [8, 7, 2],
    layers: [
      { type: 'conv2d', filters: 5, kernelSize: 2, strides: [2, 1], padding: 'same', activation: 'tanh' },
      { type: 'globalMaxPooling2d' },
      { type: 'dense', units: CLASSES, activation: 'softmax' },
    ],
  }, { seed: 4 });
  assertAgree(pooled, 'global max pooling');
});

test("TF.js: zero padding (MobileNetV2's [[0, 1], [0, 1]] before a stride-2 conv, and symmetric), cropping; nearest up-sampling one row per batch", async () => {
  const padded = await trainBoth({
    inputShape: [9, 9, 2],
    layers: [
      { type: 'zeroPadding2d', padding: [[0, 1], [0, 1]] },
      { type: 'conv2d', filters: 4, kernelSize: 3, strides: 2, activation: 'relu' },
      { type: 'zeroPadding2d', padding: 1 },
      { type: 'conv2d', filters: 3, kernelSize: 3, activation: 'tanh' },
      { type: 'cropping2d', cropping: [[1, 0], [0, 2]] },
      { type: 'conv2d', filters: 2, kernelSize: 2, activation: 'tanh' },
      { type: 'flatten' },
      { type: 'dense', units: CLASSES, activation: 'softmax' },
    ],
  });
  assertAgree(padded, 'padding, cropping');
  // TF.js 4.22's gradient of resizeNearestNeighbor (tfjs-backend-cpu
  // src/kernels/ResizeNearestNeighborGrad.ts) reads dy at the images' batch
  // stride, so every sample after a batch's first gets a wrong gradient:
  // compared one sample per batch (test/c/test_layers.c checks batches).
  const upSampled = await trainBoth({
    inputShape: [5, 5, 2],
    layers: [
      { type: 'conv2d', filters: 3, kernelSize: 3, activation: 'tanh' },
      { type: 'upSampling2d', size: [2, 3] },
      { type: 'cropping2d', cropping: [[1, 2], [0, 3]] },
      { type: 'conv2d', filters: 2, kernelSize: 2, strides: 2, activation: 'tanh' },
      { type: 'flatten' },
      { type: 'dense', units: CLASSES, activation: 'softmax' },
    ],
  }, { batch: 1 });
  assertAgree(upSampled, 'nearest up-sampling, cropping');
});
