/* Losses and metrics. A batch loss is the mean over its rows of a per-row
 * loss, as in Keras; the per-row loss of the element-wise losses (mse, mae,
 * binary cross-entropy) is the mean over the row's columns, and the course's
 * asymmetric loss is the sum over the columns. A row is one sample of a vector
 * output; an output with more axes ({h, w, c}, a sequence {1, steps, c}) is
 * h·w rows of c per sample, as Keras applies a loss along the last axis and
 * averages it over every other (train.c passes rows·h·w rows).
 *
 * An output that carries a Keras mask (model.h: sn_model_set_mask) counts only
 * its valid rows, as Keras 3's losses (keras/src/losses/loss.py, apply_mask:
 * Σ loss·mask / Σ mask over the batch, 0 when none is valid) and metrics (a
 * mean weighted by the mask: accuracy over the valid rows) do. */
#ifndef SN_LOSSES_H
#define SN_LOSSES_H
#include "kernels.h" /* sn_act_param */

/* The losses: X(kind, value, name in the JavaScript API). scripts/gen-constants.js
 * copies this list into web/core/constants.js. */
#define SN_LOSSES(X)                                                                                \
  X(SN_LOSS_MSE, 0, "meanSquaredError")                                                             \
  X(SN_LOSS_MAE, 1, "meanAbsoluteError")                                                            \
  X(SN_LOSS_BCE, 2, "binaryCrossentropy") /* probabilities clipped to [1e-7, 1-1e-7] */             \
  X(SN_LOSS_CCE, 3, "categoricalCrossentropy") /* one-hot (or soft) targets */                      \
  X(SN_LOSS_SCCE, 4, "sparseCategoricalCrossentropy") /* one integer label per row */               \
  X(SN_LOSS_ASYMMETRIC, 5, "asymmetric") /* the course's: profit·(t−p) if p < t, else cost·(p−t) */

enum sn_loss_kind {
#define X(kind, value, name) kind = value,
  SN_LOSSES(X)
#undef X
  SN_LOSS_COUNT
};

typedef struct {
  int kind;
  int from_logits; /* cross-entropies only: the network output is logits */
  float cost, profit;
} sn_loss_cfg;

/* Accumulated over the rows seen, then divided out in JavaScript (SUM in web/core/constants.js,
 * which scripts/gen-constants.js writes from this enum). */
enum sn_sum {
  SN_SUM_ROWS = 0,
  SN_SUM_LOSS = 1,      /* Σ per-sample loss (data loss, no regularization) */
  SN_SUM_REG_LOSS = 2,  /* Σ regularization penalty × rows of its batch */
  SN_SUM_CORRECT = 3,   /* accuracy numerator */
  SN_SUM_ACC_COUNT = 4, /* accuracy denominator: rows, or elements for binary accuracy */
  SN_SUM_SQ_ERR = 5,
  SN_SUM_ABS_ERR = 6,
  SN_SUM_ELEMENTS = 7,
  SN_SUM_COUNT = 8
};

/* Columns of one target row: 1 for sparse labels, else the row's width n. */
int sn_loss_target_width(const sn_loss_cfg *loss, int n);

/* Per-sample losses of m rows of network outputs (logits when from_logits). */
void sn_loss_per_sample(const sn_loss_cfg *loss, int m, int n, const float *out, const float *target,
                        float *per_sample);

/* Mean loss of a batch whose last layer computed y = act(z), and, when dz is
 * not NULL, its gradient with respect to z. Softmax + (sparse) categorical
 * cross-entropy and sigmoid + binary cross-entropy are fused: the loss comes from
 * z through log-sum-exp and dz = (y − t)/scale, which never overflows. With a
 * mask (m floats, 0 for a masked row, or NULL): the mean over the valid rows,
 * and a zero gradient for the others. */
double sn_loss_forward_backward(const sn_loss_cfg *loss, int act, sn_act_param ap, int m, int n, const float *z,
                                const float *y, const float *target, const float *mask, float *dz);

/* Adds the batch's loss (given, as its mean over rows) and metric counts into
 * sums: m samples of `positions` rows of n each. The loss counts per sample
 * (SN_SUM_ROWS += m, as the regularization penalty: Keras' epoch loss is the
 * mean of its batch losses weighted by their samples, masked or not), accuracy
 * per row (Keras' accuracy of a sequence output is per step), the errors per
 * element; with a mask (m·positions floats, or NULL) only the valid rows'. */
void sn_metrics_add(const sn_loss_cfg *loss, int m, int positions, int n, const float *y, const float *target,
                    const float *mask, double batch_loss, double *sums);
#endif
