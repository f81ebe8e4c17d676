// TensorFlow.js interop of functional models, proven against @tensorflow/tfjs
// itself (cpu backend): models built with tf.model — residual, several inputs
// and outputs, shared layers, every merge layer TF.js has, a residual conv net
// — saved by TF.js come in through sn.fromTfjs and predict as TF.js does
// (within 1e-5); ours go out through toTfjs into tf.loadLayersModel and
// predict the same; a Keras 3 functional model.json
// (test/fixtures/keras3-functional.model.json, written by hand from Keras 3's
// get_config) imports; what cannot be imported or exported is refused by name.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import * as sn from '../web/index.js';
import { blobs, randomArray } from './support/models.js';
import { assertNoLeak } from './support/leaks.js';
import { savedByTfjs } from './support/tfjs-saved.js';

await tf.setBackend('cpu');
await sn.ready();

const L = sn.layers;
const KERAS3 = JSON.parse(readFileSync(new URL('./fixtures/keras3-functional.model.json', import.meta.url), 'utf8'));
const sizeOf = (shape) => shape.reduce((a, b) => a * b, 1);
const bits = (floats) => Array.from(new Uint32Array(Float32Array.from(floats).buffer));
const allWeights = (model) => model.getWeights().map((w) => ({ name: w.name, bits: bits(w.values) }));
const asList = (v) => (Array.isArray(v) ? v : [v]);

function assertClose(actual, expected, what) {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  assert.ok(worst <= 1e-5, `${what}: predictions differ from TF.js' by up to ${worst}`);
}

/** Our predictions and TF.js' agree output by output (ours: one array or a list; theirs: a list). */
function assertAllClose(ours, theirs, what) {
  const list = asList(ours);
  assert.equal(list.length, theirs.length, `${what}: outputs`);
  list.forEach((out, k) => assertClose(out, theirs[k], `${what}, output ${k}`));
}

/** Random rows for each input shape (one sample's shape each). */
const inputsFor = (shapes, rows, seed) => shapes.map((s, i) => randomArray(rows * sizeOf(s), seed + i, -1, 1));

/** TF.js' predictions of a model for inputs xs (one array per input): a list, one Float32Array per output. */
function tfPredict(model, xs) {
  const shapes = model.inputs.map((t) => t.shape.slice(1));
  const rows = xs[0].length / sizeOf(shapes[0]);
  const out = tf.tidy(() => asList(model.predict(xs.map((x, i) => tf.tensor(x, [rows, ...shapes[i]])))).map((t) => t.dataSync().slice()));
  return out;
}

/** Our predictions: a single input as its array, several as a list. */
const snPredict = (model, xs) => model.predict(xs.length === 1 ? xs[0] : xs);

/** TF.js loads what toTfjs wrote (through JSON text, as from model.json). */
async function loadInTfjs({ modelJson, weightsBin }) {
  const json = JSON.parse(JSON.stringify(modelJson));
  const weightSpecs = json.weightsManifest.flatMap((g) => g.weights);
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs, weightData: weightsBin }));
}

/** Sets every weight of a TF.js model to fixed pseudo-random values (moving variances and gammas positive). */
function randomizeTfjs(model, seed) {
  model.setWeights(model.weights.map((w, i) => {
    const positive = /moving_variance|gamma/.test(w.originalName ?? w.name);
    return tf.tensor(randomArray(sizeOf(w.shape), seed + i, positive ? 0.5 : -0.7, positive ? 1.5 : 0.7), w.shape);
  }));
}

