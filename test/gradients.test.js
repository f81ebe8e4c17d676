// Finite-difference checks of model.computeGradients: for EVERY weight of small
// models, the analytic gradient must match the central difference
// (L(w + h) − L(w − h)) / 2h of the loss that computeGradients itself reports
// (the mean loss over all rows as one batch, regularization included).
//
// Covered: each activation as the hidden activation and as the output
// activation (non-fused backward), every loss including the fused
// softmax/sigmoid cross-entropies, fromLogits, sparse labels and the course's
// asymmetric loss, a single layer with and without bias, deeper/wider models
// (SIMD tiles and tails), and L1/L2 kernel and bias regularizers (whose penalty
// value is also checked exactly against float64).
import test from 'node:test';
import assert from 'node:assert/strict';
import * as sn from '../web/index.js';
import { mulberry32 } from '../web/data/mnist.js';

await sn.ready();

// ---------------------------------------------------------------------------
// Step and tolerances.
//
// The loss is computed from a float32 forward pass (then summed in double), so
// it carries rounding noise of a few float32 ulps of the outputs: ≲ 1e-6 for
// losses of O(1). The central difference divides the difference of two such
// values by 2h = 1e-2, which gives ≲ 1e-4 of noise; its truncation error is
// h²/6·|L'''| ≈ 4e-6·|L'''|. The analytic gradient itself is float32 (≈ 1e-6
// relative). Observed: |analytic − numeric| ≤ 3e-5 in every case below.
//
// So |analytic − numeric| ≤ 5e-4 + 5e-3·|numeric| is ≥ 5× above the worst-case
// estimate of rounding and truncation (and > 15× above what is observed; the
// brief's suggestion, 2e-3 + 2e-2·|n|, would be looser still), while the errors
// gradient bugs make are far larger: a missing factor 2 or 1/n, a wrong sign, a
// derivative taken at z instead of y, a dropped regularization term (≥ 0.03
// here) or a transposed index are all ≥ 10% of gradients of O(0.01–1). Each
// check also proves its own power: the same comparison against the analytic
// gradient scaled by 1.1 must FAIL for the model at hand (see `sensitivity`
// below), so no case can pass vacuously (e.g. with all gradients zero).
// ---------------------------------------------------------------------------
const H = 5e-3;
const ATOL = 5e-4;
const RTOL = 5e-3;

/** mulberry32 (a small seeded generator), so every case is reproducible. */
const makeRng = mulberry32;
const uniform = (rng, lo, hi) => lo + (hi - lo) * rng();
/** ±[lo, hi]: weights away from 0, so L1's kink at 0 is never crossed by ±h. */
const awayFromZero = (rng, lo, hi) => (rng() < 0.5 ? -1 : 1) * uniform(rng, lo, hi);

// ---------------------------------------------------------------------------
// A float64 forward pass, used to (1) detect perturbations that cross a kink
// (relu/leakyRelu at 0, MAE/asymmetric at a zero residual, L1 at w = 0), where
// a finite difference is meaningless, and (2) double-check predict().
// ---------------------------------------------------------------------------

const activationName = (a) => (typeof a === 'string' ? a : a?.name ?? 'linear');

function activate64(name, alpha, z, rows, units) {
  const y = new Float64Array(z.length);
  for (let r = 0; r < rows; r++) {
    const row = z.subarray(r * units, (r + 1) * units);
    const out = y.subarray(r * units, (r + 1) * units);
    if (name === 'softmax') {
      const max = Math.max(...row);
      let s = 0;
      for (let j = 0; j < units; j++) s += out[j] = Math.exp(row[j] - max);
      for (let j = 0; j < units; j++) out[j] /= s;
      continue;
    }
    for (let j = 0; j < units; j++) {
      const v = row[j];
      out[j] = name === 'sigmoid' ? 1 / (1 + Math.exp(-v))
        : name === 'tanh' ? Math.tanh(v)
          : name === 'relu' ? Math.max(v, 0)
            : name === 'leakyRelu' ? (v > 0 ? v : alpha * v)
              : v;
    }
  }
  return y;
}

