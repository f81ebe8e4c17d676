// Keras 3's MultiHeadAttention in float64 (keras/src/layers/attention/multi_head_attention.py):
// projections, the query scaled by 1/√keyDim, scores q·kᵀ per head, Keras' masked Softmax (−1e9 where
// masked, then the masked probabilities zeroed, so a row masked everywhere is zeros), probs·v, the output
// projection. Weights as Keras lays them out (query/kernel [dq, N, K] row-major, …), in get_weights order.

/** out [T × O] of one sample: q [T × dq], v [S × dv], k [S × dk] (arrays of rows); valid(t, s) says where to attend. */
export function attention(w, { numHeads: N, keyDim: K, valueDim: V }, q, v, k, valid = () => true) {
  const [wq, bq, wk, bk, wv, bv, wo, bo] = w;
  const O = bo.length, T = q.length, S = v.length;
  const project = (x, kernel, bias, cols) => x.map((row) => Array.from({ length: cols }, (_, j) => bias[j] + row.reduce((s, xi, i) => s + xi * kernel[i * cols + j], 0)));
  const Q = project(q, wq, bq, N * K), Kp = project(k, wk, bk, N * K), Vp = project(v, wv, bv, N * V);
  const c = Array.from({ length: T }, () => new Array(N * V).fill(0));
  for (let h = 0; h < N; h++)
    for (let t = 0; t < T; t++) {
      const scores = Array.from({ length: S }, (_, s) => {
        let e = 0;
        for (let j = 0; j < K; j++) e += (Q[t][h * K + j] / Math.sqrt(K)) * Kp[s][h * K + j];
        return valid(t, s) ? e : -1e9;
      });
      const max = Math.max(...scores), ex = scores.map((e) => Math.exp(e - max)), sum = ex.reduce((a, b) => a + b, 0);
      for (let s = 0; s < S; s++) {
        const p = valid(t, s) ? ex[s] / sum : 0;
        for (let j = 0; j < V; j++) c[t][h * V + j] += p * Vp[s][h * V + j];
      }
    }
  return project(c, wo, bo, O);
}

/** Keras' LayerNormalization over the last axis of each row. */
export function layerNorm(rows, gamma, beta, epsilon = 1e-3) {
  return rows.map((r) => {
    const mean = r.reduce((a, b) => a + b, 0) / r.length, vr = r.reduce((a, b) => a + (b - mean) ** 2, 0) / r.length;
    return r.map((x, i) => ((x - mean) / Math.sqrt(vr + epsilon)) * gamma[i] + beta[i]);
  });
}

/** Mean sparse categorical cross-entropy of dense(rows)·softmax against labels (per position). */
export function denseSoftmaxLoss(rows, kernel, bias, labels) {
  const units = bias.length;
  let loss = 0;
  rows.forEach((r, t) => {
    const z = Array.from({ length: units }, (_, j) => bias[j] + r.reduce((s, x, i) => s + x * kernel[i * units + j], 0));
    const max = Math.max(...z), lse = max + Math.log(z.reduce((s, x) => s + Math.exp(x - max), 0));
    loss += lse - z[labels[t]];
  });
  return loss / rows.length;
}

/** Central differences in float64 of f(weights) for every weight value. */
export function centralDifferences(weights, f, h = 1e-5) {
  return weights.map((w, i) => Float64Array.from(w, (_, j) => {
    const at = (d) => f(weights.map((u, k) => (k === i ? Float64Array.from(u, (x, m) => (m === j ? x + d : x)) : u)));
    return (at(h) - at(-h)) / (2 * h);
  }));
}

/** erf by Abramowitz and Stegun 7.1.26 (error below 1.5e-7: enough for 1e-4 and 1e-5 comparisons), for exact gelu. */
export function erf(x) {
  const s = Math.sign(x), a = Math.abs(x), t = 1 / (1 + 0.3275911 * a);
  return s * (1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a));
}
