/* Products of a recurrent layer's gates with a dropout mask per gate
 * (rnn_gates.c), for rnn.c's passes under Keras 3's recurrent dropout.
 *
 * Keras 3's cells (keras/src/layers/rnn/lstm.py, gru.py: LSTMCell.call and
 * GRUCell.call with implementation 1, which recurrent_dropout switches on) give
 * every gate its own dropout mask, of the inputs and of h_{t−1}: gate g's
 * pre-activation is (x ⊙ D_g)·W_g + (h ⊙ M_g)·U_g, W_g and U_g the columns
 * g·units … (g+1)·units of the kernels. So each gate is one product of its own:
 * its columns copied out contiguous once per pass (blocks: k matrices m × units,
 * the GEMM takes dense ones), the masked a and the gate's slice of the output
 * gathered into scratch, one GEMM per gate, scattered back.
 *
 * a is n rows × m, time-major when it holds several steps: row i is sample
 * i mod R, whose mask row it takes (mask: R rows of ld floats, gate g's m at
 * column g·m). out and dz: n rows of ld_out floats, gate g's at column g·units.
 * Scratch: ta n × m and tg n × units floats. Every pass is split by rows among
 * the threads, and every product runs on the threaded GEMM: the same bits for
 * any number of threads. */
#ifndef SN_RNN_GATES_H
#define SN_RNN_GATES_H

typedef struct {
  int n, R, m, units, k; /* rows of a, samples, a's columns, units per gate, gates */
  const float *mask;     /* R × ld */
  int ld;
  float *ta, *tg;        /* scratch */
} sn_gates;

/* blocks (k × m × units) ← the k column blocks of w (m × k·units), or back (a gradient). */
void sn_gates_split(int m, int k, int units, const float *w, float *blocks);
void sn_gates_join(int m, int k, int units, const float *blocks, float *w);
/* out[:, gate g] = (or += with accumulate) (a ⊙ M_g)·blocks_g for every gate. */
void sn_gates_forward(const sn_gates *g, const float *a, const float *blocks, float *out, int ld_out, int accumulate);
/* dblocks_g = (or +=) (a ⊙ M_g)ᵀ·dz[:, gate g]: the weights' gradient. */
void sn_gates_wgrad(const sn_gates *g, const float *a, const float *dz, int ld_dz, float *dblocks, int accumulate);
/* da = (or +=) Σ_g (dz[:, gate g]·blocks_gᵀ) ⊙ M_g: a's gradient. */
void sn_gates_dgrad(const sn_gates *g, const float *dz, int ld_dz, const float *blocks, float *da, int accumulate);
/* dst = (or +=) src ⊙ mask_g over n rows of m (row i: mask row i mod R, gate g's columns); mask NULL: src. */
void sn_gates_masked(const sn_gates *g, int gate, const float *src, float *dst, int accumulate);
#endif
