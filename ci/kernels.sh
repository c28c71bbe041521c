#!/usr/bin/env bash
# Real-kernel stage: boots a Debian Linux kernel per architecture under full-system QEMU
# with a static test program as /init, and reads the verdict from its serial console.
#
#   ci/kernels.sh fetch                  download + unpack every Debian kernel into the cache,
#                                        and build the others (see `build`) meanwhile
#   ci/kernels.sh build [<arch>...]      build the kernels Debian does not ship, unless cached
#   ci/kernels.sh run <arch> <static-elf> boot one arch, print one summary line
#   ci/kernels.sh list                   the architectures, one a line
#
# <arch>, Debian's kernels: x86 x86_64 arm aarch64 mipsel mips64el powerpc64le riscv64
#   s390x loongarch64; built here from Debian's linux-source package (no big-endian ppc64,
#   mips or mips64 kernel is packaged): powerpc64 mips mips64 mips64el-built;
#   and two more ways to boot a kernel above: arm-thumb (the arm kernel, for the Thumb
#   program) and mips64el-zeropage (the mips64el kernel, the zero-page reproducer alone).
#
# Environment:
#   BARESYS_CACHE           cache root (default $HOME/.cache/baresys); kernels in <root>/kernels/<arch>/
#   BARESYS_LOGDIR          serial and build logs (default <repo>/target/kernels), <arch>.log
#   BARESYS_KERNEL_TIMEOUT  seconds per boot (default 120)
#   BARESYS_KBUILD          keep the unpacked source and build trees there (default: a
#                           temporary directory, removed after the builds)
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
BUILT=(powerpc64 mips mips64 mips64el-built)
ALIASES=(arm-thumb mips64el-zeropage)
MIRROR=http://deb.debian.org/debian
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

die() { printf 'kernels.sh: %s\n' "$*" >&2; exit 2; }

# Per-arch table: Debian architecture, suite, flavour (linux-image-<flavour> is the
# meta-package), QEMU binary, machine arguments, console, extra kernel command line.
# A built kernel has instead KARCH and CROSS (make's ARCH and CROSS_COMPILE), the config
# files of ci/kconfig/ (FRAGMENTS) and config lines (CONFIG_LINES) to add.
# KDIR: the cache directory (the kernel's own arch, for an alias). ZEROPAGE_BUG: the
# kernel frees its zero page (tests/checks/zeropage.rs), so the zero-page and model
# groups are left out of its full run; MODE=zeropage boots the reproducer alone.
KSOURCE=linux-source-6.12
arch_info() {
    EXTRA_CMDLINE=""
    KNOWN=""
    KDIR=$1
    KARCH=""
    ZEROPAGE_BUG=""
    MODE=full
    MAX_SMP=""
    case $1 in
    # <arch>+<variant>: the same kernel for another build of the program (ci/test.sh).
    *+*)         arch_info "${1%%+*}"; return ;;
    arm-thumb)   arch_info arm; KDIR=arm; return ;;
    mips64el-zeropage)
                 arch_info mips64el; KDIR=mips64el; MODE=zeropage
                 EXTRA_CMDLINE="BARESYS_ZEROPAGE=only"; KNOWN=""; return ;;
    powerpc64)   KARCH=powerpc; CROSS=powerpc64-linux-gnu-; FRAGMENTS="base powerpc64"; CONFIG_LINES=""
                 QEMU=qemu-system-ppc64
                 MACHINE="-M pseries,cap-cfpc=broken,cap-sbbc=broken,cap-ibs=broken,cap-ccf-assist=off -cpu power9"
                 CONSOLE=hvc0 ;;
    # One cross compiler for the three: the kernel passes -EB/-EL and -mabi itself.
    mips)        KARCH=mips; CROSS=mips64-linux-gnuabi64-; FRAGMENTS="base mips"; CONFIG_LINES=""
                 QEMU=qemu-system-mips; MACHINE="-M malta -cpu 24Kf"; CONSOLE=ttyS0
                 MAX_SMP=1 ;; # built without SMP (ci/kconfig/mips.config)
    mips64)      KARCH=mips; CROSS=mips64-linux-gnuabi64-; FRAGMENTS="base mips64"
                 CONFIG_LINES="CONFIG_CPU_BIG_ENDIAN=y"
                 QEMU=qemu-system-mips64; MACHINE="-M malta -cpu MIPS64R2-generic"; CONSOLE=ttyS0
                 MAX_SMP=1 ;; # built without SMP (ci/kconfig/mips64.config)
    mips64el-built)
                 KARCH=mips; CROSS=mips64-linux-gnuabi64-; FRAGMENTS="base mips64"
                 CONFIG_LINES="CONFIG_CPU_LITTLE_ENDIAN=y"
                 QEMU=qemu-system-mips64el; MACHINE="-M malta -cpu MIPS64R2-generic"; CONSOLE=ttyS0
                 MAX_SMP=1 ;; # built without SMP (ci/kconfig/mips64.config)
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
                 # mips64el under QEMU user mode and on mips64el-built, Linux 6.12), nor is
                 # the reproducer (mips64el-zeropage boots it alone); the kernel passes the
                 # variables to init.
                 ZEROPAGE_BUG=1
                 EXTRA_CMDLINE="BARESYS_OPS=0 BARESYS_ZEROPAGE=skip"
                 KNOWN="model and zeropage not run: this kernel corrupts its zero page (README)"
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

