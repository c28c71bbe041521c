#!/usr/bin/env bash
# The test command (README): formatting and clippy for every target, host tests,
# the freestanding programs of all 14 configurations under QEMU user mode (x86 and
# x86_64 also on this machine's kernel), the disassembly checks, the compile-time
# table check, real kernels under full-system QEMU, and smoke runs of the examples.
# Ends with one summary line per configuration and a total; exits non-zero if any
# step failed or any configuration did not run.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export CARGO_TERM_COLOR=never
FS_TARGET_DIR=$root/target/fs
BUILD_STD=(-Zbuild-std=core,compiler_builtins -Zbuild-std-features=compiler-builtins-mem)

# One line per configuration:
#   triple ; qemu-user binary ; kernel arch for ci/kernels.sh (- if none) ;
#   disassembly regexes: the mprotect number into the number register ; the syscall
#   instruction ; a call instruction (must be absent)
MATRIX='
x86_64-unknown-linux-musl           ; qemu-x86_64      ; x86_64      ; \$(0xa|10), %eax             ; \bsyscall\b   ; \bcall
i686-unknown-linux-gnu              ; qemu-i386        ; x86         ; \$(0x7d|125), %eax           ; int\s+\$0x80  ; \bcall
armv7-unknown-linux-gnueabihf       ; qemu-arm         ; arm         ; #(125|0x7d)$                 ; \bsvc\s       ; \bblx?\b
thumbv7neon-unknown-linux-gnueabihf ; qemu-arm         ; -           ; #(125|0x7d)$                 ; \bsvc\s       ; \bblx?\b
aarch64-unknown-linux-gnu           ; qemu-aarch64     ; aarch64     ; [wx]8, #(0xe2|226)\b         ; \bsvc\s       ; \bblr?\b
loongarch64-unknown-linux-gnu       ; qemu-loongarch64 ; loongarch64 ; \$a7, \$zero, (0xe2|226)\b   ; \bsyscall\s+0 ; \bbl\b|jirl\s+\$ra
mips-unknown-linux-gnu              ; qemu-mips        ; -           ; \$2, \$zero, (0x101d|4125)\b ; \bsyscall\b   ; \bjalr?\b
mipsel-unknown-linux-gnu            ; qemu-mipsel      ; mipsel      ; \$2, \$zero, (0x101d|4125)\b ; \bsyscall\b   ; \bjalr?\b
mips64-unknown-linux-gnuabi64       ; qemu-mips64      ; -           ; \$2, \$zero, (0x1392|5010)\b ; \bsyscall\b   ; \bjalr?\b
mips64el-unknown-linux-gnuabi64     ; qemu-mips64el    ; mips64el    ; \$2, \$zero, (0x1392|5010)\b ; \bsyscall\b   ; \bjalr?\b
powerpc64-unknown-linux-musl        ; qemu-ppc64       ; -           ; \bli 0, (125|0x7d)\b         ; \bsc\b        ; \bbl\b|\bbctrl\b
powerpc64le-unknown-linux-gnu       ; qemu-ppc64le     ; powerpc64le ; \bli 0, (125|0x7d)\b         ; \bsc\b        ; \bbl\b|\bbctrl\b
riscv64gc-unknown-linux-gnu         ; qemu-riscv64     ; riscv64     ; \bli\s+a7, (0xe2|226)\b      ; \becall\b     ; \bcall\b|\bjalr?\s+ra\b
s390x-unknown-linux-gnu             ; qemu-s390x       ; s390x       ; lghi\s+%r1, (125|0x7d)\b     ; \bsvc\s+0\b   ; \bbrasl\b|\bbasr\b
'

