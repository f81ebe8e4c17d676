import test from 'node:test';
import assert from 'node:assert/strict';
import { oneHot, scale255, minMaxScale, standardize } from '../web/data/data.js';

/** Element-wise closeness for Float32 results compared with hand-computed doubles. */
function assertClose(actual, expected, tol = 1e-6) {
  assert.equal(actual.length, expected.length, 'length');
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `index ${i}: got ${actual[i]}, expected ${expected[i]}`);
  }
}

test('oneHot encodes plain arrays and typed arrays exactly', () => {
  const expected = Float32Array.of(0, 0, 1, 1, 0, 0, 0, 1, 0);
  assert.deepEqual(oneHot([2, 0, 1], 3), expected);
  assert.deepEqual(oneHot(Uint8Array.of(2, 0, 1), 3), expected);
  assert.deepEqual(oneHot(Int32Array.of(2, 0, 1), 3), expected);
  assert.deepEqual(oneHot(BigInt64Array.of(2n, 0n, 1n), 3), expected);
  assert.deepEqual(oneHot(Float64Array.of(2, 0, 1), 3), expected);
  assert.deepEqual(oneHot([0], 1), Float32Array.of(1));
  assert.deepEqual(oneHot([], 4), new Float32Array(0));
});

test('oneHot rejects bad labels naming index and value', () => {
  assert.throws(() => oneHot([0, 1.5], 3), { message: 'oneHot: label at index 1 is 1.5, not an integer' });
  assert.throws(() => oneHot([0, 1, NaN], 3), { message: 'oneHot: label at index 2 is NaN, not an integer' });
  assert.throws(() => oneHot(['1'], 3), { message: 'oneHot: label at index 0 is 1, not an integer' });
  assert.throws(() => oneHot([-1], 3), { message: 'oneHot: label at index 0 is -1, outside [0, 2] for numClasses=3' });
  assert.throws(() => oneHot(Int32Array.of(0, 1, 3), 3), { message: 'oneHot: label at index 2 is 3, outside [0, 2] for numClasses=3' });
});

test('oneHot rejects a bad numClasses or labels container', () => {
  for (const n of [0, -2, 2.5, NaN, '3', undefined]) {
    assert.throws(() => oneHot([0], n), { message: `oneHot: numClasses must be a positive integer, got ${n}` });
  }
  assert.throws(() => oneHot(null, 3), TypeError);
  assert.throws(() => oneHot(5, 3), TypeError);
});

test('scale255 divides by 255 into a Float32Array', () => {
  assert.deepEqual(scale255(Uint8Array.of(0, 51, 255)), Float32Array.of(0, 0.2, 1));
  assert.deepEqual(scale255([255, 102]), Float32Array.of(1, 0.4));
  assert.throws(() => scale255([1, 2, NaN]), /scale255: value at index 2 is NaN, not a finite number/);
  assert.throws(() => scale255(Float32Array.of(Infinity)), /scale255: value at index 0 is Infinity/);
  assert.throws(() => scale255(undefined), TypeError);
});

// 3 rows × 3 features; column 2 is constant.
const TRAIN = [
  1, 10, 5,
  3, 20, 5,
  2, 30, 5,
];

test('minMaxScale scales each column into [0, 1]; constant columns become 0', () => {
  const r = minMaxScale(TRAIN, 3);
  assert.deepEqual(r.x, Float32Array.of(
    0, 0, 0,
    1, 0.5, 0,
    0.5, 1, 0,
  ));
  assert.deepEqual(r.min, Float32Array.of(1, 10, 5));
  assert.deepEqual(r.max, Float32Array.of(3, 30, 5));
  assert.ok(!r.x.some(Number.isNaN));
});

test('minMaxScale reuses the training min/max for test data (no clipping)', () => {
  const train = minMaxScale(TRAIN, 3);
  const r = minMaxScale(Float64Array.of(2, 40, 7, 0, 10, 5), 3, { min: train.min, max: train.max });
  assert.deepEqual(r.x, Float32Array.of(0.5, 1.5, 0, -0.5, 0, 0));
  assert.deepEqual(r.min, Float32Array.of(1, 10, 5));
  assert.deepEqual(r.max, Float32Array.of(3, 30, 5));
  // Re-applying the returned statistics to the training data reproduces it exactly.
  assert.deepEqual(minMaxScale(TRAIN, 3, train).x, train.x);
  // The inputs are not modified.
  assert.deepEqual(TRAIN, [1, 10, 5, 3, 20, 5, 2, 30, 5]);
});

