/* Keras' Bidirectional wrapper around SimpleRNN, LSTM or GRU
 * (keras/src/layers/rnn/bidirectional.py): one node holding two recurrent
 * layers of the same settings, a forward one and a backward one that reads
 * the steps in reverse (go_backwards), each with its own weights (slots 0–2
 * and 3–5, in Keras' get_weights order: the forward layer's, then the
 * backward one's), buffers and dropout masks (layer_rnn.h). rnn.c runs each
 * direction's pass; here their outputs merge. With return_sequences the
 * backward output, in the order its steps were processed, is turned back into
 * the input's order first (Keras' ops.flip(y_rev, axis=1)); then, per step,
 *
 *   concat  [y | y_rev]        sum  y + y_rev       mul  y · y_rev
 *   ave     (y + y_rev) / 2    none both, side by side in the value: [y | y_rev]
 *
 * The value is [merged output | states] in each row with return_state
 * (states: the forward layer's h (c), then the backward one's, Keras' order)
 * or merge none (two outputs), read by slice nodes; otherwise the merged
 * output with its shape. Initial states are extra inputs: x, then the forward
 * layer's states, then the backward one's (Keras' first and second half). */
#include "api.h"
#include "layer_rnn.h"
#include "threads.h"
#include <string.h>

SN_API int sn_model_add_bidirectional(sn_model *m, int inner, int units, int act, float alpha, int gate_act, float gate_alpha, int use_bias,
                                      int option, int sequences, int merge) {
  if (inner != SN_LAYER_SIMPLE_RNN && inner != SN_LAYER_LSTM && inner != SN_LAYER_GRU) return -1;
  sn_layer *l = sn_rnn_begin(m, SN_LAYER_BIDIRECTIONAL, inner, units, act, alpha, gate_act, gate_alpha, use_bias, option, sequences, 0);
  if (!l) return -1;
  l->merge = merge;
  return sn_model_end_layer(m, merge >= 0 && merge < SN_BIDIRECTIONAL_MERGE_COUNT);
}

/* Floats per row of the merged output (both outputs, for none). */
static int merged_size(const sn_layer *l) {
  const int out = sn_rnn_output_size(l);
  return l->merge == SN_BIDIRECTIONAL_CONCAT || l->merge == SN_BIDIRECTIONAL_NONE ? 2 * out : out;
}

static int setup(const sn_model *m, sn_layer *l) {
  if (!sn_rnn_setup(m, l)) return 0;
  const int u = l->units, steps = l->sequences ? l->in.w : 1;
  if (l->return_state || l->merge == SN_BIDIRECTIONAL_NONE)
    l->out = (sn_shape){1, 1, merged_size(l) + (l->return_state ? 2 * sn_rnn_states(l) * u : 0)};
  else
    l->out = (sn_shape){1, steps, l->merge == SN_BIDIRECTIONAL_CONCAT ? 2 * u : u};
  return 1;
}

/* The merge over rows: each row's steps (one without return_sequences) of units from y (forward) and yb
 * (backward, processing order: its step S − 1 − s is step s), into z's rows of ld floats; backward, dz's into
 * dy and dyb (in their own orders). */
typedef struct {
  int merge, steps, units, out, ld;
  const float *y, *yb, *dz;
  float *z, *dy, *dyb;
} merge_pass;

static void merge_rows(const void *arg, int r0, int r1) {
  const merge_pass *p = arg;
  const int U = p->units, S = p->steps;
  for (long i = r0; i < r1; i++)
    for (int s = 0; s < S; s++) {
      const float *a = p->y + i * p->out + (long)s * U, *b = p->yb + i * p->out + (long)(S - 1 - s) * U;
      float *z = p->z + i * p->ld;
      switch (p->merge) {
      case SN_BIDIRECTIONAL_CONCAT:
        memcpy(z + 2L * s * U, a, (size_t)U * sizeof(float));
        memcpy(z + (2L * s + 1) * U, b, (size_t)U * sizeof(float));
        break;
      case SN_BIDIRECTIONAL_NONE:
        memcpy(z + (long)s * U, a, (size_t)U * sizeof(float));
        memcpy(z + p->out + (long)s * U, b, (size_t)U * sizeof(float));
        break;
      case SN_BIDIRECTIONAL_SUM:
        for (int j = 0; j < U; j++) z[s * U + j] = a[j] + b[j];
        break;
      case SN_BIDIRECTIONAL_MUL:
        for (int j = 0; j < U; j++) z[s * U + j] = a[j] * b[j];
        break;
      default: /* ave */
        for (int j = 0; j < U; j++) z[s * U + j] = (a[j] + b[j]) / 2;
      }
    }
}

