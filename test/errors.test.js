// Bad input gets a clear Error naming the problem, and leaves the model as it was.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as sn from '../web/index.js';
import { allFinite } from '../web/model/inputs.js';
import { assertNoLeak } from './support/leaks.js';
import { blobs, classifier, flatWeights } from './support/models.js';

await sn.ready();

/** Runs fn, expects an Error matching `message`, and checks the model kept its weights and still trains. */
async function refusedAndUnchanged(model, fn, message) {
  const before = flatWeights(model);
  await assert.rejects(async () => fn(), (err) => err instanceof Error && message.test(err.message), `expected ${message}`);
  assert.deepEqual(flatWeights(model), before, 'the failed call changed the weights');
  assert.equal(model.isTraining, false);
  const { x, y, labels } = blobs(20);
  await model.fit(x, model.loss?.sparse ? labels : y, { epochs: 1, batchSize: 5 }); // still usable
}

test('shape mismatches name the sizes', async () => {
  const model = classifier();
  const { x, y } = blobs(20);
  await refusedAndUnchanged(model, () => model.fit(x.subarray(0, 100), y), /x has 100 values, which is not a whole number of rows of 6/);
  await refusedAndUnchanged(model, () => model.fit(x, y.subarray(0, 30)), /x has 20 rows but y has 10/);
  await refusedAndUnchanged(model, () => model.fit([[1, 2, 3]], [[1, 0, 0]]), /x row 0 has 3 values, expected 6/);
  await refusedAndUnchanged(model, () => model.predict(new Float32Array(7)), /not a whole number of rows of 6/);
  await refusedAndUnchanged(model, () => model.evaluate(x, new Float32Array(20 * 2)), /y has 40 values|y has 20 rows/);
  model.dispose();
});

test('integer labels with a one-hot loss get a hint; labels out of range are named', async () => {
  const model = classifier();
  const { x, labels } = blobs(20);
  await refusedAndUnchanged(model, () => model.fit(x, labels), /one per row.*oneHot.*sparseCategoricalCrossentropy/);
  const sparse = classifier({ loss: 'sparseCategoricalCrossentropy' });
  const bad = Int32Array.from(labels);
  bad[7] = 3;
  await refusedAndUnchanged(sparse, () => sparse.fit(x, bad), /label 3 at index 7 is out of range: expected an integer in \[0, 3\)/);
  await refusedAndUnchanged(sparse, () => sparse.fit(x, Array.from(labels, (l, i) => (i === 2 ? 0.5 : l))), /label 0.5 at index 2/);
  model.dispose();
  sparse.dispose();
});

test('NaN or Infinity in inputs, targets or weights is refused with its position', async () => {
  const model = classifier();
  const { x, y } = blobs(20);
  const xs = Float32Array.from(x);
  xs[2 * 6 + 4] = NaN;
  await refusedAndUnchanged(model, () => model.fit(xs, y), /x contains NaN at row 2, column 4/);
  await refusedAndUnchanged(model, () => model.predict(xs), /x contains NaN at row 2, column 4/);
  const ys = Float32Array.from(y);
  ys[5] = Infinity;
  await refusedAndUnchanged(model, () => model.evaluate(x, ys), /y contains Infinity at row 1, column 2/);
  const weights = model.getWeights();
  weights[1].values[0] = NaN;
  await refusedAndUnchanged(model, () => model.setWeights(weights), /weights for dense\/bias contains NaN/);
  model.dispose();
});

test('a NaN or Infinity anywhere in a large input is found (the wasm check, chunk by chunk) and named', async () => {
  const model = classifier(); // 6 inputs, 3 classes
  const rows = 30000, chunk = 1 << 16; // 180,000 values: chunks of 65,536, 65,536 and 48,928
  const { x, y } = blobs(rows);
  assert.equal(allFinite(x), true, 'finite data is seen as finite (not left to the slow search)');
  for (const [index, bad] of [[0, NaN], [chunk - 1, Infinity], [chunk, -Infinity], [2 * chunk + 7, NaN], [rows * 6 - 1, Infinity]]) {
    const xs = Float32Array.from(x);
    xs[index] = bad;
    assert.equal(allFinite(xs), false, `${bad} at ${index}`);
    const where = new RegExp(`x contains ${bad} at row ${Math.floor(index / 6)}, column ${index % 6}:`);
    await refusedAndUnchanged(model, () => model.fit(xs, y, { epochs: 1, batchSize: 1000 }), where);
    await refusedAndUnchanged(model, () => model.predict(xs), where);
  }
  const ys = Float32Array.from(y);
  ys[ys.length - 2] = NaN;
  await refusedAndUnchanged(model, () => model.evaluate(x, ys), new RegExp(`y contains NaN at row ${rows - 1}, column 1:`));
  // Finite data passes, and the checks' scratch copies are freed.
  await assertNoLeak(() => model.evaluate(x, y), 50);
  model.dispose();
});

