import { checkFinite, toLabels, toMatrix } from './inputs.js';
import { resolveLoss } from './losses.js';
import { logsFromSums, resolveMetrics, SUMS } from './metrics.js';
import { checkNumber, checkOptions } from './names.js';
import { resolveOptimizer } from './optimizers.js';
import { trainEpochs } from './fit.js';
import { saveModel } from './model-file.js';
import { toTfjs } from './tfjs.js';
import { getLayer, layerHandle, modelInputs, modelOutputs, summaryColumns, summaryText } from './layer-handles.js';
import { f32, f64, formatBytes, MAX_INT, MAX_WASM_BYTES, wasm, withBuffers } from './wasm.js';

const MAX_LAYERS = 32; // SN_MAX_LAYERS in c/model.h
const KERNEL = 0, BIAS = 1;
const MAX_PARAMS = 2 ** 29 - 1; // SN_MAX_PARAMS in c/model.h

/** sn.sequential({ seed, name, layers }): a linear stack of layers. */
export function sequential(config) {
  return new Sequential(config);
}

/**
 * A sequential model. Its weights, gradients, optimizer state and workspace
 * live in wasm memory owned by the model until dispose(). Inputs passed to
 * its methods are copied in and the copies freed before the method returns;
 * every array it returns is a fresh JavaScript copy the caller owns.
 */
export class Sequential {
  constructor(config) {
    const { seed, name = 'sequential', layers = [] } = checkOptions('sequential', config, ['seed', 'name', 'layers']);
    if (typeof name !== 'string') throw new Error(`sequential: name must be a string, got ${JSON.stringify(name)}`);
    if (!Array.isArray(layers)) throw new Error('sequential: layers must be an array of layers');
    this.name = name;
    this.seed = seed === undefined ? Math.floor(Math.random() * 2 ** 32) : checkNumber('seed', seed, { min: 0, max: 2 ** 32 - 1, integer: true });
    this.layers = [];
    this.ptr = 0;
    this.disposed = false;
    this.loss = null;
    this.optimizer = null;
    this.metrics = [];
    this.isTraining = false;
    this.stopTraining = false; // a callback may set it, as in TensorFlow.js
    for (const layer of layers) this.add(layer);
  }

  /** Appends a layer; the first one needs inputShape. Only before the model is built. */
  add(layer) {
    this.checkAlive();
    if (this.ptr) throw new Error('cannot add layers to a model that is already built (compile, predict, summary and getWeights build it)');
    if (!layer || (layer.type !== 'Dense' && layer.type !== 'Dropout')) throw new Error('add() takes a layer made by sn.layers.dense({ ... }) or sn.layers.dropout({ rate })');
    const dense = this.denseLayers();
    if (layer.type === 'Dense' && dense.length >= MAX_LAYERS) throw new Error(`a model holds at most ${MAX_LAYERS} dense layers`);
    const first = this.layers.length === 0;
    if (layer.type === 'Dropout') {
      if (first) throw new Error('dropout must follow a dense layer (dropout on the inputs is not supported)');
      if (this.layers.at(-1).type === 'Dropout') throw new Error('two dropout layers in a row: use one with the combined rate');
    }
    if (first && layer.inputSize === undefined) throw new Error('the first layer needs inputShape, e.g. inputShape: [784]');
    if (!first && layer.inputSize !== undefined && layer.inputSize !== this.outputSize)
      throw new Error(`layer inputShape [${layer.inputShape}] does not match the previous layer's ${this.outputSize} units`);
    const base = layer.type.toLowerCase(), count = this.layers.filter((l) => l.type === layer.type).length; // Keras: dense, dense_1, dropout, …
    const name = layer.name ?? (count ? `${base}_${count}` : base);
    if (this.layers.some((l) => l.name === name)) throw new Error(`a layer named ${JSON.stringify(name)} is already in the model`);
    const units = layer.type === 'Dropout' ? this.outputSize : layer.units;
    this.layers.push(layerHandle(this, { ...layer, name, units, inputSize: first ? layer.inputSize : this.outputSize }));
  }

  /** The dense layers, which hold the weights (a dropout layer acts on the one before it). */
  denseLayers() {
    return this.layers.filter((l) => l.type === 'Dense');
  }

  /** What C cannot express: a model ending in dropout, an activity regularizer on the output layer. */
  checkStructure() {
    if (this.layers.at(-1)?.type === 'Dropout') throw new Error('the model ends with a dropout layer: put dropout between dense layers');
    const out = this.denseLayers().at(-1);
    if (out && (out.activityRegularizer.l1 || out.activityRegularizer.l2))
      throw new Error(`activityRegularizer on the output layer ${out.name} is not supported: put it on a hidden layer`);
  }

  get inputSize() {
    return this.layers[0]?.inputSize;
  }

