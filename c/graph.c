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

/* y = act(z) over vectors [from, from + n) of c (all rows·h·w of them in a
 * forward pass; a window's positions in generation), softmax along the
 * channels, as Keras; a linear node's y is its z. Without a ybuf (in_place),
 * y overwrites z: its input's buffer, which nothing else reads (backward then
 * sees z = y). */
static void activate(sn_layer *l, long from, long n) {
  if (l->act == SN_ACT_LINEAR) {
    l->y = l->z;
    return;
  }
  float *y = l->ybuf ? l->ybuf : (float *)l->z;
  const long c = l->out.c;
  sn_par_act_forward(l->act, sn_layer_act_param(l), (int)n, l->out.c, l->z + from * c, y + from * c);
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
static void or_masks(const sn_model *m, sn_layer *L, long from, long to) {
  for (long p = from; p < to; p++) {
    float any = 0.0f;
    for (int i = 0; i < L->n_in; i++)
      if (sn_value_mask(m, sn_node_input(m, L, i))[p] != 0.0f) any = 1.0f;
    L->keras_mask[p] = any;
  }
}

void sn_model_forward(sn_model *m, int rows, const float *const *xs) {
  sn_model_use_layout(m, m->training);
  m->scratch_holds = NULL;
  m->window_t = 0; /* the workspace holds this pass now, not a generation's cache */
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
      if (L->keras_mask) or_masks(m, L, 0, (long)rows * L->out.h * L->out.w);
    } else {
      ops->forward(m, L, rows, sn_node_input(m, L, 0)->y);
    }
    if (fold[l] >= 0) L->t[SN_KERNEL] = saved[0], L->t[SN_BIAS] = saved[1];
    assert(ops->view || L->z != sn_node_input(m, L, 0)->y); /* a view unknown to the workspace's plan */
    activate(L, 0, (long)rows * L->out.h * L->out.w);
    m->values[m->n_inputs + l].y = L->y;
  }
}

/* Generation, one row a window of positions at a time (model.h: sn_model_forward_window).
 *
 * The time axis of a value of one row. A sequence [T, c] is C's {1, T, c}: position t is the c floats at t·c.
 * A model input of token ids [T] is {1, 1, T}: position t is the float at t (only model inputs are read this
 * way; a node's {1, 1, c} is a vector). Nothing else has one: an image, a vector, ids [T, 1] ({1, T, 1}, which
 * an embedding turns into {T, 1, dim}). T, the context, is the first input's: c of {1, 1, c} (ids), else w of
 * {1, w, c}. Returns the floats per position, 0 for a value without the axis. */
static int context(const sn_model *m) {
  sn_shape s = m->values[0].shape;
  return s.h != 1 ? 0 : s.w == 1 ? s.c : s.w;
}

static int position_floats(const sn_model *m, int v, int T) {
  sn_shape s = m->values[v].shape;
  if (T > 0 && s.h == 1 && s.w == T) return s.c;
  if (T > 0 && v < m->n_inputs && s.h == 1 && s.w == 1 && s.c == T) return 1;
  return 0;
}

/* A shape with a time axis (position_floats) cut to n positions. */
static sn_shape shrink(sn_shape s, int T, int n) {
  if (s.w == T) s.w = n;
  else s.c = n;
  return s;
}

/* Why node l cannot run a window: SN_WINDOW_KIND (neither positionwise nor forward_window: a recurrent layer,
 * a flattening reshape, pooling, …), SN_WINDOW_SHAPE (one of its values has no time axis of T positions: the
 * flattening dense, whose output is [units]), else 0. */
static int window_why(const sn_model *m, int l, int T) {
  const sn_layer *L = &m->layers[l];
  const sn_layer_ops *ops = sn_layer_ops_of(L->kind);
  if (!ops->positionwise && !ops->forward_window) return SN_WINDOW_KIND;
  if (!position_floats(m, m->n_inputs + l, T)) return SN_WINDOW_SHAPE;
  for (int i = 0; i < L->n_in; i++)
    if (!position_floats(m, m->edges[L->first_in + i], T)) return SN_WINDOW_SHAPE;
  return 0;
}

SN_API int sn_model_window_check(const sn_model *m, int *why) {
  const int T = context(m);
  for (int l = 0; l < m->n_layers; l++) {
    int w = window_why(m, l, T);
    if (w) {
      if (why) *why = w;
      return l + 1;
    }
  }
  return 0;
}

