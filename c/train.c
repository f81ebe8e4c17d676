/* The training loop: a whole epoch (shuffle, batching, forward, backward,
 * regularization, update, metrics, validation) runs inside one call. */
#include "api.h"
#include "kernels.h"
#include "model.h"
#include "workspace.h"
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

/* One input's (or output's) part of rows [start, start + rows) of a matrix
 * whose rows hold every part side by side (or of rows perm[start …] when perm
 * is given): `width` columns from column `col` of rows `stride` wide, into dst. */
static void gather_part(int rows, const float *src, int stride, int col, int width, const int *perm, int start,
                        float *dst) {
  for (int r = 0; r < rows; r++) {
    long row = perm ? perm[start + r] : start + r;
    memcpy(dst + (long)r * width, src + row * stride + col, (size_t)width * sizeof(float));
  }
}

/* Rows [start, start + rows) of the caller's x, or rows perm[start …] when
 * perm is given, as each input's own rows: xs[i]. One input read in order is
 * x itself; otherwise the rows are gathered into the inputs' buffers. */
static void batch_inputs(sn_model *m, int rows, const float *x, const int *perm, int start, const float **xs) {
  if (m->n_inputs == 1 && !perm) {
    xs[0] = x + (long)start * m->input_dim;
    return;
  }
  if (m->n_inputs == 1) {
    sn_par_gather_rows(rows, m->input_dim, x, perm + start, m->inputs[0].xb);
    xs[0] = m->inputs[0].xb;
    return;
  }
  for (int i = 0; i < m->n_inputs; i++) {
    const sn_input *in = &m->inputs[i];
    gather_part(rows, x, m->input_dim, in->col, (int)sn_shape_size(m->values[i].shape), perm, start, in->xb);
    xs[i] = in->xb;
  }
}

/* The same for the targets: ts[k], output k's. */
static void batch_targets(sn_model *m, int rows, const float *t, const int *perm, int start, const float **ts) {
  int tw = m->target_dim;
  if (m->n_outputs == 1 && !perm) {
    ts[0] = t + (long)start * tw;
    return;
  }
  if (m->n_outputs == 1) {
    k_gather_rows(rows, tw, t, perm + start, m->outputs[0].tb);
    ts[0] = m->outputs[0].tb;
    return;
  }
  for (int k = 0; k < m->n_outputs; k++) {
    const sn_output *o = &m->outputs[k];
    gather_part(rows, t, tw, o->tcol, sn_output_target_width(m, k), perm, start, o->tb);
    ts[k] = o->tb;
  }
}

/* The weighted loss Σ weight·loss of the last forward pass over `rows` rows
 * against ts; each output's own mean loss into losses[k]. With grad, each
 * output's weighted gradient with respect to its node's z goes into its
 * value's loss_dz, a buffer of the pool, where the backward pass finds it.
 * An output of h·w positions per sample is rows·h·w loss rows of c (losses.h):
 * the mean over samples and positions, Keras' loss of a sequence output;
 * over the valid ones when the output carries a Keras mask (losses.h). */
static double outputs_loss(sn_model *m, int rows, const float *const *ts, double *losses, int grad) {
  double total = 0.0;
  for (int k = 0; k < m->n_outputs; k++) {
    const sn_output *o = &m->outputs[k];
    const sn_layer *L = sn_output_node(m, k);
    int n = rows * sn_output_positions(m, k), c = L->out.c;
    float *dz = grad ? sn_pool_take(m) : NULL;
    const float *mask = sn_value_mask(m, &m->values[o->value]);
    losses[k] = sn_loss_forward_backward(&o->loss, L->act, sn_layer_act_param(L), n, c, L->z, L->y, ts[k], mask, dz);
    if (dz && o->weight != 1.0f)
      for (long i = 0; i < (long)n * c; i++) dz[i] *= o->weight;
    if (dz) m->values[o->value].loss_dz = dz;
    total += o->weight * losses[k];
  }
  return total;
}

