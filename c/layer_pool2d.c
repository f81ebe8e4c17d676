/* Max and average pooling over windows of each channel (channels last):
 *   z[rows × oh × ow × c] = max or mean of x[rows × h × w × c] over each window
 * 'same' padding never wins a max and is not counted in a mean (as TensorFlow).
 * Backward: max pooling routes each dz to where its maximum came from (the
 * first in scan order; windows may overlap), average pooling spreads it evenly. */
#include "api.h"
#include "layer_window.h"
#include "model.h"
#include "threads.h"

SN_API int sn_model_add_pool2d(sn_model *m, int max, int ph, int pw, int sh, int sw, int same) {
  sn_layer *l = sn_model_begin_layer(m, max ? SN_LAYER_MAX_POOL2D : SN_LAYER_AVG_POOL2D);
  if (!l) return -1;
  l->kh = ph, l->kw = pw, l->sh = sh, l->sw = sw, l->dh = l->dw = 1, l->padding = same ? SN_PAD_SAME : SN_PAD_VALID;
  return sn_model_end_layer(m, 1);
}

static int setup(sn_layer *l) {
  sn_window g;
  if (!sn_layer_window(l, &g)) return 0;
  l->out = (sn_shape){g.oh, g.ow, l->in.c};
  return 1;
}

static int is_max(const sn_layer *l) { return l->kind == SN_LAYER_MAX_POOL2D; }

static void reserve(sn_layer *l, int rows, sn_carver *c) {
  int64_t n = rows * sn_shape_size(l->out);
  l->zbuf = sn_carve(c, n);
  l->arg = is_max(l) ? (int *)sn_carve(c, n) : NULL; /* ints, the size of floats */
}

static void forward(sn_model *m, sn_layer *l, int rows, const float *x) {
  (void)m;
  sn_window g;
  sn_layer_window(l, &g);
  if (is_max(l)) sn_par_maxpool_forward(&g, rows, x, l->zbuf, l->arg);
  else sn_par_avgpool_forward(&g, rows, x, l->zbuf);
  l->z = l->zbuf;
}

static float *backward(sn_model *m, sn_layer *l, int rows, const float *x, float *dz, float *dx) {
  (void)m, (void)x;
  if (!dx) return NULL;
  sn_window g;
  sn_layer_window(l, &g);
  if (is_max(l)) sn_par_maxpool_backward(&g, rows, dz, l->arg, dx);
  else sn_par_avgpool_backward(&g, rows, dz, dx);
  return dx;
}

const sn_layer_ops sn_pool2d_ops = {.setup = setup, .reserve = reserve, .forward = forward, .backward = backward};
