/* Tests the convolution, pooling and batch-norm kernels of conv_kernels.h:
 *   - sn_window_init against TensorFlow's output and 'same' padding rule, and its refusals;
 *   - every SIMD k_* against its scalar ref_*: the same bits (memcmp), on awkward
 *     geometries and channel counts, with guard cells and NaN-initialized outputs
 *     (buffers.h), so a skipped element, a stray write or a read of an output fails;
 *   - the references against direct definitions in double: im2col·kernel against a
 *     direct convolution, col2im and avgpool_backward as exact adjoints, max pooling's
 *     first maximum (ties), average pooling's division by the cells inside, the
 *     moments against double, and every backward pass against finite differences. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "buffers.h"
#include "check.h"
#include "conv_kernels.h"
#include "kernels.h"
#include "threads.h"

/* ---- helpers ------------------------------------------------------------------------ */

#define ISENTINEL (-7777)

/* count ints, -1 (never a valid offset), with ISENTINEL guard cells on both sides. */
static int *ibuf_new(long count) {
  int *p = malloc((size_t)(count + 2 * GUARD) * sizeof *p);
  if (!p) abort();
  for (long i = 0; i < count + 2 * GUARD; i++) p[i] = (i < GUARD || i >= GUARD + count) ? ISENTINEL : -1;
  return p + GUARD;
}
static void ibuf_free(int *p) { free(p - GUARD); }
static int ibuf_intact(const int *p, long count) {
  for (int g = 1; g <= GUARD; g++)
    if (p[-g] != ISENTINEL || p[count + g - 1] != ISENTINEL) return 0;
  return 1;
}

/* Small integers in [lo, hi] as floats: sums and products stay exact in float
 * and double, and values repeat (ties for max pooling). */
static float *buf_ints(long count, int lo, int hi) {
  float *p = buf_new(count);
  for (long i = 0; i < count; i++) p[i] = (float)(lo + (int)uniform(0.0f, (float)(hi - lo + 1)));
  return p;
}

/* Every 5th element −0: a backward pass must add it (0 + −0 = +0), as the
 * references do, not copy it. */
static float *with_negative_zeros(float *p, long count) {
  for (long i = 0; i < count; i += 5) p[i] = -0.0f;
  return p;
}

static long nan_count(const float *p, long count) {
  long k = 0;
  for (long i = 0; i < count; i++) k += isnan(p[i]);
  return k;
}

static int same_bits(const void *a, const void *b, long count) {
  return memcmp(a, b, (size_t)count * 4) == 0;
}

static double dot(const float *a, const float *b, long count) {
  double s = 0.0;
  for (long i = 0; i < count; i++) s += (double)a[i] * b[i];
  return s;
}
static double dot_abs(const float *a, const float *b, long count) {
  double s = 0.0;
  for (long i = 0; i < count; i++) s += fabs((double)a[i] * b[i]);
  return s;
}

/* A window geometry before sizing: input h × w, window kh × kw, strides, dilations, padding (enum sn_padding). */
typedef struct {
  int h, w, kh, kw, sh, sw, dh, dw, same;
} shape;

static const char *padding_name(int padding) { return padding == SN_PAD_CAUSAL ? "causal" : padding ? "same" : "valid"; }

static const char *describe(const shape *s, int c, int rows) {
  static char text[128];
  snprintf(text, sizeof text, "%d×%d×%d (rows %d) window %d×%d stride %d,%d dilation %d,%d %s", s->h, s->w, c,
           rows, s->kh, s->kw, s->sh, s->sw, s->dh, s->dw, padding_name(s->same));
  return text;
}

static int window(sn_window *g, const shape *s, int c) {
  return sn_window_init(g, s->h, s->w, c, s->kh, s->kw, s->sh, s->sw, s->dh, s->dw, s->same);
}

/* The input cell window cell (ky, kx) of output (oy, ox) reads, written from the
 * definition in conv_kernels.h; 0 when it is padding. */
static int cell(const sn_window *g, int oy, int ox, int ky, int kx, int *iy, int *ix) {
  *iy = oy * g->sh - g->pt + ky * g->dh;
  *ix = ox * g->sw - g->pl + kx * g->dw;
  return *iy >= 0 && *iy < g->h && *ix >= 0 && *ix < g->w;
}

/* Awkward geometries: odd sizes, 1×1 windows, strides 2 and 3, windows larger than
 * the stride (overlapping) and smaller (gaps), 'same' with odd total padding,
 * windows larger than the input, dilation 2 and 3, a single row; kernel rows of
 * 3, 5, 7, 9 and 15 floats at c = 1, 3, 5 (im2col's constant-size copies). */
static const shape AWKWARD[] = {
    {7, 9, 3, 2, 2, 3, 1, 1, 1},  {7, 9, 3, 2, 2, 3, 1, 1, 0},  {5, 6, 1, 1, 1, 1, 1, 1, 0},
    {5, 6, 1, 1, 2, 2, 1, 1, 1},  {8, 7, 3, 3, 3, 3, 1, 1, 0},  {8, 7, 3, 3, 3, 3, 1, 1, 1},
    {9, 8, 4, 4, 2, 2, 1, 1, 0},  {9, 8, 4, 4, 2, 2, 1, 1, 1},  {7, 7, 3, 3, 2, 2, 1, 1, 0},
    {7, 7, 3, 3, 2, 2, 1, 1, 1},  {6, 6, 3, 3, 2, 2, 1, 1, 1},  {6, 5, 2, 3, 3, 3, 1, 1, 0},
    {6, 5, 2, 3, 3, 3, 1, 1, 1},  {3, 2, 5, 4, 1, 1, 1, 1, 1},  {1, 5, 1, 3, 1, 2, 1, 1, 0},
    {5, 5, 2, 2, 2, 2, 1, 1, 1},  {9, 10, 3, 3, 1, 2, 2, 2, 0}, {9, 10, 3, 3, 1, 2, 2, 2, 1},
    {10, 11, 3, 2, 2, 1, 2, 3, 1}, {4, 4, 3, 3, 1, 1, 3, 3, 1}, {11, 6, 2, 3, 1, 1, 3, 2, 0},
    {12, 11, 7, 7, 2, 2, 1, 1, 1}, {13, 12, 5, 5, 1, 2, 1, 1, 1},
    /* 'causal' (Conv1D: one row), with dilation, stride, and an extent beyond the input */
    {1, 9, 1, 3, 1, 1, 1, 2, 2},  {1, 11, 1, 4, 1, 2, 1, 1, 2},  {5, 6, 2, 3, 1, 1, 2, 2, 2},
    {1, 4, 1, 5, 1, 1, 1, 2, 2},  {1, 7, 1, 2, 1, 3, 1, 1, 2},
};
#define NAWKWARD ((int)(sizeof AWKWARD / sizeof AWKWARD[0]))
static const int CHANNELS[] = {1, 3, 4, 5, 8, 17, 64};
#define NCHANNELS ((int)(sizeof CHANNELS / sizeof CHANNELS[0]))

/* The reference CNNs' own layers (M4, M5), at their channel counts. */
static const struct {
  shape s;
  int c, pool;
} REAL[] = {
    {{28, 28, 5, 5, 1, 1, 1, 1, 0}, 1, 0},  /* M4 conv 5×5×8 */
    {{24, 24, 2, 2, 2, 2, 1, 1, 0}, 8, 1},  /* M4 maxpool 2 */
    {{12, 12, 5, 5, 1, 1, 1, 1, 0}, 8, 0},  /* M4 conv 5×5×16 */
    {{8, 8, 2, 2, 2, 2, 1, 1, 0}, 16, 1},   /* M4 maxpool 2 */
    {{28, 28, 3, 3, 1, 1, 1, 1, 0}, 1, 0},  /* M5 conv 3×3×32 */
    {{26, 26, 2, 2, 2, 2, 1, 1, 0}, 32, 1}, /* M5 maxpool 2 */
    {{13, 13, 3, 3, 1, 1, 1, 1, 0}, 32, 0}, /* M5 conv 3×3×64 */
    {{11, 11, 2, 2, 2, 2, 1, 1, 0}, 64, 1}, /* M5 maxpool 2 (drops the last row and column) */
    {{28, 28, 5, 5, 1, 1, 1, 1, 1}, 1, 0},  /* the same with 'same' padding */
    {{13, 13, 3, 3, 1, 1, 1, 1, 1}, 32, 0},
    {{11, 11, 2, 2, 2, 2, 1, 1, 1}, 64, 1},
};
#define NREAL ((int)(sizeof REAL / sizeof REAL[0]))

