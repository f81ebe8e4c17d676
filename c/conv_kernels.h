/* Kernels of the convolutional layers: im2col / col2im around the packed GEMM,
 * max and average pooling (windowed and global), batch-normalization moments,
 * forward and backward. The contract agreed between the kernels and the layers
 * (/work/notes/conv_kernels_contract.h); the layers call these, nothing else.
 *
 * Layout: NHWC (channels-last), row-major float32, one sample after another:
 * element (n, y, x, ci) of a rows × h × w × c tensor is at ((n·h + y)·w + x)·c + ci.
 * Every kernel exists twice, as in c/kernels.h: k_* (SIMD over simd.h, in im2col.c,
 * pool_kernels.c, norm_kernels.c) and ref_* (the plainest scalar loops, the ground
 * truth, in conv_kernels_ref.c), declared through one SN_CONV_KERNEL_LIST(P) macro.
 * Buffers never alias unless a comment says so.
 *
 * Results depend on nothing but the sizes: every sum runs in a fixed order (same
 * bits every run, and the threaded build must match). k_* and ref_* even use the
 * same order, so each k_* returns exactly the bits of its ref_* (test_conv_kernels.c
 * checks that with memcmp); only NaN payloads might differ. */
#ifndef SN_CONV_KERNELS_H
#define SN_CONV_KERNELS_H

/* Geometry of a 2-D window sweep (convolution or pooling) over NHWC data.
 * Output cell (oy, ox) reads input rows oy·sh + ky·dh − pt and columns
 * ox·sw + kx·dw − pl for ky < kh, kx < kw; cells outside the input are padding. */
typedef struct {
  int h, w, c;  /* input height, width, channels (per sample) */
  int kh, kw;   /* window height, width */
  int sh, sw;   /* strides */
  int dh, dw;   /* dilation (1 for pooling) */
  int pt, pl;   /* padding before the first row / the first column */
  int oh, ow;   /* output height, width */
} sn_window;

/* How a sweep pads its input (Keras' padding option), by its name in the API. */
#define SN_PADDINGS(X)                                                                            \
  X(SN_PAD_VALID, 0, "valid")                                                                     \
  X(SN_PAD_SAME, 1, "same")                                                                       \
  X(SN_PAD_CAUSAL, 2, "causal")
enum sn_padding {
#define X(kind, value, name) kind = value,
  SN_PADDINGS(X)
#undef X
  SN_PAD_COUNT
};

/* Fills g the way TensorFlow sizes its outputs (ek = (kh−1)·dh + 1, the dilated extent):
 *   'valid'  (SN_PAD_VALID): oh = ceil((h − ek + 1) / sh), no padding;
 *   'same'   (SN_PAD_SAME): oh = ceil(h / sh), total padding
 *            max((oh−1)·sh + ek − h, 0), pt = total / 2 (the odd one at the bottom);
 *   'causal' (SN_PAD_CAUSAL): oh = ceil(h / sh), pt = ek − 1 and nothing after, so
 *            output oy reads inputs up to oy·sh only (Keras' Conv1D: keras/src/ops/nn.py
 *            pads (kernel_size − 1)·dilation_rate on the left, then convolves 'valid');
 * the same for widths. Returns 1, or 0 (g untouched) when an argument is < 1 or the
 * padding unknown, the output would be empty, or h·w·c or oh·ow·kh·kw·c (the im2col
 * row block of one sample; its offsets and maxpool's arg are ints) would overflow an int. */
int sn_window_init(sn_window *g, int h, int w, int c, int kh, int kw, int sh, int sw, int dh, int dw, int padding);

/* bn_moments and bn_backward sum n rows in blocks of SN_BN_BLOCK: each block into
 * a fresh partial sum, the partials into the total, in row order. Still a fixed
 * order, with a tenth of the rounding of one running sum over the 86,528 rows of
 * an M5 conv batch: mean and variance within 1.1e-6 relative of double
 * (test_conv_kernels.c). */
#define SN_BN_BLOCK 128

