// Version-2 model files (written by main at 5fdf767, before format version 3;
// test/fixtures/model-files-v2/make.js says how) still load: the same weights,
// moving statistics bit for bit and predictions as when they were saved (bit
// for bit, but for a batch norm after a linear convolution: inference folds it
// into the convolution's weights since issue 23, which moves the last bits), and
// training that resumes exactly as main's own code resumed it. A re-save (in
// whatever version today's code writes) loads and resumes the same way, so
// nothing the version-2 file held (optimizer slots, step, shuffling and dropout
// generators, moving statistics) is lost on the way. Damaged version-2 files
// are refused.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { test } from 'node:test';
import * as sn from '../web/index.js';
import { assertDamageRefused } from './support/damaged-files.js';
import { blobs, randomArray } from './support/models.js';

await sn.ready();

const DIR = new URL('./fixtures/model-files-v2/', import.meta.url);
const EXPECTED = JSON.parse(readFileSync(new URL('expected.json', DIR), 'utf8'));
const read = (name) => new Uint8Array(readFileSync(new URL(`${name}.simdnet`, DIR)));
const base64 = (floats) => Buffer.from(Float32Array.from(floats).buffer).toString('base64');
const fromBase64 = (text) => { const b = Buffer.from(text, 'base64'); return new Float32Array(b.buffer, b.byteOffset, b.length / 4); };
/** Predictions as saved: bit for bit, or within 1e-6 of the largest where a batch norm folds into the layer before it. */
function assertPredictions(model, actual, expected) {
  const folds = model.layers.some((l, i) => l.type === 'BatchNormalization' && ['Conv2D', 'Dense'].includes(model.layers[i - 1]?.type) && model.layers[i - 1].activation.name === 'linear');
  if (!folds) return assert.equal(base64(actual), expected);
  const want = fromBase64(expected), scale = want.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  want.forEach((v, i) => assert.ok(Math.abs(actual[i] - v) <= 1e-6 * scale, `prediction ${i}: ${actual[i]}, saved ${v}`));
}
const weightBits = (model) => model.getWeights().map((w) => ({ name: w.name, bits: base64(w.values) }));
const floatsIn = (b64) => Buffer.from(b64, 'base64').length / 4;
const isMoving = (name) => /\/moving_(mean|variance)$/.test(name);

/** The sections of a version-2 file, as c/model_file.h (at 5fdf767) lays them out. */
function sections(file) {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const u32 = (at) => view.getUint32(at, true);
  const [version, flags, jsonBytes, nWeights, nHp, nSlots, nNonTrainable, nRngs] = [8, 12, 16, 20, 24, 28, 32, 36].map(u32);
  const topology = JSON.parse(new TextDecoder().decode(file.subarray(40, 40 + jsonBytes)));
  const weightsAt = 40 + jsonBytes, nonTrainableAt = weightsAt + 4 * nWeights, stateAt = nonTrainableAt + 4 * nNonTrainable;
  const stateBytes = flags & 1 ? 28 + 16 * nRngs + 4 * (nHp + nSlots * nWeights) : 0;
  return { version, flags, topology, nWeights, nNonTrainable, nRngs, nonTrainableAt, end: stateAt + stateBytes };
}

/** A copy of file with edit(DataView) applied and its checksum made right again. */
function edited(file, edit) {
  const copy = file.slice();
  const view = new DataView(copy.buffer);
  edit(view);
  view.setUint32(copy.length - 4, crc32(copy.subarray(0, copy.length - 4)), true);
  return copy;
}

const data = Object.fromEntries([6, 36].map((n) => [n, blobs(40, n)]));
const predictInputs = Object.fromEntries([6, 36].map((n) => [n, randomArray(7 * n, 5)]));
const resumed = async (model, expected) => {
  const { x, labels, y } = data[expected.inputs];
  const history = await model.fit(x, expected.sparse ? labels : y, expected.resume);
  return { loss: history.history.loss, weights: weightBits(model) };
};

for (const [name, expected] of Object.entries(EXPECTED.files)) {
  test(`version-2 file ${name}: the weights, moving statistics and predictions it was saved with`, () => {
    const file = read(name);
    assert.equal(file.length, expected.bytes);
    const s = sections(file);
    assert.equal(s.version, 2, 'a version-2 file');
    assert.equal(s.end + 4, file.length, 'its sections as version 2 lays them out');
    const moving = expected.weights.filter((w) => isMoving(w.name)).reduce((n, w) => n + floatsIn(w.bits), 0);
    assert.ok(moving > 0 && s.nNonTrainable === moving, 'batch norm moving statistics in the non-trainable section');
    assert.equal(Boolean(s.flags & 1), Boolean(expected.resume) && name !== 'cnn-weights-only', 'training state present or not');
    if (s.flags & 1) assert.equal(s.nRngs, s.topology.layers.filter((l) => l.className === 'Dropout' && l.config.rate > 0).length, 'one generator per dropout layer');
    const model = sn.loadModel(file);
    assert.deepEqual(weightBits(model), expected.weights);
    assertPredictions(model, model.predict(predictInputs[expected.inputs]), expected.predictions);
    model.dispose();
  });

  if (expected.resume)
    test(`version-2 file ${name}: training resumes as main's code resumed it, bit for bit`, async () => {
      const model = sn.loadModel(read(name));
      const { loss, weights } = await resumed(model, expected);
      assert.deepEqual(loss, expected.resumedLoss);
      assert.deepEqual(weights, expected.resumedWeights);
      model.dispose();
    });

  test(`version-2 file ${name}: its re-save by today's code loads${expected.resume ? ' and resumes' : ''} the same`, async () => {
    const file = read(name);
    const model = sn.loadModel(file);
    const resave = model.save({ includeOptimizer: Boolean(sections(file).flags & 1) }); // a weights-only file loads compiled: save it weights-only too
    model.dispose();
    assert.ok(new DataView(resave.buffer, resave.byteOffset).getUint32(8, true) >= 2, 'a version-2 or later file');
    const again = sn.loadModel(resave);
    assert.deepEqual(weightBits(again), expected.weights);
    assertPredictions(again, again.predict(predictInputs[expected.inputs]), expected.predictions);
    if (expected.resume) {
      const { loss, weights } = await resumed(again, expected);
      assert.deepEqual(loss, expected.resumedLoss, 'the training state survived the re-save');
      assert.deepEqual(weights, expected.resumedWeights);
    }
    again.dispose();
  });
}

test('damaged version-2 files are refused', () => {
  const file = read('cnn-adam');
  const heap = sn.heapBytes();
  assertDamageRefused(file);
  const s = sections(file);
  const variance = s.nonTrainableAt + 4 * (s.nNonTrainable / 2); // moving_mean (3 channels), then moving_variance
  const cases = [
    [(v) => v.setUint32(8, 99, true), /unknown version/],
    [(v) => v.setUint32(12, 3, true), /unknown flags/],
    [(v) => v.setUint32(32, s.nNonTrainable + 1, true), /a section length|its length does not match/],
    [(v) => v.setUint32(36, s.nRngs - 1, true), /a section length|its length does not match/],
    [(v) => v.setFloat32(variance, -0.25, true), /a negative moving variance/],
    [(v) => v.setFloat32(s.nonTrainableAt, NaN, true), /NaN or infinite/],
  ];
  for (const [edit, message] of cases) assert.throws(() => sn.loadModel(edited(file, edit)), message);
  assert.equal(sn.heapBytes(), heap);
});
