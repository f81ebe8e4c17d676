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
 *   after sn_threads_start(n), parts = n; the caller and the workers parked in
 *   sn_thread_worker() each claim the next unclaimed part until none is left
 *   (a worker that is late leaves its part to the caller), slot = the id of
 *   the thread running it (0 for the caller), so a task can keep per-thread
 *   scratch memory. The caller spins until all are done (a browser's main
 *   thread may not block). */
#ifndef SN_THREADS_H
#define SN_THREADS_H
#include "conv_kernels.h"
#include "kernels.h"
#include "optimizer.h"

enum { SN_MAX_THREADS = 16 };

typedef void sn_task(void *arg, int part, int parts, int slot);

void sn_parallel(sn_task *task, void *arg);
/* The parts sn_parallel cuts a job into now. */
int sn_parallel_parts(void);
/* Threads sharing the work now: 1 unless sn_threads_start() set more. */
int sn_threads_count(void);
void sn_threads_split_for_tests(int parts);

/* fn(arg, r0, r1) over contiguous ranges covering [0, rows), one per part
 * (on the caller alone when rows × row_floats, the floats the pass touches,
 * is too small to share). The same bits for any split when row r's result
 * depends on row r alone. */
typedef void sn_rows_task(const void *arg, int r0, int r1);
void sn_parallel_rows(sn_rows_task *fn, const void *arg, int rows, long long row_floats);

/* Passes split by rows (samples, or rows of a matrix) across the threads,
 * with exactly the bits of the k_* kernel they call (conv_kernels.h,
 * kernels.h) on the whole batch. Small passes stay on the caller. */
void sn_par_col2im(const sn_window *g, int rows, const float *cols, float *dx);
void sn_par_maxpool_forward(const sn_window *g, int rows, const float *x, float *y, int *arg);
void sn_par_maxpool_backward(const sn_window *g, int rows, const float *dy, const int *arg, float *dx);
void sn_par_avgpool_forward(const sn_window *g, int rows, const float *x, float *y);
void sn_par_avgpool_backward(const sn_window *g, int rows, const float *dy, float *dx);
/* The depthwise convolution (c/depthwise.c): samples split for forward and backward, channels for wgrad. */
void sn_par_depthwise_forward(const sn_window *g, int rows, int dm, const float *x, const float *w, const float *bias, float *z);
void sn_par_depthwise_backward(const sn_window *g, int rows, int dm, const float *dz, const float *w, float *dx);
void sn_par_depthwise_wgrad(const sn_window *g, int rows, int dm, const float *x, const float *dz, float *dw, float *db);
void sn_par_act_forward(int act, sn_act_param ap, int m, int n, const float *z, float *y);
void sn_par_act_backward(int act, sn_act_param ap, int m, int n, const float *z, const float *y, const float *dy, float *dz);
void sn_par_bias_add(int m, int n, float *y, const float *bias);
/* k_gather_rows split by columns. */
void sn_par_gather_rows(int count, int n, const float *src, const int *rows, float *dst);
/* k_scatter_add_rows split by columns: every element still sums in row order (the same bits). */
void sn_par_scatter_add_rows(int count, int n, const float *src, const int *rows, float *dst);
void sn_par_col_sum(int m, int n, const float *x, float *out, int accumulate);
/* sn_opt_step, its per-parameter update split by ranges (the same bits). */
void sn_par_opt_step(sn_optimizer *opt, float *params, const float *grads);
/* k_all_finite split as sn_par_opt_step splits the parameters. */
int sn_par_all_finite(long n, const float *v);

/* Layer normalization over rows of c (layer_norm_kernels.h): forward and dx by rows, dgamma and dbeta
 * (NULL: not wanted) by columns; dx may be NULL (no input gradient), or dy itself. */
void sn_par_ln_forward(int n, int c, const float *x, const float *gamma, const float *beta, float eps, float *mean,
                       float *inv, float *y);
void sn_par_ln_backward(int n, int c, const float *x, const float *dy, const float *mean, const float *inv,
                        const float *gamma, float *dx, float *dgamma, float *dbeta);

/* Exported to the wrapper (multi-threaded build only; see web/core/threads.js). */
int sn_threads_start(int n);
void sn_thread_worker(int id);
#endif
