#!/bin/sh
# A server sessim did not start, for `make live-check`: a Prosody started
# here by hand (its own config in DIR, listening on one loopback port,
# stopped by its pid, reset between scenarios by a command of the server
# file that restarts it on empty data, and restarted for a scenario's
# `restart` step by one that kills it and starts it again on the same data,
# as sessim restarts the Prosody it starts) runs the corpus through
#   sessim run --target tcp://127.0.0.1:PORT --server DIR/external.yaml
# with accounts by in-band registration, each scenario also on the model
# (sessim diff, live_server.sh). Every scenario passes on both or is not
# run live with its reason; a divergence must be one scenarios/DIVERGENCES.md
# lists for Prosody. Also: the start-up checks exit 2 before any scenario
# (a port nobody listens on, a wrong domain, a server file error).
# usage: live_external.sh SESSIM DIR [SCENARIOS...]   (DIR removed by the caller)
set -u
sessim=$1
dir=$2
shift 2
[ $# -gt 0 ] || set -- scenarios
here=$(cd "$(dirname "$0")" && pwd)
python=${PYTHON:-python3}
fail() { echo "live-external: $*" >&2; exit 1; }
free_port() {
    "$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

port=$(free_port) || fail "no free port"
mkdir -p "$dir/data" || fail "cannot create $dir/data"
cat > "$dir/prosody.cfg.lua" <<CFG
-- A Prosody started outside sessim: loopback only, in-band registration,
-- no tombstones.
$( [ "$(id -u)" = 0 ] && echo 'run_as_root = true' )
pidfile = "$dir/prosody.pid"
data_path = "$dir/data"
log = { info = "$dir/prosody.log" }
interfaces = { "127.0.0.1" }
local_interfaces = { "127.0.0.1" }
c2s_interfaces = { "127.0.0.1" }
s2s_interfaces = { "127.0.0.1" }
http_interfaces = { "127.0.0.1" }
https_interfaces = { "127.0.0.1" }
c2s_ports = { $port }
c2s_direct_tls_ports = { }
legacy_ssl_ports = { }
s2s_ports = { }
http_ports = { }
https_ports = { }
component_ports = { }
modules_enabled = { "roster"; "saslauth"; "register"; "ping"; "smacks"; "offline" }
modules_disabled = { "s2s"; "s2s_auth_certs"; "dialback"; "tls"; "posix" }
authentication = "internal_plain"
storage = "internal"
c2s_require_encryption = false
allow_unencrypted_plain_auth = true
allow_registration = true
conflict_resolve = "kick_old"
VirtualHost "localhost"
CFG
# server.sh reset: stop this Prosody by its pid, empty its data, start it
# again and wait until it listens. A restart, not just removing accounts:
# Prosody keeps a removed account's roster in memory and hands it to the
# next account of that name (scenarios/DIVERGENCES.md P16).
# server.sh restart: the harness's `restart` (scenarios/FORMAT.md): kill
# it by its pid at once (no stream error reaches the clients, as
# sim/live/live.c restarts the Prosody sessim starts), keep its data
# (written by internal storage as it changes), start it again.
cat > "$dir/server.sh" <<SH
#!/bin/sh
sig=TERM
[ "\$1" = restart ] && sig=KILL
[ -s "$dir/server.pid" ] && kill -\$sig "\$(cat "$dir/server.pid")" 2>/dev/null
i=0
while [ -s "$dir/server.pid" ] && kill -0 "\$(cat "$dir/server.pid")" 2>/dev/null; do
    i=\$((i + 1)); [ \$i -lt 200 ] || kill -9 "\$(cat "$dir/server.pid")"; sleep 0.02
done
rm -f "$dir/prosody.log"
if [ "\$1" != restart ]; then rm -rf "$dir/data" && mkdir "$dir/data" || exit 1; fi
prosody --config "$dir/prosody.cfg.lua" -F >>"$dir/prosody.out" 2>&1 </dev/null &
echo \$! >"$dir/server.pid"
i=0
until grep -q "Activated service 'c2s'" "$dir/prosody.log" 2>/dev/null; do
    i=\$((i + 1))
    [ \$i -lt 600 ] && kill -0 \$! 2>/dev/null || { echo "Prosody did not start" >&2; exit 1; }
    sleep 0.02
done
SH
cat > "$dir/external.yaml" <<YAML
# A Prosody started by hand (live_external.sh); sessim connects, resets
# it between scenarios and restarts it for a restart step with server.sh.
domain: localhost
lifecycle:
  running: true
  reset: sh $dir/server.sh reset
  restart: sh $dir/server.sh restart
accounts:
  method: register
settings:
  conflict: kick-old
  offline: true
  registration: true
  tombstones: false
  profile: prosody
YAML

stop_prosody() {
    [ -s "$dir/server.pid" ] || return 0
    p=$(cat "$dir/server.pid")
    kill "$p" 2>/dev/null
    i=0
    while kill -0 "$p" 2>/dev/null && [ $i -lt 250 ]; do i=$((i + 1)); sleep 0.02; done
    kill -9 "$p" 2>/dev/null
    rm -f "$dir/server.pid"
}
fail() { echo "live-external: $*" >&2; stop_prosody; exit 1; }
sh "$dir/server.sh" reset || fail "Prosody did not listen on 127.0.0.1:$port: $(tail -c 400 "$dir/prosody.out")"

echo "-- start-up checks (exit 2 before any scenario)"
closed=$(free_port)
"$sessim" run --target "tcp://127.0.0.1:$closed" --server "$dir/external.yaml" scenarios \
    >"$dir/closed.out" 2>&1
rc=$?
[ "$rc" = 2 ] && grep -q "is not reachable: opening a stream: cannot connect" "$dir/closed.out" ||
    fail "a closed port: expected exit 2 and 'not reachable', got $rc: $(cat "$dir/closed.out")"
sed 's/^domain: localhost/domain: example.org/' "$dir/external.yaml" >"$dir/wrong-domain.yaml"
"$sessim" run --target "tcp://127.0.0.1:$port" --server "$dir/wrong-domain.yaml" scenarios \
    >"$dir/domain.out" 2>&1
rc=$?
[ "$rc" = 2 ] && grep -q "does not serve the domain example.org" "$dir/domain.out" ||
    fail "a wrong domain: expected exit 2, got $rc: $(cat "$dir/domain.out")"

sh "$here/live_server.sh" "$sessim" "$dir" "a Prosody started by hand" \
    --server "$dir/external.yaml" --target "tcp://127.0.0.1:$port" --jobs 1 \
    --settle "${LIVE_SERVER_SETTLE:-100}" --divergences "$here/../../scenarios/DIVERGENCES.md" "$@"
rc=$?
stop_prosody
[ "$rc" = 0 ] || exit 1
echo "live-external: passed"
