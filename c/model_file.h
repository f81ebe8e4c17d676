/* The model file: one self-describing binary, read and written here so that the
 * code that touches untrusted bytes is small, native-testable and fuzzed.
 *
 * Layout of versions 2 and 3 (all integers little-endian uint32, floats IEEE float32,
 * step float64; every section a multiple of 4 bytes):
 *
 *   header, 40 bytes:
 *     magic "SIMDNET\0" (8) | version (2) | flags (bit 0: training state present)
 *     | json_bytes | n_weights | n_hp | n_slots | n_nontrainable | n_rngs
 *   topology:     json_bytes of UTF-8 JSON (read by the JavaScript wrapper; the
 *                 writer pads it with spaces to a multiple of 4)
 *   weights:      n_weights floats, the trainable parameters in Keras' order
 *                 (the model's `params`: layer by layer, each layer's tensors)
 *   non-trainable: n_nontrainable floats, the model's `state` in the same order
 *                 (batch norm's moving mean and variance)
 *   training state (only with flag bit 0):
 *     rng state, rng inc (uint64 each: the shuffling generator) | optimizer kind
 *     | step (float64) | n_rngs generators (state, inc), one per dropout layer
 *     in layer order | hp: n_hp floats | slots: n_slots × n_weights floats
 *   checksum: CRC-32 (IEEE, as zlib) of every byte before it
 *
 * Version 3 is version 2 whose topology may be a graph (several inputs and
 * outputs, merges, shared and frozen layers: web/io/model-file.js reads it);
 * the binary sections are the same, so a version-2 file still loads.
 *
 * Version 1 (still read, never written) is version 2 without n_nontrainable,
 * n_rngs and the non-trainable section: a 32-byte header, and in the training
 * state 32 generators in place of n_rngs, slot k belonging to the dropout layer
 * right after the k-th dense layer (zeros where there is none). Version-1
 * files hold dense models.
 *
 * Every length is checked in 64 bits against the bytes that remain before
 * anything is read, and the whole file must be exactly as long as its header
 * says.
 *
 * Memory: nothing here allocates. The caller owns the file bytes and the output
 * buffer; sn_file_parse only reads `len` bytes of `bytes`. */
#ifndef SN_MODEL_FILE_H
#define SN_MODEL_FILE_H
#include "model.h"
#include <stddef.h>
#include <stdint.h>

enum { SN_FILE_VERSION = 3, SN_FILE_HEADER_BYTES = 40, SN_FILE_V1_HEADER_BYTES = 32 };
enum { SN_FILE_HAS_STATE = 1 };

/* What went wrong, for the wrapper's error messages (web/io/model-file.js). This enum, the
 * next one and the two above reach JavaScript through scripts/gen-constants.js. */
enum sn_file_status {
  SN_FILE_OK = 0,
  SN_FILE_TOO_SHORT = 1,      /* shorter than a header and a checksum */
  SN_FILE_BAD_MAGIC = 2,      /* not a simdnet model file */
  SN_FILE_BAD_VERSION = 3,    /* written by a newer (or unknown) format version */
  SN_FILE_BAD_FLAGS = 4,      /* unknown flag bits */
  SN_FILE_BAD_LENGTHS = 5,    /* a section length exceeds the file or a limit */
  SN_FILE_LENGTH_MISMATCH = 6, /* the file is longer or shorter than its sections add up to */
  SN_FILE_BAD_CHECKSUM = 7,   /* damaged: the CRC-32 does not match */
  SN_FILE_WRONG_MODEL = 8,    /* restore: weight counts, dropout layers or optimizer differ from the model */
  SN_FILE_NON_FINITE = 9,     /* restore: a weight, step or slot value is NaN or infinite */
  SN_FILE_NO_ROOM = 10,       /* write: the output buffer is too small */
  SN_FILE_NEGATIVE_VARIANCE = 11 /* restore: a batch norm's moving variance is negative */
};

/* Where the sections are, as read from a checked file. Offsets index the file. */
enum sn_file_info_field {
  SN_INFO_VERSION, SN_INFO_FLAGS, SN_INFO_JSON_OFF, SN_INFO_JSON_BYTES, SN_INFO_WEIGHTS_OFF,
  SN_INFO_N_WEIGHTS, SN_INFO_N_HP, SN_INFO_N_SLOTS, SN_INFO_STATE_OFF, SN_INFO_OPT_KIND,
  SN_INFO_N_NONTRAINABLE, SN_INFO_NONTRAINABLE_OFF, SN_INFO_N_RNGS, /* version 1: 0, the weights' end, 32 */
  SN_INFO_COUNT
};

uint32_t sn_crc32(const uint8_t *bytes, size_t len);

/* Checks a whole file; fills info[SN_INFO_COUNT] (doubles: exact for every
 * field) when it returns SN_FILE_OK. */
int sn_file_parse(const uint8_t *bytes, size_t len, double *info);

/* Bytes sn_file_write will produce for this model (0 if it is not built). */
size_t sn_file_size(const sn_model *m, size_t json_bytes, int with_state);

/* Writes the model (and with with_state, its generators and optimizer) into
 * out[cap], as version 2. json must already be padded as the writer wants it. */
int sn_file_write(const sn_model *m, const uint8_t *json, size_t json_bytes, int with_state, uint8_t *out,
                  size_t cap);

/* Copies the weights, the non-trainable state, and with with_state the
 * generators and optimizer state, from a file into a built (and for the
 * state, compiled) model with the same layout. The model is changed only when
 * everything checked out. */
int sn_file_restore(sn_model *m, const uint8_t *bytes, size_t len, int with_state);
#endif
