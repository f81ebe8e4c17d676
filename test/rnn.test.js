// SimpleRNN, LSTM and GRU beyond what TF.js can check (test/rnn.tfjs.test.js):
// Keras 3's GRU (resetAfter: true, bias [2, 3·units]) against Keras' equations
// in float64 — predictions, and gradients against central differences;
// weights (names, shapes, counts, the LSTM's forget-gate bias, the orthogonal
// recurrent kernel); TF.js JSON round trips (Keras 3's GRU included, in the
// form Keras 3 writes it); the model file; options and inputs refused with
// Errors naming the layer, the model left as it was.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as sn from '../web/index.js';
import { KINDS } from '../web/layers/index.js';
import { randomArray } from './support/models.js';

await sn.ready();

const L = sn.layers;
const sigmoid = (v) => 1 / (1 + Math.exp(-v));

/**
 * Keras' GRU (keras/src/layers/rnn/gru.py, GRUCell.call) in float64 over rows
 * of x [steps, features]: tanh, sigmoid gates, both reset_after forms, go_backwards
 * and return_sequences as Keras. Weights: kernel [F, 3U], recurrent [U, 3U],
 * bias [3U] or [2, 3U] (or none).
 */
function kerasGru({ units: U, resetAfter, goBackwards, returnSequences }, [kernel, recurrent, bias], x, rows, steps, F) {
  const K = 3 * U, out = [];
  for (let r = 0; r < rows; r++) {
    let h = new Float64Array(U);
    for (let t = 0; t < steps; t++) {
      const s = goBackwards ? steps - 1 - t : t, xs = x.subarray((r * steps + s) * F, (r * steps + s + 1) * F);
      const mx = new Float64Array(K), inner = new Float64Array(K);
      for (let j = 0; j < K; j++) {
        mx[j] = bias ? bias[j] : 0;
        inner[j] = bias && resetAfter ? bias[K + j] : 0;
        for (let f = 0; f < F; f++) mx[j] += xs[f] * kernel[f * K + j];
        for (let i = 0; i < U && (resetAfter || j < 2 * U); i++) inner[j] += h[i] * recurrent[i * K + j];
      }
      const z = Array.from({ length: U }, (_, j) => sigmoid(mx[j] + inner[j]));
      const rr = Array.from({ length: U }, (_, j) => sigmoid(mx[U + j] + inner[U + j]));
      const next = new Float64Array(U);
      for (let j = 0; j < U; j++) {
        let rh = rr[j] * inner[2 * U + j];
        if (!resetAfter) {
          rh = 0;
          for (let i = 0; i < U; i++) rh += rr[i] * h[i] * recurrent[i * K + 2 * U + j];
        }
        next[j] = z[j] * h[j] + (1 - z[j]) * Math.tanh(mx[2 * U + j] + rh);
      }
      h = next;
      if (returnSequences) out.push(...h);
    }
    if (!returnSequences) out.push(...h);
  }
  return out;
}

/** Dense softmax on top and the mean categorical cross-entropy, in float64: { probs, loss }. */
function denseSoftmaxLoss(features, rows, width, [kernel, bias], y) {
  const C = bias.length, probs = [];
  let loss = 0;
  for (let r = 0; r < rows; r++) {
    const z = Array.from({ length: C }, (_, c) => {
      let s = bias[c];
      for (let i = 0; i < width; i++) s += features[r * width + i] * kernel[i * C + c];
      return s;
    });
    const max = Math.max(...z), e = z.map((v) => Math.exp(v - max)), sum = e.reduce((a, b) => a + b, 0);
    for (let c = 0; c < C; c++) {
      probs.push(e[c] / sum);
      loss -= y[r * C + c] * Math.log(e[c] / sum);
    }
  }
  return { probs, loss: loss / rows };
}

const GRU_CASES = [
  { units: 4, resetAfter: true, goBackwards: false, returnSequences: false, useBias: true },
  { units: 3, resetAfter: true, goBackwards: true, returnSequences: true, useBias: false },
  { units: 3, resetAfter: false, goBackwards: true, returnSequences: false, useBias: true },
];

