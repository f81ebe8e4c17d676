// Shared by the browser check page, its worker and the Node side of the test.
import { sn } from './entry.js';

/** XOR with a seeded 2-8-1 network; returns the predictions and the weights' bits. readyOptions go to sn.ready. */
export async function trainXor(readyOptions) {
  await sn.ready(readyOptions);
  const model = sn.sequential({ seed: 5 });
  model.add(sn.layers.dense({ units: 8, activation: 'tanh', inputShape: [2] }));
  model.add(sn.layers.dense({ units: 1, activation: 'sigmoid' }));
  model.compile({ optimizer: sn.optimizers.adam({ learningRate: 0.05 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  const x = [[0, 0], [0, 1], [1, 0], [1, 1]], y = [[0], [1], [1], [0]];
  const h = await model.fit(x, y, { epochs: 300, batchSize: 4 });
  const result = {
    predictions: Array.from(model.predict(x)),
    accuracy: h.history.accuracy.at(-1),
    weightBits: model.getWeights().flatMap((w) => Array.from(new Uint32Array(w.values.buffer))),
  };
  model.dispose();
  return result;
}
