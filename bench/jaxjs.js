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

/** Starts the wasm backend (single-threaded in Node: jax-js threads only where a global Worker exists). */
export async function jaxReady() {
  await jax.init('wasm');
  jax.defaultDevice('wasm');
  const { version } = JSON.parse(readFileSync(new URL('../node_modules/@jax-js/jax/package.json', import.meta.url), 'utf8'));
  return { version, threads: typeof Worker !== 'undefined' && typeof SharedArrayBuffer !== 'undefined' };
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
  const usesKey = spec.layers.some((l) => l.type === 'dropout');
  const adam = spec.opt === 'adam';
  let params = initParams(spec, seed);
  let m = adam ? params.map((w) => np.zerosLike(w.ref)) : [];
  let v = adam ? params.map((w) => np.zerosLike(w.ref)) : [];
  let key = usesKey ? random.key(seed + 1) : null;
  const X = np.array(data.x).reshape([data.rows, 784]), Y = np.array(data.y).reshape([data.rows, 10]);

  // (params, m, v, x, y, lr, key) → [loss, params, m, v, key]: one jit-compiled
  // training step. The key (dropout only) is split inside: one half for this
  // step's mask, the other returned for the next step.
  const step = jit((params, m, v, X, Y, idx, lr, key) => {
    const x = X.slice(idx.ref), y = Y.slice(idx);
    let maskKey = null, nextKey = null;
    if (usesKey) {
      const keys = random.split(key, 2);
      maskKey = keys.ref.slice(0), nextKey = keys.slice(1);
    }
    const [loss, grads] = valueAndGrad((p) => lossFn(spec, p, x, y, maskKey))(tree.ref(params));
    let out;
    if (!adam) out = [loss, params.map((w, i) => w.sub(grads[i].mul(lr.ref))), [], []];
    else {
      const m2 = m.map((mi, i) => mi.mul(B1).add(grads[i].ref.mul(1 - B1)));
      const v2 = v.map((vi, i) => vi.mul(B2).add(np.square(grads[i]).mul(1 - B2)));
      const p2 = params.map((w, i) => w.sub(m2[i].ref.div(np.sqrt(v2[i].ref).add(EPS)).mul(lr.ref)));
      out = [loss, p2, m2, v2];
    }
    lr.dispose();
    return usesKey ? [...out, nextKey] : out;
  });

  let t = 0;
  const batches = data.rows / spec.batch;
  if (!Number.isInteger(batches)) throw new Error(`jax-js engine: ${data.rows} rows is not a whole number of batches of ${spec.batch}`);
  const shuffle = shuffler(data.rows, seed);

  return {
    params: params.reduce((n, w) => n + w.size, 0),
    fit: async (epochs) => {
      let last;
      for (let e = 0; e < epochs; e++) {
        const order = shuffle();
        for (let b = 0; b < batches; b++) {
          const idx = np.array(order.subarray(b * spec.batch, (b + 1) * spec.batch), { dtype: np.int32 });
          t++;
          const lrT = adam ? (spec.lr * Math.sqrt(1 - B2 ** t)) / (1 - B1 ** t) : spec.lr;
          let loss;
          if (usesKey) [loss, params, m, v, key] = step(params, m, v, X.ref, Y.ref, idx, np.array(lrT), key);
          else [loss, params, m, v] = step(params, m, v, X.ref, Y.ref, idx, np.array(lrT));
          await blockUntilReady(params);
          if (b === batches - 1) last = (await loss.data())[0];
          else loss.dispose();
        }
      }
      return last;
    },
    dispose: () => {
      for (const a of [...params, ...m, ...v, X, Y]) a.dispose();
      key?.dispose();
      step.dispose();
    },
  };
}
