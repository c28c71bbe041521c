//! Issue 3 and 4: `baresys::mem`, each call checked against the kernel's view: the
//! permissions in /proc/self/maps, the contents, whether the kernel itself can read a
//! page (a `write(2)` from it into a pipe: EFAULT when it cannot, no fork needed), and
//! SIGSEGV in a child for faulted and guarded pages. Small reservations, few forks.

use super::util::{access_faults, dontneed_zeroes, fmt_eq, kind, perms_at, range_has_perms};
use super::Ctx;
use crate::{check, check_eq};
use baresys::fd::{AsRawFd, OwnedFd};
use baresys::mem::{self, Decommit, ErrorKind, FaultPath, Populate, Reservation};
use baresys::{nr, Errno, OFlags, Prot};
use core::ffi::c_void;
use core::ops::Bound;

/// What every group needs: the page size, a pipe for kernel-read probes, and whether
/// MADV_DONTNEED really zeroes here (QEMU before 7.1 ignored it).
struct T {
    page: usize,
    /// (read end, write end).
    pipe: (OwnedFd, OwnedFd),
    dontneed_zeroes: bool,
}

impl T {
    /// Whether the kernel can read the byte at `addr` (copies one byte through the pipe).
    /// The raw call: a slice over a page that may be inaccessible would claim it readable.
    fn readable(&self, addr: usize) -> bool {
        // SAFETY: the kernel reads at most one byte at `addr` and answers EFAULT if it
        // cannot; nothing in this process touches it.
        let r = unsafe { baresys::syscall3(nr::WRITE, self.pipe.1.as_raw_fd() as usize, addr, 1) };
        if r == Ok(1) {
            let mut b = [0u8; 1];
            let _ = baresys::read(&self.pipe.0, &mut b);
        }
        r == Ok(1)
    }

    /// Whether every page of `addr..addr+len` is inaccessible to the kernel too.
    fn none_readable(&self, addr: usize, len: usize) -> bool {
        (0..len / self.page).all(|i| !self.readable(addr + i * self.page))
    }

    /// Whether the range is read-write in maps and every page readable by the kernel:
    /// then (and only then) this process may touch it without dying.
    fn usable(&self, addr: usize, len: usize) -> bool {
        range_has_perms(addr, len, b"rw-")
            && (0..len / self.page).all(|i| self.readable(addr + i * self.page))
    }
}

fn pattern(i: usize, seed: u8) -> u8 {
    (i as u8).wrapping_mul(7).wrapping_add(seed) | 1
}

fn fill(addr: usize, len: usize, seed: u8) {
    for i in 0..len {
        // SAFETY: callers fill only ranges checked usable (rw- and readable).
        unsafe { (addr as *mut u8).add(i).write_volatile(pattern(i, seed)) };
    }
}

/// Whether `addr..addr+len` holds `fill(addr, len, seed)`'s bytes.
fn holds(addr: usize, len: usize, seed: u8) -> bool {
    holds_at(addr, 0, len, seed)
}

/// Whether `base+off..base+off+len` holds the bytes `fill(base, .., seed)` put there.
fn holds_at(base: usize, off: usize, len: usize, seed: u8) -> bool {
    // SAFETY: callers read only ranges checked readable.
    (off..off + len)
        .all(|i| unsafe { (base as *const u8).add(i).read_volatile() } == pattern(i, seed))
}

fn zero(addr: usize, len: usize) -> bool {
    // SAFETY: callers read only ranges checked readable.
    (0..len).all(|i| unsafe { (addr as *const u8).add(i).read_volatile() } == 0)
}

/// Checks that a discarded range reads zero, unless DONTNEED does not zero here.
fn check_zero(ctx: &mut Ctx, t: &T, name: &str, addr: usize, len: usize, needs_dontneed: bool) {
    if needs_dontneed && !t.dontneed_zeroes {
        ctx.note(format_args!("{name}: not checked, MADV_DONTNEED does not zero here"));
    } else {
        check!(ctx, name, zero(addr, len));
    }
}

pub fn run(ctx: &mut Ctx) {
    ctx.group("mem");
    let page = mem::page_size();
    check!(
        ctx,
        "page size is a power of two >= 4096",
        page.is_power_of_two() && page >= 4096,
        "{}",
        page
    );
    if !page.is_power_of_two() {
        return;
    }
    check_eq!(ctx, "page_round_up(1) is a page", mem::page_round_up(1), Some(page));
    check_eq!(ctx, "page_round_up(page) is a page", mem::page_round_up(page), Some(page));
    check_eq!(ctx, "page_round_up overflow is None", mem::page_round_up(usize::MAX), None);
    let Ok(pipe) = baresys::pipe2(OFlags::CLOEXEC) else {
        check!(ctx, "pipe2 for the kernel-read probe", false);
        return;
    };
    let t = T { page, pipe, dontneed_zeroes: dontneed_zeroes(page) };
    if !t.dontneed_zeroes {
        ctx.note(format_args!("MADV_DONTNEED leaves contents here (QEMU < 7.1?): zero-after-discard checks are skipped"));
    }

    bad_input(ctx, &t);
    lifecycle(ctx, &t);
    for path in [FaultPath::Remap, FaultPath::Protect, FaultPath::Guard] {
        fault_path(ctx, &t, path);
    }
    guards(ctx, &t);
    placement(ctx, &t);
    split_release(ctx, &t);
    extras(ctx, &t);
    protect_after_discard(ctx, &t);
    sealed(ctx, &t);
    // Dropping `t` closes the pipe.
}

