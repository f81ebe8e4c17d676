// TensorFlow.js layers format, both ways: model.toTfjs() writes the model.json
// and weights.bin that tf.loadLayersModel reads; sn.fromTfjs() imports a
// Sequential saved by TensorFlow.js or converted from Keras 2 or Keras 3
// (tensorflowjs_converter), whose topology nests under "model_config".
// The JSON uses Keras' snake_case names, as TensorFlow.js writes them.
//
// Every kind of layer maps to the TF.js class of its type name (Dense, Conv2D,
// MaxPooling2D, …, Activation), its options to the snake_case of our
// camelCase ones. Two things TF.js lacks are written as extra layers named
// after the layer they serve, and fold back into it on import: a leakyRelu
// activation of a Dense or Conv2D (a LeakyReLU layer `<name>_leaky_relu`
// after it) and a Dense first layer with a multi-dimensional input (a Flatten
// `<name>_flatten` before it). Any other LeakyReLU, ReLU or Softmax layer
// becomes an activation layer.
import { KINDS, createLayer } from './layers.js';
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

const INIT_BY_KEY = new Map(Object.entries(INIT_CLASS).map(([name, className]) => [name.toLowerCase(), className]));

/** An initializer's config ({ name, ...params } as the layer configs give it, the name in any spelling) as TF.js writes it. */
function initializerToTfjs({ name, ...params }) {
  const className = INIT_BY_KEY.get(name.replace(/_/g, '').toLowerCase());
  const seeded = !['Zeros', 'Ones', 'Constant'].includes(className); // TF.js writes seed: null for random ones
  return { class_name: className, config: seeded ? { ...params, seed: null } : params };
}

const snake = (key) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const camel = (key) => key.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());

/** One option of a layer's config in TF.js' form. */
function valueToTfjs(key, value) {
  if (key.endsWith('Initializer')) return initializerToTfjs(value);
  if (key.endsWith('Regularizer')) return value && { class_name: 'L1L2', config: { l1: value.l1, l2: value.l2 } };
  if (key === 'dataFormat') return 'channels_last';
  return value;
}

/**
 * What TF.js writes beyond our options: the constraints we do not have, batch
 * norm's (only) axis, dropout's noise shape; a reshape's -1 resolved (TF.js
 * 4.22 leaves it unknown, and a Flatten after it then fails).
 */
const TFJS_EXTRAS = {
  Reshape: (layer) => ({ target_shape: [...layer.outShape] }),
  Dense: () => ({ kernel_constraint: null, bias_constraint: null }),
  Conv2D: () => ({ kernel_constraint: null, bias_constraint: null }),
  BatchNormalization: () => ({ axis: -1, beta_constraint: null, gamma_constraint: null }),
  Dropout: (layer) => ({ noise_shape: null, seed: layer.seed ?? null }),
};

/** One layer of ours as TF.js layers: itself, plus a Flatten before or a LeakyReLU after it where TF.js needs them. */
function layerToTfjs(layer, first) {
  const { name, activation, activityRegularizer, ...options } = KINDS[layer.type].config(layer, false);
  const base = { name, trainable: true, dtype: 'float32' };
  const config = { ...base };
  for (const [key, value] of Object.entries(options)) config[snake(key)] = valueToTfjs(key, value);
  const leaky = activation?.name === 'leakyRelu';
  if (activation !== undefined) config.activation = leaky ? 'linear' : activation;
  // TF.js refuses to run a layer with an activity regularizer, and it only shapes training: not written.
  if (activityRegularizer !== undefined) config.activity_regularizer = null;
  Object.assign(config, TFJS_EXTRAS[layer.type]?.(layer));
  const out = layer.type === 'Activation' && leaky
    ? [{ class_name: 'LeakyReLU', config: { ...base, alpha: activation.alpha } }]
    : [{ class_name: layer.type, config }, ...(leaky ? [{ class_name: 'LeakyReLU', config: { ...base, name: `${name}_leaky_relu`, alpha: activation.alpha } }] : [])];
  if (first && layer.type === 'Dense' && layer.inShape.length > 1) // TF.js' Dense does not flatten
    out.unshift({ class_name: 'Flatten', config: { ...base, name: `${name}_flatten`, batch_input_shape: [null, ...layer.inShape] } });
  else if (first) out[0].config.batch_input_shape = [null, ...layer.inShape];
  return out;
}

