/* Optimizers: update a flat float32 parameter buffer from a gradient buffer of
 * the same length. An optimizer owns its state (moments) and nothing else, so
 * it works on a model's contiguous parameters or on any caller's buffer. */
#ifndef SN_OPTIMIZER_H
#define SN_OPTIMIZER_H

enum sn_opt_kind {
  SN_OPT_SGD = 0,  /* hp: learning_rate, momentum, nesterov (0/1) — Keras' form */
  SN_OPT_ADAM = 1, /* hp: learning_rate, beta1, beta2, epsilon — Keras' form */
  SN_OPT_COUNT
};

enum { SN_OPT_MAX_HP = 8 };

typedef struct {
  int kind;
  int n;            /* parameters updated per step */
  double step;      /* steps taken so far (Adam's bias correction) */
  float hp[SN_OPT_MAX_HP];
  float *m, *v;     /* moments, allocated by sn_opt_create as the kind needs */
} sn_optimizer;

/* Returns NULL for an unknown kind or when memory runs out. hp holds n_hp values
 * in the order listed above. The caller frees with sn_opt_free. */
sn_optimizer *sn_opt_create(int kind, int n, const float *hp, int n_hp);
void sn_opt_free(sn_optimizer *opt);
/* params[i] updated from grads[i] for i < opt->n. */
void sn_opt_step(sn_optimizer *opt, float *params, const float *grads);
#endif
