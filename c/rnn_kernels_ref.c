/* Scalar reference kernels of the recurrent cells (ref_*, rnn_kernels.h): the
 * most direct loops of Keras' equations (keras/src/layers/rnn/lstm.py,
 * gru.py), one row and one gate at a time. Speed is not a goal. */
#include "rnn_kernels.h"

/* y = f(x) over one gate's units, f the gates' activation or the cell's. */
static void gate(const sn_cell *cl, int is_gate, const float *x, float *y) {
  ref_act_forward(is_gate ? cl->gate_act : cl->act, is_gate ? cl->gate_ap : cl->ap, 1, cl->units, x, y);
}

/* dx = f'(x)·dy over one gate's units, from x and y = f(x). */
static void dgate(const sn_cell *cl, int is_gate, const float *x, const float *y, const float *dy, float *dx) {
  ref_act_backward(is_gate ? cl->gate_act : cl->act, is_gate ? cl->gate_ap : cl->ap, 1, cl->units, x, y, dy, dx);
}

enum { I, F, C, O };          /* LSTM gates */
enum { GZ = 0, GR = 1, GH = 2 }; /* GRU gates */

void ref_lstm_forward(const sn_cell *cl, int rows, const float *z, const float *c_prev, float *a, float *c, float *tc,
                      float *h) {
  const int u = cl->units;
  for (int r = 0; r < rows; r++) {
    const float *zr = z + (long)r * 4 * u, *cp = c_prev + (long)r * u;
    float *ar = a + (long)r * 4 * u, *cr = c + (long)r * u, *tr = tc + (long)r * u, *hr = h + (long)r * u;
    for (int g = 0; g < 4; g++) gate(cl, g != C, zr + g * u, ar + g * u);
    for (int j = 0; j < u; j++) cr[j] = ar[F * u + j] * cp[j] + ar[I * u + j] * ar[C * u + j];
    gate(cl, 0, cr, tr);
    for (int j = 0; j < u; j++) hr[j] = ar[O * u + j] * tr[j];
  }
}

void ref_lstm_backward(const sn_cell *cl, int rows, const float *z, const float *a, const float *c_prev, const float *c,
                       const float *tc, const float *dh, float *dc, float *da, float *dz) {
  const int u = cl->units;
  for (int r = 0; r < rows; r++) {
    const float *zr = z + (long)r * 4 * u, *ar = a + (long)r * 4 * u, *cp = c_prev + (long)r * u;
    const float *cr = c + (long)r * u, *tr = tc + (long)r * u, *dhr = dh + (long)r * u;
    float *dcr = dc + (long)r * u, *dar = da + (long)r * 4 * u, *dzr = dz + (long)r * 4 * u;
    for (int j = 0; j < u; j++) {
      dar[O * u + j] = dhr[j] * tr[j];
      dar[I * u + j] = dhr[j] * ar[O * u + j]; /* dL/dtc, for now */
    }
    dgate(cl, 0, cr, tr, dar + I * u, dar + I * u); /* dL/dc through h */
    for (int j = 0; j < u; j++) {
      float d = dcr[j] + dar[I * u + j];
      dar[I * u + j] = d * ar[C * u + j];
      dar[F * u + j] = d * cp[j];
      dar[C * u + j] = d * ar[I * u + j];
      dcr[j] = d * ar[F * u + j];
    }
    for (int g = 0; g < 4; g++) dgate(cl, g != C, zr + g * u, ar + g * u, dar + g * u, dzr + g * u);
  }
}

/* A GRU row's update and reset gates: p_z, p_r = x_zr + h·U_zr (rzr); a_z, a_r = ract(p_z, p_r). */
static void gru_zr(const sn_cell *cl, const float *xr, const float *rzr, float *pr, float *ar) {
  for (int j = 0; j < 2 * cl->units; j++) pr[j] = xr[j] + rzr[j];
  gate(cl, 1, pr + GZ * cl->units, ar + GZ * cl->units);
  gate(cl, 1, pr + GR * cl->units, ar + GR * cl->units);
}

/* h = z·h_prev + (1 − z)·hh over a row. */
static void gru_mix(int u, const float *ar, const float *hp, float *hr) {
  for (int j = 0; j < u; j++) hr[j] = ar[GZ * u + j] * hp[j] + (1.0f - ar[GZ * u + j]) * ar[GH * u + j];
}

void ref_gru_forward(const sn_cell *cl, int rows, const float *x, const float *rc, const float *h_prev, float *p,
                     float *a, float *h) {
  const int u = cl->units;
  for (int r = 0; r < rows; r++) {
    const float *xr = x + (long)r * 3 * u, *rcr = rc + (long)r * 3 * u, *hp = h_prev + (long)r * u;
    float *pr = p + (long)r * 3 * u, *ar = a + (long)r * 3 * u, *hr = h + (long)r * u;
    gru_zr(cl, xr, rcr, pr, ar);
    for (int j = 0; j < u; j++) pr[GH * u + j] = xr[GH * u + j] + ar[GR * u + j] * rcr[GH * u + j];
    gate(cl, 0, pr + GH * u, ar + GH * u);
    gru_mix(u, ar, hp, hr);
  }
}

