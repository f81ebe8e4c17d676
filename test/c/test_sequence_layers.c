/* The layers of sequences natively (so the sanitizers see every path):
 *   - Conv1D (conv2d with kh = 1) with 'causal' padding: gradients against
 *     central differences (gradcheck.h) with dilation and stride on odd
 *     lengths, the forward pass against the definition in double (Keras: the
 *     input padded with (k − 1)·d zeros on the left, then 'valid'), causality
 *     (an output never moves with a later input), its kernel named [k, c, f];
 *     dilated 'valid' and 'same' Conv1D and 'same' 1-D pooling (which TF.js
 *     cannot train: test/sequence.tfjs.test.js compares them forward only);
 *   - Embedding: gradients with repeated ids (the scatter-add sums them) on odd
 *     sizes, of rank 1 and 2 samples; an id outside the table reads zeros, gets
 *     no gradient and is reported by sn_model_bad_id; nothing flows past it to a
 *     layer before it (no pool buffer lost); its training gives the same bits
 *     with the scatter-add split in parts (threads);
 *   - settings that do not fit are refused. */
#include "check.h"
#include "kernels.h"
#include "model.h"
#include "gradcheck.h"
#include "init.h"
#include "layer_models.h"
#include "threads.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Ids in [0, vocab), repeating within and across rows. */
static void fill_ids(float *x, long n, int vocab) {
  for (long i = 0; i < n; i++) x[i] = (float)((i * 7 + i / 5) % vocab);
}

static void gradients(sn_model *m, const float *x, int rows, const char *what) {
  float *t = malloc((size_t)rows * CLASSES * sizeof(float));
  one_hot(t, rows);
  check_model_gradients(m, x, t, rows, what);
  free(t);
  sn_model_free(m);
}

static void causal_gradients(void) {
  enum { R = 3, STEPS = 11, C = 3 };
  float x[R * STEPS * C];
  fill(x, R * STEPS * C, 5, -1, 1);
  /* Causal with dilation 2 (pads 4), then kernel 2 stride 2 causal (pads 1), then 'valid'. */
  sn_model *m = sn_model_create_hwc(1, STEPS, C, 1);
  int a = sn_model_add_conv1d(m, 4, 3, 1, 2, SN_PAD_CAUSAL, SN_ACT_TANH, 0, 1);
  int b = sn_model_add_conv1d(m, 3, 2, 2, 1, SN_PAD_CAUSAL, SN_ACT_SIGMOID, 0, 1);
  int c = sn_model_add_conv1d(m, 2, 4, 1, 1, SN_PAD_VALID, SN_ACT_LINEAR, 0, 0);
  CHECK(a == 0 && b == 1 && c == 2, "conv1d layers added");
  CHECK(m->layers[a].out.h == 1 && m->layers[a].out.w == STEPS && m->layers[b].out.w == 6 && m->layers[c].out.w == 3,
        "causal keeps ceil(steps / stride) steps: %d, %d, %d", m->layers[a].out.w, m->layers[b].out.w, m->layers[c].out.w);
  sn_model_set_regularizer(m, a, SN_KERNEL, 0.01f, 0.02f);
  gradients(finish(m), x, R, "conv1d causal dilated, causal stride 2, valid");
  /* Dilated 'valid' and 'same' (conv2d's padding on one row), then 1-D average and max pooling with 'same' padding. */
  m = sn_model_create_hwc(1, STEPS, C, 3);
  sn_model_add_conv1d(m, 4, 3, 1, 2, SN_PAD_VALID, SN_ACT_TANH, 0, 1);
  sn_model_add_conv1d(m, 3, 2, 1, 3, SN_PAD_SAME, SN_ACT_TANH, 0, 1);
  sn_model_add_pool2d(m, 0, 1, 3, 1, 2, 1);
  sn_model_add_pool2d(m, 1, 1, 2, 1, 2, 1);
  CHECK(m->layers[3].out.w == 2, "7 steps → avg 3 stride 2 same → 4 → max 2 stride 2 same → 2");
  gradients(finish(m), x, R, "conv1d dilated valid and same, 1-D pooling 'same'");
  /* Causal 'same'-sized on a sequence shorter than the kernel's extent. */
  m = sn_model_create_hwc(1, 4, 2, 2);
  sn_model_add_conv1d(m, 3, 3, 1, 3, SN_PAD_CAUSAL, SN_ACT_TANH, 0, 1);
  gradients(finish(m), x, 2, "conv1d causal, extent 7 over 4 steps");
}

