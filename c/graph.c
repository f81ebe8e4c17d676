/* The passes over the graph (model.h) and the workspace they run in: forward
 * walks the nodes in order; backward walks them back and every node *adds* its
 * input gradients into its input values', so a value read twice (fan-out, a
 * residual, a shared layer) simply collects both.
 *
 * Gradients of values live in a pool of buffers of rows × the widest value: a
 * value's gradient takes a buffer when its first consumer writes it and gives
 * it back once its producer has read it, so a chain needs two (the ping-pong
 * of old) and a graph as many as its widest cut. How many is counted once by
 * walking the backward pass without computing (pool_size below). */
#include "api.h"
#include "kernels.h"
#include "model.h"
#include "threads.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Whether activation layer l may apply its activation in place, over its
 * input's buffer, and need no ybuf of its own (MobileNet's ReLU(6) after each
 * batch norm: 35 buffers as large as the net's largest saved): its
 * activation's derivative must come from y alone (kernels.h: relu without
 * slope or threshold, relu6, sigmoid, tanh, exponential, softmax, logSoftmax),
 * and nothing else may need the values it overwrites — its input is made by a
 * dense, conv or batch norm node (their backward reads x, xhat, never their own
 * output) that owns the buffer (linear, so y = its zbuf), has no activity
 * regularizer, and is read by this node alone, not a model output; nor is
 * this node an output (a softmax fused with its loss reads z as logits). */
static int in_place(const sn_model *m, int l) {
  const sn_layer *L = &m->layers[l];
  int a = L->act;
  int from_y = a == SN_ACT_SIGMOID || a == SN_ACT_TANH || a == SN_ACT_RELU6 || a == SN_ACT_EXPONENTIAL ||
               a == SN_ACT_SOFTMAX || a == SN_ACT_LOG_SOFTMAX || (a == SN_ACT_RELU && L->alpha == 0.0f && L->act_threshold == 0.0f);
  if (L->kind != SN_LAYER_ACTIVATION || !from_y) return 0;
  int v = m->edges[L->first_in];
  int p = m->values[v].producer;
  if (p < 0) return 0;
  const sn_layer *P = &m->layers[p];
  if ((P->kind != SN_LAYER_DENSE && P->kind != SN_LAYER_CONV2D && P->kind != SN_LAYER_BATCH_NORM) || P->act != SN_ACT_LINEAR ||
      P->act_l1 != 0.0f || P->act_l2 != 0.0f)
    return 0;
  for (int k = 0; k < m->n_outputs; k++) /* an output's z: the loss may read it as logits (losses.h) */
    if (m->outputs[k].value == v || m->outputs[k].value == m->n_inputs + l) return 0;
  int readers = 0;
  for (int i = 0; i < m->n_layers; i++)
    for (int j = 0; j < m->layers[i].n_in; j++) readers += m->edges[m->layers[i].first_in + j] == v;
  return readers == 1;
}

/* Lays the workspace for `rows` rows out over c (counting only when c->base is NULL). */
static void carve_workspace(sn_model *m, int rows, sn_carver *c) {
  int64_t widest = 0, scratch = 0;
  for (int v = 0; v < m->n_inputs + m->n_layers; v++) {
    int64_t size = sn_shape_size(m->values[v].shape);
    widest = size > widest ? size : widest;
  }
  for (int l = 0; l < m->n_layers; l++) {
    const sn_layer *L = &m->layers[l];
    const sn_layer_ops *ops = sn_layer_ops_of(L->kind);
    int64_t need = ops->scratch ? ops->scratch(L, rows) : 0;
    scratch = need > scratch ? need : scratch;
  }
  /* The batch and the gradients first, then each node's buffers, as the dense model had them. */
  for (int i = 0; i < m->n_inputs; i++) m->inputs[i].xb = sn_carve(c, (int64_t)rows * sn_shape_size(m->values[i].shape));
  for (int k = 0; k < m->n_outputs; k++) {
    const sn_output *o = &m->outputs[k];
    int width = (int)sn_shape_size(m->values[o->value].shape);
    m->outputs[k].tb = sn_carve(c, (int64_t)rows * sn_loss_target_width(&o->loss, width));
  }
  for (int i = 0; i < m->pool_n; i++) m->pool[i] = sn_carve(c, rows * widest);
  for (int l = 0; l < m->n_layers; l++) {
    sn_layer *L = &m->layers[l];
    const sn_layer_ops *ops = sn_layer_ops_of(L->kind);
    if (ops->reserve) ops->reserve(L, rows, c);
    L->ybuf = L->act == SN_ACT_LINEAR || in_place(m, l) ? NULL : sn_carve(c, rows * sn_shape_size(L->out));
  }
  m->scratch = scratch ? sn_carve(c, scratch) : NULL;
}

