#!/bin/sh
# lint: the architecture rules `make lint` enforces, on the sources and on
# the objects of one build flavour.
#
#   sh scripts/lint.sh BUILD_DIR [ROOT]
#
# BUILD_DIR is .build/<flavour> (absolute, or relative to ROOT); ROOT (default
# .) is the tree whose sources are read. Rules:
#   model/  purity: the undefined symbols of libsessim-model.a are only
#           allocation, mem*/str*, sorting, expat, assertions (no I/O, clock,
#           rand); no <stdio.h> or <time.h>; includes only its own headers.
#   prefix: every exported symbol of model/X.o and sim/**/X.o is X or X_*;
#           a sim/cli/ front end exports only its commands' functions: those
#           its header declares as `int X_...(int argc, char **argv);`
#           (main.c: main).
#   layers: sim/<folder>/ includes are written with their folder, and a
#           lower layer never includes a higher one (LAYERS, lowest first;
#           model/ is below them all).
#   model:  sim/ and fuzz/ include from model/ only the facade
#           (MODEL_FACADE) and the toolkit (MODEL_TOOLKIT), never internal.h;
#           only the model's drivers (DRIVERS) call the facade's functions
#           (model_*, invariant_*; MODEL_PURE aside): everything else
#           reaches the model through run/target.h.
#   help:   every .PHONY target of the Makefile has a `## target` help line.
# Each violation prints as FILE:LINE: what. A violation listed in
# scripts/lint-known.txt prints as known and does not fail; a listed one that
# no longer occurs fails, so the list only shrinks. Exit 0 clean, 1 on a
# violation, 2 on a usage or build error.

# Layers of sim/, lowest first. serve/ (the model behind a listener, and
# recording real traffic; it uses base, scenario, run) sits beside live/
# (real servers) above it, so it may draw on live/, and below explore/ and
# cli/; only cli/ includes it.
LAYERS="base scenario run report live serve explore cli"
# The model's facade: the bytes-in/bytes-out API and the invariant checker.
MODEL_FACADE="model.h invariant.h"
# Value types and pure helpers with no model state, shared so sim/ does not
# copy them: buf.h (byte buffer), stanza.h (the stanza tree sim/ matches and
# prints), xmlstream.h (the XML stream parser sim/ reads servers with),
# prng.h (the seeded PRNG: explorer seeds replay the same draws), jid.h (JID
# parsing, pure). The rest of model/ is reached through model.h only.
MODEL_TOOLKIT="buf.h stanza.h xmlstream.h prng.h jid.h"
# The model's drivers, which call its facade (shell patterns): the model
# target and its `check:` answers, serve (the model behind a listener), the
# front ends (bench measures the model directly), tests and fuzz targets.
DRIVERS="sim/run/target_model.c sim/run/checker.c sim/serve/* sim/cli/* sim/tests/* fuzz/*"
# Facade functions anyone may call: they read no model (defaults only).
MODEL_PURE="model_config_default"
# Undefined symbols the model may use (setjmp/longjmp: heap.c's unwinding on
# a failed allocation; XML_ParserCreate_MM has an underscore).
MODEL_EXTERNS='^(malloc|calloc|realloc|free|mem[a-z]*|str[a-z]*|qsort|bsearch|XML_[A-Za-z_]+|__assert_fail|__stack_chk_fail|abort|_setjmp|longjmp|_GLOBAL_OFFSET_TABLE_)$'

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    echo "usage: sh scripts/lint.sh BUILD_DIR [ROOT]" >&2
    exit 2
fi
B=$1
cd "${2:-.}" || exit 2
KNOWN=scripts/lint-known.txt
out=$(mktemp "${TMPDIR:-/tmp}/sessim-lint.XXXXXX") || exit 2
trap 'rm -f "$out" "$out.sym"' EXIT
trap 'exit 130' INT TERM HUP

# violation FILE LINE WHAT
violation() {
    printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$out"
}

# objects SOURCE...: their objects in the build directory (exits 2 if one
# is missing).
objects() {
    for src in "$@"; do
        o="$B/${src%.c}.o"
        if [ ! -f "$o" ]; then
            echo "lint: $o missing (build first)" >&2
            exit 2
        fi
        echo "$o"
    done
}

