#include "rng.h"
#include <math.h>

/* PCG32 (O'Neill, pcg-random.org): small state, good statistics, cheap in wasm. */
void sn_rng_seed(sn_rng *r, uint32_t seed) {
  r->state = 0;
  r->inc = ((uint64_t)seed << 1u) | 1u;
  sn_rng_u32(r);
  r->state += 0x853c49e6748fea9bULL + seed;
  sn_rng_u32(r);
}

uint32_t sn_rng_u32(sn_rng *r) {
  uint64_t old = r->state;
  r->state = old * 6364136223846793005ULL + r->inc;
  uint32_t xorshifted = (uint32_t)(((old >> 18u) ^ old) >> 27u);
  uint32_t rot = (uint32_t)(old >> 59u);
  return (xorshifted >> rot) | (xorshifted << ((32u - rot) & 31u));
}

/* Lemire's rejection keeps the draw unbiased for any n. */
uint32_t sn_rng_below(sn_rng *r, uint32_t n) {
  uint64_t product = (uint64_t)sn_rng_u32(r) * n;
  uint32_t low = (uint32_t)product;
  if (low < n) {
    uint32_t threshold = (0u - n) % n;
    while (low < threshold) {
      product = (uint64_t)sn_rng_u32(r) * n;
      low = (uint32_t)product;
    }
  }
  return (uint32_t)(product >> 32);
}

double sn_rng_uniform(sn_rng *r) {
  uint64_t hi = sn_rng_u32(r) >> 5, lo = sn_rng_u32(r) >> 6; /* 27 + 26 bits */
  return (double)(hi * 67108864u + lo) / 9007199254740992.0;
}

/* Box-Muller, one value per call: simpler than caching the pair, and the draw
 * order stays obvious when reading the initializers. */
double sn_rng_normal(sn_rng *r) {
  double u1 = 1.0 - sn_rng_uniform(r); /* (0, 1]: log stays finite */
  double u2 = sn_rng_uniform(r);
  return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}
