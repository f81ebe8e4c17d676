/* Zero padding and cropping (Keras' ZeroPadding2D, Cropping2D), channels last:
 *   padding:  z[rows × (t + h + b) × (l + w + r) × c] = x, zeros around it;
 *   cropping: z[rows × (h − t − b) × (w − l − r) × c] = x without those rows and columns.
 * Both are one move, `shift`: output cell (y, x) is input cell (y − dy, x − dx),
 * or 0 where that lies outside the input, with (dy, dx) = (t, l) for padding and
 * (−t, −l) for cropping. Each one's backward pass is the other: the gradient of
 * a padding crops dz, that of a cropping pads dz with zeros. Whole rows of
 * channels are contiguous, so every row is one memcpy between two memsets.
 * Nothing to add or cut (padding 0) is a view. */
#include "api.h"
#include "model.h"
#include <string.h>

enum { TOP, BOTTOM, LEFT, RIGHT };

SN_API int sn_model_add_pad2d(sn_model *m, int crop, int top, int bottom, int left, int right) {
  sn_layer *l = sn_model_begin_layer(m, crop ? SN_LAYER_CROPPING2D : SN_LAYER_ZERO_PADDING2D);
  if (!l) return -1;
  const int border[4] = {top, bottom, left, right};
  int ok = 1;
  for (int i = 0; i < 4; i++) {
    ok &= border[i] >= 0 && border[i] <= SN_MAX_SAMPLE_SIZE; /* so sums of them and a size stay ints */
    l->border[i] = border[i];
  }
  return sn_model_end_layer(m, ok);
}

static int is_crop(const sn_layer *l) { return l->kind == SN_LAYER_CROPPING2D; }

static int is_view(const sn_layer *l) {
  return !(l->border[TOP] | l->border[BOTTOM] | l->border[LEFT] | l->border[RIGHT]);
}

static int setup(sn_layer *l) {
  const int sign = is_crop(l) ? -1 : 1;
  const int h = l->in.h + sign * (l->border[TOP] + l->border[BOTTOM]);
  const int w = l->in.w + sign * (l->border[LEFT] + l->border[RIGHT]);
  l->out = (sn_shape){h, w, l->in.c}; /* a cropping that leaves nothing: end_layer refuses h or w < 1 */
  return 1;
}

static void reserve(sn_layer *l, int rows, sn_carver *c) {
  l->zbuf = is_view(l) ? NULL : sn_carve(c, rows * sn_shape_size(l->out));
}

/* y[rows × out] from x[rows × in], same channels: y cell (oy, ox) = x cell
 * (oy − dy, ox − dx), 0 where that is outside x. */
static void shift(int rows, sn_shape in, sn_shape out, int dy, int dx, const float *x, float *y) {
  const size_t c = (size_t)in.c, cell = c * sizeof(float);
  /* The output columns [x0, x1) that come from the input. */
  int x0 = dx > 0 ? dx : 0, x1 = in.w + dx < out.w ? in.w + dx : out.w;
  if (x1 < x0) x1 = x0;
  for (int n = 0; n < rows; n++)
    for (int oy = 0; oy < out.h; oy++) {
      float *d = y + ((size_t)n * out.h + oy) * out.w * c;
      const int iy = oy - dy;
      if (iy < 0 || iy >= in.h || x0 == x1) {
        memset(d, 0, out.w * cell);
        continue;
      }
      const float *s = x + (((size_t)n * in.h + iy) * in.w + (x0 - dx)) * c;
      memset(d, 0, x0 * cell);
      memcpy(d + x0 * c, s, (size_t)(x1 - x0) * cell);
      memset(d + x1 * c, 0, (size_t)(out.w - x1) * cell);
    }
}

static void forward(sn_model *m, sn_layer *l, int rows, const float *x) {
  (void)m;
  if (is_view(l)) {
    l->z = x;
    return;
  }
  const int sign = is_crop(l) ? -1 : 1;
  shift(rows, l->in, l->out, sign * l->border[TOP], sign * l->border[LEFT], x, l->zbuf);
  l->z = l->zbuf;
}

static float *backward(sn_model *m, sn_layer *l, int rows, const float *x, float *dz, float *dx) {
  (void)m, (void)x;
  if (!dx) return NULL;
  if (is_view(l)) return dz;
  const int sign = is_crop(l) ? 1 : -1; /* the other way */
  shift(rows, l->out, l->in, sign * l->border[TOP], sign * l->border[LEFT], dz, dx);
  return dx;
}

const sn_layer_ops sn_pad2d_ops = {.setup = setup, .reserve = reserve, .forward = forward, .backward = backward, .view = 1};
