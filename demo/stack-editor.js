// "Your own stack" on the MNIST page: a table of layers between the 28×28×1
// input and the output layer (dense, 10 units, softmax: one probability per
// digit). Add, remove and reorder layers of the kinds sn.layers offers and set
// their main options; show() puts each row's output shape and parameter count
// in it, as model.summary() gives them, and marks the row the library refused.
import { IMAGE_SHAPE, outputLayer } from './networks.js';

const ACTIVATIONS = ['relu', 'tanh', 'sigmoid', 'leakyRelu', 'linear', 'softmax'];
const INITIALIZERS = ['glorotUniform', 'glorotNormal', 'heNormal', 'heUniform', 'leCunNormal', 'leCunUniform'];
const PADDINGS = ['valid', 'same'];

// A field: the option's name (as the factory takes it), its label, its starting value
// (undefined: the library's default, shown as the placeholder), and choices for a select.
const activation = { name: 'activation', value: 'relu', choices: ACTIVATIONS };
const initializer = { name: 'kernelInitializer', label: 'init', value: 'glorotUniform', choices: INITIALIZERS };
const padding = { name: 'padding', value: 'valid', choices: PADDINGS };
const pooling = [{ name: 'poolSize', label: 'size', value: 2 }, { name: 'strides', placeholder: 'size' }, padding];

/** The kinds of layer offered: sn.layers factory → TF.js class name and main options. */
export const LAYER_KINDS = {
  dense: { className: 'Dense', fields: [{ name: 'units', value: 32 }, activation, initializer] },
  conv2d: {
    className: 'Conv2D',
    fields: [{ name: 'filters', value: 8 }, { name: 'kernelSize', label: 'kernel', value: 3 }, { name: 'strides', value: 1 }, padding, activation, initializer],
  },
  maxPooling2d: { className: 'MaxPooling2D', fields: pooling },
  averagePooling2d: { className: 'AveragePooling2D', fields: pooling },
  globalAveragePooling2d: { className: 'GlobalAveragePooling2D', fields: [] },
  globalMaxPooling2d: { className: 'GlobalMaxPooling2D', fields: [] },
  batchNormalization: { className: 'BatchNormalization', fields: [{ name: 'momentum', placeholder: '0.99', step: 'any' }] },
  dropout: { className: 'Dropout', fields: [{ name: 'rate', value: 0.25, step: 0.05 }] },
  flatten: { className: 'Flatten', fields: [] },
  activation: { className: 'Activation', fields: [activation] },
};

const el = (tag, props = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
};

/** A layer of the table: its kind's fields at their starting values, then the given options. */
function editable({ type, ...options }) {
  const layer = { type };
  for (const field of LAYER_KINDS[type].fields) layer[field.name] = field.value;
  for (const [name, value] of Object.entries(options)) if (name in layer) layer[name] = value;
  return layer;
}

/** An input or select for one option of `layer`; editing it sets layer[field.name]. */
function fieldControl(layer, field, onEdit) {
  const value = layer[field.name];
  const control = field.choices
    ? el('select', {}, ...field.choices.map((c) => new Option(c, c, false, c === value)))
    : el('input', { type: 'number', value: value ?? '', placeholder: field.placeholder ?? '', step: field.step ?? 1, min: 0 });
  control.dataset.option = field.name;
  const read = () => {
    layer[field.name] = field.choices ? control.value : control.value === '' ? undefined : Number(control.value);
    onEdit();
  };
  control.addEventListener('input', read);
  control.addEventListener('change', read);
  return el('label', {}, `${field.label ?? field.name} `, control);
}

/**
 * Makes `root` (holding table#stack, select#add-kind, button#add-layer and
 * buttons with data-preset) the editor; onChange() runs after every edit.
 * presets: { name: layers } to start from (createTrainer layers, output last).
 */