/** Functional models built with TF.js, each returning tf.model(…). */
const TFJS_MODELS = {
  'a residual MLP (add)': () => {
    const x = tf.input({ shape: [6] });
    const h = tf.layers.dense({ units: 8, activation: 'relu' }).apply(x);
    const r = tf.layers.dense({ units: 8 }).apply(h);
    const out = tf.layers.dense({ units: 3, activation: 'softmax' }).apply(tf.layers.add().apply([h, r]));
    return tf.model({ inputs: x, outputs: out });
  },
  'two inputs and two outputs (concatenate)': () => {
    const a = tf.input({ shape: [5], name: 'a' }), b = tf.input({ shape: [3], name: 'b' });
    const ha = tf.layers.dense({ units: 6, activation: 'tanh' }).apply(a);
    const hb = tf.layers.dense({ units: 4, activation: 'relu' }).apply(b);
    const c = tf.layers.concatenate().apply([ha, hb]);
    const cls = tf.layers.dense({ units: 3, activation: 'softmax', name: 'class' }).apply(c);
    const score = tf.layers.dense({ units: 1, name: 'score' }).apply(hb);
    return tf.model({ inputs: [a, b], outputs: [cls, score] });
  },
  'a layer shared at two depths and across two inputs': () => {
    const x = tf.input({ shape: [4] }), y = tf.input({ shape: [4] });
    const shared = tf.layers.dense({ units: 4, activation: 'tanh', name: 'shared' });
    const s1 = shared.apply(x);
    const s2 = shared.apply(tf.layers.dense({ units: 4 }).apply(s1)); // shared(dense(shared(x)))
    const s3 = shared.apply(y);
    const out = tf.layers.dense({ units: 2, activation: 'sigmoid' }).apply(tf.layers.concatenate().apply([s1, s2, s3]));
    return tf.model({ inputs: [x, y], outputs: out });
  },
  'a residual conv net (conv, batch norm, add, ReLU, pooling, dropout)': () => {
    const x = tf.input({ shape: [8, 8, 2] });
    const c1 = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(x);
    const c2 = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }).apply(c1);
    const bn = tf.layers.batchNormalization().apply(c2);
    const sum = tf.layers.reLU().apply(tf.layers.add().apply([c1, bn]));
    const pooled = tf.layers.dropout({ rate: 0.3 }).apply(tf.layers.maxPooling2d({ poolSize: 2 }).apply(sum));
    const out = tf.layers.dense({ units: 3, activation: 'softmax' }).apply(tf.layers.flatten().apply(pooled));
    return tf.model({ inputs: x, outputs: out });
  },
};
for (const merge of ['add', 'multiply', 'average', 'maximum', 'minimum', 'concatenate'])
  TFJS_MODELS[`three branches merged by ${merge}`] = () => {
    const x = tf.input({ shape: [5] });
    const branches = ['relu', 'tanh', 'linear'].map((activation) => tf.layers.dense({ units: 4, activation }).apply(x));
    const out = tf.layers.dense({ units: 2 }).apply(tf.layers[merge]().apply(branches));
    return tf.model({ inputs: x, outputs: out });
  };

for (const [name, build] of Object.entries(TFJS_MODELS))
  test(`fromTfjs: a functional model saved by TensorFlow.js predicts as TF.js, and goes back: ${name}`, async () => {
    const tfModel = build();
    randomizeTfjs(tfModel, 50);
    const xs = inputsFor(tfModel.inputs.map((t) => t.shape.slice(1)), 7, 60);
    const expected = tfPredict(tfModel, xs);
    const saved = await savedByTfjs(tfModel);
    const tfNames = tfModel.layers.map((l) => `${l.name}:${l.getClassName()}`);
    tfModel.dispose();
    const model = sn.fromTfjs(JSON.stringify(saved.modelJson), saved.weightsBin);
    assert.equal(model.className, 'Functional');
    // The same layers (ours list the inputs first).
    assert.deepEqual(model.layers.map((l) => `${l.name}:${l.getClassName()}`).sort(), [...tfNames].sort());
    assertAllClose(snPredict(model, xs), expected, name);
    // Keras 2 writes the same topology as class_name 'Functional', nested under model_config.
    const keras2 = { ...saved.modelJson, modelTopology: { keras_version: '2.15.0', model_config: { ...saved.modelJson.modelTopology, class_name: 'Functional' } } };
    const again = sn.fromTfjs(keras2, saved.weightsBin);
    assert.deepEqual(bits(asList(snPredict(again, xs)).flatMap((o) => [...o])), bits(asList(snPredict(model, xs)).flatMap((o) => [...o])));
    // Our export loads in TF.js to the same predictions, and comes back to the same model.
    const exported = model.toTfjs();
    assert.equal(exported.modelJson.modelTopology.class_name, 'Functional');
    const loaded = await loadInTfjs(exported);
    assertAllClose(snPredict(model, xs), tfPredict(loaded, xs), `${name}, exported`);
    loaded.dispose();
    // (Its nodes may be numbered otherwise: toTfjs writes them in the order TF.js' loader applies them.)
    const back = sn.fromTfjs(exported.modelJson, exported.weightsBin);
    assert.deepEqual(back.layers.map((l) => l.name), model.layers.map((l) => l.name));
    assert.deepEqual(allWeights(back), allWeights(model));
    assert.deepEqual(bits(asList(snPredict(back, xs)).flatMap((o) => [...o])), bits(asList(snPredict(model, xs)).flatMap((o) => [...o])));
    for (const m of [model, again, back]) m.dispose();
  });

