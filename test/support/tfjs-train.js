// Trains one spec of sequential layers in TF.js (@tensorflow/tfjs, cpu backend,
// the oracle) and in simdnet from TF.js' initial weights, shuffle: false, and
// compares them (test/cnn.tfjs.test.js, test/convs.tfjs.test.js,
// test/sequence.tfjs.test.js). A spec's `tokens` makes its inputs integer ids
// in [0, tokens) (an Int32Array here, an int32 tensor in TF.js: an Embedding's
// input); a layer's `tfjs` lists the TF.js layers that compute what it does
// where TF.js lacks it (Keras' UpSampling1D as reshapes around UpSampling2D).
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import * as sn from '../../web/index.js';
import { randomArray } from './models.js';

const ROWS = 48, BATCH = 16, EPOCHS = 3;
export const CLASSES = 3;

/** Inputs (token ids in [0, tokens) when tokens is given), and one-hot labels that depend on them so the networks learn something. */
function data(inputShape, seed, tokens) {
  const size = inputShape.reduce((a, b) => a * b, 1);
  const uniform = randomArray(ROWS * size, seed, tokens ? 0 : -1, 1);
  const x = tokens ? Int32Array.from(uniform, (u) => Math.min(tokens - 1, Math.floor(u * tokens))) : uniform;
  const y = new Float32Array(ROWS * CLASSES);
  for (let r = 0; r < ROWS; r++) {
    let s = 0;
    for (let i = 0; i < size; i++) s += (tokens ? Math.cos(x[r * size + i]) * 2 : x[r * size + i]) * Math.sin(i);
    y[r * CLASSES + (s > 1 ? 2 : s > -1 ? 1 : 0)] = 1;
  }
  return { x, y };
}

// The factories whose TF.js names differ from ours.
const TFJS_FACTORY = { cropping2d: 'cropping2D' };

/** Trains one spec in both libraries (batch: its batch size, BATCH unless given); returns what each produced. */
export async function trainBoth(spec, { optimizer = () => ({ sn: sn.optimizers.sgd({ learningRate: 0.1 }), tf: tf.train.sgd(0.1) }), seed = 1, batch = BATCH } = {}) {
  const [first, ...rest] = spec.layers;
  const layers = [{ ...first, inputShape: spec.inputShape }, ...rest];
  const tfModel = tf.sequential();
  // A layer's TF.js stand-ins (its `tfjs` list) get the input shape when it comes first.
  const tfLayers = spec.layers.flatMap(({ tfjs, ...layer }) => tfjs ?? [layer]);
  tfLayers.forEach(({ type, ...options }, i) => tfModel.add(tf.layers[TFJS_FACTORY[type] ?? type](i ? options : { ...options, inputShape: spec.inputShape })));
  const model = sn.sequential({ seed: 5 });
  for (const { type, tfjs, ...options } of layers) model.add(sn.layers[type](options));
  // The same starting point: TF.js' initial weights, layer by layer in Keras' order.
  const initial = tfModel.layers.flatMap((l) => l.getWeights().map((w) => w.dataSync().slice()));
  model.setWeights(initial);
  assert.deepEqual(model.getWeights().map((w) => w.shape), tfModel.layers.flatMap((l) => l.getWeights().map((w) => w.shape)), 'weight shapes');

  const { x, y } = data(spec.inputShape, seed, spec.tokens);
  const opts = optimizer();
  tfModel.compile({ optimizer: opts.tf, loss: 'categoricalCrossentropy' });
  model.compile({ optimizer: opts.sn, loss: 'categoricalCrossentropy' });
  const xs = tf.tensor(x, [ROWS, ...spec.inputShape], spec.tokens ? 'int32' : 'float32'), ys = tf.tensor(y, [ROWS, CLASSES]);
  const tfHistory = await tfModel.fit(xs, ys, { epochs: EPOCHS, batchSize: batch, shuffle: false, verbose: 0 });
  const history = await model.fit(x, y, { epochs: EPOCHS, batchSize: batch, shuffle: false });
  const tfEval = tfModel.evaluate(xs, ys, { batchSize: BATCH }).dataSync()[0];
  const result = {
    tf: { losses: tfHistory.history.loss, weights: tfModel.layers.flatMap((l) => l.getWeights().map((w) => w.dataSync().slice())), evaluate: tfEval },
    sn: { losses: history.history.loss, weights: model.getWeights(), evaluate: model.evaluate(x, y, { batchSize: BATCH }).loss },
  };
  tf.dispose([xs, ys]);
  tfModel.dispose();
  model.dispose();
  return result;
}

export function assertAgree({ tf: want, sn: got }, what) {
  want.losses.forEach((loss, e) => {
    const rel = Math.abs(got.losses[e] - loss) / Math.abs(loss);
    assert.ok(rel <= 1e-4, `${what}: epoch ${e + 1} loss ${got.losses[e]}, TF.js ${loss} (${rel.toExponential(2)} relative)`);
  });
  let moved = 0;
  got.weights.forEach(({ name, values }, t) => {
    const ref = want.weights[t];
    const scale = ref.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    let worst = 0;
    values.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - ref[i]))));
    assert.ok(worst <= 2e-4 * scale, `${what}: ${name} is off by ${worst.toExponential(2)}, ${(worst / scale).toExponential(2)} of its largest value`);
    moved += values.some((v, i) => v !== ref[i]) ? 1 : 0;
  });
  assert.ok(moved > 0);
  assert.ok(Math.abs(got.evaluate - want.evaluate) <= 1e-4 * Math.abs(want.evaluate), `${what}: evaluate ${got.evaluate}, TF.js ${want.evaluate}`);
}

