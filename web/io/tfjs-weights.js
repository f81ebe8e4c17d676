// The weights of a TF.js model.json for sn.fromTfjs (web/io/tfjs.js): its
// weightsManifest read and checked, the weight files gathered (one buffer,
// a list of shards, or a function that reads each path), and each weight
// decoded, quantized ones dequantized as TF.js 4.22 does.
//
// TF.js' format (tfjs-core/src/io/types.ts, WeightsManifestEntry; read in
// github:tensorflow/tfjs at tag tfjs-v4.22.0): the manifest is a list of
// groups { paths, weights }; a group's files are its shards, concatenated
// (io/weights_loader.ts), so a weight may span two files; its weights follow
// one another in manifest order. A quantized entry keeps its dtype (float32)
// and says how its values are stored: quantization { dtype: 'uint8' |
// 'uint16', min, scale } (value = q * scale + min) or { dtype: 'float16' };
// tensorflowjs_converter also writes original_dtype, which TF.js ignores and
// so do we. decodeWeight below follows io/io_utils.ts decodeWeights.
import { toBytes } from './model-file.js';
import { brief, importError, isObject } from './tfjs-layers.js';

// Bytes per value: TF.js' DTYPE_VALUE_SIZE_MAP (io/types.ts), and more, so
// that entries no layer uses can be skipped whatever their dtype (a Keras 3
// optimizer's int64 counter). Strings (no fixed size) are refused: layers
// models do not hold them.
const DTYPE_BYTES = { float32: 4, int32: 4, uint32: 4, float16: 2, uint16: 2, int16: 2, uint8: 1, int8: 1, bool: 1, int64: 8, complex64: 8 };
const QUANTIZED_BYTES = { uint8: 1, uint16: 2, float16: 2 };

/** One manifest entry checked: { name, shape, dtype, quantization, size, bytes }. */
function readEntry(entry, where) {
  if (!isObject(entry) || typeof entry.name !== 'string' || !Array.isArray(entry.shape)) throw importError(`${where}: a weightsManifest entry lacks its name or shape`);
  const { name, shape, quantization } = entry;
  const dtype = entry.dtype ?? 'float32';
  const size = shape.reduce((n, d) => (Number.isInteger(d) && d >= 0 ? n * d : NaN), 1);
  let valueBytes = DTYPE_BYTES[typeof dtype === 'string' && Object.hasOwn(DTYPE_BYTES, dtype) ? dtype : ''];
  if (quantization !== undefined) {
    const q = isObject(quantization) ? quantization.dtype : undefined;
    if (q === undefined) throw importError(`weight ${name}: its quantization ${brief(quantization)} names no dtype (TF.js reads uint8, uint16 and float16)`);
    if (typeof q !== 'string' || !Object.hasOwn(QUANTIZED_BYTES, q))
      throw importError(`weight ${name}: quantization dtype ${brief(q)} is unknown (TF.js reads uint8, uint16 and float16)`);
    if (q === 'float16' ? dtype !== 'float32' : dtype !== 'float32' && dtype !== 'int32')
      throw importError(`weight ${name}: a ${brief(dtype)} weight cannot be quantized to ${q}`);
    if (q !== 'float16' && !['min', 'scale'].every((k) => typeof quantization[k] === 'number' && Number.isFinite(quantization[k])))
      throw importError(`weight ${name}: ${q} quantization needs numbers min and scale, got ${brief({ min: quantization.min, scale: quantization.scale })}`);
    valueBytes = QUANTIZED_BYTES[q];
  }
  if (!Number.isSafeInteger(size) || valueBytes === undefined || size * valueBytes > 2 ** 31)
    throw importError(`weight ${name} has shape ${brief(shape)} and dtype ${brief(dtype)}, which cannot be read`);
  return { name, shape, dtype, quantization, size, bytes: size * valueBytes };
}

