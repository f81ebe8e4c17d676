/* Sequence outputs and the layers that shape them, natively: an output with a
 * time axis ({1, steps, c}, or {h, w, c}) is rows·h·w loss rows of c (Keras:
 * the loss along the last axis, averaged over every other; accuracy per step),
 * Dense on the last axis, LayerNormalization, RepeatVector and Permute. Their
 * gradients against central differences (gradcheck.h) on odd sizes, the
 * layer-norm kernels against their scalar references (the same bits, odd
 * widths, row and column splits), the time-axis loss and metric sums against
 * the per-row losses, forward values against direct loops, and settings that
 * do not fit refused. */
#include "check.h"
#include "buffers.h"
#include "kernels.h"
#include "layer_norm_kernels.h"
#include "model.h"
#include "gradcheck.h"
#include "init.h"
#include "threads.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

static void fill(float *v, long n, unsigned seed, float lo, float hi) {
  for (long i = 0; i < n; i++) {
    seed = seed * 1664525u + 1013904223u;
    v[i] = lo + (hi - lo) * (float)(seed >> 8) / 16777216.0f;
  }
}

/* Builds m with every bias and beta drawn in ±0.3 (and gamma near 1, not 1), compiles it with `loss`. */
static void compile(sn_model *m, int loss) {
  for (int l = 0; l < m->n_layers; l++) {
    sn_model_set_initializer(m, l, SN_BIAS, SN_INIT_RANDOM_UNIFORM, -0.3f, 0.3f);
    if (m->layers[l].kind == SN_LAYER_LAYER_NORM) sn_model_set_initializer(m, l, SN_GAMMA, SN_INIT_RANDOM_UNIFORM, 0.5f, 1.5f);
  }
  CHECK(sn_model_build(m), "build");
  float hp[4] = {0.01f, 0.9f, 0.999f, 1e-7f};
  CHECK(sn_model_compile(m, loss, 0, 1, 1, sn_opt_create(SN_OPT_ADAM, (int)m->n_params, hp, 4)), "compile");
}

/* Targets for `rows` samples of the model's output: labels in [0, c) per position (sparse), else values in [0, 1). */
static float *targets(const sn_model *m, int rows, int sparse) {
  sn_shape s = m->values[m->outputs[0].value].shape;
  long n = (long)rows * sn_output_target_width(m, 0);
  float *t = malloc((size_t)n * sizeof(float));
  fill(t, n, 17, 0.0f, 1.0f);
  if (sparse)
    for (long i = 0; i < n; i++) t[i] = (float)((int)(t[i] * s.c) % s.c);
  return t;
}

static void gradients(sn_model *m, int loss, int rows, const char *what) {
  compile(m, loss);
  long n = (long)rows * m->input_dim;
  float *x = malloc((size_t)n * sizeof(float)), *t = targets(m, rows, loss == SN_LOSS_SCCE);
  fill(x, n, 5, -1.0f, 1.0f);
  check_model_gradients(m, x, t, rows, what);
  free(x);
  free(t);
  sn_model_free(m);
}

