// sn.text.generate: autoregressive sampling from a language model of token ids
// [T] → logits (or probabilities) [T, vocab], the small GPT of nanoGPT, with a
// key/value cache: the prompt is one window of positions, then each new token
// costs one position (c/graph.c: sn_model_forward_window, which keeps every
// value's earlier positions; attention keeps its projected keys and values).
//
// As nanoGPT's generate (model.py): the next token is drawn from the last
// position's logits divided by temperature, among the topK largest. The result
// is the new tokens alone (nanoGPT returns the prompt before them: here the
// caller has it, and a page shows the continuation after its prompt).
// temperature 0 takes the argmax (greedy). The same seed draws the same tokens
// (web/core/random.js).
//
// Beyond the context T: position embeddings are absolute (position t is row t of
// a learned table), so a full window cannot slide by one position without
// recomputing it. When the window is full, its last ⌊T/2⌋ tokens (at least one)
// become a new prompt at positions [0, ⌊T/2⌋), computed in one window, and
// generation goes on from there with the cache. nanoGPT instead crops to the
// last T tokens and recomputes them for every token: the two agree while the
// text fits in the context; past it, this conditions on between ⌊T/2⌋ and T
// tokens instead of always T, for T/2 positions of work per T/2 tokens instead
// of T per token.
//
// Memory: the prompt window and the ids live in wasm memory for the call and
// are freed before it returns; views onto wasm memory are made right before
// each use (memory may have grown: core/wasm.js). The model's workspace keeps
// every value from its first generation on (c/workspace.c: keep_values).
import { WINDOW } from '../../dist/constants.js';
import { checkNumber, checkOptions } from '../core/names.js';
import { mulberry32 } from '../core/random.js';
import { f32, i32, MAX_INT, wasm, withBuffers } from '../core/wasm.js';
import { Model } from '../model/model.js';
import { checkTokenIds, tokenReaders, tokenTable } from '../model/token-ids.js';

/** Output activations whose z (before the activation) are the logits. */
const LOGITS = ['linear', 'softmax', 'logSoftmax'];

/** The Error of a node sn_model_window_check or sn_model_forward_window refused. */
function windowError(model, node, why, T) {
  const { layer } = model.nodes[node - 1];
  const what = `generate: layer ${JSON.stringify(layer.name)} (${layer.type}) cannot run one position at a time`;
  if (why === WINDOW.SHAPE) return new Error(`${what}: its input or output has no time axis of the context's ${T} positions ([${T}] token ids or a sequence [${T}, features])`);
  return new Error(what);
}

/**
 * What generate needs of a model: one input of token ids [T] read by an Embedding, one output [T, vocab] of
 * logits or a softmax, every layer able to run one position at a time. Returns { T, vocab, readers }.
 */
function checkModel(model) {
  if (!(model instanceof Model)) throw new Error('generate needs a model (sn.model or sn.sequential) as its first argument');
  model.checkAlive();
  model.checkIdle('generate');
  const shapes = (ends) => ends.map((t) => `[${t.sampleShape}]`).join(', ');
  if (model.inputs.length !== 1 || model.inputShape.length !== 1)
    throw new Error(`generate needs a model of one input of token ids [T]; this one's input${model.inputs.length > 1 ? 's are' : ' is'} ${shapes(model.inputs)}`);
  const T = model.inputShape[0], readers = tokenReaders(model, model.inputs[0]);
  if (readers.length === 0) throw new Error(`generate: the model's input ${model.inputs[0].name} is read by no Embedding: it must be token ids`);
  const out = model.outputs[0]?.sampleShape;
  if (model.outputs.length !== 1 || out.length !== 2 || out[0] !== T)
    throw new Error(`generate needs a model of one output [${T}, vocab] (logits of the next token at each position); this one's output${model.outputs.length > 1 ? 's are' : ' is'} ${shapes(model.outputs)}`);
  const vocab = out[1], activation = model.outputActivation(0);
  if (!LOGITS.includes(activation))
    throw new Error(`generate: the output ${model.outputNames[0]} has activation ${activation}; it needs logits (linear) or a softmax`);
  const small = readers.find((l) => tokenTable(l).rows < vocab);
  if (small) {
    const { rows, option } = tokenTable(small);
    throw new Error(`generate: the output's ${vocab} classes are not all ids of ${small.type} ${JSON.stringify(small.name)} (${option} ${rows})`);
  }
  model.build();
  const w = wasm();
  withBuffers((alloc) => {
    const why = alloc(4), node = w.sn_model_window_check(model.ptr, why);
    if (node) throw windowError(model, node, i32(why, 1)[0], T);
  });
  return { T, vocab, readers };
}

