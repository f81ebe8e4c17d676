// sn.applications.mobileNetV2: Keras' MobileNetV2 architecture, layer for layer
// and name for name (keras/src/applications/mobilenet_v2.py, Keras 3), so that
// weights saved from Keras or TF.js load into it by name (model.setWeights or
// sn.fromTfjs's names) and its parameter counts are Keras' own. The weights are
// drawn from the model's seed: no file is fetched.
import { checkBoolean, checkNumber, checkOptions } from '../core/names.js';
import { input } from '../model/graph.js';
import { model } from '../model/model.js';
import { layers } from '../layers/index.js';

// Keras' channel rounding: the nearest multiple of 8, never less than 8 nor
// more than 10% below v.
function makeDivisible(v, divisor = 8) {
  const rounded = Math.max(divisor, Math.floor((v + divisor / 2) / divisor) * divisor);
  return rounded < 0.9 * v ? rounded + divisor : rounded;
}

// Batch normalization and ReLU6 as Keras' MobileNetV2 puts them after each convolution.
const bn = (x, name) => layers.batchNormalization({ axis: -1, epsilon: 1e-3, momentum: 0.999, name }).apply(x);
const relu6 = (x, name) => layers.reLU({ maxValue: 6, name }).apply(x);

// The zero padding before a stride-2 depthwise convolution (imagenet_utils.correct_pad):
// one row/column more at the bottom/right when the size is even.
function correctPad([h, w], k) {
  const half = Math.floor(k / 2);
  return [[half - (1 - (h % 2)), half], [half - (1 - (w % 2)), half]];
}

// _inverted_res_block: expand (1×1), depthwise (3×3), project (1×1), with a
// residual when the shape is kept.
function invertedResBlock(inputs, { expansion, stride, alpha, filters, blockId }) {
  const inChannels = inputs.shape.at(-1);
  const pointwiseFilters = makeDivisible(Math.trunc(filters * alpha));
  let prefix = `block_${blockId}_`;
  let x = inputs;
  if (blockId) {
    x = layers.conv2d({ filters: expansion * inChannels, kernelSize: 1, padding: 'same', useBias: false, name: `${prefix}expand` }).apply(x);
    x = relu6(bn(x, `${prefix}expand_BN`), `${prefix}expand_relu`);
  } else {
    prefix = 'expanded_conv_';
  }
  if (stride === 2) x = layers.zeroPadding2d({ padding: correctPad(x.shape.slice(1, 3), 3), name: `${prefix}pad` }).apply(x);
  x = layers.depthwiseConv2d({ kernelSize: 3, strides: stride, useBias: false, padding: stride === 1 ? 'same' : 'valid', name: `${prefix}depthwise` }).apply(x);
  x = relu6(bn(x, `${prefix}depthwise_BN`), `${prefix}depthwise_relu`);
  x = layers.conv2d({ filters: pointwiseFilters, kernelSize: 1, padding: 'same', useBias: false, name: `${prefix}project` }).apply(x);
  x = bn(x, `${prefix}project_BN`);
  return inChannels === pointwiseFilters && stride === 1 ? layers.add({ name: `${prefix}add` }).apply([inputs, x]) : x;
}

// [expansion, stride, filters] of blocks 0…16.
const BLOCKS = [
  [1, 1, 16], [6, 2, 24], [6, 1, 24], [6, 2, 32], [6, 1, 32], [6, 1, 32], [6, 2, 64], [6, 1, 64], [6, 1, 64], [6, 1, 64],
  [6, 1, 96], [6, 1, 96], [6, 1, 96], [6, 2, 160], [6, 1, 160], [6, 1, 160], [6, 1, 320],
];

/**
 * sn.applications.mobileNetV2({ inputShape = [224, 224, 3], alpha = 1, includeTop = true,
 * classes = 1000, pooling, classifierActivation = 'softmax', name, seed }): Keras'
 * MobileNetV2 with random weights (Keras' initializers), not compiled. Without the
 * top, `pooling` 'avg' or 'max' ends it with a global pooling, else it ends with
 * the last block's [h, w, 1280] features ('out_relu').
 */
export function mobileNetV2(options = {}) {
  const o = checkOptions('mobileNetV2', options, ['inputShape', 'alpha', 'includeTop', 'classes', 'pooling', 'classifierActivation', 'name', 'seed']);
  const inputShape = o.inputShape ?? [224, 224, 3];
  if (!Array.isArray(inputShape) || inputShape.length !== 3 || !inputShape.every((d) => Number.isInteger(d) && d > 0))
    throw new Error(`mobileNetV2: inputShape must be [height, width, channels] of positive integers, got ${JSON.stringify(inputShape)}`);
  if (inputShape[0] < 32 || inputShape[1] < 32) throw new Error(`mobileNetV2: inputShape ${JSON.stringify(inputShape)} is smaller than 32×32 (as Keras refuses)`);
  const alpha = checkNumber('mobileNetV2 alpha', o.alpha ?? 1, { min: 0.01, max: 10 });
  const includeTop = checkBoolean('mobileNetV2 includeTop', o.includeTop ?? true);
  const classes = checkNumber('mobileNetV2 classes', o.classes ?? 1000, { min: 1, max: 2 ** 24, integer: true });
  const pooling = o.pooling ?? null;
  if (![null, 'avg', 'max'].includes(pooling)) throw new Error(`mobileNetV2: pooling must be 'avg', 'max' or null, got ${JSON.stringify(pooling)}`);

  const imageInput = input({ shape: inputShape, name: 'input_layer' });
  let x = layers.conv2d({ filters: makeDivisible(32 * alpha), kernelSize: 3, strides: 2, padding: 'same', useBias: false, name: 'Conv1' }).apply(imageInput);
  x = relu6(bn(x, 'bn_Conv1'), 'Conv1_relu');
  BLOCKS.forEach(([expansion, stride, filters], blockId) => {
    x = invertedResBlock(x, { expansion, stride, alpha, filters, blockId });
  });
  const lastFilters = alpha > 1 ? makeDivisible(1280 * alpha) : 1280;
  x = layers.conv2d({ filters: lastFilters, kernelSize: 1, useBias: false, name: 'Conv_1' }).apply(x);
  x = relu6(bn(x, 'Conv_1_bn'), 'out_relu');
  if (includeTop) {
    x = layers.globalAveragePooling2d({ name: 'global_average_pooling2d' }).apply(x);
    x = layers.dense({ units: classes, activation: o.classifierActivation ?? 'softmax', name: 'predictions' }).apply(x);
  } else if (pooling === 'avg') {
    x = layers.globalAveragePooling2d({ name: 'global_average_pooling2d' }).apply(x);
  } else if (pooling === 'max') {
    x = layers.globalMaxPooling2d({ name: 'global_max_pooling2d' }).apply(x);
  }
  const name = o.name ?? `mobilenetv2_${alpha.toFixed(2)}_${inputShape[0]}`;
  return model({ inputs: imageInput, outputs: x, name, ...(o.seed === undefined ? {} : { seed: o.seed }) });
}

/**
 * Keras' mobilenet_v2.preprocess_input ("tf" mode): pixels in 0…255 to −1…1,
 * x / 127.5 − 1, into a new Float32Array.
 */
mobileNetV2.preprocessInput = function preprocessInput(pixels) {
  if (!ArrayBuffer.isView(pixels) && !Array.isArray(pixels)) throw new Error('mobileNetV2.preprocessInput takes an array of pixel values in 0…255');
  return Float32Array.from(pixels, (v) => v / 127.5 - 1);
};
