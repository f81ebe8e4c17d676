// TensorFlow.js layers format, both ways: model.toTfjs() writes the model.json
// and weights.bin that tf.loadLayersModel reads; sn.fromTfjs() imports a
// Sequential of Dense (and Dropout) layers saved by TensorFlow.js or converted from Keras
// (tensorflowjs_converter), whose topology nests under "model_config".
// The JSON uses Keras' snake_case names, as TensorFlow.js writes them.
import { dense, dropout } from './layers.js';
import { checkOptions } from './names.js';
import { Sequential } from './model.js';
import { toBytes } from './model-file.js';

const TFJS_VERSION = 'tfjs-layers 4.22.0';

// Our initializer names → TensorFlow.js class names (the reverse is by name, case-insensitively).
const INIT_CLASS = {
  zeros: 'Zeros', ones: 'Ones', constant: 'Constant', randomNormal: 'RandomNormal', truncatedNormal: 'TruncatedNormal',
  randomUniform: 'RandomUniform', glorotUniform: 'GlorotUniform', glorotNormal: 'GlorotNormal', heNormal: 'HeNormal',
  heUniform: 'HeUniform', leCunNormal: 'LeCunNormal', leCunUniform: 'LeCunUniform',
};

function initializerToTfjs({ config }) {
  const { name, ...params } = config;
  const seeded = !['zeros', 'ones', 'constant'].includes(name); // TF.js writes seed: null for random ones
  return { class_name: INIT_CLASS[name], config: seeded ? { ...params, seed: null } : params };
}

const regularizerToTfjs = (r) => (r.l1 || r.l2 ? { class_name: 'L1L2', config: { l1: r.l1, l2: r.l2 } } : null);

/** One Dense layer in TensorFlow.js' JSON, plus a LeakyReLU layer after it (TF.js has no leaky relu activation). */
function denseToTfjs(layer, first) {
  const leaky = layer.activation.name === 'leakyRelu';
  const config = {
    name: layer.name, trainable: true, dtype: 'float32', units: layer.units,
    activation: leaky ? 'linear' : layer.activation.name, use_bias: layer.useBias,
    kernel_initializer: initializerToTfjs(layer.kernelInitializer), bias_initializer: initializerToTfjs(layer.biasInitializer),
    kernel_regularizer: regularizerToTfjs(layer.kernelRegularizer), bias_regularizer: regularizerToTfjs(layer.biasRegularizer),
    // TF.js refuses to run a layer with an activity regularizer, and it only shapes training: not written.
    activity_regularizer: null, kernel_constraint: null, bias_constraint: null,
  };
  const out = [];
  const shape = layer.inputShape ?? [layer.inputSize];
  if (first && shape.length > 1) out.push({ class_name: 'Flatten', config: { name: `${layer.name}_flatten`, batch_input_shape: [null, ...shape], dtype: 'float32' } });
  else if (first) config.batch_input_shape = [null, layer.inputSize];
  out.push({ class_name: 'Dense', config });
  if (leaky) out.push({ class_name: 'LeakyReLU', config: { name: `${layer.name}_leaky_relu`, alpha: layer.activation.alpha, trainable: true, dtype: 'float32' } });
  return out;
}

function dropoutToTfjs(layer) {
  return { class_name: 'Dropout', config: { name: layer.name, trainable: true, dtype: 'float32', rate: layer.rate, noise_shape: null, seed: layer.seed ?? null } };
}

/**
 * The model in TensorFlow.js' layers format: { modelJson, weightsBin }. Write
 * JSON.stringify(modelJson) to model.json and weightsBin to weights.bin next to
 * it, or hand both to tf.io.fromMemory. weightsBin is a fresh ArrayBuffer.
 */
