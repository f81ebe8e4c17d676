// Keras' Permute(dims): the axes of a sample in another order, dims naming
// them from 1 (the batch axis stays first): [steps, features] with dims [2, 1]
// becomes [features, steps]. Samples of rank ≤ 3 (c/layer_permute.c permutes
// C's [h, w, c]); the identity passes its input on without a copy.
import { inputConfig, inputShapeOption, layerOptions, shapeText } from './common.js';

/** sn.layers.permute({ dims }). */
export function permute(options) {
  const config = layerOptions('permute', options, ['dims', 'inputShape', 'inputDim']);
  const { dims } = config;
  const rank = Array.isArray(dims) ? dims.length : 0;
  if (rank < 1 || rank > 3 || !dims.every((d) => Number.isInteger(d)) || [...dims].sort().some((d, i) => d !== i + 1))
    throw new Error(`permute dims must be a permutation of 1 … rank for a sample of rank 1 to 3 (e.g. [2, 1]), got ${JSON.stringify(dims)}` +
      (rank > 3 ? ': samples of rank 4 or more are not supported' : ''));
  return { type: 'Permute', name: config.name, dims: [...dims], inputShape: inputShapeOption('permute', config) };
}

export const Permute = {
  factory: permute,
  baseName: 'permute',
  outputShape(layer, inShape) {
    if (inShape.length !== layer.dims.length)
      throw new Error(`dims [${layer.dims}] permute ${layer.dims.length} axes, but its input ${shapeText(inShape)} has ${inShape.length}`);
    return layer.dims.map((d) => inShape[d - 1]);
  },
  weights: () => [],
  config: (layer, first) => ({ name: layer.name, dims: [...layer.dims], ...inputConfig(layer, first) }),
  /** C's axes [h, w, c]: a sample of rank r is the last r of them, the ones before it stay. */
  addToC(w, ptr, layer) {
    const lead = 3 - layer.dims.length;
    const perm = [0, 1, 2].map((a) => (a < lead ? a : lead + layer.dims[a - lead] - 1));
    return w.sn_model_add_permute(ptr, ...perm);
  },
};