/* Every output's metrics of the last forward pass into sums (SN_SUM_COUNT per output). */
static void add_metrics(sn_model *m, int rows, const float *const *ts, const double *losses, double *sums) {
  for (int k = 0; k < m->n_outputs; k++) {
    const sn_layer *L = sn_output_node(m, k);
    sn_metrics_add(&m->outputs[k].loss, rows, sn_output_positions(m, k), L->out.c, L->y, ts[k],
                   sn_value_mask(m, &m->values[m->outputs[k].value]), losses[k], sums + k * SN_SUM_COUNT);
  }
}

/* Forward, loss and backward for `rows` rows in training mode (fresh dropout
 * masks, batch statistics), then the regularization gradients. Returns the
 * weighted data loss (each output's in losses); *penalty receives the
 * regularization loss (weights, and activities per sample). */
static double forward_backward(sn_model *m, int rows, const float *const *xs, const float *const *ts, double *losses,
                               double *penalty) {
  m->training = 1;
  sn_model_use_layout(m, 1); /* before the masks are drawn into it */
  sn_model_draw_masks(m, rows);
  sn_model_forward(m, rows, xs);
  m->pool_free = m->pool_n;
  double loss = outputs_loss(m, rows, ts, losses, 1);
  sn_model_backward(m, rows);
  m->training = 0;
  *penalty = sn_model_regularize(m, 1) + sn_model_activity_penalty(m, rows) / rows;
  return loss;
}

/* One optimizer step on the batch. A non-finite loss or gradient skips the
 * update (and leaves the moving statistics), so the weights stay those of the
 * last good step, and returns 0. */
static int train_step(sn_model *m, int rows, const float *const *xs, const float *const *ts, double *losses) {
  double penalty;
  double loss = forward_backward(m, rows, xs, ts, losses, &penalty);
  if (!isfinite(loss + penalty) || !sn_par_all_finite(m->n_params, m->grads)) return 0;
  sn_par_opt_step(m->opt, m->params, m->grads);
  sn_model_commit(m);
  add_metrics(m, rows, ts, losses, m->sums);
  m->sums[SN_SUM_REG_LOSS] += penalty * rows;
  return 1;
}

/* A batch larger than the data is the whole data (as in Keras): the workspace
 * then holds n rows, not the batch size asked for. */
static int clamp_batch(int batch, int n) { return batch > n ? (n > 0 ? n : 1) : batch; }

SN_API double *sn_model_sums(sn_model *m) { return m->sums; }
SN_API void sn_model_reset_sums(sn_model *m) { memset(m->sums, 0, (size_t)m->n_outputs * SN_SUM_COUNT * sizeof(double)); }

/* Trains batches [b0, b1) of the current order over n rows (the last batch may
 * be smaller). Returns the batches done: fewer than b1 − b0 means a non-finite
 * loss stopped training; -1 means out of memory. */
SN_API int sn_model_train_batches(sn_model *m, const float *x, const float *t, int n, int batch, int b0, int b1) {
  if (!m->opt || n > m->perm_n || !sn_model_reserve_layout(m, clamp_batch(batch, n), 1)) return -1;
  const float *xs[SN_MAX_ENDS], *ts[SN_MAX_ENDS];
  double losses[SN_MAX_ENDS];
  for (int b = b0; b < b1; b++) {
    int start = b * batch, rows = n - start < batch ? n - start : batch;
    batch_inputs(m, rows, x, m->perm, start, xs);
    batch_targets(m, rows, t, m->perm, start, ts);
    if (!train_step(m, rows, xs, ts, losses)) return b - b0;
  }
  return b1 - b0;
}

/* Loss and metrics over n rows, in chunks of `batch`, into sums (zeroed first;
 * SN_SUM_COUNT per output). The regularization penalty counts as in Keras'
 * reported losses. */
SN_API int sn_model_evaluate(sn_model *m, const float *x, const float *t, int n, int batch, double *sums) {
  batch = clamp_batch(batch, n);
  if (!sn_model_reserve_layout(m, batch, 0)) return 0;
  memset(sums, 0, (size_t)m->n_outputs * SN_SUM_COUNT * sizeof(double));
  double penalty = sn_model_regularize(m, 0), activity = 0.0, losses[SN_MAX_ENDS];
  const float *xs[SN_MAX_ENDS], *ts[SN_MAX_ENDS];
  for (int start = 0; start < n; start += batch) {
    int rows = n - start < batch ? n - start : batch;
    batch_inputs(m, rows, x, NULL, start, xs);
    batch_targets(m, rows, t, NULL, start, ts);
    sn_model_forward(m, rows, xs);
    outputs_loss(m, rows, ts, losses, 0);
    add_metrics(m, rows, ts, losses, sums);
    activity += sn_model_activity_penalty(m, rows);
  }
  sums[SN_SUM_REG_LOSS] = penalty * n + activity;
  return 1;
}

