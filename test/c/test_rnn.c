/* The recurrent layers (layer_rnn.c, rnn.c, rnn_kernels.c) natively, so the
 * sanitizers see every path:
 *   - each SIMD cell kernel against its scalar reference on odd sizes (1 to 17
 *     units, a partial vector at every gate's end), with several activations,
 *     and in place (dz over z, …) giving the same bits;
 *   - the forward pass of SimpleRNN, LSTM and GRU (both reset_after) against a
 *     direct double loop of Keras' equations, with return_sequences and
 *     go_backwards, 1 step and several;
 *   - gradients against central differences (gradcheck.h) on awkward sizes,
 *     with and without bias, through stacked layers (their input gradients);
 *   - input dropout: one mask per sample, the same at every step;
 *   - training gives the same bits with the GEMMs and cell passes split in
 *     parts (threads), and in both workspace layouts, shared or not;
 *   - the LSTM's forget-gate bias, settings refused, and the orthogonal
 *     initializer (QᵀQ = I for square, tall and wide matrices, times gain). */
#include "buffers.h"
#include "check.h"
#include "init.h"
#include "kernels.h"
#include "model.h"
#include "rnn_kernels.h"
#include "threads.h"
#include "workspace.h"
#include "gradcheck.h"
#include "layer_models.h"
#include "rnn_reference.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NOPARAM {0.0f, INFINITY, 0.0f}

/* ---- the cell kernels against their references -------------------------------- */

typedef struct {
  const char *name;
  sn_cell cell;
} cell_case;

static const cell_case CELLS[] = {
    {"tanh, sigmoid gates", {0, SN_ACT_TANH, SN_ACT_SIGMOID, NOPARAM, NOPARAM}},
    {"relu, hardSigmoid 0.2 gates", {0, SN_ACT_RELU, SN_ACT_HARD_SIGMOID, NOPARAM, {0.2f, INFINITY, 0.0f}}},
    {"softmax, linear gates", {0, SN_ACT_SOFTMAX, SN_ACT_LINEAR, NOPARAM, NOPARAM}},
    {"elu 0.5, hardSigmoid 1/6 gates", {0, SN_ACT_ELU, SN_ACT_HARD_SIGMOID, {0.5f, INFINITY, 0.0f}, {1.0f / 6, INFINITY, 0.0f}}},
};
enum { NCELLS = sizeof CELLS / sizeof CELLS[0] };

/* k's result against ref's: the same formulas, activations computed differently (kernels.c vs libm). */
static void agree(const char *what, const char *name, int rows, int u, const float *k, const float *r, long n) {
  double *want = to_double(r, n);
  char text[160];
  snprintf(text, sizeof text, "%s (%s, %d rows of %d units)", what, name, rows, u);
  check_array(text, k, want, NULL, n, 2e-5, 2e-6);
  CHECK(buf_intact(k, n), "%s: wrote outside its buffer", text);
  free(want);
}

static void same_bits(const char *what, const char *name, int u, const float *a, const float *b, long n) {
  CHECK(memcmp(a, b, (size_t)n * sizeof *a) == 0, "%s in place (%s, %d units) differs", what, name, u);
}

static void test_lstm_kernels(const cell_case *cc, int rows, int u) {
  sn_cell cl = cc->cell;
  cl.units = u;
  const long ru = (long)rows * u, rk = 4 * ru;
  float *z = buf_random(rk, -2, 2), *cp = buf_random(ru, -1, 1);
  float *ak = buf_new(rk), *ck = buf_new(ru), *tk = buf_new(ru), *hk = buf_new(ru);
  float *ar = buf_new(rk), *cr = buf_new(ru), *tr = buf_new(ru), *hr = buf_new(ru);
  k_lstm_forward(&cl, rows, z, cp, ak, ck, tk, hk);
  ref_lstm_forward(&cl, rows, z, cp, ar, cr, tr, hr);
  agree("lstm_forward a", cc->name, rows, u, ak, ar, rk);
  agree("lstm_forward c", cc->name, rows, u, ck, cr, ru);
  agree("lstm_forward tc", cc->name, rows, u, tk, tr, ru);
  agree("lstm_forward h", cc->name, rows, u, hk, hr, ru);
  /* backward, both from ref's forward results */
  float *dh = buf_random(ru, -1, 1), *dc0 = buf_random(ru, -1, 1);
  float *dck = buf_copy(dc0, ru), *dcr = buf_copy(dc0, ru), *dak = buf_new(rk), *dar = buf_new(rk), *dzk = buf_new(rk), *dzr = buf_new(rk);
  k_lstm_backward(&cl, rows, z, ar, cp, cr, tr, dh, dck, dak, dzk);
  ref_lstm_backward(&cl, rows, z, ar, cp, cr, tr, dh, dcr, dar, dzr);
  agree("lstm_backward dz", cc->name, rows, u, dzk, dzr, rk);
  agree("lstm_backward dc", cc->name, rows, u, dck, dcr, ru);
  float *zin = buf_copy(z, rk), *dc2 = buf_copy(dc0, ru);
  k_lstm_backward(&cl, rows, zin, ar, cp, cr, tr, dh, dc2, dak, zin);
  same_bits("lstm_backward dz", cc->name, u, zin, dzk, rk);
  float *all[] = {z, cp, ak, ck, tk, hk, ar, cr, tr, hr, dh, dc0, dck, dcr, dak, dar, dzk, dzr, zin, dc2};
  for (unsigned i = 0; i < sizeof all / sizeof *all; i++) buf_free(all[i]);
}

