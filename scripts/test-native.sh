#!/usr/bin/env bash
# Builds every test/c/test_*.c against all c/*.c (except wasm_* glue) twice —
# (1) sanitized debug build, (2) optimized -march=native build — into
# build/native/ and runs each binary. Exits nonzero if any build or run fails.
set -euo pipefail
cd "$(dirname "$0")/.."
shopt -s nullglob

sources=()
for f in c/*.c; do
  [[ $(basename "$f") == wasm_* ]] || sources+=("$f")
done
common=(-std=c11 -Wall -Wextra -Ic)
asan=(-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
opt=(-O3 -march=native)
out=build/native
mkdir -p "$out"

failed=()
for test in test/c/test_*.c; do
  name=$(basename "$test" .c)
  for variant in asan opt; do
    if [[ $variant == asan ]]; then flags=("${asan[@]}"); else flags=("${opt[@]}"); fi
    bin="$out/$name.$variant"
    if ! gcc "${common[@]}" "${flags[@]}" "$test" "${sources[@]}" -o "$bin" -lm; then
      failed+=("build $bin")
      continue
    fi
    echo "== running $bin"
    "$bin" || failed+=("run $bin")
  done
done

if ((${#failed[@]})); then
  printf 'FAILED: %s\n' "${failed[@]}"
  exit 1
fi
echo "all native tests passed"
