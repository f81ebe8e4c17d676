/* SIMD max and average pooling, windowed and global (k_*). See conv_kernels.h
 * for the contracts and conv_kernels_ref.c for the scalar definitions.
 *
 * NHWC keeps a cell's c channels contiguous, so every kernel works on 4
 * channels at a time (a scalar loop takes the last c mod 4) and visits the
 * window cells in the reference's scan order: the same comparisons and the same
 * additions, hence the same bits. The windowed kernels are one sweep over the
 * output cells (pool_sweep): windows wholly inside the input run unrolled 2×2
 * or 3×3 code, the others are clipped first; padding is never read. Backward
 * passes add into a zeroed dx in output order, which also sums overlapping
 * windows (pool 3, stride 2); max pooling without overlap writes each window
 * whole instead. */
#include "conv_kernels.h"
#include "simd.h"
#include "window.h"

/* The input rows [y0, y1) and columns [x0, x1) of output cell (oy, ox)'s
 * window (dilation 1). Never empty for a geometry from sn_window_init. */
typedef struct {
  int y0, y1, x0, x1;
} clip;

static inline clip window_clip(const sn_window *g, int oy, int ox) {
  clip k;
  k.y0 = oy * g->sh - g->pt, k.y1 = k.y0 + g->kh;
  k.x0 = ox * g->sw - g->pl, k.x1 = k.x0 + g->kw;
  if (k.y0 < 0) k.y0 = 0;
  if (k.x0 < 0) k.x0 = 0;
  if (k.y1 > g->h) k.y1 = g->h;
  if (k.x1 > g->w) k.x1 = g->w;
  return k;
}

static inline void zero(float *p, long count) {
  long i = 0;
  for (; i + 4 <= count; i += 4) v_store(p + i, v_zero());
  for (; i < count; i++) p[i] = 0.0f;
}

/* dx[arg[i]] += dy[i] over `count` outputs of one sample: a scatter, scalar
 * (wasm SIMD has none); it is a few instructions per output cell. */
static inline void scatter_add(long count, const float *dy, const int *arg, float *dx) {
  for (long i = 0; i < count; i++) dx[arg[i]] += dy[i];
}

/* Below, a *_window function handles one output cell over its clipped window:
 * R rows × C cells, cell (r, q) at xw + r·wc + q·c (wc = w·c); pool_sweep
 * calls it for every output cell. */

/* ---- max pooling ------------------------------------------------------------------ */

/* A later cell wins only when strictly greater, so the first maximum keeps
 * its position (as in ref_maxpool_forward and TF.js' maxPoolPositions).
 * v_max(best, v) = best < v ? v : best makes the same choice. at holds the
 * winner's offset from the window's first cell, `first` (in the sample). */
SN_ALWAYS_INLINE void maxpool_window(const float *xw, int wc, int c, int R, int C, int first, float *y, int *arg) {
  int j = 0;
  for (; j + 4 <= c; j += 4) {
    v4f best = v_load(xw + j);
    v4i at = vi_splat(0);
    for (int r = 0; r < R; r++)
      for (int q = 0; q < C; q++) {
        const int d = r * wc + q * c;
        v4f v = v_load(xw + d + j);
        at = vi_select(v_gt(v, best), vi_splat(d), at);
        best = v_max(best, v);
      }
    v_store(y + j, best);
    vi_store(arg + j, vi_add(at, vi_iota(first + j)));
  }
  for (; j < c; j++) {
    float best = xw[j];
    int at = 0;
    for (int r = 0; r < R; r++)
      for (int q = 0; q < C; q++) {
        const int d = r * wc + q * c;
        if (xw[d + j] > best) best = xw[d + j], at = d;
      }
    y[j] = best;
    arg[j] = first + at + j;
  }
}

/* Backward when windows do not overlap (strides ≥ window): every window cell
 * is written once, dy where arg points at it and 0 elsewhere, so whole
 * vectors replace the scatter. 0 + the value is what the scatter's addition
 * onto the zeroed dx gives (+0 for −0). */
SN_ALWAYS_INLINE void maxpool_back_window(const float *dy, const int *arg, int wc, int c, int R, int C, int first,
                                          float *dxw) {
  int j = 0;
  for (; j + 4 <= c; j += 4) {
    const v4f d = v_load(dy + j);
    const v4i at = vi_load(arg + j), base = vi_iota(first + j);
    for (int r = 0; r < R; r++)
      for (int q = 0; q < C; q++) {
        const int off = r * wc + q * c;
        v4m here = vi_eq(at, vi_add(base, vi_splat(off)));
        v_store(dxw + off + j, v_add(v_zero(), v_select(here, d, v_zero())));
      }
  }
  for (; j < c; j++)
    for (int r = 0; r < R; r++)
      for (int q = 0; q < C; q++) {
        const int off = r * wc + q * c;
        dxw[off + j] = 0.0f + (arg[j] == first + off + j ? dy[j] : 0.0f);
      }
}

