#!/bin/sh
# cli_test.sh: bad command-line input and bad files given to sessim. Each
# case runs the binary, then checks its exit status (sim/README.md "Exit status
# and limits": 0 passed, 1 a scenario failed, 2 input or usage error) and
# that its output (stdout and stderr) holds a message naming the problem.
# Then: where coverage-map finds its rule list, and that README.md's
# scenario gives the output shown there.
# Usage: sim/tests/cli_test.sh [SESSIM]   (default .build/release/sessim)
set -u
SESSIM=${1:-.build/release/sessim}
T=$(mktemp -d "${TMPDIR:-/tmp}/sessim-cli.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
pass=0
fail=0

# expect_in DIR PROGRAM STATUS TEXT ARGS...: PROGRAM ARGS, run in DIR,
# exits STATUS and prints TEXT.
expect_in() {
    dir=$1 prog=$2 want=$3 text=$4
    shift 4
    (cd "$dir" && "$prog" "$@") >"$T/out" 2>&1
    got=$?
    if [ "$got" -eq "$want" ] && grep -qF -- "$text" "$T/out"; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "cli_test: FAIL: (in $dir) $prog $*"
        echo "  want status $want and '$text'; got status $got and:"
        head -c 600 "$T/out" | sed 's/^/    /'
    fi
}

# expect STATUS TEXT ARGS...: sessim ARGS exits STATUS and prints TEXT.
expect() {
    expect_in . "$SESSIM" "$@"
}

# expect_not STATUS TEXT ARGS...: sessim ARGS exits STATUS and does not
# print TEXT.
expect_not() {
    want=$1 text=$2
    shift 2
    "$SESSIM" "$@" >"$T/out" 2>&1
    got=$?
    if [ "$got" -eq "$want" ] && ! grep -qF -- "$text" "$T/out"; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "cli_test: FAIL: $SESSIM $*"
        echo "  want status $want and no '$text'; got status $got and:"
        head -c 600 "$T/out" | sed 's/^/    /'
    fi
}

# expect_exactly STATUS EXPECTED ARGS...: sessim ARGS exits STATUS and its
# standard output is EXPECTED (with a newline after it) and nothing else.
expect_exactly() {
    want=$1
    printf '%s\n' "$2" >"$T/want"
    shift 2
    "$SESSIM" "$@" >"$T/out" 2>/dev/null
    got=$?
    if [ "$got" -eq "$want" ] && cmp -s "$T/want" "$T/out"; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "cli_test: FAIL: $SESSIM $*"
        echo "  want status $want, got $got; output differs:"
        diff "$T/want" "$T/out" | head -10 | sed 's/^/    /'
    fi
}

# ---- inputs ----
mkdir "$T/empty" "$T/nested" "$T/nested/deeper"
"$SESSIM" new ok -o "$T/ok.yaml" >/dev/null || { echo "cli_test: sessim new failed"; exit 1; }
sed "s/<presence from='\${laptop.full}' to=/<presence type='unavailable' from='\${laptop.full}' to=/" \
    "$T/ok.yaml" >"$T/wrong.yaml"
printf 'scenario: tabs\nsteps:\n\t- restart\n' >"$T/tabs.yaml"
printf '\211PNG\r\n\032\n\000\000\000\rIHDR' >"$T/binary.yaml"
printf 'scenario: caf\351 latin-1\nsteps: [restart]\n' >"$T/latin1.yaml"
{ printf 'scenario: deep\nsteps: '; i=0; while [ $i -lt 100 ]; do printf '['; i=$((i + 1)); done
  i=0; while [ $i -lt 100 ]; do printf ']'; i=$((i + 1)); done; echo; } >"$T/deep.yaml"
truncate -s 17M "$T/huge.yaml"
awk 'BEGIN { print "scenario: too many steps"; print "steps:"
             for (i = 0; i <= 100000; i++) print "  - restart" }' >"$T/steps.yaml"
awk 'BEGIN { print "scenario: just enough steps"; print "steps:"
             for (i = 0; i < 100000; i++) print "  - restart" }' >"$T/nested/deeper/steps-max.yaml"

# ---- command line ----
expect 2 "usage: sessim COMMAND"
expect 2 "unknown command 'frob'" frob
expect 0 "sm-enable" explore --sm --seed 1 --runs 2 --steps 50 --out "$T/explore-sm"
# A run bounded by --time, its output not a terminal: progress each tenth of the time.
expect 0 "explore: 50% of 2 s: " explore --seed 1 --time 2s --jobs 2 --out "$T/explore-time"
expect 0 "--sm            add stream management" explore --help
expect 0 "the model follows the ejabberd profile" explore --profile ejabberd --seed 1 --runs 2 \
    --steps 50 --out "$T/explore-ej"
