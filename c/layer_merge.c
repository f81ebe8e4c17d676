/* Element-wise merges of inputs of one shape, Keras' Add, Subtract, Multiply,
 * Average, Maximum and Minimum layers, folded left to right as Keras does:
 *   add: z = x0 + x1 + …          dxi = dz
 *   subtract (two inputs): z = x0 − x1     dx0 = dz, dx1 = −dz
 *   multiply: z = x0 · x1 · …     dxi = dz · Π_{j≠i} xj
 *   average: z = (x0 + x1 + …)/n  dxi = dz/n
 *   maximum, minimum: z = the largest (smallest) xi; dz goes to the first
 *   input that holds it (TensorFlow's gradient of maximum(a, b) gives ties to a). */
#include "api.h"
#include "model.h"
#include "threads.h"

SN_API int sn_model_add_merge(sn_model *m, int op) {
  sn_layer *l = sn_model_begin_layer(m, SN_LAYER_MERGE);
  if (!l) return -1;
  l->op = op;
  return sn_model_end_layer(m, op >= 0 && op < SN_MERGE_COUNT);
}

/* Every input of the first one's shape; subtract takes exactly two. */
static int setup_n(const sn_model *m, sn_layer *l) {
  if (l->n_in < 2 || (l->op == SN_MERGE_SUBTRACT && l->n_in != 2)) return 0;
  for (int i = 1; i < l->n_in; i++) {
    sn_shape s = sn_node_input(m, l, i)->shape;
    if (s.h != l->in.h || s.w != l->in.w || s.c != l->in.c) return 0;
  }
  l->out = l->in;
  return 1;
}

static void reserve(sn_layer *l, int rows, sn_carver *c) { l->zbuf = sn_carve(c, rows * sn_shape_size(l->out)); }

/* Input i holds the element: the first largest (smallest) one. */
static int winner(const sn_layer *l, const float *const *xs, long e) {
  int best = 0;
  for (int i = 1; i < l->n_in; i++)
    if (l->op == SN_MERGE_MAXIMUM ? xs[i][e] > xs[best][e] : xs[i][e] < xs[best][e]) best = i;
  return best;
}

/* A pass over elements [e0, e1) of every input and output: element e depends on element e alone, so the
 * threads split the elements in blocks (threads.h) with the bits of one pass. */
typedef struct {
  const sn_layer *l;
  long n;
  const float *const *xs;
  const float *dz;
  float *z;
  float *const *dxs;
} merge_pass;
enum { BLOCK = 256 }; /* elements per block of the split */

static void forward_blocks(const void *arg, int b0, int b1) {
  const merge_pass *p = arg;
  const sn_layer *l = p->l;
  const float *const *xs = p->xs;
  for (long e = (long)b0 * BLOCK, end = (long)b1 * BLOCK < p->n ? (long)b1 * BLOCK : p->n; e < end; e++) {
    float v = xs[0][e];
    for (int i = 1; i < l->n_in; i++) switch (l->op) {
        case SN_MERGE_ADD:
        case SN_MERGE_AVERAGE: v += xs[i][e]; break;
        case SN_MERGE_SUBTRACT: v -= xs[i][e]; break;
        case SN_MERGE_MULTIPLY: v *= xs[i][e]; break;
        default: v = xs[winner(l, xs, e)][e];
      }
    p->z[e] = l->op == SN_MERGE_AVERAGE ? v / (float)l->n_in : v;
  }
}

static void backward_blocks(const void *arg, int b0, int b1) {
  const merge_pass *p = arg;
  const sn_layer *l = p->l;
  const float *const *xs = p->xs, *dz = p->dz;
  const long e0 = (long)b0 * BLOCK, e1 = (long)b1 * BLOCK < p->n ? (long)b1 * BLOCK : p->n;
  for (int i = 0; i < l->n_in; i++) {
    float *dx = p->dxs[i];
    if (!dx) continue;
    for (long e = e0; e < e1; e++) switch (l->op) {
        case SN_MERGE_ADD: dx[e] = dz[e]; break;
        case SN_MERGE_AVERAGE: dx[e] = dz[e] / (float)l->n_in; break;
        case SN_MERGE_SUBTRACT: dx[e] = i ? -dz[e] : dz[e]; break;
        case SN_MERGE_MULTIPLY: {
          float v = dz[e];
          for (int j = 0; j < l->n_in; j++)
            if (j != i) v *= xs[j][e];
          dx[e] = v;
          break;
        }
        default: dx[e] = winner(l, xs, e) == i ? dz[e] : 0.0f;
      }
  }
}

static void forward_n(sn_model *m, sn_layer *l, int rows, const float *const *xs) {
  (void)m;
  const merge_pass p = {.l = l, .n = rows * sn_shape_size(l->out), .xs = xs, .z = l->zbuf};
  sn_parallel_rows(forward_blocks, &p, (int)((p.n + BLOCK - 1) / BLOCK), (long long)BLOCK * (l->n_in + 1));
  l->z = l->zbuf;
}

static void backward_n(sn_model *m, sn_layer *l, int rows, const float *const *xs, const float *dz,
                       float *const *dxs) {
  (void)m;
  const merge_pass p = {.l = l, .n = rows * sn_shape_size(l->out), .xs = xs, .dz = dz, .dxs = dxs};
  sn_parallel_rows(backward_blocks, &p, (int)((p.n + BLOCK - 1) / BLOCK), (long long)BLOCK * (2 * l->n_in + 1));
}

const sn_layer_ops sn_merge_ops = {.setup_n = setup_n, .reserve = reserve, .forward_n = forward_n, .backward_n = backward_n,
                                    .positionwise = 1};
