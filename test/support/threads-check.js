// Child process of test/threads.test.js: trains two small models with
// `threads` threads (argv[2]) and prints JSON { threads, hashes } where hashes
// are SHA-256 of the trained weights, so the parent can compare builds.
import { createHash } from 'node:crypto';
import * as sn from '../../web/index.js';
import { randomArray } from './models.js';

await sn.ready({ threads: Number(process.argv[2]) });

function train(layers, optimizer, loss, batchSize) {
  const rows = 300;
  const x = randomArray(rows * 97, 1), y = sn.data.oneHot(Uint8Array.from(randomArray(rows, 2), (v) => Math.floor((v + 1) * 5)), 10);
  const model = sn.sequential({ seed: 7 });
  layers.forEach(([units, activation], i) => model.add(sn.layers.dense({ units, activation, ...(i ? {} : { inputShape: [97] }) })));
  model.compile({ optimizer, loss });
  return model.fit(x, y, { epochs: 2, batchSize }).then(() => {
    const h = createHash('sha256');
    for (const w of model.getWeights()) h.update(new Uint8Array(w.values.buffer, w.values.byteOffset, w.values.byteLength));
    model.dispose();
    return h.digest('hex');
  });
}

const hashes = [
  // wide layers: the GEMMs are large enough to be split across threads
  await train([[300, 'relu'], [130, 'tanh'], [10, 'softmax']], sn.optimizers.adam({ learningRate: 0.001 }), 'categoricalCrossentropy', 150),
  await train([[64, 'relu'], [10, 'relu']], sn.optimizers.sgd({ learningRate: 0.01 }), 'meanSquaredError', 33),
];
console.log(JSON.stringify({ threads: sn.threads(), hashes }));
