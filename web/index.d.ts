// Type declarations for simdnet: the Node entry (web/index.js) and the browser entry
// (web/browser.js, web/browser.d.ts) have the same API.
// Memory: every array the library returns is a fresh JavaScript copy owned by
// the caller; inputs are copied into wasm memory and freed before each call returns.
// A model owns its wasm memory (weights, optimizer state, workspace) until dispose().

export * as data from './data/data-all.js';

export interface ReadyOptions {
  /** Where simdnet.wasm is, when not next to web/: a URL (a relative one resolves against the page, the Worker or Node's working folder), the bytes, or a compiled module. */
  wasm?: URL | string | ArrayBuffer | ArrayBufferView | WebAssembly.Module;
  /** Where the threaded build simdnet-mt.wasm is, when not next to web/. */
  wasmThreads?: URL | string | ArrayBuffer | ArrayBufferView | WebAssembly.Module;
  /**
   * Threads that train. Default: in a cross-origin-isolated page or worker with several cores,
   * every core (at most 8); otherwise (and in Node) 1. Above 1, the threaded build is loaded,
   * falling back to the single-threaded module when it cannot be. Same weights either way.
   */
  threads?: number;
  /**
   * Opt in to the relaxed-SIMD build (simdnet-relaxed.wasm, or simdnet-relaxed-mt.wasm with threads):
   * its matrix products multiply-add with f32x4.relaxed_madd, fused where the CPU has FMA. Loaded
   * where the engine validates relaxed SIMD (Chromium 114+, Firefox; Node 20 only with
   * --experimental-wasm-relaxed-simd), else the default build, silently. Its weights are
   * reproducible on one machine but not bit-identical to the default build's. Default false.
   */
  relaxedSimd?: boolean;
  /** Where simdnet-relaxed.wasm is, when not next to web/. */
  wasmRelaxed?: URL | string | ArrayBuffer | ArrayBufferView | WebAssembly.Module;
  /** Where simdnet-relaxed-mt.wasm is, when not next to web/. */
  wasmRelaxedThreads?: URL | string | ArrayBuffer | ArrayBufferView | WebAssembly.Module;
}
/** Instantiates the .wasm once (Node, page, Worker); await it before anything else. */
export function ready(options?: ReadyOptions): Promise<void>;
/** Threads training now: 1, or those of the threaded build that ready() started. */
export function threads(): number;
/** Which build ready() loaded and what it runs with, as the module itself reports. */
export interface Features {
  module: 'simdnet.wasm' | 'simdnet-mt.wasm' | 'simdnet-relaxed.wasm' | 'simdnet-relaxed-mt.wasm';
  /** Threads training: 1 unless a threaded build runs. */
  threads: number;
  /** f32x4.relaxed_madd in the matrix products (ready({ relaxedSimd: true }) where supported). */
  relaxedSimd: boolean;
  /** WebAssembly SIMD128: every build needs it. */
  simd: boolean;
}
export function features(): Features;
/** Bytes of wasm linear memory. */
export function memoryBytes(): number;
/** Bytes of the C heap allocated and not yet freed. */
export function heapBytes(): number;

/** TF.js' camelCase names (Keras' snake_case spellings are accepted too: 'leaky_relu', 'hard_sigmoid', 'log_softmax', …). */
export type ActivationName = 'linear' | 'sigmoid' | 'tanh' | 'relu' | 'leakyRelu' | 'softmax'
  | 'elu' | 'selu' | 'relu6' | 'softplus' | 'softsign' | 'swish' | 'silu' | 'mish' | 'gelu' | 'geluNew' | 'gelu_new' | 'geluApproximate'
  | 'hardSigmoid' | 'hard_sigmoid' | 'hardSilu' | 'hard_silu' | 'hardSwish' | 'hard_swish' | 'exponential' | 'logSoftmax' | 'log_softmax';
/**
 * An activation with its parameter: leakyRelu's alpha (default 0.2), elu's alpha (default 1), hardSigmoid's
 * slope (default 1/6, Keras 3's relu6(x + 3)/6; TF.js' and Keras 2's is 0.2).
 */
export interface ActivationSpec { name: ActivationName; alpha?: number; slope?: number }
/** leakyRelu with its slope (default 0.2, Keras' leaky_relu). */
export function leakyRelu(options?: { alpha?: number }): ActivationSpec;

export type InitializerName =
  | 'zeros' | 'ones' | 'constant' | 'randomNormal' | 'truncatedNormal' | 'randomUniform'
  | 'glorotUniform' | 'glorotNormal' | 'heNormal' | 'heUniform' | 'leCunNormal' | 'leCunUniform' | 'orthogonal';
export interface InitializerSpec { name: InitializerName; [param: string]: number | string }
export const initializers: {
  zeros(): InitializerSpec;
  ones(): InitializerSpec;
  constant(options?: { value?: number }): InitializerSpec;
  randomNormal(options?: { mean?: number; stddev?: number }): InitializerSpec;
  truncatedNormal(options?: { mean?: number; stddev?: number }): InitializerSpec;
  randomUniform(options?: { minval?: number; maxval?: number }): InitializerSpec;
  glorotUniform(): InitializerSpec;
  glorotNormal(): InitializerSpec;
  heNormal(): InitializerSpec;
  heUniform(): InitializerSpec;
  leCunNormal(): InitializerSpec;
  leCunUniform(): InitializerSpec;
  /** Keras' Orthogonal: a random orthogonal matrix (the tensor as [rows, last axis]), times gain (default 1). */
  orthogonal(options?: { gain?: number }): InitializerSpec;
};

/** penalty = l1·Σ|w| + l2·Σw² (Keras' definition: Σw², not Σw²/2). */
export interface Regularizer { name: string; l1: number; l2: number }
export const regularizers: {
  l1(factor?: number | { l1: number }): Regularizer;
  l2(factor?: number | { l2: number }): Regularizer;
  l1l2(options?: { l1?: number; l2?: number }): Regularizer;
};

type RegularizerSpec = Regularizer | 'l1' | 'l2' | 'l1l2';
type InitializerOption = InitializerName | InitializerSpec;
/** A positive integer, or [height, width]. */
export type Size2 = number | [number, number];
/** One sample's shape without the batch axis, as Keras' input_shape: [784], [28, 28, 1], … */
export type Shape = number[];

interface LayerBase {
  name?: string;
  /** First layer only: the shape of one input sample. */
  inputShape?: Shape;
}

/** What the layers with weights share. */
interface BiasLayerConfig extends LayerBase {
  activation?: ActivationName | ActivationSpec;
  useBias?: boolean;
  biasInitializer?: InitializerOption;
  biasRegularizer?: RegularizerSpec;
  /** On the layer's output, per sample (Keras: divided by the batch size); hidden layers only. */
  activityRegularizer?: RegularizerSpec;
}
/** What dense and conv2d share. */
interface KernelLayerConfig extends BiasLayerConfig {
  /** Default 'glorotUniform' (Keras'; TF.js defaults to glorotNormal). */
  kernelInitializer?: InitializerOption;
  kernelRegularizer?: RegularizerSpec;
}
export interface DenseConfig extends KernelLayerConfig {
  units: number;
  /** On the last axis ([steps, features] → [steps, units], as Keras), except as a Sequential's first layer with an inputShape of rank > 1, which it flattens ([28, 28] → 784). */
  inputShape?: Shape;
  inputDim?: number;
}
/**
 * Recurrent layers (simpleRNN, lstm, gru) on sequences: input [steps, features] → [units], or [steps, units]
 * with returnSequences. Keras 3's defaults (TF.js' differ where noted).
 */
