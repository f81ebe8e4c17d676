/* sn_parallel and the worker loop; see threads.h. */
#include "threads.h"

#include "api.h"

static int n_threads = 1;   /* threads sharing the work (multi-threaded build) */
static int test_parts = 1;  /* sequential split, for the tests */

int sn_threads_count(void) { return n_threads; }
SN_API void sn_threads_split_for_tests(int parts) { test_parts = parts < 1 ? 1 : parts; }

#ifdef __wasm_atomics__
/* One job at a time: the caller publishes it and bumps `generation`; each
 * worker runs its part once per generation and counts itself in `done`. */
static struct {
  sn_task *task;
  void *arg;
  int parts;
} job;
static int generation, done;

/* Workers spin this many checks before sleeping in memory.atomic.wait, which
 * saves the wake-up latency between the GEMMs of one training step. */
enum { SPIN_CHECKS = 20000 };

static void run_parallel(sn_task *task, void *arg) {
  job.task = task, job.arg = arg, job.parts = n_threads;
  __atomic_store_n(&done, 0, __ATOMIC_SEQ_CST);
  __atomic_fetch_add(&generation, 1, __ATOMIC_SEQ_CST);
  __builtin_wasm_memory_atomic_notify(&generation, SN_MAX_THREADS);
  task(arg, 0, n_threads, 0);
  while (__atomic_load_n(&done, __ATOMIC_SEQ_CST) < n_threads - 1) {
  }
}

/* Never returns: the worker's JavaScript calls it once after instantiating the
 * module on the shared memory with its own stack. Starts from generation 0, so
 * a job published before the worker got here is not missed (the caller waits
 * for every part before publishing the next). */
SN_API void sn_thread_worker(int id) {
  int seen = 0;
  for (;;) {
    int spins = 0, now;
    while ((now = __atomic_load_n(&generation, __ATOMIC_SEQ_CST)) == seen)
      if (++spins > SPIN_CHECKS) __builtin_wasm_memory_atomic_wait32(&generation, seen, -1);
    seen = now;
    if (id < job.parts) job.task(job.arg, id, job.parts, id);
    __atomic_fetch_add(&done, 1, __ATOMIC_SEQ_CST);
  }
}

/* Emscripten provides this export; for the clang builds (the relaxed-SIMD
 * twin), here it is: each worker's instance moves its own stack pointer to the
 * stack the main thread allocated for it (web/thread-worker.js). */
#ifndef __EMSCRIPTEN__
SN_API void stackRestore(void *top) {
  __asm__ volatile(".globaltype __stack_pointer, i32\n local.get %0\n global.set __stack_pointer" : : "r"(top));
}
#endif

/* Called by the wrapper once n − 1 workers run sn_thread_worker(1..n−1). */
SN_API int sn_threads_start(int n) {
  if (n < 1 || n > SN_MAX_THREADS) return 0;
  n_threads = n;
  return 1;
}
#else
SN_API int sn_threads_start(int n) { return n == 1; }
SN_API void sn_thread_worker(int id) { (void)id; }
#endif

void sn_parallel(sn_task *task, void *arg) {
#ifdef __wasm_atomics__
  if (n_threads > 1) {
    run_parallel(task, arg);
    return;
  }
#endif
  for (int part = 0; part < test_parts; part++) task(arg, part, test_parts, 0);
}
