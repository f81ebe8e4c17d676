// Property tests (fast-check) of random functional models: small DAGs built
// through the public API — 1–3 inputs, dense layers (tanh, sigmoid, linear;
// sometimes frozen, sometimes with an activity regularizer), the six merges,
// concatenate, a dense layer applied again (shared weights), batch norm —
// with 1–2 dense heads (softmax with cross-entropy, tanh or linear with MSE)
// weighted by lossWeights. Values that feed no head are left out of the model
// by the trace, as in Keras. Checked:
//   1. computeGradients' gradient of every trainable weight against central
//      differences of evaluate()'s loss (batch norm frozen here: a trainable
//      one normalizes with the batch in computeGradients but with its moving
//      statistics in evaluate, so the two losses differ by design);
//   2. save() → sn.loadModel() predicts bit-identically;
//   3. x with one value NaN is refused with an Error naming x, the input, the
//      row and the column, and the model is left as it was.
// test/c/test_graph_random.c checks such graphs natively through the C API,
// with values that reach no output and the gradient pool's size too. FAST_CHECK_SEED=n runs
// other graphs (the default is fixed).
import test from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as sn from '../web/index.js';
import { mulberry32 } from '../web/core/random.js';

await sn.ready();

const SEED = Number(process.env.FAST_CHECK_SEED ?? 20260207);
const check = (property, numRuns, examples = []) => fc.assert(property, { numRuns, seed: SEED, examples, includeErrorInReport: true });
const ROWS = 7; // not a multiple of 4: the SIMD kernels' tails run too

// ---- random graphs ----

const MERGES = ['add', 'subtract', 'multiply', 'average', 'maximum', 'minimum'];

/** One step of a recipe: what to add, and numbers that pick among the values made so far. */
const step = fc.record({
  kind: fc.constantFrom('dense', 'dense', 'merge', 'merge', 'concatenate', 'shared', 'batchNorm'),
  a: fc.nat(), b: fc.nat(), c: fc.nat(),
  recent: fc.boolean(), // a: one of the last two values, not any (longer paths to the heads)
  units: fc.integer({ min: 2, max: 5 }),
  activation: fc.constantFrom('tanh', 'sigmoid', 'linear'),
  op: fc.constantFrom(...MERGES),
  three: fc.boolean(), // a merge or concatenation of three values, not two
  frozen: fc.integer({ min: 0, max: 5 }).map((n) => n === 0),
  activity: fc.integer({ min: 0, max: 5 }).map((n) => n === 0),
});

const head = fc.record({
  on: fc.nat(),
  units: fc.integer({ min: 2, max: 4 }),
  cce: fc.boolean(),
  activation: fc.constantFrom('tanh', 'linear'),
  weight: fc.integer({ min: 1, max: 8 }).map((n) => n / 4),
});

const recipe = fc.record({
  inputs: fc.array(fc.integer({ min: 2, max: 4 }), { minLength: 1, maxLength: 3 }),
  steps: fc.array(step, { minLength: 3, maxLength: 12 }),
  heads: fc.array(head, { minLength: 1, maxLength: 2 }),
  seed: fc.integer({ min: 1, max: 1 << 30 }),
});

/** A step of a hand-written recipe: the value made last, unless `a` and recent say otherwise. */
const at = (kind, options = {}) => ({
  kind, a: 0, b: 0, c: 0, recent: true, units: 3, activation: 'tanh', op: 'add', three: false, frozen: false, activity: false, ...options,
});

/**
 * A graph with every feature, run first by each property (so whatever the
 * seed, each is covered): a chain through the six merges (each with an
 * earlier value), the first dense layer applied again, a frozen batch norm,
 * a frozen dense layer, a concatenation and two heads on two inputs.
 */
const EVERYTHING = {
  inputs: [3, 3],
  steps: [
    at('dense', { activity: true }), // v2 = dense(input 1)
    at('merge', { op: 'add' }), at('merge', { op: 'subtract' }), at('merge', { op: 'multiply', b: 1 }),
    at('merge', { op: 'average', b: 2, three: true, c: 3 }), at('merge', { op: 'maximum', b: 3 }), at('merge', { op: 'minimum', b: 4 }),
    at('shared', { c: 8 }), // the first dense layer on v8
    at('batchNorm', { frozen: true }),
    at('dense', { units: 4, activation: 'sigmoid', frozen: true }),
    at('concatenate'), // with input 0
  ],
  heads: [{ on: 0, units: 3, cce: true, activation: 'tanh', weight: 0.5 }, { on: 1, units: 2, cce: false, activation: 'linear', weight: 1.5 }],
  seed: 5,
};

