/* The coefficients of gelu's erf/erfc in c/kernels.c (ncdf4): weighted
 * least-squares polynomial fits of the relative error on Chebyshev nodes,
 * against glibc's double erf/erfc, each printed with its maximum relative
 * error when evaluated in float by Horner's rule.
 *   gcc -O2 scripts/fit-erf.c -o /tmp/fit-erf -lm && /tmp/fit-erf */
#include <math.h>
#include <stdio.h>
/* least squares polynomial fit of g(v) on [a,b] (v = variable), Chebyshev nodes, relative weights */
static int fit(double (*g)(double), double a, double b, int deg, double *c, const char *name) {
  enum { N = 2000 };
  long double A[20][21] = {{0}};
  for (int i = 0; i < N; i++) {
    double v = (a + b) / 2 + (b - a) / 2 * cos(M_PI * (i + 0.5) / N);
    double y = g(v), w = 1.0 / (y * y);
    long double p[20];
    p[0] = 1;
    for (int k = 1; k <= deg; k++) p[k] = p[k - 1] * v;
    for (int r = 0; r <= deg; r++) {
      for (int s = 0; s <= deg; s++) A[r][s] += w * p[r] * p[s];
      A[r][deg + 1] += w * p[r] * y;
    }
  }
  int n = deg + 1;
  for (int i = 0; i < n; i++) {
    int piv = i;
    for (int r = i + 1; r < n; r++) if (fabsl(A[r][i]) > fabsl(A[piv][i])) piv = r;
    for (int s = 0; s <= n; s++) { long double t = A[i][s]; A[i][s] = A[piv][s]; A[piv][s] = t; }
    for (int r = 0; r < n; r++) if (r != i) {
      long double f = A[r][i] / A[i][i];
      for (int s = i; s <= n; s++) A[r][s] -= f * A[i][s];
    }
  }
  for (int i = 0; i < n; i++) c[i] = (double)(A[i][n] / A[i][i]);
  /* error of the float-rounded coefficients evaluated in float Horner */
  double worst = 0;
  for (int i = 0; i <= 20000; i++) {
    double v = a + (b - a) * i / 20000.0;
    float fv = (float)v, acc = (float)c[deg];
    for (int k = deg - 1; k >= 0; k--) acc = acc * fv + (float)c[k];
    double e = fabs(acc - g(fv)) / fabs(g(fv));
    if (e > worst) worst = e;
  }
  printf("/* %s on [%g, %g], degree %d: max rel err %.3g */\n", name, a, b, deg, worst);
  for (int k = deg; k >= 0; k--) printf("%.9e%s", (double)(float)c[k], k ? ", " : "\n");
  return 0;
}
static double g_erf(double s) { double t = sqrt(s); return s == 0 ? 2 / sqrt(M_PI) : erf(t) / t; }
static double g_mid(double v) { double t = v + 1.25; return erfc(t) * exp(t * t); }
static double g_tail(double u) { if (u == 0) return 1 / sqrt(M_PI); double t = 1 / sqrt(u); return erfc(t) * exp(t * t) * t; }
int main(void) {
  double c[20];
  fit(g_erf, 0, 1, 5, c, "erf(t)/t in s = t^2");
  fit(g_mid, -0.75, 0.75, 9, c, "erfc(t)e^{t^2} in t - 1.25");
  fit(g_tail, 0.002, 0.25, 7, c, "erfc(t)e^{t^2}t in 1/t^2");
}
