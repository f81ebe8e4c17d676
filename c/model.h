/* A model: a graph of layers (layer.h) over values, with its training loop.
 *
 * Values are the tensors that flow: the model's inputs (values 0 … n_inputs−1)
 * and each node's output (node i makes value n_inputs + i). A node is one
 * application of a layer kind to one or more values; the nodes are kept in
 * topological order (a node reads only values made before it), so the forward
 * pass walks them forward and the backward pass walks them back, each node
 * *adding* its input gradients into its inputs' (graph.c): fan-out, residual
 * connections and shared layers need nothing more. A Sequential model is the
 * chain where each node reads the value before it.
 *
 * Applying a layer twice makes a second node that shares the first one's
 * weights (`shares`): its tensors point at the owner's values, and its
 * gradients go to a buffer of their own that is added into the owner's after
 * the backward pass.
 *
 * Memory: the model owns everything it points to. Trainable parameters live in
 * one contiguous buffer in the order of Keras' get_weights (node 0's tensors,
 * then node 1's, …), and so do their gradients, so an optimizer updates the
 * whole model in one pass; non-trainable tensors (batch norm's moving
 * statistics, and every tensor of a frozen node) live in a second buffer the
 * optimizer never sees. The workspace (workspace.c) holds the activations of a
 * batch, laid out for training steps or for inference, and is allocated once,
 * then reused by every batch: training allocates nothing per batch. Gradients of values live in a few buffers of the widest value, handed
 * out and taken back as the backward pass goes (how many: graph.c counts it).
 * Input and target buffers belong to the caller and are only read. */
#ifndef SN_MODEL_H
#define SN_MODEL_H
#include "layer.h"
#include "losses.h"
#include "optimizer.h"
#include "rng.h"

/* Weights a model may have: 4 bytes each (and as many for gradients) must fit in
 * wasm's 4 GB, and every offset in an int. */
enum { SN_MAX_PARAMS = (1 << 29) - 1 };
/* Nodes: far beyond any real network, small enough that every count and
 * index stays an int. Inputs of one node: the passes keep them on the stack. */
enum { SN_MAX_NODES = 1 << 16, SN_MAX_NODE_INPUTS = 64 };
/* Inputs and outputs of a model: the training loop keeps their batches' pointers on the stack. */
enum { SN_MAX_ENDS = 64 };

/* A tensor that flows between nodes. */
typedef struct {
  sn_shape shape;          /* one sample's */
  int producer;            /* the node that computes it, or -1 for a model input */
  int needs_grad;          /* a trainable weight lies upstream: the backward pass wants its gradient */
  const float *y;          /* rows × shape, as the last forward pass left it */
  float *g;                /* during backward: dL/dy summed over the consumers so far, or NULL */
  float *loss_dz;          /* during backward, for an output: dL/dz of its loss */
  int mask;                /* 1 + the node whose Keras mask it carries (sn_model_set_mask), 0: none */
} sn_value;

/* A model input: where its columns sit in a row of the caller's x. */
typedef struct {
  int col;                 /* first column in the caller's rows (inputs side by side) */
  float *xb;               /* its rows of the current batch, gathered */
} sn_input;

/* A model output and its loss. */
typedef struct {
  int value;
  sn_loss_cfg loss;
  float weight;            /* its share of the total loss (Keras' loss_weights) */
  int col, tcol;           /* first column in predict's rows and in the targets' rows */
  float *tb;               /* its targets of the current batch, gathered */
} sn_output;

