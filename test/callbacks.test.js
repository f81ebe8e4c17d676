// fit()'s callbacks: hook objects, arrays mixing them with the built-ins, and
// the built-ins' Keras semantics (earlyStopping stops and restores,
// reduceLROnPlateau lowers the rate, terminateOnNaN ends quietly).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as sn from '../web/index.js';
import { blobs, classifier, flatWeights } from './support/models.js';

await sn.ready();

/** A model that trains, then overfits: validation loss falls, then rises. */
function overfitting() {
  const model = classifier({ inputs: 6, hidden: [32], classes: 3, seed: 5, optimizer: sn.optimizers.adam({ learningRate: 0.05 }) });
  const train = blobs(40, 6, 3, 1), val = blobs(200, 6, 3, 2);
  return { model, train, val };
}

test('earlyStopping stops after `patience` epochs without improvement and restores the best weights', async () => {
  const { model, train, val } = overfitting();
  const seen = [];
  const stop = sn.callbacks.earlyStopping({ monitor: 'val_loss', patience: 3, restoreBestWeights: true });
  const h = await model.fit(train.x, train.y, {
    epochs: 200, batchSize: 8, validationData: [val.x, val.y],
    callbacks: [stop, { onEpochEnd: () => seen.push(flatWeights(model)) }],
  });
  const losses = h.history.val_loss;
  const best = losses.indexOf(Math.min(...losses));
  assert.ok(losses.length < 200, `stopped early, after ${losses.length} epochs`);
  assert.equal(losses.length, best + 1 + 3, 'stopped exactly `patience` epochs after the best');
  assert.deepEqual(flatWeights(model), seen[best], 'the weights are those at the end of the best epoch');
  assert.notDeepEqual(seen.at(-1), seen[best]);
  assert.equal(stop.bestEpoch, best);
  model.dispose();
});

test('earlyStopping with minDelta, mode max on accuracy, and a monitor the logs lack', async () => {
  const { model, train } = overfitting();
  const h = await model.fit(train.x, train.y, {
    epochs: 100, batchSize: 8, callbacks: [sn.callbacks.earlyStopping({ monitor: 'accuracy', patience: 2, minDelta: 0.5 })],
  });
  assert.equal(h.epoch.length, 3, 'no accuracy gain of 0.5 after the first epoch: stop after 1 + patience epochs');
  await assert.rejects(() => model.fit(train.x, train.y, { epochs: 2, callbacks: [sn.callbacks.earlyStopping()] }), /monitors "val_loss", which the logs do not hold/);
  model.dispose();
});

test('reduceLROnPlateau multiplies the learning rate by factor after patience epochs without improvement, down to minLr', async () => {
  const { model, train } = overfitting();
  model.optimizer.learningRate = 0.05;
  const rates = [];
  // An impossible minDelta means no epoch counts as an improvement after the first.
  const reduce = sn.callbacks.reduceLROnPlateau({ monitor: 'loss', factor: 0.5, patience: 2, minDelta: 100, minLr: 0.01 });
  await model.fit(train.x, train.y, { epochs: 9, batchSize: 8, callbacks: [reduce, { onEpochEnd: () => rates.push(model.optimizer.learningRate) }] });
  assert.deepEqual(rates, [0.05, 0.05, 0.025, 0.025, 0.0125, 0.0125, 0.01, 0.01, 0.01]);
  assert.throws(() => sn.callbacks.reduceLROnPlateau({ factor: 1 }), /factor must be below 1/);
  model.dispose();
});

test('the learning rate a callback sets is the one the C training loop uses', async () => {
  const model = sn.sequential({ seed: 1 });
  model.add(sn.layers.dense({ units: 1, inputShape: [1], useBias: false, kernelInitializer: 'zeros' }));
  model.compile({ optimizer: sn.optimizers.sgd({ learningRate: 1 }), loss: 'mse' });
  // Gradient of (w − 1)² at w = 0 is −2: one step moves w by 2·lr.
  await model.fit([[1]], [[1]], { epochs: 1, batchSize: 1, callbacks: [sn.callbacks.learningRateScheduler(() => 0.125)] });
  assert.equal(model.getWeights()[0].values[0], 0.25);
  model.dispose();
});

test('terminateOnNaN ends training quietly with the last good weights; without it fit throws', async () => {
  const make = () => classifier({ seed: 3, optimizer: sn.optimizers.sgd({ learningRate: 1e30 }), loss: 'meanSquaredError' });
  const { x, y } = blobs(64);
  const quiet = make();
  const h = await quiet.fit(x, y, { epochs: 20, batchSize: 8, callbacks: [sn.callbacks.terminateOnNaN()] });
  assert.ok(h.epoch.length < 20, `stopped after ${h.epoch.length} epochs`);
  assert.ok(flatWeights(quiet).every(Number.isFinite));
  const loud = make();
  await assert.rejects(() => loud.fit(x, y, { epochs: 20, batchSize: 8 }), /became NaN or Infinity/);
  quiet.dispose();
  loud.dispose();
});

test('callbacks as an array of hook objects run in order; bad entries are refused by name', async () => {
  const model = classifier();
  const { x, y } = blobs(30);
  const order = [];
  await model.fit(x, y, {
    epochs: 2,
    callbacks: [{ onEpochEnd: (e) => order.push(`a${e}`) }, { onEpochEnd: (e) => order.push(`b${e}`), onTrainEnd: () => order.push('end') }],
  });
  assert.deepEqual(order, ['a0', 'b0', 'a1', 'b1', 'end']);
  await assert.rejects(() => model.fit(x, y, { callbacks: [{ onEpochEnds() {} }] }), /unknown callback "onEpochEnds"/);
  await assert.rejects(() => model.fit(x, y, { callbacks: [3] }), /callbacks must be an object/);
  model.dispose();
});

test('fit gives the event loop a turn between epochs, through setImmediate rather than a clamped timer', async () => {
  const { model, train } = overfitting();
  let fired = false, timers = 0, firedBy = null;
  setImmediate(() => (fired = true));
  const realSetTimeout = globalThis.setTimeout;
  globalThis.setTimeout = (...args) => (timers++, realSetTimeout(...args));
  try {
    await model.fit(train.x, train.y, {
      epochs: 5, batchSize: 8,
      callbacks: {
        onEpochEnd: (epoch) => {
          if (fired && firedBy === null) firedBy = epoch;
          const until = performance.now() + 20; // longer than fit's 15 ms between turns
          while (performance.now() < until);
        },
      },
    });
  } finally {
    globalThis.setTimeout = realSetTimeout;
  }
  assert.ok(firedBy !== null && firedBy < 4, `a task queued before fit ran during it (seen at epoch ${firedBy})`);
  assert.equal(timers, 0, 'no setTimeout');
});
