// The functional API's symbolic side, as in TensorFlow.js and Keras:
//   sn.input({ shape, name, dtype }) → a SymbolicTensor (the output of an InputLayer);
//   layer.apply(tensor | [tensors]) → the SymbolicTensor of that application (a node);
//   traceGraph(inputs, outputs) → the nodes between them in topological order.
// Nothing here touches wasm: a model (web/model/model.js) turns the traced nodes into
// the C graph (c/model.h), which then owns shapes, weights and their layout.
// A node is { layer, inputs: [SymbolicTensor], output: SymbolicTensor }; a
// layer keeps its nodes in layer.inboundNodes, in the order they were made.
//
// A layer that returns several tensors (a recurrent layer with returnState: its
// output, h and c; a Bidirectional without mergeMode) makes one node whose
// output holds them all side by side in each row, as the C graph keeps one
// value per node (c/layer_rnn.c), and a hidden slice node per tensor
// (web/model/parts.js) that makes it a value of its own. The tensors apply
// returns are the slices' outputs, named as the layer's outputs 0, 1, 2 (as
// TF.js and Keras name them: tensorIndex); models list their layers, never the
// slices. Initial states of recurrent layers are further inputs of their node:
// apply(x, { initialState: [h0, c0] }) or apply([x, h0, c0]), as in TF.js.
import { checkShape, shapeText, sizeOf } from '../layers/common.js';
import { checkOptions } from '../core/names.js';
import { outputMask } from './masks.js';
import { sliceLayer } from './parts.js';

let nextTensorId = 0;

/** A placeholder for the values that flow between layers: shape (null for the batch), dtype, and the layer and node that make it. */
export class SymbolicTensor {
  constructor(layer, nodeIndex, shape, dtype = 'float32') {
    this.id = nextTensorId++;
    this.shape = [null, ...shape];
    this.dtype = dtype;
    Object.defineProperty(this, 'sourceLayer', { value: layer, enumerable: false });
    // The node that computes it: its layer's node nodeIndex, or for one of several outputs the slice node.
    Object.defineProperty(this, 'producer', { value: null, enumerable: false, writable: true });
    this.nodeIndex = nodeIndex;
    this.tensorIndex = 0;
    // The tensor of the node whose Keras mask this one carries, or null (web/model/masks.js).
    Object.defineProperty(this, 'maskFrom', { value: null, enumerable: false, writable: true });
  }

  /** TF.js names a layer's output `<layer name>/<layer name>` (its first node) or `…_<node>`, a further output `…_<index>`. */
  get name() {
    const layer = this.sourceLayer.name ?? this.sourceLayer.type;
    const suffix = [this.nodeIndex, this.tensorIndex].filter(Boolean).map((i) => `_${i}`).join('');
    return this.sourceLayer.type === 'InputLayer' ? layer : `${layer}/${layer}${suffix}`;
  }

  /** One sample's shape. */
  get sampleShape() {
    return this.shape.slice(1);
  }
}

/** The layer of an sn.input(): no weights, no C node; its one node has no inputs. */
export class InputLayer {
  constructor(name, shape, dtype) {
    this.type = 'InputLayer';
    this.name = name;
    this.dtype = dtype;
    this.inShape = shape;
    this.outShape = shape;
    this.trainable = true;
    Object.defineProperty(this, 'inboundNodes', { value: [], enumerable: false, writable: true });
    const output = new SymbolicTensor(this, 0, shape, dtype);
    this.inboundNodes.push({ layer: this, inputs: [], output });
    output.producer = this.inboundNodes[0];
  }

  getClassName() {
    return 'InputLayer';
  }

  get batchInputShape() {
    return [null, ...this.inShape];
  }

  get outputShape() {
    return [null, ...this.outShape];
  }

  get output() {
    return this.inboundNodes[0].output;
  }

  countParams() {
    return 0;
  }

  getWeights() {
    return [];
  }

  setWeights(list) {
    if (!Array.isArray(list) || list.length) throw new Error(`layer ${this.name} has no weights, got ${Array.isArray(list) ? list.length : typeof list}`);
  }

  get weights() {
    return [];
  }

