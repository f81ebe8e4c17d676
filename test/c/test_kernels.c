/* Tests every SIMD kernel k_* (c/kernels.c) against its scalar reference ref_*
 * (c/kernels_ref.c), the references against double-precision results, v_exp
 * against exp(), and both activation backward passes against central finite
 * differences of the forward pass.
 *
 * Outputs are allocated with guard cells on both sides (checked afterwards) and
 * at an address that is not 16-byte aligned; outputs that must be overwritten
 * start as NaN, so an element a kernel skips (or reads when accumulate = 0)
 * fails the comparison. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buffers.h"
#include "check.h"
#include "kernels.h"
#include "simd.h"
#include "threads.h"

/* Every activation once with the parameters the API gives it, and relu also
 * capped (relu6, MobileNet's ReLU(max_value=6)) and with every Keras option. */
typedef struct {
  int act;
  sn_act_param p;
  const char *name;
} act_case;
static const act_case CASES[] = {
    {SN_ACT_LINEAR, {0.2f, INFINITY, 0}, "linear"},
    {SN_ACT_SIGMOID, {0, INFINITY, 0}, "sigmoid"},
    {SN_ACT_TANH, {0, INFINITY, 0}, "tanh"},
    {SN_ACT_RELU, {0, INFINITY, 0}, "relu"},
    {SN_ACT_RELU, {0, 6.0f, 0}, "relu max 6"},
    {SN_ACT_RELU, {0, 1.5f, 0}, "relu max 1.5"},
    {SN_ACT_RELU, {0.3f, 2.5f, 0.5f}, "relu slope .3 max 2.5 threshold .5"},
    {SN_ACT_RELU, {0, INFINITY, 1.0f}, "relu threshold 1 (ThresholdedReLU)"},
    {SN_ACT_RELU, {0.1f, INFINITY, 0}, "relu slope .1"},
    {SN_ACT_LEAKY_RELU, {0.2f, INFINITY, 0}, "leakyRelu"},
    {SN_ACT_SOFTMAX, {0, INFINITY, 0}, "softmax"},
    {SN_ACT_ELU, {1.0f, INFINITY, 0}, "elu"},
    {SN_ACT_ELU, {0.5f, INFINITY, 0}, "elu alpha .5"},
    {SN_ACT_SELU, {0, INFINITY, 0}, "selu"},
    {SN_ACT_RELU6, {0, INFINITY, 0}, "relu6"},
    {SN_ACT_SOFTPLUS, {0, INFINITY, 0}, "softplus"},
    {SN_ACT_SOFTSIGN, {0, INFINITY, 0}, "softsign"},
    {SN_ACT_SWISH, {0, INFINITY, 0}, "swish"},
    {SN_ACT_MISH, {0, INFINITY, 0}, "mish"},
    {SN_ACT_GELU, {0, INFINITY, 0}, "gelu"},
    {SN_ACT_GELU_NEW, {0, INFINITY, 0}, "geluNew"},
    {SN_ACT_HARD_SIGMOID, {1.0f / 6.0f, INFINITY, 0}, "hardSigmoid (Keras 3)"},
    {SN_ACT_HARD_SIGMOID, {0.2f, INFINITY, 0}, "hardSigmoid (TF.js)"},
    {SN_ACT_HARD_SILU, {0, INFINITY, 0}, "hardSilu"},
    {SN_ACT_EXPONENTIAL, {0, INFINITY, 0}, "exponential"},
    {SN_ACT_LOG_SOFTMAX, {0, INFINITY, 0}, "logSoftmax"},
};
enum { NCASES = sizeof CASES / sizeof CASES[0] };

/* ---- GEMM ----------------------------------------------------------------- */

typedef void gemm_fn(int, int, int, const float *, const float *, float *, int);
enum { NN, TN, NT };
static const struct {
  const char *name;
  gemm_fn *k, *ref;
} GEMM[] = {{"gemm_nn", k_gemm_nn, ref_gemm_nn},
            {"gemm_tn", k_gemm_tn, ref_gemm_tn},
            {"gemm_nt", k_gemm_nt, ref_gemm_nt}};

static void transpose(int rows, int cols, const float *src, float *dst) {
  for (int i = 0; i < rows; i++)
    for (int j = 0; j < cols; j++) dst[(long)j * rows + i] = src[(long)i * cols + j];
}

/* Sets A(i, p) (rows×K, stored as kind's a) to ±0 for about half of the steps p
 * of each group of four rows — the steps c/gemm.c drops from its micro-panels —
 * and at scattered single places. */
static void put_zeros(int kind, float *a, int rows, int K) {
  for (int i = 0; i < rows; i++)
    for (int p = 0; p < K; p++) {
      unsigned h = (unsigned)(i / 4) * 2654435761u ^ (unsigned)p * 40503u, single = (unsigned)(i * 31 + p * 17) % 11 == 0;
      if (h % 7 < 4 || single) a[kind == TN ? (long)p * rows + i : (long)i * K + p] = h % 3 ? 0.0f : -0.0f;
    }
}

/* Calls GEMM[kind] with its three size arguments (d0, d1, d2) exactly as in
 * kernels.h. In every kind a is d0×d1; each computes C = A·B for a logical A
 * (rows×K) and B (K×cols) obtained from a and b by optional transposes, which
 * this test materialises to compute the exact result in double. A is thinned
 * by put_zeros when `zeros`. */
