/* Where each kind keeps its hyper-parameters in hp[1..] (the order of enum
 * sn_opt_kind's comments in optimizer.h); internal to optimizer.c and
 * optimizer_ref.c. */
#ifndef SN_OPTIMIZER_KINDS_H
#define SN_OPTIMIZER_KINDS_H
enum { SGD_MOMENTUM = 1, SGD_NESTEROV, SGD_DAMPENING };
enum { ADAM_BETA1 = 1, ADAM_BETA2, ADAM_EPSILON, ADAM_AMSGRAD, ADAMW_DECAY };
enum { RMS_RHO = 1, RMS_MOMENTUM, RMS_EPSILON, RMS_CENTERED };
enum { ADAGRAD_INITIAL = 1, ADAGRAD_EPSILON };
enum { ADADELTA_RHO = 1, ADADELTA_EPSILON };
enum { FTRL_POWER = 1, FTRL_INITIAL, FTRL_L1, FTRL_L2, FTRL_SHRINKAGE, FTRL_BETA };
enum { LION_BETA1 = 1, LION_BETA2 };

/* Booleans among the hyper-parameters are 0/1 floats. */
static inline int sn_opt_on(float flag) { return flag != 0.0f; }
#endif
