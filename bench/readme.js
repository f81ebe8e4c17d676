// The README's speed figures, generated from one run of bench/run.js (its
// results object, also saved as build/bench/results.json) and written between
// marker comments in README.md's Speed section, <!-- bench:NAME -->…<!-- /bench:NAME -->:
//   machine  what ran, where, when        table    the speed table
//   kernels  the C kernels, wasm/native   threads  the threaded build and peak memory
//   relaxed  the relaxed-SIMD build against the default one
//   transfer MobileNetV2 transfer learning (T1–T3, bench/transfer.js)
//   sequence the sequence models (S1–S2, bench/sequence.js)
// Nothing else of the README is touched.
import { readFileSync, writeFileSync } from 'node:fs';
import { MODELS, SIMDNET_NO_CONV, architecture } from './common.js';
import { trainingFlops } from './flops.js';

const fmt = (v) => v.toLocaleString('en-US', { minimumFractionDigits: v < 100 ? 1 : 0, maximumFractionDigits: v < 100 ? 1 : 0 });

function modelLabel(spec) {
  const opt = `${spec.opt === 'adam' ? 'Adam' : 'SGD'} ${spec.lr}`;
  if (spec.isConv) return `${spec.name} ${spec.title}: ${architecture(spec)}, ${opt}, batch ${spec.batch}`;
  const outAct = spec.layers.at(-1).activation;
  return `${spec.name} ${architecture(spec)}${outAct === 'softmax' ? '' : ` (${outAct})`}, ${opt}${spec.loss === 'meanSquaredError' ? ', MSE' : ''}, batch ${spec.batch}`;
}

/** The speed table in Markdown, with its footnotes. */
export function markdownTable(results) {
  const notes = [], MARKS = ['†', '‡', '§', '¶', '‖', '#'];
  const note = (text) => {
    if (!notes.includes(text)) notes.push(text);
    return MARKS[notes.indexOf(text)] ?? '*';
  };
  // A figure, or why there is none: n/a (simdnet without conv layers), an engine's error, a skip.
  const cell = (e, engine, suffix = '') => {
    if (e?.samplesPerSecond) return `${fmt(e.samplesPerSecond)}${suffix}`;
    if (!e?.unavailable) return '—';
    const word = e.unavailable === SIMDNET_NO_CONV ? 'n/a' : e.unavailable.startsWith('error') ? 'error' : '—';
    return word + note(`${engine}: ${e.unavailable.replace(/^error: /, '')}.`);
  };
  const ratio = (a, b) => (a?.samplesPerSecond && b?.samplesPerSecond ? (a.samplesPerSecond / b.samplesPerSecond).toFixed(1) : '—');
  const lines = [
    '| model (Fashion-MNIST) | simdnet samples/s | TF.js wasm (best way) | × | jax-js | × | ConvNetJS | × | TF.js cpu | × |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const spec of MODELS) {
    const r = results.models[spec.name];
    if (!r) continue;
    const s = r.simdnet, w = r['tfjs-wasm'];
    lines.push(`| ${modelLabel(spec)} | ${cell(s, 'simdnet')} | ${cell(w, 'TF.js wasm', w?.how ? ` (${w.how})` : '')} | ${ratio(s, w)} | ` +
      `${cell(r['jax-js'], 'jax-js')} | ${ratio(s, r['jax-js'])} | ${spec.isConv ? cell(r.convnetjs, 'ConvNetJS') : '—'} | ${ratio(s, r.convnetjs)} | ` +
      `${cell(r['tfjs-cpu'], 'TF.js cpu')} | ${ratio(s, r['tfjs-cpu'])} |`);
  }
  return [...lines, ...notes.flatMap((n, i) => ['', `${MARKS[i] ?? '*'} ${n}`])].join('\n');
}