export function toTfjs(model) {
  model.checkAlive();
  model.checkDenseOnly('toTfjs()');
  const weights = model.getWeights();
  const layers = model.layers.flatMap((layer, i) => (layer.type === 'Dropout' ? [dropoutToTfjs(layer)] : denseToTfjs(layer, i === 0)));
  const weightsBin = new Float32Array(weights.reduce((n, w) => n + w.values.length, 0));
  let offset = 0;
  for (const w of weights) weightsBin.set(w.values, (offset += w.values.length) - w.values.length);
  return {
    modelJson: {
      format: 'layers-model',
      generatedBy: 'simdnet',
      convertedBy: null,
      modelTopology: { class_name: 'Sequential', config: { name: model.name, layers }, keras_version: TFJS_VERSION, backend: 'tensor_flow.js' },
      weightsManifest: [{ paths: ['weights.bin'], weights: weights.map((w) => ({ name: w.name, shape: w.shape, dtype: 'float32' })) }],
    },
    weightsBin: weightsBin.buffer,
  };
}

// --- Import ---------------------------------------------------------------

const importError = (why) => new Error(`fromTfjs: ${why}`);
const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
const pick = (config, ...keys) => keys.map((k) => config[k]).find((v) => v !== undefined);

/** Keras / TF.js initializer JSON → ours; VarianceScaling maps to its named special cases. */
function initializerFromTfjs(spec, what) {
  if (spec === undefined || spec === null) return undefined;
  const className = typeof spec === 'string' ? spec : pick(spec, 'class_name', 'className');
  const config = (isObject(spec) && spec.config) || {};
  if (className === 'VarianceScaling') {
    const { scale = 1, mode = 'fan_in', distribution = 'truncated_normal' } = config;
    if (typeof mode !== 'string' || typeof distribution !== 'string') throw importError(`${what}: VarianceScaling's mode and distribution must be strings`);
    const family = { '1,fan_avg': 'glorot', '2,fan_in': 'he', '1,fan_in': 'leCun' }[`${scale},${mode.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase()}`];
    if (!family) throw importError(`${what}: VarianceScaling with scale ${scale} and mode ${mode} is not supported`);
    return `${family}${/uniform/i.test(distribution) ? 'Uniform' : 'Normal'}`;
  }
  if (typeof className !== 'string') throw importError(`${what} has no class_name`);
  const params = Object.fromEntries(['value', 'mean', 'stddev', 'minval', 'maxval'].filter((k) => config[k] !== undefined).map((k) => [k, config[k]]));
  return { name: className, ...params }; // dense() resolves the name (case-insensitive) or says it is unknown
}

function regularizerFromTfjs(spec, what) {
  if (spec === undefined || spec === null) return undefined;
  const className = pick(spec, 'class_name', 'className');
  const config = spec.config ?? {};
  if (!['L1L2', 'L1', 'L2', 'l1_l2', 'l1', 'l2'].includes(className)) throw importError(`${what}: regularizer ${JSON.stringify(className)} is not supported (L1, L2, L1L2 are)`);
  return { l1: config.l1 ?? 0, l2: config.l2 ?? 0 };
}

/** The batch input shape a layer declares, without its batch dimension. */
function declaredInputShape(config) {
  const batch = pick(config, 'batch_input_shape', 'batchInputShape', 'batch_shape', 'batchShape');
  if (Array.isArray(batch)) return batch.slice(1);
  const shape = pick(config, 'input_shape', 'inputShape');
  if (Array.isArray(shape)) return shape;
  const dim = pick(config, 'input_dim', 'inputDim');
  return dim === undefined ? undefined : [dim];
}

/** The layer list of a TF.js or Keras topology, whichever way it is nested. */
function layerList(modelJson) {
  const topology = modelJson.modelTopology ?? modelJson;
  const model = isObject(topology) ? topology.model_config ?? topology : null;
  if (!isObject(model)) throw importError('model.json has no modelTopology object');
  const className = pick(model, 'class_name', 'className');
  if (className !== 'Sequential') throw importError(`only Sequential models are supported, this one is ${JSON.stringify(className)}`);
  const layers = Array.isArray(model.config) ? model.config : model.config?.layers; // very old Keras: config is the list
  if (!Array.isArray(layers) || layers.length === 0) throw importError('the topology has no layers');
  return { name: typeof model.config?.name === 'string' ? model.config.name : undefined, layers };
}

