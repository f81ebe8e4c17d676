/* SIMD batch-normalization kernels (k_bn_*). See conv_kernels.h for the
 * contracts and conv_kernels_ref.c for the scalar definitions.
 *
 * x is n rows of c channels, and everything is per channel, so the vectors run
 * across channels: a group of 4 neighbouring channels per vector, the last
 * 1–3 channels in a partial vector (v_load_partial: the same code, the spare
 * lanes compute on zeros and are never stored). The reductions walk down the
 * rows for up to 16 channels at once (a "chunk", its sums in registers),
 * blocked by SN_BN_BLOCK rows exactly as the reference sums, so the results
 * are the reference's bits. */
#include "conv_kernels.h"
#include "simd.h"

/* `lanes` is 4 (a constant at every call but the last group's) or 1..3. */
SN_ALWAYS_INLINE v4f load_lanes(const float *p, int lanes) {
  return lanes == 4 ? v_load(p) : v_load_partial(p, lanes, 0.0f);
}
SN_ALWAYS_INLINE void store_lanes(float *p, v4f v, int lanes) {
  if (lanes == 4) v_store(p, v);
  else v_store_partial(p, v, lanes);
}

/* The row range [r0, end) of the block starting at r0. */
static inline int block_end(int r0, int n) { return n - r0 > SN_BN_BLOCK ? r0 + SN_BN_BLOCK : n; }

/* ---- moments ------------------------------------------------------------------------ */

/* Mean and variance of channels j .. j + 4·nv (fewer if lanes < 4), nv ≤ 4. */
SN_ALWAYS_INLINE void moments_chunk(int n, int c, const float *x, int j, int nv, int lanes,
                                    float *mean, float *var) {
  v4f tot[4], part[4], m[4];
  const v4f count = v_splat((float)n);
  for (int v = 0; v < nv; v++) tot[v] = v_zero();
  for (int r0 = 0; r0 < n; r0 = block_end(r0, n)) {
    for (int v = 0; v < nv; v++) part[v] = v_zero();
    for (int r = r0, end = block_end(r0, n); r < end; r++)
      for (int v = 0; v < nv; v++) part[v] = v_add(part[v], load_lanes(x + (long)r * c + j + 4 * v, lanes));
    for (int v = 0; v < nv; v++) tot[v] = v_add(tot[v], part[v]);
  }
  for (int v = 0; v < nv; v++) {
    m[v] = v_div(tot[v], count);
    store_lanes(mean + j + 4 * v, m[v], lanes);
    tot[v] = v_zero();
  }
  /* Second pass: squared deviations from the mean (no cancellation as in E[x²] − E[x]²). */
  for (int r0 = 0; r0 < n; r0 = block_end(r0, n)) {
    for (int v = 0; v < nv; v++) part[v] = v_zero();
    for (int r = r0, end = block_end(r0, n); r < end; r++)
      for (int v = 0; v < nv; v++) {
        v4f d = v_sub(load_lanes(x + (long)r * c + j + 4 * v, lanes), m[v]);
        part[v] = v_add(part[v], v_mul(d, d));
      }
    for (int v = 0; v < nv; v++) tot[v] = v_add(tot[v], part[v]);
  }
  for (int v = 0; v < nv; v++) store_lanes(var + j + 4 * v, v_div(tot[v], count), lanes);
}

void k_bn_moments(int n, int c, const float *x, float *mean, float *var) {
  int j = 0;
  for (; j + 16 <= c; j += 16) moments_chunk(n, c, x, j, 4, 4, mean, var);
  if (j + 8 <= c) moments_chunk(n, c, x, j, 2, 4, mean, var), j += 8;
  if (j + 4 <= c) moments_chunk(n, c, x, j, 1, 4, mean, var), j += 4;
  if (j < c) moments_chunk(n, c, x, j, 1, c - j, mean, var);
}

/* ---- forward ---------------------------------------------------------------------------- */

