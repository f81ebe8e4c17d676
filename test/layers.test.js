// The convolutional layers through the JavaScript API: Keras' output shapes,
// parameter and multiply-add counts, weight names, shapes and order (batch
// norm's moving statistics as non-trainable weights), inputs of any rank, and
// what the layers do in training and at inference (dropout, batch norm's
// moving statistics for evaluate, predict and validation), reproducibly.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as sn from '../web/index.js';
import { randomArray } from './support/models.js';

await sn.ready();

const L = sn.layers;

/** The TF.js tutorial CNN (the README's example, M4). */
function m4(seed = 1) {
  const model = sn.sequential({ seed });
  model.add(L.conv2d({ filters: 8, kernelSize: 5, activation: 'relu', inputShape: [28, 28, 1] }));
  model.add(L.maxPooling2d({ poolSize: 2 }));
  model.add(L.conv2d({ filters: 16, kernelSize: 5, activation: 'relu' }));
  model.add(L.maxPooling2d({ poolSize: 2 }));
  model.add(L.flatten());
  model.add(L.dense({ units: 10, activation: 'softmax' }));
  return model;
}

const outputShapes = (model) => model.layers.map((l) => l.outShape);

test('the TF.js tutorial CNN: Keras output shapes, parameters and multiply-adds in summary()', () => {
  const model = m4();
  assert.deepEqual(outputShapes(model), [[24, 24, 8], [12, 12, 8], [8, 8, 16], [4, 4, 16], [256], [10]]);
  const text = model.summary();
  for (const row of [/conv2d \(Conv2D\)\s+\(None, 24, 24, 8\)\s+208\n/, /max_pooling2d \(MaxPooling2D\)\s+\(None, 12, 12, 8\)\s+0\n/,
    /conv2d_1 \(Conv2D\)\s+\(None, 8, 8, 16\)\s+3216\n/, /max_pooling2d_1 \(MaxPooling2D\)\s+\(None, 4, 4, 16\)\s+0\n/,
    /flatten \(Flatten\)\s+\(None, 256\)\s+0\n/, /dense \(Dense\)\s+\(None, 10\)\s+2570\n/,
    /Total params: 5,994\nTrainable params: 5,994\nNon-trainable params: 0\n/])
    assert.match(text, row);
  assert.equal(model.paramCount(), 5994);
  // 24·24·(5·5·1)·8 + 8·8·(5·5·8)·16 + 256·10
  assert.equal(model.multiplyAdds(), 115200 + 204800 + 2560);
  assert.match(text, /Multiply-adds per sample: 322,560/);
  assert.deepEqual(model.getWeights().map((w) => [w.name, w.shape]), [
    ['conv2d/kernel', [5, 5, 1, 8]], ['conv2d/bias', [8]], ['conv2d_1/kernel', [5, 5, 8, 16]], ['conv2d_1/bias', [16]],
    ['dense/kernel', [256, 10]], ['dense/bias', [10]],
  ]);
  model.dispose();
});

