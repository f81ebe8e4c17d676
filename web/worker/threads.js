// The opt-in threaded build (dist/simdnet-mt.wasm, `bash build.sh --threads`):
// the same C core with wasm atomics on one shared memory, which n − 1 helper
// threads instantiate too. The GEMMs split C into runs of whole tiles (c/gemm.c),
// the window, activation and bias passes split by samples or rows (c/threads.c),
// each output computed by the same operations whichever thread runs it, so
// weights are bit-identical to the single-threaded build. Helpers are module Workers (web/worker/thread-worker.js) in
// a browser and worker_threads in Node (web/core/node-platform.js).
import { platform } from '../core/platform.js';

const INITIAL_PAGES = 256; // 16 MiB and 1 GiB: build.sh's -sINITIAL_MEMORY / -sMAXIMUM_MEMORY
const MAXIMUM_PAGES = 16384;
const WORKER_STACK_BYTES = 256 * 1024;

/**
 * Threads to use when ready() is not told: in a cross-origin-isolated page or
 * worker (SharedArrayBuffer available) with more than one core, all cores (at
 * most 8); in Node, 1 (pass `threads` to ready() to opt in).
 */
export function defaultThreads() {
  if (typeof SharedArrayBuffer === 'undefined' || globalThis.crossOriginIsolated !== true) return 1; // Node has no crossOriginIsolated
  return Math.min(8, globalThis.navigator?.hardwareConcurrency ?? 1);
}

/**
 * Ports to helper Workers that the page started for this Worker (web/worker/trainer.js
 * does, for its trainer); when given, no Worker is started here. Firefox
 * (153 ESR) sometimes blocks for good in `new Worker()` called inside a Worker:
 * about 1 threaded trainer start in 40 never returned from it.
 */
let givenHelpers = null;
export function useHelperPorts(ports) {
  givenHelpers = [...ports];
}

/** A helper thread's Worker, created in one expression, as bundlers require to bundle it. */
export const newThreadWorker = () => new Worker(new URL('./thread-worker.js', import.meta.url), { type: 'module', name: 'simdnet-thread' });

/** Sends a helper its start message; resolves when it says it is ready. */
function handshake(target, message) {
  return new Promise((resolve, reject) => {
    const fail = (why) => reject(new Error(`simdnet thread worker: ${why}`));
    target.onmessage = ({ data }) => (data?.error ? fail(data.error) : resolve());
    if ('onerror' in target) target.onerror = (e) => fail(e.message ?? 'could not start');
    target.postMessage(message);
  });
}

/**
 * A helper thread in a browser: through a port the page gave, or a Worker of our own.
 * Resolves to { terminate() }.
 */
async function startWebWorker(message) {
  if (givenHelpers) {
    const port = givenHelpers.shift();
    if (!port) throw new Error('simdnet: no helper thread left from the page');
    try {
      await handshake(port, message);
    } catch (err) {
      givenHelpers.unshift(port); // it did not start: the next build may use it
      throw err;
    }
    return { terminate() {} }; // parked on this memory for good; the page ends its Worker
  }
  const worker = newThreadWorker();
  try {
    await handshake(worker, message);
  } catch (err) {
    worker.terminate();
    throw err;
  }
  return worker;
}

/**
 * Instantiates the threaded module with `threads` threads (the caller's and
 * threads − 1 helpers) and returns { instance, memory, workers }. Throws when
 * shared memory or Workers are unavailable, so the caller can fall back.
 */
export async function instantiateThreaded(module, threads, imports) {
  const memory = new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: MAXIMUM_PAGES, shared: true });
  const instance = await WebAssembly.instantiate(module, { env: { ...imports, memory } });
  const w = instance.exports;
  w._initialize();
  if (!w.sn_gemm_prepare_threads(threads)) throw new Error('simdnet: out of memory preparing threads');
  const start = platform.startThreadWorker ?? startWebWorker;
  const workers = [];
  try {
    for (let id = 1; id < threads; id++) {
      const stack = w.malloc(WORKER_STACK_BYTES);
      if (!stack) throw new Error('simdnet: out of memory for a thread stack');
      workers.push(await start({ module, memory, id, stackTop: stack + WORKER_STACK_BYTES }));
    }
    if (!w.sn_threads_start(threads)) throw new Error(`simdnet: cannot start ${threads} threads`);
  } catch (err) {
    for (const worker of workers) worker.terminate(); // the caller falls back to one thread
    throw err;
  }
  return { instance, memory, workers };
}

/**
 * The body of a helper thread (web/worker/thread-worker.js, web/worker/thread-worker-node.js):
 * instantiates the module on the shared memory, moves its stack pointer to the
 * stack the main thread allocated for it, says it is ready, then parks in
 * sn_thread_worker, which runs its parts of every split pass and never returns.
 */
export async function runThread({ module, memory, id, stackTop }, post) {
  const { exports } = await WebAssembly.instantiate(module, { env: { memory, emscripten_notify_memory_growth() {} } });
  exports.stackRestore(stackTop);
  post('ready');
  exports.sn_thread_worker(id);
}