  get outputSize() {
    return this.layers.at(-1)?.units;
  }

  checkAlive() {
    if (this.disposed) throw new Error('this model was disposed');
  }

  /** Creates the C model and draws its weights from the seed. Called as needed. */
  build() {
    this.checkAlive();
    if (this.ptr) return;
    if (this.layers.length === 0) throw new Error('the model has no layers: add() one first');
    this.checkStructure();
    const n = this.paramCount(); // weights and their gradients, 4 bytes each, before anything reaches C
    if (n > MAX_PARAMS || 8 * n >= MAX_WASM_BYTES)
      throw new Error(`simdnet: out of wasm memory: the model's ${n.toLocaleString('en-US')} weights and their gradients need ${formatBytes(8 * n)}, wasm memory holds at most 4 GB`);
    const w = wasm();
    const ptr = w.sn_model_create(this.inputSize, this.seed >>> 0);
    if (!ptr) throw new Error('simdnet: out of wasm memory creating the model');
    let ok = true, i = -1;
    for (const l of this.layers) {
      if (l.type === 'Dropout') {
        ok &&= w.sn_model_set_dropout(ptr, i, l.rate, l.seed === undefined ? 0 : 1, (l.seed ?? 0) >>> 0) === 1;
        continue;
      }
      ok &&= w.sn_model_add_dense(ptr, l.units, l.activation.kind, l.activation.alpha, l.useBias ? 1 : 0) === ++i;
      for (const [which, init, reg] of [[KERNEL, l.kernelInitializer, l.kernelRegularizer], [BIAS, l.biasInitializer, l.biasRegularizer]]) {
        ok &&= w.sn_model_set_initializer(ptr, i, which, init.kind, init.a, init.b) === 1;
        ok &&= w.sn_model_set_regularizer(ptr, i, which, reg.l1, reg.l2) === 1;
      }
      ok &&= w.sn_model_set_activity_regularizer(ptr, i, l.activityRegularizer.l1, l.activityRegularizer.l2) === 1;
    }
    if (!ok || !w.sn_model_build(ptr)) {
      w.sn_model_free(ptr);
      throw new Error('simdnet: out of wasm memory building the model');
    }
    this.ptr = ptr;
  }

  /** compile({ optimizer, loss, metrics }): names or objects, as in Keras. */
  compile(config) {
    const { optimizer, loss, metrics = [] } = checkOptions('compile', config, ['optimizer', 'loss', 'metrics']);
    this.checkAlive();
    this.checkIdle('compile');
    if (optimizer === undefined) throw new Error("compile needs an optimizer, e.g. optimizer: 'adam'");
    if (loss === undefined) throw new Error("compile needs a loss, e.g. loss: 'categoricalCrossentropy'");
    if (this.layers.length === 0) throw new Error('the model has no layers: add() them before compile');
    this.checkStructure();
    const lossObj = resolveLoss(loss);
    const opt = resolveOptimizer(optimizer);
    if (opt.ptr) throw new Error(`this ${opt.name} optimizer already steps your own buffers (step()): give the model another optimizer, or dispose() it first`);
    if (opt.model && opt.model !== this)
      throw new Error(`this ${opt.name} optimizer is compiled into another model, which it would stop driving: give each model its own optimizer`);
    const resolvedMetrics = resolveMetrics(metrics);
    if (lossObj.fromLogits && this.layers.at(-1).activation.name !== 'linear')
      throw new Error(`fromLogits needs a linear last layer, not ${this.layers.at(-1).activation.name}`);
    this.build();
    const w = wasm();
    const optPtr = opt.createState(this.paramCount());
    if (!w.sn_model_compile(this.ptr, lossObj.kind, lossObj.fromLogits ? 1 : 0, lossObj.cost, lossObj.profit, optPtr))
      throw new Error('simdnet: the model could not be compiled');
    if (this.optimizer && this.optimizer !== opt) this.optimizer.model = null; // the old one no longer drives this model
    this.loss = lossObj;
    this.optimizer = opt;
    this.metrics = resolvedMetrics;
    opt.model = this;
  }

  checkCompiled(what) {
    this.checkAlive();
    if (!this.loss) throw new Error(`${what} needs a compiled model: call model.compile({ optimizer, loss }) first`);
  }

  checkIdle(what) {
    if (this.isTraining) throw new Error(`cannot ${what} while fit() is running`);
  }

