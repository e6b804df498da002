#!/bin/sh
# Adds seeds from scenarios to fuzz/corpus/TARGET/ (`make fuzz-corpus`):
#   sh fuzz/corpus.sh SCENARIOS MERGE
# Needs .build/release/corpus-extract and, with MERGE=1, the libFuzzer
# targets .build/fuzz/fuzz-TARGET (make builds them first).
# fuzz/tools/corpus.c extracts candidates (whole files, client streams,
# pattern/stanza pairs, scenarios as model_session operations); they are
# named by the first 16 hex digits of their SHA-256. Candidates longer than
# the target's max_len (fuzz/TARGET.options) are left out: libFuzzer would
# only fuzz their beginning, and a small corpus runs fast (seeds where size
# is the point are written by hand). With MERGE=1 libFuzzer's -merge=1 adds
# only those that add coverage; MERGE=0 adds them all. Nothing is removed,
# so running it twice adds nothing.
set -u
scenarios=${1:?usage: corpus.sh SCENARIOS MERGE}
merge=${2:-1}
work=.build/fuzz/corpus-work
rm -rf "$work" && mkdir -p "$work/raw" "$work/named" || exit 1
.build/release/corpus-extract "$work/raw" "$scenarios" || exit 1
for d in "$work"/raw/*/; do
    t=$(basename "$d")
    named=$work/named/$t
    mkdir -p "$named" "fuzz/corpus/$t"
    max_len=$(sed -n 's/^[[:space:]]*max_len[[:space:]]*=[[:space:]]*//p' "fuzz/$t.options" 2>/dev/null | head -1)
    big=0
    for f in "$d"*; do
        if [ -n "$max_len" ] && [ "$(wc -c <"$f")" -gt "$max_len" ]; then big=$((big + 1)); continue; fi
        cp "$f" "$named/$(sha256sum <"$f" | cut -c1-16)"
    done
    before=$(ls "fuzz/corpus/$t" | wc -l)
    if [ "$merge" = 0 ]; then
        cp -n "$named"/* "fuzz/corpus/$t/" 2>/dev/null
    else
        .build/fuzz/fuzz-$t -merge=1 ${max_len:+-max_len=$max_len} "fuzz/corpus/$t" "$named" \
            >"$work/$t.log" 2>&1 || { tail -30 "$work/$t.log"; exit 1; }
    fi
    for f in fuzz/corpus/$t/*; do
        n=$(basename "$f"); h=$(sha256sum <"$f" | cut -c1-16)
        [ "$n" = README.md ] || [ "$n" = "$h" ] || mv "$f" "fuzz/corpus/$t/$h"
    done
    echo "fuzz-corpus: $t: $(ls "$named" | wc -l) distinct seeds (${big} over max_len ${max_len:-none} left out), $(( $(ls "fuzz/corpus/$t" | wc -l) - before )) added"
done