static void test_gemm_zeros(int kind, int d0, int d1, int d2, int accumulate, int zeros) {
  int rows = kind == TN ? d1 : d0, K = kind == TN ? d0 : d1, cols = d2;
  long na = (long)d0 * d1, nb = (long)K * cols, nc = (long)rows * cols;
  float *a = buf_random(na, -3, 3), *b = buf_random(nb, -3, 3);
  if (zeros) put_zeros(kind, a, rows, K);
  float *A = buf_copy(a, na), *B = buf_copy(b, nb);
  if (kind == TN) transpose(d0, d1, a, A);  /* A = aᵀ, a is m×k */
  if (kind == NT) transpose(cols, K, b, B); /* B = bᵀ, b is k×n */

  float *c0 = accumulate ? buf_random(nc, -3, 3) : buf_new(nc); /* NaN unless accumulating */
  float *ck = buf_copy(c0, nc), *cr = buf_copy(c0, nc);
  GEMM[kind].k(d0, d1, d2, a, b, ck, accumulate);
  GEMM[kind].ref(d0, d1, d2, a, b, cr, accumulate);

  double *exact = malloc((size_t)nc * sizeof *exact), *mag = malloc((size_t)nc * sizeof *mag);
  if (!exact || !mag) abort();
  for (int i = 0; i < rows; i++)
    for (int j = 0; j < cols; j++) {
      double s = accumulate ? c0[(long)i * cols + j] : 0.0, sa = fabs(s);
      for (int p = 0; p < K; p++) {
        double t = (double)A[(long)i * K + p] * B[(long)p * cols + j];
        s += t, sa += fabs(t);
      }
      exact[(long)i * cols + j] = s, mag[(long)i * cols + j] = sa;
    }

  /* Float summation error grows like sqrt(K) in practice (K in the worst case);
   * measured worst is about 0.1 of this bound. One missing or wrong term is ~mag/K. */
  double rtol = 1e-6 * sqrt(K + 1.0);
  double *refd = to_double(cr, nc);
  char what[96];
  snprintf(what, sizeof what, "%s(%d,%d,%d) acc=%d%s", GEMM[kind].name, d0, d1, d2, accumulate, zeros ? " zeros" : "");
  check_array(what, ck, refd, mag, nc, rtol, 1e-30);
  snprintf(what, sizeof what, "ref_%s(%d,%d,%d) acc=%d vs double", GEMM[kind].name, d0, d1, d2,
           accumulate);
  check_array(what, cr, exact, mag, nc, rtol, 1e-30);
  CHECK(buf_intact(ck, nc), "k_%s(%d,%d,%d) wrote outside c", GEMM[kind].name, d0, d1, d2);
  /* Within one reduction slice (K <= KC = 256 in c/gemm.c) the kernel adds the
   * products in the reference's order, one rounding each, so it must give the
   * reference's bits; the relaxed-SIMD build may fuse every multiply-add
   * (f32x4.relaxed_madd), so there only the tolerance above holds. */
#ifndef __wasm_relaxed_simd__
  if (K <= 256)
    CHECK(memcmp(ck, cr, (size_t)nc * sizeof *ck) == 0, "k_%s(%d,%d,%d) acc=%d%s differs from ref_%s bit for bit",
          GEMM[kind].name, d0, d1, d2, accumulate, zeros ? " zeros" : "", GEMM[kind].name);
#endif

  free(exact), free(mag), free(refd);
  buf_free(a), buf_free(b), buf_free(A), buf_free(B), buf_free(c0), buf_free(ck), buf_free(cr);
}

static void test_gemm(int kind, int d0, int d1, int d2, int accumulate) {
  test_gemm_zeros(kind, d0, d1, d2, accumulate, 0);
  test_gemm_zeros(kind, d0, d1, d2, accumulate, 1);
}

static const int SIZES[] = {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33};
#define NSIZES ((int)(sizeof SIZES / sizeof SIZES[0]))

/* Shapes as C's (rows, reduction K, cols), mapped to each kind's arguments:
 * one side just below, at and above every block boundary of c/gemm.c
 * (micro-tile 4×8, KC = 256, MC = 128, NC = 512) while the others stay small,
 * then all three at once. The small SIZES already straddle the 4×8 tile. */
static const int BOUNDARY[][3] = {
    {127, 5, 9},   {128, 3, 8},   {129, 7, 17},  {257, 2, 3},   /* rows around MC, 2·MC */
    {5, 255, 9},   {3, 256, 8},   {6, 257, 7},   {2, 513, 5},   /* K around KC, 2·KC */
    {3, 4, 511},   {5, 2, 512},   {2, 3, 513},   {1, 1, 1025},  /* cols around NC, 2·NC */
    {129, 257, 513}, {128, 256, 512}, {131, 259, 521},           /* all boundaries together */
};

static void test_gemm_shape(int kind, int rows, int K, int cols, int acc) {
  if (kind == NN) test_gemm(NN, rows, K, cols, acc);
  if (kind == TN) test_gemm(TN, K, rows, cols, acc); /* a is K×rows */
  if (kind == NT) test_gemm(NT, rows, K, cols, acc); /* a is rows×K, b is cols×K */
}

static void test_gemms(void) {
  static const int big[][3] = {{31, 785, 65}, {200, 784, 64}, {200, 64, 784}, {64, 200, 10}};
  for (int kind = NN; kind <= NT; kind++)
    for (int acc = 0; acc <= 1; acc++) {
      for (int x = 0; x < NSIZES; x++)
        for (int y = 0; y < NSIZES; y++)
          for (int z = 0; z < NSIZES; z++) test_gemm(kind, SIZES[x], SIZES[y], SIZES[z], acc);
      for (int i = 0; i < 4; i++) test_gemm(kind, big[i][0], big[i][1], big[i][2], acc);
      for (int i = 0; i < (int)(sizeof BOUNDARY / sizeof BOUNDARY[0]); i++)
        test_gemm_shape(kind, BOUNDARY[i][0], BOUNDARY[i][1], BOUNDARY[i][2], acc);
    }
}

/* k_gemm_strided on views of wider matrices (a head's columns; a transposed A or B by its strides):
 * A and B are m×k and k×n windows of matrices `pad` columns wider, transposed or not, and C has
 * row stride n + pad; the columns between its rows must stay untouched, and within one reduction
 * slice the kernel must give ref_gemm_strided's bits (as k_gemm_nn above). */
