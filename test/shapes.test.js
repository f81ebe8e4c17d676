// The spatial shape layers — zeroPadding2d, cropping2d, upSampling2d — against
// TensorFlow.js (@tensorflow/tfjs, cpu backend) and Keras' definitions; and
// pooling's 'same' padding against TF.js' forward pass. Training through them
// is compared with TF.js in test/cnn.tfjs.test.js, gradients by finite
// differences in test/cnn.gradients.test.js and test/c/test_layers.c.
//
// 'bilinear' up-sampling follows Keras (TensorFlow's resize: half-pixel
// centers), which TF.js 4.22's UpSampling2D does not (it resizes with
// halfPixelCenters false): it is checked against Keras' equations in double
// and TF.js' resizeBilinear with halfPixelCenters true, and the difference
// from TF.js' layer is pinned down so it is not forgotten.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import * as sn from '../web/index.js';
import { randomArray } from './support/models.js';
import { savedByTfjs } from './support/tfjs-saved.js';

await tf.setBackend('cpu');
await sn.ready();

const L = sn.layers;
const sizeOf = (shape) => shape.reduce((a, b) => a * b, 1);
const bits = (floats) => Array.from(new Uint32Array(Float32Array.from(floats).buffer));

function worstDifference(a, b) {
  assert.equal(a.length, b.length, 'lengths');
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

/** One layer on images of inputShape, flattened, in simdnet: its predictions of x. */
function ours(layer, inputShape, x) {
  const model = sn.sequential({ layers: [layer, L.flatten()] });
  const out = model.predict(x);
  const shape = model.layers[0].outShape;
  model.dispose();
  return { out, shape };
}

/** The same in TF.js: a tf.layers layer on images of inputShape. */
function theirs(layer, inputShape, x) {
  const model = tf.sequential({ layers: [tf.layers.inputLayer({ inputShape }), layer, tf.layers.flatten()] });
  const shape = model.layers[1].outputShape.slice(1); // layers[0] is the InputLayer
  const out = tf.tidy(() => model.predict(tf.tensor(x, [x.length / sizeOf(inputShape), ...inputShape])).dataSync().slice());
  model.dispose();
  return { out, shape };
}

test('zeroPadding2d and cropping2d in their three forms copy exactly what TF.js copies', () => {
  const inputShape = [5, 7, 3], x = randomArray(3 * 105, 1);
  const forms = [1, [2, 0], [[0, 1], [0, 1]], [[3, 0], [1, 2]], 0];
  for (const padding of forms) {
    const got = ours(L.zeroPadding2d({ padding, inputShape }), inputShape, x);
    const want = theirs(tf.layers.zeroPadding2d({ padding }), inputShape, x);
    assert.deepEqual(got.shape, want.shape, `padding ${JSON.stringify(padding)}`);
    assert.deepEqual(bits(got.out), bits(want.out), `padding ${JSON.stringify(padding)}`);
  }
  for (const cropping of forms) {
    const got = ours(L.cropping2d({ cropping, inputShape }), inputShape, x);
    const want = theirs(tf.layers.cropping2D({ cropping }), inputShape, x);
    assert.deepEqual(got.shape, want.shape, `cropping ${JSON.stringify(cropping)}`);
    assert.deepEqual(bits(got.out), bits(want.out), `cropping ${JSON.stringify(cropping)}`);
  }
  assert.deepEqual(ours(L.zeroPadding2d({ inputShape }), inputShape, x).shape, [7, 9, 3], 'padding 1 by default (Keras)');
  assert.deepEqual(ours(L.cropping2d({ inputShape }), inputShape, x).shape, [5, 7, 3], 'cropping 0 by default (Keras)');
});

test("upSampling2d 'nearest' repeats rows and columns exactly as TF.js", () => {
  for (const [inputShape, size] of [[[5, 3, 2], [2, 2]], [[3, 7, 1], [3, 1]], [[4, 5, 3], [1, 3]], [[7, 5, 2], [3, 3]], [[2, 2, 5], undefined], [[3, 4, 2], [1, 1]]]) {
    const x = randomArray(2 * sizeOf(inputShape), 2);
    const got = ours(L.upSampling2d({ size, inputShape }), inputShape, x);
    const want = theirs(tf.layers.upSampling2d({ size }), inputShape, x);
    assert.deepEqual(got.shape, want.shape, `size ${size}`);
    assert.deepEqual(bits(got.out), bits(want.out), `input ${inputShape}, size ${size}`);
  }
});

/**
 * Keras' bilinear resize by integer factors, in double, from its NumPy backend
 * (keras/src/backend/numpy/image.py, _compute_weight_mat): output o samples
 * the input at s = (o + ½)/f − ½; input cell i weighs max(0, 1 − |s − i|), the
 * weights normalized over the cells that exist. (TensorFlow's kernel, which
 * Keras' TensorFlow backend runs, computes the same with clamped indices.)
 */
function kerasBilinear(x, [rows, h, w, c], [fh, fw]) {
  const weights = (n, f) => Array.from({ length: n * f }, (_, o) => {
    const s = (o + 0.5) / f - 0.5, raw = Array.from({ length: n }, (_, i) => Math.max(0, 1 - Math.abs(s - i)));
    const sum = raw.reduce((a, b) => a + b, 0);
    return raw.map((v) => v / sum);
  });
  const wy = weights(h, fh), wx = weights(w, fw), out = new Float64Array(rows * h * fh * w * fw * c);
  let k = 0;
  for (let r = 0; r < rows; r++)
    for (let oy = 0; oy < h * fh; oy++)
      for (let ox = 0; ox < w * fw; ox++)
        for (let ch = 0; ch < c; ch++, k++)
          for (let i = 0; i < h; i++)
            for (let j = 0; j < w; j++) out[k] += wy[oy][i] * wx[ox][j] * x[((r * h + i) * w + j) * c + ch];
  return out;
}

test("upSampling2d 'bilinear' is Keras' (half-pixel centers): Keras' equations in double, TF.js' resizeBilinear with halfPixelCenters; not TF.js' UpSampling2D", () => {
  for (const [inputShape, size] of [[[4, 3, 2], [2, 2]], [[3, 5, 1], [3, 2]], [[1, 4, 3], [1, 2]], [[5, 5, 2], [1, 3]]]) {
    const rows = 2, x = randomArray(rows * sizeOf(inputShape), 3);
    const got = ours(L.upSampling2d({ size, interpolation: 'bilinear', inputShape }), inputShape, x).out;
    const what = `input ${inputShape}, size ${size}`;
    assert.ok(worstDifference(got, kerasBilinear(x, [rows, ...inputShape], size)) <= 1e-6, `${what}: Keras' equations`);
    const outSize = [inputShape[0] * size[0], inputShape[1] * size[1]];
    const halfPixel = tf.tidy(() => tf.image.resizeBilinear(tf.tensor(x, [rows, ...inputShape]), outSize, false, true).dataSync().slice());
    assert.ok(worstDifference(got, halfPixel) <= 1e-6, `${what}: tf.image.resizeBilinear(…, alignCorners false, halfPixelCenters true)`);
    // TF.js' layer: resizeBilinear with its defaults (no half-pixel centers), which shifts the image by ¼ of an input cell for a factor of 2.
    const tfjsLayer = theirs(tf.layers.upSampling2d({ size, interpolation: 'bilinear' }), inputShape, x).out;
    const legacy = tf.tidy(() => tf.image.resizeBilinear(tf.tensor(x, [rows, ...inputShape]), outSize).dataSync().slice());
    assert.deepEqual(bits(tfjsLayer), bits(legacy), `${what}: TF.js' UpSampling2D is resizeBilinear without half-pixel centers`);
    assert.ok(worstDifference(got, tfjsLayer) > 0.01, `${what}: and so differs from Keras'`);
  }
});

test("pooling with 'same' padding computes what TF.js does (average: over the cells inside): strides 1 and 2, odd sizes", () => {
  const cases = [
    [[7, 5, 3], 3, 1], [[7, 5, 3], 3, 2], [[5, 6, 2], 2, 1], [[5, 6, 2], 2, 2], [[9, 7, 1], [3, 2], [2, 1]], [[4, 3, 5], 5, 2], [[3, 3, 2], 2, 3],
  ];
  for (const [inputShape, poolSize, strides] of cases) {
    const x = randomArray(3 * sizeOf(inputShape), 4);
    for (const [mine, tfjs] of [[L.maxPooling2d, tf.layers.maxPooling2d], [L.averagePooling2d, tf.layers.averagePooling2d]]) {
      const got = ours(mine({ poolSize, strides, padding: 'same', inputShape }), inputShape, x);
      const want = theirs(tfjs({ poolSize, strides, padding: 'same' }), inputShape, x);
      assert.deepEqual(got.shape, want.shape);
      assert.ok(worstDifference(got.out, want.out) <= 1e-6, `${mine.name} ${inputShape} pool ${poolSize} strides ${strides}`);
    }
  }
});

/** A Sequential with the three layers (MobileNetV2's stem padding among them) between convolutions. */
function shapesModel(interpolation = 'nearest') {
  const model = sn.sequential({ seed: 4, name: 'shapes' });
  model.add(L.zeroPadding2d({ padding: [[0, 1], [0, 1]], inputShape: [7, 7, 2] }));
  model.add(L.conv2d({ filters: 3, kernelSize: 3, strides: 2, activation: 'relu' }));
  model.add(L.upSampling2d({ size: [2, 3], interpolation }));
  model.add(L.cropping2d({ cropping: [[1, 0], [2, 1]] }));
  model.add(L.zeroPadding2d({ padding: 0 }));
  model.add(L.conv2d({ filters: 2, kernelSize: 2, activation: 'tanh' }));
  model.add(L.flatten());
  model.add(L.dense({ units: 3, activation: 'softmax' }));
  return model;
}

test('model files: the three layers come back with their options and predict bit-identically', () => {
  for (const interpolation of ['nearest', 'bilinear']) {
    const model = shapesModel(interpolation);
    const x = randomArray(4 * 98, 5);
    const copy = sn.loadModel(model.save());
    assert.equal(copy.summary(), model.summary());
    assert.deepEqual(copy.layers.map((l) => [l.type, l.padding, l.cropping, l.size, l.interpolation]), model.layers.map((l) => [l.type, l.padding, l.cropping, l.size, l.interpolation]));
    assert.equal(copy.layers[2].interpolation, interpolation);
    assert.deepEqual(bits(copy.predict(x)), bits(model.predict(x)));
    model.dispose();
    copy.dispose();
  }
});

test('toTfjs: tf.loadLayersModel reads the three layers and predicts the same; fromTfjs reads them back', async () => {
  const model = shapesModel();
  const x = randomArray(4 * 98, 6);
  const { modelJson, weightsBin } = model.toTfjs();
  const json = JSON.parse(JSON.stringify(modelJson));
  const layers = json.modelTopology.config.layers;
  assert.deepEqual(layers.slice(0, 5).map((l) => [l.class_name, l.class_name === 'Conv2D' ? null : l.config.padding ?? l.config.cropping ?? l.config.size]), [
    ['ZeroPadding2D', [[0, 1], [0, 1]]], ['Conv2D', null], ['UpSampling2D', [2, 3]], ['Cropping2D', [[1, 0], [2, 1]]], ['ZeroPadding2D', [[0, 0], [0, 0]]],
  ]);
  const tfModel = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData: weightsBin }));
  assert.deepEqual(tfModel.layers.map((l) => l.getClassName()).slice(0, 5), ['ZeroPadding2D', 'Conv2D', 'UpSampling2D', 'Cropping2D', 'ZeroPadding2D']);
  const expected = tf.tidy(() => tfModel.predict(tf.tensor(x, [4, 7, 7, 2])).dataSync().slice());
  assert.ok(worstDifference(model.predict(x), expected) <= 1e-6);
  tfModel.dispose();
  const back = sn.fromTfjs(json, weightsBin);
  assert.equal(back.summary(), model.summary());
  assert.deepEqual(bits(back.predict(x)), bits(model.predict(x)));
  model.dispose();
  back.dispose();
});