expect 2 "--profile must be prosody, ejabberd or rfc, not 'openfire'" explore --profile openfire
expect 2 "--profile must be prosody, ejabberd or rfc, not 'openfire'" run --profile openfire "$T/ok.yaml"
expect 0 "1 passed" run --profile rfc "$T/ok.yaml"
expect 2 "--profile must be prosody, ejabberd or rfc" diff --profile openfire
expect 2 "option needs --target: '--settle'" explore --settle 100
expect 2 "option needs --target: '--prosody'" explore --prosody prosody
expect 2 "option needs --target: '--pacing'" explore --pacing settle
expect 2 "--pacing is roundtrip or settle, not 'fast'" explore --target tcp://127.0.0.1:0 --pacing fast
expect 2 "--pacing is roundtrip or settle, not 'fast'" diff --pacing fast
expect 2 "--target must be tcp://127.0.0.1:PORT" explore --target tcp://10.0.0.1:5222
expect 2 "option needs a value: '--target'" explore --target
expect 2 "--settle needs milliseconds from 1 to 60000, not '0'" explore --target tcp://127.0.0.1:0 --settle 0
expect 2 "/nonexistent/prosody: No such file or directory" \
    explore --target tcp://127.0.0.1:0 --prosody /nonexistent/prosody
expect 2 "--settle, --pacing and --prosody need --target" run --prosody prosody "$T/ok.yaml"
printf 'domain: localhost\nlifecycle:\n  running: maybe\n' >"$T/server-bad.yml"
printf 'lifecycle: {running: true}\n' >"$T/server.yml"
expect 2 "$T/server-bad.yml:3:12: 'running' needs true or false" \
    run --target tcp://127.0.0.1:1 --server "$T/server-bad.yml" "$T/ok.yaml"
expect 2 "a server sessim does not start needs --target tcp://HOST:PORT" run --server "$T/server.yml" "$T/ok.yaml"
expect 2 "a server at tcp://10.0.0.1:5222 that sessim did not start needs --server FILE" \
    run --target tcp://10.0.0.1:5222 "$T/ok.yaml"
expect 2 "127.0.0.1:1 is not reachable: opening a stream: cannot connect to 127.0.0.1:1" \
    run --target tcp://127.0.0.1:1 --server "$T/server.yml" "$T/ok.yaml"
expect 2 "--divergences needs --target or --server" run --divergences scenarios/DIVERGENCES.md "$T/ok.yaml"
expect 2 "sessim: $T/missing.md: No such file or directory" \
    run --target tcp://127.0.0.1:1 --server "$T/server.yml" --divergences "$T/missing.md" "$T/ok.yaml"
expect 2 "--server and --prosody exclude each other" \
    run --target tcp://127.0.0.1:1 --server "$T/server.yml" --prosody p "$T/ok.yaml"
expect 2 "--server nosuch: no servers/nosuch.yaml in the working directory" \
    diff --server nosuch "$T/ok.yaml"
expect 2 "$T/server-bad.yml:3:12: 'running' needs true or false" \
    diff --server "$T/server-bad.yml" "$T/ok.yaml"
expect 2 "--server and --prosody exclude each other" \
    diff --server "$T/server.yml" --prosody p "$T/ok.yaml"
expect 2 "--server nosuch: no servers/nosuch.yaml in the working directory" \
    explore --server nosuch
expect 2 "unknown option '--frob' for 'run'" run --frob "$T/ok.yaml"
expect 2 "unknown option '-x' for 'lint'" lint -x
expect 2 "option '--junit' needs a value" run "$T/ok.yaml" --junit
expect 2 "option '--tag' needs a value" run --tag
expect 2 "--seed needs a non-negative integer, not 'abc'" run --seed abc "$T/ok.yaml"
expect 2 "--seed needs a non-negative integer, not '-1'" run --seed -1 "$T/ok.yaml"
expect 2 "--seed needs a non-negative integer, not '99999999999999999999999'" \
    run --seed 99999999999999999999999 "$T/ok.yaml"
expect 2 "$T/missing.yaml: No such file or directory" run "$T/missing.yaml"
expect 2 "$T/missing.yaml: No such file or directory" lint "$T/missing.yaml"
expect 2 "no scenarios (*.yaml) to run in $T/empty" run "$T/empty"
expect 2 "no scenarios (*.yaml) to check in $T/empty" lint "$T/empty"
expect 2 "cannot write $T/no-dir/junit.xml" run --junit "$T/no-dir/junit.xml" "$T/ok.yaml"
expect 2 "missing NAME" new
expect 2 "scenario name '../x' has a segment starting with '.' or '-'" new ../x
expect 2 "$T/ok.yaml: already exists; not overwriting it" new ok -o "$T/ok.yaml"
expect 2 "option '-o' needs a value" new ok -o

