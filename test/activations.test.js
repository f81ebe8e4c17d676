// Every activation and every activation layer against TensorFlow.js
// (@tensorflow/tfjs, cpu backend) where TF.js has it, else against a float64
// definition written from Keras' (keras/src/activations/activations.py):
// forward values and gradients on odd sizes; each activation layer trained in a
// small model beside TF.js (TF.js' initial weights copied in, shuffle: false,
// weights within 2e-4 after 3 epochs), PReLU's alpha included; model files and
// toTfjs → tf.loadLayersModel round trips of each new layer; TF.js import of
// their options; refusals naming the layer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import * as sn from '../web/index.js';
import { randomArray } from './support/models.js';
import { savedByTfjs } from './support/tfjs-saved.js';

await tf.setBackend('cpu');
await sn.ready();

const L = sn.layers;
const R = 7, N = 13; // odd sizes: every SIMD tail runs

// ---- float64 definitions (Keras 3) -------------------------------------------
const sigmoid = (x) => 1 / (1 + Math.exp(-x));
const softplus = (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
const hardSigmoid = (slope) => (x) => Math.min(Math.max(slope * x + 0.5, 0), 1);
const REFERENCE = {
  hardSilu: [(x) => x * hardSigmoid(1 / 6)(x), (x) => (x < -3 ? 0 : x > 3 ? 1 : (2 * x + 3) / 6)],
  hardSigmoid: [hardSigmoid(1 / 6), (x) => (Math.abs(x) < 3 ? 1 / 6 : 0)],
  exponential: [Math.exp, Math.exp],
  leakyRelu: [(x) => (x > 0 ? x : 0.2 * x), (x) => (x > 0 ? 1 : 0.2)],
  eluHalf: [(x) => (x > 0 ? x : 0.5 * Math.expm1(x)), (x) => (x > 0 ? 1 : 0.5 * Math.exp(x))],
  softplus: [softplus, sigmoid],
};

// What TF.js calls each of ours (tfjs-layers src/activations.ts), and the spec we give simdnet.
const TFJS = {
  linear: 'linear', sigmoid: 'sigmoid', tanh: 'tanh', relu: 'relu', softmax: 'softmax', elu: 'elu', selu: 'selu',
  relu6: 'relu6', softplus: 'softplus', softsign: 'softsign', swish: 'swish', mish: 'mish', gelu: 'gelu',
  geluNew: 'gelu_new', logSoftmax: 'logSoftmax',
};

/** x: rows of values in [-4, 4], a few at ±9 (the tails of gelu, mish, softplus). */
function inputs(seed) {
  const x = randomArray(R * N, seed, -4, 4);
  for (let i = 3; i < x.length; i += 11) x[i] = i % 2 ? 9 : -9;
  return x;
}
const target = randomArray(R * N, 99, -1, 1);

/**
 * simdnet's y = f(x) and dL/db for L = MSE(f(x + b), target), b a bias of 0
 * (a dense layer with the identity kernel, so the activation is the layer's own).
 */
function ours(activation, x, standalone) {
  const model = sn.sequential({ seed: 1 });
  model.add(L.dense({ units: N, inputShape: [N], activation: standalone ? 'linear' : activation }));
  if (standalone) model.add(L.activation({ activation }));
  const eye = new Float32Array(N * N);
  for (let i = 0; i < N; i++) eye[i * N + i] = 1;
  model.layers[0].setWeights([eye, new Float32Array(N)]);
  model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
  const y = model.predict(x);
  const grad = model.computeGradients(x, target).grads[1];
  model.dispose();
  return { y, grad };
}

/** The same from TF.js' activation (tf.grad of the same loss). */
function theirs(name, x) {
  const act = tf.layers.activation({ activation: name });
  return tf.tidy(() => {
    const xt = tf.tensor(x, [R, N]), t = tf.tensor(target, [R, N]);
    const f = (b) => tf.losses.meanSquaredError(t, act.apply(xt.add(b)));
    return { y: act.apply(xt).dataSync().slice(), grad: tf.grad(f)(tf.zeros([N])).dataSync().slice() };
  });
}

/** The same in float64 from a definition and its derivative. */
function reference([f, df], x) {
  const y = Array.from(x, f), grad = new Float64Array(N);
  for (let i = 0; i < x.length; i++) grad[i % N] += df(x[i]) * 2 * (y[i] - target[i]) / (R * N);
  return { y, grad };
}

function close(got, want, what, { atol, rtol }) {
  const scale = Math.max(...Array.from(want, Math.abs));
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i] - want[i]);
    assert.ok(err <= atol * scale + rtol * Math.abs(want[i]), `${what}[${i}]: ${got[i]}, expected ${want[i]} (error ${err.toExponential(2)})`);
  }
}

