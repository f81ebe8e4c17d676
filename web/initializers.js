import { checkNumber, nameTable } from './names.js';

// Kinds must match enum sn_init in c/init.h; defaults are Keras'.
const TABLE = {
  zeros: { kind: 0 },
  ones: { kind: 1 },
  constant: { kind: 2, a: 'value', defaults: { value: 0 } },
  randomNormal: { kind: 3, a: 'mean', b: 'stddev', defaults: { mean: 0, stddev: 0.05 } },
  truncatedNormal: { kind: 4, a: 'mean', b: 'stddev', defaults: { mean: 0, stddev: 0.05 } },
  randomUniform: { kind: 5, a: 'minval', b: 'maxval', defaults: { minval: -0.05, maxval: 0.05 } },
  glorotUniform: { kind: 6 },
  glorotNormal: { kind: 7 },
  heNormal: { kind: 8 },
  heUniform: { kind: 9 },
  leCunNormal: { kind: 10 },
  leCunUniform: { kind: 11 },
};
const resolveName = nameTable('initializer', TABLE, { xavierUniform: 'glorotUniform', xavierNormal: 'glorotNormal' });

/** Resolves 'heNormal' or { name, ...params } to { name, kind, a, b } for C. */
export function resolveInitializer(spec) {
  const given = typeof spec === 'string' ? { name: spec } : spec ?? {};
  const { name, value } = resolveName(given.name);
  const params = { ...value.defaults, ...given };
  const number = (key) => (key ? checkNumber(`${name} ${key}`, params[key]) : 0);
  return { name, kind: value.kind, a: number(value.a), b: number(value.b), config: params };
}

const factory = (name) => (config = {}) => ({ ...resolveInitializer({ ...config, name }).config, name });

/** Factories: sn.initializers.randomNormal({ mean, stddev }) and friends. */
export const initializers = Object.fromEntries(Object.keys(TABLE).map((name) => [name, factory(name)]));