/**
 * The manifest read: [{ paths, entries, bytes }] per group, each entry with its
 * offset in the concatenation of all groups' files (TF.js reads a group from
 * its own files; as each group's files hold exactly its weights, that is the same).
 */
export function readManifest(manifest) {
  if (!Array.isArray(manifest)) throw importError('model.json has no weightsManifest array');
  let offset = 0;
  return manifest.map((group, g) => {
    if (!isObject(group) || !Array.isArray(group.weights)) throw importError(`weightsManifest group ${g} has no weights list`);
    const paths = group.paths ?? [];
    if (!Array.isArray(paths) || !paths.every((p) => typeof p === 'string')) throw importError(`weightsManifest group ${g}: paths must be a list of file names, got ${brief(group.paths)}`);
    const start = offset;
    const entries = group.weights.map((e, i) => {
      const entry = { ...readEntry(e, `weightsManifest group ${g} weight ${i}`), group: g, offset };
      offset += entry.bytes;
      return entry;
    });
    return { paths, entries, bytes: offset - start };
  });
}

/** The group's files for a message: "group1-shard1of2, group1-shard2of2", or "group 0" when it names none. */
const filesOf = (group, g) => (group.paths.length ? group.paths.join(', ') : `group ${g}`);

/** The Error for weights that end at byte `available`, too early for the manifest: it names the weight and the file. */
function shortError(groups, available, upTo) {
  const entry = groups.flatMap((g) => g.entries).find((e) => e.offset + e.bytes > available);
  const group = groups[entry.group], path = group.paths.at(-1) ?? `group ${entry.group}`;
  return importError(`weight ${entry.name} [${entry.shape}] needs bytes ${entry.offset}..${entry.offset + entry.bytes} but weightsBin has ${available}` +
    `${upTo ? ` up to the end of ${path}, which` : ` bytes: ${path}`} is shorter than the manifest says`);
}

/**
 * Checks each group's files hold exactly its weights, when the files are
 * known one by one (sizes: their byte lengths, one per path in manifest order).
 */
function checkGroups(groups, sizes) {
  let p = 0, start = 0;
  groups.forEach((group, g) => {
    const have = sizes.slice(p, (p += group.paths.length)).reduce((n, s) => n + s, 0);
    if (have < group.bytes) throw shortError(groups, start + have, true);
    if (have > group.bytes) throw importError(`${filesOf(group, g)} hold ${have} bytes, more than the ${group.bytes} the weights of their group need`);
    start += have;
  });
}

const isBytes = (b) => b instanceof ArrayBuffer || ArrayBuffer.isView(b);

const concat = (parts) => {
  if (parts.length === 1) return parts[0];
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (all.set(p, at), at + p.length), 0);
  return all;
};

/** All weight bytes, checked against the manifest: from one buffer (every file in order) or a list of them. */
export function weightBytes(groups, weights) {
  if (!isBytes(weights) && !(Array.isArray(weights) && weights.every(isBytes)))
    throw importError(`weights must be an ArrayBuffer or a Uint8Array (the weight files in manifest order), a list of them, or a function path → bytes; got ${Array.isArray(weights) ? `a list holding ${brief(weights.find((b) => !isBytes(b)))}` : brief(weights)}`);
  const parts = (Array.isArray(weights) ? weights : [weights]).map((b) => toBytes(b));
  const paths = groups.flatMap((g) => g.paths);
  if (parts.length > 1 && parts.length === paths.length) checkGroups(groups, parts.map((p) => p.length));
  const bytes = concat(parts), total = groups.reduce((n, g) => n + g.bytes, 0);
  if (bytes.length < total) throw shortError(groups, bytes.length, false);
  if (bytes.length > total) throw importError(`weightsBin has ${bytes.length} bytes but the manifest describes ${total}`);
  return bytes;
}

/** What was thrown, for a message (anything may be thrown, even an object without a prototype). */
const reason = (err) => (typeof err?.message === 'string' ? err.message : brief(err));

