// What every layer file shares: option checks that run before anything reaches
// C, shapes (one sample's, without the batch axis, as Keras' input_shape), and
// the mapping of a shape of any rank onto the C core's [h, w, c].
import { LIMITS, PADDING } from '../../dist/constants.js';
import { activationConfig, resolveActivation } from './activations.js';
import { resolveInitializer } from './initializers.js';
import { checkBoolean, checkNumber, checkOptions } from '../core/names.js';
import { resolveRegularizer } from './regularizers.js';

/** Checks options against the kind's known keys (plus name); returns them. */
export function layerOptions(what, options, known) {
  const config = checkOptions(what, options, [...known, 'name']);
  if (config.name !== undefined && typeof config.name !== 'string') throw new Error(`${what}: name must be a string, got ${JSON.stringify(config.name)}`);
  return config;
}

// ---- configs: each kind's config(layer, first) gives its options back as
// plain JSON in TF.js' names (the factory rebuilds the same layer from it),
// for model files and interop.
export const regularizerConfig = (r) => (r.l1 || r.l2 ? { l1: r.l1, l2: r.l2 } : null);
export { activationConfig };
/** inputShape, for the first layer of a model (model entries carry inShape). */
export const inputConfig = (layer, first) => (first ? { inputShape: layer.inputShape ?? layer.inShape } : {});

/**
 * The options the layers with weights share: activation, bias, and an
 * initializer and a regularizer for each of their kernels (Keras' names:
 * kernel; depthwise, pointwise) and the bias, with Keras' defaults.
 */
export const kernelOptionNames = (...kernels) => [
  'activation', 'useBias', ...kernels.map((k) => `${k}Initializer`), 'biasInitializer', ...kernels.map((k) => `${k}Regularizer`), 'biasRegularizer', 'activityRegularizer',
];
export const KERNEL_OPTIONS = kernelOptionNames('kernel');
export function kernelOptions(what, config, kernels = ['kernel']) {
  const biasInitializer = resolveInitializer(config.biasInitializer ?? 'zeros');
  if (biasInitializer.name === 'orthogonal') throw new Error(`${what}: biasInitializer 'orthogonal' needs a matrix, and a bias is a vector (Keras refuses it too)`);
  return {
    activation: resolveActivation(config.activation),
    useBias: checkBoolean(`${what} useBias`, config.useBias ?? true),
    ...Object.fromEntries(kernels.map((k) => [`${k}Initializer`, resolveInitializer(config[`${k}Initializer`] ?? 'glorotUniform')])),
    biasInitializer,
    ...Object.fromEntries(kernels.map((k) => [`${k}Regularizer`, resolveRegularizer(config[`${k}Regularizer`])])),
    biasRegularizer: resolveRegularizer(config.biasRegularizer),
    activityRegularizer: resolveRegularizer(config.activityRegularizer),
  };
}

export function kernelConfig(layer, kernels = ['kernel']) {
  return {
    activation: activationConfig(layer.activation),
    useBias: layer.useBias,
    ...Object.fromEntries(kernels.map((k) => [`${k}Initializer`, { ...layer[`${k}Initializer`].config }])),
    biasInitializer: { ...layer.biasInitializer.config },
    ...Object.fromEntries(kernels.map((k) => [`${k}Regularizer`, regularizerConfig(layer[`${k}Regularizer`])])),
    biasRegularizer: regularizerConfig(layer.biasRegularizer),
    activityRegularizer: regularizerConfig(layer.activityRegularizer),
  };
}

const MAX_SAMPLE = LIMITS.MAX_SAMPLE_SIZE; // a sample's most values (2^28), as C checks them
const positiveInteger = (what, v) => checkNumber(what, v, { min: 1, max: MAX_SAMPLE, integer: true });

/** A sample's shape: a non-empty array of positive integers (a copy). */
export function checkShape(what, shape) {
  if (!Array.isArray(shape) || shape.length === 0) throw new Error(`${what} must be a non-empty array, got ${JSON.stringify(shape)}`);
  const copy = shape.map((d) => positiveInteger(`${what} dimension`, d));
  if (sizeOf(copy) > MAX_SAMPLE) throw new Error(`${what} [${copy}] has ${sizeOf(copy).toLocaleString('en-US')} values per sample, more than 2^28`);
  return copy;
}

/** The declared inputShape (or inputDim), undefined when absent. */
export function inputShapeOption(what, config) {
  const shape = config.inputShape ?? (config.inputDim !== undefined ? [config.inputDim] : undefined);
  return shape === undefined ? undefined : checkShape(`${what} inputShape`, shape);
}

/** A number or [height, width] of positive integers (or integers ≥ min) → [height, width]. */
export function checkPair(what, value, min = 1) {
  const check = (v) => checkNumber(what, v, { min, max: MAX_SAMPLE, integer: true });
  if (typeof value === 'number') return [check(value), value];
  if (Array.isArray(value) && value.length === 2) return value.map(check);
  throw new Error(`${what} must be a ${min === 1 ? 'positive' : `≥ ${min}`} integer or [height, width], got ${JSON.stringify(value)}`);
}

