// Layer normalization over the last axis (Keras' LayerNormalization, TF.js'
// layerNormalization): each position's vector (a step of a sequence, a pixel's
// channels) is normalized by its own mean and variance, in training and
// inference alike: gamma·(x − mean)/√(var + epsilon) + beta, gamma and beta of
// the last axis' size (c/layer_layer_norm.c). Only the last axis: Keras and
// TF.js also normalize over several axes. Keras 3's deprecated rms_scaling is
// not offered (an import with it set is refused).
import { affineOptions, affineWeights, lastAxisShape } from './normalization.js';
import { inputConfig, inputShapeOption, layerOptions, regularizerConfig } from './common.js';

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
    ...affineOptions('layerNormalization', config),
    inputShape: inputShapeOption('layerNormalization', config),
  };
}

export const LayerNormalization = {
  factory: layerNormalization,
  baseName: 'layer_normalization',
  masking: 'passes',
  outputShape: lastAxisShape, // [steps, features] normalizes axis 2, counting the batch axis as Keras and TF.js
  weights: affineWeights,
  multiplyAdds: (layer, inShape) => inShape.reduce((n, d) => n * d, 1) * 4, // mean, variance, normalize, scale and shift
  config: (layer, first) => ({
    name: layer.name, axis: layer.axis, epsilon: layer.epsilon, center: layer.center, scale: layer.scale,
    gammaInitializer: { ...layer.gammaInitializer.config }, betaInitializer: { ...layer.betaInitializer.config },
    gammaRegularizer: regularizerConfig(layer.gammaRegularizer), betaRegularizer: regularizerConfig(layer.betaRegularizer), ...inputConfig(layer, first),
  }),
  addToC: (w, ptr, layer) => w.sn_model_add_layer_norm(ptr, layer.epsilon, layer.center ? 1 : 0, layer.scale ? 1 : 0),
};
