/* The three matrix products of a dense layer (k_gemm_nn, k_gemm_tn, k_gemm_nt;
 * contracts in kernels.h) as ONE packed, cache-blocked GEMM.
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
 * Summation order: each C element is Σ over p in increasing order within a KC
 * slice, added to C's old value at the end of the slice. The order depends only
 * on the sizes, never on timing or on which thread computes a tile, so results
 * are reproducible bit for bit.
 *
 * The pack buffers are static (one set per thread): no allocation per call.
 *
 * Threads (threads.h): C is cut into a fixed number of runs of whole tiles,
 * one per thread, each computed by gemm_block exactly as a single thread would,
 * so the threaded build gives the same bits as the single-threaded one. */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "kernels.h"
#include "simd.h"
#include "threads.h"

enum {
  MR = 4,      /* micro-tile rows */
  NV = 2,      /* micro-tile vectors per row */
  NR = 4 * NV, /* micro-tile columns */
  KC = 256,    /* reduction slice: an A and a B micro-panel fill 12 KB of L1 */
  MC = 128,    /* rows of A packed at once (multiple of MR): 128 KB, in L2 */
  NC = 512,    /* columns of B packed at once (multiple of NR): 512 KB, in L2 */
};

/* Pack buffers of slot 0 (the calling thread); the workers of the threaded
 * build get theirs from sn_gemm_prepare_threads. */
static _Alignas(16) float pack_a0[MC * KC];
static _Alignas(16) float pack_b0[KC * NC];
static float *pack_a[SN_MAX_THREADS] = {pack_a0}, *pack_b[SN_MAX_THREADS] = {pack_b0};

/* Element (i, j) of a view is p[i·rs + j·cs]. */
typedef struct {
  const float *p;
  long rs, cs;
} view;

/* ---- packing ---------------------------------------------------------------
 * pack_panel(X, r0, p0, kc, valid, R, dst): dst[p·R + r] = X(r0 + r, p0 + p)
 * for r < valid, 0 for valid <= r < R. A panels pack A (rows = M); B panels pack
 * the view Bᵀ (rows = N), so one function serves both operands. */

/* dst[q·R + r0 .. r0+3] = X(r0 .. r0+3, p + q) for q < 4: one 4×4 block of rows
 * contiguous along the reduction, transposed in registers. */
SN_ALWAYS_INLINE void transpose4(const float *s, long rs, float *d, int R) {
  v4f r0 = v_load(s), r1 = v_load(s + rs), r2 = v_load(s + 2 * rs), r3 = v_load(s + 3 * rs);
  v4f t0 = v_zip_lo(r0, r1), t1 = v_zip_hi(r0, r1); /* r00 r10 r01 r11 | r02 r12 r03 r13 */
  v4f t2 = v_zip_lo(r2, r3), t3 = v_zip_hi(r2, r3);
  v_store(d, v_lo_lo(t0, t2));
  v_store(d + R, v_hi_hi(t0, t2));
  v_store(d + 2 * R, v_lo_lo(t1, t3));
  v_store(d + 3 * R, v_hi_hi(t1, t3));
}

/* X(r, ·) contiguous along the reduction (cs = 1): 4×4 blocks are transposed in
 * registers; leftover rows and reduction steps are copied one by one. A full
 * panel (valid = R, a constant after inlining) has no leftover rows. */
