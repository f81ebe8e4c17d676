// TF.js / Keras layer configs → our layers, for sn.fromTfjs (web/io/tfjs.js): one
// layer entry of a model.json (TF.js, Keras 2 or Keras 3, as
// tensorflowjs_converter writes them) becomes the type and factory options of
// one of our layers, every option we cannot honour refused with an Error naming
// the layer and the option. Sequential and functional topologies both use it.
import { kernelOptionNames } from '../layers/common.js';
import { camel, snake } from './tfjs-export.js';

export const importError = (why) => new Error(`fromTfjs: ${why}`);
export const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
export const pick = (config, ...keys) => keys.map((k) => config[k]).find((v) => v !== undefined);

/** A value for an error message: its JSON, cut short (and something even when it has none). */
export function brief(value) {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? String(value) : text.length > 80 ? `${text.slice(0, 77)}...` : text;
  } catch {
    return typeof value;
  }
}

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
  const params = Object.fromEntries(['value', 'mean', 'stddev', 'minval', 'maxval', 'gain'].filter((k) => config[k] !== undefined).map((k) => [k, config[k]]));
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
export function sampleShape(batchShape, what) {
  if (!Array.isArray(batchShape) || batchShape.length < 2) throw importError(`${what}: input shape ${JSON.stringify(batchShape)} has no sample dimensions`);
  const shape = batchShape.slice(1);
  if (!shape.every((d) => Number.isInteger(d) && d > 0)) throw importError(`${what}: input shape ${JSON.stringify(shape)} must have fixed positive sizes (no null dimension)`);
  return shape;
}

/** The input shape a layer config declares (Keras 2 and TF.js: batch_input_shape; Keras 3: batch_shape), without its batch dimension. */
export function declaredInputShape(layer, config, what) {
  const batch = pick(config, 'batch_input_shape', 'batchInputShape', 'batch_shape', 'batchShape') ?? layer.build_config?.input_shape;
  if (batch !== undefined && batch !== null) return sampleShape(batch, what);
  const shape = pick(config, 'input_shape', 'inputShape');
  if (Array.isArray(shape)) return sampleShape([null, ...shape], what);
  if (pick(layer, 'class_name', 'className') === 'Embedding') { // its input_dim is its table's rows; Keras 2's input_length, the ids' shape
    const length = pick(config, 'input_length', 'inputLength');
    return length === undefined || length === null ? undefined : sampleShape([null, ...[length].flat()], what);
  }
  const dim = pick(config, 'input_dim', 'inputDim');
  return dim === undefined || dim === null ? undefined : sampleShape([null, dim], what);
}

