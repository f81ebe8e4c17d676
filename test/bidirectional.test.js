// Bidirectional, returnState, initialState and recurrentDropout beyond what
// TF.js can check (test/bidirectional.tfjs.test.js): a Bidirectional computes
// its two recurrent layers merged (every merge mode, Keras 3's GRU included);
// returned states are the final h and c, and a layer continued from them runs
// on as over the whole sequence; recurrent dropout drops in training only, from
// its seed, its generator kept by the model file; weights, summary, freezing;
// model files and Keras 3's JSON; bad options and inputs refused with Errors
// naming the layer, the model unchanged. Keras' equations with the dropout
// masks held are checked natively (test/c/test_bidirectional.c).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as sn from '../web/index.js';
import { randomArray } from './support/models.js';
import { assertNear } from './support/near.js';

await sn.ready();

const L = sn.layers;
const ROWS = 5;

/** [steps, units] rows with their steps reversed. */
function flipSteps(values, steps, units) {
  const out = new Float32Array(values.length);
  for (let r = 0; r < values.length / (steps * units); r++)
    for (let s = 0; s < steps; s++) out.set(values.subarray((r * steps + s) * units, (r * steps + s + 1) * units), (r * steps + steps - 1 - s) * units);
  return out;
}

/** Keras' merge of y and y_rev (each rows × steps × units, y_rev already in the input's order), in float32. */
function merge(mode, a, b, steps, units) {
  if (mode === 'concat') {
    const out = new Float32Array(2 * a.length);
    for (let i = 0; i < a.length / units; i++) out.set(a.subarray(i * units, (i + 1) * units), 2 * i * units), out.set(b.subarray(i * units, (i + 1) * units), (2 * i + 1) * units);
    return out;
  }
  const f = { sum: (x, y) => x + y, mul: (x, y) => x * y, ave: (x, y) => (x + y) / 2 }[mode];
  return Float32Array.from(a, (v, i) => f(v, b[i]));
}


const CASES = [
  { inner: (o) => L.gru({ units: 3, ...o }), what: "GRU (Keras 3's resetAfter)", states: 1 },
  { inner: (o) => L.lstm({ units: 2, ...o }), what: 'LSTM', states: 2 },
  { inner: (o) => L.simpleRNN({ units: 4, activation: 'relu', ...o }), what: 'SimpleRNN relu', states: 1 },
];

test('a Bidirectional is its forward layer and its goBackwards copy merged (every mode), with their final states', () => {
  const steps = 4, features = 3, x = randomArray(ROWS * steps * features, 1, -1, 1);
  for (const { inner, what, states } of CASES)
    for (const mergeMode of ['concat', 'sum', 'mul', 'ave', null])
      for (const returnSequences of [false, true]) {
        const input = sn.input({ shape: [steps, features] });
        const bi = L.bidirectional({ layer: inner({ returnSequences, returnState: true, biasInitializer: 'randomNormal' }), mergeMode });
        const model = sn.model({ inputs: input, outputs: bi.apply(input), seed: 4 });
        const single = (goBackwards) => {
          const i = sn.input({ shape: [steps, features] });
          return sn.model({ inputs: i, outputs: inner({ returnSequences, returnState: true, goBackwards }).apply(i) });
        };
        const [forward, backward] = [single(false), single(true)];
        const w = model.getWeights().map((t) => t.values);
        forward.setWeights(w.slice(0, w.length / 2));
        backward.setWeights(w.slice(w.length / 2));
        const [yf, ...sf] = forward.predict(x), [yb, ...sb] = backward.predict(x), units = yf.length / ROWS / (returnSequences ? steps : 1);
        const rev = returnSequences ? flipSteps(yb, steps, units) : yb;
        const got = model.predict(x), label = `${what} ${mergeMode} ${returnSequences ? 'sequences' : 'last'}`;
        const outputs = mergeMode === null ? [yf, rev] : [merge(mergeMode, yf, rev, steps, units)];
        [...outputs, ...sf, ...sb].forEach((want, k) => assertNear(got[k], want, `${label}: output ${k}`, 2e-6));
        assert.equal(got.length, outputs.length + 2 * states, `${label}: outputs`);
        for (const m of [model, forward, backward]) m.dispose();
      }
});

