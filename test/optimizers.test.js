// Every optimizer and option against its published formula computed in float64
// (Keras' documentation and source of keras.optimizers.*, or the paper it
// cites) over 25 steps on random parameters and gradients. The library runs
// through opt.step on two Float32Arrays of odd lengths (13 and 7: SIMD bodies
// and tails, and two variables for clipNorm), and through a compiled model.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as sn from '../web/index.js';
import { randomArray } from './support/models.js';
import { STEPS, standaloneError, worstRatio } from './support/steps.js';

await sn.ready();

/** A reference applying update(w, g, t, state) to each variable with its own state. */
const perVariable = (update) => {
  const states = [];
  return (ws, gs, t) => ws.forEach((w, i) => update(w, Float64Array.from(gs[i]), t, (states[i] ??= {})));
};
const zeros = (n) => new Float64Array(n);
const filled = (n, v) => new Float64Array(n).fill(v);

// ---- the formulas (Keras 3 definitions) ----

/** SGD: v = μ·v − lr·(1 − d)·g; w += v (Nesterov: w += μ·v − lr·(1 − d)·g); plain: w −= lr·g. */
const sgdRef = ({ lr, momentum = 0, nesterov = false, dampening = 0 }) => perVariable((w, g, t, s) => {
  s.v ??= zeros(w.length);
  w.forEach((_, j) => {
    if (momentum === 0) return void (w[j] -= lr * g[j]);
    s.v[j] = momentum * s.v[j] - lr * (1 - dampening) * g[j];
    w[j] += nesterov ? momentum * s.v[j] - lr * (1 - dampening) * g[j] : s.v[j];
  });
});

/** Adam (Kingma & Ba §2's efficient form): α = lr·√(1−β2^t)/(1−β1^t); w −= α·m/(√v + ε); amsgrad uses max v; AdamW first w −= lr·λ·w. */
const adamRef = ({ lr, b1 = 0.9, b2 = 0.999, eps = 1e-7, amsgrad = false, decay = 0 }) => perVariable((w, g, t, s) => {
  s.m ??= zeros(w.length), s.v ??= zeros(w.length), s.vmax ??= zeros(w.length);
  const alpha = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
  w.forEach((_, j) => {
    w[j] -= lr * decay * w[j];
    s.m[j] = b1 * s.m[j] + (1 - b1) * g[j];
    s.v[j] = b2 * s.v[j] + (1 - b2) * g[j] ** 2;
    s.vmax[j] = Math.max(s.vmax[j], s.v[j]);
    w[j] -= (alpha * s.m[j]) / (Math.sqrt(amsgrad ? s.vmax[j] : s.v[j]) + eps);
  });
});

/** RMSprop: v = ρv + (1−ρ)g²; centered subtracts ḡ²; Δ = lr·g/√(… + ε); momentum m = μm + Δ. */
const rmspropRef = ({ lr, rho = 0.9, momentum = 0, eps = 1e-7, centered = false }) => perVariable((w, g, t, s) => {
  s.v ??= zeros(w.length), s.avg ??= zeros(w.length), s.mom ??= zeros(w.length);
  w.forEach((_, j) => {
    s.v[j] = rho * s.v[j] + (1 - rho) * g[j] ** 2;
    s.avg[j] = rho * s.avg[j] + (1 - rho) * g[j];
    const delta = (lr * g[j]) / Math.sqrt((centered ? s.v[j] - s.avg[j] ** 2 : s.v[j]) + eps);
    s.mom[j] = momentum * s.mom[j] + delta;
    w[j] -= momentum > 0 ? s.mom[j] : delta;
  });
});

/** Adamax (Kingma & Ba §7.1): m = β1m + (1−β1)g; u = max(β2u, |g|); w −= lr/(1−β1^t)·m/(u + ε). */
const adamaxRef = ({ lr, b1 = 0.9, b2 = 0.999, eps = 1e-7 }) => perVariable((w, g, t, s) => {
  s.m ??= zeros(w.length), s.u ??= zeros(w.length);
  w.forEach((_, j) => {
    s.m[j] = b1 * s.m[j] + (1 - b1) * g[j];
    s.u[j] = Math.max(b2 * s.u[j], Math.abs(g[j]));
    w[j] -= (lr / (1 - b1 ** t)) * s.m[j] / (s.u[j] + eps);
  });
});

