// Data preparation helpers: one-hot labels and feature scaling.
//
// Plain ES module with no dependencies, so it loads unchanged in Node, browsers
// and Web Workers. Every function returns fresh Float32Arrays (the library's
// tensor type) that the caller owns; inputs are never modified.

/**
 * One-hot encode integer class labels.
 *
 * @param {ArrayLike<number|bigint>} labels  class index per sample (any typed array or plain array)
 * @param {number} numClasses  number of classes (positive integer)
 * @returns {Float32Array} labels.length × numClasses, row-major; row i has a 1 at column labels[i]
 * @throws {Error} if numClasses is not a positive integer, or a label is not an integer in [0, numClasses)
 */
export function oneHot(labels, numClasses) {
  checkArrayLike(labels, 'oneHot: labels');
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new Error(`oneHot: numClasses must be a positive integer, got ${numClasses}`);
  }
  const out = new Float32Array(labels.length * numClasses);
  for (let i = 0; i < labels.length; i++) {
    const raw = labels[i];
    // BigInt64Array elements are bigints; accept them like any other integer.
    const label = typeof raw === 'bigint' ? Number(raw) : raw;
    if (!Number.isInteger(label)) {
      throw new Error(`oneHot: label at index ${i} is ${String(raw)}, not an integer`);
    }
    if (label < 0 || label >= numClasses) {
      throw new Error(`oneHot: label at index ${i} is ${label}, outside [0, ${numClasses - 1}] for numClasses=${numClasses}`);
    }
    out[i * numClasses + label] = 1;
  }
  return out;
}

/**
 * Scale 8-bit pixel values to [0, 1] by dividing by 255.
 *
 * @param {ArrayLike<number>} pixels  e.g. a Uint8Array of grey levels, or a plain array
 * @returns {Float32Array} pixels[i] / 255, same length
 * @throws {Error} if a value is NaN or ±Infinity (only possible for non-integer inputs)
 */
export function scale255(pixels) {
  checkArrayLike(pixels, 'scale255: pixels');
  const out = new Float32Array(pixels.length);
  // Integer typed arrays cannot hold NaN/Infinity, so only check the others.
  const check = !isIntegerTypedArray(pixels);
  for (let i = 0; i < pixels.length; i++) {
    const v = pixels[i];
    if (check && !Number.isFinite(v)) throw nonFinite('scale255', i, v);
    out[i] = v / 255;
  }
  return out;
}

/**
 * Per-feature (column) min-max scaling of a flat row-major matrix into [0, 1].
 *
 * Compute min/max on the training set, then pass them when scaling validation
 * or test data so both are scaled identically (those values may then fall
 * slightly outside [0, 1]; they are deliberately not clipped). A constant
 * column (max == min) maps to 0 rather than NaN.
 *
 * @param {ArrayLike<number>} x  rows × features values, row-major
 * @param {number} features  number of columns (positive integer); x.length must be a multiple of it
 * @param {{min?: ArrayLike<number>, max?: ArrayLike<number>}} [stats]  both or neither, each of length features
 * @returns {{x: Float32Array, min: Float32Array, max: Float32Array}} fresh arrays owned by the caller
 * @throws {Error} on a bad shape, NaN/Infinity in x (naming the index) or invalid min/max
 */
export function minMaxScale(x, features, { min, max } = {}) {
  const rows = checkMatrix(x, features, 'minMaxScale');
  const given = checkStatsPair('minMaxScale', features, ['min', min], ['max', max]);
  if (given) {
    for (let j = 0; j < features; j++) {
      if (max[j] < min[j]) {
        throw new Error(`minMaxScale: max[${j}]=${max[j]} is below min[${j}]=${min[j]}`);
      }
    }
  } else if (rows === 0) {
    throw new Error('minMaxScale: x has no rows to compute min/max from');
  }
  // Scale with the Float32 statistics we return, so re-applying them to the
  // training data reproduces this call's output exactly.
  const [lo, hi] = given ? [Float32Array.from(min), Float32Array.from(max)] : columnMinMax(x, features);
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const j = i % features;
    const v = x[i];
    if (!Number.isFinite(v)) throw nonFinite('minMaxScale', i, v);
    const range = hi[j] - lo[j];
    out[i] = range > 0 ? (v - lo[j]) / range : 0;
  }
  return { x: out, min: lo, max: hi };
}

