/* The depthwise convolution's SIMD kernels (conv_kernels.h: k_depthwise_*)
 * and their threaded passes (threads.h: sn_par_depthwise_*).
 *
 * Channels last, so one cell's channels are contiguous and a window tap is the
 * same multiply for every channel: the kernels run across the channels, four
 * at a time, with the taps clipped to the input once per cell (no padded copy,
 * no im2col: a depthwise tap has one input per output, so a GEMM has nothing
 * to share). Forward and the input gradient hold 16 channels of sums in
 * registers across the taps; the input gradient gathers each input cell's
 * terms (in the order the definition's scatter adds them); the weight
 * gradient accumulates in dw (a few KB, in L1) cell after cell. With a depth
 * multiplier dm > 1 an input channel feeds dm outputs; those run scalar loops
 * (MobileNet has dm = 1). Every element is summed in the order ref_depthwise_*
 * states, so the results are the reference's bits (test_conv_kernels.c
 * compares them with memcmp). */
#include "conv_kernels.h"
#include "simd.h"
#include "threads.h"

/* The taps of output cell (oy, ox) that lie inside the input: ky in [*ky0, *ky1),
 * kx in [*kx0, *kx1) (contiguous ranges, dilated or not). */
static void inside_taps(const sn_window *g, int oy, int ox, int *ky0, int *ky1, int *kx0, int *kx1) {
  const int y0 = oy * g->sh - g->pt, x0 = ox * g->sw - g->pl;
  *ky0 = y0 < 0 ? (-y0 + g->dh - 1) / g->dh : 0;
  *ky1 = y0 + (g->kh - 1) * g->dh < g->h ? g->kh : y0 >= g->h ? 0 : (g->h - 1 - y0) / g->dh + 1;
  *kx0 = x0 < 0 ? (-x0 + g->dw - 1) / g->dw : 0;
  *kx1 = x0 + (g->kw - 1) * g->dw < g->w ? g->kw : x0 >= g->w ? 0 : (g->w - 1 - x0) / g->dw + 1;
  if (*ky1 < *ky0) *ky1 = *ky0;
  if (*kx1 < *kx0) *kx1 = *kx0;
}

/* The input cell tap (ky, kx) of output cell (oy, ox) reads, in a sample. */
static long cell(const sn_window *g, int oy, int ox, int ky, int kx) {
  return ((long)(oy * g->sh + ky * g->dh - g->pt) * g->w + (ox * g->sw + kx * g->dw - g->pl)) * g->c;
}

/* ---- forward ---------------------------------------------------------------------- */

/* Channels [o, o + 4·V) of one output cell (dm = 1), V vectors in registers:
 * the taps in scan order, then the bias. Always inlined, so V unrolls. */
SN_ALWAYS_INLINE void forward_vectors(const sn_window *g, int V, int oy, int ox, int ky0, int ky1, int kx0, int kx1, const float *xs,
                                      const float *w, const float *bias, int o, float *zo) {
  const int C = g->c;
  v4f s[4] = {v_zero(), v_zero(), v_zero(), v_zero()};
  for (int ky = ky0; ky < ky1; ky++)
    for (int kx = kx0; kx < kx1; kx++) {
      const float *src = xs + cell(g, oy, ox, ky, kx) + o, *wt = w + (long)(ky * g->kw + kx) * C + o;
      for (int j = 0; j < V; j++) s[j] = v_add(s[j], v_mul(v_load(src + 4 * j), v_load(wt + 4 * j)));
    }
  for (int j = 0; j < V; j++) v_store(zo + o + 4 * j, bias ? v_add(s[j], v_load(bias + o + 4 * j)) : s[j]);
}

/* One output cell, channels [o0, C) by scalars (dm > 1, or the last C % 4 channels). */
static void forward_scalar(const sn_window *g, int dm, int oy, int ox, int ky0, int ky1, int kx0, int kx1, const float *xs,
                           const float *w, const float *bias, int o0, float *zo) {
  const int C = g->c * dm;
  for (int o = o0; o < C; o++) {
    float s = 0.0f;
    for (int ky = ky0; ky < ky1; ky++)
      for (int kx = kx0; kx < kx1; kx++) s += xs[cell(g, oy, ox, ky, kx) + o / dm] * w[(long)(ky * g->kw + kx) * C + o];
    zo[o] = bias ? s + bias[o] : s;
  }
}

void k_depthwise_forward(const sn_window *g, int rows, int dm, const float *x, const float *w, const float *bias, float *z) {
  const int C = g->c * dm;
  const long in = (long)g->h * g->w * g->c;
  float *zo = z;
  for (int n = 0; n < rows; n++) {
    const float *xs = x + n * in;
    for (int oy = 0; oy < g->oh; oy++)
      for (int ox = 0; ox < g->ow; ox++, zo += C) {
        int ky0, ky1, kx0, kx1;
        inside_taps(g, oy, ox, &ky0, &ky1, &kx0, &kx1);
        int o = 0;
        if (dm == 1) {
          for (; o + 16 <= C; o += 16) forward_vectors(g, 4, oy, ox, ky0, ky1, kx0, kx1, xs, w, bias, o, zo);
          for (; o + 4 <= C; o += 4) forward_vectors(g, 1, oy, ox, ky0, ky1, kx0, kx1, xs, w, bias, o, zo);
        }
        forward_scalar(g, dm, oy, ox, ky0, ky1, kx0, kx1, xs, w, bias, o, zo);
      }
  }
}

