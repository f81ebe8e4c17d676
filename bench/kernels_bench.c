/* Kernel and training-step timings of the C core, compiled twice by
 * bench/run.js — natively (gcc -O3 -march=native) and to wasm SIMD (emcc -O3
 * -msimd128, run under node) — so the two figures come from the same source.
 * It also compiles for the relaxed-SIMD build (clang-19 -mrelaxed-simd, run
 * under node --experimental-wasm-relaxed-simd), where the peak chains and the
 * GEMMs use f32x4.relaxed_madd.
 * Prints one JSON object:
 *   relaxed_simd: 1 when compiled for relaxed SIMD, else 0
 *   peak:  GFLOP/s of independent f32x4 multiply + add chains (the SIMD ceiling;
 *          v_madd_relaxed, the GEMM micro-kernel's operation)
 *   gemm:  GFLOP/s of every GEMM variant on the M3 shapes, best of several runs
 *   rnn:   GFLOP/s of the recurrent step's products (h·U, dZ·Uᵀ) of bench S1's LSTM
 *   gpt:   GFLOP/s of bench G1's GPT products (batch 12 × context 64 = 768 positions, width 128):
 *          a projection (q, k, v or output: 128×128), the feed-forward's two (128×512, 512×128) with
 *          their weight and input gradients, and one (sample, head)'s scores (64×32 · 32×64)
 *   steps: per model (M3: 784-512-256-10, relu, MSE, SGD, batch 200; M4 and
 *          M5, the reference CNNs, when built with -DSN_BENCH_CONV),
 *          samples/s of the whole training step on synthetic data and its
 *          GFLOP/s (6 × forward multiply-adds − 2 × the first layer's)
 * Usage: kernels_bench [seconds per measurement, default 0.3] [cpu] */
#define _POSIX_C_SOURCE 199309L /* clock_gettime */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernels.h"
#include "model.h"
#include "simd.h"

#include "bench_util.h"


/* `chains` independent multiply + add chains of `iters` steps; returns a sum
 * so nothing is optimized away. Always inlined into one noinline function per
 * chain count, so the chains stay in registers. noinline: V8 optimizes a wasm
 * function only on a later call, so the timed work must be a function called
 * many times. */
SN_ALWAYS_INLINE float madd_chains(int chains, int iters, float seed) {
  v4f acc[16], x = v_splat(0.999f), y = v_splat(1e-3f);
  for (int i = 0; i < chains; i++) acc[i] = v_splat(seed + (float)i);
  for (int it = 0; it < iters; it++)
    for (int i = 0; i < chains; i++) acc[i] = v_madd_relaxed(acc[i], x, y);
  float sum = 0.0f;
  for (int i = 0; i < chains; i++) sum += v_hsum(acc[i]);
  return sum;
}
#define CHAINS_FN(n) \
  __attribute__((noinline)) static float chains##n(int iters, float seed) { return madd_chains(n, iters, seed); }
CHAINS_FN(8)
CHAINS_FN(10)
CHAINS_FN(12)

/* The SIMD ceiling: the best GFLOP/s of 8, 10 or 12 chains (fewer are latency
 * bound; more spill in V8, which has 15 vector registers on x86-64). */
static double peak_gflops(double seconds) {
  static const struct { int chains; float (*fn)(int, float); } runs[] = {{8, chains8}, {10, chains10}, {12, chains12}};
  double best = 0.0;
  float sink = 0.0f;
  for (int r = 0; r < 3; r++)
    for (int rep = 0; rep < 5; rep++) {
      long iters = 0;
      double t0 = now(), t;
      do sink += runs[r].fn(20000, sink), iters += 20000;
      while ((t = now() - t0) < seconds / 15);
      double g = iters * runs[r].chains * 8 / t * 1e-9;
      if (g > best) best = g;
    }
  if (sink == 12345.0f) printf(" ");
  return best;
}

typedef void gemm_fn(int, int, int, const float *, const float *, float *, int);

/* Best GFLOP/s of f(d0, d1, d2) whose product has m·k·n multiply-adds. */
static double gemm_gflops(gemm_fn *f, int d0, int d1, int d2, double seconds) {
  long na = (long)d0 * d1, nb = (long)d1 * d2 > (long)d0 * d2 ? (long)d1 * d2 : (long)d0 * d2;
  long nc = (long)d0 * d1 > (long)d1 * d2 ? (long)d0 * d1 : (long)d1 * d2;
  if ((long)d0 * d2 > nc) nc = (long)d0 * d2;
  float *a = random_buffer(na, 1), *b = random_buffer(nb, 2), *c = random_buffer(nc, 3);
  double flops = 2.0 * d0 * d1 * d2, best = 0.0;
  f(d0, d1, d2, a, b, c, 0); /* warm-up */
  for (int rep = 0; rep < 7; rep++) {
    int calls = 0;
    double t0 = now(), t;
    do f(d0, d1, d2, a, b, c, 0), calls++;
    while ((t = now() - t0) < seconds / 7);
    double g = flops * calls / t * 1e-9;
    if (g > best) best = g;
  }
  free(a), free(b), free(c);
  return best;
}

