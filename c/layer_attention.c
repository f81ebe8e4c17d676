/* Keras 3's MultiHeadAttention (keras/src/layers/attention/multi_head_attention.py), on a query sample
 * [T, dq], a value [S, dv] and a key [S, dk] (the value when not given), with N heads:
 *   q = query·Wq + bq        Wq [dq, N, K] = [dq × N·K] row-major, q [T, N, K]   ("query" EinsumDense)
 *   k = key·Wk + bk          [S, N, K]                                           ("key")
 *   v = value·Wv + bv        [S, N, V]                                           ("value")
 *   scores[h][t][s] = Σ_j (q[t][h][j] / √K) · k[s][h][j]     (_compute_attention scales the query first)
 *   p[h][t] = softmax over s of scores, masked: Keras' Softmax with a mask (keras/src/layers/activations/
 *            softmax.py) puts −1e9 where the mask is 0, then zeros those probabilities, so a row masked
 *            everywhere is all zeros (no uniform distribution)
 *   a = dropout(p) in training (Keras' Dropout on the probabilities: one draw per element, 1/(1 − rate))
 *   c[t][h] = Σ_s a[h][t][s] · v[s][h]               [T, N·V]
 *   z = c·Wo + bo            Wo [N, V, O] = [N·V × O]                             ("attention_output")
 * The mask of (t, s) is the AND of Keras' _compute_attention_mask: the query's Keras mask at t, the value's
 * and the key's at s, s ≤ t with use_causal_mask, and the attention_mask input (non-zero: attend).
 * The projections are one packed GEMM each over all rows·positions (gemm.c); q is scaled by 1/√K in
 * place (Keras' order). The per-(sample, head) products are packed GEMMs too (k_gemm_strided on the
 * head's columns), one (sample, head) pair per task, so threads split whole pairs and every bit is the
 * same whatever the split (threads.h). With use_causal_mask they run in blocks of QB query rows, each
 * only over the key positions its last row sees: the products skip most of the masked triangle, and
 * the positions a row does not see enter its sums as exact zeros. Softmax rows are k_act_forward's.
 * Backward, per pair (da, ds [T × S]; a = p·dropmask, qs = q/√K):
 *   da = dc·vᵀ;  dp = da·dropmask (+ d(scores output));  ds = p·(dp − Σ_s p·dp) per row;
 *   dqs = ds·k, dq = dqs/√K;  dk = dsᵀ·qs;  dv = aᵀ·dc
 * then the projections' weight and input gradients as a dense layer's. */
#include "api.h"
#include "init.h"
#include "kernels.h"
#include "model.h"
#include "threads.h"
#include <math.h>
#include <string.h>

/* l->att[…]: q (scaled), k, v, the probabilities p, a = p·dropmask (with dropout), c, the output part */
enum { BUF_Q, BUF_K, BUF_V, BUF_A, BUF_P, BUF_C, BUF_OUT, BUF_COUNT };
enum { QB = 16 }; /* query rows per block of the causal products (a multiple of gemm.c's MR = 4) */

SN_API int sn_model_add_attention(sn_model *m, int heads, int key_dim, int value_dim, int out_dim, int use_bias, float dropout,
                                  int causal, int flags, int seeded, unsigned seed) {
  sn_layer *l = sn_model_begin_layer(m, SN_LAYER_ATTENTION);
  if (!l) return -1;
  l->heads = heads, l->key_dim = key_dim, l->value_dim = value_dim, l->units = out_dim;
  l->causal = causal != 0, l->attn_flags = flags;
  l->rate = dropout, l->seeded = seeded != 0, l->seed = seed;
  for (int i = 1; i < SN_MAX_TENSORS; i += 2) l->t[i].exists = use_bias != 0;
  for (int i = 0; i < SN_MAX_TENSORS; i += 2) l->t[i].init = SN_INIT_GLOROT_UNIFORM; /* Keras' defaults; biases zeros */
  int ok = heads > 0 && key_dim > 0 && value_dim > 0 && out_dim >= 0 && dropout >= 0.0f && dropout < 1.0f &&
           (flags & ~(SN_ATTENTION_KEY | SN_ATTENTION_MASK | SN_ATTENTION_SCORES)) == 0;
  return sn_model_end_layer(m, ok);
}

