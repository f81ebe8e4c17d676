/* The model: a list of layers (layer.h), their contiguous parameters, and one
 * workspace. The forward and backward passes walk the list; what each layer
 * does is in its own file. */
#include "model.h"
#include "api.h"
#include "init.h"
#include "kernels.h"
#include "threads.h"
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const sn_layer_ops *const OPS[SN_LAYER_KINDS] = {
    [SN_LAYER_DENSE] = &sn_dense_ops,
    [SN_LAYER_DROPOUT] = &sn_dropout_ops,
    [SN_LAYER_CONV2D] = &sn_conv2d_ops,
    [SN_LAYER_MAX_POOL2D] = &sn_pool2d_ops,
    [SN_LAYER_AVG_POOL2D] = &sn_pool2d_ops,
    [SN_LAYER_GLOBAL_AVG_POOL] = &sn_global_pool_ops,
    [SN_LAYER_GLOBAL_MAX_POOL] = &sn_global_pool_ops,
    [SN_LAYER_BATCH_NORM] = &sn_batch_norm_ops,
    [SN_LAYER_RESHAPE] = &sn_reshape_ops,
    [SN_LAYER_ACTIVATION] = &sn_activation_ops,
};

const sn_layer_ops *sn_layer_ops_of(int kind) { return OPS[kind]; }

static int valid_shape(int h, int w, int c) {
  return h > 0 && w > 0 && c > 0 && (int64_t)h * w * c <= SN_MAX_SAMPLE_SIZE;
}

SN_API sn_model *sn_model_create_hwc(int h, int w, int c, unsigned seed) {
  if (!valid_shape(h, w, c)) return NULL;
  sn_model *m = calloc(1, sizeof *m);
  if (!m) return NULL;
  m->input = (sn_shape){h, w, c};
  m->input_dim = h * w * c;
  sn_rng_seed(&m->rng, seed);
  return m;
}

SN_API sn_model *sn_model_create(int input_dim, unsigned seed) { return sn_model_create_hwc(1, 1, input_dim, seed); }

SN_API void sn_model_free(sn_model *m) {
  if (!m) return;
  free(m->params);
  free(m->grads);
  free(m->state);
  free(m->work);
  free(m->perm);
  sn_opt_free(m->opt);
  free(m);
}

static sn_shape output_shape(const sn_model *m) { return m->n_layers ? sn_model_last(m)->out : m->input; }

SN_API int sn_model_output_dim(const sn_model *m) { return (int)sn_shape_size(output_shape(m)); }

/* Floats per sample of a layer's output, or -1 for no such layer. */
SN_API int sn_model_layer_size(const sn_model *m, int layer) {
  return layer < 0 || layer >= m->n_layers ? -1 : (int)sn_shape_size(m->layers[layer].out);
}

sn_layer *sn_model_begin_layer(sn_model *m, int kind) {
  if (m->params || m->n_layers >= SN_MAX_LAYERS) return NULL;
  sn_layer *l = &m->layers[m->n_layers];
  memset(l, 0, sizeof *l);
  l->kind = kind;
  l->in = output_shape(m);
  l->act = SN_ACT_LINEAR;
  l->t[SN_KERNEL].init = SN_INIT_GLOROT_UNIFORM; /* Keras' defaults; the rest are zeros */
  return l;
}

int sn_model_end_layer(sn_model *m, int ok) {
  sn_layer *l = &m->layers[m->n_layers];
  if (!ok || !OPS[l->kind]->setup(l) || !valid_shape(l->out.h, l->out.w, l->out.c)) return -1;
  for (int i = 0; i < SN_MAX_TENSORS; i++)
    if (l->t[i].exists && (l->t[i].size <= 0 || l->t[i].size > SN_MAX_PARAMS)) return -1;
  return m->n_layers++;
}

static sn_tensor *tensor_slot(sn_model *m, int layer, int which) {
  if (m->params || layer < 0 || layer >= m->n_layers || which < 0 || which >= SN_MAX_TENSORS) return NULL;
  return &m->layers[layer].t[which];
}

SN_API int sn_model_set_initializer(sn_model *m, int layer, int which, int kind, float a, float b) {
  sn_tensor *t = tensor_slot(m, layer, which);
  if (!t || kind < 0 || kind >= SN_INIT_COUNT) return 0;
  t->init = kind;
  t->init_a = a;
  t->init_b = b;
  return 1;
}