test('an imported two-output model fine-tunes with a loss per output', async () => {
  const tfModel = TFJS_MODELS['two inputs and two outputs (concatenate)']();
  const saved = await savedByTfjs(tfModel);
  tfModel.dispose();
  const model = sn.fromTfjs(saved.modelJson, saved.weightsBin);
  assert.deepEqual(model.outputNames, ['class', 'score']);
  model.compile({ optimizer: 'adam', loss: { class: 'categoricalCrossentropy', score: 'mse' } });
  const { x, y } = blobs(12, 5, 3);
  const before = model.getLayer('class').getWeights()[0].values;
  const h = await model.fit({ a: x, b: randomArray(12 * 3, 4) }, { class: y, score: randomArray(12, 5) }, { epochs: 2, batchSize: 4 });
  assert.ok(['loss', 'class_loss', 'score_loss'].every((k) => h.history[k].every(Number.isFinite)), JSON.stringify(h.history));
  assert.notDeepEqual(model.getLayer('class').getWeights()[0].values, before);
  model.dispose();
});

/** Functional models of ours: every layer kind, TF.js' extra layers, sharing, merges, two outputs. */
function ourModels() {
  const models = {};
  {
    const x = sn.input({ shape: [6], name: 'x' });
    const h = L.dense({ units: 8, activation: sn.leakyRelu({ alpha: 0.1 }), biasInitializer: 'randomNormal' }).apply(x);
    const r = L.dense({ units: 8, activation: 'tanh' }).apply(L.dropout({ rate: 0.2 }).apply(h));
    const merged = [L.add(), L.multiply(), L.average(), L.maximum(), L.minimum()].map((m) => m.apply([h, r]));
    const all = L.concatenate().apply(merged);
    const out = L.dense({ units: 3, activation: 'softmax', name: 'probs' }).apply(all);
    const aux = L.dense({ units: 2, name: 'aux' }).apply(r);
    models['leaky relu dense, dropout, every merge TF.js has, two outputs'] = sn.model({ inputs: x, outputs: [out, aux], seed: 1 });
  }
  {
    const image = sn.input({ shape: [3, 4], name: 'image' }), side = sn.input({ shape: [4], name: 'side' });
    const shared = L.dense({ units: 5, activation: 'relu', name: 'shared' });
    L.dense({ units: 1 }); // an unused layer takes no part
    const a = L.flatten().apply(shared.apply(image)); // Dense on the last axis of [3, 4], as Keras'
    const b = shared.apply(side);
    const c = shared.apply(L.dense({ units: 4 }).apply(b));
    const out = L.dense({ units: 2, activation: 'sigmoid' }).apply(L.concatenate().apply([a, b, c]));
    models['a shared dense on a sequence input (its last axis) and on vectors, at two depths'] = sn.model({ inputs: [image, side], outputs: out, seed: 2 });
  }
  {
    const x = sn.input({ shape: [6, 6, 2] });
    const c1 = L.conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: sn.leakyRelu({ alpha: 0.2 }) }).apply(x);
    const c2 = L.batchNormalization({ momentum: 0.5 }).apply(L.conv2d({ filters: 3, kernelSize: 3, padding: 'same' }).apply(c1));
    const sum = L.activation({ activation: 'relu' }).apply(L.add().apply([c1, c2]));
    const pooled = L.globalAveragePooling2d().apply(L.averagePooling2d({ poolSize: 2 }).apply(sum));
    const out = L.dense({ units: 3, activation: 'softmax' }).apply(pooled);
    models['a residual conv net with batch norm'] = sn.model({ inputs: x, outputs: out, seed: 3 });
  }
  return models;
}

