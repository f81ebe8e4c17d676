// Sequence outputs and the layers around them against TensorFlow.js
// (@tensorflow/tfjs, cpu backend, the oracle): models with an output of shape
// [steps, classes] trained 3 epochs from TF.js' initial weights
// (test/support/tfjs-train.js: loss and accuracy histories, weights) — sparse
// labels per step with sparseCategoricalCrossentropy and accuracy, one-hot
// targets per step, mse on a [steps, k] output — through timeDistributed(dense),
// layerNormalization, Dense on the last axis of rank-3 inputs, repeatVector
// and permute. Then the TF.js JSON both ways (toTfjs → tf.loadLayersModel
// predicts as we do; models saved by TF.js import and predict as TF.js) and the
// model file round trip.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import * as sn from '../web/index.js';
import { randomArray } from './support/models.js';
import { savedByTfjs, tfjsPredict } from './support/tfjs-saved.js';
import { assertAgree, trainBoth } from './support/tfjs-train.js';

await tf.setBackend('cpu');
await sn.ready();

// TF.js adds Adam's epsilon to the bias-corrected √v̂, Keras (and we) to √v: a tiny epsilon makes them the same.
const adam = () => ({ sn: sn.optimizers.adam({ learningRate: 0.01, epsilon: 1e-10 }), tf: tf.train.adam(0.01, 0.9, 0.999, 1e-10) });

const SEQUENCE = {
  inputShape: [5, 4],
  layers: [
    { type: 'timeDistributed', layer: { type: 'dense', units: 6, activation: 'tanh', biasInitializer: 'randomNormal' } },
    { type: 'layerNormalization', betaInitializer: 'randomNormal', gammaInitializer: 'randomUniform' },
    { type: 'dense', units: 3, activation: 'softmax' },
  ],
};