  /**
   * Checks and converts (x, y) to flat Float32Arrays: x rows × inputSize, y
   * rows × outputSize, or one integer label per row for sparse losses.
   */
  prepareData(x, y, what = '') {
    const xName = `${what}x`, yName = `${what}y`;
    const X = toMatrix(x, this.inputSize, xName);
    checkFinite(X.values, this.inputSize, xName);
    const looksLikeLabels = !this.loss.sparse && this.outputSize > 1 && y?.length === X.rows && typeof y[0] === 'number';
    if (looksLikeLabels)
      throw new Error(`${yName} holds ${X.rows} values, one per row, but ${this.loss.name} needs rows of ${this.outputSize} (one-hot): ` +
        `use sn.data.oneHot(y, ${this.outputSize}) or the loss 'sparseCategoricalCrossentropy'`);
    const Y = this.loss.sparse ? toLabels(y, this.outputSize, yName) : toMatrix(y, this.outputSize, yName);
    checkFinite(Y.values, this.outputSize, yName);
    if (X.rows !== Y.rows) throw new Error(`${xName} has ${X.rows} rows but ${yName} has ${Y.rows}`);
    if (X.rows === 0) throw new Error(`${xName} has no rows`);
    return { x: X.values, y: Y.values, rows: X.rows };
  }

  /** Trains; resolves to a History { epoch, history: { loss, accuracy, val_loss, … }, params }. */
  async fit(x, y, options = {}) {
    this.checkCompiled('fit');
    this.checkIdle('fit');
    return trainEpochs(this, x, y, options);
  }

  /** Loss and metrics over (x, y): { loss, accuracy, … }. */
  evaluate(x, y, options) {
    const { batchSize = 32 } = checkOptions('evaluate', options, ['batchSize']);
    this.checkCompiled('evaluate');
    checkNumber('batchSize', batchSize, { min: 1, max: MAX_INT, integer: true });
    const data = this.prepareData(x, y);
    return withBuffers((alloc) => {
      const sums = alloc(SUMS * 8);
      if (!wasm().sn_model_evaluate(this.ptr, alloc(data.x), alloc(data.y), data.rows, batchSize, sums))
        throw new Error('simdnet: out of wasm memory in evaluate');
      return logsFromSums(f64(sums, SUMS), this.metrics);
    });
  }

  /** Network outputs, a Float32Array of rows × outputSize. */
  predict(x, options) {
    const { batchSize = 32 } = checkOptions('predict', options, ['batchSize']);
    this.checkAlive();
    checkNumber('batchSize', batchSize, { min: 1, max: MAX_INT, integer: true });
    this.build();
    const X = toMatrix(x, this.inputSize, 'x');
    checkFinite(X.values, this.inputSize, 'x');
    const width = this.outputSize;
    return withBuffers((alloc) => {
      const out = alloc(X.rows * width * 4);
      if (!wasm().sn_model_predict(this.ptr, alloc(X.values), X.rows, batchSize, out)) throw new Error('simdnet: out of wasm memory in predict');
      return f32(out, X.rows * width).slice();
    });
  }

  /** The predicted class of each row (argmax; for one output, output > 0.5). */
  predictClasses(x, options) {
    const probs = this.predict(x, options);
    const width = this.outputSize;
    const classes = new Int32Array(probs.length / width);
    const threshold = this.loss?.fromLogits ? 0 : 0.5;
    for (let r = 0; r < classes.length; r++) {
      if (width === 1) {
        classes[r] = probs[r] > threshold ? 1 : 0;
        continue;
      }
      let best = 0;
      for (let j = 1; j < width; j++) if (probs[r * width + j] > probs[r * width + best]) best = j;
      classes[r] = best;
    }
    return classes;
  }

  /**
   * The loss over all of (x, y) as one batch (with regularization) and its
   * gradient for each weight, in getWeights() order: { loss, grads }.
   */
  computeGradients(x, y) {
    this.checkCompiled('computeGradients');
    this.checkIdle('computeGradients');
    const data = this.prepareData(x, y);
    const w = wasm();
    const loss = withBuffers((alloc) => {
      const out = alloc(8);
      if (!w.sn_model_compute_gradients(this.ptr, alloc(data.x), alloc(data.y), data.rows, out))
        throw new Error('simdnet: out of wasm memory in computeGradients');
      return f64(out, 1)[0];
    });
    const all = f32(w.sn_model_grads(this.ptr), this.paramCount());
    return { loss, grads: this.weightSpecs().map((s) => all.slice(s.offset, s.offset + s.size)) };
  }

  /** One optimizer step from gradients in getWeights() order. */
  applyGradients(grads) {
    this.checkCompiled('applyGradients');
    this.checkIdle('applyGradients');
    const values = this.checkWeightList(grads, 'gradients');
    const w = wasm();
    const all = f32(w.sn_model_grads(this.ptr), this.paramCount());
    this.weightSpecs().forEach((s, i) => all.set(values[i], s.offset));
    w.sn_model_apply_gradients(this.ptr);
  }

