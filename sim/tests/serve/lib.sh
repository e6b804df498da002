# Shell helpers of serve_test.sh, junit_test.sh and live_serve.sh
# (sourced; POSIX sh). The sourcing script sets SESSIM and PYTHON, and
# either calls temp_dir or sets dir (a directory), n=0 and pids="" (what
# its EXIT trap kills) itself.

# temp_dir NAME: dir, a new temporary directory; at exit every process
# start() began is killed by its pid and dir is removed; n=0.
temp_dir() {
    dir=$(mktemp -d "${TMPDIR:-/tmp}/sessim-$1.XXXXXX") || exit 1
    pids=""
    n=0
    trap 'for p in $pids; do kill "$p" 2>/dev/null; done; rm -rf "$dir"' EXIT
    trap 'exit 130' INT TERM HUP
}

fail() {
    echo "$(basename "$0" .sh): FAILED: $*" >&2
    for f in "$dir"/*.log; do [ -e "$f" ] && { echo "--- $f" >&2; tail -20 "$f" >&2; }; done
    exit 1
}
ok() { n=$((n + 1)); echo "ok $n - $*"; }

# start NAME ARGS...: runs ARGS in the background with stderr in NAME.log,
# waits (up to 30 s: record may start a Prosody first) for its
# "listening on" line; sets pid and port.
start() {
    name=$1
    shift
    : >"$dir/$name.log"
    "$@" 2>>"$dir/$name.log" &
    pid=$!
    pids="$pids $pid"
    i=0
    port=""
    while [ -z "$port" ] && [ $i -lt 600 ]; do
        port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$dir/$name.log")
        [ -n "$port" ] || { sleep 0.05; i=$((i + 1)); }
    done
    [ -n "$port" ] || fail "$name did not start listening"
}

# stop PID PORT WHAT: SIGTERM, exit status 0, the port no longer listens.
stop() {
    kill -TERM "$1"
    wait "$1"
    rc=$?
    [ $rc -eq 0 ] || fail "$3 exited $rc after SIGTERM"
    $PYTHON -c 'import socket, sys
s = socket.socket()
sys.exit(0 if s.connect_ex(("127.0.0.1", int(sys.argv[1]))) else 1)' "$2" ||
        fail "$3 still listens on $2 after SIGTERM"
    ok "$3 stops on SIGTERM with exit 0 and no listening socket"
}

replay() {
    "$SESSIM" lint "$1" >"$dir/lint.out" 2>&1 || { cat "$dir/lint.out"; fail "$1 does not lint"; }
    "$SESSIM" run "$1" >"$dir/run.out" 2>&1 || { cat "$dir/run.out"; fail "$1 does not replay"; }
    ok "$2 lints and replays on the model"
}

