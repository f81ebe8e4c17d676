/* Backpropagation through time for SimpleRNN, LSTM and GRU (rnn.h), on the
 * packed GEMM and the cell kernels of rnn_kernels.h.
 *
 * The GEMM takes dense row-major matrices (no leading dimensions), so the
 * pass works time-major: x (rows × steps × features) is copied once to xt
 * (steps × rows × features, the steps reversed for go_backwards), and every
 * step's rows of gates, states and gradients are then one contiguous block.
 * With S steps, R rows, F features, U units and K = k·U gate columns:
 *
 *   forward   Z = xt · kernel + bias                  one GEMM for all steps, S·R × F · F × K
 *             per step t:  Z_t += h_{t−1} · U          R × U · U × K, accumulated
 *                          cell kernel: gates, c_t, h_t
 *   backward  per step t, last to first:
 *                          dh_t = dout_t + dh from step t+1
 *                          cell kernel: dZ_t (over Z_t), dc_{t−1}
 *                          dh_{t−1} = dZ_t · Uᵀ
 *             dU = H_prevᵀ · dZ       H_prev = h_{−1} … h_{S−2}: the time-major
 *                                     states shifted by one step, one GEMM
 *             dkernel = xtᵀ · dZ, dbias = Σ dZ, dxt = dZ · kernelᵀ (into xt's
 *             buffer, then transposed back into dx)
 *
 * Input dropout (Keras' `dropout` without `recurrent_dropout`: one mask per
 * sample over the features, the same at every step and for every gate) is
 * applied as x is copied to xt, and to dx as it is copied back.
 *
 * Keras' mask (steps_mask): a masked step leaves a row's states as they were
 * (the cell's output for that row is replaced by h_{t−1}, c_{t−1}), so its
 * output is the previous one; backward, the row's dh_t (and dc_t) pass
 * through to step t − 1 untouched and its gate gradients at step t are zero
 * (the cell is run on zero gradients for it), so no weight and no input of
 * that step gets a gradient from it.
 *
 * h_{−1} = 0 (and c_{−1} = 0): Keras' initial state unless one is given (h0,
 * c0). Without one, the first step's h·U is skipped (it is 0), and its zero
 * rows cost the final GEMM nothing (gemm.c drops steps whose A values are all
 * zero); with one, the first step is as any other and backward computes
 * dL/dh_{−1} (and dc_{−1}) for it.
 *
 * Recurrent dropout (Keras 3, with a mask per gate, and then one per gate for
 * the input dropout too): each gate's product is its own (rnn_gates.h), and
 * dU is summed step by step instead of one GEMM over all steps, since every
 * gate sees its own masked h.
 *
 * GRU with reset_after keeps h·U + b_r per step apart (rc: r multiplies its h
 * part), and dU = H_prevᵀ · dRC. GRU without it (TF.js' form) multiplies
 * h·U[:, :2U] and (r·h)·U[:, 2U:] one after the other, so those two blocks of U
 * are copied out contiguous once per pass, and their gradients are summed
 * step by step (H_prev and r·h both act on them) and copied back.
 *
 * Buffers: everything backward needs is kept for all steps (Z, the activated
 * gates, the states); nothing is allocated per step or per batch.
 *
 * Threads: the steps of a pass run in parts, each over its own rows of the
 * batch, with one join per pass (see "the steps over a span of rows"); the
 * products over all steps run on the threaded GEMM. Every row is computed by
 * the same operations whichever part holds it, so the results are the same
 * bits for any number of threads. */
#include "rnn.h"

#include "layer.h"
#include "rnn_gates.h"
#include "threads.h"
#include <string.h>

int sn_rnn_gates(int kind) { return kind == SN_LAYER_LSTM ? 4 : kind == SN_LAYER_GRU ? 3 : 1; }

