// sn.data: the data helpers in one namespace.
export { oneHot, scale255, minMaxScale, standardize } from './data.js';
export { readIdx, readIdxDataset } from './idx.js';
export { loadMnistDigits } from './mnist.js';
