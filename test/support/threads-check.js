// Shared by test/threads.test.js (Node, one child process per thread count) and
// test/support/threads-check.html (a cross-origin-isolated page): trains six
// small models (two dense, two convolutional, two recurrent) and returns { threads, hashes },
// hashes being FNV-1a hashes of the trained weights' bits, so runs with
// different builds can be compared.
// Run directly (node threads-check.js N), it trains with N threads and prints the JSON.
import { sn } from './entry.js';
import { randomArray } from './models.js';

/** FNV-1a over the 32-bit words of every weight tensor. */
function hashWeights(model) {
  let h = 0x811c9dc5;
  for (const w of model.getWeights())
    for (const word of new Uint32Array(w.values.buffer, w.values.byteOffset, w.values.length)) h = Math.imul(h ^ word, 0x01000193) >>> 0;
  return h.toString(16);
}

async function train(layers, optimizer, loss, batchSize) {
  const rows = 300;
  const x = randomArray(rows * 97, 1), y = sn.data.oneHot(Uint8Array.from(randomArray(rows, 2), (v) => Math.floor((v + 1) * 5)), 10);
  const model = sn.sequential({ seed: 7 });
  layers.forEach(([units, activation], i) => model.add(sn.layers.dense({ units, activation, ...(i ? {} : { inputShape: [97] }) })));
  model.compile({ optimizer, loss });
  await model.fit(x, y, { epochs: 2, batchSize });
  const hash = hashWeights(model);
  model.dispose();
  return hash;
}

