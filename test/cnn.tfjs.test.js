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
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import * as sn from '../web/index.js';
import { CLASSES, assertAgree, trainBoth } from './support/tfjs-train.js';

await tf.setBackend('cpu');
await sn.ready();

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
