// Reproduces the numbers the course publishes (its REFERENCE.md,
// §1, §3 and §5) with simdnet. The data are the course's CSVs in demo/data/;
// every other expected value is either a published course number or computed
// here in float64 from the data (least squares, softmax, the course's
// subgradient descent), never pasted from a simdnet run.
//
// §2 (learning-rate decay), §6 (regularization, another issue's), §7 and §8
// are not covered here.
import test from 'node:test';
import assert from 'node:assert/strict';
import * as sn from '../web/index.js';
import { columns } from './support/reference.js';

await sn.ready();

/** |actual − expected| ≤ tol, with a message naming what was compared. */
function assertNear(actual, expected, tol, what) {
  assert.ok(Number.isFinite(actual), `${what}: got ${actual}`);
  assert.ok(Math.abs(actual - expected) <= tol,
    `${what}: got ${actual}, expected ${expected} ± ${tol} (off by ${Math.abs(actual - expected)})`);
}

/** Element-wise |a − e| ≤ rtol·|e| + atol. */
function assertAllClose(actual, expected, { rtol = 0, atol = 0 }, what) {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const tol = rtol * Math.abs(expected[i]) + atol;
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol,
      `${what}[${i}]: got ${actual[i]}, expected ${expected[i]} (tolerance ${tol}, off by ${Math.abs(actual[i] - expected[i])})`);
  }
}

const mean = (values) => values.reduce((s, v) => s + v, 0) / values.length;

// ---------------------------------------------------------------------------
// §1 Linear regression with one neuron on linreg.csv
// ---------------------------------------------------------------------------

const [linX, linY] = columns('linreg.csv', 'x', 'y');
const LIN_ROWS = linX.length;

/** y = w·x + b, starting from w = 0, b = 0, trained with plain SGD on the MSE. */
async function fitLine({ learningRate, batchSize, epochs }) {
  const model = sn.sequential({ seed: 1 });
  model.add(sn.layers.dense({ units: 1, inputShape: [1], kernelInitializer: 'zeros', biasInitializer: 'zeros' }));
  model.compile({ optimizer: sn.optimizers.sgd({ learningRate }), loss: 'meanSquaredError' });
  const [kernel0, bias0] = model.getWeights();
  assert.deepEqual([kernel0.values[0], bias0.values[0]], [0, 0], 'training starts from w = 0, b = 0');
  await model.fit(Float32Array.from(linX), Float32Array.from(linY), { epochs, batchSize, shuffle: false });
  const [kernel, bias] = model.getWeights();
  const mse = model.evaluate(Float32Array.from(linX), Float32Array.from(linY), { batchSize: LIN_ROWS }).loss;
  return { model, w: kernel.values[0], b: bias.values[0], mse };
}

/** The least-squares line and its MSE, in float64 from the data. */
function leastSquares(x, y) {
  const mx = mean(x), my = mean(y);
  let sxy = 0, sxx = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
  }
  const w = sxy / sxx, b = my - w * mx;
  let sse = 0;
  for (let i = 0; i < x.length; i++) sse += (w * x[i] + b - y[i]) ** 2;
  return { w, b, mse: sse / x.length };
}

// Tolerance for the published six-decimal results of §1: the published values are
// rounded to 1e-6 (±5e-7), and float32 training adds rounding of ~6e-8 relative
// per operation; gradient descent on this convex problem contracts errors rather
// than amplifying them, so over ≤ 1000 steps the drift stays near 1e-6 (≈ 1e-6
// relative for w ≈ 2). 2e-5 absolute leaves a 10× margin while staying far below
// what a wrong algorithm would change: one BGD epoch more or less moves w by
// ≈ 2e-3, a mean/sum mix-up or a shuffled order by far more.
const COURSE_TOL = 2e-5;

test('§1 the least-squares optimum of linreg.csv, computed in float64, is the published one', () => {
  assert.equal(LIN_ROWS, 100, 'linreg.csv has 100 points');
  const opt = leastSquares(linX, linY);
  // Published to six decimals, computed in float64 from the same file: only rounding separates them.
  assertNear(opt.w, 2.005290, 1e-6, 'least-squares w');
  assertNear(opt.b, 1.036619, 1e-6, 'least-squares b');
  assertNear(opt.mse, 0.138665, 1e-6, 'least-squares MSE');
});