static void test_gru_kernels(const cell_case *cc, int rows, int u) {
  sn_cell cl = cc->cell;
  cl.units = u;
  const long ru = (long)rows * u, rk = 3 * ru;
  float *x = buf_random(rk, -2, 2), *rc = buf_random(rk, -2, 2), *hp = buf_random(ru, -1, 1);
  float *pk = buf_new(rk), *ak = buf_new(rk), *hk = buf_new(ru), *pr = buf_new(rk), *ar = buf_new(rk), *hr = buf_new(ru);
  k_gru_forward(&cl, rows, x, rc, hp, pk, ak, hk);
  ref_gru_forward(&cl, rows, x, rc, hp, pr, ar, hr);
  agree("gru_forward p", cc->name, rows, u, pk, pr, rk);
  agree("gru_forward a", cc->name, rows, u, ak, ar, rk);
  agree("gru_forward h", cc->name, rows, u, hk, hr, ru);
  float *xin = buf_copy(x, rk);
  k_gru_forward(&cl, rows, xin, rc, hp, xin, ak, hk);
  same_bits("gru_forward p", cc->name, u, xin, pk, rk);

  float *dh = buf_random(ru, -1, 1), *da = buf_new(rk);
  float *dpk = buf_new(rk), *drck = buf_new(rk), *dhk = buf_new(ru), *dpr = buf_new(rk), *drcr = buf_new(rk), *dhr = buf_new(ru);
  k_gru_backward(&cl, rows, pr, ar, rc, hp, dh, da, dpk, drck, dhk);
  ref_gru_backward(&cl, rows, pr, ar, rc, hp, dh, da, dpr, drcr, dhr);
  agree("gru_backward dp", cc->name, rows, u, dpk, dpr, rk);
  agree("gru_backward drc", cc->name, rows, u, drck, drcr, rk);
  agree("gru_backward dh_prev", cc->name, rows, u, dhk, dhr, ru);
  float *p2 = buf_copy(pr, rk), *rc2 = buf_copy(rc, rk), *dh2 = buf_copy(dh, ru);
  k_gru_backward(&cl, rows, p2, ar, rc2, hp, dh2, da, p2, rc2, dh2);
  same_bits("gru_backward dp", cc->name, u, p2, dpk, rk);
  same_bits("gru_backward drc", cc->name, u, rc2, drck, rk);
  same_bits("gru_backward dh_prev", cc->name, u, dh2, dhk, ru);
  float *all[] = {x, rc, hp, pk, ak, hk, pr, ar, hr, xin, dh, da, dpk, drck, dhk, dpr, drcr, dhr, p2, rc2, dh2};
  for (unsigned i = 0; i < sizeof all / sizeof *all; i++) buf_free(all[i]);
}

