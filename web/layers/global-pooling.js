// Global average and max pooling: [h, w, c] → [c], one value per channel, and
// over a sequence (the 1-D kinds): [steps, c] → [c]. C pools every cell of its
// h × w, which for a sequence (1 × steps × c) is every step.
import { checkDataFormat, imageInput, inputConfig, inputShapeOption, layerOptions, sequenceInput } from './common.js';

function globalPooling(type, what, options) {
  const config = layerOptions(what, options, ['dataFormat', 'inputShape']);
  return { type, name: config.name, dataFormat: checkDataFormat(what, config.dataFormat), inputShape: inputShapeOption(what, config) };
}

/** sn.layers.globalAveragePooling2d(). */
export const globalAveragePooling2d = (options) => globalPooling('GlobalAveragePooling2D', 'globalAveragePooling2d', options);
/** sn.layers.globalMaxPooling2d(). */
export const globalMaxPooling2d = (options) => globalPooling('GlobalMaxPooling2D', 'globalMaxPooling2d', options);

/** sn.layers.globalAveragePooling1d(): the mean over the steps. */
export const globalAveragePooling1d = (options) => globalPooling('GlobalAveragePooling1D', 'globalAveragePooling1d', options);
/** sn.layers.globalMaxPooling1d(): the maximum over the steps. */
export const globalMaxPooling1d = (options) => globalPooling('GlobalMaxPooling1D', 'globalMaxPooling1d', options);

function kind(factory, baseName, max, rank) {
  return {
    factory,
    baseName,
    masking: factory === globalAveragePooling1d ? 'reads' : undefined, // Keras 3: GlobalAveragePooling1D only
    outputShape: (layer, inShape) => [rank === 1 ? sequenceInput(inShape)[1] : imageInput(inShape)[2]],
    weights: () => [],
    // TF.js' GlobalPooling1D config has no dataFormat (tfjs-layers pooling.ts).
    config: (layer, first) => ({ name: layer.name, ...(rank === 2 ? { dataFormat: layer.dataFormat } : {}), ...inputConfig(layer, first) }),
    addToC: (w, ptr) => w.sn_model_add_global_pool(ptr, max),
  };
}

export const GlobalAveragePooling2D = kind(globalAveragePooling2d, 'global_average_pooling2d', 0, 2);
export const GlobalMaxPooling2D = kind(globalMaxPooling2d, 'global_max_pooling2d', 1, 2);
export const GlobalAveragePooling1D = kind(globalAveragePooling1d, 'global_average_pooling1d', 0, 1);
export const GlobalMaxPooling1D = kind(globalMaxPooling1d, 'global_max_pooling1d', 1, 1);
