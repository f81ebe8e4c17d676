/* Keras' PReLU (keras/src/layers/activations/prelu.py; TF.js' PReLU in
 * tfjs-layers src/layers/advanced_activations.ts): z = x for x > 0 and
 * alpha·x otherwise (Keras: relu(x) − alpha·relu(−x)), with one trainable alpha
 * per element of the sample, except along the shared axes, where one alpha
 * serves the whole axis: alpha has the input's shape with the shared axes set
 * to 1, as Keras builds it. The sample is [h, w, c] (channels last) of rank 1
 * ([c]), 2 ([w, c]) or 3 ([h, w, c]); bit k of `shared` is Keras' axis k.
 *   forward:  z = x > 0 ? x : alpha·x
 *   backward: dx = x > 0 ? dz : alpha·dz,  dalpha = Σ over the batch and the
 *             shared axes of dz·min(x, 0). */
#include "api.h"
#include "init.h"
#include "model.h"

SN_API int sn_model_add_prelu(sn_model *m, int rank, int shared) {
  sn_layer *l = sn_model_begin_layer(m, SN_LAYER_PRELU);
  if (!l) return -1;
  l->rank = rank;
  l->shared = shared;
  l->t[0].exists = 1;
  l->t[0].init = SN_INIT_ZEROS; /* Keras' default alpha_initializer */
  return sn_model_end_layer(m, rank >= 1 && rank <= 3 && shared >= 0 && shared < (2 << rank) && !(shared & 1));
}

/* The Keras axis (1-based) of h, w and c for a sample of the layer's rank; 0: none. */
static int axis_of(const sn_layer *l, int which) {
  static const int AXIS[4][3] = {{0, 0, 0}, {0, 0, 1}, {0, 1, 2}, {1, 2, 3}};
  return AXIS[l->rank][which];
}
/* alpha's size along h, w or c: 1 where shared (or not an axis of the sample). */
static int extent(const sn_layer *l, int which, int size) {
  int axis = axis_of(l, which);
  return axis && !(l->shared >> axis & 1) ? size : 1;
}

static int setup(sn_layer *l) {
  l->out = l->in;
  if (l->rank < 3 && l->in.h != 1) return 0;
  if (l->rank < 2 && l->in.w != 1) return 0;
  int full[3] = {extent(l, 0, l->in.h), extent(l, 1, l->in.w), extent(l, 2, l->in.c)};
  sn_tensor *t = &l->t[0];
  t->trainable = 1;
  sn_tensor_shape(t, "alpha", l->rank, full + 3 - l->rank);
  /* Keras' fans of a shape (keras/src/initializers/random_initializers.py, compute_fans) */
  const int *d = t->dims;
  if (t->rank == 1) t->fan_in = t->fan_out = d[0];
  else if (t->rank == 2) t->fan_in = d[0], t->fan_out = d[1];
  else t->fan_in = d[0] * d[1], t->fan_out = d[0] * d[2];
  return 1;
}

static void reserve(sn_layer *l, int rows, sn_carver *c) { l->zbuf = sn_carve(c, rows * sn_shape_size(l->out)); }

/* Where alpha's run of c values for position (i, j) of the sample starts;
 * *step: 1 along c, or 0 when c is shared. */
static long alpha_at(const sn_layer *l, int i, int j, int *step) {
  int ah = extent(l, 0, l->in.h), aw = extent(l, 1, l->in.w), ac = extent(l, 2, l->in.c);
  *step = ac > 1;
  return ((long)(ah > 1 ? i : 0) * aw + (aw > 1 ? j : 0)) * ac;
}

static void forward(sn_model *m, sn_layer *l, int rows, const float *x) {
  (void)m;
  float *z = l->zbuf;
  long o = 0;
  for (int r = 0; r < rows; r++)
    for (int i = 0; i < l->in.h; i++)
      for (int j = 0; j < l->in.w; j++, o += l->in.c) {
        int step;
        const float *alpha = l->t[0].w + alpha_at(l, i, j, &step);
        for (int k = 0; k < l->in.c; k++) {
          float v = x[o + k];
          z[o + k] = v > 0.0f ? v : alpha[k * step] * v;
        }
      }
  l->z = z;
}

static float *backward(sn_model *m, sn_layer *l, int rows, const float *x, float *dz, float *dx) {
  (void)m;
  float *g = l->t[0].g; /* NULL when frozen */
  if (g)
    for (long i = 0; i < l->t[0].size; i++) g[i] = 0.0f;
  long o = 0;
  for (int r = 0; r < rows; r++)
    for (int i = 0; i < l->in.h; i++)
      for (int j = 0; j < l->in.w; j++, o += l->in.c) {
        int step;
        long at = alpha_at(l, i, j, &step);
        const float *alpha = l->t[0].w + at;
        for (int k = 0; k < l->in.c; k++) {
          float v = x[o + k], d = dz[o + k];
          if (g && v < 0.0f) g[at + k * step] += d * v;
          if (dx) dx[o + k] = v > 0.0f ? d : alpha[k * step] * d;
        }
      }
  return dx;
}

const sn_layer_ops sn_prelu_ops = {.setup = setup, .reserve = reserve, .forward = forward, .backward = backward};
