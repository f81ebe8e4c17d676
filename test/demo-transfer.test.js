// The "Teach it your own classes" page (demo/transfer.html) in Chromium and
// Firefox (test/support/browsers.js), served by scripts/serve.js: it loads the
// pretrained MobileNetV2 from dist/models/mobilenet_v2/ with sn.loadTfjsModel,
// takes images from PNG files this test writes (red discs, blue squares) and
// from the browser's fake camera (a third class, recorded by holding the
// button), trains a new head in the Worker with live charts (pausing and
// resuming it on the way), predicts files
// and the camera, fine-tunes the last blocks, downloads the model and loads it
// back. It also shows clear messages for a refused camera, a file that is not
// an image, and too few images. Screenshot: test-output/demo-transfer-<browser>.png.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startServer } from '../scripts/serve.js';
import { BROWSERS, launch, skipWithout } from './support/browsers.js';

const OUTPUT = fileURLToPath(new URL('../test-output/', import.meta.url));
const WAIT = { timeout: 240000 };
const PER_CLASS = 5; // 5 per class: the page holds 1 of each out for validation

// ---- PNG files of simple shapes ----

const CRC_TABLE = Int32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});
const crc32 = (bytes) => {
  let c = -1;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
};
function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}
/** An RGB PNG of width × height from pixel(x, y) → [r, g, b]. */
function png(width, height, pixel) {
  const raw = Buffer.alloc(height * (1 + width * 3));
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) raw.set(pixel(x, y), y * (1 + width * 3) + 1 + x * 3);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8 bits, RGB
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', header), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}
/** Image i of a class: a red disc or a blue square, of varying size and place, on white; not square (the page crops its centre). */
function shape(kind, i) {
  const w = 160 + 16 * i, h = 128, cx = w / 2 + (i - 2) * 6, cy = h / 2 + (i % 3 - 1) * 5, r = 30 + 3 * i;
  return png(w, h, (x, y) => {
    const inside = kind === 'disc' ? (x - cx) ** 2 + (y - cy) ** 2 < r * r : Math.abs(x - cx) < r * 0.9 && Math.abs(y - cy) < r * 0.9;
    return inside ? (kind === 'disc' ? [220, 40, 40] : [40, 70, 220]) : [250, 250, 250];
  });
}

let server, files;

before(async () => {
  mkdirSync(OUTPUT, { recursive: true });
  server = await startServer({ port: 0 });
  files = mkdtempSync(join(tmpdir(), 'simdnet-transfer-'));
  for (const kind of ['disc', 'square'])
    for (let i = 0; i < PER_CLASS; i++) writeFileSync(join(files, `${kind}-${i}.png`), shape(kind, i));
  writeFileSync(join(files, 'notes.png'), 'this is text, not a PNG');
});

after(async () => {
  await server?.close();
  if (files) rmSync(files, { recursive: true, force: true });
});

/** A fake camera: Chromium's test pattern, Firefox's fake stream; no permission prompt in either. */
const CAMERA = {
  chromiumFlags: ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'],
  firefoxPrefs: { 'media.navigator.streams.fake': true, 'media.navigator.permission.disabled': true },
};

const demo = (page, fn, arg) => page.evaluate(fn, arg);
const waitFor = (page, fn, arg) => page.waitForFunction(fn, arg, WAIT);
const errorText = (page) => demo(page, () => (document.getElementById('error').hidden ? '' : document.getElementById('error').textContent));
const sum = (values) => values.reduce((a, b) => a + b, 0);

/** Gives files to the test-image input; resolves to the page's prediction { best, probabilities }. */
async function predictFile(page, file) {
  await demo(page, () => (window.__demo.testPrediction = null));
  await page.setInputFiles('#test-file', join(files, file));
  await waitFor(page, () => window.__demo.testPrediction !== null || !document.getElementById('error').hidden);
  assert.equal(await errorText(page), '', `predicting ${file}`);
  const prediction = await demo(page, () => window.__demo.testPrediction);
  assert.ok(Math.abs(sum(prediction.probabilities) - 1) < 1e-5, `the probabilities of ${file} sum to 1: ${prediction.probabilities}`);
  return prediction;
}

/** Clicks #button and waits until the page has trained (or refused); returns the page's state. */
async function trainWith(page, button) {
  const runs = await demo(page, () => window.__demo.runs ?? 0);
  await page.click(button);
  await waitFor(page, (n) => (window.__demo.runs ?? 0) > n, runs);
  return demo(page, () => ({ ...window.__demo, charts: undefined }));
}

const pointCounts = (page) => demo(page, () => Object.fromEntries(Object.entries(window.__demo.charts).map(([name, chart]) => [name, chart.data.datasets.map((d) => d.data.length)])));

