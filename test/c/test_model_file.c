/* The model file natively, so the sanitizers watch every byte it reads: a
 * round trip restores weights, moving statistics and training state exactly
 * (training goes on bit-identically, also for a CNN with batch norm and
 * dropout), version-1 files still restore, and every truncated, bit-flipped,
 * oversized-length or garbage file is refused without touching the model. */
#include "check.h"
#include "kernels.h"
#include "model_file.h"
#include <stdlib.h>
#include <string.h>

enum { IN = 4, HID = 5, OUT = 3, ROWS = 17 };
enum { CNN_H = 6, CNN_W = 5, CNN_C = 2, CNN_IN = CNN_H * CNN_W * CNN_C };
static const char JSON[] = "{\"layers\":[]}   "; /* 16 bytes, already a multiple of 4 */

static void fill(float *v, int n, unsigned seed) {
  for (int i = 0; i < n; i++) {
    seed = seed * 1664525u + 1013904223u;
    v[i] = (float)(seed >> 8) / 16777216.0f * 2.0f - 1.0f;
  }
}

/* Compiles a built model for MSE with Adam, or SGD with momentum 0.9 (and Nesterov's when asked). */
static void compile_with(sn_model *m, int opt_kind, int nesterov) {
  float sgd[3] = {0.05f, 0.9f, nesterov ? 1.0f : 0.0f}, adam[4] = {0.01f, 0.9f, 0.999f, 1e-7f};
  const float *hp = opt_kind == SN_OPT_ADAM ? adam : sgd;
  sn_model_compile(m, SN_LOSS_MSE, 0, 1, 1, sn_opt_create(opt_kind, (int)m->n_params, hp, opt_kind == SN_OPT_ADAM ? 4 : 3));
}

/* Epochs over ROWS fixed rows of `inputs` values (made from data_seed and data_seed + 1). */
static void train_on(sn_model *m, int inputs, int batch, unsigned data_seed, int epochs) {
  float x[ROWS * CNN_IN], t[ROWS * OUT]; /* the widest input of these tests */
  fill(x, ROWS * inputs, data_seed);
  fill(t, ROWS * OUT, data_seed + 1);
  for (int e = 0; e < epochs; e++) sn_model_fit_epoch(m, x, t, ROWS, batch, 1, NULL, NULL, 0, NULL);
}

static sn_model *make_model(int opt_kind, unsigned seed) {
  sn_model *m = sn_model_create(IN, seed);
  sn_model_add_dense(m, HID, SN_ACT_TANH, 0.0f, 1);
  sn_model_add_dense(m, OUT, SN_ACT_LINEAR, 0.0f, 0);
  sn_model_build(m);
  compile_with(m, opt_kind, 1);
  return m;
}

static void train(sn_model *m, int epochs) { train_on(m, IN, 4, 5, epochs); }

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
  static const int fields[] = {16, 20, 24, 28, 32, 36}; /* json_bytes, n_weights, n_hp, n_slots, n_nontrainable, n_rngs */
  static const uint32_t sizes[] = {0xFFFFFFFFu, 0x80000000u, 0x40000000u, 1000};
  ok = 1;
  for (int f = 0; f < 6; f++)
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

/* A small CNN with every kind of state a file holds: conv2d → batch norm
 * (moving statistics) → dropout → max pooling → seeded dropout → flatten →
 * dense, compiled with Adam or SGD with momentum. */
static sn_model *make_cnn(int opt_kind, unsigned seed, int with_dropout) {
  sn_model *m = sn_model_create_hwc(CNN_H, CNN_W, CNN_C, seed);
  sn_model_add_conv2d(m, 3, 3, 3, 1, 1, 1, 1, 1, SN_ACT_RELU, 0.0f, 1);
  sn_model_add_batch_norm(m, 0.9, 1e-3, 1, 1);
  if (with_dropout) sn_model_add_dropout(m, 0.25f, 0, 0);
  sn_model_add_pool2d(m, 1, 2, 2, 2, 2, 0);
  if (with_dropout) sn_model_add_dropout(m, 0.1f, 1, 99);
  sn_model_add_reshape(m, 1, 1, 3 * 2 * 3);
  sn_model_add_dense(m, OUT, SN_ACT_LINEAR, 0.0f, 1);
  CHECK(sn_model_build(m), "cnn builds");
  compile_with(m, opt_kind, 0);
  return m;
}

static void train_cnn(sn_model *m, int epochs) { train_on(m, CNN_IN, 5, 7, epochs); }

/* Weights, moving statistics, optimizer slots and every generator equal. */
static int same_everything(const sn_model *a, const sn_model *b) {
  int same = same_params(a, b) && a->n_state == b->n_state &&
             memcmp(a->state, b->state, (size_t)a->n_state * sizeof(float)) == 0 && a->rng.state == b->rng.state &&
             a->opt->step == b->opt->step && a->opt->n_slots == b->opt->n_slots;
  for (int k = 0; same && k < a->opt->n_slots; k++) same = memcmp(a->opt->slot[k], b->opt->slot[k], (size_t)a->opt->n * 4) == 0;
  for (int l = 0; same && l < a->n_layers; l++) same = memcmp(&a->layers[l].rng, &b->layers[l].rng, sizeof(sn_rng)) == 0;
  return same;
}

