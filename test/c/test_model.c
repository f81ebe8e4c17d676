/* The model and its training loop natively, so the sanitizers see every path the
 * wasm runs: build, fit epochs with validation, per-batch training, evaluate,
 * predict, gradients (checked by finite differences in double-checked float32),
 * regularization, every loss, determinism, and the non-finite guard. */
#include "check.h"
#include "kernels.h"
#include "model.h"
#include "gradcheck.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { IN = 5, HID = 7, OUT = 3, ROWS = 23 };

static float uniform(unsigned *state) {
  *state = *state * 1664525u + 1013904223u;
  return (float)(*state >> 8) / 16777216.0f * 2.0f - 1.0f;
}

static void fill(float *v, int n, unsigned seed) {
  for (int i = 0; i < n; i++) v[i] = uniform(&seed);
}

/* Targets for a loss: labels for sparse, one-hot rows for the cross-entropies, values otherwise. */
static void targets(int loss, float *t, int rows) {
  unsigned seed = 99;
  for (int r = 0; r < rows; r++) {
    int label = r % OUT;
    if (loss == SN_LOSS_SCCE) { t[r] = (float)label; continue; }
    for (int j = 0; j < OUT; j++) {
      float onehot = (float)(j == label), value = uniform(&seed);
      t[r * OUT + j] = (loss == SN_LOSS_CCE || loss == SN_LOSS_BCE) ? onehot : value;
    }
  }
}

static sn_model *make_model(int hidden_act, int out_act, int loss, unsigned seed) {
  sn_model *m = sn_model_create(IN, seed);
  sn_model_add_dense(m, HID, hidden_act, 0.1f, 1);
  sn_model_add_dense(m, OUT, out_act, 0.0f, 1);
  sn_model_set_regularizer(m, 0, SN_KERNEL, 0.01f, 0.02f);
  sn_model_set_regularizer(m, 1, SN_BIAS, 0.0f, 0.05f);
  sn_model_build(m);
  float hp[4] = {0.01f, 0.9f, 0.999f, 1e-7f};
  sn_model_compile(m, loss, 0, 2.0f, 3.0f, sn_opt_create(SN_OPT_ADAM, (int)m->n_params, hp, 4));
  return m;
}

/* Every parameter's gradient against a central difference of the loss. */
static void check_gradients(int hidden_act, int out_act, int loss, const char *what) {
  sn_model *m = make_model(hidden_act, out_act, loss, 3);
  float x[ROWS * IN], t[ROWS * OUT];
  fill(x, ROWS * IN, 17);
  targets(loss, t, ROWS);
  check_model_gradients(m, x, t, ROWS, what);
  sn_model_free(m);
}

static void check_all_gradients(void) {
  check_gradients(SN_ACT_TANH, SN_ACT_SOFTMAX, SN_LOSS_CCE, "tanh + fused softmax CCE");
  check_gradients(SN_ACT_SIGMOID, SN_ACT_SOFTMAX, SN_LOSS_SCCE, "sigmoid + fused softmax SCCE");
  check_gradients(SN_ACT_LEAKY_RELU, SN_ACT_SIGMOID, SN_LOSS_BCE, "leaky relu + fused sigmoid BCE");
  check_gradients(SN_ACT_TANH, SN_ACT_SOFTMAX, SN_LOSS_MSE, "softmax Jacobian with MSE");
  check_gradients(SN_ACT_SIGMOID, SN_ACT_LINEAR, SN_LOSS_MAE, "linear MAE");
  check_gradients(SN_ACT_TANH, SN_ACT_TANH, SN_LOSS_ASYMMETRIC, "tanh asymmetric");
}