// TF.js / Keras classes we import: the kind they become, the Keras options
// read (each to our camelCase option), and options accepted only at their
// default value (Keras' "off"). Any other option is refused unless it is null
// (Keras' None); `ignored` ones do not change what the layer computes.
const kernelKeys = (...kernels) => kernelOptionNames(...kernels).map(snake);
const KERNEL_KEYS = kernelKeys('kernel');
const POOL = { keys: ['pool_size', 'strides', 'padding', 'data_format'] };
const CONV = ['filters', 'kernel_size', 'strides', 'padding', 'data_format', 'dilation_rate', ...KERNEL_KEYS];
const GLOBAL_POOL = { keys: ['data_format'], only: { keepdims: false } };
// Recurrent layers: dropout and recurrent_dropout go to the factory (which
// refuses what it cannot do yet), seed is their generator's; unroll and
// implementation do not change what is computed (time_major: Keras 2's batch axis second).
const RECURRENT = (own) => ({
  keys: ['units', ...kernelKeys('kernel', 'recurrent'), ...own, 'return_sequences', 'return_state', 'go_backwards', 'dropout', 'recurrent_dropout', 'seed', 'zero_output_for_mask'],
  only: { stateful: false, time_major: false },
  ignored: ['unroll', 'implementation'],
});
const IMPORTS = {
  Dense: { keys: ['units', ...KERNEL_KEYS] },
  Conv2D: { keys: CONV, only: { groups: 1 } },
  Conv1D: { keys: CONV, only: { groups: 1 } },
  MaxPooling1D: POOL,
  AveragePooling1D: POOL,
  GlobalAveragePooling1D: GLOBAL_POOL,
  GlobalMaxPooling1D: GLOBAL_POOL,
  UpSampling1D: { keys: ['size'] },
  ZeroPadding1D: { keys: ['padding', 'data_format'] },
  Cropping1D: { keys: ['cropping'] },
  // Keras 3's lora_rank is null when off.
  Embedding: { keys: ['input_dim', 'output_dim', 'embeddings_initializer', 'embeddings_regularizer', 'activity_regularizer', 'mask_zero', 'input_length'], only: { sparse: false } },
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
  ReLU: { keys: ['max_value', 'negative_slope', 'threshold'] },
  LeakyReLU: { keys: ['alpha', 'negative_slope'] }, // Keras 3's name for TF.js' alpha
  PReLU: { keys: ['alpha_initializer', 'alpha_regularizer', 'shared_axes'] },
  ELU: { keys: ['alpha'] },
  Softmax: { keys: ['axis'] },
  ThresholdedReLU: { keys: ['theta'] },
  // Merge layers (functional models only): Keras 2 and 3 and TF.js write no options but Concatenate's axis.
  Add: { keys: [] },
  Subtract: { keys: [] },
  Multiply: { keys: [] },
  Average: { keys: [] },
  Maximum: { keys: [] },
  Minimum: { keys: [] },
  Concatenate: { keys: ['axis'] },
  ZeroPadding2D: { keys: ['padding', 'data_format'] },
  Cropping2D: { keys: ['cropping', 'data_format'] },
  UpSampling2D: { keys: ['size', 'data_format', 'interpolation'] }, // 'bilinear' is Keras' (half-pixel centers), not TF.js 4.22's
  DepthwiseConv2D: { keys: ['kernel_size', 'depth_multiplier', 'strides', 'padding', 'data_format', 'dilation_rate', ...kernelKeys('depthwise')] },
  SeparableConv2D: { keys: ['filters', 'kernel_size', 'depth_multiplier', 'strides', 'padding', 'data_format', 'dilation_rate', ...kernelKeys('depthwise', 'pointwise')] },
  Conv2DTranspose: { keys: ['filters', 'kernel_size', 'strides', 'padding', 'data_format', 'dilation_rate', 'output_padding', ...KERNEL_KEYS] },
  LayerNormalization: {
    keys: ['epsilon', 'center', 'scale', 'beta_initializer', 'gamma_initializer', 'beta_regularizer', 'gamma_regularizer'],
    only: { rms_scaling: false }, // Keras 3's deprecated option
    ignored: ['axis'], // checked below, as batch norm's
  },
  Masking: { keys: ['mask_value'] },
  RepeatVector: { keys: ['n'] },
  Permute: { keys: ['dims'] },
  TimeDistributed: { keys: ['layer'] }, // the inner layer, converted as any other (convertLayer)
  // Keras 3 also writes its backward layer, which must be the forward one reading backwards (convertLayer).
  Bidirectional: { keys: ['layer', 'merge_mode', 'backward_layer'] },
  SimpleRNN: RECURRENT([]),
  LSTM: RECURRENT(['recurrent_activation', 'unit_forget_bias']),
  GRU: RECURRENT(['recurrent_activation', 'reset_after']),
  // Keras 3 (TF.js has none): use_gate and flash_attention (None: automatic; the same values) only as off.
  MultiHeadAttention: {
    keys: ['num_heads', 'key_dim', 'value_dim', 'dropout', 'use_bias', 'output_shape', 'attention_axes', 'kernel_initializer', 'bias_initializer',
      'kernel_regularizer', 'bias_regularizer', 'seed'],
    only: { use_gate: false },
    ignored: ['flash_attention'],
  },
  // KerasHub's layers (keras_hub/src/layers/modeling/), registered as keras_hub>… (older: keras_nlp>…).
  PositionEmbedding: { keys: ['sequence_length', 'initializer'] },
  TokenAndPositionEmbedding: { keys: ['vocabulary_size', 'sequence_length', 'embedding_dim', 'embeddings_initializer', 'mask_zero', 'tie_weights'] },
};
/** The kinds whose leakyRelu activation toTfjs writes as a LeakyReLU layer `<name>_leaky_relu` after them, folded back on import. */
export const LEAKY_FOLDS = ['Dense', 'Conv2D', 'DepthwiseConv2D', 'SeparableConv2D', 'Conv2DTranspose'];
const COMMON_KEYS = ['name', 'trainable', 'dtype', 'batch_input_shape', 'batch_shape', 'input_shape', 'input_dim', 'batch_size'];