  apply() {
    throw new Error(`${this.name} is an input: use its tensor (what sn.input() returned) as another layer's input`);
  }
}

/** sn.input({ shape, name, dtype }): a model input of one sample's shape (the batch is left out, as Keras' shape). */
export function input(options) {
  const { shape, name, dtype = 'float32', batchShape } = checkOptions('input', options, ['shape', 'name', 'dtype', 'batchShape']);
  if (name !== undefined && typeof name !== 'string') throw new Error(`input: name must be a string, got ${JSON.stringify(name)}`);
  if (dtype !== 'float32' && dtype !== 'int32') throw new Error(`input: dtype must be 'float32' or 'int32', got ${JSON.stringify(dtype)}`);
  const sample = batchShape !== undefined ? batchShape.slice(1) : shape;
  if (sample === undefined) throw new Error('input needs shape, one sample\'s shape without the batch, e.g. sn.input({ shape: [784] })');
  return new InputLayer(name, checkShape('input shape', sample), dtype).output;
}

const describe = (layer) => `${layer.name ?? '(unnamed)'} (${layer.type})`;

/** What a kind reads beyond its inputs: a recurrent layer's initialState (kwargs, or its inputs after the first). */
function withStates(layer, inputs, kwargs) {
  const list = Array.isArray(inputs) ? inputs : [inputs];
  if (kwargs === undefined || (typeof kwargs === 'object' && kwargs !== null && Object.keys(kwargs).length === 0)) return list;
  const known = layer.kind.states ? ['initialState'] : [];
  const unknown = typeof kwargs === 'object' && kwargs !== null ? Object.keys(kwargs).find((k) => !known.includes(k)) : undefined;
  if (typeof kwargs !== 'object' || kwargs === null || unknown !== undefined)
    throw new Error(`${describe(layer)}.apply: ${unknown !== undefined ? `kwargs ${JSON.stringify(unknown)} is` : 'kwargs are'} not supported` +
      `${known.length ? ` (only { initialState: [tensors] })` : ''} (got ${typeof kwargs === 'object' ? JSON.stringify(Object.keys(kwargs ?? {})) : typeof kwargs})`);
  if (kwargs.initialState === undefined || kwargs.initialState === null) return list;
  if (list.length > 1) throw new Error(`${describe(layer)}.apply: initial states given twice, as inputs after the first and as initialState`);
  return [...list, ...(Array.isArray(kwargs.initialState) ? kwargs.initialState : [kwargs.initialState])];
}

/**
 * The body of layer.apply(inputs, kwargs): checks the inputs, infers the output
 * shape with the kind's rules, and records the node. Applying one layer object
 * again makes another node that shares its weights. A layer of several outputs
 * returns their list (see above).
 */
