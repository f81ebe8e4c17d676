/* Random small graphs (a property test, natively under ASan/UBSan too): a
 * seeded generator builds CASES DAGs through the C API — 1–3 inputs (vectors,
 * sometimes 1×2×c), nodes among dense (tanh/sigmoid/linear), the six merges of
 * values of one shape, concatenate, a layer applied again (sn_model_share:
 * dense or batch norm), batch norm (sometimes frozen), frozen dense layers,
 * kernel and activity regularizers; 1–2 outputs with weighted losses (a softmax head with
 * cross-entropy, a tanh/linear head or an inner value with MSE). Fan-out,
 * merges of a value with itself and values that reach no output come
 * naturally. Every case checks every parameter's gradient against central
 * differences (gradcheck.h), and that the backward pass stays inside the pool
 * of gradient buffers sn_model_pool_size counted and gives every buffer back.
 * A failing case prints its index: rerun with DEBUG_GRAD=1 for the gradients. */
#include "check.h"
#include "kernels.h"
#include "model.h"
#include "workspace.h"
#include "gradcheck.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { CASES = 40, ROWS = 9, GUARDS = 4 };
enum { ADD = SN_MERGE_ADD, SUBTRACT = SN_MERGE_SUBTRACT, MULTIPLY = SN_MERGE_MULTIPLY, AVERAGE = SN_MERGE_AVERAGE, MAXIMUM = SN_MERGE_MAXIMUM, MINIMUM = SN_MERGE_MINIMUM, MERGES = SN_MERGE_COUNT };

/* A 32-bit LCG: every case is reproducible from its index, the same in every
 * build (so no two draws in one call's arguments: their order is unspecified). */
static unsigned rng_state;
static unsigned next(void) { return (rng_state = rng_state * 1664525u + 1013904223u) >> 8; }
static int below(int n) { return (int)(next() % (unsigned)n); }
static int chance(int percent) { return below(100) < percent; }
static float uniform(float lo, float hi) { return lo + (hi - lo) * (float)next() / 16777216.0f; }

static int n_values(const sn_model *m) { return m->n_inputs + m->n_layers; }
static sn_shape shape_of(const sn_model *m, int v) { return m->values[v].shape; }
static int same_shape(sn_shape a, sn_shape b) { return a.h == b.h && a.w == b.w && a.c == b.c; }

/* A value made so far that `fits` v's shape, picked at random (v itself too
 * when allow_self); -1 when there is none. */
static int partner(const sn_model *m, int v, int (*fits)(sn_shape, sn_shape), int allow_self) {
  int n = 0, found[64];
  for (int u = 0; u < n_values(m) && n < (int)(sizeof found / sizeof *found); u++)
    if ((u != v || allow_self) && fits(shape_of(m, u), shape_of(m, v))) found[n++] = u;
  return n ? found[below(n)] : -1;
}
static int same_rows(sn_shape a, sn_shape b) { return a.h == b.h && a.w == b.w; }

/* What the cases covered, so that a change to the generator cannot quietly drop a feature. */
enum { SEEN_MERGE, SEEN_CONCAT = SEEN_MERGE + MERGES, SEEN_SELF_MERGE, SEEN_SHARED, SEEN_SHARED_BN, SEEN_BN, SEEN_FROZEN_BN,
       SEEN_FROZEN_DENSE, SEEN_FROZEN_AFTER_BUILD, SEEN_ACTIVITY, SEEN_REGULARIZER, SEEN_THREE_INPUTS, SEEN_IMAGE_INPUT, SEEN_TWO_OUTPUTS,
       SEEN_INNER_OUTPUT, SEEN_CCE, SEEN_UNUSED, SEEN_VIEW, SEEN_SHARED_MEMORY, SEEN_FOLD, SEEN_IN_PLACE, SEEN_COUNT };
static int seen[SEEN_COUNT];