/// Every bad input returns its own error (not the kernel's EINVAL: it was never asked)
/// and changes nothing.
fn bad_input(ctx: &mut Ctx, t: &T) {
    let p = t.page;
    let big = 1usize << (usize::BITS - 1);
    let top = usize::MAX & !(p - 1);
    let reserve = |len: usize| Reservation::reserve(len).map(drop);
    let aligned = |len: usize, align: usize| Reservation::reserve_aligned(len, align).map(drop);
    check_eq!(ctx, "reserve(0)", kind(reserve(0)), Err(ErrorKind::ZeroLength));
    check_eq!(ctx, "reserve(unaligned)", kind(reserve(p + 1)), Err(ErrorKind::Unaligned));
    check_eq!(ctx, "reserve_aligned(0, page)", kind(aligned(0, p)), Err(ErrorKind::ZeroLength));
    check_eq!(ctx, "reserve_aligned align 0", kind(aligned(p, 0)), Err(ErrorKind::BadAlign));
    check_eq!(
        ctx,
        "reserve_aligned align 3 pages",
        kind(aligned(p, 3 * p)),
        Err(ErrorKind::BadAlign)
    );
    check_eq!(
        ctx,
        "reserve_aligned align half a page",
        kind(aligned(p, p / 2)),
        Err(ErrorKind::BadAlign)
    );
    check_eq!(
        ctx,
        "reserve_aligned len + align overflows",
        kind(aligned(big + p, big)),
        Err(ErrorKind::Overflow)
    );
    // SAFETY: every case is refused by the checks before any system call.
    let at = |a: usize, len: usize| unsafe { Reservation::reserve_at(a as *mut u8, len) }.map(drop);
    check_eq!(
        ctx,
        "reserve_at(unaligned addr)",
        kind(at(16 * p + 1, p)),
        Err(ErrorKind::Unaligned)
    );
    check_eq!(ctx, "reserve_at(unaligned len)", kind(at(16 * p, p + 1)), Err(ErrorKind::Unaligned));
    check_eq!(ctx, "reserve_at(len 0)", kind(at(16 * p, 0)), Err(ErrorKind::ZeroLength));
    check_eq!(
        ctx,
        "reserve_at addr + len overflows",
        kind(at(top, 2 * p)),
        Err(ErrorKind::Overflow)
    );

    let mut r = match Reservation::reserve(4 * p) {
        Ok(r) => r,
        Err(e) => return check!(ctx, "reserve for bad input", false, "{}", e),
    };
    let len = r.len();
    check_eq!(ctx, "commit of an empty range", kind(r.commit(p..p)), Err(ErrorKind::ZeroLength));
    #[allow(clippy::reversed_empty_ranges)]
    let reversed = 2 * p..p;
    check_eq!(
        ctx,
        "commit of a reversed range",
        kind(r.commit(reversed)),
        Err(ErrorKind::ZeroLength)
    );
    check_eq!(
        ctx,
        "commit at an unaligned offset",
        kind(r.commit(1..p)),
        Err(ErrorKind::Unaligned)
    );
    check_eq!(
        ctx,
        "commit of an unaligned length",
        kind(r.commit(0..p + 1)),
        Err(ErrorKind::Unaligned)
    );
    check_eq!(ctx, "commit past the end", kind(r.commit(0..len + p)), Err(ErrorKind::OutOfRange));
    check_eq!(
        ctx,
        "commit wholly outside",
        kind(r.commit(len..len + p)),
        Err(ErrorKind::OutOfRange)
    );
    check_eq!(
        ctx,
        "commit of ..=usize::MAX overflows",
        kind(r.commit(0..=usize::MAX)),
        Err(ErrorKind::Overflow)
    );
    check_eq!(
        ctx,
        "commit from after usize::MAX overflows",
        kind(r.commit((Bound::Excluded(usize::MAX), Bound::Unbounded))),
        Err(ErrorKind::Overflow)
    );
    check_eq!(
        ctx,
        "commit_populate unaligned",
        kind(r.commit_populate(p / 2..p)),
        Err(ErrorKind::Unaligned)
    );
    check_eq!(
        ctx,
        "decommit unaligned",
        kind(r.decommit(1..p, Decommit::Zero)),
        Err(ErrorKind::Unaligned)
    );
    check_eq!(
        ctx,
        "decommit(Uncharge) outside",
        kind(r.decommit(0..len + p, Decommit::Uncharge)),
        Err(ErrorKind::OutOfRange)
    );
    check_eq!(ctx, "fault of an empty range", kind(r.fault(0..0)), Err(ErrorKind::ZeroLength));
    check_eq!(
        ctx,
        "recommit outside",
        kind(r.recommit(len - p..len + p)),
        Err(ErrorKind::OutOfRange)
    );
    check_eq!(
        ctx,
        "protect RWX refused",
        kind(r.protect(0..p, Prot::READ | Prot::WRITE | Prot::EXEC)),
        Err(ErrorKind::ProtNotAllowed(Prot::READ | Prot::WRITE | Prot::EXEC))
    );
    check_eq!(
        ctx,
        "protect NONE refused",
        kind(r.protect(0..p, Prot::NONE)),
        Err(ErrorKind::ProtNotAllowed(Prot::NONE))
    );
    check_eq!(
        ctx,
        "protect WRITE-only refused",
        kind(r.protect(0..p, Prot::WRITE)),
        Err(ErrorKind::ProtNotAllowed(Prot::WRITE))
    );
    check_eq!(
        ctx,
        "protect unaligned",
        kind(r.protect(1..p, Prot::READ)),
        Err(ErrorKind::Unaligned)
    );
    // SAFETY: refused before any system call; nothing becomes executable.
    let rwx = unsafe { r.protect_rwx(0..p - 1) };
    check_eq!(ctx, "protect_rwx unaligned", kind(rwx), Err(ErrorKind::Unaligned));
    check_eq!(ctx, "guard unaligned", kind(r.guard(p / 2..p)), Err(ErrorKind::Unaligned));
    check_eq!(ctx, "unguard outside", kind(r.unguard(len..=len)), Err(ErrorKind::OutOfRange));
    check_eq!(
        ctx,
        "advise_huge unaligned",
        kind(r.advise_huge(0..1, true)),
        Err(ErrorKind::Unaligned)
    );
    check_eq!(ctx, "collapse outside", kind(r.collapse(..len + p)), Err(ErrorKind::OutOfRange));
    check_eq!(ctx, "release of a middle part", kind(r.release(p..2 * p)), Err(ErrorKind::Hole));
    check_eq!(ctx, "release of everything", kind(r.release(..)), Err(ErrorKind::ReleaseAll));
    check_eq!(ctx, "release unaligned", kind(r.release(0..1)), Err(ErrorKind::Unaligned));
    check_eq!(ctx, "split_off(0)", kind(r.split_off(0).map(drop)), Err(ErrorKind::OutOfRange));
    check_eq!(ctx, "split_off(len)", kind(r.split_off(len).map(drop)), Err(ErrorKind::OutOfRange));
    check_eq!(
        ctx,
        "split_off unaligned",
        kind(r.split_off(p + 1).map(drop)),
        Err(ErrorKind::Unaligned)
    );
    if !mem::guard_supported() {
        check_eq!(
            ctx,
            "set_fault_path(Guard) unsupported",
            kind(r.set_fault_path(FaultPath::Guard)),
            Err(ErrorKind::Unsupported("MADV_GUARD_INSTALL"))
        );
    }
    let base = r.as_ptr() as usize;
    check!(
        ctx,
        "bad input changed nothing",
        r.len() == len && range_has_perms(base, len, b"---"),
        "{:?}",
        perms_at(base)
    );

    let k = ErrorKind::Kernel { call: "mprotect", errno: Errno::ENOMEM };
    check_eq!(
        ctx,
        "ErrorKind::errno",
        (k.errno(), ErrorKind::Hole.errno()),
        (Some(Errno::ENOMEM), None)
    );
    check!(ctx, "ErrorKind displays call and errno", display_is(&k, "mprotect: ENOMEM"));
    check!(
        ctx,
        "ErrorKind displays unsupported",
        display_is(&ErrorKind::Unsupported("mseal"), "mseal is not supported by this kernel")
    );
    // An error names the operation and the range as asked.
    let e = r.commit(p..len + p).unwrap_err();
    check_eq!(
        ctx,
        "Error: op, addr, len, kind",
        (e.op(), e.addr(), e.len(), e.kind(), e.errno()),
        ("commit", base + p, len, ErrorKind::OutOfRange, None)
    );
    check!(
        ctx,
        "Error displays op, length, address and kind",
        fmt_eq(
            format_args!("{e}"),
            format_args!(
                "commit of {len:#x} bytes at {:#x}: range is not inside the reservation",
                base + p
            )
        ),
        "{}",
        e
    );
    check_eq!(ctx, "Error == ErrorKind", e == ErrorKind::OutOfRange, true);
    let e = r.release(..).unwrap_err();
    check_eq!(
        ctx,
        "release(..): its own kind",
        (e.op(), e.kind()),
        ("release", ErrorKind::ReleaseAll)
    );
}

