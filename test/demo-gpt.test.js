// "A GPT in a tab" (demo/gpt.html) in Chromium and Firefox
// (test/support/browsers.js), served by scripts/serve.js: it loads the fortune
// cookies, trains a tiny GPT in the Worker with the loss charted per iteration
// and on held-out text, writes with the key/value cache after every stretch
// and on demand (temperature 0: the same text twice), draws a head's attention
// for a prompt (rows of weights summing to 1, nothing above the diagonal), and
// downloads the model, which loads back and writes the same text.
// Screenshot: test-output/demo-gpt-<browser>.png.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startServer } from '../scripts/serve.js';
import { BROWSERS, launch, skipWithout } from './support/browsers.js';

const OUTPUT = fileURLToPath(new URL('../test-output/', import.meta.url));
const WAIT = { timeout: 240000 };
const SMALL = { context: 16, layers: 1, heads: 2, width: 16, batch: 8, iterations: 40, every: 20, lr: 0.01, seed: 3 };

let server;
before(async () => {
  mkdirSync(OUTPUT, { recursive: true });
  server = await startServer({ port: 0 });
});
after(async () => {
  await server?.close();
});

const demo = (page, fn, arg) => page.evaluate(fn, arg);
const waitFor = (page, fn, arg) => page.waitForFunction(fn, arg, WAIT);
const errorText = (page) => demo(page, () => (document.getElementById('error').hidden ? '' : document.getElementById('error').textContent));

async function writeTwice(page) {
  await demo(page, () => {
    const f = document.getElementById('writing').elements;
    f.temperature.value = '0';
    f.n.value = '80';
  });
  for (let i = 0; i < 2; i++) {
    const n = await demo(page, () => window.__demo.samples.length);
    await page.click('#write');
    await waitFor(page, (k) => window.__demo.samples.length > k, n);
  }
  return (await demo(page, () => window.__demo.samples)).slice(-2);
}

for (const browser of BROWSERS) describe(`${browser}: demo/gpt.html`, { skip: skipWithout(browser) }, () => {
  let instance;
  before(async () => {
    instance = await launch(browser);
  });
  after(() => instance?.close());

  test(`${browser}: a small GPT trains on the fortune cookies in the Worker, writes, shows a head's attention and round-trips its file`, async () => {
    const page = await instance.newPage();
    await page.goto(`${server.url}/demo/gpt.html`);
    await waitFor(page, () => ['ready', 'error'].includes(window.__demo?.status));
    assert.equal(await demo(page, () => window.__demo.status), 'ready', await errorText(page));
    const corpus = await demo(page, () => window.__demo.corpus);
    assert.equal(corpus.name, "Debian's fortune cookies");

    await demo(page, (v) => {
      for (const [name, value] of Object.entries(v)) document.getElementById('settings').elements[name].value = String(value);
    }, SMALL);
    await page.click('#train');
    await waitFor(page, () => (window.__demo.runs ?? 0) > 0);
    assert.equal(await errorText(page), '');
    const state = await demo(page, () => ({ ...window.__demo, charts: window.__demo.charts.loss.data.datasets.map((d) => d.data.length) }));
    assert.deepEqual(state.charts, [40, 2], 'a point per iteration, a held-out point per stretch of 20');
    const uniform = Math.log(corpus.vocabulary);
    assert.deepEqual(state.evals.map((e) => e.iteration), [20, 40]);
    for (const e of state.evals) assert.ok(e.heldLoss < uniform, `held-out loss ${e.heldLoss} below uniform guessing (${uniform})`);
    assert.ok(state.evals[1].heldLoss < state.evals[0].heldLoss, 'the held-out loss falls');
    assert.deepEqual(state.samples.map((s) => [s.label, s.text.length]), [['iteration 20', 300], ['iteration 40', 300]]);

    // The heat map's weights: each prompt position's row sums to 1 over the positions up to it, nothing after.
    const att = state.attention;
    assert.equal(att.weights.length, Math.min(att.prompt.length, SMALL.context));
    att.rowSums.forEach((s) => assert.ok(Math.abs(s - 1) < 1e-4, `a row of attention weights sums to ${s}`));
    att.weights.forEach((row, i) => row.forEach((w, j) => j > i && assert.equal(w, 0, `position ${i} looks ahead at ${j}`)));

    const [a, b] = await writeTwice(page);
    assert.equal(a.text.length, 80);
    assert.equal(a.text, b.text, 'temperature 0 writes the same text twice');
    await page.screenshot({ path: join(OUTPUT, `demo-gpt-${browser}.png`), fullPage: true });

    // Download, load it back: the same text at temperature 0.
    const [download] = await Promise.all([page.waitForEvent('download', WAIT), page.click('#download')]);
    await page.setInputFiles('#load', await download.path());
    await waitFor(page, () => /^Loaded /.test(document.getElementById('status').textContent));
    const [c] = await writeTwice(page);
    assert.equal(c.text, a.text, 'the loaded model writes what the trained one wrote');
    assert.deepEqual(page.errors, []);
    await page.close();
  });
});