/* Keras' causal conv1d by its definition: left padding (k − 1)·d, then a 'valid' convolution; and the kernel's name and shape. */
static void causal_forward(int S, int D) {
  enum { R = 2, STEPS = 9, C = 3, F = 4, K = 3 };
  sn_model *m = sn_model_create_hwc(1, STEPS, C, 21);
  int l = sn_model_add_conv1d(m, F, K, S, D, SN_PAD_CAUSAL, SN_ACT_LINEAR, 0, 1);
  sn_model_set_initializer(m, l, SN_BIAS, SN_INIT_RANDOM_UNIFORM, -1, 1);
  sn_model_add_reshape(m, 1, 1, sn_model_output_dim(m));
  CHECK(sn_model_build(m), "build");
  int info[SN_TINFO_COUNT];
  const char *name = sn_model_tensor_info(m, l, SN_KERNEL, info);
  CHECK(name && strcmp(name, "kernel") == 0 && info[SN_TINFO_RANK] == 3 && info[SN_TINFO_DIMS] == K && info[SN_TINFO_DIMS + 1] == C &&
            info[SN_TINFO_DIMS + 2] == F,
        "a Conv1D kernel is [k, c, filters], Keras' shape");
  const sn_layer *L = &m->layers[l];
  int out = L->out.w, pad = (K - 1) * D;
  CHECK(out == (STEPS + S - 1) / S, "causal output %d steps", out);
  float x[R * STEPS * C], y[R * STEPS * F], y2[R * STEPS * F];
  fill(x, R * STEPS * C, 8, -1, 1);
  sn_model_predict(m, x, R, R, y);
  const float *k = L->t[SN_KERNEL].w, *b = L->t[SN_BIAS].w;
  double worst = 0;
  for (int r = 0; r < R; r++)
    for (int o = 0; o < out; o++)
      for (int f = 0; f < F; f++) {
        double s = b[f];
        for (int t = 0; t < K; t++)
          for (int c = 0; c < C; c++) {
            int i = o * S + t * D - pad; /* padded position o·s + t·d is input position i */
            if (i >= 0) s += (double)x[(r * STEPS + i) * C + c] * k[(t * C + c) * F + f];
          }
        double d = fabs(s - y[(r * out + o) * F + f]);
        worst = d > worst ? d : worst;
      }
  CHECK(worst < 1e-5, "causal conv1d (stride %d, dilation %d) differs from the definition by %g", S, D, worst);
  /* Causality: changing the input at step j moves no output of an earlier step. */
  for (int j = 0; j < STEPS; j++) {
    float xj[R * STEPS * C];
    memcpy(xj, x, sizeof xj);
    for (int c = 0; c < C; c++) xj[j * C + c] += 1.0f;
    sn_model_predict(m, xj, R, R, y2);
    int moved_early = 0;
    for (int o = 0; o < out; o++)
      if (o * S < j)
        for (int f = 0; f < F; f++) moved_early |= y2[o * F + f] != y[o * F + f];
    CHECK(!moved_early, "causal conv1d: an output before step %d moved when step %d changed (stride %d, dilation %d)", j, j, S, D);
  }
  sn_model_free(m);
}

static void embedding_gradients(void) {
  enum { R = 4 };
  float x[R * 3 * 5];
  /* A sample of 7 ids (1 × 1 × 7) from a table of 5 × 3: ids repeat, so the scatter-add sums. */
  fill_ids(x, R * 7, 5);
  sn_model *m = sn_model_create_hwc(1, 1, 7, 3);
  int e = sn_model_add_embedding(m, 5, 3);
  CHECK(e == 0 && m->layers[e].out.h == 1 && m->layers[e].out.w == 7 && m->layers[e].out.c == 3, "[7] ids → [7, 3]");
  sn_model_set_regularizer(m, e, SN_KERNEL, 0.0f, 0.02f);
  sn_model_add_conv1d(m, 2, 3, 2, 1, SN_PAD_CAUSAL, SN_ACT_TANH, 0, 1);
  gradients(finish(m), x, R, "embedding 5 × 3 on 7 ids, then a causal conv1d");
  /* A sample of [3, 5] ids (1 × 3 × 5) → [3, 5, 2] (3 × 5 × 2), odd table 9 × 2, applied twice (shared). */
  fill_ids(x, R * 15, 9);
  m = sn_model_create_hwc(1, 3, 5, 4);
  e = sn_model_add_embedding(m, 9, 2);
  CHECK(m->layers[e].out.h == 3 && m->layers[e].out.w == 5 && m->layers[e].out.c == 2, "[3, 5] ids → [3, 5, 2]");
  gradients(finish(m), x, R, "embedding 9 × 2 on [3, 5] ids");
}

