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

typedef v4f (*act_fn)(v4f x, sn_act_param p);

/* y[i] = f(z[i]) for i < total. In place (y == z) is fine: each vector is read
 * before the same positions are written. */
SN_ALWAYS_INLINE void map_forward(long total, const float *z, float *y, sn_act_param p, act_fn f) {
  long i = 0;
  for (; i + 4 <= total; i += 4) v_store(y + i, f(v_load(z + i), p));
  if (i < total) {
    int rest = (int)(total - i);
    v_store_partial(y + i, f(v_load_partial(z + i, rest, 0.0f), p), rest);
  }
}

/* ---- shared pieces of the formulas ---- */

/* e^x − 1 for x ≤ 0 without the cancellation of exp(x) − 1 near 0: its Taylor
 * polynomial to x⁷ for x > −0.35 (the next term is < 2e-8 relative there). */
static inline v4f expm1_neg4(v4f x) {
  v4f p = v_splat(1.0f / 5040.0f);
  p = v_madd(p, x, v_splat(1.0f / 720.0f));
  p = v_madd(p, x, v_splat(1.0f / 120.0f));
  p = v_madd(p, x, v_splat(1.0f / 24.0f));
  p = v_madd(p, x, v_splat(1.0f / 6.0f));
  p = v_madd(p, x, v_splat(0.5f));
  v4f small = v_madd(v_mul(p, x), x, x);
  v4f big = v_sub(v_exp(x), v_splat(1.0f));
  return v_select(v_gt(x, v_splat(-0.35f)), small, big);
}

/* log(1 + u) for 0 ≤ u ≤ 1: Cephes' logf (cephes/single/logf.c, S. Moshier)
 * on w = 1 + u, times u/(w − 1), the classic correction for the rounding of
 * 1 + u (Goldberg, "What every computer scientist should know about
 * floating-point arithmetic", thm. 4); u itself where 1 + u rounds to 1. */
static inline v4f log1p_unit4(v4f u) {
  v4f w = v_add(v_splat(1.0f), u);
  v4m high = v_gt(w, v_splat(1.41421356237f)); /* w = 2·m, m in [√½, √2) */
  v4f e = v_select(high, v_splat(1.0f), v_zero());
  v4f x = v_sub(v_select(high, v_mul(w, v_splat(0.5f)), w), v_splat(1.0f));
  v4f z = v_mul(x, x);
  v4f y = v_splat(7.0376836292e-2f);
  y = v_madd(y, x, v_splat(-1.1514610310e-1f));
  y = v_madd(y, x, v_splat(1.1676998740e-1f));
  y = v_madd(y, x, v_splat(-1.2420140846e-1f));
  y = v_madd(y, x, v_splat(1.4249322787e-1f));
  y = v_madd(y, x, v_splat(-1.6668057665e-1f));
  y = v_madd(y, x, v_splat(2.0000714765e-1f));
  y = v_madd(y, x, v_splat(-2.4999993993e-1f));
  y = v_madd(y, x, v_splat(3.3333331174e-1f));
  y = v_mul(v_mul(y, x), z);
  y = v_madd(e, v_splat(-2.12194440e-4f), y);
  y = v_madd(z, v_splat(-0.5f), y);
  v4f lw = v_madd(e, v_splat(0.693359375f), v_add(x, y));
  v4f wm1 = v_sub(w, v_splat(1.0f));
  return v_select(v_eq(wm1, v_zero()), u, v_div(v_mul(lw, u), v_select(v_eq(wm1, v_zero()), v_splat(1.0f), wm1)));
}

/* softplus(x) = log(1 + e^x) = max(x, 0) + log(1 + e^−|x|): e^−|x| ≤ 1 never overflows. */
static inline v4f softplus4(v4f x, sn_act_param p) {
  (void)p;
  return v_add(v_max(x, v_zero()), log1p_unit4(v_exp(v_sub(v_zero(), v_abs(x)))));
}

