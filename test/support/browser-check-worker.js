import { trainXor } from './browser-check.js';

trainXor().then((result) => self.postMessage(result));
