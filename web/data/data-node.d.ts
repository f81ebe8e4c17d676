// Types of sn.data in the Node entry (web/data/data-node.js): the same as the browser's.
export * from './data-all.js';