/** Pre-activations z and outputs y of every layer, in float64. */
function forward64(spec, weights, x, rows) {
  const zs = [], ys = [];
  let input = Float64Array.from(x), width = spec.inputs, k = 0;
  for (const layer of spec.layers) {
    const kernel = weights[k++];
    const bias = layer.useBias === false ? null : weights[k++];
    const z = new Float64Array(rows * layer.units);
    for (let r = 0; r < rows; r++)
      for (let j = 0; j < layer.units; j++) {
        let s = bias ? bias[j] : 0;
        for (let i = 0; i < width; i++) s += input[r * width + i] * kernel[i * layer.units + j];
        z[r * layer.units + j] = s;
      }
    const y = activate64(activationName(layer.activation), layer.activation?.alpha ?? 0, z, rows, layer.units);
    zs.push(z);
    ys.push(y);
    input = y;
    width = layer.units;
  }
  return { zs, ys };
}

const LOSS_NAME = (loss) => (typeof loss === 'string' ? loss : loss.name);

/** The regularizer of each weight tensor, in getWeights() order (kernel, then bias if any, per layer). */
const tensorRegularizers = (spec) => spec.layers.flatMap((layer) =>
  layer.useBias === false ? [layer.kernelRegularizer] : [layer.kernelRegularizer, layer.biasRegularizer]);

/**
 * Which side of every kink the model is on, as a string: the sign of each
 * relu/leakyRelu pre-activation, of each residual for MAE and asymmetric, and of
 * each L1-regularized weight. A perturbation that changes it crosses a kink.
 */
function kinkSignature(c, weights) {
  const { zs, ys } = forward64(c.spec, weights, c.x, c.rows);
  const bits = [];
  c.spec.layers.forEach((layer, l) => {
    if (['relu', 'leakyRelu'].includes(activationName(layer.activation))) for (const z of zs[l]) bits.push(z > 0 ? 1 : 0);
  });
  if (['meanAbsoluteError', 'asymmetric'].includes(LOSS_NAME(c.spec.loss))) {
    const out = ys.at(-1);
    for (let i = 0; i < out.length; i++) bits.push(out[i] > c.y[i] ? 1 : out[i] < c.y[i] ? 2 : 0);
  }
  const regs = tensorRegularizers(c.spec);
  weights.forEach((values, t) => {
    if (regs[t]?.l1 > 0) for (const w of values) bits.push(w > 0 ? 1 : w < 0 ? 2 : 0);
  });
  return bits.join('');
}

// ---------------------------------------------------------------------------
// Building a case: a compiled model with seeded weights, inputs and targets.
// ---------------------------------------------------------------------------

/**
 * spec: { inputs, layers: [{ units, activation, useBias, kernelRegularizer, biasRegularizer }],
 *         loss, targets: 'regression' | 'binary' | 'soft01' | 'onehot' | 'multihot' | 'softmax' | 'sparse' | 'far', rows, seed }
 */
function makeCase(spec) {
  const rows = spec.rows ?? 7; // 7: not a multiple of 4, so the SIMD kernels' tails run too
  const rng = makeRng(spec.seed ?? 1);
  const model = sn.sequential({ seed: spec.seed ?? 1 });
  spec.layers.forEach((layer, i) => model.add(sn.layers.dense({ ...layer, ...(i === 0 ? { inputShape: [spec.inputs] } : {}) })));
  model.compile({ optimizer: sn.optimizers.sgd({ learningRate: 0.01 }), loss: spec.loss });
  model.setWeights(model.weightSpecs().map((s) => Float32Array.from({ length: s.size }, () => awayFromZero(rng, 0.1, 0.9))));
  const x = Float32Array.from({ length: rows * spec.inputs }, () => uniform(rng, -1.5, 1.5));
  const outputs = spec.layers.at(-1).units;
  let y;
  switch (spec.targets ?? 'regression') {
    case 'regression': y = Float32Array.from({ length: rows * outputs }, () => uniform(rng, -1, 1)); break;
    case 'binary': y = Float32Array.from({ length: rows * outputs }, () => (rng() < 0.5 ? 0 : 1)); break;
    case 'soft01': y = Float32Array.from({ length: rows * outputs }, () => rng()); break;
    case 'sparse': y = Array.from({ length: rows }, () => Math.floor(rng() * outputs)); break;
    case 'onehot': {
      y = new Float32Array(rows * outputs);
      for (let r = 0; r < rows; r++) y[r * outputs + Math.floor(rng() * outputs)] = 1;
      break;
    }
    case 'multihot': { // two 1s per row: rows summing to 2, not 1 (multi-label targets)
      y = new Float32Array(rows * outputs);
      for (let r = 0; r < rows; r++) {
        const first = Math.floor(rng() * outputs), second = (first + 1 + Math.floor(rng() * (outputs - 1))) % outputs;
        y[r * outputs + first] = y[r * outputs + second] = 1;
      }
      break;
    }
    case 'softmax': { // soft labels: each row a probability distribution
      y = new Float32Array(rows * outputs);
      for (let r = 0; r < rows; r++) {
        const p = Array.from({ length: outputs }, () => rng() + 0.05), s = p.reduce((a, b) => a + b, 0);
        p.forEach((v, j) => { y[r * outputs + j] = v / s; });
      }
      break;
    }
    case 'far': { // targets 0.3–1.3 above or below the output: no residual near 0
      const out = model.predict(x);
      y = Float32Array.from(out, (v) => v + awayFromZero(rng, 0.3, 1.3));
      break;
    }
    default: throw new Error(`unknown targets ${spec.targets}`);
  }
  return { spec, model, x, y, rows };
}

