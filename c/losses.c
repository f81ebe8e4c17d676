#include "losses.h"
#include "api.h"
#include "kernels.h"
#include <math.h>
#include <string.h>

#define PROB_EPSILON 1e-7f /* Keras' backend epsilon: probabilities are clipped to [ε, 1−ε] */

static float clip_prob(float p) {
  return p < PROB_EPSILON ? PROB_EPSILON : (p > 1.0f - PROB_EPSILON ? 1.0f - PROB_EPSILON : p);
}

static int is_cross_entropy(int kind) {
  return kind == SN_LOSS_BCE || kind == SN_LOSS_CCE || kind == SN_LOSS_SCCE;
}

int sn_loss_target_width(const sn_loss_cfg *loss, int n) { return loss->kind == SN_LOSS_SCCE ? 1 : n; }

/* Target t of column j for a row: sparse rows hold the label, expanded to one-hot. */
static float target_at(const sn_loss_cfg *loss, const float *t_row, int j) {
  return loss->kind == SN_LOSS_SCCE ? (float)((int)t_row[0] == j) : t_row[j];
}

/* Softmax cross-entropy of one row of logits: Σt · log Σ exp(z − max) − Σ t (z − max).
 * With grad: grad_j = (Σt · softmax_j − t_j) · scale, which is (y − t) · scale for
 * one-hot rows and stays exact for soft or multi-hot targets whose rows do not sum to 1. */
static double softmax_ce_row(const sn_loss_cfg *loss, int n, const float *z, const float *t, float *grad,
                             float scale) {
  enum { KEPT = 32 }; /* the first exponentials, kept for the gradient: libm's exp is most of a small batch's loss */
  double e[KEPT];
  float max = z[0];
  for (int j = 1; j < n; j++) max = z[j] > max ? z[j] : max;
  double sum = 0.0, tz = 0.0, tsum = 0.0;
  for (int j = 0; j < n; j++) {
    float tj = target_at(loss, t, j);
    double ej = exp((double)(z[j] - max));
    if (j < KEPT) e[j] = ej;
    sum += ej;
    tz += tj * (double)(z[j] - max);
    tsum += tj;
  }
  if (grad)
    for (int j = 0; j < n; j++) {
      double ej = j < KEPT ? e[j] : exp((double)(z[j] - max));
      grad[j] = ((float)(tsum * ej / sum) - target_at(loss, t, j)) * scale;
    }
  return tsum * log(sum) - tz;
}

/* Sigmoid binary cross-entropy from logits, per element max(z,0) − z·t + log(1 + e^−|z|),
 * averaged over the row. With grad: grad_j = (sigmoid(z_j) − t_j) · scale. */
static double sigmoid_bce_row(int n, const float *z, const float *t, float *grad, float scale) {
  double total = 0.0;
  for (int j = 0; j < n; j++) {
    double zj = z[j];
    total += (zj > 0 ? zj : 0) - zj * t[j] + log1p(exp(-fabs(zj)));
    if (grad) grad[j] = ((float)(1.0 / (1.0 + exp(-zj))) - t[j]) * scale;
  }
  return total / n;
}

/* Loss of one row of probabilities / predictions p; with grad, dL/dp · scale. */
static double prob_loss_row(const sn_loss_cfg *loss, int n, const float *p, const float *t, float *grad,
                            float scale) {
  double total = 0.0;
  for (int j = 0; j < n; j++) {
    float tj = target_at(loss, t, j), pj = p[j], d = pj - tj, g = 0.0f;
    switch (loss->kind) {
    case SN_LOSS_MSE: total += (double)d * d / n; g = 2.0f * d / n; break;
    case SN_LOSS_MAE: total += fabs((double)d) / n; g = (float)((d > 0) - (d < 0)) / n; break;
    case SN_LOSS_BCE: {
      float q = clip_prob(pj);
      total += -(tj * log(q) + (1.0 - tj) * log(1.0 - q)) / n;
      g = (q - tj) / (q * (1.0f - q)) / n;
      break;
    }
    case SN_LOSS_CCE:
    case SN_LOSS_SCCE: {
      float q = clip_prob(pj);
      total += -tj * log(q);
      g = -tj / q;
      break;
    }
    case SN_LOSS_ASYMMETRIC:
      total += d < 0 ? -(double)loss->profit * d : (double)loss->cost * d;
      g = d < 0 ? -loss->profit : loss->cost;
      break;
    }
    if (grad) grad[j] = g * scale;
  }
  return total;
}

/* Row loss for outputs that are logits (from_logits) or probabilities. */
static double row_loss(const sn_loss_cfg *loss, int logits, int n, const float *out, const float *t, float *grad,
                       float scale) {
  if (!logits) return prob_loss_row(loss, n, out, t, grad, scale);
  if (loss->kind == SN_LOSS_BCE) return sigmoid_bce_row(n, out, t, grad, scale / n);
  return softmax_ce_row(loss, n, out, t, grad, scale);
}

