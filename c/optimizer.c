#include "optimizer.h"
#include "api.h"
#include <math.h>
#include <stdlib.h>

enum { HP_LR = 0 };
enum { SGD_MOMENTUM = 1, SGD_NESTEROV = 2 };
enum { ADAM_BETA1 = 1, ADAM_BETA2 = 2, ADAM_EPSILON = 3 };

static int slots_needed(int kind, const float *hp) {
  if (kind == SN_OPT_ADAM) return 2;
  return hp[SGD_MOMENTUM] != 0.0f ? 1 : 0;
}

SN_API sn_optimizer *sn_opt_create(int kind, int n, const float *hp, int n_hp) {
  if (kind < 0 || kind >= SN_OPT_COUNT || n < 0 || n_hp < 0 || n_hp > SN_OPT_MAX_HP) return NULL;
  sn_optimizer *opt = calloc(1, sizeof *opt);
  if (!opt) return NULL;
  opt->kind = kind;
  opt->n = n;
  for (int i = 0; i < n_hp; i++) opt->hp[i] = hp[i];
  size_t bytes = (size_t)(n > 0 ? n : 1) * sizeof(float);
  int slots = slots_needed(kind, opt->hp);
  for (; opt->n_slots < slots; opt->n_slots++)
    if (!(opt->slot[opt->n_slots] = calloc(1, bytes))) goto fail;
  return opt;
fail:
  sn_opt_free(opt);
  return NULL;
}

SN_API void sn_opt_free(sn_optimizer *opt) {
  if (!opt) return;
  for (int i = 0; i < opt->n_slots; i++) free(opt->slot[i]);
  free(opt);
}

SN_API int sn_opt_slot_count(const sn_optimizer *opt) { return opt->n_slots; }
SN_API float *sn_opt_slot(sn_optimizer *opt, int i) { return i >= 0 && i < opt->n_slots ? opt->slot[i] : 0; }
SN_API double *sn_opt_step_count(sn_optimizer *opt) { return &opt->step; }

/* Keras SGD: v = momentum·v − lr·g; w += v, or with Nesterov w += momentum·v − lr·g. */
static void sgd_step(sn_optimizer *opt, float *restrict w, const float *restrict g) {
  float lr = opt->hp[HP_LR], mu = opt->hp[SGD_MOMENTUM];
  int n = opt->n;
  if (opt->n_slots == 0) {
    for (int i = 0; i < n; i++) w[i] -= lr * g[i];
    return;
  }
  float *restrict v = opt->slot[0];
  if (opt->hp[SGD_NESTEROV] != 0.0f) {
    for (int i = 0; i < n; i++) {
      v[i] = mu * v[i] - lr * g[i];
      w[i] += mu * v[i] - lr * g[i];
    }
  } else {
    for (int i = 0; i < n; i++) {
      v[i] = mu * v[i] - lr * g[i];
      w[i] += v[i];
    }
  }
}

/* Keras Adam: α = lr·√(1−β2^t)/(1−β1^t); m += (g−m)(1−β1); v += (g²−v)(1−β2);
 * w −= α·m/(√v + ε). The bias corrections are computed in double once per step. */
static void adam_step(sn_optimizer *opt, float *restrict w, const float *restrict g) {
  float b1 = opt->hp[ADAM_BETA1], b2 = opt->hp[ADAM_BETA2], eps = opt->hp[ADAM_EPSILON];
  double t = opt->step;
  float alpha = (float)(opt->hp[HP_LR] * sqrt(1.0 - pow(b2, t)) / (1.0 - pow(b1, t)));
  float *restrict m = opt->slot[0], *restrict v = opt->slot[1];
  for (int i = 0; i < opt->n; i++) {
    m[i] += (g[i] - m[i]) * (1.0f - b1);
    v[i] += (g[i] * g[i] - v[i]) * (1.0f - b2);
    w[i] -= alpha * m[i] / (sqrtf(v[i]) + eps);
  }
}

SN_API void sn_opt_step(sn_optimizer *opt, float *params, const float *grads) {
  opt->step += 1;
  switch (opt->kind) {
  case SN_OPT_SGD: sgd_step(opt, params, grads); break;
  case SN_OPT_ADAM: adam_step(opt, params, grads); break;
  }
}
