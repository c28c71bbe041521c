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
#   triple ; qemu-user binary ; kernel arch(s) for ci/kernels.sh, comma-separated (- if
#   none) ; Debian's GNU ld for it (- if none) ; build variants besides `static` (below) ;
#   disassembly regexes: the mprotect number into the number register ; the syscall
#   instruction ; a call instruction (must be absent)
MATRIX='
x86_64-unknown-linux-musl           ; qemu-x86_64      ; x86_64      ; x86_64-linux-gnu-ld         ; pic static-pie gnu-ld dev stable         ; \$(0xa|10), %eax             ; \bsyscall\b   ; \bcall
i686-unknown-linux-gnu              ; qemu-i386        ; x86         ; i686-linux-gnu-ld           ; pic static-pie static-pie+relr gnu-ld dev stable ; \$(0x7d|125), %eax           ; int\s+\$0x80  ; \bcall
armv7-unknown-linux-gnueabihf       ; qemu-arm         ; arm         ; arm-linux-gnueabihf-ld      ; pic static-pie gnu-ld dev stable         ; #(125|0x7d)$                 ; \bsvc\s       ; \bblx?\b
thumbv7neon-unknown-linux-gnueabihf ; qemu-arm         ; arm-thumb   ; arm-linux-gnueabihf-ld      ; pic static-pie gnu-ld dev stable         ; #(125|0x7d)$                 ; \bsvc\s       ; \bblx?\b
aarch64-unknown-linux-gnu           ; qemu-aarch64     ; aarch64     ; aarch64-linux-gnu-ld        ; pic static-pie static-pie+relr gnu-ld dev stable sve ; [wx]8, #(0xe2|226)\b         ; \bsvc\s       ; \bblr?\b
loongarch64-unknown-linux-gnu       ; qemu-loongarch64 ; loongarch64 ; -                           ; pic static-pie dev                       ; \$a7, \$zero, (0xe2|226)\b   ; \bsyscall\s+0 ; \bbl\b|jirl\s+\$ra
mips-unknown-linux-gnu              ; qemu-mips        ; mips        ; mips-linux-gnu-ld           ; pic static-pie:refused gnu-ld dev        ; \$2, \$zero, (0x101d|4125)\b ; \bsyscall\b   ; \bjalr?\b
mipsel-unknown-linux-gnu            ; qemu-mipsel      ; mipsel      ; mipsel-linux-gnu-ld         ; pic static-pie:refused gnu-ld dev        ; \$2, \$zero, (0x101d|4125)\b ; \bsyscall\b   ; \bjalr?\b
mips64-unknown-linux-gnuabi64       ; qemu-mips64      ; mips64      ; mips64-linux-gnuabi64-ld    ; pic static-pie:refused gnu-ld dev        ; \$2, \$zero, (0x1392|5010)\b ; \bsyscall\b   ; \bjalr?\b
mips64el-unknown-linux-gnuabi64     ; qemu-mips64el    ; mips64el,mips64el-built,mips64el-zeropage ; mips64el-linux-gnuabi64-ld  ; pic static-pie:refused gnu-ld dev        ; \$2, \$zero, (0x1392|5010)\b ; \bsyscall\b   ; \bjalr?\b
powerpc64-unknown-linux-musl        ; qemu-ppc64       ; powerpc64   ; powerpc64-linux-gnu-ld      ; pic static-pie gnu-ld dev stable         ; \bli 0, (125|0x7d)\b         ; \bsc\b        ; \bbl\b|\bbctrl\b
powerpc64le-unknown-linux-gnu       ; qemu-ppc64le     ; powerpc64le ; powerpc64le-linux-gnu-ld    ; pic static-pie gnu-ld dev stable         ; \bli 0, (125|0x7d)\b         ; \bsc\b        ; \bbl\b|\bbctrl\b
riscv64gc-unknown-linux-gnu         ; qemu-riscv64     ; riscv64     ; riscv64-linux-gnu-ld        ; pic static-pie gnu-ld gnu-ld+relax dev stable ; \bli\s+a7, (0xe2|226)\b      ; \becall\b     ; \bcall\b|\bjalr?\s+ra\b
s390x-unknown-linux-gnu             ; qemu-s390x       ; s390x       ; s390x-linux-gnu-ld          ; pic static-pie gnu-ld dev stable         ; lghi\s+%r1, (125|0x7d)\b     ; \bsvc\s+0\b   ; \bbrasl\b|\bbasr\b
'

