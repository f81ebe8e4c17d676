// The course's learning-rate decay (§2), regularization (§6) and optimizers
// (§7) from the course's REFERENCE.md, reproduced with simdnet.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as sn from '../web/index.js';
import { columns } from './support/reference.js';
import { standaloneError } from './support/steps.js';

await sn.ready();

// ---------------------------------------------------------------------------
// §2 loss = (w + 1)², w₀ = 5, lr = 0.2·0.99^epoch, one update per epoch.
// The published table (float32): w after the update, loss before it, lr.
// ---------------------------------------------------------------------------
const TABLE = [
  [2.6, 36, 0.2], [1.1744, 12.959999, 0.198], [0.321948, 4.728015, 0.19602], [-0.191126, 1.747547, 0.19406],
  [-0.501926, 0.654277, 0.192119], [-0.691392, 0.248077, 0.190198], [-0.807611, 0.095239, 0.188296],
  [-0.879339, 0.037014, 0.186413], [-0.923874, 0.014559, 0.184549], [-0.951691, 0.005795, 0.182703],
  [-0.969167, 0.002334, 0.180876],
];
// Six published digits: ±5e-7 of rounding plus float32 differences in how lr
// and the product are rounded (≈ 2 ulp at |w| ≤ 4, ≈ 5e-7); one step more or
// less, or lr 0.2·0.99^(epoch+1), is off by 1e-3 or more.
const SIX_DIGITS = 1e-6;
const near = (actual, expected, what) =>
  assert.ok(Math.abs(actual - expected) <= SIX_DIGITS * Math.max(1, Math.abs(expected)), `${what}: got ${actual}, published ${expected}`);

/** The course's one-weight problem as a model: x = 1, target −1, MSE = (w + 1)². */
function oneWeight(optimizer) {
  const model = sn.sequential({ seed: 1 });
  model.add(sn.layers.dense({ units: 1, inputShape: [1], useBias: false, kernelInitializer: sn.initializers.constant({ value: 5 }) }));
  model.compile({ optimizer, loss: 'mse' });
  return model;
}

async function checkTable(optimizer, callbacks = []) {
  const model = oneWeight(optimizer);
  const w = [], lr = [];
  const record = { onEpochBegin: () => lr.push(model.optimizer.learningRate), onEpochEnd: () => w.push(model.getWeights()[0].values[0]) };
  const h = await model.fit([[1]], [[-1]], { epochs: TABLE.length, batchSize: 1, callbacks: [...callbacks, record] });
  TABLE.forEach(([wAfter, lossBefore, rate], epoch) => {
    near(w[epoch], wAfter, `epoch ${epoch} w`);
    near(h.history.loss[epoch], lossBefore, `epoch ${epoch} loss`);
    near(lr[epoch], rate, `epoch ${epoch} lr`);
  });
  model.dispose();
}

test('§2 exponentialDecay(0.2, decaySteps 1, decayRate 0.99) evaluated in C at every step reproduces the table', async () => {
  await checkTable(sn.optimizers.sgd({ learningRate: sn.schedules.exponentialDecay({ initialLearningRate: 0.2, decaySteps: 1, decayRate: 0.99 }) }));
});

test('§2 the same table with learningRateScheduler((epoch) => 0.2·0.99^epoch) setting a constant rate per epoch', async () => {
  await checkTable(sn.optimizers.sgd({ learningRate: 0.2 }), [sn.callbacks.learningRateScheduler((epoch) => 0.2 * 0.99 ** epoch)]);
});

test('§2 the course\'s own loop, written with opt.step on a Float32Array', () => {
  const schedule = sn.schedules.exponentialDecay({ initialLearningRate: 0.2, decaySteps: 1, decayRate: 0.99 });
  const opt = sn.optimizers.sgd({ learningRate: schedule });
  const w = new Float32Array([5]);
  TABLE.forEach(([wAfter, lossBefore, rate], epoch) => {
    near(Math.fround((w[0] + 1) ** 2), lossBefore, `epoch ${epoch} loss`);
    near(schedule(epoch), rate, `epoch ${epoch} lr`);
    opt.step(w, [Math.fround(2 * w[0] + 2)]);
    near(w[0], wAfter, `epoch ${epoch} w`);
  });
  opt.dispose();
});

// ---------------------------------------------------------------------------
// §7 the five optimizers in the course's exact forms: gradient g, first moment
// m, second moment V, w −= lr·m/√V, no ε. Written here as the course writes
// them; the library reaches each with options (dampening, ε = 0, …).
// ---------------------------------------------------------------------------

/** The course's template: m and V from their previous values and g; w −= lr·m̂/√V̂. */
function courseForm(lr, { m: nextM, V: nextV, correct = () => [1, 1] }) {
  const states = [];
  return (ws, gs, t) => ws.forEach((w, i) => {
    const s = (states[i] ??= { m: new Float64Array(w.length), V: new Float64Array(w.length) });
    const [cm, cv] = correct(t);
    w.forEach((_, j) => {
      const g = gs[i][j];
      s.m[j] = nextM(s.m[j], g);
      s.V[j] = nextV(s.V[j], g);
      w[j] -= (lr * (s.m[j] / cm)) / Math.sqrt(s.V[j] / cv);
    });
  });
}

