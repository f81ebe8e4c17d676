// One measurement for bench/run.js's threads section, in its own process
// because ready() instantiates once per process:
//   node bench/threaded.js THREADS MODEL ROWS
// trains MODEL (M1, M2, M3) on ROWS rows with THREADS threads: a warm-up epoch,
// then one timed fit of 5 epochs; prints JSON { threads, samplesPerSecond,
// memoryBytes } (memoryBytes: wasm memory at the end, its peak since memory
// never shrinks, for this model alone in a fresh process).
import * as sn from '../web/index.js';
import { MODELS, loadData, modelData, simdnetEngine } from './common.js';

const [threads, name, rows] = process.argv.slice(2);
await sn.ready({ threads: Number(threads) });
const spec = MODELS.find((m) => m.name === name);
const engine = simdnetEngine(spec, modelData(await loadData(), Number(rows)));
await engine.fit(1);
const t0 = performance.now();
await engine.fit(5);
const samplesPerSecond = (5 * Number(rows)) / ((performance.now() - t0) / 1000);
const memoryBytes = sn.memoryBytes();
engine.dispose();
console.log(JSON.stringify({ threads: sn.threads(), samplesPerSecond, memoryBytes }));
