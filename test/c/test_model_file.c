/* The model file natively, so the sanitizers watch every byte it reads: a
 * round trip restores weights and training state exactly (training goes on
 * bit-identically), and every truncated, bit-flipped, oversized-length or
 * garbage file is refused without touching the model. */
#include "check.h"
#include "kernels.h"
#include "model_file.h"
#include <stdlib.h>
#include <string.h>

enum { IN = 4, HID = 5, OUT = 3, ROWS = 17 };
static const char JSON[] = "{\"layers\":[]}   "; /* 16 bytes, already a multiple of 4 */

static void fill(float *v, int n, unsigned seed) {
  for (int i = 0; i < n; i++) {
    seed = seed * 1664525u + 1013904223u;
    v[i] = (float)(seed >> 8) / 16777216.0f * 2.0f - 1.0f;
  }
}

static sn_model *make_model(int opt_kind, unsigned seed) {
  sn_model *m = sn_model_create(IN, seed);
  sn_model_add_dense(m, HID, SN_ACT_TANH, 0.0f, 1);
  sn_model_add_dense(m, OUT, SN_ACT_LINEAR, 0.0f, 0);
  sn_model_build(m);
  float sgd[3] = {0.05f, 0.9f, 1.0f}, adam[4] = {0.01f, 0.9f, 0.999f, 1e-7f};
  const float *hp = opt_kind == SN_OPT_ADAM ? adam : sgd;
  sn_model_compile(m, SN_LOSS_MSE, 0, 1, 1, sn_opt_create(opt_kind, (int)m->n_params, hp, opt_kind == SN_OPT_ADAM ? 4 : 3));
  return m;
}

static void train(sn_model *m, int epochs) {
  float x[ROWS * IN], t[ROWS * OUT];
  fill(x, ROWS * IN, 5);
  fill(t, ROWS * OUT, 6);
  for (int e = 0; e < epochs; e++) sn_model_fit_epoch(m, x, t, ROWS, 4, 1, NULL, NULL, 0, NULL);
}

/* A freshly allocated file of the model; *len receives its size. */
static uint8_t *save(const sn_model *m, int with_state, size_t *len) {
  *len = sn_file_size(m, sizeof JSON - 1, with_state);
  uint8_t *bytes = malloc(*len);
  CHECK(sn_file_write(m, (const uint8_t *)JSON, sizeof JSON - 1, with_state, bytes, *len) == SN_FILE_OK, "write");
  return bytes;
}

static int same_params(const sn_model *a, const sn_model *b) {
  return a->n_params == b->n_params && memcmp(a->params, b->params, (size_t)a->n_params * sizeof(float)) == 0;
}

static void check_crc(void) {
  CHECK(sn_crc32((const uint8_t *)"123456789", 9) == 0xCBF43926u, "CRC-32 check value");
  CHECK(sn_crc32(NULL, 0) == 0, "CRC-32 of nothing");
}

/* Saved mid-training and restored into a model built from another seed, the
 * copy trains on bit-identically: weights, optimizer slots, step and shuffling. */
static void check_round_trip(int opt_kind) {
  sn_model *a = make_model(opt_kind, 1), *b = make_model(opt_kind, 2);
  train(a, 3);
  size_t len;
  uint8_t *bytes = save(a, 1, &len);
  double info[SN_INFO_COUNT];
  CHECK(sn_file_parse(bytes, len, info) == SN_FILE_OK, "parse");
  CHECK(info[SN_INFO_N_WEIGHTS] == a->n_params && info[SN_INFO_N_SLOTS] == a->opt->n_slots, "counts");
  CHECK(info[SN_INFO_OPT_KIND] == opt_kind && info[SN_INFO_JSON_BYTES] == sizeof JSON - 1, "kind, json");
  CHECK(memcmp(bytes + (size_t)info[SN_INFO_JSON_OFF], JSON, sizeof JSON - 1) == 0, "json bytes");
  CHECK(!same_params(a, b), "different seeds, different weights");
  CHECK(sn_file_restore(b, bytes, len, 1) == SN_FILE_OK, "restore");
  CHECK(same_params(a, b), "weights restored");
  CHECK(b->opt->step == a->opt->step && b->rng.state == a->rng.state, "step and generator restored");
  train(a, 4);
  train(b, 4);
  CHECK(same_params(a, b), "kind %d: training continues bit-identically", opt_kind);
  free(bytes);

  /* Without state: the weights only; the file is smaller and has no state flag. */
  size_t small;
  bytes = save(a, 0, &small);
  CHECK(small < len && sn_file_parse(bytes, small, info) == SN_FILE_OK && info[SN_INFO_FLAGS] == 0, "no state");
  CHECK(sn_file_restore(b, bytes, small, 1) == SN_FILE_WRONG_MODEL, "state asked for but absent");
  CHECK(sn_file_restore(b, bytes, small, 0) == SN_FILE_OK && same_params(a, b), "weights only");
  free(bytes);
  sn_model_free(a);
  sn_model_free(b);
}

/* Runs a damaged file through parse and restore: it must be refused and leave b as it was. */
static int refused(const uint8_t *bytes, size_t len, sn_model *b, const float *before) {
  double info[SN_INFO_COUNT];
  int parse = sn_file_parse(bytes, len, info), restore = sn_file_restore(b, bytes, len, 1);
  return parse != SN_FILE_OK && restore == parse && memcmp(b->params, before, (size_t)b->n_params * 4) == 0;
}