interface RecurrentConfig extends LayerBase {
  units: number;
  /** The cell's activation, default 'tanh'. */
  activation?: ActivationName | ActivationSpec;
  useBias?: boolean;
  /** Default 'glorotUniform' (TF.js: glorotNormal). */
  kernelInitializer?: InitializerOption;
  /** Default 'orthogonal'. */
  recurrentInitializer?: InitializerOption;
  biasInitializer?: InitializerOption;
  kernelRegularizer?: RegularizerSpec;
  recurrentRegularizer?: RegularizerSpec;
  biasRegularizer?: RegularizerSpec;
  activityRegularizer?: RegularizerSpec;
  /** Every step's output [steps, units] (in the order processed), else the last step's [units]. It then carries a Keras mask its input carries. */
  returnSequences?: boolean;
  /** Keras' zero_output_for_mask: steps a Keras mask masks output zeros, not the previous output (only with returnSequences; TF.js lacks it). */
  zeroOutputForMask?: boolean;
  /** Process the steps in reverse (Keras' go_backwards). */
  goBackwards?: boolean;
  /** Keras' dropout on the inputs in training: one mask per sample for the whole sequence (default 0). */
  dropout?: number;
  /** Its masks' generator (default: drawn from the model's seed). */
  seed?: number;
  /** Keras 3's dropout of h_{t−1} in training: a mask per gate, sample and sequence (default 0); the input masks are then one per gate too. */
  recurrentDropout?: number;
  /** apply returns [output, h] (simpleRNN, gru) or [output, h, c] (lstm), as Keras; functional models only. */
  returnState?: boolean;
  /** Only false: every batch starts from zero states (or from the initial states given to apply). */
  stateful?: false;
  /** Accepted and ignored: they do not change what is computed. */
  unroll?: boolean;
  implementation?: 1 | 2;
}
export interface SimpleRNNConfig extends RecurrentConfig {}
interface GatedConfig extends RecurrentConfig {
  /** The gates' activation, default 'sigmoid' (TF.js: hardSigmoid of slope 0.2, { name: 'hardSigmoid', slope: 0.2 } here). */
  recurrentActivation?: ActivationName | ActivationSpec;
}
export interface LSTMConfig extends GatedConfig {
  /** The forget gate's bias starts at ones (default true). */
  unitForgetBias?: boolean;
}
export interface GRUConfig extends GatedConfig {
  /** The reset gate applied after the recurrent product, bias [2, 3·units] (Keras 3's default true; TF.js has only false). */
  resetAfter?: boolean;
}
export interface DropoutConfig extends LayerBase { rate: number; seed?: number; inputDim?: number }
/** Channels last: input [height, width, channels] → [outHeight, outWidth, filters]; kernel [kh, kw, channels, filters]. */
export interface Conv2DConfig extends KernelLayerConfig {
  filters: number;
  kernelSize: Size2;
  /** Default 1. Strides > 1 together with dilationRate > 1 are refused (as TensorFlow). */
  strides?: Size2;
  /** Default 'valid'. */
  padding?: 'valid' | 'same';
  /** Only 'channelsLast' (the default); 'channelsFirst' is refused. */
  dataFormat?: 'channelsLast';
  /** Default 1. */
  dilationRate?: Size2;
}
/** The window of depthwiseConv2d and separableConv2d, as conv2d's. */
interface WindowConfig {
  kernelSize: Size2;
  /** Default 1. Strides > 1 together with dilationRate > 1 are refused (as TensorFlow). */
  strides?: Size2;
  /** Default 'valid'. */
  padding?: 'valid' | 'same';
  dataFormat?: 'channelsLast';
  /** Default 1. */
  dilationRate?: Size2;
}
/** Each input channel on its own: [h, w, c] → [oh, ow, c·depthMultiplier] (output channel c·depthMultiplier + m); depthwise_kernel [kh, kw, c, depthMultiplier]. */
export interface DepthwiseConv2DConfig extends BiasLayerConfig, WindowConfig {
  /** Default 1. */
  depthMultiplier?: number;
  /** Default 'glorotUniform' (Keras'). */
  depthwiseInitializer?: InitializerOption;
  depthwiseRegularizer?: RegularizerSpec;
}
/** A depthwise convolution (no bias) then a 1×1 convolution to filters; pointwise_kernel [1, 1, c·depthMultiplier, filters]. */
export interface SeparableConv2DConfig extends DepthwiseConv2DConfig {
  filters: number;
  pointwiseInitializer?: InitializerOption;
  pointwiseRegularizer?: RegularizerSpec;
}
/** [h, w, c] → Keras' deconv output size × filters; kernel [kh, kw, filters, c]. No dilation (as TF.js). */
export interface Conv2DTransposeConfig extends KernelLayerConfig {
  filters: number;
  kernelSize: Size2;
  strides?: Size2;
  padding?: 'valid' | 'same';
  dataFormat?: 'channelsLast';
  /** Default null (Keras' None); each less than its stride. TF.js has none: toTfjs refuses it. */
  outputPadding?: Size2 | null;
}
export interface Pooling2DConfig extends LayerBase {
  /** Default 2. */
  poolSize?: Size2;
  /** Default poolSize. */
  strides?: Size2 | null;
  padding?: 'valid' | 'same';
  dataFormat?: 'channelsLast';
}
export interface GlobalPooling2DConfig extends LayerBase { dataFormat?: 'channelsLast' }
export interface FlattenConfig extends LayerBase { dataFormat?: 'channelsLast' }
/** One dimension may be -1 (inferred). */
export interface ReshapeConfig extends LayerBase { targetShape: number[] }
/** Over the last axis; batch statistics in training, the moving ones at inference. */
export interface BatchNormalizationConfig extends LayerBase {
  /** Only the last axis: -1 (default) or its index. */
  axis?: number;
  /** Default 0.99: moving = moving·momentum + batch·(1 − momentum). */
  momentum?: number;
  /** Default 0.001. */
  epsilon?: number;
  /** beta; default true. */
  center?: boolean;
  /** gamma; default true. */
  scale?: boolean;
  betaInitializer?: InitializerOption;
  gammaInitializer?: InitializerOption;
  movingMeanInitializer?: InitializerOption;
  movingVarianceInitializer?: InitializerOption;
  betaRegularizer?: RegularizerSpec;
  gammaRegularizer?: RegularizerSpec;
}
export interface ActivationConfig extends LayerBase { activation: ActivationName | ActivationSpec }
/** An integer (every side), [rows, columns] (each on both sides) or [[top, bottom], [left, right]], as Keras. */
export type Border2 = number | [number, number] | [[number, number], [number, number]];
/** Zeros around each image: [h, w, c] → [top + h + bottom, left + w + right, c]. */
export interface ZeroPadding2DConfig extends LayerBase { /** Default 1. */ padding?: Border2; dataFormat?: 'channelsLast' }
/** Rows and columns cut off each image: [h, w, c] → [h − top − bottom, w − left − right, c]. */
export interface Cropping2DConfig extends LayerBase { /** Default 0. */ cropping?: Border2; dataFormat?: 'channelsLast' }
/** [h, w, c] → [size[0]·h, size[1]·w, c]. */
export interface UpSampling2DConfig extends LayerBase {
  /** Default [2, 2]. */
  size?: Size2;
  /** Default 'nearest' (repeats). 'bilinear' is Keras' (TensorFlow's half-pixel centers), not TF.js 4.22's UpSampling2D. */
  interpolation?: 'nearest' | 'bilinear';
  dataFormat?: 'channelsLast';
}
/** Each position's last axis normalized by its own mean and variance: gamma·(x − mean)/√(var + epsilon) + beta. Only the last axis. */
export interface LayerNormalizationConfig extends LayerBase {
  /** -1 (default), its index counting the batch axis (2 for [steps, features]), or a list of one of them. */
  axis?: number | [number];
  /** Default 0.001. */
  epsilon?: number;
  /** beta, default true. */
  center?: boolean;
  /** gamma, default true. */
  scale?: boolean;
  betaInitializer?: InitializerOption;
  gammaInitializer?: InitializerOption;
  betaRegularizer?: RegularizerSpec;
  gammaRegularizer?: RegularizerSpec;
}
/** Keras' Masking: positions (steps) whose values all equal maskValue (default 0) output zeros and are masked downstream. */
export interface MaskingConfig extends LayerBase { maskValue?: number }
/**
 * Keras 3's MultiHeadAttention: apply([query, value]) or apply([query, value, key]) on samples [T, dq], [S, dv],
 * [S, dk], with kwargs { useCausalMask, attentionMask: a [T, S] tensor of 1/0, returnAttentionScores: then
 * [output, scores [numHeads, T, S]] }. Output [T, outputShape ?? dq]. Weights query/kernel [dq, numHeads, keyDim],
 * query/bias, key/…, value/… [dv, numHeads, valueDim], attention_output/kernel [numHeads, valueDim, out], …/bias.
 */
