/* The passes over the graph (model.h), in the workspace of workspace.c: forward
 * walks the nodes in order; backward walks them back and every node *adds* its
 * input gradients into its input values', so a value read twice (fan-out, a
 * residual, a shared layer) simply collects both.
 *
 * Gradients of values live in a pool of buffers of rows × the widest gradient:
 * a value's gradient takes a buffer when its first consumer writes it and
 * gives it back once its producer has read it, so a chain needs two (the
 * ping-pong of old) and a graph as many as its widest cut. How many is counted
 * once by walking the backward pass without computing (workspace.c's
 * sn_model_pool_size). */
#include "api.h"
#include "kernels.h"
#include "model.h"
#include "workspace.h"
#include "threads.h"
#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

/* Batch norm B folded into node L (workspace.c): L's kernel and bias become
 * L->folded, kernel·s and bias·s + t per output channel (the last axis), for
 * this pass; `saved` keeps what they were. */
static void fold_in(sn_layer *L, const sn_layer *B, sn_tensor saved[2]) {
  sn_tensor *k = &L->t[SN_KERNEL], *b = &L->t[SN_BIAS];
  const int c = L->out.c;
  const float *gamma = B->t[SN_GAMMA].exists ? B->t[SN_GAMMA].w : NULL, *beta = B->t[SN_BETA].exists ? B->t[SN_BETA].w : NULL;
  const float *mean = B->t[SN_MOVING_MEAN].w, *var = B->t[SN_MOVING_VARIANCE].w;
  float *fk = L->folded, *fb = fk + k->size;
  for (int j = 0; j < c; j++) fb[j] = (gamma ? gamma[j] : 1.0f) / sqrtf(var[j] + B->epsilon); /* s, for now */
  for (int64_t i = 0; i < k->size; i += c)
    for (int j = 0; j < c; j++) fk[i + j] = k->w[i + j] * fb[j];
  for (int j = 0; j < c; j++) fb[j] = (b->exists ? b->w[j] * fb[j] : 0.0f) + ((beta ? beta[j] : 0.0f) - mean[j] * fb[j]);
  saved[0] = *k, saved[1] = *b;
  k->w = fk, b->w = fb, b->exists = 1;
}

/* The Keras mask of a merge of masked inputs (model.h: sn_model_set_mask): a position is valid where it is
 * valid in any input, Keras 3's Merge and Concatenate compute_mask (keras/src/layers/merging/). */
static void or_masks(const sn_model *m, sn_layer *L, int rows) {
  const long n = (long)rows * L->out.h * L->out.w;
  for (long p = 0; p < n; p++) {
    float any = 0.0f;
    for (int i = 0; i < L->n_in; i++)
      if (sn_value_mask(m, sn_node_input(m, L, i))[p] != 0.0f) any = 1.0f;
    L->keras_mask[p] = any;
  }
}

void sn_model_forward(sn_model *m, int rows, const float *const *xs) {
  sn_model_use_layout(m, m->training);
  m->scratch_holds = NULL;
  const int *fold = m->fold + (m->layout ? 0 : m->n_layers);
  for (int i = 0; i < m->n_inputs; i++) m->values[i].y = xs[i];
  for (int l = 0; l < m->n_layers; l++) {
    sn_layer *L = &m->layers[l];
    const sn_layer_ops *ops = sn_layer_ops_of(L->kind);
    sn_tensor saved[2];
    if (fold[l] == SN_FOLDED) { /* folded into the node before it: its output passes on */
      L->z = L->y = sn_node_input(m, L, 0)->y;
      m->values[m->n_inputs + l].y = L->y;
      continue;
    }
    if (fold[l] >= 0) fold_in(L, &m->layers[fold[l]], saved);
    if (ops->forward_n) {
      const float *x[SN_MAX_NODE_INPUTS];
      for (int i = 0; i < L->n_in; i++) x[i] = sn_node_input(m, L, i)->y;
      ops->forward_n(m, L, rows, x);
      if (L->keras_mask) or_masks(m, L, rows);
    } else {
      ops->forward(m, L, rows, sn_node_input(m, L, 0)->y);
    }
    if (fold[l] >= 0) L->t[SN_KERNEL] = saved[0], L->t[SN_BIAS] = saved[1];
    assert(ops->view || L->z != sn_node_input(m, L, 0)->y); /* a view unknown to the workspace's plan */
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
        x[i] = sn_node_input(m, L, i)->y;
        dx[i] = sn_passes_gradient(m, L, i) ? sn_pool_take(m) : NULL;
      }
      ops->backward_n(m, L, rows, x, dz, dx);
      for (int i = 0; i < L->n_in; i++)
        if (dx[i]) accumulate(m, &m->values[m->edges[L->first_in + i]], rows, dx[i]);
      sn_pool_give(m, dz);
    } else {
      sn_value *in = &m->values[m->edges[L->first_in]];
      float *dx = sn_passes_gradient(m, L, 0) ? sn_pool_take(m) : NULL;
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
