import * as tf from '@tensorflow/tfjs';
import * as sn from '../web/index.js';
import { randomArray } from './support/models.js';
await tf.setBackend('cpu'); await sn.ready();
const inputShape = [11, 10, 2];
const variants = {
  full: [
  { type: 'conv2d', filters: 4, kernelSize: 3, activation: 'relu' },
  { type: 'maxPooling2d', poolSize: 2 },
  { type: 'conv2d', filters: 6, kernelSize: [3, 2], strides: 2, padding: 'same', activation: 'tanh' },
  { type: 'averagePooling2d', poolSize: 2, strides: 1, padding: 'same' }],
  noavg: [
  { type: 'conv2d', filters: 4, kernelSize: 3, activation: 'relu' },
  { type: 'maxPooling2d', poolSize: 2 },
  { type: 'conv2d', filters: 6, kernelSize: [3, 2], strides: 2, padding: 'same', activation: 'tanh' }],
  convs: [
  { type: 'conv2d', filters: 4, kernelSize: 3, activation: 'tanh' },
  { type: 'conv2d', filters: 6, kernelSize: [3, 2], strides: 2, padding: 'same', activation: 'tanh' }],
  convs1: [
  { type: 'conv2d', filters: 4, kernelSize: 3, activation: 'tanh' },
  { type: 'conv2d', filters: 6, kernelSize: [3, 3], strides: 1, padding: 'valid', activation: 'tanh' }],
  avg: [
  { type: 'conv2d', filters: 4, kernelSize: 3, activation: 'tanh' },
  { type: 'averagePooling2d', poolSize: 2, strides: 1, padding: 'same' }],
  max: [
  { type: 'conv2d', filters: 4, kernelSize: 3, activation: 'tanh' },
  { type: 'maxPooling2d', poolSize: 2 }],
};
const R = 6;
const x = randomArray(R * 220, 3);
const y = new Float32Array(R * 3); for (let r = 0; r < R; r++) y[r * 3 + r % 3] = 1;
for (const [name, body] of Object.entries(variants)) {
  const layers = [...body.map((l, i) => (i ? l : { ...l, inputShape })), { type: 'flatten' }, { type: 'dense', units: 3, activation: 'softmax' }];
  const t = tf.sequential(); for (const { type, ...o } of layers) t.add(tf.layers[type](o));
  const m = sn.sequential({ seed: 1 }); for (const { type, ...o } of layers) m.add(sn.layers[type](o));
  m.setWeights(t.layers.flatMap((l) => l.getWeights().map((w) => w.dataSync())));
  m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
  const { grads } = m.computeGradients(x, y);
  const xs = tf.tensor(x, [R, ...inputShape]), ys = tf.tensor(y, [R, 3]);
  const { grads: tg } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(ys, t.apply(xs).log ? tf.log(t.apply(xs)) : null));
  const f = () => tf.metrics.categoricalCrossentropy(ys, t.apply(xs)).mean();
  const g2 = tf.variableGrads(f).grads;
  const names = t.trainableWeights.map((w) => w.val.name);
  console.log(name, names.map((n, i) => { const a = grads[i], b = g2[n].dataSync(); let worst = 0, sc = 0; for (let j = 0; j < a.length; j++) { worst = Math.max(worst, Math.abs(a[j] - b[j])); sc = Math.max(sc, Math.abs(b[j])); } return (worst / sc).toExponential(1); }).join(' '));
}