/* Ids outside the table read zeros and get no gradient; the first is reported once. */
static void bad_ids(void) {
  enum { R = 3, N = 4, V = 6, D = 5 };
  const float bad[] = {-1.0f, 6.0f, 2.5f, NAN, 1e30f};
  for (int b = 0; b < 5; b++) {
    sn_model *m = sn_model_create_hwc(1, 1, N, 9);
    sn_model_add_embedding(m, V, D);
    m = finish(m);
    float x[R * N], t[R * CLASSES];
    fill_ids(x, R * N, V);
    x[1 * N + 2] = bad[b];
    x[2 * N + 3] = bad[b];
    one_hot(t, R);
    float id = 0;
    int pos = -1;
    CHECK(sn_model_bad_id(m, &id, &pos) == 0, "nothing to report before a pass");
    double loss;
    CHECK(sn_model_compute_gradients(m, x, t, R, &loss) == 1, "gradients with a bad id");
    int node = sn_model_bad_id(m, &id, &pos);
    CHECK(node == 1 && pos == 2 && (isnan(bad[b]) ? isnan(id) : id == bad[b]), "bad id %g reported: node %d, id %g at %d", bad[b], node, id, pos);
    CHECK(sn_model_bad_id(m, &id, &pos) == 0, "reported once");
    const sn_layer *L = &m->layers[0];
    int zero = 1;
    for (int j = 0; j < D; j++) zero &= L->z[(1 * N + 2) * D + j] == 0.0f && L->z[(2 * N + 3) * D + j] == 0.0f;
    CHECK(zero, "a bad id's row is zeros");
    /* Its gradient: what the good ids give, computed without the bad ones (their rows are zeros either way). */
    float g[V * D], x2[R * N];
    memcpy(g, L->t[SN_KERNEL].g, sizeof g);
    memcpy(x2, x, sizeof x2);
    x2[1 * N + 2] = x2[2 * N + 3] = -7.0f;
    sn_model_compute_gradients(m, x2, t, R, &loss);
    CHECK(memcmp(g, L->t[SN_KERNEL].g, sizeof g) == 0, "a bad id adds no gradient");
    float out[R * CLASSES];
    CHECK(sn_model_predict(m, x, R, 2, out) == 1 && sn_model_bad_id(m, &id, &pos) == 1, "predict reports it too");
    sn_model_free(m);
  }
}

/* Dense → embedding: no gradient flows past the ids (the dense layer's is zero, as in Keras, where
 * it has none), and many steps lose no gradient buffer of the pool. */
static void nothing_past_ids(void) {
  enum { R = 5, IN = 3, N = 4 };
  sn_model *m = sn_model_create(IN, 11);
  int d = sn_model_add_dense(m, N, SN_ACT_LINEAR, 0, 1);
  sn_model_add_embedding(m, 4, 3);
  m = finish(m);
  CHECK(m->values[m->n_inputs + d].needs_grad == 1 && m->values[m->n_inputs + d + 1].needs_grad == 1, "both learn");
  float x[R * IN], t[R * CLASSES];
  fill(x, R * IN, 3, -1, 1);
  one_hot(t, R);
  for (int e = 0; e < 20; e++) CHECK(sn_model_fit_epoch(m, x, t, R, 2, 1, NULL, NULL, 0, NULL) >= 0, "epoch %d", e);
  double loss;
  sn_model_compute_gradients(m, x, t, R, &loss);
  const sn_tensor *k = &m->layers[d].t[SN_KERNEL];
  int zero = 1;
  for (long i = 0; i < k->size; i++) zero &= k->g[i] == 0.0f;
  CHECK(zero, "the dense layer before the ids gets no gradient");
  CHECK(m->pool_free == m->pool_n, "every gradient buffer back in the pool (%d of %d)", m->pool_free, m->pool_n);
  sn_model_free(m);
}

