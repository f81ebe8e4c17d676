// The demo pages in real browsers (headless Debian chromium through
// playwright-core, Debian firefox-esr through puppeteer-core: test/support/browsers.js),
// opened from scripts/serve.js, the server `npm start` runs: each page trains,
// its charts get points, the console stays clean, the page stays responsive,
// and a screenshot lands in test-output/demo-<page>-<browser>.png.
// The MNIST page also trains the M4 CNN and a stack built in its editor, and
// refuses a stack that does not fit with the library's message.
// Also: sn.createTrainer (the Worker helper) trains to the same bits as Node.
// Every test runs once per browser, named after it.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as sn from '../web/index.js';
import { startServer } from '../scripts/serve.js';
import { CUSTOM_START } from '../demo/networks.js';
import { BROWSERS, launch, skipWithout } from './support/browsers.js';
import { blobs } from './support/models.js';

const OUTPUT = fileURLToPath(new URL('../test-output/', import.meta.url));
const WAIT = { timeout: 120000 };

/**
 * Responsiveness, measured on the page: a 10 ms interval timer records the
 * longest gap between its ticks (the longest time the main thread was busy),
 * and requestAnimationFrame records when frames were painted. The pages record
 * when training started and ended (window.__demo.trainingSpan). A page that
 * trained on its main thread without yielding would paint no frame during
 * training and show one gap as long as the training; so we require frames
 * painted during training and no gap of half a second or more. The bound is
 * deliberately generous so a loaded 2-core CI machine does not trip it: it
 * checks that training never freezes the page, not how fast anything runs.
 */
const LONGEST_GAP_MS = 500;
function installProbe() {
  const probe = { longestGap: 0, frameTimes: [] };
  let last = performance.now();
  setInterval(() => {
    const now = performance.now();
    probe.longestGap = Math.max(probe.longestGap, now - last);
    last = now;
  }, 10);
  const frame = (time) => {
    if (probe.frameTimes.length < 100000) probe.frameTimes.push(time);
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
  probe.reset = () => {
    probe.longestGap = 0;
    last = performance.now();
  };
  window.__probe = probe;
}

let server;

before(async () => {
  mkdirSync(OUTPUT, { recursive: true });
  server = await startServer({ port: 0 });
});

after(async () => {
  await server?.close();
});

/** Each browser, started once for its tests (with the probe in every page) and closed after them. */
const browsers = {};
for (const name of BROWSERS) {
  before(async () => {
    if (!skipWithout(name)) browsers[name] = await launch(name, { initScript: installProbe });
  });
  after(() => browsers[name]?.close());
}

/** Opens a demo page in `browser`; `errors` collects console errors and uncaught exceptions. */
async function open(browser, file) {
  const page = await browsers[browser].newPage();
  const response = await page.goto(`${server.url}/demo/${file}`);
  assert.equal(response.headers()['cross-origin-embedder-policy'], 'require-corp');
  return { page, errors: page.errors };
}

const waitForStatus = (page, ...wanted) =>
  page.waitForFunction((w) => w.includes(window.__demo?.status), wanted, WAIT).then(() => page.evaluate(() => window.__demo.status));

const pointCounts = (page) => page.evaluate(() =>
  Object.fromEntries(Object.entries(window.__demo.charts).map(([name, chart]) => [name, chart.data.datasets.map((d) => d.data.length)])));

async function finish(browser, page, errors, name) {
  await page.screenshot({ path: join(OUTPUT, `demo-${name}-${browser}.png`), fullPage: true });
  assert.equal(await page.evaluate(() => crossOriginIsolated), true, 'the page is cross-origin isolated');
  assert.deepEqual(errors, [], 'no error in the console');
  await page.close();
}

async function assertResponsive(page) {
  const { longestGap, frames, ms } = await page.evaluate(() => {
    const [start, end] = window.__demo.trainingSpan;
    return { longestGap: window.__probe.longestGap, frames: window.__probe.frameTimes.filter((t) => t > start && t < end).length, ms: end - start };
  });
  assert.ok(frames >= 3, `frames were painted while training (${frames} in ${ms.toFixed(0)} ms)`);
  assert.ok(longestGap < LONGEST_GAP_MS, `the main thread was never busy for ${LONGEST_GAP_MS} ms or more (longest: ${longestGap.toFixed(0)} ms)`);
}

/** Sets the MNIST page to train `epochs` on `count` digits, trains, and checks it stayed responsive. */
async function trainMnist(page, { count, epochs }) {
  await page.fill('input[name=count]', String(count));
  await page.fill('input[name=epochs]', String(epochs));
  await page.evaluate(() => window.__probe.reset());
  await page.click('#start');
  assert.equal(await waitForStatus(page, 'done', 'error'), 'done');
  await assertResponsive(page);
}

/** Checks the MNIST page's test results: the accuracy shown, a confusion matrix of every test digit, the mistakes shown. */
async function checkTestResults(page) {
  const accuracy = await page.evaluate(() => window.__demo.testAccuracy);
  assert.match(await page.textContent('#test-accuracy'), /^\d+\.\d\d%$/);
  const confusion = await page.evaluate(() => window.__demo.confusion);
  assert.equal(confusion.flat().reduce((a, b) => a + b, 0), 2000, 'the confusion matrix counts every test digit');
  const mistakes = await page.evaluate(() => window.__demo.mistakes);
  assert.equal(await page.locator('#wrong canvas').count(), Math.min(48, mistakes), 'misclassified digits are shown');
  return accuracy;
}

/** Draws a "1" on the pad (a vertical stroke with the mouse); resolves to the probabilities the page shows. */
async function drawOne(page) {
  const pad = page.locator('#pad');
  await pad.scrollIntoViewIfNeeded();
  const box = await pad.boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height * 0.15);
  await page.mouse.down();
  for (let i = 1; i <= 12; i++) await page.mouse.move(box.x + box.width / 2 + i / 3, box.y + box.height * (0.15 + i * 0.06));
  await page.mouse.up();
  return drawnProbabilities(page);
}

