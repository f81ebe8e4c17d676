/* Depthwise convolution kernels (c/depthwise.c) on MobileNetV2's depthwise
 * layers (224×224 input, alpha 1, 3×3, dm 1, no bias), batch 8: milliseconds
 * per batch and GFLOP/s (2 flops per multiply-add) of k_depthwise_forward,
 * _backward (input gradient) and _wgrad, against the scalar references
 * ref_depthwise_* (the kernels' ground truth, conv_kernels_ref.c) for scale.
 * Stride-2 layers read the ZeroPadding2D output ('valid'), as Keras builds them.
 * Build and run natively:
 *   gcc -O3 -march=native -Ic bench/depthwise_bench.c $(ls c/[a-v]*.c) -lm -o build/depthwise_bench
 * or as wasm SIMD (the shipped code path):
 *   emcc -O3 -msimd128 -sALLOW_MEMORY_GROWTH=1 -Ic bench/depthwise_bench.c $(ls c/[a-v]*.c) -o build/depthwise_bench.cjs && node --no-experimental-fetch build/depthwise_bench.cjs */
#define _POSIX_C_SOURCE 199309L /* clock_gettime */
#include <stdio.h>
#include <time.h>

#include "conv_kernels.h"

#include "bench_util.h"

enum { ROWS = 8 };

/* Best seconds of a few runs of one pass (0: forward, 1: backward, 2: wgrad). */
static double best(int ref, int pass, const sn_window *g, const float *x, const float *w, const float *dz, float *z, float *dx, float *dw) {
  double best = 1e30;
  for (int rep = 0; rep < (ref ? 1 : 5); rep++) {
    double t = now();
    if (pass == 0) (ref ? ref_depthwise_forward : k_depthwise_forward)(g, ROWS, 1, x, w, NULL, z);
    if (pass == 1) (ref ? ref_depthwise_backward : k_depthwise_backward)(g, ROWS, 1, dz, w, dx);
    if (pass == 2) (ref ? ref_depthwise_wgrad : k_depthwise_wgrad)(g, ROWS, 1, x, dz, dw, NULL);
    t = now() - t;
    if (t < best) best = t;
  }
  return best;
}

int main(void) {
  static const struct {
    int h, c, s;
  } LAYERS[] = {{112, 32, 1}, {113, 96, 2}, {56, 144, 1}, {57, 144, 2}, {28, 192, 1}, {29, 192, 2},
                {14, 384, 1}, {14, 576, 1}, {15, 576, 2}, {7, 960, 1}};
  double total[2][3] = {{0}};
  printf("batch %d, ms per batch (GFLOP/s): SIMD k_ | scalar ref_\n", ROWS);
  printf("%-16s %-22s %-22s %-22s\n", "layer", "forward", "input gradient", "weight gradient");
  for (int i = 0; i < (int)(sizeof LAYERS / sizeof LAYERS[0]); i++) {
    sn_window g;
    const int h = LAYERS[i].h, c = LAYERS[i].c, s = LAYERS[i].s;
    if (!sn_window_init(&g, h, h, c, 3, 3, s, s, 1, 1, s == 1)) return 1;
    const long nx = (long)ROWS * h * h * c, nz = (long)ROWS * g.oh * g.ow * c;
    float *x = random_buffer(nx, 1), *w = random_buffer(9L * c, 2), *dz = random_buffer(nz, 3);
    float *z = malloc(nz * sizeof *z), *dx = malloc(nx * sizeof *dx), *dw = malloc(9L * c * sizeof *dw);
    const double flops = 2.0 * nz * 9;
    char name[32];
    snprintf(name, sizeof name, "%dx%dx%d s%d", h, h, c, s);
    printf("%-16s", name);
    for (int pass = 0; pass < 3; pass++) {
      double tk = best(0, pass, &g, x, w, dz, z, dx, dw), tr = best(1, pass, &g, x, w, dz, z, dx, dw);
      total[0][pass] += tk, total[1][pass] += tr;
      char cellText[96];
      snprintf(cellText, sizeof cellText, "%.2f (%.1f) | %.1f", tk * 1e3, flops / tk * 1e-9, tr * 1e3);
      printf(" %-22s", cellText);
    }
    printf("\n");
    free(x), free(w), free(dz), free(z), free(dx), free(dw);
  }
  printf("%-16s", "all 10 shapes");
  for (int pass = 0; pass < 3; pass++) {
    char cellText[96];
    snprintf(cellText, sizeof cellText, "%.1f | %.1f (%.1f×)", total[0][pass] * 1e3, total[1][pass] * 1e3, total[1][pass] / total[0][pass]);
    printf(" %-22s", cellText);
  }
  printf("\n");
  return 0;
}
