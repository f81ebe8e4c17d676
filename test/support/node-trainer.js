// sn.createTrainer in Node: Node has no Web Workers, so the tests hand the
// trainer (its `worker` option) a worker_threads Worker running web/worker/worker.js
// (./trainer-worker-node.js), wrapped to look like a Web Worker to it.
import { Worker } from 'node:worker_threads';

/** A worker_threads Worker as the trainer uses a Web Worker: postMessage, onmessage, onerror, terminate. */
export function nodeTrainerWorker() {
  const worker = new Worker(new URL('./trainer-worker-node.js', import.meta.url));
  const like = {
    onmessage: null,
    onerror: null,
    postMessage: (message, transfer) => worker.postMessage(message, transfer),
    terminate: () => worker.terminate(),
  };
  worker.on('message', (data) => like.onmessage?.({ data }));
  worker.on('error', (err) => like.onerror?.({ message: err.message }));
  return like;
}
