import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as sn from '../web/index.js';
import { blobs, classifier, flatWeights } from './support/models.js';

await sn.ready();

test('fit returns a Keras history with one number per epoch for each key', async () => {
  const { x, y } = blobs(200);
  const model = classifier();
  const h = await model.fit(x, y, { epochs: 4, batchSize: 16, validationSplit: 0.25 });
  assert.deepEqual(Object.keys(h.history).sort(), ['accuracy', 'loss', 'val_accuracy', 'val_loss']);
  for (const values of Object.values(h.history)) assert.equal(values.length, 4);
  assert.deepEqual(h.epoch, [0, 1, 2, 3]);
  assert.equal(h.params.samples, 150, 'validationSplit 0.25 of 200 rows leaves 150 to train on');
  assert.ok(h.history.loss[3] < h.history.loss[0], 'training lowers the loss');
  assert.ok(h.history.accuracy[3] > 0.6, `accuracy ${h.history.accuracy[3]}`);
  model.dispose();
});

test('validationSplit takes the last rows, as Keras does: same as validationData of those rows', async () => {
  const { x, y } = blobs(100);
  const a = classifier();
  const b = classifier();
  const ha = await a.fit(x, y, { epochs: 2, batchSize: 10, validationSplit: 0.2 });
  const hb = await b.fit(x.subarray(0, 80 * 6), y.subarray(0, 80 * 3), { epochs: 2, batchSize: 10, validationData: [x.subarray(80 * 6), y.subarray(80 * 3)] });
  assert.deepEqual(ha.history, hb.history);
  assert.deepEqual(flatWeights(a), flatWeights(b));
  a.dispose();
  b.dispose();
});

test('the same seed trains to bit-identical weights, twice in a row; another seed differs', async () => {
  const { x, y } = blobs(300);
  const run = async (seed) => {
    const model = classifier({ seed, hidden: [16, 8] });
    await model.fit(x, y, { epochs: 3, batchSize: 32 });
    const w = flatWeights(model);
    model.dispose();
    return w;
  };
  const first = await run(42);
  assert.deepEqual(await run(42), first);
  assert.notDeepEqual(await run(43), first);
});

test('an onBatchEnd callback (one wasm call per batch) trains exactly like the one-call epoch', async () => {
  const { x, y } = blobs(130);
  const plain = classifier();
  const watched = classifier();
  const batches = [];
  await plain.fit(x, y, { epochs: 2, batchSize: 20, validationSplit: 0.1 });
  const h = await watched.fit(x, y, {
    epochs: 2, batchSize: 20, validationSplit: 0.1,
    callbacks: { onBatchEnd: (batch, logs) => batches.push({ batch, ...logs }) },
  });
  assert.deepEqual(flatWeights(watched), flatWeights(plain));
  assert.equal(batches.length, 2 * 6, '117 training rows in batches of 20 make 6 batches per epoch');
  assert.deepEqual(batches.slice(0, 6).map((b) => b.batch), [0, 1, 2, 3, 4, 5]);
  assert.equal(batches[5].size, 17, 'the last batch holds the remaining 17 rows');
  const meanBatchLoss = batches.slice(6).reduce((s, b) => s + b.loss * b.size, 0) / 117;
  assert.ok(Math.abs(meanBatchLoss - h.history.loss[1]) < 1e-9, 'epoch loss is the row-weighted mean of its batches');
  plain.dispose();
  watched.dispose();
});

test('callbacks: onEpochEnd sees the logs, stopTraining ends fit, initialEpoch skips epochs', async () => {
  const { x, y } = blobs(60);
  const model = classifier();
  const seen = [];
  const h = await model.fit(x, y, {
    epochs: 10, batchSize: 8,
    callbacks: {
      onEpochEnd: (epoch, logs) => {
        seen.push([epoch, logs.loss]);
        if (epoch === 2) model.stopTraining = true;
      },
    },
  });
  assert.deepEqual(seen.map((s) => s[0]), [0, 1, 2]);
  assert.deepEqual(h.history.loss, seen.map((s) => s[1]));
  const h2 = await model.fit(x, y, { epochs: 5, initialEpoch: 3, batchSize: 8 });
  assert.deepEqual(h2.epoch, [3, 4]);
  model.dispose();
});

test('sparse integer labels train exactly like their one-hot form', async () => {
  const { x, labels, y } = blobs(90);
  const sparse = classifier({ loss: 'sparseCategoricalCrossentropy' });
  const dense = classifier({ loss: 'categoricalCrossentropy' });
  const hs = await sparse.fit(x, labels, { epochs: 2, batchSize: 10 });
  const hd = await dense.fit(x, y, { epochs: 2, batchSize: 10 });
  assert.deepEqual(flatWeights(sparse), flatWeights(dense));
  assert.deepEqual(hs.history, hd.history);
  sparse.dispose();
  dense.dispose();
});

test('x as an array of rows (and inputShape [2, 3] flattening to 6) equals the flat Float32Array', () => {
  const model = sn.sequential({ seed: 5 });
  model.add(sn.layers.dense({ units: 2, inputShape: [2, 3] }));
  const flat = Float32Array.from([1, 2, 3, 4, 5, 6, -1, -2, -3, -4, -5, -6]);
  const nested = [[[1, 2, 3], [4, 5, 6]], [[-1, -2, -3], [-4, -5, -6]]];
  assert.deepEqual(model.predict(nested), model.predict(flat));
  const [kernel, bias] = model.getWeights();
  assert.deepEqual(kernel.shape, [6, 2]);
  const expected = [0, 1].map((j) => [1, 2, 3, 4, 5, 6].reduce((s, v, i) => s + v * kernel.values[i * 2 + j], bias.values[j]));
  const out = model.predict(flat);
  for (const j of [0, 1]) assert.ok(Math.abs(out[j] - expected[j]) < 1e-5);
  model.dispose();
});

