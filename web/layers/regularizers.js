import { checkNumber } from '../core/names.js';

// Keras' definitions: penalty = l1·Σ|w| + l2·Σw² (Σw², not TensorFlow's l2_loss Σw²/2).

const factor = (what, v) => checkNumber(`regularizer ${what}`, v, { min: 0 });
function read(arg, key) {
  if (typeof arg === 'number') return arg;
  if (typeof arg !== 'object' || arg === null) throw new Error(`regularizer ${key} takes a number or { ${key} }, got ${JSON.stringify(arg)}`);
  return arg[key];
}

export const regularizers = {
  /** l1(0.01) or l1({ l1: 0.01 }): l1·Σ|w|. */
  l1: (arg = 0.01) => ({ name: 'l1', l1: factor('l1', read(arg, 'l1') ?? 0.01), l2: 0 }),
  /** l2(0.01) or l2({ l2: 0.01 }): l2·Σw². */
  l2: (arg = 0.01) => ({ name: 'l2', l1: 0, l2: factor('l2', read(arg, 'l2') ?? 0.01) }),
  /** l1l2({ l1, l2 }), both default 0 as in Keras. */
  l1l2: ({ l1 = 0, l2 = 0 } = {}) => ({ name: 'l1l2', l1: factor('l1', l1), l2: factor('l2', l2) }),
};

/** Resolves a regularizer object, 'l1'/'l2'/'l1l2' or nothing to { l1, l2 }. */
export function resolveRegularizer(spec) {
  if (spec === undefined || spec === null) return { l1: 0, l2: 0 };
  if (typeof spec === 'string') {
    const make = regularizers[spec.replace(/_/g, '').toLowerCase()];
    if (!make) throw new Error(`unknown regularizer ${JSON.stringify(spec)}; known: l1, l2, l1l2`);
    const { l1, l2 } = make();
    return { l1, l2 };
  }
  if (typeof spec !== 'object') throw new Error(`a regularizer must be sn.regularizers.l1/l2/l1l2(...), got ${spec}`);
  return { l1: factor('l1', spec.l1 ?? 0), l2: factor('l2', spec.l2 ?? 0) };
}
