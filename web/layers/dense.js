// Dense (fully connected): output = activation(input · kernel + bias), kernel
// [inputs, units], on the last axis of its input as in Keras
// (keras/src/layers/core/dense.py: kernel (input_shape[-1], units); an input
// [steps, features] gives [steps, units], the same kernel at every step). One
// older deviation is kept: the first layer of a Sequential given an inputShape
// of rank > 1 flattens it ([28, 28] → 784 inputs, output [units]), as the README
// has always said and as saved models (and code) written for it expect; toTfjs
// writes a Flatten before such a layer. For Keras' Dense there, start with
// sn.input (a functional model), timeDistributed, or any other layer.
import { checkNumber } from '../core/names.js';
import { KERNEL_OPTIONS, inputConfig, inputShapeOption, kernelConfig, kernelOptions, layerOptions, sizeOf } from './common.js';

const OPTIONS = ['units', ...KERNEL_OPTIONS, 'inputShape', 'inputDim'];

/** Whether a Dense flattens its input: only as a Sequential's first layer, on an input of rank > 1. */
const flattens = (inShape, first) => Boolean(first) && inShape.length > 1;

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
  masking: (layer) => (layer.flattens ? undefined : 'passes'), // a mask per step cannot follow a flattened input
  /** `first`: the first layer of a Sequential, which flattens an input of rank > 1 (see above). */
  outputShape(layer, inShape, first) {
    return flattens(inShape, first) ? [layer.units] : [...inShape.slice(0, -1), layer.units];
  },
  /** The model entry says whether it flattens (a Sequential's first layer) and keeps the flat input size. */
  entry: (layer, inShape, first) => ({ inputSize: sizeOf(inShape), flattens: flattens(inShape, first) }),
  weights: (layer, inShape) => [
    { name: 'kernel', slot: 0, shape: [layer.flattens ? sizeOf(inShape) : inShape.at(-1), layer.units], initializer: layer.kernelInitializer, regularizer: layer.kernelRegularizer },
    ...(layer.useBias ? [{ name: 'bias', slot: 1, shape: [layer.units], initializer: layer.biasInitializer, regularizer: layer.biasRegularizer }] : []),
  ],
  multiplyAdds: (layer, inShape) => sizeOf(inShape) * layer.units,
  config: (layer, first) => ({ name: layer.name, units: layer.units, ...kernelConfig(layer), ...inputConfig(layer, first) }),
  addToC: (w, ptr, layer) => w.sn_model_add_dense_axis(ptr, layer.units, layer.activation.kind, layer.activation.alpha, layer.useBias ? 1 : 0, layer.flattens ? 0 : 1),
};
