// Training callbacks: fit() takes an object of hooks (TensorFlow.js'
// { onEpochEnd(epoch, logs) {} }) or an array mixing such objects and the
// built-in callbacks below (Keras' EarlyStopping, ReduceLROnPlateau,
// LearningRateScheduler, TerminateOnNaN), each with Keras' options and rules.
import { checkNumber } from '../core/names.js';

const HOOKS = ['onTrainBegin', 'onTrainEnd', 'onEpochBegin', 'onEpochEnd', 'onBatchEnd'];

/** Base of the built-in callbacks: fit() hands each its model before training. */
export class Callback {
  setModel(model) {
    this.model = model;
  }
}

function checkHooks(obj) {
  if (typeof obj !== 'object' || obj === null) throw new Error('callbacks must be an object like { onEpochEnd(epoch, logs) {} }, or an array of them');
  if (obj instanceof Callback) return obj;
  for (const [key, fn] of Object.entries(obj)) {
    if (!HOOKS.includes(key)) throw new Error(`unknown callback ${JSON.stringify(key)}; known: ${HOOKS.join(', ')}`);
    if (typeof fn !== 'function') throw new Error(`callback ${key} must be a function`);
  }
  return obj;
}

/**
 * The callbacks of one fit(): call(hook, ...args) runs that hook of each in
 * order, awaiting each. wantsBatches tells fit to report every batch.
 */
export function callbackList(callbacks = {}) {
  const list = (Array.isArray(callbacks) ? callbacks : [callbacks]).map(checkHooks);
  return {
    wantsBatches: list.some((cb) => typeof cb.onBatchEnd === 'function'),
    setModel(model) {
      for (const cb of list) cb.setModel?.(model);
    },
    async call(hook, ...args) {
      for (const cb of list) await cb[hook]?.(...args);
    },
    /** True when a callback (terminateOnNaN) takes a non-finite loss as a reason to stop quietly. */
    stopsOnNonFinite() {
      return list.some((cb) => cb instanceof TerminateOnNaN);
    },
  };
}

/** Keras' mode 'auto': accuracy-like metrics should rise, everything else fall. */
function rises(monitor, mode) {
  if (mode === 'min' || mode === 'max') return mode === 'max';
  if (mode !== 'auto') throw new Error(`mode must be 'auto', 'min' or 'max', got ${JSON.stringify(mode)}`);
  return /acc|auc|precision|recall/i.test(monitor);
}

function monitored(logs, monitor, who) {
  const value = logs?.[monitor];
  if (typeof value !== 'number')
    throw new Error(`${who} monitors ${JSON.stringify(monitor)}, which the logs do not hold (they have ${Object.keys(logs ?? {}).join(', ')}); ` +
      'val_ metrics need validationData or validationSplit');
  return value;
}

function checkOptions(who, options, known) {
  if (typeof options !== 'object' || options === null) throw new Error(`${who} takes an object of options`);
  for (const key of Object.keys(options))
    if (!known.includes(key)) throw new Error(`${who}: unknown option ${JSON.stringify(key)}; known: ${known.join(', ')}`);
}

/**
 * Stops training when `monitor` has not improved by more than minDelta for
 * `patience` epochs; with restoreBestWeights, the model ends with the weights
 * of its best epoch (Keras 3: also when training ran to the end).
 */
export class EarlyStopping extends Callback {
  constructor(options = {}) {
    super();
    checkOptions('earlyStopping', options, ['monitor', 'minDelta', 'patience', 'verbose', 'mode', 'baseline', 'restoreBestWeights', 'startFromEpoch']);
    const { monitor = 'val_loss', minDelta = 0, patience = 0, verbose = 0, mode = 'auto', baseline = null, restoreBestWeights = false, startFromEpoch = 0 } = options;
    this.monitor = monitor;
    this.minDelta = Math.abs(checkNumber('earlyStopping minDelta', minDelta));
    this.patience = checkNumber('earlyStopping patience', patience, { min: 0, integer: true });
    this.verbose = verbose;
    this.rises = rises(monitor, mode);
    this.baseline = baseline === null ? null : checkNumber('earlyStopping baseline', baseline);
    this.restoreBestWeights = Boolean(restoreBestWeights);
    this.startFromEpoch = checkNumber('earlyStopping startFromEpoch', startFromEpoch, { min: 0, integer: true });
  }

  improves(value, reference) {
    return this.rises ? value - this.minDelta > reference : value + this.minDelta < reference;
  }

  onTrainBegin() {
    this.wait = 0;
    this.stoppedEpoch = 0;
    this.best = this.rises ? -Infinity : Infinity;
    this.bestWeights = null;
    this.bestEpoch = 0;
  }

