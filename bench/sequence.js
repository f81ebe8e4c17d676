// Sequence models for bench/run.js, one measurement per process:
//   node bench/sequence.js ENGINE TASK [--threads N] [--steps S] [--no-warmup]
// ENGINE: simdnet | tfjs-wasm | tfjs-cpu | jax-js (bench/sequence-jaxjs.js). TASK:
//   S1  TF.js' lstm-text-generation network: one-hot windows of 40 characters
//       (a vocabulary of 60) → LSTM 128 → Dense 60 softmax, Adam, batch 128;
//   S2  Embedding 64 → GRU 128 (resetAfter false, TF.js' only form) → Dense
//       softmax over the 96 characters, on sequences of 100 ids, Adam, batch 128.
// Both learn the next character of Debian's fortune cookies
// (dist/text/fortunes.txt, scripts/fortunes-text.js). Prints JSON
// { samplesPerSecond, stepSeconds, memoryBytes, threads, loss, flops } or
// { unavailable: why } (TF.js wasm has no gradient for Embedding's gather).
// One warm-up step (unless --no-warmup), then S timed steps (default 3), each
// one fit of one batch; the median.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { alternatingFigures, childRun, timeSteps, tfjsOn } from './child-runs.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const TASKS = { S1: 'one-hot chars → LSTM 128 → Dense', S2: 'Embedding 64 → GRU 128 → Dense' };
const BATCH = 128, UNITS = 128;
export const SHAPE = { S1: { steps: 40, vocab: 60 }, S2: { steps: 100, vocab: 96, embed: 64 } };

/**
 * Training FLOPs of one sample (multiply-adds × 2 of the forward pass, × 3 for
 * forward and backward, less the first layer's input gradient, which nothing
 * needs): the recurrent layer's input and recurrent products and the dense
 * layer. Activations, the embedding's gather and the optimizer not counted.
 */
export function sequenceFlops(task) {
  const { steps, vocab, embed } = SHAPE[task], gates = task === 'S1' ? 4 : 3, features = embed ?? vocab;
  const input = steps * features * gates * UNITS, recurrent = steps * UNITS * gates * UNITS, dense = UNITS * vocab;
  return 6 * (input + recurrent + dense) - (task === 'S1' ? 2 * input : 0);
}

