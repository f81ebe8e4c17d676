// Global average and max pooling: [h, w, c] → [c], one value per channel.
import { checkDataFormat, imageInput, inputConfig, inputShapeOption, layerOptions } from './common.js';

function globalPooling(type, what, options) {
  const config = layerOptions(what, options, ['dataFormat', 'inputShape']);
  return { type, name: config.name, dataFormat: checkDataFormat(what, config.dataFormat), inputShape: inputShapeOption(what, config) };
}

/** sn.layers.globalAveragePooling2d(). */
export const globalAveragePooling2d = (options) => globalPooling('GlobalAveragePooling2D', 'globalAveragePooling2d', options);
/** sn.layers.globalMaxPooling2d(). */
export const globalMaxPooling2d = (options) => globalPooling('GlobalMaxPooling2D', 'globalMaxPooling2d', options);

function kind(factory, baseName, max) {
  return {
    factory,
    baseName,
    outputShape: (layer, inShape) => [imageInput(inShape)[2]],
    weights: () => [],
    config: (layer, first) => ({ name: layer.name, dataFormat: layer.dataFormat, ...inputConfig(layer, first) }),
    addToC: (w, ptr) => w.sn_model_add_global_pool(ptr, max),
  };
}

export const GlobalAveragePooling2D = kind(globalAveragePooling2d, 'global_average_pooling2d', 0);
export const GlobalMaxPooling2D = kind(globalMaxPooling2d, 'global_max_pooling2d', 1);
