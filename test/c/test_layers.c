/* The layers of layer.h inside models, natively (so the sanitizers see every
 * path): every layer's gradients against central differences of the loss
 * (gradcheck.h) on awkward shapes — odd sizes, stride 2, 'same' and 'valid',
 * kernels larger than the stride, 1×1 kernels, dilation, one channel and many,
 * overlapping pooling windows, global pooling, batch norm in training mode
 * after dense and after conv layers, reshape and flatten, dropout after a
 * convolution with its masks held, standalone activations, zero padding,
 * cropping and up-sampling — and what finite
 * differences cannot see: a conv2d forward pass against a direct double loop,
 * batch norm's moving statistics (Keras' update, inference with them, left
 * alone by a rejected step), settings that do not fit refused, and training
 * that gives the same bits when the GEMMs are split into parts (threads). */
#include "check.h"
#include "kernels.h"
#include "model.h"
#include "workspace.h"
#include "gradcheck.h"
#include "init.h"
#include "layer_models.h"
#include "threads.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

static void conv_gradients(void) {
  sn_model *m;
  /* One channel, odd 7×5, 3×3 'valid' → 2×2 stride 2 'same' on an odd 5×3 (kernel = stride, padded). */
  m = sn_model_create_hwc(7, 5, 1, 1);
  sn_model_add_conv2d(m, 3, 3, 3, 1, 1, 1, 1, 0, SN_ACT_TANH, 0, 1);
  sn_model_add_conv2d(m, 2, 2, 2, 2, 2, 1, 1, 1, SN_ACT_SIGMOID, 0, 1);
  row_gradients(finish(m), 5, "conv 3×3 valid, 2×2 stride 2 same, one channel");
  /* Many channels, 3×3 stride 2 'same' (kernel larger than stride) on 9×7×5, then a 1×1 (columns = x). */
  m = sn_model_create_hwc(9, 7, 5, 2);
  sn_model_add_conv2d(m, 6, 3, 3, 2, 2, 1, 1, 1, SN_ACT_LEAKY_RELU, 0.3f, 1);
  sn_model_add_conv2d(m, 4, 1, 1, 1, 1, 1, 1, 0, SN_ACT_TANH, 0, 0);
  row_gradients(finish(m), 3, "conv 3×3 stride 2 same, 1×1 without bias");
  /* Dilation 2, 'valid' and 'same', a 4×2 kernel (uneven padding), a 1×1 kernel with stride 2 (im2col). */
  m = sn_model_create_hwc(9, 8, 2, 3);
  sn_model_add_conv2d(m, 3, 3, 3, 1, 1, 2, 2, 0, SN_ACT_TANH, 0, 1);
  sn_model_add_conv2d(m, 3, 4, 2, 1, 1, 2, 1, 1, SN_ACT_SIGMOID, 0, 1);
  sn_model_add_conv2d(m, 2, 1, 1, 2, 2, 1, 1, 0, SN_ACT_LINEAR, 0, 1);
  row_gradients(finish(m), 4, "conv dilated valid and same, 1×1 stride 2");
  /* Stride (2, 1), a 5×5 kernel on a 6×6 'same' input, regularizers and an activity regularizer. */
  m = sn_model_create_hwc(6, 6, 3, 4);
  int c = sn_model_add_conv2d(m, 4, 5, 5, 2, 1, 1, 1, 1, SN_ACT_TANH, 0, 1);
  sn_model_set_regularizer(m, c, SN_KERNEL, 0.01f, 0.02f);
  sn_model_set_regularizer(m, c, SN_BIAS, 0.0f, 0.05f);
  sn_model_set_activity_regularizer(m, c, 0.0f, 0.03f);
  sn_model_add_conv2d(m, 2, 3, 2, 1, 2, 1, 1, 0, SN_ACT_TANH, 0, 1);
  row_gradients(finish(m), 3, "conv 5×5 stride (2, 1), regularized");
}

/* Depthwise, separable and transposed convolutions (their own kernels, the
 * 1×1 GEMM after the depthwise one, col2im forward and the conv backward). */
