// model.fit(): validates the options, copies the data into wasm memory once,
// and runs the epochs. An epoch's loop is C's (sn_model_fit_slice in
// c/train.c: row order, every batch, validation): one wasm call per epoch,
// unless an onBatchEnd callback or the progress bar asks to hear about
// batches, in which case the same C loop runs a slice of batches per call.
import { callbackList } from './callbacks.js';
import { sumsDelta } from './metrics.js';
import { checkNumber, checkOptions } from '../core/names.js';
import { nextTask } from '../core/next-task.js';
import { createProgressBar } from './progress.js';
import { f64, MAX_INT, wasm, withBuffersAsync } from '../core/wasm.js';

const FIT_OPTIONS = new Set(['epochs', 'batchSize', 'validationSplit', 'validationData', 'shuffle', 'initialEpoch', 'verbose', 'callbacks']);
const PROGRESS_UPDATES_PER_EPOCH = 50;

const YIELD_EVERY_MS = 15;
let lastYield = 0;
/**
 * Lets a page or worker handle its events between epochs, at most every 15 ms:
 * even a yield without a timer costs some microseconds, which would add up
 * over thousands of tiny epochs.
 */
async function yieldToEventLoop() {
  if (performance.now() - lastYield < YIELD_EVERY_MS) return;
  await nextTask();
  lastYield = performance.now();
}
const inNode = () => typeof process !== 'undefined' && typeof process.stdout?.write === 'function';

function checkFitOptions(options) {
  const {
    epochs = 1, batchSize = 32, validationSplit = 0, validationData, shuffle = true, initialEpoch = 0, verbose = 0, callbacks = {},
  } = checkOptions('fit', options, [...FIT_OPTIONS]);
  checkNumber('epochs', epochs, { min: 0, integer: true });
  checkNumber('batchSize', batchSize, { min: 1, max: MAX_INT, integer: true });
  checkNumber('validationSplit', validationSplit, { min: 0, max: 0.99 });
  checkNumber('initialEpoch', initialEpoch, { min: 0, integer: true });
  if (validationData !== undefined && (!Array.isArray(validationData) || validationData.length !== 2))
    throw new Error('validationData must be [x, y]');
  return { epochs, batchSize, validationSplit, validationData, shuffle: Boolean(shuffle), initialEpoch, verbose, callbacks: callbackList(callbacks) };
}

/** Training and validation rows: validationData, else the last validationSplit of (x, y) as Keras takes it. */
function splitData(model, x, y, { validationSplit, validationData }) {
  const data = model.prepareData(x, y);
  if (validationData) return { train: data, val: model.prepareData(validationData[0], validationData[1], 'validationData ') };
  const trainRows = Math.floor(data.rows * (1 - validationSplit));
  if (validationSplit > 0 && (trainRows < 1 || trainRows === data.rows))
    throw new Error(`validationSplit ${validationSplit} of ${data.rows} rows leaves no training or no validation rows`);
  const cut = (arr, width, from, to) => arr.subarray(from * width, to * width);
  const xWidth = data.x.length / data.rows, yWidth = data.y.length / data.rows; // every input's (output's) columns side by side
  const train = { x: cut(data.x, xWidth, 0, trainRows), y: cut(data.y, yWidth, 0, trainRows), rows: trainRows };
  if (trainRows === data.rows) return { train, val: null };
  const val = { x: cut(data.x, xWidth, trainRows, data.rows), y: cut(data.y, yWidth, trainRows, data.rows), rows: data.rows - trainRows };
  return { train, val };
}

function nonFiniteError(epoch) {
  return new Error(`the loss became NaN or Infinity in epoch ${epoch + 1}; training stopped and the weights are those of the last good step ` +
    '(try a smaller learning rate, or check the data)');
}

const outOfMemory = () => new Error('simdnet: out of wasm memory during fit');

/**
 * Runs the epochs. `ptrs` are the wasm copies of the data (owned by the
 * caller's buffer scope); returns the History.
 */