/** Nadam (Dozat 2016, as Keras): u_t = β1(1 − ½·0.96^t), P_t = Π u_i; m̂ = u_{t+1}m/(1 − P_t·u_{t+1}) + (1 − u_t)g/(1 − P_t). */
const nadamRef = ({ lr, b1 = 0.9, b2 = 0.999, eps = 1e-7 }) => perVariable((w, g, t, s) => {
  s.m ??= zeros(w.length), s.v ??= zeros(w.length);
  const u = (i) => b1 * (1 - 0.5 * 0.96 ** i);
  let product = 1;
  for (let i = 1; i <= t; i++) product *= u(i);
  w.forEach((_, j) => {
    s.m[j] = b1 * s.m[j] + (1 - b1) * g[j];
    s.v[j] = b2 * s.v[j] + (1 - b2) * g[j] ** 2;
    const mHat = (u(t + 1) * s.m[j]) / (1 - product * u(t + 1)) + ((1 - u(t)) * g[j]) / (1 - product);
    w[j] -= (lr * mHat) / (Math.sqrt(s.v[j] / (1 - b2 ** t)) + eps);
  });
});

/** Adagrad (Duchi et al.): a = a0 + Σg²; w −= lr·g/√(a + ε). */
const adagradRef = ({ lr, initial = 0.1, eps = 1e-7 }) => perVariable((w, g, t, s) => {
  s.a ??= filled(w.length, initial);
  w.forEach((_, j) => {
    s.a[j] += g[j] ** 2;
    w[j] -= (lr * g[j]) / Math.sqrt(s.a[j] + eps);
  });
});

/** Adadelta (Zeiler 2012, Algorithm 1, times lr): Δ = −√(E[Δ²] + ε)/√(E[g²] + ε)·g. */
const adadeltaRef = ({ lr, rho = 0.95, eps = 1e-7 }) => perVariable((w, g, t, s) => {
  s.g2 ??= zeros(w.length), s.d2 ??= zeros(w.length);
  w.forEach((_, j) => {
    s.g2[j] = rho * s.g2[j] + (1 - rho) * g[j] ** 2;
    const delta = (-Math.sqrt(s.d2[j] + eps) / Math.sqrt(s.g2[j] + eps)) * g[j];
    s.d2[j] = rho * s.d2[j] + (1 - rho) * delta ** 2;
    w[j] += lr * delta;
  });
});

/** FTRL-Proximal (McMahan et al. 2013, Algorithm 1, Keras' generalisation with lr power, shrinkage and β). */
const ftrlRef = ({ lr, power = -0.5, initial = 0.1, l1 = 0, l2 = 0, shrinkage = 0, beta = 0 }) => perVariable((w, g, t, s) => {
  s.n ??= filled(w.length, initial), s.z ??= zeros(w.length);
  w.forEach((_, j) => {
    const next = s.n[j] + g[j] ** 2;
    const sigma = (next ** -power - s.n[j] ** -power) / lr;
    s.z[j] += g[j] + 2 * shrinkage * w[j] - sigma * w[j];
    const quadratic = next ** -power / lr + 2 * (l2 + beta / (2 * lr));
    w[j] = Math.abs(s.z[j]) <= l1 ? 0 : (Math.sign(s.z[j]) * l1 - s.z[j]) / quadratic;
    s.n[j] = next;
  });
});

/** Lion (Chen et al. 2023, Algorithm 2 without weight decay). */
const lionRef = ({ lr, b1 = 0.9, b2 = 0.99 }) => perVariable((w, g, t, s) => {
  s.m ??= zeros(w.length);
  w.forEach((_, j) => {
    w[j] -= lr * Math.sign(b1 * s.m[j] + (1 - b1) * g[j]);
    s.m[j] = b2 * s.m[j] + (1 - b2) * g[j];
  });
});

