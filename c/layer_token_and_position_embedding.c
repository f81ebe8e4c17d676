/* Token and position embedding (KerasHub's TokenAndPositionEmbedding,
 * keras_hub/src/layers/modeling/token_and_position_embedding.py): an
 * embedding of the ids (its ReversibleEmbedding `token_embedding`, used
 * forward: Keras' Embedding) plus a PositionEmbedding `position_embedding` of
 * that, their sum the output:
 *   z[rows × n × T × dim] = token[id] + position[t]     (T ids on the last axis)
 * Tensors, in KerasHub's order (its build: the token embedding's, then the
 * position embedding's), named by their path inside the layer:
 *   token_embedding/embeddings [vocab, dim], position_embedding/embeddings [sequence_length, dim].
 * The ids are the embedding's (layer_embedding.c: sn_embedding_lookup, the
 * same checks, zeros for a bad id, mask_zero's mask); T ≤ sequence_length.
 * Backward: dtoken = the scatter-add of dz's rows by id, dposition[t] = Σ dz
 * at position t; the ids get no gradient.
 * Generation (forward_window): positions [t0, t1) of one row are their ids'
 * rows plus position rows t0 … t1 − 1. */
#include "api.h"
#include "init.h"
#include "model.h"
#include "threads.h"
#include <string.h>

enum { TOKEN = SN_KERNEL, POSITION = 1 };

SN_API int sn_model_add_token_and_position_embedding(sn_model *m, int vocab, int sequence_length, int dim) {
  sn_layer *l = sn_model_begin_layer(m, SN_LAYER_TOKEN_AND_POSITION_EMBEDDING);
  if (!l) return -1;
  l->vocab = vocab;
  l->seq_len = sequence_length;
  l->units = dim;
  for (int i = TOKEN; i <= POSITION; i++) /* KerasHub's default "uniform" for both: Keras' RandomUniform(−0.05, 0.05) */
    l->t[i].init = SN_INIT_RANDOM_UNIFORM, l->t[i].init_a = -0.05f, l->t[i].init_b = 0.05f;
  return sn_model_end_layer(m, vocab > 0 && vocab <= 1 << 24 && sequence_length > 0 && dim > 0); /* ids above 2^24 are not exact floats */
}

static int64_t ids(const sn_layer *l) { return sn_shape_size(l->in); }

static int setup(sn_layer *l) {
  const int steps = l->in.c;
  if (steps > l->seq_len || ((int64_t)l->vocab + l->seq_len) * l->units > SN_MAX_PARAMS || ids(l) * l->units > SN_MAX_SAMPLE_SIZE) return 0;
  l->out = (sn_shape){l->in.h * l->in.w, steps, l->units};
  static const char *const names[] = {"token_embedding/embeddings", "position_embedding/embeddings"};
  const int rows[] = {l->vocab, l->seq_len};
  for (int i = TOKEN; i <= POSITION; i++) {
    sn_tensor *e = &l->t[i];
    e->exists = e->trainable = 1;
    sn_tensor_shape(e, names[i], 2, (int[]){rows[i], l->units});
    e->fan_in = rows[i], e->fan_out = l->units; /* Keras' fans of a 2-D weight */
  }
  return 1;
}

static void reserve(sn_layer *l, int rows, sn_carver *c) {
  int64_t n = rows * ids(l);
  l->zbuf = sn_carve(c, n * l->units);
  l->arg = (int *)sn_carve(c, n); /* ints, the size of floats */
}

static void forward(sn_model *m, sn_layer *l, int rows, const float *x) {
  sn_embedding_lookup(m, l, 0, (int)(rows * ids(l)), x, l->t[TOKEN].w, l->zbuf);
  sn_position_rows(rows * l->out.h, l->out.w, l->units, 0, l->out.w, l->t[POSITION].w, l->zbuf, 1);
  l->z = l->zbuf;
}

static float *backward(sn_model *m, sn_layer *l, int rows, const float *x, float *dz, float *dx) {
  (void)m, (void)x, (void)dx; /* dx is always NULL: no_input_grad */
  sn_tensor *token = &l->t[TOKEN], *position = &l->t[POSITION];
  if (!token->g) return NULL; /* frozen: both tensors are */
  memset(token->g, 0, (size_t)token->size * sizeof(float));
  sn_par_scatter_add_rows((int)(rows * ids(l)), l->units, dz, l->arg, token->g);
  memset(position->g, 0, (size_t)position->size * sizeof(float)); /* rows T … sequence_length − 1 get none */
  sn_position_sums(rows * l->out.h, l->out.w, l->units, dz, position->g);
  return NULL;
}

static void forward_window(sn_model *m, sn_layer *l, int t0, int t1, const float *const *xs) {
  const int steps = l->out.w;
  for (int g = 0; g < l->out.h; g++) sn_embedding_lookup(m, l, g * steps + t0, t1 - t0, xs[0], l->t[TOKEN].w, l->zbuf);
  sn_position_rows(l->out.h, steps, l->units, t0, t1, l->t[POSITION].w, l->zbuf, 1);
  l->z = l->zbuf;
}

const sn_layer_ops sn_token_and_position_embedding_ops = {
    .setup = setup, .reserve = reserve, .forward = forward, .backward = backward, .no_input_grad = 1,
    .forward_window = forward_window};
