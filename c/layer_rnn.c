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
 * one mask per sequence) is here; `recurrent_dropout` is not yet. A Keras
 * mask on the input (sn_model_set_mask) skips the masked steps (rnn.h). */
#include "api.h"
#include "init.h"
#include "model.h"
#include "rnn.h"
#include <math.h>

static sn_layer *begin(sn_model *m, int kind, int units, int act, float alpha, int use_bias, int sequences, int backwards) {
  sn_layer *l = sn_model_begin_layer(m, kind);
  if (!l) return NULL;
  l->units = units;
  l->cell_act = act;
  l->cell_ap = (sn_act_param){alpha, INFINITY, 0.0f};
  l->gate_act = SN_ACT_SIGMOID;
  l->gate_ap = (sn_act_param){0.0f, INFINITY, 0.0f};
  l->sequences = sequences != 0;
  l->backwards = backwards != 0;
  l->t[SN_RECURRENT_KERNEL].init = SN_INIT_ORTHOGONAL; /* Keras' defaults: glorotUniform kernel, orthogonal, zeros */
  l->t[SN_RECURRENT_KERNEL].init_a = 1.0f;             /* gain */
  l->t[SN_RECURRENT_BIAS].exists = use_bias != 0;
  return l;
}

SN_API int sn_model_add_simple_rnn(sn_model *m, int units, int act, float alpha, int use_bias, int sequences, int backwards) {
  sn_layer *l = begin(m, SN_LAYER_SIMPLE_RNN, units, act, alpha, use_bias, sequences, backwards);
  return l ? sn_model_end_layer(m, 1) : -1;
}

/* LSTM and GRU: gates, and their own option (forget_bias, reset_after). */
static int add_gated(sn_model *m, int kind, int units, int act, float alpha, int gate_act, float gate_alpha, int use_bias, int option,
                     int sequences, int backwards) {
  sn_layer *l = begin(m, kind, units, act, alpha, use_bias, sequences, backwards);
  if (!l) return -1;
  l->gate_act = gate_act;
  l->gate_ap.alpha = gate_alpha;
  *(kind == SN_LAYER_LSTM ? &l->forget_bias : &l->reset_after) = option != 0;
  return sn_model_end_layer(m, 1);
}

SN_API int sn_model_add_lstm(sn_model *m, int units, int act, float alpha, int gate_act, float gate_alpha, int use_bias,
                             int forget_bias, int sequences, int backwards) {
  return add_gated(m, SN_LAYER_LSTM, units, act, alpha, gate_act, gate_alpha, use_bias, forget_bias, sequences, backwards);
}

SN_API int sn_model_add_gru(sn_model *m, int units, int act, float alpha, int gate_act, float gate_alpha, int use_bias,
                            int reset_after, int sequences, int backwards) {
  return add_gated(m, SN_LAYER_GRU, units, act, alpha, gate_act, gate_alpha, use_bias, reset_after, sequences, backwards);
}

/* Keras' `dropout` of a recurrent layer (before build): in training, each
 * sample's features are kept with probability 1 − rate (and scaled by
 * 1/(1 − rate)) by one mask for the whole sequence, drawn per batch from the
 * layer's generator (its seed, or one from the model's generator). */
SN_API int sn_model_set_input_dropout(sn_model *m, int layer, float rate, int seeded, unsigned seed) {
  if (m->params || layer < 0 || layer >= m->n_layers || !(rate >= 0.0f && rate < 1.0f)) return 0;
  sn_layer *l = &m->layers[layer];
  if (l->kind != SN_LAYER_SIMPLE_RNN && l->kind != SN_LAYER_LSTM && l->kind != SN_LAYER_GRU) return 0;
  l->rate = rate;
  l->seeded = seeded != 0;
  l->seed = seed;
  return 1;
}

/* Keras' zero_output_for_mask (before build): with return_sequences, the steps a Keras mask masks output
 * zeros rather than the previous output (what Keras' Bidirectional makes its layers do). */
SN_API int sn_model_set_zero_output(sn_model *m, int layer, int on) {
  if (m->params || layer < 0 || layer >= m->n_layers) return 0;
  sn_layer *l = &m->layers[layer];
  if ((l->kind != SN_LAYER_SIMPLE_RNN && l->kind != SN_LAYER_LSTM && l->kind != SN_LAYER_GRU) || (on && !l->sequences)) return 0;
  l->zero_output = on != 0;
  return 1;
}

static int valid_act(int act, float alpha) { return act >= 0 && act < SN_ACT_COUNT && sn_act_param_fits(act, alpha); }