export interface MultiHeadAttentionConfig extends LayerBase {
  numHeads: number; keyDim: number; valueDim?: number; dropout?: number; useBias?: boolean; outputShape?: number | [number] | null;
  attentionAxes?: null | 1 | [1]; kernelInitializer?: InitializerOption; biasInitializer?: InitializerOption;
  kernelRegularizer?: RegularizerSpec; biasRegularizer?: RegularizerSpec; seed?: number;
}
export interface MultiHeadAttentionKwargs { useCausalMask?: boolean; attentionMask?: SymbolicTensor; returnAttentionScores?: boolean }
export interface MultiHeadAttentionLayer extends Omit<Layer, 'apply'> {
  apply(inputs: SymbolicTensor[], kwargs?: MultiHeadAttentionKwargs & { returnAttentionScores?: false }): SymbolicTensor;
  apply(inputs: SymbolicTensor[], kwargs: MultiHeadAttentionKwargs & { returnAttentionScores: true }): SymbolicTensor[];
}
/** [features] → [n, features]. */
export interface RepeatVectorConfig extends LayerBase { n: number }
/** The sample's axes (1 … rank, rank ≤ 3) in another order: [2, 1] turns [steps, features] into [features, steps]. */
export interface PermuteConfig extends LayerBase { dims: number[] }
/** The same inner layer on every step of [steps, …]; inner layers so far: dense, dropout, activation. Weights named time_distributed/kernel, … as TF.js'. */
export interface TimeDistributedConfig extends LayerBase { layer: Layer }
/**
 * Keras' Bidirectional around simpleRNN, lstm or gru: a forward and a backward copy, each with its own weights
 * (<name>/forward_<inner>/…, then <name>/backward_<inner>/…), merged per step: 'concat' (default), 'sum', 'mul',
 * 'ave', or null for both outputs (apply returns a list, as it does with the inner layer's returnState:
 * [output(s), forward states, backward states]).
 */
export interface BidirectionalConfig extends LayerBase { layer: Layer | MultiOutputLayer; mergeMode?: 'concat' | 'sum' | 'mul' | 'ave' | null }
/** Token ids → vectors: input [steps] (or any shape S) of integer ids in [0, inputDim) → [steps, outputDim] ([...S, outputDim]); weight embeddings [inputDim, outputDim]. */
export interface EmbeddingConfig extends LayerBase {
  /** The table's rows: ids are integers in [0, inputDim); at most 2^24 (ids travel as float32). */
  inputDim: number;
  outputDim: number;
  /** Default randomUniform(-0.05, 0.05), as Keras and TF.js. */
  embeddingsInitializer?: InitializerOption;
  embeddingsRegularizer?: RegularizerSpec;
  activityRegularizer?: RegularizerSpec;
  /** Id 0 is padding: the output carries a Keras mask (0 where the id is 0) that recurrent layers, globalAveragePooling1d and the loss honour. */
  maskZero?: boolean;
  /** TF.js' legacy form of inputShape for a first layer: the steps (or the ids' shape). */
  inputLength?: number | number[] | null;
}
/**
 * KerasHub's PositionEmbedding: on an input [..., T, features] (T ≤ sequenceLength) its output is rows 0 … T − 1 of its
 * table embeddings [sequenceLength, features], broadcast to the input's shape (not added to it: add them yourself).
 */
export interface PositionEmbeddingConfig extends LayerBase {
  sequenceLength: number;
  /** Default glorotUniform, KerasHub's. */
  initializer?: InitializerOption;
}
/**
 * KerasHub's TokenAndPositionEmbedding: ids [..., T] (T ≤ sequenceLength) → token rows + position rows [..., T, embeddingDim];
 * weights token_embedding/embeddings [vocabularySize, embeddingDim], position_embedding/embeddings [sequenceLength, embeddingDim].
 */
export interface TokenAndPositionEmbeddingConfig extends LayerBase {
  /** Ids are integers in [0, vocabularySize); at most 2^24. */
  vocabularySize: number;
  sequenceLength: number;
  embeddingDim: number;
  /** Id 0 is padding: the output carries the token embedding's Keras mask. */
  maskZero?: boolean;
  /** Both tables' initializer; default randomUniform(-0.05, 0.05) (KerasHub's "uniform"). */
  embeddingsInitializer?: InitializerOption;
  /** KerasHub's tie_weights: only true (its reverse projection is not offered). */
  tieWeights?: true;
}
/** A 1-D size: a number or [number] (TF.js' and Keras' config form). */
export type Size1 = number | [number];
/** Channels last over sequences: input [steps, channels] → [outSteps, filters]; kernel [kernelSize, channels, filters]. */
export interface Conv1DConfig extends KernelLayerConfig {
  filters: number;
  kernelSize: Size1;
  /** Default 1. Strides > 1 together with dilationRate > 1 are refused (as TensorFlow). */
  strides?: Size1;
  /** Default 'valid'. 'causal' (Keras'): (kernelSize − 1)·dilationRate zeros before the first step; TF.js 4.22 cannot run it (toTfjs refuses). */
  padding?: 'valid' | 'same' | 'causal';
  dataFormat?: 'channelsLast';
  /** Default 1. */
  dilationRate?: Size1;
}
/** [steps, c] → [outSteps, c]. */
export interface Pooling1DConfig extends LayerBase {
  /** Default 2. */
  poolSize?: Size1;
  /** Default poolSize. */
  strides?: Size1 | null;
  padding?: 'valid' | 'same';
  dataFormat?: 'channelsLast';
}
/** [steps, c] → [c]. */
export interface GlobalPooling1DConfig extends LayerBase { dataFormat?: 'channelsLast' }
/** Each step repeated: [steps, c] → [size·steps, c] (Keras' UpSampling1D; TF.js 4.22 has none). */
export interface UpSampling1DConfig extends LayerBase { /** Default 2. */ size?: Size1 }
/** Zero steps before and after: [steps, c] → [left + steps + right, c] (Keras' ZeroPadding1D; TF.js 4.22 has none). */
export interface ZeroPadding1DConfig extends LayerBase { /** Default 1. */ padding?: number | [number, number]; dataFormat?: 'channelsLast' }
/** Steps cut off both ends: [steps, c] → [steps − left − right, c] (Keras' Cropping1D; TF.js 4.22 has none). */
export interface Cropping1DConfig extends LayerBase { /** Default [1, 1]. */ cropping?: number | [number, number] }
/** Keras' ReLU: (x > threshold ? x : 0) capped at maxValue (default none), negativeSlope·(x − threshold) below threshold. */
export interface ReLUConfig extends LayerBase { maxValue?: number | null; negativeSlope?: number; threshold?: number }
/** x for x > 0, alpha·x below (default 0.3, TF.js'; Keras 3 calls it negative_slope). */
export interface LeakyReLUConfig extends LayerBase { alpha?: number }
/** x for x > 0, alpha·x below with alpha trained: one per element of the sample, one per shared axis (1–3, counting the batch axis as 0). */
export interface PReLUConfig extends LayerBase { alphaInitializer?: InitializerOption; alphaRegularizer?: RegularizerSpec; sharedAxes?: number | number[] | null }
/** x for x > 0, alpha·(e^x − 1) below (default alpha 1). */
export interface ELUConfig extends LayerBase { alpha?: number }
/** Along the last axis only: -1 (default), or its index counting the batch axis. */
export interface SoftmaxConfig extends LayerBase { axis?: number | [number] }
/** x for x > theta (default 1), else 0. */
export interface ThresholdedReLUConfig extends LayerBase { theta?: number }