static void depthwise_gradients(void) {
  sn_model *m;
  /* Odd 9×7×5: 3×3 'valid' with depth multiplier 2 (10 channels), then 3×2 stride 2 'same' without bias. */
  m = sn_model_create_hwc(9, 7, 5, 6);
  sn_model_add_depthwise_conv2d(m, 2, 3, 3, 1, 1, 1, 1, 0, SN_ACT_TANH, 0, 1);
  sn_model_add_depthwise_conv2d(m, 1, 3, 2, 2, 2, 1, 1, 1, SN_ACT_SIGMOID, 0, 0);
  row_gradients(finish(m), 3, "depthwise 3×3 valid dm 2, 3×2 stride 2 same");
  /* Dilation (2, 1) 'same' and (1, 3) 'valid', regularized, 3 channels (no full vector). */
  m = sn_model_create_hwc(8, 9, 3, 7);
  int d = sn_model_add_depthwise_conv2d(m, 3, 3, 3, 1, 1, 2, 1, 1, SN_ACT_TANH, 0, 1);
  sn_model_set_regularizer(m, d, SN_KERNEL, 0.01f, 0.02f);
  sn_model_add_depthwise_conv2d(m, 1, 2, 3, 1, 1, 1, 3, 0, SN_ACT_LINEAR, 0, 1);
  row_gradients(finish(m), 2, "depthwise dilated same and valid, dm 3");
  /* Separable: 3×3 stride 2 'same' dm 2 to 4 filters, then 2×2 dilation (1, 2) 'valid' without bias. */
  m = sn_model_create_hwc(9, 7, 5, 8);
  sn_model_add_separable_conv2d(m, 4, 2, 3, 3, 2, 2, 1, 1, 1, SN_ACT_TANH, 0, 1);
  sn_model_add_separable_conv2d(m, 3, 1, 2, 2, 1, 1, 1, 2, 0, SN_ACT_SIGMOID, 0, 0);
  row_gradients(finish(m), 3, "separable stride 2 same dm 2, dilated valid without bias");
  /* Transposed: 3×3 stride 2 'same', 2×3 'valid' without bias, 3×3 stride 2 'valid' with output padding 1. */
  m = sn_model_create_hwc(4, 3, 3, 9);
  sn_model_add_conv2d_transpose(m, 3, 3, 3, 2, 2, -1, -1, 1, SN_ACT_TANH, 0, 1);
  sn_model_add_conv2d_transpose(m, 2, 2, 3, 1, 1, -1, -1, 0, SN_ACT_SIGMOID, 0, 0);
  int t = sn_model_add_conv2d_transpose(m, 2, 3, 3, 2, 2, 1, 1, 0, SN_ACT_TANH, 0, 1);
  CHECK(t == 2 && m->layers[0].out.h == 8 && m->layers[0].out.w == 6 && m->layers[1].out.h == 9 && m->layers[1].out.w == 8 &&
        m->layers[2].out.h == 20 && m->layers[2].out.w == 18, "conv2d transpose output sizes (Keras' deconv length)");
  sn_model_set_regularizer(m, t, SN_KERNEL, 0.0f, 0.02f);
  row_gradients(finish(m), 2, "conv2d transpose same, valid, output padding");
  /* Transposed 'same' with output padding and an even kernel, stride (2, 3). */
  m = sn_model_create_hwc(3, 4, 2, 10);
  sn_model_add_conv2d_transpose(m, 3, 3, 4, 2, 3, 1, 2, 1, SN_ACT_TANH, 0, 1);
  row_gradients(finish(m), 2, "conv2d transpose same with output padding");
}

static void pool_gradients(void) {
  sn_model *m;
  /* Overlapping max windows (3×3 stride 2, 'valid') and a 'same' 2×2 on odd sizes. */
  m = sn_model_create_hwc(9, 7, 2, 5);
  sn_model_add_conv2d(m, 3, 2, 2, 1, 1, 1, 1, 0, SN_ACT_TANH, 0, 1);
  sn_model_add_pool2d(m, 1, 3, 3, 2, 2, 0);
  sn_model_add_conv2d(m, 3, 1, 1, 1, 1, 1, 1, 0, SN_ACT_TANH, 0, 1);
  sn_model_add_pool2d(m, 1, 2, 2, 2, 2, 1);
  row_gradients(finish(m), 4, "max pooling overlapping and same");
  /* Average pooling: overlapping 'same' 3×3 stride 1, then 2×3 stride (1, 2) 'valid'. */
  m = sn_model_create_hwc(7, 8, 3, 6);
  sn_model_add_conv2d(m, 2, 3, 3, 1, 1, 1, 1, 1, SN_ACT_SIGMOID, 0, 1);
  sn_model_add_pool2d(m, 0, 3, 3, 1, 1, 1);
  sn_model_add_conv2d(m, 3, 2, 2, 1, 1, 1, 1, 0, SN_ACT_TANH, 0, 1);
  sn_model_add_pool2d(m, 0, 2, 3, 1, 2, 0);
  row_gradients(finish(m), 3, "average pooling overlapping, same and valid");
  /* Global average and max pooling. */
  m = sn_model_create_hwc(5, 6, 2, 7);
  sn_model_add_conv2d(m, 4, 3, 3, 1, 1, 1, 1, 1, SN_ACT_TANH, 0, 1);
  sn_model_add_global_pool(m, 0);
  row_gradients(finish(m), 4, "global average pooling");
  m = sn_model_create_hwc(5, 3, 3, 8);
  sn_model_add_conv2d(m, 5, 2, 2, 1, 1, 1, 1, 0, SN_ACT_TANH, 0, 1);
  sn_model_add_global_pool(m, 1);
  row_gradients(finish(m), 4, "global max pooling");
}