typedef struct {
  float *xt;            /* S·R·F: x time-major; backward: dL/dx time-major */
  float *z;             /* S·R·K: gate pre-activations; backward: their gradients */
  float *a;             /* S·R·K: the activated gates (LSTM, GRU) */
  float *h;             /* (S+1)·R·U: h_{−1} = 0, then each step's output */
  float *c, *tc;        /* LSTM: (S+1)·R·U cell states (c_{−1} = 0); S·R·U act(c) */
  float *rc;            /* GRU reset_after: S·R·K h_prev·U + recurrent bias; backward: its gradient */
  float *rh;            /* GRU reset before: S·R·U r·h_prev */
  float *out;           /* R·S·U: the output with return_sequences */
  float *dh, *dc, *da;  /* one step's R·U, R·U, R·K */
  float *held;          /* masked steps: one step's R·U dh (and R·U dc) of the masked rows, held back */
  float *t1, *t2;       /* GRU reset before: one step's R·2U h·U_zr, R·U (r·h)·U_h (backward: its gradient) */
  float *gzr, *gh;      /* GRU reset before: one step's R·2U, R·U gate gradients, contiguous */
  float *uzr, *uh;      /* GRU reset before: U[:, :2U] and U[:, 2U:], contiguous */
  float *duzr, *duh;    /*   and their gradients */
  float *wblk, *ublk;   /* per-gate masks: the kernels' gate blocks (rnn_gates.h), */
  float *dwblk, *dublk; /*   their gradients, */
  float *ta, *tg;       /*   scratch of the products, */
  float *hm, *dhm;      /*   GRU reset before: one step's h ⊙ M_h and its gradient */
  float *pu, *puh;      /* U packed once per pass (k_gemm_pack_b; backward Uᵀ); GRU reset before: U_zr, and U_h in puh */
} bufs;

static int before(const sn_rnn *r) { return r->kind == SN_LAYER_GRU && !r->reset_after; }

/* Carves the buffers for `rows` rows from c (counting only when c->base is NULL). */
static void carve_pass(const sn_rnn *r, int rows, sn_carver *c, bufs *b) {
  const int64_t S = r->steps, R = rows, U = r->cell.units, K = (int64_t)sn_rnn_gates(r->kind) * U;
  memset(b, 0, sizeof *b);
  b->xt = sn_carve(c, S * R * r->features);
  b->z = sn_carve(c, S * R * K);
  b->h = sn_carve(c, (S + 1) * R * U);
  b->dh = sn_carve(c, R * U);
  b->held = sn_carve(c, R * U * (r->kind == SN_LAYER_LSTM ? 2 : 1));
  const int64_t pu = k_gemm_packed_floats(U, (int)K), put = k_gemm_packed_floats((int)K, U);
  b->pu = sn_carve(c, pu > put ? pu : put);
  if (r->sequences) b->out = sn_carve(c, R * S * U);
  if (r->kind == SN_LAYER_SIMPLE_RNN) return;
  b->a = sn_carve(c, S * R * K);
  b->da = sn_carve(c, R * K);
  if (r->kind == SN_LAYER_LSTM) {
    b->c = sn_carve(c, (S + 1) * R * U);
    b->tc = sn_carve(c, S * R * U);
    b->dc = sn_carve(c, R * U);
  } else if (r->reset_after) {
    b->rc = sn_carve(c, S * R * K);
  } else {
    b->rh = sn_carve(c, S * R * U);
    b->t1 = sn_carve(c, R * 2 * U);
    b->t2 = sn_carve(c, R * U);
    b->gzr = sn_carve(c, R * 2 * U);
    b->gh = sn_carve(c, R * U);
    b->uzr = sn_carve(c, U * 2 * U);
    b->uh = sn_carve(c, U * U);
    b->duzr = sn_carve(c, U * 2 * U);
    b->duh = sn_carve(c, U * U);
    b->puh = sn_carve(c, k_gemm_packed_floats(U, U));
  }
}

/* The pass's buffers, then those of the per-gate masks. */
static void carve(const sn_rnn *r, int rows, sn_carver *c, bufs *b) {
  carve_pass(r, rows, c, b);
  if (!r->gate_masks) return;
  const int64_t S = r->steps, R = rows, F = r->features, U = r->cell.units, K = (int64_t)sn_rnn_gates(r->kind) * U;
  b->wblk = sn_carve(c, F * K);
  b->ublk = sn_carve(c, U * K);
  b->dwblk = sn_carve(c, F * K);
  b->dublk = sn_carve(c, U * K);
  b->ta = sn_carve(c, S * R * (F > U ? F : U));
  b->tg = sn_carve(c, S * R * U);
  b->hm = sn_carve(c, R * U);
  b->dhm = sn_carve(c, R * U);
}

int64_t sn_rnn_floats(const sn_rnn *r, int rows) {
  sn_carver c = {0};
  bufs b;
  carve(r, rows, &c, &b);
  return c.used;
}

/* ---- passes split by rows -------------------------------------------------- */

/* Batch-major (rows × steps × n) ↔ time-major (steps × rows × n): sample r's
 * vector at step s is the time-major one at step t, s = t or S − 1 − t. */