/**
 * Dense configs for dense() from the layer list: InputLayer and Flatten give the
 * input shape, LeakyReLU and Activation layers fold into the Dense before them.
 */
function denseConfigs(layers) {
  const out = [];
  let inputShape, flattened = false;
  layers.forEach((layer, i) => {
    if (!isObject(layer)) throw importError(`layer ${i} is not an object`);
    const className = pick(layer, 'class_name', 'className');
    const config = layer.config ?? {};
    const what = `layer ${i} (${className} ${JSON.stringify(config.name)})`;
    const shape = declaredInputShape(config);
    if (className === 'InputLayer' || className === 'Flatten') {
      if (className === 'InputLayer' && out.length) throw importError(`${what} comes after other layers`);
      if (out.length === 0 && shape) inputShape = shape;
      flattened ||= className === 'Flatten';
      return;
    }
    if (className === 'LeakyReLU' || className === 'Activation') {
      const last = out.at(-1);
      if (!last || last.activation !== 'linear') throw importError(`${what} must follow a Dense layer with a linear activation`);
      last.activation = className === 'Activation' ? config.activation : { name: 'leakyRelu', alpha: pick(config, 'alpha', 'negative_slope') ?? 0.3 };
      return;
    }
    if (className === 'Dropout') {
      if (pick(config, 'noise_shape', 'noiseShape') != null) throw importError(`${what}: noise_shape is not supported`);
      out.push({ type: 'Dropout', name: config.name, rate: config.rate, ...(config.seed == null ? {} : { seed: config.seed }), what });
      return;
    }
    if (className !== 'Dense') throw importError(`${what}: only Dense and Dropout layers are supported (with InputLayer, Flatten, LeakyReLU and Activation around them)`);
    for (const key of ['kernel_constraint', 'bias_constraint'])
      if (config[key] !== undefined && config[key] !== null) throw importError(`${what}: ${key} is not supported`);
    if (out.length === 0) {
      inputShape = shape ?? inputShape;
      if (!inputShape) throw importError(`${what}: the first layer declares no input shape (batch_input_shape)`);
      if (inputShape.length > 1 && !flattened)
        throw importError(`${what}: Dense on inputs of shape [${inputShape}] without a Flatten before it is not supported`);
    }
    out.push({
      name: config.name,
      units: config.units,
      activation: config.activation ?? 'linear',
      useBias: pick(config, 'use_bias', 'useBias') ?? true,
      kernelInitializer: initializerFromTfjs(pick(config, 'kernel_initializer', 'kernelInitializer'), `${what} kernel_initializer`),
      biasInitializer: initializerFromTfjs(pick(config, 'bias_initializer', 'biasInitializer'), `${what} bias_initializer`),
      kernelRegularizer: regularizerFromTfjs(pick(config, 'kernel_regularizer', 'kernelRegularizer'), `${what} kernel_regularizer`),
      biasRegularizer: regularizerFromTfjs(pick(config, 'bias_regularizer', 'biasRegularizer'), `${what} bias_regularizer`),
      activityRegularizer: regularizerFromTfjs(pick(config, 'activity_regularizer', 'activityRegularizer'), `${what} activity_regularizer`),
      ...(out.length === 0 ? { inputShape } : {}),
      what,
    });
  });
  if (out.length === 0) throw importError('the model has no Dense layer');
  return out;
}

