// Node's side of web/core/platform.js, installed by the Node entry (web/index.js):
// the .wasm and other files read from disk, the threaded build's helper
// threads as worker_threads, gzip through zlib.
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { gunzip } from 'node:zlib';

async function readFileBytes(url) {
  const bytes = await readFile(url);
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** One helper thread (web/worker/thread-worker-node.js); resolves once it runs, with the worker. */
function startThreadWorker(message) {
  const worker = new Worker(new URL('../worker/thread-worker-node.js', import.meta.url));
  worker.unref(); // parked helpers must not keep Node alive
  return new Promise((resolve, reject) => {
    worker.once('message', () => resolve(worker));
    worker.once('error', reject);
    worker.postMessage(message);
  });
}

/** gunzip through zlib; a corrupt stream is an Error saying so. */
function gunzipBytes(u8) {
  return new Promise((resolve, reject) => {
    gunzip(u8, (err, out) => {
      if (err) reject(new Error(`gzip data is corrupt: ${err.message}`, { cause: err }));
      else resolve(new Uint8Array(out.buffer, out.byteOffset, out.byteLength));
    });
  });
}

export const nodePlatform = {
  readFile: readFileBytes,
  baseUrl: () => pathToFileURL(`${process.cwd()}/`).href,
  startThreadWorker,
  gunzip: gunzipBytes,
};
