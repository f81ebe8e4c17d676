// TensorFlow.js interop of convolutional networks, proven against
// @tensorflow/tfjs itself (cpu backend): every new layer kind goes to
// tf.loadLayersModel and comes back from TF.js-built and -saved conv nets and
// from Keras-converted model.json files (test/fixtures/keras-cnn/: Keras 2 and
// Keras 3 styles of one network, written by hand from the formats), predicting
// within 1e-5. Options we or TF.js do not support are refused by name.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import * as sn from '../web/index.js';
import { loadTfjsFiles } from '../web/io/node-files.js';
import { blobs, randomArray } from './support/models.js';
import { savedByTfjs } from './support/tfjs-saved.js';

await tf.setBackend('cpu');
await sn.ready();

const L = sn.layers;
const FIXTURES = new URL('./fixtures/keras-cnn/', import.meta.url);
const fixturePath = (style) => new URL(`${style}/model.json`, FIXTURES).pathname;
const readFixture = (style) => ({
  modelJson: JSON.parse(readFileSync(new URL(`${style}/model.json`, FIXTURES), 'utf8')),
  weightsBin: new Uint8Array(readFileSync(new URL(`${style}/group1-shard1of1.bin`, FIXTURES))),
});
const bits = (floats) => Array.from(new Uint32Array(Float32Array.from(floats).buffer));
const allWeights = (model) => model.getWeights().map((w) => ({ name: w.name, bits: bits(w.values) }));

function assertClose(actual, expected, what) {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  assert.ok(worst <= 1e-5, `${what}: predictions differ from TF.js' by up to ${worst}`);
}

const sizeOf = (shape) => shape.reduce((a, b) => a * b, 1);

/** TF.js loads a model.json and its weights (one buffer) and predicts x (rows × sample size). */
async function tfjsPredict(modelJson, weightsBin, x, inputShape) {
  const weightSpecs = modelJson.weightsManifest.flatMap((g) => g.weights);
  const buffer = weightsBin instanceof ArrayBuffer ? weightsBin : weightsBin.buffer.slice(weightsBin.byteOffset, weightsBin.byteOffset + weightsBin.byteLength);
  const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs, weightData: buffer }));
  const out = tf.tidy(() => model.predict(tf.tensor(x, [x.length / sizeOf(inputShape), ...inputShape])).dataSync().slice());
  const classes = model.layers.map((l) => l.getClassName());
  model.dispose();
  return { out, classes };
}

/** Sets every weight of a TF.js model to fixed pseudo-random values (moving variances and gammas positive). */
function randomizeTfjs(model, seed) {
  model.setWeights(model.weights.map((w, i) => {
    const positive = /moving_variance|gamma/.test(w.originalName ?? w.name);
    return tf.tensor(randomArray(sizeOf(w.shape), seed + i, positive ? 0.5 : -0.7, positive ? 1.5 : 0.7), w.shape);
  }));
}

test('a Keras 2 model.json of a conv net (converted: snake_case, InputLayer, axis [3], LeakyReLU) imports and predicts as TF.js loading the same files', async () => {
  const { modelJson, weightsBin } = readFixture('keras2');
  const x = randomArray(9 * 144, 21, 0, 1);
  const tfjs = await tfjsPredict(modelJson, weightsBin, x, [144]);
  const model = await loadTfjsFiles(fixturePath('keras2'));
  assertClose(model.predict(x), tfjs.out, 'Keras 2');
  assert.equal(model.name, 'keras_cnn');
  assert.deepEqual(model.layers.map((l) => `${l.name}:${l.type}`), [
    'reshape:Reshape', 'stem:Conv2D', 'batch_normalization:BatchNormalization', 'max_pooling2d:MaxPooling2D', 'dropout:Dropout',
    'conv2d:Conv2D', 'leaky_re_lu:LeakyReLU', 'batch_normalization_1:BatchNormalization', 'average_pooling2d:AveragePooling2D',
    'activation:Activation', 'flatten:Flatten', 'dense:Dense', 'dropout_1:Dropout', 'predictions:Dense',
  ]);
  const [stem, bn, , , conv, leaky, bn1] = model.layers.slice(1);
  assert.deepEqual([stem.filters, stem.kernelSize, stem.padding, stem.activation.name, stem.kernelRegularizer.l2], [4, [3, 3], 'same', 'relu', 0.0010000000474974513]);
  assert.deepEqual([bn.axis, bn.momentum, bn1.epsilon, bn1.scale, bn1.center], [-1, 0.99, 0.01, false, true]);
  assert.deepEqual([conv.useBias, conv.kernelInitializer.name, leaky.type, leaky.alpha], [false, 'heNormal', 'LeakyReLU', 0.30000001192092896]);
  assert.equal(model.paramCount(), 517);
  model.dispose();
});

