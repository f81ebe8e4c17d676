/* The three matrix products of a dense layer (k_gemm_nn, k_gemm_tn, k_gemm_nt;
 * contracts in kernels.h) and the two of a convolution, whose A operand is its
 * im2col columns packed straight from the input (k_conv_forward, k_conv_wgrad;
 * conv_kernels.h), as ONE packed, cache-blocked GEMM.
 *
 * Every variant is C[M×N] (+)= A[M×K] · B[K×N] where A and B are *views*
 * (pointer + row and column strides) of the caller's matrices, so a transposed
 * operand is only a different pair of strides. The transposes are absorbed by
 * the packing step, which copies each operand into the layout the micro-kernel
 * reads sequentially:
 *   - A in micro-panels of MR rows:     ap[p·MR + r] = A(i0 + r, p0 + p)
 *   - B in micro-panels of NR columns:  bp[p·NR + c] = B(p0 + p, j0 + c)
 * Rows/columns past the matrix edge are packed as zeros, so the micro-kernel
 * always computes a full MR×NR tile; edge tiles go through a small buffer and
 * only their valid part reaches C.
 *
 * Blocking (Goto/BLIS order): for each NC-wide block of columns, for each
 * KC-deep slice of the reduction, pack B's KC×NC block (stays in L2), then for
 * each MC-row block pack A's MC×KC block (L2) and run the micro-kernel over
 * every MR×NR tile; the kernel streams one A micro-panel and one B micro-panel
 * (KC·(MR+NR) floats, in L1).
 *
 * Micro-kernel: MR×NR = 4×8 accumulators in 8 f32x4 registers; each step of
 * the reduction loads two B vectors and broadcasts four A values (8 multiplies
 * and 8 adds; wasm SIMD has no fused multiply-add). Measured in Node 20 on
 * x86-64, this beats 6×8, 5×8, 4×12, 3×12 and 3×16 tiles and any unrolling of
 * the reduction loop: V8 has 15 allocatable vector registers and the larger
 * tiles spill. It runs at the speed of the best of 8, 10 or 12 independent
 * multiply + add chains (bench/kernels_bench.c's "peak"): the adder and the
 * multiplier are saturated.
 *
 * Zero steps: a reduction step whose MR values in a packed A micro-panel are
 * all zero (inputs' blank pixels, ReLU's inactive units, their gradients) is
 * dropped from the panel, and the micro-kernel reads only the B rows of the
 * steps kept. Skipping is exact: each product it leaves out is ±0, and an
 * accumulator that starts at +0 is never -0 (x + -x rounds to +0), so adding
 * ±0 leaves it unchanged — as long as B is finite (0·Inf would be NaN; the
 * weights and gradients that reach here are). Done only when C is at least
 * SKIP_MIN_COLS wide, so that a panel's check is shared by enough tiles, and
 * for panels with enough zero steps to pay for reading B by index; both
 * choices depend on the shape and the data, never on the thread split (every
 * split packs the same panels).
 *
 * Summation order: the reduction is cut into ⌈K / KC⌉ slices of nearly equal
 * depth (784 = 4 × 196); each C element is Σ over p in increasing order within
 * a slice, added to C's old value at the end of the slice. The order depends
 * only on the sizes, never on timing or on which thread computes a tile, so
 * results are reproducible bit for bit.
 *
 * The pack buffers are static (one set per thread): no allocation per call.
 *
 * k_gemm_strided runs one product on the calling thread alone (no fork), with
 * the pack buffers of the thread's slot: for the small products a task of
 * sn_parallel computes within its part (the attention's per-head products).
 *
 * Threads (threads.h): C is cut into a fixed number of runs of whole tiles,
 * one per thread, each computed by gemm_block exactly as a single thread would,
 * so the threaded build gives the same bits as the single-threaded one; or,
 * for a small C with a long reduction, the slices are shared out, and those
 * a part cannot add in place are added to C after the join, in slice order. */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "conv_kernels.h"
#include "kernels.h"
#include "simd.h"
#include "threads.h"

enum {
  MR = 4,      /* micro-tile rows */
  NV = 2,      /* micro-tile vectors per row */
  NR = 4 * NV, /* micro-tile columns */
  KC = 256,    /* deepest reduction slice: an A and a B micro-panel fill 12 KB of L1 */
  MC = 128,    /* rows of A packed at once (multiple of MR): 128 KB, in L2 */
  NC = 512,    /* columns of B packed at once (multiple of NR): 512 KB, in L2 */
  SKIP_MIN_COLS = 4 * NR, /* zero steps are dropped in products at least this wide, */
  SKIP_MIN_SHARE = 8,     /* from panels where at least 1 step in 8 is zero */
  SPLIT_K_MAX_C = 1 << 14,      /* products cut along the reduction: C at most this many floats, */
  SPLIT_K_MAX_FLOATS = 1 << 20, /* and their slices summed apart at most this many */
};

