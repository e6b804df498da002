#!/bin/sh
# The differential explorer against a live server, for `make live-check`
# (SERVER=prosody, the default, or SERVER=ejabberd):
#  1. against the server as installed, a short exploration finds no
#     difference (every one it could hit is fixed in the model or its
#     profile, or listed and left out of live runs: scenarios/DIVERGENCES.md,
#     scenarios/DIVERGENCES-ejabberd.md), nor does a short one with the
#     stream-management vocabulary (--sm);
#  2. against a server that differs on purpose (mod_offline off:
#     sim/tests/live/prosody-without-offline, a Prosody;
#     sim/tests/live/ejabberd-without-offline.yaml, an ejabberd through
#     servers/ejabberd-start.sh's EJABBERD_MODULES_OFF) it finds a
#     difference, shrinks it, and writes a reproducer that passes on the
#     model, fails on that server and passes on the server as installed.
# usage: live_explore.sh SESSIM DIR [prosody|ejabberd]   (DIR: scratch space, removed by the caller)
set -u
sessim=$1
dir=$2
server=${3:-prosody}
here=$(cd "$(dirname "$0")" && pwd)
fail() { echo "live-explore: $server: $*" >&2; exit 1; }

# Budgets (seed, runs, steps) per server: what runs clean on it (about a
# minute: ejabberd needs a longer settle time and a fresh server per run),
# and a seed whose runs reach the planted difference early, with a bound on
# the shrinker's runs (150 is explore's default with --target).
case $server in
prosody)
    clean="1 12 30" clean_sm="1 8 30" planted_budget="2 20 30" planted_shrink=150
    label="Prosody" settle=${LIVE_EXPLORE_SETTLE:-100}
    ;;
ejabberd)   # ejabberd closes a stream over 100 ms after its error (DIVERGENCES-ejabberd.md E13)
    clean="1 8 30" clean_sm="1 6 30" planted_budget="2 20 30" planted_shrink=25
    label="ejabberd" settle=${LIVE_EXPLORE_SETTLE:-200}
    ;;
*)
    fail "unknown server (prosody or ejabberd)"
    ;;
esac

# sessim COMMAND against the server as installed (installed) or the planted
# one (planted), the other arguments after it.
installed() {
    cmd=$1
    shift
    case $server in
    prosody) "$sessim" "$cmd" --target tcp://127.0.0.1:0 --settle "$settle" "$@" ;;
    ejabberd) "$sessim" "$cmd" --server ejabberd --settle "$settle" "$@" ;;
    esac
}
planted() {
    cmd=$1
    shift
    case $server in
    prosody)
        "$sessim" "$cmd" --target tcp://127.0.0.1:0 --settle "$settle" \
            --prosody "$here/live/prosody-without-offline" "$@" ;;
    ejabberd)
        "$sessim" "$cmd" --server "$here/live/ejabberd-without-offline.yaml" --settle "$settle" "$@" ;;
    esac
}

# explore_clean NAME SEED RUNS STEPS [OPTIONS...]: nothing found, and
# every run ran on the server too (a run it cannot set up tests nothing).
explore_clean() {
    name=$1 seed=$2 runs=$3 steps=$4
    shift 4
    installed explore "$@" --seed "$seed" --runs "$runs" --steps "$steps" \
        --out "$dir/$name" --json "$dir/$name.json" || fail "a difference on $label as installed ($name)"
    grep -q '"failures": 0' "$dir/$name.json" || fail "$name.json does not say 0 failures"
    grep -q '"not_live": 0' "$dir/$name.json" || fail "$name: runs not run on $label ($name.json)"
}

start=$(date +%s)
echo "-- explore: $label as installed"
explore_clean clean $clean
if [ -n "$clean_sm" ]; then
    echo "-- explore --sm: $label as installed, with stream management"
    explore_clean clean-sm $clean_sm --sm
fi

echo "-- explore: a $label without mod_offline (a planted difference)"
set -- $planted_budget
planted explore --seed "$1" --runs "$2" --steps "$3" --shrink-max "$planted_shrink" \
    --out "$dir/planted" --json "$dir/planted.json"
rc=$?
[ "$rc" = 1 ] || fail "expected exit status 1 (a difference found), got $rc"
grep -q '"reason": "differs: ' "$dir/planted.json" || fail "the failure is not a difference"
grep -q '"replayed": true' "$dir/planted.json" || fail "the reproducer did not replay"
repro=$(ls "$dir"/planted/*.yaml) || fail "no reproducer written"
[ "$(echo "$repro" | wc -l)" = 1 ] || fail "more than one reproducer: $repro"

echo "-- the reproducer: passes on the model"
"$sessim" run "$repro" || fail "the reproducer fails on the model"
echo "-- the reproducer: fails on the planted server"
planted run "$repro"
rc=$?
[ "$rc" = 1 ] || fail "expected the reproducer to fail on the planted server (1), got $rc"
echo "-- the reproducer: passes on $label as installed"
installed run "$repro" || fail "the reproducer fails on $label as installed"
echo "live-explore: $server passed ($(($(date +%s) - start)) s)"
