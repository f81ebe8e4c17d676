/* A sequential stack of dense layers, with its training loop.
 *
 * Memory: the model owns everything it points to. Parameters live in one
 * contiguous buffer (layer 0 kernel [in×out], layer 0 bias [out], layer 1 …, the
 * order of Keras' get_weights), and so do their gradients, so an optimizer
 * updates the whole model in one pass. The workspace holds the activations of
 * `cap` rows and is allocated once, then reused by every batch: training
 * allocates nothing per batch. Input and target buffers belong to the caller
 * and are only read. */
#ifndef SN_MODEL_H
#define SN_MODEL_H
#include "losses.h"
#include "optimizer.h"
#include "rng.h"

enum { SN_MAX_LAYERS = 32 };
/* Weights a model may have: 4 bytes each (and as many for gradients) must fit in
 * wasm's 4 GB, and every offset in an int. */
enum { SN_MAX_PARAMS = (1 << 29) - 1 };
enum { SN_KERNEL = 0, SN_BIAS = 1 };

typedef struct {
  int in, out, act, use_bias;
  float alpha;                   /* leaky relu slope */
  int init[2];                   /* [SN_KERNEL], [SN_BIAS]: sn_init kinds */
  float init_a[2], init_b[2];    /* their parameters */
  float l1[2], l2[2];            /* regularizer factors */
  float act_l1, act_l2;          /* activity regularizer on the output, per sample */
  float dropout;                 /* rate of the dropout applied to the output in training */
  int dropout_seeded;            /* dropout_seed given; else drawn from the model's generator */
  unsigned dropout_seed;
  sn_rng dropout_rng;            /* draws this layer's masks */
  long w_off, b_off;             /* offsets into params and grads */
} sn_dense;

typedef struct {
  int input_dim, n_layers;
  sn_dense layers[SN_MAX_LAYERS];
  long n_params;
  float *params, *grads;
  sn_rng rng;
  sn_loss_cfg loss;
  sn_optimizer *opt; /* owned; set by sn_model_compile */
  int cap;           /* rows the workspace holds */
  float *work;       /* the workspace, one allocation carved into: */
  float *xb, *tb;    /*   a gathered batch of inputs and targets */
  float *z[SN_MAX_LAYERS], *y[SN_MAX_LAYERS]; /* pre-activations and outputs (y = z for linear) */
  float *d0, *d1;    /*   ping-pong gradients during backprop */
  float *mask[SN_MAX_LAYERS], *yd[SN_MAX_LAYERS]; /* dropout layers: 0 or 1/(1−rate), and y·mask */
  int training;      /* forward applies dropout (set around training steps) */
  int keep_masks;    /* training steps reuse the last masks (gradient checks) */
  int *perm;         /* this epoch's row order */
  int perm_n;
  double sums[SN_SUM_COUNT]; /* metrics of the training batches since the last reset */
} sn_model;

sn_model *sn_model_create(int input_dim, unsigned seed);
void sn_model_free(sn_model *m);
int sn_model_add_dense(sn_model *m, int units, int act, float alpha, int use_bias);
int sn_model_set_initializer(sn_model *m, int layer, int which, int kind, float a, float b);
int sn_model_set_regularizer(sn_model *m, int layer, int which, float l1, float l2);
int sn_model_set_activity_regularizer(sn_model *m, int layer, float l1, float l2);
int sn_model_set_dropout(sn_model *m, int layer, float rate, int seeded, unsigned seed);
int sn_model_build(sn_model *m);
int sn_model_compile(sn_model *m, int loss_kind, int from_logits, float cost, float profit, sn_optimizer *opt);
int sn_model_reserve(sn_model *m, int rows);
int sn_model_output_dim(const sn_model *m);

/* The training loop (train.c). Inputs x are rows × input_dim; targets t are
 * rows × sn_loss_target_width; sums are double[SN_SUM_COUNT]. */
int sn_model_shuffle(sn_model *m, int n, int shuffle);
int sn_model_train_batches(sn_model *m, const float *x, const float *t, int n, int batch, int b0, int b1);
int sn_model_fit_epoch(sn_model *m, const float *x, const float *t, int n, int batch, int shuffle,
                       const float *vx, const float *vt, int nv, double *val_sums);
int sn_model_evaluate(sn_model *m, const float *x, const float *t, int n, int batch, double *sums);
int sn_model_predict(sn_model *m, const float *x, int n, int batch, float *out);
int sn_model_compute_gradients(sn_model *m, const float *x, const float *t, int n, double *loss);
void sn_model_apply_gradients(sn_model *m);
double *sn_model_sums(sn_model *m);
void sn_model_reset_sums(sn_model *m);
float *sn_model_params(sn_model *m);
float *sn_model_grads(sn_model *m);
long sn_model_param_count(const sn_model *m);

/* Internal to the model and its training loop (model.c, train.c). */
void sn_model_forward(sn_model *m, int rows, const float *x);
void sn_model_backward(sn_model *m, int rows, const float *x, float *dz_last);
double sn_model_regularize(sn_model *m, int add_gradients);
/* Dropout and activity regularization (layer_output.c). */
void sn_model_seed_dropout(sn_model *m);
void sn_model_draw_masks(sn_model *m, int rows);
const float *sn_layer_output(sn_model *m, int l, int rows);
const float *sn_layer_input(const sn_model *m, int l, const float *x);
void sn_layer_output_gradient(sn_model *m, int l, int rows, float *dy);
double sn_model_activity_penalty(const sn_model *m, int rows);
#endif
