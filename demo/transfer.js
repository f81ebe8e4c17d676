// "Teach it your own classes": transfer learning on a pretrained MobileNetV2
// (npm nsfwjs' Keras 2.2.4 model, which build.sh writes to
// dist/models/mobilenet_v2/), as Keras' guide does it: load the base, freeze
// it, cut it at its 1,280 features (flatten_1, after the 7×7 average pooling),
// apply a new softmax head for the user's classes, compile, fit. Images come
// from the camera or from files, each the centre square scaled to 224×224.
// The model trains in a Worker (sn.createTrainer); this thread only holds the
// frozen base to build each new model from, and the images.
import * as sn from '../web/browser.js';
import { COLORS, formatDuration, makeChart, replaceTrainer, setupPage, showError } from './common.js';

const SIZE = 224, PIXELS = SIZE * SIZE * 3;
const BASE_URL = '../dist/models/mobilenet_v2/model.json';
const FEATURES = 'flatten_1'; // the base's 1,280 generic features
const MIN_CLASSES = 2, MAX_CLASSES = 5;
const MIN_PER_CLASS = 2; // fewer cannot train anything
const VALIDATION_FROM = 5; // with this many images in every class, 20% of each is held out
const MAX_PER_CLASS = 200; // 200 images are 30 MB of pixels here, 120 MB of inputs in the Worker
const RECORD_EVERY_MS = 100;
const THUMB = 40;

const $ = (id) => document.getElementById(id);
const state = setupPage('transfer');
let base = null; // the pretrained network, frozen, on this thread
let trainer = null; // the Worker with the model being trained or used
let trained = null; // { classes: [{ id, name }] } of the model in the Worker, once it can predict
let stream = null; // the camera's MediaStream
let nextId = 1, epochsDone = 0, running = false;
const classes = []; // [{ id, name, images: [Uint8ClampedArray RGB 224×224], card, thumbs, count }]

// ---- images: a centre square, 224×224, as RGB bytes ----

const crop = $('crop');
const cropContext = crop.getContext('2d', { willReadFrequently: true });

/** Draws the source's centre square onto the 224×224 canvas and returns its pixels as RGB (0…255). */
function grab(source, width, height) {
  const side = Math.min(width, height);
  if (!side) throw new Error('the image is empty (0 pixels wide or high)');
  cropContext.drawImage(source, (width - side) / 2, (height - side) / 2, side, side, 0, 0, SIZE, SIZE);
  const rgba = cropContext.getImageData(0, 0, SIZE, SIZE).data;
  const rgb = new Uint8ClampedArray(PIXELS);
  for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
    rgb[j] = rgba[i];
    rgb[j + 1] = rgba[i + 1];
    rgb[j + 2] = rgba[i + 2];
  }
  return rgb;
}

/** Draws RGB pixels (224×224) onto a canvas of any size. */
function drawPixels(canvas, rgb) {
  const image = new ImageData(SIZE, SIZE);
  for (let i = 0, j = 0; j < rgb.length; i += 4, j += 3) {
    image.data[i] = rgb[j];
    image.data[i + 1] = rgb[j + 1];
    image.data[i + 2] = rgb[j + 2];
    image.data[i + 3] = 255;
  }
  if (canvas.width === SIZE && canvas.height === SIZE) return canvas.getContext('2d').putImageData(image, 0, 0);
  cropContext.putImageData(image, 0, 0);
  canvas.getContext('2d').drawImage(crop, 0, 0, canvas.width, canvas.height);
}

/** A file's pixels (centre square, 224×224), or an Error that names the file. */
async function readImage(file) {
  let bitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    throw new Error(`${file.name} cannot be read as an image (is it a PNG, JPEG, GIF or WebP file?)`);
  }
  try {
    return grab(bitmap, bitmap.width, bitmap.height);
  } finally {
    bitmap.close();
  }
}

/** A camera frame's pixels, or null before the video has its first frame. */
function cameraFrame() {
  const video = $('video');
  if (!stream || video.readyState < 2 || !video.videoWidth) return null;
  return grab(video, video.videoWidth, video.videoHeight);
}

/** MobileNetV2's input: rows of 224×224×3 in −1…1 (Keras' preprocess_input: x / 127.5 − 1). */
function inputsOf(images) {
  const x = new Float32Array(images.length * PIXELS);
  images.forEach((rgb, i) => {
    for (let k = 0; k < PIXELS; k++) x[i * PIXELS + k] = rgb[k] / 127.5 - 1;
  });
  return x;
}

