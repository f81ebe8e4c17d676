// sn.loadTfjsModel in real browsers (Chromium and Firefox, test/support/browsers.js):
// a page and a module Worker fetch a quantized, sharded TF.js model
// (test/fixtures/tfjs-quantized/) from the local test server and get Node's
// weights and predictions bit for bit; a missing model.json is an Error naming it.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadTfjsFiles } from '../web/io/node-files.js';
import { BROWSERS, finalText, skipWithout, withPage } from './support/browsers.js';
import { loadHere } from './support/tfjs-load-check.js';
import { FIXTURE_DIR } from './support/tfjs-quantized.js';
import { startServer } from '../scripts/serve.js';

for (const name of BROWSERS)
  test(`${name}: a page and a Worker load a quantized, sharded TF.js model with loadTfjsModel, bit-identical to Node`, { skip: skipWithout(name) }, async () => {
    const server = await startServer({ port: 0, extraDirs: ['test/support/', 'test/fixtures/tfjs-quantized/'] });
    try {
      const { text, errors } = await withPage(name, `${server.url}/test/support/tfjs-load-check.html`, async (page, errs) => ({ text: await finalText(page), errors: errs }));
      assert.match(text, /^RESULT /, text);
      const { page, worker } = JSON.parse(text.slice('RESULT '.length));
      const node = await loadHere(undefined, () => loadTfjsFiles(join(FIXTURE_DIR, 'model.json')));
      assert.equal(node.weightBits.length, 3 * 18 + 3 + 4 * 3 + 27 * 4 + 4);
      for (const [where, result] of [['page', page], ['Worker', worker]]) {
        assert.deepEqual(result.weightBits, node.weightBits, `${where}: the weights Node reads`);
        assert.deepEqual(result.predictionBits, node.predictionBits, `${where}: Node's predictions`);
        assert.equal(result.missing, 'loadTfjsModel: cannot fetch /test/fixtures/tfjs-quantized/nothing.json: HTTP 404 Not Found');
      }
      // The 404 of the missing model.json is the only console error a browser may log.
      assert.deepEqual(errors.filter((e) => !/404|nothing\.json/.test(e)), [], 'no other error in the console');
    } finally {
      await server.close();
    }
  });