const describeWeight = (specs, t, i) => {
  const { name, shape } = specs[t];
  return shape.length === 2 ? `${name}[${Math.floor(i / shape[1])}][${i % shape[1]}]` : `${name}[${i}]`;
};

/**
 * Compares the analytic gradient of every weight with its central difference.
 * Returns the worst offender (largest |a − n| / (ATOL + RTOL·|n|)), the same
 * measure for the analytic gradient scaled by 1.1 (the sensitivity check), and
 * the weights skipped because ±h crosses a kink.
 */
function checkAllWeights(c) {
  const { model, x, y } = c;
  const specs = model.weightSpecs();
  const base = model.getWeights().map((w) => w.values);
  const { loss: baseLoss, grads } = model.computeGradients(x, y);
  const lossAt = (weights) => {
    model.setWeights(weights);
    return model.computeGradients(x, y).loss;
  };
  const baseSignature = kinkSignature(c, base);
  const result = { checked: 0, skipped: [], worst: { excess: -1 }, sensitivity: -1, maxNumeric: 0, baseLoss };
  try {
    base.forEach((values, t) => {
      for (let i = 0; i < values.length; i++) {
        const plus = base.map((v) => v.slice()), minus = base.map((v) => v.slice());
        plus[t][i] = Math.fround(values[i] + H);
        minus[t][i] = Math.fround(values[i] - H);
        if (kinkSignature(c, plus) !== baseSignature || kinkSignature(c, minus) !== baseSignature) {
          result.skipped.push(describeWeight(specs, t, i));
          continue;
        }
        // Divide by the step actually taken in float32, not by the nominal 2h.
        const numeric = (lossAt(plus) - lossAt(minus)) / (plus[t][i] - minus[t][i]);
        const analytic = grads[t][i];
        const allowed = ATOL + RTOL * Math.abs(numeric);
        const excess = Math.abs(analytic - numeric) / allowed;
        result.checked++;
        result.maxNumeric = Math.max(result.maxNumeric, Math.abs(numeric));
        result.sensitivity = Math.max(result.sensitivity, Math.abs(1.1 * analytic - numeric) / allowed);
        if (excess > result.worst.excess) result.worst = { excess, weight: describeWeight(specs, t, i), analytic, numeric, allowed };
      }
    });
  } finally {
    model.setWeights(base);
  }
  return result;
}

