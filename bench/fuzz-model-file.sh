#!/usr/bin/env bash
# Fuzzes the model-file reader (c/model_file.c) natively with libFuzzer under
# AddressSanitizer and UndefinedBehaviorSanitizer, for a set time, starting
# from the seed corpus in test/fuzz-corpus/ (which it never modifies: new
# inputs go to build/fuzz/corpus/). Crashes are written to build/fuzz/ as
# crash-*; the summary line says how long it ran, how many inputs it tried and
# what it found.
# Usage: bash bench/fuzz-model-file.sh [seconds=60]
# Needs clang and its libFuzzer runtime (Debian: clang, libclang-rt-14-dev or
# the clang package's own runtime); installs them from Debian when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
out=build/fuzz
mkdir -p "$out/corpus"

if ! command -v clang >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang >/dev/null
fi
if ! echo 'int LLVMFuzzerTestOneInput(const char *d, long n) { return 0; }' |
    clang -x c - -fsanitize=fuzzer -o "$out/probe" 2>/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "libclang-rt-$(clang -dumpversion | cut -d. -f1)-dev" >/dev/null
fi

sources=()
for f in c/*.c; do [[ $(basename "$f") == wasm_* ]] || sources+=("$f"); done
clang -std=c11 -O1 -g -Ic -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  test/fuzz/fuzz_model_file.c "${sources[@]}" -o "$out/fuzz_model_file" -lm

# Seeds overwrite older ones of the same name (a seed changes when the format does);
# what libFuzzer added earlier (files named by their hash) stays.
cp test/fuzz-corpus/* "$out/corpus/"
log="$out/last-run.log"
start=$(date +%s)
status=0
(cd "$out" && ./fuzz_model_file -max_total_time="$seconds" -print_final_stats=1 -max_len=4096 corpus) >"$log" 2>&1 || status=$?
elapsed=$(($(date +%s) - start))
execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
crashes=$(find "$out" -maxdepth 1 -name 'crash-*' -newer "$out/fuzz_model_file" | wc -l)
cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 || true)
echo "fuzz-model-file: ran ${elapsed}s, ${execs} executions, ${cov:-cov: ?} edges, corpus $(ls "$out/corpus" | wc -l) inputs, ${crashes} crashes (log: $log)"
if [ "$status" -ne 0 ] || [ "$crashes" -ne 0 ]; then
  tail -40 "$log"
  exit 1
fi