test("GRU (Keras 3's resetAfter and TF.js' form): predictions and gradients agree with Keras' equations in float64", () => {
  const [steps, F, rows, C] = [5, 3, 4, 3];
  for (const spec of GRU_CASES) {
    const { units, resetAfter, goBackwards, returnSequences, useBias } = spec;
    const model = sn.sequential({ seed: 9 });
    model.add(L.gru({ units, resetAfter, goBackwards, returnSequences, useBias, inputShape: [steps, F] }));
    if (returnSequences) model.add(L.flatten());
    model.add(L.dense({ units: C, activation: 'softmax' }));
    model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    const weights = model.getWeights().map(({ values }, i) => randomArray(values.length, 20 + i, -0.7, 0.7));
    model.setWeights(weights);
    const x = randomArray(rows * steps * F, 3, -1.5, 1.5);
    const y = new Float32Array(rows * C).map((_, i) => (i % C === (Math.floor(i / C) * 2) % C ? 1 : 0));
    const what = JSON.stringify(spec);
    const nGru = useBias ? 3 : 2, width = returnSequences ? steps * units : units;
    const lossOf = (w) => denseSoftmaxLoss(kerasGru(spec, w.slice(0, nGru).concat(useBias ? [] : [null]), x, rows, steps, F), rows, width, w.slice(nGru), y);
    const ref = lossOf(weights.map((w) => Float64Array.from(w)));
    const probs = model.predict(x);
    ref.probs.forEach((p, i) => assert.ok(Math.abs(probs[i] - p) < 1e-6, `${what}: prediction ${i}: ${probs[i]}, Keras ${p}`));
    assert.deepEqual(model.getWeights()[nGru - 1].shape, useBias ? (resetAfter ? [2, 3 * units] : [3 * units]) : [units, 3 * units]);

    const { loss, grads } = model.computeGradients(x, y);
    assert.ok(Math.abs(loss - ref.loss) < 1e-6 * Math.max(1, ref.loss), `${what}: loss ${loss}, Keras ${ref.loss}`);
    const h = 1e-6;
    grads.forEach((g, t) => {
      const w = weights.map((v) => Float64Array.from(v));
      for (let i = 0; i < g.length; i++) {
        const saved = w[t][i];
        w[t][i] = saved + h;
        const up = lossOf(w).loss;
        w[t][i] = saved - h;
        const down = lossOf(w).loss;
        w[t][i] = saved;
        const numeric = (up - down) / (2 * h);
        assert.ok(Math.abs(g[i] - numeric) <= 2e-5 + 1e-4 * Math.abs(numeric), `${what}: weight ${t} [${i}] gradient ${g[i]}, central difference ${numeric}`);
      }
    });
    model.dispose();
  }
});