test('fromTfjs: a functional model saved by TF.js with the three layers (integer and pair forms) predicts as TF.js', async () => {
  const input = tf.input({ shape: [6, 5, 3] });
  const a = tf.layers.zeroPadding2d({ padding: [1, 2] }).apply(input);
  const b = tf.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'tanh' }).apply(a);
  const c = tf.layers.upSampling2d({ size: [2, 2] }).apply(b);
  const d = tf.layers.cropping2D({ cropping: 1 }).apply(c);
  const e = tf.layers.cropping2D({ cropping: [1, 2] }).apply(b);
  const f = tf.layers.upSampling2d({ size: [2, 4] }).apply(e);
  const g = tf.layers.globalAveragePooling2d({}).apply(tf.layers.concatenate().apply([d, tf.layers.zeroPadding2d({ padding: [[1, 1], [0, 0]] }).apply(f)]));
  const tfModel = tf.model({ inputs: input, outputs: tf.layers.dense({ units: 2 }).apply(g) });
  const x = randomArray(3 * 90, 7);
  const expected = tf.tidy(() => tfModel.predict(tf.tensor(x, [3, 6, 5, 3])).dataSync().slice());
  const { modelJson, weightsBin } = await savedByTfjs(tfModel);
  tfModel.dispose();
  const model = sn.fromTfjs(JSON.stringify(modelJson), weightsBin);
  const borders = model.layers.filter((l) => /Padding|Cropping/.test(l.type)).map((l) => `${l.type} ${JSON.stringify(l.padding ?? l.cropping)}`);
  assert.deepEqual(borders.sort(), ['Cropping2D [[1,1],[1,1]]', 'Cropping2D [[1,1],[2,2]]', 'ZeroPadding2D [[1,1],[0,0]]', 'ZeroPadding2D [[1,1],[2,2]]']);
  assert.deepEqual(model.layers.filter((l) => l.type === 'UpSampling2D').map((l) => `${l.size}`).sort(), ['2,2', '2,4']);
  assert.ok(worstDifference(model.predict(x), expected) <= 1e-5);
  // And out again as a Functional, which TF.js loads to the same predictions.
  const back = model.toTfjs();
  const json = JSON.parse(JSON.stringify(back.modelJson));
  assert.equal(json.modelTopology.class_name, 'Functional');
  const again = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData: back.weightsBin }));
  assert.ok(worstDifference(tf.tidy(() => again.predict(tf.tensor(x, [3, 6, 5, 3])).dataSync().slice()), expected) <= 1e-5);
  again.dispose();
  model.dispose();
});

