// Transposed 2-D convolution (Keras' Conv2DTranspose), channels last: [h, w, cin]
// → [oh, ow, filters], kernel [kh, kw, filters, cin] (Keras' layout). The output
// size is Keras' (keras/src/backend/common/backend_utils.py,
// _get_output_shape_given_tf_padding): without outputPadding 'valid' gives
// h·s + max(k − s, 0) and 'same' h·s; with it, (h − 1)·s + k + p ('valid') or
// (h − 1)·s + k % 2 + p ('same'). No dilation (TF.js' layer has none).
import { checkNumber } from '../core/names.js';
import {
  KERNEL_OPTIONS, WINDOW_OPTIONS, checkPair, imageInput, inputConfig, inputShapeOption, kernelConfig, kernelOptions, layerOptions, shapeText, windowConfig,
  windowOptions, windowOutput,
} from './common.js';

const OPTIONS = ['filters', ...WINDOW_OPTIONS, 'outputPadding', ...KERNEL_OPTIONS, 'inputShape'];

/** sn.layers.conv2dTranspose({ filters, kernelSize, strides = 1, padding = 'valid', outputPadding = null, activation, useBias, … }). */
export function conv2dTranspose(options) {
  const config = layerOptions('conv2dTranspose', options, OPTIONS);
  const window = windowOptions('conv2dTranspose', config);
  if (window.dilationRate.some((d) => d > 1)) throw new Error(`conv2dTranspose: dilationRate [${window.dilationRate}] is not supported (only 1, as TF.js' Conv2DTranspose)`);
  const outputPadding = config.outputPadding === undefined || config.outputPadding === null ? null : checkPair('conv2dTranspose outputPadding', config.outputPadding, 0);
  if (outputPadding?.some((p, i) => p >= window.strides[i]))
    throw new Error(`conv2dTranspose: outputPadding [${outputPadding}] must be less than strides [${window.strides}] (as in Keras)`);
  return {
    type: 'Conv2DTranspose',
    name: config.name,
    filters: checkNumber('conv2dTranspose filters', config.filters, { min: 1, max: 2 ** 24, integer: true }),
    ...window,
    outputPadding,
    ...kernelOptions('conv2dTranspose', config),
    inputShape: inputShapeOption('conv2dTranspose', config),
  };
}

/** Keras' output length along one axis (p null: no outputPadding). */
function deconvLength(n, k, s, p, padding) {
  if (p === null) return padding === 'same' ? n * s : n * s + Math.max(k - s, 0);
  return (n - 1) * s + (padding === 'same' ? k % 2 : k) + p;
}

export const Conv2DTranspose = {
  factory: conv2dTranspose,
  baseName: 'conv2d_transpose',
  outputShape(layer, inShape) {
    const [h, w] = imageInput(inShape);
    const [kh, kw] = layer.kernelSize, [sh, sw] = layer.strides, [ph, pw] = layer.outputPadding ?? [null, null];
    const out = [deconvLength(h, kh, sh, ph, layer.padding), deconvLength(w, kw, sw, pw, layer.padding)];
    // TensorFlow runs it as the input gradient of the convolution from out back to [h, w], which must exist.
    if (windowOutput(out[0], kh, sh, 1, layer.padding) !== h || windowOutput(out[1], kw, sw, 1, layer.padding) !== w)
      throw new Error(`its ${kh}×${kw} kernel with strides [${layer.strides}] and outputPadding [${layer.outputPadding}] gives an output of ${out.join('×')}, ` +
        `which a convolution does not map back onto its input of shape ${shapeText(inShape)} (TensorFlow refuses it too)`);
    return [...out, layer.filters];
  },
  weights: (layer, inShape) => [
    { name: 'kernel', slot: 0, shape: [...layer.kernelSize, layer.filters, inShape[2]], initializer: layer.kernelInitializer, regularizer: layer.kernelRegularizer },
    ...(layer.useBias ? [{ name: 'bias', slot: 1, shape: [layer.filters], initializer: layer.biasInitializer, regularizer: layer.biasRegularizer }] : []),
  ],
  multiplyAdds: (layer, inShape) => inShape[0] * inShape[1] * layer.kernelSize[0] * layer.kernelSize[1] * inShape[2] * layer.filters,
  config: (layer, first) => ({
    name: layer.name, filters: layer.filters, ...windowConfig(layer), outputPadding: layer.outputPadding && [...layer.outputPadding], ...kernelConfig(layer),
    ...inputConfig(layer, first),
  }),
  addToC: (w, ptr, layer) => w.sn_model_add_conv2d_transpose(ptr, layer.filters, ...layer.kernelSize, ...layer.strides, ...(layer.outputPadding ?? [-1, -1]),
    layer.padding === 'same' ? 1 : 0, layer.activation.kind, layer.activation.alpha, layer.useBias ? 1 : 0),
};
