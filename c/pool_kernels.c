/* SIMD max and average pooling, windowed and global (k_*). See conv_kernels.h
 * for the contracts and conv_kernels_ref.c for the scalar definitions.
 *
 * NHWC keeps a cell's c channels contiguous, so every kernel works on 4
 * channels at a time (a scalar loop takes the last c mod 4) and visits the
 * window cells in the reference's scan order: the same comparisons and the same
 * additions, hence the same bits. Windows are clipped to the input once per
 * output cell; padding is never read. Backward passes zero dx and scatter in
 * output order, which also handles overlapping windows (pool 3, stride 2). */
#include "conv_kernels.h"
#include "simd.h"

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

/* Each kernel below handles one output cell with a *_window function over the
 * clipped window: R rows × C cells, cell (r, q) at xw + r·wc + q·c (wc = w·c).
 * They are always inlined and called with R, C = 2, 2 or 3, 3 (the usual
 * pools) for windows wholly inside the input, so those unroll, and with the
 * clipped sizes otherwise. */
static inline int full_size(const sn_window *g, clip k) {
  if (k.y1 - k.y0 != g->kh || k.x1 - k.x0 != g->kw || g->kh != g->kw) return 0;
  return g->kh == 2 || g->kh == 3 ? g->kh : 0;
}

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

void k_maxpool_forward(const sn_window *g, int rows, const float *x, float *y, int *arg) {
  const int c = g->c, wc = g->w * c;
  for (int n = 0; n < rows; n++) {
    const float *xs = x + (long)n * g->h * wc;
    for (int oy = 0; oy < g->oh; oy++)
      for (int ox = 0; ox < g->ow; ox++) {
        const clip k = window_clip(g, oy, ox);
        const long o = (((long)n * g->oh + oy) * g->ow + ox) * c;
        const int first = k.y0 * wc + k.x0 * c;
        switch (full_size(g, k)) {
        case 2: maxpool_window(xs + first, wc, c, 2, 2, first, y + o, arg + o); break;
        case 3: maxpool_window(xs + first, wc, c, 3, 3, first, y + o, arg + o); break;
        default: maxpool_window(xs + first, wc, c, k.y1 - k.y0, k.x1 - k.x0, first, y + o, arg + o);
        }
      }
  }
}

void k_maxpool_backward(const sn_window *g, int rows, const float *dy, const int *arg, float *dx) {
  const long in = (long)g->h * g->w * g->c, out = (long)g->oh * g->ow * g->c;
  zero(dx, rows * in);
  for (int n = 0; n < rows; n++) scatter_add(out, dy + n * out, arg + n * out, dx + n * in);
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

void k_avgpool_forward(const sn_window *g, int rows, const float *x, float *y) {
  const int c = g->c, wc = g->w * c;
  for (int n = 0; n < rows; n++) {
    const float *xs = x + (long)n * g->h * wc;
    for (int oy = 0; oy < g->oh; oy++)
      for (int ox = 0; ox < g->ow; ox++) {
        const clip k = window_clip(g, oy, ox);
        const long o = (((long)n * g->oh + oy) * g->ow + ox) * c;
        const float *xw = xs + k.y0 * wc + k.x0 * c;
        switch (full_size(g, k)) {
        case 2: avgpool_window(xw, wc, c, 2, 2, y + o); break;
        case 3: avgpool_window(xw, wc, c, 3, 3, y + o); break;
        default: avgpool_window(xw, wc, c, k.y1 - k.y0, k.x1 - k.x0, y + o);
        }
      }
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

void k_avgpool_backward(const sn_window *g, int rows, const float *dy, float *dx) {
  const int c = g->c, wc = g->w * c;
  zero(dx, (long)rows * g->h * wc);
  for (int n = 0; n < rows; n++) {
    float *ds = dx + (long)n * g->h * wc;
    for (int oy = 0; oy < g->oh; oy++)
      for (int ox = 0; ox < g->ow; ox++) {
        const clip k = window_clip(g, oy, ox);
        const long o = (((long)n * g->oh + oy) * g->ow + ox) * c;
        float *dxw = ds + k.y0 * wc + k.x0 * c;
        switch (full_size(g, k)) {
        case 2: avgpool_back_window(dy + o, wc, c, 2, 2, dxw); break;
        case 3: avgpool_back_window(dy + o, wc, c, 3, 3, dxw); break;
        default: avgpool_back_window(dy + o, wc, c, k.y1 - k.y0, k.x1 - k.x0, dxw);
        }
      }
  }
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
