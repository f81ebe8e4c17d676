// Transfer learning on a real pretrained network: npm nsfwjs' MobileNetV2
// (Keras 2.2.4, 162 layers, uint8-quantized; test/support/nsfwjs.js), with
// TensorFlow.js 4.22 (cpu backend) as the oracle wherever it computes the same
// thing. The images are digits of the bundled MNIST set, scaled up to
// 224×224×3 (nearest) in MobileNetV2's range −1…1: generic image features at
// `flatten_1` separate them.
//
// - imported as shipped, its predictions agree with TF.js' within 2e-4 and its
//   features within 1e-3 of their largest value;
// - a new head on the frozen network (Keras' recipe: freeze, cut at the
//   features, apply a head) trains as a TF.js head trained on TF.js' own
//   inference-mode features (TF.js' fit would use batch statistics in the
//   frozen batch norms; Keras and simdnet do not);
// - fine-tuning the last 30 layers leaves every frozen weight and moving
//   statistic bit for bit as it was, and moves the others;
// - sn.applications.mobileNetV2 has Keras' parameter counts, and the
//   pretrained weights load into it by name and give the same features.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import * as sn from '../web/index.js';
import { nsfwjsArtifacts, nsfwjsMobileNetV2 } from './support/nsfwjs.js';

await tf.setBackend('cpu');
await sn.ready();

const SIZE = 224, PIXELS = SIZE * SIZE * 3, CLASSES = 3, PER_CLASS = 2;

/** n digits of classes 0…CLASSES−1 (in turn) as 224×224×3 images in −1…1, and their one-hot labels. */
async function digitImages(n) {
  const { images, labels } = await sn.data.loadMnistDigits();
  const x = new Float32Array(n * PIXELS), y = new Float32Array(n * CLASSES);
  for (let i = 0, k = 0; k < n; i++) {
    if (labels[i] !== k % CLASSES) continue;
    for (let r = 0; r < SIZE; r++)
      for (let c = 0; c < SIZE; c++) {
        const v = images[i * 784 + Math.floor((r * 28) / SIZE) * 28 + Math.floor((c * 28) / SIZE)] * 2 - 1;
        x.fill(v, k * PIXELS + (r * SIZE + c) * 3, k * PIXELS + (r * SIZE + c) * 3 + 3);
      }
    y[k * CLASSES + (k % CLASSES)] = 1;
    k++;
  }
  return { x, y, n };
}

function loadBoth() {
  const { modelJson, weights } = nsfwjsMobileNetV2();
  return { ours: sn.fromTfjs(modelJson, weights), theirs: tf.loadLayersModel(tf.io.fromMemory(nsfwjsArtifacts())) };
}

const maxAbs = (a) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const maxDiff = (a, b) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
/** The model from the input to an inner layer's output (Keras' feature extractor), in either library. */
const featuresOf = (lib, model, name) => lib.model({ inputs: model.inputs, outputs: model.getLayer(name).output });

test('MobileNetV2 imported as shipped predicts as TF.js does; its features too', async () => {
  const { ours, theirs } = loadBoth();
  const tfModel = await theirs;
  const { x, n } = await digitImages(CLASSES);
  const tx = tf.tensor4d(x, [n, SIZE, SIZE, 3]);
  assert.equal(ours.layers.length, tfModel.layers.length);
  const p = ours.predict(x), q = tfModel.predict(tx).dataSync();
  assert.ok(maxDiff(p, q) <= 2e-4, `predictions differ by ${maxDiff(p, q)}`);
  const f = featuresOf(sn, ours, 'flatten_1').predict(x), g = featuresOf(tf, tfModel, 'flatten_1').predict(tx).dataSync();
  assert.equal(f.length, n * 1280);
  assert.ok(maxDiff(f, g) <= 1e-3 * maxAbs(g), `features differ by ${maxDiff(f, g)} (largest ${maxAbs(g)})`);
  ours.dispose();
  tx.dispose();
});

