#!/bin/sh
# The corpus on a server described by a server file (sim/README.md "Servers
# sessim did not start"), for `make live-check`:
#   sessim run --target tcp://127.0.0.1:PORT --server FILE SCENARIOS
# Every scenario passes or is skipped with its reason; a failure must be
# listed (a backquoted scenario path on a `- ` line followed by
# "(model only" or "(server fails") in one of the LIST files, else the
# check fails. Prints the counts, the skip reasons and the wall time.
# usage: live_server.sh SESSIM DIR FILE PORT LIST... -- SCENARIOS...
#   (PORT 0: a free one; DIR: scratch space, removed by the caller)
set -u
sessim=$1 dir=$2 file=$3 port=$4
shift 4
lists=
while [ $# -gt 0 ] && [ "$1" != -- ]; do lists="$lists $1"; shift; done
[ $# -gt 0 ] && shift
[ $# -gt 0 ] || set -- scenarios
python=${PYTHON:-python3}
fail() { echo "live-server: $*" >&2; exit 1; }
if [ "$port" = 0 ]; then
    port=$("$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])') ||
        fail "no free port"
fi
name=$(basename "$file" .yaml)
echo "-- the corpus on $name at 127.0.0.1:$port (--server $file)"
start=$(date +%s)
"$sessim" run --target "tcp://127.0.0.1:$port" --settle "${LIVE_SERVER_SETTLE:-100}" \
    --server "$file" "$@" >"$dir/run.out" 2>&1
rc=$?
end=$(date +%s)
tail -1 "$dir/run.out"
echo "   ($name: $((end - start)) s wall; skip reasons:)"
grep -A1 '^SKIP' "$dir/run.out" | grep -v '^SKIP\|^--' | sed 's/^ *//; s/(step [0-9]*, line [0-9]*)//' |
    sort | uniq -c | sort -rn
[ "$rc" = 0 ] || [ "$rc" = 1 ] || fail "sessim run exited $rc: $(tail -5 "$dir/run.out")"
grep '^FAIL' "$dir/run.out" | awk '{print $2}' | sort >"$dir/failed"
# shellcheck disable=SC2086
sed -n 's/^- `\([^`]*\)` (\(model only\|server fails\).*/\1/p' $lists /dev/null | sort -u >"$dir/listed"
unlisted=$(comm -23 "$dir/failed" "$dir/listed")
if [ -n "$unlisted" ]; then
    for f in $unlisted; do grep -A12 "^FAIL  $f " "$dir/run.out"; done | head -150
    fail "failures on $name not listed in$lists: $unlisted"
fi
echo "live-server: $name passed ($(wc -l <"$dir/failed") listed failures)"