/** The pad's probabilities once the trained network has given them; they sum to 1. */
async function drawnProbabilities(page) {
  await page.waitForFunction(() => window.__demo.drawProbabilities?.length === 10, null, WAIT);
  const probs = await page.evaluate(() => window.__demo.drawProbabilities);
  assert.ok(Math.abs(probs.reduce((a, b) => a + b, 0) - 1) < 1e-5, `the probabilities sum to 1: ${probs}`);
  return probs;
}

/** Downloads the trained network and loads the file back; resolves to the test accuracy the page then shows. */
async function downloadAndReload(page) {
  const [download] = await Promise.all([page.waitForEvent('download', WAIT), page.click('#download')]);
  const file = await download.path();
  await page.evaluate(() => { window.__demo.testAccuracy = null; });
  await page.setInputFiles('#load', file);
  await page.waitForFunction(() => window.__demo.testAccuracy !== null, null, WAIT);
  return page.evaluate(() => window.__demo.testAccuracy);
}

/** Whether the element is laid out (not hidden by itself or an ancestor). */
const visible = (page, selector) => page.evaluate((s) => document.querySelector(s).getClientRects().length > 0, selector);

/** The settings an architecture starts with: [batch size, epochs]. */
const settingsShown = (page) => page.evaluate(() => [Number(document.querySelector('input[name=batch]').value), Number(document.querySelector('input[name=epochs]').value)]);

/** The bundled digits as the page reads them (dist/mnist-10k.bin): images scaled to [0, 1], labels. */
function bundledDigits() {
  const bytes = readFileSync(new URL('../dist/mnist-10k.bin', import.meta.url));
  const count = bytes.readUInt32LE(4);
  return { images: sn.data.scale255(bytes.subarray(12, 12 + count * 784)), labels: bytes.subarray(12 + count * 784), count };
}

/**
 * The M4 CNN (the TF.js tutorial's, issue 11) as the page must train it —
 * seed 42, Adam 0.001, batch 64, validation split 0.2, one epoch on the first
 * 3,000 bundled digits — trained in Node: its test accuracy on the last 2,000.
 * The page's Worker trains to the same bits, so it must show the same number.
 * Written here from the issue, not taken from the page.
 */
