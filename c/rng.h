/* One seeded generator (PCG32) behind every random draw of a model: weight
 * initialization, shuffling. Same seed, same numbers, bit for bit, in wasm and
 * natively (the normal draws go through libm, which is the same in every wasm
 * runtime because it is compiled into the module). */
#ifndef SN_RNG_H
#define SN_RNG_H
#include <stdint.h>

typedef struct {
  uint64_t state;
  uint64_t inc;
} sn_rng;

void sn_rng_seed(sn_rng *r, uint32_t seed);
uint32_t sn_rng_u32(sn_rng *r);
uint32_t sn_rng_below(sn_rng *r, uint32_t n); /* uniform in [0, n), unbiased */
double sn_rng_uniform(sn_rng *r);             /* uniform in [0, 1) with 53 random bits */
double sn_rng_normal(sn_rng *r);              /* standard normal (Box-Muller) */
#endif