/* The workspace's plan (workspace.c) lets nodes whose buffers are dead share
 * memory; with sharing off every node has its own. Predictions, gradients and
 * a training step must come out bit for bit the same either way (a node
 * writing over a buffer still to be read would change them). */
static void same_with_memory_shared(sn_model *m, const float *x, const float *t, int c) {
  int od = sn_model_output_dim(m);
  float *p[2], *g[2], *state = malloc((size_t)(m->n_state ? m->n_state : 1) * sizeof(float));
  double loss[2];
  memcpy(state, m->state, (size_t)m->n_state * sizeof(float)); /* compute_gradients moves batch norm's statistics */
  for (int share = 0; share < 2; share++) {
    memcpy(m->state, state, (size_t)m->n_state * sizeof(float));
    sn_workspace_sharing = share;
    sn_model_replan(m); /* plan anew */
    CHECK(sn_model_reserve(m, ROWS), "case %d: reserves", c);
    p[share] = malloc((size_t)ROWS * od * sizeof(float));
    g[share] = malloc((size_t)(m->n_params ? m->n_params : 1) * sizeof(float));
    sn_model_predict(m, x, ROWS, ROWS, p[share]);
    m->keep_masks = 0;
    sn_model_compute_gradients(m, x, t, ROWS, &loss[share]);
    memcpy(g[share], m->grads, (size_t)m->n_params * sizeof(float));
    seen[SEEN_SHARED_MEMORY] += share && m->arena[1] > 0;
    for (int l = 0; l < m->n_layers; l++) seen[SEEN_IN_PLACE] += m->layers[l].act != SN_ACT_LINEAR && !m->layers[l].ybuf;
  }
  CHECK(!memcmp(p[0], p[1], (size_t)ROWS * od * sizeof(float)), "case %d: predictions with memory shared are those without", c);
  CHECK(!memcmp(g[0], g[1], (size_t)m->n_params * sizeof(float)) && loss[0] == loss[1], "case %d: gradients with memory shared are those without", c);
  /* Batch norms folded into the layer before them (workspace.c) compute the same up to rounding. */
  int folds = 0;
  for (int l = 0; l < 2 * m->n_layers; l++) folds += m->fold[l] >= 0;
  seen[SEEN_FOLD] += folds > 0;
  sn_fold_batch_norms = 0;
  sn_model_replan(m);
  CHECK(sn_model_reserve(m, ROWS), "case %d: reserves", c);
  memcpy(m->state, state, (size_t)m->n_state * sizeof(float));
  sn_model_predict(m, x, ROWS, ROWS, p[0]);
  sn_model_compute_gradients(m, x, t, ROWS, &loss[0]);
  memcpy(g[0], m->grads, (size_t)m->n_params * sizeof(float));
  sn_fold_batch_norms = 1;
  double worst = 0, scale = 1e-3;
  for (int i = 0; i < ROWS * od; i++) worst = fmax(worst, fabs(p[0][i] - p[1][i])), scale = fmax(scale, fabs(p[1][i]));
  for (long i = 0; i < m->n_params; i++) worst = fmax(worst, fabs(g[0][i] - g[1][i]) / 10), scale = fmax(scale, fabs(g[1][i]) / 10);
  CHECK(worst <= 1e-5 * scale && fabs(loss[0] - loss[1]) <= 1e-5 * fabs(loss[1]), "case %d: folded batch norms compute what unfolded ones do (off by %g of %g)", c, worst, scale);
  for (int i = 0; i < 2; i++) free(p[i]), free(g[i]);
  free(state);
}

/* One random node on the values made so far; returns its index (never -1:
 * a kind that finds nothing to work on falls back to a dense layer). */