typedef struct {
  int T, S, N, K, V, O, NK, NV;
} dims;

static dims dims_of(const sn_layer *l) {
  int N = l->heads, K = l->key_dim, V = l->value_dim;
  return (dims){l->in.w, l->kv_steps, N, K, V, l->units, N * K, N * V};
}

static int has(const sn_layer *l, int flag) { return (l->attn_flags & flag) != 0; }
static int key_input(const sn_layer *l) { return has(l, SN_ATTENTION_KEY) ? 2 : 1; }

static void kernel_shape(sn_tensor *t, const char *name, int a, int b, int c) {
  t->exists = t->trainable = 1;
  sn_tensor_shape(t, name, 3, (int[]){a, b, c});
  t->fan_in = b * a, t->fan_out = c * a; /* keras/src/initializers/random_initializers.py compute_fans, rank 3 */
}

static void bias_shape(sn_tensor *t, const char *name, int rank, const int *d) {
  t->trainable = 1;
  sn_tensor_shape(t, name, rank, d);
  t->fan_in = d[0], t->fan_out = d[rank - 1];
}

static int setup_n(const sn_model *m, sn_layer *l) {
  int n = 2 + has(l, SN_ATTENTION_KEY) + has(l, SN_ATTENTION_MASK);
  if (l->n_in != n) return 0;
  sn_shape q = sn_node_input(m, l, 0)->shape, v = sn_node_input(m, l, 1)->shape, k = sn_node_input(m, l, key_input(l))->shape;
  if (q.h != 1 || v.h != 1 || k.h != 1 || k.w != v.w) return 0; /* attention over the steps axis only */
  if (l->units == 0) l->units = q.c;
  l->kv_steps = v.w;
  dims d = dims_of(l);
  if (has(l, SN_ATTENTION_MASK)) {
    sn_shape a = sn_node_input(m, l, n - 1)->shape;
    if (a.h != 1 || a.w != d.T || a.c != d.S) return 0;
  }
  if ((int64_t)d.N * d.T * d.S > SN_MAX_SAMPLE_SIZE || (int64_t)q.c * d.NK > SN_MAX_PARAMS ||
      (int64_t)k.c * d.NK > SN_MAX_PARAMS || (int64_t)v.c * d.NV > SN_MAX_PARAMS || (int64_t)d.NV * d.O > SN_MAX_PARAMS)
    return 0;
  l->out = has(l, SN_ATTENTION_SCORES) ? (sn_shape){1, 1, d.T * d.O + d.N * d.T * d.S} : (sn_shape){1, d.T, d.O};
  kernel_shape(&l->t[SN_QUERY_KERNEL], "query/kernel", q.c, d.N, d.K);
  bias_shape(&l->t[SN_QUERY_KERNEL + 1], "query/bias", 2, (int[]){d.N, d.K});
  kernel_shape(&l->t[SN_KEY_KERNEL], "key/kernel", k.c, d.N, d.K);
  bias_shape(&l->t[SN_KEY_KERNEL + 1], "key/bias", 2, (int[]){d.N, d.K});
  kernel_shape(&l->t[SN_VALUE_KERNEL], "value/kernel", v.c, d.N, d.V);
  bias_shape(&l->t[SN_VALUE_KERNEL + 1], "value/bias", 2, (int[]){d.N, d.V});
  kernel_shape(&l->t[SN_OUTPUT_KERNEL], "attention_output/kernel", d.N, d.V, d.O);
  bias_shape(&l->t[SN_OUTPUT_KERNEL + 1], "attention_output/bias", 1, (int[]){d.O});
  return 1;
}

