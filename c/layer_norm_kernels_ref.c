/* Scalar references of the layer-normalization kernels (layer_norm_kernels.h):
 * the row sums in four lanes, as the SIMD kernels add them. */
#include "layer_norm_kernels.h"
#include <math.h>

/* Σ_j (a_j − shift)² of a row, element j in lane j mod 4, lanes added (0 + 2) + (1 + 3) as v_hsum. */
static float squares(int c, const float *a, float shift) {
  float lane[4] = {0.0f, 0.0f, 0.0f, 0.0f};
  for (int j = 0; j < c; j++) {
    float v = a[j] - shift;
    lane[j & 3] += v * v;
  }
  return (lane[0] + lane[2]) + (lane[1] + lane[3]);
}

void ref_ln_forward(int n, int c, const float *x, const float *gamma, const float *beta, float eps, float *mean,
                    float *inv, float *y) {
  for (int r = 0; r < n; r++) {
    const float *xr = x + (long)r * c;
    float *yr = y + (long)r * c;
    float lane[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    for (int j = 0; j < c; j++) lane[j & 3] += xr[j];
    float m = ((lane[0] + lane[2]) + (lane[1] + lane[3])) / (float)c;
    float s = 1.0f / sqrtf(squares(c, xr, m) / (float)c + eps);
    mean[r] = m, inv[r] = s;
    for (int j = 0; j < c; j++) {
      float v = (xr[j] - m) * s;
      if (gamma) v = v * gamma[j];
      yr[j] = beta ? v + beta[j] : v;
    }
  }
}

void ref_ln_backward(int n, int c, const float *x, const float *dy, const float *mean, const float *inv,
                     const float *gamma, float *dx) {
  for (int r = 0; r < n; r++) {
    const float *xr = x + (long)r * c, *dyr = dy + (long)r * c;
    float *dxr = dx + (long)r * c, m = mean[r], s = inv[r];
    float l1[4] = {0.0f, 0.0f, 0.0f, 0.0f}, l2[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    for (int j = 0; j < c; j++) {
      float g = gamma ? dyr[j] * gamma[j] : dyr[j], xh = (xr[j] - m) * s;
      l1[j & 3] += g;
      l2[j & 3] += g * xh;
    }
    float a = ((l1[0] + l1[2]) + (l1[1] + l1[3])) / (float)c, b = ((l2[0] + l2[2]) + (l2[1] + l2[3])) / (float)c;
    for (int j = 0; j < c; j++) {
      float g = gamma ? dyr[j] * gamma[j] : dyr[j], xh = (xr[j] - m) * s;
      dxr[j] = s * ((g - a) - xh * b);
    }
  }
}

void ref_ln_param_grads(int n, int cw, int stride, const float *x, const float *dy, const float *mean,
                        const float *inv, float *dgamma, float *dbeta) {
  for (int j = 0; j < cw; j++) {
    float sg = 0.0f, sb = 0.0f;
    for (int r = 0; r < n; r++) {
      float d = dy[(long)r * stride + j];
      sg += d * ((x[(long)r * stride + j] - mean[r]) * inv[r]);
      sb += d;
    }
    if (dgamma) dgamma[j] = sg;
    if (dbeta) dbeta[j] = sb;
  }
}