/* The GRU without reset_after: its two halves forward, then backward. */
static void test_gru_halves(const cell_case *cc, int rows, int u) {
  sn_cell cl = cc->cell;
  cl.units = u;
  const long ru = (long)rows * u, rk = 3 * ru;
  float *x = buf_random(rk, -2, 2), *rzr = buf_random(2 * ru, -2, 2), *rhu = buf_random(ru, -2, 2), *hp = buf_random(ru, -1, 1);
  float *pk = buf_new(rk), *ak = buf_new(rk), *rhk = buf_new(ru), *hk = buf_new(ru);
  float *pr = buf_new(rk), *ar = buf_new(rk), *rhr = buf_new(ru), *hr = buf_new(ru);
  k_gru_gates_forward(&cl, rows, x, rzr, hp, pk, ak, rhk);
  ref_gru_gates_forward(&cl, rows, x, rzr, hp, pr, ar, rhr);
  k_gru_state_forward(&cl, rows, x, rhu, hp, pk, ak, hk);
  ref_gru_state_forward(&cl, rows, x, rhu, hp, pr, ar, hr);
  agree("gru halves forward p", cc->name, rows, u, pk, pr, rk);
  agree("gru halves forward a", cc->name, rows, u, ak, ar, rk);
  agree("gru_gates_forward rh", cc->name, rows, u, rhk, rhr, ru);
  agree("gru_state_forward h", cc->name, rows, u, hk, hr, ru);
  float *xin = buf_copy(x, rk);
  k_gru_gates_forward(&cl, rows, xin, rzr, hp, xin, ak, rhk);
  k_gru_state_forward(&cl, rows, xin, rhu, hp, xin, ak, hk);
  same_bits("gru halves forward p", cc->name, u, xin, pk, rk);

  float *dh = buf_random(ru, -1, 1), *drh = buf_random(ru, -1, 1);
  float *dak = buf_new(rk), *dpk = buf_new(rk), *ghk = buf_new(ru), *gzrk = buf_new(2 * ru), *dhk = buf_new(ru);
  float *dar = buf_new(rk), *dpr = buf_new(rk), *ghr = buf_new(ru), *gzrr = buf_new(2 * ru), *dhr = buf_new(ru);
  k_gru_state_backward(&cl, rows, pr, ar, hp, dh, dak, dpk, ghk, dhk);
  ref_gru_state_backward(&cl, rows, pr, ar, hp, dh, dar, dpr, ghr, dhr);
  agree("gru_state_backward gh", cc->name, rows, u, ghk, ghr, ru);
  k_gru_gates_backward(&cl, rows, pr, ar, hp, drh, dak, dpk, gzrk, dhk);
  ref_gru_gates_backward(&cl, rows, pr, ar, hp, drh, dar, dpr, gzrr, dhr);
  agree("gru halves backward dp", cc->name, rows, u, dpk, dpr, rk);
  agree("gru_gates_backward gzr", cc->name, rows, u, gzrk, gzrr, 2 * ru);
  agree("gru halves backward dh_prev", cc->name, rows, u, dhk, dhr, ru);
  float *p2 = buf_copy(pr, rk), *dh2 = buf_copy(dh, ru);
  k_gru_state_backward(&cl, rows, p2, ar, hp, dh2, dak, p2, ghk, dh2);
  k_gru_gates_backward(&cl, rows, p2, ar, hp, drh, dak, p2, gzrk, dh2);
  same_bits("gru halves backward dp", cc->name, u, p2, dpk, rk);
  same_bits("gru halves backward dh_prev", cc->name, u, dh2, dhk, ru);
  float *all[] = {x, rzr, rhu, hp, pk, ak, rhk, hk, pr, ar, rhr, hr, xin, dh, drh, dak, dpk, ghk, gzrk, dhk, dar, dpr, ghr, gzrr, dhr, p2, dh2};
  for (unsigned i = 0; i < sizeof all / sizeof *all; i++) buf_free(all[i]);
}

static void test_kernels(void) {
  static const int UNITS[] = {1, 3, 4, 5, 7, 9, 17};
  for (int c = 0; c < NCELLS; c++)
    for (unsigned s = 0; s < sizeof UNITS / sizeof *UNITS; s++) {
      test_lstm_kernels(&CELLS[c], 3, UNITS[s]);
      test_gru_kernels(&CELLS[c], 3, UNITS[s]);
      test_gru_halves(&CELLS[c], 3, UNITS[s]);
    }
}

/* ---- models --------------------------------------------------------------------- */

typedef struct {
  int kind, units, act, gate_act;
  float alpha, gate_alpha;
  int bias, sequences, backwards, option; /* option: LSTM forget bias, GRU reset_after */
} rnn_spec;

static int add_rnn(sn_model *m, const rnn_spec *s) {
  switch (s->kind) {
  case SN_LAYER_SIMPLE_RNN: return sn_model_add_simple_rnn(m, s->units, s->act, s->alpha, s->bias, s->sequences, s->backwards);
  case SN_LAYER_LSTM:
    return sn_model_add_lstm(m, s->units, s->act, s->alpha, s->gate_act, s->gate_alpha, s->bias, s->option, s->sequences, s->backwards);
  default:
    return sn_model_add_gru(m, s->units, s->act, s->alpha, s->gate_act, s->gate_alpha, s->bias, s->option, s->sequences, s->backwards);
  }
}

#define S_RNN SN_LAYER_SIMPLE_RNN
#define LSTM SN_LAYER_LSTM
#define GRU SN_LAYER_GRU
#define TANH SN_ACT_TANH
#define SIG SN_ACT_SIGMOID

