#!/usr/bin/env bash
# Installs everything ci/test.sh needs on a fresh Debian 12 (bookworm) machine.
# Idempotent: each step checks first, so a warm machine spends a few seconds here.
set -euo pipefail

log() { printf '[install] %s\n' "$*"; }
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo

# QEMU 10 (user mode for the matrix, system mode for ci/kernels.sh) comes from
# bookworm-backports: bookworm's own 7.2 lacks LSX for loongarch64 and ignores
# MADV_DONTNEED before 7.1.
need_apt=()
command -v qemu-loongarch64 >/dev/null 2>&1 || need_apt+=(qemu-user)
command -v qemu-system-x86_64 >/dev/null 2>&1 || need_apt+=(qemu-system-x86 qemu-system-arm qemu-system-misc qemu-system-ppc qemu-system-mips)
command -v valgrind >/dev/null 2>&1 || need_apt+=(valgrind)
command -v strace >/dev/null 2>&1 || need_apt+=(strace)
command -v cpio >/dev/null 2>&1 || need_apt+=(cpio)
command -v zstd >/dev/null 2>&1 || need_apt+=(zstd)
# GNU ld for the gnu-ld build variant (ci/test.sh): Debian's cross binutils, one package
# per target (none for loongarch64 in Debian 12).
for pkg in x86-64-linux-gnu i686-linux-gnu arm-linux-gnueabihf aarch64-linux-gnu mips-linux-gnu \
    mipsel-linux-gnu mips64-linux-gnuabi64 mips64el-linux-gnuabi64 powerpc64-linux-gnu \
    powerpc64le-linux-gnu riscv64-linux-gnu s390x-linux-gnu; do
    command -v "${pkg/x86-64/x86_64}-ld" >/dev/null 2>&1 || need_apt+=("binutils-$pkg")
done
# ci/kernels.sh builds the kernels Debian does not ship (ppc64 and mips big endian, mips64
# 6.12) from Debian's own source with Debian's cross compilers (one for the three mips).
# Installed without `-t bookworm-backports`: the newest linux-source-6.12 of the machine's
# sources (bookworm-security's, where configured; backports' otherwise).
need_kbuild=()
command -v powerpc64-linux-gnu-gcc >/dev/null 2>&1 || need_kbuild+=(gcc-powerpc64-linux-gnu)
command -v mips64-linux-gnuabi64-gcc >/dev/null 2>&1 || need_kbuild+=(gcc-mips64-linux-gnuabi64)
for p in linux-source-6.12 flex bison bc libelf-dev libssl-dev; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || need_kbuild+=("$p")
done
if [ ${#need_apt[@]} -gt 0 ] || [ ${#need_kbuild[@]} -gt 0 ]; then
    src=/etc/apt/sources.list.d/bookworm-backports.sources
    if [ ! -f "$src" ]; then
        log "adding bookworm-backports"
        $SUDO tee "$src" >/dev/null <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
    fi
    $SUDO apt-get update -qq
    if [ ${#need_apt[@]} -gt 0 ]; then
        log "apt-get install ${need_apt[*]}"
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq -t bookworm-backports \
            --no-install-recommends "${need_apt[@]}" >/dev/null
    fi
    if [ ${#need_kbuild[@]} -gt 0 ]; then
        log "apt-get install ${need_kbuild[*]}"
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
            --no-install-recommends "${need_kbuild[@]}" >/dev/null
    fi
fi

# Stable: clippy and the library build for every target rustup ships a core for.
stable_targets=(i686-unknown-linux-gnu x86_64-unknown-linux-musl armv7-unknown-linux-gnueabihf
    thumbv7neon-unknown-linux-gnueabihf aarch64-unknown-linux-gnu powerpc64le-unknown-linux-gnu
    powerpc64-unknown-linux-musl riscv64gc-unknown-linux-gnu s390x-unknown-linux-gnu)
have=$(rustup +stable target list --installed)
missing=()
for t in "${stable_targets[@]}"; do grep -qx "$t" <<<"$have" || missing+=("$t"); done
if [ ${#missing[@]} -gt 0 ]; then
    log "rustup target add ${missing[*]}"
    rustup +stable target add "${missing[@]}"
fi

# Nightly builds core from source (build-std) for the freestanding programs on all
# fourteen configurations: mips and loongarch64 have no prebuilt core, and build-std
# gives panic=abort plus compiler_builtins' memcpy everywhere.
comps=$(rustup +nightly component list --installed)
for c in rust-src llvm-tools clippy rustfmt; do
    grep -q "^$c" <<<"$comps" || { log "rustup +nightly component add $c"; rustup +nightly component add "$c"; }
done
grep -q '^llvm-tools' <<<"$(rustup +stable component list --installed)" \
    || rustup +stable component add llvm-tools

# The oldest Rust the crate supports (Cargo.toml's rust-version): CI builds the library
# with it.
msrv=$(sed -n 's/^rust-version = "\([0-9]*\.[0-9]*\)"/\1.0/p' Cargo.toml)
rustup toolchain list | grep -q "^$msrv-" || { log "rustup toolchain install $msrv"; rustup toolchain install "$msrv" --profile minimal; }

command -v cargo-objdump >/dev/null 2>&1 || { log "cargo install cargo-binutils"; cargo install -q --locked cargo-binutils; }
# The bounded fuzz run of baresys::mem (ci/fuzz.sh).
command -v cargo-fuzz >/dev/null 2>&1 || { log "cargo install cargo-fuzz"; cargo +stable install -q --locked cargo-fuzz; }
log "done"
