// TensorFlow.js interop, proven against @tensorflow/tfjs itself (cpu backend, no
// network): models go to tf.loadLayersModel and come back from TF.js and from a
// Keras-converted model.json, predicting the same within 1e-5.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import * as sn from '../web/index.js';
import { loadTfjsFiles, saveTfjsFiles } from '../web/io/node-files.js';
import { randomArray } from './support/models.js';
import { savedByTfjs, tfjsPredict } from './support/tfjs-saved.js';

await tf.setBackend('cpu');
await sn.ready();

const ACTIVATIONS = ['linear', 'relu', 'sigmoid', 'tanh', 'softmax'];
const KERAS_JSON = JSON.parse(readFileSync(new URL('./fixtures/keras-sequential.model.json', import.meta.url), 'utf8'));

function assertClose(actual, expected, what) {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++)
    assert.ok(Math.abs(actual[i] - expected[i]) <= 1e-5, `${what}: output ${i} is ${actual[i]}, TF.js says ${expected[i]}`);
}

test('toTfjs: tf.loadLayersModel reads it and predicts the same, for every activation, with and without bias', async () => {
  const x = randomArray(11 * 5, 1, -2, 2);
  for (const activation of ACTIVATIONS)
    for (const useBias of [true, false]) {
      const model = sn.sequential({ seed: 3 });
      model.add(sn.layers.dense({ units: 7, activation, useBias, inputShape: [5], biasInitializer: sn.initializers.randomUniform() }));
      model.add(sn.layers.dense({ units: 3, activation, useBias, biasInitializer: 'ones' }));
      const { modelJson, weightsBin } = model.toTfjs();
      const roundTripped = JSON.parse(JSON.stringify(modelJson)); // as written to model.json
      assertClose(model.predict(x), await tfjsPredict(roundTripped, weightsBin, x, [5]), `${activation}, useBias ${useBias}`);
      model.dispose();
    }
});

test('toTfjs: leakyRelu becomes a LeakyReLU layer and a 2-D inputShape a Flatten, as TF.js needs', async () => {
  const model = sn.sequential({ seed: 4 });
  model.add(sn.layers.dense({ units: 6, activation: sn.leakyRelu({ alpha: 0.1 }), inputShape: [2, 3], kernelRegularizer: sn.regularizers.l2(0.01) }));
  model.add(sn.layers.dense({ units: 2, activation: 'softmax' }));
  const x = randomArray(8 * 6, 2, -3, 3);
  const { modelJson, weightsBin } = model.toTfjs();
  assert.deepEqual(modelJson.modelTopology.config.layers.map((l) => l.class_name), ['Flatten', 'Dense', 'LeakyReLU', 'Dense']);
  assertClose(model.predict(x), await tfjsPredict(modelJson, weightsBin, x, [2, 3]), 'leakyRelu');
  const back = sn.fromTfjs(modelJson, weightsBin); // and back again: the same model
  assert.equal(back.summary(), model.summary());
  assert.deepEqual(back.layers[0].activation, model.layers[0].activation);
  assert.deepEqual(back.layers[0].kernelRegularizer, { l1: 0, l2: 0.01 });
  assert.deepEqual(back.getWeights(), model.getWeights());
  model.dispose();
  back.dispose();
});

test('fromTfjs: a model saved by TensorFlow.js predicts the same, for every activation, with and without bias, and fine-tunes', async () => {
  const x = randomArray(9 * 4, 5, -2, 2);
  for (const activation of ACTIVATIONS)
    for (const useBias of [true, false]) {
      const tfModel = tf.sequential();
      tfModel.add(tf.layers.dense({ units: 6, activation, useBias, inputShape: [4], biasInitializer: 'randomNormal' }));
      tfModel.add(tf.layers.dense({ units: 2, activation, useBias, biasInitializer: 'ones' }));
      const expected = tf.tidy(() => tfModel.predict(tf.tensor(x, [9, 4])).dataSync().slice());
      const { modelJson, weightsBin } = await savedByTfjs(tfModel);
      tfModel.dispose();
      const model = sn.fromTfjs(JSON.stringify(modelJson), weightsBin);
      assert.deepEqual(model.layers.map((l) => [l.activation.name, l.useBias]), [[activation, useBias], [activation, useBias]]);
      assertClose(model.predict(x), expected, `${activation}, useBias ${useBias}`);
      model.compile({ optimizer: 'sgd', loss: 'mse' });
      const h = await model.fit(x, randomArray(9 * 2, 6, 0, 1), { epochs: 2 });
      assert.ok(Number.isFinite(h.history.loss[1]));
      model.dispose();
    }
});

