/* Layer-normalization kernels (layer_layer_norm.c): x is n rows of c, each
 * row normalized over its own c values. Every kernel exists twice, the SIMD
 * k_ln_* (layer_norm_kernels.c) and the scalar reference ref_ln_*
 * (layer_norm_kernels_ref.c), which computes the same bits: a row's sums run
 * in four lanes (element j in lane j mod 4, in order), added as
 * (lane 0 + lane 2) + (lane 1 + lane 3) (simd.h's v_hsum); everything else is per element.
 * Row ranges and column ranges of a pass give the bits of the whole pass
 * (threads.c splits them). gamma or beta NULL: 1 or 0 (no operation). */
#ifndef SN_LAYER_NORM_KERNELS_H
#define SN_LAYER_NORM_KERNELS_H

#define SN_LN_KERNEL_LIST(P)                                                                        \
  /* Per row r: mean[r], var = Σ(x − mean)²/c, inv[r] = 1/√(var + eps);                           \
   * y = (x − mean)·inv·gamma + beta. y may equal x. */                                             \
  void P##ln_forward(int n, int c, const float *x, const float *gamma, const float *beta, float eps, \
                     float *mean, float *inv, float *y);                                            \
  /* dx of the rows: with x̂ = (x − mean)·inv and g = dy·gamma,                                     \
   * dx = inv·((g − Σg/c) − x̂·Σ(g·x̂)/c). dx may equal dy. */                                       \
  void P##ln_backward(int n, int c, const float *x, const float *dy, const float *mean, const float *inv, \
                      const float *gamma, float *dx);                                               \
  /* Columns [0, cw) of rows `stride` apart: dgamma[j] = Σ_r dy·x̂, dbeta[j] = Σ_r dy (from 0, in   \
   * row order; either may be NULL). */                                                             \
  void P##ln_param_grads(int n, int cw, int stride, const float *x, const float *dy, const float *mean, \
                         const float *inv, float *dgamma, float *dbeta);

SN_LN_KERNEL_LIST(k_)
SN_LN_KERNEL_LIST(ref_)
#endif
