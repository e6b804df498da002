#!/bin/sh
# The corpus on the model and on a server through `sessim diff`, for
# `make live-check`:
#   sessim diff --server NAME|FILE [OPTIONS...] SCENARIOS
# The divergence list is the server's own (diff.h; --divergences FILE
# overrides it), read by sessim diff alone: this script fails when diff
# does (a divergence not listed, bad input, a server that cannot be run)
# and prints the counts, the reasons of the scenarios not run live (with
# how many have each) and the wall time.
# usage: live_server.sh SESSIM DIR LABEL DIFF-ARGS...   (DIR: scratch, removed by the caller)
set -u
sessim=$1 dir=$2 label=$3
shift 3
echo "-- the corpus on the model and on $label (sessim diff $*)"
start=$(date +%s)
"$sessim" diff "$@" >"$dir/diff.out" 2>&1
rc=$?
end=$(date +%s)
sed -n '/^differential (/,$p' "$dir/diff.out"
echo "   ($label: $((end - start)) s wall; not run live, by reason:)"
sed -n '/^skipped /{n;s/^ *//;s/(step [0-9]*, line [0-9]*)//;p}' "$dir/diff.out" | sort | uniq -c | sort -rn
if [ "$rc" != 0 ]; then
    grep -A14 'NOT LISTED' "$dir/diff.out" | head -200
    grep '^sessim' "$dir/diff.out"
    echo "live-server: $label: sessim diff exited $rc" >&2
    exit 1
fi
echo "live-server: $label passed"