test('the same network as a Keras 3 model.json (batch_shape, DTypePolicy, build_config, weights named layers/<class>/vars/<i>) imports to the same model', async () => {
  const keras2 = readFixture('keras2');
  const x = randomArray(7 * 144, 22, 0, 1);
  // TF.js 4.22 cannot read Keras 3 files (it wants batch_input_shape, and names weights by layer): the oracle is TF.js on the Keras 2 twin.
  const tfjs = await tfjsPredict(keras2.modelJson, keras2.weightsBin, x, [144]);
  const fromKeras3 = await loadTfjsFiles(fixturePath('keras3'));
  const fromKeras2 = await loadTfjsFiles(fixturePath('keras2'));
  assertClose(fromKeras3.predict(x), tfjs.out, 'Keras 3');
  assert.equal(fromKeras3.summary(), fromKeras2.summary());
  assert.deepEqual(allWeights(fromKeras3), allWeights(fromKeras2), 'stem/kernel from layers/conv2d/vars/0, conv2d/kernel from layers/conv2d_1/vars/0, …');
  // It fine-tunes: training moves the weights and the moving statistics.
  fromKeras3.compile({ optimizer: sn.optimizers.adam({ learningRate: 0.01 }), loss: 'categoricalCrossentropy' });
  const { x: bx, y } = blobs(20, 144, 3);
  const h = await fromKeras3.fit(bx, y, { epochs: 2, batchSize: 5 });
  assert.ok(h.history.loss.every(Number.isFinite));
  assert.notDeepEqual(fromKeras3.getLayer('batch_normalization').getWeights()[2].values, fromKeras2.getLayer('batch_normalization').getWeights()[2].values);
  fromKeras3.dispose();
  fromKeras2.dispose();
});

