// Embedding (Keras' and TF.js' Embedding): each value of the input, a token id
// in [0, inputDim), becomes that row of the table `embeddings` [inputDim,
// outputDim]: an input of shape [steps] gives [steps, outputDim], any shape S
// gives [...S, outputDim]. The ids travel as float32 in C (exact up to 2^24,
// inputDim's limit here) and the model checks those of its inputs before any
// work (web/model/token-ids.js): an id that is not an integer in range is an
// Error naming the layer, the id and where it is (Keras truncates a fraction
// and fails on an id out of range). The table's gradient is a scatter-add of
// the rows of the ids seen (c/layer_embedding.c); nothing flows back past the
// ids. With maskZero, id 0 is padding: its output carries a Keras mask, 0 where
// the id is 0 (web/model/masks.js), which the layers after it honour.
import { LIMITS } from '../../dist/constants.js';
import { checkBoolean, checkNumber } from '../core/names.js';
import { checkShape, inputConfig, layerOptions, regularizerConfig, shapeText, sizeOf } from './common.js';
import { resolveInitializer } from './initializers.js';
import { resolveRegularizer } from './regularizers.js';

const OPTIONS = [
  'inputDim', 'outputDim', 'embeddingsInitializer', 'embeddingsRegularizer', 'activityRegularizer', 'embeddingsConstraint', 'maskZero', 'inputLength', 'inputShape',
];
/** Ids above 2^24 are not exact in float32 (and sn_model_add_embedding refuses them). */
export const MAX_INPUT_DIM = 2 ** 24;

/** The sample shape inputShape declares, or inputLength (TF.js' legacy option: a number, or a list for ids of rank ≥ 2). */
function declaredShape(config) {
  const shape = config.inputShape === undefined ? undefined : checkShape('embedding inputShape', config.inputShape);
  if (config.inputLength === undefined || config.inputLength === null) return shape;
  const length = checkShape('embedding inputLength', typeof config.inputLength === 'number' ? [config.inputLength] : config.inputLength);
  if (shape && shape.join() !== length.join())
    throw new Error(`embedding: inputLength ${JSON.stringify(config.inputLength)} does not match inputShape [${shape}]`);
  return length;
}

/** sn.layers.embedding({ inputDim, outputDim, embeddingsInitializer = randomUniform(±0.05), embeddingsRegularizer, maskZero, inputLength, inputShape }). */
export function embedding(options) {
  const config = layerOptions('embedding', options, OPTIONS);
  const maskZero = checkBoolean('embedding maskZero', config.maskZero ?? false);
  if (config.embeddingsConstraint !== undefined && config.embeddingsConstraint !== null)
    throw new Error('embedding: embeddingsConstraint is not supported (simdnet has no weight constraints)');
  const inputShape = declaredShape(config);
  return {
    type: 'Embedding',
    name: config.name,
    inputDim: checkNumber('embedding inputDim', config.inputDim, { min: 1, max: MAX_INPUT_DIM, integer: true }),
    outputDim: checkNumber('embedding outputDim', config.outputDim, { min: 1, max: LIMITS.MAX_SAMPLE_SIZE, integer: true }),
    embeddingsInitializer: resolveInitializer(config.embeddingsInitializer ?? 'randomUniform'),
    embeddingsRegularizer: resolveRegularizer(config.embeddingsRegularizer),
    activityRegularizer: resolveRegularizer(config.activityRegularizer),
    maskZero,
    inputLength: config.inputLength ?? null,
    inputShape,
  };
}

export const Embedding = {
  factory: embedding,
  baseName: 'embedding',
  masking: (layer) => (layer.maskZero ? 'makes' : undefined),
  /** The ids' shape with outputDim appended. */
  outputShape(layer, inShape) {
    const out = [...inShape, layer.outputDim];
    if (sizeOf(out) > LIMITS.MAX_SAMPLE_SIZE) throw new Error(`its output ${shapeText(out)} has more than 2^28 values per sample`);
    return out;
  },
  weights: (layer) => [
    { name: 'embeddings', slot: 0, shape: [layer.inputDim, layer.outputDim], initializer: layer.embeddingsInitializer, regularizer: layer.embeddingsRegularizer },
  ],
  config: (layer, first) => ({
    name: layer.name, inputDim: layer.inputDim, outputDim: layer.outputDim, embeddingsInitializer: { ...layer.embeddingsInitializer.config },
    embeddingsRegularizer: regularizerConfig(layer.embeddingsRegularizer), activityRegularizer: regularizerConfig(layer.activityRegularizer),
    maskZero: layer.maskZero, inputLength: Array.isArray(layer.inputLength) ? [...layer.inputLength] : layer.inputLength, ...inputConfig(layer, first),
  }),
  addToC: (w, ptr, layer) => w.sn_model_add_embedding(ptr, layer.inputDim, layer.outputDim),
};