static int64_t probs_size(dims d, int rows) { return (int64_t)rows * d.N * d.T * d.S; }

static void reserve(sn_layer *l, int rows, sn_carver *c) {
  dims d = dims_of(l);
  int64_t bt = (int64_t)rows * d.T, bs = (int64_t)rows * d.S;
  l->zbuf = sn_carve(c, rows * sn_shape_size(l->out));
  l->att[BUF_Q] = sn_carve(c, bt * d.NK);
  l->att[BUF_K] = sn_carve(c, bs * d.NK);
  l->att[BUF_V] = sn_carve(c, bs * d.NV);
  l->att[BUF_A] = l->rate > 0.0f ? sn_carve(c, probs_size(d, rows)) : NULL;
  l->att[BUF_P] = sn_carve(c, probs_size(d, rows));
  l->att[BUF_C] = sn_carve(c, bt * d.NV);
  l->att[BUF_OUT] = has(l, SN_ATTENTION_SCORES) ? sn_carve(c, bt * d.O) : NULL;
  l->mask = l->rate > 0.0f ? sn_carve(c, probs_size(d, rows)) : NULL;
}

/* Backward's scratch: dc, dq [rows·T], dk, dv [rows·S], da (then ds) [T × S] per pair, dz's output part. */
enum { SCR_DC, SCR_DQ, SCR_DK, SCR_DV, SCR_DA, SCR_DOUT, SCR_COUNT };
static void scratch_parts(const sn_layer *l, int rows, float *base, float **p, int64_t *total) {
  dims d = dims_of(l);
  int64_t bt = (int64_t)rows * d.T, bs = (int64_t)rows * d.S;
  int64_t n[SCR_COUNT] = {bt * d.NV, bt * d.NK, bs * d.NK, bs * d.NV, probs_size(d, rows), has(l, SN_ATTENTION_SCORES) ? bt * d.O : 0};
  int64_t used = 0;
  for (int i = 0; i < SCR_COUNT; i++) {
    if (p) p[i] = base ? base + used : NULL;
    used += (n[i] + 3) & ~(int64_t)3;
  }
  if (total) *total = used;
}

static int64_t scratch(const sn_layer *l, int rows) {
  int64_t total;
  scratch_parts(l, rows, NULL, NULL, &total);
  return total;
}

/* What the per-pair passes read: query rows [t0, t1) against key positions [0, slen). */
typedef struct {
  const sn_layer *l;
  dims d;
  int rows, t0, t1, slen;
  float scale;
  const float *qm, *vm, *km, *am; /* Keras masks (rows × T, rows × S) and the attention mask (rows × T·S), or NULL */
  const float *drop;              /* the dropout mask (training), or NULL */
  float *const *s;                /* backward: the scratch parts */
  const float *dsc;               /* backward: d(scores output) inside dz (rows of the packed width), or NULL */
  int64_t width;                  /*   that width */
} job;

static int row_limit(const job *j, int t) { return j->l->causal && t + 1 < j->slen ? t + 1 : j->slen; }

static int masked(const job *j) { return j->qm || j->vm || j->km || j->am; }

/* Sets the masked entries of row t of sample b to `fill`; returns how many are valid. */
static int mask_row(const job *j, int b, int t, int lim, float *p, float fill) {
  const dims d = j->d;
  if (j->qm && j->qm[(int64_t)b * d.T + t] == 0.0f) {
    for (int s = 0; s < lim; s++) p[s] = fill;
    return 0;
  }
  const float *vm = j->vm ? j->vm + (int64_t)b * d.S : NULL, *km = j->km ? j->km + (int64_t)b * d.S : NULL;
  const float *am = j->am ? j->am + ((int64_t)b * d.T + t) * d.S : NULL;
  int valid = 0;
  for (int s = 0; s < lim; s++) {
    int ok = (!vm || vm[s] != 0.0f) && (!km || km[s] != 0.0f) && (!am || am[s] != 0.0f);
    if (!ok) p[s] = fill;
    valid += ok;
  }
  return valid;
}

