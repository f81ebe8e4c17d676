/* What this module was compiled with, for sn.features() (web/core/wasm.js): the
 * wrapper reads it from the module it loaded rather than trusting the file
 * name: enum sn_build_feature's bits (api.h). */
#include "api.h"

SN_API int sn_build_features(void) {
  int f = 0;
#ifdef __wasm_simd128__
  f |= SN_FEATURE_SIMD;
#endif
#ifdef __wasm_relaxed_simd__
  f |= SN_FEATURE_RELAXED_SIMD;
#endif
#ifdef __wasm_atomics__
  f |= SN_FEATURE_ATOMICS;
#endif
  return f;
}
