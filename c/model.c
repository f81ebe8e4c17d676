#include "model.h"
#include "api.h"
#include "init.h"
#include "kernels.h"
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

SN_API sn_model *sn_model_create(int input_dim, unsigned seed) {
  if (input_dim <= 0) return NULL;
  sn_model *m = calloc(1, sizeof *m);
  if (!m) return NULL;
  m->input_dim = input_dim;
  sn_rng_seed(&m->rng, seed);
  return m;
}

SN_API void sn_model_free(sn_model *m) {
  if (!m) return;
  free(m->params);
  free(m->grads);
  free(m->work);
  free(m->perm);
  sn_opt_free(m->opt);
  free(m);
}

SN_API int sn_model_output_dim(const sn_model *m) {
  return m->n_layers ? m->layers[m->n_layers - 1].out : m->input_dim;
}

/* Returns the new layer's index, or -1. Defaults: glorotUniform kernel, zero bias. */
SN_API int sn_model_add_dense(sn_model *m, int units, int act, float alpha, int use_bias) {
  if (m->params || m->n_layers >= SN_MAX_LAYERS || units <= 0 || act < 0 || act >= SN_ACT_COUNT) return -1;
  sn_dense *d = &m->layers[m->n_layers];
  memset(d, 0, sizeof *d);
  d->in = sn_model_output_dim(m);
  d->out = units;
  d->act = act;
  d->alpha = alpha;
  d->use_bias = use_bias != 0;
  d->init[SN_KERNEL] = SN_INIT_GLOROT_UNIFORM;
  d->init[SN_BIAS] = SN_INIT_ZEROS;
  return m->n_layers++;
}

static sn_dense *layer_slot(sn_model *m, int layer, int which) {
  if (m->params || layer < 0 || layer >= m->n_layers || (which != SN_KERNEL && which != SN_BIAS)) return NULL;
  return &m->layers[layer];
}

SN_API int sn_model_set_initializer(sn_model *m, int layer, int which, int kind, float a, float b) {
  sn_dense *d = layer_slot(m, layer, which);
  if (!d || kind < 0 || kind >= SN_INIT_COUNT) return 0;
  d->init[which] = kind;
  d->init_a[which] = a;
  d->init_b[which] = b;
  return 1;
}

SN_API int sn_model_set_regularizer(sn_model *m, int layer, int which, float l1, float l2) {
  sn_dense *d = layer_slot(m, layer, which);
  if (!d) return 0;
  d->l1[which] = l1;
  d->l2[which] = l2;
  return 1;
}

/* Allocates the parameters and draws them, layer by layer, kernel then bias,
 * from the model's generator: the same seed gives the same weights. */
SN_API int sn_model_build(sn_model *m) {
  if (m->params || m->n_layers == 0) return 0;
  int64_t n = 0; /* 64 bits: long is 32 in wasm, and in·out of wide layers overflows it */
  for (int l = 0; l < m->n_layers; l++) {
    sn_dense *d = &m->layers[l];
    d->w_off = (long)n;
    n += (int64_t)d->in * d->out;
    d->b_off = (long)n;
    n += d->use_bias ? d->out : 0;
    if (n > SN_MAX_PARAMS) return 0; /* also keeps every offset and in·out within int */
  }
  m->params = malloc((size_t)n * sizeof(float));
  m->grads = calloc((size_t)n, sizeof(float));
  if (!m->params || !m->grads) {
    free(m->params);
    free(m->grads);
    m->params = m->grads = NULL;
    return 0;
  }
  m->n_params = n;
  for (int l = 0; l < m->n_layers; l++) {
    sn_dense *d = &m->layers[l];
    sn_init_fill(d->init[SN_KERNEL], d->init_a[SN_KERNEL], d->init_b[SN_KERNEL], d->in, d->out, &m->rng,
                 m->params + d->w_off, d->in * d->out);
    if (d->use_bias)
      sn_init_fill(d->init[SN_BIAS], d->init_a[SN_BIAS], d->init_b[SN_BIAS], d->out, d->out, &m->rng,
                   m->params + d->b_off, d->out);
  }
  sn_model_seed_dropout(m);
  return 1;
}

/* Takes ownership of opt (also on failure); replaces a previous optimizer. */
SN_API int sn_model_compile(sn_model *m, int loss_kind, int from_logits, float cost, float profit,
                            sn_optimizer *opt) {
  if (!m->params || !opt || opt->n != m->n_params || loss_kind < 0 || loss_kind >= SN_LOSS_COUNT) {
    sn_opt_free(opt);
    return 0;
  }
  int segments[2 * SN_MAX_LAYERS], count = 0; /* each kernel and bias is one variable (clipnorm) */
  for (int l = 0; l < m->n_layers; l++) {
    segments[count++] = m->layers[l].in * m->layers[l].out;
    if (m->layers[l].use_bias) segments[count++] = m->layers[l].out;
  }
  if (!sn_opt_set_segments(opt, segments, count)) {
    sn_opt_free(opt);
    return 0;
  }
  sn_opt_free(m->opt);
  m->opt = opt;
  m->loss = (sn_loss_cfg){.kind = loss_kind, .from_logits = from_logits, .cost = cost, .profit = profit};
  return 1;
}

