/* MultiHeadAttention natively (layer_attention.c): gradients against central differences (gradcheck.h) on
 * awkward sizes (odd steps, key_dim, value_dim ≠ key_dim, cross-attention with a key and an attention mask,
 * dropout on the probabilities with its masks held, the scores returned beside the output), the forward pass
 * against a direct double computation of Keras' equations, thread splits giving the same bits, causality,
 * forward_window in windows [0, 3), [3, 4), [4, 7) against one whole pass, and settings that do not fit refused. */
#include "check.h"
#include "init.h"
#include "model.h"
#include "gradcheck.h"
#include "threads.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

static void fill(float *v, long n, unsigned seed, float lo, float hi) {
  for (long i = 0; i < n; i++) {
    seed = seed * 1664525u + 1013904223u;
    v[i] = lo + (hi - lo) * (float)(seed >> 8) / 16777216.0f;
  }
}

static int value(const sn_model *m, int node) { return sn_model_node_value(m, node); }

/* Builds with biases in ±0.3 (Keras' zeros would hide their gradients' errors) and compiles with `loss`. */
static void compile(sn_model *m, int loss) {
  for (int l = 0; l < m->n_layers; l++)
    for (int i = 1; i < SN_MAX_TENSORS; i += 2)
      if (m->layers[l].t[i].exists || m->layers[l].kind == SN_LAYER_ATTENTION) sn_model_set_initializer(m, l, i, SN_INIT_RANDOM_UNIFORM, -0.3f, 0.3f);
  CHECK(sn_model_build(m), "build");
  float hp[4] = {0.01f, 0.9f, 0.999f, 1e-7f};
  CHECK(sn_model_compile(m, loss, 0, 1, 1, sn_opt_create(SN_OPT_ADAM, (int)m->n_params, hp, 4)), "compile");
}

static void gradients(sn_model *m, int loss, int rows, const float *xgiven, const char *what) {
  compile(m, loss);
  long n = (long)rows * m->input_dim, nt = (long)rows * m->target_dim;
  float *x = malloc((size_t)n * sizeof(float)), *t = malloc((size_t)nt * sizeof(float));
  if (xgiven) memcpy(x, xgiven, (size_t)n * sizeof(float));
  else fill(x, n, 5, -1.0f, 1.0f);
  fill(t, nt, 17, 0.0f, 1.0f);
  if (loss == SN_LOSS_SCCE) {
    sn_shape s = m->values[m->outputs[0].value].shape;
    for (long i = 0; i < nt; i++) t[i] = (float)((int)(t[i] * s.c) % s.c);
  }
  check_model_gradients(m, x, t, rows, what);
  free(x);
  free(t);
  sn_model_free(m);
}

/* Input [T, d] → self-attention (+ residual) → layer norm → dense softmax per step, sparse labels. */
static sn_model *transformer_block(int T, int d, int heads, int key_dim, int value_dim, int causal, float dropout) {
  sn_model *m = sn_model_create_graph(7);
  int x = sn_model_add_input(m, 1, T, d);
  sn_model_set_inputs(m, (int[]){x, x}, 2);
  int a = sn_model_add_attention(m, heads, key_dim, value_dim, 0, 1, dropout, causal, 0, 1, 99);
  CHECK(a == 0, "self-attention added");
  sn_model_set_inputs(m, (int[]){x, value(m, a)}, 2);
  int r = sn_model_add_merge(m, SN_MERGE_ADD);
  sn_model_add_layer_norm(m, 1e-3, 1, 1);
  sn_model_add_dense_axis(m, 3, SN_ACT_SOFTMAX, 0, 1, 1);
  (void)r;
  sn_model_set_outputs(m, (int[]){value(m, m->n_layers - 1)}, 1);
  return m;
}

