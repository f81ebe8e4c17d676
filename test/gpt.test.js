// sn.applications.gpt, the small GPT of issue 25: (1) the whole model — token and position
// embeddings, layer norms, causal multi-head attention, exact gelu, residuals, the sparse
// cross-entropy from logits at every position — against a float64 reference of Keras' equations:
// the loss within 1e-5 and every gradient within 2e-3 of its largest against central differences;
// (2) it learns: trained on Debian's fortune cookies (dist/text/fortunes.txt) with a fixed seed, its
// held-out loss falls well below the text's unigram entropy; (3) greedy generation with the
// key/value cache continues the text as full forward passes do.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import * as sn from '../web/index.js';
import { compiledGpt } from '../demo/gpt-model.js';
import { vocabulary, windows } from '../demo/text-data.js';
import { attention, centralDifferences, erf, layerNorm } from './support/attention-reference.js';

await sn.ready();

/** The GPT's mean cross-entropy in float64: w by weight name, x and y ids [n × T]. */
function reference(w, { T, layers, heads, width, vocab }, x, y) {
  const n = x.length / T, eps = 1e-5;
  const dense = (rows, k, b, out) => rows.map((r) => Array.from({ length: out }, (_, j) => b[j] + r.reduce((s, v, i) => s + v * k[i * out + j], 0)));
  const add = (a, b) => a.map((r, t) => r.map((v, j) => v + b[t][j]));
  let total = 0;
  for (let r = 0; r < n; r++) {
    const ids = Array.from(x.subarray(r * T, (r + 1) * T));
    let h = ids.map((id, t) => Array.from({ length: width }, (_, j) => w['embeddings/token_embedding/embeddings'][id * width + j] + w['embeddings/position_embedding/embeddings'][t * width + j]));
    for (let l = 0; l < layers; l++) {
      const p = (part) => w[`block_${l}_${part}`];
      const a = layerNorm(h, p('attention_norm/gamma'), p('attention_norm/beta'), eps);
      const att = ['query/kernel', 'query/bias', 'key/kernel', 'key/bias', 'value/kernel', 'value/bias', 'attention_output/kernel', 'attention_output/bias'].map((k) => p(`attention/${k}`));
      h = add(h, attention(att, { numHeads: heads, keyDim: width / heads, valueDim: width / heads }, a, a, a, (t, s) => s <= t));
      const up = dense(layerNorm(h, p('mlp_norm/gamma'), p('mlp_norm/beta'), eps), p('mlp_up/kernel'), p('mlp_up/bias'), 4 * width);
      h = add(h, dense(up.map((row) => row.map((v) => 0.5 * v * (1 + erf(v / Math.SQRT2)))), p('mlp_down/kernel'), p('mlp_down/bias'), width));
    }
    const logits = dense(layerNorm(h, w['final_norm/gamma'], w['final_norm/beta'], eps), w['logits/kernel'], w['logits/bias'], vocab);
    logits.forEach((z, t) => {
      const top = Math.max(...z);
      total += top + Math.log(z.reduce((s, v) => s + Math.exp(v - top), 0)) - z[y[r * T + t]];
    });
  }
  return total / (n * T);
}

