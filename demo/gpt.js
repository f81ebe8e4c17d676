// "A GPT in a tab" (demo/gpt.html): a small character-level transformer
// (sn.applications.gpt, compiled as nanoGPT trains: demo/gpt-model.js) trains
// in a Worker on windows of Debian's fortunes or a dropped text file, the
// next character learned at every position. The loss is charted per
// iteration and on held-out text (the last tenth) every few hundred; then it
// writes (sn.text.generate in the Worker, with its key/value cache) and draws
// one head's attention weights for a prompt as a heat map. The model
// downloads as a .gpt file: the page's settings and vocabulary as a JSON
// header, then the model file (model.save()).
import * as sn from '../web/browser.js';
import { formatDuration, makeChart, replaceTrainer, setupPage, showError } from './common.js';
import { compiledGpt } from './gpt-model.js';
import { windows } from './text-data.js';
import { fetchFortunes, guardFor, readCorpus, wireTextDrop } from './text-source.js';

const $ = (id) => document.getElementById(id);
const state = setupPage('gpt');
state.samples = [];
state.evals = [];
let corpus = null; // { text, name, vocab, ids }
let trainer = null, trained = null; // trained: { chars, settings } of the Worker's model
let busy = false;

const hideError = () => ($('error').hidden = true);
const numbers = (form) => Object.fromEntries([...form.elements].filter((e) => e.name && e.type === 'number').map((e) => [e.name, Number(e.value)]));
const writing = () => {
  const f = $('writing').elements;
  return { phrase: f.phrase.value, temperature: Number(f.temperature.value), topK: Math.max(0, Math.round(Number(f.topK.value) || 0)), n: Math.min(2000, Math.max(1, Math.round(Number(f.n.value) || 300))) };
};

// ---- the text ----

function useText(text, name) {
  corpus = readCorpus(text, name, [$('writing').elements.phrase, $('attention').elements.prompt]);
  state.corpus = { name, length: corpus.text.length, vocabulary: corpus.vocab.chars.length };
  updateButtons();
}

async function useFile(file) {
  if (busy) throw new Error('Wait for the training to finish (or stop it) before changing the text.');
  useText(await file.text(), file.name);
}

// ---- training ----

function updateButtons() {
  $('train').disabled = busy || !corpus;
  $('stop').disabled = !busy;
  $('write').disabled = $('show').disabled = $('download').disabled = busy || !trained;
  $('load').disabled = busy;
}

function describeNetwork(s, vocabSize, paramCount) {
  $('network').textContent = `Embedding ${vocabSize}×${s.width} + positions ${s.context}×${s.width} → ${s.layers} × (layer norm → ${s.heads}-head causal attention → add → ` +
    `layer norm → Dense ${4 * s.width} gelu → Dense ${s.width} → add) → layer norm → Dense ${vocabSize} · ${paramCount.toLocaleString('en-US')} parameters`;
  const block = $('attention').elements.block, head = $('attention').elements.head;
  block.replaceChildren(...Array.from({ length: s.layers }, (_, i) => new Option(String(i + 1), String(i))));
  head.replaceChildren(...Array.from({ length: s.heads }, (_, i) => new Option(String(i + 1), String(i))));
}

