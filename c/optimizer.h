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

enum { SN_OPT_MAX_HP = 16, SN_OPT_MAX_SLOTS = 4 };

/* The whole state of an optimizer is kind, n, step, hp and its slots: saving
 * and restoring those (model files) resumes training exactly. */
typedef struct {
  int kind;
  int n;            /* parameters updated per step */
  double step;      /* steps taken so far (Adam's bias correction) */
  float hp[SN_OPT_MAX_HP];
  int n_slots;      /* state buffers of n floats each, as the kind needs */
  float *slot[SN_OPT_MAX_SLOTS]; /* e.g. Adam: slot[0] = m, slot[1] = v */
} sn_optimizer;

/* Returns NULL for an unknown kind or when memory runs out. hp holds n_hp values
 * in the order listed above. The caller frees with sn_opt_free. */
sn_optimizer *sn_opt_create(int kind, int n, const float *hp, int n_hp);
void sn_opt_free(sn_optimizer *opt);
/* params[i] updated from grads[i] for i < opt->n. */
void sn_opt_step(sn_optimizer *opt, float *params, const float *grads);
/* State access for model files and the JS wrapper. */
int sn_opt_slot_count(const sn_optimizer *opt);
float *sn_opt_slot(sn_optimizer *opt, int i);
double *sn_opt_step_count(sn_optimizer *opt);
#endif