/** A config's options in snake_case (TF.js writes them so; camelCase is accepted too), null ones dropped. */
const snakeOptions = (config) => Object.fromEntries(Object.entries(config).filter(([, v]) => v !== null).map(([k, v]) => [snake(k), v]));

/** The options of our factory for one TF.js / Keras layer, every unsupported option refused naming it. */
function optionsFromTfjs(className, config, what) {
  const spec = IMPORTS[className];
  const options = {};
  for (const [key, value] of Object.entries(snakeOptions(config))) {
    if ((COMMON_KEYS.includes(key) && !spec.keys.includes(key)) || spec.ignored?.includes(key)) continue; // an Embedding's input_dim is its own
    if (spec.only && Object.hasOwn(spec.only, key)) {
      if (value !== spec.only[key]) throw importError(`${what}: ${key} ${JSON.stringify(value)} is not supported (only ${JSON.stringify(spec.only[key])})`);
    } else if (!spec.keys.includes(key)) {
      throw importError(`${what}: ${key} ${JSON.stringify(value)} is not supported`);
    } else if (key === 'initializer' || key.endsWith('_initializer')) options[camel(key)] = initializerFromTfjs(value, `${what} ${key}`);
    else if (key.endsWith('_regularizer')) options[camel(key)] = regularizerFromTfjs(value, `${what} ${key}`);
    else if (key === 'target_shape' && Array.isArray(value)) options.targetShape = value.map((d) => (d === null ? -1 : d)); // TF.js writes -1 as null
    else options[camel(key)] = value;
  }
  return options;
}

/** Keras 3's name for a layer's weights in model.weights.h5 (`layers/<this>/vars/<i>`): its class in snake_case, numbered by class. */
function kerasKey(className, used) {
  const base = className.replace(/(.)([A-Z][a-z]+)/g, '$1_$2').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
  used[base] = (used[base] ?? -1) + 1;
  return used[base] ? `${base}_${used[base]}` : base;
}


// Keras 3 writes a registered class as class_name X and registered_name <package>>X; KerasHub registers its
// layers under keras_hub and keras_nlp (keras_hub/src/api_export.py). A class_name written with the package is read too.
const KERAS_HUB = ['keras_hub', 'keras_nlp'];
function kerasHubClass(className, registered) {
  if (typeof className !== 'string') return className;
  const [pkg, bare] = className.includes('>') ? className.split('>') : [null, className];
  if (pkg !== null && !KERAS_HUB.includes(pkg)) return className; // refused below as unknown
  if (typeof registered === 'string' && registered.includes('>') && !KERAS_HUB.includes(registered.split('>')[0])) return registered;
  return bare;
}

/**
 * One entry of a topology's layer list as ours: { className, name, config, what }
 * and, for any class but InputLayer, { type, options, axis, kerasKey } — the
 * kind and factory options of our layer, the axis batch norm declares (checked
 * against its input's rank when applied: lastAxis), and Keras 3's weight key.
 * `used` numbers the Keras 3 keys by class across the list. `keras3`: the
 * model comes from Keras 3, whose hard_sigmoid has slope 1/6 (ours); TF.js'
 * and Keras 2's has slope 0.2 (see web/layers/activations.js).
 */
