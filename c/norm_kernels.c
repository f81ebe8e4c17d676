/* SIMD batch-normalization kernels (k_bn_*). See conv_kernels.h for the
 * contracts and conv_kernels_ref.c for the scalar definitions.
 *
 * x is n rows of c channels and everything is per channel, so the vectors run
 * across the channels of a row: 4 neighbouring channels per vector, the last
 * 1–3 in a partial vector (v_load_partial: the same code, the spare lanes
 * compute on zeros and are never stored). Every pass goes through the rows in
 * blocks of SN_BN_BLOCK, which stay in cache while each chunk of up to 16
 * channels walks down the block with its sums or parameters in registers. The
 * sums are blocked exactly as the reference's: a block's partial sums are
 * added into the totals (on the stack) when the block ends, so the results are
 * the reference's bits. */
#include "conv_kernels.h"
#include "simd.h"

/* Channels per pass over the rows: their totals and per-channel constants
 * live on the stack (3 KiB in bn_backward). Wider inputs take several passes. */
#define GROUP 256

/* `lanes` is 4 (a constant at every call but the last group's) or 1..3. */
SN_ALWAYS_INLINE v4f load_lanes(const float *p, int lanes) {
  return lanes == 4 ? v_load(p) : v_load_partial(p, lanes, 0.0f);
}
SN_ALWAYS_INLINE void store_lanes(float *p, v4f v, int lanes) {
  if (lanes == 4) v_store(p, v);
  else v_store_partial(p, v, lanes);
}
static inline int lanes_at(int j, int cw) { return cw - j < 4 ? cw - j : 4; }

/* The row range [r0, end) of the block starting at r0. */
static inline int block_end(int r0, int n) { return n - r0 > SN_BN_BLOCK ? r0 + SN_BN_BLOCK : n; }

static inline void zero_group(float *p, int cw) {
  for (int j = 0; j < cw; j += 4) v_store(p + j, v_zero());
}

/* ---- blocked sums --------------------------------------------------------------------- */

/* Over the rows [r0, end) of one block, for the nv ≤ 4 vectors of channels
 * j, j+4, …: the block's partial sums, in registers, are added into tot[] (and
 * tot2[]) at the end. Sums x (m and x2 NULL), (x − m)² (the variance), or
 * x and x·x2 (backward: dy and dy·xhat). */
SN_ALWAYS_INLINE void block_sums(int r0, int end, int c, int j, int nv, int lanes, const float *x,
                                 const float *m, const float *x2, float *tot, float *tot2) {
  v4f part[4], part2[4], mv[4];
  for (int v = 0; v < nv; v++) {
    part[v] = part2[v] = v_zero();
    if (m) mv[v] = load_lanes(m + j + 4 * v, lanes);
  }
  for (int r = r0; r < end; r++)
    for (int v = 0; v < nv; v++) {
      const long i = (long)r * c + j + 4 * v;
      v4f a = load_lanes(x + i, lanes);
      if (m) a = v_sub(a, mv[v]), a = v_mul(a, a);
      if (x2) part2[v] = v_add(part2[v], v_mul(a, load_lanes(x2 + i, lanes)));
      part[v] = v_add(part[v], a);
    }
  for (int v = 0; v < nv; v++) {
    float *t = tot + j + 4 * v;
    v_store(t, v_add(v_load(t), part[v]));
    if (x2) t = tot2 + j + 4 * v, v_store(t, v_add(v_load(t), part2[v]));
  }
}

