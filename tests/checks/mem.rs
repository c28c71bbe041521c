//! Issue 3 and 4: `baresys::mem`, each call checked against the kernel's view: the
//! permissions in /proc/self/maps, the contents, whether the kernel itself can read a
//! page (a `write(2)` from it into a pipe: EFAULT when it cannot, no fork needed), and
//! SIGSEGV in a child for faulted and guarded pages. Small reservations, few forks.

use super::util::{access_faults, dontneed_zeroes, perms_at, range_has_perms};
use super::Ctx;
use crate::{check, check_eq};
use baresys::mem::{self, Decommit, Error, FaultPath, Populate, Reservation};
use baresys::{nr, Errno, OFlags, Prot};
use core::ops::Bound;

/// What every group needs: the page size, a pipe for kernel-read probes, and whether
/// MADV_DONTNEED really zeroes here (QEMU before 7.1 ignored it).
struct T {
    page: usize,
    pipe: [i32; 2],
    dontneed_zeroes: bool,
}

impl T {
    /// Whether the kernel can read the byte at `addr` (copies one byte through the pipe).
    /// The raw call: a slice over a page that may be inaccessible would claim it readable.
    fn readable(&self, addr: usize) -> bool {
        // SAFETY: the kernel reads at most one byte at `addr` and answers EFAULT if it
        // cannot; nothing in this process touches it.
        let r = unsafe { baresys::syscall3(nr::WRITE, self.pipe[1] as usize, addr, 1) };
        if r == Ok(1) {
            let mut b = [0u8; 1];
            let _ = baresys::read(self.pipe[0], &mut b);
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

    // SAFETY: both ends were made above and are used by nothing else.
    unsafe {
        let _ = baresys::close(pipe[0]);
        let _ = baresys::close(pipe[1]);
    }
}

/// Every bad input returns its own error (not the kernel's EINVAL: it was never asked)
/// and changes nothing.
fn bad_input(ctx: &mut Ctx, t: &T) {
    let p = t.page;
    let big = 1usize << (usize::BITS - 1);
    let top = usize::MAX & !(p - 1);
    let reserve = |len: usize| Reservation::reserve(len).map(drop);
    let aligned = |len: usize, align: usize| Reservation::reserve_aligned(len, align).map(drop);
    check_eq!(ctx, "reserve(0)", reserve(0), Err(Error::ZeroLength));
    check_eq!(ctx, "reserve(unaligned)", reserve(p + 1), Err(Error::Unaligned));
    check_eq!(ctx, "reserve_aligned(0, page)", aligned(0, p), Err(Error::ZeroLength));
    check_eq!(ctx, "reserve_aligned align 0", aligned(p, 0), Err(Error::BadAlign));
    check_eq!(ctx, "reserve_aligned align 3 pages", aligned(p, 3 * p), Err(Error::BadAlign));
    check_eq!(ctx, "reserve_aligned align half a page", aligned(p, p / 2), Err(Error::BadAlign));
    check_eq!(
        ctx,
        "reserve_aligned len + align overflows",
        aligned(big + p, big),
        Err(Error::Overflow)
    );
    let at = |a: usize, len: usize| Reservation::reserve_at(a as *mut u8, len).map(drop);
    check_eq!(ctx, "reserve_at(unaligned addr)", at(16 * p + 1, p), Err(Error::Unaligned));
    check_eq!(ctx, "reserve_at(unaligned len)", at(16 * p, p + 1), Err(Error::Unaligned));
    check_eq!(ctx, "reserve_at(len 0)", at(16 * p, 0), Err(Error::ZeroLength));
    check_eq!(ctx, "reserve_at addr + len overflows", at(top, 2 * p), Err(Error::Overflow));

    let mut r = match Reservation::reserve(4 * p) {
        Ok(r) => r,
        Err(e) => return check!(ctx, "reserve for bad input", false, "{}", e),
    };
    let len = r.len();
    check_eq!(ctx, "commit of an empty range", r.commit(p..p), Err(Error::ZeroLength));
    #[allow(clippy::reversed_empty_ranges)]
    let reversed = 2 * p..p;
    check_eq!(ctx, "commit of a reversed range", r.commit(reversed), Err(Error::ZeroLength));
    check_eq!(ctx, "commit at an unaligned offset", r.commit(1..p), Err(Error::Unaligned));
    check_eq!(ctx, "commit of an unaligned length", r.commit(0..p + 1), Err(Error::Unaligned));
    check_eq!(ctx, "commit past the end", r.commit(0..len + p), Err(Error::OutOfRange));
    check_eq!(ctx, "commit wholly outside", r.commit(len..len + p), Err(Error::OutOfRange));
    check_eq!(
        ctx,
        "commit of ..=usize::MAX overflows",
        r.commit(0..=usize::MAX),
        Err(Error::Overflow)
    );
    check_eq!(
        ctx,
        "commit from after usize::MAX overflows",
        r.commit((Bound::Excluded(usize::MAX), Bound::Unbounded)),
        Err(Error::Overflow)
    );
    check_eq!(ctx, "commit_populate unaligned", r.commit_populate(p / 2..p), Err(Error::Unaligned));
    check_eq!(ctx, "decommit unaligned", r.decommit(1..p, Decommit::Zero), Err(Error::Unaligned));
    check_eq!(
        ctx,
        "decommit(Uncharge) outside",
        r.decommit(0..len + p, Decommit::Uncharge),
        Err(Error::OutOfRange)
    );
    check_eq!(ctx, "fault of an empty range", r.fault(0..0), Err(Error::ZeroLength));
    check_eq!(ctx, "recommit outside", r.recommit(len - p..len + p), Err(Error::OutOfRange));
    check_eq!(
        ctx,
        "protect RWX refused",
        r.protect(0..p, Prot::READ | Prot::WRITE | Prot::EXEC),
        Err(Error::ProtNotAllowed(Prot::READ | Prot::WRITE | Prot::EXEC))
    );
    check_eq!(
        ctx,
        "protect NONE refused",
        r.protect(0..p, Prot::NONE),
        Err(Error::ProtNotAllowed(Prot::NONE))
    );
    check_eq!(
        ctx,
        "protect WRITE-only refused",
        r.protect(0..p, Prot::WRITE),
        Err(Error::ProtNotAllowed(Prot::WRITE))
    );
    check_eq!(ctx, "protect unaligned", r.protect(1..p, Prot::READ), Err(Error::Unaligned));
    // SAFETY: refused before any system call; nothing becomes executable.
    let rwx = unsafe { r.protect_rwx(0..p - 1) };
    check_eq!(ctx, "protect_rwx unaligned", rwx, Err(Error::Unaligned));
    check_eq!(ctx, "guard unaligned", r.guard(p / 2..p), Err(Error::Unaligned));
    check_eq!(ctx, "unguard outside", r.unguard(len..=len), Err(Error::OutOfRange));
    check_eq!(ctx, "advise_huge unaligned", r.advise_huge(0..1, true), Err(Error::Unaligned));
    check_eq!(ctx, "collapse outside", r.collapse(..len + p), Err(Error::OutOfRange));
    check_eq!(ctx, "release of a middle part", r.release(p..2 * p), Err(Error::Hole));
    check_eq!(ctx, "release of everything", r.release(..), Err(Error::Hole));
    check_eq!(ctx, "release unaligned", r.release(0..1), Err(Error::Unaligned));
    check_eq!(ctx, "split_off(0)", r.split_off(0).map(drop), Err(Error::OutOfRange));
    check_eq!(ctx, "split_off(len)", r.split_off(len).map(drop), Err(Error::OutOfRange));
    check_eq!(ctx, "split_off unaligned", r.split_off(p + 1).map(drop), Err(Error::Unaligned));
    if !mem::guard_supported() {
        check_eq!(
            ctx,
            "set_fault_path(Guard) unsupported",
            r.set_fault_path(FaultPath::Guard),
            Err(Error::Unsupported("MADV_GUARD_INSTALL"))
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

    let e = Error::Kernel { call: "mprotect", errno: Errno::ENOMEM };
    check_eq!(ctx, "Error::errno", (e.errno(), Error::Hole.errno()), (Some(Errno::ENOMEM), None));
    check!(ctx, "Error displays call and errno", display_is(&e, "mprotect: ENOMEM"));
    check!(
        ctx,
        "Error displays unsupported",
        display_is(&Error::Unsupported("mseal"), "mseal is not supported by this kernel")
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
            r.set_fault_path(path),
            Err(Error::Unsupported("MADV_GUARD_INSTALL"))
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
    match Reservation::reserve_at(hole as *mut u8, 2 * p) {
        Ok(r) => {
            check_eq!(ctx, "reserve_at: exactly there", r.as_ptr() as usize, hole);
            check!(ctx, "reserve_at: maps shows ---", range_has_perms(hole, 2 * p, b"---"));
            check!(
                ctx,
                "reserve_at: usable after commit",
                r.commit(..).is_ok() && t.usable(hole, 2 * p)
            );
            fill(hole, 2 * p, 17);
            let again = Reservation::reserve_at(hole as *mut u8, 2 * p).map(drop);
            let overlap = Reservation::reserve_at((hole + p) as *mut u8, 2 * p).map(drop);
            let eexist = Err(Error::Kernel { call: "mmap", errno: Errno::EEXIST });
            match again {
                Err(Error::Misplaced { .. }) => ctx.note(format_args!(
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
        Err(Error::Kernel { errno: Errno::EEXIST, .. }) => ctx.note(format_args!(
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
    check_eq!(ctx, "release of what is left: Hole", r.release(..), Err(Error::Hole));
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

    let mut s = match Reservation::reserve(p) {
        Ok(s) => s,
        Err(e) => return check!(ctx, "reserve", false, "{}", e),
    };
    let b = s.as_ptr() as usize;
    let _ = s.commit(..);
    match s.seal() {
        Ok(()) => {
            check!(ctx, "seal: is_sealed", s.is_sealed());
            check_eq!(
                ctx,
                "sealed: mprotect refused",
                s.protect(.., Prot::READ),
                Err(Error::Kernel { call: "mprotect", errno: Errno::EPERM })
            );
            check_eq!(
                ctx,
                "sealed: Uncharge refused",
                s.decommit(.., Decommit::Uncharge),
                Err(Error::Kernel { call: "mmap", errno: Errno::EPERM })
            );
            drop(s);
            check!(
                ctx,
                "sealed: drop leaves it mapped",
                range_has_perms(b, p, b"rw-"),
                "{:?}",
                perms_at(b)
            );
        }
        Err(Error::Unsupported("mseal")) => {
            check!(ctx, "seal unsupported: not sealed", !s.is_sealed());
            ctx.note(format_args!("mseal unsupported here (ENOSYS): seal reported Unsupported"));
        }
        Err(e) => check!(ctx, "seal", false, "{}", e),
    }
}
