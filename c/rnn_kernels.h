/* The element-wise part of one step of a recurrent cell, over `rows` rows of
 * a batch (rnn.c does the matrix products around them). Every kernel exists
 * twice: k_* (rnn_kernels.c, SIMD) and ref_* (rnn_kernels_ref.c, scalar), the
 * reference it is tested against (test/c/test_rnn.c). Row r of every output
 * depends on row r of the inputs alone, so a batch may be cut into ranges of
 * rows (threads) without changing a bit.
 *
 * Gate pre-activations come in rows of k·units, the gates side by side in
 * Keras' order (the columns of kernel · x): LSTM i f c o, GRU z r h. The
 * gates' activation is cell->gate_act, the candidate's and the state's
 * cell->act; each is applied to one gate's `units` values of a row at a time
 * (k_act_forward), so any activation of kernels.h works, softmax over a gate
 * too, as Keras' split-then-activate does.
 *
 * Backward kernels take `da`, rows × k·units of scratch, for dL/d(activated
 * gates) on their way to dL/d(pre-activations); an output documented "may be"
 * an input is computed element by element in place. */
#ifndef SN_RNN_KERNELS_H
#define SN_RNN_KERNELS_H
#include "kernels.h"

typedef struct {
  int units;
  int act, gate_act;          /* enum sn_activation */
  sn_act_param ap, gate_ap;
} sn_cell;

#define SN_RNN_KERNEL_LIST(P)                                                                                          \
  /* LSTM (Keras' LSTMCell): z [rows × 4u] pre-activations i f c o → a = ract(i, f, o), act(c);                       \
   * c = f·c_prev + i·act(c̃); tc = act(c); h = o·tc. */                                                              \
  void P##lstm_forward(const sn_cell *cell, int rows, const float *z, const float *c_prev, float *a, float *c,        \
                       float *tc, float *h);                                                                          \
  /* dh: dL/dh of the step (rows × u); dc: in, dL/dc from the step after; out, dL/dc_prev.                            \
   * dz [rows × 4u]: dL/dz, may be z. */                                                                              \
  void P##lstm_backward(const sn_cell *cell, int rows, const float *z, const float *a, const float *c_prev,           \
                        const float *c, const float *tc, const float *dh, float *dc, float *da, float *dz);          \
  /* GRU, reset_after (Keras 3's default): x [rows × 3u] = x·kernel + input bias (z r h), rc = h_prev·U + recurrent  \
   * bias. p (may be x) = x_z + rc_z, x_r + rc_r, x_h + r·rc_h; a = ract(z), ract(r), act(h);                          \
   * h = z·h_prev + (1 − z)·hh. */                                                                                    \
  void P##gru_forward(const sn_cell *cell, int rows, const float *x, const float *rc, const float *h_prev, float *p,  \
                      float *a, float *h);                                                                           \
  /* dp [rows × 3u] may be p, drc [rows × 3u] may be rc; dh_prev = dh·z (the part not through rc; may be dh). */       \
  void P##gru_backward(const sn_cell *cell, int rows, const float *p, const float *a, const float *rc,               \
                       const float *h_prev, const float *dh, float *da, float *dp, float *drc, float *dh_prev);      \
  /* GRU, reset before the product (TF.js' only form), in two halves around rh·U_h:                                  \
   * gates: rzr [rows × 2u] = h_prev·U[:, :2u]; p_z, p_r (may be x's) = x_z + rzr_z, x_r + rzr_r; a_z, a_r;            \
   * rh [rows × u] = r·h_prev. */                                                                                     \
  void P##gru_gates_forward(const sn_cell *cell, int rows, const float *x, const float *rzr, const float *h_prev,     \
                            float *p, float *a, float *rh);                                                          \
  /* state: rhu [rows × u] = rh·U[:, 2u:]; p_h (may be x_h) = x_h + rhu; a_h = act(p_h); h = z·h_prev + (1 − z)·a_h. */ \
  void P##gru_state_forward(const sn_cell *cell, int rows, const float *x, const float *rhu, const float *h_prev,     \
                            float *p, float *a, float *h);                                                           \
  /* Backward of the state half: dp_h (into dp, may be p, and gh [rows × u]); da_z = dh·(h_prev − hh) kept in da for \
   * the gates half; dh_prev = dh·z (may be dh). */                                                                   \
  void P##gru_state_backward(const sn_cell *cell, int rows, const float *p, const float *a, const float *h_prev,     \
                             const float *dh, float *da, float *dp, float *gh, float *dh_prev);                      \
  /* Backward of the gates half: drh = gh·U_hᵀ [rows × u]; dh_prev += drh·r; dp_z, dp_r (into dp, may be p, and        \
   * gzr [rows × 2u]) from da_z and da_r = drh·h_prev. */                                                             \
  void P##gru_gates_backward(const sn_cell *cell, int rows, const float *p, const float *a, const float *h_prev,     \
                             const float *drh, float *da, float *dp, float *gzr, float *dh_prev);

SN_RNN_KERNEL_LIST(k_)
SN_RNN_KERNEL_LIST(ref_)

#endif
