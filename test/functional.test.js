// The functional API as a user meets it: sn.input, layer.apply, sn.model with
// several inputs and outputs, inner layers' tensors (feature extractors and new
// heads), freezing, 300 layers, save and load, and bad input: every mistake an
// Error naming the layer and the shapes, with nothing half-built and no wasm
// memory kept. (Training against TF.js: test/functional.tfjs.test.js.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as sn from '../web/index.js';
import { randomArray } from './support/models.js';

await sn.ready();
const L = sn.layers;

/** Two inputs (a: 5 values, b: 3), a residual add, two outputs (cls: 3 classes, reg: 2 values). */
function twoByTwo(seed = 3) {
  const a = sn.input({ shape: [5], name: 'a' }), b = sn.input({ shape: [3], name: 'b' });
  const h = L.dense({ units: 6, activation: 'tanh', name: 'h' }).apply(a);
  const r = L.add({ name: 'res' }).apply([h, L.dense({ units: 6, activation: 'tanh', name: 'h2' }).apply(h)]);
  const joined = L.concatenate({ name: 'joined' }).apply([r, b]);
  const cls = L.dense({ units: 3, activation: 'softmax', name: 'cls' }).apply(joined);
  const reg = L.dense({ units: 2, name: 'reg' }).apply(joined);
  return sn.model({ inputs: [a, b], outputs: [cls, reg], seed });
}

const ROWS = 24;
const xa = randomArray(ROWS * 5, 1, -1, 1), xb = randomArray(ROWS * 3, 2, -1, 1);
const labels = Float32Array.from({ length: ROWS }, (_, i) => i % 3), yr = randomArray(ROWS * 2, 3, -1, 1);

test('sn.input and layer.apply make symbolic tensors with shapes, names and the layer that made them', () => {
  const x = sn.input({ shape: [28, 28, 1], name: 'pixels' });
  assert.deepEqual(x.shape, [null, 28, 28, 1]);
  assert.equal(x.dtype, 'float32');
  assert.equal(x.name, 'pixels');
  const conv = L.conv2d({ filters: 4, kernelSize: 3, name: 'conv' });
  const y = conv.apply(x);
  assert.deepEqual(y.shape, [null, 26, 26, 4]);
  assert.equal(y.sourceLayer, conv);
  assert.equal(conv.output, y);
  assert.equal(conv.input, x);
  assert.equal(sn.input({ shape: [3], dtype: 'int32' }).dtype, 'int32');
  assert.throws(() => L.dense({ units: 2 }).apply(new Float32Array(4)), /apply takes symbolic tensors .*got data: to compute on data, build a model/);
  assert.throws(() => sn.input({ shape: [0] }), /input shape dimension/);
  assert.throws(() => sn.input({}), /input needs shape/);
});

test('two inputs and two outputs: fit with lists or objects keyed by name, Keras\' history names, predict gives a list', async () => {
  const model = twoByTwo();
  model.compile({ optimizer: 'adam', loss: { cls: 'sparseCategoricalCrossentropy', reg: 'mse' }, lossWeights: { reg: 0.5 }, metrics: { cls: 'accuracy' } }); // cls: weight 1
  const history = await model.fit([xa, xb], { cls: labels, reg: yr }, { epochs: 3, batchSize: 8, validationSplit: 0.25 });
  assert.deepEqual(Object.keys(history.history).sort(),
    ['cls_accuracy', 'cls_loss', 'loss', 'reg_loss', 'val_cls_accuracy', 'val_cls_loss', 'val_loss', 'val_reg_loss']);
  history.history.loss.forEach((loss, e) => assert.ok(Math.abs(loss - (history.history.cls_loss[e] + 0.5 * history.history.reg_loss[e])) < 1e-6, 'loss is the weighted total'));
  const logs = model.evaluate({ a: xa, b: xb }, [labels, yr]);
  assert.ok(Math.abs(logs.loss - (logs.cls_loss + 0.5 * logs.reg_loss)) < 1e-6);
  const [p, q] = model.predict({ b: xb, a: xa });
  assert.equal(p.length, ROWS * 3);
  assert.equal(q.length, ROWS * 2);
  assert.deepEqual(model.predict([xa, xb])[1], q, 'list and object give the same');
  assert.throws(() => model.predictClasses([xa, xb]), /predictClasses needs a model of one output/);
  // computeGradients: one gradient per trainable weight, the loss the weighted total.
  const { loss, grads } = model.computeGradients([xa, xb], [labels, yr]);
  assert.equal(grads.length, model.trainableWeights.length);
  assert.ok(Math.abs(loss - model.evaluate([xa, xb], [labels, yr]).loss) < 1e-5, `computeGradients' loss ${loss} is evaluate's weighted total`);
  const before = model.getWeights();
  model.optimizer.applyGradients(grads);
  model.getWeights().forEach((w, i) => {
    const moved = grads[model.trainableWeights.findIndex((t) => t.name === w.name)]?.some((g) => g !== 0);
    assert.equal(w.values.some((v, j) => v !== before[i].values[j]), Boolean(moved), `${w.name}: moved where its gradient is not zero`);
  });
  model.dispose();
});