static void gradient_checks(void) {
  gradients(transformer_block(5, 6, 2, 3, 5, 1, 0.0f), SN_LOSS_SCCE, 3, NULL, "causal self-attention, T 5, 2 heads of 3 (value 5)");
  gradients(transformer_block(7, 4, 3, 1, 2, 0, 0.0f), SN_LOSS_SCCE, 2, NULL, "self-attention, T 7, 3 heads of 1 (value 2)");
  gradients(transformer_block(5, 6, 2, 3, 3, 1, 0.3f), SN_LOSS_SCCE, 3, NULL, "causal self-attention with dropout 0.3 (masks held)");
  /* Cross-attention: query [3, 5], value [6, 4], key [6, 7], attention mask [3, 6] → output [3, 2], mse. */
  for (int scores = 0; scores < 2; scores++) {
    const int T = 3, S = 6, dq = 5, dv = 4, dk = 7, N = 2, K = 3, V = 5, O = 2;
    sn_model *m = sn_model_create_graph(3);
    int q = sn_model_add_input(m, 1, T, dq), v = sn_model_add_input(m, 1, S, dv), k = sn_model_add_input(m, 1, S, dk),
        am = sn_model_add_input(m, 1, T, S);
    sn_model_set_inputs(m, (int[]){q, v, k, am}, 4);
    int flags = SN_ATTENTION_KEY | SN_ATTENTION_MASK | (scores ? SN_ATTENTION_SCORES : 0);
    CHECK(sn_model_add_attention(m, N, K, V, O, 1, 0.0f, 0, flags, 0, 0) == 0, "cross-attention added");
    if (scores) {
      sn_model_add_slice(m, 0, 1, T, O);
      sn_model_set_inputs(m, (int[]){value(m, 0)}, 1);
      sn_model_add_slice(m, T * O, 1, N * T, S);
      sn_model_set_outputs(m, (int[]){value(m, 1), value(m, 2)}, 2);
    } else {
      sn_model_set_outputs(m, (int[]){value(m, 0)}, 1);
    }
    const int rows = 2;
    float *x = malloc((size_t)rows * m->input_dim * sizeof(float));
    fill(x, (long)rows * m->input_dim, 9, -1.0f, 1.0f);
    for (int r = 0; r < rows; r++) /* the mask: row 1 of sample 0 masked everywhere, a few others */
      for (int i = 0; i < T * S; i++) {
        float *mk = x + (long)r * m->input_dim + T * dq + S * dv + S * dk;
        mk[i] = (r == 0 && i / S == 1) || (i % 4 == r) ? 0.0f : 1.0f;
      }
    gradients(m, SN_LOSS_MSE, rows, x, scores ? "cross-attention, key and attention mask, scores returned" : "cross-attention, key and attention mask");
    free(x);
  }
}