export function applyLayer(layer, inputs, kwargs) {
  let list, call; // call: a kind's settings of this application (attention's kwargs: web/layers/attention.js)
  if (layer.kind.call) {
    try {
      ({ inputs: list, call } = layer.kind.call(layer, inputs, kwargs));
    } catch (err) {
      throw new Error(`${describe(layer)}.apply: ${err.message}`);
    }
  } else {
    list = withStates(layer, inputs, kwargs);
  }
  if (list.length === 0 || !list.every((t) => t instanceof SymbolicTensor)) {
    const got = list.find((t) => !(t instanceof SymbolicTensor));
    const what = ArrayBuffer.isView(got) || Array.isArray(got) ? 'data' : typeof got;
    throw new Error(`${describe(layer)}.apply takes symbolic tensors (from sn.input() or another layer's apply()), got ${what}: ` +
      'to compute on data, build a model (sn.model or sn.sequential) and call predict');
  }
  const kind = layer.kind;
  const shapes = list.map((t) => t.sampleShape);
  let outShape, parts;
  try {
    if (kind.merge) outShape = kind.outputShapeOf(layer, shapes, call);
    else if (kind.states) kind.checkStates(layer, shapes[0], shapes.slice(1));
    else if (list.length !== 1) throw new Error(`takes one input, got ${list.length}`);
    outShape ??= kind.outputShape(layer, shapes[0]); // not a Sequential's first layer (dense.js)
    parts = kind.call ? kind.parts?.(layer, shapes, call) : kind.parts?.(layer, shapes[0]);
  } catch (err) {
    throw new Error(`${describe(layer)}: ${err.message} (inputs: ${shapes.map(shapeText).join(', ')})`);
  }
  const nodes = layer.inboundNodes;
  const weightShapes = (inShape) => kind.weights(layer, inShape).map((t) => t.shape.join()).join(';');
  if (nodes.length && weightShapes(nodes[0].inputs[0].sampleShape) !== weightShapes(shapes[0]))
    throw new Error(`${describe(layer)}: applied again to inputs of shape ${shapes.map(shapeText).join(', ')}, which need other weights than its first inputs ${nodes[0].inputs.map((t) => shapeText(t.sampleShape)).join(', ')}`);
  if (!parts) return withCall(recordNode(layer, list, outShape), call);
  // One node whose value is every part side by side, and a slice node per part.
  const packed = withCall(recordNode(layer, list, [parts.reduce((n, shape) => n + sizeOf(shape), 0)]), call);
  const mask = packed.maskFrom; // the Keras mask its outputs carry: the steps of [steps, units] outputs, not the states
  packed.maskFrom = null;
  let offset = 0;
  packed.producer.parts = parts.map((shape, k) => {
    const t = new SymbolicTensor(layer, packed.nodeIndex, shape, 'float32'), slice = sliceLayer(layer, k, offset, shape);
    t.tensorIndex = k;
    t.maskFrom = shape.length > 1 && !kind.unmaskedParts?.includes(k) ? mask : null;
    t.producer = { layer: slice, inputs: [packed], output: t };
    slice.inboundNodes.push(t.producer);
    offset += sizeOf(shape);
    return t;
  });
  if (nodes.length === 1) layer.outShapes = parts;
  return packed.producer.parts;
}

/** Keeps a kind's call settings on the node that makes `output` (model.js hands them to addToC). */
function withCall(output, call) {
  if (call !== undefined) output.producer.call = call;
  return output;
}

/**
 * Records a node of `layer` on `inputs` making a tensor of one sample's shape
 * outShape; returns that tensor, which carries the mask the layer makes of its
 * inputs' (an Error, and nothing recorded, when it cannot take theirs).
 */
export function recordNode(layer, inputs, outShape) {
  const nodes = layer.inboundNodes;
  const output = new SymbolicTensor(layer, nodes.length, outShape, 'float32');
  output.maskFrom = outputMask(layer, inputs, output, describe(layer));
  nodes.push({ layer, inputs, output });
  output.producer = nodes.at(-1);
  if (nodes.length === 1) {
    layer.inShape = inputs[0].sampleShape;
    layer.outShape = outShape;
  }
  return output;
}

/**
 * The nodes that compute `outputs` from `inputs`, each after the nodes it
 * reads (depth-first from the outputs, inputs in order), and the layers in the
 * order of their first node. Every path must end at one of `inputs`, and every
 * input must be used.
 */
export function traceGraph(inputs, outputs) {
  const inputSet = new Set(inputs);
  const order = [], done = new Set(); // a node's inputs exist before it: no cycle can form
  const visit = (tensor, neededBy) => {
    if (inputSet.has(tensor)) return;
    const layer = tensor.sourceLayer;
    const node = tensor.producer;
    if (layer.type === 'InputLayer')
      throw new Error(`the outputs need input ${tensor.name}, which is not among the model's inputs (${inputs.map((t) => t.name).join(', ')})` +
        (neededBy.length ? ` (needed by ${neededBy.join(', ')})` : ''));
    if (done.has(node)) return;
    for (const t of node.inputs) visit(t, [describe(layer), ...neededBy]);
    done.add(node);
    order.push(node);
  };
  outputs.forEach((t) => visit(t, []));
  const used = new Set(order.flatMap((n) => n.inputs));
  outputs.forEach((t) => used.add(t));
  const unused = inputs.find((t) => !used.has(t));
  if (unused) throw new Error(`input ${unused.name} feeds nothing the outputs need: remove it from the model's inputs, or use it`);
  return order;
}
