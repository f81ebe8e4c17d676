// Shared by test/relaxed-simd.test.js (Node, one child process per
// configuration, with or without --experimental-wasm-relaxed-simd) and
// test/support/relaxed-check.html (Chromium): ready(options), then two
// trainings, each done twice with the same seed. Returns { features, runs },
// runs[i] = { hashes: [first, second], weights, loss }: FNV-1a hashes of the
// two runs' weight bits, the first run's weights and loss history.
// Run directly (node relaxed-check.js '{"relaxedSimd":true}'), it prints that JSON,
// plus whether this engine validates the relaxed build at all.
import { sn } from './entry.js';
import { randomArray } from './models.js';

/** FNV-1a over the 32-bit words of every weight tensor. */
function hashWeights(model) {
  let h = 0x811c9dc5;
  for (const w of model.getWeights())
    for (const word of new Uint32Array(w.values.buffer, w.values.byteOffset, w.values.length)) h = Math.imul(h ^ word, 0x01000193) >>> 0;
  return h.toString(16);
}

// Wide layers at batch 300: the GEMMs reduce over more than one 256-deep
// slice (c/gemm.c's KC) and are large enough to be split across threads.
// Narrow ones at batch 33: many small products and steps.
const TRAININGS = [
  { layers: [[200, 'relu'], [64, 'tanh'], [10, 'softmax']], optimizer: () => sn.optimizers.adam({ learningRate: 0.001 }), loss: 'categoricalCrossentropy', batchSize: 300 },
  { layers: [[64, 'relu'], [10, 'sigmoid']], optimizer: () => sn.optimizers.sgd({ learningRate: 0.05, momentum: 0.9 }), loss: 'meanSquaredError', batchSize: 33 },
];

async function train({ layers, optimizer, loss, batchSize }) {
  const rows = 1200;
  const x = randomArray(rows * 97, 1), y = sn.data.oneHot(Uint8Array.from(randomArray(rows, 2), (v) => Math.floor((v + 1) * 5)), 10);
  const model = sn.sequential({ seed: 7 });
  layers.forEach(([units, activation], i) => model.add(sn.layers.dense({ units, activation, ...(i ? {} : { inputShape: [97] }) })));
  model.compile({ optimizer: optimizer(), loss });
  const history = await model.fit(x, y, { epochs: 3, batchSize });
  const result = { hash: hashWeights(model), weights: model.getWeights().flatMap((w) => Array.from(w.values)), loss: history.history.loss };
  model.dispose();
  return result;
}

/** ready(readyOptions), then every training twice. */
export async function trainTwice(readyOptions) {
  await sn.ready(readyOptions);
  const runs = [];
  for (const training of TRAININGS) {
    const first = await train(training), second = await train(training);
    runs.push({ hashes: [first.hash, second.hash], weights: first.weights, loss: first.loss });
  }
  return { features: sn.features(), runs };
}

if (typeof process !== 'undefined' && process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  const { readFileSync } = await import('node:fs');
  const relaxedBuild = readFileSync(new URL('../../dist/simdnet-relaxed.wasm', import.meta.url));
  console.log(JSON.stringify({ ...(await trainTwice(JSON.parse(process.argv[2] ?? '{}'))), validates: WebAssembly.validate(relaxedBuild) }));
}
