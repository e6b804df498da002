#!/bin/sh
# lint_test: scripts/lint.sh catches what it promises. Each case plants one
# violation in a temporary copy of the tree (sources, Makefile, scripts, and
# the objects of BUILD_DIR) and expects exit 1 and the violation's
# FILE:LINE line; the unchanged copy must pass.
#
#   sh scripts/lint_test.sh BUILD_DIR
set -u
if [ $# -ne 1 ]; then
    echo "usage: sh scripts/lint_test.sh BUILD_DIR" >&2
    exit 2
fi
B=$1
CC=${CC:-cc}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sessim-lint-test.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM HUP

# The pristine copy: sources and scripts in $tmp/src, objects in $tmp/build.
mkdir -p "$tmp/src" "$tmp/build" &&
find Makefile scripts model sim fuzz \( -name '*.[ch]' -o -name '*.sh' -o -name '*.txt' \
    -o -name Makefile \) -type f | tar cf - -T - | tar xf - -C "$tmp/src" &&
(cd "$B" && find model sim -name '*.o' | tar cf - -T - libsessim-model.a) | tar xf - -C "$tmp/build" ||
    { echo "lint_test: cannot copy the tree and $B" >&2; exit 2; }
mkdir "$tmp/orig" || exit 2
failed=0
cases=0
touched=""

# edit PATH: PATH of the copy is about to change (fresh puts it back).
edit() {
    if [ -e "$tmp/src/$1" ] && [ ! -e "$tmp/orig/$1" ]; then
        mkdir -p "$(dirname "$tmp/orig/$1")" && cp -R "$tmp/src/$1" "$tmp/orig/$1" || exit 2
    fi
    touched="$touched $1"
}

# fresh: the copy as it was: edited paths and the planted object back.
fresh() {
    for f in $touched; do
        rm -rf "${tmp:?}/src/$f"
        if [ -e "$tmp/orig/$f" ]; then cp -R "$tmp/orig/$f" "$tmp/src/$f" || exit 2; fi
    done
    touched=""
    if [ -n "${planted:-}" ]; then
        mv "$tmp/saved.o" "$planted" || exit 2
        planted=""
    fi
}

# prepend FILE LINE: LINE becomes line 1 of FILE in the copy.
prepend() {
    edit "$1"
    { printf '%s\n' "$2"; cat "$tmp/src/$1"; } >"$tmp/x" && mv "$tmp/x" "$tmp/src/$1"
}

# object SOURCE CODE: replace SOURCE's object by one compiled from CODE
# (until the next fresh).
object() {
    planted="$tmp/build/${1%.c}.o"
    cp "$planted" "$tmp/saved.o" || exit 2
    printf '%s\n' "$2" | "$CC" -g -c -x c - -o "$planted" || exit 2
}

# expect NAME RC PATTERN: lint the copy; want exit RC and a line matching
# PATTERN (grep -E).
expect() {
    cases=$((cases + 1))
    got=$(sh "$tmp/src/scripts/lint.sh" "$tmp/build" "$tmp/src" 2>&1)
    rc=$?
    if [ "$rc" -ne "$2" ] || ! printf '%s\n' "$got" | grep -Eq "$3"; then
        failed=$((failed + 1))
        echo "lint_test: $1: want exit $2 and /$3/, got exit $rc:"
        printf '%s\n' "$got" | sed 's/^/  /'
    fi
}

fresh
expect "clean tree" 0 '^lint: ok'

fresh
prepend sim/base/mem.c '#include "cli/bench.h"'
expect "lower layer includes a higher" 1 '^sim/base/mem\.c:1: includes cli/bench\.h: base/ is below cli/$'

fresh
prepend sim/run/client.h '#include "model/internal.h"'
expect "internal.h from sim/" 1 '^sim/run/client\.h:1: includes model/internal\.h: from model/ only'

fresh
prepend sim/report/html.c '#include "model/roster.h"'
expect "a model module header" 1 '^sim/report/html\.c:1: includes model/roster\.h: from model/ only'

fresh
object sim/report/html.c 'int html_x(void); unsigned model_session_count(const void *m);
int html_x(void) { return (int)model_session_count(0); }'
expect "a call of the model outside its drivers" 1 '^sim/report/html\.c:[0-9]+: calls model_session_count: only the model'"'"'s drivers'

fresh
prepend sim/live/norm.c '#include "norm.h"'
expect "include without its folder" 1 '^sim/live/norm\.c:1: includes norm\.h without its folder$'

fresh
edit sim/elsewhere
mkdir -p "$tmp/src/sim/elsewhere" && echo '/* nothing */' >"$tmp/src/sim/elsewhere/x.h"
expect "a folder outside the layer order" 1 '^sim/elsewhere/x\.h:1: folder sim/elsewhere/ has no place in the layer order'

fresh
prepend model/jid.c '#include <stdio.h>'
expect "model/ includes stdio.h" 1 '^model/jid\.c:1: includes <stdio\.h>'

fresh
object sim/base/paths.c 'int paths_ok(void); int stray_symbol(void);
int paths_ok(void) { return 0; }
int stray_symbol(void) { return 1; }'
expect "exported symbol without its prefix" 1 '^sim/base/paths\.c:3: exports stray_symbol without its module prefix paths_$'

fresh
object sim/cli/main.c 'int main(void); int main_helper(void);
int main_helper(void) { return 0; }
int main(void) { return main_helper(); }'
expect "a cli front end exports more" 1 "^sim/cli/main\\.c:2: exports main_helper: a cli front end exports only its commands' functions"

fresh
object model/jid.c 'int jid_x(void); int puts(const char *);
int jid_x(void) { return puts("x"); }'
expect "model/ calls I/O" 1 '^model/jid\.c:[0-9]+: uses puts '

fresh
edit scripts/lint-known.txt
echo 'sim/base/mem.c: includes nothing.h without its folder # fixed long ago' >>"$tmp/src/scripts/lint-known.txt"
expect "a known violation that no longer occurs" 1 '^scripts/lint-known\.txt:[0-9]+: no longer occurs, remove this line: sim/base/mem\.c'

fresh
prepend sim/base/mem.c '#include "live/norm.h"'
edit scripts/lint-known.txt
echo 'sim/base/mem.c: includes live/norm.h: base/ is below live/ # planted' >>"$tmp/src/scripts/lint-known.txt"
expect "a known violation passes" 0 '^sim/base/mem\.c:1: includes live/norm\.h: base/ is below live/ \(known: planted\)$'

fresh
edit Makefile
sed '/^## lint /d' "$tmp/src/Makefile" >"$tmp/x" && mv "$tmp/x" "$tmp/src/Makefile"
expect "a .PHONY target without help" 1 '^Makefile:[0-9]+: \.PHONY target lint has no "## lint" help line$'

fresh
expect "the copy put back" 0 '^lint: ok'

if [ "$failed" -ne 0 ]; then
    echo "lint_test: $failed of $cases cases failed"
    exit 1
fi
echo "lint_test: $cases cases passed"
