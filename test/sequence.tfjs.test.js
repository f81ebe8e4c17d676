// Embedding and the 1-D layers against TensorFlow.js (@tensorflow/tfjs, cpu
// backend, the oracle): each in a small model on odd sizes, trained 3 epochs
// from TF.js' initial weights with shuffle false (test/support/tfjs-train.js:
// losses within 1e-4 relative, weights within 2e-4 of their largest value),
// with SGD and Adam. TF.js 4.22 lacks UpSampling1D, ZeroPadding1D, Cropping1D
// and 'causal' Conv1D: there TF.js runs the same computation with its own
// layers (reshapes around the 2-D ones; causal = zeros before the first step,
// then 'valid', Keras' definition), and causal conv1d also predicts as a
// float64 reference written from that definition. What TF.js cannot train
// right is compared forward only, its gradients checked by finite differences
// in test/c/test_sequence_layers.c: dilation (TF.js' conv gradients refuse
// it) and 'same' average pooling (TF.js 4.22's AvgPoolGrad, tfjs-backend-cpu
// src/kernels/AvgPoolGrad.ts, divides by the whole window, padding included,
// where its forward pass and Keras do not). Then toTfjs → tf.loadLayersModel
// predicts as we do, TF.js-saved models import, and the model file keeps
// every option.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import * as sn from '../web/index.js';
import { KINDS } from '../web/layers/index.js';
import { randomArray } from './support/models.js';
import { savedByTfjs } from './support/tfjs-saved.js';
import { CLASSES, assertAgree, trainBoth } from './support/tfjs-train.js';

await tf.setBackend('cpu');
await sn.ready();

// TF.js adds Adam's epsilon to the bias-corrected √v̂, Keras (and we) to √v: a tiny epsilon makes the two the same update.
const adam = () => ({ sn: sn.optimizers.adam({ learningRate: 0.003, epsilon: 1e-10 }), tf: tf.train.adam(0.003, 0.9, 0.999, 1e-10) });
const STEPS = 11, CHANNELS = 5, VOCAB = 13;
const reshape = (targetShape) => ({ type: 'reshape', targetShape });

