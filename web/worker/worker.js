// The Web Worker side of sn.createTrainer (web/worker/trainer.js): a module worker
// that owns one model and trains it off the main thread.
//
// Messages in:  { id, type: 'init' | 'fit' | 'evaluate' | 'predict' | 'generate' | 'attentionScores' | 'getWeights' | 'setWeights' | 'save' | 'load', ... }
//               (init's spec: { layers, compile, seed, name } to build a Sequential, or { bytes } of a saved model)
//               { type: 'pause' | 'resume' | 'stop' } (no reply)
// Messages out: { id, ok: true, value } or { id, ok: false, error } for each request;
//               { type: 'batches', entries: [{ epoch, batch, logs }] } and { type: 'epoch', epoch, logs } during fit.
// Arrays coming back (predictions, weights, saved bytes) are transferred, not copied.
import * as sn from '../browser.js';
import { nextTask } from '../core/next-task.js';
import { useHelperPorts } from './threads.js';

/** Batch reports are gathered and posted at most this often, so a fast fit does not flood the page. */
const REPORT_EVERY_MS = 16;
/** The training loop gives the worker's event loop a turn this often, so pause/stop/predict arrive. */
const YIELD_EVERY_MS = 16;

let model = null;
const control = { paused: false, wake: null };

function wakeUp() {
  control.wake?.();
  control.wake = null;
}

const CONTROL = {
  pause() {
    control.paused = true;
  },
  resume() {
    control.paused = false;
    wakeUp();
  },
  stop() {
    if (model) model.stopTraining = true;
    control.paused = false;
    wakeUp();
  },
};

/** Factory names by their normalized spelling: 'conv2d', 'Conv2D' and 'max_pooling2d' all find theirs. */
const normalize = (name) => String(name).replace(/_/g, '').toLowerCase();
const FACTORIES = new Map(Object.keys(sn.layers).map((name) => [normalize(name), sn.layers[name]]));

/** A layer as sn.layers takes it; `type` ('dense' unless given: 'conv2d', 'maxPooling2d', …) picks the factory. */
function makeLayer({ type = 'dense', ...config }) {
  const factory = FACTORIES.get(normalize(type));
  if (!factory) throw new Error(`unknown layer type ${JSON.stringify(type)}; known: ${Object.keys(sn.layers).join(', ')}`);
  return factory(config);
}

const sizeOf = (shape) => shape.reduce((a, b) => a * b, 1);

/** What trainer.ready and trainer.load resolve to; `inputs` tells the trainer how to split x. */
const describe = () => ({
  seed: model.seed, inputSize: model.inputSize, paramCount: model.paramCount(), summary: model.summary(), threads: sn.threads(), features: sn.features(),
  inputs: model.inputs.map((t) => ({ name: t.sourceLayer.name, size: sizeOf(t.sampleShape) })),
  outputs: model.outputs.map((t) => ({ name: t.sourceLayer.name, size: sizeOf(t.sampleShape) })),
});

/** The model a spec describes: saved bytes (any model, compiled as saved), or layers and compile settings of a Sequential. */
function modelOf(spec) {
  if (spec.bytes) return sn.loadModel(spec.bytes);
  const made = sn.sequential({ seed: spec.seed, name: spec.name });
  try {
    for (const layer of spec.layers) made.add(makeLayer(layer));
    made.compile(spec.compile);
  } catch (err) {
    made.dispose();
    throw err;
  }
  return made;
}

async function init({ spec }) {
  const { helperPorts = [], ...readyOptions } = spec.ready ?? {}; // what web/worker/trainer.js sent
  useHelperPorts(helperPorts); // threads the page started for us (see web/worker/trainer.js)
  await sn.ready(readyOptions);
  const made = modelOf(spec);
  model?.dispose();
  model = made;
  return describe();
}

/** Trains, reporting batches and epochs as messages and honouring pause and stop between batches. */
async function fit({ x, y, options }) {
  const { reportBatches, ...fitOptions } = options;
  let pending = [], lastReport = performance.now(), lastYield = performance.now(), epoch = 0;
  const flush = () => {
    if (pending.length) self.postMessage({ type: 'batches', entries: pending });
    pending = [];
    lastReport = performance.now();
  };
  control.paused = false;
  const callbacks = {
    onEpochBegin(e) {
      epoch = e;
    },
    async onBatchEnd(batch, logs) {
      if (reportBatches) pending.push({ epoch, batch, logs });
      const now = performance.now();
      if (now - lastReport >= REPORT_EVERY_MS) flush();
      if (now - lastYield >= YIELD_EVERY_MS || control.paused) {
        await nextTask();
        lastYield = performance.now();
      }
      if (control.paused && !model.stopTraining) {
        flush();
        await new Promise((resolve) => (control.wake = resolve));
        lastYield = performance.now();
      }
    },
    onEpochEnd(e, logs) {
      flush();
      self.postMessage({ type: 'epoch', epoch: e, logs });
    },
  };
  const history = await model.fit(x, y, { ...fitOptions, callbacks });
  flush();
  return { epoch: history.epoch, history: history.history, params: history.params, stopped: model.stopTraining };
}

function checkModel() {
  if (!model) throw new Error('the trainer has no model yet: await trainer.ready');
  return model;
}

/** Each request's handler returns [value, transferList]. */
const REQUESTS = {
  async init(msg) {
    return [await init(msg), []];
  },
  async fit(msg) {
    checkModel();
    return [await fit(msg), []];
  },
  evaluate: ({ x, y, options }) => [checkModel().evaluate(x, y, options), []],
  predict({ x, options }) {
    const out = checkModel().predict(x, options); // a list of arrays for several outputs
    return [out, Array.isArray(out) ? out.map((o) => o.buffer) : [out.buffer]];
  },
  attentionScores({ layer, x }) {
    const scores = checkModel().attentionScores(layer, x);
    return [scores, [scores.buffer]];
  },
  generate({ promptIds, options }) {
    const ids = sn.text.generate(checkModel(), promptIds, options);
    return [ids, [ids.buffer]];
  },
  getWeights() {
    const weights = checkModel().getWeights();
    return [weights, weights.map((w) => w.values.buffer)];
  },
  setWeights: ({ weights }) => [checkModel().setWeights(weights), []],
  save() {
    const bytes = checkModel().save();
    return [bytes, [bytes.buffer]];
  },
  async load({ bytes }) {
    if (model?.isTraining) throw new Error('cannot load a model while fit() is running: stop() it first');
    const loaded = sn.loadModel(bytes);
    model?.dispose();
    model = loaded;
    return [describe(), []];
  },
};

self.onmessage = async ({ data }) => {
  if (CONTROL[data.type]) return CONTROL[data.type]();
  const handler = REQUESTS[data.type];
  try {
    if (!handler) throw new Error(`unknown trainer request ${JSON.stringify(data.type)}`);
    const [value, transfer] = await handler(data);
    self.postMessage({ id: data.id, ok: true, value }, transfer);
  } catch (err) {
    self.postMessage({ id: data.id, ok: false, error: err?.message ?? String(err) });
  }
};
