// npm run bench: simdnet against TensorFlow.js 4.22 (wasm backend, SIMD on,
// one thread; and its cpu backend), jax-js (wasm backend, a jit-compiled
// training step) and ConvNetJS 0.3, in one Node process, on the same data, and
// every speed target of issues 11, 12 and 23 checked in one "targets" block. The
// models: M1–M5 (bench/common.js), R1, a small ResNet built with the
// functional API by simdnet and TF.js, and T1–T3, transfer learning on a
// pretrained MobileNetV2 (bench/transfer.js: predict, the head only, the last
// 30 layers; child processes), and S1–S2, sequence models on the fortunes text
// (bench/sequence.js: TF.js' LSTM text-generation network, Embedding → GRU;
// child processes; jax-js's side in bench/sequence-jaxjs.js).
//
//   node bench/run.js [--rounds 5] [--models M1,…,M5,R1] [--engines simdnet,tfjs-wasm,tfjs-cpu,jax-js,convnetjs]
//                     [--quick] [--no-cpu] [--no-native] [--no-relaxed] [--readme] [--readme-from FILE]
//   node bench/run.js --help   (every option, one line each)
//
// For each model every engine first trains one warm-up epoch (jax-js compiles
// its step there), then the engines take turns, `rounds` times, each timing one
// fit of its own few rows (slow engines get fewer, see PLAN); medians. A
// garbage collection runs before every timed fit, so no engine pays for
// another's garbage. Then: the threaded build and peak memory (alternating child
// processes, bench/threaded.js), bench/kernels_bench.c natively and in wasm,
// the opt-in relaxed-SIMD build against the default one (bench/relaxed.js, in
// Node and Chromium), the targets, a Markdown table and, with --readme, the README's speed table
// and machine line rewritten from this run's figures (--readme-from FILE: from
// a saved run, build/bench/results.json, without timing anything). Nothing is
// installed or fetched: fetch is disabled for the whole run.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import vm from 'node:vm';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS = join(ROOT, 'build/bench/results.json');
const ALL_ENGINES = ['simdnet', 'tfjs-wasm', 'tfjs-cpu', 'jax-js', 'convnetjs'];
const ALL_MODELS = ['M1', 'M2', 'M3', 'M4', 'M5', 'R1', 'T1', 'T2', 'T3', 'S1', 'S2', 'G1'];
// Every option with its line of --help: parseArgs' configuration is made from
// this table, so the usage lists exactly what is accepted.
const OPTIONS = {
  rounds: { type: 'string', arg: 'N', help: 'timed rounds per engine, medians taken (default 5; 3 with --quick)' },
  models: { type: 'string', arg: 'LIST', default: ALL_MODELS.join(','), help: `models to run, comma-separated (default ${ALL_MODELS.join(',')})` },
  engines: { type: 'string', arg: 'LIST', default: ALL_ENGINES.join(','), help: `engines to run, comma-separated (default ${ALL_ENGINES.join(',')})` },
  quick: { type: 'boolean', help: 'fewer rows and rounds: a quick look, not figures for the README' },
  'no-cpu': { type: 'boolean', help: 'leave out TF.js\' cpu backend (the slowest engine)' },
  'no-native': { type: 'boolean', help: 'leave out the native build of bench/kernels_bench.c' },
  'no-relaxed': { type: 'boolean', help: 'leave out the relaxed-SIMD build against the default one (bench/relaxed.js)' },
  readme: { type: 'boolean', help: 'rewrite README.md\'s speed tables and machine line from this run' },
  'readme-from': { type: 'string', arg: 'FILE', help: 'rewrite them from a saved run (build/bench/results.json), timing nothing' },
  help: { type: 'boolean', short: 'h', help: 'print this and exit' },
};
const usage = () => ['usage: node bench/run.js [options]   (npm run bench -- [options])', ...Object.entries(OPTIONS).map(([name, o]) =>
  `  ${`${o.short ? `-${o.short}, ` : ''}--${name}${o.arg ? ` ${o.arg}` : ''}`.padEnd(22)} ${o.help}`)].join('\n');
/** A mistake on the command line: what is wrong and the usage, on stderr, and exit status 2 (no stack trace). */
const usageError = (message) => {
  console.error(`bench: ${message}\n${usage()}`);
  process.exit(2);
};
let args;
try {
  const config = ([name, { type, short, default: value = type === 'boolean' ? false : undefined }]) =>
    [name, { type, ...(short && { short }), ...(value !== undefined && { default: value }) }];
  ({ values: args } = parseArgs({ options: Object.fromEntries(Object.entries(OPTIONS).map(config)) }));
} catch (err) {
  if (!err.code?.startsWith('ERR_PARSE_ARGS')) throw err;
  usageError(err.message);
}
if (args.help) {
  console.log(usage());
  process.exit(0);
}
const ROUNDS = Math.max(1, Number(args.rounds ?? (args.quick ? 3 : 5)));
if (!Number.isInteger(ROUNDS)) usageError(`--rounds takes a whole number, got ${args.rounds}`);
const ENGINES = new Set(args.engines.split(',').filter((e) => !(args['no-cpu'] && e === 'tfjs-cpu')));
for (const e of ENGINES) if (!ALL_ENGINES.includes(e)) usageError(`unknown engine ${e}; known: ${ALL_ENGINES.join(', ')}`);
for (const m of args.models.split(',')) if (!ALL_MODELS.includes(m)) usageError(`unknown model ${m}; known: ${ALL_MODELS.join(', ')}`);

globalThis.fetch = () => {
  throw new Error('bench: no network access allowed');
};

const { writeReadme } = await import('./readme.js');
if (args['readme-from']) {
  writeReadme(join(ROOT, 'README.md'), JSON.parse(readFileSync(args['readme-from'], 'utf8')));
  console.log(`README.md: speed table and machine line rewritten from ${args['readme-from']}`);
  process.exit(0);
}

for (const [what, path] of [['dist/simdnet.wasm (run `npm run build`)', 'dist/simdnet.wasm'],
  ['TensorFlow.js (run `npm install`)', 'node_modules/@tensorflow/tfjs-backend-wasm'],
  ['jax-js (run `npm install`)', 'node_modules/@jax-js/jax'], ['ConvNetJS (run `npm install`)', 'node_modules/convnetjs']]) {
  if (!existsSync(join(ROOT, path))) {
    console.error(`bench: missing ${what}`);
    process.exit(1);
  }
}

