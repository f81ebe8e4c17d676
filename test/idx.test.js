import test from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import '../web/index.js'; // the Node entry: gunzip through zlib
import { readIdx, readIdxDataset, gunzip, gunzipWithStream } from '../web/data/idx.js';
import { nodePlatform } from '../web/core/node-platform.js';
import { platform } from '../web/core/platform.js';

const SETTERS = { 0x08: 'setUint8', 0x09: 'setInt8', 0x0b: 'setInt16', 0x0c: 'setInt32', 0x0d: 'setFloat32', 0x0e: 'setFloat64' };
const SIZES = { 0x08: 1, 0x09: 1, 0x0b: 2, 0x0c: 4, 0x0d: 4, 0x0e: 8 };

/** Build an IDX file in memory, big-endian as the format requires. */
function makeIdx(typeCode, dims, values) {
  const header = 4 + 4 * dims.length;
  const bytes = new Uint8Array(header + values.length * SIZES[typeCode]);
  const view = new DataView(bytes.buffer);
  bytes.set([0, 0, typeCode, dims.length]);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  values.forEach((v, i) => view[SETTERS[typeCode]](header + i * SIZES[typeCode], v, false));
  return bytes;
}

const CASES = [
  { code: 0x08, type: 'ubyte', Array: Uint8Array, dims: [2, 3], values: [0, 1, 127, 128, 200, 255] },
  { code: 0x09, type: 'sbyte', Array: Int8Array, dims: [4], values: [-128, -1, 0, 127] },
  { code: 0x0b, type: 'short', Array: Int16Array, dims: [3], values: [258, -300, 32767] },
  { code: 0x0c, type: 'int', Array: Int32Array, dims: [1, 3], values: [16909060, -70000, 2147483647] },
  { code: 0x0d, type: 'float', Array: Float32Array, dims: [2], values: [1.5, -0.25] },
  { code: 0x0e, type: 'double', Array: Float64Array, dims: [1, 1, 2], values: [Math.PI, -1e300] },
];

for (const c of CASES) {
  test(`readIdx round-trips a ${c.type} file, plain and gzip`, async () => {
    const file = makeIdx(c.code, c.dims, c.values);
    for (const input of [file, gzipSync(file)]) {
      const r = await readIdx(input);
      assert.equal(r.type, c.type);
      assert.deepEqual(r.dims, c.dims);
      assert.ok(r.data instanceof c.Array, `data is a ${r.data.constructor.name}`);
      assert.deepEqual(Array.from(r.data), c.values);
    }
  });
}

test('readIdx accepts ArrayBuffer, Buffer and offset views, and copies the data', async () => {
  const file = makeIdx(0x0b, [2], [258, -2]);
  assert.deepEqual(Array.from((await readIdx(file.buffer)).data), [258, -2]);
  assert.deepEqual(Array.from((await readIdx(Buffer.from(file))).data), [258, -2]);
  // A view that starts part-way into a larger buffer (like Node's pooled Buffers).
  const padded = new Uint8Array(file.length + 5);
  padded.set(file, 3);
  const view = padded.subarray(3, 3 + file.length);
  assert.deepEqual(Array.from((await readIdx(view)).data), [258, -2]);
  const bytes = makeIdx(0x08, [2], [7, 9]);
  const r = await readIdx(bytes);
  bytes[8] = 99;
  assert.deepEqual(Array.from(r.data), [7, 9], 'result must not alias the input');
  await assert.rejects(readIdx('not bytes'), TypeError);
});

test('gunzip (node:zlib, installed by the Node entry) and gunzipWithStream (the browser entry\'s) agree', async () => {
  const plain = makeIdx(0x08, [3], [1, 2, 3]);
  const gz = gzipSync(plain);
  assert.equal(platform.gunzip, nodePlatform.gunzip, 'the Node entry installed zlib');
  assert.deepEqual(await gunzip(gz), plain);
  assert.deepEqual(await nodePlatform.gunzip(gz), plain);
  assert.deepEqual(await gunzipWithStream(gz), plain);
});

const CORRUPT = [
  ['too short', Uint8Array.of(0, 0, 8), 'IDX file too short: 3 bytes, the header needs at least 4'],
  ['bad magic', Uint8Array.of(0, 1, 8, 1, 0, 0, 0, 0), 'bad IDX magic: first two bytes must be 0x00 0x00, got 0x00 0x01 (not an IDX file?)'],
  ['unknown type', Uint8Array.of(0, 0, 0x0a, 1, 0, 0, 0, 0), 'unknown IDX data type 0x0a (expected 0x08, 0x09, 0x0b, 0x0c, 0x0d or 0x0e)'],
  ['zero dims', Uint8Array.of(0, 0, 8, 0), 'IDX file declares 0 dimensions'],
  ['truncated header', Uint8Array.of(0, 0, 8, 3, 0, 0, 0, 1), 'truncated IDX header: 3 dimensions need 16 header bytes, file has 8'],
  ['truncated data', makeIdx(0x08, [2, 3], [1, 2, 3, 4, 5, 6]).subarray(0, 12 + 5),
    'truncated IDX data: dims [2, 3] of ubyte need 6 bytes after the header, file has 5'],
  ['truncated int data', makeIdx(0x0c, [2], [1, 2]).subarray(0, 8 + 7),
    'truncated IDX data: dims [2] of int need 8 bytes after the header, file has 7'],
  ['extra bytes', Uint8Array.of(...makeIdx(0x08, [2], [1, 2]), 0), 'IDX length mismatch: 1 extra bytes after the data (dims [2] of ubyte need 2 bytes)'],
];

