// Learning-rate decay on loss = (w + 1)²: a one-weight model, the gradient
// from computeGradients and the step from an SGD optimizer whose rate the page
// sets each epoch with the course's formula.
import * as sn from '../web/browser.js';
import { lessonPage, makeChart, runEpochs } from './common.js';

const TABLE_ROWS = 11; // the course lists epochs 0-10

/** A model whose only weight is w: output = w·1, so MSE against −1 is (w + 1)². */
function oneWeight(w0) {
  const model = sn.sequential({ seed: 1 });
  model.add(sn.layers.dense({ units: 1, inputShape: [1], useBias: false, kernelInitializer: sn.initializers.constant({ value: w0 }) }));
  return model;
}

/** One epoch: loss and gradient at w, then w −= lr · gradient. Plain SGD keeps no state, so a fresh optimizer per rate is exact. */
function step(model, lr) {
  model.compile({ optimizer: sn.optimizers.sgd({ learningRate: lr }), loss: 'mse' });
  const { loss, grads } = model.computeGradients([[1]], [[-1]]);
  model.optimizer.applyGradients(grads);
  return { loss, w: model.getWeights()[0].values[0] };
}

function charts(state) {
  const series = () => [{ label: 'constant lr', pointRadius: 2 }, { label: 'exponential decay', pointRadius: 2 }];
  state.charts.w ??= makeChart(document.getElementById('w-chart'), { datasets: series(), x: { label: 'epoch', min: 0 }, y: { label: 'w' } });
  state.charts.lr ??= makeChart(document.getElementById('lr-chart'), { datasets: series(), x: { label: 'epoch', min: 0 }, y: { label: 'learning rate' } });
  for (const chart of [state.charts.w, state.charts.lr]) chart.data.datasets.forEach((d) => (d.data = []));
}

function tableRow(cells, header = false) {
  const tag = header ? 'th' : 'td';
  return `<tr>${cells.map((c) => `<${tag}>${c}</${tag}>`).join('')}</tr>`;
}

const { go } = lessonPage('decay', async (s, state) => {
  await sn.ready();
  charts(state);
  const models = [oneWeight(s.w0), oneWeight(s.w0)];
  const rates = [() => s.base, (epoch) => s.base * s.decay ** (epoch / s.step)];
  const table = document.getElementById('table');
  table.innerHTML = tableRow(['epoch', 'w after update', 'loss before update', 'lr'], true);
  state.decayed = [];
  await runEpochs(s.epochs, (epoch) => {
    models.forEach((model, i) => {
      const lr = rates[i](epoch);
      const { loss, w } = step(model, lr);
      state.charts.w.data.datasets[i].data.push({ x: epoch, y: w });
      state.charts.lr.data.datasets[i].data.push({ x: epoch, y: lr });
      if (i === 1) state.decayed.push({ epoch, w, loss, lr });
      if (i === 1 && epoch < TABLE_ROWS) table.insertAdjacentHTML('beforeend', tableRow([epoch, w.toFixed(6), loss.toFixed(6), lr.toFixed(6)]));
    });
    state.charts.w.refresh();
    state.charts.lr.refresh();
  });
  for (const model of models) model.dispose();
});
go();
