// G1 for bench/run.js, one measurement per process (bench/gpt-run.js says what G1 is):
//   node bench/gpt.js simdnet [--threads N] [--iterations K]    Node
//   node bench/gpt.js chromium [--threads N] [--iterations K]   Debian's Chromium (bench/gpt.html)
//   node bench/gpt.js jax-js [--iterations K]                    jax-js (bench/gpt-jaxjs.js)
// Prints JSON { tokensPerSecond, seconds, iterations, loss, valLoss, flopsPerToken,
// threads, minutes2000 (the 2000 iterations at this rate), generateMs (simdnet in Node:
// 500 characters by sn.text.generate from the trained model) } or { unavailable: why }.
// K defaults to 20 timed iterations after 2 untimed ones; --iterations 2000
// runs the whole recipe (its loss is then G1's, to compare with nanoGPT's).
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { childRun } from './child-runs.js';
import { G1, runG1 } from './gpt-run.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const TEXT = join(ROOT, 'dist/text/fortunes.txt');

async function inNode({ threads, iterations }) {
  const sn = await import('../web/index.js');
  await sn.ready({ threads });
  return { ...(await runG1(sn, readFileSync(TEXT, 'latin1'), { iterations, generate: 500 })), threads: sn.threads() };
}

async function inChromium({ threads, iterations }) {
  const { skipWithoutChromium, withPage, finalText } = await import('../test/support/chromium.js');
  if (skipWithoutChromium) throw new Error('/usr/bin/chromium is not installed');
  const { startServer } = await import('../scripts/serve.js');
  const server = await startServer({ port: 0, extraDirs: ['bench/'] });
  try {
    const url = `${server.url}/bench/gpt.html?${new URLSearchParams({ threads, iterations })}`;
    const text = await withPage(url, (page) => finalText(page, 'out', 30 * 60 * 1000));
    if (!text.startsWith('RESULT ')) throw new Error(`bench/gpt.html: ${text}`);
    return JSON.parse(text.slice(7));
  } finally {
    server.close();
  }
}

async function inJax({ iterations }) {
  const { runJaxG1 } = await import('./gpt-jaxjs.js');
  return { ...(await runJaxG1({ iterations, text: readFileSync(TEXT, 'latin1') })), threads: 1 };
}

/**
 * bench/run.js's G1 section: simdnet in Node on 1 thread and on `cores`, and in
 * Chromium the same, jax-js on one (Node has no Worker for its threads), each a
 * child process timing `iterations` iterations; `rounds` alternating rounds of
 * Node's simdnet, medians.
 */
export function gptFigures({ rounds, cores, iterations = 20, chromium = true, jax = true, log = () => {} }) {
  const run = childRun(fileURLToPath(import.meta.url));
  const its = ['--iterations', String(iterations)], med = (list) => [...list].sort((a, b) => a.tokensPerSecond - b.tokensPerSecond)[list.length >> 1];
  const node = { 1: [], [cores]: [] };
  for (let r = 0; r < rounds; r++) for (const t of new Set([1, cores])) node[t].push(run('simdnet', '', [...its, '--threads', String(t)]));
  const f = { iterations, node: Object.fromEntries(Object.entries(node).map(([t, list]) => [t, list[0].unavailable ? list[0] : med(list)])) };
  f.chromium = chromium ? Object.fromEntries([...new Set([1, cores])].map((t) => [t, run('chromium', '', [...its, '--threads', String(t)])])) : null;
  f['jax-js'] = jax ? run('jax-js', '', its) : { unavailable: 'not asked for (--engines)' };
  log(f);
  return f;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { positionals: [engine], values } = parseArgs({ allowPositionals: true, // (a second positional is childRun's task: none)
    options: { threads: { type: 'string', default: '1' }, iterations: { type: 'string', default: '20' } } });
  const o = { threads: Number(values.threads), iterations: Number(values.iterations) };
  const run = { simdnet: inNode, chromium: inChromium, 'jax-js': inJax }[engine];
  if (!run || !(o.iterations >= 1)) {
    console.error('usage: node bench/gpt.js simdnet|chromium|jax-js [--threads N] [--iterations K]');
    process.exit(2);
  }
  let result;
  try {
    if (!existsSync(TEXT)) throw new Error(`${TEXT} is missing: run bash build.sh (it writes the fortunes text)`);
    result = await run(o);
    result.minutes2000 = (G1.iterations * G1.batch * G1.context) / result.tokensPerSecond / 60;
  } catch (err) {
    result = { unavailable: err.message.split('\n')[0] };
  }
  console.log(JSON.stringify(result));
  process.exit(0);
}
