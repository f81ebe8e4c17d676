// Keras' Bidirectional(layer, merge_mode) around SimpleRNN, LSTM or GRU
// (keras/src/layers/rnn/bidirectional.py; TF.js' tfjs-layers
// src/layers/wrappers.ts): a forward copy of the layer and a backward copy
// that reads the steps in reverse, each with its own weights, their outputs
// merged — 'concat' (the default), 'sum', 'mul', 'ave', or null: both, as
// two outputs. With returnSequences the backward output is turned back into
// the input's order before merging, as Keras. One C node (c/layer_bidirectional.c).
//
// Weights, as TF.js names them: <name>/forward_<inner>/kernel, …/recurrent_kernel,
// …/bias, then <name>/backward_<inner>/… (Keras' get_weights order: the forward
// layer's, then the backward one's); <inner> is the wrapped layer's name
// (its kind's base name when it has none: lstm, gru, simple_rnn).
//
// The wrapped layer's returnState returns [output, forward h (c), backward h (c)]
// (mergeMode null: [forward output, backward output, …]); initial states are
// the forward layer's, then the backward one's (Keras' halves). Its goBackwards
// must be false: Keras 3 refuses a forward and a backward layer that read the
// same way (TF.js would swap them).
import { BIDIRECTIONAL_MERGE, RECURRENT } from '../../dist/constants.js';
import { GRU, LSTM, SimpleRNN, checkStates, recurrentOutput, recurrentSettings, stateNames } from './recurrent.js';
import { inputConfig, inputShapeOption, layerOptions } from './common.js';

const INNER = { SimpleRNN, LSTM, GRU };
const MERGE_MODES = ['concat', 'sum', 'mul', 'ave', null];

/** The wrapped layer's record: a recurrent layer from sn.layers, or its saved form { className, config }. */
function innerRecord(layer) {
  if (layer === undefined) throw new Error('bidirectional needs layer, e.g. { layer: sn.layers.lstm({ units: 8 }) }');
  const saved = layer !== null && typeof layer === 'object' && typeof layer.className === 'string' && typeof layer.config === 'object';
  const type = saved ? layer.className : layer?.type;
  if (typeof type !== 'string') throw new Error('bidirectional layer must be a recurrent layer made by sn.layers (e.g. sn.layers.lstm({ units: 8 }))');
  if (!Object.hasOwn(INNER, type)) throw new Error(`bidirectional of a ${type} layer is not supported: it wraps ${Object.keys(INNER).join(', ')}`);
  const record = saved ? INNER[type].factory(layer.config) : { ...layer };
  if (record.goBackwards)
    throw new Error('bidirectional: its layer has goBackwards true; Keras needs the forward layer to read forwards (the backward copy reads backwards)');
  record.zeroOutputForMask = false; // Keras' Bidirectional sets it to returnSequences, as the C node always does
  const activity = record.activityRegularizer;
  if (activity && (activity.l1 || activity.l2))
    throw new Error("bidirectional: its layer's activityRegularizer is not supported (Keras penalizes each direction's outputs apart); regularize the layer after it");
  return record;
}

/** sn.layers.bidirectional({ layer, mergeMode = 'concat', inputShape }). */
export function bidirectional(options) {
  const config = layerOptions('bidirectional', options, ['layer', 'mergeMode', 'inputShape', 'inputDim']);
  const inner = innerRecord(config.layer);
  const mergeMode = config.mergeMode === undefined ? 'concat' : config.mergeMode;
  if (!MERGE_MODES.includes(mergeMode))
    throw new Error(`bidirectional mergeMode must be one of ${MERGE_MODES.map((m) => JSON.stringify(m)).join(', ')}, got ${JSON.stringify(mergeMode)}`);
  // Keras 2 models give the wrapped layer the input shape: the wrapper takes it.
  const inputShape = inputShapeOption('bidirectional', config) ?? inner.inputShape;
  if (inner.inputShape !== undefined && inputShape.join() !== inner.inputShape.join())
    throw new Error(`bidirectional: inputShape [${inputShape}] and its layer's inputShape [${inner.inputShape}] differ`);
  delete inner.inputShape;
  return { type: 'Bidirectional', name: config.name, layer: inner, mergeMode, inputShape };
}

const kindOf = (layer) => INNER[layer.layer.type];
const innerName = (layer) => layer.layer.name ?? kindOf(layer).baseName;
const statesOf = (layer) => stateNames(layer.layer.type);

/** The merged output of one sequence: the wrapped layer's, twice as wide for concat. */
function mergedOutput(layer, inShape) {
  const out = recurrentOutput(layer.layer, inShape);
  return layer.mergeMode === 'concat' ? [...out.slice(0, -1), 2 * out.at(-1)] : out;
}

export const Bidirectional = {
  factory: bidirectional,
  baseName: 'bidirectional',
  outputShape: (layer, inShape) => mergedOutput(layer, inShape),
  // As its recurrent layers (web/model/masks.js): masked steps carry the states, and output zeros with returnSequences.
  masking: (layer) => (layer.layer.returnSequences ? 'readsPasses' : 'reads'),
  states: true,
  checkStates: (layer, inShape, shapes) => {
    const names = statesOf(layer);
    checkStates(shapes, 2 * names.length, layer.layer.units, `the forward layer's [${names}], then the backward layer's`);
  },
  // Several outputs: both directions' (mergeMode null), then with returnState every state, the forward layer's first.
  parts(layer, inShape) {
    if (layer.mergeMode !== null && !layer.layer.returnState) return undefined;
    const out = mergedOutput(layer, inShape), states = layer.layer.returnState ? [...statesOf(layer), ...statesOf(layer)].map(() => [layer.layer.units]) : [];
    return [...(layer.mergeMode === null ? [out, out] : [out]), ...states];
  },
  weights: (layer, inShape) => ['forward', 'backward'].flatMap((direction, d) => kindOf(layer).weights(layer.layer, inShape).map((t) => ({
    ...t, name: `${direction}_${innerName(layer)}/${t.name}`, slot: 3 * d + t.slot,
  }))),
  // C names the two layers' tensors forward/… and backward/…; TF.js and Keras name them after the wrapped layer.
  weightName: (layer, name) => name.replace(/^(forward|backward)\//, `$1_${innerName(layer)}/`),
  multiplyAdds: (layer, inShape, outShape) => 2 * kindOf(layer).multiplyAdds(layer.layer, inShape, outShape),
  config: (layer, first) => ({
    name: layer.name,
    layer: { className: layer.layer.type, config: { ...kindOf(layer).config(layer.layer, false), name: innerName(layer) } },
    mergeMode: layer.mergeMode,
    ...inputConfig(layer, first),
  }),
  addToC(w, ptr, layer) {
    const inner = layer.layer, { activation: a, recurrentActivation: g } = inner;
    const option = inner.type === 'LSTM' ? inner.unitForgetBias : inner.resetAfter;
    const node = w.sn_model_add_bidirectional(ptr, RECURRENT[inner.type], inner.units, a.kind, a.alpha, g?.kind ?? a.kind, g?.alpha ?? a.alpha,
      inner.useBias ? 1 : 0, option ? 1 : 0, inner.returnSequences ? 1 : 0, BIDIRECTIONAL_MERGE[layer.mergeMode ?? 'none']);
    return recurrentSettings(w, ptr, node, layer, inner);
  },
};
