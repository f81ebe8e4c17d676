/* Flatten and reshape: the same values under another shape, so a view of the
 * input (no copy) both ways. flatten() is a reshape to 1 × 1 × size. */
#include "api.h"
#include "model.h"

SN_API int sn_model_add_reshape(sn_model *m, int h, int w, int c) {
  sn_layer *l = sn_model_begin_layer(m, SN_LAYER_RESHAPE);
  if (!l) return -1;
  l->out = (sn_shape){h, w, c};
  return sn_model_end_layer(m, h > 0 && w > 0 && c > 0);
}

static int setup(sn_layer *l) { return sn_shape_size(l->out) == sn_shape_size(l->in); }

const sn_layer_ops sn_reshape_ops = {.setup = setup, .forward = sn_view_forward, .backward = sn_view_backward, .view = 1};