let m4InNode;
function m4Accuracy() {
  m4InNode ??= (async () => {
    await sn.ready();
    const { images, labels, count } = bundledDigits();
    const model = sn.sequential({ seed: 42 });
    model.add(sn.layers.conv2d({ filters: 8, kernelSize: 5, activation: 'relu', kernelInitializer: 'leCunNormal', inputShape: [28, 28, 1] }));
    model.add(sn.layers.maxPooling2d({ poolSize: 2 }));
    model.add(sn.layers.conv2d({ filters: 16, kernelSize: 5, activation: 'relu', kernelInitializer: 'leCunNormal' }));
    model.add(sn.layers.maxPooling2d({ poolSize: 2 }));
    model.add(sn.layers.flatten());
    model.add(sn.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: 'leCunNormal' }));
    model.compile({ optimizer: sn.optimizers.adam({ learningRate: 0.001 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    await model.fit(images.subarray(0, 3000 * 784), sn.data.oneHot(labels.subarray(0, 3000), 10), { epochs: 1, batchSize: 64, validationSplit: 0.2 });
    const { accuracy } = model.evaluate(images.subarray((count - 2000) * 784), sn.data.oneHot(labels.subarray(count - 2000), 10));
    model.dispose();
    return { accuracy };
  })();
  return m4InNode;
}

/** Builds layers ({ type, ...options }) in Node: each one's name, output shape and parameter count, or the library's Error message. */
function nodeStack(layers) {
  const model = sn.sequential({ seed: 1 });
  try {
    for (const { type, ...options } of layers) model.add(sn.layers[type](options));
    const trainable = model.trainableWeights.reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0);
    return {
      layers: model.layers.map((l) => ({ name: l.name, outputShape: l.outputShape, params: l.countParams() })), paramCount: model.paramCount(), trainable, summary: model.summary(),
    };
  } catch (err) {
    return { error: err.message };
  }
}

/** Opens a lesson page (it trains on load) and waits until it is done and checked for responsiveness. */
async function trainedLesson(browser, file) {
  const { page, errors } = await open(browser, file);
  await page.evaluate(() => window.__probe.reset()); // the page's loading does not count, its training does
  assert.equal(await waitForStatus(page, 'done', 'error'), 'done');
  await assertResponsive(page);
  return { page, errors, counts: await pointCounts(page) };
}

for (const browser of BROWSERS) describe(`${browser}: demo pages`, { skip: skipWithout(browser) }, () => {
  test(`${browser}: MNIST: one epoch in the Worker, live charts, test accuracy, drawing, responsive`, async () => {
    const { page, errors } = await open(browser, 'index.html');
    assert.equal(await waitForStatus(page, 'ready', 'error'), 'ready');
    assert.equal(await page.locator('#samples canvas').count(), 24, 'sample digits are shown');
    assert.equal(await page.evaluate(() => window.__demo.network.paramCount), 52650, 'the dense network 784-64-32-10 is chosen at first');
    await trainMnist(page, { count: 3000, epochs: 1 });

    const counts = await pointCounts(page);
    // loss and accuracy: [per batch, per epoch, validation per epoch]; 2,400 training rows / 30 = 80 batches
    assert.deepEqual(counts, { loss: [80, 1, 1], accuracy: [80, 1, 1] });
    const accuracy = await checkTestResults(page);
    assert.ok(accuracy > 0.5, `test accuracy ${accuracy} is far above chance (0.1)`);
    await drawOne(page);

    assert.equal(await downloadAndReload(page), accuracy, 'the reloaded model scores the same');
    await finish(browser, page, errors, 'mnist');
  });

  test(`${browser}: MNIST: the row-by-row LSTM trains in the Worker and reads the test digits`, async () => {
    const { page, errors } = await open(browser, 'index.html');
    assert.equal(await waitForStatus(page, 'ready', 'error'), 'ready');
    await page.click('input[value=lstm]');
    assert.equal(await visible(page, 'input[name=hidden]'), false, 'no hidden layer sizes for the LSTM');
    assert.deepEqual(await settingsShown(page), [32, 5], "the LSTM's batch size and epochs");
    // LSTM: 4 gates × 128 units × (28 inputs + 128 recurrent + 1 bias); dense: 128 × 10 + 10.
    assert.equal(await page.evaluate(() => window.__demo.network.paramCount), 4 * 128 * (28 + 128 + 1) + 1290);
    await trainMnist(page, { count: 3000, epochs: 1 });
    // 2,400 training rows / 32 = 75 batches
    assert.deepEqual(await pointCounts(page), { loss: [75, 1, 1], accuracy: [75, 1, 1] });
    assert.deepEqual(await page.evaluate(() => window.__demo.trained), { architecture: 'lstm', name: 'row-by-row LSTM', paramCount: 4 * 128 * 157 + 1290 });
    const accuracy = await checkTestResults(page);
    assert.ok(accuracy > 0.5, `the LSTM's test accuracy ${accuracy} after one epoch on 2,400 digits is far above chance`);
    await finish(browser, page, errors, 'mnist-lstm');
  });

  test(`${browser}: MNIST: the M4 CNN in the Worker, its test accuracy and drawing; then the dense network after it`, async () => {
    const { page, errors } = await open(browser, 'index.html');
    assert.equal(await waitForStatus(page, 'ready', 'error'), 'ready');
    await page.click('input[value=m4]');
    assert.equal(await visible(page, 'input[name=hidden]'), false, 'no hidden layer sizes for the CNN');
    assert.equal(await visible(page, 'select[name=activation]'), false, 'no activation setting for the CNN');
    assert.equal(await visible(page, '#stack'), false, 'no stack editor for the M4');
    assert.deepEqual(await settingsShown(page), [64, 5], "the M4's batch size and epochs");
    assert.equal(await page.evaluate(() => window.__demo.network.paramCount), 5994, "the M4's parameters, as README's summary()");
    await trainMnist(page, { count: 3000, epochs: 1 });

    // 2,400 training rows / 64 = 38 batches
    assert.deepEqual(await pointCounts(page), { loss: [38, 1, 1], accuracy: [38, 1, 1] });
    assert.deepEqual(await page.evaluate(() => window.__demo.trained), { architecture: 'm4', name: 'M4 CNN', paramCount: 5994 });
    const accuracy = await checkTestResults(page);
    const node = await m4Accuracy();
    // Over seeds 40–49 this run of the M4 reaches 0.70–0.80 (0.8025 with the page's seed 42).
    assert.ok(accuracy > 0.65, `the M4's test accuracy ${accuracy} after one epoch on 2,400 digits is far above chance`);
    assert.equal(accuracy, node.accuracy, 'the page trains the M4 as Node does, to the same test accuracy');
    const cnnProbs = await drawOne(page);

    assert.equal(await page.textContent('#model-file-note'), '', 'the page has nothing to say against downloading it');
    assert.equal(await downloadAndReload(page), accuracy, 'the reloaded CNN scores the same');
    await page.screenshot({ path: join(OUTPUT, `demo-mnist-cnn-${browser}.png`), fullPage: true });

    // Back to the dense network: its settings return, it trains, and the pad predicts the same drawing with it.
    await page.click('input[value=mlp]');
    assert.equal(await visible(page, 'input[name=hidden]'), true);
    assert.deepEqual(await settingsShown(page), [30, 10], "the dense network's batch size and epochs");
    await trainMnist(page, { count: 3000, epochs: 1 });
    assert.deepEqual(await pointCounts(page), { loss: [80, 1, 1], accuracy: [80, 1, 1] }, 'the charts start again');
    assert.equal((await page.evaluate(() => window.__demo.trained)).architecture, 'mlp');
    assert.ok(await checkTestResults(page) > 0.5);
    const mlpProbs = await drawnProbabilities(page);
    assert.notDeepEqual(mlpProbs, cnnProbs, 'the drawing is predicted by the network trained last');
    assert.deepEqual(await page.evaluate(() => window.__demo.modelFile.error), undefined, 'the dense network can be downloaded');
    await finish(browser, page, errors, 'mnist-switch');
  });

  test(`${browser}: MNIST: your own stack, built in the editor with the library's shapes, trains; one that does not fit is refused with the library's message`, async () => {
    const { page, errors } = await open(browser, 'index.html');
    assert.equal(await waitForStatus(page, 'ready', 'error'), 'ready');
    await page.click('input[value=custom]');
    assert.equal(await visible(page, '#stack'), true);
    assert.equal(await visible(page, 'input[name=hidden]'), false);
    assert.deepEqual(await settingsShown(page), [64, 3]);

    // The stack it starts with has batch norm, whose moving statistics count but do not train: the page shows both counts.
    const start = nodeStack(CUSTOM_START);
    assert.equal(start.paramCount - start.trainable, 32, "batch norm's moving mean and variance of 16 channels");
    const first = await page.evaluate(() => window.__demo.network);
    assert.equal(first.summary, start.summary, "the page's model.summary() is the library's");
    assert.match(first.summary, /\nTotal params: 27,274\nTrainable params: 27,242\nNon-trainable params: 32\n/);
    assert.equal(await page.textContent('#summary'), start.summary);
    assert.equal(first.trainableCount, start.trainable);
    assert.match(await page.textContent('#network-check'), /^Custom stack: 27,274 parameters \(27,242 trainable, 32 non-trainable\), [\d,]+ multiply-adds per sample\.$/);

    // From the output layer alone, add conv2d (8 filters, 3×3), maxPooling2d and flatten with the editor.
    await page.click('[data-preset=empty]');
    for (const kind of ['conv2d', 'maxPooling2d', 'flatten']) {
      await page.selectOption('#add-kind', kind);
      await page.click('#add-layer');
    }
    await page.fill('#stack tr[data-index="0"] [data-option=filters]', '8');
    const stack = [
      { type: 'conv2d', filters: 8, kernelSize: 3, strides: 1, padding: 'valid', activation: 'relu', kernelInitializer: 'glorotUniform', inputShape: [28, 28, 1] },
      { type: 'maxPooling2d', poolSize: 2, padding: 'valid' },
      { type: 'flatten' },
      { type: 'dense', units: 10, activation: 'softmax', kernelInitializer: 'glorotUniform' },
    ];
    const expected = nodeStack(stack);
    const shown = await page.evaluate(() => window.__demo.network);
    assert.equal(shown.error, null);
    assert.deepEqual(shown.layers, expected.layers, "the editor's layers, shapes and parameter counts are the library's");
    assert.equal(shown.paramCount, expected.paramCount);
    const cells = await page.evaluate(() => [...document.querySelectorAll('#stack tr.layer')].map((tr) => [tr.querySelector('.shape').textContent, tr.querySelector('.params').textContent]));
    assert.deepEqual(cells, expected.layers.map((l) => [`(None, ${l.outputShape.slice(1).join(', ')})`, l.params.toLocaleString('en-US')]), 'each row shows its shape and parameters');

    await trainMnist(page, { count: 3000, epochs: 1 });
    assert.deepEqual(await pointCounts(page), { loss: [38, 1, 1], accuracy: [38, 1, 1] });
    assert.deepEqual(await page.evaluate(() => window.__demo.trained), { architecture: 'custom', name: 'custom stack', paramCount: expected.paramCount });
    const accuracy = await checkTestResults(page);
    // Over seeds 40–45 this stack reaches 0.74–0.79 in this run.
    assert.ok(accuracy > 0.6, `the stack's test accuracy ${accuracy} after one epoch on 2,400 digits is far above chance`);
    await drawOne(page);

    // An option the library refuses, then flatten moved above the pooling layer: each refused with the library's Error, on the page.
    const refused = async (layers, row) => {
      const message = nodeStack(layers).error;
      assert.ok(message, 'Node refuses the stack too');
      assert.deepEqual(await page.evaluate(() => window.__demo.network.error), message);
      assert.equal(await page.textContent('#network-check'), message, "the library's message is shown under the editor");
      assert.deepEqual(await page.evaluate(() => [...document.querySelectorAll('#stack tr.bad')].map((tr) => tr.dataset.index)), [String(row)], 'the refused layer is marked');
      assert.equal(await page.evaluate(() => document.getElementById('start').disabled), true, 'Train waits for a stack that fits');
      assert.equal(await visible(page, '#error'), false, 'not an error of the page');
    };
    await page.fill('#stack tr[data-index="0"] [data-option=filters]', '0');
    await refused([{ ...stack[0], filters: 0 }, ...stack.slice(1)], 0);
    await page.fill('#stack tr[data-index="0"] [data-option=filters]', '8');
    assert.equal(await page.evaluate(() => window.__demo.network.error), null);
    await page.click('#stack tr[data-index="2"] button[title="Move up"]');
    await refused([stack[0], stack[2], stack[1], stack[3]], 2);
    assert.match(await page.evaluate(() => window.__demo.network.error), /^max_pooling2d \(MaxPooling2D\): expects images/);
    await finish(browser, page, errors, 'mnist-custom');
  });

  test(`${browser}: linear regression: three feeds side by side reach the course numbers`, async () => {
    const { page, errors, counts } = await trainedLesson(browser, 'linreg.html');
    assert.deepEqual(counts.loss, [100, 100, 100], 'a loss point per epoch for each method');
    for (const key of ['sample', 'full', 'mini']) assert.deepEqual(counts[key], [100, 2, 300, 2], `${key}: data, true line, earlier fits, fit`);
    const { full } = await page.evaluate(() => window.__demo.results);
    // REFERENCE.md: batch GD, lr 0.05, 100 epochs from 0 → w = 1.942254, b = 1.036591, MSE 0.140017
    assert.ok(Math.abs(full.w - 1.942254) < 1e-5 && Math.abs(full.b - 1.036591) < 1e-5 && Math.abs(full.mse - 0.140017) < 1e-5, JSON.stringify(full));
    await finish(browser, page, errors, 'linreg');
  });

  test(`${browser}: learning-rate decay: the course's table`, async () => {
    const { page, errors, counts } = await trainedLesson(browser, 'decay.html');
    assert.deepEqual(counts, { w: [40, 40], lr: [40, 40] });
    const decayed = await page.evaluate(() => window.__demo.decayed);
    // REFERENCE.md §2 (float32): epoch, w after the update, loss before it, lr
    const course = [[0, 2.6, 36, 0.2], [1, 1.1744, 12.959999, 0.198], [2, 0.321948, 4.728015, 0.19602], [5, -0.691392, 0.248077, 0.190198], [10, -0.969167, 0.002334, 0.180876]];
    for (const [epoch, w, loss, lr] of course) {
      const got = decayed[epoch];
      assert.ok(Math.abs(got.w - w) < 2e-6 && Math.abs(got.loss - loss) < 2e-5 && Math.abs(got.lr - lr) < 1e-6, `epoch ${epoch}: ${JSON.stringify(got)}`);
    }
    await finish(browser, page, errors, 'decay');
  });

  test(`${browser}: decision boundary: with and without L2, points and a 0.5 contour`, async () => {
    const { page, errors, counts } = await trainedLesson(browser, 'boundary.html');
    for (const key of ['plain', 'l2']) {
      const [red, blue, contour] = counts[key];
      assert.equal(red + blue, 300, `${key}: every point of dot.csv`);
      assert.ok(contour > 30, `${key}: the 0.5 contour has segments (${contour} points)`);
    }
    const results = await page.evaluate(() => window.__demo.results);
    for (const key of ['plain', 'l2']) assert.ok(results[key].accuracy > 0.85, `${key} separates the classes: ${JSON.stringify(results[key])}`);
    await finish(browser, page, errors, 'boundary');
  });

  test(`${browser}: optimizer race: all five optimizers draw a loss curve`, async () => {
    const { page, errors, counts } = await trainedLesson(browser, 'optimizers.html');
    assert.deepEqual(await page.evaluate(() => window.__demo.optimizers), ['sgd', 'momentum', 'adagrad', 'rmsprop', 'adam']);
    assert.deepEqual(counts.race, [100, 100, 100, 100, 100]);
    const ends = await page.evaluate(() => window.__demo.charts.race.data.datasets.map((d) => [d.data[0].y, d.data.at(-1).y]));
    for (const [first, last] of ends) assert.ok(last < first, `every optimizer lowers the loss: ${first} → ${last}`);
    await finish(browser, page, errors, 'optimizers');
  });
});

/** The same spec trained by sn.createTrainer in a page's Worker (with a pause) and by Node's model.fit. */
for (const browser of BROWSERS) describe(`${browser}: sn.createTrainer`, { skip: skipWithout(browser) }, () => {
  const spec = {
    seed: 11,
    layers: [{ units: 16, activation: 'relu', inputShape: [6] }, { type: 'dropout', rate: 0.25 }, { units: 8, activation: 'tanh' }, { units: 3, activation: 'softmax' }],
    compile: { optimizer: { name: 'adam', learningRate: 0.01 }, loss: 'categoricalCrossentropy', metrics: ['accuracy'] },
  };
  const schedule = { initialLearningRate: 0.01, decaySteps: 10, decayRate: 0.8 }; // crosses to the worker as its config
  const fitOptions = { epochs: 4, batchSize: 10, validationSplit: 0.2 };
  const bits = (weights) => weights.flatMap((w) => Array.from(new Uint32Array(Float32Array.from(w.values).buffer)));
  // Epochs asked for when the page stops training after epoch 2: far more than the worker can train
  // (20 tiny batches each) before the page's stop() arrives, which takes one message each way.
  const STOP_EPOCHS = 2000;

  test(`${browser}: trains in a Worker to the same bits as Node (dropout, a schedule), through pause and resume`, async () => {
    const data = blobs(200);
    await sn.ready();
    const model = sn.sequential({ seed: spec.seed });
    for (const layer of spec.layers) model.add(layer.type === 'dropout' ? sn.layers.dropout({ rate: layer.rate }) : sn.layers.dense(layer));
    model.compile({ ...spec.compile, optimizer: sn.optimizers.adam({ learningRate: sn.schedules.exponentialDecay(schedule) }) });
    const nodeHistory = await model.fit(data.x, data.y, fitOptions);
    const node = { weights: bits(model.getWeights()), predictions: Array.from(model.predict(data.x)), history: nodeHistory.history };
    model.dispose();

    const { page, errors } = await open(browser, 'index.html');
    const inBrowser = await page.evaluate(async ({ spec, schedule, fitOptions, x, y }) => {
      const sn = await import('../web/browser.js');
      const optimizer = sn.optimizers.adam({ learningRate: sn.schedules.exponentialDecay(schedule) });
      const trainer = sn.createTrainer({ ...spec, compile: { ...spec.compile, optimizer } });
      const info = await trainer.ready;
      const seen = { batches: 0, epochs: 0, progress: [], paused: false };
      const history = await trainer.fit(Float32Array.from(x), Float32Array.from(y), {
        ...fitOptions,
        callbacks: {
          onBatchEnd: () => seen.batches++,
          onProgress: (p) => seen.progress.push(p.fraction),
          onEpochEnd(epoch) {
            seen.epochs++;
            if (epoch === 1) { // hold training for a moment, then go on
              trainer.pause();
              seen.paused = trainer.state === 'paused';
              setTimeout(() => trainer.resume(), 50);
            }
          },
        },
      });
      const weights = await trainer.getWeights();
      const predictions = Array.from(await trainer.predict(Float32Array.from(x)));
      const evaluation = await trainer.evaluate(Float32Array.from(x), Float32Array.from(y));
      trainer.terminate();
      return { info, seen, history, weights: weights.map((w) => ({ name: w.name, values: Array.from(w.values) })), predictions, evaluation };
    }, { spec, schedule, fitOptions, x: Array.from(data.x), y: Array.from(data.y) });

    assert.equal(inBrowser.info.paramCount, 6 * 16 + 16 + 16 * 8 + 8 + 8 * 3 + 3);
    assert.equal(inBrowser.seen.paused, true);
    assert.equal(inBrowser.seen.epochs, 4);
    assert.equal(inBrowser.seen.batches, 4 * 16, '160 training rows in batches of 10, four epochs');
    assert.equal(inBrowser.seen.progress.at(-1), 1);
    assert.deepEqual(inBrowser.history.epoch, [0, 1, 2, 3]);
    assert.equal(inBrowser.history.stopped, false);
    assert.deepEqual(inBrowser.history.history, node.history, 'the same losses and accuracies every epoch');
    assert.deepEqual(bits(inBrowser.weights), node.weights, 'Worker and Node weights are bit-identical');
    assert.deepEqual(inBrowser.predictions, node.predictions);
    assert.ok(inBrowser.evaluation.accuracy > 0.5);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test(`${browser}: trains a CNN given as { type, ...options } layers in a Worker to the same bits as Node`, async () => {
    const cnn = {
      seed: 5,
      layers: [
        { type: 'reshape', targetShape: [6, 6, 1], inputShape: [36] },
        { type: 'conv2d', filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' },
        { type: 'BatchNormalization', momentum: 0.9 },
        { type: 'max_pooling2d', poolSize: 2 },
        { type: 'dropout', rate: 0.2 },
        { type: 'flatten' },
        { type: 'dense', units: 3, activation: 'softmax' },
      ],
      compile: { optimizer: { name: 'adam', learningRate: 0.01 }, loss: 'categoricalCrossentropy', metrics: ['accuracy'] },
    };
    const data = blobs(60, 36);
    await sn.ready();
    const model = sn.sequential({ seed: cnn.seed });
    const factories = { BatchNormalization: 'batchNormalization', max_pooling2d: 'maxPooling2d' };
    for (const { type, ...options } of cnn.layers) model.add(sn.layers[factories[type] ?? type](options));
    model.compile(cnn.compile);
    await model.fit(data.x, data.y, { epochs: 3, batchSize: 8 });
    const node = bits(model.getWeights());
    model.dispose();
    const { page, errors } = await open(browser, 'index.html');
    const inWorker = await page.evaluate(async ({ cnn, x, y }) => {
      const sn = await import('../web/browser.js');
      const trainer = sn.createTrainer(cnn);
      const info = await trainer.ready;
      await trainer.fit(Float32Array.from(x), Float32Array.from(y), { epochs: 3, batchSize: 8 });
      const weights = await trainer.getWeights();
      const bad = sn.createTrainer({ ...cnn, layers: [{ type: 'conv3d', filters: 1, inputShape: [36] }] });
      const unknown = await bad.ready.then(() => 'resolved', (err) => err.message);
      bad.terminate();
      trainer.terminate();
      return { info, unknown, weights: weights.map((w) => ({ name: w.name, values: Array.from(w.values) })) };
    }, { cnn, x: Array.from(data.x), y: Array.from(data.y) });
    assert.match(inWorker.info.summary, /conv2d \(Conv2D\)\s+\(None, 6, 6, 4\)\s+40/);
    assert.deepEqual(bits(inWorker.weights), node, 'Worker and Node weights (moving statistics included) are bit-identical');
    assert.match(inWorker.unknown, /unknown layer type "conv3d"; known: dense, dropout, conv2d/);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test(`${browser}: stop ends training early; requests after terminate reject; bad input rejects with the reason`, async () => {
    const data = blobs(100);
    const { page, errors } = await open(browser, 'index.html');
    assert.equal(await waitForStatus(page, 'ready', 'error'), 'ready'); // the page done loading its digits, so it answers epoch messages at once
    const result = await page.evaluate(async ({ spec, x, y, epochs }) => {
      const sn = await import('../web/browser.js');
      const trainer = sn.createTrainer(spec);
      await trainer.ready;
      const history = await trainer.fit(Float32Array.from(x), Float32Array.from(y), {
        epochs, batchSize: 5, callbacks: { onEpochEnd: (epoch) => epoch === 2 && trainer.stop() },
      });
      const badShape = await trainer.predict(new Float32Array(7)).then(() => 'resolved', (err) => err.message);
      const badLabels = await trainer.fit(Float32Array.from(x), [1, 2], { epochs: 1 }).then(() => 'resolved', (err) => err.message);
      trainer.terminate();
      const afterTerminate = await trainer.getWeights().then(() => 'resolved', (err) => err.message);
      return { epochs: history.epoch.length, stopped: history.stopped, badShape, badLabels, afterTerminate };
    }, { spec, x: Array.from(data.x), y: Array.from(data.y), epochs: STOP_EPOCHS });
    assert.ok(result.stopped, 'fit resolved as stopped');
    assert.ok(result.epochs >= 3 && result.epochs < STOP_EPOCHS, `stopped after epoch 3, not ${STOP_EPOCHS} (${result.epochs})`);
    assert.match(result.badShape, /not a whole number of rows of 6/);
    assert.match(result.badLabels, /one-hot|rows/);
    assert.match(result.afterTerminate, /terminated/);
    assert.deepEqual(errors, []);
    await page.close();
  });
});

describe('scripts/serve.js', () => {
  test('serves the public folders with the right types and isolation headers, nothing else', async () => {
    const local = await startServer({ port: 0 });
    try {
      const get = (path) => fetch(`${local.url}${path}`, { redirect: 'manual' });
      const wasm = await get('/dist/simdnet.wasm');
      assert.equal(wasm.status, 200);
      assert.equal(wasm.headers.get('content-type'), 'application/wasm');
      assert.equal(wasm.headers.get('cross-origin-opener-policy'), 'same-origin');
      assert.equal(wasm.headers.get('cross-origin-embedder-policy'), 'require-corp');
      assert.match((await get('/web/index.js')).headers.get('content-type'), /^text\/javascript/);
      assert.match((await get('/node_modules/chart.js/dist/chart.umd.min.js')).headers.get('content-type'), /^text\/javascript/);
      assert.equal((await get('/')).headers.get('location'), '/demo/');
      assert.equal((await get('/demo/')).status, 200);
      for (const path of ['/package.json', '/test/demo.test.js', '/demo/../package.json', '/demo/%2e%2e/package.json', '/demo/..%2fpackage.json',
        '/web/%2e%2e%2f%2e%2e%2fetc/passwd', '/node_modules/playwright-core/package.json', '/demo/missing.html'])
        assert.equal((await get(path)).status, 404, path);
    } finally {
      await local.close();
    }
  });

  test('a busy port falls back to a free one', async () => {
    const first = await startServer({ port: 0 });
    const second = await startServer({ port: first.port });
    try {
      assert.notEqual(second.port, first.port);
      assert.equal((await fetch(`${second.url}/demo/`)).status, 200);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });
});

test('createTrainer sends the worker plain data: optimizers with schedules, given as objects or by config', async () => {
  await sn.ready();
  const schedule = sn.schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 3, decayRate: 0.5 });
  for (const optimizer of [sn.optimizers.sgd({ learningRate: schedule }), { name: 'sgd', learningRate: schedule }]) {
    const sent = [];
    const worker = { postMessage: (message) => sent.push(structuredClone(message)), terminate() {}, onmessage: null, onerror: null };
    sn.createTrainer({ seed: 1, layers: [{ units: 2, inputShape: [3] }], compile: { optimizer, loss: 'mse' } }, { worker });
    const model = sn.sequential({ seed: 1 });
    model.add(sn.layers.dense({ units: 2, inputShape: [3] }));
    model.compile(sent[0].spec.compile); // as web/worker/worker.js does with what arrives
    await model.fit([[1, 2, 3]], [[0, 1]], { epochs: 4 });
    assert.equal(model.optimizer.learningRate, schedule.at(4), 'the schedule arrived as a schedule');
    model.dispose();
  }
});

test('createTrainer explains that it needs Web Workers when there are none (Node)', () => {
  assert.throws(() => sn.createTrainer({ layers: [{ units: 1, inputShape: [2] }], compile: { optimizer: 'sgd', loss: 'mse' } }), /needs Web Workers/);
  assert.throws(() => sn.createTrainer({ layers: [], compile: { optimizer: 'sgd', loss: 'mse' } }), /needs layers/);
});
