// Functional models train like TensorFlow.js (@tensorflow/tfjs, cpu backend,
// the oracle): each graph is written once against a small facade (input,
// layers, model) and built in both libraries with the same layer names; TF.js'
// initial weights are copied in layer by layer (by name), both train with
// shuffle: false, and every epoch's losses (the total and each output's) agree
// within 1e-4 relative, every weight after training within 2e-4 of its
// largest value.
//
// Where TF.js differs from Keras, its model is built to compute what Keras
// (and simdnet) computes:
// - TF.js 4.22 ignores lossWeights: its loss for an output of weight w is the
//   loss function times w (so its `<output>_loss` is the weighted one);
// - TF.js has no Subtract: a − b is built as add([a, −b]), −b a linear dense
//   layer holding b's weights negated (under SGD its weights stay the negation);
// - a frozen BatchNormalization keeps normalizing with batch statistics in
//   TF.js' fit; Keras (and simdnet) run it in inference mode, a fixed affine map
//   per channel, which TF.js computes as a frozen 1×1 depthwise convolution.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import * as sn from '../web/index.js';
import { randomArray } from './support/models.js';
import { ROWS, assertLosses, assertWeights, inputData, oneHot, trainBoth } from './support/functional-tfjs.js';

await tf.setBackend('cpu');
await sn.ready();

test('a residual MLP (add around two dense layers) trains as in TF.js', async () => {
  const x = inputData([6], 1);
  const r = await trainBoth({
    graph: (L) => {
      const input = L.input({ shape: [6], name: 'x' });
      const a = L.layers.dense({ units: 8, activation: 'tanh', name: 'a' }).apply(input);
      const b = L.layers.dense({ units: 8, activation: 'tanh', name: 'b' }).apply(a);
      const c = L.layers.dense({ units: 8, activation: 'tanh', name: 'c' }).apply(b);
      const sum = L.layers.add({ name: 'sum' }).apply([a, c]); // a feeds b and the sum: fan-out
      return { inputs: input, outputs: L.layers.dense({ units: 3, activation: 'softmax', name: 'out' }).apply(sum) };
    },
    inputs: [{ shape: [6], values: x }],
    targets: [{ width: 3, values: oneHot(x, 6, 3) }],
    loss: 'categoricalCrossentropy',
  });
  assertLosses(r.sn.history.loss, r.tf.history.loss, 'residual loss');
  assertWeights(r.sn.weights, r.tf.weights, 'residual');
  r.sn.model.dispose();
});

test('two inputs and two outputs with lossWeights train as in TF.js (each output weighted in its loss)', async () => {
  const x1 = inputData([5], 2), x2 = inputData([3], 3);
  const y1 = oneHot(x1, 5, 3), y2 = randomArray(ROWS * 2, 4, -1, 1);
  const weights = { cls: 0.7, reg: 2 };
  const graph = (L) => {
    const a = L.input({ shape: [5], name: 'a' }), b = L.input({ shape: [3], name: 'b' });
    const ha = L.layers.dense({ units: 6, activation: 'tanh', name: 'ha' }).apply(a);
    const hb = L.layers.dense({ units: 4, activation: 'sigmoid', name: 'hb' }).apply(b);
    const joined = L.layers.concatenate({ name: 'joined' }).apply([ha, hb]);
    const cls = L.layers.dense({ units: 3, activation: 'softmax', name: 'cls' }).apply(joined);
    const reg = L.layers.dense({ units: 2, name: 'reg' }).apply(L.layers.concatenate({ name: 'again' }).apply([joined, hb]));
    return { inputs: [a, b], outputs: [cls, reg] };
  };
  const r = await trainBoth({
    graph,
    inputs: [{ shape: [5], values: x1 }, { shape: [3], values: x2 }],
    targets: [{ width: 3, values: y1 }, { width: 2, values: y2 }],
    loss: { cls: 'categoricalCrossentropy', reg: 'meanSquaredError' },
    lossWeights: weights,
    tfLoss: [(t, p) => tf.mul(tf.metrics.categoricalCrossentropy(t, p), weights.cls), (t, p) => tf.mul(tf.losses.meanSquaredError(t, p), weights.reg)],
  });
  assertLosses(r.sn.history.loss, r.tf.history.loss, 'total loss');
  assertLosses(r.sn.history.cls_loss.map((v) => v * weights.cls), r.tf.history.cls_loss, 'cls_loss × 0.7');
  assertLosses(r.sn.history.reg_loss.map((v) => v * weights.reg), r.tf.history.reg_loss, 'reg_loss × 2');
  assertWeights(r.sn.weights, r.tf.weights, 'two inputs, two outputs');
  const [p1, p2] = r.sn.model.predict([x1, x2]);
  assert.equal(p1.length, ROWS * 3);
  assert.equal(p2.length, ROWS * 2);
  r.sn.model.dispose();
});