export type LayerType =
  | 'Dense' | 'Dropout' | 'Conv2D' | 'MaxPooling2D' | 'AveragePooling2D' | 'GlobalAveragePooling2D'
  | 'GlobalMaxPooling2D' | 'Flatten' | 'Reshape' | 'BatchNormalization' | 'Activation'
  | 'ReLU' | 'LeakyReLU' | 'PReLU' | 'ELU' | 'Softmax' | 'ThresholdedReLU'
  | 'Add' | 'Subtract' | 'Multiply' | 'Average' | 'Maximum' | 'Minimum' | 'Concatenate' | 'Dot'
  | 'ZeroPadding2D' | 'Cropping2D' | 'UpSampling2D' | 'DepthwiseConv2D' | 'SeparableConv2D' | 'Conv2DTranspose'
  | 'LayerNormalization' | 'RepeatVector' | 'Permute' | 'TimeDistributed'
  | 'Embedding' | 'Conv1D' | 'MaxPooling1D' | 'AveragePooling1D' | 'GlobalAveragePooling1D' | 'GlobalMaxPooling1D'
  | 'UpSampling1D' | 'ZeroPadding1D' | 'Cropping1D'
  | 'SimpleRNN' | 'LSTM' | 'GRU' | 'Masking' | 'Bidirectional'
  | 'PositionEmbedding' | 'TokenAndPositionEmbedding';

/** A placeholder for the values that flow between layers (sn.input(), layer.apply()). */
export class SymbolicTensor {
  /** null (the batch), then one sample's shape. */
  readonly shape: Array<number | null>;
  readonly dtype: 'float32' | 'int32';
  readonly name: string;
  /** The layer that makes it, which of its applications, and which of that application's outputs. */
  readonly sourceLayer: Layer;
  readonly nodeIndex: number;
  readonly tensorIndex: number;
}
/** A model input: shape is one sample's, without the batch. */
export function input(config: { shape: Shape; name?: string; dtype?: 'float32' | 'int32' }): SymbolicTensor;

/** What the factories return: a layer's checked configuration, for model.add() or apply(). */
export interface Layer {
  type: LayerType;
  name?: string;
  units?: number;
  /** Keras' trainable: false freezes its weights at the next compile (a frozen batch norm runs in inference mode). */
  trainable: boolean;
  /**
   * The functional API: this layer applied to symbolic tensors (a list for merge layers); applying it again shares its
   * weights. Recurrent layers and bidirectional take initial states: apply(x, { initialState: [h, c] }) or apply([x, h, c]).
   */
  apply(inputs: SymbolicTensor | SymbolicTensor[], kwargs?: { initialState?: SymbolicTensor[] }): SymbolicTensor;
}
/** A layer of several outputs (returnState, or bidirectional with mergeMode null): apply returns their list. */
export interface MultiOutputLayer extends Omit<Layer, 'apply'> {
  apply(inputs: SymbolicTensor | SymbolicTensor[], kwargs?: { initialState?: SymbolicTensor[] }): SymbolicTensor[];
}
/** Merge layers take a list: sn.layers.add().apply([a, b]). */
export interface MergeConfig { name?: string }
export const layers: {
  dense(config: DenseConfig): Layer;
  /** Inverted dropout anywhere (also on the inputs), in training only; masks seeded by `seed` or the model's seed. */
  dropout(config: DropoutConfig | number): Layer;
  conv2d(config: Conv2DConfig): Layer;
  depthwiseConv2d(config: DepthwiseConv2DConfig): Layer;
  separableConv2d(config: SeparableConv2DConfig): Layer;
  conv2dTranspose(config: Conv2DTransposeConfig): Layer;
  simpleRNN(config: SimpleRNNConfig & { returnState: true }): MultiOutputLayer;
  simpleRNN(config: SimpleRNNConfig): Layer;
  lstm(config: LSTMConfig & { returnState: true }): MultiOutputLayer;
  lstm(config: LSTMConfig): Layer;
  gru(config: GRUConfig & { returnState: true }): MultiOutputLayer;
  gru(config: GRUConfig): Layer;
  bidirectional(config: BidirectionalConfig & ({ layer: MultiOutputLayer } | { mergeMode: null })): MultiOutputLayer;
  bidirectional(config: BidirectionalConfig): Layer;
  maxPooling2d(config?: Pooling2DConfig): Layer;
  averagePooling2d(config?: Pooling2DConfig): Layer;
  globalAveragePooling2d(config?: GlobalPooling2DConfig): Layer;
  globalMaxPooling2d(config?: GlobalPooling2DConfig): Layer;
  flatten(config?: FlattenConfig): Layer;
  reshape(config: ReshapeConfig): Layer;
  batchNormalization(config?: BatchNormalizationConfig): Layer;
  activation(config: ActivationConfig): Layer;
  zeroPadding2d(config?: ZeroPadding2DConfig): Layer;
  cropping2d(config?: Cropping2DConfig): Layer;
  upSampling2d(config?: UpSampling2DConfig): Layer;
  reLU(config?: ReLUConfig): Layer;
  leakyReLU(config?: LeakyReLUConfig): Layer;
  pReLU(config?: PReLUConfig): Layer;
  elu(config?: ELUConfig): Layer;
  softmax(config?: SoftmaxConfig): Layer;
  thresholdedReLU(config?: ThresholdedReLUConfig): Layer;
  layerNormalization(config?: LayerNormalizationConfig): Layer;
  repeatVector(config: RepeatVectorConfig): Layer;
  permute(config: PermuteConfig): Layer;
  timeDistributed(config: TimeDistributedConfig): Layer;
  /** Its input's ids are checked before fit, evaluate and predict (an Error names the layer, the id and its row and position). */
  embedding(config: EmbeddingConfig): Layer;
  /** Masks the steps whose values all equal maskValue (Keras masks: see the README). */
  masking(config?: MaskingConfig): Layer;
  multiHeadAttention(config: MultiHeadAttentionConfig): MultiHeadAttentionLayer;
  /** KerasHub's PositionEmbedding (its input's mask is dropped: the output does not depend on the input's values). */
  positionEmbedding(config: PositionEmbeddingConfig): Layer;
  /** KerasHub's TokenAndPositionEmbedding; its input's ids are checked as an embedding's. */
  tokenAndPositionEmbedding(config: TokenAndPositionEmbeddingConfig): Layer;
  conv1d(config: Conv1DConfig): Layer;
  maxPooling1d(config?: Pooling1DConfig): Layer;
  averagePooling1d(config?: Pooling1DConfig): Layer;
  globalAveragePooling1d(config?: GlobalPooling1DConfig): Layer;
  globalMaxPooling1d(config?: GlobalPooling1DConfig): Layer;
  upSampling1d(config?: UpSampling1DConfig): Layer;
  zeroPadding1d(config?: ZeroPadding1DConfig): Layer;
  cropping1d(config?: Cropping1DConfig): Layer;
  /** Inputs of one shape (no broadcasting), element by element. */
  add(config?: MergeConfig): Layer;
  /** Exactly two inputs: a − b. (TF.js has none; Keras does.) */
  subtract(config?: MergeConfig): Layer;
  multiply(config?: MergeConfig): Layer;
  average(config?: MergeConfig): Layer;
  maximum(config?: MergeConfig): Layer;
  minimum(config?: MergeConfig): Layer;
  /** Along the last axis (-1, the default); the other axes must agree. */
  concatenate(config?: MergeConfig & { axis?: number }): Layer;
  /** Two inputs (vectors or matrices per sample) contracted along axes (counting the batch axis, as Keras: 1 or -1 for vectors); normalize: their cosine. */
  dot(config: MergeConfig & { axes: number | [number, number]; normalize?: boolean }): Layer;
};

