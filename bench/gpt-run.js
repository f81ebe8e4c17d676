// G1, nanoGPT's CPU recipe (its README: "baby GPT" on a laptop CPU) on the
// fortunes text, with simdnet: 4 layers, 4 heads, 128 wide, context 64,
// batch 12, dropout 0, AdamW (lr 1e-3, betas 0.9 / 0.99, weight decay 0.1 on
// the matrices and embeddings only, as nanoGPT's configure_optimizers), a
// linear warm-up over 100 iterations then cosine decay to 1e-4 at 2000,
// gradients clipped to a global norm of 1. Shared by bench/gpt.js (Node) and
// bench/gpt.html (Chromium); `sn` is the library as the platform imports it.
import { compiledGpt } from '../demo/gpt-model.js';
import { vocabulary, windows } from '../demo/text-data.js';

export const G1 = { layers: 4, heads: 4, width: 128, context: 64, batch: 12, iterations: 2000, warmup: 100, lr: 1e-3 };

/** The characters of the text as ids (demo/text-data.js' vocabulary), split 90 / 10 into training and held-out ids. */
export function encode(text) {
  const vocab = vocabulary(text), ids = vocab.ids(text), split = Math.floor(ids.length * 0.9);
  return { chars: vocab.chars, train: ids.subarray(0, split), val: ids.subarray(split) };
}

/** `rows` random windows of context ids and the next id at every position. */
const batches = (ids, rows, context, seed) => windows(ids, { length: context, count: rows, seed, every: true });

/** Multiply-adds × 2 of one token's forward pass, × 3 for training (the embeddings' gathers not counted). */
export function gptFlops({ layers, width, context }, vocab) {
  // Per layer: the q, k, v and output projections (4 width²), the feed-forward (8 width²), and the
  // scores and weighted sum over the whole context (the causal mask zeroes half, Keras computes all).
  const perLayer = 12 * width * width + 2 * context * width;
  return 6 * (layers * perLayer + width * vocab);
}

/** The model and its optimizer as G1 says (demo/gpt-model.js, the GPT page's). */
export const g1Model = (sn, vocab, { seed = 1 } = {}) =>
  compiledGpt(sn, { vocab, context: G1.context, layers: G1.layers, heads: G1.heads, width: G1.width, iterations: G1.iterations, lr: G1.lr, warmup: G1.warmup, seed });

/**
 * Trains G1 for `iterations` (after `warmupIterations` untimed ones) on the
 * text: { tokensPerSecond, seconds, iterations, loss (the mean over the timed iterations), valLoss (held-out windows), flopsPerToken }.
 */
export async function runG1(sn, text, { iterations = 20, warmupIterations = 2, seed = 1, valRows = 96, generate = 0 } = {}) {
  const data = encode(text), model = g1Model(sn, data.chars.length, { seed });
  const rows = G1.batch, tokens = rows * G1.context;
  const fitFor = async (n, s) => {
    const { x, y } = batches(data.train, n * rows, G1.context, s);
    return (await model.fit(x, y, { batchSize: rows, epochs: 1, shuffle: false })).history.loss[0];
  };
  if (warmupIterations) await fitFor(warmupIterations, seed + 1);
  const t0 = performance.now();
  const loss = await fitFor(iterations, seed + 2);
  const seconds = (performance.now() - t0) / 1000;
  const val = batches(data.val, valRows, G1.context, seed + 3);
  const valLoss = model.evaluate(val.x, val.y, { batchSize: rows }).loss;
  // `generate` characters after a prompt, with the key/value cache (the second call timed: the first lays out the cache).
  let generateMs;
  if (generate) {
    const prompt = data.val.subarray(0, 16), go = () => sn.text.generate(model, prompt, { maxNewTokens: generate, temperature: 0.8, seed });
    go();
    const g0 = performance.now();
    go();
    generateMs = performance.now() - g0;
  }
  model.dispose();
  return { tokensPerSecond: (iterations * tokens) / seconds, seconds, iterations, loss, valLoss, generateMs, flopsPerToken: gptFlops(G1, data.chars.length), vocab: data.chars.length };
}