test('§1 batch gradient descent (BGD), lr 0.05, 100 epochs reproduces w, b and the final MSE', async () => {
  const { model, w, b, mse } = await fitLine({ learningRate: 0.05, batchSize: LIN_ROWS, epochs: 100 });
  assertNear(w, 1.942254, COURSE_TOL, 'BGD w');
  assertNear(b, 1.036591, COURSE_TOL, 'BGD b');
  assertNear(mse, 0.140017, COURSE_TOL, 'BGD final MSE (model.evaluate loss)');
  model.dispose();
});

test('§1 per-sample SGD in file order, lr 0.01, 10 epochs reproduces w, b, MSE and the prediction at x = 3.21', async () => {
  const { model, w, b, mse } = await fitLine({ learningRate: 0.01, batchSize: 1, epochs: 10 });
  assertNear(w, 1.989475, COURSE_TOL, 'SGD w');
  assertNear(b, 1.037153, COURSE_TOL, 'SGD b');
  assertNear(mse, 0.138751, COURSE_TOL, 'SGD MSE (model.evaluate loss)');
  const [prediction] = model.predict(Float32Array.of(3.21));
  // w·3.21 + b: errors in w are multiplied by 3.21, so allow 3.21·2e-5 + 2e-5.
  assertNear(prediction, 7.423369, 4.21 * COURSE_TOL, 'SGD prediction at x = 3.21');
  assertNear(prediction, w * 3.21 + b, 1e-5, 'predict agrees with the learned weights');
  model.dispose();
});

test('§1 mini-batch gradient descent (MBGD, batch 10) converges to the least-squares optimum', async () => {
  const opt = leastSquares(linX, linY);
  const { model, w, b, mse } = await fitLine({ learningRate: 0.02, batchSize: 10, epochs: 500 });
  // With a constant learning rate and batches always taken in file order (each
  // batch covers a narrow slice of x), MBGD ends on a cycle around the optimum
  // whose offset grows with the learning rate: ≈ 1e-3 in w at lr 0.02.
  // 3e-3 keeps a margin; the starting point (w = 0) is 2 away, and BGD after
  // 100 epochs is still 0.06 away, so this is a real convergence check.
  assertNear(w, opt.w, 3e-3, 'MBGD w vs float64 least squares');
  assertNear(b, opt.b, 3e-3, 'MBGD b vs float64 least squares');
  // The MSE is flat at the optimum, so it is within 1e-5 (second order in the offsets).
  assert.ok(mse >= opt.mse - 1e-6, `MBGD MSE ${mse} cannot be below the least-squares minimum ${opt.mse}`);
  assertNear(mse, opt.mse, 1e-5, 'MBGD MSE vs the minimum');
  model.dispose();
});

// ---------------------------------------------------------------------------
// §3 Network complexity
// ---------------------------------------------------------------------------

test('§3 a 3-4-2 network has 26 parameters and 20 multiply-adds', () => {
  const model = sn.sequential({ seed: 1 });
  model.add(sn.layers.dense({ units: 4, inputShape: [3], activation: 'relu' }));
  model.add(sn.layers.dense({ units: 2 }));
  assert.equal(model.paramCount(), 26);
  assert.equal(model.multiplyAdds(), 20);
  // The count is also what the weights actually hold.
  assert.equal(model.getWeights().reduce((n, w) => n + w.values.length, 0), 26);
  model.dispose();
});

test('§3 summary() of 784-64-32-10 lists 50240, 2080 and 330 parameters, 52,650 in total, none non-trainable', () => {
  const model = sn.sequential({ seed: 1 });
  model.add(sn.layers.dense({ units: 64, inputShape: [784], activation: 'relu' }));
  model.add(sn.layers.dense({ units: 32, activation: 'relu' }));
  model.add(sn.layers.dense({ units: 10, activation: 'softmax' }));
  const lines = model.summary().split('\n');
  const layerRow = (name) => {
    const row = lines.find((line) => line.trim().startsWith(`${name} (Dense)`));
    assert.ok(row, `summary has a row for ${name}:\n${lines.join('\n')}`);
    return row.trim().split(/\s{2,}/);
  };
  // Keras names the layers dense, dense_1, dense_2, as in the course's summary.
  assert.deepEqual(layerRow('dense').slice(1), ['(None, 64)', '50240']);
  assert.deepEqual(layerRow('dense_1').slice(1), ['(None, 32)', '2080']);
  assert.deepEqual(layerRow('dense_2').slice(1), ['(None, 10)', '330']);
  assert.ok(lines.includes('Total params: 52,650'), 'Total params: 52,650');
  assert.ok(lines.includes('Trainable params: 52,650'), 'Trainable params: 52,650');
  assert.ok(lines.includes('Non-trainable params: 0'), 'Non-trainable params: 0');
  assert.equal(model.paramCount(), 52650);
  model.dispose();
});