/* ---- input gradient ----------------------------------------------------------------- */

/* The output cells along one axis whose window reads input cell i: taps[] and
 * outs[] in ascending output order (descending tap), the order in which the
 * scatter of the definition adds them. Returns how many (at most k). */
static int readers(int i, int pad, int k, int s, int d, int out, int *taps, int *outs) {
  int count = 0;
  for (int t = k - 1; t >= 0; t--) {
    const int at = i + pad - t * d;
    if (at < 0 || at % s != 0 || at / s >= out) continue;
    taps[count] = t, outs[count++] = at / s;
  }
  return count;
}

enum { MAX_GATHER = 16 }; /* kernels up to 16 taps per axis gather; larger ones scatter */

/* dm = 1: each dx cell gathers its terms, 4 vectors of sums in registers. For
 * one element the terms come in ascending output cell (oy, ox), as the
 * definition's scatter adds them, so the bits are the same. */
SN_ALWAYS_INLINE void gather_vectors(const sn_window *g, int V, int ny, const int *ty, const int *oy, int nx, const int *tx, const int *ox,
                                     const float *d, const float *w, int o, float *dst) {
  const int C = g->c;
  v4f s[4] = {v_zero(), v_zero(), v_zero(), v_zero()};
  for (int a = 0; a < ny; a++)
    for (int b = 0; b < nx; b++) {
      const float *src = d + ((long)oy[a] * g->ow + ox[b]) * C + o, *wt = w + (long)(ty[a] * g->kw + tx[b]) * C + o;
      for (int j = 0; j < V; j++) s[j] = v_add(s[j], v_mul(v_load(src + 4 * j), v_load(wt + 4 * j)));
    }
  for (int j = 0; j < V; j++) v_store(dst + o + 4 * j, s[j]);
}

static void backward_gather(const sn_window *g, int rows, const float *dz, const float *w, float *dx) {
  const int C = g->c;
  int ty[MAX_GATHER], oy[MAX_GATHER], tx[MAX_GATHER], ox[MAX_GATHER];
  for (int n = 0; n < rows; n++) {
    const float *d = dz + (long)n * g->oh * g->ow * C;
    for (int iy = 0; iy < g->h; iy++) {
      const int ny = readers(iy, g->pt, g->kh, g->sh, g->dh, g->oh, ty, oy);
      for (int ix = 0; ix < g->w; ix++) {
        const int nx = readers(ix, g->pl, g->kw, g->sw, g->dw, g->ow, tx, ox);
        float *dst = dx + (((long)n * g->h + iy) * g->w + ix) * C;
        int o = 0;
        for (; o + 16 <= C; o += 16) gather_vectors(g, 4, ny, ty, oy, nx, tx, ox, d, w, o, dst);
        for (; o + 4 <= C; o += 4) gather_vectors(g, 1, ny, ty, oy, nx, tx, ox, d, w, o, dst);
        for (; o < C; o++) {
          float s = 0.0f;
          for (int a = 0; a < ny; a++)
            for (int b = 0; b < nx; b++) s += d[((long)oy[a] * g->ow + ox[b]) * C + o] * w[(long)(ty[a] * g->kw + tx[b]) * C + o];
          dst[o] = s;
        }
      }
    }
  }
}

void k_depthwise_backward(const sn_window *g, int rows, int dm, const float *dz, const float *w, float *dx) {
  if (dm == 1 && g->kh <= MAX_GATHER && g->kw <= MAX_GATHER) {
    backward_gather(g, rows, dz, w, dx);
    return;
  }
  /* dm > 1: the definition's scatter, scalar */
  const int C = g->c * dm;
  const long in = (long)g->h * g->w * g->c;
  for (long i = 0; i < rows * in; i++) dx[i] = 0.0f;
  const float *d = dz;
  for (int n = 0; n < rows; n++) {
    float *ds = dx + n * in;
    for (int oy = 0; oy < g->oh; oy++)
      for (int ox = 0; ox < g->ow; ox++, d += C) {
        int ky0, ky1, kx0, kx1;
        inside_taps(g, oy, ox, &ky0, &ky1, &kx0, &kx1);
        for (int ky = ky0; ky < ky1; ky++)
          for (int kx = kx0; kx < kx1; kx++) {
            float *dst = ds + cell(g, oy, ox, ky, kx);
            const float *wt = w + (long)(ky * g->kw + kx) * C;
            for (int o = 0; o < C; o++) dst[o / dm] += d[o] * wt[o];
          }
      }
  }
}

/* ---- weight gradient ---------------------------------------------------------------- */