lock_cache() {
    mkdir -p "$CACHE"
    exec 9>"$CACHE/.lock"
    flock 9    # one fetch or build at a time per cache
}

cmd_fetch() {
    lock_cache
    TMP=$(mktemp -d "$CACHE/.fetch.XXXXXX")
    trap 'rm -rf "$TMP"; [ -z "${KBUILD_TMP:-}" ] || rm -rf "$KBUILD_TMP"' EXIT
    local arch
    # One arch's failure (a mirror in transition, say) leaves the others fetched; its
    # `run` then reports "no kernel" and fails on its own line. The downloads (network)
    # go on while the builds (CPU) run; their lines come after the builds'.
    local rc=0 pid
    ( r=0; for arch in "${ARCHES[@]}"; do ( fetch_one "$arch" "$TMP" ) || r=1; done; exit $r ) \
        >"$TMP/fetch.out" 2>&1 &
    pid=$!
    build_all "${BUILT[@]}" || rc=1
    wait "$pid" || rc=1
    cat "$TMP/fetch.out"
    return $rc
}

# ---------------------------------------------------------------------------------------
# build

# The config fragment of a built kernel: its ci/kconfig files, then its own lines.
fragment() {
    local f
    for f in $FRAGMENTS; do cat "$ROOT/ci/kconfig/$f.config"; done
    if [ -n "$CONFIG_LINES" ]; then printf '%s\n' $CONFIG_LINES; fi
}

# What a cached kernel was built from, besides the source version: make's arguments and
# the fragment. A change to either rebuilds it.
recipe_hash() {
    { echo "$KSOURCE ARCH=$KARCH CROSS_COMPILE=$CROSS"; fragment; } | sha256sum | cut -c1-16
}

