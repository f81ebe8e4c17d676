/* Keras masks natively (model.h: sn_model_set_mask; layer_masking.c, the
 * embedding's mask_zero, rnn.c's masked steps, masked global average pooling,
 * masked losses and metrics), so the sanitizers see every path:
 *   - a recurrent layer of each kind (GRU both ways), forwards and backwards,
 *     with and without return_sequences, behind a Masking layer on rows padded
 *     at the end, at the start and both, gives what the same layer gives on
 *     the valid steps alone; masked steps of a sequence output repeat the
 *     previous output (zeros from the start), or are zeros with zero_output;
 *   - gradients against central differences with masks on odd sizes: each
 *     kind, stacked, a row with no valid step, global average pooling, an
 *     embedding's mask, a sequence output whose loss and gradient count only
 *     its valid steps;
 *   - the masked loss and metrics against per-row losses: the mean over the
 *     valid rows of each batch, the epoch's the batches' weighted by their
 *     samples (Keras), accuracy over the valid rows;
 *   - Masking's output and mask, a merge's OR of its inputs' masks, masked
 *     pooling's mean (0 without a valid position);
 *   - masks persist in both workspace layouts (shared or not: the same loss);
 *   - sn_model_set_mask refusing owners that cannot make a mask or do not fit. */
#include "check.h"
#include "init.h"
#include "losses.h"
#include "model.h"
#include "workspace.h"
#include "gradcheck.h"
#include "layer_models.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define S_RNN SN_LAYER_SIMPLE_RNN
#define LSTM SN_LAYER_LSTM
#define GRU SN_LAYER_GRU

typedef struct {
  int kind, units, sequences, backwards, option; /* option: LSTM forget bias, GRU reset_after */
} rnn_spec;

static int add_rnn(sn_model *m, const rnn_spec *s) {
  switch (s->kind) {
  case S_RNN: return sn_model_add_simple_rnn(m, s->units, SN_ACT_TANH, 0, 1, s->sequences, s->backwards);
  case LSTM: return sn_model_add_lstm(m, s->units, SN_ACT_TANH, 0, SN_ACT_SIGMOID, 0, 1, s->option, s->sequences, s->backwards);
  default: return sn_model_add_gru(m, s->units, SN_ACT_TANH, 0, SN_ACT_SIGMOID, 0, 1, s->option, s->sequences, s->backwards);
  }
}

static const rnn_spec SPECS[] = {
    {S_RNN, 3, 0, 0, 0}, {S_RNN, 5, 1, 1, 0}, {LSTM, 4, 0, 1, 1}, {LSTM, 3, 1, 0, 1},
    {GRU, 5, 1, 0, 1},   {GRU, 3, 0, 1, 1},   {GRU, 4, 1, 1, 0},  {GRU, 2, 0, 0, 0},
};
enum { NSPECS = sizeof SPECS / sizeof SPECS[0] };

static const char *kind_name(int kind) { return kind == S_RNN ? "SimpleRNN" : kind == LSTM ? "LSTM" : "GRU"; }

/* Rows whose steps [first, last) are valid: the others all zeros, which a Masking(0) layer masks. */
enum { ROWS = 5, STEPS = 6, FEATURES = 3 };
static const int VALID[ROWS][2] = {{0, 6}, {0, 4}, {2, 6}, {1, 5}, {3, 4}};

static void padded(float *x, int rows, int steps, int features, const int (*valid)[2], unsigned seed) {
  fill(x, (long)rows * steps * features, seed, -1.0f, 1.0f);
  for (int r = 0; r < rows; r++)
    for (int s = 0; s < steps; s++)
      if (s < valid[r][0] || s >= valid[r][1]) memset(x + ((long)r * steps + s) * features, 0, (size_t)features * sizeof(float));
}

/* ---- masked steps: the layer on the valid steps alone -------------------------------------------- */

