// SimpleRNN, LSTM and GRU against TensorFlow.js (@tensorflow/tfjs, cpu
// backend, the oracle): small sequence models trained 3 epochs from TF.js'
// initial weights, shuffle: false (test/support/tfjs-train.js: losses within
// 1e-4 relative, weights within 2e-4 of their largest value), with SGD and
// Adam; returnSequences into another recurrent layer and into flatten,
// goBackwards both ways. TF.js' GRU has only resetAfter: false; Keras 3's
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
// TF.js adds Adam's epsilon to the bias-corrected √v̂, Keras (and we) to √v: a tiny epsilon makes them agree.
const adam = () => ({ sn: sn.optimizers.adam({ learningRate: 0.01, epsilon: 1e-10 }), tf: tf.train.adam(0.01, 0.9, 0.999, 1e-10) });
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
  test(`TF.js: ${name} trains as in TF.js (SGD and Adam)`, async () => {
    assertAgree(await trainBoth({ inputShape: INPUT, layers }), `${name}, SGD`);
    assertAgree(await trainBoth({ inputShape: INPUT, layers }, { optimizer: adam, seed: 2 }), `${name}, Adam`);
  });
}

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
