// sn.layers: one factory per kind of layer, each checking every option before
// anything reaches C. Each kind's whole life in JavaScript — options, output
// shape, weights, multiply-adds, how C builds it — is in its own file under
// layers/; KINDS maps a layer's type (its TF.js class name) to it.
//
// What a factory returns is a layer: its options, plus the methods of
// web/layers/layer.js (apply for the functional API; getWeights and the other
// TF.js members once a model holds it) and Keras' `trainable` flag.
import { Activation, activation } from './activation.js';
import { MultiHeadAttention, multiHeadAttention } from './attention.js';
import { BatchNormalization, batchNormalization } from './batch-normalization.js';
import { Conv1D, conv1d } from './conv1d.js';
import { Conv2D, conv2d } from './conv2d.js';
import { Conv2DTranspose, conv2dTranspose } from './conv2d-transpose.js';
import { DepthwiseConv2D, depthwiseConv2d } from './depthwise-conv2d.js';
import { Dense, dense } from './dense.js';
import { Dot } from './dot.js';
import { Dropout, dropout } from './dropout.js';
import { Embedding, embedding } from './embedding.js';
import {
  GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling1D, GlobalMaxPooling2D, globalAveragePooling1d, globalAveragePooling2d, globalMaxPooling1d, globalMaxPooling2d,
} from './global-pooling.js';
import { Add, Average, Concatenate, Maximum, Minimum, Multiply, Subtract } from './merge.js';
import {
  AveragePooling1D, AveragePooling2D, MaxPooling1D, MaxPooling2D, averagePooling1d, averagePooling2d, maxPooling1d, maxPooling2d,
} from './pooling.js';
import { Flatten, Reshape, flatten, reshape } from './reshape.js';
import { Cropping1D, Cropping2D, ZeroPadding1D, ZeroPadding2D, cropping1d, cropping2d, zeroPadding1d, zeroPadding2d } from './padding.js';
import { UpSampling1D, UpSampling2D, upSampling1d, upSampling2d } from './up-sampling.js';
import { SeparableConv2D, separableConv2d } from './separable-conv2d.js';
import { GRU, LSTM, SimpleRNN, gru, lstm, simpleRNN } from './recurrent.js';
import { Bidirectional, bidirectional } from './bidirectional.js';
import { makeLayer } from './layer.js';
import { Masking, masking } from './masking.js';
import { LayerNormalization, layerNormalization } from './layer-normalization.js';
import { PositionEmbedding, TokenAndPositionEmbedding, positionEmbedding, tokenAndPositionEmbedding } from './position-embedding.js';
import { Permute, permute } from './permute.js';
import { RepeatVector, repeatVector } from './repeat-vector.js';
import { TimeDistributed, timeDistributed } from './time-distributed.js';
import { ELU, LeakyReLU, PReLU, ReLU, Softmax, ThresholdedReLU, elu, leakyReLU, pReLU, reLU, softmax, thresholdedReLU } from './advanced-activations.js';

export const KINDS = {
  Dense, Dropout, Conv2D, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D,
  Flatten, Reshape, BatchNormalization, Activation, Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot,
  ZeroPadding2D,
  Cropping2D,
  UpSampling2D,
  DepthwiseConv2D,
  SeparableConv2D,
  Conv2DTranspose,
  ReLU, LeakyReLU, PReLU, ELU, Softmax, ThresholdedReLU,
  LayerNormalization, RepeatVector, Permute, TimeDistributed,
  Embedding,
  Conv1D, MaxPooling1D, AveragePooling1D, GlobalAveragePooling1D, GlobalMaxPooling1D, UpSampling1D, ZeroPadding1D, Cropping1D,
  SimpleRNN, LSTM, GRU, Bidirectional,
  Masking,
  MultiHeadAttention,
  PositionEmbedding, TokenAndPositionEmbedding,
};

const FACTORIES = {
  dense, dropout, conv2d, maxPooling2d, averagePooling2d, globalAveragePooling2d, globalMaxPooling2d,
  flatten, reshape, batchNormalization, activation,
  add: Add.factory, subtract: Subtract.factory, multiply: Multiply.factory, average: Average.factory,
  maximum: Maximum.factory, minimum: Minimum.factory, concatenate: Concatenate.factory, dot: Dot.factory,
  zeroPadding2d,
  cropping2d,
  upSampling2d,
  depthwiseConv2d,
  separableConv2d,
  conv2dTranspose,
  reLU, leakyReLU, pReLU, elu, softmax, thresholdedReLU,
  layerNormalization, repeatVector, permute, timeDistributed,
  embedding,
  conv1d, maxPooling1d, averagePooling1d, globalAveragePooling1d, globalMaxPooling1d, upSampling1d, zeroPadding1d, cropping1d,
  simpleRNN, lstm, gru, bidirectional,
  masking,
  multiHeadAttention,
  positionEmbedding, tokenAndPositionEmbedding,
};

/** The factories of sn.layers, each returning a layer (makeLayer). */
const kindOf = (record) => KINDS[record.type];
export const layers = Object.fromEntries(Object.entries(FACTORIES).map(([name, factory]) => [name, (options) => {
  const record = factory(options);
  return makeLayer(record, kindOf(record));
}]));

/** A layer of a kind from its options (model files, TF.js import). */
export const createLayer = (type, options) => makeLayer(KINDS[type].factory(options), KINDS[type]);
