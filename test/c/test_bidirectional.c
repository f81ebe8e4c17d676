/* Bidirectional (layer_bidirectional.c), initial and returned states, and
 * recurrent dropout (rnn.c, rnn_gates.c, layer_rnn.c, layer_slice.c)
 * natively, so the sanitizers see every path:
 *   - forward passes against Keras 3's equations in double (rnn_reference.h):
 *     initial states in and final states out of every kind; every merge mode of
 *     Bidirectional with return_sequences, return_state and initial states;
 *     a training pass under recurrent (and input) dropout with its masks, which
 *     are one per gate, sample and sequence, and inference unaffected by them;
 *   - gradients against central differences (gradcheck.h) with the masks held,
 *     through initial states made by other layers and returned states read by
 *     slices, on odd sizes;
 *   - the same bits with the passes split in 1, 2 and 3 parts (threads);
 *   - what is refused: wrong initial states, return_state on a node that is
 *     read, bad merge modes and inner kinds, slices past their input. */
#include "buffers.h"
#include "check.h"
#include "init.h"
#include "kernels.h"
#include "model.h"
#include "threads.h"
#include "gradcheck.h"
#include "layer_models.h"
#include "rnn_reference.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define S_RNN SN_LAYER_SIMPLE_RNN
#define LSTM SN_LAYER_LSTM
#define GRU SN_LAYER_GRU
#define TANH SN_ACT_TANH
#define SIG SN_ACT_SIGMOID

/* A recurrent layer of `kind` (option: forget bias, reset_after) on the values given by sn_model_set_inputs (or the last). */
static int add_rnn(sn_model *m, int kind, int units, int option, int sequences, int backwards) {
  if (kind == S_RNN) return sn_model_add_simple_rnn(m, units, TANH, 0, 1, sequences, backwards);
  if (kind == LSTM) return sn_model_add_lstm(m, units, TANH, 0, SIG, 0, 1, option, sequences, backwards);
  return sn_model_add_gru(m, units, TANH, 0, SIG, 0, 1, option, sequences, backwards);
}

static int add_bidir(sn_model *m, int kind, int units, int option, int sequences, int merge) {
  return sn_model_add_bidirectional(m, kind, units, TANH, 0, SIG, 0, 1, option, sequences, merge);
}

static int states_of(int kind) { return kind == LSTM ? 2 : 1; }

/* Every bias of node l drawn in ±0.5 (Keras' zeros would hide the bias paths). */
static void random_biases(sn_model *m, int l) {
  sn_model_set_initializer(m, l, SN_RECURRENT_BIAS, SN_INIT_RANDOM_UNIFORM, -0.5f, 0.5f);
  sn_model_set_initializer(m, l, SN_BACKWARD_SLOTS + SN_RECURRENT_BIAS, SN_INIT_RANDOM_UNIFORM, -0.5f, 0.5f);
}

/* ---- forward against Keras' equations --------------------------------------------- */

/* What direction d of node l computes for sample r (initial states from s0, in the node's input order: h, c per
 * direction; NULL: zeros; masks: from the node in training): its output in processing order and its final states. */
static void run_direction(const sn_layer *l, int d, int r, int rows, int training, const float *x, const float *s0, double *out, double *h,
                          double *c) {
  ref_cell p = ref_of(l, d);
  const int U = l->units, k = ref_gates(p.kind), n = states_of(p.kind);
  const long in_mask = (p.gate_masks ? k : 1) * (long)l->in.c;
  if (training && l->rate > 0.0f) p.D = l->mask + ((long)d * rows + r) * in_mask;
  if (training && l->recurrent_rate > 0.0f) p.M = l->rmask + ((long)d * rows + r) * k * U;
  for (int j = 0; j < U; j++) {
    h[j] = s0 ? s0[d * n * U + j] : 0.0;
    c[j] = s0 && n == 2 ? s0[d * n * U + U + j] : 0.0;
  }
  ref_run(&p, x + (long)r * l->in.w * l->in.c, h, c, out);
}

/* Node l's value for every row, as Keras computes it: a recurrent layer's output (and states), a
 * bidirectional's merge (and states) — laid out as the node lays them out. s0: rows of initial states. */
