/* SN_API marks the functions the .wasm exports to the JavaScript wrapper:
 * Emscripten's keep-alive, or for the clang-19 builds (build.sh's relaxed
 * pair, compiled with -fvisibility=hidden and linked with --export-dynamic)
 * default visibility. Natively it expands to nothing, so the same sources
 * build for the C tests. */
#ifndef SN_API_H
#define SN_API_H
#if defined(__EMSCRIPTEN__)
#include <emscripten.h>
#define SN_API EMSCRIPTEN_KEEPALIVE
#elif defined(__wasm__)
#define SN_API __attribute__((visibility("default")))
#else
#define SN_API
#endif

/* sn_build_features' bits (wasm_build.c): what a module was compiled with. */
enum sn_build_feature { SN_FEATURE_SIMD = 1, SN_FEATURE_RELAXED_SIMD = 2, SN_FEATURE_ATOMICS = 4 };
#endif