test('toTfjs of functional models: tf.loadLayersModel predicts the same, and they come back bit-identical', async () => {
  for (const [name, model] of Object.entries(ourModels())) {
    // Weights all random (batch norm's statistics included), so every part of the model counts.
    model.setWeights(model.getWeights().map((w, i) => randomArray(w.values.length, 70 + i, /variance/.test(w.name) ? 0.5 : -0.8, /variance/.test(w.name) ? 1.5 : 0.8)));
    const xs = inputsFor(model.inputs.map((t) => t.sampleShape), 6, 80);
    const exported = model.toTfjs();
    const loaded = await loadInTfjs(exported);
    assertAllClose(snPredict(model, xs), tfPredict(loaded, xs), name);
    loaded.dispose();
    const back = sn.fromTfjs(exported.modelJson, exported.weightsBin);
    assert.equal(back.summary(), model.summary(), `${name}: the extra LeakyReLU layers fold back`);
    assert.deepEqual(allWeights(back), allWeights(model));
    assert.deepEqual(bits(asList(snPredict(back, xs)).flatMap((o) => [...o])), bits(asList(snPredict(model, xs)).flatMap((o) => [...o])));
    model.dispose();
    back.dispose();
  }
});

test('toTfjs writes TF.js\' functional form: Functional, inbound_nodes per application, the extra layers, nodes numbered within the model', () => {
  const x = sn.input({ shape: [2, 3], name: 'x' });
  const dense = L.dense({ units: 4, activation: sn.leakyRelu({ alpha: 0.3 }), name: 'd' });
  dense.apply(sn.input({ shape: [3] })); // a node in no model of ours: not written, and not counted
  const h = dense.apply(x); // on the last axis of [2, 3], as TF.js' Dense: no Flatten
  const out = L.dense({ units: 2, name: 'out' }).apply(L.add().apply([h, L.dense({ units: 4, name: 'e' }).apply(h)]));
  const model = sn.model({ inputs: x, outputs: out, name: 'shapes' });
  const { modelTopology } = model.toTfjs().modelJson;
  assert.equal(modelTopology.class_name, 'Functional');
  const { name, layers, input_layers: ins, output_layers: outs } = modelTopology.config;
  assert.equal(name, 'shapes');
  assert.deepEqual(layers.map((l) => [l.name, l.class_name, l.inbound_nodes]), [
    ['x', 'InputLayer', []],
    ['d', 'Dense', [[['x', 0, 0, {}]]]],
    ['d_leaky_relu', 'LeakyReLU', [[['d', 0, 0, {}]]]],
    ['e', 'Dense', [[['d_leaky_relu', 0, 0, {}]]]],
    ['add', 'Add', [[['d_leaky_relu', 0, 0, {}], ['e', 0, 0, {}]]]],
    ['out', 'Dense', [[['add', 0, 0, {}]]]],
  ]);
  assert.deepEqual(layers[0].config, { batch_input_shape: [null, 2, 3], dtype: 'float32', sparse: false, name: 'x' });
  assert.deepEqual([layers[1].config.activation, layers[2].config.alpha], ['linear', 0.3]);
  assert.deepEqual([ins, outs], [[['x', 0, 0]], [['out', 0, 0]]]);
  model.dispose();
});