test('output shapes of every layer as Keras computes them', () => {
  const shapes = (inputShape, ...layers) => {
    const model = sn.sequential();
    layers.forEach((layer, i) => model.add(i ? layer : { ...layer, inputShape }));
    return outputShapes(model);
  };
  // conv2d: 'valid' ceil((h − (k−1)·d)/s), 'same' ceil(h/s)
  assert.deepEqual(shapes([11, 10, 3], L.conv2d({ filters: 4, kernelSize: [3, 2], strides: 2 })), [[5, 5, 4]]);
  assert.deepEqual(shapes([11, 10, 3], L.conv2d({ filters: 4, kernelSize: 3, strides: [2, 3], padding: 'same' })), [[6, 4, 4]]);
  assert.deepEqual(shapes([11, 10, 3], L.conv2d({ filters: 2, kernelSize: 3, dilationRate: [2, 3] })), [[7, 4, 2]]);
  assert.deepEqual(shapes([11, 10, 3], L.conv2d({ filters: 2, kernelSize: 1 })), [[11, 10, 2]]);
  // pooling: strides default to poolSize
  assert.deepEqual(shapes([11, 10, 3], L.maxPooling2d({})), [[5, 5, 3]]);
  assert.deepEqual(shapes([11, 10, 3], L.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' })), [[6, 5, 3]]);
  assert.deepEqual(shapes([11, 10, 3], L.maxPooling2d({ poolSize: [3, 2], strides: 1 })), [[9, 9, 3]]);
  assert.deepEqual(shapes([11, 10, 3], L.globalAveragePooling2d(), L.dense({ units: 2 })), [[3], [2]]);
  assert.deepEqual(shapes([11, 10, 3], L.globalMaxPooling2d()), [[3]]);
  // flatten, reshape (one −1 inferred), batch norm and activation keep or move values only
  assert.deepEqual(shapes([784], L.reshape({ targetShape: [28, -1, 1] }), L.flatten()), [[28, 28, 1], [784]]);
  assert.deepEqual(shapes([6, 4], L.batchNormalization(), L.activation({ activation: 'softmax' })), [[6, 4], [6, 4]]);
  assert.deepEqual(shapes([5, 5, 2], L.dropout({ rate: 0.2 }), L.flatten()), [[5, 5, 2], [50]]);
  // a dense first layer flattens its input (as before); later ones want vectors
  assert.deepEqual(shapes([28, 28], L.dense({ units: 3 })), [[3]]);
});

test('inputs of any rank: a flat Float32Array or nested rows of images give the same predictions', () => {
  const model = sn.sequential({ seed: 2 });
  model.add(L.conv2d({ filters: 3, kernelSize: 2, inputShape: [4, 3, 2], activation: 'tanh' }));
  model.add(L.flatten());
  model.add(L.dense({ units: 2 }));
  const flat = randomArray(5 * 24, 1);
  const nested = Array.from({ length: 5 }, (_, r) => Array.from({ length: 4 }, (_, y) => Array.from({ length: 3 }, (_, x) =>
    Array.from(flat.subarray(r * 24 + (y * 3 + x) * 2, r * 24 + (y * 3 + x) * 2 + 2)))));
  assert.deepEqual(model.predict(nested), model.predict(flat));
  assert.throws(() => model.predict(new Float32Array(25)), /x has 25 values, which is not a whole number of rows of 24/);
  model.dispose();
});

test('batch norm: gamma, beta trainable; moving mean and variance non-trainable, settable, in Keras order', () => {
  const model = sn.sequential({ seed: 3 });
  model.add(L.conv2d({ filters: 4, kernelSize: 3, inputShape: [6, 6, 2], useBias: false }));
  model.add(L.batchNormalization({ gammaInitializer: 'randomNormal' }));
  model.add(L.flatten());
  model.add(L.dense({ units: 3, activation: 'softmax' }));
  model.add(L.batchNormalization({ center: false, movingVarianceInitializer: sn.initializers.constant({ value: 2 }) }));
  assert.deepEqual(model.getWeights().map((w) => [w.name, w.shape]), [
    ['conv2d/kernel', [3, 3, 2, 4]],
    ['batch_normalization/gamma', [4]], ['batch_normalization/beta', [4]],
    ['batch_normalization/moving_mean', [4]], ['batch_normalization/moving_variance', [4]],
    ['dense/kernel', [64, 3]], ['dense/bias', [3]],
    ['batch_normalization_1/gamma', [3]], ['batch_normalization_1/moving_mean', [3]], ['batch_normalization_1/moving_variance', [3]],
  ]);
  const w = model.getWeights();
  assert.deepEqual(Array.from(w[3].values), [0, 0, 0, 0]);
  assert.deepEqual(Array.from(w[4].values), [1, 1, 1, 1]);
  assert.deepEqual(Array.from(w[9].values), [2, 2, 2]);
  assert.ok(w[1].values.some((v) => v !== 1), 'gammaInitializer drew gamma');
  assert.match(model.summary(), /Total params: 292\nTrainable params: 278\nNon-trainable params: 14\n/);
  assert.equal(model.paramCount(), 72 + 16 + 195 + 9);
  model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
  const x = randomArray(7 * 72, 4), y = sn.data.oneHot([0, 1, 2, 0, 1, 2, 0], 3);
  const { grads } = model.computeGradients(x, y);
  assert.deepEqual(grads.map((g) => g.length), [72, 4, 4, 192, 3, 3], 'gradients of the trainable weights only');
  assert.throws(() => model.applyGradients(grads.slice(1)), /expected 6 gradients arrays \(conv2d\/kernel, batch_normalization\/gamma/);
  w[4].values[2] = -1;
  assert.throws(() => model.setWeights(w), /weights for batch_normalization\/moving_variance must not be negative, got -1 at index 2/);
  w[4].values[2] = 0.25;
  w[3].values[1] = 0.5;
  model.setWeights(w);
  assert.deepEqual(model.getWeights()[3].values, w[3].values);
  assert.deepEqual(model.getWeights()[4].values, w[4].values);
  model.dispose();
});

test('batch norm: training normalizes with the batch and updates the moving statistics as Keras; inference uses them', async () => {
  const rows = 12, model = sn.sequential({ seed: 4 });
  model.add(L.dense({ units: 3, inputShape: [5], useBias: false }));
  model.add(L.batchNormalization({ momentum: 0.8, epsilon: 0.01, gammaInitializer: sn.initializers.constant({ value: 1.5 }), betaInitializer: 'ones' }));
  model.compile({ optimizer: sn.optimizers.sgd({ learningRate: 0 }), loss: 'meanSquaredError' }); // weights stay: only the statistics move
  const x = randomArray(rows * 5, 5, -2, 2), y = new Float32Array(rows * 3);
  const kernel = model.getWeights()[0].values;
  const a = Array.from({ length: rows * 3 }, (_, i) => {
    const r = Math.floor(i / 3), j = i % 3;
    let s = 0;
    for (let k = 0; k < 5; k++) s += x[r * 5 + k] * kernel[k * 3 + j];
    return s;
  });
  const mean = [0, 1, 2].map((j) => a.filter((_, i) => i % 3 === j).reduce((s, v) => s + v, 0) / rows);
  const variance = [0, 1, 2].map((j) => a.filter((_, i) => i % 3 === j).reduce((s, v) => s + (v - mean[j]) ** 2, 0) / rows); // biased
  // One full-batch step: the training loss is that of the batch-normalized outputs.
  const trainLoss = a.reduce((s, v, i) => s + (1.5 * (v - mean[i % 3]) / Math.sqrt(variance[i % 3] + 0.01) + 1) ** 2, 0) / (rows * 3);
  const h = await model.fit(x, y, { epochs: 1, batchSize: rows, shuffle: false, validationData: [x, y] });
  assert.ok(Math.abs(h.history.loss[0] - trainLoss) < 1e-5 * trainLoss, `training loss ${h.history.loss[0]}, expected ${trainLoss}`);
  const w = model.getWeights();
  mean.forEach((m, j) => assert.ok(Math.abs(w[3].values[j] - 0.2 * m) < 1e-6, `moving mean ${j}: ${w[3].values[j]} vs ${0.2 * m}`));
  variance.forEach((v, j) => assert.ok(Math.abs(w[4].values[j] - (0.8 + 0.2 * v)) < 1e-5, `moving variance ${j}`));
  // Inference (predict, evaluate, validation) normalizes with the moving statistics.
  const predicted = model.predict(x);
  a.forEach((v, i) => {
    const j = i % 3, want = 1.5 * (v - w[3].values[j]) / Math.sqrt(w[4].values[j] + 0.01) + 1;
    assert.ok(Math.abs(predicted[i] - want) < 1e-5, `prediction ${i}: ${predicted[i]} vs ${want}`);
  });
  const inferenceLoss = predicted.reduce((s, v) => s + v * v, 0) / (rows * 3);
  assert.ok(Math.abs(model.evaluate(x, y).loss - inferenceLoss) < 1e-5 * inferenceLoss);
  assert.equal(h.history.val_loss[0], model.evaluate(x, y, { batchSize: rows }).loss, 'validation ran in inference mode, after the step');
  assert.notEqual(h.history.val_loss[0], h.history.loss[0]);
  model.dispose();
});

test('dropout after conv and pooling layers acts in training only; a CNN trains to the same bits from the same seed', async () => {
  const build = (rate) => {
    const model = sn.sequential({ seed: 6 });
    model.add(L.conv2d({ filters: 4, kernelSize: 3, inputShape: [8, 8, 1], activation: 'relu' }));
    if (rate) model.add(L.dropout({ rate }));
    model.add(L.maxPooling2d({ poolSize: 2, padding: 'same' }));
    if (rate) model.add(L.dropout({ rate }));
    model.add(L.flatten());
    model.add(L.dense({ units: 3, activation: 'softmax' }));
    model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    return model;
  };
  const x = randomArray(40 * 64, 7, 0, 1), y = sn.data.oneHot(Array.from({ length: 40 }, (_, i) => i % 3), 3);
  const [a, b, plain] = [build(0.4), build(0.4), build(0)];
  plain.setWeights(a.getWeights());
  assert.deepEqual(a.predict(x), plain.predict(x));
  await a.fit(x, y, { epochs: 3, batchSize: 8 });
  await b.fit(x, y, { epochs: 3, batchSize: 8 });
  await plain.fit(x, y, { epochs: 3, batchSize: 8 });
  assert.deepEqual(a.getWeights(), b.getWeights(), 'same seed, same bits');
  assert.notDeepEqual(a.getWeights(), plain.getWeights(), 'the masks changed training');
  for (const m of [a, b, plain]) m.dispose();
});

test("every layer's config (TF.js option names, plain JSON) rebuilds the same layer through its factory", async () => {
  const { KINDS } = await import('../web/layers/index.js');
  const model = sn.sequential({ seed: 8 });
  model.add(L.dropout({ rate: 0.1, seed: 3, inputShape: [64] }));
  model.add(L.reshape({ targetShape: [8, -1, 2] }));
  model.add(L.conv2d({ filters: 3, kernelSize: [3, 2], strides: [1, 2], padding: 'same', activation: sn.leakyRelu({ alpha: 0.1 }), useBias: false,
    kernelInitializer: sn.initializers.randomNormal({ stddev: 0.2 }), kernelRegularizer: sn.regularizers.l2(0.01), activityRegularizer: 'l1', name: 'c' }));
  model.add(L.batchNormalization({ momentum: 0.9, epsilon: 0.01, center: false, gammaInitializer: 'heUniform', gammaRegularizer: sn.regularizers.l1(0.1) }));
  model.add(L.averagePooling2d({ poolSize: [2, 1], strides: 1, padding: 'same' }));
  model.add(L.conv2d({ filters: 2, kernelSize: 2, dilationRate: [2, 1] }));
  model.add(L.maxPooling2d({ poolSize: 2, padding: 'same' }));
  model.add(L.activation({ activation: 'tanh' }));
  model.add(L.globalMaxPooling2d());
  model.add(L.dense({ units: 4, activation: 'relu', biasInitializer: sn.initializers.constant({ value: 0.5 }) }));
  model.add(L.reshape({ targetShape: [2, 2, 1] }));
  model.add(L.globalAveragePooling2d());
  model.add(L.flatten());
  const configs = JSON.parse(JSON.stringify(model.layers.map((l, i) => ({ type: l.type, config: KINDS[l.type].config(l, i === 0) }))));
  assert.deepEqual(configs[0].config, { name: 'dropout', rate: 0.1, seed: 3, inputShape: [64] });
  assert.deepEqual(configs[2].config.kernelSize, [3, 2]);
  const copy = sn.sequential({ seed: 9 });
  for (const { type, config } of configs) copy.add(KINDS[type].factory(config));
  assert.equal(copy.summary(), model.summary());
  assert.deepEqual(copy.layers, model.layers);
  copy.setWeights(model.getWeights());
  const x = randomArray(3 * 64, 9);
  assert.deepEqual(copy.predict(x), model.predict(x));
  model.dispose();
  copy.dispose();
});