test("Keras masks: a Bidirectional on masked steps is its two layers with Keras' zero_output_for_mask (which the wrapper sets), states carried over", () => {
  const steps = 5, ids = Float32Array.from(randomArray(ROWS * steps, 9, 0, 1), (u, i) => (i % steps >= 3 && i % 2 ? 0 : 1 + Math.floor(u * 6)));
  const embedding = (name) => L.embedding({ inputDim: 7, outputDim: 3, maskZero: true, name });
  const input = sn.input({ shape: [steps] });
  const bi = L.bidirectional({ layer: L.lstm({ units: 2, returnSequences: true, returnState: true, biasInitializer: 'randomNormal' }), mergeMode: 'concat' });
  const [y, ...states] = bi.apply(embedding('e').apply(input));
  const model = sn.model({ inputs: input, outputs: [y, ...states], seed: 12 });
  assert.equal(y.maskFrom?.sourceLayer.name, 'e', 'the merged steps carry the mask on');
  assert.ok(states.every((t) => !t.maskFrom), 'the states carry none');
  const single = (goBackwards) => {
    const i = sn.input({ shape: [steps] });
    return sn.model({ inputs: i, outputs: L.lstm({ units: 2, returnSequences: true, returnState: true, zeroOutputForMask: true, goBackwards }).apply(embedding(`e${goBackwards}`).apply(i)) });
  };
  const [forward, backward] = [single(false), single(true)];
  const w = model.getWeights().map((t) => t.values);
  forward.setWeights([w[0], ...w.slice(1, 4)]);
  backward.setWeights([w[0], ...w.slice(4)]);
  const [yf, ...sf] = forward.predict(ids), [yb, ...sb] = backward.predict(ids);
  const got = model.predict(ids);
  [merge('concat', yf, flipSteps(yb, steps, 2), steps, 2), ...sf, ...sb].forEach((want, k) => assertNear(got[k], want, `output ${k}`, 2e-6));
  assert.ok(got[0].some((v) => v === 0), 'masked steps output zeros');
  for (const m of [model, forward, backward]) m.dispose();
});

test('returnState gives the final h (the last step of the output) and c; a layer continued from them runs on as over the whole sequence', () => {
  const steps = 6, features = 2, x = randomArray(ROWS * steps * features, 2, -1, 1);
  const half = (from) => Float32Array.from({ length: ROWS * 3 * features }, (_, i) => x[Math.floor(i / (3 * features)) * steps * features + from * features + (i % (3 * features))]);
  for (const { inner, what, states } of CASES) {
    const layer = inner({ returnSequences: true, returnState: true, biasInitializer: 'randomNormal' });
    const a = sn.input({ shape: [3, features], name: 'a' }), b = sn.input({ shape: [3, features], name: 'b' }), whole = sn.input({ shape: [steps, features], name: 'whole' });
    const [ya, ...sa] = layer.apply(a);
    const [yb, ...sb] = layer.apply(b, { initialState: sa }); // the same weights, started where a ended
    const [yw, ...sw] = layer.apply(whole);
    const model = sn.model({ inputs: [a, b, whole], outputs: [ya, yb, yw, ...sb, ...sw], seed: 2 });
    const [pa, pb, pw, ...rest] = model.predict([half(0), half(3), x]);
    const units = pa.length / ROWS / 3;
    assertNear(Float32Array.from({ length: pw.length }, (_, i) => {
      const r = Math.floor(i / (steps * units)), s = Math.floor(i / units) % steps, j = i % units;
      return (s < 3 ? pa : pb)[(r * 3 + (s % 3)) * units + j];
    }), pw, `${what}: two halves, the second from the first's states`, 1e-6);
    rest.slice(0, states).forEach((s, k) => assertNear(s, rest[states + k], `${what}: state ${k}`, 1e-6));
    assertNear(rest[0], Float32Array.from({ length: ROWS * units }, (_, i) => pw[(Math.floor(i / units) * steps + steps - 1) * units + (i % units)]), `${what}: h is the last step`, 0);
    model.dispose();
  }
});

test('initial states of zeros compute what no initial state does', () => {
  const x = randomArray(ROWS * 12, 3, -1, 1);
  const input = sn.input({ shape: [4, 3] }), h = sn.input({ shape: [2] }), c = sn.input({ shape: [2] });
  const layer = L.bidirectional({ layer: L.lstm({ units: 2 }), mergeMode: 'concat' });
  const model = sn.model({ inputs: [input, h, c], outputs: [layer.apply(input, { initialState: [h, c, h, c] }), layer.apply(input)], seed: 6 });
  const zeros = new Float32Array(ROWS * 2), given = randomArray(ROWS * 2, 4, -1, 1);
  const [from, plain] = model.predict([x, zeros, zeros]);
  assert.deepEqual(from, plain);
  assert.notDeepEqual(model.predict([x, given, zeros])[0], plain, 'a state changes the output');
  model.dispose();
});