/* One group of channels of one row; reads x before writing y (y may alias x). */
SN_ALWAYS_INLINE void bn_forward_group(int j, int lanes, const float *xr, const float *mean,
                                       const float *inv_std, const float *gamma, const float *beta,
                                       float *xhr, float *yr) {
  v4f xh = v_mul(v_sub(load_lanes(xr + j, lanes), load_lanes(mean + j, lanes)), load_lanes(inv_std + j, lanes));
  if (xhr) store_lanes(xhr + j, xh, lanes);
  v4f v = gamma ? v_mul(load_lanes(gamma + j, lanes), xh) : xh;
  if (beta) v = v_add(v, load_lanes(beta + j, lanes));
  store_lanes(yr + j, v, lanes);
}

void k_bn_forward(int n, int c, const float *x, const float *mean, const float *inv_std,
                  const float *gamma, const float *beta, float *xhat, float *y) {
  for (int r = 0; r < n; r++) {
    const long o = (long)r * c;
    float *xhr = xhat ? xhat + o : 0;
    int j = 0;
    for (; j + 4 <= c; j += 4) bn_forward_group(j, 4, x + o, mean, inv_std, gamma, beta, xhr, y + o);
    if (j < c) bn_forward_group(j, c - j, x + o, mean, inv_std, gamma, beta, xhr, y + o);
  }
}

/* ---- backward ---------------------------------------------------------------------------- */

/* Channels j .. j + 4·nv, nv ≤ 2 (its four running sums and, in the second
 * pass, three per-channel constants stay in registers): the two sums through
 * the batch statistics, then dx. dx may alias dy: each dy element is read
 * before the dx element at the same place is written, and only this chunk's
 * channels are written. */
SN_ALWAYS_INLINE void bn_backward_chunk(int n, int c, int j, int nv, int lanes, const float *dy,
                                        const float *xhat, const float *inv_std, const float *gamma,
                                        float *dx, float *dgamma, float *dbeta) {
  v4f sdy[2], sdyx[2], pdy[2], pdyx[2], mdy[2], mdyx[2], scale[2];
  const v4f count = v_splat((float)n);
  for (int v = 0; v < nv; v++) sdy[v] = sdyx[v] = v_zero();
  for (int r0 = 0; r0 < n; r0 = block_end(r0, n)) {
    for (int v = 0; v < nv; v++) pdy[v] = pdyx[v] = v_zero();
    for (int r = r0, end = block_end(r0, n); r < end; r++)
      for (int v = 0; v < nv; v++) {
        const long i = (long)r * c + j + 4 * v;
        v4f d = load_lanes(dy + i, lanes);
        pdy[v] = v_add(pdy[v], d);
        pdyx[v] = v_add(pdyx[v], v_mul(d, load_lanes(xhat + i, lanes)));
      }
    for (int v = 0; v < nv; v++) sdy[v] = v_add(sdy[v], pdy[v]), sdyx[v] = v_add(sdyx[v], pdyx[v]);
  }
  for (int v = 0; v < nv; v++) {
    const int jv = j + 4 * v;
    if (dbeta) store_lanes(dbeta + jv, sdy[v], lanes);
    if (dgamma) store_lanes(dgamma + jv, sdyx[v], lanes);
    mdy[v] = v_div(sdy[v], count);
    mdyx[v] = v_div(sdyx[v], count);
    v4f is = load_lanes(inv_std + jv, lanes);
    scale[v] = gamma ? v_mul(load_lanes(gamma + jv, lanes), is) : is;
  }
  for (int r = 0; r < n; r++)
    for (int v = 0; v < nv; v++) {
      const long i = (long)r * c + j + 4 * v;
      v4f d = v_sub(load_lanes(dy + i, lanes), mdy[v]);
      d = v_sub(d, v_mul(load_lanes(xhat + i, lanes), mdyx[v]));
      store_lanes(dx + i, v_mul(scale[v], d), lanes);
    }
}

void k_bn_backward(int n, int c, const float *dy, const float *xhat, const float *inv_std,
                   const float *gamma, float *dx, float *dgamma, float *dbeta) {
  int j = 0;
  for (; j + 8 <= c; j += 8) bn_backward_chunk(n, c, j, 2, 4, dy, xhat, inv_std, gamma, dx, dgamma, dbeta);
  if (j + 4 <= c) bn_backward_chunk(n, c, j, 1, 4, dy, xhat, inv_std, gamma, dx, dgamma, dbeta), j += 4;
  if (j < c) bn_backward_chunk(n, c, j, 1, c - j, dy, xhat, inv_std, gamma, dx, dgamma, dbeta);
}
