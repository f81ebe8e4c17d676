// Model files in real browsers (Chromium and Firefox): IndexedDB, a download and a file input each
// bring back a model that predicts bit-identically (and the download loads in Node); a CNN saved
// mid-training by sn.createTrainer's Worker loads into another trainer and resumes to Node's bits.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import * as sn from '../web/index.js';
import { BROWSERS, finalText, skipWithout, withPage } from './support/browsers.js';
import { startServer } from '../scripts/serve.js';
import { blobs } from './support/models.js';


for (const name of BROWSERS) test(`${name}: IndexedDB, download and file input round-trip a model`, { skip: skipWithout(name) }, async () => {
  await sn.ready();
  const server = await startServer({ port: 0, extraDirs: ['test/support/'] });
  try {
    await withPage(name, `${server.url}/test/support/storage-check.html`, async (page, errors) => {
      const text = await finalText(page);
      assert.match(text, /^RESULT /, text);
      const result = JSON.parse(text.slice('RESULT '.length));
      assert.deepEqual(result.keys, ['xor']);
      assert.deepEqual(result.dbPredictions, result.predictions, 'IndexedDB: bit-identical predictions');
      assert.equal(result.missing, 'no model is stored in IndexedDB under "nope"');
      assert.deepEqual(result.keysAfterDelete, []);

      const [download] = await Promise.all([page.waitForEvent('download'), page.evaluate(() => window.downloadIt())]);
      assert.equal(download.suggestedFilename(), 'xor.simdnet');
      const path = await download.path();
      const model = sn.loadModel(readFileSync(path)); // the downloaded file loads in Node too
      const x = [[0, 0], [0, 1], [1, 0], [1, 1]];
      assert.deepEqual(Array.from(new Uint32Array(model.predict(x).buffer)), result.predictions, 'download: bit-identical in Node');
      model.dispose();

      await page.setInputFiles('#file', path);
      const fromFile = await finalText(page, 'file-out');
      assert.equal(fromFile, `RESULT ${JSON.stringify(result.predictions)}`, 'file input');

      const damaged = readFileSync(path);
      damaged[damaged.length - 1] ^= 1;
      writeFileSync(`${path}.damaged`, damaged);
      await page.evaluate(() => { document.getElementById('file-out').textContent = 'running'; });
      await page.setInputFiles('#file', `${path}.damaged`);
      assert.equal(await finalText(page, 'file-out'), 'ERROR simdnet: cannot load the model: its checksum does not match: the file is damaged');
      assert.deepEqual(errors, [], 'no error in the console');
    });
  } finally {
    await server.close();
  }
});

/** A CNN with batch norm and dropout on its input, after a convolution and after the dense layer, as createTrainer takes it. */
const CNN = {
  seed: 13,
  layers: [
    { type: 'dropout', rate: 0.1, inputShape: [36] },
    { type: 'reshape', targetShape: [6, 6, 1] },
    { type: 'conv2d', filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' },
    { type: 'batchNormalization', momentum: 0.9 },
    { type: 'dropout', rate: 0.2 },
    { type: 'maxPooling2d', poolSize: 2 },
    { type: 'flatten' },
    { type: 'dense', units: 6, activation: 'relu' },
    { type: 'dropout', rate: 0.3 },
    { type: 'dense', units: 3, activation: 'softmax' },
  ],
  compile: { optimizer: { name: 'adam', learningRate: 0.01 }, loss: 'categoricalCrossentropy', metrics: ['accuracy'] },
};
const FIT = { epochs: 2, batchSize: 8 };
const weightBits = (weights) => weights.flatMap((w) => Array.from(new Uint32Array(Float32Array.from(w.values).buffer)));

/** The same in Node: trained, saved, trained on; and the saved file loaded and trained on. */
async function inNode(x, y) {
  await sn.ready();
  const model = sn.sequential({ seed: CNN.seed });
  for (const { type, ...options } of CNN.layers) model.add(sn.layers[type](options));
  model.compile(CNN.compile);
  await model.fit(x, y, FIT);
  const bytes = model.save();
  await model.fit(x, y, FIT);
  const loaded = sn.loadModel(bytes);
  await loaded.fit(x, y, FIT);
  const result = { bytes: Array.from(bytes), continued: weightBits(model.getWeights()), resumed: weightBits(loaded.getWeights()) };
  model.dispose();
  loaded.dispose();
  return result;
}

for (const name of BROWSERS) test(`${name}: trainer.save() and trainer.load() carry a CNN mid-training to another Worker, which resumes to Node's bits`, { skip: skipWithout(name), timeout: 10 * 60 * 1000 }, async () => {
  const { x, y } = blobs(40, 36);
  const node = await inNode(x, y);
  assert.deepEqual(node.resumed, node.continued, 'in Node, the loaded copy resumes bit-identically');
  const server = await startServer({ port: 0, extraDirs: ['test/support/'] });
  try {
    await withPage(name, `${server.url}/test/support/storage-check.html`, async (page, errors) => {
      assert.match(await finalText(page), /^RESULT /);
      const inWorker = await page.evaluate(async ({ spec, fit, x, y }) => {
        const sn = await import('../../web/browser.js');
        const weights = async (trainer) => (await trainer.getWeights()).map((w) => ({ values: Array.from(w.values) }));
        const first = sn.createTrainer(spec);
        await first.ready;
        await first.fit(Float32Array.from(x), Float32Array.from(y), fit);
        const bytes = await first.save();
        await first.fit(Float32Array.from(x), Float32Array.from(y), fit);
        const continued = await weights(first);
        const second = sn.createTrainer({ ...spec, seed: spec.seed + 1 }); // another model, replaced by the file
        await second.ready;
        const info = await second.load(bytes);
        await second.fit(Float32Array.from(x), Float32Array.from(y), fit);
        const resumed = await weights(second);
        const damaged = bytes.slice();
        damaged[damaged.length - 1] ^= 1;
        const refused = await second.load(damaged).then(() => 'loaded', (err) => err.message);
        const afterRefusal = await weights(second);
        const onPage = sn.loadModel(bytes); // the Worker's file on the page
        const summary = onPage.summary();
        onPage.dispose();
        first.terminate();
        second.terminate();
        return { bytes: Array.from(bytes), info, continued, resumed, refused, afterRefusal, inputSize: second.inputSize, summary };
      }, { spec: CNN, fit: FIT, x: Array.from(x), y: Array.from(y) });
      assert.deepEqual(inWorker.bytes, node.bytes, 'the Worker saves the bytes Node saves');
      assert.equal(inWorker.info.seed, CNN.seed, 'the loaded model is the saved one');
      assert.deepEqual(weightBits(inWorker.continued), node.continued);
      assert.deepEqual(weightBits(inWorker.resumed), node.continued, 'the loaded Worker resumes as if it had never stopped');
      assert.equal(inWorker.inputSize, 36);
      assert.equal(inWorker.refused, 'simdnet: cannot load the model: its checksum does not match: the file is damaged');
      assert.deepEqual(inWorker.afterRefusal, inWorker.resumed, 'a refused file leaves the Worker\'s model as it was');
      assert.match(inWorker.summary, /batch_normalization \(BatchNormalization\)\s+\(None, 6, 6, 3\)\s+12/);
      assert.deepEqual(errors, [], 'no error in the console');
    });
  } finally {
    await server.close();
  }
});