SN_API int sn_model_set_regularizer(sn_model *m, int layer, int which, float l1, float l2) {
  sn_tensor *t = tensor_slot(m, layer, which);
  if (!t) return 0;
  t->l1 = l1;
  t->l2 = l2;
  return 1;
}

/* Allocates the parameters and the state, and draws them layer by layer,
 * tensor by tensor in Keras' order, from the model's generator: the same seed
 * gives the same weights. Then the dropout generators are seeded. */
SN_API int sn_model_build(sn_model *m) {
  if (m->params || m->n_layers == 0) return 0;
  int64_t n = 0, ns = 0; /* 64 bits: long is 32 in wasm, and in·out of wide layers overflows it */
  m->first_trainable = m->n_layers;
  for (int l = 0; l < m->n_layers; l++)
    for (int i = 0; i < SN_MAX_TENSORS; i++) {
      sn_tensor *t = &m->layers[l].t[i];
      if (!t->exists) continue;
      int64_t *count = t->trainable ? &n : &ns;
      t->off = (long)*count;
      *count += t->size;
      if (n > SN_MAX_PARAMS || ns > SN_MAX_PARAMS) return 0; /* also keeps every offset within int */
      if (t->trainable && l < m->first_trainable) m->first_trainable = l;
    }
  m->params = malloc((size_t)(n ? n : 1) * sizeof(float));
  m->grads = calloc((size_t)(n ? n : 1), sizeof(float));
  m->state = malloc((size_t)(ns ? ns : 1) * sizeof(float));
  if (!m->params || !m->grads || !m->state) {
    free(m->params);
    free(m->grads);
    free(m->state);
    m->params = m->grads = m->state = NULL;
    return 0;
  }
  m->n_params = (long)n;
  m->n_state = (long)ns;
  for (int l = 0; l < m->n_layers; l++)
    for (int i = 0; i < SN_MAX_TENSORS; i++) {
      sn_tensor *t = &m->layers[l].t[i];
      if (!t->exists) continue;
      t->w = (t->trainable ? m->params : m->state) + t->off;
      t->g = t->trainable ? m->grads + t->off : NULL;
      sn_init_fill(t->init, t->init_a, t->init_b, t->fan_in, t->fan_out, &m->rng, t->w, (int)t->size);
    }
  for (int l = 0; l < m->n_layers; l++)
    if (OPS[m->layers[l].kind]->seed) OPS[m->layers[l].kind]->seed(&m->layers[l], &m->rng);
  return 1;
}

/* Takes ownership of opt (also on failure); replaces a previous optimizer. */
SN_API int sn_model_compile(sn_model *m, int loss_kind, int from_logits, float cost, float profit,
                            sn_optimizer *opt) {
  if (!m->params || !opt || opt->n != m->n_params || loss_kind < 0 || loss_kind >= SN_LOSS_COUNT) {
    sn_opt_free(opt);
    return 0;
  }
  int segments[SN_MAX_TENSORS * SN_MAX_LAYERS], count = 0; /* each tensor is one variable (clipnorm) */
  for (int l = 0; l < m->n_layers; l++)
    for (int i = 0; i < SN_MAX_TENSORS; i++)
      if (m->layers[l].t[i].exists && m->layers[l].t[i].trainable) segments[count++] = (int)m->layers[l].t[i].size;
  if (!sn_opt_set_segments(opt, segments, count)) {
    sn_opt_free(opt);
    return 0;
  }
  sn_opt_free(m->opt);
  m->opt = opt;
  m->loss = (sn_loss_cfg){.kind = loss_kind, .from_logits = from_logits, .cost = cost, .profit = profit};
  return 1;
}

/* Lays the workspace for `rows` rows out over c (counting only when c->base is NULL). */
static void carve_workspace(sn_model *m, int rows, sn_carver *c) {
  int64_t widest = m->input_dim, scratch = 0;
  for (int l = 0; l < m->n_layers; l++) {
    const sn_layer *L = &m->layers[l];
    int64_t size = sn_shape_size(L->out), need = OPS[L->kind]->scratch ? OPS[L->kind]->scratch(L, rows) : 0;
    widest = size > widest ? size : widest;
    scratch = need > scratch ? need : scratch;
  }
  /* The batch and the gradients first, then each layer's buffers, as the dense model had them. */
  m->xb = sn_carve(c, (int64_t)rows * m->input_dim);
  m->tb = sn_carve(c, (int64_t)rows * sn_model_output_dim(m));
  m->d0 = sn_carve(c, rows * widest);
  m->d1 = sn_carve(c, rows * widest);
  for (int l = 0; l < m->n_layers; l++) {
    sn_layer *L = &m->layers[l];
    if (OPS[L->kind]->reserve) OPS[L->kind]->reserve(L, rows, c);
    L->ybuf = L->act == SN_ACT_LINEAR ? NULL : sn_carve(c, rows * sn_shape_size(L->out));
  }
  m->scratch = scratch ? sn_carve(c, scratch) : NULL;
}

