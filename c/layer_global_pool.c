/* Global average and max pooling: one value per channel of each sample,
 *   z[rows × c] = mean or max of x[rows × (h·w) × c] over the h·w positions.
 * Backward: the mean spreads dz evenly, the max routes it to the first maximum.
 * Average pooling of an input that carries a Keras mask (model.h:
 * sn_model_set_mask; keras/src/layers/pooling/global_average_pooling1d.py) is
 * the mean over the valid positions, Σ_valid x / count, and 0 for a sample
 * with none (where Keras divides 0 by 0); dx = dz/count at the valid ones. */
#include "api.h"
#include "conv_kernels.h"
#include "model.h"
#include <string.h>

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

/* The valid positions of a row of a mask, as a float to divide by. */
static float valid_count(const float *mask, int n) {
  float count = 0.0f;
  for (int p = 0; p < n; p++) count += mask[p] != 0.0f;
  return count;
}

static void masked_mean_forward(const float *mask, int rows, int n, int c, const float *x, float *z) {
  for (int r = 0; r < rows; r++, mask += n, x += (long)n * c, z += c) {
    float count = valid_count(mask, n);
    memset(z, 0, (size_t)c * sizeof(float));
    for (int p = 0; p < n; p++)
      if (mask[p] != 0.0f)
        for (int j = 0; j < c; j++) z[j] += x[(long)p * c + j];
    for (int j = 0; j < c && count > 0.0f; j++) z[j] /= count;
  }
}

static void masked_mean_backward(const float *mask, int rows, int n, int c, const float *dz, float *dx) {
  for (int r = 0; r < rows; r++, mask += n, dx += (long)n * c, dz += c) {
    float count = valid_count(mask, n);
    for (int p = 0; p < n; p++)
      for (int j = 0; j < c; j++) dx[(long)p * c + j] = mask[p] != 0.0f ? dz[j] / count : 0.0f;
  }
}

static void forward(sn_model *m, sn_layer *l, int rows, const float *x) {
  const float *mask = sn_value_mask(m, sn_node_input(m, l, 0));
  if (is_max(l)) k_global_maxpool_forward(rows, positions(l), l->in.c, x, l->zbuf, l->arg);
  else if (mask) masked_mean_forward(mask, rows, positions(l), l->in.c, x, l->zbuf);
  else k_global_avgpool_forward(rows, positions(l), l->in.c, x, l->zbuf);
  l->z = l->zbuf;
}

static float *backward(sn_model *m, sn_layer *l, int rows, const float *x, float *dz, float *dx) {
  (void)x;
  if (!dx) return NULL;
  const float *mask = sn_value_mask(m, sn_node_input(m, l, 0));
  if (is_max(l)) k_global_maxpool_backward(rows, positions(l), l->in.c, dz, l->arg, dx);
  else if (mask) masked_mean_backward(mask, rows, positions(l), l->in.c, dz, dx);
  else k_global_avgpool_backward(rows, positions(l), l->in.c, dz, dx);
  return dx;
}

const sn_layer_ops sn_global_pool_ops = {.setup = setup, .reserve = reserve, .forward = forward, .backward = backward};
