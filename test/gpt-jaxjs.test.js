// The bench's jax-js G1 model (bench/gpt-jaxjs.js, gptLoss) against a float64
// reference of the same equations written out in JS, on a tiny configuration:
// token + position embeddings, pre-norm blocks with causal multi-head
// self-attention and an exact-gelu MLP, a final layer norm, the lm head, the
// mean cross-entropy over every position. Then its learning-rate schedule at
// the points nanoGPT's recipe names.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as jax from '@jax-js/jax';
import { jaxReady } from '../bench/jaxjs.js';
import { RECIPE, g1LearningRate, gptLoss, initGptParams } from '../bench/gpt-jaxjs.js';
import { erf } from './support/attention-reference.js';

const { numpy: np } = jax;
const C = { ...RECIPE, layers: 2, heads: 2, width: 6, context: 4, batch: 3 }, VOCAB = 7, EPS = 1e-3;

/** The loss in float64: params as arrays of numbers, x and y ids [batch·block]. */
function reference(params, x, y) {
  const { batch, context: block, heads, width: d, layers } = C, hd = d / heads, n = batch * block;
  let p = 0;
  const next = () => params[p++];
  const dense = (rows, w, b, out) => rows.map((r) => Array.from({ length: out }, (_, j) => b[j] + r.reduce((s, v, i) => s + v * w[i * out + j], 0)));
  const norm = (rows, g, b) => rows.map((r) => {
    const mean = r.reduce((s, v) => s + v, 0) / r.length, variance = r.reduce((s, v) => s + (v - mean) ** 2, 0) / r.length;
    return r.map((v, j) => ((v - mean) / Math.sqrt(variance + EPS)) * g[j] + b[j]);
  });
  const wte = next(), wpe = next();
  let h = Array.from({ length: n }, (_, i) => Array.from({ length: d }, (_, j) => wte[x[i] * d + j] + wpe[(i % block) * d + j]));
  for (let l = 0; l < layers; l++) {
    const qkv = dense(norm(h, next(), next()), next(), next(), 3 * d);
    const att = Array.from({ length: n }, () => new Array(d).fill(0));
    for (let b = 0; b < batch; b++)
      for (let hh = 0; hh < heads; hh++)
        for (let t = 0; t < block; t++) {
          const row = (u, s) => qkv[b * block + u].slice(s * d + hh * hd, s * d + (hh + 1) * hd);
          const scores = Array.from({ length: t + 1 }, (_, u) => row(t, 0).reduce((s, q, j) => s + q * row(u, 1)[j], 0) / Math.sqrt(hd));
          const top = Math.max(...scores), e = scores.map((s) => Math.exp(s - top)), total = e.reduce((a, c) => a + c, 0);
          for (let u = 0; u <= t; u++) row(u, 2).forEach((v, j) => (att[b * block + t][hh * hd + j] += (e[u] / total) * v));
        }
    h = dense(att, next(), next(), d).map((r, i) => r.map((v, j) => v + h[i][j]));
    const hidden = dense(norm(h, next(), next()), next(), next(), 4 * d).map((r) => r.map((v) => 0.5 * v * (1 + erf(v / Math.SQRT2))));
    h = dense(hidden, next(), next(), d).map((r, i) => r.map((v, j) => v + h[i][j]));
  }
  const logits = dense(norm(h, next(), next()), next(), next(), VOCAB);
  return logits.reduce((s, r, i) => {
    const top = Math.max(...r);
    return s - (r[y[i]] - top - Math.log(r.reduce((a, v) => a + Math.exp(v - top), 0)));
  }, 0) / n;
}

test('jax-js G1 (bench/gpt-jaxjs.js): its loss matches a float64 reference of the equations (causal attention) within 1e-4', async () => {
  await jaxReady();
  const params = initGptParams(VOCAB, C, 3), shapes = params.map((w) => w.shape);
  // Non-zero biases and layer-norm parameters and larger kernels, so that every term is checked.
  const values = params.map((w, i) => Float64Array.from(w.ndim === 1 ? (w.dispose(), new Float64Array(w.size)) : w.dataSync(),
    (v, j) => (shapes[i].length === 1 ? Math.sin(i + 3 * j) * 0.5 + (j % 2) : v * 4)));
  const arrays = () => values.map((v, i) => np.array(Float32Array.from(v)).reshape(shapes[i]));
  const n = C.batch * C.context, x = Int32Array.from({ length: n }, (_, i) => (i * 5 + 2) % VOCAB), y = Int32Array.from({ length: n }, (_, i) => (i * 3 + 1) % VOCAB);
  const causal = new Float32Array(C.context * C.context);
  for (let i = 0; i < C.context; i++) causal.fill(-1e9, i * C.context + i + 1, (i + 1) * C.context);
  const loss = (xs) => gptLoss(arrays(), np.array(xs, { dtype: np.int32 }).reshape([C.batch, C.context]), np.array(y, { dtype: np.int32 }).reshape([C.batch, C.context]),
    np.array(causal).reshape([C.context, C.context]), C, EPS).dataSync()[0];
  const got = loss(x), want = reference(values, x, y);
  assert.ok(Math.abs(got - want) < 1e-4, `jax-js ${got}, float64 ${want}`);
});

test('G1\'s learning rate: linear warm-up to 1e-3 over 100 iterations, cosine decay to 1e-4 at 2000', () => {
  assert.equal(g1LearningRate(0), 0);
  assert.ok(Math.abs(g1LearningRate(50) - 5e-4) < 1e-12);
  assert.ok(Math.abs(g1LearningRate(100) - 1e-3) < 1e-12);
  assert.ok(Math.abs(g1LearningRate(1050) - 5.5e-4) < 1e-12);
  assert.ok(Math.abs(g1LearningRate(2000) - 1e-4) < 1e-12);
  assert.ok(Math.abs(g1LearningRate(2500) - 1e-4) < 1e-12);
});
