/* SIMD kernels of the recurrent cells (k_*; contracts in rnn_kernels.h,
 * scalar definitions in rnn_kernels_ref.c). A row is worked through while it
 * is in L1: each gate's activation by k_act_forward / k_act_backward over its
 * `units` values, the products and sums that join the gates in vectors of 4,
 * the last few units of a gate in a partial vector. No allocation. */
#include "rnn_kernels.h"

#include "simd.h"

/* A vector of the n ≥ 1 floats left at p (4 or fewer), zeros past them. */
static inline v4f ld(const float *p, int n) { return n >= 4 ? v_load(p) : v_load_partial(p, n, 0.0f); }
static inline void st(float *p, v4f v, int n) {
  if (n >= 4) v_store(p, v);
  else v_store_partial(p, v, n);
}

static void gate(const sn_cell *cl, int is_gate, const float *x, float *y) {
  k_act_forward(is_gate ? cl->gate_act : cl->act, is_gate ? cl->gate_ap : cl->ap, 1, cl->units, x, y);
}

static void dgate(const sn_cell *cl, int is_gate, const float *x, const float *y, const float *dy, float *dx) {
  k_act_backward(is_gate ? cl->gate_act : cl->act, is_gate ? cl->gate_ap : cl->ap, 1, cl->units, x, y, dy, dx);
}

enum { I, F, C, O };             /* LSTM gates */
enum { GZ = 0, GR = 1, GH = 2 }; /* GRU gates */

void k_lstm_forward(const sn_cell *cl, int rows, const float *z, const float *c_prev, float *a, float *c, float *tc,
                    float *h) {
  const int u = cl->units;
  for (int r = 0; r < rows; r++) {
    const float *zr = z + (long)r * 4 * u, *cp = c_prev + (long)r * u;
    float *ar = a + (long)r * 4 * u, *cr = c + (long)r * u, *tr = tc + (long)r * u, *hr = h + (long)r * u;
    for (int g = 0; g < 4; g++) gate(cl, g != C, zr + g * u, ar + g * u);
    for (int j = 0; j < u; j += 4) {
      int n = u - j;
      v4f fc = v_mul(ld(ar + F * u + j, n), ld(cp + j, n));
      st(cr + j, v_add(fc, v_mul(ld(ar + I * u + j, n), ld(ar + C * u + j, n))), n);
    }
    gate(cl, 0, cr, tr);
    for (int j = 0; j < u; j += 4) {
      int n = u - j;
      st(hr + j, v_mul(ld(ar + O * u + j, n), ld(tr + j, n)), n);
    }
  }
}

void k_lstm_backward(const sn_cell *cl, int rows, const float *z, const float *a, const float *c_prev, const float *c,
                     const float *tc, const float *dh, float *dc, float *da, float *dz) {
  const int u = cl->units;
  for (int r = 0; r < rows; r++) {
    const float *zr = z + (long)r * 4 * u, *ar = a + (long)r * 4 * u, *cp = c_prev + (long)r * u;
    const float *cr = c + (long)r * u, *tr = tc + (long)r * u, *dhr = dh + (long)r * u;
    float *dcr = dc + (long)r * u, *dar = da + (long)r * 4 * u, *dzr = dz + (long)r * 4 * u;
    for (int j = 0; j < u; j += 4) {
      int n = u - j;
      v4f d = ld(dhr + j, n);
      st(dar + O * u + j, v_mul(d, ld(tr + j, n)), n);
      st(dar + I * u + j, v_mul(d, ld(ar + O * u + j, n)), n); /* dL/dtc, for now */
    }
    dgate(cl, 0, cr, tr, dar + I * u, dar + I * u); /* dL/dc through h */
    for (int j = 0; j < u; j += 4) {
      int n = u - j;
      v4f d = v_add(ld(dcr + j, n), ld(dar + I * u + j, n));
      v4f i = ld(ar + I * u + j, n);
      st(dar + I * u + j, v_mul(d, ld(ar + C * u + j, n)), n);
      st(dar + C * u + j, v_mul(d, i), n);
      st(dar + F * u + j, v_mul(d, ld(cp + j, n)), n);
      st(dcr + j, v_mul(d, ld(ar + F * u + j, n)), n);
    }
    for (int g = 0; g < 4; g++) dgate(cl, g != C, zr + g * u, ar + g * u, dar + g * u, dzr + g * u);
  }
}

