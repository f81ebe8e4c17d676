/* Heap statistics for the wrapper's leak tests (wasm only: mallinfo is
 * Emscripten's dlmalloc here; natively the sanitizers find leaks instead). */
#include "api.h"
#include <malloc.h>

SN_API unsigned sn_heap_used(void) { return (unsigned)mallinfo().uordblks; }