static void keras_value(const sn_layer *l, int rows, int training, const float *x, const float *s0, int s0_ld, double *want) {
  const int U = l->units, S = l->in.w, bidir = l->kind == SN_LAYER_BIDIRECTIONAL, n = states_of(bidir ? l->inner : l->kind);
  const int steps = l->sequences ? S : 1, out = steps * U, width = (int)sn_shape_size(l->out);
  double *o[2], *h[2], *c[2];
  for (int d = 0; d < 2; d++) o[d] = malloc((size_t)S * U * sizeof(double)), h[d] = malloc((size_t)U * sizeof(double)), c[d] = malloc((size_t)U * sizeof(double));
  for (int r = 0; r < rows; r++) {
    double *w = want + (long)r * width;
    for (int d = 0; d < 1 + bidir; d++) run_direction(l, d, r, rows, training, x, s0 ? s0 + (long)r * s0_ld : NULL, o[d], h[d], c[d]);
    int col = 0;
    if (!bidir) {
      memcpy(w, o[0] + (l->sequences ? 0 : (long)(S - 1) * U), (size_t)out * sizeof(double));
      col = out;
    } else {
      for (int s = 0; s < steps; s++) {
        const double *a = o[0] + (l->sequences ? s : S - 1) * (long)U, *b = o[1] + (l->sequences ? S - 1 - s : S - 1) * (long)U;
        for (int j = 0; j < U; j++) {
          switch (l->merge) {
          case SN_BIDIRECTIONAL_CONCAT: w[2 * s * U + j] = a[j], w[(2 * s + 1) * U + j] = b[j]; break;
          case SN_BIDIRECTIONAL_NONE: w[s * U + j] = a[j], w[out + s * U + j] = b[j]; break;
          case SN_BIDIRECTIONAL_SUM: w[s * U + j] = a[j] + b[j]; break;
          case SN_BIDIRECTIONAL_MUL: w[s * U + j] = a[j] * b[j]; break;
          default: w[s * U + j] = (a[j] + b[j]) / 2;
          }
        }
      }
      col = l->merge == SN_BIDIRECTIONAL_CONCAT || l->merge == SN_BIDIRECTIONAL_NONE ? 2 * out : out;
    }
    if (!l->return_state) continue;
    for (int d = 0; d < 1 + bidir; d++) {
      memcpy(w + col, h[d], (size_t)U * sizeof(double)), col += U;
      if (n == 2) memcpy(w + col, c[d], (size_t)U * sizeof(double)), col += U;
    }
  }
  for (int d = 0; d < 2; d++) free(o[d]), free(h[d]), free(c[d]);
}

typedef struct {
  int bidir, kind, option, units, steps, features, sequences, backwards, merge, return_state, initial;
  const char *what;
} case_spec;

/* The model of a case: x (and each initial state as a model input), the node, its value the output. */
static sn_model *case_model(const case_spec *c, int *node) {
  const int n = states_of(c->kind) * (c->bidir ? 2 : 1);
  sn_model *m = sn_model_create_graph(13);
  int ins[9];
  ins[0] = sn_model_add_input(m, 1, c->steps, c->features);
  for (int i = 0; i < n && c->initial; i++) ins[1 + i] = sn_model_add_input(m, 1, 1, c->units);
  CHECK(sn_model_set_inputs(m, ins, c->initial ? 1 + n : 1), "%s: inputs", c->what);
  *node = c->bidir ? add_bidir(m, c->kind, c->units, c->option, c->sequences, c->merge)
                   : add_rnn(m, c->kind, c->units, c->option, c->sequences, c->backwards);
  CHECK(*node >= 0, "%s: added", c->what);
  if (c->return_state) CHECK(sn_model_set_return_state(m, *node, 1), "%s: return_state", c->what);
  random_biases(m, *node);
  return m;
}

static void forward_case(const case_spec *c) {
  enum { ROWS = 5 };
  int node;
  sn_model *m = case_model(c, &node);
  CHECK(sn_model_build(m), "%s: build", c->what);
  const int in = m->input_dim, out = sn_model_output_dim(m), xw = c->steps * c->features;
  float *xs = malloc((size_t)ROWS * in * sizeof(float)), *y = malloc((size_t)ROWS * out * sizeof(float));
  float *x = malloc((size_t)ROWS * xw * sizeof(float));
  double *want = malloc((size_t)ROWS * out * sizeof(double));
  fill(xs, (long)ROWS * in, 9, -1.5f, 1.5f);
  for (int r = 0; r < ROWS; r++) memcpy(x + (long)r * xw, xs + (long)r * in, (size_t)xw * sizeof(float));
  CHECK(sn_model_predict(m, xs, ROWS, 2, y), "%s: predict", c->what);
  keras_value(&m->layers[node], ROWS, 0, x, c->initial ? xs + xw : NULL, in, want);
  check_array(c->what, y, want, NULL, (long)ROWS * out, 1e-5, 1e-6);
  free(xs), free(y), free(x), free(want);
  sn_model_free(m);
}

