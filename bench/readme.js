// The README's speed table and machine line, generated from one run of
// bench/run.js (its results object, also saved as build/bench/results.json)
// and written between marker comments in README.md's Speed section:
//   <!-- bench:machine -->…<!-- /bench:machine -->  and  <!-- bench:table -->…<!-- /bench:table -->
// Nothing else of the README is touched.
import { readFileSync, writeFileSync } from 'node:fs';
import { MODELS, SIMDNET_NO_CONV, architecture } from './common.js';

const fmt = (v) => v.toLocaleString('en-US', { minimumFractionDigits: v < 100 ? 1 : 0, maximumFractionDigits: v < 100 ? 1 : 0 });

function modelLabel(spec) {
  const opt = `${spec.opt === 'adam' ? 'Adam' : 'SGD'} ${spec.lr}`;
  if (spec.isConv) return `${spec.name} ${spec.title}: ${architecture(spec)}, ${opt}, batch ${spec.batch}`;
  const outAct = spec.layers.at(-1).activation;
  return `${spec.name} ${architecture(spec)}${outAct === 'softmax' ? '' : ` (${outAct})`}, ${opt}${spec.loss === 'meanSquaredError' ? ', MSE' : ''}, batch ${spec.batch}`;
}

/** The speed table in Markdown, with its footnotes. */
export function markdownTable(results) {
  const notes = [];
  const note = (text) => {
    if (!notes.includes(text)) notes.push(text);
    return '⁽' + String(notes.indexOf(text) + 1).split('').map((d) => '⁰¹²³⁴⁵⁶⁷⁸⁹'[d]).join('') + '⁾';
  };
  const cell = (e, suffix = '') => (e?.samplesPerSecond ? `${fmt(e.samplesPerSecond)}${suffix}` : e?.unavailable ? note(e.unavailable === SIMDNET_NO_CONV ? `simdnet: ${SIMDNET_NO_CONV}` : e.unavailable) : '—');
  const ratio = (a, b) => (a?.samplesPerSecond && b?.samplesPerSecond ? (a.samplesPerSecond / b.samplesPerSecond).toFixed(1) : '—');
  const lines = [
    '| model (Fashion-MNIST) | simdnet samples/s | TF.js wasm (best way) | × | jax-js | × | ConvNetJS | × | TF.js cpu | × |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const spec of MODELS) {
    const r = results.models[spec.name];
    if (!r) continue;
    const s = r.simdnet, w = r['tfjs-wasm'];
    lines.push(`| ${modelLabel(spec)} | ${cell(s)} | ${cell(w, w?.how ? ` (${w.how})` : '')} | ${ratio(s, w)} | ${cell(r['jax-js'])} | ${ratio(s, r['jax-js'])} | ` +
      `${spec.isConv ? cell(r.convnetjs) : '—'} | ${ratio(s, r.convnetjs)} | ${cell(r['tfjs-cpu'])} | ${ratio(s, r['tfjs-cpu'])} |`);
  }
  return [...lines, ...(notes.length ? ['', ...notes.map((n, i) => `${i + 1}. ${n}`)] : [])].join('\n');
}

/** The machine line: what ran, where, when. */
export function machineLine(results) {
  const m = results.machine;
  return `Measured with \`npm run bench${m.quick ? ' -- --quick' : ''}\` on ${m.date}: ${m.cpu}, ${m.cores} cores; Node ${m.node.replace(/^v/, '')}, ` +
    `TF.js ${m.tfjs}, jax-js ${m.jax}, ConvNetJS ${m.convnetjs}; ${m.rounds} alternating rounds, medians; load average ${m.loadavg.map((l) => l.toFixed(2)).join(' ')} at the start; ${m.data}.`;
}

/** Rewrites the two marked blocks of `path` from `results`; throws when a marker is missing. */
export function writeReadme(path, results) {
  let text = readFileSync(path, 'utf8');
  for (const [name, body] of [['machine', machineLine(results)], ['table', markdownTable(results)]]) {
    const start = `<!-- bench:${name} -->`, end = `<!-- /bench:${name} -->`;
    const i = text.indexOf(start), j = text.indexOf(end);
    if (i < 0 || j < i) throw new Error(`bench: ${path} has no ${start} … ${end} block to rewrite`);
    text = `${text.slice(0, i + start.length)}\n${body}\n${text.slice(j)}`;
  }
  writeFileSync(path, text);
}
