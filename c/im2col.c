/* Window geometry (sn_window_init) and the SIMD im2col / col2im that put a
 * convolution on the packed GEMM. See conv_kernels.h for the contracts and
 * conv_kernels_ref.c for the scalar definitions they are tested against.
 *
 * In NHWC one kernel row of a patch, kw cells × c channels, is kw·c contiguous
 * floats of the input when the dilation is 1 (c floats per cell otherwise), so
 * both kernels work on runs: whole runs are copied (or added), padding is a
 * zero-filled run, and no element needs a branch of its own. */
#include <limits.h>

#include "conv_kernels.h"
#include "simd.h"
#include "window.h"

/* ---- geometry ------------------------------------------------------------------ */

/* One axis: input n, window k dilated by d, stride s, padding mode `padding`.
 * TensorFlow's rule (tfjs-core conv_util.ts getPadAndOutInfo, with the dilated
 * extent ek as its "effective filter size"); 'causal' pads ek − 1 before, as
 * Keras does. 0 if the output would be empty or an index (at most n + ek)
 * would not fit in an int. */
static int window_axis(int n, int k, int s, int d, int padding, int *out, int *pad_before) {
  long long ek = (long long)(k - 1) * d + 1;
  if (ek + n > INT_MAX) return 0;
  long long o, before = 0;
  if (padding == SN_PAD_SAME) {
    o = ((long long)n + s - 1) / s;
    long long total = (o - 1) * s + ek - n;
    before = total < 0 ? 0 : total / 2;
  } else if (padding == SN_PAD_CAUSAL) {
    o = ((long long)n + s - 1) / s;
    before = ek - 1;
  } else {
    if (ek > n) return 0;
    o = (n - ek) / s + 1; /* = ceil((n − ek + 1) / s) */
  }
  *out = (int)o;
  *pad_before = (int)before;
  return 1;
}

/* a·b when it fits in an int (a, b ≥ 1), else 0. */
static long long mul_int(long long a, long long b) {
  long long p = a * b; /* both ≤ INT_MAX: no overflow in long long */
  return p <= INT_MAX ? p : 0;
}

int sn_window_init(sn_window *g, int h, int w, int c, int kh, int kw, int sh, int sw, int dh, int dw, int padding) {
  if (h < 1 || w < 1 || c < 1 || kh < 1 || kw < 1 || sh < 1 || sw < 1 || dh < 1 || dw < 1) return 0;
  if (padding < 0 || padding >= SN_PAD_COUNT) return 0;
  sn_window t = {.h = h, .w = w, .c = c, .kh = kh, .kw = kw, .sh = sh, .sw = sw, .dh = dh, .dw = dw};
  if (!window_axis(h, kh, sh, dh, padding, &t.oh, &t.pt) || !window_axis(w, kw, sw, dw, padding, &t.ow, &t.pl))
    return 0;
  if (!mul_int(mul_int(h, w), c)) return 0;
  if (!mul_int(mul_int(mul_int(mul_int(t.oh, t.ow), kh), kw), c)) return 0;
  *g = t;
  return 1;
}

int sn_window_unpadded(const sn_window *g, sn_window *gp) {
  const int bottom = (g->oh - 1) * g->sh + (g->kh - 1) * g->dh + 1 - g->pt - g->h;
  const int right = (g->ow - 1) * g->sw + (g->kw - 1) * g->dw + 1 - g->pl - g->w;
  *gp = *g;
  gp->h = g->pt + g->h + (bottom > 0 ? bottom : 0);
  gp->w = g->pl + g->w + (right > 0 ? right : 0);
  gp->pt = gp->pl = 0;
  return gp->h != g->h || gp->w != g->w;
}

/* ---- runs ------------------------------------------------------------------------ */

/* dst[0..len) = src[0..len). From 4 floats on, the last vector overlaps the one
 * before instead of a scalar tail (the first layer's runs are kw·1 = 3 or 5). */
static inline void copy_run(float *dst, const float *src, int len) {
  if (len < 4) {
    for (int i = 0; i < len; i++) dst[i] = src[i];
    return;
  }
  int i = 0;
  for (; i + 4 <= len; i += 4) v_store(dst + i, v_load(src + i));
  if (i < len) v_store(dst + len - 4, v_load(src + len - 4));
}

static inline void zero_run(float *dst, long len) {
  if (len < 4) {
    for (int i = 0; i < len; i++) dst[i] = 0.0f;
    return;
  }
  long i = 0;
  for (; i + 4 <= len; i += 4) v_store(dst + i, v_zero());
  if (i < len) v_store(dst + len - 4, v_zero());
}