const CASES = [
  ['sgd', {}, sgdRef({ lr: 0.01 })],
  ['sgd', { learningRate: 0.02, momentum: 0.9 }, sgdRef({ lr: 0.02, momentum: 0.9 })],
  ['sgd', { learningRate: 0.02, momentum: 0.8, nesterov: true }, sgdRef({ lr: 0.02, momentum: 0.8, nesterov: true })],
  ['sgd', { learningRate: 0.05, momentum: 0.9, dampening: 0.9 }, sgdRef({ lr: 0.05, momentum: 0.9, dampening: 0.9 })],
  ['rmsprop', {}, rmspropRef({ lr: 0.001 })],
  ['rmsprop', { learningRate: 0.01, rho: 0.8, momentum: 0.5, epsilon: 0.01, centered: true }, rmspropRef({ lr: 0.01, rho: 0.8, momentum: 0.5, eps: 0.01, centered: true })],
  ['rmsprop', { learningRate: 0.01, momentum: 0.7 }, rmspropRef({ lr: 0.01, momentum: 0.7 })],
  ['adam', {}, adamRef({ lr: 0.001 })],
  ['adam', { learningRate: 0.003, beta1: 0.8, beta2: 0.99, epsilon: 0.5 }, adamRef({ lr: 0.003, b1: 0.8, b2: 0.99, eps: 0.5 })],
  ['adam', { learningRate: 0.01, amsgrad: true }, adamRef({ lr: 0.01, amsgrad: true })],
  ['adamw', { learningRate: 0.01 }, adamRef({ lr: 0.01, decay: 0.004 })],
  ['adamw', { learningRate: 0.01, weightDecay: 0.5, amsgrad: true }, adamRef({ lr: 0.01, decay: 0.5, amsgrad: true })],
  ['adamax', { learningRate: 0.01 }, adamaxRef({ lr: 0.01 })],
  ['nadam', { learningRate: 0.01 }, nadamRef({ lr: 0.01 })],
  ['nadam', { learningRate: 0.01, beta1: 0.5, beta2: 0.9, epsilon: 0.1 }, nadamRef({ lr: 0.01, b1: 0.5, b2: 0.9, eps: 0.1 })],
  ['adagrad', { learningRate: 0.05 }, adagradRef({ lr: 0.05 })],
  ['adagrad', { learningRate: 0.05, initialAccumulatorValue: 1, epsilon: 0.3 }, adagradRef({ lr: 0.05, initial: 1, eps: 0.3 })],
  ['adadelta', { learningRate: 1 }, adadeltaRef({ lr: 1 })],
  ['adadelta', { learningRate: 0.5, rho: 0.9, epsilon: 1e-3 }, adadeltaRef({ lr: 0.5, rho: 0.9, eps: 1e-3 })],
  ['ftrl', { learningRate: 0.1 }, ftrlRef({ lr: 0.1 })],
  ['ftrl', {
    learningRate: 0.2, learningRatePower: -0.7, initialAccumulatorValue: 0.5, l1RegularizationStrength: 0.3,
    l2RegularizationStrength: 0.2, l2ShrinkageRegularizationStrength: 0.1, beta: 0.4,
  }, ftrlRef({ lr: 0.2, power: -0.7, initial: 0.5, l1: 0.3, l2: 0.2, shrinkage: 0.1, beta: 0.4 })],
  ['lion', { learningRate: 0.01 }, lionRef({ lr: 0.01 })],
  ['lion', { learningRate: 0.01, beta1: 0.5, beta2: 0.9 }, lionRef({ lr: 0.01, b1: 0.5, b2: 0.9 })],
];

for (const [name, config, reference] of CASES) {
  test(`${name}(${JSON.stringify(config)}) follows its formula over ${STEPS} steps`, () => {
    const err = standaloneError(sn.optimizers[name](config), reference);
    assert.ok(err <= 1, `error ${err}× the tolerance`);
  });
}