static int random_node(sn_model *m) {
  static const int acts[] = {SN_ACT_TANH, SN_ACT_SIGMOID, SN_ACT_LINEAR};
  int v = below(n_values(m)), kind = below(100), node = -1;
  if (kind < 25) { /* a merge of 2–3 values of v's shape (subtract: 2), maybe v twice */
    int op = below(MERGES), n = op == SUBTRACT ? 2 : 2 + below(2), ins[3] = {v};
    for (int i = 1; i < n && ins[0] >= 0; i++) {
      ins[i] = partner(m, v, same_shape, chance(20));
      if (ins[i] < 0) ins[0] = -1;
    }
    if (ins[0] >= 0 && sn_model_set_inputs(m, ins, n)) node = sn_model_add_merge(m, op);
    CHECK(ins[0] < 0 || node >= 0, "a merge of values of one shape builds");
  } else if (kind < 40) { /* a concatenation of 2–3 values of v's h × w */
    int n = 2 + below(2), ins[3] = {v};
    for (int i = 1; i < n; i++) ins[i] = partner(m, v, same_rows, 1);
    sn_model_set_inputs(m, ins, n);
    node = sn_model_add_concatenate(m);
    CHECK(node >= 0, "a concatenation of values of one h × w builds");
  } else if (kind < 55) { /* a dense layer or batch norm made before, applied again where its weights fit */
    int owner = m->n_layers ? below(m->n_layers) : -1, u = -1;
    const sn_layer *o = owner >= 0 ? &m->layers[owner] : NULL;
    int dense = o && o->kind == SN_LAYER_DENSE, bn = o && o->kind == SN_LAYER_BATCH_NORM;
    for (int tries = 0; tries < 8 && u < 0 && (dense || bn); tries++) {
      int w = below(n_values(m));
      if (dense ? sn_shape_size(shape_of(m, w)) == sn_shape_size(o->in) : shape_of(m, w).c == o->in.c) u = w;
    }
    if (u >= 0) {
      sn_model_set_inputs(m, &u, 1);
      sn_model_share(m, owner);
      node = dense ? sn_model_add_dense(m, o->units, o->act, 0, o->t[SN_BIAS].exists)
                   : sn_model_add_batch_norm(m, 0.9, 1e-3, o->t[SN_BETA].exists, o->t[SN_GAMMA].exists);
      CHECK(node >= 0 && m->layers[node].shares >= 0, "a layer applied again builds");
    }
  } else if (kind < 70) { /* batch norm, sometimes frozen; often right after the node before (a chain: it may fold) */
    if (chance(50)) v = n_values(m) - 1;
    sn_model_set_inputs(m, &v, 1);
    int center = chance(70), scale = chance(70);
    node = sn_model_add_batch_norm(m, 0.9, 1e-3, center, scale);
    CHECK(node >= 0, "batch norm builds");
    if (chance(30)) sn_model_set_trainable(m, node, 0);
  } else if (kind < 78) { /* a view: an activation layer (linear: its output is its input's buffer; tanh after a linear dense: in place) or a flatten */
    if (chance(50)) v = n_values(m) - 1;
    sn_model_set_inputs(m, &v, 1);
    sn_shape s = shape_of(m, v);
    node = chance(40) ? sn_model_add_reshape(m, 1, 1, (int)sn_shape_size(s)) : sn_model_add_activation(m, chance(50) ? SN_ACT_TANH : SN_ACT_LINEAR, 0, INFINITY, 0);
    CHECK(node >= 0, "a view builds");
    seen[SEEN_VIEW]++;
  }
  if (node < 0) { /* a dense layer, sometimes frozen */
    sn_model_set_inputs(m, &v, 1);
    int units = 2 + below(4), act = acts[below(3)], bias = chance(80);
    node = sn_model_add_dense(m, units, act, 0, bias);
    CHECK(node >= 0, "dense builds");
    if (chance(15)) sn_model_set_trainable(m, node, 0);
    if (chance(15)) sn_model_set_regularizer(m, node, SN_KERNEL, 0, 0.01f);
  }
  if (chance(15)) sn_model_set_activity_regularizer(m, node, chance(50) ? 0.01f : 0.0f, 0.02f);
  return node;
}

