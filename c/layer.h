/* One interface for every kind of layer.
 *
 * A model (model.h) is a graph of sn_layer structs, the nodes. Each describes
 * one application of a layer: its kind, the values it reads, the shape of one
 * sample going in (its first input's) and coming out
 * (channels last, [h, w, c]; a vector is 1 × 1 × c), its weight tensors (where
 * they live in the model's buffers) and its pointers into the workspace. What a
 * kind does is one sn_layer_ops table, defined with everything else about that
 * kind in its own file (layer_dense.c, layer_conv2d.c, …), in the spirit of
 * llm.c's forward/backward pairs and ConvNetJS' layer objects.
 *
 * Every layer computes z = f(x) (its own operation) and then y = act(z), the
 * activation being applied by the model (model.c) for every kind: most kinds
 * have act = linear and y = z. The model's loss reads the last layer's z and y,
 * which is how a softmax and the cross-entropy fuse (losses.h); an activity
 * regularizer penalizes y.
 *
 * Memory: the layer owns nothing. Its trainable tensors live in the model's one
 * contiguous `params` buffer (gradients at the same offsets in `grads`), its
 * non-trainable ones (batch norm's moving statistics) in `state`, and its
 * activations in the model's workspace, carved at reserve time and reused by
 * every batch. z and y may point at the layer's input (flatten, reshape,
 * dropout outside training, activation layers before the activation): views,
 * not copies. */
#ifndef SN_LAYER_H
#define SN_LAYER_H
#include "kernels.h" /* sn_act_param */
#include "rng.h"
#include <stddef.h>
#include <stdint.h>

/* Every kind of layer, once: its constant and the sn_layer_ops that say what
 * it does, defined with everything else about the kind in its own file
 * (layer_dense.c, …). Its add function is declared in model.h. Adding a kind
 * is its file, a line here, and its JavaScript descriptor (web/layers/). */
#define SN_LAYER_KIND_LIST(X)                                                                     \
  X(SN_LAYER_DENSE, sn_dense_ops)                                                                 \
  X(SN_LAYER_DROPOUT, sn_dropout_ops)                                                             \
  X(SN_LAYER_CONV2D, sn_conv2d_ops)                                                               \
  X(SN_LAYER_MAX_POOL2D, sn_pool2d_ops)                                                           \
  X(SN_LAYER_AVG_POOL2D, sn_pool2d_ops)                                                           \
  X(SN_LAYER_GLOBAL_AVG_POOL, sn_global_pool_ops)                                                 \
  X(SN_LAYER_GLOBAL_MAX_POOL, sn_global_pool_ops)                                                 \
  X(SN_LAYER_BATCH_NORM, sn_batch_norm_ops)                                                       \
  X(SN_LAYER_RESHAPE, sn_reshape_ops)       /* flatten and reshape */                             \
  X(SN_LAYER_ACTIVATION, sn_activation_ops)                                                       \
  X(SN_LAYER_MERGE, sn_merge_ops)           /* add, subtract, multiply, average, maximum, minimum */ \
  X(SN_LAYER_CONCATENATE, sn_concatenate_ops)                                                     \
  X(SN_LAYER_DOT, sn_dot_ops)                                                                     \
  X(SN_LAYER_ZERO_PADDING2D, sn_pad2d_ops)                                                        \
  X(SN_LAYER_CROPPING2D, sn_pad2d_ops)                                                            \
  X(SN_LAYER_UPSAMPLING2D, sn_upsampling2d_ops)                                                   \
  X(SN_LAYER_DEPTHWISE_CONV2D, sn_depthwise_conv2d_ops)                                           \
  X(SN_LAYER_SEPARABLE_CONV2D, sn_separable_conv2d_ops)                                           \
  X(SN_LAYER_CONV2D_TRANSPOSE, sn_conv2d_transpose_ops)                                           \
  X(SN_LAYER_PRELU, sn_prelu_ops)                                                                 \
  X(SN_LAYER_LAYER_NORM, sn_layer_norm_ops)                                                       \
  X(SN_LAYER_REPEAT_VECTOR, sn_repeat_vector_ops)                                                 \
  X(SN_LAYER_PERMUTE, sn_permute_ops)                                                             \
  X(SN_LAYER_EMBEDDING, sn_embedding_ops)                                                         \
  X(SN_LAYER_SIMPLE_RNN, sn_rnn_ops)        /* recurrent layers: layer_rnn.c, rnn.c */            \
  X(SN_LAYER_LSTM, sn_rnn_ops)                                                                    \
  X(SN_LAYER_GRU, sn_rnn_ops)                                                                     \
  X(SN_LAYER_MASKING, sn_masking_ops)       /* Keras' Masking: layer_masking.c */                 \
  X(SN_LAYER_BIDIRECTIONAL, sn_bidirectional_ops) /* two recurrent passes merged: layer_bidirectional.c */ \
  X(SN_LAYER_SLICE, sn_slice_ops)           /* one part of a node's packed outputs (return_state) */ \
  X(SN_LAYER_ATTENTION, sn_attention_ops)   /* Keras' MultiHeadAttention: layer_attention.c */    \
  X(SN_LAYER_POSITION_EMBEDDING, sn_position_embedding_ops) /* KerasHub's PositionEmbedding */           \
  X(SN_LAYER_TOKEN_AND_POSITION_EMBEDDING, sn_token_and_position_embedding_ops) /* KerasHub's TokenAndPositionEmbedding */