# ---- files ----
expect 0 "1 passed, 0 failed" run "$T/ok.yaml"
expect 1 "0 passed, 1 failed" run "$T/wrong.yaml"
expect 1 "$T/wrong.yaml:" run "$T/wrong.yaml"
expect 2 "$T/tabs.yaml:3:1: tab character: YAML indents with spaces only" run "$T/tabs.yaml"
expect 2 "$T/binary.yaml:1:1: invalid leading UTF-8 octet (#x89)" lint "$T/binary.yaml"
expect 2 "$T/latin1.yaml:1:15: invalid trailing UTF-8 octet" run "$T/latin1.yaml"
expect 2 "$T/deep.yaml:2:71: nesting deeper than 64 levels" lint "$T/deep.yaml"
expect 2 "$T/huge.yaml: file is larger than 16 MiB" run "$T/huge.yaml"
expect 2 "$T/steps.yaml:100003:5: too many steps (at most 100000)" lint "$T/steps.yaml"
expect 0 "1 scenario checked, 0 with errors" lint "$T/nested"
expect 2 "/dev/null:1:1: empty file" lint /dev/null
expect 2 "9 scenarios checked, 6 with errors" lint "$T"

# ---- coverage-map: the rule list ----
# The default is model/SEMANTICS.md under the current directory, else
# beside the binary; with no rule list at all the command exits 2.
expect 2 "sessim: $T/missing.md: No such file or directory" \
    coverage-map --semantics "$T/missing.md" "$T/ok.yaml"
expect 2 "sessim: $T/ok.yaml: no rule ids" coverage-map --semantics "$T/ok.yaml" "$T/ok.yaml"
case $SESSIM in /*) abs=$SESSIM ;; *) abs=$PWD/$SESSIM ;; esac
expect_in "$T" "$abs" 0 "ids from $PWD/model/SEMANTICS.md" coverage-map "$T/ok.yaml"
mkdir "$T/bin" && cp "$abs" "$T/bin/sessim"
expect_in "$T" "$T/bin/sessim" 2 "no rule list: model/SEMANTICS.md is neither" \
    coverage-map "$T/ok.yaml"
# From the checkout's root: every rule id of the document, in its order.
sed -n 's/^\*\*\([A-Z][A-Z]*[0-9][0-9]*\)\..*/\1/p; s/^\*\*\(0\.[0-9][0-9]*\) .*/\1/p' \
    model/SEMANTICS.md | awk '!seen[$0]++' >"$T/ids"
"$SESSIM" coverage-map >"$T/map" 2>&1
sed -n 's/^\([0-9A-Z][.0-9A-Z]*\)  *[0-9][0-9]*  .*/\1/p' "$T/map" >"$T/listed"
n=$(wc -l <"$T/ids")
if [ "$n" -gt 100 ] && cmp -s "$T/ids" "$T/listed" &&
   grep -qF "ids from model/SEMANTICS.md" "$T/map" &&
   grep -q "^covered: [0-9]* of $n rule ids" "$T/map"; then
    pass=$((pass + 1))
else
    fail=$((fail + 1))
    echo "cli_test: FAIL: sessim coverage-map does not list the $n rule ids of model/SEMANTICS.md:"
    diff "$T/ids" "$T/listed" | head -20 | sed 's/^/    /'
    head -2 "$T/map" | sed 's/^/    /'
fi

# ---- README.md's scenario gives the output shown there ----
awk '/^```yaml$/ && !done { on = 1; next } on && /^```$/ { on = 0; done = 1 } on' README.md \
    >"$T/drop.yaml"
sed '/romeo: {receive/s|<show>away</show>|<show>dnd</show>|' "$T/drop.yaml" >"$T/drop-dnd.yaml"
expect_in "$T" "$abs" 0 "PASS  drop.yaml  A contact is told when a resource's connection drops" \
    run drop.yaml
expect_in "$T" "$abs" 1 "- <show>: text: expected 'dnd', actual 'away'" run drop-dnd.yaml