/* ---- sn_window_init -------------------------------------------------------------------- */

/* One axis against TensorFlow's rule, stated the way its docs state it:
 * 'valid' keeps the windows that fit, 'same' keeps ceil(n / s) outputs and pads
 * just enough for the last window, the extra cell (if odd) after the input;
 * Keras' 'causal' keeps ceil(n / s) and pads the extent less one, all before. */
static void check_axis(int n, int k, int s, int d, int same, int out, int pad) {
  int ek = (k - 1) * d + 1, fit = 0, want;
  for (int o = 0; o * s + ek <= n; o++) fit++;
  if (!same) want = fit;
  else want = (n + s - 1) / s;
  int total = (want - 1) * s + ek - n;
  if (total < 0) total = 0;
  int before = same == SN_PAD_CAUSAL ? ek - 1 : same ? total / 2 : 0, after = same == SN_PAD_SAME ? total - before : 0;
  CHECK(out == want && pad == before, "axis n=%d k=%d s=%d d=%d %s: out %d pad %d, want %d pad %d", n, k, s, d,
        padding_name(same), out, pad, want, before);
  if (same == SN_PAD_SAME && out == want) {
    /* The last window ends exactly at the padded end, and the odd cell is after. */
    CHECK((total == 0 || (out - 1) * s + ek == n + before + after) && (after - before == 0 || after - before == 1),
          "axis n=%d k=%d s=%d d=%d same: padding %d + %d", n, k, s, d, before, after);
  }
}

static void test_window_init(void) {
  for (int n = 1; n <= 10; n++)
    for (int k = 1; k <= 5; k++)
      for (int s = 1; s <= 4; s++)
        for (int d = 1; d <= 3; d++)
          for (int same = 0; same < SN_PAD_COUNT; same++) {
            sn_window g;
            int ok = sn_window_init(&g, n, n + 1, 2, k, 1, s, 1, d, 1, same);
            int fits = (k - 1) * d + 1 <= n;
            CHECK(ok == (same || fits), "n=%d k=%d s=%d d=%d same=%d: init returned %d", n, k, s, d, same, ok);
            if (!ok) continue;
            check_axis(n, k, s, d, same, g.oh, g.pt);
            CHECK(g.h == n && g.w == n + 1 && g.c == 2 && g.kh == k && g.kw == 1 && g.sh == s && g.sw == 1 &&
                      g.dh == d && g.dw == 1 && g.ow == n + 1 && g.pl == 0,
                  "n=%d k=%d s=%d d=%d same=%d: fields", n, k, s, d, same);
          }

  /* Worked cases. */
  sn_window g;
  CHECK(sn_window_init(&g, 13, 13, 1, 6, 6, 5, 5, 1, 1, 0) && g.oh == 2 && g.pt == 0,
        "13 wide, window 6, stride 5, valid: 2 outputs");
  CHECK(sn_window_init(&g, 13, 13, 1, 6, 6, 5, 5, 1, 1, 1) && g.oh == 3 && g.pt == 1 && g.pl == 1,
        "13 wide, window 6, stride 5, same: 3 outputs, padding 1 before and 2 after");
  CHECK(sn_window_init(&g, 5, 5, 1, 2, 2, 2, 2, 1, 1, 1) && g.oh == 3 && g.pt == 0,
        "5 wide, window 2, stride 2, same: the single padding cell is at the bottom");
  CHECK(sn_window_init(&g, 10, 10, 1, 3, 3, 1, 1, 2, 2, 1) && g.oh == 10 && g.pt == 2,
        "window 3 dilated by 2 spans 5: same pads 2 + 2");
  CHECK(sn_window_init(&g, 3, 3, 1, 5, 5, 1, 1, 1, 1, 1) && g.oh == 3 && g.pt == 2,
        "window larger than the input, same");
  static const int chain[][4] = {{28, 5, 1, 24}, {24, 2, 2, 12}, {12, 5, 1, 8}, {8, 2, 2, 4},
                                 {28, 3, 1, 26}, {26, 2, 2, 13}, {13, 3, 1, 11}, {11, 2, 2, 5}};
  for (int i = 0; i < 8; i++)
    CHECK(sn_window_init(&g, chain[i][0], chain[i][0], 8, chain[i][1], chain[i][1], chain[i][2], chain[i][2], 1,
                         1, 0) &&
              g.oh == chain[i][3] && g.ow == chain[i][3],
          "M4/M5 layer %d: %d → %d", i, chain[i][0], chain[i][3]);

  /* Refusals leave g untouched. */
  int args[10] = {7, 8, 3, 3, 2, 2, 1, 1, 1, 0};
  for (int a = 0; a < 9; a++)
    for (int bad = -1; bad <= 0; bad++) {
      int v[10];
      memcpy(v, args, sizeof v);
      v[a] = bad;
      memset(&g, 0x5A, sizeof g);
      sn_window before = g;
      int ok = sn_window_init(&g, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9]);
      CHECK(!ok && memcmp(&g, &before, sizeof g) == 0, "argument %d = %d refused, g untouched", a, bad);
    }
  static const struct {
    int h, w, c, kh, kw, sh, sw, dh, dw, same, ok;
    const char *what;
  } LIMITS[] = {
      {4, 9, 1, 5, 1, 1, 1, 1, 1, 0, 0, "valid window taller than the input"},
      {9, 4, 1, 1, 3, 1, 1, 1, 2, 0, 0, "valid dilated window (extent 5) wider than the input"},
      {50000, 50000, 1, 1, 1, 1, 1, 1, 1, 0, 0, "h·w overflows"},
      {46340, 46340, 1, 1, 1, 1, 1, 1, 1, 0, 1, "h·w just fits"},
      {46340, 46340, 2, 1, 1, 1, 1, 1, 1, 0, 0, "h·w·c overflows"},
      {1000, 1000, 64, 11, 11, 1, 1, 1, 1, 1, 0, "oh·ow·kh·kw·c overflows"},
      {1000, 1000, 64, 5, 5, 1, 1, 1, 1, 1, 1, "oh·ow·kh·kw·c fits"},
      {8, 8, 1, 1 << 30, 1, 1, 1, 4, 1, 1, 0, "dilated extent overflows"},
      {8, 8, 1, INT_MAX, INT_MAX, 1, 1, INT_MAX, INT_MAX, 1, 0, "everything at INT_MAX"},
      {INT_MAX - 1, 1, 1, 1, 1, INT_MAX, 1, 1, 1, 1, 1, "huge stride, same: one output"},
      {INT_MAX, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, "indices would reach INT_MAX"},
  };
  for (int i = 0; i < (int)(sizeof LIMITS / sizeof LIMITS[0]); i++) {
    int ok = sn_window_init(&g, LIMITS[i].h, LIMITS[i].w, LIMITS[i].c, LIMITS[i].kh, LIMITS[i].kw, LIMITS[i].sh,
                            LIMITS[i].sw, LIMITS[i].dh, LIMITS[i].dw, LIMITS[i].same);
    CHECK(ok == LIMITS[i].ok, "%s: returned %d", LIMITS[i].what, ok);
  }
  CHECK(sn_window_init(&g, INT_MAX - 1, 1, 1, 1, 1, INT_MAX, 1, 1, 1, 1) && g.oh == 1 && g.pt == 0,
        "huge stride: one output, no padding");
  CHECK(!sn_window_init(&g, 7, 8, 3, 3, 2, 2, 1, 1, 1, SN_PAD_COUNT) && !sn_window_init(&g, 7, 8, 3, 3, 2, 2, 1, 1, 1, -1),
        "an unknown padding is refused");
  CHECK(sn_window_init(&g, 1, 9, 2, 1, 3, 1, 2, 1, 3, SN_PAD_CAUSAL) && g.oh == 1 && g.ow == 5 && g.pt == 0 && g.pl == 6,
        "causal: kernel 3 dilated by 3 pads 6 before; stride 2 keeps 5 of 9");
}