# check_prefixes SOURCE...: their objects' exported symbols carry the file's
# name; a sim/cli/ front end exports only its commands' functions.
check_prefixes() {
    objs=$(objects "$@") || exit 2
    commands=$(for h in sim/cli/*.h; do
        [ -f "$h" ] || continue
        sed -En "s@^int[ \t]+([a-z0-9_]+)\(int[ \t]+argc,[ \t]*char[ \t]*\*\*[ \t]*argv\);.*@${h%.h}.c:\1@p" "$h"
    done)
    nm -A -l -g --defined-only $objs | awk -v b="$B/" -v commands="$commands" '
        BEGIN { n = split(commands, c, "\n"); for (i = 1; i <= n; i++) command[c[i]] = 1 }
        {
            o = $1; sub(/:[0-9a-fA-F]*$/, "", o)
            if (NF < 3) next
            s = $3; line = 1
            if (NF >= 4 && match($4, /:[0-9]+$/))
                line = substr($4, RSTART + 1)
            src = substr(o, length(b) + 1); sub(/\.o$/, ".c", src)
            m = src; sub(/.*\//, "", m); sub(/\.c$/, "", m)
            if (src == "sim/cli/main.c" && s == "main")
                next
            if (s != m && index(s, m "_") != 1)
                printf "%s\t%s\texports %s without its module prefix %s_\n", src, line, s, m
            else if (src ~ /^sim\/cli\// && !((src ":" s) in command))
                printf "%s\t%s\texports %s: a cli front end exports only its commands'"'"' functions (int %s_...(int argc, char **argv) in its header)\n", src, line, s, m
        }' >>"$out"
}

# check_model_purity: undefined symbols of the model's objects.
check_model_purity() {
    lib="$B/libsessim-model.a"
    if [ ! -f "$lib" ]; then
        echo "lint: $lib missing (build first)" >&2
        exit 2
    fi
    objs=$(objects model/*.c) || exit 2
    nm -g --defined-only "$lib" | awk 'NF == 3 { print "D", $3 }' >"$out.sym"
    nm -A -u $objs | awk 'NF == 3 { print "U", $1, $3 }' >>"$out.sym"
    awk -v b="$B/" -v allowed="$MODEL_EXTERNS" '
        $1 == "D" { defined[$2] = 1; next }
        !($3 in defined) && $3 !~ allowed {
            src = substr($2, length(b) + 1); sub(/\.o:$/, ".c", src)
            print src, $3
        }' "$out.sym" | while read -r src s; do
        line=$(grep -nw "$s" "$src" | head -1 | cut -d: -f1)
        violation "$src" "${line:-1}" "uses $s (model/ does no I/O, clock or randomness)"
    done
    rm -f "$out.sym"
}

# check_drivers SOURCE...: only the model's drivers call its facade.
check_drivers() {
    objs=$(objects "$@") || exit 2
    nm -A -u $objs | awk -v b="$B/" -v pure="$MODEL_PURE" '
        BEGIN { n = split(pure, p, " "); for (i = 1; i <= n; i++) ok[p[i]] = 1 }
        $NF ~ /^(model|invariant)_/ && !($NF in ok) {
            src = $1; sub(/:.*/, "", src); src = substr(src, length(b) + 1); sub(/\.o$/, ".c", src)
            print src, $NF
        }' | while read -r src s; do
        for pat in $DRIVERS; do
            case $src in $pat) continue 2 ;; esac
        done
        line=$(grep -nw "$s" "$src" | head -1 | cut -d: -f1)
        violation "$src" "${line:-1}" "calls $s: only the model's drivers (DRIVERS) call the model; reach it through run/target.h"
    done
}

# check_model_includes: model/ includes only its own headers, no stdio/time.
check_model_includes() {
    awk '/^[ \t]*#[ \t]*include/ {
            if ($0 ~ /<(stdio|time)\.h>/)
                printf "%s\t%d\tincludes %s (model/ does no I/O and reads no clock)\n", FILENAME, FNR, $NF
            else if ($0 ~ /"[^"]*\/[^"]*"/)
                printf "%s\t%d\tincludes %s (model/ includes only its own headers)\n", FILENAME, FNR, $NF
        }' model/*.c model/*.h >>"$out"
}