summary=()
passed=0
failed=0
record() { # record <ok:0|1> <line>
    summary+=("$2")
    if [ "$1" = 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
}
step() { # step <name> <command...>: runs it, records pass/fail
    local name=$1; shift
    echo "::: $name"
    if "$@"; then record 0 "$name: ok"; else record 1 "$name: FAILED"; fi
}
field() { sed -e 's/^ *//' -e 's/ *$//' <<<"$1"; }

# --- Formatting and lints --------------------------------------------------------------
step "rustfmt" bash -c 'cargo +stable fmt --all -- --check && (cd tests/freestanding && cargo +stable fmt -- --check)'
step "rustdoc (warnings denied)" env RUSTDOCFLAGS="-D warnings" cargo +stable doc -q --no-deps --features start,thread
# docs.rs: every target Cargo.toml lists must document with its settings (feature
# `start`); one without a rustup core here builds core from source, as docs.rs's own
# nightly has one for it.
docsrs_targets() {
    local t rc=0 have; have=$(rustup +stable target list --installed)
    for t in $(sed -n '/^\[package.metadata.docs.rs\]/,/^\]/s/^ *"\([^"]*\)",*$/\1/p' Cargo.toml); do
        echo "    docs for $t"
        if grep -qx "$t" <<<"$have" || [ "$t" = "$(rustc +stable -vV | sed -n 's/^host: //p')" ]; then
            RUSTDOCFLAGS="-D warnings --cfg docsrs" cargo +stable doc -q --no-deps --features start,thread \
                --target "$t" --target-dir "$root/target/docsrs" || rc=1
        else
            RUSTDOCFLAGS="-D warnings --cfg docsrs" cargo +nightly doc -q --no-deps --features start,thread \
                --target "$t" "${BUILD_STD[@]}" --target-dir "$root/target/docsrs" || rc=1
        fi
    done
    return $rc
}
step "docs.rs targets document" docsrs_targets
step "cargo publish --dry-run" cargo +stable publish -q --dry-run --allow-dirty --target-dir "$root/target/package"
step "clippy host (all targets)" cargo +stable clippy -q --all-targets -- -D warnings
step "clippy host (all targets, std)" cargo +stable clippy -q --all-targets --features std -- -D warnings
step "clippy host (all targets, thread)" cargo +stable clippy -q --all-targets --features thread,start -- -D warnings
lint_targets() {
    local t rc=0
    while IFS=';' read -r t _; do
        t=$(field "$t"); [ -n "$t" ] || continue
        case $t in
        mips*|loongarch64*) # no prebuilt core: nightly builds it
            cargo +nightly clippy -q --lib --features start,thread --target "$t" "${BUILD_STD[@]}" \
                --target-dir "$root/target/clippy" -- -D warnings || rc=1 ;;
        *) cargo +stable clippy -q --lib --features start,thread --target "$t" -- -D warnings || rc=1 ;;
        esac
    done <<<"$MATRIX"
    (cd tests/freestanding && cargo +nightly clippy -q --target x86_64-unknown-linux-musl "${BUILD_STD[@]}" \
        --target-dir "$FS_TARGET_DIR" -- -D warnings) || rc=1
    return $rc
}
step "clippy every target" lint_targets

# --- Host tests --------------------------------------------------------------------------
step "host cargo test" cargo +stable test -q
step "host cargo test (std feature)" cargo +stable test -q --features std
# rustdoc checks a compile_fail test's error code (E0133 for each unsafe fn) on nightly only.
step "doc tests on nightly (compile_fail error codes)" cargo +nightly test --doc -q
step "doc tests on nightly, feature thread" cargo +nightly test --doc -q --features thread
step "host thread tests (feature thread)" cargo +stable test -q --release --features thread --test threads
if [ -f tests/model.rs ]; then
    step "host model test (release)" cargo +stable test -q --release --test model
fi

step "fuzz mem_ops (bounded, 30 s)" bash ci/fuzz.sh 30

# arch/gen/ is what ci/gen-tables.py writes from arch/tbl/.
step "generated tables are up to date" python3 ci/gen-tables.py --check

# A syscall number, errno or flag value that differs from arch/tbl must fail the build.
mutant_fails() { # mutant_fails <file> <sed expression> <expected error text>
    local d out; d=$(mktemp -d)
    cp -r src arch README.md "$d/"
    # The library alone: the manifest's benches and examples are not copied.
    sed -n '/^\[package\]/,/^\[features\]/p; /^\[dependencies\]/,/^$/p' Cargo.toml | grep -v '^\[features\]' >"$d/Cargo.toml"
    sed -i "$2" "$d/$1"
    out=$(cd "$d" && cargo +stable check -q --offline --target-dir "$root/target/table-check" 2>&1)
    rm -rf "$d"
    if grep -q "$3" <<<"$out"; then return 0; fi
    echo "the mutant built, or failed for another reason:"; tail -5 <<<"$out"; return 1
}
table_check() {
    mutant_fails arch/gen/x86_64_nr.rs 's/MPROTECT: usize = 10;/MPROTECT: usize = 11;/' 'syscall number MPROTECT differs from arch/tbl' &&
        mutant_fails arch/gen/errno_generic.rs 's/ENOSYS: Self = Self::from_table(38);/ENOSYS: Self = Self::from_table(39);/' 'errno ENOSYS differs from arch/tbl' &&
        mutant_fails src/table.rs 's/MAP_NORESERVE = 0x4000,/MAP_NORESERVE = 0x400,/' 'MAP_NORESERVE differs from the uapi header'
}
step "a wrong syscall number, errno or flag fails the build" table_check