/* ---- im2col / col2im ---------------------------------------------------------------------- */

#define FILTERS 3

static void test_im2col(const sn_window *g, int rows, const char *what) {
  const long nx = (long)rows * g->h * g->w * g->c, K = (long)g->kh * g->kw * g->c;
  const long P = (long)rows * g->oh * g->ow, ncols = P * K;
  float *x = buf_random(nx, -2, 2), *ck = buf_new(ncols), *cr = buf_new(ncols);
  k_im2col(g, rows, x, ck);
  ref_im2col(g, rows, x, cr);
  CHECK(same_bits(ck, cr, ncols) && nan_count(ck, ncols) == 0, "im2col %s: k differs from ref or left cells", what);
  CHECK(buf_intact(ck, ncols) && buf_intact(cr, ncols), "im2col %s: wrote outside cols", what);

  /* cols · kernel (Keras' [kh][kw][c][filters], flattened) is the convolution. */
  float *kernel = buf_random(K * FILTERS, -1, 1);
  long bad = 0;
  for (int n = 0; n < rows; n++)
    for (int oy = 0; oy < g->oh; oy++)
      for (int ox = 0; ox < g->ow; ox++)
        for (int f = 0; f < FILTERS; f++) {
          double direct = 0.0, mag = 0.0, via = 0.0;
          for (int ky = 0; ky < g->kh; ky++)
            for (int kx = 0; kx < g->kw; kx++)
              for (int ci = 0; ci < g->c; ci++) {
                int iy, ix;
                if (!cell(g, oy, ox, ky, kx, &iy, &ix)) continue;
                double t = (double)x[(((long)n * g->h + iy) * g->w + ix) * g->c + ci] *
                           kernel[((ky * g->kw + kx) * g->c + ci) * FILTERS + f];
                direct += t, mag += fabs(t);
              }
          const float *row = cr + (((long)n * g->oh + oy) * g->ow + ox) * K;
          for (long p = 0; p < K; p++) via += (double)row[p] * kernel[p * FILTERS + f];
          bad += fabs(via - direct) > 1e-12 * mag + 1e-300;
        }
  CHECK(bad == 0, "im2col %s: cols·kernel differs from the direct convolution at %ld outputs", what, bad);

  /* col2im: k against ref, then the adjoint identity ⟨im2col(x), u⟩ = ⟨x, col2im(u)⟩,
   * exact on small integers (u is nonzero on padding too, which col2im must ignore). */
  float *u = with_negative_zeros(buf_random(ncols, -2, 2), ncols), *dk = buf_new(nx), *dr = buf_new(nx);
  k_col2im(g, rows, u, dk);
  ref_col2im(g, rows, u, dr);
  CHECK(same_bits(dk, dr, nx) && nan_count(dk, nx) == 0, "col2im %s: k differs from ref or left cells", what);
  CHECK(buf_intact(dk, nx) && buf_intact(dr, nx), "col2im %s: wrote outside dx", what);

  float *xi = buf_ints(nx, -3, 3), *ui = buf_ints(ncols, -3, 3), *ci = buf_new(ncols), *di = buf_new(nx);
  ref_im2col(g, rows, xi, ci);
  ref_col2im(g, rows, ui, di);
  double lhs = dot(ci, ui, ncols), rhs = dot(xi, di, nx);
  CHECK(lhs == rhs, "col2im %s: <im2col(x), u> = %.17g but <x, col2im(u)> = %.17g", what, lhs, rhs);
  k_col2im(g, rows, ui, dk);
  CHECK(same_bits(dk, di, nx), "col2im %s: k on integers differs from ref", what);

  buf_free(x), buf_free(ck), buf_free(cr), buf_free(kernel), buf_free(u), buf_free(dk), buf_free(dr);
  buf_free(xi), buf_free(ui), buf_free(ci), buf_free(di);
}

/* ---- the convolution's products (implicit im2col) ----------------------------------------- */

/* k_conv_forward / k_conv_wgrad pack the GEMM's panels straight from x (padded
 * first by k_pad when g has padding). They must give exactly the bits of
 * k_gemm_nn / k_gemm_tn on the written-out columns with a column of ones
 * appended for the bias (the same GEMM, the same order of sums), in every build
 * and every thread split; the scalar references the same bits while the
 * reduction fits one slice of c/gemm.c (KC = 256) in the default build, else
 * float32 tolerance; and both match the product in double. */
static void check_product(const char *name, const char *what, const float *k, const float *r, const float *cols,
                          const float *b, long rows, int K, int n) {
  /* C[rows × n] = cols[rows × K] · b[K × n] */
  double *exact = malloc((size_t)(rows * n) * sizeof *exact), *mag = malloc((size_t)(rows * n) * sizeof *mag);
  if (!exact || !mag) abort();
  for (long i = 0; i < rows; i++)
    for (int j = 0; j < n; j++) {
      double s = 0.0, sa = 0.0;
      for (int p = 0; p < K; p++) {
        double t = (double)cols[i * K + p] * b[(long)p * n + j];
        s += t, sa += fabs(t);
      }
      exact[i * n + j] = s, mag[i * n + j] = sa;
    }
  char text[256];
  snprintf(text, sizeof text, "%s %s vs double", name, what);
  check_array(text, k, exact, mag, rows * n, 1e-6 * sqrt(K + 1.0), 1e-30);
  snprintf(text, sizeof text, "ref_%s %s vs double", name, what);
  check_array(text, r, exact, mag, rows * n, 1e-6 * sqrt(K + 1.0), 1e-30);
#ifndef __wasm_relaxed_simd__
  if (K <= 256) CHECK(same_bits(k, r, rows * n), "%s %s: k differs from ref bit for bit", name, what);
#endif
  free(exact), free(mag);
}

