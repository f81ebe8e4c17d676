/* Learning-rate schedules: closed-form functions of the step count, in Keras'
 * definitions (keras.optimizers.schedules), evaluated in double once per
 * optimizer step so that a whole epoch stays one wasm call.
 *
 * A schedule is a block of SN_SCHED_SIZE floats: p[0] = kind, then its
 * parameters in the order listed below, a list parameter taking as many floats
 * as it holds. The block lives inside the optimizer's hp[] (see optimizer.h),
 * so saving hp saves the schedule. */
#ifndef SN_SCHEDULE_H
#define SN_SCHEDULE_H

/* The schedules: X(kind, value, name in the JavaScript API, then the names of
 * its parameters p[1], p[2], ... in order, booleans 0/1). schedule.c reads them
 * in this order; scripts/gen-constants.js copies this list into web/core/constants.js. */
#define SN_SCHEDULES(X)                                                                       \
  X(SN_SCHED_EXPONENTIAL, 1, "exponentialDecay",                                              \
    "initialLearningRate", "decaySteps", "decayRate", "staircase")                            \
  X(SN_SCHED_INVERSE_TIME, 2, "inverseTimeDecay",                                             \
    "initialLearningRate", "decaySteps", "decayRate", "staircase")                            \
  X(SN_SCHED_POLYNOMIAL, 3, "polynomialDecay",                                                \
    "initialLearningRate", "decaySteps", "endLearningRate", "power", "cycle")                 \
  X(SN_SCHED_PIECEWISE, 4, "piecewiseConstantDecay", /* k, then k boundaries, k + 1 values */ \
    "count", "boundaries", "values")                                                          \
  X(SN_SCHED_COSINE, 5, "cosineDecay",                                                        \
    "initialLearningRate", "decaySteps", "alpha", "warmupTarget", "warmupSteps", "hasWarmup") \
  X(SN_SCHED_COSINE_RESTARTS, 6, "cosineDecayRestarts",                                       \
    "initialLearningRate", "firstDecaySteps", "tMul", "mMul", "alpha")

enum sn_schedule_kind {
  SN_SCHED_CONSTANT = 0, /* no schedule: the optimizer's hp[0] */
#define X(kind, value, ...) kind = value,
  SN_SCHEDULES(X)
#undef X
  SN_SCHED_COUNT
};

enum { SN_SCHED_SIZE = 24, SN_SCHED_MAX_BOUNDARIES = (SN_SCHED_SIZE - 3) / 2 };

/* The learning rate after `step` updates (Keras' optimizer.iterations), or
 * NaN for an unknown kind or a malformed block. */
double sn_schedule_at(const float *p, double step);
#endif
