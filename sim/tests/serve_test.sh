#!/bin/sh
# serve_test.sh SESSIM: `sessim serve` and `sessim record` with real clients.
#
#  1. the slixmpp client script (sim/tests/serve/slixmpp_client.py) against
#     serve with --record; SIGTERM exits 0 and leaves no listening socket;
#     the recorded all.yaml lints and replays on the model; again with
#     stream management (--sm);
#  2. the same script through `sessim record` in front of serve; the
#     scenario it writes lints and replays on the model;
#  3. hostile clients (sim/tests/serve/hostile.py): garbage, a close
#     mid-stanza, a client that never reads, 1,000 idle connections;
#  4. bad command lines exit 2.
# Every server listens on 127.0.0.1 only, on a port the system picks, and
# is stopped by its own pid. Prints one line per check, exits 1 on the
# first failure.
set -u
SESSIM=$1
PYTHON=${PYTHON:-/usr/bin/python3}
HERE=$(dirname "$0")
ACCOUNTS=$HERE/serve/accounts.yaml
. "$HERE/serve/lib.sh"
temp_dir serve

# 1. slixmpp against serve, recorded
mkdir "$dir/rec"
start serve "$SESSIM" serve --listen 127.0.0.1:0 --clock manual --record "$dir/rec" "$ACCOUNTS"
serve_pid=$pid
$PYTHON "$HERE/serve/slixmpp_client.py" --port "$port" >"$dir/slixmpp.out" 2>&1 ||
    { cat "$dir/slixmpp.out"; fail "slixmpp against serve"; }
ok "slixmpp against serve: $(tail -1 "$dir/slixmpp.out")"
stop "$serve_pid" "$port" "serve"
grep -q "1 open from 127.0.0.1" "$dir/serve.log" && grep -q "1 bound romeo@localhost/orchard" "$dir/serve.log" ||
    fail "serve's log lacks the connection events"
ok "serve logs connection events"
replay "$dir/rec/all.yaml" "serve --record's all.yaml"

# 1b. the same with stream management (XEP-0198) on both clients
mkdir "$dir/rec-sm"
start serve-sm "$SESSIM" serve --listen 127.0.0.1:0 --clock manual --record "$dir/rec-sm" "$ACCOUNTS"
serve_pid=$pid
$PYTHON "$HERE/serve/slixmpp_client.py" --sm --port "$port" >"$dir/slixmpp-sm.out" 2>&1 ||
    { cat "$dir/slixmpp-sm.out"; fail "slixmpp with stream management against serve"; }
ok "slixmpp with stream management against serve: $(tail -1 "$dir/slixmpp-sm.out")"
stop "$serve_pid" "$port" "serve"
grep -q "enable: {resume: true}" "$dir/rec-sm/all.yaml" || fail "no enable step in the recording"
replay "$dir/rec-sm/all.yaml" "the stream-management recording"

# 2. slixmpp through `sessim record` in front of serve
if "$SESSIM" record --help >/dev/null 2>&1; then
    start serve2 "$SESSIM" serve --listen 127.0.0.1:0 --clock manual "$ACCOUNTS"
    serve_pid=$pid
    serve_port=$port
    start record "$SESSIM" record --listen 127.0.0.1:0 --upstream "tcp://127.0.0.1:$serve_port" \
        --out "$dir/recorded.yaml"
    record_pid=$pid
    $PYTHON "$HERE/serve/slixmpp_client.py" --port "$port" >"$dir/slixmpp2.out" 2>&1 ||
        { cat "$dir/slixmpp2.out"; fail "slixmpp through record"; }
    ok "slixmpp through record: $(tail -1 "$dir/slixmpp2.out")"
    stop "$record_pid" "$port" "record"
    stop "$serve_pid" "$serve_port" "serve"
    replay "$dir/recorded.yaml" "record's scenario"
fi

# 3. hostile clients
start hostile "$SESSIM" serve --listen 127.0.0.1:0 --clock manual --max-connections 1000 \
    --max-output 262144 --idle-timeout 1000 "$ACCOUNTS"
serve_pid=$pid
$PYTHON "$HERE/serve/hostile.py" --port "$port" --pid "$serve_pid" >"$dir/hostile.out" 2>&1 ||
    { cat "$dir/hostile.out"; fail "hostile clients"; }
ok "hostile clients: $(tail -1 "$dir/hostile.out")"
grep -q "closed (output limit" "$dir/hostile.log" || fail "no output-limit close in the log"
stop "$serve_pid" "$port" "serve after hostile clients"

# 4. bad command lines
for args in "--listen nowhere" "--clock sometimes" "--max-connections 0" "--bogus" \
    "a.yaml b.yaml" "$HERE/bad/does-not-exist.yaml"; do
    # shellcheck disable=SC2086
    "$SESSIM" serve $args >/dev/null 2>&1
    rc=$?
    [ $rc -eq 2 ] || fail "sessim serve $args exited $rc, not 2"
done
ok "bad serve command lines exit 2"

echo "serve_test: $n passed"
