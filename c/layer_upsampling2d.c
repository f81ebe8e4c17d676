/* Up-sampling by integer factors (Keras' UpSampling2D), channels last:
 *   z[rows × (fh·h) × (fw·w) × c].
 * 'nearest' repeats every cell fw times along its row and every row fh times
 * (Keras: ops.repeat along both axes, keras/src/layers/reshaping/up_sampling2d.py);
 * backward sums each fh × fw block of dz into its cell.
 *
 * 'bilinear' is Keras': ops.image.resize, i.e. TensorFlow's tf.image.resize
 * (keras/src/backend/tensorflow/image.py), half-pixel centers and no antialias.
 * Output row o reads the input at s = (o + ½)·(h / oh) − ½ (TensorFlow's
 * HalfPixelScaler, in float), between rows lo = max(⌊s⌋, 0) and
 * hi = min(⌈s⌉, h − 1) with weight f = s − ⌊s⌋ on hi (at the edges lo = hi, so
 * the border rows are repeated); columns the same; and, as TensorFlow's
 * resize_bilinear_op.cc computes it,
 *   top = x[lo][l] + (x[lo][r] − x[lo][l])·fx,  bottom = the same on row hi,
 *   z = top + (bottom − top)·fy.
 * Backward is its adjoint (TensorFlow's ResizeBilinearGrad): each dz adds
 * dz·(1 − fy)(1 − fx), dz·(1 − fy)·fx, dz·fy·(1 − fx) and dz·fy·fx into the
 * four cells. TF.js 4.22's UpSampling2D computes something else (no half-pixel
 * centers): see the README.
 *
 * These are memory moves: loops over rows and cells with the channels
 * (contiguous) innermost; no index arithmetic per element. */
#include "api.h"
#include "model.h"
#include <math.h>
#include <string.h>

SN_API int sn_model_add_upsampling2d(sn_model *m, int fh, int fw, int bilinear) {
  sn_layer *l = sn_model_begin_layer(m, SN_LAYER_UPSAMPLING2D);
  if (!l) return -1;
  l->up[0] = fh, l->up[1] = fw, l->bilinear = bilinear != 0;
  return sn_model_end_layer(m, fh >= 1 && fw >= 1 && fh <= SN_MAX_SAMPLE_SIZE && fw <= SN_MAX_SAMPLE_SIZE);
}

static int setup(sn_layer *l) {
  const int64_t h = (int64_t)l->in.h * l->up[0], w = (int64_t)l->in.w * l->up[1];
  if (h > SN_MAX_SAMPLE_SIZE || w > SN_MAX_SAMPLE_SIZE) return 0;
  l->out = (sn_shape){(int)h, (int)w, l->in.c};
  return 1;
}

/* Factors of 1 change nothing (bilinear reads every cell at its own center): a view. */
static int is_view(const sn_layer *l) { return l->up[0] == 1 && l->up[1] == 1; }

static void reserve(sn_layer *l, int rows, sn_carver *c) {
  l->zbuf = is_view(l) ? NULL : sn_carve(c, rows * sn_shape_size(l->out));
}

/* ---- nearest ---------------------------------------------------------------------------- */

static void nearest_forward(const sn_layer *l, int rows, const float *x, float *z) {
  const int h = l->in.h, w = l->in.w, fh = l->up[0], fw = l->up[1];
  const size_t c = (size_t)l->in.c, cell = c * sizeof(float), zrow = (size_t)l->out.w * c;
  for (size_t iy = 0; iy < (size_t)rows * h; iy++) { /* every input row of every sample */
    const float *s = x + iy * w * c;
    float *d = z + iy * fh * zrow;
    for (int ix = 0; ix < w; ix++, s += c)
      for (int k = 0; k < fw; k++, d += c) memcpy(d, s, cell);
    d -= zrow;
    for (int k = 1; k < fh; k++) memcpy(d + k * zrow, d, zrow * sizeof(float));
  }
}

/* dx cell = Σ of its fh × fw block of dz, the block's rows in order, within a row its cells in order. */
static void nearest_backward(const sn_layer *l, int rows, const float *dz, float *dx) {
  const int h = l->in.h, w = l->in.w, fh = l->up[0], fw = l->up[1];
  const size_t c = (size_t)l->in.c, zrow = (size_t)l->out.w * c;
  for (size_t iy = 0; iy < (size_t)rows * h; iy++) {
    float *d = dx + iy * w * c;
    memset(d, 0, (size_t)w * c * sizeof(float));
    for (int k = 0; k < fh; k++) {
      const float *s = dz + (iy * fh + k) * zrow;
      float *o = d;
      for (int ix = 0; ix < w; ix++, o += c)
        for (int q = 0; q < fw; q++, s += c)
          for (size_t j = 0; j < c; j++) o[j] += s[j];
    }
  }
}

