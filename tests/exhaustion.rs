//! Issue 5, resource exhaustion: `baresys::mem` when the kernel runs out of what a
//! reservation needs, each case in a forked child (lowered limits and 65,000 mappings
//! stay there). The error must come back typed, and the kernel's view must show that
//! nothing was half done:
//!
//! - address space (RLIMIT_AS): `reserve`, `reserve_aligned` (whose over-reservation
//!   counts) and `reserve_at` beyond the limit give ENOMEM with /proc/self/maps
//!   unchanged byte for byte;
//! - data (RLIMIT_DATA, which counts private writable memory): `commit` and
//!   `commit_populate` beyond it give ENOMEM, the range stays `---` and the committed
//!   pages beside it keep their contents;
//! - mapping count (vm.max_map_count): committing every other page until the kernel
//!   says ENOMEM returns the error cleanly; at the limit, `fault` of one page inside a
//!   read-write run fails (both mprotect and its mmap fallback need a new VMA) and
//!   leaves the page readable with its contents, and the reservation is still released
//!   completely on drop.
//!
//! The children do not allocate (the harness is multi-threaded): they use the shared
//! no_std checks and stack buffers.

#[allow(unused)]
mod checks;
#[allow(unused)]
mod support;

use baresys::mem::{self, ErrorKind, FaultPath, Reservation};
use baresys::{Errno, Rlimit};
use checks::util::kind;
use checks::Ctx;
use support::{child, file_number, for_each_line, parse_line, status_kb, Snapshot};

const ENOMEM_MMAP: ErrorKind = ErrorKind::Kernel { call: "mmap", errno: Errno::ENOMEM };
const ENOMEM_MPROTECT: ErrorKind = ErrorKind::Kernel { call: "mprotect", errno: Errno::ENOMEM };

/// Finds what is found once per process (page size, guard support) before any fork,
/// so that the children's reservations make no probe mapping.
fn prepare() -> usize {
    let p = mem::page_size();
    let _ = mem::default_fault_path();
    p
}

/// A free range of `len` bytes above 4 GiB, a page away from its neighbours.
fn free_gap(len: usize, page: usize) -> Option<usize> {
    let mut prev_end = 1usize << 32;
    let mut found = None;
    for_each_line(c"/proc/self/maps", |l| {
        if let Some((s, e, _)) = parse_line(l) {
            if s > prev_end && s - prev_end >= len + 2 * page {
                found = Some(s - len - page);
                return false;
            }
            prev_end = prev_end.max(e);
        }
        true
    });
    found
}

#[test]
fn address_space_limit() {
    let p = prepare();
    let out = child("RLIMIT_AS", |ctx: &mut Ctx| {
        let head: usize = 64 << 20;
        let Some(vm_kb) = status_kb(b"VmSize:") else {
            return check!(ctx, "VmSize in /proc/self/status", false);
        };
        let Some(gap) = free_gap(4 * head, p) else {
            return check!(ctx, "a free gap for reserve_at", false);
        };
        let limit = vm_kb * 1024 + head as u64;
        let set =
            baresys::prlimit64(0, baresys::RLIMIT_AS, Some(&Rlimit { cur: limit, max: u64::MAX }));
        check!(ctx, "lower RLIMIT_AS", set.is_ok(), "{:?}", set);
        let before = Snapshot::take();
        check_eq!(
            ctx,
            "reserve beyond RLIMIT_AS",
            kind(Reservation::reserve(2 * head).map(drop)),
            Err(ENOMEM_MMAP)
        );
        check_eq!(
            ctx,
            "reserve_aligned whose over-reservation is beyond RLIMIT_AS",
            kind(Reservation::reserve_aligned(head / 2, 2 * head).map(drop)),
            Err(ENOMEM_MMAP)
        );
        check_eq!(
            ctx,
            "reserve_at beyond RLIMIT_AS",
            // SAFETY: RLIMIT_AS refuses the mapping, so nothing is placed in the gap
            // (which maps shows free, away from the stack's growth area).
            kind(unsafe { Reservation::reserve_at((gap + head) as *mut u8, 2 * head) }.map(drop)),
            Err(ENOMEM_MMAP)
        );
        let after = Snapshot::take();
        check!(ctx, "/proc/self/maps unchanged byte for byte", before.same(&after));
        // The limit, not something else, refused: half of the headroom works.
        let small = Reservation::reserve(head / 2);
        check!(ctx, "reserve within RLIMIT_AS works", small.is_ok(), "{:?}", small.as_ref().err());
        drop(small);
        check!(ctx, "... and its drop restores the maps", Snapshot::take().same(&before));
    });
    eprintln!("exhaustion RLIMIT_AS: {} checks", out.passed);
    out.assert_ok("RLIMIT_AS");
}

