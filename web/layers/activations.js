import { ACTIVATION, ACTIVATION_ALIAS, ACTIVATION_PARAMETER } from '../../dist/constants.js';
import { checkNumber, nameTable } from '../core/names.js';

// The names come from C (SN_ACTIVATIONS in c/kernels.h), in TF.js' camelCase;
// Keras' snake_case spellings meet them (names.js ignores case and '_'), and
// so do Keras' and TF.js' other names for the same functions (SN_ACT_ALIASES).
const resolveName = nameTable('activation', ACTIVATION, ACTIVATION_ALIAS);

// ACTIVATION_PARAMETER: the activations that take a parameter, its option's name,
// Keras' default and the range C accepts (SN_ACT_PARAMETERS in c/kernels.h). hardSigmoid's slope:
// Keras 3's hard_sigmoid is relu6(x + 3)/6, a slope of 1/6; TF.js' and Keras
// 2's is clip(0.2x + 0.5, 0, 1) (tfjs-layers src/backend/tfjs_backend.ts): an
// imported TF.js or Keras 2 model gets { name: 'hardSigmoid', slope: 0.2 }.
/**
 * An activation with its parameter, one factory per row of ACTIVATION_PARAMETER:
 * `sn.leakyRelu({ alpha })` → { name: 'leakyRelu', alpha }.
 */
export const activationFactories = Object.fromEntries(Object.entries(ACTIVATION_PARAMETER).map(([name, p]) =>
  [name, ({ [p.key]: value = p.value } = {}) => ({ name, [p.key]: checkNumber(`${name} ${p.key}`, value, p) })]));
export const { leakyRelu } = activationFactories;

/**
 * Resolves 'relu' or { name, alpha } (leakyRelu, elu) or { name, slope }
 * (hardSigmoid) to { name, kind, alpha }: alpha is the parameter C applies it
 * with (0 for the others).
 */
export function resolveActivation(spec = 'linear') {
  const given = typeof spec === 'string' ? { name: spec } : spec ?? {};
  const { name, value } = resolveName(given.name);
  const p = ACTIVATION_PARAMETER[name];
  const alpha = p ? checkNumber(`${name} ${p.key}`, given[p.key] ?? p.value, p) : 0;
  return { name, kind: value, alpha };
}

/** An activation as config JSON: its name, or { name, alpha | slope } where the parameter is not Keras' default. */
export function activationConfig(a) {
  const p = ACTIVATION_PARAMETER[a.name];
  return p && a.alpha !== p.value ? { name: a.name, [p.key]: a.alpha } : a.name;
}