const SPECS = {
  'Embedding → Flatten → Dense': {
    inputShape: [STEPS], tokens: VOCAB,
    layers: [{ type: 'embedding', inputDim: VOCAB, outputDim: 4 }, { type: 'flatten' }, { type: 'dense', units: CLASSES, activation: 'softmax' }],
  },
  'Embedding → GlobalAveragePooling1D → Dense': {
    inputShape: [STEPS], tokens: VOCAB,
    layers: [{ type: 'embedding', inputDim: VOCAB, outputDim: 6 }, { type: 'globalAveragePooling1d' }, { type: 'dense', units: CLASSES, activation: 'softmax' }],
  },
  'Conv1D valid, same, strides 2 → MaxPooling1D → Flatten → Dense': {
    inputShape: [STEPS, CHANNELS],
    layers: [
      { type: 'conv1d', filters: 4, kernelSize: 3, activation: 'tanh', biasInitializer: 'randomNormal' },
      { type: 'conv1d', filters: 3, kernelSize: 2, padding: 'same', useBias: false },
      { type: 'conv1d', filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' },
      { type: 'maxPooling1d', poolSize: 2, padding: 'same' },
      { type: 'flatten' },
      { type: 'dense', units: CLASSES, activation: 'softmax' },
    ],
  },
  'AveragePooling1D, GlobalMaxPooling1D': {
    inputShape: [STEPS, CHANNELS],
    layers: [
      { type: 'conv1d', filters: 4, kernelSize: 2, activation: 'tanh' },
      { type: 'averagePooling1d', poolSize: 3, strides: 2 },
      { type: 'conv1d', filters: 3, kernelSize: 2, padding: 'same' },
      { type: 'globalMaxPooling1d' },
      { type: 'dense', units: CLASSES, activation: 'softmax' },
    ],
  },
  'Embedding, UpSampling1D, ZeroPadding1D, Cropping1D (TF.js: reshapes around the 2-D layers)': {
    inputShape: [7], tokens: VOCAB,
    layers: [
      { type: 'embedding', inputDim: VOCAB, outputDim: 3 },
      { type: 'upSampling1d', size: 2, tfjs: [reshape([7, 1, 3]), { type: 'upSampling2d', size: [2, 1] }, reshape([14, 3])] },
      { type: 'conv1d', filters: 4, kernelSize: 3, activation: 'tanh' }, // [12, 4]
      { type: 'averagePooling1d', poolSize: 3, strides: 1 }, // [10, 4]
      { type: 'zeroPadding1d', padding: [2, 1], tfjs: [reshape([10, 1, 4]), { type: 'zeroPadding2d', padding: [[2, 1], [0, 0]] }, reshape([13, 4])] },
      { type: 'cropping1d', cropping: [1, 3], tfjs: [reshape([13, 1, 4]), { type: 'cropping2d', cropping: [[1, 3], [0, 0]] }, reshape([9, 4])] },
      { type: 'conv1d', filters: 2, kernelSize: 3, strides: 2 },
      { type: 'flatten' },
      { type: 'dense', units: CLASSES, activation: 'softmax' },
    ],
  },
  // Keras' causal padding: (kernelSize − 1)·dilationRate zeros before the first step, then 'valid'.
  "Conv1D 'causal', with strides 2 (TF.js: zeros before the first step, then 'valid')": {
    inputShape: [STEPS, CHANNELS],
    layers: [
      { type: 'conv1d', filters: 4, kernelSize: 4, padding: 'causal', activation: 'tanh', biasInitializer: 'randomNormal',
        tfjs: [reshape([STEPS, 1, CHANNELS]), { type: 'zeroPadding2d', padding: [[3, 0], [0, 0]] }, reshape([STEPS + 3, CHANNELS]),
          { type: 'conv1d', filters: 4, kernelSize: 4, activation: 'tanh', biasInitializer: 'randomNormal' }] },
      { type: 'conv1d', filters: 3, kernelSize: 2, strides: 2, padding: 'causal',
        tfjs: [reshape([STEPS, 1, 4]), { type: 'zeroPadding2d', padding: [[1, 0], [0, 0]] }, reshape([STEPS + 1, 4]), { type: 'conv1d', filters: 3, kernelSize: 2, strides: 2 }] },
      { type: 'flatten' },
      { type: 'dense', units: CLASSES, activation: 'softmax' },
    ],
  },
};

// TF.js 4.22's gradient of resizeNearestNeighbor (UpSampling2D) is wrong after a batch's first sample
// (test/cnn.tfjs.test.js): the spec with up-sampling trains one sample per batch.
const BATCH = { 'Embedding, UpSampling1D, ZeroPadding1D, Cropping1D (TF.js: reshapes around the 2-D layers)': 1 };
for (const [name, spec] of Object.entries(SPECS)) {
  test(`TF.js: ${name} train as in TF.js (SGD and Adam)`, async () => {
    assertAgree(await trainBoth(spec, { batch: BATCH[name] }), `${name}, SGD`);
    assertAgree(await trainBoth(spec, { optimizer: adam, seed: 2, batch: BATCH[name] }), `${name}, Adam`);
  });
}

test("dilated conv1d ('valid', 'same') and 'same' average pooling predict as TF.js (which cannot train them: see above)", () => {
  for (const padding of ['valid', 'same']) {
    const layers = [
      { type: 'conv1d', filters: 3, kernelSize: 3, dilationRate: 2, padding, biasInitializer: 'randomNormal' },
      { type: 'averagePooling1d', poolSize: 3, strides: 2, padding: 'same' },
      { type: 'flatten' },
    ];
    const model = build([STEPS, CHANNELS], layers);
    const tfModel = tf.sequential({ layers: layers.map(({ type, ...options }, i) => tf.layers[type](i ? options : { ...options, inputShape: [STEPS, CHANNELS] })) });
    tfModel.setWeights(model.getWeights().map((w) => tf.tensor(w.values, w.shape)));
    const x = randomArray(2 * STEPS * CHANNELS, 13, -1, 1);
    closeTo(model.predict(x), tf.tidy(() => tfModel.predict(tf.tensor(x, [2, STEPS, CHANNELS])).dataSync().slice()), `dilated ${padding}`);
    model.dispose();
    tfModel.dispose();
  }
});

const closeTo = (actual, expected, what, tol = 1e-5) => {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  assert.ok(worst <= tol, `${what}: off by ${worst}`);
};

/** Our model of a spec's layers (the first with the input shape). */
function build(inputShape, layers, seed = 3) {
  const model = sn.sequential({ seed });
  layers.forEach(({ type, tfjs, ...options }, i) => model.add(sn.layers[type](i ? options : { ...options, inputShape })));
  return model;
}

/** Keras' causal conv1d in float64 from its definition: y[t] = b + Σ_k Σ_c x[t·s + k·d − (K − 1)·d]·w[k][c][f] (x before 0 is 0). */
function causalReference(x, rows, steps, channels, kernel, bias, filters, K, s, d) {
  const out = Math.ceil(steps / s), y = new Float64Array(rows * out * filters);
  for (let r = 0; r < rows; r++)
    for (let t = 0; t < out; t++)
      for (let f = 0; f < filters; f++) {
        let sum = bias[f];
        for (let k = 0; k < K; k++) {
          const i = t * s + k * d - (K - 1) * d;
          if (i >= 0) for (let c = 0; c < channels; c++) sum += x[(r * steps + i) * channels + c] * kernel[(k * channels + c) * filters + f];
        }
        y[(r * out + t) * filters + f] = sum;
      }
  return y;
}

test("causal conv1d predicts as a float64 reference of Keras' definition (strides, dilation, a kernel longer than the input)", () => {
  for (const [steps, K, s, d] of [[STEPS, 3, 1, 2], [STEPS, 4, 3, 1], [3, 3, 1, 2], [8, 1, 2, 1]]) {
    const model = build([steps, CHANNELS], [{ type: 'conv1d', filters: 3, kernelSize: K, strides: s, dilationRate: d, padding: 'causal', biasInitializer: 'randomNormal' }, { type: 'flatten' }]);
    assert.deepEqual(model.layers[0].outShape, [Math.ceil(steps / s), 3]);
    const x = randomArray(2 * steps * CHANNELS, 12, -1, 1);
    const [kernel, bias] = model.getWeights();
    assert.deepEqual(kernel.shape, [K, CHANNELS, 3]);
    closeTo(model.predict(x), causalReference(x, 2, steps, CHANNELS, kernel.values, bias.values, 3, K, s, d), `causal k ${K} s ${s} d ${d} on ${steps} steps`);
    model.dispose();
  }
});

test('token ids as Int32Array, Uint8Array, Uint16Array, Float32Array, Float64Array, arrays and rows of arrays all predict alike', () => {
  const model = build([STEPS], SPECS['Embedding → GlobalAveragePooling1D → Dense'].layers);
  const ids = Int32Array.from({ length: 3 * STEPS }, (_, i) => (i * 5 + 3) % VOCAB);
  const want = model.predict(ids);
  const rows = [0, 1, 2].map((r) => Array.from(ids.subarray(r * STEPS, (r + 1) * STEPS)));
  for (const x of [Uint8Array.from(ids), Uint16Array.from(ids), Float32Array.from(ids), Float64Array.from(ids), Array.from(ids), rows])
    assert.deepEqual(model.predict(x), want, x.constructor.name);
  // each row's output is the mean of its ids' rows of the table, through the dense layer
  const [table] = model.getWeights();
  const mean = new Float64Array(6);
  for (const id of rows[1]) for (let j = 0; j < 6; j++) mean[j] += table.values[id * 6 + j] / STEPS;
  const [kernel, bias] = model.getWeights().slice(1);
  const logits = [0, 1, 2].map((k) => bias.values[k] + mean.reduce((acc, m, j) => acc + m * kernel.values[j * CLASSES + k], 0));
  const soft = logits.map((l) => Math.exp(l) / logits.reduce((acc, v) => acc + Math.exp(v), 0));
  closeTo(want.subarray(CLASSES, 2 * CLASSES), soft, 'embedding → mean → dense by hand');
  model.dispose();
});

test('bad token ids are Errors naming the layer, the id and its row and position, before anything trains', async () => {
  const model = build([STEPS], SPECS['Embedding → Flatten → Dense'].layers);
  model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
  const before = model.getWeights();
  const good = Int32Array.from({ length: 4 * STEPS }, (_, i) => i % VOCAB), y = sn.data.oneHot([0, 1, 2, 0], CLASSES);
  const cases = [[VOCAB, /x row 2, position 3: token id 13 is not a row of embedding "embedding" \(inputDim 13\): ids must be integers in \[0, 13\)/],
    [-1, /token id -1 is not a row/], [2.5, /token id 2.5 is not a row/], [NaN, /token id NaN is not a row/], [1 + 1e-9, /token id 1.000000001 is not a row/]];
  for (const [id, message] of cases) {
    const x = Float64Array.from(good);
    x[2 * STEPS + 3] = id;
    await assert.rejects(model.fit(x, y, { epochs: 1 }), message, `fit with id ${id}`);
    assert.throws(() => model.predict(x), message, `predict with id ${id}`);
    assert.throws(() => model.evaluate(Array.from(x), y), message, `evaluate with id ${id}`);
  }
  assert.throws(() => model.predict([[...good.subarray(0, STEPS - 1)]]), /x row 0 has 10 values, expected 11 \(token ids for embedding embedding: samples of shape \[11\]\)/);
  assert.throws(() => model.predict(good.subarray(0, 2 * STEPS - 1)), /not a whole number of rows of 11 \(token ids for embedding embedding/);
  assert.deepEqual(model.getWeights(), before, 'the model is unchanged');
  model.dispose();
});

test('functional: ids are checked through a reshape; ids computed by layers read zeros and are reported after the call', async () => {
  const ids = sn.input({ shape: [2, 3], name: 'ids' }), other = sn.input({ shape: [4], name: 'other' });
  const flat = sn.layers.reshape({ targetShape: [6] }).apply(ids);
  const embedded = sn.layers.embedding({ inputDim: 5, outputDim: 2, name: 'tokens' }).apply(flat);
  const computed = sn.layers.embedding({ inputDim: 3, outputDim: 2, name: 'computed' }).apply(sn.layers.dense({ units: 2, kernelInitializer: 'zeros', biasInitializer: { name: 'constant', value: 7 } }).apply(other));
  const pooled = [embedded, computed].map((t) => sn.layers.globalAveragePooling1d().apply(t));
  const out = sn.layers.dense({ units: 2, activation: 'softmax' }).apply(sn.layers.concatenate().apply(pooled));
  const model = sn.model({ inputs: [ids, other], outputs: out });
  assert.deepEqual(embedded.shape, [null, 6, 2]);
  const x = { ids: [[0, 1, 2, 3, 4, 5]], other: [[1, 2, 3, 4]] };
  assert.throws(() => model.predict(x), /x\[0\] \(ids\) row 0, position 5: token id 5 is not a row of embedding "tokens" \(inputDim 5\)/);
  x.ids[0][5] = 4;
  // the dense layer makes ids 7: the embedding "computed" reads zeros for them and the call reports it
  assert.throws(() => model.predict(x), /embedding "computed" got token id 7 at position 0 of a sample, which is not a row of its table \(inputDim 3\)/);
  model.dispose();
});

test('layer errors name the layer: a kernel or window longer than the sequence, wrong ranks, maskZero, bad options', () => {
  assert.throws(() => sn.sequential({ layers: [sn.layers.conv1d({ filters: 2, kernelSize: 5, dilationRate: 3, inputShape: [12, 2] })] }),
    /conv1d \(Conv1D\): its kernel of 5 \(dilated 3: 13 steps\) is longer than its input of shape \(None, 12, 2\) with padding 'valid'/);
  assert.throws(() => sn.sequential({ layers: [sn.layers.maxPooling1d({ poolSize: 4, inputShape: [3, 2] })] }),
    /max_pooling1d \(MaxPooling1D\): its window of 4 is longer than its input of shape \(None, 3, 2\)/);
  assert.throws(() => sn.sequential({ layers: [sn.layers.conv1d({ filters: 2, kernelSize: 2, inputShape: [4, 4, 1] })] }),
    /conv1d \(Conv1D\): expects sequences of shape \[steps, channels\], got an input of shape \(None, 4, 4, 1\)/);
  assert.throws(() => sn.sequential({ layers: [sn.layers.cropping1d({ cropping: [2, 2], inputShape: [4, 1] })] }), /cropping1d \(Cropping1D\): its cropping \[2,2\] leaves nothing/);
  assert.doesNotThrow(() => sn.sequential({ layers: [sn.layers.conv1d({ filters: 2, kernelSize: 5, padding: 'causal', inputShape: [3, 2] })] }).dispose());
  assert.throws(() => sn.sequential({ layers: [sn.layers.embedding({ inputDim: 10, outputDim: 3, maskZero: true, inputShape: [4] }), sn.layers.zeroPadding1d()] }),
    /zero_padding1d \(ZeroPadding1D\) does not support masking, but its input carries the mask made by embedding \(Embedding with maskZero\)/);
  assert.throws(() => sn.layers.embedding({ inputDim: 2 ** 24 + 1, outputDim: 3 }), /embedding inputDim must be an integer in \[1, 16777216\]/);
  assert.throws(() => sn.layers.embedding({ inputDim: 10, outputDim: 3, inputLength: 4, inputShape: [5] }), /inputLength 4 does not match inputShape \[5\]/);
  assert.throws(() => sn.layers.conv1d({ filters: 2, kernelSize: [2, 2] }), /conv1d kernelSize must be a positive integer or \[integer\], got \[2,2\]/);
  assert.throws(() => sn.layers.conv1d({ filters: 2, kernelSize: 2, strides: 2, dilationRate: 2 }), /strides 2 > 1 together with dilationRate 2/);
  assert.throws(() => sn.layers.conv2d({ filters: 2, kernelSize: 2, padding: 'causal' }), /conv2d padding must be 'valid' or 'same', got "causal"/);
  assert.throws(() => sn.layers.maxPooling1d({ padding: 'causal' }), /maxPooling1d padding must be 'valid' or 'same'/);
  assert.throws(() => sn.layers.zeroPadding1d({ padding: [1, 2, 3] }), /zeroPadding1d padding must be an integer or \[left, right\]/);
});

test('the first layer takes inputLength (TF.js\' legacy option) as its input shape, and sizes are as Keras gives them', () => {
  const model = sn.sequential({ layers: [
    sn.layers.embedding({ inputDim: 20, outputDim: 8, inputLength: 9 }),
    sn.layers.conv1d({ filters: 6, kernelSize: 3, padding: 'causal' }),
    sn.layers.averagePooling1d({}),
    sn.layers.zeroPadding1d({}),
    sn.layers.upSampling1d({ size: 3 }),
    sn.layers.cropping1d({}),
    sn.layers.globalAveragePooling1d(),
  ] });
  assert.deepEqual(model.layers.map((l) => l.outShape), [[9, 8], [9, 6], [4, 6], [6, 6], [18, 6], [16, 6], [6]]);
  assert.deepEqual(model.getWeights().map((w) => [w.name, w.shape]), [['embedding/embeddings', [20, 8]], ['conv1d/kernel', [3, 8, 6]], ['conv1d/bias', [6]]]);
  const [table] = model.getWeights();
  assert.ok(table.values.every((v) => v >= -0.05 && v <= 0.05) && table.values.some((v) => Math.abs(v) > 0.04), 'randomUniform(-0.05, 0.05)');
  model.dispose();
});

test('toTfjs: tf.loadLayersModel reads Embedding, Conv1D and the 1-D pooling layers and predicts as we do; fromTfjs reads them back', async () => {
  for (const name of ['Embedding → Flatten → Dense', 'Conv1D valid, same, strides 2 → MaxPooling1D → Flatten → Dense', 'AveragePooling1D, GlobalMaxPooling1D']) {
    const { inputShape, tokens, layers } = SPECS[name];
    const model = build(inputShape, layers);
    model.setWeights(model.getWeights().map(({ values }, i) => randomArray(values.length, 40 + i, -0.5, 0.5)));
    const n = 3 * inputShape.reduce((a, b) => a * b, 1);
    const x = tokens ? Int32Array.from({ length: n }, (_, i) => (i * 7) % tokens) : randomArray(n, 7, -1, 1);
    const { modelJson, weightsBin } = model.toTfjs();
    const weightSpecs = modelJson.weightsManifest.flatMap((g) => g.weights);
    const tfModel = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs, weightData: weightsBin }));
    const want = model.predict(x);
    closeTo(tf.tidy(() => tfModel.predict(tf.tensor(x, [3, ...inputShape], tokens ? 'int32' : 'float32')).dataSync().slice()), want, `${name} in TF.js`);
    const back = sn.fromTfjs(JSON.parse(JSON.stringify(modelJson)), weightsBin);
    assert.deepEqual(back.layers.map((l) => l.type), model.layers.map((l) => l.type));
    closeTo(back.predict(x), want, `${name} back from TF.js`, 0);
    tfModel.dispose();
    back.dispose();
    model.dispose();
  }
  const causal = build([STEPS, CHANNELS], SPECS["Conv1D 'causal', with strides 2 (TF.js: zeros before the first step, then 'valid')"].layers);
  assert.throws(() => causal.toTfjs(), /toTfjs: conv1d conv1d has padding 'causal', which TF.js 4.22's Conv1D does not run/);
  const keras = build([7], SPECS['Embedding, UpSampling1D, ZeroPadding1D, Cropping1D (TF.js: reshapes around the 2-D layers)'].layers);
  assert.throws(() => keras.toTfjs(), /toTfjs: layer up_sampling1d is a UpSampling1D layer, which TensorFlow.js 4.22 does not have/);
  causal.dispose();
  keras.dispose();
});

