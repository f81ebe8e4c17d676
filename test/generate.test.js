// sn.text.generate (web/text/generate.js) and the windowed forward pass under it
// (c/graph.c: sn_model_forward_window), on a model without attention:
// Embedding → Dense (last axis) → LayerNormalization → Dense vocab, whose
// position t depends on token t alone, so a full forward pass over a partial
// sequence padded with id 0 gives the logits of its first positions exactly.
//   - windows [0, 3), [3, 4), [4, 7) give the full pass's logits bit for bit:
//     each value is the same dot product in the same order over fewer rows
//     (test/c/test_generate.c counts every node's values that differ: none);
//   - greedy decoding with the cache (temperature 0), and topK 1, equal greedy
//     decoding by full forward passes on the growing prompt, past the context
//     too (the window's last half becomes the next prompt); with causal
//     MultiHeadAttention too, whose later positions the padding cannot reach;
//   - the same seed draws the same tokens, other seeds others; topK keeps the
//     draws among the K likeliest;
//   - clear Errors: an LSTM, ids out of range, a prompt longer than the context,
//     maxNewTokens, temperature and topK out of range, a model of another shape;
//   - nothing leaks across 1000 calls;
//   - a Trainer's worker generates what the page does.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as sn from '../web/index.js';
import { f32, wasm, withBuffers } from '../web/core/wasm.js';
import { nodeTrainerWorker } from './support/node-trainer.js';

await sn.ready();
const L = sn.layers;
const T = 7, V = 13;

/** Embedding → Dense (last axis) → LayerNormalization → Dense(V): logits, or a softmax. */
function lm({ seed = 5, activation = 'linear', context = T } = {}) {
  return sn.sequential({
    seed,
    layers: [
      L.embedding({ inputDim: V, outputDim: 8, inputShape: [context] }),
      L.dense({ units: 16, activation: 'gelu' }),
      L.layerNormalization(),
      L.dense({ units: V, activation }),
    ],
  });
}

const argmax = (v) => v.reduce((best, x, j) => (x > v[best] ? j : best), 0);

/** The logits of positions [0, n) of ids padded with 0 to the context, by one full forward pass. */
function fullLogits(model, ids) {
  const context = model.inputShape[0], padded = new Float32Array(context);
  padded.set(ids.slice(-context));
  return model.predict(padded);
}

/** Greedy decoding by full forward passes, with generate's rule past the context (its last half is the next prompt). */
function greedyByFullPasses(model, prompt, maxNewTokens) {
  const context = model.inputShape[0], all = [...prompt];
  let window = [...prompt];
  for (let k = 0; k < maxNewTokens; k++) {
    const logits = fullLogits(model, window), n = window.length;
    const next = argmax(logits.subarray((n - 1) * V, n * V));
    all.push(next);
    window = window.length === context ? all.slice(-Math.max(1, context >> 1)) : [...window, next];
  }
  return Int32Array.from(all.slice(prompt.length));
}

test('windows [0, 3), [3, 4), [4, 7) give the full forward pass\'s logits bit for bit', () => {
  const model = lm(), ids = Float32Array.of(3, 0, 7, 12, 1, 4, 9);
  const full = model.predict(ids), w = wasm();
  withBuffers((alloc) => {
    const x = alloc(ids), xs = alloc(Int32Array.of(x));
    for (const [t0, t1] of [[0, 3], [3, 4], [4, 7]]) {
      assert.equal(w.sn_model_forward_window(model.ptr, xs, t0, t1), 0, `window [${t0}, ${t1})`);
      const z = f32(w.sn_model_output_logits(model.ptr, 0), T * V);
      assert.deepEqual(z.slice(0, t1 * V), full.slice(0, t1 * V), `positions [0, ${t1}) after window [${t0}, ${t1})`);
    }
    assert.equal(w.sn_model_forward_window(model.ptr, xs, 5, 6), 0, 'a window within the cache again');
  });
  model.dispose();
});

