#!/bin/sh
# junit_test.sh SESSIM XSD: sessim's JUnit reports validate against the
# common JUnit schema (XSD: sim/tests/junit/junit-10.xsd) with xmllint, for
# every outcome a test case can have:
#  1. on the model: sim/tests/junit/scenarios/ (a pass, a failure with
#     markup in its text, a model-only pass) and a file that does not load
#     (an <error>);
#  2. on a live target, `sessim serve` on 127.0.0.1 reached with --server
#     sim/tests/junit/server.yaml: the same scenarios give a pass with a
#     skipped step, a <failure> and a <skipped>.
# Each report must also hold the elements its run should produce. Under a
# second; the server is stopped by its pid.
set -u
SESSIM=$1
XSD=$2
PYTHON=${PYTHON:-/usr/bin/python3}
HERE=$(dirname "$0")
FIX=$HERE/junit/scenarios
. "$HERE/serve/lib.sh"
temp_dir junit

# report NAME STATUS ARGS...: `sessim run ARGS --junit NAME.xml` exits
# STATUS and its report validates.
report() {
    name=$1 want=$2
    shift 2
    "$SESSIM" run "$@" --junit "$dir/$name.xml" >"$dir/$name.out" 2>&1
    rc=$?
    [ "$rc" -eq "$want" ] || { cat "$dir/$name.out"; fail "$name: sessim run exited $rc, not $want"; }
    xmllint --noout --schema "$XSD" "$dir/$name.xml" >"$dir/$name.lint" 2>&1 ||
        { cat "$dir/$name.lint"; fail "$name: the JUnit report does not validate against $XSD"; }
    ok "$name: the JUnit report validates against $(basename "$XSD")"
}

# holds NAME TEXT...: the report NAME.xml holds each TEXT.
holds() {
    name=$1
    shift
    for t in "$@"; do
        grep -qF -- "$t" "$dir/$name.xml" || { cat "$dir/$name.xml"; fail "$name: no '$t' in the report"; }
    done
    ok "$name: the report has $*"
}

report model 2 "$FIX" "$HERE/bad/bad_bool.yaml"
holds model 'tests="4" failures="1" errors="1"' '<failure message=' '<error message=' \
    'name="sim/tests/junit/scenarios/pass.yaml" time="0">'

start serve "$SESSIM" serve --listen 127.0.0.1:0 --clock manual
serve_pid=$pid
report live 1 --settle 50 --target "tcp://127.0.0.1:$port" --server "$HERE/junit/server.yaml" "$FIX"
holds live 'tests="3" failures="1" errors="0" skipped="1"' '<failure message=' '<skipped message=' \
    'skipped steps: 1'
stop "$serve_pid" "$port" "serve"