static void test_gemm_strided(int m, int k, int n, int ta, int tb, int accumulate) {
  const int pad = 3;
  const long ar = ta ? k : m, ac = (ta ? m : k) + pad, br = tb ? n : k, bc = (tb ? k : n) + pad, ldc = n + pad;
  float *a = buf_random(ar * ac, -3, 3), *b = buf_random(br * bc, -3, 3);
  float *c0 = buf_random(m * ldc, -3, 3), *ck = buf_copy(c0, m * ldc), *cr = buf_copy(c0, m * ldc);
  const long ars = ta ? 1 : ac, acs = ta ? ac : 1, brs = tb ? 1 : bc, bcs = tb ? bc : 1;
  k_gemm_strided(m, k, n, a + 1, ars, acs, b + 2, brs, bcs, ck, ldc, accumulate, 0);
  ref_gemm_strided(m, k, n, a + 1, ars, acs, b + 2, brs, bcs, cr, ldc, accumulate, 0);
  double *exact = malloc((size_t)m * ldc * sizeof *exact), *mag = malloc((size_t)m * ldc * sizeof *mag);
  if (!exact || !mag) abort();
  int pad_intact = 1;
  for (int i = 0; i < m; i++)
    for (int j = 0; j < ldc; j++) {
      double s = j < n && !accumulate ? 0.0 : c0[i * ldc + j], sa = fabs(s);
      for (int p = 0; j < n && p < k; p++) {
        double t = (double)a[1 + i * ars + p * acs] * b[2 + p * brs + j * bcs];
        s += t, sa += fabs(t);
      }
      exact[i * ldc + j] = s, mag[i * ldc + j] = sa;
      if (j >= n) pad_intact &= memcmp(&ck[i * ldc + j], &c0[i * ldc + j], sizeof(float)) == 0;
    }
  char what[96];
  snprintf(what, sizeof what, "gemm_strided(%d,%d,%d) ta=%d tb=%d acc=%d", m, k, n, ta, tb, accumulate);
  check_array(what, ck, exact, mag, m * ldc, 1e-6 * sqrt(k + 1.0), 1e-30);
  check_array(what, cr, exact, mag, m * ldc, 1e-6 * sqrt(k + 1.0), 1e-30);
  CHECK(pad_intact && buf_intact(ck, m * ldc), "k_%s: nothing written between C's rows or outside", what);
#ifndef __wasm_relaxed_simd__
  if (k <= 256) CHECK(memcmp(ck, cr, (size_t)m * ldc * sizeof *ck) == 0, "k_%s: ref_gemm_strided's bits", what);
#endif
  free(exact), free(mag);
  buf_free(a), buf_free(b), buf_free(c0), buf_free(ck), buf_free(cr);
}

static void test_gemm_strideds(void) {
  static const int sizes[] = {1, 3, 4, 5, 8, 9, 17, 33};
  for (int x = 0; x < 8; x++)
    for (int y = 0; y < 8; y++)
      for (int z = 0; z < 8; z++)
        for (int t = 0; t < 4; t++) test_gemm_strided(sizes[x], sizes[y], sizes[z], t & 1, t >> 1, (x + y + z + t) & 1);
  test_gemm_strided(64, 32, 64, 0, 1, 0); /* a GPT's per-head scores: q·kᵀ */
  test_gemm_strided(67, 259, 13, 1, 0, 1); /* two reduction slices */
  test_gemm_strided(3, 0, 5, 0, 0, 0);    /* an empty reduction: zeros */
}

/* The threaded build cuts C into runs of tiles, one per thread, or (a small C
 * with a long reduction) shares out the reduction's slices; computed one after
 * another here, every split must give exactly the bits of no split. */
static void test_gemm_split(int kind, int rows, int K, int cols, int zeros) {
  int d[3] = {rows, K, cols};
  if (kind == TN) d[0] = K, d[1] = rows; /* a is K×rows */
  long nc = (long)rows * cols;
  float *a = buf_random((long)d[0] * d[1], -3, 3), *b = buf_random((long)K * cols, -3, 3);
  if (zeros) put_zeros(kind, a, rows, K);
  float *whole = buf_random(nc, -3, 3), *split = buf_copy(whole, nc);
  for (int acc = 0; acc <= 1; acc++) {
    sn_threads_split_for_tests(1);
    GEMM[kind].k(d[0], d[1], d[2], a, b, whole, acc);
    for (int parts = 2; parts <= 5; parts += parts < 3 ? 1 : 2) {
      float *c = buf_copy(split, nc);
      sn_threads_split_for_tests(parts);
      GEMM[kind].k(d[0], d[1], d[2], a, b, c, acc);
      CHECK(memcmp(c, whole, (size_t)nc * sizeof *c) == 0 && buf_intact(c, nc),
            "%s(%d,%d,%d) acc=%d in %d parts differs from one part", GEMM[kind].name, d[0], d[1], d[2], acc, parts);
      buf_free(c);
    }
    memcpy(split, whole, (size_t)nc * sizeof *split); /* accumulate onto the same start */
  }
  sn_threads_split_for_tests(1);
  buf_free(a), buf_free(b), buf_free(whole), buf_free(split);
}

static void test_gemm_splits(void) {
  /* (rows, K, cols) cut along the reduction in 2 to 5 parts: M2's and M1's
   * first layers (4 slices of 196), 6 slices (in 2 and 3 parts) and 10 (in 2 and 5) */
  static const int split_k[][3] = {{30, 784, 64}, {50, 784, 64}, {5, 1300, 9}, {7, 2500, 3}};
  for (int kind = NN; kind <= NT; kind++) {
    for (int i = 0; i < (int)(sizeof BOUNDARY / sizeof BOUNDARY[0]); i++)
      test_gemm_split(kind, BOUNDARY[i][0], BOUNDARY[i][1], BOUNDARY[i][2], i % 2);
    for (int i = 0; i < (int)(sizeof split_k / sizeof split_k[0]); i++)
      for (int zeros = 0; zeros <= 1; zeros++) test_gemm_split(kind, split_k[i][0], split_k[i][1], split_k[i][2], zeros);
  }
}

/* A product of fewer rows than a micro-tile (generation: one position at a time) reads B in place
 * (gemm.c's gemm_thin): its rows must be exactly the bits of the same rows in a packed product of
 * many rows, 1, 2 or 3 rows at a time, with and without accumulating, over any K (several slices). */
