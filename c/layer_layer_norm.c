/* Layer normalization over the last axis (Keras' LayerNormalization with
 * axis −1, keras/src/ops/nn.py _layer_normalization): each of the n = rows·h·w
 * rows of c values is normalized by its own moments, in training and
 * inference alike (no moving statistics):
 *   mean, var = the row's (biased) moments,  z = gamma·(x − mean)/√(var + ε) + beta
 * gamma (scale) and beta (center) [c] are optional. Keras 3's deprecated
 * rms_scaling (x/√(var + ε) without the mean) is not offered.
 * Backward, with x̂ = (x − mean)/√(var + ε), recomputed from x and the row's
 * mean and 1/√(var + ε) (kept: 2 floats a row, not a copy of x̂):
 *   dbeta = Σ_rows dz,  dgamma = Σ_rows dz·x̂,
 *   dx = 1/√(var + ε) · (g − mean_row(g) − x̂·mean_row(g·x̂)),  g = dz·gamma. */
#include "api.h"
#include "init.h"
#include "model.h"
#include "threads.h"

SN_API int sn_model_add_layer_norm(sn_model *m, double epsilon, int center, int scale) {
  sn_layer *l = sn_model_begin_layer(m, SN_LAYER_LAYER_NORM);
  if (!l) return -1;
  l->epsilon = (float)epsilon;
  l->t[SN_GAMMA].exists = scale != 0;
  l->t[SN_BETA].exists = center != 0;
  l->t[SN_GAMMA].init = SN_INIT_ONES; /* Keras' defaults */
  l->t[SN_BETA].init = SN_INIT_ZEROS;
  return sn_model_end_layer(m, epsilon > 0);
}

static int setup(sn_layer *l) {
  l->out = l->in;
  static const char *const names[] = {"gamma", "beta"};
  for (int i = SN_GAMMA; i <= SN_BETA; i++) {
    sn_tensor *t = &l->t[i];
    t->trainable = 1;
    sn_tensor_shape(t, names[i], 1, &l->in.c);
    t->fan_in = t->fan_out = l->in.c;
  }
  return 1;
}

enum { MEAN, INV_STD };

static void reserve(sn_layer *l, int rows, sn_carver *c) {
  int64_t n = (int64_t)rows * l->in.h * l->in.w;
  l->zbuf = sn_carve(c, n * l->in.c);
  l->stats = sn_carve(c, 2 * n);
}

static const float *param(const sn_layer *l, int which) { return l->t[which].exists ? l->t[which].w : NULL; }
static float *grad(const sn_layer *l, int which) { return l->t[which].exists ? l->t[which].g : NULL; }

static void forward(sn_model *m, sn_layer *l, int rows, const float *x) {
  (void)m;
  int n = rows * l->in.h * l->in.w;
  sn_par_ln_forward(n, l->in.c, x, param(l, SN_GAMMA), param(l, SN_BETA), l->epsilon, l->stats + (long)MEAN * n,
                    l->stats + (long)INV_STD * n, l->zbuf);
  l->z = l->zbuf;
}

static float *backward(sn_model *m, sn_layer *l, int rows, const float *x, float *dz, float *dx) {
  (void)m;
  int n = rows * l->in.h * l->in.w;
  sn_par_ln_backward(n, l->in.c, x, dz, l->stats + (long)MEAN * n, l->stats + (long)INV_STD * n, param(l, SN_GAMMA), dx,
                     grad(l, SN_GAMMA), grad(l, SN_BETA));
  return dx;
}

const sn_layer_ops sn_layer_norm_ops = {.setup = setup, .reserve = reserve, .forward = forward, .backward = backward,
                                         .positionwise = 1};
