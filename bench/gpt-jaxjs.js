// G1 in jax-js: nanoGPT's CPU recipe as bench/gpt-run.js states it for
// simdnet (G1 there: 4 layers, 4 heads, width 128, context 64, batch 12,
// dropout 0, AdamW lr 1e-3, betas 0.9 / 0.99, weight decay 0.1 on the
// matrices and embeddings, 100 warm-up iterations then cosine decay to 1e-4
// at 2000, gradients clipped to a global norm of 1) on the same data (its
// encode: the fortunes text's characters, 90 / 10 split; demo/text-data.js'
// windows with the same seeds), written as bench/jaxjs.js writes its models:
// the parameters as a list of arrays, a pure loss, valueAndGrad, and the whole
// iteration (forward, backward, clipping, AdamW) in one jit-compiled function
// on the wasm backend (one thread in Node). bench/gpt.js calls runJaxG1.
//
//   node bench/gpt-jaxjs.js [--iterations 20] [--warmup 2] [--log N]   → prints runJaxG1's JSON
//   (--log N: every N-th iteration's loss and the seconds so far on stderr)
//
// The model is the one sn.applications.gpt builds from Keras layers
// (web/applications/gpt.js), as far as jax-js lets it be written the same:
// - token and learned position embeddings (uniform ±0.05), pre-norm blocks
//   x + attention(LN(x)), x + MLP(LN(x)), a final LN (epsilon 1e-5, as
//   sn.applications.gpt and nanoGPT), and a dense head giving the logits;
// - dense layers with biases and glorotUniform kernels (nanoGPT's recipe:
//   bias False, normal(0.02)); the head is its own Dense (nanoGPT ties it to
//   the token embedding), as in simdnet's model;
// - attention as Keras' MultiHeadAttention with use_causal_mask: q, k and v
//   projections (here one [width, 3·width] product, the same numbers), softmax
//   of q·kᵀ/√(width/heads) with −1e9 added where masked (keras/src/layers/
//   activations/softmax.py), the output projection; MLP 4× with exact gelu;
// - AdamW as Keras 3's (keras/src/optimizers/adamw.py: ε 1e-7, the decay
//   w·0.1·lr before Adam's step) on every array of rank ≥ 2 (kernels and both
//   embeddings: what excludeFromWeightDecay ['bias', 'gamma', 'beta'] leaves);
//   global-norm clipping as Keras' global_clipnorm; the schedule as Keras'
//   CosineDecay(0, 1900, alpha 0.1, warmup_target 1e-3, warmup_steps 100)
//   (demo/gpt-model.js).
// The token embedding is a product one-hot(ids) · table: jit cannot compile
// the gradient of np.take (bench/sequence-jaxjs.js says why); nor can jax-js
// 0.1.25's einsum or nn.dotProductAttention run on Node 20 (they use iterator
// helpers, Iterator.prototype.map, which came with Node 22), so attention is
// written with matmul.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import * as jax from '@jax-js/jax';
import { windows } from '../demo/text-data.js';
import { G1, encode, gptFlops } from './gpt-run.js';
import { adamUpdate, jaxReady } from './jaxjs.js';

const { numpy: np, nn, random, tree, jit, valueAndGrad, blockUntilReady } = jax;

/** G1 (bench/gpt-run.js) with the rest of the recipe that its optimizer (demo/gpt-model.js) holds. */
export const RECIPE = { ...G1, alpha: 0.1, weightDecay: 0.1, b1: 0.9, b2: 0.99, clipNorm: 1 };

/** Keras' CosineDecay with linear warm-up from 0, at optimizer iteration `step` (0-based): 1e-3 at 100, 1e-4 from 2000. */
export function g1LearningRate(step, c = RECIPE) {
  if (step < c.warmup) return (c.lr * step) / c.warmup;
  const done = Math.min(step - c.warmup, c.iterations - c.warmup) / (c.iterations - c.warmup);
  return c.lr * ((1 - c.alpha) * 0.5 * (1 + Math.cos(Math.PI * done)) + c.alpha);
}

/**
 * Initial parameters: [token table [V, d], positions [context, d], per block
 * (LN γ, β, qkv kernel [d, 3d], bias, output kernel [d, d], bias, LN γ, β,
 * MLP kernels [d, 4d] and [4d, d] with biases), final LN γ, β, lm head
 * [d, V], bias].
 */