/* An embedding → global average pooling model trained from one seed gives the same bits with the
 * scatter-add (and the gather) split into parts. */
static unsigned train_embedding(int parts) {
  enum { N = 24, STEPS = 9, V = 37, D = 13 };
  sn_threads_split_for_tests(parts);
  sn_model *m = sn_model_create_hwc(1, 1, STEPS, 77);
  sn_model_add_embedding(m, V, D);
  sn_model_add_conv1d(m, 5, 3, 1, 1, SN_PAD_CAUSAL, SN_ACT_RELU, 0, 1);
  sn_model_add_global_pool(m, 0);
  finish(m);
  float x[N * STEPS], t[N * CLASSES];
  fill_ids(x, N * STEPS, V);
  one_hot(t, N);
  for (int e = 0; e < 3; e++) sn_model_fit_epoch(m, x, t, N, 8, 1, NULL, NULL, 0, NULL);
  unsigned h = 2166136261u;
  for (long i = 0; i < m->n_params; i++) {
    unsigned u;
    memcpy(&u, &m->params[i], 4);
    h = (h ^ u) * 16777619u;
  }
  sn_model_free(m);
  sn_threads_split_for_tests(1);
  return h;
}

static void refusals(void) {
  sn_model *m = sn_model_create_hwc(1, 6, 2, 1);
  CHECK(sn_model_add_embedding(m, 0, 3) < 0 && sn_model_add_embedding(m, 3, 0) < 0, "an empty table");
  CHECK(sn_model_add_embedding(m, (1 << 24) + 1, 1) < 0, "a table of more rows than exact float ids");
  CHECK(sn_model_add_conv1d(m, 2, 7, 1, 1, SN_PAD_VALID, SN_ACT_RELU, 0, 1) < 0, "a 'valid' kernel longer than the sequence");
  CHECK(sn_model_add_conv1d(m, 2, 3, 1, 1, SN_PAD_COUNT, SN_ACT_RELU, 0, 1) < 0 && sn_model_add_conv1d(m, 2, 3, 1, 1, -1, SN_ACT_RELU, 0, 1) < 0,
        "an unknown padding");
  CHECK(sn_model_add_conv1d(m, 2, 3, 2, 2, SN_PAD_CAUSAL, SN_ACT_RELU, 0, 1) < 0, "stride with dilation");
  CHECK(sn_model_add_depthwise_conv2d(m, 1, 1, 3, 1, 1, 1, 1, SN_PAD_CAUSAL, SN_ACT_RELU, 0, 1) < 0 &&
            sn_model_add_separable_conv2d(m, 2, 1, 1, 3, 1, 1, 1, 1, SN_PAD_CAUSAL, SN_ACT_RELU, 0, 1) < 0 &&
            sn_model_add_conv2d_transpose(m, 2, 1, 3, 1, 1, -1, -1, SN_PAD_CAUSAL, SN_ACT_RELU, 0, 1) < 0,
        "'causal' only for conv2d (Conv1D)");
  CHECK(m->n_layers == 0, "nothing was added");
  CHECK(sn_model_add_conv1d(m, 2, 7, 1, 1, SN_PAD_CAUSAL, SN_ACT_RELU, 0, 1) == 0, "'causal' pads a kernel longer than the sequence");
  sn_model_free(m);
  m = sn_model_create_hwc(2, 6, 2, 1);
  CHECK(sn_model_add_conv1d(m, 2, 3, 1, 1, SN_PAD_VALID, SN_ACT_RELU, 0, 1) < 0, "conv1d wants a sequence (1 × steps × c)");
  sn_model_free(m);
}

int main(void) {
  causal_gradients();
  causal_forward(1, 1);
  causal_forward(1, 3);
  causal_forward(2, 1);
  causal_forward(3, 1);
  embedding_gradients();
  bad_ids();
  nothing_past_ids();
  unsigned one = train_embedding(1);
  CHECK(train_embedding(1) == one, "the same seed trains an embedding model to the same bits");
  CHECK(train_embedding(2) == one && train_embedding(3) == one, "the scatter-add split in 2 and 3 parts changes no bit");
  refusals();
  return check_summary();
}
