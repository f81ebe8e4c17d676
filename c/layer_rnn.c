/* Keras' recurrent layers SimpleRNN, LSTM and GRU (keras/src/layers/rnn/
 * simple_rnn.py, lstm.py, gru.py) on a sequence of `steps` vectors of
 * `features` (l->in = {1, steps, features}): the kinds' settings, weights and
 * buffers; the pass itself is rnn.c's, given this layer's tensors.
 *
 *   SimpleRNN  h_t = act(x_t·W + h_{t−1}·U + b)
 *   LSTM       i, f, o = ract(·), c̃ = act(·) of x_t·W + h_{t−1}·U + b (gates i f c o);
 *              c_t = f·c_{t−1} + i·c̃;  h_t = o·act(c_t)
 *   GRU        z, r = ract(x_t·W_zr + b_zr + h_{t−1}·U_zr (+ b'_zr));
 *              reset_after: hh = act(x_t·W_h + b_h + r·(h_{t−1}·U_h + b'_h)),
 *              else:        hh = act(x_t·W_h + b_h + (r·h_{t−1})·U_h);
 *              h_t = z·h_{t−1} + (1 − z)·hh
 *
 * with h_{−1} = c_{−1} = 0. Output: every h_t (return_sequences: [steps,
 * units], in the order the steps were processed — reversed with
 * go_backwards, as Keras) or the last. Weights: kernel [features, k·units],
 * recurrent_kernel [units, k·units] (orthogonal), bias [k·units] (GRU
 * reset_after: [2, 3·units], b then b'), LSTM's forget-gate part of the bias
 * ones (unit_forget_bias). The layer's own activation slot (l->act) stays
 * linear: its activations are the cell's. Keras' `dropout` (on the inputs,
 * one mask per sequence) and `recurrent_dropout` (on h_{t−1}, a mask per gate
 * and sequence, Keras 3's) are here. A Keras mask on the input
 * (sn_model_set_mask) skips the masked steps (rnn.h).
 *
 * Initial states (Keras' initial_state) are extra inputs of the node: x, then
 * h0 (and the LSTM's c0), each rows × units. return_state makes the node's
 * value [output | h | c] side by side in each row, one value holding what
 * Keras returns as several tensors: slice nodes (layer_slice.c) expose each
 * part as a value of its own, so the graph keeps one value per node. */
#include "api.h"
#include "init.h"
#include "layer_rnn.h"
#include <math.h>
#include <string.h>

int sn_rnn_kind(const sn_layer *l) { return l->kind == SN_LAYER_BIDIRECTIONAL ? l->inner : l->kind; }
static int directions(const sn_layer *l) { return l->kind == SN_LAYER_BIDIRECTIONAL ? 2 : 1; }

sn_layer *sn_rnn_begin(sn_model *m, int kind, int inner, int units, int act, float alpha, int gate_act, float gate_alpha, int use_bias,
                       int option, int sequences, int backwards) {
  sn_layer *l = sn_model_begin_layer(m, kind);
  if (!l) return NULL;
  l->inner = inner;
  l->units = units;
  l->cell_act = act;
  l->cell_ap = (sn_act_param){alpha, INFINITY, 0.0f};
  l->gate_act = gate_act;
  l->gate_ap = (sn_act_param){gate_alpha, INFINITY, 0.0f};
  l->sequences = sequences != 0;
  l->backwards = backwards != 0;
  *(inner == SN_LAYER_LSTM ? &l->forget_bias : &l->reset_after) = option != 0;
  for (int d = 0; d < directions(l); d++) {
    sn_tensor *t = l->t + 3 * d;
    t[SN_KERNEL].init = SN_INIT_GLOROT_UNIFORM;       /* Keras' defaults: glorotUniform kernel, orthogonal, zeros */
    t[SN_RECURRENT_KERNEL].init = SN_INIT_ORTHOGONAL;
    t[SN_RECURRENT_KERNEL].init_a = 1.0f;             /* gain */
    t[SN_RECURRENT_BIAS].exists = use_bias != 0;
  }
  return l;
}

