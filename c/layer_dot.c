/* Keras' Dot of two inputs, each one sample a vector [c] or a matrix [w, c]
 * (h = 1): axis a of the first contracted with axis b of the second. Seen as
 * X[i][k] and Y[j][k], with i and j their free indices (one for a vector),
 *   z[i][j] = Σ_k X[i][k]·Y[j][k]          (z is [fx, fy], row-major)
 *   dX[i][k] = Σ_j dz[i][j]·Y[j][k],   dY[j][k] = Σ_i dz[i][j]·X[i][k].
 * With normalize, X and Y are first scaled to unit length along k, as Keras'
 * l2_normalize (x / √max(Σx², 1e-12)): the cosine proximity. The gradient goes
 * back through it: with u = x/‖x‖, dx = (du − u·(u·du))/‖x‖, or du/√1e-12
 * where the floor holds. Plain loops: one sample's products are small. */
#include "api.h"
#include "model.h"
#include <math.h>
#include <string.h>

SN_API int sn_model_add_dot(sn_model *m, int ax0, int ax1, int normalize) {
  sn_layer *l = sn_model_begin_layer(m, SN_LAYER_DOT);
  if (!l) return -1;
  l->axes[0] = ax0, l->axes[1] = ax1, l->normalize = normalize != 0;
  return sn_model_end_layer(m, (ax0 == 0 || ax0 == 1) && (ax1 == 0 || ax1 == 1));
}

/* One sample of an input as X[i][k] = x[i·si + k·sk], i < free, k < depth. */
typedef struct {
  int free, depth, si, sk;
} view;

static view view_of(sn_shape s, int axis) { return axis == 1 ? (view){s.w, s.c, s.c, 1} : (view){s.c, s.w, 1, s.c}; }
static view input_view(const sn_model *m, const sn_layer *l, int i) { return view_of(sn_node_input(m, l, i)->shape, l->axes[i]); }
static view dense_view(view v) { return (view){v.free, v.depth, v.depth, 1}; }

static int setup_n(const sn_model *m, sn_layer *l) {
  if (l->n_in != 2 || sn_node_input(m, l, 0)->shape.h != 1 || sn_node_input(m, l, 1)->shape.h != 1) return 0;
  view x = input_view(m, l, 0), y = input_view(m, l, 1);
  if (x.depth != y.depth) return 0;
  l->out = (sn_shape){1, x.free, y.free};
  return 1;
}

/* l->dotbuf holds one row of depth floats to work in, then with normalize per row: X's unit
 * copy [fx][depth], Y's [fy][depth], X's inverse norms [fx] and Y's [fy]. */
static int64_t per_row(const sn_layer *l, int depth) {
  return l->normalize ? (int64_t)(l->out.w + l->out.c) * (depth + 1) : 0;
}
static int depth_of(const sn_layer *l) { return l->axes[0] == 1 ? l->in.c : l->in.w; } /* in: the first input's shape */

static void reserve(sn_layer *l, int rows, sn_carver *c) {
  l->zbuf = sn_carve(c, rows * sn_shape_size(l->out));
  l->dotbuf = sn_carve(c, depth_of(l) + rows * per_row(l, depth_of(l)));
}

static const float EPS = 1e-12f; /* Keras' floor on Σx² */

/* u = X / √max(Σ_k X², ε) per free index, dense; inv[i] = 1/√…, negative where the floor holds. */
static void unit(view v, const float *x, float *u, float *inv) {
  for (int i = 0; i < v.free; i++) {
    float s = 0.0f;
    for (int k = 0; k < v.depth; k++) s += x[i * v.si + k * v.sk] * x[i * v.si + k * v.sk];
    float r = 1.0f / sqrtf(fmaxf(s, EPS));
    inv[i] = s > EPS ? r : -r;
    for (int k = 0; k < v.depth; k++) u[i * v.depth + k] = x[i * v.si + k * v.sk] * r;
  }
}

/* Where row r's pieces are in l->dotbuf. */
typedef struct {
  float *ux, *uy, *ix, *iy;
} pieces;