/** TF.js conv nets covering every layer kind and option we import. */
const TFJS_MODELS = {
  'conv stride 2 same, batch norm, max pooling same stride 1, dropout, dilated conv, LeakyReLU, average pooling, flatten': {
    inputShape: [9, 8, 2],
    build: (m) => {
      m.add(tf.layers.conv2d({ filters: 3, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', inputShape: [9, 8, 2] }));
      m.add(tf.layers.batchNormalization({ momentum: 0.9, epsilon: 0.01 }));
      m.add(tf.layers.maxPooling2d({ poolSize: [2, 3], strides: 1, padding: 'same' }));
      m.add(tf.layers.dropout({ rate: 0.3 }));
      m.add(tf.layers.conv2d({ filters: 4, kernelSize: [2, 2], dilationRate: 2, activation: 'linear', useBias: false }));
      m.add(tf.layers.leakyReLU({ alpha: 0.15 }));
      m.add(tf.layers.averagePooling2d({ poolSize: [1, 2], strides: [1, 1] }));
      m.add(tf.layers.activation({ activation: 'sigmoid' }));
      m.add(tf.layers.flatten());
      m.add(tf.layers.dense({ units: 4, activation: 'softmax' }));
    },
  },
  'dropout first, reshape of flat inputs, global max pooling, batch norm axis 1 after dense, LeakyReLU after batch norm': {
    inputShape: [48],
    build: (m) => {
      m.add(tf.layers.dropout({ rate: 0.2, inputShape: [48] }));
      m.add(tf.layers.reshape({ targetShape: [4, -1, 3] }));
      m.add(tf.layers.conv2d({ filters: 5, kernelSize: [1, 1], activation: 'tanh' }));
      m.add(tf.layers.globalMaxPooling2d({}));
      m.add(tf.layers.dense({ units: 6 }));
      m.add(tf.layers.batchNormalization({ axis: 1, center: false }));
      m.add(tf.layers.leakyReLU({}));
      m.add(tf.layers.dense({ units: 2, activation: 'sigmoid' }));
    },
  },
  'batch norm axis 3, average pooling same, ReLU and Softmax layers, global average pooling': {
    inputShape: [7, 7, 3],
    build: (m) => {
      m.add(tf.layers.conv2d({ filters: 6, kernelSize: [3, 2], strides: [2, 1], padding: 'valid', inputShape: [7, 7, 3], kernelRegularizer: tf.regularizers.l2({ l2: 0.01 }) }));
      m.add(tf.layers.batchNormalization({ axis: 3, scale: false }));
      m.add(tf.layers.reLU({}));
      m.add(tf.layers.averagePooling2d({ poolSize: 2, strides: 2, padding: 'same' }));
      m.add(tf.layers.globalAveragePooling2d({}));
      m.add(tf.layers.dense({ units: 3 }));
      m.add(tf.layers.softmax({}));
    },
  },
};

for (const [name, { inputShape, build }] of Object.entries(TFJS_MODELS))
  test(`fromTfjs: a conv net built and saved by TensorFlow.js predicts as TF.js: ${name}`, async () => {
    const tfModel = tf.sequential();
    build(tfModel);
    randomizeTfjs(tfModel, 100);
    const x = randomArray(6 * sizeOf(inputShape), 31, -1, 1);
    const expected = tf.tidy(() => tfModel.predict(tf.tensor(x, [6, ...inputShape])).dataSync().slice());
    const { modelJson, weightsBin } = await savedByTfjs(tfModel);
    const classes = tfModel.layers.map((l) => l.getClassName());
    tfModel.dispose();
    const model = sn.fromTfjs(JSON.stringify(modelJson), weightsBin);
    assert.equal(model.layers.length, classes.length, `one layer each: ${classes}`);
    assertClose(model.predict(x), expected, name);
    // And back: our export of the import loads in TF.js to the same predictions.
    const back = model.toTfjs();
    assertClose((await tfjsPredict(JSON.parse(JSON.stringify(back.modelJson)), back.weightsBin, x, inputShape)).out, expected, `${name}, exported again`);
    model.dispose();
  });

/** A simdnet CNN with every layer kind, trained a little so its moving statistics are its own. */
async function trainedCnn() {
  const model = sn.sequential({ seed: 12, name: 'everything' });
  model.add(L.dropout({ rate: 0.1, inputShape: [60] }));
  model.add(L.reshape({ targetShape: [6, 5, 2] }));
  model.add(L.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: sn.leakyRelu({ alpha: 0.1 }), kernelRegularizer: sn.regularizers.l2(0.01), activityRegularizer: sn.regularizers.l1(0.001) }));
  model.add(L.batchNormalization({ axis: 3, momentum: 0.8 }));
  model.add(L.maxPooling2d({ poolSize: 2, strides: 1, padding: 'same' }));
  model.add(L.conv2d({ filters: 3, kernelSize: [2, 3], strides: [2, 1], useBias: false, name: 'second' }));
  model.add(L.activation({ activation: sn.leakyRelu({ alpha: 0.25 }) }));
  model.add(L.batchNormalization({ center: false }));
  model.add(L.dropout({ rate: 0.2 }));
  model.add(L.averagePooling2d({ poolSize: [1, 2], strides: 1 }));
  model.add(L.activation({ activation: 'relu', name: 'relu' }));
  model.add(L.globalAveragePooling2d());
  model.add(L.reshape({ targetShape: [1, 1, 3] }));
  model.add(L.globalMaxPooling2d());
  model.add(L.dense({ units: 5, activation: 'tanh' }));
  model.add(L.activation({ activation: 'softmax' }));
  model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
  const { x, labels } = blobs(30, 60, 5);
  await model.fit(x, sn.data.oneHot(labels, 5), { epochs: 2, batchSize: 6 });
  return model;
}

test('toTfjs of a CNN with every layer kind: tf.loadLayersModel predicts the same (moving statistics included), and it comes back bit-identical', async () => {
  const model = await trainedCnn();
  const x = randomArray(5 * 60, 41, -1, 1);
  const { modelJson, weightsBin } = model.toTfjs();
  const json = JSON.parse(JSON.stringify(modelJson)); // as written to model.json
  const layers = json.modelTopology.config.layers;
  assert.deepEqual(layers.map((l) => l.class_name), [
    'Dropout', 'Reshape', 'Conv2D', 'LeakyReLU', 'BatchNormalization', 'MaxPooling2D', 'Conv2D', 'LeakyReLU', 'BatchNormalization', 'Dropout',
    'AveragePooling2D', 'Activation', 'GlobalAveragePooling2D', 'Reshape', 'GlobalMaxPooling2D', 'Dense', 'Activation',
  ]);
  assert.deepEqual(layers[0].config.batch_input_shape, [null, 60]);
  assert.deepEqual([layers[2].config.activation, layers[2].config.activity_regularizer, layers[3].config.name, layers[3].config.alpha], ['linear', null, 'conv2d_leaky_relu', 0.1]);
  assert.deepEqual([layers[4].config.axis, layers[7].config.name], [-1, 'activation']);
  const tfjs = await tfjsPredict(json, weightsBin, x, [60]);
  assert.equal(tfjs.classes.length, layers.length);
  assertClose(model.predict(x), tfjs.out, 'toTfjs');
  const back = sn.fromTfjs(json, weightsBin);
  // the standalone leakyRelu activation layer comes back as the LeakyReLU layer TF.js has for it
  assert.equal(back.summary(), model.summary().replace('activation (Activation) ', 'activation (LeakyReLU)  '), 'the same layers: the LeakyReLU after conv2d folds back, the standalone one stays');
  assert.deepEqual(allWeights(back), allWeights(model), 'the same weights and moving statistics, bit for bit');
  assert.deepEqual(bits(back.predict(x)), bits(model.predict(x)));
  model.dispose();
  back.dispose();
});

test('toTfjs writes what tf.loadLayersModel builds again: conv options, pooling, batch norm settings, reshape with -1', async () => {
  const model = sn.sequential({ seed: 3 });
  model.add(L.conv2d({ filters: 2, kernelSize: [3, 2], strides: 1, dilationRate: [2, 1], padding: 'valid', inputShape: [8, 6, 1], biasInitializer: 'ones' }));
  model.add(L.batchNormalization({ epsilon: 0.1, momentum: 0.5, scale: false, center: false }));
  model.add(L.reshape({ targetShape: [-1, 2] }));
  model.add(L.flatten());
  model.add(L.dense({ units: 2 }));
  const { modelJson, weightsBin } = model.toTfjs();
  const tfModel = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs: modelJson.weightsManifest[0].weights, weightData: weightsBin }));
  const conv = tfModel.layers[0].getConfig(), bn = tfModel.layers[1].getConfig();
  assert.deepEqual([conv.kernelSize, conv.dilationRate, conv.padding, conv.dataFormat], [[3, 2], [2, 1], 'valid', 'channelsLast']);
  assert.deepEqual([bn.epsilon, bn.momentum, bn.scale, bn.center, bn.axis], [0.1, 0.5, false, false, -1]);
  assert.deepEqual(tfModel.layers[2].outputShape, [null, 20, 2]);
  const x = randomArray(3 * 48, 7);
  assertClose(model.predict(x), tf.tidy(() => tfModel.predict(tf.tensor(x, [3, 8, 6, 1])).dataSync()), 'options');
  tfModel.dispose();
  model.dispose();
});

