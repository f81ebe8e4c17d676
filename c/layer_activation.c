/* A standalone activation layer: z is a view of the input and the model
 * applies y = act(z) as it does for every layer (model.c), so its backward
 * pass is the activation's derivative alone, and a softmax at the end still
 * fuses with the cross-entropy. */
#include "api.h"
#include "kernels.h"
#include "model.h"
#include <math.h>

/* Keras' ReLU layer (keras/src/layers/activations/relu.py) takes max_value,
 * negative_slope (alpha) and threshold, each ≥ 0; ThresholdedReLU(theta) is
 * relu with threshold theta; the other kinds take alpha only and leave
 * max_value = +inf, threshold = 0. */
SN_API int sn_model_add_activation(sn_model *m, int act, float alpha, float max_value, float threshold) {
  sn_layer *l = sn_model_begin_layer(m, SN_LAYER_ACTIVATION);
  if (!l) return -1;
  l->act = act;
  l->alpha = alpha;
  l->act_max = max_value;
  l->act_threshold = threshold;
  int ok = act >= 0 && act < SN_ACT_COUNT && alpha == alpha && max_value >= 0 && threshold >= 0 && threshold < INFINITY;
  return sn_model_end_layer(m, ok);
}

static int setup(sn_layer *l) {
  l->out = l->in;
  return 1;
}

const sn_layer_ops sn_activation_ops = {.setup = setup, .forward = sn_view_forward, .backward = sn_view_backward, .view = 1,
                                         .positionwise = 1};