test('a layer applied twice shares its weights and their gradients add up, as in TF.js', async () => {
  const x = inputData([4], 5);
  const r = await trainBoth({
    graph: (L) => {
      const input = L.input({ shape: [4], name: 'x' });
      const shared = L.layers.dense({ units: 4, activation: 'tanh', name: 'shared' });
      const once = shared.apply(input), twice = shared.apply(once);
      const both = L.layers.concatenate({ name: 'both' }).apply([once, twice]);
      return { inputs: input, outputs: L.layers.dense({ units: 2, name: 'out' }).apply(both) };
    },
    inputs: [{ shape: [4], values: x }],
    targets: [{ width: 2, values: randomArray(ROWS * 2, 6, -1, 1) }],
    loss: 'meanSquaredError',
  });
  assert.equal(r.sn.model.countParams(), 4 * 4 + 4 + 8 * 2 + 2, 'the shared weights count once');
  assertLosses(r.sn.history.loss, r.tf.history.loss, 'shared loss');
  assertWeights(r.sn.weights, r.tf.weights, 'shared');
  r.sn.model.dispose();
});

for (const op of ['add', 'multiply', 'average', 'maximum', 'minimum', 'concatenate', 'subtract']) {
  test(`${op}: three branches (subtract: two) merged, trained as in TF.js`, async () => {
    const x = inputData([5], 7);
    const branches = op === 'subtract' ? 2 : 3;
    const tfOp = op === 'subtract' ? 'add' : op; // TF.js has no Subtract: a − b = a + (−b)
    const r = await trainBoth({
      graph: (L, which) => {
        const input = L.input({ shape: [5], name: 'x' });
        const acts = ['tanh', op === 'subtract' ? 'linear' : 'sigmoid', 'linear'];
        const parts = acts.slice(0, branches).map((activation, i) => L.layers.dense({ units: 4, activation, name: `b${i}` }).apply(input));
        const merged = L.layers[which === 'tf' ? tfOp : op]({ name: 'merged' }).apply(parts);
        return { inputs: input, outputs: L.layers.dense({ units: 2, name: 'out' }).apply(merged) };
      },
      inputs: [{ shape: [5], values: x }],
      targets: [{ width: 2, values: randomArray(ROWS * 2, 8, -1, 1) }],
      loss: 'meanSquaredError',
      // TF.js' b1 holds −b1: ours starts from its negation and stays it.
      adapt: (name, values) => (op === 'subtract' && name === 'b1' ? values.map((v) => v.map((e) => -e)) : values),
    });
    assertLosses(r.sn.history.loss, r.tf.history.loss, `${op} loss`);
    assertWeights(r.sn.weights, r.tf.weights, op, (name, values) => (op === 'subtract' && name === 'b1' ? values.map((v) => v.map((e) => -e)) : values));
    r.sn.model.dispose();
  });
}

