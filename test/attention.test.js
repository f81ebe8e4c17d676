// MultiHeadAttention (web/layers/attention.js, c/layer_attention.c) against Keras' equations in float64
// (test/support/attention-reference.js): a block Input [T, d] → self-attention (causal, and not) → residual
// add → layerNormalization → dense softmax, sparse cross-entropy per position: the loss within 1e-5 and every
// gradient within 2e-3 of its largest against central differences of the float64 reference. Also causality,
// attentionMask and maskZero padding against the reference, cross-attention against TF.js ops (cpu backend),
// returnAttentionScores, attentionScores, the Keras 3 fixture imported, and bad input refused.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import * as sn from '../web/index.js';
import { attention, centralDifferences, denseSoftmaxLoss, layerNorm } from './support/attention-reference.js';

await tf.setBackend('cpu');
await sn.ready();
const L = sn.layers;
const rand = (n, seed, scale = 1) => Float32Array.from({ length: n }, (_, i) => scale * Math.sin(1.7 * i + seed * 3.1 + 0.3 * i * i));
const rows = (x, T, d) => Array.from({ length: T }, (_, t) => Array.from(x.subarray(t * d, (t + 1) * d)));

function block({ T, d, heads, keyDim, valueDim, causal }) {
  const x = sn.input({ shape: [T, d] });
  const mha = L.multiHeadAttention({ numHeads: heads, keyDim, valueDim, name: 'mha', biasInitializer: { name: 'randomUniform', minval: -0.3, maxval: 0.3 } });
  const a = mha.apply([x, x], { useCausalMask: causal });
  const n = L.layerNormalization({ name: 'ln' }).apply(L.add().apply([x, a]));
  const out = L.dense({ units: 3, activation: 'softmax', name: 'out' }).apply(n);
  const model = sn.model({ inputs: x, outputs: out });
  model.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
  return model;
}

for (const causal of [true, false]) {
  test(`attention block (${causal ? 'causal' : 'not causal'}): loss and every gradient against float64 central differences`, () => {
    const cfg = { T: 5, d: 6, heads: 2, keyDim: 3, valueDim: 4, causal };
    const model = block(cfg);
    const names = model.getWeights().map((w) => w.name);
    assert.deepEqual(names.slice(0, 8), ['mha/query/kernel', 'mha/query/bias', 'mha/key/kernel', 'mha/key/bias', 'mha/value/kernel', 'mha/value/bias',
      'mha/attention_output/kernel', 'mha/attention_output/bias']);
    assert.deepEqual(model.getWeights()[0].shape, [6, 2, 3]);
    assert.deepEqual(model.getWeights()[6].shape, [2, 4, 6]);
    const n = 2, x = rand(n * cfg.T * cfg.d, 1), y = Float32Array.from({ length: n * cfg.T }, (_, i) => (i * 7) % 3);
    const weights = model.getWeights().map((w) => Float64Array.from(w.values));
    const loss = (ws) => {
      let total = 0;
      for (let r = 0; r < n; r++) {
        const xs = rows(x.subarray(r * cfg.T * cfg.d), cfg.T, cfg.d);
        const a = attention(ws.slice(0, 8), { numHeads: 2, keyDim: 3, valueDim: 4 }, xs, xs, xs, (t, s) => !causal || s <= t);
        const ln = layerNorm(xs.map((row, t) => row.map((v, i) => v + a[t][i])), ws[8], ws[9]);
        total += denseSoftmaxLoss(ln, ws[10], ws[11], Array.from(y.subarray(r * cfg.T, (r + 1) * cfg.T)));
      }
      return total / n;
    };
    const { loss: got, grads } = model.computeGradients(x, y);
    assert.ok(Math.abs(got - loss(weights)) < 1e-5, `loss ${got} vs reference ${loss(weights)}`);
    const numeric = centralDifferences(weights, loss);
    numeric.forEach((num, i) => {
      const largest = Math.max(...num.map(Math.abs));
      // key/bias adds q·bk to every score of a row, which the softmax ignores: its gradient is zero (Keras' too).
      if (names[i] !== 'mha/key/bias') assert.ok(largest > 1e-4, `${names[i]}: its gradient is not all zeros`);
      num.forEach((v, j) => assert.ok(Math.abs(grads[i][j] - v) <= 2e-3 * Math.max(largest, 1e-4), `${names[i]}[${j}]: ${grads[i][j]} vs ${v}`));
    });
    model.dispose();
  });
}