/* tot[j] (and tot2[j]) = blocked sums over all n rows of channels [0, cw). */
SN_ALWAYS_INLINE void group_sums(int n, int c, int cw, const float *x, const float *m, const float *x2,
                                 float *tot, float *tot2) {
  zero_group(tot, cw);
  if (x2) zero_group(tot2, cw);
  for (int r0 = 0; r0 < n; r0 = block_end(r0, n)) {
    const int end = block_end(r0, n);
    int j = 0;
    for (; j + 16 <= cw; j += 16) block_sums(r0, end, c, j, 4, 4, x, m, x2, tot, tot2);
    if (j + 8 <= cw) block_sums(r0, end, c, j, 2, 4, x, m, x2, tot, tot2), j += 8;
    if (j + 4 <= cw) block_sums(r0, end, c, j, 1, 4, x, m, x2, tot, tot2), j += 4;
    if (j < cw) block_sums(r0, end, c, j, 1, cw - j, x, m, x2, tot, tot2);
  }
}

/* ---- moments ------------------------------------------------------------------------ */

void k_bn_moments(int n, int c, const float *x, float *mean, float *var) {
  float tot[GROUP];
  const v4f count = v_splat((float)n);
  for (int j0 = 0; j0 < c; j0 += GROUP) {
    const int cw = c - j0 < GROUP ? c - j0 : GROUP;
    group_sums(n, c, cw, x + j0, 0, 0, tot, 0);
    for (int j = 0; j < cw; j += 4) store_lanes(mean + j0 + j, v_div(v_load(tot + j), count), lanes_at(j, cw));
    group_sums(n, c, cw, x + j0, mean + j0, 0, tot, 0); /* from the stored mean, as the reference */
    for (int j = 0; j < cw; j += 4) store_lanes(var + j0 + j, v_div(v_load(tot + j), count), lanes_at(j, cw));
  }
}

/* ---- forward ---------------------------------------------------------------------------- */

/* Rows [r0, end) of the nv ≤ 4 vectors of channels j, j+4, …, their
 * parameters in registers (gamma NULL: 1, exact; beta NULL: no addition, so
 * −0 stays −0 as in the reference). Reads x before writing y (y may alias x). */
SN_ALWAYS_INLINE void forward_block(int r0, int end, int c, int j, int nv, int lanes, const float *x,
                                    const float *mean, const float *inv_std, const float *gamma,
                                    const float *beta, float *xhat, float *y) {
  v4f m[4], s[4], g[4], b[4];
  for (int v = 0; v < nv; v++) {
    const int jv = j + 4 * v;
    m[v] = load_lanes(mean + jv, lanes), s[v] = load_lanes(inv_std + jv, lanes);
    g[v] = gamma ? load_lanes(gamma + jv, lanes) : v_splat(1.0f);
    b[v] = beta ? load_lanes(beta + jv, lanes) : v_zero();
  }
  for (int r = r0; r < end; r++)
    for (int v = 0; v < nv; v++) {
      const long i = (long)r * c + j + 4 * v;
      v4f xh = v_mul(v_sub(load_lanes(x + i, lanes), m[v]), s[v]);
      if (xhat) store_lanes(xhat + i, xh, lanes);
      v4f out = v_mul(g[v], xh);
      if (beta) out = v_add(out, b[v]);
      store_lanes(y + i, out, lanes);
    }
}

void k_bn_forward(int n, int c, const float *x, const float *mean, const float *inv_std,
                  const float *gamma, const float *beta, float *xhat, float *y) {
  for (int r0 = 0; r0 < n; r0 = block_end(r0, n)) {
    const int end = block_end(r0, n);
    int j = 0;
    for (; j + 16 <= c; j += 16) forward_block(r0, end, c, j, 4, 4, x, mean, inv_std, gamma, beta, xhat, y);
    if (j + 8 <= c) forward_block(r0, end, c, j, 2, 4, x, mean, inv_std, gamma, beta, xhat, y), j += 8;
    if (j + 4 <= c) forward_block(r0, end, c, j, 1, 4, x, mean, inv_std, gamma, beta, xhat, y), j += 4;
    if (j < c) forward_block(r0, end, c, j, 1, c - j, x, mean, inv_std, gamma, beta, xhat, y);
  }
}

/* ---- backward ---------------------------------------------------------------------------- */