/* The pool's buffers get GUARDS slots in front, holding a sentinel buffer: a
 * backward pass that takes more buffers than were counted takes the guard
 * (writing into it, and putting another buffer in its slot) instead of running
 * off the array. The model must be reserved for `rows` rows already (reserve
 * would move the pool); unguard before anything that may. */
static float **guarded_slots;
static float *guard;
static long guard_n;

static void guard_pool(sn_model *m, int rows) {
  long widest = 0;
  for (int v = 0; v < n_values(m); v++)
    if (sn_shape_size(shape_of(m, v)) > widest) widest = (long)sn_shape_size(shape_of(m, v));
  guard_n = rows * widest;
  guard = malloc((size_t)guard_n * sizeof(float));
  for (long i = 0; i < guard_n; i++) guard[i] = 12345.0f;
  guarded_slots = malloc((size_t)(GUARDS + m->pool_n) * sizeof(float *));
  for (int i = 0; i < GUARDS; i++) guarded_slots[i] = guard;
  memcpy(guarded_slots + GUARDS, m->pool, (size_t)m->pool_n * sizeof(float *));
  free(m->pool);
  m->pool = guarded_slots + GUARDS;
}

/* Puts the pool back as the model had it; 1 when the guard was never taken
 * (else the pool's slots are mixed up: the next reserve lays them out anew). */
static int unguard_pool(sn_model *m) {
  int untouched = 1;
  for (int i = 0; i < GUARDS; i++) untouched &= guarded_slots[i] == guard;
  for (long i = 0; i < guard_n; i++) untouched &= guard[i] == 12345.0f;
  float **pool = malloc((size_t)(m->pool_n ? m->pool_n : 1) * sizeof(float *));
  memcpy(pool, m->pool, (size_t)m->pool_n * sizeof(float *));
  m->pool = pool;
  free(guarded_slots);
  free(guard);
  if (!untouched) sn_model_replan(m);
  return untouched;
}

/* The graph, for a failing case (DEBUG_GRAD=1). */
static void describe(const sn_model *m, int c) {
  static const char *kinds[] = {[SN_LAYER_DENSE] = "dense", [SN_LAYER_BATCH_NORM] = "batchnorm",
                                [SN_LAYER_MERGE] = "merge", [SN_LAYER_CONCATENATE] = "concatenate"};
  fprintf(stderr, "case %d: %d inputs", c, m->n_inputs);
  for (int i = 0; i < m->n_inputs; i++) fprintf(stderr, " [%d,%d,%d]", m->values[i].shape.h, m->values[i].shape.w, m->values[i].shape.c);
  fprintf(stderr, "\n");
  for (int l = 0; l < m->n_layers; l++) {
    const sn_layer *L = &m->layers[l];
    fprintf(stderr, "  v%d = %s%s(", m->n_inputs + l, kinds[L->kind], L->frozen ? " frozen" : "");
    for (int i = 0; i < L->n_in; i++) fprintf(stderr, "%sv%d", i ? ", " : "", m->edges[L->first_in + i]);
    fprintf(stderr, ") op %d act %d units %d shares %d activity %g/%g out %d needs_grad %d\n", L->op, L->act, L->units,
            L->shares, L->act_l1, L->act_l2, L->out.c * L->out.w, m->values[m->n_inputs + l].needs_grad);
  }
  for (int k = 0; k < m->n_outputs; k++)
    fprintf(stderr, "  output v%d loss %d weight %g\n", m->outputs[k].value, m->outputs[k].loss.kind, m->outputs[k].weight);
}

/* Gradients against finite differences, then a few training steps (from
 * gathered rows), all inside a guarded pool. */
