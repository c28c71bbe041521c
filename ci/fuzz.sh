#!/usr/bin/env bash
# Bounded fuzzing of baresys::mem (issue 5): the cargo-fuzz target fuzz/fuzz_targets/
# mem_ops.rs drives the model-based test (tests/checks/model.rs) with the fuzzer's
# bytes as its choices; any divergence between the model and the kernel, and any
# panic, is a crash. Installs cargo-fuzz (nightly) if missing.
#
#   ci/fuzz.sh [seconds]    default 30; the corpus is kept in fuzz/corpus/mem_ops
#
# Exits non-zero on a crash (the input is saved under fuzz/artifacts/mem_ops/; rerun
# it with `cd fuzz && cargo +nightly fuzz run -O mem_ops artifacts/mem_ops/<file>`).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-30}
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    echo "::: installing cargo-fuzz"
    cargo +stable install cargo-fuzz --locked -q
fi
cd fuzz
# -rss_limit_mb=0: no RSS-watching thread, whose stack would appear in
# /proc/self/maps while the model compares it (a false "outside changed").
# Output goes to a log; the model's divergence lines and libFuzzer's summary are shown.
log=$(mktemp)
rc=0
cargo +nightly fuzz run -O mem_ops -- -max_total_time="$secs" -max_len=4096 -rss_limit_mb=0 \
    -print_final_stats=1 >"$log" 2>&1 || rc=$?
grep -E '^model |divergence|panicked|^#[0-9]+\s+DONE|Done [0-9]+ runs|^stat::number_of_executed_units|ERROR|SUMMARY|crash-' "$log" || true
if [ "$rc" != 0 ]; then
    echo "fuzz mem_ops: FAILED (exit $rc); last lines:"
    tail -30 "$log"
fi
rm -f "$log"
exit "$rc"
