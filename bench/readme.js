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