/* Pack buffers of slot 0 (the calling thread); the workers of the threaded
 * build get theirs from sn_gemm_prepare_threads. */
static _Alignas(16) float pack_a0[MC * KC];
static _Alignas(16) float pack_b0[KC * NC];
static float *pack_a[SN_MAX_THREADS] = {pack_a0}, *pack_b[SN_MAX_THREADS] = {pack_b0};
/* Per A micro-panel of the MC block: the reduction steps kept (see above). */
static int kept_a0[MC / MR * KC];
static int *kept_a[SN_MAX_THREADS] = {kept_a0};
/* The slices of a product cut along its reduction that the first part does
 * not sum in place, M×N each; grown when a product needs more, never shrunk. */
static float *slices_k;
static long slices_k_floats;

/* Element (i, j) of a view is p[i·rs + j·cs]. */
typedef struct {
  const float *p;
  long rs, cs;
} view;

/* ---- packing ---------------------------------------------------------------
 * A packer fills dst[p·R + r] = X(r0 + r, p0 + p) for r < valid, 0 for
 * valid <= r < R. B panels pack the view Bᵀ (rows = N) with pack_panel; A
 * panels come from pack_a_panel (below), which also reads A straight out of a
 * convolution's input. */

/* dst[q·R + r .. r+3] = rows[r .. r+3][p + q] for q < 4: one 4×4 block,
 * transposed in registers. */
SN_ALWAYS_INLINE void transpose4(const float *const *rows, int p, float *d, int R) {
  v4f r0 = v_load(rows[0] + p), r1 = v_load(rows[1] + p), r2 = v_load(rows[2] + p), r3 = v_load(rows[3] + p);
  v4f t0 = v_zip_lo(r0, r1), t1 = v_zip_hi(r0, r1); /* r00 r10 r01 r11 | r02 r12 r03 r13 */
  v4f t2 = v_zip_lo(r2, r3), t3 = v_zip_hi(r2, r3);
  v_store(d, v_lo_lo(t0, t2));
  v_store(d + R, v_hi_hi(t0, t2));
  v_store(d + 2 * R, v_lo_lo(t1, t3));
  v_store(d + 3 * R, v_hi_hi(t1, t3));
}

/* Rows contiguous along the reduction, each at its own pointer (a view with
 * cs = 1, or the windows of a convolution): 4×4 blocks are transposed in
 * registers; leftover rows and reduction steps are copied one by one. A full
 * panel (valid = R, a constant after inlining) has no leftover rows. */
SN_ALWAYS_INLINE void pack_transposing(const float *const *rows, int kc, int valid, int R, float *dst) {
  int p = 0;
  for (; p + 4 <= kc; p += 4) {
    int r = 0;
    for (; r + 4 <= valid; r += 4) transpose4(rows + r, p, dst + (long)p * R + r, R);
    if (r == R) continue;
    for (int q = 0; q < 4; q++) {
      float *d = dst + (long)(p + q) * R;
      for (int rr = r; rr < valid; rr++) d[rr] = rows[rr][p + q];
      for (int rr = valid; rr < R; rr++) d[rr] = 0.0f;
    }
  }
  for (; p < kc; p++) {
    float *d = dst + (long)p * R;
    for (int r = 0; r < valid; r++) d[r] = rows[r][p];
    for (int r = valid; r < R; r++) d[r] = 0.0f;
  }
}

/* X(·, p) contiguous across rows (rs = 1): each reduction step is a short copy,
 * whole vectors when the panel is full (valid = R, a constant after inlining). */
SN_ALWAYS_INLINE void pack_direct(view x, int kc, int valid, int R, float *dst) {
  for (int p = 0; p < kc; p++) {
    const float *s = x.p + p * x.cs;
    float *d = dst + (long)p * R;
    int r = 0;
    for (; r + 4 <= valid; r += 4) v_store(d + r, v_load(s + r));
    for (; r < valid; r++) d[r] = s[r];
    for (; r < R; r++) d[r] = 0.0f;
  }
}

/* One packing loop per layout, with full panels of MR or NR rows (the common
 * case) compiled separately so their loops unroll to whole vectors. */
