import * as tf from '@tensorflow/tfjs';
await tf.setBackend('cpu');
const x = tf.tensor([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
const w = tf.tensor([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
for (const [pool, stride, pad] of [[2, 1, 'same'], [2, 2, 'same'], [3, 1, 'same'], [2, 1, 'valid']]) {
  const f = (x) => tf.sum(tf.mul(tf.avgPool(x, pool, stride, pad), tf.slice(w, [0, 0, 0, 0], tf.avgPool(x, pool, stride, pad).shape)));
  const g = tf.grad(f)(x).dataSync();
  const h = 0.5, base = x.dataSync(), fd = [];
  for (let i = 0; i < 9; i++) { const up = base.slice(), dn = base.slice(); up[i] += h; dn[i] -= h; fd.push((f(tf.tensor(up, [1, 3, 3, 1])).dataSync()[0] - f(tf.tensor(dn, [1, 3, 3, 1])).dataSync()[0]) / (2 * h)); }
  console.log(pool, stride, pad, 'autodiff', Array.from(g).map((v) => +v.toPrecision(4)).join(' '), '| fd', fd.map((v) => +v.toPrecision(4)).join(' '));
}
