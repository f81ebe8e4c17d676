// Zero padding and cropping of images (Keras' ZeroPadding2D, Cropping2D):
// [h, w, c] → [t + h + b, l + w + r, c] or [h − t − b, w − l − r, c]. Both take
// an integer (the same on every side), [rows, columns] (symmetric) or
// [[top, bottom], [left, right]], as Keras and TF.js do. In C one move does
// both (c/layer_pad2d.c): each one's gradient is the other. The 1-D kinds
// (Keras' ZeroPadding1D, Cropping1D; TF.js 4.22 has neither) pad or cut steps
// of a sequence, [steps, c] → [l + steps + r, c]: the columns of C's
// 1 × steps × c. They take an integer or [left, right].
import { LIMITS } from '../../dist/constants.js';
import { checkNumber } from '../core/names.js';
import { checkDataFormat, imageInput, inputConfig, inputShapeOption, layerOptions, sequenceInput, shapeText, sizeOf } from './common.js';

const OPTIONS = ['dataFormat', 'inputShape'];

/** n, [rows, columns] or [[top, bottom], [left, right]] of non-negative integers → [[top, bottom], [left, right]]. */
function checkBorders(what, value) {
  const amount = (v) => checkNumber(what, v, { min: 0, max: LIMITS.MAX_SAMPLE_SIZE, integer: true });
  if (typeof value === 'number') return [[amount(value), value], [value, value]];
  if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'number')) return value.map((v) => [amount(v), v]);
  if (Array.isArray(value) && value.length === 2 && value.every((v) => Array.isArray(v) && v.length === 2)) return value.map((pair) => pair.map(amount));
  throw new Error(`${what} must be an integer, [rows, columns] or [[top, bottom], [left, right]], got ${JSON.stringify(value)}`);
}

function borderLayer(type, what, option, fallback, options) {
  const config = layerOptions(what, options, [option, ...OPTIONS]);
  return {
    type,
    name: config.name,
    [option]: checkBorders(`${what} ${option}`, config[option] ?? fallback),
    dataFormat: checkDataFormat(what, config.dataFormat),
    inputShape: inputShapeOption(what, config),
  };
}

/** sn.layers.zeroPadding2d({ padding = 1 }): zeros around each image. */
export const zeroPadding2d = (options) => borderLayer('ZeroPadding2D', 'zeroPadding2d', 'padding', 1, options);
/** sn.layers.cropping2d({ cropping = 0 }): rows and columns cut off each image. */
export const cropping2d = (options) => borderLayer('Cropping2D', 'cropping2d', 'cropping', 0, options);

/** [h, w, c] with [[top, bottom], [left, right]] added (or cut: crop); an Error naming `given` (the layer's option) when nothing is left. */
function bordered([h, w, c], [[t, b], [l, r]], crop, given, inShape) {
  const sign = crop ? -1 : 1;
  const out = [h + sign * (t + b), w + sign * (l + r), c];
  if (out[0] < 1 || out[1] < 1) throw new Error(`its cropping ${JSON.stringify(given)} leaves nothing of an input of shape ${shapeText(inShape)}`);
  if (sizeOf(out) > LIMITS.MAX_SAMPLE_SIZE) throw new Error(`its output [${out}] has more than 2^28 values per sample`);
  return out;
}

function kind(factory, baseName, option, crop) {
  return {
    factory,
    baseName,
    outputShape: (layer, inShape) => bordered(imageInput(inShape), layer[option], crop, layer[option], inShape),
    weights: () => [],
    config: (layer, first) => ({ name: layer.name, [option]: layer[option].map((pair) => [...pair]), dataFormat: layer.dataFormat, ...inputConfig(layer, first) }),
    addToC: (w, ptr, layer) => w.sn_model_add_pad2d(ptr, crop ? 1 : 0, ...layer[option][0], ...layer[option][1]),
  };
}

export const ZeroPadding2D = kind(zeroPadding2d, 'zero_padding2d', 'padding', false);
export const Cropping2D = kind(cropping2d, 'cropping2d', 'cropping', true);

/** n or [left, right] of non-negative integers → [left, right]. */
function checkEnds(what, value) {
  const amount = (v) => checkNumber(what, v, { min: 0, max: LIMITS.MAX_SAMPLE_SIZE, integer: true });
  if (typeof value === 'number') return [amount(value), value];
  if (Array.isArray(value) && value.length === 2) return value.map(amount);
  throw new Error(`${what} must be an integer or [left, right], got ${JSON.stringify(value)}`);
}

function endsLayer(type, what, option, fallback, options) {
  const config = layerOptions(what, options, [option, 'dataFormat', 'inputShape']); // Keras 3's ZeroPadding1D has data_format
  checkDataFormat(what, config.dataFormat);
  return { type, name: config.name, [option]: checkEnds(`${what} ${option}`, config[option] ?? fallback), inputShape: inputShapeOption(what, config) };
}

/** sn.layers.zeroPadding1d({ padding = 1 }): zero steps before and after each sequence (Keras' ZeroPadding1D). */
export const zeroPadding1d = (options) => endsLayer('ZeroPadding1D', 'zeroPadding1d', 'padding', 1, options);
/** sn.layers.cropping1d({ cropping = [1, 1] }): steps cut off each end of each sequence (Keras' Cropping1D). */
export const cropping1d = (options) => endsLayer('Cropping1D', 'cropping1d', 'cropping', [1, 1], options);

function kind1d(factory, baseName, option, crop) {
  return {
    factory,
    baseName,
    // A sequence is C's 1 × steps × c: its ends are the columns' borders.
    outputShape: (layer, inShape) => bordered([1, ...sequenceInput(inShape)], [[0, 0], layer[option]], crop, layer[option], inShape).slice(1),
    weights: () => [],
    config: (layer, first) => ({ name: layer.name, [option]: [...layer[option]], ...inputConfig(layer, first) }),
    addToC: (w, ptr, layer) => w.sn_model_add_pad2d(ptr, crop ? 1 : 0, 0, 0, ...layer[option]),
  };
}

export const ZeroPadding1D = kind1d(zeroPadding1d, 'zero_padding1d', 'padding', false);
export const Cropping1D = kind1d(cropping1d, 'cropping1d', 'cropping', true);
