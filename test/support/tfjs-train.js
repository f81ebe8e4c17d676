// Trains one spec of sequential layers in TF.js (@tensorflow/tfjs, cpu backend,
// the oracle) and in simdnet from TF.js' initial weights, shuffle: false, and
// compares them (test/cnn.tfjs.test.js, test/convs.tfjs.test.js,
// test/sequence.tfjs.test.js). A spec's `tokens` makes its inputs integer ids
// in [0, tokens) (an Int32Array here, an int32 tensor in TF.js: an Embedding's
// input); a layer's `tfjs` lists the TF.js layers that compute what it does
// where TF.js lacks it (Keras' UpSampling1D as reshapes around UpSampling2D).
// A spec's `pad` pads its rows (zero ids, or zero steps) for Keras masks:
// [leading, trailing] steps, row r taking pad[r % pad.length].
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import * as sn from '../../web/index.js';
import { randomArray } from './models.js';

const ROWS = 48, BATCH = 16, EPOCHS = 3;
export const CLASSES = 3;

/**
 * Inputs (token ids in [0, tokens) when tokens is given), and targets that
 * depend on them so the networks learn something: for an output of
 * `positions` rows of `classes` (a vector output: one row), position p's class
 * buckets Σ_i v_i·sin(i + p), v_i the input (2·cos of a token id); one-hot, or
 * its label (sparse: TF.js takes them shaped [rows, …, 1]), or for mse a value
 * per element (tanh of the sum shifted by the column). `pad` zeroes steps
 * (above). Returns { x, y, tfShape }.
 */
function data(inputShape, outShape, loss, seed, tokens, pad) {
  const size = inputShape.reduce((a, b) => a * b, 1), classes = outShape.at(-1);
  const positions = outShape.reduce((a, b) => a * b, 1) / classes, sparse = loss === 'sparseCategoricalCrossentropy';
  const uniform = randomArray(ROWS * size, seed, tokens ? 0 : -1, 1);
  const x = tokens ? Int32Array.from(uniform, (u) => Math.min(tokens - 1, Math.floor(u * tokens))) : uniform;
  const steps = inputShape[0], step = size / steps;
  for (let r = 0; r < ROWS && pad; r++) {
    const [lead, trail] = pad[r % pad.length];
    x.fill(0, r * size, r * size + lead * step);
    x.fill(0, r * size + (steps - trail) * step, (r + 1) * size);
  }
  const value = tokens ? (id) => Math.cos(id) * 2 : (v) => v;
  const y = new Float32Array(ROWS * positions * (sparse ? 1 : classes));
  const sum = (r, shift) => x.subarray(r * size, (r + 1) * size).reduce((s, v, i) => s + value(v) * Math.sin(i + shift), 0);
  for (let r = 0; r < ROWS; r++)
    for (let p = 0; p < positions; p++) {
      const s = sum(r, p), label = (s > 1 ? 2 : s > -1 ? 1 : 0) % classes, row = r * positions + p;
      if (sparse) y[row] = label;
      else if (loss === 'meanSquaredError') for (let j = 0; j < classes; j++) y[row * classes + j] = Math.tanh(sum(r, p + 3 * j));
      else y[row * classes + label] = 1;
    }
  return { x, y, tfShape: [ROWS, ...(sparse ? [...outShape.slice(0, -1), 1] : outShape)] };
}

// The factories whose TF.js names differ from ours.
const TFJS_FACTORY = { cropping2d: 'cropping2D' };

/** A layer of a spec { type, ...options } in either library; an inner `layer` (timeDistributed's) is a spec too. */
function build(lib, { type, ...options }) {
  if (options.layer) options.layer = build(lib, options.layer);
  return lib === tf ? tf.layers[TFJS_FACTORY[type] ?? type](options) : sn.layers[type](options);
}