static void forwards(void) {
  static const case_spec CASES[] = {
      {0, S_RNN, 0, 3, 4, 2, 1, 0, 0, 1, 1, "SimpleRNN from a state, sequences, returning it"},
      {0, LSTM, 1, 5, 3, 3, 0, 1, 0, 1, 1, "LSTM from h0 and c0, backwards, returning h and c"},
      {0, LSTM, 0, 2, 1, 4, 1, 0, 0, 1, 0, "LSTM returning its states, 1 step"},
      {0, GRU, 1, 4, 4, 3, 1, 1, 0, 0, 1, "GRU reset_after from a state, sequences, backwards"},
      {0, GRU, 0, 3, 5, 2, 0, 0, 0, 1, 1, "GRU reset before from a state, returning it"},
      {1, LSTM, 1, 3, 4, 2, 1, 0, SN_BIDIRECTIONAL_CONCAT, 0, 0, "Bidirectional LSTM concat, sequences"},
      {1, GRU, 0, 5, 3, 3, 1, 0, SN_BIDIRECTIONAL_SUM, 1, 1, "Bidirectional GRU reset before sum, sequences, states in and out"},
      {1, GRU, 1, 2, 4, 1, 0, 0, SN_BIDIRECTIONAL_AVE, 0, 0, "Bidirectional GRU ave"},
      {1, S_RNN, 0, 4, 5, 3, 1, 0, SN_BIDIRECTIONAL_MUL, 1, 0, "Bidirectional SimpleRNN mul, sequences, returning states"},
      {1, LSTM, 1, 3, 3, 2, 1, 0, SN_BIDIRECTIONAL_NONE, 1, 1, "Bidirectional LSTM without merge, sequences, states in and out"},
      {1, LSTM, 1, 1, 2, 5, 0, 0, SN_BIDIRECTIONAL_CONCAT, 1, 1, "Bidirectional LSTM concat, 1 unit, states in and out"},
  };
  for (unsigned i = 0; i < sizeof CASES / sizeof *CASES; i++) forward_case(&CASES[i]);
}

/* ---- recurrent dropout ------------------------------------------------------------------ */

/* A training pass under input and recurrent dropout is Keras' cell with the drawn masks (one per gate: the
 * input's too); the masks are 0 or 1/(1 − rate), differ between gates, and inference ignores them. */
static void dropout_case(const case_spec *c, float rate, float recurrent_rate) {
  enum { ROWS = 6 };
  int node, plain_node;
  sn_model *m = case_model(c, &node), *plain = case_model(c, &plain_node);
  CHECK(sn_model_set_input_dropout(m, node, rate, 1, 21) && sn_model_set_recurrent_dropout(m, node, recurrent_rate, 1, 21), "%s: dropout", c->what);
  finish(m), finish(plain);
  const int in = m->input_dim, xw = c->steps * c->features, width = (int)sn_shape_size(m->layers[node].out);
  float *xs = malloc((size_t)ROWS * in * sizeof(float)), *x = malloc((size_t)ROWS * xw * sizeof(float)), t[ROWS * CLASSES];
  double *want = malloc((size_t)ROWS * width * sizeof(double)), loss;
  fill(xs, (long)ROWS * in, 4, -1.5f, 1.5f);
  for (int r = 0; r < ROWS; r++) memcpy(x + (long)r * xw, xs + (long)r * in, (size_t)xw * sizeof(float));
  one_hot(t, ROWS);
  CHECK(sn_model_compute_gradients(m, xs, t, ROWS, &loss), "%s: a training pass", c->what);
  const sn_layer *l = &m->layers[node];
  keras_value(l, ROWS, 1, x, c->initial ? xs + xw : NULL, in, want);
  check_array(c->what, l->z, want, NULL, (long)ROWS * width, 1e-5, 1e-6);
  const int k = ref_gates(c->kind), dirs = c->bidir ? 2 : 1;
  const long rn = (long)dirs * ROWS * k * c->units;
  int zeros = 0, valued = 1, differ = 0;
  for (long i = 0; i < rn; i++) {
    zeros += l->rmask[i] == 0.0f;
    valued &= l->rmask[i] == 0.0f || fabsf(l->rmask[i] - 1.0f / (1.0f - recurrent_rate)) < 1e-6f;
    differ |= k > 1 && l->rmask[i] != l->rmask[i % c->units + (i / (k * c->units)) * k * c->units];
  }
  CHECK(valued && zeros > 0 && zeros < rn, "%s: recurrent masks are 0 or 1/(1 − rate): %d zeros of %ld", c->what, zeros, rn);
  CHECK(k == 1 || differ, "%s: each gate has a mask of its own", c->what);
  float *y1 = malloc((size_t)ROWS * CLASSES * sizeof(float)), *y2 = malloc((size_t)ROWS * CLASSES * sizeof(float));
  CHECK(sn_model_predict(m, xs, ROWS, ROWS, y1) && sn_model_predict(plain, xs, ROWS, 4, y2) && !memcmp(y1, y2, (size_t)ROWS * CLASSES * sizeof(float)),
        "%s: inference does not drop", c->what);
  free(xs), free(x), free(want), free(y1), free(y2);
  sn_model_free(m), sn_model_free(plain);
}