test('a Keras 3 functional model.json (args/kwargs nodes of __keras_tensor__, batch_shape, layers/<class>/vars/<i> weights) imports and predicts as TF.js', async () => {
  const sizes = KERAS3.weightsManifest[0].weights.map((w) => sizeOf(w.shape));
  const values = randomArray(sizes.reduce((a, b) => a + b, 0), 90, -0.8, 0.8);
  const model = sn.fromTfjs(KERAS3, values.buffer);
  assert.equal(model.name, 'two_heads');
  assert.deepEqual(model.inputs.map((t) => [t.name, t.shape]), [['features', [null, 6]], ['extra', [null, 3]]]);
  assert.deepEqual(model.outputNames, ['out', 'score']);
  assert.deepEqual(model.layers.map((l) => `${l.name}:${l.getClassName()}`), [
    'features:InputLayer', 'extra:InputLayer', 'hidden:Dense', 'residual:Dense', 'add:Add', 'shared:Dense', 'extra_proj:Dense',
    'concatenate:Concatenate', 'leaky_re_lu:LeakyReLU', 'out:Dense', 'score:Dense',
  ]);
  assert.equal(model.getLayer('leaky_re_lu').alpha, 0.2); // Keras 3's negative_slope
  assert.equal(model.getLayer('extra_proj').kernelInitializer.name, 'heNormal');

  // The oracle: the same network built in TF.js, given the same values (Keras 3's weight names → TF.js' by layer order).
  const build = (merge) => {
    const features = tf.input({ shape: [6], name: 'features' }), extra = tf.input({ shape: [3], name: 'extra' });
    const hidden = tf.layers.dense({ units: 8, activation: 'relu', name: 'hidden' }).apply(features);
    const residual = tf.layers.dense({ units: 8, name: 'residual' }).apply(hidden);
    const proj = tf.layers.dense({ units: 8, activation: 'tanh', name: 'extra_proj' }).apply(extra);
    const shared = tf.layers.dense({ units: 4, activation: 'tanh', name: 'shared' });
    const cat = tf.layers.concatenate().apply([shared.apply(merge.apply([hidden, residual])), shared.apply(proj)]);
    const out = tf.layers.dense({ units: 3, activation: 'softmax', name: 'out' }).apply(tf.layers.leakyReLU({ alpha: 0.2 }).apply(cat));
    const score = tf.layers.dense({ units: 1, useBias: false, name: 'score' }).apply(proj);
    const m = tf.model({ inputs: [features, extra], outputs: [out, score] });
    const order = ['hidden', 'residual', 'extra_proj', 'shared', 'out', 'score']; // the fixture's Dense layers: layers/dense, dense_1, …
    let at = 0;
    const parts = KERAS3.weightsManifest[0].weights.map((w) => values.subarray(at, (at += sizeOf(w.shape))));
    let p = 0;
    for (const layerName of order) {
      const layer = m.getLayer(layerName);
      layer.setWeights(layer.getWeights().map((w) => tf.tensor(parts[p++], w.shape)));
    }
    return m;
  };
  const xs = inputsFor([[6], [3]], 8, 91);
  const oracle = build(tf.layers.add());
  assertAllClose(model.predict(xs), tfPredict(oracle, xs), 'Keras 3');
  oracle.dispose();

  // Keras has Subtract, TF.js not: it imports (the oracle adds the residual with its weights negated), and toTfjs refuses it.
  const withSubtract = structuredClone(KERAS3);
  withSubtract.modelTopology.model_config.config.layers[3].class_name = 'Subtract';
  const subtracting = sn.fromTfjs(withSubtract, values.buffer);
  const negated = build(tf.layers.add());
  const residual = negated.getLayer('residual');
  residual.setWeights(residual.getWeights().map((w) => tf.neg(w)));
  assertAllClose(subtracting.predict(xs), tfPredict(negated, xs), 'Keras 3 with Subtract');
  negated.dispose();
  assert.throws(() => subtracting.toTfjs(), /toTfjs: layer add is a Subtract layer, which TensorFlow.js does not have/);
  const reloaded = sn.loadModel(subtracting.save()); // our own model file keeps it
  assert.deepEqual(bits(reloaded.predict(xs)[0]), bits(subtracting.predict(xs)[0]));
  for (const m of [model, subtracting, reloaded]) m.dispose();
});

test('toTfjs refuses a model with a Subtract layer, naming it; the model stays usable', () => {
  const a = sn.input({ shape: [3] }), b = sn.input({ shape: [3] });
  const model = sn.model({ inputs: [a, b], outputs: L.dense({ units: 1 }).apply(L.subtract({ name: 'diff' }).apply([a, b])) });
  const heap = sn.heapBytes();
  assert.throws(() => model.toTfjs(), /toTfjs: layer diff is a Subtract layer, which TensorFlow.js does not have/);
  assert.equal(sn.heapBytes(), heap);
  assert.equal(model.predict([new Float32Array(3), new Float32Array(3)]).length, 1);
  model.dispose();
});