test('greedy decoding with the cache equals greedy decoding by full forward passes, within and past the context', () => {
  for (const activation of ['linear', 'softmax']) {
    const model = lm({ activation });
    for (const prompt of [[4], [1, 2, 3], [5, 6, 7, 8, 9, 10, 11]]) {
      const want = greedyByFullPasses(model, prompt, 20);
      assert.deepEqual(sn.text.generate(model, prompt, { maxNewTokens: 20, temperature: 0 }), want, `${activation}, prompt ${prompt}`);
      assert.deepEqual(sn.text.generate(model, Int32Array.from(prompt), { maxNewTokens: 20, topK: 1, seed: 9 }), want, `topK 1, ${activation}, prompt ${prompt}`);
    }
    model.dispose();
  }
  const one = lm({ context: 1 }); // a context of one position: every token is a new prompt
  assert.deepEqual(sn.text.generate(one, [2], { maxNewTokens: 6, temperature: 0 }), greedyByFullPasses(one, [2], 6));
  one.dispose();
});

test('with causal attention too (its keys and values cached): greedy decoding equals full forward passes', () => {
  const ids = sn.input({ shape: [T] });
  const x = L.embedding({ inputDim: V, outputDim: 8 }).apply(ids);
  const h = L.multiHeadAttention({ numHeads: 2, keyDim: 4 }).apply([x, x], { useCausalMask: true });
  const y = L.layerNormalization().apply(L.add().apply([x, h]));
  const model = sn.model({ inputs: ids, outputs: L.dense({ units: V, activation: 'softmax' }).apply(y), seed: 12 });
  for (const prompt of [[4], [1, 2, 3, 4, 5, 6, 7]]) {
    assert.deepEqual(sn.text.generate(model, prompt, { maxNewTokens: 16, temperature: 0 }), greedyByFullPasses(model, prompt, 16), `prompt ${prompt}`);
  }
  model.dispose();
});

test('the same seed draws the same tokens, other seeds others; topK keeps the K likeliest', () => {
  const model = lm({ activation: 'softmax' });
  const draw = (seed, extra) => sn.text.generate(model, [1, 2], { maxNewTokens: 40, seed, temperature: 1.5, ...extra });
  const a = draw(7);
  assert.equal(a.length, 40, 'the new tokens alone');
  assert.deepEqual(draw(7), a, 'same seed');
  assert.notDeepEqual(draw(8), a, 'another seed');
  assert.ok(a.every((id) => Number.isInteger(id) && id >= 0 && id < V));
  // topK 2: each token is one of the two likeliest after the window before it (full passes, positions < T).
  const short = [3, ...sn.text.generate(model, [3], { maxNewTokens: T - 1, seed: 3, topK: 2, temperature: 5 })];
  for (let k = 1; k < short.length; k++) {
    const logits = fullLogits(model, short.slice(0, k)).subarray((k - 1) * V, k * V);
    const ranked = [...logits.keys()].sort((i, j) => logits[j] - logits[i]);
    assert.ok(ranked.slice(0, 2).includes(short[k]), `token ${k} (${short[k]}) is among the two likeliest ${ranked.slice(0, 2)}`);
  }
  model.dispose();
});