static void pack_panel(view x, int r0, int p0, int kc, int valid, int R, float *dst) {
  x.p += r0 * x.rs + p0 * x.cs;
  if (x.rs == 1) {
    if (valid == MR && R == MR) pack_direct(x, kc, MR, MR, dst);
    else if (valid == NR && R == NR) pack_direct(x, kc, NR, NR, dst);
    else pack_direct(x, kc, valid, R, dst);
  } else if (x.cs == 1) {
    const float *rows[NR];
    for (int r = 0; r < valid; r++) rows[r] = x.p + r * x.rs;
    if (valid == MR && R == MR) pack_transposing(rows, kc, MR, MR, dst);
    else if (valid == NR && R == NR) pack_transposing(rows, kc, NR, NR, dst);
    else pack_transposing(rows, kc, valid, R, dst);
  } else
    for (int p = 0; p < kc; p++)
      for (int r = 0; r < R; r++) dst[(long)p * R + r] = r < valid ? x.p[r * x.rs + p * x.cs] : 0.0f;
}

/* ---- A straight from a convolution's input (implicit im2col) -----------------
 * The im2col columns of x (conv_kernels.h: row = output position, column =
 * tap (ky, kx, ci)) are never written out: a position's taps are kh (or kh·kw
 * when dilated) runs of contiguous floats of x, at offsets from the window's
 * origin that are the same for every position, so A panels are packed from x
 * directly, in either orientation. The window must lie inside x (no padding:
 * the layer pads first, k_pad). */
typedef struct {
  const float *x;
  long sample;   /* h·w·c: floats per input sample */
  long row_step; /* sh·w·c: between the windows of consecutive output rows */
  int col_step;  /* sw·c: between the windows of consecutive output columns */
  int oh, ow;
  int run;       /* contiguous floats of one window: kw·c, or c when dilated */
  int kw;        /* runs per kernel row: 1, or kw when dilated */
  long run_ky, run_kx; /* offsets between kernel rows (dh·w·c) and dilated kernel columns (dw·c) */
} conv_src;

static conv_src conv_source(const sn_window *g, const float *x) {
  const int dilated = g->dw > 1;
  return (conv_src){x, (long)g->h * g->w * g->c, (long)g->sh * g->w * g->c, g->sw * g->c, g->oh, g->ow,
                    dilated ? g->c : g->kw * g->c, dilated ? g->kw : 1, (long)g->dh * g->w * g->c, (long)g->dw * g->c};
}

/* Offset of run s of a window from its origin. */
static long run_offset(const conv_src *s, int run) {
  return run / s->kw * s->run_ky + run % s->kw * s->run_kx;
}

/* The window origins of consecutive output positions, no division per step. */
typedef struct {
  const conv_src *s;
  int n, oy, ox;
  const float *origin;
} position;

static position position_at(const conv_src *s, long pos) {
  long per_sample = (long)s->oh * s->ow, rem = pos % per_sample;
  position q = {s, (int)(pos / per_sample), (int)(rem / s->ow), (int)(rem % s->ow), NULL};
  q.origin = s->x + q.n * s->sample + q.oy * s->row_step + (long)q.ox * s->col_step;
  return q;
}

/* Moves on by `steps` positions within the current output row (ox + steps <= ow),
 * to the next row's first window when the row is done. */
static void position_advance(position *q, int steps) {
  const conv_src *s = q->s;
  q->ox += steps;
  q->origin += (long)steps * s->col_step;
  if (q->ox < s->ow) return;
  q->ox = 0;
  if (++q->oy == s->oh) q->oy = 0, q->n++;
  q->origin = s->x + q->n * s->sample + q->oy * s->row_step;
}

/* A = the columns, rows = positions i0 … i0+valid−1, reduction = taps p0 …
 * p0+kc−1. Each run of taps is a block of rows with their own pointers into x;
 * four positions along one output row are one view (rows col_step apart). */
static void pack_positions(const conv_src *s, long i0, int valid, int p0, int kc, float *dst) {
  const float *origin[MR] = {NULL}; /* set below for every r < valid; gcc -O3 cannot tell */
  position q = position_at(s, i0);
  int uniform = valid == MR;
  for (int r = 0; r < valid; r++) {
    origin[r] = q.origin;
    uniform &= q.origin == origin[0] + (long)r * s->col_step;
    if (r + 1 < valid) position_advance(&q, 1);
  }
  for (int p = p0; p < p0 + kc;) {
    int run = p / s->run, t = p % s->run, len = s->run - t < p0 + kc - p ? s->run - t : p0 + kc - p;
    long off = run_offset(s, run) + t;
    float *d = dst + (long)(p - p0) * MR;
    if (uniform) {
      pack_panel((view){origin[0] + off, s->col_step, 1}, 0, 0, len, MR, MR, d);
    } else {
      const float *rows[MR];
      for (int r = 0; r < valid; r++) rows[r] = origin[r] + off;
      pack_transposing(rows, len, valid, MR, d);
    }
    p += len;
  }
}

