/* What the recurrent kinds (layer_rnn.c) share with the bidirectional
 * wrapper (layer_bidirectional.c), whose node holds two recurrent layers: a
 * direction d is 0 (the layer itself, or a wrapper's forward layer) or 1 (a
 * wrapper's backward layer, go_backwards set). Each direction has its tensors
 * (3 slots from 3·d), its pass buffers, its dropout masks and, with
 * return_state, its states in the node's packed value. */
#ifndef SN_LAYER_RNN_H
#define SN_LAYER_RNN_H
#include "model.h"
#include "rnn.h"

/* A node of `kind` (a recurrent kind, or SN_LAYER_BIDIRECTIONAL around `inner`) with the recurrent settings
 * (option: the LSTM's forget-gate bias, the GRU's reset_after) and Keras' initializers; end it with
 * sn_model_end_layer. */
sn_layer *sn_rnn_begin(sn_model *m, int kind, int inner, int units, int act, float alpha, int gate_act, float gate_alpha, int use_bias,
                       int option, int sequences, int backwards);
/* The recurrent kind of a node (a bidirectional's inner one). */
int sn_rnn_kind(const sn_layer *l);
/* States per direction: h (and the LSTM's c). */
int sn_rnn_states(const sn_layer *l);
/* Floats per row of a direction's output: steps × units with return_sequences, else units. */
int sn_rnn_output_size(const sn_layer *l);
/* Direction d's pass over `rows` rows: settings (masks in training, none without m), weights and buffers. */
sn_rnn sn_rnn_direction(const sn_model *m, const sn_layer *l, int d, int rows);
sn_rnn_weights sn_rnn_weights_of(const sn_layer *l, int d);
float *sn_rnn_buffer(const sn_layer *l, int d, int rows);
/* Checks the units, activations and extra inputs (initial states: none, or every direction's, rows × units
 * each) of a node l->in = {1, steps, features}, and sets up its directions' tensors. 0 when they do not fit. */
int sn_rnn_setup(const sn_model *m, sn_layer *l);
/* The hooks both kinds use: reserve (pass buffers, masks, packed value, unpacked gradients), seed and draw
 * (the dropout masks of every direction), drawn (the LSTM's forget-gate biases). */
void sn_rnn_reserve(sn_layer *l, int rows, sn_carver *c);
void sn_rnn_seed(sn_layer *l, sn_rng *model_rng);
void sn_rnn_draw(sn_layer *l, int rows);
void sn_rnn_drawn(sn_layer *l);
/* rows of dst (ld_dst floats) at column col ← (or +=) rows of n floats from src (ld_src floats). */
void sn_rnn_copy_rows(int rows, int n, const float *src, int ld_src, float *dst, int ld_dst, int accumulate);
/* With return_state: direction d's states (rows × units each, from its pass) into the packed value z (rows × ld)
 * at column col; backward, their gradients from dz at col into ds (rows × 2·units: h's, then c's), and r's
 * dh_last, dc_last pointed at them. */
void sn_rnn_pack_states(const sn_layer *l, int d, int rows, float *z, int ld, int col);
void sn_rnn_unpack_states(const sn_layer *l, int rows, const float *dz, int ld, int col, float *ds, sn_rnn *r);
#endif