static void gradients_and_pool(sn_model *m, const float *x, const float *t, int c) {
  double loss;
  char what[32];
  snprintf(what, sizeof what, "case %d", c);
  CHECK(sn_model_reserve(m, ROWS), "case %d: reserves", c);
  guard_pool(m, ROWS);
  CHECK(sn_model_compute_gradients(m, x, t, ROWS, &loss) && isfinite(loss), "case %d: a finite loss", c);
  CHECK(m->pool_free == m->pool_n, "case %d: %d of %d pool buffers given back", c, m->pool_free, m->pool_n);
  if (check_model_gradients(m, x, t, ROWS, what) && getenv("DEBUG_GRAD")) describe(m, c);
  CHECK(m->pool_free == m->pool_n, "case %d: %d of %d pool buffers given back", c, m->pool_free, m->pool_n);
  sn_model_shuffle(m, ROWS, 1);
  CHECK(sn_model_train_batches(m, x, t, ROWS, 4, 0, 3) == 3, "case %d: trains", c);
  CHECK(m->pool_free == m->pool_n, "case %d: every pool buffer given back after training", c);
  CHECK(unguard_pool(m), "case %d: the backward pass took more than the %d pool buffers counted", c, m->pool_n);
}


static void tally(const sn_model *m) {
  char reaches[64] = {0}; /* values that reach an output */
  if (!CHECK(m->n_inputs + m->n_layers <= 64, "a small graph")) return;
  for (int k = 0; k < m->n_outputs; k++) reaches[m->outputs[k].value] = 1;
  for (int l = m->n_layers - 1; l >= 0; l--) {
    const sn_layer *L = &m->layers[l];
    for (int i = 0; i < L->n_in; i++) reaches[m->edges[L->first_in + i]] |= reaches[m->n_inputs + l];
    seen[SEEN_MERGE + L->op] += L->kind == SN_LAYER_MERGE;
    seen[SEEN_SELF_MERGE] += L->kind != SN_LAYER_DENSE && L->n_in > 1 && m->edges[L->first_in] == m->edges[L->first_in + 1];
    seen[SEEN_CONCAT] += L->kind == SN_LAYER_CONCATENATE;
    seen[SEEN_SHARED] += L->shares >= 0 && L->kind == SN_LAYER_DENSE;
    seen[SEEN_SHARED_BN] += L->shares >= 0 && L->kind == SN_LAYER_BATCH_NORM;
    seen[SEEN_BN] += L->kind == SN_LAYER_BATCH_NORM && !L->frozen;
    seen[SEEN_FROZEN_BN] += L->kind == SN_LAYER_BATCH_NORM && L->frozen;
    seen[SEEN_FROZEN_DENSE] += L->kind == SN_LAYER_DENSE && L->frozen;
    seen[SEEN_ACTIVITY] += L->act_l1 != 0 || L->act_l2 != 0;
    seen[SEEN_REGULARIZER] += L->t[SN_KERNEL].l2 != 0 && !reaches[m->n_inputs + l];
  }
  for (int v = 0; v < m->n_inputs + m->n_layers; v++) seen[SEEN_UNUSED] += !reaches[v];
  for (int i = 0; i < m->n_inputs; i++) seen[SEEN_IMAGE_INPUT] += m->values[i].shape.w > 1;
  seen[SEEN_THREE_INPUTS] += m->n_inputs == 3;
  seen[SEEN_TWO_OUTPUTS] += m->n_outputs == 2;
  for (int k = 0; k < m->n_outputs; k++) seen[SEEN_CCE] += m->outputs[k].loss.kind == SN_LOSS_CCE;
}