/* The standard normal distribution: Φ(x) = erfc(−x/√2)/2, and *pdf = φ(x) =
 * e^(−x²/2)/√(2π). With t = |x|/√2, erfc(t) is 1 − erf(t) for t ≤ 0.5 (erf
 * as t·P(t²), fitted on [0, 1]), and e^(−t²)·R(t) beyond, R(t) = erfc(t)·e^(t²)
 * as a polynomial in t − 1.25 on (0.5, 2] and as Q(1/t²)/t beyond (where
 * erfc(t)e^(t²) ~ 1/(t√π)): the layout of Cephes' erff/erfcf
 * (cephes/single/ndtrf.c), with our own coefficients — weighted least-squares
 * fits of the relative error on 2000 Chebyshev nodes (degrees 5, 9, 7; maximum
 * relative error 1.3e-7 in float Horner, measured against glibc's double
 * erf/erfc: scripts/fit-erf.c; test_kernels.c measures gelu itself) — so a tiny Φ(x) for
 * x ≪ 0 keeps its relative accuracy (1 + erf would cancel). e^(−t²) =
 * e^(−x²/2) is e^(−h²/2)·e^(−(x−h)(x+h)/2) with h = |x| to 6 fractional bits,
 * h² exact, as Cephes' expx2f does, so no rounding of x² or t costs its
 * accuracy. */
SN_ALWAYS_INLINE v4f ncdf4(v4f x, v4f *pdf) {
  /* |x| ≤ 12: e^(−x²/2) ≥ 5e-32 stays normal (denormals are ~100× slower on x86);
   * below −12, Φ < 2e-33 is flushed to 0 at the end */
  v4f t = v_min(v_mul(v_abs(x), v_splat(0.70710678118654752f)), v_splat(8.4852814f));
  v4f s = v_mul(t, t);

  v4f e = v_splat(-5.625396152e-04f); /* erf(t)/t in s = t² on [0, 1] */
  e = v_madd(e, s, v_splat(4.916023463e-03f));
  e = v_madd(e, s, v_splat(-2.670994960e-02f));
  e = v_madd(e, s, v_splat(1.128013059e-01f));
  e = v_madd(e, s, v_splat(-3.761231899e-01f));
  e = v_madd(e, s, v_splat(1.128379107e+00f));
  v4f erfc_small = v_sub(v_splat(1.0f), v_mul(e, t));

  v4f d = v_sub(t, v_splat(1.25f)); /* erfc(t)e^(t²) on (0.5, 2] */
  v4f m = v_splat(-1.821685146e-04f);
  m = v_madd(m, d, v_splat(5.563697778e-04f));
  m = v_madd(m, d, v_splat(-1.321599120e-03f));
  m = v_madd(m, d, v_splat(3.512001829e-03f));
  m = v_madd(m, d, v_splat(-9.080508724e-03f));
  m = v_madd(m, d, v_splat(2.201956138e-02f));
  m = v_madd(m, d, v_splat(-5.021867156e-02f));
  m = v_madd(m, d, v_splat(1.067950055e-01f));
  m = v_madd(m, d, v_splat(-2.088218480e-01f));
  m = v_madd(m, d, v_splat(3.678229153e-01f));

  v4f inv = v_div(v_splat(1.0f), v_max(t, v_splat(1.0f)));
  v4f u = v_mul(inv, inv); /* erfc(t)e^(t²)·t in u = 1/t² on [0.002, 0.25] */
  v4f q = v_splat(-1.059244442e+01f);
  q = v_madd(q, u, v_splat(1.310811710e+01f));
  q = v_madd(q, u, v_splat(-7.555177212e+00f));
  q = v_madd(q, u, v_splat(2.934912443e+00f));
  q = v_madd(q, u, v_splat(-1.017014384e+00f));
  q = v_madd(q, u, v_splat(4.219615161e-01f));
  q = v_madd(q, u, v_splat(-2.820802033e-01f));
  q = v_madd(q, u, v_splat(5.641895533e-01f));
  q = v_mul(q, inv);

  /* e^(−t²) = e^(−x²/2) from x itself (t = |x|/√2 is rounded: t² would be off by 1e-7·t²) */
  v4f ax = v_min(v_abs(x), v_splat(12.0f));
  v4f h = v_mul(v_floor(v_mul(ax, v_splat(64.0f))), v_splat(1.0f / 64.0f));
  /* the second factor's exponent is in [−0.19, 0]: its Taylor polynomial to b⁶
   * (error < 2e-9), several times cheaper than a second v_exp */
  v4f b = v_mul(v_mul(v_sub(h, ax), v_add(h, ax)), v_splat(0.5f));
  v4f eb = v_splat(1.0f / 720.0f);
  eb = v_madd(eb, b, v_splat(1.0f / 120.0f));
  eb = v_madd(eb, b, v_splat(1.0f / 24.0f));
  eb = v_madd(eb, b, v_splat(1.0f / 6.0f));
  eb = v_madd(eb, b, v_splat(0.5f));
  eb = v_madd(eb, b, v_splat(1.0f));
  eb = v_madd(eb, b, v_splat(1.0f));
  v4f ex2 = v_mul(v_exp(v_mul(v_mul(h, h), v_splat(-0.5f))), eb);
  v4f erfc_big = v_mul(ex2, v_select(v_gt(t, v_splat(2.0f)), q, m));
  v4f c = v_select(v_gt(t, v_splat(0.5f)), erfc_big, erfc_small); /* erfc(t) */
  v4m far = v_gt(v_abs(x), v_splat(12.0f));
  *pdf = v_select(far, v_zero(), v_mul(ex2, v_splat(0.39894228040143268f)));
  v4f half = v_select(far, v_zero(), v_mul(c, v_splat(0.5f)));
  return v_select(v_lt(x, v_zero()), half, v_sub(v_splat(1.0f), half));
}

