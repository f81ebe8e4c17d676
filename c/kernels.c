/* SIMD dense-layer kernels (k_*). See kernels.h for the contracts and
 * kernels_ref.c for the scalar definitions they are tested against.
 * No heap allocation, no I/O. Every loop has a scalar tail, so any size >= 1 works. */
#include "kernels.h"

#include <math.h> /* INFINITY */
#include <string.h>

#include "api.h"
#include "simd.h"

/* ---------------------------------------------------------------------------
 * Bias and its gradient. */

void k_bias_add(int m, int n, float *y, const float *bias) {
  for (int r = 0; r < m; r++) {
    float *row = y + (long)r * n;
    int j = 0;
    for (; j + 4 <= n; j += 4) v_store(row + j, v_add(v_load(row + j), v_load(bias + j)));
    for (; j < n; j++) row[j] += bias[j];
  }
}

/* Column blocks of 4 accumulate down all rows in a register, then touch out once. */
void k_col_sum(int m, int n, const float *x, float *out, int accumulate) {
  int j = 0;
  for (; j + 4 <= n; j += 4) {
    v4f s = v_zero();
    for (int r = 0; r < m; r++) s = v_add(s, v_load(x + (long)r * n + j));
    if (accumulate) s = v_add(s, v_load(out + j));
    v_store(out + j, s);
  }
  for (; j < n; j++) {
    float s = 0.0f;
    for (int r = 0; r < m; r++) s += x[(long)r * n + j];
    out[j] = accumulate ? out[j] + s : s;
  }
}

/* ---------------------------------------------------------------------------
 * Activations. Each element-wise formula is one small vector function applied
 * by a shared driver; the driver is always inlined with a constant function
 * pointer, so the formula is inlined into the loop. The scalar tail runs the
 * same vector function on a padded vector, so there is one implementation of
 * each formula and tail elements get the same results as the rest. */

typedef v4f (*act_fn)(v4f x, float alpha);

/* y[i] = f(z[i]) for i < total. In place (y == z) is fine: each vector is read
 * before the same positions are written. */
SN_ALWAYS_INLINE void map_forward(long total, const float *z, float *y, float alpha, act_fn f) {
  long i = 0;
  for (; i + 4 <= total; i += 4) v_store(y + i, f(v_load(z + i), alpha));
  if (i < total) {
    int rest = (int)(total - i);
    v_store_partial(y + i, f(v_load_partial(z + i, rest, 0.0f), alpha), rest);
  }
}

/* sigmoid(x) = 1/(1+e^-x), evaluated with e = e^-|x| ≤ 1 so exp never
 * overflows, and as e/(1+e) for x < 0 to keep full relative accuracy for tiny
 * outputs (1 − 1/(1+e) would cancel). */
static inline v4f sigmoid4(v4f x, float alpha) {
  (void)alpha;
  v4f e = v_exp(v_sub(v_zero(), v_abs(x)));
  v4f inv = v_div(v_splat(1.0f), v_add(v_splat(1.0f), e));
  return v_select(v_lt(x, v_zero()), v_mul(e, inv), inv);
}

/* tanh(x) = sign(x)·(1−e)/(1+e) with e = e^{−2|x|} ≤ 1 (no overflow). For
 * |x| < 0.625, 1−e cancels badly, so use Cephes' tanhf odd polynomial there. */
static inline v4f tanh4(v4f x, float alpha) {
  (void)alpha;
  v4f ax = v_abs(x);
  v4f e = v_exp(v_mul(v_splat(-2.0f), ax));
  v4f big = v_copysign(v_div(v_sub(v_splat(1.0f), e), v_add(v_splat(1.0f), e)), x);

  v4f x2 = v_mul(x, x);
  v4f p = v_splat(-5.70498872745e-3f);
  p = v_madd(p, x2, v_splat(2.06390887954e-2f));
  p = v_madd(p, x2, v_splat(-5.37397992796e-2f));
  p = v_madd(p, x2, v_splat(1.33314422036e-1f));
  p = v_madd(p, x2, v_splat(-3.33332819422e-1f));
  v4f small = v_madd(v_mul(p, x2), x, x);

  return v_select(v_lt(ax, v_splat(0.625f)), small, big);
}