// ---------------------------------------------------------------------------
// §5 Losses
// ---------------------------------------------------------------------------

test('§5 cross-entropy H((1,0),(0.6,0.4)) = 0.5108256 and H((1,0),(0.8,0.2)) = 0.22314353', () => {
  const cce = sn.losses.categoricalCrossentropy();
  const h = cce.compute([[1, 0], [1, 0]], [[0.6, 0.4], [0.8, 0.2]]);
  // Published from TensorFlow in float32 to 7–8 significant digits; the float32
  // result of −ln(0.6) is within 1 ulp (≈ 6e-8 relative), so 2e-7 relative is enough.
  assertAllClose(h, [0.5108256, 0.22314353], { rtol: 2e-7 }, 'H');
});

const LABELS = [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0], [0, 1, 0]];
const LOGITS = [[12, 3, 2], [3, 10, 1], [1, 2, 5], [4, 6.5, 1.2], [3, 6, 1]];
const PUBLISHED_CE = [1.68795487e-04, 1.03475622e-03, 6.58839038e-02, 2.58349207e+00, 5.49852354e-02];
const INT_LABELS = LABELS.map((row) => row.indexOf(1));

/** Row-wise softmax in float64. */
const softmax64 = (rows) => rows.map((z) => {
  const max = Math.max(...z);
  const e = z.map((v) => Math.exp(v - max));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
});

// Tolerance for §5's cross-entropies: relative 1e-5 (the published values have
// 9 significant digits, computed in float64 or float32 TensorFlow), plus 1e-7
// absolute on the softmax path: compute() takes float32 probabilities, and
// rounding p ≈ 0.99983 to float32 (ulp 6e-8) moves −ln p by up to 3e-8, which is
// 2e-4 relative on the smallest loss, 1.69e-4. A mistake such as a missing
// max-subtraction, log(1 + …) or a wrong label column changes these values entirely.
const ceTolerance = (expected, i) => 1e-5 * expected[i] + 1e-7;

test('§5 softmax then cross-entropy gives the published losses of the five logit rows', () => {
  const probs = softmax64(LOGITS);
  const h = sn.losses.categoricalCrossentropy().compute(LABELS, probs);
  assert.equal(h.length, 5);
  for (let i = 0; i < 5; i++)
    assertNear(h[i], PUBLISHED_CE[i], ceTolerance(PUBLISHED_CE, i), `softmax → CCE row ${i}`);
});

test('§5 fused softmax cross-entropy from logits gives the published losses', () => {
  const h = sn.losses.categoricalCrossentropy({ fromLogits: true }).compute(LABELS, LOGITS);
  assertAllClose(h, PUBLISHED_CE, { rtol: 1e-5 }, 'CCE fromLogits');
});

test('§5 sparse categorical cross-entropy on integer labels equals categorical on one-hot', () => {
  const probs = softmax64(LOGITS);
  const sparse = sn.losses.sparseCategoricalCrossentropy().compute(INT_LABELS, probs);
  const dense = sn.losses.categoricalCrossentropy().compute(LABELS, probs);
  assertAllClose(sparse, dense, { rtol: 1e-6 }, 'sparse vs one-hot (probabilities)');
  const sparseLogits = sn.losses.sparseCategoricalCrossentropy({ fromLogits: true }).compute(INT_LABELS, LOGITS);
  assertAllClose(sparseLogits, PUBLISHED_CE, { rtol: 1e-5 }, 'sparse fromLogits vs published');
  // A different label must give a different loss (the labels are really read).
  const shifted = sn.losses.sparseCategoricalCrossentropy({ fromLogits: true }).compute(INT_LABELS.map((l) => (l + 1) % 3), LOGITS);
  for (let i = 0; i < 5; i++) assert.ok(Math.abs(shifted[i] - sparseLogits[i]) > 0.1, `row ${i}: shifting the label changes the loss`);
});