static void test_gemm_thin(int rows, int K, int cols, int zeros) {
  long nc = (long)rows * cols;
  float *a = buf_random((long)rows * K, -3, 3), *b = buf_random((long)K * cols, -3, 3), *start = buf_random(nc, -3, 3);
  if (zeros) put_zeros(NN, a, rows, K);
  for (int acc = 0; acc <= 1; acc++) {
    float *whole = buf_copy(start, nc);
    k_gemm_nn(rows, K, cols, a, b, whole, acc);
    for (int step = 1; step <= 3; step++) {
      float *c = buf_copy(start, nc);
      for (int r0 = 0; r0 < rows; r0 += step) {
        int n = rows - r0 < step ? rows - r0 : step;
        k_gemm_nn(n, K, cols, a + (long)r0 * K, b, c + (long)r0 * cols, acc);
      }
      CHECK(memcmp(c, whole, (size_t)nc * sizeof *c) == 0 && buf_intact(c, nc), "k_gemm_nn(%d,%d,%d) acc=%d%s %d rows at a time differs from all rows",
            rows, K, cols, acc, zeros ? " zeros" : "", step);
      buf_free(c);
    }
    buf_free(whole);
  }
  buf_free(a), buf_free(b), buf_free(start);
}

static void test_gemms_thin(void) {
  for (int y = 0; y < NSIZES; y++)
    for (int z = 0; z < NSIZES; z += 2) test_gemm_thin(9, SIZES[y], SIZES[z], (y + z) % 2);
  test_gemm_thin(5, 600, 37, 0); /* three slices */
}

/* A B packed once (k_gemm_pack_b, as B or as Bᵀ) and multiplied by k_gemm_packed, whole or over any split
 * of A's rows (a recurrent layer's parts, each on its own rows): exactly the bits of k_gemm_nn (k_gemm_nt). */
static void test_gemm_packed(int rows, int K, int cols, int zeros) {
  long nc = (long)rows * cols;
  float *a = buf_random((long)rows * K, -3, 3), *b = buf_random((long)K * cols, -3, 3);
  if (zeros) put_zeros(NN, a, rows, K);
  float *packed = buf_new(k_gemm_packed_floats(K, cols)), *start = buf_random(nc, -3, 3);
  for (int transposed = 0; transposed <= 1; transposed++) {
    k_gemm_pack_b(K, cols, b, transposed, packed); /* transposed: b read as Bᵀ, cols×K */
    CHECK(buf_intact(packed, k_gemm_packed_floats(K, cols)), "k_gemm_pack_b(%d,%d) wrote outside its floats", K, cols);
    for (int acc = 0; acc <= 1; acc++) {
      float *whole = buf_copy(start, nc);
      if (transposed) k_gemm_nt(rows, K, cols, a, b, whole, acc);
      else k_gemm_nn(rows, K, cols, a, b, whole, acc);
      for (int parts = 1; parts <= 3; parts++) {
        float *c = buf_copy(start, nc);
        for (int part = 0; part < parts; part++) {
          int r0 = rows * part / parts, r1 = rows * (part + 1) / parts; /* not whole tiles: any split */
          k_gemm_packed(r1 - r0, K, cols, a + (long)r0 * K, packed, c + (long)r0 * cols, acc, 0);
        }
        CHECK(memcmp(c, whole, (size_t)nc * sizeof *c) == 0 && buf_intact(c, nc),
              "k_gemm_packed(%d,%d,%d) transposed=%d acc=%d%s in %d parts differs from k_gemm_%s", rows, K, cols, transposed,
              acc, zeros ? " zeros" : "", parts, transposed ? "nt" : "nn");
        buf_free(c);
      }
      buf_free(whole);
    }
  }
  buf_free(a), buf_free(b), buf_free(packed), buf_free(start);
}

static void test_gemms_packed(void) {
  for (int x = 0; x < NSIZES; x += 2)
    for (int y = 0; y < NSIZES; y += 3)
      for (int z = 0; z < NSIZES; z++) test_gemm_packed(SIZES[x], SIZES[y], SIZES[z], (x + z) % 2);
  for (int i = 0; i < (int)(sizeof BOUNDARY / sizeof BOUNDARY[0]); i++)
    test_gemm_packed(BOUNDARY[i][0], BOUNDARY[i][1], BOUNDARY[i][2], i % 2);
  test_gemm_packed(128, 128, 512, 0); /* an LSTM of 128 units: h·U and dZ·Uᵀ */
  test_gemm_packed(37, 513, 131, 1);
}

/* ---- bias_add, col_sum ---------------------------------------------------- */

static void test_bias_col_sum(int m, int n, int accumulate) {
  long nx = (long)m * n;
  float *x = buf_random(nx, -3, 3), *bias = buf_random(n, -3, 3);
  char what[64];

  /* bias_add is one float addition per element: results must match exactly. */
  float *yk = buf_copy(x, nx), *yr = buf_copy(x, nx);
  k_bias_add(m, n, yk, bias);
  ref_bias_add(m, n, yr, bias);
  double *want = malloc((size_t)nx * sizeof *want);
  if (!want) abort();
  for (long i = 0; i < nx; i++) want[i] = (float)(x[i] + bias[i % n]);
  snprintf(what, sizeof what, "bias_add(%d,%d)", m, n);
  check_array(what, yk, want, NULL, nx, 0.0, 0.0);
  check_array(what, yr, want, NULL, nx, 0.0, 0.0);
  CHECK(buf_intact(yk, nx), "k_bias_add(%d,%d) wrote outside y", m, n);

  float *o0 = accumulate ? buf_random(n, -3, 3) : buf_new(n);
  float *ok = buf_copy(o0, n), *orf = buf_copy(o0, n);
  k_col_sum(m, n, x, ok, accumulate);
  ref_col_sum(m, n, x, orf, accumulate);
  double *exact = malloc((size_t)n * sizeof *exact), *mag = malloc((size_t)n * sizeof *mag);
  if (!exact || !mag) abort();
  for (int j = 0; j < n; j++) {
    exact[j] = accumulate ? o0[j] : 0.0, mag[j] = fabs(exact[j]);
    for (int r = 0; r < m; r++) exact[j] += x[(long)r * n + j], mag[j] += fabs(x[(long)r * n + j]);
  }
  double *refd = to_double(orf, n);
  snprintf(what, sizeof what, "col_sum(%d,%d) acc=%d", m, n, accumulate);
  check_array(what, ok, refd, mag, n, 1e-6 * sqrt(m + 1.0), 1e-30);
  check_array(what, orf, exact, mag, n, 1e-6 * sqrt(m + 1.0), 1e-30);
  CHECK(buf_intact(ok, n), "k_col_sum(%d,%d) wrote outside out", m, n);

  free(want), free(exact), free(mag), free(refd);
  buf_free(x), buf_free(bias), buf_free(yk), buf_free(yr);
  buf_free(o0), buf_free(ok), buf_free(orf);
}

