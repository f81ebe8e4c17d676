/* Generation natively (graph.c: sn_model_forward_window; model.h), so the sanitizers see every path:
 *   - windows [0, 3), [3, 4), [4, 7) of a model of every positionwise kind on token ids (embedding with
 *     mask_zero, dense on the last axis with a batch norm folded in, an activation layer, a residual add, dropout
 *     as a view, layer norm, concatenate, a softmax output) give what one forward pass over the whole row
 *     gives: outputs and logits, every node's value and the merges' Keras masks; so do [0, 7) and a new prompt;
 *   - the same with the workspace planned without sharing for predict (the cache's layout keeps every value
 *     anyway), and after a predict in between (which the next window must start anew from);
 *   - refusals: a recurrent layer (SN_WINDOW_KIND, the node named), a flattening dense (SN_WINDOW_SHAPE),
 *     ids [T, 1] (the embedding's output has no time axis), windows out of range, a window after another pass
 *     over the workspace (the cache is gone), training.
 * Why the comparison allows 1e-6: the window's products have fewer rows than the whole row's, and the packed
 * GEMM (gemm.c) may take other tiles for them (native -O3 may contract a tile's multiply-add into an FMA); each
 * value is still the same dot product in the same order, so in practice they agree bit for bit, and the test
 * counts the values that differ at all to say so. */
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

enum { T = 7, V = 11, D = 6 };

static int differing; /* values not bit for bit equal, over the whole test */

/* ids → embedding(mask_zero) → dense(8) + batch norm (folded) → tanh → dense(D, relu) → add(embedding) → dropout
 * → layer norm → concatenate(embedding) → dense(V, softmax). */
static sn_model *gpt_like(void) {
  sn_model *m = sn_model_create_graph(3);
  int x = sn_model_add_input(m, 1, 1, T);
  int emb = sn_model_add_embedding(m, V, D);
  int ev = sn_model_node_value(m, emb);
  CHECK(sn_model_set_mask(m, ev, emb), "mask_zero");
  sn_model_add_dense_axis(m, 8, SN_ACT_LINEAR, 0, 1, 1);
  sn_model_add_batch_norm(m, 0.99, 1e-3, 1, 1);
  sn_model_add_activation(m, SN_ACT_TANH, 0, INFINITY, 0);
  int d2 = sn_model_add_dense_axis(m, D, SN_ACT_RELU, 0, 1, 1);
  for (int l = emb + 1; l <= d2; l++) sn_model_set_mask(m, sn_model_node_value(m, l), emb); /* Keras passes it on */
  sn_model_set_inputs(m, (int[]){ev, sn_model_node_value(m, d2)}, 2);
  int add = sn_model_add_merge(m, SN_MERGE_ADD);
  CHECK(sn_model_set_mask(m, sn_model_node_value(m, add), add), "the add's mask");
  sn_model_add_dropout(m, 0.3f, 1, 7);
  int ln = sn_model_add_layer_norm(m, 1e-3, 1, 1);
  sn_model_set_inputs(m, (int[]){sn_model_node_value(m, ln), ev}, 2);
  sn_model_add_concatenate(m);
  int out = sn_model_add_dense_axis(m, V, SN_ACT_SOFTMAX, 0, 1, 1);
  CHECK(out == 9 && x == 0, "the model's nodes (%d)", out);
  for (int l = 0; l < m->n_layers; l++) sn_model_set_initializer(m, l, SN_BIAS, SN_INIT_RANDOM_UNIFORM, -0.3f, 0.3f);
  CHECK(sn_model_build(m), "build");
  sn_layer *bn = &m->layers[2]; /* moving statistics other than 0 and 1, so that the fold shows */
  fill(bn->t[SN_MOVING_MEAN].w, 8, 11, -0.5f, 0.5f);
  fill(bn->t[SN_MOVING_VARIANCE].w, 8, 12, 0.5f, 2.0f);
  return m;
}