void sn_loss_per_sample(const sn_loss_cfg *loss, int m, int n, const float *out, const float *target,
                        float *per_sample) {
  int tw = sn_loss_target_width(loss, n);
  int logits = loss->from_logits && is_cross_entropy(loss->kind);
  for (int r = 0; r < m; r++)
    per_sample[r] = (float)row_loss(loss, logits, n, out + (long)r * n, target + (long)r * tw, 0, 1.0f);
}

/* The last activation and the loss cancel into (y − t) when the loss is the
 * cross-entropy that matches the activation. */
static int fuses_with(const sn_loss_cfg *loss, int act) {
  if (loss->from_logits) return 0;
  return (act == SN_ACT_SOFTMAX && (loss->kind == SN_LOSS_CCE || loss->kind == SN_LOSS_SCCE)) ||
         (act == SN_ACT_SIGMOID && loss->kind == SN_LOSS_BCE);
}

/* Rows a mask leaves valid (all m without one). */
static int valid_rows(int m, const float *mask) {
  int valid = m;
  for (int r = 0; r < m && mask; r++) valid -= mask[r] == 0.0f;
  return valid;
}

double sn_loss_forward_backward(const sn_loss_cfg *loss, int act, sn_act_param ap, int m, int n, const float *z,
                                const float *y, const float *target, const float *mask, float *dz) {
  int tw = sn_loss_target_width(loss, n);
  int fused = fuses_with(loss, act);
  int logits = fused || (loss->from_logits && is_cross_entropy(loss->kind));
  const float *out = fused ? z : y; /* fused: the loss is read from z as logits */
  int valid = valid_rows(m, mask);
  float scale = valid ? 1.0f / valid : 0.0f;
  double total = 0.0;
  for (int r = 0; r < m; r++) {
    float *grad = dz ? dz + (long)r * n : 0;
    if (mask && mask[r] == 0.0f) {
      if (grad) memset(grad, 0, (size_t)n * sizeof(float));
      continue;
    }
    total += row_loss(loss, logits, n, out + (long)r * n, target + (long)r * tw, grad, scale);
  }
  if (dz && !fused) k_act_backward(act, ap, m, n, z, y, dz, dz);
  return valid ? total / valid : 0.0;
}

static int argmax(int n, const float *v) {
  int best = 0;
  for (int j = 1; j < n; j++)
    if (v[j] > v[best]) best = j;
  return best;
}

/* Keras picks the accuracy from the loss: sparse for integer labels, binary for
 * binary cross-entropy or a single output, categorical otherwise. */
static void add_accuracy(const sn_loss_cfg *loss, int m, int n, const float *y, const float *target, const float *mask,
                         double *sums) {
  int tw = sn_loss_target_width(loss, n), valid = valid_rows(m, mask);
  if (loss->kind == SN_LOSS_SCCE || (loss->kind != SN_LOSS_BCE && n > 1)) {
    for (int r = 0; r < m; r++) {
      const float *t = target + (long)r * tw;
      int label = loss->kind == SN_LOSS_SCCE ? (int)t[0] : argmax(n, t);
      if (!mask || mask[r] != 0.0f) sums[SN_SUM_CORRECT] += argmax(n, y + (long)r * n) == label;
    }
    sums[SN_SUM_ACC_COUNT] += valid;
    return;
  }
  float threshold = loss->from_logits ? 0.0f : 0.5f;
  for (long i = 0; i < (long)m * n; i++)
    if (!mask || mask[i / n] != 0.0f) sums[SN_SUM_CORRECT] += (y[i] > threshold) == (target[i] > 0.5f);
  sums[SN_SUM_ACC_COUNT] += (double)valid * n;
}

void sn_metrics_add(const sn_loss_cfg *loss, int m, int positions, int n, const float *y, const float *target,
                    const float *mask, double batch_loss, double *sums) {
  int tw = sn_loss_target_width(loss, n);
  sums[SN_SUM_ROWS] += m;
  sums[SN_SUM_LOSS] += batch_loss * m;
  m *= positions; /* from here on, rows of n */
  add_accuracy(loss, m, n, y, target, mask, sums);
  for (int r = 0; r < m; r++)
    for (int j = 0; j < n && (!mask || mask[r] != 0.0f); j++) {
      double d = y[(long)r * n + j] - target_at(loss, target + (long)r * tw, j);
      sums[SN_SUM_SQ_ERR] += d * d;
      sums[SN_SUM_ABS_ERR] += fabs(d);
    }
  sums[SN_SUM_ELEMENTS] += (double)valid_rows(m, mask) * n;
}

/* Per-sample losses for the wrapper's loss.compute(), outside any model. */
SN_API void sn_loss_values(int kind, int from_logits, float cost, float profit, int m, int n, const float *out,
                           const float *target, float *per_sample) {
  sn_loss_cfg loss = {.kind = kind, .from_logits = from_logits, .cost = cost, .profit = profit};
  sn_loss_per_sample(&loss, m, n, out, target, per_sample);
}