/* The key positions the query rows [t, t1) see together: [0, that). */
static int block_limit(const job *j, int t1) { return row_limit(j, t1 - 1); }

/* The pair's blocks: rows [t, t + QB) with use_causal_mask, else all of [t0, t1) at once. */
static int block_end(const job *j, int t) { return j->l->causal && t + QB < j->t1 ? t + QB : j->t1; }

/* Pair (b, h)'s pointers: its head's columns of q, k, v (rows NK or NV apart) and its p [T × S]. */
typedef struct {
  float *q;
  const float *k, *v;
  float *p, *a;
  int64_t at; /* offset of p in probs_size buffers */
} pair_view;

static pair_view view_of(const job *j, int b, int h) {
  const dims d = j->d;
  const sn_layer *l = j->l;
  const int64_t at = ((int64_t)b * d.N + h) * d.T * d.S;
  float *p = l->att[BUF_P] + at;
  return (pair_view){l->att[BUF_Q] + (int64_t)b * d.T * d.NK + h * d.K, l->att[BUF_K] + (int64_t)b * d.S * d.NK + h * d.K,
                     l->att[BUF_V] + (int64_t)b * d.S * d.NV + h * d.V, p, j->drop ? l->att[BUF_A] + at : p, at};
}

static void forward_pair(const job *j, int b, int h, int slot) {
  const dims d = j->d;
  const pair_view pv = view_of(j, b, h);
  for (int t = j->t0; t < j->t1; t++) /* Keras scales the query, not the scores */
    for (int i = 0; i < d.K; i++) pv.q[(int64_t)t * d.NK + i] *= j->scale;
  for (int t = j->t0; t < j->t1; t = block_end(j, t)) /* scores = qs·kᵀ */
    k_gemm_strided(block_end(j, t) - t, d.K, block_limit(j, block_end(j, t)), pv.q + (int64_t)t * d.NK, d.NK, 1, pv.k, 1, d.NK,
                   pv.p + (int64_t)t * d.S, d.S, 0, slot);
  const sn_act_param ap = {0};
  for (int t = j->t0; t < j->t1; t++) {
    float *restrict p = pv.p + (int64_t)t * d.S;
    const int lim = row_limit(j, t);
    const int valid = masked(j) ? mask_row(j, b, t, lim, p, -1e9f) : lim; /* Keras' _large_negative_number */
    if (valid) k_act_forward(SN_ACT_SOFTMAX, ap, 1, lim, p, p);
    if (valid < lim) mask_row(j, b, t, lim, p, 0.0f); /* softmax.py: where(mask, outputs, 0), also for a row masked everywhere */
    for (int s = lim; s < d.S; s++) p[s] = 0.0f;
    if (j->drop) {
      const float *dm = j->drop + pv.at + (int64_t)t * d.S;
      float *a = pv.a + (int64_t)t * d.S;
      for (int s = 0; s < d.S; s++) a[s] = p[s] * dm[s];
    }
  }
  float *c = j->l->att[BUF_C] + (int64_t)b * d.T * d.NV + h * d.V;
  for (int t = j->t0; t < j->t1; t = block_end(j, t)) /* c = a·v */
    k_gemm_strided(block_end(j, t) - t, block_limit(j, block_end(j, t)), d.V, pv.a + (int64_t)t * d.S, d.S, 1, pv.v, d.NV, 1,
                   c + (int64_t)t * d.NV, d.NV, 0, slot);
}

/* The first query row whose sums reach key positions [s, …): s with use_causal_mask (earlier rows do not
 * see s; their terms are zeros), else 0. */
static int first_row(const job *j, int s) { return j->l->causal ? (s < j->d.T ? s : j->d.T) : 0; }

