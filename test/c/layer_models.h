/* layer_models.h — what the native layer tests share (header only; include
 * after check.h, model.h, gradcheck.h and init.h): random fills, one-hot
 * targets, finish(), which ends a model under test with a classifier head,
 * and row_gradients(), its gradients against central differences. */
#ifndef SN_LAYER_MODELS_H
#define SN_LAYER_MODELS_H
#include <stdlib.h>
#include <string.h>

enum { CLASSES = 3 };

static inline void fill(float *v, long n, unsigned seed, float lo, float hi) {
  for (long i = 0; i < n; i++) {
    seed = seed * 1664525u + 1013904223u;
    v[i] = lo + (hi - lo) * (float)(seed >> 8) / 16777216.0f;
  }
}

static inline void one_hot(float *t, int rows) {
  memset(t, 0, (size_t)rows * CLASSES * sizeof(float));
  for (int r = 0; r < rows; r++) t[r * CLASSES + (r * 7 + 1) % CLASSES] = 1.0f;
}

/* The slot of a node's bias (batch norm's beta shares SN_BIAS's). */
static inline int bias_slot(const sn_layer *l) {
  int k = l->kind;
  return k == SN_LAYER_SIMPLE_RNN || k == SN_LAYER_LSTM || k == SN_LAYER_GRU || k == SN_LAYER_BIDIRECTIONAL ? SN_RECURRENT_BIAS : SN_BIAS;
}

/* Ends a model with flatten → dense softmax, draws every bias (and beta)
 * uniformly in ±0.3 rather than zero, builds it and compiles it with CCE. */
static inline sn_model *finish(sn_model *m) {
  CHECK(sn_model_add_reshape(m, 1, 1, sn_model_output_dim(m)) >= 0, "flatten");
  CHECK(sn_model_add_dense(m, CLASSES, SN_ACT_SOFTMAX, 0.0f, 1) >= 0, "output layer");
  for (int l = 0; l < m->n_layers; l++) sn_model_set_initializer(m, l, bias_slot(&m->layers[l]), SN_INIT_RANDOM_UNIFORM, -0.3f, 0.3f);
  CHECK(sn_model_build(m), "build");
  float hp[4] = {0.01f, 0.9f, 0.999f, 1e-7f};
  CHECK(sn_model_compile(m, SN_LOSS_CCE, 0, 1, 1, sn_opt_create(SN_OPT_ADAM, (int)m->n_params, hp, 4)), "compile");
  return m;
}

/* FNV-1a over the bits of a model's parameters: equal hashes, equal weights. */
static inline unsigned params_hash(const sn_model *m) {
  unsigned h = 2166136261u;
  for (long i = 0; i < m->n_params; i++) {
    unsigned u;
    memcpy(&u, &m->params[i], 4);
    h = (h ^ u) * 16777619u;
  }
  return h;
}

/* check_model_gradients on `rows` fill()ed rows and one-hot targets; then frees m. */
static inline void row_gradients(sn_model *m, int rows, const char *what) {
  long n = (long)rows * m->input_dim;
  float *x = malloc((size_t)n * sizeof(float)), *t = malloc((size_t)rows * CLASSES * sizeof(float));
  fill(x, n, 5, -1.0f, 1.0f);
  one_hot(t, rows);
  check_model_gradients(m, x, t, rows, what);
  free(x);
  free(t);
  sn_model_free(m);
}

#endif
