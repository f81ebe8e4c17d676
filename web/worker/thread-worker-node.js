// A helper thread of the threaded build in Node (worker_threads); the browser's
// is web/worker/thread-worker.js. Both run runThread from web/worker/threads.js.
import { parentPort } from 'node:worker_threads';
import { runThread } from './threads.js';

parentPort.once('message', (message) => runThread(message, (m) => parentPort.postMessage(m)));
