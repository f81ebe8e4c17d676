// Types for simdnet/node (web/io/node-files.js): model files on disk, Node only.
import type { Model, SaveOptions, Sequential } from '../index.js';

export function saveModelFile(model: Model, path: string, options?: SaveOptions): Promise<void>;
export function loadModelFile(path: string): Promise<Model>;
/** Writes dir/model.json and dir/weights.bin (dir is created if missing). */
export function saveTfjsFiles(model: Model, dir: string): Promise<void>;
/** Reads a TF.js or Keras-converted model.json and the weight files its manifest lists, beside it. */
export function loadTfjsFiles(modelJsonPath: string, options?: { seed?: number }): Promise<Sequential>;