/* Output channels [o0, o1) of dw and db, summed over every output cell in order. */
static void wgrad_channels(const sn_window *g, int rows, int dm, const float *x, const float *dz, float *dw, float *db, int o0, int o1) {
  const int C = g->c * dm;
  const long in = (long)g->h * g->w * g->c;
  for (int t = 0; t < g->kh * g->kw; t++)
    for (int o = o0; o < o1; o++) dw[(long)t * C + o] = 0.0f;
  if (db)
    for (int o = o0; o < o1; o++) db[o] = 0.0f;
  const float *d = dz;
  for (int n = 0; n < rows; n++) {
    const float *xs = x + n * in;
    for (int oy = 0; oy < g->oh; oy++)
      for (int ox = 0; ox < g->ow; ox++, d += C) {
        int ky0, ky1, kx0, kx1;
        inside_taps(g, oy, ox, &ky0, &ky1, &kx0, &kx1);
        for (int ky = ky0; ky < ky1; ky++)
          for (int kx = kx0; kx < kx1; kx++) {
            const float *src = xs + cell(g, oy, ox, ky, kx);
            float *dst = dw + (long)(ky * g->kw + kx) * C;
            int o = o0;
            if (dm == 1)
              for (; o + 4 <= o1; o += 4) v_store(dst + o, v_add(v_load(dst + o), v_mul(v_load(src + o), v_load(d + o))));
            for (; o < o1; o++) dst[o] += src[o / dm] * d[o];
          }
        if (db) {
          int o = o0;
          for (; o + 4 <= o1; o += 4) v_store(db + o, v_add(v_load(db + o), v_load(d + o)));
          for (; o < o1; o++) db[o] += d[o];
        }
      }
  }
}

void k_depthwise_wgrad(const sn_window *g, int rows, int dm, const float *x, const float *dz, float *dw, float *db) {
  wgrad_channels(g, rows, dm, x, dz, dw, db, 0, g->c * dm);
}

/* ---- threaded passes -----------------------------------------------------------------
 * forward and backward split the samples (each writes its own); wgrad splits
 * the output channels (each part sums its channels over every cell, in the
 * same order). Every element gets the same operations whatever the split. */

typedef struct {
  const sn_window *g;
  int rows, dm, backward;
  const float *a, *b, *c;
  float *out, *out2;
} pass;

static void range(int n, int part, int parts, int *lo, int *hi) {
  *lo = (int)((long long)n * part / parts);
  *hi = (int)((long long)n * (part + 1) / parts);
}

/* forward (a = x → out = z) or backward (a = dz → out = dx) on this part's samples. */
static void samples_part(void *arg, int part, int parts, int slot) {
  (void)slot;
  const pass *p = arg;
  int r0, r1;
  range(p->rows, part, parts, &r0, &r1);
  if (r0 >= r1) return;
  const long in = (long)p->g->h * p->g->w * p->g->c, out = (long)p->g->oh * p->g->ow * p->g->c * p->dm;
  if (p->backward) k_depthwise_backward(p->g, r1 - r0, p->dm, p->a + r0 * out, p->b, p->out + r0 * in);
  else k_depthwise_forward(p->g, r1 - r0, p->dm, p->a + r0 * in, p->b, p->c, p->out + r0 * out);
}

static void wgrad_part(void *arg, int part, int parts, int slot) {
  (void)slot;
  const pass *p = arg;
  const int C = p->g->c * p->dm, blocks = (C + 3) / 4; /* whole vectors per part */
  int b0, b1;
  range(blocks, part, parts, &b0, &b1);
  const int o0 = b0 * 4, o1 = b1 * 4 < C ? b1 * 4 : C;
  if (o0 < o1) wgrad_channels(p->g, p->rows, p->dm, p->a, p->b, p->out, p->out2, o0, o1);
}

/* Below this many floats touched (a few microseconds of work) a pass stays on
 * the caller in the threaded build: the fork and join would cost as much. */
static void run(sn_task *task, pass *p, long long floats) {
  if (sn_threads_count() > 1 && floats < 1 << 14) task(p, 0, 1, 0);
  else sn_parallel(task, p);
}

static long long floats(const sn_window *g, int rows, int dm) {
  return (long long)rows * (g->h * g->w * g->c + (long long)g->oh * g->ow * g->c * dm);
}

void sn_par_depthwise_forward(const sn_window *g, int rows, int dm, const float *x, const float *w, const float *bias, float *z) {
  run(samples_part, &(pass){.g = g, .rows = rows, .dm = dm, .a = x, .b = w, .c = bias, .out = z}, floats(g, rows, dm));
}

void sn_par_depthwise_backward(const sn_window *g, int rows, int dm, const float *dz, const float *w, float *dx) {
  run(samples_part, &(pass){.g = g, .rows = rows, .dm = dm, .backward = 1, .a = dz, .b = w, .out = dx}, floats(g, rows, dm));
}

void sn_par_depthwise_wgrad(const sn_window *g, int rows, int dm, const float *x, const float *dz, float *dw, float *db) {
  run(wgrad_part, &(pass){.g = g, .rows = rows, .dm = dm, .a = x, .b = dz, .out = dw, .out2 = db}, floats(g, rows, dm));
}
