// Shared by bench/run.js and bench/threaded.js: the data, the three models of
// issue 6 and simdnet's side of the race.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as sn from '../web/index.js';

// ---- data -------------------------------------------------------------------

const FASHION = '/usr/share/datasets/fashion-mnist';
export async function loadData() {
  const imageFile = join(FASHION, 'train-images-idx3-ubyte.gz'), labelFile = join(FASHION, 'train-labels-idx1-ubyte.gz');
  if (existsSync(imageFile) && existsSync(labelFile)) {
    const d = await sn.data.readIdxDataset(readFileSync(imageFile), readFileSync(labelFile));
    return { x: d.images, labels: d.labels, rows: d.count, source: `Fashion-MNIST (${FASHION}, ${d.count} images)` };
  }
  const rows = 60000, x = new Float32Array(rows * 784), labels = new Uint8Array(rows);
  let s = 12345;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  for (let i = 0; i < x.length; i++) x[i] = next();
  for (let i = 0; i < rows; i++) labels[i] = Math.floor(next() * 10);
  return { x, labels, rows, source: 'SYNTHETIC data (uniform pixels, random labels): Debian\'s dataset-fashion-mnist is not installed' };
}

// ---- models -------------------------------------------------------------------

// rows: training rows per timed fit (a slice of the data), sized so one fit
// takes about a second for the slowest engine that runs it.
export const MODELS = [
  { name: 'M1', layers: [[64, 'relu'], [10, 'softmax']], opt: 'adam', lr: 0.01, loss: 'categoricalCrossentropy', batch: 50, rows: 12000 },
  { name: 'M2', layers: [[64, 'relu'], [32, 'relu'], [10, 'softmax']], opt: 'adam', lr: 0.001, loss: 'categoricalCrossentropy', batch: 30, rows: 6000 },
  { name: 'M3', layers: [[512, 'relu'], [256, 'relu'], [10, 'relu']], opt: 'sgd', lr: 0.001, loss: 'meanSquaredError', batch: 200, rows: 2000 },
];
export const weightsOf = (spec) => spec.layers.reduce((acc, [units], i, all) => acc + (i ? all[i - 1][0] : 784) * units, 0);

/** The first `rows` rows of the data, with one-hot targets, for a model. */
export function modelData(all, rows) {
  return { x: all.x.subarray(0, rows * 784), y: sn.data.oneHot(all.labels.subarray(0, rows), 10), rows };
}

/** simdnet: one engine = { fit(epochs) } on its own model. */
export function simdnetEngine(spec, data) {
  const model = sn.sequential({ seed: 1 });
  spec.layers.forEach(([units, activation], i) =>
    model.add(sn.layers.dense({ units, activation, ...(i === 0 ? { inputShape: [784] } : {}) })));
  const optimizer = spec.opt === 'adam' ? sn.optimizers.adam({ learningRate: spec.lr }) : sn.optimizers.sgd({ learningRate: spec.lr });
  model.compile({ optimizer, loss: spec.loss });
  return {
    fit: (epochs) => model.fit(data.x, data.y, { epochs, batchSize: spec.batch, shuffle: true }),
    dispose: () => model.dispose(),
  };
}