static void backward_pair(const job *j, int b, int h, int slot) {
  const dims d = j->d;
  float *const *sc = j->s;
  const pair_view pv = view_of(j, b, h);
  float *ds = sc[SCR_DA] + pv.at;
  const float *dc = sc[SCR_DC] + (int64_t)b * d.T * d.NV + h * d.V;
  for (int t = 0; t < d.T; t = block_end(j, t)) /* da = dc·vᵀ */
    k_gemm_strided(block_end(j, t) - t, d.V, block_limit(j, block_end(j, t)), dc + (int64_t)t * d.NV, d.NV, 1, pv.v, 1, d.NV,
                   ds + (int64_t)t * d.S, d.S, 0, slot);
  for (int t = 0; t < d.T; t++) {
    const float *restrict p = pv.p + (int64_t)t * d.S;
    const float *dm = j->drop ? j->drop + pv.at + (int64_t)t * d.S : NULL;
    const float *dsc = j->dsc ? j->dsc + (int64_t)b * j->width + ((int64_t)h * d.T + t) * d.S : NULL;
    float *restrict g = ds + (int64_t)t * d.S;
    const int lim = row_limit(j, t);
    float dot = 0.0f;
    for (int s = 0; s < lim; s++) {
      float dp = dm ? g[s] * dm[s] : g[s];
      if (dsc) dp += dsc[s];
      g[s] = dp;
      dot += p[s] * dp;
    }
    for (int s = 0; s < lim; s++) g[s] = p[s] * (g[s] - dot);
    for (int s = lim; s < d.S; s++) g[s] = 0.0f; /* unseen: zeros in the sums below */
  }
  float *dq = sc[SCR_DQ] + (int64_t)b * d.T * d.NK + h * d.K;
  for (int t = 0; t < d.T; t = block_end(j, t)) { /* dq = ds·k / √K */
    const int t1 = block_end(j, t);
    k_gemm_strided(t1 - t, block_limit(j, t1), d.K, ds + (int64_t)t * d.S, d.S, 1, pv.k, d.NK, 1, dq + (int64_t)t * d.NK, d.NK, 0, slot);
    for (int r = t; r < t1; r++)
      for (int i = 0; i < d.K; i++) dq[(int64_t)r * d.NK + i] *= j->scale;
  }
  float *dk = sc[SCR_DK] + (int64_t)b * d.S * d.NK + h * d.K, *dv = sc[SCR_DV] + (int64_t)b * d.S * d.NV + h * d.V;
  for (int s = 0; s < d.S; s += QB) { /* dk = dsᵀ·qs, dv = aᵀ·dc over the rows that see s */
    const int s1 = s + QB < d.S ? s + QB : d.S, t = first_row(j, s);
    k_gemm_strided(s1 - s, d.T - t, d.K, ds + (int64_t)t * d.S + s, 1, d.S, pv.q + (int64_t)t * d.NK, d.NK, 1, dk + (int64_t)s * d.NK,
                   d.NK, 0, slot);
    k_gemm_strided(s1 - s, d.T - t, d.V, pv.a + (int64_t)t * d.S + s, 1, d.S, dc + (int64_t)t * d.NV, d.NV, 1, dv + (int64_t)s * d.NV,
                   d.NV, 0, slot);
  }
}

/* Whole (sample, head) pairs per part: each writes only its own rows and columns. */
static void pairs_task(void *arg, int part, int parts, int slot, void (*pair)(const job *, int, int, int)) {
  const job *j = arg;
  const int64_t n = (int64_t)j->rows * j->d.N;
  for (int64_t i = n * part / parts, e = n * (part + 1) / parts; i < e; i++) pair(j, (int)(i / j->d.N), (int)(i % j->d.N), slot);
}
static void forward_task(void *arg, int part, int parts, int slot) { pairs_task(arg, part, parts, slot, forward_pair); }
static void backward_task(void *arg, int part, int parts, int slot) { pairs_task(arg, part, parts, slot, backward_pair); }

