// The opt-in threaded build (dist/simdnet-mt.wasm, `bash build.sh --threads`):
// the same C core with wasm atomics on one shared memory, which n − 1 Workers
// instantiate too. The GEMMs split C into a fixed number of runs of tiles
// (c/gemm.c, c/threads.c), so weights are bit-identical to the
// single-threaded build.

const INITIAL_PAGES = 256; // 16 MiB and 1 GiB: build.sh's -sINITIAL_MEMORY / -sMAXIMUM_MEMORY
const MAXIMUM_PAGES = 16384;
const WORKER_STACK_BYTES = 256 * 1024;
const inNode = () => typeof process !== 'undefined' && Boolean(process.versions?.node);

/**
 * Threads to use when ready() is not told: in a cross-origin-isolated page or
 * worker (SharedArrayBuffer available) with more than one core, all cores (at
 * most 8); in Node, 1 (pass `threads` to ready() to opt in).
 */
export function defaultThreads() {
  if (inNode() || typeof SharedArrayBuffer === 'undefined' || globalThis.crossOriginIsolated !== true) return 1;
  return Math.min(8, globalThis.navigator?.hardwareConcurrency ?? 1);
}

async function spawnWorker(message) {
  const url = new URL('./thread-worker.js', import.meta.url);
  let worker, once;
  if (inNode()) {
    const { Worker } = await import('node:worker_threads');
    worker = new Worker(url);
    worker.unref(); // parked workers must not keep Node alive
    once = (resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    };
  } else {
    worker = new Worker(url, { type: 'module' });
    once = (resolve, reject) => {
      worker.onmessage = (e) => resolve(e.data);
      worker.onerror = (e) => reject(new Error(`simdnet thread worker: ${e.message}`));
    };
  }
  const ready = new Promise(once);
  worker.postMessage(message);
  await ready;
  return worker;
}

/**
 * Instantiates the threaded module with `threads` threads (the caller's and
 * threads − 1 Workers) and returns { instance, memory }. Throws when shared
 * memory or Workers are unavailable, so the caller can fall back.
 */
export async function instantiateThreaded(module, threads, imports) {
  const memory = new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: MAXIMUM_PAGES, shared: true });
  const instance = await WebAssembly.instantiate(module, { env: { ...imports, memory } });
  const w = instance.exports;
  w._initialize();
  if (!w.sn_gemm_prepare_threads(threads)) throw new Error('simdnet: out of memory preparing threads');
  const workers = [];
  try {
    for (let id = 1; id < threads; id++) {
      const stack = w.malloc(WORKER_STACK_BYTES);
      if (!stack) throw new Error('simdnet: out of memory for a thread stack');
      workers.push(await spawnWorker({ module, memory, id, stackTop: stack + WORKER_STACK_BYTES }));
    }
    if (!w.sn_threads_start(threads)) throw new Error(`simdnet: cannot start ${threads} threads`);
  } catch (err) {
    for (const worker of workers) worker.terminate(); // the caller falls back to one thread
    throw err;
  }
  return { instance, memory, workers };
}