/* ---- the element-wise formulas ---- */

/* sigmoid(x) = 1/(1+e^-x), evaluated with e = e^-|x| ≤ 1 so exp never
 * overflows, and as e/(1+e) for x < 0 to keep full relative accuracy for tiny
 * outputs (1 − 1/(1+e) would cancel). */
static inline v4f sigmoid4(v4f x, sn_act_param p) {
  (void)p;
  v4f e = v_exp(v_sub(v_zero(), v_abs(x)));
  v4f inv = v_div(v_splat(1.0f), v_add(v_splat(1.0f), e));
  return v_select(v_lt(x, v_zero()), v_mul(e, inv), inv);
}

/* tanh(x) = sign(x)·(1−e)/(1+e) with e = e^{−2|x|} ≤ 1 (no overflow). For
 * |x| < 0.625, 1−e cancels badly, so use Cephes' tanhf odd polynomial there. */
static inline v4f tanh4(v4f x, sn_act_param p) {
  (void)p;
  v4f ax = v_abs(x);
  v4f e = v_exp(v_mul(v_splat(-2.0f), ax));
  v4f big = v_copysign(v_div(v_sub(v_splat(1.0f), e), v_add(v_splat(1.0f), e)), x);

  v4f x2 = v_mul(x, x);
  v4f q = v_splat(-5.70498872745e-3f);
  q = v_madd(q, x2, v_splat(2.06390887954e-2f));
  q = v_madd(q, x2, v_splat(-5.37397992796e-2f));
  q = v_madd(q, x2, v_splat(1.33314422036e-1f));
  q = v_madd(q, x2, v_splat(-3.33332819422e-1f));
  v4f small = v_madd(v_mul(q, x2), x, x);

  return v_select(v_lt(ax, v_splat(0.625f)), small, big);
}

/* Plain relu, or capped (ReLU(max_value) — MobileNet's relu6 is one min more). */
static inline v4f relu_max4(v4f x, sn_act_param p) { return v_min(v_max(x, v_zero()), v_splat(p.max_value)); }

/* Keras' relu(x, negative_slope, max_value, threshold) (keras/src/activations/
 * activations.py, ReLU.static_call): (x > threshold ? x : 0) clipped to
 * [0, max_value], minus negative_slope·max(threshold − x, 0). */