test('causality: changing position t leaves the outputs before t unchanged', () => {
  const T = 7, d = 4, x = sn.input({ shape: [T, d] });
  const out = L.multiHeadAttention({ numHeads: 2, keyDim: 3 }).apply([x, x], { useCausalMask: true });
  const model = sn.model({ inputs: x, outputs: out }), v = rand(T * d, 2), before = model.predict(v);
  for (const t of [1, 4, 6]) {
    const w = v.slice();
    w[t * d + 1] += 0.5;
    const after = model.predict(w);
    assert.deepEqual(after.subarray(0, t * d), before.subarray(0, t * d), `positions before ${t} unchanged`);
    assert.notDeepEqual(after.subarray(t * d, (t + 1) * d), before.subarray(t * d, (t + 1) * d), `position ${t} changed`);
  }
  model.dispose();
});

test('attentionMask and maskZero padding: masked keys get no weight, as the reference says', () => {
  const T = 4, S = 5, d = 3, vocab = 6;
  const q = sn.input({ shape: [T, d] }), ids = sn.input({ shape: [S] }), m = sn.input({ shape: [T, S] });
  const emb = L.embedding({ inputDim: vocab, outputDim: d, maskZero: true, name: 'emb' }).apply(ids);
  const mha = L.multiHeadAttention({ numHeads: 2, keyDim: 2, valueDim: 3, outputShape: 2, name: 'mha' });
  const out = mha.apply([q, emb], { attentionMask: m });
  const model = sn.model({ inputs: [q, ids, m], outputs: out });
  const xq = rand(T * d, 3), tokens = Float32Array.from([3, 1, 0, 5, 0]), mask = Float32Array.from({ length: T * S }, (_, i) => (i % 3 === 1 ? 0 : 1));
  mask.fill(0, S, 2 * S); // query row 1 masked everywhere: zeros, then the output bias
  const got = model.predict([xq, tokens, mask]);
  const w = model.getWeights(), table = w[0].values, ws = w.slice(1).map((t) => Float64Array.from(t.values));
  const vrows = Array.from(tokens, (id) => Array.from(table.subarray(id * d, id * d + d)));
  const want = attention(ws, { numHeads: 2, keyDim: 2, valueDim: 3 }, rows(xq, T, d), vrows, vrows, (t, s) => tokens[s] !== 0 && mask[t * S + s] !== 0);
  want.flat().forEach((v, i) => assert.ok(Math.abs(got[i] - v) < 1e-5, `[${i}] ${got[i]} vs ${v}`));
  // The probabilities: padded keys and masked entries 0, the fully masked row all zeros.
  const p = model.attentionScores('mha', [xq, tokens, mask]);
  assert.equal(p.length, 2 * T * S);
  for (let h = 0; h < 2; h++)
    for (let t = 0; t < T; t++) {
      const row = p.subarray((h * T + t) * S, (h * T + t + 1) * S), sum = row.reduce((a, b) => a + b, 0);
      row.forEach((v, s) => (tokens[s] === 0 || mask[t * S + s] === 0) && assert.equal(v, 0, `h${h} t${t} s${s} masked`));
      assert.ok(t === 1 ? sum === 0 : Math.abs(sum - 1) < 1e-5, `row ${t} sums to ${sum}`);
    }
  // The output carries the query's mask (none here), so a loss sees every position.
  assert.equal(out.maskFrom, null);
  model.dispose();
});

test('cross-attention (T ≠ S, valueDim ≠ keyDim, a key) against TF.js ops', () => {
  const T = 3, S = 5, dq = 4, dv = 6, dk = 2, N = 2, K = 3, V = 5;
  const q = sn.input({ shape: [T, dq] }), v = sn.input({ shape: [S, dv] }), k = sn.input({ shape: [S, dk] });
  const out = L.multiHeadAttention({ numHeads: N, keyDim: K, valueDim: V, name: 'mha' }).apply([q, v, k]);
  const model = sn.model({ inputs: [q, v, k], outputs: out });
  model.setWeights(model.getWeights().map((w, i) => rand(w.values.length, 10 + i, 0.5)));
  const xs = [rand(2 * T * dq, 4), rand(2 * S * dv, 5), rand(2 * S * dk, 6)];
  const got = model.predict(xs);
  const [wq, bq, wk, bk, wv, bv, wo, bo] = model.getWeights().map((w) => tf.tensor(w.values, w.shape));
  const proj = (x, steps, dim, w, b, heads, size) => tf.add(tf.matMul(tf.tensor(x, [2 * steps, dim]), w.reshape([dim, heads * size])), b.reshape([heads * size]))
    .reshape([2, steps, heads, size]).transpose([0, 2, 1, 3]);
  const Q = proj(xs[0], T, dq, wq, bq, N, K), Kt = proj(xs[2], S, dk, wk, bk, N, K), Vt = proj(xs[1], S, dv, wv, bv, N, V);
  const probs = tf.softmax(tf.matMul(tf.mul(Q, 1 / Math.sqrt(K)), Kt, false, true));
  const c = tf.matMul(probs, Vt).transpose([0, 2, 1, 3]).reshape([2 * T, N * V]);
  const want = tf.add(tf.matMul(c, wo.reshape([N * V, dq])), bo).dataSync();
  want.forEach((x, i) => assert.ok(Math.abs(got[i] - x) < 1e-5, `[${i}] ${got[i]} vs TF.js ${x}`));
  model.dispose();
});