static void test_conv_products(const sn_window *g, int rows, int filters, int bias, const char *where) {
  char what[192];
  snprintf(what, sizeof what, "%s filters %d bias %d", where, filters, bias);
  const int K = g->kh * g->kw * g->c, KB = K + bias;
  const long nx = (long)rows * g->h * g->w * g->c, P = (long)rows * g->oh * g->ow;
  float *x = buf_random(nx, -2, 2);

  /* the padded input, and the geometry that reads it */
  sn_window gp;
  const int padded = sn_window_unpadded(g, &gp);
  const long np = (long)rows * gp.h * gp.w * gp.c;
  float *xk = buf_new(np), *xr = buf_new(np);
  k_pad(g, rows, x, xk);
  ref_pad(g, rows, x, xr);
  CHECK(same_bits(xk, xr, np) && nan_count(xk, np) == 0 && buf_intact(xk, np), "pad %s: k differs from ref", what);
  CHECK(gp.pt == 0 && gp.pl == 0 && gp.oh == g->oh && gp.ow == g->ow && (padded || (gp.h == g->h && gp.w == g->w)),
        "sn_window_unpadded %s: wrong geometry", what);
  const float *in = padded ? xk : x;

  /* [im2col(x) | 1]: the columns the products never write */
  float *cols = buf_new(P * K), *colsb = buf_new(P * KB);
  ref_im2col(g, rows, x, cols);
  for (long i = 0; i < P; i++) {
    memcpy(colsb + i * KB, cols + i * K, (size_t)K * sizeof *cols);
    if (bias) colsb[i * KB + K] = 1.0f;
  }

  float *w = buf_random((long)KB * filters, -1, 1), *zk = buf_new(P * filters), *zg = buf_new(P * filters),
        *zr = buf_new(P * filters), *zp = buf_new(P * filters);
  k_conv_forward(&gp, rows, filters, in, w, bias, zk);
  k_gemm_nn((int)P, KB, filters, colsb, w, zg, 0);
  ref_conv_forward(g, rows, filters, x, w, bias, zr);
  ref_conv_forward(&gp, rows, filters, in, w, bias, zp);
  CHECK(same_bits(zk, zg, P * filters) && buf_intact(zk, P * filters),
        "conv_forward %s: differs from k_gemm_nn on the columns", what);
  CHECK(same_bits(zr, zp, P * filters), "ref_conv_forward %s: padded input differs", what);
  check_product("conv_forward", what, zk, zr, colsb, w, P, KB, filters);

  float *dz = buf_random(P * filters, -1, 1), *dwk = buf_new((long)KB * filters), *dwg = buf_new((long)KB * filters),
        *dwr = buf_new((long)KB * filters);
  k_conv_wgrad(&gp, rows, filters, in, dz, bias, dwk);
  k_gemm_tn((int)P, KB, filters, colsb, dz, dwg, 0);
  ref_conv_wgrad(g, rows, filters, x, dz, bias, dwr);
  CHECK(same_bits(dwk, dwg, (long)KB * filters) && buf_intact(dwk, (long)KB * filters),
        "conv_wgrad %s: differs from k_gemm_tn on the columns", what);
  /* dw = colsᵀ·dz: the reduction runs over the P positions */
  {
    double *exact = malloc((size_t)KB * filters * sizeof *exact), *mag = malloc((size_t)KB * filters * sizeof *mag);
    if (!exact || !mag) abort();
    for (int p = 0; p < KB; p++)
      for (int f = 0; f < filters; f++) {
        double s = 0.0, sa = 0.0;
        for (long i = 0; i < P; i++) {
          double t = (double)colsb[i * KB + p] * dz[i * filters + f];
          s += t, sa += fabs(t);
        }
        exact[(long)p * filters + f] = s, mag[(long)p * filters + f] = sa;
      }
    char text[256];
    snprintf(text, sizeof text, "conv_wgrad %s vs double", what);
    check_array(text, dwk, exact, mag, (long)KB * filters, 1e-6 * sqrt(P + 1.0), 1e-30);
    snprintf(text, sizeof text, "ref_conv_wgrad %s vs double", what);
    check_array(text, dwr, exact, mag, (long)KB * filters, 1e-6 * sqrt(P + 1.0), 1e-30);
#ifndef __wasm_relaxed_simd__
    if (P <= 256) CHECK(same_bits(dwk, dwr, (long)KB * filters), "conv_wgrad %s: k differs from ref bit for bit", what);
#endif
    free(exact), free(mag);
  }

  /* the threaded build's splits of C, or of the reduction (M5's first weight
   * gradient here: 1352 positions in 6 slices), give the same bits */
  for (int parts = 2; parts <= 5; parts += parts < 3 ? 1 : 2) {
    float *z2 = buf_new(P * filters), *dw2 = buf_new((long)KB * filters);
    sn_threads_split_for_tests(parts);
    k_conv_forward(&gp, rows, filters, in, w, bias, z2);
    k_conv_wgrad(&gp, rows, filters, in, dz, bias, dw2);
    sn_threads_split_for_tests(1);
    CHECK(same_bits(z2, zk, P * filters) && same_bits(dw2, dwk, (long)KB * filters),
          "conv products %s in %d parts differ from one part", what, parts);
    buf_free(z2), buf_free(dw2);
  }

  buf_free(x), buf_free(xk), buf_free(xr), buf_free(cols), buf_free(colsb), buf_free(w);
  buf_free(zk), buf_free(zg), buf_free(zr), buf_free(zp), buf_free(dz), buf_free(dwk), buf_free(dwg), buf_free(dwr);
}

/* ---- depthwise convolution ------------------------------------------------------------------ */

/* k_depthwise_* against ref_depthwise_* bit for bit (guards, NaN-filled outputs,
 * −0 in dz), the threaded passes in 2..5 parts against one, and the references
 * against each other as adjoints in double: without bias z is linear in x and
 * in w, so Σ dz·z = Σ dx·x = Σ dw·w. */
static void test_depthwise(const sn_window *g, int rows, int dm, int bias, const char *where) {
  char what[192];
  snprintf(what, sizeof what, "depthwise %s dm %d bias %d", where, dm, bias);
  const int C = g->c * dm, T = g->kh * g->kw;
  const long nx = (long)rows * g->h * g->w * g->c, nz = (long)rows * g->oh * g->ow * C, nw = (long)T * C;
  float *x = buf_random(nx, -2, 2), *w = buf_random(nw, -1, 1), *b = bias ? buf_random(C, -1, 1) : NULL;
  float *dz = with_negative_zeros(buf_random(nz, -1, 1), nz);
  float *zk = buf_new(nz), *zr = buf_new(nz), *dxk = buf_new(nx), *dxr = buf_new(nx);
  float *dwk = buf_new(nw), *dwr = buf_new(nw), *dbk = buf_new(C), *dbr = buf_new(C);
  k_depthwise_forward(g, rows, dm, x, w, b, zk);
  ref_depthwise_forward(g, rows, dm, x, w, b, zr);
  CHECK(same_bits(zk, zr, nz) && nan_count(zk, nz) == 0 && buf_intact(zk, nz), "%s forward: k differs from ref", what);
  k_depthwise_backward(g, rows, dm, dz, w, dxk);
  ref_depthwise_backward(g, rows, dm, dz, w, dxr);
  CHECK(same_bits(dxk, dxr, nx) && nan_count(dxk, nx) == 0 && buf_intact(dxk, nx), "%s backward: k differs from ref", what);
  k_depthwise_wgrad(g, rows, dm, x, dz, dwk, bias ? dbk : NULL);
  ref_depthwise_wgrad(g, rows, dm, x, dz, dwr, bias ? dbr : NULL);
  CHECK(same_bits(dwk, dwr, nw) && nan_count(dwk, nw) == 0 && buf_intact(dwk, nw), "%s wgrad: k differs from ref", what);
  if (bias) CHECK(same_bits(dbk, dbr, C) && nan_count(dbk, C) == 0 && buf_intact(dbk, C), "%s wgrad bias: k differs from ref", what);

  /* adjoints, on the output without bias */
  float *z0 = buf_new(nz);
  ref_depthwise_forward(g, rows, dm, x, w, NULL, z0);
  double zz = dot(dz, z0, nz), xx = dot(dxr, x, nx), ww = dot(dwr, w, nw);
  double scale = dot_abs(dz, z0, nz) + 1e-30;
  CHECK(fabs(zz - xx) <= 1e-5 * scale && fabs(zz - ww) <= 1e-5 * scale, "%s: Σdz·z %g, Σdx·x %g, Σdw·w %g are not equal", what, zz, xx, ww);
  if (bias) {
    double sb = 0.0;
    for (long i = 0; i < nz; i++) sb += dz[i] * (double)b[i % C];
    CHECK(fabs(dot(dbr, b, C) - sb) <= 1e-5 * (fabs(sb) + 1.0), "%s: Σdb·b differs from Σdz·b", what);
  }

  for (int parts = 2; parts <= 5; parts += parts < 3 ? 1 : 2) {
    float *z2 = buf_new(nz), *dx2 = buf_new(nx), *dw2 = buf_new(nw), *db2 = buf_new(C);
    sn_threads_split_for_tests(parts);
    sn_par_depthwise_forward(g, rows, dm, x, w, b, z2);
    sn_par_depthwise_backward(g, rows, dm, dz, w, dx2);
    sn_par_depthwise_wgrad(g, rows, dm, x, dz, dw2, bias ? db2 : NULL);
    sn_threads_split_for_tests(1);
    CHECK(same_bits(z2, zk, nz) && same_bits(dx2, dxk, nx) && same_bits(dw2, dwk, nw) && (!bias || same_bits(db2, dbk, C)),
          "%s in %d parts differs from one part", what, parts);
    buf_free(z2), buf_free(dx2), buf_free(dw2), buf_free(db2);
  }
  buf_free(x), buf_free(w), buf_free(dz), buf_free(zk), buf_free(zr), buf_free(dxk), buf_free(dxr), buf_free(z0);
  buf_free(dwk), buf_free(dwr), buf_free(dbk), buf_free(dbr);
  if (b) buf_free(b);
}

