// What every demo page shares: the navigation bar, Chart.js line charts that
// redraw at most once per frame, CSV loading, and the state object the browser
// tests read (window.__demo).
const PAGES = [
  ['index.html', 'MNIST'],
  ['linreg.html', 'Linear regression'],
  ['decay.html', 'Learning-rate decay'],
  ['boundary.html', 'Decision boundary'],
  ['optimizers.html', 'Optimizer race'],
  ['transfer.html', 'Your own classes'],
  ['text.html', 'Text that writes itself'],
  ['gpt.html', 'A GPT in a tab'],
];

/** A colour per series, the same on every page. */
export const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#64748b'];

/** Fills the page's <nav> and returns the test hook for this page. */
export function setupPage(name) {
  const here = location.pathname.split('/').pop() || 'index.html';
  const nav = document.querySelector('nav');
  nav.innerHTML = '<span class="brand">simdnet</span>' +
    PAGES.map(([href, label]) => `<a href="${href}"${href === here ? ' aria-current="page"' : ''}>${label}</a>`).join('');
  const state = { page: name, status: 'loading', charts: {}, errors: [] };
  window.__demo = state;
  return state;
}

/**
 * A Worker trainer for a compiled model (sn.createTrainer), replacing `old`
 * (terminated): the model is disposed either way, the Worker has its own copy.
 */
export function replaceTrainer(sn, model, old) {
  let next;
  try {
    next = sn.createTrainer(model);
  } finally {
    model.dispose();
  }
  old?.terminate();
  return next;
}

/** Shows an error on the page (and in the console, where the tests look). */
export function showError(err) {
  console.error(err);
  const box = document.getElementById('error');
  if (box) {
    box.textContent = err?.message ?? String(err);
    box.hidden = false;
  }
}

/** Lets the browser paint and handle input before the next piece of work. */
export const nextFrame = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));

/** Numeric CSV with a header row → { columns, rows: number[][] }. */
export async function loadCsv(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`cannot load ${url}: HTTP ${response.status}`);
  const [header, ...lines] = (await response.text()).trim().split(/\r?\n/);
  return { columns: header.split(','), rows: lines.map((line) => line.split(',').map(Number)) };
}

const AXIS_DEFAULTS = { grid: { color: '#e5e7eb' }, ticks: { maxTicksLimit: 8 } };

/**
 * A Chart.js chart whose redraws are batched: change its data, then call
 * refresh(); at most one redraw (without animation) happens per frame.
 */
export function makeChart(canvas, { type = 'line', datasets, x = {}, y = {}, y2, title, legend = true, plugins = [] }) {
  const scales = {
    x: { type: 'linear', ...AXIS_DEFAULTS, ...x, title: { display: Boolean(x.label), text: x.label } },
    y: { ...AXIS_DEFAULTS, ...y, title: { display: Boolean(y.label), text: y.label } },
  };
  if (y2) scales.y2 = { position: 'right', grid: { drawOnChartArea: false }, ...y2, title: { display: Boolean(y2.label), text: y2.label } };
  const chart = new window.Chart(canvas, {
    type,
    data: { datasets: datasets.map((d, i) => ({ borderColor: d.color ?? COLORS[i % COLORS.length], backgroundColor: d.color ?? COLORS[i % COLORS.length], pointRadius: 0, borderWidth: 2, data: [], ...d })) },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      parsing: false,
      normalized: true,
      interaction: { mode: 'nearest', intersect: false },
      scales,
      plugins: { legend: { display: legend, labels: { boxWidth: 12 } }, title: { display: Boolean(title), text: title } },
    },
    plugins,
  });
  let queued = false;
  chart.refresh = () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      chart.update('none');
    });
  };
  return chart;
}

/** "1 min 05 s" / "12 s" for an ETA. */
export function formatDuration(ms) {
  if (!Number.isFinite(ms)) return '…';
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s` : `${s} s`;
}

/**
 * Runs step(epoch) for each epoch, letting the page paint (and stay
 * responsive) after every `perFrame` epochs. The lesson pages train on the
 * main thread this way: each step is a fraction of a millisecond.
 */
export async function runEpochs(epochs, step, perFrame = 1) {
  for (let epoch = 0; epoch < epochs; epoch++) {
    await step(epoch);
    if ((epoch + 1) % perFrame === 0 || epoch === epochs - 1) await nextFrame();
  }
}

/** Reads a form's fields as numbers: { name: value }. */
export const numbers = (form) => Object.fromEntries([...form.elements].filter((el) => el.name).map((el) => [el.name, Number(el.value)]));

/** Wires a lesson page: run(settings) on load and on every click of #start, with status for the tests. */
export function lessonPage(name, run) {
  const state = setupPage(name);
  const start = document.getElementById('start');
  const go = async () => {
    start.disabled = true;
    state.status = 'training';
    try {
      const started = performance.now();
      await run(numbers(document.getElementById('settings')), state);
      state.trainingSpan = [started, performance.now()];
      state.status = 'done';
    } catch (err) {
      showError(err);
      state.status = 'error';
    } finally {
      start.disabled = false;
    }
  };
  start.addEventListener('click', go);
  return { state, go };
}