static void skips_masked_steps(const rnn_spec *s, int zero_output) {
  char what[96];
  snprintf(what, sizeof what, "%s %d units%s%s%s", kind_name(s->kind), s->units, s->sequences ? ", sequences" : "",
           s->backwards ? ", backwards" : "", zero_output ? ", zero output" : "");
  sn_model *m = sn_model_create_hwc(1, STEPS, FEATURES, 9);
  CHECK(sn_model_add_masking(m, 0.0f) == 0 && add_rnn(m, s) == 1, "%s: added", what);
  CHECK(sn_model_set_zero_output(m, 1, zero_output) == 1, "%s: zero_output set", what);
  sn_model_set_initializer(m, 1, SN_RECURRENT_BIAS, SN_INIT_RANDOM_UNIFORM, -0.5f, 0.5f);
  CHECK(sn_model_build(m), "%s: build", what);
  const int U = s->units, out = sn_model_output_dim(m);
  float x[ROWS * STEPS * FEATURES], y[ROWS * STEPS * 8];
  padded(x, ROWS, STEPS, FEATURES, VALID, 3);
  CHECK(sn_model_predict(m, x, ROWS, ROWS, y), "%s: predict", what);
  for (int r = 0; r < ROWS; r++) {
    const int a = VALID[r][0], b = VALID[r][1], n = b - a;
    sn_model *alone = sn_model_create_hwc(1, n, FEATURES, 9);
    add_rnn(alone, s);
    CHECK(sn_model_build(alone) && alone->n_params == m->n_params, "%s: the layer alone", what);
    memcpy(alone->params, m->params, (size_t)m->n_params * sizeof(float));
    float want[STEPS * 8];
    CHECK(sn_model_predict(alone, x + ((long)r * STEPS + a) * FEATURES, 1, 1, want), "%s: predict alone", what);
    const float *got = y + (long)r * out;
    if (!s->sequences) {
      for (int j = 0; j < U; j++) CHECK_CLOSE(got[j], want[j], 1e-5, 1e-6, "%s, row %d: the last output", what, r);
    } else {
      /* Processed step t reads input step t (backwards: S − 1 − t); the valid ones are alone's steps 0 … n − 1. */
      int done = 0;
      for (int t = 0; t < STEPS; t++) {
        int step = s->backwards ? STEPS - 1 - t : t, valid = step >= a && step < b;
        for (int j = 0; j < U; j++) {
          float expect = valid ? want[done * U + j] : zero_output || done == 0 ? 0.0f : want[(done - 1) * U + j];
          CHECK_CLOSE(got[t * U + j], expect, 1e-5, 1e-6, "%s, row %d, step %d (%s)", what, r, t, valid ? "valid" : "masked");
        }
        done += valid;
      }
    }
    sn_model_free(alone);
  }
  sn_model_free(m);
}

static void masked_steps(void) {
  for (int i = 0; i < NSPECS; i++) {
    skips_masked_steps(&SPECS[i], 0);
    if (SPECS[i].sequences) skips_masked_steps(&SPECS[i], 1);
  }
  sn_model *m = sn_model_create_hwc(1, 3, 2, 1);
  add_rnn(m, &(rnn_spec){LSTM, 3, 0, 0, 1});
  CHECK(!sn_model_set_zero_output(m, 0, 1) && sn_model_set_zero_output(m, 0, 0), "zero_output needs return_sequences");
  sn_model_free(m);
}

/* ---- gradients ---------------------------------------------------------------------------------- */

/* check_model_gradients on the padded rows (one with no valid step) and one-hot targets; frees m. */
static void masked_gradients(sn_model *m, int rows, int steps, int features, const char *what) {
  static const int valid[5][2] = {{0, 7}, {0, 3}, {2, 7}, {1, 4}, {3, 3}};
  float *x = malloc((size_t)rows * steps * features * sizeof(float)), t[5 * CLASSES];
  padded(x, rows, steps, features, valid, 7);
  one_hot(t, rows);
  check_model_gradients(m, x, t, rows, what);
  free(x);
  sn_model_free(m);
}

