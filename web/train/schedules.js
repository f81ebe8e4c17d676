// Learning-rate schedules with Keras' names, parameters and formulas
// (keras.optimizers.schedules). The formulas live in C (c/schedule.c), which
// the optimizer evaluates at every step inside the training loop; the object
// here holds the parameters and reads the same C function, so
// schedule(step) and schedule.at(step) give exactly what training uses.
// Each kind's number and the order of its parameters in the block come from C
// (SCHEDULE and SCHEDULE_BLOCK in dist/constants.js).
import { SCHEDULE, SCHEDULE_BLOCK } from '../../dist/constants.js';
import { checkNumber } from '../core/names.js';
import { wasm, withBuffers } from '../core/wasm.js';

/**
 * A learning-rate schedule: callable as schedule(step) (Keras' __call__) and
 * as schedule.at(step), step = updates done so far (optimizer.iterations).
 * Pass it wherever a learning rate goes: sn.optimizers.sgd({ learningRate: schedule }).
 */
export class LearningRateSchedule {
  /** The learning rate after `step` updates, as float64 of C's double. */
  at(step) {
    checkNumber('schedule step', step, { min: 0 });
    return withBuffers((alloc) => wasm().sn_schedule_at(alloc(this.block), step));
  }

  getConfig() {
    return { ...this.config };
  }
}

/**
 * Builds the callable schedule object and its C parameter block: the kind, then
 * `values` in the order C reads them (an array takes as many floats as it holds).
 */
function makeSchedule(name, config, values) {
  const schedule = (step) => schedule.at(step);
  Object.setPrototypeOf(schedule, LearningRateSchedule.prototype);
  const { kind, params } = SCHEDULE[name];
  if (Object.keys(values).sort().join() !== [...params].sort().join())
    throw new Error(`simdnet: ${name} gives ${Object.keys(values)}, c/schedule.h reads ${params}`);
  const block = new Float32Array(SCHEDULE_BLOCK.SIZE);
  block[0] = kind;
  block.set(params.flatMap((key) => values[key]).map(Number), 1);
  Object.defineProperty(schedule, 'name', { value: name });
  return Object.assign(schedule, { config, block });
}

function readConfig(name, config, defaults) {
  if (typeof config !== 'object' || config === null) throw new Error(`${name} takes an object of options, e.g. ${name}({ initialLearningRate: 0.1, ... })`);
  for (const key of Object.keys(config))
    if (!(key in defaults)) throw new Error(`${name}: unknown option ${JSON.stringify(key)}; known: ${Object.keys(defaults).join(', ')}`);
  const merged = { ...defaults, ...config };
  for (const [key, value] of Object.entries(merged)) if (value === undefined) throw new Error(`${name} needs ${key}`);
  return merged;
}

const rate = (name, key, v) => checkNumber(`${name} ${key}`, v, { min: 0 });
const steps = (name, key, v) => checkNumber(`${name} ${key}`, v, { min: 1e-12 });

/** initial · decayRate^(step / decaySteps), the exponent floored when staircase. */
function decay(name) {
  return (config) => {
    const c = readConfig(name, config, { initialLearningRate: undefined, decaySteps: undefined, decayRate: undefined, staircase: false });
    return makeSchedule(name, c, {
      initialLearningRate: rate(name, 'initialLearningRate', c.initialLearningRate),
      decaySteps: steps(name, 'decaySteps', c.decaySteps),
      decayRate: rate(name, 'decayRate', c.decayRate),
      staircase: Boolean(c.staircase),
    });
  };
}

