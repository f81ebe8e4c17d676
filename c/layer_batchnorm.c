/* Batch normalization over the last axis (Keras' axis −1): for c channels and
 * n = rows·h·w vectors,
 *   training:  mean, var = the batch's (biased) moments per channel,
 *              z = gamma·(x − mean)/√(var + ε) + beta,
 *   inference: the same with the moving mean and variance.
 * The moving statistics are non-trainable state (the optimizer never sees
 * them), updated as Keras 3 does after each accepted training step:
 *   moving = moving·momentum + batch·(1 − momentum), with the biased variance.
 * Backward (training mode, through the batch statistics):
 *   dbeta = Σ dz, dgamma = Σ dz·x̂, dx = gamma/√(var + ε)/n · (n·dz − Σdz − x̂·Σ(dz·x̂)).
 * A frozen batch norm (Keras' trainable = false) runs in inference mode also
 * while the model trains, as Keras does since 2.1.3 (TF.js 4.22 does not): the
 * moving statistics normalize and are not updated, and it is a fixed affine
 * map per channel, dx = dz·gamma/√(moving var + ε). */
#include "api.h"
#include "conv_kernels.h"
#include "init.h"
#include "model.h"
#include <math.h>

/* momentum and epsilon arrive in double so that 1 − momentum is exact before it is rounded. */
SN_API int sn_model_add_batch_norm(sn_model *m, double momentum, double epsilon, int center, int scale) {
  sn_layer *l = sn_model_begin_layer(m, SN_LAYER_BATCH_NORM);
  if (!l) return -1;
  l->momentum = (float)momentum;
  l->decay = (float)(1.0 - momentum);
  l->epsilon = (float)epsilon;
  l->t[SN_GAMMA].exists = scale != 0;
  l->t[SN_BETA].exists = center != 0;
  l->t[SN_MOVING_MEAN].exists = l->t[SN_MOVING_VARIANCE].exists = 1;
  l->t[SN_GAMMA].init = l->t[SN_MOVING_VARIANCE].init = SN_INIT_ONES; /* Keras' defaults */
  l->t[SN_BETA].init = l->t[SN_MOVING_MEAN].init = SN_INIT_ZEROS;
  return sn_model_end_layer(m, momentum >= 0 && momentum <= 1 && epsilon > 0);
}

static int setup(sn_layer *l) {
  static const char *const names[] = {"gamma", "beta", "moving_mean", "moving_variance"};
  l->out = l->in;
  for (int i = 0; i <= SN_MOVING_VARIANCE; i++) {
    sn_tensor *t = &l->t[i];
    t->trainable = i == SN_GAMMA || i == SN_BETA;
    sn_tensor_shape(t, names[i], 1, &l->in.c);
    t->fan_in = t->fan_out = l->in.c;
  }
  return 1;
}

enum { MEAN, VAR, INV_STD, MOVING_INV_STD, STATS };

static void reserve(sn_layer *l, int rows, sn_carver *c) {
  int64_t n = rows * sn_shape_size(l->out);
  l->zbuf = sn_carve(c, n);
  l->xhat = l->frozen ? NULL : sn_carve(c, n); /* frozen: inference mode, no x̂ */
  l->stats = sn_carve(c, STATS * l->in.c);
}

static float *param(sn_layer *l, int which) { return l->t[which].exists ? l->t[which].w : NULL; }
static float *stat(const sn_layer *l, int which) { return l->stats + which * l->in.c; }

static void forward(sn_model *m, sn_layer *l, int rows, const float *x) {
  int c = l->in.c, n = rows * l->in.h * l->in.w;
  const float *mean = l->t[SN_MOVING_MEAN].w, *var = l->t[SN_MOVING_VARIANCE].w;
  float *inv_std = stat(l, MOVING_INV_STD), *xhat = NULL;
  if (m->training && !l->frozen) {
    k_bn_moments(n, c, x, stat(l, MEAN), stat(l, VAR));
    mean = stat(l, MEAN), var = stat(l, VAR), inv_std = stat(l, INV_STD), xhat = l->xhat;
  }
  for (int j = 0; j < c; j++) inv_std[j] = 1.0f / sqrtf(var[j] + l->epsilon);
  k_bn_forward(n, c, x, mean, inv_std, param(l, SN_GAMMA), param(l, SN_BETA), xhat, l->zbuf);
  l->z = l->zbuf;
}

/* Without dx (nothing below has weights), dz itself takes the input gradient. */
static float *backward(sn_model *m, sn_layer *l, int rows, const float *x, float *dz, float *dx) {
  (void)m, (void)x;
  int n = rows * l->in.h * l->in.w, c = l->in.c;
  if (l->frozen) { /* the affine map of inference mode */
    if (!dx) return NULL;
    const float *gamma = param(l, SN_GAMMA), *inv_std = stat(l, MOVING_INV_STD);
    for (long i = 0; i < (long)n * c; i++) dx[i] = dz[i] * (gamma ? gamma[i % c] : 1.0f) * inv_std[i % c];
    return dx;
  }
  k_bn_backward(n, c, dz, l->xhat, stat(l, INV_STD), param(l, SN_GAMMA), dx ? dx : dz,
                l->t[SN_GAMMA].exists ? l->t[SN_GAMMA].g : NULL, l->t[SN_BETA].exists ? l->t[SN_BETA].g : NULL);
  return dx;
}

static void commit(sn_layer *l) {
  if (l->frozen) return; /* it normalized with the moving statistics themselves */
  float *mean = l->t[SN_MOVING_MEAN].w, *var = l->t[SN_MOVING_VARIANCE].w;
  const float *batch_mean = stat(l, MEAN), *batch_var = stat(l, VAR);
  for (int j = 0; j < l->in.c; j++) {
    mean[j] = mean[j] * l->momentum + batch_mean[j] * l->decay;
    var[j] = var[j] * l->momentum + batch_var[j] * l->decay;
  }
}

const sn_layer_ops sn_batch_norm_ops = {
    .setup = setup, .reserve = reserve, .forward = forward, .backward = backward, .commit = commit,
    .positionwise = 1 /* generation never trains: moving statistics, an affine map per channel */};
