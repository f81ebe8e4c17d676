// The recurrent layers SimpleRNN, LSTM and GRU (c/layer_rnn.c, c/rnn.c) on
// sequences [steps, features]: TF.js' options and names, Keras 3's semantics
// and defaults (keras/src/layers/rnn/): activation tanh, recurrentActivation
// sigmoid (TF.js: hardSigmoid), kernel glorotUniform (TF.js: glorotNormal),
// recurrent kernel orthogonal, bias zeros with the LSTM's forget gate at ones
// (unitForgetBias), the GRU's resetAfter true (TF.js has only false). Output:
// [units], or [steps, units] with returnSequences, in the order the steps were
// processed (reversed with goBackwards, as Keras and TF.js).
//
// dropout: Keras' on the inputs, one mask per sample for the whole sequence
// (seed: its generator's, else drawn from the model's seed); recurrentDropout:
// Keras 3's on h_{t−1}, a mask per gate (and then the input masks one per gate
// too: keras/src/layers/rnn/lstm.py and gru.py switch their cells to
// implementation 1), in training only.
//
// returnState: apply returns [output, h] (SimpleRNN, GRU) or [output, h, c]
// (LSTM), as Keras; initial states come in as apply(x, { initialState }) or
// apply([x, …states]), [units] each (web/model/graph.js: one C node of several
// inputs, whose value holds every output side by side, sliced apart).
//
// Keras masks (web/model/masks.js): masked steps leave the states as they were
// and output the previous output (zeros with zeroOutputForMask, Keras' option,
// which needs returnSequences here); with returnSequences the output carries the
// mask on.
//
// Weights as Keras has them: kernel [features, k·units], recurrent_kernel
// [units, k·units], bias [k·units] (GRU with resetAfter: [2, 3·units], the
// input bias then the recurrent one); gates LSTM i f c o, GRU z r h.
import { checkBoolean, checkNumber } from '../core/names.js';
import { activationConfig, resolveActivation } from './activations.js';
import { inputConfig, inputShapeOption, kernelConfig, kernelOptionNames, kernelOptions, layerOptions, shapeText } from './common.js';
import { resolveInitializer } from './initializers.js';

const KERNELS = ['kernel', 'recurrent'];
const COMMON = ['units', ...kernelOptionNames(...KERNELS), 'returnSequences', 'goBackwards', 'dropout', 'recurrentDropout', 'seed',
  'returnState', 'stateful', 'unroll', 'implementation', 'zeroOutputForMask', 'inputShape'];
const GATED = [...COMMON, 'recurrentActivation'];

// What the kinds differ in: gates per unit, their own options.
const KIND = {
  SimpleRNN: { what: 'simpleRNN', gates: 1, options: COMMON },
  LSTM: { what: 'lstm', gates: 4, options: [...GATED, 'unitForgetBias'] },
  GRU: { what: 'gru', gates: 3, options: [...GATED, 'resetAfter'] },
};

/** Options every kind reads, checked; `type` is SimpleRNN, LSTM or GRU. */
function recurrent(type, options) {
  const { what, options: known } = KIND[type];
  const config = layerOptions(what, options, known);
  const flag = (key, value) => checkBoolean(`${what} ${key}`, config[key] ?? value);
  if (flag('stateful', false)) throw new Error(`${what}: stateful is not supported (only false): every batch starts from zero states`);
  flag('unroll', false); // simdnet always loops over the steps: the same results either way
  if (config.implementation != null) checkNumber(`${what} implementation`, config.implementation, { min: 1, max: 2, integer: true }); // the same function
  if (flag('zeroOutputForMask', false) && !flag('returnSequences', false))
    throw new Error(`${what}: zeroOutputForMask without returnSequences is not supported (only with returnSequences)`);
  const { activation: linear, ...kernels } = kernelOptions(what, config, KERNELS); // the cell's activation defaults to tanh, below
  return {
    type,
    name: config.name,
    units: checkNumber(`${what} units`, config.units, { min: 1, max: 2 ** 24, integer: true }),
    activation: resolveActivation(config.activation ?? 'tanh'),
    ...(type === 'SimpleRNN' ? {} : { recurrentActivation: resolveActivation(config.recurrentActivation ?? 'sigmoid') }),
    ...kernels,
    recurrentInitializer: resolveInitializer(config.recurrentInitializer ?? 'orthogonal'),
    ...(type === 'LSTM' ? { unitForgetBias: flag('unitForgetBias', true) } : {}),
    ...(type === 'GRU' ? { resetAfter: flag('resetAfter', true) } : {}),
    returnSequences: flag('returnSequences', false),
    zeroOutputForMask: flag('zeroOutputForMask', false),
    goBackwards: flag('goBackwards', false),
    returnState: flag('returnState', false),
    dropout: checkNumber(`${what} dropout`, config.dropout ?? 0, { min: 0, max: 0.999999 }),
    recurrentDropout: checkNumber(`${what} recurrentDropout`, config.recurrentDropout ?? 0, { min: 0, max: 0.999999 }),
    seed: config.seed == null ? undefined : checkNumber(`${what} seed`, config.seed, { min: 0, max: 2 ** 32 - 1, integer: true }),
    inputShape: inputShapeOption(what, config),
  };
}

/** sn.layers.simpleRNN({ units, activation = 'tanh', returnSequences, goBackwards, useBias, …Initializer, …Regularizer }). */
export const simpleRNN = (options) => recurrent('SimpleRNN', options);
/** sn.layers.lstm({ units, activation, recurrentActivation = 'sigmoid', unitForgetBias = true, returnSequences, goBackwards, … }). */
export const lstm = (options) => recurrent('LSTM', options);
/** sn.layers.gru({ units, activation, recurrentActivation = 'sigmoid', resetAfter = true, returnSequences, goBackwards, … }). */
export const gru = (options) => recurrent('GRU', options);