for (const browser of BROWSERS) describe(`${browser}: demo/transfer.html`, { skip: skipWithout(browser) }, () => {
  let instance;
  before(async () => {
    instance = await launch(browser, CAMERA);
  });
  after(() => instance?.close());

  test(`${browser}: your own classes from files and the camera: train the head, predict, fine-tune, download and load back`, async () => {
    const page = await instance.newPage();
    try {
      await run(page);
    } catch (err) {
      await page.screenshot({ path: join(OUTPUT, `demo-transfer-${browser}-failed.png`), fullPage: true }).catch(() => {});
      throw new Error(`${err.message}\nconsole errors: ${JSON.stringify(page.errors)}`, { cause: err });
    }
  });

  async function run(page) {
    await page.goto(`${server.url}/demo/transfer.html`);
    await waitFor(page, () => ['ready', 'error'].includes(window.__demo?.status));
    assert.equal(await demo(page, () => window.__demo.status), 'ready', await errorText(page));
    assert.equal(await demo(page, () => window.__demo.base.layers), 162, 'the whole pretrained MobileNetV2 is loaded');
    assert.match(await page.textContent('#base-status'), /MobileNetV2 loaded .* 162 layers/);

    // Errors the page explains: too few images, a file that is not an image, a refused camera.
    const refused = await trainWith(page, '#train');
    assert.match(refused.lastError, /Too few images: Class 1 has 0, Class 2 has 0; every class needs at least 2/);
    assert.match(await errorText(page), /Too few images/);
    await page.setInputFiles('#class-1 input.files', join(files, 'notes.png'));
    await waitFor(page, () => window.__demo.fileErrors?.length === 1);
    assert.match(await errorText(page), /notes\.png cannot be read as an image/);
    await demo(page, () => {
      window.__realGetUserMedia = navigator.mediaDevices.getUserMedia;
      navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
    });
    await page.click('#camera');
    await waitFor(page, () => window.__demo.camera === 'error');
    assert.match(await errorText(page), /The camera was refused/);
    await demo(page, () => (navigator.mediaDevices.getUserMedia = window.__realGetUserMedia));

    // Two classes from files, a third from the camera.
    await page.fill('#class-1 input.name', 'Red discs');
    await page.fill('#class-2 input.name', 'Blue squares');
    await page.setInputFiles('#class-1 input.files', [...Array(PER_CLASS).keys()].map((i) => join(files, `disc-${i}.png`)));
    await page.setInputFiles('#class-2 input.files', [...Array(PER_CLASS).keys()].map((i) => join(files, `square-${i}.png`)));
    await page.click('#add-class');
    await page.fill('#class-3 input.name', 'Camera');
    await waitFor(page, (n) => window.__demo.classes.slice(0, 2).every((c) => c.count === n), PER_CLASS);
    assert.equal(await errorText(page), '', 'the error box is gone once files are read');
    assert.equal(await page.locator('#class-1 .thumbs canvas').count(), PER_CLASS, 'a thumbnail per image');

    await page.click('#camera');
    await waitFor(page, () => window.__demo.camera === 'on' && document.getElementById('video').videoWidth > 0);
    const record = await page.locator('#class-3 .record').boundingBox();
    await page.mouse.move(record.x + record.width / 2, record.y + record.height / 2);
    await page.mouse.down();
    await waitFor(page, (n) => window.__demo.classes[2].count >= n, PER_CLASS); // a frame every 100 ms while held
    await page.mouse.up();
    const recorded = await demo(page, () => window.__demo.classes[2].count);
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert.equal(await demo(page, () => window.__demo.classes[2].count), recorded, 'recording stops when the button is let go');
    assert.deepEqual((await demo(page, () => window.__demo.classes)).map((c) => c.name), ['Red discs', 'Blue squares', 'Camera']);

    // Train the head: the loss falls, the charts get points (validation too), the speed is shown.
    const EPOCHS = 20; // the page's default; Adam 1e-3 on 12 images needs that many
    // Pause holds training (no epoch ends while paused), Resume goes on.
    const runs = await demo(page, () => window.__demo.runs ?? 0);
    await page.click('#train');
    await waitFor(page, () => window.__demo.epochLogs?.length >= 2 && window.__demo.status === 'training');
    await page.click('#pause');
    assert.equal(await page.textContent('#pause'), 'Resume');
    await new Promise((resolve) => setTimeout(resolve, 500)); // a message already on its way may still arrive
    const held = await demo(page, () => window.__demo.epochLogs.length);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(await demo(page, () => window.__demo.epochLogs.length), held, 'no epoch ends while paused');
    assert.ok(held < EPOCHS, 'paused before the end');
    await page.click('#pause');
    await waitFor(page, (n) => window.__demo.runs > n, runs);
    const first = await demo(page, () => ({ ...window.__demo, charts: undefined }));
    assert.equal(first.status, 'trained', first.lastError);
    const head = first.epochLogs.filter((l) => l.phase === 'Training the head');
    assert.equal(head.length, EPOCHS);
    assert.ok(head.at(-1).loss < head[0].loss, `the loss falls: ${head.map((l) => l.loss.toFixed(3))}`);
    assert.ok(head.every((l) => Number.isFinite(l.val_loss)), 'every epoch has a validation loss');
    assert.ok(first.imagesPerSecond > 0);
    assert.match(await page.textContent('#status'), /images\/s/);
    const counts = await pointCounts(page);
    assert.equal(counts.loss[1], EPOCHS, 'a loss point per epoch');
    assert.equal(counts.loss[2], EPOCHS, 'a validation loss point per epoch');
    assert.ok(counts.loss[0] >= EPOCHS && counts.accuracy[0] >= EPOCHS, 'points per batch');

    // Predictions favour the right class on training images, and on the camera.
    assert.equal((await predictFile(page, 'disc-1.png')).best, 'Red discs');
    assert.equal((await predictFile(page, 'square-3.png')).best, 'Blue squares');
    await page.click('#live');
    await waitFor(page, () => window.__demo.livePredictions >= 2);
    await page.click('#live');
    const liveProbs = await demo(page, () => window.__demo.liveProbabilities);
    assert.ok(Math.abs(sum(liveProbs) - 1) < 1e-5, `live probabilities sum to 1: ${liveProbs}`);
    // Which class a live frame goes to is not asserted: the fake cameras' frames move (Chromium's pattern
    // turns and its clock runs; Firefox's changes colour), and five recorded frames train a weak class.

    // Fine-tune the last blocks with a small learning rate.
    await page.fill('input[name=epochs]', '2');
    const tuned = await trainWith(page, '#finetune');
    assert.equal(tuned.status, 'trained', tuned.lastError);
    assert.equal(tuned.trained.fineTuned, true);
    const phase = tuned.phases.at(-1);
    assert.equal(phase.layers, 23, 'block_15_expand and the 22 layers after it are unfrozen (the head included)…');
    assert.equal(phase.batchNorms, 7, '…but their 7 batch norms, which stay in inference mode');
    assert.ok(phase.trainable > 1280 * 3 + 3, `more than the head trains now (${phase.trainable})`);
    const fine = tuned.epochLogs.filter((l) => l.phase === 'Fine-tuning');
    assert.deepEqual(fine.map((l) => l.epoch), [EPOCHS, EPOCHS + 1], 'the epochs (and the charts) go on from the head\'s');
    assert.ok(fine.every((l) => Number.isFinite(l.loss)));
    assert.equal((await pointCounts(page)).loss[1], EPOCHS + 2);
    const before = await predictFile(page, 'disc-1.png');
    assert.equal(before.best, 'Red discs');

    // Download, load back: the same predictions.
    const [download] = await Promise.all([page.waitForEvent('download', WAIT), page.click('#download')]);
    const path = await download.path();
    await page.setInputFiles('#load', path);
    await waitFor(page, () => window.__demo.loaded === 1 || window.__demo.lastError?.includes('model'));
    assert.equal(await demo(page, () => window.__demo.loaded), 1, await errorText(page));
    const reloaded = await predictFile(page, 'disc-1.png');
    assert.deepEqual(reloaded.probabilities, before.probabilities, 'the loaded model predicts as the one downloaded');
    assert.equal((await predictFile(page, 'square-0.png')).best, 'Blue squares');
    await demo(page, () => (window.__demo.livePredictions = 0));
    await page.click('#live');
    await waitFor(page, () => window.__demo.livePredictions >= 2);
    await page.click('#live'); // the bars stay, for the screenshot
    assert.ok(Math.abs(sum(await demo(page, () => window.__demo.liveProbabilities)) - 1) < 1e-5, 'the loaded model predicts the camera');

    await page.screenshot({ path: join(OUTPUT, `demo-transfer-${browser}.png`), fullPage: true });
    assert.equal(await demo(page, () => crossOriginIsolated), true);
    // The page logs each error it shows (demo/common.js showError): the three provoked above, and no other.
    // Firefox's console (puppeteer over WebDriver BiDi) gives a logged Error object as 'JSHandle@error'.
    assert.equal(page.errors.length, 3, `three errors in the console: ${JSON.stringify(page.errors)}`);
    for (const e of page.errors) assert.match(e, /Too few images|cannot be read as an image|camera was refused|^JSHandle@error$/);
    await page.close();
  }
});