typedef struct sn_model {
  int n_inputs, input_dim; /* input_dim: the columns of all inputs, side by side */
  sn_input *inputs;
  int n_layers, layers_cap; /* the nodes (one sn_layer each), in topological order */
  sn_layer *layers;
  int *edges, n_edges, edges_cap; /* the input values of every node, node after node */
  int pending_first, pending_n, pending_share; /* set_inputs / share for the next node */
  sn_value *values;        /* n_inputs + n_layers */
  int values_cap;
  int n_outputs, output_dim, target_dim;
  sn_output *outputs;
  long n_params, n_state, n_shared;
  float *params, *grads, *state;
  float *shared_grads;     /* gradients of the nodes that share another's weights */
  sn_rng rng;
  sn_optimizer *opt;       /* owned; set by sn_model_compile */
  int rows[2];             /* rows the workspace holds in the inference (0) and training (1) layouts; 0, 0: plan anew */
  float *work;             /* the workspace, one allocation carved into: */
  float **pool;            /*   gradient buffers of rows × the widest value, free ones first */
  int pool_n, pool_free;
  float *scratch;          /*   shared by the layers that need one (conv2d's padded input) */
  int64_t *plan;           /* where each transient node's buffers start in the arena, per layout (workspace.c) */
  int64_t arena[2];        /*   the arena's floats in the training and the inference layout */
  int *fold;               /*   per layout, per node: the batch norm folded into it, SN_FOLDED (workspace.h), or -1 */
  int layout;              /*   the one carved now: 1 training, 0 inference, -1 none */
  const sn_layer *scratch_holds; /* the conv2d layer whose padded input is in scratch now, or NULL */
  int training;            /* forward applies dropout and batch statistics (set around training steps) */
  int keep_masks;          /* training steps reuse the last masks (gradient checks) */
  int *perm;               /* this epoch's row order */
  int perm_n;
  double *sums;            /* per output, SN_SUM_COUNT metrics of the training batches since the last reset */
  int bad_id_node;         /* embedding: 1 + the first node that met an id outside its table since sn_model_bad_id, or 0 */
  int bad_id_pos;          /*   where in its sample */
  float bad_id;            /*   the id */
  int keep_values;         /* generation: the inference layout keeps every node's buffers (workspace.c), the cache */
  int window_t;            /*   positions of one row sn_model_forward_window has computed and the workspace still holds */
} sn_model;

/* Building. Every add function appends a node and returns its index, or -1
 * when its settings are invalid or do not fit its input (the model is then
 * unchanged). A node reads the values given by sn_model_set_inputs just before
 * it, else the value made last (a chain). Nodes are added before sn_model_build. */
sn_model *sn_model_create(int input_dim, unsigned seed);
sn_model *sn_model_create_hwc(int h, int w, int c, unsigned seed);
/* A model with no input yet: add them with sn_model_add_input before any node. */
sn_model *sn_model_create_graph(unsigned seed);
void sn_model_free(sn_model *m);
/* A new input value; returns its id (0, 1, …) or -1. */
int sn_model_add_input(sn_model *m, int h, int w, int c);
/* The values the next node reads (ids of inputs or of nodes' outputs, made before it). */
int sn_model_set_inputs(sn_model *m, const int *values, int n);
/* The next node applies the layer of node `owner` again: same kind, same weights. */
int sn_model_share(sn_model *m, int owner);
/* The value node `layer` makes. */
int sn_model_node_value(const sn_model *m, int layer);
/* What sn_model_tensor_info writes of a tensor, field by field (int out[SN_TINFO_COUNT]). */
enum sn_tensor_info_field {
  SN_TINFO_LEARNS = 0,          /* 1: in params (trainable and not frozen); 0: in state */
  SN_TINFO_OFFSET = 1,          /* its offset in that buffer (after build) */
  SN_TINFO_SIZE = 2,            /* floats */
  SN_TINFO_RANK = 3,
  SN_TINFO_DIMS = 4,            /* rank of them, as Keras gives its shape */
  SN_TINFO_KIND_TRAINABLE = SN_TINFO_DIMS + SN_MAX_RANK, /* its kind trains it (moving statistics: 0) */
  SN_TINFO_COUNT
};
const char *sn_model_tensor_info(const sn_model *m, int layer, int which, int *out);
/* The model's outputs, in order (default: the value made last). Before build. */
int sn_model_set_outputs(sn_model *m, const int *values, int n);
/* Dense on the flattened input. Defaults: glorotUniform kernel, zero bias. */
int sn_model_add_dense(sn_model *m, int units, int act, float alpha, int use_bias);
/* The same, or with last_axis on the last axis as Keras' Dense: {h, w, c} → {h, w, units}, kernel [c, units]. */
int sn_model_add_dense_axis(sn_model *m, int units, int act, float alpha, int use_bias, int last_axis);
/* Inverted dropout: in training each element is zeroed with probability rate and the rest scaled. */
int sn_model_add_dropout(sn_model *m, float rate, int seeded, unsigned seed);
/* Channels-last convolution; kernel [kh][kw][in.c][filters]. padding: enum sn_padding (conv_kernels.h:
 * 0 'valid', 1 'same', 2 'causal'). */