test('the check has teeth: Adam against SGD\'s formula, or Adam with another ε, fails it', () => {
  assert.ok(standaloneError(sn.optimizers.adam({ learningRate: 0.01 }), adamRef({ lr: 0.01, eps: 1e-3 })) > 1);
  assert.ok(standaloneError(sn.optimizers.nadam({ learningRate: 0.01 }), adamRef({ lr: 0.01 })) > 1);
  assert.ok(standaloneError(sn.optimizers.sgd({ learningRate: 0.05, momentum: 0.9, dampening: 0.9 }), sgdRef({ lr: 0.05, momentum: 0.9 })) > 1);
});

// ---- clipping (Keras: clipnorm per variable, global_clipnorm over all, clipvalue per element) ----

const norm = (g) => Math.sqrt(g.reduce((s, v) => s + v * v, 0));
/** Wraps a reference so it sees the gradients clipped as Keras clips them. */
const clippedRef = (how, c, reference) => (ws, gs, t) => {
  const global = Math.sqrt(gs.reduce((s, g) => s + norm(g) ** 2, 0));
  const clipped = gs.map((g) => {
    if (how === 'value') return Float64Array.from(g, (v) => Math.min(Math.max(v, -c), c));
    const n = how === 'norm' ? norm(g) : global;
    return Float64Array.from(g, (v) => (v * c) / Math.max(n, c));
  });
  reference(ws, clipped, t);
};

test('clipNorm scales each variable\'s gradient to norm ≤ clipNorm (the 13-long one is clipped, the 7-long one mostly not)', () => {
  const opt = sn.optimizers.sgd({ learningRate: 0.1, momentum: 0.5, clipNorm: 3.5 });
  assert.ok(standaloneError(opt, clippedRef('norm', 3.5, sgdRef({ lr: 0.1, momentum: 0.5 }))) <= 1);
  assert.ok(standaloneError(sn.optimizers.sgd({ learningRate: 0.1, clipNorm: 3.5 }), sgdRef({ lr: 0.1 })) > 1, 'clipping changes the result');
});

test('globalClipNorm scales all gradients together; clipValue clamps each element (Keras\' spellings accepted)', () => {
  assert.ok(standaloneError(sn.optimizers.adam({ learningRate: 0.01, globalClipNorm: 4 }), clippedRef('global', 4, adamRef({ lr: 0.01 }))) <= 1);
  assert.ok(standaloneError(sn.optimizers.rmsprop({ learning_rate: 0.01, global_clipnorm: 4 }), clippedRef('global', 4, rmspropRef({ lr: 0.01 }))) <= 1);
  assert.ok(standaloneError(sn.optimizers.sgd({ learningRate: 0.1, clipValue: 0.5 }), clippedRef('value', 0.5, sgdRef({ lr: 0.1 }))) <= 1);
  assert.ok(standaloneError(sn.optimizers.lion({ learningRate: 0.01, clipvalue: 0.5 }), clippedRef('value', 0.5, lionRef({ lr: 0.01 }))) <= 1);
  assert.throws(() => sn.optimizers.sgd({ clipNorm: 1, clipValue: 1 }), /set only one of clipNorm, clipValue and globalClipNorm/);
});

test('a learning-rate schedule is evaluated at every step (at Keras\' iterations = steps done before it)', () => {
  const schedule = sn.schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 3, decayRate: 0.5 });
  const plain = sgdRef({ lr: 1 });
  const reference = (ws, gs, t) => plain(ws, gs.map((g) => Float64Array.from(g, (v) => v * 0.1 * 0.5 ** ((t - 1) / 3))), t);
  const opt = sn.optimizers.sgd({ learningRate: schedule });
  assert.ok(standaloneError(opt, reference) <= 1);
  assert.ok(standaloneError(sn.optimizers.sgd({ learningRate: 0.1 }), reference) > 1, 'a constant rate differs');
});

