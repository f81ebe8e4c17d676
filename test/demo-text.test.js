// "Text that writes itself" (demo/text.html) in Chromium and Firefox
// (test/support/browsers.js), served by scripts/serve.js: it loads the fortune
// cookies (dist/text/fortunes.txt), trains a small character LSTM in the
// Worker for two short epochs with the loss charted, writes after each epoch
// and on demand (temperature 0: the same text twice), takes a dropped text
// file as its new corpus, and explains a file too short to learn from.
// Screenshot: test-output/demo-text-<browser>.png.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startServer } from '../scripts/serve.js';
import { BROWSERS, launch, skipWithout } from './support/browsers.js';

const OUTPUT = fileURLToPath(new URL('../test-output/', import.meta.url));
const WAIT = { timeout: 240000 };
const SMALL = { window: 16, embed: 8, units: 24, batch: 64, epochs: 2, count: 1024, seed: 3 };

let server, files;
before(async () => {
  mkdirSync(OUTPUT, { recursive: true });
  server = await startServer({ port: 0 });
  files = mkdtempSync(join(tmpdir(), 'simdnet-text-'));
  writeFileSync(join(files, 'abc.txt'), 'abc abd abe, ab. '.repeat(200));
  writeFileSync(join(files, 'short.txt'), 'too short');
});
after(async () => {
  await server?.close();
  if (files) rmSync(files, { recursive: true, force: true });
});

const demo = (page, fn, arg) => page.evaluate(fn, arg);
const waitFor = (page, fn, arg) => page.waitForFunction(fn, arg, WAIT);
const errorText = (page) => demo(page, () => (document.getElementById('error').hidden ? '' : document.getElementById('error').textContent));

async function setSettings(page, values) {
  await demo(page, (v) => {
    for (const [name, value] of Object.entries(v)) document.getElementById('settings').elements[name].value = String(value);
  }, values);
}

/** Clicks Train and waits until the page has trained; returns its state. */
async function train(page) {
  const runs = await demo(page, () => window.__demo.runs ?? 0);
  await page.click('#train');
  await waitFor(page, (n) => (window.__demo.runs ?? 0) > n, runs);
  return demo(page, () => ({ ...window.__demo, charts: window.__demo.charts.loss.data.datasets.map((d) => d.data.length) }));
}

for (const browser of BROWSERS) describe(`${browser}: demo/text.html`, { skip: skipWithout(browser) }, () => {
  let instance;
  before(async () => {
    instance = await launch(browser);
  });
  after(() => instance?.close());

  test(`${browser}: a character LSTM trains on the fortune cookies in the Worker and writes; a dropped file becomes the text`, async () => {
    const page = await instance.newPage();
    await page.goto(`${server.url}/demo/text.html`);
    await waitFor(page, () => ['ready', 'error'].includes(window.__demo?.status));
    assert.equal(await demo(page, () => window.__demo.status), 'ready', await errorText(page));
    const corpus = await demo(page, () => window.__demo.corpus);
    assert.equal(corpus.name, "Debian's fortune cookies");
    assert.ok(corpus.length > 2e6 && corpus.vocabulary > 80 && corpus.vocabulary < 100, JSON.stringify(corpus));

    await setSettings(page, SMALL);
    const state = await train(page);
    assert.equal(await errorText(page), '');
    assert.equal(state.epochLogs.length, 2);
    // 1,024 windows / 64 = 16 batches per epoch; one epoch point and one validation point each.
    assert.deepEqual(state.charts, [32, 2, 2]);
    const uniform = Math.log(corpus.vocabulary);
    for (const log of state.epochLogs) assert.ok(log.loss < uniform && log.val_loss < uniform, `loss ${log.loss} and validation loss ${log.val_loss} below uniform guessing (${uniform})`);
    assert.ok(state.epochLogs[1].loss < state.epochLogs[0].loss, 'the loss falls');
    assert.deepEqual(state.samples.map((s) => [s.label, s.text.length]), [['epoch 1', 200], ['epoch 2', 200]]);
    assert.match(await page.textContent('#samples'), /epoch 2 · temperature 0\.5/);

    // Writing on demand: temperature 0 always takes the likeliest character, so twice gives the same text.
    await demo(page, () => {
      const f = document.getElementById('writing').elements;
      f.temperature.value = '0';
      f.n.value = '60';
    });
    for (let i = 0; i < 2; i++) {
      const n = await demo(page, () => window.__demo.samples.length);
      await page.click('#write');
      await waitFor(page, (k) => window.__demo.samples.length > k, n);
    }
    const [a, b] = (await demo(page, () => window.__demo.samples)).slice(-2);
    assert.equal(a.text.length, 60);
    assert.equal(a.text, b.text);
    await page.screenshot({ path: join(OUTPUT, `demo-text-${browser}.png`), fullPage: true });

    // A file too short is explained; a real one becomes the corpus, with its own vocabulary.
    await page.setInputFiles('#file', join(files, 'short.txt'));
    await waitFor(page, () => !document.getElementById('error').hidden);
    assert.match(await errorText(page), /short\.txt has only 9 characters/);
    await page.setInputFiles('#file', join(files, 'abc.txt'));
    await waitFor(page, () => window.__demo.corpus.name === 'abc.txt');
    assert.deepEqual(await demo(page, () => window.__demo.corpus), { name: 'abc.txt', length: 3400, vocabulary: 8 });
    assert.equal(await demo(page, () => document.getElementById('writing').elements.phrase.value), 'abc abd abe, ab. abc abd', 'a seed phrase the new text cannot write becomes its first words');
    await setSettings(page, { ...SMALL, epochs: 1 });
    const again = await train(page);
    assert.equal(again.epochLogs.length, 1);
    assert.ok([...again.samples[0].text].every((c) => ' ,.abcde'.includes(c)), `written from the new text's characters: ${again.samples[0].text}`);
    // The short file's Error, logged by the page (Firefox's WebDriver BiDi shows an Error object as JSHandle@error), and nothing else.
    assert.equal(page.errors.length, 1, JSON.stringify(page.errors));
    assert.match(page.errors[0], /short\.txt has only|^JSHandle@error$/);
    await page.close();
  });
});