/** The machine line: what ran, where, when. */
export function machineLine(results) {
  const m = results.machine;
  const text = `Measured with \`npm run bench${m.quick ? ' -- --quick' : ''}\` on ${m.date}: ${m.cpu}, ${m.cores} cores; Node ${m.node.replace(/^v/, '')}, ` +
    `TF.js ${m.tfjs}, jax-js ${m.jax}, ConvNetJS ${m.convnetjs}; ${m.rounds} alternating rounds, medians; load average ` +
    `${m.loadavg.map((l) => l.toFixed(2)).join(' ')} at the start; ${m.data}:`;
  return wrap(text, 100);
}

/** Greedy word wrap at `width` columns, as the README is written. */
function wrap(text, width) {
  const lines = [''];
  for (const word of text.split(' ')) {
    if (lines.at(-1) && lines.at(-1).length + 1 + word.length > width) lines.push(word);
    else lines[lines.length - 1] += (lines.at(-1) ? ' ' : '') + word;
  }
  return lines.join('\n');
}

const times = (v, digits = 2) => `${v.toFixed(digits)}×`;
const range = (values) => {
  const lo = times(Math.min(...values)), hi = times(Math.max(...values));
  return lo === hi ? lo : `${lo.slice(0, -1)}–${hi}`;
};

/** The C kernels' table (bench/kernels_bench.c, wasm and native) and what it says. */
export function kernelsBlock(results) {
  const k = results.kernels ?? {}, rows = [['wasm', 'wasm SIMD (emcc -O3 -msimd128, Node)'], ['native', 'native (gcc -O3 -march=native)']];
  const first = rows.map(([key]) => k[key]).find((r) => r?.gemm);
  if (!first) return `Not measured in this run (${k.wasm?.unavailable ?? 'simdnet not run'}).`;
  const gemms = Object.keys(first.gemm), steps = ['m3', 'm4', 'm5'];
  const lines = [
    `| C kernels (\`bench/kernels_bench.c\`), GFLOP/s, best of 7 | ${gemms.map((g) => g.replace('_', ' ').replace('x', '×')).join(' | ')} | peak | ${steps.map((m) => `${m.toUpperCase()} step`).join(' | ')} |`,
    `|---|${[...gemms, 'peak', ...steps].map(() => '---:').join('|')}|`,
  ];
  for (const [key, label] of rows) {
    const r = k[key];
    if (!r?.gemm) lines.push(`| ${label}: ${r?.unavailable ?? (key === 'native' ? 'not run (--no-native)' : 'not run')} | ${[...gemms, 'peak', ...steps].map(() => '—').join(' | ')} |`);
    else lines.push(`| ${label} | ${[...gemms.map((g) => r.gemm[g]), r.peak, ...steps.map((m) => r.steps?.[m]?.gflops)].map((v) => (v ? v.toFixed(1) : '—')).join(' | ')} |`);
  }
  const said = [];
  const w3 = k.wasm?.steps?.m3, n3 = k.native?.steps?.m3;
  if (w3 && n3) said.push(`The wasm M3 step runs ${times(n3.samples_per_s / w3.samples_per_s)} slower than the same C compiled natively`);
  const share = (a, b) => `${Math.round((100 * a) / b)}%`;
  const libraryGflops = (m) => {
    const rate = results.models?.[m]?.simdnet?.samplesPerSecond;
    return rate && (rate * trainingFlops(MODELS.find((s) => s.name === m)).flops) / 1e9;
  };
  const c3 = k.wasm?.steps?.m3?.gflops, c5 = k.wasm?.steps?.m5?.gflops, l3 = libraryGflops('M3'), l5 = libraryGflops('M5');
  if (c3 && c5) said.push(`the M5 step reaches ${share(c5, c3)} of the M3 step's GFLOP/s in the C harness${l3 && l5 ? ` and ${share(l5, l3)} in the library` : ''}`);
  const gemm = gemms.map((g) => k.wasm?.gemm?.[g]).filter(Boolean);
  if (gemm.length && k.wasm.peak) said.push(`the wasm GEMMs run at ${Math.round((100 * Math.min(...gemm)) / k.wasm.peak)}–${Math.round((100 * Math.max(...gemm)) / k.wasm.peak)}% of the peak${c3 ? ` and the M3 step at ${share(c3, k.wasm.peak)}` : ''}`);
  const text = said.length ? `\n\n${wrap(`${said.join('; ')}.`.replace(/^t/, 'T'), 100)}` : '';
  return `${lines.join('\n')}\n\n${wrap(
    'Shapes are batch 200 for M3\'s two layers: nn = X·W, tn = Xᵀ·dZ, nt = dZ·Wᵀ. "peak" is the best of 8, 10 or 12 independent ' +
      '`f32x4` multiply + add chains. A training step counts 6 × the forward pass\'s multiply-adds per sample, minus 2 × the first ' +
      'layer\'s (it needs no input gradient); biases, activations, pooling, the loss and the optimizer are not counted.', 100)}${text}`;
}

