/* Keras' Masking (keras/src/layers/core/masking.py): a position of the sample
 * (a vector along its last axis: a step of a sequence [steps, features]) all of
 * whose values equal mask_value is masked:
 *   valid[p] = any_j x[p][j] ≠ mask_value
 *   z[p] = valid[p] ? x[p] : 0                 (Keras' ops.where)
 * and `valid` is the Keras mask its value carries (model.h: sn_model_set_mask,
 * set by the add function), which the recurrent layers, global average pooling
 * and the losses downstream read.
 * Backward: dx[p] = valid[p] ? dz[p] : 0. */
#include "api.h"
#include "model.h"
#include <string.h>

SN_API int sn_model_add_masking(sn_model *m, float mask_value) {
  sn_layer *l = sn_model_begin_layer(m, SN_LAYER_MASKING);
  if (!l) return -1;
  l->mask_value = mask_value;
  int node = sn_model_end_layer(m, 1);
  if (node >= 0) m->values[m->n_inputs + node].mask = node + 1;
  return node;
}

static int setup(sn_layer *l) {
  l->out = l->in;
  return 1;
}

static void reserve(sn_layer *l, int rows, sn_carver *c) { l->zbuf = sn_carve(c, rows * sn_shape_size(l->out)); }

static void forward(sn_model *m, sn_layer *l, int rows, const float *x) {
  (void)m;
  const long positions = (long)rows * l->in.h * l->in.w;
  const int c = l->in.c;
  for (long p = 0; p < positions; p++) {
    const float *xp = x + p * c;
    int valid = 0;
    for (int j = 0; j < c && !valid; j++) valid = xp[j] != l->mask_value;
    l->keras_mask[p] = (float)valid;
    if (valid) memcpy(l->zbuf + p * c, xp, (size_t)c * sizeof(float));
    else memset(l->zbuf + p * c, 0, (size_t)c * sizeof(float));
  }
  l->z = l->zbuf;
}

static float *backward(sn_model *m, sn_layer *l, int rows, const float *x, float *dz, float *dx) {
  (void)m, (void)x;
  if (!dx) return NULL;
  const long positions = (long)rows * l->in.h * l->in.w;
  const int c = l->in.c;
  for (long p = 0; p < positions; p++)
    if (l->keras_mask[p] != 0.0f) memcpy(dx + p * c, dz + p * c, (size_t)c * sizeof(float));
    else memset(dx + p * c, 0, (size_t)c * sizeof(float));
  return dx;
}

const sn_layer_ops sn_masking_ops = {.setup = setup, .reserve = reserve, .forward = forward, .backward = backward,
                                     .positionwise = 1};
