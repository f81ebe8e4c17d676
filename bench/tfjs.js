// TensorFlow.js 4.22 engines for bench/run.js: the bench's models in
// tf.layers, on the wasm backend (SIMD on, one thread) or the cpu backend.
import * as tf from '@tensorflow/tfjs';
import { graphModel } from './common.js';

/** The tf.layers layer for one of ours; options as the TF.js tutorial and Keras' example write them. */
function tfLayer(spec, layer, first) {
  const inputShape = first ? { inputShape: spec.input } : {};
  const kernelInitializer = spec.kernelInitializer ? { kernelInitializer: spec.kernelInitializer } : {};
  switch (layer.type) {
    case 'dense': return tf.layers.dense({ units: layer.units, activation: layer.activation, ...inputShape, ...kernelInitializer });
    case 'conv2d': return tf.layers.conv2d({ filters: layer.filters, kernelSize: layer.kernelSize, strides: 1, activation: layer.activation, ...inputShape, ...kernelInitializer });
    case 'maxPooling2d': return tf.layers.maxPooling2d({ poolSize: layer.poolSize, strides: layer.poolSize });
    case 'flatten': return tf.layers.flatten();
    case 'dropout': return tf.layers.dropout({ rate: layer.rate });
  }
  throw new Error(`bench: no TF.js layer for ${layer.type}`);
}

/**
 * TF.js on `backend`, trained the way given by `how`: 'fit' (model.fit,
 * shuffled), 'trainOnBatch' (one call per batch) or 'minimize' (a hand-written
 * loop: optimizer.minimize of the loss of model.apply). The data become tensors
 * once, and the batches of the last two are sliced once, outside the timing.
 * One engine = { params, fit(epochs) → mean loss of the last epoch, dispose() }.
 */
export async function tfjsEngine(spec, data, backend, how) {
  await tf.setBackend(backend);
  let model;
  if (spec.nodes) model = graphModel(tf, spec); // R1: tf.input, layer.apply, tf.layers.add, tf.model
  else {
    model = tf.sequential();
    spec.layers.forEach((layer, i) => model.add(tfLayer(spec, layer, i === 0)));
  }
  const optimizer = spec.opt === 'adam' ? tf.train.adam(spec.lr) : tf.train.sgd(spec.lr);
  model.compile({ optimizer, loss: spec.loss });
  const x = tf.tensor(data.x, [data.rows, ...spec.input]), y = tf.tensor2d(data.y, [data.rows, 10]);
  const batches = [];
  if (how !== 'fit')
    for (let start = 0; start < data.rows; start += spec.batch) {
      const size = Math.min(spec.batch, data.rows - start);
      batches.push([x.slice(start, size), y.slice(start, size)]);
    }
  const lossFn = spec.loss === 'meanSquaredError' ? tf.losses.meanSquaredError : tf.losses.softmaxCrossEntropy;
  const meanOf = (losses) => losses.reduce((a, b) => a + b, 0) / losses.length;
  const epoch = {
    fit: async () => (await model.fit(x, y, { epochs: 1, batchSize: spec.batch, shuffle: true, verbose: 0 })).history.loss[0],
    trainOnBatch: async () => {
      const losses = [];
      for (const [xb, yb] of batches) losses.push(await model.trainOnBatch(xb, yb));
      return meanOf(losses);
    },
    // softmaxCrossEntropy takes logits: apply every layer but the last softmax by
    // hand. The costs stay tensors until the epoch ends (no read-back per batch).
    minimize: async () => {
      const costs = batches.map(([xb, yb]) => optimizer.minimize(() => lossFn(yb, spec.loss === 'meanSquaredError' ? model.apply(xb) : logits(model, xb)), true));
      const total = tf.addN(costs), mean = (await total.data())[0] / costs.length;
      for (const t of [total, ...costs]) t.dispose();
      return mean;
    },
  }[how];
  return {
    params: model.countParams(),
    fit: async (epochs) => {
      await tf.setBackend(backend);
      let loss;
      for (let e = 0; e < epochs; e++) loss = await epoch();
      return loss;
    },
    dispose: () => {
      model.dispose();
      for (const t of [x, y, ...batches.flat()]) t.dispose();
    },
  };
}

/** The last layer's pre-activation: the softmax layer's kernel and bias applied to the previous output. */
function logits(model, xb) {
  const last = model.layers[model.layers.length - 1];
  let h = xb;
  for (const layer of model.layers.slice(0, -1)) h = layer.apply(h);
  return tf.add(tf.matMul(h, last.kernel.read()), last.bias.read());
}
