// Bidirectional, returned and initial states against TensorFlow.js
// (@tensorflow/tfjs, cpu backend, the oracle): models trained 3 epochs from
// TF.js' initial weights with SGD, shuffle: false (losses within 1e-4 relative,
// weights within 2e-4 of their largest value) — Sequentials through
// test/support/tfjs-train.js, functional models (states flow between layers)
// through test/support/functional-tfjs.js; then toTfjs → tf.loadLayersModel and
// models TF.js builds and saves → fromTfjs predict as the other library does.
// TF.js' GRU has only resetAfter false and its gates default to hardSigmoid:
// both are given. Recurrent dropout draws random masks, which no two libraries
// share: it is checked against Keras' equations with the masks held, natively
// (test/c/test_bidirectional.c), and in test/bidirectional.test.js.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import * as sn from '../web/index.js';
import { randomArray } from './support/models.js';
import { assertNear } from './support/near.js';
import { CLASSES, assertAgree, trainBoth } from './support/tfjs-train.js';
import { ROWS, assertLosses, assertWeights, inputData, trainBoth as trainGraphs } from './support/functional-tfjs.js';

await tf.setBackend('cpu');
await sn.ready();

const INPUT = [6, 4];
const dense = { type: 'dense', units: CLASSES, activation: 'softmax' };
const lstm = (options) => ({ type: 'lstm', recurrentActivation: 'sigmoid', biasInitializer: 'randomNormal', ...options });
const gru = (options) => ({ type: 'gru', recurrentActivation: 'sigmoid', resetAfter: false, biasInitializer: 'randomNormal', ...options });
const bidirectional = (layer, mergeMode) => ({ type: 'bidirectional', layer, ...(mergeMode ? { mergeMode } : {}) });

test('TF.js: Bidirectional(LSTM, returnSequences) → TimeDistributed(Dense) → LayerNormalization → Dense per step, sparse labels per step', async () => {
  const spec = { inputShape: INPUT, layers: [
    bidirectional(lstm({ units: 5, returnSequences: true })),
    { type: 'timeDistributed', layer: { type: 'dense', units: 6 } },
    { type: 'layerNormalization' },
    dense,
  ] };
  assertAgree(await trainBoth(spec, { loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] }), 'Bidirectional LSTM tagger');
});

const MERGES = {
  "Bidirectional(GRU) 'sum', returnSequences → flatten → Dense": [bidirectional(gru({ units: 4, returnSequences: true }), 'sum'), { type: 'flatten' }, dense],
  "Bidirectional(GRU) 'ave' → Dense": [bidirectional(gru({ units: 5 }), 'ave'), dense],
  "Bidirectional(GRU) 'mul', returnSequences → Bidirectional(SimpleRNN) 'concat' → Dense": [
    bidirectional(gru({ units: 3, returnSequences: true }), 'mul'),
    bidirectional({ type: 'simpleRNN', units: 2, biasInitializer: 'randomNormal' }),
    dense,
  ],
};
for (const [name, layers] of Object.entries(MERGES))
  test(`TF.js: ${name} trains as in TF.js`, async () => assertAgree(await trainBoth({ inputShape: INPUT, layers }), name));

/** Per-step one-hot targets [steps, classes] for rows of x [steps, features]: step s's class buckets Σ x·sin. */
function stepTargets(x, steps, features, classes) {
  const y = new Float32Array(ROWS * steps * classes);
  for (let r = 0; r < ROWS; r++)
    for (let s = 0; s < steps; s++) {
      let sum = 0;
      for (let i = 0; i < (s + 1) * features; i++) sum += x[r * steps * features + i] * Math.sin(i + s);
      y[(r * steps + s) * classes + (sum > 0.5 ? 2 : sum > -0.5 ? 1 : 0) % classes] = 1;
    }
  return y;
}

async function assertGraphsAgree(what, options) {
  const r = await trainGraphs({ loss: 'categoricalCrossentropy', ...options });
  assertLosses(r.sn.history.loss, r.tf.history.loss, what);
  assertWeights(r.sn.weights, r.tf.weights, what);
  r.sn.model.dispose();
}