#[test]
fn data_limit() {
    let p = prepare();
    let out = child("RLIMIT_DATA", |ctx: &mut Ctx| {
        let r = match Reservation::reserve(256 * p) {
            Ok(r) => r,
            Err(e) => return check!(ctx, "reserve", false, "{}", e),
        };
        let a = r.as_ptr() as usize;
        if r.commit(..4 * p).is_err() {
            return check!(ctx, "commit 4 pages", false);
        }
        support::fill(a, 4 * p, p, 0x40);
        let Some(data_kb) = status_kb(b"VmData:") else {
            return check!(ctx, "VmData in /proc/self/status", false);
        };
        // Room for 16 more pages of private writable memory.
        let limit = data_kb * 1024 + 16 * p as u64;
        let set = baresys::prlimit64(
            0,
            baresys::RLIMIT_DATA,
            Some(&Rlimit { cur: limit, max: u64::MAX }),
        );
        check!(ctx, "lower RLIMIT_DATA", set.is_ok(), "{:?}", set);
        let before = Snapshot::take();
        check_eq!(
            ctx,
            "commit beyond RLIMIT_DATA",
            kind(r.commit(4 * p..68 * p)),
            Err(ENOMEM_MPROTECT)
        );
        check_eq!(
            ctx,
            "commit_populate beyond RLIMIT_DATA",
            kind(r.commit_populate(4 * p..68 * p).map(drop)),
            Err(ENOMEM_MPROTECT)
        );
        // SAFETY: refused before anything changes; nothing is written or run there.
        let rwx = unsafe { r.protect_rwx(4 * p..68 * p) };
        check_eq!(ctx, "protect_rwx beyond RLIMIT_DATA", kind(rwx), Err(ENOMEM_MPROTECT));
        check!(ctx, "maps unchanged", Snapshot::take().same(&before));
        check!(
            ctx,
            "the range stays Reserved (---)",
            support::range_is(a + 4 * p, 64 * p, b"---", p)
        );
        check!(ctx, "the committed pages stay rw-", support::range_is(a, 4 * p, b"rw-", p));
        check!(ctx, "... with their contents", support::holds(a, 4 * p, p, 0x40));
        // Within the limit it works.
        check_eq!(ctx, "commit within RLIMIT_DATA", r.commit(4 * p..12 * p), Ok(()));
        check!(ctx, "... rw-", support::range_is(a + 4 * p, 8 * p, b"rw-", p));
        // The kernel counts mprotect, but not mmap(MAP_FIXED) over an existing mapping
        // (the pages replaced are subtracted): a Remap recommit gets past the limit.
        let mut r = r;
        let _ = r.set_fault_path(FaultPath::Remap);
        let remap = r.fault(12 * p..100 * p).and_then(|()| r.recommit(12 * p..100 * p));
        ctx.note(format_args!(
            "Remap recommit of 88 pages beyond RLIMIT_DATA: {:?} (mmap over a mapping is not counted as growth)",
            remap
        ));
        check!(ctx, "the first pages still hold their contents", support::holds(a, 4 * p, p, 0x40));
    });
    eprintln!("exhaustion RLIMIT_DATA: {} checks", out.passed);
    out.assert_ok("RLIMIT_DATA");
}