test('recurrentDropout: training drops (from its seed: the same seed drops the same), inference does not; the model file keeps its generator', async () => {
  const x = randomArray(16 * 12, 2, -1, 1), y = new Float32Array(16).map((_, i) => i % 2);
  const make = (recurrentDropout, seed, bidir) => {
    const m = sn.sequential({ seed: 5 });
    const inner = L.lstm({ units: 4, recurrentDropout, seed, ...(bidir ? {} : { inputShape: [4, 3] }) });
    m.add(bidir ? L.bidirectional({ layer: inner, inputShape: [4, 3] }) : inner);
    m.add(L.dense({ units: 2, activation: 'softmax' }));
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    return m;
  };
  const losses = async (m) => (await m.fit(x, y, { epochs: 2, batchSize: 8, shuffle: false })).history.loss;
  for (const bidir of [false, true]) {
    const [plain, dropped, again, other] = [make(0, undefined, bidir), make(0.5, 3, bidir), make(0.5, 3, bidir), make(0.5, 4, bidir)];
    assert.deepEqual(dropped.predict(x), plain.predict(x), 'the same weights predict alike: no dropout in inference');
    const [a, b, c, d] = [await losses(plain), await losses(dropped), await losses(again), await losses(other)];
    assert.notDeepEqual(b, a, 'training drops');
    assert.deepEqual(c, b, 'the same seed drops the same');
    assert.notDeepEqual(d, b, 'another seed drops others');
    const restored = sn.loadModel(dropped.save());
    assert.equal(restored.layers[0].type, bidir ? 'Bidirectional' : 'LSTM');
    assert.deepEqual(await losses(restored), await losses(dropped), 'a loaded model drops what the saved one goes on dropping');
    for (const m of [plain, dropped, again, other, restored]) m.dispose();
  }
});

/** An encoder–decoder with a bidirectional layer of two outputs and a frozen one. */
function graph(seed = 8) {
  const src = sn.input({ shape: [5, 3], name: 'src' }), tgt = sn.input({ shape: [4, 2], name: 'tgt' });
  const [enc, h, c] = L.lstm({ units: 4, returnState: true, recurrentDropout: 0.25, name: 'enc' }).apply(src);
  const dec = L.lstm({ units: 4, returnSequences: true, dropout: 0.1, name: 'dec' }).apply(tgt, { initialState: [h, c] });
  const [f, b] = L.bidirectional({ layer: L.gru({ units: 3, returnSequences: true, name: 'cell' }), mergeMode: null, name: 'both' }).apply(dec);
  const frozen = L.bidirectional({ layer: L.simpleRNN({ units: 2, returnSequences: true }), mergeMode: 'sum', name: 'frozen' });
  frozen.trainable = false;
  const joined = L.concatenate({ name: 'joined' }).apply([f, b, frozen.apply(dec)]);
  const out = L.dense({ units: 3, activation: 'softmax', name: 'out' }).apply(joined);
  return sn.model({ inputs: [src, tgt], outputs: [out, L.dense({ units: 1, name: 'value' }).apply(enc)], seed });
}

test('weights, counts and summary: each direction its own weights, named as TF.js names them; trainable false freezes both', () => {
  const model = graph();
  const names = model.getWeights().map((w) => w.name);
  assert.deepEqual(names.filter((n) => n.startsWith('both/')), ['forward_cell', 'backward_cell'].flatMap((d) => ['kernel', 'recurrent_kernel', 'bias'].map((k) => `both/${d}/${k}`)));
  assert.deepEqual(model.getLayer('both').weights.map((w) => w.shape), [[4, 9], [3, 9], [2, 9], [4, 9], [3, 9], [2, 9]]);
  assert.equal(model.getLayer('both').countParams(), 2 * (36 + 27 + 18));
  assert.deepEqual(model.nonTrainableWeights.map((w) => w.name), ['frozen/forward_simple_rnn/kernel', 'frozen/forward_simple_rnn/recurrent_kernel', 'frozen/forward_simple_rnn/bias',
    'frozen/backward_simple_rnn/kernel', 'frozen/backward_simple_rnn/recurrent_kernel', 'frozen/backward_simple_rnn/bias']);
  const text = model.summary();
  assert.match(text, /enc \(LSTM\) +\[\(None, 4\), \(None, 4\), \(None, 4\)\]/);
  assert.match(text, /dec \(LSTM\) +\(None, 4, 4\) +\d+ +tgt\[0\]\[0\], enc\[0\]\[1\], enc\[0\]\[2\]/);
  assert.match(text, /both \(Bidirectional\) +\[\(None, 4, 3\), \(None, 4, 3\)\]/);
  assert.ok(!/\bSlice\b/.test(text), 'the slices are no layers of the model');
  assert.deepEqual(model.layers.map((l) => l.name), ['src', 'tgt', 'enc', 'dec', 'both', 'frozen', 'joined', 'out', 'value']);
  const layer = model.getLayer('both');
  const replaced = layer.getWeights().map((w) => w.values.map(() => 0.125));
  layer.setWeights(replaced);
  assert.deepEqual(layer.getWeights().map((w) => w.values), replaced);
  model.dispose();
});

