#include "init.h"
#include <math.h>

/* Keras' VarianceScaling "truncated_normal" divides by this constant, the stddev
 * of a unit normal truncated to [-2, 2], so the drawn values keep the target variance. */
#define TRUNCATED_NORMAL_STDDEV 0.87962566103423978

static double truncated_normal(sn_rng *r) {
  double v;
  do v = sn_rng_normal(r);
  while (v < -2.0 || v > 2.0);
  return v;
}

static void fill_uniform(sn_rng *r, double lo, double hi, float *out, int n) {
  for (int i = 0; i < n; i++) out[i] = (float)(lo + (hi - lo) * sn_rng_uniform(r));
}

static void fill_normal(sn_rng *r, double mean, double stddev, int truncated, float *out, int n) {
  for (int i = 0; i < n; i++)
    out[i] = (float)(mean + stddev * (truncated ? truncated_normal(r) : sn_rng_normal(r)));
}

/* Variance scaling: scale / fan, drawn uniform in ±sqrt(3·var) or truncated normal. */
static void fill_scaled(sn_rng *r, double variance, int uniform, float *out, int n) {
  if (uniform) {
    double limit = sqrt(3.0 * variance);
    fill_uniform(r, -limit, limit, out, n);
  } else {
    fill_normal(r, 0.0, sqrt(variance) / TRUNCATED_NORMAL_STDDEV, 1, out, n);
  }
}

/* Keras' Orthogonal (keras/src/initializers/random_initializers.py): the
 * tensor as a matrix [rows = n / cols, cols]; a normal matrix of shape
 * [L, k] (L = max(rows, cols), k = min) is factored A = QR, Q's columns
 * multiplied by the signs of R's diagonal, and Q (transposed when rows < cols)
 * times gain is the tensor. Q with R's diagonal made positive is what
 * Gram–Schmidt computes directly: vector j of A minus its projections on the
 * vectors before it, normalized (the classic QR with r_jj = its norm > 0). Done
 * in place on the k vectors of length L, as the result lays them out
 * (columns of the matrix when rows ≥ cols, rows otherwise), twice over each
 * vector ("twice is enough", Giraud et al. 2005) so that the vectors are
 * orthonormal to float precision; sums in double. The stream of normals is
 * not TensorFlow's (no initializer matches its random numbers). */
static void fill_orthogonal(sn_rng *r, double gain, int cols, float *out, int n) {
  int rows = cols > 0 ? n / cols : 0;
  if (rows < 1) return;
  const int tall = rows >= cols, L = tall ? rows : cols, k = tall ? cols : rows;
  const long stride = tall ? cols : 1, step = tall ? 1 : cols; /* element e of vector v: out[e·stride + v·step] */
  for (int e = 0; e < L; e++) /* A[e][v], row by row as Keras draws its [L, k] matrix */
    for (int v = 0; v < k; v++) out[e * stride + v * step] = (float)sn_rng_normal(r);
  for (int v = 0; v < k; v++) {
    float *q = out + v * step;
    for (int pass = 0; pass < 2; pass++)
      for (int u = 0; u < v; u++) {
        const float *p = out + u * step;
        double dot = 0.0;
        for (int e = 0; e < L; e++) dot += (double)p[e * stride] * q[e * stride];
        for (int e = 0; e < L; e++) q[e * stride] = (float)(q[e * stride] - dot * p[e * stride]);
      }
    double norm = 0.0;
    for (int e = 0; e < L; e++) norm += (double)q[e * stride] * q[e * stride];
    double scale = norm > 0.0 ? 1.0 / sqrt(norm) : 0.0;
    for (int e = 0; e < L; e++) q[e * stride] = (float)(q[e * stride] * scale);
  }
  for (int i = 0; i < rows * cols; i++) out[i] = (float)(out[i] * gain);
}

int sn_init_fill(int kind, float a, float b, int fan_in, int fan_out, int cols, sn_rng *r, float *out, int n) {
  double avg_fan = (fan_in + fan_out) / 2.0;
  switch (kind) {
  case SN_INIT_ZEROS: for (int i = 0; i < n; i++) out[i] = 0.0f; return 1;
  case SN_INIT_ONES: for (int i = 0; i < n; i++) out[i] = 1.0f; return 1;
  case SN_INIT_CONSTANT: for (int i = 0; i < n; i++) out[i] = a; return 1;
  case SN_INIT_RANDOM_NORMAL: fill_normal(r, a, b, 0, out, n); return 1;
  case SN_INIT_TRUNCATED_NORMAL: fill_normal(r, a, b, 1, out, n); return 1;
  case SN_INIT_RANDOM_UNIFORM: fill_uniform(r, a, b, out, n); return 1;
  case SN_INIT_GLOROT_UNIFORM: fill_scaled(r, 1.0 / avg_fan, 1, out, n); return 1;
  case SN_INIT_GLOROT_NORMAL: fill_scaled(r, 1.0 / avg_fan, 0, out, n); return 1;
  case SN_INIT_HE_NORMAL: fill_scaled(r, 2.0 / fan_in, 0, out, n); return 1;
  case SN_INIT_HE_UNIFORM: fill_scaled(r, 2.0 / fan_in, 1, out, n); return 1;
  case SN_INIT_LECUN_NORMAL: fill_scaled(r, 1.0 / fan_in, 0, out, n); return 1;
  case SN_INIT_LECUN_UNIFORM: fill_scaled(r, 1.0 / fan_in, 1, out, n); return 1;
  case SN_INIT_ORTHOGONAL: fill_orthogonal(r, a, cols, out, n); return 1;
  default: return 0;
  }
}
