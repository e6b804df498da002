#!/bin/sh
# Mutant self-test of the explorer: each patch under sim/tests/mutants/
# breaks one rule of the model. A copy of the tree is built once (-O1),
# then for each mutant the copy is duplicated, the patch applied with
# `patch -p1` and only what changed rebuilt. The explorer must find a
# violation within MUTANT_RUNS x MUTANT_STEPS (<= 100,000) steps, shrink
# it to at most 10 steps, and `sessim run REPRO` must fail on the mutant.
# A patch may open with a line "# explore: OPTIONS" (e.g. --sm): options
# the exploration needs to reach the rule it breaks.
# Prints "mutants: K killed / N"; exits 1 unless every mutant is killed.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
MUTANTS=${MUTANTS:-$ROOT/sim/tests/mutants}
TREE=${MUTANT_TREE:-$ROOT}   # the tree copied and mutated
SEED=${MUTANT_SEED:-1}
RUNS=${MUTANT_RUNS:-500}
STEPS=${MUTANT_STEPS:-200}
MAX_REPRO_STEPS=10
JOBS=${JOBS:-2}
MAKE=${MAKE:-make}

if [ $((RUNS * STEPS)) -gt 100000 ]; then
    echo "mutants: MUTANT_RUNS x MUTANT_STEPS must be at most 100000" >&2
    exit 2
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/sessim-mutants.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT INT TERM

build() {   # build DIR LOG
    $MAKE -C "$1" -j"$JOBS" --no-print-directory build FLAVOUR=release \
        FLAVOUR_CFLAGS_release=-O1 >"$2" 2>&1
}

mkdir -p "$TMP/base"
(cd "$TREE" && cp -pR Makefile model sim fuzz "$TMP/base/") || exit 2
if ! build "$TMP/base" "$TMP/base.log"; then
    echo "mutants: the unpatched copy does not build:" >&2
    tail -20 "$TMP/base.log" >&2
    exit 2
fi

killed=0
total=0
for p in "$MUTANTS"/*.patch; do
    [ -e "$p" ] || continue
    total=$((total + 1))
    name=$(basename "$p" .patch)
    dir="$TMP/$name"
    cp -pR "$TMP/base" "$dir"
    if ! (cd "$dir" && patch -s -p1 <"$p") || ! build "$dir" "$dir.log"; then
        echo "mutant $name: does not apply or build (not killed)"
        tail -10 "$dir.log" 2>/dev/null
        continue
    fi
    bin="$dir/.build/release/sessim"
    out="$dir.explore"
    opts=$(sed -n 's/^# explore: //p' "$p" | head -1)   # e.g. --sm for its vocabulary
    # shellcheck disable=SC2086
    (cd "$dir" && exec "$bin" explore $opts --seed "$SEED" --runs "$RUNS" --steps "$STEPS" \
        --out "$dir/repro" >"$out" 2>/dev/null)
    rc=$?
    repro=$(sed -n 's/^  written to //p' "$out" | head -1)
    shrunk=$(sed -n 's/^  shrunk to \([0-9]*\) steps.*/\1/p' "$out" | head -1)
    found=$(sed -n 's/^FAIL run \([0-9]*\)\/.*: \(.*\)$/run \1: \2/p' "$out" | head -1)
    if [ "$rc" -ne 1 ] || [ -z "$repro" ] || [ -z "$shrunk" ]; then
        echo "mutant $name: survived (explore exit $rc, nothing found)"
        continue
    fi
    if [ "$shrunk" -gt "$MAX_REPRO_STEPS" ]; then
        echo "mutant $name: found ($found) but the reproducer has $shrunk steps (> $MAX_REPRO_STEPS)"
        continue
    fi
    if (cd "$dir" && "$bin" run "$repro" || exit 1) >/dev/null 2>&1; then
        echo "mutant $name: found ($found) but 'sessim run' of the reproducer passes"
        continue
    fi
    killed=$((killed + 1))
    echo "mutant $name: killed ($found; reproducer $shrunk steps, replay fails)"
done

echo "mutants: $killed killed / $total"
[ "$total" -gt 0 ] && [ "$killed" -eq "$total" ]
