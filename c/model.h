/* A sequential stack of layers (layer.h), with its training loop.
 *
 * Memory: the model owns everything it points to. Trainable parameters live in
 * one contiguous buffer in the order of Keras' get_weights (layer 0's tensors,
 * then layer 1's, …), and so do their gradients, so an optimizer updates the
 * whole model in one pass; non-trainable state (batch norm's moving mean and
 * variance) lives in a second buffer the optimizer never sees. The workspace
 * holds the activations of `cap` rows and is allocated once, then reused by
 * every batch: training allocates nothing per batch. Input and target buffers
 * belong to the caller and are only read. */
#ifndef SN_MODEL_H
#define SN_MODEL_H
#include "layer.h"
#include "losses.h"
#include "optimizer.h"
#include "rng.h"

enum { SN_MAX_LAYERS = 64 };
/* Weights a model may have: 4 bytes each (and as many for gradients) must fit in
 * wasm's 4 GB, and every offset in an int. */
enum { SN_MAX_PARAMS = (1 << 29) - 1 };

typedef struct sn_model {
  sn_shape input;
  int input_dim;     /* input.h · input.w · input.c */
  int n_layers;
  sn_layer layers[SN_MAX_LAYERS];
  int first_trainable; /* the lowest layer with trainable weights: no input gradient below it */
  long n_params, n_state;
  float *params, *grads, *state;
  sn_rng rng;
  sn_loss_cfg loss;
  sn_optimizer *opt; /* owned; set by sn_model_compile */
  int cap;           /* rows the workspace holds */
  float *work;       /* the workspace, one allocation carved into: */
  float *xb, *tb;    /*   a gathered batch of inputs and targets */
  float *d0, *d1;    /*   ping-pong gradients during backprop */
  float *scratch;    /*   shared by the layers that need one (conv2d's im2col columns) */
  const sn_layer *scratch_holds; /* the conv2d layer whose input columns are in scratch now, or NULL */
  int training;      /* forward applies dropout and batch statistics (set around training steps) */
  int keep_masks;    /* training steps reuse the last masks (gradient checks) */
  int *perm;         /* this epoch's row order */
  int perm_n;
  double sums[SN_SUM_COUNT]; /* metrics of the training batches since the last reset */
} sn_model;

/* Building. Every add function returns the new layer's index, or -1 when its
 * settings are invalid or do not fit the previous layer's output (the model is
 * then unchanged). Layers are added before sn_model_build. */
sn_model *sn_model_create(int input_dim, unsigned seed);
sn_model *sn_model_create_hwc(int h, int w, int c, unsigned seed);
void sn_model_free(sn_model *m);
/* Dense on the flattened input. Defaults: glorotUniform kernel, zero bias. */
int sn_model_add_dense(sn_model *m, int units, int act, float alpha, int use_bias);
/* Inverted dropout: in training each element is zeroed with probability rate and the rest scaled. */
int sn_model_add_dropout(sn_model *m, float rate, int seeded, unsigned seed);
/* Channels-last convolution; kernel [kh][kw][in.c][filters]. same: 'same' padding, else 'valid'. */
int sn_model_add_conv2d(sn_model *m, int filters, int kh, int kw, int sh, int sw, int dh, int dw, int same, int act,
                        float alpha, int use_bias);
int sn_model_add_pool2d(sn_model *m, int max, int ph, int pw, int sh, int sw, int same);
int sn_model_add_global_pool(sn_model *m, int max);
/* Over the last axis; gamma (scale) and beta (center) optional. */
int sn_model_add_batch_norm(sn_model *m, double momentum, double epsilon, int center, int scale);
/* The same values as [h, w, c] (flatten: 1, 1, size). */
int sn_model_add_reshape(sn_model *m, int h, int w, int c);
int sn_model_add_activation(sn_model *m, int act, float alpha);
/* which: the tensor slot (SN_KERNEL, SN_BIAS; SN_GAMMA … SN_MOVING_VARIANCE). */
int sn_model_set_initializer(sn_model *m, int layer, int which, int kind, float a, float b);
int sn_model_set_regularizer(sn_model *m, int layer, int which, float l1, float l2);
int sn_model_set_activity_regularizer(sn_model *m, int layer, float l1, float l2);
int sn_model_build(sn_model *m);
int sn_model_compile(sn_model *m, int loss_kind, int from_logits, float cost, float profit, sn_optimizer *opt);
int sn_model_reserve(sn_model *m, int rows);
int sn_model_output_dim(const sn_model *m);
int sn_model_layer_size(const sn_model *m, int layer);

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
float *sn_model_state(sn_model *m);
long sn_model_param_count(const sn_model *m);
long sn_model_state_count(const sn_model *m);

/* Internal to the model, its layers and its training loop. A kind's add
 * function takes a fresh slot with begin_layer (NULL when the model is built or
 * full; l->in is the previous output), fills its settings and calls end_layer,
 * which runs the kind's setup and returns the index or -1. */
sn_layer *sn_model_begin_layer(sn_model *m, int kind);
int sn_model_end_layer(sn_model *m, int ok);
void sn_model_forward(sn_model *m, int rows, const float *x);
void sn_model_backward(sn_model *m, int rows, const float *x, float *dz_last);
void sn_model_draw_masks(sn_model *m, int rows);
void sn_model_commit(sn_model *m);
double sn_model_regularize(sn_model *m, int add_gradients);
static inline const sn_layer *sn_model_last(const sn_model *m) { return &m->layers[m->n_layers - 1]; }
/* Activity regularizers (layer_output.c). */
void sn_layer_output_gradient(const sn_layer *l, int rows, float *dy);
double sn_model_activity_penalty(const sn_model *m, int rows);
#endif
