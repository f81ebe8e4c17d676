// model.toTfjs(): the model.json and weights.bin that tf.loadLayersModel reads
// (TensorFlow.js' layers format; sn.fromTfjs in web/io/tfjs.js reads it back).
// The JSON uses Keras' snake_case names, as TensorFlow.js writes them. A
// Sequential is written as TF.js writes one: its list of layers. A functional
// model is written as class_name 'Functional' (tf.loadLayersModel 4.22 reads it,
// as it reads 'Model'): every layer with its inbound_nodes in TF.js' form —
// one list per application of the layer, of [layer name, node index, 0, {}] per
// input (what tfjs-layers' Container.getConfig writes) — then input_layers and
// output_layers as [layer name, node index, 0].
//
// Every kind of layer maps to the TF.js class of its type name (Dense, Conv2D,
// MaxPooling2D, …, Activation, Add, Concatenate), its options to the snake_case
// of our camelCase ones. Two things TF.js lacks are written as extra layers
// named after the layer they serve, and fold back into it on import: a
// leakyRelu activation of a Dense or Conv2D (a LeakyReLU layer
// `<name>_leaky_relu` after it) and the flattening of a Sequential's first
// Dense on a multi-dimensional input (a Flatten `<name>_flatten` before it;
// any other Dense works on the last axis, as TF.js'). A TimeDistributed's
// inner layer is written as TF.js nests it (config.layer = { class_name, config }). TF.js has no Subtract layer: a model
// with one is refused here (simdnet's own model file keeps it).
//
// This module imports no model code (model.js imports it), so the import side,
// which builds models, can live in web/io/tfjs.js without an import cycle.
import { resolveActivation } from '../layers/activations.js';
import { KINDS } from '../layers/index.js';

const TFJS_VERSION = 'tfjs-layers 4.22.0';

// Our initializer names → TensorFlow.js class names (the reverse is by name, case-insensitively).
const INIT_CLASS = {
  zeros: 'Zeros', ones: 'Ones', constant: 'Constant', randomNormal: 'RandomNormal', truncatedNormal: 'TruncatedNormal',
  randomUniform: 'RandomUniform', glorotUniform: 'GlorotUniform', glorotNormal: 'GlorotNormal', heNormal: 'HeNormal',
  heUniform: 'HeUniform', leCunNormal: 'LeCunNormal', leCunUniform: 'LeCunUniform', orthogonal: 'Orthogonal',
};

const INIT_BY_KEY = new Map(Object.entries(INIT_CLASS).map(([name, className]) => [name.toLowerCase(), className]));

/** An initializer's config ({ name, ...params } as the layer configs give it, the name in any spelling) as TF.js writes it. */
function initializerToTfjs({ name, ...params }) {
  const className = INIT_BY_KEY.get(name.replace(/_/g, '').toLowerCase());
  const seeded = !['Zeros', 'Ones', 'Constant'].includes(className); // TF.js writes seed: null for random ones
  return { class_name: className, config: seeded ? { ...params, seed: null } : params };
}

export const snake = (key) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
export const camel = (key) => key.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());

/** One option of a layer's config in TF.js' form. */
function valueToTfjs(key, value) {
  if (key === 'initializer' || key.endsWith('Initializer')) return initializerToTfjs(value); // initializer: KerasHub's PositionEmbedding
  if (key.endsWith('Regularizer')) return value && { class_name: 'L1L2', config: { l1: value.l1, l2: value.l2 } };
  if (key === 'dataFormat') return 'channels_last';
  return value;
}

