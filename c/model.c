/* The model: a graph of nodes (layer.h) over values, built node by node, and
 * its weights laid out in contiguous buffers. The workspace and the passes
 * over the graph are in graph.c; what each node does is in its kind's own file. */
#include "model.h"
#include "api.h"
#include "init.h"
#include "kernels.h"
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int valid_shape(int h, int w, int c) {
  return h > 0 && w > 0 && c > 0 && (int64_t)h * w * c <= SN_MAX_SAMPLE_SIZE;
}

/* Grows *items (of `size` bytes each) to hold `need`, doubling; 0 when out of memory. */
static int grow(void **items, int *cap, int need, size_t size) {
  if (need <= *cap) return 1;
  int n = *cap ? *cap : 8;
  while (n < need) n *= 2;
  void *p = realloc(*items, (size_t)n * size);
  if (!p) return 0;
  *items = p;
  *cap = n;
  return 1;
}

SN_API sn_model *sn_model_create_graph(unsigned seed) {
  sn_model *m = calloc(1, sizeof *m);
  if (!m) return NULL;
  m->pending_share = -1;
  m->layout = -1;
  sn_rng_seed(&m->rng, seed);
  return m;
}

SN_API sn_model *sn_model_create_hwc(int h, int w, int c, unsigned seed) {
  if (!valid_shape(h, w, c)) return NULL;
  sn_model *m = sn_model_create_graph(seed);
  if (m && sn_model_add_input(m, h, w, c) < 0) {
    sn_model_free(m);
    return NULL;
  }
  return m;
}

SN_API sn_model *sn_model_create(int input_dim, unsigned seed) { return sn_model_create_hwc(1, 1, input_dim, seed); }

SN_API void sn_model_free(sn_model *m) {
  if (!m) return;
  free(m->inputs);
  free(m->layers);
  free(m->edges);
  free(m->values);
  free(m->outputs);
  free(m->sums);
  free(m->params);
  free(m->grads);
  free(m->state);
  free(m->shared_grads);
  free(m->work);
  free(m->plan);
  free(m->fold);
  free(m->pool);
  free(m->perm);
  sn_opt_free(m->opt);
  free(m);
}

static int n_values(const sn_model *m) { return m->n_inputs + m->n_layers; }

/* Room for one more value (the inputs' and nodes' share one table), zeroed. */
static int grow_values(sn_model *m) {
  if (!grow((void **)&m->values, &m->values_cap, n_values(m) + 1, sizeof(sn_value))) return 0;
  memset(&m->values[n_values(m)], 0, sizeof(sn_value));
  return 1;
}

/* Whether a tensor learns: trainable of its kind, and its node not frozen. */
static int learns(const sn_layer *l, const sn_tensor *t) { return t->trainable && !l->frozen; }

SN_API int sn_model_add_input(sn_model *m, int h, int w, int c) {
  if (m->params || m->n_layers || m->n_inputs >= SN_MAX_ENDS || !valid_shape(h, w, c) ||
      m->input_dim > INT32_MAX - h * w * c)
    return -1;
  sn_input *in = realloc(m->inputs, (size_t)(m->n_inputs + 1) * sizeof *in);
  if (!in) return -1;
  m->inputs = in;
  if (!grow_values(m)) return -1;
  m->inputs[m->n_inputs] = (sn_input){.col = m->input_dim};
  m->values[m->n_inputs] = (sn_value){.shape = {h, w, c}, .producer = -1};
  m->input_dim += h * w * c;
  return m->n_inputs++;
}

SN_API int sn_model_node_value(const sn_model *m, int layer) {
  return layer < 0 || layer >= m->n_layers ? -1 : m->n_inputs + layer;
}

SN_API int sn_model_set_inputs(sn_model *m, const int *values, int n) {
  if (m->params || n < 1 || n > SN_MAX_NODE_INPUTS || m->n_edges > INT32_MAX - n) return 0;
  for (int i = 0; i < n; i++)
    if (values[i] < 0 || values[i] >= n_values(m)) return 0;
  if (!grow((void **)&m->edges, &m->edges_cap, m->n_edges + n, sizeof(int))) return 0;
  memcpy(m->edges + m->n_edges, values, (size_t)n * sizeof(int));
  m->pending_first = m->n_edges;
  m->pending_n = n;
  m->n_edges += n;
  return 1;
}