static void dropouts(void) {
  static const case_spec CASES[] = {
      {0, S_RNN, 0, 5, 4, 3, 1, 0, 0, 1, 1, "SimpleRNN, recurrent dropout, from a state"},
      {0, LSTM, 1, 7, 5, 3, 1, 1, 0, 1, 0, "LSTM, recurrent dropout, backwards"},
      {0, GRU, 1, 6, 4, 5, 0, 0, 0, 1, 1, "GRU reset_after, recurrent dropout, from a state"},
      {0, GRU, 0, 5, 5, 2, 1, 0, 0, 0, 0, "GRU reset before, recurrent dropout"},
      {1, LSTM, 1, 4, 4, 3, 1, 0, SN_BIDIRECTIONAL_CONCAT, 1, 1, "Bidirectional LSTM, recurrent dropout, states in and out"},
  };
  for (unsigned i = 0; i < sizeof CASES / sizeof *CASES; i++) dropout_case(&CASES[i], i % 2 ? 0.0f : 0.3f, 0.4f);
}

/* ---- gradients ------------------------------------------------------------------------------ */

/* x and a second input y; the node reads x and, with initial states, dense(y) for each; with return_state, its
 * value's parts are sliced out and concatenated again (every part's gradient flows back through a slice). */
static sn_model *gradient_model(const case_spec *c, float rate, float recurrent_rate) {
  const int n = states_of(c->kind) * (c->bidir ? 2 : 1);
  sn_model *m = sn_model_create_graph(17);
  int x = sn_model_add_input(m, 1, c->steps, c->features), y = sn_model_add_input(m, 1, 1, 3), ins[9] = {x};
  for (int i = 0; i < n && c->initial; i++) {
    sn_model_set_inputs(m, &y, 1);
    ins[1 + i] = sn_model_node_value(m, sn_model_add_dense(m, c->units, TANH, 0, 1));
  }
  sn_model_set_inputs(m, ins, c->initial ? 1 + n : 1);
  int node = c->bidir ? add_bidir(m, c->kind, c->units, c->option, c->sequences, c->merge)
                      : add_rnn(m, c->kind, c->units, c->option, c->sequences, c->backwards);
  CHECK(node >= 0, "%s: added", c->what);
  if (rate > 0.0f) sn_model_set_input_dropout(m, node, rate, 0, 0);
  if (recurrent_rate > 0.0f) sn_model_set_recurrent_dropout(m, node, recurrent_rate, 0, 0);
  if (c->return_state) {
    CHECK(sn_model_set_return_state(m, node, 1), "%s: return_state", c->what);
    const int width = (int)sn_shape_size(m->layers[node].out), v = sn_model_node_value(m, node), parts[2] = {c->units, width - c->units};
    int sliced[2];
    for (int p = 0; p < 2; p++) {
      sn_model_set_inputs(m, &v, 1);
      sliced[p] = sn_model_node_value(m, sn_model_add_slice(m, p ? parts[0] : 0, 1, 1, parts[p]));
    }
    CHECK(sn_model_set_inputs(m, (int[]){sliced[1], sliced[0]}, 2) && sn_model_add_concatenate(m) >= 0, "%s: the parts", c->what);
  }
  sn_model_set_initializer(m, node, SN_BACKWARD_SLOTS + SN_RECURRENT_BIAS, SN_INIT_RANDOM_UNIFORM, -0.3f, 0.3f);
  return finish(m);
}

