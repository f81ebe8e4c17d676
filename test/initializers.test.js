// Initializers: Keras' definitions checked by their bounds and moments on a
// large kernel, and seeded reproducibility bit for bit.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as sn from '../web/index.js';

await sn.ready();

const FAN_IN = 400, FAN_OUT = 300; // 120,000 draws: sample moments within ~1% of the truth

function kernel(kernelInitializer, seed = 1) {
  const model = sn.sequential({ seed });
  model.add(sn.layers.dense({ units: FAN_OUT, inputShape: [FAN_IN], kernelInitializer }));
  const values = model.getWeights()[0].values;
  model.dispose();
  return values;
}

function moments(v) {
  const mean = v.reduce((s, x) => s + x, 0) / v.length;
  const std = Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length);
  return { mean, std, min: Math.min(...v), max: Math.max(...v) };
}

const near = (actual, expected, rel, what) =>
  assert.ok(Math.abs(actual - expected) <= rel * Math.abs(expected), `${what}: ${actual} vs ${expected}`);

test('constant initializers', () => {
  assert.ok(kernel('zeros').every((v) => v === 0));
  assert.ok(kernel('ones').every((v) => v === 1));
  assert.ok(kernel(sn.initializers.constant({ value: 0.25 })).every((v) => v === 0.25));
});

test('uniform initializers stay in their limits and have the uniform variance', () => {
  const cases = [
    ['glorotUniform', Math.sqrt(6 / (FAN_IN + FAN_OUT))],
    ['heUniform', Math.sqrt(6 / FAN_IN)],
    ['leCunUniform', Math.sqrt(3 / FAN_IN)],
  ];
  for (const [name, limit] of cases) {
    const m = moments(kernel(name));
    assert.ok(m.min >= -limit && m.max <= limit, `${name} within ±${limit}`);
    assert.ok(m.max > 0.99 * limit && m.min < -0.99 * limit, `${name} fills its range`);
    near(m.std, limit / Math.sqrt(3), 0.01, `${name} std`);
    assert.ok(Math.abs(m.mean) < 0.01 * limit, `${name} mean ${m.mean}`);
  }
  const m = moments(kernel(sn.initializers.randomUniform({ minval: 1, maxval: 3 })));
  assert.ok(m.min >= 1 && m.max <= 3);
  near(m.mean, 2, 0.01, 'randomUniform mean');
});

test('normal initializers: variance scaling draws truncated normals with the target std', () => {
  const cases = [
    ['glorotNormal', Math.sqrt(2 / (FAN_IN + FAN_OUT))],
    ['heNormal', Math.sqrt(2 / FAN_IN)],
    ['leCunNormal', Math.sqrt(1 / FAN_IN)],
  ];
  for (const [name, std] of cases) {
    const m = moments(kernel(name));
    near(m.std, std, 0.015, `${name} std`);
    const bound = (2 * std) / 0.87962566103423978;
    assert.ok(m.max <= bound * 1.0001 && m.min >= -bound * 1.0001, `${name} truncated at 2 stddev of its normal`);
  }
  const normal = moments(kernel(sn.initializers.randomNormal({ mean: 1, stddev: 0.5 })));
  near(normal.mean, 1, 0.01, 'randomNormal mean');
  near(normal.std, 0.5, 0.01, 'randomNormal std');
  assert.ok(normal.max > 1 + 2.2 * 0.5, 'randomNormal is not truncated');
  const truncated = moments(kernel(sn.initializers.truncatedNormal({ mean: 0, stddev: 0.1 })));
  assert.ok(truncated.max <= 0.2 && truncated.min >= -0.2, 'truncatedNormal redraws beyond 2 stddev');
  near(truncated.std, 0.1 * 0.87962566103423978, 0.015, 'truncatedNormal std');
});

test('the same seed gives bit-identical weights; another seed different ones', () => {
  for (const name of ['glorotUniform', 'heNormal', 'randomNormal']) {
    assert.deepEqual(kernel(name, 123), kernel(name, 123));
    assert.notDeepEqual(kernel(name, 123), kernel(name, 124));
  }
});

test('biasInitializer applies to biases; default biases are zero', () => {
  const model = sn.sequential({ seed: 1 });
  model.add(sn.layers.dense({ units: 4, inputShape: [3], biasInitializer: 'ones' }));
  model.add(sn.layers.dense({ units: 2 }));
  const [, b0, , b1] = model.getWeights();
  assert.deepEqual(Array.from(b0.values), [1, 1, 1, 1]);
  assert.deepEqual(Array.from(b1.values), [0, 0]);
  model.dispose();
});
