/* What happens to a dense layer's output after its activation: dropout (in
 * training only) and the activity regularizer. The layer's own output y[l]
 * stays as the activation produced it (its backward pass needs it); with
 * dropout, the next layer reads yd[l] = y[l]·mask instead. */
#include "api.h"
#include "model.h"
#include <math.h>
#include <stddef.h>

static sn_dense *unbuilt_layer(sn_model *m, int layer) {
  return m->params || layer < 0 || layer >= m->n_layers ? NULL : &m->layers[layer];
}

/* Keras' activity regularizer: l1·Σ|y| + l2·Σy² of the layer's output, divided
 * by the batch size (so per sample, like the data loss). */
SN_API int sn_model_set_activity_regularizer(sn_model *m, int layer, float l1, float l2) {
  sn_dense *d = unbuilt_layer(m, layer);
  if (!d || !(l1 >= 0) || !(l2 >= 0)) return 0;
  d->act_l1 = l1;
  d->act_l2 = l2;
  return 1;
}

/* Inverted dropout on the layer's output: each unit kept with probability
 * 1 − rate and scaled by 1/(1 − rate), so nothing changes at inference. */
SN_API int sn_model_set_dropout(sn_model *m, int layer, float rate, int seeded, unsigned seed) {
  sn_dense *d = unbuilt_layer(m, layer);
  if (!d || !(rate >= 0.0f && rate < 1.0f)) return 0;
  d->dropout = rate;
  d->dropout_seeded = seeded != 0;
  d->dropout_seed = seed;
  return 1;
}

/* Seeds each dropout layer's generator: its own seed, or one drawn from the
 * model's generator after the weights, so the weights do not depend on it. */
void sn_model_seed_dropout(sn_model *m) {
  for (int l = 0; l < m->n_layers; l++) {
    sn_dense *d = &m->layers[l];
    if (d->dropout > 0.0f) sn_rng_seed(&d->dropout_rng, d->dropout_seeded ? d->dropout_seed : sn_rng_u32(&m->rng));
  }
}

/* New masks for a training batch of `rows` rows: a unit survives when a 32-bit
 * draw is at least rate·2³², i.e. with probability 1 − rate. */
void sn_model_draw_masks(sn_model *m, int rows) {
  if (m->keep_masks) return;
  for (int l = 0; l < m->n_layers; l++) {
    sn_dense *d = &m->layers[l];
    if (d->dropout <= 0.0f) continue;
    double threshold = d->dropout * 4294967296.0;
    float scale = 1.0f / (1.0f - d->dropout);
    long n = (long)rows * d->out;
    for (long i = 0; i < n; i++) m->mask[l][i] = sn_rng_u32(&d->dropout_rng) >= threshold ? scale : 0.0f;
  }
}

static int dropping(const sn_model *m, int l) { return m->training && m->layers[l].dropout > 0.0f; }

/* The output the next layer reads, after the forward pass of layer l. */
const float *sn_layer_output(sn_model *m, int l, int rows) {
  if (!dropping(m, l)) return m->y[l];
  long n = (long)rows * m->layers[l].out;
  float *restrict out = m->yd[l];
  const float *restrict y = m->y[l], *restrict mask = m->mask[l];
  for (long i = 0; i < n; i++) out[i] = y[i] * mask[i];
  return out;
}

/* What layer l read in the forward pass. */
const float *sn_layer_input(const sn_model *m, int l, const float *x) {
  if (l == 0) return x;
  return dropping(m, l - 1) ? m->yd[l - 1] : m->y[l - 1];
}

/* dy arrives as the gradient of the mean loss with respect to what the next
 * layer read; leaves it with respect to y[l]: through the mask, plus the
 * activity regularizer's (l1·sign(y) + 2·l2·y)/rows. */
void sn_layer_output_gradient(sn_model *m, int l, int rows, float *dy) {
  const sn_dense *d = &m->layers[l];
  long n = (long)rows * d->out;
  if (dropping(m, l)) {
    const float *mask = m->mask[l];
    for (long i = 0; i < n; i++) dy[i] *= mask[i];
  }
  if (d->act_l1 == 0.0f && d->act_l2 == 0.0f) return;
  float l1 = d->act_l1 / rows, l2 = 2.0f * d->act_l2 / rows;
  const float *y = m->y[l];
  for (long i = 0; i < n; i++) dy[i] += l1 * (float)((y[i] > 0) - (y[i] < 0)) + l2 * y[i];
}

/* Σ over the batch of every activity regularizer (not yet divided by rows). */
double sn_model_activity_penalty(const sn_model *m, int rows) {
  double penalty = 0.0;
  for (int l = 0; l < m->n_layers; l++) {
    const sn_dense *d = &m->layers[l];
    if (d->act_l1 == 0.0f && d->act_l2 == 0.0f) continue;
    const float *y = m->y[l];
    for (long i = 0, n = (long)rows * d->out; i < n; i++) penalty += d->act_l1 * fabsf(y[i]) + (double)d->act_l2 * y[i] * y[i];
  }
  return penalty;
}