/** Runs the check on a case and asserts everything about it. */
function assertGradientsMatch(t, spec) {
  const c = makeCase(spec);
  const { model, x, y, rows } = c;
  try {
    // The float64 forward used for kink detection describes the same network.
    const { ys } = forward64(spec, model.getWeights().map((w) => w.values), x, rows);
    const predicted = model.predict(x);
    predicted.forEach((v, i) => assert.ok(Math.abs(v - ys.at(-1)[i]) <= 1e-5 + 1e-5 * Math.abs(ys.at(-1)[i]),
      `predict()[${i}] = ${v} but the float64 forward gives ${ys.at(-1)[i]}`));

    const r = checkAllWeights(c);
    const total = model.paramCount();
    const w = r.worst;
    t.diagnostic(`${r.checked}/${total} weights checked, ${r.skipped.length} skipped at kinks; loss ${r.baseLoss.toPrecision(6)}; ` +
      `worst ${w.weight}: analytic ${w.analytic?.toPrecision(6)}, numeric ${w.numeric?.toPrecision(6)} (${(100 * w.excess).toFixed(1)}% of tolerance)`);

    // computeGradients' loss is the loss evaluate() reports over the same rows.
    const evaluated = model.evaluate(x, y, { batchSize: rows }).loss;
    assert.ok(Math.abs(evaluated - r.baseLoss) <= 1e-6 * Math.abs(r.baseLoss) + 1e-9,
      `computeGradients loss ${r.baseLoss} differs from evaluate loss ${evaluated}`);

    // Skipping is the exception: at most 10% of the weights, never all of a tensor's.
    assert.ok(r.skipped.length <= 0.1 * total, `${r.skipped.length} of ${total} weights skipped at kinks: ${r.skipped.join(', ')}`);
    assert.ok(r.checked >= 0.9 * total, `only ${r.checked} of ${total} weights checked`);

    assert.ok(w.excess <= 1,
      `gradient mismatch, worst weight ${w.weight}: analytic ${w.analytic}, central difference ${w.numeric}, ` +
      `|difference| ${Math.abs(w.analytic - w.numeric)} > allowed ${w.allowed}`);
    // Sensitivity: the same check rejects a gradient that is 10% off (needs some |gradient| > 0.0053).
    assert.ok(r.sensitivity > 1,
      `the check could not tell the gradients from 1.1× them (largest |gradient| ${r.maxNumeric}): this case tests nothing`);
    return r;
  } finally {
    model.dispose();
  }
}

const leaky = sn.leakyRelu({ alpha: 0.1 });
const ACTIVATIONS = { linear: 'linear', sigmoid: 'sigmoid', tanh: 'tanh', relu: 'relu', 'leakyRelu(alpha 0.1)': leaky, softmax: 'softmax' };

// ---------------------------------------------------------------------------
// Activations
// ---------------------------------------------------------------------------

for (const [name, activation] of Object.entries(ACTIVATIONS)) {
  test(`gradients: ${name} as the hidden activation of a 3-5-4-2 model (mse)`, (t) => {
    assertGradientsMatch(t, {
      inputs: 3,
      layers: [{ units: 5, activation }, { units: 4, activation }, { units: 2 }],
      loss: 'meanSquaredError',
      seed: 11,
    });
  });
}

for (const [name, activation] of Object.entries(ACTIVATIONS)) {
  if (name === 'linear') continue; // the hidden-activation cases already end in a linear output
  test(`gradients: ${name} as the output activation of a 3-5-4 model with mse (backward through the activation, not fused)`, (t) => {
    assertGradientsMatch(t, {
      inputs: 3,
      layers: [{ units: 5, activation: 'tanh' }, { units: 4, activation }],
      loss: 'meanSquaredError',
      targets: name === 'softmax' ? 'onehot' : name === 'sigmoid' ? 'soft01' : 'regression',
      seed: 12,
    });
  });
}

// ---------------------------------------------------------------------------
// Losses
// ---------------------------------------------------------------------------