test('weights: names and shapes as Keras, parameter counts, the LSTM forget gate bias of ones, an orthogonal recurrent kernel', () => {
  const model = sn.sequential({ seed: 2 });
  model.add(L.lstm({ units: 3, inputShape: [7, 5], returnSequences: true, biasInitializer: 'ones' }));
  model.add(L.gru({ units: 4, returnSequences: true }));
  model.add(L.simpleRNN({ units: 6, recurrentInitializer: sn.initializers.orthogonal({ gain: 2 }) }));
  model.add(L.dense({ units: 2 }));
  const weights = model.getWeights();
  assert.deepEqual(weights.map((w) => [w.name, w.shape]), [
    ['lstm/kernel', [5, 12]], ['lstm/recurrent_kernel', [3, 12]], ['lstm/bias', [12]],
    ['gru/kernel', [3, 12]], ['gru/recurrent_kernel', [4, 12]], ['gru/bias', [2, 12]],
    ['simple_rnn/kernel', [4, 6]], ['simple_rnn/recurrent_kernel', [6, 6]], ['simple_rnn/bias', [6]],
    ['dense/kernel', [6, 2]], ['dense/bias', [2]],
  ]);
  // Keras: 4·(f·u + u² + u), GRU reset_after 3·(f·u + u² + 2u), SimpleRNN f·u + u² + u
  assert.deepEqual(model.layers.map((l) => l.countParams()), [4 * (15 + 9 + 3), 3 * (12 + 16 + 8), 24 + 36 + 6, 14]);
  assert.deepEqual(model.layers.map((l) => l.outputShape), [[null, 7, 3], [null, 7, 4], [null, 6], [null, 2]]);
  assert.deepEqual(Array.from(weights[2].values), [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1], "biasInitializer ones: the forget gate's are ones too");
  // The LSTM's recurrent kernel [3, 12]: orthonormal rows; the SimpleRNN's [6, 6] with gain 2: QᵀQ = 4·I.
  const gram = (w, rows, cols, byRows) => Array.from({ length: byRows ? rows : cols }, (_, a) => Array.from({ length: byRows ? rows : cols }, (_, b) => {
    let s = 0;
    for (let e = 0; e < (byRows ? cols : rows); e++) s += byRows ? w[a * cols + e] * w[b * cols + e] : w[e * cols + a] * w[e * cols + b];
    return s;
  }));
  const near = (m, scale, what) => m.forEach((row, a) => row.forEach((v, b) => assert.ok(Math.abs(v - (a === b ? scale : 0)) < 1e-5, `${what} [${a}][${b}] = ${v}`)));
  near(gram(weights[1].values, 3, 12, true), 1, 'LSTM recurrent kernel · its transpose');
  near(gram(weights[7].values, 6, 6, false), 4, 'SimpleRNN recurrent kernel, gain 2');
  model.dispose();

  for (const unitForgetBias of [true, false]) {
    const m = sn.sequential();
    m.add(L.lstm({ units: 2, unitForgetBias, inputShape: [3, 2] }));
    assert.deepEqual(Array.from(m.getWeights()[2].values), unitForgetBias ? [0, 0, 1, 1, 0, 0, 0, 0] : [0, 0, 0, 0, 0, 0, 0, 0], `unitForgetBias ${unitForgetBias}`);
    m.dispose();
  }
});

/** A model of the three kinds, every option away from its default. */
function unusual(seed = 6) {
  const model = sn.sequential({ seed });
  model.add(L.lstm({
    name: 'encoder', units: 3, inputShape: [5, 4], activation: 'relu', recurrentActivation: 'hardSigmoid', useBias: true, unitForgetBias: false,
    kernelInitializer: 'heNormal', recurrentInitializer: { name: 'orthogonal', gain: 0.7 }, biasInitializer: 'randomNormal',
    kernelRegularizer: sn.regularizers.l2(0.01), recurrentRegularizer: sn.regularizers.l1(0.001), biasRegularizer: sn.regularizers.l1l2({ l1: 0.001, l2: 0.002 }),
    returnSequences: true, goBackwards: true, dropout: 0.2, seed: 42,
  }));
  model.add(L.gru({ units: 4, returnSequences: true, resetAfter: false, recurrentActivation: { name: 'hardSigmoid', slope: 0.2 }, useBias: false, activityRegularizer: sn.regularizers.l2(0.001) }));
  model.add(L.gru({ units: 2, returnSequences: true, goBackwards: true, activation: 'softsign', dropout: 0.3 }));
  model.add(L.simpleRNN({ units: 3, activation: sn.leakyRelu({ alpha: 0.1 }), goBackwards: true }));
  model.add(L.dense({ units: 2, activation: 'softmax' }));
  return model;
}

const configs = (model) => model.layers.map((l) => KINDS[l.type].config(l, false));