async function train() {
  const s = numbers($('settings'));
  hideError();
  if (s.width % s.heads) throw new Error(`The width (${s.width}) must be a multiple of the number of heads (${s.heads}).`);
  const { vocab, ids } = corpus;
  const split = Math.floor(ids.length * 0.9);
  if (split - s.context < 2 || ids.length - split - s.context < 2) throw new Error(`the text is too short for a context of ${s.context} characters`);
  trainer = replaceTrainer(sn, compiledGpt(sn, { vocab: vocab.chars.length, ...s }), trainer);
  trained = null;
  busy = true;
  updateButtons();
  try {
    const info = await trainer.ready;
    describeNetwork(s, vocab.chars.length, info.paramCount);
    state.evals = [];
    state.samples = [];
    $('samples').replaceChildren();
    for (const d of state.charts.loss.data.datasets) d.data = [];
    state.charts.loss.refresh();
    const held = windows(ids, { length: s.context, count: 8 * s.batch, from: split, seed: s.seed + 1, every: true });
    const [lossIteration, lossHeld] = state.charts.loss.data.datasets;
    const started = performance.now();
    let done = 0;
    while (done < s.iterations) {
      const n = Math.min(s.every, s.iterations - done), from = done;
      const data = windows(ids, { length: s.context, count: n * s.batch, to: split, seed: s.seed * 1000 + done, every: true });
      const history = await trainer.fit(data.x, data.y, {
        epochs: 1, batchSize: s.batch, shuffle: false,
        callbacks: {
          onBatchEnd(batch, logs) {
            lossIteration.data.push({ x: from + batch + 1, y: logs.loss });
            state.charts.loss.refresh();
          },
          onProgress(p) {
            const elapsed = performance.now() - started, it = from + p.fraction * n;
            $('progress').value = it / s.iterations;
            state.tokensPerSecond = (it * s.batch * s.context) / (elapsed / 1000);
            $('status').textContent = `iteration ${Math.round(it)}/${s.iterations} · ${Math.round(state.tokensPerSecond).toLocaleString('en-US')} tokens/s · ` +
              `${formatDuration(elapsed)} elapsed · about ${formatDuration((elapsed / it) * (s.iterations - it))} left`;
          },
        },
      });
      done += n;
      if (history.stopped) break;
      const heldLoss = (await trainer.evaluate(held.x, held.y, { batchSize: s.batch })).loss;
      lossHeld.data.push({ x: done, y: heldLoss });
      state.charts.loss.refresh();
      state.evals.push({ iteration: done, loss: history.history.loss[0], heldLoss });
      trained = { chars: vocab.chars, settings: s };
      await write(`iteration ${done}`);
    }
    const last = state.evals.at(-1);
    $('progress').value = 1;
    $('status').textContent = `done: ${done} iterations in ${formatDuration(performance.now() - started)}` +
      (last ? ` · held-out loss ${last.heldLoss.toFixed(3)} nats per character (guessing uniformly: ${Math.log(vocab.chars.length).toFixed(2)})` : '');
    if (trained) await showAttention();
  } finally {
    busy = false;
    updateButtons();
    state.runs = (state.runs ?? 0) + 1; // the tests wait for this
  }
}

// ---- writing and attention ----

const idsOf = (chars, text, what) => {
  const index = new Map(chars.map((c, i) => [c, i]));
  return Int32Array.from(text, (c) => {
    if (!index.has(c)) throw new Error(`The ${what} has ${JSON.stringify(c)}, which is not in the text's vocabulary.`);
    return index.get(c);
  });
};

/** Continues the prompt with the Worker's model (sn.text.generate) and shows it under `label`. */
async function write(label) {
  const w = writing(), { chars, settings } = trained;
  let prompt = w.phrase.slice(-settings.context);
  if (!prompt.length) prompt = '\n';
  const started = performance.now();
  const ids = await trainer.generate(idsOf(chars, prompt, 'prompt'), { maxNewTokens: w.n, temperature: w.temperature, topK: w.topK || undefined, seed: state.samples.length + 1 });
  const ms = performance.now() - started;
  const text = Array.from(ids, (i) => chars[i]).join('');
  state.samples.push({ label, temperature: w.temperature, phrase: prompt, text, ms });
  const box = document.createElement('div');
  box.className = 'sample';
  box.innerHTML = '<b></b><pre><span class="phrase"></span><span class="out"></span></pre>';
  box.querySelector('b').textContent = `${label} · temperature ${w.temperature}${w.topK ? ` · top ${w.topK}` : ''} · ${w.n} characters in ${Math.round(ms)} ms`;
  box.querySelector('.phrase').textContent = prompt;
  box.querySelector('.out').textContent = text;
  $('samples').prepend(box);
}