static void gradients(void) {
  for (int i = 0; i < NSPECS; i++) {
    char what[80];
    snprintf(what, sizeof what, "Masking → %s%s%s", kind_name(SPECS[i].kind), SPECS[i].sequences ? ", sequences" : "", SPECS[i].backwards ? ", backwards" : "");
    sn_model *m = sn_model_create_hwc(1, 7, 3, 5);
    sn_model_add_masking(m, 0.0f);
    add_rnn(m, &SPECS[i]);
    masked_gradients(finish(m), 5, 7, 3, what);
  }
  /* A stack: the mask reaches the second layer through the first's sequence output; zero outputs too. */
  sn_model *m = sn_model_create_hwc(1, 7, 2, 6);
  sn_model_add_masking(m, 0.0f);
  add_rnn(m, &(rnn_spec){GRU, 3, 1, 1, 1});
  add_rnn(m, &(rnn_spec){LSTM, 5, 1, 0, 1});
  add_rnn(m, &(rnn_spec){S_RNN, 2, 0, 1, 0});
  CHECK(sn_model_set_mask(m, sn_model_node_value(m, 1), 0) && sn_model_set_mask(m, sn_model_node_value(m, 2), 0), "the mask passed on");
  CHECK(sn_model_set_zero_output(m, 2, 1), "zero output");
  masked_gradients(finish(m), 5, 7, 2, "Masking → GRU → LSTM (zero output) → SimpleRNN, stacked");
  /* Global average pooling over the valid steps (a row without one pools to 0). */
  m = sn_model_create_hwc(1, 7, 3, 7);
  sn_model_add_masking(m, 0.0f);
  sn_model_add_dense_axis(m, 5, SN_ACT_TANH, 0, 1, 1);
  add_rnn(m, &(rnn_spec){GRU, 4, 1, 0, 0});
  sn_model_add_global_pool(m, 0);
  CHECK(sn_model_set_mask(m, sn_model_node_value(m, 1), 0) && sn_model_set_mask(m, sn_model_node_value(m, 2), 0), "the mask passed on");
  masked_gradients(finish(m), 5, 7, 3, "Masking → Dense → GRU → masked global average pooling");
}