test('fromTfjs: a TF.js-saved model with Embedding, Conv1D and 1-D pooling imports and predicts as TF.js', async () => {
  const tfModel = tf.sequential({ layers: [
    tf.layers.embedding({ inputDim: VOCAB, outputDim: 4, inputLength: STEPS }),
    tf.layers.conv1d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' }),
    tf.layers.averagePooling1d({ poolSize: 2 }),
    tf.layers.conv1d({ filters: 2, kernelSize: 2, dilationRate: 2 }),
    tf.layers.globalMaxPooling1d(),
    tf.layers.dense({ units: 2 }),
  ] });
  const { modelJson, weightsBin } = await savedByTfjs(tfModel);
  const model = sn.fromTfjs(modelJson, weightsBin);
  const x = Int32Array.from({ length: 2 * STEPS }, (_, i) => (i * 3 + 1) % VOCAB);
  closeTo(model.predict(x), tf.tidy(() => tfModel.predict(tf.tensor(x, [2, STEPS], 'int32')).dataSync().slice()), 'from TF.js');
  assert.deepEqual(model.layers.map((l) => l.type), tfModel.layers.map((l) => l.getClassName()));
  model.dispose();
  tfModel.dispose();
});

test("fromTfjs: Keras 3's UpSampling1D, ZeroPadding1D, Cropping1D, GlobalAveragePooling1D and Embedding configs import", () => {
  const layer = (className, config) => ({ class_name: className, config: { name: `${className.toLowerCase()}`, trainable: true, dtype: 'float32', ...config } });
  const modelJson = {
    modelTopology: { class_name: 'Sequential', config: { name: 's', layers: [
      { class_name: 'InputLayer', config: { batch_shape: [null, 6], dtype: 'int32', name: 'in' } },
      layer('Embedding', { input_dim: 9, output_dim: 2, embeddings_initializer: { class_name: 'RandomUniform', config: { minval: -0.05, maxval: 0.05, seed: null } },
        embeddings_regularizer: null, activity_regularizer: null, embeddings_constraint: null, mask_zero: false, quantization_config: null }),
      layer('ZeroPadding1D', { padding: [1, 2], data_format: 'channels_last' }),
      layer('UpSampling1D', { size: 2 }),
      layer('Cropping1D', { cropping: [3, 1] }),
      layer('GlobalAveragePooling1D', { data_format: 'channels_last', keepdims: false }),
    ] } },
    weightsManifest: [{ paths: ['w.bin'], weights: [{ name: 'embedding/embeddings', shape: [9, 2], dtype: 'float32' }] }],
  };
  const table = randomArray(18, 3, -1, 1);
  const model = sn.fromTfjs(modelJson, table);
  assert.deepEqual(model.layers.map((l) => [l.type, l.outShape]), [['Embedding', [6, 2]], ['ZeroPadding1D', [9, 2]], ['UpSampling1D', [18, 2]], ['Cropping1D', [14, 2]], ['GlobalAveragePooling1D', [2]]]);
  // ids 0…5: padded (one zero row before, two after), each step twice, 3 cut before and 1 after, averaged
  const rows = [null, 0, 1, 2, 3, 4, 5, null, null].flatMap((id) => [id, id]).slice(3, -1);
  const want = [0, 1].map((j) => rows.reduce((acc, id) => acc + (id === null ? 0 : table[id * 2 + j]), 0) / rows.length);
  closeTo(model.predict([[0, 1, 2, 3, 4, 5]]), want, 'by hand');
  modelJson.modelTopology.config.layers[1].config.mask_zero = true;
  assert.throws(() => sn.fromTfjs(modelJson, table), /zeropadding1d \(ZeroPadding1D\) does not support masking/); // Keras 3 would drop the mask
  model.dispose();
});