const hidden = [{ units: 5, activation: 'tanh' }];
const LOSS_CASES = {
  'mean squared error, linear output': { layers: [...hidden, { units: 3 }], loss: 'meanSquaredError' },
  'mean absolute error, linear output, residuals away from 0': { layers: [...hidden, { units: 3 }], loss: 'meanAbsoluteError', targets: 'far' },
  'binary cross-entropy, sigmoid output (fused)': { layers: [...hidden, { units: 3, activation: 'sigmoid' }], loss: 'binaryCrossentropy', targets: 'binary' },
  'binary cross-entropy, sigmoid output (fused), soft targets': { layers: [...hidden, { units: 3, activation: 'sigmoid' }], loss: 'binaryCrossentropy', targets: 'soft01' },
  'binary cross-entropy fromLogits, linear output': { layers: [...hidden, { units: 3 }], loss: sn.losses.binaryCrossentropy({ fromLogits: true }), targets: 'binary' },
  'binary cross-entropy, softmax output (not fused: BCE then the softmax Jacobian)': { layers: [...hidden, { units: 3, activation: 'softmax' }], loss: 'binaryCrossentropy', targets: 'binary' },
  'binary cross-entropy, tanh hidden and sigmoid hidden before a sigmoid output': { layers: [{ units: 5, activation: 'tanh' }, { units: 4, activation: 'sigmoid' }, { units: 2, activation: 'sigmoid' }], loss: 'binaryCrossentropy', targets: 'binary' },
  'categorical cross-entropy, softmax output (fused)': { layers: [...hidden, { units: 4, activation: 'softmax' }], loss: 'categoricalCrossentropy', targets: 'onehot' },
  'categorical cross-entropy, softmax output (fused), soft labels': { layers: [...hidden, { units: 4, activation: 'softmax' }], loss: 'categoricalCrossentropy', targets: 'softmax' },
  // The loss of these rows is Σt·logsumexp(z) − Σ t·z, whose gradient is Σt·softmax − t:
  // the fused path must not assume Σt = 1 (Keras' softmax + CCE does not). These two
  // fail while c/losses.c softmax_ce_row returns (softmax − t)·scale as the gradient
  // but tsum·log Σe^z − Σt·z as the loss; the gradient should be (tsum·softmax − t)·scale.
  'categorical cross-entropy, softmax output (fused), multi-hot targets whose rows sum to 2': { layers: [...hidden, { units: 4, activation: 'softmax' }], loss: 'categoricalCrossentropy', targets: 'multihot' },
  'categorical cross-entropy fromLogits, multi-hot targets whose rows sum to 2': { layers: [...hidden, { units: 4 }], loss: sn.losses.categoricalCrossentropy({ fromLogits: true }), targets: 'multihot' },
  'categorical cross-entropy fromLogits, linear output': { layers: [...hidden, { units: 4 }], loss: sn.losses.categoricalCrossentropy({ fromLogits: true }), targets: 'onehot' },
  'categorical cross-entropy, sigmoid output (not fused: −t/p then the sigmoid derivative)': { layers: [...hidden, { units: 4, activation: 'sigmoid' }], loss: 'categoricalCrossentropy', targets: 'onehot' },
  'sparse categorical cross-entropy, softmax output (fused)': { layers: [...hidden, { units: 4, activation: 'softmax' }], loss: 'sparseCategoricalCrossentropy', targets: 'sparse' },
  'sparse categorical cross-entropy fromLogits, linear output': { layers: [...hidden, { units: 4 }], loss: sn.losses.sparseCategoricalCrossentropy({ fromLogits: true }), targets: 'sparse' },
  'sparse categorical cross-entropy, sigmoid output (not fused)': { layers: [...hidden, { units: 4, activation: 'sigmoid' }], loss: 'sparseCategoricalCrossentropy', targets: 'sparse' },
  'asymmetric (cost 3, profit 7), 2 linear outputs, residuals away from 0': { layers: [...hidden, { units: 2 }], loss: sn.losses.asymmetric({ cost: 3, profit: 7 }), targets: 'far' },
};

for (const [name, spec] of Object.entries(LOSS_CASES)) {
  test(`gradients: ${name}`, (t) => {
    assertGradientsMatch(t, { inputs: 3, seed: 21, ...spec });
  });
}

// ---------------------------------------------------------------------------
// Layers and whole models
// ---------------------------------------------------------------------------

test('gradients: a single dense layer with bias (3→2 linear, mse)', (t) => {
  assertGradientsMatch(t, { inputs: 3, layers: [{ units: 2 }], loss: 'meanSquaredError', seed: 31 });
});

test('gradients: a single dense layer without bias (3→2 linear, mse)', (t) => {
  const r = assertGradientsMatch(t, { inputs: 3, layers: [{ units: 2, useBias: false }], loss: 'meanSquaredError', seed: 31 });
  assert.equal(r.checked, 6, 'a 3→2 layer without bias has exactly its 6 kernel weights');
});

test('gradients: a single dense layer without bias, sigmoid output with binary cross-entropy (fused)', (t) => {
  assertGradientsMatch(t, { inputs: 3, layers: [{ units: 2, activation: 'sigmoid', useBias: false }], loss: 'binaryCrossentropy', targets: 'binary', seed: 32 });
});

test('gradients: a whole 3-layer model 4→6 relu→5 tanh→3 softmax with categorical cross-entropy', (t) => {
  assertGradientsMatch(t, {
    inputs: 4,
    layers: [{ units: 6, activation: 'relu' }, { units: 5, activation: 'tanh' }, { units: 3, activation: 'softmax' }],
    loss: 'categoricalCrossentropy', targets: 'onehot', seed: 41,
  });
});