static void batch_norm_gradients(void) {
  sn_model *m;
  /* After dense, then a standalone tanh; gamma and beta regularized. */
  m = sn_model_create(5, 9);
  sn_model_add_dense(m, 6, SN_ACT_LINEAR, 0, 1);
  int bn = sn_model_add_batch_norm(m, 0.9, 1e-3, 1, 1);
  sn_model_set_regularizer(m, bn, SN_GAMMA, 0.01f, 0.02f);
  sn_model_set_regularizer(m, bn, SN_BETA, 0.0f, 0.03f);
  sn_model_add_activation(m, SN_ACT_TANH, 0, INFINITY, 0);
  row_gradients(finish(m), 7, "batch norm after dense");
  /* After a conv (n = rows·h·w per channel), without center, then without scale. */
  m = sn_model_create_hwc(5, 4, 2, 10);
  sn_model_add_conv2d(m, 3, 3, 3, 1, 1, 1, 1, 1, SN_ACT_LINEAR, 0, 0);
  sn_model_add_batch_norm(m, 0.99, 1e-3, 0, 1);
  sn_model_add_activation(m, SN_ACT_SIGMOID, 0, INFINITY, 0);
  sn_model_add_conv2d(m, 2, 2, 2, 2, 2, 1, 1, 0, SN_ACT_LINEAR, 0, 1);
  sn_model_add_batch_norm(m, 0.99, 1e-2, 1, 0);
  row_gradients(finish(m), 3, "batch norm after conv, center or scale off");
  /* As the first layer: no input gradient, dz takes its place. */
  m = sn_model_create_hwc(3, 3, 2, 11);
  sn_model_add_batch_norm(m, 0.99, 1e-3, 1, 1);
  sn_model_add_conv2d(m, 2, 2, 2, 1, 1, 1, 1, 0, SN_ACT_TANH, 0, 1);
  row_gradients(finish(m), 5, "batch norm first");
}

static void view_gradients(void) {
  sn_model *m;
  /* dense → reshape [2, 3, 4] → conv: the conv's input gradient reaches the dense through a view. */
  m = sn_model_create(4, 12);
  sn_model_add_dense(m, 24, SN_ACT_TANH, 0, 1);
  CHECK(sn_model_add_reshape(m, 2, 3, 4) >= 0, "reshape");
  sn_model_add_conv2d(m, 3, 2, 2, 1, 1, 1, 1, 0, SN_ACT_SIGMOID, 0, 1);
  row_gradients(finish(m), 5, "dense, reshape, conv");
  /* Dropout after a conv (masks held), and on the input. */
  m = sn_model_create_hwc(6, 5, 2, 13);
  sn_model_add_dropout(m, 0.2f, 1, 3);
  sn_model_add_conv2d(m, 4, 3, 3, 1, 1, 1, 1, 0, SN_ACT_TANH, 0, 1);
  sn_model_add_dropout(m, 0.4f, 0, 0);
  sn_model_add_conv2d(m, 2, 2, 2, 1, 1, 1, 1, 0, SN_ACT_TANH, 0, 1);
  row_gradients(finish(m), 4, "dropout on the input and after a conv");
  /* Standalone activations, the last a softmax fused with the loss. */
  m = sn_model_create(5, 14);
  sn_model_add_dense(m, 6, SN_ACT_LINEAR, 0, 1);
  sn_model_add_activation(m, SN_ACT_SIGMOID, 0, INFINITY, 0);
  sn_model_add_dense(m, 4, SN_ACT_LINEAR, 0, 1);
  sn_model_add_activation(m, SN_ACT_LEAKY_RELU, 0.2f, INFINITY, 0);
  sn_model_add_dense(m, CLASSES, SN_ACT_LINEAR, 0, 1);
  sn_model_add_activation(m, SN_ACT_SOFTMAX, 0, INFINITY, 0);
  sn_model_build(m);
  float hp[4] = {0.01f, 0.9f, 0.999f, 1e-7f};
  sn_model_compile(m, SN_LOSS_CCE, 0, 1, 1, sn_opt_create(SN_OPT_ADAM, (int)m->n_params, hp, 4));
  row_gradients(m, 6, "activation layers, softmax last");
}

/* Zero padding, cropping and up-sampling between convolutions (no weights of
 * their own: the first conv's gradients pass through their backward passes),
 * on odd sizes and uneven borders; a padding of 0 and factors of 1 (views); each first in its
 * model (no input gradient wanted). */
