import { HP, OPTIMIZER } from '../../dist/constants.js';
import { checkBoolean, checkNumber, checkOptions, nameTable } from '../core/names.js';
import { LearningRateSchedule, learningRateFromJson, learningRateToJson, schedules } from './schedules.js';
import { f32, f64, i32, wasm, withBuffers } from '../core/wasm.js';

// Each optimizer's parameters with Keras' defaults: the learning rate, then the
// kind's hyper-parameters, whose kinds and places in hp[] come from C (OPTIMIZER in
// dist/constants.js).
const SPECS = {
  sgd: { params: { learningRate: 0.01, momentum: 0, nesterov: false, dampening: 0 } },
  adam: { params: { learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, amsgrad: false } },
  rmsprop: { params: { learningRate: 0.001, rho: 0.9, momentum: 0, epsilon: 1e-7, centered: false } },
  adamw: { params: { learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, amsgrad: false, weightDecay: 0.004 } },
  adamax: { params: { learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 } },
  nadam: { params: { learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 } },
  adagrad: { params: { learningRate: 0.001, initialAccumulatorValue: 0.1, epsilon: 1e-7 } },
  adadelta: { params: { learningRate: 0.001, rho: 0.95, epsilon: 1e-7 } },
  ftrl: {
    params: {
      learningRate: 0.001, learningRatePower: -0.5, initialAccumulatorValue: 0.1, l1RegularizationStrength: 0,
      l2RegularizationStrength: 0, l2ShrinkageRegularizationStrength: 0, beta: 0,
    },
  },
  lion: { params: { learningRate: 0.001, beta1: 0.9, beta2: 0.99 } },
};
const resolveName = nameTable('optimizer', SPECS, { rmsProp: 'rmsprop', adamW: 'adamw' });

// Gradient clipping, on every optimizer (Keras' clipnorm, clipvalue, global_clipnorm).
const CLIPPING = ['clipNorm', 'clipValue', 'globalClipNorm'];
// Keras 3's weight_decay, on every optimizer (w −= lr·λ·w before the update; off when
// not given). AdamW has it among its own parameters, with Keras' default 0.004.
const WEIGHT_DECAY = 'weightDecay';
// Where those options go in the hp[] every kind shares.
const COMMON_HP = { clipNorm: HP.CLIP_NORM, clipValue: HP.CLIP_VALUE, globalClipNorm: HP.GLOBAL_CLIP_NORM, weightDecay: HP.WEIGHT_DECAY };
// Ranges beyond "a number ≥ 0".
const RANGES = {
  momentum: { min: 0, max: 1 }, dampening: { min: 0, max: 1 }, beta1: { min: 0, max: 1 }, beta2: { min: 0, max: 1 },
  rho: { min: 0, max: 1 }, learningRatePower: { max: 0 }, weightDecay: { min: 0 },
};

// Keras 3's exclude_from_weight_decay(var_list, var_names) (keras/src/optimizers/base_optimizer.py), on every
// optimizer: excludeFromWeightDecay is var_names, a list of patterns (Python regular expressions, the same as
// JavaScript's for plain words), or { varNames, varList }, varList being full weight names as model.weights
// gives them ('dense_1/bias', 'tpe/position_embedding/embeddings'), Keras' variables. A weight is excluded
// when its path is in varList or one of varNames is found (re.search) in its *name*, Keras 3's
// variable.name: the last part of its path ('bias', 'gamma', 'embeddings'), not the layer's name. Keras
// excludes nothing by default. Decided once per compile, in JavaScript; C steps each excluded tensor
// without decay (sn_model_exclude_from_weight_decay).
const EXCLUDE = 'excludeFromWeightDecay';

function checkStrings(what, list) {
  if (!Array.isArray(list) || !list.every((s) => typeof s === 'string' && s.length > 0))
    throw new Error(`${what} must be a list of non-empty strings, got ${JSON.stringify(list)}`);
  return [...list];
}

