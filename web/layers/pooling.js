// Max and average pooling over windows of each channel: [h, w, c] → [oh, ow, c].
// strides default to poolSize; 'same' padding is never a maximum and not
// counted in a mean (as TensorFlow).
import { checkDataFormat, checkPadding, checkPair, imageInput, inputConfig, inputShapeOption, layerOptions, shapeText, windowOutput } from './common.js';

const OPTIONS = ['poolSize', 'strides', 'padding', 'dataFormat', 'inputShape'];

function pooling(type, what, options) {
  const config = layerOptions(what, options, OPTIONS);
  const poolSize = checkPair(`${what} poolSize`, config.poolSize ?? 2);
  return {
    type,
    name: config.name,
    poolSize,
    strides: config.strides === undefined || config.strides === null ? poolSize : checkPair(`${what} strides`, config.strides),
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