test("TF.js: an encoder–decoder (the encoder LSTM's returned h and c start the decoder LSTM) trains as in TF.js", async () => {
  const source = inputData([5, 3], 11), target = inputData([4, 2], 12);
  await assertGraphsAgree('encoder–decoder', {
    graph: (L) => {
      const src = L.input({ shape: [5, 3], name: 'src' }), tgt = L.input({ shape: [4, 2], name: 'tgt' });
      const [, h, c] = L.layers.lstm({ units: 4, returnState: true, recurrentActivation: 'sigmoid', name: 'encoder' }).apply(src);
      const decoded = L.layers.lstm({ units: 4, returnSequences: true, recurrentActivation: 'sigmoid', name: 'decoder' }).apply(tgt, { initialState: [h, c] });
      return { inputs: [src, tgt], outputs: L.layers.dense({ units: 3, activation: 'softmax', name: 'out' }).apply(decoded) };
    },
    inputs: [{ shape: [5, 3], values: source }, { shape: [4, 2], values: target }],
    targets: [{ shape: [4, 3], values: stepTargets(target, 4, 2, 3) }],
  });
});

// (TF.js 4.22 cannot start a Bidirectional from initial states in a functional model — its apply hands the
// states to the wrapped layer twice — so that is checked against Keras' equations natively.)
test('TF.js: a Bidirectional GRU whose returned states (forward, backward) join its output trains as in TF.js', async () => {
  const x = inputData([5, 3], 13);
  await assertGraphsAgree('bidirectional states', {
    graph: (L) => {
      const input = L.input({ shape: [5, 3], name: 'x' });
      const [y, forward, backward] = L.layers.bidirectional({
        layer: L.layers.gru({ units: 3, returnState: true, resetAfter: false, recurrentActivation: 'sigmoid' }), mergeMode: 'sum', name: 'first',
      }).apply(input);
      const joined = L.layers.concatenate({ name: 'joined' }).apply([y, forward, backward]);
      return { inputs: input, outputs: L.layers.dense({ units: 3, activation: 'softmax', name: 'out' }).apply(joined) };
    },
    inputs: [{ shape: [5, 3], values: x }],
    targets: [{ shape: [3], values: stepTargets(x, 1, 15, 3) }],
  });
});

test('TF.js: a Bidirectional LSTM without merge (two outputs) and its four states trains as in TF.js', async () => {
  const x = inputData([4, 3], 14);
  await assertGraphsAgree('bidirectional without merge', {
    graph: (L) => {
      const input = L.input({ shape: [4, 3], name: 'x' });
      const [yf, yb, hf, cf, hb, cb] = L.layers.bidirectional({
        layer: L.layers.lstm({ units: 2, returnSequences: true, returnState: true, recurrentActivation: 'sigmoid' }), mergeMode: null, name: 'both',
      }).apply(input);
      const steps = L.layers.concatenate({ name: 'steps' }).apply([yf, yb]);
      const states = L.layers.concatenate({ name: 'states' }).apply([hf, cf, hb, cb]);
      const flat = L.layers.concatenate({ name: 'all' }).apply([L.layers.flatten({ name: 'flat' }).apply(steps), states]);
      return { inputs: input, outputs: L.layers.dense({ units: 3, activation: 'softmax', name: 'out' }).apply(flat) };
    },
    inputs: [{ shape: [4, 3], values: x }],
    targets: [{ shape: [3], values: stepTargets(x, 1, 12, 3) }],
  });
});

// ---- TF.js JSON both ways -------------------------------------------------------------------------------------

const asList = (v) => (Array.isArray(v) ? v : [v]);

/** A functional model of ours with a bidirectional layer, returned and initial states, and two outputs. */
function ours() {
  const src = sn.input({ shape: [5, 3], name: 'src' }), tgt = sn.input({ shape: [4, 2], name: 'tgt' });
  const [, h, c] = sn.layers.lstm({ units: 4, returnState: true, name: 'enc', biasInitializer: 'randomNormal' }).apply(src);
  const decoded = sn.layers.lstm({ units: 4, returnSequences: true, name: 'dec' }).apply(tgt, { initialState: [h, c] });
  const merged = sn.layers.bidirectional({ layer: sn.layers.gru({ units: 3, returnSequences: true, resetAfter: false, name: 'inner' }), mergeMode: 'ave', name: 'bi' }).apply(decoded);
  const out = sn.layers.dense({ units: 2, activation: 'softmax', name: 'out' }).apply(merged);
  return sn.model({ inputs: [src, tgt], outputs: [out, c], seed: 3 });
}

