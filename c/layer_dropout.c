/* Inverted dropout: in training each element is kept with probability
 * 1 − rate and scaled by 1/(1 − rate), so nothing changes at inference, where
 * the layer is a view of its input.
 *   training: z = x · mask,  dx = dz · mask (in place)
 * The masks come from the layer's own PCG32 generator: its seed, or one drawn
 * from the model's generator after the weights, so the weights do not depend
 * on it and training stays bit-reproducible. */
#include "api.h"
#include "model.h"

SN_API int sn_model_add_dropout(sn_model *m, float rate, int seeded, unsigned seed) {
  sn_layer *l = sn_model_begin_layer(m, SN_LAYER_DROPOUT);
  if (!l) return -1;
  l->rate = rate;
  l->seeded = seeded != 0;
  l->seed = seed;
  return sn_model_end_layer(m, rate >= 0.0f && rate < 1.0f);
}

static int setup(sn_layer *l) {
  l->out = l->in;
  return 1;
}

static int64_t elements(const sn_layer *l, int rows) { return rows * sn_shape_size(l->out); }

static void reserve(sn_layer *l, int rows, sn_carver *c) {
  if (l->rate <= 0.0f) return;
  l->zbuf = sn_carve(c, elements(l, rows));
  l->mask = sn_carve(c, elements(l, rows));
}

void sn_dropout_seed(sn_layer *l, sn_rng *model_rng) {
  if (l->rate > 0.0f) sn_rng_seed(&l->rng, l->seeded ? l->seed : sn_rng_u32(model_rng));
}

/* A unit survives when a 32-bit draw is at least rate·2³², i.e. with probability 1 − rate. */
void sn_dropout_fill(sn_rng *rng, float rate, float *mask, long n) {
  double threshold = rate * 4294967296.0;
  float scale = 1.0f / (1.0f - rate);
  for (long i = 0; i < n; i++) mask[i] = sn_rng_u32(rng) >= threshold ? scale : 0.0f;
}

void sn_dropout_draw(sn_layer *l, long n) {
  if (l->rate > 0.0f) sn_dropout_fill(&l->rng, l->rate, l->mask, n);
}

static void draw(sn_layer *l, int rows) { sn_dropout_draw(l, (long)elements(l, rows)); }

static int dropping(const sn_model *m, const sn_layer *l) { return m->training && l->rate > 0.0f; }

static void forward(sn_model *m, sn_layer *l, int rows, const float *x) {
  if (!dropping(m, l)) {
    l->z = x;
    return;
  }
  float *restrict out = l->zbuf;
  const float *restrict mask = l->mask;
  for (long i = 0, n = (long)elements(l, rows); i < n; i++) out[i] = x[i] * mask[i];
  l->z = out;
}

static float *backward(sn_model *m, sn_layer *l, int rows, const float *x, float *dz, float *dx) {
  (void)x;
  if (!dx) return NULL;
  if (dropping(m, l))
    for (long i = 0, n = (long)elements(l, rows); i < n; i++) dz[i] *= l->mask[i];
  return dz;
}

const sn_layer_ops sn_dropout_ops = {
    .setup = setup, .reserve = reserve, .forward = forward, .backward = backward, .seed = sn_dropout_seed, .draw = draw, .view = 1,
    .positionwise = 1 /* generation never trains: a view */};
