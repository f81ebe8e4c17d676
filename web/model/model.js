// Models: sn.model({ inputs, outputs }) — the functional API, a graph of layers
// applied to symbolic tensors (web/model/graph.js) — and sn.sequential, the chain
// where each layer reads the one before. Both are one Model over one C graph
// (c/model.h): the model hands C its nodes, C lays out the weights and owns
// their names, shapes and places (read back through sn_model_tensor_info),
// and one epoch of training is one wasm call (web/train/fit.js).
//
// Memory: a built model's weights, gradients, optimizer state and workspace
// live in wasm memory owned by the model until dispose(). Inputs passed to its
// methods are copied in and the copies freed before the method returns; every
// array it returns is a fresh JavaScript copy the caller owns.
import { checkFinite, isPlainObject, labelRows, listByName, toMatrix } from './inputs.js';
import { resolveLoss } from '../train/losses.js';
import { LIMITS, SUM, TENSOR_INFO as INFO } from '../../dist/constants.js';
import { logsFromSums, resolveMetrics, SUMS } from '../train/metrics.js';
import { checkNumber, checkOptions } from '../core/names.js';
import { resolveOptimizer } from '../train/optimizers.js';
import { trainEpochs } from '../train/fit.js';
import { saveModel } from '../io/model-file.js';
import { toTfjs } from '../io/tfjs-export.js';
import { KINDS } from '../layers/index.js';
import { makeLayer, getLayer, summaryColumns, summaryText } from '../layers/layer.js';
import { InputLayer, SymbolicTensor, recordNode, traceGraph } from './graph.js';
import { checkTokenIds, tokenReaders, tokenTable } from './token-ids.js';
import { shapeText, sizeOf, toHwc } from '../layers/common.js';
import { cString, f32, f64, formatBytes, i32, MAX_INT, MAX_WASM_BYTES, wasm, withBuffers } from '../core/wasm.js';

const { MAX_PARAMS, MAX_ENDS, TENSOR_SLOTS } = LIMITS; // a model's most weights, inputs and outputs; a node's tensor slots

/** Whether a later layer's declared inputShape matches the previous output. */
const sameInput = (layer, inShape) => layer.inputShape.join() === inShape.join();

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

const asList = (v) => (Array.isArray(v) ? v : [v]);
/** Whether a weight trains now: its kind trains it (not moving statistics) and its layer is not frozen. */
const trainsNow = (spec) => spec.kindTrainable && spec.layer.trainable !== false;

/** A layer name Keras would give: its kind's base name, then _1, _2, … until it is free. */
function freeName(base, taken) {
  if (!taken.has(base)) return base;
  for (let k = 1; ; k++) if (!taken.has(`${base}_${k}`)) return `${base}_${k}`;
}

/** sn.model({ inputs, outputs, name, seed }): a model of the layers between its inputs and outputs. */
export function model(config) {
  return new Model(config);
}

/** sn.sequential({ seed, name, layers }): a linear stack of layers. */
export function sequential(config) {
  return new Sequential(config);
}

/** A weight's full name, Keras' path: its layer's name, then the kind's name of the tensor ('dense_1/kernel', 'tpe/token_embedding/embeddings'). */
const weightPath = (layer, tensorName) => `${layer.name}/${layer.kind.weightName?.(layer, tensorName) ?? tensorName}`;

/**
 * A model: inputs and outputs (symbolic tensors), the nodes between them in
 * topological order (this.nodes: one per layer application) and its layers
 * (this.layers, each once, in the order of its first node). Sequential builds
 * the same from a list of layers.
 */
export class Model {
  constructor(config, kind = 'model') {
    this.className = 'Functional';
    this.initModel(kind === 'model' ? checkOptions('model', config, ['inputs', 'outputs', 'name', 'seed']) : config, kind);
    if (kind !== 'model') return;
    const { inputs, outputs } = config ?? {};
    if (inputs === undefined || outputs === undefined) throw new Error('model needs inputs and outputs: sn.model({ inputs: sn.input({ shape }), outputs: layer.apply(…) })');
    const ins = asList(inputs), outs = asList(outputs);
    for (const [what, list] of [['inputs', ins], ['outputs', outs]]) {
      if (list.length === 0 || !list.every((t) => t instanceof SymbolicTensor))
        throw new Error(`model ${what} must be symbolic tensors (sn.input() for inputs, layer.apply() for outputs), got ${list.map((t) => (t instanceof SymbolicTensor ? 'a tensor' : typeof t)).join(', ') || 'none'}`);
      if (list.length > MAX_ENDS) throw new Error(`a model has at most ${MAX_ENDS} ${what}, got ${list.length}`);
      if (new Set(list).size !== list.length) throw new Error(`model ${what} list one tensor twice`);
    }
    const notInput = ins.find((t) => t.sourceLayer.type !== 'InputLayer');
    if (notInput) throw new Error(`model inputs must come from sn.input(), but ${notInput.name} is the output of a layer`);
    const inputAsOutput = outs.find((t) => t.sourceLayer.type === 'InputLayer');
    if (inputAsOutput) throw new Error(`output ${inputAsOutput.name} is an input: apply a layer to it`);
    this.setGraph(ins, outs, traceGraph(ins, outs));
    for (const layer of this.layers) if (layer.type !== 'InputLayer' && !layer.model) layer.model = this;
  }

