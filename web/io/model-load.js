// sn.loadModel(bytes): a model file (web/io/model-file.js writes it; c/model_file.c
// checks its container) turned back into a model — a Sequential from its list
// of layers, a functional model by applying its layers again node by node.
import { FILE_INFO as INFO, FILE_STATUS } from '../../dist/constants.js';
import { input } from '../model/graph.js';
import { KINDS, createLayer } from '../layers/index.js';
import { Model, Sequential } from '../model/model.js';
import { FORMAT, STATUS, fileError, toBytes } from './model-file.js';
import { f64, u8, wasm, withBuffers } from '../core/wasm.js';

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
  // [layer, node] or, for one of a layer's several outputs (returnState), [layer, node, output]
  const tensorOf = (ref) => {
    const made = Array.isArray(ref) ? tensors.get(`${ref[0]}/${ref[1]}`) : undefined;
    const t = ref?.length === 2 && !Array.isArray(made) ? made : ref?.length === 3 && Array.isArray(made) ? made[ref[2]] : undefined;
    if (!t) throw new Error(`it reads ${JSON.stringify(ref)}, which no earlier node makes`);
    return t;
  };
  // Files written before Dense worked on the last axis (no denseOnLastAxis) had a Dense flatten an input
  // of rank > 1: a Flatten before it, `<name>_flatten`, computes what they saved.
  const flattenFor = new Map();
  const flattened = (layer, t) => {
    if (topology.denseOnLastAxis === true || layer.type !== 'Dense' || t.sampleShape.length === 1) return t;
    if (!flattenFor.has(layer)) flattenFor.set(layer, createLayer('Flatten', { name: `${layer.name}_flatten` }));
    return flattenFor.get(layer).apply(t);
  };
  topology.nodes.forEach((node, i) => context(`node ${i}`, () => {
    const layer = isObject(node) ? layers.get(node.layer) : undefined;
    if (!layer || !Array.isArray(node.inputs)) throw new Error(`expected { layer, inputs } naming one of the layers, got ${JSON.stringify(node)}`);
    const inputs = node.inputs.map(tensorOf).map((t) => flattened(layer, t));
    const out = layer.kind.replay ? layer.kind.replay(layer, inputs, isObject(node.call) ? node.call : {}) // attention's call settings
      : layer.apply(layer.kind.merge || layer.kind.states ? inputs : inputs[0]); // a recurrent layer's: x, then its initial states
    tensors.set(`${layer.name}/${[out].flat()[0].nodeIndex}`, out);
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