/* Keras' equations in double for one sample (no masks but causal): out [T × O]. */
static void reference(const sn_layer *L, const float *xq, int T, int d, double *out) {
  const int N = L->heads, K = L->key_dim, V = L->value_dim, O = L->units;
  const float *wq = L->t[0].w, *bq = L->t[1].w, *wk = L->t[2].w, *bk = L->t[3].w, *wv = L->t[4].w, *bv = L->t[5].w, *wo = L->t[6].w, *bo = L->t[7].w;
  double *q = calloc((size_t)T * N * K, sizeof(double)), *k = calloc((size_t)T * N * K, sizeof(double)), *v = calloc((size_t)T * N * V, sizeof(double));
  double *c = calloc((size_t)T * N * V, sizeof(double)), *p = calloc((size_t)T, sizeof(double));
  for (int t = 0; t < T; t++) {
    for (int j = 0; j < N * K; j++) {
      double sq = bq[j], sk = bk[j];
      for (int i = 0; i < d; i++) sq += (double)xq[t * d + i] * wq[i * N * K + j], sk += (double)xq[t * d + i] * wk[i * N * K + j];
      q[t * N * K + j] = sq, k[t * N * K + j] = sk;
    }
    for (int j = 0; j < N * V; j++) {
      double s = bv[j];
      for (int i = 0; i < d; i++) s += (double)xq[t * d + i] * wv[i * N * V + j];
      v[t * N * V + j] = s;
    }
  }
  for (int h = 0; h < N; h++)
    for (int t = 0; t < T; t++) {
      int lim = L->causal ? t + 1 : T;
      double mx = -1e300, sum = 0;
      for (int s = 0; s < lim; s++) {
        double e = 0;
        for (int j = 0; j < K; j++) e += q[t * N * K + h * K + j] / sqrt((double)K) * k[s * N * K + h * K + j];
        p[s] = e, mx = e > mx ? e : mx;
      }
      for (int s = 0; s < lim; s++) sum += p[s] = exp(p[s] - mx);
      for (int s = 0; s < lim; s++)
        for (int j = 0; j < V; j++) c[t * N * V + h * V + j] += p[s] / sum * v[s * N * V + h * V + j];
    }
  for (int t = 0; t < T; t++)
    for (int o = 0; o < O; o++) {
      double s = bo[o];
      for (int j = 0; j < N * V; j++) s += c[t * N * V + j] * wo[j * O + o];
      out[t * O + o] = s;
    }
  free(q), free(k), free(v), free(c), free(p);
}

/* Causal self-attention alone: values against the reference, thread splits, causality, forward_window. */
static void forward_checks(void) {
  const int T = 7, d = 5, rows = 3;
  sn_model *m = sn_model_create_graph(11);
  int x = sn_model_add_input(m, 1, T, d);
  sn_model_set_inputs(m, (int[]){x, x}, 2);
  CHECK(sn_model_add_attention(m, 3, 3, 2, 4, 1, 0.0f, 1, 0, 0, 0) == 0, "causal self-attention");
  sn_model_set_outputs(m, (int[]){value(m, 0)}, 1);
  compile(m, SN_LOSS_MSE);
  const int O = 4;
  float *in = malloc(sizeof(float) * rows * T * d), *out = malloc(sizeof(float) * rows * T * O), *other = malloc(sizeof(float) * rows * T * O);
  fill(in, rows * T * d, 3, -2.0f, 2.0f);
  CHECK(sn_model_predict(m, in, rows, rows, out), "predict");
  double want[7 * 4];
  for (int r = 0; r < rows; r++) {
    reference(&m->layers[0], in + r * T * d, T, d, want);
    int close = 1;
    for (int i = 0; i < T * O; i++) close &= fabs(out[r * T * O + i] - want[i]) <= 1e-5 + 1e-5 * fabs(want[i]);
    CHECK(close, "sample %d: Keras' equations in double", r);
  }
  for (int parts = 2; parts <= 5; parts += 3) {
    sn_threads_split_for_tests(parts);
    sn_model_predict(m, in, rows, rows, other);
    CHECK(!memcmp(out, other, sizeof(float) * rows * T * O), "split in %d parts: the same bits", parts);
  }
  sn_threads_split_for_tests(1);
  /* Causality: changing position 4 of sample 1 changes no output before 4. */
  in[1 * T * d + 4 * d + 2] += 1.0f;
  sn_model_predict(m, in, rows, rows, other);
  CHECK(!memcmp(out + T * O, other + T * O, sizeof(float) * 4 * O), "positions before 4 unchanged");
  CHECK(memcmp(out + T * O + 4 * O, other + T * O + 4 * O, sizeof(float) * O) != 0, "position 4 changed");
  /* forward_window on one row: [0, 3), [3, 4), [4, 7) give the whole pass's output. */
  float *row = in + T * d, *full = malloc(sizeof(float) * T * O);
  sn_model_predict(m, row, 1, 1, full);
  sn_layer *L = &m->layers[0];
  memset(L->zbuf, 0, sizeof(float) * T * O);
  for (int b = 0; b < 7; b++)
    if (L->att[b]) memset(L->att[b], 0xff, sizeof(float) * 4); /* the first positions' projections: must be rewritten */
  const float *xs[2] = {row, row};
  const int cuts[] = {0, 3, 4, 7};
  for (int w = 0; w < 3; w++) sn_layer_ops_of(L->kind)->forward_window(m, L, cuts[w], cuts[w + 1], xs);
  int same = 1;
  for (int i = 0; i < T * O; i++) same &= fabsf(L->zbuf[i] - full[i]) <= 1e-6f * (1 + fabsf(full[i]));
  CHECK(same, "forward_window in windows [0, 3), [3, 4), [4, 7): the whole pass's output");
  /* Probabilities captured for the first sample: rows sum to 1, zero above the diagonal. */
  float *probs = malloc(sizeof(float) * 3 * T * T);
  CHECK(sn_model_attention_capture(m, 0, probs) && !sn_model_attention_capture(m, 1, probs), "capture on attention nodes only");
  sn_model_predict(m, in, rows, rows, other);
  sn_model_attention_capture(m, 0, NULL);
  int ok = 1;
  for (int h = 0; h < 3; h++)
    for (int t = 0; t < T; t++) {
      double s = 0;
      for (int u = 0; u < T; u++) s += probs[(h * T + t) * T + u], ok &= u <= t || probs[(h * T + t) * T + u] == 0.0f;
      ok &= fabs(s - 1) < 1e-5;
    }
  CHECK(ok, "captured probabilities: causal rows summing to 1");
  free(probs), free(full), free(in), free(out), free(other);
  sn_model_free(m);
}

