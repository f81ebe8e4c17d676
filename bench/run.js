// npm run bench: simdnet against TensorFlow.js (wasm backend with SIMD on one
// thread, and the cpu backend) in the same Node process, on the same data.
//
//   node bench/run.js [--rounds 5] [--models M1,M2,M3] [--quick] [--no-cpu] [--no-native]
//
// For each model (M1, M2, M3 of issue 6) every engine first trains one warm-up
// epoch, then the engines take turns, `rounds` times, each timing one fit of a
// few epochs; the table shows the median samples/s and simdnet's ratio to each
// TF.js backend. Then bench/kernels_bench.c, compiled natively (gcc -O3
// -march=native) and to wasm SIMD (emcc -O3 -msimd128, the flags of
// dist/simdnet.wasm), gives GEMM GFLOP/s per variant against the measured SIMD
// peak and the native figure of the M3 step. Nothing is installed or fetched:
// fetch is disabled for the whole run.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    quick: { type: 'boolean', default: false },
    'no-cpu': { type: 'boolean', default: false },
    'no-native': { type: 'boolean', default: false },
    models: { type: 'string', default: 'M1,M2,M3' },
  },
});
const ROUNDS = Math.max(1, Number(args.rounds));

globalThis.fetch = () => {
  throw new Error('bench: no network access allowed');
};

for (const [what, path] of [['dist/simdnet.wasm (run `npm run build`)', 'dist/simdnet.wasm'],
  ['TensorFlow.js (run `npm install`)', 'node_modules/@tensorflow/tfjs-backend-wasm']]) {
  if (!existsSync(join(ROOT, path))) {
    console.error(`bench: missing ${what}`);
    process.exit(1);
  }
}

const sn = await import('../web/index.js');
const { MODELS, loadData, modelData, simdnetEngine, weightsOf } = await import('./common.js');
const tf = await import('@tensorflow/tfjs');
const tfwasm = await import('@tensorflow/tfjs-backend-wasm');

/**
 * TF.js on `backend`, trained the way given by `how`: 'fit' (model.fit,
 * shuffled), 'trainOnBatch' (one call per batch) or 'minimize' (a hand-written
 * loop: optimizer.minimize of the loss of model.apply). The data become tensors
 * once, and the batches of the last two are sliced once, outside the timing.
 */
async function tfjsEngine(spec, data, backend, how) {
  await tf.setBackend(backend);
  const model = tf.sequential();
  spec.layers.forEach(([units, activation], i) =>
    model.add(tf.layers.dense({ units, activation, ...(i === 0 ? { inputShape: [784] } : {}) })));
  const optimizer = spec.opt === 'adam' ? tf.train.adam(spec.lr) : tf.train.sgd(spec.lr);
  model.compile({ optimizer, loss: spec.loss });
  const x = tf.tensor2d(data.x, [data.rows, 784]), y = tf.tensor2d(data.y, [data.rows, 10]);
  const batches = [];
  if (how !== 'fit')
    for (let start = 0; start < data.rows; start += spec.batch) {
      const size = Math.min(spec.batch, data.rows - start);
      batches.push([x.slice([start, 0], [size, 784]), y.slice([start, 0], [size, 10])]);
    }
  const lossFn = spec.loss === 'meanSquaredError' ? tf.losses.meanSquaredError : tf.losses.softmaxCrossEntropy;
  const epoch = {
    fit: () => model.fit(x, y, { epochs: 1, batchSize: spec.batch, shuffle: true, verbose: 0 }),
    trainOnBatch: async () => {
      for (const [xb, yb] of batches) await model.trainOnBatch(xb, yb);
    },
    // softmaxCrossEntropy takes logits: apply every layer but the last softmax by hand.
    minimize: async () => {
      for (const [xb, yb] of batches)
        optimizer.minimize(() => lossFn(yb, spec.loss === 'meanSquaredError' ? model.apply(xb) : logits(model, xb)));
    },
  }[how];
  return {
    fit: async (epochs) => {
      await tf.setBackend(backend);
      for (let e = 0; e < epochs; e++) await epoch();
    },
    dispose: () => {
      model.dispose();
      for (const t of [x, y, ...batches.flat()]) t.dispose();
    },
  };
}

/** The last layer's pre-activation: the softmax layer's kernel and bias applied to the previous output. */
function logits(model, xb) {
  const last = model.layers[model.layers.length - 1];
  let h = xb;
  for (const layer of model.layers.slice(0, -1)) h = layer.apply(h);
  return tf.add(tf.matMul(h, last.kernel.read()), last.bias.read());
}

