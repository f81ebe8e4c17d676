/* Graphs natively (under ASan/UBSan too): residual connections, every merge,
 * concatenation, two inputs and two weighted outputs, a shared layer, frozen
 * layers (a frozen batch norm in inference mode), an activity regularizer on an
 * output that also feeds a node, 300 nodes; every gradient against finite
 * differences (gradcheck.h), and bad graphs refused with the model unchanged. */
#include "check.h"
#include "kernels.h"
#include "model.h"
#include "workspace.h"
#include "gradcheck.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { ROWS = 9 };
enum { ADD = SN_MERGE_ADD, SUBTRACT = SN_MERGE_SUBTRACT, MAXIMUM = SN_MERGE_MAXIMUM, MINIMUM = SN_MERGE_MINIMUM };

static void fill(float *v, int n, unsigned seed) {
  for (int i = 0; i < n; i++) {
    seed = seed * 1664525u + 1013904223u;
    v[i] = (float)(seed >> 8) / 16777216.0f * 2.0f - 1.0f;
  }
}

/* One-hot rows of width n for `rows` rows. */
static void onehot(float *t, int rows, int n) {
  for (int r = 0; r < rows; r++)
    for (int j = 0; j < n; j++) t[r * n + j] = (float)(j == (r * 7 + 3) % n);
}

static void compile(sn_model *m, int loss) {
  CHECK(sn_model_build(m), "build");
  float hp[4] = {0.05f, 0.9f, 0.999f, 1e-7f};
  CHECK(sn_model_compile(m, loss, 0, 0, 0, sn_opt_create(SN_OPT_ADAM, (int)m->n_params, hp, 4)), "compile");
}

static int input(sn_model *m, int v) { return sn_model_set_inputs(m, &v, 1); }
static int inputs2(sn_model *m, int a, int b) { return sn_model_set_inputs(m, (int[]){a, b}, 2); }
static int value(sn_model *m, int node) { return sn_model_node_value(m, node); }

/* x → a = dense(8, tanh) → b = dense(8, tanh); add(a, b) → dense(3, softmax). */
static void residual(void) {
  sn_model *m = sn_model_create(6, 11);
  int a = sn_model_add_dense(m, 8, SN_ACT_TANH, 0, 1);
  int b = sn_model_add_dense(m, 8, SN_ACT_TANH, 0, 1);
  inputs2(m, value(m, a), value(m, b));
  sn_model_add_merge(m, ADD);
  sn_model_add_dense(m, 3, SN_ACT_SOFTMAX, 0, 1);
  compile(m, SN_LOSS_CCE);
  float x[ROWS * 6], t[ROWS * 3];
  fill(x, ROWS * 6, 1);
  onehot(t, ROWS, 3);
  check_model_gradients(m, x, t, ROWS, "residual add");
  CHECK(sn_model_pool_size(m) == 3, "a residual holds three gradients at once, got %d", sn_model_pool_size(m));
  sn_model_free(m);
}

/* Three branches of one input merged by op (subtract: two). */
static void merge(int op, const char *what) {
  sn_model *m = sn_model_create(5, 5 + op);
  int a = sn_model_add_dense(m, 4, SN_ACT_TANH, 0, 1);
  input(m, 0);
  int b = sn_model_add_dense(m, 4, SN_ACT_SIGMOID, 0, 1);
  input(m, 0);
  int c = sn_model_add_dense(m, 4, SN_ACT_LINEAR, 0, 1);
  int n = op == SUBTRACT ? 2 : 3;
  sn_model_set_inputs(m, (int[]){value(m, a), value(m, b), value(m, c)}, n);
  CHECK(sn_model_add_merge(m, op) >= 0, "%s builds", what);
  sn_model_add_dense(m, 2, SN_ACT_LINEAR, 0, 1);
  compile(m, SN_LOSS_MSE);
  float x[ROWS * 5], t[ROWS * 2];
  fill(x, ROWS * 5, 2);
  fill(t, ROWS * 2, 3);
  check_model_gradients(m, x, t, ROWS, what);
  sn_model_free(m);
}

/* Dot of two branches of one input, reshaped to [w, c] samples, contracted
 * along ax0 and ax1, then a dense head; with normalize, cosines. */