test('§5 a softmax model trained with CCE reports the loss of its outputs, fused or not', async () => {
  // 5 rows of 3 inputs → 4 tanh → 3 softmax, targets the course's labels.
  const x = LOGITS.map((z) => z.map((v) => v / 10));
  const model = sn.sequential({ seed: 7 });
  model.add(sn.layers.dense({ units: 4, inputShape: [3], activation: 'tanh' }));
  model.add(sn.layers.dense({ units: 3, activation: 'softmax' }));
  model.compile({ optimizer: sn.optimizers.sgd({ learningRate: 0.5 }), loss: 'categoricalCrossentropy' });
  await model.fit(x, LABELS, { epochs: 20, batchSize: 5, shuffle: false });

  const probs = model.predict(x);
  const perRow = sn.losses.categoricalCrossentropy().compute(LABELS, Array.from({ length: 5 }, (_, r) => probs.slice(3 * r, 3 * r + 3)));
  const evaluated = model.evaluate(x, LABELS).loss; // fused: log-sum-exp of the logits
  // The fused loss is computed in double from the logits; compute() sees float32
  // probabilities (rounded to ~6e-8 relative), so they agree to ~1e-6 relative.
  assertNear(evaluated, mean(Array.from(perRow)), 1e-6 * evaluated + 1e-7, 'evaluate (fused) vs compute(predict)');
  assertNear(model.computeGradients(x, LABELS).loss, evaluated, 1e-7, 'computeGradients loss vs evaluate');

  // The same weights behind a linear last layer with fromLogits give the same loss,
  // and so does the sparse loss on integer labels.
  const logitsModel = sn.sequential({ seed: 7 });
  logitsModel.add(sn.layers.dense({ units: 4, inputShape: [3], activation: 'tanh' }));
  logitsModel.add(sn.layers.dense({ units: 3 }));
  logitsModel.compile({ optimizer: 'sgd', loss: sn.losses.categoricalCrossentropy({ fromLogits: true }) });
  logitsModel.setWeights(model.getWeights());
  assertNear(logitsModel.evaluate(x, LABELS).loss, evaluated, 1e-6 * evaluated, 'fromLogits model vs softmax model');

  const sparseModel = sn.sequential({ seed: 7 });
  sparseModel.add(sn.layers.dense({ units: 4, inputShape: [3], activation: 'tanh' }));
  sparseModel.add(sn.layers.dense({ units: 3, activation: 'softmax' }));
  sparseModel.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
  sparseModel.setWeights(model.getWeights());
  assertNear(sparseModel.evaluate(x, INT_LABELS).loss, evaluated, 1e-7, 'sparse model on integer labels vs one-hot');
  for (const m of [model, logitsModel, sparseModel]) m.dispose();
});

// ---------------------------------------------------------------------------
// §5 The yogurt example: MSE vs the course's asymmetric loss
// ---------------------------------------------------------------------------

const [yogX1, yogX2, yogY] = columns('yogurt.csv', 'x1', 'x2', 'y');
const YOG_ROWS = yogY.length;
const yogX = Float32Array.from({ length: 2 * YOG_ROWS }, (_, i) => (i % 2 ? yogX2 : yogX1)[i >> 1]);
const COURSE_LR = 0.002;

/**
 * The course's algorithm in float64: w ← w − lr·∂L/∂w from w = [0.5, 0.5], with
 * L = Σ_rows f for the asymmetric loss (f = profit·(t − p) if p < t else cost·(p − t))
 * or L = mean((p − t)²). Returns every iterate. `round` rounds the data as float32
 * (what the library sees) or leaves it as read.
 */
function courseDescent({ loss, cost, profit, lr, steps, round = (v) => v }) {
  const x1 = yogX1.map(round), x2 = yogX2.map(round), t = yogY.map(round);
  let w1 = 0.5, w2 = 0.5;
  const path = [];
  for (let s = 0; s < steps; s++) {
    let g1 = 0, g2 = 0;
    for (let i = 0; i < YOG_ROWS; i++) {
      const d = w1 * x1[i] + w2 * x2[i] - t[i];
      const dp = loss === 'mse' ? (2 * d) / YOG_ROWS : d < 0 ? -profit : cost;
      g1 += dp * x1[i];
      g2 += dp * x2[i];
    }
    w1 -= lr * g1;
    w2 -= lr * g2;
    path.push([w1, w2]);
  }
  return path;
}

