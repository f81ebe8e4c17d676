// jax-js (npm @jax-js/jax) on its wasm backend: the bench's models written
// the way its README and MNIST demo write them — parameters as a list of
// arrays, a pure loss function, valueAndGrad — with the whole training step
// (forward, backward and the optimizer update) in one jit-compiled function.
//
// The optimizer is hand-written inside that step: @jax-js/optax, whose adam()
// the demo uses, is not published on npm. Adam follows TF.js' tf.train.adam
// (β1 0.9, β2 0.999, ε 1e-7, the bias correction folded into the step size,
// computed in JS per step and passed in as a scalar so the step compiles once);
// M3 uses plain SGD. The data live on the device once; the step gathers its
// batch's rows itself (by an index array, shuffled per epoch in JS), which was
// faster than gathering outside it. Every step is flushed: the next one starts
// only after blockUntilReady() on the new parameters. Only the last step's loss
// is read back (reading every step's cost jax-js about 10% on M1 and M2).
//
// R1 (a graph of nodes, bench/common.js's resnetNodes) is written the same
// way: its batch norms normalize by the batch's statistics, which the loss
// returns beside it (valueAndGrad's hasAux) so the step can update the moving
// mean and variance as Keras does; they ride through the step as its `carry`,
// like M5's dropout key.
//
// Layout: NCHW, as jax-js' lax.convGeneralDilated takes it (kernels
// [out, in, kh, kw]); with one input channel [rows, 784] reshapes to
// [rows, 1, 28, 28] as it is. Dense kernels are [in, out]. Ownership follows
// jax-js' reference counting: every function consumes its array arguments, so
// a value used twice is passed as .ref the first time.
import { readFileSync } from 'node:fs';
import * as jax from '@jax-js/jax';
import { shuffler } from './common.js';
import { describe } from './flops.js';

const { numpy: np, nn, lax, random, tree, jit, valueAndGrad, blockUntilReady } = jax;
const B1 = 0.9, B2 = 0.999, EPS = 1e-7;
const BN_MOMENTUM = 0.99, BN_EPSILON = 1e-3; // Keras' and TF.js' batch norm defaults

/**
 * Adam's update inside a traced step, TF.js' and Keras' form: the bias
 * correction folded into `lr` (lrT = lr·√(1−β2ᵗ)/(1−β1ᵗ), a scalar array made
 * in JS per step so the step compiles once). With `decay` (AdamW, Keras 3's
 * keras/src/optimizers/adamw.py): the weights i with decay[i] first shrink by
 * w·decay[i]·rawLr, the scheduled rate before the bias correction (a scalar
 * array too). Consumes every argument; returns [params, m, v].
 */
export function adamUpdate(params, grads, m, v, lr, { b1 = B1, b2 = B2, eps = EPS, decay = null, rawLr = null } = {}) {
  const m2 = m.map((mi, i) => mi.mul(b1).add(grads[i].ref.mul(1 - b1)));
  const v2 = v.map((vi, i) => vi.mul(b2).add(np.square(grads[i]).mul(1 - b2)));
  const p2 = params.map((w, i) => {
    if (decay?.[i]) w = w.ref.sub(w.mul(rawLr.ref).mul(decay[i]));
    return w.sub(m2[i].ref.div(np.sqrt(v2[i].ref).add(eps)).mul(lr.ref));
  });
  lr.dispose();
  rawLr?.dispose();
  return [p2, m2, v2];
}

/** Starts the wasm backend (single-threaded in Node: jax-js threads only where a global Worker exists). */
export async function jaxReady() {
  await jax.init('wasm');
  jax.defaultDevice('wasm');
  const { version } = JSON.parse(readFileSync(new URL('../node_modules/@jax-js/jax/package.json', import.meta.url), 'utf8'));
  return { version, threads: typeof Worker !== 'undefined' && typeof SharedArrayBuffer !== 'undefined' };
}

/** glorotUniform for a kernel of `shape`. */
const glorot = (key, shape, fanIn, fanOut) => {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  return random.uniform(key, shape, { minval: -limit, maxval: limit });
};

/**
 * A graph model's initial parameters, in node order: a conv's kernel [out, in, k, k]
 * (no bias), a batch norm's gamma and beta [c, 1, 1], a dense layer's kernel and
 * bias; and the batch norms' moving means and variances, [mean, variance, …].
 */