/* ---- bilinear --------------------------------------------------------------------------- */

/* Output index o along an axis of n input cells, up-sampled by `scale` = n / out
 * (float, as TensorFlow): the two input cells it reads and the weight of the second. */
typedef struct {
  int lo, hi;
  float f;
} lerp;

static lerp source(int o, int n, float scale) {
  const float s = ((float)o + 0.5f) * scale - 0.5f, s0 = floorf(s);
  lerp p = {(int)s0, (int)ceilf(s), s - s0};
  if (p.lo < 0) p.lo = 0;
  if (p.hi > n - 1) p.hi = n - 1;
  return p;
}

static void bilinear_forward(const sn_layer *l, int rows, const float *x, float *z) {
  const int h = l->in.h, w = l->in.w, oh = l->out.h, ow = l->out.w;
  const size_t c = (size_t)l->in.c;
  const float sy = (float)h / (float)oh, sx = (float)w / (float)ow;
  for (int n = 0; n < rows; n++) {
    const float *xs = x + (size_t)n * h * w * c;
    float *d = z + (size_t)n * oh * ow * c;
    for (int oy = 0; oy < oh; oy++) {
      const lerp py = source(oy, h, sy);
      const float *top = xs + (size_t)py.lo * w * c, *bottom = xs + (size_t)py.hi * w * c;
      for (int ox = 0; ox < ow; ox++, d += c) {
        const lerp px = source(ox, w, sx);
        const float *tl = top + px.lo * c, *tr = top + px.hi * c, *bl = bottom + px.lo * c, *br = bottom + px.hi * c;
        for (size_t j = 0; j < c; j++) {
          const float t = tl[j] + (tr[j] - tl[j]) * px.f, b = bl[j] + (br[j] - bl[j]) * px.f;
          d[j] = t + (b - t) * py.f;
        }
      }
    }
  }
}

static void bilinear_backward(const sn_layer *l, int rows, const float *dz, float *dx) {
  const int h = l->in.h, w = l->in.w, oh = l->out.h, ow = l->out.w;
  const size_t c = (size_t)l->in.c;
  const float sy = (float)h / (float)oh, sx = (float)w / (float)ow;
  memset(dx, 0, (size_t)rows * h * w * c * sizeof(float));
  for (int n = 0; n < rows; n++) {
    float *ds = dx + (size_t)n * h * w * c;
    const float *g = dz + (size_t)n * oh * ow * c;
    for (int oy = 0; oy < oh; oy++) {
      const lerp py = source(oy, h, sy);
      float *top = ds + (size_t)py.lo * w * c, *bottom = ds + (size_t)py.hi * w * c;
      for (int ox = 0; ox < ow; ox++, g += c) {
        const lerp px = source(ox, w, sx);
        float *tl = top + px.lo * c, *tr = top + px.hi * c, *bl = bottom + px.lo * c, *br = bottom + px.hi * c;
        const float wtl = (1.0f - py.f) * (1.0f - px.f), wtr = (1.0f - py.f) * px.f;
        const float wbl = py.f * (1.0f - px.f), wbr = py.f * px.f;
        /* One after another: at the edges two or four of them are the same cell. */
        for (size_t j = 0; j < c; j++) tl[j] += g[j] * wtl;
        for (size_t j = 0; j < c; j++) tr[j] += g[j] * wtr;
        for (size_t j = 0; j < c; j++) bl[j] += g[j] * wbl;
        for (size_t j = 0; j < c; j++) br[j] += g[j] * wbr;
      }
    }
  }
}

static void forward(sn_model *m, sn_layer *l, int rows, const float *x) {
  (void)m;
  if (is_view(l)) {
    l->z = x;
    return;
  }
  if (l->bilinear) bilinear_forward(l, rows, x, l->zbuf);
  else nearest_forward(l, rows, x, l->zbuf);
  l->z = l->zbuf;
}

static float *backward(sn_model *m, sn_layer *l, int rows, const float *x, float *dz, float *dx) {
  (void)m, (void)x;
  if (!dx) return NULL;
  if (is_view(l)) return dz;
  if (l->bilinear) bilinear_backward(l, rows, dz, dx);
  else nearest_backward(l, rows, dz, dx);
  return dx;
}

const sn_layer_ops sn_upsampling2d_ops = {.setup = setup, .reserve = reserve, .forward = forward, .backward = backward, .view = 1};
