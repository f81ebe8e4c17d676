/* gradcheck.h — finite-difference check of a model's gradients (header only,
 * for the native C tests; include after check.h and model.h).
 *
 *   check_model_gradients(m, x, t, rows, what)
 *
 * computes the gradients of the mean loss over `rows` rows once, holds the
 * dropout masks fixed, and compares every trainable parameter's gradient with
 * the central difference (L(w + h) − L(w − h))/2h of the loss that
 * sn_model_compute_gradients reports, h = 1e-3. A kink inside ±h (relu, max
 * pooling, mae, l1) makes the two one-sided differences disagree by the slope's
 * jump, where smooth functions differ by only h·f'' ≈ 1e-3: such a parameter
 * says nothing about the gradient and is skipped, but at most a tenth of them
 * may be. The forward passes are float32, so the quotient carries ~1e-7/h =
 * 1e-4 of noise: the tolerance is 1e-3 + 1e-2·|numeric|. Returns the number of
 * gradients that differ. */
#ifndef SN_GRADCHECK_H
#define SN_GRADCHECK_H
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double gradcheck_loss_(sn_model *m, const float *x, const float *t, int rows) {
  double loss;
  sn_model_compute_gradients(m, x, t, rows, &loss);
  return loss;
}

static int check_model_gradients(sn_model *m, const float *x, const float *t, int rows, const char *what) {
  double base = gradcheck_loss_(m, x, t, rows); /* draws the masks */
  int kept = m->keep_masks;
  m->keep_masks = 1;
  long n = sn_model_param_count(m);
  float *analytic = malloc((size_t)n * sizeof(float));
  CHECK(gradcheck_loss_(m, x, t, rows) == base, "%s: the same masks give the same loss", what);
  memcpy(analytic, sn_model_grads(m), (size_t)n * sizeof(float));
  float *p = sn_model_params(m);
  const float h = 1e-3f;
  int bad = 0, kinked = 0;
  for (long i = 0; i < n; i++) {
    float saved = p[i];
    p[i] = saved + h;
    double up = gradcheck_loss_(m, x, t, rows);
    p[i] = saved - h;
    double down = gradcheck_loss_(m, x, t, rows);
    p[i] = saved;
    if (fabs((up - base) - (base - down)) / h > 2e-3) {
      kinked++;
      continue;
    }
    double numeric = (up - down) / (2.0 * h);
    int off = fabs(numeric - analytic[i]) > 1e-3 + 1e-2 * fabs(numeric);
    if (off && getenv("DEBUG_GRAD")) fprintf(stderr, "%s [%ld] analytic %g numeric %g\n", what, i, analytic[i], numeric);
    bad += off;
  }
  CHECK(bad == 0, "%s: %d of %ld gradients differ from finite differences", what, bad, n);
  CHECK(kinked <= n / 10, "%s: %d of %ld parameters sit at a kink; the check covers too few", what, kinked, n);
  m->keep_masks = kept;
  free(analytic);
  return bad;
}
#endif
