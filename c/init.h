/* Weight initializers, with Keras' names and definitions. */
#ifndef SN_INIT_H
#define SN_INIT_H
#include "rng.h"

enum sn_init {
  SN_INIT_ZEROS = 0,
  SN_INIT_ONES = 1,
  SN_INIT_CONSTANT = 2,         /* a = value */
  SN_INIT_RANDOM_NORMAL = 3,    /* a = mean, b = stddev */
  SN_INIT_TRUNCATED_NORMAL = 4, /* a = mean, b = stddev; redraw beyond 2 stddev */
  SN_INIT_RANDOM_UNIFORM = 5,   /* a = minval, b = maxval */
  SN_INIT_GLOROT_UNIFORM = 6,
  SN_INIT_GLOROT_NORMAL = 7,
  SN_INIT_HE_NORMAL = 8,
  SN_INIT_HE_UNIFORM = 9,
  SN_INIT_LECUN_NORMAL = 10,
  SN_INIT_LECUN_UNIFORM = 11,
  SN_INIT_COUNT
};

/* Fills out[0..n) for a tensor with the given fans (a kernel [fan_in × fan_out];
 * a bias has fan_in = fan_out = n). Returns 0 for an unknown kind. */
int sn_init_fill(int kind, float a, float b, int fan_in, int fan_out, sn_rng *r, float *out, int n);
#endif