static job job_of(const sn_model *m, const sn_layer *l, int rows, const float *const *xs) {
  dims d = dims_of(l);
  const int key = has(l, SN_ATTENTION_KEY);
  return (job){.l = l, .d = d, .rows = rows, .t0 = 0, .t1 = d.T, .slen = d.S, .scale = (float)(1.0 / sqrt((double)d.K)),
               .qm = sn_value_mask(m, sn_node_input(m, l, 0)), .vm = sn_value_mask(m, sn_node_input(m, l, 1)),
               .km = key ? sn_value_mask(m, sn_node_input(m, l, 2)) : NULL,
               .am = has(l, SN_ATTENTION_MASK) ? xs[l->n_in - 1] : NULL,
               .drop = m->training && l->rate > 0.0f ? l->mask : NULL};
}

/* y[n × cols] = x[n × in] · w + bias */
static void project(int n, int in, int cols, const float *x, const sn_tensor *w, float *y) {
  k_gemm_nn(n, in, cols, x, w[0].w, y, 0);
  if (w[1].exists) sn_par_bias_add(n, cols, y, w[1].w);
}

static int in_cols(const sn_model *m, const sn_layer *l, int i) { return sn_node_input(m, l, i)->shape.c; }

static void forward_n(sn_model *m, sn_layer *l, int rows, const float *const *xs) {
  job j = job_of(m, l, rows, xs);
  const dims d = j.d;
  const int ki = key_input(l);
  project(rows * d.T, l->in.c, d.NK, xs[0], &l->t[SN_QUERY_KERNEL], l->att[BUF_Q]);
  project(rows * d.S, in_cols(m, l, ki), d.NK, xs[ki], &l->t[SN_KEY_KERNEL], l->att[BUF_K]);
  project(rows * d.S, in_cols(m, l, 1), d.NV, xs[1], &l->t[SN_VALUE_KERNEL], l->att[BUF_V]);
  sn_parallel(forward_task, &j);
  const int packed = has(l, SN_ATTENTION_SCORES);
  float *out = packed ? l->att[BUF_OUT] : l->zbuf;
  project(rows * d.T, d.NV, d.O, l->att[BUF_C], &l->t[SN_OUTPUT_KERNEL], out);
  if (packed) {
    const int64_t width = sn_shape_size(l->out), no = (int64_t)d.T * d.O, np = (int64_t)d.N * d.T * d.S;
    for (int r = 0; r < rows; r++) {
      memcpy(l->zbuf + r * width, out + r * no, (size_t)no * sizeof(float));
      memcpy(l->zbuf + r * width + no, l->att[BUF_P] + r * np, (size_t)np * sizeof(float));
    }
  }
  if (l->capture) memcpy(l->capture, l->att[BUF_P], (size_t)d.N * d.T * d.S * sizeof(float));
  l->z = l->zbuf;
}

/* dx (+)= dy · wᵀ, and w's gradients from x, where wanted. */
static void project_back(int n, int in, int cols, const float *x, const float *dy, sn_tensor *w, float *dx, int accumulate) {
  if (w[0].g) k_gemm_tn(n, in, cols, x, dy, w[0].g, 0);
  if (w[1].g) sn_par_col_sum(n, cols, dy, w[1].g, 0);
  if (dx) k_gemm_nt(n, cols, in, dy, w[0].w, dx, accumulate);
}

