/* What the C benchmarks share (bench/kernels_bench.c, bench/depthwise_bench.c):
 * a clock and reproducible random buffers. Include after <time.h> with
 * _POSIX_C_SOURCE defined. */
#ifndef SN_BENCH_UTIL_H
#define SN_BENCH_UTIL_H
#include <stdlib.h>
#include <time.h>

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
#endif