SN_API int sn_model_add_simple_rnn(sn_model *m, int units, int act, float alpha, int use_bias, int sequences, int backwards) {
  sn_layer *l = sn_rnn_begin(m, SN_LAYER_SIMPLE_RNN, SN_LAYER_SIMPLE_RNN, units, act, alpha, SN_ACT_SIGMOID, 0.0f, use_bias, 0, sequences, backwards);
  return l ? sn_model_end_layer(m, 1) : -1;
}

SN_API int sn_model_add_lstm(sn_model *m, int units, int act, float alpha, int gate_act, float gate_alpha, int use_bias,
                             int forget_bias, int sequences, int backwards) {
  sn_layer *l = sn_rnn_begin(m, SN_LAYER_LSTM, SN_LAYER_LSTM, units, act, alpha, gate_act, gate_alpha, use_bias, forget_bias, sequences, backwards);
  return l ? sn_model_end_layer(m, 1) : -1;
}

SN_API int sn_model_add_gru(sn_model *m, int units, int act, float alpha, int gate_act, float gate_alpha, int use_bias,
                            int reset_after, int sequences, int backwards) {
  sn_layer *l = sn_rnn_begin(m, SN_LAYER_GRU, SN_LAYER_GRU, units, act, alpha, gate_act, gate_alpha, use_bias, reset_after, sequences, backwards);
  return l ? sn_model_end_layer(m, 1) : -1;
}

/* Keras' `dropout` and `recurrent_dropout` of a recurrent or bidirectional node (before build): in training,
 * each sample's inputs (and h_{t−1}) are kept with probability 1 − rate (and scaled by 1/(1 − rate)) by a mask
 * for the whole sequence, drawn per batch from the node's generator (its seed, or one from the model's
 * generator). Recurrent dropout gives every gate a mask of its own, for the inputs too (Keras 3's
 * implementation 1, which its cells switch to). */
static sn_layer *recurrent_node(sn_model *m, int layer) {
  if (m->params || layer < 0 || layer >= m->n_layers) return NULL;
  sn_layer *l = &m->layers[layer];
  int kind = l->kind;
  return kind == SN_LAYER_SIMPLE_RNN || kind == SN_LAYER_LSTM || kind == SN_LAYER_GRU || kind == SN_LAYER_BIDIRECTIONAL ? l : NULL;
}

static int set_seed(sn_layer *l, int seeded, unsigned seed) {
  l->seeded = seeded != 0;
  l->seed = seed;
  return 1;
}

SN_API int sn_model_set_input_dropout(sn_model *m, int layer, float rate, int seeded, unsigned seed) {
  sn_layer *l = recurrent_node(m, layer);
  if (!l || !(rate >= 0.0f && rate < 1.0f)) return 0;
  l->rate = rate;
  return set_seed(l, seeded, seed);
}

SN_API int sn_model_set_recurrent_dropout(sn_model *m, int layer, float rate, int seeded, unsigned seed) {
  sn_layer *l = recurrent_node(m, layer);
  if (!l || !(rate >= 0.0f && rate < 1.0f)) return 0;
  l->recurrent_rate = rate;
  return set_seed(l, seeded, seed);
}

/* Keras' return_state of the node added last (nothing reads it yet): its value becomes [output | states]. */
SN_API int sn_model_set_return_state(sn_model *m, int layer, int on) {
  sn_layer *l = recurrent_node(m, layer);
  if (!l || layer != m->n_layers - 1) return 0;
  int was = l->return_state;
  l->return_state = on != 0;
  if (!sn_layer_ops_of(l->kind)->setup_n(m, l)) {
    l->return_state = was;
    sn_layer_ops_of(l->kind)->setup_n(m, l);
    return 0;
  }
  m->values[m->n_inputs + layer].shape = l->out;
  return 1;
}

/* Keras' zero_output_for_mask (before build): with return_sequences, the steps a Keras mask masks output
 * zeros rather than the previous output (what Keras' Bidirectional makes its layers do: a bidirectional node
 * always does). */
SN_API int sn_model_set_zero_output(sn_model *m, int layer, int on) {
  sn_layer *l = recurrent_node(m, layer);
  if (!l || l->kind == SN_LAYER_BIDIRECTIONAL || (on && !l->sequences)) return 0;
  l->zero_output = on != 0;
  return 1;
}