#define SN_LAYER_KIND_ENUM(kind, ops) kind,
enum sn_layer_kind { SN_LAYER_KIND_LIST(SN_LAYER_KIND_ENUM) SN_LAYER_KINDS };
#undef SN_LAYER_KIND_ENUM

/* One sample's shape, channels last. */
typedef struct {
  int h, w, c;
} sn_shape;

/* Per-sample sizes are capped so that rows × size stays far inside 64-bit
 * arithmetic and every per-sample offset fits an int. */
enum { SN_MAX_SAMPLE_SIZE = 1 << 28 };

static inline int64_t sn_shape_size(sn_shape s) { return (int64_t)s.h * s.w * s.c; }

/* Tensor slots, in Keras' get_weights order for each kind. */
enum { SN_KERNEL = 0, SN_BIAS = 1 };                                             /* dense, conv2d */
enum { SN_GAMMA = 0, SN_BETA = 1, SN_MOVING_MEAN = 2, SN_MOVING_VARIANCE = 3 }; /* batch norm */
enum { SN_RECURRENT_KERNEL = 1, SN_RECURRENT_BIAS = 2 };                         /* recurrent: kernel, recurrent_kernel, bias */
enum { SN_BACKWARD_SLOTS = 3 }; /* bidirectional: the forward layer's three, then the backward layer's at 3, 4, 5 */
/* attention: query, key, value and attention_output, each a kernel then a bias */
enum { SN_QUERY_KERNEL = 0, SN_KEY_KERNEL = 2, SN_VALUE_KERNEL = 4, SN_OUTPUT_KERNEL = 6 };
enum { SN_MAX_TENSORS = 8 };

enum { SN_MAX_RANK = 4 };

typedef struct {
  /* Settings (sn_model_set_initializer / _set_regularizer). */
  int init;                /* sn_init kind */
  float init_a, init_b;    /* its parameters */
  float l1, l2;            /* regularizer factors (trainable tensors only) */
  int no_decay;            /* Keras' exclude_from_weight_decay: the optimizer's weight decay skips it */
  /* Set by the kind's setup(). */
  const char *name;        /* Keras' weight name: "kernel", "bias", "gamma", … */
  int exists, trainable;   /* trainable: of its kind (batch norm's moving statistics are not) */
  int fan_in, fan_out;     /* for the variance-scaling initializers */
  int64_t size;            /* floats */
  int rank, dims[SN_MAX_RANK]; /* its shape, as Keras gives it */
  /* Set by sn_model_build (and again by sn_model_set_trainable). */
  int learns;              /* trainable and its node is not frozen: in params, else in state */
  long off;                /* offset in params/grads (learns) or state */
  float *w, *g;            /* the values, and their gradient (NULL when it does not learn) */
} sn_tensor;

