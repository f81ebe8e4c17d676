/* What this module was compiled with, for sn.features() (web/core/wasm.js): the
 * wrapper reads it from the module it loaded rather than trusting the file
 * name. Bit 0: SIMD128, bit 1: relaxed SIMD, bit 2: atomics (the threaded
 * builds). */
#include "api.h"

SN_API int sn_build_features(void) {
  int f = 0;
#ifdef __wasm_simd128__
  f |= 1;
#endif
#ifdef __wasm_relaxed_simd__
  f |= 2;
#endif
#ifdef __wasm_atomics__
  f |= 4;
#endif
  return f;
}