/* Token ids through an embedding with mask_zero into a GRU; a sequence output whose loss counts its valid steps. */
static void embedding_and_loss(void) {
  enum { N = 5, S = 5, V = 6, D = 3 };
  float ids[N * S] = {1, 2, 3, 4, 5, 0, 0, 2, 5, 1, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 4, 1, 0, 2, 2};
  sn_model *m = sn_model_create_hwc(1, 1, S, 8);
  CHECK(sn_model_add_embedding(m, V, D) == 0 && sn_model_set_mask(m, sn_model_node_value(m, 0), 0), "embedding with mask_zero");
  add_rnn(m, &(rnn_spec){GRU, 4, 0, 1, 0});
  float t[N * CLASSES];
  one_hot(t, N);
  finish(m);
  check_model_gradients(m, ids, t, N, "Embedding (mask_zero) → GRU backwards");
  const float *mask = m->layers[0].keras_mask;
  CHECK(mask != NULL, "the embedding makes its mask");
  int same = 1;
  for (int i = 0; i < N * S; i++) same &= mask[i] == (ids[i] != 0.0f);
  CHECK(same, "the embedding's mask is id ≠ 0");
  sn_model_free(m);

  /* Masking → LSTM (sequences) → Dense per step, softmax, sparse labels: the loss over the valid steps. */
  m = sn_model_create_hwc(1, 7, 3, 9);
  sn_model_add_masking(m, 0.0f);
  add_rnn(m, &(rnn_spec){LSTM, 4, 1, 0, 1});
  sn_model_add_dense_axis(m, CLASSES, SN_ACT_SOFTMAX, 0, 1, 1);
  for (int v = 2; v <= 3; v++) CHECK(sn_model_set_mask(m, sn_model_node_value(m, v - 1), 0), "the mask passed on");
  CHECK(sn_model_build(m), "build");
  float hp[4] = {0.05f, 0, 0, 0};
  CHECK(sn_model_compile(m, SN_LOSS_SCCE, 0, 1, 1, sn_opt_create(SN_OPT_SGD, (int)m->n_params, hp, 4)), "compile");
  static const int valid[5][2] = {{0, 7}, {0, 3}, {2, 7}, {1, 4}, {3, 3}};
  float x[5 * 7 * 3], labels[5 * 7], y[5 * 7 * CLASSES], per[5 * 7];
  padded(x, 5, 7, 3, valid, 11);
  for (int i = 0; i < 35; i++) labels[i] = (float)((i * 5 + 2) % CLASSES);
  check_model_gradients(m, x, labels, 5, "Masking → LSTM → Dense per step, the loss over the valid steps");

  /* The loss: per-step losses of the valid steps, their mean per batch; the epoch weighs batches by their rows. */
  CHECK(sn_model_predict(m, x, 5, 5, y), "predict");
  sn_loss_cfg scce = {.kind = SN_LOSS_SCCE};
  sn_loss_per_sample(&scce, 35, CLASSES, y, labels, per);
  double batch[2] = {0}, count[2] = {0}, correct = 0, valid_n = 0;
  for (int r = 0; r < 5; r++)
    for (int s = valid[r][0]; s < valid[r][1]; s++) {
      int i = r * 7 + s, best = 0;
      batch[r >= 3] += per[i], count[r >= 3]++;
      for (int j = 1; j < CLASSES; j++) best = y[i * CLASSES + j] > y[i * CLASSES + best] ? j : best;
      correct += best == (int)labels[i], valid_n++;
    }
  double sums[SN_SUM_COUNT];
  CHECK(sn_model_evaluate(m, x, labels, 5, 5, sums), "evaluate in one batch");
  CHECK_CLOSE(sums[SN_SUM_LOSS] / sums[SN_SUM_ROWS], (batch[0] + batch[1]) / (count[0] + count[1]), 1e-6, 1e-7, "one batch: the mean over valid steps");
  CHECK(sums[SN_SUM_CORRECT] == correct && sums[SN_SUM_ACC_COUNT] == valid_n, "accuracy counts the valid steps: %g of %g", sums[SN_SUM_CORRECT], sums[SN_SUM_ACC_COUNT]);
  CHECK(sums[SN_SUM_ELEMENTS] == valid_n * CLASSES, "the errors too");
  CHECK(sn_model_evaluate(m, x, labels, 5, 3, sums), "evaluate in batches of 3 and 2 (the second with no valid step but one)");
  CHECK(count[1] == 3, "the second batch's valid steps");
  CHECK_CLOSE(sums[SN_SUM_LOSS] / sums[SN_SUM_ROWS], (3 * batch[0] / count[0] + 2 * batch[1] / count[1]) / 5, 1e-6, 1e-7,
              "batches: their means weighted by their rows, Keras' epoch loss");
  /* A batch without a valid step: loss 0 and no gradient. */
  float none[2 * 7 * 3] = {0};
  double loss;
  CHECK(sn_model_compute_gradients(m, none, labels, 2, &loss) && loss == 0.0, "no valid step: loss %g", loss);
  int zero = 1;
  for (long i = 0; i < m->n_params; i++) zero &= m->grads[i] == 0.0f;
  CHECK(zero, "no valid step: no gradient");
  sn_model_free(m);
}

/* ---- Masking, merges, pooling ------------------------------------------------------------------------ */