  /** Fields every model has. */
  initModel(config, kind) {
    const { seed, name = kind } = config ?? {};
    if (typeof name !== 'string') throw new Error(`${kind}: name must be a string, got ${JSON.stringify(name)}`);
    this.name = name;
    this.seed = seed === undefined ? Math.floor(Math.random() * 2 ** 32) : checkNumber('seed', seed, { min: 0, max: 2 ** 32 - 1, integer: true });
    this.layers = [];
    this.nodes = [];
    this.inputs = [];
    this.outputs = [];
    this.ptr = 0;
    this.disposed = false;
    this.loss = null; // the first output's; this.losses has every output's
    this.losses = [];
    this.lossWeights = [];
    this.optimizer = null;
    this.metrics = []; // the first output's; this.outputMetrics has every output's
    this.outputMetrics = [];
    this.isTraining = false;
    this.stopTraining = false; // a callback may set it, as in TensorFlow.js
  }

  /** Takes the traced graph: names the unnamed layers (Keras' way) and refuses two layers of one name. */
  setGraph(inputs, outputs, nodes) {
    const layers = [...inputs.map((t) => t.sourceLayer), ...new Set(nodes.filter((n) => !n.layer.kind.hidden).map((n) => n.layer))]; // not the slices (graph.js)
    const taken = new Set(), byName = new Map();
    for (const layer of layers) if (layer.name !== undefined) taken.add(layer.name);
    for (const layer of layers) {
      if (layer.name === undefined) {
        layer.name = freeName(layer.type === 'InputLayer' ? 'input' : layer.kind.baseName, taken);
        taken.add(layer.name);
      }
      const other = byName.get(layer.name);
      if (other && other !== layer) throw new Error(`two layers of the model are named ${JSON.stringify(layer.name)}: layer names must be unique`);
      byName.set(layer.name, layer);
    }
    this.inputs = inputs;
    this.outputs = outputs;
    this.nodes = nodes;
    this.layers = layers;
  }

  /** The names of the layers that make the outputs, in order: they key per-output losses and logs. */
  get outputNames() {
    return this.outputs.map((t) => t.sourceLayer.name);
  }

  /** Columns of one row of predictions: every output's side by side. */
  get outputWidth() {
    return this.outputs.reduce((n, t) => n + sizeOf(t.sampleShape), 0);
  }

  /** A single-input model's sample size (and single-output's): as Sequential always had them. */
  get inputShape() {
    return this.inputs[0]?.sampleShape;
  }

  get inputSize() {
    return this.inputs.length ? sizeOf(this.inputShape) : undefined;
  }

  get outputSize() {
    return this.outputs.length ? sizeOf(this.outputs[0].sampleShape) : undefined;
  }

  /** Keras' model.trainable: setting it sets every layer's (applied at the next compile). */
  get trainable() {
    return this.layers.some((l) => l.type !== 'InputLayer' && l.trainable);
  }

  set trainable(value) {
    for (const layer of this.layers) layer.trainable = Boolean(value);
  }

  /**
   * Output k's loss rows per sample and their width: an output of any rank
   * takes its loss along the last axis, averaged over the other axes, as in
   * Keras (c/losses.h), so [steps, classes] is `steps` rows of `classes`.
   */
  outputRows(k = 0) {
    const shape = this.outputs[k].sampleShape, width = shape.at(-1);
    return { positions: sizeOf(shape) / width, width };
  }

  /** The activation of output k, which its loss may fuse with (softmax, sigmoid) or need (fromLogits: linear). */
  outputActivation(k = 0) {
    return this.outputs[k]?.sourceLayer.activation?.name ?? 'linear';
  }

  checkAlive() {
    if (this.disposed) throw new Error('this model was disposed');
  }