static void refusals(void) {
  sn_model *m = sn_model_create_graph(1);
  int q = sn_model_add_input(m, 1, 4, 3), v = sn_model_add_input(m, 1, 5, 2), k = sn_model_add_input(m, 1, 6, 2),
      img = sn_model_add_input(m, 2, 4, 3), am = sn_model_add_input(m, 1, 4, 4);
  sn_model_set_inputs(m, (int[]){q, v}, 2);
  CHECK(sn_model_add_attention(m, 0, 2, 2, 0, 1, 0, 0, 0, 0, 0) < 0, "no heads refused");
  sn_model_set_inputs(m, (int[]){q, v}, 2);
  CHECK(sn_model_add_attention(m, 2, 2, 2, 0, 1, 1.0f, 0, 0, 0, 0) < 0, "dropout 1 refused");
  sn_model_set_inputs(m, (int[]){q, v, k}, 3);
  CHECK(sn_model_add_attention(m, 2, 2, 2, 0, 1, 0, 0, SN_ATTENTION_KEY, 0, 0) < 0, "key of other steps refused");
  sn_model_set_inputs(m, (int[]){img, v}, 2);
  CHECK(sn_model_add_attention(m, 2, 2, 2, 0, 1, 0, 0, 0, 0, 0) < 0, "a query of rank 3 refused");
  sn_model_set_inputs(m, (int[]){q, v, am}, 3);
  CHECK(sn_model_add_attention(m, 2, 2, 2, 0, 1, 0, 0, SN_ATTENTION_MASK, 0, 0) < 0, "an attention mask [4, 4] for S = 5 refused");
  sn_model_set_inputs(m, (int[]){q, v}, 2);
  CHECK(sn_model_add_attention(m, 2, 2, 2, 0, 1, 0, 0, SN_ATTENTION_MASK, 0, 0) < 0, "a missing attention mask refused");
  sn_model_set_inputs(m, (int[]){q, v}, 2);
  CHECK(sn_model_add_attention(m, 2, 2, 3, 0, 1, 0, 0, 0, 0, 0) == 0 && m->layers[0].out.c == 3, "output of the query's dim");
  sn_model_free(m);
}

int main(void) {
  gradient_checks();
  forward_checks();
  refusals();
  return check_summary();
}
