#!/bin/sh
# ci/instr-count.sh [--check] : userspace instructions per call of mprotect (RW to RW on
# one page) and getpid, baresys vs glibc (libc crate) vs rustix vs a hand-written inline
# `syscall`, counted with valgrind --tool=callgrind (deterministic: no timing noise).
#
# Each variant of examples/instr_count.rs runs its call in a loop N1 and N2 times;
# callgrind collects only inside the loop functions (--toggle-collect), and
#   per call = (Ir(N2) - Ir(N1)) / (N2 - N1) - the same for the empty loop.
# The instruction the kernel runs on (`syscall`) counts as one; nothing in the kernel
# counts. Two hand-written variants: "asm" tests the result for an error (-4095..=-1)
# as a typed wrapper must, "asm_raw" only sums it (the least any caller can do).
#
# --check: exit 1 unless baresys needs no more instructions per mprotect call than the
# hand-written inline syscall with the same error test (x86_64).
# Needs valgrind and cargo; prints the table on stdout.
set -eu
cd "$(dirname "$0")/.."
CHECK=0
[ "${1:-}" = "--check" ] && CHECK=1
command -v valgrind >/dev/null 2>&1 || { echo "instr-count: valgrind not found" >&2; exit 2; }

cargo build --release --example instr_count -q
BIN=${CARGO_TARGET_DIR:-target}/release/examples/instr_count
N1=${N1:-20000}
N2=${N2:-120000}

count() { # variant n -> instructions collected inside loop_*
  out=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null --toggle-collect='*loop_*' \
    "$BIN" "$1" "$2" 2>&1) || { echo "instr-count: $1 failed: $out" >&2; exit 1; }
  echo "$out" | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}

echo "instr-count: $(uname -srm), $(rustc --version)"
echo "valgrind callgrind, Ir collected in loop_* for N1=$N1 and N2=$N2 calls"
TMP=$(mktemp)
trap 'rm -f "$TMP"' EXIT
for v in $("$BIN" --list); do
  echo "$v $(count "$v" "$N1") $(count "$v" "$N2")" >> "$TMP"
done

awk -v n1="$N1" -v n2="$N2" -v check="$CHECK" '
  { per[$1] = ($3 - $2) / (n2 - n1); order[++n] = $1 }
  END {
    base = per["empty"]
    printf "\n%-20s %12s %14s %12s %14s\n", "variant", "Ir per iter", "Ir per call", "vs asm", "vs asm_raw"
    for (i = 1; i <= n; i++) {
      v = order[i]; if (v == "empty") { printf "%-20s %12.2f %14s\n", v, per[v], "(loop)"; continue }
      c = per[v] - base; call[v] = c
      split(v, s, "_"); a = s[1] "_asm"; r = s[1] "_asm_raw"
      ca = (a in per) ? per[a] - base : 0; cr = (r in per) ? per[r] - base : ((a in per) ? ca : 0)
      printf "%-20s %12.2f %14.2f %12s %14s\n", v, per[v], c, (ca > 0 ? sprintf("%.2fx", c / ca) : "n/a"), (cr > 0 ? sprintf("%.2fx", c / cr) : "n/a")
    }
    print "\n(per call = per iteration minus the empty loop; vs asm: over the hand-written inline syscall"
    print " with the same error test; getpid has no error test, so its asm and asm_raw are the same loop)"
    if (check) {
      if (!("mprotect_asm" in per)) { print "check: no hand-written variant on this architecture"; exit 0 }
      ok = call["mprotect_baresys"] <= call["mprotect_asm"] + 0.01
      printf "check: baresys mprotect %.2f instructions per call, hand-written %.2f: %s\n", call["mprotect_baresys"], call["mprotect_asm"], (ok ? "pass" : "FAIL")
      exit (ok ? 0 : 1)
    }
  }' "$TMP"