export type LossName =
  | 'meanSquaredError' | 'mse' | 'meanAbsoluteError' | 'mae' | 'binaryCrossentropy'
  | 'categoricalCrossentropy' | 'sparseCategoricalCrossentropy';
export interface Loss {
  name: string;
  fromLogits: boolean;
  /** Per-sample losses; yPred holds logits when fromLogits. Arrays of rows, or flat with { width }. */
  compute(yTrue: Numbers | Numbers[], yPred: Numbers | Numbers[], options?: { width?: number }): Float32Array;
}
export const losses: {
  meanSquaredError(): Loss;
  meanAbsoluteError(): Loss;
  binaryCrossentropy(options?: { fromLogits?: boolean }): Loss;
  categoricalCrossentropy(options?: { fromLogits?: boolean }): Loss;
  sparseCategoricalCrossentropy(options?: { fromLogits?: boolean }): Loss;
  /** The course's: profit·(t−p) when p < t, cost·(p−t) when p ≥ t, summed over a row's outputs. */
  asymmetric(options: { cost: number; profit: number }): Loss;
};

/**
 * A learning-rate schedule (Keras' keras.optimizers.schedules): callable as
 * schedule(step) and schedule.at(step), step = updates done so far. Evaluated
 * in C at every training step.
 */
export interface LearningRateSchedule {
  (step: number): number;
  at(step: number): number;
  readonly name: string;
  getConfig(): Record<string, unknown>;
}
export const schedules: {
  exponentialDecay(options: { initialLearningRate: number; decaySteps: number; decayRate: number; staircase?: boolean }): LearningRateSchedule;
  inverseTimeDecay(options: { initialLearningRate: number; decaySteps: number; decayRate: number; staircase?: boolean }): LearningRateSchedule;
  polynomialDecay(options: { initialLearningRate: number; decaySteps: number; endLearningRate?: number; power?: number; cycle?: boolean }): LearningRateSchedule;
  /** At most 10 boundaries; values has one more entry. */
  piecewiseConstantDecay(options: { boundaries: number[]; values: number[] }): LearningRateSchedule;
  cosineDecay(options: { initialLearningRate: number; decaySteps: number; alpha?: number; warmupTarget?: number | null; warmupSteps?: number }): LearningRateSchedule;
  cosineDecayRestarts(options: { initialLearningRate: number; firstDecaySteps: number; tMul?: number; mMul?: number; alpha?: number }): LearningRateSchedule;
};

export class Optimizer {
  readonly name: string;
  /** The rate the next update uses; settable when it is a constant (not a schedule). */
  learningRate: number;
  /** Updates done so far. */
  readonly iterations: number;
  config: Record<string, number | boolean | LearningRateSchedule | null>;
  /** One update of the compiled model's weights; gradients in getWeights() order. */
  applyGradients(grads: Float32Array[]): void;
  /**
   * One update of your own buffers in place (not for an optimizer compiled into a model).
   * Each array is one variable for clipNorm; the state stays in wasm memory until dispose().
   */
  step(params: Float32Array | Float32Array[], grads: Numbers | Numbers[]): void;
  /** Frees the state step() created. */
  dispose(): void;
  getConfig(): Record<string, unknown>;
}
/** On every optimizer: at most one of them (Keras' clipnorm, clipvalue, global_clipnorm). */
/** Options of every optimizer: at most one kind of gradient clipping, and Keras 3's weight decay (w −= lr·λ·w before each update; off by default, 0.004 on adamw). */
export interface Clipping {
  clipNorm?: number | null; clipValue?: number | null; globalClipNorm?: number | null; weightDecay?: number | null;
  /**
   * Keras 3's exclude_from_weight_decay: var_names (patterns searched in each weight's name, the last part of its path:
   * 'bias', 'gamma', 'embeddings'), or { varNames, varList } with varList full weight names ('dense_1/bias'). Default: none.
   */
  excludeFromWeightDecay?: string[] | { varNames?: string[]; varList?: string[] } | null;
}
export type LearningRate = number | LearningRateSchedule;
export const optimizers: {
  sgd(options?: { learningRate?: LearningRate; momentum?: number; nesterov?: boolean; dampening?: number } & Clipping): Optimizer;
  rmsprop(options?: { learningRate?: LearningRate; rho?: number; momentum?: number; epsilon?: number; centered?: boolean } & Clipping): Optimizer;
  adam(options?: { learningRate?: LearningRate; beta1?: number; beta2?: number; epsilon?: number; amsgrad?: boolean } & Clipping): Optimizer;
  adamw(options?: { learningRate?: LearningRate; beta1?: number; beta2?: number; epsilon?: number; amsgrad?: boolean } & Clipping): Optimizer;
  adamax(options?: { learningRate?: LearningRate; beta1?: number; beta2?: number; epsilon?: number } & Clipping): Optimizer;
  nadam(options?: { learningRate?: LearningRate; beta1?: number; beta2?: number; epsilon?: number } & Clipping): Optimizer;
  adagrad(options?: { learningRate?: LearningRate; initialAccumulatorValue?: number; epsilon?: number } & Clipping): Optimizer;
  adadelta(options?: { learningRate?: LearningRate; rho?: number; epsilon?: number } & Clipping): Optimizer;
  ftrl(options?: {
    learningRate?: LearningRate; learningRatePower?: number; initialAccumulatorValue?: number; l1RegularizationStrength?: number;
    l2RegularizationStrength?: number; l2ShrinkageRegularizationStrength?: number; beta?: number;
  } & Clipping): Optimizer;
  lion(options?: { learningRate?: LearningRate; beta1?: number; beta2?: number } & Clipping): Optimizer;
  /** The same as sn.schedules (Keras' keras.optimizers.schedules). */
  schedules: typeof schedules;
};
export type OptimizerName = 'sgd' | 'rmsprop' | 'adam' | 'adamw' | 'adamax' | 'nadam' | 'adagrad' | 'adadelta' | 'ftrl' | 'lion';

export type Numbers = ArrayLike<number>;
/**
 * Rows × features, flat row-major (images channels-last: rows × h·w·c), or an
 * array of rows, each nested as deep as its shape ([rows][28][28][1]) or flat.
 */
