// The activation layers with options (TF.js' advanced activations, tfjs-layers
// src/layers/advanced_activations.ts; Keras 3's keras/src/layers/activations/):
// ReLU, LeakyReLU, ELU, Softmax and ThresholdedReLU are C activation layers
// (c/layer_activation.c) with their parameters — Keras' relu(x, negative_slope,
// max_value, threshold) covers ReLU, LeakyReLU and ThresholdedReLU — and PReLU
// is a kind of its own with a trainable alpha (c/layer_prelu.c).
import { ACTIVATION } from '../../dist/constants.js';
import { checkNumber } from '../core/names.js';
import { resolveInitializer } from './initializers.js';
import { resolveRegularizer } from './regularizers.js';
import { inputConfig, inputShapeOption, layerOptions, regularizerConfig, shapeText } from './common.js';

const INPUT = ['inputShape', 'inputDim'];
const nonNegative = (what, v) => checkNumber(what, v, { min: 0 });

/** The fields every one of these layers has. */
const common = (type, what, config) => ({ type, name: config.name, inputShape: inputShapeOption(what, config) });

/** A descriptor of an activation layer: C's activation `act` with (alpha, max_value, threshold) from the layer. */
const activationKind = (factory, baseName, options, params) => ({
  factory,
  baseName,
  masking: 'passes',
  outputShape: (layer, inShape) => inShape,
  weights: () => [],
  config: (layer, first) => ({ name: layer.name, ...Object.fromEntries(options.map((k) => [k, layer[k]])), ...inputConfig(layer, first) }),
  addToC: (w, ptr, layer) => w.sn_model_add_activation(ptr, ...params(layer)),
});

/** sn.layers.reLU({ maxValue, negativeSlope: 0, threshold: 0 }): Keras' ReLU, (x > threshold ? x : 0) capped at maxValue, negativeSlope·(x − threshold) below threshold. */
export function reLU(options) {
  const config = layerOptions('reLU', options, ['maxValue', 'negativeSlope', 'threshold', ...INPUT]);
  return {
    ...common('ReLU', 'reLU', config),
    maxValue: config.maxValue === undefined || config.maxValue === null ? null : nonNegative('reLU maxValue', config.maxValue),
    negativeSlope: nonNegative('reLU negativeSlope', config.negativeSlope ?? 0),
    threshold: nonNegative('reLU threshold', config.threshold ?? 0),
  };
}
export const ReLU = activationKind(reLU, 're_lu', ['maxValue', 'negativeSlope', 'threshold'],
  (l) => [ACTIVATION.relu, l.negativeSlope, l.maxValue ?? Infinity, l.threshold]);

/** sn.layers.leakyReLU({ alpha: 0.3 }) (TF.js' default; Keras 3 calls it negative_slope): x for x > 0, alpha·x below. */
export function leakyReLU(options) {
  const config = layerOptions('leakyReLU', options, ['alpha', ...INPUT]);
  return { ...common('LeakyReLU', 'leakyReLU', config), alpha: nonNegative('leakyReLU alpha', config.alpha ?? 0.3) };
}
export const LeakyReLU = activationKind(leakyReLU, 'leaky_re_lu', ['alpha'], (l) => [ACTIVATION.relu, l.alpha, Infinity, 0]);

/** sn.layers.elu({ alpha: 1 }): x for x > 0, alpha·(e^x − 1) below. */
export function elu(options) {
  const config = layerOptions('elu', options, ['alpha', ...INPUT]);
  return { ...common('ELU', 'elu', config), alpha: nonNegative('elu alpha', config.alpha ?? 1) };
}
export const ELU = activationKind(elu, 'elu', ['alpha'], (l) => [ACTIVATION.elu, l.alpha, Infinity, 0]);