typedef struct {
  int rows, steps, n, reverse, to_time;
  const float *src, *mask; /* mask: rows × n, multiplies every step's vector of its row (input dropout), or NULL */
  float *dst;
} transpose_pass;

static void transpose_rows(const void *arg, int r0, int r1) {
  const transpose_pass *p = arg;
  for (int r = r0; r < r1; r++)
    for (int t = 0; t < p->steps; t++) {
      int s = p->reverse ? p->steps - 1 - t : t;
      long batch = ((long)r * p->steps + s) * p->n, time = ((long)t * p->rows + r) * p->n;
      float *dst = p->dst + (p->to_time ? time : batch);
      const float *src = p->src + (p->to_time ? batch : time), *mask = p->mask ? p->mask + (long)r * p->n : NULL;
      if (mask)
        for (int j = 0; j < p->n; j++) dst[j] = src[j] * mask[j];
      else
        memcpy(dst, src, (size_t)p->n * sizeof(float));
    }
}

static void transpose(int rows, int steps, int n, int reverse, int to_time, const float *src, const float *mask, float *dst) {
  transpose_pass p = {rows, steps, n, reverse, to_time, src, mask, dst};
  sn_parallel_rows(transpose_rows, &p, rows, 2LL * steps * n);
}

/* The cell kernels over a range of rows: each buffer advanced by its floats per row. */
enum { LSTM_FORWARD, LSTM_BACKWARD, GRU_FORWARD, GRU_BACKWARD, GATES_FORWARD, STATE_FORWARD, STATE_BACKWARD, GATES_BACKWARD };
enum { MAX_ARGS = 9 };
typedef struct {
  int kernel;
  const sn_cell *cell;
  float *p[MAX_ARGS]; /* the kernel's buffers in its order (the inputs too: cast, never written) */
  int w[MAX_ARGS];    /* floats per row of each */
} cell_pass;

static void cell_rows(const void *arg, int r0, int r1) {
  const cell_pass *j = arg;
  float *q[MAX_ARGS];
  for (int i = 0; i < MAX_ARGS; i++) q[i] = j->p[i] ? j->p[i] + (long)r0 * j->w[i] : NULL;
  const sn_cell *cl = j->cell;
  const int n = r1 - r0;
  switch (j->kernel) {
  case LSTM_FORWARD: k_lstm_forward(cl, n, q[0], q[1], q[2], q[3], q[4], q[5]); break;
  case LSTM_BACKWARD: k_lstm_backward(cl, n, q[0], q[1], q[2], q[3], q[4], q[5], q[6], q[7], q[8]); break;
  case GRU_FORWARD: k_gru_forward(cl, n, q[0], q[1], q[2], q[3], q[4], q[5]); break;
  case GRU_BACKWARD: k_gru_backward(cl, n, q[0], q[1], q[2], q[3], q[4], q[5], q[6], q[7], q[8]); break;
  case GATES_FORWARD: k_gru_gates_forward(cl, n, q[0], q[1], q[2], q[3], q[4], q[5]); break;
  case STATE_FORWARD: k_gru_state_forward(cl, n, q[0], q[1], q[2], q[3], q[4], q[5]); break;
  case STATE_BACKWARD: k_gru_state_backward(cl, n, q[0], q[1], q[2], q[3], q[4], q[5], q[6], q[7]); break;
  default: k_gru_gates_backward(cl, n, q[0], q[1], q[2], q[3], q[4], q[5], q[6], q[7]); break;
  }
}

static void run_cell(cell_pass j, int rows) {
  long long floats = 0;
  for (int i = 0; i < MAX_ARGS; i++) floats += j.p[i] ? j.w[i] : 0;
  sn_parallel_rows(cell_rows, &j, rows, floats);
}


/* U[:, :2U] and U[:, 2U:] of a GRU's recurrent kernel [U, 3U] as two dense matrices, or back (a gradient). */
static void split_recurrent(int U, const float *u, float *zr, float *h) {
  for (long i = 0; i < U; i++) {
    memcpy(zr + i * 2 * U, u + i * 3 * U, (size_t)2 * U * sizeof(float));
    memcpy(h + i * U, u + i * 3 * U + 2 * U, (size_t)U * sizeof(float));
  }
}
static void join_recurrent(int U, const float *zr, const float *h, float *u) {
  for (long i = 0; i < U; i++) {
    memcpy(u + i * 3 * U, zr + i * 2 * U, (size_t)2 * U * sizeof(float));
    memcpy(u + i * 3 * U + 2 * U, h + i * U, (size_t)U * sizeof(float));
  }
}

