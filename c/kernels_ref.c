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

void ref_gemm_strided(int m, int k, int n, const float *a, long ars, long acs, const float *b, long brs, long bcs,
                      float *c, long ldc, int accumulate, int slot) {
  (void)slot;
  for (int i = 0; i < m; i++)
    for (int j = 0; j < n; j++) {
      float s = 0.0f;
      for (int p = 0; p < k; p++) s += a[i * ars + p * acs] * b[p * brs + j * bcs];
      c[i * ldc + j] = accumulate ? c[i * ldc + j] + s : s;
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

/* The activations' definitions, in double where float would lose accuracy
 * (these are the ground truth the SIMD formulas are checked against). */
#define SELU_ALPHA 1.6732632423543772848170429916717
#define SELU_SCALE 1.0507009873554804934193349852946

static void softmax_row(int n, const float *z, float *y, int log_softmax) {
  float mx = z[0];
  for (int j = 1; j < n; j++) mx = fmaxf(mx, z[j]);
  double s = 0.0;
  for (int j = 0; j < n; j++) s += exp((double)z[j] - mx);
  for (int j = 0; j < n; j++) y[j] = log_softmax ? (float)(z[j] - mx - log(s)) : (float)(exp((double)z[j] - mx) / s);
}

static double sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }
static double gelu_u(double x) { return 0.7978845608028654 * (x + 0.044715 * x * x * x); }
static double hard_sigmoid(double x, double slope) { return fmin(fmax(slope * x + 0.5, 0.0), 1.0); }

static float act1(int act, sn_act_param p, float xf) {
  double x = xf;
  switch (act) {
  case SN_ACT_SIGMOID: return (float)sigmoid(x);
  case SN_ACT_TANH: return tanhf(xf);
  case SN_ACT_RELU: { /* keras/src/activations/activations.py, ReLU.static_call */
    double a = x > p.threshold ? x : 0.0;
    a = fmin(fmax(a, 0.0), p.max_value);
    return (float)(a - p.alpha * fmax(p.threshold - x, 0.0));
  }
  case SN_ACT_LEAKY_RELU: return x > 0.0 ? xf : p.alpha * xf;
  case SN_ACT_ELU: return x > 0.0 ? xf : (float)(p.alpha * expm1(x));
  case SN_ACT_SELU: return (float)(SELU_SCALE * (x > 0.0 ? x : SELU_ALPHA * expm1(x)));
  case SN_ACT_RELU6: return fminf(fmaxf(xf, 0.0f), 6.0f);
  case SN_ACT_SOFTPLUS: return (float)(fmax(x, 0.0) + log1p(exp(-fabs(x))));
  case SN_ACT_SOFTSIGN: return (float)(x / (1.0 + fabs(x)));
  case SN_ACT_SWISH: return (float)(x * sigmoid(x));
  case SN_ACT_MISH: return (float)(x * tanh(fmax(x, 0.0) + log1p(exp(-fabs(x)))));
  case SN_ACT_GELU: return (float)(0.5 * x * erfc(-x / sqrt(2.0)));
  case SN_ACT_GELU_NEW: return (float)(x * sigmoid(2.0 * gelu_u(x))); /* = x(1 + tanh u)/2 */
  case SN_ACT_HARD_SIGMOID: return (float)hard_sigmoid(x, p.alpha);
  case SN_ACT_HARD_SILU: return (float)(x * hard_sigmoid(x, 1.0 / 6.0));
  case SN_ACT_EXPONENTIAL: return expf(xf);
  default: return xf; /* linear */
  }
}

/* f'(z), from z (or y where the formula is in y). */
static float dact1(int act, sn_act_param p, float zf, float yf) {
  double z = zf, y = yf;
  switch (act) {
  case SN_ACT_SIGMOID: return (float)(y * (1.0 - y));
  case SN_ACT_TANH: return (float)(1.0 - y * y);
  case SN_ACT_RELU: /* without slope or threshold: from y (kernels.c, drelu_max4) */
    if (p.alpha == 0.0f && p.threshold == 0.0f) return y > 0.0 && y < p.max_value ? 1.0f : 0.0f;
    return (z > p.threshold && z <= p.max_value ? 1.0f : 0.0f) + (z < p.threshold ? p.alpha : 0.0f);
  case SN_ACT_LEAKY_RELU: return z > 0.0 ? 1.0f : p.alpha;
  case SN_ACT_ELU: return z > 0.0 ? 1.0f : (float)(p.alpha * exp(z));
  case SN_ACT_SELU: return (float)(SELU_SCALE * (z > 0.0 ? 1.0 : SELU_ALPHA * exp(z)));
  case SN_ACT_RELU6: return y > 0.0 && y < 6.0 ? 1.0f : 0.0f;
  case SN_ACT_SOFTPLUS: return (float)sigmoid(z);
  case SN_ACT_SOFTSIGN: return (float)(1.0 / ((1.0 + fabs(z)) * (1.0 + fabs(z))));
  case SN_ACT_SWISH: return (float)(sigmoid(z) * (1.0 + z * (1.0 - sigmoid(z))));
  case SN_ACT_MISH: {
    double t = tanh(fmax(z, 0.0) + log1p(exp(-fabs(z))));
    return (float)(t + z * (1.0 - t * t) * sigmoid(z));
  }
  case SN_ACT_GELU: return (float)(0.5 * erfc(-z / sqrt(2.0)) + z * exp(-0.5 * z * z) / 2.5066282746310002);
  case SN_ACT_GELU_NEW: {
    double s = sigmoid(2.0 * gelu_u(z));
    return (float)(s + z * s * (1.0 - s) * 2.0 * 0.7978845608028654 * (1.0 + 3.0 * 0.044715 * z * z));
  }
  case SN_ACT_HARD_SIGMOID: {
    double v = p.alpha * z + 0.5;
    return v < 0.0 || v > 1.0 ? 0.0f : p.alpha;
  }
  case SN_ACT_HARD_SILU: return z < -3.0 ? 0.0f : z > 3.0 ? 1.0f : (float)((2.0 * z + 3.0) / 6.0);
  case SN_ACT_EXPONENTIAL: return yf;
  default: return 1.0f; /* linear */
  }
}

void ref_act_forward(int act, sn_act_param p, int m, int n, const float *z, float *y) {
  if (act == SN_ACT_SOFTMAX || act == SN_ACT_LOG_SOFTMAX) {
    for (int r = 0; r < m; r++) softmax_row(n, z + r * n, y + r * n, act == SN_ACT_LOG_SOFTMAX);
    return;
  }
  for (int i = 0; i < m * n; i++) y[i] = act1(act, p, z[i]);
}

void ref_act_backward(int act, sn_act_param p, int m, int n, const float *z, const float *y,
                      const float *dy, float *dz) {
  if (act == SN_ACT_SOFTMAX || act == SN_ACT_LOG_SOFTMAX) {
    int log_softmax = act == SN_ACT_LOG_SOFTMAX;
    for (int r = 0; r < m; r++) {
      const float *yr = y + r * n, *dyr = dy + r * n;
      float *dzr = dz + r * n;
      double dot = 0.0;
      for (int j = 0; j < n; j++) dot += log_softmax ? dyr[j] : (double)dyr[j] * yr[j];
      for (int j = 0; j < n; j++) dzr[j] = log_softmax ? (float)(dyr[j] - exp((double)yr[j]) * dot) : (float)(yr[j] * (dyr[j] - dot));
    }
    return;
  }
  for (int i = 0; i < m * n; i++) dz[i] = dact1(act, p, z[i], y[i]) * dy[i];
}

void ref_gather_rows(int count, int n, const float *src, const int *rows, float *dst) {
  for (int r = 0; r < count; r++)
    for (int j = 0; j < n; j++) dst[(long)r * n + j] = src[(long)rows[r] * n + j];
}

void ref_scatter_add_rows(int count, int n, const float *src, const int *rows, float *dst) {
  for (int r = 0; r < count; r++)
    if (rows[r] >= 0)
      for (int j = 0; j < n; j++) dst[(long)rows[r] * n + j] += src[(long)r * n + j];
}

int ref_all_finite(long n, const float *v) {
  for (long i = 0; i < n; i++)
    if (!isfinite(v[i])) return 0;
  return 1;
}