/* A = the transposed columns, rows = taps i0 … i0+valid−1, reduction =
 * positions p0 … p0+kc−1: one gathered value per tap and position, or one
 * vector when the four taps are contiguous in x (within one run). */
static void pack_taps(const conv_src *s, int i0, int valid, long p0, int kc, float *dst) {
  long off[MR];
  for (int r = 0; r < MR; r++) {
    int tap = i0 + (r < valid ? r : 0);
    off[r] = run_offset(s, tap / s->run) + tap % s->run;
  }
  const int contiguous = valid == MR && off[1] == off[0] + 1 && off[2] == off[0] + 2 && off[3] == off[0] + 3;
  position q = position_at(s, p0);
  for (int p = 0; p < kc;) {
    const int len = s->ow - q.ox < kc - p ? s->ow - q.ox : kc - p, step = s->col_step;
    const float *o = q.origin;
    float *d = dst + (long)p * MR;
    if (contiguous)
      for (int t = 0; t < len; t++, o += step, d += MR) v_store(d, v_load(o + off[0]));
    else if (valid == MR)
      for (int t = 0; t < len; t++, o += step, d += MR) d[0] = o[off[0]], d[1] = o[off[1]], d[2] = o[off[2]], d[3] = o[off[3]];
    else
      for (int t = 0; t < len; t++, o += step, d += MR)
        for (int r = 0; r < MR; r++) d[r] = r < valid ? o[off[r]] : 0.0f;
    p += len;
    position_advance(&q, len);
  }
}

/* ---- the A operand ------------------------------------------------------------
 * A view, the columns of a convolution (rows = positions) or their transpose
 * (rows = taps); either may carry one more column (one_col = its index, the
 * reduction's last step) or one more row (one_row) of ones past its own
 * elements. A column of ones against a B whose last row is a bias adds the
 * bias as the product's last term; a row of ones makes the product's last row
 * the column sums of B, a bias gradient. */
enum { A_VIEW, A_POSITIONS, A_TAPS };

typedef struct {
  int kind;
  view v;        /* A_VIEW */
  conv_src conv; /* A_POSITIONS, A_TAPS */
  int one_row, one_col; /* -1: none */
} a_operand;

static void pack_a_panel(const a_operand *a, long i0, int p0, int kc, int valid, float *dst) {
  int rows = valid, steps = kc;
  if (a->one_row >= 0 && i0 + valid > a->one_row) rows = (int)(a->one_row - i0); /* the ones row and zeros after */
  if (a->one_col >= 0 && p0 + kc > a->one_col) steps = a->one_col - p0;         /* the last step is the ones */
  if (a->kind == A_VIEW) pack_panel(a->v, (int)i0, p0, steps, rows, MR, dst);
  else if (a->kind == A_POSITIONS) pack_positions(&a->conv, i0, rows, p0, steps, dst);
  else pack_taps(&a->conv, (int)i0, rows, p0, steps, dst);
  if (rows < valid)
    for (int p = 0; p < kc; p++) dst[(long)p * MR + rows] = 1.0f;
  if (steps < kc)
    for (int r = 0; r < MR; r++) dst[(long)steps * MR + r] = r < valid ? 1.0f : 0.0f;
}

/* Drops the steps of a packed A micro-panel (MR = 4 values each) that are all
 * zero, moving the rest down in order, and writes the kept steps' indices to
 * keep. Returns how many are kept: kc, the panel untouched, when fewer than
 * about 1 in SKIP_MIN_SHARE are zero. Branch-free: which steps are zero follows the
 * data, which a branch would mispredict. */
_Static_assert(MR == 4, "drop_zero_steps reads a step as one vector");
static int drop_zero_steps(float *a, int kc, int *keep) {
  int zero = 0; /* among every 4th step: a quarter of the cost of counting them all */
  for (int p = 0; p < kc; p += 4) zero += v_all_zero(v_load(a + p * MR));
  if (zero * 4 * SKIP_MIN_SHARE < kc) return kc; /* too few to pay for reading B by index */
  int kept = 0;
  for (int p = 0; p < kc; p++) {
    v4f v = v_load(a + p * MR);
    v_store(a + kept * MR, v);
    keep[kept] = p;
    kept += !v_all_zero(v);
  }
  return kept;
}

/* ---- micro-kernel ----------------------------------------------------------- */

