// Node file helpers, published as `simdnet/node` so that the browser entry
// point never imports node:fs.
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { loadModel } from './model-load.js';
import { fromTfjs } from './tfjs.js';

function checkPath(path, what) {
  if (typeof path !== 'string' || path === '') throw new Error(`${what}: the path must be a non-empty string, got ${JSON.stringify(path)}`);
}

/** Writes model.save(options) to path. */
export async function saveModelFile(model, path, options) {
  checkPath(path, 'saveModelFile');
  if (typeof model?.save !== 'function') throw new Error('saveModelFile takes a model made by sn.sequential()');
  await writeFile(path, model.save(options));
}

/** Reads a model file written by saveModelFile (or model.save()). */
export async function loadModelFile(path) {
  checkPath(path, 'loadModelFile');
  return loadModel(await readFile(path));
}

/** Writes model.json and weights.bin into dir (created if missing), for tf.loadLayersModel. */
export async function saveTfjsFiles(model, dir) {
  checkPath(dir, 'saveTfjsFiles');
  if (typeof model?.toTfjs !== 'function') throw new Error('saveTfjsFiles takes a model made by sn.sequential()');
  const { modelJson, weightsBin } = model.toTfjs();
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'model.json'), JSON.stringify(modelJson));
  await writeFile(join(dir, 'weights.bin'), new Uint8Array(weightsBin));
}

/**
 * Imports a TF.js / Keras-converted model.json and the weight files its
 * manifest names, read from beside it (sn.fromTfjs reads each one: sharded and
 * quantized weights as in the browser's sn.loadTfjsModel).
 */
export async function loadTfjsFiles(modelJsonPath, options) {
  checkPath(modelJsonPath, 'loadTfjsFiles');
  let modelJson;
  try {
    modelJson = JSON.parse(await readFile(modelJsonPath, 'utf8'));
  } catch (err) {
    throw new Error(`loadTfjsFiles: cannot read ${modelJsonPath} as model.json (${err.message})`);
  }
  return fromTfjs(modelJson, (path) => readFile(join(dirname(modelJsonPath), path)), options);
}
