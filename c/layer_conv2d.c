/* 2-D convolution, channels last, on the packed GEMM:
 *   cols[rows·oh·ow × kh·kw·cin] = im2col(x)       (x: rows × h × w × cin)
 *   z[rows·oh·ow × filters]      = cols · kernel + bias
 * kernel is Keras' [kh][kw][cin][filters], i.e. (kh·kw·cin) × filters, so z is
 * already NHWC (rows × oh × ow × filters). Backward:
 *   dkernel = colsᵀ · dz,  dbias = Σ dz over rows·oh·ow,
 *   dx      = col2im(dz · kernelᵀ)   (not for the lowest layer with weights).
 * The columns live in the model's shared scratch. Backward reuses them when
 * they are still there (the last convolution of the forward pass), else
 * rebuilds them; then the same scratch takes dz · kernelᵀ. A 1×1 kernel with
 * stride 1 reads x itself: its columns are x. TensorFlow refuses strides > 1
 * together with dilation > 1, and so do we. */
#include "api.h"
#include "kernels.h"
#include "layer_window.h"
#include "model.h"
#include "threads.h"

SN_API int sn_model_add_conv2d(sn_model *m, int filters, int kh, int kw, int sh, int sw, int dh, int dw, int same, int act,
                               float alpha, int use_bias) {
  sn_layer *l = sn_model_begin_layer(m, SN_LAYER_CONV2D);
  if (!l) return -1;
  l->units = filters;
  l->kh = kh, l->kw = kw, l->sh = sh, l->sw = sw, l->dh = dh, l->dw = dw, l->same = same != 0;
  l->act = act;
  l->alpha = alpha;
  l->t[SN_BIAS].exists = use_bias != 0;
  int strided = sh > 1 || sw > 1, dilated = dh > 1 || dw > 1;
  return sn_model_end_layer(m, filters > 0 && act >= 0 && act < SN_ACT_COUNT && !(strided && dilated));
}

static int setup(sn_layer *l) {
  sn_window g;
  if (!sn_layer_window(l, &g)) return 0;
  l->out = (sn_shape){g.oh, g.ow, l->units};
  sn_tensor *k = &l->t[SN_KERNEL], *b = &l->t[SN_BIAS];
  int64_t taps = (int64_t)l->kh * l->kw;
  k->exists = k->trainable = 1;
  k->size = taps * l->in.c * l->units;
  if (k->size > SN_MAX_PARAMS) return 0; /* also keeps the fans below within int */
  k->fan_in = (int)(taps * l->in.c); /* Keras' fans of a conv kernel */
  k->fan_out = (int)(taps * l->units);
  b->trainable = 1;
  b->size = b->fan_in = b->fan_out = l->units;
  return 1;
}

/* The columns are x itself: a 1×1 window moving one step at a time, no padding. */
static int pointwise(const sn_layer *l) { return l->kh == 1 && l->kw == 1 && l->sh == 1 && l->sw == 1; }

static int64_t positions(const sn_layer *l, int rows) { return (int64_t)rows * l->out.h * l->out.w; }
static int taps(const sn_layer *l) { return l->kh * l->kw * l->in.c; }

static void reserve(sn_layer *l, int rows, sn_carver *c) { l->zbuf = sn_carve(c, positions(l, rows) * l->units); }

static int64_t scratch(const sn_layer *l, int rows) { return pointwise(l) ? 0 : positions(l, rows) * taps(l); }

/* The im2col columns of x, in the scratch unless they are x. */
static const float *columns(sn_model *m, const sn_layer *l, int rows, const float *x) {
  if (pointwise(l)) return x;
  if (m->scratch_holds != l) {
    sn_window g;
    sn_layer_window(l, &g);
    sn_par_im2col(&g, rows, x, m->scratch);
    m->scratch_holds = l;
  }
  return m->scratch;
}

static void forward(sn_model *m, sn_layer *l, int rows, const float *x) {
  int M = (int)positions(l, rows);
  k_gemm_nn(M, taps(l), l->units, columns(m, l, rows, x), l->t[SN_KERNEL].w, l->zbuf, 0);
  if (l->t[SN_BIAS].exists) sn_par_bias_add(M, l->units, l->zbuf, l->t[SN_BIAS].w);
  l->z = l->zbuf;
}

static float *backward(sn_model *m, sn_layer *l, int rows, const float *x, float *dz, float *dx) {
  int M = (int)positions(l, rows), K = taps(l);
  k_gemm_tn(M, K, l->units, columns(m, l, rows, x), dz, l->t[SN_KERNEL].g, 0);
  if (l->t[SN_BIAS].exists) sn_par_col_sum(M, l->units, dz, l->t[SN_BIAS].g, 0);
  if (!dx) return NULL;
  if (pointwise(l)) {
    k_gemm_nt(M, l->units, K, dz, l->t[SN_KERNEL].w, dx, 0);
    return dx;
  }
  k_gemm_nt(M, l->units, K, dz, l->t[SN_KERNEL].w, m->scratch, 0);
  m->scratch_holds = NULL;
  sn_window g;
  sn_layer_window(l, &g);
  sn_par_col2im(&g, rows, m->scratch, dx);
  return dx;
}

const sn_layer_ops sn_conv2d_ops = {
    .setup = setup, .reserve = reserve, .scratch = scratch, .forward = forward, .backward = backward};
