// The opt-in relaxed-SIMD builds (dist/simdnet-relaxed.wasm and
// simdnet-relaxed-mt.wasm, built by `npm test` and `bash build.sh --all`):
// ready({ relaxedSimd: true }) picks them where the engine validates
// f32x4.relaxed_madd and falls back silently to the default build elsewhere;
// they reproduce their own weights bit for bit and stay within float32
// rounding of the default build's. Node 20 validates relaxed SIMD only with
// --experimental-wasm-relaxed-simd, so each configuration runs in a child
// process with or without it (ready() also instantiates once per process).
// Their C kernels are tested by scripts/test-c.sh (the "relaxed" variant).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as sn from '../web/index.js';
import { finalText, skipWithoutChromium, withPage } from './support/chromium.js';
import { trainTwice } from './support/relaxed-check.js';
import { startServer } from '../scripts/serve.js';

const CHECK = fileURLToPath(new URL('./support/relaxed-check.js', import.meta.url));
const BUILT = ['simdnet-relaxed.wasm', 'simdnet-relaxed-mt.wasm'].every((f) => existsSync(new URL(`../dist/${f}`, import.meta.url)));
const skip = !BUILT && 'run `bash build.sh --all` first';
const WITH = ['--experimental-wasm-relaxed-simd'], WITHOUT = ['--no-experimental-wasm-relaxed-simd'];