  /**
   * The C graph: inputs, then one node per layer application in topological
   * order (a layer applied again shares its first node's weights), then the
   * outputs. Throws (and frees it) when C refuses a node.
   */
  createGraph(w) {
    const ptr = w.sn_model_create_graph(this.seed >>> 0);
    if (!ptr) throw new Error('simdnet: out of wasm memory creating the model');
    const values = new Map(); // symbolic tensor → C value
    try {
      for (const t of this.inputs) {
        const id = w.sn_model_add_input(ptr, ...toHwc(t.sampleShape));
        if (id < 0) throw new Error(`simdnet: out of wasm memory adding input ${t.name}`);
        values.set(t, id);
      }
      const first = new Map(); // layer → its first node's index
      const nodeOf = new Map(); // a node's output tensor → the node's index
      this.nodes.forEach((node, i) => {
        const { layer } = node;
        const ok = withBuffers((alloc) => w.sn_model_set_inputs(ptr, alloc(Int32Array.from(node.inputs, (t) => values.get(t))), node.inputs.length) === 1) &&
          (!first.has(layer) || w.sn_model_share(ptr, first.get(layer)) === 1);
        if (!ok || layer.kind.addToC(w, ptr, layer, node.output.sampleShape, node.inputs.map((t) => t.sampleShape), node) !== i || w.sn_model_layer_size(ptr, i) !== sizeOf(node.output.sampleShape))
          throw new Error(`simdnet: the C core refused ${layer.name} (${layer.type}) on inputs ${node.inputs.map((t) => shapeText(t.sampleShape)).join(', ')}`);
        values.set(node.output, w.sn_model_node_value(ptr, i));
        nodeOf.set(node.output, i);
        const mask = node.output.maskFrom; // the Keras mask it carries: made by which node (web/model/masks.js)
        if (mask && w.sn_model_set_mask(ptr, values.get(node.output), nodeOf.get(mask) ?? -1) !== 1)
          throw new Error(`simdnet: the C core refused the mask of ${layer.name} (${layer.type}), made by ${mask.sourceLayer.name}`);
        if (!first.has(layer)) {
          first.set(layer, i);
          for (const t of layer.kind.weights(layer, node.inputs[0].sampleShape)) {
            if (w.sn_model_set_initializer(ptr, i, t.slot, t.initializer.kind, t.initializer.a, t.initializer.b) !== 1 ||
              (t.regularizer && w.sn_model_set_regularizer(ptr, i, t.slot, t.regularizer.l1, t.regularizer.l2) !== 1))
              throw new Error(`simdnet: could not set up the weights of ${layer.name}`);
          }
          if (w.sn_model_set_trainable(ptr, i, layer.trainable === false ? 0 : 1) !== 1) throw new Error('simdnet: out of wasm memory');
        }
        const activity = layer.activityRegularizer; // Keras: every application adds its penalty
        if (activity && (activity.l1 || activity.l2) && w.sn_model_set_activity_regularizer(ptr, i, activity.l1, activity.l2) !== 1)
          throw new Error(`simdnet: could not set the activity regularizer of ${layer.name}`);
      });
      const ok = withBuffers((alloc) => w.sn_model_set_outputs(ptr, alloc(Int32Array.from(this.outputs, (t) => values.get(t))), this.outputs.length) === 1);
      if (!ok) throw new Error('simdnet: the C core refused the outputs');
      return ptr;
    } catch (err) {
      w.sn_model_free(ptr);
      throw err;
    }
  }

  /** Every weight as C lays it out: [{ name, shape, trainable (learns: in params), kindTrainable, offset, size, layer }]. */
  readSpecs(w, ptr) {
    const specs = [];
    withBuffers((alloc) => {
      const info = alloc(INFO.COUNT * 4);
      this.nodes.forEach((node, i) => {
        for (let slot = 0; slot < TENSOR_SLOTS; slot++) {
          const namePtr = w.sn_model_tensor_info(ptr, i, slot, info);
          if (!namePtr) continue;
          const f = i32(info, INFO.COUNT).slice(), tensorName = cString(namePtr);
          specs.push({
            name: weightPath(node.layer, tensorName), shape: Array.from(f.subarray(INFO.DIMS, INFO.DIMS + f[INFO.RANK])),
            trainable: f[INFO.LEARNS] === 1, kindTrainable: f[INFO.KIND_TRAINABLE] === 1,
            offset: f[INFO.OFFSET], size: f[INFO.SIZE], layer: node.layer, nonNegative: tensorName === 'moving_variance',
          });
        }
      });
    });
    return specs;
  }

  /** Creates the C model, draws its weights from the seed, and takes in the current weights of layers that another model holds. */
  build() {
    this.checkAlive();
    if (this.ptr) return;
    if (this.nodes.length === 0) throw new Error('the model has no layers: add() one first');
    this.checkSize();
    const w = wasm();
    const ptr = this.createGraph(w);
    if (!w.sn_model_build(ptr)) {
      w.sn_model_free(ptr);
      throw new Error('simdnet: out of wasm memory building the model');
    }
    this.ptr = ptr;
    this.specs = this.readSpecs(w, ptr);
    // Layers built in another model bring their current weights: one read of each such model.
    const adopted = this.layers.filter((l) => l.model && l.model !== this && !l.model.disposed && l.model.ptr);
    if (adopted.length) {
      const current = new Map();
      for (const source of new Set(adopted.map((l) => l.model))) {
        const values = source.getWeights();
        source.weightSpecs().forEach((s, i) => adopted.includes(s.layer) && current.set(s.name, values[i].values));
      }
      this.writeWeights(this.getWeights().map((v) => current.get(v.name) ?? v.values));
    }
    for (const layer of this.layers) if (layer.type !== 'InputLayer') layer.model = this;
  }

