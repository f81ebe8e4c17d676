/* Gate by gate products under per-gate dropout masks (rnn_gates.h). */
#include "rnn_gates.h"

#include "kernels.h"
#include "threads.h"
#include <string.h>

void sn_gates_split(int m, int k, int units, const float *w, float *blocks) {
  for (long i = 0; i < m; i++)
    for (int g = 0; g < k; g++) memcpy(blocks + ((long)g * m + i) * units, w + (i * k + g) * units, (size_t)units * sizeof(float));
}

void sn_gates_join(int m, int k, int units, const float *blocks, float *w) {
  for (long i = 0; i < m; i++)
    for (int g = 0; g < k; g++) memcpy(w + (i * k + g) * units, blocks + ((long)g * m + i) * units, (size_t)units * sizeof(float));
}

/* dst[i, :cols] = (or +=) src[i, :cols] (⊙ mask[i mod R, :cols]), each with its own row stride. */
typedef struct {
  int cols, R, accumulate;
  const float *src, *mask;
  int ld_src, ld_mask, ld_dst;
  float *dst;
} row_op;

static void op_rows(const void *arg, int r0, int r1) {
  const row_op *p = arg;
  for (long i = r0; i < r1; i++) {
    const float *s = p->src + i * p->ld_src, *mk = p->mask ? p->mask + (i % p->R) * p->ld_mask : NULL;
    float *d = p->dst + i * p->ld_dst;
    if (mk && p->accumulate)
      for (int j = 0; j < p->cols; j++) d[j] += s[j] * mk[j];
    else if (mk)
      for (int j = 0; j < p->cols; j++) d[j] = s[j] * mk[j];
    else if (p->accumulate)
      for (int j = 0; j < p->cols; j++) d[j] += s[j];
    else
      memcpy(d, s, (size_t)p->cols * sizeof(float));
  }
}

static void run(int n, row_op op) { sn_parallel_rows(op_rows, &op, n, 2LL * op.cols); }

void sn_gates_masked(const sn_gates *g, int gate, const float *src, float *dst, int accumulate) {
  run(g->n, (row_op){g->m, g->R, accumulate, src, g->mask ? g->mask + (long)gate * g->m : NULL, g->m, g->ld, g->m, dst});
}

/* tg ← dz[:, gate] */
static void gather(const sn_gates *g, int gate, const float *dz, int ld_dz) {
  run(g->n, (row_op){g->units, 1, 0, dz + (long)gate * g->units, NULL, ld_dz, 0, g->units, g->tg});
}

void sn_gates_forward(const sn_gates *g, const float *a, const float *blocks, float *out, int ld_out, int accumulate) {
  const long block = (long)g->m * g->units;
  for (int gate = 0; gate < g->k; gate++) {
    sn_gates_masked(g, gate, a, g->ta, 0);
    k_gemm_nn(g->n, g->m, g->units, g->ta, blocks + gate * block, g->tg, 0);
    run(g->n, (row_op){g->units, 1, accumulate, g->tg, NULL, g->units, 0, ld_out, out + (long)gate * g->units});
  }
}

void sn_gates_wgrad(const sn_gates *g, const float *a, const float *dz, int ld_dz, float *dblocks, int accumulate) {
  const long block = (long)g->m * g->units;
  for (int gate = 0; gate < g->k; gate++) {
    sn_gates_masked(g, gate, a, g->ta, 0);
    gather(g, gate, dz, ld_dz);
    k_gemm_tn(g->n, g->m, g->units, g->ta, g->tg, dblocks + gate * block, accumulate);
  }
}

void sn_gates_dgrad(const sn_gates *g, const float *dz, int ld_dz, const float *blocks, float *da, int accumulate) {
  const long block = (long)g->m * g->units;
  for (int gate = 0; gate < g->k; gate++) {
    gather(g, gate, dz, ld_dz);
    k_gemm_nt(g->n, g->units, g->m, g->tg, blocks + gate * block, g->ta, 0);
    sn_gates_masked(g, gate, g->ta, da, accumulate || gate > 0);
  }
}
