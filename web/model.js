import { checkFinite, toLabels, toMatrix } from './inputs.js';
import { resolveLoss } from './losses.js';
import { logsFromSums, resolveMetrics, SUMS } from './metrics.js';
import { checkNumber, checkOptions } from './names.js';
import { resolveOptimizer } from './optimizers.js';
import { trainEpochs } from './fit.js';
import { saveModel } from './model-file.js';
import { toTfjs } from './tfjs.js';
import { getLayer, layerHandle, modelInputs, modelOutputs, summaryColumns, summaryText } from './layer-handles.js';
import { KINDS } from './layers.js';
import { shapeText, sizeOf, toHwc } from './layers/common.js';
import { f32, f64, formatBytes, MAX_INT, MAX_WASM_BYTES, wasm, withBuffers } from './wasm.js';

const MAX_LAYERS = 64; // SN_MAX_LAYERS in c/model.h
const MAX_PARAMS = 2 ** 29 - 1; // SN_MAX_PARAMS in c/model.h

/** Whether a later layer's declared inputShape matches the previous output (a Dense compares sizes: it flattens). */
function sameInput(layer, inShape) {
  return layer.type === 'Dense' ? sizeOf(layer.inputShape) === sizeOf(inShape) : layer.inputShape.join() === inShape.join();
}

