#!/usr/bin/env bash
# Issue 3's "done when": a program that calls `fault` on the Protect path shows, under
# strace, mprotect(..., PROT_NONE) then madvise(..., MADV_DONTNEED) and no
# mmap(MAP_FIXED). Runs examples/lifecycle under strace and reads the calls between its
# "fault protect" line and the next line it prints.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo +stable build -q --release --example lifecycle
log=$(mktemp)
trap 'rm -f "$log"' EXIT
strace -o "$log" -e trace=write,mmap,mprotect,madvise target/release/examples/lifecycle >/dev/null
calls=$(awk '/^write\(1, "fault protect\\n"/ { on = 1; next } on && /^write\(1,/ { exit } on' "$log")
echo "$calls" | sed 's/^/    /'
first=$(grep -n 'mprotect(.*PROT_NONE) = 0' <<<"$calls" | head -1 | cut -d: -f1)
second=$(grep -n 'madvise(.*MADV_DONTNEED) = 0' <<<"$calls" | head -1 | cut -d: -f1)
if [ -z "$first" ] || [ -z "$second" ] || [ "$first" -ge "$second" ]; then
    echo "fault protect: no mprotect(PROT_NONE) followed by madvise(MADV_DONTNEED)"; exit 1
fi
if grep -q 'mmap(.*MAP_FIXED' <<<"$calls"; then
    echo "fault protect: an mmap(MAP_FIXED) was issued"; exit 1
fi
