// Types for simdnet/node (web/node-files.js): model files on disk, Node only.
import type { SaveOptions, Sequential } from './index.js';

export function saveModelFile(model: Sequential, path: string, options?: SaveOptions): Promise<void>;
export function loadModelFile(path: string): Promise<Sequential>;
/** Writes dir/model.json and dir/weights.bin (dir is created if missing). */
export function saveTfjsFiles(model: Sequential, dir: string): Promise<void>;
/** Reads a TF.js or Keras-converted model.json and the weight files its manifest lists, beside it. */
export function loadTfjsFiles(modelJsonPath: string, options?: { seed?: number }): Promise<Sequential>;
