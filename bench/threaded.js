// One measurement for bench/run.js's threads and memory section, in its own
// process because ready() instantiates once per process:
//   node bench/threaded.js THREADS MODEL ROWS EPOCHS
// trains MODEL (M1–M5) on ROWS rows with THREADS threads: a warm-up epoch,
// then one timed fit of EPOCHS epochs; prints JSON { threads, samplesPerSecond,
// memoryBytes, weightsHash } — memoryBytes: wasm memory at the end, its peak
// since memory never shrinks, for this model alone in a fresh process;
// weightsHash: FNV-1a of the final weights' float32 bits, equal for every
// thread count when the threaded build is bit-identical (same seed, same
// shuffles). A conv model on a build without conv layers prints
// { unavailable: "no conv layers in this build" }.
import * as sn from '../web/index.js';
import { MODELS, SIMDNET_NO_CONV, loadData, modelData, simdnetEngine, simdnetHasConv } from './common.js';

const [threads, name, rows, epochs] = process.argv.slice(2);
await sn.ready({ threads: Number(threads) });
const spec = MODELS.find((m) => m.name === name);
if (spec.isConv && !simdnetHasConv()) {
  console.log(JSON.stringify({ unavailable: SIMDNET_NO_CONV }));
  process.exit(0);
}
const engine = simdnetEngine(spec, modelData(await loadData(), Number(rows)));
await engine.fit(1);
const t0 = performance.now();
await engine.fit(Number(epochs));
const samplesPerSecond = (Number(epochs) * Number(rows)) / ((performance.now() - t0) / 1000);
const memoryBytes = sn.memoryBytes();
let hash = 0x811c9dc5;
for (const w of engine.weights())
  for (const byte of new Uint8Array(w.buffer, w.byteOffset, w.byteLength)) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
engine.dispose();
console.log(JSON.stringify({ threads: sn.threads(), samplesPerSecond, memoryBytes, weightsHash: hash.toString(16) }));