test('TF.js: a sequence model with sparse labels per step trains as in TF.js (loss and accuracy, SGD and Adam)', async () => {
  for (const [what, optimizer] of [['SGD', undefined], ['Adam', adam]])
    assertAgree(await trainBoth(SEQUENCE, { optimizer, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'], seed: 3 }), `sequence, sparse, ${what}`);
});

test('TF.js: one-hot targets per step (categorical cross-entropy and accuracy), after layer norms and a Dense on the last axis', async () => {
  const spec = {
    inputShape: [7, 3],
    layers: [ // a Sequential's first Dense would flatten (web/layers/dense.js): a layer norm comes first
      { type: 'layerNormalization', epsilon: 0.01 }, // TF.js 4.22 cannot train one without scale or center: those are predicted below
      { type: 'dense', units: 5, activation: 'relu' },
      { type: 'layerNormalization' },
      { type: 'activation', activation: 'tanh' }, // TF.js 4.22 fails to train timeDistributed(activation): predict tests it
      { type: 'timeDistributed', layer: { type: 'dense', units: 3, activation: 'softmax' } },
    ],
  };
  assertAgree(await trainBoth(spec, { optimizer: adam, metrics: ['accuracy'], seed: 4 }), 'one-hot per step');
});

test('TF.js: Dense on the last axis of a rank-3 input, then flatten', async () => {
  const spec = {
    inputShape: [4, 3, 5],
    layers: [
      { type: 'layerNormalization', gammaInitializer: 'randomNormal' },
      { type: 'dense', units: 4, activation: 'tanh', biasInitializer: 'randomNormal' },
      { type: 'dense', units: 2, useBias: false },
      { type: 'flatten' },
      { type: 'dense', units: 3, activation: 'softmax' },
    ],
  };
  assertAgree(await trainBoth(spec, { metrics: ['accuracy'], seed: 5 }), 'dense on rank 3');
});

test('TF.js: repeatVector into a per-step output trained with mse', async () => {
  const spec = {
    inputShape: [6],
    layers: [
      { type: 'dense', units: 4, activation: 'tanh' },
      { type: 'repeatVector', n: 5 },
      { type: 'timeDistributed', layer: { type: 'dense', units: 3, activation: 'tanh' } },
      { type: 'dense', units: 2 },
    ],
  };
  assertAgree(await trainBoth(spec, { loss: 'meanSquaredError', metrics: ['mse'], seed: 6 }), 'repeat vector, mse on [5, 2]');
});

test('TF.js: permute [2, 1] of a sequence and a rank-3 permutation', async () => {
  const sequence = { inputShape: [5, 4], layers: [{ type: 'permute', dims: [2, 1] }, { type: 'dense', units: 3, activation: 'tanh' }, { type: 'flatten' }, { type: 'dense', units: 3, activation: 'softmax' }] };
  assertAgree(await trainBoth(sequence, { seed: 7 }), 'permute [2, 1]');
  const image = { inputShape: [3, 4, 2], layers: [{ type: 'permute', dims: [3, 1, 2] }, { type: 'dense', units: 2, activation: 'tanh' }, { type: 'permute', dims: [2, 3, 1] }, { type: 'flatten' }, { type: 'dense', units: 3, activation: 'softmax' }] };
  assertAgree(await trainBoth(image, { seed: 8 }), 'permute [3, 1, 2] and [2, 3, 1]');
});

/** A model of every layer here, in simdnet: sequence in, [steps, 3] out. */
function sequenceModel(seed = 9) {
  const x = sn.input({ shape: [5, 4] });
  const td = sn.layers.timeDistributed({ layer: sn.layers.dense({ units: 6, activation: 'tanh', biasInitializer: 'randomNormal' }) }).apply(x);
  const ln = sn.layers.layerNormalization({ epsilon: 0.01, betaInitializer: 'randomNormal' }).apply(td);
  const p = sn.layers.permute({ dims: [2, 1] }).apply(ln); // [6, 5]
  const d = sn.layers.dense({ units: 5, activation: 'relu' }).apply(p); // on the last axis: [6, 5]
  const back = sn.layers.permute({ dims: [2, 1] }).apply(d); // [5, 6]
  const pooled = sn.layers.flatten().apply(sn.layers.dense({ units: 1 }).apply(back)); // [5]
  const repeated = sn.layers.repeatVector({ n: 5 }).apply(pooled); // [5, 5]
  const out = sn.layers.dense({ units: 3, activation: 'softmax' }).apply(sn.layers.concatenate().apply([repeated, back]));
  return sn.model({ inputs: x, outputs: out, seed });
}

test('toTfjs: TF.js loads every one of these layers and predicts as we do; fromTfjs brings them back', async () => {
  const model = sequenceModel();
  const x = randomArray(6 * 20, 2, -2, 2);
  const saved = model.toTfjs();
  const td = saved.modelJson.modelTopology.config.layers.find((l) => l.class_name === 'TimeDistributed');
  assert.equal(td.config.layer.class_name, 'Dense');
  assert.deepEqual(saved.modelJson.weightsManifest[0].weights.slice(0, 2).map((w) => w.name), ['time_distributed/kernel', 'time_distributed/bias']);
  const ours = model.predict(x), theirs = await tfjsPredict(JSON.parse(JSON.stringify(saved.modelJson)), saved.weightsBin, x, [5, 4]);
  assert.equal(ours.length, 6 * 5 * 3);
  ours.forEach((v, i) => assert.ok(Math.abs(v - theirs[i]) < 1e-5, `output ${i}: ${v}, TF.js ${theirs[i]}`));
  const back = sn.fromTfjs(saved.modelJson, saved.weightsBin);
  assert.equal(back.summary(), model.summary());
  assert.deepEqual(back.predict(x), ours);
  model.dispose();
  back.dispose();
});

test('fromTfjs: TF.js models with timeDistributed, layerNormalization, repeatVector, permute and a Dense on a rank-3 input predict as in TF.js', async () => {
  const models = {
    sequential: [[5, 4], () => [
      tf.layers.timeDistributed({ layer: tf.layers.dense({ units: 3, activation: 'relu' }), inputShape: [5, 4] }),
      tf.layers.layerNormalization({ axis: -1, epsilon: 0.01 }),
      tf.layers.layerNormalization({ center: false }),
      tf.layers.timeDistributed({ layer: tf.layers.activation({ activation: 'tanh' }) }),
      tf.layers.layerNormalization({ scale: false }),
      tf.layers.permute({ dims: [2, 1] }),
      tf.layers.dense({ units: 2 }),
    ]],
    'first Dense on a sequence': [[5, 4], () => [tf.layers.dense({ units: 3, inputShape: [5, 4], activation: 'tanh' }), tf.layers.layerNormalization({ axis: 2 }), tf.layers.dense({ units: 2, activation: 'softmax' })]],
    'first Dense on rank 3': [[3, 2, 4], () => [tf.layers.dense({ units: 3, inputShape: [3, 2, 4] }), tf.layers.flatten(), tf.layers.dense({ units: 2 })]],
    'repeat vector': [[4], () => [tf.layers.dense({ units: 3, inputShape: [4] }), tf.layers.repeatVector({ n: 6 }), tf.layers.timeDistributed({ layer: tf.layers.dense({ units: 2 }) })]],
  };
  for (const [what, [inputShape, layers]] of Object.entries(models)) {
    const tfModel = tf.sequential({ layers: layers() });
    tfModel.setWeights(tfModel.weights.map((w, i) => tf.tensor(randomArray(w.shape.reduce((a, b) => a * b, 1), 30 + i, 0.2, 1.2), w.shape)));
    const x = randomArray(7 * inputShape.reduce((a, b) => a * b, 1), 4, -2, 2);
    const expected = tf.tidy(() => tfModel.predict(tf.tensor(x, [7, ...inputShape])).dataSync().slice());
    const { modelJson, weightsBin } = await savedByTfjs(tfModel);
    tfModel.dispose();
    const model = sn.fromTfjs(modelJson, weightsBin);
    assert.deepEqual(model.outputs[0].shape, [null, ...tfModel.outputs[0].shape.slice(1)], what);
    const got = model.predict(x);
    assert.equal(got.length, expected.length, what);
    got.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-4 * Math.max(1, Math.abs(expected[i])), `${what}: output ${i}: ${v}, TF.js ${expected[i]}`));
    model.dispose();
  }
});

test('model file: a trained sequence model reloads with the same layers, predictions and training state', async () => {
  const model = sequenceModel(11);
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const x = randomArray(6 * 20, 3, -2, 2), labels = Array.from({ length: 6 }, (_, r) => Array.from({ length: 5 }, (_, s) => (r + s) % 3));
  await model.fit(x, labels, { epochs: 2, batchSize: 4 });
  const copy = sn.loadModel(model.save());
  assert.equal(copy.summary(), model.summary());
  assert.deepEqual(copy.predict(x), model.predict(x));
  const [a, b] = [await model.fit(x, labels, { epochs: 1, batchSize: 4, shuffle: false }), await copy.fit(x, labels, { epochs: 1, batchSize: 4, shuffle: false })];
  assert.deepEqual(b.history, a.history);
  model.dispose();
  copy.dispose();
});