/* Grows the workspace to hold `rows` rows; never shrinks it. */
SN_API int sn_model_reserve(sn_model *m, int rows) {
  if (rows <= m->cap) return 1;
  if (!m->params || rows < 0) return 0;
  int pool_n = sn_model_pool_size(m);
  if (pool_n < 0) return 0;
  float **pool = realloc(m->pool, (size_t)(pool_n ? pool_n : 1) * sizeof(float *));
  if (!pool) return 0;
  m->pool = pool;
  int old_n = m->pool_n;
  m->pool_n = pool_n;
  sn_carver count = {0};
  carve_workspace(m, rows, &count);
  /* In 64 bits: the floats may exceed wasm's 32-bit size_t. */
  uint64_t bytes = (uint64_t)count.used * sizeof(float);
  float *work = bytes <= SIZE_MAX && bytes < (uint64_t)1 << 32 ? malloc((size_t)bytes) : NULL;
  if (!work) {
    m->pool_n = old_n;
    carve_workspace(m, m->cap, &(sn_carver){m->work, 0}); /* the counting pass cleared the pointers */
    return 0;
  }
  free(m->work);
  m->work = work;
  m->cap = rows;
  carve_workspace(m, rows, &(sn_carver){work, 0});
  return 1;
}

float *sn_pool_take(sn_model *m) { return m->pool[--m->pool_free]; }
void sn_pool_give(sn_model *m, float *buf) { m->pool[m->pool_free++] = buf; }

/* y = act(z) over rows·h·w vectors of c (softmax along the channels, as Keras);
 * a linear node's y is its z. Without a ybuf (in_place), y overwrites z: its
 * input's buffer, which nothing else reads (backward then sees z = y). */
static void activate(sn_layer *l, int rows) {
  if (l->act == SN_ACT_LINEAR) {
    l->y = l->z;
    return;
  }
  float *y = l->ybuf ? l->ybuf : (float *)l->z;
  sn_par_act_forward(l->act, sn_layer_act_param(l), rows * l->out.h * l->out.w, l->out.c, l->z, y);
  l->y = y;
}

void sn_model_forward(sn_model *m, int rows, const float *const *xs) {
  m->scratch_holds = NULL;
  for (int i = 0; i < m->n_inputs; i++) m->values[i].y = xs[i];
  for (int l = 0; l < m->n_layers; l++) {
    sn_layer *L = &m->layers[l];
    const sn_layer_ops *ops = sn_layer_ops_of(L->kind);
    if (ops->forward_n) {
      const float *x[SN_MAX_NODE_INPUTS];
      for (int i = 0; i < L->n_in; i++) x[i] = sn_node_input(m, L, i)->y;
      ops->forward_n(m, L, rows, x);
    } else {
      ops->forward(m, L, rows, sn_node_input(m, L, 0)->y);
    }
    activate(L, rows);
    m->values[m->n_inputs + l].y = L->y;
  }
}

static void add_into(long n, float *acc, const float *x) {
  for (long i = 0; i < n; i++) acc[i] += x[i];
}

/* A node's input gradient `dx` (a pool buffer) joins its value's: it becomes
 * it, or is added to it and given back. */
static void accumulate(sn_model *m, sn_value *v, int rows, float *dx) {
  if (!v->g) {
    v->g = dx;
    return;
  }
  add_into((long)rows * sn_shape_size(v->shape), v->g, dx);
  sn_pool_give(m, dx);
}

/* dL/dz of node l from what reached its value: the consumers' dL/dy through
 * its activity regularizer and activation, plus its loss's dL/dz when it is an
 * output. NULL when nothing reached it and it has no activity regularizer (whose
 * penalty is in the loss even where the node reaches no output). The buffer is
 * the caller's to give back. */
static float *node_dz(sn_model *m, sn_layer *L, sn_value *v, int rows) {
  int activity = L->act_l1 != 0.0f || L->act_l2 != 0.0f;
  if (!v->g && activity) {
    v->g = sn_pool_take(m);
    memset(v->g, 0, (size_t)rows * sn_shape_size(v->shape) * sizeof(float));
  }
  float *dz = v->g;
  if (dz) {
    sn_layer_output_gradient(L, rows, dz);
    if (v->loss_dz) {
      add_into((long)rows * sn_shape_size(v->shape), dz, v->loss_dz);
      sn_pool_give(m, v->loss_dz);
    }
  } else {
    dz = v->loss_dz;
  }
  v->g = v->loss_dz = NULL;
  return dz;
}