int sn_model_add_conv2d(sn_model *m, int filters, int kh, int kw, int sh, int sw, int dh, int dw, int padding, int act,
                        float alpha, int use_bias);
/* Keras' Conv1D on a sequence (input 1 × steps × c): conv2d with kh = 1, its kernel named [k][in.c][filters]. */
int sn_model_add_conv1d(sn_model *m, int filters, int k, int s, int d, int padding, int act, float alpha, int use_bias);
/* Depthwise (kernel [kh][kw][in.c][dm], output channel c·dm + m) and separable (then a 1×1 conv to filters) convolutions. */
int sn_model_add_depthwise_conv2d(sn_model *m, int dm, int kh, int kw, int sh, int sw, int dh, int dw, int same, int act, float alpha, int use_bias);
int sn_model_add_separable_conv2d(sn_model *m, int filters, int dm, int kh, int kw, int sh, int sw, int dh, int dw, int same, int act, float alpha, int use_bias);
/* Transposed convolution, kernel [kh][kw][filters][in.c]; oph, opw: output padding (-1: none given). */
int sn_model_add_conv2d_transpose(sn_model *m, int filters, int kh, int kw, int sh, int sw, int oph, int opw, int same, int act, float alpha, int use_bias);
int sn_model_add_pool2d(sn_model *m, int max, int ph, int pw, int sh, int sw, int same);
int sn_model_add_global_pool(sn_model *m, int max);
/* Over the last axis; gamma (scale) and beta (center) optional. */
int sn_model_add_batch_norm(sn_model *m, double momentum, double epsilon, int center, int scale);
/* The same values as [h, w, c] (flatten: 1, 1, size). */
int sn_model_add_reshape(sn_model *m, int h, int w, int c);
int sn_model_add_activation(sn_model *m, int act, float alpha, float max_value, float threshold);
/* PReLU (layer_prelu.c): a sample of rank 1–3, bit k of shared = Keras axis k shares one alpha. */
int sn_model_add_prelu(sn_model *m, int rank, int shared);
/* Element-wise merge of inputs of one shape (layer_merge.c), by its operation. */
#define SN_MERGE_OPS(X)                                                                           \
  X(SN_MERGE_ADD, 0, "Add")                                                                       \
  X(SN_MERGE_SUBTRACT, 1, "Subtract")                                                             \
  X(SN_MERGE_MULTIPLY, 2, "Multiply")                                                             \
  X(SN_MERGE_AVERAGE, 3, "Average")                                                               \
  X(SN_MERGE_MAXIMUM, 4, "Maximum")                                                               \
  X(SN_MERGE_MINIMUM, 5, "Minimum")
enum sn_merge_op {
#define X(kind, value, name) kind = value,
  SN_MERGE_OPS(X)
#undef X
  SN_MERGE_COUNT
};
int sn_model_add_merge(sn_model *m, int op);
/* Inputs side by side along the channels (the last axis). */
int sn_model_add_concatenate(sn_model *m);
/* Keras' Dot of two inputs of rank 1 or 2 (1 × w × c): contracts axis ax0 of the first (0: w, 1: c)
 * with axis ax1 of the second; normalize: of unit length along those axes first (cosine). */
