/* One part of each row of its input: values offset … offset + h·w·c of
 * every row, as a sample {h, w, c}. A recurrent or bidirectional node with
 * return_state (or a bidirectional one without merge) makes one value that
 * holds what Keras returns as several tensors, side by side in each row
 * ([output | h | c]; layer_rnn.c): a slice node per part makes each a value
 * of its own, so that every node keeps one value.
 *   z[r] = x[r][offset …],  dx[r] = dz[r] at offset, zeros elsewhere */
#include "api.h"
#include "layer_rnn.h"
#include <string.h>

SN_API int sn_model_add_slice(sn_model *m, int offset, int h, int w, int c) {
  sn_layer *l = sn_model_begin_layer(m, SN_LAYER_SLICE);
  if (!l) return -1;
  l->offset = offset;
  l->out = (sn_shape){h, w, c};
  return sn_model_end_layer(m, 1);
}

static int setup(sn_layer *l) {
  const sn_shape o = l->out;
  return o.h > 0 && o.w > 0 && o.c > 0 && l->offset >= 0 && l->offset + sn_shape_size(o) <= sn_shape_size(l->in);
}

static void reserve(sn_layer *l, int rows, sn_carver *c) { l->zbuf = sn_carve(c, rows * sn_shape_size(l->out)); }

static void forward(sn_model *m, sn_layer *l, int rows, const float *x) {
  (void)m;
  const int n = (int)sn_shape_size(l->out), width = (int)sn_shape_size(l->in);
  sn_rnn_copy_rows(rows, n, x + l->offset, width, l->zbuf, n, 0);
  l->z = l->zbuf;
}

static float *backward(sn_model *m, sn_layer *l, int rows, const float *x, float *dz, float *dx) {
  (void)m, (void)x;
  if (!dx) return NULL;
  const int n = (int)sn_shape_size(l->out), width = (int)sn_shape_size(l->in);
  memset(dx, 0, (size_t)rows * width * sizeof(float));
  sn_rnn_copy_rows(rows, n, dz, n, dx + l->offset, width, 0);
  return dx;
}

const sn_layer_ops sn_slice_ops = {.setup = setup, .reserve = reserve, .forward = forward, .backward = backward};
