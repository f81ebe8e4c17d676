import * as tf from '@tensorflow/tfjs';
import * as sn from '../web/index.js';
import { randomArray } from './support/models.js';
await tf.setBackend('cpu'); await sn.ready();
const inputShape = [11, 10, 2];
const all = [
  { type: 'conv2d', filters: 4, kernelSize: 3, activation: 'relu' },
  { type: 'maxPooling2d', poolSize: 2 },
  { type: 'conv2d', filters: 6, kernelSize: [3, 2], strides: 2, padding: 'same', activation: 'tanh' },
  { type: 'averagePooling2d', poolSize: 2, strides: 1, padding: 'same' },
  { type: 'flatten' },
];
const x = randomArray(5 * 220, 3);
for (let n = 1; n <= all.length; n++) {
  const layers = all.slice(0, n).map((l, i) => (i ? l : { ...l, inputShape }));
  if (layers.at(-1).type !== 'flatten') layers.push({ type: 'flatten' });
  const t = tf.sequential(); for (const { type, ...o } of layers) t.add(tf.layers[type](o));
  const m = sn.sequential({ seed: 1 }); for (const { type, ...o } of layers) m.add(sn.layers[type](o));
  m.setWeights(t.layers.flatMap((l) => l.getWeights().map((w) => w.dataSync())));
  const a = m.predict(x), b = t.predict(tf.tensor(x, [5, ...inputShape])).dataSync();
  let worst = 0, at = -1; for (let i = 0; i < a.length; i++) if (Math.abs(a[i] - b[i]) > worst) { worst = Math.abs(a[i] - b[i]); at = i; }
  console.log(n, all[n - 1].type, a.length, b.length, worst, at);
}
