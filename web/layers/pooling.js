// Max and average pooling over windows of each channel: [h, w, c] → [oh, ow, c],
// and over sequences (the 1-D kinds): [steps, c] → [osteps, c], in C the same
// pooling of a 1 × steps × c image (as TF.js pools a sequence: an added axis of
// size 1, tfjs-layers pooling.ts Pooling1D). strides default to poolSize;
// 'same' padding is never a maximum and not counted in a mean (as TensorFlow).
import {
  checkDataFormat, checkPadding, checkPair, checkSingle, imageInput, inputConfig, inputShapeOption, layerOptions, sequenceInput, shapeText, windowOutput,
} from './common.js';

const OPTIONS = ['poolSize', 'strides', 'padding', 'dataFormat', 'inputShape'];

/** A pooling layer's options; checkSize reads a size ([h, w] of 2-D layers, [steps] of 1-D ones). */
function pooling(type, what, options, checkSize = checkPair) {
  const config = layerOptions(what, options, OPTIONS);
  const poolSize = checkSize(`${what} poolSize`, config.poolSize ?? 2);
  return {
    type,
    name: config.name,
    poolSize,
    strides: config.strides === undefined || config.strides === null ? poolSize : checkSize(`${what} strides`, config.strides),
    padding: checkPadding(what, config.padding),
    dataFormat: checkDataFormat(what, config.dataFormat),
    inputShape: inputShapeOption(what, config),
  };
}

/** sn.layers.maxPooling2d({ poolSize = 2, strides = poolSize, padding = 'valid' }). */
export const maxPooling2d = (options) => pooling('MaxPooling2D', 'maxPooling2d', options);
/** sn.layers.averagePooling2d({ poolSize = 2, strides = poolSize, padding = 'valid' }). */
export const averagePooling2d = (options) => pooling('AveragePooling2D', 'averagePooling2d', options);

function kind(factory, baseName, max) {
  return {
    factory,
    baseName,
    outputShape(layer, inShape) {
      const [h, w, c] = imageInput(inShape);
      const [ph, pw] = layer.poolSize, [sh, sw] = layer.strides;
      const out = [windowOutput(h, ph, sh, 1, layer.padding), windowOutput(w, pw, sw, 1, layer.padding), c];
      if (out[0] < 1 || out[1] < 1) throw new Error(`its ${ph}×${pw} window does not fit an input of shape ${shapeText(inShape)} with padding 'valid'`);
      return out;
    },
    weights: () => [],
    config: (layer, first) => ({
      name: layer.name, poolSize: [...layer.poolSize], strides: [...layer.strides], padding: layer.padding, dataFormat: layer.dataFormat, ...inputConfig(layer, first),
    }),
    addToC: (w, ptr, layer) => w.sn_model_add_pool2d(ptr, max, ...layer.poolSize, ...layer.strides, layer.padding === 'same' ? 1 : 0),
  };
}

export const MaxPooling2D = kind(maxPooling2d, 'max_pooling2d', 1);
export const AveragePooling2D = kind(averagePooling2d, 'average_pooling2d', 0);

/** sn.layers.maxPooling1d({ poolSize = 2, strides = poolSize, padding = 'valid' }). */
export const maxPooling1d = (options) => pooling('MaxPooling1D', 'maxPooling1d', options, checkSingle);
/** sn.layers.averagePooling1d({ poolSize = 2, strides = poolSize, padding = 'valid' }). */
export const averagePooling1d = (options) => pooling('AveragePooling1D', 'averagePooling1d', options, checkSingle);

function kind1d(factory, baseName, max) {
  return {
    factory,
    baseName,
    outputShape(layer, inShape) {
      const [steps, c] = sequenceInput(inShape);
      const out = windowOutput(steps, layer.poolSize[0], layer.strides[0], 1, layer.padding);
      if (out < 1) throw new Error(`its window of ${layer.poolSize[0]} is longer than its input of shape ${shapeText(inShape)} with padding 'valid'`);
      return [out, c];
    },
    weights: () => [],
    // TF.js' Pooling1D config: poolSize, padding, strides (no dataFormat).
    config: (layer, first) => ({ name: layer.name, poolSize: [...layer.poolSize], padding: layer.padding, strides: [...layer.strides], ...inputConfig(layer, first) }),
    addToC: (w, ptr, layer) => w.sn_model_add_pool2d(ptr, max, 1, layer.poolSize[0], 1, layer.strides[0], layer.padding === 'same' ? 1 : 0),
  };
}

export const MaxPooling1D = kind1d(maxPooling1d, 'max_pooling1d', 1);
export const AveragePooling1D = kind1d(averagePooling1d, 'average_pooling1d', 0);
