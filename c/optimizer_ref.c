/* Scalar reference of every optimizer update (ref_opt_update): Keras' formulas
 * as written, one plain loop each, over parameters [begin, end). The SIMD
 * updates of optimizer.c (k_opt_update) are tested against these bit for bit
 * (test/c/test_optimizer.c), and run them for the last few elements of a range
 * and for FTRL. The step's scalars (learning rate, bias corrections) come in u,
 * from sn_opt_begin_step. */
#include "optimizer.h"
#include "optimizer_kinds.h"
#include <float.h>
#include <math.h>

/* Decaying state (moments of weights whose gradient stays zero) shrinks into
 * denormal floats, which wasm cannot flush and which cost tens of cycles per
 * operation: Adam's step took 60% of a small model's time. Rounding them to zero
 * (as TensorFlow's CPU kernels do by flushing denormals) changes values below
 * FLT_MIN only. */
static inline float flush(float x) { return fabsf(x) < FLT_MIN ? 0.0f : x; }

/* Keras SGD: v = μ·v − lr·g; w += v, or with Nesterov w += μ·v − lr·g.
 * Dampening d scales the gradient entering v by (1 − d): with a constant lr,
 * momentum 0.9 and dampening 0.9 give the course's m = 0.9·m + 0.1·g, w −= lr·m. */
static void sgd(const sn_opt_update *u, int begin, int end) {
  const sn_optimizer *opt = u->opt;
  float lr = u->lr, mu = opt->hp[SGD_MOMENTUM], step = lr * (1.0f - opt->hp[SGD_DAMPENING]);
  float *restrict w = u->w;
  const float *restrict g = u->g;
  if (opt->n_slots == 0) {
    for (int i = begin; i < end; i++) w[i] -= lr * g[i];
    return;
  }
  float *restrict v = opt->slot[0];
  if (sn_opt_on(opt->hp[SGD_NESTEROV])) {
    for (int i = begin; i < end; i++) {
      v[i] = flush(mu * v[i] - step * g[i]);
      w[i] += mu * v[i] - step * g[i];
    }
  } else {
    for (int i = begin; i < end; i++) {
      v[i] = flush(mu * v[i] - step * g[i]);
      w[i] += v[i];
    }
  }
}

/* Keras Adam: α = lr·√(1−β2^t)/(1−β1^t); m += (g−m)(1−β1); v += (g²−v)(1−β2);
 * with amsgrad v̂ = max(v̂, v) replaces v; w −= α·m/(√v + ε). */
static void adam(const sn_opt_update *u, int begin, int end) {
  const sn_optimizer *opt = u->opt;
  float b1 = opt->hp[ADAM_BETA1], b2 = opt->hp[ADAM_BETA2], eps = opt->hp[ADAM_EPSILON], alpha = u->c[0];
  float *restrict m = opt->slot[0], *restrict v = opt->slot[1], *restrict w = u->w;
  const float *restrict g = u->g;
  for (int i = begin; i < end; i++) {
    m[i] = flush(m[i] + (g[i] - m[i]) * (1.0f - b1));
    v[i] = flush(v[i] + (g[i] * g[i] - v[i]) * (1.0f - b2));
  }
  if (opt->n_slots > 2) {
    float *restrict vmax = opt->slot[2];
    for (int i = begin; i < end; i++) {
      vmax[i] = fmaxf(vmax[i], v[i]);
      w[i] -= alpha * m[i] / (sqrtf(vmax[i]) + eps);
    }
  } else {
    for (int i = begin; i < end; i++) w[i] -= alpha * m[i] / (sqrtf(v[i]) + eps);
  }
}

/* Keras RMSprop: v = ρv + (1−ρ)g²; centered: ḡ = ρḡ + (1−ρ)g, d = v − ḡ² + ε,
 * else d = v + ε; Δ = lr·g/√d; with momentum μ: m = μm + Δ, w −= m; else w −= Δ. */