/* A positionwise node on positions [t0, t1) alone: its ordinary forward pass over one row whose time axis is
 * the window's. Its shapes (and its values', which multi-input kinds read) are cut to n = t1 − t0 positions, its
 * inputs and its own buffers (zbuf, ybuf, the Keras mask it makes) start at position t0, and all is put back
 * afterwards, l->z pointing at the start of the whole row again (a view's z, its input's, likewise: a view's
 * input and output have the same positions). Other per-position buffers (layer norm's statistics, the
 * embedding's rows) are written from their start: only a backward pass reads them. */
static void positionwise_window(sn_model *m, sn_layer *L, int t0, int t1, int T) {
  const sn_layer_ops *ops = sn_layer_ops_of(L->kind);
  const int n = t1 - t0, v = m->n_inputs + (int)(L - m->layers);
  const float *x[SN_MAX_NODE_INPUTS];
  sn_shape saved[SN_MAX_NODE_INPUTS], saved_out = m->values[v].shape, in = L->in, out = L->out;
  for (int i = 0; i < L->n_in; i++) /* every stride before any shape is cut: a value may be read twice */
    x[i] = sn_node_input(m, L, i)->y + (long)t0 * position_floats(m, m->edges[L->first_in + i], T);
  for (int i = 0; i < L->n_in; i++) {
    sn_value *val = &m->values[m->edges[L->first_in + i]];
    saved[i] = val->shape;
    val->shape = shrink(val->shape, T, n);
  }
  m->values[v].shape = shrink(saved_out, T, n);
  L->in = shrink(in, T, n), L->out = shrink(out, T, n);
  const long off = (long)t0 * out.c; /* a node's value is {1, T, c} */
  if (L->zbuf) L->zbuf += off;
  if (L->ybuf) L->ybuf += off;
  if (L->keras_mask) L->keras_mask += t0;
  if (ops->forward_n) ops->forward_n(m, L, 1, x);
  else ops->forward(m, L, 1, x[0]);
  if (L->zbuf) L->zbuf -= off;
  if (L->ybuf) L->ybuf -= off;
  if (L->keras_mask) L->keras_mask -= t0;
  L->z -= off;
  L->in = in, L->out = out;
  m->values[v].shape = saved_out;
  for (int i = L->n_in - 1; i >= 0; i--) m->values[m->edges[L->first_in + i]].shape = saved[i]; /* in reverse: a value read twice */
}

SN_API int sn_model_forward_window(sn_model *m, const float *const *xs, int t0, int t1) {
  if (m->training) return SN_WINDOW_TRAINING;
  int why, bad = sn_model_window_check(m, &why);
  if (bad) return bad;
  const int T = context(m);
  if (t0 < 0 || t1 <= t0 || t1 > T || t0 > m->window_t) return SN_WINDOW_RANGE;
  if (t0 == 0) { /* a new prompt: the inference layout with every value kept (workspace.c), once */
    int rows = m->rows[0] > 0 ? m->rows[0] : 1;
    if (!m->keep_values) m->keep_values = 1, sn_model_replan(m);
    if (!sn_model_reserve_layout(m, rows, 0)) return SN_WINDOW_MEMORY;
  }
  sn_model_use_layout(m, 0);
  m->scratch_holds = NULL;
  const int *fold = m->fold + m->n_layers;
  for (int i = 0; i < m->n_inputs; i++) m->values[i].y = xs[i];
  for (int l = 0; l < m->n_layers; l++) {
    sn_layer *L = &m->layers[l];
    const sn_layer_ops *ops = sn_layer_ops_of(L->kind);
    sn_tensor saved[2];
    if (fold[l] == SN_FOLDED) {
      L->z = L->y = sn_node_input(m, L, 0)->y;
      m->values[m->n_inputs + l].y = L->y;
      continue;
    }
    if (fold[l] >= 0) fold_in(L, &m->layers[fold[l]], saved);
    if (ops->forward_window) {
      const float *x[SN_MAX_NODE_INPUTS];
      for (int i = 0; i < L->n_in; i++) x[i] = sn_node_input(m, L, i)->y;
      ops->forward_window(m, L, t0, t1, x);
    } else {
      positionwise_window(m, L, t0, t1, T);
    }
    if (ops->forward_n && L->keras_mask) or_masks(m, L, t0, t1);
    if (fold[l] >= 0) L->t[SN_KERNEL] = saved[0], L->t[SN_BIAS] = saved[1];
    activate(L, t0, t1 - t0);
    m->values[m->n_inputs + l].y = L->y;
  }
  m->window_t = t1;
  return 0;
}

SN_API const float *sn_model_output_logits(const sn_model *m, int k) {
  return k >= 0 && k < m->n_outputs ? sn_output_node(m, k)->z : NULL;
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