const sn = await import('../web/index.js');
const { MODELS, SIMDNET_NO_CONV, architecture, loadData, modelData, simdnetEngine, simdnetHasConv } = await import('./common.js');
const { trainingFlops, paramCount, describe } = await import('./flops.js');
const { tfjsEngine } = await import('./tfjs.js');
const { jaxReady, jaxEngine } = await import('./jaxjs.js');
const { convnetjsEngine } = await import('./convnetjs.js');
const { TASKS, transferFigures } = await import('./transfer.js');
const { TASKS: SEQUENCE_TASKS, sequenceFigures } = await import('./sequence.js');
const { gptFigures } = await import('./gpt.js');
const tf = await import('@tensorflow/tfjs');
const tfwasm = await import('@tensorflow/tfjs-backend-wasm');

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

// ---- what runs ------------------------------------------------------------------

// Rows per timed fit and epochs, per model and engine: [full, --quick]. Sized so
// one timed fit takes about 1–5 s at the speeds seen on a 2-core machine
// (TF.js cpu: 13 samples/s on M4, 1.3 on M5, 5 on R1; ConvNetJS ~200 and ~30;
// jax-js ~120, ~17 and ~40; simdnet ~3,000 on R1) and stays a whole number of
// batches. 'rounds' caps an engine's timed rounds (TF.js cpu on M5 needs about
// 100 s for one batch of 128). A string: why that engine cannot build the model.
const PLAN = {
  M1: { simdnet: [[12000, 5], [1200, 5]], 'tfjs-wasm': [[12000, 1], [1200, 1]], 'tfjs-cpu': [[3000, 1], [600, 1]], 'jax-js': [[12000, 1], [1200, 1]] },
  M2: { simdnet: [[6000, 5], [1200, 5]], 'tfjs-wasm': [[6000, 1], [1200, 1]], 'tfjs-cpu': [[1500, 1], [600, 1]], 'jax-js': [[6000, 1], [1200, 1]] },
  M3: { simdnet: [[2000, 5], [1200, 5]], 'tfjs-wasm': [[2000, 1], [1200, 1]], 'tfjs-cpu': [[400, 1], [200, 1]], 'jax-js': [[2000, 1], [1200, 1]] },
  M4: { simdnet: [[4096, 2], [1024, 1]], 'tfjs-wasm': [[64, 1], [64, 1]], 'tfjs-cpu': [[64, 1], [64, 1]], 'jax-js': [[256, 1], [128, 1]], convnetjs: [[512, 1], [192, 1]] },
  M5: { simdnet: [[2048, 2], [512, 1]], 'tfjs-wasm': [[128, 1], [128, 1]], 'tfjs-cpu': [[128, 1, { rounds: 2, noWarmup: true }], null], 'jax-js': [[128, 1], [128, 1]], convnetjs: [[128, 1], [128, 1]] },
  R1: { simdnet: [[2048, 2], [512, 1]], 'tfjs-wasm': [[64, 1], [64, 1]], 'tfjs-cpu': [[32, 1, { rounds: 2 }], [32, 1, { rounds: 1 }]], 'jax-js': [[128, 1], [64, 1]],
    convnetjs: 'no batch normalization or residual connections' },
};
const TFJS_WASM_WAYS = ['fit', 'trainOnBatch', 'minimize']; // the issues' TF.js baseline is the best of these
const TRANSFER_ROUNDS = Math.min(ROUNDS, 3); // each a child process loading MobileNetV2: a few seconds

/** The engines of one model: { name, engine, rows, epochs, rounds, warmup } or { name, unavailable }. */
async function makeEngines(spec, all) {
  const out = [];
  const plan = PLAN[spec.name];
  const add = async (name, key, make) => {
    if (!ENGINES.has(key) || !plan[key]) return;
    if (typeof plan[key] === 'string') return out.push({ name, unavailable: plan[key] }); // cannot build this model
    const choice = plan[key][args.quick ? 1 : 0];
    if (!choice) return out.push({ name, unavailable: 'skipped with --quick (about one sample/s)' });
    const [rows, epochs, extra = {}] = choice;
    try {
      out.push({ name, rows, epochs, rounds: Math.min(ROUNDS, extra.rounds ?? ROUNDS), warmup: !extra.noWarmup, engine: await make(modelData(all, rows)) });
    } catch (err) {
      out.push({ name, unavailable: err.message === SIMDNET_NO_CONV ? SIMDNET_NO_CONV : `error: ${err.message.split('\n')[0]}` });
    }
  };
  await add('simdnet', 'simdnet', async (data) => simdnetEngine(spec, data));
  if (spec.isConv) await add('tfjs-wasm fit', 'tfjs-wasm', async (data) => {
    const e = await tfjsEngine(spec, data, 'wasm', 'fit');
    try {
      await e.fit(1); // TF.js 4.22's wasm backend has no conv gradients: report what it says
    } finally {
      e.dispose();
    }
    throw new Error('TF.js wasm trained a conv net: time it like the others');
  });
  else for (const how of TFJS_WASM_WAYS) await add(`tfjs-wasm ${how}`, 'tfjs-wasm', (data) => tfjsEngine(spec, data, 'wasm', how));
  await add('tfjs-cpu fit', 'tfjs-cpu', (data) => tfjsEngine(spec, data, 'cpu', 'fit'));
  await add('jax-js', 'jax-js', async (data) => jaxEngine(spec, data));
  if (spec.isConv) await add('convnetjs', 'convnetjs', async (data) => convnetjsEngine(spec, data));
  return out;
}

const median = (v) => {
  const s = [...v].sort((a, b) => a - b), h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
};