test('toTfjs: tf.loadLayersModel reads bidirectional layers, returned and initial states (node tensor indices), and predicts as we do', async () => {
  const model = ours(), xs = [randomArray(6 * 15, 1, -1, 1), randomArray(6 * 8, 2, -1, 1)];
  const { modelJson, weightsBin } = model.toTfjs();
  const names = modelJson.weightsManifest[0].weights.map((w) => w.name);
  assert.deepEqual(names.filter((n) => n.startsWith('bi/')), ['bi/forward_inner/kernel', 'bi/forward_inner/recurrent_kernel', 'bi/forward_inner/bias',
    'bi/backward_inner/kernel', 'bi/backward_inner/recurrent_kernel', 'bi/backward_inner/bias']);
  const layers = Object.fromEntries(modelJson.modelTopology.config.layers.map((l) => [l.name, l]));
  assert.deepEqual(layers.dec.inbound_nodes, [[['tgt', 0, 0, {}], ['enc', 0, 1, {}], ['enc', 0, 2, {}]]]);
  assert.deepEqual(modelJson.modelTopology.config.output_layers, [['out', 0, 0], ['enc', 0, 2]]);
  assert.equal(layers.bi.config.merge_mode, 'ave');
  assert.equal(layers.bi.config.layer.class_name, 'GRU');
  const json = JSON.parse(JSON.stringify(modelJson));
  const loaded = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest.flatMap((g) => g.weights), weightData: weightsBin }));
  const theirs = tf.tidy(() => asList(loaded.predict([tf.tensor(xs[0], [6, 5, 3]), tf.tensor(xs[1], [6, 4, 2])])).map((t) => t.dataSync().slice()));
  model.predict(xs).forEach((p, k) => assertNear(p, theirs[k], `output ${k}`));
  const back = sn.fromTfjs(modelJson, weightsBin);
  assert.deepEqual(back.predict(xs), model.predict(xs), 'fromTfjs(toTfjs()) predicts the same bits');
  loaded.dispose();
  model.dispose(), back.dispose();
});

test('fromTfjs: models TF.js builds and saves with Bidirectional (every merge, returnState) and initial states predict as TF.js', async () => {
  const x = tf.input({ shape: [5, 3] }), s = tf.input({ shape: [2] });
  const [y, hf, hb] = tf.layers.bidirectional({ layer: tf.layers.gru({ units: 2, returnSequences: true, returnState: true }), mergeMode: 'mul' }).apply(x);
  const z = tf.layers.bidirectional({ layer: tf.layers.lstm({ units: 2, returnSequences: true }), mergeMode: 'concat' }).apply(y);
  const w = tf.layers.lstm({ units: 2, returnSequences: true }).apply(z, { initialState: [hf, hb] });
  const [a, b] = tf.layers.bidirectional({ layer: tf.layers.simpleRNN({ units: 3 }), mergeMode: null }).apply(w);
  const v = tf.layers.simpleRNN({ units: 2 }).apply(x, { initialState: [s] });
  const sum = tf.layers.bidirectional({ layer: tf.layers.gru({ units: 2 }), mergeMode: 'sum' }).apply(x);
  const model = tf.model({ inputs: [x, s], outputs: [a, b, v, sum] });
  model.setWeights(model.weights.map((t, i) => tf.tensor(randomArray(t.shape.reduce((m, d) => m * d, 1), 30 + i, -0.6, 0.6), t.shape)));
  const saved = [];
  await model.save(tf.io.withSaveHandler(async (artifacts) => (saved.push(artifacts), { modelArtifactsInfo: {} })));
  const { modelTopology, weightSpecs, weightData } = saved[0];
  const imported = sn.fromTfjs({ modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: weightSpecs }] }, weightData);
  const xs = [randomArray(4 * 15, 5, -1, 1), randomArray(4 * 2, 6, -1, 1)];
  const theirs = tf.tidy(() => model.predict([tf.tensor(xs[0], [4, 5, 3]), tf.tensor(xs[1], [4, 2])]).map((t) => t.dataSync().slice()));
  imported.predict(xs).forEach((p, k) => assertNear(p, theirs[k], `output ${k}`));
  assert.deepEqual(imported.layers.filter((l) => l.type === 'Bidirectional').map((l) => l.mergeMode), ['mul', 'concat', null, 'sum']);
  model.dispose();
  imported.dispose();
});
