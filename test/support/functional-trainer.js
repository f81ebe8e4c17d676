// A functional model trained on this thread and by sn.createTrainer in its
// Worker: two inputs, a residual add, a concatenation, two outputs (a softmax
// class and a linear value). Shared by the Node tests (test/trainer.test.js)
// and the browser check page, which compare the results bit for bit.
import { sn } from './entry.js';
import { randomArray } from './models.js';

const FIT = { epochs: 3, batchSize: 16 }; // shuffled: the seed (saved with the model) decides the order in both places
const ROWS = 64;

/** The compiled two-input, two-output model, the same every call (seed 9). */
export function twoHeaded() {
  const a = sn.input({ shape: [4], name: 'a' }), b = sn.input({ shape: [3], name: 'b' });
  const h = sn.layers.dense({ units: 8, activation: 'relu' }).apply(a);
  const residual = sn.layers.add().apply([h, sn.layers.dense({ units: 8, activation: 'tanh' }).apply(h)]);
  const joined = sn.layers.concatenate().apply([residual, sn.layers.dense({ units: 4, activation: 'tanh' }).apply(b)]);
  const cls = sn.layers.dense({ units: 3, activation: 'softmax', name: 'cls' }).apply(residual);
  const value = sn.layers.dense({ units: 1, name: 'value' }).apply(joined);
  const model = sn.model({ inputs: [a, b], outputs: [cls, value], seed: 9 });
  model.compile({
    optimizer: sn.optimizers.adam({ learningRate: 0.01 }), loss: { cls: 'categoricalCrossentropy', value: 'mse' },
    lossWeights: { cls: 1, value: 0.5 }, metrics: { cls: ['accuracy'] },
  });
  return model;
}

/** Inputs a (rows × 4) and b (rows × 3); targets: a class from a, a value from a and b. */
export function twoHeadedData(rows = ROWS) {
  const a = randomArray(rows * 4, 21), b = randomArray(rows * 3, 22);
  const labels = new Int32Array(rows), value = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    labels[r] = a[r * 4] + a[r * 4 + 1] > 0.4 ? 2 : a[r * 4] > 0 ? 1 : 0;
    value[r] = a[r * 4 + 2] - 0.5 * b[r * 3];
  }
  return { a, b, cls: sn.data.oneHot(labels, 3), value };
}

const bitsOf = (weights) => weights.flatMap((w) => Array.from(new Uint32Array(Float32Array.from(w.values).buffer)));
const plain = (outputs) => outputs.map((o) => Array.from(o));

/** Trained with model.fit on this thread: { history, weightBits, predictions: [cls rows, value rows] }. */
export async function trainHere(readyOptions) {
  await sn.ready(readyOptions);
  const { a, b, cls, value } = twoHeadedData();
  const model = twoHeaded();
  const history = await model.fit([a, b], [cls, value], FIT);
  const result = { history: history.history, weightBits: bitsOf(model.getWeights()), predictions: plain(model.predict([a, b])) };
  model.dispose();
  return result;
}

/**
 * The same model handed to sn.createTrainer (trainerOptions: its options, e.g.
 * a worker) and trained there, x given by input name, y as a list; the results
 * as trainHere's plus what the trainer said and whether predict gave a list.
 */
export async function trainInTrainer(trainerOptions, readyOptions) {
  await sn.ready(readyOptions);
  const { a, b, cls, value } = twoHeadedData();
  const model = twoHeaded();
  const trainer = sn.createTrainer(model, trainerOptions);
  model.dispose(); // the worker has its own copy, from model.save()'s bytes
  try {
    const info = await trainer.ready;
    const history = await trainer.fit({ b, a }, [cls, value], FIT);
    const predicted = await trainer.predict([a, b]);
    const evaluation = await trainer.evaluate([a, b], { value, cls });
    return {
      info: { inputs: info.inputs, outputs: info.outputs, paramCount: info.paramCount },
      history: history.history, weightBits: bitsOf(await trainer.getWeights()),
      predictIsList: Array.isArray(predicted), predictions: plain(predicted), evaluation,
    };
  } finally {
    trainer.terminate();
  }
}
