// Depthwise 2-D convolution (Keras' DepthwiseConv2D), channels last: each input
// channel convolved on its own with depthMultiplier kernels, [h, w, cin] →
// [oh, ow, cin·depthMultiplier], output channel c·depthMultiplier + m (TensorFlow's
// order). Weights depthwise_kernel [kh, kw, cin, depthMultiplier] and bias
// [cin·depthMultiplier]. Keras' defaults (glorotUniform; TF.js: glorotNormal);
// dilation as Keras (TF.js 4.22's layer ignores its dilationRate).
import { checkNumber } from '../core/names.js';
import {
  WINDOW_OPTIONS, convOutput, inputConfig, inputShapeOption, kernelConfig, kernelOptionNames, kernelOptions, layerOptions, windowArgs, windowConfig,
  windowOptions,
} from './common.js';

const KERNELS = ['depthwise'];
const OPTIONS = ['depthMultiplier', ...WINDOW_OPTIONS, ...kernelOptionNames(...KERNELS), 'inputShape'];

/** The depth multiplier, shared with separableConv2d. */
export const depthMultiplierOption = (what, config) =>
  checkNumber(`${what} depthMultiplier`, config.depthMultiplier ?? 1, { min: 1, max: 2 ** 24, integer: true });

/** The depthwise kernel's weight entry, shared with separableConv2d. */
export const depthwiseWeight = (layer, inShape) => (
  { name: 'depthwise_kernel', slot: 0, shape: [...layer.kernelSize, inShape[2], layer.depthMultiplier], initializer: layer.depthwiseInitializer, regularizer: layer.depthwiseRegularizer });

/** sn.layers.depthwiseConv2d({ kernelSize, depthMultiplier = 1, strides = 1, padding = 'valid', dilationRate = 1, activation, useBias, … }). */
export function depthwiseConv2d(options) {
  const config = layerOptions('depthwiseConv2d', options, OPTIONS);
  const window = windowOptions('depthwiseConv2d', config);
  return {
    type: 'DepthwiseConv2D',
    name: config.name,
    depthMultiplier: depthMultiplierOption('depthwiseConv2d', config),
    ...window,
    ...kernelOptions('depthwiseConv2d', config, KERNELS),
    inputShape: inputShapeOption('depthwiseConv2d', config),
  };
}

export const DepthwiseConv2D = {
  factory: depthwiseConv2d,
  baseName: 'depthwise_conv2d',
  outputShape: (layer, inShape) => [...convOutput(layer, inShape), inShape[2] * layer.depthMultiplier],
  weights: (layer, inShape) => [
    depthwiseWeight(layer, inShape),
    ...(layer.useBias ? [{ name: 'bias', slot: 1, shape: [inShape[2] * layer.depthMultiplier], initializer: layer.biasInitializer, regularizer: layer.biasRegularizer }] : []),
  ],
  multiplyAdds: (layer, inShape, outShape) => outShape[0] * outShape[1] * layer.kernelSize[0] * layer.kernelSize[1] * outShape[2],
  config: (layer, first) => ({
    name: layer.name, depthMultiplier: layer.depthMultiplier, ...windowConfig(layer), ...kernelConfig(layer, KERNELS), ...inputConfig(layer, first),
  }),
  addToC: (w, ptr, layer) => w.sn_model_add_depthwise_conv2d(ptr, layer.depthMultiplier, ...windowArgs(layer), layer.activation.kind, layer.activation.alpha, layer.useBias ? 1 : 0),
};