test('Dropout layers go both ways (identity at inference, same rate and seed); activity regularizers come in from Keras', async () => {
  const x = randomArray(8 * 4, 9, -2, 2);
  const model = sn.sequential({ seed: 4 });
  model.add(sn.layers.dense({ units: 6, activation: 'relu', inputShape: [4] }));
  model.add(sn.layers.dropout({ rate: 0.4, seed: 7 }));
  model.add(sn.layers.dense({ units: 2, activation: 'softmax' }));
  const { modelJson, weightsBin } = model.toTfjs();
  const tfModel = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs: modelJson.weightsManifest[0].weights, weightData: weightsBin }));
  assert.deepEqual(tfModel.layers.map((l) => l.getClassName()), ['Dense', 'Dropout', 'Dense']);
  assert.equal(tfModel.layers[1].getConfig().rate, 0.4);
  const expected = tf.tidy(() => tfModel.predict(tf.tensor(x, [8, 4])).dataSync().slice());
  assertClose(model.predict(x), expected, 'toTfjs with Dropout');
  const saved = await savedByTfjs(tfModel);
  tfModel.dispose();
  // TF.js cannot run layers with activity regularizers, but Keras writes them: import one.
  saved.modelJson.modelTopology.config.layers[0].config.activity_regularizer = { class_name: 'L1L2', config: { l1: 0, l2: 0.01 } };
  const back = sn.fromTfjs(saved.modelJson, saved.weightsBin);
  assert.deepEqual(back.layers.map((l) => l.type), ['Dense', 'Dropout', 'Dense']);
  assert.deepEqual([back.layers[1].rate, back.layers[1].seed], [0.4, 7]);
  assert.equal(back.layers[0].activityRegularizer.l2, 0.01);
  assertClose(back.predict(x), expected, 'fromTfjs with Dropout');
  for (const m of [model, back]) m.dispose();
});

test('fromTfjs: a Keras-converted model.json (model_config, snake_case, InputLayer, VarianceScaling) imports, also from shards', async () => {
  const sizes = KERAS_JSON.weightsManifest[0].weights.map((w) => w.shape.reduce((a, b) => a * b, 1));
  const weights = randomArray(sizes.reduce((a, b) => a + b, 0), 8, -0.8, 0.8);
  const x = randomArray(10 * 5, 9, -2, 2);
  const expected = await tfjsPredict(KERAS_JSON, weights.buffer, x, [5]);
  const model = sn.fromTfjs(KERAS_JSON, weights.buffer);
  assertClose(model.predict(x), expected, 'Keras model');
  assert.equal(model.name, 'keras_mlp');
  assert.deepEqual(model.layers.map((l) => [l.name, l.units, l.activation.name, l.useBias, l.kernelInitializer.name]), [
    ['dense', 8, 'relu', true, 'glorotUniform'], ['dense_1', 6, 'tanh', false, 'heNormal'],
    ['dense_2', 4, 'sigmoid', true, 'randomNormal'], ['dense_3', 3, 'softmax', true, 'glorotUniform'],
  ]);
  assert.deepEqual(model.layers[0].kernelRegularizer, { l1: 0, l2: 0.01 });
  assert.equal(model.layers[2].biasInitializer.config.value, 0.1);
  const bytes = new Uint8Array(weights.buffer);
  const sharded = sn.fromTfjs(KERAS_JSON, [bytes.slice(0, 101), bytes.slice(101)]); // shards may split a float
  assert.deepEqual(sharded.getWeights(), model.getWeights());
  model.dispose();
  sharded.dispose();
});