static void gradients(void) {
  static const struct {
    case_spec c;
    float rate, recurrent_rate;
  } CASES[] = {
      {{0, S_RNN, 0, 3, 4, 3, 1, 0, 0, 1, 1, "SimpleRNN, recurrent dropout, from a dense state, returning it"}, 0.0f, 0.3f},
      {{0, LSTM, 1, 5, 3, 2, 1, 1, 0, 1, 1, "LSTM, both dropouts, from dense states, returning them"}, 0.2f, 0.3f},
      {{0, LSTM, 0, 3, 1, 4, 0, 0, 0, 1, 1, "LSTM 1 step from dense states, returning them"}, 0.0f, 0.0f},
      {{0, GRU, 1, 5, 4, 3, 0, 1, 0, 1, 1, "GRU reset_after, both dropouts, from a dense state, returning it"}, 0.3f, 0.4f},
      {{0, GRU, 0, 3, 4, 3, 1, 0, 0, 1, 1, "GRU reset before, recurrent dropout, from a dense state, returning it"}, 0.0f, 0.3f},
      {{0, GRU, 0, 7, 3, 2, 0, 1, 0, 0, 0, "GRU reset before, both dropouts, backwards"}, 0.3f, 0.3f},
      {{1, LSTM, 1, 3, 4, 2, 1, 0, SN_BIDIRECTIONAL_CONCAT, 0, 0, "Bidirectional LSTM concat, sequences"}, 0.0f, 0.0f},
      {{1, GRU, 0, 3, 3, 3, 1, 0, SN_BIDIRECTIONAL_SUM, 1, 1, "Bidirectional GRU reset before sum, states in and out"}, 0.0f, 0.0f},
      {{1, GRU, 1, 5, 3, 2, 0, 0, SN_BIDIRECTIONAL_MUL, 0, 1, "Bidirectional GRU mul, from dense states"}, 0.2f, 0.3f},
      {{1, S_RNN, 0, 3, 5, 3, 1, 0, SN_BIDIRECTIONAL_AVE, 1, 0, "Bidirectional SimpleRNN ave, sequences, returning states"}, 0.0f, 0.4f},
      {{1, LSTM, 1, 3, 3, 1, 1, 0, SN_BIDIRECTIONAL_NONE, 1, 1, "Bidirectional LSTM without merge, states in and out"}, 0.3f, 0.3f},
  };
  for (unsigned i = 0; i < sizeof CASES / sizeof *CASES; i++)
    row_gradients(gradient_model(&CASES[i].c, CASES[i].rate, CASES[i].recurrent_rate), 4, CASES[i].c.what);
}

/* Keras' mask on the steps with returned states: masked steps carry the states, a Bidirectional's masked
 * steps output zeros (Keras' zero_output_for_mask), and the final states' gradients reach them all the same. */
static void masked_states_gradients(void) {
  enum { ROWS = 4, S = 5, F = 3 };
  static const int VALID[ROWS][2] = {{0, 5}, {1, 4}, {0, 2}, {2, 5}};
  for (int bidir = 0; bidir < 2; bidir++) {
    sn_model *m = sn_model_create_hwc(1, S, F, 23);
    CHECK(sn_model_add_masking(m, 0.0f) == 0, "masking");
    int node = bidir ? add_bidir(m, LSTM, 3, 1, 1, SN_BIDIRECTIONAL_CONCAT) : add_rnn(m, LSTM, 3, 1, 1, 1);
    CHECK(node == 1 && (bidir || sn_model_set_zero_output(m, node, 1)) && sn_model_set_return_state(m, node, 1), "the recurrent node");
    const int width = (int)sn_shape_size(m->layers[node].out), v = sn_model_node_value(m, node), out = bidir ? 2 * S * 3 : S * 3;
    sn_model_set_inputs(m, &v, 1);
    int states = sn_model_node_value(m, sn_model_add_slice(m, out, 1, 1, width - out));
    sn_model_set_inputs(m, &v, 1);
    int steps = sn_model_node_value(m, sn_model_add_slice(m, 0, 1, 1, out));
    CHECK(sn_model_set_inputs(m, (int[]){states, steps}, 2) && sn_model_add_concatenate(m) >= 0, "the parts");
    sn_model_set_initializer(m, node, SN_BACKWARD_SLOTS + SN_RECURRENT_BIAS, SN_INIT_RANDOM_UNIFORM, -0.3f, 0.3f);
    finish(m);
    float x[ROWS * S * F], t[ROWS * CLASSES];
    fill(x, ROWS * S * F, 6, -1, 1);
    for (int r = 0; r < ROWS; r++)
      for (int s = 0; s < S; s++)
        if (s < VALID[r][0] || s >= VALID[r][1]) memset(x + ((long)r * S + s) * F, 0, F * sizeof(float));
    one_hot(t, ROWS);
    check_model_gradients(m, x, t, ROWS, bidir ? "masked steps, Bidirectional LSTM returning its states" : "masked steps, LSTM with zero output returning its states");
    sn_model_free(m);
  }
}

