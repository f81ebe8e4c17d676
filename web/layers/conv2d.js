// 2-D convolution, channels last: [h, w, cin] → [oh, ow, filters], kernel
// [kh, kw, cin, filters] (Keras' layout). TF.js' options and defaults, Keras'
// kernel initializer (glorotUniform; TF.js defaults to glorotNormal).
import { checkNumber } from '../core/names.js';
import {
  KERNEL_OPTIONS, WINDOW_OPTIONS, convOutput, inputConfig, inputShapeOption, kernelConfig, kernelOptions, layerOptions, windowArgs, windowConfig, windowOptions,
} from './common.js';

const OPTIONS = ['filters', ...WINDOW_OPTIONS, ...KERNEL_OPTIONS, 'inputShape'];

/** sn.layers.conv2d({ filters, kernelSize, strides = 1, padding = 'valid', dilationRate = 1, activation, useBias, … }). */
export function conv2d(options) {
  const config = layerOptions('conv2d', options, OPTIONS);
  const window = windowOptions('conv2d', config);
  return {
    type: 'Conv2D',
    name: config.name,
    filters: checkNumber('conv2d filters', config.filters, { min: 1, max: 2 ** 24, integer: true }),
    ...window,
    ...kernelOptions('conv2d', config),
    inputShape: inputShapeOption('conv2d', config),
  };
}

export const Conv2D = {
  factory: conv2d,
  baseName: 'conv2d',
  outputShape: (layer, inShape) => [...convOutput(layer, inShape), layer.filters],
  weights: (layer, inShape) => [
    { name: 'kernel', slot: 0, shape: [...layer.kernelSize, inShape[2], layer.filters], initializer: layer.kernelInitializer, regularizer: layer.kernelRegularizer },
    ...(layer.useBias ? [{ name: 'bias', slot: 1, shape: [layer.filters], initializer: layer.biasInitializer, regularizer: layer.biasRegularizer }] : []),
  ],
  multiplyAdds: (layer, inShape, outShape) => outShape[0] * outShape[1] * layer.kernelSize[0] * layer.kernelSize[1] * inShape[2] * layer.filters,
  config: (layer, first) => ({ name: layer.name, filters: layer.filters, ...windowConfig(layer), ...kernelConfig(layer), ...inputConfig(layer, first) }),
  addToC: (w, ptr, layer) => w.sn_model_add_conv2d(ptr, layer.filters, ...windowArgs(layer), layer.activation.kind, layer.activation.alpha, layer.useBias ? 1 : 0),
};
