// MultiHeadAttention: Keras 3's layer (keras/src/layers/attention/multi_head_attention.py; C:
// c/layer_attention.c) with TF.js-style camelCase options. Applied to [query, value] or
// [query, value, key] (samples [T, dq], [S, dv], [S, dk]) with kwargs
// { useCausalMask, attentionMask, returnAttentionScores } (attentionMask: a symbolic tensor [T, S]
// of 1 = attend, 0 = not, per sample: an extra input of the node). Output [T, outputShape ?? dq];
// with returnAttentionScores, [output, scores [numHeads, T, S]] (one C node of both, read by two
// hidden slices: web/model/parts.js). Keras masks of query, value and key (Embedding maskZero,
// Masking) combine with the causal and attention masks as Keras' _compute_attention_mask does;
// the output carries the query's mask. Weights are Keras 3's: query/kernel [dq, numHeads, keyDim],
// query/bias [numHeads, keyDim], key/…, value/… [dv, numHeads, valueDim], attention_output/kernel
// [numHeads, valueDim, out], attention_output/bias [out].
import { checkBoolean, checkNumber } from '../core/names.js';
import { layerOptions, regularizerConfig, shapeText } from './common.js';
import { resolveInitializer } from './initializers.js';
import { resolveRegularizer } from './regularizers.js';

const OPTIONS = ['numHeads', 'keyDim', 'valueDim', 'dropout', 'useBias', 'outputShape', 'attentionAxes', 'kernelInitializer', 'biasInitializer',
  'kernelRegularizer', 'biasRegularizer', 'seed'];
const KWARGS = ['useCausalMask', 'attentionMask', 'returnAttentionScores'];
const FLAGS = { key: 1, mask: 2, scores: 4 }; // c/model.h: enum sn_attention_flag

/** sn.layers.multiHeadAttention({ numHeads, keyDim, valueDim, dropout, useBias, outputShape, …Initializer, …Regularizer, seed }). */
export function multiHeadAttention(options) {
  const what = 'multiHeadAttention';
  const config = layerOptions(what, options, OPTIONS);
  const dim = (name, value) => checkNumber(`${what} ${name}`, value, { min: 1, integer: true });
  const axes = config.attentionAxes;
  // Keras 3 writes the axes it built with: (1,) for [batch, steps, features] inputs, the only ones supported.
  if (axes !== undefined && axes !== null && !(axes === 1 || (Array.isArray(axes) && axes.length === 1 && axes[0] === 1)))
    throw new Error(`${what}: attentionAxes ${JSON.stringify(axes)} is not supported: only null or [1] (attention over the steps of [steps, features] inputs)`);
  let outputShape = config.outputShape ?? null;
  if (Array.isArray(outputShape) && outputShape.length === 1) outputShape = outputShape[0];
  if (outputShape !== null) outputShape = dim('outputShape', outputShape);
  const keyDim = dim('keyDim', config.keyDim);
  const biasInitializer = resolveInitializer(config.biasInitializer ?? 'zeros');
  if (biasInitializer.name === 'orthogonal') throw new Error(`${what}: biasInitializer 'orthogonal' needs a matrix, and a bias is not one`);
  return {
    type: 'MultiHeadAttention',
    name: config.name,
    numHeads: dim('numHeads', config.numHeads),
    keyDim,
    valueDim: config.valueDim === undefined || config.valueDim === null ? keyDim : dim('valueDim', config.valueDim),
    dropout: checkNumber(`${what} dropout`, config.dropout ?? 0, { min: 0, max: 0.999999 }),
    useBias: checkBoolean(`${what} useBias`, config.useBias ?? true),
    outputShape,
    kernelInitializer: resolveInitializer(config.kernelInitializer ?? 'glorotUniform'),
    biasInitializer,
    kernelRegularizer: resolveRegularizer(config.kernelRegularizer),
    biasRegularizer: resolveRegularizer(config.biasRegularizer),
    seed: config.seed === undefined || config.seed === null ? undefined : checkNumber(`${what} seed`, config.seed, { min: 0, max: 2 ** 32 - 1, integer: true }),
  };
}

/** apply's inputs and kwargs as the node's inputs (query, value, [key], [attentionMask]) and its call settings. */
function call(layer, inputs, kwargs = {}) {
  const list = Array.isArray(inputs) ? inputs : [inputs];
  if (list.length < 2 || list.length > 3) throw new Error(`takes [query, value] or [query, value, key], got ${list.length} input${list.length === 1 ? '' : 's'}`);
  if (typeof kwargs !== 'object' || kwargs === null) throw new Error(`kwargs must be an object, got ${typeof kwargs}`);
  const unknown = Object.keys(kwargs).find((k) => !KWARGS.includes(k) && kwargs[k] !== undefined);
  if (unknown) throw new Error(`kwargs ${JSON.stringify(unknown)} is not supported (only ${KWARGS.join(', ')})`);
  const mask = kwargs.attentionMask ?? null;
  const shapes = list.map((t) => t?.sampleShape);
  if (!layer.attentionShapes && shapes.every(Boolean))
    Object.defineProperty(layer, 'attentionShapes', { value: [shapes[0], shapes[1], shapes[2] ?? shapes[1]], enumerable: false });
  return {
    inputs: mask ? [...list, mask] : list,
    call: {
      causal: checkBoolean('useCausalMask', kwargs.useCausalMask ?? false),
      key: list.length === 3, mask: Boolean(mask),
      scores: checkBoolean('returnAttentionScores', kwargs.returnAttentionScores ?? false),
    },
  };
}

