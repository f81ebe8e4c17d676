// simdnet/worker (web/worker/worker.js) and simdnet/thread-worker (web/worker/thread-worker.js)
// are Web Worker entry files: they export nothing, and are started with
// `new Worker(url, { type: 'module' })` (sn.createTrainer and ready() do it).
export {};