export type Matrix = Float32Array | Numbers | Numbers[] | Numbers[][] | Numbers[][][];
export type Logs = Record<string, number>;

export interface Callbacks {
  onTrainBegin?(): void | Promise<void>;
  onTrainEnd?(logs: Logs): void | Promise<void>;
  onEpochBegin?(epoch: number): void | Promise<void>;
  onEpochEnd?(epoch: number, logs: Logs): void | Promise<void>;
  /** Asking for this makes fit call wasm once per batch instead of once per epoch. */
  onBatchEnd?(batch: number, logs: Logs & { batch: number; size: number }): void | Promise<void>;
}
/** A built-in callback (sn.callbacks.*); fit() hands it the model. */
export class Callback {
  model?: Model;
}
export type MonitorMode = 'auto' | 'min' | 'max';
export const callbacks: {
  earlyStopping(options?: {
    monitor?: string; minDelta?: number; patience?: number; verbose?: number; mode?: MonitorMode;
    baseline?: number | null; restoreBestWeights?: boolean; startFromEpoch?: number;
  }): Callback;
  reduceLROnPlateau(options?: {
    monitor?: string; factor?: number; patience?: number; verbose?: number; mode?: MonitorMode;
    minDelta?: number; cooldown?: number; minLr?: number;
  }): Callback;
  learningRateScheduler(schedule: (epoch: number, learningRate: number) => number | Promise<number>, options?: { verbose?: number }): Callback;
  /** Ends fit quietly (weights of the last good step) when the loss becomes NaN or Infinity. */
  terminateOnNaN(): Callback;
};
export interface FitOptions {
  epochs?: number;
  batchSize?: number;
  /** The last fraction of the rows, before shuffling (as Keras). */
  validationSplit?: number;
  validationData?: [Matrix, Matrix | Numbers];
  shuffle?: boolean;
  initialEpoch?: number;
  /** 1: a Keras-style progress bar per epoch in Node. Default 0. */
  verbose?: 0 | 1;
  callbacks?: Callbacks | Array<Callbacks | Callback>;
}
export interface History {
  epoch: number[];
  history: Record<string, number[]>;
  params: { epochs: number; batchSize: number; samples: number; steps: number };
}
export interface Weight { name: string; shape: number[]; values: Float32Array }
/** A layer of a model (model.layers, model.getLayer): its options plus TF.js' Layer members. */
export interface ModelLayer extends Layer {
  /** Its first application's input (a list for a merge) and output: symbolic tensors, e.g. for a feature extractor. */
  readonly input: SymbolicTensor | SymbolicTensor[];
  readonly output: SymbolicTensor;
  readonly name: string;
  /** 'Dense', 'Dropout', … */
  getClassName(): string;
  /** null (the batch), then one sample's output shape. */
  readonly outputShape: Array<number | null>;
  /** Name (`layer/kernel`) and shape of each of its weights. */
  readonly weights: Array<{ name: string; shape: number[] }>;
  countParams(): number;
  /** Copies of its weights, in model.getWeights() order ([] for a layer without weights). */
  getWeights(): Weight[];
  /** Replaces its weights (a list as getWeights() returns, or of arrays); the model's other weights stay. */
  setWeights(weights: Array<Weight | Numbers>): void;
}
/** Data for several inputs (or outputs): a list in model order, or an object keyed by input (output layer) name. */
export type PerEnd<T> = T[] | Record<string, T>;
/** A setting for each output: one for all, a list in output order, or an object keyed by output layer name. */
export type PerOutput<T> = T | T[] | Record<string, T>;
export interface CompileConfig {
  optimizer: Optimizer | OptimizerName;
  loss: PerOutput<Loss | LossName>;
  metrics?: string[] | string[][] | Record<string, string[] | string>;
  /** Each output's share of the total loss (Keras' loss_weights); default 1 each. */
  lossWeights?: number[] | Record<string, number>;
}

/**
 * A model: sn.model({ inputs, outputs }) over a graph of layers, or a Sequential.
 * With one input and one output, x, y and predict's result are single arrays; with several,
 * lists (or objects keyed by name), and predict returns a list.
 */
export class Model {
  constructor(config: { inputs: SymbolicTensor | SymbolicTensor[]; outputs: SymbolicTensor | SymbolicTensor[]; name?: string; seed?: number });
  readonly name: string;
  readonly seed: number;
  readonly optimizer: Optimizer | null;
  readonly isTraining: boolean;
  /** Set from a callback to end fit after the current batch. */
  stopTraining: boolean;
  /** Keras' trainable: setting it sets every layer's (taking effect at the next compile). */
  trainable: boolean;
  compile(config: CompileConfig): void;
  fit(x: Matrix | PerEnd<Matrix>, y: Matrix | Numbers | PerEnd<Matrix | Numbers>, options?: FitOptions): Promise<History>;
  evaluate(x: Matrix | PerEnd<Matrix>, y: Matrix | Numbers | PerEnd<Matrix | Numbers>, options?: { batchSize?: number }): Logs;
  predict(x: Matrix | PerEnd<Matrix>, options?: { batchSize?: number }): Float32Array | Float32Array[];
  /** One output only. */
  predictClasses(x: Matrix | PerEnd<Matrix>, options?: { batchSize?: number }): Int32Array;
  /** A MultiHeadAttention layer's probabilities for the first sample of x: [numHeads, T, S] (zeros where masked). */
  attentionScores(layer: string | MultiHeadAttentionLayer | Layer, x: Matrix | PerEnd<Matrix>): Float32Array;
  /** Gradients of the trainable weights (getWeights() order, without the non-trainable ones). */
  computeGradients(x: Matrix | PerEnd<Matrix>, y: Matrix | Numbers | PerEnd<Matrix | Numbers>): { loss: number; grads: Float32Array[] };
  applyGradients(grads: Float32Array[]): void;
  /** Every weight in Keras' order, batch norm's moving mean and variance included. */
  getWeights(): Weight[];
  setWeights(weights: Array<Weight | Numbers>): void;
  /** Keras' trainable_weights and non_trainable_weights, by the layers' trainable flags now. */
  readonly trainableWeights: Array<{ name: string; shape: number[] }>;
  readonly nonTrainableWeights: Array<{ name: string; shape: number[] }>;
  /** Every weight, trainable or not (Keras' count_params). */
  paramCount(): number;
  /** TF.js' name for paramCount(). */
  countParams(): number;
  /** The layers in order, as TF.js' model.layers (a functional model's input layers first). */
  readonly layers: ModelLayer[];
  /** TF.js' getLayer: by name, or by position in layers. */
  getLayer(nameOrIndex: string | number): ModelLayer;
  /** The inputs and outputs: symbolic tensors, shape with null for the batch. */
  readonly inputs: SymbolicTensor[];
  readonly outputs: SymbolicTensor[];
  multiplyAdds(): number;
  /**
   * The Keras-style table, returned as text; printFn (e.g. console.log) also gets it line by line.
   * lineLength: characters per line (65; 98 with a functional model's "Connected to" column);
   * positions: where the columns end, as fractions of lineLength or as character positions.
   */
  summary(lineLength?: number, positions?: number[], printFn?: (line: string) => void): string;
  /** One self-describing binary (magic, version 3, topology JSON, float32 weights, batch norm's moving statistics, training state, CRC-32); any layers, any graph. */
  save(options?: SaveOptions): Uint8Array;
  /** TensorFlow.js layers format: JSON.stringify(modelJson) → model.json, weightsBin → weights.bin. */
  toTfjs(): TfjsArtifacts;
  dispose(): void;
}
/** A model of the layers between inputs (from sn.input) and outputs (from layer.apply). */
export function model(config: { inputs: SymbolicTensor | SymbolicTensor[]; outputs: SymbolicTensor | SymbolicTensor[]; name?: string; seed?: number }): Model;