test('Keras options that TF.js or simdnet do not support are refused, naming the layer and the option; no memory kept', () => {
  const { weightsBin } = readFixture('keras2');
  const keras2 = readFixture('keras2').modelJson, keras3 = readFixture('keras3').modelJson;
  const edit = (json, fn) => {
    const copy = structuredClone(json);
    fn(copy.modelTopology.model_config.config.layers, copy);
    return copy;
  };
  const k2 = (fn) => edit(keras2, fn), k3 = (fn) => edit(keras3, fn);
  const cases = [
    [k2((l) => { l[2].config.groups = 2; }), /layer 2 \(Conv2D "stem"\): groups 2 is not supported \(only 1\)/],
    [k2((l) => { l[2].config.data_format = 'channels_first'; }), /layer 2 \(Conv2D "stem"\): conv2d: dataFormat 'channelsFirst' is not supported/],
    [k2((l) => { l[2].config.padding = 'causal'; }), /layer 2 \(Conv2D "stem"\): conv2d padding must be 'valid' or 'same', got "causal"/],
    [k2((l) => { l[2].config.strides = [2, 2]; l[2].config.dilation_rate = [2, 2]; }), /layer 2 \(Conv2D "stem"\): conv2d: strides \[2,2\] > 1 together with dilationRate/],
    [k2((l) => { l[2].config.kernel_constraint = { class_name: 'NonNeg', config: {} }; }), /layer 2 \(Conv2D "stem"\): kernel_constraint \{"class_name":"NonNeg","config":\{\}\} is not supported/],
    [k2((l) => { l[3].config.axis = [1]; }), /layer 3 \(BatchNormalization "batch_normalization"\): axis \[1\] is not the last axis of its input \(None, 12, 12, 4\)/],
    [k2((l) => { l[3].config.axis = [1, 2]; }), /axis \[1,2\] is not the last axis/],
    [k2((l) => { Object.assign(l[3].config, { renorm: true, renorm_clipping: null, renorm_momentum: 0.99 }); }), /layer 3 \(BatchNormalization "batch_normalization"\): renorm true is not supported \(only false\)/],
    [k2((l) => { l[3].config.virtual_batch_size = 8; }), /virtual_batch_size 8 is not supported/],
    [k2((l) => { l[5].config.noise_shape = [null, 1, 1, 4]; }), /layer 5 \(Dropout "dropout"\): noise_shape \[null,1,1,4\] is not supported/],
    [k2((l) => { l[11] = { class_name: 'GlobalAveragePooling2D', config: { name: 'gap', data_format: 'channels_last', keepdims: true } }; }), /layer 11 \(GlobalAveragePooling2D "gap"\): keepdims true is not supported \(only false\)/],
    [k2((l) => { l[4].class_name = 'LocallyConnected2D'; }), /layer 4 \(LocallyConnected2D "max_pooling2d"\): layer class "LocallyConnected2D" is not supported/],
    [k2((l) => { l[4] = { class_name: 'UpSampling2D', config: { name: 'up', size: [2, 2], interpolation: 'lanczos3' } }; }), /layer 4 \(UpSampling2D "up"\): upSampling2d interpolation must be 'nearest' or 'bilinear', got "lanczos3"/],
    [k2((l) => { l[10] = { class_name: 'ReLU', config: { name: 'relu6', max_value: -6, negative_slope: 0, threshold: 0 } }; }), /layer 10 \(ReLU "relu6"\): reLU maxValue must be a number in \[0, Infinity\], got -6/],
    [k2((l) => { l[10] = { class_name: 'Softmax', config: { name: 'sm', axis: 1 } }; }), /layer 10 \(Softmax "sm"\): softmax axis 1 is not the last axis of its input \(None, 2, 2, 6\)/],
    [k2((l) => { l[10].config.activation = 'squareplus'; }), /layer 10 \(Activation "activation"\): unknown activation "squareplus"/],
    [k2((l) => { l[0].config.sparse = true; }), /layer 0 \(InputLayer "reshape_input"\): sparse inputs are not supported/],
    [k2((l) => { l[0].config.batch_input_shape = [null, null]; delete l[1].config.batch_input_shape; }), /layer 0 \(InputLayer "reshape_input"\): input shape \[null\] must have fixed positive sizes/],
    [k2((l) => { l[1].config.target_shape = [12, 11, 1]; }), /layer 1 \(Reshape "reshape"\): cannot reshape an input of shape \(None, 144\)/],
    [k2((l) => { l.splice(11, 1); }), /layer "dense" \(Dense\): weight dense\/kernel has shape \[24,8\], expected \[6,8\]/], // without its Flatten, Dense reads the last axis
    [k3((l) => { l[12].config.lora_rank = 4; }), /layer 12 \(Dense "dense"\): lora_rank 4 is not supported/],
    [k3((l) => { l[3].config.synchronized = true; l[3].config.gamma_regularizer = { class_name: 'OrthogonalRegularizer', config: {} }; }), /gamma_regularizer: regularizer "OrthogonalRegularizer" is not supported/],
    [k3((l, j) => { j.weightsManifest[0].weights[7].shape = [3, 3, 4, 1]; }), /weight stem\/kernel has shape \[3,3,4,1\], expected \[3,3,1,4\]/],
    [k3((l, j) => { j.weightsManifest[0].weights[9].name = 'layers/conv2d_2/vars/0'; }), /weightsManifest has no weight conv2d\/kernel/],
  ];
  const heap = sn.heapBytes();
  cases.forEach(([json, message], i) => assert.throws(() => sn.fromTfjs(json, weightsBin), message, `case ${i}`));
  assert.equal(sn.heapBytes(), heap);
});