static int widest(const sn_model *m) {
  int w = m->input_dim;
  for (int l = 0; l < m->n_layers; l++) w = m->layers[l].out > w ? m->layers[l].out : w;
  return w;
}

/* Grows the workspace to hold `rows` rows; never shrinks it. */
SN_API int sn_model_reserve(sn_model *m, int rows) {
  if (rows <= m->cap) return 1;
  if (!m->params) return 0;
  int64_t per_row = m->input_dim + sn_model_output_dim(m) + 2LL * widest(m);
  for (int l = 0; l < m->n_layers; l++)
    per_row += (int64_t)m->layers[l].out * ((m->layers[l].act == SN_ACT_LINEAR ? 1 : 2) + (m->layers[l].dropout > 0 ? 2 : 0));
  /* In 64 bits: rows × per_row floats may exceed wasm's 32-bit size_t. */
  uint64_t bytes = (uint64_t)per_row * (uint64_t)rows * sizeof(float);
  if (rows < 0 || bytes > SIZE_MAX) return 0;
  float *work = malloc((size_t)bytes);
  if (!work) return 0;
  free(m->work);
  m->work = work;
  m->cap = rows;
  float *p = work;
  m->xb = p, p += (long)rows * m->input_dim;
  m->tb = p, p += (long)rows * sn_model_output_dim(m);
  m->d0 = p, p += (long)rows * widest(m);
  m->d1 = p, p += (long)rows * widest(m);
  for (int l = 0; l < m->n_layers; l++) {
    long size = (long)rows * m->layers[l].out;
    m->z[l] = p, p += size;
    if (m->layers[l].act == SN_ACT_LINEAR) m->y[l] = m->z[l];
    else m->y[l] = p, p += size;
    if (m->layers[l].dropout > 0) m->mask[l] = p, p += size, m->yd[l] = p, p += size;
  }
  return 1;
}

void sn_model_forward(sn_model *m, int rows, const float *x) {
  const float *in = x;
  for (int l = 0; l < m->n_layers; l++) {
    const sn_dense *d = &m->layers[l];
    k_gemm_nn(rows, d->in, d->out, in, m->params + d->w_off, m->z[l], 0);
    if (d->use_bias) k_bias_add(rows, d->out, m->z[l], m->params + d->b_off);
    k_act_forward(d->act, d->alpha, rows, d->out, m->z[l], m->y[l]);
    in = sn_layer_output(m, l, rows);
  }
}

/* dz_last (d0) holds dL/dz of the last layer; fills m->grads. */
void sn_model_backward(sn_model *m, int rows, const float *x, float *dz_last) {
  float *dz = dz_last;
  for (int l = m->n_layers - 1; l >= 0; l--) {
    const sn_dense *d = &m->layers[l];
    const float *in = sn_layer_input(m, l, x);
    k_gemm_tn(rows, d->in, d->out, in, dz, m->grads + d->w_off, 0);
    if (d->use_bias) k_col_sum(rows, d->out, dz, m->grads + d->b_off, 0);
    if (l == 0) break;
    const sn_dense *prev = &m->layers[l - 1];
    float *dx = dz == m->d0 ? m->d1 : m->d0;
    k_gemm_nt(rows, d->out, d->in, dz, m->params + d->w_off, dx, 0);
    sn_layer_output_gradient(m, l - 1, rows, dx);
    k_act_backward(prev->act, prev->alpha, rows, d->in, m->z[l - 1], m->y[l - 1], dx, dx);
    dz = dx;
  }
}

/* Keras' penalty l1·Σ|w| + l2·Σw² (not Σw²/2) over every regularized tensor;
 * with add_gradients, its gradient l1·sign(w) + 2·l2·w is added to m->grads. */
static double penalize(const float *w, float *g, long n, float l1, float l2) {
  double penalty = 0.0;
  for (long i = 0; i < n; i++) {
    penalty += l1 * fabsf(w[i]) + (double)l2 * w[i] * w[i];
    if (g) g[i] += l1 * (float)((w[i] > 0) - (w[i] < 0)) + 2.0f * l2 * w[i];
  }
  return penalty;
}

double sn_model_regularize(sn_model *m, int add_gradients) {
  double penalty = 0.0;
  for (int l = 0; l < m->n_layers; l++) {
    const sn_dense *d = &m->layers[l];
    long offs[2] = {d->w_off, d->b_off}, sizes[2] = {(long)d->in * d->out, d->use_bias ? d->out : 0};
    for (int which = 0; which < 2; which++) {
      if (d->l1[which] == 0.0f && d->l2[which] == 0.0f) continue;
      penalty += penalize(m->params + offs[which], add_gradients ? m->grads + offs[which] : NULL, sizes[which],
                          d->l1[which], d->l2[which]);
    }
  }
  return penalty;
}