export function convertLayer(layer, i, used, keras3 = false) {
  if (!isObject(layer)) throw importError(`layer ${i} is not an object`);
  const className = kerasHubClass(pick(layer, 'class_name', 'className'), pick(layer, 'registered_name', 'registeredName'));
  const config = isObject(layer.config) ? layer.config : {};
  const name = pick(layer, 'name') ?? config.name; // a functional topology names its layers beside their config too
  const what = `layer ${i} (${className} ${brief(name)})`;
  if (className === 'InputLayer') {
    for (const key of ['sparse', 'ragged', 'optional']) if (config[key]) throw importError(`${what}: ${key} inputs are not supported`);
    return { className, name, config, what };
  }
  if (typeof className !== 'string' || !Object.hasOwn(IMPORTS, className))
    throw importError(`${what}: layer class ${brief(className)} is not supported; supported: ${Object.keys(IMPORTS).join(', ')} (and InputLayer)`);
  const options = optionsFromTfjs(className, config, what);
  const key = kerasKey(className, used);
  if (className === 'LeakyReLU' && options.negativeSlope !== undefined) {
    options.alpha ??= options.negativeSlope;
    delete options.negativeSlope;
  }
  for (const key of ['activation', 'recurrentActivation'])
    if (typeof options[key] === 'string' && options[key].replace(/_/g, '').toLowerCase() === 'hardsigmoid' && !keras3)
      options[key] = { name: 'hardSigmoid', slope: 0.2 };
  const type = className;
  options.name = name;
  // Batch and layer norm's axis, checked against the input's rank when the layer is applied.
  const normalizes = className === 'BatchNormalization' || className === 'LayerNormalization';
  const axis = normalizes ? config.axis ?? -1 : undefined;
  if (normalizes) options.axis = -1;
  if (className === 'TimeDistributed' || className === 'Bidirectional') {
    const inner = convertLayer(options.layer, `${i}'s inner layer`, {}, keras3);
    if (inner.className === 'InputLayer') throw importError(`${what}: its inner layer is an InputLayer`);
    options.layer = { className: inner.type, config: inner.options };
  }
  if (className === 'Bidirectional') bidirectionalFrom(config, options, what, keras3);
  return { className, name, config, what, type, options, axis, kerasKey: key };
}

/**
 * A Bidirectional's options from Keras' config: merge_mode null (None: both
 * outputs) kept; the wrapped layer named as TF.js and Keras 2 name it (Keras 3
 * writes its forward copy, `forward_<name>`); Keras 3's backward_layer must be
 * that layer reading backwards, the only backward layer simdnet builds.
 */
function bidirectionalFrom(config, options, what, keras3) {
  if (pick(config, 'merge_mode', 'mergeMode') === null) options.mergeMode = null;
  const inner = options.layer.config;
  if (typeof inner.name === 'string') inner.name = inner.name.replace(/^forward_/, '');
  const backward = options.backwardLayer;
  delete options.backwardLayer;
  if (backward === undefined) return;
  const other = convertLayer(backward, `${what}'s backward layer`, {}, keras3).options;
  const same = (o) => JSON.stringify({ ...o, name: undefined, goBackwards: undefined });
  if (other.goBackwards !== true || same(other) !== same({ ...inner, goBackwards: undefined }))
    throw importError(`${what}: its backward_layer is not its layer reading backwards (go_backwards); only that backward layer is supported`);
}

/** Checks a Keras axis (counting the batch axis: 3, [3] or -1 for images) is the last one, the only one batch norm takes. */
export function lastAxis(axis, inShape, what) {
  const rank = inShape.length + 1, value = Array.isArray(axis) && axis.length === 1 ? axis[0] : axis;
  if (value === -1 || value === rank - 1) return -1;
  throw importError(`${what}: axis ${brief(axis)} is not the last axis of its input (None, ${inShape.join(', ')}): only the last (channels) axis is supported`);
}
