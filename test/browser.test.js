// The wrapper in a real browser: a page and a module Worker load the .wasm with
// fetch, train, and match Node bit for bit. Debian's chromium through
// playwright-core (no browser download); skipped where chromium is absent.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { trainXor } from './support/browser-check.js';
import { finalText, skipWithoutChromium, withPage } from './support/chromium.js';
import { startServer } from '../scripts/serve.js';

/** Opens url in a fresh headless chromium profile and returns the text of #out once it is final. */
const pageResult = (url) => withPage(url, async (page, errors) => ({ text: await finalText(page), errors }));

test('a browser page and a Worker train with the wrapper, bit-identical to Node', { skip: skipWithoutChromium }, async () => {
  const server = await startServer({ port: 0, extraDirs: ['test/support/'] }); // the demo's server, plus the check page
  try {
    const { text, errors } = await pageResult(`${server.url}/test/support/browser-check.html`);
    assert.match(text, /^RESULT /, text);
    assert.deepEqual(errors, [], 'no error in the console');
    const { page, worker } = JSON.parse(text.slice('RESULT '.length));
    const node = await trainXor();
    assert.equal(page.accuracy, 1, 'XOR learned on the page');
    assert.deepEqual(page.weightBits, node.weightBits, 'page and Node weights are bit-identical');
    assert.deepEqual(worker.weightBits, node.weightBits, 'Worker and Node weights are bit-identical');
    assert.deepEqual(page.predictions, node.predictions);
  } finally {
    await server.close();
  }
});
