/* Every optimizer kind and clipping mode natively, so the sanitizers see each
 * update loop (their formulas are checked against float64 in
 * test/optimizers.test.js): steps stay finite and descend a quadratic,
 * segments are validated, decaying state never goes denormal, and schedules
 * reject unknown kinds. */
#include "check.h"
#include "optimizer.h"
#include <math.h>
#include <string.h>

enum { N = 37 };

/* Keras' defaults per kind, in the hp order of optimizer.h. */
static void defaults(int kind, float *hp) {
  memset(hp, 0, SN_OPT_MAX_HP * sizeof(float));
  hp[SN_HP_LR] = 0.01f;
  float b[][7] = {
    [SN_OPT_SGD] = {0.9f, 1, 0.1f}, [SN_OPT_ADAM] = {0.9f, 0.999f, 1e-7f, 1},
    [SN_OPT_RMSPROP] = {0.9f, 0.5f, 1e-7f, 1}, [SN_OPT_ADAMW] = {0.9f, 0.999f, 1e-7f, 0, 0.004f},
    [SN_OPT_ADAMAX] = {0.9f, 0.999f, 1e-7f}, [SN_OPT_NADAM] = {0.9f, 0.999f, 1e-7f},
    [SN_OPT_ADAGRAD] = {0.1f, 1e-7f}, [SN_OPT_ADADELTA] = {0.95f, 1e-7f},
    [SN_OPT_FTRL] = {-0.5f, 0.1f, 0.01f, 0.01f, 0.01f, 0.1f}, [SN_OPT_LION] = {0.9f, 0.99f},
  };
  memcpy(hp + 1, b[kind], sizeof b[kind]);
}

/* Minimizes Σ(w − 1)² for 300 steps; the loss must fall and stay finite. */
static void check_descends(int kind, int clip, const char *what) {
  float hp[SN_OPT_MAX_HP], w[N], g[N];
  defaults(kind, hp);
  if (clip) hp[clip] = 0.5f;
  hp[SN_HP_SCHEDULE] = SN_SCHED_EXPONENTIAL;
  float sched[] = {kind == SN_OPT_ADADELTA ? 50.0f : 0.05f, 100, 0.9f, 0}; /* Adadelta's steps start at √ε */
  memcpy(hp + SN_HP_SCHEDULE + 1, sched, sizeof sched);
  sn_optimizer *opt = sn_opt_create(kind, N, hp, SN_OPT_MAX_HP);
  int lengths[] = {30, 7}, bad[] = {30, 8};
  CHECK(opt && !sn_opt_set_segments(opt, bad, 2) && sn_opt_set_segments(opt, lengths, 2), "%s: create, segments", what);
  for (int i = 0; i < N; i++) w[i] = (float)(i % 5) - 2.0f;
  double before = 0, after = 0;
  for (int i = 0; i < N; i++) before += (w[i] - 1) * (w[i] - 1);
  for (int step = 0; step < 300; step++) {
    for (int i = 0; i < N; i++) g[i] = 2 * (w[i] - 1);
    sn_opt_step(opt, w, g);
  }
  for (int i = 0; i < N; i++) after += (w[i] - 1) * (w[i] - 1);
  CHECK(isfinite(after) && after < 0.5 * before, "%s: loss %g → %g", what, before, after);
  CHECK(*sn_opt_step_count(opt) == 300, "%s: step count", what);
  sn_opt_free(opt);
}

/* After one real gradient and then zeros, decaying state must reach exactly 0,
 * never linger as denormal floats (slow in wasm): 100,000 steps take Adam's
 * v (β2 = 0.999) past FLT_MIN. */
static void check_no_denormals(int kind, const char *what) {
  float hp[SN_OPT_MAX_HP], w[N] = {0}, g[N];
  defaults(kind, hp);
  sn_optimizer *opt = sn_opt_create(kind, N, hp, SN_OPT_MAX_HP);
  for (int i = 0; i < N; i++) g[i] = 1.0f;
  sn_opt_step(opt, w, g);
  memset(g, 0, sizeof g);
  for (int step = 0; step < 100000; step++) sn_opt_step(opt, w, g);
  int subnormal = 0;
  for (int s = 0; s < sn_opt_slot_count(opt); s++)
    for (int i = 0; i < N; i++) subnormal += fpclassify(sn_opt_slot(opt, s)[i]) == FP_SUBNORMAL;
  CHECK(subnormal == 0, "%s: %d state values are denormal", what, subnormal);
  sn_opt_free(opt);
}

int main(void) {
  static const char *names[SN_OPT_COUNT] = {"sgd", "adam", "rmsprop", "adamw", "adamax", "nadam", "adagrad", "adadelta", "ftrl", "lion"};
  for (int kind = 0; kind < SN_OPT_COUNT; kind++) {
    check_descends(kind, 0, names[kind]);
    check_descends(kind, SN_HP_CLIP_NORM, names[kind]);
    check_descends(kind, SN_HP_GLOBAL_CLIP_NORM, names[kind]);
    check_descends(kind, SN_HP_CLIP_VALUE, names[kind]);
    check_no_denormals(kind, names[kind]);
  }
  float hp[SN_OPT_MAX_HP] = {0};
  CHECK(!sn_opt_create(SN_OPT_COUNT, N, hp, 1) && !sn_opt_create(0, N, hp, SN_OPT_MAX_HP + 1), "bad kinds and sizes refused");
  float unknown[SN_SCHED_SIZE] = {SN_SCHED_COUNT};
  CHECK(isnan(sn_schedule_at(unknown, 3)), "an unknown schedule is NaN");
  return check_summary();
}
