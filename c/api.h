/* SN_API marks the functions the .wasm exports to the JavaScript wrapper.
 * Natively it expands to nothing, so the same sources build for the C tests. */
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
#endif
