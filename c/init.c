#include "init.h"
#include <math.h>

/* Keras' VarianceScaling "truncated_normal" divides by this constant, the stddev
 * of a unit normal truncated to [-2, 2], so the drawn values keep the target variance. */
#define TRUNCATED_NORMAL_STDDEV 0.87962566103423978

static double truncated_normal(sn_rng *r) {
  double v;
  do v = sn_rng_normal(r);
  while (v < -2.0 || v > 2.0);
  return v;
}

static void fill_uniform(sn_rng *r, double lo, double hi, float *out, int n) {
  for (int i = 0; i < n; i++) out[i] = (float)(lo + (hi - lo) * sn_rng_uniform(r));
}

static void fill_normal(sn_rng *r, double mean, double stddev, int truncated, float *out, int n) {
  for (int i = 0; i < n; i++)
    out[i] = (float)(mean + stddev * (truncated ? truncated_normal(r) : sn_rng_normal(r)));
}

/* Variance scaling: scale / fan, drawn uniform in ±sqrt(3·var) or truncated normal. */
static void fill_scaled(sn_rng *r, double variance, int uniform, float *out, int n) {
  if (uniform) {
    double limit = sqrt(3.0 * variance);
    fill_uniform(r, -limit, limit, out, n);
  } else {
    fill_normal(r, 0.0, sqrt(variance) / TRUNCATED_NORMAL_STDDEV, 1, out, n);
  }
}

int sn_init_fill(int kind, float a, float b, int fan_in, int fan_out, sn_rng *r, float *out, int n) {
  double avg_fan = (fan_in + fan_out) / 2.0;
  switch (kind) {
  case SN_INIT_ZEROS: for (int i = 0; i < n; i++) out[i] = 0.0f; return 1;
  case SN_INIT_ONES: for (int i = 0; i < n; i++) out[i] = 1.0f; return 1;
  case SN_INIT_CONSTANT: for (int i = 0; i < n; i++) out[i] = a; return 1;
  case SN_INIT_RANDOM_NORMAL: fill_normal(r, a, b, 0, out, n); return 1;
  case SN_INIT_TRUNCATED_NORMAL: fill_normal(r, a, b, 1, out, n); return 1;
  case SN_INIT_RANDOM_UNIFORM: fill_uniform(r, a, b, out, n); return 1;
  case SN_INIT_GLOROT_UNIFORM: fill_scaled(r, 1.0 / avg_fan, 1, out, n); return 1;
  case SN_INIT_GLOROT_NORMAL: fill_scaled(r, 1.0 / avg_fan, 0, out, n); return 1;
  case SN_INIT_HE_NORMAL: fill_scaled(r, 2.0 / fan_in, 0, out, n); return 1;
  case SN_INIT_HE_UNIFORM: fill_scaled(r, 2.0 / fan_in, 1, out, n); return 1;
  case SN_INIT_LECUN_NORMAL: fill_scaled(r, 1.0 / fan_in, 0, out, n); return 1;
  case SN_INIT_LECUN_UNIFORM: fill_scaled(r, 1.0 / fan_in, 1, out, n); return 1;
  default: return 0;
  }
}