/** The threaded build's speed-up and every model's peak memory. */
export function threadsBlock(results) {
  const t = results.threads ?? {}, models = MODELS.map((s) => s.name).filter((m) => t[m] && !t[m].unavailable);
  if (!models.length) return `Not measured in this run (${t.skipped ?? Object.values(t)[0]?.unavailable ?? 'no model run'}).`;
  const cores = t[models[0]].cores, identical = models.every((m) => t[m].sameBits);
  const mib = (bytes) => (bytes / 2 ** 20).toFixed(1);
  return [
    `| threaded build, ${cores} cores | ${models.join(' | ')} |`,
    `|---|${models.map(() => '---:').join('|')}|`,
    `| ${cores} threads ÷ 1 (final weights ${identical ? 'bit-identical' : 'NOT bit-identical'}) | ${models.map((m) => `${times(t[m].all / t[m].one)}${t[m].sameBits ? '' : ' (bits differ)'}`).join(' | ')} |`,
    `| peak wasm memory, 1 / ${cores} threads (MiB, its data inside) | ${models.map((m) => `${mib(t[m].memory[1])} / ${mib(t[m].memory[cores])}`).join(' | ')} |`,
    '',
    wrap(`Peak memory is measured in a fresh process per model, with its rows of data copied in: ${models.map((m) => `${m} ${t[m].rows.toLocaleString('en-US')}`).join(', ')}.`, 100),
  ].join('\n');
}

