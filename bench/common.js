// Shared by bench/run.js and bench/threaded.js: the data, the models (M1–M3
// of issue 6, the two reference CNNs M4 and M5 of issue 11, the residual
// network R1) and simdnet's side of the race.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as sn from '../web/index.js';
import { paramCount } from './flops.js';

// ---- data -------------------------------------------------------------------

const FASHION = '/usr/share/datasets/fashion-mnist';
export async function loadData() {
  const imageFile = join(FASHION, 'train-images-idx3-ubyte.gz'), labelFile = join(FASHION, 'train-labels-idx1-ubyte.gz');
  if (existsSync(imageFile) && existsSync(labelFile)) {
    const d = await sn.data.readIdxDataset(readFileSync(imageFile), readFileSync(labelFile));
    return { x: d.images, labels: d.labels, rows: d.count, source: `Fashion-MNIST (${FASHION}, ${d.count} images)` };
  }
  const rows = 60000, x = new Float32Array(rows * 784), labels = new Uint8Array(rows);
  const next = lcg(12345);
  for (let i = 0; i < x.length; i++) x[i] = next();
  for (let i = 0; i < rows; i++) labels[i] = Math.floor(next() * 10);
  return { x, labels, rows, source: 'SYNTHETIC data (uniform pixels, random labels): Debian\'s dataset-fashion-mnist is not installed' };
}