int sn_model_add_dot(sn_model *m, int ax0, int ax1, int normalize);
/* Keras' Embedding (layer_embedding.c): each value of the input sample, an id in [0, vocab), becomes
 * that row of the table `embeddings` [vocab][dim]; h × w × c ids → (h·w) × c × dim. Default
 * initializer: randomUniform(−0.05, 0.05), Keras'. */
int sn_model_add_embedding(sn_model *m, int vocab, int dim);
/* An id an embedding met outside its table (not an integer in [0, vocab)): its row was zeros and it
 * got no gradient. Returns 1 + that node (the first such since the last call; the call forgets it),
 * with the id and its position in the sample; 0 when there was none. */
int sn_model_bad_id(sn_model *m, float *id, int *pos);
/* KerasHub's PositionEmbedding (layer_position_embedding.c): a learned table `embeddings` [sequence_length,
 * c] whose first T rows are the output, broadcast over an input {h, T, c} (its values unread; T ≤
 * sequence_length). Default initializer: glorotUniform, KerasHub's. */
int sn_model_add_position_embedding(sn_model *m, int sequence_length);
/* KerasHub's TokenAndPositionEmbedding (layer_token_and_position_embedding.c): an embedding of the ids
 * (token_embedding/embeddings [vocab][dim]) plus a position embedding (position_embedding/embeddings
 * [sequence_length][dim]); h × w × T ids → (h·w) × T × dim. mask_zero: sn_model_set_mask, as an embedding's.
 * Default initializer of both: randomUniform(−0.05, 0.05), KerasHub's "uniform". */
int sn_model_add_token_and_position_embedding(sn_model *m, int vocab, int sequence_length, int dim);
/* Zero padding (crop = 0) or cropping (crop = 1) of top, bottom rows and left, right columns. */
int sn_model_add_pad2d(sn_model *m, int crop, int top, int bottom, int left, int right);
/* Keras' UpSampling2D by factors (fh, fw): nearest (repeats) or bilinear (half-pixel centers, as TensorFlow). */
int sn_model_add_upsampling2d(sn_model *m, int fh, int fw, int bilinear);
/* Keras' LayerNormalization over the last axis (layer_layer_norm.c): gamma (scale), beta (center) optional. */
int sn_model_add_layer_norm(sn_model *m, double epsilon, int center, int scale);
/* Keras' RepeatVector: {1, 1, f} → {1, n, f}. */
int sn_model_add_repeat_vector(sn_model *m, int n);
/* Keras' Permute of the axes {h, w, c}: output axis i is input axis p_i (layer_permute.c). */
int sn_model_add_permute(sn_model *m, int p0, int p1, int p2);
/* Keras' recurrent layers on a sequence [steps, features] (an input {1, steps, features}; layer_rnn.c):
 * act, alpha: the cell's activation (tanh); gate_act, gate_alpha: its gates' (sigmoid); sequences: every step's
 * output [steps, units], else the last step's; backwards: Keras' go_backwards; forget_bias: the LSTM's
 * forget-gate bias starts at ones; reset_after: the GRU's reset gate after the recurrent product (Keras 3's
 * default; its bias is then [2, 3·units]). Tensors: SN_KERNEL, SN_RECURRENT_KERNEL, SN_RECURRENT_BIAS. */
int sn_model_add_simple_rnn(sn_model *m, int units, int act, float alpha, int use_bias, int sequences, int backwards);
int sn_model_add_lstm(sn_model *m, int units, int act, float alpha, int gate_act, float gate_alpha, int use_bias,
                      int forget_bias, int sequences, int backwards);
int sn_model_add_gru(sn_model *m, int units, int act, float alpha, int gate_act, float gate_alpha, int use_bias,
                     int reset_after, int sequences, int backwards);
/* Keras' Masking (layer_masking.c): a position of the sample (every axis but the last) whose values all equal
 * mask_value is masked: its output is zeros, and its value carries the mask of this node. */