/**
 * The model in TensorFlow.js' layers format: { modelJson, weightsBin }. Write
 * JSON.stringify(modelJson) to model.json and weightsBin to weights.bin next to
 * it, or hand both to tf.io.fromMemory. weightsBin is a fresh ArrayBuffer.
 */
export function toTfjs(model) {
  model.checkAlive();
  const weights = model.getWeights(); // batch norm's moving statistics too: TF.js loads weights by name
  const layers = model.layers.flatMap((layer, i) => layerToTfjs(layer, i === 0));
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
  return { name: className, ...params }; // the layer's factory resolves the name (case-insensitive) or says it is unknown
}

function regularizerFromTfjs(spec, what) {
  if (spec === undefined || spec === null) return undefined;
  const className = pick(spec, 'class_name', 'className');
  const config = spec.config ?? {};
  if (!['L1L2', 'L1', 'L2', 'l1_l2', 'l1', 'l2'].includes(className)) throw importError(`${what}: regularizer ${JSON.stringify(className)} is not supported (L1, L2, L1L2 are)`);
  return { l1: config.l1 ?? 0, l2: config.l2 ?? 0 };
}

/** A Keras shape without its batch dimension: positive integers only. */
function sampleShape(batchShape, what) {
  if (!Array.isArray(batchShape) || batchShape.length < 2) throw importError(`${what}: input shape ${JSON.stringify(batchShape)} has no sample dimensions`);
  const shape = batchShape.slice(1);
  if (!shape.every((d) => Number.isInteger(d) && d > 0)) throw importError(`${what}: input shape ${JSON.stringify(shape)} must have fixed positive sizes (no null dimension)`);
  return shape;
}

/** The input shape a layer config declares (Keras 2 and TF.js: batch_input_shape; Keras 3: batch_shape), without its batch dimension. */
function declaredInputShape(layer, config, what) {
  const batch = pick(config, 'batch_input_shape', 'batchInputShape', 'batch_shape', 'batchShape') ?? layer.build_config?.input_shape;
  if (batch !== undefined && batch !== null) return sampleShape(batch, what);
  const shape = pick(config, 'input_shape', 'inputShape');
  if (Array.isArray(shape)) return sampleShape([null, ...shape], what);
  const dim = pick(config, 'input_dim', 'inputDim');
  return dim === undefined || dim === null ? undefined : sampleShape([null, dim], what);
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
  const buildShape = model.config?.build_input_shape ?? model.build_config?.input_shape;
  return { name: typeof model.config?.name === 'string' ? model.config.name : undefined, layers, buildShape };
}

// TF.js / Keras classes we import: the kind they become, the Keras options
// read (each to our camelCase option), and options accepted only at their
// default value (Keras' "off"). Any other option is refused unless it is null
// (Keras' None); `ignored` ones do not change what the layer computes.
const KERNEL_KEYS = ['activation', 'use_bias', 'kernel_initializer', 'bias_initializer', 'kernel_regularizer', 'bias_regularizer', 'activity_regularizer'];
const POOL = { keys: ['pool_size', 'strides', 'padding', 'data_format'] };
const GLOBAL_POOL = { keys: ['data_format'], only: { keepdims: false } };
const IMPORTS = {
  Dense: { keys: ['units', ...KERNEL_KEYS] },
  Conv2D: { keys: ['filters', 'kernel_size', 'strides', 'padding', 'data_format', 'dilation_rate', ...KERNEL_KEYS], only: { groups: 1 } },
  MaxPooling2D: POOL,
  AveragePooling2D: POOL,
  GlobalAveragePooling2D: GLOBAL_POOL,
  GlobalMaxPooling2D: GLOBAL_POOL,
  Flatten: { keys: ['data_format'] },
  Reshape: { keys: ['target_shape'] },
  BatchNormalization: {
    keys: ['momentum', 'epsilon', 'center', 'scale', 'beta_initializer', 'gamma_initializer', 'moving_mean_initializer', 'moving_variance_initializer', 'beta_regularizer', 'gamma_regularizer'],
    only: { renorm: false },
    ignored: ['axis', 'synchronized', 'renorm_momentum'], // axis: checked below; synchronized: one device; renorm_momentum: renorm is off
  },
  Dropout: { keys: ['rate', 'seed'] },
  Activation: { keys: ['activation'] },
  LeakyReLU: { keys: [], ignored: ['alpha', 'negative_slope'] },
  ReLU: { keys: [], only: { max_value: null, negative_slope: 0, threshold: 0 } },
  Softmax: { keys: [], ignored: ['axis'] },
};
const COMMON_KEYS = ['name', 'trainable', 'dtype', 'batch_input_shape', 'batch_shape', 'input_shape', 'input_dim', 'batch_size'];
const WITH_WEIGHTS = ['Dense', 'Conv2D', 'BatchNormalization'];

