// The decision boundary on dot.csv: the course's 2-11-1 network trained with
// and without L2, its output over a grid as shading and its 0.5 contour.
import * as sn from '../web/browser.js';
import { lessonPage, loadCsv, makeChart, runEpochs } from './common.js';
import { contourSegments } from './contour.js';

const LIVE_GRID = 60, FINAL_GRID = 200; // grid points per side while training / at the end
const EPOCHS_PER_FRAME = 20;
const RED = [220, 38, 38], BLUE = [37, 99, 235];

/** The course's network: weights N(0, 1), biases 0.01, relu, linear output, MSE, plain SGD. */
function makeModel(s, l2) {
  const reg = l2 ? sn.regularizers.l2(l2) : undefined;
  const common = { kernelInitializer: sn.initializers.randomNormal({ stddev: 1 }), biasInitializer: sn.initializers.constant({ value: 0.01 }), kernelRegularizer: reg };
  const model = sn.sequential({ seed: s.seed });
  model.add(sn.layers.dense({ units: 11, activation: 'relu', inputShape: [2], ...common }));
  model.add(sn.layers.dense({ units: 1, ...common }));
  model.compile({ optimizer: sn.optimizers.sgd({ learningRate: s.lr }), loss: 'mse' });
  return model;
}

function gridOver(rows, n) {
  const span = (k) => [Math.min(...rows.map((r) => r[k])) - 0.3, Math.max(...rows.map((r) => r[k])) + 0.3];
  const [xa, xb] = span(0), [ya, yb] = span(1);
  const grid = { nx: n, ny: n, x0: xa, y0: ya, dx: (xb - xa) / (n - 1), dy: (yb - ya) / (n - 1), xb, yb };
  grid.points = new Float32Array(n * n * 2);
  for (let j = 0; j < n; j++)
    for (let i = 0; i < n; i++) grid.points.set([xa + i * grid.dx, ya + j * grid.dy], (j * n + i) * 2);
  return grid;
}

/** A Chart.js plugin that paints the network's output under the points. */
function shadingPlugin(holder) {
  return {
    id: 'shading',
    beforeDatasetsDraw(chart) {
      if (!holder.image) return;
      const { left, top, width, height } = chart.chartArea;
      chart.ctx.save();
      chart.ctx.imageSmoothingEnabled = true;
      chart.ctx.drawImage(holder.image, left, top, width, height);
      chart.ctx.restore();
    },
  };
}

/** The output over the grid as an image: red where ≥ 0.5 (class 1), blue below, paler near 0.5. */
function shade(values, { nx, ny }) {
  const image = new OffscreenCanvas(nx, ny);
  const ctx = image.getContext('2d');
  const pixels = ctx.createImageData(nx, ny);
  for (let j = 0; j < ny; j++)
    for (let i = 0; i < nx; i++) {
      const v = values[j * nx + i];
      const [r, g, b] = v >= 0.5 ? RED : BLUE;
      const alpha = Math.min(1, Math.abs(v - 0.5) * 1.2) * 90 + 25;
      pixels.data.set([r, g, b, alpha], ((ny - 1 - j) * nx + i) * 4); // image rows go down, y goes up
    }
  ctx.putImageData(pixels, 0, 0);
  return image;
}

function makeBoundaryChart(canvas, rows, grid, holder) {
  const points = (label) => rows.filter((r) => r[2] === label).map(([x, y]) => ({ x, y }));
  return makeChart(canvas, {
    datasets: [
      { label: 'y_c = 1', type: 'scatter', data: points(1), color: `rgb(${RED})`, pointRadius: 3, showLine: false },
      { label: 'y_c = 0', type: 'scatter', data: points(0), color: `rgb(${BLUE})`, pointRadius: 3, showLine: false },
      { label: 'output = 0.5', color: '#111827', borderWidth: 2, spanGaps: false },
    ],
    x: { label: 'x1', min: grid.x0, max: grid.xb }, y: { label: 'x2', min: grid.y0, max: grid.yb },
    plugins: [shadingPlugin(holder)],
  });
}

const { go } = lessonPage('boundary', async (s, state) => {
  await sn.ready();
  const { rows } = await loadCsv('data/dot.csv');
  const x = rows.map((r) => [r[0], r[1]]), y = rows.map((r) => [r[2]]);
  const live = gridOver(rows, LIVE_GRID), final = gridOver(rows, FINAL_GRID);
  const runs = [['plain', 0], ['l2', s.l2]].map(([key, l2]) => {
    const holder = {};
    state.charts[key]?.destroy();
    state.charts[key] = makeBoundaryChart(document.getElementById(`${key}-chart`), rows, live, holder);
    return { key, holder, chart: state.charts[key], model: makeModel(s, l2) };
  });
  const draw = (run, grid) => {
    const out = run.model.predict(grid.points);
    run.holder.image = shade(out, grid);
    run.chart.data.datasets[2].data = contourSegments(out, grid);
    run.chart.refresh();
  };
  state.results = {};
  await runEpochs(s.epochs, async (epoch) => {
    for (const run of runs) {
      const h = await run.model.fit(x, y, { epochs: 1, batchSize: s.batch, shuffle: false });
      const last = epoch === s.epochs - 1;
      if ((epoch + 1) % EPOCHS_PER_FRAME === 0 || last) {
        draw(run, last ? final : live);
        const accuracy = run.model.predict(x).reduce((n, v, i) => n + ((v >= 0.5 ? 1 : 0) === rows[i][2]), 0) / rows.length;
        document.getElementById(`${run.key}-result`).textContent = `epoch ${epoch + 1}: loss ${h.history.loss[0].toFixed(4)}, training accuracy ${(accuracy * 100).toFixed(1)}%`;
        state.results[run.key] = { loss: h.history.loss[0], accuracy };
      }
    }
  }, EPOCHS_PER_FRAME);
  for (const run of runs) run.model.dispose();
});
go();
