/* Position embedding (KerasHub's PositionEmbedding,
 * keras_hub/src/layers/modeling/position_embedding.py): a learned table
 * `embeddings` [sequence_length, dim], whose first T rows are the output,
 * broadcast to the input's shape; the input's values are not read (nor added:
 * KerasHub's call returns ops.broadcast_to(slice of the table, shape), the sum
 * with the tokens' embedding being the caller's or TokenAndPositionEmbedding's).
 * The input's last axis is the features (dim), the one before it the sequence
 * (T ≤ sequence_length), in C's terms {h, T, dim}:
 *   z[rows × h × T × dim] = embeddings[t] at position t of every (row, h)
 * Backward: dembeddings[t] = Σ over rows and h of dz at position t, rows t ≥ T
 * zero; the input gets no gradient (the output does not depend on its values:
 * no_input_grad).
 * Generation (forward_window): positions [t0, t1) of one row are rows
 * t0 … t1 − 1 of the table. */
#include "api.h"
#include "init.h"
#include "model.h"
#include <string.h>

SN_API int sn_model_add_position_embedding(sn_model *m, int sequence_length) {
  sn_layer *l = sn_model_begin_layer(m, SN_LAYER_POSITION_EMBEDDING);
  if (!l) return -1;
  l->seq_len = sequence_length;
  l->t[SN_KERNEL].init = SN_INIT_GLOROT_UNIFORM; /* KerasHub's default */
  return sn_model_end_layer(m, sequence_length > 0);
}

void sn_position_rows(int n, int steps, int dim, int t0, int t1, const float *table, float *z, int add) {
  for (int g = 0; g < n; g++)
    for (int t = t0; t < t1; t++) {
      const float *src = table + (int64_t)t * dim;
      float *dst = z + ((int64_t)g * steps + t) * dim;
      if (add)
        for (int d = 0; d < dim; d++) dst[d] += src[d];
      else
        memcpy(dst, src, (size_t)dim * sizeof(float));
    }
}

void sn_position_sums(int n, int steps, int dim, const float *dz, float *g) {
  for (int k = 0; k < n; k++) {
    const float *src = dz + (int64_t)k * steps * dim;
    for (int i = 0; i < steps * dim; i++) g[i] += src[i];
  }
}

static int setup(sn_layer *l) {
  /* KerasHub slices rows [0, T) of the table: a longer sequence has no rows. */
  if (l->in.w > l->seq_len || (int64_t)l->seq_len * l->in.c > SN_MAX_PARAMS) return 0;
  l->out = l->in;
  sn_tensor *e = &l->t[SN_KERNEL];
  e->exists = e->trainable = 1;
  sn_tensor_shape(e, "embeddings", 2, (int[]){l->seq_len, l->in.c});
  e->fan_in = l->seq_len, e->fan_out = l->in.c; /* Keras' fans of a 2-D weight */
  return 1;
}

static void reserve(sn_layer *l, int rows, sn_carver *c) { l->zbuf = sn_carve(c, rows * sn_shape_size(l->out)); }

static void forward(sn_model *m, sn_layer *l, int rows, const float *x) {
  (void)m, (void)x;
  sn_position_rows(rows * l->in.h, l->in.w, l->in.c, 0, l->in.w, l->t[SN_KERNEL].w, l->zbuf, 0);
  l->z = l->zbuf;
}

static float *backward(sn_model *m, sn_layer *l, int rows, const float *x, float *dz, float *dx) {
  (void)m, (void)x, (void)dx; /* dx is always NULL: no_input_grad */
  sn_tensor *e = &l->t[SN_KERNEL];
  if (!e->g) return NULL; /* frozen */
  memset(e->g, 0, (size_t)e->size * sizeof(float)); /* rows T … sequence_length − 1 get none */
  sn_position_sums(rows * l->in.h, l->in.w, l->in.c, dz, e->g);
  return NULL;
}

static void forward_window(sn_model *m, sn_layer *l, int t0, int t1, const float *const *xs) {
  (void)m, (void)xs;
  sn_position_rows(l->in.h, l->in.w, l->in.c, t0, t1, l->t[SN_KERNEL].w, l->zbuf, 0);
  l->z = l->zbuf;
}

const sn_layer_ops sn_position_embedding_ops = {
    .setup = setup, .reserve = reserve, .forward = forward, .backward = backward, .no_input_grad = 1,
    .forward_window = forward_window};