/* Every node's value (and each Keras mask) of one row after a full forward pass, positions [0, T), of a model
 * whose workspace shares nothing (else later nodes reuse earlier ones' buffers within the pass). */
typedef struct {
  float *y[16], *mask[16], *logits;
} snapshot;

static void take(const sn_model *m, snapshot *s) {
  for (int l = 0; l < m->n_layers; l++) {
    long n = sn_shape_size(m->values[m->n_inputs + l].shape);
    s->y[l] = malloc((size_t)n * sizeof(float));
    memcpy(s->y[l], m->values[m->n_inputs + l].y, (size_t)n * sizeof(float));
    s->mask[l] = NULL;
    if (m->layers[l].keras_mask) {
      s->mask[l] = malloc(T * sizeof(float));
      memcpy(s->mask[l], m->layers[l].keras_mask, T * sizeof(float));
    }
  }
  s->logits = malloc(T * V * sizeof(float));
  memcpy(s->logits, sn_model_output_logits(m, 0), T * V * sizeof(float));
}

static void drop(const sn_model *m, snapshot *s) {
  for (int l = 0; l < m->n_layers; l++) free(s->y[l]), free(s->mask[l]);
  free(s->logits);
}

static void same(const float *got, const float *want, long n, const char *what, int l, int t1) {
  for (long i = 0; i < n; i++) {
    differing += got[i] != want[i];
    if (!CHECK_CLOSE(got[i], want[i], 1e-6, 1e-6, "%s of node %d at %ld after the window ending at %d", what, l, i, t1)) return;
  }
}

/* Positions [0, t1) of every value, mask and the logits against the snapshot. */
static void compare(const sn_model *m, const snapshot *s, int t1) {
  for (int l = 0; l < m->n_layers; l++) {
    sn_shape sh = m->values[m->n_inputs + l].shape;
    same(m->values[m->n_inputs + l].y, s->y[l], (long)t1 * sh.c, "value", l, t1);
    if (s->mask[l]) same(m->layers[l].keras_mask, s->mask[l], t1, "mask", l, t1);
  }
  same(sn_model_output_logits(m, 0), s->logits, (long)t1 * V, "logits", m->n_layers - 1, t1);
}

static void full_pass(const float *ids, snapshot *s) {
  sn_workspace_sharing = 0;
  sn_model *m = gpt_like();
  float out[T * V];
  CHECK(sn_model_predict(m, ids, 1, 1, out), "predict");
  take(m, s);
  same(m->values[m->n_inputs + m->n_layers - 1].y, out, T * V, "predict's output", 9, T);
  sn_model_free(m);
}

/* sharing: how the model plans its workspace for predict (generation keeps every value either way). */
static void windows_match(int sharing) {
  float ids[T] = {3, 0, 7, 10, 1, 4, 9}, out[T * V];
  const float *xs[1] = {ids};
  snapshot full;
  full_pass(ids, &full);
  sn_workspace_sharing = sharing;
  sn_model *m = gpt_like();
  CHECK(sn_model_predict(m, ids, 1, 1, out), "predict");
  static const int W[][2] = {{0, 3}, {3, 4}, {4, 7}, {0, 7}, {0, 1}, {1, 2}, {2, 7}};
  for (size_t w = 0; w < sizeof W / sizeof W[0]; w++) {
    int got = sn_model_forward_window(m, xs, W[w][0], W[w][1]);
    if (!CHECK(got == 0, "window [%d, %d): %d (sharing %d)", W[w][0], W[w][1], got, sharing)) break;
    compare(m, &full, W[w][1]);
  }
  /* A prompt that differs from position 2 on: positions 0, 1 as before, the rest as a full pass over it says. */
  float other[T] = {3, 0, 5, 5, 2, 8, 6};
  const float *xo[1] = {other};
  snapshot again;
  full_pass(other, &again);
  sn_workspace_sharing = sharing;
  CHECK(sn_model_forward_window(m, xo, 0, 5) == 0 && sn_model_forward_window(m, xo, 5, 6) == 0, "a new prompt");
  compare(m, &again, 6);
  CHECK(sn_model_predict(m, other, 1, 1, out), "predict");
  CHECK(sn_model_forward_window(m, xo, 3, 4) == SN_WINDOW_RANGE, "predict ran in between: the cache is gone");
  CHECK(sn_model_forward_window(m, xo, 0, 3) == 0 && sn_model_forward_window(m, xo, 3, 6) == 0, "the windows again");
  compare(m, &again, 6);
  drop(m, &again);
  drop(m, &full);
  sn_model_free(m);
  sn_workspace_sharing = 1;
}