test('returnAttentionScores: [output, scores] from one node; the scores are the probabilities', () => {
  const T = 4, d = 3, x = sn.input({ shape: [T, d] });
  const mha = L.multiHeadAttention({ numHeads: 2, keyDim: 2, name: 'mha' });
  const [out, scores] = mha.apply([x, x], { useCausalMask: true, returnAttentionScores: true });
  assert.deepEqual(scores.shape, [null, 2, T, T]);
  assert.deepEqual(out.shape, [null, T, d]);
  const model = sn.model({ inputs: x, outputs: [out, scores] });
  const plain = sn.model({ inputs: x, outputs: mha.apply([x, x], { useCausalMask: true }) });
  const v = rand(2 * T * d, 8), [o, s] = model.predict(v);
  assert.deepEqual(o, plain.predict(v));
  assert.deepEqual(s.subarray(0, 2 * T * T), model.attentionScores('mha', v));
  model.dispose();
  plain.dispose();
});

test('the Keras 3 fixture (MultiHeadAttention with use_causal_mask, converted layers format) imports and predicts as the reference', async () => {
  const dir = new URL('./fixtures/keras3-attention/', import.meta.url);
  const json = JSON.parse(readFileSync(new URL('model.json', dir)));
  const bin = readFileSync(new URL('group1-shard1of1.bin', dir));
  const model = await sn.fromTfjs(json, [bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.length)]);
  const w = model.getWeights();
  assert.deepEqual(w.map((t) => t.name).slice(0, 8), ['mha/query/kernel', 'mha/query/bias', 'mha/key/kernel', 'mha/key/bias', 'mha/value/kernel',
    'mha/value/bias', 'mha/attention_output/kernel', 'mha/attention_output/bias']);
  const x = rand(5 * 8, 9), got = model.predict(x), ws = w.map((t) => Float64Array.from(t.values));
  const a = attention(ws.slice(0, 8), { numHeads: 2, keyDim: 3, valueDim: 3 }, rows(x, 5, 8), rows(x, 5, 8), rows(x, 5, 8), (t, s) => s <= t);
  const want = a.map((r) => Array.from({ length: 4 }, (_, j) => ws[9][j] + r.reduce((s, v, i) => s + v * ws[8][i * 4 + j], 0))).flat();
  want.forEach((v, i) => assert.ok(Math.abs(got[i] - v) < 1e-5, `[${i}] ${got[i]} vs ${v}`));
  model.dispose();
});

test('bad options and inputs: an Error naming the layer, nothing recorded', () => {
  assert.throws(() => L.multiHeadAttention({ numHeads: 0, keyDim: 2 }), /numHeads/);
  assert.throws(() => L.multiHeadAttention({ numHeads: 2, keyDim: 1.5 }), /keyDim/);
  assert.throws(() => L.multiHeadAttention({ numHeads: 2, keyDim: 2, attentionAxes: [1, 2] }), /attentionAxes/);
  const mha = L.multiHeadAttention({ numHeads: 2, keyDim: 2, name: 'att' });
  const x = sn.input({ shape: [4, 3] }), y = sn.input({ shape: [5, 3] }), img = sn.input({ shape: [2, 4, 3] }), m = sn.input({ shape: [4, 4] });
  assert.throws(() => mha.apply(x), /att \(MultiHeadAttention\).*\[query, value\]/);
  assert.throws(() => mha.apply([x, y, x]), /att .*key \(None, 4, 3\) must have as many steps as value \(None, 5, 3\)/);
  assert.throws(() => mha.apply([img, img]), /att .*\[steps, features\]/);
  assert.throws(() => mha.apply([x, y], { attentionMask: m }), /att .*attentionMask must be \[T, S\] = \[4, 5\] per sample/);
  assert.throws(() => mha.apply([x, x], { training: true }), /att .*"training" is not supported/);
  assert.equal(mha.inboundNodes.length, 0);
});