/** A config's options in snake_case (TF.js writes them so; camelCase is accepted too), null ones dropped. */
const snakeOptions = (config) => Object.fromEntries(Object.entries(config).filter(([, v]) => v !== null).map(([k, v]) => [snake(k), v]));

/** The options of our factory for one TF.js / Keras layer, every unsupported option refused naming it. */
function optionsFromTfjs(className, config, what) {
  const spec = IMPORTS[className];
  const options = {};
  for (const [key, value] of Object.entries(snakeOptions(config))) {
    if (COMMON_KEYS.includes(key) || spec.ignored?.includes(key)) continue;
    if (spec.only && Object.hasOwn(spec.only, key)) {
      if (value !== spec.only[key]) throw importError(`${what}: ${key} ${JSON.stringify(value)} is not supported (only ${JSON.stringify(spec.only[key])})`);
    } else if (!spec.keys.includes(key)) {
      throw importError(`${what}: ${key} ${JSON.stringify(value)} is not supported`);
    } else if (key.endsWith('_initializer')) options[camel(key)] = initializerFromTfjs(value, `${what} ${key}`);
    else if (key.endsWith('_regularizer')) options[camel(key)] = regularizerFromTfjs(value, `${what} ${key}`);
    else if (key === 'target_shape' && Array.isArray(value)) options.targetShape = value.map((d) => (d === null ? -1 : d)); // TF.js writes -1 as null
    else options[camel(key)] = value;
  }
  if (config.trainable === false && WITH_WEIGHTS.includes(className))
    throw importError(`${what}: trainable false (a frozen layer) is not supported`);
  return options;
}

/** Keras 3's name for a layer's weights in model.weights.h5 (`layers/<this>/vars/<i>`): its class in snake_case, numbered by class. */
function kerasKey(className, used) {
  const base = className.replace(/(.)([A-Z][a-z]+)/g, '$1_$2').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
  used[base] = (used[base] ?? -1) + 1;
  return used[base] ? `${base}_${used[base]}` : base;
}

/**
 * Our layers for the TF.js / Keras layer list: [{ type, options, kerasKey, what }].
 * InputLayer gives the input shape; the extra layers toTfjs writes fold back.
 */
