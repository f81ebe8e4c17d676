// Keras masks beyond what TF.js can check (test/mask.tfjs.test.js), against
// float64 references of Keras 3's equations, their gradients by central
// differences: GlobalAveragePooling1D's mean over the valid steps (TF.js
// ignores the mask there), Keras 3's masked loss and accuracy of a sequence
// output (per batch Σ loss·mask / Σ mask, the epoch's the batches' weighted by
// their samples; TF.js' losses ignore masks), a mask reaching the loss through
// every layer that passes it on, merges' OR of their inputs' masks (TF.js ANDs
// them); zeroOutputForMask; masks into layers that cannot take one refused with
// an Error naming the layer, the model as it was; the model file and TF.js
// JSON keep maskZero, Masking and zeroOutputForMask.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as sn from '../web/index.js';
import { randomArray } from './support/models.js';

await sn.ready();

const L = sn.layers;
const closeTo = (actual, expected, what, tol = 1e-5) => {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  assert.ok(worst <= tol, `${what}: off by ${worst}`);
};

/** Softmax of a row of logits, in float64. */
function softmax(z) {
  const max = Math.max(...z), e = z.map((v) => Math.exp(v - max)), sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

/**
 * Gradients of lossOf(weights) (float64) by central differences, weight by
 * weight, against the model's computeGradients on the same data.
 */
function checkGradients(model, x, y, lossOf, what) {
  const weights = model.getWeights().map((w) => Float64Array.from(w.values));
  const { loss, grads } = model.computeGradients(x, y);
  assert.ok(Math.abs(loss - lossOf(weights)) <= 1e-6 * Math.abs(loss), `${what}: loss ${loss}, float64 ${lossOf(weights)}`);
  const h = 1e-5;
  grads.forEach((g, t) => {
    for (let i = 0; i < g.length; i++) {
      const saved = weights[t][i];
      weights[t][i] = saved + h;
      const up = lossOf(weights);
      weights[t][i] = saved - h;
      const down = lossOf(weights);
      weights[t][i] = saved;
      const numeric = (up - down) / (2 * h);
      assert.ok(Math.abs(g[i] - numeric) <= 1e-5 + 1e-3 * Math.abs(numeric), `${what}: ${model.getWeights()[t].name}[${i}] is ${g[i]}, central differences ${numeric}`);
    }
  });
}

// Token ids padded with 0 at the end, the start, both, wholly.
const IDS = [[3, 1, 4, 1, 5, 0], [0, 0, 2, 6, 5, 3], [0, 5, 3, 5, 0, 0], [0, 0, 0, 0, 0, 0], [2, 7, 1, 8, 2, 8]];
const STEPS = 6, VOCAB = 9;

test('globalAveragePooling1d after a mask: the mean over the valid steps (0 for a row with none), and its gradients, against float64', () => {
  const model = sn.sequential({ seed: 3, layers: [
    L.embedding({ inputDim: VOCAB, outputDim: 3, maskZero: true, inputShape: [STEPS] }),
    L.globalAveragePooling1d(),
    L.dense({ units: 3, activation: 'softmax' }),
  ] });
  model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
  model.setWeights(model.getWeights().map(({ values }, i) => randomArray(values.length, 20 + i, -0.8, 0.8)));
  const y = sn.data.oneHot([0, 1, 2, 1, 0], 3);
  // Keras 3's GlobalAveragePooling1D.call: Σ where(mask, x, 0) / Σ mask; its Dense and softmax; the mean cross-entropy.
  const forward = ([table, kernel, bias]) => IDS.map((ids) => {
    const valid = ids.filter((id) => id !== 0), pooled = [0, 1, 2].map((j) => valid.reduce((s, id) => s + table[id * 3 + j], 0) / (valid.length || Infinity));
    return softmax([0, 1, 2].map((k) => bias[k] + pooled.reduce((s, v, j) => s + v * kernel[j * 3 + k], 0)));
  });
  const lossOf = (w) => forward(w).reduce((s, p, r) => s - Math.log(p[[0, 1, 2].find((k) => y[r * 3 + k] === 1)]), 0) / IDS.length;
  closeTo(model.predict(IDS), forward(model.getWeights().map((w) => w.values)).flat(), 'predictions', 1e-6);
  checkGradients(model, IDS, y, lossOf, 'Embedding (maskZero) → GlobalAveragePooling1D → Dense');
  model.dispose();
});

test("a sequence output that carries a mask: Keras 3's loss over the valid steps per batch, the epoch's weighted by samples, accuracy over the valid steps; gradients against float64", () => {
  const model = sn.sequential({ seed: 4, layers: [
    L.embedding({ inputDim: VOCAB, outputDim: 4, maskZero: true, inputShape: [STEPS] }),
    L.dense({ units: 3, activation: 'softmax' }),
  ] });
  model.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  model.setWeights(model.getWeights().map(({ values }, i) => randomArray(values.length, 30 + i, -1, 1)));
  const labels = IDS.map((ids, r) => ids.map((id, s) => (id + r + s) % 3));
  const probs = ([table, kernel, bias]) => IDS.map((ids) => ids.map((id) => softmax([0, 1, 2].map((k) => bias[k] + [0, 1, 2, 3].reduce((s, j) => s + table[id * 4 + j] * kernel[j * 3 + k], 0)))));
  // keras/src/losses/loss.py apply_mask: Σ loss·mask / Σ mask over the batch's rows (0 without a valid step).
  const batchLoss = (p, rows) => {
    let sum = 0, count = 0;
    for (const r of rows) IDS[r].forEach((id, s) => {
      if (id !== 0) sum -= Math.log(p[r][s][labels[r][s]]), count++;
    });
    return count ? sum / count : 0;
  };
  const all = [0, 1, 2, 3, 4];
  checkGradients(model, IDS, labels, (w) => batchLoss(probs(w), all), 'Embedding (maskZero) → Dense per step');
  const p = probs(model.getWeights().map((w) => w.values));
  let correct = 0, valid = 0;
  IDS.forEach((ids, r) => ids.forEach((id, s) => {
    if (id === 0) return;
    valid++;
    correct += p[r][s].indexOf(Math.max(...p[r][s])) === labels[r][s] ? 1 : 0;
  }));
  const one = model.evaluate(IDS, labels, { batchSize: 5 });
  assert.ok(Math.abs(one.loss - batchLoss(p, all)) <= 1e-6 * one.loss, `one batch: ${one.loss}, float64 ${batchLoss(p, all)}`);
  assert.equal(one.accuracy, correct / valid, 'accuracy over the valid steps');
  // Batches of 2, 2, 1 (the last one wholly padded: loss 0): Keras' epoch loss weighs each batch's by its rows.
  const split = model.evaluate(IDS, labels, { batchSize: 2 });
  const want = (2 * batchLoss(p, [0, 1]) + 2 * batchLoss(p, [2, 3]) + 1 * batchLoss(p, [4])) / 5;
  assert.ok(Math.abs(split.loss - want) <= 1e-6 * want, `batches of 2: ${split.loss}, float64 ${want}`);
  assert.ok(Math.abs(split.loss - one.loss) > 1e-4, 'batches weigh by their rows, not their valid steps');
  assert.equal(split.accuracy, correct / valid, 'accuracy counts steps over the epoch');
  assert.deepEqual(model.evaluate([IDS[3]], [labels[3]]), { loss: 0, accuracy: 0 }, 'no valid step: 0, as Keras divides (divide_no_nan)');
  model.dispose();
});

test('a mask reaches the loss through Dense, Dropout, Activation, LayerNormalization, BatchNormalization and TimeDistributed', () => {
  const model = sn.sequential({ seed: 5, layers: [
    L.embedding({ inputDim: VOCAB, outputDim: 4, maskZero: true, inputShape: [STEPS] }),
    L.dense({ units: 5, activation: 'relu' }),
    L.dropout({ rate: 0.3 }),
    L.activation({ activation: 'tanh' }),
    L.layerNormalization(),
    L.batchNormalization(),
    L.timeDistributed({ layer: L.dense({ units: 3, activation: 'softmax' }) }),
  ] });
  model.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
  const labels = IDS.map((ids) => ids.map((id) => id % 3));
  const p = model.predict(IDS);
  let sum = 0, count = 0, everywhere = 0;
  IDS.flat().forEach((id, i) => {
    const ce = -Math.log(p[i * 3 + labels.flat()[i]]);
    everywhere += ce / IDS.flat().length;
    if (id !== 0) sum += ce, count++;
  });
  const { loss } = model.evaluate(IDS, labels, { batchSize: 8 });
  assert.ok(Math.abs(loss - sum / count) <= 1e-6 * loss && Math.abs(loss - everywhere) > 1e-4, `loss ${loss}: valid steps ${sum / count}, every step ${everywhere}`);
  model.dispose();
});

test("merges: Keras 3's OR of their inputs' masks (one maker's mask stays itself); an unmasked input ends the mask", () => {
  const S = 5, a = sn.input({ shape: [S, 2] }), b = sn.input({ shape: [S, 2] });
  const ma = L.masking({ maskValue: -1 }).apply(a), mb = L.masking().apply(b);
  const sum = L.add().apply([ma, mb]);
  const orPooled = L.globalAveragePooling1d().apply(sum);
  const same = L.globalAveragePooling1d().apply(L.average().apply([L.dense({ units: 2, useBias: false }).apply(ma), ma]));
  const cat = L.globalAveragePooling1d().apply(L.concatenate().apply([ma, b]));
  const model = sn.model({ inputs: [a, b], outputs: [orPooled, same, cat] });
  const xa = randomArray(3 * S * 2, 1, 0, 1), xb = randomArray(3 * S * 2, 2, 0.1, 1);
  const maskedA = [[0, 1], [0, 3], [1, 0], [1, 1], [1, 2], [1, 3], [1, 4], [2, 2]], maskedB = [[0, 1], [0, 2], [1, 0], [1, 1], [1, 2], [1, 3], [1, 4]];
  for (const [r, s] of maskedA) xa.fill(-1, (r * S + s) * 2, (r * S + s + 1) * 2);
  for (const [r, s] of maskedB) xb.fill(0, (r * S + s) * 2, (r * S + s + 1) * 2);
  const [gotOr, gotSame, gotCat] = model.predict([xa, xb]);
  const isMasked = (list, r, s) => list.some(([rr, ss]) => rr === r && ss === s);
  const [kernel] = model.getWeights().filter((w) => w.name.endsWith('kernel')).map((w) => w.values);
  for (let r = 0; r < 3; r++) {
    const va = (s) => !isMasked(maskedA, r, s), vb = (s) => !isMasked(maskedB, r, s);
    const steps = [...Array(S).keys()];
    const at = (x, valid, s, j) => (valid(s) ? x[(r * S + s) * 2 + j] : 0); // what a Masking layer outputs
    const mean = (valid, f) => {
      const kept = steps.filter(valid);
      return [0, 1].map((j) => (kept.length ? kept.reduce((acc, s) => acc + f(s, j), 0) / kept.length : 0));
    };
    closeTo(gotOr.subarray(r * 2, r * 2 + 2), mean((s) => va(s) || vb(s), (s, j) => at(xa, va, s, j) + at(xb, vb, s, j)), `row ${r}: the OR`, 1e-6);
    const dense = (s, j) => at(xa, va, s, 0) * kernel[j] + at(xa, va, s, 1) * kernel[2 + j];
    closeTo(gotSame.subarray(r * 2, r * 2 + 2), mean(va, (s, j) => (dense(s, j) + at(xa, va, s, j)) / 2), `row ${r}: one maker's mask`, 1e-6);
    const cols = [0, 1, 2, 3].map((j) => steps.reduce((acc, s) => acc + (j < 2 ? at(xa, va, s, j) : xb[(r * S + s) * 2 + j - 2]), 0) / S);
    closeTo(gotCat.subarray(r * 4, r * 4 + 4), cols, `row ${r}: concatenate with an unmasked input: every step`, 1e-6);
  }
  model.dispose();
});

test('zeroOutputForMask: masked steps output zeros, the valid ones as without it', () => {
  const build = (zero) => {
    const model = sn.sequential({ seed: 9, layers: [
      L.embedding({ inputDim: VOCAB, outputDim: 3, maskZero: true, inputShape: [STEPS] }),
      L.lstm({ units: 2, returnSequences: true, zeroOutputForMask: zero }),
    ] });
    model.setWeights(model.getWeights().map(({ values }, i) => randomArray(values.length, 60 + i, -0.7, 0.7)));
    return model;
  };
  const [plain, zeroed] = [build(false), build(true)];
  const p = plain.predict(IDS), z = zeroed.predict(IDS);
  IDS.flat().forEach((id, i) => {
    const prev = i % STEPS ? Array.from(p.subarray((i - 1) * 2, i * 2)) : [0, 0];
    assert.deepEqual(Array.from(z.subarray(i * 2, i * 2 + 2)), id ? Array.from(p.subarray(i * 2, i * 2 + 2)) : [0, 0], `step ${i}`);
    if (!id) assert.deepEqual(Array.from(p.subarray(i * 2, i * 2 + 2)), prev, `step ${i}: without it, the previous output`);
  });
  assert.throws(() => L.gru({ units: 2, zeroOutputForMask: true }), /gru: zeroOutputForMask without returnSequences is not supported/);
  assert.throws(() => zeroed.toTfjs(), /toTfjs: LSTM lstm has zeroOutputForMask true, which TF.js' recurrent layers do not have/);
  plain.dispose();
  zeroed.dispose();
});

test('a mask into a layer that cannot take one: an Error naming the layer and the mask, the model as it was', () => {
  const refused = {
    conv1d: { filters: 2, kernelSize: 2 }, flatten: {}, reshape: { targetShape: [-1] }, permute: { dims: [2, 1] },
    maxPooling1d: {}, averagePooling1d: {}, globalMaxPooling1d: {}, zeroPadding1d: {}, cropping1d: { cropping: 1 }, upSampling1d: {},
  };
  for (const [factory, options] of Object.entries(refused)) {
    const model = sn.sequential({ layers: [L.embedding({ inputDim: VOCAB, outputDim: 3, maskZero: true, inputShape: [STEPS] })] });
    const layer = L[factory](options);
    assert.throws(() => model.add(layer), new RegExp(`^Error: \\w+ \\(${layer.type}\\) does not support masking, but its input carries the mask made by embedding \\(Embedding with maskZero\\)`), factory);
    assert.equal(model.layers.length, 1, `${factory}: not added`);
    model.add(L.lstm({ units: 2, returnSequences: true }));
    assert.throws(() => model.add(L[factory](options)), /does not support masking/, `${factory} after a recurrent layer that passes the mask on`);
    model.dispose();
  }
  // The functional API: the layer gets no node.
  const input = sn.input({ shape: [4] });
  const masked = L.masking({ maskValue: 9 }).apply(input);
  const repeat = L.repeatVector({ n: 3 });
  assert.throws(() => repeat.apply(masked), /repeat_vector|RepeatVector\) does not support masking, but its input carries the mask made by (\(unnamed\)|masking) \(Masking\)/);
  assert.equal(repeat.inboundNodes.length, 0);
  // Layers that end a mask: a recurrent layer without returnSequences, globalAveragePooling1d, dot.
  const model = sn.sequential({ layers: [L.embedding({ inputDim: VOCAB, outputDim: 3, maskZero: true, inputShape: [STEPS] }), L.gru({ units: 2 }), L.repeatVector({ n: 2 }), L.flatten()] });
  assert.deepEqual(model.outputs[0].shape, [null, 4]);
  const ids = sn.input({ shape: [STEPS] }), e = L.embedding({ inputDim: VOCAB, outputDim: 3, maskZero: true }).apply(ids);
  assert.doesNotThrow(() => L.flatten().apply(L.dot({ axes: 2 }).apply([e, e])));
  assert.doesNotThrow(() => L.dense({ units: 1 }).apply(L.globalAveragePooling1d().apply(e)));
  model.dispose();
  assert.throws(() => L.masking({ maskValue: 'x' }), /masking maskValue must be a number/);
  assert.throws(() => L.masking({ value: 0 }), /masking: unknown option "value"/);
});

test('the model file and TF.js JSON keep maskZero, Masking and zeroOutputForMask', () => {
  const model = sn.sequential({ seed: 10, layers: [
    L.masking({ maskValue: 0.25, inputShape: [4, 3] }),
    L.gru({ units: 3, returnSequences: true, zeroOutputForMask: true }),
    L.timeDistributed({ layer: L.dense({ units: 2, activation: 'softmax' }) }),
  ] });
  model.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
  const x = randomArray(2 * 4 * 3, 5, -1, 1).map((v, i) => (i < 3 || i >= 21 ? 0.25 : v));
  const y = [[0, 1, 1, 0], [1, 1, 0, 1]];
  const back = sn.loadModel(model.save());
  assert.deepEqual(back.predict(x), model.predict(x));
  assert.equal(back.evaluate(x, y).loss, model.evaluate(x, y).loss);
  assert.deepEqual([back.layers[0].maskValue, back.layers[1].zeroOutputForMask], [0.25, true]);
  back.dispose();
  const ids = sn.sequential({ seed: 11, layers: [L.embedding({ inputDim: VOCAB, outputDim: 2, maskZero: true, inputShape: [STEPS] }), L.simpleRNN({ units: 2 })] });
  const { modelJson, weightsBin } = ids.toTfjs();
  assert.equal(modelJson.modelTopology.config.layers[0].config.mask_zero, true);
  const fromJson = sn.fromTfjs(modelJson, weightsBin), again = sn.loadModel(ids.save());
  assert.deepEqual(fromJson.predict(IDS), ids.predict(IDS));
  assert.deepEqual(again.predict(IDS), ids.predict(IDS));
  assert.equal(fromJson.layers[0].maskZero, true);
  // Keras writes zero_output_for_mask: a recurrent layer's comes in as zeroOutputForMask.
  const keras = JSON.parse(JSON.stringify(modelJson));
  Object.assign(keras.modelTopology.config.layers[1].config, { return_sequences: true, zero_output_for_mask: true });
  const imported = sn.fromTfjs(keras, weightsBin);
  assert.equal(imported.layers[1].zeroOutputForMask, true);
  const p = imported.predict(IDS);
  IDS.flat().forEach((id, i) => id || assert.deepEqual(Array.from(p.subarray(i * 2, i * 2 + 2)), [0, 0]));
  for (const m of [model, ids, fromJson, again, imported]) m.dispose();
});