test('model file: save and load keep every option, weight and the training state of the three kinds', async () => {
  const model = unusual();
  model.compile({ optimizer: sn.optimizers.adam({ learningRate: 0.01 }), loss: 'categoricalCrossentropy' });
  const x = randomArray(12 * 20, 4, -1, 1), y = new Float32Array(24).map((_, i) => (i % 2 === Math.floor(i / 2) % 2 ? 1 : 0));
  await model.fit(x, y, { epochs: 2, batchSize: 5, shuffle: false });
  const copy = sn.loadModel(model.save());
  assert.deepEqual(configs(copy), configs(model));
  assert.deepEqual(copy.predict(x), model.predict(x));
  const [a, b] = [await model.fit(x, y, { epochs: 2, batchSize: 5, shuffle: false }), await copy.fit(x, y, { epochs: 2, batchSize: 5, shuffle: false })];
  assert.deepEqual(b.history.loss, a.history.loss, 'training goes on with the same bits');
  model.dispose();
  copy.dispose();
});

/** The model's layers again with some options changed: edit(type, options). */
function variant(model, edit) {
  const copy = sn.sequential({ seed: 6 });
  model.layers.forEach((l, i) => {
    const options = { ...KINDS[l.type].config(l, i === 0) };
    edit(l.type, options);
    copy.add(sn.layers[l.kind.factory.name](options));
  });
  return copy;
}

test('TF.js JSON: toTfjs then fromTfjs keeps every option of each kind; what TF.js lacks is refused by toTfjs, naming the layer', () => {
  const model = unusual();
  assert.throws(() => model.toTfjs(), /toTfjs: layer encoder: our hardSigmoid is Keras 3's, relu6\(x \+ 3\)\/6 \(slope 1\/6\); TF.js' is clip/);
  const tfjsHardSigmoid = (type, o) => { if (type === 'LSTM') o.recurrentActivation = { name: 'hardSigmoid', slope: 0.2 }; };
  const withReset = variant(model, tfjsHardSigmoid);
  assert.throws(() => withReset.toTfjs(), /toTfjs: gru gru_1 has resetAfter true \(Keras 3's default\), which TF.js' GRU does not have/);
  const leaky = variant(model, (type, o) => { tfjsHardSigmoid(type, o); if (type === 'GRU') o.resetAfter = false; });
  assert.throws(() => leaky.toTfjs(), /toTfjs: layer simple_rnn: TF.js' leakyRelu has no parameter/);
  const tfjsOnly = variant(model, (type, o) => { tfjsHardSigmoid(type, o); if (type === 'GRU') o.resetAfter = false; if (type === 'SimpleRNN') o.activation = 'elu'; });
  const { modelJson, weightsBin } = tfjsOnly.toTfjs();
  const back = sn.fromTfjs(JSON.parse(JSON.stringify(modelJson)), weightsBin);
  // Initializers come back under TF.js' class names ('HeNormal'), which name the same ones.
  const same = (c) => Object.fromEntries(Object.entries(c).map(([k, v]) => [k, k.endsWith('Initializer') ? { ...v, name: v.name.toLowerCase() } : k === 'activityRegularizer' ? null : v]));
  assert.deepEqual(configs(back).map(same), configs(tfjsOnly).map(same), 'every option (TF.js does not keep activity regularizers)');
  const x = randomArray(3 * 20, 5, -1, 1);
  assert.deepEqual(back.predict(x), tfjsOnly.predict(x));
  for (const m of [model, withReset, leaky, tfjsOnly, back]) m.dispose();
});

test("fromTfjs: a GRU as Keras 3 writes it (reset_after true, bias [2, 3·units], the weights in its cell)", () => {
  const gru = {
    module: 'keras.layers', class_name: 'GRU', registered_name: null,
    config: {
      name: 'gru', trainable: true, dtype: { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null },
      return_sequences: false, return_state: false, go_backwards: false, stateful: false, unroll: false, zero_output_for_mask: false,
      units: 2, activation: 'tanh', recurrent_activation: 'sigmoid', use_bias: true,
      kernel_initializer: { module: 'keras.initializers', class_name: 'GlorotUniform', config: { seed: null }, registered_name: null },
      recurrent_initializer: { module: 'keras.initializers', class_name: 'Orthogonal', config: { gain: 1.0, seed: null }, registered_name: null },
      bias_initializer: { module: 'keras.initializers', class_name: 'Zeros', config: {}, registered_name: null },
      kernel_regularizer: null, recurrent_regularizer: null, bias_regularizer: null, activity_regularizer: null,
      kernel_constraint: null, recurrent_constraint: null, bias_constraint: null, dropout: 0.0, recurrent_dropout: 0.0, reset_after: true, seed: null,
    },
    build_config: { input_shape: [null, 3, 2] },
  };
  const modelJson = {
    format: 'layers-model',
    modelTopology: { class_name: 'Sequential', config: { name: 'sequential', layers: [gru] }, keras_version: '3.6.0', backend: 'tensorflow' },
    weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: [
      { name: 'layers/gru/cell/vars/0', shape: [2, 6], dtype: 'float32' },
      { name: 'layers/gru/cell/vars/1', shape: [2, 6], dtype: 'float32' },
      { name: 'layers/gru/cell/vars/2', shape: [2, 6], dtype: 'float32' },
    ] }],
  };
  const values = [randomArray(12, 1, -0.5, 0.5), randomArray(12, 2, -0.5, 0.5), randomArray(12, 3, -0.5, 0.5)];
  const bin = new Float32Array(36);
  values.forEach((v, i) => bin.set(v, 12 * i));
  const model = sn.fromTfjs(modelJson, bin.buffer);
  const layer = model.layers[0];
  assert.deepEqual([layer.type, layer.resetAfter, layer.recurrentActivation.name, layer.recurrentInitializer.name], ['GRU', true, 'sigmoid', 'orthogonal']);
  const x = randomArray(2 * 6, 4, -1, 1);
  const want = kerasGru({ units: 2, resetAfter: true }, values, x, 2, 3, 2);
  model.predict(x).forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-6, `output ${i}: ${v}, Keras ${want[i]}`));
  model.dispose();

  const refuse = (edit, message) => {
    const json = structuredClone(modelJson);
    edit(json.modelTopology.config.layers[0].config);
    assert.throws(() => sn.fromTfjs(json, bin.buffer), message);
  };
  refuse((c) => { c.return_state = true; }, /layer 0 \(GRU "gru"\): it returns several tensors \(returnState: its output and its states\), which a Sequential cannot pass/);
  refuse((c) => { c.stateful = true; }, /layer 0 \(GRU "gru"\): stateful true is not supported/);
  refuse((c) => { c.recurrent_dropout = 1; }, /gru recurrentDropout must be a number in \[0, 0.999999\], got 1/);
  refuse((c) => { c.recurrent_constraint = { class_name: 'NonNeg', config: {} }; }, /layer 0 \(GRU "gru"\): recurrent_constraint .* is not supported/);
});

