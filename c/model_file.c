#include "model_file.h"
#include "api.h"
#include <math.h>
#include <string.h>

static const uint8_t MAGIC[8] = {'S', 'I', 'M', 'D', 'N', 'E', 'T', 0};
/* The training state starts with rng state, rng inc, optimizer kind and step;
 * the generators follow, 16 bytes each (version 1: always 32 of them). */
enum { STATE_FIXED_BYTES = 8 + 8 + 4 + 8, STEP_OFF = 20, RNG_BYTES = 16, V1_DROPOUT_SLOTS = 32 };
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

/* Header fields after the magic, in file order; version 1 stops before N_NONTRAINABLE. */
enum { H_VERSION, H_FLAGS, H_JSON_BYTES, H_N_WEIGHTS, H_N_HP, H_N_SLOTS, H_N_NONTRAINABLE, H_N_RNGS, H_FIELDS };

/* A checked file: its header (version 1 read as n_nontrainable 0 and, with
 * training state, 32 generators) and where its sections start. */
typedef struct {
  uint32_t h[H_FIELDS];
  int has_state;
  uint64_t json_off, weights_off, nontrainable_off, state_off;
} sn_file_layout;

/* Size of the training state for these counts, in 64 bits so no count can overflow it. */
static uint64_t state_bytes(uint64_t n_weights, uint64_t n_hp, uint64_t n_slots, uint64_t n_rngs) {
  return STATE_FIXED_BYTES + RNG_BYTES * n_rngs + 4 * n_hp + 4 * n_slots * n_weights;
}

/* The generators a version-2 file holds, in layer order: every dropout layer
 * that drops something (one with rate 0 draws nothing and has none), and every
 * recurrent or bidirectional layer with input or recurrent dropout. */
static int draws_masks(const sn_layer *l) {
  int kind = l->kind;
  if (kind == SN_LAYER_DROPOUT) return l->rate > 0.0f;
  return (kind == SN_LAYER_SIMPLE_RNN || kind == SN_LAYER_LSTM || kind == SN_LAYER_GRU || kind == SN_LAYER_BIDIRECTIONAL) &&
         (l->rate > 0.0f || l->recurrent_rate > 0.0f);
}

static sn_rng *next_dropout_rng(const sn_model *m, int *node) {
  for (; *node < m->n_layers; ++*node)
    if (draws_masks(&m->layers[*node])) return (sn_rng *)&m->layers[(*node)++].rng;
  return NULL;
}

static int dropout_rngs(const sn_model *m) {
  int n = 0;
  for (int l = 0; next_dropout_rng(m, &l);) n++;
  return n;
}

/* Version 1's generator slots: slots[k] = the dropout layer right after the
 * k-th dense layer, or NULL. */
static void v1_dropout_slots(const sn_model *m, sn_rng *slots[V1_DROPOUT_SLOTS]) {
  for (int k = 0; k < V1_DROPOUT_SLOTS; k++) slots[k] = NULL;
  for (int l = 0, dense = -1; l < m->n_layers; l++) {
    const sn_layer *L = &m->layers[l];
    dense += L->kind == SN_LAYER_DENSE;
    if (L->kind == SN_LAYER_DROPOUT && L->rate > 0.0f && dense >= 0 && dense < V1_DROPOUT_SLOTS)
      slots[dense] = (sn_rng *)&L->rng;
  }
}

static int parse_layout(const uint8_t *bytes, size_t len, sn_file_layout *f) {
  if (!bytes || len < SN_FILE_V1_HEADER_BYTES + CRC_BYTES) return SN_FILE_TOO_SHORT;
  if (memcmp(bytes, MAGIC, sizeof MAGIC) != 0) return SN_FILE_BAD_MAGIC;
  uint32_t version = get_u32(bytes + sizeof MAGIC);
  if (version < 1 || version > SN_FILE_VERSION) return SN_FILE_BAD_VERSION;
  uint64_t header = version == 1 ? SN_FILE_V1_HEADER_BYTES : SN_FILE_HEADER_BYTES;
  if (len < header + CRC_BYTES) return SN_FILE_TOO_SHORT;
  uint32_t *h = f->h;
  for (int i = 0; i < H_FIELDS; i++) h[i] = version == 1 && i >= H_N_NONTRAINABLE ? 0 : get_u32(bytes + sizeof MAGIC + 4 * i);
  if (h[H_FLAGS] & ~(uint32_t)SN_FILE_HAS_STATE) return SN_FILE_BAD_FLAGS;
  f->has_state = (h[H_FLAGS] & SN_FILE_HAS_STATE) != 0;
  if (version == 1 && f->has_state) h[H_N_RNGS] = V1_DROPOUT_SLOTS;
  /* The limits first, then each section against what remains after the
   * previous ones, in 64 bits. A version-2 model may have no trainable weight
   * (only pooling, say); a version-1 file always had some. */
  if (h[H_N_HP] > SN_OPT_MAX_HP || h[H_N_SLOTS] > SN_OPT_MAX_SLOTS || h[H_N_RNGS] > SN_MAX_NODES ||
      (version == 1 && h[H_N_WEIGHTS] == 0) || (!f->has_state && (h[H_N_HP] || h[H_N_SLOTS] || h[H_N_RNGS])))
    return SN_FILE_BAD_LENGTHS;
  uint64_t remaining = len - header - CRC_BYTES;
  uint64_t sections[4] = {h[H_JSON_BYTES], 4 * (uint64_t)h[H_N_WEIGHTS], 4 * (uint64_t)h[H_N_NONTRAINABLE],
                          f->has_state ? state_bytes(h[H_N_WEIGHTS], h[H_N_HP], h[H_N_SLOTS], h[H_N_RNGS]) : 0};
  for (int s = 0; s < 4; s++) {
    if (sections[s] > remaining) return SN_FILE_BAD_LENGTHS;
    remaining -= sections[s];
  }
  if (remaining != 0) return SN_FILE_LENGTH_MISMATCH;
  if (sn_crc32(bytes, len - CRC_BYTES) != get_u32(bytes + len - CRC_BYTES)) return SN_FILE_BAD_CHECKSUM;
  f->json_off = header;
  f->weights_off = f->json_off + sections[0];
  f->nontrainable_off = f->weights_off + sections[1];
  f->state_off = f->has_state ? f->nontrainable_off + sections[2] : 0;
  return SN_FILE_OK;
}

