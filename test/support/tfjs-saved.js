// What TensorFlow.js' own model.save() writes, for the tests that import it
// (test/tfjs.test.js, test/tfjs-cnn.test.js).
import * as tf from '@tensorflow/tfjs';

/** A TF.js model as its model.save() writes it: { modelJson, weightsBin }. */
export async function savedByTfjs(model) {
  let artifacts;
  await model.save(tf.io.withSaveHandler(async (a) => {
    artifacts = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  return {
    modelJson: { format: 'layers-model', modelTopology: artifacts.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }] },
    weightsBin: artifacts.weightData,
  };
}