test('generate refuses what it cannot do with a clear Error', () => {
  const model = lm(), ok = { maxNewTokens: 3 };
  const cases = [
    [() => sn.text.generate(model, [1, 13], ok), /generate: promptIds row 0, position 1: token id 13 is not a row of embedding "embedding" \(inputDim 13\)/],
    [() => sn.text.generate(model, [1, 2.5], ok), /token id 2\.5 is not a row/],
    [() => sn.text.generate(model, [-1], ok), /token id -1 is not a row/],
    [() => sn.text.generate(model, [1, 2, 3, 4, 5, 6, 7, 8], ok), /generate: the prompt has 8 tokens, more than the model's context of 7 positions: give at most its last 7/],
    [() => sn.text.generate(model, [], ok), /promptIds is empty/],
    [() => sn.text.generate(model, 'abc', ok), /promptIds must be an array or typed array of token ids/],
    [() => sn.text.generate(model, [1], {}), /generate: maxNewTokens must be an integer in \[1, 2147483647\], got undefined/],
    [() => sn.text.generate(model, [1], { maxNewTokens: 0 }), /maxNewTokens must be an integer in \[1/],
    [() => sn.text.generate(model, [1], { maxNewTokens: 2.5 }), /maxNewTokens must be an integer/],
    [() => sn.text.generate(model, [1], { maxNewTokens: 2, temperature: -1 }), /temperature must be a number in \[0, Infinity\]/],
    [() => sn.text.generate(model, [1], { maxNewTokens: 2, topK: 0 }), /topK must be an integer in \[1, 13\]/],
    [() => sn.text.generate(model, [1], { maxNewTokens: 2, topK: 14 }), /topK must be an integer in \[1, 13\]/],
    [() => sn.text.generate(model, [1], { maxNewTokens: 2, seed: -1 }), /seed must be an integer/],
    [() => sn.text.generate(model, [1], { maxNewTokens: 2, topk: 2 }), /generate: unknown option "topk"/],
    [() => sn.text.generate({}, [1], ok), /generate needs a model/],
  ];
  for (const [fn, message] of cases) assert.throws(fn, message);
  model.dispose();

  const lstm = sn.sequential({ layers: [L.embedding({ inputDim: V, outputDim: 4, inputShape: [T] }), L.lstm({ units: 5, returnSequences: true }), L.dense({ units: V })] });
  assert.throws(() => sn.text.generate(lstm, [1], ok), /^Error: generate: layer "lstm" \(LSTM\) cannot run one position at a time$/);
  lstm.dispose();
  const flat = sn.sequential({ layers: [L.embedding({ inputDim: V, outputDim: 4, inputShape: [T] }), L.flatten(), L.dense({ units: V })] });
  assert.throws(() => sn.text.generate(flat, [1], ok), /generate needs a model of one output \[7, vocab\]/);
  flat.dispose();
  const sigmoid = lm({ activation: 'sigmoid' });
  assert.throws(() => sn.text.generate(sigmoid, [1], ok), /has activation sigmoid; it needs logits \(linear\) or a softmax/);
  sigmoid.dispose();
  const floats = sn.sequential({ layers: [L.dense({ units: V, inputShape: [T, 3] })] });
  assert.throws(() => sn.text.generate(floats, [1], ok), /generate needs a model of one input of token ids \[T\]; this one's input is \[7,3\]/);
  floats.dispose();
});

test('nothing leaks across 1000 generate calls, and memory does not grow', () => {
  const model = lm({ activation: 'softmax', context: 5 });
  sn.text.generate(model, [1], { maxNewTokens: 12, seed: 1 }); // the first lays the workspace out for generation
  const heap = sn.heapBytes(), memory = sn.memoryBytes();
  for (let i = 0; i < 1000; i++) sn.text.generate(model, [i % V, 1], { maxNewTokens: 12, seed: i });
  assert.throws(() => sn.text.generate(model, [1, 99], { maxNewTokens: 3 }), /token id 99/);
  assert.equal(sn.heapBytes(), heap, 'the heap');
  assert.equal(sn.memoryBytes(), memory, 'wasm memory');
  model.dispose();
});

test('a Trainer generates in its worker what the model generates here', async () => {
  const model = lm({ activation: 'softmax' });
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
  const trainer = sn.createTrainer(model, { worker: nodeTrainerWorker() });
  try {
    await trainer.ready;
    const options = { maxNewTokens: 15, seed: 4, topK: 5 };
    const there = await trainer.generate([2, 3], options);
    assert.ok(there instanceof Int32Array);
    assert.deepEqual(there, sn.text.generate(model, [2, 3], options));
    await assert.rejects(trainer.generate([2, 30], options), /token id 30 is not a row of embedding/);
  } finally {
    trainer.terminate();
    model.dispose();
  }
});
