#include "model_file.h"
#include "api.h"
#include <math.h>
#include <string.h>

static const uint8_t MAGIC[8] = {'S', 'I', 'M', 'D', 'N', 'E', 'T', 0};
/* rng state, rng inc, optimizer kind, step, then DROPOUT_SLOTS dropout
 * generators (state, inc; zeros where there is none). Slot k belongs to the
 * dropout layer after the k-th dense layer (version 1 files hold dense models). */
enum { DROPOUT_SLOTS = 32, DROPOUT_RNGS_OFF = 8 + 8 + 4 + 8, STATE_FIXED_BYTES = DROPOUT_RNGS_OFF + 16 * DROPOUT_SLOTS };
enum { CRC_BYTES = 4 };

/* CRC-32 as zlib and PNG compute it (reflected polynomial 0xEDB88320), bitwise:
 * model files are read once, so a table is not worth its 1 KB. */
SN_API uint32_t sn_crc32(const uint8_t *bytes, size_t len) {
  uint32_t crc = 0xFFFFFFFFu;
  for (size_t i = 0; i < len; i++) {
    crc ^= bytes[i];
    for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

/* Little-endian accessors: the file's byte order does not depend on the host's. */
static uint32_t get_u32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t get_u64(const uint8_t *p) { return get_u32(p) | (uint64_t)get_u32(p + 4) << 32; }
static float get_f32(const uint8_t *p) {
  uint32_t u = get_u32(p);
  float f;
  memcpy(&f, &u, 4);
  return f;
}
static double get_f64(const uint8_t *p) {
  uint64_t u = get_u64(p);
  double d;
  memcpy(&d, &u, 8);
  return d;
}
static uint8_t *put_u32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> 8 * i);
  return p + 4;
}
static uint8_t *put_u64(uint8_t *p, uint64_t v) { return put_u32(put_u32(p, (uint32_t)v), (uint32_t)(v >> 32)); }
static uint8_t *put_f32s(uint8_t *p, const float *v, uint64_t n) {
  for (uint64_t i = 0; i < n; i++) {
    uint32_t u;
    memcpy(&u, &v[i], 4);
    p = put_u32(p, u);
  }
  return p;
}
static uint8_t *put_f64(uint8_t *p, double d) {
  uint64_t u;
  memcpy(&u, &d, 8);
  return put_u64(p, u);
}

/* Header fields after the magic, in file order. */
enum { H_VERSION, H_FLAGS, H_JSON_BYTES, H_N_WEIGHTS, H_N_HP, H_N_SLOTS, H_FIELDS };

/* Size of the state section for these counts, in 64 bits so no count can overflow it. */
static uint64_t state_bytes(uint64_t n_weights, uint64_t n_hp, uint64_t n_slots) {
  return STATE_FIXED_BYTES + 4 * n_hp + 4 * n_slots * n_weights;
}

/* slots[k] = the generator of the dropout layer after the k-th dense layer, or NULL. */
static void dropout_slots(const sn_model *m, sn_rng *slots[DROPOUT_SLOTS]) {
  for (int k = 0; k < DROPOUT_SLOTS; k++) slots[k] = NULL;
  for (int l = 0, dense = -1; l < m->n_layers; l++) {
    const sn_layer *L = &m->layers[l];
    dense += L->kind == SN_LAYER_DENSE;
    if (L->kind == SN_LAYER_DROPOUT && L->rate > 0.0f && dense >= 0 && dense < DROPOUT_SLOTS)
      slots[dense] = (sn_rng *)&L->rng;
  }
}