/** The same from a function path → bytes (or a Promise of them), called once per path in manifest order. */
export async function loadWeightBytes(groups, read) {
  const failed = (path, why) => importError(`cannot read weights file ${path}: ${why}`);
  const pending = [];
  for (const path of groups.flatMap((g) => g.paths)) {
    let result;
    try {
      result = read(path);
    } catch (err) {
      for (const p of pending) p.catch(() => {}); // the files already asked for are not awaited any more
      throw failed(path, reason(err));
    }
    pending.push(Promise.resolve(result).then((bytes) => {
      if (!isBytes(bytes)) throw failed(path, `the function gave ${bytes === null ? 'null' : typeof bytes}, not an ArrayBuffer or a Uint8Array`);
      return toBytes(bytes);
    }, (err) => {
      throw failed(path, reason(err));
    }));
  }
  const parts = await Promise.all(pending);
  checkGroups(groups, parts.map((p) => p.length));
  return concat(parts);
}

// float16 → float32 bit patterns, exactly (every half is a float), as TF.js'
// getFloat16Decoder (io/io_utils.ts, after fasthalffloatconversion.pdf) gives them:
// sign kept, exponent rebased (15 → 127), subnormal halves normalized,
// infinities and NaNs (payload kept) stay so.
function halfBits(h) {
  const sign = (h & 0x8000) << 16, exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
  if (exponent === 0x1f) return (sign | 0x7f800000 | (mantissa << 13)) >>> 0;
  if (exponent) return (sign | ((exponent + 112) << 23) | (mantissa << 13)) >>> 0;
  if (!mantissa) return sign >>> 0;
  let e = 113, m = mantissa;
  for (; !(m & 0x400); m <<= 1) e--;
  return (sign | (e << 23) | ((m & 0x3ff) << 13)) >>> 0;
}

/**
 * One entry's values from all the weight bytes: a Float32Array for float32
 * weights, Int32Array for int32, Float32Array of interleaved parts for
 * complex64, and the bytes themselves (Uint8Array) for any other dtype. Quantized: q * scale + min computed in doubles and
 * rounded to the weight's type (Math.round for int32), as TF.js does.
 */
export function decodeWeight(entry, bytes) {
  const { size, dtype, quantization } = entry;
  const at = bytes.byteOffset + entry.offset;
  const view = new DataView(bytes.buffer, at, entry.bytes); // little-endian, as TF.js' typed arrays on every platform it runs on
  if (!quantization) {
    const Type = { float32: Float32Array, int32: Int32Array, complex64: Float32Array }[dtype] ?? Uint8Array;
    const values = new Type(entry.bytes / Type.BYTES_PER_ELEMENT);
    new Uint8Array(values.buffer).set(new Uint8Array(bytes.buffer, at, entry.bytes)); // a copy: the offset may be unaligned
    return values;
  }
  if (quantization.dtype === 'float16') {
    const out = new Uint32Array(size);
    for (let i = 0; i < size; i++) out[i] = halfBits(view.getUint16(2 * i, true));
    return new Float32Array(out.buffer);
  }
  const { min, scale } = quantization, wide = quantization.dtype === 'uint16';
  const out = dtype === 'int32' ? new Int32Array(size) : new Float32Array(size);
  for (let i = 0; i < size; i++) {
    const v = (wide ? view.getUint16(2 * i, true) : view.getUint8(i)) * scale + min;
    out[i] = dtype === 'int32' ? Math.round(v) : v;
  }
  return out;
}

/** Every entry of a manifest's weights decoded by name, as tf.io.decodeWeights gives them (for tests and tools). */
export function decodeWeights(manifest, weights) {
  const groups = readManifest(manifest);
  const bytes = weightBytes(groups, weights);
  return Object.fromEntries(groups.flatMap((g) => g.entries).map((e) => [e.name, decodeWeight(e, bytes)]));
}
