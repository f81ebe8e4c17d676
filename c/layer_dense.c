/* Dense (fully connected) layer, on the flattened input or (last_axis, Keras'
 * Dense on an input of rank ≥ 2: keras/src/layers/core/dense.py builds its
 * kernel as (input_shape[-1], units)) on the last axis, the input then being
 * n = rows·h·w rows of c:
 *   flattened:  z[rows × units]     = x[rows × h·w·c] · kernel[h·w·c × units] + bias[units]
 *   last axis:  z[n × units]        = x[n × c]        · kernel[c × units]     + bias[units]
 *               (out = {h, w, units}; for a vector input both are the same)
 * Backward (m rows of `in` columns, as above):
 *   dkernel = xᵀ · dz,  dbias = Σ_rows dz,  dx = dz · kernelᵀ (not for the lowest layer with weights). */
#include "api.h"
#include "kernels.h"
#include "model.h"
#include "threads.h"

SN_API int sn_model_add_dense_axis(sn_model *m, int units, int act, float alpha, int use_bias, int last_axis) {
  sn_layer *l = sn_model_begin_layer(m, SN_LAYER_DENSE);
  if (!l) return -1;
  l->units = units;
  l->last_axis = last_axis != 0;
  l->act = act;
  l->alpha = alpha;
  l->t[SN_BIAS].exists = use_bias != 0;
  return sn_model_end_layer(m, units > 0 && act >= 0 && act < SN_ACT_COUNT);
}

SN_API int sn_model_add_dense(sn_model *m, int units, int act, float alpha, int use_bias) {
  return sn_model_add_dense_axis(m, units, act, alpha, use_bias, 0);
}

/* The product's rows and columns for `rows` samples: (rows, h·w·c) flattened, (rows·h·w, c) on the last axis. */
static int64_t in_cols(const sn_layer *l) { return l->last_axis ? l->in.c : sn_shape_size(l->in); }
static int gemm_rows(const sn_layer *l, int rows) { return l->last_axis ? rows * l->in.h * l->in.w : rows; }

static int setup(sn_layer *l) {
  int64_t in = in_cols(l);
  l->out = l->last_axis ? (sn_shape){l->in.h, l->in.w, l->units} : (sn_shape){1, 1, l->units};
  sn_tensor *k = &l->t[SN_KERNEL], *b = &l->t[SN_BIAS];
  k->exists = k->trainable = 1;
  if (in * l->units > SN_MAX_PARAMS) return 0;
  sn_tensor_shape(k, "kernel", 2, (int[]){(int)in, l->units});
  k->fan_in = (int)in;
  k->fan_out = l->units;
  b->trainable = 1;
  sn_tensor_shape(b, "bias", 1, (int[]){l->units});
  b->fan_in = b->fan_out = l->units;
  return 1;
}

static void reserve(sn_layer *l, int rows, sn_carver *c) { l->zbuf = sn_carve(c, (int64_t)rows * sn_shape_size(l->out)); }

static void forward(sn_model *m, sn_layer *l, int rows, const float *x) {
  (void)m;
  int in = (int)in_cols(l), n = gemm_rows(l, rows);
  k_gemm_nn(n, in, l->units, x, l->t[SN_KERNEL].w, l->zbuf, 0);
  if (l->t[SN_BIAS].exists) sn_par_bias_add(n, l->units, l->zbuf, l->t[SN_BIAS].w);
  l->z = l->zbuf;
}

static float *backward(sn_model *m, sn_layer *l, int rows, const float *x, float *dz, float *dx) {
  (void)m;
  int in = (int)in_cols(l), n = gemm_rows(l, rows);
  if (l->t[SN_KERNEL].g) k_gemm_tn(n, in, l->units, x, dz, l->t[SN_KERNEL].g, 0); /* not when frozen */
  if (l->t[SN_BIAS].g) sn_par_col_sum(n, l->units, dz, l->t[SN_BIAS].g, 0);
  if (!dx) return NULL;
  k_gemm_nt(n, l->units, in, dz, l->t[SN_KERNEL].w, dx, 0);
  return dx;
}

const sn_layer_ops sn_dense_ops = {.setup = setup, .reserve = reserve, .forward = forward, .backward = backward,
    /* on the last axis; a flattening dense's output [units] has no time axis, which the graph refuses */
    .positionwise = 1};