test('model file: a graph of returned and initial states and bidirectional layers comes back with its weights, outputs and training state', async () => {
  const model = graph(), xs = [randomArray(16 * 15, 5, -1, 1), randomArray(16 * 8, 6, -1, 1)];
  const y = [new Float32Array(16 * 4).map((_, i) => i % 3), randomArray(16, 7, -1, 1)];
  model.compile({ optimizer: sn.optimizers.sgd({ learningRate: 0.1, momentum: 0.5 }), loss: ['sparseCategoricalCrossentropy', 'meanSquaredError'] });
  await model.fit(xs, y, { epochs: 1, batchSize: 4 });
  const loaded = sn.loadModel(model.save());
  assert.deepEqual(loaded.layers.map((l) => [l.name, l.type]), model.layers.map((l) => [l.name, l.type]));
  assert.deepEqual(loaded.predict(xs), model.predict(xs));
  assert.equal(loaded.getLayer('both').mergeMode, null);
  assert.equal(loaded.getLayer('frozen').trainable, false);
  assert.equal(loaded.getLayer('enc').recurrentDropout, 0.25);
  const fit = async (m) => (await m.fit(xs, y, { epochs: 2, batchSize: 4 })).history.loss;
  assert.deepEqual(await fit(loaded), await fit(model), 'training resumes where it stopped: optimizer, shuffling and dropout generators');
  model.dispose(), loaded.dispose();
});

test('Sequential: a bidirectional layer (Keras 2 gives the wrapped layer its input shape) saves, loads and goes to TF.js JSON and back', () => {
  const model = sn.sequential({ seed: 3 });
  model.add(L.bidirectional({ layer: L.gru({ units: 3, returnSequences: true, resetAfter: false, inputShape: [5, 2] }), mergeMode: 'ave' }));
  model.add(L.bidirectional({ layer: L.lstm({ units: 2, recurrentDropout: 0.3, seed: 9 }) }));
  model.add(L.dense({ units: 2, activation: 'softmax' }));
  assert.deepEqual(model.outputs[0].shape, [null, 2]);
  assert.deepEqual(model.layers[1].outputShape, [null, 4]);
  const x = randomArray(3 * 10, 1, -1, 1), want = model.predict(x);
  const loaded = sn.loadModel(model.save());
  assert.deepEqual(loaded.predict(x), want);
  const { modelJson, weightsBin } = model.toTfjs();
  const layer = modelJson.modelTopology.config.layers[1];
  assert.deepEqual([layer.class_name, layer.config.merge_mode, layer.config.layer.class_name, layer.config.layer.config.recurrent_dropout], ['Bidirectional', 'concat', 'LSTM', 0.3]);
  assert.deepEqual(modelJson.modelTopology.config.layers[0].config.batch_input_shape, [null, 5, 2]);
  const back = sn.fromTfjs(modelJson, weightsBin);
  assert.deepEqual(back.predict(x), want);
  assert.deepEqual(back.layers.map((l) => l.config ?? l.type), model.layers.map((l) => l.config ?? l.type));
  assert.equal(back.layers[1].layer.recurrentDropout, 0.3);
  for (const m of [model, loaded, back]) m.dispose();
});