/* c[rows×NR] (row stride ldc) = Σ_q a[q·MR + r]·b[p·NR + j] for r < rows, over
 * the steps q < steps, p = q or, with `keep`, p = keep[q]; plus c's old value
 * when `load`. rows is a constant after inlining: an edge tile of fewer than
 * MR rows (batches of 30 or 50 rows end in one) does only its own
 * multiply-adds, each element summed in the same order as in a full tile. */
SN_ALWAYS_INLINE void micro_kernel_rows(int rows, int steps, const int *keep, const float *a, const float *b, float *c, long ldc, int load) {
  v4f acc[MR][NV];
  for (int r = 0; r < rows; r++)
    for (int v = 0; v < NV; v++) acc[r][v] = v_zero();
  for (int q = 0; q < steps; q++, a += MR) {
    const float *bq = b + (long)(keep ? keep[q] : q) * NR;
    v4f bv[NV];
    for (int v = 0; v < NV; v++) bv[v] = v_load(bq + 4 * v);
    for (int r = 0; r < rows; r++) {
      v4f ar = v_load_splat(a + r);
      for (int v = 0; v < NV; v++) acc[r][v] = v_madd_relaxed(ar, bv[v], acc[r][v]);
    }
  }
  for (int r = 0; r < rows; r++) {
    float *cr = c + r * ldc;
    for (int v = 0; v < NV; v++) {
      if (load) acc[r][v] = v_add(acc[r][v], v_load(cr + 4 * v));
      v_store(cr + 4 * v, acc[r][v]);
    }
  }
}

/* A tile of `rows` (1 … MR) rows over a panel whose steps are all there
 * (keep = NULL) or thinned, each case compiled with its constants. */
static void micro_kernel(int rows, int steps, const int *keep, const float *a, const float *b, float *c, long ldc, int load) {
#define ROWS(n) (keep ? micro_kernel_rows(n, steps, keep, a, b, c, ldc, load) : micro_kernel_rows(n, steps, NULL, a, b, c, ldc, load))
  if (rows == MR) ROWS(MR);
  else if (rows == 1) ROWS(1);
  else if (rows == 2) ROWS(2);
  else ROWS(3);
#undef ROWS
}

/* One tile of C at c with rows × cols valid (at most MR × NR). A tile narrower
 * than NR goes through a buffer; old + new equals new + old bit for bit, so
 * either path gives the same C. */
static void tile(int steps, const int *keep, const float *a, const float *b, float *c, long ldc, int rows, int cols, int load) {
  if (cols == NR) {
    micro_kernel(rows, steps, keep, a, b, c, ldc, load);
    return;
  }
  float t[MR * NR];
  micro_kernel(rows, steps, keep, a, b, t, NR, 0);
  for (int r = 0; r < rows; r++)
    for (int j = 0; j < cols; j++) {
      float *dst = c + r * ldc + j;
      *dst = load ? *dst + t[r * NR + j] : t[r * NR + j];
    }
}

/* ---- driver ----------------------------------------------------------------- */

static int min_int(int a, int b) { return a < b ? a : b; }

typedef struct {
  int M, N, K;
  a_operand a; /* A[M×K] */
  view bt;     /* Bᵀ[N×K] */
  float *c;
  long ldc;
  int accumulate;
  int split_k;           /* cut along the reduction (see cut_reduction) */
  const float *packed_b; /* B packed once by k_gemm_pack_b, or NULL: packed here */
} gemm_job;

/* The reduction's slices (see the summation order above): slice s is
 * [slice_start(K, s), slice_start(K, s + 1)), at most KC deep. */
static int slice_count(int K) { return (K + KC - 1) / KC; }
static int slice_start(int K, int s) { return (int)((long)K * s / slice_count(K)); }

/* Columns of B as packed: N rounded up to whole panels. */
static long padded_cols(int N) { return (long)(N + NR - 1) / NR * NR; }

/* Slices [s0, s1) of the block rows [i0, i1) × columns [j0, j1) of the
 * product into c (row stride ldc, indexed as C), onto what c holds when
 * `load`, with slot's pack buffers. A Bᵀ that is already one panel (N = NR
 * columns of B, rows contiguous) is read in place, and a B packed once
 * (k_gemm_pack_b) where its panels lie. */
