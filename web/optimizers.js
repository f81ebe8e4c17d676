import { checkBoolean, checkNumber, checkOptions, nameTable } from './names.js';

// Kinds and hyper-parameter order must match enum sn_opt_kind in c/optimizer.h.
// Defaults are Keras'.
const SPECS = {
  sgd: { kind: 0, params: { learningRate: 0.01, momentum: 0, nesterov: false } },
  adam: { kind: 1, params: { learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 } },
};
const resolveName = nameTable('optimizer', SPECS);

/**
 * An optimizer's configuration. compile() gives each model its own state (the
 * moments live in wasm memory owned by the model); after compile,
 * applyGradients() updates that model's weights.
 */
export class Optimizer {
  constructor(name, options) {
    const spec = SPECS[name];
    const config = checkOptions(name, options);
    for (const key of Object.keys(config))
      if (!(key in spec.params)) throw new Error(`unknown ${name} option ${JSON.stringify(key)}; known: ${Object.keys(spec.params).join(', ')}`);
    this.name = name;
    this.kind = spec.kind;
    this.config = { ...spec.params, ...config };
    for (const [key, value] of Object.entries(this.config))
      if (typeof spec.params[key] === 'number') checkNumber(`${name} ${key}`, value, { min: 0 });
      else checkBoolean(`${name} ${key}`, value);
    this.model = null;
  }

  get learningRate() {
    return this.config.learningRate;
  }

  /** Hyper-parameters in C's order (booleans as 0/1). */
  hyperParameters() {
    return Object.values(this.config).map(Number);
  }

  /**
   * One update of the compiled model's weights from gradients: a list of
   * Float32Arrays in getWeights() order (as computeGradients returns them).
   */
  applyGradients(grads) {
    if (!this.model) throw new Error(`optimizer ${this.name} is not compiled into a model: call model.compile({ optimizer }) first`);
    this.model.applyGradients(grads);
  }
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