#[test]
fn map_count_limit() {
    let p = prepare();
    let out = child("max_map_count", |ctx: &mut Ctx| {
        let max = file_number(c"/proc/sys/vm/max_map_count").unwrap_or(65530) as usize;
        let now = support::maps_count();
        // Every other page committed: two new mappings per page, plus room.
        let pages = 2 * (max.saturating_sub(now)) + 64;
        let mut r = match Reservation::reserve(pages * p) {
            Ok(r) => r,
            Err(e) => return check!(ctx, "reserve", false, "{}", e),
        };
        let _ = r.set_fault_path(FaultPath::Protect);
        let a = r.as_ptr() as usize;
        if r.commit(..8 * p).is_err() {
            return check!(ctx, "commit a run of 8 pages", false);
        }
        support::fill(a, 8 * p, p, 0x70);
        let mut stop = None;
        let mut i = 10;
        while i < pages {
            match r.commit(i * p..(i + 1) * p) {
                Ok(()) => {}
                Err(e) => {
                    stop = Some((i, e));
                    break;
                }
            }
            i += 2;
        }
        let count = support::maps_count();
        let Some((i, e)) = stop else {
            return check!(
                ctx,
                "the kernel says ENOMEM before the reservation ends",
                false,
                "{} mappings",
                count
            );
        };
        out!("exhaustion: max_map_count {max}: ENOMEM at page {i} with {count} mappings\n");
        check_eq!(ctx, "commit past max_map_count: ENOMEM", e.kind(), ENOMEM_MPROTECT);
        check!(ctx, "at the limit", count + 2 > max, "{} of {}", count, max);
        check!(ctx, "the refused page stays ---", support::range_is(a + i * p, p, b"---", p));
        check!(ctx, "the page before it is rw-", support::range_is(a + (i - 2) * p, p, b"rw-", p));
        // Faulting one page inside the read-write run needs a new VMA on the
        // mprotect and the mmap path alike: the error comes back, the page stays
        // accessible and keeps its contents (fault never reports success while the
        // range is still accessible, nor fails having discarded it).
        check_eq!(
            ctx,
            "fault (Protect) at the limit",
            kind(r.fault(4 * p..5 * p)),
            Err(ENOMEM_MMAP)
        );
        check!(
            ctx,
            "... the page is still rw- and holds its contents",
            support::range_is(a + 4 * p, p, b"rw-", p) && support::holds(a, 8 * p, p, 0x70)
        );
        let _ = r.set_fault_path(FaultPath::Remap);
        check_eq!(ctx, "fault (Remap) at the limit", kind(r.fault(4 * p..5 * p)), Err(ENOMEM_MMAP));
        check!(ctx, "... contents kept", support::holds(a, 8 * p, p, 0x70));
        check_eq!(
            ctx,
            "decommit(Uncharge) at the limit",
            kind(r.decommit(4 * p..5 * p, mem::Decommit::Uncharge)),
            Err(ENOMEM_MMAP)
        );
        check!(ctx, "... contents kept", support::holds(a, 8 * p, p, 0x70));
        if mem::guard_supported() {
            // Guard markers live in the page tables: no VMA, so they work at the limit.
            let _ = r.set_fault_path(FaultPath::Guard);
            check_eq!(ctx, "fault (Guard) at the limit works", r.fault(4 * p..5 * p), Ok(()));
            check!(ctx, "... the page is inaccessible", !support::kernel_can_read(a + 4 * p));
            check_eq!(ctx, "recommit (Guard) at the limit", r.recommit(4 * p..5 * p), Ok(()));
            check!(ctx, "... readable again", support::kernel_can_read(a + 4 * p));
        }
        // Faulting the whole run merges it with its --- neighbour: no new VMA.
        let _ = r.set_fault_path(FaultPath::Protect);
        check_eq!(ctx, "fault of a whole run at the limit works", r.fault(..8 * p), Ok(()));
        check!(ctx, "... ---", support::range_is(a, 8 * p, b"---", p));
        let len = r.len();
        drop(r);
        check!(
            ctx,
            "drop at the limit releases the whole reservation",
            !support::mapped_in(a, a + len)
        );
        let after = support::maps_count();
        check!(
            ctx,
            "the mapping count is back",
            after <= now + 1,
            "{} before, {} after",
            now,
            after
        );
    });
    eprintln!("exhaustion max_map_count: {} checks", out.passed);
    out.assert_ok("max_map_count");
}
