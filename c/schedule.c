#include "schedule.h"
#include "api.h"
#include <math.h>

static const double PI = 3.14159265358979323846;

/* ExponentialDecay: initial · rate^(step / decay_steps), the exponent floored when staircase. */
static double exponential(const float *p, double step) {
  double e = step / p[2];
  return p[1] * pow(p[3], p[4] != 0.0f ? floor(e) : e);
}

/* InverseTimeDecay: initial / (1 + rate · step / decay_steps), floored when staircase. */
static double inverse_time(const float *p, double step) {
  double e = step / p[2];
  return p[1] / (1.0 + p[3] * (p[4] != 0.0f ? floor(e) : e));
}

/* PolynomialDecay: (initial − end)·(1 − step/decay_steps)^power + end, the step
 * capped at decay_steps, or with cycle the horizon stretched to the next multiple. */
static double polynomial(const float *p, double step) {
  double steps = p[2];
  if (p[5] != 0.0f) steps *= step > 0 ? ceil(step / steps) : 1.0;
  else step = fmin(step, steps);
  return (p[1] - p[3]) * pow(1.0 - step / steps, p[4]) + p[3];
}

/* PiecewiseConstantDecay: values[0] while step ≤ boundaries[0], values[i + 1]
 * while boundaries[i] < step ≤ boundaries[i + 1], the last value after. */
static double piecewise(const float *p, double step) {
  int k = (int)p[1];
  if (k < 0 || k > SN_SCHED_MAX_BOUNDARIES) return NAN;
  const float *bounds = p + 2, *values = p + 2 + k;
  int i = 0;
  while (i < k && step > bounds[i]) i++;
  return values[i];
}

/* The cosine part shared by CosineDecay and its restarts: (1 − α)·c + α. */
static double cosine_factor(double fraction, double alpha, double scale) {
  double c = 0.5 * scale * (1.0 + cos(PI * fraction));
  return (1.0 - alpha) * c + alpha;
}

/* CosineDecay, optionally after a linear warm-up from initial to warmup_target
 * over warmup_steps, after which the decay starts from warmup_target. */
static double cosine(const float *p, double step) {
  double initial = p[1], decay_steps = p[2], alpha = p[3];
  if (p[6] == 0.0f) return initial * cosine_factor(fmin(step, decay_steps) / decay_steps, alpha, 1.0);
  double target = p[4], warmup = p[5];
  step = fmin(step, decay_steps + warmup);
  if (step < warmup) return initial + (target - initial) * step / warmup;
  return target * cosine_factor((step - warmup) / decay_steps, alpha, 1.0);
}

/* CosineDecayRestarts (SGDR): period i lasts first_decay_steps·t_mul^i steps
 * and peaks at initial·m_mul^i. */
static double cosine_restarts(const float *p, double step) {
  double fraction = step / p[2], t_mul = p[3], m_mul = p[4], alpha = p[5], restart;
  if (t_mul == 1.0) {
    restart = floor(fraction);
    fraction -= restart;
  } else {
    restart = floor(log(1.0 - fraction * (1.0 - t_mul)) / log(t_mul));
    double done = (1.0 - pow(t_mul, restart)) / (1.0 - t_mul);
    fraction = (fraction - done) / pow(t_mul, restart);
  }
  return p[1] * cosine_factor(fraction, alpha, pow(m_mul, restart));
}

SN_API double sn_schedule_at(const float *p, double step) {
  switch ((int)p[0]) {
  case SN_SCHED_EXPONENTIAL: return exponential(p, step);
  case SN_SCHED_INVERSE_TIME: return inverse_time(p, step);
  case SN_SCHED_POLYNOMIAL: return polynomial(p, step);
  case SN_SCHED_PIECEWISE: return piecewise(p, step);
  case SN_SCHED_COSINE: return cosine(p, step);
  case SN_SCHED_COSINE_RESTARTS: return cosine_restarts(p, step);
  default: return NAN;
  }
}
