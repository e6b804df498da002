#!/bin/sh
# Runs the libFuzzer targets (`make fuzz`, `make fuzz-long`), one after the
# other, each for SECONDS:
#   sh fuzz/run.sh SECONDS [TARGET...]      (default: every fuzz/*.c target)
# Needs .build/fuzz/fuzz-TARGET and .build/release/replay-TARGET (make
# builds both first). Each target runs with fuzz/xmpp.dict plus its own
# fuzz/TARGET.dict, the -max_len of fuzz/TARGET.options, on its checked-in
# corpus plus .build/fuzz/work/TARGET/ (new inputs go there). FUZZ_FLAGS
# adds libFuzzer flags. After each run: executions, executions per second,
# peak memory; for a finding, its report, the minimised input saved to
# fuzz/regressions/TARGET/ and the command that reproduces it. A finding
# does not stop the other targets; the exit status is then 1.
set -u
seconds=${1:?usage: run.sh SECONDS [TARGET...]}
shift
targets=${*:-$(ls fuzz/*.c | sed 's|fuzz/||; s|\.c$||' | grep -vx replay)}
flags=${FUZZ_FLAGS:--timeout=25 -rss_limit_mb=2048}
work=.build/fuzz/work
summary=""
failed=""

# The value of KEY in fuzz/TARGET.options ([libfuzzer] section, OSS-Fuzz's
# format), or nothing.
option() {
    [ -f "fuzz/$1.options" ] && sed -n "s/^[[:space:]]*$2[[:space:]]*=[[:space:]]*//p" "fuzz/$1.options" | head -1
}

stat_of() {
    sed -n "s/^stat::$2:[[:space:]]*//p" "$1" | tail -1
}

# Minimises one artifact into fuzz/regressions/, shows what it breaks.
report() {
    t=$1 a=$2
    name=$(basename "$a"); name=${name#"$t"-}
    dest=fuzz/regressions/$t/$name
    mkdir -p "fuzz/regressions/$t" "$work/reported"
    echo "-- finding: $name"
    if sed -n '/: property broken: /,/deadly signal/p' "$work/$t.log" | grep -q .; then
        sed -n '/: property broken: /,/deadly signal/p' "$work/$t.log" | head -60
    else
        grep -B2 -A30 -E '^==[0-9]+==ERROR|runtime error|deadly signal|ALARM|out-of-memory' \
            "$work/$t.log" | head -50
    fi
    .build/fuzz/fuzz-$t -minimize_crash=1 -max_total_time=60 $flags \
        -exact_artifact_path="$dest" "$a" >"$work/$t-minimize.log" 2>&1
    [ -s "$dest" ] || cp "$a" "$dest"
    mv "$a" "$work/reported/"
    echo "-- saved (minimised, $(wc -c <"$dest") bytes): $dest"
    if out=$(sh -c '"$@" 2>&1' sh ".build/release/replay-$t" "$dest" 2>&1); then
        echo "-- the plain replay passes (a sanitizer, timeout or memory finding); reproduce with:"
        echo "   make FLAVOUR=asan .build/asan/replay-$t && .build/asan/replay-$t $dest"
        echo "   .build/fuzz/fuzz-$t $dest"
    else
        echo "$out" | head -40
        echo "-- reproduce: .build/release/replay-$t $dest"
    fi
}

for t in $targets; do
    echo "== fuzz $t for ${seconds}s"
    mkdir -p "$work/$t"
    cat fuzz/xmpp.dict $(ls fuzz/$t.dict 2>/dev/null) >"$work/$t.dict"
    max_len=$(option "$t" max_len)
    .build/fuzz/fuzz-$t -max_total_time="$seconds" -print_final_stats=1 $flags \
        ${max_len:+-max_len=$max_len} -dict="$work/$t.dict" -artifact_prefix="$work/$t-" \
        "$work/$t" "fuzz/corpus/$t" >"$work/$t.log" 2>&1
    rc=$?
    execs=$(stat_of "$work/$t.log" number_of_executed_units)
    rate=$(stat_of "$work/$t.log" average_exec_per_sec)
    rss=$(stat_of "$work/$t.log" peak_rss_mb)
    echo "executions ${execs:-?}, ${rate:-?}/s, peak RSS ${rss:-?} MB, max_len ${max_len:-libFuzzer's guess}"
    grep -E '#[0-9]+.*(DONE|pulse|NEW|REDUCE|INITED)' "$work/$t.log" | tail -1
    found=0
    if [ $rc -ne 0 ]; then
        failed="$failed $t"
        for a in "$work/$t"-crash-* "$work/$t"-leak-* "$work/$t"-timeout-* "$work/$t"-oom-*; do
            [ -e "$a" ] || continue
            found=$((found + 1))
            report "$t" "$a"
        done
        [ $found -gt 0 ] || { echo "-- libFuzzer failed without an artifact:"; tail -20 "$work/$t.log"; }
    fi
    summary="$summary
$t ${seconds}s: ${execs:-?} executions, ${rate:-?}/s, findings: $found"
done
echo "== fuzz summary$summary"
if [ -n "$failed" ]; then echo "fuzz: findings in$failed"; exit 1; fi
echo "fuzz: no finding"
