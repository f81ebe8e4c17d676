/* Separable 2-D convolution (Keras' SeparableConv2D): a depthwise convolution
 * (layer_depthwise_conv2d.c, without bias) then a 1×1 convolution to `filters`:
 *   mid = depthwise(x, depthwise_kernel)          rows·oh·ow × cin·dm
 *   z   = mid · pointwise_kernel + bias            rows·oh·ow × filters
 * Weights in Keras' order: depthwise_kernel [kh, kw, cin, dm], pointwise_kernel
 * [1, 1, cin·dm, filters], bias [filters]. The 1×1 conv is the plain GEMM
 * (kernels.h). Backward: dpointwise = midᵀ·dz, dbias = Σ dz, dmid = dz·pointwiseᵀ
 * (in the model's scratch), then the depthwise kernels on dmid. */
#include "api.h"
#include "kernels.h"
#include "init.h"
#include "layer_window.h"
#include "model.h"
#include "threads.h"

enum { DEPTHWISE = 0, POINTWISE = 1, BIAS = 2 }; /* tensor slots, Keras' get_weights order */

SN_API int sn_model_add_separable_conv2d(sn_model *m, int filters, int dm, int kh, int kw, int sh, int sw, int dh, int dw, int same,
                                         int act, float alpha, int use_bias) {
  sn_layer *l = sn_model_begin_layer(m, SN_LAYER_SEPARABLE_CONV2D);
  if (!l) return -1;
  l->units = filters;
  l->dm = dm;
  int ok = sn_layer_set_conv(l, kh, kw, sh, sw, dh, dw, same, 0, act, alpha, 0);
  l->t[POINTWISE].init = SN_INIT_GLOROT_UNIFORM; /* Keras' default, as the depthwise kernel's */
  l->t[BIAS].exists = use_bias != 0;                /* slot 2 here, not SN_BIAS */
  return sn_model_end_layer(m, ok && filters > 0 && dm > 0);
}

static int mid_channels(const sn_layer *l) { return l->in.c * l->dm; }
static int64_t positions(const sn_layer *l, int rows) { return (int64_t)rows * l->out.h * l->out.w; }

static int setup(sn_layer *l) {
  sn_window g;
  if (!sn_depthwise_setup(l, &g, &l->t[DEPTHWISE])) return 0;
  const int mid = mid_channels(l), F = l->units;
  if ((int64_t)mid * F > SN_MAX_PARAMS || (int64_t)g.oh * g.ow * mid > SN_MAX_SAMPLE_SIZE) return 0;
  l->out = (sn_shape){g.oh, g.ow, F};
  sn_tensor *p = &l->t[POINTWISE], *b = &l->t[BIAS];
  p->exists = p->trainable = 1;
  sn_tensor_shape(p, "pointwise_kernel", 4, (int[]){1, 1, mid, F});
  p->fan_in = mid, p->fan_out = F;
  b->trainable = 1;
  sn_tensor_shape(b, "bias", 1, (int[]){F});
  b->fan_in = b->fan_out = F;
  return 1;
}

static void reserve(sn_layer *l, int rows, sn_carver *c) {
  l->mid = sn_carve(c, positions(l, rows) * mid_channels(l));
  l->zbuf = sn_carve(c, positions(l, rows) * l->units);
}

/* dL/dmid, between the two products of backward. */
static int64_t scratch(const sn_layer *l, int rows) { return positions(l, rows) * mid_channels(l); }

static void forward(sn_model *m, sn_layer *l, int rows, const float *x) {
  (void)m;
  sn_window g;
  sn_layer_window(l, &g);
  const int M = (int)positions(l, rows);
  sn_par_depthwise_forward(&g, rows, l->dm, x, l->t[DEPTHWISE].w, NULL, l->mid);
  k_gemm_nn(M, mid_channels(l), l->units, l->mid, l->t[POINTWISE].w, l->zbuf, 0);
  if (l->t[BIAS].exists) sn_par_bias_add(M, l->units, l->zbuf, l->t[BIAS].w);
  l->z = l->zbuf;
}

static float *backward(sn_model *m, sn_layer *l, int rows, const float *x, float *dz, float *dx) {
  sn_window g;
  sn_layer_window(l, &g);
  const int M = (int)positions(l, rows), K = mid_channels(l), F = l->units;
  const int learns = l->t[DEPTHWISE].g != NULL; /* not when frozen */
  if (learns) {
    k_gemm_tn(M, K, F, l->mid, dz, l->t[POINTWISE].g, 0);
    if (l->t[BIAS].exists) sn_par_col_sum(M, F, dz, l->t[BIAS].g, 0);
  }
  if (!learns && !dx) return NULL;
  float *dmid = m->scratch;
  m->scratch_holds = NULL; /* conv2d's padded input is gone */
  k_gemm_nt(M, F, K, dz, l->t[POINTWISE].w, dmid, 0);
  if (learns) sn_par_depthwise_wgrad(&g, rows, l->dm, x, dmid, l->t[DEPTHWISE].g, NULL);
  if (!dx) return NULL;
  sn_par_depthwise_backward(&g, rows, l->dm, dmid, l->t[DEPTHWISE].w, dx);
  return dx;
}

const sn_layer_ops sn_separable_conv2d_ops = {
    .setup = setup, .reserve = reserve, .scratch = scratch, .forward = forward, .backward = backward};
