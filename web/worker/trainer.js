// sn.createTrainer: train a model in a Web Worker (web/worker/worker.js) so the page
// stays responsive, with the same seed → same weights as training on the page
// or in Node. The model lives in the worker; this object on the main thread
// sends it requests and turns its progress messages into callbacks.
//
// The model is given either as a spec ({ layers, compile, seed, name }: a
// Sequential the worker builds) or as a compiled model (sequential or
// functional), which crosses as model.save()'s bytes: file version 3 keeps a
// graph, its compile settings and its optimizer state, so the worker's copy
// trains on exactly as the original would.
//
// Data: fit/evaluate/predict copy x and y to the worker (structured clone)
// unless { transfer: true }, which hands their ArrayBuffers over instead: no
// copy, and the caller's typed arrays become empty (detached). x goes as one
// Float32Array per model input. Whatever comes back (predictions, weights,
// saved bytes) is transferred and owned by the caller.
import { isPlainObject, listByName, toMatrix } from '../model/inputs.js';
import { sizeOf } from '../layers/common.js';
import { Model } from '../model/model.js';
import { resolveOptimizer } from '../train/optimizers.js';
import { baseUrl } from '../core/platform.js';
import { defaultThreads, newThreadWorker } from './threads.js';
import { givenSources } from '../core/wasm.js';

const FIT_CALLBACKS = ['onBatchEnd', 'onEpochEnd', 'onProgress'];

/** Optimizer and Loss objects become { name, ...config } so they can cross to the worker. */
function cloneableCompile({ optimizer, loss, metrics }) {
  const opt = resolveOptimizer(optimizer).getConfig();
  const lossSpec = typeof loss === 'object' && loss !== null && typeof loss.compute === 'function'
    ? { name: loss.name, ...(loss.fromLogits && { fromLogits: true }), ...(loss.name === 'asymmetric' && { cost: loss.cost, profit: loss.profit }) }
    : loss;
  return { optimizer: opt, loss: lossSpec, metrics };
}

function inputSizeOf(layers) {
  if (!Array.isArray(layers) || layers.length === 0) throw new Error('createTrainer needs layers: [{ units, inputShape, ... }, ...] (sn.layers.dense options)');
  const first = layers[0];
  const shape = first.inputShape ?? (first.inputDim !== undefined ? [first.inputDim] : undefined);
  if (!Array.isArray(shape)) throw new Error('the first layer needs inputShape, e.g. inputShape: [784]');
  return shape.reduce((a, b) => a * b, 1);
}

/** A model's inputs as the trainer splits x: [{ name, size }] in the model's order. */
const inputsOf = (model) => model.inputs.map((t) => ({ name: t.sourceLayer.name, size: sizeOf(t.sampleShape) }));

/**
 * What the worker's init gets, and the inputs x is split into: a spec's
 * layers and compile settings, or a compiled model's saved bytes (transferred:
 * they are a fresh copy).
 */
function initMessage(source) {
  if (source instanceof Model) {
    if (!source.loss) throw new Error('createTrainer(model) needs a compiled model: call model.compile({ optimizer, loss }) first');
    const bytes = source.save();
    return { inputs: inputsOf(source), message: { bytes }, transfer: [bytes.buffer] };
  }
  const { layers, compile, seed, name } = source ?? {};
  if (!compile) throw new Error("createTrainer needs compile: { optimizer, loss, metrics }, as model.compile takes");
  const inputs = [{ name: undefined, size: inputSizeOf(layers) }];
  return { inputs, message: { layers, compile: cloneableCompile(compile), seed, name }, transfer: [] };
}

/** The ArrayBuffers of y's typed arrays (y, or the members of a list or object of them), each once. */
function buffersOf(data) {
  const parts = Array.isArray(data) ? data : isPlainObject(data) ? Object.values(data) : [data];
  return [...new Set(parts.filter((p) => ArrayBuffer.isView(p)).map((p) => p.buffer))];
}

/**
 * The worker's ready() options: the URLs (and relaxedSimd) the page's ready()
 * was given, with createTrainer's own `wasm` and `relaxedSimd` over them.
 */
function workerReadyOptions(wasm, relaxedSimd) {
  const options = givenSources();
  if (wasm instanceof WebAssembly.Module || wasm instanceof ArrayBuffer || ArrayBuffer.isView(wasm)) options.wasm = wasm;
  else if (wasm !== undefined) options.wasm = new URL(String(wasm), baseUrl()).href; // URL objects do not cross postMessage
  if (relaxedSimd !== undefined) options.relaxedSimd = relaxedSimd;
  return options;
}

/**
 * The trainer's module Worker (web/worker/worker.js). Written as one expression,
 * `new Worker(new URL('./worker.js', import.meta.url), { type: 'module' })`,
 * so that Vite and webpack bundle the worker and point to the result.
 */
