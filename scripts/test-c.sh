#!/usr/bin/env bash
# Builds every test/c/test_*.c against all c/*.c (except wasm_* glue) four
# times — (1) sanitized native debug build (ASan + UBSan), (2) optimized
# -march=native build, (3) wasm SIMD build (emcc -O3 -msimd128, the code path
# that ships, run under node), (4) relaxed-SIMD wasm build (clang-19
# -mrelaxed-simd as dist/simdnet-relaxed.wasm, a WASI program run by
# scripts/run-wasi.js under node --experimental-wasm-relaxed-simd) — into
# build/c/ and runs each. Exits nonzero if any build or run fails. Then
# replays the fuzz corpus natively under ASan/UBSan.
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
out=build/c
mkdir -p "$out"

failed=()
for test in test/c/test_*.c; do
  name=$(basename "$test" .c)
  for variant in asan opt wasm relaxed; do
    case $variant in
      asan) bin="$out/$name.asan"; build=(gcc "${common[@]}" "${asan[@]}"); run=("$bin") ;;
      opt) bin="$out/$name.opt"; build=(gcc "${common[@]}" "${opt[@]}"); run=("$bin") ;;
      # Emscripten 3.1.6's loader trips over Node 20's built-in fetch.
      wasm) bin="$out/$name.wasm.cjs"; build=(env NODE_PATH=/usr/share/nodejs emcc "${common[@]}" -O3 -msimd128)
            run=(node --no-experimental-fetch "$bin") ;;
      relaxed) bin="$out/$name.relaxed.wasm"
               build=(bash scripts/wasi-cc.sh "${common[@]}" -O3 -msimd128 -mrelaxed-simd -ffp-contract=off -Wl,-z,stack-size=5242880)
               run=(node --disable-warning=ExperimentalWarning --experimental-wasm-relaxed-simd scripts/run-wasi.js "$bin") ;;
    esac
    if ! "${build[@]}" "$test" "${sources[@]}" -o "$bin" -lm; then
      failed+=("build $bin")
      continue
    fi
    echo "== running $bin"
    "${run[@]}" || failed+=("run $bin")
  done
done

# The fuzzer's seed corpus (test/fuzz-corpus/, see bench/fuzz-model-file.sh),
# replayed through its target under ASan/UBSan: a short check, not fuzzing.
replay="$out/replay_model_file.asan"
if gcc "${common[@]}" "${asan[@]}" test/fuzz/fuzz_model_file.c test/fuzz/replay.c "${sources[@]}" -o "$replay" -lm; then
  echo "== running $replay"
  "$replay" test/fuzz-corpus/* || failed+=("run $replay")
else
  failed+=("build $replay")
fi

if ((${#failed[@]})); then
  printf 'FAILED: %s\n' "${failed[@]}"
  exit 1
fi
echo "all C tests passed (native ASan/UBSan, native -O3, wasm SIMD, wasm relaxed SIMD)"
