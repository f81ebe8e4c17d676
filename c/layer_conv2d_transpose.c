/* Transposed 2-D convolution (Keras' Conv2DTranspose), channels last: the
 * input gradient of a convolution, run forward. With g the window of the
 * convolution that maps an [oh, ow, filters] image to the [h, w, cin] input
 * (kernel [kh, kw, filters, cin], Keras' layout for this layer, which is that
 * convolution's [kh][kw][cin][filters]):
 *   z  = col2im_g(x · kernelᵀ) + bias              rows × oh × ow × filters
 * and backward is that convolution itself:
 *   dx = conv_g(dz, kernel),  dkernel = im2col_g(dz)ᵀ · x,  dbias = Σ dz.
 * The output size is Keras' deconv_output_length (keras/src/utils/conv_utils.py):
 *   no output padding: 'valid' h·s + max(k − s, 0), 'same' h·s;
 *   output padding p:  (h − 1)·s + k − 2·pad + p, pad = k / 2 ('same') or 0,
 * and TensorFlow pads the convolution g as it pads any (conv_kernels.h), so g
 * must map that size back to h: a geometry where it does not is refused.
 * No dilation: TF.js' Conv2DTranspose has none. */
#include "api.h"
#include "kernels.h"
#include "layer_window.h"
#include "model.h"
#include "threads.h"

/* Keras' deconv_output_length for one axis (op < 0: output_padding None). */
static long long deconv_length(int n, int k, int s, int op, int same) {
  if (op < 0) return same ? (long long)n * s : (long long)n * s + (k > s ? k - s : 0);
  return (long long)(n - 1) * s + k - 2 * (same ? k / 2 : 0) + op;
}

SN_API int sn_model_add_conv2d_transpose(sn_model *m, int filters, int kh, int kw, int sh, int sw, int oph, int opw, int same, int act,
                                         float alpha, int use_bias) {
  sn_layer *l = sn_model_begin_layer(m, SN_LAYER_CONV2D_TRANSPOSE);
  if (!l) return -1;
  l->units = filters;
  l->oph = oph, l->opw = opw;
  int ok = sn_layer_set_conv(l, kh, kw, sh, sw, 1, 1, same, 0, act, alpha, use_bias);
  /* Keras: the output padding must be less than the stride. */
  int pads_ok = oph < sh && opw < sw && (oph < 0) == (opw < 0);
  return sn_model_end_layer(m, ok && filters > 0 && pads_ok);
}

/* The convolution this layer transposes: from the output back to the input. */
static int window(const sn_layer *l, sn_window *g) {
  long long oh = deconv_length(l->in.h, l->kh, l->sh, l->oph, l->padding), ow = deconv_length(l->in.w, l->kw, l->sw, l->opw, l->padding);
  if (oh < 1 || ow < 1 || oh > SN_MAX_SAMPLE_SIZE || ow > SN_MAX_SAMPLE_SIZE) return 0;
  if (!sn_window_init(g, (int)oh, (int)ow, l->units, l->kh, l->kw, l->sh, l->sw, 1, 1, l->padding)) return 0;
  return g->oh == l->in.h && g->ow == l->in.w;
}

static int setup(sn_layer *l) {
  sn_window g;
  if (!window(l, &g)) return 0;
  l->out = (sn_shape){g.h, g.w, l->units};
  sn_tensor *k = &l->t[SN_KERNEL], *b = &l->t[SN_BIAS];
  int64_t taps = (int64_t)l->kh * l->kw;
  k->exists = k->trainable = 1;
  if (taps * l->in.c * l->units > SN_MAX_PARAMS) return 0;
  sn_tensor_shape(k, "kernel", 4, (int[]){l->kh, l->kw, l->units, l->in.c});
  k->fan_in = (int)(taps * l->units); /* Keras' fans: receptive field × the kernel's last two dimensions */
  k->fan_out = (int)(taps * l->in.c);
  b->trainable = 1;
  sn_tensor_shape(b, "bias", 1, (int[]){l->units});
  b->fan_in = b->fan_out = l->units;
  return 1;
}

static void reserve(sn_layer *l, int rows, sn_carver *c) { l->zbuf = sn_carve(c, rows * sn_shape_size(l->out)); }

/* x · kernelᵀ is computed for this many floats of columns at a time (1 MB), a
 * block of samples folded by col2im while it is in cache (as conv2d's dx). */
enum { COLS_BLOCK = 1 << 18 };

static int64_t cols_per_sample(const sn_layer *l) { return (int64_t)l->in.h * l->in.w * l->kh * l->kw * l->units; }

static int cols_block(const sn_layer *l, int rows) {
  int64_t n = COLS_BLOCK / cols_per_sample(l);
  return n < 1 ? 1 : n > rows ? rows : (int)n;
}

/* Forward's blocks of columns, or backward's padded dz. */
static int64_t scratch(const sn_layer *l, int rows) {
  sn_window g, gp;
  window(l, &g);
  int64_t padded = sn_window_unpadded(&g, &gp) ? (int64_t)rows * gp.h * gp.w * gp.c : 0;
  int64_t block = cols_block(l, rows) * cols_per_sample(l);
  return padded > block ? padded : block;
}

static void forward(sn_model *m, sn_layer *l, int rows, const float *x) {
  sn_window g;
  window(l, &g);
  const int block = cols_block(l, rows), per_sample = l->in.h * l->in.w, taps = l->kh * l->kw * l->units;
  const long in_sample = (long)per_sample * l->in.c, out_sample = (long)sn_shape_size(l->out);
  m->scratch_holds = NULL; /* the columns overwrite a conv2d's padded input */
  for (int n = 0; n < rows; n += block) {
    int count = rows - n < block ? rows - n : block;
    k_gemm_nt(count * per_sample, l->in.c, taps, x + n * in_sample, l->t[SN_KERNEL].w, m->scratch, 0);
    sn_par_col2im(&g, count, m->scratch, l->zbuf + n * out_sample);
  }
  if (l->t[SN_BIAS].exists) sn_par_bias_add(rows * l->out.h * l->out.w, l->units, l->zbuf, l->t[SN_BIAS].w);
  l->z = l->zbuf;
}

static float *backward(sn_model *m, sn_layer *l, int rows, const float *x, float *dz, float *dx) {
  sn_window g, gp;
  window(l, &g);
  const float *in = dz;
  if (sn_window_unpadded(&g, &gp)) {
    k_pad(&g, rows, dz, m->scratch);
    m->scratch_holds = NULL;
    in = m->scratch;
  }
  if (l->t[SN_KERNEL].g) { /* not when frozen */
    k_conv_wgrad(&gp, rows, l->in.c, in, x, 0, l->t[SN_KERNEL].g);
    if (l->t[SN_BIAS].exists) sn_par_col_sum(rows * l->out.h * l->out.w, l->units, dz, l->t[SN_BIAS].g, 0);
  }
  if (!dx) return NULL;
  k_conv_forward(&gp, rows, l->in.c, in, l->t[SN_KERNEL].w, 0, dx);
  return dx;
}

const sn_layer_ops sn_conv2d_transpose_ops = {
    .setup = setup, .reserve = reserve, .scratch = scratch, .forward = forward, .backward = backward};
