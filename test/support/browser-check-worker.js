import { trainXor } from './browser-check.js';

// One thread: a cross-origin-isolated Worker would start the threaded build's
// helpers itself, and Firefox sometimes blocks for good in new Worker() inside
// a Worker (README, Threads). The bits are the same with any thread count.
trainXor({ threads: 1 }).then((result) => self.postMessage(result), (err) => self.postMessage({ error: err?.message ?? String(err) }));
