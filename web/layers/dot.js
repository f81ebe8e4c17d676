// Dot: Keras' and TF.js' dot product of two inputs along one axis of each
// (c/layer_dot.c), each sample a vector or a matrix. axes counts the batch
// axis, as Keras: 1 is a sample's first axis, -1 its last; one number for
// both inputs or [a, b]. normalize: each input of unit length along its axis
// first, so the result is their cosine. The output holds the first input's
// other axis, then the second's ([1] for two vectors).
import { checkBoolean } from '../core/names.js';
import { layerOptions, shapeText } from './common.js';

function dot(options) {
  const config = layerOptions('dot', options, ['axes', 'normalize']);
  const { axes } = config;
  const valid = (a) => Number.isInteger(a) && a !== 0;
  if (!(valid(axes) || (Array.isArray(axes) && axes.length === 2 && axes.every(valid))))
    throw new Error(`dot needs axes, a non-zero integer or two (counting the batch axis: 1 is a sample's first axis, -1 its last), got ${JSON.stringify(axes)}`);
  return { type: 'Dot', name: config.name, axes: Array.isArray(axes) ? [...axes] : axes, normalize: checkBoolean('dot normalize', config.normalize ?? false) };
}

/** Each input's contracted axis as an index into its sample shape, checked. */
function sampleAxes(layer, shapes) {
  if (shapes.length !== 2) throw new Error(`takes exactly 2 inputs, got ${shapes.length}`);
  const bad = shapes.find((s) => s.length > 2);
  if (bad) throw new Error(`takes inputs whose samples are vectors or matrices, got ${shapes.map(shapeText).join(' and ')}`);
  return shapes.map((shape, i) => {
    const given = Array.isArray(layer.axes) ? layer.axes[i] : layer.axes;
    const axis = given < 0 ? given + shape.length + 1 : given;
    if (axis < 1 || axis > shape.length) throw new Error(`axis ${given} does not exist in its input ${i} of shape ${shapeText(shape)}`);
    return axis - 1;
  });
}

export const Dot = {
  factory: dot,
  baseName: 'dot',
  masking: 'drops', // Keras' Dot.compute_mask: None
  merge: true,
  outputShapeOf(layer, shapes) {
    const axes = sampleAxes(layer, shapes);
    const [a, b] = shapes.map((s, i) => s[axes[i]]);
    if (a !== b) throw new Error(`contracts axes of ${a} and ${b} values: they must be equal (inputs ${shapes.map(shapeText).join(' and ')})`);
    const free = shapes.flatMap((s, i) => s.filter((_, k) => k !== axes[i]));
    return free.length ? free : [1];
  },
  weights: () => [],
  config: (layer) => ({ name: layer.name, axes: Array.isArray(layer.axes) ? [...layer.axes] : layer.axes, normalize: layer.normalize }),
  // C sees a sample as [w, c]: a vector's one axis is c, a matrix's first w and last c.
  addToC: (w, ptr, layer, outShape, inShapes) => {
    const [a, b] = sampleAxes(layer, inShapes).map((axis, i) => (inShapes[i].length === 1 || axis === 1 ? 1 : 0));
    return w.sn_model_add_dot(ptr, a, b, layer.normalize ? 1 : 0);
  },
};