/** The sample shapes of query, value and key, checked; [T, dq], [S, dv], [S, dk]. */
function shapesOf(shapes, c) {
  const [q, v] = shapes, k = c.key ? shapes[2] : v;
  const bad = [q, v, k].find((s) => s.length !== 2);
  if (bad) throw new Error(`takes samples [steps, features] (attention over the steps; Keras' attentionAxes for other ranks are not supported), got ${shapeText(bad)}`);
  if (k[0] !== v[0]) throw new Error(`key ${shapeText(k)} must have as many steps as value ${shapeText(v)}`);
  if (c.mask) {
    const m = shapes.at(-1);
    if (m.length !== 2 || m[0] !== q[0] || m[1] !== v[0]) throw new Error(`attentionMask must be [T, S] = [${q[0]}, ${v[0]}] per sample (query steps, value steps), got ${shapeText(m)}`);
  }
  return { q, v, k };
}

const outDim = (layer, q) => layer.outputShape ?? q[1];

/** A recorded node applied again (model files, TF.js import): its inputs (the attention mask last) and call settings. */
function replay(layer, inputs, c = {}) {
  const tensors = c.mask ? inputs.slice(0, -1) : inputs;
  return layer.apply(tensors, { useCausalMask: Boolean(c.causal), returnAttentionScores: Boolean(c.scores), ...(c.mask ? { attentionMask: inputs.at(-1) } : {}) });
}

export const MultiHeadAttention = {
  factory: multiHeadAttention,
  baseName: 'multi_head_attention',
  masking: 'query', // Keras: the output carries the query's mask (call: set_keras_mask(attention_output, query_mask))
  merge: true,
  call,
  replay,
  outputShapeOf(layer, shapes, c = { key: shapes.length === 3 }) {
    const { q } = shapesOf(shapes, c);
    return [q[0], outDim(layer, q)];
  },
  /** With returnAttentionScores: the output and the scores [numHeads, T, S] (the scores carry no mask). */
  parts(layer, shapes, c) {
    if (!c?.scores) return undefined;
    const { q, v } = shapesOf(shapes, c);
    return [[q[0], outDim(layer, q)], [layer.numHeads, q[0], v[0]]];
  },
  unmaskedParts: [1],
  /** Its first node's query, value and key shapes decide them (call keeps them). */
  weights(layer, inShape) {
    const [q, v, k] = layer.attentionShapes ?? [inShape, inShape, inShape];
    const { numHeads: n, keyDim, valueDim } = layer, kernel = { initializer: layer.kernelInitializer, regularizer: layer.kernelRegularizer };
    const bias = (name, slot, shape) => (layer.useBias ? [{ name, slot, shape, initializer: layer.biasInitializer, regularizer: layer.biasRegularizer }] : []);
    return [
      { name: 'query/kernel', slot: 0, shape: [q.at(-1), n, keyDim], ...kernel }, ...bias('query/bias', 1, [n, keyDim]),
      { name: 'key/kernel', slot: 2, shape: [k.at(-1), n, keyDim], ...kernel }, ...bias('key/bias', 3, [n, keyDim]),
      { name: 'value/kernel', slot: 4, shape: [v.at(-1), n, valueDim], ...kernel }, ...bias('value/bias', 5, [n, valueDim]),
      { name: 'attention_output/kernel', slot: 6, shape: [n, valueDim, outDim(layer, q)], ...kernel }, ...bias('attention_output/bias', 7, [outDim(layer, q)]),
    ];
  },
  multiplyAdds(layer, inShape) {
    const [T, d] = inShape, o = outDim(layer, inShape), { numHeads: n, keyDim: k, valueDim: v } = layer;
    return T * (d * n * (2 * k + v) + T * n * (k + v) + n * v * o);
  },
  config: (layer) => ({
    name: layer.name, numHeads: layer.numHeads, keyDim: layer.keyDim, valueDim: layer.valueDim, dropout: layer.dropout, useBias: layer.useBias,
    outputShape: layer.outputShape, attentionAxes: null,
    kernelInitializer: { ...layer.kernelInitializer.config }, biasInitializer: { ...layer.biasInitializer.config },
    kernelRegularizer: regularizerConfig(layer.kernelRegularizer), biasRegularizer: regularizerConfig(layer.biasRegularizer),
    ...(layer.seed === undefined ? {} : { seed: layer.seed }),
  }),
  addToC: (w, ptr, layer, outShape, inShapes, node) => {
    const c = node?.call ?? { key: inShapes.length === 3 };
    const flags = (c.key ? FLAGS.key : 0) | (c.mask ? FLAGS.mask : 0) | (c.scores ? FLAGS.scores : 0);
    return w.sn_model_add_attention(ptr, layer.numHeads, layer.keyDim, layer.valueDim, layer.outputShape ?? 0, layer.useBias ? 1 : 0,
      layer.dropout, c.causal ? 1 : 0, flags, layer.seed === undefined ? 0 : 1, (layer.seed ?? 0) >>> 0);
  },
};