const COURSE = [
  ['SGD: m = g, V = 1', sn.optimizers.sgd({ learningRate: 0.1 }), courseForm(0.1, { m: (m, g) => g, V: () => 1 })],
  ['SGD with momentum: m = 0.9·m + 0.1·g, V = 1', sn.optimizers.sgd({ learningRate: 0.1, momentum: 0.9, dampening: 0.9 }),
    courseForm(0.1, { m: (m, g) => 0.9 * m + 0.1 * g, V: () => 1 })],
  ['Adagrad: m = g, V = Σg²', sn.optimizers.adagrad({ learningRate: 0.1, initialAccumulatorValue: 0, epsilon: 0 }),
    courseForm(0.1, { m: (m, g) => g, V: (V, g) => V + g * g })],
  ['RMSProp: m = g, V = 0.9·V + 0.1·g²', sn.optimizers.rmsprop({ learningRate: 0.01, rho: 0.9, epsilon: 0 }),
    courseForm(0.01, { m: (m, g) => g, V: (V, g) => 0.9 * V + 0.1 * g * g })],
  ['Adam: m = 0.9m + 0.1g, V = 0.999V + 0.001g², m̂ = m/(1−0.9^t), V̂ = V/(1−0.999^t)', sn.optimizers.adam({ learningRate: 0.01, epsilon: 0 }),
    courseForm(0.01, { m: (m, g) => 0.9 * m + 0.1 * g, V: (V, g) => 0.999 * V + 0.001 * g * g, correct: (t) => [1 - 0.9 ** t, 1 - 0.999 ** t] })],
];

for (const [name, optimizer, reference] of COURSE) {
  test(`§7 ${name}, over 25 steps, matches the float64 course formula`, () => {
    const err = standaloneError(optimizer, reference);
    assert.ok(err <= 1, `error ${err}× the tolerance`);
  });
}

// ---------------------------------------------------------------------------
// §6 dot.csv: 2-11-1 relu network, MSE, with and without l2(0.03) on the
// kernels; the course's training (SGD lr 0.005, batch 32, 800 epochs, weights
// N(0, 1), biases 0.01). We implement Keras' L2, 0.03·Σw² (the course's
// tf.nn.l2_loss is Σw²/2, so its 0.03 equals Keras' l2(0.015)).
// ---------------------------------------------------------------------------

test('§6 L2 gives a smaller kernel norm and a smoother predicted grid on dot.csv', async () => {
  const [x1, x2, yc] = columns('dot.csv', 'x1', 'x2', 'y_c');
  const x = new Float32Array(x1.length * 2);
  x1.forEach((v, i) => x.set([v, x2[i]], 2 * i));
  // The grid: step 0.01 over the data's range, as the course draws it.
  const lo = [Math.min(...x1), Math.min(...x2)], hi = [Math.max(...x1), Math.max(...x2)];
  const rows = Math.floor((hi[0] - lo[0]) / 0.01) + 1, cols = Math.floor((hi[1] - lo[1]) / 0.01) + 1;
  const grid = new Float32Array(rows * cols * 2);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) grid.set([lo[0] + i * 0.01, lo[1] + j * 0.01], 2 * (i * cols + j));

  async function train(regularizer) {
    const init = { kernelInitializer: sn.initializers.randomNormal({ stddev: 1 }), biasInitializer: sn.initializers.constant({ value: 0.01 }), kernelRegularizer: regularizer };
    const model = sn.sequential({ seed: 2 });
    model.add(sn.layers.dense({ units: 11, activation: 'relu', inputShape: [2], ...init }));
    model.add(sn.layers.dense({ units: 1, ...init }));
    model.compile({ optimizer: sn.optimizers.sgd({ learningRate: 0.005 }), loss: 'mse' });
    await model.fit(x, Float32Array.from(yc), { epochs: 800, batchSize: 32, shuffle: false });
    const [k1, , k2] = model.getWeights();
    const kernelNorm = Math.sqrt([...k1.values, ...k2.values].reduce((s, v) => s + v * v, 0));
    const p = model.predict(grid, { batchSize: 4096 });
    // Roughness along each grid row: the output's total variation, and the 0.5
    // contour's crossings beyond the two a smooth closed boundary makes.
    let variation = 0, extraCrossings = 0;
    for (let i = 0; i < rows; i++) {
      let crossings = 0;
      for (let j = 1; j < cols; j++) {
        const a = p[i * cols + j - 1], b = p[i * cols + j];
        variation += Math.abs(b - a);
        crossings += (a > 0.5) !== (b > 0.5);
      }
      extraCrossings += Math.max(0, crossings - 2);
    }
    model.dispose();
    return { kernelNorm, variation, extraCrossings };
  }
  const free = await train(undefined);
  const l2 = await train(sn.regularizers.l2(0.03));
  const what = `without L2 ${JSON.stringify(free)}, with L2 ${JSON.stringify(l2)}`;
  assert.ok(l2.kernelNorm < 0.5 * free.kernelNorm, `kernel norm: ${what}`);
  assert.ok(l2.variation < 0.75 * free.variation, `total variation along rows: ${what}`);
  assert.ok(free.extraCrossings > 0 && l2.extraCrossings < free.extraCrossings, `wiggles of the 0.5 contour: ${what}`);
});