static inline v4f relu4(v4f x, float alpha) {
  (void)alpha;
  return v_max(x, v_zero());
}

/* max(alpha·x, x) is x for x > 0 and alpha·x for x ≤ 0 when 0 ≤ alpha ≤ 1. */
static inline v4f leaky4(v4f x, float alpha) { return v_max(v_mul(v_splat(alpha), x), x); }

static inline v4f linear4(v4f x, float alpha) {
  (void)alpha;
  return x;
}

/* Max-subtracted so exp never overflows; y holds the exponentials between
 * passes, which is safe in place because each element is read before it is
 * written. */
static void softmax_row(int n, const float *z, float *y) {
  v4f vmax = v_splat(z[0]);
  int j = 0;
  for (; j + 4 <= n; j += 4) vmax = v_max(vmax, v_load(z + j));
  float mx = v_hmax(vmax);
  for (; j < n; j++) mx = mx < z[j] ? z[j] : mx;

  v4f vmx = v_splat(mx), vsum = v_zero();
  for (j = 0; j + 4 <= n; j += 4) {
    v4f e = v_exp(v_sub(v_load(z + j), vmx));
    v_store(y + j, e);
    vsum = v_add(vsum, e);
  }
  if (j < n) { /* pad with -inf: exp(-inf) = 0 adds nothing to the sum */
    v4f e = v_exp(v_sub(v_load_partial(z + j, n - j, -INFINITY), vmx));
    v_store_partial(y + j, e, n - j);
    vsum = v_add(vsum, e);
  }
  float s = v_hsum(vsum);

  v4f vs = v_splat(s);
  for (j = 0; j + 4 <= n; j += 4) v_store(y + j, v_div(v_load(y + j), vs));
  for (; j < n; j++) y[j] /= s;
}

void k_act_forward(int act, float alpha, int m, int n, const float *z, float *y) {
  long total = (long)m * n;
  switch (act) {
  case SN_ACT_SIGMOID: map_forward(total, z, y, alpha, sigmoid4); return;
  case SN_ACT_TANH: map_forward(total, z, y, alpha, tanh4); return;
  case SN_ACT_RELU: map_forward(total, z, y, alpha, relu4); return;
  case SN_ACT_LEAKY_RELU: map_forward(total, z, y, alpha, leaky4); return;
  case SN_ACT_SOFTMAX:
    for (int r = 0; r < m; r++) softmax_row(n, z + (long)r * n, y + (long)r * n);
    return;
  default: map_forward(total, z, y, alpha, linear4); return; /* copy; no-op if y == z */
  }
}

/* ---------------------------------------------------------------------------
 * Activation derivatives. Each formula needs dy and one operand `u`: y for
 * sigmoid/tanh (cheaper than recomputing from z), z for relu/leaky (whose
 * derivative is defined by the sign of z), nothing for linear. Only that
 * operand is read. */

typedef v4f (*dact_fn)(v4f u, v4f dy, float alpha);

/* dz[i] = g(u[i], dy[i]); dz == dy is fine (read before write, same positions). */
SN_ALWAYS_INLINE void map_backward(long total, const float *u, const float *dy, float *dz,
                                   float alpha, dact_fn g) {
  long i = 0;
  for (; i + 4 <= total; i += 4) v_store(dz + i, g(v_load(u + i), v_load(dy + i), alpha));
  if (i < total) {
    int rest = (int)(total - i);
    v4f r = g(v_load_partial(u + i, rest, 0.0f), v_load_partial(dy + i, rest, 0.0f), alpha);
    v_store_partial(dz + i, r, rest);
  }
}

static inline v4f dsigmoid4(v4f y, v4f dy, float alpha) {
  (void)alpha;
  return v_mul(dy, v_mul(y, v_sub(v_splat(1.0f), y)));
}
static inline v4f dtanh4(v4f y, v4f dy, float alpha) {
  (void)alpha;
  return v_mul(dy, v_sub(v_splat(1.0f), v_mul(y, y)));
}
static inline v4f drelu4(v4f z, v4f dy, float alpha) {
  (void)alpha;
  return v_select(v_gt(z, v_zero()), dy, v_zero());
}
static inline v4f dleaky4(v4f z, v4f dy, float alpha) {
  return v_select(v_gt(z, v_zero()), dy, v_mul(v_splat(alpha), dy));
}
static inline v4f dlinear4(v4f u, v4f dy, float alpha) {
  (void)u, (void)alpha;
  return dy;
}

