// Writes the seed corpus for bench/fuzz-model-file.sh into test/fuzz-corpus/:
// real files from model.save() in today's version (with and without optimizer
// state; SGD with and without momentum, Adam, RMSprop with a schedule; dense
// models with dropout, CNNs with batch norm, pooling and dropout anywhere, and
// a functional graph with two inputs, a shared layer, a residual add and a
// frozen batch norm), plus a few damaged ones. The older files there are kept
// so the fuzzer explores those readers too: v1-*.bin written by the version-1
// code (main at 9426bb7), v2-*.bin by the version-2 code (main at 5fdf767).
// Re-run after a format change:
//   node test/fuzz/make-corpus.js
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import * as sn from '../../web/index.js';

await sn.ready();
const dir = new URL('../fuzz-corpus/', import.meta.url);
mkdirSync(dir, { recursive: true });
const L = sn.layers;

function model(optimizer, loss = 'mse') {
  const m = sn.sequential({ seed: 3 });
  m.add(L.dense({ units: 3, activation: 'relu', inputShape: [2] }));
  m.add(L.dense({ units: 2, activation: 'softmax', useBias: false }));
  if (optimizer) m.compile({ optimizer, loss, metrics: ['accuracy'] });
  return m;
}

const x = [[0, 1], [1, 0], [1, 1]], y = [[1, 0], [0, 1], [1, 0]];
const seeds = {};
for (const [name, opt] of [['adam', 'adam'], ['sgd', 'sgd'], ['momentum', sn.optimizers.sgd({ momentum: 0.9, nesterov: true })]]) {
  const m = model(opt, 'categoricalCrossentropy');
  await m.fit(x, y, { epochs: 2 });
  seeds[`${name}-with-state`] = m.save();
  seeds[`${name}-weights-only`] = m.save({ includeOptimizer: false });
  m.dispose();
}
const dropout = sn.sequential({ seed: 4 });
dropout.add(L.dense({ units: 3, activation: 'tanh', inputShape: [2], activityRegularizer: sn.regularizers.l2(0.01) }));
dropout.add(L.dropout({ rate: 0.5 }));
dropout.add(L.dense({ units: 2, activation: 'softmax' }));
dropout.compile({ optimizer: sn.optimizers.rmsprop({ learningRate: sn.schedules.cosineDecay({ initialLearningRate: 0.01, decaySteps: 10 }) }), loss: 'categoricalCrossentropy' });
await dropout.fit(x, y, { epochs: 2 });
seeds['dropout-schedule-with-state'] = dropout.save();
dropout.dispose();
const plain = model(null);
seeds['uncompiled'] = plain.save();
plain.dispose();

// CNNs: batch norm's moving statistics and dropout generators wherever the layers sit.
function cnn(seed) {
  const m = sn.sequential({ seed });
  m.add(L.dropout({ rate: 0.1, inputShape: [18] }));
  m.add(L.reshape({ targetShape: [3, 3, 2] }));
  m.add(L.conv2d({ filters: 2, kernelSize: 2, padding: 'same', activation: 'relu' }));
  m.add(L.batchNormalization({ momentum: 0.9 }));
  m.add(L.dropout({ rate: 0.25 }));
  m.add(L.maxPooling2d({ poolSize: 2, strides: 1 }));
  m.add(L.batchNormalization({ center: false, scale: false }));
  m.add(L.globalAveragePooling2d());
  m.add(L.dense({ units: 2, activation: 'softmax' }));
  return m;
}
const images = Array.from({ length: 4 }, (_, r) => Array.from({ length: 18 }, (_, i) => Math.sin(r * 18 + i)));
const labels = [[1, 0], [0, 1], [0, 1], [1, 0]];
for (const [name, opt] of [['adam', 'adam'], ['momentum', sn.optimizers.sgd({ momentum: 0.9 })]]) {
  const m = cnn(5);
  m.compile({ optimizer: opt, loss: 'categoricalCrossentropy' });
  await m.fit(images, labels, { epochs: 2, batchSize: 2 });
  seeds[`cnn-${name}-with-state`] = m.save();
  if (name === 'adam') seeds['cnn-weights-only'] = m.save({ includeOptimizer: false });
  m.dispose();
}
const pool = sn.sequential({ seed: 6 }); // no trainable weight at all, only moving statistics
pool.add(L.globalMaxPooling2d({ inputShape: [2, 2, 3] }));
pool.add(L.batchNormalization({ center: false, scale: false }));
seeds['cnn-no-trainable-weights'] = pool.save();
pool.dispose();
// A graph (version 3): two inputs, a layer applied twice, a residual add, a frozen batch norm, two outputs.
const a = sn.input({ shape: [2], name: 'a' }), b = sn.input({ shape: [2], name: 'b' });
const shared = L.dense({ units: 3, activation: 'tanh', name: 'shared' });
const bn = L.batchNormalization({ name: 'bn' });
const sum = L.add().apply([shared.apply(a), shared.apply(b)]);
const graph = sn.model({ inputs: [a, b], outputs: [L.dense({ units: 2, activation: 'softmax' }).apply(bn.apply(sum)), L.dense({ units: 1 }).apply(sum)], seed: 7 });
bn.trainable = false;
graph.compile({ optimizer: 'adam', loss: ['categoricalCrossentropy', 'mse'], lossWeights: [1, 0.5] });
await graph.fit([x, x], [y, [[1], [0], [1]]], { epochs: 2 });
seeds['graph-with-state'] = graph.save();
seeds['graph-weights-only'] = graph.save({ includeOptimizer: false });
graph.dispose();
seeds['truncated'] = seeds['adam-with-state'].slice(0, 60);
seeds['header-only'] = seeds['sgd-weights-only'].slice(0, 44);
for (const [name, bytes] of Object.entries(seeds)) writeFileSync(new URL(`${name}.bin`, dir), bytes);
const old = readdirSync(dir).filter((f) => /^v[12]-/.test(f));
console.log(`wrote ${Object.keys(seeds).length} seeds to ${dir.pathname} (kept ${old.length} version-1 and version-2 files)`);
