// npm nsfwjs 4.4.0's pretrained MobileNetV2 (224×224×3 → 5 classes) as the
// package ships it (a devDependency): dist/models/mobilenet_v2/model.min.js is
// a UMD bundle evaluating to { modelTopology, weightsManifest } (a Keras
// functional model, uint8-quantized weights), group1-shard1of1.min.js one
// evaluating to the shard's bytes in base64. Node only.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const DIR = '../../node_modules/nsfwjs/dist/models/mobilenet_v2/';

/** { modelJson, weights }: model.json as parsed, and the bytes of its one weights file, for sn.fromTfjs and TF.js. */
export function nsfwjsMobileNetV2() {
  const { modelTopology, weightsManifest } = require(`${DIR}model.min.js`);
  const base64 = require(`${DIR}group1-shard1of1.min.js`);
  if (typeof base64 !== 'string') throw new Error(`nsfwjs' group1-shard1of1.min.js gave ${typeof base64}, not base64 text`);
  const bytes = Buffer.from(base64, 'base64');
  // structuredClone: require() caches the object; callers may edit their copy.
  const modelJson = structuredClone({ format: 'layers-model', modelTopology, weightsManifest });
  return { modelJson, weights: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength).slice() };
}

/** The same as tf.loadLayersModel's tf.io.fromMemory takes it. */
export function nsfwjsArtifacts() {
  const { modelJson, weights } = nsfwjsMobileNetV2();
  return { modelTopology: modelJson.modelTopology, weightSpecs: modelJson.weightsManifest.flatMap((g) => g.weights), weightData: weights.buffer };
}