static void random_case(int c) {
  rng_state = 0x9e3779b9u * (unsigned)(c + 1);
  sn_model *m = sn_model_create_graph((unsigned)c + 1);
  int inputs = 1 + below(3);
  for (int i = 0; i < inputs; i++) {
    int w = chance(25) ? 2 : 1, channels = 2 + below(3);
    sn_model_add_input(m, 1, w, channels);
  }
  int nodes = 2 + below(6);
  for (int i = 0; i < nodes; i++) random_node(m);
  int n_out = 1 + below(2), outs[2], cce[2] = {0, 0}, heads = m->n_layers;
  for (int k = 0; k < n_out; k++) {
    if (k == 1 && chance(30)) { /* an inner value (it may feed other nodes), with MSE */
      outs[k] = sn_model_node_value(m, below(heads));
      seen[SEEN_INNER_OUTPUT]++;
      continue;
    }
    int v = below(n_values(m)); /* a head on any value, the other head's too */
    sn_model_set_inputs(m, &v, 1);
    cce[k] = chance(50);
    int units = 2 + below(3), act = cce[k] ? SN_ACT_SOFTMAX : chance(50) ? SN_ACT_TANH : SN_ACT_LINEAR;
    int head = sn_model_add_dense(m, units, act, 0, 1);
    outs[k] = sn_model_node_value(m, head);
  }
  CHECK(sn_model_set_outputs(m, outs, n_out), "case %d: outputs", c);
  CHECK(sn_model_build(m), "case %d: builds", c);
  if (chance(20)) { /* a node frozen once built: its weights laid out anew, compiled below */
    int l = below(heads);
    seen[SEEN_FROZEN_AFTER_BUILD] += !m->layers[l].frozen && (m->layers[l].kind == SN_LAYER_DENSE || m->layers[l].kind == SN_LAYER_BATCH_NORM);
    CHECK(sn_model_set_trainable(m, l, 0), "case %d: freezes node %d", c, l);
  }
  /* Batch norm's statistics and scales away from their initial 0 and 1. */
  for (int l = 0; l < m->n_layers; l++) {
    sn_layer *L = &m->layers[l];
    if (L->kind != SN_LAYER_BATCH_NORM) continue;
    for (int j = 0; j < L->in.c; j++) {
      L->t[SN_MOVING_MEAN].w[j] = uniform(-0.3f, 0.3f);
      L->t[SN_MOVING_VARIANCE].w[j] = uniform(0.3f, 1.5f);
      if (L->t[SN_GAMMA].exists) L->t[SN_GAMMA].w[j] = uniform(0.5f, 1.5f);
      if (L->t[SN_BETA].exists) L->t[SN_BETA].w[j] = uniform(-0.3f, 0.3f);
    }
  }
  float hp[4] = {0.05f, 0.9f, 0.999f, 1e-7f};
  CHECK(sn_model_compile(m, SN_LOSS_MSE, 0, 0, 0, sn_opt_create(SN_OPT_ADAM, (int)m->n_params, hp, 4)), "compile");
  for (int k = 0; k < n_out; k++)
    CHECK(sn_model_set_loss(m, k, cce[k] ? SN_LOSS_CCE : SN_LOSS_MSE, 0, 0, 0, uniform(0.3f, 2.0f)), "case %d: loss %d", c, k);

  /* x uniform in (−1, 1); targets one-hot for a cross-entropy, else uniform. */
  int xd = m->input_dim, td = sn_model_target_dim(m);
  float *x = malloc((size_t)ROWS * xd * sizeof(float)), *t = malloc((size_t)ROWS * td * sizeof(float));
  for (int i = 0; i < ROWS * xd; i++) x[i] = uniform(-1, 1);
  for (int r = 0; r < ROWS; r++)
    for (int k = 0; k < n_out; k++) {
      const sn_output *o = &m->outputs[k];
      int width = (int)sn_shape_size(shape_of(m, o->value)), hot = below(width);
      for (int j = 0; j < width; j++) t[r * td + o->tcol + j] = cce[k] ? (float)(j == hot) : uniform(-1, 1);
    }
  tally(m);
  gradients_and_pool(m, x, t, c);
  same_with_memory_shared(m, x, t, c);
  free(x);
  free(t);
  sn_model_free(m);
}

/* Regressions the random cases found, as small as they go. A dense layer
 * whose first application reaches no output, applied again on the way to
 * one: its gradient is the second application's alone, pass after pass (it
 * used to keep adding to what the pass before left). */
