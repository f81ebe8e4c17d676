// Keras' RepeatVector(n): a vector [features] becomes n copies of it, the
// sequence [n, features] (c/layer_repeat_vector.c) — how a sequence-to-sequence
// model hands an encoder's summary to every step of its decoder.
import { LIMITS } from '../../dist/constants.js';
import { checkNumber } from '../core/names.js';
import { inputConfig, inputShapeOption, layerOptions, shapeText } from './common.js';

/** sn.layers.repeatVector({ n }). */
export function repeatVector(options) {
  const config = layerOptions('repeatVector', options, ['n', 'inputShape', 'inputDim']);
  if (config.n === undefined) throw new Error('repeatVector needs n, the number of repetitions, e.g. { n: 10 }');
  return {
    type: 'RepeatVector',
    name: config.name,
    n: checkNumber('repeatVector n', config.n, { min: 1, max: LIMITS.MAX_SAMPLE_SIZE, integer: true }),
    inputShape: inputShapeOption('repeatVector', config),
  };
}

export const RepeatVector = {
  factory: repeatVector,
  baseName: 'repeat_vector',
  outputShape(layer, inShape) {
    if (inShape.length !== 1) throw new Error(`takes vectors ([features], as Keras' RepeatVector), got an input of shape ${shapeText(inShape)}`);
    if (layer.n * inShape[0] > LIMITS.MAX_SAMPLE_SIZE) throw new Error(`its output [${layer.n}, ${inShape[0]}] has more than 2^28 values per sample`);
    return [layer.n, inShape[0]];
  },
  weights: () => [],
  config: (layer, first) => ({ name: layer.name, n: layer.n, ...inputConfig(layer, first) }),
  addToC: (w, ptr, layer) => w.sn_model_add_repeat_vector(ptr, layer.n),
};