typedef struct sn_layer {
  int kind;
  int first_in, n_in;      /* its input values: m->edges[first_in …] */
  int shares;              /* the node whose weights it uses (a layer applied again), or -1 */
  int frozen;              /* Keras' trainable = false: its weights stay as they are */
  sn_shape in, out;        /* in: its first input's */
  int act;                 /* y = act(z), enum sn_activation */
  float alpha;             /* the activation's alpha (sn_act_param: leaky relu slope, elu alpha, …) */
  float act_max, act_threshold; /* relu's max_value (+inf: none) and threshold (ReLU layers) */
  float act_l1, act_l2;    /* activity regularizer on y, per sample */
  sn_tensor t[SN_MAX_TENSORS];
  /* Settings of the kind. */
  int units;                           /* dense units, conv2d filters; repeat vector: its n */
  int last_axis;                       /* dense: on the last axis (rows·h·w rows of c), else on the flattened input */
  int perm[3];                         /* permute: output axis i (0 h, 1 w, 2 c) is input axis perm[i] */
  int kh, kw, sh, sw, dh, dw, padding; /* conv2d and pooling windows (padding: enum sn_padding) */
  int dm;                              /* depthwise and separable conv: depth multiplier */
  int oph, opw;                        /* conv2d transpose: output padding (-1: Keras' None) */
  int vocab;                           /* embedding: the table's rows (Keras' input_dim) */
  int seq_len;                         /* position embeddings: the position table's rows (KerasHub's sequence_length) */
  float rate;                          /* dropout */
  int seeded;                          /*   its seed was given; else drawn from the model's generator */
  unsigned seed;
  sn_rng rng;                          /*   draws its masks */
  float momentum, decay, epsilon;      /* batch norm (decay = 1 − momentum, computed in double); layer norm: epsilon */
  int op;                              /* merge: enum sn_merge_op */
  int border[4];                       /* zero padding, cropping: rows and columns added or cut: top, bottom, left, right */
  int up[2], bilinear;                 /* up-sampling: its factors (rows, columns), its interpolation */
  int axes[2], normalize;              /* dot: the contracted axis of each input (0: w, 1: c), cosine */
  int rank, shared;                    /* prelu: the sample's rank (1–3), its shared axes (bit k: Keras axis k);
                                          conv2d: rank 1 for a Conv1D (kernel [kw, c, filters], input 1 × steps × c) */
  float *dotbuf;                       /* dot: a row to work in; with normalize, both inputs of unit length and their norms */
  int cell_act, gate_act;              /* recurrent: the activation inside the cell (tanh) and its gates' (sigmoid), */
  sn_act_param cell_ap, gate_ap;       /*   their parameters */
  int sequences, backwards;            /*   Keras' return_sequences, go_backwards */
  int forget_bias, reset_after;        /*   LSTM's unit_forget_bias, GRU's reset_after */
  float recurrent_rate;                /*   recurrent_dropout (its masks come from rng too) */
  int return_state;                    /*   its value is [output | h (| c)] side by side per row (slices read each) */
  int zero_output;                     /*   Keras' zero_output_for_mask: masked steps output zeros */
  int inner;                           /* bidirectional: the kind of its two recurrent layers */
  int merge;                           /*   how their outputs merge: enum sn_bidirectional_merge (model.h) */
  int offset;                          /* slice: the first value of each input row it takes */
  float mask_value;                    /* masking: the value whose steps are masked */
  int heads, key_dim, value_dim, kv_steps; /* attention: Keras' num_heads, key_dim, value_dim (units: the output's last axis), S */
  int causal, attn_flags;              /*   use_causal_mask; which inputs it has and what it returns (enum sn_attention_flag) */
  /* Workspace (sn_model_reserve). */
  float *zbuf, *ybuf;      /* its own output before and after the activation, when it has one */
  const float *z, *y;      /* the last forward pass's output (a buffer above, or a view) */
  float *mask;             /* dropout: 0 or 1/(1 − rate) per element */
  int *arg;                /* max pooling: where each maximum came from; embedding: each id's row, or -1 */
  float *xhat;             /* batch norm: the normalized input (training) */
  float *mid;              /* separable conv: the depthwise output */
  float *stats;            /* batch norm: mean, var, inv_std of the batch, inv_std of the moving var; layer norm: mean, inv_std per row */
  float *folded;           /* kernel and bias with a batch norm folded in (workspace.c), or NULL */
  float *seq;              /* recurrent: the sequence's buffers (rnn.h); bidirectional: both directions' */
  float *rmask;            /* recurrent dropout: 0 or 1/(1 − rate) per sample, gate and unit */
  float *dpart;            /* return_state, bidirectional: the output's and states' gradients unpacked */
  float *att[8];           /* attention: its projections, probabilities and their transposes (layer_attention.c) */
  float *capture;          /* attention: where forward copies the first sample's probabilities, or NULL */
  float *keras_mask;       /* the Keras mask it makes (embedding with mask_zero, masking, a merge of masked inputs):
                            * rows × out.h·out.w of 1 (a valid position) or 0, carved by the workspace outside its
                            * arena, so it lives from this node's forward pass to the end of the backward pass
                            * (model.h: sn_model_set_mask) */
} sn_layer;

