// Merge layers, Keras' and TF.js' Add, Subtract, Multiply, Average, Maximum,
// Minimum (element-wise over inputs of one shape, no broadcasting; c/layer_merge.c)
// and Concatenate (along the last axis; c/layer_concatenate.c). They take a
// list of tensors: sn.layers.add().apply([a, b]). TF.js has no Subtract:
// simdnet has it (Keras does), and keeps it in its own model file.
import { LIMITS, MERGE } from '../../dist/constants.js';
import { layerOptions, shapeText } from './common.js';

/** Keras' rule for element-wise merges: at least two inputs (Subtract: exactly two), all of one shape. */
function elementwiseShape(type, shapes) {
  if (shapes.length < 2 || (type === 'Subtract' && shapes.length !== 2))
    throw new Error(type === 'Subtract' ? `takes exactly 2 inputs, got ${shapes.length}` : `takes at least 2 inputs, got ${shapes.length}`);
  if (shapes.length > LIMITS.MAX_NODE_INPUTS) throw new Error(`takes at most ${LIMITS.MAX_NODE_INPUTS} inputs, got ${shapes.length}`);
  const other = shapes.find((s) => s.join() !== shapes[0].join());
  if (other) throw new Error(`its inputs must all have one shape (no broadcasting), got ${shapes.map(shapeText).join(' and ')}`);
  return shapes[0];
}

function elementwise(type, baseName) {
  const factory = (options) => ({ type, name: layerOptions(baseName, options, []).name });
  return {
    factory,
    baseName,
    merge: true,
    masking: 'merges',
    outputShapeOf: (layer, shapes) => elementwiseShape(type, shapes),
    weights: () => [],
    config: (layer) => ({ name: layer.name }),
    addToC: (w, ptr) => w.sn_model_add_merge(ptr, MERGE[type]),
  };
}

export const Add = elementwise('Add', 'add');
export const Subtract = elementwise('Subtract', 'subtract');
export const Multiply = elementwise('Multiply', 'multiply');
export const Average = elementwise('Average', 'average');
export const Maximum = elementwise('Maximum', 'maximum');
export const Minimum = elementwise('Minimum', 'minimum');

/** sn.layers.concatenate({ axis = -1 }): inputs side by side along their last axis, the others equal. */
function concatenate(options) {
  const config = layerOptions('concatenate', options, ['axis']);
  const axis = config.axis ?? -1;
  if (!Number.isInteger(axis)) throw new Error(`concatenate axis must be an integer, got ${JSON.stringify(config.axis)}`);
  return { type: 'Concatenate', name: config.name, axis };
}

export const Concatenate = {
  factory: concatenate,
  baseName: 'concatenate',
  merge: true,
  masking: 'merges',
  outputShapeOf(layer, shapes) {
    if (shapes.length < 2) throw new Error(`takes at least 2 inputs, got ${shapes.length}`);
    if (shapes.length > LIMITS.MAX_NODE_INPUTS) throw new Error(`takes at most ${LIMITS.MAX_NODE_INPUTS} inputs, got ${shapes.length}`);
    const rank = shapes[0].length;
    // Keras counts the batch axis: axis rank (or −1) is the last one.
    if (layer.axis !== -1 && layer.axis !== rank)
      throw new Error(`axis ${layer.axis} is not the last axis of its inputs (rank ${rank} plus the batch): only the last axis (-1) is supported`);
    const differs = shapes.find((s) => s.length !== rank || s.slice(0, -1).join() !== shapes[0].slice(0, -1).join());
    if (differs) throw new Error(`its inputs must agree on every axis but the last, got ${shapes.map(shapeText).join(' and ')}`);
    return [...shapes[0].slice(0, -1), shapes.reduce((n, s) => n + s.at(-1), 0)];
  },
  weights: () => [],
  config: (layer) => ({ name: layer.name, axis: layer.axis }),
  addToC: (w, ptr) => w.sn_model_add_concatenate(ptr),
};