static inline v4f relu_general4(v4f x, sn_act_param p) {
  v4f thr = v_splat(p.threshold);
  v4f a = v_select(v_gt(x, thr), x, v_zero());
  a = v_min(v_max(a, v_zero()), v_splat(p.max_value));
  return v_sub(a, v_mul(v_splat(p.alpha), v_max(v_sub(thr, x), v_zero())));
}

/* max(alpha·x, x) is x for x > 0 and alpha·x for x ≤ 0 when 0 ≤ alpha ≤ 1. */
static inline v4f leaky4(v4f x, sn_act_param p) { return v_max(v_mul(v_splat(p.alpha), x), x); }

static inline v4f linear4(v4f x, sn_act_param p) {
  (void)p;
  return x;
}

/* Keras' elu: x > 0 ? x : alpha·(e^x − 1). */
static inline v4f elu4(v4f x, sn_act_param p) {
  return v_select(v_gt(x, v_zero()), x, v_mul(v_splat(p.alpha), expm1_neg4(v_min(x, v_zero()))));
}

/* selu = scale·elu(x, alpha) with the constants of Klambauer et al. (2017), as
 * Keras writes them (keras/src/backend/numpy/nn.py). */
#define SELU_ALPHA 1.6732632423543772848170429916717f
#define SELU_SCALE 1.0507009873554804934193349852946f
static inline v4f selu4(v4f x, sn_act_param p) {
  (void)p;
  v4f neg = v_mul(v_splat(SELU_ALPHA), expm1_neg4(v_min(x, v_zero())));
  return v_mul(v_splat(SELU_SCALE), v_select(v_gt(x, v_zero()), x, neg));
}

static inline v4f relu64(v4f x, sn_act_param p) {
  (void)p;
  return v_min(v_max(x, v_zero()), v_splat(6.0f));
}

static inline v4f softsign4(v4f x, sn_act_param p) {
  (void)p;
  return v_div(x, v_add(v_splat(1.0f), v_abs(x)));
}

static inline v4f swish4(v4f x, sn_act_param p) { return v_mul(x, sigmoid4(x, p)); }

/* tanh(softplus(x)) = n/(n + 2) with n = e^x(e^x + 2): no cancellation, and
 * exactly 1 in float once x > 20 (where e^x is capped). */
static inline v4f tanh_softplus4(v4f x) {
  v4f e = v_exp(v_min(x, v_splat(20.0f)));
  v4f n = v_mul(e, v_add(e, v_splat(2.0f)));
  return v_div(n, v_add(n, v_splat(2.0f)));
}
static inline v4f mish4(v4f x, sn_act_param p) {
  (void)p;
  return v_mul(x, tanh_softplus4(x));
}

SN_ALWAYS_INLINE v4f gelu4(v4f x, sn_act_param p) {
  (void)p;
  v4f pdf;
  return v_mul(x, ncdf4(x, &pdf));
}

/* gelu_new: x·(1 + tanh(u))/2, u = √(2/π)(x + 0.044715x³) (TF.js GeluNew,
 * Keras' gelu(approximate=True)), as x·sigmoid(2u), the same function without
 * the cancellation of 1 + tanh(u) for x < 0. x is capped at ±15 inside u, where
 * sigmoid(2u) is already 0 or 1 in float, so x³ never overflows. */
#define GELU_K 0.7978845608028654f /* √(2/π) */
#define GELU_C 0.044715f
static inline v4f gelu_u2(v4f x) {
  v4f xc = v_max(v_min(x, v_splat(15.0f)), v_splat(-15.0f));
  v4f inner = v_madd(v_mul(v_mul(xc, xc), xc), v_splat(GELU_C), xc);
  return v_mul(inner, v_splat(2.0f * GELU_K));
}
static inline v4f gelu_new4(v4f x, sn_act_param p) { return v_mul(x, sigmoid4(gelu_u2(x), p)); }

static inline v4f hard_sigmoid4(v4f x, sn_act_param p) {
  v4f y = v_madd(v_splat(p.alpha), x, v_splat(0.5f));
  return v_min(v_max(y, v_zero()), v_splat(1.0f));
}

