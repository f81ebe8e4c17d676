// Bad options of every new layer and shapes that do not fit get a clear Error
// naming the problem (and the layer), before anything reaches C; the model is
// left as it was and still trains.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as sn from '../web/index.js';
import { randomArray } from './support/models.js';

await sn.ready();

const L = sn.layers;

test('every option of every new layer is checked by its factory', () => {
  const refused = {
    'conv2d without filters': [() => L.conv2d({ kernelSize: 3 }), /conv2d filters must be an integer in \[1, 16777216\], got undefined/],
    'conv2d filters 1.5': [() => L.conv2d({ filters: 1.5, kernelSize: 3 }), /conv2d filters must be an integer/],
    'conv2d without kernelSize': [() => L.conv2d({ filters: 2 }), /conv2d needs kernelSize, e.g. kernelSize: 3 or \[3, 3\]/],
    'conv2d kernelSize 0': [() => L.conv2d({ filters: 2, kernelSize: 0 }), /conv2d kernelSize must be an integer in \[1, 268435456\], got 0/],
    'conv2d kernelSize [3]': [() => L.conv2d({ filters: 2, kernelSize: [3] }), /conv2d kernelSize must be a positive integer or \[height, width\], got \[3\]/],
    "conv2d kernelSize '3'": [() => L.conv2d({ filters: 2, kernelSize: '3' }), /conv2d kernelSize must be a positive integer or \[height, width\], got "3"/],
    'conv2d strides [1, 0]': [() => L.conv2d({ filters: 2, kernelSize: 3, strides: [1, 0] }), /conv2d strides must be an integer in \[1, 268435456\], got 0/],
    "conv2d padding 'full'": [() => L.conv2d({ filters: 2, kernelSize: 3, padding: 'full' }), /conv2d padding must be 'valid' or 'same', got "full"/],
    'conv2d channelsFirst': [() => L.conv2d({ filters: 2, kernelSize: 3, dataFormat: 'channelsFirst' }), /conv2d: dataFormat 'channelsFirst' is not supported: simdnet works channels-last/],
    "conv2d dataFormat 'nhwc'": [() => L.conv2d({ filters: 2, kernelSize: 3, dataFormat: 'nhwc' }), /conv2d dataFormat must be 'channelsLast', got "nhwc"/],
    'conv2d dilationRate 0': [() => L.conv2d({ filters: 2, kernelSize: 3, dilationRate: 0 }), /conv2d dilationRate must be an integer/],
    'conv2d strides and dilation': [() => L.conv2d({ filters: 2, kernelSize: 3, strides: 2, dilationRate: [1, 2] }), /conv2d: strides \[2,2\] > 1 together with dilationRate \[1,2\] > 1 is not supported \(as in TensorFlow and Keras\)/],
    'conv2d activation': [() => L.conv2d({ filters: 2, kernelSize: 3, activation: 'hardTanh' }), /unknown activation "hardTanh"/],
    "conv2d useBias 'no'": [() => L.conv2d({ filters: 2, kernelSize: 3, useBias: 'no' }), /conv2d useBias must be true or false/],
    'conv2d kernelInitializer': [() => L.conv2d({ filters: 2, kernelSize: 3, kernelInitializer: 'identity' }), /unknown initializer "identity"/],
    'conv2d biasRegularizer': [() => L.conv2d({ filters: 2, kernelSize: 3, biasRegularizer: 'l3' }), /unknown regularizer "l3"/],
    'conv2d activityRegularizer': [() => L.conv2d({ filters: 2, kernelSize: 3, activityRegularizer: sn.regularizers.l2(-1) }), /regularizer l2 must be a number in \[0/],
    'conv2d kernel_size': [() => L.conv2d({ filters: 2, kernel_size: 3 }), /conv2d: unknown option "kernel_size"/],
    'conv2d inputShape []': [() => L.conv2d({ filters: 2, kernelSize: 3, inputShape: [] }), /conv2d inputShape must be a non-empty array, got \[\]/],
    'conv2d inputShape [28, 0, 1]': [() => L.conv2d({ filters: 2, kernelSize: 3, inputShape: [28, 0, 1] }), /conv2d inputShape dimension must be an integer/],
    'conv2d name 5': [() => L.conv2d({ filters: 2, kernelSize: 3, name: 5 }), /conv2d: name must be a string/],
    'conv2d(null)': [() => L.conv2d(null), /conv2d takes an options object, got null/],
    'maxPooling2d poolSize 0': [() => L.maxPooling2d({ poolSize: 0 }), /maxPooling2d poolSize must be an integer/],
    'maxPooling2d strides [2]': [() => L.maxPooling2d({ strides: [2] }), /maxPooling2d strides must be a positive integer or \[height, width\]/],
    'maxPooling2d padding': [() => L.maxPooling2d({ padding: 'causal' }), /maxPooling2d padding must be 'valid' or 'same'/],
    'averagePooling2d pool_size': [() => L.averagePooling2d({ pool_size: 2 }), /averagePooling2d: unknown option "pool_size"/],
    'averagePooling2d channelsFirst': [() => L.averagePooling2d({ dataFormat: 'channels_first' }), /averagePooling2d: dataFormat 'channelsFirst' is not supported/],
    'globalAveragePooling2d keepdims': [() => L.globalAveragePooling2d({ keepDims: true }), /globalAveragePooling2d: unknown option "keepDims"/],
    "globalMaxPooling2d('x')": [() => L.globalMaxPooling2d('x'), /globalMaxPooling2d takes an options object, got string/],
    'flatten channelsFirst': [() => L.flatten({ dataFormat: 'channelsFirst' }), /flatten: dataFormat "channelsFirst" is not supported/],
    'reshape without targetShape': [() => L.reshape({}), /reshape needs targetShape, a non-empty array such as \[28, 28, 1\], got undefined/],
    'reshape targetShape [0]': [() => L.reshape({ targetShape: [0, 2] }), /reshape targetShape dimension must be an integer in \[1, 268435456\], got 0/],
    'reshape two -1': [() => L.reshape({ targetShape: [-1, -1] }), /reshape targetShape \[-1,-1\] may hold at most one -1/],
    'batchNormalization axis 1.5': [() => L.batchNormalization({ axis: 1.5 }), /batchNormalization axis must be -1 \(the last axis, channels-last\), got 1.5/],
    'batchNormalization momentum 2': [() => L.batchNormalization({ momentum: 2 }), /batchNormalization momentum must be a number in \[0, 1\], got 2/],
    'batchNormalization epsilon 0': [() => L.batchNormalization({ epsilon: 0 }), /batchNormalization epsilon must be a number/],
    "batchNormalization center 'yes'": [() => L.batchNormalization({ center: 'yes' }), /batchNormalization center must be true or false/],
    'batchNormalization scale 0': [() => L.batchNormalization({ scale: 0 }), /batchNormalization scale must be true or false/],
    'batchNormalization movingMeanInitializer': [() => L.batchNormalization({ movingMeanInitializer: 'identity' }), /unknown initializer "identity"/],
    'batchNormalization gammaRegularizer': [() => L.batchNormalization({ gammaRegularizer: 5 }), /a regularizer must be sn.regularizers/],
    'batchNormalization renorm': [() => L.batchNormalization({ renorm: true }), /batchNormalization: unknown option "renorm"/],
    'activation without activation': [() => L.activation({}), /activation needs activation, e.g. \{ activation: 'relu' \}/],
    'activation unknown': [() => L.activation({ activation: 'squareplus' }), /unknown activation "squareplus"/],
    'activation elu alpha -1': [() => L.activation({ activation: { name: 'elu', alpha: -1 } }), /elu alpha must be a number in \[0, Infinity\], got -1/],
    'activation hardSigmoid slope': [() => L.dense({ units: 2, activation: { name: 'hard_sigmoid', slope: 'x' } }), /hardSigmoid slope must be a number/],
    'reLU maxValue -1': [() => L.reLU({ maxValue: -1 }), /reLU maxValue must be a number in \[0, Infinity\], got -1/],
    'reLU negativeSlope NaN': [() => L.reLU({ negativeSlope: NaN }), /reLU negativeSlope must be a number/],
    'reLU threshold -0.5': [() => L.reLU({ threshold: -0.5 }), /reLU threshold must be a number in \[0, Infinity\], got -0.5/],
    'reLU max_value': [() => L.reLU({ max_value: 6 }), /reLU: unknown option "max_value"/],
    'leakyReLU alpha -0.1': [() => L.leakyReLU({ alpha: -0.1 }), /leakyReLU alpha must be a number in \[0, Infinity\], got -0.1/],
    "elu alpha '1'": [() => L.elu({ alpha: '1' }), /elu alpha must be a number/],
    'thresholdedReLU theta -1': [() => L.thresholdedReLU({ theta: -1 }), /thresholdedReLU theta must be a number in \[0, Infinity\], got -1/],
    'softmax axis 0': [() => L.softmax({ axis: 0 }), /softmax axis must be -1 or a positive integer/],
    'softmax axis [1, 2]': [() => L.softmax({ axis: [1, 2] }), /softmax axis must be -1 or a positive integer/],
    'pReLU sharedAxes 0': [() => L.pReLU({ sharedAxes: [0] }), /pReLU sharedAxes must be a list of axes 1 to 3/],
    "pReLU sharedAxes '1'": [() => L.pReLU({ sharedAxes: '1' }), /pReLU sharedAxes must be a list of axes 1 to 3/],
    'pReLU alphaInitializer': [() => L.pReLU({ alphaInitializer: 'identity' }), /unknown initializer "identity"/],
    'pReLU alphaConstraint': [() => L.pReLU({ alphaConstraint: 'nonNeg' }), /pReLU: unknown option "alphaConstraint"/],
    'dropout inputShape': [() => L.dropout({ rate: 0.5, inputShape: 'x' }), /dropout inputShape must be a non-empty array/],
    'zeroPadding2d padding -1': [() => L.zeroPadding2d({ padding: -1 }), /zeroPadding2d padding must be an integer in \[0, 268435456\], got -1/],
    'zeroPadding2d padding [[0, 1], [0, -1]]': [() => L.zeroPadding2d({ padding: [[0, 1], [0, -1]] }), /zeroPadding2d padding must be an integer in \[0, 268435456\], got -1/],
    'zeroPadding2d padding [1, 0.5]': [() => L.zeroPadding2d({ padding: [1, 0.5] }), /zeroPadding2d padding must be an integer/],
    'zeroPadding2d padding [1, 2, 3]': [() => L.zeroPadding2d({ padding: [1, 2, 3] }), /zeroPadding2d padding must be an integer, \[rows, columns\] or \[\[top, bottom\], \[left, right\]\], got \[1,2,3\]/],
    'zeroPadding2d padding [1, [2, 3]]': [() => L.zeroPadding2d({ padding: [1, [2, 3]] }), /zeroPadding2d padding must be an integer, \[rows, columns\]/],
    'zeroPadding2d channelsFirst': [() => L.zeroPadding2d({ dataFormat: 'channelsFirst' }), /zeroPadding2d: dataFormat 'channelsFirst' is not supported/],
    'cropping2d cropping -2': [() => L.cropping2d({ cropping: [[0, 0], [-2, 0]] }), /cropping2d cropping must be an integer in \[0, 268435456\], got -2/],
    "cropping2d cropping '1'": [() => L.cropping2d({ cropping: '1' }), /cropping2d cropping must be an integer, \[rows, columns\] or \[\[top, bottom\], \[left, right\]\], got "1"/],
    'cropping2d padding': [() => L.cropping2d({ padding: 1 }), /cropping2d: unknown option "padding"/],
    'upSampling2d size 0': [() => L.upSampling2d({ size: 0 }), /upSampling2d size must be an integer in \[1, 268435456\], got 0/],
    'upSampling2d size [2, 0]': [() => L.upSampling2d({ size: [2, 0] }), /upSampling2d size must be an integer in \[1, 268435456\], got 0/],
    'upSampling2d size [2]': [() => L.upSampling2d({ size: [2] }), /upSampling2d size must be a positive integer or \[height, width\], got \[2\]/],
    "upSampling2d interpolation 'bicubic'": [() => L.upSampling2d({ interpolation: 'bicubic' }), /upSampling2d interpolation must be 'nearest' or 'bilinear', got "bicubic"/],
    "upSampling2d interpolation 'Bilinear'": [() => L.upSampling2d({ interpolation: 'Bilinear' }), /upSampling2d interpolation must be 'nearest' or 'bilinear', got "Bilinear"/],
    'depthwiseConv2d without kernelSize': [() => L.depthwiseConv2d({}), /depthwiseConv2d needs kernelSize, e.g. kernelSize: 3 or \[3, 3\]/],
    'depthwiseConv2d depthMultiplier 0': [() => L.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 0 }), /depthwiseConv2d depthMultiplier must be an integer in \[1, 16777216\], got 0/],
    'depthwiseConv2d strides and dilation': [() => L.depthwiseConv2d({ kernelSize: 3, strides: 2, dilationRate: 2 }), /depthwiseConv2d: strides \[2,2\] > 1 together with dilationRate \[2,2\] > 1 is not supported/],
    'depthwiseConv2d padding': [() => L.depthwiseConv2d({ kernelSize: 3, padding: 'causal' }), /depthwiseConv2d padding must be 'valid' or 'same', got "causal"/],
    'depthwiseConv2d kernelInitializer': [() => L.depthwiseConv2d({ kernelSize: 3, kernelInitializer: 'ones' }), /depthwiseConv2d: unknown option "kernelInitializer"/],
    'depthwiseConv2d depthwiseInitializer': [() => L.depthwiseConv2d({ kernelSize: 3, depthwiseInitializer: 'identity' }), /unknown initializer "identity"/],
    'depthwiseConv2d channelsFirst': [() => L.depthwiseConv2d({ kernelSize: 3, dataFormat: 'channelsFirst' }), /depthwiseConv2d: dataFormat 'channelsFirst' is not supported/],
    'separableConv2d without filters': [() => L.separableConv2d({ kernelSize: 3 }), /separableConv2d filters must be an integer in \[1, 16777216\], got undefined/],
    'separableConv2d pointwiseRegularizer': [() => L.separableConv2d({ filters: 2, kernelSize: 3, pointwiseRegularizer: 'l3' }), /unknown regularizer "l3"/],
    "separableConv2d useBias 'no'": [() => L.separableConv2d({ filters: 2, kernelSize: 3, useBias: 'no' }), /separableConv2d useBias must be true or false/],
    'conv2dTranspose kernelSize [3]': [() => L.conv2dTranspose({ filters: 2, kernelSize: [3] }), /conv2dTranspose kernelSize must be a positive integer or \[height, width\], got \[3\]/],
    'conv2dTranspose dilationRate 2': [() => L.conv2dTranspose({ filters: 2, kernelSize: 3, dilationRate: 2 }), /conv2dTranspose: dilationRate \[2,2\] is not supported \(only 1, as TF.js' Conv2DTranspose\)/],
    'conv2dTranspose outputPadding -1': [() => L.conv2dTranspose({ filters: 2, kernelSize: 3, strides: 2, outputPadding: -1 }), /conv2dTranspose outputPadding must be an integer in \[0, 268435456\], got -1/],
    'conv2dTranspose outputPadding 2': [() => L.conv2dTranspose({ filters: 2, kernelSize: 3, strides: 2, outputPadding: 2 }), /conv2dTranspose: outputPadding \[2,2\] must be less than strides \[2,2\] \(as in Keras\)/],
  };
  for (const [what, [fn, message]] of Object.entries(refused)) assert.throws(fn, message, what);
});

/** A small CNN to add bad layers to: each refusal must leave it as it was, and it must still train. */
async function refusedAndUnchanged(model, fn, message) {
  const before = model.layers.length;
  assert.throws(fn, message);
  assert.equal(model.layers.length, before, 'the refused layer was not added');
}

test('shapes that do not fit are refused at add() with the layer named; the model is unchanged and trains', async () => {
  const model = sn.sequential({ seed: 1 });
  await refusedAndUnchanged(model, () => model.add(L.conv2d({ filters: 2, kernelSize: 3 })), /the first layer needs inputShape/);
  await refusedAndUnchanged(model, () => model.add(L.conv2d({ filters: 2, kernelSize: 3, inputShape: [28, 28] })), /conv2d \(Conv2D\): expects images of shape \[height, width, channels\], got an input of shape \(None, 28, 28\)/);
  await refusedAndUnchanged(model, () => model.add(L.conv2d({ filters: 2, kernelSize: 9, inputShape: [8, 8, 1] })), /conv2d \(Conv2D\): its 9×9 kernel does not fit an input of shape \(None, 8, 8, 1\) with padding 'valid'/);
  await refusedAndUnchanged(model, () => model.add(L.conv2d({ filters: 2, kernelSize: 3, dilationRate: 4, inputShape: [8, 8, 1] })), /its 3×3 kernel \(dilated 4×4\) does not fit/);
  model.add(L.conv2d({ filters: 2, kernelSize: 3, inputShape: [8, 8, 1], activation: 'relu' }));
  await refusedAndUnchanged(model, () => model.add(L.maxPooling2d({ poolSize: 7 })), /max_pooling2d \(MaxPooling2D\): its 7×7 window does not fit an input of shape \(None, 6, 6, 2\) with padding 'valid'/);
  await refusedAndUnchanged(model, () => model.add(L.depthwiseConv2d({ kernelSize: 7 })), /depthwise_conv2d \(DepthwiseConv2D\): its 7×7 kernel does not fit an input of shape \(None, 6, 6, 2\) with padding 'valid'/);
  await refusedAndUnchanged(model, () => model.add(L.separableConv2d({ filters: 2, kernelSize: 4, dilationRate: 2 })), /separable_conv2d \(SeparableConv2D\): its 4×4 kernel \(dilated 2×2\) does not fit/);
  await refusedAndUnchanged(model, () => model.add(L.conv2dTranspose({ filters: 2, kernelSize: 2, padding: 'same', outputPadding: 0 })), /conv2d_transpose \(Conv2DTranspose\): its 2×2 kernel with strides \[1,1\] and outputPadding \[0,0\] gives an output of 5×5, which a convolution does not map back/);
  await refusedAndUnchanged(model, () => model.add(L.depthwiseConv2d({ kernelSize: 3, inputShape: [6, 6] })), /depthwise_conv2d \(DepthwiseConv2D\):/);
  await refusedAndUnchanged(model, () => model.add(L.repeatVector({ n: 3 })), /repeat_vector \(RepeatVector\): takes vectors \(\[features\], as Keras' RepeatVector\), got an input of shape \(None, 6, 6, 2\)/);
  await refusedAndUnchanged(model, () => model.add(L.permute({ dims: [2, 1] })), /permute \(Permute\): dims \[2,1\] permute 2 axes, but its input \(None, 6, 6, 2\) has 3/);
  await refusedAndUnchanged(model, () => model.add(L.layerNormalization({ axis: 2 })), /layer_normalization \(LayerNormalization\): axis 2 is not the last axis of its input \(None, 6, 6, 2\): only the last axis \(-1\) is supported/);
  await refusedAndUnchanged(model, () => model.add(L.reshape({ targetShape: [5, 5] })), /reshape \(Reshape\): cannot reshape an input of shape \(None, 6, 6, 2\) \(72 values\) to \[5,5\]/);
  await refusedAndUnchanged(model, () => model.add(L.reshape({ targetShape: [5, -1] })), /cannot reshape an input of shape \(None, 6, 6, 2\) \(72 values\) to \[5,-1\]/);
  await refusedAndUnchanged(model, () => model.add(L.batchNormalization({ axis: 1 })), /batch_normalization \(BatchNormalization\): axis 1 is not the last axis of its input \(None, 6, 6, 2\): only the last axis \(-1\) is supported/);
  await refusedAndUnchanged(model, () => model.add(L.softmax({ axis: 2 })), /softmax \(Softmax\): softmax axis 2 is not the last axis of its input \(None, 6, 6, 2\): only the last axis \(-1\) is supported/);
  await refusedAndUnchanged(model, () => model.add(L.pReLU({ sharedAxes: [3], inputShape: [6, 6, 2, 1] })), /layer inputShape|pReLU takes inputs of rank 1 to 3/);
  model.add(L.softmax({ axis: 3 }));
  model.add(L.pReLU({ sharedAxes: [1, 2] }));
  await refusedAndUnchanged(model, () => model.add(L.conv2d({ filters: 2, kernelSize: 3, inputShape: [8, 8, 1] })), /conv2d_1 \(Conv2D\): layer inputShape \[8,8,1\] does not match the previous layer's output \(None, 6, 6, 2\)/);
  await refusedAndUnchanged(model, () => model.add({ type: 'Conv3D' }), /add\(\) takes a layer made by sn.layers.dense/);
  await refusedAndUnchanged(model, () => model.add(L.conv2d({ filters: 2, kernelSize: 3, name: 'conv2d' })), /a layer named "conv2d" is already in the model/);
  await refusedAndUnchanged(model, () => model.add(L.cropping2d({ cropping: [[3, 3], [0, 0]] })), /cropping2d \(Cropping2D\): its cropping \[\[3,3\],\[0,0\]\] leaves nothing of an input of shape \(None, 6, 6, 2\)/);
  await refusedAndUnchanged(model, () => model.add(L.cropping2d({ cropping: [0, 4] })), /cropping2d \(Cropping2D\): its cropping \[\[0,0\],\[4,4\]\] leaves nothing/);
  await refusedAndUnchanged(model, () => model.add(L.upSampling2d({ size: [4096, 4096] })), /up_sampling2d \(UpSampling2D\): its output \[24576,24576,2\] has more than 2\^28 values per sample/);
  await refusedAndUnchanged(model, () => model.add(L.zeroPadding2d({ padding: 1 << 14 })), /zero_padding2d \(ZeroPadding2D\): its output \[32774,32774,2\] has more than 2\^28 values per sample/);
  model.add(L.zeroPadding2d({ padding: [[0, 1], [0, 1]] }));
  model.add(L.upSampling2d({ size: [1, 2], interpolation: 'bilinear' }));
  model.add(L.cropping2d({ cropping: [[3, 2], [1, 10]] }));
  model.add(L.globalMaxPooling2d());
  await refusedAndUnchanged(model, () => model.add(L.zeroPadding2d()), /zero_padding2d_1 \(ZeroPadding2D\): expects images of shape \[height, width, channels\], got an input of shape \(None, 2\)/);
  await refusedAndUnchanged(model, () => model.add(L.maxPooling2d({})), /max_pooling2d \(MaxPooling2D\): expects images of shape \[height, width, channels\], got an input of shape \(None, 2\)/);
  await refusedAndUnchanged(model, () => model.add(L.globalAveragePooling2d()), /global_average_pooling2d \(GlobalAveragePooling2D\): expects images/);
  model.add(L.dense({ units: 3, activation: 'softmax' }));
  model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
  const x = randomArray(10 * 64, 2, 0, 1), y = sn.data.oneHot([0, 1, 2, 0, 1, 2, 0, 1, 2, 0], 3);
  await model.fit(x, y, { epochs: 2 });
  await assert.rejects(() => model.fit(new Float32Array(63), y), /x has 63 values, which is not a whole number of rows of 64/);
  model.dispose();
});

test('an output that is not a vector takes its loss along the last axis (Keras); fromLogits needs a linear last layer', () => {
  const model = sn.sequential({ layers: [L.conv2d({ filters: 2, kernelSize: 3, inputShape: [5, 5, 1] })] });
  model.compile({ optimizer: 'sgd', loss: 'mse' }); // an image output: mse over every position and channel
  assert.equal(model.predict(new Float32Array(25)).length, 18);
  assert.throws(() => model.evaluate(new Float32Array(25), new Float32Array(9)), /y holds 9 values, one per step, but meanSquaredError needs rows of 2/);
  assert.throws(() => model.evaluate(new Float32Array(25), new Float32Array(17)), /y has 17 values, which is not a whole number of rows of 18/);
  const logits = sn.sequential({ layers: [L.dense({ units: 3, inputShape: [2] }), L.activation({ activation: 'softmax' })] });
  assert.throws(() => logits.compile({ optimizer: 'sgd', loss: sn.losses.categoricalCrossentropy({ fromLogits: true }) }), /fromLogits needs a linear last layer, not softmax/);
  const activity = sn.sequential({ layers: [L.conv2d({ filters: 2, kernelSize: 5, inputShape: [5, 5, 1], activityRegularizer: 'l2' }), L.flatten(), L.dense({ units: 1 })] });
  activity.compile({ optimizer: 'sgd', loss: 'mse' }); // on a hidden conv: fine
  model.dispose();
  logits.dispose();
  activity.dispose();
});