/* ---- gather_rows, all_finite ------------------------------------------------ */

/* Rows picked out of order (and repeated) must come out as exact copies. */
static void test_gather_rows(int count, int n) {
  int src_rows = count + 3, *rows = malloc((size_t)count * sizeof *rows);
  if (!rows) abort();
  for (int r = 0; r < count; r++) rows[r] = (r * 7 + 2) % src_rows;
  float *src = buf_random((long)src_rows * n, -3, 3), *dk = buf_new((long)count * n), *dr = buf_new((long)count * n);
  k_gather_rows(count, n, src, rows, dk);
  ref_gather_rows(count, n, src, rows, dr);
  int same = 1;
  for (int r = 0; r < count; r++) same &= memcmp(dr + (long)r * n, src + (long)rows[r] * n, (size_t)n * sizeof(float)) == 0;
  CHECK(same, "ref_gather_rows(%d,%d) differs from the rows it was given", count, n);
  CHECK(memcmp(dk, dr, (size_t)count * n * sizeof(float)) == 0, "k_gather_rows(%d,%d) differs from ref_gather_rows", count, n);
  CHECK(buf_intact(dk, (long)count * n), "k_gather_rows(%d,%d) wrote outside dst", count, n);
  buf_free(src), buf_free(dk), buf_free(dr), free(rows);
}

/* Rows added out of order, repeated and skipped (-1): k_ and ref_ agree bitwise, and ref_ is the sum in row order. */
static void test_scatter_add_rows(int count, int n) {
  int dst_rows = count / 2 + 2, *rows = malloc((size_t)count * sizeof *rows);
  if (!rows) abort();
  for (int r = 0; r < count; r++) rows[r] = r % 5 == 3 ? -1 : (r * 7 + 2) % dst_rows;
  float *src = buf_random((long)count * n, -3, 3), *start = buf_random((long)dst_rows * n, -1, 1);
  float *dk = buf_copy(start, (long)dst_rows * n), *dr = buf_copy(start, (long)dst_rows * n), *want = buf_copy(start, (long)dst_rows * n);
  k_scatter_add_rows(count, n, src, rows, dk);
  ref_scatter_add_rows(count, n, src, rows, dr);
  for (int r = 0; r < count; r++)
    for (int j = 0; j < n && rows[r] >= 0; j++) want[(long)rows[r] * n + j] += src[(long)r * n + j];
  CHECK(memcmp(dr, want, (size_t)dst_rows * n * sizeof(float)) == 0, "ref_scatter_add_rows(%d,%d) is not the sum in row order", count, n);
  CHECK(memcmp(dk, dr, (size_t)dst_rows * n * sizeof(float)) == 0, "k_scatter_add_rows(%d,%d) differs from ref_scatter_add_rows", count, n);
  CHECK(buf_intact(dk, (long)dst_rows * n), "k_scatter_add_rows(%d,%d) wrote outside dst", count, n);
  for (int parts = 2; parts <= 5; parts += 3) {
    float *dp = buf_copy(start, (long)dst_rows * n);
    sn_threads_split_for_tests(parts);
    sn_par_scatter_add_rows(count, n, src, rows, dp);
    sn_threads_split_for_tests(1);
    CHECK(memcmp(dp, dr, (size_t)dst_rows * n * sizeof(float)) == 0 && buf_intact(dp, (long)dst_rows * n),
          "sn_par_scatter_add_rows(%d,%d) in %d parts differs", count, n, parts);
    buf_free(dp);
  }
  buf_free(src), buf_free(start), buf_free(dk), buf_free(dr), buf_free(want), free(rows);
}

/* Finite values (huge, tiny, denormal, zeros) pass; one NaN or ±Inf anywhere fails. */
static void test_all_finite(int n) {
  float *v = buf_random(n, -3, 3);
  for (int i = 0; i < n; i += 5) v[i] = i % 3 == 0 ? 3e38f : i % 3 == 1 ? 1e-40f : -0.0f;
  CHECK(k_all_finite(n, v) && ref_all_finite(n, v), "all_finite(%d) rejects finite values", n);
  const float bad[] = {NAN, INFINITY, -INFINITY};
  for (int i = 0; i < n; i++)
    for (int b = 0; b < 3; b++) {
      float keep = v[i];
      v[i] = bad[b];
      int k = k_all_finite(n, v), r = ref_all_finite(n, v);
      v[i] = keep;
      if (k || r) {
        CHECK(0, "all_finite(%d) accepts %g at %d (k %d, ref %d)", n, bad[b], i, k, r);
        buf_free(v);
        return;
      }
    }
  CHECK(1, "all_finite(%d)", n);
  buf_free(v);
}

/* The threaded build's passes (threads.h's sn_par_*) split into 1, 2, 3 and 5
 * parts give exactly the bits of the kernel on the whole matrix. */
