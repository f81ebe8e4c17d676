/* Every optimizer kind and clipping mode natively, so the sanitizers see each
 * update loop (their formulas are checked against float64 in
 * test/optimizers.test.js): steps stay finite and descend a quadratic,
 * segments are validated, decaying state never goes denormal, schedules
 * reject unknown kinds, and every SIMD update (k_opt_update) gives the bits of
 * its scalar reference (ref_opt_update) in every variant, on odd sizes, split
 * into ranges anywhere; variables excluded from weight decay step without it. */
#include "check.h"
#include "optimizer.h"
#include "optimizer_kinds.h"
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
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

static uint32_t lcg_state = 12345u;
static float uniform(void) { /* in [-1, 1) */
  lcg_state = lcg_state * 1664525u + 1013904223u;
  return (float)(lcg_state >> 8) / 8388608.0f - 1.0f;
}

/* Gradients that exercise every path: ordinary values, exact zeros (state
 * decaying towards the flush), tiny ones (squares below FLT_MIN), large ones. */
static float gradient(int i, int step) {
  switch ((i * 7 + step) % 11) {
  case 0:
  case 5: return step > 2 ? 0.0f : uniform();
  case 3: return 1e-22f * uniform();
  case 8: return 30.0f * uniform();
  default: return uniform();
  }
}

/* Two optimizers of the same settings, one updated by k_opt_update in two
 * ranges split at a different place each step, the other by ref_opt_update
 * over [0, n): after every step their parameters and slots must be the same
 * bits. Buffers sit one float past an allocation, so they are not 16-byte
 * aligned. */
static void check_simd_is_reference(int kind, const float *hp, int n, const char *what) {
  sn_optimizer *a = sn_opt_create(kind, n, hp, SN_OPT_MAX_HP), *b = sn_opt_create(kind, n, hp, SN_OPT_MAX_HP);
  float *wa0 = malloc((size_t)(n + 1) * sizeof(float)), *wb0 = malloc((size_t)(n + 1) * sizeof(float));
  float *g0 = malloc((size_t)(n + 1) * sizeof(float));
  if (!a || !b || !wa0 || !wb0 || !g0) abort();
  float *wa = wa0 + 1, *wb = wb0 + 1, *g = g0 + 1;
  for (int i = 0; i < n; i++) wa[i] = wb[i] = uniform();
  int same = 1, step;
  for (step = 0; step < 40 && same; step++) {
    for (int i = 0; i < n; i++) g[i] = gradient(i, step);
    sn_opt_update ua, ub;
    sn_opt_begin_step(a, wa, g, &ua);
    int split = (step * 5 + 1) % (n + 1);
    k_opt_update(&ua, 0, split);
    k_opt_update(&ua, split, n);
    sn_opt_begin_step(b, wb, g, &ub);
    ref_opt_update(&ub, 0, n);
    same = memcmp(wa, wb, (size_t)n * sizeof(float)) == 0;
    for (int s = 0; s < sn_opt_slot_count(a); s++) same &= memcmp(a->slot[s], b->slot[s], (size_t)n * sizeof(float)) == 0;
  }
  CHECK(same, "%s, n = %d: SIMD and reference differ after step %d", what, n, step);
  free(wa0), free(wb0), free(g0);
  sn_opt_free(a), sn_opt_free(b);
}

static void check_simd_variants(void) {
  static const int sizes[] = {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33, 101};
  struct {
    const char *what;
    int kind, hp_index[3];
    float value[3];
  } variants[] = {
      {"sgd", SN_OPT_SGD, {1}, {0}},
      {"sgd momentum", SN_OPT_SGD, {1, 2, 3}, {0.9f, 0, 0}},
      {"sgd momentum dampening", SN_OPT_SGD, {1, 2, 3}, {0.9f, 0, 0.9f}},
      {"sgd nesterov", SN_OPT_SGD, {1, 2, 3}, {0.9f, 1, 0}},
      {"adam", SN_OPT_ADAM, {4}, {0}},
      {"adam amsgrad", SN_OPT_ADAM, {4}, {1}},
      {"adamw", SN_OPT_ADAMW, {4}, {0}},
      {"adamw amsgrad", SN_OPT_ADAMW, {4}, {1}},
      {"rmsprop", SN_OPT_RMSPROP, {2, 4}, {0, 0}},
      {"rmsprop momentum", SN_OPT_RMSPROP, {2, 4}, {0.5f, 0}},
      {"rmsprop centered", SN_OPT_RMSPROP, {2, 4}, {0, 1}},
      {"rmsprop momentum centered", SN_OPT_RMSPROP, {2, 4}, {0.5f, 1}},
      {"adamax", SN_OPT_ADAMAX, {0}, {0.01f}},
      {"nadam", SN_OPT_NADAM, {0}, {0.01f}},
      {"adagrad", SN_OPT_ADAGRAD, {0}, {0.01f}},
      {"adadelta", SN_OPT_ADADELTA, {0}, {1.0f}},
      {"ftrl", SN_OPT_FTRL, {0}, {0.01f}},
      {"lion", SN_OPT_LION, {0}, {0.01f}},
  };
  for (size_t v = 0; v < sizeof variants / sizeof *variants; v++)
    for (int extra = 0; extra < 3; extra++) { /* as set; with weight decay; with clipnorm */
      float hp[SN_OPT_MAX_HP];
      defaults(variants[v].kind, hp);
      for (int k = 0; k < 3 && variants[v].hp_index[k]; k++) hp[variants[v].hp_index[k]] = variants[v].value[k];
      if (variants[v].hp_index[0] == 0) hp[0] = variants[v].value[0];
      if (extra == 1 && variants[v].kind != SN_OPT_ADAMW) hp[SN_HP_WEIGHT_DECAY] = 0.05f;
      if (extra == 2) hp[SN_HP_CLIP_NORM] = 0.5f;
      char what[96];
      snprintf(what, sizeof what, "%s%s", variants[v].what, extra == 1 ? " + weight decay" : extra == 2 ? " + clipnorm" : "");
      for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) check_simd_is_reference(variants[v].kind, hp, sizes[s], what);
    }
}

