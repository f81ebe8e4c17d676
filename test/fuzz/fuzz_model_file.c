/* libFuzzer target for the model-file reader (c/model_file.c).
 *
 * Each input is tried three ways: as given (mostly stopped by the length and
 * checksum checks), with its checksum recomputed (so the fuzzer explores what
 * lies behind the checksum), and, when it then parses, restored into a model
 * whose weight count and optimizer match the header, so every copy the reader
 * makes runs too. ASan reports any read or write outside the buffers.
 * Build and run: bench/fuzz-model-file.sh [seconds]. */
#include "model_file.h"
#include <stdlib.h>
#include <string.h>

enum { MAX_RESTORE_WEIGHTS = 1 << 16 }; /* keeps each run fast */

/* A model with exactly n weights (one dense layer 1 → n, no bias), compiled
 * with an optimizer of the given kind and slot count when there is one. */
static sn_model *model_for(uint32_t n, int kind, int n_slots) {
  sn_model *m = sn_model_create(1, 7);
  if (!m || sn_model_add_dense(m, (int)n, 0, 0.0f, 0) < 0 || !sn_model_build(m)) {
    sn_model_free(m);
    return NULL;
  }
  if (kind < 0 || kind >= SN_OPT_COUNT) return m;
  float hp[SN_OPT_MAX_HP] = {0.01f, n_slots ? 0.9f : 0.0f, 0.999f, 1e-7f};
  sn_model_compile(m, 0, 0, 1, 1, sn_opt_create(kind, (int)n, hp, SN_OPT_MAX_HP));
  return m;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  double info[SN_INFO_COUNT];
  sn_file_parse(data, size, info);
  if (size < SN_FILE_HEADER_BYTES + 4) return 0;
  uint8_t *copy = malloc(size); /* exactly size bytes, so ASan sees any overrun */
  memcpy(copy, data, size);
  uint32_t crc = sn_crc32(copy, size - 4);
  for (int i = 0; i < 4; i++) copy[size - 4 + i] = (uint8_t)(crc >> 8 * i);
  if (sn_file_parse(copy, size, info) == SN_FILE_OK && info[SN_INFO_N_WEIGHTS] <= MAX_RESTORE_WEIGHTS) {
    double kind = info[SN_INFO_OPT_KIND]; /* any uint32 the file holds, or -1 */
    sn_model *m = model_for((uint32_t)info[SN_INFO_N_WEIGHTS], kind >= 0 && kind < SN_OPT_COUNT ? (int)kind : -1,
                            (int)info[SN_INFO_N_SLOTS]);
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
