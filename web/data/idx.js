// Reader for the IDX format used by MNIST and Fashion-MNIST, optionally gzipped.
//
// File layout (all integers big-endian):
//   byte 0-1  0x00 0x00
//   byte 2    element type (see TYPES)
//   byte 3    number of dimensions d
//   then d uint32 sizes, then the elements, row-major.
//
// Plain ES module with no Node import: gzip goes through web/core/platform.js.

import { scale255 } from './data.js';
import { platform } from '../core/platform.js';

/**
 * Element type code → name, byte size, the typed array that holds it and the
 * DataView getter for multi-byte types.
 * @type {Map<number, {name: 'ubyte'|'sbyte'|'short'|'int'|'float'|'double', size: number,
 *   Array: Uint8ArrayConstructor|Int8ArrayConstructor|Int16ArrayConstructor|Int32ArrayConstructor|Float32ArrayConstructor|Float64ArrayConstructor,
 *   get: 'getInt16'|'getInt32'|'getFloat32'|'getFloat64'|null}>}
 */
const TYPES = new Map([
  [0x08, { name: 'ubyte', size: 1, Array: Uint8Array, get: null }],
  [0x09, { name: 'sbyte', size: 1, Array: Int8Array, get: null }],
  [0x0b, { name: 'short', size: 2, Array: Int16Array, get: 'getInt16' }],
  [0x0c, { name: 'int', size: 4, Array: Int32Array, get: 'getInt32' }],
  [0x0d, { name: 'float', size: 4, Array: Float32Array, get: 'getFloat32' }],
  [0x0e, { name: 'double', size: 8, Array: Float64Array, get: 'getFloat64' }],
]);

/**
 * Parse an IDX file (plain or gzip-compressed).
 *
 * @param {Uint8Array|ArrayBuffer|ArrayBufferView} bytes  whole file contents (a Node Buffer works);
 *   not modified and not referenced by the result
 * @returns {Promise<{type: 'ubyte'|'sbyte'|'short'|'int'|'float'|'double', dims: number[],
 *   data: Uint8Array|Int8Array|Int16Array|Int32Array|Float32Array|Float64Array}>}
 *   data is a fresh array (owned by the caller) of dims' product elements, row-major
 * @throws {Error} saying what is wrong for bad magic, an unknown type, a truncated
 *   header or data, trailing bytes, or corrupt gzip data
 */
export async function readIdx(bytes) {
  let u8 = toBytes(bytes, 'readIdx');
  if (isGzip(u8)) u8 = await gunzip(u8);
  return parseIdx(u8);
}

/**
 * Read an MNIST-style pair of IDX files into training-ready arrays.
 *
 * @param {Uint8Array|ArrayBuffer|ArrayBufferView} imagesBytes  images file: 3-D ubyte (count × rows × cols), plain or gzip
 * @param {Uint8Array|ArrayBuffer|ArrayBufferView} labelsBytes  labels file: 1-D ubyte (count), plain or gzip
 * @returns {Promise<{images: Float32Array, labels: Uint8Array, count: number, rows: number, cols: number}>}
 *   images holds count × rows·cols pixels scaled to [0, 1]; all arrays are fresh and owned by the caller
 * @throws {Error} if either file is invalid, has the wrong type or rank, or the counts differ
 */
export async function readIdxDataset(imagesBytes, labelsBytes) {
  const [img, lab] = await Promise.all([readIdx(imagesBytes), readIdx(labelsBytes)]);
  if (img.type !== 'ubyte' || img.dims.length !== 3) {
    throw new Error(`readIdxDataset: images file must be 3-D ubyte (count × rows × cols), got ${img.dims.length}-D ${img.type}`);
  }
  if (lab.type !== 'ubyte' || lab.dims.length !== 1) {
    throw new Error(`readIdxDataset: labels file must be 1-D ubyte (count), got ${lab.dims.length}-D ${lab.type}`);
  }
  const [count, rows, cols] = img.dims;
  if (lab.dims[0] !== count) {
    throw new Error(`readIdxDataset: images file has ${count} images but labels file has ${lab.dims[0]} labels`);
  }
  const labels = /** @type {Uint8Array} */ (lab.data);
  return { images: scale255(img.data), labels, count, rows, cols };
}