/* ---- average pooling ---------------------------------------------------------------- */

/* Sum in scan order from 0, then divide by the cells inside (R·C). */
SN_ALWAYS_INLINE void avgpool_window(const float *xw, int wc, int c, int R, int C, float *y) {
  const float count = (float)(R * C);
  int j = 0;
  for (; j + 4 <= c; j += 4) {
    v4f s = v_zero();
    for (int r = 0; r < R; r++)
      for (int q = 0; q < C; q++) s = v_add(s, v_load(xw + r * wc + q * c + j));
    v_store(y + j, v_div(s, v_splat(count)));
  }
  for (; j < c; j++) {
    float s = 0.0f;
    for (int r = 0; r < R; r++)
      for (int q = 0; q < C; q++) s += xw[r * wc + q * c + j];
    y[j] = s / count;
  }
}

/* Every cell of the window gets dy / (R·C). */
SN_ALWAYS_INLINE void avgpool_back_window(const float *dy, int wc, int c, int R, int C, float *dxw) {
  const float count = (float)(R * C);
  int j = 0;
  for (; j + 4 <= c; j += 4) {
    v4f share = v_div(v_load(dy + j), v_splat(count));
    for (int r = 0; r < R; r++)
      for (int q = 0; q < C; q++) {
        float *d = dxw + r * wc + q * c + j;
        v_store(d, v_add(v_load(d), share));
      }
  }
  for (; j < c; j++) {
    float share = dy[j] / count;
    for (int r = 0; r < R; r++)
      for (int q = 0; q < C; q++) dxw[r * wc + q * c + j] += share;
  }
}

/* ---- the sweep over output cells ----------------------------------------------------------- */

enum { POOL_MAX, POOL_MAX_BACK, POOL_AVG, POOL_AVG_BACK };

/* Output cell (n, oy, ox) of every sample: src is x (forward) or dy
 * (backward), dst is y or dx. The window starts at `first` in the sample of x
 * or dx; the output cell is at o in y or dy (and arg). op is a constant at
 * each call. */
SN_ALWAYS_INLINE void pool_cell(int op, const sn_window *g, const float *src, float *dst, int *arg, int first,
                                long o, int R, int C) {
  const int c = g->c, wc = g->w * c;
  if (op == POOL_MAX) maxpool_window(src + first, wc, c, R, C, first, dst + o, arg + o);
  else if (op == POOL_MAX_BACK) maxpool_back_window(src + o, arg + o, wc, c, R, C, first, dst + first);
  else if (op == POOL_AVG) avgpool_window(src + first, wc, c, R, C, dst + o);
  else avgpool_back_window(src + o, wc, c, R, C, dst + first);
}

/* An output cell whose window may hang over the edges: clipped first. */
SN_ALWAYS_INLINE void pool_edge(int op, const sn_window *g, const float *src, float *dst, int *arg, int oy, int ox) {
  const clip k = window_clip(g, oy, ox);
  pool_cell(op, g, src, dst, arg, (k.y0 * g->w + k.x0) * g->c, ((long)oy * g->ow + ox) * g->c, k.y1 - k.y0,
            k.x1 - k.x0);
}

/* Interior cells of 2×2 or 3×3 pools (windows wholly inside: the usual case)
 * get R, C as constants, so the always-inlined *_window unrolls and nothing
 * is clipped; the edges and every other window size go through pool_edge. */
SN_ALWAYS_INLINE void pool_sweep(int op, const sn_window *g, int rows, const float *src, float *dst, int *arg) {
  const long in = (long)g->h * g->w * g->c, out = (long)g->oh * g->ow * g->c;
  const int fixed = g->kh == g->kw && (g->kh == 2 || g->kh == 3) ? g->kh : 0;
  int ylo, yhi, xlo, xhi;
  sn_window_interior(g->h, g->kh, g->sh, g->pt, g->oh, &ylo, &yhi);
  sn_window_interior(g->w, g->kw, g->sw, g->pl, g->ow, &xlo, &xhi);
  if (!fixed) xlo = xhi = 0;
  for (int n = 0; n < rows; n++) {
    const int back = op == POOL_MAX_BACK || op == POOL_AVG_BACK;
    const float *s = src + n * (back ? out : in);
    float *d = dst + n * (back ? in : out);
    int *a = arg ? arg + n * out : 0;
    for (int oy = 0; oy < g->oh; oy++) {
      const int lo = oy >= ylo && oy < yhi ? xlo : 0, hi = oy >= ylo && oy < yhi ? xhi : 0;
      for (int ox = 0; ox < lo; ox++) pool_edge(op, g, s, d, a, oy, ox);
      for (int ox = lo; ox < hi; ox++) {
        const int first = ((oy * g->sh - g->pt) * g->w + ox * g->sw - g->pl) * g->c;
        const long o = ((long)oy * g->ow + ox) * g->c;
        if (fixed == 2) pool_cell(op, g, s, d, a, first, o, 2, 2);
        else pool_cell(op, g, s, d, a, first, o, 3, 3);
      }
      for (int ox = hi; ox < g->ow; ox++) pool_edge(op, g, s, d, a, oy, ox);
    }
  }
}