static pieces pieces_of(const sn_layer *l, int r, int depth) {
  float *p = l->dotbuf + depth + r * per_row(l, depth);
  int fx = l->out.w, fy = l->out.c;
  return (pieces){p, p + fx * depth, p + (fx + fy) * depth, p + (fx + fy) * depth + fx};
}

static void forward_n(sn_model *m, sn_layer *l, int rows, const float *const *xs) {
  view x = input_view(m, l, 0), y = input_view(m, l, 1);
  int fx = x.free, fy = y.free, depth = x.depth;
  long ax = sn_shape_size(sn_node_input(m, l, 0)->shape), ay = sn_shape_size(sn_node_input(m, l, 1)->shape);
  for (int r = 0; r < rows; r++) {
    const float *a = xs[0] + r * ax, *b = xs[1] + r * ay;
    view vx = x, vy = y;
    if (l->normalize) {
      pieces p = pieces_of(l, r, depth);
      unit(x, a, p.ux, p.ix);
      unit(y, b, p.uy, p.iy);
      a = p.ux, b = p.uy, vx = dense_view(x), vy = dense_view(y);
    }
    float *z = l->zbuf + (long)r * fx * fy;
    for (int i = 0; i < fx; i++)
      for (int j = 0; j < fy; j++) {
        float s = 0.0f;
        for (int k = 0; k < depth; k++) s += a[i * vx.si + k * vx.sk] * b[j * vy.si + k * vy.sk];
        z[i * fy + j] = s;
      }
  }
  l->z = l->zbuf;
}

/* dX[i][k] = Σ_j dz[i][j]·Y[j][k] into dx's layout v (transposed: dz[j][i], for dY). With u and
 * inv (normalize), through the unit scaling. */
static void input_grad(view v, view other, const float *b, const float *dz, int dz_i, int dz_j, const float *u,
                       const float *inv, float *du, float *dx) {
  for (int i = 0; i < v.free; i++) {
    for (int k = 0; k < v.depth; k++) {
      float s = 0.0f;
      for (int j = 0; j < other.free; j++) s += dz[i * dz_i + j * dz_j] * b[j * other.si + k * other.sk];
      du[k] = s;
    }
    if (!u) {
      for (int k = 0; k < v.depth; k++) dx[i * v.si + k * v.sk] = du[k];
      continue;
    }
    float dot = 0.0f, r = fabsf(inv[i]);
    for (int k = 0; k < v.depth; k++) dot += u[i * v.depth + k] * du[k];
    if (inv[i] < 0) dot = 0.0f; /* the floor: x/√ε is linear in x */
    for (int k = 0; k < v.depth; k++) dx[i * v.si + k * v.sk] = (du[k] - u[i * v.depth + k] * dot) * r;
  }
}

static void backward_n(sn_model *m, sn_layer *l, int rows, const float *const *xs, const float *dz,
                       float *const *dxs) {
  view x = input_view(m, l, 0), y = input_view(m, l, 1);
  int fx = x.free, fy = y.free, depth = x.depth;
  long ax = sn_shape_size(sn_node_input(m, l, 0)->shape), ay = sn_shape_size(sn_node_input(m, l, 1)->shape);
  for (int r = 0; r < rows; r++) {
    const float *a = xs[0] + r * ax, *b = xs[1] + r * ay, *g = dz + (long)r * fx * fy;
    view vx = x, vy = y;
    const float *ux = NULL, *uy = NULL, *ix = NULL, *iy = NULL;
    float *du = l->dotbuf; /* one row of dX or dY before it is scaled and laid out */
    if (l->normalize) {
      pieces p = pieces_of(l, r, depth);
      ux = p.ux, uy = p.uy, ix = p.ix, iy = p.iy;
      a = ux, b = uy, vx = dense_view(x), vy = dense_view(y);
    }
    if (dxs[0]) input_grad(x, vy, b, g, fy, 1, ux, ix, du, dxs[0] + r * ax);
    if (dxs[1]) input_grad(y, vx, a, g, 1, fy, uy, iy, du, dxs[1] + r * ay);
  }
}

const sn_layer_ops sn_dot_ops = {.setup_n = setup_n, .reserve = reserve, .forward_n = forward_n, .backward_n = backward_n};