/* dst[0..len) += src[0..len). No overlapping tail here: it would add twice. */
static inline void add_run(float *dst, const float *src, int len) {
  int i = 0;
  for (; i + 4 <= len; i += 4) v_store(dst + i, v_add(v_load(dst + i), v_load(src + i)));
  for (; i < len; i++) dst[i] += src[i];
}

/* ---- im2col / col2im ------------------------------------------------------------- */

/* Output columns [lo, hi) read kernel rows whose first and last cells are both
 * inside the input: the interior, copied without any clipping. The columns
 * before and after are the edges, at most about kw/sw of them on each side. */
static void interior_columns(const sn_window *g, int *lo, int *hi) {
  sn_window_interior(g->w, (g->kw - 1) * g->dw + 1, g->sw, g->pl, g->ow, lo, hi);
}

/* count kernel rows of run floats each: dst steps by dstep (one cols row),
 * src by sstep (the stride). Always inlined, so a constant run unrolls into a
 * couple of vector moves. */
SN_ALWAYS_INLINE void copy_runs(float *dst, long dstep, const float *src, long sstep, int count, int run) {
  for (int i = 0; i < count; i++) copy_run(dst + i * dstep, src + i * sstep, run);
}

/* The first layer's kernel rows are short (kw·1 = 3, 5, 7 floats, or kw·3 for
 * RGB): copy those at constant sizes. */
static void copy_interior(float *dst, long dstep, const float *src, long sstep, int count, int run) {
  switch (run) {
  case 3: copy_runs(dst, dstep, src, sstep, count, 3); break;
  case 5: copy_runs(dst, dstep, src, sstep, count, 5); break;
  case 7: copy_runs(dst, dstep, src, sstep, count, 7); break;
  case 9: copy_runs(dst, dstep, src, sstep, count, 9); break;
  case 15: copy_runs(dst, dstep, src, sstep, count, 15); break;
  default: copy_runs(dst, dstep, src, sstep, count, run); break;
  }
}

/* One kernel row of the patch of output column ox, clipped cell by cell
 * (edge columns and dilated windows): inside cells copied, the rest zeroed. */
static void im2col_row(const sn_window *g, int ox, const float *src, float *dst) {
  const int c = g->c, ix0 = ox * g->sw - g->pl;
  if (g->dw == 1) { /* one contiguous run between the two padded ends */
    int lo = ix0 < 0 ? -ix0 : 0, hi = ix0 + g->kw > g->w ? ix0 + g->kw - g->w : 0;
    if (lo + hi >= g->kw) lo = g->kw, hi = 0;
    zero_run(dst, lo * c);
    copy_run(dst + lo * c, src + (ix0 + lo) * c, (g->kw - lo - hi) * c);
    zero_run(dst + (g->kw - hi) * c, hi * c);
    return;
  }
  for (int kx = 0; kx < g->kw; kx++) {
    const int ix = ix0 + kx * g->dw;
    if (ix >= 0 && ix < g->w) copy_run(dst + kx * c, src + ix * c, c);
    else zero_run(dst + kx * c, c);
  }
}

/* Short kernel rows (a first layer: kw·c = 3, 5 or 7 floats, 9 or 15 for RGB):
 * kernel row ky of every patch of output row (n, oy), one input row at a time,
 * so the row's bounds are tested once and the interior is one tight loop of
 * constant-size copies. cols rows are K apart, their sources sw·c apart. */
static void im2col_short(const sn_window *g, int rows, const float *x, float *cols) {
  const int c = g->c, run = g->kw * c, K = g->kh * run;
  int lo, hi;
  interior_columns(g, &lo, &hi);
  for (int n = 0; n < rows; n++) {
    const float *xs = x + (long)n * g->h * g->w * c;
    for (int oy = 0; oy < g->oh; oy++) {
      float *out = cols + ((long)n * g->oh + oy) * g->ow * K;
      for (int ky = 0; ky < g->kh; ky++) {
        float *d = out + ky * run;
        const int iy = oy * g->sh + ky * g->dh - g->pt;
        if (iy < 0 || iy >= g->h) {
          for (int ox = 0; ox < g->ow; ox++) zero_run(d + (long)ox * K, run);
          continue;
        }
        const float *src = xs + (long)iy * g->w * c;
        for (int ox = 0; ox < lo; ox++) im2col_row(g, ox, src, d + (long)ox * K);
        if (g->dw == 1) {
          copy_interior(d + (long)lo * K, K, src + (lo * g->sw - g->pl) * c, (long)g->sw * c, hi - lo, run);
        } else {
          for (int ox = lo; ox < hi; ox++) im2col_row(g, ox, src, d + (long)ox * K);
        }
        for (int ox = hi; ox < g->ow; ox++) im2col_row(g, ox, src, d + (long)ox * K);
      }
    }
  }
}