# Every line of the fragment must hold in the final .config: Kconfig drops a request it
# cannot meet (a dependency missing, a choice elsewhere) without a word.
check_config() {
    local config=$1 line sym want got bad=0
    while IFS= read -r line; do
        [[ $line == CONFIG_*=* ]] || continue
        sym=${line%%=*}; want=${line#*=}
        got=$(grep -E "^$sym=" "$config" || true)
        if [ "$want" = n ]; then
            [ -z "$got" ] && continue
        elif [ "$got" = "$line" ]; then
            continue
        fi
        echo "kernels.sh: config: asked for $line, got ${got:-it unset}" >&2
        bad=1
    done
    return $bad
}

# Unpacks the installed linux-source tarball once per run (or once per BARESYS_KBUILD),
# all of it: Kconfig reads files all over the tree (Documentation/, other arches').
source_tree() {
    local version=$1 src="$KBUILD/$KSOURCE-$version" tarball="/usr/src/$KSOURCE.tar.xz"
    if [ ! -f "$src/Makefile" ]; then
        [ -f "$tarball" ] || die "$tarball missing ($KSOURCE $version installed?)"
        local start=$SECONDS
        rm -rf "$KBUILD/.unpack"; mkdir -p "$KBUILD/.unpack"
        tar -xJf "$tarball" -C "$KBUILD/.unpack" >&2
        rm -rf "$src"; mv "$KBUILD/.unpack/$KSOURCE" "$src"; rm -rf "$KBUILD/.unpack"
        printf 'kernels.sh: unpacked %s %s in %d s\n' "$KSOURCE" "$version" $((SECONDS - start)) >&2
    fi
    echo "$src"
}

# Builds one kernel unless the cache holds one from the same source version and recipe.
build_one() {
    local arch=$1
    arch_info "$arch" && [ -n "$KARCH" ] || die "'$arch' is not a kernel built here (one of: ${BUILT[*]})"
    local dir="$CACHE/$arch" recipe version
    recipe=$(recipe_hash)
    version=$(dpkg-query -W -f='${Version}' "$KSOURCE" 2>/dev/null || true)
    if [ -s "$dir/kernel" ] && [ "$(cat "$dir/recipe" 2>/dev/null)" = "$recipe" ] &&
        { [ -z "$version" ] || [ "$(cat "$dir/version")" = "$version" ]; }; then
        printf 'kernel %-11s cached: built, Linux %s, %s pages (%s %s)\n' "$arch" \
            "$(cat "$dir/linux")" "$(cat "$dir/pages")" "$KSOURCE" "$(cat "$dir/version")"
        return 0
    fi
    [ -n "$version" ] || die "$arch: $KSOURCE is not installed (ci/install.sh installs it)"
    command -v "${CROSS}gcc" >/dev/null || die "$arch: ${CROSS}gcc not installed (ci/install.sh)"
    local src out="$KBUILD/out-$arch" log="$LOGDIR/build-$arch.log" start=$SECONDS
    src=$(source_tree "$version")
    mkdir -p "$out" "$LOGDIR"
    fragment >"$out/baresys.config"
    # nice: a CI machine has nothing else to run; a shared one keeps its other work going.
    local mk=(nice -n 19 make -C "$src" O="$out" ARCH="$KARCH" CROSS_COMPILE="$CROSS")
    if ! { "${mk[@]}" KCONFIG_ALLCONFIG="$out/baresys.config" allnoconfig &&
        check_config "$out/.config" <"$out/baresys.config" &&
        "${mk[@]}" -j"$(nproc)" vmlinux; } >"$log" 2>&1; then
        printf 'kernel %-11s build FAILED after %d s (%s %s); last lines of %s:\n' \
            "$arch" $((SECONDS - start)) "$KSOURCE" "$version" "$log" >&2
        tail -n 40 "$log" | sed 's/^/  | /' >&2
        return 1
    fi
    local new="$CACHE/.new-$arch" shift
    rm -rf "$new"; mkdir -p "$new"
    cp "$out/vmlinux" "$new/kernel"
    echo "$version" >"$new/version"
    echo "$KSOURCE" >"$new/package"
    echo "$recipe" >"$new/recipe"
    cat "$out/include/config/kernel.release" >"$new/linux"
    shift=$(sed -n 's/^CONFIG_PAGE_SHIFT=//p' "$out/.config")
    echo "$(( (1 << shift) / 1024 )) KiB" >"$new/pages"
    cp "$out/.config" "$new/config"
    rm -rf "$dir"; mv "$new" "$dir"
    local t=$((SECONDS - start)) cpu
    # CPU time of everything this subshell ran (the builds): `times`' second line.
    # (A builtin in a pipe or $(...) would run in a fork, whose children are not these.)
    times >"$out/times"
    cpu=$(sed -n 2p "$out/times" | awk '{ split($1, u, /[ms]/); split($2, v, /[ms]/); printf "%d", u[1] * 60 + u[2] + v[1] * 60 + v[2] }')
    printf 'kernel %-11s built: Linux %s, %s pages, in %dm%02ds, %d CPU-s (%s %s, %s MB)\n' "$arch" \
        "$(cat "$dir/linux")" "$(cat "$dir/pages")" $((t / 60)) $((t % 60)) "$cpu" "$KSOURCE" "$version" \
        "$(( $(stat -c %s "$dir/kernel") / 1048576 ))"
}

# Builds each kernel named (every one in BUILT when none is); every failure is reported,
# and any fails the whole.
build_all() {
    local arch rc=0
    if [ -n "${BARESYS_KBUILD:-}" ]; then
        KBUILD=$BARESYS_KBUILD; mkdir -p "$KBUILD"
    else
        KBUILD_TMP=$(mktemp -d "${TMPDIR:-/tmp}/baresys-kbuild.XXXXXX"); KBUILD=$KBUILD_TMP
    fi
    for arch in "$@"; do ( build_one "$arch" ) || rc=1; done
    if [ -n "${KBUILD_TMP:-}" ]; then rm -rf "$KBUILD_TMP"; KBUILD_TMP=""; fi
    return $rc
}

cmd_build() {
    lock_cache
    trap '[ -z "${KBUILD_TMP:-}" ] || rm -rf "$KBUILD_TMP"' EXIT
    if [ $# = 0 ]; then set -- "${BUILT[@]}"; fi
    build_all "$@"
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
    arch_info "$arch" || die "unknown arch '$arch' (one of: ${ARCHES[*]} ${BUILT[*]} ${ALIASES[*]})"
    local dir="$CACHE/$KDIR" version="?"
    [ -s "$dir/version" ] && version=$(cat "$dir/version")
    [ -n "$MAX_SMP" ] && [ "$SMP" -gt "$MAX_SMP" ] && SMP=$MAX_SMP
    local label="kernel $arch (Debian $version)"
    if [ -n "$KARCH" ]; then
        label="kernel $arch (built, Linux $(cat "$dir/linux" 2>/dev/null || echo "?"), $(cat "$dir/pages" 2>/dev/null || echo "?") pages)"
    fi
    [ "$SMP" = 1 ] || label="${label%)}, -smp $SMP)"
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
    [ -s "$dir/kernel" ] || notrun "no kernel in $dir (run ci/kernels.sh fetch${KARCH:+; its build failed?})"
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

    local line bug
    line=$(tr -d '\r' <"$log" | grep -aoE '[0-9]+ passed, [0-9]+ failed$' | tail -n1 || true)
    # The kernel's own complaints: a run is not clean if the console shows one.
    bug=$(tr -d '\r' <"$log" | grep -aoE '(BUG|Oops|WARNING|Unable to handle kernel)[: ].*' | head -n1 || true)
    if [ "$MODE" = zeropage ]; then
        zeropage_verdict "$line" "$bug"
    fi
    if [ -n "$line" ] && [ -n "$bug" ]; then
        printf '%s: %s, but the console shows "%s"\n' "$label" "$line" "$bug"
        echo "--- last lines of $log:" >&2
        tail -n 20 "$log" | tr -d '\r' | sed 's/^/  | /' >&2
        exit 1
    fi
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

# The reproducer's boot (MODE=zeropage): says whether this kernel has the zero-page bug,
# and passes when that is what arch_info says of it (ZEROPAGE_BUG).
zeropage_verdict() {
    local line=$1 bug=$2 has evidence
    if [[ $bug == *"Bad page map"* ]]; then
        has=1; evidence="the console: \"$bug\""
    elif [ -n "$line" ] && [ "${line#*passed, }" != "0 failed" ]; then
        has=1; evidence="$(tr -d '\r' <"$log" | grep -a '^FAIL zeropage' | head -n1)"
    elif [ -n "$line" ] && [ -z "$bug" ]; then
        has=""; evidence="$line, no \"Bad page map\""
    else
        notrun "the reproducer ended without a verdict${bug:+ (console: $bug)}"
    fi
    if [ -n "$has" ] && [ -n "$ZEROPAGE_BUG" ]; then
        printf '%s: zero-page bug present, as marked (%s)\n' "$label" "$evidence"
        exit 0
    elif [ -z "$has" ] && [ -z "$ZEROPAGE_BUG" ]; then
        printf '%s: no zero-page bug, as marked (%s)\n' "$label" "$evidence"
        exit 0
    fi
    local seen=absent marked=absent
    [ -z "$has" ] || seen=present
    [ -z "$ZEROPAGE_BUG" ] || marked=present
    printf '%s: zero-page bug %s, but ci/kernels.sh marks it %s (ZEROPAGE_BUG in arch_info): %s\n' \
        "$label" "$seen" "$marked" "$evidence"
    exit 1
}

case ${1:-} in
fetch) [ $# = 1 ] || die "usage: $0 fetch"; cmd_fetch ;;
build) shift; cmd_build "$@" ;;
run)   [ $# = 3 ] || die "usage: $0 run <arch> <static-elf>"; cmd_run "$2" "$3" ;;
list)  printf '%s\n' "${ARCHES[@]}" "${BUILT[@]}" "${ALIASES[@]}" ;;
*) die "usage: $0 fetch | build [<arch>...] | run <arch> <static-elf> | list" ;;
esac
