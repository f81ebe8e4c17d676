import { resolveActivation } from './activations.js';
import { resolveInitializer } from './initializers.js';
import { checkBoolean, checkNumber, checkOptions } from './names.js';
import { resolveRegularizer } from './regularizers.js';

const DENSE_OPTIONS = new Set([
  'units', 'activation', 'useBias', 'kernelInitializer', 'biasInitializer',
  'kernelRegularizer', 'biasRegularizer', 'activityRegularizer', 'inputShape', 'inputDim', 'name',
]);
const DROPOUT_OPTIONS = new Set(['rate', 'seed', 'name']);

/** Product of an input shape: [28, 28] flattens to 784. */
function flatSize(shape) {
  if (!Array.isArray(shape) || shape.length === 0) throw new Error(`inputShape must be a non-empty array, got ${JSON.stringify(shape)}`);
  return shape.reduce((n, d) => n * checkNumber('inputShape dimension', d, { min: 1, integer: true }), 1);
}

/**
 * A dense (fully connected) layer: output = activation(input · kernel + bias),
 * kernel [inputs × units]. Every option is checked here, before anything reaches C.
 */
export function dense(options) {
  const config = checkOptions('dense', options, [...DENSE_OPTIONS]);
  if (config.name !== undefined && typeof config.name !== 'string') throw new Error(`dense: name must be a string, got ${JSON.stringify(config.name)}`);
  const inputShape = config.inputShape ?? (config.inputDim !== undefined ? [config.inputDim] : undefined);
  return {
    type: 'Dense',
    name: config.name,
    units: checkNumber('dense units', config.units, { min: 1, integer: true }),
    activation: resolveActivation(config.activation),
    useBias: checkBoolean('dense useBias', config.useBias ?? true),
    kernelInitializer: resolveInitializer(config.kernelInitializer ?? 'glorotUniform'),
    biasInitializer: resolveInitializer(config.biasInitializer ?? 'zeros'),
    kernelRegularizer: resolveRegularizer(config.kernelRegularizer),
    biasRegularizer: resolveRegularizer(config.biasRegularizer),
    activityRegularizer: resolveRegularizer(config.activityRegularizer),
    inputShape,
    inputSize: inputShape === undefined ? undefined : flatSize(inputShape),
  };
}

/**
 * Inverted dropout after a dense layer: in training each unit is zeroed with
 * probability `rate` and the others scaled by 1/(1 − rate); evaluate and
 * predict pass values through. Masks come from a generator seeded by `seed`,
 * else by the model's seed, so training stays reproducible.
 */
export function dropout(config = {}) {
  if (typeof config === 'number') config = { rate: config };
  for (const key of Object.keys(config))
    if (!DROPOUT_OPTIONS.has(key)) throw new Error(`dropout: unknown option ${JSON.stringify(key)}; known: ${[...DROPOUT_OPTIONS].join(', ')}`);
  return {
    type: 'Dropout',
    name: config.name,
    rate: checkNumber('dropout rate', config.rate, { min: 0, max: 0.999999 }),
    seed: config.seed === undefined ? undefined : checkNumber('dropout seed', config.seed, { min: 0, max: 2 ** 32 - 1, integer: true }),
  };
}

export const layers = { dense, dropout };