/** Floats in [0, 1) from a seed: a linear congruential generator (the synthetic data and the shuffles need no more). */
export function lcg(seed) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** For engines that shuffle themselves: each call returns a new order of 0 … rows−1 (Fisher–Yates, in place). */
export function shuffler(rows, seed) {
  const order = Int32Array.from({ length: rows }, (_, i) => i), next = lcg(seed);
  return () => {
    for (let i = rows - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    return order;
  };
}

// ---- models -------------------------------------------------------------------

const dense = (units, activation) => ({ type: 'dense', units, activation });
const conv2d = (filters, kernelSize) => ({ type: 'conv2d', filters, kernelSize, activation: 'relu' });
const pool = { type: 'maxPooling2d', poolSize: 2 };
const flatten = { type: 'flatten' };

// rows: training rows per timed fit of simdnet (a slice of the data; other
// engines take their own share, see run.js), sized so one fit takes about a
// second. `params` is the published parameter count where there is one.
// kernelInitializer: the TF.js tutorial's varianceScaling (scale 1, fan in,
// normal: the same as leCunNormal); otherwise Keras' default glorotUniform.
export const MODELS = [
  { name: 'M1', input: [784], layers: [dense(64, 'relu'), dense(10, 'softmax')],
    opt: 'adam', lr: 0.01, loss: 'categoricalCrossentropy', batch: 50, rows: 12000 },
  { name: 'M2', input: [784], layers: [dense(64, 'relu'), dense(32, 'relu'), dense(10, 'softmax')],
    opt: 'adam', lr: 0.001, loss: 'categoricalCrossentropy', batch: 30, rows: 6000 },
  { name: 'M3', input: [784], layers: [dense(512, 'relu'), dense(256, 'relu'), dense(10, 'relu')],
    opt: 'sgd', lr: 0.001, loss: 'meanSquaredError', batch: 200, rows: 2000 },
  { name: 'M4', title: 'TF.js tutorial CNN', input: [28, 28, 1],
    layers: [conv2d(8, 5), pool, conv2d(16, 5), pool, flatten, dense(10, 'softmax')],
    kernelInitializer: 'varianceScaling', opt: 'adam', lr: 0.001, loss: 'categoricalCrossentropy', batch: 64, rows: 1024, params: 5994 },
  { name: 'M5', title: 'Keras mnist_convnet', input: [28, 28, 1],
    layers: [conv2d(32, 3), pool, conv2d(64, 3), pool, flatten, { type: 'dropout', rate: 0.5 }, dense(10, 'softmax')],
    opt: 'adam', lr: 0.001, loss: 'categoricalCrossentropy', batch: 128, rows: 512, params: 34826 },
  // Not a chain: its layers are `nodes` (see resnetNodes), built with the functional API.
  { name: 'R1', title: 'small ResNet', input: [28, 28, 1], resnet: { stem: [8, 2], stages: [[8, 1], [16, 2]], blocks: 2 },
    opt: 'adam', lr: 0.001, loss: 'categoricalCrossentropy', batch: 32 },
];
for (const m of MODELS) {
  if (m.resnet) m.nodes = resnetNodes(m.resnet);
  m.isConv = (m.layers ?? m.nodes).some((l) => l.type === 'conv2d');
  if (m.params !== undefined && m.params !== paramCount(m)) throw new Error(`bench: ${m.name} counts ${paramCount(m)} parameters, published ${m.params}`);
}

/**
 * A residual network (ResNet v1's basic blocks, channels last) as nodes in
 * topological order, { type, inputs, …options }, `inputs` indices of earlier
 * nodes (−1: the model's input) — the one description every engine builds:
 *   stem      [filters, stride]: conv 3×3 → batch norm → relu
 *   stages    [filters, stride] each, of `blocks` blocks: conv 3×3 (the stride
 *             on the stage's first) → BN → relu → conv 3×3 → BN, plus the
 *             shortcut, → relu; where the shape changes the shortcut is a
 *             1×1 conv with the stride → BN (a projection)
 *   head      global average pooling → dense 10 softmax
 * Convolutions are 'same' and have no bias (the batch norm's beta is one).
 */
export function resnetNodes({ stem, stages, blocks }) {
  const nodes = [];
  const node = (type, inputs, options = {}) => nodes.push({ type, inputs, ...options }) - 1;
  const convBn = (from, filters, kernelSize, strides) => node('batchNormalization', [node('conv2d', [from], { filters, kernelSize, strides })]);
  let h = node('relu', [convBn(-1, stem[0], 3, stem[1])]), channels = stem[0];
  for (const [filters, stride] of stages)
    for (let b = 0; b < blocks; b++) {
      const strides = b === 0 ? stride : 1;
      const main = convBn(node('relu', [convBn(h, filters, 3, strides)]), filters, 3, 1);
      const shortcut = strides !== 1 || filters !== channels ? convBn(h, filters, 1, strides) : h;
      h = node('relu', [node('add', [main, shortcut])]);
      channels = filters;
    }
  node('dense', [node('globalAveragePooling2d', [h])], { units: 10, activation: 'softmax' });
  return nodes;
}

/** "784-64-10" for dense models, the layer list for the others. */
export function architecture(spec) {
  if (spec.resnet) {
    const { stem, stages, blocks } = spec.resnet;
    return [`conv 3×3×${stem[0]}${stem[1] > 1 ? ` stride ${stem[1]}` : ''}`, ...stages.map(([f, s]) => `${blocks} residual blocks ×${f}${s > 1 ? ` (stride ${s}, 1×1 projection)` : ''}`),
      'global average pool', 'dense 10'].join(' → ') + ', batch norm after every conv';
  }
  if (!spec.isConv) return [spec.input[0], ...spec.layers.map((l) => l.units)].join('-');
  return spec.layers.map((l) => ({ dense: `dense ${l.units}`, conv2d: `conv ${l.kernelSize}×${l.kernelSize}×${l.filters}`,
    maxPooling2d: `pool ${l.poolSize}`, flatten: 'flatten', dropout: `dropout ${l.rate}` })[l.type]).join(' → ');
}

/** The first `rows` rows of the data, with one-hot targets and labels. */
export function modelData(all, rows) {
  const labels = all.labels.subarray(0, rows);
  return { x: all.x.subarray(0, rows * 784), y: sn.data.oneHot(labels, 10), labels, rows };
}

// ---- simdnet ------------------------------------------------------------------

export const SIMDNET_NO_CONV = 'no conv layers in this build';
export const simdnetHasConv = () => typeof sn.layers.conv2d === 'function';

/** simdnet's layer for one of ours (the conv kinds with TF.js' names and options). */
function simdnetLayer(spec, layer, first) {
  const inputShape = first ? { inputShape: spec.input } : {};
  const kernelInitializer = spec.kernelInitializer && (layer.type === 'dense' || layer.type === 'conv2d')
    ? { kernelInitializer: sn.initializers.varianceScaling ? spec.kernelInitializer : 'leCunNormal' } : {};
  switch (layer.type) {
    case 'dense': return sn.layers.dense({ units: layer.units, activation: layer.activation, ...inputShape, ...kernelInitializer });
    case 'conv2d': return sn.layers.conv2d({ filters: layer.filters, kernelSize: layer.kernelSize, activation: layer.activation, ...inputShape, ...kernelInitializer });
    case 'maxPooling2d': return sn.layers.maxPooling2d({ poolSize: layer.poolSize });
    case 'flatten': return sn.layers.flatten();
    case 'dropout': return sn.layers.dropout({ rate: layer.rate });
  }
  throw new Error(`bench: no simdnet layer for ${layer.type}`);
}

/**
 * A graph model's nodes as a functional model of `lib`, simdnet (sn) or
 * TF.js (tf): their layers share names and options, so one builder serves both.
 */
export function graphModel(lib, spec, options = {}) {
  const input = lib.input({ shape: spec.input }), outputs = [];
  for (const node of spec.nodes) {
    const inputs = node.inputs.map((i) => (i < 0 ? input : outputs[i]));
    outputs.push(graphLayer(lib, node).apply(inputs.length === 1 ? inputs[0] : inputs));
  }
  return lib.model({ inputs: input, outputs: outputs.at(-1), ...options });
}

function graphLayer(lib, node) {
  switch (node.type) {
    case 'conv2d': return lib.layers.conv2d({ filters: node.filters, kernelSize: node.kernelSize, strides: node.strides, padding: 'same', useBias: false });
    case 'batchNormalization': return lib.layers.batchNormalization({});
    case 'relu': return lib.layers.activation({ activation: 'relu' });
    case 'add': return lib.layers.add({});
    case 'globalAveragePooling2d': return lib.layers.globalAveragePooling2d({}); // TF.js needs the {}
    case 'dense': return lib.layers.dense({ units: node.units, activation: node.activation });
  }
  throw new Error(`bench: no layer for graph node ${node.type}`);
}

/**
 * simdnet: one engine = { fit(epochs) → mean loss of the last epoch, params,
 * weights(), dispose() } on its own model. Throws SIMDNET_NO_CONV for a conv
 * model when this build has no conv layers.
 */
export function simdnetEngine(spec, data) {
  if (spec.isConv && !simdnetHasConv()) throw new Error(SIMDNET_NO_CONV);
  let model;
  if (spec.nodes) model = graphModel(sn, spec, { seed: 1 });
  else {
    model = sn.sequential({ seed: 1 });
    spec.layers.forEach((layer, i) => model.add(simdnetLayer(spec, layer, i === 0)));
  }
  const optimizer = spec.opt === 'adam' ? sn.optimizers.adam({ learningRate: spec.lr }) : sn.optimizers.sgd({ learningRate: spec.lr });
  model.compile({ optimizer, loss: spec.loss });
  const weights = () => model.getWeights().map((w) => w.values);
  return {
    params: weights().reduce((n, w) => n + w.length, 0),
    fit: async (epochs) => (await model.fit(data.x, data.y, { epochs, batchSize: spec.batch, shuffle: true })).history.loss.at(-1),
    weights,
    dispose: () => model.dispose(),
  };
}
