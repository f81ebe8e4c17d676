/* What happens to every layer's output y = act(z) on the way back: Keras'
 * activity regularizer (l1·Σ|y| + l2·Σy² of the layer's output, divided by
 * the batch size, so per sample like the data loss), then the activation's
 * derivative. */
#include "api.h"
#include "kernels.h"
#include "model.h"
#include "threads.h"
#include <math.h>
#include <stddef.h>

SN_API int sn_model_set_activity_regularizer(sn_model *m, int layer, float l1, float l2) {
  if (m->params || layer < 0 || layer >= m->n_layers || !(l1 >= 0) || !(l2 >= 0)) return 0;
  m->layers[layer].act_l1 = l1;
  m->layers[layer].act_l2 = l2;
  return 1;
}

/* dy arrives as dL/dy (what the next layer read); leaves as dL/dz: plus the
 * activity regularizer's (l1·sign(y) + 2·l2·y)/rows, through the activation. */
void sn_layer_output_gradient(const sn_layer *l, int rows, float *dy) {
  long n = (long)rows * (long)sn_shape_size(l->out);
  if (l->act_l1 != 0.0f || l->act_l2 != 0.0f) {
    float l1 = l->act_l1 / rows, l2 = 2.0f * l->act_l2 / rows;
    const float *y = l->y;
    for (long i = 0; i < n; i++) dy[i] += l1 * (float)((y[i] > 0) - (y[i] < 0)) + l2 * y[i];
  }
  if (l->act != SN_ACT_LINEAR) sn_par_act_backward(l->act, sn_layer_act_param(l), rows * l->out.h * l->out.w, l->out.c, l->z, l->y, dy, dy);
}

/* Σ over the batch of every activity regularizer (not yet divided by rows). */
double sn_model_activity_penalty(const sn_model *m, int rows) {
  double penalty = 0.0;
  for (int l = 0; l < m->n_layers; l++) {
    const sn_layer *L = &m->layers[l];
    if (L->act_l1 == 0.0f && L->act_l2 == 0.0f) continue;
    const float *y = L->y;
    for (long i = 0, n = (long)rows * (long)sn_shape_size(L->out); i < n; i++)
      penalty += L->act_l1 * fabsf(y[i]) + (double)L->act_l2 * y[i] * y[i];
  }
  return penalty;
}
