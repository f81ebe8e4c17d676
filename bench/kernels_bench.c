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
 *   m3:    samples/s of the whole M3 training step (784-512-256-10, relu, MSE,
 *          SGD, batch 200) on synthetic data, and its GFLOP/s at 6 × weights
 * Usage: kernels_bench [seconds per measurement, default 0.3] [cpu] */
#define _POSIX_C_SOURCE 199309L /* clock_gettime */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernels.h"
#include "model.h"
#include "simd.h"

/* Wall-clock time, or with `cpu` on the command line this process's CPU time,
 * which other jobs on a busy machine disturb less (bench/relaxed.js, in Node). */
static clockid_t clock_id = CLOCK_MONOTONIC;
static double now(void) {
  struct timespec ts;
  clock_gettime(clock_id, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static float *random_buffer(long n, unsigned seed) {
  float *p = malloc((size_t)n * sizeof *p);
  if (!p) abort();
  for (long i = 0; i < n; i++) {
    seed = seed * 1664525u + 1013904223u;
    p[i] = (float)(seed >> 8) / 16777216.0f - 0.5f;
  }
  return p;
}

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

/* The M3 training step: the median samples/s of several timed runs of
 * `batches` batches, after one warm-up run. */
static double m3_samples_per_second(double seconds, long *weights) {
  enum { N = 2000, BATCH = 200 };
  sn_model *m = sn_model_create(784, 1);
  sn_model_add_dense(m, 512, SN_ACT_RELU, 0.0f, 1);
  sn_model_add_dense(m, 256, SN_ACT_RELU, 0.0f, 1);
  sn_model_add_dense(m, 10, SN_ACT_RELU, 0.0f, 1);
  sn_model_build(m);
  float hp[3] = {0.001f, 0.0f, 0.0f};
  sn_model_compile(m, SN_LOSS_MSE, 0, 0.0f, 0.0f, sn_opt_create(SN_OPT_SGD, (int)m->n_params, hp, 3));
  float *x = random_buffer((long)N * 784, 4), *t = random_buffer((long)N * 10, 5);
  for (long i = 0; i < (long)N * 784; i++) x[i] += 0.5f; /* pixel-like, in [0, 1) */
  *weights = 784L * 512 + 512L * 256 + 256L * 10;
  double rates[9];
  int runs = 0;
  sn_model_fit_epoch(m, x, t, N, BATCH, 1, NULL, NULL, 0, NULL);
  double t_end = now() + seconds;
  while (runs < 9 && (runs < 3 || now() < t_end)) {
    double t0 = now();
    sn_model_fit_epoch(m, x, t, N, BATCH, 1, NULL, NULL, 0, NULL);
    rates[runs++] = N / (now() - t0);
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
  long weights;
  double sps = m3_samples_per_second(3 * s, &weights);
  printf(" \"m3\": {\"samples_per_s\": %.1f, \"gflops\": %.2f}}\n", sps, sps * 6.0 * weights * 1e-9);
  return 0;
}
