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

static void forward_n(sn_model *m, sn_layer *l, int rows, const float *const *xs) {
  (void)m;
  long n = rows * sn_shape_size(l->out);
  float *z = l->zbuf;
  for (long e = 0; e < n; e++) {
    float v = xs[0][e];
    for (int i = 1; i < l->n_in; i++) switch (l->op) {
        case SN_MERGE_ADD:
        case SN_MERGE_AVERAGE: v += xs[i][e]; break;
        case SN_MERGE_SUBTRACT: v -= xs[i][e]; break;
        case SN_MERGE_MULTIPLY: v *= xs[i][e]; break;
        default: v = xs[winner(l, xs, e)][e];
      }
    z[e] = l->op == SN_MERGE_AVERAGE ? v / (float)l->n_in : v;
  }
  l->z = z;
}

static void backward_n(sn_model *m, sn_layer *l, int rows, const float *const *xs, const float *dz,
                       float *const *dxs) {
  (void)m;
  long n = rows * sn_shape_size(l->out);
  for (int i = 0; i < l->n_in; i++) {
    float *dx = dxs[i];
    if (!dx) continue;
    for (long e = 0; e < n; e++) switch (l->op) {
        case SN_MERGE_ADD: dx[e] = dz[e]; break;
        case SN_MERGE_AVERAGE: dx[e] = dz[e] / (float)l->n_in; break;
        case SN_MERGE_SUBTRACT: dx[e] = i ? -dz[e] : dz[e]; break;
        case SN_MERGE_MULTIPLY: {
          float p = dz[e];
          for (int j = 0; j < l->n_in; j++)
            if (j != i) p *= xs[j][e];
          dx[e] = p;
          break;
        }
        default: dx[e] = winner(l, xs, e) == i ? dz[e] : 0.0f;
      }
  }
}

const sn_layer_ops sn_merge_ops = {.setup_n = setup_n, .reserve = reserve, .forward_n = forward_n, .backward_n = backward_n,
                                    .positionwise = 1};
