// Finite-difference checks of computeGradients for convolutional networks
// through the wasm module (the code that ships; test/c/test_layers.c checks
// the same layers natively under ASan/UBSan): for every trainable weight, the
// analytic gradient against (L(w + h) − L(w − h)) / 2h of the loss that
// computeGradients reports. Weights whose perturbation crosses a kink (relu,
// max pooling) are recognised by the two one-sided differences disagreeing and
// skipped; at most a tenth may be. Each case also proves its power: the same
// comparison against the gradient scaled by 1.1 must fail.
//
// The cases cover what the TF.js oracle (test/cnn.tfjs.test.js) cannot train:
// dilated convolutions, average pooling with 'same' padding, bilinear
// up-sampling (Keras', which TF.js' UpSampling2D is not) and batch
// normalization without center or scale, plus regularizers on conv and
// batch-norm weights. (Dropout's gradients need its masks held fixed, which
// only C can do: test/c/test_layers.c.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as sn from '../web/index.js';
import { randomArray } from './support/models.js';

await sn.ready();

const H = 1e-3, ATOL = 1e-3, RTOL = 1e-2;

function check(name, { inputShape, layers, rows = 4, loss = 'categoricalCrossentropy' }) {
  test(`gradients: ${name}`, (t) => {
    const model = sn.sequential({ seed: 3 });
    layers.forEach(({ type, ...options }, i) => model.add(sn.layers[type]({ ...options, ...(i ? {} : { inputShape }) })));
    model.compile({ optimizer: 'sgd', loss });
    const size = inputShape.reduce((a, b) => a * b, 1), classes = model.outputSize;
    const x = randomArray(rows * size, 7, -1, 1);
    const y = new Float32Array(rows * classes).map((_, i) => (i % classes === Math.floor(i / classes) % classes ? 1 : 0));
    // Biases (and betas) away from zero, so that no gradient is trivially zero.
    const start = model.getWeights().map((w) => (/bias|beta/.test(w.name) ? randomArray(w.values.length, w.values.length, -0.3, 0.3) : w.values));
    model.setWeights(start);
    const trainable = model.weightSpecs().filter((s) => s.trainable).map((s) => model.getWeights().findIndex((w) => w.name === s.name));
    const lossAt = (weights) => {
      model.setWeights(weights);
      return model.computeGradients(x, y).loss;
    };
    const { loss: base, grads } = model.computeGradients(x, y);
    let checked = 0, kinked = 0, bad = [], scaledBad = 0;
    trainable.forEach((w, g) => {
      for (let i = 0; i < start[w].length; i++) {
        const up = start.map((v) => v.slice()), down = start.map((v) => v.slice());
        up[w][i] += H;
        down[w][i] -= H;
        const lu = lossAt(up), ld = lossAt(down);
        if (Math.abs((lu - base) - (base - ld)) / H > 2e-3) {
          kinked++;
          continue;
        }
        const numeric = (lu - ld) / (2 * H), analytic = grads[g][i];
        checked++;
        if (Math.abs(numeric - analytic) > ATOL + RTOL * Math.abs(numeric)) bad.push(`${model.weightSpecs().filter((s) => s.trainable)[g].name}[${i}]: ${analytic} vs ${numeric}`);
        if (Math.abs(numeric - 1.1 * analytic) > ATOL + RTOL * Math.abs(numeric)) scaledBad++;
      }
    });
    model.setWeights(start);
    t.diagnostic(`${checked} weights checked, ${kinked} skipped at kinks`);
    assert.deepEqual(bad, [], `${bad.length} gradients differ from finite differences`);
    assert.ok(kinked <= (checked + kinked) / 10, `${kinked} of ${checked + kinked} weights at kinks`);
    assert.ok(scaledBad > checked / 4, 'the check would notice a gradient 10% off');
    model.dispose();
  });
}