int sn_model_add_masking(sn_model *m, float mask_value);
/* Keras masks (before build). Value `value` (a node's output) carries the mask of node `owner`: a rows ×
 * positions (h·w) 0/1 mask of its samples, 1 for a valid position. owner = the value's own node makes it: an
 * embedding (Keras' mask_zero: ids ≠ 0), a masking node (set by its add function), or a merge or concatenate
 * all of whose inputs carry masks (their OR, Keras 3's compute_mask). Else owner is an earlier node that makes
 * one, of as many positions. What reads a value's mask: a recurrent layer (masked steps carry the states),
 * global average pooling (the mean over the valid positions), an output's loss and metrics (over its valid
 * positions). Which values carry which mask (Keras' propagation) is the caller's to say: the wrapper works it
 * out layer by layer (web/model/masks.js). Returns 0 for an owner that cannot make one or does not fit. */
int sn_model_set_mask(sn_model *m, int value, int owner);
/* A recurrent (or bidirectional) node's dropout on its inputs (Keras' `dropout`) and on h_{t−1} (Keras 3's
 * `recurrent_dropout`, which also makes the input masks one per gate): a mask per sample for the whole sequence,
 * drawn from the node's generator (seeded: its seed, else one from the model's). Before build. */
int sn_model_set_input_dropout(sn_model *m, int layer, float rate, int seeded, unsigned seed);
int sn_model_set_recurrent_dropout(sn_model *m, int layer, float rate, int seeded, unsigned seed);
/* Keras' return_state of the recurrent or bidirectional node added last: its value becomes one row of [output |
 * states] (the LSTM's h, c; a bidirectional's forward states, then its backward ones), which slice nodes read.
 * Initial states are the node's extra inputs (sn_model_set_inputs: x, then every state, [units] each). */
int sn_model_set_return_state(sn_model *m, int layer, int on);
/* The recurrent kinds, by their TF.js class names (a bidirectional's inner kind). */
#define SN_RECURRENT_KINDS(X)                                                                     \
  X(SN_LAYER_SIMPLE_RNN, 0, "SimpleRNN")                                                          \
  X(SN_LAYER_LSTM, 0, "LSTM")                                                                     \
  X(SN_LAYER_GRU, 0, "GRU")
/* Keras' Bidirectional merge modes; none: both outputs, side by side in the node's value (slice nodes read them). */
#define SN_BIDIRECTIONAL_MERGES(X)                                                                \
  X(SN_BIDIRECTIONAL_CONCAT, 0, "concat")                                                         \
  X(SN_BIDIRECTIONAL_SUM, 1, "sum")                                                               \
  X(SN_BIDIRECTIONAL_MUL, 2, "mul")                                                               \
  X(SN_BIDIRECTIONAL_AVE, 3, "ave")                                                               \
  X(SN_BIDIRECTIONAL_NONE, 4, "none")
enum sn_bidirectional_merge {
#define X(kind, value, name) kind = value,
  SN_BIDIRECTIONAL_MERGES(X)
#undef X
  SN_BIDIRECTIONAL_MERGE_COUNT
};
/* Keras' Bidirectional around a recurrent layer of kind `inner` (its settings as its add function takes them;
 * option: the LSTM's forget_bias, the GRU's reset_after; layer_bidirectional.c): a forward layer, and a backward
 * one reading the steps in reverse, each with its weights (tensor slots 0–2 and 3–5: kernel, recurrent_kernel,
 * bias, named forward/… and backward/…), their outputs merged (enum sn_bidirectional_merge), the backward one's
 * steps turned back into the input's order with return_sequences, as Keras. */
int sn_model_add_bidirectional(sn_model *m, int inner, int units, int act, float alpha, int gate_act, float gate_alpha, int use_bias,
                               int option, int sequences, int merge);
/* One part of its input's rows (return_state's packed values): each row's values offset … offset + h·w·c as {h, w, c}. */
int sn_model_add_slice(sn_model *m, int offset, int h, int w, int c);
/* Keras' MultiHeadAttention (layer_attention.c) on inputs query {1, T, dq}, value {1, S, dv}, then (flags) key
 * {1, S, dk} and an attention mask {1, T, S} of 1/0: heads of key_dim (query, key) and value_dim (value), output
 * [T, out_dim]; causal: Keras' use_causal_mask; dropout on the attention probabilities in training, from the node's
 * generator (seeded: its seed). Tensors SN_QUERY_KERNEL … SN_OUTPUT_KERNEL + 1, named and shaped as Keras 3's. With
 * SN_ATTENTION_SCORES its value is one row of [output T·out_dim | probabilities heads·T·S] (slice nodes read them). */
