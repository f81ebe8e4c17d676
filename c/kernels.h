/* Dense-layer kernels: the three matrix products of a dense layer's forward and
 * backward pass, bias add and its reduction, element-wise activations and their
 * derivatives; gathering a batch's rows and checking gradients are finite.
 *
 * Every kernel exists twice: k_* is the SIMD version (simd.h: wasm SIMD when
 * compiled with -msimd128, vector extensions natively) and ref_* is the plain
 * scalar reference it is tested against. All matrices are row-major float32 and
 * dense (leading dimension = number of columns). Buffers never alias unless a
 * comment says so. `accumulate` = 0 overwrites the output, 1 adds to it. */
#ifndef SN_KERNELS_H
#define SN_KERNELS_H
#include <math.h> /* INFINITY, in SN_ACT_PARAMETERS */

/* The activations: X(kind, value, name in the JavaScript API). scripts/gen-constants.js
 * copies this list into web/core/constants.js. */
#define SN_ACTIVATIONS(X)                                                                     \
  X(SN_ACT_LINEAR, 0, "linear")                                                               \
  X(SN_ACT_SIGMOID, 1, "sigmoid")                                                             \
  X(SN_ACT_TANH, 2, "tanh")                                                                   \
  X(SN_ACT_RELU, 3, "relu")            /* Keras' relu(x, negative_slope, max_value, threshold) */ \
  X(SN_ACT_LEAKY_RELU, 4, "leakyRelu") /* max(alpha*x, x) for 0 <= alpha <= 1 */              \
  X(SN_ACT_SOFTMAX, 5, "softmax")      /* row-wise, max-subtracted */                         \
  X(SN_ACT_ELU, 6, "elu")              /* x > 0 ? x : alpha*(e^x - 1) */                      \
  X(SN_ACT_SELU, 7, "selu")            /* scale*elu(x, alpha), Klambauer et al.'s constants */ \
  X(SN_ACT_RELU6, 8, "relu6")          /* min(max(x, 0), 6) */                                \
  X(SN_ACT_SOFTPLUS, 9, "softplus")    /* log(1 + e^x) */                                     \
  X(SN_ACT_SOFTSIGN, 10, "softsign")   /* x/(1 + |x|) */                                      \
  X(SN_ACT_SWISH, 11, "swish")         /* = silu: x*sigmoid(x) */                             \
  X(SN_ACT_MISH, 12, "mish")           /* x*tanh(softplus(x)) */                              \
  X(SN_ACT_GELU, 13, "gelu")           /* exact: x*Phi(x) = x*(1 + erf(x/sqrt 2))/2 */        \
  X(SN_ACT_GELU_NEW, 14, "geluNew")    /* tanh approximation of gelu */                       \
  X(SN_ACT_HARD_SIGMOID, 15, "hardSigmoid") /* clip(alpha*x + 1/2, 0, 1): Keras 3 alpha 1/6, TF.js 0.2 */ \
  X(SN_ACT_HARD_SILU, 16, "hardSilu")  /* = hard_swish: x*relu6(x + 3)/6 */                   \
  X(SN_ACT_EXPONENTIAL, 17, "exponential") /* e^x */                                          \
  X(SN_ACT_LOG_SOFTMAX, 18, "logSoftmax")  /* row-wise: x - max - log(sum e^(x - max)) */

/* The activations an activation spec gives a parameter ({ name: 'elu', alpha: 0.5 }):
 * X(kind, the option's name, Keras' default, least, greatest). The kernels read it
 * as alpha; leaky relu's max(alpha·x, x) holds for alpha ≤ 1 only. hardSigmoid's
 * default is Keras 3's slope, relu6(x + 3)/6 (keras/src/activations/activations.py);
 * TF.js' and Keras 2's is 0.2. scripts/gen-constants.js copies this list into
 * dist/constants.js (ACTIVATION_PARAMETER); sn_model_end_layer enforces the range. */
#define SN_ACT_PARAMETERS(X)                                 \
  X(SN_ACT_LEAKY_RELU, "alpha", 0.2, 0, 1)                   \
  X(SN_ACT_ELU, "alpha", 1, 0, INFINITY)                     \
  X(SN_ACT_HARD_SIGMOID, "slope", 1.0 / 6, 0, INFINITY)

/* Keras' and TF.js' other names for the same activations: X(kind, name). Names
 * are matched ignoring case and '_' (web/core/names.js); scripts/gen-constants.js
 * copies this list into dist/constants.js (ACTIVATION_ALIAS). */