test('every activation TF.js has computes what TF.js computes, forward and gradient, in dense and activation layers', () => {
  for (const [name, tfName] of Object.entries(TFJS)) {
    const x = inputs(name.length);
    const want = theirs(tfName, x);
    for (const standalone of [false, true]) {
      const got = ours(name, x, standalone);
      // TF.js' erf (for gelu) is Abramowitz & Stegun 7.1.26, ±1.5e-7: what limits gelu's agreement
      close(got.y, want.y, `${name} forward${standalone ? ' (activation layer)' : ''}`, { atol: 1e-6, rtol: 2e-6 });
      close(got.grad, want.grad, `${name} gradient`, { atol: 1e-5, rtol: 1e-4 });
    }
  }
});

test('activations TF.js lacks (or computes otherwise) match their float64 Keras definitions; snake_case names and aliases resolve', () => {
  const specs = {
    hardSilu: 'hard_silu', hardSigmoid: 'hard_sigmoid', exponential: 'exponential', leakyRelu: 'leaky_relu',
    eluHalf: { name: 'elu', alpha: 0.5 }, softplus: 'softplus',
  };
  for (const [key, spec] of Object.entries(specs)) {
    const x = key === 'exponential' ? randomArray(R * N, 5, -3, 3) : inputs(key.length + 1);
    const got = ours(spec, x), want = reference(REFERENCE[key], x);
    close(got.y, want.y, `${key} forward`, { atol: 1e-6, rtol: 2e-6 });
    close(got.grad, want.grad, `${key} gradient`, { atol: 1e-5, rtol: 1e-4 });
  }
  // one function, several names
  const x = inputs(3);
  for (const [a, b] of [['silu', 'swish'], ['hard_swish', 'hardSilu'], ['gelu_new', 'geluNew'], ['geluApproximate', 'geluNew'], ['log_softmax', 'logSoftmax'], ['hardSigmoid', { name: 'hardSigmoid', slope: 1 / 6 }]])
    assert.deepEqual(ours(a, x).y, ours(b, x).y, `${JSON.stringify(a)} = ${JSON.stringify(b)}`);
  // TF.js' hardSigmoid is clip(0.2x + 0.5, 0, 1): ours with slope 0.2
  close(ours({ name: 'hardSigmoid', slope: 0.2 }, x).y, theirs('hardSigmoid', x).y, 'hardSigmoid slope 0.2 vs TF.js', { atol: 1e-7, rtol: 1e-6 });
});

// ---- gelu against Keras 3 in float64 (keras.activations.gelu(x, approximate); keras/src/backend/numpy/nn.py gelu) ----