summary=()
passed=0
failed=0
record() { # record <ok:0|1> <line>
    summary+=("$2")
    if [ "$1" = 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
}
step() { # step <name> <command...>: runs it, records pass/fail, says how long it took
    local name=$1 t0=$SECONDS; shift
    echo "::: $name"
    if "$@"; then record 0 "$name: ok"; else record 1 "$name: FAILED"; fi
    echo "    ($((SECONDS - t0)) s)"
}
field() { sed -e 's/^ *//' -e 's/ *$//' <<<"$1"; }

# The real kernels are downloaded and built (on a cold cache, some ten minutes of CPU) in
# the background from the start, using what the steps below leave idle; the real-kernel
# section waits for them.
kfetch_log=$(mktemp)
ci/kernels.sh fetch >"$kfetch_log" 2>&1 &
kfetch_pid=$!

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
# rust-version is the real minimum: the library builds with exactly that release.
msrv_build() {
    local msrv; msrv=$(sed -n 's/^rust-version = "\([0-9]*\.[0-9]*\)"/\1.0/p' Cargo.toml)
    echo "    rust $msrv"
    # That release's dead-code lint does not see uses in `const _` items (the compile-time
    # table checks), so it would call them unused; newer ones do.
    RUSTFLAGS="-A dead_code" cargo "+$msrv" build -q --lib --features std --target-dir "$root/target/msrv" &&
        RUSTFLAGS="-A dead_code" cargo "+$msrv" build -q --lib --features start --target-dir "$root/target/msrv"
}
step "library builds with rust-version's Rust" msrv_build
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

# ABIs the arch files are not written for must fail the build with a message naming them,
# never build silently with the wrong paths. ELFv1 ppc64 refuses only `_start`.
refused_abis() {
    local t msg rc=0 out
    while IFS='|' read -r t msg; do
        [ -n "$t" ] || continue
        out=$(cargo +nightly check -q --lib --features start --target "$t" -Zbuild-std=core \
            --target-dir "$root/target/abi" 2>&1)
        if grep -q "$msg" <<<"$out"; then echo "    $t: refused"; else
            echo "    $t: not refused with '$msg':"; tail -5 <<<"$out"; rc=1; fi
    done <<'ABIS'
x86_64-unknown-linux-gnux32|does not support the x32 ABI
aarch64-unknown-linux-gnu_ilp32|does not support aarch64 ILP32
powerpc64-unknown-linux-gnu|feature does not support powerpc64 ELFv1
ABIS
    cargo +nightly check -q --lib --target powerpc64-unknown-linux-gnu -Zbuild-std=core \
        --target-dir "$root/target/abi" || { echo "    ELFv1 without start: FAILED"; rc=1; }
    return $rc
}
step "x32, ILP32 and ELFv1 _start fail the build, naming themselves" refused_abis

# --- Freestanding programs: every configuration, built the ways users build -----------------
# The same test program in each build variant (README's table says which apply where):
#   static      .cargo/config.toml: -C relocation-model=static +crt-static, rust-lld,
#               release, nightly build-std. Also checked by disassembly, run on this
#               machine's kernel (x86, x86_64) and booted on the real kernels.
#   pic         the default relocation model with +crt-static: rustc links a static-pie
#               on x86_64, PIC code in a static non-PIE executable elsewhere
#   static-pie  that code linked -pie: `_start` must apply the relocations; on mips
#               (`static-pie:refused`) the link must fail with the symbol naming the fix
#   static-pie+relr  the same with the relative relocations packed as DT_RELR
#   gnu-ld      the static build linked by Debian's GNU ld instead of rust-lld
#   gnu-ld+relax  riscv64 code with linker relaxation on, linked by GNU ld: it turns
#               accesses near `__global_pointer$` into gp-relative ones
#   dev         the dev profile (opt-level 0 allocates registers differently around the
#               asm) with the default relocation model, as `cargo build` gives a user
#   stable      stable Rust and the core rustup ships (no build-std)
#   sve         aarch64 with +sve, run by `qemu-aarch64 -cpu max`
# Binaries are kept as target/fs-bin/<triple>.<variant>.
FS_BIN=$root/target/fs-bin
PIE_ARGS=(-Clink-arg=-pie -Clink-arg=--no-dynamic-linker -Clink-arg=-ztext)
PIE_REFUSAL=baresys_start_static_pie_unsupported_on_mips_link_with_relocation_model_static

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

config_rustflags() { # the rustflags .cargo/config.toml gives a triple
    sed -n "/^\[target\.$1\]/,/^\[/s/^rustflags = \[\(.*\)\]$/\1/p" .cargo/config.toml | tr -d '",'
}

fs_build() { # fs_build <triple> <variant> <gnu-ld> [<bin>]: builds the test program (or
    # baresys-threads), copies it to $FS_BIN/<triple>.<variant>[.threads]
    local t=$1 v=$2 bin=${4:-baresys-tests} toolchain=+nightly profile=(--release) out=release
    local dir=$FS_TARGET_DIR
    local flags std=("${BUILD_STD[@]}") features=() last=()
    flags=$(config_rustflags "$t")
    case $v in
    static) ;;
    gnu-ld) last=(-Clinker="$3" -Clinker-flavor=ld) ;;
    gnu-ld+relax) flags+=" -Ctarget-feature=+relax"; dir+=-relax; last=(-Clinker="$3" -Clinker-flavor=ld) ;;
    pic) flags=${flags/-Crelocation-model=static/}; dir+=-pic ;;
    static-pie) flags=${flags/-Crelocation-model=static/}; dir+=-pic; last=("${PIE_ARGS[@]}") ;;
    static-pie+relr) flags=${flags/-Crelocation-model=static/}; dir+=-pic
        last=("${PIE_ARGS[@]}" -Clink-arg=-zpack-relative-relocs) ;;
    dev) flags=${flags/-Crelocation-model=static/}; profile=(); out=debug; dir+=-dev ;;
    stable) toolchain=+stable; std=(); features=(--features prebuilt-core); dir+=-stable ;;
    sve) flags+=" -Ctarget-feature=+sve"; dir+=-sve ;;
    *) echo "unknown variant $v"; return 1 ;;
    esac
    (cd tests/freestanding && BARESYS_TARGET=$t RUSTFLAGS=$flags cargo "$toolchain" rustc -q \
        "${profile[@]}" --target "$t" "${std[@]}" "${features[@]}" --target-dir "$dir" \
        --bin "$bin" -- "${last[@]}") || return 1
    mkdir -p "$FS_BIN" && cp "$dir/$t/$out/$bin" "$FS_BIN/$t.$v${4:+.${bin#baresys-}}"
}