/** excludeFromWeightDecay as { varNames, varList } (null: none), each list checked; a pattern that is no regular expression is an Error. */
function readExclusions(name, value) {
  if (value === undefined || value === null) return null;
  const what = `${name} ${EXCLUDE}`;
  const spec = Array.isArray(value) ? { varNames: value } : value;
  if (typeof spec !== 'object') throw new Error(`${what} must be a list of name patterns or { varNames, varList }, got ${JSON.stringify(value)}`);
  const unknown = Object.keys(spec).find((k) => k !== 'varNames' && k !== 'varList');
  if (unknown !== undefined) throw new Error(`${what}: unknown key ${JSON.stringify(unknown)}; known: varNames, varList`);
  const out = { varNames: checkStrings(`${what} varNames`, spec.varNames ?? []), varList: checkStrings(`${what} varList`, spec.varList ?? []) };
  for (const pattern of out.varNames) {
    try {
      new RegExp(pattern);
    } catch (err) {
      throw new Error(`${what}: ${JSON.stringify(pattern)} is not a regular expression (${err.message})`);
    }
  }
  return out;
}

/** Keras' spellings too: 'learning_rate' → 'learningRate', 'beta_1' → 'beta1', 'clipnorm' → 'clipNorm'. */
const KERAS_ALIASES = { clipnorm: 'clipNorm', clipvalue: 'clipValue', globalClipnorm: 'globalClipNorm' };
const canonicalKey = (key) => {
  const camel = key.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
  return KERAS_ALIASES[camel] ?? camel;
};

/** Options every kind takes on top of its own parameters; null or undefined turns them off. */
const commonOptions = (spec) => [...CLIPPING, ...(WEIGHT_DECAY in spec.params ? [] : [WEIGHT_DECAY])];

function readConfig(name, spec, config) {
  const common = commonOptions(spec);
  const known = [...Object.keys(spec.params), ...common, EXCLUDE];
  const out = { ...spec.params };
  for (const [key, value] of Object.entries(config)) {
    const canonical = canonicalKey(key);
    if (!known.includes(canonical)) throw new Error(`unknown ${name} option ${JSON.stringify(key)}; known: ${known.join(', ')}`);
    // A schedule may arrive as plain data (model files, a Worker): { schedule, config }.
    if (value !== undefined) out[canonical] = canonical === 'learningRate' ? learningRateFromJson(value) : value;
  }
  for (const [key, value] of Object.entries(out)) {
    if (key === 'learningRate' && value instanceof LearningRateSchedule) continue;
    if (key === EXCLUDE) {
      out[key] = readExclusions(name, value);
      continue;
    }
    if (typeof spec.params[key] === 'boolean') checkBoolean(`${name} ${key}`, value);
    else if (common.includes(key)) {
      if (value !== null) checkNumber(`${name} ${key}`, value, key === WEIGHT_DECAY ? RANGES.weightDecay : { min: 1e-30 });
    } else checkNumber(`${name} ${key}`, value, RANGES[key] ?? { min: 0 });
  }
  if (CLIPPING.filter((k) => out[k] != null).length > 1) throw new Error(`${name}: set only one of clipNorm, clipValue and globalClipNorm (as Keras)`);
  return out;
}

/**
 * An optimizer's configuration, and the state of whatever it drives: either a
 * model (compile gives the model its own state in wasm memory, owned and freed
 * by the model), or the caller's own buffers through step(params, grads)
 * (state in wasm memory owned by this object until dispose()). Not both.
 */
export class Optimizer {
  constructor(name, options) {
    const spec = SPECS[name];
    this.name = name;
    this.kind = OPTIMIZER[name].kind;
    this.config = readConfig(name, spec, checkOptions(name, options));
    this.model = null;
    this.ptr = 0; // standalone state (step), owned by this object
    this.lengths = null;
  }

