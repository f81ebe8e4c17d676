// The optimizer race: one model per optimizer, same seed and data, one epoch
// each per step, loss curves on one chart. Momentum is the course's form
// m = 0.9·m + 0.1·g (Keras' SGD with dampening 0.9).
import * as sn from '../web/browser.js';
import { lessonPage, loadCsv, makeChart, runEpochs } from './common.js';

const RACERS = [
  { key: 'sgd', label: 'SGD', make: (lr) => sn.optimizers.sgd({ learningRate: lr }) },
  { key: 'momentum', label: 'SGD + momentum 0.9', make: (lr) => sn.optimizers.sgd({ learningRate: lr, momentum: 0.9, dampening: 0.9 }) },
  { key: 'adagrad', label: 'Adagrad', make: (lr) => sn.optimizers.adagrad({ learningRate: lr }) },
  { key: 'rmsprop', label: 'RMSProp', make: (lr) => sn.optimizers.rmsprop({ learningRate: lr }) },
  { key: 'adam', label: 'Adam', make: (lr) => sn.optimizers.adam({ learningRate: lr }) },
];

function makeModel(seed, optimizer) {
  const model = sn.sequential({ seed });
  model.add(sn.layers.dense({ units: 11, activation: 'relu', inputShape: [2] }));
  model.add(sn.layers.dense({ units: 1 }));
  model.compile({ optimizer, loss: 'mse' });
  return model;
}

function showResults(runs) {
  const rows = runs.map((r) => `<tr><th>${r.label}</th><td>final loss ${r.loss.at(-1)?.y.toFixed(5) ?? '–'}</td></tr>`);
  document.getElementById('results').innerHTML = rows.join('');
}

const { go } = lessonPage('optimizers', async (s, state) => {
  await sn.ready();
  const { rows } = await loadCsv('data/dot.csv');
  const x = rows.map((r) => [r[0], r[1]]), y = rows.map((r) => [r[2]]);
  const runs = RACERS.map((r) => ({ ...r, model: makeModel(s.seed, r.make(s[r.key])) }));
  state.charts.race?.destroy();
  state.charts.race = makeChart(document.getElementById('race-chart'), {
    datasets: runs.map((r) => ({ label: r.label })),
    x: { label: 'epoch', min: 0 }, y: { label: 'loss', type: 'logarithmic' },
  });
  runs.forEach((r, i) => (r.loss = state.charts.race.data.datasets[i].data));
  state.optimizers = runs.map((r) => r.key);
  showResults(runs);
  await runEpochs(s.epochs, async (epoch) => {
    for (const run of runs) {
      const h = await run.model.fit(x, y, { epochs: 1, batchSize: s.batch, shuffle: true });
      run.loss.push({ x: epoch + 1, y: h.history.loss[0] });
    }
    state.charts.race.refresh();
  }, 2);
  showResults(runs);
  for (const run of runs) run.model.dispose();
});
go();
