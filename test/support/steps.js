// Drives an optimizer and a float64 reference formula with the same random
// parameters and gradients, and measures how far apart they end (shared by
// the optimizer tests and the course's §7 forms).
import { randomArray } from './models.js';

export const STEPS = 25;
export const LENGTHS = [13, 7];

/**
 * Worst ratio of |float32 result − float64 reference| to the tolerance (≤ 1
 * passes). Tolerance per parameter: 1e-4 of its total movement, plus one
 * float32 ulp of its size per step for the rounding of w itself. A wrong
 * coefficient, sign, bias correction or place of ε moves results by percents.
 */
export function worstRatio(start, result, reference) {
  let worst = 0;
  result.forEach((values, i) => values.forEach((v, j) => {
    const moved = Math.abs(reference[i][j] - start[i][j]);
    const tolerance = 1e-4 * moved + STEPS * Math.max(Math.abs(v), 1) * 2 ** -23;
    worst = Math.max(worst, Math.abs(v - reference[i][j]) / tolerance);
  }));
  return worst;
}

/** Drives `optimizer.step` and `reference(ws, gs, t)` (float64, mutating ws) with the same gradients. */
export function standaloneError(optimizer, reference, { gradScale = 2 } = {}) {
  const params = LENGTHS.map((n, i) => randomArray(n, 50 + i));
  const start = params.map((p) => Float64Array.from(p));
  const w64 = params.map((p) => Float64Array.from(p));
  for (let t = 1; t <= STEPS; t++) {
    const grads = LENGTHS.map((n, i) => randomArray(n, 1000 * t + i, -gradScale, gradScale));
    optimizer.step(params, grads);
    reference(w64, grads, t);
  }
  optimizer.dispose();
  return worstRatio(start, params, w64);
}

