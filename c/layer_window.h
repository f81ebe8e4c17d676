/* The window geometry (conv_kernels.h' sn_window) of a conv2d or pooling layer. */
#ifndef SN_LAYER_WINDOW_H
#define SN_LAYER_WINDOW_H
#include "conv_kernels.h"
#include "layer.h"

/* Returns 0 when the window does not fit the layer's input. */
static inline int sn_layer_window(const sn_layer *l, sn_window *g) {
  return sn_window_init(g, l->in.h, l->in.w, l->in.c, l->kh, l->kw, l->sh, l->sw, l->dh, l->dw, l->same);
}
/* The depthwise kernel of a depthwise or separable conv (layer_depthwise_conv2d.c): fills g and k
 * (Keras' depthwise_kernel [kh, kw, in.c, dm] and its fans); 0 when they do not fit. */
int sn_depthwise_setup(sn_layer *l, sn_window *g, sn_tensor *k);
#endif