async function benchModel(spec, all) {
  const engines = await makeEngines(spec, all);
  const live = engines.filter((e) => e.engine);
  for (const e of live) {
    e.rates = [];
    e.firstLoss = e.warmup ? await e.engine.fit(1) : undefined;
  }
  for (let round = 0; round < ROUNDS; round++)
    for (const e of live) {
      if (round >= e.rounds) continue;
      gc();
      const t0 = performance.now();
      const loss = await e.engine.fit(e.epochs);
      e.rates.push((e.epochs * e.rows) / ((performance.now() - t0) / 1000));
      e.firstLoss ??= loss;
      e.lastLoss = loss;
    }
  const expected = paramCount(spec);
  const result = { engines: {} };
  for (const e of engines) {
    if (!e.engine) {
      result.engines[e.name] = { unavailable: e.unavailable };
      continue;
    }
    const r = { samplesPerSecond: median(e.rates), min: Math.min(...e.rates), max: Math.max(...e.rates), runs: e.rates.length, rates: e.rates,
      rows: e.rows, epochs: e.epochs, params: e.engine.params, paramsMatch: e.engine.params === expected,
      firstLoss: e.firstLoss, lastLoss: e.lastLoss, lossFalls: e.rates.length + (e.warmup ? 1 : 0) > 1 ? e.lastLoss < e.firstLoss : null };
    result.engines[e.name] = r;
    e.engine.dispose();
  }
  const ways = TFJS_WASM_WAYS.map((how) => [how, result.engines[`tfjs-wasm ${how}`]?.samplesPerSecond]).filter(([, v]) => v);
  if (ways.length) {
    const [how, best] = ways.reduce((a, b) => (b[1] > a[1] ? b : a));
    result['tfjs-wasm'] = { samplesPerSecond: best, how };
  } else if (result.engines['tfjs-wasm fit']) result['tfjs-wasm'] = { unavailable: result.engines['tfjs-wasm fit'].unavailable };
  for (const [key, name] of [['simdnet', 'simdnet'], ['tfjs-cpu', 'tfjs-cpu fit'], ['jax-js', 'jax-js'], ['convnetjs', 'convnetjs']])
    if (result.engines[name]) result[key] = result.engines[name];
  return result;
}

// ---- threads and memory: child processes ----------------------------------------

/** simdnet with 1 thread and with every core, alternating child processes; medians, weights' bits, peak memory. */
function threadFigures(specs) {
  const cores = os.cpus().length;
  if (!existsSync(join(ROOT, 'dist/simdnet-mt.wasm')) || cores < 2) return { skipped: 'needs `bash build.sh --threads` and more than one core' };
  const measure = (threads, spec, rows, epochs) => JSON.parse(execFileSync(process.execPath,
    [join(ROOT, 'bench/threaded.js'), String(threads), spec.name, String(rows), String(epochs)], { encoding: 'utf8' }));
  const out = {};
  for (const spec of specs) {
    const [rows, epochs] = PLAN[spec.name].simdnet[args.quick ? 1 : 0];
    const rates = { 1: [], [cores]: [] }, memory = { 1: 0, [cores]: 0 }, hashes = { 1: new Set(), [cores]: new Set() };
    let unavailable;
    for (let round = 0; round < ROUNDS && !unavailable; round++)
      for (const t of [1, cores]) {
        const r = measure(t, spec, rows, epochs);
        if (r.unavailable) {
          unavailable = r.unavailable;
          break;
        }
        if (r.threads !== t) throw new Error(`bench: asked for ${t} threads, got ${r.threads}`);
        rates[t].push(r.samplesPerSecond);
        memory[t] = Math.max(memory[t], r.memoryBytes);
        hashes[t].add(r.weightsHash);
      }
    out[spec.name] = unavailable ? { unavailable } : {
      rows, cores, one: median(rates[1]), all: median(rates[cores]), memory,
      sameBits: hashes[1].size === 1 && hashes[cores].size === 1 && [...hashes[1]][0] === [...hashes[cores]][0],
      hashes: { 1: [...hashes[1]], [cores]: [...hashes[cores]] },
    };
  }
  return out;
}

// ---- C kernels, native and wasm -------------------------------------------------

/**
 * bench/kernels_bench.c compiled to wasm SIMD and natively, run, its JSON read.
 * With conv layers in c/ (c/layer_conv2d.c) it is built with -DSN_BENCH_CONV,
 * which adds the M4 and M5 training steps; when that does not compile against
 * this c/, it is built without them and the reason is kept.
 */
function kernelFigures() {
  const out = join(ROOT, 'build/bench');
  mkdirSync(out, { recursive: true });
  const sources = ['bench/kernels_bench.c', ...execFileSync('sh', ['-c', 'ls c/*.c'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter((f) => f && !f.includes('wasm_'))];
  const common = ['-std=c11', '-O3', '-DNDEBUG', '-Ic', ...sources, '-lm'];
  const conv = existsSync(join(ROOT, 'c/layer_conv2d.c'));
  const results = {};
  const run = (label, build, cmd) => {
    const env = { ...process.env, NODE_PATH: '/usr/share/nodejs' };
    const compile = (flags) => execFileSync(build[0], [...flags, ...build.slice(1)], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], env });
    try {
      let convError;
      if (conv)
        try {
          compile(['-DSN_BENCH_CONV']);
        } catch (err) {
          convError = String(err.stderr).split('\n').find((l) => l.includes('error')) ?? err.message.split('\n')[0];
          compile([]);
        }
      else compile([]);
      results[label] = JSON.parse(execFileSync(cmd[0], cmd.slice(1), { cwd: ROOT, encoding: 'utf8' }));
      if (!conv) results[label].convSteps = SIMDNET_NO_CONV;
      else if (convError) results[label].convSteps = `not built: ${convError}`;
    } catch (err) {
      results[label] = { unavailable: (err.stderr ? String(err.stderr).split('\n').find((l) => l.includes('error')) : null) ?? err.message.split('\n')[0] };
    }
  };
  run('wasm', ['emcc', ...common, '-msimd128', '-sALLOW_MEMORY_GROWTH=1', '-o', join(out, 'kernels_bench.cjs')],
    [process.execPath, '--no-experimental-fetch', join(out, 'kernels_bench.cjs')]);
  if (!args['no-native']) run('native', ['gcc', ...common, '-march=native', '-o', join(out, 'kernels_bench')], [join(out, 'kernels_bench')]);
  return results;
}

// ---- the relaxed-SIMD build: bench/relaxed.js in a child process -------------------