export function initGptParams(vocab, c = RECIPE, seed = 1) {
  const d = c.width, keys = random.split(random.key(seed), 3 + 4 * c.layers);
  let k = 0;
  const key = () => keys.ref.slice(k++);
  const glorot = (fanIn, fanOut) => {
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    return random.uniform(key(), [fanIn, fanOut], { minval: -limit, maxval: limit });
  };
  const params = [random.uniform(key(), [vocab, d], { minval: -0.05, maxval: 0.05 }), random.uniform(key(), [c.context, d], { minval: -0.05, maxval: 0.05 })];
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
 * Trains G1 in jax-js on `text` (default: dist/text/fortunes.txt) as
 * bench/gpt-run.js's runG1 trains simdnet: `warmup` untimed iterations (the
 * first compiles the step; its time is compileSeconds), then `iterations`
 * timed ones, each on 12 windows, its loss read back; then the loss on
 * `valRows` held-out windows. Returns { tokensPerSecond, seconds,
 * iterations, loss (the mean over the timed iterations, as fit's), lastLoss,
 * firstLoss (the first warm-up iteration's), valLoss, flopsPerToken,
 * vocab, params, compileSeconds, estimated2000Seconds (G1's 2000 iterations
 * at this rate, compilation not in it), threads, version }.
 * onIteration(i, loss, seconds) follows every timed iteration.
 */
export async function runJaxG1({ iterations = 20, warmup = 2, seed = 1, text = null, valRows = 96, layerNormEpsilon = 1e-5, adamEpsilon = 1e-7,
  config = RECIPE, onIteration = null } = {}) {
  const { version } = await jaxReady();
  const c = config, data = encode(text ?? readFileSync(new URL('../dist/text/fortunes.txt', import.meta.url), 'latin1')), vocab = data.chars.length;
  const rows = c.batch, tokens = rows * c.context, ids = (a, n) => np.array(Int32Array.from(a), { dtype: np.int32 }).reshape([n, c.context]);
  let params = initGptParams(vocab, c, seed);
  const count = params.reduce((n, w) => n + w.size, 0), decay = params.map((w) => (w.ndim >= 2 ? c.weightDecay : 0));
  let m = params.map((w) => np.zerosLike(w.ref)), v = params.map((w) => np.zerosLike(w.ref));
  const causal = new Float32Array(c.context * c.context);
  for (let i = 0; i < c.context; i++) causal.fill(-1e9, i * c.context + i + 1, (i + 1) * c.context);
  const maskBias = np.array(causal).reshape([c.context, c.context]);

  const train = jit((params, m, v, x, y, maskBias, lrT, lr) => {
    const [loss, grads] = valueAndGrad((p) => gptLoss(p, x, y, maskBias, c, layerNormEpsilon))(tree.ref(params));
    // Keras' global_clipnorm: every gradient × clip / max(‖g‖, clip).
    const norm = np.sqrt(grads.map((g) => np.square(g.ref).sum()).reduce((a, b) => a.add(b)));
    const scale = np.reciprocal(np.maximum(norm, c.clipNorm)).mul(c.clipNorm);
    const clipped = grads.map((g, i) => g.mul(i < grads.length - 1 ? scale.ref : scale));
    return [loss, ...adamUpdate(params, clipped, m, v, lrT, { b1: c.b1, b2: c.b2, eps: adamEpsilon, decay, rawLr: lr })];
  });

  let t = 0;
  // Trains on `n` iterations of windows drawn with `windowSeed` (runG1's draws): their losses.
  const trainOn = async (n, windowSeed, each = () => {}) => {
    const w = windows(data.train, { length: c.context, count: n * rows, seed: windowSeed, every: true }), losses = [];
    for (let i = 0; i < n; i++) {
      const lr = g1LearningRate(t, c);
      t++;
      const part = (a) => ids(a.subarray(i * tokens, (i + 1) * tokens), rows);
      let loss;
      [loss, params, m, v] = train(params, m, v, part(w.x), part(w.y), maskBias.ref, np.array((lr * Math.sqrt(1 - c.b2 ** t)) / (1 - c.b1 ** t)), np.array(lr));
      await blockUntilReady(params);
      losses.push((await loss.data())[0]);
      each(i + 1, losses[i]);
    }
    return losses;
  };
  let t0 = performance.now(), compileSeconds = 0, firstLoss;
  if (warmup) await trainOn(warmup, seed + 1, (i, loss) => i === 1 && ([compileSeconds, firstLoss] = [(performance.now() - t0) / 1000, loss]));
  t0 = performance.now();
  const losses = await trainOn(iterations, seed + 2, (i, loss) => onIteration?.(i, loss, (performance.now() - t0) / 1000));
  const seconds = (performance.now() - t0) / 1000;

  const val = windows(data.val, { length: c.context, count: valRows, seed: seed + 3, every: true });
  const evaluate = jit((params, x, y, maskBias) => gptLoss(params, x, y, maskBias, c, layerNormEpsilon));
  let valSum = 0;
  for (let r = 0; r < valRows; r += rows) {
    const n = Math.min(rows, valRows - r), part = (a) => ids(a.subarray(r * c.context, (r + n) * c.context), n);
    valSum += (await evaluate(tree.ref(params), part(val.x), part(val.y), maskBias.ref).data())[0] * n;
  }
  tree.dispose([params, m, v, maskBias]);
  train.dispose(), evaluate.dispose();
  return { tokensPerSecond: (iterations * tokens) / seconds, seconds, iterations, loss: losses.reduce((a, b) => a + b, 0) / iterations, lastLoss: losses.at(-1),
    firstLoss, valLoss: valSum / valRows, flopsPerToken: gptFlops(c, vocab), vocab, params: count, compileSeconds,
    estimated2000Seconds: (c.iterations * seconds) / iterations, threads: 1, version };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { iterations: { type: 'string', default: '20' }, warmup: { type: 'string', default: '2' }, log: { type: 'string', default: '0' } } });
  const every = Number(values.log);
  const onIteration = every > 0 ? (i, loss, seconds) => i % every === 0 && console.error(`iteration ${i}: loss ${loss.toFixed(4)}, ${seconds.toFixed(1)} s`) : null;
  console.log(JSON.stringify(await runJaxG1({ iterations: Number(values.iterations), warmup: Number(values.warmup), onIteration })));
  process.exit(0);
}