function layerSpecs(layers, buildShape) {
  const out = [], used = {};
  let inputShape = buildShape ? sampleShape(buildShape, 'the model') : undefined;
  layers.forEach((layer, i) => {
    if (!isObject(layer)) throw importError(`layer ${i} is not an object`);
    const className = pick(layer, 'class_name', 'className');
    const config = isObject(layer.config) ? layer.config : {};
    const what = `layer ${i} (${className} ${JSON.stringify(config.name)})`;
    const shape = () => declaredInputShape(layer, config, what) ?? inputShape; // read for the first layer only
    if (className === 'InputLayer') {
      if (out.length) throw importError(`${what} comes after other layers`);
      for (const key of ['sparse', 'ragged', 'optional']) if (config[key]) throw importError(`${what}: ${key} inputs are not supported`);
      inputShape = shape();
      return;
    }
    if (typeof className !== 'string' || !Object.hasOwn(IMPORTS, className))
      throw importError(`${what}: layer class ${JSON.stringify(className)} is not supported; supported: ${Object.keys(IMPORTS).join(', ')} (and InputLayer)`);
    const options = optionsFromTfjs(className, config, what);
    const key = kerasKey(className, used);
    const next = layers[i + 1]?.config, previous = out.at(-1);
    if (className === 'Flatten' && out.length === 0 && next && pick(layers[i + 1], 'class_name', 'className') === 'Dense' && config.name === `${next.name}_flatten`) {
      inputShape = shape(); // toTfjs' Flatten before a first Dense: the Dense flattens
      return;
    }
    if (className === 'LeakyReLU') {
      const alpha = pick(config, 'alpha', 'negative_slope') ?? 0.3;
      if (previous && ['Dense', 'Conv2D'].includes(previous.type) && (previous.options.activation ?? 'linear') === 'linear' && config.name === `${previous.options.name}_leaky_relu`) {
        previous.options.activation = { name: 'leakyRelu', alpha }; // toTfjs' LeakyReLU after its layer
        return;
      }
      options.activation = { name: 'leakyRelu', alpha };
    }
    if (className === 'ReLU') options.activation = 'relu';
    if (className === 'Softmax') options.activation = 'softmax';
    const type = ['LeakyReLU', 'ReLU', 'Softmax'].includes(className) ? 'Activation' : className;
    options.name = config.name;
    if (out.length === 0) {
      inputShape = shape();
      if (!inputShape) throw importError(`${what}: the first layer declares no input shape (batch_input_shape)`);
      options.inputShape = inputShape;
    }
    // Batch norm's and softmax's axis, checked against the input's rank when the layer is added.
    const axis = ['BatchNormalization', 'Softmax'].includes(className) ? config.axis ?? -1 : undefined;
    out.push({ type, options, axis, kerasKey: key, what });
  });
  if (out.length === 0) throw importError('the model has no layers besides its input');
  return out;
}

/** Checks a Keras axis (counting the batch axis: 3, [3] or -1 for images) is the last one, the only one batch norm and softmax take. */
function lastAxis(axis, inShape, what) {
  const rank = inShape.length + 1, value = Array.isArray(axis) && axis.length === 1 ? axis[0] : axis;
  if (value === -1 || value === rank - 1) return -1;
  throw importError(`${what}: axis ${JSON.stringify(axis)} is not the last axis of its input (None, ${inShape.join(', ')}): only the last (channels) axis is supported`);
}

// Bytes per value of the dtypes a weights manifest may hold, so entries we do not use can be skipped.
const DTYPE_BYTES = { float32: 4, int32: 4, uint32: 4, float16: 2, uint16: 2, int16: 2, uint8: 1, int8: 1, bool: 1, int64: 8, complex64: 8 };

/** The manifest's entries with their place in the concatenated shards: [{ name, shape, dtype, quantized, offset, bytes }]. */
function manifestEntries(manifest) {
  if (!Array.isArray(manifest)) throw importError('model.json has no weightsManifest array');
  let offset = 0;
  return manifest.flatMap((group) => group?.weights ?? []).map((entry) => {
    if (!isObject(entry) || typeof entry.name !== 'string' || !Array.isArray(entry.shape)) throw importError('a weightsManifest entry lacks its name or shape');
    const dtype = entry.quantization?.dtype ?? entry.dtype ?? 'float32';
    const size = entry.shape.reduce((n, d) => n * d, 1);
    if (!Number.isInteger(size) || size < 0 || !Object.hasOwn(DTYPE_BYTES, dtype)) throw importError(`weight ${entry.name} has shape [${entry.shape}] and dtype ${JSON.stringify(dtype)}, which cannot be read`);
    const found = { name: entry.name.replace(/:0$/, ''), shape: entry.shape, dtype: entry.dtype ?? 'float32', quantized: Boolean(entry.quantization), offset, bytes: size * DTYPE_BYTES[dtype] };
    offset += found.bytes;
    return found;
  });
}