// ---- weight decay on every optimizer (Keras 3: BaseOptimizer._apply_weight_decay) ----

/** Wraps a reference: each variable decays w −= w·λ·lr (lr of step t) before the optimizer's own update. */
const decayedRef = (decay, lrAt, reference) => (ws, gs, t) => {
  const lr = lrAt(t);
  for (const w of ws) w.forEach((v, j) => (w[j] = v - v * decay * lr));
  reference(ws, gs, t);
};
const constantRate = (lr) => () => lr;

const DECAY_CASES = [
  ['sgd', { learningRate: 0.05 }, sgdRef({ lr: 0.05 }), 0.05],
  ['sgd', { learningRate: 0.02, momentum: 0.9, nesterov: true }, sgdRef({ lr: 0.02, momentum: 0.9, nesterov: true }), 0.02],
  ['rmsprop', { learningRate: 0.01, momentum: 0.5, centered: true }, rmspropRef({ lr: 0.01, momentum: 0.5, centered: true }), 0.01],
  ['adam', { learningRate: 0.01, amsgrad: true }, adamRef({ lr: 0.01, amsgrad: true }), 0.01],
  ['adamax', { learningRate: 0.01 }, adamaxRef({ lr: 0.01 }), 0.01],
  ['nadam', { learningRate: 0.01 }, nadamRef({ lr: 0.01 }), 0.01],
  ['adagrad', { learningRate: 0.05 }, adagradRef({ lr: 0.05 }), 0.05],
  ['adadelta', { learningRate: 1 }, adadeltaRef({ lr: 1 }), 1],
  ['ftrl', { learningRate: 0.1, l1RegularizationStrength: 0.01 }, ftrlRef({ lr: 0.1, l1: 0.01 }), 0.1],
  ['lion', { learningRate: 0.01 }, lionRef({ lr: 0.01 }), 0.01],
];

for (const [name, config, reference, lr] of DECAY_CASES) {
  test(`${name}(${JSON.stringify(config)}) with weightDecay 0.3: w −= lr·λ·w before each update (Keras 3)`, () => {
    const decayed = decayedRef(0.3, constantRate(lr), reference);
    assert.ok(standaloneError(sn.optimizers[name]({ ...config, weightDecay: 0.3 }), decayed) <= 1);
    assert.ok(standaloneError(sn.optimizers[name](config), decayed) > 1, 'without weight decay the result differs');
    assert.ok(standaloneError(sn.optimizers[name]({ ...config, weight_decay: 0.3 }), reference) > 1, "Keras' spelling decays too");
  });
}

test("weightDecay: Keras' test_weight_decay (three SGD(1.0, 0.004) steps on w = 2 with zero gradients give 1.9760959), schedules, refusals", () => {
  const w = new Float32Array([2]);
  for (let i = 0; i < 3; i++) {
    const opt = sn.optimizers.sgd({ learningRate: 1, weightDecay: 0.004 });
    opt.step(w, [0]);
    opt.dispose();
  }
  assert.ok(Math.abs(w[0] - 1.9760959) < 1e-6, `${w[0]}`);
  // The decay uses the learning rate of the step (a schedule's value at iterations).
  const schedule = sn.schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 3, decayRate: 0.5 });
  const lrAt = (t) => 0.1 * 0.5 ** ((t - 1) / 3);
  const plain = sgdRef({ lr: 1 });
  const scheduled = (ws, gs, t) => plain(ws, gs.map((g) => Float64Array.from(g, (v) => v * lrAt(t))), t);
  assert.ok(standaloneError(sn.optimizers.sgd({ learningRate: schedule, weightDecay: 0.5 }), decayedRef(0.5, lrAt, scheduled)) <= 1);
  assert.ok(standaloneError(sn.optimizers.sgd({ learningRate: schedule, weightDecay: 0.5 }), decayedRef(0.5, constantRate(0.1), scheduled)) > 1);
  assert.throws(() => sn.optimizers.adam({ weightDecay: -0.1 }), /adam weightDecay must be a number in \[0, Infinity\], got -0.1/);
  assert.throws(() => sn.optimizers.sgd({ weightDecay: 'a lot' }), /sgd weightDecay must be a number/);
  assert.deepEqual(sn.optimizers.rmsprop({ weightDecay: 0.1 }).getConfig().weightDecay, 0.1);
  assert.equal('weightDecay' in sn.optimizers.rmsprop().getConfig(), false, 'off unless given, as Keras (None)');
  assert.equal(sn.optimizers.adamw().getConfig().weightDecay, 0.004, "AdamW's default");
});