static int valid_act(int act, float alpha) { return act >= 0 && act < SN_ACT_COUNT && sn_act_param_fits(act, alpha); }

int sn_rnn_states(const sn_layer *l) { return sn_rnn_kind(l) == SN_LAYER_LSTM ? 2 : 1; }
int sn_rnn_output_size(const sn_layer *l) { return (l->sequences ? l->in.w : 1) * l->units; }
/* Floats per sample of a direction's input dropout mask: a mask per gate under recurrent dropout. */
static int64_t input_mask_size(const sn_layer *l) {
  return (l->recurrent_rate > 0.0f ? sn_rnn_gates(sn_rnn_kind(l)) : 1) * (int64_t)l->in.c;
}
static int64_t recurrent_mask_size(const sn_layer *l) { return (int64_t)sn_rnn_gates(sn_rnn_kind(l)) * l->units; }

/* Direction d's kernel, recurrent_kernel and bias from slot 3·d. */
static int direction_tensors(sn_layer *l, int d) {
  static const char *const names[2][3] = {{"kernel", "recurrent_kernel", "bias"}, {"backward/kernel", "backward/recurrent_kernel", "backward/bias"}};
  static const char *const forward[3] = {"forward/kernel", "forward/recurrent_kernel", "forward/bias"};
  const char *const *name = l->kind == SN_LAYER_BIDIRECTIONAL && !d ? forward : names[d];
  const int features = l->in.c, u = l->units;
  const int64_t k = (int64_t)sn_rnn_gates(sn_rnn_kind(l)) * u;
  if (k * features > SN_MAX_PARAMS || k * u > SN_MAX_PARAMS) return 0; /* also keeps k·units and the fans within int */
  sn_tensor *kernel = &l->t[3 * d + SN_KERNEL], *recurrent = &l->t[3 * d + SN_RECURRENT_KERNEL], *bias = &l->t[3 * d + SN_RECURRENT_BIAS];
  kernel->exists = kernel->trainable = recurrent->exists = recurrent->trainable = bias->trainable = 1;
  sn_tensor_shape(kernel, name[0], 2, (int[]){features, (int)k});
  kernel->fan_in = features, kernel->fan_out = (int)k;
  sn_tensor_shape(recurrent, name[1], 2, (int[]){u, (int)k});
  recurrent->fan_in = u, recurrent->fan_out = (int)k;
  if (sn_rnn_kind(l) == SN_LAYER_GRU && l->reset_after) sn_tensor_shape(bias, name[2], 2, (int[]){2, (int)k});
  else sn_tensor_shape(bias, name[2], 1, (int[]){(int)k});
  bias->fan_in = bias->fan_out = (int)bias->size;
  return 1;
}

int sn_rnn_setup(const sn_model *m, sn_layer *l) {
  const int u = l->units, states = directions(l) * sn_rnn_states(l);
  if (l->in.h != 1 || u < 1 || !valid_act(l->cell_act, l->cell_ap.alpha) || !valid_act(l->gate_act, l->gate_ap.alpha)) return 0;
  if (l->n_in != 1 && l->n_in != 1 + states) return 0; /* x, or x and every initial state */
  for (int i = 1; i < l->n_in; i++) {
    sn_shape s = sn_node_input(m, l, i)->shape;
    if (s.h != 1 || s.w != 1 || s.c != u) return 0;
  }
  for (int d = 0; d < directions(l); d++)
    if (!direction_tensors(l, d)) return 0;
  return 1;
}

/* A recurrent node's output: [steps, units] or [units]; with return_state [output | h (| c)] in one row. */
static int setup(const sn_model *m, sn_layer *l) {
  if (!sn_rnn_setup(m, l)) return 0;
  const int steps = l->in.w, u = l->units;
  if (l->return_state) l->out = (sn_shape){1, 1, sn_rnn_output_size(l) + sn_rnn_states(l) * u};
  else l->out = l->sequences ? (sn_shape){1, steps, u} : (sn_shape){1, 1, u};
  return 1;
}