static void one_layer_gradients(const rnn_spec *s, int steps, int features, const char *what) {
  sn_model *m = sn_model_create_hwc(1, steps, features, 3);
  CHECK(add_rnn(m, s) >= 0, "%s: added", what);
  row_gradients(finish(m), 4, what);
}

static void layer_gradients(void) {
  static const struct {
    rnn_spec s;
    int steps, features;
    const char *what;
  } CASES[] = {
      {{S_RNN, 3, TANH, 0, 0, 0, 1, 0, 0, 0}, 4, 5, "SimpleRNN 3 units, 4 steps of 5"},
      {{S_RNN, 5, SIG, 0, 0, 0, 0, 1, 1, 0}, 3, 2, "SimpleRNN sigmoid, sequences, backwards, no bias"},
      {{S_RNN, 1, TANH, 0, 0, 0, 1, 1, 0, 0}, 1, 1, "SimpleRNN 1 unit, 1 step of 1"},
      {{LSTM, 5, TANH, SIG, 0, 0, 1, 0, 0, 1}, 1, 3, "LSTM 5 units, 1 step"},
      {{LSTM, 5, TANH, SIG, 0, 0, 1, 1, 1, 1}, 4, 3, "LSTM sequences, backwards"},
      {{LSTM, 3, TANH, SN_ACT_HARD_SIGMOID, 0, 0.2f, 0, 0, 0, 0}, 4, 7, "LSTM hardSigmoid 0.2, no bias"},
      {{LSTM, 7, SN_ACT_SOFTSIGN, SIG, 0, 0, 1, 1, 0, 1}, 3, 1, "LSTM softsign, 7 units, sequences"},
      {{GRU, 5, TANH, SIG, 0, 0, 1, 1, 0, 1}, 4, 3, "GRU reset_after, sequences"},
      {{GRU, 3, TANH, SIG, 0, 0, 0, 0, 1, 1}, 1, 5, "GRU reset_after, 1 step, backwards, no bias"},
      {{GRU, 5, TANH, SIG, 0, 0, 1, 0, 1, 0}, 4, 3, "GRU reset before, backwards"},
      {{GRU, 3, TANH, SN_ACT_HARD_SIGMOID, 0, 0.2f, 0, 1, 0, 0}, 3, 4, "GRU reset before, hardSigmoid 0.2, sequences, no bias"},
      {{GRU, 1, TANH, SIG, 0, 0, 1, 0, 0, 0}, 2, 1, "GRU reset before, 1 unit"},
  };
  for (unsigned i = 0; i < sizeof CASES / sizeof *CASES; i++) one_layer_gradients(&CASES[i].s, CASES[i].steps, CASES[i].features, CASES[i].what);
}

/* Stacked: every layer but the first passes its input gradient down. */
static void stacked_gradients(void) {
  sn_model *m = sn_model_create_hwc(1, 3, 2, 4);
  add_rnn(m, &(rnn_spec){LSTM, 3, TANH, SIG, 0, 0, 1, 1, 1, 1});
  add_rnn(m, &(rnn_spec){GRU, 5, TANH, SIG, 0, 0, 1, 1, 0, 0});
  add_rnn(m, &(rnn_spec){GRU, 3, TANH, SIG, 0, 0, 1, 1, 1, 1});
  add_rnn(m, &(rnn_spec){S_RNN, 4, TANH, 0, 0, 0, 1, 0, 0, 0});
  CHECK(m->n_layers == 4, "the stack");
  row_gradients(finish(m), 3, "LSTM → GRU → GRU → SimpleRNN, input gradients through each");
}

/* Input dropout: gradients with the masks held; a training pass is the pass
 * without dropout on x times the mask (the same mask at every step); inference
 * does not drop. */