async function runEpochs(model, opts, ptrs, train, val) {
  const w = wasm();
  const { epochs, batchSize, initialEpoch, callbacks } = opts;
  const batches = Math.ceil(train.rows / batchSize);
  const history = { epoch: [], history: {}, params: { epochs, batchSize, samples: train.rows, steps: batches } };
  const progress = opts.verbose && inNode();
  const sliced = callbacks.wantsBatches || progress;
  const slice = callbacks.wantsBatches ? 1 : Math.max(1, Math.ceil(batches / PROGRESS_UPDATES_PER_EPOCH));
  const trainSums = () => f64(w.sn_model_sums(model.ptr), model.sumsCount).slice();
  let logs = {};
  callbacks.setModel(model);
  await callbacks.call('onTrainBegin');
  // A non-finite loss throws, or with terminateOnNaN ends training quietly.
  const nonFinite = (epoch) => {
    if (!callbacks.stopsOnNonFinite()) throw nonFiniteError(epoch);
    model.stopTraining = true;
  };
  epochLoop: for (let epoch = initialEpoch; epoch < epochs && !model.stopTraining; epoch++) {
    await callbacks.call('onEpochBegin', epoch);
    const bar = progress ? createProgressBar({ epoch: epoch + 1, epochs, steps: batches }) : null;
    // The epoch's loop is C's (sn_model_fit_slice): one call for all of it, or a call per slice of batches.
    const step = sliced ? slice : batches;
    let reached = 0;
    for (let b = 0; b < batches && !model.stopTraining; b += step) {
      const end = Math.min(batches, b + step);
      reached = end;
      const before = !sliced ? null : b === 0 ? new Float64Array(model.sumsCount) : trainSums(); // the epoch's first slice resets them
      const status = w.sn_model_fit_slice(model.ptr, ptrs.x, ptrs.y, train.rows, batchSize, opts.shuffle ? 1 : 0,
        ptrs.vx, ptrs.vy, val?.rows ?? 0, ptrs.valSums, b, end);
      if (status < 0) throw outOfMemory();
      model.throwBadId(w);
      if (status === 0) {
        nonFinite(epoch);
        break epochLoop;
      }
      bar?.update(end, model.logsFromSums(trainSums()));
      if (callbacks.wantsBatches) {
        const batchLogs = model.logsFromSums(sumsDelta(trainSums(), before));
        await callbacks.call('onBatchEnd', b, { batch: b, size: Math.min(batchSize, train.rows - b * batchSize), ...batchLogs });
      }
    }
    // A callback stopped training within the epoch: its validation still runs (C runs it at the epoch's end).
    if (reached < batches && val && !w.sn_model_evaluate(model.ptr, ptrs.vx, ptrs.vy, val.rows, batchSize, ptrs.valSums)) throw outOfMemory();
    model.throwBadId(w);
    logs = model.logsFromSums(trainSums());
    if (val) Object.assign(logs, model.logsFromSums(f64(ptrs.valSums, model.sumsCount).slice(), 'val_'));
    history.epoch.push(epoch);
    for (const [key, value] of Object.entries(logs)) (history.history[key] ??= []).push(value);
    bar?.end(logs);
    if (opts.verbose && !progress) console.log(`Epoch ${epoch + 1}/${epochs}`, logs);
    await callbacks.call('onEpochEnd', epoch, logs);
    await yieldToEventLoop();
  }
  await callbacks.call('onTrainEnd', logs);
  return history;
}

/** The body of model.fit(x, y, options). */
export async function trainEpochs(model, x, y, options) {
  const opts = checkFitOptions(options);
  const { train, val } = splitData(model, x, y, opts);
  model.isTraining = true;
  model.stopTraining = false;
  try {
    return await withBuffersAsync((alloc) => {
      const ptrs = {
        x: alloc(train.x), y: alloc(train.y),
        vx: val ? alloc(val.x) : 0, vy: val ? alloc(val.y) : 0,
        valSums: alloc(model.sumsCount * 8),
      };
      return runEpochs(model, opts, ptrs, train, val);
    });
  } finally {
    model.isTraining = false;
  }
}