static void dot(int w0, int c0, int w1, int c1, int ax0, int ax1, int normalize, const char *what) {
  sn_model *m = sn_model_create(5, 21);
  sn_model_add_dense(m, w0 * c0, SN_ACT_TANH, 0, 1);
  int a = sn_model_add_reshape(m, 1, w0, c0);
  input(m, 0);
  sn_model_add_dense(m, w1 * c1, SN_ACT_SIGMOID, 0, 1);
  int b = sn_model_add_reshape(m, 1, w1, c1);
  inputs2(m, value(m, a), value(m, b));
  int d = sn_model_add_dot(m, ax0, ax1, normalize);
  CHECK(d >= 0, "%s builds", what);
  sn_model_add_reshape(m, 1, 1, (int)sn_shape_size(m->layers[d].out));
  sn_model_add_dense(m, 2, SN_ACT_LINEAR, 0, 1);
  compile(m, SN_LOSS_MSE);
  float x[ROWS * 5], t[ROWS * 2];
  fill(x, ROWS * 5, 22);
  fill(t, ROWS * 2, 23);
  check_model_gradients(m, x, t, ROWS, what);
  sn_model_free(m);
}

/* Two inputs (a vector and a 2×2×1 image), concatenated; two outputs with
 * weights; predict's and the targets' columns side by side. */
static void two_inputs_two_outputs(void) {
  sn_model *m = sn_model_create_graph(3);
  int x1 = sn_model_add_input(m, 1, 1, 3), x2 = sn_model_add_input(m, 2, 2, 1);
  CHECK(x1 == 0 && x2 == 1 && m->input_dim == 7, "inputs side by side");
  input(m, x1);
  int d = sn_model_add_dense(m, 5, SN_ACT_RELU, 0, 1);
  input(m, x2);
  int r = sn_model_add_reshape(m, 1, 1, 4);
  inputs2(m, value(m, d), value(m, r));
  int cat = sn_model_add_concatenate(m);
  CHECK(cat >= 0 && m->layers[cat].out.c == 9, "concatenate: 5 + 4 channels");
  int o1 = sn_model_add_dense(m, 3, SN_ACT_SOFTMAX, 0, 1);
  input(m, value(m, cat));
  int o2 = sn_model_add_dense(m, 2, SN_ACT_LINEAR, 0, 1);
  CHECK(sn_model_set_outputs(m, (int[]){value(m, o1), value(m, o2)}, 2), "two outputs");
  compile(m, SN_LOSS_CCE);
  CHECK(sn_model_set_loss(m, 1, SN_LOSS_MSE, 0, 0, 0, 2.0f), "second loss");
  CHECK(sn_model_set_loss(m, 0, SN_LOSS_CCE, 0, 0, 0, 0.7f), "first weight");
  CHECK(sn_model_output_dim(m) == 5 && sn_model_target_dim(m) == 5, "output columns");
  float x[ROWS * 7], t[ROWS * 5], cce[ROWS * 3], out[ROWS * 5];
  fill(x, ROWS * 7, 4);
  onehot(cce, ROWS, 3);
  fill(t, ROWS * 5, 5);
  for (int i = 0; i < ROWS; i++) memcpy(t + i * 5, cce + i * 3, 3 * sizeof(float));
  check_model_gradients(m, x, t, ROWS, "two inputs, two weighted outputs");
  /* The total is the weighted sum of the two losses. */
  double sums[2 * SN_SUM_COUNT], total;
  sn_model_evaluate(m, x, t, ROWS, 4, sums);
  sn_model_compute_gradients(m, x, t, ROWS, &total);
  double l0 = sums[SN_SUM_LOSS] / ROWS, l1 = sums[SN_SUM_COUNT + SN_SUM_LOSS] / ROWS;
  CHECK_CLOSE(total, 0.7 * l0 + 2.0 * l1, 1e-5, 1e-6, "weighted total %g vs %g·0.7 + %g·2", total, l0, l1);
  CHECK(sums[SN_SUM_ROWS] == ROWS && sums[SN_SUM_COUNT + SN_SUM_ROWS] == ROWS, "rows per output");
  /* predict: each row holds output 0's 3 columns, then output 1's 2. */
  sn_model_predict(m, x, ROWS, 4, out);
  for (int i = 0; i < ROWS; i++) {
    double s = out[i * 5] + out[i * 5 + 1] + out[i * 5 + 2];
    CHECK_CLOSE(s, 1.0, 1e-5, 1e-6, "row %d: the softmax output first", i);
  }
  /* Shuffled training gathers each input's and output's columns. */
  sn_model_shuffle(m, ROWS, 1);
  CHECK(sn_model_train_batches(m, x, t, ROWS, 4, 0, 3) == 3, "trains");
  sn_model_free(m);
}