/** The prompt as an Int32Array: a list or typed array of ids, at most T of them, each an id of every reader. */
function checkPrompt(promptIds, T, readers) {
  if (!Array.isArray(promptIds) && !(ArrayBuffer.isView(promptIds) && !(promptIds instanceof DataView)))
    throw new Error(`generate: promptIds must be an array or typed array of token ids, got ${promptIds === null ? 'null' : typeof promptIds}`);
  const n = promptIds.length;
  if (n === 0) throw new Error('generate: promptIds is empty: give at least one token id');
  if (n > T) throw new Error(`generate: the prompt has ${n} tokens, more than the model's context of ${T} positions: give at most its last ${T}`);
  checkTokenIds(readers, promptIds, n, n, 'generate: promptIds');
  return Int32Array.from(promptIds);
}

/**
 * The next token from one position's logits: argmax at temperature 0, else a draw from
 * softmax(logits / temperature) over the topK largest (ties with the K-th kept, as nanoGPT).
 */
function pick(logits, temperature, topK, random, t) {
  let best = 0;
  for (let j = 0; j < logits.length; j++) {
    if (!Number.isFinite(logits[j])) throw new Error(`generate: the model's logit ${j} at position ${t} is ${logits[j]}: its weights are not usable`);
    if (logits[j] > logits[best]) best = j;
  }
  if (temperature === 0) return best;
  const floor = topK < logits.length ? Float64Array.from(logits).sort()[logits.length - topK] : -Infinity;
  const top = logits[best];
  let sum = 0;
  const p = new Float64Array(logits.length);
  for (let j = 0; j < logits.length; j++) if (logits[j] >= floor) sum += p[j] = Math.exp((logits[j] - top) / temperature);
  let u = random() * sum;
  for (let j = 0; j < p.length; j++) if (p[j] > 0 && (u -= p[j]) < 0) return j;
  return best; // rounding left u at 0 past the last: the likeliest
}

/**
 * sn.text.generate(model, promptIds, { maxNewTokens, temperature = 1, topK, seed }): maxNewTokens tokens drawn
 * one at a time after the prompt, as an Int32Array.
 */
export function generate(model, promptIds, options) {
  const { maxNewTokens, temperature = 1, topK, seed = Math.floor(Math.random() * 2 ** 32) } =
    checkOptions('generate', options, ['maxNewTokens', 'temperature', 'topK', 'seed']);
  const { T, vocab, readers } = checkModel(model);
  checkNumber('generate: maxNewTokens', maxNewTokens, { min: 1, max: MAX_INT, integer: true });
  checkNumber('generate: temperature', temperature, { min: 0 });
  if (topK !== undefined) checkNumber('generate: topK', topK, { min: 1, max: vocab, integer: true });
  checkNumber('generate: seed', seed, { min: 0, max: 2 ** 32 - 1, integer: true });
  const prompt = checkPrompt(promptIds, T, readers);
  if (prompt.length + maxNewTokens > MAX_INT) throw new Error(`generate: maxNewTokens ${maxNewTokens} is too many after a prompt of ${prompt.length}`);
  const all = new Int32Array(prompt.length + maxNewTokens), random = mulberry32(seed), w = wasm();
  all.set(prompt);
  return withBuffers((alloc) => {
    const ids = alloc(T * 4), xs = alloc(Int32Array.of(ids));
    const run = (t0, t1) => {
      const status = w.sn_model_forward_window(model.ptr, xs, t0, t1);
      if (status > 0) throw windowError(model, status, WINDOW.KIND, T); // checkModel found none: not reached
      if (status === WINDOW.MEMORY) throw new Error('simdnet: out of wasm memory in generate');
      if (status !== 0) throw new Error(`simdnet: generate's window [${t0}, ${t1}) was refused (${status})`);
    };
    /** Window [0, n) of the tokens ending at k (a new prompt). */
    const restart = (k, n) => {
      f32(ids, n).set(all.subarray(k - n, k));
      run(0, n);
      return n;
    };
    let len = restart(prompt.length, prompt.length); // positions the cache holds: the tokens before k
    for (let k = prompt.length; ; k++) {
      all[k] = pick(f32(w.sn_model_output_logits(model.ptr, 0) + (len - 1) * vocab * 4, vocab), temperature, topK ?? vocab, random, len - 1);
      if (k === all.length - 1) return all.slice(prompt.length);
      if (len === T) { // the window is full: its last half is the next prompt
        len = restart(k + 1, Math.max(1, T >> 1));
      } else {
        f32(ids, T)[len] = all[k];
        run(len, len + 1);
        len++;
      }
    }
  });
}
