/* 2-D convolution, channels last, on the packed GEMM:
 *   z[rows·oh·ow × filters] = im2col(x) · kernel + bias
 * kernel is Keras' [kh][kw][cin][filters], i.e. (kh·kw·cin) × filters, so z is
 * already NHWC (rows × oh × ow × filters). Backward:
 *   dkernel = im2col(x)ᵀ · dz,  dbias = Σ dz over rows·oh·ow,
 *   dx      = col2im(dz · kernelᵀ)   (not for the lowest layer with weights).
 * The columns are never written: the GEMM packs its panels from x itself
 * (k_conv_forward, k_conv_wgrad), with the bias as the product's last term and
 * its gradient as the last row of the kernel's (the bias follows the kernel in
 * the parameters). A padded layer first copies x with its zeros around it into
 * the model's shared scratch (k_pad); backward reuses that copy while it is
 * there. dz · kernelᵀ goes through the scratch a few samples at a time, each
 * block folded into dx by col2im while it is still in cache. A 1×1 kernel with
 * stride 1 and no padding needs no col2im: dz · kernelᵀ is dx. TensorFlow
 * refuses strides > 1 together with dilation > 1, and so do we.
 *
 * Keras' Conv1D is this kind on a sequence 1 × steps × c with kh = 1 (its own
 * add function names its kernel [kw][c][filters], Keras' 1-D shape, the same
 * floats); its 'causal' padding pads (kw − 1)·dw steps before the first. */
#include "api.h"
#include "kernels.h"
#include "layer_window.h"
#include "model.h"
#include "threads.h"

SN_API int sn_model_add_conv2d(sn_model *m, int filters, int kh, int kw, int sh, int sw, int dh, int dw, int padding, int act,
                               float alpha, int use_bias) {
  sn_layer *l = sn_model_begin_layer(m, SN_LAYER_CONV2D);
  if (!l) return -1;
  l->units = filters;
  int ok = sn_layer_set_conv(l, kh, kw, sh, sw, dh, dw, padding, 1, act, alpha, use_bias);
  return sn_model_end_layer(m, ok && filters > 0);
}

SN_API int sn_model_add_conv1d(sn_model *m, int filters, int k, int s, int d, int padding, int act, float alpha, int use_bias) {
  sn_layer *l = sn_model_begin_layer(m, SN_LAYER_CONV2D);
  if (!l) return -1;
  l->units = filters;
  l->rank = 1;
  int ok = sn_layer_set_conv(l, 1, k, 1, s, 1, d, padding, 1, act, alpha, use_bias);
  return sn_model_end_layer(m, ok && filters > 0 && l->in.h == 1);
}

static int setup(sn_layer *l) {
  sn_window g;
  if (!sn_layer_window(l, &g)) return 0;
  l->out = (sn_shape){g.oh, g.ow, l->units};
  sn_tensor *k = &l->t[SN_KERNEL], *b = &l->t[SN_BIAS];
  int64_t taps = (int64_t)l->kh * l->kw;
  k->exists = k->trainable = 1;
  if (taps * l->in.c * l->units > SN_MAX_PARAMS) return 0; /* also keeps the fans below within int */
  if (l->rank == 1) sn_tensor_shape(k, "kernel", 3, (int[]){l->kw, l->in.c, l->units});
  else sn_tensor_shape(k, "kernel", 4, (int[]){l->kh, l->kw, l->in.c, l->units});
  k->fan_in = (int)(taps * l->in.c); /* Keras' fans of a conv kernel */
  k->fan_out = (int)(taps * l->units);
  b->trainable = 1;
  sn_tensor_shape(b, "bias", 1, (int[]){l->units});
  b->fan_in = b->fan_out = l->units;
  return 1;
}

/* The columns are x itself: a 1×1 window moving one step at a time, no padding. */
static int pointwise(const sn_layer *l) { return l->kh == 1 && l->kw == 1 && l->sh == 1 && l->sw == 1; }

static int64_t positions(const sn_layer *l, int rows) { return (int64_t)rows * l->out.h * l->out.w; }
static int taps(const sn_layer *l) { return l->kh * l->kw * l->in.c; }