# --- Freestanding programs: build, QEMU user mode, disassembly ----------------------------
run_fs() { # run_fs <label> <command...>: runs a test program, checks its closing line
    local label=$1; shift
    local log; log=$(mktemp)
    BARESYS_QEMU_USER=${QEMU_USER:-} "$@" >"$log" 2>/dev/null </dev/null
    local rc=$?
    local line; line=$(grep -E '^[^ ]+: [0-9]+ passed, [0-9]+ failed$' "$log" | tail -1)
    grep -E '^(FAIL|note|model)' "$log" | sed "s|^|    [$label] |"
    if [ -n "$line" ] && [ $rc = 0 ] && grep -q ' 0 failed$' <<<"$line"; then
        record 0 "$label: ${line#*: }"
    else
        [ -n "$line" ] || { echo "    [$label] no closing line (exit $rc); last lines:"; tail -5 "$log"; }
        record 1 "$label: ${line#*: }${line:+ }(exit $rc)"
    fi
    rm -f "$log"
}

disasm() { # disasm <triple> <bin> <nr-regex> <insn-regex> <call-regex>
    local out
    out=$(cd tests/freestanding && BARESYS_TARGET=$1 CARGO_TARGET_DIR=$FS_TARGET_DIR \
        cargo +nightly objdump -q --release --target "$1" "${BUILD_STD[@]}" \
        --bin baresys-tests -- -d --no-show-raw-insn \
        --disassemble-symbols=baresys_disasm_mprotect 2>/dev/null | grep -E '^ *[0-9a-f]+:')
    if [ -z "$out" ]; then echo "    no disassembly for $1"; return 1; fi
    grep -Eq "$3" <<<"$out" || { echo "    $1: mprotect number not loaded into the number register"; echo "$out"; return 1; }
    grep -Eq "$4" <<<"$out" || { echo "    $1: no syscall instruction"; echo "$out"; return 1; }
    if grep -Eq "$5" <<<"$out"; then echo "    $1: a call instruction"; echo "$out"; return 1; fi
}

# The thread program (tests/freestanding/src/threads.rs): its closing line is
# `threads <triple>: N passed, M failed`; its contention lines are shown.
run_threads() { # run_threads <label> <command...>
    local t=$1; shift
    local log; log=$(mktemp)
    BARESYS_QEMU_USER=${QEMU_USER:-} timeout 600 "$@" >"$log" 2>/dev/null </dev/null
    local rc=$?
    local line; line=$(grep -aE '^threads [^ ]+: [0-9]+ passed, [0-9]+ failed$' "$log" | tail -1)
    grep -aE '^(FAIL|contention:)' "$log" | sed "s|^|    [threads $t] |"
    if [ -n "$line" ] && [ $rc = 0 ] && grep -q ' 0 failed$' <<<"$line"; then
        record 0 "threads $t: ${line#*: }"
    else
        [ -n "$line" ] || { echo "    [threads $t] no closing line (exit $rc); last lines:"; tail -5 "$log"; }
        record 1 "${line:-threads $t: did not finish} (exit $rc)"
    fi
    rm -f "$log"
}

