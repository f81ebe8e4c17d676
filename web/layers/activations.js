import { ACTIVATION } from '../../dist/constants.js';
import { checkNumber, nameTable } from '../core/names.js';

const resolveName = nameTable('activation', ACTIVATION, { none: 'linear' });

/** Keras' default slope for the 'leaky_relu' activation. */
export const LEAKY_RELU_ALPHA = 0.2;

/** An activation with its parameter: `leakyRelu({ alpha })`. */
export function leakyRelu({ alpha = LEAKY_RELU_ALPHA } = {}) {
  return { name: 'leakyRelu', alpha: checkNumber('leakyRelu alpha', alpha, { min: 0, max: 1 }) };
}

/** Resolves 'relu' or { name, alpha } to { name, kind, alpha }. */
export function resolveActivation(spec = 'linear') {
  const given = typeof spec === 'string' ? { name: spec } : spec ?? {};
  const { name, value } = resolveName(given.name);
  const alpha = name === 'leakyRelu' ? leakyRelu({ alpha: given.alpha ?? LEAKY_RELU_ALPHA }).alpha : 0;
  return { name, kind: value, alpha };
}