// The issue's TF.js baseline is the best of these three ways on the wasm backend.
const TFJS_WASM_WAYS = ['fit', 'trainOnBatch', 'minimize'];
const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

async function benchModel(spec, all) {
  const rows = args.quick ? Math.min(spec.rows, 1200) : spec.rows;
  const data = modelData(all, rows);
  const engines = [{ name: 'simdnet', ...simdnetEngine(spec, data), epochs: 5 }];
  for (const how of TFJS_WASM_WAYS) engines.push({ name: `tfjs-wasm ${how}`, ...(await tfjsEngine(spec, data, 'wasm', how)), epochs: 1 });
  if (!args['no-cpu']) engines.push({ name: 'tfjs-cpu fit', ...(await tfjsEngine(spec, data, 'cpu', 'fit')), epochs: 1 });
  for (const e of engines) await e.fit(1); // warm-up epoch
  const rates = new Map(engines.map((e) => [e.name, []]));
  for (let round = 0; round < ROUNDS; round++)
    for (const e of engines) {
      const t0 = performance.now();
      await e.fit(e.epochs);
      rates.get(e.name).push((e.epochs * rows) / ((performance.now() - t0) / 1000));
    }
  const medians = Object.fromEntries([...rates].map(([name, v]) => [name, median(v)]));
  const bestWasm = TFJS_WASM_WAYS.reduce((best, how) => (medians[`tfjs-wasm ${how}`] > medians[`tfjs-wasm ${best}`] ? how : best));
  const result = { simdnet: medians.simdnet, 'tfjs-wasm': medians[`tfjs-wasm ${bestWasm}`], bestWasm, 'tfjs-cpu': medians['tfjs-cpu fit'], medians };
  for (const e of engines) e.dispose();
  return result;
}

// ---- C kernels, native and wasm -------------------------------------------------

function kernelFigures() {
  const out = join(ROOT, 'build/bench');
  mkdirSync(out, { recursive: true });
  const sources = ['bench/kernels_bench.c', ...readdirC()];
  const common = ['-std=c11', '-O3', '-DNDEBUG', '-Ic', ...sources, '-lm'];
  const results = {};
  const run = (label, build, cmd) => {
    try {
      execFileSync(build[0], build.slice(1), { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, NODE_PATH: '/usr/share/nodejs' } });
      results[label] = JSON.parse(execFileSync(cmd[0], cmd.slice(1), { cwd: ROOT, encoding: 'utf8' }));
    } catch (err) {
      console.log(`(${label} kernel figures unavailable: ${err.message.split('\n')[0]})`);
    }
  };
  run('wasm', ['emcc', ...common, '-msimd128', '-sALLOW_MEMORY_GROWTH=1', '-o', join(out, 'kernels_bench.cjs')],
    [process.execPath, '--no-experimental-fetch', join(out, 'kernels_bench.cjs')]);
  if (!args['no-native']) run('native', ['gcc', ...common, '-march=native', '-o', join(out, 'kernels_bench')], [join(out, 'kernels_bench')]);
  return results;
}