static int setup(sn_layer *l) {
  const int steps = l->in.w, features = l->in.c, u = l->units;
  if (l->in.h != 1 || u < 1 || !valid_act(l->cell_act, l->cell_ap.alpha) || !valid_act(l->gate_act, l->gate_ap.alpha)) return 0;
  const int64_t k = (int64_t)sn_rnn_gates(l->kind) * u;
  if (k * features > SN_MAX_PARAMS || k * u > SN_MAX_PARAMS) return 0; /* also keeps k·units and the fans within int */
  l->out = l->sequences ? (sn_shape){1, steps, u} : (sn_shape){1, 1, u};
  sn_tensor *kernel = &l->t[SN_KERNEL], *recurrent = &l->t[SN_RECURRENT_KERNEL], *bias = &l->t[SN_RECURRENT_BIAS];
  kernel->exists = kernel->trainable = recurrent->exists = recurrent->trainable = bias->trainable = 1;
  sn_tensor_shape(kernel, "kernel", 2, (int[]){features, (int)k});
  kernel->fan_in = features, kernel->fan_out = (int)k;
  sn_tensor_shape(recurrent, "recurrent_kernel", 2, (int[]){u, (int)k});
  recurrent->fan_in = u, recurrent->fan_out = (int)k;
  if (l->kind == SN_LAYER_GRU && l->reset_after) sn_tensor_shape(bias, "bias", 2, (int[]){2, (int)k});
  else sn_tensor_shape(bias, "bias", 1, (int[]){(int)k});
  bias->fan_in = bias->fan_out = (int)bias->size;
  return 1;
}

/* The pass's settings; with the input dropout mask in training, and the Keras mask its input carries. */
static sn_rnn config(const sn_model *m, const sn_layer *l) {
  return (sn_rnn){.kind = l->kind, .steps = l->in.w, .features = l->in.c,
                  .cell = {l->units, l->cell_act, l->gate_act, l->cell_ap, l->gate_ap},
                  .reset_after = l->reset_after, .backwards = l->backwards, .sequences = l->sequences,
                  .mask = m && m->training && l->rate > 0.0f ? l->mask : NULL,
                  .steps_mask = m ? sn_value_mask(m, sn_node_input(m, l, 0)) : NULL, .zero_output = l->zero_output};
}

static sn_rnn_weights weights(const sn_layer *l) {
  const sn_tensor *t = l->t;
  const int bias = t[SN_RECURRENT_BIAS].exists;
  return (sn_rnn_weights){t[SN_KERNEL].w, t[SN_RECURRENT_KERNEL].w, bias ? t[SN_RECURRENT_BIAS].w : NULL,
                          t[SN_KERNEL].g, t[SN_RECURRENT_KERNEL].g, bias ? t[SN_RECURRENT_BIAS].g : NULL};
}

static void reserve(sn_layer *l, int rows, sn_carver *c) {
  sn_rnn r = config(NULL, l);
  l->seq = sn_carve(c, sn_rnn_floats(&r, rows));
  l->mask = l->rate > 0.0f ? sn_carve(c, (int64_t)rows * l->in.c) : NULL;
}

/* The dropout layer's masks (layer_dropout.c), one value per sample and feature. */
static void draw(sn_layer *l, int rows) { sn_dropout_draw(l, (long)rows * l->in.c); }

static void forward(sn_model *m, sn_layer *l, int rows, const float *x) {
  sn_rnn r = config(m, l);
  sn_rnn_weights w = weights(l);
  l->z = sn_rnn_forward(&r, &w, l->seq, rows, x);
}

static float *backward(sn_model *m, sn_layer *l, int rows, const float *x, float *dz, float *dx) {
  (void)x;
  sn_rnn r = config(m, l);
  sn_rnn_weights w = weights(l);
  sn_rnn_backward(&r, &w, l->seq, rows, dz, dx);
  return dx;
}

/* Keras' unit_forget_bias: the forget gate's part of the bias is ones, whatever the bias initializer. */
static void drawn(sn_layer *l) {
  if (l->kind != SN_LAYER_LSTM || !l->forget_bias || !l->t[SN_RECURRENT_BIAS].exists) return;
  float *b = l->t[SN_RECURRENT_BIAS].w;
  for (int j = l->units; j < 2 * l->units; j++) b[j] = 1.0f;
}

const sn_layer_ops sn_rnn_ops = {
    .setup = setup, .reserve = reserve, .forward = forward, .backward = backward, .drawn = drawn, .seed = sn_dropout_seed, .draw = draw};
