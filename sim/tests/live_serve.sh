#!/bin/sh
# live_serve.sh SESSIM DIR: the real client against Prosody (make live-check).
#
# `sessim record --upstream prosody` starts a Prosody on a free port of
# 127.0.0.1 with sim/tests/serve/accounts.yaml's accounts; the slixmpp
# script (sim/tests/serve/slixmpp_client.py) runs once against Prosody
# directly and once through the recording proxy, then once more with
# stream management through a fresh one; each recorded scenario of the two
# clients must lint and replay on the model and on a live Prosody.
# Prosody is stopped by record (by its pid) when record gets SIGTERM.
# Exit 1 when a check fails; the replays' reports are printed either way.
set -u
SESSIM=$1
dir=$2
PYTHON=${PYTHON:-/usr/bin/python3}
HERE=$(dirname "$0")
pids=""
n=0
cleanup() { for p in $pids; do kill "$p" 2>/dev/null; done; }
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
. "$HERE/serve/lib.sh"

start record env TMPDIR="$dir" "$SESSIM" record --listen 127.0.0.1:0 --upstream prosody \
    --out "$dir/prosody.yaml" "$HERE/serve/accounts.yaml"
record_pid=$pid
prosody_port=$(sed -n 's/.*Prosody .* started on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$dir/record.log")
[ -n "$prosody_port" ] || fail "record did not say where Prosody listens"
$PYTHON "$HERE/serve/slixmpp_client.py" --port "$prosody_port" >"$dir/direct.out" 2>&1 ||
    { cat "$dir/direct.out"; fail "slixmpp against Prosody"; }
ok "slixmpp against Prosody: $(tail -1 "$dir/direct.out")"
$PYTHON "$HERE/serve/slixmpp_client.py" --port "$port" >"$dir/proxied.out" 2>&1 ||
    { cat "$dir/proxied.out"; fail "slixmpp through record to Prosody"; }
ok "slixmpp through record to Prosody: $(tail -1 "$dir/proxied.out")"
stop "$record_pid" "$port" "record"

start record-sm env TMPDIR="$dir" "$SESSIM" record --listen 127.0.0.1:0 --upstream prosody \
    --out "$dir/prosody-sm.yaml" "$HERE/serve/accounts.yaml"
record_pid=$pid
$PYTHON "$HERE/serve/slixmpp_client.py" --sm --port "$port" >"$dir/proxied-sm.out" 2>&1 ||
    { cat "$dir/proxied-sm.out"; fail "slixmpp with stream management through record to Prosody"; }
ok "slixmpp with stream management through record to Prosody: $(tail -1 "$dir/proxied-sm.out")"
stop "$record_pid" "$port" "record"

for rec in prosody prosody-sm; do
    "$SESSIM" lint "$dir/$rec.yaml" >/dev/null || fail "$rec.yaml does not lint"
    rc=0
    echo "== $rec.yaml: two slixmpp clients recorded against Prosody, replayed on the model"
    "$SESSIM" run "$dir/$rec.yaml" || rc=1
    echo "== $rec.yaml replayed on a live Prosody"
    TMPDIR="$dir" "$SESSIM" run --target tcp://127.0.0.1:0 "$dir/$rec.yaml" || rc=1
    [ $rc -eq 0 ] || fail "$rec.yaml does not replay"
    ok "$rec.yaml replays on the model and on Prosody"
done
echo "live_serve: $n passed"