/**
 * The model a recipe describes, compiled, with seeded random weights, x and y
 * as the API takes them, and xs (one array per input). frozenBatchNorm: every
 * batch norm frozen.
 */
function buildGraph(r, { frozenBatchNorm = false } = {}) {
  const rng = mulberry32(r.seed);
  const inputs = r.inputs.map((width) => sn.input({ shape: [width] }));
  // Every value: its tensor, width and the inputs it depends on (a bit each).
  const values = inputs.map((t, i) => ({ t, width: r.inputs[i], deps: 1 << i }));
  const dense = []; // { layer, width of its first input }
  const pick = (n) => values[n % values.length];
  const add = (t, from) => values.push({ t, width: t.shape.at(-1), deps: from.reduce((d, v) => d | v.deps, 0) });
  const makeDense = (s, v) => {
    const layer = sn.layers.dense({ units: s.units, activation: s.activation, ...(s.activity ? { activityRegularizer: sn.regularizers.l2(0.02) } : {}) });
    if (s.frozen) layer.trainable = false;
    dense.push({ layer, width: v.width });
    add(layer.apply(v.t), [v]);
  };
  for (const s of r.steps) {
    const v = s.recent ? values.at(-1 - (s.a % Math.min(2, values.length))) : pick(s.a);
    if (s.kind === 'merge') {
      const same = values.filter((u) => u.width === v.width && u !== v);
      const partner = (n) => (same.length ? same[n % same.length] : v); // v with itself when it has no partner
      const ins = [v, partner(s.b), ...(s.three && s.op !== 'subtract' ? [partner(s.c)] : [])];
      add(sn.layers[s.op]().apply(ins.map((u) => u.t)), ins);
    } else if (s.kind === 'concatenate') {
      const ins = [v, pick(s.b), ...(s.three ? [pick(s.c)] : [])];
      add(sn.layers.concatenate().apply(ins.map((u) => u.t)), ins);
    } else if (s.kind === 'shared' && dense.length) {
      const d = dense[s.b % dense.length], fits = values.filter((u) => u.width === d.width); // its first input fits, at least
      const u = fits[s.c % fits.length];
      add(d.layer.apply(u.t), [u]);
    } else if (s.kind === 'batchNorm') {
      const layer = sn.layers.batchNormalization({ momentum: 0.9 });
      if (frozenBatchNorm || s.frozen) layer.trainable = false;
      add(layer.apply(v.t), [v]);
    } else {
      makeDense(s, v);
    }
  }
  // Heads; the last one also reads every input no head reads yet (the model must use them all).
  const all = (1 << inputs.length) - 1;
  let reached = 0;
  const outputs = r.heads.map((h, k) => {
    let v = values.at(-1 - (h.on % Math.min(3, values.length))); // one of the last values: most of the graph feeds a head
    const missing = values.slice(0, inputs.length).filter((u) => k === r.heads.length - 1 && !((reached | v.deps) & u.deps));
    if (missing.length) {
      add(sn.layers.concatenate().apply([v.t, ...missing.map((u) => u.t)]), [v, ...missing]);
      v = values.at(-1);
    }
    reached |= v.deps;
    return sn.layers.dense({ units: h.units, activation: h.cce ? 'softmax' : h.activation }).apply(v.t);
  });
  assert.equal(reached, all, 'the heads read every input');
  const model = sn.model({ inputs, outputs, seed: r.seed % 1000 });
  model.compile({
    optimizer: 'sgd',
    loss: r.heads.map((h) => (h.cce ? 'categoricalCrossentropy' : 'meanSquaredError')),
    lossWeights: r.heads.map((h) => h.weight),
  });
  // Weights away from 0, moving variances positive.
  const uniform = (lo, hi) => lo + (hi - lo) * rng();
  model.setWeights(model.getWeights().map((w) => Float32Array.from(w.values, () =>
    (w.name.endsWith('moving_variance') ? uniform(0.5, 1.5) : (rng() < 0.5 ? -1 : 1) * uniform(0.1, 0.9)))));
  const x = r.inputs.map((width) => Float32Array.from({ length: ROWS * width }, () => uniform(-1.5, 1.5)));
  const y = r.heads.map((h) => {
    const t = new Float32Array(ROWS * h.units);
    for (let row = 0; row < ROWS; row++)
      for (let j = 0; j < h.units; j++) t[row * h.units + j] = h.cce ? 0 : uniform(-1, 1);
    if (h.cce) for (let row = 0; row < ROWS; row++) t[row * h.units + Math.floor(rng() * h.units)] = 1;
    return t;
  });
  // As the API takes them: one array for one input (output), else a list.
  const one = (list) => (list.length === 1 ? list[0] : list);
  return { model, xs: x, x: one(x), y: one(y), inputs };
}