/** Keras 3's JSON of a functional model: an LSTM's states start a Bidirectional GRU (kwargs.initial_state), as Keras 3 writes it. */
function keras3Json() {
  const tensor = (layer, node, index, shape) => ({ class_name: '__keras_tensor__', config: { shape, dtype: 'float32', keras_history: [layer, node, index] } });
  const gru = (name, goBackwards) => ({
    module: 'keras.layers', class_name: 'GRU', registered_name: null,
    config: {
      name, trainable: true, dtype: 'float32', return_sequences: true, return_state: false, go_backwards: goBackwards, stateful: false, unroll: false,
      zero_output_for_mask: true, units: 2, activation: 'tanh', recurrent_activation: 'sigmoid', use_bias: true,
      kernel_initializer: { module: 'keras.initializers', class_name: 'GlorotUniform', config: { seed: null }, registered_name: null },
      recurrent_initializer: { module: 'keras.initializers', class_name: 'Orthogonal', config: { gain: 1.0, seed: null }, registered_name: null },
      bias_initializer: { module: 'keras.initializers', class_name: 'Zeros', config: {}, registered_name: null },
      kernel_regularizer: null, recurrent_regularizer: null, bias_regularizer: null, activity_regularizer: null,
      kernel_constraint: null, recurrent_constraint: null, bias_constraint: null, dropout: 0.0, recurrent_dropout: 0.0, reset_after: true, seed: null,
    },
  });
  const layers = [
    { module: 'keras.layers', class_name: 'InputLayer', config: { batch_shape: [null, 4, 3], dtype: 'float32', sparse: false, name: 'x' }, registered_name: null, name: 'x', inbound_nodes: [] },
    { ...gru('encoder', false), name: 'encoder', inbound_nodes: [{ args: [tensor('x', 0, 0, [null, 4, 3])], kwargs: { training: null, mask: null } }] },
    {
      module: 'keras.layers', class_name: 'Bidirectional', registered_name: null, name: 'bidirectional',
      config: { name: 'bidirectional', trainable: true, dtype: 'float32', merge_mode: 'concat', layer: gru('forward_gru', false), backward_layer: gru('backward_gru', true) },
      inbound_nodes: [{ args: [tensor('x', 0, 0, [null, 4, 3])], kwargs: { initial_state: [tensor('encoder', 0, 0, [null, 2]), tensor('encoder', 0, 0, [null, 2])], mask: null, training: null } }],
    },
  ];
  layers[1].config = { ...layers[1].config, return_sequences: false, zero_output_for_mask: false }; // Keras' Bidirectional sets it to return_sequences
  const weights = ['gru/cell', 'bidirectional/forward_layer/cell', 'bidirectional/backward_layer/cell'] // keyed by class, numbered
    .flatMap((path) => [[3, 6], [2, 6], [2, 6]].map((shape, i) => ({ name: `layers/${path}/vars/${i}`, shape, dtype: 'float32' })));
  return {
    format: 'layers-model',
    modelTopology: { class_name: 'Functional', config: { name: 'functional', layers, input_layers: [['x', 0, 0]], output_layers: [['bidirectional', 0, 0]] }, keras_version: '3.6.0', backend: 'tensorflow' },
    weightsManifest: [{ paths: ['weights.bin'], weights }],
  };
}

test("fromTfjs: Keras 3's Bidirectional (its forward and backward layers, weights in their cells) started from initial states (kwargs.initial_state)", () => {
  const json = keras3Json(), bin = randomArray(3 * 42, 3, -0.6, 0.6); // kernels [3, 6], recurrent kernels and biases [2, 6]
  const model = sn.fromTfjs(json, bin.buffer);
  assert.deepEqual(model.layers.map((l) => l.type), ['InputLayer', 'GRU', 'Bidirectional']);
  assert.equal(model.getLayer('bidirectional').layer.name, 'gru');
  // The same computation built here: the states, then the weights in Keras' order.
  const x = sn.input({ shape: [4, 3] }), h = L.gru({ units: 2 }).apply(x);
  const mine = sn.model({ inputs: x, outputs: L.bidirectional({ layer: L.gru({ units: 2, returnSequences: true }) }).apply(x, { initialState: [h, h] }) });
  const sizes = [18, 12, 12, 18, 12, 12, 18, 12, 12], starts = sizes.map((_, i) => sizes.slice(0, i).reduce((a, b) => a + b, 0));
  mine.setWeights(sizes.map((n, i) => bin.subarray(starts[i], starts[i] + n)));
  const data = randomArray(ROWS * 12, 4, -1, 1);
  assert.deepEqual(model.predict(data), mine.predict(data));
  model.dispose(), mine.dispose();
  const other = structuredClone(json);
  other.modelTopology.config.layers[2].config.backward_layer.config.units = 3;
  assert.throws(() => sn.fromTfjs(other, bin.buffer), /layer 2 \(Bidirectional "bidirectional"\): its backward_layer is not its layer reading backwards/);
});

