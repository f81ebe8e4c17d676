// model.save() and sn.loadModel(bytes): one self-describing binary per model.
// The C side (c/model_file.c) reads and writes the container: header, weights,
// training state, CRC-32. This file writes and checks the topology JSON inside it
// and turns it back into a Sequential. Format: see c/model_file.h.
import { FILE_INFO as INFO, FILE_STATUS } from './constants.js';
import { KINDS } from './layers.js';
import { checkBoolean, checkOptions } from './names.js';
import { Sequential } from './model.js';
import { f64, u8, wasm, withBuffers } from './wasm.js';

const FORMAT = 'simdnet';

// What sn_file_parse's and sn_file_restore's statuses mean.
const STATUS = {
  [FILE_STATUS.TOO_SHORT]: 'it is too short to be a simdnet model file',
  [FILE_STATUS.BAD_MAGIC]: 'it is not a simdnet model file (wrong magic bytes)',
  [FILE_STATUS.BAD_VERSION]: 'it was written by an unknown version of the simdnet file format',
  [FILE_STATUS.BAD_FLAGS]: 'its header has unknown flags',
  [FILE_STATUS.BAD_LENGTHS]: 'a section length in its header is larger than the file or than allowed (truncated or damaged)',
  [FILE_STATUS.LENGTH_MISMATCH]: 'its length does not match the sections its header lists (truncated, or extra bytes at the end)',
  [FILE_STATUS.BAD_CHECKSUM]: 'its checksum does not match: the file is damaged',
  [FILE_STATUS.WRONG_MODEL]: "its weights or optimizer state do not match the layers its topology describes",
  [FILE_STATUS.NON_FINITE]: 'it holds a weight or optimizer value that is NaN or infinite',
  [FILE_STATUS.NEGATIVE_VARIANCE]: 'it holds a negative moving variance (batch normalization)',
};

const fileError = (why) => new Error(`simdnet: cannot load the model: ${why}`);

/**
 * A layer's saved form, { className, config } as in TensorFlow.js: its type and
 * its options in TF.js' names, from which its factory rebuilds it (every kind
 * in web/layers/ has both).
 */
const toJson = (layer, first) => ({ className: layer.type, config: KINDS[layer.type].config(layer, first) });

/** The topology JSON: layers, seed and, for a compiled model, how it was compiled. */
export function topologyOf(model) {
  const training = model.loss && {
    loss: { name: model.loss.name, fromLogits: model.loss.fromLogits, cost: model.loss.cost, profit: model.loss.profit },
    metrics: model.metrics.map((m) => m.key),
    optimizer: (({ name, ...config }) => ({ name, config }))(model.optimizer.getConfig()),
  };
  return {
    format: FORMAT,
    name: model.name,
    seed: model.seed,
    layers: model.layers.map((layer, i) => toJson(layer, i === 0)),
    training: training || null,
  };
}

/** UTF-8 JSON padded with spaces to a multiple of 4 bytes, so the weights after it stay aligned. */
function encodeJson(value) {
  const text = new TextEncoder().encode(JSON.stringify(value));
  const padded = new Uint8Array(Math.ceil(text.length / 4) * 4).fill(0x20);
  padded.set(text);
  return padded;
}

/**
 * The model as one binary file (a fresh Uint8Array the caller owns): its
 * layers, weights and moving statistics. With includeOptimizer (the default,
 * as Keras' model.save) a compiled model's optimizer state, shuffling
 * generator and dropout generators come along, so training resumes exactly
 * where it stopped.
 */
export function saveModel(model, options) {
  const { includeOptimizer = true } = checkOptions('save', options, ['includeOptimizer']);
  model.checkAlive();
  model.checkIdle('save');
  checkBoolean('save: includeOptimizer', includeOptimizer);
  model.build();
  const json = encodeJson(topologyOf(model));
  const withState = includeOptimizer && model.loss ? 1 : 0;
  const w = wasm();
  return withBuffers((alloc) => {
    const size = w.sn_file_size(model.ptr, json.length, withState);
    if (!size) throw new Error('simdnet: the model is too large for a model file (4 GB at most)');
    const out = alloc(size);
    const jsonPtr = alloc(json.length);
    u8(jsonPtr, json.length).set(json);
    if (w.sn_file_write(model.ptr, jsonPtr, json.length, withState, out, size) !== FILE_STATUS.OK) throw new Error('simdnet: could not write the model file');
    return u8(out, size).slice();
  });
}

