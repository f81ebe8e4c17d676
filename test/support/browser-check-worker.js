import { trainXor } from './browser-check.js';

trainXor().then((result) => self.postMessage(result), (err) => self.postMessage({ error: err?.message ?? String(err) }));