/* Keras 3's hard_silu: x·relu6(x + 3)/6. */
static inline v4f hard_silu4(v4f x, sn_act_param p) {
  (void)p;
  v4f hs = v_min(v_max(v_add(v_mul(x, v_splat(1.0f / 6.0f)), v_splat(0.5f)), v_zero()), v_splat(1.0f));
  return v_mul(x, hs);
}

static inline v4f exp4(v4f x, sn_act_param p) {
  (void)p;
  return v_exp(x);
}

/* Max-subtracted so exp never overflows; y holds the exponentials between
 * passes, which is safe in place because each element is read before it is
 * written. With `log`, y = z − max − log Σ e^(z − max) instead (Keras'
 * log_softmax), which stays finite where softmax underflows to 0. */
static void softmax_row(int n, const float *z, float *y, int log) {
  v4f vmax = v_splat(z[0]);
  int j = 0;
  for (; j + 4 <= n; j += 4) vmax = v_max(vmax, v_load(z + j));
  float mx = v_hmax(vmax);
  for (; j < n; j++) mx = mx < z[j] ? z[j] : mx;

  v4f vmx = v_splat(mx), vsum = v_zero();
  for (j = 0; j + 4 <= n; j += 4) {
    v4f e = v_exp(v_sub(v_load(z + j), vmx));
    if (!log) v_store(y + j, e);
    vsum = v_add(vsum, e);
  }
  if (j < n) { /* pad with -inf: exp(-inf) = 0 adds nothing to the sum */
    v4f e = v_exp(v_sub(v_load_partial(z + j, n - j, -INFINITY), vmx));
    if (!log) v_store_partial(y + j, e, n - j);
    vsum = v_add(vsum, e);
  }
  float s = v_hsum(vsum);

  if (log) {
    float shift = mx + logf(s);
    for (j = 0; j + 4 <= n; j += 4) v_store(y + j, v_sub(v_load(z + j), v_splat(shift)));
    for (; j < n; j++) y[j] = z[j] - shift;
    return;
  }
  v4f vs = v_splat(s);
  for (j = 0; j + 4 <= n; j += 4) v_store(y + j, v_div(v_load(y + j), vs));
  for (; j < n; j++) y[j] /= s;
}

void k_act_forward(int act, sn_act_param p, int m, int n, const float *z, float *y) {
  long total = (long)m * n;
  switch (act) {
  case SN_ACT_SIGMOID: map_forward(total, z, y, p, sigmoid4); return;
  case SN_ACT_TANH: map_forward(total, z, y, p, tanh4); return;
  case SN_ACT_RELU:
    if (p.alpha == 0.0f && p.threshold == 0.0f) map_forward(total, z, y, p, relu_max4);
    else map_forward(total, z, y, p, relu_general4);
    return;
  case SN_ACT_LEAKY_RELU: map_forward(total, z, y, p, leaky4); return;
  case SN_ACT_ELU: map_forward(total, z, y, p, elu4); return;
  case SN_ACT_SELU: map_forward(total, z, y, p, selu4); return;
  case SN_ACT_RELU6: map_forward(total, z, y, p, relu64); return;
  case SN_ACT_SOFTPLUS: map_forward(total, z, y, p, softplus4); return;
  case SN_ACT_SOFTSIGN: map_forward(total, z, y, p, softsign4); return;
  case SN_ACT_SWISH: map_forward(total, z, y, p, swish4); return;
  case SN_ACT_MISH: map_forward(total, z, y, p, mish4); return;
  case SN_ACT_GELU: map_forward(total, z, y, p, gelu4); return;
  case SN_ACT_GELU_NEW: map_forward(total, z, y, p, gelu_new4); return;
  case SN_ACT_HARD_SIGMOID: map_forward(total, z, y, p, hard_sigmoid4); return;
  case SN_ACT_HARD_SILU: map_forward(total, z, y, p, hard_silu4); return;
  case SN_ACT_EXPONENTIAL: map_forward(total, z, y, p, exp4); return;
  case SN_ACT_SOFTMAX:
  case SN_ACT_LOG_SOFTMAX:
    for (int r = 0; r < m; r++) softmax_row(n, z + (long)r * n, y + (long)r * n, act == SN_ACT_LOG_SOFTMAX);
    return;
  default: map_forward(total, z, y, p, linear4); return; /* copy; no-op if y == z */
  }
}