test('a head trained on the frozen MobileNetV2 learns as a TF.js head on TF.js\' inference-mode features', async () => {
  const { modelJson, weights } = nsfwjsMobileNetV2();
  const base = sn.fromTfjs(modelJson, weights);
  base.trainable = false; // Keras: base_model.trainable = False
  const head = sn.layers.dense({ units: CLASSES, activation: 'softmax', name: 'head' });
  const model = sn.model({ inputs: base.inputs, outputs: head.apply(base.getLayer('flatten_1').output) });

  const tfBase = await tf.loadLayersModel(tf.io.fromMemory(nsfwjsArtifacts()));
  const { x, y, n } = await digitImages(CLASSES * PER_CLASS);
  const features = featuresOf(tf, tfBase, 'flatten_1').predict(tf.tensor4d(x, [n, SIZE, SIZE, 3]));
  const tfHead = tf.sequential({ layers: [tf.layers.dense({ units: CLASSES, activation: 'softmax', inputShape: [1280], name: 'head' })] });
  head.setWeights(tfHead.getWeights().map((w) => w.dataSync()));

  // SGD: TF.js' Adam adds epsilon after the bias correction, Keras' before (the convolution tests say more).
  const EPOCHS = 3, BATCH = 3, LR = 0.02;
  model.compile({ optimizer: sn.optimizers.sgd({ learningRate: LR }), loss: 'categoricalCrossentropy' });
  tfHead.compile({ optimizer: tf.train.sgd(LR), loss: 'categoricalCrossentropy' });
  const ours = (await model.fit(x, y, { epochs: EPOCHS, batchSize: BATCH, shuffle: false })).history.loss;
  const theirs = (await tfHead.fit(features, tf.tensor2d(y, [n, CLASSES]), { epochs: EPOCHS, batchSize: BATCH, shuffle: false, verbose: 0 })).history.loss;
  ours.forEach((l, e) => assert.ok(Math.abs(l - theirs[e]) <= 1e-4 * Math.abs(theirs[e]), `epoch ${e}: loss ${l} vs TF.js ${theirs[e]}`));
  assert.ok(ours.at(-1) < ours[0], 'the head learns');
  const [kernel, bias] = head.getWeights(), [tk, tb] = tfHead.getWeights().map((w) => w.dataSync());
  assert.ok(maxDiff(kernel.values, tk) <= 2e-4 * maxAbs(tk), `kernel differs by ${maxDiff(kernel.values, tk)}`);
  assert.ok(maxDiff(bias.values, tb) <= 2e-4 * Math.max(maxAbs(tb), 1e-3), `bias differs by ${maxDiff(bias.values, tb)}`);
  model.dispose();
});

test('fine-tuning the last 30 layers leaves the frozen weights and moving statistics bit for bit', async () => {
  const { modelJson, weights } = nsfwjsMobileNetV2();
  const model = sn.fromTfjs(modelJson, weights);
  const tail = new Set(model.layers.slice(-30));
  model.layers.forEach((layer) => (layer.trainable = tail.has(layer)));
  model.compile({ optimizer: sn.optimizers.adam({ learningRate: 1e-4 }), loss: 'categoricalCrossentropy' });
  const before = model.layers.map((layer) => layer.getWeights().map((w) => w.values.slice()));
  const { x, y } = await digitImages(4);
  const padded = new Float32Array(4 * 5);
  for (let i = 0; i < 4; i++) padded.set(y.subarray(i * CLASSES, (i + 1) * CLASSES), i * 5); // its own 5-class head
  const history = (await model.fit(x, padded, { epochs: 2, batchSize: 2, shuffle: false })).history.loss;
  assert.ok(history.every(Number.isFinite));
  let moved = 0;
  model.layers.forEach((layer, i) => layer.getWeights().forEach((w, j) => {
    const same = Buffer.compare(Buffer.from(w.values.buffer, w.values.byteOffset, w.values.byteLength), Buffer.from(before[i][j].buffer)) === 0;
    if (!tail.has(layer)) assert.ok(same, `frozen ${w.name} changed`);
    else moved += !same;
  }));
  assert.ok(moved >= 20, `only ${moved} tensors of the last 30 layers moved`);
  assert.ok(model.trainableWeights.length > 0 && model.nonTrainableWeights.length > 200);
  model.dispose();
});

test('sn.applications.mobileNetV2 has Keras\' parameter counts and takes the pretrained weights by name', async () => {
  const top = sn.applications.mobileNetV2({ seed: 1 });
  assert.equal(top.countParams(), 3538984);
  assert.equal(top.name, 'mobilenetv2_1.00_224');
  top.dispose();
  const features = sn.applications.mobileNetV2({ includeTop: false, pooling: 'avg', seed: 1 });
  assert.equal(features.countParams(), 2257984);
  // nsfwjs' Keras 2.2.4 model pads before Conv1 (Conv1_pad, 'valid'); Keras 3 pads 'same': the same numbers.
  const { modelJson, weights } = nsfwjsMobileNetV2();
  const pretrained = sn.fromTfjs(modelJson, weights);
  let loaded = 0;
  for (const layer of features.layers) {
    if (!layer.getWeights().length) continue;
    layer.setWeights(pretrained.getLayer(layer.name).getWeights().map((w) => w.values));
    loaded++;
  }
  assert.equal(loaded, 35 + 17 + 52); // its Conv2D, DepthwiseConv2D and BatchNormalization layers
  const { x } = await digitImages(2);
  const a = features.predict(x), b = featuresOf(sn, pretrained, 'flatten_1').predict(x);
  assert.ok(maxDiff(a, b) <= 1e-5 * maxAbs(b), `features differ by ${maxDiff(a, b)}`);
  assert.throws(() => sn.applications.mobileNetV2({ inputShape: [16, 16, 3] }), /smaller than 32×32/);
  assert.throws(() => sn.applications.mobileNetV2({ pooling: 'mean' }), /pooling must be 'avg', 'max' or null/);
  pretrained.dispose();
  features.dispose();
});
