/* Scalar references (ref_*) of the convolution, pooling and batch-norm kernels
 * of conv_kernels.h: the most direct loops of each definition, one output
 * element at a time, and the ground truth the SIMD k_* are tested against.
 * Speed is not a goal. They sum in the order conv_kernels.h states, which is
 * the order the k_* use too, so the two agree bit for bit.
 *
 * Kept apart from kernels_ref.c (the dense kernels' references) so that each
 * reference file mirrors one header. */
#include "conv_kernels.h"

/* The input cell a window cell reads, or 0 when it is padding. */
static int window_cell(const sn_window *g, int oy, int ox, int ky, int kx, int *iy, int *ix) {
  *iy = oy * g->sh + ky * g->dh - g->pt;
  *ix = ox * g->sw + kx * g->dw - g->pl;
  return *iy >= 0 && *iy < g->h && *ix >= 0 && *ix < g->w;
}

static long sample_size(const sn_window *g) { return (long)g->h * g->w * g->c; }
static long output_size(const sn_window *g) { return (long)g->oh * g->ow * g->c; }

/* ---- im2col / col2im -------------------------------------------------------- */

void ref_im2col(const sn_window *g, int rows, const float *x, float *cols) {
  const int c = g->c, K = g->kh * g->kw * c;
  for (int n = 0; n < rows; n++)
    for (int oy = 0; oy < g->oh; oy++)
      for (int ox = 0; ox < g->ow; ox++) {
        float *row = cols + (((long)n * g->oh + oy) * g->ow + ox) * K;
        for (int ky = 0; ky < g->kh; ky++)
          for (int kx = 0; kx < g->kw; kx++)
            for (int ci = 0; ci < c; ci++) {
              int iy, ix;
              int inside = window_cell(g, oy, ox, ky, kx, &iy, &ix);
              row[(ky * g->kw + kx) * c + ci] =
                  inside ? x[n * sample_size(g) + ((long)iy * g->w + ix) * c + ci] : 0.0f;
            }
      }
}

void ref_col2im(const sn_window *g, int rows, const float *cols, float *dx) {
  const int c = g->c, K = g->kh * g->kw * c;
  for (long i = 0; i < rows * sample_size(g); i++) dx[i] = 0.0f;
  for (int n = 0; n < rows; n++)
    for (int oy = 0; oy < g->oh; oy++)
      for (int ox = 0; ox < g->ow; ox++) {
        const float *row = cols + (((long)n * g->oh + oy) * g->ow + ox) * K;
        for (int ky = 0; ky < g->kh; ky++)
          for (int kx = 0; kx < g->kw; kx++)
            for (int ci = 0; ci < c; ci++) {
              int iy, ix;
              if (window_cell(g, oy, ox, ky, kx, &iy, &ix))
                dx[n * sample_size(g) + ((long)iy * g->w + ix) * c + ci] += row[(ky * g->kw + kx) * c + ci];
            }
      }
}

/* ---- the convolution's products ---------------------------------------------- */

/* Column tap of output position pos (n, oy, ox): x there, or 0 on padding. */
static float column(const sn_window *g, const float *x, long pos, int tap) {
  const int c = g->c, per_sample = g->oh * g->ow, ci = tap % c, kx = tap / c % g->kw, ky = tap / c / g->kw;
  const int n = (int)(pos / per_sample), oy = (int)(pos % per_sample) / g->ow, ox = (int)(pos % per_sample) % g->ow;
  int iy, ix;
  return window_cell(g, oy, ox, ky, kx, &iy, &ix) ? x[n * sample_size(g) + ((long)iy * g->w + ix) * c + ci] : 0.0f;
}

void ref_conv_forward(const sn_window *g, int rows, int filters, const float *x, const float *w, int bias, float *z) {
  const int K = g->kh * g->kw * g->c;
  for (long pos = 0; pos < (long)rows * g->oh * g->ow; pos++)
    for (int f = 0; f < filters; f++) {
      float s = 0.0f;
      for (int tap = 0; tap < K; tap++) s += column(g, x, pos, tap) * w[(long)tap * filters + f];
      if (bias) s += w[(long)K * filters + f];
      z[pos * filters + f] = s;
    }
}

