/* Learning-rate schedules: closed-form functions of the step count, in Keras'
 * definitions (keras.optimizers.schedules), evaluated in double once per
 * optimizer step so that a whole epoch stays one wasm call.
 *
 * A schedule is a block of SN_SCHED_SIZE floats: p[0] = kind, then its
 * parameters in the order listed below. The block lives inside the
 * optimizer's hp[] (see optimizer.h), so saving hp saves the schedule. */
#ifndef SN_SCHEDULE_H
#define SN_SCHEDULE_H

enum sn_schedule_kind {
  SN_SCHED_CONSTANT = 0,     /* no schedule: the optimizer's hp[0] */
  SN_SCHED_EXPONENTIAL = 1,  /* initial, decay_steps, decay_rate, staircase */
  SN_SCHED_INVERSE_TIME = 2, /* initial, decay_steps, decay_rate, staircase */
  SN_SCHED_POLYNOMIAL = 3,   /* initial, decay_steps, end_learning_rate, power, cycle */
  SN_SCHED_PIECEWISE = 4,    /* count k, boundaries[k], values[k + 1] */
  SN_SCHED_COSINE = 5,       /* initial, decay_steps, alpha, warmup_target, warmup_steps, has_warmup */
  SN_SCHED_COSINE_RESTARTS = 6, /* initial, first_decay_steps, t_mul, m_mul, alpha */
  SN_SCHED_COUNT
};

enum { SN_SCHED_SIZE = 24, SN_SCHED_MAX_BOUNDARIES = (SN_SCHED_SIZE - 3) / 2 };

/* The learning rate after `step` updates (Keras' optimizer.iterations), or
 * NaN for an unknown kind or a malformed block. */
double sn_schedule_at(const float *p, double step);
#endif