/** Runs fn(graph) and disposes the model whatever happens. */
function withGraph(r, options, fn) {
  const g = buildGraph(r, options);
  try {
    return fn(g);
  } finally {
    g.model.dispose();
  }
}

// ---- 1. gradients ----

// The step and tolerances of c/gradcheck.h. evaluate()'s loss carries float32
// noise of ~1e-7 of its size, ≲1e-4 once divided by 2h for losses of O(1):
// so the absolute tolerance grows with the loss (products of merges can make
// logits of hundreds, and a cross-entropy of 50). The truncation error
// h²/6·|L'''| stays small even where such products make L''' large (h = 5e-3,
// test/gradients.test.js' step for chains, was 1.5% off there). The worst
// seen over two dozen seeds was 15% of this tolerance. A gradient 10%
// off fails wherever |gradient| > 0.02 (for losses of O(1)): the sensitivity
// check below wants such a weight in nearly every graph.
const H = 1e-3, ATOL = 1e-3, RTOL = 1e-2;

/**
 * Every trainable weight's gradient from computeGradients against the central
 * difference of evaluate()'s loss. Maximum and minimum have kinks: at a weight
 * whose ±h crosses one (the central difference is off, and the one-sided
 * differences disagree by more than the tolerance) the gradient must match the
 * one-sided difference of the smooth side (within 5× the tolerance: that one
 * bends by h·|L''|/2), and the weight is counted in `kinks`.
 */
function checkGradients({ model, x, y }) {
  const specs = model.weightSpecs(), base = model.getWeights().map((w) => w.values);
  const { loss, grads } = model.computeGradients(x, y);
  const lossAt = (weights) => {
    model.setWeights(weights);
    return model.evaluate(x, y, { batchSize: ROWS }).loss;
  };
  const result = { checked: 0, kinks: 0, worst: { excess: -1 }, sensitivity: 0, loss, evaluated: lossAt(base) };
  try {
    let g = 0;
    specs.forEach((s, t) => {
      if (!s.trainable) return;
      const analytic = grads[g++];
      for (let i = 0; i < s.size; i++) {
        const plus = base.map((v) => v.slice()), minus = base.map((v) => v.slice());
        plus[t][i] = Math.fround(base[t][i] + H);
        minus[t][i] = Math.fround(base[t][i] - H);
        const up = lossAt(plus), down = lossAt(minus);
        const numeric = (up - down) / (plus[t][i] - minus[t][i]);
        const allowed = ATOL * Math.max(1, Math.abs(result.evaluated)) + RTOL * Math.abs(numeric);
        let excess = Math.abs(analytic[i] - numeric) / allowed;
        const right = (up - result.evaluated) / (plus[t][i] - base[t][i]), left = (result.evaluated - down) / (base[t][i] - minus[t][i]);
        if (excess > 1 && Math.abs(right - left) > allowed) { // a kink within ±h
          excess = Math.min(Math.abs(analytic[i] - right), Math.abs(analytic[i] - left)) / (5 * allowed);
          result.kinks++;
        }
        result.checked++;
        result.sensitivity = Math.max(result.sensitivity, Math.abs(1.1 * analytic[i] - numeric) / allowed);
        if (excess > result.worst.excess) result.worst = { excess, weight: `${s.name}[${i}]`, analytic: analytic[i], numeric, left, right };
      }
    });
  } finally {
    model.setWeights(base);
  }
  return result;
}