void k_maxpool_forward(const sn_window *g, int rows, const float *x, float *y, int *arg) {
  pool_sweep(POOL_MAX, g, rows, x, y, arg);
}

/* Overlapping windows (pool 3, stride 2) need the scatter onto a zeroed dx;
 * the others are written window by window, and when the windows tile the
 * input (stride = window, nothing left over) nothing else needs zeroing. */
void k_maxpool_backward(const sn_window *g, int rows, const float *dy, const int *arg, float *dx) {
  const long in = (long)g->h * g->w * g->c, out = (long)g->oh * g->ow * g->c;
  if (g->sh >= g->kh && g->sw >= g->kw) {
    const int tiles = g->sh == g->kh && g->sw == g->kw && g->oh * g->sh - g->pt >= g->h &&
                      g->ow * g->sw - g->pl >= g->w;
    if (!tiles) zero(dx, rows * in);
    pool_sweep(POOL_MAX_BACK, g, rows, dy, dx, (int *)arg); /* arg is only read */
    return;
  }
  zero(dx, rows * in);
  for (int n = 0; n < rows; n++) scatter_add(out, dy + n * out, arg + n * out, dx + n * in);
}

void k_avgpool_forward(const sn_window *g, int rows, const float *x, float *y) {
  pool_sweep(POOL_AVG, g, rows, x, y, 0);
}

void k_avgpool_backward(const sn_window *g, int rows, const float *dy, float *dx) {
  zero(dx, (long)rows * g->h * g->w * g->c);
  pool_sweep(POOL_AVG_BACK, g, rows, dy, dx, 0);
}

/* ---- global pooling: one window of all hw positions --------------------------------------- */

void k_global_avgpool_forward(int rows, int hw, int c, const float *x, float *y) {
  const float count = (float)hw;
  for (int n = 0; n < rows; n++) {
    const float *xs = x + (long)n * hw * c;
    float *yn = y + (long)n * c;
    int j = 0;
    for (; j + 4 <= c; j += 4) {
      v4f s = v_zero();
      for (int p = 0; p < hw; p++) s = v_add(s, v_load(xs + (long)p * c + j));
      v_store(yn + j, v_div(s, v_splat(count)));
    }
    for (; j < c; j++) {
      float s = 0.0f;
      for (int p = 0; p < hw; p++) s += xs[(long)p * c + j];
      yn[j] = s / count;
    }
  }
}

void k_global_avgpool_backward(int rows, int hw, int c, const float *dy, float *dx) {
  const float count = (float)hw;
  for (int n = 0; n < rows; n++) {
    const float *dyn = dy + (long)n * c;
    float *ds = dx + (long)n * hw * c;
    int j = 0;
    for (; j + 4 <= c; j += 4) {
      v4f share = v_div(v_load(dyn + j), v_splat(count));
      for (int p = 0; p < hw; p++) v_store(ds + (long)p * c + j, share);
    }
    for (; j < c; j++) {
      float share = dyn[j] / count;
      for (int p = 0; p < hw; p++) ds[(long)p * c + j] = share;
    }
  }
}

void k_global_maxpool_forward(int rows, int hw, int c, const float *x, float *y, int *arg) {
  for (int n = 0; n < rows; n++) {
    const float *xs = x + (long)n * hw * c;
    float *yn = y + (long)n * c;
    int *an = arg + (long)n * c;
    int j = 0;
    for (; j + 4 <= c; j += 4) {
      v4f best = v_load(xs + j);
      v4i at = vi_splat(0);
      for (int p = 1; p < hw; p++) {
        v4f v = v_load(xs + p * c + j);
        v4m wins = v_gt(v, best);
        best = v_select(wins, v, best);
        at = vi_select(wins, vi_splat(p * c), at);
      }
      v_store(yn + j, best);
      vi_store(an + j, vi_add(at, vi_iota(j)));
    }
    for (; j < c; j++) {
      float best = xs[j];
      int at = j;
      for (int p = 1; p < hw; p++)
        if (xs[p * c + j] > best) best = xs[p * c + j], at = p * c + j;
      yn[j] = best;
      an[j] = at;
    }
  }
}

void k_global_maxpool_backward(int rows, int hw, int c, const float *dy, const int *arg, float *dx) {
  const long in = (long)hw * c;
  zero(dx, rows * in);
  for (int n = 0; n < rows; n++) scatter_add(c, dy + (long)n * c, arg + (long)n * c, dx + n * in);
}