test('weightDecay in a compiled model decays kernels and biases, and survives a model file', () => {
  const make = () => {
    const model = sn.sequential({ seed: 3 });
    model.add(sn.layers.dense({ units: 4, inputShape: [5] }));
    model.compile({ optimizer: sn.optimizers.adagrad({ learningRate: 0.1, weightDecay: 0.2 }), loss: 'mse' });
    return model;
  };
  const model = make();
  const start = model.getWeights().map((w) => w.values);
  const w64 = start.map((v) => Float64Array.from(v));
  const reference = decayedRef(0.2, constantRate(0.1), adagradRef({ lr: 0.1 }));
  const gradsAt = (t) => start.map((v, i) => randomArray(v.length, 77 * t + i, -1, 1));
  for (let t = 1; t <= 10; t++) {
    model.optimizer.applyGradients(gradsAt(t));
    reference(w64, gradsAt(t), t);
  }
  const loaded = sn.loadModel(model.save());
  assert.equal(loaded.optimizer.getConfig().weightDecay, 0.2);
  for (let t = 11; t <= STEPS; t++) {
    model.optimizer.applyGradients(gradsAt(t));
    loaded.optimizer.applyGradients(gradsAt(t));
    reference(w64, gradsAt(t), t);
  }
  assert.ok(worstRatio(start.map((v) => Float64Array.from(v)), model.getWeights().map((w) => w.values), w64) <= 1);
  assert.deepEqual(loaded.getWeights(), model.getWeights(), 'the loaded model decays on, bit for bit');
  model.dispose();
  loaded.dispose();
});

// ---- Keras 3's exclude_from_weight_decay (keras/src/optimizers/base_optimizer.py: _use_weight_decay) ----

/** dense → layerNormalization → dense_1, compiled with AdamW (λ = 0.3) and `exclude`; `frozen`: the layer normalization does not learn. */
function excluding(exclude, frozen = false) {
  const model = sn.sequential({ seed: 5 });
  model.add(sn.layers.dense({ units: 4, inputShape: [5], biasInitializer: 'glorotUniform' }));
  const norm = sn.layers.layerNormalization();
  norm.trainable = !frozen;
  model.add(norm);
  model.add(sn.layers.dense({ units: 3 }));
  model.compile({ optimizer: sn.optimizers.adamw({ learningRate: 0.01, weightDecay: 0.3, excludeFromWeightDecay: exclude }), loss: 'mse' });
  return model;
}

/** Steps t0 … t1 of the model and of AdamW's formula per trainable weight, decayed unless `excluded` names it. */
function stepExcluding(models, w64, refs, t0, t1) {
  for (let t = t0; t <= t1; t++) {
    const grads = w64.map((v, i) => randomArray(v.length, 31 * t + i, -1, 1));
    for (const model of models) model.optimizer.applyGradients(grads);
    refs.forEach((ref, i) => ref([w64[i]], [grads[i]], t));
  }
}

