// "Text that writes itself" (demo/text.html): a character-level LSTM
// (Embedding → LSTM → Dense softmax over the characters) trains in a Worker
// (sn.createTrainer) on windows of Debian's fortune cookies or a dropped text
// file, with the loss charted per batch and per epoch (the last tenth of the
// text held out for validation), and after every epoch it writes: the seed
// phrase continued one sampled character at a time (demo/text-data.js), the
// Worker predicting each next character.
import * as sn from '../web/browser.js';
import { formatDuration, makeChart, replaceTrainer, setupPage, showError } from './common.js';
import { generate, windows } from './text-data.js';
import { fetchFortunes, guardFor, readCorpus, wireTextDrop } from './text-source.js';

const $ = (id) => document.getElementById(id);
const state = setupPage('text');
state.samples = [];
state.epochLogs = [];
let corpus = null; // { text, name, vocab, ids }
let trainer = null, trained = null; // trained: { vocab, window } of the Worker's model
let busy = false;

const hideError = () => ($('error').hidden = true);
const settings = () => Object.fromEntries([...$('settings').elements].filter((e) => e.name).map((e) => [e.name, Number(e.value)]));
const writing = () => {
  const f = $('writing').elements;
  return { phrase: f.phrase.value, temperature: Number(f.temperature.value), n: Math.min(2000, Math.max(1, Math.round(Number(f.n.value) || 200))) };
};

// ---- the text ----

function useText(text, name) {
  corpus = readCorpus(text, name, [$('writing').elements.phrase]);
  state.corpus = { name, length: corpus.text.length, vocabulary: corpus.vocab.chars.length };
  updateButtons();
}

async function useFile(file) {
  if (busy) throw new Error('Wait for the training to finish (or stop it) before changing the text.');
  useText(await file.text(), file.name);
}

// ---- training ----

function clearCharts() {
  for (const d of state.charts.loss.data.datasets) d.data = [];
  state.charts.loss.refresh();
}

function updateButtons() {
  $('train').disabled = busy || !corpus;
  $('stop').disabled = !busy;
  $('write').disabled = busy || !trained;
}