/* ---- the steps over a span of rows ------------------------------------------------
 * Row i of a step depends only on row i of the step before (h_{t−1}, c_{t−1}
 * and their gradients), so the steps of a pass can run over a span of rows.
 * Unless something of a step sums over the rows (recurrent dropout's and the
 * GRU's reset-before dU step by step), each thread runs every step over its own
 * rows (inside a part, one join per pass) with U packed once for the pass;
 * otherwise the whole batch runs on the caller, its products on the threaded
 * GEMM and its cell passes split by rows (a join each). Every row is computed
 * by the same operations either way: the bits of any number of threads. */
typedef struct {
  int r0, r1; /* the rows; the whole batch is 0 … rows */
  int inside; /* a part of sn_parallel on thread slot `slot`, else the whole batch */
  int slot;
} span;

static span whole(int rows) { return (span){0, rows, 0, 0}; }

/* out (n floats per row) (+)= a (k per row) · B over the span's rows: inside by B packed once, else by the
 * threaded GEMM on b (k×n, or its transpose n×k when `transposed`: a·bᵀ). */
static void product(span sp, int k, int n, const float *a, const float *b, const float *packed, int transposed, float *out,
                    int accumulate) {
  if (sp.inside) k_gemm_packed(sp.r1 - sp.r0, k, n, a + (long)sp.r0 * k, packed, out + (long)sp.r0 * n, accumulate, sp.slot);
  else if (transposed) k_gemm_nt(sp.r1, k, n, a, b, out, accumulate);
  else k_gemm_nn(sp.r1, k, n, a, b, out, accumulate);
}

static void cell(span sp, cell_pass j) {
  if (sp.inside) cell_rows(&j, sp.r0, sp.r1);
  else run_cell(j, sp.r1);
}

/* Zeros n floats per row of the span's rows of p. */
static void zero_rows(span sp, int n, float *p) { memset(p + (long)sp.r0 * n, 0, (size_t)(sp.r1 - sp.r0) * n * sizeof(float)); }

/* A pass's steps as the parts of sn_parallel: each its rows, in whole micro-tiles of 4 (c/gemm.c). */
typedef struct {
  const sn_rnn *r;
  const sn_rnn_weights *w;
  const bufs *b;
  int rows;
  const float *dout; /* backward */
} steps_job;

static span part_rows(int rows, int part, int parts, int slot) {
  const int tiles = (rows + 3) / 4, r0 = 4 * (tiles * part / parts), r1 = 4 * (tiles * (part + 1) / parts);
  return (span){r0 < rows ? r0 : rows, r1 < rows ? r1 : rows, 1, slot};
}

static void act_forward(span sp, const sn_cell *cl, const float *z, float *h) {
  const long o = (long)sp.r0 * cl->units;
  if (sp.inside) k_act_forward(cl->act, cl->ap, sp.r1 - sp.r0, cl->units, z + o, h + o);
  else sn_par_act_forward(cl->act, cl->ap, sp.r1, cl->units, z, h);
}

static void act_backward(span sp, const sn_cell *cl, const float *z, const float *h, const float *dh, float *dz) {
  const long o = (long)sp.r0 * cl->units;
  if (sp.inside) k_act_backward(cl->act, cl->ap, sp.r1 - sp.r0, cl->units, z + o, h + o, dh + o, dz + o);
  else sn_par_act_backward(cl->act, cl->ap, sp.r1, cl->units, z, h, dh, dz);
}

static void bias_add(span sp, int n, float *y, const float *bias) {
  if (sp.inside) k_bias_add(sp.r1 - sp.r0, n, y + (long)sp.r0 * n, bias);
  else sn_par_bias_add(sp.r1, n, y, bias);
}

/* ---- recurrent dropout --------------------------------------------------------- */

/* The products of h_{t−1} by the first `gates` gates' blocks of U under the recurrent masks (rnn_gates.h). */
static sn_gates rec_gates(const sn_rnn *r, const bufs *b, int rows, int gates) {
  const int U = r->cell.units;
  return (sn_gates){rows, rows, U, U, gates, r->rmask, sn_rnn_gates(r->kind) * U, b->ta, b->tg};
}

/* out = (or +=) h_prev·U over the first `gates` gates (u: their columns, dense; packed: them packed once): one
 * GEMM, or under recurrent dropout (the whole batch) one per gate of its masked h. */
