// KerasHub's PositionEmbedding and TokenAndPositionEmbedding
// (keras_hub/src/layers/modeling/position_embedding.py,
// token_and_position_embedding.py) against a float64 reference of their
// equations (TF.js has neither: the reference is the embedding gather plus the
// position rows, then a dense softmax per position and the mean sparse
// cross-entropy, differentiated by hand) in small functional models that train
// with SGD: losses and weights after a few steps. Also: PositionEmbedding
// returns the table's rows (it adds nothing to its input); weight names and
// shapes as KerasHub's; maskZero's mask flowing on; ids out of range and
// sequences longer than sequenceLength refused naming the layer; TF.js JSON
// (with KerasHub's registered names) and model files both ways.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as sn from '../web/index.js';
import { randomArray } from './support/models.js';

await sn.ready();
const L = sn.layers;
const [V, S, T, D, C, N] = [7, 8, 5, 4, 3, 6]; // vocabulary, sequenceLength, steps, embeddingDim, classes, rows

const IDS = Array.from({ length: N }, (_, r) => Array.from({ length: T }, (_, t) => (r * 3 + t * 5 + 1) % V));
const LABELS = IDS.map((row) => row.map((id, t) => (id + t) % C));

/** ids [T] → tokenAndPositionEmbedding → dense softmax per position; or, with `separate`, an embedding plus a positionEmbedding of it, added. */
function tagger(separate = false, seed = 4) {
  const ids = sn.input({ shape: [T], name: 'ids' });
  let e;
  if (separate) {
    const tokens = L.embedding({ inputDim: V, outputDim: D, name: 'tokens' }).apply(ids);
    e = L.add({ name: 'sum' }).apply([tokens, L.positionEmbedding({ sequenceLength: S, name: 'positions' }).apply(tokens)]);
  } else e = L.tokenAndPositionEmbedding({ vocabularySize: V, sequenceLength: S, embeddingDim: D, name: 'tpe' }).apply(ids);
  const out = L.dense({ units: C, activation: 'softmax', name: 'head' }).apply(e);
  return sn.model({ inputs: ids, outputs: out, seed });
}

/** One full-batch SGD step of the reference in float64: returns the loss before it; updates tok, pos, K, b. */
function referenceStep(w, lr) {
  const { tok, pos, K, b } = w;
  const g = { tok: new Float64Array(tok.length), pos: new Float64Array(pos.length), K: new Float64Array(K.length), b: new Float64Array(b.length) };
  let loss = 0;
  const scale = 1 / (N * T);
  IDS.forEach((row, r) => row.forEach((id, t) => {
    const e = Array.from({ length: D }, (_, d) => tok[id * D + d] + pos[t * D + d]);
    const z = Array.from({ length: C }, (_, c) => b[c] + e.reduce((s, v, d) => s + v * K[d * C + c], 0));
    const max = Math.max(...z), ex = z.map((v) => Math.exp(v - max)), sum = ex.reduce((a, v) => a + v, 0);
    const p = ex.map((v) => v / sum), label = LABELS[r][t];
    loss -= Math.log(p[label]) * scale;
    const dz = p.map((v, c) => (v - (c === label ? 1 : 0)) * scale);
    dz.forEach((v, c) => {
      g.b[c] += v;
      for (let d = 0; d < D; d++) g.K[d * C + c] += e[d] * v;
    });
    for (let d = 0; d < D; d++) {
      const de = dz.reduce((s, v, c) => s + v * K[d * C + c], 0);
      g.tok[id * D + d] += de;
      g.pos[t * D + d] += de;
    }
  }));
  for (const key of Object.keys(g)) g[key].forEach((v, i) => (w[key][i] -= lr * v));
  return loss;
}

