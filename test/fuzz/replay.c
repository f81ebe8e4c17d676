/* Replays files through the libFuzzer target without libFuzzer, so gcc's
 * ASan/UBSan build (scripts/test-c.sh) checks the committed corpus on every
 * `npm test`. Usage: replay FILE... */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv) {
  int replayed = 0, failed = 0;
  for (int i = 1; i < argc; i++) {
    FILE *f = fopen(argv[i], "rb");
    if (!f) {
      fprintf(stderr, "cannot open %s\n", argv[i]);
      failed++;
      continue;
    }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    rewind(f);
    uint8_t *data = malloc(size > 0 ? (size_t)size : 1);
    size_t got = fread(data, 1, (size_t)size, f);
    fclose(f);
    LLVMFuzzerTestOneInput(data, got);
    free(data);
    replayed++;
  }
  printf("replayed %d corpus files\n%d passed, %d failed\n", replayed, replayed, failed);
  return failed != 0;
}