static void layer_gradients(void) {
  sn_model *m;
  /* [5, 7] → Dense on the last axis → LayerNormalization → Dense softmax per step, sparse labels per step. */
  m = sn_model_create_hwc(1, 5, 7, 1);
  CHECK(sn_model_add_dense_axis(m, 6, SN_ACT_TANH, 0, 1, 1) >= 0, "dense on the last axis");
  CHECK(sn_model_add_layer_norm(m, 1e-3, 1, 1) >= 0, "layer norm");
  CHECK(sn_model_add_dense_axis(m, 3, SN_ACT_SOFTMAX, 0, 1, 1) >= 0, "dense softmax per step");
  CHECK(m->values[m->n_inputs + 2].shape.w == 5 && m->values[m->n_inputs + 2].shape.c == 3, "output {1, 5, 3}");
  gradients(m, SN_LOSS_SCCE, 3, "dense → layer norm → dense softmax, sparse labels per step");
  /* Layer norm without gamma, without beta, as the output (mse on {2, 3, 5}), one row of one value too. */
  m = sn_model_create_hwc(2, 3, 4, 2);
  sn_model_add_dense_axis(m, 5, SN_ACT_LINEAR, 0, 1, 1);
  sn_model_add_layer_norm(m, 0.01, 0, 1);
  sn_model_add_layer_norm(m, 1e-3, 1, 0);
  gradients(m, SN_LOSS_MSE, 2, "layer norm without beta, without gamma, mse on an {h, w, c} output");
  m = sn_model_create_hwc(1, 3, 9, 3);
  sn_model_add_dense_axis(m, 13, SN_ACT_LINEAR, 0, 1, 1); /* 13: three vectors and a tail */
  sn_model_add_layer_norm(m, 1e-3, 1, 1);
  sn_model_add_dense_axis(m, 2, SN_ACT_SIGMOID, 0, 1, 1);
  gradients(m, SN_LOSS_BCE, 3, "layer norm of 13 → sigmoid per step, binary cross-entropy");
  /* RepeatVector: [4] → dense → [5, 3] → dense per step, mse. */
  m = sn_model_create(4, 4);
  sn_model_add_dense(m, 3, SN_ACT_TANH, 0, 1);
  CHECK(sn_model_add_repeat_vector(m, 5) >= 0, "repeat vector");
  sn_model_add_dense_axis(m, 2, SN_ACT_LINEAR, 0, 1, 1);
  gradients(m, SN_LOSS_MSE, 3, "dense → repeat vector 5 → dense per step, mse");
  /* Permute [5, 3] → [3, 5] and the rank-3 permutations, categorical cross-entropy per position. */
  const int perms[][3] = {{0, 2, 1}, {2, 0, 1}, {1, 2, 0}, {1, 0, 2}, {2, 1, 0}};
  for (int p = 0; p < 5; p++) {
    m = p == 0 ? sn_model_create_hwc(1, 5, 3, 5) : sn_model_create_hwc(2, 3, 4, 5);
    sn_model_add_dense_axis(m, p == 0 ? 3 : 4, SN_ACT_TANH, 0, 1, 1);
    CHECK(sn_model_add_permute(m, perms[p][0], perms[p][1], perms[p][2]) >= 0, "permute %d", p);
    sn_model_add_dense_axis(m, 3, SN_ACT_SOFTMAX, 0, 1, 1);
    gradients(m, SN_LOSS_CCE, 2, p == 0 ? "permute (2, 1) of a sequence" : "permute of a rank-3 sample");
  }
  /* Dense on the last axis with a frozen-free residual of shapes: then flatten → dense (vector output). */
  m = sn_model_create_hwc(3, 2, 5, 6);
  sn_model_add_dense_axis(m, 4, SN_ACT_RELU, 0, 1, 1);
  sn_model_add_reshape(m, 1, 1, 24);
  sn_model_add_dense(m, 3, SN_ACT_SOFTMAX, 0, 1);
  gradients(m, SN_LOSS_SCCE, 4, "dense on the last axis of {3, 2, 5} → flatten → dense");
}

