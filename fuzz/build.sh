#!/usr/bin/env bash
# Builds every fuzz target the way OSS-Fuzz and ClusterFuzzLite call it:
# $CC, $CFLAGS and $LIB_FUZZING_ENGINE from the environment, binaries,
# dictionaries (fuzz/xmpp.dict plus fuzz/<target>.dict), options
# (fuzz/<target>.options: max_len) and seed corpora
# (zipped) into $OUT. libyaml and expat are linked statically when their
# archives exist, so the binaries run on a runner image without them.
# Run from anywhere.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
: "${CC:=clang}" "${CFLAGS:=-O1 -g -fsanitize=address,undefined}"
: "${LIB_FUZZING_ENGINE:=-fsanitize=fuzzer}" "${OUT:=$root/.build/oss-fuzz}"
mkdir -p "$OUT"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
flags="-std=c11 $CFLAGS $(pkg-config --cflags expat yaml-0.1) -I$root -I$root/sim -I$root/fuzz"
libs=()
for lib in yaml-0.1:yaml expat:expat; do
    archive="$(pkg-config --variable=libdir "${lib%%:*}")/lib${lib#*:}.a"
    if [ -f "$archive" ]; then libs+=("$archive"); else libs+=("-l${lib#*:}"); fi
done
objs=()
for src in "$root"/model/*.c "$root"/sim/*/*.c "$root"/fuzz/common/*.c; do
    case "$src" in */sim/tests/*|*/sim/cli/main.c) continue;; esac
    obj="$work/$(basename "$(dirname "$src")")_$(basename "$src" .c).o"
    $CC $flags -D_POSIX_C_SOURCE=200809L -c "$src" -o "$obj"
    objs+=("$obj")
done
for src in "$root"/fuzz/*.c; do
    name=$(basename "$src" .c)
    [ "$name" = replay ] && continue
    $CC $flags -D_POSIX_C_SOURCE=200809L -c "$src" -o "$work/fuzz_$name.o"
    $CC $CFLAGS "$work/fuzz_$name.o" "${objs[@]}" $LIB_FUZZING_ENGINE \
        "${libs[@]}" -lm -o "$OUT/$name"
    cat "$root/fuzz/xmpp.dict" > "$OUT/$name.dict"
    [ ! -f "$root/fuzz/$name.dict" ] || cat "$root/fuzz/$name.dict" >> "$OUT/$name.dict"
    [ ! -f "$root/fuzz/$name.options" ] || cp "$root/fuzz/$name.options" "$OUT/$name.options"
    rm -f "$OUT/${name}_seed_corpus.zip"
    if [ -d "$root/fuzz/corpus/$name" ]; then
        (cd "$root/fuzz/corpus/$name" && zip -q -r "$OUT/${name}_seed_corpus.zip" . 2>/dev/null) || true
    fi
done
echo "fuzz/build.sh: targets in $OUT"