#define SN_ACT_ALIASES(X)                                    \
  X(SN_ACT_LINEAR, "none")                                   \
  X(SN_ACT_SWISH, "silu")                                    \
  X(SN_ACT_HARD_SILU, "hardSwish")                           \
  X(SN_ACT_GELU_NEW, "geluApproximate")

/* Whether alpha is in the range SN_ACT_PARAMETERS gives act (any alpha for the others). */
int sn_act_param_fits(int act, float alpha);

/* An activation's parameters. alpha: leakyRelu's and relu's negative slope,
 * elu's alpha, hardSigmoid's slope; max_value and threshold: relu's (Keras'
 * ReLU layer; +inf and 0 when not used). The other kinds ignore them. */
typedef struct {
  float alpha, max_value, threshold;
} sn_act_param;

enum sn_activation {
#define X(kind, value, name) kind = value,
  SN_ACTIVATIONS(X)
#undef X
  SN_ACT_COUNT
};

#define SN_KERNEL_LIST(P)                                                                      \
  /* c[m×n] (+)= a[m×k] · b[k×n]           forward:  Y  = X · W   */                          \
  void P##gemm_nn(int m, int k, int n, const float *a, const float *b, float *c, int accumulate); \
  /* c[k×n] (+)= a[m×k]ᵀ · b[m×n]           backward: dW = Xᵀ · dZ */                          \
  void P##gemm_tn(int m, int k, int n, const float *a, const float *b, float *c, int accumulate); \
  /* c[m×k] (+)= a[m×n] · b[k×n]ᵀ           backward: dX = dZ · Wᵀ */                          \
  void P##gemm_nt(int m, int n, int k, const float *a, const float *b, float *c, int accumulate); \
  /* c[m×n] (row stride ldc) (+)= A[m×k] · B[k×n], A(i, p) = a[i·ars + p·acs],                \
   * B(p, j) = b[p·brs + j·bcs]: any transposes, rows of wider matrices (one head's columns).   \
   * On the calling thread alone, with the scratch of thread `slot` (threads.h): the small      \
   * products a task of sn_parallel runs in its part (the attention's per-head products). */    \
  void P##gemm_strided(int m, int k, int n, const float *a, long ars, long acs, const float *b, long brs, long bcs, \
                       float *c, long ldc, int accumulate, int slot);                                              \
  /* y[r][j] += bias[j] for every row r */                                                     \
  void P##bias_add(int m, int n, float *y, const float *bias);                                 \
  /* out[j] (+)= Σ_r x[r][j]                 backward: db = colsum(dZ) */                      \
  void P##col_sum(int m, int n, const float *x, float *out, int accumulate);                   \
  /* y = f(z), element-wise (softmax: per row of n). y may equal z (in place). */              \
  void P##act_forward(int act, sn_act_param p, int m, int n, const float *z, float *y);           \
  /* dz = dL/dz given y = f(z) and dy = dL/dy. dz may equal dy (in place).                      \
   * softmax: dz_i = y_i (dy_i - Σ_j dy_j y_j) per row; logSoftmax: dz_i = dy_i - e^y_i Σ_j dy_j. */                                     \
  void P##act_backward(int act, sn_act_param p, int m, int n, const float *z, const float *y,     \
                       const float *dy, float *dz);                                            \
  /* dst[r × n] = src[rows[r] × n] for r < count: a batch of shuffled rows */                  \
  void P##gather_rows(int count, int n, const float *src, const int *rows, float *dst);        \
  /* dst[rows[r] × n] += src[r × n] for r < count in order, skipping rows[r] < 0: an embedding's \
   * table gradient (every element sums its terms in r order, so k_ and ref_ agree bitwise) */ \
  void P##scatter_add_rows(int count, int n, const float *src, const int *rows, float *dst);   \
  /* 1 iff no v[i] (i < n) is NaN or ±Inf */                                                   \
  int P##all_finite(long n, const float *v);

SN_KERNEL_LIST(k_)
SN_KERNEL_LIST(ref_)

/* The product by a B packed once and used many times (gemm.c), on one thread,
 * with the pack buffers of thread slot `slot` (threads.h; 0 on the caller), so
 * that a part of a parallel pass can run it: k_gemm_pack_b packs b[k×n] (or,
 * transposed, b[n×k] as Bᵀ) into packed (k_gemm_packed_floats(k, n) floats);
 * k_gemm_packed gives c[m×n] (+)= a[m×k]·B with exactly the bits of k_gemm_nn
 * (k_gemm_nt when packed transposed) on any split of the rows. */
long k_gemm_packed_floats(int k, int n);
void k_gemm_pack_b(int k, int n, const float *b, int transposed, float *packed);
void k_gemm_packed(int m, int k, int n, const float *a, const float *packed, float *c, int accumulate, int slot);

#endif
