/* A recurrent layer's pass over a sequence (rnn.c): one direction of
 * SimpleRNN, LSTM or GRU with its weights and buffers given explicitly, so
 * that a layer (layer_rnn.c) runs one, and a bidirectional wrapper can run two
 * with a tensor set and a buffer each.
 *
 * Shapes: x is rows × steps × features (a sample [steps, features], C's
 * {1, steps, features}); the output rows × steps × units with
 * return_sequences, else rows × units (the last step's). Weights as Keras
 * has them: kernel [features, k·units], recurrent_kernel [units, k·units],
 * bias [k·units] (GRU with reset_after: [2, 3·units], the input bias then the
 * recurrent one), k = 1, 4 (i f c o), 3 (z r h). */
#ifndef SN_RNN_H
#define SN_RNN_H
#include "rnn_kernels.h"
#include <stdint.h>

typedef struct {
  int kind;                 /* SN_LAYER_SIMPLE_RNN, SN_LAYER_LSTM or SN_LAYER_GRU */
  int steps, features;
  sn_cell cell;             /* units and activations */
  int reset_after;          /* GRU */
  int backwards;            /* go_backwards: the steps in reverse; the output in the order they were processed */
  int sequences;            /* return_sequences */
  const float *mask;        /* rows × features: this batch's input dropout mask (0 or 1/(1 − rate)), the same at every
                             * step (Keras' one mask per sequence), or NULL; with gate_masks rows × k·features, a
                             * mask per gate side by side */
  /* Recurrent dropout (Keras 3): rows × k·units, the mask of gate g on h_{t−1} at columns g·units, the same at every
   * step, or NULL. Keras 3's cells switch to their implementation 1 when recurrent_dropout is set, which also gives
   * the input dropout a mask per gate: gate_masks says the masks are per gate (rnn_gates.c). */
  const float *rmask;
  int gate_masks;
  /* Keras' initial_state (rows × units each, or NULL: zeros, and the first step's h·U is skipped). */
  const float *h0, *c0;
  /* Backward: dh_last, dc_last, dL/d(the final states) of Keras' return_state (rows × units, or NULL), join the
   * gradients; dL/dh0 and dL/dc0 are written into dh0, dc0 (when not NULL). */
  const float *dh_last, *dc_last;
  float *dh0, *dc0;
  const float *steps_mask;  /* rows × steps (in the input's order): Keras' mask, 0 at a masked step, or NULL. At a masked
                             * step the states are carried (h_t = h_{t−1}, c_t = c_{t−1}) and the output is the previous
                             * one, h_{t−1} (keras/src/backend/tensorflow/rnn.py); go_backwards reverses it with the steps */
  int zero_output;          /* with return_sequences and a steps_mask: masked steps output zeros (Keras' zero_output_for_mask) */
} sn_rnn;

typedef struct {
  const float *kernel, *recurrent, *bias; /* bias NULL: none */
  float *dkernel, *drecurrent, *dbias;    /* their gradients; all NULL when the weights do not learn */
} sn_rnn_weights;

/* k: the gates per unit (1, 4, 3). */
int sn_rnn_gates(int kind);
/* Floats of the buffers a pass over `rows` rows needs (all of them live from
 * the forward pass to the end of the backward pass). */
int64_t sn_rnn_floats(const sn_rnn *r, int rows);
/* x → the output, which lives in buf. */
const float *sn_rnn_forward(const sn_rnn *r, const sn_rnn_weights *w, float *buf, int rows, const float *x);
/* After sn_rnn_forward on the same buf and rows: what it returned, and the final states h (and the LSTM's c;
 * else NULL), rows × units. */
const float *sn_rnn_output(const sn_rnn *r, float *buf, int rows);
void sn_rnn_final(const sn_rnn *r, float *buf, int rows, const float **h, const float **c);
/* After sn_rnn_forward on the same buf and rows: dout (shaped as the output)
 * → the weights' gradients (overwritten, when they learn) and dL/dx into dx
 * (rows × steps × features, when not NULL). */
void sn_rnn_backward(const sn_rnn *r, const sn_rnn_weights *w, float *buf, int rows, const float *dout, float *dx);
#endif