static void shape_gradients(void) {
  sn_model *m;
  m = sn_model_create_hwc(7, 5, 2, 15);
  sn_model_add_conv2d(m, 3, 3, 3, 1, 1, 1, 1, 1, SN_ACT_TANH, 0, 1);
  CHECK(sn_model_add_pad2d(m, 0, 0, 1, 2, 0) >= 0, "zero padding");
  sn_model_add_conv2d(m, 2, 2, 2, 1, 1, 1, 1, 0, SN_ACT_TANH, 0, 1);
  CHECK(sn_model_add_upsampling2d(m, 2, 3, 0) >= 0, "nearest up-sampling");
  CHECK(sn_model_add_pad2d(m, 1, 1, 2, 0, 3) >= 0, "cropping");
  sn_model_add_conv2d(m, 2, 1, 1, 1, 1, 1, 1, 0, SN_ACT_SIGMOID, 0, 1);
  row_gradients(finish(m), 3, "zero padding, nearest up-sampling, cropping");
  m = sn_model_create_hwc(4, 5, 3, 16);
  sn_model_add_conv2d(m, 3, 2, 2, 1, 1, 1, 1, 0, SN_ACT_TANH, 0, 1);
  CHECK(sn_model_add_upsampling2d(m, 3, 2, 1) >= 0, "bilinear up-sampling");
  CHECK(sn_model_add_pad2d(m, 0, 0, 0, 0, 0) >= 0, "zero padding of 0");
  sn_model_add_conv2d(m, 2, 3, 3, 2, 2, 1, 1, 1, SN_ACT_TANH, 0, 1);
  CHECK(sn_model_add_upsampling2d(m, 1, 2, 1) >= 0, "bilinear up-sampling of one axis");
  CHECK(sn_model_add_upsampling2d(m, 1, 1, 0) >= 0, "up-sampling by 1 (a view)");
  sn_model_add_conv2d(m, 2, 2, 2, 1, 1, 1, 1, 0, SN_ACT_TANH, 0, 1);
  row_gradients(finish(m), 3, "bilinear up-sampling, a padding of 0");
  m = sn_model_create_hwc(5, 4, 2, 17);
  sn_model_add_pad2d(m, 0, 1, 1, 0, 1);
  sn_model_add_conv2d(m, 2, 3, 3, 1, 1, 1, 1, 0, SN_ACT_TANH, 0, 1);
  row_gradients(finish(m), 3, "zero padding first");
  m = sn_model_create_hwc(5, 4, 2, 18);
  sn_model_add_upsampling2d(m, 2, 2, 1);
  sn_model_add_pad2d(m, 1, 0, 3, 1, 1);
  sn_model_add_conv2d(m, 2, 3, 3, 1, 1, 1, 1, 0, SN_ACT_TANH, 0, 1);
  row_gradients(finish(m), 3, "up-sampling and cropping first");
}

/* Keras' bilinear resize as its NumPy backend writes it
 * (keras/src/backend/numpy/image.py, _compute_weight_mat): output o samples
 * the input at s = (o + ½)/f − ½, input cell i weighs max(0, 1 − |s − i|),
 * the weights normalized over the cells inside. In double. */
static double keras_bilinear_weight(int o, int i, int n, int f) {
  const double s = (o + 0.5) / f - 0.5;
  double sum = 0;
  for (int k = 0; k < n; k++) sum += fmax(0.0, 1.0 - fabs(s - k));
  return fmax(0.0, 1.0 - fabs(s - i)) / sum;
}

/* The three layers' forward passes against their definitions, in double. */
static void shape_forward(void) {
  enum { R = 2, H = 5, W = 4, C = 3 };
  float x[R * H * W * C];
  fill(x, R * H * W * C, 9, -1, 1);
  struct {
    int kind; /* 0 padding, 1 cropping, 2 nearest, 3 bilinear */
    int a, b, c, d;
  } cases[] = {{0, 0, 1, 2, 0}, {0, 3, 2, 1, 4}, {1, 1, 2, 0, 3}, {1, 0, 0, 1, 0}, {2, 2, 3, 0, 0}, {2, 1, 1, 0, 0},
               {3, 2, 2, 0, 0}, {3, 3, 1, 0, 0}, {3, 1, 5, 0, 0}, {3, 1, 1, 0, 0}, {2, 1, 1, 0, 0}};
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    const int kind = cases[k].kind, A = cases[k].a, B = cases[k].b, Cc = cases[k].c, D = cases[k].d;
    sn_model *m = sn_model_create_hwc(H, W, C, 22);
    int l = kind < 2 ? sn_model_add_pad2d(m, kind, A, B, Cc, D) : sn_model_add_upsampling2d(m, A, B, kind == 3);
    CHECK(l == 0, "case %zu added", k);
    sn_model_build(m);
    const sn_shape o = m->layers[0].out;
    const int oh = kind == 0 ? H + A + B : kind == 1 ? H - A - B : H * A;
    const int ow = kind == 0 ? W + Cc + D : kind == 1 ? W - Cc - D : W * B;
    CHECK(o.h == oh && o.w == ow && o.c == C, "case %zu: output %d×%d×%d, expected %d×%d×%d", k, o.h, o.w, o.c, oh, ow, C);
    float *out = malloc(sizeof(float) * R * oh * ow * C);
    sn_model_predict(m, x, R, R, out);
    double worst = 0;
    for (int r = 0; r < R; r++)
      for (int y = 0; y < oh; y++)
        for (int xx = 0; xx < ow; xx++)
          for (int c = 0; c < C; c++) {
            double want = 0;
            if (kind < 2) {
              const int sy = kind == 0 ? y - A : y + A, sx = kind == 0 ? xx - Cc : xx + Cc;
              if (sy >= 0 && sy < H && sx >= 0 && sx < W) want = x[((r * H + sy) * W + sx) * C + c];
            } else if (kind == 2) want = x[((r * H + y / A) * W + xx / B) * C + c];
            else
              for (int i = 0; i < H; i++)
                for (int j = 0; j < W; j++)
                  want += keras_bilinear_weight(y, i, H, A) * keras_bilinear_weight(xx, j, W, B) * x[((r * H + i) * W + j) * C + c];
            double d = fabs(want - out[((r * oh + y) * ow + xx) * C + c]);
            worst = d > worst ? d : worst;
          }
    CHECK(worst < (kind == 3 ? 1e-6 : 0.0) || (kind < 3 && worst == 0), "case %zu (kind %d): differs from the definition by %g", k, kind, worst);
    free(out);
    sn_model_free(m);
  }
}

