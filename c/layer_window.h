/* The window geometry (conv_kernels.h' sn_window) of a conv2d or pooling layer. */
#ifndef SN_LAYER_WINDOW_H
#define SN_LAYER_WINDOW_H
#include "conv_kernels.h"
#include "kernels.h"
#include "layer.h"

/* Returns 0 when the window does not fit the layer's input. */
static inline int sn_layer_window(const sn_layer *l, sn_window *g) {
  return sn_window_init(g, l->in.h, l->in.w, l->in.c, l->kh, l->kw, l->sh, l->sw, l->dh, l->dw, l->padding);
}
/* Sets a conv layer's window, activation and bias (conv2d, depthwise, separable,
 * transposed); padding: enum sn_padding (SN_PAD_VALID 0 and SN_PAD_SAME 1 are
 * the 0/1 flag it once was), SN_PAD_CAUSAL only where `causal` allows it (the
 * kinds whose window is sn_window_init's: conv2d, which Conv1D is). Returns 0
 * when they cannot go together: an unknown activation or padding, or strides
 * > 1 with dilation > 1 (TensorFlow refuses those too). */
static inline int sn_layer_set_conv(sn_layer *l, int kh, int kw, int sh, int sw, int dh, int dw, int padding, int causal, int act,
                                    float alpha, int use_bias) {
  l->kh = kh, l->kw = kw, l->sh = sh, l->sw = sw, l->dh = dh, l->dw = dw, l->padding = padding;
  l->act = act;
  l->alpha = alpha;
  l->t[SN_BIAS].exists = use_bias != 0;
  return act >= 0 && act < SN_ACT_COUNT && !((sh > 1 || sw > 1) && (dh > 1 || dw > 1)) &&
         padding >= 0 && padding < SN_PAD_COUNT && (padding != SN_PAD_CAUSAL || causal);
}

/* The depthwise kernel of a depthwise or separable conv (layer_depthwise_conv2d.c): fills g and k
 * (Keras' depthwise_kernel [kh, kw, in.c, dm] and its fans); 0 when they do not fit. */
int sn_depthwise_setup(sn_layer *l, sn_window *g, sn_tensor *k);
#endif
