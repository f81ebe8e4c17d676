// Keras masks against TensorFlow.js (@tensorflow/tfjs, cpu backend, the
// oracle; test/support/tfjs-train.js: 3 epochs from TF.js' initial weights,
// shuffle: false, SGD, losses within 1e-4 relative, weights within 2e-4 of
// their largest value): rows padded with id 0 (Embedding maskZero) or zero
// steps (Masking) at their end, their start and both, some wholly padded,
// into GRU (resetAfter false), LSTM and SimpleRNN, forwards and backwards.
// TF.js skips masked steps as Keras does (its rnn() carries the states), but
// its losses ignore masks: for an output that carries a mask, TF.js is given
// Keras 3's masked loss as its own loss function (Σ loss·mask / Σ mask over
// the batch, keras/src/losses/loss.py), the mask travelling in its targets.
// Then toTfjs → tf.loadLayersModel predicts masked models as we do, and
// fromTfjs reads them back.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import * as sn from '../web/index.js';
import { randomArray } from './support/models.js';
import { CLASSES, assertAgree, trainBoth } from './support/tfjs-train.js';

await tf.setBackend('cpu');
await sn.ready();

// [leading, trailing] padded steps, row by row: none, at the end, at the start, both, all.
const PAD = [[0, 0], [0, 3], [2, 0], [1, 2], [0, 1], [3, 0], [0, 7]];
const momentum = () => ({ sn: sn.optimizers.sgd({ learningRate: 0.05, momentum: 0.9 }), tf: tf.train.momentum(0.05, 0.9) });
const dense = { type: 'dense', units: CLASSES, activation: 'softmax' };

test('TF.js: Embedding (maskZero) → GRU (resetAfter false) → Dense on padded rows trains as in TF.js', async () => {
  const spec = { inputShape: [7], tokens: 9, pad: PAD, layers: [
    { type: 'embedding', inputDim: 9, outputDim: 4, maskZero: true },
    { type: 'gru', units: 5, resetAfter: false, recurrentActivation: 'sigmoid', biasInitializer: 'randomNormal' },
    dense,
  ] };
  assertAgree(await trainBoth(spec), 'Embedding → GRU, SGD');
  const backwards = { ...spec, layers: spec.layers.map((l) => (l.type === 'gru' ? { ...l, goBackwards: true } : l)) };
  assertAgree(await trainBoth(backwards, { optimizer: momentum, seed: 2 }), 'Embedding → GRU goBackwards, momentum');
});

test('TF.js: Masking → SimpleRNN → Dense, and Masking → LSTM (goBackwards, returnSequences) → GRU → Dense, train as in TF.js', async () => {
  const simple = { inputShape: [7, 3], pad: PAD, layers: [
    { type: 'masking', maskValue: 0 },
    { type: 'simpleRNN', units: 4, biasInitializer: 'randomNormal' },
    dense,
  ] };
  assertAgree(await trainBoth(simple), 'Masking → SimpleRNN, SGD');
  const stacked = { inputShape: [7, 3], pad: PAD, layers: [
    { type: 'masking' },
    { type: 'lstm', units: 4, returnSequences: true, goBackwards: true, recurrentActivation: 'sigmoid' },
    { type: 'gru', units: 3, resetAfter: false, recurrentActivation: 'sigmoid' },
    dense,
  ] };
  assertAgree(await trainBoth(stacked, { optimizer: momentum, seed: 3 }), 'Masking → LSTM → GRU, momentum');
});

/**
 * Keras 3's sparse categorical cross-entropy of an output that carries a mask,
 * as a TF.js loss: targets [rows, steps, classes] (TF.js wants the output's
 * shape) hold each step's label and mask in their first two columns; the loss
 * is Σ ce·mask / Σ mask over the batch (0 when nothing is valid).
 */
function maskedSparseCrossentropy(yTrue, yPred) {
  return tf.tidy(() => {
    const [labels, mask] = tf.split(yTrue, [1, 1, CLASSES - 2], -1).slice(0, 2).map((t) => t.squeeze([-1]));
    const p = tf.clipByValue(yPred, 1e-7, 1 - 1e-7);
    const ce = tf.neg(tf.sum(tf.mul(tf.oneHot(labels.toInt(), yPred.shape.at(-1)), tf.log(p)), -1));
    return tf.div(tf.sum(tf.mul(ce, mask)), tf.maximum(tf.sum(mask), 1));
  });
}