static void dropout(void) {
  sn_model *m = sn_model_create_hwc(1, 4, 3, 6);
  add_rnn(m, &(rnn_spec){LSTM, 3, TANH, SIG, 0, 0, 1, 1, 0, 1});
  add_rnn(m, &(rnn_spec){GRU, 4, TANH, SIG, 0, 0, 1, 0, 1, 0});
  CHECK(sn_model_set_input_dropout(m, 0, 0.3f, 0, 0) && sn_model_set_input_dropout(m, 1, 0.4f, 1, 77), "dropout set");
  CHECK(!sn_model_set_input_dropout(m, 1, 1.0f, 0, 0) && !sn_model_set_input_dropout(m, 2, 0.5f, 0, 0), "a rate of 1, a layer that is not there");
  row_gradients(finish(m), 5, "LSTM → GRU with input dropout, masks held");

  enum { ROWS = 6, S = 5, F = 7 };
  sn_model *with = sn_model_create_hwc(1, S, F, 12), *without = sn_model_create_hwc(1, S, F, 12);
  add_rnn(with, &(rnn_spec){GRU, 5, TANH, SIG, 0, 0, 1, 0, 1, 1});
  add_rnn(without, &(rnn_spec){GRU, 5, TANH, SIG, 0, 0, 1, 0, 1, 1});
  CHECK(sn_model_set_input_dropout(with, 0, 0.5f, 0, 0), "dropout set");
  finish(with), finish(without);
  float x[ROWS * S * F], xm[ROWS * S * F], t[ROWS * CLASSES], y1[ROWS * CLASSES], y2[ROWS * CLASSES];
  fill(x, ROWS * S * F, 3, -1, 1);
  one_hot(t, ROWS);
  double l1, l2;
  CHECK(sn_model_compute_gradients(with, x, t, ROWS, &l1), "a training pass");
  const float *mask = with->layers[0].mask;
  int zeros = 0, valued = 1;
  for (int i = 0; i < ROWS * F; i++) zeros += mask[i] == 0.0f, valued &= mask[i] == 0.0f || mask[i] == 2.0f;
  CHECK(valued && zeros > 0 && zeros < ROWS * F, "the mask is 0 or 1/(1 − rate): %d zeros of %d", zeros, ROWS * F);
  for (int r = 0; r < ROWS; r++)
    for (int s = 0; s < S; s++)
      for (int f = 0; f < F; f++) xm[(r * S + s) * F + f] = x[(r * S + s) * F + f] * mask[r * F + f];
  CHECK(sn_model_compute_gradients(without, xm, t, ROWS, &l2), "the same pass on x·mask");
  CHECK(l1 == l2 && !memcmp(with->grads, without->grads, (size_t)with->n_params * sizeof(float)),
        "dropout is x times one mask per sample for every step: the same loss (%g, %g) and gradients", l1, l2);
  CHECK(sn_model_predict(with, x, ROWS, ROWS, y1) && sn_model_predict(without, x, ROWS, ROWS, y2) && !memcmp(y1, y2, sizeof y1),
        "inference does not drop");
  sn_model_free(with), sn_model_free(without);
}

/* ---- forward against Keras' equations in double ------------------------------------ */

/* The layer's output for `rows` rows of x, step by step as Keras' cells compute it. */
static void keras_forward(const sn_layer *l, int rows, const float *x, double *out) {
  const int S = l->in.w, F = l->in.c, U = l->units, k = l->kind == LSTM ? 4 : l->kind == GRU ? 3 : 1, K = k * U;
  const float *W = l->t[SN_KERNEL].w, *R = l->t[SN_RECURRENT_KERNEL].w;
  const float *b = l->t[SN_RECURRENT_BIAS].exists ? l->t[SN_RECURRENT_BIAS].w : NULL;
  double *h = calloc((size_t)U, sizeof(double)), *c = calloc((size_t)U, sizeof(double)), *g = malloc((size_t)K * sizeof(double)),
         *rg = malloc((size_t)K * sizeof(double)), *hn = malloc((size_t)U * sizeof(double));
  for (int r = 0; r < rows; r++) {
    memset(h, 0, (size_t)U * sizeof(double)), memset(c, 0, (size_t)U * sizeof(double));
    for (int t = 0; t < S; t++) {
      const float *xs = x + ((long)r * S + (l->backwards ? S - 1 - t : t)) * F;
      for (int j = 0; j < K; j++) {
        double s = b ? b[j] : 0.0, q = b && l->kind == GRU && l->reset_after ? b[K + j] : 0.0;
        for (int f = 0; f < F; f++) s += (double)xs[f] * W[f * K + j];
        for (int i = 0; i < U; i++) q += h[i] * R[i * K + j];
        g[j] = s, rg[j] = q;
      }
      if (l->kind == S_RNN) {
        for (int j = 0; j < U; j++) hn[j] = act_d(l->cell_act, l->cell_ap.alpha, g[j] + rg[j]);
      } else if (l->kind == LSTM) {
        for (int j = 0; j < U; j++) {
          double i = act_d(l->gate_act, l->gate_ap.alpha, g[j] + rg[j]), f = act_d(l->gate_act, l->gate_ap.alpha, g[U + j] + rg[U + j]);
          double cc = act_d(l->cell_act, l->cell_ap.alpha, g[2 * U + j] + rg[2 * U + j]), o = act_d(l->gate_act, l->gate_ap.alpha, g[3 * U + j] + rg[3 * U + j]);
          c[j] = f * c[j] + i * cc;
          hn[j] = o * act_d(l->cell_act, l->cell_ap.alpha, c[j]);
        }
      } else {
        double *rh = malloc((size_t)U * sizeof(double));
        for (int j = 0; j < U; j++) rh[j] = act_d(l->gate_act, l->gate_ap.alpha, g[U + j] + rg[U + j]) * h[j];
        for (int j = 0; j < U; j++) {
          double z = act_d(l->gate_act, l->gate_ap.alpha, g[j] + rg[j]), rr = act_d(l->gate_act, l->gate_ap.alpha, g[U + j] + rg[U + j]);
          double inner = rg[2 * U + j] * rr; /* reset_after: r·(h·U_h + b') */
          if (!l->reset_after) {
            inner = 0.0;
            for (int i = 0; i < U; i++) inner += rh[i] * R[i * K + 2 * U + j];
          }
          double hh = act_d(l->cell_act, l->cell_ap.alpha, g[2 * U + j] + inner);
          hn[j] = z * h[j] + (1.0 - z) * hh;
        }
        free(rh);
      }
      memcpy(h, hn, (size_t)U * sizeof(double));
      if (l->sequences) memcpy(out + ((long)r * S + t) * U, h, (size_t)U * sizeof(double));
    }
    if (!l->sequences) memcpy(out + (long)r * U, h, (size_t)U * sizeof(double));
  }
  free(h), free(c), free(g), free(rg), free(hn);
}