test('minMaxScale validation errors', () => {
  assert.throws(() => minMaxScale([1, 2, 3, 4, 5, 6, 7], 3), { message: 'minMaxScale: x.length 7 is not a multiple of features 3' });
  assert.throws(() => minMaxScale([1, 2, 3, 4, NaN, 6], 3), /minMaxScale: value at index 4 is NaN/);
  assert.throws(() => minMaxScale([Infinity, 2, 3], 3, { min: [0, 0, 0], max: [1, 1, 1] }), /minMaxScale: value at index 0 is Infinity/);
  assert.throws(() => minMaxScale([1, 2], 0), { message: 'minMaxScale: features must be a positive integer, got 0' });
  assert.throws(() => minMaxScale([1, 2], 1.5), /features must be a positive integer, got 1.5/);
  assert.throws(() => minMaxScale([1, 2, 3], 3, { min: [0, 0, 0] }), /pass both min and max \(from the training set\) or neither/);
  assert.throws(() => minMaxScale([1, 2, 3], 3, { min: [0, 0], max: [1, 1] }), { message: 'minMaxScale: min has length 2, expected features=3' });
  assert.throws(() => minMaxScale([1, 2, 3], 3, { min: [0, 5, 0], max: [1, 4, 1] }), { message: 'minMaxScale: max[1]=4 is below min[1]=5' });
  assert.throws(() => minMaxScale([1, 2, 3], 3, { min: [0, NaN, 0], max: [1, 4, 1] }), { message: 'minMaxScale: min[1] is NaN, not a finite number' });
  assert.throws(() => minMaxScale([], 3), { message: 'minMaxScale: x has no rows to compute min/max from' });
  assert.deepEqual(minMaxScale([], 1, { min: [0], max: [1] }).x, new Float32Array(0));
});

// 4 rows × 3 features. Column 0: mean 2, std 1. Column 1: mean 4, squared
// deviations 16+0+0+16 = 32, variance 8, std 2√2. Column 2: constant (std 0).
const STD_TRAIN = [
  1, 0, 5,
  3, 4, 5,
  1, 4, 5,
  3, 8, 5,
];

test('standardize gives per-column mean 0 / population std 1; zero std only centres', () => {
  const r = standardize(STD_TRAIN, 3);
  assertClose(r.mean, [2, 4, 5]);
  assertClose(r.std, [1, 2 * Math.SQRT2, 0]);
  assertClose(r.x, [
    -1, -Math.SQRT2, 0,
    1, 0, 0,
    -1, 0, 0,
    1, Math.SQRT2, 0,
  ]);
  assert.ok(r.x instanceof Float32Array && r.mean instanceof Float32Array && r.std instanceof Float32Array);
});

test('standardize reuses the training mean/std for test data', () => {
  const train = standardize(STD_TRAIN, 3);
  const r = standardize([4, 0, 6], 3, { mean: train.mean, std: train.std });
  // (4-2)/1, (0-4)/(2√2), (6-5)/1 — the zero-std column is divided by 1.
  assertClose(r.x, [2, -Math.SQRT2, 1]);
  assert.deepEqual(r.mean, train.mean);
  assert.deepEqual(r.std, train.std);
});

test('standardize keeps precision with a large offset', () => {
  const r = standardize([1000001, 1000003], 1);
  assert.deepEqual(r.mean, Float32Array.of(1000002));
  assert.deepEqual(r.std, Float32Array.of(1));
  assert.deepEqual(r.x, Float32Array.of(-1, 1));
});

test('standardize validation errors', () => {
  assert.throws(() => standardize([1, 2, 3], 2), { message: 'standardize: x.length 3 is not a multiple of features 2' });
  assert.throws(() => standardize([1, 2, 3, -Infinity], 2), /standardize: value at index 3 is -Infinity/);
  assert.throws(() => standardize([1, NaN], 2, { mean: [0, 0], std: [1, 1] }), /standardize: value at index 1 is NaN/);
  assert.throws(() => standardize([1, 2], 2, { std: [1, 1] }), /pass both mean and std \(from the training set\) or neither/);
  assert.throws(() => standardize([1, 2], 2, { mean: [0, 0], std: [1, -1] }), { message: 'standardize: std[1]=-1 is negative' });
  assert.throws(() => standardize([1, 2], 2, { mean: [0, 0, 0], std: [1, 1] }), { message: 'standardize: mean has length 3, expected features=2' });
  assert.throws(() => standardize([], 2), { message: 'standardize: x has no rows to compute mean/std from' });
});