test('inner layers\' tensors make a feature extractor and a new head; the weights are copied into the new model', async () => {
  const base = sn.sequential({ seed: 1, layers: [L.dense({ units: 6, inputShape: [5], activation: 'relu', name: 'features' }), L.dense({ units: 3, activation: 'softmax', name: 'old_head' })] });
  base.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
  await base.fit(xa, labels, { epochs: 2 });
  const trained = base.getLayer('features').getWeights().map((w) => w.values);
  const extractor = sn.model({ inputs: base.inputs, outputs: base.getLayer('features').output });
  assert.deepEqual(extractor.getWeights().map((w) => w.values), trained, 'the extractor starts from the trained weights');
  const features = extractor.predict(xa);
  assert.equal(features.length, ROWS * 6);
  // A new head on the same features: the base layer is frozen, as in transfer learning.
  base.getLayer('features').trainable = false;
  const head = L.dense({ units: 2, name: 'new_head' }).apply(base.getLayer('features').output);
  const tuned = sn.model({ inputs: base.inputs, outputs: head });
  tuned.compile({ optimizer: 'sgd', loss: 'mse' });
  assert.deepEqual(tuned.trainableWeights.map((w) => w.name), ['new_head/kernel', 'new_head/bias']);
  assert.deepEqual(tuned.nonTrainableWeights.map((w) => w.name), ['features/kernel', 'features/bias']);
  await tuned.fit(xa, yr, { epochs: 2 });
  assert.deepEqual(tuned.getLayer('features').getWeights().map((w) => w.values), trained, 'the frozen layer kept its weights');
  // Copies: training the new model changes nothing in the old one.
  assert.deepEqual(base.getWeights().map((w) => w.values).slice(0, 2), trained);
  for (const m of [base, extractor, tuned]) m.dispose();
});

test('trainable applies at the next compile, as in Keras; model.trainable sets every layer', async () => {
  const model = twoByTwo();
  model.compile({ optimizer: 'sgd', loss: ['sparseCategoricalCrossentropy', 'mse'] });
  const h = model.getLayer('h');
  const before = h.getWeights()[0].values;
  h.trainable = false; // not yet compiled: still trains
  await model.fit([xa, xb], [labels, yr], { epochs: 1 });
  assert.notDeepEqual(h.getWeights()[0].values, before, 'still trains until compile');
  model.compile({ optimizer: 'sgd', loss: ['sparseCategoricalCrossentropy', 'mse'] });
  const frozen = h.getWeights()[0].values;
  await model.fit([xa, xb], [labels, yr], { epochs: 2 });
  assert.deepEqual(h.getWeights()[0].values, frozen, 'frozen after compile');
  assert.ok(model.summary().includes(`Non-trainable params: ${5 * 6 + 6}`));
  model.trainable = false;
  assert.equal(model.trainableWeights.length, 0);
  model.trainable = true;
  model.compile({ optimizer: 'sgd', loss: ['sparseCategoricalCrossentropy', 'mse'] });
  await model.fit([xa, xb], [labels, yr], { epochs: 1 });
  assert.notDeepEqual(h.getWeights()[0].values, frozen, 'unfrozen trains again');
  model.dispose();
});

