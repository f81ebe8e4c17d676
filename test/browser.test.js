// The wrapper in a real browser: a page and a module Worker load the .wasm with
// fetch, train, and match Node bit for bit. Debian's chromium through
// playwright-core (no browser download); skipped where chromium is absent.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { trainXor } from './support/browser-check.js';
import { CHROMIUM, pageResult } from './support/chromium.js';
import { serveStatic } from './support/static-server.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

test('a browser page and a Worker train with the wrapper, bit-identical to Node', { skip: !existsSync(CHROMIUM) && `${CHROMIUM} is not installed` }, async () => {
  const server = await serveStatic(ROOT);
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
