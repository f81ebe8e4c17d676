/* Concatenate along the last axis (Keras' default axis −1): inputs of the same
 * [h, w] side by side in the channels, c = Σ ci. Backward hands each input
 * its own channels of dz. */
#include "api.h"
#include "model.h"
#include <string.h>

SN_API int sn_model_add_concatenate(sn_model *m) {
  sn_layer *l = sn_model_begin_layer(m, SN_LAYER_CONCATENATE);
  if (!l) return -1;
  return sn_model_end_layer(m, 1);
}

static int setup_n(const sn_model *m, sn_layer *l) {
  int64_t c = 0;
  for (int i = 0; i < l->n_in; i++) {
    sn_shape s = sn_node_input(m, l, i)->shape;
    if (s.h != l->in.h || s.w != l->in.w) return 0;
    c += s.c;
  }
  if (l->n_in < 2 || c > SN_MAX_SAMPLE_SIZE) return 0;
  l->out = (sn_shape){l->in.h, l->in.w, (int)c};
  return 1;
}

static void reserve(sn_layer *l, int rows, sn_carver *c) { l->zbuf = sn_carve(c, rows * sn_shape_size(l->out)); }

static void forward_n(sn_model *m, sn_layer *l, int rows, const float *const *xs) {
  long positions = (long)rows * l->out.h * l->out.w;
  for (int i = 0, col = 0; i < l->n_in; i++) {
    int c = sn_node_input(m, l, i)->shape.c;
    for (long p = 0; p < positions; p++) memcpy(l->zbuf + p * l->out.c + col, xs[i] + p * c, (size_t)c * sizeof(float));
    col += c;
  }
  l->z = l->zbuf;
}

static void backward_n(sn_model *m, sn_layer *l, int rows, const float *const *xs, const float *dz,
                       float *const *dxs) {
  (void)xs;
  long positions = (long)rows * l->out.h * l->out.w;
  for (int i = 0, col = 0; i < l->n_in; i++) {
    int c = sn_node_input(m, l, i)->shape.c;
    if (dxs[i])
      for (long p = 0; p < positions; p++) memcpy(dxs[i] + p * c, dz + p * l->out.c + col, (size_t)c * sizeof(float));
    col += c;
  }
}

const sn_layer_ops sn_concatenate_ops = {
    .setup_n = setup_n, .reserve = reserve, .forward_n = forward_n, .backward_n = backward_n, .positionwise = 1 /* along the channels */};