/* ---- windowed pooling ------------------------------------------------------------------------ */

/* L = Σ w·y(x) in double, y = forward(x) (max or average pooling). */
static double pool_loss(const sn_window *g, int rows, const float *x, const float *w, int is_max) {
  const long ny = (long)rows * g->oh * g->ow * g->c;
  float *y = buf_new(ny);
  int *arg = ibuf_new(ny);
  if (is_max) ref_maxpool_forward(g, rows, x, y, arg);
  else ref_avgpool_forward(g, rows, x, y);
  double l = dot(w, y, ny);
  buf_free(y), ibuf_free(arg);
  return l;
}

/* Central differences of pool_loss against dx = backward(w). x must keep every
 * window's maximum unique by more than 2h (pool_fd_input), so the max is
 * differentiable; pooling is piecewise linear, so the difference is exact up
 * to float rounding of the outputs (measured worst: 0.26 of the tolerance). */
static void pool_fd(const sn_window *g, int rows, const float *x, const float *dx, const float *w, int is_max,
                    const char *what) {
  const long nx = (long)rows * g->h * g->w * g->c;
  const float h = 1e-3f;
  float *xp = buf_copy(x, nx);
  long bad = 0;
  for (long i = 0; i < nx; i++) {
    xp[i] = x[i] + h;
    double lp = pool_loss(g, rows, xp, w, is_max), step = (double)xp[i];
    xp[i] = x[i] - h;
    double lm = pool_loss(g, rows, xp, w, is_max);
    step -= (double)xp[i];
    xp[i] = x[i];
    bad += fabs((lp - lm) / step - dx[i]) > 1e-3 + 1e-3 * fabs(dx[i]);
  }
  CHECK(bad == 0, "%s %s: backward differs from finite differences at %ld inputs", is_max ? "maxpool" : "avgpool",
        what, bad);
  buf_free(xp);
}

/* Distinct values 0.01 apart, shuffled: every maximum unique by far more than 2h. */
static float *pool_fd_input(long count) {
  float *x = buf_new(count);
  for (long i = 0; i < count; i++) x[i] = 0.01f * (float)i - 0.005f * (float)count;
  for (long i = count - 1; i > 0; i--) {
    long j = (long)uniform(0.0f, (float)(i + 1));
    if (j > i) j = i;
    float t = x[i];
    x[i] = x[j], x[j] = t;
  }
  return x;
}

static void test_maxpool(const sn_window *g, int rows, const char *what, int fd) {
  const long nx = (long)rows * g->h * g->w * g->c, ny = (long)rows * g->oh * g->ow * g->c;
  for (int ties = 0; ties <= 1; ties++) {
    /* ties: values in {-1, 0, 1}, so most windows hold several maxima. */
    float *x = ties ? buf_ints(nx, -1, 1) : buf_random(nx, -2, 2);
    float *yk = buf_new(ny), *yr = buf_new(ny);
    int *ak = ibuf_new(ny), *ar = ibuf_new(ny);
    k_maxpool_forward(g, rows, x, yk, ak);
    ref_maxpool_forward(g, rows, x, yr, ar);
    CHECK(same_bits(yk, yr, ny) && same_bits(ak, ar, ny) && nan_count(yk, ny) == 0,
          "maxpool %s ties=%d: k differs from ref", what, ties);
    CHECK(buf_intact(yk, ny) && ibuf_intact(ak, ny), "maxpool %s ties=%d: k wrote outside y or arg", what, ties);

    /* The definition, in two passes: the maximum over the cells inside, then the
     * first cell in scan order that holds it. */
    long bad = 0;
    for (int n = 0; n < rows; n++)
      for (int oy = 0; oy < g->oh; oy++)
        for (int ox = 0; ox < g->ow; ox++)
          for (int ci = 0; ci < g->c; ci++) {
            const float *xs = x + (long)n * g->h * g->w * g->c;
            double best = -INFINITY;
            int iy, ix, first = -1;
            for (int ky = 0; ky < g->kh; ky++)
              for (int kx = 0; kx < g->kw; kx++)
                if (cell(g, oy, ox, ky, kx, &iy, &ix)) best = fmax(best, xs[(iy * g->w + ix) * g->c + ci]);
            for (int ky = 0; ky < g->kh && first < 0; ky++)
              for (int kx = 0; kx < g->kw && first < 0; kx++)
                if (cell(g, oy, ox, ky, kx, &iy, &ix) && xs[(iy * g->w + ix) * g->c + ci] == best)
                  first = (iy * g->w + ix) * g->c + ci;
            long o = (((long)n * g->oh + oy) * g->ow + ox) * g->c + ci;
            bad += yr[o] != best || ar[o] != first;
          }
    CHECK(bad == 0, "ref_maxpool_forward %s ties=%d: %ld outputs are not the first maximum", what, ties, bad);

    /* Backward: dx[arg] += dy, checked against a sum in double over the outputs. */
    float *dy = with_negative_zeros(buf_random(ny, -2, 2), ny), *dk = buf_new(nx), *dr = buf_new(nx);
    k_maxpool_backward(g, rows, dy, ar, dk);
    ref_maxpool_backward(g, rows, dy, ar, dr);
    CHECK(same_bits(dk, dr, nx) && nan_count(dk, nx) == 0, "maxpool_backward %s ties=%d: k differs from ref", what,
          ties);
    CHECK(buf_intact(dk, nx), "maxpool_backward %s ties=%d: wrote outside dx", what, ties);
    double *want = calloc((size_t)nx, sizeof *want), *mag = calloc((size_t)nx, sizeof *mag);
    if (!want || !mag) abort();
    for (int n = 0; n < rows; n++)
      for (long o = 0; o < (long)g->oh * g->ow * g->c; o++) {
        long i = (long)n * g->h * g->w * g->c + ar[n * (long)g->oh * g->ow * g->c + o];
        want[i] += dy[n * (long)g->oh * g->ow * g->c + o];
        mag[i] += fabs(dy[n * (long)g->oh * g->ow * g->c + o]);
      }
    check_array("ref_maxpool_backward vs double", dr, want, mag, nx, 1e-6, 1e-30);
    free(want), free(mag);
    buf_free(x), buf_free(yk), buf_free(yr), ibuf_free(ak), ibuf_free(ar), buf_free(dy), buf_free(dk),
        buf_free(dr);
  }
  if (fd) {
    float *x = pool_fd_input(nx), *y = buf_new(ny), *w = buf_random(ny, -1, 1), *dx = buf_new(nx);
    int *arg = ibuf_new(ny);
    ref_maxpool_forward(g, rows, x, y, arg);
    ref_maxpool_backward(g, rows, w, arg, dx);
    pool_fd(g, rows, x, dx, w, 1, what);
    buf_free(x), buf_free(y), buf_free(w), buf_free(dx), ibuf_free(arg);
  }
}