/* Names a tensor and gives its shape as Keras does; its size is their product. */
static inline void sn_tensor_shape(sn_tensor *t, const char *name, int rank, const int *dims) {
  t->name = name;
  t->rank = rank;
  t->size = 1;
  for (int i = 0; i < rank; i++) t->size *= t->dims[i] = dims[i];
}

/* The parameters its activation is applied with. */
static inline sn_act_param sn_layer_act_param(const sn_layer *l) {
  return (sn_act_param){l->alpha, l->act_max, l->act_threshold};
}

/* Hands out consecutive pieces of the workspace; with base NULL it only counts. */
typedef struct {
  float *base;
  int64_t used;
} sn_carver;

/* n floats, rounded up to whole vectors so every piece starts 16-byte aligned. */
static inline float *sn_carve(sn_carver *c, int64_t n) {
  float *p = c->base ? c->base + c->used : NULL;
  c->used += (n + 3) & ~(int64_t)3;
  return p;
}

struct sn_model;

typedef struct {
  /* Checks the settings against l->in (and, for several inputs, the model's
   * values: setup_n below); fills l->out and each tensor's exists,
   * trainable, size and fans. Returns 0 when they do not fit together. */
  int (*setup)(sn_layer *l);
  int (*setup_n)(const struct sn_model *m, sn_layer *l);
  /* Carves what the layer needs for `rows` rows (its zbuf, masks, …); ybuf is
   * the model's business. NULL: nothing (a view). */
  void (*reserve)(sn_layer *l, int rows, sn_carver *c);
  /* Floats of the model's shared scratch it needs for `rows` rows (conv2d's
   * im2col columns). NULL: none. */
  int64_t (*scratch)(const sn_layer *l, int rows);
  /* x: rows × in → l->z (rows × out). For a kind of several inputs, x is the
   * first and forward_n is used instead (below). */
  void (*forward)(struct sn_model *m, sn_layer *l, int rows, const float *x);
  /* dz: rows × out, dL/dz (may be overwritten). Overwrites the gradients of
   * the layer's trainable tensors; returns dL/dx (rows × in) written into dx,
   * or dz itself when the layer is a view, or NULL when dx is NULL (no input
   * gradient wanted: nothing below has weights). x is what forward read. */
  float *(*backward)(struct sn_model *m, sn_layer *l, int rows, const float *x, float *dz, float *dx);
  /* Kinds of several inputs (merges): xs[i] is input i (rows × its size);
   * backward writes dL/dxs[i] into dxs[i] where dxs[i] is not NULL. */
  void (*forward_n)(struct sn_model *m, sn_layer *l, int rows, const float *const *xs);
  void (*backward_n)(struct sn_model *m, sn_layer *l, int rows, const float *const *xs, const float *dz, float *const *dxs);
  /* Optional hooks. seed: after the weights are drawn (dropout's generator);
   * draw: before a training forward pass (dropout's masks); commit: after a
   * training step was accepted (batch norm's moving statistics). */
  void (*seed)(sn_layer *l, sn_rng *model_rng);
  /* After the owner's tensors are drawn: a kind's own part of their
   * initialization (the LSTM's forget-gate bias of ones). */
  void (*drawn)(sn_layer *l);
  /* 1: its output may be its input itself (z = x: reshape, dropout outside
   * training, an activation layer before its activation, a padding or
   * up-sampling that changes nothing), which the workspace's plan must know
   * (workspace.c). */
  int view;
  /* 1: its output has no gradient with respect to its input (embedding: the
   * ids are indices, not numbers), so no gradient goes past it to its input,
   * whatever lies upstream (graph.c, workspace.c: sn_passes_gradient). */
  int no_input_grad;
  void (*draw)(sn_layer *l, int rows);
  void (*commit)(sn_layer *l);
  /* Generation one position at a time (model.h: sn_model_forward_window, one row, a window [t0, t1) of the
   * time axis, positions before t0 as earlier windows left them: the key/value cache). positionwise: 1 when
   * position t of its output depends only on position t of its inputs (dense on the last axis, layer norm,
   * activations, merges, dropout outside training), so the graph runs its forward on the window alone by
   * shrinking the time axis of its shapes. forward_window: for kinds whose position t depends on t itself or
   * on earlier positions (attention, position embeddings): writes positions [t0, t1) of l->z, reading
   * positions [0, t1) of its inputs xs (full buffers of one row). Neither: the model cannot generate. */
  int positionwise;
  void (*forward_window)(struct sn_model *m, sn_layer *l, int t0, int t1, const float *const *xs);
} sn_layer_ops;