/** What a model's graph holds (its own nodes only: values that feed no output are not in it). */
function contents(model) {
  const types = model.nodes.map((n) => n.layer.type), layers = new Set(model.nodes.map((n) => n.layer));
  return {
    merges: new Set(types.filter((t) => MERGES.includes(t[0].toLowerCase() + t.slice(1)))),
    shared: [...layers].filter((l) => model.nodes.filter((n) => n.layer === l).length > 1).length,
    frozen: [...layers].filter((l) => l.trainable === false && l.type === 'Dense').length,
    batchNorm: types.filter((t) => t === 'BatchNormalization').length,
    activity: [...layers].filter((l) => l.activityRegularizer?.l2 > 0).length,
    concatenate: types.filter((t) => t === 'Concatenate').length,
    severalInputs: +(model.inputs.length > 1),
    twoOutputs: +(model.outputs.length > 1),
  };
}

test('graphs: computeGradients matches central differences of evaluate() for every trainable weight', (t) => {
  const seen = { merges: new Set(), shared: 0, frozen: 0, batchNorm: 0, activity: 0, concatenate: 0, severalInputs: 0, twoOutputs: 0 };
  let kinks = 0, checked = 0, worst = 0, nodes = 0, weak = 0, graphs = 0;
  check(fc.property(recipe, (r) => withGraph(r, { frozenBatchNorm: true }, (g) => {
    const res = checkGradients(g);
    // The loss computeGradients reports is evaluate()'s (frozen batch norm: inference mode in both).
    assert.ok(Math.abs(res.loss - res.evaluated) <= 1e-6 * Math.abs(res.loss) + 1e-9, `computeGradients loss ${res.loss}, evaluate ${res.evaluated}`);
    const w = res.worst;
    assert.ok(w.excess <= 1, `gradient of ${w.weight}: analytic ${w.analytic}, central difference ${w.numeric} (one-sided ${w.left}, ${w.right})`);
    assert.ok(res.kinks <= Math.max(2, 0.1 * res.checked), `${res.kinks} of ${res.checked} weights at a kink`);
    weak += res.sensitivity <= 1; // every gradient tiny (a saturated head, say): the check could not tell them from 1.1× them
    graphs++;
    const has = contents(g.model);
    has.merges.forEach((op) => seen.merges.add(op));
    for (const k of Object.keys(seen)) if (k !== 'merges') seen[k] += has[k];
    kinks += res.kinks;
    checked += res.checked;
    nodes += g.model.nodes.length;
    worst = Math.max(worst, w.excess);
  })), 40, [[EVERYTHING]]);
  const counts = Object.entries(seen).map(([k, v]) => `${k} ${k === 'merges' ? [...v].join('/') : v}`).join(', ');
  t.diagnostic(`${checked} gradients of ${nodes} nodes in ${graphs} graphs checked (${kinks} at kinks, ${weak} graphs whose gradients are all too small ` +
    `to tell from 1.1× them), worst at ${(100 * worst).toFixed(1)}% of the tolerance; ${counts}`);
  assert.ok(weak <= 0.1 * graphs, `${weak} of ${graphs} graphs test nothing: their gradients are all too small to tell from 1.1× them`);
  // The graphs covered what they are for (EVERYTHING does, whatever the seed).
  assert.equal(seen.merges.size, MERGES.length, counts);
  for (const [k, v] of Object.entries(seen)) if (k !== 'merges') assert.ok(v > 0, `no graph had ${k}: ${counts}`);
});

test('graphs: the hand-written graph every property runs first holds every feature', () => {
  withGraph(EVERYTHING, {}, ({ model }) => {
    const has = contents(model);
    assert.deepEqual([...has.merges], ['Add', 'Subtract', 'Multiply', 'Average', 'Maximum', 'Minimum']);
    assert.deepEqual({ ...has, merges: undefined },
      { merges: undefined, shared: 1, frozen: 1, batchNorm: 1, activity: 1, concatenate: 1, severalInputs: 1, twoOutputs: 1 });
    assert.ok(model.layers.find((l) => l.type === 'BatchNormalization').trainable === false, 'the batch norm is frozen');
  });
});

// ---- 2. save and load ----

const sameBits = (a, b) => a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

