#!/usr/bin/env bash
# Real-kernel stage: boots a Debian Linux kernel per architecture under full-system QEMU
# with a static test program as /init, and reads the verdict from its serial console.
#
#   ci/kernels.sh fetch                  download + unpack every kernel into the cache
#   ci/kernels.sh run <arch> <static-elf> boot one arch, print one summary line
#   ci/kernels.sh list                   the architectures, one a line
#
# <arch>: x86 x86_64 arm aarch64 mipsel mips64el powerpc64le riscv64 s390x loongarch64
#
# Environment:
#   BARESYS_CACHE           cache root (default $HOME/.cache/baresys); kernels in <root>/kernels/<arch>/
#   BARESYS_LOGDIR          serial logs (default <repo>/target/kernels), <arch>.log
#   BARESYS_KERNEL_TIMEOUT  seconds per boot (default 120)
#   BARESYS_SMP             virtual CPUs of the machine (default 1; the thread program uses 2)
#
# `fetch` needs no change to the machine's dpkg architectures: it runs apt-get with a
# private APT_CONFIG (own state and cache dirs, APT::Architecture set to the foreign
# architecture) in a temporary directory; a warm cache does no network at all.
# `run` builds the newc initramfs itself (no root, cpio or mknod needed).
set -Eeuo pipefail
trap 'echo "kernels.sh: line $LINENO: \"$BASH_COMMAND\" failed" >&2' ERR

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${BARESYS_CACHE:-$HOME/.cache/baresys}/kernels
LOGDIR=${BARESYS_LOGDIR:-$ROOT/target/kernels}
BOOT_TIMEOUT=${BARESYS_KERNEL_TIMEOUT:-120}
SMP=${BARESYS_SMP:-1}
ARCHES=(x86 x86_64 arm aarch64 mipsel mips64el powerpc64le riscv64 s390x loongarch64)
MIRROR=http://deb.debian.org/debian
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

die() { printf 'kernels.sh: %s\n' "$*" >&2; exit 2; }

# Per-arch table: Debian architecture, suite, flavour (linux-image-<flavour> is the
# meta-package), QEMU binary, machine arguments, console, extra kernel command line.
arch_info() {
    EXTRA_CMDLINE=""
    KNOWN=""
    MAX_SMP=""
    case $1 in
    x86)         DEBARCH=i386;     SUITE=bookworm; FLAVOUR=686;          QEMU=qemu-system-i386
                 MACHINE="-M q35 -cpu max -vga none -nic none"; CONSOLE=ttyS0 ;;
    x86_64)      DEBARCH=amd64;    SUITE=bookworm; FLAVOUR=amd64;        QEMU=qemu-system-x86_64
                 MACHINE="-M q35 -cpu max -vga none -nic none"; CONSOLE=ttyS0 ;;
    arm)         DEBARCH=armhf;    SUITE=bookworm; FLAVOUR=armmp;        QEMU=qemu-system-arm
                 MACHINE="-M virt,highmem=off -cpu cortex-a15"; CONSOLE=ttyAMA0 ;;
    aarch64)     DEBARCH=arm64;    SUITE=bookworm; FLAVOUR=arm64;        QEMU=qemu-system-aarch64
                 MACHINE="-M virt -cpu max"; CONSOLE=ttyAMA0 ;;
    mipsel)      DEBARCH=mipsel;   SUITE=bookworm; FLAVOUR=4kc-malta;    QEMU=qemu-system-mipsel
                 MACHINE="-M malta -cpu 24Kf"; CONSOLE=ttyS0
                 # Malta with this CPU gives no usable second CPU: with -smp 2 the program's
                 # output never reaches the console. One CPU whatever BARESYS_SMP asks.
                 MAX_SMP=1 ;;
    mips64el)    DEBARCH=mips64el; SUITE=bookworm; FLAVOUR=5kc-malta;    QEMU=qemu-system-mips64el
                 MACHINE="-M malta -cpu 5KEf"; CONSOLE=ttyS0
                 # This kernel frees its shared zero page after mprotect over pages that
                 # were only read ("BUG: Bad page map"), then hands out its frame: every
                 # never-written page reads garbage and the kernel soon panics. The model
                 # test does exactly that sequence, so it is not run here (it runs for
                 # mips64el under QEMU user mode); the kernel passes the variable to init.
                 EXTRA_CMDLINE="BARESYS_OPS=0"
                 KNOWN="model not run: this kernel corrupts its zero page (README)"
                 MAX_SMP=1 ;; # as mipsel: with -smp 2 the boot never reaches the program
    powerpc64le) DEBARCH=ppc64el;  SUITE=bookworm; FLAVOUR=powerpc64le;  QEMU=qemu-system-ppc64
                 MACHINE="-M pseries,cap-cfpc=broken,cap-sbbc=broken,cap-ibs=broken,cap-ccf-assist=off -cpu power9"
                 CONSOLE=hvc0 ;;
    riscv64)     DEBARCH=riscv64;  SUITE=trixie;   FLAVOUR=riscv64;      QEMU=qemu-system-riscv64
                 MACHINE="-M virt -cpu rv64 -bios default"; CONSOLE=ttyS0 ;;
    s390x)       DEBARCH=s390x;    SUITE=bookworm; FLAVOUR=s390x;        QEMU=qemu-system-s390x
                 MACHINE="-M s390-ccw-virtio -cpu max"; CONSOLE=ttysclp0 ;;
    loongarch64) DEBARCH=loong64;  SUITE=sid;      FLAVOUR=loong64;      QEMU=qemu-system-loongarch64
                 MACHINE="-M virt -cpu la464"; CONSOLE=ttyS0
                 # No ACPI tables when the kernel is booted directly: the i8042 probe hangs.
                 EXTRA_CMDLINE="initcall_blacklist=i8042_init" ;;
    *) return 1 ;;
    esac
}

