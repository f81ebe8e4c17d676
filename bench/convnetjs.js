// ConvNetJS 0.3 (npm convnetjs): the bench's models in its layer definitions,
// trained the ConvNetJS way — one sample at a time through net.forward and
// net.backward, the gradients summed over `batch` samples, then one update.
//
// npm's convnetjs 0.3.0 Trainer knows sgd, momentum, adagrad, windowgrad and
// adadelta but not Adam (Adam came to its GitHub source after that release),
// so the update here is Adam with TF.js' constants (β1 0.9, β2 0.999, ε 1e-7,
// bias-corrected step size) on the batch-mean gradient, written for this bench
// in the shape of ConvNetJS' own Trainer.train (plain SGD for a model that asks
// for it). The update runs once per batch over the parameters, a small share of
// the per-sample work. Softmax classifiers only (ConvNetJS' 'softmax' layer).
import convnetjs from 'convnetjs';
import { shuffler } from './common.js';

const B1 = 0.9, B2 = 0.999, EPS = 1e-7;

/** ConvNetJS layer definitions for a model (its 'softmax' layer brings the last fully connected layer with it). */
export function convnetjsLayers(spec) {
  if (spec.layers.at(-1).activation !== 'softmax') throw new Error('the ConvNetJS engine trains softmax classifiers only');
  const defs = [spec.isConv ? { type: 'input', out_sx: 28, out_sy: 28, out_depth: 1 } : { type: 'input', out_sx: 1, out_sy: 1, out_depth: spec.input[0] }];
  spec.layers.forEach((l, i) => {
    const last = i === spec.layers.length - 1;
    if (l.type === 'conv2d') defs.push({ type: 'conv', sx: l.kernelSize, filters: l.filters, stride: 1, pad: 0, activation: l.activation });
    else if (l.type === 'maxPooling2d') defs.push({ type: 'pool', sx: l.poolSize, stride: l.poolSize });
    else if (l.type === 'dropout') defs.push({ type: 'dropout', drop_prob: l.rate });
    else if (l.type === 'dense' && last && l.activation === 'softmax') defs.push({ type: 'softmax', num_classes: l.units });
    else if (l.type === 'dense') defs.push({ type: 'fc', num_neurons: l.units, activation: l.activation });
    // flatten: ConvNetJS' fully connected layer takes any volume as it is
  });
  return defs;
}

/** One engine = { params, fit(epochs) → mean loss of the last epoch, dispose() }. */
export function convnetjsEngine(spec, data, seed = 1) {
  const net = new convnetjs.Net();
  net.makeLayers(convnetjsLayers(spec));
  const [sx, sy, depth] = spec.isConv ? [28, 28, 1] : [1, 1, spec.input[0]];
  const vols = Array.from({ length: data.rows }, (_, r) => {
    const v = new convnetjs.Vol(sx, sy, depth, 0.0);
    v.w.set(data.x.subarray(r * 784, (r + 1) * 784));
    return v;
  });
  const groups = net.getParamsAndGrads();
  const m = groups.map((g) => new Float32Array(g.params.length)), v = groups.map((g) => new Float32Array(g.params.length));
  let t = 0;
  const shuffle = shuffler(data.rows, seed);

  function update(count) {
    t++;
    const lr = spec.opt === 'adam' ? (spec.lr * Math.sqrt(1 - B2 ** t)) / (1 - B1 ** t) : spec.lr;
    groups.forEach(({ params: p, grads: g }, i) => {
      const mi = m[i], vi = v[i];
      for (let j = 0; j < p.length; j++) {
        const grad = g[j] / count;
        if (spec.opt === 'adam') {
          mi[j] = B1 * mi[j] + (1 - B1) * grad;
          vi[j] = B2 * vi[j] + (1 - B2) * grad * grad;
          p[j] -= (lr * mi[j]) / (Math.sqrt(vi[j]) + EPS);
        } else p[j] -= lr * grad;
        g[j] = 0;
      }
    });
  }

  return {
    params: groups.reduce((n, g) => n + g.params.length, 0),
    fit: async (epochs) => {
      let sum = 0;
      for (let e = 0; e < epochs; e++) {
        const order = shuffle();
        sum = 0;
        for (let start = 0; start < data.rows; start += spec.batch) {
          const end = Math.min(start + spec.batch, data.rows);
          for (let k = start; k < end; k++) {
            net.forward(vols[order[k]], true);
            sum += net.backward(data.labels[order[k]]); // softmax: the class index
          }
          update(end - start);
        }
      }
      return sum / data.rows;
    },
    dispose: () => {},
  };
}