static void gemm_block(const gemm_job *g, int i0, int i1, int j0, int j1, int s0, int s1, float *c, long ldc, int load,
                       int slot) {
  const int K = g->K, b_in_place = g->N == NR && g->bt.rs == 1 && g->bt.cs == NR, skip = g->N >= SKIP_MIN_COLS;
  float *pa = pack_a[slot], *pb = pack_b[slot];
  int *kept = kept_a[slot], steps[MC / MR];
  for (int jc = j0; jc < j1; jc += NC) {
    int nc = min_int(NC, j1 - jc);
    for (int s = s0; s < s1; s++) {
      int pc = slice_start(K, s), kc = slice_start(K, s + 1) - pc, ld = load || s > s0;
      const float *b = g->packed_b ? g->packed_b + pc * padded_cols(g->N) + (long)jc * kc : b_in_place ? g->bt.p + (long)pc * NR : pb;
      if (!b_in_place && !g->packed_b)
        for (int jr = 0; jr < nc; jr += NR) pack_panel(g->bt, jc + jr, pc, kc, min_int(NR, nc - jr), NR, pb + jr * kc);
      for (int ic = i0; ic < i1; ic += MC) {
        int mc = min_int(MC, i1 - ic);
        for (int ir = 0; ir < mc; ir += MR) {
          pack_a_panel(&g->a, ic + ir, pc, kc, min_int(MR, mc - ir), pa + ir * kc);
          steps[ir / MR] = skip ? drop_zero_steps(pa + ir * kc, kc, kept + ir / MR * KC) : kc;
        }
        for (int jr = 0; jr < nc; jr += NR)
          for (int ir = 0; ir < mc; ir += MR) {
            const int n = steps[ir / MR];
            tile(n, n < kc ? kept + ir / MR * KC : NULL, pa + ir * kc, b + jr * kc, c + (long)(ic + ir) * ldc + jc + jr, ldc,
                 min_int(MR, mc - ir), min_int(NR, nc - jr), ld);
          }
      }
    }
  }
}

/* Whether to cut a product along its reduction: when C is small and its
 * slices share out evenly. Cutting C's rows has every part pack all of B,
 * cutting its columns all of A: for M2's first layer (30×784 · 784×64) that
 * was 19 µs of packing per part against 13.5 for the whole A on one thread,
 * and for M5's first weight gradient (10×86528 · 86528×32) 2 threads were no
 * faster than one. Cut along the reduction, each part packs only its own
 * slices of A and B, and M2's reads only its own rows of the weights, the
 * rows the same thread computes the gradient of, and updates, later in the
 * step. The slices summed apart need scratch memory (allocated once). */
static int cut_reduction(const gemm_job *g, int parts) {
  int n = slice_count(g->K);
  long c = (long)g->M * g->N, apart = c * (n - n / parts);
  if (parts < 2 || n % parts || c > SPLIT_K_MAX_C || apart > SPLIT_K_MAX_FLOATS) return 0;
  if (apart > slices_k_floats) {
    float *p = realloc(slices_k, (size_t)apart * sizeof *p);
    if (!p) return 0; /* the tile split needs none */
    slices_k = p, slices_k_floats = apart;
  }
  return 1;
}

/* Where slice s (one the first part does not sum in place) is summed. */
static float *slice_apart(const gemm_job *g, int s, int parts) {
  return slices_k + (long)(s - slice_count(g->K) / parts) * g->M * g->N;
}

/* Part `part` of `parts`: a contiguous run of slices (split_k; the first
 * part's are summed in C, the others' each in its own M×N of slices_k), or a
 * contiguous run of whole tiles along the longer side of C (in tiles). Each
 * element of C or of a slice is computed by exactly the same operations
 * whichever part holds it, so the split changes no bit. */
static void gemm_part(void *arg, int part, int parts, int slot) {
  const gemm_job *g = arg;
  int tiles_m = (g->M + MR - 1) / MR, tiles_n = (g->N + NR - 1) / NR, n = slice_count(g->K);
  if (g->split_k) {
    int s0 = n * part / parts, s1 = n * (part + 1) / parts;
    if (part == 0) gemm_block(g, 0, g->M, 0, g->N, s0, s1, g->c, g->ldc, g->accumulate, slot);
    else
      for (int s = s0; s < s1; s++) gemm_block(g, 0, g->M, 0, g->N, s, s + 1, slice_apart(g, s, parts), g->N, 0, slot);
  } else if (tiles_n >= tiles_m) {
    int j0 = tiles_n * part / parts * NR, j1 = min_int(g->N, tiles_n * (part + 1) / parts * NR);
    if (j0 < j1) gemm_block(g, 0, g->M, j0, j1, 0, n, g->c, g->ldc, g->accumulate, slot);
  } else {
    int i0 = tiles_m * part / parts * MR, i1 = min_int(g->M, tiles_m * (part + 1) / parts * MR);
    if (i0 < i1) gemm_block(g, i0, i1, 0, g->N, 0, n, g->c, g->ldc, g->accumulate, slot);
  }
}

/* After a product cut along its reduction: C += each slice the first part did
 * not sum in place, in slice order, as gemm_block adds a slice (new + old). */
