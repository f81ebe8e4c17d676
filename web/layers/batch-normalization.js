// Batch normalization over the last axis (Keras' axis −1), after dense or conv
// layers: batch statistics in training, the moving mean and variance at
// inference (evaluate, predict, validation). The moving statistics are
// non-trainable weights: in getWeights() and setWeights(), never stepped by
// the optimizer; updated as Keras does (moving·momentum + batch·(1 − momentum),
// the batch's biased variance) after every training step.
import { resolveInitializer } from './initializers.js';
import { checkNumber } from '../core/names.js';
import { affineOptions, affineWeights, lastAxisShape } from './normalization.js';
import { inputConfig, inputShapeOption, layerOptions, regularizerConfig } from './common.js';

const OPTIONS = ['axis', 'momentum', 'epsilon', 'center', 'scale', 'betaInitializer', 'gammaInitializer',
  'movingMeanInitializer', 'movingVarianceInitializer', 'betaRegularizer', 'gammaRegularizer', 'inputShape', 'inputDim'];

/** sn.layers.batchNormalization({ axis: -1, momentum: 0.99, epsilon: 0.001, center: true, scale: true, … }). */
export function batchNormalization(options) {
  const config = layerOptions('batchNormalization', options, OPTIONS);
  const axis = config.axis ?? -1;
  if (!Number.isInteger(axis) || axis < -1)
    throw new Error(`batchNormalization axis must be -1 (the last axis, channels-last), got ${JSON.stringify(axis)}`);
  return {
    type: 'BatchNormalization',
    name: config.name,
    axis,
    momentum: checkNumber('batchNormalization momentum', config.momentum ?? 0.99, { min: 0, max: 1 }),
    ...affineOptions('batchNormalization', config),
    movingMeanInitializer: resolveInitializer(config.movingMeanInitializer ?? 'zeros'),
    movingVarianceInitializer: resolveInitializer(config.movingVarianceInitializer ?? 'ones'),
    inputShape: inputShapeOption('batchNormalization', config),
  };
}

export const BatchNormalization = {
  factory: batchNormalization,
  baseName: 'batch_normalization',
  masking: 'passes',
  outputShape: lastAxisShape,
  weights(layer, inShape) {
    const shape = [inShape.at(-1)];
    return [
      ...affineWeights(layer, inShape),
      { name: 'moving_mean', slot: 2, shape, initializer: layer.movingMeanInitializer, trainable: false },
      { name: 'moving_variance', slot: 3, shape, initializer: layer.movingVarianceInitializer, trainable: false },
    ];
  },
  config: (layer, first) => ({
    name: layer.name, axis: layer.axis, momentum: layer.momentum, epsilon: layer.epsilon, center: layer.center, scale: layer.scale,
    gammaInitializer: { ...layer.gammaInitializer.config }, betaInitializer: { ...layer.betaInitializer.config },
    movingMeanInitializer: { ...layer.movingMeanInitializer.config }, movingVarianceInitializer: { ...layer.movingVarianceInitializer.config },
    gammaRegularizer: regularizerConfig(layer.gammaRegularizer), betaRegularizer: regularizerConfig(layer.betaRegularizer), ...inputConfig(layer, first),
  }),
  addToC: (w, ptr, layer) => w.sn_model_add_batch_norm(ptr, layer.momentum, layer.epsilon, layer.center ? 1 : 0, layer.scale ? 1 : 0),
};
