// SimpleRNN, LSTM and GRU against TensorFlow.js (@tensorflow/tfjs, cpu
// backend, the oracle): small sequence models trained 3 epochs from TF.js'
// initial weights, shuffle: false (test/support/tfjs-train.js: losses within
// 1e-4 relative, weights within 2e-4 of their largest value), with SGD and
// SGD with momentum; returnSequences into another recurrent layer and into flatten,
// goBackwards both ways; token ids through an Embedding, every step into a
// Dense (sparse labels per step). TF.js' GRU has only resetAfter: false; Keras 3's
// default (true) is checked against Keras' equations in float64
// (test/rnn.test.js). Then toTfjs → tf.loadLayersModel predicts as we do, and
// models TF.js builds and saves (its defaults: hardSigmoid gates of slope 0.2,
// glorotNormal kernels) import and predict as TF.js.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import * as sn from '../web/index.js';
import { randomArray } from './support/models.js';
import { savedByTfjs } from './support/tfjs-saved.js';
import { CLASSES, assertAgree, trainBoth } from './support/tfjs-train.js';

await tf.setBackend('cpu');
await sn.ready();

const INPUT = [6, 4];
// SGD, and SGD with momentum (TF.js' momentum optimizer is the same update): their weights agree with TF.js'
// to about 1e-7 of their scale. Not Adam: TF.js draws its initial weights anew in every run, and from some of
// them a few gradient elements change sign between batches, so m nearly cancels and Adam's m/√v turns their
// last-bit differences into weight differences of up to 1e-3 (an Embedding's small vectors make that common).
const momentum = () => ({ sn: sn.optimizers.sgd({ learningRate: 0.05, momentum: 0.9 }), tf: tf.train.momentum(0.05, 0.9) });
const dense = { type: 'dense', units: CLASSES, activation: 'softmax' };

// TF.js' gates default to hardSigmoid (slope 0.2), Keras' (and ours) to sigmoid: said explicitly.
const SPECS = {
  'LSTM → Dense': [{ type: 'lstm', units: 5, recurrentActivation: 'sigmoid', biasInitializer: 'randomNormal' }, dense],
  'GRU (resetAfter false) → Dense': [{ type: 'gru', units: 4, recurrentActivation: 'sigmoid', resetAfter: false, biasInitializer: 'randomNormal' }, dense],
  'SimpleRNN (returnSequences) → SimpleRNN → Dense': [
    { type: 'simpleRNN', units: 5, returnSequences: true, biasInitializer: 'randomNormal' },
    { type: 'simpleRNN', units: 3, activation: 'relu' },
    dense,
  ],
  'LSTM goBackwards → Dense': [{ type: 'lstm', units: 3, recurrentActivation: 'sigmoid', goBackwards: true, useBias: false }, dense],
  'GRU goBackwards, returnSequences → flatten → Dense': [
    { type: 'gru', units: 3, recurrentActivation: 'sigmoid', resetAfter: false, goBackwards: true, returnSequences: true },
    { type: 'flatten' },
    dense,
  ],
};

for (const [name, layers] of Object.entries(SPECS)) {
  test(`TF.js: ${name} trains as in TF.js (SGD, and with momentum)`, async () => {
    assertAgree(await trainBoth({ inputShape: INPUT, layers }), `${name}, SGD`);
    assertAgree(await trainBoth({ inputShape: INPUT, layers }, { optimizer: momentum, seed: 2 }), `${name}, SGD with momentum`);
  });
}

// Token ids through an Embedding into a recurrent layer whose every step feeds a Dense on the last axis
// (one class per step, sparse labels): the text models' shape.
test('TF.js: Embedding → LSTM (returnSequences) → Dense per step, and Embedding → GRU → Dense, train as in TF.js', async () => {
  const perStep = { inputShape: [7], tokens: 11, layers: [
    { type: 'embedding', inputDim: 11, outputDim: 4 },
    { type: 'lstm', units: 5, returnSequences: true, recurrentActivation: 'sigmoid' },
    { type: 'dense', units: CLASSES, activation: 'softmax' },
  ] };
  assertAgree(await trainBoth(perStep, { loss: 'sparseCategoricalCrossentropy' }), 'Embedding → LSTM → Dense per step, SGD');
  assertAgree(await trainBoth(perStep, { loss: 'sparseCategoricalCrossentropy', optimizer: momentum, seed: 3 }), 'Embedding → LSTM → Dense per step, momentum');
  const last = { inputShape: [6], tokens: 9, layers: [
    { type: 'embedding', inputDim: 9, outputDim: 3 },
    { type: 'gru', units: 4, resetAfter: false, recurrentActivation: 'sigmoid', goBackwards: true },
    dense,
  ] };
  assertAgree(await trainBoth(last, { optimizer: momentum }), 'Embedding → GRU → Dense, momentum');
});