void ref_conv_wgrad(const sn_window *g, int rows, int filters, const float *x, const float *dz, int bias, float *dw) {
  const int K = g->kh * g->kw * g->c;
  const long P = (long)rows * g->oh * g->ow;
  for (int tap = 0; tap < K; tap++)
    for (int f = 0; f < filters; f++) {
      float s = 0.0f;
      for (long pos = 0; pos < P; pos++) s += column(g, x, pos, tap) * dz[pos * filters + f];
      dw[(long)tap * filters + f] = s;
    }
  if (bias)
    for (int f = 0; f < filters; f++) {
      float s = 0.0f;
      for (long pos = 0; pos < P; pos++) s += dz[pos * filters + f];
      dw[(long)K * filters + f] = s;
    }
}

void ref_pad(const sn_window *g, int rows, const float *x, float *xp) {
  sn_window gp;
  sn_window_unpadded(g, &gp);
  for (int n = 0; n < rows; n++)
    for (int y = 0; y < gp.h; y++)
      for (int xx = 0; xx < gp.w; xx++)
        for (int ci = 0; ci < g->c; ci++) {
          const int iy = y - g->pt, ix = xx - g->pl, inside = iy >= 0 && iy < g->h && ix >= 0 && ix < g->w;
          xp[(((long)n * gp.h + y) * gp.w + xx) * g->c + ci] = inside ? x[n * sample_size(g) + ((long)iy * g->w + ix) * g->c + ci] : 0.0f;
        }
}

/* ---- windowed pooling --------------------------------------------------------- */

void ref_maxpool_forward(const sn_window *g, int rows, const float *x, float *y, int *arg) {
  const int c = g->c;
  for (int n = 0; n < rows; n++)
    for (int oy = 0; oy < g->oh; oy++)
      for (int ox = 0; ox < g->ow; ox++)
        for (int ci = 0; ci < c; ci++) {
          float best = 0.0f;
          int at = -1;
          for (int ky = 0; ky < g->kh; ky++)
            for (int kx = 0; kx < g->kw; kx++) {
              int iy, ix;
              if (!window_cell(g, oy, ox, ky, kx, &iy, &ix)) continue;
              int off = (iy * g->w + ix) * c + ci;
              float v = x[n * sample_size(g) + off];
              if (at < 0 || v > best) best = v, at = off; /* ties keep the first */
            }
          long o = n * output_size(g) + ((long)oy * g->ow + ox) * c + ci;
          y[o] = best;
          arg[o] = at;
        }
}

void ref_maxpool_backward(const sn_window *g, int rows, const float *dy, const int *arg, float *dx) {
  for (long i = 0; i < rows * sample_size(g); i++) dx[i] = 0.0f;
  for (int n = 0; n < rows; n++)
    for (long o = 0; o < output_size(g); o++)
      dx[n * sample_size(g) + arg[n * output_size(g) + o]] += dy[n * output_size(g) + o];
}

/* Window cells inside the input; never 0 for a geometry from sn_window_init
 * with dilation 1. */
static int window_count(const sn_window *g, int oy, int ox) {
  int count = 0;
  for (int ky = 0; ky < g->kh; ky++)
    for (int kx = 0; kx < g->kw; kx++) {
      int iy, ix;
      count += window_cell(g, oy, ox, ky, kx, &iy, &ix);
    }
  return count;
}

void ref_avgpool_forward(const sn_window *g, int rows, const float *x, float *y) {
  const int c = g->c;
  for (int n = 0; n < rows; n++)
    for (int oy = 0; oy < g->oh; oy++)
      for (int ox = 0; ox < g->ow; ox++)
        for (int ci = 0; ci < c; ci++) {
          float s = 0.0f;
          for (int ky = 0; ky < g->kh; ky++)
            for (int kx = 0; kx < g->kw; kx++) {
              int iy, ix;
              if (window_cell(g, oy, ox, ky, kx, &iy, &ix))
                s += x[n * sample_size(g) + ((long)iy * g->w + ix) * c + ci];
            }
          y[n * output_size(g) + ((long)oy * g->ow + ox) * c + ci] = s / (float)window_count(g, oy, ox);
        }
}