const RECURRENT = ['SimpleRNN', 'LSTM', 'GRU'];
const RECURRENT_EXTRAS = { kernel_constraint: null, recurrent_constraint: null, bias_constraint: null, stateful: false, unroll: false };
/** What TF.js writes of a recurrent layer beyond our options; Keras' zeroOutputForMask, which TF.js lacks, refused. */
function recurrentExtras(layer) {
  if (layer.zeroOutputForMask)
    throw new Error(`toTfjs: ${layer.type} ${layer.name} has zeroOutputForMask true, which TF.js' recurrent layers do not have (Keras has it): save the model with model.save() instead`);
  return RECURRENT_EXTRAS;
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
  Conv1D: (layer) => {
    if (layer.padding === 'causal')
      throw new Error(`toTfjs: conv1d ${layer.name} has padding 'causal', which TF.js 4.22's Conv1D does not run (Keras has it): save the model with model.save() instead`);
    return { kernel_constraint: null, bias_constraint: null };
  },
  Embedding: () => ({ embeddings_constraint: null }),
  DepthwiseConv2D: (layer) => ({ depthwise_constraint: null, bias_constraint: null, ...noDilation(layer, 'DepthwiseConv2D') }),
  SeparableConv2D: () => ({ depthwise_constraint: null, pointwise_constraint: null, bias_constraint: null }),
  Conv2DTranspose: (layer) => {
    if (layer.outputPadding) throw new Error(`toTfjs: conv2dTranspose ${layer.name} has outputPadding [${layer.outputPadding}], which TF.js' Conv2DTranspose does not have (Keras has it): save the model with model.save() instead`);
    return { kernel_constraint: null, bias_constraint: null };
  },
  BatchNormalization: () => ({ axis: -1, beta_constraint: null, gamma_constraint: null }),
  TimeDistributed: (layer) => ({ layer: innerToTfjs(layer) }),
  Bidirectional: (layer) => ({ layer: innerToTfjs(layer) }),
  Dropout: (layer) => ({ noise_shape: null, seed: layer.seed ?? null }),
  PReLU: () => ({ alpha_constraint: null }),
  SimpleRNN: recurrentExtras,
  LSTM: recurrentExtras,
  GRU: (layer) => {
    if (layer.resetAfter)
      throw new Error(`toTfjs: gru ${layer.name} has resetAfter true (Keras 3's default), which TF.js' GRU does not have: ` +
        'make it with resetAfter: false for TF.js, or save the model with model.save() instead');
    return recurrentExtras(layer);
  },
};

/** TF.js 4.22's DepthwiseConv2D ignores its dilation_rate (tfjs-layers convolutional_depthwise.ts: "TODO(cais): Add support for dilation"). */
function noDilation(layer, className) {
  if (layer.dilationRate.some((d) => d > 1))
    throw new Error(`toTfjs: ${className} ${layer.name} has dilationRate [${layer.dilationRate}], which TF.js' ${className} ignores: save the model with model.save() instead`);
  return {};
}

// Activations TF.js cannot load are refused (the rest have TF.js' names, tfjs-layers src/activations.ts).
const NOT_IN_TFJS = {
  geluNew: "TF.js 4.22 has gelu_new, but tf.loadLayersModel cannot read it (it camel-cases every string of model.json, and knows no 'geluNew')",
  hardSilu: 'TF.js has no hard_silu (hard_swish)',
  exponential: 'TF.js has no exponential activation',
  hardSigmoid: "our hardSigmoid is Keras 3's, relu6(x + 3)/6 (slope 1/6); TF.js' is clip(0.2x + 0.5, 0, 1): use { name: 'hardSigmoid', slope: 0.2 } for TF.js'",
};

/** An activation's config (activationConfig) as TF.js names it; an Error naming the layer where TF.js has no such activation. */
function activationToTfjs(activation, layerName) {
  const refuse = (why) => new Error(`toTfjs: layer ${layerName}: ${why}`);
  if (typeof activation === 'string') {
    if (NOT_IN_TFJS[activation]) throw refuse(NOT_IN_TFJS[activation]);
    return activation;
  }
  if (activation.name === 'hardSigmoid' && activation.slope === 0.2) return 'hardSigmoid';
  if (activation.name === 'hardSigmoid') throw refuse(`TF.js' hardSigmoid has slope 0.2, this one ${activation.slope}`);
  throw refuse(`TF.js' ${activation.name} has ${activation.name === 'elu' ? 'alpha 1' : 'no parameter'}, this one ${JSON.stringify(activation)}`);
}

/**
 * Our activation layers whose options TF.js lacks: Keras' ReLU options beyond
 * max_value as the TF.js layer that has them (LeakyReLU, ThresholdedReLU), an
 * ELU's alpha other than 1 refused (TF.js' ELU throws on it).
 */
function activationLayerToTfjs(layer, config) {
  const refuse = (why) => new Error(`toTfjs: layer ${layer.name}: ${why}`);
  if (layer.type === 'ELU' && layer.alpha !== 1) throw refuse(`TF.js' ELU layer supports alpha 1 only, this one has alpha ${layer.alpha}`);
  if (layer.type !== 'ReLU') return undefined;
  const { negative_slope: slope, threshold, max_value: maxValue, ...rest } = config;
  if (!slope && !threshold) return { class_name: 'ReLU', config: { ...rest, max_value: maxValue } };
  if (maxValue === null && !threshold) return { class_name: 'LeakyReLU', config: { ...rest, alpha: slope } };
  if (maxValue === null && !slope) return { class_name: 'ThresholdedReLU', config: { ...rest, theta: threshold } };
  throw refuse(`TF.js' ReLU layer has max_value only (this one has negative_slope ${slope}, threshold ${threshold}, max_value ${maxValue})`);
}

const base = (name, trainable = true) => ({ name, trainable, dtype: 'float32' });

/** Keras layers that TF.js 4.22 lacks (tfjs-layers src/layers/*.ts has no such class). */
const KERAS_ONLY = ['UpSampling1D', 'ZeroPadding1D', 'Cropping1D'];