/* ---------------------------------------------------------------------------
 * Activation derivatives. Each formula needs dy and one operand `u`: y for
 * sigmoid/tanh/exponential/softmax/logSoftmax (cheaper than recomputing from
 * z) and for relu without slope or threshold and relu6 (so they can run in
 * place, graph.c), z for the rest (leaky relu's kink is defined by the sign of
 * z; the smooth ones recompute what they need from z), nothing for linear.
 * Only that operand is read. */

typedef v4f (*dact_fn)(v4f u, v4f dy, sn_act_param p);

/* dz[i] = g(u[i], dy[i]); dz == dy is fine (read before write, same positions). */
SN_ALWAYS_INLINE void map_backward(long total, const float *u, const float *dy, float *dz,
                                   sn_act_param p, dact_fn g) {
  long i = 0;
  for (; i + 4 <= total; i += 4) v_store(dz + i, g(v_load(u + i), v_load(dy + i), p));
  if (i < total) {
    int rest = (int)(total - i);
    v4f r = g(v_load_partial(u + i, rest, 0.0f), v_load_partial(dy + i, rest, 0.0f), p);
    v_store_partial(dz + i, r, rest);
  }
}

static inline v4f dsigmoid4(v4f y, v4f dy, sn_act_param p) {
  (void)p;
  return v_mul(dy, v_mul(y, v_sub(v_splat(1.0f), y)));
}
static inline v4f dtanh4(v4f y, v4f dy, sn_act_param p) {
  (void)p;
  return v_mul(dy, v_sub(v_splat(1.0f), v_mul(y, y)));
}
/* From y (so it runs in place, graph.c): 1 where 0 < y < max_value, which
 * is 0 < z < max_value (at z = max_value exactly TF's clip passes the gradient;
 * y cannot tell that point from z > max_value). */
static inline v4f drelu_max4(v4f y, v4f dy, sn_act_param p) {
  v4f pass = v_select(v_gt(y, v_zero()), dy, v_zero());
  return v_select(v_lt(y, v_splat(p.max_value)), pass, v_zero());
}
/* 1 on (threshold, max_value], negative_slope below threshold. */
static inline v4f drelu_general4(v4f z, v4f dy, sn_act_param p) {
  v4f thr = v_splat(p.threshold);
  v4f pass = v_select(v_gt(z, thr), dy, v_zero());
  pass = v_select(v_gt(z, v_splat(p.max_value)), v_zero(), pass);
  return v_add(pass, v_select(v_lt(z, thr), v_mul(v_splat(p.alpha), dy), v_zero()));
}
static inline v4f dleaky4(v4f z, v4f dy, sn_act_param p) {
  return v_select(v_gt(z, v_zero()), dy, v_mul(v_splat(p.alpha), dy));
}
static inline v4f dlinear4(v4f u, v4f dy, sn_act_param p) {
  (void)u, (void)p;
  return dy;
}
/* elu' = 1 for z > 0, alpha·e^z below (= y + alpha, but from z: exact near 0). */
static inline v4f delu4(v4f z, v4f dy, sn_act_param p) {
  v4f neg = v_mul(v_splat(p.alpha), v_exp(v_min(z, v_zero())));
  return v_mul(dy, v_select(v_gt(z, v_zero()), v_splat(1.0f), neg));
}
static inline v4f dselu4(v4f z, v4f dy, sn_act_param p) {
  (void)p;
  v4f neg = v_mul(v_splat(SELU_ALPHA), v_exp(v_min(z, v_zero())));
  return v_mul(dy, v_mul(v_splat(SELU_SCALE), v_select(v_gt(z, v_zero()), v_splat(1.0f), neg)));
}
static inline v4f drelu64(v4f y, v4f dy, sn_act_param p) {
  p.max_value = 6.0f;
  return drelu_max4(y, dy, p);
}
static inline v4f dsoftplus4(v4f z, v4f dy, sn_act_param p) { return v_mul(dy, sigmoid4(z, p)); }
static inline v4f dsoftsign4(v4f z, v4f dy, sn_act_param p) {
  (void)p;
  v4f d = v_add(v_splat(1.0f), v_abs(z));
  return v_div(dy, v_mul(d, d));
}
/* swish' = s·(1 + z·(1 − s)), s = sigmoid(z) */
static inline v4f dswish4(v4f z, v4f dy, sn_act_param p) {
  v4f s = sigmoid4(z, p);
  return v_mul(dy, v_mul(s, v_madd(z, v_sub(v_splat(1.0f), s), v_splat(1.0f))));
}
/* mish' = t + z·(1 − t²)·sigmoid(z), t = tanh(softplus(z)) */
static inline v4f dmish4(v4f z, v4f dy, sn_act_param p) {
  v4f t = tanh_softplus4(z);
  v4f d = v_madd(v_mul(z, v_sub(v_splat(1.0f), v_mul(t, t))), sigmoid4(z, p), t);
  return v_mul(dy, d);
}
/* gelu' = Φ(z) + z·φ(z) */
static inline v4f dgelu4(v4f z, v4f dy, sn_act_param p) {
  (void)p;
  v4f pdf, cdf = ncdf4(z, &pdf);
  return v_mul(dy, v_madd(z, pdf, cdf));
}
/* gelu_new' = s + z·s(1 − s)·2√(2/π)(1 + 3·0.044715z²), s = sigmoid(2u); the
 * capped z of u has derivative 0 where s(1 − s) is 0 anyway. */