/**
 * The manifest entry of a model weight: `layer/kind` (TF.js, Keras 2), also
 * under a prefix (a converter may add the model's name), or Keras 3's
 * `layers/<class key>/vars/<i>` (older converters: `<layer>/<i>`).
 */
function findWeight(byName, spec, { kerasKey }, index) {
  const [layerName, kind] = [spec.name.slice(0, spec.name.lastIndexOf('/')), spec.name.slice(spec.name.lastIndexOf('/') + 1)];
  const candidates = [spec.name, `layers/${kerasKey}/vars/${index}`, `_layer_checkpoint_dependencies/${kerasKey}/vars/${index}`, `${layerName}/${index}`];
  const exact = candidates.map((name) => byName.get(name)).find(Boolean);
  if (exact) return exact;
  const suffixed = [...byName.entries()].filter(([name]) => name.endsWith(`/${layerName}/${kind}`));
  if (suffixed.length === 1) return suffixed[0][1];
  throw importError(`weightsManifest has no weight ${spec.name}`);
}

/** Concatenates the weight shards (one buffer, or a list of them in manifest order). */
function concatShards(weightsBin) {
  const parts = (Array.isArray(weightsBin) ? weightsBin : [weightsBin]).map((b) => toBytes(b, 'fromTfjs weightsBin'));
  if (parts.length === 1) return parts[0];
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (all.set(p, at), at + p.length), 0);
  return all;
}

/** The model's weights, in getWeights() order, from the manifest and the weight bytes; specs[i] made model.layers[i]. */
function weightValues(model, specs, manifest, bytes) {
  const entries = manifestEntries(manifest);
  const byName = new Map(entries.map((e) => [e.name, e]));
  const used = model.layers.flatMap((layer, l) => layer.weights.map((spec, index) => {
    const entry = findWeight(byName, spec, specs[l], index);
    if (entry.dtype !== 'float32' || entry.quantized) throw importError(`weight ${entry.name} is ${entry.quantized ? 'quantized' : entry.dtype}; only float32 weights are supported`);
    if (entry.shape.join() !== spec.shape.join()) throw importError(`weight ${spec.name} has shape [${entry.shape}], expected [${spec.shape}]`);
    return entry;
  }));
  for (const e of entries)
    if (e.offset + e.bytes > bytes.length) throw importError(`weight ${e.name} [${e.shape}] needs bytes ${e.offset}..${e.offset + e.bytes} but weightsBin has ${bytes.length}`);
  const total = entries.reduce((n, e) => n + e.bytes, 0);
  if (total !== bytes.length) throw importError(`weightsBin has ${bytes.length} bytes but the manifest describes ${total}`);
  return used.map((e) => {
    const values = new Float32Array(e.bytes / 4);
    new Uint8Array(values.buffer).set(bytes.subarray(e.offset, e.offset + e.bytes)); // copy: the offset may be unaligned
    return values;
  });
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
  const { name, layers, buildShape } = layerList(modelJson);
  const specs = layerSpecs(layers, buildShape);
  const bytes = concatShards(weightsBin);
  const model = new Sequential({ seed, name });
  for (const { type, options: layerOptions, axis, what } of specs) {
    try {
      if (axis !== undefined) lastAxis(axis, model.layers.at(-1)?.outShape ?? layerOptions.inputShape, what);
      if (type === 'BatchNormalization') layerOptions.axis = -1;
      model.add(createLayer(type, layerOptions));
    } catch (err) {
      if (err.message.startsWith('fromTfjs:')) throw err;
      const own = `${layerOptions.name} (${type}): `; // model.add names the layer too; `what` says it the TF.js way
      throw importError(`${what}: ${err.message.startsWith(own) ? err.message.slice(own.length) : err.message}`);
    }
  }
  const values = weightValues(model, specs, modelJson.weightsManifest, bytes);
  try {
    model.setWeights(values); // builds the model: from here on it holds wasm memory
  } catch (err) {
    model.dispose();
    throw importError(err.message);
  }
  return model;
}
