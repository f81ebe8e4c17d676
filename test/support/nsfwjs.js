// npm nsfwjs 4.4.0's pretrained MobileNetV2 (224×224×3 → 5 classes; a Keras
// 2.2.4 functional model with uint8-quantized weights) as the package ships it,
// read by scripts/mobilenet-files.js from its UMD bundles. Node only.
import { readMobileNetV2 } from '../../scripts/mobilenet-files.js';

/** { modelJson, weights }: model.json as parsed, and the bytes of its one weights file, for sn.fromTfjs and TF.js. */
export function nsfwjsMobileNetV2() {
  const { modelJson, shards } = readMobileNetV2();
  // structuredClone and slice: require() caches what it read; callers may edit their copy.
  return { modelJson: structuredClone({ format: 'layers-model', ...modelJson }), weights: [...shards.values()][0].slice() };
}

/** The same as tf.loadLayersModel's tf.io.fromMemory takes it. */
export function nsfwjsArtifacts() {
  const { modelJson, weights } = nsfwjsMobileNetV2();
  return { modelTopology: modelJson.modelTopology, weightSpecs: modelJson.weightsManifest.flatMap((g) => g.weights), weightData: weights.buffer };
}
