// S1 and S2 (bench/sequence.js) in jax-js on its wasm backend, written as
// bench/jaxjs.js writes its models: parameters as a list of arrays in Keras'
// (and TF.js' getWeights()) order, a pure loss function, valueAndGrad, and
// the whole training step (forward, backward, Adam) in one jit-compiled
// function. jax-js 0.1 has no lax.scan or fori_loop, so the recurrence is a JS
// loop over the steps inside the loss function: jit traces it unrolled (40
// LSTM steps for S1, 100 GRU steps for S2) into one program.
//
// The layers mirror simdnet's bench models, that is Keras 3's cells
// (keras/src/layers/rnn/lstm.py, gru.py): recurrentActivation sigmoid (TF.js'
// default is hardSigmoid; the bench's TF.js models keep it), the LSTM's gates
// i f c o with unitForgetBias, the GRU's gates z r h with resetAfter false
// (the reset gate multiplies h before its product with the recurrent
// kernel), which is what bench/sequence.js builds in simdnet and TF.js.
// Initial weights as Keras': kernels glorotUniform, recurrent kernels
// orthogonal, biases zeros (the LSTM's forget gate ones), embeddings
// uniform ±0.05.
//
// The Embedding is a product one-hot(ids) · table, not a gather: jax-js
// differentiates np.take (its gradient is a scatter-add), but jit cannot
// compile that gradient — "jit: routine primitive scatter input is not imm"
// (jax-js 0.1.25, jitCompile in dist/index.js: a routine's inputs must be
// materialized buffers). The product adds 2 × 100·96·64 multiply-adds per
// sample (forward and the table's gradient), about 3% of S2's FLOPs.
import * as jax from '@jax-js/jax';
import { adamUpdate } from './jaxjs.js';

const { numpy: np, nn, random, tree, jit, valueAndGrad, blockUntilReady } = jax;
const B1 = 0.9, B2 = 0.999;

/** Keras' glorotUniform of a kernel [fanIn, fanOut]. */
const glorot = (key, fanIn, fanOut) => {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  return random.uniform(key, [fanIn, fanOut], { minval: -limit, maxval: limit });
};

/** Keras' orthogonal [rows, cols] (rows ≤ cols: orthonormal rows): U·Vᵀ of a normal matrix's SVD, the polar factor QR also reaches up to signs. */
function orthogonal(key, rows, cols) {
  const [u, , vt] = np.linalg.svd(random.normal(key, [rows, cols]), { fullMatrices: false });
  return np.dot(u, vt);
}

/**
 * Initial parameters of a task's shape { steps, vocab, embed?, units, gates }:
 * [embeddings?, kernel, recurrent kernel, bias, dense kernel, dense bias].
 */
export function initSequenceParams({ vocab, embed, units, gates }, seed = 1) {
  const keys = random.split(random.key(seed), 4), key = (i) => keys.ref.slice(i);
  const features = embed ?? vocab, params = [];
  if (embed) params.push(random.uniform(key(3), [vocab, embed], { minval: -0.05, maxval: 0.05 }));
  const bias = new Float32Array(gates * units);
  if (gates === 4) bias.fill(1, units, 2 * units); // unitForgetBias
  params.push(glorot(key(0), features, gates * units), orthogonal(key(1), units, gates * units), np.array(bias));
  params.push(glorot(key(2), units, vocab), np.zeros([vocab]));
  keys.dispose();
  return params;
}

/** Keras' LSTM over x [batch, steps, features] from zero states: the last h [batch, units]. */
function lstm(x, kernel, recurrent, bias) {
  const [batch, steps, features] = x.shape, units = recurrent.shape[0];
  // Every step's input product at once: [steps, batch, 4·units].
  const xz = np.dot(x.reshape([batch * steps, features]), kernel).add(bias).reshape([batch, steps, 4 * units]).transpose([1, 0, 2]);
  let h = null, c = null;
  for (let t = 0; t < steps; t++) {
    let z = xz.ref.slice(t);
    if (h) z = z.add(np.dot(h, recurrent.ref));
    const [i, f, g, o] = np.split(z, 4, 1);
    const ig = nn.sigmoid(i).mul(np.tanh(g));
    c = c ? nn.sigmoid(f).mul(c).add(ig) : (f.dispose(), ig);
    h = nn.sigmoid(o).mul(np.tanh(c.ref));
  }
  xz.dispose(), recurrent.dispose(), c.dispose();
  return h;
}

