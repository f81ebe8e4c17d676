// The relaxed-SIMD build against the default build, on this machine:
//   node bench/relaxed.js [--rounds 5] [--models M1,M2,M3] [--seconds 0.3] [--no-browser] [--wall] [--json FILE]
// 1. C kernels: bench/kernels_bench.c compiled by clang-19 (scripts/wasi-cc.sh)
//    with and without -mrelaxed-simd, so f32x4.relaxed_madd is the only
//    difference: multiply-add peak, GEMM GFLOP/s, the M3 step in C.
// 2. The training step through the library, one thread: ready() against
//    ready({ relaxedSimd: true }), i.e. dist/simdnet.wasm against
//    dist/simdnet-relaxed.wasm (`bash build.sh --all`).
// Each in Node (child processes, --experimental-wasm-relaxed-simd for both)
// and in Chromium (a fresh page each, bench/relaxed.html), the two builds
// taking turns `rounds` times; medians. Node's figures are per second of the
// process's CPU time, which other jobs on a busy machine disturb less, and so
// are Chromium's training steps (its main thread's, from DevTools); Chromium's
// C kernels time themselves by the wall clock (--wall: everything by it).
// --json FILE also writes the medians there ({ cpu, rounds, engines: [{ name,
// clock, kernels, ratios, steps }] }); `npm run bench` runs this script so.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { MODELS } from './common.js';
import { startServer } from '../scripts/serve.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    models: { type: 'string', default: 'M1,M2,M3' },
    seconds: { type: 'string', default: '0.3' },
    'no-browser': { type: 'boolean', default: false },
    wall: { type: 'boolean', default: false },
    json: { type: 'string' },
  },
});
const ROUNDS = Math.max(1, Number(args.rounds));
const BUILDS = ['default', 'relaxed'];
const FLAG = '--experimental-wasm-relaxed-simd';
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];

for (const f of ['dist/simdnet.wasm', 'dist/simdnet-relaxed.wasm'])
  if (!existsSync(join(ROOT, f))) throw new Error(`bench: ${f} is missing: run \`bash build.sh --all\``);