/* Long kernel rows: cols written strictly in order, patch by patch (strided
 * writes, as in im2col_short, measured up to 2× slower here: M5's second
 * layer writes 18 MB of cols per batch). */
static void im2col_long(const sn_window *g, int rows, const float *x, float *cols) {
  const int c = g->c, run = g->kw * c;
  int lo, hi;
  interior_columns(g, &lo, &hi);
  if (g->dw != 1) lo = hi = 0; /* dilated rows are clipped cell by cell */
  float *d = cols;
  for (int n = 0; n < rows; n++) {
    const float *xs = x + (long)n * g->h * g->w * c;
    for (int oy = 0; oy < g->oh; oy++)
      for (int ox = 0; ox < g->ow; ox++) {
        const int inner = ox >= lo && ox < hi;
        for (int ky = 0; ky < g->kh; ky++, d += run) {
          const int iy = oy * g->sh + ky * g->dh - g->pt;
          if (iy < 0 || iy >= g->h) {
            zero_run(d, run);
            continue;
          }
          const float *src = xs + (long)iy * g->w * c;
          if (inner) copy_run(d, src + (ox * g->sw - g->pl) * c, run);
          else im2col_row(g, ox, src, d);
        }
      }
  }
}

void k_im2col(const sn_window *g, int rows, const float *x, float *cols) {
  if (g->kw * g->c <= 16) im2col_short(g, rows, x, cols);
  else im2col_long(g, rows, x, cols);
}

/* im2col_row's adjoint: adds the inside cells of one kernel row back. */
static void col2im_row(const sn_window *g, int ox, const float *src, float *d) {
  const int c = g->c, ix0 = ox * g->sw - g->pl;
  if (g->dw == 1) {
    int lo = ix0 < 0 ? -ix0 : 0, hi = ix0 + g->kw > g->w ? ix0 + g->kw - g->w : 0;
    if (lo + hi < g->kw) add_run(d + (ix0 + lo) * c, src + lo * c, (g->kw - lo - hi) * c);
    return;
  }
  for (int kx = 0; kx < g->kw; kx++) {
    const int ix = ix0 + kx * g->dw;
    if (ix >= 0 && ix < g->w) add_run(d + ix * c, src + kx * c, c);
  }
}

/* Scatter-add: zero dx, then add every patch's kernel rows back where they
 * came from, reading cols in order. Each dx element gets its terms in
 * ref_col2im's order, the order of the patches. */
void k_col2im(const sn_window *g, int rows, const float *cols, float *dx) {
  const int c = g->c, run = g->kw * c;
  int lo, hi;
  interior_columns(g, &lo, &hi);
  if (g->dw != 1) lo = hi = 0;
  zero_run(dx, (long)rows * g->h * g->w * c);
  const float *s = cols;
  for (int n = 0; n < rows; n++) {
    float *ds = dx + (long)n * g->h * g->w * c;
    for (int oy = 0; oy < g->oh; oy++)
      for (int ox = 0; ox < g->ow; ox++) {
        const int inner = ox >= lo && ox < hi;
        for (int ky = 0; ky < g->kh; ky++, s += run) {
          const int iy = oy * g->sh + ky * g->dh - g->pt;
          if (iy < 0 || iy >= g->h) continue;
          float *d = ds + (long)iy * g->w * c;
          if (inner) add_run(d + (ox * g->sw - g->pl) * c, s, run);
          else col2im_row(g, ox, s, d);
        }
      }
  }
}

/* Each padded row: zeros, the input row, zeros (or all zeros above and below). */
void k_pad(const sn_window *g, int rows, const float *x, float *xp) {
  sn_window gp;
  sn_window_unpadded(g, &gp);
  const int c = g->c, row = g->w * c;
  const long left = (long)g->pl * c, right = (long)(gp.w - g->w - g->pl) * c;
  for (int n = 0; n < rows; n++)
    for (int y = 0; y < gp.h; y++, xp += (long)gp.w * c) {
      const int iy = y - g->pt;
      if (iy < 0 || iy >= g->h) {
        zero_run(xp, (long)gp.w * c);
        continue;
      }
      zero_run(xp, left);
      copy_run(xp + left, x + ((long)n * g->h + iy) * row, row);
      zero_run(xp + left + row, right);
    }
}
