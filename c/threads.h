/* Fork-join over a fixed number of parts, for the multi-threaded build.
 *
 * sn_parallel(task, arg) calls task(arg, part, parts, slot) for every part in
 * [0, parts) and returns when all have finished. Which part a thread runs and
 * how the work is split depend only on `parts`, never on timing, so a task
 * whose parts write disjoint outputs with a per-element arithmetic that does
 * not depend on the split gives bit-identical results with any thread count.
 *
 * - Single-threaded builds (and native builds): parts run one after another on
 *   the caller, slot 0. parts = 1, or what sn_threads_split_for_tests() set, so
 *   the native tests check that splitting changes no bit.
 * - The multi-threaded wasm build (-matomics, shared memory; dist/simdnet-mt.wasm):
 *   after sn_threads_start(n), part 0 runs on the caller and parts 1..n-1 on the
 *   workers parked in sn_thread_worker(); slot = the worker's id, so a task can
 *   keep per-thread scratch memory. The caller spins until all are done (a
 *   browser's main thread may not block). */
#ifndef SN_THREADS_H
#define SN_THREADS_H

enum { SN_MAX_THREADS = 16 };

typedef void sn_task(void *arg, int part, int parts, int slot);

void sn_parallel(sn_task *task, void *arg);
/* Threads sharing the work now: 1 unless sn_threads_start() set more. */
int sn_threads_count(void);
void sn_threads_split_for_tests(int parts);

/* Exported to the wrapper (multi-threaded build only; see web/threads.js). */
int sn_threads_start(int n);
void sn_thread_worker(int id);
#endif
