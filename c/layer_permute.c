/* Keras' Permute(dims): the axes of a sample of rank ≤ 3 in another order.
 * C sees every sample as {h, w, c}; the wrapper gives the permutation of those
 * three axes (perm[i]: the input axis that output axis i is; a sample of rank
 * 2 [steps, features] is {1, steps, features}, so Keras' dims (2, 1) is
 * {0, 2, 1}). The identity is a view; any other order a copy:
 *   z[i0][i1][i2] = x[j] with j's axis perm[k] at i_k;  dx = dz permuted back. */
#include "api.h"
#include "model.h"

SN_API int sn_model_add_permute(sn_model *m, int p0, int p1, int p2) {
  sn_layer *l = sn_model_begin_layer(m, SN_LAYER_PERMUTE);
  if (!l) return -1;
  l->perm[0] = p0, l->perm[1] = p1, l->perm[2] = p2;
  int ok = p0 >= 0 && p0 < 3 && p1 >= 0 && p1 < 3 && p2 >= 0 && p2 < 3 && p0 != p1 && p0 != p2 && p1 != p2;
  return sn_model_end_layer(m, ok);
}

static int identity(const sn_layer *l) { return l->perm[0] == 0 && l->perm[1] == 1 && l->perm[2] == 2; }

static int setup(sn_layer *l) {
  const int in[3] = {l->in.h, l->in.w, l->in.c};
  l->out = (sn_shape){in[l->perm[0]], in[l->perm[1]], in[l->perm[2]]};
  return 1;
}

static void reserve(sn_layer *l, int rows, sn_carver *c) {
  l->zbuf = identity(l) ? NULL : sn_carve(c, (int64_t)rows * sn_shape_size(l->out));
}

/* from (rows in the input's layout) into to (the output's), or with `back`
 * from the output's layout into the input's. */
static void permute(const sn_layer *l, int rows, const float *from, float *to, int back) {
  const long in_step[3] = {(long)l->in.w * l->in.c, l->in.c, 1};
  const long step[3] = {in_step[l->perm[0]], in_step[l->perm[1]], in_step[l->perm[2]]}; /* per output axis */
  const long size = sn_shape_size(l->in);
  for (int r = 0; r < rows; r++) {
    const float *f = from + r * size;
    float *t = to + r * size;
    long o = 0;
    for (int a = 0; a < l->out.h; a++)
      for (int b = 0; b < l->out.w; b++)
        for (int k = 0; k < l->out.c; k++, o++) {
          long i = a * step[0] + b * step[1] + k * step[2];
          if (back) t[i] = f[o];
          else t[o] = f[i];
        }
  }
}

static void forward(sn_model *m, sn_layer *l, int rows, const float *x) {
  if (identity(l)) {
    sn_view_forward(m, l, rows, x);
    return;
  }
  permute(l, rows, x, l->zbuf, 0);
  l->z = l->zbuf;
}

static float *backward(sn_model *m, sn_layer *l, int rows, const float *x, float *dz, float *dx) {
  if (identity(l)) return sn_view_backward(m, l, rows, x, dz, dx);
  if (!dx) return NULL;
  permute(l, rows, dz, dx, 1);
  return dx;
}

const sn_layer_ops sn_permute_ops = {.setup = setup, .reserve = reserve, .forward = forward, .backward = backward, .view = 1};