static void test_avgpool(const sn_window *g, int rows, const char *what, int fd) {
  const long nx = (long)rows * g->h * g->w * g->c, ny = (long)rows * g->oh * g->ow * g->c;
  float *x = buf_random(nx, -2, 2), *yk = buf_new(ny), *yr = buf_new(ny);
  k_avgpool_forward(g, rows, x, yk);
  ref_avgpool_forward(g, rows, x, yr);
  CHECK(same_bits(yk, yr, ny) && nan_count(yk, ny) == 0, "avgpool %s: k differs from ref", what);
  CHECK(buf_intact(yk, ny), "avgpool %s: wrote outside y", what);

  /* The mean over the cells inside the input (padding not counted), in double. */
  double *want = malloc((size_t)ny * sizeof *want), *mag = malloc((size_t)ny * sizeof *mag);
  if (!want || !mag) abort();
  for (int n = 0; n < rows; n++)
    for (int oy = 0; oy < g->oh; oy++)
      for (int ox = 0; ox < g->ow; ox++)
        for (int ci = 0; ci < g->c; ci++) {
          double s = 0.0, sa = 0.0;
          int count = 0, iy, ix;
          for (int ky = 0; ky < g->kh; ky++)
            for (int kx = 0; kx < g->kw; kx++)
              if (cell(g, oy, ox, ky, kx, &iy, &ix)) {
                double v = x[(((long)n * g->h + iy) * g->w + ix) * g->c + ci];
                s += v, sa += fabs(v), count++;
              }
          long o = (((long)n * g->oh + oy) * g->ow + ox) * g->c + ci;
          want[o] = s / count, mag[o] = sa / count;
        }
  check_array("ref_avgpool_forward vs double", yr, want, mag, ny, 1e-6, 1e-30);
  free(want), free(mag);

  /* Backward: k against ref, and the adjoint ⟨avgpool(x), u⟩ = ⟨x, avgpool_backward(u)⟩. */
  float *u = with_negative_zeros(buf_random(ny, -2, 2), ny), *dk = buf_new(nx), *dr = buf_new(nx);
  k_avgpool_backward(g, rows, u, dk);
  ref_avgpool_backward(g, rows, u, dr);
  CHECK(same_bits(dk, dr, nx) && nan_count(dk, nx) == 0, "avgpool_backward %s: k differs from ref", what);
  CHECK(buf_intact(dk, nx), "avgpool_backward %s: wrote outside dx", what);
  double lhs = dot(yr, u, ny), rhs = dot(x, dr, nx), scale = dot_abs(x, dr, nx) + dot_abs(yr, u, ny);
  CHECK_CLOSE(lhs, rhs, 0.0, 1e-6 * scale + 1e-30, "avgpool_backward %s: adjoint", what);
  if (fd) pool_fd(g, rows, x, dr, u, 0, what);
  buf_free(x), buf_free(yk), buf_free(yr), buf_free(u), buf_free(dk), buf_free(dr);
}

/* TF's 'same' pooling by hand on a 3×3 input, window 2, stride 2: the padding
 * (one row, one column) comes after the input, is never the maximum and does
 * not count in the mean. */
static void test_pool_same_by_hand(void) {
  sn_window g;
  CHECK(sn_window_init(&g, 3, 3, 1, 2, 2, 2, 2, 1, 1, 1) && g.oh == 2 && g.pt == 0 && g.pl == 0,
        "3×3 pool 2 stride 2 same: 2×2 output, padding after");
  float x[9] = {-1, -2, -3, -4, -5, -6, -7, -8, -9}, y[4], dx[9];
  int arg[4];
  k_maxpool_forward(&g, 1, x, y, arg);
  CHECK(y[0] == -1 && y[1] == -3 && y[2] == -7 && y[3] == -9 && arg[0] == 0 && arg[1] == 2 && arg[2] == 6 &&
            arg[3] == 8,
        "maxpool same: padding never wins (got %g %g %g %g)", y[0], y[1], y[2], y[3]);
  k_avgpool_forward(&g, 1, x, y);
  CHECK(y[0] == -3 && y[1] == -4.5f && y[2] == -7.5f && y[3] == -9,
        "avgpool same divides by the cells inside: 4, 2, 2, 1 (got %g %g %g %g)", y[0], y[1], y[2], y[3]);
  float dy[4] = {4, 2, 2, 1};
  k_avgpool_backward(&g, 1, dy, dx);
  int ones = 1;
  for (int i = 0; i < 9; i++) ones &= dx[i] == 1.0f;
  CHECK(ones, "avgpool_backward same: each cell gets dy / count of its window");
}

/* ---- global pooling ------------------------------------------------------------------------------ */

static void test_global(int rows, int hw, int c) {
  const long nx = (long)rows * hw * c, ny = (long)rows * c;
  char what[64];
  snprintf(what, sizeof what, "rows %d hw %d c %d", rows, hw, c);

  float *x = buf_random(nx, -2, 2), *yk = buf_new(ny), *yr = buf_new(ny);
  k_global_avgpool_forward(rows, hw, c, x, yk);
  ref_global_avgpool_forward(rows, hw, c, x, yr);
  CHECK(same_bits(yk, yr, ny) && nan_count(yk, ny) == 0 && buf_intact(yk, ny),
        "global_avgpool %s: k differs from ref", what);
  double *want = malloc((size_t)nx * sizeof *want), *mag = malloc((size_t)nx * sizeof *mag);
  if (!want || !mag) abort();
  for (int n = 0; n < rows; n++)
    for (int ci = 0; ci < c; ci++) {
      double s = 0.0, sa = 0.0;
      for (int p = 0; p < hw; p++) {
        double v = x[((long)n * hw + p) * c + ci];
        s += v, sa += fabs(v);
      }
      want[(long)n * c + ci] = s / hw, mag[(long)n * c + ci] = sa / hw;
    }
  check_array("ref_global_avgpool_forward vs double", yr, want, mag, ny, 1e-6, 1e-30);

  float *dy = with_negative_zeros(buf_random(ny, -2, 2), ny), *dk = buf_new(nx), *dr = buf_new(nx);
  k_global_avgpool_backward(rows, hw, c, dy, dk);
  ref_global_avgpool_backward(rows, hw, c, dy, dr);
  CHECK(same_bits(dk, dr, nx) && nan_count(dk, nx) == 0 && buf_intact(dk, nx),
        "global_avgpool_backward %s: k differs from ref", what);
  long bad = 0;
  for (long i = 0; i < nx; i++) bad += dr[i] != dy[i / ((long)hw * c) * c + i % c] / (float)hw;
  CHECK(bad == 0, "ref_global_avgpool_backward %s: %ld cells are not dy / hw", what, bad);

  for (int ties = 0; ties <= 1; ties++) {
    float *xm = ties ? buf_ints(nx, -1, 1) : buf_copy(x, nx);
    int *ak = ibuf_new(ny), *ar = ibuf_new(ny);
    k_global_maxpool_forward(rows, hw, c, xm, yk, ak);
    ref_global_maxpool_forward(rows, hw, c, xm, yr, ar);
    CHECK(same_bits(yk, yr, ny) && same_bits(ak, ar, ny) && buf_intact(yk, ny) && ibuf_intact(ak, ny),
          "global_maxpool %s ties=%d: k differs from ref", what, ties);
    bad = 0;
    for (int n = 0; n < rows; n++)
      for (int ci = 0; ci < c; ci++) {
        const float *xs = xm + (long)n * hw * c;
        double best = -INFINITY;
        int first = -1;
        for (int p = 0; p < hw; p++) best = fmax(best, xs[(long)p * c + ci]);
        for (int p = 0; p < hw && first < 0; p++)
          if (xs[(long)p * c + ci] == best) first = p * c + ci;
        bad += yr[(long)n * c + ci] != best || ar[(long)n * c + ci] != first;
      }
    CHECK(bad == 0, "ref_global_maxpool_forward %s ties=%d: %ld outputs are not the first maximum", what, ties, bad);

    k_global_maxpool_backward(rows, hw, c, dy, ar, dk);
    ref_global_maxpool_backward(rows, hw, c, dy, ar, dr);
    CHECK(same_bits(dk, dr, nx) && nan_count(dk, nx) == 0 && buf_intact(dk, nx),
          "global_maxpool_backward %s ties=%d: k differs from ref", what, ties);
    bad = 0;
    for (int n = 0; n < rows; n++)
      for (long i = 0; i < (long)hw * c; i++) {
        int ci = (int)(i % c);
        float want_dx = ar[(long)n * c + ci] == i ? dy[(long)n * c + ci] : 0.0f;
        bad += dr[(long)n * hw * c + i] != want_dx;
      }
    CHECK(bad == 0, "ref_global_maxpool_backward %s ties=%d: %ld cells wrong", what, ties, bad);
    buf_free(xm), ibuf_free(ak), ibuf_free(ar);
  }
  free(want), free(mag);
  buf_free(x), buf_free(yk), buf_free(yr), buf_free(dy), buf_free(dk), buf_free(dr);
}