function checkExcluding(exclude, excluded, frozen = false) {
  const model = excluding(exclude, frozen);
  const trainable = model.getWeights().filter((w) => model.trainableWeights.some((t) => t.name === w.name));
  assert.deepEqual(trainable.map((w) => w.name).filter((n) => excluded.includes(n)).sort(), [...excluded].sort(), 'the names the test expects exist');
  const start = trainable.map((w) => Float64Array.from(w.values)), w64 = start.map((v) => Float64Array.from(v));
  const refs = trainable.map((w) => adamRef({ lr: 0.01, decay: excluded.includes(w.name) ? 0 : 0.3 }));
  stepExcluding([model], w64, refs, 1, 8);
  const loaded = sn.loadModel(model.save());
  stepExcluding([model, loaded], w64, refs, 9, STEPS);
  const now = (m) => m.getWeights().filter((w) => trainable.some((t) => t.name === w.name)).map((w) => w.values);
  assert.ok(worstRatio(start, now(model), w64) <= 1, `${JSON.stringify(exclude)}: AdamW's formula with ${excluded} excluded`);
  assert.deepEqual(now(loaded), now(model), 'a model file keeps the exclusions (its optimizer config)');
  model.dispose();
  loaded.dispose();
}

test('excludeFromWeightDecay: var_names searched in each weight\'s name (Keras 3: variable.name, not its path), varList by full name', () => {
  assert.deepEqual(excluding(['bias']).trainableWeights.map((w) => w.name),
    ['dense/kernel', 'dense/bias', 'layer_normalization/gamma', 'layer_normalization/beta', 'dense_1/kernel', 'dense_1/bias'], 'Keras paths');
  checkExcluding(['bias', 'gamma', 'beta'], ['dense/bias', 'dense_1/bias', 'layer_normalization/gamma', 'layer_normalization/beta']);
  checkExcluding({ varNames: ['^b'], varList: ['dense_1/kernel'] }, ['dense/bias', 'dense_1/bias', 'layer_normalization/beta', 'dense_1/kernel']);
  // Keras 3 searches variable.name ('gamma'), so a layer's name excludes nothing: every weight decays.
  checkExcluding(['layer_normalization'], []);
  // A frozen layer moves the others' places in the parameters: the flags follow their tensors.
  checkExcluding(['kernel'], ['dense/kernel', 'dense_1/kernel'], true);
});

test('excludeFromWeightDecay: the check has teeth, and bad values are refused', () => {
  const model = excluding(['bias']);
  const trainable = model.getWeights();
  const start = trainable.map((w) => Float64Array.from(w.values)), w64 = start.map((v) => Float64Array.from(v));
  stepExcluding([model], w64, trainable.map(() => adamRef({ lr: 0.01, decay: 0.3 })), 1, STEPS);
  assert.ok(worstRatio(start, model.getWeights().map((w) => w.values), w64) > 1, 'decaying the biases too gives other weights');
  model.dispose();
  assert.throws(() => sn.optimizers.adamw({ excludeFromWeightDecay: 'bias' }), /adamw excludeFromWeightDecay must be a list of name patterns or \{ varNames, varList \}|must be a list of non-empty strings/);
  assert.throws(() => sn.optimizers.adamw({ excludeFromWeightDecay: ['('] }), /"\(" is not a regular expression/);
  assert.throws(() => sn.optimizers.adam({ excludeFromWeightDecay: { names: ['bias'] } }), /unknown key "names"/);
  assert.deepEqual(sn.optimizers.sgd({ weightDecay: 0.1, exclude_from_weight_decay: ['bias'] }).getConfig().excludeFromWeightDecay, { varNames: ['bias'], varList: [] });
  assert.throws(() => sn.optimizers.adamw({ excludeFromWeightDecay: ['bias'] }).step(new Float32Array(3), new Float32Array(3)), /excludeFromWeightDecay needs weight names/);
});

// ---- the same updates inside a compiled model (state owned by the model; variables = kernel, bias) ----

test('a compiled model updates with the same formula, clipNorm treating its kernel and bias as separate variables', () => {
  const model = sn.sequential({ seed: 11 });
  model.add(sn.layers.dense({ units: 5, inputShape: [7] }));
  model.compile({ optimizer: sn.optimizers.nadam({ learningRate: 0.01, clipNorm: 4 }), loss: 'mse' });
  const start = model.getWeights().map((w) => w.values);
  const w64 = start.map((v) => Float64Array.from(v));
  const reference = clippedRef('norm', 4, nadamRef({ lr: 0.01 }));
  for (let t = 1; t <= STEPS; t++) {
    const grads = start.map((v, i) => randomArray(v.length, 1000 * t + i, -2, 2));
    model.optimizer.applyGradients(grads);
    reference(w64, grads, t);
  }
  assert.equal(model.optimizer.iterations, STEPS);
  assert.ok(worstRatio(start.map((v) => Float64Array.from(v)), model.getWeights().map((w) => w.values), w64) <= 1);
  model.dispose();
});

