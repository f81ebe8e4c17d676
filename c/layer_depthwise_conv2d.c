/* Depthwise 2-D convolution, channels last (Keras' DepthwiseConv2D):
 *   z[n][oy][ox][c·dm + m] = Σ_(ky,kx) x[n][iy][ix][c] · k[ky][kx][c][m] + bias[c·dm + m]
 * Each input channel is convolved on its own with dm kernels; output channel
 * c·dm + m is TensorFlow's order (tf.nn.depthwise_conv2d, which Keras calls).
 * The kernel is Keras' depthwise_kernel [kh, kw, cin, dm], the bias [cin·dm].
 * Forward, input gradient and weight gradient are the k_depthwise_* kernels
 * (c/depthwise.c), which clip the window at the padding themselves: no padded
 * copy and no scratch. Strides > 1 with dilation > 1 are refused, as for conv2d. */
#include "api.h"
#include "kernels.h"
#include "layer_window.h"
#include "model.h"
#include "threads.h"

SN_API int sn_model_add_depthwise_conv2d(sn_model *m, int dm, int kh, int kw, int sh, int sw, int dh, int dw, int same, int act,
                                         float alpha, int use_bias) {
  sn_layer *l = sn_model_begin_layer(m, SN_LAYER_DEPTHWISE_CONV2D);
  if (!l) return -1;
  l->dm = dm;
  int ok = sn_layer_set_conv(l, kh, kw, sh, sw, dh, dw, same, 0, act, alpha, use_bias);
  return sn_model_end_layer(m, ok && dm > 0);
}

/* The depthwise kernel's shape, fans and name, shared with the separable conv (layer_separable_conv2d.c). */
int sn_depthwise_setup(sn_layer *l, sn_window *g, sn_tensor *k) {
  if (!sn_layer_window(l, g)) return 0;
  int64_t taps = (int64_t)l->kh * l->kw;
  if ((int64_t)l->in.c * l->dm > SN_MAX_SAMPLE_SIZE || taps * l->in.c * l->dm > SN_MAX_PARAMS) return 0;
  k->exists = k->trainable = 1;
  sn_tensor_shape(k, "depthwise_kernel", 4, (int[]){l->kh, l->kw, l->in.c, l->dm});
  k->fan_in = (int)(taps * l->in.c); /* Keras' fans of a 4-D kernel: receptive field × its last two dimensions */
  k->fan_out = (int)(taps * l->dm);
  return 1;
}

static int setup(sn_layer *l) {
  sn_window g;
  if (!sn_depthwise_setup(l, &g, &l->t[SN_KERNEL])) return 0;
  const int C = l->in.c * l->dm;
  l->out = (sn_shape){g.oh, g.ow, C};
  sn_tensor *b = &l->t[SN_BIAS];
  b->trainable = 1;
  sn_tensor_shape(b, "bias", 1, (int[]){C});
  b->fan_in = b->fan_out = C;
  return 1;
}

static void reserve(sn_layer *l, int rows, sn_carver *c) { l->zbuf = sn_carve(c, rows * sn_shape_size(l->out)); }

static void forward(sn_model *m, sn_layer *l, int rows, const float *x) {
  (void)m;
  sn_window g;
  sn_layer_window(l, &g);
  sn_par_depthwise_forward(&g, rows, l->dm, x, l->t[SN_KERNEL].w, l->t[SN_BIAS].exists ? l->t[SN_BIAS].w : NULL, l->zbuf);
  l->z = l->zbuf;
}

static float *backward(sn_model *m, sn_layer *l, int rows, const float *x, float *dz, float *dx) {
  (void)m;
  sn_window g;
  sn_layer_window(l, &g);
  if (l->t[SN_KERNEL].g) /* not when frozen */
    sn_par_depthwise_wgrad(&g, rows, l->dm, x, dz, l->t[SN_KERNEL].g, l->t[SN_BIAS].exists ? l->t[SN_BIAS].g : NULL);
  if (!dx) return NULL;
  sn_par_depthwise_backward(&g, rows, l->dm, dz, l->t[SN_KERNEL].w, dx);
  return dx;
}

const sn_layer_ops sn_depthwise_conv2d_ops = {.setup = setup, .reserve = reserve, .forward = forward, .backward = backward};
