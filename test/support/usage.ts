// The README's quick start, type-checked against web/index.d.ts by test/types.test.js.
import * as sn from '../../web/index.js';

export async function quickStart(): Promise<number> {
  await sn.ready();
  const { images, labels } = await sn.data.loadMnistDigits({ count: 100 });
  const x: Float32Array = images.subarray(0, 80 * 784);
  const y: Float32Array = sn.data.oneHot(labels.subarray(0, 80), 10);
  const model = sn.sequential({ seed: 42 });
  model.add(sn.layers.dense({ units: 64, activation: 'relu', inputShape: [784], kernelRegularizer: sn.regularizers.l2(0.01) }));
  model.add(sn.layers.dense({ units: 32, activation: sn.leakyRelu({ alpha: 0.1 }), kernelInitializer: sn.initializers.heNormal() }));
  model.add(sn.layers.dense({ units: 10, activation: 'softmax' }));
  model.compile({ optimizer: sn.optimizers.adam({ learningRate: 0.001 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const summary: string = model.summary();
  const h = await model.fit(x, y, {
    epochs: 2, batchSize: 30, validationSplit: 0.2, verbose: 0,
    callbacks: { onEpochEnd: (epoch: number, logs) => void logs.loss, onBatchEnd: (batch, logs) => void logs.size },
  });
  const losses: number[] = h.history.loss;
  const { loss, accuracy } = model.evaluate(x, y);
  const probs: Float32Array = model.predict(x);
  const classes: Int32Array = model.predictClasses(x);
  const { grads } = model.computeGradients(x, y);
  model.optimizer?.applyGradients(grads);
  const weights = model.getWeights();
  model.setWeights(weights.map((w) => w.values));
  const perSample: Float32Array = sn.losses.asymmetric({ cost: 1, profit: 99 }).compute([[1]], [[0.5]]);
  const file: Uint8Array = model.save({ includeOptimizer: true });
  const copy = sn.loadModel(file);
  const { modelJson, weightsBin } = copy.toTfjs();
  const imported = sn.fromTfjs(JSON.stringify(modelJson), weightsBin);
  await sn.storage.saveModelToIndexedDB(imported, 'mnist').catch(() => undefined); // no IndexedDB in Node
  copy.dispose();
  imported.dispose();
  model.dispose();
  return summary.length + losses.length + loss + accuracy + probs.length + classes.length + perSample[0] + sn.heapBytes();
}

// simdnet/node: model files on disk.
import { loadModelFile, loadTfjsFiles, saveModelFile, saveTfjsFiles } from '../../web/node-files.js';

export async function nodeFiles(model: sn.Sequential): Promise<number> {
  await saveModelFile(model, '/tmp/model.simdnet', { includeOptimizer: false });
  await saveTfjsFiles(model, '/tmp/tfjs-model');
  const a = await loadModelFile('/tmp/model.simdnet');
  const b = await loadTfjsFiles('/tmp/tfjs-model/model.json');
  return a.paramCount() + b.paramCount();
}