test('fromTfjs skips manifest entries no layer uses, whatever their dtype (a Keras 3 optimizer\'s variables)', () => {
  const { modelJson, weightsBin } = readFixture('keras3');
  modelJson.weightsManifest.push({ paths: ['group2-shard1of1.bin'], weights: [
    { name: 'optimizer/vars/0', shape: [], dtype: 'int64' }, { name: 'optimizer/vars/1', shape: [], dtype: 'float32' },
    { name: 'optimizer/vars/2', shape: [3, 3, 1, 4], dtype: 'float32' },
  ] });
  const extra = new Uint8Array(8 + 4 + 36 * 4).fill(7);
  const model = sn.fromTfjs(modelJson, [weightsBin, extra]);
  const plain = sn.fromTfjs(readFixture('keras3').modelJson, weightsBin);
  assert.deepEqual(allWeights(model), allWeights(plain));
  assert.throws(() => sn.fromTfjs(modelJson, [weightsBin, extra.subarray(1)]), /weight optimizer\/vars\/2 \[3,3,1,4\] needs bytes 2080\.\.2224 but weightsBin has 2223/);
  modelJson.weightsManifest[1].weights[0].dtype = 'string';
  assert.throws(() => sn.fromTfjs(modelJson, [weightsBin, extra]), /weight optimizer\/vars\/0 has shape \[\] and dtype "string", which cannot be read/);
  model.dispose();
  plain.dispose();
});
