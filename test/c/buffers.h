/* buffers.h — test buffers and array checks shared by the native C kernel tests
 * (header only, used with check.h).
 *
 *   uniform(lo, hi)          deterministic xorshift64* floats, the same on every platform.
 *   buf_new(count)           count floats, NaN, with SENTINEL guard cells on both sides and
 *                            at an address that is not 16-byte aligned; buf_free releases it.
 *   buf_intact(p, count)     1 iff the guard cells still hold SENTINEL.
 *   buf_random, buf_copy     buf_new filled with uniform values / a copy of src.
 *   check_array(...)         one CHECK per array against a double result, reporting the
 *                            worst element.
 *   to_double(x, count)      a malloc'ed double copy of x. */
#ifndef SN_TEST_BUFFERS_H
#define SN_TEST_BUFFERS_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static uint64_t rng_state = 0x9E3779B97F4A7C15u;

/* xorshift64*: deterministic across platforms. */
static inline float uniform(float lo, float hi) {
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  uint32_t bits = (uint32_t)((rng_state * 0x2545F4914F6CDD1Du) >> 40); /* 24 bits */
  return lo + (hi - lo) * (float)bits / 16777216.0f;
}

#define GUARD 3 /* odd, so buffers are never 16-byte aligned */
#define SENTINEL 1234.5f

/* count floats initialised to NaN, with SENTINEL guard cells on both sides. */
static inline float *buf_new(long count) {
  float *p = malloc((size_t)(count + 2 * GUARD) * sizeof *p);
  if (!p) abort();
  for (long i = 0; i < count + 2 * GUARD; i++)
    p[i] = (i < GUARD || i >= GUARD + count) ? SENTINEL : NAN;
  return p + GUARD;
}
static inline void buf_free(float *p) { free(p - GUARD); }
static inline int buf_intact(const float *p, long count) {
  for (int g = 1; g <= GUARD; g++)
    if (p[-g] != SENTINEL || p[count + g - 1] != SENTINEL) return 0;
  return 1;
}
static inline float *buf_random(long count, float lo, float hi) {
  float *p = buf_new(count);
  for (long i = 0; i < count; i++) p[i] = uniform(lo, hi);
  return p;
}
static inline float *buf_copy(const float *src, long count) {
  float *p = buf_new(count);
  memcpy(p, src, (size_t)count * sizeof *p);
  return p;
}

/* One CHECK per array: passes iff every |got[i] − want[i]| <= atol + rtol·scale[i]
 * (scale = |want| when NULL); reports the worst element. */
static inline void check_array(const char *what, const float *got, const double *want,
                               const double *scale, long count, double rtol, double atol) {
  long worst = 0;
  double worst_ratio = -1.0;
  for (long i = 0; i < count; i++) {
    double tol = atol + rtol * (scale ? scale[i] : fabs(want[i]));
    double err = fabs(got[i] - want[i]);
    double ratio = (got[i] == want[i]) ? 0.0 : isnan(err) ? INFINITY : err / tol;
    if (ratio > worst_ratio) worst_ratio = ratio, worst = i;
  }
  double tol = atol + rtol * (scale ? scale[worst] : fabs(want[worst]));
  CHECK_CLOSE(got[worst], want[worst], 0.0, tol, "%s, element %ld", what, worst);
}

static inline double *to_double(const float *x, long count) {
  double *d = malloc((size_t)count * sizeof *d);
  if (!d) abort();
  for (long i = 0; i < count; i++) d[i] = x[i];
  return d;
}

#endif
