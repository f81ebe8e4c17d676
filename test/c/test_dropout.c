/* Dropout and activity regularization in C: the masks (fraction kept, scale
 * 1/(1 − rate), reproducible from the seed), identity outside training, and
 * the gradients of a model with both against central differences of the loss
 * with the masks held fixed. */
#include "check.h"
#include "kernels.h"
#include "model.h"
#include "gradcheck.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { IN = 4, HID = 9, HID2 = 6, OUT = 3, ROWS = 17 };

static void fill(float *v, int n, unsigned seed) {
  for (int i = 0; i < n; i++) {
    seed = seed * 1664525u + 1013904223u;
    v[i] = (float)(seed >> 8) / 16777216.0f * 2.0f - 1.0f;
  }
}

/* Layers: dense 0, dropout 1, dense 2, dropout 3, dense 4. */
enum { D0 = 0, DROP0 = 1, D1 = 2, DROP1 = 3 };
static sn_model *make(float rate, float act_l1, float act_l2, unsigned seed) {
  sn_model *m = sn_model_create(IN, seed);
  sn_model_add_dense(m, HID, SN_ACT_TANH, 0.0f, 1);
  CHECK(sn_model_add_dropout(m, 1.0f, 0, 0) < 0 && sn_model_add_dropout(m, -0.1f, 0, 0) < 0, "rates outside [0, 1) refused");
  CHECK(sn_model_add_dropout(m, rate, 0, 0) == DROP0, "add dropout");
  sn_model_add_dense(m, HID2, SN_ACT_SIGMOID, 0.0f, 1);
  CHECK(sn_model_add_dropout(m, rate, 1, 1234) == DROP1, "add seeded dropout");
  sn_model_add_dense(m, OUT, SN_ACT_SOFTMAX, 0.0f, 1);
  CHECK(sn_model_set_activity_regularizer(m, D0, act_l1, act_l2), "set activity regularizer");
  CHECK(sn_model_set_activity_regularizer(m, D1, 0.0f, act_l2), "set activity regularizer");
  sn_model_build(m);
  CHECK(sn_model_add_dropout(m, 0.5f, 0, 0) < 0, "no layers added after build");
  float hp[4] = {0.01f, 0.9f, 0.999f, 1e-7f};
  sn_model_compile(m, SN_LOSS_CCE, 0, 1.0f, 1.0f, sn_opt_create(SN_OPT_ADAM, (int)m->n_params, hp, 4));
  return m;
}

static void targets(float *t) {
  for (int r = 0; r < ROWS; r++)
    for (int j = 0; j < OUT; j++) t[r * OUT + j] = (float)(j == r % OUT);
}

/* Masks over many rows: the kept fraction is 1 − rate within 4σ, every value
 * is 0 or 1/(1 − rate), and the same seed draws the same masks. */
static void check_masks(void) {
  enum { N = 4000 };
  const float rate = 0.3f;
  sn_model *a = make(rate, 0, 0, 5), *b = make(rate, 0, 0, 5);
  sn_model_reserve(a, N);
  sn_model_reserve(b, N);
  sn_model_draw_masks(a, N);
  sn_model_draw_masks(b, N);
  long n = (long)N * HID, kept = 0, odd = 0;
  for (long i = 0; i < n; i++) {
    float v = a->layers[DROP0].mask[i];
    kept += v != 0.0f;
    odd += v != 0.0f && v != 1.0f / (1.0f - rate);
  }
  double expect = (1.0 - rate) * n, sigma = sqrt(n * rate * (1.0 - rate));
  CHECK(fabs(kept - expect) < 4 * sigma, "kept %ld of %ld, expected %.0f ± %.0f", kept, n, expect, 4 * sigma);
  CHECK(odd == 0, "%ld mask values are neither 0 nor 1/(1 − rate)", odd);
  CHECK(memcmp(a->layers[DROP0].mask, b->layers[DROP0].mask, n * sizeof(float)) == 0, "the same seed draws the same masks");
  CHECK(memcmp(a->layers[DROP0].mask, a->layers[DROP1].mask, (size_t)N * HID2 * sizeof(float)) != 0, "layers draw different masks");
  sn_model_free(a);
  sn_model_free(b);
}

/* predict ignores dropout: the same weights without dropout predict the same. */
static void check_inference_identity(void) {
  float x[ROWS * IN], p1[ROWS * OUT], p2[ROWS * OUT];
  fill(x, ROWS * IN, 3);
  sn_model *a = make(0.5f, 0, 0, 9), *b = make(0.0f, 0, 0, 9);
  memcpy(b->params, a->params, a->n_params * sizeof(float));
  sn_model_predict(a, x, ROWS, 5, p1);
  sn_model_predict(b, x, ROWS, 5, p2);
  CHECK(memcmp(p1, p2, sizeof p1) == 0, "dropout changed predict");
  sn_model_free(a);
  sn_model_free(b);
}

static double loss_at(sn_model *m, const float *x, const float *t) {
  double loss;
  sn_model_compute_gradients(m, x, t, ROWS, &loss);
  return loss;
}

/* Every gradient against central differences, with fixed masks. */
static void check_gradients(float rate, float act_l1, float act_l2, const char *what) {
  sn_model *m = make(rate, act_l1, act_l2, 7);
  float x[ROWS * IN], t[ROWS * OUT];
  fill(x, ROWS * IN, 11);
  targets(t);
  check_model_gradients(m, x, t, ROWS, what);
  sn_model_free(m);
}

/* The activity penalty in the loss is l1·Σ|y| + l2·Σy² over the batch / rows. */
static void check_activity_penalty(void) {
  float x[ROWS * IN], t[ROWS * OUT];
  fill(x, ROWS * IN, 13);
  targets(t);
  sn_model *a = make(0.0f, 0.02f, 0.03f, 21), *b = make(0.0f, 0.0f, 0.0f, 21);
  double with = loss_at(a, x, t), without = loss_at(b, x, t), expect = 0.0;
  for (long i = 0; i < (long)ROWS * HID; i++) expect += 0.02 * fabs(a->layers[D0].y[i]) + 0.03 * a->layers[D0].y[i] * a->layers[D0].y[i];
  for (long i = 0; i < (long)ROWS * HID2; i++) expect += 0.03 * a->layers[D1].y[i] * a->layers[D1].y[i];
  CHECK_CLOSE(with - without, expect / ROWS, 1e-5, 1e-7, "activity penalty in the loss");
  double sums[SN_SUM_COUNT];
  sn_model_evaluate(a, x, t, ROWS, 5, sums);
  CHECK_CLOSE(sums[SN_SUM_REG_LOSS] / ROWS, expect / ROWS, 1e-5, 1e-7, "evaluate reports it per sample");
  sn_model_free(a);
  sn_model_free(b);
}

int main(void) {
  check_masks();
  check_inference_identity();
  check_gradients(0.4f, 0.0f, 0.0f, "dropout");
  check_gradients(0.0f, 0.01f, 0.05f, "activity regularizers");
  check_gradients(0.25f, 0.01f, 0.05f, "dropout and activity regularizers");
  check_activity_penalty();
  return check_summary();
}