/** A chain of layers, each reading the one before; one input, one output. */
export class Sequential extends Model {
  constructor(config?: { seed?: number; name?: string; layers?: Layer[] });
  add(layer: Layer): void;
  fit(x: Matrix, y: Matrix | Numbers, options?: FitOptions): Promise<History>;
  evaluate(x: Matrix, y: Matrix | Numbers, options?: { batchSize?: number }): Logs;
  predict(x: Matrix, options?: { batchSize?: number }): Float32Array;
}
export function sequential(config?: { seed?: number; name?: string; layers?: Layer[] }): Sequential;

// ---- sn.createTrainer (web/worker/trainer.js, web/worker/worker.js): training in a Web Worker ----

/** A layer of a TrainerSpec: `type` names its sn.layers factory (any spelling: 'maxPooling2d', 'MaxPooling2D', 'max_pooling2d'). */
export type TrainerLayer =
  | ({ type: 'dense' | 'Dense' } & DenseConfig)
  | ({ type: 'dropout' | 'Dropout' } & DropoutConfig)
  | ({ type: 'conv2d' | 'Conv2D' } & Conv2DConfig)
  | ({ type: 'depthwiseConv2d' | 'DepthwiseConv2D' } & DepthwiseConv2DConfig)
  | ({ type: 'separableConv2d' | 'SeparableConv2D' } & SeparableConv2DConfig)
  | ({ type: 'conv2dTranspose' | 'Conv2DTranspose' } & Conv2DTransposeConfig)
  | ({ type: 'maxPooling2d' | 'MaxPooling2D' | 'averagePooling2d' | 'AveragePooling2D' } & Pooling2DConfig)
  | ({ type: 'globalAveragePooling2d' | 'GlobalAveragePooling2D' | 'globalMaxPooling2d' | 'GlobalMaxPooling2D' } & GlobalPooling2DConfig)
  | ({ type: 'flatten' | 'Flatten' } & FlattenConfig)
  | ({ type: 'reshape' | 'Reshape' } & ReshapeConfig)
  | ({ type: 'batchNormalization' | 'BatchNormalization' } & BatchNormalizationConfig)
  | ({ type: 'activation' | 'Activation' } & ActivationConfig)
  | ({ type: 'zeroPadding2d' | 'ZeroPadding2D' } & ZeroPadding2DConfig)
  | ({ type: 'cropping2d' | 'Cropping2D' } & Cropping2DConfig)
  | ({ type: 'upSampling2d' | 'UpSampling2D' } & UpSampling2DConfig)
  | ({ type: 'layerNormalization' | 'LayerNormalization' } & LayerNormalizationConfig)
  | ({ type: 'repeatVector' | 'RepeatVector' } & RepeatVectorConfig)
  | ({ type: 'permute' | 'Permute' } & PermuteConfig)
  | ({ type: 'embedding' | 'Embedding' } & EmbeddingConfig)
  | ({ type: 'masking' | 'Masking' } & MaskingConfig)
  | ({ type: 'positionEmbedding' | 'PositionEmbedding' } & PositionEmbeddingConfig)
  | ({ type: 'tokenAndPositionEmbedding' | 'TokenAndPositionEmbedding' } & TokenAndPositionEmbeddingConfig)
  | ({ type: 'conv1d' | 'Conv1D' } & Conv1DConfig)
  | ({ type: 'maxPooling1d' | 'MaxPooling1D' | 'averagePooling1d' | 'AveragePooling1D' } & Pooling1DConfig)
  | ({ type: 'globalAveragePooling1d' | 'GlobalAveragePooling1D' | 'globalMaxPooling1d' | 'GlobalMaxPooling1D' } & GlobalPooling1DConfig)
  | ({ type: 'upSampling1d' | 'UpSampling1D' } & UpSampling1DConfig)
  | ({ type: 'zeroPadding1d' | 'ZeroPadding1D' } & ZeroPadding1DConfig)
  | ({ type: 'cropping1d' | 'Cropping1D' } & Cropping1DConfig)
  | ({ type: 'simpleRNN' | 'SimpleRNN' } & SimpleRNNConfig)
  | ({ type: 'lstm' | 'LSTM' } & LSTMConfig)
  | ({ type: 'gru' | 'GRU' } & GRUConfig);

/** What createTrainer builds in the worker: sn.layers options, model.compile options, the seed. */
export interface TrainerSpec {
  /** sn.layers.dense options, or { type, ...options } for any layer: { type: 'conv2d', filters: 8, kernelSize: 5 }. */
  layers: Array<DenseConfig | TrainerLayer>;
  compile: {
    optimizer: Optimizer | 'sgd' | 'adam' | ({ name: string } & Record<string, number | boolean | string>);
    loss: Loss | LossName | { name: string; fromLogits?: boolean; cost?: number; profit?: number };
    metrics?: string[];
  };
  seed?: number;
  name?: string;
}
export interface TrainerOptions {
  /** Where web/worker/worker.js is, when a bundler or CDN moved it. */
  workerUrl?: URL | string;
  /** Where simdnet.wasm is (as sn.ready's option), for the worker. */
  wasm?: URL | string | ArrayBuffer | ArrayBufferView | WebAssembly.Module;
  /** A Worker you created yourself from web/worker/worker.js. */
  worker?: WorkerLike;
  /** As sn.ready's: the relaxed-SIMD build in the worker where the browser supports it. */
  relaxedSimd?: boolean;
}
/** The parts of a Web Worker the trainer uses. */
export interface WorkerLike {
  postMessage(message: unknown, transfer?: unknown[]): void;
  terminate(): void;
  onmessage: ((event: { data: any }) => void) | null;
  onerror: ((event: { message?: string }) => void) | null;
}
/** What trainer.ready and trainer.load resolve to; threads and features: how the worker trains; inputs and outputs: the model's, in order (values per row). */
export interface TrainerInfo {
  seed: number; inputSize: number; paramCount: number; summary: string; threads: number; features: Features;
  inputs: Array<{ name: string; size: number }>; outputs: Array<{ name: string; size: number }>;
}
/** A trainer's x: one input's rows, or for a model of several inputs a list in input order or an object keyed by input name. */
export type TrainerInputs = Matrix | Matrix[] | Record<string, Matrix>;
/** A trainer's y: one output's targets, or for several outputs a list in output order or an object keyed by output layer name. */
export type TrainerTargets = Matrix | Numbers | Array<Matrix | Numbers> | Record<string, Matrix | Numbers>;
export interface TrainerProgress {
  epoch: number; epochs: number; batch: number; batches: number;
  /** Share of all batches done, 0..1. */
  fraction: number; elapsedMs: number; etaMs: number;
}
export interface TrainerCallbacks {
  /** Called on this thread for every batch (reports arrive in groups, at most about every 16 ms). */
  onBatchEnd?(batch: number, logs: Logs & { batch: number; size: number }, info: { epoch: number; batches: number }): void;
  onEpochEnd?(epoch: number, logs: Logs): void;
  onProgress?(progress: TrainerProgress): void;
}
export interface TrainerFitOptions extends Omit<FitOptions, 'callbacks' | 'verbose'> {
  callbacks?: TrainerCallbacks;
  /** Hand x's and y's ArrayBuffers to the worker instead of copying them (they become detached here). */
  transfer?: boolean;
}
/** Prediction: what predict resolves to (a list of Float32Arrays, one per output, for a model of several outputs). */
export class Trainer<Prediction = Float32Array> {
  /** Resolves once the worker has built and compiled the model. */
  readonly ready: Promise<TrainerInfo>;
  readonly state: 'idle' | 'training' | 'paused' | 'stopping' | 'terminated';
  readonly seed?: number;
  fit(x: TrainerInputs, y: TrainerTargets, options?: TrainerFitOptions): Promise<History & { stopped: boolean }>;
  /** Holds training after the current batch. */
  pause(): void;
  resume(): void;
  /** Ends training after the current batch; fit resolves with the epochs done. */
  stop(): void;
  evaluate(x: TrainerInputs, y: TrainerTargets, options?: { batchSize?: number; transfer?: boolean }): Promise<Logs>;
  predict(x: TrainerInputs, options?: { batchSize?: number; transfer?: boolean }): Promise<Prediction>;
  /** A MultiHeadAttention layer's weights [numHeads, T, S] for the first sample of x (Model.attentionScores, in the worker). */
  attentionScores(layer: string, x: TrainerInputs): Promise<Float32Array>;
  /** sn.text.generate in the worker (not while fit() runs): the new tokens. */
  generate(promptIds: number[] | Int32Array | Uint8Array | Uint16Array | Float32Array, options: GenerateOptions): Promise<Int32Array>;
  getWeights(): Promise<Weight[]>;
  setWeights(weights: Array<Weight | Numbers>): Promise<void>;
  /** The model file's bytes, as model.save() writes them. */
  save(): Promise<Uint8Array>;
  /** Replaces the worker's model with one from model.save()'s bytes. */
  load(bytes: Uint8Array | ArrayBuffer): Promise<TrainerInfo>;
  /** Ends the worker; pending requests reject. */
  terminate(): void;
}
/** Trains a model in a module Web Worker so the page stays responsive; same seed, same weights as model.fit. */
export function createTrainer(spec: TrainerSpec, options?: TrainerOptions): Trainer;
/**
 * The same for a compiled model (sequential, or functional from sn.model): the worker gets a copy
 * (model.save()'s bytes: weights, compile settings, optimizer state) and trains on from there.
 */
