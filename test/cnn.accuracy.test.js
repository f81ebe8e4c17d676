// The two public reference CNNs learn what they should, with a fixed seed:
//   - M4, the TF.js tutorial CNN, on the bundled digits (8,000 to train, 2,000
//     to test): at least 0.97 test accuracy;
//   - M5, Keras' mnist_convnet example, on Fashion-MNIST from Debian's
//     dataset-fashion-mnist (60,000 to train, 10,000 to test): at least 0.90
//     (skipped, saying why, where the package is not installed).
// Each trains until it reaches its target (at most maxEpochs), evaluating the
// test set after every epoch; with the fixed seed the bits, and so the number
// of epochs, are the same every run. `node --test --test-reporter=spec
// test/cnn.accuracy.test.js` prints the accuracies per epoch and the time.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import * as sn from '../web/index.js';

// Both threads of the threaded build when it is there (bit-identical to one
// thread, so the accuracies do not depend on it; only the time does).
const THREADED = new URL('../dist/simdnet-mt.wasm', import.meta.url);
await sn.ready(existsSync(THREADED) ? { threads: 2 } : undefined);

const L = sn.layers;
const FASHION = '/usr/share/datasets/fashion-mnist/';

/**
 * Trains one epoch at a time (the same bits as one fit of many epochs) and
 * evaluates on the test set after each, until the accuracy reaches `target`
 * or `maxEpochs` have run; returns the test accuracies per epoch.
 */
async function trainUntil(t, model, { x, y, xTest, yTest, target, maxEpochs, batchSize }) {
  model.compile({ optimizer: sn.optimizers.adam({ learningRate: 0.001 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const start = performance.now(), rows = x.length / 784, accuracies = [];
  let logs;
  while (accuracies.length < maxEpochs && !(accuracies.at(-1) >= target)) {
    await model.fit(x, y, { epochs: 1, batchSize });
    logs = model.evaluate(xTest, yTest, { batchSize: 500 });
    accuracies.push(logs.accuracy);
  }
  const seconds = (performance.now() - start) / 1000;
  t.diagnostic(`${accuracies.length} epochs of ${rows} rows in ${seconds.toFixed(0)} s with ${sn.threads()} thread(s) ` +
    `(${(accuracies.length * rows / seconds).toFixed(0)} samples/s, evaluation included); test loss ${logs.loss.toFixed(4)}; ` +
    `test accuracy per epoch ${accuracies.map((a) => a.toFixed(4)).join(' ')}`);
  model.dispose();
  return accuracies.at(-1);
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
  const accuracy = await trainUntil(t, model, {
    x: images.subarray(0, split), y: sn.data.oneHot(labels.subarray(0, 8000), 10),
    xTest: images.subarray(split), yTest: sn.data.oneHot(labels.subarray(8000), 10), target: 0.97, maxEpochs: 20, batchSize: 64,
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
  const accuracy = await trainUntil(t, model, {
    x: train.images, y: sn.data.oneHot(train.labels, 10), xTest: testSet.images, yTest: sn.data.oneHot(testSet.labels, 10),
    target: 0.9, maxEpochs: 15, batchSize: 128,
  });
  assert.ok(accuracy >= 0.9, `test accuracy ${accuracy}`);
});