SN_API int sn_model_share(sn_model *m, int owner) {
  if (m->params || owner < 0 || owner >= m->n_layers) return 0;
  m->pending_share = m->layers[owner].shares >= 0 ? m->layers[owner].shares : owner;
  return 1;
}

SN_API int sn_model_set_outputs(sn_model *m, const int *values, int n) {
  if (m->params || n < 1 || n > m->n_layers || n > SN_MAX_ENDS) return 0;
  for (int i = 0; i < n; i++) {
    if (values[i] < m->n_inputs || values[i] >= n_values(m)) return 0; /* a node's output */
    for (int j = 0; j < i; j++)
      if (values[j] == values[i]) return 0; /* each once */
  }
  sn_output *out = calloc((size_t)n, sizeof *out);
  if (!out) return 0;
  for (int i = 0; i < n; i++) out[i] = (sn_output){.value = values[i], .weight = 1.0f};
  free(m->outputs);
  m->outputs = out;
  m->n_outputs = n;
  return 1;
}

/* Every output's columns in predict's rows and in the targets' rows. */
static void place_outputs(sn_model *m) {
  m->output_dim = m->target_dim = 0;
  for (int k = 0; k < m->n_outputs; k++) {
    sn_output *o = &m->outputs[k];
    int width = (int)sn_shape_size(m->values[o->value].shape);
    o->col = m->output_dim;
    o->tcol = m->target_dim;
    m->output_dim += width;
    m->target_dim += sn_output_target_width(m, k);
  }
}

SN_API int sn_model_output_dim(const sn_model *m) {
  if (m->n_outputs) return m->output_dim;
  int last = n_values(m) - 1;
  return last < 0 ? 0 : (int)sn_shape_size(m->values[last].shape);
}

SN_API int sn_model_target_dim(const sn_model *m) { return m->target_dim; }

/* Floats per sample of a node's output, or -1 for no such node. */
SN_API int sn_model_layer_size(const sn_model *m, int layer) {
  return layer < 0 || layer >= m->n_layers ? -1 : (int)sn_shape_size(m->layers[layer].out);
}

sn_layer *sn_model_begin_layer(sn_model *m, int kind) {
  if (m->params || m->n_inputs == 0 || m->n_layers >= SN_MAX_NODES) return NULL;
  if (!grow((void **)&m->layers, &m->layers_cap, m->n_layers + 1, sizeof(sn_layer)) || !grow_values(m)) return NULL;
  if (!m->pending_n) { /* a chain: the value made last */
    int last = n_values(m) - 1;
    if (!sn_model_set_inputs(m, &last, 1)) return NULL;
  }
  sn_layer *l = &m->layers[m->n_layers];
  memset(l, 0, sizeof *l);
  l->kind = kind;
  l->first_in = m->pending_first;
  l->n_in = m->pending_n;
  l->shares = m->pending_share;
  l->in = sn_node_input(m, l, 0)->shape;
  l->act = SN_ACT_LINEAR;
  l->act_max = INFINITY; /* relu: no cap */
  l->t[SN_KERNEL].init = SN_INIT_GLOROT_UNIFORM; /* Keras' defaults; the rest are zeros */
  return l;
}

/* A node that applies another's layer again: same kind and tensors of the same sizes. */
static int shares_fit(const sn_model *m, const sn_layer *l) {
  if (l->shares < 0) return 1;
  const sn_layer *o = &m->layers[l->shares];
  if (o->kind != l->kind) return 0;
  for (int i = 0; i < SN_MAX_TENSORS; i++)
    if (o->t[i].exists != l->t[i].exists || (o->t[i].exists && o->t[i].size != l->t[i].size)) return 0;
  return 1;
}

int sn_model_end_layer(sn_model *m, int ok) {
  sn_layer *l = &m->layers[m->n_layers];
  const sn_layer_ops *ops = sn_layer_ops_of(l->kind);
  m->pending_n = 0;
  m->pending_share = -1;
  if (!ok || (ops->forward_n ? 0 : l->n_in) > 1) return -1; /* a kind of one input given several */
  if (!sn_act_param_fits(l->act, l->alpha)) return -1; /* SN_ACT_PARAMETERS' range */
  if (!(ops->setup_n ? ops->setup_n(m, l) : ops->setup(l)) || !valid_shape(l->out.h, l->out.w, l->out.c)) return -1;
  for (int i = 0; i < SN_MAX_TENSORS; i++)
    if (l->t[i].exists && (l->t[i].size <= 0 || l->t[i].size > SN_MAX_PARAMS)) return -1;
  if (!shares_fit(m, l)) return -1;
  if (l->shares >= 0) l->frozen = m->layers[l->shares].frozen;
  m->values[n_values(m)] = (sn_value){.shape = l->out, .producer = m->n_layers};
  return m->n_layers++;
}

