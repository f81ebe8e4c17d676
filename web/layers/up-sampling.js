// Up-sampling of images by integer factors (Keras' UpSampling2D):
// [h, w, c] → [fh·h, fw·w, c]. 'nearest' repeats rows and columns; 'bilinear'
// is Keras' (TensorFlow's resize with half-pixel centers), which is not what
// TF.js 4.22's UpSampling2D computes (c/layer_upsampling2d.c, the README).
// Keras' UpSampling1D (not in TF.js 4.22) repeats each step of a sequence:
// [steps, c] → [size·steps, c], C's nearest up-sampling of 1 × steps × c by (1, size).
import { LIMITS } from '../../dist/constants.js';
import { checkDataFormat, checkPair, checkSingle, imageInput, inputConfig, inputShapeOption, layerOptions, sequenceInput, sizeOf } from './common.js';

const INTERPOLATIONS = ['nearest', 'bilinear'];

/** sn.layers.upSampling2d({ size = [2, 2], interpolation = 'nearest' }). */
export function upSampling2d(options) {
  const config = layerOptions('upSampling2d', options, ['size', 'interpolation', 'dataFormat', 'inputShape']);
  const interpolation = config.interpolation ?? 'nearest';
  if (!INTERPOLATIONS.includes(interpolation))
    throw new Error(`upSampling2d interpolation must be 'nearest' or 'bilinear', got ${JSON.stringify(interpolation)}`);
  return {
    type: 'UpSampling2D',
    name: config.name,
    size: checkPair('upSampling2d size', config.size ?? 2),
    interpolation,
    dataFormat: checkDataFormat('upSampling2d', config.dataFormat),
    inputShape: inputShapeOption('upSampling2d', config),
  };
}

export const UpSampling2D = {
  factory: upSampling2d,
  baseName: 'up_sampling2d',
  outputShape(layer, inShape) {
    const [h, w, c] = imageInput(inShape);
    const out = [h * layer.size[0], w * layer.size[1], c];
    if (sizeOf(out) > LIMITS.MAX_SAMPLE_SIZE) throw new Error(`its output [${out}] has more than 2^28 values per sample`);
    return out;
  },
  weights: () => [],
  config: (layer, first) => ({ name: layer.name, size: [...layer.size], interpolation: layer.interpolation, dataFormat: layer.dataFormat, ...inputConfig(layer, first) }),
  addToC: (w, ptr, layer) => w.sn_model_add_upsampling2d(ptr, ...layer.size, layer.interpolation === 'bilinear' ? 1 : 0),
};

/** sn.layers.upSampling1d({ size = 2 }): each step repeated size times. */
export function upSampling1d(options) {
  const config = layerOptions('upSampling1d', options, ['size', 'inputShape']);
  return { type: 'UpSampling1D', name: config.name, size: checkSingle('upSampling1d size', config.size ?? 2)[0], inputShape: inputShapeOption('upSampling1d', config) };
}

export const UpSampling1D = {
  factory: upSampling1d,
  baseName: 'up_sampling1d',
  outputShape(layer, inShape) {
    const [steps, c] = sequenceInput(inShape);
    const out = [steps * layer.size, c];
    if (sizeOf(out) > LIMITS.MAX_SAMPLE_SIZE) throw new Error(`its output [${out}] has more than 2^28 values per sample`);
    return out;
  },
  weights: () => [],
  config: (layer, first) => ({ name: layer.name, size: layer.size, ...inputConfig(layer, first) }),
  addToC: (w, ptr, layer) => w.sn_model_add_upsampling2d(ptr, 1, layer.size, 0),
};