static void forward_case(const rnn_spec *s, int steps, int features, const char *what) {
  enum { ROWS = 5 };
  sn_model *m = sn_model_create_hwc(1, steps, features, 11);
  CHECK(add_rnn(m, s) >= 0, "%s: added", what);
  sn_model_set_initializer(m, 0, SN_RECURRENT_BIAS, SN_INIT_RANDOM_UNIFORM, -0.5f, 0.5f);
  CHECK(sn_model_build(m), "%s: build", what);
  const int out = sn_model_output_dim(m);
  float *x = malloc((size_t)ROWS * steps * features * sizeof(float)), *y = malloc((size_t)ROWS * out * sizeof(float));
  double *want = malloc((size_t)ROWS * out * sizeof(double));
  fill(x, (long)ROWS * steps * features, 9, -1.5f, 1.5f);
  CHECK(sn_model_predict(m, x, ROWS, 2, y), "%s: predict", what);
  keras_forward(&m->layers[0], ROWS, x, want);
  check_array(what, y, want, NULL, (long)ROWS * out, 1e-5, 1e-6);
  free(x), free(y), free(want);
  sn_model_free(m);
}

static void forwards(void) {
  forward_case(&(rnn_spec){S_RNN, 3, TANH, 0, 0, 0, 1, 1, 0, 0}, 4, 5, "SimpleRNN sequences");
  forward_case(&(rnn_spec){S_RNN, 5, SN_ACT_RELU, 0, 0, 0, 1, 1, 1, 0}, 3, 2, "SimpleRNN relu, sequences, backwards");
  forward_case(&(rnn_spec){LSTM, 5, TANH, SIG, 0, 0, 1, 0, 0, 1}, 6, 3, "LSTM");
  forward_case(&(rnn_spec){LSTM, 7, TANH, SN_ACT_HARD_SIGMOID, 0, 0.2f, 1, 1, 1, 1}, 4, 3, "LSTM hardSigmoid, sequences, backwards");
  forward_case(&(rnn_spec){LSTM, 2, TANH, SIG, 0, 0, 0, 0, 1, 0}, 1, 4, "LSTM 1 step, backwards, no bias");
  forward_case(&(rnn_spec){GRU, 5, TANH, SIG, 0, 0, 1, 1, 0, 1}, 4, 3, "GRU reset_after, sequences");
  forward_case(&(rnn_spec){GRU, 6, TANH, SIG, 0, 0, 1, 0, 1, 1}, 5, 2, "GRU reset_after, backwards");
  forward_case(&(rnn_spec){GRU, 5, TANH, SN_ACT_HARD_SIGMOID, 0, 0.2f, 1, 1, 1, 0}, 4, 3, "GRU reset before, sequences, backwards");
  forward_case(&(rnn_spec){GRU, 3, TANH, SIG, 0, 0, 0, 0, 0, 0}, 3, 1, "GRU reset before, no bias");
}

/* ---- bits: threads and workspace layouts ------------------------------------------- */