/** A 2→1 linear neuron without bias from [0.5, 0.5], full-batch SGD; returns the weights after every epoch. */
async function fitYogurt(loss, learningRate, epochs) {
  const model = sn.sequential({ seed: 1 });
  model.add(sn.layers.dense({ units: 1, inputShape: [2], useBias: false }));
  model.setWeights([[0.5, 0.5]]);
  model.compile({ optimizer: sn.optimizers.sgd({ learningRate }), loss });
  const path = [];
  await model.fit(yogX, Float32Array.from(yogY), {
    epochs, batchSize: YOG_ROWS, shuffle: false,
    callbacks: { onEpochEnd: () => path.push(Array.from(model.getWeights()[0].values)) },
  });
  assert.equal(path.length, epochs);
  const meanPrediction = mean(Array.from(model.predict(yogX)));
  model.dispose();
  return { w: path.at(-1), path, meanPrediction };
}

/** Largest |a − b| over the first n iterates of two paths. */
const maxPathGap = (a, b, n) => Math.max(...a.slice(0, n).flatMap((wa, i) => wa.map((v, j) => Math.abs(v - b[i][j]))));

/** Per-weight mean, min and max over the last n iterates. */
function tailStats(path, n) {
  const tail = path.slice(-n);
  return [0, 1].map((j) => {
    const v = tail.map((w) => w[j]);
    return { mean: mean(v), min: Math.min(...v), max: Math.max(...v) };
  });
}

// The course sums f over the 32 rows with lr 0.002; simdnet's loss is the mean
// over rows, so the same steps need lr 0.002·32 = 0.064.
const ASYM_LR = COURSE_LR * YOG_ROWS;
const asymmetricRuns = {
  'cost 1, profit 99': { cost: 1, profit: 99, published: [1.0998, 1.0354] },
  'cost 99, profit 1': { cost: 99, profit: 1, published: [0.7077, 0.8626] },
};

// Each training run happens once, whichever tests ask for it (and in any order).
const runs = new Map();
const yogurtRun = (key, loss, lr, epochs) => {
  if (!runs.has(key)) runs.set(key, fitYogurt(loss, lr, epochs));
  return runs.get(key);
};
const asymmetricRun = (name) => {
  const { cost, profit } = asymmetricRuns[name];
  return yogurtRun(name, sn.losses.asymmetric({ cost, profit }), ASYM_LR, 10000);
};
const mseRun = (lr) => yogurtRun(`mse ${lr}`, 'meanSquaredError', lr, 15000);

test('§5 yogurt: the float64 course algorithm reproduces the published weights (checks our reading of the course)', () => {
  assert.equal(YOG_ROWS, 32, 'yogurt.csv has 32 rows');
  for (const [name, { cost, profit, published }] of Object.entries(asymmetricRuns)) {
    const w = courseDescent({ loss: 'asymmetric', cost, profit, lr: COURSE_LR, steps: 10000 }).at(-1);
    // Published to four decimals: ±5e-5, plus a little for the CSV's 9 decimals.
    w.forEach((v, j) => assertNear(v, published[j], 1e-4, `${name}: float64 w${j + 1}`));
  }
  const w = courseDescent({ loss: 'mse', lr: COURSE_LR, steps: 15000 }).at(-1);
  w.forEach((v, j) => assertNear(v, [0.9926, 1.0019][j], 1e-4, `MSE: float64 w${j + 1}`));
});