/* dz_i = y_i·(dy_i − Σ_j dy_j·y_j). The dot product is complete before any dz
 * is written, so dz == dy is safe. */
static void softmax_backward_row(int n, const float *y, const float *dy, float *dz) {
  v4f acc = v_zero();
  int j = 0;
  for (; j + 4 <= n; j += 4) acc = v_madd(v_load(dy + j), v_load(y + j), acc);
  float dot = v_hsum(acc);
  for (; j < n; j++) dot += dy[j] * y[j];

  v4f vdot = v_splat(dot);
  for (j = 0; j + 4 <= n; j += 4)
    v_store(dz + j, v_mul(v_load(y + j), v_sub(v_load(dy + j), vdot)));
  for (; j < n; j++) dz[j] = y[j] * (dy[j] - dot);
}

void k_act_backward(int act, float alpha, int m, int n, const float *z, const float *y,
                    const float *dy, float *dz) {
  long total = (long)m * n;
  switch (act) {
  case SN_ACT_SIGMOID: map_backward(total, y, dy, dz, alpha, dsigmoid4); return;
  case SN_ACT_TANH: map_backward(total, y, dy, dz, alpha, dtanh4); return;
  case SN_ACT_RELU: map_backward(total, z, dy, dz, alpha, drelu4); return;
  case SN_ACT_LEAKY_RELU: map_backward(total, z, dy, dz, alpha, dleaky4); return;
  case SN_ACT_SOFTMAX:
    for (int r = 0; r < m; r++)
      softmax_backward_row(n, y + (long)r * n, dy + (long)r * n, dz + (long)r * n);
    return;
  default: map_backward(total, dy, dy, dz, alpha, dlinear4); return; /* copy */
  }
}

/* ---------------------------------------------------------------------------
 * The training loop's own passes. */

/* In wasm, vector moves: without bulk memory (Emscripten 3.1.6's default)
 * memcpy is a loop of 4-byte words, about 1.25× slower on 784-float rows.
 * Natively, libc's memcpy is the faster one. */
void k_gather_rows(int count, int n, const float *src, const int *rows, float *dst) {
  for (int r = 0; r < count; r++) {
    const float *from = src + (long)rows[r] * n;
    float *to = dst + (long)r * n;
#ifdef __wasm_simd128__
    int j = 0;
    for (; j + 8 <= n; j += 8) {
      v_store(to + j, v_load(from + j));
      v_store(to + j + 4, v_load(from + j + 4));
    }
    for (; j + 4 <= n; j += 4) v_store(to + j, v_load(from + j));
    for (; j < n; j++) to[j] = from[j];
#else
    memcpy(to, from, (size_t)n * sizeof(float));
#endif
  }
}

/* 0·v is NaN exactly when v is NaN or ±Inf, and +0 otherwise; sums of those
 * products in eight lanes of two accumulators (no serial chain of additions)
 * stay 0 until one is NaN. */
int k_all_finite(long n, const float *v) {
  v4f zero = v_zero(), a = zero, b = zero;
  long i = 0;
  for (; i + 8 <= n; i += 8) {
    a = v_add(a, v_mul(zero, v_load(v + i)));
    b = v_add(b, v_mul(zero, v_load(v + i + 4)));
  }
  for (; i + 4 <= n; i += 4) a = v_add(a, v_mul(zero, v_load(v + i)));
  float probe = v_hsum(v_add(a, b));
  for (; i < n; i++) probe += 0.0f * v[i];
  return probe == 0.0f;
}

/* The same for the wrapper's check of what users pass in (web/model/inputs.js), on
 * a copy in wasm memory: several times faster than a JavaScript loop. */
SN_API int sn_all_finite(const float *v, int n) { return k_all_finite(n, v); }