# check_includes FILE...: layers and model headers of sim/ and fuzz/ files.
check_includes() {
    awk -v layers="$LAYERS" -v facade="$MODEL_FACADE" -v toolkit="$MODEL_TOOLKIT" \
        '
        BEGIN {
            n = split(layers, l, " ")
            for (i = 1; i <= n; i++) rank[l[i]] = i
            split(facade, f, " "); for (i in f) isfacade[f[i]] = 1
            split(toolkit, t, " "); for (i in t) istoolkit[t[i]] = 1
        }
        function report(line, what) { printf "%s\t%d\t%s\n", FILENAME, line, what }
        FILENAME != current {
            current = FILENAME
            split(FILENAME, p, "/")
            layer = (p[1] == "sim" && p[2] != "tests") ? p[2] : ""
            if (layer != "" && !(layer in rank))
                report(1, "folder sim/" layer "/ has no place in the layer order (LAYERS in scripts/lint.sh)")
            if (p[1] == "sim" && p[3] == "")
                report(1, "not in a folder of sim/ (one folder per layer)")
        }
        /^[ \t]*#[ \t]*include[ \t]*"/ {
            h = $0; sub(/^[^"]*"/, "", h); sub(/".*/, "", h)
            if (h ~ /^model\//) {
                name = substr(h, 7)
                if (name in istoolkit) next
                if (name in isfacade) next
                report(FNR, "includes " h ": from model/ only " facade " and the toolkit " toolkit)
                next
            }
            if (layer == "") next
            if (h !~ /\//) { report(FNR, "includes " h " without its folder"); next }
            to = h; sub(/\/.*/, "", to)
            if (!(to in rank)) { report(FNR, "includes " h ": " to "/ is not a layer of sim/"); next }
            if ((layer in rank) && rank[to] > rank[layer])
                report(FNR, "includes " h ": " layer "/ is below " to "/")
        }' "$@" >>"$out"
}

# check_help: every .PHONY target of the Makefile has a `## target` line.
check_help() {
    [ -f Makefile ] || return 0
    awk '
        /^## [a-z][a-z-]* / { help[$2] = 1; next }
        /^\.PHONY:/ { phony = 1 }
        phony {
            for (i = 1; i <= NF; i++)
                if ($i != ".PHONY:" && $i != "\\") { want[$i] = 1; at[$i] = FNR }
            phony = ($NF == "\\")
        }
        END {
            for (t in want) if (!(t in help))
                printf "Makefile\t%d\t.PHONY target %s has no \"## %s\" help line\n", at[t], t, t
            for (t in help) if (!(t in want))
                printf "Makefile\t1\thelp line for %s, which is not a .PHONY target\n", t
        }' Makefile >>"$out"
}

check_model_purity
check_model_includes
check_prefixes model/*.c $(find sim -name '*.c' ! -path 'sim/tests/*' | sort)
check_drivers $(find sim -name '*.c' ! -path 'sim/tests/*' | sort)
check_includes $(find sim fuzz -name '*.[ch]' | sort)
check_help

# Report: known violations (FILE: what, in $KNOWN) print and pass; the rest
# fail; a known line that matched nothing fails too.
sort -t "$(printf '\t')" -k1,1 -k2,2n "$out" | awk -F '\t' -v known="$KNOWN" '
    BEGIN {
        while ((getline line < known) > 0) {
            n++
            if (line ~ /^[ \t]*(#|$)/) continue
            key = line; reason = ""
            if ((i = index(line, " # ")) > 0) { key = substr(line, 1, i - 1); reason = substr(line, i + 3) }
            sub(/[ \t]+$/, "", key)
            listed[key] = reason; lineno[key] = n; keyat[n] = key
        }
    }
    {
        key = $1 ": " $3
        if (key in listed) {
            seen[key] = 1; k++
            printf "%s:%s: %s (known: %s)\n", $1, $2, $3, listed[key]
        } else {
            bad++
            printf "%s:%s: %s\n", $1, $2, $3
        }
    }
    END {
        for (i = 1; i <= n; i++) if ((i in keyat) && !(keyat[i] in seen)) {
            bad++
            printf "%s:%d: no longer occurs, remove this line: %s\n", known, i, keyat[i]
        }
        if (bad) { printf "lint: %d violation(s), %d known\n", bad, k; exit 1 }
        printf "lint: ok (%d known)\n", k
    }'