run_variant() { # run_variant <triple> <variant> <qemu> <gnu-ld>
    local t=$1 v=$2 qemu=$3 label="$1 $2" log
    [[ $t == thumb* ]] && label="$t (thumb) $v"
    echo "::: build $label"
    if [ "$v" = static-pie:refused ]; then
        label=${label%:refused}
        log=$(fs_build "$t" static-pie - 2>&1)
        if [ $? = 0 ]; then
            record 1 "$label: linked, but its _start cannot relocate a static-pie (FAILED)"
        elif grep -q "$PIE_REFUSAL" <<<"$log"; then
            record 0 "$label: refused at link time, the error naming the fix (as it must be)"
        else
            tail -5 <<<"$log"; record 1 "$label: build failed for another reason (FAILED)"
        fi
        return
    fi
    if ! fs_build "$t" "$v" "$4"; then record 1 "$label: build FAILED"; return 1; fi
    [ "$v" = sve ] && qemu+=" -cpu max"
    QEMU_USER=1 run_fs "$label" $qemu "$FS_BIN/$t.$v"
    case $t in # this machine's kernel runs x86 and x86_64 binaries for real
    x86_64-*|i686-*) run_fs "$label (native kernel)" "$FS_BIN/$t.$v" ;;
    esac
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
KERNEL_VARIANTS="static-pie sve"
while IFS=';' read -r t qemu karch ld variants nre ire cre; do
    t=$(field "$t"); [ -n "$t" ] || continue
    qemu=$(field "$qemu"); karch=$(field "$karch"); ld=$(field "$ld")
    nre=$(field "$nre"); ire=$(field "$ire"); cre=$(field "$cre")
    run_variant "$t" static "$qemu" "$ld" || continue
    label=$t; [[ $t == thumb* ]] && label="$t (thumb)"
    if disasm "$t" "$FS_BIN/$t.static" "$nre" "$ire" "$cre"; then
        record 0 "disassembly $label: mprotect is the number, the instruction, no call"
    else
        record 1 "disassembly $label: FAILED"
    fi
    for k in ${karch//,/ }; do [ "$k" = - ] || KERNEL_BIN[$k]=$FS_BIN/$t.static; done
    # The thread program (static build): QEMU user mode, this machine's kernel, and below
    # each real kernel with two CPUs (not the zero-page reproducer's boot).
    if fs_build "$t" static - baresys-threads; then
        QEMU_USER=1 run_threads "$t" $qemu "$FS_BIN/$t.static.threads"
        case $t in
        x86_64-*|i686-*) run_threads "$t (native kernel)" "$FS_BIN/$t.static.threads" ;;
        esac
        for k in ${karch//,/ }; do
            case $k in -|*-zeropage) ;; *) THREADS_BIN[$k]=$FS_BIN/$t.static.threads ;; esac
        done
    else
        record 1 "threads $t: build FAILED"
    fi
    for v in $variants; do
        run_variant "$t" "$v" "$qemu" "$ld" || continue
        # Variants a real kernel tells more about than QEMU: a static-pie where the
        # kernel's loader places it, SVE state the kernel really discards.
        case " $KERNEL_VARIANTS " in
        *" $v "*) [ "$karch" = - ] || KERNEL_BIN[${karch%%,*}+$v]=$FS_BIN/$t.$v ;;
        esac
    done