/* fit_epoch in one call equals shuffle + per-batch calls + evaluate, bit for bit. */
static void check_epoch_paths_agree(void) {
  enum { N = 61, NV = 9, BATCH = 8 };
  float x[(N + NV) * IN], t[(N + NV) * OUT];
  fill(x, (N + NV) * IN, 5);
  targets(SN_LOSS_CCE, t, N + NV);
  sn_model *a = make_model(SN_ACT_RELU, SN_ACT_SOFTMAX, SN_LOSS_CCE, 11);
  sn_model *b = make_model(SN_ACT_RELU, SN_ACT_SOFTMAX, SN_LOSS_CCE, 11);
  double va[SN_SUM_COUNT], vb[SN_SUM_COUNT];
  const float *vx = x + N * IN, *vt = t + N * OUT;
  for (int epoch = 0; epoch < 3; epoch++) {
    CHECK(sn_model_fit_epoch(a, x, t, N, BATCH, 1, vx, vt, NV, va) == 1, "fit_epoch status");
    sn_model_shuffle(b, N, 1);
    sn_model_reset_sums(b);
    for (int batch = 0; batch < (N + BATCH - 1) / BATCH; batch++)
      CHECK(sn_model_train_batches(b, x, t, N, BATCH, batch, batch + 1) == 1, "train_batches status");
    sn_model_evaluate(b, vx, vt, NV, BATCH, vb);
  }
  CHECK(memcmp(a->params, b->params, a->n_params * sizeof(float)) == 0, "weights differ between the two paths");
  CHECK(memcmp(a->sums, b->sums, SN_SUM_COUNT * sizeof *a->sums) == 0, "training sums differ");
  CHECK(memcmp(va, vb, sizeof va) == 0, "validation sums differ");
  CHECK(a->sums[SN_SUM_ROWS] == N && va[SN_SUM_ROWS] == NV, "rows counted: %g, %g", a->sums[SN_SUM_ROWS], va[SN_SUM_ROWS]);
  sn_model_free(a);
  sn_model_free(b);
}

/* predict in chunks equals one forward pass; training lowers the loss. */
static void check_predict_and_learning(void) {
  enum { N = 40 };
  float x[N * IN], t[N * OUT], out1[N * OUT], out2[N * OUT];
  fill(x, N * IN, 8);
  targets(SN_LOSS_CCE, t, N);
  sn_model *m = make_model(SN_ACT_RELU, SN_ACT_SOFTMAX, SN_LOSS_CCE, 4);
  CHECK(sn_model_predict(m, x, N, 7, out1) && sn_model_predict(m, x, N, N, out2), "predict status");
  CHECK(memcmp(out1, out2, sizeof out1) == 0, "chunked predict differs from one pass");
  double before[SN_SUM_COUNT], after[SN_SUM_COUNT];
  sn_model_evaluate(m, x, t, N, 16, before);
  for (int epoch = 0; epoch < 50; epoch++) sn_model_fit_epoch(m, x, t, N, 10, 1, NULL, NULL, 0, NULL);
  sn_model_evaluate(m, x, t, N, 16, after);
  CHECK(after[SN_SUM_LOSS] < 0.8 * before[SN_SUM_LOSS], "loss %g -> %g", before[SN_SUM_LOSS] / N, after[SN_SUM_LOSS] / N);
  CHECK(after[SN_SUM_CORRECT] > before[SN_SUM_CORRECT], "accuracy did not improve");
  sn_model_free(m);
}

/* A batch whose loss is not finite stops training and leaves the weights untouched. */
static void check_non_finite_guard(void) {
  float x[ROWS * IN], t[ROWS * OUT];
  fill(x, ROWS * IN, 2);
  targets(SN_LOSS_MSE, t, ROWS);
  t[4] = INFINITY;
  sn_model *m = make_model(SN_ACT_RELU, SN_ACT_LINEAR, SN_LOSS_MSE, 1);
  float *before = malloc(m->n_params * sizeof(float));
  memcpy(before, m->params, m->n_params * sizeof(float));
  CHECK(sn_model_fit_epoch(m, x, t, ROWS, 5, 0, NULL, NULL, 0, NULL) == 0, "fit_epoch reports the non-finite loss");
  CHECK(memcmp(before, m->params, m->n_params * sizeof(float)) == 0, "the first batch has the Inf: no update");
  free(before);
  sn_model_free(m);
}

int main(void) {
  check_all_gradients();
  check_epoch_paths_agree();
  check_predict_and_learning();
  check_non_finite_guard();
  return check_summary();
}