/** Keras' GRU with resetAfter false over x [batch, steps, features] from a zero state: the last h. */
function gru(x, kernel, recurrent, bias) {
  const [batch, steps, features] = x.shape, units = recurrent.shape[0];
  const xz = np.dot(x.reshape([batch * steps, features]), kernel).add(bias).reshape([batch, steps, 3 * units]).transpose([1, 0, 2]);
  // The recurrent kernel's columns for z and r, and for the candidate h.
  const [uzr, uh] = np.split(recurrent, [2 * units], 1);
  let h = null;
  for (let t = 0; t < steps; t++) {
    const [xzr, xh] = np.split(xz.ref.slice(t), [2 * units], 1);
    const [z, r] = np.split(nn.sigmoid(h ? xzr.add(np.dot(h.ref, uzr.ref)) : xzr), 2, 1);
    const candidate = np.tanh(h ? xh.add(np.dot(r.mul(h.ref), uh.ref)) : (r.dispose(), xh));
    // h = z·h₋₁ + (1 − z)·ĥ = ĥ + z·(h₋₁ − ĥ)
    h = h ? candidate.ref.add(z.mul(h.sub(candidate))) : candidate.ref.sub(z.mul(candidate));
  }
  xz.dispose(), uzr.dispose(), uh.dispose();
  return h;
}

/**
 * The batch's mean categorical cross-entropy of softmax(Dense(recurrent(x)))
 * against one-hot y [batch, vocab]; x: one-hot windows [batch, steps, vocab]
 * (S1), or int32 ids [batch, steps] (S2, through the embedding).
 */
export function sequenceLoss(task, params, x, y) {
  let p = 0;
  if (task === 'S2') x = np.dot(nn.oneHot(x, params[p].shape[0]), params[p++]);
  const h = (task === 'S1' ? lstm : gru)(x, params[p++], params[p++], params[p++]);
  const logits = np.dot(h, params[p++]).add(params[p++]);
  return nn.logSoftmax(logits).mul(y).sum().mul(-1 / y.shape[0]);
}

/**
 * A trainer on one batch (x, y as bench/sequence.js's batchData makes them)
 * with Adam (TF.js' constants, ε 1e-7): { step() → loss, params(), dispose() };
 * each step is one jit-compiled call, flushed, its loss read back (as the
 * other engines' fit returns it). `weights` (Float32Arrays in Keras' order)
 * replace the initial parameters (the test starts from TF.js').
 */
export function sequenceTrainer(task, shape, { x, y, batch, lr = 1e-3, seed = 1, weights = null }) {
  const { steps, vocab } = shape;
  let params = weights ? null : initSequenceParams(shape, seed);
  if (weights) {
    const like = initSequenceParams(shape, seed);
    params = like.map((w, i) => np.array(weights[i]).reshape(w.shape));
    tree.dispose(like);
  }
  let m = params.map((w) => np.zerosLike(w.ref)), v = params.map((w) => np.zerosLike(w.ref));
  const X = task === 'S1' ? np.array(x).reshape([batch, steps, vocab]) : np.array(x, { dtype: np.int32 }).reshape([batch, steps]);
  const Y = np.array(y).reshape([batch, vocab]);
  const train = jit((params, m, v, x, y, lrT) => {
    const [loss, grads] = valueAndGrad((p) => sequenceLoss(task, p, x, y))(tree.ref(params));
    return [loss, ...adamUpdate(params, grads, m, v, lrT)];
  });
  let t = 0;
  return {
    step: async () => {
      t++;
      let loss;
      [loss, params, m, v] = train(params, m, v, X.ref, Y.ref, np.array((lr * Math.sqrt(1 - B2 ** t)) / (1 - B1 ** t)));
      await blockUntilReady(params);
      return (await loss.data())[0];
    },
    params: () => params,
    dispose: () => {
      tree.dispose([params, m, v, X, Y]);
      train.dispose();
    },
  };
}