static inline v4f dgelu_new4(v4f z, v4f dy, sn_act_param p) {
  v4f s = sigmoid4(gelu_u2(z), p);
  v4f zc = v_max(v_min(z, v_splat(15.0f)), v_splat(-15.0f));
  v4f du = v_mul(v_madd(v_mul(zc, zc), v_splat(3.0f * GELU_C), v_splat(1.0f)), v_splat(2.0f * GELU_K));
  v4f d = v_madd(v_mul(v_mul(z, s), v_sub(v_splat(1.0f), s)), du, s);
  return v_mul(dy, d);
}
/* alpha inside the ramp, 0 on the flat parts */
static inline v4f dhard_sigmoid4(v4f z, v4f dy, sn_act_param p) {
  v4f y = v_madd(v_splat(p.alpha), z, v_splat(0.5f));
  v4m flat = v_lt(y, v_zero());
  v4f d = v_select(flat, v_zero(), v_select(v_gt(y, v_splat(1.0f)), v_zero(), v_splat(p.alpha)));
  return v_mul(dy, d);
}
/* hard_silu' = 0 below −3, 1 above 3, (2z + 3)/6 between */
static inline v4f dhard_silu4(v4f z, v4f dy, sn_act_param p) {
  (void)p;
  v4f mid = v_madd(z, v_splat(1.0f / 3.0f), v_splat(0.5f));
  v4f d = v_select(v_lt(z, v_splat(-3.0f)), v_zero(), v_select(v_gt(z, v_splat(3.0f)), v_splat(1.0f), mid));
  return v_mul(dy, d);
}
static inline v4f dexp4(v4f y, v4f dy, sn_act_param p) {
  (void)p;
  return v_mul(dy, y);
}

/* softmax: dz_i = y_i·(dy_i − Σ_j dy_j·y_j); log_softmax: dz_i = dy_i −
 * e^(y_i)·Σ_j dy_j. The sum is complete before any dz is written, so dz == dy
 * is safe. */
