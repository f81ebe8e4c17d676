// Linear regression on linreg.csv: per-sample, full-batch and mini-batch
// gradient descent side by side, each epoch one model.fit call.
import * as sn from '../web/browser.js';
import { COLORS, lessonPage, loadCsv, makeChart, runEpochs } from './common.js';

const METHODS = [
  { key: 'sample', title: 'Per sample (SGD, batch 1)', batch: () => 1, lr: (s) => s.lrSample, shuffle: false },
  { key: 'full', title: 'Full batch (gradient descent)', batch: (s, rows) => rows, lr: (s) => s.lrFull, shuffle: false },
  { key: 'mini', title: 'Mini-batches', batch: (s) => s.batch, lr: (s) => s.lrMini, shuffle: true },
];
const X_RANGE = [-1.1, 1.1];
const line = (w, b) => X_RANGE.map((x) => ({ x, y: w * x + b }));

function fitCard(method) {
  const card = document.createElement('div');
  card.className = 'card';
  card.innerHTML = `<h2>${method.title}</h2><div class="chart"><canvas></canvas></div><p class="muted" id="${method.key}-result"></p>`;
  document.getElementById('fits').append(card);
  return makeChart(card.querySelector('canvas'), {
    datasets: [
      { label: 'data', type: 'scatter', pointRadius: 2.5, color: '#94a3b8', showLine: false },
      { label: 'true line y = 2x + 1', color: '#16a34a', borderDash: [6, 4] },
      { label: 'earlier epochs', color: 'rgba(37, 99, 235, 0.12)', borderWidth: 1, spanGaps: false },
      { label: 'fit', color: COLORS[0] },
    ],
    x: { label: 'x', min: X_RANGE[0], max: X_RANGE[1] }, y: { label: 'y', min: -2, max: 4 },
  });
}

function makeModel(method, settings) {
  const model = sn.sequential({ seed: 1 });
  model.add(sn.layers.dense({ units: 1, inputShape: [1], kernelInitializer: 'zeros' })); // w = 0, b = 0 as the course
  model.compile({ optimizer: sn.optimizers.sgd({ learningRate: method.lr(settings) }), loss: 'mse' });
  return model;
}

const { go } = lessonPage('linreg', async (settings, state) => {
  await sn.ready();
  const { rows } = await loadCsv('data/linreg.csv');
  const x = rows.map((r) => [r[0]]), y = rows.map((r) => [r[1]]);
  state.charts.loss ??= makeChart(document.getElementById('loss-chart'), {
    datasets: METHODS.map((m) => ({ label: m.title })), x: { label: 'epoch', min: 0 }, y: { label: 'MSE', type: 'logarithmic' },
  });
  const runs = METHODS.map((method, i) => {
    const chart = (state.charts[method.key] ??= fitCard(method));
    chart.data.datasets[0].data = rows.map(([px, py]) => ({ x: px, y: py }));
    chart.data.datasets[1].data = line(2, 1);
    chart.data.datasets[2].data = [];
    state.charts.loss.data.datasets[i].data = [];
    return { method, chart, model: makeModel(method, settings), loss: state.charts.loss.data.datasets[i].data };
  });
  state.results = {};
  await runEpochs(settings.epochs, async (epoch) => {
    for (const run of runs) {
      await run.model.fit(x, y, { epochs: 1, batchSize: run.method.batch(settings, rows.length), shuffle: run.method.shuffle });
      const [kernel, bias] = run.model.getWeights().map((v) => v.values[0]);
      const mse = run.model.evaluate(x, y).loss;
      run.chart.data.datasets[2].data.push(...line(kernel, bias), { x: X_RANGE[1], y: null });
      run.chart.data.datasets[3].data = line(kernel, bias);
      run.loss.push({ x: epoch + 1, y: mse });
      document.getElementById(`${run.method.key}-result`).textContent =
        `epoch ${epoch + 1}: w = ${kernel.toFixed(6)}, b = ${bias.toFixed(6)}, MSE = ${mse.toFixed(6)}`;
      state.results[run.method.key] = { w: kernel, b: bias, mse };
      run.chart.refresh();
    }
    state.charts.loss.refresh();
  }, 2);
  for (const run of runs) run.model.dispose();
});
go();
