// Inverted dropout, anywhere in the model (also on its input, as Keras allows):
// in training each value is zeroed with probability `rate` and the others
// scaled by 1/(1 − rate); evaluate and predict pass values through. Masks come
// from a generator seeded by `seed`, else by the model's seed.
import { checkNumber } from '../core/names.js';
import { inputConfig, inputShapeOption, layerOptions } from './common.js';

/** sn.layers.dropout({ rate, seed, inputShape }) or sn.layers.dropout(rate). */
export function dropout(options = {}) {
  if (typeof options === 'number') options = { rate: options };
  const config = layerOptions('dropout', options, ['rate', 'seed', 'inputShape', 'inputDim']);
  return {
    type: 'Dropout',
    name: config.name,
    rate: checkNumber('dropout rate', config.rate, { min: 0, max: 0.999999 }),
    seed: config.seed === undefined ? undefined : checkNumber('dropout seed', config.seed, { min: 0, max: 2 ** 32 - 1, integer: true }),
    inputShape: inputShapeOption('dropout', config),
  };
}

export const Dropout = {
  factory: dropout,
  baseName: 'dropout',
  masking: 'passes',
  outputShape: (layer, inShape) => inShape,
  weights: () => [],
  config: (layer, first) => ({ name: layer.name, rate: layer.rate, ...(layer.seed === undefined ? {} : { seed: layer.seed }), ...inputConfig(layer, first) }),
  addToC: (w, ptr, layer) => w.sn_model_add_dropout(ptr, layer.rate, layer.seed === undefined ? 0 : 1, (layer.seed ?? 0) >>> 0),
};