/** The relaxed-SIMD build against the default build, per engine (bench/relaxed.js's medians). */
export function relaxedBlock(results) {
  const r = results.relaxed ?? {}, engines = r.engines ?? [];
  if (!engines.length) return `Not measured in this run (${r.skipped ?? 'not run'}).`;
  const models = MODELS.map((s) => s.name).filter((m) => engines.some((e) => e.steps[m]));
  const lines = [
    `| relaxed-SIMD build ÷ default build, 1 thread | multiply-add peak | GEMMs | M3 step (C) | ${models.map((m) => `${m} (library)`).join(' | ')} |`,
    `|---|---:|---:|---:|${models.map(() => '---:').join('|')}|`,
  ];
  for (const e of engines)
    lines.push(`| ${e.name.split(' ').slice(0, 2).join(' ')} | ${times(e.ratios.peak)} | ${range([e.ratios.gemmMin, e.ratios.gemmMax])} | ${times(e.ratios.m3Step)} | ` +
      `${models.map((m) => (e.steps[m] ? times(e.steps[m].ratio) : '—')).join(' | ')} |`);
  return `${lines.join('\n')}\n\n${wrap(
    `Measured by \`bench/relaxed.js\` in the same \`npm run bench\`: ${r.rounds} alternating rounds of the two builds (default, relaxed, …), ` +
      `medians, per second of ${engines.map((e) => `${e.clock} in ${e.name.split(' ')[0]}`).join(' and ')}. The C kernels are bench/kernels_bench.c ` +
      'built by clang-19 with and without `-mrelaxed-simd`; the library steps train the models above with `ready({ relaxedSimd: true })` ' +
      'against `ready()`.', 100)}`;
}

/** Transfer learning on the pretrained MobileNetV2 (bench/transfer.js): images/s per engine and task, threads, memory. */
export function transferBlock(results) {
  const t = results.transfer ?? {}, tasks = [['T1', 'predict'], ['T2', 'fit, the head only (everything else frozen)'], ['T3', 'fit, the last 30 layers (1.7 M weights)']].filter(([k]) => t[k]);
  if (!tasks.length) return `Not measured in this run (${t.skipped ?? 'not run'}).`;
  const ips = (e) => (e?.imagesPerSecond ? e.imagesPerSecond.toFixed(e.imagesPerSecond < 1 ? 3 : 1) : e?.unavailable ? `— (${e.unavailable.replace(/\.$/, '')})` : '—');
  const x = (a, b) => (a?.imagesPerSecond && b?.imagesPerSecond ? times(a.imagesPerSecond / b.imagesPerSecond, a.imagesPerSecond / b.imagesPerSecond < 10 ? 2 : 0) : '—');
  const mib = (bytes) => (bytes / 2 ** 20).toFixed(0);
  const cores = Object.values(t).find((f) => f?.threads?.threads)?.threads.threads ?? 2;
  const lines = [
    `| MobileNetV2, 224×224×3, batch 8, images/s | simdnet | simdnet, ${cores} threads | TF.js wasm | × | TF.js cpu | × | simdnet memory, batch 8 / 32 (MiB) |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const [k, label] of tasks) {
    const f = t[k];
    lines.push(`| ${k} ${label} | ${ips(f.simdnet)} | ${ips(f.threads)} | ${ips(f['tfjs-wasm'])} | ${x(f.simdnet, f['tfjs-wasm'])} | ${ips(f['tfjs-cpu'])} | ` +
      `${x(f.simdnet, f['tfjs-cpu'])} | ${f.memory ? `${mib(f.memory[8])} / ${mib(f.memory[32])}` : '—'} |`);
  }
  return `${lines.join('\n')}\n\n${wrap('npm nsfwjs\' pretrained MobileNetV2 (Keras 2.2.4, uint8 weights) as shipped, on random images in −1…1; one warm-up step, then ' +
    'the median of 3 steps, each engine in its own process, alternating (TF.js cpu: one step). TF.js runs on one thread, its frozen batch ' +
    'norms with batch statistics (TF.js\' fit), simdnet\'s in inference mode (Keras): the same work. Memory is the wasm memory at the end of ' +
    'the run (it never shrinks), the model\'s weights and the batch included.', 100)}`;
}