test('dropout: training drops (one mask per sample and batch, from its seed), inference does not', async () => {
  const x = randomArray(16 * 12, 2, -1, 1), y = new Float32Array(32).map((_, i) => i % 2);
  const make = (dropout, seed) => {
    const m = sn.sequential({ seed: 5 });
    m.add(L.gru({ units: 4, inputShape: [4, 3], dropout, seed }));
    m.add(L.dense({ units: 2, activation: 'softmax' }));
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    return m;
  };
  const [plain, dropped, again, other] = [make(0), make(0.5, 3), make(0.5, 3), make(0.5, 4)];
  assert.deepEqual(dropped.predict(x), plain.predict(x), 'the same weights predict alike: no dropout in inference');
  const losses = async (m) => (await m.fit(x, y, { epochs: 2, batchSize: 8, shuffle: false })).history.loss;
  const [a, b, c, d] = [await losses(plain), await losses(dropped), await losses(again), await losses(other)];
  assert.notDeepEqual(b, a, 'training drops');
  assert.deepEqual(c, b, 'the same seed drops the same');
  assert.notDeepEqual(d, b, 'another seed drops others');
  for (const m of [plain, dropped, again, other]) m.dispose();
});

test('bad options and inputs: Errors naming the layer and the problem, the model unchanged', () => {
  const refused = {
    'lstm units 0': [() => L.lstm({ units: 0 }), /lstm units must be an integer in \[1, 16777216\], got 0/],
    'gru units 2.5': [() => L.gru({ units: 2.5 }), /gru units must be an integer/],
    'simpleRNN without units': [() => L.simpleRNN({}), /simpleRNN units must be an integer .*got undefined/],
    'lstm activation': [() => L.lstm({ units: 2, activation: 'hardTanh' }), /unknown activation "hardTanh"/],
    'gru recurrentActivation': [() => L.gru({ units: 2, recurrentActivation: 'step' }), /unknown activation "step"/],
    'simpleRNN recurrentActivation': [() => L.simpleRNN({ units: 2, recurrentActivation: 'sigmoid' }), /simpleRNN: unknown option "recurrentActivation"/],
    'lstm resetAfter': [() => L.lstm({ units: 2, resetAfter: true }), /lstm: unknown option "resetAfter"/],
    "gru resetAfter 'yes'": [() => L.gru({ units: 2, resetAfter: 'yes' }), /gru resetAfter must be true or false/],
    'lstm returnSequences 1': [() => L.lstm({ units: 2, returnSequences: 1 }), /lstm returnSequences must be true or false/],
    'gru recurrentDropout 1': [() => L.gru({ units: 2, recurrentDropout: 1 }), /gru recurrentDropout must be a number in \[0, 0.999999\], got 1/],
    'lstm dropout 1': [() => L.lstm({ units: 2, dropout: 1 }), /lstm dropout must be a number in \[0, 0.999999\], got 1/],
    'gru seed -1': [() => L.gru({ units: 2, dropout: 0.1, seed: -1 }), /gru seed must be an integer/],
    "lstm returnState 'no'": [() => L.lstm({ units: 2, returnState: 'no' }), /lstm returnState must be true or false/],
    'gru stateful': [() => L.gru({ units: 2, stateful: true }), /gru: stateful is not supported/],
    'lstm implementation 3': [() => L.lstm({ units: 2, implementation: 3 }), /lstm implementation must be an integer in \[1, 2\]/],
    'lstm biasInitializer orthogonal': [() => L.lstm({ units: 2, biasInitializer: 'orthogonal' }), /lstm: biasInitializer 'orthogonal' needs a matrix/],
    'lstm orthogonal gain': [() => L.lstm({ units: 2, recurrentInitializer: { name: 'orthogonal', gain: 'x' } }), /orthogonal gain must be a number/],
    'simpleRNN recurrent_initializer': [() => L.simpleRNN({ units: 2, recurrent_initializer: 'zeros' }), /simpleRNN: unknown option "recurrent_initializer"/],
  };
  for (const [what, [make, message]] of Object.entries(refused)) assert.throws(make, message, what);

  const model = sn.sequential();
  assert.throws(() => model.add(L.lstm({ units: 2, inputShape: [5] })), /lstm \(LSTM\): expects sequences of shape \[steps, features\], got an input of shape \(None, 5\)/);
  assert.throws(() => model.add(L.gru({ units: 2, inputShape: [4, 4, 3] })), /gru \(GRU\): expects sequences of shape \[steps, features\], got an input of shape \(None, 4, 4, 3\)/);
  assert.equal(model.layers.length, 0);
  model.add(L.gru({ units: 3, inputShape: [4, 2] }));
  assert.throws(() => model.add(L.simpleRNN({ units: 2 })), /simple_rnn \(SimpleRNN\): expects sequences of shape \[steps, features\], got an input of shape \(None, 3\)/);
  assert.equal(model.layers.length, 1);
  model.add(L.dense({ units: 2, activation: 'softmax' }));
  model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
  const history = model.fit(randomArray(6 * 8, 1), new Float32Array(12).map((_, i) => i % 2), { epochs: 1, batchSize: 3 });
  return history.then((h) => assert.ok(Number.isFinite(h.history.loss[0]), 'the model still trains'));
});
