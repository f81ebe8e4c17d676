// Type declarations for simdnet (web/index.js).
// Memory: every array the library returns is a fresh JavaScript copy owned by
// the caller; inputs are copied into wasm memory and freed before each call returns.
// A model owns its wasm memory (weights, optimizer state, workspace) until dispose().

export * as data from './data-all.js';

export interface ReadyOptions {
  /** Where simdnet.wasm is, when not next to web/: a URL, the bytes, or a compiled module. */
  wasm?: URL | string | ArrayBuffer | ArrayBufferView | WebAssembly.Module;
  /** Where the threaded build simdnet-mt.wasm is, when not next to web/. */
  wasmThreads?: URL | string | ArrayBuffer | ArrayBufferView | WebAssembly.Module;
  /**
   * Threads that train. Default: in a cross-origin-isolated page or worker with several cores,
   * every core (at most 8); otherwise (and in Node) 1. Above 1, the threaded build is loaded,
   * falling back to the single-threaded module when it cannot be. Same weights either way.
   */
  threads?: number;
}
/** Instantiates the .wasm once (Node, page, Worker); await it before anything else. */
export function ready(options?: ReadyOptions): Promise<void>;
/** Threads training now: 1, or those of the threaded build that ready() started. */
export function threads(): number;
/** Bytes of wasm linear memory. */
export function memoryBytes(): number;
/** Bytes of the C heap allocated and not yet freed. */
export function heapBytes(): number;

export type ActivationName = 'linear' | 'sigmoid' | 'tanh' | 'relu' | 'leakyRelu' | 'softmax';
export interface ActivationSpec { name: ActivationName; alpha?: number }
/** leakyRelu with its slope (default 0.2, Keras' leaky_relu). */
export function leakyRelu(options?: { alpha?: number }): ActivationSpec;

export type InitializerName =
  | 'zeros' | 'ones' | 'constant' | 'randomNormal' | 'truncatedNormal' | 'randomUniform'
  | 'glorotUniform' | 'glorotNormal' | 'heNormal' | 'heUniform' | 'leCunNormal' | 'leCunUniform';
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
};

/** penalty = l1·Σ|w| + l2·Σw² (Keras' definition: Σw², not Σw²/2). */
export interface Regularizer { name: string; l1: number; l2: number }
export const regularizers: {
  l1(factor?: number | { l1: number }): Regularizer;
  l2(factor?: number | { l2: number }): Regularizer;
  l1l2(options?: { l1?: number; l2?: number }): Regularizer;
};

export interface DenseConfig {
  units: number;
  activation?: ActivationName | ActivationSpec;
  useBias?: boolean;
  kernelInitializer?: InitializerName | InitializerSpec;
  biasInitializer?: InitializerName | InitializerSpec;
  kernelRegularizer?: Regularizer | 'l1' | 'l2' | 'l1l2';
  biasRegularizer?: Regularizer | 'l1' | 'l2' | 'l1l2';
  /** First layer only: the input's shape, flattened ([28, 28] → 784). */
  inputShape?: number[];
  inputDim?: number;
  name?: string;
}
export interface Layer { type: 'Dense'; name?: string; units: number }
export const layers: { dense(config: DenseConfig): Layer };

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

export class Optimizer {
  readonly name: string;
  readonly learningRate: number;
  config: Record<string, number | boolean>;
  /** One update of the compiled model's weights; gradients in getWeights() order. */
  applyGradients(grads: Float32Array[]): void;
}
export const optimizers: {
  sgd(options?: { learningRate?: number; momentum?: number; nesterov?: boolean }): Optimizer;
  adam(options?: { learningRate?: number; beta1?: number; beta2?: number; epsilon?: number }): Optimizer;
};

export type Numbers = ArrayLike<number>;
/** Rows × features, flat row-major, or an array of rows (nested rows are flattened). */
export type Matrix = Float32Array | Numbers | Numbers[] | Numbers[][];
export type Logs = Record<string, number>;

export interface Callbacks {
  onTrainBegin?(): void | Promise<void>;
  onTrainEnd?(logs: Logs): void | Promise<void>;
  onEpochBegin?(epoch: number): void | Promise<void>;
  onEpochEnd?(epoch: number, logs: Logs): void | Promise<void>;
  /** Asking for this makes fit call wasm once per batch instead of once per epoch. */
  onBatchEnd?(batch: number, logs: Logs & { batch: number; size: number }): void | Promise<void>;
}
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
  callbacks?: Callbacks;
}
export interface History {
  epoch: number[];
  history: Record<string, number[]>;
  params: { epochs: number; batchSize: number; samples: number; steps: number };
}
export interface Weight { name: string; shape: number[]; values: Float32Array }

export class Sequential {
  constructor(config?: { seed?: number; name?: string; layers?: Layer[] });
  readonly seed: number;
  readonly optimizer: Optimizer | null;
  readonly isTraining: boolean;
  /** Set from a callback to end fit after the current batch. */
  stopTraining: boolean;
  add(layer: Layer): void;
  compile(config: { optimizer: Optimizer | 'sgd' | 'adam'; loss: Loss | LossName; metrics?: string[] }): void;
  fit(x: Matrix, y: Matrix | Numbers, options?: FitOptions): Promise<History>;
  evaluate(x: Matrix, y: Matrix | Numbers, options?: { batchSize?: number }): Logs;
  predict(x: Matrix, options?: { batchSize?: number }): Float32Array;
  predictClasses(x: Matrix, options?: { batchSize?: number }): Int32Array;
  computeGradients(x: Matrix, y: Matrix | Numbers): { loss: number; grads: Float32Array[] };
  applyGradients(grads: Float32Array[]): void;
  getWeights(): Weight[];
  setWeights(weights: Array<Weight | Numbers>): void;
  paramCount(): number;
  multiplyAdds(): number;
  summary(): string;
  dispose(): void;
}
export function sequential(config?: { seed?: number; name?: string; layers?: Layer[] }): Sequential;
