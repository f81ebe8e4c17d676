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
  model.dispose();
  return summary.length + losses.length + loss + accuracy + probs.length + classes.length + perSample[0] + sn.heapBytes();
}

// The README's Worker example (sn.createTrainer); type-checked only, since Node has no Web Workers.
export async function inAWorker(x: Float32Array, y: Float32Array): Promise<number> {
  const trainer = sn.createTrainer({
    seed: 42,
    layers: [{ units: 64, activation: 'relu', inputShape: [784] }, { units: 10, activation: 'softmax' }],
    compile: { optimizer: sn.optimizers.adam({ learningRate: 0.001 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] },
  });
  const { paramCount } = await trainer.ready;
  const history = await trainer.fit(x, y, {
    epochs: 10, batchSize: 30, validationSplit: 0.2,
    callbacks: {
      onBatchEnd: (batch, logs, { epoch, batches }) => void (logs.loss + epoch + batches),
      onEpochEnd: (epoch, logs) => void logs.val_loss,
      onProgress: ({ fraction, etaMs }) => void (fraction + etaMs),
    },
  });
  trainer.pause();
  trainer.resume();
  trainer.stop();
  const probs: Float32Array = await trainer.predict(x.subarray(0, 784));
  const { accuracy } = await trainer.evaluate(x, y);
  const weights = await trainer.getWeights();
  trainer.terminate();
  return paramCount + history.history.loss.length + Number(history.stopped) + probs.length + accuracy + weights.length;
}