/* h = z·h_prev + (1 − z)·hh over a row. */
static void gru_mix(int u, const float *ar, const float *hp, float *hr) {
  for (int j = 0; j < u; j += 4) {
    int n = u - j;
    v4f zg = ld(ar + GZ * u + j, n);
    st(hr + j, v_add(v_mul(zg, ld(hp + j, n)), v_mul(v_sub(v_splat(1.0f), zg), ld(ar + GH * u + j, n))), n);
  }
}

/* A GRU row's update and reset gates: p_z, p_r = x_zr + h·U_zr (rzr); a_z, a_r = ract(p_z, p_r). */
static void gru_zr(const sn_cell *cl, const float *xr, const float *rzr, float *pr, float *ar) {
  const int n = 2 * cl->units;
  for (int j = 0; j < n; j += 4) st(pr + j, v_add(ld(xr + j, n - j), ld(rzr + j, n - j)), n - j);
  gate(cl, 1, pr + GZ * cl->units, ar + GZ * cl->units);
  gate(cl, 1, pr + GR * cl->units, ar + GR * cl->units);
}

void k_gru_forward(const sn_cell *cl, int rows, const float *x, const float *rc, const float *h_prev, float *p, float *a,
                   float *h) {
  const int u = cl->units;
  for (int r = 0; r < rows; r++) {
    const float *xr = x + (long)r * 3 * u, *rcr = rc + (long)r * 3 * u, *hp = h_prev + (long)r * u;
    float *pr = p + (long)r * 3 * u, *ar = a + (long)r * 3 * u, *hr = h + (long)r * u;
    gru_zr(cl, xr, rcr, pr, ar);
    for (int j = 0; j < u; j += 4) {
      int n = u - j;
      st(pr + GH * u + j, v_add(ld(xr + GH * u + j, n), v_mul(ld(ar + GR * u + j, n), ld(rcr + GH * u + j, n))), n);
    }
    gate(cl, 0, pr + GH * u, ar + GH * u);
    gru_mix(u, ar, hp, hr);
  }
}

void k_gru_backward(const sn_cell *cl, int rows, const float *p, const float *a, const float *rc, const float *h_prev,
                    const float *dh, float *da, float *dp, float *drc, float *dh_prev) {
  const int u = cl->units;
  for (int r = 0; r < rows; r++) {
    const float *pr = p + (long)r * 3 * u, *ar = a + (long)r * 3 * u, *rcr = rc + (long)r * 3 * u;
    const float *hp = h_prev + (long)r * u, *dhr = dh + (long)r * u;
    float *dar = da + (long)r * 3 * u, *dpr = dp + (long)r * 3 * u, *drcr = drc + (long)r * 3 * u, *dhp = dh_prev + (long)r * u;
    for (int j = 0; j < u; j += 4) {
      int n = u - j;
      st(dar + GH * u + j, v_mul(ld(dhr + j, n), v_sub(v_splat(1.0f), ld(ar + GZ * u + j, n))), n);
    }
    dgate(cl, 0, pr + GH * u, ar + GH * u, dar + GH * u, dpr + GH * u);
    for (int j = 0; j < u; j += 4) {
      int n = u - j;
      v4f dph = ld(dpr + GH * u + j, n), rch = ld(rcr + GH * u + j, n);
      st(dar + GR * u + j, v_mul(dph, rch), n);
      st(drcr + GH * u + j, v_mul(dph, ld(ar + GR * u + j, n)), n);
      st(dar + GZ * u + j, v_mul(ld(dhr + j, n), v_sub(ld(hp + j, n), ld(ar + GH * u + j, n))), n);
    }
    dgate(cl, 1, pr + GZ * u, ar + GZ * u, dar + GZ * u, dpr + GZ * u);
    dgate(cl, 1, pr + GR * u, ar + GR * u, dar + GR * u, dpr + GR * u);
    for (int j = 0; j < 2 * u; j += 4) st(drcr + j, ld(dpr + j, 2 * u - j), 2 * u - j);
    for (int j = 0; j < u; j += 4) {
      int n = u - j;
      st(dhp + j, v_mul(ld(dhr + j, n), ld(ar + GZ * u + j, n)), n);
    }
  }
}