/* dx = scale·((dy − mdy) − xhat·mdyx) over rows [r0, end) of the nv ≤ 4 vectors
 * of channels j, j+4, … (their constants, GROUP-sized stack arrays, in
 * registers). dx may alias dy: dy is read before dx is written at the same place. */
SN_ALWAYS_INLINE void dx_block(int r0, int end, int c, int j, int nv, int lanes, const float *dy,
                               const float *xhat, const float *mdy, const float *mdyx, const float *scale,
                               float *dx) {
  v4f a[4], b[4], s[4];
  for (int v = 0; v < nv; v++)
    a[v] = v_load(mdy + j + 4 * v), b[v] = v_load(mdyx + j + 4 * v), s[v] = v_load(scale + j + 4 * v);
  for (int r = r0; r < end; r++)
    for (int v = 0; v < nv; v++) {
      const long i = (long)r * c + j + 4 * v;
      v4f d = v_sub(load_lanes(dy + i, lanes), a[v]);
      d = v_sub(d, v_mul(load_lanes(xhat + i, lanes), b[v]));
      store_lanes(dx + i, v_mul(s[v], d), lanes);
    }
}

/* Channels [0, cw) of the pointers given (offset by the caller): the two sums
 * through the batch statistics in one pass, then dx in a second. Only these
 * channels of dx are written, after their dy has been read for the sums. */
static void bn_backward_group(int n, int c, int cw, const float *dy, const float *xhat, const float *inv_std,
                              const float *gamma, float *dx, float *dgamma, float *dbeta) {
  float sdy[GROUP], sdyx[GROUP], scale[GROUP];
  group_sums(n, c, cw, dy, 0, xhat, sdy, sdyx);
  /* The per-channel constants of the dx pass: Σdy / n and Σ(dy·xhat) / n (in
   * place, once dbeta and dgamma are out), (gamma or 1)·inv_std. */
  const v4f count = v_splat((float)n);
  for (int j = 0; j < cw; j += 4) {
    const int lanes = lanes_at(j, cw);
    v4f sd = v_load(sdy + j), sx = v_load(sdyx + j), is = load_lanes(inv_std + j, lanes);
    if (dbeta) store_lanes(dbeta + j, sd, lanes);
    if (dgamma) store_lanes(dgamma + j, sx, lanes);
    v_store(sdy + j, v_div(sd, count));
    v_store(sdyx + j, v_div(sx, count));
    v_store(scale + j, gamma ? v_mul(load_lanes(gamma + j, lanes), is) : is);
  }
  for (int r0 = 0; r0 < n; r0 = block_end(r0, n)) {
    const int end = block_end(r0, n);
    int j = 0;
    for (; j + 16 <= cw; j += 16) dx_block(r0, end, c, j, 4, 4, dy, xhat, sdy, sdyx, scale, dx);
    if (j + 8 <= cw) dx_block(r0, end, c, j, 2, 4, dy, xhat, sdy, sdyx, scale, dx), j += 8;
    if (j + 4 <= cw) dx_block(r0, end, c, j, 1, 4, dy, xhat, sdy, sdyx, scale, dx), j += 4;
    if (j < cw) dx_block(r0, end, c, j, 1, cw - j, dy, xhat, sdy, sdyx, scale, dx);
  }
}

void k_bn_backward(int n, int c, const float *dy, const float *xhat, const float *inv_std,
                   const float *gamma, float *dx, float *dgamma, float *dbeta) {
  for (int j0 = 0; j0 < c; j0 += GROUP) {
    const int cw = c - j0 < GROUP ? c - j0 : GROUP;
    bn_backward_group(n, c, cw, dy + j0, xhat + j0, inv_std + j0, gamma ? gamma + j0 : 0, dx + j0,
                      dgamma ? dgamma + j0 : 0, dbeta ? dbeta + j0 : 0);
  }
}