function startWorker(workerUrl) {
  if (workerUrl !== undefined) return new Worker(workerUrl, { type: 'module', name: 'simdnet-trainer' });
  return new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name: 'simdnet-trainer' });
}

/**
 * The helper threads of the trainer's threaded build, started here on the page
 * rather than by the trainer's Worker: Firefox (153 ESR) sometimes blocks for
 * good in `new Worker()` called inside a Worker (1 threaded trainer in 40 never
 * became ready). The Worker gets a port to each; its ready() starts as many
 * threads as it was sent ports + 1.
 */
function startHelpers(threads) {
  const workers = [], ports = [];
  for (let i = 1; i < threads; i++) {
    const worker = newThreadWorker();
    const { port1, port2 } = new MessageChannel();
    worker.postMessage({ port: port2 }, [port2]);
    workers.push(worker);
    ports.push(port1);
  }
  return { workers, ports };
}

/** Training batches per epoch, as fit computes them (validationSplit takes the last rows). */
function batchesPerEpoch(rows, { batchSize = 32, validationSplit = 0, validationData }) {
  const trainRows = validationData ? rows : Math.floor(rows * (1 - validationSplit));
  return Math.ceil(trainRows / batchSize);
}

/**
 * Creates a trainer: a worker holding one model.
 * @param {object} spec  { layers: [sn.layers.dense options, …], compile: { optimizer, loss, metrics }, seed, name },
 *   or a compiled model (sn.sequential or sn.model), which the worker trains from its current state
 * @param {object} [options]  { workerUrl, wasm, worker, relaxedSimd } — where web/worker/worker.js is (bundlers),
 *   where the .wasm is, a Worker you created yourself from web/worker/worker.js, and sn.ready's relaxedSimd
 */
export function createTrainer(spec, options = {}) {
  return new Trainer(spec, options);
}

export class Trainer {
  constructor(spec = {}, { workerUrl, wasm, worker, relaxedSimd } = {}) {
    const init = initMessage(spec);
    this.setInputs(init.inputs);
    if (!worker && typeof Worker === 'undefined') throw new Error('createTrainer needs Web Workers (a browser); in Node, use model.fit directly');
    this.worker = worker ?? startWorker(workerUrl);
    this.state = 'idle';
    this.pending = new Map();
    this.nextId = 1;
    this.fitting = null;
    this.worker.onmessage = ({ data }) => this.receive(data);
    this.worker.onerror = (event) => this.failAll(new Error(`simdnet trainer worker failed: ${event.message ?? 'could not start (check workerUrl)'}`));
    const threads = defaultThreads(); // a dedicated Worker is as cross-origin isolated as its page
    const helpers = startHelpers(threads);
    this.helpers = helpers.workers;
    const ready = { ...workerReadyOptions(wasm, relaxedSimd), threads, helperPorts: helpers.ports };
    /** Resolves to { seed, inputSize, inputs, outputs, paramCount, summary, threads, features } once the model is built in the worker. */
    this.ready = this.request('init', { spec: { ...init.message, ready } }, [...helpers.ports, ...init.transfer]);
    this.ready.then((info) => Object.assign(this, { seed: info.seed }), () => {});
  }