/**
 * Decompress gzip data: through zlib in Node (the Node entry installs it),
 * through DecompressionStream elsewhere.
 *
 * @param {Uint8Array} u8  gzip bytes (not modified)
 * @returns {Promise<Uint8Array>} fresh decompressed bytes
 * @throws {Error} "gzip data is corrupt: …" when decompression fails
 */
export function gunzip(u8) {
  return (platform.gunzip ?? gunzipWithStream)(u8);
}

/**
 * The browser's gunzip (Node ≥ 18 has DecompressionStream too, which is how it is tested).
 *
 * @param {Uint8Array} u8  gzip bytes (not modified)
 * @returns {Promise<Uint8Array>} fresh decompressed bytes
 * @throws {Error} if DecompressionStream is missing or the data is corrupt
 */
export async function gunzipWithStream(u8) {
  if (typeof DecompressionStream === 'undefined') {
    throw new Error('gzip input needs DecompressionStream, which this environment lacks; decompress the file first');
  }
  // Blob refuses views of a SharedArrayBuffer; slice() copies into a plain one.
  const blob = new Blob([u8.buffer instanceof ArrayBuffer ? u8 : u8.slice()]);
  try {
    const stream = blob.stream().pipeThrough(new DecompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (err) {
    throw new Error(`gzip data is corrupt: ${err.message}`, { cause: err });
  }
}

// ---- parsing ----

function parseIdx(u8) {
  if (u8.length < 4) {
    throw new Error(`IDX file too short: ${u8.length} bytes, the header needs at least 4`);
  }
  if (u8[0] !== 0 || u8[1] !== 0) {
    throw new Error(`bad IDX magic: first two bytes must be 0x00 0x00, got ${hex(u8[0])} ${hex(u8[1])} (not an IDX file?)`);
  }
  const type = TYPES.get(u8[2]);
  if (!type) {
    throw new Error(`unknown IDX data type ${hex(u8[2])} (expected 0x08, 0x09, 0x0b, 0x0c, 0x0d or 0x0e)`);
  }
  const ndims = u8[3];
  if (ndims === 0) throw new Error('IDX file declares 0 dimensions');
  const headerSize = 4 + 4 * ndims;
  if (u8.length < headerSize) {
    throw new Error(`truncated IDX header: ${ndims} dimensions need ${headerSize} header bytes, file has ${u8.length}`);
  }
  const view = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  const dims = [];
  for (let d = 0; d < ndims; d++) dims.push(view.getUint32(4 + 4 * d, false));
  const count = dims.reduce((a, b) => a * b, 1);
  checkDataLength(u8.length - headerSize, count * type.size, type.name, dims);
  return { type: type.name, dims, data: decode(view, headerSize, count, type) };
}

function checkDataLength(have, need, typeName, dims) {
  const shape = `[${dims.join(', ')}]`;
  if (have < need) {
    throw new Error(`truncated IDX data: dims ${shape} of ${typeName} need ${need} bytes after the header, file has ${have}`);
  }
  if (have > need) {
    throw new Error(`IDX length mismatch: ${have - need} extra bytes after the data (dims ${shape} of ${typeName} need ${need} bytes)`);
  }
}

function decode(view, offset, count, type) {
  if (type.size === 1) {
    // slice() copies, so the result does not pin or alias the caller's buffer.
    return new type.Array(view.buffer.slice(view.byteOffset + offset, view.byteOffset + offset + count));
  }
  // Multi-byte elements are big-endian on disk; DataView converts to host order.
  const out = new type.Array(count);
  const get = view[type.get].bind(view);
  for (let i = 0, p = offset; i < count; i++, p += type.size) out[i] = get(p, false);
  return out;
}

function toBytes(bytes, fn) {
  if (bytes instanceof ArrayBuffer) return new Uint8Array(bytes);
  if (typeof SharedArrayBuffer !== 'undefined' && bytes instanceof SharedArrayBuffer) return new Uint8Array(bytes);
  if (ArrayBuffer.isView(bytes)) return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  throw new TypeError(`${fn}: expected a Uint8Array, ArrayBuffer or Buffer, got ${bytes === null ? 'null' : typeof bytes}`);
}

function isGzip(u8) {
  return u8.length >= 2 && u8[0] === 0x1f && u8[1] === 0x8b;
}

function hex(b) {
  return `0x${b.toString(16).padStart(2, '0')}`;
}
