// sn.fromTfjs(modelJson, weights): a model from TensorFlow.js' layers format
// — saved by TensorFlow.js, or converted from Keras 2 or Keras 3 by
// tensorflowjs_converter, whose topology nests under "model_config". A
// Sequential comes back as a Sequential; a functional model (class_name
// 'Model' or 'Functional') as sn.model, its nodes replayed by
// web/io/tfjs-graph.js. Each layer's config becomes our layer's options in
// web/io/tfjs-layers.js; the weights are found by name in the weights manifest
// and read (sharded, quantized) by web/io/tfjs-weights.js.
// The export side, model.toTfjs(), is web/io/tfjs-export.js.
//
// Two things TF.js lacks are written by toTfjs as extra layers named after the
// layer they serve, and fold back into it here: a leakyRelu activation of a
// Dense or Conv2D (a LeakyReLU layer `<name>_leaky_relu` after it) and the
// flattening of a Sequential's first Dense (a Flatten `<name>_flatten` before
// it). Any other LeakyReLU stays a LeakyReLU layer. A Sequential whose first
// Dense reads a multi-dimensional input without that Flatten comes back as a
// functional model, whose Dense works on the last axis as Keras' does.
import { createLayer } from '../layers/index.js';
import { checkOptions } from '../core/names.js';
import { Model, Sequential } from '../model/model.js';
import { input } from '../model/graph.js';
import { functionalFromTfjs } from './tfjs-graph.js';
import { decodeWeight, loadWeightBytes, readManifest, weightBytes } from './tfjs-weights.js';
import { LEAKY_FOLDS, brief, convertLayer, declaredInputShape, importError, isObject, lastAxis, pick, sampleShape } from './tfjs-layers.js';

/** The model of a TF.js or Keras topology, whichever way it is nested: { className, model } (model: { class_name, config }). */
function topologyOf(modelJson) {
  const topology = modelJson.modelTopology ?? modelJson;
  const model = isObject(topology) ? topology.model_config ?? topology : null;
  if (!isObject(model)) throw importError('model.json has no modelTopology object');
  const className = pick(model, 'class_name', 'className');
  if (!['Sequential', 'Model', 'Functional'].includes(className))
    throw importError(`only Sequential and functional (class_name "Model" or "Functional") models are supported, this one is ${brief(className)}`);
  return { className, model };
}

/**
 * A Sequential's layers as ours: [{ type, options, axis, kerasKey, what }].
 * InputLayer gives the input shape; the extra layers toTfjs writes fold back.
 */
function sequentialSpecs(layers, buildShape, keras3) {
  const out = [], used = {};
  let flattened = false;
  let inputShape = buildShape ? sampleShape(buildShape, 'the model') : undefined;
  layers.forEach((layer, i) => {
    const spec = convertLayer(layer, i, used, keras3);
    const { className, config, options, what } = spec;
    const shape = () => declaredInputShape(layer, config, what) ?? inputShape; // read for the first layer only
    if (className === 'InputLayer') {
      if (out.length) throw importError(`${what} comes after other layers`);
      inputShape = shape();
      return;
    }
    const next = layers[i + 1]?.config, previous = out.at(-1);
    if (className === 'Flatten' && out.length === 0 && next && pick(layers[i + 1], 'class_name', 'className') === 'Dense' && config.name === `${next.name}_flatten`) {
      inputShape = shape(); // toTfjs' Flatten before a first Dense: the Dense flattens
      flattened = true;
      return;
    }
    if (className === 'LeakyReLU' && previous && LEAKY_FOLDS.includes(previous.type) && (previous.options.activation ?? 'linear') === 'linear' &&
      config.name === `${previous.options.name}_leaky_relu`) {
      previous.options.activation = { name: 'leakyRelu', alpha: options.alpha ?? 0.3 }; // toTfjs' LeakyReLU after its layer
      return;
    }
    if (out.length === 0) {
      inputShape = shape();
      if (!inputShape) throw importError(`${what}: the first layer declares no input shape (batch_input_shape)`);
      options.inputShape = inputShape;
      spec.flattened = flattened;
    }
    out.push(spec);
  });
  if (out.length === 0) throw importError('the model has no layers besides its input');
  return out;
}

