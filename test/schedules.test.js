// Each learning-rate schedule against its formula (Keras' documentation of
// keras.optimizers.schedules) computed here in float64 at several steps,
// including the corners: staircase, cycle, boundaries, warm-up, restarts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as sn from '../web/index.js';

await sn.ready();

const STEPS = [0, 1, 2, 5, 9, 10, 11, 37, 100, 250, 1000, 12345];
// Parameters are stored as float32 (0.96 → 0.9599999785…): the formulas below
// use that rounding where an exponent would amplify it (f32), and otherwise
// differ by ~1e-7 relative; 2e-6 leaves room while a wrong formula misses by far more.
const f32 = Math.fround;
const close = (actual, expected, what) =>
  assert.ok(Math.abs(actual - expected) <= 2e-6 * Math.abs(expected) + 1e-12, `${what}: got ${actual}, expected ${expected}`);

function check(schedule, formula, steps = STEPS) {
  for (const step of steps) {
    close(schedule(step), formula(step), `${schedule.name} at step ${step}`);
    assert.equal(schedule.at(step), schedule(step));
  }
}

test('exponentialDecay: initial · rate^(step / decaySteps), floored exponent when staircase', () => {
  check(sn.schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.96 }), (s) => 0.1 * f32(0.96) ** (s / 10));
  check(sn.schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.96, staircase: true }), (s) => 0.1 * f32(0.96) ** Math.floor(s / 10));
  assert.equal(sn.optimizers.schedules.exponentialDecay, sn.schedules.exponentialDecay, 'also under Keras\' path');
});

test('inverseTimeDecay: initial / (1 + rate · step / decaySteps)', () => {
  check(sn.schedules.inverseTimeDecay({ initialLearningRate: 0.5, decaySteps: 7, decayRate: 0.3 }), (s) => 0.5 / (1 + 0.3 * (s / 7)));
  check(sn.schedules.inverseTimeDecay({ initialLearningRate: 0.5, decaySteps: 7, decayRate: 0.3, staircase: true }), (s) => 0.5 / (1 + 0.3 * Math.floor(s / 7)));
});

test('polynomialDecay: (initial − end)(1 − min(step, decaySteps)/decaySteps)^power + end; cycle stretches the horizon', () => {
  check(sn.schedules.polynomialDecay({ initialLearningRate: 0.1, decaySteps: 100, endLearningRate: 0.01, power: 2 }),
    (s) => (0.1 - 0.01) * (1 - Math.min(s, 100) / 100) ** 2 + 0.01);
  check(sn.schedules.polynomialDecay({ initialLearningRate: 0.1, decaySteps: 100 }), (s) => (0.1 - 0.0001) * (1 - Math.min(s, 100) / 100) + 0.0001);
  check(sn.schedules.polynomialDecay({ initialLearningRate: 0.1, decaySteps: 100, endLearningRate: 0.01, power: 0.5, cycle: true }), (s) => {
    const horizon = 100 * (s === 0 ? 1 : Math.ceil(s / 100));
    return (0.1 - 0.01) * (1 - s / horizon) ** 0.5 + 0.01;
  });
});

test('piecewiseConstantDecay: values[i] on (boundaries[i−1], boundaries[i]]', () => {
  const boundaries = [10, 100, 1000], values = [1, 0.5, 0.1, 0.01];
  check(sn.schedules.piecewiseConstantDecay({ boundaries, values }), (s) => values[boundaries.filter((b) => s > b).length]);
  assert.throws(() => sn.schedules.piecewiseConstantDecay({ boundaries: [1, 2], values: [1, 2] }), /one longer than boundaries/);
  assert.throws(() => sn.schedules.piecewiseConstantDecay({ boundaries: [5, 2], values: [1, 2, 3] }), /boundaries must increase/);
});

const cosine = (fraction, alpha) => (1 - alpha) * 0.5 * (1 + Math.cos(Math.PI * fraction)) + alpha;

test('cosineDecay: initial · ((1 − α)·½(1 + cos(π·min(step, T)/T)) + α), with an optional linear warm-up', () => {
  check(sn.schedules.cosineDecay({ initialLearningRate: 0.2, decaySteps: 300, alpha: 0.1 }), (s) => 0.2 * cosine(Math.min(s, 300) / 300, 0.1));
  const warm = { initialLearningRate: 0, decaySteps: 200, warmupTarget: 0.4, warmupSteps: 50 };
  check(sn.schedules.cosineDecay(warm), (s) => {
    if (s < 50) return (0.4 * s) / 50;
    return 0.4 * cosine((Math.min(s, 250) - 50) / 200, 0);
  });
});

