// sn.createTrainer in Node: web/worker/worker.js runs in a worker_threads Worker
// (test/support/node-trainer.js) and must train as model.fit does on this
// thread, bit for bit: a spec, a compiled Sequential handed over mid-training,
// and a functional model of two inputs and two outputs (whose x crosses as one
// Float32Array per input and whose predict gives a list). The same checks run
// in Chromium and Firefox (test/browser.test.js, test/demo.test.js).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as sn from '../web/index.js';
import { trainHere, trainInTrainer, twoHeaded, twoHeadedData } from './support/functional-trainer.js';
import { blobs } from './support/models.js';
import { nodeTrainerWorker } from './support/node-trainer.js';

const bits = (weights) => weights.flatMap((w) => Array.from(new Uint32Array(Float32Array.from(w.values).buffer)));
const trainerOf = (source) => sn.createTrainer(source, { worker: nodeTrainerWorker() });

test('a functional model (two inputs, residual add, two outputs) trains in the trainer to the bits of model.fit here', async () => {
  const here = await trainHere();
  const there = await trainInTrainer({ worker: nodeTrainerWorker() });
  assert.deepEqual(there.info.inputs, [{ name: 'a', size: 4 }, { name: 'b', size: 3 }]);
  assert.deepEqual(there.info.outputs, [{ name: 'cls', size: 3 }, { name: 'value', size: 1 }]);
  assert.deepEqual(there.history, here.history, 'the same losses and metrics every epoch');
  assert.deepEqual(Object.keys(there.history), Object.keys(here.history));
  assert.ok('cls_accuracy' in there.history && 'value_loss' in there.history, Object.keys(there.history).join());
  assert.deepEqual(there.weightBits, here.weightBits, 'trainer and model.fit weights are bit-identical');
  assert.equal(there.predictIsList, true, 'predict gives a list for two outputs');
  assert.deepEqual(there.predictions, here.predictions);
  assert.equal(there.predictions[0].length, 64 * 3);
  assert.equal(there.predictions[1].length, 64);
  assert.ok(Number.isFinite(there.evaluation.loss) && Number.isFinite(there.evaluation.cls_accuracy), JSON.stringify(there.evaluation));
});

test('a compiled Sequential handed over after an epoch trains on in the trainer as it would have here (optimizer state and shuffling kept)', async () => {
  await sn.ready();
  const data = blobs(90);
  const make = () => {
    const model = sn.sequential({ seed: 4 });
    model.add(sn.layers.dense({ units: 8, activation: 'relu', inputShape: [6] }));
    model.add(sn.layers.dropout({ rate: 0.2 }));
    model.add(sn.layers.dense({ units: 3, activation: 'softmax' }));
    model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    return model;
  };
  const model = make();
  await model.fit(data.x, data.y, { epochs: 1, batchSize: 10 });
  const trainer = trainerOf(model);
  await model.fit(data.x, data.y, { epochs: 2, batchSize: 10 });
  try {
    const info = await trainer.ready;
    assert.equal(info.inputSize, 6);
    await trainer.fit(data.x, data.y, { epochs: 2, batchSize: 10 });
    assert.deepEqual(bits(await trainer.getWeights()), bits(model.getWeights()));
    const predicted = await trainer.predict(data.x);
    assert.ok(predicted instanceof Float32Array, 'one output: one Float32Array');
    assert.deepEqual(Array.from(predicted), Array.from(model.predict(data.x)));
  } finally {
    trainer.terminate();
    model.dispose();
  }
  const unused = { postMessage() {}, terminate() {}, onmessage: null, onerror: null }; // refused before any message
  assert.throws(() => sn.createTrainer(sn.sequential({ layers: [sn.layers.dense({ units: 1, inputShape: [2] })] }), { worker: unused }),
    /needs a compiled model: call model.compile/);
});

test('the spec form works unchanged: the worker builds the Sequential and trains it to the bits of model.fit', async () => {
  await sn.ready();
  const data = blobs(60);
  const spec = {
    seed: 2, layers: [{ units: 8, activation: 'tanh', inputShape: [6] }, { type: 'dense', units: 3, activation: 'softmax' }],
    compile: { optimizer: { name: 'sgd', learningRate: 0.1 }, loss: 'categoricalCrossentropy' },
  };
  const model = sn.sequential({ seed: 2, layers: [sn.layers.dense(spec.layers[0]), sn.layers.dense({ units: 3, activation: 'softmax' })] });
  model.compile(spec.compile);
  await model.fit(data.x, data.y, { epochs: 2, batchSize: 8 });
  const trainer = trainerOf(spec);
  try {
    assert.deepEqual((await trainer.ready).inputs, [{ name: 'dense_input', size: 6 }]);
    await trainer.fit(data.x, data.y, { epochs: 2, batchSize: 8 });
    assert.deepEqual(bits(await trainer.getWeights()), bits(model.getWeights()));
  } finally {
    trainer.terminate();
    model.dispose();
  }
});

test('several inputs: x crosses as transferred Float32Arrays, and a wrong x is refused with a reason', async () => {
  await sn.ready();
  const data = twoHeadedData(32);
  const model = twoHeaded();
  const trainer = trainerOf(model);
  model.dispose();
  try {
    await trainer.ready;
    const a = data.a.slice(), b = data.b.slice(), cls = data.cls.slice(), value = data.value.slice();
    await trainer.fit([a, b], { cls, value }, { epochs: 1, transfer: true });
    assert.deepEqual([a.length, b.length, cls.length, value.length], [0, 0, 0, 0], 'with transfer, the arrays were handed to the worker');
    const nested = Array.from({ length: 32 }, (_, r) => Array.from(data.b.subarray(r * 3, r * 3 + 3)));
    const fromRows = await trainer.predict({ a: data.a, b: nested });
    assert.deepEqual(fromRows.map((o) => Array.from(o)), (await trainer.predict([data.a, data.b])).map((o) => Array.from(o)), 'rows as nested arrays are converted');
    assert.equal(data.a.length, 32 * 4, 'without transfer, the caller keeps its arrays');
    await assert.rejects(trainer.predict({ a: data.a }), /x gives nothing for b/);
    await assert.rejects(trainer.predict({ a: data.a, b: data.b, c: data.b }), /x names "c", which the model does not have; it has a, b/);
    await assert.rejects(trainer.predict(data.a), /x must be a list of 2 arrays \(a, b, in that order\)/);
    await assert.rejects(trainer.predict([data.a, data.a.subarray(1)]), /x\[1\] \(b\) has 127 values, which is not a whole number of rows of 3/);
    await assert.rejects(trainer.predict([data.a, data.b.subarray(3)]), /rows/, 'inputs of different rows: the worker says so');
  } finally {
    trainer.terminate();
  }
});

test('load(bytes) of a functional model into a trainer made from a spec: x is then split by its inputs', async () => {
  await sn.ready();
  const data = twoHeadedData(16);
  const model = twoHeaded();
  const expected = model.predict([data.a, data.b]).map((o) => Array.from(o));
  const trainer = trainerOf({ layers: [{ units: 2, inputShape: [5] }], compile: { optimizer: 'sgd', loss: 'mse' } });
  try {
    await trainer.ready;
    const info = await trainer.load(model.save());
    assert.deepEqual(info.inputs.map((i) => i.name), ['a', 'b']);
    assert.deepEqual((await trainer.predict({ a: data.a, b: data.b })).map((o) => Array.from(o)), expected);
  } finally {
    trainer.terminate();
    model.dispose();
  }
});
