// Layer normalization over the last axis (Keras' LayerNormalization, TF.js'
// layerNormalization): each position's vector (a step of a sequence, a pixel's
// channels) is normalized by its own mean and variance, in training and
// inference alike: gamma·(x − mean)/√(var + epsilon) + beta, gamma and beta of
// the last axis' size (c/layer_layer_norm.c). Only the last axis: Keras and
// TF.js also normalize over several axes. Keras 3's deprecated rms_scaling is
// not offered (an import with it set is refused).
import { resolveInitializer } from './initializers.js';
import { checkBoolean, checkNumber } from '../core/names.js';
import { resolveRegularizer } from './regularizers.js';
import { inputConfig, inputShapeOption, layerOptions, regularizerConfig, shapeText } from './common.js';

const OPTIONS = ['axis', 'epsilon', 'center', 'scale', 'betaInitializer', 'gammaInitializer', 'betaRegularizer', 'gammaRegularizer', 'inputShape', 'inputDim'];

/** The axis as one integer: -1, the last axis counted with the batch (2 for [steps, features]), or a list of one of them (TF.js writes [2]). */
function checkAxis(axis) {
  const value = Array.isArray(axis) && axis.length === 1 ? axis[0] : axis;
  if (!Number.isInteger(value) || value < -1 || value === 0)
    throw new Error(`layerNormalization axis must be -1 (the last axis), got ${JSON.stringify(axis)}: only the last axis is supported`);
  return value;
}

/** sn.layers.layerNormalization({ axis: -1, epsilon: 0.001, center: true, scale: true, betaInitializer, gammaInitializer, …Regularizer }). */
export function layerNormalization(options = {}) {
  const config = layerOptions('layerNormalization', options, OPTIONS);
  return {
    type: 'LayerNormalization',
    name: config.name,
    axis: checkAxis(config.axis ?? -1),
    epsilon: checkNumber('layerNormalization epsilon', config.epsilon ?? 1e-3, { min: 1e-30 }),
    center: checkBoolean('layerNormalization center', config.center ?? true),
    scale: checkBoolean('layerNormalization scale', config.scale ?? true),
    gammaInitializer: resolveInitializer(config.gammaInitializer ?? 'ones'),
    betaInitializer: resolveInitializer(config.betaInitializer ?? 'zeros'),
    gammaRegularizer: resolveRegularizer(config.gammaRegularizer),
    betaRegularizer: resolveRegularizer(config.betaRegularizer),
    inputShape: inputShapeOption('layerNormalization', config),
  };
}

export const LayerNormalization = {
  factory: layerNormalization,
  baseName: 'layer_normalization',
  outputShape(layer, inShape) {
    // Keras and TF.js count the batch axis: [steps, features] normalizes axis 2.
    if (layer.axis !== -1 && layer.axis !== inShape.length)
      throw new Error(`axis ${layer.axis} is not the last axis of its input ${shapeText(inShape)}: only the last axis (-1) is supported`);
    return inShape;
  },
  weights(layer, inShape) {
    const shape = [inShape.at(-1)];
    return [
      ...(layer.scale ? [{ name: 'gamma', slot: 0, shape, initializer: layer.gammaInitializer, regularizer: layer.gammaRegularizer }] : []),
      ...(layer.center ? [{ name: 'beta', slot: 1, shape, initializer: layer.betaInitializer, regularizer: layer.betaRegularizer }] : []),
    ];
  },
  multiplyAdds: (layer, inShape) => inShape.reduce((n, d) => n * d, 1) * 4, // mean, variance, normalize, scale and shift
  config: (layer, first) => ({
    name: layer.name, axis: layer.axis, epsilon: layer.epsilon, center: layer.center, scale: layer.scale,
    gammaInitializer: { ...layer.gammaInitializer.config }, betaInitializer: { ...layer.betaInitializer.config },
    gammaRegularizer: regularizerConfig(layer.gammaRegularizer), betaRegularizer: regularizerConfig(layer.betaRegularizer), ...inputConfig(layer, first),
  }),
  addToC: (w, ptr, layer) => w.sn_model_add_layer_norm(ptr, layer.epsilon, layer.center ? 1 : 0, layer.scale ? 1 : 0),
};