static void rec_forward(const sn_rnn *r, const bufs *b, span sp, int gates, const float *hp, const float *u, const float *packed,
                        float *out, int accumulate) {
  if (!r->rmask) {
    product(sp, r->cell.units, gates * r->cell.units, hp, u, packed, 0, out, accumulate);
    return;
  }
  const int rows = sp.r1;
  sn_gates g = rec_gates(r, b, rows, gates);
  sn_gates_forward(&g, hp, b->ublk, out, gates * r->cell.units, accumulate);
}

/* Step t's backward through h_{t−1}·U, when there is an h_{t−1} (t > 0 or an initial state): dh = (or +=)
 * dz·Uᵀ (packed: Uᵀ packed once); under recurrent dropout (the whole batch) each gate's part masked, and this
 * step's (h_{t−1} ⊙ M_g)ᵀ·dz_g added to dU's blocks (without it, dU is one GEMM over all steps at the end). */
static void rec_backward(const sn_rnn *r, const bufs *b, span sp, int gates, int t, const float *dz, const float *u,
                         const float *packed, const float *hp, int accumulate, int learns) {
  if (!t && !r->h0) return;
  if (!r->rmask) {
    product(sp, gates * r->cell.units, r->cell.units, dz, u, packed, 1, b->dh, accumulate);
    return;
  }
  const int rows = sp.r1;
  sn_gates g = rec_gates(r, b, rows, gates);
  sn_gates_dgrad(&g, dz, gates * r->cell.units, b->ublk, b->dh, accumulate);
  if (learns) sn_gates_wgrad(&g, hp, dz, gates * r->cell.units, b->dublk, 1);
}

/* The GRU's h_{t−1} where its candidate gate reads it (reset before the product): masked by M_h under recurrent dropout. */
static const float *candidate_h(const sn_rnn *r, const bufs *b, int rows, const float *hp) {
  if (!r->rmask) return hp;
  sn_gates g = rec_gates(r, b, rows, 3);
  sn_gates_masked(&g, 2, hp, b->hm, 0);
  return b->hm;
}

/* The input's products under per-gate input dropout masks. */
static sn_gates input_gates(const sn_rnn *r, const bufs *b, int rows) {
  const int k = sn_rnn_gates(r->kind);
  return (sn_gates){r->steps * rows, rows, r->features, r->cell.units, k, r->mask, k * r->features, b->ta, b->tg};
}

/* ---- Keras' mask ------------------------------------------------------------------ */

/* Whether row i is masked at processed step t (the input's step S − 1 − t with go_backwards). */
static int masked(const sn_rnn *r, int i, int t) {
  int s = r->backwards ? r->steps - 1 - t : t;
  return r->steps_mask[(long)i * r->steps + s] == 0.0f;
}

/* For the span's rows masked at step t: n floats per row copied from src to dst, or zeroed in dst when src is NULL. */
static void masked_rows(const sn_rnn *r, span sp, int t, int n, const float *src, float *dst) {
  for (int i = sp.r0; i < sp.r1; i++) {
    if (!masked(r, i, t)) continue;
    if (src) memcpy(dst + (long)i * n, src + (long)i * n, (size_t)n * sizeof(float));
    else memset(dst + (long)i * n, 0, (size_t)n * sizeof(float));
  }
}

/* ---- the passes ---------------------------------------------------------------- */

