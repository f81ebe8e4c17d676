// Token ids: the data of a model input that an Embedding reads (directly, or
// through a Reshape or Flatten, which keep the values and their order) must be
// integers in [0, inputDim). They are checked here, on the values the caller
// gave (an Int32Array, Uint8Array, Uint16Array, Float32Array or arrays of
// numbers: before any rounding to float32), so that a bad id is an Error
// naming the layer, the id and where it is before anything trains. Ids that
// reach an Embedding any other way (computed by layers) are C's to catch:
// it reads zeros for them and reports the first (sn_model_bad_id).
import { flattenDeep } from './inputs.js';

const VIEWS = new Set(['Reshape', 'Flatten']);

/** The table a layer reads ids of, { rows, option } (an Embedding's inputDim, a TokenAndPositionEmbedding's vocabularySize), or undefined. */
export function tokenTable(layer) {
  return layer.type === 'Embedding' ? { rows: layer.inputDim, option: 'inputDim' } : layer.kind?.tokenTable?.(layer);
}

/** The Embedding layers that read model input `t`'s values as ids, in node order (each once). */
export function tokenReaders(model, t) {
  const same = new Set([t]), readers = new Set();
  for (const node of model.nodes) {
    if (!same.has(node.inputs[0])) continue;
    if (VIEWS.has(node.layer.type)) same.add(node.output);
    else if (tokenTable(node.layer)) readers.add(node.layer);
  }
  return [...readers];
}

/** The caller's value at flat index i of rows × width data (a flat list, or rows that flatten to width values). */
function originalAt(data, width) {
  if (!Array.isArray(data) || data.length === 0 || typeof data[0] === 'number') return (i) => data[i];
  let row = -1, flat;
  return (i) => {
    if (Math.floor(i / width) !== row) flat = flattenDeep(data[(row = Math.floor(i / width))], '');
    return flat[i % width];
  };
}

/**
 * Throws when one of the n values of `data` (rows × width, already checked to
 * be numbers of that shape) is not a valid id for every reader; `label` names
 * the data (x, x[1] (ids), …).
 */
export function checkTokenIds(readers, data, n, width, label) {
  if (readers.length === 0) return;
  const limit = Math.min(...readers.map((l) => tokenTable(l).rows)), at = originalAt(data, width);
  for (let i = 0; i < n; i++) {
    const id = at(i);
    if (Number.isInteger(id) && id >= 0 && id < limit) continue;
    const layer = readers.find((l) => !(Number.isInteger(id) && id >= 0 && id < tokenTable(l).rows)), { rows, option } = tokenTable(layer);
    throw new Error(`${label} row ${Math.floor(i / width)}, position ${i % width}: token id ${id} is not a row of ${layer.kind?.baseName ?? 'embedding'} ${JSON.stringify(layer.name)} ` +
      `(${option} ${rows}): ids must be integers in [0, ${rows})`);
  }
}