/* ---- bits under thread splits ------------------------------------------------------------------ */

static unsigned train_bits(int parts) {
  enum { N = 19 };
  sn_threads_split_for_tests(parts);
  sn_model *m = gradient_model(&(case_spec){1, LSTM, 1, 7, 5, 4, 1, 0, SN_BIDIRECTIONAL_CONCAT, 1, 1, "threads"}, 0.2f, 0.3f);
  float *x = malloc((size_t)N * m->input_dim * sizeof(float)), t[N * CLASSES];
  fill(x, (long)N * m->input_dim, 8, -1, 1);
  one_hot(t, N);
  for (int e = 0; e < 2; e++) sn_model_fit_epoch(m, x, t, N, 6, 1, x, t, 7, (double[SN_SUM_COUNT]){0});
  unsigned h = params_hash(m);
  free(x);
  sn_model_free(m);
  sn_threads_split_for_tests(1);
  return h;
}

static void determinism(void) {
  unsigned one = train_bits(1);
  CHECK(train_bits(2) == one && train_bits(3) == one, "a bidirectional LSTM with recurrent dropout and states trains to the same bits split in 1, 2, 3 parts");
}

/* ---- refusals ------------------------------------------------------------------------------------ */

static void refusals(void) {
  sn_model *m = sn_model_create_graph(1);
  int x = sn_model_add_input(m, 1, 4, 3), h = sn_model_add_input(m, 1, 1, 5), h3 = sn_model_add_input(m, 1, 1, 3);
  sn_model_set_inputs(m, (int[]){x, h}, 2);
  CHECK(add_rnn(m, LSTM, 5, 1, 0, 0) < 0, "an LSTM given one state of two");
  sn_model_set_inputs(m, (int[]){x, h3}, 2);
  CHECK(add_rnn(m, GRU, 5, 1, 0, 0) < 0, "a state of the wrong size");
  sn_model_set_inputs(m, (int[]){x, h, h}, 3);
  CHECK(add_bidir(m, LSTM, 5, 1, 0, SN_BIDIRECTIONAL_SUM) < 0, "a bidirectional LSTM given two states of four");
  CHECK(add_bidir(m, SN_LAYER_DENSE, 5, 1, 0, SN_BIDIRECTIONAL_SUM) < 0, "a bidirectional dense layer");
  sn_model_set_inputs(m, &x, 1);
  CHECK(add_bidir(m, GRU, 5, 1, 0, SN_BIDIRECTIONAL_MERGE_COUNT) < 0, "an unknown merge mode");
  CHECK(m->n_layers == 0, "nothing was added");
  sn_model_set_inputs(m, &x, 1);
  int a = add_rnn(m, GRU, 5, 1, 1, 0);
  CHECK(sn_model_add_dense_axis(m, 2, 0, 0, 1, 1) >= 0, "a reader");
  CHECK(!sn_model_set_return_state(m, a, 1), "return_state on a node that is read");
  CHECK(!sn_model_set_return_state(m, 1, 1), "return_state on a dense layer");
  CHECK(sn_model_add_slice(m, 5, 1, 1, 6) < 0 && sn_model_add_slice(m, -1, 1, 1, 2) < 0, "a slice past its input");
  CHECK(!sn_model_set_recurrent_dropout(m, a, 1.0f, 0, 0), "a recurrent dropout rate of 1");
  sn_model_free(m);
}

int main(void) {
  forwards();
  dropouts();
  gradients();
  masked_states_gradients();
  determinism();
  refusals();
  return check_summary();
}