function initGraphParams(spec, seed) {
  const keys = random.split(random.key(seed), spec.nodes.length);
  const params = [], stats = [];
  describe(spec).forEach((n, i) => {
    if (n.type === 'conv2d') {
      const k = n.kernelSize, c = n.inShape[2];
      params.push(glorot(keys.ref.slice(i), [n.filters, c, k, k], k * k * c, k * k * n.filters));
    } else if (n.type === 'batchNormalization') {
      const shape = [n.inShape[2], 1, 1];
      params.push(np.ones(shape), np.zeros(shape));
      stats.push(np.zeros(shape), np.ones(shape));
    } else if (n.type === 'dense') {
      params.push(glorot(keys.ref.slice(i), [n.inShape[0], n.units], n.inShape[0], n.units), np.zeros([n.units]));
    }
  });
  keys.dispose();
  return { params, stats };
}

/** Initial parameters [w0, b0, w1, b1, …]: glorotUniform, or leCunNormal for varianceScaling. */
function initParams(spec, seed) {
  const keys = random.split(random.key(seed), spec.layers.length);
  const params = [];
  describe(spec).forEach((l, i) => {
    if (!l.params) return;
    const key = keys.ref.slice(i);
    const [fanIn, fanOut, shape, biasShape] = l.type === 'dense'
      ? [l.inShape[0], l.units, [l.inShape[0], l.units], [l.units]]
      : [l.kernelSize ** 2 * l.inShape[2], l.kernelSize ** 2 * l.filters, [l.filters, l.inShape[2], l.kernelSize, l.kernelSize], [l.filters, 1, 1]];
    if (spec.kernelInitializer === 'varianceScaling') params.push(random.normal(key, shape).mul(Math.sqrt(1 / fanIn)));
    else {
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      params.push(random.uniform(key, shape, { minval: -limit, maxval: limit }));
    }
    params.push(np.zeros(biasShape));
  });
  keys.dispose();
  return params;
}

/** The network's last pre-activation (logits for softmax), from params [w, b, …] and x [batch, 784]. */
function forward(spec, params, x, key, training) {
  let h = spec.isConv ? x.reshape([-1, 1, 28, 28]) : x, p = 0, z = null;
  for (const layer of spec.layers) {
    if (z) h = nn.relu(z), z = null; // every hidden layer here is relu
    switch (layer.type) {
      case 'conv2d':
        z = lax.convGeneralDilated(h, params[p++], [1, 1], 'VALID').add(params[p++]);
        break;
      case 'dense':
        z = np.dot(h, params[p++]).add(params[p++]);
        break;
      case 'maxPooling2d':
        h = lax.reduceWindow(h, np.max, [layer.poolSize, layer.poolSize], [layer.poolSize, layer.poolSize]);
        break;
      case 'flatten':
        h = h.reshape([h.shape[0], -1]);
        break;
      case 'dropout':
        if (training) h = h.mul(random.bernoulli(key, 1 - layer.rate, h.shape).astype(np.float32)).mul(1 / (1 - layer.rate));
        else key.dispose();
        break;
    }
  }
  return z;
}

/**
 * A graph model in training: [logits, [mean, variance] of every batch norm's
 * batch, shaped [c, 1, 1]]. A value read by several nodes (a block's input: its
 * conv and its shortcut) is passed as .ref to all but its last reader.
 */
function graphForward(spec, params, x) {
  const readers = new Map();
  for (const n of spec.nodes) for (const i of n.inputs) readers.set(i, (readers.get(i) ?? 0) + 1);
  const values = new Map([[-1, x.reshape([-1, 1, 28, 28])]]), stats = [];
  const read = (i) => (readers.set(i, readers.get(i) - 1).get(i) > 0 ? values.get(i).ref : values.get(i));
  let p = 0, z;
  spec.nodes.forEach((n, index) => {
    const h = read(n.inputs[0]);
    switch (n.type) {
      case 'conv2d':
        z = lax.convGeneralDilated(h, params[p++], [n.strides, n.strides], 'SAME');
        break;
      case 'batchNormalization': {
        const mean = h.ref.mean([0, 2, 3], { keepdims: true }), centered = h.sub(mean.ref);
        const variance = np.square(centered.ref).mean([0, 2, 3], { keepdims: true });
        z = centered.mul(np.reciprocal(np.sqrt(variance.ref.add(BN_EPSILON)))).mul(params[p++]).add(params[p++]);
        stats.push(mean.reshape([-1, 1, 1]), variance.reshape([-1, 1, 1]));
        break;
      }
      case 'relu':
        z = nn.relu(h);
        break;
      case 'add':
        z = h.add(read(n.inputs[1]));
        break;
      case 'globalAveragePooling2d':
        z = h.mean([2, 3]);
        break;
      case 'dense': // the last node: its softmax is in the loss
        z = np.dot(h, params[p++]).add(params[p++]);
        break;
    }
    values.set(index, z);
  });
  return [z, stats];
}