declare -A KERNEL_BIN
declare -A THREADS_BIN
while IFS=';' read -r t qemu karch nre ire cre; do
    t=$(field "$t"); [ -n "$t" ] || continue
    qemu=$(field "$qemu"); karch=$(field "$karch")
    nre=$(field "$nre"); ire=$(field "$ire"); cre=$(field "$cre")
    label=$t; [[ $t == thumb* ]] && label="$t (thumb)"
    echo "::: build $label"
    if ! (cd tests/freestanding && BARESYS_TARGET=$t cargo +nightly build -q --release --target "$t" \
            "${BUILD_STD[@]}" --target-dir "$FS_TARGET_DIR"); then
        record 1 "$label: build FAILED"; continue
    fi
    bin=$FS_TARGET_DIR/$t/release/baresys-tests
    QEMU_USER=1 run_fs "$label" "$qemu" "$bin"
    case $t in # this machine's kernel runs x86 and x86_64 binaries for real
    x86_64-*|i686-*) run_fs "$label (native kernel)" "$bin" ;;
    esac
    QEMU_USER=1 run_threads "$t" "$qemu" "${bin%/*}/baresys-threads"
    case $t in
    x86_64-*|i686-*) run_threads "$t (native kernel)" "${bin%/*}/baresys-threads" ;;
    esac
    if disasm "$t" "$bin" "$nre" "$ire" "$cre"; then
        record 0 "disassembly $label: mprotect is the number, the instruction, no call"
    else
        record 1 "disassembly $label: FAILED"
    fi
    [ "$karch" = - ] || KERNEL_BIN[$karch]=$bin
    [ "$karch" = - ] || THREADS_BIN[$karch]=${bin%/*}/baresys-threads
done <<<"$MATRIX"

# --- Real kernels (full-system QEMU) ----------------------------------------------------
ci/kernels.sh fetch || record 1 "kernels: fetch incomplete (each missing kernel fails below)"
klog=$(mktemp -d)
for karch in "${!KERNEL_BIN[@]}"; do echo "$karch ${KERNEL_BIN[$karch]}"; done |
    xargs -P2 -L1 sh -c 'ci/kernels.sh run "$0" "$1" >"'"$klog"'/$0.out" 2>"'"$klog"'/$0.err"; echo $? >"'"$klog"'/$0.rc"'
for karch in $(printf '%s\n' "${!KERNEL_BIN[@]}" | sort); do
    line=$(tail -1 "$klog/$karch.out" 2>/dev/null)
    rc=$(cat "$klog/$karch.rc" 2>/dev/null || echo 1)
    [ "$rc" = 0 ] || cat "$klog/$karch.err" 2>/dev/null | tail -20 | sed "s|^|    [kernel $karch] |"
    record "$([ "$rc" = 0 ] && echo 0 || echo 1)" "${line:-kernel $karch: did not run}"
done
rm -rf "$klog"

# --- Threads and the fault-contention experiment on real kernels, -smp 2 -----------------
# One boot per kernel of the thread program; the ratios are reported, not asserted.
for karch in $(printf '%s\n' "${!THREADS_BIN[@]}" | sort); do
    kout=$(BARESYS_SMP=2 BARESYS_KERNEL_TIMEOUT=400 BARESYS_LOGDIR="$root/target/kernels-threads" \
        ci/kernels.sh run "$karch" "${THREADS_BIN[$karch]}" 2>&1)
    krc=$?
    klogf=$root/target/kernels-threads/$karch.log
    kver=$(cat "${BARESYS_CACHE:-$HOME/.cache/baresys}/kernels/$karch/version" 2>/dev/null || echo '?')
    kshort=$(sed -E 's/^([0-9]+\.[0-9]+).*/\1/' <<<"$kver")
    tr -d '\r' <"$klogf" 2>/dev/null | grep -aE '^(FAIL|contention [a-z]+:)' | sed "s|^|    [kernel $karch] |"
    counts=$(tr -d '\r' <"$klogf" 2>/dev/null | grep -aoE '^threads [^ ]+: [0-9]+ passed, [0-9]+ failed' | tail -1)
    # ci/kernels.sh names the CPU count it used when it is not 1 (malta kernels get one).
    smp=$(grep -oE -- '-smp [0-9]+' <<<"$kout" | head -1); smp=${smp:--smp 1}
    shown=${counts#*: }; [ -n "$counts" ] || shown=$(tail -1 <<<"$kout")
    record "$krc" "threads kernel $karch (Debian $kver, $smp): $shown"
    ratios=$(tr -d '\r' <"$klogf" 2>/dev/null | grep -aoE '^contention: .*' | tail -1)
    shown=${ratios#contention: }; [ -n "$ratios" ] || shown="did not run"
    record "$([ -n "$ratios" ] && echo 0 || echo 1)" "contention $karch (Debian $kshort, $smp): $shown"
done

# --- The Protect fault path as the kernel sees it -------------------------------------------
step "strace: fault is mprotect(PROT_NONE) + madvise(MADV_DONTNEED), no mmap(MAP_FIXED)" \
    bash ci/strace-fault.sh

# --- Wrapper overhead: instructions per call (callgrind counts, not time) ------------------
step "instructions per mprotect call <= hand-written asm" bash ci/instr-count.sh --check

# --- Examples (smoke runs; benchmarks never run as timed tests) -----------------------------
step "example lifecycle" cargo +stable run -q --release --example lifecycle
step "example fault_contention (smoke)" cargo +stable run -q --release --example fault_contention -- \
        --seconds 0.2 --repeats 1 --layout both --svg target/fault_contention-smoke.svg

echo
echo "===== summary ====="
printf '%s\n' "${summary[@]}"
echo "total: $passed passed, $failed failed"
[ "$failed" = 0 ]