# ---------------------------------------------------------------------------------------
# fetch

# Writes a private APT configuration for one Debian architecture under $1.
apt_setup() {
    local dir=$1 arch=$2 suite=$3
    mkdir -p "$dir"/{state/lists/partial,cache/archives/partial,etc/sources.list.d,etc/preferences.d,etc/apt.conf.d,etc/trusted.gpg.d}
    : >"$dir/state/status"
    # The release suite only (not -security/-updates): one kernel version for every
    # architecture of a suite, and the security mirror carries only some architectures.
    echo "deb [signed-by=$KEYRING] $MIRROR $suite main" >"$dir/etc/sources.list"
    cat >"$dir/apt.conf" <<EOF
Dir::State "$dir/state";
Dir::State::status "$dir/state/status";
Dir::Cache "$dir/cache";
Dir::Etc "$dir/etc";
Dir::Etc::sourcelist "$dir/etc/sources.list";
Dir::Etc::sourceparts "$dir/etc/sources.list.d";
Dir::Etc::preferencesparts "$dir/etc/preferences.d";
Dir::Etc::parts "$dir/etc/apt.conf.d";
Dir::Etc::trustedparts "$dir/etc/trusted.gpg.d";
APT::Architecture "$arch";
APT::Architectures { "$arch"; };
Acquire::Languages "none";
Acquire::Check-Valid-Until "false";
APT::Sandbox::User "root";
EOF
}

# Extracts the kernel image that QEMU can boot from a loongarch64 EFI zboot image:
# header "zimg" at byte 4, payload offset (le32) at byte 8, size at 12, method at 24.
unzboot() {
    local in=$1 out=$2 off size method
    [ "$(dd if="$in" bs=1 skip=4 count=4 status=none)" = zimg ] || { cp "$in" "$out"; return; }
    off=$(od -An -tu4 -j8 -N4 --endian=little "$in" | tr -d ' ')
    size=$(od -An -tu4 -j12 -N4 --endian=little "$in" | tr -d ' ')
    method=$(dd if="$in" bs=1 skip=24 count=8 status=none | tr -d '\0')
    case $method in
    zstd*) dd if="$in" iflag=skip_bytes,count_bytes skip="$off" count="$size" bs=64K status=none \
               | zstd -dcq >"$out" ;;
    gzip)  dd if="$in" iflag=skip_bytes,count_bytes skip="$off" count="$size" bs=64K status=none \
               | gzip -dcq >"$out" || [ -s "$out" ] ;;
    *) die "unknown zboot compression '$method' in $in" ;;
    esac
}