fn display_is(e: &dyn core::fmt::Display, want: &str) -> bool {
    struct Cmp<'a>(&'a [u8], bool);
    impl core::fmt::Write for Cmp<'_> {
        fn write_str(&mut self, s: &str) -> core::fmt::Result {
            self.1 &= self.0.starts_with(s.as_bytes());
            self.0 = self.0.get(s.len()..).unwrap_or(&[]);
            Ok(())
        }
    }
    let mut c = Cmp(want.as_bytes(), true);
    let _ = core::fmt::write(&mut c, format_args!("{e}"));
    c.1 && c.0.is_empty()
}

/// Reserved -> Ready -> read-only -> Ready -> Prepared (Zero, Lazy) -> Reserved
/// (Uncharge) -> Ready, with contents and maps checked at each step.
fn lifecycle(ctx: &mut Ctx, t: &T) {
    let p = t.page;
    let r = match Reservation::reserve(4 * p) {
        Ok(r) => r,
        Err(e) => return check!(ctx, "reserve", false, "{}", e),
    };
    let a = r.as_ptr() as usize;
    check!(ctx, "reserve: maps shows ---", range_has_perms(a, 4 * p, b"---"), "{:?}", perms_at(a));
    check!(ctx, "reserve: the kernel cannot read it", t.none_readable(a, 4 * p));
    check!(ctx, "reserve: access dies with SIGSEGV", access_faults(a + p, false));
    check_eq!(ctx, "reserve: default fault path", r.fault_path(), mem::default_fault_path());

    check_eq!(ctx, "commit", r.commit(0..2 * p), Ok(()));
    check!(ctx, "commit: maps shows rw-", range_has_perms(a, 2 * p, b"rw-"), "{:?}", perms_at(a));
    check!(
        ctx,
        "commit: the rest stays ---",
        range_has_perms(a + 2 * p, 2 * p, b"---"),
        "{:?}",
        perms_at(a + 2 * p)
    );
    if !t.usable(a, 2 * p) {
        return check!(ctx, "commit: usable", false);
    }
    check!(ctx, "commit: fresh memory reads zero", zero(a, 2 * p));
    fill(a, 2 * p, 3);
    check!(ctx, "commit: holds what was written", holds(a, 2 * p, 3));

    check_eq!(ctx, "protect READ", r.protect(0..2 * p, Prot::READ), Ok(()));
    check!(
        ctx,
        "protect READ: maps shows r--",
        range_has_perms(a, 2 * p, b"r--"),
        "{:?}",
        perms_at(a)
    );
    check!(ctx, "protect READ: contents kept", t.readable(a) && holds(a, 2 * p, 3));
    check!(ctx, "protect READ: a write dies with SIGSEGV", access_faults(a, true));
    check_eq!(ctx, "protect READ|EXEC", r.protect(0..p, Prot::READ | Prot::EXEC), Ok(()));
    check!(
        ctx,
        "protect READ|EXEC: maps shows r-x",
        range_has_perms(a, p, b"r-x"),
        "{:?}",
        perms_at(a)
    );
    check!(ctx, "protect READ|EXEC: contents kept", holds(a, 2 * p, 3));
    // SAFETY: nothing is written to or run from the range while it is RWX.
    match unsafe { r.protect_rwx(0..p) } {
        Ok(()) => check!(
            ctx,
            "protect_rwx: maps shows rwx",
            range_has_perms(a, p, b"rwx"),
            "{:?}",
            perms_at(a)
        ),
        Err(e) => ctx.note(format_args!("protect_rwx refused here ({e}): W^X policy")),
    }
    check_eq!(ctx, "commit after protect", r.commit(0..2 * p), Ok(()));
    check!(
        ctx,
        "commit after protect: maps shows rw-",
        range_has_perms(a, 2 * p, b"rw-"),
        "{:?}",
        perms_at(a)
    );
    if !t.usable(a, 2 * p) {
        return check!(ctx, "commit after protect: usable", false);
    }
    check!(ctx, "contents kept across protect and commit", holds(a, 2 * p, 3));

    check_eq!(ctx, "decommit Zero", r.decommit(0..2 * p, Decommit::Zero), Ok(()));
    check!(ctx, "decommit Zero: still rw- (Prepared)", t.usable(a, 2 * p), "{:?}", perms_at(a));
    check_zero(ctx, t, "decommit Zero: reads zero", a, 2 * p, true);

    fill(a, 2 * p, 5);
    check_eq!(ctx, "decommit Lazy", r.decommit(0..2 * p, Decommit::Lazy), Ok(()));
    check!(ctx, "decommit Lazy: still rw-", t.usable(a, 2 * p), "{:?}", perms_at(a));
    let old_or_zero = (0..2 * p).all(|i| {
        // SAFETY: checked usable just above.
        let v = unsafe { (a as *const u8).add(i).read_volatile() };
        v == 0 || v == pattern(i, 5)
    });
    check!(ctx, "decommit Lazy: each byte reads as before or zero", old_or_zero);
    fill(a, 2 * p, 6);
    check!(ctx, "decommit Lazy: writable again", holds(a, 2 * p, 6));

    check_eq!(ctx, "decommit Uncharge", r.decommit(0..2 * p, Decommit::Uncharge), Ok(()));
    check!(
        ctx,
        "decommit Uncharge: maps shows --- (Reserved)",
        range_has_perms(a, 2 * p, b"---"),
        "{:?}",
        perms_at(a)
    );
    check!(ctx, "decommit Uncharge: the kernel cannot read it", t.none_readable(a, 2 * p));
    check_eq!(ctx, "commit after Uncharge", r.commit(..2 * p), Ok(()));
    if !t.usable(a, 2 * p) {
        return check!(ctx, "commit after Uncharge: usable", false, "{:?}", perms_at(a));
    }
    check!(ctx, "commit after Uncharge: reads zero", zero(a, 2 * p));

    match r.commit_populate(2 * p..) {
        Ok(how) => {
            if how == Populate::OnFirstTouch {
                ctx.note(format_args!(
                    "commit_populate: no MADV_POPULATE_WRITE here, pages come on first touch"
                ));
            }
            check!(
                ctx,
                "commit_populate: usable and zero",
                t.usable(a + 2 * p, 2 * p) && zero(a + 2 * p, 2 * p)
            );
        }
        Err(e) => check!(ctx, "commit_populate", false, "{}", e),
    }
    drop(r);
    check!(
        ctx,
        "drop unmaps the reservation",
        perms_at(a).is_none() && perms_at(a + 3 * p).is_none(),
        "{:?}",
        perms_at(a)
    );
}