static void unused_owner(void) {
  sn_model *m = sn_model_create(3, 4);
  int d = sn_model_add_dense(m, 3, SN_ACT_TANH, 0, 1); /* reaches nothing */
  sn_model_set_inputs(m, (int[]){0}, 1);
  sn_model_share(m, d);
  sn_model_add_dense(m, 3, SN_ACT_TANH, 0, 1);
  sn_model_add_dense(m, 2, SN_ACT_LINEAR, 0, 1);
  CHECK(sn_model_build(m), "builds");
  float x[ROWS * 3], t[ROWS * 2], first[12];
  for (int i = 0; i < ROWS * 3; i++) x[i] = uniform(-1, 1);
  for (int i = 0; i < ROWS * 2; i++) t[i] = uniform(-1, 1);
  double loss;
  sn_model_compute_gradients(m, x, t, ROWS, &loss);
  memcpy(first, sn_model_grads(m), sizeof first);
  sn_model_compute_gradients(m, x, t, ROWS, &loss);
  CHECK(memcmp(first, sn_model_grads(m), sizeof first) == 0, "the shared layer's gradient, pass after pass");
  check_model_gradients(m, x, t, ROWS, "a shared layer whose first application is unused");
  sn_model_free(m);
}

/* An activity regularizer on a node that reaches no output: its penalty is in
 * the loss, so its gradient is in the gradients (it used to be left out). */
static void unused_activity(void) {
  sn_model *m = sn_model_create(3, 5);
  int a = sn_model_add_dense(m, 2, SN_ACT_TANH, 0, 1); /* reaches nothing */
  sn_model_set_activity_regularizer(m, a, 0, 0.5f);
  sn_model_set_inputs(m, (int[]){0}, 1);
  sn_model_add_dense(m, 2, SN_ACT_LINEAR, 0, 1);
  CHECK(sn_model_build(m), "builds");
  float x[ROWS * 3], t[ROWS * 2];
  for (int i = 0; i < ROWS * 3; i++) x[i] = uniform(-1, 1);
  for (int i = 0; i < ROWS * 2; i++) t[i] = uniform(-1, 1);
  check_model_gradients(m, x, t, ROWS, "an activity regularizer on an unused node");
  sn_model_free(m);
}

/* Unfreezing a layer of a reserved model makes more values want gradients:
 * the next backward pass needs a pool counted anew (here 2 buffers, not 1),
 * also without compiling again (compute_gradients needs no optimizer). */
static void unfreeze_after_reserve(void) {
  sn_model *m = sn_model_create(4, 3);
  int a = sn_model_add_dense(m, 3, SN_ACT_TANH, 0, 1);
  sn_model_add_dense(m, 2, SN_ACT_LINEAR, 0, 1);
  sn_model_set_trainable(m, a, 0);
  CHECK(sn_model_build(m), "builds");
  float x[ROWS * 4], t[ROWS * 2];
  for (int i = 0; i < ROWS * 4; i++) x[i] = uniform(-1, 1);
  for (int i = 0; i < ROWS * 2; i++) t[i] = uniform(-1, 1);
  double loss;
  CHECK(sn_model_compute_gradients(m, x, t, ROWS, &loss) && m->pool_n == 1, "frozen: one buffer, got %d", m->pool_n);
  CHECK(sn_model_set_trainable(m, a, 1), "unfreezes");
  CHECK(sn_model_reserve(m, ROWS), "reserves");
  guard_pool(m, ROWS);
  CHECK(sn_model_compute_gradients(m, x, t, ROWS, &loss), "gradients");
  CHECK(unguard_pool(m), "unfrozen: the backward pass took more than the %d pool buffers counted", m->pool_n);
  check_model_gradients(m, x, t, ROWS, "unfrozen after a backward pass");
  sn_model_free(m);
}

/* A view's readers read its input's buffer: x → a → v → b → d → add(v, d) →
 * head, v a linear activation layer (a view) or a tanh applied in place over a
 * (a is linear). a must live until the add, though its only direct reader is
 * v; b and d, as big as a, would otherwise take its place. */
