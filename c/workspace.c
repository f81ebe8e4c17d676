/* The workspace: one allocation for `rows` rows, carved into the batch's
 * inputs and targets, the pool of gradient buffers (graph.c), every node's
 * buffers (its output, masks, statistics: its kind's reserve) and the shared
 * scratch, and the Keras masks (model.h: sn_model_set_mask), which persist.
 *
 * Not every node's buffers must outlive the forward pass. Backward reads a
 * node's buffers when its value wants a gradient, and its input's when it does
 * (a weight gradient needs x); the loss reads the outputs; dropout draws its
 * masks before the pass and batch norm commits its statistics after the step.
 * Such a node *persists*: its buffers are its own. Every other node's are
 * *transient*: needed from the node's own forward until its last reader's, so
 * transient nodes whose spans do not overlap share memory, placed in an arena
 * greedily, largest first (the way TensorFlow Lite's arena planner does). In
 * a frozen feature extractor — the first 130 layers of a MobileNet being
 * fine-tuned — almost everything is transient, and in inference (predict,
 * evaluate) everything but the outputs is.
 *
 * A view (reshape, an activation layer, dropout outside training: the kind's
 * ops say `view`) may hand on its input's buffer as its own output, so its
 * readers count as readers of that buffer too.
 *
 * A batch norm in inference mode (frozen, or outside training) right after a
 * convolution (depthwise too) or dense layer that is its only reader is an affine map per
 * output channel, and where no backward pass goes through either it is folded
 * into that layer's weights: the layer computes x·(W·s) + (b·s + t), with
 * s = γ/√(var + ε) and t = β − mean·s, from a folded copy made at each forward
 * pass, and the batch norm passes its input on as a view. That saves a pass
 * over the activations for every such pair (MobileNet has 52).
 *
 * There are two layouts, one for training steps and one for inference, both
 * planned when the workspace is reserved; the workspace holds the larger, and
 * switching is pointer arithmetic (sn_model_use_layout), nothing allocated. */
#include "api.h"
#include "kernels.h"
#include "model.h"
#include "workspace.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Test switches: 0 makes every node persist / folds no batch norm (the tests compare against that). */
int sn_workspace_sharing = 1, sn_fold_batch_norms = 1;

/* The layout being planned (along_views reads its folds). */
static const int *planned_folds;

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
  if ((P->kind != SN_LAYER_DENSE && P->kind != SN_LAYER_CONV2D && P->kind != SN_LAYER_DEPTHWISE_CONV2D && P->kind != SN_LAYER_BATCH_NORM) ||
      P->act != SN_ACT_LINEAR ||
      P->act_l1 != 0.0f || P->act_l2 != 0.0f)
    return 0;
  for (int k = 0; k < m->n_outputs; k++) /* an output's z: the loss may read it as logits (losses.h) */
    if (m->outputs[k].value == v || m->outputs[k].value == m->n_inputs + l) return 0;
  int readers = 0;
  for (int i = 0; i < m->n_layers; i++)
    for (int j = 0; j < m->layers[i].n_in; j++) readers += m->edges[m->layers[i].first_in + j] == v;
  return readers == 1;
}

/* Whether node l's output lives in its input's buffer: a view passing its input
 * on (linear), an activation applied in place, a batch norm folded away. */
static int shares_input_buffer(const sn_model *m, int l) {
  const sn_layer *L = &m->layers[l];
  if (planned_folds && planned_folds[l] == SN_FOLDED) return 1;
  return sn_layer_ops_of(L->kind)->view && (L->act == SN_ACT_LINEAR || in_place(m, l));
}

/* The node whose buffers value v may live in, and the views in between:
 * calls mark(node) for each, from v's producer down to a node of its own. */
static void along_views(const sn_model *m, int v, void (*mark)(int node, void *ctx), void *ctx) {
  while (v >= m->n_inputs) {
    const sn_layer *L = &m->layers[v - m->n_inputs];
    mark(v - m->n_inputs, ctx);
    if (!shares_input_buffer(m, v - m->n_inputs)) return;
    v = m->edges[L->first_in];
  }
}

/* Kinds whose weights are a kernel with the output channels as its last axis
 * (flattened: element i feeds channel i mod out.c; a depthwise kernel's last
 * two axes, c·dm + m) and a bias per channel, both read at each forward pass. */
static int folds_into(const sn_layer *L) {
  return L->kind == SN_LAYER_CONV2D || L->kind == SN_LAYER_DENSE || L->kind == SN_LAYER_DEPTHWISE_CONV2D;
}

