/* The training loop: a whole epoch (shuffle, batching, forward, backward,
 * regularization, update, metrics, validation) runs inside one call. */
#include "api.h"
#include "kernels.h"
#include "model.h"
#include "threads.h"
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Row order for the next epoch: identity, or a seeded Fisher-Yates shuffle. */
SN_API int sn_model_shuffle(sn_model *m, int n, int shuffle) {
  if (n < 0 || (uint64_t)n * sizeof(int) > SIZE_MAX) return 0;
  if (n > m->perm_n) {
    int *perm = realloc(m->perm, (size_t)n * sizeof(int));
    if (!perm) return 0;
    m->perm = perm;
    m->perm_n = n;
  }
  for (int i = 0; i < n; i++) m->perm[i] = i;
  if (shuffle)
    for (int i = n - 1; i > 0; i--) {
      int j = (int)sn_rng_below(&m->rng, (uint32_t)i + 1), tmp = m->perm[i];
      m->perm[i] = m->perm[j];
      m->perm[j] = tmp;
    }
  return 1;
}

/* The loss of the last forward pass over `rows` rows against t; with dz, its
 * gradient with respect to the last layer's z. */
static double output_loss(const sn_model *m, int rows, const float *t, float *dz) {
  const sn_layer *last = sn_model_last(m);
  return sn_loss_forward_backward(&m->loss, last->act, last->alpha, rows, sn_model_output_dim(m), last->z, last->y, t,
                                  dz);
}

/* Forward, loss and backward for `rows` rows in training mode (fresh dropout
 * masks, batch statistics), then the regularization gradients. Returns the
 * data loss; *penalty receives the regularization loss (weights, and
 * activities per sample). */
static double forward_backward(sn_model *m, int rows, const float *x, const float *t, double *penalty) {
  m->training = 1;
  sn_model_draw_masks(m, rows);
  sn_model_forward(m, rows, x);
  double loss = output_loss(m, rows, t, m->d0);
  sn_model_backward(m, rows, x, m->d0);
  m->training = 0;
  *penalty = sn_model_regularize(m, 1) + sn_model_activity_penalty(m, rows) / rows;
  return loss;
}

/* One optimizer step on gathered rows. A non-finite loss or gradient skips the
 * update (and leaves the moving statistics), so the weights stay those of the
 * last good step, and returns 0. */
static int train_step(sn_model *m, int rows) {
  double penalty;
  double loss = forward_backward(m, rows, m->xb, m->tb, &penalty);
  if (!isfinite(loss + penalty) || !sn_par_all_finite(m->n_params, m->grads)) return 0;
  sn_par_opt_step(m->opt, m->params, m->grads);
  sn_model_commit(m);
  sn_metrics_add(&m->loss, rows, sn_model_output_dim(m), sn_model_last(m)->y, m->tb, loss, m->sums);
  m->sums[SN_SUM_REG_LOSS] += penalty * rows;
  return 1;
}

/* A batch larger than the data is the whole data (as in Keras): the workspace
 * then holds n rows, not the batch size asked for. */
static int clamp_batch(int batch, int n) { return batch > n ? (n > 0 ? n : 1) : batch; }

SN_API double *sn_model_sums(sn_model *m) { return m->sums; }
SN_API void sn_model_reset_sums(sn_model *m) { memset(m->sums, 0, sizeof m->sums); }

/* Trains batches [b0, b1) of the current order over n rows (the last batch may
 * be smaller). Returns the batches done: fewer than b1 − b0 means a non-finite
 * loss stopped training; -1 means out of memory. */
SN_API int sn_model_train_batches(sn_model *m, const float *x, const float *t, int n, int batch, int b0, int b1) {
  if (!m->opt || n > m->perm_n || !sn_model_reserve(m, clamp_batch(batch, n))) return -1;
  int tw = sn_loss_target_width(&m->loss, sn_model_output_dim(m));
  for (int b = b0; b < b1; b++) {
    int start = b * batch, rows = n - start < batch ? n - start : batch;
    sn_par_gather_rows(rows, m->input_dim, x, m->perm + start, m->xb);
    k_gather_rows(rows, tw, t, m->perm + start, m->tb);
    if (!train_step(m, rows)) return b - b0;
  }
  return b1 - b0;
}