/// One fault path: fault the middle of a committed range, check that it faults and that
/// its neighbours are untouched, recommit, check zero; then fault + commit.
fn fault_path(ctx: &mut Ctx, t: &T, path: FaultPath) {
    let p = t.page;
    let mut r = match Reservation::reserve(4 * p) {
        Ok(r) => r,
        Err(e) => return check!(ctx, "reserve", false, "{}", e),
    };
    if path == FaultPath::Guard && !mem::guard_supported() {
        check_eq!(
            ctx,
            "Guard path unsupported here",
            kind(r.set_fault_path(path)),
            Err(ErrorKind::Unsupported("MADV_GUARD_INSTALL"))
        );
        check_eq!(
            ctx,
            "default path without guard regions is Protect",
            mem::default_fault_path(),
            FaultPath::Protect
        );
        ctx.note(format_args!(
            "guard regions unsupported (QEMU user mode or Linux < 6.13): fault path Guard NOT run"
        ));
        return;
    }
    check_eq!(ctx, "set_fault_path", r.set_fault_path(path), Ok(()));
    check_eq!(ctx, "fault_path reports it", r.fault_path(), path);
    let a = r.as_ptr() as usize;
    let (mid, mid_len) = (a + p, 2 * p);
    if r.commit(..) != Ok(()) || !t.usable(a, 4 * p) {
        return check!(ctx, "commit before fault", false, "{:?}", perms_at(a));
    }
    fill(a, 4 * p, 9);
    check_eq!(ctx, "fault", r.fault(p..3 * p), Ok(()));
    let want: &[u8; 3] = if path == FaultPath::Guard { b"rw-" } else { b"---" };
    check!(
        ctx,
        "fault: maps shows --- (rw- for Guard)",
        range_has_perms(mid, mid_len, want),
        "maps {:?} for {:?}",
        perms_at(mid),
        path
    );
    check!(ctx, "fault: the kernel cannot read it", t.none_readable(mid, mid_len), "{:?}", path);
    check!(
        ctx,
        "fault: a read dies with SIGSEGV",
        access_faults(mid + p, false),
        "read of faulted page, {:?}",
        path
    );
    if path == FaultPath::Guard {
        check!(ctx, "fault guard: a write dies with SIGSEGV", access_faults(mid, true));
    }
    let intact = t.usable(a, p)
        && t.usable(a + 3 * p, p)
        && holds_at(a, 0, p, 9)
        && holds_at(a, 3 * p, p, 9);
    check!(ctx, "fault: neighbours intact", intact, "{:?}", path);

    check_eq!(ctx, "recommit", r.recommit(p..3 * p), Ok(()));
    check!(
        ctx,
        "recommit: maps shows rw-",
        range_has_perms(mid, mid_len, b"rw-"),
        "{:?} {:?}",
        perms_at(mid),
        path
    );
    if !t.usable(mid, mid_len) {
        return check!(ctx, "recommit: usable", false, "{:?}", path);
    }
    check_zero(ctx, t, "recommit: reads zero", mid, mid_len, path == FaultPath::Protect);
    fill(mid, mid_len, 11);
    check!(ctx, "recommit: writable", holds(mid, mid_len, 11));

    // fault, then the generic commit (which must undo any path).
    check_eq!(ctx, "fault again", r.fault(p..3 * p), Ok(()));
    check!(ctx, "fault again: kernel cannot read", t.none_readable(mid, mid_len), "{:?}", path);
    check_eq!(ctx, "commit after fault", r.commit(p..3 * p), Ok(()));
    if !t.usable(mid, mid_len) {
        return check!(ctx, "commit after fault: usable", false, "{:?} {:?}", perms_at(mid), path);
    }
    check_zero(ctx, t, "fault + commit: reads zero", mid, mid_len, path == FaultPath::Protect);

    // fault, then Uncharge (a fresh mapping: guard markers go too), then commit.
    check_eq!(
        ctx,
        "fault, decommit Uncharge",
        r.fault(..p).and_then(|()| r.decommit(..p, Decommit::Uncharge)),
        Ok(())
    );
    check!(ctx, "decommit Uncharge after fault: ---", range_has_perms(a, p, b"---"));
    check!(
        ctx,
        "commit after fault + Uncharge: usable, zero",
        r.commit(..p).is_ok() && t.usable(a, p) && zero(a, p)
    );
}

