// Writes the seed corpus for bench/fuzz-model-file.sh into test/fuzz-corpus/:
// real files from model.save() (with and without optimizer state, SGD with and
// without momentum, Adam, RMSprop with a schedule and dropout), plus a few damaged ones. Re-run after a format change:
//   node test/fuzz/make-corpus.js
import { mkdirSync, writeFileSync } from 'node:fs';
import * as sn from '../../web/index.js';

await sn.ready();
const dir = new URL('../fuzz-corpus/', import.meta.url);
mkdirSync(dir, { recursive: true });

function model(optimizer, loss = 'mse') {
  const m = sn.sequential({ seed: 3 });
  m.add(sn.layers.dense({ units: 3, activation: 'relu', inputShape: [2] }));
  m.add(sn.layers.dense({ units: 2, activation: 'softmax', useBias: false }));
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
dropout.add(sn.layers.dense({ units: 3, activation: 'tanh', inputShape: [2], activityRegularizer: sn.regularizers.l2(0.01) }));
dropout.add(sn.layers.dropout({ rate: 0.5 }));
dropout.add(sn.layers.dense({ units: 2, activation: 'softmax' }));
dropout.compile({ optimizer: sn.optimizers.rmsprop({ learningRate: sn.schedules.cosineDecay({ initialLearningRate: 0.01, decaySteps: 10 }) }), loss: 'categoricalCrossentropy' });
await dropout.fit(x, y, { epochs: 2 });
seeds['dropout-schedule-with-state'] = dropout.save();
dropout.dispose();
const plain = model(null);
seeds['uncompiled'] = plain.save();
plain.dispose();
seeds['truncated'] = seeds['adam-with-state'].slice(0, 60);
seeds['header-only'] = seeds['sgd-weights-only'].slice(0, 36);
for (const [name, bytes] of Object.entries(seeds)) writeFileSync(new URL(`${name}.bin`, dir), bytes);
console.log(`wrote ${Object.keys(seeds).length} seeds to ${dir.pathname}`);