/** The model the Worker trains: characters as ids → Embedding → LSTM → a softmax over the characters. */
function textModel(s, vocabSize) {
  const model = sn.sequential({ seed: s.seed, name: 'char_lstm' });
  model.add(sn.layers.embedding({ inputDim: vocabSize, outputDim: s.embed, inputShape: [s.window] }));
  model.add(sn.layers.lstm({ units: s.units }));
  model.add(sn.layers.dense({ units: vocabSize, activation: 'softmax' }));
  model.compile({ optimizer: sn.optimizers.adam({ learningRate: s.lr }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

async function train() {
  const s = settings();
  hideError();
  const { vocab, ids } = corpus;
  const split = Math.floor(ids.length * 0.9);
  if (split - s.window < 2 || ids.length - split - s.window < 2) throw new Error(`the text is too short for windows of ${s.window} characters`);
  trainer = replaceTrainer(sn, textModel(s, vocab.chars.length), trainer);
  trained = null;
  busy = true;
  updateButtons();
  try {
    const info = await trainer.ready;
    $('network').textContent = `Embedding ${vocab.chars.length}×${s.embed} → LSTM ${s.units} → Dense ${vocab.chars.length} softmax · ${info.paramCount.toLocaleString('en-US')} parameters`;
    state.epochLogs = [];
    state.samples = [];
    $('samples').replaceChildren();
    clearCharts();
    const validation = windows(ids, { length: s.window, count: Math.min(2000, Math.ceil(s.count / 10)), from: split, seed: s.seed + 1 });
    const [lossBatch, lossEpoch, lossVal] = state.charts.loss.data.datasets;
    const started = performance.now();
    for (let epoch = 0; epoch < s.epochs; epoch++) {
      // Fresh windows every epoch: the text is far bigger than one epoch's worth.
      const data = windows(ids, { length: s.window, count: s.count, to: split, seed: s.seed * 1000 + epoch });
      const history = await trainer.fit(data.x, data.y, {
        epochs: epoch + 1, initialEpoch: epoch, batchSize: s.batch, shuffle: false, validationData: [validation.x, validation.y],
        callbacks: {
          onBatchEnd(batch, logs, { batches }) {
            lossBatch.data.push({ x: epoch + (batch + 1) / batches, y: logs.loss });
            state.charts.loss.refresh();
          },
          onEpochEnd(e, logs) {
            lossEpoch.data.push({ x: e + 1, y: logs.loss });
            lossVal.data.push({ x: e + 1, y: logs.val_loss });
            state.charts.loss.refresh();
            state.epochLogs.push({ epoch: e, ...logs });
          },
          onProgress(p) {
            const done = (epoch + p.fraction) / s.epochs, elapsed = performance.now() - started;
            $('progress').value = done;
            state.samplesPerSecond = ((epoch + p.fraction) * s.count) / (elapsed / 1000);
            $('status').textContent = `epoch ${epoch + 1}/${s.epochs} · batch ${p.batch + 1}/${p.batches} · ${Math.round(state.samplesPerSecond).toLocaleString('en-US')} windows/s · ` +
              `${formatDuration(elapsed)} elapsed · about ${formatDuration(elapsed / done - elapsed)} left`;
          },
        },
      });
      if (history.stopped) break;
      trained = { vocab, window: s.window };
      await write(`epoch ${epoch + 1}`);
    }
    const last = state.epochLogs.at(-1);
    $('progress').value = 1;
    $('status').textContent = `done: ${state.epochLogs.length} epoch(s) in ${((performance.now() - started) / 1000).toFixed(1)} s` +
      (last ? ` · loss ${last.loss.toFixed(3)}, validation loss ${last.val_loss.toFixed(3)} (nats per character; guessing uniformly: ${Math.log(vocab.chars.length).toFixed(2)})` : '');
  } finally {
    busy = false;
    updateButtons();
    state.runs = (state.runs ?? 0) + 1; // the tests wait for this
  }
}

// ---- writing ----

/** Continues the seed phrase with the Worker's model and shows it under `label`. */
async function write(label) {
  const w = writing(), { vocab, window } = trained;
  const missing = [...w.phrase].find((c) => !vocab.has(c));
  if (missing !== undefined) throw new Error(`The seed phrase has ${JSON.stringify(missing)}, which is not in the text's vocabulary.`);
  const predict = async (x) => trainer.predict(x, { transfer: true });
  const text = await generate(predict, vocab, w.phrase, { length: window, n: w.n, temperature: w.temperature, seed: state.samples.length + 1 });
  state.samples.push({ label, temperature: w.temperature, phrase: w.phrase, text });
  const box = document.createElement('div');
  box.className = 'sample';
  box.innerHTML = '<b></b><pre><span class="phrase"></span><span class="out"></span></pre>';
  box.querySelector('b').textContent = `${label} · temperature ${w.temperature}`;
  box.querySelector('.phrase').textContent = w.phrase;
  box.querySelector('.out').textContent = text;
  $('samples').prepend(box);
}

// ---- wiring ----

function wire() {
  state.charts.loss = makeChart($('loss-chart'), {
    datasets: [{ label: 'batch', borderWidth: 1, color: '#93c5fd' }, { label: 'epoch', color: '#2563eb' }, { label: 'validation', color: '#dc2626' }],
    x: { label: 'epoch', min: 0 }, y: { label: 'cross-entropy (nats per character)', min: 0 },
  });
  const guard = guardFor(state);
  $('train').addEventListener('click', guard(train));
  $('stop').addEventListener('click', () => trainer?.stop());
  $('write').addEventListener('click', guard(async () => {
    busy = true;
    updateButtons();
    try {
      await write('now');
    } finally {
      busy = false;
      updateButtons();
    }
  }));
  const temperature = $('writing').elements.temperature;
  temperature.addEventListener('input', () => ($('temperature-value').textContent = temperature.value));
  wireTextDrop(useFile, guard);
}

wire();
try {
  await sn.ready();
  useText(await fetchFortunes(), "Debian's fortune cookies");
  $('status').textContent = 'Ready: press Train.';
  state.status = 'ready';
} catch (err) {
  showError(err);
  state.status = 'error';
}