/** sn.layers.thresholdedReLU({ theta: 1 }): x for x > theta, else 0. */
export function thresholdedReLU(options) {
  const config = layerOptions('thresholdedReLU', options, ['theta', ...INPUT]);
  return { ...common('ThresholdedReLU', 'thresholdedReLU', config), theta: nonNegative('thresholdedReLU theta', config.theta ?? 1) };
}
export const ThresholdedReLU = activationKind(thresholdedReLU, 'thresholded_re_lu', ['theta'], (l) => [ACTIVATION.relu, 0, Infinity, l.theta]);

/** sn.layers.softmax({ axis: -1 }): along the last axis (-1, or its index counting the batch axis, as Keras). */
export function softmax(options) {
  const config = layerOptions('softmax', options, ['axis', ...INPUT]);
  const axis = Array.isArray(config.axis) && config.axis.length === 1 ? config.axis[0] : config.axis ?? -1;
  if (!Number.isInteger(axis) || axis < -1 || axis === 0)
    throw new Error(`softmax axis must be -1 or a positive integer (the last axis counting the batch axis), got ${JSON.stringify(config.axis)}`);
  return { ...common('Softmax', 'softmax', config), axis };
}
export const Softmax = {
  ...activationKind(softmax, 'softmax', ['axis'], () => [ACTIVATION.softmax, 0, Infinity, 0]),
  outputShape(layer, inShape) {
    if (layer.axis !== -1 && layer.axis !== inShape.length)
      throw new Error(`softmax axis ${layer.axis} is not the last axis of its input ${shapeText(inShape)}: only the last axis (-1) is supported`);
    return inShape;
  },
};

/** sn.layers.pReLU({ alphaInitializer: 'zeros', alphaRegularizer, sharedAxes }): x for x > 0, alpha·x below, alpha trained (one per element of the sample, one per shared axis). */
export function pReLU(options) {
  const config = layerOptions('pReLU', options, ['alphaInitializer', 'alphaRegularizer', 'sharedAxes', ...INPUT]);
  const shared = config.sharedAxes ?? null;
  const list = shared === null ? [] : Array.isArray(shared) ? shared : [shared];
  if (!list.every((a) => Number.isInteger(a) && a >= 1 && a <= 3))
    throw new Error(`pReLU sharedAxes must be a list of axes 1 to 3 (counting the batch axis as 0), got ${JSON.stringify(shared)}`);
  return {
    ...common('PReLU', 'pReLU', config),
    alphaInitializer: resolveInitializer(config.alphaInitializer ?? 'zeros'),
    alphaRegularizer: resolveRegularizer(config.alphaRegularizer),
    sharedAxes: shared === null ? null : [...new Set(list)].sort(),
  };
}

/** alpha's shape, as Keras builds it: the input's with the shared axes set to 1. */
function alphaShape(layer, inShape) {
  if (inShape.length > 3) throw new Error(`pReLU takes inputs of rank 1 to 3, got ${shapeText(inShape)}`);
  const shape = [...inShape];
  for (const a of layer.sharedAxes ?? []) {
    if (a > inShape.length) throw new Error(`pReLU sharedAxes ${JSON.stringify(layer.sharedAxes)}: axis ${a} is not an axis of its input ${shapeText(inShape)}`);
    shape[a - 1] = 1;
  }
  return shape;
}

export const PReLU = {
  factory: pReLU,
  baseName: 'p_re_lu',
  masking: 'passes',
  outputShape(layer, inShape) {
    alphaShape(layer, inShape);
    return inShape;
  },
  weights: (layer, inShape) => [{ name: 'alpha', slot: 0, shape: alphaShape(layer, inShape), initializer: layer.alphaInitializer, regularizer: layer.alphaRegularizer }],
  config: (layer, first) => ({
    name: layer.name, alphaInitializer: { ...layer.alphaInitializer.config }, alphaRegularizer: regularizerConfig(layer.alphaRegularizer),
    sharedAxes: layer.sharedAxes, ...inputConfig(layer, first),
  }),
  addToC: (w, ptr, layer, outShape) => w.sn_model_add_prelu(ptr, outShape.length, (layer.sharedAxes ?? []).reduce((bits, a) => bits | (1 << a), 0)),
};