export const schedules = {
  /** ExponentialDecay: initial · decayRate^(step / decaySteps). */
  exponentialDecay: decay('exponentialDecay'),
  /** InverseTimeDecay: initial / (1 + decayRate · step / decaySteps). */
  inverseTimeDecay: decay('inverseTimeDecay'),

  /** PolynomialDecay: (initial − end)·(1 − min(step, decaySteps)/decaySteps)^power + end; with cycle, restarts. */
  polynomialDecay(config) {
    const name = 'polynomialDecay';
    const c = readConfig(name, config, { initialLearningRate: undefined, decaySteps: undefined, endLearningRate: 0.0001, power: 1, cycle: false });
    return makeSchedule(name, c, {
      initialLearningRate: rate(name, 'initialLearningRate', c.initialLearningRate),
      decaySteps: steps(name, 'decaySteps', c.decaySteps),
      endLearningRate: rate(name, 'endLearningRate', c.endLearningRate),
      power: rate(name, 'power', c.power),
      cycle: Boolean(c.cycle),
    });
  },

  /** PiecewiseConstantDecay: values[0] while step ≤ boundaries[0], values[i+1] while boundaries[i] < step ≤ boundaries[i+1]. */
  piecewiseConstantDecay(config) {
    const name = 'piecewiseConstantDecay';
    const c = readConfig(name, config, { boundaries: undefined, values: undefined });
    if (!Array.isArray(c.boundaries) || !Array.isArray(c.values) || c.values.length !== c.boundaries.length + 1)
      throw new Error(`${name}: values must be an array one longer than boundaries`);
    if (c.boundaries.length > SCHEDULE_BLOCK.MAX_BOUNDARIES)
      throw new Error(`${name}: at most ${SCHEDULE_BLOCK.MAX_BOUNDARIES} boundaries, got ${c.boundaries.length}`);
    c.boundaries.forEach((b, i) => {
      checkNumber(`${name} boundaries[${i}]`, b, { min: 0 });
      if (i > 0 && b <= c.boundaries[i - 1]) throw new Error(`${name}: boundaries must increase`);
    });
    c.values.forEach((v, i) => rate(name, `values[${i}]`, v));
    return makeSchedule(name, c, { count: c.boundaries.length, boundaries: c.boundaries, values: c.values });
  },

  /**
   * CosineDecay: initial · ((1 − alpha)·½(1 + cos(π·min(step, decaySteps)/decaySteps)) + alpha);
   * with warmupTarget, first a linear warm-up from initial to warmupTarget over warmupSteps.
   */
  cosineDecay(config) {
    const name = 'cosineDecay';
    const c = readConfig(name, config, { initialLearningRate: undefined, decaySteps: undefined, alpha: 0, warmupTarget: null, warmupSteps: 0 });
    const warm = c.warmupTarget !== null;
    return makeSchedule(name, c, {
      initialLearningRate: rate(name, 'initialLearningRate', c.initialLearningRate),
      decaySteps: steps(name, 'decaySteps', c.decaySteps),
      alpha: checkNumber(`${name} alpha`, c.alpha, { min: 0, max: 1 }),
      warmupTarget: warm ? rate(name, 'warmupTarget', c.warmupTarget) : 0,
      warmupSteps: warm ? steps(name, 'warmupSteps', c.warmupSteps) : 0,
      hasWarmup: warm,
    });
  },

  /** CosineDecayRestarts (SGDR): cosine periods of firstDecaySteps·tMul^i steps peaking at initial·mMul^i. */
  cosineDecayRestarts(config) {
    const name = 'cosineDecayRestarts';
    const c = readConfig(name, config, { initialLearningRate: undefined, firstDecaySteps: undefined, tMul: 2, mMul: 1, alpha: 0 });
    return makeSchedule(name, c, {
      initialLearningRate: rate(name, 'initialLearningRate', c.initialLearningRate),
      firstDecaySteps: steps(name, 'firstDecaySteps', c.firstDecaySteps),
      tMul: checkNumber(`${name} tMul`, c.tMul, { min: 1 }),
      mMul: rate(name, 'mMul', c.mMul),
      alpha: checkNumber(`${name} alpha`, c.alpha, { min: 0, max: 1 }),
    });
  },
};

/** A learning rate as plain data, for model files and postMessage: a schedule becomes { schedule, config }. */
export function learningRateToJson(lr) {
  return lr instanceof LearningRateSchedule ? { schedule: lr.name, config: lr.getConfig() } : lr;
}

/** The inverse of learningRateToJson: { schedule, config } becomes the schedule again; numbers pass through. */
export function learningRateFromJson(lr) {
  if (typeof lr !== 'object' || lr === null) return lr;
  if (!Object.hasOwn(schedules, lr.schedule)) throw new Error(`unknown learning-rate schedule ${JSON.stringify(lr.schedule)}; known: ${Object.keys(schedules).join(', ')}`);
  return schedules[lr.schedule](lr.config);
}