function readdirC() {
  return execFileSync('sh', ['-c', 'ls c/*.c'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter((f) => f && !f.includes('wasm_'));
}

// ---- threads ---------------------------------------------------------------------

/** simdnet with 1 thread and with every core, alternating child processes; medians. */
function threadFigures(specs) {
  const cores = os.cpus().length;
  if (!existsSync(join(ROOT, 'dist/simdnet-mt.wasm')) || cores < 2) {
    console.log('(threads: skipped; needs `bash build.sh --threads` and more than one core)');
    return [];
  }
  const measure = (threads, spec, rows) => JSON.parse(execFileSync(process.execPath,
    [join(ROOT, 'bench/threaded.js'), String(threads), spec.name, String(rows)], { encoding: 'utf8' }));
  return specs.map((spec) => {
    const rows = args.quick ? Math.min(spec.rows, 1200) : spec.rows;
    const rates = { 1: [], [cores]: [] }, memory = { 1: 0, [cores]: 0 };
    for (let round = 0; round < ROUNDS; round++)
      for (const t of [1, cores]) {
        const r = measure(t, spec, rows);
        if (r.threads !== t) throw new Error(`bench: asked for ${t} threads, got ${r.threads}`);
        rates[t].push(r.samplesPerSecond);
        memory[t] = Math.max(memory[t], r.memoryBytes);
      }
    return { spec, rows, cores, one: median(rates[1]), all: median(rates[cores]), memory };
  });
}

// ---- report ----------------------------------------------------------------------

const mib = (bytes) => (bytes / 2 ** 20).toFixed(1);
const fmt = (v, digits = 0) => v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

async function main() {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false); // one thread, as the issue measures
  tfwasm.setWasmPaths(join(ROOT, 'node_modules/@tensorflow/tfjs-backend-wasm/dist') + '/');
  await sn.ready();
  await tf.setBackend('wasm');
  const all = await loadData();
  console.log(`simdnet bench — ${os.cpus()[0].model}, ${os.cpus().length} cores, Node ${process.version}, TF.js ${tf.version.tfjs}` +
    ` (wasm backend SIMD: ${await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')}, threads: off)`);
  console.log(`data: ${all.source}; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`${ROUNDS} alternating rounds after a warm-up epoch; medians.\n`);

  const rows = [];
  for (const spec of MODELS.filter((m) => args.models.split(',').includes(m.name))) {
    const r = await benchModel(spec, all);
    rows.push([spec, r]);
    const ratio = (b) => (r[b] ? `${(r.simdnet / r[b]).toFixed(1)}×` : '—');
    console.log(`${spec.name} ${[784, ...spec.layers.map(([u]) => u)].join('-')} batch ${spec.batch}: simdnet ${fmt(r.simdnet)} samples/s` +
      ` (${fmt(r.simdnet * 6 * weightsOf(spec) * 1e-9, 1)} GFLOP/s at 6×weights), tfjs-wasm ${fmt(r['tfjs-wasm'])} (${ratio('tfjs-wasm')}, best: ${r.bestWasm}),` +
      ` tfjs-cpu ${r['tfjs-cpu'] ? fmt(r['tfjs-cpu']) : '—'} (${ratio('tfjs-cpu')})`);
    console.log(`   every median: ${Object.entries(r.medians).map(([k, v]) => `${k} ${fmt(v)}`).join(', ')}`);
  }

  console.log(`\nThreaded build (dist/simdnet-mt.wasm), ${ROUNDS} alternating rounds, medians:`);
  const threaded = threadFigures(rows.map(([spec]) => spec));
  for (const t of threaded)
    console.log(`  ${t.spec.name}: 1 thread ${fmt(t.one)} samples/s, ${t.cores} threads ${fmt(t.all)} samples/s: ${(t.all / t.one).toFixed(2)}×;` +
      ` peak wasm memory (fresh process, ${t.rows} rows of data inside) ${mib(t.memory[1])} / ${mib(t.memory[t.cores])} MiB`);

  console.log('\nC kernels (bench/kernels_bench.c), GFLOP/s, best of 7 runs:');
  const k = kernelFigures();
  const variants = Object.keys(k.wasm?.gemm ?? k.native?.gemm ?? {});
  const line = (label, res) => {
    if (!res) return;
    const gem = variants.map((v) => `${v} ${res.gemm[v].toFixed(1)} (${Math.round((100 * res.gemm[v]) / res.peak)}%)`).join(', ');
    console.log(`  ${label.padEnd(6)} peak ${res.peak.toFixed(1)} | ${gem}`);
    console.log(`  ${''.padEnd(6)} M3 training step: ${fmt(res.m3.samples_per_s)} samples/s = ${res.m3.gflops.toFixed(1)} GFLOP/s at 6×weights`);
  };
  line('wasm', k.wasm);
  line('native', k.native);
  if (k.wasm && k.native) console.log(`  native / wasm on the M3 step: ${(k.native.m3.samples_per_s / k.wasm.m3.samples_per_s).toFixed(2)}×`);
  console.log('  (peak = best of 8, 10 or 12 independent f32x4 multiply + add chains; % = share of that peak)');

  console.log('\nMarkdown:\n');
  console.log('| model | simdnet samples/s | TF.js wasm | × | TF.js cpu | × |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const [spec, r] of rows)
    console.log(`| ${spec.name} ${[784, ...spec.layers.map(([u]) => u)].join('-')}, batch ${spec.batch} | ${fmt(r.simdnet)} | ${fmt(r['tfjs-wasm'])} | ${(r.simdnet / r['tfjs-wasm']).toFixed(1)} | ` +
      `${r['tfjs-cpu'] ? fmt(r['tfjs-cpu']) : '—'} | ${r['tfjs-cpu'] ? (r.simdnet / r['tfjs-cpu']).toFixed(1) : '—'} |`);
}

await main();