test('graphs: save() → sn.loadModel() predicts bit-identically', () => {
  check(fc.property(recipe, (r) => withGraph(r, {}, ({ model, x }) => {
    const loaded = sn.loadModel(model.save());
    try {
      const before = model.predict(x), after = loaded.predict(x);
      const list = (p) => (Array.isArray(p) ? p : [p]);
      assert.equal(list(after).length, list(before).length, 'as many outputs');
      list(before).forEach((p, k) => assert.ok(sameBits(p, list(after)[k]), `output ${k}: ${list(after)[k]} vs ${p}`));
      const wa = model.getWeights(), wb = loaded.getWeights();
      assert.deepEqual(wb.map((w) => w.name), wa.map((w) => w.name));
      wa.forEach((w, i) => assert.ok(sameBits(w.values, wb[i].values), `weight ${w.name}`));
    } finally {
      loaded.dispose();
    }
  })), 30, [[EVERYTHING]]);
});

// ---- 3. a NaN in x ----

test('graphs: a NaN anywhere in x is refused with an Error naming x, the input, its row and column; the model is unchanged', () => {
  const nan = fc.record({ input: fc.nat(), row: fc.integer({ min: 0, max: ROWS - 1 }), col: fc.nat() });
  check(fc.property(recipe, nan, (r, spot) => withGraph(r, {}, ({ model, xs, x, y, inputs }) => {
    const k = spot.input % inputs.length, width = r.inputs[k], col = spot.col % width, row = spot.row;
    const bad = xs.map((v) => v.slice());
    bad[k][row * width + col] = NaN;
    const weights = model.getWeights();
    // One input: "x contains NaN at row r, column c"; several: "x[k] (name) contains …".
    const where = inputs.length === 1 ? 'x' : `x[${k}] (${inputs[k].sourceLayer.name})`;
    const expected = (err) => {
      assert.ok(err instanceof Error, `an Error, got ${err}`);
      assert.ok(err.message.startsWith(`${where} contains NaN at row ${row}, column ${col}`), err.message);
      return true;
    };
    const badX = inputs.length === 1 ? bad[0] : bad;
    assert.throws(() => model.predict(badX), expected);
    assert.throws(() => model.evaluate(badX, y), expected);
    assert.throws(() => model.computeGradients(badX, y), expected);
    model.getWeights().forEach((w, i) => assert.ok(sameBits(w.values, weights[i].values), `${w.name} unchanged`));
    // The same model still takes good data.
    assert.ok(Number.isFinite(model.computeGradients(x, y).loss));
  })), 30, [[EVERYTHING, { input: 1, row: 3, col: 2 }]]);
});

// ---- what the properties found, as small as it goes ----

test('graphs: a model that holds only a later application of a layer saves and loads', () => {
  const a = sn.input({ shape: [3] }), shared = sn.layers.dense({ units: 3, activation: 'tanh' });
  shared.apply(a); // its node 0, in no model
  const model = sn.model({ inputs: a, outputs: sn.layers.dense({ units: 2 }).apply(shared.apply(a)), seed: 3 });
  const loaded = sn.loadModel(model.save()); // refs used to name node 1 of the layer, which loading never makes
  try {
    const x = Float32Array.from({ length: 12 }, (v, i) => Math.sin(i));
    assert.ok(sameBits(loaded.predict(x), model.predict(x)));
  } finally {
    model.dispose();
    loaded.dispose();
  }
});

test('graphs: one output weighted by lossWeights reports the weighted loss, as computeGradients trains it (Keras, TF.js)', () => {
  const a = sn.input({ shape: [3] });
  const model = sn.model({ inputs: a, outputs: sn.layers.dense({ units: 2 }).apply(a), seed: 4 });
  model.compile({ optimizer: 'sgd', loss: 'meanSquaredError', lossWeights: [0.25] });
  try {
    const x = Float32Array.from({ length: 12 }, (v, i) => Math.sin(i)), y = Float32Array.from({ length: 8 }, (v, i) => Math.cos(i));
    const p = model.predict(x), mse = p.reduce((sum, v, i) => sum + (v - y[i]) ** 2, 0) / p.length;
    const evaluated = model.evaluate(x, y).loss;
    assert.ok(Math.abs(evaluated - 0.25 * mse) <= 1e-6 * mse, `evaluate ${evaluated}, 0.25 × mse ${0.25 * mse}`); // it reported the mse
    assert.ok(Math.abs(model.computeGradients(x, y).loss - evaluated) <= 1e-6 * mse);
  } finally {
    model.dispose();
  }
});