# The JSON report carries the description and the notes (format 1.2).
printf 'scenario: described\ndescription: why it matters\nsteps:\n  - note: first\n  - restart\n  - note: second\n' >"$T/described.yaml"
expect 0 "1 passed" run --json "$T/described.json" "$T/described.yaml"
expect 0 '"notes": ["first", "second"]' run --json /dev/stdout "$T/described.yaml"
expect 0 '"description": "why it matters"' run --json /dev/stdout "$T/described.yaml"


# ---- -j and --jobs: the same output as one process, byte for byte ----
# same_output NAME ARGS...: sessim ARGS (stdout and stderr together, then
# the report files it was told to write) is the same as sessim ARGS -j 2
# (explore's throughput line on stderr aside).
same_output() {
    name=$1
    shift
    for j in 1 2; do
        mkdir -p "$T/$name-$j"
        (cd "$T/$name-$j" && "$abs" "$@" -j $j >out 2>&1; echo "status $?" >>out)
        grep -v ' steps/s' "$T/$name-$j/out" >"$T/$name-$j/kept"   # explore's throughput
        rm "$T/$name-$j/out"
    done
    if diff -r "$T/$name-1" "$T/$name-2" >"$T/diff"; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "cli_test: FAIL: sessim $* -j 2 differs from -j 1:"
        head -20 "$T/diff" | sed 's/^/    /'
    fi
}
here=$(pwd)
same_output run run "$here/scenarios" "$here/sim/tests/bad" --junit j.xml --tap t.tap --json j.json
same_output run-v run -v --json j.json "$here/scenarios/roster" "$T/drop-dnd.yaml" "$T/described.yaml"
same_output explore explore --seed 11 --runs 30 --steps 100 -v --out x
same_output run-fail-fast run --fail-fast -v "$here/scenarios/roster" "$T/drop-dnd.yaml" \
    "$here/scenarios/presence"
same_output run-k-q run -q -k roster -k '*/lifecycle/close-*' --color=always "$here/scenarios" \
    "$T/drop-dnd.yaml"

# ---- run: picking and showing scenarios ----
expect_exactly 0 "$T/described.yaml  described" run --list -k described "$T/ok.yaml" "$T/described.yaml"
expect_exactly 0 "$T/ok.yaml  ok
$T/described.yaml  described" run --list "$T/ok.yaml" "$T/described.yaml"
# a glob matches the whole path or title; a plain pattern is a substring
expect_exactly 0 "$T/ok.yaml  ok" run --list -k '*/ok.yaml' -k 'o?' "$T/ok.yaml" "$T/described.yaml"
expect_exactly 0 "$T/described.yaml  described" run --list -k 'scri' "$T/ok.yaml" "$T/described.yaml"
expect 2 "no scenario's path or title matches -k/--name 'k*' or 'nothing'" \
    run -k 'k*' --name nothing "$T/ok.yaml" "$T/described.yaml"
expect 2 "no scenario's path or title matches -k/--name 'nothing'" run --list -k nothing "$T/ok.yaml"
expect 1 "0 passed, 1 failed" run -k wrong "$T/ok.yaml" "$T/wrong.yaml"
# with --tag both must hold (ok.yaml has no tags)
expect 2 "no scenario's path or title matches -k/--name 'ok'" run --list --tag x -k ok "$T/ok.yaml"
# --list runs nothing and starts no server: an unreachable --target is not an error
expect_exactly 0 "$T/ok.yaml  ok" run --list --target tcp://127.0.0.1:1 --server "$T/server.yml" "$T/ok.yaml"
# on a live server, target: model scenarios would be SKIP: not listed
sed 's/^# target: any .*/target: model/' "$T/ok.yaml" >"$T/model-only.yaml"
expect_exactly 0 "$T/model-only.yaml  ok" run --list "$T/model-only.yaml"
expect_exactly 0 "$T/ok.yaml  ok" run --list --server "$T/server.yml" "$T/ok.yaml" "$T/model-only.yaml"
expect 2 "$T/tabs.yaml:3:1: tab character" run --list "$T/ok.yaml" "$T/tabs.yaml"
# --fail-fast: stops after the first failure and counts the scenarios not run
expect 1 "stopped at the first failure (--fail-fast): 2 scenarios not run" \
    run --fail-fast "$T/ok.yaml" "$T/wrong.yaml" "$T/ok.yaml" "$T/described.yaml"
expect 1 "1 passed, 1 failed" run --fail-fast -j 2 "$T/ok.yaml" "$T/wrong.yaml" "$T/ok.yaml" "$T/described.yaml"
expect 2 "stopped at the first failure (--fail-fast): 1 scenario not run" \
    run --fail-fast "$T/tabs.yaml" "$T/ok.yaml"
