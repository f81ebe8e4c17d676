/* KerasHub's PositionEmbedding and TokenAndPositionEmbedding natively (so the
 * sanitizers see every path):
 *   - gradients against central differences (gradcheck.h): a position
 *     embedding on a sequence shorter than its table (the table's later rows
 *     get none) and on a sample of rank 3 (broadcast over its first axis); a
 *     token-and-position embedding with repeated ids, of rank 1 and 2 ids, with
 *     mask_zero into a GRU; and inside a graph beside the value it reads;
 *   - the forward pass by its definition (position rows broadcast, not added to
 *     the input; ids' rows plus position rows), weight names and shapes;
 *   - forward_window: windows [t0, t1) of one row give the full pass' values;
 *   - ids outside the table read zeros (position rows still added) and are
 *     reported; a sequence longer than the table is refused. */
#include "check.h"
#include "kernels.h"
#include "model.h"
#include "gradcheck.h"
#include "init.h"
#include "layer_models.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

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

static void check_name(sn_model *m, int l, int which, const char *name, int d0, int d1) {
  int info[SN_TINFO_COUNT];
  const char *got = sn_model_tensor_info(m, l, which, info);
  CHECK(got && strcmp(got, name) == 0 && info[SN_TINFO_RANK] == 2 && info[SN_TINFO_DIMS] == d0 && info[SN_TINFO_DIMS + 1] == d1,
        "tensor %d is %s [%d, %d], got %s [%d, %d]", which, name, d0, d1, got ? got : "none", info[SN_TINFO_DIMS], info[SN_TINFO_DIMS + 1]);
}

static void position_gradients(void) {
  enum { R = 3 };
  float x[R * 2 * 5 * 3];
  fill(x, R * 2 * 5 * 3, 3, -1, 1);
  /* [5, 3] features, table of 8 positions: rows 5 … 7 get no gradient (zero, as finite differences say). */
  sn_model *m = sn_model_create_hwc(1, 5, 3, 4);
  int p = sn_model_add_position_embedding(m, 8);
  CHECK(p == 0 && m->layers[p].out.w == 5 && m->layers[p].out.c == 3, "[5, 3] → [5, 3]");
  sn_model_set_regularizer(m, p, SN_KERNEL, 0.0f, 0.01f);
  gradients(finish(m), x, R, "position embedding 8 × 3 on 5 steps");
  /* A sample [2, 5, 3]: KerasHub's sequence axis is the one before the last, broadcast over the first. */
  m = sn_model_create_hwc(2, 5, 3, 5);
  sn_model_add_position_embedding(m, 5);
  gradients(finish(m), x, R, "position embedding on [2, 5, 3]");
  /* In a graph: dense on the last axis, then its output plus its position embedding (the input's gradient comes
   * from the add alone). */
  m = sn_model_create_hwc(1, 5, 3, 6);
  int d = sn_model_add_dense_axis(m, 4, SN_ACT_TANH, 0, 1, 1);
  sn_model_add_position_embedding(m, 6);
  sn_model_set_inputs(m, (int[]){sn_model_node_value(m, d), sn_model_node_value(m, d + 1)}, 2);
  sn_model_add_merge(m, SN_MERGE_ADD);
  gradients(finish(m), x, R, "dense → its output + position embedding");
}

static void token_and_position_gradients(void) {
  enum { R = 4 };
  float x[R * 3 * 5];
  fill_ids(x, R * 7, 5);
  sn_model *m = sn_model_create_hwc(1, 1, 7, 3);
  int e = sn_model_add_token_and_position_embedding(m, 5, 9, 3);
  CHECK(e == 0 && m->layers[e].out.h == 1 && m->layers[e].out.w == 7 && m->layers[e].out.c == 3, "[7] ids → [7, 3]");
  sn_model_set_regularizer(m, e, 1, 0.0f, 0.02f);
  sn_model_add_dense_axis(m, 2, SN_ACT_TANH, 0, 1, 1);
  gradients(finish(m), x, R, "token and position embedding 5 × 3, 9 positions, on 7 ids");
  fill_ids(x, R * 15, 9);
  m = sn_model_create_hwc(1, 3, 5, 4);
  e = sn_model_add_token_and_position_embedding(m, 9, 5, 2);
  CHECK(m->layers[e].out.h == 3 && m->layers[e].out.w == 5 && m->layers[e].out.c == 2, "[3, 5] ids → [3, 5, 2]");
  gradients(finish(m), x, R, "token and position embedding on [3, 5] ids");
  /* mask_zero: its mask (id ≠ 0) read by a GRU. */
  enum { N = 5, S = 5 };
  float ids[N * S] = {1, 2, 3, 4, 5, 0, 0, 2, 5, 1, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 4, 1, 0, 2, 2};
  m = sn_model_create_hwc(1, 1, S, 8);
  CHECK(sn_model_add_token_and_position_embedding(m, 6, 6, 3) == 0 && sn_model_set_mask(m, sn_model_node_value(m, 0), 0),
        "token and position embedding makes its mask");
  CHECK(sn_model_add_gru(m, 4, SN_ACT_TANH, 0, SN_ACT_SIGMOID, 0, 1, 1, 0, 1) == 1, "a GRU backwards after it");
  m = finish(m);
  float t[N * CLASSES];
  one_hot(t, N);
  check_model_gradients(m, ids, t, N, "token and position embedding (mask_zero) → GRU");
  const float *mask = m->layers[0].keras_mask;
  int same = mask != NULL;
  for (int i = 0; same && i < N * S; i++) same &= mask[i] == (ids[i] != 0.0f);
  CHECK(same, "its mask is id ≠ 0");
  sn_model_free(m);
}

