// A standalone activation layer (Keras' Activation): the same values through
// an activation, in any shape (softmax along the last axis).
import { resolveActivation } from './activations.js';
import { activationConfig, inputConfig, inputShapeOption, layerOptions } from './common.js';

/** sn.layers.activation({ activation }). */
export function activation(options) {
  const config = layerOptions('activation', options, ['activation', 'inputShape', 'inputDim']);
  if (config.activation === undefined) throw new Error("activation needs activation, e.g. { activation: 'relu' }");
  return { type: 'Activation', name: config.name, activation: resolveActivation(config.activation), inputShape: inputShapeOption('activation', config) };
}

export const Activation = {
  factory: activation,
  baseName: 'activation',
  masking: 'passes',
  outputShape: (layer, inShape) => inShape,
  weights: () => [],
  config: (layer, first) => ({ name: layer.name, activation: activationConfig(layer.activation), ...inputConfig(layer, first) }),
  addToC: (w, ptr, layer) => w.sn_model_add_activation(ptr, layer.activation.kind, layer.activation.alpha, Infinity, 0),
};