/* The kernels against their references: the same bits, on widths around the vector size and rows split anyhow. */
static void layer_norm_kernels(void) {
  const int widths[] = {1, 2, 3, 4, 5, 7, 8, 13, 31, 64, 67};
  for (size_t w = 0; w < sizeof widths / sizeof *widths; w++) {
    const int c = widths[w], n = 7;
    float *x = buf_random((long)n * c, -2, 3), *dy = buf_random((long)n * c, -1, 1);
    float *gamma = buf_random(c, 0.5f, 1.5f), *beta = buf_random(c, -1, 1);
    for (int with = 0; with < 2; with++) {
      const float *g = with ? gamma : NULL, *b = with ? beta : NULL;
      float *yk = buf_new((long)n * c), *yr = buf_new((long)n * c), *mk = buf_new(n), *mr = buf_new(n), *ik = buf_new(n), *ir = buf_new(n);
      k_ln_forward(n, c, x, g, b, 1e-3f, mk, ik, yk);
      ref_ln_forward(n, c, x, g, b, 1e-3f, mr, ir, yr);
      CHECK(!memcmp(yk, yr, (size_t)n * c * sizeof(float)) && !memcmp(mk, mr, n * sizeof(float)) && !memcmp(ik, ir, n * sizeof(float)),
            "ln forward c=%d gamma/beta %d: the reference's bits", c, with);
      CHECK(buf_intact(yk, (long)n * c) && buf_intact(mk, n) && buf_intact(ik, n), "ln forward c=%d writes inside", c);
      /* against a double computation */
      double worst = 0;
      for (int r = 0; r < n; r++) {
        double mean = 0, var = 0;
        for (int j = 0; j < c; j++) mean += x[r * c + j];
        mean /= c;
        for (int j = 0; j < c; j++) var += (x[r * c + j] - mean) * (x[r * c + j] - mean);
        var /= c;
        for (int j = 0; j < c; j++) {
          double want = (x[r * c + j] - mean) / sqrt(var + 1e-3) * (g ? g[j] : 1) + (b ? b[j] : 0);
          worst = fmax(worst, fabs(yk[r * c + j] - want));
        }
      }
      CHECK(worst < 1e-5, "ln forward c=%d against doubles: %g", c, worst);
      float *dk = buf_new((long)n * c), *dr = buf_new((long)n * c);
      k_ln_backward(n, c, x, dy, mk, ik, g, dk);
      ref_ln_backward(n, c, x, dy, mr, ir, g, dr);
      CHECK(!memcmp(dk, dr, (size_t)n * c * sizeof(float)) && buf_intact(dk, (long)n * c), "ln backward c=%d: the reference's bits", c);
      float *gk = buf_new(c), *gr = buf_new(c), *bk = buf_new(c), *br = buf_new(c);
      k_ln_param_grads(n, c, c, x, dy, mk, ik, gk, bk);
      ref_ln_param_grads(n, c, c, x, dy, mr, ir, gr, br);
      CHECK(!memcmp(gk, gr, c * sizeof(float)) && !memcmp(bk, br, c * sizeof(float)) && buf_intact(gk, c) && buf_intact(bk, c),
            "ln parameter gradients c=%d: the reference's bits", c);
      /* Split into parts (as threads split them): the same bits. */
      float *ys = buf_new((long)n * c), *ms = buf_new(n), *is = buf_new(n), *ds = buf_new((long)n * c), *gs = buf_new(c), *bs = buf_new(c);
      sn_threads_split_for_tests(3);
      sn_par_ln_forward(n, c, x, g, b, 1e-3f, ms, is, ys);
      sn_par_ln_backward(n, c, x, dy, ms, is, g, ds, gs, bs);
      sn_threads_split_for_tests(1);
      CHECK(!memcmp(ys, yk, (size_t)n * c * sizeof(float)) && !memcmp(ds, dk, (size_t)n * c * sizeof(float)) &&
                !memcmp(gs, gk, c * sizeof(float)) && !memcmp(bs, bk, c * sizeof(float)),
            "ln c=%d split in 3 parts: the same bits", c);
      buf_free(yk), buf_free(yr), buf_free(mk), buf_free(mr), buf_free(ik), buf_free(ir), buf_free(dk), buf_free(dr);
      buf_free(gk), buf_free(gr), buf_free(bk), buf_free(br), buf_free(ys), buf_free(ms), buf_free(is), buf_free(ds), buf_free(gs), buf_free(bs);
    }
    buf_free(x), buf_free(dy), buf_free(gamma), buf_free(beta);
  }
}

/* A sequence output's loss is the mean of the per-step losses, its accuracy counts steps, its errors elements. */
static void time_axis_sums(void) {
  enum { ROWS = 5, STEPS = 3, C = 4 };
  for (int sparse = 0; sparse < 2; sparse++) {
    sn_model *m = sn_model_create_hwc(1, STEPS, 2, 8);
    sn_model_add_dense_axis(m, C, SN_ACT_SOFTMAX, 0, 1, 1);
    compile(m, sparse ? SN_LOSS_SCCE : SN_LOSS_CCE);
    CHECK(sn_model_target_dim(m) == (sparse ? STEPS : STEPS * C), "target columns per sample: %d", sn_model_target_dim(m));
    float x[ROWS * STEPS * 2], y[ROWS * STEPS * C], *t = targets(m, ROWS, sparse), per[ROWS * STEPS];
    fill(x, ROWS * STEPS * 2, 3, -2, 2);
    if (!sparse) /* one-hot rows */
      for (int i = 0; i < ROWS * STEPS; i++)
        for (int j = 0; j < C; j++) t[i * C + j] = (float)(j == (i * 5 + 1) % C);
    CHECK(sn_model_predict(m, x, ROWS, 2, y), "predict");
    sn_loss_cfg cfg = {.kind = sparse ? SN_LOSS_SCCE : SN_LOSS_CCE};
    sn_loss_per_sample(&cfg, ROWS * STEPS, C, y, t, per);
    double mean = 0;
    int correct = 0;
    for (int i = 0; i < ROWS * STEPS; i++) {
      mean += per[i] / (ROWS * STEPS);
      int best = 0;
      for (int j = 1; j < C; j++) best = y[i * C + j] > y[i * C + best] ? j : best;
      correct += best == (sparse ? (int)t[i] : (i * 5 + 1) % C);
    }
    double sums[SN_SUM_COUNT];
    CHECK(sn_model_evaluate(m, x, t, ROWS, 2, sums), "evaluate");
    CHECK(sums[SN_SUM_ROWS] == ROWS, "rows count samples: %g", sums[SN_SUM_ROWS]);
    CHECK_CLOSE(sums[SN_SUM_LOSS] / sums[SN_SUM_ROWS], mean, 1e-5, 1e-6, "loss = mean over samples and steps (sparse %d)", sparse);
    CHECK(sums[SN_SUM_ACC_COUNT] == ROWS * STEPS && sums[SN_SUM_CORRECT] == correct, "accuracy per step: %g of %g, want %d of %d",
          sums[SN_SUM_CORRECT], sums[SN_SUM_ACC_COUNT], correct, ROWS * STEPS);
    CHECK(sums[SN_SUM_ELEMENTS] == ROWS * STEPS * C, "elements");
    /* compute_gradients reports the same mean loss (no regularization) */
    double loss;
    CHECK(sn_model_compute_gradients(m, x, t, ROWS, &loss), "gradients");
    CHECK_CLOSE(loss, mean, 1e-5, 1e-6, "training loss = mean over samples and steps");
    free(t);
    sn_model_free(m);
  }
}