static void rmsprop(const sn_opt_update *u, int begin, int end) {
  const sn_optimizer *opt = u->opt;
  float lr = u->lr, rho = opt->hp[RMS_RHO], mu = opt->hp[RMS_MOMENTUM], eps = opt->hp[RMS_EPSILON];
  int with_momentum = mu > 0.0f, centered = sn_opt_on(opt->hp[RMS_CENTERED]);
  float *v = opt->slot[0], *mom = opt->slot[with_momentum ? 1 : 0], *avg = opt->slot[centered ? 1 + with_momentum : 0];
  float *w = u->w;
  const float *g = u->g;
  for (int i = begin; i < end; i++) {
    v[i] = flush(rho * v[i] + (1.0f - rho) * g[i] * g[i]);
    float den = v[i] + eps;
    if (centered) {
      avg[i] = flush(rho * avg[i] + (1.0f - rho) * g[i]);
      den = v[i] - avg[i] * avg[i] + eps;
    }
    float delta = lr * g[i] / sqrtf(den);
    if (with_momentum) {
      mom[i] = flush(mu * mom[i] + delta);
      delta = mom[i];
    }
    w[i] -= delta;
  }
}

/* Keras Adamax: m += (g−m)(1−β1); u = max(β2·u, |g|); w −= lr·m/((1−β1^t)(u + ε)). */
static void adamax(const sn_opt_update *u, int begin, int end) {
  const sn_optimizer *opt = u->opt;
  float b1 = opt->hp[ADAM_BETA1], b2 = opt->hp[ADAM_BETA2], eps = opt->hp[ADAM_EPSILON], step = u->c[0];
  float *restrict m = opt->slot[0], *restrict inf = opt->slot[1], *restrict w = u->w;
  const float *restrict g = u->g;
  for (int i = begin; i < end; i++) {
    m[i] = flush(m[i] + (g[i] - m[i]) * (1.0f - b1));
    inf[i] = flush(fmaxf(b2 * inf[i], fabsf(g[i])));
    w[i] -= step * m[i] / (inf[i] + eps);
  }
}

/* Keras Nadam (Dozat 2016): u_t = β1(1 − ½·0.96^t), P_t = Π u_i;
 * m̂ = u_{t+1}·m/(1 − P_t·u_{t+1}) + (1 − u_t)·g/(1 − P_t); v̂ = v/(1 − β2^t);
 * w −= lr·m̂/(√v̂ + ε), with cm, cg and 1/(1 − β2^t) in u->c. */
static void nadam(const sn_opt_update *u, int begin, int end) {
  const sn_optimizer *opt = u->opt;
  float lr = u->lr, b1 = opt->hp[ADAM_BETA1], b2 = opt->hp[ADAM_BETA2], eps = opt->hp[ADAM_EPSILON];
  float cm = u->c[0], cg = u->c[1], v_scale = u->c[2];
  float *restrict m = opt->slot[0], *restrict v = opt->slot[1], *restrict w = u->w;
  const float *restrict g = u->g;
  for (int i = begin; i < end; i++) {
    m[i] = flush(m[i] + (g[i] - m[i]) * (1.0f - b1));
    v[i] = flush(v[i] + (g[i] * g[i] - v[i]) * (1.0f - b2));
    w[i] -= lr * (cm * m[i] + cg * g[i]) / (sqrtf(v[i] * v_scale) + eps);
  }
}

/* Keras Adagrad: a += g²; w −= lr·g/√(a + ε), a starting at initial_accumulator_value. */
static void adagrad(const sn_opt_update *u, int begin, int end) {
  float lr = u->lr, eps = u->opt->hp[ADAGRAD_EPSILON];
  float *restrict a = u->opt->slot[0], *restrict w = u->w;
  const float *restrict g = u->g;
  for (int i = begin; i < end; i++) {
    a[i] += g[i] * g[i];
    w[i] -= lr * g[i] / sqrtf(a[i] + eps);
  }
}