void ref_avgpool_backward(const sn_window *g, int rows, const float *dy, float *dx) {
  const int c = g->c;
  for (long i = 0; i < rows * sample_size(g); i++) dx[i] = 0.0f;
  for (int n = 0; n < rows; n++)
    for (int oy = 0; oy < g->oh; oy++)
      for (int ox = 0; ox < g->ow; ox++)
        for (int ci = 0; ci < c; ci++) {
          float share = dy[n * output_size(g) + ((long)oy * g->ow + ox) * c + ci] /
                        (float)window_count(g, oy, ox);
          for (int ky = 0; ky < g->kh; ky++)
            for (int kx = 0; kx < g->kw; kx++) {
              int iy, ix;
              if (window_cell(g, oy, ox, ky, kx, &iy, &ix))
                dx[n * sample_size(g) + ((long)iy * g->w + ix) * c + ci] += share;
            }
        }
}

/* ---- global pooling ------------------------------------------------------------ */

void ref_global_avgpool_forward(int rows, int hw, int c, const float *x, float *y) {
  for (int n = 0; n < rows; n++)
    for (int ci = 0; ci < c; ci++) {
      float s = 0.0f;
      for (int p = 0; p < hw; p++) s += x[((long)n * hw + p) * c + ci];
      y[(long)n * c + ci] = s / (float)hw;
    }
}

void ref_global_avgpool_backward(int rows, int hw, int c, const float *dy, float *dx) {
  for (int n = 0; n < rows; n++)
    for (int p = 0; p < hw; p++)
      for (int ci = 0; ci < c; ci++) dx[((long)n * hw + p) * c + ci] = dy[(long)n * c + ci] / (float)hw;
}

void ref_global_maxpool_forward(int rows, int hw, int c, const float *x, float *y, int *arg) {
  for (int n = 0; n < rows; n++)
    for (int ci = 0; ci < c; ci++) {
      float best = x[(long)n * hw * c + ci];
      int at = ci;
      for (int p = 1; p < hw; p++) {
        float v = x[((long)n * hw + p) * c + ci];
        if (v > best) best = v, at = p * c + ci;
      }
      y[(long)n * c + ci] = best;
      arg[(long)n * c + ci] = at;
    }
}

void ref_global_maxpool_backward(int rows, int hw, int c, const float *dy, const int *arg, float *dx) {
  for (long i = 0; i < (long)rows * hw * c; i++) dx[i] = 0.0f;
  for (int n = 0; n < rows; n++)
    for (int ci = 0; ci < c; ci++) dx[(long)n * hw * c + arg[(long)n * c + ci]] += dy[(long)n * c + ci];
}

/* ---- batch normalization ----------------------------------------------------------- */

void ref_bn_moments(int n, int c, const float *x, float *mean, float *var) {
  for (int j = 0; j < c; j++) {
    float s = 0.0f;
    for (int r0 = 0; r0 < n; r0 += SN_BN_BLOCK) {
      float part = 0.0f;
      for (int r = r0; r < n && r < r0 + SN_BN_BLOCK; r++) part += x[(long)r * c + j];
      s += part;
    }
    mean[j] = s / (float)n;
    s = 0.0f;
    for (int r0 = 0; r0 < n; r0 += SN_BN_BLOCK) {
      float part = 0.0f;
      for (int r = r0; r < n && r < r0 + SN_BN_BLOCK; r++) {
        float d = x[(long)r * c + j] - mean[j];
        part += d * d;
      }
      s += part;
    }
    var[j] = s / (float)n;
  }
}

void ref_bn_forward(int n, int c, const float *x, const float *mean, const float *inv_std,
                    const float *gamma, const float *beta, float *xhat, float *y) {
  for (long i = 0; i < (long)n * c; i++) {
    int j = (int)(i % c);
    float xh = (x[i] - mean[j]) * inv_std[j];
    if (xhat) xhat[i] = xh;
    float v = gamma ? gamma[j] * xh : xh;
    y[i] = beta ? v + beta[j] : v;
  }
}