test('fromTfjs refuses what it cannot import, naming the problem, and keeps no memory', () => {
  const weights = new Float32Array(40 + 8 + 48 + 24 + 4 + 12 + 3).buffer;
  const edit = (fn) => {
    const json = structuredClone(KERAS_JSON);
    fn(json, json.modelTopology.model_config.config.layers);
    return json;
  };
  const cases = [
    [edit((j, layers) => { layers[2].class_name = 'Conv3D'; }), weights, /layer 2 \(Conv3D "dense_1"\): layer class "Conv3D" is not supported; supported: Dense, Conv2D/],
    [edit((j, layers) => { layers[2].class_name = 'Conv2D'; }), weights, /layer 2 \(Conv2D "dense_1"\): units 6 is not supported/],
    [edit((j) => { j.modelTopology.model_config.class_name = 'Functional'; }), weights, /the functional model has no input_layers/],
    [edit((j) => { j.modelTopology.model_config.class_name = 'Subclassed'; }), weights, /only Sequential and functional \(class_name "Model" or "Functional"\) models are supported, this one is "Subclassed"/],
    [edit((j, layers) => { layers[1].config.activation = 'squareplus'; }), weights, /layer 1 .*unknown activation "squareplus"/],
    [edit((j, layers) => { layers[1].config.kernel_constraint = { class_name: 'MaxNorm', config: {} }; }), weights, /layer 1 \(Dense "dense"\): kernel_constraint \{"class_name":"MaxNorm","config":\{\}\} is not supported/],
    [edit((j, layers) => { layers[1].config.kernel_regularizer = { class_name: 'OrthogonalRegularizer', config: {} }; }), weights, /regularizer "OrthogonalRegularizer" is not supported/],
    [edit((j, layers) => { layers.shift(); delete layers[0].config.batch_input_shape; }), weights, /declares no input shape/],
    [edit((j) => { j.weightsManifest[0].weights[0].dtype = 'int32'; }), weights, /weight dense\/kernel is int32; only float32/],
    [edit((j) => { j.weightsManifest[0].weights[1].quantization = { dtype: 'int4', scale: 1, min: 0 }; }), weights, /weight dense\/bias: quantization dtype "int4" is unknown/],
    [edit((j) => { j.weightsManifest[0].weights[6].name = 'dense_3/beta'; }), weights, /weightsManifest has no weight dense_3\/bias/],
    [edit((j) => { j.weightsManifest[0].weights[0].shape = [4, 10]; }), weights, /weight dense\/kernel has shape \[4,10\], expected \[5,8\]/],
    [KERAS_JSON, weights.slice(0, 300), /weight dense_1\/kernel \[8,6\] needs bytes 192\.\.384 but weightsBin has 300/],
    [KERAS_JSON, new ArrayBuffer(1000), /weightsBin has 1000 bytes but the manifest describes 556/],
    [KERAS_JSON, 'weights', /fromTfjs: weights must be an ArrayBuffer or a Uint8Array .*; got "weights"/],
    ['{"modelTopology": ', weights, /model.json is not valid JSON/],
    [42, weights, /modelJson must be the parsed model.json/],
    [{ weightsManifest: [] }, weights, /only Sequential and functional .* models are supported, this one is undefined/],
  ];
  const heap = sn.heapBytes();
  cases.forEach(([json, bin, message], i) => assert.throws(() => sn.fromTfjs(json, bin), message, `case ${i}`));
  const nan = new Float32Array(weights.byteLength / 4);
  nan[3] = NaN;
  assert.throws(() => sn.fromTfjs(KERAS_JSON, nan.buffer), /fromTfjs: weights for dense\/kernel contains NaN/);
  assert.equal(sn.heapBytes(), heap);
});

test('Node helpers write model.json + weights.bin and read them back', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'simdnet-tfjs-'));
  try {
    const model = sn.sequential({ seed: 9 });
    model.add(sn.layers.dense({ units: 5, activation: 'relu', inputShape: [3] }));
    model.add(sn.layers.dense({ units: 2, activation: 'softmax' }));
    await saveTfjsFiles(model, join(dir, 'out'));
    const modelJson = JSON.parse(readFileSync(join(dir, 'out', 'model.json'), 'utf8'));
    const bin = readFileSync(join(dir, 'out', 'weights.bin'));
    const x = randomArray(4 * 3, 3);
    assertClose(model.predict(x), await tfjsPredict(modelJson, new Uint8Array(bin).buffer, x, [3]), 'files');
    const back = await loadTfjsFiles(join(dir, 'out', 'model.json'));
    assert.deepEqual(back.getWeights(), model.getWeights());
    model.dispose();
    back.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