/* Keras Adadelta: a = ρa + (1−ρ)g²; Δ = −√(d + ε)·g/√(a + ε); d = ρd + (1−ρ)Δ²; w += lr·Δ. */
static void adadelta(const sn_opt_update *u, int begin, int end) {
  float lr = u->lr, rho = u->opt->hp[ADADELTA_RHO], eps = u->opt->hp[ADADELTA_EPSILON];
  float *restrict a = u->opt->slot[0], *restrict d = u->opt->slot[1], *restrict w = u->w;
  const float *restrict g = u->g;
  for (int i = begin; i < end; i++) {
    a[i] = flush(rho * a[i] + (1.0f - rho) * g[i] * g[i]);
    float delta = -sqrtf(d[i] + eps) * g[i] / sqrtf(a[i] + eps);
    d[i] = flush(rho * d[i] + (1.0f - rho) * delta * delta);
    w[i] += lr * delta;
  }
}

/* Keras Ftrl (McMahan et al. 2013): with p = −learning_rate_power,
 * n' = n + g²; z += g + 2·λ_shrink·w − (n'^p − n^p)/lr·w;
 * w = (clip(z, ±λ1) − z)/(n'^p/lr + 2·(λ2 + β/(2·lr))); n = n'. */
static void ftrl(const sn_opt_update *u, int begin, int end) {
  const float *hp = u->opt->hp;
  float lr = u->lr, p = -hp[FTRL_POWER], l1 = hp[FTRL_L1], l2 = hp[FTRL_L2] + hp[FTRL_BETA] / (2.0f * lr);
  float shrink = 2.0f * hp[FTRL_SHRINKAGE];
  float *restrict acc = u->opt->slot[0], *restrict z = u->opt->slot[1], *restrict w = u->w;
  const float *restrict g = u->g;
  for (int i = begin; i < end; i++) {
    float next = acc[i] + g[i] * g[i], next_p = powf(next, p);
    z[i] += g[i] + shrink * w[i] - (next_p - powf(acc[i], p)) / lr * w[i];
    float quadratic = next_p / lr + 2.0f * l2;
    w[i] = (fminf(fmaxf(z[i], -l1), l1) - z[i]) / quadratic;
    acc[i] = next;
  }
}

static float sign(float x) { return (float)((x > 0.0f) - (x < 0.0f)); }

/* Keras Lion (Chen et al. 2023): w −= lr·sign(β1·m + (1−β1)·g); m = β2·m + (1−β2)·g. */
static void lion(const sn_opt_update *u, int begin, int end) {
  float lr = u->lr, b1 = u->opt->hp[LION_BETA1], b2 = u->opt->hp[LION_BETA2];
  float *restrict m = u->opt->slot[0], *restrict w = u->w;
  const float *restrict g = u->g;
  for (int i = begin; i < end; i++) {
    w[i] -= lr * sign(b1 * m[i] + (1.0f - b1) * g[i]);
    m[i] = flush(b2 * m[i] + (1.0f - b2) * g[i]);
  }
}

/* Keras 3's weight decay, on every optimizer: decoupled from the gradient and
 * applied before the update, w −= lr·λ·w with this step's learning rate
 * (BaseOptimizer._apply_weight_decay): w *= keep. */
static void decay_weights(const sn_opt_update *u, int begin, int end) {
  if (u->keep == 1.0f) return;
  for (int i = begin; i < end; i++) u->w[i] *= u->keep;
}

void ref_opt_update(const sn_opt_update *u, int begin, int end) {
  decay_weights(u, begin, end);
  switch (u->opt->kind) {
  case SN_OPT_SGD: sgd(u, begin, end); break;
  case SN_OPT_ADAM:
  case SN_OPT_ADAMW: adam(u, begin, end); break;
  case SN_OPT_RMSPROP: rmsprop(u, begin, end); break;
  case SN_OPT_ADAMAX: adamax(u, begin, end); break;
  case SN_OPT_NADAM: nadam(u, begin, end); break;
  case SN_OPT_ADAGRAD: adagrad(u, begin, end); break;
  case SN_OPT_ADADELTA: adadelta(u, begin, end); break;
  case SN_OPT_FTRL: ftrl(u, begin, end); break;
  case SN_OPT_LION: lion(u, begin, end); break;
  }
}