/* The outputs' loss_dz hold dL/dz of their losses (train.c); fills m->grads.
 * Nodes whose value wants no gradient (nothing upstream learns) are skipped,
 * and no node computes the gradient of such an input. */
void sn_model_backward(sn_model *m, int rows) {
  for (int v = 0; v < m->n_inputs; v++) m->values[v].g = NULL;
  for (int l = m->n_layers - 1; l >= 0; l--) {
    sn_layer *L = &m->layers[l];
    sn_value *v = &m->values[m->n_inputs + l];
    if (!v->needs_grad) {
      if (v->loss_dz) sn_pool_give(m, v->loss_dz);
      v->g = v->loss_dz = NULL;
      continue;
    }
    float *dz = node_dz(m, L, v, rows);
    if (!dz) { /* reaches no output: its weights do not change the loss (and earlier passes' gradients go) */
      for (int i = 0; i < SN_MAX_TENSORS; i++)
        if (L->t[i].exists && L->t[i].g) memset(L->t[i].g, 0, (size_t)L->t[i].size * sizeof(float));
      continue;
    }
    const sn_layer_ops *ops = sn_layer_ops_of(L->kind);
    if (ops->backward_n) {
      const float *x[SN_MAX_NODE_INPUTS];
      float *dx[SN_MAX_NODE_INPUTS];
      for (int i = 0; i < L->n_in; i++) {
        const sn_value *in = sn_node_input(m, L, i);
        x[i] = in->y;
        dx[i] = in->needs_grad ? sn_pool_take(m) : NULL;
      }
      ops->backward_n(m, L, rows, x, dz, dx);
      for (int i = 0; i < L->n_in; i++)
        if (dx[i]) accumulate(m, &m->values[m->edges[L->first_in + i]], rows, dx[i]);
      sn_pool_give(m, dz);
    } else {
      sn_value *in = &m->values[m->edges[L->first_in]];
      float *dx = in->needs_grad ? sn_pool_take(m) : NULL;
      float *got = ops->backward(m, L, rows, in->y, dz, dx);
      if (got == dz) { /* a view: dz is the input's gradient */
        sn_pool_give(m, dx);
        accumulate(m, in, rows, dz);
      } else {
        if (got) accumulate(m, in, rows, got);
        sn_pool_give(m, dz);
      }
    }
  }
  for (int v = 0; v < m->n_inputs; v++)
    if (m->values[v].g) sn_pool_give(m, m->values[v].g); /* never wanted: inputs do not learn */
  /* A layer applied several times: its other nodes' gradients join the owner's. */
  for (int l = 0; l < m->n_layers; l++) {
    const sn_layer *L = &m->layers[l];
    if (L->shares < 0) continue;
    for (int i = 0; i < SN_MAX_TENSORS; i++)
      if (L->t[i].exists && L->t[i].g) add_into((long)L->t[i].size, m->layers[L->shares].t[i].g, L->t[i].g);
  }
}

/* The pool's size: the backward pass above, counting buffers instead of
 * computing, as if every node wrote a buffer of its own for each input that
 * wants a gradient (a view's hand-over only ever needs fewer). -1 when out of
 * memory. */
int sn_model_pool_size(const sn_model *m) {
  int values = m->n_inputs + m->n_layers, live = 0, most;
  char *held = calloc((size_t)values, 2), *loss = held + values; /* a consumer's gradient; a loss's */
  if (!held) return -1;
  for (int k = 0; k < m->n_outputs; k++) live += !loss[m->outputs[k].value]++;
  most = live;
  for (int l = m->n_layers - 1; l >= 0; l--) {
    const sn_layer *L = &m->layers[l];
    int v = m->n_inputs + l, activity = L->act_l1 != 0.0f || L->act_l2 != 0.0f;
    if (!m->values[v].needs_grad || (!held[v] && !loss[v] && !activity)) {
      live -= loss[v] != 0;
      continue;
    }
    if (!held[v] && activity) held[v] = 1, live++;
    most = live > most ? live : most;
    if (held[v] && loss[v]) live--; /* the loss's buffer, added in */
    for (int i = 0; i < L->n_in; i++) live += m->values[m->edges[L->first_in + i]].needs_grad;
    most = live > most ? live : most;
    for (int i = 0; i < L->n_in; i++) {
      int in = m->edges[L->first_in + i];
      if (!m->values[in].needs_grad) continue;
      if (held[in]) live--; /* added in and given back */
      held[in] = 1;
    }
    live--; /* dz */
  }
  free(held);
  return most;
}