/* A whole training step of one model, timed through sn_model_fit_epoch on
 * synthetic data: its name, how to build and compile it, its data shape
 * (onehot: one-hot targets, for softmax classifiers), and its training flops
 * per sample (6 x forward multiply-adds - 2 x the first layer's, which needs no
 * input gradient; the rule of bench/flops.js). bench/run.js reads every row of
 * "steps". */
typedef struct {
  const char *name;
  sn_model *(*build)(void);
  int inputs, outputs, onehot, rows, batch;
  double flops;
} step_spec;

static sn_model *compiled(sn_model *m, int loss, int opt, float lr) {
  if (!sn_model_build(m)) abort(); /* 1 on success */
  float sgd[1] = {lr}, adam[5] = {lr, 0.9f, 0.999f, 1e-7f, 0.0f}; /* Keras' defaults */
  const float *hp = opt == SN_OPT_ADAM ? adam : sgd;
  sn_model_compile(m, loss, 0, 0.0f, 0.0f, sn_opt_create(opt, (int)m->n_params, hp, opt == SN_OPT_ADAM ? 5 : 1));
  return m;
}

/* M3: 784-512-256-10, relu everywhere, MSE, SGD 0.001 (bench/common.js). */
static sn_model *build_m3(void) {
  sn_model *m = sn_model_create(784, 1);
  sn_model_add_dense(m, 512, SN_ACT_RELU, 0.0f, 1);
  sn_model_add_dense(m, 256, SN_ACT_RELU, 0.0f, 1);
  sn_model_add_dense(m, 10, SN_ACT_RELU, 0.0f, 1);
  return compiled(m, SN_LOSS_MSE, SN_OPT_SGD, 0.001f);
}

#ifdef SN_BENCH_CONV
/* The reference CNNs, built once c/ has conv layers (bench/run.js defines
 * SN_BENCH_CONV when c/layer_conv2d.c exists, and builds without it if this
 * does not compile against that c/). Channels last, 'valid', stride 1. */
static sn_model *build_m4(void) { /* TF.js tutorial CNN, Adam 0.001 */
  sn_model *m = sn_model_create_hwc(28, 28, 1, 1);
  sn_model_add_conv2d(m, 8, 5, 5, 1, 1, 1, 1, 0, SN_ACT_RELU, 0.0f, 1);
  sn_model_add_pool2d(m, 1, 2, 2, 2, 2, 0);
  sn_model_add_conv2d(m, 16, 5, 5, 1, 1, 1, 1, 0, SN_ACT_RELU, 0.0f, 1);
  sn_model_add_pool2d(m, 1, 2, 2, 2, 2, 0);
  sn_model_add_reshape(m, 1, 1, 4 * 4 * 16); /* flatten */
  sn_model_add_dense(m, 10, SN_ACT_SOFTMAX, 0.0f, 1);
  return compiled(m, SN_LOSS_CCE, SN_OPT_ADAM, 0.001f);
}

static sn_model *build_m5(void) { /* Keras mnist_convnet, Adam 0.001 */
  sn_model *m = sn_model_create_hwc(28, 28, 1, 1);
  sn_model_add_conv2d(m, 32, 3, 3, 1, 1, 1, 1, 0, SN_ACT_RELU, 0.0f, 1);
  sn_model_add_pool2d(m, 1, 2, 2, 2, 2, 0);
  sn_model_add_conv2d(m, 64, 3, 3, 1, 1, 1, 1, 0, SN_ACT_RELU, 0.0f, 1);
  sn_model_add_pool2d(m, 1, 2, 2, 2, 2, 0);
  sn_model_add_reshape(m, 1, 1, 5 * 5 * 64); /* flatten */
  sn_model_add_dropout(m, 0.5f, 1, 1);
  sn_model_add_dense(m, 10, SN_ACT_SOFTMAX, 0.0f, 1);
  return compiled(m, SN_LOSS_CCE, SN_OPT_ADAM, 0.001f);
}
#endif

/* Multiply-adds per sample of the layers above (as bench/flops.js counts them). */
#define M3_MACS (784.0 * 512 + 512.0 * 256 + 256.0 * 10)
#define M4_MACS (24.0 * 24 * 8 * 25 + 8.0 * 8 * 16 * 25 * 8 + 256.0 * 10)
#define M5_MACS (26.0 * 26 * 32 * 9 + 11.0 * 11 * 64 * 9 * 32 + 1600.0 * 10)

static const step_spec STEPS[] = {
    {"m3", build_m3, 784, 10, 0, 2000, 200, 6 * M3_MACS - 2 * 784.0 * 512},
#ifdef SN_BENCH_CONV
    {"m4", build_m4, 784, 10, 1, 2048, 64, 6 * M4_MACS - 2 * 24.0 * 24 * 8 * 25},
    {"m5", build_m5, 784, 10, 1, 1024, 128, 6 * M5_MACS - 2 * 26.0 * 26 * 32 * 9},
#endif
};

