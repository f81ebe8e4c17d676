// sn.applications.gpt: a small decoder-only transformer of the GPT-2 family,
// as nanoGPT's model.py and KerasHub's GPT2Backbone build it: token and
// learned position embeddings, then blocks of pre-norm causal self-attention
// and a gelu feed-forward, each in a residual, a last layer norm and a dense
// head giving the logits of the next token at every position. Built from
// sn.layers, so it trains, saves and generates (sn.text.generate) like any
// functional model. Not compiled.
import { checkNumber, checkOptions } from '../core/names.js';
import { input } from '../model/graph.js';
import { model } from '../model/model.js';
import { layers } from '../layers/index.js';

// One block: x + attention(norm(x)), then x + mlp(norm(x)) (nanoGPT's Block.forward).
function block(x, i, { numHeads, hiddenDim, intermediateDim, dropout, layerNormEpsilon }) {
  const name = (part) => `block_${i}_${part}`;
  const norm = (y, part) => layers.layerNormalization({ epsilon: layerNormEpsilon, name: name(part) }).apply(y);
  let h = norm(x, 'attention_norm');
  h = layers.multiHeadAttention({ numHeads, keyDim: hiddenDim / numHeads, dropout, name: name('attention') }).apply([h, h], { useCausalMask: true });
  if (dropout) h = layers.dropout({ rate: dropout, name: name('attention_dropout') }).apply(h);
  x = layers.add({ name: name('attention_add') }).apply([x, h]);
  h = norm(x, 'mlp_norm');
  h = layers.dense({ units: intermediateDim, activation: 'gelu', name: name('mlp_up') }).apply(h);
  h = layers.dense({ units: hiddenDim, name: name('mlp_down') }).apply(h);
  if (dropout) h = layers.dropout({ rate: dropout, name: name('mlp_dropout') }).apply(h);
  return layers.add({ name: name('mlp_add') }).apply([x, h]);
}

/**
 * sn.applications.gpt({ vocabularySize, sequenceLength, numLayers = 4, numHeads = 4,
 * hiddenDim = 128, intermediateDim = 4 × hiddenDim, dropout = 0, layerNormEpsilon = 1e-5,
 * name, seed }): token ids [sequenceLength] in, logits [sequenceLength, vocabularySize]
 * out (compile with sparseCategoricalCrossentropy fromLogits). nanoGPT's defaults for
 * its CPU recipe are numLayers 4, numHeads 4, hiddenDim 128, sequenceLength 64.
 */
export function gpt(options = {}) {
  const o = checkOptions('gpt', options, ['vocabularySize', 'sequenceLength', 'numLayers', 'numHeads', 'hiddenDim', 'intermediateDim', 'dropout', 'layerNormEpsilon', 'name', 'seed']);
  const int = (key, fallback, max = 2 ** 20) => checkNumber(`gpt ${key}`, o[key] ?? fallback, { min: 1, max, integer: true });
  if (o.vocabularySize === undefined || o.sequenceLength === undefined) throw new Error('gpt: vocabularySize and sequenceLength are required');
  const vocabularySize = int('vocabularySize'), sequenceLength = int('sequenceLength', undefined, 65536);
  const numLayers = int('numLayers', 4, 256), numHeads = int('numHeads', 4, 256), hiddenDim = int('hiddenDim', 128, 65536);
  if (hiddenDim % numHeads) throw new Error(`gpt: hiddenDim ${hiddenDim} is not a multiple of numHeads ${numHeads}`);
  const settings = {
    numHeads, hiddenDim,
    intermediateDim: int('intermediateDim', 4 * hiddenDim, 2 ** 18),
    dropout: checkNumber('gpt dropout', o.dropout ?? 0, { min: 0, max: 0.999999 }),
    layerNormEpsilon: checkNumber('gpt layerNormEpsilon', o.layerNormEpsilon ?? 1e-5, { min: 0 }),
  };
  const ids = input({ shape: [sequenceLength], dtype: 'int32', name: 'token_ids' });
  let x = layers.tokenAndPositionEmbedding({ vocabularySize, sequenceLength, embeddingDim: hiddenDim, name: 'embeddings' }).apply(ids);
  if (settings.dropout) x = layers.dropout({ rate: settings.dropout, name: 'embeddings_dropout' }).apply(x);
  for (let i = 0; i < numLayers; i++) x = block(x, i, settings);
  x = layers.layerNormalization({ epsilon: settings.layerNormEpsilon, name: 'final_norm' }).apply(x);
  const logits = layers.dense({ units: vocabularySize, name: 'logits' }).apply(x);
  return model({ inputs: ids, outputs: logits, name: o.name ?? 'gpt', ...(o.seed === undefined ? {} : { seed: o.seed }) });
}
