// Depthwise, separable and transposed convolutions against TensorFlow.js
// (@tensorflow/tfjs, cpu backend, the oracle): each in a small model on odd
// sizes (9×7×5), strides 1 and 2, 'same' and 'valid', depth multipliers 1 and 2,
// with and without bias, trained 3 epochs from TF.js' initial weights
// (test/support/tfjs-train.js: losses within 1e-4 relative, weights within 2e-4
// of their largest value). Then toTfjs → tf.loadLayersModel predicts as we do,
// TF.js-saved models with these layers import (fromTfjs), and the model file
// round trip keeps them. TF.js 4.22's DepthwiseConv2D ignores dilationRate and
// its gradients refuse dilation > 1, so dilation is checked by finite
// differences (test/c/test_layers.c) and against tf.depthwiseConv2d here.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import * as sn from '../web/index.js';
import { KINDS, createLayer } from '../web/layers/index.js';
import { convertLayer } from '../web/io/tfjs-layers.js';
import { randomArray } from './support/models.js';
import { savedByTfjs } from './support/tfjs-saved.js';
import { CLASSES, assertAgree, trainBoth } from './support/tfjs-train.js';

await tf.setBackend('cpu');
await sn.ready();

const INPUT = [9, 7, 5];
// TF.js adds Adam's epsilon to the bias-corrected √v̂, Keras (and we) to √v: a
// tiny epsilon makes the two the same update.
const adam = () => ({ sn: sn.optimizers.adam({ learningRate: 0.003, epsilon: 1e-10 }), tf: tf.train.adam(0.003, 0.9, 0.999, 1e-10) });

const SPECS = {
  depthwise: [
    { type: 'depthwiseConv2d', kernelSize: 3, depthMultiplier: 2, activation: 'tanh', biasInitializer: 'randomNormal' },
    { type: 'depthwiseConv2d', kernelSize: [3, 2], strides: 2, padding: 'same', useBias: false },
    { type: 'depthwiseConv2d', kernelSize: 2, strides: 2, activation: 'relu' },
    { type: 'flatten' },
    { type: 'dense', units: CLASSES, activation: 'softmax' },
  ],
  separable: [
    { type: 'separableConv2d', filters: 4, kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same', activation: 'relu', biasInitializer: 'randomNormal' },
    { type: 'separableConv2d', filters: 3, kernelSize: [2, 3], useBias: false, activation: 'tanh' },
    { type: 'flatten' },
    { type: 'dense', units: CLASSES, activation: 'softmax' },
  ],
  transpose: [
    { type: 'conv2dTranspose', filters: 3, kernelSize: 3, strides: 2, padding: 'same', activation: 'tanh', biasInitializer: 'randomNormal' },
    { type: 'conv2dTranspose', filters: 2, kernelSize: [2, 3], padding: 'valid', useBias: false },
    { type: 'conv2d', filters: 2, kernelSize: 3, strides: 2 },
    { type: 'conv2dTranspose', filters: 2, kernelSize: 2, strides: [2, 3], padding: 'valid' },
    { type: 'flatten' },
    { type: 'dense', units: CLASSES, activation: 'softmax' },
  ],
};

for (const [name, layers] of Object.entries(SPECS)) {
  test(`TF.js: ${name} convolutions train as in TF.js (SGD and Adam)`, async () => {
    assertAgree(await trainBoth({ inputShape: INPUT, layers }), `${name}, SGD`);
    assertAgree(await trainBoth({ inputShape: INPUT, layers }, { optimizer: adam, seed: 2 }), `${name}, Adam`);
  });
}

/** Our model of a spec's layers (its first with the input shape). */
function build(layers, seed = 3) {
  const model = sn.sequential({ seed });
  layers.forEach(({ type, ...options }, i) => model.add(sn.layers[type](i ? options : { ...options, inputShape: INPUT })));
  return model;
}

const closeTo = (actual, expected, what, tol = 1e-5) => {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  assert.ok(worst <= tol, `${what}: off by ${worst}`);
};

test('toTfjs: tf.loadLayersModel reads the three kinds and predicts as we do; fromTfjs reads them back', async () => {
  for (const [name, layers] of Object.entries(SPECS)) {
    // a leakyRelu activation goes to TF.js as a LeakyReLU layer after the conv and folds back
    const model = build(layers.map((l, i) => (i === 0 ? { ...l, activation: sn.leakyRelu({ alpha: 0.2 }) } : l)));
    model.setWeights(model.getWeights().map(({ values }, i) => randomArray(values.length, 40 + i, -0.5, 0.5)));
    const x = randomArray(3 * 9 * 7 * 5, 7, -1, 1);
    const { modelJson, weightsBin } = model.toTfjs();
    const weightSpecs = modelJson.weightsManifest.flatMap((g) => g.weights);
    const tfModel = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs, weightData: weightsBin.buffer ?? weightsBin }));
    const want = model.predict(x);
    closeTo(tf.tidy(() => tfModel.predict(tf.tensor(x, [3, ...INPUT])).dataSync().slice()), want, `${name} in TF.js`);
    const back = sn.fromTfjs(JSON.parse(JSON.stringify(modelJson)), weightsBin);
    assert.deepEqual(back.layers.map((l) => l.type), model.layers.map((l) => l.type));
    assert.deepEqual(back.layers[0].activation, model.layers[0].activation);
    closeTo(back.predict(x), want, `${name} back from TF.js`, 0);
    tfModel.dispose();
    back.dispose();
    model.dispose();
  }
});