/* Forward by the definition; names; forward_window; bad ids; a sequence too long. */
static void forward_and_window(void) {
  enum { R = 2, T = 6, V = 7, L = 9, D = 4 };
  sn_model *m = sn_model_create_hwc(1, 1, T, 3);
  int e = sn_model_add_token_and_position_embedding(m, V, L, D);
  int p = sn_model_add_position_embedding(m, L);
  CHECK(sn_model_build(m), "build");
  check_name(m, e, 0, "token_embedding/embeddings", V, D);
  check_name(m, e, 1, "position_embedding/embeddings", L, D);
  check_name(m, p, 0, "embeddings", L, D);
  float x[R * T], y[R * T * D];
  fill_ids(x, R * T, V);
  CHECK(sn_model_predict(m, x, R, R, y), "predict");
  const sn_layer *E = &m->layers[e], *P = &m->layers[p];
  const float *tok = E->t[0].w, *pos = E->t[1].w, *pe = P->t[0].w;
  int ok = 1;
  for (int r = 0; r < R; r++)
    for (int s = 0; s < T; s++)
      for (int d = 0; d < D; d++) {
        int id = (int)x[r * T + s];
        ok &= E->z[(r * T + s) * D + d] == tok[id * D + d] + pos[s * D + d];
        ok &= y[(r * T + s) * D + d] == pe[s * D + d]; /* the position table itself, its input not added */
      }
  CHECK(ok, "token rows + position rows; the position embedding's output is its table's rows");
  /* Windows of row 0: [0, 2), [2, 3), [3, T) give the full pass' values. */
  float full_e[T * D], full_p[T * D];
  CHECK(sn_model_predict(m, x, 1, 1, y), "predict one row");
  memcpy(full_e, E->z, sizeof full_e);
  memcpy(full_p, P->z, sizeof full_p);
  memset(E->zbuf, 0, sizeof full_e);
  memset(P->zbuf, 0, sizeof full_p);
  const int cuts[] = {0, 2, 3, T};
  for (int w = 0; w < 3; w++) {
    const float *xe[] = {x}, *xp[] = {E->z};
    sn_layer_ops_of(E->kind)->forward_window(m, &m->layers[e], cuts[w], cuts[w + 1], xe);
    sn_layer_ops_of(P->kind)->forward_window(m, &m->layers[p], cuts[w], cuts[w + 1], xp);
    int before = 1;
    for (int i = cuts[w + 1] * D; i < T * D; i++) before &= E->z[i] == 0.0f && P->z[i] == 0.0f;
    CHECK(before, "window [%d, %d) writes nothing after it", cuts[w], cuts[w + 1]);
  }
  CHECK(memcmp(full_e, E->z, sizeof full_e) == 0 && memcmp(full_p, P->z, sizeof full_p) == 0, "windows give the full pass' values");
  /* A bad id: zeros for its token row, the position row still there, reported. */
  x[3] = (float)V;
  CHECK(sn_model_predict(m, x, 1, 1, y), "predict with a bad id");
  float id;
  int at;
  CHECK(sn_model_bad_id(m, &id, &at) == e + 1 && id == (float)V && at == 3, "bad id reported: node, id, position");
  ok = 1;
  for (int d = 0; d < D; d++) ok &= E->z[3 * D + d] == pos[3 * D + d];
  CHECK(ok, "a bad id reads a zero token row");
  sn_model_free(m);
  /* A sequence longer than the table; settings out of range. */
  m = sn_model_create_hwc(1, 1, 6, 1);
  CHECK(sn_model_add_token_and_position_embedding(m, 5, 5, 2) < 0, "7 ids, 5 positions: refused");
  CHECK(sn_model_add_token_and_position_embedding(m, 0, 6, 2) < 0 && sn_model_add_token_and_position_embedding(m, 5, 6, 0) < 0, "empty tables refused");
  CHECK(sn_model_add_token_and_position_embedding(m, 5, 6, 2) == 0, "6 ids, 6 positions");
  CHECK(sn_model_add_position_embedding(m, 5) < 0 && sn_model_add_position_embedding(m, 0) < 0, "position table shorter than 6 steps refused");
  CHECK(sn_model_add_position_embedding(m, 6) == 1, "6 positions fit");
  sn_model_free(m);
}

int main(void) {
  position_gradients();
  token_and_position_gradients();
  forward_and_window();
  return check_summary();
}