  /**
   * Weights past what wasm can hold are refused with their count before C is
   * asked (C refuses them too, but could not say how many): 4 bytes each, and
   * as many again for their gradients. The kinds' own shapes count them here.
   */
  checkSize() {
    const seen = new Set();
    const n = this.nodes.reduce((sum, { layer, inputs }) => {
      if (seen.has(layer)) return sum;
      seen.add(layer);
      return sum + layer.kind.weights(layer, inputs[0].sampleShape).reduce((k, t) => k + sizeOf(t.shape), 0);
    }, 0);
    if (n > MAX_PARAMS || 8 * n >= MAX_WASM_BYTES)
      throw new Error(`simdnet: out of wasm memory: the model's ${n.toLocaleString('en-US')} weights and their gradients need ${formatBytes(8 * n)}, wasm memory holds at most 4 GB`);
  }

  /**
   * compile({ optimizer, loss, metrics, lossWeights }): names or objects, as in
   * Keras. With several outputs, loss, metrics and lossWeights are one for all,
   * a list in output order, or an object keyed by output layer name. Layers'
   * trainable flags take effect here, as in Keras.
   */
  compile(config) {
    const { optimizer, loss, metrics = [], lossWeights } = checkOptions('compile', config, ['optimizer', 'loss', 'metrics', 'lossWeights']);
    this.checkAlive();
    this.checkIdle('compile');
    if (optimizer === undefined) throw new Error("compile needs an optimizer, e.g. optimizer: 'adam'");
    if (loss === undefined) throw new Error("compile needs a loss, e.g. loss: 'categoricalCrossentropy'");
    if (this.nodes.length === 0) throw new Error('the model has no layers: add() them before compile');
    const lossObjs = this.perOutput('loss', loss, (v) => typeof v === 'string' || (isPlainObject(v) && typeof v.name === 'string') || v?.kind !== undefined).map(resolveLoss);
    const weights = lossWeights === undefined ? this.outputs.map(() => 1)
      : this.perOutput('lossWeights', lossWeights, (v) => typeof v === 'number', 1).map((v) => checkNumber('lossWeights', v, { min: 0 }));
    const perMetrics = this.perOutput('metrics', metrics, (v) => Array.isArray(v) && v.every((m) => typeof m === 'string'), [],
      (m) => (typeof m === 'string' ? [m] : m)).map((m) => resolveMetrics(m)); // { cls: 'accuracy' } as Keras takes it
    const opt = resolveOptimizer(optimizer);
    if (opt.ptr) throw new Error(`this ${opt.name} optimizer already steps your own buffers (step()): give the model another optimizer, or dispose() it first`);
    if (opt.model && opt.model !== this)
      throw new Error(`this ${opt.name} optimizer is compiled into another model, which it would stop driving: give each model its own optimizer`);
    lossObjs.forEach((l, k) => {
      if (l.fromLogits && this.outputActivation(k) !== 'linear')
        throw new Error(`fromLogits needs a linear last layer, not ${this.outputActivation(k)}${this.outputs.length > 1 ? ` (output ${this.outputNames[k]})` : ''}`);
    });
    this.build();
    const w = wasm();
    this.nodes.forEach((node, i) => { // C takes a shared layer's flag from any of its nodes
      if (w.sn_model_set_trainable(this.ptr, i, node.layer.trainable === false ? 0 : 1) !== 1)
        throw new Error('simdnet: out of wasm memory freezing or unfreezing layers');
    });
    this.specs = this.readSpecs(w, this.ptr);
    this.excludeFromWeightDecay(w, opt);
    const optPtr = opt.createState(this.trainableCount());
    const first = lossObjs[0];
    let ok = w.sn_model_compile(this.ptr, first.kind, first.fromLogits ? 1 : 0, first.cost, first.profit, optPtr) === 1;
    lossObjs.forEach((l, k) => {
      ok &&= w.sn_model_set_loss(this.ptr, k, l.kind, l.fromLogits ? 1 : 0, l.cost, l.profit, weights[k]) === 1;
    });
    if (!ok) throw new Error('simdnet: the model could not be compiled');
    if (this.optimizer && this.optimizer !== opt) this.optimizer.model = null; // the old one no longer drives this model
    this.losses = lossObjs;
    this.loss = lossObjs[0];
    this.lossWeights = weights;
    this.outputMetrics = perMetrics;
    this.metrics = perMetrics[0];
    this.optimizer = opt;
    opt.model = this;
  }