static void masking_merge_pooling(void) {
  enum { N = 3, S = 4, C = 2 };
  /* Two inputs, each masked (value 0.5 and 0), added: the OR of their masks; pooled over it. */
  sn_model *m = sn_model_create_graph(1);
  int a = sn_model_add_input(m, 1, S, C), b = sn_model_add_input(m, 1, S, C);
  sn_model_set_inputs(m, &a, 1);
  int ma = sn_model_add_masking(m, 0.5f);
  sn_model_set_inputs(m, &b, 1);
  int mb = sn_model_add_masking(m, 0.0f);
  int both[2] = {sn_model_node_value(m, ma), sn_model_node_value(m, mb)};
  sn_model_set_inputs(m, both, 2);
  int add = sn_model_add_merge(m, SN_MERGE_ADD);
  CHECK(sn_model_set_mask(m, sn_model_node_value(m, add), add), "the merge makes the OR");
  int pool = sn_model_add_global_pool(m, 0);
  int outs[2] = {sn_model_node_value(m, pool), sn_model_node_value(m, add)};
  CHECK(pool == 3 && sn_model_set_outputs(m, outs, 2) && sn_model_build(m), "build");
  enum { W = C + S * C }; /* a row of predictions: the pooled vector, then the sum */
  /* x holds both inputs side by side: input a's rows then input b's, per row. */
  float xa[N * S * C], xb[N * S * C], x[N * 2 * S * C], y[N * W];
  fill(xa, N * S * C, 1, -1, 1), fill(xb, N * S * C, 2, -1, 1);
  const int masked_a[N][S] = {{1, 0, 0, 1}, {0, 0, 0, 0}, {1, 1, 1, 1}}, masked_b[N][S] = {{1, 1, 0, 0}, {0, 0, 0, 0}, {1, 1, 1, 1}};
  for (int r = 0; r < N; r++)
    for (int s = 0; s < S; s++)
      for (int c = 0; c < C; c++) {
        if (masked_a[r][s]) xa[(r * S + s) * C + c] = 0.5f;
        if (masked_b[r][s]) xb[(r * S + s) * C + c] = 0.0f;
      }
  xa[(1 * S + 2) * C] = 0.5f; /* one value at the mask value does not mask a step */
  for (int r = 0; r < N; r++) {
    memcpy(x + r * 2 * S * C, xa + r * S * C, sizeof(float) * S * C);
    memcpy(x + r * 2 * S * C + S * C, xb + r * S * C, sizeof(float) * S * C);
  }
  CHECK(sn_model_predict(m, x, N, N, y), "predict");
  const float *ka = m->layers[ma].keras_mask, *kb = m->layers[mb].keras_mask, *kor = m->layers[add].keras_mask;
  for (int r = 0; r < N; r++) {
    double sum[C] = {0};
    int count = 0;
    for (int s = 0; s < S; s++) {
      int i = r * S + s, va = !masked_a[r][s], vb = !masked_b[r][s];
      CHECK(ka[i] == va && kb[i] == vb && kor[i] == (va || vb), "row %d step %d: the masks and their OR", r, s);
      for (int c = 0; c < C; c++) {
        double v = (va ? xa[i * C + c] : 0.0) + (vb ? xb[i * C + c] : 0.0); /* Masking outputs zeros where it masks */
        CHECK_CLOSE(y[r * W + C + s * C + c], v, 1e-6, 1e-7, "row %d step %d: the sum of what the Masking layers output", r, s);
        if (va || vb) sum[c] += v;
      }
      count += va || vb;
    }
    for (int c = 0; c < C; c++)
      CHECK_CLOSE(y[r * W + c], count ? sum[c] / count : 0.0, 1e-6, 1e-7, "row %d: pooled over the valid steps (%d)", r, count);
  }
  sn_model_free(m);
}

/* ---- workspace: masks persist ------------------------------------------------------------------------ */