/**
 * Trains one spec in both libraries (batch: its batch size, BATCH unless
 * given; loss: categoricalCrossentropy unless given; metrics: their histories
 * are compared too); returns what each produced. TF.js may be given a loss of
 * its own (tfLoss, a function of its targets and outputs) and its targets
 * (tfTargets({ x, y, tfShape }) → a tensor), for what its losses lack (Keras
 * 3's masked losses).
 */
export async function trainBoth(spec, { optimizer = () => ({ sn: sn.optimizers.sgd({ learningRate: 0.1 }), tf: tf.train.sgd(0.1) }), seed = 1, batch = BATCH,
  loss = 'categoricalCrossentropy', metrics = [], tfLoss, tfTargets } = {}) {
  const [first, ...rest] = spec.layers;
  const layers = [{ ...first, inputShape: spec.inputShape }, ...rest];
  const tfModel = tf.sequential();
  // A layer's TF.js stand-ins (its `tfjs` list) get the input shape when it comes first.
  const tfLayers = spec.layers.flatMap(({ tfjs, ...layer }) => tfjs ?? [layer]);
  tfLayers.forEach((layer, i) => tfModel.add(build(tf, i ? layer : { ...layer, inputShape: spec.inputShape })));
  const model = sn.sequential({ seed: 5 });
  for (const { tfjs, ...layer } of layers) model.add(build(sn, layer));
  // The same starting point: TF.js' initial weights, layer by layer in Keras' order.
  const initial = tfModel.layers.flatMap((l) => l.getWeights().map((w) => w.dataSync().slice()));
  model.setWeights(initial);
  assert.deepEqual(model.getWeights().map((w) => w.shape), tfModel.layers.flatMap((l) => l.getWeights().map((w) => w.shape)), 'weight shapes');
  assert.deepEqual(model.outputs[0].shape, tfModel.outputs[0].shape, 'output shape');

  const { x, y, tfShape } = data(spec.inputShape, model.outputs[0].shape.slice(1), loss, seed, spec.tokens, spec.pad);
  const opts = optimizer();
  tfModel.compile({ optimizer: opts.tf, loss: tfLoss ?? loss, metrics });
  model.compile({ optimizer: opts.sn, loss, metrics });
  const xs = tf.tensor(x, [ROWS, ...spec.inputShape], spec.tokens ? 'int32' : 'float32');
  const ys = tfTargets ? tfTargets({ x, y, tfShape }) : tf.tensor(y, tfShape);
  const tfHistory = await tfModel.fit(xs, ys, { epochs: EPOCHS, batchSize: batch, shuffle: false, verbose: 0 });
  const history = await model.fit(x, y, { epochs: EPOCHS, batchSize: batch, shuffle: false });
  const tfEval = [tfModel.evaluate(xs, ys, { batchSize: BATCH })].flat()[0].dataSync()[0];
  // TF.js keys a metric's history by its function's name (accuracy: 'acc'); ours by the name given, as Keras.
  const tfMetric = (name) => tfHistory.history[name] ?? tfHistory.history[{ accuracy: 'acc' }[name]];
  const result = {
    tf: { losses: tfHistory.history.loss, weights: tfModel.layers.flatMap((l) => l.getWeights().map((w) => w.dataSync().slice())), evaluate: tfEval,
      metrics: Object.fromEntries(metrics.map((m) => [m, tfMetric(m)])) },
    sn: { losses: history.history.loss, weights: model.getWeights(), evaluate: model.evaluate(x, y, { batchSize: BATCH }).loss,
      metrics: Object.fromEntries(metrics.map((m) => [m, history.history[m]])) },
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
  for (const [name, values] of Object.entries(want.metrics ?? {}))
    values.forEach((v, e) => assert.ok(Math.abs(got.metrics[name][e] - v) <= 1e-6, `${what}: epoch ${e + 1} ${name} ${got.metrics[name][e]}, TF.js ${v}`));
  assert.ok(Math.abs(got.evaluate - want.evaluate) <= 1e-4 * Math.abs(want.evaluate), `${what}: evaluate ${got.evaluate}, TF.js ${want.evaluate}`);
}