/** Runs `node flags… args…`; returns its stdout as JSON and asserts it wrote nothing to stderr. */
function child(flags, args) {
  const r = spawnSync(process.execPath, [...flags, ...args], { encoding: 'utf8', timeout: 120000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '', 'nothing on stderr: the fallback is silent');
  return JSON.parse(r.stdout);
}
const check = (flags, readyOptions) => child(flags, [CHECK, JSON.stringify(readyOptions)]);

/**
 * Worst |relaxed − default| / (1e-5 + 1e-4·|default|) over the weights (≤ 1
 * passes). Fusing a multiply-add changes one rounding of 2^-24 relative; after
 * these trainings the weights measured at most 3e-7 apart, 30× inside; a wrong
 * term or a lost reduction slice moves them by 1e-3 or more.
 */
function worstRatio(relaxed, standard) {
  assert.equal(relaxed.length, standard.length);
  return relaxed.reduce((worst, r, i) => Math.max(worst, Math.abs(r - standard[i]) / (1e-5 + 1e-4 * Math.abs(standard[i]))), 0);
}

// First, before this process's own ready(): options are checked, features() needs ready().
test('relaxedSimd takes a boolean; features() throws before ready()', async () => {
  assert.throws(() => sn.features(), /not ready: await sn.ready\(\)/);
  await assert.rejects(sn.ready({ relaxedSimd: 'yes' }), /relaxedSimd must be true or false, got "yes"/);
});

let standard; // this process: the default build (Node without the flag, one thread)
test('the default build when relaxed SIMD is not asked for', async () => {
  standard = await trainTwice();
  assert.deepEqual(sn.features(), { module: 'simdnet.wasm', threads: 1, relaxedSimd: false, simd: true });
  for (const run of standard.runs) assert.equal(run.hashes[0], run.hashes[1]);
});

test('the relaxed build reproduces its weights bit for bit and stays within float32 rounding of the default build', { skip }, (t) => {
  const relaxed = check(WITH, { relaxedSimd: true });
  assert.equal(relaxed.validates, true, 'Node validates the relaxed build with --experimental-wasm-relaxed-simd');
  assert.deepEqual(relaxed.features, { module: 'simdnet-relaxed.wasm', threads: 1, relaxedSimd: true, simd: true });
  relaxed.runs.forEach((run, i) => {
    assert.equal(run.hashes[0], run.hashes[1], `training ${i}: the same seed twice gives the same bits`);
    const ratio = worstRatio(run.weights, standard.runs[i].weights);
    assert.ok(ratio <= 1, `training ${i}: weights ${ratio.toFixed(2)}× the tolerance away from the default build's`);
    run.loss.forEach((l, e) => assert.ok(Math.abs(l - standard.runs[i].loss[e]) <= 1e-5 * standard.runs[i].loss[e], `training ${i}, epoch ${e}: loss ${l} vs ${standard.runs[i].loss[e]}`));
    const differ = run.weights.filter((w, j) => w !== standard.runs[i].weights[j]).length;
    t.diagnostic(`training ${i}: ${differ} of ${run.weights.length} weights differ from the default build's (0 where this machine does not fuse), worst ${ratio.toFixed(3)} of the tolerance`);
  });
});

test('the relaxed builds export what the wrapper uses of the default builds', { skip }, () => {
  const exportsOf = (file) => child(WITH, ['--input-type=module', '-e', `
    import { readFileSync } from 'node:fs';
    const module = new WebAssembly.Module(readFileSync(${JSON.stringify(fileURLToPath(new URL(`../dist/${file}`, import.meta.url)))}));
    console.log(JSON.stringify({ exports: WebAssembly.Module.exports(module).map((e) => e.name).sort(), imports: WebAssembly.Module.imports(module).map((i) => i.module + '.' + i.name) }));`]);
  // web/core/wasm.js calls sn_*, malloc and free, _initialize, reads memory (single-threaded builds);
  // web/worker/thread-worker.js calls stackRestore (threaded builds).
  const used = (threaded) => (e) => e.startsWith('sn_') || ['malloc', 'free', '_initialize', threaded ? 'stackRestore' : 'memory'].includes(e);
  for (const [standard, relaxed, threaded] of [['simdnet.wasm', 'simdnet-relaxed.wasm', false], ['simdnet-mt.wasm', 'simdnet-relaxed-mt.wasm', true]]) {
    const a = exportsOf(standard), b = exportsOf(relaxed);
    assert.deepEqual(b.exports.filter(used(threaded)), a.exports.filter(used(threaded)), `${relaxed} exports what ${standard} does`);
    assert.ok(b.imports.every((i) => a.imports.includes(i)), `${relaxed} imports nothing the wrapper does not give: ${b.imports}`);
  }
});

test('with threads, the relaxed threaded twin gives the bits of one relaxed thread', { skip }, () => {
  const one = check(WITH, { relaxedSimd: true }), two = check(WITH, { relaxedSimd: true, threads: 2 });
  assert.deepEqual(two.features, { module: 'simdnet-relaxed-mt.wasm', threads: 2, relaxedSimd: true, simd: true });
  assert.deepEqual(two.runs.map((r) => r.hashes), one.runs.map((r) => r.hashes));
});

test('where the engine rejects relaxed SIMD, ready({ relaxedSimd: true }) falls back silently to the default builds', { skip }, () => {
  const single = check(WITHOUT, { relaxedSimd: true });
  assert.equal(single.validates, false, 'Node rejects the relaxed build without the flag');
  assert.deepEqual(single.features, { module: 'simdnet.wasm', threads: 1, relaxedSimd: false, simd: true });
  assert.deepEqual(single.runs.map((r) => r.hashes), standard.runs.map((r) => r.hashes), 'the default build\'s bits');
  const threaded = check(WITHOUT, { relaxedSimd: true, threads: 2 });
  assert.deepEqual(threaded.features, { module: 'simdnet-mt.wasm', threads: 2, relaxedSimd: false, simd: true });
  assert.deepEqual(threaded.runs.map((r) => r.hashes), standard.runs.map((r) => r.hashes));
});

test('a relaxed build that cannot be loaded falls back to the default one', { skip }, () => {
  const r = check(WITH, { relaxedSimd: true, wasmRelaxed: 'file:///nonexistent/simdnet-relaxed.wasm' });
  assert.deepEqual(r.features, { module: 'simdnet.wasm', threads: 1, relaxedSimd: false, simd: true });
});

test('the relaxed build counts its C heap: nothing leaks over many models, bad calls change nothing', { skip }, () => {
  const out = child(WITH, ['--input-type=module', '-e', `
    import * as sn from ${JSON.stringify(new URL('../web/index.js', import.meta.url).href)};
    import { blobs, classifier } from ${JSON.stringify(new URL('./support/models.js', import.meta.url).href)};
    await sn.ready({ relaxedSimd: true });
    const { x, y } = blobs(64), before = sn.heapBytes();
    const first = classifier({ hidden: [300] }), alive = sn.heapBytes();
    first.dispose();
    for (let i = 0; i < 300; i++) {
      const model = classifier();
      await model.fit(x, y, { epochs: 1, batchSize: 16 });
      model.predict(x);
      try { model.predict(new Float32Array(5)); } catch {}
      model.dispose();
    }
    console.log(JSON.stringify({ features: sn.features(), before, alive, after: sn.heapBytes() }));`]);
  assert.equal(out.features.module, 'simdnet-relaxed.wasm');
  assert.ok(out.alive - out.before > 300 * 6 * 4, `a live model holds its weights on the heap: ${out.alive - out.before} bytes`);
  assert.equal(out.after, out.before, 'C heap in use after 300 models');
});

/** In the page: sn.createTrainer with relaxedSimd, a few epochs; what the Worker runs and its losses. */
async function trainInWorker() {
  const sn = await import('/web/browser.js');
  const trainer = sn.createTrainer({
    seed: 3, layers: [{ units: 32, activation: 'relu', inputShape: [8] }, { units: 2, activation: 'softmax' }],
    compile: { optimizer: { name: 'adam', learningRate: 0.01 }, loss: 'categoricalCrossentropy' },
  }, { relaxedSimd: true });
  const { features } = await trainer.ready;
  const x = Float32Array.from({ length: 8 * 200 }, (_, i) => Math.sin(i * 1.7));
  const y = sn.data.oneHot(Int32Array.from({ length: 200 }, (_, r) => (x[8 * r] + x[8 * r + 1] > 0 ? 1 : 0)), 2);
  const { history } = await trainer.fit(x, y, { epochs: 5, batchSize: 20 });
  trainer.terminate();
  return { features, loss: history.loss };
}

test('in Chromium, ready({ relaxedSimd: true }) and createTrainer(…, { relaxedSimd: true }) pick the relaxed builds, which train as in Node', {
  skip: skipWithoutChromium || skip,
}, async (t) => {
  const server = await startServer({ port: 0, extraDirs: ['test/support/'] }); // cross-origin isolated: threads by default
  try {
    const results = {};
    let trainer;
    for (const threads of ['1', 'auto']) {
      const { text, errors } = await withPage(`${server.url}/test/support/relaxed-check.html?threads=${threads}`, async (page, errs) => {
        const done = await finalText(page);
        if (threads === 'auto') trainer = await page.evaluate(trainInWorker);
        return { text: done, errors: errs };
      });
      assert.match(text, /^RESULT /, text);
      assert.deepEqual(errors, [], 'no error in the console');
      results[threads] = JSON.parse(text.slice('RESULT '.length));
    }
    assert.equal(trainer.features.relaxedSimd, true, 'createTrainer(…, { relaxedSimd: true }) runs the relaxed build in its Worker');
    assert.ok(trainer.loss.at(-1) < trainer.loss[0], `the Worker's model learns: ${trainer.loss}`);
    const one = results['1'], auto = results.auto;
    assert.deepEqual(one.features, { module: 'simdnet-relaxed.wasm', threads: 1, relaxedSimd: true, simd: true });
    assert.equal(auto.features.module, auto.features.threads > 1 ? 'simdnet-relaxed-mt.wasm' : 'simdnet-relaxed.wasm');
    assert.equal(auto.features.relaxedSimd, true);
    assert.deepEqual(auto.runs.map((r) => r.hashes), one.runs.map((r) => r.hashes), 'threads change no bit');
    one.runs.forEach((run, i) => {
      assert.equal(run.hashes[0], run.hashes[1], `training ${i}: the same seed twice gives the same bits`);
      assert.ok(run.loss.at(-1) < run.loss[0], `training ${i} learns: loss ${run.loss}`);
      assert.ok(worstRatio(run.weights, standard.runs[i].weights) <= 1, `training ${i}: within tolerance of Node's default build`);
    });
    const node = check(WITH, { relaxedSimd: true });
    t.diagnostic(`Chromium's relaxed bits ${JSON.stringify(one.runs.map((r) => r.hashes[0])) === JSON.stringify(node.runs.map((r) => r.hashes[0])) ? 'equal' : 'differ from'} Node's on this machine; ${auto.features.threads} threads by default`);
  } finally {
    await server.close();
  }
});