SN_API int sn_file_parse(const uint8_t *bytes, size_t len, double *info) {
  sn_file_layout f;
  int status = parse_layout(bytes, len, &f);
  if (status != SN_FILE_OK) return status;
  info[SN_INFO_VERSION] = f.h[H_VERSION];
  info[SN_INFO_FLAGS] = f.h[H_FLAGS];
  info[SN_INFO_JSON_OFF] = (double)f.json_off;
  info[SN_INFO_JSON_BYTES] = f.h[H_JSON_BYTES];
  info[SN_INFO_WEIGHTS_OFF] = (double)f.weights_off;
  info[SN_INFO_N_WEIGHTS] = f.h[H_N_WEIGHTS];
  info[SN_INFO_N_HP] = f.h[H_N_HP];
  info[SN_INFO_N_SLOTS] = f.h[H_N_SLOTS];
  info[SN_INFO_STATE_OFF] = (double)f.state_off;
  info[SN_INFO_OPT_KIND] = f.has_state ? (double)get_u32(bytes + f.state_off + 16) : -1.0;
  info[SN_INFO_N_NONTRAINABLE] = f.h[H_N_NONTRAINABLE];
  info[SN_INFO_NONTRAINABLE_OFF] = (double)f.nontrainable_off;
  info[SN_INFO_N_RNGS] = f.h[H_N_RNGS];
  return SN_FILE_OK;
}

SN_API size_t sn_file_size(const sn_model *m, size_t json_bytes, int with_state) {
  if (!m->params) return 0;
  uint64_t n = (uint64_t)m->n_params;
  uint64_t size = SN_FILE_HEADER_BYTES + (uint64_t)json_bytes + 4 * n + 4 * (uint64_t)m->n_state + CRC_BYTES;
  if (with_state && m->opt) size += state_bytes(n, SN_OPT_MAX_HP, (uint64_t)m->opt->n_slots, (uint64_t)dropout_rngs(m));
  return size > SIZE_MAX || size > UINT32_MAX ? 0 : (size_t)size;
}