test('fromTfjs: models built and saved by TF.js with these layers import and predict as TF.js', async () => {
  for (const [name, layers] of Object.entries(SPECS)) {
    const tfModel = tf.sequential();
    // TF.js 4.22's SeparableConv2D does not write its depthMultiplier (tfjs-layers convolutional.ts,
    // SeparableConv.getConfig), so that it cannot load its own file when it is not 1: here it is 1.
    const saved = layers.map((l) => (l.type === 'separableConv2d' ? { ...l, depthMultiplier: 1 } : l));
    saved.forEach(({ type, ...options }, i) => tfModel.add(tf.layers[type](i ? options : { ...options, inputShape: INPUT })));
    tfModel.setWeights(tfModel.weights.map((w, i) => tf.tensor(randomArray(w.shape.reduce((a, b) => a * b, 1), 60 + i, -0.5, 0.5), w.shape)));
    const { modelJson, weightsBin } = await savedByTfjs(tfModel);
    const x = randomArray(2 * 9 * 7 * 5, 8, -1, 1);
    const model = sn.fromTfjs(modelJson, weightsBin);
    closeTo(model.predict(x), tf.tidy(() => tfModel.predict(tf.tensor(x, [2, ...INPUT])).dataSync().slice()), `${name} from TF.js`);
    assert.deepEqual(model.layers.map((l) => l.type), tfModel.layers.map((l) => l.getClassName()));
    model.dispose();
    tfModel.dispose();
  }
});

test('model file: save and load keep every option and weight of the three kinds', async () => {
  const layers = [
    { type: 'depthwiseConv2d', kernelSize: 3, depthMultiplier: 2, dilationRate: 2, padding: 'same', depthwiseRegularizer: { l2: 0.01 } },
    { type: 'separableConv2d', filters: 3, kernelSize: 2, strides: 2, pointwiseInitializer: 'heNormal', useBias: false },
    { type: 'conv2dTranspose', filters: 2, kernelSize: 3, strides: 2, padding: 'same', outputPadding: 1, activation: 'relu' },
    { type: 'globalAveragePooling2d' },
  ];
  const model = build(layers);
  const x = randomArray(2 * 9 * 7 * 5, 9, -1, 1);
  const bytes = model.save();
  const back = sn.loadModel(bytes);
  const config = (l) => KINDS[l.type].config(l, false);
  assert.deepEqual(back.layers.map(config), model.layers.map(config), 'every option of every layer');
  const [dw, sep] = back.layers;
  assert.deepEqual([dw.depthMultiplier, dw.kernelSize, dw.padding, dw.dilationRate, dw.depthwiseRegularizer.l2], [2, [3, 3], 'same', [2, 2], 0.01]);
  assert.deepEqual([sep.pointwiseInitializer.name, sep.useBias], ['heNormal', false]);
  closeTo(back.predict(x), model.predict(x), 'loaded', 0);
  assert.deepEqual(back.layers[2].outputPadding, [1, 1]);
  assert.throws(() => model.toTfjs(), /toTfjs: depthwiseConv2d|DepthwiseConv2D depthwise_conv2d has dilationRate \[2,2\]/);
  model.dispose();
  back.dispose();
});

test('dilated depthwise convolution predicts as tf.depthwiseConv2d with dilations (Keras computes it so; TF.js\' layer ignores the rate)', () => {
  for (const padding of ['valid', 'same']) {
    const model = build([{ type: 'depthwiseConv2d', kernelSize: [3, 2], depthMultiplier: 2, dilationRate: [2, 3], padding }, { type: 'flatten' }]);
    const x = randomArray(2 * 9 * 7 * 5, 10, -1, 1);
    const [kernel, bias] = model.getWeights();
    const want = tf.tidy(() => tf.depthwiseConv2d(tf.tensor(x, [2, ...INPUT]), tf.tensor(kernel.values, kernel.shape), 1, padding, 'NHWC', [2, 3])
      .add(tf.tensor(bias.values)).dataSync().slice());
    closeTo(model.predict(x), want, `dilated ${padding}`);
    model.dispose();
  }
});

test('conv2d with dilation, valid and same, predicts as tf.conv2d with dilations (TF.js cannot train it: finite differences in test/cnn.gradients.test.js)', () => {
  for (const padding of ['valid', 'same']) {
    const model = build([{ type: 'conv2d', filters: 3, kernelSize: [3, 2], dilationRate: [2, 3], padding, biasInitializer: 'randomNormal' }, { type: 'flatten' }]);
    const x = randomArray(2 * 9 * 7 * 5, 11, -1, 1);
    const [kernel, bias] = model.getWeights();
    const want = tf.tidy(() => tf.conv2d(tf.tensor(x, [2, ...INPUT]), tf.tensor(kernel.values, kernel.shape), 1, padding, 'NHWC', [2, 3])
      .add(tf.tensor(bias.values)).dataSync().slice());
    closeTo(model.predict(x), want, `conv2d dilated ${padding}`);
    model.dispose();
  }
});

test("the 17 DepthwiseConv2D layers of nsfwjs' MobileNetV2 (Keras-converted model.json) import with their settings", () => {
  const { modelTopology } = createRequire(import.meta.url)('../node_modules/nsfwjs/dist/models/mobilenet_v2/model.min.js');
  const used = {};
  const converted = modelTopology.model_config.config.layers.map((l, i) => ({ l, c: l.class_name === 'DepthwiseConv2D' ? convertLayer(l, i, used) : null })).filter(({ c }) => c);
  assert.equal(converted.length, 17);
  for (const { l, c } of converted) {
    const layer = createLayer(c.type, c.options);
    assert.deepEqual([layer.type, layer.kernelSize, layer.strides, layer.padding, layer.depthMultiplier, layer.useBias, layer.depthwiseInitializer.name],
      ['DepthwiseConv2D', [3, 3], l.config.strides, l.config.padding, 1, false, 'glorotUniform'], l.config.name);
  }
  assert.deepEqual(converted.map(({ c }) => c.options.strides[0]).join(''), '12121121111112111');
});
