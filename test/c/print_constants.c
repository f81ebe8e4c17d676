/* Prints every constant of web/core/constants.js as the C compiler sees it, one
 * "TABLE.key value" line each (arrays by index: "SCHEDULE.cosineDecay.params.0
 * initialLearningRate"). test/constants.test.js compiles it with gcc and compares
 * its lines with the module's, so a slip of scripts/gen-constants.js' parser
 * cannot hide. The X-macro lists expand here through the preprocessor; the
 * plain enums are named one by one (a constant missing here fails the test). */
#include "api.h"
#include "conv_kernels.h"
#include "init.h"
#include "kernels.h"
#include "losses.h"
#include "model.h"
#include "model_file.h"
#include "optimizer.h"
#include "optimizer_kinds.h"
#include "schedule.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A kind with parameters: names[0] is its name in the API, names[1..] its parameters. */
static void kind_with_params(const char *table, int kind, const char *const *names, size_t count) {
  printf("%s.%s.kind %d\n", table, names[0], kind);
  for (size_t i = 1; i < count; i++) printf("%s.%s.params.%zu %s\n", table, names[0], i - 1, names[i]);
}
/* The arguments as an array of strings, and its length. */
#define NAMES(...) (const char *const[]){__VA_ARGS__}, sizeof((const char *const[]){__VA_ARGS__}) / sizeof(char *)

static const char *const optimizer_names[SN_OPT_COUNT] = {
#define X(kind, value, name) [kind] = name,
    SN_OPTIMIZERS(X)
#undef X
};

#define CONSTANT(table, key, value) printf("%s.%s %d\n", table, key, (int)(value))

/* A number as JavaScript writes it: the shortest digits that read back the same, Infinity by name. */
static void number(const char *path, double v) {
  if (isinf(v)) {
    printf("%s %sInfinity\n", path, v < 0 ? "-" : "");
    return;
  }
  char text[32];
  for (int digits = 1; digits <= 17; digits++) {
    snprintf(text, sizeof text, "%.*g", digits, v);
    if (strtod(text, NULL) == v) break;
  }
  printf("%s %s\n", path, text);
}

static const char *const activation_names[SN_ACT_COUNT] = {
#define X(kind, value, name) [kind] = name,
    SN_ACTIVATIONS(X)
#undef X
};