static void test_par_splits(int m, int n) {
  long nx = (long)m * n;
  float *x = buf_random(nx, -3, 3), *bias = buf_random(n, -3, 3), *dy = buf_random(nx, -2, 2), *o0 = buf_random(n, -3, 3);
  float *sum = buf_new(n), *sum_acc = buf_copy(o0, n), *biased = buf_copy(x, nx), *y = buf_new(nx), *dz = buf_new(nx);
  k_col_sum(m, n, x, sum, 0);
  k_col_sum(m, n, x, sum_acc, 1);
  k_bias_add(m, n, biased, bias);
  for (int parts = 1; parts <= 5; parts += parts < 3 ? 1 : 2) {
    sn_threads_split_for_tests(parts);
    float *s0 = buf_new(n), *s1 = buf_copy(o0, n), *b = buf_copy(x, nx);
    sn_par_col_sum(m, n, x, s0, 0);
    sn_par_col_sum(m, n, x, s1, 1);
    sn_par_bias_add(m, n, b, bias);
    CHECK(memcmp(s0, sum, (size_t)n * sizeof *s0) == 0 && memcmp(s1, sum_acc, (size_t)n * sizeof *s1) == 0 &&
              buf_intact(s0, n) && buf_intact(s1, n),
          "sn_par_col_sum(%d,%d) in %d parts differs from k_col_sum", m, n, parts);
    CHECK(memcmp(b, biased, (size_t)nx * sizeof *b) == 0 && buf_intact(b, nx), "sn_par_bias_add(%d,%d) in %d parts differs", m, n, parts);
    /* rows of x in reverse order, against the reference gather */
    int *order = malloc((size_t)m * sizeof *order);
    for (int r = 0; r < m; r++) order[r] = m - 1 - r;
    float *gp = buf_new(nx), *gr = buf_new(nx);
    sn_par_gather_rows(m, n, x, order, gp);
    ref_gather_rows(m, n, x, order, gr);
    CHECK(memcmp(gp, gr, (size_t)nx * sizeof *gp) == 0 && buf_intact(gp, nx), "sn_par_gather_rows(%d,%d) in %d parts differs", m, n, parts);
    buf_free(gp), buf_free(gr), free(order);
    /* the finiteness check in the optimizer's blocks of 16: one NaN or
     * infinity at either end of any block, or at the end */
    CHECK(sn_par_all_finite(nx, x), "sn_par_all_finite(%ld) in %d parts finds a non-finite value in finite data", nx, parts);
    for (long at = 0; at < nx; at++) {
      if (at % 16 != 0 && at % 16 != 15 && at != nx - 1) continue;
      float keep = x[at];
      x[at] = at % 2 ? INFINITY : NAN;
      CHECK(!sn_par_all_finite(nx, x), "sn_par_all_finite(%ld) in %d parts misses x[%ld] = %g", nx, parts, at, x[at]);
      x[at] = keep;
    }
    for (int act = 0; act < SN_ACT_COUNT; act++) {
      float *yp = buf_new(nx), *dzp = buf_new(nx);
      sn_threads_split_for_tests(1);
      k_act_forward(act, CASES[0].p, m, n, x, y);
      k_act_backward(act, CASES[0].p, m, n, x, y, dy, dz);
      sn_threads_split_for_tests(parts);
      sn_par_act_forward(act, CASES[0].p, m, n, x, yp);
      sn_par_act_backward(act, CASES[0].p, m, n, x, y, dy, dzp);
      CHECK(memcmp(yp, y, (size_t)nx * sizeof *yp) == 0 && memcmp(dzp, dz, (size_t)nx * sizeof *dzp) == 0 &&
                buf_intact(yp, nx) && buf_intact(dzp, nx),
            "sn_par_act_forward/backward(%d, %d,%d) in %d parts differ", act, m, n, parts);
      buf_free(yp), buf_free(dzp);
    }
    buf_free(s0), buf_free(s1), buf_free(b);
  }
  sn_threads_split_for_tests(1);
  buf_free(x), buf_free(bias), buf_free(dy), buf_free(o0), buf_free(sum), buf_free(sum_acc), buf_free(biased), buf_free(y), buf_free(dz);
}

/* ---- v_exp ------------------------------------------------------------------ */

static float vexp1(float x) {
  float in[4] = {x, x, x, x}, out[4];
  v_store(out, v_exp(v_load(in)));
  return out[0];
}

/* Relative error against double exp over the normal-result range, plus the
 * edges: overflow, underflow through denormals, infinities, NaN. */
static void test_v_exp(void) {
  double worst = 0.0;
  float worst_x = 0.0f;
  const int N = 400000;
  for (int i = 0; i <= N; i++) {
    float x = -87.3f + (88.7f + 87.3f) * (float)i / N;
    double want = exp((double)x), err = fabs(vexp1(x) - want) / want;
    if (err > worst) worst = err, worst_x = x;
  }
  printf("v_exp: max relative error %.3g (at x = %.7g) on [-87.3, 88.7]\n", worst, worst_x);
  CHECK(worst < 2.5e-7, "v_exp relative error %.3g at x = %.9g", worst, worst_x);

  for (float x = -103.0f; x < -87.3f; x += 0.01f) /* denormal results: absolute error */
    CHECK_CLOSE(vexp1(x), exp((double)x), 1e-6, 2e-45, "v_exp(%.9g) denormal", x);
  CHECK(vexp1(0.0f) == 1.0f, "v_exp(0) = %.9g", vexp1(0.0f));
  CHECK(isinf(vexp1(88.75f)) && isinf(vexp1(1000.0f)) && isinf(vexp1(INFINITY)), "v_exp overflow");
  CHECK(vexp1(-104.0f) == 0.0f && vexp1(-1000.0f) == 0.0f && vexp1(-INFINITY) == 0.0f,
        "v_exp underflow");
  CHECK(isnan(vexp1(NAN)), "v_exp(NaN) = %.9g", vexp1(NAN));
}

/* ---- activations ------------------------------------------------------------ */


/* Uniform [-3, 3]; with `extreme`, every 5th element is ±50 or ±100 instead. */
static float *activation_input(long count, int extreme) {
  static const float EXTREMES[] = {50.0f, -100.0f, -50.0f, 100.0f};
  float *z = buf_random(count, -3, 3);
  if (extreme)
    for (long i = 2; i < count; i += 5) z[i] = EXTREMES[(i / 5) % 4];
  return z;
}

/* Per-element error scale for act_backward: the magnitudes of the terms of
 * the derivative formula, so cancellation in 1 − y² or dy_i − Σ dy·y does not
 * make the relative tolerance meaningless. */
static double backward_scale(int act, int n, const float *y, const float *dy, long i) {
  double yi = y[i], dyi = fabs(dy[i]);
  switch (act) {
  case SN_ACT_SIGMOID: return dyi * fabs(yi) * (1.0 + fabs(yi));
  case SN_ACT_TANH: return dyi * (1.0 + yi * yi);
  case SN_ACT_SOFTMAX: {
    long row = i / n * n;
    double dot = 0.0;
    for (int j = 0; j < n; j++) dot += fabs((double)dy[row + j] * y[row + j]);
    return fabs(yi) * (dyi + dot);
  }
  case SN_ACT_LOG_SOFTMAX: {
    long row = i / n * n;
    double sum = 0.0;
    for (int j = 0; j < n; j++) sum += fabs((double)dy[row + j]);
    return dyi + exp(yi) * sum;
  }
  default: return dyi;
  }
}