static void reserve(sn_layer *l, int rows, sn_carver *c) { l->zbuf = sn_carve(c, positions(l, rows) * l->units); }

/* dz · kernelᵀ is computed for this many floats of columns at a time (1 MB):
 * a block stays in cache for col2im. */
enum { DX_BLOCK = 1 << 18 };

/* Samples per block of dz · kernelᵀ. */
static int dx_block(const sn_layer *l, int rows) {
  int64_t per_sample = (int64_t)l->out.h * l->out.w * taps(l), n = DX_BLOCK / per_sample;
  return n < 1 ? 1 : n > rows ? rows : (int)n;
}

/* The scratch holds the padded input or a block of dz · kernelᵀ, one at a time. */
static int64_t scratch(const sn_layer *l, int rows) {
  sn_window g, gp;
  sn_layer_window(l, &g);
  int64_t padded = sn_window_unpadded(&g, &gp) ? (int64_t)rows * gp.h * gp.w * gp.c : 0;
  int64_t block = pointwise(l) ? 0 : (int64_t)dx_block(l, rows) * l->out.h * l->out.w * taps(l);
  return padded > block ? padded : block;
}

/* The input the products read and its geometry: x itself, or x padded with
 * zeros in the scratch (kept there for backward). */
static const float *conv_input(sn_model *m, const sn_layer *l, int rows, const float *x, sn_window *gp) {
  sn_window g;
  sn_layer_window(l, &g);
  if (!sn_window_unpadded(&g, gp)) return x;
  if (m->scratch_holds != l) {
    k_pad(&g, rows, x, m->scratch);
    m->scratch_holds = l;
  }
  return m->scratch;
}

/* The bias rides along in the products when it follows the kernel in the
 * parameters (model.c lays every layer's tensors out in order). */
static int fused_bias(const sn_layer *l) {
  return l->t[SN_BIAS].exists && l->t[SN_BIAS].w == l->t[SN_KERNEL].w + l->t[SN_KERNEL].size;
}

static void forward(sn_model *m, sn_layer *l, int rows, const float *x) {
  sn_window g;
  const float *in = conv_input(m, l, rows, x, &g);
  k_conv_forward(&g, rows, l->units, in, l->t[SN_KERNEL].w, fused_bias(l), l->zbuf);
  if (l->t[SN_BIAS].exists && !fused_bias(l)) sn_par_bias_add((int)positions(l, rows), l->units, l->zbuf, l->t[SN_BIAS].w);
  l->z = l->zbuf;
}

static float *backward(sn_model *m, sn_layer *l, int rows, const float *x, float *dz, float *dx) {
  const int M = (int)positions(l, rows), K = taps(l), F = l->units;
  sn_window g, gp;
  const float *in = conv_input(m, l, rows, x, &gp);
  if (l->t[SN_KERNEL].g) { /* not when frozen */
    k_conv_wgrad(&gp, rows, F, in, dz, fused_bias(l), l->t[SN_KERNEL].g);
    if (l->t[SN_BIAS].exists && !fused_bias(l)) sn_par_col_sum(M, F, dz, l->t[SN_BIAS].g, 0);
  }
  if (!dx) return NULL;
  const float *kernel = l->t[SN_KERNEL].w;
  sn_layer_window(l, &g);
  if (pointwise(l) && !sn_window_unpadded(&g, &gp)) {
    k_gemm_nt(M, F, K, dz, kernel, dx, 0);
    return dx;
  }
  m->scratch_holds = NULL;
  const int block = dx_block(l, rows), per_sample = l->out.h * l->out.w;
  const long in_sample = (long)l->in.h * l->in.w * l->in.c;
  for (int n = 0; n < rows; n += block) {
    int count = rows - n < block ? rows - n : block;
    k_gemm_nt(count * per_sample, F, K, dz + (long)n * per_sample * F, kernel, m->scratch, 0);
    sn_par_col2im(&g, count, m->scratch, dx + n * in_sample);
  }
  return dx;
}

const sn_layer_ops sn_conv2d_ops = {
    .setup = setup, .reserve = reserve, .scratch = scratch, .forward = forward, .backward = backward};