SN_ALWAYS_INLINE void pack_transposing(view x, int kc, int valid, int R, float *dst) {
  int p = 0;
  for (; p + 4 <= kc; p += 4) {
    int r = 0;
    for (; r + 4 <= valid; r += 4) transpose4(x.p + r * x.rs + p, x.rs, dst + (long)p * R + r, R);
    if (r == R) continue;
    for (int q = 0; q < 4; q++) {
      float *d = dst + (long)(p + q) * R;
      for (int rr = r; rr < valid; rr++) d[rr] = x.p[rr * x.rs + p + q];
      for (int rr = valid; rr < R; rr++) d[rr] = 0.0f;
    }
  }
  for (; p < kc; p++) {
    float *d = dst + (long)p * R;
    for (int r = 0; r < valid; r++) d[r] = x.p[r * x.rs + p];
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
  if (x.cs == 1) {
    if (valid == MR && R == MR) pack_transposing(x, kc, MR, MR, dst);
    else if (valid == NR && R == NR) pack_transposing(x, kc, NR, NR, dst);
    else pack_transposing(x, kc, valid, R, dst);
  } else if (x.rs == 1) {
    if (valid == MR && R == MR) pack_direct(x, kc, MR, MR, dst);
    else if (valid == NR && R == NR) pack_direct(x, kc, NR, NR, dst);
    else pack_direct(x, kc, valid, R, dst);
  } else
    for (int p = 0; p < kc; p++)
      for (int r = 0; r < R; r++) dst[(long)p * R + r] = r < valid ? x.p[r * x.rs + p * x.cs] : 0.0f;
}

/* ---- micro-kernel ----------------------------------------------------------- */

/* c[MR×NR] (row stride ldc) = Σ_p a[p·MR + r]·b[p·NR + j], plus c's old value
 * when `load`. */
static void micro_kernel(int kc, const float *a, const float *b, float *c, long ldc, int load) {
  v4f acc[MR][NV];
  for (int r = 0; r < MR; r++)
    for (int v = 0; v < NV; v++) acc[r][v] = v_zero();
  for (int p = 0; p < kc; p++, a += MR, b += NR) {
    v4f bv[NV];
    for (int v = 0; v < NV; v++) bv[v] = v_load(b + 4 * v);
    for (int r = 0; r < MR; r++) {
      v4f ar = v_load_splat(a + r);
      for (int v = 0; v < NV; v++) acc[r][v] = v_madd_relaxed(ar, bv[v], acc[r][v]);
    }
  }
  for (int r = 0; r < MR; r++) {
    float *cr = c + r * ldc;
    for (int v = 0; v < NV; v++) {
      if (load) acc[r][v] = v_add(acc[r][v], v_load(cr + 4 * v));
      v_store(cr + 4 * v, acc[r][v]);
    }
  }
}

/* One tile of C at c with rows × cols valid (at most MR × NR). */
static void tile(int kc, const float *a, const float *b, float *c, long ldc, int rows, int cols, int load) {
  if (rows == MR && cols == NR) {
    micro_kernel(kc, a, b, c, ldc, load);
    return;
  }
  float t[MR * NR];
  micro_kernel(kc, a, b, t, NR, 0);
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
  view a, bt; /* A[M×K] and Bᵀ[N×K] */
  float *c;
  long ldc;
  int accumulate;
} gemm_job;

/* The block rows [i0, i1) × columns [j0, j1) of C, with slot's pack buffers. */
static void gemm_block(const gemm_job *g, int i0, int i1, int j0, int j1, int slot) {
  int M = i1 - i0, N = j1 - j0, K = g->K;
  view a = {g->a.p + i0 * g->a.rs, g->a.rs, g->a.cs}, bt = {g->bt.p + j0 * g->bt.rs, g->bt.rs, g->bt.cs};
  float *c = g->c + i0 * g->ldc + j0, *pa = pack_a[slot], *pb = pack_b[slot];
  long ldc = g->ldc;
  for (int jc = 0; jc < N; jc += NC) {
    int nc = min_int(NC, N - jc);
    for (int pc = 0; pc < K; pc += KC) {
      int kc = min_int(KC, K - pc), load = g->accumulate || pc > 0;
      for (int jr = 0; jr < nc; jr += NR)
        pack_panel(bt, jc + jr, pc, kc, min_int(NR, nc - jr), NR, pb + jr * kc);
      for (int ic = 0; ic < M; ic += MC) {
        int mc = min_int(MC, M - ic);
        for (int ir = 0; ir < mc; ir += MR)
          pack_panel(a, ic + ir, pc, kc, min_int(MR, mc - ir), MR, pa + ir * kc);
        for (int jr = 0; jr < nc; jr += NR)
          for (int ir = 0; ir < mc; ir += MR)
            tile(kc, pa + ir * kc, pb + jr * kc, c + (ic + ir) * ldc + jc + jr, ldc,
                 min_int(MR, mc - ir), min_int(NR, nc - jr), load);
      }
    }
  }
}

/* Part `part` of `parts`: a contiguous run of whole tiles along the longer
 * side of C (in tiles). Each element of C is computed by exactly the same
 * operations whichever part holds it, so the split changes no bit. */
static void gemm_part(void *arg, int part, int parts, int slot) {
  const gemm_job *g = arg;
  int tiles_m = (g->M + MR - 1) / MR, tiles_n = (g->N + NR - 1) / NR;
  if (tiles_n >= tiles_m) {
    int j0 = tiles_n * part / parts * NR, j1 = min_int(g->N, tiles_n * (part + 1) / parts * NR);
    if (j0 < j1) gemm_block(g, 0, g->M, j0, j1, slot);
  } else {
    int i0 = tiles_m * part / parts * MR, i1 = min_int(g->M, tiles_m * (part + 1) / parts * MR);
    if (i0 < i1) gemm_block(g, i0, i1, 0, g->N, slot);
  }
}

/* Products smaller than this many multiply-adds (a few microseconds on one
 * thread) stay on one thread: the fork and join would cost about as much.
 * M1's and M2's products (1.5 to 2.5 million) are split: their steps are
 * about 70% products. (Was 1 << 22, which kept them on one thread; with one
 * of the 2 cores held by another program, splitting them was about 12%
 * slower than that, so re-measure on a quiet machine.) */
enum { PARALLEL_MIN_MADDS = 1 << 16 };

/* C[M×N] (row stride ldc) (+)= A[M×K] · B[K×N], with B given as its transpose
 * view bt[N×K]. */
static void gemm(int M, int N, int K, view a, view bt, float *c, long ldc, int accumulate) {
  if (K == 0) {
    if (!accumulate)
      for (int i = 0; i < M; i++) memset(c + i * ldc, 0, (size_t)N * sizeof *c);
    return;
  }
  gemm_job g = {M, N, K, a, bt, c, ldc, accumulate};
  if (sn_threads_count() > 1 && (long)M * N * K < PARALLEL_MIN_MADDS) gemm_block(&g, 0, M, 0, N, 0);
  else sn_parallel(gemm_part, &g);
}

/* Pack buffers for the worker slots 1..threads−1 (the threaded build calls
 * this on the main thread before sn_threads_start). Returns 0 when out of memory. */
SN_API int sn_gemm_prepare_threads(int threads) {
  for (int t = 1; t < threads && t < SN_MAX_THREADS; t++) {
    if (pack_a[t]) continue;
    pack_a[t] = malloc(sizeof pack_a0);
    pack_b[t] = malloc(sizeof pack_b0);
    if (!pack_a[t] || !pack_b[t]) {
      free(pack_a[t]), free(pack_b[t]);
      pack_a[t] = pack_b[t] = NULL;
      return 0;
    }
  }
  return 1;
}

/* c[m×n] (+)= a[m×k]·b[k×n]: A = a, Bᵀ(j, p) = b[p·n + j]. */
void k_gemm_nn(int m, int k, int n, const float *a, const float *b, float *c, int accumulate) {
  gemm(m, n, k, (view){a, k, 1}, (view){b, 1, n}, c, n, accumulate);
}

/* c[k×n] (+)= aᵀ·b with a[m×k]: A(i, p) = a[p·k + i], Bᵀ(j, p) = b[p·n + j]. */
void k_gemm_tn(int m, int k, int n, const float *a, const float *b, float *c, int accumulate) {
  gemm(k, n, m, (view){a, 1, k}, (view){b, 1, n}, c, n, accumulate);
}

/* c[m×k] (+)= a·bᵀ with a[m×n], b[k×n]: A = a, Bᵀ = b. */
void k_gemm_nt(int m, int n, int k, const float *a, const float *b, float *c, int accumulate) {
  gemm(m, k, n, (view){a, n, 1}, (view){b, n, 1}, c, k, accumulate);
}