test('fromTfjs refuses functional topologies it cannot build, saying why, and keeps no memory', async () => {
  // Two inputs a [5], b [3]; dense_a, dense_b, concat, class, score (TF.js' form).
  const tfModel = TFJS_MODELS['two inputs and two outputs (concatenate)']();
  const { modelJson, weightsBin } = await savedByTfjs(tfModel);
  tfModel.dispose();
  const byName = (json, name) => json.modelTopology.config.layers.find((l) => l.name === name);
  const names = modelJson.modelTopology.config.layers.map((l) => l.name);
  const [denseA, denseB, concat] = names.filter((n) => /dense|concat/.test(n));
  const edit = (fn) => {
    const json = structuredClone(modelJson);
    fn(json, (name) => byName(json, name), json.modelTopology.config);
    return json;
  };
  const cases = [
    [edit((j, layer) => { layer(concat).inbound_nodes[0][1][0] = 'nope'; }), /layer \d \(Concatenate "concatenate_\w+"\) node 0: it reads layer "nope", which the model does not have/],
    [edit((j, layer) => { layer(concat).inbound_nodes[0][1][1] = 3; }), new RegExp(`node 0: it reads node 3 of layer "${denseB}", which has 1 node`)],
    [edit((j, layer, c) => { c.input_layers = [['a', 0, 0]]; }), /fromTfjs: the outputs need input b, which is not among the model's inputs/],
    [edit((j, layer) => { layer(denseA).inbound_nodes[0][0][0] = concat; }), /the graph has a cycle: layer \d \(Dense "dense_\w+"\) node 0, layer \d \(Concatenate .*\) node 0 wait for each other's outputs/],
    [edit((j, layer, c) => { c.input_layers = [['a', 0, 0], [denseB, 0, 0]]; }), new RegExp(`input_layers: "${denseB}" is not an InputLayer`)],
    [edit((j, layer) => { layer(denseA).inbound_nodes[0].push(['b', 0, 0, {}]); }), /\(Dense "dense_\w+"\) node 0: a Dense layer takes one input, this node reads 2/],
    [edit((j, layer) => { layer(denseA).inbound_nodes[0][0][3] = { training: true }; }), /node 0: call arguments \{"training":true\} are not supported/],
    [edit((j, layer) => { layer(denseA).inbound_nodes[0][0][2] = 1; }), /node 0: it reads output 1 of layer "a", which has 1 output/],
    [edit((j, layer) => { layer(denseA).inbound_nodes = [{ args: [{ class_name: 'Tensor' }], kwargs: {} }]; }), /node 0: argument \{"class_name":"Tensor"\} is not a Keras tensor/],
    [edit((j, layer) => { layer(denseA).inbound_nodes = [{ args: [['a', 0, 0]], kwargs: {} }]; }), /node 0: argument "a" is not a Keras tensor/],
    [edit((j, layer) => { layer(denseA).inbound_nodes = ['a']; }), /node 0: an inbound node must be a list of \[layer name, node index, tensor index, kwargs\]/],
    [edit((j, layer) => { layer(denseB).name = denseA; }), new RegExp(`a second layer named "${denseA}"`)],
    [edit((j, layer) => { Object.assign(layer(denseB), { class_name: 'Add', config: { name: denseB }, inbound_nodes: [[['a', 0, 0, {}], ['b', 0, 0, {}]]] }); }),
      /\(Add "dense_\w+"\) node 0: its inputs must all have one shape \(no broadcasting\), got \(None, 5\) and \(None, 3\)/],
    [edit((j, layer) => { layer('a').config.batch_input_shape = [null, 5, 1]; }), /\(Concatenate "concatenate_\w+"\) node 0: its inputs must agree on every axis but the last, got \(None, 5, \d+\) and \(None, \d+\)/], // the Dense works on the last axis
    [edit((j, layer) => { layer('a').config.batch_input_shape = [null, null]; }), /layer 0 \(InputLayer "a"\): input shape \[null\] must have fixed positive sizes/],
    [edit((j, layer) => { layer(concat).config.axis = 0; }), /\(Concatenate "concatenate_\w+"\) node 0: axis 0 is not the last axis of its inputs/],
    [edit((j, layer) => { layer(denseA).class_name = 'Dot'; }), /\(Dot "dense_\w+"\): layer class "Dot" is not supported/],
    [edit((j, layer, c) => { delete c.output_layers; }), /the functional model has no output_layers/],
    [edit((j, layer, c) => { c.output_layers = [['class', 0]]; }), /output_layers: a tensor reference must be \[layer name, node index, tensor index\], got \["class",0\]/],
  ];
  const heap = sn.heapBytes();
  cases.forEach(([json, message], i) => assert.throws(() => sn.fromTfjs(json, weightsBin), message, `case ${i}`));
  // An output that is not a vector loads (its loss would work along the last axis, as in Keras) and frees what it holds.
  const image = {
    format: 'layers-model',
    modelTopology: { class_name: 'Model', config: {
      name: 'image_out',
      layers: [
        { name: 'in', class_name: 'InputLayer', config: { batch_input_shape: [null, 4, 4, 1], name: 'in' }, inbound_nodes: [] },
        { name: 'conv', class_name: 'Conv2D', config: { name: 'conv', filters: 2, kernel_size: [3, 3] }, inbound_nodes: [[['in', 0, 0, {}]]] },
      ],
      input_layers: [['in', 0, 0]], output_layers: [['conv', 0, 0]],
    } },
    weightsManifest: [{ paths: ['w.bin'], weights: [{ name: 'conv/kernel', shape: [3, 3, 1, 2], dtype: 'float32' }, { name: 'conv/bias', shape: [2], dtype: 'float32' }] }],
  };
  const loaded = sn.fromTfjs(image, new Float32Array(20).buffer);
  assert.deepEqual(loaded.outputs[0].shape, [null, 2, 2, 2]);
  loaded.dispose();
  assert.equal(sn.heapBytes(), heap);
});

test('functional TF.js round trips and refused imports, hundreds of times, leave wasm memory where it started', async () => {
  const sizes = KERAS3.weightsManifest[0].weights.map((w) => sizeOf(w.shape));
  const values = randomArray(sizes.reduce((a, b) => a + b, 0), 92).buffer;
  const cyclic = structuredClone(KERAS3);
  cyclic.modelTopology.model_config.config.layers[1].inbound_nodes[0].args[0].config.keras_history = ['out', 0, 0]; // hidden reads out: a cycle
  const xs = inputsFor([[6], [3]], 2, 93);
  await assertNoLeak(() => {
    const model = sn.fromTfjs(KERAS3, values);
    const { modelJson, weightsBin } = model.toTfjs();
    const back = sn.fromTfjs(modelJson, weightsBin);
    assert.equal(back.predict(xs)[0].length, 6);
    assert.throws(() => sn.fromTfjs(cyclic, values), /the graph has a cycle/);
    model.dispose();
    back.dispose();
  }, 300);
});

test('frozen layers (trainable: false) come in frozen from TF.js and go out frozen to it', async () => {
  const x = tf.input({ shape: [5] });
  const frozen = tf.layers.dense({ units: 4, activation: 'tanh', name: 'frozen' });
  frozen.trainable = false;
  const out = tf.layers.dense({ units: 2, name: 'head' }).apply(frozen.apply(x));
  const tfModel = tf.model({ inputs: x, outputs: out });
  let artifacts;
  await tfModel.save(tf.io.withSaveHandler(async (a) => ((artifacts = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
  const modelJson = { modelTopology: artifacts.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }] };
  const model = sn.fromTfjs(modelJson, artifacts.weightData);
  assert.equal(model.getLayer('frozen').trainable, false);
  model.compile({ optimizer: 'sgd', loss: 'mse' });
  assert.deepEqual(model.nonTrainableWeights.map((w) => w.name), ['frozen/kernel', 'frozen/bias']);
  const before = model.getLayer('frozen').getWeights()[0].values;
  await model.fit(randomArray(20 * 5, 3, -1, 1), randomArray(20 * 2, 4, -1, 1), { epochs: 2 });
  assert.deepEqual(model.getLayer('frozen').getWeights()[0].values, before, 'it stays as imported');
  const back = model.toTfjs();
  const layers = back.modelJson.modelTopology.config.layers;
  assert.equal(layers.find((l) => l.config.name === 'frozen').config.trainable, false);
  assert.equal(layers.find((l) => l.config.name === 'head').config.trainable, true);
  const reloaded = await loadInTfjs(back);
  assert.equal(reloaded.getLayer('frozen').trainable, false, 'TF.js reads it frozen');
  reloaded.dispose();
  tfModel.dispose();
  model.dispose();
});
