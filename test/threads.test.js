// The threaded build (dist/simdnet-mt.wasm, built by `bash build.sh --threads`
// and by `npm test`) trains to exactly the weights of the single-threaded
// build, in Node and, chosen by ready() itself, in a cross-origin-isolated
// page of Chromium and of Firefox; ready() falls back to the single-threaded module when asked for
// threads it cannot have. Each Node configuration runs in its own process
// because ready() instantiates once per process.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as sn from '../web/index.js';
import { BROWSERS, finalText, skipWithout, withPage } from './support/browsers.js';
import { startServer } from '../scripts/serve.js';

const CHECK = fileURLToPath(new URL('./support/threads-check.js', import.meta.url));
const THREADED = fileURLToPath(new URL('../dist/simdnet-mt.wasm', import.meta.url));
const run = (threads) => JSON.parse(execFileSync(process.execPath, [CHECK, String(threads)], { encoding: 'utf8', timeout: 120000 }));

test('2 and 3 threads train dense and convolutional models bit-identically to 1 thread', { skip: !existsSync(THREADED) && 'run `bash build.sh --threads` first' }, () => {
  const one = run(1), two = run(2), three = run(3);
  assert.equal(one.threads, 1);
  assert.equal(two.threads, 2);
  assert.equal(three.threads, 3);
  assert.deepEqual(two.hashes, one.hashes);
  assert.deepEqual(three.hashes, one.hashes);
});

test('ready() rejects a bad thread count and defaults to one thread in Node', async () => {
  await assert.rejects(sn.ready({ threads: 0 }), /threads must be a whole number >= 1, got 0/);
  await sn.ready();
  assert.equal(sn.threads(), 1);
});

test('a threaded build that cannot be loaded falls back to one thread', () => {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', `
    import * as sn from ${JSON.stringify(new URL('../web/index.js', import.meta.url).href)};
    await sn.ready({ threads: 2, wasmThreads: new URL('file:///nonexistent/simdnet-mt.wasm') });
    console.log(sn.threads());`], { encoding: 'utf8' });
  assert.equal(out.trim(), '1');
});

for (const name of BROWSERS) {
  test(`${name}: a cross-origin-isolated page trains with threads by itself, bit-identically to Node`, {
    skip: skipWithout(name) || (!existsSync(THREADED) && 'no threaded build'),
  }, async () => {
    const server = await startServer({ port: 0, extraDirs: ['test/support/'] }); // cross-origin isolated, as npm start serves
    try {
      const { text, errors } = await withPage(name, `${server.url}/test/support/threads-check.html`, async (page, errs) => ({ text: await finalText(page), errors: errs }));
      assert.match(text, /^RESULT /, text);
      assert.deepEqual(errors, [], 'no error in the console');
      const result = JSON.parse(text.slice('RESULT '.length));
      assert.equal(result.isolated, true);
      assert.equal(result.threads, Math.min(8, result.cores));
      assert.deepEqual(result.hashes, run(1).hashes);
    } finally {
      await server.close();
    }
  });
}

// Firefox 153 ESR sometimes blocks for good in `new Worker()` called inside a
// Worker: when a trainer's Worker started its own helper threads, about 1
// threaded trainer in 40 never became ready (the test suites' rare Firefox
// hangs). The page now starts them (web/worker/trainer.js). 80 trainers in a row met
// the hang with a probability of about 87%; each must be ready and train.
const TRAINERS = 80;
for (const name of BROWSERS) {
  test(`${name}: ${TRAINERS} threaded trainers in a row all become ready and train (the page starts their helper threads)`, {
    skip: skipWithout(name) || (!existsSync(THREADED) && 'no threaded build'),
  }, async () => {
    const server = await startServer({ port: 0 });
    try {
      const { outcome, errors } = await withPage(name, `${server.url}/demo/index.html`, async (page, errs) => ({
        errors: errs,
        outcome: await page.evaluate(async (count) => {
          const sn = await import('../web/browser.js');
          const spec = { seed: 3, layers: [{ units: 32, activation: 'relu', inputShape: [16] }, { units: 4, activation: 'softmax' }], compile: { optimizer: 'adam', loss: 'categoricalCrossentropy' } };
          const x = new Float32Array(64 * 16).map((_, i) => Math.sin(i)), y = new Float32Array(64 * 4).map((_, i) => (i % 5 === 0 ? 1 : 0));
          const within = (promise, what) => Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error(what)), 20000))]);
          const threads = [], losses = [];
          for (let i = 0; i < count; i++) {
            const trainer = sn.createTrainer(spec);
            try {
              threads.push((await within(trainer.ready, `trainer ${i} never became ready`)).threads);
              losses.push((await within(trainer.fit(x, y, { epochs: 1, batchSize: 16 }), `trainer ${i} never finished fit`)).history.loss[0]);
            } finally {
              trainer.terminate();
            }
          }
          return { threads, losses, cores: navigator.hardwareConcurrency };
        }, TRAINERS),
      }));
      assert.deepEqual(errors, [], 'no error in the console');
      assert.deepEqual(new Set(outcome.threads), new Set([Math.min(8, outcome.cores)]), 'every trainer runs the threaded build');
      assert.equal(outcome.losses.length, TRAINERS);
      assert.deepEqual(new Set(outcome.losses).size, 1, 'the same seed gives every trainer the same loss');
    } finally {
      await server.close();
    }
  });
}
