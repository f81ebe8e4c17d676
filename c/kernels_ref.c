/* Scalar reference kernels (ref_*): the ground truth the SIMD k_* kernels are
 * tested against. Written as the most direct loops of each definition in
 * kernels.h; speed is not a goal. */
#include <math.h>

#include "kernels.h"

void ref_gemm_nn(int m, int k, int n, const float *a, const float *b, float *c, int accumulate) {
  for (int i = 0; i < m; i++)
    for (int j = 0; j < n; j++) {
      float s = 0.0f;
      for (int p = 0; p < k; p++) s += a[i * k + p] * b[p * n + j];
      c[i * n + j] = accumulate ? c[i * n + j] + s : s;
    }
}

void ref_gemm_tn(int m, int k, int n, const float *a, const float *b, float *c, int accumulate) {
  for (int p = 0; p < k; p++)
    for (int j = 0; j < n; j++) {
      float s = 0.0f;
      for (int r = 0; r < m; r++) s += a[r * k + p] * b[r * n + j];
      c[p * n + j] = accumulate ? c[p * n + j] + s : s;
    }
}

void ref_gemm_nt(int m, int n, int k, const float *a, const float *b, float *c, int accumulate) {
  for (int i = 0; i < m; i++)
    for (int p = 0; p < k; p++) {
      float s = 0.0f;
      for (int j = 0; j < n; j++) s += a[i * n + j] * b[p * n + j];
      c[i * k + p] = accumulate ? c[i * k + p] + s : s;
    }
}

void ref_bias_add(int m, int n, float *y, const float *bias) {
  for (int r = 0; r < m; r++)
    for (int j = 0; j < n; j++) y[r * n + j] += bias[j];
}

void ref_col_sum(int m, int n, const float *x, float *out, int accumulate) {
  for (int j = 0; j < n; j++) {
    float s = 0.0f;
    for (int r = 0; r < m; r++) s += x[r * n + j];
    out[j] = accumulate ? out[j] + s : s;
  }
}

static void softmax_row(int n, const float *z, float *y) {
  float mx = z[0];
  for (int j = 1; j < n; j++) mx = fmaxf(mx, z[j]);
  float s = 0.0f;
  for (int j = 0; j < n; j++) {
    y[j] = expf(z[j] - mx);
    s += y[j];
  }
  for (int j = 0; j < n; j++) y[j] /= s;
}

void ref_act_forward(int act, float alpha, int m, int n, const float *z, float *y) {
  if (act == SN_ACT_SOFTMAX) {
    for (int r = 0; r < m; r++) softmax_row(n, z + r * n, y + r * n);
    return;
  }
  for (int i = 0; i < m * n; i++) {
    float x = z[i];
    switch (act) {
    case SN_ACT_SIGMOID: y[i] = 1.0f / (1.0f + expf(-x)); break;
    case SN_ACT_TANH: y[i] = tanhf(x); break;
    case SN_ACT_RELU: y[i] = x > 0.0f ? x : 0.0f; break;
    case SN_ACT_LEAKY_RELU: y[i] = x > 0.0f ? x : alpha * x; break;
    default: y[i] = x; break; /* linear */
    }
  }
}

void ref_act_backward(int act, float alpha, int m, int n, const float *z, const float *y,
                      const float *dy, float *dz) {
  if (act == SN_ACT_SOFTMAX) {
    for (int r = 0; r < m; r++) {
      const float *yr = y + r * n, *dyr = dy + r * n;
      float *dzr = dz + r * n;
      float dot = 0.0f;
      for (int j = 0; j < n; j++) dot += dyr[j] * yr[j];
      for (int j = 0; j < n; j++) dzr[j] = yr[j] * (dyr[j] - dot);
    }
    return;
  }
  for (int i = 0; i < m * n; i++) {
    float d;
    switch (act) {
    case SN_ACT_SIGMOID: d = y[i] * (1.0f - y[i]); break;
    case SN_ACT_TANH: d = 1.0f - y[i] * y[i]; break;
    case SN_ACT_RELU: d = z[i] > 0.0f ? 1.0f : 0.0f; break;
    case SN_ACT_LEAKY_RELU: d = z[i] > 0.0f ? 1.0f : alpha; break;
    default: d = 1.0f; break; /* linear */
    }
    dz[i] = d * dy[i];
  }
}

void ref_gather_rows(int count, int n, const float *src, const int *rows, float *dst) {
  for (int r = 0; r < count; r++)
    for (int j = 0; j < n; j++) dst[(long)r * n + j] = src[(long)rows[r] * n + j];
}

int ref_all_finite(long n, const float *v) {
  for (long i = 0; i < n; i++)
    if (!isfinite(v[i])) return 0;
  return 1;
}
