// model.save() and sn.loadModel(bytes): one self-describing binary per model.
// The C side (c/model_file.c) reads and writes the container: header, weights,
// training state, CRC-32. This file writes and checks the topology JSON inside it
// and turns it back into a model. Format: see c/model_file.h. The topology of a
// Sequential is its list of layers (as in versions 1 and 2); a functional
// model's (version 3) also lists its inputs, its nodes in the order C runs
// them, and its outputs, so loading applies the layers again in that order.
import { FILE_INFO as INFO, FILE_STATUS } from './constants.js';
import { KINDS, createLayer } from './layers.js';
import { input } from './graph.js';
import { checkBoolean, checkOptions } from './names.js';
import { Model, Sequential } from './model.js';
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
const toJson = (layer, first) => ({
  className: layer.type, config: KINDS[layer.type].config(layer, first), ...(layer.trainable === false ? { trainable: false } : {}),
});

/**
 * How the file names each tensor the model's nodes make: [layer name, k] for
 * the layer's k-th node among the model's, which is the node loading makes
 * k-th when it applies the layers again. Not t.nodeIndex: a layer's nodes also
 * count applications outside this model (an unused branch, another model).
 */
function tensorRefs(model) {
  const refs = new Map(model.inputs.map((t) => [t, [t.sourceLayer.name, 0]])), made = new Map();
  for (const { layer, output } of model.nodes) {
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
    inputs: model.inputs.map((t) => ({ name: t.sourceLayer.name, shape: t.sampleShape, dtype: t.dtype })),
    layers: model.layers.filter((l) => l.type !== 'InputLayer').map((layer) => toJson(layer, false)),
    nodes: model.nodes.map((n) => ({ layer: n.layer.name, inputs: n.inputs.map(tensorRef) })),
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

const context = (what, fn) => {
  try {
    return fn();
  } catch (err) {
    throw fileError(`${what}: ${err.message}`);
  }
};

/** A layer from its saved { className, config, trainable }. */
function layerFromJson(layer) {
  if (!isObject(layer) || !isObject(layer.config)) throw new Error('expected { className, config }');
  const kind = typeof layer.className === 'string' && Object.hasOwn(KINDS, layer.className) ? KINDS[layer.className] : null;
  if (!kind) throw new Error(`unknown className ${JSON.stringify(layer.className)}; known: ${Object.keys(KINDS).join(', ')}`);
  const made = createLayer(layer.className, layer.config);
  if (layer.trainable !== undefined && typeof layer.trainable !== 'boolean') throw new Error('trainable must be true or false');
  made.trainable = layer.trainable !== false;
  return made;
}

/** A model from a checked topology (not yet built). */
function modelFromTopology(topology) {
  const fields = () => {
    if (topology.name !== undefined && typeof topology.name !== 'string') throw new Error('name must be a string');
    return { seed: topology.seed, name: topology.name };
  };
  if (topology.className === 'Functional') return functionalFromTopology(topology, context('its "seed" or "name"', fields));
  const model = context('its "seed" or "name"', () => new Sequential(fields()));
  topology.layers.forEach((layer, i) => context(`layer ${i}`, () => {
    const made = layerFromJson(layer);
    model.add(made);
    model.layers.at(-1).trainable = made.trainable;
  }));
  return model;
}

/** A functional model: its inputs, then its layers applied again node by node, in the order they were saved. */
function functionalFromTopology(topology, { seed, name }) {
  for (const key of ['inputs', 'nodes', 'outputs'])
    if (!Array.isArray(topology[key]) || topology[key].length === 0) throw fileError(`its topology has no "${key}" array`);
  const layers = new Map(), tensors = new Map(); // name → layer; "name/node" → tensor
  const ins = topology.inputs.map((spec, i) => context(`input ${i}`, () => {
    if (!isObject(spec) || typeof spec.name !== 'string') throw new Error('expected { name, shape, dtype }');
    const t = input({ name: spec.name, shape: spec.shape, dtype: spec.dtype });
    tensors.set(`${spec.name}/0`, t);
    return t;
  }));
  topology.layers.forEach((layer, i) => context(`layer ${i}`, () => {
    const made = layerFromJson(layer);
    if (layers.has(made.name) || tensors.has(`${made.name}/0`)) throw new Error(`a second layer named ${JSON.stringify(made.name)}`);
    layers.set(made.name, made);
  }));
  const tensorOf = (ref) => {
    const t = Array.isArray(ref) && ref.length === 2 ? tensors.get(`${ref[0]}/${ref[1]}`) : undefined;
    if (!t) throw new Error(`it reads ${JSON.stringify(ref)}, which no earlier node makes`);
    return t;
  };
  topology.nodes.forEach((node, i) => context(`node ${i}`, () => {
    const layer = isObject(node) ? layers.get(node.layer) : undefined;
    if (!layer || !Array.isArray(node.inputs)) throw new Error(`expected { layer, inputs } naming one of the layers, got ${JSON.stringify(node)}`);
    const inputs = node.inputs.map(tensorOf);
    const out = layer.apply(layer.kind.merge ? inputs : inputs[0]);
    tensors.set(`${layer.name}/${out.nodeIndex}`, out);
  }));
  const outs = context('its outputs', () => topology.outputs.map(tensorOf));
  return context('its graph', () => new Model({ inputs: ins, outputs: outs, seed, name }));
}

/** Compiles a loaded model as it was saved. */
function compileAsSaved(model, training) {
  try {
    if (!isObject(training.optimizer) || !isObject(training.optimizer.config ?? {})) throw new Error('"optimizer" must be { name, config }');
    if (!isObject(training.loss) && !(Array.isArray(training.loss) && training.loss.every(isObject))) throw new Error('"loss" must be an object, or a list of them (one per output)');
    model.compile({
      optimizer: { name: training.optimizer.name, ...training.optimizer.config }, loss: training.loss, metrics: training.metrics ?? [],
      ...(training.lossWeights ? { lossWeights: training.lossWeights } : {}),
    });
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
