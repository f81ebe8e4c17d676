/* Heap statistics for the wrapper's leak tests (wasm only; natively the
 * sanitizers find leaks instead): bytes of the C heap allocated and not freed.
 *
 * Emscripten's dlmalloc has mallinfo. wasi-libc's (the clang-19 builds,
 * build.sh) does not, so there the linker routes every malloc, calloc,
 * realloc and free, the C library's own included, through the wrappers below
 * (-Wl,--wrap=malloc,…), which count each block's usable size. Only the main
 * thread allocates (c/threads.h), so a plain counter will do. */
#include "api.h"
#include <malloc.h>
#include <stddef.h>

#ifdef __EMSCRIPTEN__
SN_API unsigned sn_heap_used(void) { return (unsigned)mallinfo().uordblks; }
#else
static size_t heap_used;

void *__real_malloc(size_t n);
void *__real_calloc(size_t count, size_t n);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);

static void *counted(void *p) {
  if (p) heap_used += malloc_usable_size(p);
  return p;
}
__attribute__((export_name("malloc"))) void *__wrap_malloc(size_t n) { return counted(__real_malloc(n)); }
void *__wrap_calloc(size_t count, size_t n) { return counted(__real_calloc(count, n)); }
__attribute__((export_name("free"))) void __wrap_free(void *p) {
  if (p) heap_used -= malloc_usable_size(p);
  __real_free(p);
}
/* A failed realloc leaves the old block allocated. */
void *__wrap_realloc(void *p, size_t n) {
  size_t old = p ? malloc_usable_size(p) : 0;
  void *q = __real_realloc(p, n);
  if (q || n == 0) heap_used -= old;
  return counted(q);
}

SN_API unsigned sn_heap_used(void) { return (unsigned)heap_used; }
#endif