/* Batches [b0, b1) of one epoch over the first n rows of x/t: the epoch's one
 * loop, run whole by one call (b0 = 0, b1 = every batch) or a slice at a time
 * when JavaScript wants to hear about batches (callbacks, a progress bar).
 * b0 = 0 begins the epoch (a new row order, the training sums reset); reaching
 * the last batch ends it with an evaluation of nv validation rows into
 * val_sums (when nv > 0). Training metrics go to m->sums.
 * Returns 1, 0 when a non-finite loss stopped the epoch, -1 when out of memory. */
SN_API int sn_model_fit_slice(sn_model *m, const float *x, const float *t, int n, int batch, int shuffle,
                              const float *vx, const float *vt, int nv, double *val_sums, int b0, int b1) {
  batch = clamp_batch(batch, n);
  int batches = (n + batch - 1) / batch;
  if (b0 < 0 || b1 > batches || b0 > b1) return -1;
  if (b0 == 0) {
    if (!sn_model_shuffle(m, n, shuffle)) return -1;
    sn_model_reset_sums(m);
  }
  int done = sn_model_train_batches(m, x, t, n, batch, b0, b1);
  if (done < 0) return -1;
  if (done < b1 - b0) return 0;
  if (b1 == batches && nv > 0 && !sn_model_evaluate(m, vx, vt, nv, batch, val_sums)) return -1;
  return 1;
}

/* One whole epoch (sn_model_fit_slice over every batch). */
SN_API int sn_model_fit_epoch(sn_model *m, const float *x, const float *t, int n, int batch, int shuffle,
                              const float *vx, const float *vt, int nv, double *val_sums) {
  int batches = (n + clamp_batch(batch, n) - 1) / clamp_batch(batch, n);
  return sn_model_fit_slice(m, x, t, n, batch, shuffle, vx, vt, nv, val_sums, 0, batches);
}

/* Network outputs for n rows into out[n × output_dim] (every output's columns
 * side by side), in chunks of `batch`. */
SN_API int sn_model_predict(sn_model *m, const float *x, int n, int batch, float *out) {
  batch = clamp_batch(batch, n);
  if (!sn_model_reserve_layout(m, batch, 0)) return 0;
  const float *xs[SN_MAX_ENDS];
  for (int start = 0; start < n; start += batch) {
    int rows = n - start < batch ? n - start : batch;
    batch_inputs(m, rows, x, NULL, start, xs);
    sn_model_forward(m, rows, xs);
    for (int k = 0; k < m->n_outputs; k++) {
      const sn_output *o = &m->outputs[k];
      const float *y = m->values[o->value].y;
      int width = (int)sn_shape_size(m->values[o->value].shape);
      if (m->n_outputs == 1) {
        memcpy(out + (long)start * width, y, (size_t)rows * width * sizeof(float));
        continue;
      }
      for (int r = 0; r < rows; r++)
        memcpy(out + (long)(start + r) * m->output_dim + o->col, y + (long)r * width, (size_t)width * sizeof(float));
    }
  }
  return 1;
}

/* Gradients of the mean loss over all n rows (one batch, in training mode)
 * into sn_model_grads, and that loss including regularization into *loss. As
 * a training-mode call in Keras, it updates batch norm's moving statistics.
 * Returns 0 when out of memory. */
SN_API int sn_model_compute_gradients(sn_model *m, const float *x, const float *t, int n, double *loss) {
  if (!sn_model_reserve_layout(m, n, 1)) return 0;
  double penalty, losses[SN_MAX_ENDS];
  const float *xs[SN_MAX_ENDS], *ts[SN_MAX_ENDS];
  batch_inputs(m, n, x, NULL, 0, xs);
  batch_targets(m, n, t, NULL, 0, ts);
  *loss = forward_backward(m, n, xs, ts, losses, &penalty) + penalty;
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
