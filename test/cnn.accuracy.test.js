// The two public reference CNNs learn what they should, with a fixed seed:
//   - M4, the TF.js tutorial CNN, on the bundled digits (8,000 to train, 2,000
//     to test): at least 0.97 test accuracy;
//   - M5, Keras' mnist_convnet example, on Fashion-MNIST from Debian's
//     dataset-fashion-mnist (60,000 to train, 10,000 to test): at least 0.90
//     (skipped, saying why, where the package is not installed).
// Both run in a few minutes; `node --test --test-reporter=spec
// test/cnn.accuracy.test.js` prints the accuracy and time of each.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import * as sn from '../web/index.js';

await sn.ready();

const L = sn.layers;
const FASHION = '/usr/share/datasets/fashion-mnist/';

async function trainAndTest(t, model, { x, y, xTest, yTest, epochs, batchSize }) {
  model.compile({ optimizer: sn.optimizers.adam({ learningRate: 0.001 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const start = performance.now();
  const history = await model.fit(x, y, { epochs, batchSize });
  const seconds = (performance.now() - start) / 1000;
  const { accuracy, loss } = model.evaluate(xTest, yTest, { batchSize: 500 });
  const rows = x.length / 784;
  t.diagnostic(`${epochs} epochs of ${rows} rows in ${seconds.toFixed(0)} s (${(epochs * rows / seconds).toFixed(0)} samples/s); ` +
    `training loss ${history.history.loss.at(-1).toFixed(4)}; test loss ${loss.toFixed(4)}, test accuracy ${accuracy.toFixed(4)}`);
  model.dispose();
  return accuracy;
}

test('M4, the TF.js tutorial CNN, reaches 0.97 test accuracy on the bundled digits', async (t) => {
  const { images, labels } = await sn.data.loadMnistDigits();
  const split = 8000 * 784;
  // The tutorial's layers and initializer (TF.js' varianceScaling: leCunNormal); Adam 0.001, batch 64.
  const init = 'leCunNormal';
  const model = sn.sequential({ seed: 1 });
  model.add(L.conv2d({ filters: 8, kernelSize: 5, activation: 'relu', kernelInitializer: init, inputShape: [28, 28, 1] }));
  model.add(L.maxPooling2d({ poolSize: 2 }));
  model.add(L.conv2d({ filters: 16, kernelSize: 5, activation: 'relu', kernelInitializer: init }));
  model.add(L.maxPooling2d({ poolSize: 2 }));
  model.add(L.flatten());
  model.add(L.dense({ units: 10, activation: 'softmax', kernelInitializer: init }));
  const accuracy = await trainAndTest(t, model, {
    x: images.subarray(0, split), y: sn.data.oneHot(labels.subarray(0, 8000), 10),
    xTest: images.subarray(split), yTest: sn.data.oneHot(labels.subarray(8000), 10), epochs: 15, batchSize: 64,
  });
  assert.ok(accuracy >= 0.97, `test accuracy ${accuracy}`);
});

const fashion = existsSync(`${FASHION}train-images-idx3-ubyte.gz`);
test("M5, Keras' mnist_convnet, reaches 0.90 test accuracy on Fashion-MNIST", {
  skip: !fashion && `Debian's dataset-fashion-mnist is not installed (${FASHION}); bash build.sh --for-tests installs it`,
}, async (t) => {
  const read = (name) => readFileSync(`${FASHION}${name}`);
  const train = await sn.data.readIdxDataset(read('train-images-idx3-ubyte.gz'), read('train-labels-idx1-ubyte.gz'));
  const testSet = await sn.data.readIdxDataset(read('t10k-images-idx3-ubyte.gz'), read('t10k-labels-idx1-ubyte.gz'));
  const model = sn.sequential({ seed: 1 });
  model.add(L.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }));
  model.add(L.maxPooling2d({ poolSize: 2 }));
  model.add(L.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }));
  model.add(L.maxPooling2d({ poolSize: 2 }));
  model.add(L.flatten());
  model.add(L.dropout({ rate: 0.5 }));
  model.add(L.dense({ units: 10, activation: 'softmax' }));
  const accuracy = await trainAndTest(t, model, {
    x: train.images, y: sn.data.oneHot(train.labels, 10), xTest: testSet.images, yTest: sn.data.oneHot(testSet.labels, 10),
    epochs: Number(process.env.M5_EPOCHS ?? 8), batchSize: 128,
  });
  assert.ok(accuracy >= 0.9, `test accuracy ${accuracy}`);
});
