/* Where each kind keeps its hyper-parameters in hp[1..] (hp[0] is the learning
 * rate, optimizer.h); the enums are internal to optimizer.c and optimizer_ref.c. */
#ifndef SN_OPTIMIZER_KINDS_H
#define SN_OPTIMIZER_KINDS_H
enum { SGD_MOMENTUM = 1, SGD_NESTEROV, SGD_DAMPENING };
enum { ADAM_BETA1 = 1, ADAM_BETA2, ADAM_EPSILON, ADAM_AMSGRAD, ADAMW_DECAY };
enum { RMS_RHO = 1, RMS_MOMENTUM, RMS_EPSILON, RMS_CENTERED };
enum { ADAGRAD_INITIAL = 1, ADAGRAD_EPSILON };
enum { ADADELTA_RHO = 1, ADADELTA_EPSILON };
enum { FTRL_POWER = 1, FTRL_INITIAL, FTRL_L1, FTRL_L2, FTRL_SHRINKAGE, FTRL_BETA };
enum { LION_BETA1 = 1, LION_BETA2 };

/* Every kind's hyper-parameters, each kind's in hp[] order from hp[1]:
 * X(kind, index in hp[], name in the JavaScript API). scripts/gen-constants.js
 * copies this list into web/core/constants.js (and checks each kind's indices run 1, 2, ...). */
#define SN_OPT_HYPER_PARAMETERS(X)                                    \
  X(SN_OPT_SGD, SGD_MOMENTUM, "momentum")                             \
  X(SN_OPT_SGD, SGD_NESTEROV, "nesterov")                             \
  X(SN_OPT_SGD, SGD_DAMPENING, "dampening")                           \
  X(SN_OPT_ADAM, ADAM_BETA1, "beta1")                                 \
  X(SN_OPT_ADAM, ADAM_BETA2, "beta2")                                 \
  X(SN_OPT_ADAM, ADAM_EPSILON, "epsilon")                             \
  X(SN_OPT_ADAM, ADAM_AMSGRAD, "amsgrad")                             \
  X(SN_OPT_RMSPROP, RMS_RHO, "rho")                                   \
  X(SN_OPT_RMSPROP, RMS_MOMENTUM, "momentum")                         \
  X(SN_OPT_RMSPROP, RMS_EPSILON, "epsilon")                           \
  X(SN_OPT_RMSPROP, RMS_CENTERED, "centered")                         \
  X(SN_OPT_ADAMW, ADAM_BETA1, "beta1")                                \
  X(SN_OPT_ADAMW, ADAM_BETA2, "beta2")                                \
  X(SN_OPT_ADAMW, ADAM_EPSILON, "epsilon")                            \
  X(SN_OPT_ADAMW, ADAM_AMSGRAD, "amsgrad")                            \
  X(SN_OPT_ADAMW, ADAMW_DECAY, "weightDecay")                         \
  X(SN_OPT_ADAMAX, ADAM_BETA1, "beta1")                               \
  X(SN_OPT_ADAMAX, ADAM_BETA2, "beta2")                               \
  X(SN_OPT_ADAMAX, ADAM_EPSILON, "epsilon")                           \
  X(SN_OPT_NADAM, ADAM_BETA1, "beta1")                                \
  X(SN_OPT_NADAM, ADAM_BETA2, "beta2")                                \
  X(SN_OPT_NADAM, ADAM_EPSILON, "epsilon")                            \
  X(SN_OPT_ADAGRAD, ADAGRAD_INITIAL, "initialAccumulatorValue")       \
  X(SN_OPT_ADAGRAD, ADAGRAD_EPSILON, "epsilon")                       \
  X(SN_OPT_ADADELTA, ADADELTA_RHO, "rho")                             \
  X(SN_OPT_ADADELTA, ADADELTA_EPSILON, "epsilon")                     \
  X(SN_OPT_FTRL, FTRL_POWER, "learningRatePower")                     \
  X(SN_OPT_FTRL, FTRL_INITIAL, "initialAccumulatorValue")             \
  X(SN_OPT_FTRL, FTRL_L1, "l1RegularizationStrength")                 \
  X(SN_OPT_FTRL, FTRL_L2, "l2RegularizationStrength")                 \
  X(SN_OPT_FTRL, FTRL_SHRINKAGE, "l2ShrinkageRegularizationStrength") \
  X(SN_OPT_FTRL, FTRL_BETA, "beta")                                   \
  X(SN_OPT_LION, LION_BETA1, "beta1")                                 \
  X(SN_OPT_LION, LION_BETA2, "beta2")

/* Booleans among the hyper-parameters are 0/1 floats. */
static inline int sn_opt_on(float flag) { return flag != 0.0f; }
#endif
