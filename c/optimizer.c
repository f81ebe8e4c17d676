#include "optimizer.h"
#include "api.h"
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* hp[1..] positions per kind (the order of enum sn_opt_kind's comments). */
enum { SGD_MOMENTUM = 1, SGD_NESTEROV, SGD_DAMPENING };
enum { ADAM_BETA1 = 1, ADAM_BETA2, ADAM_EPSILON, ADAM_AMSGRAD, ADAMW_DECAY };
enum { RMS_RHO = 1, RMS_MOMENTUM, RMS_EPSILON, RMS_CENTERED };
enum { ADAGRAD_INITIAL = 1, ADAGRAD_EPSILON };
enum { ADADELTA_RHO = 1, ADADELTA_EPSILON };
enum { FTRL_POWER = 1, FTRL_INITIAL, FTRL_L1, FTRL_L2, FTRL_SHRINKAGE, FTRL_BETA };
enum { LION_BETA1 = 1, LION_BETA2 };

static int on(float flag) { return flag != 0.0f; }

static int slots_needed(int kind, const float *hp) {
  switch (kind) {
  case SN_OPT_SGD: return on(hp[SGD_MOMENTUM]);
  case SN_OPT_ADAM:
  case SN_OPT_ADAMW: return 2 + on(hp[ADAM_AMSGRAD]);
  case SN_OPT_RMSPROP: return 1 + (hp[RMS_MOMENTUM] > 0.0f) + on(hp[RMS_CENTERED]);
  case SN_OPT_ADAGRAD:
  case SN_OPT_LION: return 1;
  default: return 2;
  }
}

/* Accumulators that Keras starts at initial_accumulator_value instead of 0. */
static float slot_start(int kind, int slot, const float *hp) {
  if (kind == SN_OPT_ADAGRAD && slot == 0) return hp[ADAGRAD_INITIAL];
  if (kind == SN_OPT_FTRL && slot == 0) return hp[FTRL_INITIAL];
  return 0.0f;
}

static int clipping(const sn_optimizer *opt) {
  return opt->hp[SN_HP_CLIP_NORM] > 0 || opt->hp[SN_HP_CLIP_VALUE] > 0 || opt->hp[SN_HP_GLOBAL_CLIP_NORM] > 0;
}

SN_API sn_optimizer *sn_opt_create(int kind, int n, const float *hp, int n_hp) {
  if (kind < 0 || kind >= SN_OPT_COUNT || n < 0 || n_hp < 0 || n_hp > SN_OPT_MAX_HP) return NULL;
  sn_optimizer *opt = calloc(1, sizeof *opt);
  if (!opt) return NULL;
  opt->kind = kind;
  opt->n = n;
  for (int i = 0; i < n_hp; i++) opt->hp[i] = hp[i];
  size_t count = (size_t)(n > 0 ? n : 1);
  int slots = slots_needed(kind, opt->hp);
  for (; opt->n_slots < slots; opt->n_slots++) {
    float *s = opt->slot[opt->n_slots] = malloc(count * sizeof(float));
    if (!s) goto fail;
    float start = slot_start(kind, opt->n_slots, opt->hp);
    for (int i = 0; i < n; i++) s[i] = start;
  }
  if (!sn_opt_set_segments(opt, &n, 1)) goto fail;
  if (clipping(opt) && !(opt->scratch = malloc(count * sizeof(float)))) goto fail;
  return opt;
fail:
  sn_opt_free(opt);
  return NULL;
}

SN_API void sn_opt_free(sn_optimizer *opt) {
  if (!opt) return;
  for (int i = 0; i < opt->n_slots; i++) free(opt->slot[i]);
  free(opt->segments);
  free(opt->scratch);
  free(opt);
}

SN_API int sn_opt_set_segments(sn_optimizer *opt, const int *lengths, int count) {
  long total = 0;
  for (int i = 0; i < count; i++) {
    if (lengths[i] < 0) return 0;
    total += lengths[i];
  }
  if (count < 1 || total != opt->n) return 0;
  int *copy = malloc((size_t)count * sizeof(int));
  if (!copy) return 0;
  memcpy(copy, lengths, (size_t)count * sizeof(int));
  free(opt->segments);
  opt->segments = copy;
  opt->n_segments = count;
  return 1;
}

SN_API int sn_opt_slot_count(const sn_optimizer *opt) { return opt->n_slots; }
SN_API float *sn_opt_slot(sn_optimizer *opt, int i) { return i >= 0 && i < opt->n_slots ? opt->slot[i] : 0; }
SN_API double *sn_opt_step_count(sn_optimizer *opt) { return &opt->step; }
SN_API float *sn_opt_hp(sn_optimizer *opt) { return opt->hp; }

SN_API double sn_opt_learning_rate(const sn_optimizer *opt) {
  const float *schedule = opt->hp + SN_HP_SCHEDULE;
  return schedule[0] == SN_SCHED_CONSTANT ? opt->hp[SN_HP_LR] : sn_schedule_at(schedule, opt->step);
}

/* ---- gradient clipping (Keras: clipnorm per variable, else global_clipnorm, else clipvalue) ---- */

static double sum_squares(const float *g, long n) {
  double s = 0.0;
  for (long i = 0; i < n; i++) s += (double)g[i] * g[i];
  return s;
}

/* g · c / max(‖g‖, c): unchanged when the norm is within c. */
static float norm_scale(double sum_sq, float c) {
  double norm = sqrt(sum_sq);
  return norm > c ? (float)(c / norm) : 1.0f;
}

static void scale_into(float *restrict out, const float *restrict g, long n, float s) {
  for (long i = 0; i < n; i++) out[i] = g[i] * s;
}

/* The gradients the update uses: g itself, or a clipped copy in opt->scratch. */
static const float *clip_gradients(sn_optimizer *opt, const float *g) {
  if (!clipping(opt)) return g;
  float *out = opt->scratch;
  float clip_norm = opt->hp[SN_HP_CLIP_NORM], global = opt->hp[SN_HP_GLOBAL_CLIP_NORM], value = opt->hp[SN_HP_CLIP_VALUE];
  if (clip_norm > 0) {
    long off = 0;
    for (int s = 0; s < opt->n_segments; off += opt->segments[s++])
      scale_into(out + off, g + off, opt->segments[s], norm_scale(sum_squares(g + off, opt->segments[s]), clip_norm));
  } else if (global > 0) {
    scale_into(out, g, opt->n, norm_scale(sum_squares(g, opt->n), global));
  } else {
    for (int i = 0; i < opt->n; i++) out[i] = fminf(fmaxf(g[i], -value), value);
  }
  return out;
}

/* ---- the updates; lr is this step's learning rate, t the 1-based step ---- */

/* Decaying state (moments of weights whose gradient stays zero) shrinks into
 * denormal floats, which wasm cannot flush and which cost tens of cycles per
 * operation: Adam's step took 60% of a small model's time. Rounding them to zero
 * (as TensorFlow's CPU kernels do by flushing denormals) changes values below
 * FLT_MIN only. */
static inline float flush(float x) { return fabsf(x) < FLT_MIN ? 0.0f : x; }

/* Keras SGD: v = μ·v − lr·g; w += v, or with Nesterov w += μ·v − lr·g.
 * Dampening d scales the gradient entering v by (1 − d): with a constant lr,
 * momentum 0.9 and dampening 0.9 give the course's m = 0.9·m + 0.1·g, w −= lr·m. */
static void sgd(sn_optimizer *opt, float lr, float *restrict w, const float *restrict g) {
  float mu = opt->hp[SGD_MOMENTUM], step = lr * (1.0f - opt->hp[SGD_DAMPENING]);
  int n = opt->n;
  if (opt->n_slots == 0) {
    for (int i = 0; i < n; i++) w[i] -= lr * g[i];
    return;
  }
  float *restrict v = opt->slot[0];
  if (on(opt->hp[SGD_NESTEROV])) {
    for (int i = 0; i < n; i++) {
      v[i] = flush(mu * v[i] - step * g[i]);
      w[i] += mu * v[i] - step * g[i];
    }
  } else {
    for (int i = 0; i < n; i++) {
      v[i] = flush(mu * v[i] - step * g[i]);
      w[i] += v[i];
    }
  }
}

/* Keras 3's weight decay, on every optimizer: decoupled from the gradient and
 * applied before the update, w −= lr·λ·w with this step's learning rate
 * (BaseOptimizer._apply_weight_decay). AdamW is Adam with λ = 0.004 by default,
 * kept among its own hyper-parameters. */
static void decay_weights(const sn_optimizer *opt, float lr, float *restrict w) {
  float decay = opt->kind == SN_OPT_ADAMW ? opt->hp[ADAMW_DECAY] : opt->hp[SN_HP_WEIGHT_DECAY];
  if (decay == 0.0f) return;
  float keep = 1.0f - lr * decay;
  for (int i = 0; i < opt->n; i++) w[i] *= keep;
}

/* Keras Adam: α = lr·√(1−β2^t)/(1−β1^t); m += (g−m)(1−β1); v += (g²−v)(1−β2);
 * with amsgrad v̂ = max(v̂, v) replaces v; w −= α·m/(√v + ε). */
static void adam(sn_optimizer *opt, float lr, double t, float *restrict w, const float *restrict g) {
  float b1 = opt->hp[ADAM_BETA1], b2 = opt->hp[ADAM_BETA2], eps = opt->hp[ADAM_EPSILON];
  float alpha = (float)(lr * sqrt(1.0 - pow(b2, t)) / (1.0 - pow(b1, t)));
  float *restrict m = opt->slot[0], *restrict v = opt->slot[1];
  int n = opt->n;
  for (int i = 0; i < n; i++) {
    m[i] = flush(m[i] + (g[i] - m[i]) * (1.0f - b1));
    v[i] = flush(v[i] + (g[i] * g[i] - v[i]) * (1.0f - b2));
  }
  if (opt->n_slots > 2) {
    float *restrict vmax = opt->slot[2];
    for (int i = 0; i < n; i++) {
      vmax[i] = fmaxf(vmax[i], v[i]);
      w[i] -= alpha * m[i] / (sqrtf(vmax[i]) + eps);
    }
  } else {
    for (int i = 0; i < n; i++) w[i] -= alpha * m[i] / (sqrtf(v[i]) + eps);
  }
}

/* Keras RMSprop: v = ρv + (1−ρ)g²; centered: ḡ = ρḡ + (1−ρ)g, d = v − ḡ² + ε,
 * else d = v + ε; Δ = lr·g/√d; with momentum μ: m = μm + Δ, w −= m; else w −= Δ.
 * The branches test loop invariants, which clang unswitches before vectorizing. */
static void rmsprop(sn_optimizer *opt, float lr, float *restrict w, const float *restrict g) {
  float rho = opt->hp[RMS_RHO], mu = opt->hp[RMS_MOMENTUM], eps = opt->hp[RMS_EPSILON];
  int with_momentum = mu > 0.0f, centered = on(opt->hp[RMS_CENTERED]), n = opt->n;
  float *restrict v = opt->slot[0];
  float *restrict mom = opt->slot[with_momentum ? 1 : 0];
  float *restrict avg = opt->slot[centered ? 1 + with_momentum : 0];
  for (int i = 0; i < n; i++) {
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
static void adamax(sn_optimizer *opt, float lr, double t, float *restrict w, const float *restrict g) {
  float b1 = opt->hp[ADAM_BETA1], b2 = opt->hp[ADAM_BETA2], eps = opt->hp[ADAM_EPSILON];
  float step = (float)(lr / (1.0 - pow(b1, t)));
  float *restrict m = opt->slot[0], *restrict u = opt->slot[1];
  for (int i = 0; i < opt->n; i++) {
    m[i] = flush(m[i] + (g[i] - m[i]) * (1.0f - b1));
    u[i] = flush(fmaxf(b2 * u[i], fabsf(g[i])));
    w[i] -= step * m[i] / (u[i] + eps);
  }
}

/* Π_{i ≤ t} β1·(1 − ½·0.96^i), Nadam's momentum schedule product; cached, so
 * it costs one factor per step, and recomputed from the step count after a load. */
static double nadam_u_product(sn_optimizer *opt, double t) {
  double b1 = opt->hp[ADAM_BETA1];
  if (opt->nadam_u_step != t - 1 || t == 1) {
    opt->nadam_u_product = 1.0;
    for (double i = 1; i < t; i++) opt->nadam_u_product *= b1 * (1.0 - 0.5 * pow(0.96, i));
  }
  opt->nadam_u_product *= b1 * (1.0 - 0.5 * pow(0.96, t));
  opt->nadam_u_step = t;
  return opt->nadam_u_product;
}

/* Keras Nadam (Dozat 2016): u_t = β1(1 − ½·0.96^t), P_t = Π u_i;
 * m̂ = u_{t+1}·m/(1 − P_t·u_{t+1}) + (1 − u_t)·g/(1 − P_t); v̂ = v/(1 − β2^t);
 * w −= lr·m̂/(√v̂ + ε). */
static void nadam(sn_optimizer *opt, float lr, double t, float *restrict w, const float *restrict g) {
  float b1 = opt->hp[ADAM_BETA1], b2 = opt->hp[ADAM_BETA2], eps = opt->hp[ADAM_EPSILON];
  double u_t = b1 * (1.0 - 0.5 * pow(0.96, t)), u_next = b1 * (1.0 - 0.5 * pow(0.96, t + 1));
  double product = nadam_u_product(opt, t);
  float cm = (float)(u_next / (1.0 - product * u_next)), cg = (float)((1.0 - u_t) / (1.0 - product));
  float v_scale = (float)(1.0 / (1.0 - pow(b2, t)));
  float *restrict m = opt->slot[0], *restrict v = opt->slot[1];
  for (int i = 0; i < opt->n; i++) {
    m[i] = flush(m[i] + (g[i] - m[i]) * (1.0f - b1));
    v[i] = flush(v[i] + (g[i] * g[i] - v[i]) * (1.0f - b2));
    w[i] -= lr * (cm * m[i] + cg * g[i]) / (sqrtf(v[i] * v_scale) + eps);
  }
}

/* Keras Adagrad: a += g²; w −= lr·g/√(a + ε), a starting at initial_accumulator_value. */
static void adagrad(sn_optimizer *opt, float lr, float *restrict w, const float *restrict g) {
  float eps = opt->hp[ADAGRAD_EPSILON];
  float *restrict a = opt->slot[0];
  for (int i = 0; i < opt->n; i++) {
    a[i] += g[i] * g[i];
    w[i] -= lr * g[i] / sqrtf(a[i] + eps);
  }
}

/* Keras Adadelta: a = ρa + (1−ρ)g²; Δ = −√(d + ε)·g/√(a + ε); d = ρd + (1−ρ)Δ²; w += lr·Δ. */
static void adadelta(sn_optimizer *opt, float lr, float *restrict w, const float *restrict g) {
  float rho = opt->hp[ADADELTA_RHO], eps = opt->hp[ADADELTA_EPSILON];
  float *restrict a = opt->slot[0], *restrict d = opt->slot[1];
  for (int i = 0; i < opt->n; i++) {
    a[i] = flush(rho * a[i] + (1.0f - rho) * g[i] * g[i]);
    float delta = -sqrtf(d[i] + eps) * g[i] / sqrtf(a[i] + eps);
    d[i] = flush(rho * d[i] + (1.0f - rho) * delta * delta);
    w[i] += lr * delta;
  }
}

/* Keras Ftrl (McMahan et al. 2013): with p = −learning_rate_power,
 * n' = n + g²; z += g + 2·λ_shrink·w − (n'^p − n^p)/lr·w;
 * w = (clip(z, ±λ1) − z)/(n'^p/lr + 2·(λ2 + β/(2·lr))); n = n'. */
static void ftrl(sn_optimizer *opt, float lr, float *restrict w, const float *restrict g) {
  const float *hp = opt->hp;
  float p = -hp[FTRL_POWER], l1 = hp[FTRL_L1], l2 = hp[FTRL_L2] + hp[FTRL_BETA] / (2.0f * lr);
  float shrink = 2.0f * hp[FTRL_SHRINKAGE];
  float *restrict acc = opt->slot[0], *restrict z = opt->slot[1];
  for (int i = 0; i < opt->n; i++) {
    float next = acc[i] + g[i] * g[i], next_p = powf(next, p);
    z[i] += g[i] + shrink * w[i] - (next_p - powf(acc[i], p)) / lr * w[i];
    float quadratic = next_p / lr + 2.0f * l2;
    w[i] = (fminf(fmaxf(z[i], -l1), l1) - z[i]) / quadratic;
    acc[i] = next;
  }
}

static float sign(float x) { return (float)((x > 0.0f) - (x < 0.0f)); }

/* Keras Lion (Chen et al. 2023): w −= lr·sign(β1·m + (1−β1)·g); m = β2·m + (1−β2)·g. */
static void lion(sn_optimizer *opt, float lr, float *restrict w, const float *restrict g) {
  float b1 = opt->hp[LION_BETA1], b2 = opt->hp[LION_BETA2];
  float *restrict m = opt->slot[0];
  for (int i = 0; i < opt->n; i++) {
    w[i] -= lr * sign(b1 * m[i] + (1.0f - b1) * g[i]);
    m[i] = flush(b2 * m[i] + (1.0f - b2) * g[i]);
  }
}

SN_API void sn_opt_step(sn_optimizer *opt, float *params, const float *grads) {
  float lr = (float)sn_opt_learning_rate(opt);
  const float *g = clip_gradients(opt, grads);
  double t = opt->step += 1;
  decay_weights(opt, lr, params);
  switch (opt->kind) {
  case SN_OPT_SGD: sgd(opt, lr, params, g); break;
  case SN_OPT_ADAM:
  case SN_OPT_ADAMW: adam(opt, lr, t, params, g); break;
  case SN_OPT_RMSPROP: rmsprop(opt, lr, params, g); break;
  case SN_OPT_ADAMAX: adamax(opt, lr, t, params, g); break;
  case SN_OPT_NADAM: nadam(opt, lr, t, params, g); break;
  case SN_OPT_ADAGRAD: adagrad(opt, lr, params, g); break;
  case SN_OPT_ADADELTA: adadelta(opt, lr, params, g); break;
  case SN_OPT_FTRL: ftrl(opt, lr, params, g); break;
  case SN_OPT_LION: lion(opt, lr, params, g); break;
  }
}