// Keras 3's CosineDecay.__call__ (keras/src/optimizers/schedules/learning_rate_schedule.py), line for line: with
// warmup_target, step is capped at decay_steps + warmup_steps; below warmup_steps the rate goes linearly from
// initial_learning_rate to warmup_target; after it, warmup_target · ((1 − α)·½(1 + cos(π(step − warmup)/decay)) + α).
function kerasCosineDecay({ initialLearningRate, decaySteps, alpha = 0, warmupTarget = null, warmupSteps = 0 }) {
  const decay = (step, from) => from * ((1 - alpha) * 0.5 * (1 + Math.cos(Math.PI * (step / decaySteps))) + alpha);
  return (step) => {
    if (warmupTarget === null) return decay(Math.min(step, decaySteps), initialLearningRate);
    const s = Math.min(step, decaySteps + warmupSteps);
    if (s < warmupSteps) return (warmupTarget - initialLearningRate) * (s / warmupSteps) + initialLearningRate;
    return decay(s - warmupSteps, warmupTarget);
  };
}

test('cosineDecay equals Keras 3\'s CosineDecay with a warm-up from a nonzero rate and alpha: in, at and after the warm-up and decaySteps', () => {
  const steps = [0, 1, 7, 29, 30, 31, 64, 129, 130, 131, 500, 12345];
  for (const config of [
    { initialLearningRate: 0.05, decaySteps: 100, alpha: 0.1, warmupTarget: 0.3, warmupSteps: 30 },
    { initialLearningRate: 0.5, decaySteps: 100, warmupTarget: 0.1, warmupSteps: 30 }, // a warm-up that goes down
    { initialLearningRate: 0.05, decaySteps: 130, alpha: 0.2 },
  ]) {
    const keras = kerasCosineDecay(config);
    check(sn.schedules.cosineDecay(config), (s) => keras(s), steps);
    // C evaluates it too (c/schedule.h): the rate an optimizer steps with at its iterations.
    const opt = sn.optimizers.sgd({ learningRate: sn.schedules.cosineDecay(config) });
    const w = new Float32Array(1);
    for (let t = 0; t <= 131; t++) {
      if (steps.includes(t)) close(opt.learningRate, keras(t), `the optimizer's rate at iteration ${t}`);
      opt.step(w, new Float32Array(1));
    }
    opt.dispose();
  }
  // Teeth: the boundary belongs to the decay (step 30 is warmupTarget itself, not the warm-up's last value).
  assert.equal(kerasCosineDecay({ initialLearningRate: 0, decaySteps: 10, warmupTarget: 1, warmupSteps: 30 })(30), 1);
  assert.equal(sn.schedules.cosineDecay({ initialLearningRate: 0, decaySteps: 10, warmupTarget: 1, warmupSteps: 30 })(30), 1);
});

test('cosineDecayRestarts: periods of T·tMul^i steps, peaks initial·mMul^i', () => {
  const formula = (T, tMul, mMul, alpha) => (s) => {
    let start = 0, length = T, i = 0;
    while (s >= start + length) start += length, length *= tMul, i++;
    return 0.3 * (mMul ** i * (1 - alpha) * 0.5 * (1 + Math.cos((Math.PI * (s - start)) / length)) + alpha);
  };
  check(sn.schedules.cosineDecayRestarts({ initialLearningRate: 0.3, firstDecaySteps: 20 }), formula(20, 2, 1, 0));
  check(sn.schedules.cosineDecayRestarts({ initialLearningRate: 0.3, firstDecaySteps: 20, tMul: 1, mMul: 0.9, alpha: 0.05 }), formula(20, 1, f32(0.9), 0.05));
  check(sn.schedules.cosineDecayRestarts({ initialLearningRate: 0.3, firstDecaySteps: 16, tMul: 1.5, mMul: 0.5 }), formula(16, 1.5, 0.5, 0));
});

test('schedules refuse missing and unknown options by name', () => {
  assert.throws(() => sn.schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10 }), /exponentialDecay needs decayRate/);
  assert.throws(() => sn.schedules.cosineDecay({ initialLearningRate: 0.1, decaySteps: 10, warmup: 3 }), /cosineDecay: unknown option "warmup"/);
  assert.throws(() => sn.schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 0, decayRate: 0.5 }), /decaySteps must be/);
});