SN_API int sn_file_parse(const uint8_t *bytes, size_t len, double *info) {
  if (!bytes || len < SN_FILE_HEADER_BYTES + CRC_BYTES) return SN_FILE_TOO_SHORT;
  if (memcmp(bytes, MAGIC, sizeof MAGIC) != 0) return SN_FILE_BAD_MAGIC;
  uint32_t h[H_FIELDS];
  for (int i = 0; i < H_FIELDS; i++) h[i] = get_u32(bytes + sizeof MAGIC + 4 * i);
  if (h[H_VERSION] != SN_FILE_VERSION) return SN_FILE_BAD_VERSION;
  if (h[H_FLAGS] & ~(uint32_t)SN_FILE_HAS_STATE) return SN_FILE_BAD_FLAGS;
  int has_state = (h[H_FLAGS] & SN_FILE_HAS_STATE) != 0;
  /* Each section against what remains after the previous ones, in 64 bits. */
  uint64_t remaining = len - SN_FILE_HEADER_BYTES - CRC_BYTES;
  uint64_t sections[3] = {h[H_JSON_BYTES], 4 * (uint64_t)h[H_N_WEIGHTS],
                          has_state ? state_bytes(h[H_N_WEIGHTS], h[H_N_HP], h[H_N_SLOTS]) : 0};
  if (h[H_N_HP] > SN_OPT_MAX_HP || h[H_N_SLOTS] > SN_OPT_MAX_SLOTS || h[H_N_WEIGHTS] == 0 ||
      (!has_state && (h[H_N_HP] || h[H_N_SLOTS])))
    return SN_FILE_BAD_LENGTHS;
  for (int s = 0; s < 3; s++) {
    if (sections[s] > remaining) return SN_FILE_BAD_LENGTHS;
    remaining -= sections[s];
  }
  if (remaining != 0) return SN_FILE_LENGTH_MISMATCH;
  if (sn_crc32(bytes, len - CRC_BYTES) != get_u32(bytes + len - CRC_BYTES)) return SN_FILE_BAD_CHECKSUM;
  uint64_t json_off = SN_FILE_HEADER_BYTES, weights_off = json_off + sections[0], state_off = weights_off + sections[1];
  info[SN_INFO_VERSION] = h[H_VERSION];
  info[SN_INFO_FLAGS] = h[H_FLAGS];
  info[SN_INFO_JSON_OFF] = (double)json_off;
  info[SN_INFO_JSON_BYTES] = h[H_JSON_BYTES];
  info[SN_INFO_WEIGHTS_OFF] = (double)weights_off;
  info[SN_INFO_N_WEIGHTS] = h[H_N_WEIGHTS];
  info[SN_INFO_N_HP] = h[H_N_HP];
  info[SN_INFO_N_SLOTS] = h[H_N_SLOTS];
  info[SN_INFO_STATE_OFF] = has_state ? (double)state_off : 0;
  info[SN_INFO_OPT_KIND] = has_state ? (double)get_u32(bytes + state_off + 16) : -1.0;
  return SN_FILE_OK;
}

SN_API size_t sn_file_size(const sn_model *m, size_t json_bytes, int with_state) {
  if (!m->params) return 0;
  uint64_t n = (uint64_t)m->n_params;
  uint64_t size = SN_FILE_HEADER_BYTES + (uint64_t)json_bytes + 4 * n + CRC_BYTES;
  if (with_state && m->opt) size += state_bytes(n, SN_OPT_MAX_HP, (uint64_t)m->opt->n_slots);
  return size > SIZE_MAX || size > UINT32_MAX ? 0 : (size_t)size;
}

SN_API int sn_file_write(const sn_model *m, const uint8_t *json, size_t json_bytes, int with_state, uint8_t *out,
                         size_t cap) {
  size_t size = sn_file_size(m, json_bytes, with_state);
  if (size == 0 || size > cap) return SN_FILE_NO_ROOM;
  with_state = with_state && m->opt;
  const sn_optimizer *opt = m->opt;
  uint8_t *p = out;
  memcpy(p, MAGIC, sizeof MAGIC);
  p += sizeof MAGIC;
  uint32_t h[H_FIELDS] = {SN_FILE_VERSION, with_state ? SN_FILE_HAS_STATE : 0, (uint32_t)json_bytes,
                          (uint32_t)m->n_params, with_state ? SN_OPT_MAX_HP : 0,
                          with_state ? (uint32_t)opt->n_slots : 0};
  for (int i = 0; i < H_FIELDS; i++) p = put_u32(p, h[i]);
  memcpy(p, json, json_bytes);
  p += json_bytes;
  p = put_f32s(p, m->params, (uint64_t)m->n_params);
  if (with_state) {
    p = put_u64(put_u64(p, m->rng.state), m->rng.inc);
    p = put_f64(put_u32(p, (uint32_t)opt->kind), opt->step);
    sn_rng *slots[DROPOUT_SLOTS];
    dropout_slots(m, slots);
    for (int k = 0; k < DROPOUT_SLOTS; k++) p = put_u64(put_u64(p, slots[k] ? slots[k]->state : 0), slots[k] ? slots[k]->inc : 0);
    p = put_f32s(p, opt->hp, SN_OPT_MAX_HP);
    for (int s = 0; s < opt->n_slots; s++) p = put_f32s(p, opt->slot[s], (uint64_t)opt->n);
  }
  put_u32(p, sn_crc32(out, (size_t)(p - out)));
  return SN_FILE_OK;
}