test('a GPT of 2 blocks: its loss and every gradient against a float64 reference of the equations (central differences)', () => {
  const cfg = { T: 4, layers: 2, heads: 2, width: 4, vocab: 5 };
  const model = sn.applications.gpt({ vocabularySize: cfg.vocab, sequenceLength: cfg.T, numLayers: cfg.layers, numHeads: cfg.heads, hiddenDim: cfg.width, seed: 7 });
  model.compile({ optimizer: 'sgd', loss: sn.losses.sparseCategoricalCrossentropy({ fromLogits: true }) });
  // Biases and layer norms drawn away from their zeros and ones, so every term of the equations counts.
  const weights = model.getWeights().map((wt, i) => ({ ...wt, values: Float32Array.from(wt.values, (v, j) => v + 0.2 * Math.sin(3.1 * i + 1.3 * j)) }));
  model.setWeights(weights);
  const names = weights.map((wt) => wt.name);
  const x = Float32Array.from([0, 3, 1, 4, 2, 2, 0, 1]), y = Float32Array.from([3, 1, 4, 0, 2, 0, 1, 3]);
  const loss = (values) => reference(Object.fromEntries(names.map((name, i) => [name, values[i]])), cfg, x, y);
  const values = weights.map((wt) => Float64Array.from(wt.values));
  const { loss: got, grads } = model.computeGradients(x, y);
  assert.ok(Math.abs(got - loss(values)) < 1e-5, `loss ${got} vs reference ${loss(values)}`);
  centralDifferences(values, loss).forEach((num, i) => {
    const largest = Math.max(...num.map(Math.abs));
    // key/bias adds the same amount to every score of a row, which the softmax ignores (zero in Keras too).
    if (!names[i].endsWith('key/bias')) assert.ok(largest > 1e-4, `${names[i]}: its gradient is not all zeros`);
    num.forEach((v, j) => assert.ok(Math.abs(grads[i][j] - v) <= 2e-3 * Math.max(largest, 1e-4), `${names[i]}[${j}]: ${grads[i][j]} vs ${v}`));
  });
  model.dispose();
});

test('a small GPT learns the fortune cookies: its held-out loss falls well below the unigram entropy, and greedy generation with the cache equals full passes', async () => {
  const text = readFileSync(new URL('../dist/text/fortunes.txt', import.meta.url), 'latin1').slice(0, 400000);
  const vocab = vocabulary(text), ids = vocab.ids(text), split = Math.floor(ids.length * 0.9);
  const counts = new Float64Array(vocab.chars.length);
  for (let i = 0; i < split; i++) counts[ids[i]]++;
  const unigram = -counts.reduce((s, c) => s + (c ? (c / split) * Math.log(c / split) : 0), 0);
  const s = { vocab: vocab.chars.length, context: 32, layers: 2, heads: 2, width: 32, iterations: 300, lr: 3e-3, warmup: 20, seed: 5 };
  const model = compiledGpt(sn, s);
  const held = windows(ids, { length: s.context, count: 64, from: split, seed: 2, every: true });
  const before = model.evaluate(held.x, held.y, { batchSize: 16 }).loss;
  const data = windows(ids, { length: s.context, count: 16 * s.iterations, to: split, seed: 3, every: true });
  await model.fit(data.x, data.y, { batchSize: 16, epochs: 1, shuffle: false });
  const after = model.evaluate(held.x, held.y, { batchSize: 16 }).loss;
  assert.ok(before > Math.log(s.vocab) - 0.5, `an untrained model guesses about uniformly: ${before}`);
  console.log(`held-out loss ${before.toFixed(3)} → ${after.toFixed(3)}; unigram entropy ${unigram.toFixed(3)}`);
  assert.ok(after < unigram - 0.4, `held-out loss ${after.toFixed(3)} after ${s.iterations} iterations, unigram entropy ${unigram.toFixed(3)}`);

  // Greedy decoding with the cache against argmax of full forward passes over the growing prompt (later positions 0: causal).
  const prompt = Int32Array.from(ids.subarray(split, split + 10));
  const cached = sn.text.generate(model, prompt, { maxNewTokens: 12, temperature: 0 });
  const seq = Array.from(prompt);
  for (let i = 0; i < 12; i++) {
    const x = new Float32Array(s.context);
    x.set(seq);
    const logits = model.predict(x), row = logits.subarray((seq.length - 1) * s.vocab, seq.length * s.vocab);
    seq.push(row.indexOf(Math.max(...row)));
  }
  assert.deepEqual(Array.from(cached), seq.slice(prompt.length));
  model.dispose();
});
