// Functional models trained in TF.js (@tensorflow/tfjs, cpu backend, the
// oracle) and in simdnet from TF.js' initial weights (test/functional.tfjs.test.js,
// test/bidirectional.tfjs.test.js): each graph is written once against a small
// facade (input, layers, model) and built in both libraries with the same layer
// names; both train with SGD, shuffle: false.
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import * as sn from '../../web/index.js';
import { randomArray } from './models.js';

export const ROWS = 40;
const BATCH = 8, EPOCHS = 3;

export const TF = { input: (o) => tf.input(o), layers: tf.layers, model: (o) => tf.model(o) };
export const SN = { input: (o) => sn.input(o), layers: sn.layers, model: (o) => sn.model({ ...o, seed: 7 }) };

/** Rows of data for a shape, and targets that depend on the inputs (so the models learn). */
export const inputData = (shape, seed) => randomArray(ROWS * shape.reduce((a, b) => a * b, 1), seed, -1, 1);
export function oneHot(x, width, classes) {
  const y = new Float32Array(ROWS * classes);
  for (let r = 0; r < ROWS; r++) {
    let s = 0;
    for (let i = 0; i < width; i++) s += x[r * width + i] * Math.sin(i + 1);
    y[r * classes + (s > 0.5 ? 2 % classes : s > -0.5 ? 1 : 0)] = 1;
  }
  return y;
}

/**
 * Builds `graph` in both libraries, copies TF.js' initial weights into ours by
 * layer name (`adapt` may change them on the way: the negated dense), trains
 * both and returns { tf, sn } histories and weights by layer name. A target's
 * shape is [width] unless it gives one (per-step targets: [steps, classes]).
 */
export async function trainBoth({ graph, inputs, targets, loss, tfLoss = loss, lossWeights, adapt = (name, w) => w, tfOnly = () => {}, optimizer = 0.05 }) {
  const t = graph(TF, 'tf'), s = graph(SN, 'sn');
  const tfModel = TF.model(t), model = SN.model(s);
  tfOnly(tfModel, model);
  for (const layer of tfModel.layers) {
    const values = layer.getWeights().map((w) => w.dataSync().slice());
    if (values.length) model.getLayer(layer.name).setWeights(adapt(layer.name, values, model));
  }
  tfModel.compile({ optimizer: tf.train.sgd(optimizer), loss: tfLoss });
  model.compile({ optimizer: sn.optimizers.sgd({ learningRate: optimizer }), loss, ...(lossWeights ? { lossWeights } : {}) });
  const xs = inputs.map(({ shape, values }) => tf.tensor(values, [ROWS, ...shape]));
  const ys = targets.map(({ width, shape = [width], values }) => tf.tensor(values, [ROWS, ...shape]));
  const tfHistory = await tfModel.fit(xs.length === 1 ? xs[0] : xs, ys.length === 1 ? ys[0] : ys, { epochs: EPOCHS, batchSize: BATCH, shuffle: false, verbose: 0 });
  const x = inputs.length === 1 ? inputs[0].values : inputs.map((i) => i.values);
  const y = targets.length === 1 ? targets[0].values : targets.map((i) => i.values);
  const history = await model.fit(x, y, { epochs: EPOCHS, batchSize: BATCH, shuffle: false });
  const weightsOf = (layers, get) => Object.fromEntries(layers.map((l) => [l.name, get(l)]).filter(([, w]) => w.length));
  const result = {
    tf: { history: tfHistory.history, weights: weightsOf(tfModel.layers, (l) => l.getWeights().map((w) => w.dataSync().slice())) },
    sn: { history: history.history, weights: weightsOf(model.layers, (l) => l.getWeights().map((w) => w.values)), model },
  };
  tf.dispose([...xs, ...ys]);
  tfModel.dispose();
  return result;
}

export function assertLosses(got, want, what) {
  want.forEach((loss, e) => {
    const rel = Math.abs(got[e] - loss) / Math.abs(loss);
    assert.ok(rel <= 1e-4, `${what}: epoch ${e + 1} ${got[e]}, TF.js ${loss} (${rel.toExponential(2)} relative)`);
  });
}

/** Every weight of every layer within 2e-4 of its tensor's largest value; `map` turns TF.js' into ours (negation). */
export function assertWeights(got, want, what, map = (name, values) => values) {
  for (const [name, tensors] of Object.entries(want)) {
    const ours = got[name];
    assert.ok(ours, `${what}: layer ${name} missing`);
    map(name, tensors).forEach((ref, i) => {
      const scale = Math.max(...ref.map(Math.abs), 1e-3);
      ref.forEach((v, j) => assert.ok(Math.abs(ours[i][j] - v) <= 2e-4 * scale, `${what}: ${name} weight ${i}[${j}] ${ours[i][j]} vs TF.js ${v}`));
    });
  }
}