static double masked_loss(int sharing, int train) {
  enum { N = 6, S = 5, V = 7 };
  sn_workspace_sharing = sharing;
  sn_model *m = sn_model_create_hwc(1, 1, S, 3);
  sn_model_add_embedding(m, V, 4);
  add_rnn(m, &(rnn_spec){LSTM, 5, 1, 0, 1});
  sn_model_add_dense_axis(m, 6, SN_ACT_RELU, 0, 1, 1);
  sn_model_add_dense_axis(m, CLASSES, SN_ACT_SOFTMAX, 0, 1, 1);
  sn_model_set_mask(m, sn_model_node_value(m, 0), 0);
  for (int v = 1; v <= 3; v++) sn_model_set_mask(m, sn_model_node_value(m, v), 0);
  sn_model_build(m);
  float hp[4] = {0.1f, 0, 0, 0};
  sn_model_compile(m, SN_LOSS_SCCE, 0, 1, 1, sn_opt_create(SN_OPT_SGD, (int)m->n_params, hp, 4));
  float ids[N * S], labels[N * S];
  for (int i = 0; i < N * S; i++) ids[i] = (float)((i * 3) % V) * (i % 4 != 1), labels[i] = (float)(i % CLASSES);
  double loss, sums[SN_SUM_COUNT];
  if (train) sn_model_compute_gradients(m, ids, labels, N, &loss);
  else sn_model_evaluate(m, ids, labels, N, N, sums), loss = sums[SN_SUM_LOSS] / sums[SN_SUM_ROWS];
  sn_model_free(m);
  sn_workspace_sharing = 1;
  return loss;
}

static void persistence(void) {
  double a = masked_loss(1, 0), b = masked_loss(0, 0), c = masked_loss(1, 1), d = masked_loss(0, 1);
  CHECK(a == b && c == d && a == c, "a mask read by the loss three nodes later: the same loss in every layout (%g %g %g %g)", a, b, c, d);
}

/* ---- refusals ---------------------------------------------------------------------------------------- */

static void refusals(void) {
  sn_model *m = sn_model_create_hwc(1, 1, 4, 1);
  int e = sn_model_add_embedding(m, 5, 3);              /* node 0: {1, 4, 3} */
  int d = sn_model_add_dense_axis(m, 2, 0, 0, 1, 1);    /* node 1: {1, 4, 2} */
  int f = sn_model_add_reshape(m, 1, 1, 8);             /* node 2: {1, 1, 8} */
  CHECK(e == 0 && d == 1 && f == 2, "the model");
  CHECK(!sn_model_set_mask(m, sn_model_node_value(m, 1), 0), "the embedding has not been given its own mask yet");
  CHECK(!sn_model_set_mask(m, sn_model_node_value(m, 1), 1), "a dense cannot make a mask");
  CHECK(!sn_model_set_mask(m, 0, 0), "a model input carries no mask");
  CHECK(!sn_model_set_mask(m, sn_model_node_value(m, 0), 1), "an owner after the value");
  CHECK(!sn_model_set_mask(m, sn_model_node_value(m, 0), -1) && !sn_model_set_mask(m, 99, 0), "out of range");
  CHECK(sn_model_set_mask(m, sn_model_node_value(m, 0), 0) && sn_model_set_mask(m, sn_model_node_value(m, 1), 0), "mask_zero, passed on");
  CHECK(!sn_model_set_mask(m, sn_model_node_value(m, 2), 0), "4 positions do not mask a flattened value of 1");
  int k = sn_model_add_masking(m, 0.0f);
  CHECK(k == 3 && !sn_model_set_mask(m, sn_model_node_value(m, k), 0), "a masking node's value carries its own mask");
  CHECK(sn_model_build(m) && !sn_model_set_mask(m, sn_model_node_value(m, 1), 0), "not after build");
  sn_model_free(m);
  /* A merge with an unmasked input makes no mask. */
  m = sn_model_create_graph(2);
  int a = sn_model_add_input(m, 1, 3, 2), b = sn_model_add_input(m, 1, 3, 2);
  sn_model_set_inputs(m, &a, 1);
  int ma = sn_model_add_masking(m, 0.0f);
  sn_model_set_inputs(m, (int[]){sn_model_node_value(m, ma), b}, 2);
  int cat = sn_model_add_concatenate(m);
  CHECK(!sn_model_set_mask(m, sn_model_node_value(m, cat), cat), "a concatenate with an unmasked input");
  sn_model_free(m);
}

int main(void) {
  masked_steps();
  gradients();
  embedding_and_loss();
  masking_merge_pooling();
  persistence();
  refusals();
  return check_summary();
}