/// `guard`/`unguard`: guard markers where supported, else the mprotect fallback.
fn guards(ctx: &mut Ctx, t: &T) {
    let p = t.page;
    let r = match Reservation::reserve(3 * p) {
        Ok(r) => r,
        Err(e) => return check!(ctx, "reserve", false, "{}", e),
    };
    let a = r.as_ptr() as usize;
    if r.commit(..) != Ok(()) || !t.usable(a, 3 * p) {
        return check!(ctx, "commit before guard", false);
    }
    fill(a, 3 * p, 13);
    let supported = mem::guard_supported();
    check_eq!(ctx, "guard", r.guard(p..2 * p), Ok(()));
    if supported {
        check!(
            ctx,
            "guard: markers leave maps rw-",
            range_has_perms(a + p, p, b"rw-"),
            "{:?}",
            perms_at(a + p)
        );
    } else {
        check!(
            ctx,
            "guard fallback: maps shows --- (mprotect)",
            range_has_perms(a + p, p, b"---"),
            "{:?}",
            perms_at(a + p)
        );
        ctx.note(format_args!(
            "guard regions unsupported: guard() checked on its mprotect(PROT_NONE) fallback"
        ));
    }
    check!(ctx, "guard: the kernel cannot read it", !t.readable(a + p));
    check!(ctx, "guard: a read dies with SIGSEGV", access_faults(a + p, false));
    check!(ctx, "guard: a write dies with SIGSEGV", access_faults(a + p + p / 2, true));
    check!(ctx, "guard: neighbours intact", holds_at(a, 0, p, 13) && holds_at(a, 2 * p, p, 13));
    check_eq!(ctx, "unguard", r.unguard(p..2 * p), Ok(()));
    if !t.usable(a + p, p) {
        return check!(ctx, "unguard: usable", false, "{:?}", perms_at(a + p));
    }
    check_zero(ctx, t, "unguard: reads zero", a + p, p, !supported);

    // Guarding never-committed memory, then unguard: Ready on every kernel.
    check_eq!(
        ctx,
        "guard of Reserved memory",
        r.decommit(.., Decommit::Uncharge).and_then(|()| r.guard(..p)),
        Ok(())
    );
    check!(ctx, "guard of Reserved memory: cannot read", !t.readable(a));
    check!(
        ctx,
        "unguard of it: usable, zero",
        r.unguard(..p).is_ok() && t.usable(a, p) && zero(a, p),
        "{:?}",
        perms_at(a)
    );
}