static void backward_n(sn_model *m, sn_layer *l, int rows, const float *const *xs, const float *dz, float *const *dxs) {
  job j = job_of(m, l, rows, xs);
  const dims d = j.d;
  float *sc[SCR_COUNT];
  scratch_parts(l, rows, m->scratch, sc, NULL);
  m->scratch_holds = NULL; /* overwrites a conv2d's padded input */
  j.s = sc;
  const float *dout = dz;
  if (has(l, SN_ATTENTION_SCORES)) { /* [output | probabilities] per row: the output part made contiguous */
    const int64_t no = (int64_t)d.T * d.O;
    j.width = sn_shape_size(l->out);
    j.dsc = dz + no;
    for (int r = 0; r < rows; r++) memcpy(sc[SCR_DOUT] + r * no, dz + r * j.width, (size_t)no * sizeof(float));
    dout = sc[SCR_DOUT];
  }
  const int bt = rows * d.T, bs = rows * d.S, ki = key_input(l);
  project_back(bt, d.NV, d.O, l->att[BUF_C], dout, &l->t[SN_OUTPUT_KERNEL], sc[SCR_DC], 0);
  sn_parallel(backward_task, &j); /* writes all of dq, dk, dv */
  project_back(bt, l->in.c, d.NK, xs[0], sc[SCR_DQ], &l->t[SN_QUERY_KERNEL], dxs[0], 0);
  project_back(bs, in_cols(m, l, 1), d.NV, xs[1], sc[SCR_DV], &l->t[SN_VALUE_KERNEL], dxs[1], 0);
  project_back(bs, in_cols(m, l, ki), d.NK, xs[ki], sc[SCR_DK], &l->t[SN_KEY_KERNEL], dxs[ki], ki == 1);
  if (has(l, SN_ATTENTION_MASK) && dxs[l->n_in - 1]) /* a mask, not a number: no gradient */
    memset(dxs[l->n_in - 1], 0, (size_t)rows * d.T * d.S * sizeof(float));
}

/* One row, query positions [t0, t1) (model.h: sn_model_forward_window): projects the new positions of the query
 * and, up to S, of the key and value (earlier ones are in l->att from earlier windows: the key/value cache), then
 * attends over key positions [0, min(t1, S)), which is the whole pass's result with use_causal_mask. */
static void forward_window(sn_model *m, sn_layer *l, int t0, int t1, const float *const *xs) {
  job j = job_of(m, l, 1, xs);
  const dims d = j.d;
  const int ki = key_input(l), s0 = t0 < d.S ? t0 : d.S, s1 = t1 < d.S ? t1 : d.S, n = t1 - t0;
  j.t0 = t0, j.t1 = t1, j.slen = s1, j.drop = NULL;
  const int dq = l->in.c, dk = in_cols(m, l, ki), dv = in_cols(m, l, 1);
  project(n, dq, d.NK, xs[0] + (int64_t)t0 * dq, &l->t[SN_QUERY_KERNEL], l->att[BUF_Q] + (int64_t)t0 * d.NK);
  if (s1 > s0) {
    project(s1 - s0, dk, d.NK, xs[ki] + (int64_t)s0 * dk, &l->t[SN_KEY_KERNEL], l->att[BUF_K] + (int64_t)s0 * d.NK);
    project(s1 - s0, dv, d.NV, xs[1] + (int64_t)s0 * dv, &l->t[SN_VALUE_KERNEL], l->att[BUF_V] + (int64_t)s0 * d.NV);
  }
  sn_parallel(forward_task, &j);
  float *out = has(l, SN_ATTENTION_SCORES) ? l->att[BUF_OUT] : l->zbuf;
  project(n, d.NV, d.O, l->att[BUF_C] + (int64_t)t0 * d.NV, &l->t[SN_OUTPUT_KERNEL], out + (int64_t)t0 * d.O);
  if (out != l->zbuf) memcpy(l->zbuf + (int64_t)t0 * d.O, out + (int64_t)t0 * d.O, (size_t)n * d.O * sizeof(float));
  l->z = l->zbuf;
}

static void draw(sn_layer *l, int rows) { sn_dropout_draw(l, (long)probs_size(dims_of(l), rows)); }

SN_API int sn_model_attention_capture(sn_model *m, int layer, float *out) {
  if (layer < 0 || layer >= m->n_layers || m->layers[layer].kind != SN_LAYER_ATTENTION) return 0;
  m->layers[layer].capture = out;
  return 1;
}

const sn_layer_ops sn_attention_ops = {.setup_n = setup_n, .reserve = reserve, .scratch = scratch, .forward_n = forward_n,
                                       .backward_n = backward_n, .seed = sn_dropout_seed, .draw = draw,
                                       .forward_window = forward_window};