/** Float32 weights by name from the manifest groups and the concatenated shards. */
function weightsByName(manifest, bytes) {
  if (!Array.isArray(manifest)) throw importError('model.json has no weightsManifest array');
  const byName = new Map();
  let offset = 0;
  for (const entry of manifest.flatMap((group) => group?.weights ?? [])) {
    if (!isObject(entry) || typeof entry.name !== 'string' || !Array.isArray(entry.shape)) throw importError('a weightsManifest entry lacks its name or shape');
    if ((entry.dtype ?? 'float32') !== 'float32' || entry.quantization) throw importError(`weight ${entry.name} is ${entry.quantization ? 'quantized' : entry.dtype}; only float32 weights are supported`);
    const size = entry.shape.reduce((n, d) => n * d, 1);
    if (!Number.isInteger(size) || size < 0 || offset + 4 * size > bytes.length)
      throw importError(`weight ${entry.name} [${entry.shape}] needs bytes ${offset}..${offset + 4 * size} but weightsBin has ${bytes.length}`);
    const values = new Float32Array(size);
    new Uint8Array(values.buffer).set(bytes.subarray(offset, offset + 4 * size)); // copy: the offset may be unaligned
    byName.set(entry.name.replace(/:0$/, ''), { values, shape: entry.shape });
    offset += 4 * size;
  }
  if (offset !== bytes.length) throw importError(`weightsBin has ${bytes.length} bytes but the manifest describes ${offset}`);
  return byName;
}

/** The weight `layerName/kind`, also when a converter prefixed the model's name. */
function findWeight(byName, layerName, kind) {
  const exact = byName.get(`${layerName}/${kind}`);
  if (exact) return exact;
  const suffixed = [...byName.entries()].filter(([name]) => name.endsWith(`/${layerName}/${kind}`));
  if (suffixed.length === 1) return suffixed[0][1];
  throw importError(`weightsManifest has no weight ${layerName}/${kind}`);
}

/** Concatenates the weight shards (one buffer, or a list of them in manifest order). */
function concatShards(weightsBin) {
  const parts = (Array.isArray(weightsBin) ? weightsBin : [weightsBin]).map((b) => toBytes(b, 'fromTfjs weightsBin'));
  if (parts.length === 1) return parts[0];
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (all.set(p, at), at + p.length), 0);
  return all;
}

/**
 * A simdnet model from TensorFlow.js' layers format: modelJson (the parsed
 * model.json, or its text) and weightsBin (weights.bin: an ArrayBuffer or
 * Uint8Array, or a list of shards in manifest order). The model is not
 * compiled (as tf.loadLayersModel of a model saved without training config):
 * call compile() to fine-tune it.
 */
export function fromTfjs(modelJson, weightsBin, options) {
  const { seed } = checkOptions('fromTfjs', options, ['seed']);
  if (typeof modelJson === 'string') {
    try {
      modelJson = JSON.parse(modelJson);
    } catch (err) {
      throw importError(`model.json is not valid JSON (${err.message})`);
    }
  }
  if (!isObject(modelJson)) throw importError('modelJson must be the parsed model.json (an object) or its text');
  const { name, layers } = layerList(modelJson);
  const configs = denseConfigs(layers);
  const byName = weightsByName(modelJson.weightsManifest, concatShards(weightsBin));
  const model = new Sequential({ seed, name });
  for (const { what, type, ...config } of configs) {
    try {
      model.add(type === 'Dropout' ? dropout(config) : dense(config));
    } catch (err) {
      throw importError(`${what}: ${err.message}`);
    }
  }
  const values = model.weightSpecs().map((spec) => {
    const [layerName, kind] = spec.name.split('/');
    const found = findWeight(byName, layerName, kind);
    if (found.shape.join() !== spec.shape.join()) throw importError(`weight ${spec.name} has shape [${found.shape}], expected [${spec.shape}]`);
    return found.values;
  });
  try {
    model.setWeights(values); // builds the model: from here on it holds wasm memory
  } catch (err) {
    model.dispose();
    throw importError(err.message);
  }
  return model;
}
