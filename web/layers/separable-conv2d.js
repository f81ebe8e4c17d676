// Separable 2-D convolution (Keras' SeparableConv2D): a depthwise convolution
// (depthwise-conv2d.js, no bias) then a 1×1 convolution to `filters`. Weights in
// Keras' order: depthwise_kernel [kh, kw, cin, depthMultiplier], pointwise_kernel
// [1, 1, cin·depthMultiplier, filters], bias [filters].
import { checkNumber } from '../core/names.js';
import {
  WINDOW_OPTIONS, convOutput, inputConfig, inputShapeOption, kernelConfig, kernelOptionNames, kernelOptions, layerOptions, windowArgs, windowConfig,
  windowOptions,
} from './common.js';
import { depthMultiplierOption, depthwiseWeight } from './depthwise-conv2d.js';

const KERNELS = ['depthwise', 'pointwise'];
const OPTIONS = ['filters', 'depthMultiplier', ...WINDOW_OPTIONS, ...kernelOptionNames(...KERNELS), 'inputShape'];

/** sn.layers.separableConv2d({ filters, kernelSize, depthMultiplier = 1, strides = 1, padding = 'valid', dilationRate = 1, activation, useBias, … }). */
export function separableConv2d(options) {
  const config = layerOptions('separableConv2d', options, OPTIONS);
  const window = windowOptions('separableConv2d', config);
  return {
    type: 'SeparableConv2D',
    name: config.name,
    filters: checkNumber('separableConv2d filters', config.filters, { min: 1, max: 2 ** 24, integer: true }),
    depthMultiplier: depthMultiplierOption('separableConv2d', config),
    ...window,
    ...kernelOptions('separableConv2d', config, KERNELS),
    inputShape: inputShapeOption('separableConv2d', config),
  };
}

export const SeparableConv2D = {
  factory: separableConv2d,
  baseName: 'separable_conv2d',
  outputShape: (layer, inShape) => [...convOutput(layer, inShape), layer.filters],
  weights: (layer, inShape) => [
    depthwiseWeight(layer, inShape),
    { name: 'pointwise_kernel', slot: 1, shape: [1, 1, inShape[2] * layer.depthMultiplier, layer.filters], initializer: layer.pointwiseInitializer, regularizer: layer.pointwiseRegularizer },
    ...(layer.useBias ? [{ name: 'bias', slot: 2, shape: [layer.filters], initializer: layer.biasInitializer, regularizer: layer.biasRegularizer }] : []),
  ],
  multiplyAdds: (layer, inShape, outShape) => outShape[0] * outShape[1] * inShape[2] * layer.depthMultiplier * (layer.kernelSize[0] * layer.kernelSize[1] + layer.filters),
  config: (layer, first) => ({
    name: layer.name, filters: layer.filters, depthMultiplier: layer.depthMultiplier, ...windowConfig(layer), ...kernelConfig(layer, KERNELS), ...inputConfig(layer, first),
  }),
  addToC: (w, ptr, layer) => w.sn_model_add_separable_conv2d(ptr, layer.filters, layer.depthMultiplier, ...windowArgs(layer), layer.activation.kind, layer.activation.alpha,
    layer.useBias ? 1 : 0),
};
