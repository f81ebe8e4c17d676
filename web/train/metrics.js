import { SUM } from '../../dist/constants.js';
import { nameTable } from '../core/names.js';

// The sums the C core accumulates: how many, and each one's index (SUM.ROWS, ...).
export const SUMS = SUM.COUNT;
const { ROWS, LOSS, REG_LOSS, CORRECT, ACC_COUNT, SQ_ERR, ABS_ERR, ELEMENTS } = SUM;

// Accuracy is categorical, sparse or binary as the loss implies (chosen in C, as Keras does).
// Over no rows (every step masked) a metric is 0: Keras' Mean divides with divide_no_nan.
const ratio = (a, b) => (b ? a / b : 0);
const METRICS = {
  accuracy: (s) => ratio(s[CORRECT], s[ACC_COUNT]),
  meanSquaredError: (s) => ratio(s[SQ_ERR], s[ELEMENTS]),
  meanAbsoluteError: (s) => ratio(s[ABS_ERR], s[ELEMENTS]),
};
const resolveName = nameTable('metric', METRICS, { acc: 'accuracy', mse: 'meanSquaredError', mae: 'meanAbsoluteError' });

/** Checks metric names; each keeps the name the user gave as its key in logs, as in Keras. */
export function resolveMetrics(names = []) {
  if (!Array.isArray(names)) throw new Error(`metrics must be an array of names, e.g. ['accuracy'], got ${JSON.stringify(names)}`);
  return names.map((key) => ({ key, compute: resolveName(key).value }));
}

/** Logs from sums: loss (data + regularization, per sample) and each metric, keys prefixed. */
export function logsFromSums(sums, metrics, prefix = '') {
  const logs = { [`${prefix}loss`]: (sums[LOSS] + sums[REG_LOSS]) / sums[ROWS] };
  for (const { key, compute } of metrics) logs[prefix + key] = compute(sums);
  return logs;
}

/** The sums of the rows added between two snapshots (for per-batch logs). */
export const sumsDelta = (after, before) => after.map((v, i) => v - before[i]);

export const rowsOf = (sums) => sums[ROWS];