test('a CNN with a residual add, a frozen convolution and a frozen batch norm trains as Keras does (TF.js with the batch norm as its affine map)', async () => {
  const shape = [6, 6, 2], x = inputData(shape, 9), y = oneHot(x, 72, 3);
  // The frozen batch norm's statistics and parameters, away from 0 and 1.
  const gamma = [1.2, 0.8, 1.5, 0.9], beta = [0.1, -0.2, 0.05, 0.3], mean = [0.2, -0.1, 0.3, 0], variance = [0.5, 1.3, 0.8, 2], eps = 1e-3;
  const scale = gamma.map((g, j) => g / Math.sqrt(variance[j] + eps)), shift = beta.map((b, j) => b - mean[j] * scale[j]);
  const r = await trainBoth({
    graph: (L, which) => {
      const input = L.input({ shape, name: 'image' });
      const c1 = L.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', name: 'c1' }).apply(input);
      const bn = which === 'tf'
        ? L.layers.depthwiseConv2d({ kernelSize: 1, name: 'bn', useBias: true }).apply(c1)
        : L.layers.batchNormalization({ name: 'bn' }).apply(c1);
      const c2 = L.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'tanh', name: 'c2' }).apply(bn);
      const sum = L.layers.add({ name: 'sum' }).apply([bn, c2]);
      const pooled = L.layers.globalAveragePooling2d({ name: 'gap' }).apply(sum);
      return { inputs: input, outputs: L.layers.dense({ units: 3, activation: 'softmax', name: 'out' }).apply(pooled) };
    },
    inputs: [{ shape, values: x }],
    targets: [{ width: 3, values: y }],
    loss: 'categoricalCrossentropy',
    tfOnly: (tfModel, model) => {
      for (const name of ['c1', 'bn']) {
        tfModel.getLayer(name).trainable = false;
        model.getLayer(name).trainable = false;
      }
      tfModel.getLayer('bn').setWeights([tf.tensor(scale, [1, 1, 4, 1]), tf.tensor(shift, [4])]);
    },
    adapt: (name, values) => (name === 'bn' ? [gamma, beta, mean, variance].map((v) => Float32Array.from(v)) : values),
  });
  assertLosses(r.sn.history.loss, r.tf.history.loss, 'frozen CNN loss');
  const { bn, ...rest } = r.tf.weights;
  assertWeights(r.sn.weights, rest, 'frozen CNN');
  assert.deepEqual(r.sn.weights.bn.map((v) => Array.from(v)), [gamma, beta, mean, variance].map((v) => Array.from(Float32Array.from(v))),
    'the frozen batch norm keeps gamma, beta and its moving statistics');
  const model = r.sn.model;
  assert.deepEqual(model.nonTrainableWeights.map((w) => w.name), ['c1/kernel', 'c1/bias', 'bn/gamma', 'bn/beta', 'bn/moving_mean', 'bn/moving_variance']);
  assert.ok(/Trainable params: 163\nNon-trainable params: 92/.test(model.summary()), model.summary());
  model.dispose();
});

for (const [what, normalize, matrices] of [['dot of vectors', false, false], ['cosine of vectors', true, false], ['dot of matrices (axes [2, 2])', false, true], ['cosine of matrices (axes [1, 1])', true, true]]) {
  test(`${what} trains as in TF.js`, async () => {
    const x = inputData([6], 10);
    const r = await trainBoth({
      graph: (L) => {
        const input = L.input({ shape: [6], name: 'x' });
        let a = L.layers.dense({ units: matrices ? 12 : 4, activation: 'tanh', name: 'a' }).apply(input);
        let b = L.layers.dense({ units: 8, activation: 'sigmoid', name: 'b' }).apply(input);
        if (matrices) {
          a = L.layers.reshape({ targetShape: normalize ? [4, 3] : [3, 4], name: 'ra' }).apply(a);
          b = L.layers.reshape({ targetShape: normalize ? [4, 2] : [2, 4], name: 'rb' }).apply(b);
        } else b = L.layers.dense({ units: 4, name: 'b2' }).apply(b);
        const d = L.layers.dot({ axes: matrices ? (normalize ? [1, 1] : [2, 2]) : -1, normalize, name: 'dot' }).apply([a, b]);
        const flat = matrices ? L.layers.flatten({ name: 'flat' }).apply(d) : d;
        return { inputs: input, outputs: L.layers.dense({ units: 2, name: 'out' }).apply(flat) };
      },
      inputs: [{ shape: [6], values: x }],
      targets: [{ width: 2, values: randomArray(ROWS * 2, 11, -1, 1) }],
      loss: 'meanSquaredError',
      optimizer: 0.2,
    });
    assertLosses(r.sn.history.loss, r.tf.history.loss, `${what} loss`);
    assertWeights(r.sn.weights, r.tf.weights, what);
    r.sn.model.dispose();
  });
}