done <<<"$MATRIX"

# --- Real kernels (full-system QEMU) ----------------------------------------------------
# fetch downloads Debian's kernels and builds the others (ppc64 and mips big endian, mips64
# 6.12) unless cached; a failed download or build fails here and its kernel's line below.
echo "::: kernels: waiting for the background fetch and build"
wait "$kfetch_pid"; kfetch_rc=$?
sed 's/^/    /' "$kfetch_log"; rm -f "$kfetch_log"
[ "$kfetch_rc" = 0 ] || record 1 "kernels: fetch or build incomplete (each missing kernel fails below)"
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
    # ci/kernels.sh's line names the kernel and the CPU count it used (malta kernels and
    # the ones built without SMP get one): "kernel <arch> (<what>): ...".
    what=$(tail -1 <<<"$kout" | sed -nE 's/^kernel [^ ]+ \((.*)\): .*/\1/p')
    what=${what:-?}
    tr -d '\r' <"$klogf" 2>/dev/null | grep -aE '^(FAIL|contention [a-z]+:)' | sed "s|^|    [kernel $karch] |"
    counts=$(tr -d '\r' <"$klogf" 2>/dev/null | grep -aoE '^threads [^ ]+: [0-9]+ passed, [0-9]+ failed' | tail -1)
    shown=${counts#*: }; [ -n "$counts" ] || shown=$(tail -1 <<<"$kout")
    record "$krc" "threads kernel $karch ($what): $shown"
    ratios=$(tr -d '\r' <"$klogf" 2>/dev/null | grep -aoE '^contention: .*' | tail -1)
    shown=${ratios#contention: }; [ -n "$ratios" ] || shown="did not run"
    record "$([ -n "$ratios" ] && echo 0 || echo 1)" "contention $karch ($what): $shown"
done

# --- The Protect fault path as the kernel sees it -------------------------------------------
step "strace: fault is mprotect(PROT_NONE) + madvise(MADV_DONTNEED), no mmap(MAP_FIXED)" \
    bash ci/strace-fault.sh

# --- Wrapper overhead: instructions per call (callgrind counts, not time) ------------------
step "instructions per mprotect call <= hand-written asm" bash ci/instr-count.sh --check

# --- Examples (smoke runs; benchmarks never run as timed tests) -----------------------------
# The time checks with the vDSO ignored from the start (AT_SYSINFO_EHDR unused), on this machine's kernel.
run_fs "x86_64-unknown-linux-musl (native kernel, BARESYS_NO_VDSO=1)" env BARESYS_NO_VDSO=1 "$FS_TARGET_DIR/x86_64-unknown-linux-musl/release/baresys-tests"
step "example lifecycle" cargo +stable run -q --release --example lifecycle
step "example guard_trap (trap, commit on fault, previous disposition)" cargo +stable run -q --release --example guard_trap
step "example fault_contention (smoke)" cargo +stable run -q --release --example fault_contention -- \
        --seconds 0.2 --repeats 1 --layout both --svg target/fault_contention-smoke.svg

echo
echo "===== summary ($((SECONDS / 60)) min) ====="
printf '%s\n' "${summary[@]}"
echo "total: $passed passed, $failed failed"
[ "$failed" = 0 ]
