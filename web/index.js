// simdnet's Node entry (the package's "node" export condition, and what Node
// code in this repository imports): the browser entry (web/browser.js) plus
// what only Node has — the .wasm read from disk, the threaded build's helpers
// as worker_threads, gzip through zlib (web/core/node-platform.js) and
// sn.data.loadMnistDigits (web/data/mnist.js). Model files on disk are in
// simdnet/node (web/io/node-files.js).
import { nodePlatform } from './core/node-platform.js';
import { setPlatform } from './core/platform.js';

setPlatform(nodePlatform);

export * from './browser.js';
export * as data from './data/data-node.js';