/**
 * One layer of ours as TF.js layers: { main } (its class and config), and
 * `after`, the LeakyReLU layer TF.js needs after it for a leakyRelu activation.
 */
function tfjsLayer(layer) {
  if (KERAS_ONLY.includes(layer.type))
    throw new Error(`toTfjs: layer ${layer.name} is a ${layer.type} layer, which TensorFlow.js 4.22 does not have (Keras has it): save the model with model.save() instead`);
  const { name, activation, recurrentActivation, activityRegularizer, ...options } = KINDS[layer.type].config(layer, false);
  const config = base(name, layer.trainable !== false);
  for (const [key, value] of Object.entries(options)) config[snake(key)] = valueToTfjs(key, value);
  // A leakyRelu activation (TF.js has none) becomes a LeakyReLU layer; a recurrent layer's activation is inside its cell.
  const { name: activationName, alpha } = activation === undefined ? {} : resolveActivation(activation);
  const leaky = activationName === 'leakyRelu' && !RECURRENT.includes(layer.type);
  if (activation !== undefined) config.activation = leaky ? 'linear' : activationToTfjs(activation, name);
  if (recurrentActivation !== undefined) config.recurrent_activation = activationToTfjs(recurrentActivation, name);
  // TF.js refuses to run a layer with an activity regularizer, and it only shapes training: not written.
  if (activityRegularizer !== undefined) config.activity_regularizer = null;
  Object.assign(config, TFJS_EXTRAS[layer.type]?.(layer));
  if (layer.type === 'Activation' && leaky) return { main: { class_name: 'LeakyReLU', config: { ...base(name), alpha } } };
  const replaced = activationLayerToTfjs(layer, config);
  if (replaced) return { main: replaced };
  const after = leaky ? { class_name: 'LeakyReLU', config: { ...base(`${name}_leaky_relu`), alpha } } : undefined;
  return { main: { class_name: layer.type, config, ...KINDS[layer.type].keras }, after }; // KerasHub's: module, registered_name
}

/** A wrapper's inner layer (TimeDistributed, Bidirectional) as TF.js writes it: { class_name, config }, named as the layer's config names it. */
function innerToTfjs(layer) {
  const { layer: inner } = KINDS[layer.type].config(layer, false);
  const { main, after } = tfjsLayer({ ...layer.layer, name: inner.config.name });
  if (after) throw new Error(`toTfjs: layer ${layer.name}: a leakyRelu activation inside timeDistributed has no TF.js form (TF.js' Dense has no leakyRelu): use a separate leakyReLU layer`);
  return main;
}

/** A Sequential's layer as TF.js layers: itself, plus a Flatten before or a LeakyReLU after it where TF.js needs them. */
function sequentialLayer(layer, first) {
  const { main, after } = tfjsLayer(layer);
  const out = after ? [main, after] : [main];
  if (first && layer.flattens) // a Sequential's first Dense flattens (web/layers/dense.js); TF.js' works on the last axis
    out.unshift({ class_name: 'Flatten', config: { ...base(`${layer.name}_flatten`), batch_input_shape: [null, ...layer.inShape] } });
  else if (first) out[0].config.batch_input_shape = [null, ...layer.inShape];
  return out;
}

/**
 * A functional model's layers with their inbound nodes, and its inputs and
 * outputs, in TF.js' form. A layer's nodes are numbered as tf.loadLayersModel
 * will apply them, which is not always the order of the model's nodes: TF.js
 * 4.22's loader (tfjs-layers src/engine/container.ts, Container.fromConfig)
 * visits the layers in list order, pass after pass, and applies every waiting
 * node of a layer whose inputs exist — also those listed after one that must
 * still wait (Keras stops at that one) — numbering them as it goes. A layer
 * shared at two depths, A(B(A(x))) beside A(y), would be renumbered, so the
 * nodes are written in the order that loader will apply them. Only this
 * model's nodes are written (a layer also used in another model has nodes
 * there).
 */