const closeTo = (actual, expected, what, tol = 1e-5) => {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  assert.ok(worst <= tol, `${what}: off by ${worst}`);
};

// Options TF.js can read, none of them the default.
const EXPORTED = [
  { type: 'lstm', units: 4, returnSequences: true, goBackwards: true, unitForgetBias: false, recurrentActivation: { name: 'hardSigmoid', slope: 0.2 }, activation: 'relu' },
  { type: 'gru', units: 3, resetAfter: false, returnSequences: true, useBias: false, recurrentActivation: 'tanh' },
  { type: 'simpleRNN', units: 2, goBackwards: true, activation: 'sigmoid', recurrentInitializer: { name: 'orthogonal', gain: 0.5 } },
  dense,
];

test('toTfjs: tf.loadLayersModel reads the three kinds and predicts as we do; fromTfjs reads them back', async () => {
  const model = sn.sequential({ seed: 4 });
  EXPORTED.forEach(({ type, ...options }, i) => model.add(sn.layers[type](i ? options : { ...options, inputShape: INPUT })));
  model.setWeights(model.getWeights().map(({ values }, i) => randomArray(values.length, 40 + i, -0.6, 0.6)));
  const x = randomArray(3 * 6 * 4, 7, -1, 1);
  const { modelJson, weightsBin } = model.toTfjs();
  const weightSpecs = modelJson.weightsManifest.flatMap((g) => g.weights);
  const tfModel = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs, weightData: weightsBin }));
  const want = model.predict(x);
  closeTo(tf.tidy(() => tfModel.predict(tf.tensor(x, [3, ...INPUT])).dataSync().slice()), want, 'in TF.js');
  assert.deepEqual(tfModel.layers.map((l) => l.getClassName()), ['LSTM', 'GRU', 'SimpleRNN', 'Dense']);
  assert.equal(tfModel.layers[2].getConfig().recurrentInitializer.config.gain, 0.5);
  const back = sn.fromTfjs(JSON.parse(JSON.stringify(modelJson)), weightsBin);
  closeTo(back.predict(x), want, 'back from TF.js', 0);
  tfModel.dispose();
  back.dispose();
  model.dispose();
});

test('fromTfjs: models built and saved by TF.js with its defaults import and predict as TF.js', async () => {
  const tfModel = tf.sequential();
  tfModel.add(tf.layers.lstm({ units: 5, returnSequences: true, inputShape: INPUT }));
  tfModel.add(tf.layers.gru({ units: 4, returnSequences: true, goBackwards: true }));
  tfModel.add(tf.layers.simpleRNN({ units: 3 }));
  tfModel.add(tf.layers.dense({ units: 2 }));
  tfModel.setWeights(tfModel.weights.map((w, i) => tf.tensor(randomArray(w.shape.reduce((a, b) => a * b, 1), 60 + i, -0.6, 0.6), w.shape)));
  const { modelJson, weightsBin } = await savedByTfjs(tfModel);
  const model = sn.fromTfjs(modelJson, weightsBin);
  const x = randomArray(2 * 6 * 4, 8, -2, 2);
  closeTo(model.predict(x), tf.tidy(() => tfModel.predict(tf.tensor(x, [2, ...INPUT])).dataSync().slice()), 'from TF.js');
  const [l, g] = model.layers;
  assert.deepEqual([l.recurrentActivation, g.recurrentActivation].map((a) => [a.name, a.alpha]), [['hardSigmoid', 0.2], ['hardSigmoid', 0.2]], "TF.js' hard sigmoid");
  assert.deepEqual([g.resetAfter, g.goBackwards, l.returnSequences], [false, true, true]);
  model.dispose();
  tfModel.dispose();
});