/** Reports an Error of model.add or layer.apply as fromTfjs does: `what` says the layer the TF.js way. */
function applied(what, options, type, fn) {
  try {
    return fn();
  } catch (err) {
    if (err.message.startsWith('fromTfjs:')) throw err;
    const own = `${options.name} (${type}): `; // model.add and apply name the layer too
    throw importError(`${what}: ${err.message.startsWith(own) ? err.message.slice(own.length) : err.message}`);
  }
}

/**
 * A Sequential whose first Dense reads an input of rank > 1 (not after
 * toTfjs' Flatten) as a functional model: Keras' Dense works on that input's
 * last axis, and our Sequential's first Dense would flatten it
 * (web/layers/dense.js). The same layers, applied in order to sn.input.
 */
function chainFromTfjs(specs, seed, name) {
  const first = specs[0].options;
  let t = input({ shape: first.inputShape, name: `${first.name ?? 'dense'}_input` });
  const inputs = t;
  delete first.inputShape;
  const layers = specs.map(({ type, options, axis, what, config }) => applied(what, options, type, () => {
    if (axis !== undefined) lastAxis(axis, t.sampleShape, what);
    const layer = createLayer(type, options);
    layer.trainable = config.trainable !== false;
    t = layer.apply(t);
    return layer;
  }));
  return { model: new Model({ inputs, outputs: t, seed, name }), keys: new Map(layers.map((layer, i) => [layer.name, specs[i].kerasKey])) };
}

/** A Sequential from its topology (not built: it holds no wasm memory yet), and each layer's Keras 3 weight key. */
function sequentialFromTfjs(topology, seed, keras3) {
  const layers = Array.isArray(topology.config) ? topology.config : topology.config?.layers; // very old Keras: config is the list
  if (!Array.isArray(layers) || layers.length === 0) throw importError('the topology has no layers');
  const buildShape = topology.config?.build_input_shape ?? topology.build_config?.input_shape;
  const specs = sequentialSpecs(layers, buildShape, keras3);
  const name = typeof topology.config?.name === 'string' ? topology.config.name : undefined;
  if (specs[0].type === 'Dense' && specs[0].options.inputShape.length > 1 && !specs[0].flattened) return chainFromTfjs(specs, seed, name);
  const model = new Sequential({ seed, name });
  for (const { type, options, axis, what, config } of specs)
    applied(what, options, type, () => {
      if (axis !== undefined) lastAxis(axis, model.layers.at(-1)?.outShape ?? options.inputShape, what);
      const layer = createLayer(type, options);
      layer.trainable = config.trainable !== false; // a frozen layer stays frozen (from the next compile)
      model.add(layer);
    });
  return { model, keys: new Map(model.layers.map((layer, i) => [layer.name, specs[i].kerasKey])) };
}

/**
 * The manifest entry of a model weight: `layer/kind` (TF.js, Keras 2), also
 * under a prefix (a converter may add the model's name), or Keras 3's
 * `layers/<class key>/vars/<i>` (older converters: `<layer>/<i>`). `half`: a
 * Bidirectional's weights per direction.
 */
function findWeight(byName, spec, kerasKey, index, half) {
  const [layerName, kind] = [spec.name.slice(0, spec.name.lastIndexOf('/')), spec.name.slice(spec.name.lastIndexOf('/') + 1)];
  // Keras 3 keeps a recurrent layer's weights in its cell: layers/lstm/cell/vars/0; a Bidirectional's in its
  // layers' cells: layers/bidirectional/forward_layer/cell/vars/0.
  const inner = half ? `${index < half ? 'forward' : 'backward'}_layer/cell/vars/${index % half}` : `cell/vars/${index}`;
  // Keras 3's MultiHeadAttention keeps its weights in its EinsumDense sublayers: layers/multi_head_attention/query_dense/vars/0.
  const sub = /^(query|key|value|attention_output)$/.test(layerName.slice(layerName.lastIndexOf('/') + 1)) && (kind === 'kernel' || kind === 'bias')
    ? `layers/${kerasKey}/${layerName.slice(layerName.lastIndexOf('/') + 1).replace('attention_output', 'output')}_dense/vars/${kind === 'kernel' ? 0 : 1}` : undefined;
  const candidates = [spec.name, ...(sub ? [sub] : []), `layers/${kerasKey}/vars/${index}`, `layers/${kerasKey}/${inner}`, `_layer_checkpoint_dependencies/${kerasKey}/vars/${index}`, `${layerName}/${index}`];
  const exact = candidates.map((name) => byName.get(name)).find(Boolean);
  if (exact) return exact;
  const suffixed = [...byName.entries()].filter(([name]) => name.endsWith(`/${layerName}/${kind}`));
  if (suffixed.length === 1) return suffixed[0][1];
  throw importError(`weightsManifest has no weight ${spec.name}`);
}