/* Forward and backward of one activation on an m×n input, k vs ref, plus
 * in-place runs (which must reproduce the out-of-place results bit for bit). */
static void test_activation(const act_case *c, int m, int n, int extreme) {
  int act = c->act;
  sn_act_param ALPHA = c->p;
  long count = (long)m * n;
  float *z = activation_input(count, extreme);
  float *yk = buf_new(count), *yr = buf_new(count);
  k_act_forward(act, ALPHA, m, n, z, yk);
  ref_act_forward(act, ALPHA, m, n, z, yr);

  char what[80];
  snprintf(what, sizeof what, "act_forward %s %dx%d%s", c->name, m, n,
           extreme ? " extreme" : "");
  double *yrd = to_double(yr, count);
  /* softmax divides by a sum of n terms whose rounding differs between k and ref */
  double rtol = act == SN_ACT_SOFTMAX ? 2e-6 + 1e-7 * n : 2e-6;
  /* log_softmax: z − shift cancels; gelu/mish/softplus compose a few ulps */
  if (act == SN_ACT_LOG_SOFTMAX) rtol = 1e-6 * n;
  if (act >= SN_ACT_ELU && act != SN_ACT_LOG_SOFTMAX) rtol = 4e-6;
  /* log_softmax's z − shift and hardSigmoid's alpha·z + 1/2 cancel: an absolute error of an ulp of their terms */
  double atol = act == SN_ACT_LOG_SOFTMAX ? 1e-6 : act == SN_ACT_HARD_SIGMOID || act == SN_ACT_HARD_SILU ? 2e-7 : 1e-30;
  check_array(what, yk, yrd, NULL, count, rtol, atol);
  CHECK(buf_intact(yk, count), "%s: wrote outside y", what);

  int finite = 1, in_range = 1;
  for (long i = 0; i < count; i++) {
    finite &= (isfinite(yk[i]) && isfinite(yr[i])) || (act == SN_ACT_EXPONENTIAL && z[i] > 88.0f);
    if (act == SN_ACT_SIGMOID || act == SN_ACT_SOFTMAX) in_range &= yk[i] >= 0.0f && yk[i] <= 1.0f;
    if (act == SN_ACT_TANH) in_range &= yk[i] >= -1.0f && yk[i] <= 1.0f;
  }
  CHECK(finite && in_range, "%s: finite %d, in range %d", what, finite, in_range);
  if (act == SN_ACT_SOFTMAX)
    for (int r = 0; r < m; r++) {
      double s = 0.0;
      for (int j = 0; j < n; j++) s += yk[(long)r * n + j];
      CHECK_CLOSE(s, 1.0, 0.0, 1e-5, "%s: row %d sums to 1", what, r);
    }

  float *inplace = buf_copy(z, count);
  k_act_forward(act, ALPHA, m, n, inplace, inplace);
  CHECK(memcmp(inplace, yk, (size_t)count * sizeof *yk) == 0, "%s: k in place differs", what);
  memcpy(inplace, z, (size_t)count * sizeof *z);
  ref_act_forward(act, ALPHA, m, n, inplace, inplace);
  CHECK(memcmp(inplace, yr, (size_t)count * sizeof *yr) == 0, "%s: ref in place differs", what);

  /* Backward, both kernels given the reference forward output. */
  float *dy = buf_random(count, -3, 3), *dzk = buf_new(count), *dzr = buf_new(count);
  k_act_backward(act, ALPHA, m, n, z, yr, dy, dzk);
  ref_act_backward(act, ALPHA, m, n, z, yr, dy, dzr);
  double *dzrd = to_double(dzr, count), *scale = malloc((size_t)count * sizeof *scale);
  if (!scale) abort();
  for (long i = 0; i < count; i++) scale[i] = backward_scale(act, n, yr, dy, i);
  snprintf(what, sizeof what, "act_backward %s %dx%d%s", c->name, m, n,
           extreme ? " extreme" : "");
  check_array(what, dzk, dzrd, scale, count, act == SN_ACT_SOFTMAX || act == SN_ACT_LOG_SOFTMAX ? 2e-6 + 1e-7 * n : act >= SN_ACT_ELU ? 4e-6 : 2e-6, 1e-30);
  CHECK(buf_intact(dzk, count), "%s: wrote outside dz", what);

  memcpy(inplace, dy, (size_t)count * sizeof *dy);
  k_act_backward(act, ALPHA, m, n, z, yr, inplace, inplace);
  CHECK(memcmp(inplace, dzk, (size_t)count * sizeof *dzk) == 0, "%s: k in place differs", what);
  memcpy(inplace, dy, (size_t)count * sizeof *dy);
  ref_act_backward(act, ALPHA, m, n, z, yr, inplace, inplace);
  CHECK(memcmp(inplace, dzr, (size_t)count * sizeof *dzr) == 0, "%s: ref in place differs", what);

  free(yrd), free(dzrd), free(scale);
  buf_free(z), buf_free(yk), buf_free(yr), buf_free(inplace), buf_free(dy), buf_free(dzk),
      buf_free(dzr);
}

static void test_activations(void) {
  static const int ROWS[] = {1, 2, 3, 5};
  for (int c = 0; c < NCASES; c++)
    for (int r = 0; r < 4; r++) {
      for (int s = 0; s < NSIZES; s++)
        for (int extreme = 0; extreme <= 1; extreme++)
          test_activation(&CASES[c], ROWS[r], SIZES[s], extreme);
      test_activation(&CASES[c], ROWS[r], 100, 1);
    }
}

/* gelu's Φ (our float erf/erfc, kernels.c ncdf4) and its derivative over
 * [-12, 12], every 1e-4, against double: relative error, where the tiny
 * outputs of x ≪ 0 are where 1 + erf would have cancelled. */
