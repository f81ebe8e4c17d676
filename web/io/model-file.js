// model.save() and sn.loadModel(bytes): one self-describing binary per model.
// The C side (c/model_file.c) reads and writes the container: header, weights,
// training state, CRC-32. This file writes the topology JSON inside it; web/
// model-load.js reads it back into a model. Format: see c/model_file.h. The
// topology of a Sequential is its list of layers (as in versions 1 and 2); a
// functional model's (version 3) also lists its inputs, its nodes in the order
// C runs them, and its outputs, so loading applies the layers again in that order.
import { FILE_STATUS } from '../../dist/constants.js';
import { KINDS } from '../layers/index.js';
import { checkBoolean, checkOptions } from '../core/names.js';
import { u8, wasm, withBuffers } from '../core/wasm.js';

export const FORMAT = 'simdnet';

// What sn_file_parse's and sn_file_restore's statuses mean.
export const STATUS = {
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

export const fileError = (why) => new Error(`simdnet: cannot load the model: ${why}`);

/**
 * A layer's saved form, { className, config } as in TensorFlow.js: its type and
 * its options in TF.js' names, from which its factory rebuilds it (every kind
 * in web/layers/ has both).
 */
const toJson = (layer, first) => ({
  className: layer.type, config: KINDS[layer.type].config(layer, first), ...(layer.trainable === false ? { trainable: false } : {}),
});

/**
 * How the file names each tensor the model's nodes make: [layer name, k] for
 * the layer's k-th node among the model's, which is the node loading makes
 * k-th when it applies the layers again, and [layer name, k, i] for its output
 * i when it has several (a slice's: web/model/parts.js). Not t.nodeIndex: a
 * layer's nodes also count applications outside this model (an unused branch,
 * another model).
 */
function tensorRefs(model) {
  const refs = new Map(model.inputs.map((t) => [t, [t.sourceLayer.name, 0]])), made = new Map();
  for (const { layer, inputs, output } of model.nodes) {
    if (layer.kind.hidden) {
      refs.set(output, [...refs.get(inputs[0]), layer.part]);
      continue;
    }
    const k = made.get(layer) ?? 0;
    made.set(layer, k + 1);
    refs.set(output, [layer.name, k]);
  }
  return (t) => refs.get(t);
}

/** How the model was compiled: one loss (and metrics) for a single output, lists for several. */
function trainingOf(model) {
  if (!model.loss) return null;
  const lossJson = (l) => ({ name: l.name, fromLogits: l.fromLogits, cost: l.cost, profit: l.profit });
  const optimizer = (({ name, ...config }) => ({ name, config }))(model.optimizer.getConfig());
  if (model.outputs.length === 1) return { loss: lossJson(model.loss), metrics: model.metrics.map((m) => m.key), optimizer };
  return {
    loss: model.losses.map(lossJson), lossWeights: [...model.lossWeights], metrics: model.outputMetrics.map((list) => list.map((m) => m.key)), optimizer,
  };
}

/** The topology JSON: layers (and for a functional model its graph), seed and, for a compiled model, how it was compiled. */
export function topologyOf(model) {
  const base = { format: FORMAT, name: model.name, seed: model.seed };
  if (model.className === 'Sequential')
    return { ...base, layers: model.layers.map((layer, i) => toJson(layer, i === 0)), training: trainingOf(model) };
  const tensorRef = tensorRefs(model);
  return {
    ...base,
    className: 'Functional',
    denseOnLastAxis: true, // a Dense reads the last axis of an input of rank > 1 (model-load.js: older files flattened it)
    inputs: model.inputs.map((t) => ({ name: t.sourceLayer.name, shape: t.sampleShape, dtype: t.dtype })),
    layers: model.layers.filter((l) => l.type !== 'InputLayer').map((layer) => toJson(layer, false)),
    nodes: model.nodes.filter((n) => !n.layer.kind.hidden).map((n) => ({ layer: n.layer.name, inputs: n.inputs.map(tensorRef), ...(n.call ? { call: n.call } : {}) })),
    outputs: model.outputs.map(tensorRef),
    training: trainingOf(model),
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