SN_API int sn_file_write(const sn_model *m, const uint8_t *json, size_t json_bytes, int with_state, uint8_t *out,
                         size_t cap) {
  size_t size = sn_file_size(m, json_bytes, with_state);
  if (size == 0 || size > cap) return SN_FILE_NO_ROOM;
  with_state = with_state && m->opt;
  const sn_optimizer *opt = m->opt;
  int n_rngs = dropout_rngs(m);
  uint8_t *p = out;
  memcpy(p, MAGIC, sizeof MAGIC);
  p += sizeof MAGIC;
  uint32_t h[H_FIELDS] = {SN_FILE_VERSION, with_state ? SN_FILE_HAS_STATE : 0, (uint32_t)json_bytes,
                          (uint32_t)m->n_params, with_state ? SN_OPT_MAX_HP : 0,
                          with_state ? (uint32_t)opt->n_slots : 0, (uint32_t)m->n_state,
                          with_state ? (uint32_t)n_rngs : 0};
  for (int i = 0; i < H_FIELDS; i++) p = put_u32(p, h[i]);
  memcpy(p, json, json_bytes);
  p += json_bytes;
  p = put_f32s(p, m->params, (uint64_t)m->n_params);
  p = put_f32s(p, m->state, (uint64_t)m->n_state);
  if (with_state) {
    p = put_u64(put_u64(p, m->rng.state), m->rng.inc);
    p = put_f64(put_u32(p, (uint32_t)opt->kind), opt->step);
    for (int l = 0; l < m->n_layers;) {
      const sn_rng *rng = next_dropout_rng(m, &l);
      if (rng) p = put_u64(put_u64(p, rng->state), rng->inc);
    }
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

/* Checks the weights and the non-trainable state the file holds for the model:
 * the same counts, finite values, no negative moving variance. */
static int check_weights(const sn_model *m, const uint8_t *bytes, const sn_file_layout *f) {
  if (!m->params || f->h[H_N_WEIGHTS] != (uint64_t)m->n_params || f->h[H_N_NONTRAINABLE] != (uint64_t)m->n_state)
    return SN_FILE_WRONG_MODEL;
  if (!all_finite_f32(bytes + f->weights_off, f->h[H_N_WEIGHTS]) ||
      !all_finite_f32(bytes + f->nontrainable_off, f->h[H_N_NONTRAINABLE]))
    return SN_FILE_NON_FINITE;
  for (int l = 0; l < m->n_layers; l++) {
    const sn_tensor *t = &m->layers[l].t[SN_MOVING_VARIANCE];
    if (m->layers[l].kind != SN_LAYER_BATCH_NORM || !t->exists) continue;
    for (int64_t i = 0; i < t->size; i++)
      if (get_f32(bytes + f->nontrainable_off + 4 * ((uint64_t)t->off + (uint64_t)i)) < 0.0f) return SN_FILE_NEGATIVE_VARIANCE;
  }
  return SN_FILE_OK;
}

/* Checks that the file's training state fits the model's compiled optimizer and dropout layers. */
static int check_state(const sn_model *m, const uint8_t *bytes, const sn_file_layout *f) {
  const sn_optimizer *opt = m->opt;
  if (!f->has_state || !opt || opt->n != m->n_params) return SN_FILE_WRONG_MODEL;
  const uint8_t *s = bytes + f->state_off;
  if (get_u32(s + 16) != (uint32_t)opt->kind || f->h[H_N_SLOTS] != (uint32_t)opt->n_slots) return SN_FILE_WRONG_MODEL;
  if (f->h[H_VERSION] != 1 && f->h[H_N_RNGS] != (uint32_t)dropout_rngs(m)) return SN_FILE_WRONG_MODEL;
  double step = get_f64(s + STEP_OFF);
  if (!isfinite(step) || step < 0) return SN_FILE_NON_FINITE;
  uint64_t floats = f->h[H_N_HP] + (uint64_t)f->h[H_N_SLOTS] * (uint64_t)opt->n;
  if (!all_finite_f32(s + STATE_FIXED_BYTES + RNG_BYTES * (uint64_t)f->h[H_N_RNGS], floats)) return SN_FILE_NON_FINITE;
  return SN_FILE_OK;
}

static void get_rng(sn_rng *r, const uint8_t *p) {
  r->state = get_u64(p);
  r->inc = get_u64(p + 8) | 1u; /* PCG's increment must be odd */
}

SN_API int sn_file_restore(sn_model *m, const uint8_t *bytes, size_t len, int with_state) {
  sn_file_layout f;
  int status = parse_layout(bytes, len, &f);
  if (status == SN_FILE_OK) status = check_weights(m, bytes, &f);
  if (status == SN_FILE_OK && with_state) status = check_state(m, bytes, &f);
  if (status != SN_FILE_OK) return status;
  /* Everything checked: only now is the model changed. */
  for (uint64_t i = 0; i < f.h[H_N_WEIGHTS]; i++) m->params[i] = get_f32(bytes + f.weights_off + 4 * i);
  for (uint64_t i = 0; i < f.h[H_N_NONTRAINABLE]; i++) m->state[i] = get_f32(bytes + f.nontrainable_off + 4 * i);
  if (!with_state) return SN_FILE_OK;
  sn_optimizer *opt = m->opt;
  const uint8_t *s = bytes + f.state_off;
  get_rng(&m->rng, s);
  opt->step = get_f64(s + STEP_OFF);
  const uint8_t *r = s + STATE_FIXED_BYTES;
  if (f.h[H_VERSION] == 1) {
    sn_rng *slots[V1_DROPOUT_SLOTS];
    v1_dropout_slots(m, slots);
    for (int k = 0; k < V1_DROPOUT_SLOTS; k++)
      if (slots[k]) get_rng(slots[k], r + RNG_BYTES * k);
  } else {
    sn_rng *rng;
    for (int l = 0, k = 0; (rng = next_dropout_rng(m, &l)); k++) get_rng(rng, r + RNG_BYTES * k);
  }
  s = r + RNG_BYTES * (uint64_t)f.h[H_N_RNGS];
  for (uint64_t i = 0; i < f.h[H_N_HP]; i++, s += 4) opt->hp[i] = get_f32(s);
  for (int k = 0; k < opt->n_slots; k++)
    for (uint64_t i = 0; i < (uint64_t)opt->n; i++, s += 4) opt->slot[k][i] = get_f32(s);
  return SN_FILE_OK;
}