/**
 * Per-feature (column) standardization to mean 0 and standard deviation 1.
 *
 * Uses the population standard deviation (divide by N). A column with zero
 * std is only centred (divided by 1), never divided by zero. Pass the training
 * set's mean/std when transforming validation or test data.
 *
 * @param {ArrayLike<number>} x  rows × features values, row-major
 * @param {number} features  number of columns (positive integer); x.length must be a multiple of it
 * @param {{mean?: ArrayLike<number>, std?: ArrayLike<number>}} [stats]  both or neither, each of length features
 * @returns {{x: Float32Array, mean: Float32Array, std: Float32Array}} fresh arrays owned by the caller
 * @throws {Error} on a bad shape, NaN/Infinity in x (naming the index) or invalid mean/std
 */
export function standardize(x, features, { mean, std } = {}) {
  const rows = checkMatrix(x, features, 'standardize');
  const given = checkStatsPair('standardize', features, ['mean', mean], ['std', std]);
  if (given) {
    for (let j = 0; j < features; j++) {
      if (std[j] < 0) throw new Error(`standardize: std[${j}]=${std[j]} is negative`);
    }
  } else if (rows === 0) {
    throw new Error('standardize: x has no rows to compute mean/std from');
  }
  const mu = given ? Float32Array.from(mean) : columnMean(x, features, rows);
  const sigma = given ? Float32Array.from(std) : columnStd(x, features, rows, mu);
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const j = i % features;
    const v = x[i];
    if (!Number.isFinite(v)) throw nonFinite('standardize', i, v);
    const s = sigma[j] > 0 ? sigma[j] : 1;
    out[i] = (v - mu[j]) / s;
  }
  return { x: out, mean: mu, std: sigma };
}

// ---- column statistics (row-major walk keeps memory access sequential) ----

function columnMinMax(x, features) {
  const lo = new Float64Array(features).fill(Infinity);
  const hi = new Float64Array(features).fill(-Infinity);
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (!Number.isFinite(v)) throw nonFinite('minMaxScale', i, v);
    const j = i % features;
    if (v < lo[j]) lo[j] = v;
    if (v > hi[j]) hi[j] = v;
  }
  return [Float32Array.from(lo), Float32Array.from(hi)];
}

function columnMean(x, features, rows) {
  const sum = new Float64Array(features);
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (!Number.isFinite(v)) throw nonFinite('standardize', i, v);
    sum[i % features] += v;
  }
  return Float32Array.from(sum, (s) => s / rows);
}

// Two-pass (sum of squared deviations from the mean) rather than E[x²]−E[x]²,
// which loses all precision when the mean is large relative to the spread.
function columnStd(x, features, rows, mu) {
  const sq = new Float64Array(features);
  for (let i = 0; i < x.length; i++) {
    const d = x[i] - mu[i % features];
    sq[i % features] += d * d;
  }
  return Float32Array.from(sq, (s) => Math.sqrt(s / rows));
}

// ---- validation ----

function checkArrayLike(a, what) {
  if (a == null || typeof a === 'string' || typeof a.length !== 'number') {
    throw new TypeError(`${what} must be an array or typed array, got ${a === null ? 'null' : typeof a}`);
  }
}

/** Returns the row count after checking x and features agree. */
function checkMatrix(x, features, fn) {
  checkArrayLike(x, `${fn}: x`);
  if (!Number.isInteger(features) || features < 1) {
    throw new Error(`${fn}: features must be a positive integer, got ${features}`);
  }
  if (x.length % features !== 0) {
    throw new Error(`${fn}: x.length ${x.length} is not a multiple of features ${features}`);
  }
  return x.length / features;
}

/** Returns true when both statistics are given (and valid), false when neither is. */
function checkStatsPair(fn, features, [nameA, a], [nameB, b]) {
  if (a == null && b == null) return false;
  if (a == null || b == null) {
    throw new Error(`${fn}: pass both ${nameA} and ${nameB} (from the training set) or neither`);
  }
  for (const [name, s] of [[nameA, a], [nameB, b]]) {
    checkArrayLike(s, `${fn}: ${name}`);
    if (s.length !== features) {
      throw new Error(`${fn}: ${name} has length ${s.length}, expected features=${features}`);
    }
    for (let j = 0; j < features; j++) {
      if (!Number.isFinite(s[j])) throw new Error(`${fn}: ${name}[${j}] is ${s[j]}, not a finite number`);
    }
  }
  return true;
}

function nonFinite(fn, i, v) {
  const shown = typeof v === 'string' ? JSON.stringify(v) : String(v);
  return new Error(`${fn}: value at index ${i} is ${shown}, not a finite number (NaN and Infinity are not allowed)`);
}

function isIntegerTypedArray(a) {
  return a instanceof Uint8Array || a instanceof Uint8ClampedArray || a instanceof Int8Array ||
    a instanceof Uint16Array || a instanceof Int16Array || a instanceof Uint32Array || a instanceof Int32Array;
}
