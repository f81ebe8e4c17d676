// Types for simdnet/node (web/io/node-files.js): model files on disk, Node only.
import type { Model, SaveOptions, Sequential } from '../index.js';

export function saveModelFile(model: Model, path: string, options?: SaveOptions): Promise<void>;
/** T: Sequential (the default), or sn.Model for a functional model's file. */
export function loadModelFile<T extends Model = Sequential>(path: string): Promise<T>;
/** Writes dir/model.json and dir/weights.bin (dir is created if missing). */
export function saveTfjsFiles(model: Model, dir: string): Promise<void>;
/** Reads a TF.js or Keras-converted model.json and the weight files its manifest lists, beside it (sharded, quantized). T: Sequential (the default) or sn.Model. */
export function loadTfjsFiles<T extends Model = Sequential>(modelJsonPath: string, options?: { seed?: number }): Promise<T>;