test('predict returns rows × classes probabilities; predictClasses their argmax; evaluate the metrics', async () => {
  const { x, y, labels } = blobs(120);
  const model = classifier();
  await model.fit(x, y, { epochs: 20, batchSize: 12 });
  const probs = model.predict(x);
  assert.equal(probs.length, 120 * 3);
  for (let r = 0; r < 120; r++) assert.ok(Math.abs(probs[r * 3] + probs[r * 3 + 1] + probs[r * 3 + 2] - 1) < 1e-5);
  const classes = model.predictClasses(x);
  assert.ok(classes instanceof Int32Array);
  for (let r = 0; r < 120; r++) assert.equal(probs[r * 3 + classes[r]], Math.max(probs[r * 3], probs[r * 3 + 1], probs[r * 3 + 2]));
  const accuracy = classes.reduce((n, c, r) => n + (c === labels[r]), 0) / 120;
  const result = model.evaluate(x, y);
  assert.equal(result.accuracy, accuracy);
  let ce = 0;
  for (let r = 0; r < 120; r++) ce -= Math.log(probs[r * 3 + labels[r]]);
  assert.ok(Math.abs(result.loss - ce / 120) < 1e-4, `evaluate loss ${result.loss} vs ${ce / 120}`);
  assert.ok(result.accuracy > 0.8);
  model.dispose();
});

test('getWeights/setWeights round-trip with shapes; setWeights changes predictions', () => {
  const a = classifier({ seed: 1 });
  const b = classifier({ seed: 2 });
  const x = blobs(5).x;
  assert.notDeepEqual(a.predict(x), b.predict(x));
  const weights = a.getWeights();
  assert.deepEqual(weights.map((w) => [w.name, w.shape]), [['dense/kernel', [6, 8]], ['dense/bias', [8]], ['dense_1/kernel', [8, 3]], ['dense_1/bias', [3]]]);
  b.setWeights(weights);
  assert.deepEqual(b.predict(x), a.predict(x));
  b.setWeights(weights.map((w) => w.values.map(() => 0)));
  assert.deepEqual(Array.from(b.predict(x)), Array(15).fill(1 / 3).map(Math.fround));
  a.dispose();
  b.dispose();
});

test('computeGradients + optimizer.applyGradients is one SGD step: w − lr·g', () => {
  const { x, y } = blobs(40);
  const model = classifier({ optimizer: sn.optimizers.sgd({ learningRate: 0.5 }) });
  const before = model.getWeights();
  const { loss, grads } = model.computeGradients(x, y);
  assert.ok(loss > 0);
  assert.equal(grads.length, before.length);
  model.optimizer.applyGradients(grads);
  model.getWeights().forEach((w, i) => {
    w.values.forEach((v, j) => assert.equal(v, Math.fround(before[i].values[j] - Math.fround(0.5 * grads[i][j]))));
  });
  assert.ok(model.computeGradients(x, y).loss < loss, 'the step lowers the loss');
  model.dispose();
});

test('optimizer and loss by string name with Keras defaults; keras snake_case names too', async () => {
  const { x, y } = blobs(50);
  const model = sn.sequential({ seed: 3 });
  model.add(sn.layers.dense({ units: 4, activation: 'leaky_relu', inputShape: [6] }));
  model.add(sn.layers.dense({ units: 3, activation: 'softmax' }));
  model.compile({ optimizer: 'sgd', loss: 'categorical_crossentropy', metrics: ['acc', 'mse'] });
  assert.equal(model.optimizer.learningRate, 0.01);
  const h = await model.fit(x, y, { epochs: 1 });
  assert.deepEqual(Object.keys(h.history), ['loss', 'acc', 'mse']);
  model.dispose();
});

test('summary lists layers, output shapes, parameters and multiply-adds', () => {
  const model = classifier({ inputs: 3, hidden: [4], classes: 2 });
  const text = model.summary();
  assert.match(text, /dense \(Dense\) +\(None, 4\) +16/);
  assert.match(text, /dense_1 \(Dense\) +\(None, 2\) +10/);
  assert.match(text, /Total params: 26/);
  assert.match(text, /Multiply-adds per sample: 20/);
  model.dispose();
});

test('L2 on a kernel shrinks it compared with no regularization', async () => {
  const { x, y } = blobs(200);
  const norm = async (kernelRegularizer) => {
    const model = sn.sequential({ seed: 9 });
    model.add(sn.layers.dense({ units: 16, activation: 'relu', inputShape: [6], kernelRegularizer }));
    model.add(sn.layers.dense({ units: 3, activation: 'softmax' }));
    model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    await model.fit(x, y, { epochs: 30, batchSize: 20 });
    const k = model.getWeights()[0].values;
    model.dispose();
    return k.reduce((s, v) => s + v * v, 0);
  };
  const plain = await norm(undefined);
  const shrunk = await norm(sn.regularizers.l2(0.05));
  assert.ok(shrunk < 0.7 * plain, `Σw² ${shrunk} with L2 vs ${plain} without`);
});