  /** Each tensor's exclude_from_weight_decay flag, as opt decides by its full name (C hands them to the optimizer at compile). */
  excludeFromWeightDecay(w, opt) {
    withBuffers((alloc) => {
      const info = alloc(INFO.COUNT * 4);
      this.nodes.forEach((node, i) => {
        for (let slot = 0; slot < TENSOR_SLOTS; slot++) {
          const namePtr = w.sn_model_tensor_info(this.ptr, i, slot, info);
          if (!namePtr) continue;
          const path = weightPath(node.layer, cString(namePtr));
          w.sn_model_exclude_from_weight_decay(this.ptr, i, slot, opt.excludesFromWeightDecay(path) ? 1 : 0);
        }
      });
    });
  }

  /**
   * One setting per output from what compile was given: one for all, a list in
   * output order, or an object keyed by output name, where a name left out gets
   * `missing` (an Error when there is none) and `entry` reads each value given.
   * `isOne` tells a single setting.
   */
  perOutput(what, value, isOne, missing, entry = (v) => v) {
    const n = this.outputs.length, names = this.outputNames;
    if (isOne(value)) return names.map(() => value);
    if (Array.isArray(value)) {
      if (value.length !== n) throw new Error(`compile: ${what} lists ${value.length} entries but the model has ${n} output${n > 1 ? 's' : ''} (${names.join(', ')})`);
      return value;
    }
    if (!isPlainObject(value)) return names.map(() => value); // the setting's own check names what is wrong
    const unknown = Object.keys(value).find((k) => !names.includes(k));
    if (unknown) throw new Error(`compile: ${what} names ${JSON.stringify(unknown)}, which is not an output; the outputs are ${names.join(', ')}`);
    return names.map((name) => {
      if (name in value) return entry(value[name]);
      if (missing === undefined) throw new Error(`compile: ${what} gives nothing for output ${name}`);
      return missing;
    });
  }

  checkCompiled(what) {
    this.checkAlive();
    if (!this.loss) throw new Error(`${what} needs a compiled model: call model.compile({ optimizer, loss }) first`);
  }

  checkIdle(what) {
    if (this.isTraining) throw new Error(`cannot ${what} while fit() is running`);
  }

  /**
   * x as one Float32Array of rows × inputWidth (every input's columns side by
   * side, as C reads them): one input's data, or a list of arrays in inputs
   * order, or an object keyed by input name.
   */
  prepareInputs(x, what = '') {
    const convert = (t, data, label) => {
      const size = sizeOf(t.sampleShape), readers = tokenReaders(this, t);
      let X;
      try {
        X = toMatrix(data, size, label);
      } catch (err) {
        if (readers.length) err.message += ` (token ids for ${readers.map((l) => `embedding ${l.name}`).join(', ')}: samples of shape [${t.sampleShape}])`;
        throw err;
      }
      checkTokenIds(readers, data, X.values.length, size, label);
      checkFinite(X.values, size, label);
      return { ...X, width: size };
    };
    if (this.inputs.length === 1) return convert(this.inputs[0], x, `${what}x`);
    return this.sideBySide(this.inputs, x, `${what}x`, convert);
  }

  /** Several arrays, one per input (or output), as one of rows × their widths side by side. */
  sideBySide(ends, data, name, convert) {
    const names = ends.map((t) => t.sourceLayer.name);
    const list = listByName(data, names, name);
    const parts = list.map((d, k) => convert(ends[k], d, `${name}[${k}] (${names[k]})`, k));
    const rows = parts[0].rows;
    const other = parts.findIndex((p) => p.rows !== rows);
    if (other > 0) throw new Error(`${name}: ${names[0]} has ${rows} rows but ${names[other]} has ${parts[other].rows}: every one needs the same rows`);
    const width = parts.reduce((n, p) => n + p.width, 0), values = new Float32Array(rows * width);
    for (let r = 0, col = 0; r < rows; r++, col = 0)
      for (const p of parts) {
        values.set(p.values.subarray(r * p.width, (r + 1) * p.width), r * width + col);
        col += p.width;
      }
    return { values, rows };
  }

  /**
   * y as one Float32Array of rows × target columns (each output's targets side
   * by side, as C reads them). An output of shape [steps, classes] takes, per
   * row, `steps` labels (sparse: flat, or nested [rows][steps] or
   * [rows][steps][1] as TF.js has them) or its whole shape.
   */
  prepareTargets(y, rows, what = '') {
    const yName = `${what}y`;
    const convert = (t, data, label, k) => {
      const size = sizeOf(t.sampleShape), loss = this.losses[k], { positions, width: classes } = this.outputRows(k);
      const nestedLabels = positions > 1 && Array.isArray(data) && data.length === rows && Array.isArray(data[0]) && data[0].flat(Infinity).length === positions;
      const looksLikeLabels = !loss.sparse && classes > 1 && ((data?.length === rows * positions && typeof data[0] === 'number') || nestedLabels);
      if (looksLikeLabels)
        throw new Error(`${label} holds ${rows * positions} values, one per ${positions > 1 ? 'step' : 'row'}, but ${loss.name} needs rows of ${classes} (one-hot): ` +
          `use sn.data.oneHot(y, ${classes}) or the loss 'sparseCategoricalCrossentropy'`);
      const width = loss.sparse ? positions : size;
      const Y = loss.sparse ? labelRows(data, classes, positions, label) : toMatrix(data, size, label);
      checkFinite(Y.values, width, label);
      return { ...Y, width };
    };
    if (this.outputs.length === 1) return convert(this.outputs[0], y, yName, 0);
    return this.sideBySide(this.outputs, y, yName, convert);
  }