static void test_gelu_accuracy(void) {
  double worst = 0.0, dworst = 0.0;
  float worst_x = 0.0f, dworst_x = 0.0f;
  sn_act_param p = {0, INFINITY, 0};
  for (int i = -120000; i <= 120000; i += 4) {
    float in[4], out[4], one[4] = {1, 1, 1, 1}, d[4];
    for (int k = 0; k < 4; k++) in[k] = (float)(i + k) * 1e-4f;
    k_act_forward(SN_ACT_GELU, p, 1, 4, in, out);
    k_act_backward(SN_ACT_GELU, p, 1, 4, in, out, one, d);
    for (int k = 0; k < 4; k++) {
      double x = in[k], want = 0.5 * x * erfc(-x / sqrt(2.0));
      double dwant = 0.5 * erfc(-x / sqrt(2.0)) + x * exp(-0.5 * x * x) / 2.5066282746310002;
      double err = x == 0.0 ? fabs(out[k]) : fabs(out[k] - want) / fabs(want);
      /* relative to its terms' size: gelu' crosses 0 at its minimum, x ≈ −0.75 */
      double derr = fabs(d[k] - dwant) / fmax(0.5 * erfc(-x / sqrt(2.0)) + fabs(x) * exp(-0.5 * x * x) / 2.5066282746310002, 1e-30);
      if (err > worst) worst = err, worst_x = in[k];
      if (derr > dworst) dworst = derr, dworst_x = in[k];
    }
  }
  printf("gelu: max relative error %.3g (at x = %.7g), derivative %.3g (at x = %.7g) on [-12, 12]\n", worst, worst_x, dworst, dworst_x);
  CHECK(worst < 5e-7, "gelu relative error %.3g at x = %.9g", worst, worst_x);
  CHECK(dworst < 1e-6, "gelu derivative relative error %.3g at x = %.9g", dworst, dworst_x);
}

/* ---- finite-difference gradient check --------------------------------------- */

typedef void forward_fn(int, sn_act_param, int, int, const float *, float *);
typedef void backward_fn(int, sn_act_param, int, int, const float *, const float *, const float *,
                         float *);

/* L = Σ w_i·y_i(z), in double. */
static double loss(forward_fn *fwd, int act, sn_act_param ALPHA, int m, int n, const float *z, const float *w,
                   float *y) {
  fwd(act, ALPHA, m, n, z, y);
  double s = 0.0;
  for (long i = 0; i < (long)m * n; i++) s += (double)w[i] * y[i];
  return s;
}

/* act_backward with dy = w must equal dL/dz by central differences. The only
 * noise is float rounding of the perturbed outputs (~1e-7·|y|/h ≤ 3e-4; every
 * check still passes at a fifth of these tolerances); a wrong derivative
 * formula is off by O(0.1) or more. */
static void test_gradient(const char *impl, forward_fn *fwd, backward_fn *bwd, const act_case *c, int m,
                          int n) {
  int act = c->act;
  sn_act_param ALPHA = c->p;
  const float h = 1e-3f;
  long count = (long)m * n;
  float *z = buf_random(count, -3, 3), *w = buf_random(count, -1, 1);
  float *y = buf_new(count), *dz = buf_new(count), *zp = buf_copy(z, count);
  fwd(act, ALPHA, m, n, z, y);
  bwd(act, ALPHA, m, n, z, y, w, dz);

  /* the kinks of the piecewise ones: no derivative there */
  float kinks[4] = {0.0f, ALPHA.max_value, ALPHA.threshold, 0.0f};
  int nk = 0;
  if (act == SN_ACT_RELU || act == SN_ACT_LEAKY_RELU || act == SN_ACT_ELU || act == SN_ACT_SELU) nk = 3;
  if (act == SN_ACT_RELU6) kinks[1] = 6.0f, nk = 2;
  if (act == SN_ACT_HARD_SIGMOID) kinks[0] = -0.5f / ALPHA.alpha, kinks[1] = 0.5f / ALPHA.alpha, nk = 2;
  if (act == SN_ACT_HARD_SILU) kinks[0] = -3.0f, kinks[1] = 3.0f, nk = 2;
  for (long i = 0; i < count; i++) {
    int near = 0;
    for (int k = 0; k < nk; k++) near |= fabsf(z[i] - kinks[k]) < 2.0f * h;
    if (near) continue;
    float *yt = buf_new(count);
    zp[i] = z[i] + h;
    double lp = loss(fwd, act, ALPHA, m, n, zp, w, yt), step = (double)zp[i];
    zp[i] = z[i] - h;
    double lm = loss(fwd, act, ALPHA, m, n, zp, w, yt);
    step -= (double)zp[i]; /* the step actually taken in float */
    zp[i] = z[i];
    double numeric = (lp - lm) / step;
    CHECK_CLOSE(dz[i], numeric, 5e-3, 1e-3, "%s_act_backward %s %dx%d: dL/dz[%ld] vs finite diff.",
                impl, c->name, m, n, i);
    buf_free(yt);
  }
  buf_free(z), buf_free(w), buf_free(y), buf_free(dz), buf_free(zp);
}

static void test_gradients(void) {
  static const int N[] = {1, 5, 9};
  for (int c = 0; c < NCASES; c++)
    for (int s = 0; s < 3; s++) {
      test_gradient("ref", ref_act_forward, ref_act_backward, &CASES[c], 3, N[s]);
      test_gradient("k", k_act_forward, k_act_backward, &CASES[c], 3, N[s]);
    }
}

int main(void) {
  test_v_exp();
  test_gelu_accuracy();
  test_gemms();
  test_gemm_strideds();
  test_gemm_splits();
  test_gemms_packed();
  test_gemms_thin();
  for (int x = 0; x < NSIZES; x++)
    for (int y = 0; y < NSIZES; y++)
      for (int acc = 0; acc <= 1; acc++) test_bias_col_sum(SIZES[x], SIZES[y], acc);
  for (int x = 0; x < NSIZES; x++) {
    test_all_finite(SIZES[x]);
    for (int y = 0; y < NSIZES; y++) test_gather_rows(SIZES[x], SIZES[y]);
    for (int y = 0; y < NSIZES; y++) test_scatter_add_rows(SIZES[x], SIZES[y]);
  }
  for (int x = 0; x < NSIZES; x++)
    for (int y = 0; y < NSIZES; y++) test_par_splits(SIZES[x], SIZES[y]);
  test_activations();
  test_gradients();
  return check_summary();
}