/* An LSTM → GRU (input dropout) → GRU stack trained 2 epochs; the hash of its weights and of its predictions. */
static unsigned train_stack(int parts, unsigned *predictions) {
  enum { N = 21, S = 5, F = 6 };
  sn_threads_split_for_tests(parts);
  sn_model *m = sn_model_create_hwc(1, S, F, 7);
  add_rnn(m, &(rnn_spec){LSTM, 9, TANH, SIG, 0, 0, 1, 1, 0, 1});
  add_rnn(m, &(rnn_spec){GRU, 6, TANH, SIG, 0, 0, 1, 1, 1, 0});
  add_rnn(m, &(rnn_spec){GRU, 5, TANH, SIG, 0, 0, 1, 0, 0, 1});
  sn_model_set_input_dropout(m, 1, 0.2f, 0, 0);
  finish(m);
  float x[N * S * F], t[N * CLASSES], y[N * CLASSES];
  fill(x, N * S * F, 4, -1, 1);
  one_hot(t, N);
  for (int e = 0; e < 2; e++) sn_model_fit_epoch(m, x, t, N, 8, 1, x, t, 10, (double[SN_SUM_COUNT]){0});
  sn_model_predict(m, x, N, 7, y);
  *predictions = 2166136261u;
  for (int i = 0; i < N * CLASSES; i++) {
    unsigned u;
    memcpy(&u, &y[i], 4);
    *predictions = (*predictions ^ u) * 16777619u;
  }
  unsigned h = params_hash(m);
  sn_model_free(m);
  sn_threads_split_for_tests(1);
  return h;
}

static void determinism(void) {
  unsigned p1, p2, p3, p4;
  unsigned one = train_stack(1, &p1);
  CHECK(train_stack(1, &p2) == one && p2 == p1, "the same seed trains a recurrent stack to the same bits");
  CHECK(train_stack(2, &p2) == one && train_stack(3, &p3) == one && p2 == p1 && p3 == p1,
        "GEMMs and cell passes split in 2 and 3 parts change no bit");
  sn_workspace_sharing = 0;
  CHECK(train_stack(1, &p4) == one && p4 == p1, "every node's buffers its own: the same bits");
  sn_workspace_sharing = 1;
}

/* Training and inference layouts give the same outputs (inference carves the transient nodes anew). */
static void layouts(void) {
  enum { N = 6, S = 4, F = 3 };
  sn_model *m = sn_model_create_hwc(1, S, F, 8);
  add_rnn(m, &(rnn_spec){GRU, 4, TANH, SIG, 0, 0, 1, 1, 1, 1});
  add_rnn(m, &(rnn_spec){LSTM, 5, TANH, SIG, 0, 0, 1, 0, 0, 1});
  finish(m);
  float x[N * S * F], t[N * CLASSES], y1[N * CLASSES], y2[N * CLASSES];
  fill(x, N * S * F, 2, -1, 1);
  one_hot(t, N);
  CHECK(sn_model_predict(m, x, N, N, y1), "predict");
  double loss;
  CHECK(sn_model_compute_gradients(m, x, t, N, &loss), "gradients");
  CHECK(sn_model_predict(m, x, N, 4, y2), "predict again");
  CHECK(memcmp(y1, y2, sizeof y1) == 0, "predictions in batches of 6 and 4, between training passes, agree");
  sn_model_free(m);
}

/* ---- settings ----------------------------------------------------------------------- */

static void forget_bias(void) {
  for (int on = 0; on <= 1; on++) {
    sn_model *m = sn_model_create_hwc(1, 3, 2, 5);
    add_rnn(m, &(rnn_spec){LSTM, 4, TANH, SIG, 0, 0, 1, 0, 0, on});
    sn_model_set_initializer(m, 0, SN_RECURRENT_BIAS, SN_INIT_CONSTANT, 0.25f, 0);
    CHECK(sn_model_build(m), "build");
    const float *b = m->layers[0].t[SN_RECURRENT_BIAS].w;
    int ok = 1;
    for (int j = 0; j < 16; j++) ok &= b[j] == (on && j >= 4 && j < 8 ? 1.0f : 0.25f);
    CHECK(ok, "unit_forget_bias %d: the forget gate's bias %s, the rest the initializer's", on, on ? "ones" : "as drawn");
    const sn_tensor *t = m->layers[0].t;
    CHECK(t[0].rank == 2 && t[0].dims[0] == 2 && t[0].dims[1] == 16 && t[1].dims[0] == 4 && t[1].dims[1] == 16 && t[2].rank == 1 &&
              t[2].dims[0] == 16 && !strcmp(t[1].name, "recurrent_kernel"),
          "Keras' weight shapes");
    sn_model_free(m);
  }
  sn_model *m = sn_model_create_hwc(1, 3, 2, 5);
  add_rnn(m, &(rnn_spec){GRU, 4, TANH, SIG, 0, 0, 1, 0, 0, 1});
  const sn_tensor *b = &m->layers[0].t[SN_RECURRENT_BIAS];
  CHECK(b->rank == 2 && b->dims[0] == 2 && b->dims[1] == 12, "GRU reset_after's bias [2, 3·units]");
  sn_model_free(m);
}