static int all_finite_f32(const uint8_t *p, uint64_t n) {
  for (uint64_t i = 0; i < n; i++)
    if (!isfinite(get_f32(p + 4 * i))) return 0;
  return 1;
}

/* Checks that the file's state fits the model's compiled optimizer. */
static int check_state(const sn_model *m, const uint8_t *bytes, const double *info) {
  const sn_optimizer *opt = m->opt;
  if (info[SN_INFO_STATE_OFF] == 0 || !opt || opt->n != m->n_params) return SN_FILE_WRONG_MODEL;
  if (info[SN_INFO_OPT_KIND] != opt->kind || info[SN_INFO_N_SLOTS] != opt->n_slots) return SN_FILE_WRONG_MODEL;
  const uint8_t *s = bytes + (size_t)info[SN_INFO_STATE_OFF];
  double step = get_f64(s + 20);
  if (!isfinite(step) || step < 0) return SN_FILE_NON_FINITE;
  uint64_t n_hp = (uint64_t)info[SN_INFO_N_HP], n_slots = (uint64_t)info[SN_INFO_N_SLOTS];
  if (!all_finite_f32(s + STATE_FIXED_BYTES, n_hp + n_slots * (uint64_t)opt->n)) return SN_FILE_NON_FINITE;
  return SN_FILE_OK;
}

SN_API int sn_file_restore(sn_model *m, const uint8_t *bytes, size_t len, int with_state) {
  double info[SN_INFO_COUNT];
  int status = sn_file_parse(bytes, len, info);
  if (status != SN_FILE_OK) return status;
  uint64_t n = (uint64_t)info[SN_INFO_N_WEIGHTS];
  if (!m->params || n != (uint64_t)m->n_params) return SN_FILE_WRONG_MODEL;
  const uint8_t *w = bytes + (size_t)info[SN_INFO_WEIGHTS_OFF];
  if (!all_finite_f32(w, n)) return SN_FILE_NON_FINITE;
  if (with_state && (status = check_state(m, bytes, info)) != SN_FILE_OK) return status;
  /* Everything checked: only now is the model changed. */
  for (uint64_t i = 0; i < n; i++) m->params[i] = get_f32(w + 4 * i);
  if (!with_state) return SN_FILE_OK;
  sn_optimizer *opt = m->opt;
  const uint8_t *s = bytes + (size_t)info[SN_INFO_STATE_OFF];
  m->rng.state = get_u64(s);
  m->rng.inc = get_u64(s + 8) | 1u; /* PCG's increment must be odd */
  opt->step = get_f64(s + 20);
  sn_rng *slots[DROPOUT_SLOTS];
  dropout_slots(m, slots);
  for (int k = 0; k < DROPOUT_SLOTS; k++) {
    if (!slots[k]) continue;
    const uint8_t *r = s + DROPOUT_RNGS_OFF + 16 * k;
    slots[k]->state = get_u64(r);
    slots[k]->inc = get_u64(r + 8) | 1u;
  }
  s += STATE_FIXED_BYTES;
  for (uint64_t i = 0; i < (uint64_t)info[SN_INFO_N_HP]; i++, s += 4) opt->hp[i] = get_f32(s);
  for (int k = 0; k < opt->n_slots; k++)
    for (uint64_t i = 0; i < n; i++, s += 4) opt->slot[k][i] = get_f32(s);
  return SN_FILE_OK;
}