/* Loss and metrics over n rows, in chunks of `batch`, into sums (zeroed first).
 * The regularization penalty counts as in Keras' reported losses. */
SN_API int sn_model_evaluate(sn_model *m, const float *x, const float *t, int n, int batch, double *sums) {
  batch = clamp_batch(batch, n);
  if (!sn_model_reserve(m, batch)) return 0;
  memset(sums, 0, SN_SUM_COUNT * sizeof(double));
  int width = sn_model_output_dim(m), tw = sn_loss_target_width(&m->loss, width);
  double penalty = sn_model_regularize(m, 0), activity = 0.0;
  for (int start = 0; start < n; start += batch) {
    int rows = n - start < batch ? n - start : batch;
    const float *xs = x + (long)start * m->input_dim, *ts = t + (long)start * tw;
    sn_model_forward(m, rows, xs);
    double loss = output_loss(m, rows, ts, NULL);
    sn_metrics_add(&m->loss, rows, width, sn_model_last(m)->y, ts, loss, sums);
    activity += sn_model_activity_penalty(m, rows);
  }
  sums[SN_SUM_REG_LOSS] = penalty * n + activity;
  return 1;
}

/* One epoch over the first n rows of x/t, then (when nv > 0) an evaluation of
 * nv validation rows into val_sums. Training metrics go to m->sums.
 * Returns 1, 0 when a non-finite loss stopped the epoch, -1 when out of memory. */
SN_API int sn_model_fit_epoch(sn_model *m, const float *x, const float *t, int n, int batch, int shuffle,
                              const float *vx, const float *vt, int nv, double *val_sums) {
  if (!sn_model_shuffle(m, n, shuffle)) return -1;
  sn_model_reset_sums(m);
  batch = clamp_batch(batch, n);
  int batches = (n + batch - 1) / batch;
  int done = sn_model_train_batches(m, x, t, n, batch, 0, batches);
  if (done < 0) return -1;
  if (done < batches) return 0;
  if (nv > 0 && !sn_model_evaluate(m, vx, vt, nv, batch, val_sums)) return -1;
  return 1;
}

/* Network outputs for n rows into out[n × output_dim], in chunks of `batch`. */
SN_API int sn_model_predict(sn_model *m, const float *x, int n, int batch, float *out) {
  batch = clamp_batch(batch, n);
  if (!sn_model_reserve(m, batch)) return 0;
  int width = sn_model_output_dim(m);
  for (int start = 0; start < n; start += batch) {
    int rows = n - start < batch ? n - start : batch;
    sn_model_forward(m, rows, x + (long)start * m->input_dim);
    memcpy(out + (long)start * width, sn_model_last(m)->y, (size_t)rows * width * sizeof(float));
  }
  return 1;
}

/* Gradients of the mean loss over all n rows (one batch, in training mode)
 * into sn_model_grads, and that loss including regularization into *loss. As
 * a training-mode call in Keras, it updates batch norm's moving statistics.
 * Returns 0 when out of memory. */
SN_API int sn_model_compute_gradients(sn_model *m, const float *x, const float *t, int n, double *loss) {
  if (!sn_model_reserve(m, n)) return 0;
  double penalty;
  *loss = forward_backward(m, n, x, t, &penalty) + penalty;
  sn_model_commit(m);
  return 1;
}

SN_API void sn_model_apply_gradients(sn_model *m) { sn_opt_step(m->opt, m->params, m->grads); }
SN_API float *sn_model_params(sn_model *m) { return m->params; }
SN_API float *sn_model_grads(sn_model *m) { return m->grads; }
SN_API float *sn_model_state(sn_model *m) { return m->state; }
SN_API long sn_model_param_count(const sn_model *m) { return m->n_params; }
SN_API long sn_model_state_count(const sn_model *m) { return m->n_state; }
SN_API sn_optimizer *sn_model_optimizer(sn_model *m) { return m->opt; }