export function createTrainer(model: Sequential, options?: TrainerOptions): Trainer;

export interface SaveOptions {
  /** Keep the optimizer's state, the shuffling generator and the dropout generators, so training resumes exactly (default true, as Keras). */
  includeOptimizer?: boolean;
}
/** A model from bytes written by model.save(); a damaged or foreign file throws an Error saying what is wrong. */
/** T: what you know the file holds — Sequential (the default) or sn.Model for a functional model. */
export function loadModel<T extends Model = Sequential>(bytes: ArrayBuffer | ArrayBufferView): T;

/** model.json's weightsManifest: groups of weights, each group stored in its files (shards) in order. */
export type WeightsManifest = Array<{
  paths: string[];
  weights: Array<{
    name: string; shape: number[]; dtype: string;
    /** How a quantized weight is stored: value = q * scale + min (uint8, uint16), or a half float (float16). */
    quantization?: { dtype: 'uint8' | 'uint16' | 'float16'; min?: number; scale?: number; original_dtype?: string };
  }>;
}>;
export interface TfjsArtifacts {
  /** The parsed model.json: { format, modelTopology, weightsManifest, ... }. */
  modelJson: { modelTopology: object; weightsManifest: WeightsManifest; [key: string]: unknown };
  weightsBin: ArrayBuffer;
}
/** Bytes of weight files: an ArrayBuffer or a typed array view (Uint8Array, Buffer...). */
export type WeightBytes = ArrayBuffer | ArrayBufferView;
/**
 * Imports a model saved by TensorFlow.js or converted from Keras 2 or 3 (Dense, Conv2D, DepthwiseConv2D, SeparableConv2D,
 * Conv2DTranspose, pooling, global pooling, Flatten, Reshape, ZeroPadding2D, Cropping2D, UpSampling2D, BatchNormalization,
 * Dropout, Activation, ReLU, LeakyReLU, PReLU, ELU, Softmax, ThresholdedReLU, merge layers, SimpleRNN, LSTM, GRU): modelJson is model.json
 * (parsed or as text), weights its weight files' bytes: one
 * buffer holding every file of the manifest in order, or a list of them. Quantized weights (uint8,
 * uint16, float16) are dequantized as TF.js does. T: Sequential (the default) or sn.Model for a
 * functional model.
 * Also imported: ZeroPadding2D, Cropping2D, UpSampling2D; Embedding, Masking, Conv1D, MaxPooling1D,
 * AveragePooling1D, GlobalAveragePooling1D, GlobalMaxPooling1D, and Keras' UpSampling1D, ZeroPadding1D, Cropping1D.
 */
export function fromTfjs<T extends Model = Sequential>(modelJson: object | string, weights: WeightBytes | WeightBytes[], options?: { seed?: number }): T;
/** The same with weights read by a function, called once per file path of the manifest, in order: returns a Promise of the model. */
export function fromTfjs<T extends Model = Sequential>(modelJson: object | string, weights: (path: string) => WeightBytes | Promise<WeightBytes>, options?: { seed?: number }): Promise<T>;

export interface LoadTfjsOptions {
  seed?: number;
  /** Given to every fetch (headers, credentials), as TF.js' LoadOptions.requestInit. */
  requestInit?: RequestInit;
  /** Used instead of the global fetch, as TF.js' LoadOptions.fetchFunc. */
  fetchFunc?: (url: string, init?: RequestInit) => Promise<Response>;
}
/**
 * Fetches model.json at url (relative to the page or Worker, or absolute) and the weight files its
 * manifest lists (relative to model.json), and imports them with fromTfjs. Browsers and Workers
 * (in Node, use loadTfjsFiles from simdnet/node).
 */
export function loadTfjsModel<T extends Model = Sequential>(url: string | URL, options?: LoadTfjsOptions): Promise<T>;

export interface GenerateOptions {
  /** How many tokens to draw (an integer ≥ 1). */
  maxNewTokens: number;
  /** Divides the logits before the softmax (default 1); 0 takes the likeliest token (greedy). */
  temperature?: number;
  /** Draw among the K likeliest tokens only (ties with the K-th kept); default: all. */
  topK?: number;
  /** The generator's seed, an integer in [0, 2^32): the same seed draws the same tokens (default: a random one). */
  seed?: number;
}
/**
 * Text generation from a language model of one input of token ids [T] (read by an Embedding) and one output
 * [T, vocab] of logits or a softmax, each layer able to run one position at a time (no recurrent layers).
 */
export const text: {
  /**
   * nanoGPT's generate: maxNewTokens tokens drawn one at a time after the prompt (at most T ids) from the last
   * position's logits, with a key/value cache (one position per token); returns the new tokens alone. Past the
   * context, the window's last ⌊T/2⌋ tokens become the next prompt (position embeddings are absolute).
   */
  generate(model: Model, promptIds: number[] | Int32Array | Uint8Array | Uint16Array | Float32Array, options: GenerateOptions): Int32Array;
};

/** Browser homes for model files (page or Worker; downloadModel needs a page). */
export const storage: {
  downloadModel(model: Model, filename?: string, options?: SaveOptions): void;
  loadModelFromFile<T extends Model = Sequential>(file: Blob): Promise<T>;
  saveModelToIndexedDB(model: Model, key: string, options?: SaveOptions): Promise<void>;
  loadModelFromIndexedDB<T extends Model = Sequential>(key: string): Promise<T>;
  listIndexedDBModels(): Promise<string[]>;
  deleteModelFromIndexedDB(key: string): Promise<void>;
};
