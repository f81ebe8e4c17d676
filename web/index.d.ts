// Type declarations for simdnet (web/index.js).
// Memory: every array the library returns is a fresh JavaScript copy owned by
// the caller; inputs are copied into wasm memory and freed before each call returns.
// A model owns its wasm memory (weights, optimizer state, workspace) until dispose().

export * as data from './data-all.js';

export interface ReadyOptions {
  /** Where simdnet.wasm is, when not next to web/: a URL, the bytes, or a compiled module. */
  wasm?: URL | string | ArrayBuffer | ArrayBufferView | WebAssembly.Module;
}
/** Instantiates the .wasm once (Node, page, Worker); await it before anything else. */
export function ready(options?: ReadyOptions): Promise<void>;
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
  /** One self-describing binary (magic, version, topology JSON, float32 weights, optimizer state, CRC-32). */
  save(options?: SaveOptions): Uint8Array;
  /** TensorFlow.js layers format: JSON.stringify(modelJson) → model.json, weightsBin → weights.bin. */
  toTfjs(): TfjsArtifacts;
  dispose(): void;
}
export function sequential(config?: { seed?: number; name?: string; layers?: Layer[] }): Sequential;

export interface SaveOptions {
  /** Keep the optimizer's state and the shuffling generator, so training resumes exactly (default true, as Keras). */
  includeOptimizer?: boolean;
}
/** A model from bytes written by model.save(); a damaged or foreign file throws an Error saying what is wrong. */
export function loadModel(bytes: ArrayBuffer | ArrayBufferView): Sequential;

export interface TfjsArtifacts {
  /** The parsed model.json: { format, modelTopology, weightsManifest, ... }. */
  modelJson: { modelTopology: object; weightsManifest: Array<{ paths: string[]; weights: Array<{ name: string; shape: number[]; dtype: string }> }>; [key: string]: unknown };
  weightsBin: ArrayBuffer;
}
/**
 * Imports a Sequential of Dense layers saved by TensorFlow.js or converted from Keras: modelJson is
 * model.json (parsed or as text), weightsBin its weights file (or the shards in manifest order).
 */
export function fromTfjs(modelJson: object | string, weightsBin: ArrayBuffer | ArrayBufferView | Array<ArrayBuffer | ArrayBufferView>, options?: { seed?: number }): Sequential;

/** Browser homes for model files (page or Worker; downloadModel needs a page). */
export const storage: {
  downloadModel(model: Sequential, filename?: string, options?: SaveOptions): void;
  loadModelFromFile(file: Blob): Promise<Sequential>;
  saveModelToIndexedDB(model: Sequential, key: string, options?: SaveOptions): Promise<void>;
  loadModelFromIndexedDB(key: string): Promise<Sequential>;
  listIndexedDBModels(): Promise<string[]>;
  deleteModelFromIndexedDB(key: string): Promise<void>;
};