/* ---- batch normalization ----------------------------------------------------------------------------- */

/* Moments, k against ref, and ref against two-pass double. x = offset + U(-1, 1)·spread.
 * Measured worst errors of the float two-pass with blocked sums, over the cases
 * below: mean 1.0e-6 of the mean |x| and variance 1.1e-6 relative, both at
 * n = 86,528 (one running sum over the rows: 1e-5 and 1.6e-5). One row more or
 * less changes either by 1/n = 1.2e-5. */
static void test_moments(int n, int c, float offset, float spread) {
  const long nx = (long)n * c;
  float *x = buf_new(nx);
  for (long i = 0; i < nx; i++) x[i] = offset + spread * uniform(-1.0f, 1.0f);
  float *mk = buf_new(c), *vk = buf_new(c), *mr = buf_new(c), *vr = buf_new(c);
  k_bn_moments(n, c, x, mk, vk);
  ref_bn_moments(n, c, x, mr, vr);
  char what[96];
  snprintf(what, sizeof what, "bn_moments n %d c %d offset %g", n, c, offset);
  CHECK(same_bits(mk, mr, c) && same_bits(vk, vr, c) && nan_count(mk, c) + nan_count(vk, c) == 0,
        "%s: k differs from ref", what);
  CHECK(buf_intact(mk, c) && buf_intact(vk, c), "%s: wrote outside mean or var", what);

  double *mean = calloc((size_t)c, sizeof *mean), *var = calloc((size_t)c, sizeof *var);
  double *mscale = calloc((size_t)c, sizeof *mscale);
  if (!mean || !var || !mscale) abort();
  for (int j = 0; j < c; j++) {
    double s = 0.0, sa = 0.0, q = 0.0;
    for (int r = 0; r < n; r++) s += x[(long)r * c + j], sa += fabs(x[(long)r * c + j]);
    mean[j] = s / n, mscale[j] = sa / n;
    for (int r = 0; r < n; r++) q += (x[(long)r * c + j] - mean[j]) * (x[(long)r * c + j] - mean[j]);
    var[j] = q / n;
  }
  check_array(what, mr, mean, mscale, c, 4e-6, 1e-30);
  check_array(what, vr, var, NULL, c, 4e-6, 1e-30);
  free(mean), free(var), free(mscale);
  buf_free(x), buf_free(mk), buf_free(vk), buf_free(mr), buf_free(vr);
}

#define BN_EPS 1e-3f

/* The training-mode layer from the kernels: moments, inv_std = 1/sqrt(var + eps), forward. */
static void bn_train_forward(int n, int c, const float *x, const float *gamma, const float *beta, float *inv_std,
                             float *xhat, float *y) {
  float *mean = buf_new(c), *var = buf_new(c);
  ref_bn_moments(n, c, x, mean, var);
  for (int j = 0; j < c; j++) inv_std[j] = 1.0f / sqrtf(var[j] + BN_EPS);
  ref_bn_forward(n, c, x, mean, inv_std, gamma, beta, xhat, y);
  buf_free(mean), buf_free(var);
}

static double bn_loss(int n, int c, const float *x, const float *gamma, const float *beta, const float *w) {
  float *is = buf_new(c), *y = buf_new((long)n * c);
  bn_train_forward(n, c, x, gamma, beta, is, NULL, y);
  double l = dot(w, y, (long)n * c);
  buf_free(is), buf_free(y);
  return l;
}

/* d(Σ w·y)/d(one float) by central differences; v is perturbed and restored. */
static double bn_fd(float *v, int n, int c, const float *x, const float *gamma, const float *beta, const float *w) {
  const float h = 1e-3f, v0 = *v;
  *v = v0 + h;
  double lp = bn_loss(n, c, x, gamma, beta, w), step = (double)*v;
  *v = v0 - h;
  double lm = bn_loss(n, c, x, gamma, beta, w);
  step -= (double)*v;
  *v = v0;
  return (lp - lm) / step;
}

/* Forward and backward on n × c: k against ref for every combination of
 * gamma / beta / xhat present, in place, and (fd) ref against finite differences
 * of the training-mode forward pass through the moments. */
static void test_bn(int n, int c, int fd) {
  const long nx = (long)n * c;
  char what[64];
  snprintf(what, sizeof what, "n %d c %d", n, c);
  float *x = buf_random(nx, -2, 3), *gamma = buf_random(c, 0.5f, 2), *beta = buf_random(c, -1, 1);
  float *mean = buf_new(c), *var = buf_new(c), *is = buf_new(c);
  ref_bn_moments(n, c, x, mean, var);
  for (int j = 0; j < c; j++) is[j] = 1.0f / sqrtf(var[j] + BN_EPS);

  for (int mode = 0; mode < 4; mode++) {
    const float *gm = mode & 1 ? gamma : NULL, *bt = mode & 2 ? beta : NULL;
    float *xk = buf_new(nx), *yk = buf_new(nx), *xr = buf_new(nx), *yr = buf_new(nx), *y2 = buf_new(nx);
    k_bn_forward(n, c, x, mean, is, gm, bt, xk, yk);
    ref_bn_forward(n, c, x, mean, is, gm, bt, xr, yr);
    CHECK(same_bits(xk, xr, nx) && same_bits(yk, yr, nx) && nan_count(yk, nx) + nan_count(xk, nx) == 0 &&
              buf_intact(xk, nx) && buf_intact(yk, nx),
          "bn_forward %s gamma %d beta %d: k differs from ref", what, !!gm, !!bt);
    k_bn_forward(n, c, x, mean, is, gm, bt, NULL, y2);
    CHECK(same_bits(y2, yk, nx), "bn_forward %s: without xhat y differs", what);
    memcpy(y2, x, (size_t)nx * sizeof *y2);
    k_bn_forward(n, c, y2, mean, is, gm, bt, NULL, y2);
    CHECK(same_bits(y2, yk, nx), "k_bn_forward %s: in place differs", what);
    memcpy(y2, x, (size_t)nx * sizeof *y2);
    ref_bn_forward(n, c, y2, mean, is, gm, bt, NULL, y2);
    CHECK(same_bits(y2, yr, nx), "ref_bn_forward %s: in place differs", what);
    double *want = malloc((size_t)nx * sizeof *want), *mag = malloc((size_t)nx * sizeof *mag);
    if (!want || !mag) abort();
    for (long i = 0; i < nx; i++) {
      int j = (int)(i % c);
      double xh = ((double)x[i] - mean[j]) * is[j], g = gm ? gm[j] : 1.0, b = bt ? bt[j] : 0.0;
      want[i] = g * xh + b;
      mag[i] = fabs(g) * (fabs(x[i]) + fabs(mean[j])) * is[j] + fabs(b);
    }
    check_array("ref_bn_forward vs double", yr, want, mag, nx, 1e-6, 1e-30);
    free(want), free(mag);

    /* Backward, both given the reference xhat. */
    float *dy = buf_random(nx, -1, 1), *dk = buf_new(nx), *dr = buf_new(nx);
    float *gk = buf_new(c), *bk = buf_new(c), *gr = buf_new(c), *br = buf_new(c), *d2 = buf_new(nx);
    float *gk2 = mode & 1 ? gk : NULL, *bk2 = mode & 2 ? bk : NULL, *gr2 = mode & 1 ? gr : NULL,
          *br2 = mode & 2 ? br : NULL;
    k_bn_backward(n, c, dy, xr, is, gm, dk, gk2, bk2);
    ref_bn_backward(n, c, dy, xr, is, gm, dr, gr2, br2);
    CHECK(same_bits(dk, dr, nx) && nan_count(dk, nx) == 0 && buf_intact(dk, nx),
          "bn_backward %s gamma %d beta %d: k dx differs from ref", what, !!gm, !!bt);
    CHECK((!gk2 || (same_bits(gk, gr, c) && nan_count(gk, c) == 0)) && (!bk2 || (same_bits(bk, br, c) && nan_count(bk, c) == 0)) &&
              buf_intact(gk, c) && buf_intact(bk, c) && (gk2 || nan_count(gk, c) == c) && (bk2 || nan_count(bk, c) == c),
          "bn_backward %s gamma %d beta %d: k dgamma/dbeta differ from ref", what, !!gm, !!bt);
    memcpy(d2, dy, (size_t)nx * sizeof *d2);
    k_bn_backward(n, c, d2, xr, is, gm, d2, NULL, NULL);
    CHECK(same_bits(d2, dk, nx), "k_bn_backward %s: in place differs", what);
    memcpy(d2, dy, (size_t)nx * sizeof *d2);
    ref_bn_backward(n, c, d2, xr, is, gm, d2, NULL, NULL);
    CHECK(same_bits(d2, dr, nx), "ref_bn_backward %s: in place differs", what);

    if (fd && mode == 3) {
      /* Finite differences of the training forward pass (moments recomputed at each
       * step) give dL/dx, dL/dgamma, dL/dbeta. h = 1e-3 keeps the truncation error
       * small even for n = 2, where xhat bends sharply; the float rounding of the
       * outputs over 2h is the rest. Measured worst: 0.4 of these tolerances; a
       * missing or halved term of the formula is off by O(0.1). */
      float *xp = buf_copy(x, nx), *gp = buf_copy(gamma, c), *bp = buf_copy(beta, c);
      long bad = 0;
      for (long i = 0; i < nx; i++) bad += fabs(bn_fd(&xp[i], n, c, xp, gp, bp, dy) - dr[i]) > 2e-3 + 5e-3 * fabs(dr[i]);
      CHECK(bad == 0, "ref_bn_backward %s: dx differs from finite differences at %ld inputs", what, bad);
      bad = 0;
      for (int j = 0; j < c; j++) {
        bad += fabs(bn_fd(&gp[j], n, c, xp, gp, bp, dy) - gr[j]) > 2e-3 + 5e-3 * fabs(gr[j]);
        bad += fabs(bn_fd(&bp[j], n, c, xp, gp, bp, dy) - br[j]) > 2e-3 + 5e-3 * fabs(br[j]);
      }
      CHECK(bad == 0, "ref_bn_backward %s: dgamma/dbeta differ from finite differences (%ld)", what, bad);
      buf_free(xp), buf_free(gp), buf_free(bp);
    }
    buf_free(xk), buf_free(yk), buf_free(xr), buf_free(yr), buf_free(y2), buf_free(dy), buf_free(dk),
        buf_free(dr), buf_free(gk), buf_free(bk), buf_free(gr), buf_free(br), buf_free(d2);
  }
  buf_free(x), buf_free(gamma), buf_free(beta), buf_free(mean), buf_free(var), buf_free(is);
}