static void softmax_backward_row(int n, const float *y, const float *dy, float *dz, int log) {
  v4f acc = v_zero();
  int j = 0;
  if (log) {
    for (; j + 4 <= n; j += 4) acc = v_add(acc, v_load(dy + j));
  } else {
    for (; j + 4 <= n; j += 4) acc = v_madd(v_load(dy + j), v_load(y + j), acc);
  }
  float dot = v_hsum(acc);
  for (; j < n; j++) dot += log ? dy[j] : dy[j] * y[j];

  v4f vdot = v_splat(dot);
  if (log) {
    for (j = 0; j + 4 <= n; j += 4) v_store(dz + j, v_sub(v_load(dy + j), v_mul(v_exp(v_load(y + j)), vdot)));
    if (j < n) {
      v4f r = v_sub(v_load_partial(dy + j, n - j, 0.0f), v_mul(v_exp(v_load_partial(y + j, n - j, 0.0f)), vdot));
      v_store_partial(dz + j, r, n - j);
    }
    return;
  }
  for (j = 0; j + 4 <= n; j += 4)
    v_store(dz + j, v_mul(v_load(y + j), v_sub(v_load(dy + j), vdot)));
  for (; j < n; j++) dz[j] = y[j] * (dy[j] - dot);
}

void k_act_backward(int act, sn_act_param p, int m, int n, const float *z, const float *y,
                    const float *dy, float *dz) {
  long total = (long)m * n;
  switch (act) {
  case SN_ACT_SIGMOID: map_backward(total, y, dy, dz, p, dsigmoid4); return;
  case SN_ACT_TANH: map_backward(total, y, dy, dz, p, dtanh4); return;
  case SN_ACT_RELU:
    if (p.alpha == 0.0f && p.threshold == 0.0f) map_backward(total, y, dy, dz, p, drelu_max4);
    else map_backward(total, z, dy, dz, p, drelu_general4);
    return;
  case SN_ACT_LEAKY_RELU: map_backward(total, z, dy, dz, p, dleaky4); return;
  case SN_ACT_ELU: map_backward(total, z, dy, dz, p, delu4); return;
  case SN_ACT_SELU: map_backward(total, z, dy, dz, p, dselu4); return;
  case SN_ACT_RELU6: map_backward(total, y, dy, dz, p, drelu64); return;
  case SN_ACT_SOFTPLUS: map_backward(total, z, dy, dz, p, dsoftplus4); return;
  case SN_ACT_SOFTSIGN: map_backward(total, z, dy, dz, p, dsoftsign4); return;
  case SN_ACT_SWISH: map_backward(total, z, dy, dz, p, dswish4); return;
  case SN_ACT_MISH: map_backward(total, z, dy, dz, p, dmish4); return;
  case SN_ACT_GELU: map_backward(total, z, dy, dz, p, dgelu4); return;
  case SN_ACT_GELU_NEW: map_backward(total, z, dy, dz, p, dgelu_new4); return;
  case SN_ACT_HARD_SIGMOID: map_backward(total, z, dy, dz, p, dhard_sigmoid4); return;
  case SN_ACT_HARD_SILU: map_backward(total, z, dy, dz, p, dhard_silu4); return;
  case SN_ACT_EXPONENTIAL: map_backward(total, y, dy, dz, p, dexp4); return;
  case SN_ACT_SOFTMAX:
  case SN_ACT_LOG_SOFTMAX:
    for (int r = 0; r < m; r++)
      softmax_backward_row(n, y + (long)r * n, dy + (long)r * n, dz + (long)r * n, act == SN_ACT_LOG_SOFTMAX);
    return;
  default: map_backward(total, dy, dy, dz, p, dlinear4); return; /* copy */
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

/* Row after row, so each element sums its terms in r order, as ref_ does. */
void k_scatter_add_rows(int count, int n, const float *src, const int *rows, float *dst) {
  for (int r = 0; r < count; r++) {
    if (rows[r] < 0) continue;
    const float *from = src + (long)r * n;
    float *to = dst + (long)rows[r] * n;
    int j = 0;
    for (; j + 4 <= n; j += 4) v_store(to + j, v_add(v_load(to + j), v_load(from + j)));
    for (; j < n; j++) to[j] += from[j];
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

int sn_act_param_fits(int act, float alpha) {
#define X(kind, key, value, least, greatest) \
  if (act == kind) return alpha >= (least) && alpha <= (greatest);
  SN_ACT_PARAMETERS(X)
#undef X
  return 1;
}
