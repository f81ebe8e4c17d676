// Dense (fully connected): output = activation(input · kernel + bias), kernel
// [inputs, units]. On the flattened input: a first layer with inputShape
// [28, 28] flattens it; later layers need a vector input (Keras would apply
// Dense to the last axis of an image; we refuse and say to add flatten()).
import { checkNumber } from '../core/names.js';
import { KERNEL_OPTIONS, inputConfig, inputShapeOption, kernelConfig, kernelOptions, layerOptions, shapeText, sizeOf } from './common.js';

const OPTIONS = ['units', ...KERNEL_OPTIONS, 'inputShape', 'inputDim'];

/** sn.layers.dense({ units, activation, useBias, kernelInitializer, biasInitializer, …Regularizer, inputShape }). */
export function dense(options) {
  const config = layerOptions('dense', options, OPTIONS);
  const inputShape = inputShapeOption('dense', config);
  return {
    type: 'Dense',
    name: config.name,
    units: checkNumber('dense units', config.units, { min: 1, integer: true }),
    ...kernelOptions('dense', config),
    inputShape,
    inputSize: inputShape === undefined ? undefined : sizeOf(inputShape),
  };
}

export const Dense = {
  factory: dense,
  baseName: 'dense',
  outputShape(layer, inShape, first) {
    if (inShape.length > 1 && !first)
      throw new Error(`gets an input of shape ${shapeText(inShape)}: add sn.layers.flatten() before it (simdnet's Dense takes vectors)`);
    return [layer.units];
  },
  /** The model entry keeps the flat input size (the model file and TF.js export read it). */
  entry: (layer, inShape) => ({ inputSize: sizeOf(inShape) }),
  weights: (layer, inShape) => [
    { name: 'kernel', slot: 0, shape: [sizeOf(inShape), layer.units], initializer: layer.kernelInitializer, regularizer: layer.kernelRegularizer },
    ...(layer.useBias ? [{ name: 'bias', slot: 1, shape: [layer.units], initializer: layer.biasInitializer, regularizer: layer.biasRegularizer }] : []),
  ],
  multiplyAdds: (layer, inShape) => sizeOf(inShape) * layer.units,
  config: (layer, first) => ({ name: layer.name, units: layer.units, ...kernelConfig(layer), ...inputConfig(layer, first) }),
  addToC: (w, ptr, layer) => w.sn_model_add_dense(ptr, layer.units, layer.activation.kind, layer.activation.alpha, layer.useBias ? 1 : 0),
};
