// Transfer learning on a pretrained MobileNetV2 (npm nsfwjs, 224×224×3, batch
// 8 unless said) for bench/run.js, one measurement per process:
//   node bench/transfer.js ENGINE TASK [--threads N] [--batch B] [--steps S] [--no-warmup]
// ENGINE: simdnet | tfjs-wasm | tfjs-cpu. TASK:
//   T1 predict   the whole model, inference;
//   T2 head      fit with everything frozen but the three dense layers of its head;
//   T3 last30    fit of the last 30 layers (1.7 M weights), the rest frozen.
// Prints JSON { imagesPerSecond, stepSeconds, memoryBytes, threads, loss } or
// { unavailable: why } (TF.js wasm cannot train convolutions). One warm-up
// step (unless --no-warmup), then S timed steps (default 3); the median step. Frozen batch norms run
// in inference mode in simdnet (Keras) and with batch statistics in TF.js' fit;
// the work is the same.
import { parseArgs } from 'node:util';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readMobileNetV2 } from '../scripts/mobilenet-files.js';
import { alternatingFigures, childRun, timeSteps, tfjsOn } from './child-runs.js';
import { lcg } from './common.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const TASKS = { T1: 'predict', T2: 'head only', T3: 'last 30 layers' };
const TRAINABLE_FROM = { T2: -3, T3: -30 }; // the trainable tail of the model's layers

function images(batch, seed = 1) {
  const next = lcg(seed), x = new Float32Array(batch * 224 * 224 * 3), y = new Float32Array(batch * 5);
  for (let i = 0; i < x.length; i++) x[i] = next() * 2 - 1;
  for (let i = 0; i < batch; i++) y[i * 5 + (i % 5)] = 1;
  return { x, y };
}


async function simdnet(task, { threads, batch, steps, warmup }) {
  const sn = await import('../web/index.js');
  await sn.ready({ threads });
  const { modelJson, shards } = readMobileNetV2();
  const model = sn.fromTfjs(modelJson, [...shards.values()]);
  const { x, y } = images(batch);
  let step;
  if (task === 'T1') step = async () => (model.predict(x, { batchSize: batch }), undefined);
  else {
    model.layers.forEach((layer, i) => (layer.trainable = i >= model.layers.length + TRAINABLE_FROM[task]));
    model.compile({ optimizer: sn.optimizers.adam({ learningRate: 1e-4 }), loss: 'categoricalCrossentropy' });
    step = async () => (await model.fit(x, y, { batchSize: batch, epochs: 1, shuffle: false })).history.loss[0];
  }
  const r = await timeSteps(steps, step, warmup);
  model.dispose();
  return { ...r, memoryBytes: sn.memoryBytes(), threads: sn.threads() };
}

async function tfjs(backend, task, { batch, steps, warmup }) {
  const tf = await tfjsOn(backend, ROOT);
  const { modelJson, shards } = readMobileNetV2();
  const bytes = [...shards.values()][0];
  const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs: modelJson.weightsManifest[0].weights,
    weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) }));
  const data = images(batch), x = tf.tensor4d(data.x, [batch, 224, 224, 3]), y = tf.tensor2d(data.y, [batch, 5]);
  let step;
  if (task === 'T1') step = async () => {
    const out = model.predict(x);
    await out.data();
    out.dispose();
  };
  else {
    model.layers.forEach((layer, i) => (layer.trainable = i >= model.layers.length + TRAINABLE_FROM[task]));
    model.compile({ optimizer: tf.train.adam(1e-4), loss: 'categoricalCrossentropy' });
    step = async () => (await model.fit(x, y, { batchSize: batch, epochs: 1, shuffle: false, verbose: 0 })).history.loss[0];
  }
  const r = await timeSteps(steps, step, warmup);
  return { ...r, memoryBytes: backend === 'wasm' ? tf.backend().wasm.HEAPU8.length : undefined, threads: 1 };
}

/**
 * bench/run.js's transfer-learning section: each task's engines in
 * alternating child processes, `rounds` times (TF.js cpu once, one timed step:
 * it takes minutes), simdnet also on `cores` threads (the threaded build) and
 * at batch 32 for its peak memory. Medians of images/s; { unavailable } where
 * an engine cannot run a task.
 */
export function transferFigures({ tasks, rounds, cpu, cores, log = () => {} }) {
  const run = childRun(fileURLToPath(import.meta.url));
  const figures = {};
  for (const task of tasks) {
    const f = alternatingFigures(run, task, { rounds, cpu, cores, rate: 'imagesPerSecond' });
    const big = run('simdnet', task, ['--batch', '32', '--steps', '1']);
    f.memory = { 8: f.simdnet.memoryBytes, 32: big.memoryBytes };
    figures[task] = f;
    log(task, f);
  }
  return figures;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { positionals: [engine, task], values } = parseArgs({ allowPositionals: true,
    options: { threads: { type: 'string', default: '1' }, batch: { type: 'string', default: '8' }, steps: { type: 'string', default: '3' }, 'no-warmup': { type: 'boolean' } } });
  const o = { threads: Number(values.threads), batch: Number(values.batch), steps: Number(values.steps), warmup: !values['no-warmup'] };
  if (!TASKS[task] || !['simdnet', 'tfjs-wasm', 'tfjs-cpu'].includes(engine)) {
    console.error('usage: node bench/transfer.js simdnet|tfjs-wasm|tfjs-cpu T1|T2|T3 [--threads N] [--batch B] [--steps S] [--no-warmup]');
    process.exit(2);
  }
  let result;
  try {
    result = engine === 'simdnet' ? await simdnet(task, o) : await tfjs(engine.slice(5), task, o);
    result.imagesPerSecond = o.batch / result.stepSeconds;
  } catch (err) {
    result = { unavailable: err.message.split('\n')[0] };
  }
  console.log(JSON.stringify(result));
  process.exit(0);
}
