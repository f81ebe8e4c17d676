/* Embedding (Keras' Embedding, a table lookup): each value of the input sample
 * is an id, an integer in [0, vocab), carried as a float (exact up to 2^24),
 * and becomes that row of the table:
 *   z[rows × n × dim] = embeddings[id[rows × n]]       (n = in.h·in.w·in.c ids)
 * A sample of h × w × c ids gives (h·w) × c × dim: Keras' output shape, the
 * input's with dim appended, in toHwc's terms (web/layers/common.js): [steps]
 * (1 × 1 × steps) → [steps, dim] (1 × steps × dim).
 * Backward: dembeddings = Σ of the dz rows of each id (a scatter-add in row
 * order: the same bits for any thread count); the ids get no gradient
 * (no_input_grad: nothing flows past this layer to its input).
 * An id outside the table (not an integer, negative, ≥ vocab, NaN) reads
 * nothing: its row is zeros and it gets no gradient. Keras would fail (or
 * truncate a fraction); the wrapper refuses such ids before training when
 * they come from a model input, and asks sn_model_bad_id otherwise.
 * Keras' mask_zero (its value carries its own mask: sn_model_set_mask): each
 * id's position is valid unless the id is 0, the padding. */
#include "api.h"
#include "init.h"
#include "model.h"
#include "threads.h"
#include <string.h>

SN_API int sn_model_add_embedding(sn_model *m, int vocab, int dim) {
  sn_layer *l = sn_model_begin_layer(m, SN_LAYER_EMBEDDING);
  if (!l) return -1;
  l->vocab = vocab;
  l->units = dim;
  sn_tensor *e = &l->t[SN_KERNEL];
  e->init = SN_INIT_RANDOM_UNIFORM, e->init_a = -0.05f, e->init_b = 0.05f; /* Keras' and TF.js' default */
  return sn_model_end_layer(m, vocab > 0 && vocab <= 1 << 24 && dim > 0); /* ids above 2^24 are not exact floats */
}

SN_API int sn_model_bad_id(sn_model *m, float *id, int *pos) {
  int node = m->bad_id_node;
  if (node) *id = m->bad_id, *pos = m->bad_id_pos;
  m->bad_id_node = 0;
  return node;
}

static int64_t ids(const sn_layer *l) { return sn_shape_size(l->in); }

static int setup(sn_layer *l) {
  if ((int64_t)l->vocab * l->units > SN_MAX_PARAMS || ids(l) * l->units > SN_MAX_SAMPLE_SIZE) return 0;
  l->out = (sn_shape){l->in.h * l->in.w, l->in.c, l->units};
  sn_tensor *e = &l->t[SN_KERNEL];
  e->exists = e->trainable = 1;
  sn_tensor_shape(e, "embeddings", 2, (int[]){l->vocab, l->units});
  e->fan_in = l->vocab, e->fan_out = l->units; /* Keras' fans of a 2-D weight */
  return 1;
}

static void reserve(sn_layer *l, int rows, sn_carver *c) {
  int64_t n = rows * ids(l);
  l->zbuf = sn_carve(c, n * l->units);
  l->arg = (int *)sn_carve(c, n); /* ints, the size of floats */
}

void sn_embedding_lookup(sn_model *m, sn_layer *l, int i0, int n, const float *x, const float *table, float *z) {
  const int dim = l->units;
  int bad = -1;
  x += i0, z += (int64_t)i0 * dim;
  int *arg = l->arg + i0;
  for (int i = 0; i < n; i++) {
    float id = x[i];
    int ok = id >= 0.0f && id < (float)l->vocab && id == (float)(int)id; /* NaN fails the first test */
    arg[i] = ok ? (int)id : -1;
    if (!ok && bad < 0) bad = i;
  }
  if (bad < 0) {
    sn_par_gather_rows(n, dim, table, arg, z);
  } else {
    for (int i = 0; i < n; i++) {
      float *row = z + (int64_t)i * dim;
      if (arg[i] < 0) memset(row, 0, (size_t)dim * sizeof(float));
      else memcpy(row, table + (int64_t)arg[i] * dim, (size_t)dim * sizeof(float));
    }
    if (!m->bad_id_node) {
      m->bad_id_node = (int)(l - m->layers) + 1;
      m->bad_id = x[bad];
      m->bad_id_pos = (int)((i0 + bad) % ids(l));
    }
  }
  if (l->keras_mask) /* Keras' mask_zero: id 0 is padding */
    for (int i = 0; i < n; i++) l->keras_mask[i0 + i] = x[i] != 0.0f;
}

static void forward(sn_model *m, sn_layer *l, int rows, const float *x) {
  sn_embedding_lookup(m, l, 0, (int)(rows * ids(l)), x, l->t[SN_KERNEL].w, l->zbuf);
  l->z = l->zbuf;
}

static float *backward(sn_model *m, sn_layer *l, int rows, const float *x, float *dz, float *dx) {
  (void)m, (void)x, (void)dx; /* dx is always NULL: no_input_grad */
  sn_tensor *e = &l->t[SN_KERNEL];
  if (!e->g) return NULL; /* frozen */
  memset(e->g, 0, (size_t)e->size * sizeof(float));
  sn_par_scatter_add_rows((int)(rows * ids(l)), l->units, dz, l->arg, e->g);
  return NULL;
}

const sn_layer_ops sn_embedding_ops = {
    .setup = setup, .reserve = reserve, .forward = forward, .backward = backward, .no_input_grad = 1,
    .positionwise = 1 /* position t of ids [T] ({1, 1, T}) is row t of the output */};
