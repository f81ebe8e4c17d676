// Keras' TimeDistributed(layer): the same inner layer applied to every step of
// a sequence [steps, …] (the axis after the batch), its weights shared by all
// steps (TF.js' timeDistributed, tfjs-layers src/layers/wrappers.ts). Inner
// layers so far: Dense, which on [steps, features] computes exactly a Dense on
// the last axis (one C node, c/layer_dense.c with last_axis), and Dropout and
// Activation, which act element by element. Its weights are the inner layer's,
// named under the wrapper as TF.js names them: time_distributed/kernel, /bias.
// The inner layer is kept as its options (a record), not as a layer of its own.
import { Activation } from './activation.js';
import { Dense } from './dense.js';
import { Dropout } from './dropout.js';
import { inputConfig, inputShapeOption, layerOptions, shapeText } from './common.js';

const INNER = { Dense, Dropout, Activation };

/**
 * The inner layer's record: a layer from sn.layers, or its saved form
 * { className, config } (model files and fromTfjs).
 */
function innerRecord(layer) {
  if (layer === undefined) throw new Error('timeDistributed needs layer, e.g. { layer: sn.layers.dense({ units: 8 }) }');
  const saved = layer !== null && typeof layer === 'object' && typeof layer.className === 'string' && typeof layer.config === 'object';
  const type = saved ? layer.className : layer?.type;
  if (typeof type !== 'string') throw new Error('timeDistributed layer must be a layer made by sn.layers (e.g. sn.layers.dense({ units: 8 }))');
  if (!Object.hasOwn(INNER, type))
    throw new Error(`timeDistributed of a ${type} layer is not supported yet; supported inner layers: ${Object.keys(INNER).join(', ')}`);
  const record = saved ? INNER[type].factory(layer.config) : { ...layer };
  if (record.inputShape !== undefined) throw new Error('timeDistributed: give inputShape to the timeDistributed layer, not to its inner layer');
  delete record.inputShape;
  return record;
}

/** sn.layers.timeDistributed({ layer, inputShape }). */
export function timeDistributed(options) {
  const config = layerOptions('timeDistributed', options, ['layer', 'inputShape', 'inputDim']);
  const inner = innerRecord(config.layer);
  return {
    type: 'TimeDistributed',
    name: config.name,
    layer: inner,
    // What the model reads of a layer's own options: the inner layer's activation (a softmax output's
    // loss fuses with it) and activity regularizer.
    ...(inner.activation && { activation: inner.activation }),
    ...(inner.activityRegularizer && { activityRegularizer: inner.activityRegularizer }),
    inputShape: inputShapeOption('timeDistributed', config),
  };
}

const kindOf = (layer) => INNER[layer.layer.type];
const stepShape = (inShape) => inShape.slice(1);

export const TimeDistributed = {
  factory: timeDistributed,
  baseName: 'time_distributed',
  masking: 'passes', // its inner layers (Dense, Dropout, Activation) pass masks on
  outputShape(layer, inShape) {
    if (inShape.length < 2)
      throw new Error(`expects inputs with a time axis, [steps, …] (rank ≥ 2 without the batch), got an input of shape ${shapeText(inShape)}`);
    return [inShape[0], ...kindOf(layer).outputShape(layer.layer, stepShape(inShape))];
  },
  weights: (layer, inShape) => kindOf(layer).weights(layer.layer, stepShape(inShape)),
  multiplyAdds: (layer, inShape, outShape) => inShape[0] * (kindOf(layer).multiplyAdds?.(layer.layer, stepShape(inShape), stepShape(outShape)) ?? 0),
  config: (layer, first) => ({
    name: layer.name,
    layer: { className: layer.layer.type, config: { ...kindOf(layer).config(layer.layer, false), name: layer.layer.name ?? kindOf(layer).baseName } },
    ...inputConfig(layer, first),
  }),
  // Dense on every step is Dense on the last axis; Dropout and Activation are element-wise.
  addToC: (w, ptr, layer, outShape, inShapes) => kindOf(layer).addToC(w, ptr, layer.layer, outShape, inShapes),
};