static void view_keeps_its_input(void) {
  for (int in_place = 0; in_place < 2; in_place++) {
    sn_model *m = sn_model_create(3, 5);
    sn_model_add_dense(m, 8, in_place ? SN_ACT_LINEAR : SN_ACT_TANH, 0, 1);
    int v = sn_model_add_activation(m, in_place ? SN_ACT_TANH : SN_ACT_LINEAR, 0, INFINITY, 0);
    sn_model_add_dense(m, 8, SN_ACT_TANH, 0, 1);
    int d = sn_model_add_dense(m, 8, SN_ACT_TANH, 0, 1);
    int ins[2] = {sn_model_node_value(m, v), sn_model_node_value(m, d)};
    sn_model_set_inputs(m, ins, 2);
    sn_model_add_merge(m, SN_MERGE_ADD);
    sn_model_add_dense(m, 2, SN_ACT_LINEAR, 0, 1);
    CHECK(sn_model_build(m), "builds");
    float x[3 * ROWS], p[2][2 * ROWS];
    for (int i = 0; i < 3 * ROWS; i++) x[i] = uniform(-1, 1);
    for (int share = 0; share < 2; share++) {
      sn_workspace_sharing = share;
      sn_model_replan(m);
      CHECK(sn_model_predict(m, x, ROWS, ROWS, p[share]), "predicts");
    }
    CHECK(!in_place || !m->layers[v].ybuf, "the tanh runs in place");
    CHECK(m->arena[1] > 0 && !memcmp(p[0], p[1], sizeof p[0]), "a view's input lives as long as the view's readers (%s)", in_place ? "in place" : "linear");
    sn_model_free(m);
  }
}

/* A batch norm folds into a depthwise convolution before it (its kernel's last
 * two axes are the output channels, c·dm + m): predictions within rounding of
 * the unfolded pair's. */
static void depthwise_fold(void) {
  sn_model *m = sn_model_create_hwc(5, 4, 3, 9);
  int dw = sn_model_add_depthwise_conv2d(m, 2, 3, 3, 1, 1, 1, 1, 1, SN_ACT_LINEAR, 0, 1);
  int bn = sn_model_add_batch_norm(m, 0.9, 1e-3, 1, 1);
  sn_model_add_dense(m, 3, SN_ACT_TANH, 0, 1);
  CHECK(dw >= 0 && bn >= 0 && sn_model_build(m), "builds");
  sn_layer *B = &m->layers[bn];
  for (int j = 0; j < B->in.c; j++) {
    B->t[SN_MOVING_MEAN].w[j] = uniform(-0.3f, 0.3f), B->t[SN_MOVING_VARIANCE].w[j] = uniform(0.3f, 1.5f);
    B->t[SN_GAMMA].w[j] = uniform(0.5f, 1.5f), B->t[SN_BETA].w[j] = uniform(-0.3f, 0.3f);
  }
  float x[ROWS * 60], p[2][ROWS * 3];
  for (int i = 0; i < ROWS * 60; i++) x[i] = uniform(-1, 1);
  for (int fold = 0; fold < 2; fold++) {
    sn_fold_batch_norms = fold;
    sn_model_replan(m);
    CHECK(sn_model_predict(m, x, ROWS, ROWS, p[fold]), "predicts");
    CHECK(m->fold[m->n_layers + dw] == (fold ? bn : -1), "the batch norm folds into the depthwise convolution (%d)", fold);
  }
  double worst = 0;
  for (int i = 0; i < ROWS * 3; i++) worst = fmax(worst, fabs(p[0][i] - p[1][i]));
  CHECK(worst < 1e-6, "folded into a depthwise convolution: off by %g", worst);
  sn_model_free(m);
}

int main(void) {
  for (int c = 0; c < CASES; c++) random_case(c);
  for (int i = 0; i < SEEN_COUNT; i++) CHECK(seen[i] > 0, "the cases cover feature %d", i);
  unused_owner();
  unused_activity();
  unfreeze_after_reserve();
  view_keeps_its_input();
  depthwise_fold();
  return check_summary();
}