for (const [name, bytes, message] of CORRUPT) {
  test(`readIdx rejects a corrupt file: ${name} (plain and gzip)`, async () => {
    await assert.rejects(readIdx(bytes), { message });
    await assert.rejects(readIdx(gzipSync(bytes)), { message });
  });
}

test('corrupt gzip data is reported as such on both paths', async () => {
  const gz = gzipSync(makeIdx(0x08, [100], new Array(100).fill(7)));
  const truncated = gz.subarray(0, gz.length - 10);
  await assert.rejects(readIdx(truncated), /^Error: gzip data is corrupt: /);
  await assert.rejects(nodePlatform.gunzip(truncated), /^Error: gzip data is corrupt: /);
  await assert.rejects(gunzipWithStream(truncated), /^Error: gzip data is corrupt: /);
  const flipped = Uint8Array.from(gz);
  flipped[gz.length - 6] ^= 0xff; // inside the CRC32/size trailer
  await assert.rejects(readIdx(flipped), /^Error: gzip data is corrupt: /);
  await assert.rejects(nodePlatform.gunzip(flipped), /^Error: gzip data is corrupt: /);
  await assert.rejects(gunzipWithStream(flipped), /^Error: gzip data is corrupt: /);
});

test('readIdxDataset returns scaled images and labels', async () => {
  const pixels = [0, 51, 255, 102, 0, 0, 255, 255, 255, 0, 153, 204];
  const images = makeIdx(0x08, [2, 2, 3], pixels);
  const labels = makeIdx(0x08, [2], [3, 7]);
  for (const [img, lab] of [[images, labels], [gzipSync(images), labels], [images.buffer, gzipSync(labels)]]) {
    const r = await readIdxDataset(img, lab);
    assert.equal(r.count, 2);
    assert.equal(r.rows, 2);
    assert.equal(r.cols, 3);
    assert.deepEqual(r.images, Float32Array.from(pixels, (p) => p / 255));
    assert.deepEqual(r.labels, Uint8Array.of(3, 7));
  }
});

test('readIdxDataset checks types, ranks and counts', async () => {
  const images = makeIdx(0x08, [2, 1, 1], [1, 2]);
  const labels = makeIdx(0x08, [2], [0, 1]);
  await assert.rejects(readIdxDataset(makeIdx(0x08, [2, 1], [1, 2]), labels),
    { message: 'readIdxDataset: images file must be 3-D ubyte (count × rows × cols), got 2-D ubyte' });
  await assert.rejects(readIdxDataset(makeIdx(0x0d, [2, 1, 1], [1, 2]), labels),
    { message: 'readIdxDataset: images file must be 3-D ubyte (count × rows × cols), got 3-D float' });
  await assert.rejects(readIdxDataset(images, makeIdx(0x08, [2, 1], [0, 1])),
    { message: 'readIdxDataset: labels file must be 1-D ubyte (count), got 2-D ubyte' });
  await assert.rejects(readIdxDataset(images, makeIdx(0x09, [2], [0, 1])),
    { message: 'readIdxDataset: labels file must be 1-D ubyte (count), got 1-D sbyte' });
  await assert.rejects(readIdxDataset(images, makeIdx(0x08, [3], [0, 1, 2])),
    { message: 'readIdxDataset: images file has 2 images but labels file has 3 labels' });
  await assert.rejects(readIdxDataset(Uint8Array.of(1, 2, 3, 4), labels), /bad IDX magic/);
});

// Debian's dataset-fashion-mnist package ships the real files (optional).
const FASHION_DIRS = ['/usr/share/datasets/fashion-mnist', '/usr/share/dataset-fashion-mnist'];
const fashionDir = FASHION_DIRS.find((d) => existsSync(join(d, 't10k-images-idx3-ubyte.gz')));

test('readIdxDataset reads the real Fashion-MNIST t10k files', async (t) => {
  if (!fashionDir) {
    t.skip('Debian package dataset-fashion-mnist is not installed (apt-get install dataset-fashion-mnist)');
    return;
  }
  const r = await readIdxDataset(
    await readFile(join(fashionDir, 't10k-images-idx3-ubyte.gz')),
    await readFile(join(fashionDir, 't10k-labels-idx1-ubyte.gz')),
  );
  assert.equal(r.count, 10000);
  assert.equal(r.rows, 28);
  assert.equal(r.cols, 28);
  assert.equal(r.images.length, 10000 * 28 * 28);
  assert.equal(r.labels.length, 10000);
  // The Fashion-MNIST test set has exactly 1,000 items of each of its 10 classes.
  const perClass = new Array(10).fill(0);
  for (const l of r.labels) perClass[l]++;
  assert.deepEqual(perClass, new Array(10).fill(1000));
  let min = Infinity;
  let max = -Infinity;
  for (const v of r.images) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  assert.equal(min, 0);
  assert.equal(max, 1);
});