/* ---- NaN inputs: k and ref still agree (same comparisons) -------------------------------------------- */

static void test_nan_inputs(void) {
  sn_window g;
  shape s = {7, 7, 3, 3, 2, 2, 1, 1, 1};
  if (!CHECK(window(&g, &s, 5), "nan test geometry")) return;
  const long nx = 7 * 7 * 5, ny = (long)g.oh * g.ow * 5;
  float *x = buf_random(nx, -2, 2), *yk = buf_new(ny), *yr = buf_new(ny);
  for (long i = 0; i < nx; i += 7) x[i] = NAN;
  int *ak = ibuf_new(ny), *ar = ibuf_new(ny);
  k_maxpool_forward(&g, 1, x, yk, ak);
  ref_maxpool_forward(&g, 1, x, yr, ar);
  long bad = 0;
  for (long i = 0; i < ny; i++) bad += ak[i] != ar[i] || (isnan(yk[i]) ? !isnan(yr[i]) : yk[i] != yr[i]);
  CHECK(bad == 0, "maxpool with NaN inputs: k and ref differ at %ld outputs", bad);
  buf_free(x), buf_free(yk), buf_free(yr), ibuf_free(ak), ibuf_free(ar);
}

int main(void) {
  test_window_init();
  test_pool_same_by_hand();
  test_nan_inputs();

  static const int ROWS[] = {1, 3};
  for (int i = 0; i < NAWKWARD; i++)
    for (int ci = 0; ci < NCHANNELS; ci++)
      for (int r = 0; r < 2; r++) {
        sn_window g;
        const shape *s = &AWKWARD[i];
        const char *what = describe(s, CHANNELS[ci], ROWS[r]);
        if (!CHECK(window(&g, s, CHANNELS[ci]), "%s: sn_window_init refused", what)) continue;
        test_im2col(&g, ROWS[r], what);
        for (int dm = 1; dm <= 2; dm++) test_depthwise(&g, ROWS[r], dm, (ci + r + dm) % 2, what);
        if (CHANNELS[ci] != 3 && CHANNELS[ci] != 5) /* 1, 4, 8, 17 and 64 channels */
          for (int f = 0; f < 3; f++) test_conv_products(&g, ROWS[r], (int[]){1, 8, 17}[f], (f + r) % 2, what);
        if (s->dh == 1 && s->dw == 1) {
          /* finite differences cost two forward passes per input */
          int fd = CHANNELS[ci] <= 5 && ROWS[r] == 1;
          test_maxpool(&g, ROWS[r], what, fd);
          test_avgpool(&g, ROWS[r], what, fd);
        }
      }
  for (int i = 0; i < NREAL; i++) {
    sn_window g;
    const char *what = describe(&REAL[i].s, REAL[i].c, 2);
    if (!CHECK(window(&g, &REAL[i].s, REAL[i].c), "%s: sn_window_init refused", what)) continue;
    if (REAL[i].pool) {
      test_maxpool(&g, 2, what, 0);
      test_avgpool(&g, 2, what, 0);
    } else {
      test_im2col(&g, 2, what);
      for (int bias = 0; bias <= 1; bias++) test_conv_products(&g, 2, 16, bias, what);
    }
  }

  /* MobileNetV2's depthwise layers: 3×3, stride 1 'same' or stride 2 'valid' after ZeroPadding. */
  static const struct {
    shape s;
    int c;
  } MOBILENET[] = {{{14, 14, 3, 3, 1, 1, 1, 1, 1}, 96}, {{15, 15, 3, 3, 2, 2, 1, 1, 0}, 144}, {{7, 7, 3, 3, 1, 1, 1, 1, 1}, 161}};
  for (int i = 0; i < 3; i++) {
    sn_window g;
    const char *what = describe(&MOBILENET[i].s, MOBILENET[i].c, 2);
    if (CHECK(window(&g, &MOBILENET[i].s, MOBILENET[i].c), "%s: sn_window_init refused", what)) test_depthwise(&g, 2, 1, i % 2, what);
  }

  static const int HW[] = {1, 2, 5, 49, 121};
  for (int h = 0; h < 5; h++)
    for (int ci = 0; ci < NCHANNELS; ci++)
      for (int r = 0; r < 2; r++) test_global(ROWS[r], HW[h], CHANNELS[ci]);

  static const int N[] = {1, 2, 7, 33, 127, 128, 129, 300};
  for (int k = 0; k < 8; k++)
    for (int ci = 0; ci < NCHANNELS; ci++) {
      test_moments(N[k], CHANNELS[ci], 0.0f, 1.0f);
      test_bn(N[k], CHANNELS[ci], N[k] <= 33 && CHANNELS[ci] <= 17);
    }
  /* Conv-sized batches (M4: 64·24·24 rows; M5: 128·26·26), and data far from zero. */
  test_moments(64 * 24 * 24, 8, 0.0f, 1.0f);
  test_moments(128 * 26 * 26, 4, 0.5f, 0.5f);
  test_moments(128 * 26 * 26, 5, 20.0f, 1.0f);
  test_moments(1000, 17, 1000.0f, 1.0f);
  test_bn(4096, 32, 0);
  /* More channels than the kernels sum per pass (256). */
  test_moments(130, 257, 0.0f, 1.0f);
  test_moments(3, 600, 1.0f, 1.0f);
  test_bn(130, 257, 0);
  test_bn(3, 600, 0);
  test_bn(2, 259, 0);
  return check_summary();
}