/* A CNN saved mid-training and restored into one built from another seed
 * trains on bit-identically: moving statistics and both dropout generators
 * come along. */
static void check_cnn_round_trip(int opt_kind) {
  sn_model *a = make_cnn(opt_kind, 1, 1), *b = make_cnn(opt_kind, 2, 1);
  train_cnn(a, 2);
  size_t len;
  uint8_t *bytes = save(a, 1, &len);
  double info[SN_INFO_COUNT];
  CHECK(sn_file_parse(bytes, len, info) == SN_FILE_OK && info[SN_INFO_VERSION] == SN_FILE_VERSION, "cnn: parse, version 2");
  CHECK(a->n_state == 6 && info[SN_INFO_N_NONTRAINABLE] == a->n_state, "cnn: moving mean and variance of 3 channels in the file");
  CHECK(info[SN_INFO_N_RNGS] == 2 && info[SN_INFO_N_WEIGHTS] == a->n_params, "cnn: two dropout generators, every weight");
  CHECK(memcmp(bytes + (size_t)info[SN_INFO_NONTRAINABLE_OFF], a->state, 24) == 0, "cnn: the moving statistics as they are");
  CHECK(!same_everything(a, b), "cnn: different seeds, different state");
  CHECK(sn_file_restore(b, bytes, len, 1) == SN_FILE_OK && same_everything(a, b), "cnn kind %d: everything restored", opt_kind);
  train_cnn(a, 3);
  train_cnn(b, 3);
  CHECK(same_everything(a, b), "cnn kind %d: training continues bit-identically", opt_kind);
  size_t again_len;
  uint8_t *again = save(b, 1, &again_len);
  uint8_t *original = save(a, 1, &len);
  CHECK(again_len == len && memcmp(again, original, len) == 0, "cnn: the restored model saves the same bytes");
  free(again);
  free(original);

  /* Without the training state, the weights and the moving statistics still come along. */
  sn_model *c = make_cnn(opt_kind, 3, 1);
  uint8_t *small = save(a, 0, &len);
  CHECK(sn_file_restore(c, small, len, 0) == SN_FILE_OK && same_params(a, c) &&
            memcmp(a->state, c->state, (size_t)a->n_state * 4) == 0, "cnn: weights and moving statistics without state");
  free(small);
  free(bytes);
  sn_model_free(a);
  sn_model_free(b);
  sn_model_free(c);
}

static void fix_checksum(uint8_t *bytes, size_t len) {
  uint32_t crc = sn_crc32(bytes, len - 4);
  for (int i = 0; i < 4; i++) bytes[len - 4 + i] = (uint8_t)(crc >> 8 * i);
}

static void check_cnn_refusals(void) {
  sn_model *a = make_cnn(SN_OPT_ADAM, 1, 1), *b = make_cnn(SN_OPT_ADAM, 2, 1), *plain = make_cnn(SN_OPT_ADAM, 2, 0);
  train_cnn(a, 1);
  size_t len;
  uint8_t *bytes = save(a, 1, &len);
  float *before = malloc((size_t)b->n_params * 4);
  memcpy(before, b->params, (size_t)b->n_params * 4);
  float state_before[6];
  memcpy(state_before, b->state, sizeof state_before);

  int ok = 1;
  for (size_t cut = 0; cut < len; cut += 3) {
    uint8_t *part = malloc(cut ? cut : 1);
    memcpy(part, bytes, cut);
    ok &= refused(part, cut, b, before);
    free(part);
  }
  CHECK(ok, "cnn: truncations refused");
  uint8_t *copy = malloc(len);
  ok = 1;
  for (size_t bit = 0; bit < len * 8; bit += 13) {
    memcpy(copy, bytes, len);
    copy[bit / 8] ^= (uint8_t)(1u << bit % 8);
    ok &= refused(copy, len, b, before);
  }
  CHECK(ok, "cnn: bit flips refused");

  /* A negative moving variance (the second non-trainable tensor) with a valid checksum. */
  double info[SN_INFO_COUNT];
  sn_file_parse(bytes, len, info);
  memcpy(copy, bytes, len);
  memcpy(copy + (size_t)info[SN_INFO_NONTRAINABLE_OFF] + 4 * 4, &(float){-0.5f}, 4);
  fix_checksum(copy, len);
  CHECK(sn_file_restore(b, copy, len, 0) == SN_FILE_NEGATIVE_VARIANCE, "negative moving variance refused");
  memcpy(copy, bytes, len);
  memcpy(copy + (size_t)info[SN_INFO_NONTRAINABLE_OFF], &(float){INFINITY}, 4);
  fix_checksum(copy, len);
  CHECK(sn_file_restore(b, copy, len, 0) == SN_FILE_NON_FINITE, "infinite moving mean refused");
  CHECK(memcmp(b->params, before, (size_t)b->n_params * 4) == 0 && memcmp(b->state, state_before, sizeof state_before) == 0,
        "refusals leave the model as it was");

  /* The same weights without the dropout layers: the weights fit, the training state does not. */
  CHECK(sn_file_restore(plain, bytes, len, 1) == SN_FILE_WRONG_MODEL, "dropout generators for other layers");
  CHECK(sn_file_restore(plain, bytes, len, 0) == SN_FILE_OK, "weights and moving statistics alone fit");
  sn_model *dense = make_model(SN_OPT_ADAM, 1);
  CHECK(sn_file_restore(dense, bytes, len, 0) == SN_FILE_WRONG_MODEL, "another layout");
  free(copy);
  free(before);
  free(bytes);
  sn_model_free(a);
  sn_model_free(b);
  sn_model_free(plain);
  sn_model_free(dense);
}