  /** Name, shape and place in the parameter buffer of every weight, kernel then bias per layer. */
  weightSpecs() {
    const specs = [];
    let offset = 0;
    for (const l of this.denseLayers()) {
      const add = (kind, shape) => {
        const size = shape.reduce((a, b) => a * b, 1);
        specs.push({ name: `${l.name}/${kind}`, shape, offset, size });
        offset += size;
      };
      add('kernel', [l.inputSize, l.units]);
      if (l.useBias) add('bias', [l.units]);
    }
    return specs;
  }

  paramCount() {
    return this.weightSpecs().reduce((n, s) => n + s.size, 0);
  }

  /** TF.js' name for paramCount(). */
  countParams() {
    return this.paramCount();
  }

  /** TF.js' getLayer(name) or getLayer(index): the layer, with getWeights, setWeights, countParams (web/layer-handles.js). */
  getLayer(nameOrIndex) {
    return getLayer(this, nameOrIndex);
  }

  /** TF.js' model.inputs and model.outputs: [{ name, shape, dtype }], null standing for the batch. */
  get inputs() {
    return modelInputs(this);
  }

  get outputs() {
    return modelOutputs(this);
  }

  /** Multiply-adds of one forward pass for one sample (the course's measure of time). */
  multiplyAdds() {
    return this.denseLayers().reduce((n, l) => n + l.inputSize * l.units, 0);
  }

  /** Copies of the weights: [{ name, shape, values: Float32Array }]. */
  getWeights() {
    this.checkAlive();
    this.build();
    const all = f32(wasm().sn_model_params(this.ptr), this.paramCount());
    return this.weightSpecs().map(({ name, shape, offset, size }) => ({ name, shape, values: all.slice(offset, offset + size) }));
  }

  /** Replaces the weights: a list like getWeights() returns, or of Float32Arrays, in that order. */
  setWeights(weights) {
    this.checkAlive();
    this.checkIdle('setWeights');
    this.writeWeights(weights);
  }

  /** setWeights without the idle check: for callbacks between epochs (earlyStopping's restore). */
  writeWeights(weights) {
    this.build();
    const values = this.checkWeightList(weights, 'weights');
    const all = f32(wasm().sn_model_params(this.ptr), this.paramCount());
    this.weightSpecs().forEach((s, i) => all.set(values[i], s.offset));
  }

  /** Checks a list of arrays against the weight shapes; returns Float32Arrays. */
  checkWeightList(list, what) {
    const specs = this.weightSpecs();
    if (!Array.isArray(list) || list.length !== specs.length) throw new Error(`expected ${specs.length} ${what} arrays (${specs.map((s) => s.name).join(', ')}), got ${Array.isArray(list) ? list.length : typeof list}`);
    return list.map((item, i) => {
      const values = Float32Array.from(ArrayBuffer.isView(item) || Array.isArray(item) ? item : item?.values ?? []);
      if (values.length !== specs[i].size) throw new Error(`${what} for ${specs[i].name} have ${values.length} values, expected ${specs[i].size} (shape [${specs[i].shape}])`);
      checkFinite(values, specs[i].shape.at(-1), `${what} for ${specs[i].name}`);
      return values;
    });
  }

  /**
   * A Keras-style table of layers, output shapes and parameter counts, returned
   * as text (and given line by line to printFn when there is one), in columns as
   * TF.js' summary(lineLength, positions, printFn) places them.
   */
  summary(lineLength, positions, printFn) {
    this.checkAlive();
    const { line, rule } = summaryColumns(lineLength, positions);
    const count = (n) => n.toLocaleString('en-US');
    const params = (l) => (l.type === 'Dense' ? l.inputSize * l.units + (l.useBias ? l.units : 0) : 0);
    const rows = this.layers.map((l) => line([`${l.name} (${l.type})`, `(None, ${l.units})`, String(params(l))]));
    const total = this.paramCount();
    const lines = [
      `Model: "${this.name}"`, rule('_'), line(['Layer (type)', 'Output Shape', 'Param #']), rule('='),
      ...rows, rule('='),
      `Total params: ${count(total)}`, `Trainable params: ${count(total)}`, 'Non-trainable params: 0',
      `Multiply-adds per sample: ${count(this.multiplyAdds())}`, rule('_'),
    ];
    return summaryText(lines, printFn);
  }

  /** The model as one binary file (Uint8Array); sn.loadModel(bytes) restores it. See web/model-file.js. */
  save(options) {
    return saveModel(this, options);
  }

  /** TensorFlow.js layers format: { modelJson, weightsBin } that tf.loadLayersModel reads. See web/tfjs.js. */
  toTfjs() {
    return toTfjs(this);
  }

  /** Frees the model's wasm memory; the model cannot be used afterwards. */
  dispose() {
    this.checkIdle('dispose');
    if (this.ptr) wasm().sn_model_free(this.ptr);
    this.ptr = 0;
    this.disposed = true;
    if (this.optimizer?.model === this) this.optimizer.model = null;
  }
}