static int is_output(const sn_model *m, int v) {
  for (int k = 0; k < m->n_outputs; k++)
    if (m->outputs[k].value == v) return 1;
  return 0;
}

static int has_activity(const sn_layer *L) { return L->act_l1 != 0.0f || L->act_l2 != 0.0f; }

/* fold[l] for one layout: the batch norm folded into node l, SN_FOLDED for
 * that batch norm, else -1. readers: how many nodes read each value. */
static void plan_folds(const sn_model *m, int training, const int *readers, int *fold) {
  for (int l = 0; l < m->n_layers; l++) fold[l] = -1;
  for (int b = 0; b < m->n_layers && sn_fold_batch_norms; b++) {
    const sn_layer *B = &m->layers[b];
    int v = m->edges[B->first_in], c = v - m->n_inputs;
    if (B->kind != SN_LAYER_BATCH_NORM || B->act != SN_ACT_LINEAR || has_activity(B) || (training && !B->frozen) || c < 0) continue;
    const sn_layer *C = &m->layers[c];
    if (!folds_into(C) || C->act != SN_ACT_LINEAR || has_activity(C) || fold[c] != -1 || readers[v] != 1 || is_output(m, v)) continue;
    if (training && (m->values[v].needs_grad || m->values[m->n_inputs + b].needs_grad)) continue; /* backward would read them */
    fold[c] = b, fold[b] = SN_FOLDED;
  }
}

static void set_flag(int node, void *flags) { ((char *)flags)[node] = 1; }

typedef struct {
  int *last, reader;
} reader_ctx;
static void extend(int node, void *p) {
  reader_ctx *r = p;
  if (r->last[node] < r->reader) r->last[node] = r->reader;
}

/* Which nodes persist in a layout (training or inference). */
static void mark_persistent(const sn_model *m, int training, char *keep) {
  /* Generation's cache (graph.c: sn_model_forward_window) reads every value's earlier positions: nothing shares. */
  memset(keep, !sn_workspace_sharing || (!training && m->keep_values), (size_t)m->n_layers);
  for (int k = 0; k < m->n_outputs; k++) along_views(m, m->outputs[k].value, set_flag, keep);
  for (int l = 0; l < m->n_layers; l++) {
    const sn_layer *L = &m->layers[l];
    const sn_layer_ops *ops = sn_layer_ops_of(L->kind);
    int v = m->n_inputs + l, activity = L->act_l1 != 0.0f || L->act_l2 != 0.0f;
    int hooks = training && (ops->draw || (ops->commit && !L->frozen));
    if (activity || hooks || (training && m->values[v].needs_grad)) along_views(m, v, set_flag, keep);
    if (training && m->values[v].needs_grad)
      for (int i = 0; i < L->n_in; i++) along_views(m, m->edges[L->first_in + i], set_flag, keep);
  }
}

/* Carves a node's buffers for `rows` rows (its kind's reserve, its activation's
 * output, the folded weights when a batch norm folds into it); returns their floats. */
static int64_t node_floats(const sn_model *m, int l, int rows, int fold, sn_carver *c) {
  sn_layer *L = &m->layers[l];
  const sn_layer_ops *ops = sn_layer_ops_of(L->kind);
  int64_t before = c->used;
  if (ops->reserve) ops->reserve(L, rows, c);
  L->ybuf = L->act == SN_ACT_LINEAR || in_place(m, l) ? NULL : sn_carve(c, rows * sn_shape_size(L->out));
  L->folded = fold >= 0 ? sn_carve(c, L->t[SN_KERNEL].size + L->out.c) : NULL;
  return c->used - before;
}

/* Places the transient nodes of one layout in the arena: each node's offset
 * (plan[l], or -1 when it persists) and the arena's size. 0 when out of memory. */
