/* sn_parallel, the worker loop and the passes split by rows; see threads.h. */
#include "threads.h"

#include "api.h"
#include "conv_kernels.h"
#include "kernels.h"
#include "layer_norm_kernels.h"
#include "simd.h"

#include <string.h>

static int n_threads = 1;   /* threads sharing the work (multi-threaded build) */
static int test_parts = 1;  /* sequential split, for the tests */

int sn_threads_count(void) { return n_threads; }
SN_API void sn_threads_split_for_tests(int parts) { test_parts = parts < 1 ? 1 : parts; }

#ifdef __wasm_atomics__
/* One job at a time. Its parts are claimed, not assigned: whoever is free
 * (the caller or a worker) takes the next unclaimed part through `ticket`,
 * generation · 64 + parts claimed so far. When a worker is late (asleep, or
 * its core busy with another program), the caller runs the parts itself
 * instead of waiting for it; a part gives the same bits whoever runs it.
 * `done` counts the parts finished; the caller returns when all are. */
static struct {
  sn_task *task;
  void *arg;
  int parts;
} job;
static unsigned ticket;
static int done, sleepers;
enum { TICKET_PARTS = 64 }; /* > SN_MAX_THREADS */

/* Workers spin this many checks (tens of microseconds) before sleeping in
 * memory.atomic.wait, which saves the wake-up latency between the products of
 * one training step. Longer spins (2^18, about a millisecond, across the whole
 * optimizer pass) were slower when another program held one of the 2 cores:
 * the spinning worker took time slices from the caller (M1 0.73× against
 * 1.09× for 20000, alternating in one run). A late worker costs little: the
 * caller takes its part. */
enum { SPIN_CHECKS = 20000 };

/* Claims parts of the job whose ticket was t, and runs them on slot, until
 * none is left; returns the last ticket seen. Reading job.parts before the
 * claim is safe: a claim on a ticket the caller has since replaced fails. */