/* PReLU (alpha per element, or shared along axes) and the smooth new
 * activations, as layer activations and standalone. */
static void activation_gradients(void) {
  sn_model *m = sn_model_create_hwc(4, 3, 5, 15);
  sn_model_add_conv2d(m, 4, 2, 2, 1, 1, 1, 1, 0, SN_ACT_GELU, 0, 1);
  int p = sn_model_add_prelu(m, 3, 1 << 1 | 1 << 2); /* shared_axes [1, 2]: alpha [1, 1, 4] */
  CHECK(p >= 0, "prelu added");
  sn_model_set_initializer(m, p, 0, SN_INIT_RANDOM_UNIFORM, -0.5f, 0.5f);
  sn_model_add_activation(m, SN_ACT_MISH, 0, INFINITY, 0);
  row_gradients(finish(m), 4, "gelu conv, prelu shared on h and w, mish");
  m = sn_model_create(5, 16);
  sn_model_add_dense(m, 7, SN_ACT_ELU, 0.7f, 1);
  p = sn_model_add_prelu(m, 1, 0);
  sn_model_set_initializer(m, p, 0, SN_INIT_RANDOM_UNIFORM, -0.5f, 0.5f);
  sn_model_add_dense(m, 6, SN_ACT_SWISH, 0, 1);
  sn_model_add_activation(m, SN_ACT_SOFTPLUS, 0, INFINITY, 0);
  sn_model_add_dense(m, 5, SN_ACT_GELU_NEW, 0, 1);
  sn_model_add_activation(m, SN_ACT_SELU, 0, INFINITY, 0);
  sn_model_add_activation(m, SN_ACT_LOG_SOFTMAX, 0, INFINITY, 0);
  row_gradients(finish(m), 5, "elu, prelu, swish, softplus, gelu_new, selu, log_softmax");
  /* In place (graph.c): relu6 after a batch norm needs no buffer of its own; the
   * gradients through it are those of the out-of-place run. */
  m = sn_model_create_hwc(4, 4, 3, 18);
  sn_model_add_conv2d(m, 4, 2, 2, 1, 1, 1, 1, 0, SN_ACT_LINEAR, 0, 1);
  sn_model_add_batch_norm(m, 0.9, 1e-3, 1, 1);
  int r6 = sn_model_add_activation(m, SN_ACT_RELU, 0, 6.0f, 0);
  sn_model_add_conv2d(m, 3, 2, 2, 1, 1, 1, 1, 0, SN_ACT_TANH, 0, 1);
  int leaky = sn_model_add_activation(m, SN_ACT_RELU, 0.1f, 6.0f, 0); /* from z: not in place */
  finish(m);
  CHECK(sn_model_reserve(m, 4) && m->layers[r6].ybuf == NULL && m->layers[leaky].ybuf != NULL, "relu6 after batch norm in place, relu with a slope not");
  row_gradients(m, 4, "conv, batch norm, relu6 in place, conv, relu with slope");
  /* bad settings are refused */
  m = sn_model_create_hwc(2, 3, 4, 17);
  CHECK(sn_model_add_prelu(m, 1, 0) < 0 && sn_model_add_prelu(m, 2, 0) < 0 && sn_model_add_prelu(m, 3, 1) < 0 && sn_model_add_prelu(m, 4, 0) < 0,
        "prelu: rank 1 or 2 on an image, batch axis shared, rank 4: refused");
  CHECK(sn_model_add_prelu(m, 3, 8) >= 0, "prelu: rank 3 sharing the channels");
  CHECK(sn_model_add_activation(m, SN_ACT_RELU, 0, -1.0f, 0) < 0 && sn_model_add_activation(m, SN_ACT_RELU, 0, 6.0f, -1.0f) < 0, "relu: negative max_value or threshold refused");
  sn_model_free(m);
}

