// G1 in jax-js: nanoGPT's CPU recipe (README of karpathy/nanoGPT: n_layer 4,
// n_head 4, n_embd 128, block_size 64, batch 12, dropout 0, AdamW lr 1e-3,
// weight decay 0.1 on matrices, betas 0.9 / 0.99, 100 warm-up iterations then
// cosine decay to 1e-4 at 2000, gradient clipping at global norm 1) on the
// characters of Debian's fortune cookies (dist/text/fortunes.txt), written as
// bench/jaxjs.js writes its models: the parameters as a list of arrays, a pure
// loss, valueAndGrad, and the whole iteration (forward, backward, clipping,
// AdamW) in one jit-compiled function on the wasm backend (one thread in Node).
//
//   node bench/gpt-jaxjs.js [--iterations 20] [--warmup 2] [--log N]   → prints runJaxG1's JSON
//   (--log N: every N-th iteration's loss and the seconds so far on stderr)
//
// The model mirrors the Keras layers simdnet builds rather than nanoGPT's
// PyTorch modules where they differ (bench/gpt.js's side):
// - token and learned position embeddings (Keras' Embedding: uniform ±0.05),
//   pre-norm blocks x + attention(LN(x)), x + MLP(LN(x)), a final LN, and an
//   lm head; LayerNormalization's epsilon 1e-3 (Keras; nanoGPT 1e-5) unless
//   told otherwise;
// - the dense layers have biases (Keras' default; nanoGPT's recipe sets
//   bias False) and glorotUniform kernels (nanoGPT: normal 0.02), and the lm
//   head is its own Dense (nanoGPT ties it to the token embedding);
// - attention as Keras' MultiHeadAttention with use_causal_mask: q, k and v
//   projections (here one [d, 3d] product, the same numbers), softmax of
//   q·kᵀ/√(d/heads) with −1e9 added where masked (keras/src/layers/activations/
//   softmax.py), the output projection; MLP 4× with exact gelu;
// - AdamW as Keras 3's (keras/src/optimizers/adamw.py: ε 1e-7, the decay
//   w·0.1·lr before Adam's step); decayed: every array of rank ≥ 2 (kernels
//   and both embeddings), nanoGPT's rule; global-norm clipping as Keras'
//   global_clipnorm; the schedule as Keras' CosineDecay(0, 1900, alpha 0.1,
//   warmup_target 1e-3, warmup_steps 100) (nanoGPT's warm-up is
//   (it + 1)/(101) rather than it/100).
// The token embedding is a product one-hot(ids) · table: jit cannot compile
// the gradient of np.take (bench/sequence-jaxjs.js says why); nor can jax-js
// 0.1.25's einsum or nn.dotProductAttention run on Node 20 (they use iterator
// helpers, Iterator.prototype.map, which came with Node 22), so attention is
// written with matmul.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import * as jax from '@jax-js/jax';
import { adamUpdate, jaxReady } from './jaxjs.js';

const { numpy: np, nn, random, tree, jit, valueAndGrad, blockUntilReady } = jax;

/** nanoGPT's CPU recipe. */
export const G1 = { layers: 4, heads: 4, dModel: 128, block: 64, batch: 12, lr: 1e-3, minLr: 1e-4, warmupSteps: 100, maxIters: 2000,
  weightDecay: 0.1, b1: 0.9, b2: 0.99, clipNorm: 1 };

/** Keras' CosineDecay with linear warm-up from 0, at optimizer iteration `step` (0-based): 1e-3 at 100, 1e-4 from 2000. */
export function g1LearningRate(step, c = G1) {
  if (step < c.warmupSteps) return (c.lr * step) / c.warmupSteps;
  const done = Math.min(step - c.warmupSteps, c.maxIters - c.warmupSteps) / (c.maxIters - c.warmupSteps), alpha = c.minLr / c.lr;
  return c.lr * ((1 - alpha) * 0.5 * (1 + Math.cos(Math.PI * done)) + alpha);
}

/** The fortunes text as ids of its sorted distinct characters (nanoGPT's char-level prepare.py): { ids, vocab }. */
export function fortunesIds(path = new URL('../dist/text/fortunes.txt', import.meta.url)) {
  const text = readFileSync(path, 'latin1'), chars = [...new Set(text)].sort();
  const id = new Map(chars.map((ch, i) => [ch, i]));
  return { ids: Int32Array.from(text, (ch) => id.get(ch)), vocab: chars.length };
}