void k_gru_gates_forward(const sn_cell *cl, int rows, const float *x, const float *rzr, const float *h_prev, float *p,
                         float *a, float *rh) {
  const int u = cl->units;
  for (int r = 0; r < rows; r++) {
    const float *xr = x + (long)r * 3 * u, *zr = rzr + (long)r * 2 * u, *hp = h_prev + (long)r * u;
    float *pr = p + (long)r * 3 * u, *ar = a + (long)r * 3 * u, *rhr = rh + (long)r * u;
    gru_zr(cl, xr, zr, pr, ar);
    for (int j = 0; j < u; j += 4) st(rhr + j, v_mul(ld(ar + GR * u + j, u - j), ld(hp + j, u - j)), u - j);
  }
}

void k_gru_state_forward(const sn_cell *cl, int rows, const float *x, const float *rhu, const float *h_prev, float *p,
                         float *a, float *h) {
  const int u = cl->units;
  for (int r = 0; r < rows; r++) {
    const float *xr = x + (long)r * 3 * u, *ur = rhu + (long)r * u, *hp = h_prev + (long)r * u;
    float *pr = p + (long)r * 3 * u, *ar = a + (long)r * 3 * u, *hr = h + (long)r * u;
    for (int j = 0; j < u; j += 4) st(pr + GH * u + j, v_add(ld(xr + GH * u + j, u - j), ld(ur + j, u - j)), u - j);
    gate(cl, 0, pr + GH * u, ar + GH * u);
    gru_mix(u, ar, hp, hr);
  }
}

void k_gru_state_backward(const sn_cell *cl, int rows, const float *p, const float *a, const float *h_prev,
                          const float *dh, float *da, float *dp, float *gh, float *dh_prev) {
  const int u = cl->units;
  for (int r = 0; r < rows; r++) {
    const float *pr = p + (long)r * 3 * u, *ar = a + (long)r * 3 * u, *hp = h_prev + (long)r * u, *dhr = dh + (long)r * u;
    float *dar = da + (long)r * 3 * u, *dpr = dp + (long)r * 3 * u, *ghr = gh + (long)r * u, *dhp = dh_prev + (long)r * u;
    for (int j = 0; j < u; j += 4) {
      int n = u - j;
      v4f d = ld(dhr + j, n), zg = ld(ar + GZ * u + j, n);
      st(dar + GH * u + j, v_mul(d, v_sub(v_splat(1.0f), zg)), n);
      st(dar + GZ * u + j, v_mul(d, v_sub(ld(hp + j, n), ld(ar + GH * u + j, n))), n);
    }
    dgate(cl, 0, pr + GH * u, ar + GH * u, dar + GH * u, dpr + GH * u);
    for (int j = 0; j < u; j += 4) {
      int n = u - j;
      st(ghr + j, ld(dpr + GH * u + j, n), n);
      st(dhp + j, v_mul(ld(dhr + j, n), ld(ar + GZ * u + j, n)), n);
    }
  }
}

void k_gru_gates_backward(const sn_cell *cl, int rows, const float *p, const float *a, const float *h_prev,
                          const float *drh, float *da, float *dp, float *gzr, float *dh_prev) {
  const int u = cl->units;
  for (int r = 0; r < rows; r++) {
    const float *pr = p + (long)r * 3 * u, *ar = a + (long)r * 3 * u, *hp = h_prev + (long)r * u, *dr = drh + (long)r * u;
    float *dar = da + (long)r * 3 * u, *dpr = dp + (long)r * 3 * u, *gr = gzr + (long)r * 2 * u, *dhp = dh_prev + (long)r * u;
    for (int j = 0; j < u; j += 4) {
      int n = u - j;
      v4f d = ld(dr + j, n);
      st(dar + GR * u + j, v_mul(d, ld(hp + j, n)), n);
      st(dhp + j, v_add(ld(dhp + j, n), v_mul(d, ld(ar + GR * u + j, n))), n);
    }
    dgate(cl, 1, pr + GZ * u, ar + GZ * u, dar + GZ * u, dpr + GZ * u);
    dgate(cl, 1, pr + GR * u, ar + GR * u, dar + GR * u, dpr + GR * u);
    for (int j = 0; j < 2 * u; j += 4) st(gr + j, ld(dpr + j, 2 * u - j), 2 * u - j);
  }
}