/* The conv2d layer's forward pass against the definition, in double. */
static void conv_forward(int same, int SH, int SW, int DH, int DW) {
  enum { R = 2, H = 6, W = 5, C = 3, F = 4, KH = 3, KW = 2 };
  sn_model *m = sn_model_create_hwc(H, W, C, 21);
  int l = sn_model_add_conv2d(m, F, KH, KW, SH, SW, DH, DW, same, SN_ACT_LINEAR, 0, 1);
  CHECK(l == 0, "conv2d added");
  sn_model_set_initializer(m, l, SN_BIAS, SN_INIT_RANDOM_UNIFORM, -1, 1);
  sn_model_add_reshape(m, 1, 1, sn_model_output_dim(m));
  sn_model_build(m);
  const sn_layer *L = &m->layers[l];
  int oh = L->out.h, ow = L->out.w, eh = (KH - 1) * DH + 1, ew = (KW - 1) * DW + 1;
  int want_h = same ? (H + SH - 1) / SH : (H - eh + SH) / SH, want_w = same ? (W + SW - 1) / SW : (W - ew + SW) / SW;
  CHECK(oh == want_h && ow == want_w && L->out.c == F, "output %d×%d×%d, expected %d×%d", oh, ow, L->out.c, want_h, want_w);
  /* TensorFlow's 'same' padding: total (oh−1)·sh + extent − h, the smaller half first. */
  int pt = same ? ((oh - 1) * SH + eh - H) / 2 : 0, pl = same ? ((ow - 1) * SW + ew - W) / 2 : 0;
  pt = pt < 0 ? 0 : pt, pl = pl < 0 ? 0 : pl;
  float x[R * H * W * C], *out = malloc(sizeof(float) * R * oh * ow * F);
  fill(x, R * H * W * C, 8, -1, 1);
  sn_model_predict(m, x, R, R, out);
  const float *k = L->t[SN_KERNEL].w, *b = L->t[SN_BIAS].w;
  double worst = 0;
  for (int r = 0; r < R; r++)
    for (int oy = 0; oy < oh; oy++)
      for (int ox = 0; ox < ow; ox++)
        for (int f = 0; f < F; f++) {
          double s = b[f];
          for (int ky = 0; ky < KH; ky++)
            for (int kx = 0; kx < KW; kx++)
              for (int c = 0; c < C; c++) {
                int y = oy * SH + ky * DH - pt, xx = ox * SW + kx * DW - pl;
                if (y < 0 || y >= H || xx < 0 || xx >= W) continue;
                s += (double)x[((r * H + y) * W + xx) * C + c] * k[((ky * KW + kx) * C + c) * F + f];
              }
          double d = fabs(s - out[((r * oh + oy) * ow + ox) * F + f]);
          worst = d > worst ? d : worst;
        }
  CHECK(worst < 1e-5, "conv2d forward (same %d, strides %d×%d, dilation %d×%d) differs from the definition by %g", same, SH, SW,
        DH, DW, worst);
  free(out);
  sn_model_free(m);
}

/* Training updates the moving statistics as Keras: moving·momentum +
 * batch·(1 − momentum), with the biased variance; inference uses them; a
 * step with a non-finite loss leaves them; the optimizer never touches them. */
