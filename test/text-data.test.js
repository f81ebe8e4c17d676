// The text page's data helpers (demo/text-data.js): vocabulary, windows and
// their labels, temperature sampling, and generation with a sliding window.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generate, random, sampleIndex, vocabulary, windows } from '../demo/text-data.js';

test('a vocabulary gives each character of the text an id, in sorted order, and refuses characters it lacks', () => {
  const v = vocabulary('hello world');
  assert.deepEqual(v.chars, [' ', 'd', 'e', 'h', 'l', 'o', 'r', 'w']);
  assert.deepEqual(Array.from(v.ids('held')), [3, 2, 4, 1]);
  assert.throws(() => v.ids('hex'), /"x" is not in the text's vocabulary/);
});

test('windows hold the ids of a stretch of the text, and each label is the id right after it, inside [from, to)', () => {
  const ids = Int32Array.from({ length: 500 }, (_, i) => i);
  const { x, y } = windows(ids, { length: 7, count: 50, from: 100, to: 300, seed: 3 });
  assert.equal(x.length, 350);
  for (let r = 0; r < 50; r++) {
    const start = x[r * 7];
    assert.ok(start >= 100 && start + 7 < 300, `window ${r} starts at ${start}`);
    for (let t = 0; t < 7; t++) assert.equal(x[r * 7 + t], start + t);
    assert.equal(y[r], start + 7);
  }
  assert.deepEqual(windows(ids, { length: 7, count: 5, seed: 3 }), windows(ids, { length: 7, count: 5, seed: 3 }), 'the same seed, the same windows');
  assert.throws(() => windows(ids, { length: 10, count: 1, from: 0, to: 10 }), /too short for windows of 10/);
  assert.doesNotThrow(() => windows(ids, { length: 10, count: 1, from: 0, to: 11 }), 'one window and its label fit in 11');
});

test('sampling: temperature 0 takes the most likely; low temperatures sharpen, high ones flatten, as p^(1/T)', () => {
  const probs = [0.1, 0.6, 0.3];
  assert.equal(sampleIndex(probs, 0, random(1)), 1);
  const freq = (temperature) => {
    const rand = random(7), counts = [0, 0, 0];
    for (let i = 0; i < 20000; i++) counts[sampleIndex(probs, temperature, rand)]++;
    return counts.map((c) => c / 20000);
  };
  const expected = (temperature) => {
    const w = probs.map((p) => p ** (1 / temperature)), s = w.reduce((a, b) => a + b);
    return w.map((v) => v / s);
  };
  for (const t of [0.5, 1, 1.5]) freq(t).forEach((f, i) => assert.ok(Math.abs(f - expected(t)[i]) < 0.015, `T=${t}, class ${i}: ${f} vs ${expected(t)[i]}`));
});

test('generation feeds the model a window that slides by the sampled character, the phrase padded on the left', async () => {
  const v = vocabulary('abc ');
  const seen = [];
  // A "model" that always puts all its probability on the character after the window's last one (a → b → c → ' ' → a).
  const predict = async (x) => {
    seen.push(Array.from(x));
    const p = new Float32Array(4);
    p[(x.at(-1) + 1) % 4] = 1;
    return p;
  };
  const out = await generate(predict, v, 'ab', { length: 4, n: 5, temperature: 0.8 });
  assert.equal(out, 'c abc'); // ids: ' ' 0, a 1, b 2, c 3
  assert.deepEqual(seen[0], Array.from(v.ids('  ab')));
  assert.deepEqual(seen[1], Array.from(v.ids(' abc')));
  assert.throws(() => v.ids('abz'), /"z"/);
});