// ---- the camera ----

/** What a failed getUserMedia means, in words. */
function cameraError(err) {
  if (!navigator.mediaDevices?.getUserMedia) return new Error('This browser gives no camera to this page (it needs https or localhost). Use image files instead.');
  const why = {
    NotAllowedError: 'The camera was refused. Allow it in the browser (the icon in the address bar), or use image files instead.',
    SecurityError: 'The camera was refused. Allow it in the browser (the icon in the address bar), or use image files instead.',
    NotFoundError: 'No camera was found. Connect one, or use image files instead.',
    OverconstrainedError: 'No camera was found. Connect one, or use image files instead.',
    NotReadableError: 'The camera is in use by another program, or could not be started. Use image files instead.',
  }[err?.name];
  return new Error(why ?? `The camera could not be started (${err?.message ?? err}). Use image files instead.`);
}

async function toggleCamera() {
  if (stream) return stopCamera();
  $('camera').disabled = true;
  try {
    if (!navigator.mediaDevices?.getUserMedia) throw cameraError(null);
    stream = await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 640 }, height: { ideal: 480 }, facingMode: 'user' }, audio: false })
      .catch((err) => Promise.reject(cameraError(err)));
    const video = $('video');
    video.srcObject = stream;
    video.hidden = false;
    $('camera-off').hidden = true;
    await video.play().catch(() => {}); // autoplay plays it anyway once it has data
    $('camera').textContent = 'Stop the camera';
    state.camera = 'on';
  } catch (err) {
    stream = null;
    state.camera = 'error';
    showError(err);
  } finally {
    $('camera').disabled = false;
    updateButtons();
  }
}

function stopCamera() {
  for (const track of stream?.getTracks() ?? []) track.stop();
  stream = null;
  live.stop();
  $('video').srcObject = null;
  $('video').hidden = true;
  $('camera-off').hidden = false;
  $('camera').textContent = 'Start the camera';
  state.camera = 'off';
  updateButtons();
}

// ---- classes ----

function addClass(name = `Class ${classes.length + 1}`) {
  const id = nextId++;
  const card = document.createElement('div');
  card.className = 'class-card';
  card.id = `class-${id}`;
  card.innerHTML = `<div class="class-head"><input class="name" aria-label="Class name"><span class="count">0 images</span><button class="remove" title="Remove this class">✕</button></div>
    <div class="buttons"><button class="record" disabled title="Start the camera first">Hold to record</button>
      <label class="muted">or add files <input type="file" class="files" multiple accept="image/*"></label><button class="clear">Clear</button></div>
    <div class="thumbs"></div>`;
  const entry = { id, name, images: [], card, thumbs: card.querySelector('.thumbs'), count: card.querySelector('.count') };
  const nameInput = card.querySelector('.name');
  nameInput.value = name;
  nameInput.addEventListener('input', () => {
    entry.name = nameInput.value.trim() || `Class ${classes.indexOf(entry) + 1}`;
    showBars($('live-bars'), null);
    refreshState();
  });
  card.querySelector('.remove').addEventListener('click', () => removeClass(entry));
  card.querySelector('.clear').addEventListener('click', () => {
    entry.images = [];
    entry.thumbs.replaceChildren();
    refreshClass(entry);
  });
  card.querySelector('.files').addEventListener('change', (e) => {
    addFiles(entry, [...e.target.files]);
    e.target.value = ''; // the same files may be added again
  });
  card.addEventListener('dragover', (e) => {
    e.preventDefault();
    card.classList.add('over');
  });
  card.addEventListener('dragleave', () => card.classList.remove('over'));
  card.addEventListener('drop', (e) => {
    e.preventDefault();
    card.classList.remove('over');
    addFiles(entry, [...e.dataTransfer.files]);
  });
  setupRecording(entry, card.querySelector('.record'));
  classes.push(entry);
  $('classes').append(card);
  refreshClass(entry);
  return entry;
}

function removeClass(entry) {
  if (classes.length <= MIN_CLASSES) return showError(new Error(`Keep at least ${MIN_CLASSES} classes.`));
  classes.splice(classes.indexOf(entry), 1);
  entry.card.remove();
  refreshState();
  updateButtons();
}