/* Forward values against direct loops: dense per step, repeat vector, permute. */
static void forward_values(void) {
  enum { ROWS = 2 };
  sn_model *m = sn_model_create_hwc(2, 3, 4, 9);
  int d = sn_model_add_dense_axis(m, 5, SN_ACT_LINEAR, 0, 1, 1);
  int p = sn_model_add_permute(m, 2, 0, 1); /* {2, 3, 5} → {5, 2, 3} */
  CHECK(d == 0 && p == 1 && sn_model_build(m), "built");
  float x[ROWS * 24], y[ROWS * 30], z[ROWS * 30];
  fill(x, ROWS * 24, 11, -1, 1);
  for (int l = 0; l < m->n_layers; l++)
    for (int i = 0; i < 2; i++)
      if (m->layers[l].t[i].exists) fill(m->layers[l].t[i].w, m->layers[l].t[i].size, 13 + i, -1, 1);
  CHECK(sn_model_predict(m, x, ROWS, ROWS, y), "predict");
  const float *k = m->layers[0].t[SN_KERNEL].w, *b = m->layers[0].t[SN_BIAS].w;
  for (int r = 0; r < ROWS; r++)
    for (int h = 0; h < 2; h++)
      for (int w = 0; w < 3; w++)
        for (int u = 0; u < 5; u++) {
          float s = b[u];
          for (int c = 0; c < 4; c++) s += x[((r * 2 + h) * 3 + w) * 4 + c] * k[c * 5 + u];
          z[((r * 5 + u) * 2 + h) * 3 + w] = s; /* permuted: {u, h, w} */
        }
  double worst = 0;
  for (int i = 0; i < ROWS * 30; i++) worst = fmax(worst, fabs(y[i] - z[i]));
  CHECK(worst < 1e-5, "dense per position then permute (3, 1, 2): %g", worst);
  sn_model_free(m);
  m = sn_model_create(3, 9);
  sn_model_add_repeat_vector(m, 4);
  CHECK(sn_model_build(m) && sn_model_output_dim(m) == 12, "repeat vector built");
  float v[ROWS * 3] = {1, 2, 3, -4, -5, -6}, out[ROWS * 12];
  CHECK(sn_model_predict(m, v, ROWS, ROWS, out), "predict");
  int same = 1;
  for (int r = 0; r < ROWS; r++)
    for (int i = 0; i < 12; i++) same &= out[r * 12 + i] == v[r * 3 + i % 3];
  CHECK(same, "repeat vector copies the vector 4 times");
  sn_model_free(m);
}

static void refusals(void) {
  sn_model *m = sn_model_create_hwc(1, 3, 4, 1);
  CHECK(sn_model_add_repeat_vector(m, 2) == -1 && m->n_layers == 0, "repeat vector of a sequence refused");
  CHECK(sn_model_add_repeat_vector(m, 0) == -1, "repeat vector of n 0 refused");
  CHECK(sn_model_add_permute(m, 0, 0, 1) == -1 && sn_model_add_permute(m, 0, 1, 3) == -1, "not a permutation refused");
  CHECK(sn_model_add_layer_norm(m, 0, 1, 1) == -1, "layer norm epsilon 0 refused");
  CHECK(sn_model_add_dense_axis(m, 0, SN_ACT_LINEAR, 0, 1, 1) == -1 && m->n_layers == 0, "dense of 0 units refused");
  int p = sn_model_add_permute(m, 0, 1, 2);
  CHECK(p == 0 && m->layers[0].out.w == 3 && m->layers[0].out.c == 4, "the identity permutation: a view");
  sn_model_free(m);
}

int main(void) {
  layer_norm_kernels();
  layer_gradients();
  time_axis_sums();
  forward_values();
  refusals();
  return check_summary();
}