static void batch_norm_statistics(void) {
  enum { R = 6, IN = 4, U = 3 };
  sn_workspace_sharing = sn_fold_batch_norms = 0; /* it reads the dense layer's own output after predict */
  sn_model *m = sn_model_create(IN, 31);
  sn_model_add_dense(m, U, SN_ACT_LINEAR, 0, 1);
  int bn = sn_model_add_batch_norm(m, 0.9, 1e-3, 1, 1);
  sn_model_add_dense(m, 2, SN_ACT_LINEAR, 0, 1);
  sn_model_build(m);
  float hp[2] = {0.1f, 0.0f};
  sn_model_compile(m, SN_LOSS_MSE, 0, 1, 1, sn_opt_create(SN_OPT_SGD, (int)m->n_params, hp, 2));
  CHECK(m->n_state == 2 * U && m->n_params == IN * U + U + 2 * U + U * 2 + 2, "params %ld, state %ld", m->n_params, m->n_state);
  const sn_layer *B = &m->layers[bn];
  float x[R * IN], t[R * 2], a[R * U], out1[R * 2], out2[R * 2];
  fill(x, R * IN, 2, -2, 2);
  fill(t, R * 2, 3, -1, 1);
  /* The batch statistics of the dense layer's output, in double. */
  sn_model_predict(m, x, R, R, out1);
  memcpy(a, m->layers[0].y, sizeof a);
  double mean[U] = {0}, var[U] = {0};
  for (int j = 0; j < U; j++) {
    for (int r = 0; r < R; r++) mean[j] += a[r * U + j] / (double)R;
    for (int r = 0; r < R; r++) var[j] += (a[r * U + j] - mean[j]) * (a[r * U + j] - mean[j]) / R;
  }
  CHECK(sn_model_fit_epoch(m, x, t, R, R, 0, NULL, NULL, 0, NULL) == 1, "one step");
  for (int j = 0; j < U; j++) {
    CHECK_CLOSE(B->t[SN_MOVING_MEAN].w[j], 0.1 * mean[j], 1e-5, 1e-7, "moving mean %d", j);
    CHECK_CLOSE(B->t[SN_MOVING_VARIANCE].w[j], 0.9 + 0.1 * var[j], 1e-5, 1e-7, "moving variance %d", j);
  }
  /* Inference normalizes with the moving statistics. */
  sn_model_predict(m, x, R, R, out1);
  double worst = 0;
  const float *g = B->t[SN_GAMMA].w, *be = B->t[SN_BETA].w, *mm = B->t[SN_MOVING_MEAN].w, *mv = B->t[SN_MOVING_VARIANCE].w;
  for (int r = 0; r < R; r++)
    for (int j = 0; j < U; j++) {
      double want = g[j] * (m->layers[0].y[r * U + j] - mm[j]) / sqrt(mv[j] + 1e-3) + be[j];
      double d = fabs(want - B->y[r * U + j]);
      worst = d > worst ? d : worst;
    }
  CHECK(worst < 1e-5, "inference with the moving statistics: off by %g", worst);
  /* A rejected step (infinite target) changes neither weights nor statistics. */
  float state[2 * U];
  memcpy(state, m->state, sizeof state);
  t[3] = INFINITY;
  CHECK(sn_model_fit_epoch(m, x, t, R, R, 0, NULL, NULL, 0, NULL) == 0, "non-finite step refused");
  CHECK(memcmp(state, m->state, sizeof state) == 0, "a rejected step leaves the moving statistics");
  sn_model_predict(m, x, R, R, out2);
  CHECK(memcmp(out1, out2, sizeof out1) == 0, "and predictions");
  sn_model_free(m);
  sn_workspace_sharing = sn_fold_batch_norms = 1;
}

/* Settings that do not fit are refused, and the model stays as it was. */
static void refusals(void) {
  sn_model *m = sn_model_create_hwc(5, 5, 1, 1);
  CHECK(sn_model_add_conv2d(m, 2, 6, 3, 1, 1, 1, 1, 0, SN_ACT_RELU, 0, 1) < 0, "a kernel larger than a 'valid' input");
  CHECK(sn_model_add_conv2d(m, 2, 3, 3, 1, 1, 3, 3, 0, SN_ACT_RELU, 0, 1) < 0, "a dilated kernel larger than the input");
  CHECK(sn_model_add_conv2d(m, 2, 3, 3, 2, 2, 2, 2, 1, SN_ACT_RELU, 0, 1) < 0, "strides with dilation");
  CHECK(sn_model_add_conv2d(m, 0, 3, 3, 1, 1, 1, 1, 0, SN_ACT_RELU, 0, 1) < 0, "no filters");
  CHECK(sn_model_add_conv2d(m, 2, 3, 3, 0, 1, 1, 1, 0, SN_ACT_RELU, 0, 1) < 0, "stride 0");
  CHECK(sn_model_add_conv2d(m, 2, 3, 3, 1, 1, 1, 1, 0, SN_ACT_LEAKY_RELU, 1.5f, 1) < 0 &&
            sn_model_add_conv2d(m, 2, 3, 3, 1, 1, 1, 1, 0, SN_ACT_ELU, -0.5f, 1) < 0,
        "an activation's parameter outside SN_ACT_PARAMETERS' range (leaky relu's alpha above 1, elu's below 0)");
  sn_model *edge = sn_model_create_hwc(5, 5, 1, 1);
  CHECK(sn_model_add_conv2d(edge, 2, 3, 3, 1, 1, 1, 1, 0, SN_ACT_LEAKY_RELU, 1.0f, 1) >= 0, "leaky relu's alpha 1, the end of its range");
  sn_model_free(edge);
  CHECK(sn_model_add_conv2d(m, 2, 3, 3, 1, 1, 1, 1, 0, SN_ACT_COUNT, 0, 1) < 0, "unknown activation");
  CHECK(sn_model_add_pool2d(m, 1, 6, 2, 1, 1, 0) < 0, "a pool window larger than the input");
  CHECK(sn_model_add_depthwise_conv2d(m, 0, 3, 3, 1, 1, 1, 1, 0, SN_ACT_RELU, 0, 1) < 0, "depth multiplier 0");
  CHECK(sn_model_add_depthwise_conv2d(m, 1, 3, 3, 2, 2, 2, 2, 1, SN_ACT_RELU, 0, 1) < 0, "depthwise strides with dilation");
  CHECK(sn_model_add_separable_conv2d(m, 0, 1, 3, 3, 1, 1, 1, 1, 0, SN_ACT_RELU, 0, 1) < 0, "separable without filters");
  CHECK(sn_model_add_conv2d_transpose(m, 2, 3, 3, 2, 2, 2, 2, 0, SN_ACT_RELU, 0, 1) < 0, "output padding not below the stride");
  CHECK(sn_model_add_conv2d_transpose(m, 2, 2, 2, 1, 1, 0, 0, 1, SN_ACT_RELU, 0, 1) < 0,
        "'same' output padding 0 with an even kernel: no convolution maps the output back (TensorFlow refuses it)");
  CHECK(sn_model_add_reshape(m, 2, 13, 1) < 0, "a reshape that changes the size");
  CHECK(sn_model_add_batch_norm(m, 1.5, 1e-3, 1, 1) < 0 && sn_model_add_batch_norm(m, 0.9, 0, 1, 1) < 0, "batch norm settings");
  CHECK(sn_model_add_pad2d(m, 0, -1, 0, 0, 0) < 0 && sn_model_add_pad2d(m, 0, 0, 0, 0, 1 << 29) < 0, "negative or huge padding");
  CHECK(sn_model_add_pad2d(m, 1, 2, 3, 0, 0) < 0 && sn_model_add_pad2d(m, 1, 0, 0, 4, 1) < 0, "a cropping that leaves nothing");
  CHECK(sn_model_add_pad2d(m, 1, 0, -1, 0, 0) < 0, "negative cropping");
  CHECK(sn_model_add_upsampling2d(m, 0, 2, 0) < 0 && sn_model_add_upsampling2d(m, 2, -1, 1) < 0, "up-sampling by 0");
  CHECK(sn_model_add_upsampling2d(m, 1 << 26, 1, 0) < 0, "up-sampling beyond the largest sample");
  CHECK(m->n_layers == 0, "nothing was added");
  CHECK(sn_model_add_pool2d(m, 1, 6, 2, 1, 1, 1) == 0, "'same' pads a window larger than the input");
  CHECK(sn_model_add_global_pool(m, 0) == 1 && m->layers[1].out.c == 1 && sn_model_output_dim(m) == 1, "global pool");
  sn_model_free(m);
  CHECK(sn_model_create_hwc(0, 3, 3, 1) == NULL && sn_model_create_hwc(1 << 15, 1 << 15, 1, 1) == NULL, "bad input shapes");
}