check('dilated convolutions (valid and same), 1×1 stride 2', {
  inputShape: [9, 8, 2],
  layers: [
    { type: 'conv2d', filters: 3, kernelSize: 3, dilationRate: 2, activation: 'tanh' },
    { type: 'conv2d', filters: 3, kernelSize: [4, 2], dilationRate: [2, 1], padding: 'same', activation: 'sigmoid' },
    { type: 'conv2d', filters: 2, kernelSize: 1, strides: 2 },
    { type: 'flatten' },
    { type: 'dense', units: 3, activation: 'softmax' },
  ],
});

check('dilated depthwise and separable convolutions (TF.js cannot train them), a transposed conv with output padding', {
  inputShape: [7, 6, 3],
  layers: [
    { type: 'depthwiseConv2d', kernelSize: 3, depthMultiplier: 2, dilationRate: [2, 1], padding: 'same', activation: 'tanh', biasInitializer: 'randomNormal' },
    { type: 'separableConv2d', filters: 3, kernelSize: 2, dilationRate: 2, activation: 'sigmoid', depthwiseRegularizer: { l2: 0.01 } },
    { type: 'conv2dTranspose', filters: 2, kernelSize: 3, strides: 2, outputPadding: 1, padding: 'same' },
    { type: 'flatten' },
    { type: 'dense', units: 3, activation: 'softmax' },
  ],
});

check("average pooling with 'same' padding, overlapping; regularized conv weights", {
  inputShape: [7, 8, 3],
  layers: [
    { type: 'conv2d', filters: 2, kernelSize: 3, padding: 'same', activation: 'tanh', kernelRegularizer: sn.regularizers.l2(0.01), biasRegularizer: sn.regularizers.l2(0.02) },
    { type: 'averagePooling2d', poolSize: 3, strides: 1, padding: 'same' },
    { type: 'conv2d', filters: 3, kernelSize: 2, activation: 'tanh', activityRegularizer: sn.regularizers.l2(0.01) },
    { type: 'averagePooling2d', poolSize: [2, 3], strides: [2, 2], padding: 'same' },
    { type: 'flatten' },
    { type: 'dense', units: 3, activation: 'softmax' },
  ],
});

check('batch normalization without center, without scale, regularized gamma', {
  inputShape: [5, 4, 2],
  rows: 5,
  layers: [
    { type: 'conv2d', filters: 3, kernelSize: 3, padding: 'same', useBias: false },
    { type: 'batchNormalization', center: false, gammaRegularizer: sn.regularizers.l2(0.05) },
    { type: 'activation', activation: 'tanh' },
    { type: 'conv2d', filters: 2, kernelSize: 2, strides: 2 },
    { type: 'batchNormalization', scale: false, momentum: 0.5 },
    { type: 'globalAveragePooling2d' },
    { type: 'dense', units: 3, activation: 'softmax' },
  ],
});

check('global max pooling after a reshape of flat inputs; mse on a linear output', {
  inputShape: [48],
  loss: 'meanSquaredError',
  layers: [
    { type: 'reshape', targetShape: [4, -1, 3] },
    { type: 'conv2d', filters: 5, kernelSize: 2, activation: 'tanh' },
    { type: 'globalMaxPooling2d' },
    { type: 'dense', units: 2 },
  ],
});

check('overlapping max pooling windows after a one-channel convolution', {
  inputShape: [6, 5, 1],
  layers: [
    { type: 'conv2d', filters: 4, kernelSize: 3, activation: 'tanh' },
    { type: 'maxPooling2d', poolSize: 2, strides: 1 },
    { type: 'flatten' },
    { type: 'dense', units: 3, activation: 'softmax' },
  ],
});

check("bilinear up-sampling (Keras' half-pixel centers) between zero padding and cropping", {
  inputShape: [5, 4, 2],
  layers: [
    { type: 'conv2d', filters: 3, kernelSize: 2, activation: 'tanh' },
    { type: 'zeroPadding2d', padding: [[1, 0], [0, 2]] },
    { type: 'upSampling2d', size: [2, 3], interpolation: 'bilinear' },
    { type: 'cropping2d', cropping: [[0, 1], [2, 1]] },
    { type: 'conv2d', filters: 2, kernelSize: 3, strides: 2, activation: 'tanh' },
    { type: 'flatten' },
    { type: 'dense', units: 3, activation: 'softmax' },
  ],
});