/* One dense layer applied twice: y1 = s(x), y2 = s(y1), add(y1, y2). */
static void shared(void) {
  sn_model *m = sn_model_create(4, 8);
  int s = sn_model_add_dense(m, 4, SN_ACT_TANH, 0, 1);
  sn_model_share(m, s);
  int s2 = sn_model_add_dense(m, 4, SN_ACT_TANH, 0, 1);
  inputs2(m, value(m, s), value(m, s2));
  sn_model_add_merge(m, ADD);
  sn_model_add_dense(m, 2, SN_ACT_LINEAR, 0, 1);
  compile(m, SN_LOSS_MSE);
  CHECK(m->n_params == 4 * 4 + 4 + 4 * 2 + 2, "the shared layer's weights count once: %ld", m->n_params);
  CHECK(m->layers[s2].t[SN_KERNEL].w == m->layers[s].t[SN_KERNEL].w, "the second node reads the first's weights");
  float x[ROWS * 4], t[ROWS * 2];
  fill(x, ROWS * 4, 6);
  fill(t, ROWS * 2, 7);
  check_model_gradients(m, x, t, ROWS, "shared dense");
  sn_model_free(m);
  /* A layer shared with weights of another size is refused. */
  m = sn_model_create(4, 8);
  s = sn_model_add_dense(m, 3, SN_ACT_TANH, 0, 1);
  sn_model_share(m, s);
  CHECK(sn_model_add_dense(m, 3, SN_ACT_TANH, 0, 1) == -1 && m->n_layers == 1, "sharing across sizes refused");
  sn_model_free(m);
}

/* Freezing: a frozen dense's weights never change, a frozen batch norm is an
 * affine map of its moving statistics; gradients through both still flow. */
static void frozen(void) {
  sn_model *m = sn_model_create(5, 9);
  int d0 = sn_model_add_dense(m, 6, SN_ACT_TANH, 0, 1);
  int bn = sn_model_add_batch_norm(m, 0.9, 1e-3, 1, 1);
  int d1 = sn_model_add_dense(m, 6, SN_ACT_TANH, 0, 1);
  sn_model_add_dense(m, 3, SN_ACT_SOFTMAX, 0, 1);
  compile(m, SN_LOSS_CCE);
  long all = m->n_params;
  /* Moving statistics away from 0 and 1, then frozen. */
  float *mm = m->layers[bn].t[SN_MOVING_MEAN].w, *mv = m->layers[bn].t[SN_MOVING_VARIANCE].w;
  for (int j = 0; j < 6; j++) mm[j] = 0.1f * j - 0.2f, mv[j] = 0.5f + 0.3f * j;
  m->layers[bn].t[SN_GAMMA].w[2] = 1.5f;
  CHECK(sn_model_set_trainable(m, bn, 0) && sn_model_set_trainable(m, d1, 0), "freeze");
  CHECK(m->n_params == all - 12 - 42 && m->opt == NULL, "frozen weights leave the parameters; the optimizer is dropped");
  CHECK(m->layers[bn].t[SN_MOVING_MEAN].w[0] == -0.2f && m->layers[bn].t[SN_GAMMA].w[2] == 1.5f, "values kept");
  float hp[4] = {0.05f, 0.9f, 0.999f, 1e-7f};
  CHECK(sn_model_compile(m, SN_LOSS_CCE, 0, 0, 0, sn_opt_create(SN_OPT_ADAM, (int)m->n_params, hp, 4)), "compile again");
  float x[ROWS * 5], t[ROWS * 3];
  fill(x, ROWS * 5, 10);
  onehot(t, ROWS, 3);
  check_model_gradients(m, x, t, ROWS, "through a frozen batch norm and dense");
  float before_d1[42], before_d0[30];
  memcpy(before_d1, m->layers[d1].t[SN_KERNEL].w, sizeof before_d1);
  memcpy(before_d0, m->layers[d0].t[SN_KERNEL].w, sizeof before_d0);
  sn_model_shuffle(m, ROWS, 1);
  CHECK(sn_model_train_batches(m, x, t, ROWS, 4, 0, 3) == 3, "trains");
  CHECK(memcmp(before_d1, m->layers[d1].t[SN_KERNEL].w, sizeof before_d1) == 0, "a frozen dense keeps its weights");
  CHECK(memcmp(before_d0, m->layers[d0].t[SN_KERNEL].w, sizeof before_d0) != 0, "the layer below learns");
  const sn_tensor *T = m->layers[bn].t;
  CHECK(T[SN_MOVING_MEAN].w[0] == -0.2f && T[SN_MOVING_VARIANCE].w[5] == 0.5f + 0.3f * 5,
        "a frozen batch norm keeps its moving statistics");
  /* In training, the frozen batch norm normalizes with the moving statistics. */
  m->training = 1;
  sn_model_forward(m, ROWS, (const float *const[]){x});
  m->training = 0;
  const float *in = m->layers[d0].y, *y = m->layers[bn].y;
  for (int r = 0; r < ROWS; r++)
    for (int j = 0; j < 6; j++) {
      double want = T[SN_GAMMA].w[j] * (in[r * 6 + j] - T[SN_MOVING_MEAN].w[j]) / sqrt(T[SN_MOVING_VARIANCE].w[j] + 1e-3) + T[SN_BETA].w[j];
      CHECK_CLOSE(y[r * 6 + j], want, 1e-5, 1e-6, "inference mode in training at [%d][%d]", r, j);
    }
  /* Unfrozen again: back in the parameters, values kept. */
  CHECK(sn_model_set_trainable(m, d1, 1) && m->n_params == all - 12, "unfreeze");
  CHECK(memcmp(before_d1, m->layers[d1].t[SN_KERNEL].w, sizeof before_d1) == 0, "unfrozen weights kept");
  sn_model_free(m);
}

