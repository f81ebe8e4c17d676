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

/* ---- geometry ------------------------------------------------------------------ */

/* One axis: input n, window k dilated by d, stride s. TensorFlow's rule
 * (tfjs-core conv_util.ts getPadAndOutInfo, with the dilated extent ek as its
 * "effective filter size"). 0 if the output would be empty or an index
 * (at most n + ek) would not fit in an int. */
static int window_axis(int n, int k, int s, int d, int same, int *out, int *pad_before) {
  long long ek = (long long)(k - 1) * d + 1;
  if (ek + n > INT_MAX) return 0;
  long long o, total = 0;
  if (same) {
    o = ((long long)n + s - 1) / s;
    total = (o - 1) * s + ek - n;
    if (total < 0) total = 0;
  } else {
    if (ek > n) return 0;
    o = (n - ek) / s + 1; /* = ceil((n − ek + 1) / s) */
  }
  *out = (int)o;
  *pad_before = (int)(total / 2);
  return 1;
}

/* a·b when it fits in an int (a, b ≥ 1), else 0. */
static long long mul_int(long long a, long long b) {
  long long p = a * b; /* both ≤ INT_MAX: no overflow in long long */
  return p <= INT_MAX ? p : 0;
}

int sn_window_init(sn_window *g, int h, int w, int c, int kh, int kw, int sh, int sw, int dh, int dw, int same) {
  if (h < 1 || w < 1 || c < 1 || kh < 1 || kw < 1 || sh < 1 || sw < 1 || dh < 1 || dw < 1) return 0;
  sn_window t = {.h = h, .w = w, .c = c, .kh = kh, .kw = kw, .sh = sh, .sw = sw, .dh = dh, .dw = dw};
  if (!window_axis(h, kh, sh, dh, same, &t.oh, &t.pt) || !window_axis(w, kw, sw, dw, same, &t.ow, &t.pl))
    return 0;
  if (!mul_int(mul_int(h, w), c)) return 0;
  if (!mul_int(mul_int(mul_int(mul_int(t.oh, t.ow), kh), kw), c)) return 0;
  *g = t;
  return 1;
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

/* The kernel row of a patch that starts at input column ix0, for dilation 1:
 * `lo` window cells hang over the left edge, `hi` over the right, the rest
 * (possibly none) is inside. */
static inline void row_clip(const sn_window *g, int ix0, int *lo, int *hi) {
  *lo = ix0 < 0 ? -ix0 : 0;
  *hi = ix0 + g->kw > g->w ? ix0 + g->kw - g->w : 0;
  if (*lo > g->kw) *lo = g->kw;
  if (*hi > g->kw - *lo) *hi = g->kw - *lo;
}

void k_im2col(const sn_window *g, int rows, const float *x, float *cols) {
  const int c = g->c, kw = g->kw, run = kw * c;
  float *dst = cols; /* cols is written strictly in order */
  for (int n = 0; n < rows; n++) {
    const float *xs = x + (long)n * g->h * g->w * c;
    for (int oy = 0; oy < g->oh; oy++)
      for (int ox = 0; ox < g->ow; ox++) {
        const int ix0 = ox * g->sw - g->pl;
        int lo, hi;
        row_clip(g, ix0, &lo, &hi);
        for (int ky = 0; ky < g->kh; ky++, dst += run) {
          const int iy = oy * g->sh + ky * g->dh - g->pt;
          if (iy < 0 || iy >= g->h) {
            zero_run(dst, run);
            continue;
          }
          const float *src = xs + (long)iy * g->w * c;
          if (g->dw == 1) {
            zero_run(dst, lo * c);
            copy_run(dst + lo * c, src + (ix0 + lo) * c, (kw - lo - hi) * c);
            zero_run(dst + (kw - hi) * c, hi * c);
          } else {
            for (int kx = 0; kx < kw; kx++) {
              const int ix = ix0 + kx * g->dw;
              if (ix >= 0 && ix < g->w) copy_run(dst + kx * c, src + ix * c, c);
              else zero_run(dst + kx * c, c);
            }
          }
        }
      }
  }
}

/* Scatter-add in cols order: zero dx, then add every patch back where it came
 * from. Each dx element gets its terms in the same order as in ref_col2im. */
void k_col2im(const sn_window *g, int rows, const float *cols, float *dx) {
  const int c = g->c, kw = g->kw, run = kw * c;
  zero_run(dx, (long)rows * g->h * g->w * c);
  const float *src = cols;
  for (int n = 0; n < rows; n++) {
    float *ds = dx + (long)n * g->h * g->w * c;
    for (int oy = 0; oy < g->oh; oy++)
      for (int ox = 0; ox < g->ow; ox++) {
        const int ix0 = ox * g->sw - g->pl;
        int lo, hi;
        row_clip(g, ix0, &lo, &hi);
        for (int ky = 0; ky < g->kh; ky++, src += run) {
          const int iy = oy * g->sh + ky * g->dh - g->pt;
          if (iy < 0 || iy >= g->h) continue;
          float *d = ds + (long)iy * g->w * c;
          if (g->dw == 1) {
            add_run(d + (ix0 + lo) * c, src + lo * c, (kw - lo - hi) * c);
          } else {
            for (int kx = 0; kx < kw; kx++) {
              const int ix = ix0 + kx * g->dw;
              if (ix >= 0 && ix < g->w) add_run(d + ix * c, src + kx * c, c);
            }
          }
        }
      }
  }
}
