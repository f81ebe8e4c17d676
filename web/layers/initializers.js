import { INITIALIZER } from '../../dist/constants.js';
import { checkNumber, nameTable } from '../core/names.js';

// Kinds and the names of the parameters a and b come from C (dist/constants.js); the
// defaults of those parameters are Keras'.
const DEFAULTS = {
  constant: { value: 0 },
  randomNormal: { mean: 0, stddev: 0.05 },
  truncatedNormal: { mean: 0, stddev: 0.05 },
  randomUniform: { minval: -0.05, maxval: 0.05 },
  orthogonal: { gain: 1 },
};
const resolveName = nameTable('initializer', INITIALIZER, { xavierUniform: 'glorotUniform', xavierNormal: 'glorotNormal' });

/** Resolves 'heNormal' or { name, ...params } to { name, kind, a, b } for C. */
export function resolveInitializer(spec) {
  const given = typeof spec === 'string' ? { name: spec } : spec ?? {};
  const { name, value } = resolveName(given.name);
  const params = { ...DEFAULTS[name], ...given };
  const [a = 0, b = 0] = value.params.map((key) => checkNumber(`${name} ${key}`, params[key]));
  return { name, kind: value.kind, a, b, config: params };
}

const factory = (name) => (config = {}) => ({ ...resolveInitializer({ ...config, name }).config, name });

/** Factories: sn.initializers.randomNormal({ mean, stddev }) and friends. */
export const initializers = Object.fromEntries(Object.keys(INITIALIZER).map((name) => [name, factory(name)]));