sn_rnn sn_rnn_direction(const sn_model *m, const sn_layer *l, int d, int rows) {
  const int training = m && m->training;
  return (sn_rnn){.kind = sn_rnn_kind(l), .steps = l->in.w, .features = l->in.c,
                  .cell = {l->units, l->cell_act, l->gate_act, l->cell_ap, l->gate_ap},
                  .reset_after = l->reset_after, .backwards = l->backwards != (d == 1), .sequences = l->sequences,
                  .mask = training && l->rate > 0.0f ? l->mask + d * rows * input_mask_size(l) : NULL,
                  .rmask = training && l->recurrent_rate > 0.0f ? l->rmask + d * rows * recurrent_mask_size(l) : NULL,
                  .gate_masks = l->recurrent_rate > 0.0f,
                  .steps_mask = m ? sn_value_mask(m, sn_node_input(m, l, 0)) : NULL,
                  .zero_output = l->kind == SN_LAYER_BIDIRECTIONAL ? l->sequences : l->zero_output};
}

sn_rnn_weights sn_rnn_weights_of(const sn_layer *l, int d) {
  const sn_tensor *t = l->t + 3 * d;
  const int bias = t[SN_RECURRENT_BIAS].exists;
  return (sn_rnn_weights){t[SN_KERNEL].w, t[SN_RECURRENT_KERNEL].w, bias ? t[SN_RECURRENT_BIAS].w : NULL,
                          t[SN_KERNEL].g, t[SN_RECURRENT_KERNEL].g, bias ? t[SN_RECURRENT_BIAS].g : NULL};
}

/* Floats of one direction's pass, as sn_carve rounds them. */
static int64_t pass_floats(const sn_layer *l, int rows) {
  sn_rnn r = sn_rnn_direction(NULL, l, 0, rows);
  sn_carver c = {0};
  sn_carve(&c, sn_rnn_floats(&r, rows));
  return c.used;
}

float *sn_rnn_buffer(const sn_layer *l, int d, int rows) { return l->seq + d * pass_floats(l, rows); }

void sn_rnn_reserve(sn_layer *l, int rows, sn_carver *c) {
  const int64_t dirs = directions(l), out = sn_rnn_output_size(l);
  l->seq = sn_carve(c, dirs * pass_floats(l, rows));
  l->mask = l->rate > 0.0f ? sn_carve(c, dirs * rows * input_mask_size(l)) : NULL;
  l->rmask = l->recurrent_rate > 0.0f ? sn_carve(c, dirs * rows * recurrent_mask_size(l)) : NULL;
  const int packs = l->return_state || l->kind == SN_LAYER_BIDIRECTIONAL;
  l->zbuf = packs ? sn_carve(c, rows * sn_shape_size(l->out)) : NULL;
  /* the gradients unpacked: each direction's output, h and c (and the backward direction's dx) */
  l->dpart = packs ? sn_carve(c, dirs * rows * (out + 2 * l->units) + (dirs - 1) * rows * sn_shape_size(l->in)) : NULL;
}

/* A generator when the node drops anything: its seed, or one from the model's generator. */
void sn_rnn_seed(sn_layer *l, sn_rng *model_rng) {
  if (l->rate > 0.0f || l->recurrent_rate > 0.0f) sn_rng_seed(&l->rng, l->seeded ? l->seed : sn_rng_u32(model_rng));
}

/* Every direction's input masks, then their recurrent masks. */
void sn_rnn_draw(sn_layer *l, int rows) {
  const long dirs = directions(l);
  if (l->rate > 0.0f) sn_dropout_fill(&l->rng, l->rate, l->mask, dirs * rows * (long)input_mask_size(l));
  if (l->recurrent_rate > 0.0f) sn_dropout_fill(&l->rng, l->recurrent_rate, l->rmask, dirs * rows * (long)recurrent_mask_size(l));
}

void sn_rnn_copy_rows(int rows, int n, const float *src, int ld_src, float *dst, int ld_dst, int accumulate) {
  for (long i = 0; i < rows; i++) {
    const float *s = src + i * ld_src;
    float *t = dst + i * ld_dst;
    if (accumulate)
      for (int j = 0; j < n; j++) t[j] += s[j];
    else
      memcpy(t, s, (size_t)n * sizeof(float));
  }
}