expect_not 1 "not run" run --fail-fast "$T/ok.yaml" "$T/wrong.yaml"
# -q: failures and the totals only; -v: the traffic of passing scenarios
expect_not 1 "PASS" run -q "$T/ok.yaml" "$T/wrong.yaml"
expect 1 "FAIL  $T/wrong.yaml" run -q "$T/ok.yaml" "$T/wrong.yaml"
expect 0 "laptop <- <presence from='romeo@localhost/phone' to='romeo@localhost/laptop'>" \
    run -v "$T/ok.yaml"
expect 0 "phone == connect: connection 1, bound as romeo@localhost/phone" run -v "$T/ok.yaml"
expect_not 0 "phone -> <presence/>" run "$T/ok.yaml"
expect 2 "-q and -v exclude each other" run -q -v "$T/ok.yaml"
# colours: always, never, and auto (on a terminal unless NO_COLOR is set)
esc=$(printf '\033')
expect 0 "${esc}[32mPASS${esc}[0m  $T/ok.yaml" run --color=always "$T/ok.yaml"
expect 1 "${esc}[31mFAIL${esc}[0m  $T/wrong.yaml" run --color always "$T/wrong.yaml"
expect_not 0 "$esc" run "$T/ok.yaml"
expect 2 "--color needs never, always or auto, not 'blue'" run --color=blue "$T/ok.yaml"
if command -v script >/dev/null 2>&1; then
    # on_tty TEXT|-TEXT ENV... -- ARGS: sessim ARGS on a terminal (script(1)) prints TEXT / not TEXT
    on_tty() {
        want=$1
        shift
        env "$@" script -qec "$abs run $T/ok.yaml ${tty_args:-}" /dev/null >"$T/tty" 2>&1
        case $want in
        -*) ! grep -qF -- "${want#-}" "$T/tty" ;;
        *) grep -qF -- "$want" "$T/tty" ;;
        esac
        if [ $? -eq 0 ]; then pass=$((pass + 1)); else
            fail=$((fail + 1))
            echo "cli_test: FAIL: on a terminal ($* ${tty_args:-}): want '$want' in:"
            cat -v "$T/tty" | head -5 | sed 's/^/    /'
        fi
    }
    on_tty "${esc}[32mPASS" NO_COLOR=
    on_tty "-$esc" NO_COLOR=1
    tty_args=--color=never on_tty "-$esc" NO_COLOR=
    tty_args=--color=always on_tty "${esc}[32mPASS" NO_COLOR=1
    unset tty_args
else
    echo "cli_test: no script(1): the terminal colour cases are not run"
fi

# JUnit: a file that does not load is an <error>, counted in errors; every
# case has a time; a bare file name's classname is never ".".
expect 2 'errors="1"' run --junit /dev/stdout "$T/binary.yaml"
expect 2 '<error message=' run --junit /dev/stdout "$T/binary.yaml"
expect_in "$T" "$abs" 0 'classname="sessim" name="described.yaml" time="0"' \
    run --junit /dev/stdout described.yaml

# import-scansion: a script that needs what the model lacks is written,
# with a warning per service at its line, and exit status 1.
printf '# muc\n[Client] Romeo\n\tjid: romeo@localhost\n\tpassword: password\n\n-----\n\nRomeo connects\n\nRomeo sends:\n\t<presence to="room@conference.localhost/Romeo"><x xmlns="http://jabber.org/protocol/muc"/></presence>\n\nRomeo receives:\n\t<presence from="room@conference.localhost/Romeo"><x xmlns="http://jabber.org/protocol/muc#user"/></presence>\n' >"$T/muc.scs"
expect 1 "$T/muc.scs:10: warning: the model lacks what this needs: a stanza to conference.localhost (MUC, XEP-0045)" \
    import-scansion "$T/muc.scs" -o "$T/muc.yaml"
expect 1 "2 stanzas of $T/muc.scs need what the model lacks: the scenario was written, but on the model they meet errors or silence instead (--until 10 translates only the actions before line 10)" \
    import-scansion "$T/muc.scs" -o "$T/muc.yaml"
expect 1 "0 passed, 1 failed" run "$T/muc.yaml"
expect_not 0 "warning" import-scansion "$T/muc.scs" --until 10 -o "$T/muc-before.yaml"
expect_not 0 "warning" import-scansion scenarios/imported/scansion/basic.scs -o "$T/basic.yaml"

# `new a/b` creates the folder it needs.
mkdir "$T/newdir"
expect_in "$T/newdir" "$abs" 0 "wrote scenarios/topic/first.yaml" new topic/first

echo "cli_test: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
