// What TensorFlow.js' own model.save() writes, for the tests that import it
// (test/tfjs.test.js, test/tfjs-cnn.test.js), and what TF.js predicts with a model of ours.
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

/** What tf.loadLayersModel makes of modelJson and weightsBin (model.toTfjs()'s) predicts for x (rows of inputShape). */
export async function tfjsPredict(modelJson, weightsBin, x, inputShape) {
  const weightSpecs = modelJson.weightsManifest.flatMap((g) => g.weights);
  const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs, weightData: weightsBin }));
  const rows = x.length / inputShape.reduce((a, b) => a * b, 1);
  const out = tf.tidy(() => model.predict(tf.tensor(x, [rows, ...inputShape])).dataSync().slice());
  model.dispose();
  return out;
}