/** mulberry32: the batches' offsets, reproducible from a seed. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** nanoGPT's get_batch: `batch` windows at random offsets, x [batch·block] ids and y the ids one further. */
function batcher(ids, { batch, block }, seed) {
  const random01 = rng(seed);
  return () => {
    const x = new Int32Array(batch * block), y = new Int32Array(batch * block);
    for (let r = 0; r < batch; r++) {
      const start = Math.floor(random01() * (ids.length - block - 1));
      x.set(ids.subarray(start, start + block), r * block);
      y.set(ids.subarray(start + 1, start + block + 1), r * block);
    }
    return { x, y };
  };
}

/**
 * Initial parameters: [token table [V, d], positions [block, d], per block
 * (LN γ, β, qkv kernel [d, 3d], bias, output kernel [d, d], bias, LN γ, β,
 * MLP kernels [d, 4d] and [4d, d] with biases), final LN γ, β, lm head
 * [d, V], bias].
 */
export function initGptParams(vocab, c = G1, seed = 1) {
  const d = c.dModel, keys = random.split(random.key(seed), 3 + 4 * c.layers);
  let k = 0;
  const key = () => keys.ref.slice(k++);
  const glorot = (fanIn, fanOut) => {
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    return random.uniform(key(), [fanIn, fanOut], { minval: -limit, maxval: limit });
  };
  const params = [random.uniform(key(), [vocab, d], { minval: -0.05, maxval: 0.05 }), random.uniform(key(), [c.block, d], { minval: -0.05, maxval: 0.05 })];
  for (let l = 0; l < c.layers; l++)
    params.push(np.ones([d]), np.zeros([d]), glorot(d, 3 * d), np.zeros([3 * d]), glorot(d, d), np.zeros([d]),
      np.ones([d]), np.zeros([d]), glorot(d, 4 * d), np.zeros([4 * d]), glorot(4 * d, d), np.zeros([d]));
  params.push(np.ones([d]), np.zeros([d]), glorot(d, vocab), np.zeros([vocab]));
  keys.dispose();
  return params;
}

/** Layer normalization of the rows of x [n, d]. */
function layerNorm(x, gamma, beta, eps) {
  const centered = x.ref.sub(x.mean(-1, { keepdims: true }));
  const variance = np.square(centered.ref).mean(-1, { keepdims: true });
  return centered.div(np.sqrt(variance.add(eps))).mul(gamma).add(beta);
}

/** Causal multi-head self-attention of x [B·T, d] (rows of B sequences of T), `maskBias` [T, T] (0 or −1e9). */
function attention(x, wqkv, bqkv, wo, bo, maskBias, { batch, block, heads }) {
  const d = x.shape[1], hd = d / heads;
  const qkv = np.dot(x, wqkv).add(bqkv).reshape([batch, block, 3, heads, hd]).transpose([2, 0, 3, 1, 4]); // [3, B, H, T, hd]
  const q = qkv.ref.slice(0), k = qkv.ref.slice(1), v = qkv.slice(2);
  const scores = np.matmul(q, k.transpose([0, 1, 3, 2])).mul(1 / Math.sqrt(hd)).add(maskBias); // [B, H, T, T]
  const out = np.matmul(nn.softmax(scores, -1), v).transpose([0, 2, 1, 3]).reshape([batch * block, d]);
  return np.dot(out, wo).add(bo);
}

/** The mean cross-entropy of the next character over every position; x, y int32 [B, T]. */
export function gptLoss(params, x, y, maskBias, c, eps) {
  const [batch, block] = x.shape, vocab = params[0].shape[0];
  let p = 0;
  const next = () => params[p++];
  let h = np.dot(nn.oneHot(x.reshape([batch * block]), vocab), next()).reshape([batch, block, -1]).add(next()).reshape([batch * block, -1]);
  for (let l = 0; l < c.layers; l++) {
    const a = attention(layerNorm(h.ref, next(), next(), eps), next(), next(), next(), next(), l < c.layers - 1 ? maskBias.ref : maskBias, { batch, block, heads: c.heads });
    h = h.add(a);
    const m = np.dot(nn.gelu(np.dot(layerNorm(h.ref, next(), next(), eps), next()).add(next()), { approximate: false }), next()).add(next());
    h = h.add(m);
  }
  const logits = np.dot(layerNorm(h, next(), next(), eps), next()).add(next());
  return nn.logSoftmax(logits).mul(nn.oneHot(y.reshape([batch * block]), vocab)).sum().mul(-1 / (batch * block));
}