for (const separate of [false, true]) {
  test(`${separate ? 'embedding + positionEmbedding (added)' : 'tokenAndPositionEmbedding'} trains as the float64 reference: losses and weights after 3 SGD steps`, async () => {
    const model = tagger(separate);
    const weights = model.getWeights();
    const names = weights.map((w) => w.name);
    assert.deepEqual(names, separate
      ? ['tokens/embeddings', 'positions/embeddings', 'head/kernel', 'head/bias']
      : ['tpe/token_embedding/embeddings', 'tpe/position_embedding/embeddings', 'head/kernel', 'head/bias']);
    assert.deepEqual(weights.slice(0, 2).map((w) => w.shape), [[V, D], [S, D]]);
    // Biases drawn too, so every weight's update matters.
    model.setWeights(weights.map(({ values }, i) => randomArray(values.length, 60 + i, -0.5, 0.5)));
    const w = Object.fromEntries(['tok', 'pos', 'K', 'b'].map((k, i) => [k, Float64Array.from(model.getWeights()[i].values)]));
    const unused = model.getWeights()[1].values.slice(T * D);
    model.compile({ optimizer: sn.optimizers.sgd({ learningRate: 0.5 }), loss: 'sparseCategoricalCrossentropy' });
    const history = await model.fit(IDS, LABELS, { epochs: 3, batchSize: N, shuffle: false });
    const losses = [0, 1, 2].map(() => referenceStep(w, 0.5));
    history.history.loss.forEach((l, e) => assert.ok(Math.abs(l - losses[e]) < 1e-5, `epoch ${e}: loss ${l}, reference ${losses[e]}`));
    assert.ok(losses[1] < losses[0] && losses[2] < losses[1], `it learns: ${losses}`);
    model.getWeights().forEach(({ name, values }, i) => {
      const ref = Object.values(w)[i];
      values.forEach((v, j) => assert.ok(Math.abs(v - ref[j]) < 1e-5, `${name}[${j}] ${v}, reference ${ref[j]}`));
    });
    // Positions past T get no gradient: rows T … S − 1 of the position table did not move.
    assert.deepEqual(model.getWeights()[1].values.slice(T * D), unused);
    model.dispose();
  });
}

test('positionEmbedding returns its table\'s rows broadcast to the input, not added to it', () => {
  const x = sn.input({ shape: [2, T, D] });
  const model = sn.model({ inputs: x, outputs: L.positionEmbedding({ sequenceLength: S, name: 'p' }).apply(x), seed: 3 });
  const table = model.getWeights()[0];
  assert.deepEqual([table.name, table.shape], ['p/embeddings', [S, D]]);
  const out = model.predict(randomArray(2 * 2 * T * D, 9));
  for (let r = 0; r < 2; r++) for (let h = 0; h < 2; h++) for (let t = 0; t < T; t++)
    assert.deepEqual(Array.from(out.subarray(((r * 2 + h) * T + t) * D, ((r * 2 + h) * T + t + 1) * D)), Array.from(table.values.subarray(t * D, (t + 1) * D)));
  model.dispose();
});

test('defaults as KerasHub: positionEmbedding glorotUniform, tokenAndPositionEmbedding randomUniform(±0.05) for both tables', () => {
  assert.equal(L.positionEmbedding({ sequenceLength: 3 }).initializer.name, 'glorotUniform');
  const tpe = L.tokenAndPositionEmbedding({ vocabularySize: 500, sequenceLength: 300, embeddingDim: 8 });
  assert.equal(tpe.embeddingsInitializer.name, 'randomUniform');
  const model = sn.sequential({ seed: 2, layers: [L.tokenAndPositionEmbedding({ vocabularySize: 500, sequenceLength: 300, embeddingDim: 8, inputShape: [10] })] });
  for (const { values } of model.getWeights()) {
    assert.ok(values.every((v) => Math.abs(v) <= 0.05));
    assert.ok(Math.max(...values) > 0.045 && Math.min(...values) < -0.045);
  }
  model.dispose();
});

test('maskZero: the output carries the token mask (id ≠ 0), which a recurrent layer and the loss honour', () => {
  const padded = [[3, 1, 0, 0, 0], [2, 2, 5, 0, 0]];
  const make = (maskZero) => sn.sequential({ seed: 8, layers: [
    L.tokenAndPositionEmbedding({ vocabularySize: V, sequenceLength: S, embeddingDim: D, maskZero, inputShape: [T] }),
    L.gru({ units: 3 }),
  ] });
  const masked = make(true), plain = make(false);
  // Masked steps carry the state: the output equals that of the unpadded prefix... compared through a model on T=2 ids.
  const short = sn.sequential({ seed: 8, layers: [
    L.tokenAndPositionEmbedding({ vocabularySize: V, sequenceLength: S, embeddingDim: D, inputShape: [2] }), L.gru({ units: 3 }),
  ] });
  short.setWeights(masked.getWeights().map((w) => w.values));
  const a = masked.predict(padded), b = short.predict([[3, 1], [2, 2]]), c = plain.predict(padded);
  assert.ok(Array.from(a.subarray(0, 3)).every((v, i) => Math.abs(v - b[i]) < 1e-6), 'row 0 stops after its 2 ids');
  assert.ok(Array.from(a.subarray(0, 3)).some((v, i) => Math.abs(v - c[i]) > 1e-4), 'without maskZero the padding counts');
  assert.throws(() => sn.sequential({ layers: [
    L.tokenAndPositionEmbedding({ vocabularySize: V, sequenceLength: S, embeddingDim: D, maskZero: true, inputShape: [T] }), L.flatten(),
  ] }), /does not support masking/);
  for (const m of [masked, plain, short]) m.dispose();
});