test("fromTfjs: Keras 3's configs of the three layers (tuples as lists, interpolation 'bilinear') import; unsupported options are refused naming the layer", () => {
  const layer = (class_name, config) => ({ class_name, config: { name: config.name, trainable: true, dtype: 'float32', data_format: 'channels_last', ...config } });
  const json = (extra) => ({
    format: 'layers-model',
    modelTopology: { class_name: 'Sequential', config: { name: 'k3', layers: [
      { class_name: 'InputLayer', config: { name: 'input', batch_shape: [null, 4, 4, 1], dtype: 'float32', sparse: false } },
      layer('ZeroPadding2D', { name: 'pad', padding: [[0, 1], [0, 1]] }),
      layer('UpSampling2D', { name: 'up', size: [2, 2], interpolation: 'bilinear' }),
      layer('Cropping2D', { name: 'crop', cropping: [[1, 1], [2, 2]] }),
      ...extra,
      layer('Flatten', { name: 'flatten' }),
    ] } },
    weightsManifest: [{ paths: [], weights: [] }],
  });
  const model = sn.fromTfjs(json([]), new ArrayBuffer(0));
  assert.deepEqual(model.layers.map((l) => [l.name, l.type, l.outShape]), [['pad', 'ZeroPadding2D', [5, 5, 1]], ['up', 'UpSampling2D', [10, 10, 1]], ['crop', 'Cropping2D', [8, 6, 1]], ['flatten', 'Flatten', [48]]]);
  const x = randomArray(2 * 16, 8);
  const xs = Array.from(x), padded = [];
  for (let r = 0; r < 2; r++) for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) padded.push(i < 4 && j < 4 ? xs[(r * 4 + i) * 4 + j] : 0);
  const want = kerasBilinear(padded, [2, 5, 5, 1], [2, 2]).filter((_, k) => {
    const y = Math.floor(k / 10) % 10, xx = k % 10;
    return y >= 1 && y < 9 && xx >= 2 && xx < 8;
  });
  assert.ok(worstDifference(model.predict(x), want) <= 1e-6, "Keras' bilinear");
  model.dispose();
  const heap = sn.heapBytes();
  const refused = [
    [[layer('UpSampling2D', { name: 'up2', size: [1, 1], interpolation: 'bicubic' })], /layer 4 \(UpSampling2D "up2"\): upSampling2d interpolation must be 'nearest' or 'bilinear', got "bicubic"/],
    [[layer('Cropping2D', { name: 'crop2', cropping: [[4, 4], [0, 0]] })], /layer 4 \(Cropping2D "crop2"\): its cropping \[\[4,4\],\[0,0\]\] leaves nothing of an input of shape \(None, 8, 6, 1\)/],
    [[layer('ZeroPadding2D', { name: 'pad2', padding: [[0, -1], [0, 0]] })], /layer 4 \(ZeroPadding2D "pad2"\): zeroPadding2d padding must be an integer in \[0, 268435456\], got -1/],
    [[layer('ZeroPadding2D', { name: 'pad3', padding: 1, data_format: 'channels_first' })], /layer 4 \(ZeroPadding2D "pad3"\): zeroPadding2d: dataFormat 'channelsFirst' is not supported/],
  ];
  for (const [extra, message] of refused) assert.throws(() => sn.fromTfjs(json(extra), new ArrayBuffer(0)), message);
  assert.equal(sn.heapBytes(), heap);
});