function functionalTopology(model) {
  const subtract = model.layers.find((l) => l.type === 'Subtract');
  if (subtract)
    throw new Error(`toTfjs: layer ${subtract.name} is a Subtract layer, which TensorFlow.js does not have (Keras has it): ` +
      'save the model with model.save() instead, or compute a - b as add([a, negated b])');
  const attention = model.layers.find((l) => l.type === 'MultiHeadAttention');
  if (attention)
    throw new Error(`toTfjs: layer ${attention.name} is a MultiHeadAttention layer, which TensorFlow.js 4.22 does not have (Keras 3 has it; sn.fromTfjs reads ` +
      'Keras 3 models with it): save the model with model.save() instead');
  const started = model.nodes.find((n) => n.layer.type === 'Bidirectional' && n.inputs.length > 1);
  if (started)
    throw new Error(`toTfjs: bidirectional ${started.layer.name} starts from initial states, which TF.js 4.22 cannot load (its Bidirectional hands them to the wrapped layer twice): save the model with model.save() instead`);
  const reshaped = model.layers.find((l) => l.type === 'Reshape' && new Set(model.nodes.filter((n) => n.layer === l).map((n) => n.output.sampleShape.join())).size > 1);
  if (reshaped) throw new Error(`toTfjs: reshape ${reshaped.name} makes outputs of several shapes, which one TF.js target_shape cannot say`);
  const written = [], waiting = new Map(); // TF.js layer entries in list order; each one's nodes not yet numbered
  const entry = ({ class_name, config, ...keras }) => {
    const e = { name: config.name, class_name, ...keras, config, inbound_nodes: [] };
    written.push(e);
    waiting.set(e, []);
    return e;
  };
  const sources = new Map(); // our tensor → the TF.js node that makes it: { entry, inputs, index }
  for (const t of model.inputs) {
    const { name, dtype } = t.sourceLayer;
    written.push({ name, class_name: 'InputLayer', config: { batch_input_shape: [...t.shape], dtype, sparse: false, name }, inbound_nodes: [] });
    sources.set(t, { entry: written.at(-1), index: 0 });
  }
  const entries = new Map(); // our layer → { main, after }: its TF.js layers
  for (const layer of model.layers) {
    if (layer.type === 'InputLayer') continue;
    const { main, after } = tfjsLayer(layer);
    entries.set(layer, { main: entry(main), after: after && entry(after) });
  }
  let count = 0;
  const node = (e, inputs) => {
    const made = { entry: e, inputs };
    waiting.get(e).push(made);
    count++;
    return made;
  };
  for (const n of model.nodes) {
    if (n.layer.kind.hidden) { // a slice (web/model/parts.js): output `part` of the node it reads
      const made = sources.get(n.inputs[0]);
      sources.set(n.output, { get entry() { return made.entry; }, get index() { return made.index; }, tensor: n.layer.part });
      continue;
    }
    const { main, after } = entries.get(n.layer);
    const out = node(main, n.inputs.map((t) => sources.get(t)));
    sources.set(n.output, after ? node(after, [out]) : out);
  }
  // TF.js' passes. Each one numbers at least the first waiting node in topological order, so they end.
  while (count) {
    for (const e of written) {
      const still = [];
      for (const made of waiting.get(e) ?? []) {
        if (!made.inputs.every((s) => s.index !== undefined)) {
          still.push(made);
          continue;
        }
        made.index = e.inbound_nodes.length;
        e.inbound_nodes.push(made.inputs.map((s) => [s.entry.name, s.index, s.tensor ?? 0, {}]));
        count--;
      }
      waiting.set(e, still);
    }
  }
  const names = new Set();
  for (const { name } of written) {
    if (names.has(name)) throw new Error(`toTfjs: two TF.js layers would be named ${JSON.stringify(name)} (an extra layer TF.js needs takes a name the model uses): rename that layer`);
    names.add(name);
  }
  const ref = (t) => [sources.get(t).entry.name, sources.get(t).index, sources.get(t).tensor ?? 0];
  return { name: model.name, layers: written, input_layers: model.inputs.map(ref), output_layers: model.outputs.map(ref) };
}

/**
 * The model in TensorFlow.js' layers format: { modelJson, weightsBin }. Write
 * JSON.stringify(modelJson) to model.json and weightsBin to weights.bin next to
 * it, or hand both to tf.io.fromMemory. weightsBin is a fresh ArrayBuffer.
 */
export function toTfjs(model) {
  model.checkAlive();
  const modelTopology = model.className === 'Sequential'
    ? { class_name: 'Sequential', config: { name: model.name, layers: model.layers.flatMap((layer, i) => sequentialLayer(layer, i === 0)) } }
    : { class_name: 'Functional', config: functionalTopology(model) };
  const weights = model.getWeights(); // batch norm's moving statistics too: TF.js loads weights by name
  const weightsBin = new Float32Array(weights.reduce((n, w) => n + w.values.length, 0));
  let offset = 0;
  for (const w of weights) weightsBin.set(w.values, (offset += w.values.length) - w.values.length);
  return {
    modelJson: {
      format: 'layers-model',
      generatedBy: 'simdnet',
      convertedBy: null,
      modelTopology: { ...modelTopology, keras_version: TFJS_VERSION, backend: 'tensor_flow.js' },
      weightsManifest: [{ paths: ['weights.bin'], weights: weights.map((w) => ({ name: w.name, shape: w.shape, dtype: 'float32' })) }],
    },
    weightsBin: weightsBin.buffer,
  };
}