  request(type, payload = {}, transfer = []) {
    if (!this.worker) return Promise.reject(new Error('this trainer was terminated'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, type, ...payload }, transfer);
    });
  }

  receive(msg) {
    if (msg.type === 'batches') return this.fitting?.batches(msg.entries);
    if (msg.type === 'epoch') return this.fitting?.epoch(msg.epoch, msg.logs);
    const waiting = this.pending.get(msg.id);
    if (!waiting) return;
    this.pending.delete(msg.id);
    if (msg.ok) waiting.resolve(msg.value);
    else waiting.reject(new Error(msg.error));
  }

  failAll(err) {
    for (const { reject } of this.pending.values()) reject(err);
    this.pending.clear();
  }

  /** The model's inputs ([{ name, size }]): how x is split. */
  setInputs(inputs) {
    this.inputs = inputs;
    this.inputSize = inputs[0].size;
  }

  /**
   * x as a flat Float32Array (one input) or a list of them (one per input),
   * plus the buffers to transfer: the arrays made here, and the caller's with transfer.
   */
  packX(x, transfer) {
    if (this.inputs.length === 1) {
      const { values, rows } = toMatrix(x, this.inputSize, 'x');
      return { values, rows, buffers: values !== x || transfer ? [values.buffer] : [] };
    }
    const given = listByName(x, this.inputs.map((i) => i.name), 'x');
    const parts = given.map((data, k) => toMatrix(data, this.inputs[k].size, `x[${k}] (${this.inputs[k].name})`));
    const buffers = new Set(parts.filter((p, k) => p.values !== given[k] || transfer).map((p) => p.values.buffer));
    return { values: parts.map((p) => p.values), rows: parts[0].rows, buffers: [...buffers] };
  }

  /**
   * Trains in the worker; resolves to the History ({ epoch, history, params, stopped }).
   * options: fit's (epochs, batchSize, validationSplit, validationData, shuffle, initialEpoch) plus
   * callbacks { onBatchEnd(batch, logs, { epoch, batches }), onEpochEnd(epoch, logs), onProgress(p) } on this thread,
   * where p = { epoch, epochs, batch, batches, fraction, elapsedMs, etaMs }, and transfer.
   */
  async fit(x, y, { callbacks = {}, transfer = false, ...options } = {}) {
    if (this.fitting) throw new Error('this trainer is already training: await the running fit() first');
    for (const key of Object.keys(callbacks))
      if (!FIT_CALLBACKS.includes(key)) throw new Error(`unknown trainer callback ${JSON.stringify(key)}; known: ${FIT_CALLBACKS.join(', ')}`);
    const X = this.packX(x, transfer);
    const yBuffers = transfer ? buffersOf(y) : [];
    const epochs = options.epochs ?? 1, initialEpoch = options.initialEpoch ?? 0;
    const batches = batchesPerEpoch(X.rows, options);
    const start = performance.now();
    const progress = (epoch, batch) => {
      const fraction = Math.min(1, ((epoch - initialEpoch) * batches + batch + 1) / ((epochs - initialEpoch) * batches));
      const elapsedMs = performance.now() - start;
      callbacks.onProgress?.({ epoch, epochs, batch, batches, fraction, elapsedMs, etaMs: fraction > 0 ? elapsedMs * (1 / fraction - 1) : Infinity });
    };
    this.fitting = {
      batches(entries) {
        for (const { epoch, batch, logs } of entries) callbacks.onBatchEnd?.(batch, logs, { epoch, batches });
        const last = entries.at(-1);
        if (last) progress(last.epoch, last.batch);
      },
      epoch(epoch, logs) {
        progress(epoch, batches - 1);
        callbacks.onEpochEnd?.(epoch, logs);
      },
    };
    this.state = 'training';
    const reportBatches = Boolean(callbacks.onBatchEnd || callbacks.onProgress);
    try {
      const message = { x: X.values, y, options: { ...options, reportBatches } };
      return await this.request('fit', message, [...new Set([...X.buffers, ...yBuffers])]);
    } finally {
      this.fitting = null;
      this.state = 'idle';
    }
  }

  /** Holds training after the current batch; resume() goes on from there. */
  pause() {
    if (this.state !== 'training') return;
    this.state = 'paused';
    this.worker.postMessage({ type: 'pause' });
  }

  resume() {
    if (this.state !== 'paused') return;
    this.state = 'training';
    this.worker.postMessage({ type: 'resume' });
  }

  /** Ends training after the current batch; fit() resolves with the epochs done so far. */
  stop() {
    if (this.state !== 'training' && this.state !== 'paused') return;
    this.state = 'stopping';
    this.worker.postMessage({ type: 'stop' });
  }

  /** { loss, accuracy, … } over (x, y), computed in the worker (also between batches of a running fit). */
  async evaluate(x, y, { transfer = false, ...options } = {}) {
    const X = this.packX(x, transfer);
    return this.request('evaluate', { x: X.values, y, options }, [...new Set([...X.buffers, ...(transfer ? buffersOf(y) : [])])]);
  }

  /** Outputs as a Float32Array of rows × outputs; with several outputs, a list of them in the model's output order. */
  async predict(x, { transfer = false, ...options } = {}) {
    const X = this.packX(x, transfer);
    return this.request('predict', { x: X.values, options }, X.buffers);
  }

  /** One MultiHeadAttention layer's weights [numHeads, T, S] for the first sample of x (model.attentionScores). */
  async attentionScores(layer, x) {
    const X = this.packX(x, false);
    return this.request('attentionScores', { layer, x: X.values }, X.buffers);
  }

  /** sn.text.generate(model, promptIds, options) in the worker: the new tokens, an Int32Array. */
  async generate(promptIds, options) {
    return this.request('generate', { promptIds, options });
  }

  /** [{ name, shape, values: Float32Array }] in getWeights order. */
  getWeights() {
    return this.request('getWeights');
  }

  setWeights(weights) {
    return this.request('setWeights', { weights });
  }

  /** The model file's bytes, as model.save() writes them (a fresh Uint8Array the caller owns). */
  save() {
    return this.request('save');
  }

  /** Replaces the worker's model with one loaded from bytes written by model.save(). */
  async load(bytes) {
    const info = await this.request('load', { bytes });
    this.setInputs(info.inputs);
    this.seed = info.seed;
    return info;
  }

  /** Ends the worker and frees everything it held; pending requests reject. */
  terminate() {
    this.worker?.terminate();
    this.worker = null;
    for (const helper of this.helpers) helper.terminate();
    this.helpers = [];
    this.failAll(new Error('this trainer was terminated'));
    this.state = 'terminated';
  }
}
