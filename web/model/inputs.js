// Converts what users pass as x and y into flat row-major Float32Arrays, with
// an Error naming the problem for anything that does not fit. Nothing here
// touches the model, so a bad argument leaves it as it was.
import { f32, wasm, withBuffers } from '../core/wasm.js';

/** Typed arrays of numbers (not DataView, not BigInt64Array: their elements are no numbers). */
const isNumberArray = (v) => ArrayBuffer.isView(v) && !(v instanceof DataView) && !(v instanceof BigInt64Array) && !(v instanceof BigUint64Array);
const typeName = (v) => (v === null ? 'null' : ArrayBuffer.isView(v) ? `a ${v.constructor.name}` : typeof v);

/** A plain object: not null, not an array, not a typed array. */
export const isPlainObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);

/**
 * Data for several inputs (or outputs) as a list in their order, given as such
 * a list or as an object keyed by their names; `what` names it in errors.
 */
export function listByName(data, names, what) {
  if (Array.isArray(data) && data.length === names.length && data.every((d) => ArrayBuffer.isView(d) || Array.isArray(d))) return data;
  if (isPlainObject(data)) {
    const unknown = Object.keys(data).find((k) => !names.includes(k));
    if (unknown) throw new Error(`${what} names ${JSON.stringify(unknown)}, which the model does not have; it has ${names.join(', ')}`);
    return names.map((n) => {
      if (!(n in data)) throw new Error(`${what} gives nothing for ${n}`);
      return data[n];
    });
  }
  throw new Error(`${what} must be a list of ${names.length} arrays (${names.join(', ')}, in that order) or an object keyed by those names, ` +
    `got ${Array.isArray(data) ? `a list of ${data.length}` : typeName(data)}`);
}

/** Flattens nested arrays (rows, or rows of 28×28 images) into one list. */
export function flattenDeep(rows, what) {
  const out = [];
  const walk = (v) => {
    if (typeof v === 'number') out.push(v);
    else if (Array.isArray(v) || isNumberArray(v)) for (const e of v) walk(e);
    else throw new Error(`${what} contains ${typeName(v)}, expected numbers`);
  };
  walk(rows);
  return out;
}

/**
 * x as a Float32Array of rows × width: a typed array or flat array whose length
 * is a multiple of width, or an array of rows (each flattening to width values).
 * Returns { values, rows }.
 */
export function toMatrix(x, width, what = 'x') {
  if (x === null || typeof x !== 'object' || !(Array.isArray(x) || isNumberArray(x)))
    throw new Error(`${what} must be a Float32Array or an array of rows, got ${typeName(x)}`);
  const nested = Array.isArray(x) && x.length > 0 && typeof x[0] !== 'number';
  if (nested) {
    const values = new Float32Array(x.length * width); // rows go straight in: no all-rows temporary
    x.forEach((row, i) => {
      const flat = flattenDeep(row, `${what} row ${i}`);
      if (flat.length !== width) throw new Error(`${what} row ${i} has ${flat.length} values, expected ${width}`);
      values.set(flat, i * width);
    });
    return { values, rows: x.length };
  }
  if (x.length % width !== 0)
    throw new Error(`${what} has ${x.length} values, which is not a whole number of rows of ${width}`);
  if (Array.isArray(x))
    for (let i = 0; i < x.length; i++) if (typeof x[i] !== 'number') throw new Error(`${what} contains ${typeName(x[i])} at index ${i}, expected numbers`);
  const values = x instanceof Float32Array ? x : Float32Array.from(x);
  return { values, rows: x.length / width };
}

/** Integer class labels as a Float32Array, each checked to be in [0, classes). */
export function toLabels(y, classes, what = 'y') {
  if (y === null || typeof y !== 'object' || !(Array.isArray(y) || (ArrayBuffer.isView(y) && !(y instanceof DataView))))
    throw new Error(`${what} must be an array or typed array of integer labels`);
  const labels = new Float32Array(y.length);
  for (let i = 0; i < y.length; i++) {
    const label = typeof y[i] === 'number' || typeof y[i] === 'bigint' ? Number(y[i]) : NaN;
    if (!Number.isInteger(label) || label < 0 || label >= classes)
      throw new Error(`${what}: label ${y[i]} at index ${i} is out of range: expected an integer in [0, ${classes})`);
    labels[i] = label;
  }
  return { values: labels, rows: y.length };
}

/**
 * Integer labels for `rows` × `positions` targets (one per step of a sequence
 * output, one per row of a vector output): a flat array or typed array, or
 * rows of them nested ([rows][steps], or [rows][steps][1] as TF.js shapes
 * sparse targets). Returns { values, rows }; a count that is not a whole number
 * of rows of `positions` is an Error.
 */
export function labelRows(y, classes, positions, what = 'y') {
  const nested = Array.isArray(y) && y.length > 0 && typeof y[0] !== 'number' && typeof y[0] !== 'bigint';
  const flat = nested ? flattenDeep(y, what) : y;
  const { values } = toLabels(flat, classes, what);
  if (nested && values.length !== y.length * positions)
    throw new Error(`${what} has ${y.length} rows holding ${values.length} labels, expected ${positions} per row (${y.length * positions})`);
  if (values.length % positions !== 0)
    throw new Error(`${what} holds ${values.length} labels, which is not a whole number of rows of ${positions} (one label per step of the output)`);
  return { values, rows: values.length / positions };
}

/** Values per wasm check: a 256 KB copy, which stays in the L2 cache. */
const FINITE_CHUNK = 1 << 16;

/** Whether every value is finite: SIMD in wasm (sn_all_finite) over copies of chunks, or a JavaScript loop for short arrays. */
export function allFinite(values) {
  if (values.length < 1024) return values.every(Number.isFinite);
  return withBuffers((alloc) => {
    const n = Math.min(values.length, FINITE_CHUNK), ptr = alloc(n * 4), check = wasm().sn_all_finite;
    for (let i = 0; i < values.length; i += n) {
      const part = values.subarray(i, i + n);
      f32(ptr, part.length).set(part);
      if (!check(ptr, part.length)) return false;
    }
    return true;
  });
}

/**
 * Throws naming the first NaN or ±Infinity (row and column) in a matrix. The
 * first pass only says whether there is one, fast; the second, which finds
 * the culprit, runs only when one is there.
 */
export function checkFinite(values, width, what) {
  if (allFinite(values)) return;
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]))
      throw new Error(`${what} contains ${values[i]} at row ${Math.floor(i / width)}, column ${i % width}: inputs must be finite numbers`);
  }
}
