/* rnn_reference.h — Keras 3's recurrent cells in double, one sample at a
 * time, for the native tests (header only): SimpleRNN, LSTM, GRU (both
 * reset_after forms) from keras/src/layers/rnn/simple_rnn.py, lstm.py and
 * gru.py, with what the fast passes must reproduce: initial states, go_backwards,
 * and the dropout masks of Keras 3's implementation 1 (recurrent_dropout set):
 * gate g's pre-activation is (x ⊙ D_g)·W_g + b_g + (h_{t−1} ⊙ M_g)·U_g, and the
 * GRU's z·h_{t−1} reads h unmasked. */
#ifndef SN_RNN_REFERENCE_H
#define SN_RNN_REFERENCE_H
#include "kernels.h"
#include "layer.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

static inline double act_d(int act, float alpha, double x) {
  switch (act) {
  case SN_ACT_SIGMOID: return 1.0 / (1.0 + exp(-x));
  case SN_ACT_TANH: return tanh(x);
  case SN_ACT_HARD_SIGMOID: return fmin(fmax(alpha * x + 0.5, 0.0), 1.0);
  case SN_ACT_RELU: return x > 0 ? x : 0;
  default: return x;
  }
}

typedef struct {
  int kind, steps, features, units, reset_after, backwards;
  int act, gate_act;
  float alpha, gate_alpha;
  const float *W, *R, *b;  /* kernel [F, K], recurrent kernel [U, K], bias [K] or [2, K] (GRU reset_after), or NULL */
  const float *D;          /* the sample's input mask: F floats for every gate, or with gate_masks k·F; NULL: none */
  int gate_masks;
  const float *M;          /* the sample's recurrent masks, k·U (gate g's at g·U); NULL: none */
} ref_cell;

static inline int ref_gates(int kind) { return kind == SN_LAYER_LSTM ? 4 : kind == SN_LAYER_GRU ? 3 : 1; }

/* One sample: x [steps, features]; h (and c, LSTM) start as the initial states (zeros for none) and end as the
 * final ones; out [steps, units] gets every step's h in the order the steps are processed. */
static inline void ref_run(const ref_cell *p, const float *x, double *h, double *c, double *out) {
  const int S = p->steps, F = p->features, U = p->units, k = ref_gates(p->kind), K = k * U;
  double *xg = malloc((size_t)K * sizeof(double)), *rg = malloc((size_t)K * sizeof(double)), *hn = malloc((size_t)U * sizeof(double));
  for (int t = 0; t < S; t++) {
    const float *xs = x + (long)(p->backwards ? S - 1 - t : t) * F;
    for (int j = 0; j < K; j++) {
      const int g = j / U;
      const float *d = p->D ? p->D + (p->gate_masks ? g * F : 0) : NULL;
      double s = p->b ? p->b[j] : 0.0, q = p->b && p->kind == SN_LAYER_GRU && p->reset_after ? p->b[K + j] : 0.0;
      for (int f = 0; f < F; f++) s += (double)xs[f] * (d ? d[f] : 1.0f) * p->W[f * K + j];
      for (int i = 0; i < U; i++) q += h[i] * (p->M ? p->M[g * U + i] : 1.0f) * p->R[i * K + j];
      xg[j] = s, rg[j] = q;
    }
#define GATE(v) act_d(p->gate_act, p->gate_alpha, v)
#define CELL(v) act_d(p->act, p->alpha, v)
    for (int j = 0; j < U; j++) {
      if (p->kind == SN_LAYER_SIMPLE_RNN) {
        hn[j] = CELL(xg[j] + rg[j]);
      } else if (p->kind == SN_LAYER_LSTM) {
        double i = GATE(xg[j] + rg[j]), f = GATE(xg[U + j] + rg[U + j]), cc = CELL(xg[2 * U + j] + rg[2 * U + j]), o = GATE(xg[3 * U + j] + rg[3 * U + j]);
        c[j] = f * c[j] + i * cc;
        hn[j] = o * CELL(c[j]);
      } else {
        double z = GATE(xg[j] + rg[j]), r = GATE(xg[U + j] + rg[U + j]), inner = r * rg[2 * U + j];
        if (!p->reset_after) { /* (r · h ⊙ M_h)·U_h */
          inner = 0.0;
          for (int i = 0; i < U; i++)
            inner += GATE(xg[U + i] + rg[U + i]) * h[i] * (p->M ? p->M[2 * U + i] : 1.0f) * p->R[i * K + 2 * U + j];
        }
        hn[j] = z * h[j] + (1.0 - z) * CELL(xg[2 * U + j] + inner);
      }
    }
#undef GATE
#undef CELL
    memcpy(h, hn, (size_t)U * sizeof(double));
    memcpy(out + (long)t * U, h, (size_t)U * sizeof(double));
  }
  free(xg), free(rg), free(hn);
}

/* A node's direction d (0: its own, 1: a bidirectional's backward layer) as a ref_cell, without masks. */
static inline ref_cell ref_of(const sn_layer *l, int d) {
  const int kind = l->kind == SN_LAYER_BIDIRECTIONAL ? l->inner : l->kind;
  const sn_tensor *t = l->t + 3 * d;
  return (ref_cell){kind, l->in.w, l->in.c, l->units, l->reset_after, l->backwards != (d == 1), l->cell_act, l->gate_act,
                    l->cell_ap.alpha, l->gate_ap.alpha, t[0].w, t[1].w, t[2].exists ? t[2].w : NULL, NULL, l->recurrent_rate > 0.0f, NULL};
}
#endif
