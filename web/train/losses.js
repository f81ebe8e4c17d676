import { LOSS } from '../../dist/constants.js';
import { checkNumber, checkOptions, nameTable } from '../core/names.js';
import { f32, withBuffers, wasm } from '../core/wasm.js';

const CROSS_ENTROPIES = new Set(['binaryCrossentropy', 'categoricalCrossentropy', 'sparseCategoricalCrossentropy']);
const resolveName = nameTable('loss', LOSS, { mse: 'meanSquaredError', mae: 'meanAbsoluteError' });

/**
 * A loss: what compile() takes, and a function over arrays.
 * loss.compute(yTrue, yPred, width) returns the per-sample losses (Float32Array);
 * yPred holds logits when fromLogits. Sparse labels are one integer per row.
 */
class Loss {
  constructor(name, options) {
    const { fromLogits = false, cost = 1, profit = 1 } = checkOptions(name, options);
    if (fromLogits && !CROSS_ENTROPIES.has(name)) throw new Error(`fromLogits applies to cross-entropies only, not ${name}`);
    this.name = name;
    this.kind = LOSS[name];
    this.fromLogits = Boolean(fromLogits);
    this.cost = checkNumber('asymmetric cost', cost, { min: 0 });
    this.profit = checkNumber('asymmetric profit', profit, { min: 0 });
  }

  get sparse() {
    return this.name === 'sparseCategoricalCrossentropy';
  }

  compute(yTrue, yPred, options) {
    const { width } = checkOptions(`${this.name}.compute`, options, ['width']);
    for (const [what, v] of [['yTrue', yTrue], ['yPred', yPred]])
      if (!Array.isArray(v) && !ArrayBuffer.isView(v)) throw new Error(`${this.name}.compute: ${what} must be an array or typed array`);
    if (width !== undefined) checkNumber('width', width, { min: 1, integer: true });
    const pred = flattenRows(yPred);
    const truth = flattenRows(yTrue).values;
    const n = width ?? pred.width ?? (this.sparse ? pred.values.length / truth.length : pred.values.length);
    const rows = pred.values.length / n;
    const expected = this.sparse ? rows : rows * n;
    if (!Number.isInteger(rows) || truth.length !== expected)
      throw new Error(`${this.name}: yTrue has ${truth.length} values, expected ${expected} for yPred of ${pred.values.length} values in rows of ${n}`);
    return withBuffers((alloc) => {
      const out = alloc(rows * 4);
      const { kind, fromLogits, cost, profit } = this;
      wasm().sn_loss_values(kind, fromLogits, cost, profit, rows, n, alloc(pred.values), alloc(truth), out);
      return f32(out, rows).slice();
    });
  }
}

/** Flat Float32Array of an array, typed array or array of rows; width when rows were given. */
function flattenRows(v) {
  const nested = Array.isArray(v) && v.length > 0 && typeof v[0] === 'object';
  return { values: Float32Array.from(nested ? v.flatMap((row) => Array.from(row)) : v), width: nested ? v[0].length : undefined };
}

/** Resolves 'mse', a Loss, or { name, ... } to a Loss. */
export function resolveLoss(spec) {
  if (spec instanceof Loss) return spec;
  if (typeof spec !== 'string' && (typeof spec !== 'object' || spec === null))
    throw new Error(`loss must be a name like 'mse', sn.losses.meanSquaredError() or { name, ... }, got ${JSON.stringify(spec)}`);
  const given = typeof spec === 'string' ? { name: spec } : spec ?? {};
  return new Loss(resolveName(given.name).name, given);
}

const factory = (name) => (config = {}) => new Loss(name, config);

/** Factories with Keras' names, plus the course's asymmetric({ cost, profit }). */
export const losses = {
  ...Object.fromEntries(Object.keys(LOSS).filter((n) => n !== 'asymmetric').map((n) => [n, factory(n)])),
  asymmetric: (options) => {
    const { cost, profit } = checkOptions('asymmetric', options, ['cost', 'profit']);
    if (cost === undefined || profit === undefined) throw new Error('asymmetric loss needs { cost, profit }');
    return new Loss('asymmetric', { cost, profit });
  },
};