function buildKernels() {
  const out = join(ROOT, 'build/bench');
  mkdirSync(out, { recursive: true });
  const sources = ['bench/kernels_bench.c', ...execFileSync('sh', ['-c', 'ls c/*.c'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter((f) => f && !f.includes('wasm_'))];
  for (const build of BUILDS)
    execFileSync('bash', ['scripts/wasi-cc.sh', '-std=c11', '-O3', '-DNDEBUG', '-Ic', '-msimd128', '-ffp-contract=off', ...(build === 'relaxed' ? ['-mrelaxed-simd'] : []),
      '-Wl,-z,stack-size=5242880', ...sources, '-lm', '-o', join(out, `kernels_bench.${build}.wasm`)], { cwd: ROOT, stdio: 'inherit' });
}

const readyOptions = (build) => (build === 'relaxed' ? { relaxedSimd: true, threads: 1 } : { threads: 1 });

/** measure(build) for every round and build in turn; returns { default: [...], relaxed: [...] }. */
async function alternate(measure) {
  const runs = { default: [], relaxed: [] };
  for (let round = 0; round < ROUNDS; round++)
    for (const build of BUILDS) runs[build].push(await measure(build));
  return runs;
}

function checkBuild(result, build) {
  const relaxed = result.relaxed_simd ?? (result.features.relaxedSimd ? 1 : 0);
  if (relaxed !== (build === 'relaxed' ? 1 : 0)) throw new Error(`bench: asked for the ${build} build, got ${JSON.stringify(result.features ?? result)}`);
  return result;
}

const node = {
  name: 'Node ' + process.version,
  clock: args.wall ? 'wall-clock time' : 'CPU time',
  kernels: (build) => JSON.parse(execFileSync(process.execPath, ['--disable-warning=ExperimentalWarning', FLAG, 'scripts/run-wasi.js', `build/bench/kernels_bench.${build}.wasm`, args.seconds, ...(args.wall ? [] : ['cpu'])], { cwd: ROOT, encoding: 'utf8' })),
  step: (build, spec) => {
    const r = JSON.parse(execFileSync(process.execPath, [FLAG, 'bench/relaxed-step.js', JSON.stringify(readyOptions(build)), JSON.stringify(spec), String(spec.rows)], { cwd: ROOT, encoding: 'utf8' }));
    return { features: r.features, samplesPerSecond: r.samples / (args.wall ? r.seconds : r.cpuSeconds) };
  },
};

async function chromiumEngine() {
  const { skipWithoutChromium, withPage, finalText } = await import('../test/support/chromium.js');
  if (skipWithoutChromium) return null;
  const server = await startServer({ port: 0, extraDirs: ['bench/', 'build/bench/'] });
  const url = (query) => `${server.url}/bench/relaxed.html?${new URLSearchParams(query)}`;
  const expect = (text, word) => {
    if (!text.startsWith(`${word} `)) throw new Error(`bench/relaxed.html: ${text}`);
    return JSON.parse(text.slice(word.length + 1));
  };
  // The step runs on the page's main thread: its CPU time (DevTools' ThreadTime) around window.timedStep().
  const timedStep = async (page) => {
    const features = expect(await finalText(page, 'out'), 'READY');
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    const threadTime = async () => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'ThreadTime').value;
    const t0 = await threadTime(), r = await page.evaluate(() => window.timedStep()), t1 = await threadTime();
    return { features, samplesPerSecond: r.samples / (args.wall ? r.seconds : t1 - t0) };
  };
  const version = execFileSync('/usr/bin/chromium', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  return {
    name: version,
    clock: args.wall ? 'wall-clock time' : 'main-thread CPU time for the training step, wall-clock time for the C kernels',
    kernels: async (build) => expect(await withPage(url({ kernels: `/build/bench/kernels_bench.${build}.wasm`, seconds: args.seconds }), (p) => finalText(p, 'out')), 'RESULT'),
    step: (build, spec) => withPage(url({ ready: JSON.stringify(readyOptions(build)), spec: JSON.stringify(spec), rows: spec.rows }), timedStep),
    close: () => server.close(),
  };
}

const fmt = (v, digits = 1) => v.toFixed(digits);
const ratio = (runs, get) => median(runs.relaxed.map(get)) / median(runs.default.map(get));

/** Both builds on one engine, printed; returns the medians and the relaxed / default ratios. */
async function report(engine) {
  console.log(`\n${engine.name} (per second of ${engine.clock})`);
  const k = await alternate(async (build) => checkBuild(await engine.kernels(build), build));
  const gemms = Object.keys(k.default[0].gemm), kernels = {};
  for (const build of BUILDS) {
    const med = (get) => median(k[build].map(get));
    kernels[build] = { peak: med((r) => r.peak), gemm: Object.fromEntries(gemms.map((g) => [g, med((r) => r.gemm[g])])), m3Step: med((r) => r.steps.m3.samples_per_s) };
    console.log(`  C kernels, ${build.padEnd(7)} peak ${fmt(kernels[build].peak)} | ${gemms.map((g) => `${g} ${fmt(kernels[build].gemm[g])}`).join(', ')} GFLOP/s | M3 step ${fmt(kernels[build].m3Step, 0)} samples/s`);
  }
  const gemmRatios = gemms.map((g) => ratio(k, (r) => r.gemm[g]));
  const ratios = { peak: ratio(k, (r) => r.peak), gemmMin: Math.min(...gemmRatios), gemmMax: Math.max(...gemmRatios), m3Step: ratio(k, (r) => r.steps.m3.samples_per_s) };
  console.log(`  relaxed / default: peak ${fmt(ratios.peak, 2)}×, GEMMs ${fmt(ratios.gemmMin, 2)}–${fmt(ratios.gemmMax, 2)}×, M3 step in C ${fmt(ratios.m3Step, 2)}×`);
  const steps = {};
  for (const spec of MODELS.filter((m) => args.models.split(',').includes(m.name))) {
    const s = await alternate(async (build) => checkBuild(await engine.step(build, spec), build));
    const med = (build) => median(s[build].map((r) => r.samplesPerSecond));
    steps[spec.name] = { default: med('default'), relaxed: med('relaxed'), ratio: med('relaxed') / med('default') };
    console.log(`  ${spec.name} training step (library, 1 thread): default ${fmt(med('default'), 0)}, relaxed ${fmt(med('relaxed'), 0)} samples/s: ${fmt(steps[spec.name].ratio, 2)}×`);
  }
  return { name: engine.name, clock: engine.clock, kernels, ratios, steps };
}

const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
console.log(`simdnet relaxed-SIMD bench — ${os.cpus()[0].model}, ${os.cpus().length} cores; load average ${load()}`);
console.log(`${ROUNDS} alternating rounds (default, relaxed, default, …), medians; peak = best of 8, 10 or 12 independent multiply-add chains`);
buildKernels();
const results = { cpu: os.cpus()[0].model, rounds: ROUNDS, engines: [await report(node)] };
if (!args['no-browser']) {
  const chromium = await chromiumEngine();
  if (chromium) {
    try {
      results.engines.push(await report(chromium));
    } finally {
      await chromium.close();
    }
  } else console.log('\n(Chromium: skipped, /usr/bin/chromium is not installed)');
}
console.log(`\nload average at the end ${load()}`);
if (args.json) writeFileSync(args.json, JSON.stringify(results, null, 1));