void sn_rnn_pack_states(const sn_layer *l, int d, int rows, float *z, int ld, int col) {
  sn_rnn r = sn_rnn_direction(NULL, l, d, rows);
  const float *h, *c;
  sn_rnn_final(&r, sn_rnn_buffer(l, d, rows), rows, &h, &c);
  sn_rnn_copy_rows(rows, l->units, h, l->units, z + col, ld, 0);
  if (c) sn_rnn_copy_rows(rows, l->units, c, l->units, z + col + l->units, ld, 0);
}

void sn_rnn_unpack_states(const sn_layer *l, int rows, const float *dz, int ld, int col, float *ds, sn_rnn *r) {
  const int u = l->units;
  float *dc = ds + (long)rows * u;
  sn_rnn_copy_rows(rows, u, dz + col, ld, ds, u, 0);
  r->dh_last = ds;
  if (sn_rnn_states(l) == 2) sn_rnn_copy_rows(rows, u, dz + col + u, ld, dc, u, 0), r->dc_last = dc;
}

static void forward(sn_model *m, sn_layer *l, int rows, const float *const *xs) {
  sn_rnn r = sn_rnn_direction(m, l, 0, rows);
  sn_rnn_weights w = sn_rnn_weights_of(l, 0);
  r.h0 = l->n_in > 1 ? xs[1] : NULL;
  r.c0 = l->n_in > 2 ? xs[2] : NULL;
  const float *y = sn_rnn_forward(&r, &w, sn_rnn_buffer(l, 0, rows), rows, xs[0]);
  if (!l->return_state) {
    l->z = y;
    return;
  }
  const int out = sn_rnn_output_size(l), ld = (int)l->out.c;
  sn_rnn_copy_rows(rows, out, y, out, l->zbuf, ld, 0);
  sn_rnn_pack_states(l, 0, rows, l->zbuf, ld, out);
  l->z = l->zbuf;
}

static void backward(sn_model *m, sn_layer *l, int rows, const float *const *xs, const float *dz, float *const *dxs) {
  (void)xs;
  sn_rnn r = sn_rnn_direction(m, l, 0, rows);
  sn_rnn_weights w = sn_rnn_weights_of(l, 0);
  r.h0 = l->n_in > 1 ? xs[1] : NULL;
  r.c0 = l->n_in > 2 ? xs[2] : NULL;
  r.dh0 = l->n_in > 1 ? dxs[1] : NULL;
  r.dc0 = l->n_in > 2 ? dxs[2] : NULL;
  const float *dout = dz;
  if (l->return_state) { /* [output | h | c]: the output's gradient, the final states' */
    const int out = sn_rnn_output_size(l), ld = (int)l->out.c;
    float *d = l->dpart;
    sn_rnn_copy_rows(rows, out, dz, ld, d, out, 0);
    sn_rnn_unpack_states(l, rows, dz, ld, out, d + (long)rows * out, &r);
    dout = d;
  }
  sn_rnn_backward(&r, &w, sn_rnn_buffer(l, 0, rows), rows, dout, dxs[0]);
}

/* Keras' unit_forget_bias: the forget gate's part of the bias is ones, whatever the bias initializer. */
void sn_rnn_drawn(sn_layer *l) {
  if (sn_rnn_kind(l) != SN_LAYER_LSTM || !l->forget_bias) return;
  for (int d = 0; d < directions(l); d++) {
    if (!l->t[3 * d + SN_RECURRENT_BIAS].exists) continue;
    float *b = l->t[3 * d + SN_RECURRENT_BIAS].w;
    for (int j = l->units; j < 2 * l->units; j++) b[j] = 1.0f;
  }
}

const sn_layer_ops sn_rnn_ops = {.setup_n = setup, .reserve = sn_rnn_reserve, .forward_n = forward, .backward_n = backward,
                                 .drawn = sn_rnn_drawn, .seed = sn_rnn_seed, .draw = sn_rnn_draw};