/** [steps, features] of a sequence input. */
export function sequenceInput(inShape) {
  if (inShape.length !== 2) throw new Error(`expects sequences of shape [steps, features], got an input of shape ${shapeText(inShape)}`);
  return inShape;
}

/** A layer's output for a sequence input [steps, features]: [steps, units] with returnSequences, else [units]. */
export function recurrentOutput(layer, inShape) {
  const [steps] = sequenceInput(inShape);
  return layer.returnSequences ? [steps, layer.units] : [layer.units];
}

/** The states of one recurrent layer of this type: h, and an LSTM's c. */
export const stateNames = (type) => (type === 'LSTM' ? ['h', 'c'] : ['h']);

/** Initial states given to apply: none, or `count` of them, each [units]. */
export function checkStates(shapes, count, units, order) {
  if (shapes.length === 0) return;
  if (shapes.length !== count) throw new Error(`takes ${count} initial state${count > 1 ? 's' : ''} (${order}, each [${units}]), got ${shapes.length}`);
  const bad = shapes.findIndex((s) => s.length !== 1 || s[0] !== units);
  if (bad >= 0) throw new Error(`initial state ${bad} must be [${units}] (units), got ${shapeText(shapes[bad])}`);
}

/**
 * After the node is added: its dropouts, zeroOutputForMask (a bidirectional node always has it, as Keras' wrapper
 * forces it) and returnState (C settings of recurrent and bidirectional nodes).
 */
export function recurrentSettings(w, ptr, node, layer, inner = layer) {
  const seeded = inner.seed === undefined ? 0 : 1, seed = (inner.seed ?? 0) >>> 0;
  const ok = node >= 0 && (inner !== layer || !layer.zeroOutputForMask || w.sn_model_set_zero_output(ptr, node, 1) === 1) &&
    (!inner.dropout || w.sn_model_set_input_dropout(ptr, node, inner.dropout, seeded, seed) === 1) &&
    (!inner.recurrentDropout || w.sn_model_set_recurrent_dropout(ptr, node, inner.recurrentDropout, seeded, seed) === 1) &&
    (!inner.returnState || w.sn_model_set_return_state(ptr, node, 1) === 1);
  return ok ? node : -1;
}

function descriptor(type, baseName, factory) {
  const { gates } = KIND[type];
  const k = (layer) => gates * layer.units;
  return {
    factory,
    baseName,
    // Masked steps carry the states (c/rnn.c); with returnSequences the output carries the mask on.
    masking: (layer) => (layer.returnSequences ? 'readsPasses' : 'reads'),
    outputShape: recurrentOutput,
    // initial states (apply's initialState) and returned ones (returnState: [output, h (, c)])
    states: true,
    checkStates: (layer, inShape, shapes) => checkStates(shapes, stateNames(type).length, layer.units, `[${stateNames(type)}]`),
    parts: (layer, inShape) => (layer.returnState ? [recurrentOutput(layer, inShape), ...stateNames(type).map(() => [layer.units])] : undefined),
    weights: (layer, inShape) => [
      { name: 'kernel', slot: 0, shape: [inShape[1], k(layer)], initializer: layer.kernelInitializer, regularizer: layer.kernelRegularizer },
      { name: 'recurrent_kernel', slot: 1, shape: [layer.units, k(layer)], initializer: layer.recurrentInitializer, regularizer: layer.recurrentRegularizer },
      ...(layer.useBias ? [{ name: 'bias', slot: 2, shape: layer.resetAfter ? [2, k(layer)] : [k(layer)], initializer: layer.biasInitializer, regularizer: layer.biasRegularizer }] : []),
    ],
    multiplyAdds: (layer, inShape) => inShape[0] * (inShape[1] + layer.units) * k(layer),
    config: (layer, first) => ({
      name: layer.name,
      units: layer.units,
      ...kernelConfig(layer, KERNELS),
      ...(layer.recurrentActivation ? { recurrentActivation: activationConfig(layer.recurrentActivation) } : {}),
      ...(type === 'LSTM' ? { unitForgetBias: layer.unitForgetBias } : {}),
      ...(type === 'GRU' ? { resetAfter: layer.resetAfter } : {}),
      returnSequences: layer.returnSequences,
      returnState: layer.returnState,
      ...(layer.zeroOutputForMask ? { zeroOutputForMask: true } : {}),
      goBackwards: layer.goBackwards,
      dropout: layer.dropout,
      recurrentDropout: layer.recurrentDropout,
      ...(layer.seed === undefined ? {} : { seed: layer.seed }),
      ...inputConfig(layer, first),
    }),
    addToC(w, ptr, layer) {
      const { activation: a, recurrentActivation: g } = layer, bias = layer.useBias ? 1 : 0, seq = layer.returnSequences ? 1 : 0, back = layer.goBackwards ? 1 : 0;
      const node = type === 'SimpleRNN' ? w.sn_model_add_simple_rnn(ptr, layer.units, a.kind, a.alpha, bias, seq, back)
        : type === 'LSTM' ? w.sn_model_add_lstm(ptr, layer.units, a.kind, a.alpha, g.kind, g.alpha, bias, layer.unitForgetBias ? 1 : 0, seq, back)
          : w.sn_model_add_gru(ptr, layer.units, a.kind, a.alpha, g.kind, g.alpha, bias, layer.resetAfter ? 1 : 0, seq, back);
      return recurrentSettings(w, ptr, node, layer);
    },
  };
}

export const SimpleRNN = descriptor('SimpleRNN', 'simple_rnn', simpleRNN);
export const LSTM = descriptor('LSTM', 'lstm', lstm);
export const GRU = descriptor('GRU', 'gru', gru);
