#!/bin/sh
# A planted property violation (SESSIM_FUZZ_PLANT=1 perturbs one side of a
# property in every target) must be reported by the replay driver with the
# property, the results (both sides, first difference marked, where the
# property compares two) and the input's path, then abort.
#   sh fuzz/tests/plant_test.sh BUILD_DIR    (e.g. .build/release)
# With FUZZ_BIN=1 it checks the libFuzzer binaries BUILD_DIR/fuzz-TARGET
# instead (one file given: the path is known there too).
set -u
dir=${1:?usage: plant_test.sh BUILD_DIR}
failed=0
for t in stream_parser scenario_loader pattern_matcher model_session plain_xml; do
    input=$(ls fuzz/corpus/$t/* | grep -v README.md | head -1)
    bin=$dir/replay-$t
    [ "${FUZZ_BIN:-0}" = 1 ] && bin=$dir/fuzz-$t
    out=$(SESSIM_FUZZ_PLANT=1 sh -c '"$@" 2>&1' sh "$bin" "$input" 2>&1)
    rc=$?
    why=""
    [ $rc -ne 0 ] || why="exit status 0"
    echo "$out" | grep -q "^$t: property broken: " || why="$why; no property line"
    echo "$out" | grep -qF "input: $input" || why="$why; no input path"
    echo "$out" | grep -q "planted" || why="$why; the planted difference not shown"
    case $t in
    stream_parser|scenario_loader|plain_xml)
        [ "$(echo "$out" | grep -c '^---')" = 2 ] || why="$why; not both sides"
        echo "$out" | grep -q '\^ first difference' || why="$why; difference not marked";;
    esac
    if [ -n "$why" ]; then
        echo "plant_test: $t: ${why#; }"; echo "$out" | head -30; failed=1
    fi
done
[ $failed = 0 ] && echo "plant_test: a planted violation is reported by every target"
exit $failed
