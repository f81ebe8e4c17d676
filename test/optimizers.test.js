// SGD and Adam against their published formulas computed in float64 over 25 steps
// on random parameters and gradients (Keras' definitions, see c/optimizer.c).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as sn from '../web/index.js';
import { randomArray } from './support/models.js';

await sn.ready();

const STEPS = 25;

/** A 7→5 dense model (40 parameters) whose weights we drive with given gradients. */
function harness(optimizer) {
  const model = sn.sequential({ seed: 11 });
  model.add(sn.layers.dense({ units: 5, inputShape: [7] }));
  model.compile({ optimizer, loss: 'mse' });
  return model;
}

/**
 * Feeds the same random gradients to the library and to `reference(w, g, t, i)`
 * (float64, mutating w) and returns the worst ratio of error to tolerance (≤ 1 passes).
 * Tolerance per parameter: 1e-4 of its total movement, plus one float32 ulp of its
 * size per step for the rounding of w itself. A wrong coefficient, sign or bias
 * correction moves the result by percents, far beyond it.
 */
function worstErrorRatio(optimizer, reference) {
  const model = harness(optimizer);
  const start = model.getWeights().map((w) => w.values);
  const w64 = start.map((v) => Float64Array.from(v));
  for (let t = 1; t <= STEPS; t++) {
    const grads = start.map((v, i) => randomArray(v.length, 1000 * t + i, -2, 2));
    model.optimizer.applyGradients(grads);
    w64.forEach((w, i) => reference(w, grads[i], t, i));
  }
  let worst = 0;
  model.getWeights().forEach((w, i) => w.values.forEach((v, j) => {
    const moved = Math.abs(w64[i][j] - start[i][j]);
    const tolerance = 1e-4 * moved + STEPS * Math.max(Math.abs(v), 1) * 2 ** -23;
    worst = Math.max(worst, Math.abs(v - w64[i][j]) / tolerance);
  }));
  model.dispose();
  return worst;
}

test('SGD: w −= lr·g', () => {
  const err = worstErrorRatio(sn.optimizers.sgd({ learningRate: 0.05 }), (w, g) => w.forEach((_, j) => (w[j] -= 0.05 * g[j])));
  assert.ok(err <= 1, `error ${err}× the tolerance`);
});

const momentumReference = (lr, mu, nesterov) => {
  const velocity = [];
  return (w, g, t, i) => {
    velocity[i] ??= new Float64Array(w.length);
    const v = velocity[i];
    w.forEach((_, j) => {
      v[j] = mu * v[j] - lr * g[j];
      w[j] += nesterov ? mu * v[j] - lr * g[j] : v[j];
    });
  };
};

test('SGD with momentum (Keras): v = μv − lr·g; w += v', () => {
  const err = worstErrorRatio(sn.optimizers.sgd({ learningRate: 0.02, momentum: 0.9 }), momentumReference(0.02, 0.9, false));
  assert.ok(err <= 1, `error ${err}× the tolerance`);
});

test('SGD with Nesterov momentum (Keras): w += μv − lr·g', () => {
  const err = worstErrorRatio(sn.optimizers.sgd({ learningRate: 0.02, momentum: 0.8, nesterov: true }), momentumReference(0.02, 0.8, true));
  assert.ok(err <= 1, `error ${err}× the tolerance`);
});

/**
 * Adam as Keras documents it (Kingma & Ba's efficient form, section 2):
 * α_t = lr·√(1−β2^t)/(1−β1^t); m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²; w −= α_t·m/(√v + ε).
 */
const adamReference = ({ lr, b1, b2, eps }) => {
  const moments = [];
  return (w, g, t, i) => {
    moments[i] ??= { m: new Float64Array(w.length), v: new Float64Array(w.length) };
    const { m, v } = moments[i];
    const alpha = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
    w.forEach((_, j) => {
      m[j] = b1 * m[j] + (1 - b1) * g[j];
      v[j] = b2 * v[j] + (1 - b2) * g[j] * g[j];
      w[j] -= (alpha * m[j]) / (Math.sqrt(v[j]) + eps);
    });
  };
};

test('Adam with Keras defaults (β1 0.9, β2 0.999, ε 1e-7)', () => {
  const hp = { lr: 0.01, b1: 0.9, b2: 0.999, eps: 1e-7 };
  const err = worstErrorRatio(sn.optimizers.adam({ learningRate: hp.lr }), adamReference(hp));
  assert.ok(err <= 1, `error ${err}× the tolerance`);
});

test('Adam with other betas and a large ε, where the place of ε matters', () => {
  const hp = { lr: 0.003, b1: 0.8, b2: 0.99, eps: 0.5 };
  const err = worstErrorRatio(sn.optimizers.adam({ learningRate: hp.lr, beta1: hp.b1, beta2: hp.b2, epsilon: hp.eps }), adamReference(hp));
  assert.ok(err <= 1, `error ${err}× the tolerance`);
});