test('unknown names are refused with the list of known ones', () => {
  assert.throws(() => sn.layers.dense({ units: 3, activation: 'relu7' }), /unknown activation "relu7"; known: linear, sigmoid, tanh, relu, leakyRelu, softmax, elu, selu, relu6/);
  assert.throws(() => sn.layers.dense({ units: 3, kernelInitializer: 'xavier' }), /unknown initializer "xavier"/);
  assert.throws(() => sn.layers.dense({ units: 3, unitz: 4 }), /dense: unknown option "unitz"/);
  assert.throws(() => sn.layers.dense({ units: 0 }), /dense units must be an integer in \[1, Infinity\], got 0/);
  assert.throws(() => sn.optimizers.adam({ learningrate: 0.1 }), /unknown adam option "learningrate"/);
  const model = classifier();
  assert.throws(() => model.compile({ optimizer: 'adamm', loss: 'mse' }), /unknown optimizer "adamm"/);
  assert.throws(() => model.compile({ optimizer: 'adam', loss: 'hinge' }), /unknown loss "hinge"/);
  assert.throws(() => model.compile({ optimizer: 'adam', loss: 'mse', metrics: ['f1'] }), /unknown metric "f1"/);
  assert.throws(() => model.compile({ optimizer: 'adam', loss: sn.losses.categoricalCrossentropy({ fromLogits: true }) }), /fromLogits needs a linear last layer, not softmax/);
  assert.equal(model.loss.name, 'categoricalCrossentropy', 'a refused compile keeps the previous one');
  model.dispose();
});

test('fit before compile, bad fit options, and misuse of the model are refused', async () => {
  const model = sn.sequential({ seed: 1 });
  assert.throws(() => model.add(sn.layers.dense({ units: 3 })), /first layer needs inputShape/);
  model.add(sn.layers.dense({ units: 3, inputShape: [6], activation: 'softmax' }));
  assert.throws(() => model.add(sn.layers.dense({ units: 2, inputShape: [4] })), /inputShape \[4\] does not match the previous layer's 3 units/);
  const { x, y } = blobs(20);
  await assert.rejects(() => model.fit(x, y), /fit needs a compiled model: call model.compile/);
  assert.throws(() => model.evaluate(x, y), /evaluate needs a compiled model/);
  model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
  assert.throws(() => model.add(sn.layers.dense({ units: 2 })), /already built/);
  await refusedAndUnchanged(model, () => model.fit(x, y, { epoch: 3 }), /fit: unknown option "epoch"/);
  await refusedAndUnchanged(model, () => model.fit(x, y, { batchSize: 0 }), /batchSize must be an integer in \[1, 2147483647\], got 0/);
  await refusedAndUnchanged(model, () => model.fit(x, y, { validationSplit: 0.99 }), /leaves no training or no validation rows/);
  await refusedAndUnchanged(model, () => model.fit(x, y, { callbacks: { onEpochEnd: 3 } }), /callback onEpochEnd must be a function/);
  await refusedAndUnchanged(model, () => model.setWeights([new Float32Array(18)]), /expected 2 weights arrays/);
  await refusedAndUnchanged(model, () => model.setWeights([new Float32Array(17), new Float32Array(3)]), /dense\/kernel have 17 values, expected 18 \(shape \[6,3\]\)/);
  const training = model.fit(x, y, { epochs: 3 });
  assert.throws(() => model.dispose(), /cannot dispose while fit\(\) is running/);
  await assert.rejects(() => model.fit(x, y), /cannot fit while fit\(\) is running/);
  await training;
  model.dispose();
  assert.throws(() => model.predict(x), /this model was disposed/);
});

test('an error thrown by a callback stops fit, frees its buffers and leaves the model usable', async () => {
  const model = classifier();
  const { x, y } = blobs(40);
  await model.fit(x, y, { epochs: 1 }); // warm-up: the workspace is allocated once
  const heap = sn.heapBytes();
  await assert.rejects(() => model.fit(x, y, { epochs: 3, callbacks: { onEpochEnd: () => { throw new Error('user says stop'); } } }), /user says stop/);
  assert.equal(sn.heapBytes(), heap, 'fit freed the copies of x and y');
  assert.equal(model.isTraining, false);
  await model.fit(x, y, { epochs: 1 });
  model.dispose();
});

test('a loss that becomes NaN stops fit with a clear error; the weights are from the last good step', async () => {
  const model = sn.sequential({ seed: 2 });
  model.add(sn.layers.dense({ units: 1, inputShape: [1] }));
  model.compile({ optimizer: sn.optimizers.sgd({ learningRate: 10 }), loss: 'mse' });
  const x = Float32Array.from({ length: 50 }, (_, i) => i * 100);
  const weights = [];
  await assert.rejects(
    () => model.fit(x, x, { epochs: 50, batchSize: 50, callbacks: { onEpochEnd: () => weights.push(flatWeights(model)) } }),
    /the loss became NaN or Infinity in epoch \d+; training stopped and the weights are those of the last good step/,
  );
  assert.ok(weights.length > 0, 'some epochs were good');
  assert.deepEqual(flatWeights(model), weights.at(-1), 'one batch per epoch: the weights of the last good epoch');
  assert.ok(flatWeights(model).every(Number.isFinite));
  model.dispose();
});

test('thousands of create / fit / predict / dispose cycles leave the heap where it started', async () => {
  const { x, y } = blobs(30);
  const cycle = async () => {
    const model = classifier();
    await model.fit(x, y, { epochs: 1, batchSize: 10, validationSplit: 0.2 });
    model.predict(x);
    model.evaluate(x, y);
    model.computeGradients(x, y);
    model.dispose();
  };
  await assertNoLeak(cycle);
});