// ---- opt.step's contract ----

test('opt.step takes one Float32Array or a list, keeps state across calls, and refuses what it cannot do', () => {
  const opt = sn.optimizers.adam({ learningRate: 0.1 });
  const w = new Float32Array([1, -2, 3]);
  opt.step(w, [0.5, 0.5, 0.5]);
  assert.equal(opt.iterations, 1);
  assert.ok(Math.abs(w[0] - 0.9) < 1e-6, `first Adam step moves by lr: ${w[0]}`);
  assert.throws(() => opt.step(new Float32Array(4), new Float32Array(4)), /holds state for arrays of lengths \[3\], got \[4\]/);
  assert.throws(() => opt.step([1, 2, 3], [1, 2, 3]), /params must be a Float32Array/);
  assert.throws(() => opt.step(w, [1, NaN, 1]), /grads\[1\] is NaN/);
  assert.throws(() => opt.step(w, [1, 1]), /params has 3 values but its grads 2/);
  const model = sn.sequential({ seed: 1, layers: [sn.layers.dense({ units: 1, inputShape: [3] })] });
  assert.throws(() => model.compile({ optimizer: opt, loss: 'mse' }), /already steps your own buffers/);
  opt.dispose();
  model.compile({ optimizer: opt, loss: 'mse' });
  assert.throws(() => opt.step(w, [1, 1, 1]), /drives a model/);
  const other = sn.sequential({ seed: 2, layers: [sn.layers.dense({ units: 1, inputShape: [3] })] });
  assert.throws(() => other.compile({ optimizer: opt, loss: 'mse' }), /compiled into another model/);
  assert.equal(opt.model, model, 'it still drives the first model');
  model.dispose();
  other.compile({ optimizer: opt, loss: 'mse' }); // free again once that model is gone
  other.dispose();
});

test('thousands of standalone steps, and creating and disposing optimizers, leave the heap where it was', () => {
  const opt = sn.optimizers.rmsprop({ learningRate: 0.01, clipNorm: 1 });
  const params = [new Float32Array(100), new Float32Array(33)];
  const grads = [randomArray(100, 1), randomArray(33, 2)];
  opt.step(params, grads);
  const before = sn.heapBytes();
  for (let i = 0; i < 3000; i++) opt.step(params, grads);
  for (let i = 0; i < 500; i++) {
    const other = sn.optimizers.adamw({ learningRate: 0.01 });
    other.step(params, grads);
    other.dispose();
  }
  assert.equal(sn.heapBytes(), before);
  opt.dispose();
});

test('learningRate: read at the current step for a schedule; settable only when constant (as Keras)', () => {
  const schedule = sn.schedules.piecewiseConstantDecay({ boundaries: [2], values: [0.5, 0.25] });
  const opt = sn.optimizers.sgd({ learningRate: schedule });
  const w = new Float32Array(1);
  assert.equal(opt.learningRate, 0.5);
  for (let i = 0; i < 3; i++) opt.step(w, [1]);
  assert.equal(opt.learningRate, 0.25);
  assert.equal(w[0], -1.5, 'steps at iterations 0, 1, 2 used 0.5, 0.5, 0.5');
  assert.throws(() => (opt.learningRate = 0.1), /is a schedule/);
  const constant = sn.optimizers.sgd({ learningRate: 0.5 });
  constant.step(w, [1]);
  constant.learningRate = 0.25;
  constant.step(w, [1]);
  assert.equal(w[0], -2.25);
  opt.dispose();
  constant.dispose();
});
