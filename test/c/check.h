/* check.h — minimal test harness for the native C tests (header only).
 *
 *   CHECK(cond, fmt, ...)                   passes if cond is true.
 *   CHECK_CLOSE(got, want, rtol, atol, fmt, ...)
 *                                           passes if |got − want| <= atol + rtol·|want|
 *                                           (or got == want, so equal infinities pass;
 *                                           a NaN on either side fails).
 *   check_summary()                         prints "N passed, N failed" on its own line
 *                                           and returns the exit status: 0 iff none failed.
 *
 * fmt/... is a printf message describing the case; it is printed only on failure,
 * prefixed with file:line (the first CHECK_MAX_REPORTS failures are printed, the
 * rest only counted). Both macros evaluate to 1 on pass, 0 on failure.
 * Typical use:  int main(void) { ...; CHECK(x == 1, "x=%d", x); return check_summary(); } */
#ifndef SN_CHECK_H
#define SN_CHECK_H

#include <math.h>
#include <stdarg.h>
#include <stdio.h>

#ifndef CHECK_MAX_REPORTS
#define CHECK_MAX_REPORTS 30
#endif

static int check_passed_, check_failed_;

static inline int check_report_(int ok, const char *file, int line, const char *detail,
                                const char *fmt, va_list ap) {
  if (ok) {
    check_passed_++;
    return 1;
  }
  if (++check_failed_ <= CHECK_MAX_REPORTS) {
    fprintf(stderr, "FAIL %s:%d: ", file, line);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "%s\n", detail);
  }
  return 0;
}

static inline int check_(int ok, const char *file, int line, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  ok = check_report_(ok, file, line, "", fmt, ap);
  va_end(ap);
  return ok;
}

static inline int check_close_(double got, double want, double rtol, double atol, const char *file,
                               int line, const char *fmt, ...) {
  int ok = got == want || fabs(got - want) <= atol + rtol * fabs(want);
  char detail[160];
  snprintf(detail, sizeof detail, " (got %.9g, want %.9g, |diff| %.3g > %.3g)", got, want,
           fabs(got - want), atol + rtol * fabs(want));
  va_list ap;
  va_start(ap, fmt);
  ok = check_report_(ok, file, line, detail, fmt, ap);
  va_end(ap);
  return ok;
}

#define CHECK(cond, ...) check_(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define CHECK_CLOSE(got, want, rtol, atol, ...) \
  check_close_((got), (want), (rtol), (atol), __FILE__, __LINE__, __VA_ARGS__)

static inline int check_summary(void) {
  printf("%d passed, %d failed\n", check_passed_, check_failed_);
  return check_failed_ ? 1 : 0;
}

#endif