fetch_one() {
    local arch=$1 tmp=$2
    arch_info "$arch"
    local dir="$CACHE/$arch"
    if [ -s "$dir/kernel" ] && [ -s "$dir/version" ]; then
        printf 'kernel %-11s cached: Debian %s (%s)\n' "$arch" "$(cat "$dir/version")" "$(cat "$dir/package")"
        return 0
    fi
    local a="$tmp/$arch"
    apt_setup "$a/apt" "$DEBARCH" "$SUITE"
    export APT_CONFIG="$a/apt/apt.conf"
    apt-get -qq update >"$a/update.log" 2>&1 || { cat "$a/update.log" >&2; die "$arch: apt-get update failed"; }
    # The meta-package depends on linux-image-<abi>-<flavour>; newer kernels (sid) split
    # the image itself into linux-binary-<abi>-<flavour>, which is all we need.
    local meta="linux-image-$FLAVOUR" img bin pkg
    img=$(apt-cache depends "$meta" 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n1)
    [ -n "$img" ] || die "$arch: cannot resolve $meta in $SUITE/$DEBARCH"
    bin=$(apt-cache depends "$img" 2>/dev/null | sed -n 's/^ *Depends: \(linux-binary-[^ ]*\)$/\1/p' | head -n1)
    pkg=${bin:-$img}
    mkdir -p "$a/deb"
    (cd "$a/deb" && apt-get -qq download "$pkg" >/dev/null) || die "$arch: apt-get download $pkg failed"
    unset APT_CONFIG
    local deb version
    deb=$(ls "$a/deb"/*.deb)
    version=$(dpkg-deb -f "$deb" Version)
    # bookworm/trixie: /boot/vmlinu[xz]-<abi>; sid: /usr/lib/modules/<abi>/vmlinuz.
    local member k
    member=$(dpkg-deb --fsys-tarfile "$deb" | tar -t | grep -E '^\./(boot/vmlinu[xz]-|usr/lib/modules/[^/]+/vmlinu[xz]$)' \
        | sort -r | head -n1) || true
    [ -n "$member" ] || die "$arch: no kernel image (/boot/vmlinu*) in $pkg"
    mkdir -p "$a/x"
    dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$a/x" "$member"
    rm -f "$deb"
    k="$a/x/$member"
    local new="$CACHE/.new-$arch"
    rm -rf "$new"; mkdir -p "$new"
    if [ "$arch" = loongarch64 ]; then
        unzboot "$k" "$new/kernel"
    else
        cp "$k" "$new/kernel"
    fi
    echo "$version" >"$new/version"
    echo "$pkg" >"$new/package"
    echo "${member#.}" >"$new/source"
    rm -rf "$dir"; mv "$new" "$dir"
    rm -rf "$a"
    printf 'kernel %-11s fetched: Debian %s (%s, %s MB)\n' "$arch" "$version" "$pkg" \
        "$(( $(stat -c %s "$dir/kernel") / 1048576 ))"
}

cmd_fetch() {
    mkdir -p "$CACHE"
    exec 9>"$CACHE/.lock"
    flock 9    # one fetch at a time per cache
    TMP=$(mktemp -d "$CACHE/.fetch.XXXXXX")
    trap 'rm -rf "$TMP"' EXIT
    local arch
    # One arch's failure (a mirror in transition, say) leaves the others fetched; its
    # `run` then reports "no kernel" and fails on its own line.
    local rc=0
    for arch in "${ARCHES[@]}"; do ( fetch_one "$arch" "$TMP" ) || rc=1; done
    return $rc
}

# ---------------------------------------------------------------------------------------
# run

# newc cpio writer: cpio_entry <name> <mode-octal> [file]; regular file data from <file>.
CPIO_INO=1
cpio_entry() {
    local name=$1 mode=$2 file=${3:-} rmaj=${4:-0} rmin=${5:-0} size=0 nlink=1
    [ -n "$file" ] && size=$(stat -c %s "$file")
    (( (8#$mode & 8#170000) == 8#040000 )) && nlink=2
    local namesize=$(( ${#name} + 1 ))
    printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
        "$CPIO_INO" $((8#$mode)) 0 0 "$nlink" 0 "$size" 0 0 "$rmaj" "$rmin" "$namesize" 0
    printf '%s\0' "$name"
    head -c $(( (4 - (110 + namesize) % 4) % 4 )) /dev/zero
    if [ -n "$file" ]; then
        cat "$file"
        head -c $(( (4 - size % 4) % 4 )) /dev/zero
    fi
    CPIO_INO=$((CPIO_INO + 1))
}

make_initramfs() {
    local elf=$1 out=$2
    {
        cpio_entry dev 040755
        cpio_entry dev/console 020600 "" 5 1
        cpio_entry proc 040755
        cpio_entry init 100755 "$elf"
        cpio_entry TRAILER!!! 0
    } >"$out"
}

cmd_run() {
    local arch=$1 elf=$2
    arch_info "$arch" || die "unknown arch '$arch' (one of: ${ARCHES[*]})"
    local dir="$CACHE/$arch" version="?"
    [ -s "$dir/version" ] && version=$(cat "$dir/version")
    [ -n "$MAX_SMP" ] && [ "$SMP" -gt "$MAX_SMP" ] && SMP=$MAX_SMP
    local label="kernel $arch (Debian $version)"
    [ "$SMP" = 1 ] || label="kernel $arch (Debian $version, -smp $SMP)"
    mkdir -p "$LOGDIR"
    local log="$LOGDIR/$arch.log"
    : >"$log"
    notrun() {
        printf '%s: did not run: %s\n' "$label" "$1"
        if [ -s "$log" ]; then
            echo "--- last lines of $log:" >&2
            tail -n 20 "$log" | tr -d '\r' | sed 's/^/  | /' >&2
        fi
        exit 1
    }
    [ -s "$dir/kernel" ] || notrun "no kernel in $dir (run ci/kernels.sh fetch)"
    [ -f "$elf" ] || notrun "test program '$elf' not found"
    command -v "$QEMU" >/dev/null || notrun "$QEMU not installed (ci/install.sh)"

    TMP=$(mktemp -d "${TMPDIR:-/tmp}/baresys-kernel.XXXXXX")
    trap 'rm -rf "$TMP"' EXIT
    make_initramfs "$elf" "$TMP/initrd.cpio"

    local start end rc=0
    start=$(date +%s%N)
    # shellcheck disable=SC2086
    timeout -k 5 "$BOOT_TIMEOUT" "$QEMU" $MACHINE -m 512 -smp "$SMP" -nographic -no-reboot \
        -kernel "$dir/kernel" -initrd "$TMP/initrd.cpio" \
        -append "console=$CONSOLE panic=-1 quiet $EXTRA_CMDLINE" \
        </dev/null >"$log" 2>&1 || rc=$?
    end=$(date +%s%N)
    local ds=$(( (end - start) / 100000000 ))
    printf '\n[kernels.sh: %s exited with status %s after %d.%d s]\n' "$QEMU" "$rc" $((ds / 10)) $((ds % 10)) >>"$log"

    local line
    line=$(tr -d '\r' <"$log" | grep -aoE '[0-9]+ passed, [0-9]+ failed$' | tail -n1 || true)
    if [ -n "$line" ]; then
        printf '%s: %s%s\n' "$label" "$line" "${KNOWN:+; $KNOWN}"
        local failed=${line#*passed, }; failed=${failed% failed}
        if [ "$failed" = 0 ]; then exit 0; fi
        echo "--- last lines of $log:" >&2
        tail -n 20 "$log" | tr -d '\r' | sed 's/^/  | /' >&2
        exit 1
    fi
    local panic
    panic=$(tr -d '\r' <"$log" | grep -aoE 'Kernel panic - not syncing: .*' | head -n1 || true)
    local noexec
    noexec=$(tr -d '\r' <"$log" | grep -aoE 'Failed to execute /init \(error -?[0-9]+\)' | head -n1 || true)
    if [ -n "$noexec" ]; then
        notrun "the kernel could not start the program: $noexec"
    elif [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
        notrun "timed out after ${BOOT_TIMEOUT} s without a closing line"
    elif [[ $panic == *"Attempted to kill init"* ]]; then
        notrun "init ended without a closing line (${panic#Kernel panic - not syncing: })"
    elif [ -n "$panic" ]; then
        notrun "kernel panic: ${panic#Kernel panic - not syncing: }"
    elif [ "$rc" != 0 ]; then
        notrun "$QEMU exited with status $rc"
    else
        notrun "no closing 'N passed, M failed' line on the console"
    fi
}

case ${1:-} in
fetch) [ $# = 1 ] || die "usage: $0 fetch"; cmd_fetch ;;
run)   [ $# = 3 ] || die "usage: $0 run <arch> <static-elf>"; cmd_run "$2" "$3" ;;
list)  printf '%s\n' "${ARCHES[@]}" ;;
*) die "usage: $0 fetch | run <arch> <static-elf> | list" ;;
esac
