// The wrapper in a real browser: a page and a module Worker load the .wasm with
// fetch, train, and match Node bit for bit. Debian's chromium through
// playwright-core (no browser download); skipped where chromium is absent.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { chromium } from 'playwright-core';
import { trainXor } from './support/browser-check.js';
import { startServer } from '../scripts/serve.js';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** Opens url in a fresh headless chromium profile and returns the text of #out once it is final. */
async function pageResult(url) {
  const profile = mkdtempSync(join(tmpdir(), 'simdnet-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS });
  try {
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (msg) => msg.type() === 'error' && errors.push(msg.text()));
    await page.goto(url);
    await page.waitForFunction(() => document.getElementById('out').textContent !== 'running', null, { timeout: 60000 });
    return { text: await page.textContent('#out'), errors };
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

test('a browser page and a Worker train with the wrapper, bit-identical to Node', { skip: !existsSync(CHROMIUM) && `${CHROMIUM} is not installed` }, async () => {
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
