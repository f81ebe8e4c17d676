/* libFuzzer target for the model-file reader (c/model_file.c).
 *
 * Each input is tried three ways: as given (mostly stopped by the length and
 * checksum checks), with its checksum recomputed (so the fuzzer explores what
 * lies behind the checksum), and, when it then parses, restored into a model
 * whose weight counts, dropout layers and optimizer match the header, so every
 * copy the reader makes runs too (weights, moving statistics, generators,
 * optimizer state); then the model is written again. ASan reports any read or
 * write outside the buffers.
 * Build and run: bench/fuzz-model-file.sh [seconds]. */
#include "model_file.h"
#include <stdlib.h>
#include <string.h>

enum { MAX_RESTORE_WEIGHTS = 1 << 16, MAX_DROPOUTS = 62 }; /* keeps each run fast */

/* A model with n weights, n_state moving statistics and n_rngs dropout
 * layers when the counts allow it: a batch norm without gamma and beta on
 * n_state / 2 inputs (or 1 input without one), the dropout layers, then a
 * dense layer without bias to n / inputs units (version 1: one dropout layer
 * after the dense one, in the first generator slot). Otherwise a dense model
 * with n weights, which the file does not fit. Compiled with an optimizer of
 * the given kind and slot count when there is one. */
static sn_model *model_for(int version, uint32_t n, uint32_t n_state, uint32_t n_rngs, int kind, int n_slots) {
  int inputs = n_state && n_state % 2 == 0 && n_state / 2 <= MAX_RESTORE_WEIGHTS ? (int)(n_state / 2) : 1;
  int fits = (n_state == 0 || inputs > 1 || n_state == 2) && n % (uint32_t)inputs == 0 && n_rngs < MAX_DROPOUTS;
  sn_model *m = sn_model_create(fits ? inputs : 1, 7);
  int ok = m != NULL;
  if (ok && fits && n_state) ok = sn_model_add_batch_norm(m, 0.9, 1e-3, 0, 0) >= 0;
  for (uint32_t k = 0; ok && fits && version != 1 && k < n_rngs; k++) ok = sn_model_add_dropout(m, 0.5f, 0, 0) >= 0;
  uint32_t units = fits ? n / (uint32_t)inputs : n;
  if (ok && units) ok = sn_model_add_dense(m, (int)units, 0, 0.0f, 0) >= 0;
  if (ok && version == 1) ok = sn_model_add_dropout(m, 0.5f, 0, 0) >= 0;
  if (!ok || !sn_model_build(m)) {
    sn_model_free(m);
    return NULL;
  }
  if (kind < 0 || kind >= SN_OPT_COUNT) return m;
  /* Hyper-parameters that give the kind as many slots as the file holds
   * (momentum, centered or amsgrad on or off), or the last ones tried. */
  static const float tries[][6] = {{0.01f, 0, 0, 0, 0, 0}, {0.01f, 0.9f, 0.999f, 1e-7f, 0, 0}, {0.01f, 0.9f, 0.9f, 1e-7f, 1, 0}};
  for (int t = 0; t < 3; t++) {
    float hp[SN_OPT_MAX_HP] = {0};
    memcpy(hp, tries[t], sizeof tries[t]);
    sn_optimizer *opt = sn_opt_create(kind, (int)m->n_params, hp, SN_OPT_MAX_HP);
    if (opt && (opt->n_slots == n_slots || t == 2)) {
      sn_model_compile(m, 0, 0, 1, 1, opt);
      break;
    }
    sn_opt_free(opt);
  }
  return m;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  double info[SN_INFO_COUNT];
  sn_file_parse(data, size, info);
  if (size < SN_FILE_V1_HEADER_BYTES + 4) return 0;
  uint8_t *copy = malloc(size); /* exactly size bytes, so ASan sees any overrun */
  memcpy(copy, data, size);
  uint32_t crc = sn_crc32(copy, size - 4);
  for (int i = 0; i < 4; i++) copy[size - 4 + i] = (uint8_t)(crc >> 8 * i);
  if (sn_file_parse(copy, size, info) == SN_FILE_OK && info[SN_INFO_N_WEIGHTS] <= MAX_RESTORE_WEIGHTS &&
      info[SN_INFO_N_NONTRAINABLE] <= 2 * MAX_RESTORE_WEIGHTS) {
    double kind = info[SN_INFO_OPT_KIND]; /* any uint32 the file holds, or -1 */
    sn_model *m = model_for((int)info[SN_INFO_VERSION], (uint32_t)info[SN_INFO_N_WEIGHTS], (uint32_t)info[SN_INFO_N_NONTRAINABLE],
                            (uint32_t)info[SN_INFO_N_RNGS],
                            kind >= 0 && kind < SN_OPT_COUNT ? (int)kind : -1, (int)info[SN_INFO_N_SLOTS]);
    if (m) {
      sn_file_restore(m, copy, size, 0);
      sn_file_restore(m, copy, size, 1);
      size_t out_len = sn_file_size(m, (size_t)info[SN_INFO_JSON_BYTES], 1);
      uint8_t *out = malloc(out_len ? out_len : 1);
      sn_file_write(m, copy + (size_t)info[SN_INFO_JSON_OFF], (size_t)info[SN_INFO_JSON_BYTES], 1, out, out_len);
      free(out);
      sn_model_free(m);
    }
  }
  free(copy);
  return 0;
}