  onEpochEnd(epoch, logs) {
    if (epoch < this.startFromEpoch) return;
    const value = monitored(logs, this.monitor, 'earlyStopping');
    if (this.restoreBestWeights && !this.bestWeights) this.bestWeights = this.model.getWeights();
    this.wait++;
    if (this.improves(value, this.best)) {
      this.best = value;
      this.bestEpoch = epoch;
      if (this.restoreBestWeights) this.bestWeights = this.model.getWeights();
      if (this.baseline === null || this.improves(value, this.baseline)) this.wait = 0;
      return;
    }
    if (this.wait >= this.patience && epoch > 0) {
      this.stoppedEpoch = epoch;
      this.model.stopTraining = true;
    }
  }

  onTrainEnd() {
    if (this.stoppedEpoch > 0 && this.verbose) console.log(`Epoch ${this.stoppedEpoch + 1}: early stopping`);
    if (this.restoreBestWeights && this.bestWeights) {
      if (this.verbose) console.log(`Restoring model weights from the end of the best epoch: ${this.bestEpoch + 1}.`);
      this.model.writeWeights(this.bestWeights);
    }
  }
}

/**
 * Multiplies the learning rate by `factor` (down to minLr) when `monitor` has
 * not improved by more than minDelta for `patience` epochs, then waits
 * `cooldown` epochs before watching again.
 */
export class ReduceLROnPlateau extends Callback {
  constructor(options = {}) {
    super();
    checkOptions('reduceLROnPlateau', options, ['monitor', 'factor', 'patience', 'verbose', 'mode', 'minDelta', 'cooldown', 'minLr']);
    const { monitor = 'val_loss', factor = 0.1, patience = 10, verbose = 0, mode = 'auto', minDelta = 1e-4, cooldown = 0, minLr = 0 } = options;
    if (!(factor < 1)) throw new Error(`reduceLROnPlateau factor must be below 1, got ${factor}`);
    this.monitor = monitor;
    this.factor = checkNumber('reduceLROnPlateau factor', factor, { min: 0 });
    this.patience = checkNumber('reduceLROnPlateau patience', patience, { min: 0, integer: true });
    this.verbose = verbose;
    this.rises = rises(monitor, mode);
    this.minDelta = checkNumber('reduceLROnPlateau minDelta', minDelta, { min: 0 });
    this.cooldown = checkNumber('reduceLROnPlateau cooldown', cooldown, { min: 0, integer: true });
    this.minLr = checkNumber('reduceLROnPlateau minLr', minLr, { min: 0 });
  }

  onTrainBegin() {
    this.best = this.rises ? -Infinity : Infinity;
    this.wait = 0;
    this.cooldownCounter = 0;
  }

  onEpochEnd(epoch, logs) {
    const value = monitored(logs, this.monitor, 'reduceLROnPlateau');
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.wait = 0;
    }
    if (this.rises ? value > this.best + this.minDelta : value < this.best - this.minDelta) {
      this.best = value;
      this.wait = 0;
    } else if (this.cooldownCounter === 0 && ++this.wait >= this.patience) {
      const optimizer = this.model.optimizer, old = optimizer.learningRate;
      if (old > this.minLr) {
        optimizer.learningRate = Math.max(old * this.factor, this.minLr);
        if (this.verbose) console.log(`Epoch ${epoch + 1}: ReduceLROnPlateau reducing learning rate to ${optimizer.learningRate}.`);
        this.cooldownCounter = this.cooldown;
        this.wait = 0;
      }
    }
  }
}

/** Sets the learning rate at the start of each epoch to schedule(epoch, currentLearningRate). */
export class LearningRateScheduler extends Callback {
  constructor(schedule, { verbose = 0 } = {}) {
    super();
    if (typeof schedule !== 'function') throw new Error('learningRateScheduler takes a function (epoch, learningRate) => newLearningRate');
    this.schedule = schedule;
    this.verbose = verbose;
  }

  async onEpochBegin(epoch) {
    const optimizer = this.model.optimizer;
    const lr = await this.schedule(epoch, optimizer.learningRate);
    optimizer.learningRate = checkNumber('the learningRateScheduler function\'s result', lr, { min: 0 });
    if (this.verbose) console.log(`Epoch ${epoch + 1}: LearningRateScheduler setting learning rate to ${lr}.`);
  }
}

/** Ends training quietly, with the weights of the last good step, when the loss becomes NaN or Infinity. */
export class TerminateOnNaN extends Callback {}

export const callbacks = {
  earlyStopping: (options) => new EarlyStopping(options),
  reduceLROnPlateau: (options) => new ReduceLROnPlateau(options),
  learningRateScheduler: (schedule, options) => new LearningRateScheduler(schedule, options),
  terminateOnNaN: () => new TerminateOnNaN(),
};
