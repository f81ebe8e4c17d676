/* Optimizers: creation, state, gradient clipping, and each kind's update as
 * one fused SIMD pass (simd.h) over the parameters, their gradients and the
 * kind's slots. optimizer_ref.c holds the same updates as plain scalar loops
 * of the formulas; every SIMD update does each element's float operations in
 * the same order as its reference (and simd.h's operations round like C's:
 * no fused multiply-add, correctly rounded division and square root), so the
 * two give the same bits (test/c/test_optimizer.c), and the reference runs
 * the last few elements of a range. */
#include "optimizer.h"
#include "api.h"
#include "optimizer_kinds.h"
#include "simd.h"
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>


static int slots_needed(int kind, const float *hp) {
  switch (kind) {
  case SN_OPT_SGD: return sn_opt_on(hp[SGD_MOMENTUM]);
  case SN_OPT_ADAM:
  case SN_OPT_ADAMW: return 2 + sn_opt_on(hp[ADAM_AMSGRAD]);
  case SN_OPT_RMSPROP: return 1 + (hp[RMS_MOMENTUM] > 0.0f) + sn_opt_on(hp[RMS_CENTERED]);
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
  free(opt->excluded);
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
  free(opt->excluded); /* they were of the old variables */
  opt->excluded = NULL;
  opt->n_excluded = 0;
  return 1;
}

SN_API int sn_opt_exclude_from_weight_decay(sn_optimizer *opt, const int *excluded, int count) {
  if (count != opt->n_segments) return 0;
  int *ranges = malloc((size_t)(2 * count + 2) * sizeof(int)), n = 0;
  if (!ranges) return 0;
  long off = 0;
  for (int s = 0; s < count; off += opt->segments[s++]) {
    if (!excluded[s] || opt->segments[s] == 0) continue;
    if (n > 0 && ranges[2 * n - 1] == off) ranges[2 * n - 1] = (int)(off + opt->segments[s]); /* adjacent: one range */
    else ranges[2 * n] = (int)off, ranges[2 * n + 1] = (int)(off + opt->segments[s]), n++;
  }
  free(opt->excluded);
  opt->excluded = ranges;
  opt->n_excluded = n;
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

/* ---- the updates, element by element over [begin, end); see optimizer_ref.c for each formula ---- */

/* optimizer_ref.c's flush() on four lanes: |x| < FLT_MIN becomes +0. */
static inline v4f flush4(v4f x) { return v_zero_where(v_lt(v_abs(x), v_splat(FLT_MIN)), x); }

/* fmaxf on four lanes: a NaN operand gives the other one. (fmaxf(−0, +0) is
 * +0 and this gives −0, but no operand here is ever −0: the state it compares
 * is flushed, and flush() returns +0.) */
static inline v4f fmax4(v4f a, v4f b) { return v_select(v_eq(a, a), v_max(a, b), b); }

/* Each pass copies what it reads of u into locals first: stores through the
 * float pointers could otherwise alias u, and every iteration would reload it.
 * With decay (a constant), w·keep is the w the update reads: weight decay fused. */
#define DECAYED(i) (decay ? v_mul(v_load(w + (i)), keep) : v_load(w + (i)))

SN_ALWAYS_INLINE void sgd(const sn_opt_update *u, int begin, int end, int decay, int momentum, int nesterov) {
  float *restrict w = u->w, *restrict vel = u->opt->slot[0];
  const float *restrict g = u->g;
  v4f keep = v_splat(u->keep), lr = v_splat(u->lr), mu = v_splat(u->opt->hp[SGD_MOMENTUM]);
  v4f step = v_splat(u->lr * (1.0f - u->opt->hp[SGD_DAMPENING]));
  int i = begin;
  for (; i + 4 <= end; i += 4) {
    v4f gi = v_load(g + i), wi = DECAYED(i);
    if (!momentum) {
      v_store(w + i, v_sub(wi, v_mul(lr, gi)));
      continue;
    }
    v4f v = flush4(v_sub(v_mul(mu, v_load(vel + i)), v_mul(step, gi)));
    v_store(vel + i, v);
    v_store(w + i, v_add(wi, nesterov ? v_sub(v_mul(mu, v), v_mul(step, gi)) : v));
  }
  if (i < end) ref_opt_update(u, i, end);
}

SN_ALWAYS_INLINE void adam(const sn_opt_update *u, int begin, int end, int decay, int amsgrad) {
  const float *hp = u->opt->hp;
  float *restrict w = u->w, *restrict m = u->opt->slot[0], *restrict v = u->opt->slot[1];
  float *restrict vmax = u->opt->slot[2];
  const float *restrict g = u->g;
  v4f keep = v_splat(u->keep), c1 = v_splat(1.0f - hp[ADAM_BETA1]), c2 = v_splat(1.0f - hp[ADAM_BETA2]);
  v4f eps = v_splat(hp[ADAM_EPSILON]), alpha = v_splat(u->c[0]);
#define STEP(i) do { \
    v4f gi = v_load(g + (i)), mi = v_load(m + (i)), vi = v_load(v + (i)), wi = DECAYED(i); \
    mi = flush4(v_add(mi, v_mul(v_sub(gi, mi), c1))); \
    vi = flush4(v_add(vi, v_mul(v_sub(v_mul(gi, gi), vi), c2))); \
    v_store(m + (i), mi); \
    v_store(v + (i), vi); \
    if (amsgrad) { \
      vi = fmax4(v_load(vmax + (i)), vi); \
      v_store(vmax + (i), vi); \
    } \
    v_store(w + (i), v_sub(wi, v_div(v_mul(alpha, mi), v_add(v_sqrt(vi), eps)))); } while (0)
  int i = begin;
  for (; i + 8 <= end; i += 8) { STEP(i); STEP(i + 4); }
  for (; i + 4 <= end; i += 4) STEP(i);
#undef STEP
  if (i < end) ref_opt_update(u, i, end);
}

SN_ALWAYS_INLINE void rmsprop(const sn_opt_update *u, int begin, int end, int decay, int momentum, int centered) {
  const float *hp = u->opt->hp;
  float *restrict w = u->w, *restrict v = u->opt->slot[0];
  float *restrict mom = momentum ? u->opt->slot[1] : NULL, *restrict avg = centered ? u->opt->slot[1 + momentum] : NULL;
  const float *restrict g = u->g;
  v4f keep = v_splat(u->keep), lr = v_splat(u->lr), rho = v_splat(hp[RMS_RHO]), c = v_splat(1.0f - hp[RMS_RHO]);
  v4f mu = v_splat(hp[RMS_MOMENTUM]), eps = v_splat(hp[RMS_EPSILON]);
  int i = begin;
  for (; i + 4 <= end; i += 4) {
    v4f gi = v_load(g + i), wi = DECAYED(i);
    v4f vi = flush4(v_add(v_mul(rho, v_load(v + i)), v_mul(v_mul(c, gi), gi)));
    v_store(v + i, vi);
    v4f den = v_add(vi, eps);
    if (centered) {
      v4f a = flush4(v_add(v_mul(rho, v_load(avg + i)), v_mul(c, gi)));
      v_store(avg + i, a);
      den = v_add(v_sub(vi, v_mul(a, a)), eps);
    }
    v4f delta = v_div(v_mul(lr, gi), v_sqrt(den));
    if (momentum) {
      delta = flush4(v_add(v_mul(mu, v_load(mom + i)), delta));
      v_store(mom + i, delta);
    }
    v_store(w + i, v_sub(wi, delta));
  }
  if (i < end) ref_opt_update(u, i, end);
}

SN_ALWAYS_INLINE void adamax(const sn_opt_update *u, int begin, int end, int decay) {
  const float *hp = u->opt->hp;
  float *restrict w = u->w, *restrict m = u->opt->slot[0], *restrict inf = u->opt->slot[1];
  const float *restrict g = u->g;
  v4f keep = v_splat(u->keep), c1 = v_splat(1.0f - hp[ADAM_BETA1]), b2 = v_splat(hp[ADAM_BETA2]);
  v4f eps = v_splat(hp[ADAM_EPSILON]), step = v_splat(u->c[0]);
  int i = begin;
  for (; i + 4 <= end; i += 4) {
    v4f gi = v_load(g + i), mi = v_load(m + i), wi = DECAYED(i);
    mi = flush4(v_add(mi, v_mul(v_sub(gi, mi), c1)));
    v4f ui = flush4(fmax4(v_mul(b2, v_load(inf + i)), v_abs(gi)));
    v_store(m + i, mi);
    v_store(inf + i, ui);
    v_store(w + i, v_sub(wi, v_div(v_mul(step, mi), v_add(ui, eps))));
  }
  if (i < end) ref_opt_update(u, i, end);
}

SN_ALWAYS_INLINE void nadam(const sn_opt_update *u, int begin, int end, int decay) {
  const float *hp = u->opt->hp;
  float *restrict w = u->w, *restrict m = u->opt->slot[0], *restrict v = u->opt->slot[1];
  const float *restrict g = u->g;
  v4f keep = v_splat(u->keep), c1 = v_splat(1.0f - hp[ADAM_BETA1]), c2 = v_splat(1.0f - hp[ADAM_BETA2]);
  v4f eps = v_splat(hp[ADAM_EPSILON]), lr = v_splat(u->lr);
  v4f cm = v_splat(u->c[0]), cg = v_splat(u->c[1]), v_scale = v_splat(u->c[2]);
  int i = begin;
  for (; i + 4 <= end; i += 4) {
    v4f gi = v_load(g + i), mi = v_load(m + i), vi = v_load(v + i), wi = DECAYED(i);
    mi = flush4(v_add(mi, v_mul(v_sub(gi, mi), c1)));
    vi = flush4(v_add(vi, v_mul(v_sub(v_mul(gi, gi), vi), c2)));
    v_store(m + i, mi);
    v_store(v + i, vi);
    v4f num = v_mul(lr, v_add(v_mul(cm, mi), v_mul(cg, gi)));
    v_store(w + i, v_sub(wi, v_div(num, v_add(v_sqrt(v_mul(vi, v_scale)), eps))));
  }
  if (i < end) ref_opt_update(u, i, end);
}

SN_ALWAYS_INLINE void adagrad(const sn_opt_update *u, int begin, int end, int decay) {
  float *restrict w = u->w, *restrict acc = u->opt->slot[0];
  const float *restrict g = u->g;
  v4f keep = v_splat(u->keep), lr = v_splat(u->lr), eps = v_splat(u->opt->hp[ADAGRAD_EPSILON]);
  int i = begin;
  for (; i + 4 <= end; i += 4) {
    v4f gi = v_load(g + i), wi = DECAYED(i);
    v4f a = v_add(v_load(acc + i), v_mul(gi, gi));
    v_store(acc + i, a);
    v_store(w + i, v_sub(wi, v_div(v_mul(lr, gi), v_sqrt(v_add(a, eps)))));
  }
  if (i < end) ref_opt_update(u, i, end);
}

SN_ALWAYS_INLINE void adadelta(const sn_opt_update *u, int begin, int end, int decay) {
  const float *hp = u->opt->hp;
  float *restrict w = u->w, *restrict acc = u->opt->slot[0], *restrict d = u->opt->slot[1];
  const float *restrict g = u->g;
  v4f keep = v_splat(u->keep), lr = v_splat(u->lr), rho = v_splat(hp[ADADELTA_RHO]);
  v4f c = v_splat(1.0f - hp[ADADELTA_RHO]), eps = v_splat(hp[ADADELTA_EPSILON]), minus_one = v_splat(-1.0f);
  int i = begin;
  for (; i + 4 <= end; i += 4) {
    v4f gi = v_load(g + i), di = v_load(d + i), wi = DECAYED(i);
    v4f a = flush4(v_add(v_mul(rho, v_load(acc + i)), v_mul(v_mul(c, gi), gi)));
    v_store(acc + i, a);
    /* −√(d + ε): −1·x is exactly C's −x, zeros included */
    v4f delta = v_div(v_mul(v_mul(minus_one, v_sqrt(v_add(di, eps))), gi), v_sqrt(v_add(a, eps)));
    v_store(d + i, flush4(v_add(v_mul(rho, di), v_mul(v_mul(c, delta), delta))));
    v_store(w + i, v_add(wi, v_mul(lr, delta)));
  }
  if (i < end) ref_opt_update(u, i, end);
}

SN_ALWAYS_INLINE void lion(const sn_opt_update *u, int begin, int end, int decay) {
  const float *hp = u->opt->hp;
  float *restrict w = u->w, *restrict m = u->opt->slot[0];
  const float *restrict g = u->g;
  v4f keep = v_splat(u->keep), lr = v_splat(u->lr), b1 = v_splat(hp[LION_BETA1]), c1 = v_splat(1.0f - hp[LION_BETA1]);
  v4f b2 = v_splat(hp[LION_BETA2]), c2 = v_splat(1.0f - hp[LION_BETA2]), zero = v_zero();
  v4f one = v_splat(1.0f), minus_one = v_splat(-1.0f);
  int i = begin;
  for (; i + 4 <= end; i += 4) {
    v4f gi = v_load(g + i), mi = v_load(m + i), wi = DECAYED(i);
    v4f x = v_add(v_mul(b1, mi), v_mul(c1, gi));
    v4f sign = v_select(v_gt(x, zero), one, v_select(v_lt(x, zero), minus_one, zero));
    v_store(w + i, v_sub(wi, v_mul(lr, sign)));
    v_store(m + i, flush4(v_add(v_mul(b2, mi), v_mul(c2, gi))));
  }
  if (i < end) ref_opt_update(u, i, end);
}
#undef DECAYED

/* Each kind's pass with its branches resolved outside the loop. */
static void update(const sn_opt_update *u, int begin, int end, int decay) {
  const float *hp = u->opt->hp;
  switch (u->opt->kind) {
  case SN_OPT_SGD:
    if (u->opt->n_slots == 0) sgd(u, begin, end, decay, 0, 0);
    else if (sn_opt_on(hp[SGD_NESTEROV])) sgd(u, begin, end, decay, 1, 1);
    else sgd(u, begin, end, decay, 1, 0);
    return;
  case SN_OPT_ADAM:
  case SN_OPT_ADAMW:
    if (u->opt->n_slots > 2) adam(u, begin, end, decay, 1);
    else adam(u, begin, end, decay, 0);
    return;
  case SN_OPT_RMSPROP: {
    int momentum = hp[RMS_MOMENTUM] > 0.0f, centered = sn_opt_on(hp[RMS_CENTERED]);
    if (momentum && centered) rmsprop(u, begin, end, decay, 1, 1);
    else if (momentum) rmsprop(u, begin, end, decay, 1, 0);
    else if (centered) rmsprop(u, begin, end, decay, 0, 1);
    else rmsprop(u, begin, end, decay, 0, 0);
    return;
  }
  case SN_OPT_ADAMAX: adamax(u, begin, end, decay); return;
  case SN_OPT_NADAM: nadam(u, begin, end, decay); return;
  case SN_OPT_ADAGRAD: adagrad(u, begin, end, decay); return;
  case SN_OPT_ADADELTA: adadelta(u, begin, end, decay); return;
  case SN_OPT_LION: lion(u, begin, end, decay); return;
  default: ref_opt_update(u, begin, end); return; /* FTRL: powf per element */
  }
}

/* [begin, end) with weight decay, but the excluded ranges inside it without (keep = 1). Every element's update
 * reads only its own values, so the split changes no bits of the others. */
void k_opt_update(const sn_opt_update *u, int begin, int end) {
  if (u->keep == 1.0f) {
    update(u, begin, end, 0);
    return;
  }
  const sn_optimizer *opt = u->opt;
  sn_opt_update plain = *u;
  plain.keep = 1.0f;
  for (int k = 0; k < opt->n_excluded && begin < end; k++) {
    int a = opt->excluded[2 * k], b = opt->excluded[2 * k + 1];
    if (b <= begin) continue;
    if (a >= end) break;
    if (a > begin) update(u, begin, a, 1);
    int stop = b < end ? b : end;
    update(&plain, a > begin ? a : begin, stop, 0);
    begin = stop;
  }
  if (begin < end) update(u, begin, end, 1);
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

/* This step's scalars: lr from the schedule at the step count before this
 * step, then the 1-based step t and the kinds' bias corrections. */
void sn_opt_begin_step(sn_optimizer *opt, float *params, const float *grads, sn_opt_update *u) {
  const float *hp = opt->hp;
  float lr = (float)sn_opt_learning_rate(opt);
  const float *g = clip_gradients(opt, grads);
  double t = opt->step += 1;
  float decay = opt->kind == SN_OPT_ADAMW ? hp[ADAMW_DECAY] : hp[SN_HP_WEIGHT_DECAY];
  *u = (sn_opt_update){.opt = opt, .w = params, .g = g, .lr = lr, .keep = decay == 0.0f ? 1.0f : 1.0f - lr * decay};
  float b1 = hp[ADAM_BETA1], b2 = hp[ADAM_BETA2];
  switch (opt->kind) {
  case SN_OPT_ADAM:
  case SN_OPT_ADAMW: u->c[0] = (float)(lr * sqrt(1.0 - pow(b2, t)) / (1.0 - pow(b1, t))); break;
  case SN_OPT_ADAMAX: u->c[0] = (float)(lr / (1.0 - pow(b1, t))); break;
  case SN_OPT_NADAM: {
    double u_t = b1 * (1.0 - 0.5 * pow(0.96, t)), u_next = b1 * (1.0 - 0.5 * pow(0.96, t + 1));
    double product = nadam_u_product(opt, t);
    u->c[0] = (float)(u_next / (1.0 - product * u_next));
    u->c[1] = (float)((1.0 - u_t) / (1.0 - product));
    u->c[2] = (float)(1.0 / (1.0 - pow(b2, t)));
    break;
  }
  }
}

SN_API void sn_opt_step(sn_optimizer *opt, float *params, const float *grads) {
  sn_opt_update u;
  sn_opt_begin_step(opt, params, grads, &u);
  k_opt_update(&u, 0, opt->n);
}
