// Version-1 model files (written by main at 9426bb7, before format version 2;
// test/fixtures/model-files-v1/make.js says how) still load: the same weights
// and predictions bit for bit as when they were saved, and training that
// resumes exactly as main's own code resumed it. Also checked without relying
// on the kernels' bits: everything the version-1 file holds lands in the model
// (its re-save in today's version holds the same training state, the generators
// moved from version 1's dense-layer slots to the list of dropout layers that
// versions 2 and 3 keep).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import * as sn from '../web/index.js';
import { assertDamageRefused } from './support/damaged-files.js';
import { blobs, randomArray } from './support/models.js';

await sn.ready();

const DIR = new URL('./fixtures/model-files-v1/', import.meta.url);
const EXPECTED = JSON.parse(readFileSync(new URL('expected.json', DIR), 'utf8'));
const read = (name) => new Uint8Array(readFileSync(new URL(`${name}.simdnet`, DIR)));
const base64 = (floats) => Buffer.from(Float32Array.from(floats).buffer).toString('base64');
const weightBits = (model) => model.getWeights().map((w) => ({ name: w.name, bits: base64(w.values) }));

/** The sections of a model file, version 1, 2 or 3, as c/model_file.h lays them out. */
function sections(file) {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const u32 = (at) => view.getUint32(at, true);
  const version = u32(8), header = version === 1 ? 32 : 40;
  const [flags, jsonBytes, nWeights, nHp, nSlots] = [12, 16, 20, 24, 28].map(u32);
  const nNonTrainable = version === 1 ? 0 : u32(32);
  const nRngs = version === 1 ? (flags & 1 ? 32 : 0) : u32(36);
  const topology = JSON.parse(new TextDecoder().decode(file.subarray(header, header + jsonBytes)));
  const weightsAt = header + jsonBytes, stateAt = weightsAt + 4 * (nWeights + nNonTrainable);
  if (!(flags & 1)) return { version, topology, weights: file.subarray(weightsAt, stateAt), state: null };
  const rngsAt = stateAt + 28, hpAt = rngsAt + 16 * nRngs;
  return {
    version, topology, weights: file.subarray(weightsAt, stateAt),
    state: {
      fixed: file.subarray(stateAt, rngsAt), // shuffling generator, optimizer kind, step
      rngs: Array.from({ length: nRngs }, (_, k) => file.subarray(rngsAt + 16 * k, rngsAt + 16 * k + 16)),
      rest: file.subarray(hpAt, hpAt + 4 * (nHp + nSlots * nWeights)), // hyper-parameters, optimizer slots
    },
  };
}

/** Version 1's generator slots in use: the dropout layer right after the k-th dense layer has slot k. */
function v1Slots(topology) {
  const slots = [];
  let dense = -1;
  topology.layers.forEach((layer, i) => {
    if (layer.className === 'Dense') dense++;
    else if (layer.className === 'Dropout' && layer.config.rate > 0 && topology.layers[i - 1]?.className === 'Dense') slots.push(dense);
  });
  return slots;
}

const { x, labels, y } = blobs(40);
const xPredict = randomArray(7 * 6, 5);

for (const [name, expected] of Object.entries(EXPECTED.files)) {
  test(`version-1 file ${name}: the weights and predictions it was saved with`, () => {
    const file = read(name);
    assert.equal(file.length, expected.bytes);
    assert.equal(new DataView(file.buffer).getUint32(8, true), 1, 'a version-1 file');
    const model = sn.loadModel(file);
    assert.deepEqual(weightBits(model), expected.weights);
    assert.equal(base64(model.predict(xPredict)), expected.predictions);
    model.dispose();
  });

  test(`version-1 file ${name}: everything it holds lands in the model (its re-save holds the same)`, () => {
    const file = read(name);
    const model = sn.loadModel(file);
    const v1 = sections(file);
    const v2 = sections(model.save({ includeOptimizer: Boolean(v1.state) })); // a weights-only file loads compiled: save it weights-only too
    assert.equal(v2.version, 3, 'saved as version 3 (its binary sections are those of version 2)');
    assert.deepEqual(v2.topology, v1.topology, 'the same topology');
    assert.deepEqual(v2.weights, v1.weights, 'the same weights (a dense model has no moving statistics)');
    assert.equal(Boolean(v2.state), Boolean(v1.state));
    if (v1.state) {
      assert.deepEqual(v2.state.fixed, v1.state.fixed, 'the shuffling generator, optimizer kind and step');
      assert.deepEqual(v2.state.rest, v1.state.rest, 'hyper-parameters (schedule included) and optimizer slots');
      const slots = v1Slots(v1.topology);
      assert.deepEqual(v2.state.rngs, slots.map((k) => v1.state.rngs[k]), `dropout generators from slots ${slots}`);
      assert.ok(slots.every((k) => v1.state.rngs[k].some((b) => b !== 0)), 'the slots in use hold generators');
    }
    const again = sn.loadModel(model.save());
    assert.deepEqual(weightBits(again), weightBits(model), 'the re-save loads to the same model');
    model.dispose();
    again.dispose();
  });

  if (expected.resume)
    test(`version-1 file ${name}: training resumes as main's code resumed it, bit for bit`, async () => {
      const model = sn.loadModel(read(name));
      const history = await model.fit(x, expected.sparse ? labels : y, expected.resume);
      assert.deepEqual(history.history.loss, expected.resumedLoss);
      assert.deepEqual(weightBits(model), expected.resumedWeights);
      model.dispose();
    });
}

test('damaged version-1 files are refused as version-2 ones are', () => {
  const file = read('adam-dropout');
  const heap = sn.heapBytes();
  assertDamageRefused(file);
  assert.equal(sn.heapBytes(), heap);
});