/** A graph model's batch loss (categorical crossentropy of softmax) and its batch norms' statistics. */
function graphLoss(spec, params, x, y) {
  const [z, stats] = graphForward(spec, params, x);
  return [nn.logSoftmax(z).mul(y).sum().mul(-1 / y.shape[0]), stats];
}

/** The batch's mean loss: categorical crossentropy of softmax, or MSE of a relu output. */
function lossFn(spec, params, x, y, key) {
  const z = forward(spec, params, x, key, true);
  const batch = y.shape[0];
  if (spec.loss === 'meanSquaredError') return np.square(nn.relu(z).sub(y)).mean();
  return nn.logSoftmax(z).mul(y).sum().mul(-1 / batch);
}

/**
 * One engine = { params, fit(epochs) → the loss of its last batch, dispose() }
 * on its own parameters and its own copy of the data, shuffled every epoch.
 */
export function jaxEngine(spec, data, seed = 1) {
  const graph = Boolean(spec.nodes);
  const usesKey = !graph && spec.layers.some((l) => l.type === 'dropout');
  const adam = spec.opt === 'adam';
  // The step's carry: what it hands to the next step besides the parameters and
  // Adam's moments — M5's dropout key, R1's moving means and variances; else none.
  let params, carry = null;
  if (graph) ({ params, stats: carry } = initGraphParams(spec, seed));
  else {
    params = initParams(spec, seed);
    if (usesKey) carry = random.key(seed + 1);
  }
  const size = [...params, ...(graph ? carry : [])].reduce((n, w) => n + w.size, 0);
  let m = adam ? params.map((w) => np.zerosLike(w.ref)) : [];
  let v = adam ? params.map((w) => np.zerosLike(w.ref)) : [];
  const X = np.array(data.x).reshape([data.rows, 784]), Y = np.array(data.y).reshape([data.rows, 10]);

  // (params, m, v, x, y, lr, carry) → [loss, params, m, v, carry]: one
  // jit-compiled training step. A dropout key is split inside: one half for
  // this step's mask, the other returned for the next step.
  const step = jit((params, m, v, X, Y, idx, lr, carry) => {
    const x = X.slice(idx.ref), y = Y.slice(idx);
    let loss, grads, nextCarry;
    if (graph) {
      let batchStats;
      [[loss, batchStats], grads] = valueAndGrad((p) => graphLoss(spec, p, x, y), { hasAux: true })(tree.ref(params));
      nextCarry = carry.map((s, i) => s.mul(BN_MOMENTUM).add(batchStats[i].mul(1 - BN_MOMENTUM)));
    } else {
      let maskKey = null;
      if (usesKey) {
        const keys = random.split(carry, 2);
        maskKey = keys.ref.slice(0), nextCarry = keys.slice(1);
      }
      [loss, grads] = valueAndGrad((p) => lossFn(spec, p, x, y, maskKey))(tree.ref(params));
    }
    let out;
    if (!adam) {
      out = [loss, params.map((w, i) => w.sub(grads[i].mul(lr.ref))), [], []];
      lr.dispose();
    } else out = [loss, ...adamUpdate(params, grads, m, v, lr)];
    return carry ? [...out, nextCarry] : out;
  });

  let t = 0;
  const batches = data.rows / spec.batch;
  if (!Number.isInteger(batches)) throw new Error(`jax-js engine: ${data.rows} rows is not a whole number of batches of ${spec.batch}`);
  const shuffle = shuffler(data.rows, seed);

  return {
    params: size,
    fit: async (epochs) => {
      let last;
      for (let e = 0; e < epochs; e++) {
        const order = shuffle();
        for (let b = 0; b < batches; b++) {
          const idx = np.array(order.subarray(b * spec.batch, (b + 1) * spec.batch), { dtype: np.int32 });
          t++;
          const lrT = adam ? (spec.lr * Math.sqrt(1 - B2 ** t)) / (1 - B1 ** t) : spec.lr;
          let loss;
          if (carry) [loss, params, m, v, carry] = step(params, m, v, X.ref, Y.ref, idx, np.array(lrT), carry);
          else [loss, params, m, v] = step(params, m, v, X.ref, Y.ref, idx, np.array(lrT));
          await blockUntilReady(params);
          if (b === batches - 1) last = (await loss.data())[0];
          else loss.dispose();
        }
      }
      return last;
    },
    dispose: () => {
      for (const a of [...params, ...m, ...v, X, Y, ...(graph ? carry : [])]) a.dispose();
      if (usesKey) carry.dispose();
      step.dispose();
    },
  };
}