/* The forward steps over the span's rows (R: the batch's rows, which lay out the buffers). */
static void forward_steps(const sn_rnn *r, const sn_rnn_weights *w, const bufs *b, int R, span sp) {
  const int S = r->steps, U = r->cell.units, K = sn_rnn_gates(r->kind) * U, given = r->h0 != NULL;
  const long RU = (long)R * U, RK = (long)R * K;
  const sn_cell *cl = &r->cell;
  for (int t = 0; t < S; t++) {
    float *zt = b->z + t * RK, *at = b->a ? b->a + t * RK : NULL, *hp = b->h + t * RU, *hn = hp + RU;
    if (r->kind == SN_LAYER_SIMPLE_RNN) {
      if (t || given) rec_forward(r, b, sp, 1, hp, w->recurrent, b->pu, zt, 1);
      act_forward(sp, cl, zt, hn);
    } else if (r->kind == SN_LAYER_LSTM) {
      if (t || given) rec_forward(r, b, sp, 4, hp, w->recurrent, b->pu, zt, 1);
      cell(sp, (cell_pass){LSTM_FORWARD, cl, {zt, b->c + t * RU, at, b->c + (t + 1) * RU, b->tc + t * RU, hn}, {K, U, K, U, U, U}});
    } else if (r->reset_after) {
      float *rct = b->rc + t * RK;
      if (t || given) rec_forward(r, b, sp, 3, hp, w->recurrent, b->pu, rct, 0);
      else zero_rows(sp, K, rct);
      if (w->bias) bias_add(sp, K, rct, w->bias + K); /* the recurrent bias, row 1 */
      cell(sp, (cell_pass){GRU_FORWARD, cl, {zt, rct, hp, zt, at, hn}, {K, K, U, K, K, U}});
    } else {
      float *rht = b->rh + t * RU, *hc = (float *)candidate_h(r, b, R, hp);
      if (t || given) rec_forward(r, b, sp, 2, hp, b->uzr, b->pu, b->t1, 0);
      else zero_rows(sp, 2 * U, b->t1);
      cell(sp, (cell_pass){GATES_FORWARD, cl, {zt, b->t1, hc, zt, at, rht}, {K, 2 * U, U, K, K, U}});
      if (t || given) product(sp, U, U, rht, b->uh, b->puh, 0, b->t2, 0);
      else zero_rows(sp, U, b->t2); /* r·h_{−1} = 0 */
      cell(sp, (cell_pass){STATE_FORWARD, cl, {zt, b->t2, hp, zt, at, hn}, {K, U, U, K, K, U}});
    }
    if (r->steps_mask) { /* masked rows keep their states */
      masked_rows(r, sp, t, U, hp, hn);
      if (b->c) masked_rows(r, sp, t, U, b->c + t * RU, b->c + (t + 1) * RU);
    }
  }
}

static void forward_part(void *arg, int part, int parts, int slot) {
  const steps_job *j = arg;
  span sp = part_rows(j->rows, part, parts, slot);
  if (sp.r0 < sp.r1) forward_steps(j->r, j->w, j->b, j->rows, sp);
}

const float *sn_rnn_forward(const sn_rnn *r, const sn_rnn_weights *w, float *buf, int rows, const float *x) {
  bufs b;
  carve(r, rows, &(sn_carver){buf, 0}, &b);
  const int S = r->steps, R = rows, F = r->features, U = r->cell.units, K = sn_rnn_gates(r->kind) * U;
  const long RU = (long)R * U;
  const int gates_in = r->mask && r->gate_masks, k = sn_rnn_gates(r->kind), given = r->h0 != NULL;
  transpose(R, S, F, r->backwards, 1, x, gates_in ? NULL : r->mask, b.xt); /* x·mask with input dropout */
  if (gates_in) {
    sn_gates in = input_gates(r, &b, R);
    sn_gates_split(F, k, U, w->kernel, b.wblk);
    sn_gates_forward(&in, b.xt, b.wblk, b.z, K, 0);
  } else {
    k_gemm_nn(S * R, F, K, b.xt, w->kernel, b.z, 0);
  }
  if (w->bias) sn_par_bias_add(S * R, K, b.z, w->bias); /* GRU reset_after: the input bias, row 0 */
  if (given) memcpy(b.h, r->h0, (size_t)RU * sizeof(float));
  else memset(b.h, 0, (size_t)RU * sizeof(float));
  if (b.c && r->c0) memcpy(b.c, r->c0, (size_t)RU * sizeof(float));
  else if (b.c) memset(b.c, 0, (size_t)RU * sizeof(float));
  if (r->rmask) sn_gates_split(U, k, U, w->recurrent, b.ublk);
  if (before(r)) split_recurrent(U, w->recurrent, b.uzr, b.uh);
  if (!r->rmask) { /* the steps in parts, each over its rows */
    if (before(r)) k_gemm_pack_b(U, 2 * U, b.uzr, 0, b.pu), k_gemm_pack_b(U, U, b.uh, 0, b.puh);
    else k_gemm_pack_b(U, K, w->recurrent, 0, b.pu);
    sn_parallel(forward_part, &(steps_job){r, w, &b, R, NULL});
  } else {
    forward_steps(r, w, &b, R, whole(R));
  }
  if (!r->sequences) return b.h + S * RU;
  transpose(R, S, U, 0, 0, b.h + RU, NULL, b.out); /* the steps in the order they were processed, as Keras */
  if (r->steps_mask && r->zero_output)
    for (int i = 0; i < R; i++)
      for (int t = 0; t < S; t++)
        if (masked(r, i, t)) memset(b.out + ((long)i * S + t) * U, 0, (size_t)U * sizeof(float));
  return b.out;
}