test('gradients: a wider 3-layer model 9→12 leakyRelu→10 sigmoid→9 linear over 13 rows (8-wide SIMD tiles and tails)', (t) => {
  assertGradientsMatch(t, {
    inputs: 9,
    layers: [{ units: 12, activation: leaky }, { units: 10, activation: 'sigmoid' }, { units: 9 }],
    loss: 'meanSquaredError', rows: 13, seed: 42,
  });
});

// ---------------------------------------------------------------------------
// Regularizers
// ---------------------------------------------------------------------------

const REGULARIZER_CASES = {
  'L1 on the kernels': { kernelRegularizer: sn.regularizers.l1(0.1) },
  'L2 on the kernels': { kernelRegularizer: sn.regularizers.l2(0.1) },
  'L1 on the biases': { biasRegularizer: sn.regularizers.l1(0.1) },
  'L2 on the biases': { biasRegularizer: sn.regularizers.l2(0.1) },
  'L1 and L2 on kernels and biases': { kernelRegularizer: sn.regularizers.l1l2({ l1: 0.05, l2: 0.07 }), biasRegularizer: sn.regularizers.l1l2({ l1: 0.03, l2: 0.11 }) },
};

/** The same model without regularizers: its loss and gradients are the data terms alone. */
function withoutRegularizers(spec) {
  return { ...spec, layers: spec.layers.map(({ kernelRegularizer, biasRegularizer, ...rest }) => rest) };
}

/** l1·Σ|w| + l2·Σw² over the regularized tensors, in float64, and its gradient l1·sign(w) + 2·l2·w. */
function penalty64(spec, model) {
  let total = 0;
  const grads = [];
  const regs = tensorRegularizers(spec);
  model.getWeights().forEach(({ values }, t) => {
    const reg = regs[t];
    const l1 = reg?.l1 ?? 0, l2 = reg?.l2 ?? 0;
    for (const w of values) total += l1 * Math.abs(w) + l2 * w * w;
    grads.push(Array.from(values, (w) => l1 * Math.sign(w) + 2 * l2 * w));
  });
  return { total, grads };
}

for (const [name, regs] of Object.entries(REGULARIZER_CASES)) {
  const spec = {
    inputs: 3,
    layers: [{ units: 5, activation: 'tanh', ...regs }, { units: 2, ...regs }],
    loss: 'meanSquaredError', seed: 51,
  };

  test(`regularization: ${name} adds exactly l1·Σ|w| + l2·Σw² to the loss (Keras' Σw², not Σw²/2)`, () => {
    const reg = makeCase(spec), plain = makeCase(withoutRegularizers(spec));
    try {
      // Same seed, same draws: the two models have identical weights, inputs and targets.
      assert.deepEqual(reg.model.getWeights(), plain.model.getWeights());
      const expected = penalty64(spec, reg.model);
      assert.ok(expected.total > 0.05, `the case has a sizeable penalty (${expected.total})`);
      const a = reg.model.computeGradients(reg.x, reg.y), b = plain.model.computeGradients(plain.x, plain.y);
      // The data losses are bit-identical (same float32 forward), so the difference
      // is the penalty, which C accumulates in double from float32 products
      // (l1, l2 are float32 too): 1e-6 relative covers those roundings (~1e-7).
      const penalty = a.loss - b.loss;
      assert.ok(Math.abs(penalty - expected.total) <= 1e-6 * expected.total,
        `penalty ${penalty}, float64 ${expected.total} (off by ${Math.abs(penalty - expected.total)})`);
      // evaluate() reports the same regularized loss.
      const evaluated = reg.model.evaluate(reg.x, reg.y, { batchSize: reg.rows }).loss;
      assert.ok(Math.abs(evaluated - a.loss) <= 1e-6 * a.loss, `evaluate ${evaluated} vs computeGradients ${a.loss}`);
      // And the gradients differ by exactly the penalty's gradient (float32 sums: 1e-6).
      a.grads.forEach((g, t) => g.forEach((v, i) => {
        const diff = v - b.grads[t][i], want = expected.grads[t][i];
        assert.ok(Math.abs(diff - want) <= 1e-6, `${describeWeight(reg.model.weightSpecs(), t, i)}: gradient difference ${diff}, penalty gradient ${want}`);
      }));
    } finally {
      reg.model.dispose();
      plain.model.dispose();
    }
  });

  test(`gradients: ${name} (finite differences of the regularized loss)`, (t) => {
    assertGradientsMatch(t, spec);
  });
}