static int plan_layout(sn_model *m, int rows, int training, int64_t *plan, int *fold, int64_t *arena) {
  int n = m->n_layers, placed_n = 0;
  char *keep = malloc((size_t)n);
  int *last = malloc((size_t)n * sizeof(int)), *order = malloc((size_t)n * sizeof(int)), *placed = malloc((size_t)n * sizeof(int));
  int64_t *size = malloc((size_t)n * sizeof(int64_t));
  if (!keep || !last || !order || !placed || !size) {
    free(keep), free(last), free(order), free(placed), free(size);
    return 0;
  }
  int *readers = calloc((size_t)(m->n_inputs + n), sizeof(int));
  if (!readers) {
    free(keep), free(last), free(order), free(placed), free(size);
    return 0;
  }
  for (int e = 0; e < m->n_edges; e++) readers[m->edges[e]]++;
  plan_folds(m, training, readers, fold);
  free(readers);
  planned_folds = fold;
  mark_persistent(m, training, keep);
  for (int l = 0; l < n; l++) {
    sn_carver count = {0};
    size[l] = node_floats(m, l, rows, fold[l], &count);
    last[l] = l;
  }
  for (int l = 0; l < n; l++) {
    const sn_layer *L = &m->layers[l];
    reader_ctx r = {last, l};
    for (int i = 0; i < L->n_in; i++) along_views(m, m->edges[L->first_in + i], extend, &r);
  }
  /* Largest first; each at the lowest offset free of the nodes placed so far whose spans meet its own. */
  int count = 0;
  for (int l = 0; l < n; l++)
    if (!keep[l]) order[count++] = l;
  for (int i = 1; i < count; i++) /* insertion sort by size, descending; stable, so the plan is the same every time */
    for (int j = i; j > 0 && size[order[j]] > size[order[j - 1]]; j--) {
      int t = order[j];
      order[j] = order[j - 1], order[j - 1] = t;
    }
  *arena = 0;
  for (int l = 0; l < n; l++) plan[l] = -1;
  for (int i = 0; i < count; i++) {
    int a = order[i];
    int64_t off = 0;
    for (int moved = 1; moved;) { /* until no overlapping neighbour in time sits on [off, off + size) */
      moved = 0;
      for (int j = 0; j < placed_n; j++) {
        int b = placed[j];
        int meet = a <= last[b] && b <= last[a];
        if (meet && off < plan[b] + size[b] && plan[b] < off + size[a]) off = plan[b] + size[b], moved = 1;
      }
    }
    plan[a] = off;
    placed[placed_n++] = a;
    if (off + size[a] > *arena) *arena = off + size[a];
  }
  planned_folds = NULL;
  free(keep), free(last), free(order), free(placed), free(size);
  return 1;
}

/* The pool's size: graph.c's backward pass, counting buffers instead of
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
    for (int i = 0; i < L->n_in; i++) live += sn_passes_gradient(m, L, i);
    most = live > most ? live : most;
    for (int i = 0; i < L->n_in; i++) {
      int in = m->edges[L->first_in + i];
      if (!sn_passes_gradient(m, L, i)) continue;
      if (held[in]) live--; /* added in and given back */
      held[in] = 1;
    }
    live--; /* dz */
  }
  free(held);
  return most;
}

/* Lays the workspace for `rows` rows out over c in one layout (counting only when c->base is NULL). */
static void carve_workspace(sn_model *m, int rows, sn_carver *c, int training) {
  int64_t widest = 0, scratch = 0; /* the widest gradient: of a value that wants one, or an output's loss */
  for (int v = 0; v < m->n_inputs + m->n_layers; v++) {
    int64_t size = m->values[v].needs_grad || is_output(m, v) ? sn_shape_size(m->values[v].shape) : 0;
    widest = size > widest ? size : widest;
  }
  for (int l = 0; l < m->n_layers; l++) {
    const sn_layer *L = &m->layers[l];
    const sn_layer_ops *ops = sn_layer_ops_of(L->kind);
    int64_t need = ops->scratch ? ops->scratch(L, rows) : 0;
    scratch = need > scratch ? need : scratch;
  }
  /* The batch and the gradients (training only) first, then the persistent nodes' buffers, the arena, the scratch. */
  for (int i = 0; i < m->n_inputs; i++) m->inputs[i].xb = sn_carve(c, (int64_t)rows * sn_shape_size(m->values[i].shape));
  for (int k = 0; k < m->n_outputs; k++) m->outputs[k].tb = sn_carve(c, (int64_t)rows * sn_output_target_width(m, k));
  for (int i = 0; i < m->pool_n && training; i++) m->pool[i] = sn_carve(c, rows * widest);
  /* Keras masks persist in both layouts: losses, recurrent layers and pooling far downstream read them, up to
   * the end of the backward pass, and they are small (a float per position). */
  for (int l = 0; l < m->n_layers; l++) {
    sn_layer *L = &m->layers[l];
    L->keras_mask = m->values[m->n_inputs + l].mask == l + 1 ? sn_carve(c, (int64_t)rows * L->out.h * L->out.w) : NULL;
  }
  const int64_t *plan = m->plan + (training ? 0 : m->n_layers);
  const int *fold = m->fold + (training ? 0 : m->n_layers);
  for (int l = 0; l < m->n_layers; l++)
    if (plan[l] < 0) node_floats(m, l, rows, fold[l], c);
  float *arena = sn_carve(c, m->arena[training ? 0 : 1]);
  for (int l = 0; l < m->n_layers; l++)
    if (plan[l] >= 0) node_floats(m, l, rows, fold[l], &(sn_carver){c->base ? arena + plan[l] : NULL, 0});
  m->scratch = scratch ? sn_carve(c, scratch) : NULL;
}

