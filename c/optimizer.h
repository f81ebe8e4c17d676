/* Optimizers: update a flat float32 parameter buffer from a gradient buffer of
 * the same length. An optimizer owns its state (moments) and nothing else, so
 * it works on a model's contiguous parameters or on any caller's buffer.
 * Every update is Keras' (keras.optimizers.*): one fused SIMD pass over the
 * parameters (optimizer.c, over simd.h), tested bit for bit against the scalar
 * loops of the formulas as written (optimizer_ref.c). */
#ifndef SN_OPTIMIZER_H
#define SN_OPTIMIZER_H
#include "schedule.h"

/* The kinds: X(kind, value, name in the JavaScript API). Each kind's own
 * hyper-parameters hp[1..] (hp[0] is the learning rate) and their names are
 * listed in optimizer_kinds.h. Booleans are 0/1. scripts/gen-constants.js
 * copies both lists into web/core/constants.js. */
#define SN_OPTIMIZERS(X)            \
  X(SN_OPT_SGD, 0, "sgd")           \
  X(SN_OPT_ADAM, 1, "adam")         \
  X(SN_OPT_RMSPROP, 2, "rmsprop")   \
  X(SN_OPT_ADAMW, 3, "adamw")       \
  X(SN_OPT_ADAMAX, 4, "adamax")     \
  X(SN_OPT_NADAM, 5, "nadam")       \
  X(SN_OPT_ADAGRAD, 6, "adagrad")   \
  X(SN_OPT_ADADELTA, 7, "adadelta") \
  X(SN_OPT_FTRL, 8, "ftrl")         \
  X(SN_OPT_LION, 9, "lion")

enum sn_opt_kind {
#define X(kind, value, name) kind = value,
  SN_OPTIMIZERS(X)
#undef X
  SN_OPT_COUNT
};

/* hp[] layout, common to every kind:
 *   hp[0]                      learning rate (used when there is no schedule)
 *   hp[1 .. SN_HP_CLIP_NORM)   the kind's hyper-parameters (optimizer_kinds.h)
 *   hp[SN_HP_CLIP_NORM]        clipnorm: each variable's gradient scaled to norm ≤ it (0 = off)
 *   hp[SN_HP_CLIP_VALUE]       clipvalue: each gradient element clamped to ±it (0 = off)
 *   hp[SN_HP_GLOBAL_CLIP_NORM] global_clipnorm: all gradients scaled together (0 = off)
 *   hp[SN_HP_WEIGHT_DECAY]     weight_decay λ of every kind but AdamW, which keeps its own
 *                              in hp[1..] (0 = off; files written before it was added hold 0)
 *   hp[SN_HP_SCHEDULE ..]      a learning-rate schedule block (schedule.h); kind 0 = none
 * (HP in web/core/constants.js, which scripts/gen-constants.js writes from this enum). */
enum {
  SN_HP_LR = 0,
  SN_HP_CLIP_NORM = 12,
  SN_HP_CLIP_VALUE = 13,
  SN_HP_GLOBAL_CLIP_NORM = 14,
  SN_HP_WEIGHT_DECAY = 15,
  SN_HP_SCHEDULE = 16,
  SN_OPT_MAX_HP = SN_HP_SCHEDULE + SN_SCHED_SIZE,
  SN_OPT_MAX_SLOTS = 4
};

/* The whole state of an optimizer is kind, n, step, hp and its slots: saving
 * and restoring those (model files) resumes training exactly. The fields after
 * `slot` are derived or scratch and are rebuilt, never saved. */
typedef struct {
  int kind;
  int n;            /* parameters updated per step */
  double step;      /* steps taken so far (Keras' iterations) */
  float hp[SN_OPT_MAX_HP];
  int n_slots;      /* state buffers of n floats each, as the kind needs */
  float *slot[SN_OPT_MAX_SLOTS]; /* e.g. Adam: slot[0] = m, slot[1] = v */
  int n_segments;   /* variables (lengths summing to n) for clipnorm: a model's */
  int *segments;    /*   kernels and biases; one segment by default */
  float *scratch;   /* clipped gradients, allocated only when clipping is on */
  int n_excluded;   /* Keras' exclude_from_weight_decay: ranges [excluded[2k], excluded[2k + 1]) of */
  int *excluded;    /*   parameters that weight decay skips (sn_opt_exclude_from_weight_decay), in order */
  double nadam_u_product, nadam_u_step; /* Nadam's Π u_i cached for step nadam_u_step */
} sn_optimizer;

/* Returns NULL for an unknown kind or when memory runs out. hp holds n_hp values
 * in the layout above (missing ones are 0). The caller frees with sn_opt_free. */
sn_optimizer *sn_opt_create(int kind, int n, const float *hp, int n_hp);
void sn_opt_free(sn_optimizer *opt);
/* Variable boundaries for clipnorm: count lengths summing to n (copied).
 * Returns 0, changing nothing, when they do not sum to n or memory runs out. */
int sn_opt_set_segments(sn_optimizer *opt, const int *lengths, int count);
/* Keras' exclude_from_weight_decay (keras/src/optimizers/base_optimizer.py: _use_weight_decay): variable s
 * (after sn_opt_set_segments) gets no weight decay where excluded[s] is 1; count = opt->n_segments. The
 * wrapper decides which (by their names, once at compile); sn_model_compile passes each tensor's flag
 * (sn_model_exclude_from_weight_decay). Returns 0, changing nothing, when count does not fit or memory runs out. */
int sn_opt_exclude_from_weight_decay(sn_optimizer *opt, const int *excluded, int count);
/* params[i] updated from grads[i] for i < opt->n; grads are only read. */
void sn_opt_step(sn_optimizer *opt, float *params, const float *grads);
/* The learning rate the next step will use (the schedule at the step count). */
double sn_opt_learning_rate(const sn_optimizer *opt);
/* State access for model files and the JS wrapper. */
int sn_opt_slot_count(const sn_optimizer *opt);
float *sn_opt_slot(sn_optimizer *opt, int i);
double *sn_opt_step_count(sn_optimizer *opt);
float *sn_opt_hp(sn_optimizer *opt);

/* A step in two halves, for the tests and for a step split across threads:
 * sn_opt_begin_step does what happens once per step (the step count, this
 * step's learning rate and bias corrections, gradient clipping) and fills u;
 * then the update of each parameter depends on that parameter's own values
 * only, so any split of [0, n) into ranges gives the same bits.
 * sn_opt_step(opt, w, g) = begin_step, then k_opt_update over [0, n). */
typedef struct {
  const sn_optimizer *opt; /* kind, hp, slots */
  float *w;                /* parameters */
  const float *g;          /* gradients, clipped when clipping is on */
  float lr;                /* this step's learning rate */
  float keep;              /* weight decay's factor 1 − lr·λ (1: none) */
  float c[3];              /* this step's scalars: Adam α; Adamax lr/(1−β1^t); Nadam cm, cg, 1/(1−β2^t) */
} sn_opt_update;
void sn_opt_begin_step(sn_optimizer *opt, float *params, const float *grads, sn_opt_update *u);
/* Parameters [begin, end): the SIMD update and its scalar reference, same bits. */
void k_opt_update(const sn_opt_update *u, int begin, int end);
void ref_opt_update(const sn_opt_update *u, int begin, int end);
#endif