/* The median samples/s of several timed epochs of `s`, after a warm-up epoch. */
static double step_samples_per_second(const step_spec *s, double seconds) {
  sn_model *m = s->build();
  float *x = random_buffer((long)s->rows * s->inputs, 4), *t = random_buffer((long)s->rows * s->outputs, 5);
  for (long i = 0; i < (long)s->rows * s->inputs; i++) x[i] += 0.5f; /* pixel-like, in [0, 1) */
  if (s->onehot) /* one class per row, from the random values */
    for (long r = 0; r < s->rows; r++) {
      int c = (int)((t[r * s->outputs] + 0.5f) * s->outputs) % s->outputs;
      for (int j = 0; j < s->outputs; j++) t[r * s->outputs + j] = j == c ? 1.0f : 0.0f;
    }
  double rates[9];
  int runs = 0;
  sn_model_fit_epoch(m, x, t, s->rows, s->batch, 1, NULL, NULL, 0, NULL);
  double t_end = now() + seconds;
  while (runs < 9 && (runs < 3 || now() < t_end)) {
    double t0 = now();
    sn_model_fit_epoch(m, x, t, s->rows, s->batch, 1, NULL, NULL, 0, NULL);
    rates[runs++] = s->rows / (now() - t0);
  }
  for (int i = 1; i < runs; i++) /* insertion sort for the median */
    for (int j = i; j > 0 && rates[j] < rates[j - 1]; j--) {
      double tmp = rates[j];
      rates[j] = rates[j - 1], rates[j - 1] = tmp;
    }
  sn_model_free(m);
  free(x), free(t);
  return rates[runs / 2];
}

int main(int argc, char **argv) {
  double s = argc > 1 ? atof(argv[1]) : 0.3;
  if (argc > 2 && strcmp(argv[2], "cpu") == 0) clock_id = CLOCK_PROCESS_CPUTIME_ID;
#ifdef __wasm_relaxed_simd__
  printf("{\"relaxed_simd\": 1, ");
#else
  printf("{\"relaxed_simd\": 0, ");
#endif
  printf("\"peak\": %.2f,\n \"gemm\": {", peak_gflops(s));
  /* layer 1 and layer 2 of M3 at batch 200: forward, dW, dX */
  printf("\"nn_784x512\": %.2f, ", gemm_gflops(k_gemm_nn, 200, 784, 512, s));
  printf("\"tn_784x512\": %.2f, ", gemm_gflops(k_gemm_tn, 200, 784, 512, s));
  printf("\"nt_784x512\": %.2f, ", gemm_gflops(k_gemm_nt, 200, 512, 784, s));
  printf("\"nn_512x256\": %.2f, ", gemm_gflops(k_gemm_nn, 200, 512, 256, s));
  printf("\"tn_512x256\": %.2f, ", gemm_gflops(k_gemm_tn, 200, 512, 256, s));
  printf("\"nt_512x256\": %.2f},\n", gemm_gflops(k_gemm_nt, 200, 256, 512, s));
  /* the recurrent step of an LSTM of 128 units at batch 128 (bench S1): forward h·U, backward dZ·Uᵀ */
  printf(" \"rnn\": {\"nn_128x512\": %.2f, ", gemm_gflops(k_gemm_nn, 128, 128, 512, s));
  printf("\"nt_512x128\": %.2f},\n", gemm_gflops(k_gemm_nt, 128, 512, 128, s));
  /* bench G1's GPT: 768 positions; forward x·W, dW = xᵀ·dy, dx = dy·Wᵀ */
  printf(" \"gpt\": {\"nn_768x128x128\": %.2f, ", gemm_gflops(k_gemm_nn, 768, 128, 128, s));
  printf("\"nn_768x128x512\": %.2f, ", gemm_gflops(k_gemm_nn, 768, 128, 512, s));
  printf("\"nn_768x512x128\": %.2f, ", gemm_gflops(k_gemm_nn, 768, 512, 128, s));
  /* weight gradients xᵀ·dy (a reduction over the 768 positions), input gradients dy·Wᵀ */
  printf("\"tn_128x768x512\": %.2f, ", gemm_gflops(k_gemm_tn, 128, 768, 512, s));
  printf("\"nt_768x512x128\": %.2f, ", gemm_gflops(k_gemm_nt, 768, 512, 128, s));
  printf("\"tn_512x768x128\": %.2f, ", gemm_gflops(k_gemm_tn, 512, 768, 128, s));
  printf("\"nt_768x128x512\": %.2f, ", gemm_gflops(k_gemm_nt, 768, 128, 512, s));
  printf("\"nt_64x32x64\": %.2f},\n", gemm_gflops(k_gemm_nt, 64, 32, 64, s));
  printf(" \"steps\": {");
  for (size_t i = 0; i < sizeof STEPS / sizeof *STEPS; i++) {
    double sps = step_samples_per_second(&STEPS[i], 3 * s);
    printf("%s\"%s\": {\"samples_per_s\": %.1f, \"gflops\": %.2f}", i ? ", " : "", STEPS[i].name, sps, sps * STEPS[i].flops * 1e-9);
  }
  printf("}}\n");
  return 0;
}
