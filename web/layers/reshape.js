// Flatten and Reshape: the same values under another shape (views in C, no copy).
import { LIMITS } from '../../dist/constants.js';
import { checkNumber } from '../core/names.js';
import { inputConfig, inputShapeOption, layerOptions, shapeText, sizeOf, toHwc } from './common.js';

/** sn.layers.flatten(): [h, w, c] → [h·w·c]. */
export function flatten(options) {
  const config = layerOptions('flatten', options, ['inputShape', 'inputDim', 'dataFormat']);
  if (config.dataFormat !== undefined && config.dataFormat !== 'channelsLast' && config.dataFormat !== 'channels_last')
    throw new Error(`flatten: dataFormat ${JSON.stringify(config.dataFormat)} is not supported: simdnet works channels-last`);
  return { type: 'Flatten', name: config.name, inputShape: inputShapeOption('flatten', config) };
}

/** sn.layers.reshape({ targetShape }): one dimension may be −1 (inferred), as in Keras. */
export function reshape(options) {
  const config = layerOptions('reshape', options, ['targetShape', 'inputShape', 'inputDim']);
  const { targetShape } = config;
  if (!Array.isArray(targetShape) || targetShape.length === 0)
    throw new Error(`reshape needs targetShape, a non-empty array such as [28, 28, 1], got ${JSON.stringify(targetShape)}`);
  targetShape.forEach((d) => d === -1 || checkNumber('reshape targetShape dimension', d, { min: 1, max: LIMITS.MAX_SAMPLE_SIZE, integer: true }));
  if (targetShape.filter((d) => d === -1).length > 1) throw new Error(`reshape targetShape [${targetShape}] may hold at most one -1`);
  return { type: 'Reshape', name: config.name, targetShape: [...targetShape], inputShape: inputShapeOption('reshape', config) };
}

const toC = (w, ptr, layer, outShape) => w.sn_model_add_reshape(ptr, ...toHwc(outShape));

export const Flatten = {
  factory: flatten,
  baseName: 'flatten',
  outputShape: (layer, inShape) => [sizeOf(inShape)],
  weights: () => [],
  config: (layer, first) => ({ name: layer.name, ...inputConfig(layer, first) }),
  addToC: toC,
};

export const Reshape = {
  factory: reshape,
  baseName: 'reshape',
  outputShape(layer, inShape) {
    const size = sizeOf(inShape), known = sizeOf(layer.targetShape.filter((d) => d !== -1));
    const out = layer.targetShape.map((d) => (d === -1 ? size / known : d));
    if (sizeOf(out) !== size || !out.every(Number.isInteger))
      throw new Error(`cannot reshape an input of shape ${shapeText(inShape)} (${size} values) to [${layer.targetShape}]`);
    return out;
  },
  weights: () => [],
  config: (layer, first) => ({ name: layer.name, targetShape: [...layer.targetShape], ...inputConfig(layer, first) }),
  addToC: toC,
};
