// KerasHub's position embeddings (keras_hub/src/layers/modeling/
// position_embedding.py and token_and_position_embedding.py), with TF.js-style
// camelCase options:
//
// positionEmbedding({ sequenceLength, initializer = 'glorotUniform' }): a learned
// table `embeddings` [sequenceLength, features]; on an input [..., T, features]
// (T ≤ sequenceLength) its output is the table's rows 0 … T − 1 broadcast to the
// input's shape. It does not add them to the input (KerasHub's call returns
// ops.broadcast_to of the slice): add them yourself, or use
// tokenAndPositionEmbedding. Its output does not depend on the input's values,
// so nothing flows back to the input; a mask on its input is dropped (its
// output has none, as in Keras 3, where the layer does not support masking).
//
// tokenAndPositionEmbedding({ vocabularySize, sequenceLength, embeddingDim,
// maskZero = false, embeddingsInitializer = 'randomUniform' }): an embedding of
// the ids plus a position embedding of that; ids [..., T] → [..., T,
// embeddingDim]. Weights, as KerasHub builds and names them (its sublayers
// token_embedding and position_embedding):
// token_embedding/embeddings [vocabularySize, embeddingDim], then
// position_embedding/embeddings [sequenceLength, embeddingDim], both drawn from
// embeddingsInitializer (KerasHub's default "uniform": RandomUniform ±0.05).
// maskZero: its output carries the token embedding's mask (id ≠ 0). Ids are
// checked as an Embedding's (web/model/token-ids.js). KerasHub's tie_weights
// (the reverse projection sharing the token table) is always on here: its
// reverse mode is not offered. C: c/layer_position_embedding.c,
// c/layer_token_and_position_embedding.c.
import { LIMITS } from '../../dist/constants.js';
import { checkBoolean, checkNumber } from '../core/names.js';
import { MAX_INPUT_DIM } from './embedding.js';
import { inputConfig, inputShapeOption, layerOptions, shapeText, sizeOf } from './common.js';
import { resolveInitializer } from './initializers.js';

const length = (what, value) => checkNumber(`${what} sequenceLength`, value, { min: 1, max: LIMITS.MAX_SAMPLE_SIZE, integer: true });

/** KerasHub slices rows [0, T) of the table: T (the axis `axis` of the shape) must be at most sequenceLength. */
function checkSteps(layer, steps) {
  if (steps > layer.sequenceLength)
    throw new Error(`its sequence of ${steps} steps is longer than its sequenceLength ${layer.sequenceLength} (the position table has ${layer.sequenceLength} rows)`);
}

/** sn.layers.positionEmbedding({ sequenceLength, initializer = 'glorotUniform', inputShape }). */
export function positionEmbedding(options) {
  const config = layerOptions('positionEmbedding', options, ['sequenceLength', 'initializer', 'inputShape']);
  return {
    type: 'PositionEmbedding',
    name: config.name,
    sequenceLength: length('positionEmbedding', config.sequenceLength),
    initializer: resolveInitializer(config.initializer ?? 'glorotUniform'),
    inputShape: inputShapeOption('positionEmbedding', config),
  };
}

export const PositionEmbedding = {
  factory: positionEmbedding,
  baseName: 'position_embedding',
  masking: 'drops',
  /** The input's shape: [..., T, features], T ≤ sequenceLength. */
  outputShape(layer, inShape) {
    if (inShape.length < 2) throw new Error(`its input ${shapeText(inShape)} needs a sequence axis and a features axis ([steps, features])`);
    checkSteps(layer, inShape.at(-2));
    return [...inShape];
  },
  weights: (layer, inShape) => [{ name: 'embeddings', slot: 0, shape: [layer.sequenceLength, inShape.at(-1)], initializer: layer.initializer }],
  multiplyAdds: () => 0,
  config: (layer, first) => ({ name: layer.name, sequenceLength: layer.sequenceLength, initializer: { ...layer.initializer.config }, ...inputConfig(layer, first) }),
  addToC: (w, ptr, layer) => w.sn_model_add_position_embedding(ptr, layer.sequenceLength),
  keras: { module: 'keras_hub.src.layers.modeling.position_embedding', registered_name: 'keras_hub>PositionEmbedding' },
};

/** sn.layers.tokenAndPositionEmbedding({ vocabularySize, sequenceLength, embeddingDim, maskZero, embeddingsInitializer, inputShape }). */
export function tokenAndPositionEmbedding(options) {
  const what = 'tokenAndPositionEmbedding';
  const config = layerOptions(what, options, ['vocabularySize', 'sequenceLength', 'embeddingDim', 'maskZero', 'embeddingsInitializer', 'tieWeights', 'inputShape']);
  if (!checkBoolean(`${what} tieWeights`, config.tieWeights ?? true))
    throw new Error(`${what}: tieWeights false is not supported (KerasHub's separate reverse_embeddings are for its reverse projection, which simdnet does not offer)`);
  return {
    type: 'TokenAndPositionEmbedding',
    name: config.name,
    vocabularySize: checkNumber(`${what} vocabularySize`, config.vocabularySize, { min: 1, max: MAX_INPUT_DIM, integer: true }),
    sequenceLength: length(what, config.sequenceLength),
    embeddingDim: checkNumber(`${what} embeddingDim`, config.embeddingDim, { min: 1, max: LIMITS.MAX_SAMPLE_SIZE, integer: true }),
    maskZero: checkBoolean(`${what} maskZero`, config.maskZero ?? false),
    embeddingsInitializer: resolveInitializer(config.embeddingsInitializer ?? 'randomUniform'),
    inputShape: inputShapeOption(what, config),
  };
}

export const TokenAndPositionEmbedding = {
  factory: tokenAndPositionEmbedding,
  baseName: 'token_and_position_embedding',
  masking: (layer) => (layer.maskZero ? 'makes' : undefined),
  /** Its table of ids (web/model/token-ids.js checks a model input's ids against it). */
  tokenTable: (layer) => ({ rows: layer.vocabularySize, option: 'vocabularySize' }),
  /** The ids' shape with embeddingDim appended; the ids' last axis is the sequence. */
  outputShape(layer, inShape) {
    checkSteps(layer, inShape.at(-1));
    const out = [...inShape, layer.embeddingDim];
    if (sizeOf(out) > LIMITS.MAX_SAMPLE_SIZE) throw new Error(`its output ${shapeText(out)} has more than 2^28 values per sample`);
    return out;
  },
  weights: (layer) => [
    { name: 'token_embedding/embeddings', slot: 0, shape: [layer.vocabularySize, layer.embeddingDim], initializer: layer.embeddingsInitializer },
    { name: 'position_embedding/embeddings', slot: 1, shape: [layer.sequenceLength, layer.embeddingDim], initializer: layer.embeddingsInitializer },
  ],
  multiplyAdds: (layer, inShape) => sizeOf(inShape) * layer.embeddingDim, // the sum
  config: (layer, first) => ({
    name: layer.name, vocabularySize: layer.vocabularySize, sequenceLength: layer.sequenceLength, embeddingDim: layer.embeddingDim,
    tieWeights: true, embeddingsInitializer: { ...layer.embeddingsInitializer.config }, maskZero: layer.maskZero, ...inputConfig(layer, first),
  }),
  addToC: (w, ptr, layer) => w.sn_model_add_token_and_position_embedding(ptr, layer.vocabularySize, layer.sequenceLength, layer.embeddingDim),
  keras: { module: 'keras_hub.src.layers.modeling.token_and_position_embedding', registered_name: 'keras_hub>TokenAndPositionEmbedding' },
};
