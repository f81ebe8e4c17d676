// Model files in real browsers (Chromium and Firefox): IndexedDB, a download and a file input each
// bring back a model that predicts bit-identically (and the download loads in Node).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import * as sn from '../web/index.js';
import { BROWSERS, finalText, skipWithout, withPage } from './support/browsers.js';
import { startServer } from '../scripts/serve.js';


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