const float *sn_rnn_output(const sn_rnn *r, float *buf, int rows) {
  bufs b;
  carve(r, rows, &(sn_carver){buf, 0}, &b);
  return r->sequences ? b.out : b.h + (long)r->steps * rows * r->cell.units;
}

void sn_rnn_final(const sn_rnn *r, float *buf, int rows, const float **h, const float **c) {
  bufs b;
  carve(r, rows, &(sn_carver){buf, 0}, &b);
  const long last = (long)r->steps * rows * r->cell.units;
  *h = b.h + last;
  *c = b.c ? b.c + last : NULL;
}

/* The backward steps, last to first, over the span's rows (R: the batch's rows, which lay out the buffers); the
 * GRU's reset before (its dU summed step by step over all rows) runs on the whole batch only. */
static void backward_steps(const sn_rnn *r, const sn_rnn_weights *w, const bufs *b, int R, const float *dout, span sp) {
  const int S = r->steps, U = r->cell.units, K = sn_rnn_gates(r->kind) * U, learns = w->dkernel != NULL, n = sp.r1 - sp.r0;
  const long RU = (long)R * U, RK = (long)R * K, ro = (long)sp.r0 * U;
  const sn_cell *cl = &r->cell;
  for (int t = S - 1; t >= 0; t--) {
    float *zt = b->z + t * RK, *at = b->a ? b->a + t * RK : NULL, *hp = b->h + t * RU, *hn = hp + RU;
    /* dh: dL/dh_t, from the output and (already in it) from step t + 1 */
    if (r->sequences)
      for (long i = sp.r0; i < sp.r1; i++) {
        const float *d = dout + (i * S + t) * U;
        if (r->steps_mask && r->zero_output && masked(r, (int)i, t)) continue; /* a zero, not h_t */
        for (int j = 0; j < U; j++) b->dh[i * U + j] += d[j];
      }
    else if (t == S - 1)
      memcpy(b->dh + ro, dout + ro, (size_t)n * U * sizeof(float));
    if (t == S - 1 && r->dh_last) /* the final h's own gradient (return_state), also where the output there is a zero */
      for (long i = ro; i < ro + (long)n * U; i++) b->dh[i] += r->dh_last[i];
    float *held_c = b->held + RU;
    if (r->steps_mask) { /* masked rows: their gradients skip this step, which sees zeros for them */
      masked_rows(r, sp, t, U, b->dh, b->held);
      masked_rows(r, sp, t, U, NULL, b->dh);
      if (b->dc) masked_rows(r, sp, t, U, b->dc, held_c), masked_rows(r, sp, t, U, NULL, b->dc);
    }
    if (r->kind == SN_LAYER_SIMPLE_RNN) {
      act_backward(sp, cl, zt, hn, b->dh, zt);
      rec_backward(r, b, sp, 1, t, zt, w->recurrent, b->pu, hp, 0, learns);
    } else if (r->kind == SN_LAYER_LSTM) {
      cell(sp, (cell_pass){LSTM_BACKWARD, cl, {zt, at, b->c + t * RU, b->c + (t + 1) * RU, b->tc + t * RU, b->dh, b->dc, b->da, zt},
                           {K, K, U, U, U, U, U, K, K}});
      rec_backward(r, b, sp, 4, t, zt, w->recurrent, b->pu, hp, 0, learns);
    } else if (r->reset_after) {
      float *rct = b->rc + t * RK;
      cell(sp, (cell_pass){GRU_BACKWARD, cl, {zt, at, rct, hp, b->dh, b->da, zt, rct, b->dh}, {K, K, K, U, U, K, K, K, U}});
      rec_backward(r, b, sp, 3, t, rct, w->recurrent, b->pu, hp, 1, learns);
    } else {
      float *rht = b->rh + t * RU, *hc = (float *)candidate_h(r, b, R, hp), *dhc = r->rmask ? b->dhm : b->dh;
      run_cell((cell_pass){STATE_BACKWARD, cl, {zt, at, hp, b->dh, b->da, zt, b->gh, b->dh}, {K, K, U, U, K, K, U, U}}, R);
      k_gemm_nt(R, U, U, b->gh, b->uh, b->t2, 0); /* dL/d(r·h_prev) */
      if (r->rmask) memset(b->dhm, 0, (size_t)RU * sizeof(float)); /* dL/d(h ⊙ M_h), masked into dh below */
      run_cell((cell_pass){GATES_BACKWARD, cl, {zt, at, hc, b->t2, b->da, zt, b->gzr, dhc}, {K, K, U, U, K, K, 2 * U, U}}, R);
      if (r->rmask) sn_gates_masked(&(sn_gates){R, R, U, U, 3, r->rmask, K, NULL, NULL}, 2, b->dhm, b->dh, 1);
      rec_backward(r, b, sp, 2, t, b->gzr, b->uzr, NULL, hp, 1, learns);
      if (learns) {
        if (!r->rmask) k_gemm_tn(R, U, 2 * U, hp, b->gzr, b->duzr, t < S - 1);
        k_gemm_tn(R, U, U, rht, b->gh, b->duh, t < S - 1);
      }
    }
    if (r->steps_mask) { /* dh_{t−1} (dc_{t−1}) of the masked rows: dh_t (dc_t) */
      masked_rows(r, sp, t, U, b->held, b->dh);
      if (b->dc) masked_rows(r, sp, t, U, held_c, b->dc);
    }
  }
}

