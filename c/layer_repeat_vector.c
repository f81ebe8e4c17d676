/* Keras' RepeatVector(n): a vector sample {1, 1, f} becomes n copies of it,
 * a sequence {1, n, f} (keras/src/layers/reshaping/repeat_vector.py takes
 * inputs of rank 2 only: batch and features).
 *   z[r][k][:] = x[r][:]  for k < n;   dx[r][:] = Σ_k dz[r][k][:] */
#include "api.h"
#include "model.h"
#include <string.h>

SN_API int sn_model_add_repeat_vector(sn_model *m, int n) {
  sn_layer *l = sn_model_begin_layer(m, SN_LAYER_REPEAT_VECTOR);
  if (!l) return -1;
  l->units = n;
  return sn_model_end_layer(m, n > 0);
}

static int setup(sn_layer *l) {
  l->out = (sn_shape){1, l->units, l->in.c};
  return l->in.h == 1 && l->in.w == 1;
}

static void reserve(sn_layer *l, int rows, sn_carver *c) { l->zbuf = sn_carve(c, (int64_t)rows * sn_shape_size(l->out)); }

static void forward(sn_model *m, sn_layer *l, int rows, const float *x) {
  (void)m;
  const int f = l->in.c;
  for (int r = 0; r < rows; r++)
    for (int k = 0; k < l->units; k++) memcpy(l->zbuf + ((long)r * l->units + k) * f, x + (long)r * f, (size_t)f * sizeof(float));
  l->z = l->zbuf;
}

static float *backward(sn_model *m, sn_layer *l, int rows, const float *x, float *dz, float *dx) {
  (void)m, (void)x;
  if (!dx) return NULL;
  const int f = l->in.c;
  for (int r = 0; r < rows; r++) {
    float *d = dx + (long)r * f;
    memcpy(d, dz + (long)r * l->units * f, (size_t)f * sizeof(float));
    for (int k = 1; k < l->units; k++) {
      const float *s = dz + ((long)r * l->units + k) * f;
      for (int j = 0; j < f; j++) d[j] += s[j];
    }
  }
  return dx;
}

const sn_layer_ops sn_repeat_vector_ops = {.setup = setup, .reserve = reserve, .forward = forward, .backward = backward};