enum sn_attention_flag { SN_ATTENTION_KEY = 1, SN_ATTENTION_MASK = 2, SN_ATTENTION_SCORES = 4 };
int sn_model_add_attention(sn_model *m, int heads, int key_dim, int value_dim, int out_dim, int use_bias, float dropout,
                           int causal, int flags, int seeded, unsigned seed);
/* Attention node `layer` copies the first sample's probabilities [heads, T, S] of each forward pass into out (NULL: stops). */
int sn_model_attention_capture(sn_model *m, int layer, float *out);
/* Keras' zero_output_for_mask of a recurrent layer with return_sequences (before build): masked steps output zeros. */
int sn_model_set_zero_output(sn_model *m, int layer, int on);
/* which: the tensor slot (SN_KERNEL, SN_BIAS; SN_GAMMA … SN_MOVING_VARIANCE; SN_RECURRENT_KERNEL, SN_RECURRENT_BIAS). */
int sn_model_set_initializer(sn_model *m, int layer, int which, int kind, float a, float b);
int sn_model_set_regularizer(sn_model *m, int layer, int which, float l1, float l2);
int sn_model_set_activity_regularizer(sn_model *m, int layer, float l1, float l2);
/* Freezes (0) or unfreezes (1) a node's weights and those of the nodes that
 * share them. On a built model the buffers are laid out anew (values kept)
 * and the optimizer is dropped: compile again. A frozen batch norm normalizes
 * with its moving statistics, also in training, and does not update them (Keras). */
int sn_model_set_trainable(sn_model *m, int layer, int trainable);
/* Keras' exclude_from_weight_decay for one tensor (a node that owns its weights; any time: the next compile
 * hands every tensor's flag to its optimizer, and set_trainable keeps it). Returns 0 for no such tensor. */
int sn_model_exclude_from_weight_decay(sn_model *m, int layer, int which, int excluded);
int sn_model_build(sn_model *m);
/* Sets every output's loss (weight 1) and the optimizer. */
int sn_model_compile(sn_model *m, int loss_kind, int from_logits, float cost, float profit, sn_optimizer *opt);
/* One output's loss and weight, after compile. */
int sn_model_set_loss(sn_model *m, int output, int loss_kind, int from_logits, float cost, float profit, float weight);
int sn_model_reserve(sn_model *m, int rows);
int sn_model_output_dim(const sn_model *m);
int sn_model_target_dim(const sn_model *m);
int sn_model_layer_size(const sn_model *m, int layer);

/* The training loop (train.c). A row of inputs x holds every input side by
 * side (input_dim columns); a row of targets t every output's targets side by
 * side (target_dim columns: sn_output_target_width of each); a row of
 * predictions every output side by side (output_dim columns); sums are
 * double[n_outputs × SN_SUM_COUNT]. */
int sn_model_shuffle(sn_model *m, int n, int shuffle);
int sn_model_train_batches(sn_model *m, const float *x, const float *t, int n, int batch, int b0, int b1);
int sn_model_fit_slice(sn_model *m, const float *x, const float *t, int n, int batch, int shuffle,
                       const float *vx, const float *vt, int nv, double *val_sums, int b0, int b1);
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