/**
 * Trains G1 in jax-js: `warmup` iterations (the first compiles the step), then
 * `iterations` timed ones, each a fresh random batch, its loss read back.
 * Returns { tokensPerSecond, iterationSeconds (mean of the timed ones),
 * estimated2000Seconds (2000 × that, extrapolated; compilation not in it),
 * compileSeconds (the first iteration), firstLoss, loss (the last), params,
 * vocab, iterations, warmup, threads, version }. onIteration(i, loss, seconds)
 * is called after every timed iteration (i counts from 1, seconds since the timing began).
 */
export async function runJaxG1({ iterations = 20, warmup = 2, seed = 1, layerNormEpsilon = 1e-3, adamEpsilon = 1e-7, config = G1, onIteration = null } = {}) {
  const { version } = await jaxReady();
  const c = config, { ids, vocab } = fortunesIds(), nextBatch = batcher(ids, c, seed);
  let params = initGptParams(vocab, c, seed);
  const count = params.reduce((n, w) => n + w.size, 0), decay = params.map((w) => (w.ndim >= 2 ? c.weightDecay : 0));
  let m = params.map((w) => np.zerosLike(w.ref)), v = params.map((w) => np.zerosLike(w.ref));
  const causal = new Float32Array(c.block * c.block);
  for (let i = 0; i < c.block; i++) causal.fill(-1e9, i * c.block + i + 1, (i + 1) * c.block);
  const maskBias = np.array(causal).reshape([c.block, c.block]);

  const train = jit((params, m, v, x, y, maskBias, lrT, lr) => {
    const [loss, grads] = valueAndGrad((p) => gptLoss(p, x, y, maskBias, c, layerNormEpsilon))(tree.ref(params));
    // Keras' global_clipnorm: every gradient × clip / max(‖g‖, clip).
    const norm = np.sqrt(grads.map((g) => np.square(g.ref).sum()).reduce((a, b) => a.add(b)));
    const scale = np.reciprocal(np.maximum(norm, c.clipNorm)).mul(c.clipNorm);
    const clipped = grads.map((g, i) => g.mul(i < grads.length - 1 ? scale.ref : scale));
    return [loss, ...adamUpdate(params, clipped, m, v, lrT, { b1: c.b1, b2: c.b2, eps: adamEpsilon, decay, rawLr: lr })];
  });

  let t = 0;
  const iterate = async () => {
    const lr = g1LearningRate(t, c);
    t++;
    const { x, y } = nextBatch();
    let loss;
    [loss, params, m, v] = train(params, m, v, np.array(x, { dtype: np.int32 }).reshape([c.batch, c.block]), np.array(y, { dtype: np.int32 }).reshape([c.batch, c.block]),
      maskBias.ref, np.array((lr * Math.sqrt(1 - c.b2 ** t)) / (1 - c.b1 ** t)), np.array(lr));
    await blockUntilReady(params);
    return (await loss.data())[0];
  };
  let t0 = performance.now();
  const firstLoss = await iterate();
  const compileSeconds = (performance.now() - t0) / 1000;
  for (let i = 1; i < warmup; i++) await iterate();
  t0 = performance.now();
  let loss = firstLoss;
  for (let i = 1; i <= iterations; i++) {
    loss = await iterate();
    onIteration?.(i, loss, (performance.now() - t0) / 1000);
  }
  const iterationSeconds = (performance.now() - t0) / 1000 / iterations;
  tree.dispose([params, m, v, maskBias]);
  train.dispose();
  return { tokensPerSecond: (c.batch * c.block) / iterationSeconds, iterationSeconds, estimated2000Seconds: c.maxIters * iterationSeconds,
    compileSeconds, firstLoss, loss, params: count, vocab, iterations, warmup, threads: 1, version };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { iterations: { type: 'string', default: '20' }, warmup: { type: 'string', default: '2' }, log: { type: 'string', default: '0' } } });
  const every = Number(values.log);
  const onIteration = every > 0 ? (i, loss, seconds) => i % every === 0 && console.error(`iteration ${i}: loss ${loss.toFixed(4)}, ${seconds.toFixed(1)} s`) : null;
  console.log(JSON.stringify(await runJaxG1({ iterations: Number(values.iterations), warmup: Number(values.warmup), onIteration })));
  process.exit(0);
}