test('summary shows Keras\' "Connected to" column and counts trainable and non-trainable weights', () => {
  const model = twoByTwo();
  const text = model.summary();
  assert.match(text, /Layer \(type\) +Output Shape +Param # +Connected to/);
  assert.match(text, /res \(Add\) +\(None, 6\) +0 +h\[0\]\[0\], h2\[0\]\[0\]/);
  assert.match(text, /a \(InputLayer\) +\(None, 5\) +0/);
  assert.match(text, /Total params: 128\nTrainable params: 128\nNon-trainable params: 0/);
  model.dispose();
});

test('300 layers (a deep residual chain) build and train', async () => {
  const x = sn.input({ shape: [4] });
  let h = L.dense({ units: 4, activation: 'tanh' }).apply(x);
  for (let i = 0; i < 150; i++) h = L.add().apply([h, L.dense({ units: 4, activation: 'tanh', kernelInitializer: 'zeros' }).apply(h)]);
  const model = sn.model({ inputs: x, outputs: L.dense({ units: 1 }).apply(h), seed: 4 });
  assert.ok(model.layers.length > 300, `${model.layers.length} layers`);
  model.compile({ optimizer: 'adam', loss: 'mse' });
  const history = await model.fit(randomArray(64 * 4, 5, -1, 1), randomArray(64, 6, -1, 1), { epochs: 2, batchSize: 16 });
  assert.ok(history.history.loss.every(Number.isFinite));
  model.dispose();
});

test('save and loadModel keep a graph (version 3): same predictions, training resumes bit for bit', async () => {
  const model = twoByTwo();
  model.getLayer('h2').trainable = false;
  model.compile({ optimizer: 'adam', loss: ['sparseCategoricalCrossentropy', 'mse'], lossWeights: [1, 2], metrics: ['accuracy'] });
  await model.fit([xa, xb], [labels, yr], { epochs: 2, batchSize: 8 });
  const bytes = model.save();
  assert.equal(new DataView(bytes.buffer).getUint32(8, true), 3, 'version 3');
  const loaded = sn.loadModel(bytes);
  assert.equal(loaded.className, 'Functional');
  assert.deepEqual(loaded.layers.map((l) => l.name), model.layers.map((l) => l.name));
  assert.equal(loaded.getLayer('h2').trainable, false);
  assert.deepEqual(loaded.predict([xa, xb]), model.predict([xa, xb]));
  const a = await model.fit([xa, xb], [labels, yr], { epochs: 2, batchSize: 8 });
  const b = await loaded.fit([xa, xb], [labels, yr], { epochs: 2, batchSize: 8 });
  assert.deepEqual(b.history, a.history);
  assert.deepEqual(loaded.getWeights(), model.getWeights());
  model.dispose();
  loaded.dispose();
});

test('bad graphs and bad data are refused by name, nothing is half-built, no wasm memory is kept', async () => {
  const heap = sn.heapBytes();
  const a = sn.input({ shape: [4], name: 'a' }), b = sn.input({ shape: [3], name: 'b' });
  const da = L.dense({ units: 4, name: 'da' }).apply(a);
  assert.throws(() => L.add({ name: 'bad_add' }).apply([da, b]), /bad_add \(Add\): its inputs must all have one shape \(no broadcasting\), got \(None, 4\) and \(None, 3\)/);
  assert.throws(() => L.subtract().apply([da, da, da]), /takes exactly 2 inputs, got 3/);
  assert.throws(() => L.concatenate({ axis: 1 }).apply([sn.input({ shape: [2, 3] }), sn.input({ shape: [2, 3] })]), /only the last axis/);
  assert.throws(() => L.dense({ units: 2 }).apply([da, da]), /takes one input, got 2/);
  assert.throws(() => L.dot({ axes: -1, name: 'd' }).apply([da, b]), /d \(Dot\): contracts axes of 4 and 3 values: they must be equal/);
  assert.throws(() => L.dot({ axes: 2 }).apply([da, da]), /axis 2 does not exist in its input 0 of shape \(None, 4\)/);
  assert.throws(() => L.dot({}), /dot needs axes/);
  assert.throws(() => sn.model({ inputs: b, outputs: da }), /the outputs need input a, which is not among the model's inputs \(b\)/);
  assert.throws(() => sn.model({ inputs: [a, b], outputs: da }), /input b feeds nothing the outputs need/);
  assert.throws(() => sn.model({ inputs: a, outputs: a }), /output a is an input: apply a layer to it/);
  assert.throws(() => sn.model({ inputs: da, outputs: da }), /model inputs must come from sn.input\(\)/);
  const twin = L.dense({ units: 2, name: 'da' }).apply(da);
  assert.throws(() => sn.model({ inputs: a, outputs: twin }), /two layers of the model are named "da"/);
  const shared = L.dense({ units: 2, name: 'shared' });
  shared.apply(a);
  assert.throws(() => shared.apply(b), /shared \(Dense\): applied again to inputs of shape \(None, 3\), which need other weights than its first inputs \(None, 4\)/);
  const model = twoByTwo();
  model.compile({ optimizer: 'sgd', loss: ['sparseCategoricalCrossentropy', 'mse'] });
  const weights = model.getWeights();
  await assert.rejects(model.fit([xa], [labels, yr]), /x must be a list of 2 arrays \(a, b, in that order\)/);
  await assert.rejects(model.fit([xa, xb.subarray(3)], [labels, yr]), /x\[1\] \(b\)|x: a has 24 rows but b has 23/);
  await assert.rejects(model.fit({ a: xa, c: xb }, [labels, yr]), /x names "c", which the model does not have; it has a, b/);
  const nan = xb.slice();
  nan[7] = NaN;
  await assert.rejects(model.fit([xa, nan], [labels, yr]), /x\[1\] \(b\).*NaN/);
  assert.throws(() => model.compile({ optimizer: 'sgd', loss: ['mse'] }), /loss lists 1 entries but the model has 2 outputs \(cls, reg\)/);
  assert.throws(() => model.compile({ optimizer: 'sgd', loss: { cls: 'mse', other: 'mse' } }), /loss names "other", which is not an output; the outputs are cls, reg/);
  assert.throws(() => model.compile({ optimizer: 'sgd', loss: { cls: 'mse' } }), /compile: loss gives nothing for output reg/);
  assert.deepEqual(model.getWeights(), weights, 'nothing changed');
  await model.fit([xa, xb], [labels, yr], { epochs: 1 }); // still usable
  model.dispose();
  for (let i = 0; i < 200; i++) assert.throws(() => sn.model({ inputs: [a, b], outputs: da }));
  assert.equal(sn.heapBytes(), heap, 'no wasm memory kept');
});