/** 'valid' or 'same' (and 'causal' where Keras has it: Conv1D). */
export function checkPadding(what, padding = 'valid', causal = false) {
  const known = causal ? ['valid', 'same', 'causal'] : ['valid', 'same'];
  if (!known.includes(padding)) throw new Error(`${what} padding must be ${known.map((p) => `'${p}'`).join(' or ')}, got ${JSON.stringify(padding)}`);
  return padding;
}

/** Only channels-last data: [height, width, channels], as TF.js' and Keras' default. */
export function checkDataFormat(what, dataFormat = 'channelsLast') {
  if (dataFormat === 'channelsLast' || dataFormat === 'channels_last') return 'channelsLast';
  if (dataFormat === 'channelsFirst' || dataFormat === 'channels_first')
    throw new Error(`${what}: dataFormat 'channelsFirst' is not supported: simdnet works channels-last ([height, width, channels]), TF.js' and Keras' default`);
  throw new Error(`${what} dataFormat must be 'channelsLast', got ${JSON.stringify(dataFormat)}`);
}

export const sizeOf = (shape) => shape.reduce((n, d) => n * d, 1);

/** Keras' output-shape notation: (None, 24, 24, 8). */
export const shapeText = (shape) => `(None, ${shape.join(', ')})`;

/**
 * A shape of any rank as the C core's [h, w, c]: the last axis is c (batch
 * norm normalizes it, softmax runs along it), the one before is w, the rest is h.
 */
export function toHwc(shape) {
  if (shape.length === 1) return [1, 1, shape[0]];
  if (shape.length === 2) return [1, shape[0], shape[1]];
  return [sizeOf(shape.slice(0, -2)), shape.at(-2), shape.at(-1)];
}

/** TensorFlow's output size along one axis ('valid': windows inside, 'same' and Keras' 'causal': ceil(size / stride)). */
export function windowOutput(size, window, stride, dilation, padding) {
  return padding === 'valid' ? Math.ceil((size - (window - 1) * dilation) / stride) : Math.ceil(size / stride);
}

/** The window options of the convolutions (conv2d, depthwiseConv2d, separableConv2d, conv2dTranspose), checked. */
export const WINDOW_OPTIONS = ['kernelSize', 'strides', 'padding', 'dataFormat', 'dilationRate'];
export function windowOptions(what, config) {
  if (config.kernelSize === undefined) throw new Error(`${what} needs kernelSize, e.g. kernelSize: 3 or [3, 3]`);
  const strides = checkPair(`${what} strides`, config.strides ?? 1);
  const dilationRate = checkPair(`${what} dilationRate`, config.dilationRate ?? 1);
  if (strides.some((s) => s > 1) && dilationRate.some((d) => d > 1))
    throw new Error(`${what}: strides [${strides}] > 1 together with dilationRate [${dilationRate}] > 1 is not supported (as in TensorFlow and Keras)`);
  return {
    kernelSize: checkPair(`${what} kernelSize`, config.kernelSize), strides, padding: checkPadding(what, config.padding),
    dataFormat: checkDataFormat(what, config.dataFormat), dilationRate,
  };
}
export const windowConfig = (layer) => ({
  kernelSize: [...layer.kernelSize], strides: [...layer.strides], padding: layer.padding, dataFormat: layer.dataFormat, dilationRate: [...layer.dilationRate],
});
/** A convolution window's [oh, ow] over an [h, w, c] input (TensorFlow's sizes), or an Error when it does not fit. */
export function convOutput(layer, inShape) {
  const [h, w] = imageInput(inShape);
  const [kh, kw] = layer.kernelSize, [sh, sw] = layer.strides, [dh, dw] = layer.dilationRate;
  const out = [windowOutput(h, kh, sh, dh, layer.padding), windowOutput(w, kw, sw, dw, layer.padding)];
  if (out[0] < 1 || out[1] < 1)
    throw new Error(`its ${kh}×${kw} kernel${dh > 1 || dw > 1 ? ` (dilated ${dh}×${dw})` : ''} does not fit an input of shape ${shapeText(inShape)} with padding 'valid'`);
  return out;
}
/** The C arguments of a window: kh, kw, sh, sw, dh, dw, padding (enum sn_padding). */
export const windowArgs = (layer) => [...layer.kernelSize, ...layer.strides, ...layer.dilationRate, PADDING[layer.padding]];

/** The [h, w, c] input a windowed layer (conv2d, pooling) needs. */
export function imageInput(inShape) {
  if (inShape.length !== 3) throw new Error(`expects images of shape [height, width, channels], got an input of shape ${shapeText(inShape)}`);
  return inShape;
}

/** The [steps, channels] input a 1-D layer (conv1d, its pooling, padding, …) needs: C's 1 × steps × channels. */
export function sequenceInput(inShape) {
  if (inShape.length !== 2) throw new Error(`expects sequences of shape [steps, channels], got an input of shape ${shapeText(inShape)}`);
  return inShape;
}

/** A 1-D layer's size option: a positive integer or [integer] (TF.js' and Keras' forms) → [integer]. */
export function checkSingle(what, value) {
  const v = Array.isArray(value) && value.length === 1 ? value[0] : value;
  if (typeof v !== 'number') throw new Error(`${what} must be a positive integer or [integer], got ${JSON.stringify(value)}`);
  return [checkNumber(what, v, { min: 1, max: MAX_SAMPLE, integer: true })];
}
