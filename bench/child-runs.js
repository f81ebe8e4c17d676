// What bench/transfer.js and bench/sequence.js share: timing a step in a
// child process, and bench/run.js's side that runs the engines in alternating
// child processes and keeps the medians.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export const median = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];

/** One warm-up step (unless !warmup), then `steps` timed ones: { stepSeconds (the median), loss (the last) }. */
export async function timeSteps(steps, step, warmup) {
  let loss = warmup ? await step() : undefined;
  const seconds = [];
  for (let s = 0; s < steps; s++) {
    const t0 = performance.now();
    loss = await step();
    seconds.push((performance.now() - t0) / 1000);
  }
  return { stepSeconds: median(seconds), loss };
}

/** TF.js 4.22 on `backend` ('wasm': one thread, as the issues measure; or 'cpu'). */
export async function tfjsOn(backend, root) {
  const tf = await import('@tensorflow/tfjs');
  const tfwasm = await import('@tensorflow/tfjs-backend-wasm');
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  tfwasm.setWasmPaths(join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/dist') + '/');
  await tf.setBackend(backend);
  return tf;
}

/** Runs `node file engine task ...extra` and returns the JSON it printed last (TF.js prints a banner first). */
export const childRun = (file) => (engine, task, extra = []) => {
  const out = execFileSync(process.execPath, [file, engine, task, ...extra], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return JSON.parse(out.trim().split('\n').at(-1));
};

/**
 * One task's figures: simdnet and TF.js wasm in alternating child processes,
 * `rounds` times (TF.js wasm with `wasmExtra` arguments), simdnet also on
 * `cores` threads, the engines of `also` (e.g. jax-js) in the same rotation,
 * TF.js cpu once (one step, no warm-up) when `cpu`. Each is
 * { [rate]: the median, memoryBytes: the largest, loss, runs } or { unavailable: why }.
 */
export function alternatingFigures(run, task, { rounds, cpu, cores, rate, wasmExtra = [], also = [] }) {
  const runs = { simdnet: [], 'tfjs-wasm': [], threads: [], ...Object.fromEntries(also.map((e) => [e, []])) };
  for (let round = 0; round < rounds; round++) {
    runs.simdnet.push(run('simdnet', task));
    runs['tfjs-wasm'].push(run('tfjs-wasm', task, wasmExtra));
    if (cores > 1) runs.threads.push(run('simdnet', task, ['--threads', String(cores)]));
    for (const e of also) runs[e].push(run(e, task));
  }
  const summary = (list) => (list.length && !list[0].unavailable
    ? { [rate]: median(list.map((r) => r[rate])), memoryBytes: Math.max(...list.map((r) => r.memoryBytes ?? 0)), loss: list.at(-1).loss, runs: list.length }
    : { unavailable: list[0]?.unavailable ?? 'not run' });
  const f = { simdnet: summary(runs.simdnet), 'tfjs-wasm': summary(runs['tfjs-wasm']) };
  if (runs.threads.length) f.threads = { ...summary(runs.threads), threads: runs.threads[0].threads };
  for (const e of also) f[e] = summary(runs[e]);
  f['tfjs-cpu'] = cpu ? summary([run('tfjs-cpu', task, ['--steps', '1', '--no-warmup'])]) : { unavailable: 'skipped (--no-cpu or --quick)' };
  return f;
}