/** A CNN whose convolution GEMMs (e.g. 64·12·12 × 36 × 16 multiply-adds) are large enough to be split. */
async function trainCnn() {
  const rows = 192;
  const x = randomArray(rows * 14 * 14 * 2, 3, 0, 1), y = sn.data.oneHot(Uint8Array.from(randomArray(rows, 4), (v) => Math.floor((v + 1) * 5)), 10);
  const model = sn.sequential({ seed: 9 });
  model.add(sn.layers.conv2d({ filters: 16, kernelSize: 3, activation: 'relu', inputShape: [14, 14, 2] }));
  model.add(sn.layers.batchNormalization());
  model.add(sn.layers.maxPooling2d({ poolSize: 2 }));
  model.add(sn.layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' }));
  model.add(sn.layers.dropout({ rate: 0.3 }));
  model.add(sn.layers.flatten());
  model.add(sn.layers.dense({ units: 10, activation: 'softmax' }));
  model.compile({ optimizer: sn.optimizers.adam({ learningRate: 0.001 }), loss: 'categoricalCrossentropy' });
  await model.fit(x, y, { epochs: 2, batchSize: 64 });
  const hash = hashWeights(model);
  model.dispose();
  return hash;
}

/**
 * A CNN of the other window passes split by samples (average pooling forward
 * and backward, 'same' padding, tanh and sigmoid; depthwise, separable and
 * transposed convolutions), with a batch that does not
 * divide among the threads.
 */
async function trainAvgPoolCnn() {
  const rows = 150;
  const x = randomArray(rows * 12 * 12 * 3, 5, 0, 1), y = sn.data.oneHot(Uint8Array.from(randomArray(rows, 6), (v) => Math.floor((v + 1) * 5)), 10);
  const model = sn.sequential({ seed: 11 });
  model.add(sn.layers.conv2d({ filters: 12, kernelSize: 3, padding: 'same', activation: 'tanh', inputShape: [12, 12, 3] }));
  model.add(sn.layers.averagePooling2d({ poolSize: 2 }));
  // the depthwise passes (split by samples, the weight gradient by channels), a separable and a transposed conv
  model.add(sn.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', activation: 'relu' }));
  model.add(sn.layers.separableConv2d({ filters: 10, kernelSize: 3, padding: 'same', activation: 'tanh' }));
  model.add(sn.layers.conv2dTranspose({ filters: 6, kernelSize: 3, strides: 2, padding: 'same' }));
  model.add(sn.layers.conv2d({ filters: 9, kernelSize: 3, strides: 2, activation: 'sigmoid' }));
  model.add(sn.layers.maxPooling2d({ poolSize: 3, strides: 1 }));
  model.add(sn.layers.flatten());
  model.add(sn.layers.dense({ units: 10, activation: 'softmax' }));
  model.compile({ optimizer: sn.optimizers.rmsprop({ learningRate: 0.003 }), loss: 'categoricalCrossentropy' });
  await model.fit(x, y, { epochs: 2, batchSize: 37 });
  const hash = hashWeights(model);
  model.dispose();
  return hash;
}

/**
 * Recurrent layers (c/rnn.c): every thread runs the steps over its own rows
 * (the GRU's reset-before backward on the whole batch, its per-step GEMMs
 * split), with a batch that does not divide among the threads.
 */
async function trainRecurrent() {
  const rows = 120, steps = 7, features = 9;
  const x = randomArray(rows * steps * features, 7, -1, 1), y = sn.data.oneHot(Uint8Array.from(randomArray(rows, 8), (v) => Math.floor((v + 1) * 5)), 10);
  const model = sn.sequential({ seed: 13 });
  model.add(sn.layers.lstm({ units: 64, returnSequences: true, inputShape: [steps, features] }));
  model.add(sn.layers.gru({ units: 40, returnSequences: true, goBackwards: true }));
  model.add(sn.layers.gru({ units: 48, resetAfter: false, returnSequences: true }));
  model.add(sn.layers.simpleRNN({ units: 30 }));
  model.add(sn.layers.dense({ units: 10, activation: 'softmax' }));
  model.compile({ optimizer: sn.optimizers.adam({ learningRate: 0.003 }), loss: 'categoricalCrossentropy' });
  await model.fit(x, y, { epochs: 2, batchSize: 53 });
  const hash = hashWeights(model);
  model.dispose();
  return hash;
}

/**
 * Bidirectional layers, returned and initial states and recurrent dropout (a
 * mask per gate: c/rnn_gates.c's products per gate), in a graph whose
 * encoder's states start its decoder.
 */
async function trainStates() {
  const rows = 90, x = randomArray(rows * 6 * 8, 9, -1, 1), t = randomArray(rows * 5 * 4, 10, -1, 1);
  const y = Uint8Array.from(randomArray(rows * 5, 11), (v) => Math.floor((v + 1) * 1.5));
  const src = sn.input({ shape: [6, 8] }), tgt = sn.input({ shape: [5, 4] });
  const [, h, c] = sn.layers.lstm({ units: 48, returnState: true, recurrentDropout: 0.2, dropout: 0.1 }).apply(src);
  const decoded = sn.layers.lstm({ units: 48, returnSequences: true }).apply(tgt, { initialState: [h, c] });
  const both = sn.layers.bidirectional({ layer: sn.layers.gru({ units: 40, returnSequences: true, recurrentDropout: 0.3, resetAfter: false }) }).apply(decoded);
  const model = sn.model({ inputs: [src, tgt], outputs: sn.layers.dense({ units: 3, activation: 'softmax' }).apply(both), seed: 15 });
  model.compile({ optimizer: sn.optimizers.adam({ learningRate: 0.003 }), loss: 'sparseCategoricalCrossentropy' });
  await model.fit([x, t], y, { epochs: 2, batchSize: 37 });
  const hash = hashWeights(model);
  model.dispose();
  return hash;
}

/** ready(readyOptions), then the trainings. */
export async function trainForHashes(readyOptions) {
  await sn.ready(readyOptions);
  const hashes = [
    // wide layers: the GEMMs are large enough to be split across threads
    await train([[400, 'relu'], [130, 'tanh'], [10, 'softmax']], sn.optimizers.adam({ learningRate: 0.001 }), 'categoricalCrossentropy', 150),
    // small ones: the first layer's products are split, the second's stay on one thread (c/gemm.c's PARALLEL_MIN_MADDS)
    await train([[64, 'relu'], [10, 'relu']], sn.optimizers.sgd({ learningRate: 0.01 }), 'meanSquaredError', 33),
    await trainCnn(),
    await trainAvgPoolCnn(),
    await trainRecurrent(),
    await trainStates(),
  ];
  return { threads: sn.threads(), hashes };
}

if (typeof process !== 'undefined' && process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()))
  console.log(JSON.stringify(await trainForHashes({ threads: Number(process.argv[2]) })));