/* Whether node L makes a Keras mask when its value carries its own (sn_model_set_mask). */
static int can_make_mask(const sn_model *m, const sn_layer *L) {
  if (L->kind == SN_LAYER_EMBEDDING || L->kind == SN_LAYER_TOKEN_AND_POSITION_EMBEDDING || L->kind == SN_LAYER_MASKING) return 1;
  if (L->kind != SN_LAYER_MERGE && L->kind != SN_LAYER_CONCATENATE) return 0;
  for (int i = 0; i < L->n_in; i++)
    if (!sn_node_input(m, L, i)->mask) return 0;
  return 1;
}

SN_API int sn_model_set_mask(sn_model *m, int value, int owner) {
  if (m->params || value < m->n_inputs || value >= n_values(m) || owner < 0 || owner > value - m->n_inputs) return 0;
  const sn_layer *O = &m->layers[owner], *P = &m->layers[value - m->n_inputs];
  sn_shape s = m->values[value].shape;
  if (P->kind == SN_LAYER_MASKING && O != P) return 0; /* a masking node's value carries its own */
  if (O == P ? !can_make_mask(m, O) : m->values[m->n_inputs + owner].mask != owner + 1) return 0;
  if (O->out.h * O->out.w != s.h * s.w) return 0; /* a mask per position of the value */
  m->values[value].mask = owner + 1;
  return 1;
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

/* Which values want gradients: those with a learning weight upstream (that a
 * gradient can reach: not past an embedding's ids). */
static void mark_needs_grad(sn_model *m) {
  for (int v = 0; v < m->n_inputs; v++) m->values[v].needs_grad = 0;
  for (int l = 0; l < m->n_layers; l++) {
    const sn_layer *L = &m->layers[l];
    int needs = 0;
    for (int i = 0; i < SN_MAX_TENSORS; i++) needs |= L->t[i].exists && L->t[i].learns;
    for (int i = 0; i < L->n_in; i++) needs |= sn_passes_gradient(m, L, i);
    m->values[m->n_inputs + l].needs_grad = needs;
  }
}

/* Lays the tensors out: each owner node's in Keras' order in params (when it
 * learns) or state, a sharing node's pointing at its owner's, with gradients
 * of its own in shared_grads (in its owner's order, so a conv2d's bias
 * gradient still follows its kernel's). Allocates new buffers; the caller
 * fills them. Returns 0 (and changes nothing) when out of memory. */
static int layout(sn_model *m) {
  int64_t n = 0, ns = 0, nsh = 0; /* 64 bits: long is 32 in wasm, and in·out of wide layers overflows it */
  for (int l = 0; l < m->n_layers; l++) {
    const sn_layer *L = &m->layers[l];
    for (int i = 0; i < SN_MAX_TENSORS; i++) {
      const sn_tensor *t = &L->t[i];
      if (!t->exists || (L->shares >= 0 && !learns(L, t))) continue;
      *(L->shares >= 0 ? &nsh : learns(L, t) ? &n : &ns) += t->size;
      if (n > SN_MAX_PARAMS || ns > SN_MAX_PARAMS || nsh > SN_MAX_PARAMS) return 0; /* also keeps every offset within int */
    }
  }
  float *params = malloc((size_t)(n ? n : 1) * sizeof(float)), *grads = calloc((size_t)(n ? n : 1), sizeof(float));
  float *state = malloc((size_t)(ns ? ns : 1) * sizeof(float)), *shared = calloc((size_t)(nsh ? nsh : 1), sizeof(float));
  if (!params || !grads || !state || !shared) {
    free(params), free(grads), free(state), free(shared);
    return 0;
  }
  free(m->grads), free(m->shared_grads);
  float *old_params = m->params, *old_state = m->state;
  m->params = params, m->grads = grads, m->state = state, m->shared_grads = shared;
  m->n_params = (long)n, m->n_state = (long)ns, m->n_shared = (long)nsh;
  n = ns = nsh = 0;
  for (int l = 0; l < m->n_layers; l++) {
    sn_layer *L = &m->layers[l];
    for (int i = 0; i < SN_MAX_TENSORS; i++) {
      sn_tensor *t = &L->t[i];
      if (!t->exists) continue;
      const float *old = t->w; /* in old_params or old_state, or NULL on the first layout */
      t->learns = learns(L, t);
      if (L->shares >= 0) {
        const sn_tensor *o = &m->layers[L->shares].t[i];
        t->off = o->off, t->w = o->w;
        t->g = t->learns ? shared + nsh : NULL;
        nsh += t->learns ? t->size : 0;
        continue;
      }
      int64_t *count = t->learns ? &n : &ns;
      t->off = (long)*count;
      *count += t->size;
      t->w = (t->learns ? params : state) + t->off;
      t->g = t->learns ? grads + t->off : NULL;
      if (old) memcpy(t->w, old, (size_t)t->size * sizeof(float));
    }
  }
  free(old_params), free(old_state);
  mark_needs_grad(m);
  return 1;
}

/* Allocates the parameters and the state, and draws them node by node,
 * tensor by tensor in Keras' order, from the model's generator: the same seed
 * gives the same weights; then a kind's own part of its initialization (the
 * LSTM's forget-gate bias). Then the dropout generators are seeded. */
SN_API int sn_model_build(sn_model *m) {
  if (m->params || m->n_layers == 0) return 0;
  if (!m->n_outputs) {
    int last = n_values(m) - 1;
    if (!sn_model_set_outputs(m, &last, 1)) return 0;
  }
  m->sums = calloc((size_t)m->n_outputs * SN_SUM_COUNT, sizeof(double));
  if (!m->sums || !layout(m)) {
    free(m->sums);
    m->sums = NULL;
    return 0;
  }
  place_outputs(m);
  for (int l = 0; l < m->n_layers; l++)
    for (int i = 0; i < SN_MAX_TENSORS; i++) {
      sn_tensor *t = &m->layers[l].t[i];
      if (t->exists && m->layers[l].shares < 0)
        sn_init_fill(t->init, t->init_a, t->init_b, t->fan_in, t->fan_out, t->rank ? t->dims[t->rank - 1] : (int)t->size, &m->rng,
                     t->w, (int)t->size);
    }
  for (int l = 0; l < m->n_layers; l++) {
    const sn_layer_ops *ops = sn_layer_ops_of(m->layers[l].kind);
    if (ops->drawn && m->layers[l].shares < 0) ops->drawn(&m->layers[l]);
    if (ops->seed) ops->seed(&m->layers[l], &m->rng);
  }
  return 1;
}

SN_API int sn_model_set_trainable(sn_model *m, int layer, int trainable) {
  if (layer < 0 || layer >= m->n_layers) return 0;
  int owner = m->layers[layer].shares >= 0 ? m->layers[layer].shares : layer, frozen = !trainable;
  if (m->layers[owner].frozen == frozen) return 1;
  int was = m->layers[owner].frozen;
  for (int l = 0; l < m->n_layers; l++)
    if (l == owner || m->layers[l].shares == owner) m->layers[l].frozen = frozen;
  if (!m->params) return 1;
  if (!layout(m)) { /* out of memory: as it was */
    for (int l = 0; l < m->n_layers; l++)
      if (l == owner || m->layers[l].shares == owner) m->layers[l].frozen = was;
    return 0;
  }
  sn_opt_free(m->opt); /* it stepped the old parameters */
  m->opt = NULL;
  m->rows[0] = m->rows[1] = 0; /* other values want gradients now: the next reserve plans the workspace anew */
  return 1;
}

/* Each learning tensor is one variable (clipnorm, exclude_from_weight_decay), in parameter order. */
static int set_segments(sn_model *m, sn_optimizer *opt) {
  int *segments = malloc((size_t)m->n_layers * SN_MAX_TENSORS * 2 * sizeof(int)), count = 0;
  if (!segments) return 0;
  int *excluded = segments + m->n_layers * SN_MAX_TENSORS;
  for (int l = 0; l < m->n_layers; l++)
    for (int i = 0; i < SN_MAX_TENSORS; i++) {
      const sn_tensor *t = &m->layers[l].t[i];
      if (m->layers[l].shares < 0 && t->exists && t->learns) excluded[count] = t->no_decay, segments[count++] = (int)t->size;
    }
  int ok = sn_opt_set_segments(opt, segments, count) && sn_opt_exclude_from_weight_decay(opt, excluded, count);
  free(segments);
  return ok;
}

SN_API int sn_model_exclude_from_weight_decay(sn_model *m, int layer, int which, int excluded) {
  if (layer < 0 || layer >= m->n_layers || which < 0 || which >= SN_MAX_TENSORS || !m->layers[layer].t[which].exists) return 0;
  m->layers[layer].t[which].no_decay = excluded != 0;
  return 1;
}

static int valid_loss(int loss_kind) { return loss_kind >= 0 && loss_kind < SN_LOSS_COUNT; }

/* Takes ownership of opt (also on failure); replaces a previous optimizer. */
SN_API int sn_model_compile(sn_model *m, int loss_kind, int from_logits, float cost, float profit,
                            sn_optimizer *opt) {
  if (!m->params || !opt || opt->n != m->n_params || !valid_loss(loss_kind) || !set_segments(m, opt)) {
    sn_opt_free(opt);
    return 0;
  }
  sn_opt_free(m->opt);
  m->opt = opt;
  for (int k = 0; k < m->n_outputs; k++) {
    m->outputs[k].loss = (sn_loss_cfg){.kind = loss_kind, .from_logits = from_logits, .cost = cost, .profit = profit};
    m->outputs[k].weight = 1.0f;
  }
  place_outputs(m);
  m->rows[0] = m->rows[1] = 0; /* the targets' buffers may need another width: plan anew */
  return 1;
}

SN_API int sn_model_set_loss(sn_model *m, int output, int loss_kind, int from_logits, float cost, float profit,
                             float weight) {
  if (!m->params || output < 0 || output >= m->n_outputs || !valid_loss(loss_kind) || !(weight >= 0) ||
      !isfinite(weight))
    return 0;
  m->outputs[output].loss = (sn_loss_cfg){.kind = loss_kind, .from_logits = from_logits, .cost = cost, .profit = profit};
  m->outputs[output].weight = weight;
  place_outputs(m);
  m->rows[0] = m->rows[1] = 0; /* plan anew */
  return 1;
}

/* New dropout masks for a training batch (unless the gradient checks hold them). */
void sn_model_draw_masks(sn_model *m, int rows) {
  if (m->keep_masks) return;
  for (int l = 0; l < m->n_layers; l++) {
    const sn_layer_ops *ops = sn_layer_ops_of(m->layers[l].kind);
    if (ops->draw) ops->draw(&m->layers[l], rows);
  }
}

/* After an accepted training step: batch norm's moving statistics. */
void sn_model_commit(sn_model *m) {
  for (int l = 0; l < m->n_layers; l++) {
    const sn_layer_ops *ops = sn_layer_ops_of(m->layers[l].kind);
    if (ops->commit) ops->commit(&m->layers[l]);
  }
}

/* Keras' penalty l1·Σ|w| + l2·Σw² (not Σw²/2) over every regularized tensor;
 * with add_gradients, its gradient l1·sign(w) + 2·l2·w is added to m->grads.
 * A shared layer's weights count once; a frozen layer's not at all, as in
 * Keras 3, whose Layer._get_regularization_losses (keras/src/layers/layer.py)
 * walks trainable_weights only. */
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
      if (m->layers[l].shares >= 0 || !t->exists || !t->learns || (t->l1 == 0.0f && t->l2 == 0.0f)) continue;
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

/* What the wrapper reads of node `layer`'s tensor `which` (C owns every
 * weight's name, shape and place) into out[SN_TINFO_COUNT] (enum
 * sn_tensor_info_field). Returns its name, or NULL when the node has no such
 * tensor or uses another node's (a shared layer). */
SN_API const char *sn_model_tensor_info(const sn_model *m, int layer, int which, int *out) {
  if (layer < 0 || layer >= m->n_layers || which < 0 || which >= SN_MAX_TENSORS) return NULL;
  const sn_layer *L = &m->layers[layer];
  const sn_tensor *t = &L->t[which];
  if (!t->exists || L->shares >= 0) return NULL;
  out[SN_TINFO_LEARNS] = learns(L, t); /* also before build, when t->learns is not set yet */
  out[SN_TINFO_OFFSET] = (int)t->off;
  out[SN_TINFO_SIZE] = (int)t->size;
  out[SN_TINFO_RANK] = t->rank;
  for (int i = 0; i < SN_MAX_RANK; i++) out[SN_TINFO_DIMS + i] = t->dims[i];
  out[SN_TINFO_KIND_TRAINABLE] = t->trainable;
  return t->name;
}