/** Checks a list of arrays against weight specs; returns Float32Arrays. */
function checkWeightList(list, what, specs) {
  if (!Array.isArray(list) || list.length !== specs.length) throw new Error(`expected ${specs.length} ${what} arrays (${specs.map((s) => s.name).join(', ')}), got ${Array.isArray(list) ? list.length : typeof list}`);
  return list.map((item, i) => {
    const values = Float32Array.from(ArrayBuffer.isView(item) || Array.isArray(item) ? item : item?.values ?? []);
    if (values.length !== specs[i].size) throw new Error(`${what} for ${specs[i].name} have ${values.length} values, expected ${specs[i].size} (shape [${specs[i].shape}])`);
    checkFinite(values, specs[i].shape.at(-1), `${what} for ${specs[i].name}`);
    const negative = specs[i].nonNegative ? values.findIndex((v) => v < 0) : -1;
    if (negative >= 0) throw new Error(`${what} for ${specs[i].name} must not be negative, got ${values[negative]} at index ${negative}`);
    return values;
  });
}

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
    const kind = layer && Object.hasOwn(KINDS, layer.type) ? KINDS[layer.type] : null;
    if (!kind) throw new Error('add() takes a layer made by sn.layers.dense({ ... }), sn.layers.conv2d({ ... }) or another sn.layers factory');
    if (this.layers.length >= MAX_LAYERS) throw new Error(`a model holds at most ${MAX_LAYERS} layers`);
    const first = this.layers.length === 0;
    const count = this.layers.filter((l) => l.type === layer.type).length; // Keras: dense, dense_1, conv2d, …
    const name = layer.name ?? (count ? `${kind.baseName}_${count}` : kind.baseName);
    if (this.layers.some((l) => l.name === name)) throw new Error(`a layer named ${JSON.stringify(name)} is already in the model`);
    const what = `${name} (${layer.type})`;
    if (first && layer.inputShape === undefined) throw new Error('the first layer needs inputShape, e.g. inputShape: [784]');
    const inShape = first ? layer.inputShape : this.layers.at(-1).outShape;
    if (!first && layer.inputShape !== undefined && !sameInput(layer, inShape)) {
      const previous = inShape.length === 1 ? `${inShape[0]} units` : `output ${shapeText(inShape)}`;
      throw new Error(`${what}: layer inputShape [${layer.inputShape}] does not match the previous layer's ${previous}`);
    }
    let outShape;
    try {
      outShape = kind.outputShape(layer, inShape, first);
    } catch (err) {
      throw new Error(`${what}: ${err.message}`);
    }
    this.layers.push(layerHandle(this, { ...layer, name, inShape, outShape, ...kind.entry?.(layer, inShape) }));
  }

  /** What C cannot express: an output that is not a vector, an activity regularizer on the output layer. */
  checkStructure() {
    const last = this.layers.at(-1);
    if (!last) return;
    if (last.outShape.length !== 1)
      throw new Error(`the model's output has shape ${shapeText(last.outShape)}: end it with sn.layers.flatten() or a global pooling layer (usually followed by a dense layer)`);
    if (last.activityRegularizer && (last.activityRegularizer.l1 || last.activityRegularizer.l2))
      throw new Error(`activityRegularizer on the output layer ${last.name} is not supported: put it on a hidden layer`);
  }

  /** The activation of the output, which the loss may fuse with (softmax, sigmoid) or need (fromLogits: linear). */
  outputActivation() {
    return this.layers.at(-1)?.activation?.name ?? 'linear';
  }

  /** The shape of one input sample, as the first layer's inputShape declares it. */
  get inputShape() {
    return this.layers[0]?.inShape;
  }

  get inputSize() {
    return this.layers.length ? sizeOf(this.inputShape) : undefined;
  }

  get outputSize() {
    return this.layers.length ? sizeOf(this.layers.at(-1).outShape) : undefined;
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
    const ptr = w.sn_model_create_hwc(...toHwc(this.inputShape), this.seed >>> 0);
    if (!ptr) throw new Error('simdnet: out of wasm memory creating the model');
    let ok = true;
    this.layers.forEach((l, i) => {
      const kind = KINDS[l.type];
      ok &&= kind.addToC(w, ptr, l, l.outShape) === i && w.sn_model_layer_size(ptr, i) === sizeOf(l.outShape);
      for (const t of kind.weights(l, l.inShape)) {
        ok &&= w.sn_model_set_initializer(ptr, i, t.slot, t.initializer.kind, t.initializer.a, t.initializer.b) === 1;
        if (t.regularizer) ok &&= w.sn_model_set_regularizer(ptr, i, t.slot, t.regularizer.l1, t.regularizer.l2) === 1;
      }
      if (l.activityRegularizer) ok &&= w.sn_model_set_activity_regularizer(ptr, i, l.activityRegularizer.l1, l.activityRegularizer.l2) === 1;
    });
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
    if (lossObj.fromLogits && this.outputActivation() !== 'linear')
      throw new Error(`fromLogits needs a linear last layer, not ${this.outputActivation()}`);
    this.build();
    const w = wasm();
    const optPtr = opt.createState(this.trainableCount());
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
    const all = f32(w.sn_model_grads(this.ptr), this.trainableCount());
    return { loss, grads: this.trainableSpecs().map((s) => all.slice(s.offset, s.offset + s.size)) };
  }

  /** One optimizer step from gradients in the order of the trainable weights (getWeights() without the non-trainable ones). */
  applyGradients(grads) {
    this.checkCompiled('applyGradients');
    this.checkIdle('applyGradients');
    const specs = this.trainableSpecs();
    const values = checkWeightList(grads, 'gradients', specs);
    const w = wasm();
    const all = f32(w.sn_model_grads(this.ptr), this.trainableCount());
    specs.forEach((s, i) => all.set(values[i], s.offset));
    w.sn_model_apply_gradients(this.ptr);
  }

  /**
   * Name, shape, trainability and place of every weight in Keras' get_weights
   * order: trainable ones in the parameter buffer, the others (batch norm's
   * moving statistics) in the state buffer, each at its own offset.
   */
  weightSpecs() {
    const specs = [], offsets = { true: 0, false: 0 };
    for (const l of this.layers)
      for (const t of KINDS[l.type].weights(l, l.inShape)) {
        const size = sizeOf(t.shape), trainable = t.trainable !== false;
        specs.push({ name: `${l.name}/${t.name}`, shape: t.shape, trainable, offset: offsets[trainable], size, nonNegative: t.name === 'moving_variance' });
        offsets[trainable] += size;
      }
    return specs;
  }

  trainableSpecs() {
    return this.weightSpecs().filter((s) => s.trainable);
  }

  /** Every weight, trainable or not (Keras' count_params). */
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

  trainableCount() {
    return this.trainableSpecs().reduce((n, s) => n + s.size, 0);
  }

  /** Multiply-adds of one forward pass for one sample (the course's measure of time): dense and conv2d layers. */
  multiplyAdds() {
    return this.layers.reduce((n, l) => n + (KINDS[l.type].multiplyAdds?.(l, l.inShape, l.outShape) ?? 0), 0);
  }

  /** Fresh views of the weight buffers, trainable and not; valid until the next wasm call. */
  weightBuffers() {
    const w = wasm(), trainable = this.trainableCount();
    return { true: f32(w.sn_model_params(this.ptr), trainable), false: f32(w.sn_model_state(this.ptr), this.paramCount() - trainable) };
  }

  /** Copies of the weights: [{ name, shape, values: Float32Array }], batch norm's moving statistics included. */
  getWeights() {
    this.checkAlive();
    this.build();
    const buffers = this.weightBuffers();
    return this.weightSpecs().map(({ name, shape, trainable, offset, size }) => ({ name, shape, values: buffers[trainable].slice(offset, offset + size) }));
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
    const specs = this.weightSpecs();
    const values = checkWeightList(weights, 'weights', specs);
    const buffers = this.weightBuffers();
    specs.forEach((s, i) => buffers[s.trainable].set(values[i], s.offset));
  }

  /**
   * A Keras-style table of layers, output shapes and parameter counts, returned
   * as text (and given line by line to printFn when there is one), in columns as
   * TF.js' summary(lineLength, positions, printFn) places them.
   */
  summary(lineLength, positions, printFn) {
    this.checkAlive();
    const names = this.layers.map((l) => `${l.name} (${l.type})`), shapes = this.layers.map((l) => shapeText(l.outShape));
    // Without lineLength or positions, the columns widen to fit long names and shapes (TF.js cuts them).
    const widths = [Math.max(28, ...names.map((n) => n.length + 2)), Math.max(26, ...shapes.map((t) => t.length + 2))];
    const fit = lineLength === undefined && positions === undefined;
    const { line, rule } = fit ? summaryColumns(widths[0] + widths[1] + 11, [widths[0] + 1, widths[0] + widths[1] + 1, widths[0] + widths[1] + 11])
      : summaryColumns(lineLength, positions);
    const count = (n) => n.toLocaleString('en-US');
    const params = (l) => KINDS[l.type].weights(l, l.inShape).reduce((n, t) => n + sizeOf(t.shape), 0);
    const rows = this.layers.map((l, i) => line([names[i], shapes[i], String(params(l))]));
    const total = this.paramCount(), trainable = this.trainableCount();
    const lines = [
      `Model: "${this.name}"`, rule('_'), line(['Layer (type)', 'Output Shape', 'Param #']), rule('='),
      ...rows, rule('='),
      `Total params: ${count(total)}`, `Trainable params: ${count(trainable)}`, `Non-trainable params: ${count(total - trainable)}`,
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
