/* Global average and max pooling: one value per channel of each sample,
 *   z[rows × c] = mean or max of x[rows × (h·w) × c] over the h·w positions.
 * Backward: the mean spreads dz evenly, the max routes it to the first maximum. */
#include "api.h"
#include "conv_kernels.h"
#include "model.h"

SN_API int sn_model_add_global_pool(sn_model *m, int max) {
  return sn_model_begin_layer(m, max ? SN_LAYER_GLOBAL_MAX_POOL : SN_LAYER_GLOBAL_AVG_POOL) ? sn_model_end_layer(m, 1) : -1;
}

static int setup(sn_layer *l) {
  l->out = (sn_shape){1, 1, l->in.c};
  return 1;
}

static int is_max(const sn_layer *l) { return l->kind == SN_LAYER_GLOBAL_MAX_POOL; }
static int positions(const sn_layer *l) { return l->in.h * l->in.w; }

static void reserve(sn_layer *l, int rows, sn_carver *c) {
  l->zbuf = sn_carve(c, (int64_t)rows * l->in.c);
  l->arg = is_max(l) ? (int *)sn_carve(c, (int64_t)rows * l->in.c) : NULL;
}

static void forward(sn_model *m, sn_layer *l, int rows, const float *x) {
  (void)m;
  if (is_max(l)) k_global_maxpool_forward(rows, positions(l), l->in.c, x, l->zbuf, l->arg);
  else k_global_avgpool_forward(rows, positions(l), l->in.c, x, l->zbuf);
  l->z = l->zbuf;
}

static float *backward(sn_model *m, sn_layer *l, int rows, const float *x, float *dz, float *dx) {
  (void)m, (void)x;
  if (!dx) return NULL;
  if (is_max(l)) k_global_maxpool_backward(rows, positions(l), l->in.c, dz, l->arg, dx);
  else k_global_avgpool_backward(rows, positions(l), l->in.c, dz, dx);
  return dx;
}

const sn_layer_ops sn_global_pool_ops = {.setup = setup, .reserve = reserve, .forward = forward, .backward = backward};