static unsigned run_claimed_parts(unsigned t, int slot) {
  while (t % TICKET_PARTS < (unsigned)__atomic_load_n(&job.parts, __ATOMIC_SEQ_CST)) {
    if (!__atomic_compare_exchange_n(&ticket, &t, t + 1, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) continue; /* t reloaded */
    job.task(job.arg, (int)(t % TICKET_PARTS), job.parts, slot);
    __atomic_fetch_add(&done, 1, __ATOMIC_SEQ_CST);
    t = __atomic_load_n(&ticket, __ATOMIC_SEQ_CST);
  }
  return t;
}

static void run_parallel(sn_task *task, void *arg) {
  int parts = n_threads;
  job.task = task, job.arg = arg;
  __atomic_store_n(&job.parts, parts, __ATOMIC_SEQ_CST);
  __atomic_store_n(&done, 0, __ATOMIC_SEQ_CST);
  unsigned t = (__atomic_load_n(&ticket, __ATOMIC_SEQ_CST) / TICKET_PARTS + 1) * TICKET_PARTS;
  __atomic_store_n(&ticket, t, __ATOMIC_SEQ_CST);
  /* Sequentially consistent: either we see a worker counted in `sleepers`, or
   * its wait sees the new ticket and returns at once. A notify costs
   * microseconds even with nobody waiting, so it is skipped when nobody sleeps. */
  if (__atomic_load_n(&sleepers, __ATOMIC_SEQ_CST)) __builtin_wasm_memory_atomic_notify((int *)&ticket, SN_MAX_THREADS);
  run_claimed_parts(t, 0);
  while (__atomic_load_n(&done, __ATOMIC_SEQ_CST) < parts) {
  }
}

/* Never returns: the worker's JavaScript calls it once after instantiating the
 * module on the shared memory with its own stack. A job published before the
 * worker got here is still claimable. */
SN_API void sn_thread_worker(int id) {
  for (int spins = 0;;) {
    unsigned t = __atomic_load_n(&ticket, __ATOMIC_SEQ_CST);
    if (t % TICKET_PARTS < (unsigned)__atomic_load_n(&job.parts, __ATOMIC_SEQ_CST)) {
      run_claimed_parts(t, id);
      spins = 0;
    } else if (++spins > SPIN_CHECKS) {
      __atomic_fetch_add(&sleepers, 1, __ATOMIC_SEQ_CST);
      __builtin_wasm_memory_atomic_wait32((int *)&ticket, (int)t, -1);
      __atomic_fetch_sub(&sleepers, 1, __ATOMIC_SEQ_CST);
      spins = 0;
    }
  }
}

/* Emscripten provides this export; for the clang builds (the relaxed-SIMD
 * twin), here it is: each worker's instance moves its own stack pointer to the
 * stack the main thread allocated for it (web/worker/thread-worker.js). */
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

int sn_parallel_parts(void) {
#ifdef __wasm_atomics__
  if (n_threads > 1) return n_threads;
#endif
  return test_parts;
}

void sn_parallel(sn_task *task, void *arg) {
#ifdef __wasm_atomics__
  if (n_threads > 1) {
    run_parallel(task, arg);
    return;
  }
#endif
  for (int part = 0; part < test_parts; part++) task(arg, part, test_parts, 0);
}

/* ---- passes split by rows ---------------------------------------------------
 * Row r of these passes (a sample, or a row of a matrix) depends on row r of
 * the inputs only, by the same operations whatever range holds it, so any
 * split into contiguous ranges gives the bits of one pass. */

/* Below this many floats touched (a few microseconds of work), a pass stays
 * on the caller: the fork and join would cost about as much. */
enum { PARALLEL_MIN_FLOATS = 1 << 14 };

typedef struct {
  sn_rows_task *fn;
  const void *arg;
  int rows;
} rows_job;

static void rows_part(void *arg, int part, int parts, int slot) {
  (void)slot;
  const rows_job *j = arg;
  int r0 = (int)((long long)j->rows * part / parts), r1 = (int)((long long)j->rows * (part + 1) / parts);
  if (r0 < r1) j->fn(j->arg, r0, r1);
}

/* fn(arg, r0, r1) over contiguous ranges covering [0, rows), one per part;
 * row_floats: the floats a row touches, to leave small passes on one thread. */
static void parallel_rows(sn_rows_task *fn, const void *arg, int rows, long long row_floats) {
  if (sn_threads_count() > 1 && (long long)rows * row_floats < PARALLEL_MIN_FLOATS) {
    fn(arg, 0, rows);
    return;
  }
  rows_job j = {fn, arg, rows};
  sn_parallel(rows_part, &j);
}

void sn_parallel_rows(sn_rows_task *fn, const void *arg, int rows, long long row_floats) { parallel_rows(fn, arg, rows, row_floats); }

/* The arguments of one pass; each wrapper fills the fields it needs. */
typedef struct {
  const sn_window *g;
  int act, n;
  sn_act_param ap;
  const float *in, *in2, *in3;
  float *out;
  int *arg;
} pass;

static long long in_size(const sn_window *g) { return (long long)g->h * g->w * g->c; }
static long long out_size(const sn_window *g) { return (long long)g->oh * g->ow * g->c; }
static long long cols_size(const sn_window *g) { return (long long)g->oh * g->ow * g->kh * g->kw * g->c; }

static void col2im_rows(const void *arg, int r0, int r1) {
  const pass *p = arg;
  k_col2im(p->g, r1 - r0, p->in + r0 * cols_size(p->g), p->out + r0 * in_size(p->g));
}
void sn_par_col2im(const sn_window *g, int rows, const float *cols, float *dx) {
  parallel_rows(col2im_rows, &(pass){.g = g, .in = cols, .out = dx}, rows, cols_size(g));
}

/* Pooling: arg holds offsets within a sample, so a range of samples is a
 * smaller batch. The output window has g->c channels like the input. */
static void maxpool_forward_rows(const void *arg, int r0, int r1) {
  const pass *p = arg;
  k_maxpool_forward(p->g, r1 - r0, p->in + r0 * in_size(p->g), p->out + r0 * out_size(p->g), p->arg + r0 * out_size(p->g));
}
void sn_par_maxpool_forward(const sn_window *g, int rows, const float *x, float *y, int *arg) {
  parallel_rows(maxpool_forward_rows, &(pass){.g = g, .in = x, .out = y, .arg = arg}, rows, in_size(g) + out_size(g));
}

static void maxpool_backward_rows(const void *arg, int r0, int r1) {
  const pass *p = arg;
  k_maxpool_backward(p->g, r1 - r0, p->in + r0 * out_size(p->g), p->arg + r0 * out_size(p->g), p->out + r0 * in_size(p->g));
}
void sn_par_maxpool_backward(const sn_window *g, int rows, const float *dy, const int *arg, float *dx) {
  parallel_rows(maxpool_backward_rows, &(pass){.g = g, .in = dy, .out = dx, .arg = (int *)arg}, rows, in_size(g) + out_size(g));
}

static void avgpool_forward_rows(const void *arg, int r0, int r1) {
  const pass *p = arg;
  k_avgpool_forward(p->g, r1 - r0, p->in + r0 * in_size(p->g), p->out + r0 * out_size(p->g));
}
void sn_par_avgpool_forward(const sn_window *g, int rows, const float *x, float *y) {
  parallel_rows(avgpool_forward_rows, &(pass){.g = g, .in = x, .out = y}, rows, in_size(g) + out_size(g));
}

static void avgpool_backward_rows(const void *arg, int r0, int r1) {
  const pass *p = arg;
  k_avgpool_backward(p->g, r1 - r0, p->in + r0 * out_size(p->g), p->out + r0 * in_size(p->g));
}
void sn_par_avgpool_backward(const sn_window *g, int rows, const float *dy, float *dx) {
  parallel_rows(avgpool_backward_rows, &(pass){.g = g, .in = dy, .out = dx}, rows, in_size(g) + out_size(g));
}

/* Activations: rows of n (softmax works within a row). */
static void act_forward_rows(const void *arg, int r0, int r1) {
  const pass *p = arg;
  long long o = (long long)r0 * p->n;
  k_act_forward(p->act, p->ap, r1 - r0, p->n, p->in + o, p->out + o);
}
void sn_par_act_forward(int act, sn_act_param ap, int m, int n, const float *z, float *y) {
  parallel_rows(act_forward_rows, &(pass){.act = act, .ap = ap, .n = n, .in = z, .out = y}, m, 2LL * n);
}

static void act_backward_rows(const void *arg, int r0, int r1) {
  const pass *p = arg;
  long long o = (long long)r0 * p->n;
  k_act_backward(p->act, p->ap, r1 - r0, p->n, p->in + o, p->in2 + o, p->in3 + o, p->out + o);
}
void sn_par_act_backward(int act, sn_act_param ap, int m, int n, const float *z, const float *y, const float *dy, float *dz) {
  parallel_rows(act_backward_rows, &(pass){.act = act, .ap = ap, .n = n, .in = z, .in2 = y, .in3 = dy, .out = dz}, m, 3LL * n);
}

static void bias_add_rows(const void *arg, int r0, int r1) {
  const pass *p = arg;
  k_bias_add(r1 - r0, p->n, p->out + (long long)r0 * p->n, p->in);
}
void sn_par_bias_add(int m, int n, float *y, const float *bias) {
  parallel_rows(bias_add_rows, &(pass){.n = n, .in = bias, .out = y}, m, 2LL * n);
}

/* k_col_sum split by blocks of 4 columns, each part summing its columns down
 * every row: out[j] = Σ_r x[r·n + j] from 0 in row order (then onto out[j]
 * when accumulating), lane by lane the arithmetic of k_col_sum, so its bits. */
typedef struct {
  int m, n, accumulate;
  const float *x;
  float *out;
} col_sum_pass;

static void col_sum_blocks(const void *arg, int b0, int b1) {
  const col_sum_pass *p = arg;
  int j = 4 * b0, end = 4 * b1 < p->n ? 4 * b1 : p->n;
  for (; j + 4 <= end; j += 4) {
    v4f s = v_zero();
    for (int r = 0; r < p->m; r++) s = v_add(s, v_load(p->x + (long)r * p->n + j));
    if (p->accumulate) s = v_add(s, v_load(p->out + j));
    v_store(p->out + j, s);
  }
  for (; j < end; j++) {
    float s = 0.0f;
    for (int r = 0; r < p->m; r++) s += p->x[(long)r * p->n + j];
    p->out[j] = p->accumulate ? p->out[j] + s : s;
  }
}

void sn_par_col_sum(int m, int n, const float *x, float *out, int accumulate) {
  parallel_rows(col_sum_blocks, &(col_sum_pass){m, n, accumulate, x, out}, (n + 3) / 4, 4LL * m);
}

/* Rows perm[0..count) of src (rows of n floats) into dst, split by columns
 * (blocks of 4): a thread copies the columns it reads next, its slices of the
 * first dense layer's reduction and the rows of that kernel's gradient
 * (gemm.c), so they are in its cache. The caller gathering M2's batch alone
 * took 14 µs of its 190 µs threaded step. */
typedef struct {
  int count, n;
  const float *src;
  const int *perm;
  float *dst;
} gather_pass;

static void gather_cols(const void *arg, int b0, int b1) {
  const gather_pass *p = arg;
  int c0 = 4 * b0, c1 = 4 * b1 < p->n ? 4 * b1 : p->n;
  for (int r = 0; r < p->count; r++)
    memcpy(p->dst + (long)r * p->n + c0, p->src + (long)p->perm[r] * p->n + c0, (size_t)(c1 - c0) * sizeof(float));
}
void sn_par_gather_rows(int count, int n, const float *src, const int *rows, float *dst) {
  parallel_rows(gather_cols, &(gather_pass){count, n, src, rows, dst}, (n + 3) / 4, 8LL * count);
}

/* Its columns c0 … c1 of every row, by k_scatter_add_rows on the slices: a
 * part's columns get exactly the additions, in the order, of the whole. */
static void scatter_add_cols(const void *arg, int b0, int b1) {
  const gather_pass *p = arg;
  int c0 = 4 * b0, c1 = 4 * b1 < p->n ? 4 * b1 : p->n;
  for (int r = 0; r < p->count; r++) {
    if (p->perm[r] < 0) continue;
    const float *from = p->src + (long)r * p->n + c0;
    float *to = p->dst + (long)p->perm[r] * p->n + c0;
    k_scatter_add_rows(1, c1 - c0, from, (const int[]){0}, to);
  }
}
void sn_par_scatter_add_rows(int count, int n, const float *src, const int *rows, float *dst) {
  parallel_rows(scatter_add_cols, &(gather_pass){count, n, src, rows, dst}, (n + 3) / 4, 8LL * count);
}

/* The optimizer step: what happens once per step on the caller
 * (sn_opt_begin_step), then the update of each parameter, which depends on
 * that parameter's values only, split in blocks of 16 parameters. */
static void opt_update_blocks(const void *arg, int b0, int b1) {
  const sn_opt_update *u = arg;
  int end = b1 * 16 < u->opt->n ? b1 * 16 : u->opt->n;
  k_opt_update(u, b0 * 16, end);
}

void sn_par_opt_step(sn_optimizer *opt, float *params, const float *grads) {
  sn_opt_update u;
  sn_opt_begin_step(opt, params, grads, &u);
  parallel_rows(opt_update_blocks, &u, (opt->n + 15) / 16, 16LL * (2 + opt->n_slots));
}

/* k_all_finite in the optimizer's blocks of 16, so each thread checks the
 * gradients it then reads in sn_par_opt_step (on the caller alone, M2's check
 * took 7.7 µs, twice its time on one thread: half the gradients were in the
 * other core's cache). */
typedef struct {
  long n;
  const float *v;
  int *finite;
} finite_pass;

static void finite_blocks(const void *arg, int b0, int b1) {
  const finite_pass *p = arg;
  long i0 = 16L * b0, i1 = 16L * b1 < p->n ? 16L * b1 : p->n;
  if (!k_all_finite(i1 - i0, p->v + i0)) __atomic_store_n(p->finite, 0, __ATOMIC_RELAXED);
}
int sn_par_all_finite(long n, const float *v) {
  int finite = 1;
  parallel_rows(finite_blocks, &(finite_pass){n, v, &finite}, (int)((n + 15) / 16), 16);
  return finite;
}

/* Layer normalization (layer_layer_norm.c): rows are independent, so forward
 * and dx split by rows; the parameter gradients sum down every row, so they
 * split by blocks of 4 columns (each block's sums in row order: the bits of
 * one pass). */
typedef struct {
  int n, c;
  float eps;
  const float *x, *dy, *gamma, *beta, *mean_in, *inv_in; /* mean_in, inv_in: backward reads them */
  float *mean, *inv, *out, *dgamma, *dbeta;
} ln_pass;

static void ln_forward_rows(const void *arg, int r0, int r1) {
  const ln_pass *p = arg;
  const long o = (long)r0 * p->c;
  k_ln_forward(r1 - r0, p->c, p->x + o, p->gamma, p->beta, p->eps, p->mean + r0, p->inv + r0, p->out + o);
}
void sn_par_ln_forward(int n, int c, const float *x, const float *gamma, const float *beta, float eps, float *mean,
                       float *inv, float *y) {
  parallel_rows(ln_forward_rows, &(ln_pass){.n = n, .c = c, .eps = eps, .x = x, .gamma = gamma, .beta = beta, .mean = mean, .inv = inv, .out = y},
                n, 2LL * c);
}

static void ln_backward_rows(const void *arg, int r0, int r1) {
  const ln_pass *p = arg;
  const long o = (long)r0 * p->c;
  k_ln_backward(r1 - r0, p->c, p->x + o, p->dy + o, p->mean_in + r0, p->inv_in + r0, p->gamma, p->out + o);
}
static void ln_param_blocks(const void *arg, int b0, int b1) {
  const ln_pass *p = arg;
  int j0 = 4 * b0, j1 = 4 * b1 < p->c ? 4 * b1 : p->c;
  k_ln_param_grads(p->n, j1 - j0, p->c, p->x + j0, p->dy + j0, p->mean_in, p->inv_in, p->dgamma ? p->dgamma + j0 : NULL,
                   p->dbeta ? p->dbeta + j0 : NULL);
}
void sn_par_ln_backward(int n, int c, const float *x, const float *dy, const float *mean, const float *inv,
                        const float *gamma, float *dx, float *dgamma, float *dbeta) {
  ln_pass p = {.n = n, .c = c, .x = x, .dy = dy, .gamma = gamma, .mean_in = mean, .inv_in = inv, .out = dx, .dgamma = dgamma, .dbeta = dbeta};
  if (dgamma || dbeta) parallel_rows(ln_param_blocks, &p, (c + 3) / 4, 2LL * n); /* before dx, which may overwrite dy */
  if (dx) parallel_rows(ln_backward_rows, &p, n, 3LL * c);
}