static void add_slices(const gemm_job *g, int parts) {
  for (int s = slice_count(g->K) / parts; s < slice_count(g->K); s++)
    for (int i = 0; i < g->M; i++) {
      const float *t = slice_apart(g, s, parts) + (long)i * g->N;
      float *c = g->c + (long)i * g->ldc;
      int j = 0;
      for (; j + 4 <= g->N; j += 4) v_store(c + j, v_add(v_load(t + j), v_load(c + j)));
      for (; j < g->N; j++) c[j] = t[j] + c[j];
    }
}

/* Products smaller than this many multiply-adds (a few microseconds on one
 * thread) stay on one thread: the fork and join would cost about as much.
 * M1's and M2's products (1.5 to 2.5 million) are split: their steps are
 * about 70% products. (Was 1 << 22, which kept them on one thread; with one
 * of the 2 cores held by another program, splitting them was about 12%
 * slower than that, so re-measure on a quiet machine.) */
enum { PARALLEL_MIN_MADDS = 1 << 16 };

/* An empty reduction: C = 0, or C unchanged when accumulating. */
static void zero_c(int M, int N, float *c, long ldc, int accumulate) {
  if (!accumulate)
    for (int i = 0; i < M; i++) memset(c + (long)i * ldc, 0, (size_t)N * sizeof *c);
}

/* A product of fewer rows than a micro-tile whose A rows and B rows are contiguous (generation's one
 * position at a time through k_gemm_nn): packing B would cost more than the product, so B is read in
 * place, four columns at a time (a last partial vector through a padded copy). Each C element is
 * summed over each slice in increasing p from +0 and added to C's old value at the slice's end, the
 * packed path's order with the same operations, so the bits are the same. */
static void gemm_thin(int M, int N, int K, const view *a, const view *bt, float *c, long ldc, int accumulate) {
  for (int i = 0; i < M; i++) {
    const float *ai = a->p + i * a->rs;
    float *ci = c + i * ldc;
    for (int s = 0; s < slice_count(K); s++) {
      const int p0 = slice_start(K, s), p1 = slice_start(K, s + 1), load = accumulate || s > 0;
      for (int j = 0; j < N; j += 4) {
        v4f acc = v_zero();
        if (j + 4 <= N) {
          for (int p = p0; p < p1; p++) acc = v_madd_relaxed(v_load_splat(ai + p), v_load(bt->p + p * bt->cs + j), acc);
        } else {
          float row[4] = {0};
          for (int p = p0; p < p1; p++) {
            for (int q = 0; q < N - j; q++) row[q] = bt->p[p * bt->cs + j + q];
            acc = v_madd_relaxed(v_load_splat(ai + p), v_load(row), acc);
          }
        }
        float out[4];
        v_store(out, acc);
        for (int q = 0; q < 4 && j + q < N; q++) ci[j + q] = load ? ci[j + q] + out[q] : out[q];
      }
    }
  }
}

/* C[M×N] (row stride ldc) (+)= A[M×K] · B[K×N], with B given as its transpose
 * view bt[N×K]. */
static void gemm(int M, int N, int K, a_operand a, view bt, float *c, long ldc, int accumulate) {
  if (K == 0) {
    zero_c(M, N, c, ldc, accumulate);
    return;
  }
  if (M < MR && a.kind == A_VIEW && a.one_row < 0 && a.one_col < 0 && a.v.cs == 1 && bt.rs == 1) {
    gemm_thin(M, N, K, &a.v, &bt, c, ldc, accumulate);
    return;
  }
  gemm_job g = {M, N, K, a, bt, c, ldc, accumulate, 0, NULL};
  if (sn_threads_count() > 1 && (long)M * N * K < PARALLEL_MIN_MADDS) {
    gemm_block(&g, 0, M, 0, N, 0, slice_count(K), c, ldc, accumulate, 0);
    return;
  }
  int parts = sn_parallel_parts();
  g.split_k = cut_reduction(&g, parts);
  sn_parallel(gemm_part, &g);
  if (g.split_k) add_slices(&g, parts);
}

static a_operand a_view(const float *p, long rs, long cs) { return (a_operand){A_VIEW, {p, rs, cs}, {0}, -1, -1}; }

/* Pack buffers for the worker slots 1..threads−1 (the threaded build calls
 * this on the main thread before sn_threads_start). Returns 0 when out of memory. */