/** Bytes from what users hold: ArrayBuffer, Uint8Array or any typed array / DataView. */
export function toBytes(bytes, what) {
  if (bytes instanceof ArrayBuffer) return new Uint8Array(bytes);
  if (ArrayBuffer.isView(bytes)) return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  throw new Error(`${what} must be an ArrayBuffer or a Uint8Array, got ${bytes === null ? 'null' : typeof bytes}`);
}

const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads and checks the topology JSON; every missing or wrong field gets an Error naming it. */
function parseTopology(bytes) {
  let topology;
  try {
    topology = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (err) {
    throw fileError(`its topology is not valid UTF-8 JSON (${err.message})`);
  }
  if (!isObject(topology)) throw fileError('its topology is not a JSON object');
  if (topology.format !== FORMAT) throw fileError(`its topology has format ${JSON.stringify(topology.format)}, expected "${FORMAT}"`);
  if (!Array.isArray(topology.layers) || topology.layers.length === 0) throw fileError('its topology has no "layers" array');
  if (topology.training !== null && topology.training !== undefined && !isObject(topology.training))
    throw fileError('its topology\'s "training" must be an object or null');
  return topology;
}

/** A Sequential from a checked topology (not yet built). */
function modelFromTopology(topology) {
  const context = (what, fn) => {
    try {
      return fn();
    } catch (err) {
      throw fileError(`${what}: ${err.message}`);
    }
  };
  const model = context('its "seed" or "name"', () => {
    if (topology.name !== undefined && typeof topology.name !== 'string') throw new Error('name must be a string');
    return new Sequential({ seed: topology.seed, name: topology.name });
  });
  topology.layers.forEach((layer, i) => context(`layer ${i}`, () => {
    if (!isObject(layer) || !isObject(layer.config)) throw new Error('expected { className, config }');
    const kind = typeof layer.className === 'string' && Object.hasOwn(KINDS, layer.className) ? KINDS[layer.className] : null;
    if (!kind) throw new Error(`unknown className ${JSON.stringify(layer.className)}; known: ${Object.keys(KINDS).join(', ')}`);
    model.add(kind.factory(layer.config));
  }));
  return model;
}

/** Compiles a loaded model as it was saved. */
function compileAsSaved(model, training) {
  try {
    if (!isObject(training.optimizer) || !isObject(training.optimizer.config ?? {})) throw new Error('"optimizer" must be { name, config }');
    if (!isObject(training.loss)) throw new Error('"loss" must be an object');
    model.compile({ optimizer: { name: training.optimizer.name, ...training.optimizer.config }, loss: training.loss, metrics: training.metrics ?? [] });
  } catch (err) {
    throw fileError(`its training configuration: ${err.message}`);
  }
}

/**
 * A model from bytes that model.save() wrote: same layers, bit-identical
 * weights, and when the file holds them, the compile settings and optimizer
 * state. A damaged or foreign file throws an Error saying what is wrong; no
 * memory is kept.
 */
export function loadModel(bytes) {
  const input = toBytes(bytes, 'loadModel(bytes)');
  const w = wasm();
  return withBuffers((alloc) => {
    const ptr = alloc(input.length);
    u8(ptr, input.length).set(input);
    const infoPtr = alloc(INFO.COUNT * 8);
    const status = w.sn_file_parse(ptr, input.length, infoPtr);
    if (status !== FILE_STATUS.OK) throw fileError(STATUS[status] ?? `status ${status}`);
    const info = f64(infoPtr, INFO.COUNT).slice();
    const topology = parseTopology(input.subarray(info[INFO.JSON_OFF], info[INFO.JSON_OFF] + info[INFO.JSON_BYTES]));
    const model = modelFromTopology(topology);
    try {
      if (model.trainableCount() !== info[INFO.N_WEIGHTS])
        throw fileError(`its topology has ${model.trainableCount()} weights but the file holds ${info[INFO.N_WEIGHTS]}`);
      const nonTrainable = model.paramCount() - model.trainableCount();
      if (nonTrainable !== info[INFO.N_NONTRAINABLE])
        throw fileError(`its topology has ${nonTrainable} non-trainable weights (moving statistics) but the file holds ${info[INFO.N_NONTRAINABLE]}`);
      model.build();
      if (topology.training) compileAsSaved(model, topology.training);
      const withState = topology.training && info[INFO.STATE_OFF] ? 1 : 0;
      const restored = w.sn_file_restore(model.ptr, ptr, input.length, withState);
      if (restored !== FILE_STATUS.OK) throw fileError(STATUS[restored] ?? `status ${restored}`);
      return model;
    } catch (err) {
      model.dispose();
      throw err;
    }
  });
}