/* The geometry of the same sweep over the input padded by k_pad: gp reads a
 * (pt + h + bottom) × (pl + w + right) input with no padding, where bottom and
 * right are the padding cells the last windows reach (0 for 'valid'). Returns 1
 * when g has padding (the layer must pad), 0 when gp is g. */
int sn_window_unpadded(const sn_window *g, sn_window *gp);

#define SN_CONV_KERNEL_LIST(P)                                                                           \
  /* im2col: cols[(n·oh + oy)·ow + ox][(ky·kw + kx)·c + ci]                                              \
   *         = x[n][oy·sh + ky·dh − pt][ox·sw + kx·dw − pl][ci], 0 where that is outside the input.     \
   * x: rows × h × w × c; cols: (rows·oh·ow) × (kh·kw·c), every entry written. Row p of the conv kernel \
   * [kh][kw][c][filters] (Keras' layout, flattened to (kh·kw·c) × filters) matches column p of cols,   \
   * so y = k_gemm_nn(cols, kernel) is the convolution, already NHWC. */                                \
  void P##im2col(const sn_window *g, int rows, const float *x, float *cols);                             \
  /* col2im, the adjoint of im2col: dx[n][y][x][ci] = Σ of every cols entry im2col copied from there,    \
   * added in cols order (row by row, within a row by column); entries that im2col zero-filled are      \
   * ignored. dx (rows × h × w × c) is overwritten; cells no window reads get 0. */                      \
  void P##col2im(const sn_window *g, int rows, const float *cols, float *dx);                            \
  /* The convolution's two products on the columns without writing them (the packed GEMM reads x):      \
   *   conv_forward: z[rows·oh·ow × filters] = im2col(x) · w[0..K) (+ w[K], the bias row, when bias),     \
   *   conv_wgrad:   dw[K × filters] = im2col(x)ᵀ · dz (+ row K = Σ dz over the positions, when bias),    \
   * K = kh·kw·c, w and dw as Keras' kernel [kh][kw][c][filters] (the bias right after, as in the        \
   * parameters). The k_* need a g without padding (sn_window_unpadded, k_pad); ref_* take any g. Sums   \
   * run in the order of k_gemm_nn / k_gemm_tn on the columns with a column of ones.  */                 \
  void P##conv_forward(const sn_window *g, int rows, int filters, const float *x, const float *w, int bias, \
                       float *z);                                                                        \
  void P##conv_wgrad(const sn_window *g, int rows, int filters, const float *x, const float *dz, int bias,  \
                     float *dw);                                                                         \
  /* xp[rows × hp × wp × c] = x with g's padding around it as zeros (sn_window_unpadded's input). */    \
  void P##pad(const sn_window *g, int rows, const float *x, float *xp);                                   \
  /* Depthwise convolution (c/depthwise.c), g->c input channels, dm outputs per channel: output       \
   * channel o = ci·dm + m reads input channel ci = o / dm (TensorFlow's order, tf.nn.depthwise_conv2d);\
   * w is Keras' depthwise_kernel [kh][kw][c][dm], i.e. [taps][c·dm]. Padding cells are skipped.        \
   *   forward:  z[n][oy][ox][o] = Σ_(ky,kx) x[n][iy][ix][o/dm]·w[ky][kx][o] in scan order, then         \
   *             + bias[o] (bias NULL: none). z: rows × oh × ow × c·dm.                                   \
   *   backward: dx (rows × h × w × c, overwritten) = Σ dz·w scattered back, in the order (n, oy, ox,     \
   *             ky, kx, m) of the output cells.                                                         \
   *   wgrad:    dw[tap][o] = Σ x·dz over the output cells in order (n, oy, ox), padding skipped;         \
   *             db[o] = Σ dz in the same order (db NULL: none). Both overwritten. */                     \
  void P##depthwise_forward(const sn_window *g, int rows, int dm, const float *x, const float *w,        \
                            const float *bias, float *z);                                                \
  void P##depthwise_backward(const sn_window *g, int rows, int dm, const float *dz, const float *w,      \
                             float *dx);                                                                 \
  void P##depthwise_wgrad(const sn_window *g, int rows, int dm, const float *x, const float *dz,         \
                          float *dw, float *db);                                                         \
  /* Max pooling (g->c channels; dilation must be 1): y[n][oy][ox][ci] = max over the window cells     \
   * that lie inside the input (padding never wins); arg[same index] = the offset within the sample,    \
   * (y·w + x)·c + ci, of the FIRST maximum in (ky, kx) scan order (a later cell must be strictly       \
   * greater to win, as in TF.js). y, arg: rows × oh × ow × c. */                                          \
  void P##maxpool_forward(const sn_window *g, int rows, const float *x, float *y, int *arg);             \
  /* dx (rows × h × w × c) overwritten: dx[arg] += dy for every output cell in order (windows may       \
   * overlap); cells that are no window's maximum get 0. */                                             \
  void P##maxpool_backward(const sn_window *g, int rows, const float *dy, const int *arg, float *dx);    \
  /* Average pooling (dilation 1): the sum over the window cells inside the input in scan order,         \
   * divided by their count (TF: padding is not counted). Backward is its exact adjoint: every cell of  \
   * the window gets dy / count, added in output order; dx overwritten. */                               \
  void P##avgpool_forward(const sn_window *g, int rows, const float *x, float *y);                       \
  void P##avgpool_backward(const sn_window *g, int rows, const float *dy, float *dx);                    \
  /* Global pooling over hw positions: x rows × hw × c → y rows × c. avg: Σ_p x / hw in p order;        \
   * max and arg as for max pooling (arg = offset within the sample, p·c + ci, of the first maximum).   \
   * dx (rows × hw × c) overwritten. */                                                                  \
  void P##global_avgpool_forward(int rows, int hw, int c, const float *x, float *y);                      \
  void P##global_avgpool_backward(int rows, int hw, int c, const float *dy, float *dx);                   \
  void P##global_maxpool_forward(int rows, int hw, int c, const float *x, float *y, int *arg);             \
  void P##global_maxpool_backward(int rows, int hw, int c, const float *dy, const int *arg, float *dx);   \
  /* Batch normalization over n rows of c channels (n = batch for a dense input, batch·h·w for a conv   \
   * input). Moments, two passes in float (sums blocked by SN_BN_BLOCK):                                \
   * mean[j] = Σ_r x[r][j] / n, var[j] = Σ_r (x[r][j] − mean[j])² / n (biased, as Keras uses). */       \
  void P##bn_moments(int n, int c, const float *x, float *mean, float *var);                              \
  /* xhat = (x − mean)·inv_std, y = gamma·xhat + beta per channel (in that order of operations); xhat   \
   * is also written when not NULL (training keeps it for backward). gamma NULL means 1, beta NULL      \
   * means 0 (center/scale off). y may alias x. */                                                       \
  void P##bn_forward(int n, int c, const float *x, const float *mean, const float *inv_std,               \
                     const float *gamma, const float *beta, float *xhat, float *y);                       \
  /* Training-mode backward through the batch statistics:                                               \
   *   dbeta[j] = Σ_r dy[r][j], dgamma[j] = Σ_r dy[r][j]·xhat[r][j] (both overwritten; either may be    \
   *   NULL when that parameter does not exist),                                                        \
   *   dx = (gamma or 1)·inv_std / n · (n·dy − Σdy − xhat·Σ(dy·xhat)), computed as                      \
   *   ((gamma or 1)·inv_std)·((dy − Σdy/n) − xhat·(Σ(dy·xhat)/n)). dx may alias dy. */                  \
  void P##bn_backward(int n, int c, const float *dy, const float *xhat, const float *inv_std,             \
                      const float *gamma, float *dx, float *dgamma, float *dbeta);

SN_CONV_KERNEL_LIST(k_)
SN_CONV_KERNEL_LIST(ref_)

#endif