/** The sequence models' table (S1–S2). */
export function sequenceBlock(results) {
  const t = results.sequence ?? {}, tasks = [['S1', 'one-hot windows of 40 characters (60) → LSTM 128 → Dense 60'], ['S2', 'ids, 100 steps → Embedding 64 → GRU 128 → Dense 96']].filter(([k]) => t[k]);
  if (!tasks.length) return `Not measured in this run (${t.skipped ?? 'not run'}).`;
  const sps = (e) => (e?.samplesPerSecond ? e.samplesPerSecond.toFixed(e.samplesPerSecond < 100 ? 1 : 0) : e?.unavailable ? `— (${e.unavailable.replace(/\.$/, '')})` : '—');
  const x = (a, b) => (a?.samplesPerSecond && b?.samplesPerSecond ? times(a.samplesPerSecond / b.samplesPerSecond, a.samplesPerSecond / b.samplesPerSecond < 10 ? 2 : 0) : '—');
  const cores = Object.values(t).find((f) => f?.threads?.threads)?.threads.threads ?? 2;
  const peak = results.kernels?.wasm?.peak;
  const lines = [
    `| Batch 128, Adam, samples/s | simdnet | simdnet, ${cores} threads | TF.js wasm | × | TF.js cpu | × | jax-js | × | simdnet GFLOP/s${peak ? ` (wasm peak ${peak.toFixed(1)})` : ''} |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const [k, label] of tasks) {
    const f = t[k], g = f.simdnet?.samplesPerSecond && (f.simdnet.samplesPerSecond * f.flops) / 1e9;
    lines.push(`| ${k} ${label} | ${sps(f.simdnet)} | ${sps(f.threads)} | ${sps(f['tfjs-wasm'])} | ${x(f.simdnet, f['tfjs-wasm'])} | ${sps(f['tfjs-cpu'])} | ` +
      `${x(f.simdnet, f['tfjs-cpu'])} | ${sps(f['jax-js'])} | ${x(f.simdnet, f['jax-js'])} | ${g ? g.toFixed(1) : '—'} |`);
  }
  return `${lines.join('\n')}\n\n${wrap('Next-character prediction on Debian\'s fortune cookies; one warm-up step, then the median of 3 steps of one batch each, every ' +
    'engine in its own process, alternating (TF.js wasm and cpu: one step). TF.js and jax-js run on one thread (jax-js: its wasm backend, the ' +
    'whole step jit-compiled, the recurrence unrolled; bench/sequence-jaxjs.js). GFLOP/s counts the recurrent and dense ' +
    'layers\' products (bench/sequence.js, sequenceFlops).', 100)}`;
}

/** G1, the small GPT: tokens/s in Node and Chromium, jax-js, the 2000 iterations' time, generation. */
export function gptBlock(results) {
  const g = results.gpt;
  if (!g || g.skipped) return `Not measured in this run (${g?.skipped ?? 'not run'}).`;
  const row = (label, e) => (e?.tokensPerSecond
    ? `| ${label} | ${e.tokensPerSecond.toFixed(0)} | ${e.minutes2000.toFixed(1)} | ${e.loss.toFixed(2)} / ${e.valLoss.toFixed(2)} |`
    : `| ${label} | — (${e?.unavailable ?? 'not run'}) | — | — |`);
  const lines = ['| G1, batch 12 × 64 tokens | tokens/s | minutes for 2000 iterations | loss / held-out after the timed iterations |', '|---|---:|---:|---:|',
    ...Object.entries(g.node).map(([t, e]) => row(`simdnet, Node, ${t} thread${t === '1' ? '' : 's'}`, e)),
    ...Object.entries(g.chromium ?? {}).map(([t, e]) => row(`simdnet, Chromium, ${t} thread${t === '1' ? '' : 's'}`, e)),
    row('jax-js (wasm, jit, 1 thread)', g['jax-js'])];
  const gen = g.node[1]?.generateMs;
  return `${lines.join('\n')}\n\n${wrap(`nanoGPT's CPU recipe (4 layers, 4 heads, width 128, context 64, batch 12, AdamW with warm-up and cosine decay) on ` +
    `Debian's fortune cookies: ${g.iterations} timed iterations after 2 untimed, the 2000 extrapolated (bench/gpt.js; bench/gpt-jaxjs.js writes the same model with ` +
    `jax-js' ops).${gen ? ` Generating 500 characters with the key/value cache took ${Math.round(gen)} ms.` : ''}`, 100)}`;
}

/** Rewrites the marked blocks of `path` from `results`; throws when a marker is missing. */
export function writeReadme(path, results) {
  let text = readFileSync(path, 'utf8');
  const blocks = [['machine', machineLine], ['table', markdownTable], ['kernels', kernelsBlock], ['threads', threadsBlock], ['relaxed', relaxedBlock],
    ['transfer', transferBlock], ['sequence', sequenceBlock], ['gpt', gptBlock]];
  for (const [name, body] of blocks.map(([n, f]) => [n, f(results)])) {
    const start = `<!-- bench:${name} -->`, end = `<!-- /bench:${name} -->`;
    const i = text.indexOf(start), j = text.indexOf(end);
    if (i < 0 || j < i) throw new Error(`bench: ${path} has no ${start} … ${end} block to rewrite`);
    text = `${text.slice(0, i + start.length)}\n${body}\n${text.slice(j)}`;
  }
  writeFileSync(path, text);
}