/* Generation (graph.c; layer.h: positionwise, forward_window). sn_model_forward_window computes positions
 * [t0, t1) of every node's output for one row in the inference layout, reading xs (each input's whole row: the
 * ids of positions [0, t1)) and, for positions before t0, every value as the calls before left it: the key/value
 * cache. t0 = 0 starts anew (the first call makes the inference layout keep every node's buffers: workspace.c,
 * keep_values); a later call needs t0 ≤ the positions computed since (any other pass over the workspace forgets
 * them). A value's time axis: a sequence [T, c] is {1, T, c}, a model input of token ids [T] is {1, 1, T}; T is
 * the first input's; anything else has none. Positionwise kinds run their forward on the window (their shapes'
 * time axis cut to it, their pointers moved to t0), kinds with forward_window run that, and the activation is
 * applied to the window. Returns 0, 1 + the first node that cannot run a window (sn_model_window_check says
 * why), or an enum sn_window_error. */
enum sn_window_why { SN_WINDOW_KIND = 1, SN_WINDOW_SHAPE = 2 }; /* neither positionwise nor forward_window; a value without the time axis */
enum sn_window_error { SN_WINDOW_MEMORY = -1, SN_WINDOW_RANGE = -2, SN_WINDOW_TRAINING = -3 };
int sn_model_forward_window(sn_model *m, const float *const *xs, int t0, int t1);
/* 0 when every node can run a window, else 1 + the first that cannot, *why its enum sn_window_why. */
int sn_model_window_check(const sn_model *m, int *why);
/* Output k's z (before its activation: the logits under a softmax), one row per row of the last pass, or NULL. */
const float *sn_model_output_logits(const sn_model *m, int k);

/* Internal to the model, its layers and its training loop. A kind's add
 * function takes a fresh node with begin_layer (NULL when the model is built;
 * l->in is its first input's shape), fills its settings and calls end_layer,
 * which runs the kind's setup and returns the index or -1. */
sn_layer *sn_model_begin_layer(sn_model *m, int kind);
int sn_model_end_layer(sn_model *m, int ok);
/* Node `l`'s i-th input value. */
static inline const sn_value *sn_node_input(const sn_model *m, const sn_layer *l, int i) {
  return &m->values[m->edges[l->first_in + i]];
}
/* Whether the backward pass computes node l's gradient for its i-th input: that value wants one and
 * the kind passes gradients to its inputs (not an embedding's ids). */
static inline int sn_passes_gradient(const sn_model *m, const sn_layer *l, int i) {
  return sn_node_input(m, l, i)->needs_grad && !sn_layer_ops_of(l->kind)->no_input_grad;
}
/* Forward over x (the rows of each input: xs[i]), backward from the outputs'
 * loss gradients (graph.c). */
void sn_model_forward(sn_model *m, int rows, const float *const *xs);
void sn_model_backward(sn_model *m, int rows);
float *sn_pool_take(sn_model *m);
void sn_pool_give(sn_model *m, float *buf);
void sn_model_draw_masks(sn_model *m, int rows);
void sn_model_commit(sn_model *m);
double sn_model_regularize(sn_model *m, int add_gradients);
static inline const sn_layer *sn_model_last(const sn_model *m) { return &m->layers[m->n_layers - 1]; }
/* The node that makes an output's value (an output is never a model input). */
static inline const sn_layer *sn_output_node(const sn_model *m, int k) {
  return &m->layers[m->values[m->outputs[k].value].producer];
}
/* Output k's loss rows per sample: h·w, 1 for a vector output (losses.h). */
static inline int sn_output_positions(const sn_model *m, int k) {
  sn_shape s = m->values[m->outputs[k].value].shape;
  return s.h * s.w;
}
/* Its target columns per sample: a label per row (sparse) or the whole output. */
static inline int sn_output_target_width(const sn_model *m, int k) {
  return sn_output_positions(m, k) * sn_loss_target_width(&m->outputs[k].loss, m->values[m->outputs[k].value].shape.c);
}
/* The mask a value carries (rows × its positions, of the last forward pass), or NULL (sn_model_set_mask). */
static inline const float *sn_value_mask(const sn_model *m, const sn_value *v) {
  return v->mask ? m->layers[v->mask - 1].keras_mask : NULL;
}
/* Activity regularizers (layer_output.c). */
void sn_layer_output_gradient(const sn_layer *l, int rows, float *dy);
double sn_model_activity_penalty(const sn_model *m, int rows);
#endif