/** Adds an image to a class: its pixels and a thumbnail. Returns false when the class is full. */
function addImage(entry, rgb) {
  if (entry.images.length >= MAX_PER_CLASS) {
    showError(new Error(`${entry.name} has ${MAX_PER_CLASS} images, as many as this page keeps per class.`));
    return false;
  }
  entry.images.push(rgb);
  const thumb = document.createElement('canvas');
  thumb.width = thumb.height = THUMB;
  drawPixels(thumb, rgb);
  entry.thumbs.prepend(thumb);
  refreshClass(entry);
  return true;
}

/** Reads dropped or picked files into a class; a file that is not an image is named in the error box, the others are kept. */
async function addFiles(entry, files) {
  const bad = [];
  for (const file of files) {
    try {
      if (!addImage(entry, await readImage(file))) break;
    } catch (err) {
      bad.push(err.message);
    }
  }
  state.fileErrors = bad;
  if (bad.length) showError(new Error(bad.join(' ')));
  else hideError();
  state.filesRead = (state.filesRead ?? 0) + files.length;
}

/** "Hold to record": a frame now and every 100 ms while the button is held (mouse, touch or the space key). */
function setupRecording(entry, button) {
  let timer = null;
  const take = () => {
    const rgb = cameraFrame();
    if (rgb && !addImage(entry, rgb)) stop();
  };
  const start = (e) => {
    e.preventDefault();
    if (timer || !stream) return;
    button.classList.add('on');
    take();
    timer = setInterval(take, RECORD_EVERY_MS);
  };
  const stop = () => {
    clearInterval(timer);
    timer = null;
    button.classList.remove('on');
  };
  button.addEventListener('pointerdown', start);
  for (const event of ['pointerup', 'pointerleave', 'pointercancel']) button.addEventListener(event, stop);
  button.addEventListener('keydown', (e) => (e.key === ' ' || e.key === 'Enter') && start(e));
  button.addEventListener('keyup', stop);
  button.addEventListener('contextmenu', (e) => e.preventDefault()); // a long touch is not a right click
}

function refreshClass(entry) {
  const n = entry.images.length;
  entry.count.textContent = `${n} image${n === 1 ? '' : 's'}`;
  refreshState();
  updateButtons();
}

/** What the browser tests read: each class's name and image count. */
function refreshState() {
  state.classes = classes.map((c) => ({ id: c.id, name: c.name, count: c.images.length }));
}

function hideError() {
  $('error').hidden = true;
}

function updateButtons() {
  const ready = Boolean(base) && !running;
  $('train').disabled = !ready;
  $('finetune').disabled = !ready || !trained;
  $('add-class').disabled = classes.length >= MAX_CLASSES || running;
  for (const c of classes) {
    c.card.querySelector('.remove').disabled = classes.length <= MIN_CLASSES || running;
    const record = c.card.querySelector('.record');
    record.disabled = !stream || running;
    record.title = stream ? 'Hold to record a frame every 100 ms' : 'Start the camera first';
  }
  $('live').disabled = !trained || !stream || running;
  $('test-file').disabled = !trained || running;
  $('download').disabled = !trained || running;
  $('load').disabled = !base || running;
  $('pause').disabled = !running;
  $('stop').disabled = !running;
  for (const el of $('settings').elements) el.disabled = running;
}

// ---- the data set ----

