#!/bin/sh
# coverage: run a gcov build and report what it reached.
#
#   sh scripts/coverage.sh [--scenarios-only] COV_DIR "FUZZ_TARGETS" SCENARIOS...
#
# COV_DIR is the built cov flavour (.build/cov: sessim, model-tests,
# sim-tests, replay-<target>; `make coverage` builds them first). Runs the
# unit tests, the fuzz corpus and regression replays and the SCENARIOS
# (--scenarios-only: the scenarios alone, to show what one set reaches), then
# writes reports/coverage/index.html (per-file pages, branches) and
# reports/coverage/lcov.info, and prints lines and branches per folder
# (model/, each sim/<folder>/, sim/ as a whole, the total). Failing tests or
# scenarios are reported, not fatal; a missing tool is (exit 1).
set -u
only=0
if [ "${1:-}" = --scenarios-only ]; then
    only=1
    shift
fi
if [ $# -lt 3 ]; then
    echo "usage: sh scripts/coverage.sh [--scenarios-only] COV_DIR \"FUZZ_TARGETS\" SCENARIOS..." >&2
    exit 2
fi
COV=$1
targets=$2
shift 2

rm -rf reports/coverage && mkdir -p reports/coverage || exit 1
find "$COV" -name '*.gcda' -delete 2>/dev/null

if [ $only = 0 ]; then
    echo "== coverage: unit tests, scenarios, fuzz corpus replays"
    CK_FORK=no "$COV/model-tests" >"$COV/units.log" 2>&1 || echo "coverage: model unit tests failed"
    CK_FORK=no "$COV/sim-tests" >>"$COV/units.log" 2>&1 || echo "coverage: sim unit tests failed"
    for t in $targets; do
        "$COV/replay-$t" "fuzz/corpus/$t" >/dev/null 2>&1 || echo "coverage: fuzz/corpus/$t fails"
        for r in $(ls -d "fuzz/regressions/$t"/* 2>/dev/null); do
            "$COV/replay-$t" "$r" >/dev/null 2>&1 || echo "coverage: $r fails (its coverage is lost)"
        done
    done
else
    echo "== coverage: scenarios in $* only"
fi
"$COV/sessim" run "$@" >"$COV/scenarios.log" 2>&1 ||
    echo "coverage: some scenarios failed (see $COV/scenarios.log)"

# gcovr over model/ and sim/, tests left out
gcovr_src() { gcovr --root . --filter model/ --filter sim/ --exclude '.*/tests/.*' "$@"; }
gcovr_src --branches --exclude-unreachable-branches --json "$COV/coverage.json" "$COV" &&
    gcovr_src --add-tracefile "$COV/coverage.json" --branches \
        --html-details reports/coverage/index.html --html-title "sessim coverage" \
        --csv "$COV/coverage.csv" || { echo "coverage: gcovr failed" >&2; exit 1; }

lcov_q() { lcov --quiet --rc lcov_branch_coverage=1 "$@" >/dev/null 2>&1; }
lcov_q --capture --directory "$COV" --base-directory . --output-file "$COV/lcov-all.info" &&
    lcov_q --extract "$COV/lcov-all.info" "$PWD/model/*" "$PWD/sim/*" --output-file "$COV/lcov-src.info" &&
    lcov_q --remove "$COV/lcov-src.info" '*/tests/*' --output-file reports/coverage/lcov.info ||
    echo "coverage: lcov failed"

# Lines and branches per folder, from gcovr's CSV (filename, line_total,
# line_covered, line_percent, branch_total, branch_covered, ...).
awk -F, '
    function pct(c, t) { return t ? sprintf("%5.1f%%", 100 * c / t) : "   -  " }
    function row(n, c, t, bc, bt) {
        printf "%-16s %s %6d/%-6d %s %6d/%d\n", n, pct(c, t), c, t, pct(bc, bt), bc, bt
    }
    NR > 1 {
        d = $1; sub(/[^\/]*$/, "", d)
        if (!(d in l)) dirs[++n] = d
        l[d] += $2; lc[d] += $3; b[d] += $5; bc[d] += $6
        if (d ~ /^sim\//) { SL += $2; SLC += $3; SB += $5; SBC += $6 }
        L += $2; LC += $3; B += $5; BC += $6
    }
    END {
        for (i = 2; i <= n; i++)   # sort the folder names (few): insertion
            for (j = i; j > 1 && dirs[j - 1] > dirs[j]; j--) { t = dirs[j]; dirs[j] = dirs[j - 1]; dirs[j - 1] = t }
        printf "%-16s %-21s %s\n", "", "lines", "branches"
        for (i = 1; i <= n; i++) {
            if (dirs[i] ~ /^sim\// && !shown) { row("sim/", SLC, SL, SBC, SB); shown = 1 }
            row((dirs[i] ~ /^sim\// ? "  " : "") dirs[i], lc[dirs[i]], l[dirs[i]], bc[dirs[i]], b[dirs[i]])
        }
        row("total", LC, L, BC, B)
    }' "$COV/coverage.csv"
echo "coverage: reports/coverage/index.html, reports/coverage/lcov.info"