  /** Checks and converts (x, y) to flat Float32Arrays: x rows × inputWidth, y rows × target columns. */
  prepareData(x, y, what = '') {
    const X = this.prepareInputs(x, what);
    const Y = this.prepareTargets(y, X.rows, what);
    if (X.rows !== Y.rows) throw new Error(`${what}x has ${X.rows} rows but ${what}y has ${Y.rows}`);
    if (X.rows === 0) throw new Error(`${what}x has no rows`);
    return { x: X.values, y: Y.values, rows: X.rows };
  }

  /** Doubles of metric sums C fills: SUMS per output. */
  get sumsCount() {
    return SUMS * Math.max(1, this.outputs.length);
  }

  /**
   * Logs from C's sums: loss (data + regularization, per sample) and metrics;
   * with several outputs the weighted total, and each output's loss and
   * metrics as `<output>_loss`, `<output>_<metric>` (Keras' and TF.js' names).
   */
  logsFromSums(sums, prefix = '') {
    const part = (k) => sums.subarray(k * SUMS, (k + 1) * SUMS);
    // Σ weight·loss over the outputs, then the penalty (in the first output's sums), per row: Keras' total.
    const weighted = this.outputs.reduce((n, t, k) => n + (this.lossWeights[k] ?? 1) * part(k)[SUM.LOSS], 0);
    const loss = (weighted + sums[SUM.REG_LOSS]) / sums[SUM.ROWS];
    if (this.outputs.length <= 1) return { ...logsFromSums(sums, this.metrics, prefix), [`${prefix}loss`]: loss };
    const logs = { [`${prefix}loss`]: loss };
    this.outputs.forEach((t, k) => {
      const own = logsFromSums(Float64Array.from(part(k), (v, i) => (i === SUM.REG_LOSS ? 0 : v)), this.outputMetrics[k], ''); // an output's own loss: no penalty
      for (const [key, value] of Object.entries(own)) logs[`${prefix}${this.outputNames[k]}_${key}`] = value;
    });
    return logs;
  }