/** TF.js' targets for it: each step's label, its mask (id ≠ 0), zeros. */
const labelsAndMask = ({ x, y }) => tf.tensor(Float32Array.from({ length: CLASSES * y.length }, (_, i) => {
  const step = Math.floor(i / CLASSES), column = i % CLASSES;
  return column === 0 ? y[step] : column === 1 ? Number(x[step] !== 0) : 0;
}), [x.length / 7, 7, CLASSES]);

test("TF.js: Embedding (maskZero) → LSTM (returnSequences) → TimeDistributed(Dense), sparse labels per step: the loss counts the valid steps (Keras 3's, TF.js given it)", async () => {
  const spec = { inputShape: [7], tokens: 9, pad: PAD, layers: [
    { type: 'embedding', inputDim: 9, outputDim: 4, maskZero: true },
    { type: 'lstm', units: 5, returnSequences: true, recurrentActivation: 'sigmoid' },
    { type: 'timeDistributed', layer: dense },
  ] };
  const options = { loss: 'sparseCategoricalCrossentropy', tfLoss: maskedSparseCrossentropy, tfTargets: labelsAndMask };
  assertAgree(await trainBoth(spec, options), 'Embedding → LSTM → TimeDistributed(Dense), SGD');
  assertAgree(await trainBoth(spec, { ...options, optimizer: momentum, seed: 4 }), 'Embedding → LSTM → TimeDistributed(Dense), momentum');
});

test('toTfjs: tf.loadLayersModel predicts masked models as we do; fromTfjs reads maskZero and Masking back', async () => {
  const cases = [
    { inputShape: [6], x: [[3, 1, 4, 0, 0, 0], [0, 0, 2, 7, 1, 8], [0, 0, 0, 0, 0, 0]], layers: [
      sn.layers.embedding({ inputDim: 9, outputDim: 3, maskZero: true, inputShape: [6] }),
      sn.layers.gru({ units: 4, resetAfter: false, returnSequences: true, goBackwards: true }),
      sn.layers.lstm({ units: 3 }),
    ] },
    { inputShape: [5, 2], x: randomArray(30, 3, -1, 1).map((v, i) => (Math.floor(i / 2) % 5 === 1 || i >= 24 ? 0.5 : v)), layers: [
      sn.layers.masking({ maskValue: 0.5, inputShape: [5, 2] }),
      sn.layers.simpleRNN({ units: 3, returnSequences: true }),
      sn.layers.timeDistributed({ layer: sn.layers.dense({ units: 2 }) }),
    ] },
  ];
  for (const { inputShape, x, layers } of cases) {
    const model = sn.sequential({ seed: 6, layers });
    model.setWeights(model.getWeights().map(({ values }, i) => randomArray(values.length, 50 + i, -0.6, 0.6)));
    const want = model.predict(x);
    const { modelJson, weightsBin } = model.toTfjs();
    const weightSpecs = modelJson.weightsManifest.flatMap((g) => g.weights);
    const tfModel = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs, weightData: weightsBin }));
    const flat = Array.from(x).flat(), rows = flat.length / inputShape.reduce((a, b) => a * b, 1);
    const got = tf.tidy(() => tfModel.predict(tf.tensor(flat, [rows, ...inputShape], inputShape.length === 1 ? 'int32' : 'float32')).dataSync().slice());
    const worst = got.reduce((m, v, i) => Math.max(m, Math.abs(v - want[i])), 0);
    assert.ok(worst <= 1e-5, `${layers[0].type} model in TF.js: off by ${worst}`);
    const back = sn.fromTfjs(JSON.parse(JSON.stringify(modelJson)), weightsBin);
    assert.deepEqual(back.predict(x), want, `${layers[0].type} model back from TF.js`);
    assert.equal(back.layers[0].type === 'Embedding' ? back.layers[0].maskZero : back.layers[0].maskValue, layers[0].type === 'Embedding' ? true : 0.5);
    tfModel.dispose();
    back.dispose();
    model.dispose();
  }
});
