// Misuse of every public function is a clear Error that changes nothing; running
// out of wasm memory is a clear Error that leaves the instance usable; cycles of
// everything leave wasm memory where it started. (NaN inputs and a NaN loss are
// covered in errors.test.js.) This file grows wasm memory to gigabytes, so it
// runs in its own process, as every test file does under node --test.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as sn from '../web/index.js';
import { assertNoLeak } from './support/leaks.js';
import { blobs, classifier, flatWeights } from './support/models.js';

await sn.ready();

test('every public function refuses wrong types and shapes with a clear Error and changes nothing', async () => {
  const model = classifier();
  const { x, y } = blobs(10);
  await model.fit(x, y, { epochs: 1 }); // workspace allocated: later calls need no new memory
  const calls = {
    'sequential(null)': [() => sn.sequential(null), /sequential takes an options object, got null/],
    'sequential({ layers: 5 })': [() => sn.sequential({ layers: 5 }), /layers must be an array/],
    'sequential({ name: 5 })': [() => sn.sequential({ name: 5 }), /name must be a string/],
    'sequential({ sed })': [() => sn.sequential({ sed: 1 }), /sequential: unknown option "sed"/],
    'sequential({ seed: -1 })': [() => sn.sequential({ seed: -1 }), /seed must be an integer/],
    'add(null)': [() => sn.sequential().add(null), /add\(\) takes a layer made by sn.layers.dense/],
    'compile(null)': [() => model.compile(null), /compile takes an options object, got null/],
    'compile({ optimizer: 5 })': [() => model.compile({ optimizer: 5, loss: 'mse' }), /optimizer must be a name like 'adam'/],
    'compile({ loss: 5 })': [() => model.compile({ optimizer: 'sgd', loss: 5 }), /loss must be a name like 'mse'/],
    "compile({ metrics: 'acc' })": [() => model.compile({ optimizer: 'sgd', loss: 'mse', metrics: 'acc' }), /metrics must be an array/],
    "fit(x, 'y')": [() => model.fit(x, 'y'), /y must be a Float32Array or an array of rows, got string/],
    'fit(x, y, 5)': [() => model.fit(x, y, 5), /fit takes an options object, got number/],
    'fit(x, y, null)': [() => model.fit(x, y, null), /fit takes an options object, got null/],
    'fit batchSize 2^31': [() => model.fit(x, y, { batchSize: 2 ** 31 }), /batchSize must be an integer in \[1, 2147483647\]/],
    'evaluate(null, y)': [() => model.evaluate(null, y), /x must be a Float32Array or an array of rows, got null/],
    'evaluate(x, y, 5)': [() => model.evaluate(x, y, 5), /evaluate takes an options object/],
    "predict('x')": [() => model.predict('x'), /x must be a Float32Array or an array of rows, got string/],
    'predict(x, null)': [() => model.predict(x, null), /predict takes an options object, got null/],
    'predict batchSize 1.5': [() => model.predict(x, { batchSize: 1.5 }), /batchSize must be an integer/],
    'predict batchSize 1e12': [() => model.predict(x, { batchSize: 1e12 }), /batchSize must be an integer in \[1, 2147483647\]/],
    'predictClasses batchSize -1': [() => model.predictClasses(x, { batchSize: -1 }), /batchSize must be an integer/],
    'computeGradients(x, null)': [() => model.computeGradients(x, null), /y must be a Float32Array/],
    "applyGradients('g')": [() => model.applyGradients('g'), /expected 4 gradients arrays/],
    'applyGradients([null × 4])': [() => model.applyGradients([null, null, null, null]), /gradients for dense\/kernel have 0 values, expected 48/],
    'setWeights(null)': [() => model.setWeights(null), /expected 4 weights arrays/],
    "setWeights(['a', 'b', 'c', 'd'])": [() => model.setWeights(['a', 'b', 'c', 'd']), /weights for dense\/kernel have 0 values/],
    'save(5)': [() => model.save(5), /save takes an options object/],
    'save({ includeOptimizer: 1 })': [() => model.save({ includeOptimizer: 1 }), /includeOptimizer must be true or false/],
    'loadModel(5)': [() => sn.loadModel(5), /must be an ArrayBuffer or a Uint8Array/],
    'fromTfjs(null, null)': [() => sn.fromTfjs(null, null), /modelJson must be the parsed model.json/],
    'dense(null)': [() => sn.layers.dense(null), /dense takes an options object, got null/],
    "dense('relu')": [() => sn.layers.dense('relu'), /dense takes an options object, got string/],
    "dense({ useBias: 'no' })": [() => sn.layers.dense({ units: 2, useBias: 'no' }), /dense useBias must be true or false/],
    'dense({ name: 5 })': [() => sn.layers.dense({ units: 2, name: 5 }), /dense: name must be a string/],
    'dense({ units: 1e10 })': [() => sn.sequential({ layers: [sn.layers.dense({ units: 1e10, inputShape: [1] })] }).build(), /out of wasm memory: the model's 20,000,000,000 weights/],
    "adam({ learningRate: 'fast' })": [() => sn.optimizers.adam({ learningRate: 'fast' }), /adam learningRate must be a number/],
    'adam(null)': [() => sn.optimizers.adam(null), /adam takes an options object, got null/],
    "sgd({ nesterov: 'yes' })": [() => sn.optimizers.sgd({ nesterov: 'yes' }), /sgd nesterov must be true or false/],
    'asymmetric({ cost: -1 })': [() => sn.losses.asymmetric({ cost: -1, profit: 1 }), /asymmetric cost must be a number in \[0/],
    'binaryCrossentropy(null)': [() => sn.losses.binaryCrossentropy(null), /binaryCrossentropy takes an options object/],
    "loss.compute('a', 'b')": [() => sn.losses.meanSquaredError().compute('a', 'b'), /yTrue must be an array or typed array/],
    "randomNormal({ stddev: 'x' })": [() => sn.initializers.randomNormal({ stddev: 'x' }), /randomNormal stddev must be a number/],
    "l2('x')": [() => sn.regularizers.l2('x'), /regularizer l2 takes a number or \{ l2 \}/],
    'leakyRelu({ alpha: 2 })': [() => sn.leakyRelu({ alpha: 2 }), /leakyRelu alpha must be a number in \[0, 1\]/],
    "oneHot('x', 3)": [() => sn.data.oneHot('x', 3), /oneHot: labels must be an array or typed array/],
    'scale255(5)': [() => sn.data.scale255(5), /scale255: pixels must be an array/],
    'readIdx(5)': [() => sn.data.readIdx(5), /readIdx: expected a Uint8Array/],
    'storage.loadModelFromIndexedDB(5)': [() => sn.storage.loadModelFromIndexedDB(5), /the model's key must be a non-empty string/],
    "storage.loadModelFromFile('x')": [() => sn.storage.loadModelFromFile('x'), /takes a File or Blob/],
    'storage.downloadModel(model, 5)': [() => sn.storage.downloadModel(model, 5), /filename must be a non-empty string/],
    'ready(5)': [() => sn.ready(5), /ready takes \{ wasm \} or nothing/],
  };
  const weights = flatWeights(model), heap = sn.heapBytes();
  for (const [call, [fn, message]] of Object.entries(calls)) {
    await assert.rejects(async () => fn(), (err) => err instanceof Error && message.test(err.message), `${call} should throw ${message}`);
    assert.deepEqual(flatWeights(model), weights, `${call} changed the weights`);
    assert.equal(sn.heapBytes(), heap, `${call} changed the heap`);
  }
  assert.equal(model.loss.name, 'categoricalCrossentropy', 'refused compiles kept the previous one');
  model.dispose();
});

/** Trains a fresh small model: the instance still works. */
async function trainsAfterwards() {
  const model = classifier();
  const { x, y } = blobs(40);
  const h = await model.fit(x, y, { epochs: 5 });
  assert.ok(h.history.loss[4] < h.history.loss[0], 'a new model still learns');
  model.dispose();
}

test('running out of wasm memory is a clear Error, and the instance stays usable', async () => {
  const heap = sn.heapBytes();
  const layer = (units, inputShape) => sn.layers.dense({ units, inputShape });
  // Weights past 4 GB: refused before anything reaches C.
  const huge = sn.sequential({ layers: [layer(100000, [100000])] });
  assert.throws(() => huge.build(), /out of wasm memory: the model's 10,000,100,000 weights and their gradients need 74\.5 GB, wasm memory holds at most 4 GB/);
  // Under 4 GB on paper, but weights and gradients together do not fit: C's malloc fails.
  const almost = sn.sequential({ layers: [layer(2 ** 14 - 1, [2 ** 15])] });
  assert.throws(() => almost.build(), /simdnet: out of wasm memory building the model/);
  almost.dispose();
  assert.equal(sn.heapBytes(), heap, 'the failed build freed what it had');
  await trainsAfterwards();

  // predict on an enormous input: the outputs alone would pass 4 GB.
  const wide = sn.sequential({ layers: [layer(4096, [1])] });
  assert.throws(() => wide.predict(new Float32Array(300000)), /out of wasm memory: 4\.6 GB asked for, wasm memory holds at most 4 GB/);
  // The outputs fit, but a workspace for one batch of all the rows does not (its hidden layer: 4.9 GB).
  const deep = sn.sequential({ layers: [layer(4096, [1]), layer(1)] });
  assert.throws(() => deep.predict(new Float32Array(300000), { batchSize: 300000 }), /simdnet: out of wasm memory in predict/);
  deep.dispose();
  const rows = wide.predict(new Float32Array(100)); // and the same model still predicts
  assert.equal(rows.length, 100 * 4096);
  wide.dispose();
  assert.equal(sn.heapBytes(), heap, 'nothing left behind');
  await trainsAfterwards();
});

test('thousands of create / fit / predict / save / load / dispose cycles leave wasm memory where it started', async () => {
  const { x, y } = blobs(30);
  const cycle = async () => {
    const model = classifier();
    await model.fit(x, y, { epochs: 1, batchSize: 10, validationSplit: 0.2 });
    model.predict(x);
    const copy = sn.loadModel(model.save());
    copy.evaluate(x, y);
    const { modelJson, weightsBin } = copy.toTfjs();
    sn.fromTfjs(modelJson, weightsBin).dispose();
    assert.throws(() => copy.predict(x, { batchSize: 0 }));
    copy.dispose();
    model.dispose();
  };
  await cycle();
  const heap = sn.heapBytes(), memory = sn.memoryBytes();
  const cycles = 2000;
  for (let i = 0; i < cycles; i++) await cycle();
  console.log(`# after ${cycles} cycles: heap in use ${heap} → ${sn.heapBytes()} bytes, wasm memory ${memory} → ${sn.memoryBytes()} bytes`);
  assert.equal(sn.heapBytes(), heap, 'C heap in use');
  assert.equal(sn.memoryBytes(), memory, 'wasm memory did not grow');
});

/** A tiny CNN with every kind of new layer. */
function tinyCnn() {
  const model = sn.sequential({ seed: 3 });
  model.add(sn.layers.reshape({ targetShape: [6, 6, 1], inputShape: [36] }));
  model.add(sn.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' }));
  model.add(sn.layers.batchNormalization());
  model.add(sn.layers.maxPooling2d({ poolSize: 2 }));
  model.add(sn.layers.dropout({ rate: 0.25 }));
  model.add(sn.layers.conv2d({ filters: 4, kernelSize: 2, strides: 2 }));
  model.add(sn.layers.activation({ activation: 'tanh' }));
  model.add(sn.layers.averagePooling2d({ poolSize: 1 }));
  model.add(sn.layers.globalAveragePooling2d());
  model.add(sn.layers.dense({ units: 3, activation: 'softmax' }));
  model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

test('thousands of create / fit / predict / save / load / TF.js / dispose cycles of a CNN leave wasm memory where it started', async () => {
  const x = Float32Array.from({ length: 30 * 36 }, (_, i) => Math.sin(i)), y = sn.data.oneHot(Array.from({ length: 30 }, (_, i) => i % 3), 3);
  const cycle = async () => {
    const model = tinyCnn();
    await model.fit(x, y, { epochs: 1, batchSize: 8, validationSplit: 0.2 });
    model.predict(x, { batchSize: 7 });
    model.evaluate(x, y);
    model.computeGradients(x, y);
    model.setWeights(model.getWeights());
    const copy = sn.loadModel(model.save());
    copy.predict(x);
    const { modelJson, weightsBin } = copy.toTfjs();
    sn.fromTfjs(modelJson, weightsBin).dispose();
    assert.throws(() => sn.loadModel(model.save().subarray(1)));
    copy.dispose();
    model.dispose();
  };
  await assertNoLeak(cycle);
});

test('a convolution workspace too large for wasm memory is a clear Error; the CNN still predicts', () => {
  const model = sn.sequential({ seed: 1 });
  model.add(sn.layers.conv2d({ filters: 512, kernelSize: 1, inputShape: [128, 128, 4] }));
  model.add(sn.layers.globalMaxPooling2d());
  const heap = sn.heapBytes();
  const x = new Float32Array(200 * 128 * 128 * 4); // the outputs of 200 rows: 200·128·128·512 floats, 6.7 GB
  assert.throws(() => model.predict(x, { batchSize: 200 }), /simdnet: out of wasm memory in predict/);
  assert.equal(model.predict(x.subarray(0, 2 * 128 * 128 * 4)).length, 2 * 512);
  model.dispose();
  assert.equal(sn.heapBytes(), heap, 'nothing left behind');
});