/* exclude_from_weight_decay: excluded variables step as without decay, the others as with it, bit for bit,
 * and any split of [0, n) into ranges (threads) gives the same bits. */
static void check_excluded(int kind, const char *what) {
  enum { M = 45 };
  const int lengths[] = {7, 5, 9, 3, 13, 8}, excluded[] = {0, 1, 1, 0, 1, 0};
  float hp[SN_OPT_MAX_HP], w[3][M], g[M];
  defaults(kind, hp);
  if (kind != SN_OPT_ADAMW) hp[SN_HP_WEIGHT_DECAY] = 0.3f;
  float plain_hp[SN_OPT_MAX_HP];
  memcpy(plain_hp, hp, sizeof hp);
  plain_hp[kind == SN_OPT_ADAMW ? ADAMW_DECAY : SN_HP_WEIGHT_DECAY] = 0.0f;
  sn_optimizer *ex = sn_opt_create(kind, M, hp, SN_OPT_MAX_HP), *all = sn_opt_create(kind, M, hp, SN_OPT_MAX_HP),
               *none = sn_opt_create(kind, M, plain_hp, SN_OPT_MAX_HP);
  CHECK(sn_opt_set_segments(ex, lengths, 6) && !sn_opt_exclude_from_weight_decay(ex, excluded, 5) &&
            sn_opt_exclude_from_weight_decay(ex, excluded, 6) && ex->n_excluded == 2,
        "%s: exclusions set (adjacent variables merge into one range)", what);
  for (int i = 0; i < M; i++) w[0][i] = w[1][i] = w[2][i] = uniform();
  float split[M];
  int same = 1, decayed = 0;
  for (int step = 0; step < 5; step++) {
    for (int i = 0; i < M; i++) g[i] = gradient(i, step);
    memcpy(split, w[0], sizeof split);
    sn_optimizer copy = *ex; /* the same state stepped in ranges: slots are restored below */
    float *saved[SN_OPT_MAX_SLOTS];
    for (int k = 0; k < ex->n_slots; k++) saved[k] = malloc(M * sizeof(float)), memcpy(saved[k], ex->slot[k], M * sizeof(float));
    sn_opt_step(ex, w[0], g);
    sn_opt_step(all, w[1], g);
    sn_opt_step(none, w[2], g);
    for (int k = 0; k < ex->n_slots; k++) memcpy(copy.slot[k], saved[k], M * sizeof(float)), free(saved[k]);
    copy.step = ex->step - 1;
    sn_opt_update u;
    sn_opt_begin_step(&copy, split, g, &u);
    const int cuts[] = {0, 4, 10, 11, 26, 31, M};
    for (int c = 0; c < 6; c++) k_opt_update(&u, cuts[c], cuts[c + 1]);
    same &= memcmp(split, w[0], sizeof split) == 0;
    long off = 0;
    for (int s = 0; s < 6; off += lengths[s++])
      for (int i = off; i < off + lengths[s]; i++) {
        same &= w[0][i] == w[excluded[s] ? 2 : 1][i];
        decayed |= w[1][i] != w[2][i];
      }
  }
  CHECK(same && decayed, "%s: excluded variables step without decay, the others with it, in any split", what);
  sn_opt_free(ex), sn_opt_free(all), sn_opt_free(none);
}

int main(void) {
  check_simd_variants();
  check_excluded(SN_OPT_ADAMW, "adamw");
  check_excluded(SN_OPT_ADAM, "adam");
  check_excluded(SN_OPT_SGD, "sgd");
  check_excluded(SN_OPT_LION, "lion");
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