for (const [name, { cost, profit, published }] of Object.entries(asymmetricRuns)) {
  test(`§5 yogurt, asymmetric ${name}: 10000 full-batch steps follow the course and land near its weights`, async () => {
    const run = await asymmetricRun(name);
    const reference = courseDescent({ loss: 'asymmetric', cost, profit, lr: COURSE_LR, steps: 10000, round: Math.fround });

    // 1. Step for step the same algorithm: for the first 500 epochs simdnet
    // (float32) stays within 1e-4 of the float64 course algorithm (observed ≈ 1e-5).
    // A wrong learning-rate scale, sum/mean mix-up or swapped cost/profit is off by
    // ≥ 1e-2 within a few steps.
    const gap = maxPathGap(run.path, reference, 500);
    assert.ok(gap <= 1e-4, `first 500 epochs differ from the float64 course algorithm by up to ${gap}`);

    // 2. Past the kink the iteration is chaotic: each step under-predicting one row
    // moves w by lr·99·x ≈ 0.1, so the iterates keep bouncing (w1 spans ≈ 1.03–1.50
    // for cost 1/profit 99 and ≈ −0.1–1.03 for cost 99/profit 1 over the last 2000
    // steps) and float32 rounding separates simdnet from the float64 path after
    // ≈ 1000–3000 steps. The published weights are one snapshot of that bouncing,
    // so compare what does not depend on the snapshot: the final weights lie in the
    // float64 path's range, and the average over the last 2000 epochs matches the
    // float64 average within 0.03 (observed ≤ 0.015).
    const ours = tailStats(run.path, 2000), theirs = tailStats(reference, 2000);
    for (let j = 0; j < 2; j++) {
      assert.ok(run.w[j] >= theirs[j].min - 0.01 && run.w[j] <= theirs[j].max + 0.01,
        `final w${j + 1} = ${run.w[j]} outside the float64 range [${theirs[j].min}, ${theirs[j].max}]`);
      assertNear(ours[j].mean, theirs[j].mean, 0.03, `mean of w${j + 1} over the last 2000 epochs`);
    }

    // 3. Rough size against the published numbers. 0.03 (the brief's first choice)
    // is narrower than the bouncing itself; 0.12 is what the chaotic
    // spread allows while still telling the three runs apart (their weights
    // differ by 0.2–0.4) — the direction test below is the sharper check.
    run.w.forEach((v, j) => assertNear(v, published[j], 0.12, `${name}: w${j + 1} vs published ${published[j]}`));
  });
}

test('§5 yogurt, MSE: lr 0.002 (the course uses the mean) reproduces [0.9926, 1.0019] after 15000 steps', async () => {
  const run = await mseRun(COURSE_LR);
  const published = [0.9926, 1.0019];
  // Smooth and convex, so float32 stays with float64: published to four decimals,
  // ±5e-5 of rounding plus ~2e-5 of float32 drift observed → 1e-4.
  run.w.forEach((v, j) => assertNear(v, published[j], 1e-4, `MSE lr 0.002: w${j + 1}`));
  const reference = courseDescent({ loss: 'mse', lr: COURSE_LR, steps: 15000, round: Math.fround }).at(-1);
  run.w.forEach((v, j) => assertNear(v, reference[j], 1e-4, `MSE lr 0.002: w${j + 1} vs float64`));

  // The sum-scaled rate 0.064 converges further, to the least-squares fit, and misses
  // the published snapshot: lr 0.002 is the one that reproduces it.
  const scaled = await mseRun(COURSE_LR * YOG_ROWS);
  const miss = (w) => Math.max(...w.map((v, j) => Math.abs(v - published[j])));
  assert.ok(miss(run.w) < miss(scaled.w),
    `lr 0.002 (${run.w}) should be closer to the published weights than lr 0.064 (${scaled.w})`);
});

test('§5 yogurt: under-predicting costing more predicts higher; over-predicting costing more predicts lower', async () => {
  const [high, low, mse] = await Promise.all([asymmetricRun('cost 1, profit 99'), asymmetricRun('cost 99, profit 1'), mseRun(COURSE_LR)]);
  assert.ok(high.meanPrediction > mse.meanPrediction && mse.meanPrediction > low.meanPrediction,
    `mean predictions: cost1/profit99 ${high.meanPrediction} > MSE ${mse.meanPrediction} > cost99/profit1 ${low.meanPrediction}`);
  const sum = (w) => w[0] + w[1];
  assert.ok(sum(high.w) > sum(mse.w) && sum(mse.w) > sum(low.w),
    `sum of weights: ${sum(high.w)} > ${sum(mse.w)} > ${sum(low.w)}`);
  // MSE sits near the data's mean: y ≈ x1 + x2, so its prediction is within 0.05 of mean(y).
  assertNear(mse.meanPrediction, mean(Array.from(yogY)), 0.05, 'MSE mean prediction vs mean(y)');
});
