// 2-D convolution, channels last: [h, w, cin] → [oh, ow, filters], kernel
// [kh, kw, cin, filters] (Keras' layout). TF.js' options and defaults, Keras'
// kernel initializer (glorotUniform; TF.js defaults to glorotNormal).
import { checkNumber } from '../core/names.js';
import {
  KERNEL_OPTIONS, checkDataFormat, checkPadding, checkPair, imageInput, inputConfig, inputShapeOption, kernelConfig, kernelOptions, layerOptions,
  shapeText, windowOutput,
} from './common.js';

const OPTIONS = ['filters', 'kernelSize', 'strides', 'padding', 'dataFormat', 'dilationRate', ...KERNEL_OPTIONS, 'inputShape'];

/** sn.layers.conv2d({ filters, kernelSize, strides = 1, padding = 'valid', dilationRate = 1, activation, useBias, … }). */
export function conv2d(options) {
  const config = layerOptions('conv2d', options, OPTIONS);
  if (config.kernelSize === undefined) throw new Error('conv2d needs kernelSize, e.g. kernelSize: 3 or [3, 3]');
  const strides = checkPair('conv2d strides', config.strides ?? 1);
  const dilationRate = checkPair('conv2d dilationRate', config.dilationRate ?? 1);
  if (strides.some((s) => s > 1) && dilationRate.some((d) => d > 1))
    throw new Error(`conv2d: strides [${strides}] > 1 together with dilationRate [${dilationRate}] > 1 is not supported (as in TensorFlow and Keras)`);
  return {
    type: 'Conv2D',
    name: config.name,
    filters: checkNumber('conv2d filters', config.filters, { min: 1, max: 2 ** 24, integer: true }),
    kernelSize: checkPair('conv2d kernelSize', config.kernelSize),
    strides,
    padding: checkPadding('conv2d', config.padding),
    dataFormat: checkDataFormat('conv2d', config.dataFormat),
    dilationRate,
    ...kernelOptions('conv2d', config),
    inputShape: inputShapeOption('conv2d', config),
  };
}

export const Conv2D = {
  factory: conv2d,
  baseName: 'conv2d',
  outputShape(layer, inShape) {
    const [h, w] = imageInput(inShape);
    const [kh, kw] = layer.kernelSize, [sh, sw] = layer.strides, [dh, dw] = layer.dilationRate;
    const out = [windowOutput(h, kh, sh, dh, layer.padding), windowOutput(w, kw, sw, dw, layer.padding), layer.filters];
    if (out[0] < 1 || out[1] < 1)
      throw new Error(`its ${kh}×${kw} kernel${dh > 1 || dw > 1 ? ` (dilated ${dh}×${dw})` : ''} does not fit an input of shape ${shapeText(inShape)} with padding 'valid'`);
    return out;
  },
  weights: (layer, inShape) => [
    { name: 'kernel', slot: 0, shape: [...layer.kernelSize, inShape[2], layer.filters], initializer: layer.kernelInitializer, regularizer: layer.kernelRegularizer },
    ...(layer.useBias ? [{ name: 'bias', slot: 1, shape: [layer.filters], initializer: layer.biasInitializer, regularizer: layer.biasRegularizer }] : []),
  ],
  multiplyAdds: (layer, inShape, outShape) => outShape[0] * outShape[1] * layer.kernelSize[0] * layer.kernelSize[1] * inShape[2] * layer.filters,
  config: (layer, first) => ({
    name: layer.name, filters: layer.filters, kernelSize: [...layer.kernelSize], strides: [...layer.strides], padding: layer.padding,
    dataFormat: layer.dataFormat, dilationRate: [...layer.dilationRate], ...kernelConfig(layer), ...inputConfig(layer, first),
  }),
  addToC: (w, ptr, layer) => w.sn_model_add_conv2d(ptr, layer.filters, ...layer.kernelSize, ...layer.strides, ...layer.dilationRate,
    layer.padding === 'same' ? 1 : 0, layer.activation.kind, layer.activation.alpha, layer.useBias ? 1 : 0),
};