/// reserve_aligned and reserve_at.
fn placement(ctx: &mut Ctx, t: &T) {
    let p = t.page;
    let align = 16 * p;
    match Reservation::reserve_aligned(2 * p, align) {
        Ok(r) => {
            let a = r.as_ptr() as usize;
            check!(
                ctx,
                "reserve_aligned: aligned",
                a.is_multiple_of(align),
                "{:#x} % {:#x}",
                a,
                align
            );
            check_eq!(ctx, "reserve_aligned: length", r.len(), 2 * p);
            check!(
                ctx,
                "reserve_aligned: maps shows ---",
                range_has_perms(a, 2 * p, b"---"),
                "{:?}",
                perms_at(a)
            );
            check!(
                ctx,
                "reserve_aligned: usable after commit",
                r.commit(..).is_ok() && t.usable(a, 2 * p)
            );
            drop(r);
            check!(
                ctx,
                "reserve_aligned: drop unmaps it",
                perms_at(a).is_none() && perms_at(a + p).is_none()
            );
        }
        Err(e) => check!(ctx, "reserve_aligned", false, "{}", e),
    }
    check!(ctx, "reserve_aligned(align = page)", Reservation::reserve_aligned(p, p).is_ok());

    // A hole made by dropping a reservation, then reserve_at into it.
    let hole = match Reservation::reserve(2 * p) {
        Ok(r) => r.as_ptr() as usize,
        Err(e) => return check!(ctx, "reserve", false, "{}", e),
    };
    // SAFETY: the hole was this test's own reservation a moment ago: nothing else expects
    // to use that address space (another thread mapping there gives EEXIST, below).
    match unsafe { Reservation::reserve_at(hole as *mut u8, 2 * p) } {
        Ok(r) => {
            check_eq!(ctx, "reserve_at: exactly there", r.as_ptr() as usize, hole);
            check!(ctx, "reserve_at: maps shows ---", range_has_perms(hole, 2 * p, b"---"));
            check!(
                ctx,
                "reserve_at: usable after commit",
                r.commit(..).is_ok() && t.usable(hole, 2 * p)
            );
            fill(hole, 2 * p, 17);
            // SAFETY: both overlap the live reservation `r`: MAP_FIXED_NOREPLACE refuses
            // them (EEXIST), or a pre-4.17 kernel places them elsewhere (undone at once).
            let again = kind(unsafe { Reservation::reserve_at(hole as *mut u8, 2 * p) }.map(drop));
            // SAFETY: as above.
            let overlap =
                kind(unsafe { Reservation::reserve_at((hole + p) as *mut u8, 2 * p) }.map(drop));
            let eexist = Err(ErrorKind::Kernel { call: "mmap", errno: Errno::EEXIST });
            match again {
                Err(ErrorKind::Misplaced { .. }) => ctx.note(format_args!(
                    "MAP_FIXED_NOREPLACE is a hint here (Linux < 4.17): Misplaced"
                )),
                _ => {
                    check_eq!(ctx, "reserve_at over a reservation: EEXIST", again, eexist);
                    check_eq!(ctx, "reserve_at overlapping a reservation: EEXIST", overlap, eexist);
                }
            }
            check!(
                ctx,
                "reserve_at refused: the reservation is intact",
                t.usable(hole, 2 * p) && holds(hole, 2 * p, 17)
            );
        }
        Err(e) if e.errno() == Some(Errno::EEXIST) => ctx.note(format_args!(
            "reserve_at: the hole was taken meanwhile (another thread): not checked"
        )),
        Err(e) => check!(ctx, "reserve_at into a hole", false, "{}", e),
    }
}

/// split_off and release.
fn split_release(ctx: &mut Ctx, t: &T) {
    let p = t.page;
    let mut r = match Reservation::reserve(4 * p) {
        Ok(r) => r,
        Err(e) => return check!(ctx, "reserve", false, "{}", e),
    };
    let a = r.as_ptr() as usize;
    if r.commit(..) != Ok(()) || !t.usable(a, 4 * p) {
        return check!(ctx, "commit before split", false);
    }
    fill(a, 4 * p, 19);
    let mut tail = match r.split_off(2 * p) {
        Ok(tail) => tail,
        Err(e) => return check!(ctx, "split_off", false, "{}", e),
    };
    check!(
        ctx,
        "split_off: the parts",
        r.len() == 2 * p && tail.as_ptr() as usize == a + 2 * p && tail.len() == 2 * p
    );
    check_eq!(ctx, "split_off: same fault path", tail.fault_path(), r.fault_path());
    check!(ctx, "split_off: both parts intact", t.usable(a, 4 * p) && holds(a, 4 * p, 19));

    check_eq!(ctx, "release a prefix", r.release(..p), Ok(()));
    check!(
        ctx,
        "release a prefix: shrinks from the front",
        r.as_ptr() as usize == a + p && r.len() == p
    );
    check!(
        ctx,
        "release a prefix: unmapped",
        !t.readable(a) && perms_at(a).is_none(),
        "{:?}",
        perms_at(a)
    );
    check!(ctx, "release a prefix: the rest intact", t.usable(a + p, p) && holds_at(a, p, p, 19));
    check_eq!(ctx, "release a suffix", tail.release(p..), Ok(()));
    check!(
        ctx,
        "release a suffix: shrinks",
        tail.as_ptr() as usize == a + 2 * p && tail.len() == p
    );
    check!(
        ctx,
        "release a suffix: unmapped",
        perms_at(a + 3 * p).is_none(),
        "{:?}",
        perms_at(a + 3 * p)
    );
    check_eq!(
        ctx,
        "release of what is left: ReleaseAll",
        kind(r.release(..)),
        Err(ErrorKind::ReleaseAll)
    );
    drop(tail);
    check!(
        ctx,
        "drop of the split-off part unmaps only it",
        perms_at(a + 2 * p).is_none() && t.usable(a + p, p)
    );
}