static void backward_part(void *arg, int part, int parts, int slot) {
  const steps_job *j = arg;
  span sp = part_rows(j->rows, part, parts, slot);
  if (sp.r0 < sp.r1) backward_steps(j->r, j->w, j->b, j->rows, j->dout, sp);
}

void sn_rnn_backward(const sn_rnn *r, const sn_rnn_weights *w, float *buf, int rows, const float *dout, float *dx) {
  bufs b;
  carve(r, rows, &(sn_carver){buf, 0}, &b);
  const int S = r->steps, R = rows, F = r->features, U = r->cell.units, K = sn_rnn_gates(r->kind) * U;
  const long RU = (long)R * U;
  const int learns = w->dkernel != NULL, gates_in = r->mask && r->gate_masks, k = sn_rnn_gates(r->kind);
  memset(b.dh, 0, (size_t)RU * sizeof(float));
  if (b.dc && r->dc_last) memcpy(b.dc, r->dc_last, (size_t)RU * sizeof(float));
  else if (b.dc) memset(b.dc, 0, (size_t)RU * sizeof(float));
  if (r->rmask && learns) memset(b.dublk, 0, (size_t)U * K * sizeof(float));
  if (!r->rmask && !before(r)) { /* the steps in parts, each over its rows */
    k_gemm_pack_b(K, U, w->recurrent, 1, b.pu); /* Uᵀ */
    sn_parallel(backward_part, &(steps_job){r, w, &b, R, dout});
  } else {
    backward_steps(r, w, &b, R, dout, whole(R));
  }
  if (learns) {
    if (r->rmask && before(r)) memcpy(b.dublk + 2L * U * U, b.duh, (size_t)U * U * sizeof(float)); /* the candidate's block */
    if (r->rmask) sn_gates_join(U, k, U, b.dublk, w->drecurrent);
    else if (before(r)) join_recurrent(U, b.duzr, b.duh, w->drecurrent);
    else k_gemm_tn(S * R, U, K, b.h, b.rc ? b.rc : b.z, w->drecurrent, 0); /* H_prev = h_{−1} … h_{S−2} */
    sn_gates in = input_gates(r, &b, R);
    if (gates_in) sn_gates_wgrad(&in, b.xt, b.z, K, b.dwblk, 0), sn_gates_join(F, k, U, b.dwblk, w->dkernel);
    else k_gemm_tn(S * R, F, K, b.xt, b.z, w->dkernel, 0);
    if (w->dbias) sn_par_col_sum(S * R, K, b.z, w->dbias, 0);
    if (w->dbias && b.rc) sn_par_col_sum(S * R, K, b.rc, w->dbias + K, 0);
  }
  if (r->dh0) memcpy(r->dh0, b.dh, (size_t)RU * sizeof(float)); /* dL/dh_{−1}: step 0 computed it */
  if (r->dc0 && b.dc) memcpy(r->dc0, b.dc, (size_t)RU * sizeof(float));
  if (!dx) return;
  sn_gates in = input_gates(r, &b, R);
  if (gates_in) sn_gates_dgrad(&in, b.z, K, b.wblk, b.xt, 0); /* masked per gate: dL/dx time-major */
  else k_gemm_nt(S * R, K, F, b.z, w->kernel, b.xt, 0);
  transpose(R, S, F, r->backwards, 0, b.xt, gates_in ? NULL : r->mask, dx); /* dL/dx = dL/d(x·mask)·mask */
}
