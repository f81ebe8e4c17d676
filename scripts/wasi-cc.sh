#!/usr/bin/env bash
# Debian's clang-19 for wasm32-wasi (wasi-libc), used like a compiler driver:
#   bash scripts/wasi-cc.sh [flags…] a.c b.c … -o out.wasm
# -Wl,…, -l… and -mexec-model=… go to the link, every other flag to each
# compile. Each source is compiled on its own and the link gets no -O: given
# -O at link time clang runs the wasm-opt it finds (Debian's binaryen 108),
# which cannot parse the final relaxed-SIMD opcodes.
set -euo pipefail
cflags=(--target=wasm32-wasi --sysroot=/usr) ldflags=(--target=wasm32-wasi --sysroot=/usr) sources=() out=
while [ $# -gt 0 ]; do
  case $1 in
    -o) out=$2; shift ;;
    -Wl,* | -l* | -mexec-model=*) ldflags+=("$1") ;;
    *.c) sources+=("$1") ;;
    *) cflags+=("$1") ;;
  esac
  shift
done
[ -n "$out" ] && [ ${#sources[@]} -gt 0 ] || { echo "usage: wasi-cc.sh [flags…] files.c… -o out.wasm" >&2; exit 2; }
objs=$(mktemp -d)
trap 'rm -rf "$objs"' EXIT
for i in "${!sources[@]}"; do
  clang-19 "${cflags[@]}" -c "${sources[$i]}" -o "$objs/$(printf %04d "$i").o"
done
clang-19 "${ldflags[@]}" "$objs"/*.o -o "$out"