int main(void) {
#define X(kind, value, name) CONSTANT("ACTIVATION", name, kind);
  SN_ACTIVATIONS(X)
#undef X

#define X(kind, key, value, least, greatest)                                            \
  {                                                                                      \
    char path[96];                                                                       \
    printf("ACTIVATION_PARAMETER.%s.key %s\n", activation_names[kind], key);             \
    snprintf(path, sizeof path, "ACTIVATION_PARAMETER.%s.", activation_names[kind]);     \
    char *end = path + strlen(path);                                                     \
    strcpy(end, "value"), number(path, value);                                          \
    strcpy(end, "min"), number(path, least);                                            \
    strcpy(end, "max"), number(path, greatest);                                         \
  }
  SN_ACT_PARAMETERS(X)
#undef X

#define X(kind, alias) printf("ACTIVATION_ALIAS.%s %s\n", alias, activation_names[kind]);
  SN_ACT_ALIASES(X)
#undef X

#define X(kind, value, ...) kind_with_params("INITIALIZER", kind, NAMES(__VA_ARGS__));
  SN_INITIALIZERS(X)
#undef X

#define X(kind, value, name) CONSTANT("LOSS", name, kind);
  SN_LOSSES(X)
#undef X

#define SUM(name) CONSTANT("SUM", #name, SN_SUM_##name)
  SUM(ROWS); SUM(LOSS); SUM(REG_LOSS); SUM(CORRECT); SUM(ACC_COUNT); SUM(SQ_ERR); SUM(ABS_ERR); SUM(ELEMENTS);
  SUM(COUNT);

#define FILE_(name) CONSTANT("FILE", #name, SN_FILE_##name)
  FILE_(VERSION); FILE_(HEADER_BYTES); FILE_(V1_HEADER_BYTES); FILE_(HAS_STATE);

#define STATUS(name) CONSTANT("FILE_STATUS", #name, SN_FILE_##name)
  STATUS(OK); STATUS(TOO_SHORT); STATUS(BAD_MAGIC); STATUS(BAD_VERSION); STATUS(BAD_FLAGS); STATUS(BAD_LENGTHS);
  STATUS(LENGTH_MISMATCH); STATUS(BAD_CHECKSUM); STATUS(WRONG_MODEL); STATUS(NON_FINITE); STATUS(NO_ROOM);
  STATUS(NEGATIVE_VARIANCE);

#define INFO(name) CONSTANT("FILE_INFO", #name, SN_INFO_##name)
  INFO(VERSION); INFO(FLAGS); INFO(JSON_OFF); INFO(JSON_BYTES); INFO(WEIGHTS_OFF); INFO(N_WEIGHTS); INFO(N_HP);
  INFO(N_SLOTS); INFO(STATE_OFF); INFO(OPT_KIND); INFO(N_NONTRAINABLE); INFO(NONTRAINABLE_OFF); INFO(N_RNGS);
  INFO(COUNT);

#define X(kind, value, name) printf("OPTIMIZER.%s.kind %d\n", name, kind);
  SN_OPTIMIZERS(X)
#undef X
#define X(kind, index, name) printf("OPTIMIZER.%s.hp.%s %d\n", optimizer_names[kind], name, index);
  SN_OPT_HYPER_PARAMETERS(X)
#undef X

#define HP(name) CONSTANT("HP", #name, SN_HP_##name)
  HP(LR); HP(CLIP_NORM); HP(CLIP_VALUE); HP(GLOBAL_CLIP_NORM); HP(WEIGHT_DECAY); HP(SCHEDULE);
  CONSTANT("HP", "SIZE", sizeof ((sn_optimizer *)0)->hp / sizeof(float)); /* the array C reads them from */

#define X(kind, value, ...) kind_with_params("SCHEDULE", kind, NAMES(__VA_ARGS__));
  SN_SCHEDULES(X)
#undef X

  CONSTANT("SCHEDULE_BLOCK", "SIZE", SN_SCHED_SIZE);
  CONSTANT("SCHEDULE_BLOCK", "MAX_BOUNDARIES", SN_SCHED_MAX_BOUNDARIES);

  CONSTANT("LIMITS", "MAX_PARAMS", SN_MAX_PARAMS);
  CONSTANT("LIMITS", "MAX_ENDS", SN_MAX_ENDS);
  CONSTANT("LIMITS", "MAX_NODE_INPUTS", SN_MAX_NODE_INPUTS);
  CONSTANT("LIMITS", "MAX_SAMPLE_SIZE", SN_MAX_SAMPLE_SIZE);
  CONSTANT("LIMITS", "TENSOR_SLOTS", SN_MAX_TENSORS);
#define X(kind, value, name) CONSTANT("MERGE", name, kind);
  SN_MERGE_OPS(X)
#undef X
#define X(kind, value, name) CONSTANT("RECURRENT", name, kind);
  SN_RECURRENT_KINDS(X)
#undef X
#define X(kind, value, name) CONSTANT("BIDIRECTIONAL_MERGE", name, kind);
  SN_BIDIRECTIONAL_MERGES(X)
#undef X
#define X(kind, value, name) CONSTANT("PADDING", name, kind);
  SN_PADDINGS(X)
#undef X

#define TINFO(name) CONSTANT("TENSOR_INFO", #name, SN_TINFO_##name)
  TINFO(LEARNS); TINFO(OFFSET); TINFO(SIZE); TINFO(RANK); TINFO(DIMS); TINFO(KIND_TRAINABLE); TINFO(COUNT);
#define FEATURE(name) CONSTANT("FEATURE", #name, SN_FEATURE_##name)
  FEATURE(SIMD); FEATURE(RELAXED_SIMD); FEATURE(ATOMICS);
#define WINDOW(name) CONSTANT("WINDOW", #name, SN_WINDOW_##name)
  WINDOW(KIND); WINDOW(SHAPE); WINDOW(MEMORY); WINDOW(RANGE); WINDOW(TRAINING);
  return 0;
}