static void refusals(void) {
  sn_model *m = sn_model_create_hwc(1, 4, 3, 1);
  CHECK(add_rnn(m, &(rnn_spec){LSTM, 0, TANH, SIG, 0, 0, 1, 0, 0, 1}) < 0, "no units");
  CHECK(add_rnn(m, &(rnn_spec){GRU, 3, SN_ACT_COUNT, SIG, 0, 0, 1, 0, 0, 1}) < 0, "unknown activation");
  CHECK(add_rnn(m, &(rnn_spec){GRU, 3, TANH, -1, 0, 0, 1, 0, 0, 1}) < 0, "unknown gate activation");
  CHECK(add_rnn(m, &(rnn_spec){LSTM, 3, TANH, SN_ACT_HARD_SIGMOID, 0, -1.0f, 1, 0, 0, 1}) < 0, "a negative hardSigmoid slope");
  CHECK(add_rnn(m, &(rnn_spec){S_RNN, 3, SN_ACT_LEAKY_RELU, 0, 2.0f, 0, 1, 0, 0, 0}) < 0, "leaky relu's alpha above 1");
  CHECK(add_rnn(m, &(rnn_spec){LSTM, 1 << 14, TANH, SIG, 0, 0, 1, 0, 0, 1}) < 0, "a recurrent kernel past SN_MAX_PARAMS");
  CHECK(m->n_layers == 0, "nothing was added");
  sn_model_free(m);
  m = sn_model_create_hwc(2, 4, 3, 1);
  CHECK(add_rnn(m, &(rnn_spec){S_RNN, 3, TANH, 0, 0, 0, 1, 0, 0, 0}) < 0, "an input that is not [steps, features]");
  sn_model_free(m);
}

/* ---- the orthogonal initializer ------------------------------------------------------ */

static void orthogonal_case(int rows, int cols, float gain) {
  sn_rng r;
  sn_rng_seed(&r, 3);
  float *w = malloc((size_t)rows * cols * sizeof(float));
  CHECK(sn_init_fill(SN_INIT_ORTHOGONAL, gain, 0, rows, cols, cols, &r, w, rows * cols), "orthogonal fills");
  /* The k = min(rows, cols) orthonormal vectors: the columns when rows ≥ cols, else the rows. */
  const int tall = rows >= cols, k = tall ? cols : rows, L = tall ? rows : cols;
  double worst = 0.0;
  for (int a = 0; a < k; a++)
    for (int b = 0; b < k; b++) {
      double dot = 0.0;
      for (int e = 0; e < L; e++) dot += (double)(tall ? w[e * cols + a] : w[a * cols + e]) * (tall ? w[e * cols + b] : w[b * cols + e]);
      double want = a == b ? (double)gain * gain : 0.0;
      if (fabs(dot - want) > worst) worst = fabs(dot - want);
    }
  CHECK(worst < 1e-5 * gain * gain, "orthogonal %d×%d, gain %g: QᵀQ = gain²·I within %.3g", rows, cols, gain, worst);
  free(w);
}

static void orthogonal(void) {
  orthogonal_case(7, 7, 1.0f);
  orthogonal_case(9, 4, 1.0f);
  orthogonal_case(3, 12, 2.5f);
  orthogonal_case(32, 128, 1.0f);
  orthogonal_case(1, 5, 1.0f);
  sn_rng a, b;
  sn_rng_seed(&a, 3), sn_rng_seed(&b, 3);
  float w1[12], w2[12];
  sn_init_fill(SN_INIT_ORTHOGONAL, 1.0f, 0, 3, 4, 4, &a, w1, 12);
  sn_init_fill(SN_INIT_ORTHOGONAL, 1.0f, 0, 3, 4, 4, &b, w2, 12);
  CHECK(memcmp(w1, w2, sizeof w1) == 0, "the same seed, the same matrix");
}

int main(void) {
  test_kernels();
  forwards();
  layer_gradients();
  stacked_gradients();
  dropout();
  determinism();
  layouts();
  forget_bias();
  refusals();
  orthogonal();
  return check_summary();
}
