// sn.layers: one factory per kind of layer, each checking every option before
// anything reaches C. Each kind's whole life in JavaScript — options, output
// shape, weights, multiply-adds, how C builds it — is in its own file under
// layers/; KINDS maps a layer's type (its TF.js class name) to it.
import { Activation, activation } from './layers/activation.js';
import { BatchNormalization, batchNormalization } from './layers/batch-normalization.js';
import { Conv2D, conv2d } from './layers/conv2d.js';
import { Dense, dense } from './layers/dense.js';
import { Dropout, dropout } from './layers/dropout.js';
import { GlobalAveragePooling2D, GlobalMaxPooling2D, globalAveragePooling2d, globalMaxPooling2d } from './layers/global-pooling.js';
import { AveragePooling2D, MaxPooling2D, averagePooling2d, maxPooling2d } from './layers/pooling.js';
import { Flatten, Reshape, flatten, reshape } from './layers/reshape.js';

export { dense, dropout };

export const KINDS = {
  Dense, Dropout, Conv2D, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D,
  Flatten, Reshape, BatchNormalization, Activation,
};

export const layers = {
  dense, dropout, conv2d, maxPooling2d, averagePooling2d, globalAveragePooling2d, globalMaxPooling2d,
  flatten, reshape, batchNormalization, activation,
};
