import { ACTIVATION } from '../../dist/constants.js';
import { checkNumber, nameTable } from '../core/names.js';

// The names come from C (SN_ACTIVATIONS in c/kernels.h), in TF.js' camelCase;
// Keras' snake_case spellings meet them (names.js ignores case and '_'), and
// these are Keras' and TF.js' other names for the same functions.
const resolveName = nameTable('activation', ACTIVATION, {
  none: 'linear', silu: 'swish', hardSwish: 'hardSilu', geluApproximate: 'geluNew',
});

/** Keras' default slope for the 'leaky_relu' activation. */
export const LEAKY_RELU_ALPHA = 0.2;

/**
 * The activations that take a parameter: its option name, Keras' default and
 * range. hardSigmoid's slope: Keras 3's hard_sigmoid is relu6(x + 3)/6, a
 * slope of 1/6 (keras/src/activations/activations.py); TF.js' and Keras 2's
 * is clip(0.2x + 0.5, 0, 1) (tfjs-layers src/backend/tfjs_backend.ts,
 * hardSigmoid): our 'hardSigmoid' is Keras 3's, and an imported TF.js or
 * Keras 2 model gets { name: 'hardSigmoid', slope: 0.2 }, what it computed.
 */
const PARAMETER = {
  leakyRelu: { key: 'alpha', value: LEAKY_RELU_ALPHA, min: 0, max: 1 },
  elu: { key: 'alpha', value: 1, min: 0, max: Infinity },
  hardSigmoid: { key: 'slope', value: 1 / 6, min: 0, max: Infinity },
};

/** An activation with its parameter: `leakyRelu({ alpha })`. */
export function leakyRelu({ alpha = LEAKY_RELU_ALPHA } = {}) {
  return { name: 'leakyRelu', alpha: checkNumber('leakyRelu alpha', alpha, { min: 0, max: 1 }) };
}

/**
 * Resolves 'relu' or { name, alpha } (leakyRelu, elu) or { name, slope }
 * (hardSigmoid) to { name, kind, alpha }: alpha is the parameter C applies it
 * with (0 for the others).
 */
export function resolveActivation(spec = 'linear') {
  const given = typeof spec === 'string' ? { name: spec } : spec ?? {};
  const { name, value } = resolveName(given.name);
  const p = PARAMETER[name];
  const alpha = p ? checkNumber(`${name} ${p.key}`, given[p.key] ?? p.value, p) : 0;
  return { name, kind: value, alpha };
}

/** An activation as config JSON: its name, or { name, alpha | slope } where the parameter is not Keras' default (leakyRelu: always). */
export function activationConfig(a) {
  const p = PARAMETER[a.name];
  return p && (a.name === 'leakyRelu' || a.alpha !== p.value) ? { name: a.name, [p.key]: a.alpha } : a.name;
}
