// Closeness of float arrays, for the tests (Node only: node:assert).
import assert from 'node:assert/strict';

/** Two arrays of one length whose elements differ by at most tol (an assertion naming `what` and the largest difference). */
export function assertNear(actual, expected, what, tol = 1e-5) {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  assert.ok(worst <= tol, `${what}: off by ${worst}`);
}