test('bad options and inputs: Errors naming the layer and the problem, the model unchanged', () => {
  const refused = {
    'bidirectional without layer': [() => L.bidirectional({}), /bidirectional needs layer/],
    'bidirectional of a dense layer': [() => L.bidirectional({ layer: L.dense({ units: 2 }) }), /bidirectional of a Dense layer is not supported: it wraps SimpleRNN, LSTM, GRU/],
    'bidirectional of a goBackwards layer': [() => L.bidirectional({ layer: L.lstm({ units: 2, goBackwards: true }) }), /bidirectional: its layer has goBackwards true/],
    'bidirectional mergeMode': [() => L.bidirectional({ layer: L.gru({ units: 2 }), mergeMode: 'max' }), /bidirectional mergeMode must be one of "concat", "sum", "mul", "ave", null, got "max"/],
    'bidirectional two input shapes': [() => L.bidirectional({ layer: L.gru({ units: 2, inputShape: [3, 2] }), inputShape: [4, 2] }), /inputShape \[4,2\] and its layer's inputShape \[3,2\] differ/],
    'lstm recurrentDropout -0.1': [() => L.lstm({ units: 2, recurrentDropout: -0.1 }), /lstm recurrentDropout must be a number in \[0, 0.999999\]/],
  };
  for (const [what, [make, message]] of Object.entries(refused)) assert.throws(make, message, what);

  const x = sn.input({ shape: [4, 3] }), v = sn.input({ shape: [4] }), w = sn.input({ shape: [5] });
  const lstm = L.lstm({ units: 4, name: 'l' });
  assert.throws(() => lstm.apply(x, { initialState: [v] }), /l \(LSTM\): takes 2 initial states \(\[h,c\], each \[4\]\), got 1/);
  assert.throws(() => lstm.apply(x, { initialState: [v, w] }), /l \(LSTM\): initial state 1 must be \[4\] \(units\), got \(None, 5\)/);
  assert.throws(() => lstm.apply([x, v], { initialState: [v] }), /initial states given twice/);
  assert.throws(() => lstm.apply(x, { mask: v }), /l \(LSTM\)\.apply: kwargs "mask" is not supported \(only \{ initialState: \[tensors\] \}\)/);
  assert.throws(() => L.dense({ units: 2, name: 'd' }).apply(v, { initialState: [v] }), /d \(Dense\)\.apply: kwargs "initialState" is not supported/);
  const bi = L.bidirectional({ layer: L.gru({ units: 4 }), name: 'b' });
  assert.throws(() => bi.apply(x, { initialState: [v] }), /b \(Bidirectional\): takes 2 initial states \(the forward layer's \[h\], then the backward layer's, each \[4\]\), got 1/);
  assert.equal(lstm.inboundNodes.length, 0, 'nothing was applied');

  const model = sn.sequential();
  model.add(L.gru({ units: 3, returnSequences: true, inputShape: [4, 2] }));
  assert.throws(() => model.add(L.gru({ units: 2, returnState: true, name: 'g' })), /g \(GRU\): it returns several tensors \(returnState: its output and its states\), which a Sequential cannot pass/);
  assert.throws(() => model.add(L.bidirectional({ layer: L.gru({ units: 2 }), mergeMode: null })), /bidirectional \(Bidirectional\): it returns several tensors \(mergeMode null: both directions' outputs\)/);
  assert.equal(model.layers.length, 1);

  assert.throws(() => L.bidirectional({ layer: L.gru({ units: 2, activityRegularizer: sn.regularizers.l2(0.1) }) }), /its layer's activityRegularizer is not supported/);
  const gru = sn.sequential();
  gru.add(L.bidirectional({ layer: L.gru({ units: 2 }), inputShape: [3, 2], name: 'keras3' }));
  assert.throws(() => gru.toTfjs(), /toTfjs: gru gru has resetAfter true/);
  gru.dispose();
  const started = sn.model({ inputs: [x, v], outputs: L.bidirectional({ layer: L.simpleRNN({ units: 4 }), name: 'started' }).apply(x, { initialState: [v, v] }) });
  assert.throws(() => started.toTfjs(), /toTfjs: bidirectional started starts from initial states, which TF.js 4.22 cannot load/);
  started.dispose();
});