  /** The C optimizer this object drives now: the compiled model's, or its own; 0 before either. */
  statePtr() {
    if (this.model?.ptr) return wasm().sn_model_optimizer(this.model.ptr);
    return this.ptr;
  }

  /** The learning rate the next update uses (a schedule evaluated at iterations). */
  get learningRate() {
    const lr = this.config.learningRate;
    if (!(lr instanceof LearningRateSchedule)) return lr; // C holds its float32 rounding
    const ptr = this.statePtr();
    return ptr ? wasm().sn_opt_learning_rate(ptr) : lr.at(0);
  }

  /** Sets a constant learning rate (callbacks do this between epochs); refused when it is a schedule, as Keras. */
  set learningRate(value) {
    if (this.config.learningRate instanceof LearningRateSchedule)
      throw new Error(`this ${this.name} optimizer's learning rate is a schedule (${this.config.learningRate.name}), which cannot be set`);
    checkNumber(`${this.name} learningRate`, value, { min: 0 });
    this.config.learningRate = value;
    const ptr = this.statePtr();
    if (ptr) f32(wasm().sn_opt_hp(ptr), HP.LR + 1)[HP.LR] = value;
  }

  /** Updates done so far (Keras' optimizer.iterations). */
  get iterations() {
    const ptr = this.statePtr();
    return ptr ? f64(wasm().sn_opt_step_count(ptr), 1)[0] : 0;
  }

  /** { name, ...config } as plain data (a schedule as { schedule, config }): what compile and model files take. */
  getConfig() {
    return { name: this.name, ...this.config, learningRate: learningRateToJson(this.config.learningRate) };
  }

  /** Whether Keras' exclude_from_weight_decay leaves out the weight at `path` ('dense_1/bias'): see EXCLUDE above. */
  excludesFromWeightDecay(path) {
    const spec = this.config[EXCLUDE];
    if (!spec) return false;
    const name = path.slice(path.lastIndexOf('/') + 1); // Keras 3's variable.name
    return spec.varList.includes(path) || (spec.varNames.length > 0 && new RegExp(spec.varNames.join('|')).test(name));
  }

  /** The hp[] block of c/optimizer.h: learning rate, the kind's parameters, clipping, weight decay, schedule. */
  hyperParameters() {
    const hp = new Float32Array(HP.SIZE);
    const { learningRate, ...rest } = this.config;
    const schedule = learningRate instanceof LearningRateSchedule ? learningRate : null;
    hp[HP.LR] = schedule ? schedule.at(0) : learningRate;
    for (const [key, i] of Object.entries(OPTIMIZER[this.name].hp)) hp[i] = Number(rest[key]);
    for (const key of commonOptions(SPECS[this.name])) hp[COMMON_HP[key]] = rest[key] ?? 0;
    if (schedule) hp.set(schedule.block, HP.SCHEDULE);
    return hp;
  }

  /** Creates C optimizer state for n parameters; the caller owns it (sn_opt_free). */
  createState(n) {
    const hp = this.hyperParameters();
    const ptr = withBuffers((alloc) => wasm().sn_opt_create(this.kind, n, alloc(hp), hp.length));
    if (!ptr) throw new Error(`simdnet: out of wasm memory creating the ${this.name} optimizer`);
    return ptr;
  }

  /**
   * One update of the compiled model's weights from gradients: a list of
   * Float32Arrays in getWeights() order (as computeGradients returns them).
   */
  applyGradients(grads) {
    if (!this.model) throw new Error(`optimizer ${this.name} is not compiled into a model: call model.compile({ optimizer }) first, or use step(params, grads)`);
    this.model.applyGradients(grads);
  }

