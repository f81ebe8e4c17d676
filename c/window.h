/* window.h — a helper shared by the window kernels (im2col.c, pool_kernels.c);
 * not part of the conv_kernels.h contract. */
#ifndef SN_WINDOW_H
#define SN_WINDOW_H

/* Along one axis of n input cells, with windows of extent ek (dilated), stride
 * s and `pad` cells of padding before: the outputs [lo, hi) whose window lies
 * wholly inside the input (o·s − pad ≥ 0 and o·s − pad + ek ≤ n), the
 * "interior" the kernels handle without clipping. 0 ≤ lo ≤ hi ≤ out. */
static inline void sn_window_interior(int n, int ek, int s, int pad, int out, int *lo, int *hi) {
  *lo = (pad + s - 1) / s;
  if (*lo > out) *lo = out;
  const int room = n - ek + pad; /* the last window inside starts at o·s ≤ room */
  *hi = room < 0 ? 0 : room / s + 1;
  if (*hi > out) *hi = out;
  if (*hi < *lo) *hi = *lo;
}

#endif