/** One head's attention weights for the prompt, drawn as a heat map (row: a position, column: what it looks at). */
async function showAttention() {
  const f = $('attention').elements, { chars, settings } = trained;
  const prompt = f.prompt.value.slice(0, settings.context);
  if (!prompt.length) throw new Error('Type a prompt to look at.');
  const x = new Float32Array(settings.context);
  x.set(idsOf(chars, prompt, 'prompt')); // later positions stay 0: causal attention never looks ahead
  const block = Number(f.block.value), head = Number(f.head.value), T = settings.context, L = prompt.length;
  const scores = await trainer.attentionScores(`block_${block}_attention`, x);
  const weights = Array.from({ length: L }, (_, i) => Array.from({ length: L }, (_, j) => scores[(head * T + i) * T + j]));
  state.attention = { block, head, prompt, rowSums: weights.map((r) => r.reduce((a, b) => a + b, 0)), weights };
  drawHeatmap($('heatmap'), [...prompt], weights);
}

function drawHeatmap(canvas, labels, weights) {
  const ctx = canvas.getContext('2d'), n = labels.length, margin = 18, cell = (canvas.width - margin) / n;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.font = `${Math.max(7, Math.min(13, cell * 0.8))}px ui-monospace, monospace`;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  for (let i = 0; i < n; i++) {
    const shown = labels[i] === ' ' ? '␣' : labels[i] === '\n' ? '↵' : labels[i];
    ctx.fillStyle = '#334155';
    ctx.fillText(shown, margin / 2, margin + (i + 0.5) * cell);
    ctx.fillText(shown, margin + (i + 0.5) * cell, margin / 2);
    for (let j = 0; j < n; j++) {
      const v = Math.min(1, Math.sqrt(weights[i][j])); // the square root lets the small weights show
      ctx.fillStyle = `rgb(${Math.round(255 - 218 * v)}, ${Math.round(255 - 156 * v)}, ${Math.round(255 - 20 * v)})`;
      ctx.fillRect(margin + j * cell, margin + i * cell, Math.ceil(cell), Math.ceil(cell));
    }
  }
}

// ---- the model file: a JSON header (settings, vocabulary) and model.save()'s bytes ----

async function download() {
  const bytes = await trainer.save(), header = new TextEncoder().encode(JSON.stringify(trained));
  const head = new Uint8Array(4);
  new DataView(head.buffer).setUint32(0, header.length, true);
  const link = Object.assign(document.createElement('a'), { href: URL.createObjectURL(new Blob([head, header, bytes])), download: 'fortunes.gpt' });
  link.click();
  URL.revokeObjectURL(link.href);
}

async function load(file) {
  const all = new Uint8Array(await file.arrayBuffer());
  const size = all.length >= 4 ? new DataView(all.buffer).getUint32(0, true) : Infinity;
  if (size > all.length - 4) throw new Error(`${file.name} is not a model downloaded from this page`);
  let meta;
  try {
    meta = JSON.parse(new TextDecoder().decode(all.subarray(4, 4 + size)));
  } catch {
    throw new Error(`${file.name} is not a model downloaded from this page`);
  }
  if (!Array.isArray(meta.chars) || !meta.settings) throw new Error(`${file.name} is not a model downloaded from this page`);
  trainer ??= replaceTrainer(sn, compiledGpt(sn, { vocab: meta.chars.length, ...meta.settings }), null);
  const info = await trainer.load(all.slice(4 + size));
  trained = meta;
  describeNetwork(meta.settings, meta.chars.length, info.paramCount);
  $('status').textContent = `Loaded ${file.name}: press Write now or Show.`;
  updateButtons();
}

// ---- wiring ----

function wire() {
  state.charts.loss = makeChart($('loss-chart'), {
    datasets: [{ label: 'iteration', borderWidth: 1, color: '#93c5fd' }, { label: 'held out', color: '#dc2626' }],
    x: { label: 'iteration', min: 0 }, y: { label: 'cross-entropy (nats per character)', min: 0 },
  });
  const guard = guardFor(state);
  const exclusive = (f) => guard(async () => {
    busy = true;
    updateButtons();
    try {
      await f();
    } finally {
      busy = false;
      updateButtons();
    }
  });
  $('train').addEventListener('click', guard(train));
  $('stop').addEventListener('click', () => trainer?.stop());
  $('write').addEventListener('click', exclusive(() => write('now')));
  $('show').addEventListener('click', exclusive(showAttention));
  $('download').addEventListener('click', guard(download));
  $('load').addEventListener('change', guard(async (e) => e.target.files[0] && load(e.target.files[0])));
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