/// Huge-page advice, collapse and seal: optional kernel features, reported where absent.
fn extras(ctx: &mut Ctx, t: &T) {
    let p = t.page;
    let r = match Reservation::reserve(2 * p) {
        Ok(r) => r,
        Err(e) => return check!(ctx, "reserve", false, "{}", e),
    };
    let a = r.as_ptr() as usize;
    if r.commit(..) != Ok(()) || !t.usable(a, 2 * p) {
        return check!(ctx, "commit before extras", false);
    }
    fill(a, 2 * p, 23);
    for (name, res) in [
        ("advise_huge(true)", r.advise_huge(.., true)),
        ("advise_huge(false)", r.advise_huge(.., false)),
    ] {
        match res {
            Ok(()) => check!(ctx, name, true),
            Err(e) if e.errno() == Some(Errno::EINVAL) => {
                ctx.note(format_args!("{name}: EINVAL (no THP here)"))
            }
            Err(e) => check!(ctx, name, false, "{}", e),
        }
    }
    match r.collapse(..) {
        Ok(()) => check!(ctx, "collapse", true),
        Err(e) if matches!(e.errno(), Some(Errno::EINVAL | Errno::EAGAIN | Errno::ENOMEM)) => {
            ctx.note(format_args!("collapse: {e} (no THP, Linux < 6.1, or too small)"))
        }
        Err(e) => check!(ctx, "collapse", false, "{}", e),
    }
    check!(ctx, "advice and collapse keep contents", t.usable(a, 2 * p) && holds(a, 2 * p, 23));
}

/// `protect(READ)` and `protect(READ | EXEC)` after `fault` (each path) and after
/// `guard`: exactly the asked protection, readable by this process and the kernel,
/// reading zero, on every kernel (guard markers are removed, not left trapping).
fn protect_after_discard(ctx: &mut Ctx, t: &T) {
    let p = t.page;
    for (how, prot, perms) in [
        ("fault(Remap)", Prot::READ, b"r--"),
        ("fault(Protect)", Prot::READ | Prot::EXEC, b"r-x"),
        ("fault(Guard)", Prot::READ, b"r--"),
        ("fault(Guard)", Prot::READ | Prot::EXEC, b"r-x"),
        ("guard", Prot::READ, b"r--"),
        ("guard", Prot::READ | Prot::EXEC, b"r-x"),
    ] {
        let mut r = match Reservation::reserve(2 * p) {
            Ok(r) => r,
            Err(e) => return check!(ctx, "reserve", false, "{}", e),
        };
        let a = r.as_ptr() as usize;
        let path = match how {
            "fault(Remap)" => FaultPath::Remap,
            "fault(Protect)" => FaultPath::Protect,
            _ => FaultPath::Guard,
        };
        if path == FaultPath::Guard && r.set_fault_path(path).is_err() {
            ctx.note(format_args!("protect after {how}: no guard regions here, not checked"));
            continue;
        }
        if r.commit(..) != Ok(()) || !t.usable(a, 2 * p) {
            return check!(ctx, "commit before protect", false);
        }
        fill(a, 2 * p, 31);
        let discarded = if how == "guard" { r.guard(..p) } else { r.fault(..p) };
        check!(ctx, "discard before protect", discarded.is_ok(), "{:?}", discarded);
        check!(ctx, "discarded: inaccessible to the kernel", !t.readable(a));
        let got = r.protect(.., prot);
        check!(ctx, "protect after a discard", got.is_ok(), "{} {:?}: {:?}", how, prot, got);
        check!(
            ctx,
            "protect after a discard: the asked permissions in maps",
            range_has_perms(a, 2 * p, perms),
            "{} {:?}: {:?}",
            how,
            prot,
            perms_at(a)
        );
        let readable = t.readable(a) && t.readable(a + p);
        check!(ctx, "protect after a discard: every page readable", readable, "{}", how);
        if readable {
            check_zero(
                ctx,
                t,
                "protect after a discard: the discarded page reads zero",
                a,
                p,
                path != FaultPath::Guard,
            );
            check!(
                ctx,
                "protect after a discard: the other page keeps its contents",
                holds_at(a, p, p, 31)
            );
            check!(ctx, "protect after a discard: writing faults", access_faults(a, true));
        }
    }
}

