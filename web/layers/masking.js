// Masking (Keras' and TF.js' Masking): a position of the sample — a step of a
// sequence [steps, features], a vector along the last axis — whose values all
// equal maskValue (default 0) is masked: its output is zeros (Keras' where) and
// the layers after it skip it, through the Keras mask its output carries
// (web/model/masks.js): recurrent layers carry their states over it,
// globalAveragePooling1d leaves it out of the mean, an output's loss and
// metrics leave it out. A mask its input carries is replaced, as in Keras.
// c/layer_masking.c.
import { checkNumber } from '../core/names.js';
import { inputConfig, inputShapeOption, layerOptions } from './common.js';

/** sn.layers.masking({ maskValue = 0, inputShape }). */
export function masking(options = {}) {
  const config = layerOptions('masking', options, ['maskValue', 'inputShape', 'inputDim']);
  return {
    type: 'Masking',
    name: config.name,
    maskValue: checkNumber('masking maskValue', config.maskValue ?? 0),
    inputShape: inputShapeOption('masking', config),
  };
}

export const Masking = {
  factory: masking,
  baseName: 'masking',
  masking: 'makes',
  outputShape: (layer, inShape) => inShape,
  weights: () => [],
  config: (layer, first) => ({ name: layer.name, maskValue: layer.maskValue, ...inputConfig(layer, first) }),
  addToC: (w, ptr, layer) => w.sn_model_add_masking(ptr, layer.maskValue),
};
