// The MNIST page's data: the bundled 10,000 digits (dist/mnist-10k.bin, made by
// scripts/build-mnist.js) or the standard IDX files a user drops on the page.
import * as sn from '../web/browser.js';

const HEADER_BYTES = 12;

/**
 * Reads dist/mnist-10k.bin: 'SNMN', uint32 count, uint16 rows, uint16 cols,
 * then the pixels as bytes and the labels as bytes.
 * @returns {Promise<{ pixels: Uint8Array, labels: Uint8Array, count: number, rows: number, cols: number }>}
 */
export async function loadBundledDigits(url = new URL('../dist/mnist-10k.bin', import.meta.url)) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`cannot load ${url}: HTTP ${response.status} (run npm start, which builds it)`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  const view = new DataView(bytes.buffer);
  if (String.fromCharCode(...bytes.subarray(0, 4)) !== 'SNMN') throw new Error(`${url} is not a simdnet digits file`);
  const count = view.getUint32(4, true), rows = view.getUint16(8, true), cols = view.getUint16(10, true);
  const size = count * rows * cols;
  if (bytes.length !== HEADER_BYTES + size + count) throw new Error(`${url} has ${bytes.length} bytes, expected ${HEADER_BYTES + size + count}`);
  return { pixels: bytes.subarray(HEADER_BYTES, HEADER_BYTES + size), labels: bytes.subarray(HEADER_BYTES + size), count, rows, cols };
}

/** Which of the four standard files a file name is (train-images-idx3-ubyte.gz, t10k-labels.idx1-ubyte, …). */
function idxRole(name) {
  const n = name.toLowerCase();
  const part = n.includes('t10k') || n.includes('test') ? 'test' : n.includes('train') ? 'train' : null;
  const kind = n.includes('images') || n.includes('idx3') ? 'images' : n.includes('labels') || n.includes('idx1') ? 'labels' : null;
  return part && kind ? `${part}-${kind}` : null;
}

/**
 * The training and test sets from dropped IDX files: train-images and
 * train-labels are required; without the t10k pair the last 1/6 of the
 * training set is the test set.
 * @returns {Promise<{ train: { images, labels, count }, test: { images, labels, count }, source: string }>}
 */
export async function readIdxFiles(files) {
  const byRole = {};
  for (const file of files) {
    const role = idxRole(file.name);
    if (role) byRole[role] = file;
  }
  if (!byRole['train-images'] || !byRole['train-labels'])
    throw new Error(`drop at least train-images-idx3-ubyte(.gz) and train-labels-idx1-ubyte(.gz); got ${[...files].map((f) => f.name).join(', ') || 'nothing'}`);
  const read = async (role) => new Uint8Array(await byRole[role].arrayBuffer());
  const train = await sn.data.readIdxDataset(await read('train-images'), await read('train-labels'));
  if (train.rows * train.cols !== 784) throw new Error(`the images are ${train.rows}×${train.cols}; this page's network expects 28×28`);
  if (byRole['test-images'] && byRole['test-labels']) {
    const test = await sn.data.readIdxDataset(await read('test-images'), await read('test-labels'));
    return { train, test, source: `${train.count} training and ${test.count} test images from your IDX files` };
  }
  return { ...splitTail(train, Math.floor(train.count / 6)), source: `${train.count} images from your IDX files (the last sixth kept for testing)` };
}

/** Splits the last `n` rows off a { images, labels, count } set. */
export function splitTail({ images, labels, count }, n) {
  const cut = count - n;
  return {
    train: { images: images.subarray(0, cut * 784), labels: labels.subarray(0, cut), count: cut },
    test: { images: images.subarray(cut * 784), labels: labels.subarray(cut), count: n },
  };
}

/** Draws one 28×28 image (values in [0, 1]) into a canvas, white ink on black as MNIST. */
export function drawDigit(canvas, images, index) {
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(28, 28);
  for (let p = 0; p < 784; p++) {
    const v = Math.round(images[index * 784 + p] * 255);
    img.data.set([v, v, v, 255], p * 4);
  }
  ctx.putImageData(img, 0, 0);
}