static void refusals(void) {
  float ids[T] = {1, 2, 3, 4, 5, 6, 7};
  const float *xs[1] = {ids};
  int why = 0;
  /* A recurrent layer depends on every earlier step through its state. */
  sn_model *m = sn_model_create_graph(1);
  sn_model_add_input(m, 1, 1, T);
  sn_model_add_embedding(m, V, D);
  int lstm = sn_model_add_lstm(m, 5, SN_ACT_TANH, 0, SN_ACT_SIGMOID, 0, 1, 1, 1, 0);
  sn_model_add_dense_axis(m, V, SN_ACT_LINEAR, 0, 1, 1);
  CHECK(sn_model_build(m), "build");
  CHECK(sn_model_window_check(m, &why) == lstm + 1 && why == SN_WINDOW_KIND, "the LSTM named (%d)", why);
  CHECK(sn_model_forward_window(m, xs, 0, 1) == lstm + 1, "no window through an LSTM");
  sn_model_free(m);
  /* A flattening dense: its output [units] has no time axis. */
  m = sn_model_create_graph(1);
  sn_model_add_input(m, 1, 1, T);
  sn_model_add_embedding(m, V, D);
  int flat = sn_model_add_dense(m, V, SN_ACT_LINEAR, 0, 1);
  CHECK(sn_model_build(m), "build");
  CHECK(sn_model_window_check(m, &why) == flat + 1 && why == SN_WINDOW_SHAPE, "the flattening dense named (%d)", why);
  sn_model_free(m);
  /* Ids [T, 1]: the embedding's output {T, 1, dim} has no time axis. */
  m = sn_model_create_graph(1);
  sn_model_add_input(m, 1, T, 1);
  int emb = sn_model_add_embedding(m, V, D);
  CHECK(sn_model_build(m), "build");
  CHECK(sn_model_window_check(m, &why) == emb + 1 && why == SN_WINDOW_SHAPE, "ids [T, 1] refused (%d)", why);
  sn_model_free(m);
  /* Windows out of range, and none while training. */
  m = gpt_like();
  CHECK(sn_model_window_check(m, &why) == 0, "the model of every positionwise kind can generate");
  CHECK(sn_model_forward_window(m, xs, 1, 2) == SN_WINDOW_RANGE, "nothing cached yet");
  CHECK(sn_model_forward_window(m, xs, 0, T + 1) == SN_WINDOW_RANGE, "past the context");
  CHECK(sn_model_forward_window(m, xs, 0, 0) == SN_WINDOW_RANGE, "an empty window");
  CHECK(sn_model_forward_window(m, xs, 0, 3) == 0, "a prompt");
  CHECK(sn_model_forward_window(m, xs, 4, 5) == SN_WINDOW_RANGE, "a gap after the cache");
  CHECK(sn_model_forward_window(m, xs, 3, 5) == 0 && sn_model_forward_window(m, xs, 2, 3) == 0, "within the cache");
  m->training = 1;
  CHECK(sn_model_forward_window(m, xs, 0, 1) == SN_WINDOW_TRAINING, "not while training");
  m->training = 0;
  CHECK(sn_model_output_logits(m, 1) == NULL && sn_model_output_logits(m, -1) == NULL, "no such output");
  sn_model_free(m);
}

int main(void) {
  windows_match(1);
  windows_match(0);
  refusals();
  printf("values not bit for bit equal to the full pass: %d\n", differing);
  return check_summary();
}