/** One batch of windows of the fortunes text and the character after each. */
export function batchData(task) {
  const text = readFileSync(join(ROOT, 'dist/text/fortunes.txt'), 'latin1');
  const { steps, vocab } = SHAPE[task];
  // The vocab − 1 most frequent characters, the rest in one bucket (S1), or all 96 (S2).
  const counts = new Map();
  for (const ch of text.slice(0, 200000)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  const ranked = [...counts.keys()].sort((a, b) => counts.get(b) - counts.get(a) || (a < b ? -1 : 1));
  const id = new Map(ranked.slice(0, vocab - 1).map((ch, i) => [ch, i]));
  const ids = Int32Array.from(text.slice(0, BATCH * 97 + steps + 1), (ch) => id.get(ch) ?? vocab - 1);
  const x = task === 'S1' ? new Float32Array(BATCH * steps * vocab) : new Int32Array(BATCH * steps);
  const y = new Float32Array(BATCH * vocab);
  for (let r = 0; r < BATCH; r++) {
    const start = r * 97;
    for (let t = 0; t < steps; t++) {
      if (task === 'S1') x[(r * steps + t) * vocab + ids[start + t]] = 1;
      else x[r * steps + t] = ids[start + t];
    }
    y[r * vocab + ids[start + steps]] = 1;
  }
  return { x, y };
}


async function simdnet(task, { threads, steps, warmup }) {
  const sn = await import('../web/index.js');
  await sn.ready({ threads });
  const { steps: len, vocab, embed } = SHAPE[task];
  const model = sn.sequential({ seed: 1 });
  if (task === 'S1') model.add(sn.layers.lstm({ units: UNITS, inputShape: [len, vocab] }));
  else {
    model.add(sn.layers.embedding({ inputDim: vocab, outputDim: embed, inputShape: [len] }));
    model.add(sn.layers.gru({ units: UNITS, resetAfter: false }));
  }
  model.add(sn.layers.dense({ units: vocab, activation: 'softmax' }));
  model.compile({ optimizer: sn.optimizers.adam({ learningRate: 1e-3 }), loss: 'categoricalCrossentropy' });
  const { x, y } = batchData(task);
  const step = async () => (await model.fit(x, y, { batchSize: BATCH, epochs: 1, shuffle: false })).history.loss[0];
  const r = await timeSteps(steps, step, warmup);
  model.dispose();
  return { ...r, memoryBytes: sn.memoryBytes(), threads: sn.threads() };
}

async function tfjs(backend, task, { steps, warmup }) {
  const tf = await tfjsOn(backend, ROOT);
  const { steps: len, vocab, embed } = SHAPE[task];
  const model = tf.sequential();
  if (task === 'S1') model.add(tf.layers.lstm({ units: UNITS, inputShape: [len, vocab] }));
  else {
    model.add(tf.layers.embedding({ inputDim: vocab, outputDim: embed, inputShape: [len] }));
    model.add(tf.layers.gru({ units: UNITS }));
  }
  model.add(tf.layers.dense({ units: vocab, activation: 'softmax' }));
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
  const data = batchData(task);
  const x = task === 'S1' ? tf.tensor3d(data.x, [BATCH, len, vocab]) : tf.tensor2d(data.x, [BATCH, len], 'int32');
  const y = tf.tensor2d(data.y, [BATCH, vocab]);
  const step = async () => (await model.fit(x, y, { batchSize: BATCH, epochs: 1, shuffle: false, verbose: 0 })).history.loss[0];
  const r = await timeSteps(steps, step, warmup);
  return { ...r, memoryBytes: backend === 'wasm' ? tf.backend().wasm.HEAPU8.length : undefined, threads: 1 };
}

async function jaxjs(task, { steps, warmup }) {
  const { jaxReady } = await import('./jaxjs.js');
  const { sequenceTrainer } = await import('./sequence-jaxjs.js');
  const { version } = await jaxReady();
  const trainer = sequenceTrainer(task, { ...SHAPE[task], units: UNITS, gates: task === 'S1' ? 4 : 3 }, { ...batchData(task), batch: BATCH });
  // The first step compiles the jit-traced step (the unrolled recurrence): timed apart, not in the figure.
  const t0 = performance.now();
  const first = await trainer.step();
  const compileSeconds = (performance.now() - t0) / 1000;
  const r = await timeSteps(steps, trainer.step, warmup);
  trainer.dispose();
  return { ...r, firstLoss: first, compileSeconds, threads: 1, version };
}

/**
 * bench/run.js's sequence section: each task's engines in alternating child
 * processes, `rounds` times (TF.js cpu once, one timed step), simdnet also on
 * `cores` threads, jax-js too when `jax`. Medians of samples/s; { unavailable }
 * where an engine cannot run a task.
 */
export function sequenceFigures({ tasks, rounds, cpu, cores, jax = false, log = () => {} }) {
  const run = childRun(fileURLToPath(import.meta.url));
  const figures = {};
  for (const task of tasks) {
    const f = { flops: sequenceFlops(task),
      ...alternatingFigures(run, task, { rounds, cpu, cores, rate: 'samplesPerSecond', wasmExtra: ['--steps', '1'], also: jax ? ['jax-js'] : [] }) };
    figures[task] = f;
    log(task, f);
  }
  return figures;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { positionals: [engine, task], values } = parseArgs({ allowPositionals: true,
    options: { threads: { type: 'string', default: '1' }, steps: { type: 'string', default: '3' }, 'no-warmup': { type: 'boolean' } } });
  const o = { threads: Number(values.threads), steps: Number(values.steps), warmup: !values['no-warmup'] };
  if (!TASKS[task] || !['simdnet', 'tfjs-wasm', 'tfjs-cpu', 'jax-js'].includes(engine)) {
    console.error('usage: node bench/sequence.js simdnet|tfjs-wasm|tfjs-cpu|jax-js S1|S2 [--threads N] [--steps S] [--no-warmup]');
    process.exit(2);
  }
  let result;
  try {
    result = engine === 'simdnet' ? await simdnet(task, o) : engine === 'jax-js' ? await jaxjs(task, o) : await tfjs(engine.slice(5), task, o);
    result.samplesPerSecond = BATCH / result.stepSeconds;
  } catch (err) {
    result = { unavailable: err.message.split('\n')[0] };
  }
  console.log(JSON.stringify(result));
  process.exit(0);
}