static void unmerge_rows(const void *arg, int r0, int r1) {
  const merge_pass *p = arg;
  const int U = p->units, S = p->steps;
  for (long i = r0; i < r1; i++)
    for (int s = 0; s < S; s++) {
      const long fs = i * p->out + (long)s * U, bs = i * p->out + (long)(S - 1 - s) * U;
      const float *dz = p->dz + i * p->ld, *a = p->y + fs, *b = p->yb + bs;
      float *da = p->dy + fs, *db = p->dyb + bs;
      switch (p->merge) {
      case SN_BIDIRECTIONAL_CONCAT:
        memcpy(da, dz + 2L * s * U, (size_t)U * sizeof(float));
        memcpy(db, dz + (2L * s + 1) * U, (size_t)U * sizeof(float));
        break;
      case SN_BIDIRECTIONAL_NONE:
        memcpy(da, dz + (long)s * U, (size_t)U * sizeof(float));
        memcpy(db, dz + p->out + (long)s * U, (size_t)U * sizeof(float));
        break;
      case SN_BIDIRECTIONAL_SUM:
        memcpy(da, dz + (long)s * U, (size_t)U * sizeof(float));
        memcpy(db, dz + (long)s * U, (size_t)U * sizeof(float));
        break;
      case SN_BIDIRECTIONAL_MUL:
        for (int j = 0; j < U; j++) da[j] = dz[s * U + j] * b[j], db[j] = dz[s * U + j] * a[j];
        break;
      default: /* ave */
        for (int j = 0; j < U; j++) da[j] = db[j] = dz[s * U + j] / 2;
      }
    }
}

static merge_pass merging(const sn_layer *l) {
  return (merge_pass){.merge = l->merge, .steps = l->sequences ? l->in.w : 1, .units = l->units, .out = sn_rnn_output_size(l), .ld = (int)sn_shape_size(l->out)};
}

/* Direction d's pass with its initial states (xs: x, the forward states, the backward ones). */
static sn_rnn pass(const sn_model *m, const sn_layer *l, int d, int rows, const float *const *xs) {
  sn_rnn r = sn_rnn_direction(m, l, d, rows);
  const int n = sn_rnn_states(l), first = 1 + d * n;
  if (l->n_in > 1) r.h0 = xs[first], r.c0 = n == 2 ? xs[first + 1] : NULL;
  return r;
}

static void forward(sn_model *m, sn_layer *l, int rows, const float *const *xs) {
  merge_pass p = merging(l);
  const float *y[2];
  for (int d = 0; d < 2; d++) {
    sn_rnn r = pass(m, l, d, rows, xs);
    sn_rnn_weights w = sn_rnn_weights_of(l, d);
    y[d] = sn_rnn_forward(&r, &w, sn_rnn_buffer(l, d, rows), rows, xs[0]);
  }
  p.y = y[0], p.yb = y[1], p.z = l->zbuf;
  sn_parallel_rows(merge_rows, &p, rows, 3LL * p.out);
  if (l->return_state)
    for (int d = 0; d < 2; d++) sn_rnn_pack_states(l, d, rows, l->zbuf, p.ld, merged_size(l) + d * sn_rnn_states(l) * l->units);
  l->z = l->zbuf;
}

static void backward(sn_model *m, sn_layer *l, int rows, const float *const *xs, const float *dz, float *const *dxs) {
  merge_pass p = merging(l);
  const int n = sn_rnn_states(l), out = p.out, u = l->units;
  /* dpart: each direction's output gradient (rows × out) and its states' (rows × 2·units), then the backward one's dx */
  float *dy[2] = {l->dpart, l->dpart + (long)rows * (out + 2 * u)}, *dx = l->dpart + 2L * rows * (out + 2 * u);
  sn_rnn r[2];
  for (int d = 0; d < 2; d++) r[d] = pass(m, l, d, rows, xs);
  p.y = sn_rnn_output(&r[0], sn_rnn_buffer(l, 0, rows), rows);
  p.yb = sn_rnn_output(&r[1], sn_rnn_buffer(l, 1, rows), rows);
  p.dz = dz, p.dy = dy[0], p.dyb = dy[1];
  sn_parallel_rows(unmerge_rows, &p, rows, 5LL * out);
  for (int d = 0; d < 2; d++) {
    if (l->return_state) sn_rnn_unpack_states(l, rows, dz, p.ld, merged_size(l) + d * n * u, dy[d] + (long)rows * out, &r[d]);
    if (l->n_in > 1) r[d].dh0 = dxs[1 + d * n], r[d].dc0 = n == 2 ? dxs[2 + d * n] : NULL;
    sn_rnn_weights w = sn_rnn_weights_of(l, d);
    sn_rnn_backward(&r[d], &w, sn_rnn_buffer(l, d, rows), rows, dy[d], d && dxs[0] ? dx : d ? NULL : dxs[0]);
  }
  if (dxs[0]) sn_rnn_copy_rows(rows, (int)sn_shape_size(l->in), dx, (int)sn_shape_size(l->in), dxs[0], (int)sn_shape_size(l->in), 1);
}

const sn_layer_ops sn_bidirectional_ops = {.setup_n = setup, .reserve = sn_rnn_reserve, .forward_n = forward, .backward_n = backward,
                                           .drawn = sn_rnn_drawn, .seed = sn_rnn_seed, .draw = sn_rnn_draw};