  /**
   * One update of your own parameters in place: params and grads are each a
   * Float32Array or a list of them (each one variable for clipNorm), same
   * lengths on every call. The state lives in wasm memory until dispose().
   */
  step(params, grads) {
    if (this.model) throw new Error(`this ${this.name} optimizer drives a model (its state belongs to the model): create another optimizer for your own buffers`);
    if (this.config[EXCLUDE]) throw new Error(`step: excludeFromWeightDecay needs weight names, which your own buffers do not have: compile this ${this.name} optimizer into a model`);
    const P = asList(params, 'params'), G = asList(grads, 'grads');
    if (P.length !== G.length) throw new Error(`step: ${P.length} params arrays but ${G.length} grads arrays`);
    P.forEach((p, i) => {
      if (!(p instanceof Float32Array)) throw new Error(`step: params${P.length > 1 ? `[${i}]` : ''} must be a Float32Array (it is updated in place)`);
      if (G[i].length !== p.length) throw new Error(`step: params${P.length > 1 ? `[${i}]` : ''} has ${p.length} values but its grads ${G[i].length}`);
      for (let j = 0; j < p.length; j++) if (!Number.isFinite(G[i][j])) throw new Error(`step: grads${G.length > 1 ? `[${i}]` : ''}[${j}] is ${G[i][j]}`);
    });
    const lengths = P.map((p) => p.length);
    if (!this.ptr) this.ptr = this.createSegmentedState(lengths);
    else if (lengths.join() !== this.lengths.join())
      throw new Error(`step: this optimizer holds state for arrays of lengths [${this.lengths}], got [${lengths}]; use another optimizer or dispose() this one`);
    const n = lengths.reduce((a, b) => a + b, 0);
    withBuffers((alloc) => {
      const p = alloc(n * 4), g = alloc(n * 4);
      let off = 0;
      P.forEach((values, i) => {
        f32(p + off * 4, values.length).set(values);
        f32(g + off * 4, values.length).set(G[i]);
        off += values.length;
      });
      wasm().sn_opt_step(this.ptr, p, g);
      off = 0;
      for (const values of P) {
        values.set(f32(p + off * 4, values.length));
        off += values.length;
      }
    });
  }

  createSegmentedState(lengths) {
    const ptr = this.createState(lengths.reduce((a, b) => a + b, 0));
    const ok = withBuffers((alloc) => {
      const seg = alloc(lengths.length * 4);
      i32(seg, lengths.length).set(lengths);
      return wasm().sn_opt_set_segments(ptr, seg, lengths.length);
    });
    if (!ok) {
      wasm().sn_opt_free(ptr);
      throw new Error('simdnet: out of wasm memory creating the optimizer');
    }
    this.lengths = lengths;
    return ptr;
  }

  /** Frees the state step() created; the next step() starts afresh. */
  dispose() {
    if (this.ptr) wasm().sn_opt_free(this.ptr);
    this.ptr = 0;
    this.lengths = null;
  }
}

function asList(values, what) {
  const list = Array.isArray(values) && (values.length === 0 || typeof values[0] !== 'number') ? values : [values];
  if (list.length === 0) throw new Error(`step: ${what} is empty`);
  for (const v of list) if (!ArrayBuffer.isView(v) && !Array.isArray(v)) throw new Error(`step: ${what} must be a Float32Array or a list of them`);
  return list;
}

/** Resolves 'adam', an Optimizer or { name, ...config } to an Optimizer. */
export function resolveOptimizer(spec) {
  if (spec instanceof Optimizer) return spec;
  if (typeof spec !== 'string' && (typeof spec !== 'object' || spec === null))
    throw new Error(`optimizer must be a name like 'adam', sn.optimizers.adam({ ... }) or { name, ...config }, got ${JSON.stringify(spec)}`);
  const { name, ...config } = typeof spec === 'string' ? { name: spec } : spec ?? {};
  return new Optimizer(resolveName(name).name, config);
}

/** Factories with Keras' names and defaults: sn.optimizers.adam({ learningRate: 0.001 }). */
export const optimizers = Object.fromEntries(Object.keys(SPECS).map((name) => [name, (config) => new Optimizer(name, config)]));
/** Keras' keras.optimizers.schedules, also as sn.schedules. */
optimizers.schedules = schedules;