#define SN_LAYER_KIND_OPS(kind, ops) extern const sn_layer_ops ops;
SN_LAYER_KIND_LIST(SN_LAYER_KIND_OPS)
#undef SN_LAYER_KIND_OPS
/* What a kind does (layer_kinds.c). */
const sn_layer_ops *sn_layer_ops_of(int kind);

/* Dropout masks (layer_dropout.c; recurrent layers' input dropout too): l->rate, l->seeded, l->seed
 * say how; seed gives l->rng its seed, draw fills l->mask[0..n) with 0 or 1/(1 − rate), as fill does
 * any mask from a generator. */
void sn_dropout_seed(sn_layer *l, sn_rng *model_rng);
void sn_dropout_draw(sn_layer *l, long n);
void sn_dropout_fill(sn_rng *rng, float rate, float *mask, long n);

/* An embedding's lookup (layer_embedding.c), also the token part of a token-and-position embedding: ids
 * i0 … i0 + n − 1 of x (l->vocab rows, l->units wide) → the same rows of z = their rows of table (zeros for a bad
 * id, the first reported to sn_model_bad_id), of l->arg = each id's row or -1, and of l->keras_mask (when it has
 * one) = id ≠ 0. */
void sn_embedding_lookup(struct sn_model *m, sn_layer *l, int i0, int n, const float *x, const float *table, float *z);
/* Position tables (layer_position_embedding.c), for n groups of `steps` positions of dim values each:
 * rows writes (add = 0) or adds (add = 1) row t of table to position t of every group, t in [t0, t1);
 * sums adds into g's rows [0, steps) dz's sums over the groups (in group order: the same bits always). */
void sn_position_rows(int n, int steps, int dim, int t0, int t1, const float *table, float *z, int add);
void sn_position_sums(int n, int steps, int dim, const float *dz, float *g);

/* The identity of views (reshape, activation layers): z = x; dL/dx = dz. */
void sn_view_forward(struct sn_model *m, sn_layer *l, int rows, const float *x);
float *sn_view_backward(struct sn_model *m, sn_layer *l, int rows, const float *x, float *dz, float *dx);
#endif