/** A seeded shuffle (mulberry32), so the split is the same for the same images. */
function shuffled(n, seed) {
  let a = seed >>> 0;
  const random = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/**
 * The training rows and, when every class has VALIDATION_FROM images or more,
 * a validation set of 20% of each class's images (so every class is in it).
 */
function dataSet() {
  if (classes.length < MIN_CLASSES) throw new Error(`Add at least ${MIN_CLASSES} classes.`);
  const few = classes.filter((c) => c.images.length < MIN_PER_CLASS);
  if (few.length) throw new Error(`Too few images: ${few.map((c) => `${c.name} has ${c.images.length}`).join(', ')}; every class needs at least ${MIN_PER_CLASS}.`);
  const withValidation = classes.every((c) => c.images.length >= VALIDATION_FROM);
  const train = [], validation = [];
  classes.forEach((c, label) => {
    const order = shuffled(c.images.length, 1234 + label);
    const held = withValidation ? Math.round(c.images.length * 0.2) : 0;
    order.forEach((i, k) => (k < held ? validation : train).push({ rgb: c.images[i], label }));
  });
  const rows = (list) => {
    const y = new Float32Array(list.length * classes.length);
    list.forEach((r, i) => (y[i * classes.length + r.label] = 1));
    return { x: inputsOf(list.map((r) => r.rgb)), y, count: list.length };
  };
  return { train: rows(train), validation: validation.length ? rows(validation) : null };
}

// ---- the network ----

async function loadBase() {
  $('base-progress').removeAttribute('value');
  const started = performance.now();
  base = await sn.loadTfjsModel(BASE_URL);
  base.trainable = false; // Keras: base_model.trainable = False
  if (!base.getLayer(FEATURES)) throw new Error(`the pretrained model has no layer ${FEATURES}`);
  $('base-progress').value = 1;
  const count = base.paramCount().toLocaleString('en-US');
  $('base-status').textContent = `MobileNetV2 loaded in ${((performance.now() - started) / 1000).toFixed(1)} s: ${base.layers.length} layers, ${count} parameters (uint8-quantized in the file), ` +
    `input 224×224×3 in −1…1; its own 5-class head is cut off at ${FEATURES} (1,280 features).`;
  state.base = { layers: base.layers.length, paramCount: base.paramCount() };
}

/** The base, frozen, with a new softmax head for the current classes, compiled: what the Worker trains. */
function transferModel(lr) {
  const head = sn.layers.dense({ units: classes.length, activation: 'softmax', name: 'head' });
  const model = sn.model({ inputs: base.inputs, outputs: head.apply(base.getLayer(FEATURES).output), name: 'transfer' });
  model.compile({ optimizer: sn.optimizers.adam({ learningRate: lr }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

/**
 * Fine-tuning: the Worker's model (as trained so far) comes here as a file,
 * gets the layers from `from` on unfrozen and a new optimizer, and goes back.
 * Keras does the same in place: set layer.trainable, compile again.
 */
async function unfreezeFrom(from, lr) {
  const model = sn.loadModel(await trainer.save());
  try {
    const start = model.layers.findIndex((l) => l.name === from);
    if (start < 0) throw new Error(`the model has no layer ${JSON.stringify(from)} to fine-tune from (MobileNetV2's blocks are block_1_expand … block_16_project, then Conv_1)`);
    // Batch norms stay frozen, so they keep normalizing with their moving statistics (inference mode):
    // with batches of 8 their batch statistics would throw the features around. Keras' transfer-learning
    // guide does the same (keras-team/keras guides/transfer_learning.py: "keep the BatchNormalization layers in
    // inference mode"); in Keras 2 and 3, as in simdnet, a frozen BatchNormalization runs in inference mode.
    const isBatchNorm = (layer) => layer.type === 'BatchNormalization';
    model.layers.forEach((layer, i) => (layer.trainable = i >= start && !isBatchNorm(layer)));
    model.compile({ optimizer: sn.optimizers.adam({ learningRate: lr }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const count = (weights) => weights.reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0);
    const tail = model.layers.slice(start);
    const unfrozen = { layers: tail.length, batchNorms: tail.filter(isBatchNorm).length, trainable: count(model.trainableWeights) };
    await trainer.load(model.save());
    return unfrozen;
  } finally {
    model.dispose();
  }
}

// ---- charts and training ----

/** A Chart.js plugin: a dashed vertical line where fine-tuning began (state.phases). */
const fineTuneMarker = {
  id: 'fineTuneMarker',
  afterDatasetsDraw(chart) {
    const start = state.phases?.find((p) => p.phase === 'fine-tune')?.from;
    if (start === undefined) return;
    const { ctx, chartArea, scales } = chart;
    const x = scales.x.getPixelForValue(start);
    ctx.save();
    ctx.strokeStyle = '#9333ea';
    ctx.setLineDash([4, 4]);
    ctx.beginPath();
    ctx.moveTo(x, chartArea.top);
    ctx.lineTo(x, chartArea.bottom);
    ctx.stroke();
    ctx.fillStyle = '#9333ea';
    ctx.font = '12px system-ui, sans-serif';
    ctx.textAlign = 'right';
    ctx.fillText('fine-tuning →', x - 4, chartArea.top + 14);
    ctx.restore();
  },
};

function makeCharts() {
  const series = (label) => [
    { label: `${label} per batch`, borderWidth: 1, color: '#93c5fd' },
    { label: `${label} per epoch`, pointRadius: 3, color: COLORS[0] },
    { label: `validation ${label}`, pointRadius: 3, borderDash: [5, 3], color: COLORS[1] },
  ];
  state.charts.loss = makeChart($('loss-chart'), { datasets: series('loss'), x: { label: 'epoch', min: 0 }, y: { label: 'cross-entropy', min: 0 }, plugins: [fineTuneMarker] });
  state.charts.accuracy = makeChart($('acc-chart'), { datasets: series('accuracy'), x: { label: 'epoch', min: 0 }, y: { label: 'accuracy', min: 0, max: 1 }, plugins: [fineTuneMarker] });
}

function clearCharts() {
  for (const chart of Object.values(state.charts)) {
    chart.data.datasets.forEach((d) => (d.data = []));
    chart.refresh();
  }
}

function settings() {
  const f = $('settings').elements;
  const value = (name, min) => {
    const v = Number(f[name].value);
    if (!Number.isFinite(v) || v < min) throw new Error(`${f[name].parentElement.firstChild.textContent.trim()} must be a number of at least ${min}`);
    return v;
  };
  return { epochs: Math.round(value('epochs', 1)), batchSize: Math.round(value('batch', 1)), lr: value('lr', 0), fineLr: value('fineLr', 0), from: f.from.value.trim() };
}

/** Fits the Worker's model on the current images, continuing the charts from epoch `epochsDone`. */
async function fitRun(data, s, phase) {
  const [lossBatch, lossEpoch, lossVal] = state.charts.loss.data.datasets;
  const [accBatch, accEpoch, accVal] = state.charts.accuracy.data.datasets;
  const initialEpoch = epochsDone, epochs = epochsDone + s.epochs;
  const images = data.train.count * s.epochs;
  const callbacks = {
    onBatchEnd(batch, logs, { epoch, batches }) {
      const x = epoch + (batch + 1) / batches;
      lossBatch.data.push({ x, y: logs.loss });
      accBatch.data.push({ x, y: logs.accuracy });
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
      state.charts.loss.refresh();
      state.charts.accuracy.refresh();
      state.epochLogs.push({ phase, epoch, ...logs });
    },
    onProgress(p) {
      $('progress').value = p.fraction;
      const speed = (p.fraction * images) / (p.elapsedMs / 1000);
      state.imagesPerSecond = speed;
      $('status').textContent = `${phase}: epoch ${p.epoch + 1}/${p.epochs} · batch ${p.batch + 1}/${p.batches} · ${speed.toFixed(1)} images/s · ` +
        `${formatDuration(p.elapsedMs)} elapsed · about ${formatDuration(p.etaMs)} left` + (trainer?.state === 'paused' ? ' · paused' : '');
    },
  };
  const started = performance.now();
  const validationData = data.validation ? [data.validation.x, data.validation.y] : undefined;
  const history = await trainer.fit(data.train.x, data.train.y, { epochs, initialEpoch, batchSize: s.batchSize, shuffle: true, validationData, callbacks, transfer: true });
  const seconds = (performance.now() - started) / 1000;
  epochsDone += history.epoch.length;
  const speed = (history.epoch.length * data.train.count) / seconds;
  state.imagesPerSecond = speed;
  const last = state.epochLogs.at(-1);
  $('progress').value = history.stopped ? $('progress').value : 1;
  $('status').textContent = `${phase}: ${history.stopped ? 'stopped' : 'done'} after ${history.epoch.length} epoch(s) in ${seconds.toFixed(1)} s (${speed.toFixed(1)} images/s)` +
    (last ? ` · loss ${last.loss.toFixed(4)}, accuracy ${(last.accuracy * 100).toFixed(0)}%` : '') +
    (last?.val_loss !== undefined ? ` · validation loss ${last.val_loss.toFixed(4)}, accuracy ${(last.val_accuracy * 100).toFixed(0)}%` : '') +
    (data.validation ? ` · ${data.train.count} images to train on, ${data.validation.count} to validate` : ` · ${data.train.count} images, no validation set (it needs ${VALIDATION_FROM} per class)`);
  return history;
}

/** Runs a training step (button handler): buttons off, errors shown, state for the tests. */
async function guarded(work) {
  running = true;
  updateButtons();
  live.stop();
  state.status = 'training';
  try {
    await work();
    state.status = 'trained';
  } catch (err) {
    showError(err);
    state.status = trained ? 'trained' : 'ready';
    state.lastError = err.message;
  } finally {
    running = false;
    $('pause').textContent = 'Pause';
    updateButtons();
    state.runs = (state.runs ?? 0) + 1; // the tests wait for this
  }
}

async function train() {
  const s = settings();
  const data = dataSet(); // throws before anything changes when a class has too few images
  hideError();
  $('status').textContent = 'Building the model and starting the Worker…';
  trainer = replaceTrainer(sn, transferModel(s.lr), trainer);
  trained = null;
  showBars($('live-bars'), null);
  showBars($('test-bars'), null);
  const info = await trainer.ready;
  const names = classes.map(({ id, name }) => ({ id, name }));
  $('network').textContent = `MobileNetV2 (frozen) + a ${names.length}-class head · ${info.paramCount.toLocaleString('en-US')} parameters, ${(1280 * names.length + names.length).toLocaleString('en-US')} trainable`;
  epochsDone = 0;
  state.epochLogs = [];
  state.phases = [];
  clearCharts();
  state.phases.push({ phase: 'head', from: 0 });
  await fitRun(data, s, 'Training the head');
  trained = { classes: names, fineTuned: false };
  state.trained = { classes: names.map((c) => c.name), fineTuned: false };
}

async function fineTune() {
  const s = settings();
  if (!trained) throw new Error('Train the head first.');
  if (trained.classes.length !== classes.length) throw new Error(`The model was trained on ${trained.classes.length} classes and there are ${classes.length} now: train again first.`);
  const data = dataSet();
  hideError();
  $('status').textContent = `Unfreezing the layers from ${s.from} on…`;
  const unfrozen = await unfreezeFrom(s.from, s.fineLr);
  $('network').textContent = `Fine-tuning the last ${unfrozen.layers} layers (from ${s.from}; their ${unfrozen.batchNorms} batch norms stay frozen): ` +
    `${unfrozen.trainable.toLocaleString('en-US')} trainable parameters, Adam ${s.fineLr}`;
  state.phases.push({ phase: 'fine-tune', from: epochsDone, ...unfrozen });
  await fitRun(data, s, 'Fine-tuning');
  trained.fineTuned = true;
  state.trained.fineTuned = true;
}

// ---- predictions ----

const argmax = (row) => row.reduce((best, v, i) => (v > row[best] ? i : best), 0);

/** Bars of the trained classes' probabilities (names as they are now). */
function showBars(box, probs) {
  const list = trained?.classes ?? classes;
  box.replaceChildren();
  const best = probs ? argmax(probs) : -1;
  list.forEach(({ id, name }, k) => {
    const current = classes.find((c) => c.id === id)?.name ?? name;
    const label = Object.assign(document.createElement('span'), { textContent: current, title: current });
    const bar = Object.assign(document.createElement('div'), { className: k === best ? 'bar best' : 'bar' });
    bar.append(Object.assign(document.createElement('div'), { style: `width:${probs ? probs[k] * 100 : 0}%` }));
    const value = Object.assign(document.createElement('span'), { textContent: probs ? `${(probs[k] * 100).toFixed(1)}%` : '–' });
    box.append(label, bar, value);
  });
}

/** Live prediction: the camera's latest frame through the Worker's model, one at a time, as fast as it answers. */
const live = (() => {
  let on = false;
  const loop = async () => {
    while (on && trained && stream) {
      const rgb = cameraFrame();
      if (!rgb) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        continue;
      }
      const started = performance.now();
      const probs = await trainer.predict(inputsOf([rgb]), { transfer: true });
      if (!on) break;
      showBars($('live-bars'), probs);
      state.liveProbabilities = Array.from(probs);
      state.livePredictions = (state.livePredictions ?? 0) + 1;
      $('live-note').textContent = `${(1000 / (performance.now() - started)).toFixed(1)} predictions/s; the bar in green is the most likely class.`;
    }
    stop();
  };
  const stop = () => {
    on = false;
    $('live').textContent = 'Predict the camera live';
  };
  return {
    toggle() {
      if (on) return stop();
      on = true;
      $('live').textContent = 'Stop predicting';
      loop().catch((err) => {
        stop();
        showError(err);
      });
    },
    stop,
  };
})();

async function predictFile(file) {
  if (!file) return;
  const rgb = await readImage(file);
  drawPixels($('test-canvas'), rgb);
  const probs = await trainer.predict(inputsOf([rgb]), { transfer: true });
  showBars($('test-bars'), probs);
  hideError();
  state.testPrediction = { file: file.name, probabilities: Array.from(probs), best: trained.classes[argmax(probs)].name };
}

// ---- model file ----

async function download() {
  const bytes = await trainer.save();
  const link = Object.assign(document.createElement('a'), { href: URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' })), download: 'my-classes.simdnet' });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 0);
  state.downloaded = bytes.length;
}

/**
 * A model saved by this page replaces the trained one. The file has no class
 * names: with as many outputs as there are classes now, they keep theirs;
 * otherwise the classes become Class 1…N (with no images).
 */
async function load(file) {
  if (!file) return;
  let model;
  try {
    model = sn.loadModel(new Uint8Array(await file.arrayBuffer()));
  } catch (err) {
    throw new Error(`${file.name} is not a model this page can use: ${err.message}`);
  }
  try {
    const shape = model.inputs.length === 1 ? model.inputs[0].sampleShape.join('×') : `${model.inputs.length} inputs`;
    const outputs = model.outputSize;
    if (shape !== '224×224×3') throw new Error(`${file.name}: this page needs a model of 224×224×3 images, this one takes ${shape}`);
    if (model.outputs.length !== 1 || outputs < MIN_CLASSES || outputs > MAX_CLASSES) throw new Error(`${file.name}: this page needs ${MIN_CLASSES} to ${MAX_CLASSES} classes, the model has ${outputs} outputs`);
    if (!model.loss) model.compile({ optimizer: sn.optimizers.adam({ learningRate: settings().lr }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const next = sn.createTrainer(model);
    await next.ready;
    trainer?.terminate();
    trainer = next;
    if (outputs !== classes.length) {
      for (const c of [...classes]) c.card.remove();
      classes.length = 0;
      for (let k = 0; k < outputs; k++) addClass();
    }
    trained = { classes: classes.map(({ id, name }) => ({ id, name })), fineTuned: false };
    state.trained = { classes: trained.classes.map((c) => c.name), loadedFrom: file.name };
    epochsDone = 0;
    $('network').textContent = `Loaded from ${file.name}: ${model.paramCount().toLocaleString('en-US')} parameters, ${outputs} classes`;
    $('status').textContent = `Loaded ${file.name}. Predict, test an image, or train on your images (Fine-tune deeper continues from it).`;
    showBars($('live-bars'), null);
    showBars($('test-bars'), null);
    hideError();
    state.loaded = (state.loaded ?? 0) + 1;
  } finally {
    model.dispose();
  }
}

// ---- wiring ----

async function main() {
  // This thread keeps the frozen base and builds models from it; the Worker computes. One thread here.
  await sn.ready({ threads: 1 });
  makeCharts();
  addClass('Class 1');
  addClass('Class 2');
  showBars($('live-bars'), null);
  showBars($('test-bars'), null);
  updateButtons();
  $('add-class').addEventListener('click', () => {
    if (classes.length < MAX_CLASSES) addClass();
    updateButtons();
  });
  $('camera').addEventListener('click', toggleCamera);
  $('train').addEventListener('click', () => guarded(train));
  $('finetune').addEventListener('click', () => guarded(fineTune));
  $('pause').addEventListener('click', () => {
    if (trainer.state === 'paused') trainer.resume();
    else trainer.pause();
    $('pause').textContent = trainer.state === 'paused' ? 'Resume' : 'Pause';
  });
  $('stop').addEventListener('click', () => trainer.stop());
  $('live').addEventListener('click', () => live.toggle());
  $('test-file').addEventListener('change', (e) => {
    const file = e.target.files[0];
    e.target.value = ''; // the same file may be tested again
    predictFile(file).catch(showError);
  });
  const drop = $('test-drop');
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    if (trained && !running) predictFile(e.dataTransfer.files[0]).catch(showError);
  });
  $('download').addEventListener('click', () => download().catch(showError));
  $('load').addEventListener('change', (e) => {
    const file = e.target.files[0];
    e.target.value = '';
    if (!running) guardedLoad(file);
  });
  await loadBase();
  state.status = 'ready';
  updateButtons();
}

async function guardedLoad(file) {
  running = true;
  updateButtons();
  try {
    await load(file);
  } catch (err) {
    showError(err);
    state.lastError = err.message;
  } finally {
    running = false;
    updateButtons();
  }
}

main().catch((err) => {
  $('base-status').textContent = 'The pretrained network could not be loaded.';
  $('base-progress').value = 0;
  showError(err);
  state.status = 'error';
});