/** erf in float64: its Maclaurin series below 2.5 (~1e-14), the continued fraction of erfc above (Abramowitz & Stegun 7.1.14). */
function erf(x) {
  const a = Math.abs(x);
  if (a < 2.5) {
    let term = a, sum = a;
    for (let n = 1; n < 80; n++) {
      term *= (-a * a) / n;
      sum += term / (2 * n + 1);
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  let t = a;
  for (let k = 80; k >= 1; k--) t = a + k / 2 / t;
  return Math.sign(x) * (1 - Math.exp(-a * a) / (Math.sqrt(Math.PI) * t));
}
/** Keras 3: exact x·(erf(x/√2) + 1)/2; approximate x·½(1 + tanh(√(2/π)(x + 0.044715x³))). */
const geluExact = (x) => (x * (erf(x / Math.SQRT2) + 1)) / 2;
const geluTanh = (x) => x * 0.5 * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
/** The derivative by central differences of the float64 function (h = 1e-5: error ~1e-10). */
const central = (f, h = 1e-5) => (x) => (f(x + h) - f(x - h)) / (2 * h);

test('gelu and geluApproximate match Keras 3\'s gelu(approximate=False / True) in float64, values and derivatives (central differences)', () => {
  assert.ok(Math.abs(erf(0.5) - 0.5204998778130465) < 1e-15 && Math.abs(erf(-3) + 0.9999779095030014) < 1e-15, 'the reference erf');
  const x = Float32Array.from({ length: R * N }, (_, i) => -7 + (14 * i) / (R * N - 1)); // −7 … 7, through 0 and the tails
  for (const [name, f] of [['gelu', geluExact], ['geluApproximate', geluTanh]]) {
    const want = reference([f, central(f)], x);
    for (const standalone of [false, true]) {
      const got = ours(name, x, standalone);
      close(got.y, want.y, `${name} forward${standalone ? ' (activation layer)' : ''}`, { atol: 1e-7, rtol: 1e-6 });
      close(got.grad, want.grad, `${name} gradient`, { atol: 1e-6, rtol: 1e-5 });
    }
  }
  // Teeth: the two forms differ by up to ~5e-4 (at |x| ≈ 2), far beyond the tolerance above.
  const exact = ours('gelu', x).y, approx = ours('geluApproximate', x).y;
  assert.ok(Math.max(...Array.from(exact, (v, i) => Math.abs(v - approx[i]))) > 1e-4, 'gelu is not the tanh form');
});

// ---- activation layers trained beside TF.js ------------------------------------

const ROWS = 24, BATCH = 8, EPOCHS = 3;

/** Builds the same Sequential in both (layers named alike), copies TF.js' initial weights, trains both 3 epochs; returns both weight lists. */
async function trainBoth(build, inputShape, seed) {
  const width = inputShape.reduce((a, b) => a * b, 1);
  const tfModel = tf.sequential(), model = sn.sequential({ seed: 3 });
  for (const [t, s] of build()) {
    tfModel.add(t);
    model.add(s);
  }
  tfModel.setWeights(tfModel.weights.map((w, i) => {
    const positive = /moving_variance|gamma/.test(w.name); // batch norm's
    return tf.tensor(randomArray(w.shape.reduce((a, b) => a * b, 1), seed + i, positive ? 0.5 : -0.6, positive ? 1.5 : 0.6), w.shape);
  }));
  for (const layer of tfModel.layers) {
    const values = layer.getWeights().map((w) => w.dataSync().slice());
    if (values.length) model.getLayer(layer.name).setWeights(values);
  }
  const x = randomArray(ROWS * width, seed, -1, 1);
  const y = sn.data.oneHot(Array.from({ length: ROWS }, (_, r) => (x[r * width] + x[r * width + 1] > 0 ? 1 : r % 3 === 0 ? 2 : 0)), 3);
  tfModel.compile({ optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy' });
  model.compile({ optimizer: sn.optimizers.sgd({ learningRate: 0.1 }), loss: 'categoricalCrossentropy' });
  const xt = tf.tensor(x, [ROWS, ...inputShape]), yt = tf.tensor(y, [ROWS, 3]);
  const tfHistory = await tfModel.fit(xt, yt, { epochs: EPOCHS, batchSize: BATCH, shuffle: false, verbose: 0 });
  const history = await model.fit(x, y, { epochs: EPOCHS, batchSize: BATCH, shuffle: false });
  const result = {
    tf: tfModel.layers.flatMap((l) => l.getWeights().map((w) => ({ name: `${l.name}/${w.name.split('/').at(-1).replace(/_\d+$/, '')}`, values: w.dataSync().slice() }))),
    sn: model.getWeights(),
    losses: [tfHistory.history.loss, history.history.loss],
    model,
  };
  tf.dispose([xt, yt]);
  tfModel.dispose();
  return result;
}

function assertTrainedAlike({ tf: want, sn: got, losses: [tfLoss, snLoss] }, what) {
  tfLoss.forEach((l, e) => assert.ok(Math.abs(snLoss[e] - l) <= 1e-4 * Math.abs(l), `${what}: epoch ${e + 1} loss ${snLoss[e]}, TF.js ${l}`));
  assert.deepEqual(got.map((w) => w.name), want.map((w) => w.name), `${what}: weight names`);
  want.forEach((w, i) => {
    const scale = Math.max(...Array.from(w.values, Math.abs), 1e-3);
    for (let j = 0; j < w.values.length; j++)
      assert.ok(Math.abs(got[i].values[j] - w.values[j]) <= 2e-4 * scale, `${what}: ${got[i].name}[${j}] ${got[i].values[j]}, TF.js ${w.values[j]}`);
  });
}

/** x·step(x − theta): TF.js' ThresholdedReLU (x·(x > theta)) in ops that have gradients. */
class Thresholded extends tf.layers.Layer {
  constructor(config) {
    super(config);
    this.theta = config.theta;
  }
  call(inputs) {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return tf.tidy(() => tf.mul(x, tf.step(tf.sub(x, this.theta))));
  }
  static get className() {
    return 'Thresholded';
  }
}

const dense = (units, name, activation) => [tf.layers.dense({ units, name, activation }), L.dense({ units, name, activation })];
const first = (units, name, inputShape) => [tf.layers.dense({ units, name, inputShape }), L.dense({ units, name, inputShape })];

test('each activation layer trains as in TF.js: ReLU (maxValue), LeakyReLU, PReLU (alpha trained), ELU, Softmax, ThresholdedReLU', async () => {
  const cases = {
    'ReLU maxValue 0.4': () => [first(7, 'd0', [5]), [tf.layers.reLU({ maxValue: 0.4, name: 'r' }), L.reLU({ maxValue: 0.4, name: 'r' })]],
    'ReLU': () => [first(7, 'd0', [5]), [tf.layers.reLU({ name: 'r' }), L.reLU({ name: 'r' })]],
    'LeakyReLU alpha 0.3 (TF.js default)': () => [first(7, 'd0', [5]), [tf.layers.leakyReLU({ name: 'r' }), L.leakyReLU({ name: 'r' })]],
    'LeakyReLU alpha 1.5': () => [first(7, 'd0', [5]), [tf.layers.leakyReLU({ alpha: 1.5, name: 'r' }), L.leakyReLU({ alpha: 1.5, name: 'r' })]],
    'PReLU': () => [first(7, 'd0', [5]), [tf.layers.prelu({ name: 'p' }), L.pReLU({ name: 'p' })]],
    'ELU': () => [first(7, 'd0', [5]), [tf.layers.elu({ name: 'r' }), L.elu({ name: 'r' })]],
    'Softmax in the middle': () => [first(7, 'd0', [5]), [tf.layers.softmax({ name: 's' }), L.softmax({ name: 's' })]],
    // TF.js' ThresholdedReLU cannot train (its Greater has no gradient): the same function of TF.js ops
    'ThresholdedReLU theta 0.2': () => [first(7, 'd0', [5]), [new Thresholded({ theta: 0.2, name: 'r' }), L.thresholdedReLU({ theta: 0.2, name: 'r' })]],
  };
  for (const [what, build] of Object.entries(cases)) {
    const result = await trainBoth(() => [...build(), dense(3, 'out', 'softmax')], [5], what.length);
    assertTrainedAlike(result, what);
    if (what === 'PReLU') {
      const alpha = result.sn.find((w) => w.name === 'p/alpha');
      assert.deepEqual(alpha.shape, [7]);
      assert.ok(alpha.values.some((v, j) => Math.abs(v - result.tf.find((w) => w.name === 'p/alpha').values[j]) < 1e-6), 'alpha found');
    }
    result.model.dispose();
  }
});

test("conv → batch norm → ReLU(maxValue) (MobileNetV2's block; the ReLU runs in place over the batch norm's output) trains as in TF.js", async () => {
  const build = () => [
    [tf.layers.conv2d({ filters: 4, kernelSize: 2, inputShape: [5, 5, 2], name: 'c' }), L.conv2d({ filters: 4, kernelSize: 2, inputShape: [5, 5, 2], name: 'c' })],
    [tf.layers.batchNormalization({ name: 'bn' }), L.batchNormalization({ name: 'bn' })],
    [tf.layers.reLU({ maxValue: 0.6, name: 'r6' }), L.reLU({ maxValue: 0.6, name: 'r6' })],
    [tf.layers.flatten({ name: 'f' }), L.flatten({ name: 'f' })],
    dense(3, 'out', 'softmax'),
  ];
  const result = await trainBoth(build, [5, 5, 2], 13);
  assertTrainedAlike(result, 'conv, batch norm, ReLU maxValue 0.6');
  result.model.dispose();
});

test('PReLU on images with sharedAxes [1, 2] (one alpha per channel, MobileNet-style) trains as in TF.js, after a conv', async () => {
  const build = () => [
    [tf.layers.conv2d({ filters: 3, kernelSize: 2, inputShape: [5, 5, 2], name: 'c' }), L.conv2d({ filters: 3, kernelSize: 2, inputShape: [5, 5, 2], name: 'c' })],
    [tf.layers.prelu({ sharedAxes: [1, 2], name: 'p' }), L.pReLU({ sharedAxes: [1, 2], name: 'p' })],
    [tf.layers.reLU({ maxValue: 0.5, name: 'r6' }), L.reLU({ maxValue: 0.5, name: 'r6' })],
    [tf.layers.flatten({ name: 'f' }), L.flatten({ name: 'f' })],
    dense(3, 'out', 'softmax'),
  ];
  const result = await trainBoth(build, [5, 5, 2], 11);
  assertTrainedAlike(result, 'conv, PReLU sharedAxes [1, 2], ReLU maxValue');
  assert.deepEqual(result.sn.find((w) => w.name === 'p/alpha').shape, [1, 1, 3]);
  result.model.dispose();
});

// ---- files and TF.js round trips ----------------------------------------------

/** A model with every new layer and activation TF.js can load. */
function everyLayer() {
  const model = sn.sequential({ seed: 5 });
  model.add(L.conv2d({ filters: 4, kernelSize: 2, inputShape: [4, 4, 2], activation: 'gelu' }));
  model.add(L.pReLU({ sharedAxes: [1, 2], alphaInitializer: { name: 'randomUniform', minval: 0, maxval: 0.5 }, alphaRegularizer: sn.regularizers.l2(0.01) }));
  model.add(L.reLU({ maxValue: 6 }));
  model.add(L.flatten());
  model.add(L.dense({ units: 9, activation: 'mish' }));
  model.add(L.pReLU({ alphaInitializer: { name: 'constant', value: 0.3 } }));
  model.add(L.leakyReLU({ alpha: 0.1 }));
  model.add(L.dense({ units: 9, activation: 'selu' }));
  model.add(L.elu());
  model.add(L.dense({ units: 9, activation: 'swish' }));
  model.add(L.thresholdedReLU({ theta: 0.05 }));
  model.add(L.dense({ units: 7, activation: { name: 'hardSigmoid', slope: 0.2 } }));
  model.add(L.dense({ units: 7, activation: 'softsign' }));
  model.add(L.dense({ units: 7, activation: 'softplus' }));
  model.add(L.dense({ units: 7, activation: 'relu6' }));
  model.add(L.dense({ units: 5, activation: 'logSoftmax' }));
  model.add(L.softmax());
  return model;
}

test('model files keep every new layer and its options: reloaded, it predicts bit-identically', () => {
  const model = everyLayer();
  model.add(L.reLU({ negativeSlope: 0.1, threshold: 0.2, maxValue: 3, name: 'relu_every_option' }));
  const other = sn.sequential({ seed: 2 });
  other.add(L.dense({ units: 5, inputShape: [4], activation: 'hardSilu' }));
  other.add(L.dense({ units: 5, activation: { name: 'elu', alpha: 0.5 } }));
  other.add(L.elu({ alpha: 0.7 }));
  other.add(L.dense({ units: 5, activation: 'hardSigmoid' }));
  other.add(L.dense({ units: 5, activation: 'exponential' }));
  other.add(L.dense({ units: 3, activation: 'geluNew' }));
  for (const [m, width] of [[model, 32], [other, 4]]) {
    const x = randomArray(6 * width, 4, -1, 1);
    const want = m.predict(x);
    const copy = sn.loadModel(m.save());
    assert.deepEqual(copy.layers.map((l) => l.getConfig?.() ?? l.type), m.layers.map((l) => l.getConfig?.() ?? l.type));
    assert.deepEqual(copy.predict(x), want);
    copy.dispose();
    m.dispose();
  }
});

test('toTfjs: tf.loadLayersModel builds every new layer and predicts the same; fromTfjs brings it back bit-identical', async () => {
  const model = everyLayer();
  const x = randomArray(5 * 32, 8, -1, 1);
  const want = model.predict(x);
  const { modelJson, weightsBin } = model.toTfjs();
  const tfModel = await tf.loadLayersModel(tf.io.fromMemory(modelJson.modelTopology, modelJson.weightsManifest[0].weights, weightsBin));
  assert.deepEqual(tfModel.layers.map((l) => l.getClassName()).filter((c) => !['Dense', 'Conv2D', 'Flatten'].includes(c)),
    ['PReLU', 'ReLU', 'PReLU', 'LeakyReLU', 'ELU', 'ThresholdedReLU', 'Softmax']);
  const got = tf.tidy(() => tfModel.predict(tf.tensor(x, [5, 4, 4, 2])).dataSync().slice());
  close(got, want, 'TF.js prediction', { atol: 2e-6, rtol: 1e-5 });
  const back = sn.fromTfjs(modelJson, weightsBin);
  assert.deepEqual(back.predict(x), want);
  // TF.js' own save of it imports to the same too
  const saved = await savedByTfjs(tfModel);
  const again = sn.fromTfjs(saved.modelJson, saved.weightsBin);
  close(again.predict(x), want, 'TF.js-saved model', { atol: 1e-6, rtol: 1e-6 });
  for (const m of [model, back, again]) m.dispose();
  tfModel.dispose();
});

test('toTfjs writes a ReLU with negativeSlope as LeakyReLU, with threshold as ThresholdedReLU; refuses what TF.js cannot load, naming the layer', async () => {
  const build = (layer, activation = 'linear') => {
    const m = sn.sequential({ seed: 1 });
    m.add(L.dense({ units: 4, inputShape: [3], activation, name: 'd' }));
    if (layer) m.add(layer);
    return m;
  };
  for (const [layer, className] of [[L.reLU({ negativeSlope: 0.2 }), 'LeakyReLU'], [L.reLU({ threshold: 0.3 }), 'ThresholdedReLU']]) {
    const m = build(layer), x = randomArray(12, 3, -1, 1);
    const { modelJson, weightsBin } = m.toTfjs();
    const t = await tf.loadLayersModel(tf.io.fromMemory(modelJson.modelTopology, modelJson.weightsManifest[0].weights, weightsBin));
    assert.equal(t.layers[1].getClassName(), className);
    close(tf.tidy(() => t.predict(tf.tensor(x, [4, 3])).dataSync().slice()), m.predict(x), className, { atol: 1e-6, rtol: 1e-6 });
    t.dispose();
    m.dispose();
  }
  const refused = [
    [build(L.reLU({ negativeSlope: 0.1, maxValue: 2, name: 'r' })), /toTfjs: layer r: TF.js' ReLU layer has max_value only/],
    [build(L.elu({ alpha: 0.5, name: 'e' })), /toTfjs: layer e: TF.js' ELU layer supports alpha 1 only/],
    [build(null, 'hardSilu'), /toTfjs: layer d: TF.js has no hard_silu/],
    [build(null, 'exponential'), /toTfjs: layer d: TF.js has no exponential/],
    [build(null, 'geluNew'), /toTfjs: layer d: TF.js 4.22 has gelu_new, but tf.loadLayersModel cannot read it/],
    [build(null, 'hardSigmoid'), /toTfjs: layer d: our hardSigmoid is Keras 3's/],
    [build(null, { name: 'elu', alpha: 2 }), /toTfjs: layer d: TF.js' elu has alpha 1/],
  ];
  for (const [m, message] of refused) {
    assert.throws(() => m.toTfjs(), message);
    m.dispose();
  }
});

test('fromTfjs reads every option of Keras 3 and TF.js activation layers; hard_sigmoid is TF.js\' (0.2) unless the model is from Keras 3', () => {
  const layer = (class_name, config) => ({ class_name, config: { name: `${class_name.toLowerCase()}_1`, trainable: true, dtype: 'float32', ...config } });
  const json = (version, layers) => ({
    format: 'layers-model',
    modelTopology: { keras_version: version, class_name: 'Sequential', config: { name: 's', layers: [
      { class_name: 'Dense', config: { name: 'd', units: 4, activation: 'hard_sigmoid', use_bias: false, batch_input_shape: [null, 3] } }, ...layers] } },
    weightsManifest: [{ paths: ['w'], weights: [{ name: 'd/kernel', shape: [3, 4], dtype: 'float32' }, { name: 'prelu_1/alpha', shape: [4], dtype: 'float32' }] }],
  });
  const kernel = randomArray(12, 4, -2, 2), bin = () => Float32Array.from([...kernel, 0.1, 0.2, 0.3, 0.4]).buffer;
  const keras3 = sn.fromTfjs(json('3.8.0', [
    layer('ReLU', { max_value: 2.5, negative_slope: 0.1, threshold: 0.05 }),
    layer('LeakyReLU', { negative_slope: 0.25 }),
    layer('ELU', { alpha: 0.5 }),
    layer('PReLU', { alpha_initializer: { class_name: 'Zeros', config: {} }, alpha_regularizer: null, alpha_constraint: null, shared_axes: null }),
    layer('Softmax', { axis: -1 }),
  ]), bin());
  const [, relu, leaky, elu, prelu, softmax] = keras3.layers;
  assert.deepEqual([relu.maxValue, relu.negativeSlope, relu.threshold, leaky.alpha, elu.alpha, prelu.sharedAxes, softmax.axis], [2.5, 0.1, 0.05, 0.25, 0.5, null, -1]);
  const tfjsStyle = sn.fromTfjs(json('tfjs-layers 4.22.0', [layer('ThresholdedReLU', { theta: 0.5 }), layer('Softmax', { axis: 1 })]), bin());
  assert.equal(tfjsStyle.layers[1].theta, 0.5);
  // the dense alone: Keras 3's hard_sigmoid (x/6 + 1/2) or TF.js' (0.2x + 1/2)
  const x = [[1, -2, 0.5], [0.3, 0.2, -1]];
  const dense = (slope) => x.flatMap((row) => Array.from({ length: 4 }, (_, j) => hardSigmoid(slope)(row.reduce((s, v, i) => s + v * kernel[i * 4 + j], 0))));
  for (const [version, slope] of [['3.8.0', 1 / 6], ['2.15.0', 0.2], ['tfjs-layers 4.22.0', 0.2]]) {
    const m = sn.fromTfjs(json(version, []), bin());
    close(m.predict(x), dense(slope), `hard_sigmoid from ${version}`, { atol: 1e-6, rtol: 1e-6 });
    m.dispose();
  }
  assert.throws(() => sn.fromTfjs(json('3.8.0', [layer('Softmax', { axis: 1 }), layer('Reshape', { target_shape: [2, 2] }), { ...layer('Softmax', { axis: 1 }), config: { name: 'second', axis: 1 } }]), bin()),
    /fromTfjs: layer 3 \(Softmax "second"\): .*softmax axis 1 is not the last axis of its input \(None, 2, 2\)/);
  assert.throws(() => sn.fromTfjs(json('3.8.0', [layer('PReLU', { alpha_constraint: { class_name: 'NonNeg', config: {} } })]), bin()),
    /fromTfjs: layer 1 \(PReLU "prelu_1"\): alpha_constraint .* is not supported/);
  for (const m of [keras3, tfjsStyle]) m.dispose();
});

test('a PReLU on inputs of rank 4 is refused, naming the layer', () => {
  const input = sn.input({ shape: [2, 2, 2, 2] });
  assert.throws(() => L.pReLU({ name: 'p4' }).apply(input), /p4 \(PReLU\): pReLU takes inputs of rank 1 to 3, got \(None, 2, 2, 2, 2\)/);
});
