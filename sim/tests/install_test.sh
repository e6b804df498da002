#!/bin/sh
# install_test.sh: what `make install DESTDIR=DIR` put under DIR works.
# Usage: sim/tests/install_test.sh DIR PREFIX SCENARIO WORK  (WORK: scratch
# files, outside DIR)
# - a C program (sim/tests/install/model_client.c) compiles with -Werror
#   against the installed headers and links against the installed
#   libsessim-model.a, both found with `pkg-config --cflags --libs
#   sessim-model` through PKG_CONFIG_PATH (PKG_CONFIG_SYSROOT_DIR=DIR maps the
#   installed paths into DIR), and gets the model's answer to a stream header;
# - the installed sessim runs SCENARIO and, from a directory with no
#   checkout, finds the installed SEMANTICS.md for coverage-map;
# - the installed bash completion completes a command and an option;
# - the man pages and documents are where the man page says they are.
# About a second (one compile and link).
set -u
DIR=$1 PREFIX=$2
SCENARIO=$(cd "$(dirname "$3")" && pwd)/$(basename "$3")
WORK=$4
CC=${CC:-cc}
here=$(cd "$(dirname "$0")" && pwd)
fail=0
pass=0

check() {   # check WHAT COMMAND...: COMMAND succeeds, else WHAT failed
    what=$1
    shift
    if "$@" >"$WORK/out" 2>&1; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "install_test: FAIL: $what: $*"
        head -c 800 "$WORK/out" | sed 's/^/    /'
    fi
}

for f in bin/sessim lib/libsessim-model.a lib/pkgconfig/sessim-model.pc include/sessim/model.h \
         share/man/man1/sessim.1 share/man/man5/sessim-scenario.5 \
         share/doc/sessim/FORMAT.md share/doc/sessim/SEMANTICS.md \
         share/bash-completion/completions/sessim; do
    check "installed $f" test -f "$DIR$PREFIX/$f"
done

flags=$(PKG_CONFIG_PATH="$DIR$PREFIX/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$DIR" \
        pkg-config --cflags --libs sessim-model) || flags=
check "pkg-config --cflags --libs sessim-model names the installed tree" \
    sh -c "case '$flags' in *'-I$DIR$PREFIX/include'*'-lsessim-model'*) ;; *) exit 1;; esac"
# shellcheck disable=SC2086  # flags are words
check "a program built with pkg-config's flags" \
    $CC -std=c11 -Wall -Wextra -Werror -pedantic -o "$WORK/model_client" \
    "$here/install/model_client.c" $flags
check "the program gets an answer from the model" "$WORK/model_client"

check "installed sessim runs a scenario" "$DIR$PREFIX/bin/sessim" run "$SCENARIO"
check "installed coverage-map finds the installed SEMANTICS.md" \
    sh -c "cd '$WORK' && '$DIR$PREFIX/bin/sessim' coverage-map '$SCENARIO' | grep -q 'covered:'"

# bash completion: the command, and an option read from that command's --help
complete_line() {   # complete_line WORD...: what the installed completion offers for the last
    bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _sessim;
             echo "${COMPREPLY[*]}"' sh "$DIR$PREFIX/share/bash-completion/completions/sessim" "$@"
}
check "bash completion offers run for 'sessim ru'" \
    sh -c '[ "$1" = run ]' sh "$(complete_line "$DIR$PREFIX/bin/sessim" ru)"
check "bash completion offers --junit for 'sessim run --ju'" \
    sh -c '[ "$1" = --junit ]' sh "$(complete_line "$DIR$PREFIX/bin/sessim" run --ju)"

echo "install_test: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