test('bad input: ids out of range, a sequence longer than sequenceLength, bad options: an Error naming the layer', () => {
  const model = tagger();
  assert.throws(() => model.predict([[1, 2, 3, 4, V]]), /token id 7 is not a row of token_and_position_embedding "tpe" \(vocabularySize 7\)/);
  assert.throws(() => model.predict([[1, 2, -1, 4, 0]]), /token id -1/);
  assert.throws(() => model.predict([[1, 2, 1.5, 4, 0]]), /token id 1.5/);
  model.dispose();
  assert.throws(() => sn.sequential({ layers: [L.tokenAndPositionEmbedding({ vocabularySize: V, sequenceLength: 4, embeddingDim: D, name: 'short', inputShape: [T] })] }),
    /short.*sequence of 5 steps is longer than its sequenceLength 4/);
  const x = sn.input({ shape: [9, 2] });
  assert.throws(() => L.positionEmbedding({ sequenceLength: S, name: 'pe' }).apply(x), /pe.*sequence of 9 steps is longer than its sequenceLength 8/);
  assert.throws(() => L.positionEmbedding({ sequenceLength: S, name: 'flat' }).apply(sn.input({ shape: [4] })), /flat.*needs a sequence axis and a features axis/);
  assert.throws(() => L.positionEmbedding({}), /positionEmbedding sequenceLength/);
  assert.throws(() => L.tokenAndPositionEmbedding({ vocabularySize: 0, sequenceLength: 3, embeddingDim: 2 }), /tokenAndPositionEmbedding vocabularySize/);
  assert.throws(() => L.tokenAndPositionEmbedding({ vocabularySize: 3, sequenceLength: 3, embeddingDim: 2, tieWeights: false }), /tieWeights false is not supported/);
  assert.throws(() => L.tokenAndPositionEmbedding({ vocabularySize: 3, sequenceLength: 3, embeddingDim: 2, seqAxis: 1 }), /seqAxis/);
});

test('TF.js JSON and model files both ways; a Keras 3 config with KerasHub\'s registered names imports', () => {
  for (const separate of [false, true]) {
    const model = tagger(separate, 12);
    const x = IDS;
    const { modelJson, weightsBin } = model.toTfjs();
    const layers = modelJson.modelTopology.config.layers;
    const hub = layers.find((l) => l.class_name === (separate ? 'PositionEmbedding' : 'TokenAndPositionEmbedding'));
    assert.equal(hub.registered_name, separate ? 'keras_hub>PositionEmbedding' : 'keras_hub>TokenAndPositionEmbedding');
    if (!separate) assert.deepEqual([hub.config.vocabulary_size, hub.config.sequence_length, hub.config.embedding_dim, hub.config.tie_weights, hub.config.mask_zero], [V, S, D, true, false]);
    else assert.equal(hub.config.sequence_length, S);
    const back = sn.fromTfjs(modelJson, weightsBin), again = sn.loadModel(model.save());
    assert.deepEqual(back.predict(x), model.predict(x));
    assert.deepEqual(again.predict(x), model.predict(x));
    // As Keras 3 writes it: class_name, registered_name, module; Keras 3's initializer config; weights named by path.
    const keras = JSON.parse(JSON.stringify(modelJson));
    keras.modelTopology.keras_version = '3.8.0';
    const entry = keras.modelTopology.config.layers.find((l) => l.name === hub.name);
    if (!separate) entry.config.embeddings_initializer = { module: 'keras.initializers', class_name: 'RandomUniform', config: { minval: -0.05, maxval: 0.05, seed: null }, registered_name: null };
    const imported = sn.fromTfjs(keras, weightsBin);
    assert.deepEqual(imported.predict(x), model.predict(x));
    entry.class_name = `keras_nlp>${entry.class_name}`;
    delete entry.registered_name;
    const older = sn.fromTfjs(keras, weightsBin);
    assert.deepEqual(older.predict(x), model.predict(x));
    entry.config.tie_weights = false;
    if (!separate) assert.throws(() => sn.fromTfjs(keras, weightsBin), /tieWeights false is not supported/);
    for (const m of [model, back, again, imported, older]) m.dispose();
  }
});
