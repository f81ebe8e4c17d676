/* A standalone activation layer: z is a view of the input and the model
 * applies y = act(z) as it does for every layer (model.c), so its backward
 * pass is the activation's derivative alone, and a softmax at the end still
 * fuses with the cross-entropy. */
#include "api.h"
#include "kernels.h"
#include "model.h"

SN_API int sn_model_add_activation(sn_model *m, int act, float alpha) {
  sn_layer *l = sn_model_begin_layer(m, SN_LAYER_ACTIVATION);
  if (!l) return -1;
  l->act = act;
  l->alpha = alpha;
  return sn_model_end_layer(m, act >= 0 && act < SN_ACT_COUNT);
}

static int setup(sn_layer *l) {
  l->out = l->in;
  return 1;
}

const sn_layer_ops sn_activation_ops = {.setup = setup, .forward = sn_view_forward, .backward = sn_view_backward, .view = 1};
