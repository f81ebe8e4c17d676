/* SIMD layer-normalization kernels (k_ln_*; contracts in layer_norm_kernels.h,
 * scalar definitions in layer_norm_kernels_ref.c). A row's sums run across its
 * c values, 4 per vector, the last 1–3 in a partial vector whose spare lanes
 * add nothing (x padded with the mean, so x − mean is 0 there; dy with 0);
 * the parameter gradients run down the rows, 4 columns per vector. */
#include "layer_norm_kernels.h"
#include "simd.h"
#include <math.h>

SN_ALWAYS_INLINE int tail(int c, int j) { return c - j < 4 ? c - j : 4; }
SN_ALWAYS_INLINE v4f load_n(const float *p, int lanes, float pad) { return lanes == 4 ? v_load(p) : v_load_partial(p, lanes, pad); }
SN_ALWAYS_INLINE void store_n(float *p, v4f v, int lanes) {
  if (lanes == 4) v_store(p, v);
  else v_store_partial(p, v, lanes);
}

void k_ln_forward(int n, int c, const float *x, const float *gamma, const float *beta, float eps, float *mean,
                  float *inv, float *y) {
  const float count = (float)c;
  for (int r = 0; r < n; r++) {
    const float *xr = x + (long)r * c;
    float *yr = y + (long)r * c;
    v4f s = v_zero();
    for (int j = 0; j < c; j += 4) s = v_add(s, load_n(xr + j, tail(c, j), 0.0f));
    const float m = v_hsum(s) / count;
    const v4f mv = v_splat(m);
    s = v_zero();
    for (int j = 0; j < c; j += 4) {
      v4f d = v_sub(load_n(xr + j, tail(c, j), m), mv);
      s = v_add(s, v_mul(d, d));
    }
    const float is = 1.0f / sqrtf(v_hsum(s) / count + eps);
    const v4f isv = v_splat(is);
    mean[r] = m, inv[r] = is;
    for (int j = 0; j < c; j += 4) {
      const int lanes = tail(c, j);
      v4f v = v_mul(v_sub(load_n(xr + j, lanes, m), mv), isv);
      if (gamma) v = v_mul(v, load_n(gamma + j, lanes, 0.0f));
      if (beta) v = v_add(v, load_n(beta + j, lanes, 0.0f));
      store_n(yr + j, v, lanes);
    }
  }
}

void k_ln_backward(int n, int c, const float *x, const float *dy, const float *mean, const float *inv,
                   const float *gamma, float *dx) {
  const float count = (float)c;
  for (int r = 0; r < n; r++) {
    const float *xr = x + (long)r * c, *dyr = dy + (long)r * c;
    float *dxr = dx + (long)r * c;
    const v4f mv = v_splat(mean[r]), sv = v_splat(inv[r]);
    v4f s1 = v_zero(), s2 = v_zero();
    for (int j = 0; j < c; j += 4) {
      const int lanes = tail(c, j);
      v4f g = load_n(dyr + j, lanes, 0.0f);
      if (gamma) g = v_mul(g, load_n(gamma + j, lanes, 0.0f));
      v4f xh = v_mul(v_sub(load_n(xr + j, lanes, mean[r]), mv), sv);
      s1 = v_add(s1, g);
      s2 = v_add(s2, v_mul(g, xh));
    }
    const v4f a = v_splat(v_hsum(s1) / count), b = v_splat(v_hsum(s2) / count);
    for (int j = 0; j < c; j += 4) {
      const int lanes = tail(c, j);
      v4f g = load_n(dyr + j, lanes, 0.0f);
      if (gamma) g = v_mul(g, load_n(gamma + j, lanes, 0.0f));
      v4f xh = v_mul(v_sub(load_n(xr + j, lanes, mean[r]), mv), sv);
      store_n(dxr + j, v_mul(sv, v_sub(v_sub(g, a), v_mul(xh, b))), lanes);
    }
  }
}

void k_ln_param_grads(int n, int cw, int stride, const float *x, const float *dy, const float *mean,
                      const float *inv, float *dgamma, float *dbeta) {
  for (int j = 0; j < cw; j += 4) {
    const int lanes = tail(cw, j);
    v4f sg = v_zero(), sb = v_zero();
    for (int r = 0; r < n; r++) {
      const long i = (long)r * stride + j;
      v4f d = load_n(dy + i, lanes, 0.0f);
      v4f xh = v_mul(v_sub(load_n(x + i, lanes, 0.0f), v_splat(mean[r])), v_splat(inv[r]));
      sg = v_add(sg, v_mul(d, xh));
      sb = v_add(sb, d);
    }
    if (dgamma) store_n(dgamma + j, sg, lanes);
    if (dbeta) store_n(dbeta + j, sb, lanes);
  }
}