/* An output that also feeds another node and has an activity regularizer. */
static void output_feeds(void) {
  sn_model *m = sn_model_create(4, 12);
  int a = sn_model_add_dense(m, 3, SN_ACT_TANH, 0, 1);
  sn_model_set_activity_regularizer(m, a, 0.01f, 0.02f);
  int b = sn_model_add_dense(m, 2, SN_ACT_SIGMOID, 0, 1);
  sn_model_set_outputs(m, (int[]){value(m, a), value(m, b)}, 2);
  compile(m, SN_LOSS_MSE);
  float x[ROWS * 4], t[ROWS * 5];
  fill(x, ROWS * 4, 13);
  fill(t, ROWS * 5, 14);
  check_model_gradients(m, x, t, ROWS, "an output that feeds a node");
  sn_model_free(m);
}

/* 300 nodes: no cap, and a chain holds two gradients at a time. */
static void long_chain(void) {
  sn_model *m = sn_model_create(4, 15);
  for (int i = 0; i < 300; i++) CHECK(sn_model_add_dense(m, 4, SN_ACT_TANH, 0, 1) == i, "node %d", i);
  compile(m, SN_LOSS_MSE);
  CHECK(m->n_layers == 300 && sn_model_pool_size(m) == 2, "300 nodes, pool of %d", sn_model_pool_size(m));
  float x[ROWS * 4], t[ROWS * 4];
  fill(x, ROWS * 4, 16);
  fill(t, ROWS * 4, 17);
  sn_model_shuffle(m, ROWS, 0);
  CHECK(sn_model_train_batches(m, x, t, ROWS, ROWS, 0, 1) == 1, "trains");
  sn_model_free(m);
}

static void refused(void) {
  sn_model *m = sn_model_create(4, 1);
  int a = sn_model_add_dense(m, 3, SN_ACT_TANH, 0, 1);
  int b = sn_model_add_dense(m, 2, SN_ACT_TANH, 0, 1);
  inputs2(m, value(m, a), value(m, b));
  CHECK(sn_model_add_merge(m, ADD) == -1 && m->n_layers == 2, "add of 3 and 2 refused");
  sn_model_set_inputs(m, (int[]){value(m, a), value(m, a), value(m, a)}, 3);
  CHECK(sn_model_add_merge(m, SUBTRACT) == -1, "subtract of three refused");
  CHECK(!sn_model_set_inputs(m, (int[]){5}, 1), "a value not made yet refused");
  CHECK(sn_model_add_concatenate(m) == -1, "concatenate of one refused");
  inputs2(m, value(m, a), value(m, b));
  CHECK(sn_model_add_dot(m, 1, 1, 0) == -1, "dot of 3 and 2 values refused");
  CHECK(!sn_model_set_outputs(m, (int[]){value(m, b), value(m, b)}, 2), "an output twice refused");
  CHECK(!sn_model_set_outputs(m, (int[]){0}, 1), "an input as output refused");
  input(m, value(m, a));
  CHECK(sn_model_add_merge(m, ADD) == -1, "a merge of one input refused");
  CHECK(m->n_layers == 2, "nothing was added");
  compile(m, SN_LOSS_MSE);
  sn_model_free(m);
}

int main(void) {
  residual();
  const char *names[] = {"add", "subtract", "multiply", "average", "maximum", "minimum"};
  for (int op = ADD; op <= MINIMUM; op++) merge(op, names[op]);
  dot(1, 4, 1, 4, 1, 1, 0, "dot of vectors");
  dot(1, 4, 1, 4, 1, 1, 1, "cosine of vectors");
  dot(3, 4, 5, 4, 1, 1, 0, "dot of matrices along c");
  dot(4, 3, 4, 2, 0, 0, 1, "cosine of matrices along w");
  dot(3, 4, 4, 2, 1, 0, 0, "matrix product");
  dot(1, 4, 3, 4, 1, 1, 1, "vector · matrix, normalized");
  two_inputs_two_outputs();
  shared();
  frozen();
  output_feeds();
  long_chain();
  refused();
  return check_summary();
}