/** bench/relaxed.js for the dense models run here, its lines printed indented; its JSON, or why it did not run. */
function relaxedFigures(specs) {
  const models = specs.filter((s) => !s.isConv).map((s) => s.name);
  if (args['no-relaxed']) return { skipped: '--no-relaxed' };
  if (!existsSync(join(ROOT, 'dist/simdnet-relaxed.wasm'))) return { skipped: 'needs `bash build.sh --all` (dist/simdnet-relaxed.wasm)' };
  if (!existsSync('/usr/bin/clang-19')) return { skipped: 'needs clang-19 (`bash build.sh --all` installs it)' };
  const file = join(ROOT, 'build/bench/relaxed.json');
  const out = execFileSync(process.execPath, [join(ROOT, 'bench/relaxed.js'), '--rounds', String(ROUNDS), '--json', file, ...(models.length ? ['--models', models.join(',')] : [])],
    { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  // Its header repeats the machine and the rounds; the engines' blocks are what is new here.
  console.log(out.split('\n').slice(2).filter((l) => !l.startsWith('load average')).map((l) => (l ? `  ${l}` : l)).join('\n').trimEnd());
  return JSON.parse(readFileSync(file, 'utf8'));
}

// ---- targets -----------------------------------------------------------------------

const NA = `n/a (${SIMDNET_NO_CONV})`;

/**
 * `v` with `digits` decimals, or more when rounding would put it on the other
 * side of `threshold` (a 1.204× printed as 1.20× next to "≤ 1.2×, not met").
 */
function shown(v, threshold, digits, atMost = false) {
  const side = (x) => (atMost ? x <= threshold : x >= threshold);
  while (digits < 4 && side(Number(v.toFixed(digits))) !== side(v)) digits++;
  return v.toFixed(digits);
}

/** Every speed target of issues 11 and 12: { what, value, target, met, note }. */
function targets(models, threads, kernels, relaxed) {
  const list = [];
  const rate = (m, key) => models[m]?.[key]?.samplesPerSecond;
  const why = (m, key) => models[m]?.[key]?.unavailable ?? (models[m] ? 'not run' : 'model not run');
  const ratio = (m, other, min, label) => {
    const what = `simdnet ÷ ${label} on ${m}`;
    if (!models[m]) return list.push({ what, target: `≥ ${min}×`, value: 'model not run', met: null });
    const a = rate(m, 'simdnet'), b = rate(m, other);
    if (!a) return list.push({ what, target: `≥ ${min}×`, value: why(m, 'simdnet') === SIMDNET_NO_CONV ? NA : `simdnet ${why(m, 'simdnet')}`, met: null });
    if (!b) return list.push({ what, target: `≥ ${min}×`, value: `${label}: ${why(m, other)}`, met: null });
    list.push({ what, target: `≥ ${min}×`, value: `${shown(a / b, min, a / b < 10 ? 2 : 1)}×`, met: a / b >= min, note: `${sps(a)} / ${sps(b)} samples/s` });
  };
  for (const m of ['M1', 'M2', 'M3']) ratio(m, 'tfjs-wasm', 12, 'TF.js wasm (best way)');
  for (const [m, min] of [['M1', 4], ['M2', 4], ['M3', 2], ['M4', 3], ['M5', 3]]) ratio(m, 'jax-js', min, 'jax-js');
  for (const m of ['M4', 'M5']) ratio(m, 'convnetjs', 40, 'ConvNetJS');

  // The M5 step's GFLOP/s against the M3 step's, both simdnet in this process.
  const gflops = (m) => rate(m, 'simdnet') && (rate(m, 'simdnet') * trainingFlops(MODELS.find((s) => s.name === m)).flops) / 1e9;
  const g3 = gflops('M3'), g5 = gflops('M5');
  list.push({ what: 'M5 training step GFLOP/s ÷ M3 step GFLOP/s (simdnet, this run)', target: '≥ 60%',
    value: g3 && g5 ? `${shown((100 * g5) / g3, 60, 0)}%` : !models.M5 || !models.M3 ? 'model not run' : rate('M5', 'simdnet') ? 'M3 not run' : NA,
    met: g3 && g5 ? g5 / g3 >= 0.6 : null, note: g3 && g5 ? `${g5.toFixed(1)} / ${g3.toFixed(1)} GFLOP/s` : g3 ? `M3 ${g3.toFixed(1)} GFLOP/s` : undefined });

  // The same ratio from the C core alone (kernels_bench in wasm), available before the JS layers are.
  const c3 = kernels.wasm?.steps?.m3?.gflops, c5 = kernels.wasm?.steps?.m5?.gflops;
  list.push({ what: 'M5 ÷ M3 step GFLOP/s, the C core in wasm (bench/kernels_bench.c)', target: '≥ 60%',
    value: c3 && c5 ? `${shown((100 * c5) / c3, 60, 0)}%` : kernels.wasm?.convSteps === SIMDNET_NO_CONV ? NA : kernels.wasm?.convSteps ?? kernels.wasm?.unavailable ?? 'not run',
    met: c3 && c5 ? c5 / c3 >= 0.6 : null, note: c3 && c5 ? `${c5.toFixed(1)} / ${c3.toFixed(1)} GFLOP/s` : undefined });

  const w = kernels.wasm?.steps?.m3, n = kernels.native?.steps?.m3;
  list.push({ what: 'native ÷ wasm on the M3 step (bench/kernels_bench.c)', target: '≤ 1.2×',
    value: w && n ? `${shown(n.samples_per_s / w.samples_per_s, 1.2, 2, true)}×` : `unavailable (${args['no-native'] ? '--no-native' : kernels.native?.unavailable ?? kernels.wasm?.unavailable})`,
    met: w && n ? n.samples_per_s / w.samples_per_s <= 1.2 : null, note: w && n ? `${fmt(n.samples_per_s)} / ${fmt(w.samples_per_s)} samples/s` : undefined });

  for (const [m, min] of [['M1', 1.3], ['M2', 1.3], ['M3', 1.7], ['M5', 1.7]]) {
    const t = threads[m], what = `threads: ${t?.cores ?? 2} ÷ 1 on ${m} (dist/simdnet-mt.wasm), same weights bits`;
    if (!t) list.push({ what, target: `≥ ${min}×`, value: threads.skipped ?? 'model not run', met: null });
    else if (t.unavailable) list.push({ what, target: `≥ ${min}×`, value: t.unavailable === SIMDNET_NO_CONV ? NA : t.unavailable, met: null });
    else list.push({ what, target: `≥ ${min}×, bit-identical`, value: `${shown(t.all / t.one, min, 2)}×, bits ${t.sameBits ? 'identical' : 'DIFFER'}`,
      met: t.all / t.one >= min && t.sameBits, note: `${fmt(t.one)} → ${fmt(t.all)} samples/s` });
  }
  // The opt-in relaxed build: its speed-up over the default build, per engine, and
  // the dense targets again with it (this run's default figure × Node's speed-up).
  const nodeRelaxed = relaxed.engines?.[0];
  for (const m of ['M1', 'M2', 'M3']) {
    const per = (relaxed.engines ?? []).filter((e) => e.steps[m]).map((e) => `${e.steps[m].ratio.toFixed(2)}× ${e.name.split(' ')[0]}`);
    list.push({ what: `relaxed-SIMD build ÷ default build on ${m} (opt-in, 1 thread)`, target: 'reported', met: null,
      value: per.length ? per.join(', ') : relaxed.skipped ?? 'model not run', note: per.length ? 'bench/relaxed.js, alternating child processes / pages' : undefined });
  }
  for (const [m, other, label, min] of [['M1', 'tfjs-wasm', 'TF.js wasm (best way)', 12], ['M2', 'tfjs-wasm', 'TF.js wasm (best way)', 12], ['M3', 'tfjs-wasm', 'TF.js wasm (best way)', 12],
    ['M1', 'jax-js', 'jax-js', 4], ['M2', 'jax-js', 'jax-js', 4], ['M3', 'jax-js', 'jax-js', 2]]) {
    const a = models[m]?.simdnet?.samplesPerSecond, b = models[m]?.[other]?.samplesPerSecond, r = nodeRelaxed?.steps[m]?.ratio;
    const what = `relaxed-SIMD build ÷ ${label} on ${m} (this run's default × Node's speed-up)`;
    if (!a || !b || !r) list.push({ what, target: `≥ ${min}×`, value: relaxed.skipped ?? 'not run', met: null });
    else list.push({ what, target: `≥ ${min}×`, value: `${shown((a * r) / b, min, 2)}×`, met: (a * r) / b >= min, note: `${sps(a)} × ${r.toFixed(3)} / ${sps(b)} samples/s` });
  }
  for (const m of ['M3', 'M4', 'M5']) {
    const t = threads[m];
    list.push({ what: `peak wasm memory, ${m} alone in a fresh process (1 / ${t?.cores ?? 2} threads)`, target: 'reported',
      value: t && !t.unavailable ? `${mib(t.memory[1])} / ${mib(t.memory[t.cores])} MiB` : t?.unavailable === SIMDNET_NO_CONV ? NA : t?.unavailable ?? threads.skipped ?? 'model not run',
      met: null, note: t && !t.unavailable ? `with its ${fmt(t.rows)} rows of data inside` : undefined });
  }
  return list;
}

/** Issue 23's targets, on T1–T3: { what, value, target, met, note }. */
function transferTargets(transfer) {
  if (transfer.skipped) return [{ what: 'MobileNetV2 transfer learning (T1–T3)', target: 'see issue 23', value: transfer.skipped, met: null }];
  const list = [];
  const ips = (t, engine) => transfer[t]?.[engine]?.imagesPerSecond;
  const why = (t, engine) => (transfer[t] ? transfer[t][engine]?.unavailable ?? 'not run' : 'task not run');
  const ratio = (what, a, b, min, note) => list.push(a && b
    ? { what, target: `≥ ${min}×`, value: `${shown(a / b, min, 2)}×`, met: a / b >= min, note: note ?? `${sps(a)} / ${sps(b)} images/s` }
    : { what, target: `≥ ${min}×`, value: !a ? `simdnet: ${why('T1', 'simdnet')}` : 'TF.js wasm: not run', met: null });
  ratio('T1 MobileNetV2 predict: simdnet ÷ TF.js wasm', ips('T1', 'simdnet'), ips('T1', 'tfjs-wasm'), 1.5);
  ratio('T3 fine-tuning the last 30 layers (simdnet) ÷ TF.js wasm merely predicting (T1)', ips('T3', 'simdnet'), ips('T1', 'tfjs-wasm'), 1);
  ratio('T2 the head only ÷ T3 the last 30 layers (simdnet: "faster still")', ips('T2', 'simdnet'), ips('T3', 'simdnet'), 1);
  for (const t of ['T2', 'T3']) {
    const a = ips(t, 'simdnet');
    for (const engine of ['tfjs-wasm', 'tfjs-cpu']) {
      const b = ips(t, engine);
      list.push({ what: `${t} ${TASKS[t]}: simdnet ÷ ${engine.replace('tfjs-', 'TF.js ')}`, target: 'reported', met: null,
        value: a && b ? `${(a / b).toFixed(a / b < 10 ? 2 : 0)}×` : `${engine}: ${why(t, engine)}`, note: a && b ? `${sps(a)} / ${sps(b, 3)} images/s` : undefined });
    }
  }
  for (const t of ['T1', 'T3']) {
    const one = ips(t, 'simdnet'), all = transfer[t]?.threads;
    list.push(all?.imagesPerSecond && one
      ? { what: `threads: ${all.threads} ÷ 1 on ${t} (dist/simdnet-mt.wasm)`, target: '≥ 1.6×', value: `${shown(all.imagesPerSecond / one, 1.6, 2)}×`, met: all.imagesPerSecond / one >= 1.6,
        note: `${sps(one)} → ${sps(all.imagesPerSecond)} images/s` }
      : { what: `threads on ${t}`, target: '≥ 1.6×', value: all?.unavailable ?? 'not run (one core)', met: null });
  }
  for (const t of ['T1', 'T3']) {
    const m = transfer[t]?.memory;
    list.push({ what: `peak wasm memory, ${t} ${TASKS[t]}, batch 8 / 32 (simdnet, 1 thread)`, target: 'reported', met: null,
      value: m ? `${mib(m[8])} / ${mib(m[32])} MiB` : 'not run' });
  }
  return list;
}

/** Issue 24's targets, on S1–S2: { what, value, target, met, note }. */
function sequenceTargets(sequence, kernels) {
  if (sequence.skipped) return [{ what: 'sequence models (S1–S2)', target: 'see issue 24', value: sequence.skipped, met: null }];
  const list = [];
  const rate = (t, engine) => sequence[t]?.[engine]?.samplesPerSecond;
  const why = (t, engine) => (sequence[t] ? sequence[t][engine]?.unavailable ?? 'not run' : 'task not run');
  for (const [t, engine, min] of [['S1', 'tfjs-wasm', 15], ['S1', 'tfjs-cpu'], ['S2', 'tfjs-wasm'], ['S2', 'tfjs-cpu'], ['S1', 'jax-js'], ['S2', 'jax-js']]) {
    if (engine === 'jax-js' && !sequence[t]?.[engine]) continue; // jax-js not asked for
    const a = rate(t, 'simdnet'), b = rate(t, engine), target = min ? `≥ ${min}×` : 'reported';
    list.push(a && b
      ? { what: `${t} ${SEQUENCE_TASKS[t]}: simdnet ÷ ${engine.replace('tfjs-', 'TF.js ')}`, target, value: `${min ? shown(a / b, min, 1) : (a / b).toFixed(a / b < 10 ? 1 : 0)}×`,
        met: min ? a / b >= min : null, note: `${sps(a)} / ${sps(b, 3)} samples/s` }
      : { what: `${t} ${SEQUENCE_TASKS[t]}: simdnet ÷ ${engine.replace('tfjs-', 'TF.js ')}`, target, met: null,
        value: !a ? `simdnet: ${why(t, 'simdnet')}` : `${engine}: ${why(t, engine)}` });
  }
  for (const t of ['S1', 'S2']) {
    const one = rate(t, 'simdnet'), all = sequence[t]?.threads;
    list.push(all?.samplesPerSecond && one
      ? { what: `threads: ${all.threads} ÷ 1 on ${t} (dist/simdnet-mt.wasm)`, target: '≥ 1.6×', value: `${shown(all.samplesPerSecond / one, 1.6, 2)}×`,
        met: all.samplesPerSecond / one >= 1.6, note: `${sps(one)} → ${sps(all.samplesPerSecond)} samples/s` }
      : { what: `threads on ${t}`, target: '≥ 1.6×', value: all?.unavailable ?? 'not run (one core)', met: null });
    const peak = kernels.wasm?.peak, gflops = one && (one * sequence[t].flops) / 1e9;
    if (t === 'S1') {
      const rnn = kernels.wasm?.rnn;
      list.push({ what: 'S1 recurrent step products h·U and dZ·Uᵀ (128×128·128×512), C core in wasm (bench/kernels_bench.c)', target: 'reported', met: null,
        value: rnn && peak ? Object.values(rnn).map((g) => `${g.toFixed(1)} GFLOP/s = ${Math.round((100 * g) / peak)}%`).join(', ') + ` of ${peak.toFixed(1)}` : kernels.wasm?.unavailable ?? 'not run' });
    }
    list.push({ what: `${t} training step GFLOP/s (simdnet, 1 thread) against the wasm peak`, target: 'reported', met: null,
      value: gflops ? `${gflops.toFixed(1)} GFLOP/s${peak ? ` = ${Math.round((100 * gflops) / peak)}% of ${peak.toFixed(1)}` : ''}` : `simdnet: ${why(t, 'simdnet')}` });
  }
  return list;
}

/** Issue 25's targets, on G1: { what, value, target, met, note }. */
function gptTargets(gpt, kernels) {
  if (gpt.skipped) return [{ what: 'G1 small GPT', target: 'see issue 25', value: gpt.skipped, met: null }];
  const list = [], tps = (e) => e?.tokensPerSecond, cores = Math.max(...Object.keys(gpt.node).map(Number));
  const one = gpt.node[1], all = gpt.node[cores];
  list.push(tps(all)
    ? { what: `G1: the 2000 iterations on ${cores} threads (Node; from ${gpt.iterations} timed iterations)`, target: '≤ 5 min', value: `${shown(all.minutes2000, 5, 1)} min`,
      met: all.minutes2000 <= 5, note: `${sps(tps(all))} tokens/s; 1 thread ${tps(one) ? `${sps(tps(one))} tokens/s, ${one.minutes2000.toFixed(1)} min` : one?.unavailable}` }
    : { what: 'G1: the 2000 iterations', target: '≤ 5 min', value: all?.unavailable ?? 'not run', met: null });
  const jax = gpt['jax-js'];
  list.push(tps(one) && tps(jax)
    ? { what: 'G1 tokens/s: simdnet (1 thread) ÷ jax-js', target: '≥ 3×', value: `${shown(tps(one) / tps(jax), 3, 1)}×`, met: tps(one) / tps(jax) >= 3, note: `${sps(tps(one))} / ${sps(tps(jax))} tokens/s` }
    : { what: 'G1 tokens/s: simdnet ÷ jax-js', target: '≥ 3×', value: jax?.unavailable ?? one?.unavailable ?? 'not run', met: null });
  const peak = kernels.wasm?.peak, g = kernels.wasm?.gpt;
  list.push(g && peak
    ? { what: 'G1 attention and feed-forward GEMMs, C core in wasm (bench/kernels_bench.c)', target: '≥ 50% of the wasm peak',
      value: `${Math.round((100 * Math.min(...Object.values(g))) / peak)}–${Math.round((100 * Math.max(...Object.values(g))) / peak)}%`,
      met: Math.min(...Object.values(g)) >= 0.5 * peak, note: `${Object.entries(g).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')} GFLOP/s of ${peak.toFixed(1)}` }
    : { what: 'G1 GEMMs against the wasm peak', target: '≥ 50%', value: kernels.wasm?.unavailable ?? 'not run', met: null });
  list.push(one?.generateMs
    ? { what: 'G1: 500 characters by sn.text.generate (key/value cache, Node, 1 thread)', target: 'well under 1 s', value: `${Math.round(one.generateMs)} ms`, met: one.generateMs < 500 }
    : { what: 'G1 generation', target: 'well under 1 s', value: one?.unavailable ?? 'not run', met: null });
  for (const [t, e] of Object.entries(gpt.chromium ?? {}))
    list.push({ what: `G1 in Chromium, ${t} thread${t === '1' ? '' : 's'}`, target: 'reported', met: null, value: tps(e) ? `${sps(tps(e))} tokens/s, ${e.minutes2000.toFixed(1)} min for 2000` : e.unavailable });
  return list;
}

function printGpt(f) {
  const line = (name, e) => (e.unavailable ? `${name.padEnd(22)} ${e.unavailable}` : `${name.padEnd(22)} ${sps(e.tokensPerSecond).padStart(7)} tokens/s, 2000 iterations in ${e.minutes2000.toFixed(1)} min, loss ${e.loss.toFixed(3)}, held-out ${e.valLoss.toFixed(3)}` +
    `${e.generateMs ? `, 500 characters generated in ${Math.round(e.generateMs)} ms` : ''}`);
  for (const [t, e] of Object.entries(f.node)) console.log(`   ${line(`simdnet ${t} thread${t === '1' ? '' : 's'}`, e)}`);
  for (const [t, e] of Object.entries(f.chromium ?? {})) console.log(`   ${line(`Chromium ${t} thread${t === '1' ? '' : 's'}`, e)}`);
  console.log(`   ${line('jax-js', f['jax-js'])}`);
}

function printSequence(task, f) {
  const line = (name, e) => (e.unavailable ? `${name.padEnd(22)} ${e.unavailable}` : `${name.padEnd(22)} ${sps(e.samplesPerSecond, 3).padStart(7)} samples/s${e.memoryBytes ? `, ${mib(e.memoryBytes)} MiB wasm memory` : ''}`);
  console.log(`${task} ${SEQUENCE_TASKS[task]} (${fmt(f.flops)} FLOPs per training sample):`);
  for (const [name, e] of [['simdnet', f.simdnet], [`simdnet ${f.threads?.threads ?? ''} threads`, f.threads], ['tfjs-wasm', f['tfjs-wasm']], ['tfjs-cpu', f['tfjs-cpu']],
    ['jax-js', f['jax-js']]])
    if (e) console.log(`   ${line(name, e)}`);
}

function printTransfer(task, f) {
  const line = (name, e) => (e.unavailable ? `${name.padEnd(22)} ${e.unavailable}` : `${name.padEnd(22)} ${sps(e.imagesPerSecond, 3).padStart(7)} images/s${e.memoryBytes ? `, ${mib(e.memoryBytes)} MiB wasm memory` : ''}`);
  console.log(`${task} ${TASKS[task]}:`);
  for (const [name, e] of [['simdnet', f.simdnet], [`simdnet ${f.threads?.threads ?? ''} threads`, f.threads], ['tfjs-wasm', f['tfjs-wasm']], ['tfjs-cpu', f['tfjs-cpu']]])
    if (e) console.log(`   ${line(name, e)}`);
  console.log(`   peak wasm memory (simdnet), batch 8 / 32: ${mib(f.memory[8])} / ${mib(f.memory[32])} MiB`);
}

// ---- report ----------------------------------------------------------------------

const mib = (bytes) => (bytes / 2 ** 20).toFixed(1);
const fmt = (v, digits = 0) => v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const sps = (v, digits = 1) => fmt(v, v < 1 ? digits : v < 100 ? 1 : 0); // samples/s: slow engines keep a decimal (or more, below one)

function printModel(spec, r) {
  const f = trainingFlops(spec);
  console.log(`${spec.name}${spec.title ? ` (${spec.title})` : ''}: ${architecture(spec)}, ${spec.opt === 'adam' ? 'Adam' : 'SGD'} ${spec.lr}, batch ${spec.batch};` +
    ` ${fmt(paramCount(spec))} params, ${fmt(f.macs)} multiply-adds per sample forward`);
  for (const [name, e] of Object.entries(r.engines)) {
    if (e.unavailable) {
      console.log(`   ${name.padEnd(22)} ${name === 'simdnet' && e.unavailable === SIMDNET_NO_CONV ? `simdnet: ${SIMDNET_NO_CONV}` : e.unavailable}`);
      continue;
    }
    const check = `params ${fmt(e.params)} ${e.paramsMatch ? '✓' : '✗ MISMATCH'}, loss ${e.firstLoss?.toFixed(3)} → ${e.lastLoss?.toFixed(3)} ${e.lossFalls === null ? '(one fit: not checked)' : e.lossFalls ? '✓' : '✗ DOES NOT FALL'}`;
    const gf = name === 'simdnet' ? ` = ${((e.samplesPerSecond * f.flops) / 1e9).toFixed(1)} GFLOP/s` : '';
    console.log(`   ${name.padEnd(22)} ${sps(e.samplesPerSecond).padStart(7)} samples/s${gf} (${e.runs} × ${fmt(e.rows)} rows × ${e.epochs} ep, ${sps(e.min)}–${sps(e.max)}); ${check}`);
  }
}

async function main() {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false); // one thread, as the issues measure
  tfwasm.setWasmPaths(join(ROOT, 'node_modules/@tensorflow/tfjs-backend-wasm/dist') + '/');
  await sn.ready();
  await tf.setBackend('wasm');
  const jax = await jaxReady();
  const convnetjsVersion = JSON.parse(readFileSync(join(ROOT, 'node_modules/convnetjs/package.json'), 'utf8')).version;
  const all = await loadData();
  const started = performance.now();
  const machine = {
    cpu: os.cpus()[0].model, cores: os.cpus().length, node: process.version, tfjs: tf.version.tfjs, jax: jax.version, convnetjs: convnetjsVersion,
    tfjsSimd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'), loadavg: os.loadavg(), date: new Date().toISOString().slice(0, 10), data: all.source,
    simdnetConv: simdnetHasConv(), quick: args.quick, rounds: ROUNDS,
  };
  console.log(`simdnet bench — ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}; TF.js ${machine.tfjs} (wasm SIMD: ${machine.tfjsSimd}, threads: off),` +
    ` jax-js ${jax.version} (wasm, threads: ${jax.threads ? 'on' : 'off: Node has no global Worker'}), ConvNetJS ${convnetjsVersion}`);
  console.log(`data: ${all.source}; load average ${machine.loadavg.map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`simdnet: ${machine.simdnetConv ? 'conv layers present' : SIMDNET_NO_CONV}. ${ROUNDS} alternating rounds after a warm-up epoch; medians (range).\n`);

  const models = {};
  const specs = MODELS.filter((m) => args.models.split(',').includes(m.name));
  for (const spec of specs) {
    models[spec.name] = await benchModel(spec, all);
    printModel(spec, models[spec.name]);
  }

  console.log(`\nThreaded build (dist/simdnet-mt.wasm) and peak memory, ${ROUNDS} alternating child processes per thread count, medians:`);
  const threads = ENGINES.has('simdnet') ? threadFigures(specs) : { skipped: 'simdnet not run' };
  if (threads.skipped) console.log(`  skipped: ${threads.skipped}`);
  for (const [m, t] of Object.entries(threads)) {
    if (m === 'skipped') continue;
    if (t.unavailable) console.log(`  ${m}: ${t.unavailable}`);
    else console.log(`  ${m}: 1 thread ${fmt(t.one)} samples/s, ${t.cores} threads ${fmt(t.all)}: ${(t.all / t.one).toFixed(2)}×; final weights ${t.sameBits ? 'bit-identical' : `DIFFER (${JSON.stringify(t.hashes)})`};` +
      ` peak wasm memory ${mib(t.memory[1])} / ${mib(t.memory[t.cores])} MiB (${fmt(t.rows)} rows inside)`);
  }

  console.log('\nC kernels (bench/kernels_bench.c), GFLOP/s, best of 7 runs:');
  const kernels = ENGINES.has('simdnet') ? kernelFigures() : {};
  for (const [label, res] of Object.entries(kernels)) {
    if (res.unavailable) {
      console.log(`  ${label}: unavailable (${res.unavailable})`);
      continue;
    }
    const gem = Object.entries(res.gemm).map(([v, g]) => `${v} ${g.toFixed(1)} (${Math.round((100 * g) / res.peak)}%)`).join(', ');
    console.log(`  ${label.padEnd(6)} peak ${res.peak.toFixed(1)} | ${gem}`);
    for (const [name, step] of Object.entries(res.steps))
      console.log(`  ${''.padEnd(6)} ${name.toUpperCase()} training step: ${fmt(step.samples_per_s)} samples/s = ${step.gflops.toFixed(1)} GFLOP/s`);
    if (res.convSteps) console.log(`  ${''.padEnd(6)} M4, M5 training steps: ${res.convSteps}`);
  }
  console.log('  (peak = best of 8, 10 or 12 independent f32x4 multiply + add chains; % = share of that peak)');

  console.log('\nFLOPs per training sample (6 × forward multiply-adds − 2 × the first layer\'s, which needs no input gradient;' +
    ' biases, activations, pooling, loss and optimizer not counted):');
  for (const spec of MODELS) {
    const f = trainingFlops(spec);
    const per = describe(spec).filter((l) => l.macs).map((l) => fmt(l.macs)).join(' + ');
    console.log(`  ${spec.name}: 6 × (${per}) − 2 × ${fmt(f.firstMacs)} = ${fmt(f.flops)}${spec.isConv ? '' : ' (dense: 6 × weights − 2 × first-layer weights)'}`);
  }

  console.log(`\nThe relaxed-SIMD build (opt-in) against the default build, one thread (bench/relaxed.js, ${ROUNDS} alternating rounds, medians):`);
  const relaxed = ENGINES.has('simdnet') ? relaxedFigures(specs) : { skipped: 'simdnet not run' };
  if (relaxed.skipped) console.log(`  skipped: ${relaxed.skipped}`);

  const tasks = args.models.split(',').filter((m) => TASKS[m]);
  console.log(`\nTransfer learning on a pretrained MobileNetV2 (npm nsfwjs; 224×224×3, batch 8; bench/transfer.js): ${TRANSFER_ROUNDS} alternating child processes per engine, medians:`);
  const transfer = ENGINES.has('simdnet') && tasks.length
    ? transferFigures({ tasks, rounds: TRANSFER_ROUNDS, cpu: ENGINES.has('tfjs-cpu') && !args.quick && !args['no-cpu'], cores: os.cpus().length, log: printTransfer })
    : { skipped: tasks.length ? 'simdnet not run' : 'no T model asked for' };
  if (transfer.skipped) console.log(`  skipped: ${transfer.skipped}`);

  const sequenceTasks = args.models.split(',').filter((m) => SEQUENCE_TASKS[m]);
  console.log(`\nSequence models on the fortunes text (batch 128; bench/sequence.js): ${TRANSFER_ROUNDS} alternating child processes per engine, medians:`);
  const sequence = ENGINES.has('simdnet') && sequenceTasks.length
    ? sequenceFigures({ tasks: sequenceTasks, rounds: TRANSFER_ROUNDS, cpu: ENGINES.has('tfjs-cpu') && !args.quick && !args['no-cpu'], cores: os.cpus().length,
      jax: ENGINES.has('jax-js'), log: printSequence })
    : { skipped: sequenceTasks.length ? 'simdnet not run' : 'no S model asked for' };
  if (sequence.skipped) console.log(`  skipped: ${sequence.skipped}`);

  console.log(`\nG1, a small GPT: nanoGPT's CPU recipe on the fortunes text (4 layers, 4 heads, 128 wide, context 64, batch 12; bench/gpt.js), ${args.quick ? 1 : 3} alternating child processes in Node, medians:`);
  const gpt = ENGINES.has('simdnet') && args.models.split(',').includes('G1')
    ? gptFigures({ rounds: args.quick ? 1 : 3, cores: os.cpus().length, jax: ENGINES.has('jax-js'), log: printGpt })
    : { skipped: args.models.split(',').includes('G1') ? 'simdnet not run' : 'G1 not asked for' };
  if (gpt.skipped) console.log(`  skipped: ${gpt.skipped}`);

  const list = [...targets(models, threads, kernels, relaxed), ...transferTargets(transfer), ...sequenceTargets(sequence, kernels), ...gptTargets(gpt, kernels)];
  console.log('\nTargets (issues 11, 12, 23, 24 and 25; single-threaded wasm unless said):');
  const width = Math.max(...list.map((t) => t.what.length)), valueWidth = Math.max(...list.map((t) => String(t.value).length));
  for (const t of list)
    console.log(`  ${t.met === true ? 'MET    ' : t.met === false ? 'NOT MET' : '   —   '} ${t.what.padEnd(width)}  ${String(t.value).padEnd(valueWidth)}  target ${t.target}${t.note ? `; ${t.note}` : ''}`);

  machine.seconds = (performance.now() - started) / 1000;
  const results = { machine, models, threads, kernels, relaxed, transfer, sequence, gpt, targets: list };
  mkdirSync(dirname(RESULTS), { recursive: true });
  writeFileSync(RESULTS, JSON.stringify(results, null, 1));
  const { markdownTable } = await import('./readme.js');
  console.log(`\nMarkdown (also in ${RESULTS.slice(ROOT.length + 1)}; \`--readme\` writes it into README.md):\n`);
  console.log(markdownTable(results));
  if (args.readme) {
    writeReadme(join(ROOT, 'README.md'), results);
    console.log('\nREADME.md: speed table and machine line rewritten from this run.');
  }
  console.log(`\nbench: ${(machine.seconds / 60).toFixed(1)} minutes of measuring`);
}

await main();
