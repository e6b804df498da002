#!/bin/sh
# The differential explorer against live Prosody, for `make live-check`:
#  1. against Prosody as installed, a short exploration finds no difference
#     (every one it could hit is fixed in the model or listed and left out
#     of live runs, scenarios/DIVERGENCES.md), nor does a short one with the
#     stream-management vocabulary (--sm, about 20 s);
#  2. against a Prosody that differs on purpose (mod_offline off:
#     sim/tests/live/prosody-without-offline) it finds a difference, shrinks
#     it, and writes a reproducer that passes on the model, fails on that
#     server with `sessim run --target`, and passes on Prosody as installed.
# usage: live_explore.sh SESSIM DIR   (DIR: scratch space, removed by the caller)
set -u
sessim=$1
dir=$2
here=$(cd "$(dirname "$0")" && pwd)
planted=$here/live/prosody-without-offline
settle=${LIVE_EXPLORE_SETTLE:-100}
fail() { echo "live-explore: $*" >&2; exit 1; }

echo "-- explore --target: Prosody as installed"
"$sessim" explore --target tcp://127.0.0.1:0 --settle "$settle" --seed 1 --runs 12 --steps 30 \
    --out "$dir/clean" --json "$dir/clean.json" || fail "a difference on Prosody as installed"
grep -q '"failures": 0' "$dir/clean.json" || fail "clean.json does not say 0 failures"

echo "-- explore --sm --target: Prosody as installed, with stream management"
"$sessim" explore --sm --target tcp://127.0.0.1:0 --settle "$settle" --seed 1 --runs 8 --steps 30 \
    --out "$dir/clean-sm" --json "$dir/clean-sm.json" ||
    fail "a difference with stream management on Prosody as installed"
grep -q '"failures": 0' "$dir/clean-sm.json" || fail "clean-sm.json does not say 0 failures"

echo "-- explore --target: a Prosody without mod_offline (a planted difference)"
"$sessim" explore --target tcp://127.0.0.1:0 --settle "$settle" --prosody "$planted" \
    --seed 2 --runs 20 --steps 30 --out "$dir/planted" --json "$dir/planted.json"
rc=$?
[ "$rc" = 1 ] || fail "expected exit status 1 (a difference found), got $rc"
grep -q '"reason": "differs: ' "$dir/planted.json" || fail "the failure is not a difference"
grep -q '"replayed": true' "$dir/planted.json" || fail "the reproducer did not replay"
repro=$(ls "$dir"/planted/*.yaml) || fail "no reproducer written"
[ "$(echo "$repro" | wc -l)" = 1 ] || fail "more than one reproducer: $repro"

echo "-- the reproducer: passes on the model"
"$sessim" run "$repro" || fail "the reproducer fails on the model"
echo "-- the reproducer: fails on the planted server"
"$sessim" run --target tcp://127.0.0.1:0 --settle "$settle" --prosody "$planted" "$repro"
rc=$?
[ "$rc" = 1 ] || fail "expected the reproducer to fail on the planted server (1), got $rc"
echo "-- the reproducer: passes on Prosody as installed"
"$sessim" run --target tcp://127.0.0.1:0 --settle "$settle" "$repro" ||
    fail "the reproducer fails on Prosody as installed"
echo "live-explore: passed"
