// The wrapper in real browsers: a page and a module Worker load the .wasm with
// fetch, train, and match Node bit for bit, in Chromium and in Firefox
// (test/support/browsers.js); skipped where a browser is absent. Then
// sn.createTrainer trains a functional model (two inputs, two outputs) to
// Node's bits too.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { trainXor } from './support/browser-check.js';
import { trainHere } from './support/functional-trainer.js';
import { BROWSERS, finalText, skipWithout, withPage } from './support/browsers.js';
import { startServer } from '../scripts/serve.js';

for (const name of BROWSERS) {
  test(`${name}: a page and a Worker train with the wrapper, bit-identical to Node`, { skip: skipWithout(name) }, async () => {
    const server = await startServer({ port: 0, extraDirs: ['test/support/'] }); // the demo's server, plus the check page
    try {
      const { text, errors } = await withPage(name, `${server.url}/test/support/browser-check.html`, async (page, errs) => ({ text: await finalText(page), errors: errs }));
      assert.match(text, /^RESULT /, text);
      assert.deepEqual(errors, [], 'no error in the console');
      const { page, worker, trainer } = JSON.parse(text.slice('RESULT '.length));
      const node = await trainXor();
      assert.equal(page.accuracy, 1, 'XOR learned on the page');
      assert.deepEqual(page.weightBits, node.weightBits, 'page and Node weights are bit-identical');
      assert.deepEqual(worker.weightBits, node.weightBits, 'Worker and Node weights are bit-identical');
      assert.deepEqual(page.predictions, node.predictions);
      const functional = await trainHere();
      assert.deepEqual(trainer.weightBits, functional.weightBits, "the trainer's functional model and Node's model.fit are bit-identical");
      assert.deepEqual(trainer.history, functional.history);
      assert.equal(trainer.predictIsList, true, 'predict gives a list for two outputs');
      assert.deepEqual(trainer.predictions, functional.predictions);
    } finally {
      await server.close();
    }
  });
}
