// A layer: what an sn.layers factory returns — its options, with the
// members TensorFlow.js users reach for on its prototype:
//   layer.apply(tensor | [tensors]) → a symbolic tensor (web/model/graph.js);
//   layer.trainable (Keras: applied at the next compile), name, getClassName(),
//     input / output (its first node's tensors), outputShape,
//     countParams(), weights, getWeights(), setWeights(list).
// A layer's weights live in the last model built with it (its `model`); a
// model built with a layer that already lives in another model copies that
// model's current values in (web/model/model.js). Also here: model.getLayer and
// summary()'s columns and printing.
import { applyLayer } from '../model/graph.js';

/** The methods every layer has; `this` is the layer, this.model the model holding its weights. */
class LayerMethods {
  /** TF.js' getClassName(): 'Dense', 'Dropout', … */
  getClassName() {
    return this.type;
  }

  /** Applies the layer to symbolic tensors: the functional API. Applying it again shares its weights. */
  apply(inputs, kwargs) {
    return applyLayer(this, inputs, kwargs);
  }

  /** [null, …]: the batch dimension, then the shape of one sample's output (a list of them for a layer of several outputs). */
  get outputShape() {
    if (!this.outShape) throw new Error(`layer ${this.name ?? this.type} has not been applied yet: it has no output shape`);
    return this.outShapes ? this.outShapes.map((s) => [null, ...s]) : [null, ...this.outShape];
  }

  /** Its first node's input and output tensors (TF.js' layer.input / layer.output). */
  get input() {
    const node = this.inboundNodes[0];
    if (!node) throw new Error(`layer ${this.name ?? this.type} has not been applied yet: it has no input`);
    return node.inputs.length === 1 ? node.inputs[0] : node.inputs;
  }

  get output() {
    const node = this.inboundNodes[0];
    if (!node) throw new Error(`layer ${this.name ?? this.type} has not been applied yet: it has no output`);
    return node.parts ?? node.output;
  }

  /** { name, shape } of this layer's weights, in getWeights() order. */
  get weights() {
    return specsOf(this).map(({ name, shape }) => ({ name, shape: [...shape] }));
  }

  countParams() {
    return specsOf(this).reduce((n, s) => n + s.size, 0);
  }

  /** Copies of this layer's weights: [{ name, shape, values: Float32Array }] (a layer without weights gives []). */
  getWeights() {
    const names = new Set(specsOf(this).map((s) => s.name));
    return names.size ? this.model.getWeights().filter((w) => names.has(w.name)) : [];
  }

  /** Replaces this layer's weights (a list as getWeights() returns, or of arrays, in that order); the others stay. */
  setWeights(list) {
    const specs = specsOf(this);
    if (!Array.isArray(list) || list.length !== specs.length)
      throw new Error(`layer ${this.name} has ${specs.length} weights (${specs.map((s) => s.name).join(', ') || 'none'}), got ${Array.isArray(list) ? list.length : typeof list}`);
    if (specs.length === 0) return;
    const mine = new Map(specs.map((s, i) => [s.name, list[i]]));
    this.model.setWeights(this.model.getWeights().map((w) => (mine.has(w.name) ? mine.get(w.name) : w)));
  }
}

/** This layer's entries of its model's weightSpecs() (none before a model holds it). */
const specsOf = (layer) => (layer.model && !layer.model.disposed ? layer.model.weightSpecs().filter((s) => s.layer === layer) : []);

/**
 * A layer from a factory's record of options and its kind: the record's own
 * fields, the methods above, trainable (true), and, not enumerable (records
 * are spread and saved), its kind, its model and its nodes.
 */
export function makeLayer(record, kind) {
  const layer = Object.defineProperties(Object.create(LayerMethods.prototype), Object.getOwnPropertyDescriptors(record));
  if (!('trainable' in record)) layer.trainable = true;
  Object.defineProperty(layer, 'kind', { value: kind, enumerable: false });
  Object.defineProperty(layer, 'model', { value: null, enumerable: false, writable: true });
  Object.defineProperty(layer, 'inboundNodes', { value: [], enumerable: false, writable: true });
  return layer;
}

/** TF.js' model.getLayer(name) or getLayer(index). */
export function getLayer(model, nameOrIndex) {
  if (Number.isInteger(nameOrIndex)) {
    const layer = model.layers[nameOrIndex];
    if (!layer) throw new Error(`getLayer: the model has ${model.layers.length} layers, so no layer ${nameOrIndex}`);
    return layer;
  }
  const layer = model.layers.find((l) => l.name === nameOrIndex);
  if (!layer) throw new Error(`getLayer: no layer named ${JSON.stringify(nameOrIndex)}; the model has ${model.layers.map((l) => l.name).join(', ') || 'no layers'}`);
  return layer;
}

/**
 * summary()'s columns as TF.js and Keras place them: lineLength characters,
 * the columns ending at positions (fractions of lineLength, or character
 * positions). TF.js' defaults: 65 and [0.45, 0.85, 1] for a sequential model's
 * 3 columns, 98 and [0.33, 0.55, 0.67, 1] for a functional one's 4 ("Connected
 * to"). A cell longer than its column is cut, as they cut it. Returns
 * { line(cells), rule(char) }.
 */
export function summaryColumns(lineLength, positions, columns = 3) {
  lineLength ??= columns === 3 ? 65 : 98;
  positions ??= columns === 3 ? [0.45, 0.85, 1] : [0.33, 0.55, 0.67, 1];
  if (!Number.isInteger(lineLength) || lineLength < 10) throw new Error(`summary: lineLength must be a whole number >= 10, got ${JSON.stringify(lineLength)}`);
  if (!Array.isArray(positions) || positions.length !== columns || !positions.every((p, i) => typeof p === 'number' && p > (positions[i - 1] ?? 0)))
    throw new Error(`summary: positions must be ${columns} increasing numbers, got ${JSON.stringify(positions)}`);
  const ends = positions.at(-1) <= 1 ? positions.map((p) => Math.floor(lineLength * p)) : positions;
  const line = (cells) => {
    let text = '';
    cells.forEach((cell, i) => {
      text = `${i ? `${text.slice(0, -1)} ` : ' '}${cell}`.slice(0, ends[i]); // a space always separates columns
      if (i < cells.length - 1) text = text.padEnd(ends[i]);
    });
    return text;
  };
  return { line, rule: (char) => char.repeat(lineLength) };
}

/** summary()'s lines as one text; printFn, when given, gets them one by one (TF.js prints with it). */
export function summaryText(lines, printFn) {
  if (printFn !== undefined && typeof printFn !== 'function') throw new Error(`summary: printFn must be a function, got ${typeof printFn}`);
  lines.forEach((text) => printFn?.(text));
  return lines.join('\n');
}