void ref_gru_backward(const sn_cell *cl, int rows, const float *p, const float *a, const float *rc, const float *h_prev,
                      const float *dh, float *da, float *dp, float *drc, float *dh_prev) {
  const int u = cl->units;
  for (int r = 0; r < rows; r++) {
    const float *pr = p + (long)r * 3 * u, *ar = a + (long)r * 3 * u, *rcr = rc + (long)r * 3 * u;
    const float *hp = h_prev + (long)r * u, *dhr = dh + (long)r * u;
    float *dar = da + (long)r * 3 * u, *dpr = dp + (long)r * 3 * u, *drcr = drc + (long)r * 3 * u, *dhp = dh_prev + (long)r * u;
    for (int j = 0; j < u; j++) dar[GH * u + j] = dhr[j] * (1.0f - ar[GZ * u + j]);
    dgate(cl, 0, pr + GH * u, ar + GH * u, dar + GH * u, dpr + GH * u);
    for (int j = 0; j < u; j++) {
      float rch = rcr[GH * u + j];
      dar[GR * u + j] = dpr[GH * u + j] * rch;
      drcr[GH * u + j] = dpr[GH * u + j] * ar[GR * u + j];
      dar[GZ * u + j] = dhr[j] * (hp[j] - ar[GH * u + j]);
    }
    dgate(cl, 1, pr + GZ * u, ar + GZ * u, dar + GZ * u, dpr + GZ * u);
    dgate(cl, 1, pr + GR * u, ar + GR * u, dar + GR * u, dpr + GR * u);
    for (int j = 0; j < 2 * u; j++) drcr[j] = dpr[j];
    for (int j = 0; j < u; j++) dhp[j] = dhr[j] * ar[GZ * u + j];
  }
}

void ref_gru_gates_forward(const sn_cell *cl, int rows, const float *x, const float *rzr, const float *h_prev, float *p,
                           float *a, float *rh) {
  const int u = cl->units;
  for (int r = 0; r < rows; r++) {
    const float *xr = x + (long)r * 3 * u, *zr = rzr + (long)r * 2 * u, *hp = h_prev + (long)r * u;
    float *pr = p + (long)r * 3 * u, *ar = a + (long)r * 3 * u, *rhr = rh + (long)r * u;
    gru_zr(cl, xr, zr, pr, ar);
    for (int j = 0; j < u; j++) rhr[j] = ar[GR * u + j] * hp[j];
  }
}

void ref_gru_state_forward(const sn_cell *cl, int rows, const float *x, const float *rhu, const float *h_prev, float *p,
                           float *a, float *h) {
  const int u = cl->units;
  for (int r = 0; r < rows; r++) {
    const float *xr = x + (long)r * 3 * u, *ur = rhu + (long)r * u, *hp = h_prev + (long)r * u;
    float *pr = p + (long)r * 3 * u, *ar = a + (long)r * 3 * u, *hr = h + (long)r * u;
    for (int j = 0; j < u; j++) pr[GH * u + j] = xr[GH * u + j] + ur[j];
    gate(cl, 0, pr + GH * u, ar + GH * u);
    gru_mix(u, ar, hp, hr);
  }
}

void ref_gru_state_backward(const sn_cell *cl, int rows, const float *p, const float *a, const float *h_prev,
                            const float *dh, float *da, float *dp, float *gh, float *dh_prev) {
  const int u = cl->units;
  for (int r = 0; r < rows; r++) {
    const float *pr = p + (long)r * 3 * u, *ar = a + (long)r * 3 * u, *hp = h_prev + (long)r * u, *dhr = dh + (long)r * u;
    float *dar = da + (long)r * 3 * u, *dpr = dp + (long)r * 3 * u, *ghr = gh + (long)r * u, *dhp = dh_prev + (long)r * u;
    for (int j = 0; j < u; j++) {
      dar[GH * u + j] = dhr[j] * (1.0f - ar[GZ * u + j]);
      dar[GZ * u + j] = dhr[j] * (hp[j] - ar[GH * u + j]);
    }
    dgate(cl, 0, pr + GH * u, ar + GH * u, dar + GH * u, dpr + GH * u);
    for (int j = 0; j < u; j++) {
      ghr[j] = dpr[GH * u + j];
      dhp[j] = dhr[j] * ar[GZ * u + j];
    }
  }
}

void ref_gru_gates_backward(const sn_cell *cl, int rows, const float *p, const float *a, const float *h_prev,
                            const float *drh, float *da, float *dp, float *gzr, float *dh_prev) {
  const int u = cl->units;
  for (int r = 0; r < rows; r++) {
    const float *pr = p + (long)r * 3 * u, *ar = a + (long)r * 3 * u, *hp = h_prev + (long)r * u, *dr = drh + (long)r * u;
    float *dar = da + (long)r * 3 * u, *dpr = dp + (long)r * 3 * u, *gr = gzr + (long)r * 2 * u, *dhp = dh_prev + (long)r * u;
    for (int j = 0; j < u; j++) {
      dar[GR * u + j] = dr[j] * hp[j];
      dhp[j] += dr[j] * ar[GR * u + j];
    }
    dgate(cl, 1, pr + GZ * u, ar + GZ * u, dar + GZ * u, dpr + GZ * u);
    dgate(cl, 1, pr + GR * u, ar + GR * u, dar + GR * u, dpr + GR * u);
    for (int j = 0; j < 2 * u; j++) gr[j] = dpr[j];
  }
}