export function createStackEditor(root, { presets, start, onChange }) {
  const tbody = root.querySelector('#stack tbody');
  const kind = root.querySelector('#add-kind');
  let body = [], outputInit = 'glorotUniform', rows = [], disabled = false;
  for (const [type, { className }] of Object.entries(LAYER_KINDS)) kind.add(new Option(className, type));

  const move = (i, by) => {
    const j = i + by;
    if (j < 0 || j >= body.length) return;
    [body[i], body[j]] = [body[j], body[i]];
    render();
  };
  // A button that would do nothing (the first layer up, the last one down) stays disabled: `edge`.
  const button = (text, title, action, edge = false) => {
    const b = el('button', { type: 'button', textContent: text, title, onclick: action });
    b.dataset.edge = edge;
    return b;
  };

  /** Rebuilds the rows (after adding, removing, moving or a preset); editing a field only re-checks. */
  function render(notify = true) {
    tbody.replaceChildren();
    tbody.append(el('tr', { className: 'fixed' }, el('td'), el('td', {}, el('b', { textContent: 'Input' })), el('td', { className: 'muted', textContent: 'a 28×28 digit, one channel' }),
      el('td', { className: 'shape', textContent: `(None, ${IMAGE_SHAPE.join(', ')})` }), el('td', { className: 'params', textContent: '0' }), el('td')));
    rows = body.map((layer, i) => {
      const { className, fields } = LAYER_KINDS[layer.type];
      const row = el('tr', { className: 'layer' },
        el('td', { className: 'num', textContent: i + 1 }),
        el('td', {}, el('b', { textContent: className }), el('div', { className: 'muted name' })),
        el('td', {}, el('div', { className: 'options' }, ...fields.map((f) => fieldControl(layer, f, onChange)))),
        el('td', { className: 'shape' }), el('td', { className: 'params' }),
        el('td', { className: 'moves' }, button('↑', 'Move up', () => move(i, -1), i === 0), button('↓', 'Move down', () => move(i, 1), i === body.length - 1),
          button('✕', 'Remove', () => { body.splice(i, 1); render(); })));
      row.dataset.index = i;
      return row;
    });
    const output = { kernelInitializer: outputInit };
    const outputRow = el('tr', { className: 'layer fixed' },
      el('td', { className: 'num', textContent: body.length + 1 }),
      el('td', {}, el('b', { textContent: 'Dense' }), el('div', { className: 'muted name' })),
      el('td', {}, el('div', { className: 'options' }, el('span', { className: 'muted', textContent: 'the output: 10 units, softmax' }),
        fieldControl(output, initializer, () => { outputInit = output.kernelInitializer; onChange(); }))),
      el('td', { className: 'shape' }), el('td', { className: 'params' }), el('td'));
    rows.push(outputRow);
    tbody.append(...rows);
    setDisabled(disabled);
    if (notify) onChange();
  }

  /** Starts from `layers` (createTrainer layers, the output layer last). */
  function set(layers, notify = true) {
    body = layers.slice(0, -1).map(editable);
    outputInit = layers.at(-1).kernelInitializer ?? 'glorotUniform';
    render(notify);
  }

  /** The stack as createTrainer layers: the input shape on the first, the output last, options left empty omitted. */
  function layers() {
    const list = [...body.map((layer) => Object.fromEntries(Object.entries(layer).filter(([, v]) => v !== undefined))), outputLayer(outputInit)];
    list[0] = { ...list[0], inputShape: IMAGE_SHAPE };
    return list;
  }

  /** Fills in the check of layers(): checkLayers' { model, error, index }. */
  function show({ model, error, index = Infinity }) {
    rows.forEach((row, i) => {
      const layer = model?.layers[i];
      row.classList.toggle('bad', i === index);
      row.querySelector('.name').textContent = layer?.name ?? '';
      row.querySelector('.shape').textContent = layer ? `(None, ${layer.outputShape.slice(1).join(', ')})` : i === index ? 'does not fit' : '–';
      row.querySelector('.params').textContent = layer ? layer.countParams().toLocaleString('en-US') : '–';
    });
  }

  function setDisabled(on) {
    disabled = on;
    for (const control of root.querySelectorAll('input, select, button')) control.disabled = on || control.dataset.edge === 'true';
  }

  root.querySelector('#add-layer').addEventListener('click', () => {
    body.push(editable({ type: kind.value }));
    render();
  });
  for (const preset of root.querySelectorAll('[data-preset]')) preset.addEventListener('click', () => set(presets[preset.dataset.preset]));
  set(start, false);
  return { layers, show, setDisabled };
}
