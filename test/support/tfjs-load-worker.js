import { loadHere } from './tfjs-load-check.js';

// One thread, as browser-check-worker.js says why.
loadHere({ threads: 1 }).then((result) => self.postMessage(result), (err) => self.postMessage({ error: err?.message ?? String(err) }));