  /**
   * An id outside its table that an Embedding met in the last C call, as an
   * Error: ids computed by layers (a model input's are checked before any work:
   * prepareInputs). C read zeros for it and gave it no gradient.
   */
  throwBadId(w = wasm()) {
    if (!this.nodes.some((n) => tokenTable(n.layer))) return;
    const bad = withBuffers((alloc) => {
      const out = alloc(8), node = w.sn_model_bad_id(this.ptr, out, out + 4);
      return node ? { layer: this.nodes[node - 1].layer, id: f32(out, 1)[0], position: i32(out + 4, 1)[0] } : null;
    });
    if (!bad) return;
    const { rows, option } = tokenTable(bad.layer);
    throw new Error(`${bad.layer.kind.baseName} ${JSON.stringify(bad.layer.name)} got token id ${bad.id} at position ${bad.position} of a sample, which is not a row of its table ` +
      `(${option} ${rows}): ids must be integers in [0, ${rows}); these come from the layers before it (it read zeros for them)`);
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
      const sums = alloc(this.sumsCount * 8);
      if (!wasm().sn_model_evaluate(this.ptr, alloc(data.x), alloc(data.y), data.rows, batchSize, sums))
        throw new Error('simdnet: out of wasm memory in evaluate');
      this.throwBadId();
      return this.logsFromSums(f64(sums, this.sumsCount).slice());
    });
  }

  /** Network outputs: a Float32Array of rows × outputSize, or with several outputs a list of them. */
  predict(x, options) {
    const { batchSize = 32 } = checkOptions('predict', options, ['batchSize']);
    this.checkAlive();
    checkNumber('batchSize', batchSize, { min: 1, max: MAX_INT, integer: true });
    this.build();
    const X = this.prepareInputs(x);
    const width = this.outputWidth;
    const all = withBuffers((alloc) => {
      const out = alloc(X.rows * width * 4);
      if (!wasm().sn_model_predict(this.ptr, alloc(X.values), X.rows, batchSize, out)) throw new Error('simdnet: out of wasm memory in predict');
      this.throwBadId();
      return f32(out, X.rows * width).slice();
    });
    if (this.outputs.length === 1) return all;
    let col = 0;
    return this.outputs.map((t) => {
      const size = sizeOf(t.sampleShape), part = new Float32Array(X.rows * size);
      for (let r = 0; r < X.rows; r++) part.set(all.subarray(r * width + col, r * width + col + size), r * size);
      col += size;
      return part;
    });
  }

  /**
   * The attention probabilities a MultiHeadAttention layer (its name, or the layer) computes for the first
   * sample of x: a Float32Array [numHeads, T, S] (its first node's; zeros where masked), e.g. for a heat map.
   */
  attentionScores(layerOrName, x) {
    this.checkAlive();
    const layer = typeof layerOrName === 'string' ? this.getLayer(layerOrName) : layerOrName;
    const i = this.nodes.findIndex((n) => n.layer === layer);
    if (layer?.type !== 'MultiHeadAttention' || i < 0)
      throw new Error(`attentionScores needs a MultiHeadAttention layer of this model, got ${layer?.name ?? typeof layerOrName} (${layer?.type ?? 'not a layer'})`);
    this.build();
    const X = this.prepareInputs(x, 'attentionScores');
    const node = this.nodes[i], [T, S] = [node.inputs[0].sampleShape[0], node.inputs[1].sampleShape[0]];
    const size = layer.numHeads * T * S, w = wasm();
    return withBuffers((alloc) => {
      const out = alloc(size * 4);
      w.sn_model_attention_capture(this.ptr, i, out);
      try {
        if (!w.sn_model_predict(this.ptr, alloc(X.values.subarray(0, X.values.length / X.rows)), 1, 1, alloc(this.outputWidth * 4)))
          throw new Error('simdnet: out of wasm memory in attentionScores');
      } finally {
        w.sn_model_attention_capture(this.ptr, i, 0);
      }
      this.throwBadId(w);
      return f32(out, size).slice();
    });
  }

  /** The predicted class of each row, or of each step of a sequence output (argmax along the last axis; for one unit, output > 0.5). */
  predictClasses(x, options) {
    if (this.outputs.length > 1) throw new Error('predictClasses needs a model of one output; this one has several: use predict');
    const probs = this.predict(x, options);
    const { width } = this.outputRows(0);
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
   * gradient for each trainable weight, in getWeights() order: { loss, grads }.
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
      this.throwBadId(w);
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
   * order, as C laid them out: the ones that learn in the parameter buffer, the
   * others (batch norm's moving statistics, frozen layers' weights) in the
   * state buffer, each at its own offset.
   */
  weightSpecs() {
    this.checkAlive();
    if (this.ptr) return this.specs;
    // Not built: C lays the graph out without allocating its weights, and is asked — once for
    // these nodes and trainable flags (a page asks for counts and a summary at every change).
    const key = `${this.nodes.length}:${this.layers.map((l) => (l.trainable === false ? 0 : 1)).join('')}`;
    if (this.unbuilt?.key === key) return this.unbuilt.specs;
    this.checkSize();
    const w = wasm(), ptr = this.createGraph(w);
    try {
      this.unbuilt = { key, specs: this.readSpecs(w, ptr) };
      return this.unbuilt.specs;
    } finally {
      w.sn_model_free(ptr);
    }
  }

  /** The weights the optimizer steps (as of the last compile or build). */
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

  /** Keras' trainable_weights and non_trainable_weights, by the layers' trainable flags now: [{ name, shape }]. */
  get trainableWeights() {
    return this.weightSpecs().filter(trainsNow).map(({ name, shape }) => ({ name, shape: [...shape] }));
  }

  get nonTrainableWeights() {
    return this.weightSpecs().filter((s) => !trainsNow(s)).map(({ name, shape }) => ({ name, shape: [...shape] }));
  }

  /** TF.js' getLayer(name) or getLayer(index): the layer, with getWeights, setWeights, countParams (web/layers/layer.js). */
  getLayer(nameOrIndex) {
    return getLayer(this, nameOrIndex);
  }

  trainableCount() {
    return this.trainableSpecs().reduce((n, s) => n + s.size, 0);
  }

  /** Multiply-adds of one forward pass for one sample (the course's measure of time): dense and conv2d layers. */
  multiplyAdds() {
    return this.nodes.reduce((n, { layer, inputs, output }) => n + (layer.kind.multiplyAdds?.(layer, inputs[0].sampleShape, output.sampleShape) ?? 0), 0);
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
    return this.weightSpecs().map(({ name, shape, trainable, offset, size }) => ({ name, shape: [...shape], values: buffers[trainable].slice(offset, offset + size) }));
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

  /** Total, trainable (by the layers' flags now) and non-trainable weight counts of a layer, or of the model. */
  counts(layer, all = this.weightSpecs()) {
    const specs = all.filter((s) => !layer || s.layer === layer);
    const total = specs.reduce((n, s) => n + s.size, 0);
    const trainable = specs.filter(trainsNow).reduce((n, s) => n + s.size, 0);
    return { total, trainable };
  }

  /**
   * A Keras-style table of layers, output shapes and parameter counts (and for
   * a functional model, Keras' "Connected to" column), returned as text (and
   * given line by line to printFn when there is one), in columns as TF.js'
   * summary(lineLength, positions, printFn) places them.
   */
  summary(lineLength, positions, printFn) {
    this.checkAlive();
    // Not built here: C lays the graph out without allocating its weights (weightSpecs), so a
    // page can show the summary of a model too large to build (the demo's stack editor does).
    const specs = this.weightSpecs();
    const functional = this.className !== 'Sequential';
    const rows = [];
    for (const layer of this.layers) {
      const nodes = layer.type === 'InputLayer' ? layer.inboundNodes.slice(0, 1) : this.nodes.filter((n) => n.layer === layer);
      nodes.forEach((node, k) => {
        const connected = node.inputs.map((t) => `${t.sourceLayer.name}[${t.nodeIndex}][${t.tensorIndex}]`);
        const shape = node.parts ? `[${node.parts.map((t) => shapeText(t.sampleShape)).join(', ')}]` : shapeText(node.output.sampleShape);
        rows.push([k ? '' : `${layer.name} (${layer.type})`, shape, k ? '' : String(this.counts(layer, specs).total), connected.join(', ')]);
      });
    }
    const cols = functional ? 4 : 3;
    // Without lineLength or positions, the columns widen to fit long names and shapes (TF.js cuts them).
    const widths = [Math.max(28, ...rows.map((r) => r[0].length + 2)), Math.max(26, ...rows.map((r) => r[1].length + 2)), 10, Math.max(20, ...rows.map((r) => r[3].length + 2))];
    const fit = lineLength === undefined && positions === undefined;
    const ends = [widths[0] + 1, widths[0] + widths[1] + 1, widths[0] + widths[1] + 11, widths[0] + widths[1] + 11 + widths[3]];
    const { line, rule } = fit ? summaryColumns(ends[cols - 1], ends.slice(0, cols), cols) : summaryColumns(lineLength, positions, cols);
    const count = (n) => n.toLocaleString('en-US');
    const heads = ['Layer (type)', 'Output Shape', 'Param #', 'Connected to'].slice(0, cols);
    const { total, trainable } = this.counts(undefined, specs);
    const lines = [
      `Model: "${this.name}"`, rule('_'), line(heads), rule('='),
      ...rows.map((r) => line(r.slice(0, cols))), rule('='),
      `Total params: ${count(total)}`, `Trainable params: ${count(trainable)}`, `Non-trainable params: ${count(total - trainable)}`,
      `Multiply-adds per sample: ${count(this.multiplyAdds())}`, rule('_'),
    ];
    return summaryText(lines, printFn);
  }

  /** The model as one binary file (Uint8Array); sn.loadModel(bytes) restores it. See web/io/model-file.js. */
  save(options) {
    return saveModel(this, options);
  }

  /** TensorFlow.js layers format: { modelJson, weightsBin } that tf.loadLayersModel reads. See web/io/tfjs-export.js. */
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

/**
 * A sequential model: the chain of its layers, each reading the one before.
 * Each added layer is copied (a Sequential's layers are its own, named in it:
 * dense, dense_1, …), then applied to the previous output.
 */
export class Sequential extends Model {
  constructor(config) {
    const options = checkOptions('sequential', config, ['seed', 'name', 'layers']);
    super(options, 'sequential');
    this.className = 'Sequential';
    const { layers = [] } = options;
    if (!Array.isArray(layers)) throw new Error('sequential: layers must be an array of layers');
    for (const layer of layers) this.add(layer);
  }

  /** Appends a layer; the first one needs inputShape. Only before the model is built. */
  add(layer) {
    this.checkAlive();
    if (this.ptr) throw new Error('cannot add layers to a model that is already built (compile, predict, summary and getWeights build it)');
    const kind = layer && typeof layer.type === 'string' && Object.hasOwn(KINDS, layer.type) ? KINDS[layer.type] : null; // a layer, or its options spread
    if (!kind || kind.merge) throw new Error('add() takes a layer made by sn.layers.dense({ ... }), sn.layers.conv2d({ ... }) or another sn.layers factory' +
      (kind?.merge ? ` (a ${layer.type} layer merges several inputs: use sn.model)` : ''));
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
    if (kind.parts?.(layer, inShape))
      throw new Error(`${what}: it returns several tensors (${layer.type === 'Bidirectional' && layer.mergeMode === null ? 'mergeMode null: both directions\' outputs' : 'returnState: its output and its states'}), ` +
        'which a Sequential cannot pass to the next layer: build an sn.model with layer.apply, which returns them as a list');
    const copy = makeLayer({ ...layer, name, inShape, outShape, ...kind.entry?.(layer, inShape, first) }, kind);
    const input = first ? new InputLayer(`${name}_input`, inShape, 'float32').output : this.outputs[0];
    const output = recordNode(copy, [input], outShape);
    const ins = first ? [input] : this.inputs;
    copy.model = this;
    this.layers.push(copy);
    this.inputs = ins;
    this.outputs = [output];
    this.nodes.push(copy.inboundNodes[0]);
  }

}
