// Small models and data shared by the tests.
import { sn } from './entry.js';
import { mulberry32 } from '../../web/core/random.js';

/** Deterministic pseudo-random floats in [lo, hi) (mulberry32), independent of the library's generator. */
export function randomArray(n, seed, lo = -1, hi = 1) {
  const next = mulberry32(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * next());
}

/** A small classifier inputs-hidden…-classes with softmax output, compiled. */
export function classifier({ inputs = 6, hidden = [8], classes = 3, seed = 7, optimizer = sn.optimizers.adam({ learningRate: 0.01 }), loss = 'categoricalCrossentropy', activation = 'relu' } = {}) {
  const model = sn.sequential({ seed });
  hidden.forEach((units, i) => model.add(sn.layers.dense({ units, activation, ...(i === 0 ? { inputShape: [inputs] } : {}) })));
  model.add(sn.layers.dense({ units: classes, activation: 'softmax', ...(hidden.length ? {} : { inputShape: [inputs] }) }));
  model.compile({ optimizer, loss, metrics: ['accuracy'] });
  return model;
}

/** rows × inputs features and integer labels that depend on them (learnable). */
export function blobs(rows, inputs = 6, classes = 3, seed = 3) {
  const x = randomArray(rows * inputs, seed);
  const labels = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let j = 0; j < inputs; j++) s += x[r * inputs + j] * (j + 1);
    labels[r] = Math.min(classes - 1, Math.max(0, Math.floor((s + 3) / 2)));
  }
  return { x, labels, y: sn.data.oneHot(labels, classes) };
}

export const flatWeights = (model) => model.getWeights().map((w) => Array.from(w.values)).flat();

