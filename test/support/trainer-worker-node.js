// web/worker/worker.js (sn.createTrainer's Web Worker) run in a Node worker_threads
// Worker: Node's entry first (it reads the .wasm from disk), then `self` as a
// Web Worker has it — postMessage and onmessage over parentPort — and then
// the worker itself, unchanged. Started by nodeTrainerWorker() (./node-trainer.js).
import { parentPort } from 'node:worker_threads';
import '../../web/index.js';

globalThis.self = {
  postMessage: (message, transfer) => parentPort.postMessage(message, transfer),
  set onmessage(handler) {
    parentPort.on('message', (data) => handler({ data }));
  },
};
await import('../../web/worker/worker.js'); // after `self` exists: a static import would run first