/// A sealed reservation: what the kernel refuses (raw calls, on the kernel's own
/// answer), and that every `Reservation` call that would change a protection, replace,
/// unmap, discard or guard pages is refused up front with `ErrorKind::Sealed`, changing
/// nothing: maps, contents and trapping pages stay as they were when sealed.
fn sealed(ctx: &mut Ctx, t: &T) {
    let p = t.page;
    let mut s = match Reservation::reserve(4 * p) {
        Ok(s) => s,
        Err(e) => return check!(ctx, "reserve", false, "{}", e),
    };
    let b = s.as_ptr() as usize;
    // Pages: 0 and 1 rw- with contents, 2 r-- with contents, 3 Reserved (---).
    if s.commit(..3 * p) != Ok(()) || !t.usable(b, 3 * p) {
        return check!(ctx, "commit before seal", false);
    }
    fill(b, 3 * p, 41);
    let _ = s.protect(2 * p..3 * p, Prot::READ);
    match s.seal() {
        Ok(()) => {}
        Err(e) if e == ErrorKind::Unsupported("mseal") => {
            check!(ctx, "seal unsupported: not sealed", !s.is_sealed());
            ctx.note(format_args!("mseal unsupported here (ENOSYS): seal reported Unsupported"));
            return;
        }
        Err(e) => return check!(ctx, "seal", false, "{}", e),
    }
    check!(ctx, "seal: is_sealed", s.is_sealed());
    let va = |i: usize| (b + i * p) as *mut c_void;

    // What the kernel refuses (Linux 6.10+), each answered EPERM and changing nothing.
    // SAFETY (all raw calls below): on pages of the sealed reservation, which the kernel
    // refuses (checked) or, for the one discard of a read-write page, only zeroes it.
    unsafe {
        check_eq!(
            ctx,
            "kernel: mprotect of a sealed page, even to its own protection",
            baresys::mprotect(va(0), p, Prot::READ | Prot::WRITE),
            Err(Errno::EPERM)
        );
        check_eq!(
            ctx,
            "kernel: munmap of a sealed page",
            baresys::munmap(va(3), p),
            Err(Errno::EPERM)
        );
        let fixed =
            baresys::MapFlags::PRIVATE | baresys::MapFlags::ANONYMOUS | baresys::MapFlags::FIXED;
        check_eq!(
            ctx,
            "kernel: mmap(FIXED) over a sealed page",
            baresys::mmap(va(3), p, Prot::NONE, fixed, None, 0).map(drop),
            Err(Errno::EPERM)
        );
        check_eq!(
            ctx,
            "kernel: mremap of a sealed page",
            baresys::mremap(va(0), p, 2 * p, baresys::MremapFlags::MAYMOVE, core::ptr::null_mut())
                .map(drop),
            Err(Errno::EPERM)
        );
        check_eq!(
            ctx,
            "kernel: MADV_DONTNEED of a read-only sealed page",
            baresys::madvise(va(2), p, baresys::Advice::DONTNEED),
            Err(Errno::EPERM)
        );
        check!(ctx, "kernel: ... its contents stay", holds_at(b, 2 * p, p, 41));
        check_eq!(
            ctx,
            "kernel: MADV_DONTNEED of a read-only sealed page",
            baresys::madvise(va(2), p, baresys::Advice::DONTNEED),
            Err(Errno::EPERM)
        );
        if mem::guard_supported() {
            check_eq!(
                ctx,
                "kernel: MADV_GUARD_INSTALL on a read-only sealed page",
                baresys::madvise(va(2), p, baresys::Advice::GUARD_INSTALL),
                Err(Errno::EPERM)
            );
            // A range over a writable and a read-only page fails half way: markers on the
            // writable one. This is why the library refuses up front.
            check_eq!(
                ctx,
                "kernel: MADV_GUARD_INSTALL over rw- and r--",
                baresys::madvise(va(1), 2 * p, baresys::Advice::GUARD_INSTALL),
                Err(Errno::EPERM)
            );
            check!(ctx, "kernel: ... the rw- page got markers all the same", !t.readable(b + p));
            check_eq!(
                ctx,
                "kernel: MADV_GUARD_REMOVE on a sealed page",
                baresys::madvise(va(1), p, baresys::Advice::GUARD_REMOVE),
                Ok(())
            );
            check!(ctx, "kernel: ... readable again, zero", t.readable(b + p) && zero(b + p, p));
        } else {
            ctx.note(format_args!("sealed: no guard regions here, marker answers not checked"));
        }
    }
    // Page 1 was zeroed above where markers exist; refill for the checks below.
    fill(b, 2 * p, 41);

    // The library: every call that would change the pages is refused before any
    // system call, with its own kind.
    let sealed = Err(ErrorKind::Sealed);
    check_eq!(ctx, "sealed: commit refused", kind(s.commit(..p)), sealed);
    check_eq!(
        ctx,
        "sealed: commit_populate refused",
        kind(s.commit_populate(..p)).map(drop),
        sealed
    );
    check_eq!(ctx, "sealed: mprotect refused", kind(s.protect(.., Prot::READ)), sealed);
    check_eq!(
        ctx,
        "sealed: protect(RW) refused",
        kind(s.protect(..p, Prot::READ | Prot::WRITE)),
        sealed
    );
    // SAFETY: refused before anything changes (checked).
    let rwx = unsafe { s.protect_rwx(..p) };
    check_eq!(ctx, "sealed: protect_rwx refused", kind(rwx), sealed);
    check_eq!(ctx, "sealed: Uncharge refused", kind(s.decommit(.., Decommit::Uncharge)), sealed);
    check_eq!(ctx, "sealed: decommit(Zero) refused", kind(s.decommit(..p, Decommit::Zero)), sealed);
    check_eq!(ctx, "sealed: decommit(Lazy) refused", kind(s.decommit(..p, Decommit::Lazy)), sealed);
    check_eq!(ctx, "sealed: fault refused", kind(s.fault(..p)), sealed);
    check_eq!(ctx, "sealed: recommit refused", kind(s.recommit(..p)), sealed);
    check_eq!(ctx, "sealed: guard refused", kind(s.guard(..2 * p)), sealed);
    check_eq!(ctx, "sealed: unguard refused", kind(s.unguard(..p)), sealed);
    check_eq!(ctx, "sealed: release refused", kind(s.release(3 * p..)), sealed);
    // Bad input is still reported as such, before the seal.
    check_eq!(
        ctx,
        "sealed: a bad range is still a bad range",
        kind(s.fault(..1)),
        Err(ErrorKind::Unaligned)
    );
    check!(
        ctx,
        "sealed: refused calls changed no permission",
        range_has_perms(b, 2 * p, b"rw-")
            && range_has_perms(b + 2 * p, p, b"r--")
            && range_has_perms(b + 3 * p, p, b"---"),
        "{:?}",
        perms_at(b)
    );
    check!(
        ctx,
        "sealed: refused calls kept the contents",
        t.usable(b, 2 * p) && holds(b, 2 * p, 41) && holds_at(b, 2 * p, p, 41)
    );
    match s.advise_huge(.., false) {
        Ok(()) => check!(ctx, "sealed: advise_huge still works", true),
        Err(e) if e.errno() == Some(Errno::EINVAL) => {
            ctx.note(format_args!("sealed: advise_huge: EINVAL (no THP here)"))
        }
        Err(e) => check!(ctx, "sealed: advise_huge", false, "{}", e),
    }
    let tail = s.split_off(2 * p);
    check!(ctx, "sealed: split_off keeps the seal", matches!(&tail, Ok(t) if t.is_sealed()));
    drop(tail);
    drop(s);
    check!(
        ctx,
        "sealed: drop leaves it mapped",
        range_has_perms(b, 2 * p, b"rw-") && range_has_perms(b + 2 * p, p, b"r--"),
        "{:?}",
        perms_at(b)
    );
    check!(ctx, "sealed: ... with its contents", holds(b, 2 * p, 41));
}