/* Plans both layouts (training for train_rows, inference for infer_rows; 0:
 * not wanted yet) and allocates the workspace the larger needs. 0 when out
 * of memory, the model then as it was. */
static int replan(sn_model *m, int train_rows, int infer_rows) {
  if (!m->params || train_rows < 0 || infer_rows < 0) return 0;
  int pool_n = sn_model_pool_size(m), n = m->n_layers;
  int64_t *plan = malloc((size_t)(2 * n) * sizeof(int64_t)), arena[2];
  int *fold = malloc((size_t)(2 * n) * sizeof(int));
  if (pool_n < 0 || !plan || !fold || !plan_layout(m, train_rows, 1, plan, fold, &arena[0]) ||
      !plan_layout(m, infer_rows, 0, plan + n, fold + n, &arena[1])) {
    free(plan), free(fold);
    return 0;
  }
  int old_n = m->pool_n, most = pool_n > old_n ? pool_n : old_n; /* room for the old pool if this fails */
  float **pool = realloc(m->pool, (size_t)(most ? most : 1) * sizeof(float *));
  if (!pool) {
    free(plan), free(fold);
    return 0;
  }
  m->pool = pool;
  int64_t *old_plan = m->plan, old_arena[2] = {m->arena[0], m->arena[1]};
  int *old_fold = m->fold, old_rows[2] = {m->rows[0], m->rows[1]};
  m->plan = plan, m->fold = fold, m->arena[0] = arena[0], m->arena[1] = arena[1], m->pool_n = pool_n;
  m->rows[1] = train_rows, m->rows[0] = infer_rows;
  sn_carver train = {0}, infer = {0};
  carve_workspace(m, train_rows, &train, 1);
  carve_workspace(m, infer_rows, &infer, 0);
  /* In 64 bits: the floats may exceed wasm's 32-bit size_t. */
  uint64_t bytes = (uint64_t)(train.used > infer.used ? train.used : infer.used) * sizeof(float);
  float *work = bytes <= SIZE_MAX && bytes < (uint64_t)1 << 32 ? malloc((size_t)(bytes ? bytes : 1)) : NULL;
  m->layout = -1; /* the counting passes cleared the pointers */
  if (!work) {
    free(plan), free(fold);
    m->plan = old_plan, m->fold = old_fold, m->arena[0] = old_arena[0], m->arena[1] = old_arena[1], m->pool_n = old_n;
    m->rows[0] = old_rows[0], m->rows[1] = old_rows[1];
    sn_model_use_layout(m, 1);
    return 0;
  }
  free(old_plan), free(old_fold);
  free(m->work);
  m->work = work;
  m->window_t = 0; /* a generation's cache went with the old workspace */
  return 1;
}

/* Grows the workspace so that one layout (training steps: 1; inference: 0)
 * holds `rows` rows; never shrinks it. */
int sn_model_reserve_layout(sn_model *m, int rows, int training) {
  training = training != 0;
  if (rows > m->rows[training] && !replan(m, training ? rows : m->rows[1], training ? m->rows[0] : rows)) return 0;
  sn_model_use_layout(m, training);
  return 1;
}

/* Both layouts for `rows` rows. */
SN_API int sn_model_reserve(sn_model *m, int rows) {
  if ((rows > m->rows[0] || rows > m->rows[1]) && !replan(m, rows > m->rows[1] ? rows : m->rows[1], rows > m->rows[0] ? rows : m->rows[0]))
    return 0;
  sn_model_use_layout(m, 1);
  return 1;
}

/* Carves the layout for training steps (1) or inference (0) unless it is the current one. */
void sn_model_use_layout(sn_model *m, int training) {
  training = training != 0;
  if (m->layout == training || !m->work) return;
  carve_workspace(m, m->rows[training], &(sn_carver){m->work, 0}, training);
  m->layout = training;
}
