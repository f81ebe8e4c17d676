// The LayersModel members TensorFlow.js users reach for, written over what
// every model has — its `layers` list and weightSpecs(), whose names are
// `layerName/weightName` — so they hold for every kind of layer:
//   model.layers[i] / model.getLayer(name | index): name, getClassName(),
//     outputShape, countParams(), weights, getWeights(), setWeights(list);
//   model.inputs / model.outputs: [{ name, shape, dtype }], null for the batch;
//   model.summary(lineLength, positions, printFn)'s columns and printing.
// A layer is the model's own record of it (its options, as sn.layers made
// them) with these methods on its prototype; it belongs to its model.

/** The methods every layer of a model has; `this` is the layer, this.model its model. */
class LayerMethods {
  /** TF.js' getClassName(): 'Dense', 'Dropout', … */
  getClassName() {
    return this.type;
  }

  /** [null, …]: the batch dimension, then the shape of one sample's output. */
  get outputShape() {
    return [null, ...this.outShape];
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

/** This layer's entries of its model's weightSpecs(). */
const specsOf = (layer) => layer.model.weightSpecs().filter((s) => s.name.slice(0, s.name.lastIndexOf('/')) === layer.name);

/**
 * The model's record of a layer, with the methods above; `model` is not
 * enumerable (records are spread and saved). A record's own fields win over
 * the getters.
 */
export function layerHandle(model, record) {
  const layer = Object.defineProperties(Object.create(LayerMethods.prototype), Object.getOwnPropertyDescriptors(record));
  Object.defineProperty(layer, 'model', { value: model, enumerable: false });
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

/** TF.js' model.inputs: the input as a symbolic tensor's { name, shape, dtype }. */
export function modelInputs(model) {
  const first = model.layers[0];
  return first ? [{ name: `${first.name}_input`, shape: [null, ...model.inputShape], dtype: 'float32' }] : [];
}

/** TF.js' model.outputs: the last layer's output. */
export function modelOutputs(model) {
  const last = model.layers.at(-1);
  return last ? [{ name: `${last.name}/output`, shape: last.outputShape, dtype: 'float32' }] : [];
}

/**
 * summary()'s columns as TF.js and Keras place them: lineLength (default 65)
 * characters, the columns ending at positions (fractions of lineLength, or
 * character positions; default [0.45, 0.85, 1]). A cell longer than its
 * column is cut, as they cut it. Returns { line(cells), rule(char) }.
 */
export function summaryColumns(lineLength = 65, positions = [0.45, 0.85, 1]) {
  if (!Number.isInteger(lineLength) || lineLength < 10) throw new Error(`summary: lineLength must be a whole number >= 10, got ${JSON.stringify(lineLength)}`);
  if (!Array.isArray(positions) || positions.length !== 3 || !positions.every((p, i) => typeof p === 'number' && p > (positions[i - 1] ?? 0)))
    throw new Error(`summary: positions must be 3 increasing numbers, got ${JSON.stringify(positions)}`);
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