void ref_bn_backward(int n, int c, const float *dy, const float *xhat, const float *inv_std,
                     const float *gamma, float *dx, float *dgamma, float *dbeta) {
  for (int j = 0; j < c; j++) {
    float sdy = 0.0f, sdyx = 0.0f;
    for (int r0 = 0; r0 < n; r0 += SN_BN_BLOCK) {
      float pdy = 0.0f, pdyx = 0.0f;
      for (int r = r0; r < n && r < r0 + SN_BN_BLOCK; r++) {
        long i = (long)r * c + j;
        pdy += dy[i];
        pdyx += dy[i] * xhat[i];
      }
      sdy += pdy, sdyx += pdyx;
    }
    if (dbeta) dbeta[j] = sdy;
    if (dgamma) dgamma[j] = sdyx;
    float mdy = sdy / (float)n, mdyx = sdyx / (float)n;
    float scale = gamma ? gamma[j] * inv_std[j] : inv_std[j];
    for (int r = 0; r < n; r++) {
      long i = (long)r * c + j;
      dx[i] = scale * ((dy[i] - mdy) - xhat[i] * mdyx);
    }
  }
}

/* ---- depthwise convolution ------------------------------------------------------- */

static long depthwise_out(const sn_window *g, int dm) { return (long)g->oh * g->ow * g->c * dm; }

void ref_depthwise_forward(const sn_window *g, int rows, int dm, const float *x, const float *w, const float *bias, float *z) {
  const int C = g->c * dm;
  for (int n = 0; n < rows; n++)
    for (int oy = 0; oy < g->oh; oy++)
      for (int ox = 0; ox < g->ow; ox++)
        for (int o = 0; o < C; o++) {
          float s = 0.0f;
          for (int ky = 0; ky < g->kh; ky++)
            for (int kx = 0; kx < g->kw; kx++) {
              int iy, ix;
              if (window_cell(g, oy, ox, ky, kx, &iy, &ix))
                s += x[n * sample_size(g) + ((long)iy * g->w + ix) * g->c + o / dm] * w[(long)(ky * g->kw + kx) * C + o];
            }
          if (bias) s += bias[o];
          z[n * depthwise_out(g, dm) + ((long)oy * g->ow + ox) * C + o] = s;
        }
}

void ref_depthwise_backward(const sn_window *g, int rows, int dm, const float *dz, const float *w, float *dx) {
  const int C = g->c * dm;
  for (long i = 0; i < rows * sample_size(g); i++) dx[i] = 0.0f;
  for (int n = 0; n < rows; n++)
    for (int oy = 0; oy < g->oh; oy++)
      for (int ox = 0; ox < g->ow; ox++)
        for (int ky = 0; ky < g->kh; ky++)
          for (int kx = 0; kx < g->kw; kx++) {
            int iy, ix;
            if (!window_cell(g, oy, ox, ky, kx, &iy, &ix)) continue;
            for (int o = 0; o < C; o++)
              dx[n * sample_size(g) + ((long)iy * g->w + ix) * g->c + o / dm] +=
                  dz[n * depthwise_out(g, dm) + ((long)oy * g->ow + ox) * C + o] * w[(long)(ky * g->kw + kx) * C + o];
          }
}

void ref_depthwise_wgrad(const sn_window *g, int rows, int dm, const float *x, const float *dz, float *dw, float *db) {
  const int C = g->c * dm;
  for (int ky = 0; ky < g->kh; ky++)
    for (int kx = 0; kx < g->kw; kx++)
      for (int o = 0; o < C; o++) {
        float s = 0.0f;
        for (int n = 0; n < rows; n++)
          for (int oy = 0; oy < g->oh; oy++)
            for (int ox = 0; ox < g->ow; ox++) {
              int iy, ix;
              if (window_cell(g, oy, ox, ky, kx, &iy, &ix))
                s += x[n * sample_size(g) + ((long)iy * g->w + ix) * g->c + o / dm] *
                     dz[n * depthwise_out(g, dm) + ((long)oy * g->ow + ox) * C + o];
            }
        dw[(long)(ky * g->kw + kx) * C + o] = s;
      }
  if (db)
    for (int o = 0; o < C; o++) {
      float s = 0.0f;
      for (long p = 0; p < (long)rows * g->oh * g->ow; p++) s += dz[p * C + o];
      db[o] = s;
    }
}