static void check_damage(void) {
  sn_model *a = make_model(SN_OPT_ADAM, 1), *b = make_model(SN_OPT_ADAM, 2);
  train(a, 1);
  size_t len;
  uint8_t *bytes = save(a, 1, &len);
  float *before = malloc((size_t)b->n_params * 4);
  memcpy(before, b->params, (size_t)b->n_params * 4);
  uint8_t *copy = malloc(len + 64);

  int ok = 1;
  for (size_t cut = 0; cut < len; cut++) { /* every truncation, in a buffer of exactly that size */
    uint8_t *part = malloc(cut ? cut : 1);
    memcpy(part, bytes, cut);
    ok &= refused(part, cut, b, before);
    free(part);
  }
  CHECK(ok, "every truncation refused");

  ok = 1;
  for (size_t bit = 0; bit < len * 8; bit++) { /* every single bit flip */
    memcpy(copy, bytes, len);
    copy[bit / 8] ^= (uint8_t)(1u << bit % 8);
    ok &= refused(copy, len, b, before);
  }
  CHECK(ok, "every bit flip refused");

  memcpy(copy, bytes, len);
  memset(copy + len, 0, 64);
  CHECK(refused(copy, len + 1, b, before), "a trailing byte");

  /* Oversized lengths, each with a valid checksum so the length check itself is what refuses. */
  static const int fields[] = {16, 20, 24, 28}; /* json_bytes, n_weights, n_hp, n_slots */
  static const uint32_t sizes[] = {0xFFFFFFFFu, 0x80000000u, 0x40000000u, 1000};
  ok = 1;
  for (int f = 0; f < 4; f++)
    for (int s = 0; s < 4; s++) {
      memcpy(copy, bytes, len);
      uint32_t v = sizes[s];
      for (int i = 0; i < 4; i++) copy[fields[f] + i] = (uint8_t)(v >> 8 * i);
      uint32_t crc = sn_crc32(copy, len - 4);
      for (int i = 0; i < 4; i++) copy[len - 4 + i] = (uint8_t)(crc >> 8 * i);
      ok &= refused(copy, len, b, before);
    }
  CHECK(ok, "oversized lengths refused");

  /* Garbage: pseudo-random bytes of many sizes, with and without the magic. */
  ok = 1;
  unsigned seed = 12345;
  for (size_t n = 0; n < 300; n += 7) {
    uint8_t *junk = malloc(n + 1);
    for (size_t i = 0; i < n; i++) junk[i] = (uint8_t)((seed = seed * 1103515245u + 12345u) >> 16);
    ok &= refused(junk, n, b, before);
    if (n >= 8) memcpy(junk, "SIMDNET", 8);
    ok &= refused(junk, n, b, before);
    free(junk);
  }
  CHECK(ok, "garbage refused");
  CHECK(sn_file_parse(NULL, 0, NULL) == SN_FILE_TOO_SHORT, "no bytes");

  /* A NaN weight with a valid checksum: parsed, but not restored. */
  memcpy(copy, bytes, len);
  double info[SN_INFO_COUNT];
  sn_file_parse(copy, len, info);
  memcpy(copy + (size_t)info[SN_INFO_WEIGHTS_OFF] + 8, &(float){NAN}, 4);
  uint32_t crc = sn_crc32(copy, len - 4);
  for (int i = 0; i < 4; i++) copy[len - 4 + i] = (uint8_t)(crc >> 8 * i);
  CHECK(sn_file_restore(b, copy, len, 1) == SN_FILE_NON_FINITE, "NaN weight refused");
  CHECK(memcmp(b->params, before, (size_t)b->n_params * 4) == 0, "model unchanged");
  free(copy);
  free(before);
  free(bytes);
  sn_model_free(a);
  sn_model_free(b);
}

/* A file of one model does not go into another layout or optimizer. */
static void check_wrong_model(void) {
  sn_model *adam = make_model(SN_OPT_ADAM, 1), *sgd = make_model(SN_OPT_SGD, 1);
  sn_model *other = sn_model_create(IN + 1, 1);
  sn_model_add_dense(other, OUT, SN_ACT_LINEAR, 0.0f, 1);
  sn_model_build(other);
  size_t len;
  uint8_t *bytes = save(adam, 1, &len);
  CHECK(sn_file_restore(other, bytes, len, 0) == SN_FILE_WRONG_MODEL, "different weight count");
  CHECK(sn_file_restore(sgd, bytes, len, 1) == SN_FILE_WRONG_MODEL, "different optimizer");
  CHECK(sn_file_restore(sgd, bytes, len, 0) == SN_FILE_OK, "weights alone fit");
  CHECK(sn_file_write(adam, (const uint8_t *)JSON, sizeof JSON - 1, 1, bytes, len - 1) == SN_FILE_NO_ROOM, "no room");
  free(bytes);
  sn_model_free(adam);
  sn_model_free(sgd);
  sn_model_free(other);
}

int main(void) {
  check_crc();
  check_round_trip(SN_OPT_ADAM);
  check_round_trip(SN_OPT_SGD);
  check_damage();
  check_wrong_model();
  return check_summary();
}
