// What batch and layer normalization share: epsilon, the optional scale
// (gamma) and offset (beta) of the last axis with Keras' defaults, and the
// only axis they normalize, the last.
import { resolveInitializer } from './initializers.js';
import { checkBoolean, checkNumber } from '../core/names.js';
import { resolveRegularizer } from './regularizers.js';
import { shapeText } from './common.js';

/** epsilon (0.001), center and scale (true), gamma's and beta's initializers ('ones', 'zeros') and regularizers, checked. */
export function affineOptions(what, config) {
  return {
    epsilon: checkNumber(`${what} epsilon`, config.epsilon ?? 1e-3, { min: 1e-30 }),
    center: checkBoolean(`${what} center`, config.center ?? true),
    scale: checkBoolean(`${what} scale`, config.scale ?? true),
    gammaInitializer: resolveInitializer(config.gammaInitializer ?? 'ones'),
    betaInitializer: resolveInitializer(config.betaInitializer ?? 'zeros'),
    gammaRegularizer: resolveRegularizer(config.gammaRegularizer),
    betaRegularizer: resolveRegularizer(config.betaRegularizer),
  };
}

/** The input's shape, when layer.axis is its last axis: -1, or its index counting the batch axis as Keras and TF.js do (3 for images). */
export function lastAxisShape(layer, inShape) {
  if (layer.axis !== -1 && layer.axis !== inShape.length)
    throw new Error(`axis ${layer.axis} is not the last axis of its input ${shapeText(inShape)}: only the last axis (-1) is supported`);
  return inShape;
}

/** gamma (slot 0) and beta (slot 1) of the last axis, where scale and center have them. */
export const affineWeights = (layer, inShape) => [
  ...(layer.scale ? [{ name: 'gamma', slot: 0, shape: [inShape.at(-1)], initializer: layer.gammaInitializer, regularizer: layer.gammaRegularizer }] : []),
  ...(layer.center ? [{ name: 'beta', slot: 1, shape: [inShape.at(-1)], initializer: layer.betaInitializer, regularizer: layer.betaRegularizer }] : []),
];