/**
 * Each model weight's manifest entry, in getWeights() order, checked against
 * the weight the layer expects (keys: each layer's Keras 3 key by name). No
 * byte is needed for this, so a model.json that does not fit its layers fails
 * before any weights file is read.
 */
function usedEntries(model, keys, groups) {
  const byName = new Map(groups.flatMap((g) => g.entries).map((e) => [e.name.replace(/:0$/, ''), e]));
  return model.layers.flatMap((layer) => layer.weights.map((spec, index) => {
    const fail = (why) => importError(`layer ${brief(layer.name)} (${layer.type}): ${why}`);
    let entry;
    try {
      entry = findWeight(byName, spec, keys.get(layer.name), index, layer.type === 'Bidirectional' ? layer.weights.length / 2 : 0);
    } catch (err) {
      throw fail(err.message.slice('fromTfjs: '.length));
    }
    if (entry.dtype !== 'float32') throw fail(`weight ${entry.name} is ${entry.dtype}; only float32 weights (quantized or not) are supported`);
    if (entry.shape.join() !== spec.shape.join()) throw fail(`weight ${spec.name} has shape [${entry.shape}], expected [${spec.shape}]`);
    return entry;
  }));
}

/** The model, its weight groups (web/io/tfjs-weights.js) and the entries its weights come from; nothing holds wasm memory yet. */
function readTfjs(modelJson, options) {
  const { seed } = checkOptions('fromTfjs', options, ['seed']);
  if (typeof modelJson === 'string') {
    try {
      modelJson = JSON.parse(modelJson);
    } catch (err) {
      throw importError(`model.json is not valid JSON (${err.message})`);
    }
  }
  if (!isObject(modelJson)) throw importError('modelJson must be the parsed model.json (an object) or its text');
  const { className, model: topology } = topologyOf(modelJson);
  // Neither builds the model: until setWeights it holds no wasm memory, so an Error leaves nothing behind.
  // Keras 3 writes keras_version 3.x (TF.js: 'tfjs-layers …', Keras 2: 2.x): its hard_sigmoid differs
  const version = modelJson.modelTopology?.keras_version ?? modelJson.keras_version;
  const keras3 = typeof version === 'string' && /^3\./.test(version);
  const { model, keys } = className === 'Sequential' ? sequentialFromTfjs(topology, seed, keras3) : functionalFromTfjs(topology, seed, keras3);
  const groups = readManifest(modelJson.weightsManifest);
  return { model, groups, entries: usedEntries(model, keys, groups) };
}

/** Sets the weights decoded from bytes (which builds the model); on an Error frees what it built. */
function withWeights({ model, entries }, bytes) {
  try {
    model.setWeights(entries.map((e) => decodeWeight(e, bytes))); // builds the model: from here on it holds wasm memory
  } catch (err) {
    model.dispose();
    throw importError(err.message);
  }
  return model;
}

/**
 * A simdnet model from TensorFlow.js' layers format: modelJson (the parsed
 * model.json, or its text) and its weights, which may be quantized (uint8,
 * uint16 or float16, dequantized as TF.js does) and sharded: one buffer (an
 * ArrayBuffer or Uint8Array holding every file of the manifest in order), a
 * list of buffers (the files in order), or a function path → bytes (or a
 * Promise of them), called once per file the manifest lists, in order; then
 * fromTfjs returns a Promise of the model. The model is not compiled (as
 * tf.loadLayersModel of a model saved without training config): call
 * compile() to fine-tune it.
 */
export function fromTfjs(modelJson, weights, options) {
  if (typeof weights === 'function')
    return (async () => {
      const read = readTfjs(modelJson, options);
      return withWeights(read, await loadWeightBytes(read.groups, weights));
    })();
  const read = readTfjs(modelJson, options);
  return withWeights(read, weightBytes(read.groups, weights));
}
