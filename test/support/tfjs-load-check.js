// Shared by the TF.js loading check page, its Worker and the Node side of the
// test: loads the quantized, sharded model of test/fixtures/tfjs-quantized/
// with sn.loadTfjsModel where a page or Worker can fetch it, or as Node reads it, and reports its weights' and
// predictions' bits.
import { sn } from './entry.js';

const MODEL = '../fixtures/tfjs-quantized/model.json';
/** Two samples of the model's 5×5×2 input, the same in every engine (no Math.sin). */
const X = Float32Array.from({ length: 2 * 50 }, (_, i) => (i % 7) / 7 - 0.5);
const bits = (a) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.byteLength / 4));

/**
 * { weightBits, predictionBits, missing }: loaded over HTTP by a URL relative to
 * the page or Worker (both are in test/support/), or by `load` when given (Node).
 */
export async function loadHere(readyOptions, load = () => sn.loadTfjsModel(MODEL)) {
  await sn.ready(readyOptions);
  const model = await load();
  const result = { weightBits: model.getWeights().flatMap((w) => bits(w.values)), predictionBits: bits(model.predict(X)) };
  model.dispose();
  if (globalThis.location) result.missing = await sn.loadTfjsModel('../fixtures/tfjs-quantized/nothing.json').then(() => 'loaded?', (err) => err.message.replace(location.origin, ''));
  return result;
}