SN_API int sn_gemm_prepare_threads(int threads) {
  for (int t = 1; t < threads && t < SN_MAX_THREADS; t++) {
    if (pack_a[t]) continue;
    pack_a[t] = malloc(sizeof pack_a0);
    pack_b[t] = malloc(sizeof pack_b0);
    kept_a[t] = malloc(sizeof kept_a0);
    if (!pack_a[t] || !pack_b[t] || !kept_a[t]) {
      free(pack_a[t]), free(pack_b[t]), free(kept_a[t]);
      pack_a[t] = pack_b[t] = NULL, kept_a[t] = NULL;
      return 0;
    }
  }
  return 1;
}

/* One gemm_block over the whole product on the calling thread (no fork: the caller is a part of
 * sn_parallel already), with slot's pack buffers. */
void k_gemm_strided(int m, int k, int n, const float *a, long ars, long acs, const float *b, long brs, long bcs, float *c,
                    long ldc, int accumulate, int slot) {
  if (k == 0) {
    zero_c(m, n, c, ldc, accumulate);
    return;
  }
  gemm_job g = {m, n, k, a_view(a, ars, acs), (view){b, bcs, brs}, c, ldc, accumulate, 0, NULL};
  gemm_block(&g, 0, m, 0, n, 0, slice_count(k), c, ldc, accumulate, slot);
}

/* c[m×n] (+)= a[m×k]·b[k×n]: A = a, Bᵀ(j, p) = b[p·n + j]. */
void k_gemm_nn(int m, int k, int n, const float *a, const float *b, float *c, int accumulate) {
  gemm(m, n, k, a_view(a, k, 1), (view){b, 1, n}, c, n, accumulate);
}

/* c[k×n] (+)= aᵀ·b with a[m×k]: A(i, p) = a[p·k + i], Bᵀ(j, p) = b[p·n + j]. */
void k_gemm_tn(int m, int k, int n, const float *a, const float *b, float *c, int accumulate) {
  gemm(k, n, m, a_view(a, 1, k), (view){b, 1, n}, c, n, accumulate);
}

/* c[m×k] (+)= a·bᵀ with a[m×n], b[k×n]: A = a, Bᵀ = b. */
void k_gemm_nt(int m, int n, int k, const float *a, const float *b, float *c, int accumulate) {
  gemm(m, k, n, a_view(a, n, 1), (view){b, n, 1}, c, k, accumulate);
}

/* ---- B packed once -------------------------------------------------------------
 * A product by the same B many times (a recurrent layer's U at every step)
 * packs B once: every slice's panels side by side, slice s at pc·N' (N' = N
 * rounded up to NR), its panel of columns j … j+NR−1 at j·kc within, exactly
 * what gemm_block packs for that slice and those columns; the products then
 * read it in place, so they give the bits of k_gemm_nn / k_gemm_nt. */

long k_gemm_packed_floats(int k, int n) { return (long)k * padded_cols(n); }

void k_gemm_pack_b(int k, int n, const float *b, int transposed, float *packed) {
  const view bt = transposed ? (view){b, k, 1} : (view){b, 1, n};
  for (int s = 0; s < slice_count(k); s++) {
    const int pc = slice_start(k, s), kc = slice_start(k, s + 1) - pc;
    for (int j = 0; j < n; j += NR) pack_panel(bt, j, pc, kc, min_int(NR, n - j), NR, packed + pc * padded_cols(n) + (long)j * kc);
  }
}

void k_gemm_packed(int m, int k, int n, const float *a, const float *packed, float *c, int accumulate, int slot) {
  if (k == 0) {
    if (!accumulate) memset(c, 0, (size_t)m * n * sizeof *c);
    return;
  }
  const gemm_job g = {m, n, k, a_view(a, k, 1), {NULL, 0, 0}, c, n, accumulate, 0, packed};
  gemm_block(&g, 0, m, 0, n, 0, slice_count(k), c, n, accumulate, slot);
}

/* The convolution's products with the columns never written: z = cols·w (+ bias
 * as w's row K), dw = colsᵀ·dz (+ the bias gradient as dw's row K). */
void k_conv_forward(const sn_window *g, int rows, int filters, const float *x, const float *w, int bias, float *z) {
  const int K = g->kh * g->kw * g->c;
  a_operand A = {A_POSITIONS, {0}, conv_source(g, x), -1, bias ? K : -1};
  gemm(rows * g->oh * g->ow, filters, K + (bias != 0), A, (view){w, 1, filters}, z, filters, 0);
}

void k_conv_wgrad(const sn_window *g, int rows, int filters, const float *x, const float *dz, int bias, float *dw) {
  const int K = g->kh * g->kw * g->c;
  a_operand A = {A_TAPS, {0}, conv_source(g, x), bias ? K : -1, -1};
  gemm(K + (bias != 0), filters, rows * g->oh * g->ow, A, (view){dz, 1, filters}, dw, filters, 0);
}