/* Grows the workspace to hold `rows` rows; never shrinks it. */
SN_API int sn_model_reserve(sn_model *m, int rows) {
  if (rows <= m->cap) return 1;
  if (!m->params || rows < 0) return 0;
  sn_carver count = {0};
  carve_workspace(m, rows, &count);
  /* In 64 bits: the floats may exceed wasm's 32-bit size_t. */
  uint64_t bytes = (uint64_t)count.used * sizeof(float);
  float *work = bytes <= SIZE_MAX && bytes < (uint64_t)1 << 32 ? malloc((size_t)bytes) : NULL;
  if (!work) {
    carve_workspace(m, m->cap, &(sn_carver){m->work, 0}); /* the counting pass cleared the pointers */
    return 0;
  }
  free(m->work);
  m->work = work;
  m->cap = rows;
  carve_workspace(m, rows, &(sn_carver){work, 0});
  return 1;
}

/* New dropout masks for a training batch (unless the gradient checks hold them). */
void sn_model_draw_masks(sn_model *m, int rows) {
  if (m->keep_masks) return;
  for (int l = 0; l < m->n_layers; l++)
    if (OPS[m->layers[l].kind]->draw) OPS[m->layers[l].kind]->draw(&m->layers[l], rows);
}

/* After an accepted training step: batch norm's moving statistics. */
void sn_model_commit(sn_model *m) {
  for (int l = 0; l < m->n_layers; l++)
    if (OPS[m->layers[l].kind]->commit) OPS[m->layers[l].kind]->commit(&m->layers[l]);
}

/* y = act(z) over rows·h·w vectors of c (softmax along the channels, as Keras);
 * a linear layer's y is its z. */
static void activate(sn_layer *l, int rows) {
  if (l->act == SN_ACT_LINEAR) {
    l->y = l->z;
    return;
  }
  sn_par_act_forward(l->act, l->alpha, rows * l->out.h * l->out.w, l->out.c, l->z, l->ybuf);
  l->y = l->ybuf;
}

void sn_model_forward(sn_model *m, int rows, const float *x) {
  const float *in = x;
  m->scratch_holds = NULL;
  for (int l = 0; l < m->n_layers; l++) {
    sn_layer *L = &m->layers[l];
    OPS[L->kind]->forward(m, L, rows, in);
    activate(L, rows);
    in = L->y;
  }
}

/* dz_last (d0) holds dL/dz of the last layer; fills m->grads. Layers below the
 * lowest one with weights are not visited, and that one computes no dL/dx. */
void sn_model_backward(sn_model *m, int rows, const float *x, float *dz_last) {
  float *d = dz_last;
  for (int l = m->n_layers - 1; l >= m->first_trainable; l--) {
    sn_layer *L = &m->layers[l];
    if (l < m->n_layers - 1) sn_layer_output_gradient(L, rows, d); /* d: dL/dy → dL/dz */
    float *other = d == m->d0 ? m->d1 : m->d0;
    const float *in = l ? m->layers[l - 1].y : x;
    d = OPS[L->kind]->backward(m, L, rows, in, d, l > m->first_trainable ? other : NULL);
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
  for (int l = 0; l < m->n_layers; l++)
    for (int i = 0; i < SN_MAX_TENSORS; i++) {
      const sn_tensor *t = &m->layers[l].t[i];
      if (!t->exists || !t->trainable || (t->l1 == 0.0f && t->l2 == 0.0f)) continue;
      penalty += penalize(t->w, add_gradients ? t->g : NULL, (long)t->size, t->l1, t->l2);
    }
  return penalty;
}

/* Views (reshape, activation layers, dropout outside training). */
void sn_view_forward(sn_model *m, sn_layer *l, int rows, const float *x) {
  (void)m, (void)rows;
  l->z = x;
}

float *sn_view_backward(sn_model *m, sn_layer *l, int rows, const float *x, float *dz, float *dx) {
  (void)m, (void)l, (void)rows, (void)x;
  return dx ? dz : NULL;
}
