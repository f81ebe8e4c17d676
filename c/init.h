/* Weight initializers, with Keras' names and definitions. */
#ifndef SN_INIT_H
#define SN_INIT_H
#include "rng.h"

/* The initializers: X(kind, value, name in the JavaScript API, then the names of
 * its parameters a and b of sn_init_fill if it has them). scripts/gen-constants.js
 * copies this list into web/core/constants.js. */
#define SN_INITIALIZERS(X)                                                                         \
  X(SN_INIT_ZEROS, 0, "zeros")                                                                     \
  X(SN_INIT_ONES, 1, "ones")                                                                       \
  X(SN_INIT_CONSTANT, 2, "constant", "value")                                                      \
  X(SN_INIT_RANDOM_NORMAL, 3, "randomNormal", "mean", "stddev")                                    \
  X(SN_INIT_TRUNCATED_NORMAL, 4, "truncatedNormal", "mean", "stddev") /* redraw beyond 2 stddev */ \
  X(SN_INIT_RANDOM_UNIFORM, 5, "randomUniform", "minval", "maxval")                                \
  X(SN_INIT_GLOROT_UNIFORM, 6, "glorotUniform")                                                    \
  X(SN_INIT_GLOROT_NORMAL, 7, "glorotNormal")                                                      \
  X(SN_INIT_HE_NORMAL, 8, "heNormal")                                                              \
  X(SN_INIT_HE_UNIFORM, 9, "heUniform")                                                            \
  X(SN_INIT_LECUN_NORMAL, 10, "leCunNormal")                                                       \
  X(SN_INIT_LECUN_UNIFORM, 11, "leCunUniform")                                                     \
  X(SN_INIT_ORTHOGONAL, 12, "orthogonal", "gain") /* Keras': a random orthogonal matrix, times gain */

enum sn_init {
#define X(kind, value, ...) kind = value,
  SN_INITIALIZERS(X)
#undef X
  SN_INIT_COUNT
};

/* Fills out[0..n) for a tensor with the given fans (a kernel [fan_in × fan_out];
 * a bias has fan_in = fan_out = n) and `cols` floats along its last axis
 * (orthogonal's matrix is [n / cols, cols], as Keras flattens the shape).
 * Returns 0 for an unknown kind. */
int sn_init_fill(int kind, float a, float b, int fan_in, int fan_out, int cols, sn_rng *r, float *out, int n);
#endif
