// The bench's jax-js S1 and S2 (bench/sequence-jaxjs.js) against TF.js' cpu
// backend (the oracle) on small shapes: the same initial weights (TF.js'),
// one batch trained 3 times with Adam; every step's loss within 1e-4, and the
// loss falls. TF.js' LSTM and GRU with recurrentActivation sigmoid and the
// GRU's resetAfter false are the cells the jax-js code writes out.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { jaxReady } from '../bench/jaxjs.js';
import { sequenceTrainer } from '../bench/sequence-jaxjs.js';
import { randomArray } from './support/models.js';

const BATCH = 8, STEPS = 5, VOCAB = 7, EMBED = 4, UNITS = 6, LR = 0.01;

/** One batch: one-hot windows (S1) or ids (S2) and one-hot targets. */
function batch(task, seed) {
  const ids = Int32Array.from(randomArray(BATCH * (STEPS + 1), seed, 0, 1), (u) => Math.min(VOCAB - 1, Math.floor(u * VOCAB)));
  const x = task === 'S1' ? new Float32Array(BATCH * STEPS * VOCAB) : new Int32Array(BATCH * STEPS), y = new Float32Array(BATCH * VOCAB);
  for (let r = 0; r < BATCH; r++) {
    for (let t = 0; t < STEPS; t++) {
      if (task === 'S1') x[(r * STEPS + t) * VOCAB + ids[r * (STEPS + 1) + t]] = 1;
      else x[r * STEPS + t] = ids[r * (STEPS + 1) + t];
    }
    y[r * VOCAB + ids[r * (STEPS + 1) + STEPS]] = 1;
  }
  return { x, y };
}

for (const task of ['S1', 'S2'])
  test(`jax-js ${task} (bench/sequence-jaxjs.js) trains as TF.js does from the same weights`, async () => {
    await tf.setBackend('cpu');
    await jaxReady();
    const model = tf.sequential();
    if (task === 'S1') model.add(tf.layers.lstm({ units: UNITS, recurrentActivation: 'sigmoid', inputShape: [STEPS, VOCAB] }));
    else {
      model.add(tf.layers.embedding({ inputDim: VOCAB, outputDim: EMBED, inputShape: [STEPS] }));
      model.add(tf.layers.gru({ units: UNITS, recurrentActivation: 'sigmoid', resetAfter: false }));
    }
    model.add(tf.layers.dense({ units: VOCAB, activation: 'softmax' }));
    model.compile({ optimizer: tf.train.adam(LR), loss: 'categoricalCrossentropy' });
    // Keras' embeddings (±0.05) barely move a GRU: a table in ±1 makes the cell's equations matter.
    if (task === 'S2') model.layers[0].setWeights([tf.tensor2d(randomArray(VOCAB * EMBED, 5), [VOCAB, EMBED])]);
    const weights = model.getWeights().map((w) => w.dataSync().slice());
    const { x, y } = batch(task, task === 'S1' ? 3 : 4);
    const tx = task === 'S1' ? tf.tensor3d(x, [BATCH, STEPS, VOCAB]) : tf.tensor2d(x, [BATCH, STEPS], 'int32');
    const expected = (await model.fit(tx, tf.tensor2d(y, [BATCH, VOCAB]), { batchSize: BATCH, epochs: 3, shuffle: false, verbose: 0 })).history.loss;

    const shape = { steps: STEPS, vocab: VOCAB, units: UNITS, gates: task === 'S1' ? 4 : 3, ...(task === 'S2' && { embed: EMBED }) };
    const trainer = sequenceTrainer(task, shape, { x, y, batch: BATCH, lr: LR, weights });
    const losses = [];
    for (let s = 0; s < 3; s++) losses.push(await trainer.step());
    trainer.dispose();
    losses.forEach((l, i) => assert.ok(Math.abs(l - expected[i]) < 1e-4, `step ${i}: jax-js ${l}, TF.js ${expected[i]}`));
    assert.ok(losses[2] < losses[0], `the loss falls: ${losses}`);
  });