/* The version-1 layout of a version-2 file of a dense model (no moving
 * statistics): the 32-byte header, and 32 generator slots, slot k for the
 * dropout after the k-th dense layer (slots[k] = which of the file's
 * generators, or -1). */
static uint8_t *to_v1(const uint8_t *v2, size_t len, const int slots[32], size_t *v1_len) {
  double info[SN_INFO_COUNT];
  CHECK(sn_file_parse(v2, len, info) == SN_FILE_OK && info[SN_INFO_N_NONTRAINABLE] == 0, "a dense version-2 file");
  size_t n_rngs = (size_t)info[SN_INFO_N_RNGS], state = (size_t)info[SN_INFO_STATE_OFF];
  *v1_len = len - 8 + 16 * (32 - n_rngs);
  uint8_t *v1 = calloc(1, *v1_len), *p = v1;
  memcpy(p, v2, 32); /* magic, version, flags, json_bytes, n_weights, n_hp, n_slots */
  p[8] = 1;
  p = (uint8_t *)memcpy(p + 32, v2 + 40, state - 40) + (state - 40); /* topology and weights */
  p = (uint8_t *)memcpy(p, v2 + state, 28) + 28;                  /* rng, kind, step */
  for (int k = 0; k < 32; k++, p += 16)
    if (slots[k] >= 0) memcpy(p, v2 + state + 28 + 16 * (size_t)slots[k], 16);
  size_t rest = len - 4 - (state + 28 + 16 * n_rngs);
  memcpy(p, v2 + state + 28 + 16 * n_rngs, rest); /* hp and slots */
  fix_checksum(v1, *v1_len);
  return v1;
}

/* A version-1 file restores as its version-2 twin: weights, generators (the
 * dropout layers after dense layers 0 and 1) and optimizer state. */
static void check_version_1(void) {
  sn_model *make[3];
  for (int i = 0; i < 3; i++) {
    make[i] = sn_model_create(IN, 10 + (unsigned)i);
    sn_model_add_dense(make[i], HID, SN_ACT_TANH, 0.0f, 1);
    sn_model_add_dropout(make[i], 0.3f, 0, 0);
    sn_model_add_dense(make[i], HID, SN_ACT_RELU, 0.0f, 1);
    sn_model_add_dropout(make[i], 0.2f, 1, 5);
    sn_model_add_dense(make[i], OUT, SN_ACT_LINEAR, 0.0f, 0);
    sn_model_build(make[i]);
    compile_with(make[i], SN_OPT_ADAM, 0);
  }
  sn_model *a = make[0], *v1_copy = make[1], *v2_copy = make[2];
  train(a, 2);
  size_t len, v1_len;
  uint8_t *v2 = save(a, 1, &len);
  int slots[32];
  for (int k = 0; k < 32; k++) slots[k] = k < 2 ? k : -1;
  uint8_t *v1 = to_v1(v2, len, slots, &v1_len);
  double info[SN_INFO_COUNT];
  CHECK(sn_file_parse(v1, v1_len, info) == SN_FILE_OK && info[SN_INFO_VERSION] == 1 && info[SN_INFO_N_RNGS] == 32, "v1 parses");
  CHECK(sn_file_restore(v1_copy, v1, v1_len, 1) == SN_FILE_OK && sn_file_restore(v2_copy, v2, len, 1) == SN_FILE_OK, "both restore");
  CHECK(same_everything(a, v1_copy) && same_everything(a, v2_copy), "version 1 restores everything version 2 does");
  train(a, 2);
  train(v1_copy, 2);
  CHECK(same_everything(a, v1_copy), "a version-1 file resumes training bit-identically");
  int ok = 1;
  for (size_t cut = 0; cut < v1_len; cut++) ok &= sn_file_parse(v1, cut, info) != SN_FILE_OK;
  CHECK(ok, "v1: every truncation refused");
  free(v1);
  free(v2);
  for (int i = 0; i < 3; i++) sn_model_free(make[i]);
}

int main(void) {
  check_crc();
  check_round_trip(SN_OPT_ADAM);
  check_round_trip(SN_OPT_SGD);
  check_damage();
  check_wrong_model();
  check_cnn_round_trip(SN_OPT_ADAM);
  check_cnn_round_trip(SN_OPT_SGD);
  check_cnn_refusals();
  check_version_1();
  return check_summary();
}
