// The dropout layer and activity regularizers through the JavaScript API
// (their masks and gradients are checked in C: test/c/test_dropout.c).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as sn from '../web/index.js';
import { blobs, flatWeights } from './support/models.js';

await sn.ready();

function net({ seed = 4, rate = 0.5, dropoutSeed, activity } = {}) {
  const model = sn.sequential({ seed });
  model.add(sn.layers.dense({ units: 16, activation: 'relu', inputShape: [6], activityRegularizer: activity }));
  if (rate !== null) model.add(sn.layers.dropout({ rate, seed: dropoutSeed }));
  model.add(sn.layers.dense({ units: 3, activation: 'softmax' }));
  model.compile({ optimizer: sn.optimizers.adam({ learningRate: 0.01 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

test('summary lists dropout with 0 parameters; layers are named per type as in Keras', () => {
  const model = net();
  const text = model.summary();
  assert.match(text, /dropout \(Dropout\)\s+\(None, 16\)\s+0\n/);
  assert.match(text, /dense_1 \(Dense\)\s+\(None, 3\)\s+51\n/);
  assert.equal(model.paramCount(), 6 * 16 + 16 + 51);
  assert.deepEqual(model.getWeights().map((w) => w.name), ['dense/kernel', 'dense/bias', 'dense_1/kernel', 'dense_1/bias']);
  model.dispose();
});

test('dropout acts only in training: predict and evaluate equal those of the same weights without it', async () => {
  const { x, y } = blobs(50);
  const a = net(), b = net({ rate: null });
  await a.fit(x, y, { epochs: 2 });
  b.setWeights(a.getWeights());
  assert.deepEqual(a.predict(x), b.predict(x));
  assert.deepEqual(a.evaluate(x, y), b.evaluate(x, y));
  a.dispose();
  b.dispose();
});

test('training with dropout is reproducible from the seeds, and the masks do change training', async () => {
  const { x, y } = blobs(60);
  const train = async (options) => {
    const model = net(options);
    await model.fit(x, y, { epochs: 3, batchSize: 10 });
    const w = flatWeights(model);
    model.dispose();
    return w;
  };
  assert.deepEqual(await train({}), await train({}), 'same model seed, same weights');
  assert.deepEqual(await train({ dropoutSeed: 9 }), await train({ dropoutSeed: 9 }), 'same dropout seed, same weights');
  assert.notDeepEqual(await train({ dropoutSeed: 9 }), await train({ dropoutSeed: 10 }), 'another dropout seed, other masks');
  assert.notDeepEqual(await train({}), await train({ rate: null }), 'dropout changes training');
  assert.deepEqual(await train({ rate: 0 }), await train({ rate: null }), 'rate 0 is no dropout');
});

test('an activity regularizer adds l2·Σa²/rows of the layer output to the loss (Keras: divided by the batch size)', () => {
  const { x, y } = blobs(20);
  const plain = net({ rate: null }), regular = net({ rate: null, activity: sn.regularizers.l2(0.05) });
  const [kernel, bias] = plain.getWeights();
  let penalty = 0;
  for (let r = 0; r < 20; r++)
    for (let j = 0; j < 16; j++) {
      let a = bias.values[j];
      for (let i = 0; i < 6; i++) a += x[r * 6 + i] * kernel.values[i * 16 + j];
      penalty += 0.05 * Math.max(a, 0) ** 2;
    }
  const added = regular.computeGradients(x, y).loss - plain.computeGradients(x, y).loss;
  assert.ok(Math.abs(added - penalty / 20) < 1e-5 * penalty, `added ${added}, expected ${penalty / 20}`);
  assert.ok(Math.abs(regular.evaluate(x, y).loss - plain.evaluate(x, y).loss - penalty / 20) < 1e-5 * penalty);
  plain.dispose();
  regular.dispose();
});

test('dropout goes anywhere Keras allows it: on the inputs, twice in a row, last; only training sees it', async () => {
  const { x, y } = blobs(40);
  const model = sn.sequential({ seed: 2 });
  model.add(sn.layers.dropout({ rate: 0.3, inputShape: [6] }));
  model.add(sn.layers.dense({ units: 8, activation: 'tanh' }));
  model.add(sn.layers.dropout({ rate: 0.2 }));
  model.add(sn.layers.dropout({ rate: 0.1, seed: 5 }));
  model.add(sn.layers.dense({ units: 3, activation: 'softmax' }));
  model.add(sn.layers.dropout({ rate: 0.5 }));
  model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
  assert.deepEqual(model.layers.map((l) => l.name), ['dropout', 'dense', 'dropout_1', 'dropout_2', 'dense_1', 'dropout_3']);
  const plain = sn.sequential({ seed: 2, layers: [sn.layers.dense({ units: 8, activation: 'tanh', inputShape: [6] }), sn.layers.dense({ units: 3, activation: 'softmax' })] });
  plain.setWeights(model.getWeights());
  assert.deepEqual(model.predict(x), plain.predict(x), 'predict passes values through every dropout');
  const before = flatWeights(model);
  const h = await model.fit(x, y, { epochs: 2, batchSize: 8 });
  assert.ok(h.history.loss.every(Number.isFinite));
  assert.notDeepEqual(flatWeights(model), before);
  const { grads } = model.computeGradients(x, y);
  const { grads: again } = model.computeGradients(x, y);
  assert.notDeepEqual(grads, again, 'computeGradients counts as training: fresh masks each call');
  model.dispose();
  plain.dispose();
});

test('dropout options C cannot take are refused by name; an activity regularizer on the output layer counts', () => {
  assert.throws(() => sn.layers.dropout({ rate: 1 }), /dropout rate must be a number in \[0, 0.999999\]/);
  assert.throws(() => sn.layers.dropout({ rate: 0.5, noiseShape: [1] }), /dropout: unknown option "noiseShape"/);
  assert.throws(() => sn.sequential().add(sn.layers.dropout({ rate: 0.5 })), /the first layer needs inputShape/);
  // Keras adds an output layer's activity penalty to the loss like any other (the graph core places it).
  const out = sn.sequential({ seed: 2, layers: [sn.layers.dense({ units: 1, inputShape: [2], activityRegularizer: sn.regularizers.l1(0.1) })] });
  out.compile({ optimizer: 'sgd', loss: 'mse' });
  const x = [[1, 2], [-1, 0.5], [0.3, -2]], y = [[0.5], [-1], [2]];
  const p = out.predict(x), rows = p.length;
  const mse = p.reduce((n, v, i) => n + (v - y[i][0]) ** 2, 0) / rows, penalty = 0.1 * p.reduce((n, v) => n + Math.abs(v), 0) / rows;
  assert.ok(Math.abs(out.evaluate(x, y).loss - (mse + penalty)) < 1e-6, 'the loss holds the output activity penalty');
  out.dispose();
});