test('model file: save and load keep every option and weight of Embedding and the 1-D layers', () => {
  for (const name of ['Embedding, UpSampling1D, ZeroPadding1D, Cropping1D (TF.js: reshapes around the 2-D layers)', "Conv1D 'causal', with strides 2 (TF.js: zeros before the first step, then 'valid')", 'AveragePooling1D, GlobalMaxPooling1D']) {
    const { inputShape, tokens, layers } = SPECS[name];
    const model = build(inputShape, layers.map((l, i) => (i === 0 ? { ...l, ...(tokens ? { embeddingsRegularizer: { l2: 0.01 }, inputLength: inputShape[0] } : { kernelRegularizer: { l1: 0.02 } }) } : l)));
    const n = 2 * inputShape.reduce((a, b) => a * b, 1);
    const x = tokens ? Int32Array.from({ length: n }, (_, i) => (i * 5) % tokens) : randomArray(n, 9, -1, 1);
    const back = sn.loadModel(model.save());
    const config = (l) => KINDS[l.type].config(l, false);
    assert.deepEqual(back.layers.map(config), model.layers.map(config), `${name}: every option of every layer`);
    closeTo(back.predict(x), model.predict(x), `${name}: loaded`, 0);
    model.dispose();
    back.dispose();
  }
});
