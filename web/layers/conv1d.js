// 1-D convolution over sequences, channels last: [steps, cin] → [osteps, filters],
// kernel [kernelSize, cin, filters] (Keras' layout). In C it is a conv2d on the
// sequence as a 1 × steps × cin image (sn_model_add_conv1d names its kernel's
// 1-D shape). padding 'causal' is Keras': (kernelSize − 1)·dilationRate zeros
// before the first step, so output t reads inputs up to t only. TF.js 4.22's
// Conv1D lacks 'causal' (it throws in call()); toTfjs refuses it.
import { PADDING } from '../../dist/constants.js';
import { checkNumber } from '../core/names.js';
import {
  KERNEL_OPTIONS, checkDataFormat, checkPadding, checkSingle, inputConfig, inputShapeOption, kernelConfig, kernelOptions, layerOptions,
  sequenceInput, shapeText, windowOutput,
} from './common.js';

const OPTIONS = ['filters', 'kernelSize', 'strides', 'padding', 'dataFormat', 'dilationRate', ...KERNEL_OPTIONS, 'inputShape'];

/** sn.layers.conv1d({ filters, kernelSize, strides = 1, padding = 'valid' | 'same' | 'causal', dilationRate = 1, activation, useBias, … }). */
export function conv1d(options) {
  const config = layerOptions('conv1d', options, OPTIONS);
  if (config.kernelSize === undefined) throw new Error('conv1d needs kernelSize, e.g. kernelSize: 3');
  const strides = checkSingle('conv1d strides', config.strides ?? 1), dilationRate = checkSingle('conv1d dilationRate', config.dilationRate ?? 1);
  if (strides[0] > 1 && dilationRate[0] > 1)
    throw new Error(`conv1d: strides ${strides[0]} > 1 together with dilationRate ${dilationRate[0]} > 1 is not supported (as in TensorFlow and Keras)`);
  return {
    type: 'Conv1D',
    name: config.name,
    filters: checkNumber('conv1d filters', config.filters, { min: 1, max: 2 ** 24, integer: true }),
    kernelSize: checkSingle('conv1d kernelSize', config.kernelSize),
    strides,
    padding: checkPadding('conv1d', config.padding, true),
    dataFormat: checkDataFormat('conv1d', config.dataFormat),
    dilationRate,
    ...kernelOptions('conv1d', config),
    inputShape: inputShapeOption('conv1d', config),
  };
}

/** The output's steps, or an Error when the kernel does not fit a 'valid' input. */
function outputSteps(layer, inShape) {
  const [steps] = sequenceInput(inShape);
  const [k] = layer.kernelSize, [d] = layer.dilationRate;
  const out = windowOutput(steps, k, layer.strides[0], d, layer.padding);
  if (out < 1)
    throw new Error(`its kernel of ${k}${d > 1 ? ` (dilated ${d}: ${(k - 1) * d + 1} steps)` : ''} is longer than its input of shape ${shapeText(inShape)} with padding 'valid'`);
  return out;
}

export const Conv1D = {
  factory: conv1d,
  baseName: 'conv1d',
  outputShape: (layer, inShape) => [outputSteps(layer, inShape), layer.filters],
  weights: (layer, inShape) => [
    { name: 'kernel', slot: 0, shape: [layer.kernelSize[0], inShape[1], layer.filters], initializer: layer.kernelInitializer, regularizer: layer.kernelRegularizer },
    ...(layer.useBias ? [{ name: 'bias', slot: 1, shape: [layer.filters], initializer: layer.biasInitializer, regularizer: layer.biasRegularizer }] : []),
  ],
  multiplyAdds: (layer, inShape, outShape) => outShape[0] * layer.kernelSize[0] * inShape[1] * layer.filters,
  // TF.js' Conv1D config has no dataFormat (tfjs-layers convolutional.ts, Conv1D.getConfig).
  config: (layer, first) => ({
    name: layer.name, filters: layer.filters, kernelSize: [...layer.kernelSize], strides: [...layer.strides], padding: layer.padding,
    dilationRate: [...layer.dilationRate], ...kernelConfig(layer), ...inputConfig(layer, first),
  }),
  addToC: (w, ptr, layer) => w.sn_model_add_conv1d(ptr, layer.filters, layer.kernelSize[0], layer.strides[0], layer.dilationRate[0], PADDING[layer.padding],
    layer.activation.kind, layer.activation.alpha, layer.useBias ? 1 : 0),
};