/* A small CNN trained twice from one seed gives the same bits, also with
 * every GEMM split into 2 and 3 parts (as the threaded build splits them). */
static unsigned train_cnn(int parts) {
  enum { N = 30, H = 12, W = 11 };
  sn_threads_split_for_tests(parts);
  sn_model *m = sn_model_create_hwc(H, W, 1, 77);
  sn_model_add_conv2d(m, 6, 3, 3, 1, 1, 1, 1, 1, SN_ACT_RELU, 0, 1);
  sn_model_add_batch_norm(m, 0.99, 1e-3, 1, 1);
  sn_model_add_pool2d(m, 1, 2, 2, 2, 2, 0);
  sn_model_add_depthwise_conv2d(m, 1, 3, 3, 1, 1, 1, 1, 1, SN_ACT_RELU, 0, 0);
  sn_model_add_conv2d(m, 8, 3, 3, 2, 2, 1, 1, 0, SN_ACT_RELU, 0, 1);
  sn_model_add_dropout(m, 0.3f, 0, 0);
  sn_model_add_pool2d(m, 0, 2, 2, 1, 1, 1);
  finish(m);
  float x[N * H * W], t[N * CLASSES];
  fill(x, N * H * W, 4, 0, 1);
  one_hot(t, N);
  for (int e = 0; e < 3; e++) sn_model_fit_epoch(m, x, t, N, 8, 1, x, t, 10, (double[SN_SUM_COUNT]){0});
  unsigned h = 2166136261u;
  const float *bufs[2] = {m->params, m->state};
  long counts[2] = {m->n_params, m->n_state};
  for (int b = 0; b < 2; b++)
    for (long i = 0; i < counts[b]; i++) {
      unsigned u;
      memcpy(&u, &bufs[b][i], 4);
      h = (h ^ u) * 16777619u;
    }
  sn_model_free(m);
  sn_threads_split_for_tests(1);
  return h;
}

static void determinism(void) {
  unsigned one = train_cnn(1);
  CHECK(train_cnn(1) == one, "the same seed trains a CNN to the same bits");
  CHECK(train_cnn(2) == one && train_cnn(3) == one, "GEMMs and depthwise passes split in 2 and 3 parts change no bit");
}

int main(void) {
  conv_gradients();
  depthwise_gradients();
  pool_gradients();
  batch_norm_gradients();
  activation_gradients();
  view_gradients();
  shape_gradients();
  shape_forward();
  conv_forward(1, 2, 1, 1, 1);
  conv_forward(0, 1, 2, 1, 1);
  conv_forward(1, 1, 1, 2, 2);
  conv_forward(0, 1, 1, 2, 1);
  batch_norm_statistics();
  refusals();
  determinism();
  return check_summary();
}
