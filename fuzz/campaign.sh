#!/usr/bin/env bash
# The fuzzing campaign: every target (or the ones named) under AFL++ for
# SECONDS each, all at once, in the background, at the lowest priority.
#   fuzz/campaign.sh SECONDS [TARGET...]   start (outputs in fuzz/out/TARGET)
#   fuzz/campaign.sh stats                 executions, crashes, hangs so far
#                                          (every folder under fuzz/out)
# Needs `cargo install cargo-afl` (see README.md). Runs again resume where
# the last left off (AFL_AUTORESUME).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
ALL=(csv label config flags model foreign libsvm predict)

if [ "${1:-}" = stats ]; then
    printf '%-8s %12s %8s %7s %6s %s\n' target execs execs/s crashes hangs "last update"
    total=0
    for f in out/*/default/fuzzer_stats; do
        [ -f "$f" ] || continue
        t=${f#out/}
        t=${t%%/*}
        v() { awk -F' *: *' -v k="$1" '$1==k {print $2}' "$f"; }
        printf '%-8s %12s %8s %7s %6s %s\n' "$t" "$(v execs_done)" "$(v execs_per_sec)" \
            "$(v saved_crashes)" "$(v saved_hangs)" "$(date -u -d @"$(v last_update)" +%FT%TZ)"
        total=$((total + $(v execs_done)))
    done
    echo "total executions: $total"
    exit 0
fi

seconds=${1:?usage: campaign.sh SECONDS [TARGET...] or campaign.sh stats}
shift
targets=("${@:-${ALL[@]}}")
[ $# -gt 0 ] || targets=("${ALL[@]}")
CARGO_TARGET_DIR=target/afl nice -n 19 cargo afl build --release --features afl
for t in "${targets[@]}"; do
    mkdir -p out/"$t"
    AFL_NO_UI=1 AFL_NO_AFFINITY=1 AFL_SKIP_CPUFREQ=1 AFL_AUTORESUME=1 \
        AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
        nohup nice -n 19 cargo afl fuzz -V "$seconds" -t 2000 -i corpus/"$t" -o out/"$t" \
        target/afl/release/gbdt-fuzz "$t" >out/"$t".log 2>&1 &
    echo "started $t (pid $!), log fuzz/out/$t.log"
done
