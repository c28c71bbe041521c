//! Issue 5, system call failure injection: every public `mem` operation driven through
//! each system call it issues failing, on the host (x86_64), one forked child per case:
//! a seccomp filter (installed with raw `prctl` + `seccomp`, `SECCOMP_RET_ERRNO`,
//! matching the call and, for madvise, the advice) makes the chosen calls fail, and
//! filters cannot be removed.
//!
//! Each child sets up a reservation of 8 pages: 0..4 Ready with a per-page pattern,
//! 4..6 Reserved, 6..8 faulted with the case's fault path. It installs the filter, runs
//! the operation on one of the three parts and checks the result against the table,
//! then the part's true state in the kernel: permissions in /proc/self/maps, whether
//! the kernel can read each page (a `write(2)` from it into a pipe), and the contents.
//! "Same" means every one of those is as before: the error changed nothing.

// The seccomp filters check for the x86_64 ABI (the host of ci/test.sh).
#![cfg(target_arch = "x86_64")]

#[allow(unused)]
mod checks;
#[allow(unused)]
mod support;

use baresys::mem::{self, Decommit, Error, ErrorKind, FaultPath, Populate, Reservation};
use baresys::{nr, Advice, Errno, Prot};
use checks::Ctx;
use support::{child, install_filter, kernel_can_read, perms_at, Rule, Snapshot};

#[derive(Clone, Copy, Debug)]
enum Op {
    Commit,
    CommitPopulate,
    Decommit(Decommit),
    Fault,
    Recommit,
    Protect(Prot),
    ProtectRwx,
    Guard,
    Unguard,
    AdviseHuge,
    Collapse,
    Seal,
    Release,
    Drop,
    Reserve,
    ReserveAligned,
    ReserveAt,
    SplitOff,
}

/// The part of the 8-page reservation the operation works on.
#[derive(Clone, Copy, Debug, PartialEq)]
enum On {
    /// Pages 0..4: committed, holding a pattern.
    Ready,
    /// Pages 4..6: never committed (decommitted with Uncharge).
    Reserved,
    /// Pages 6..8: committed, written, then faulted with the case's path.
    Faulted,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Want {
    Ok,
    Populate(Populate),
    Err(&'static str, Errno),
    Unsupported(&'static str),
}

/// What the kernel must show for the part afterwards.
#[derive(Clone, Copy, Debug)]
enum After {
    /// Exactly as before: permissions, access and contents.
    Same,
    /// These permissions in maps; with `None` the kernel cannot read the pages, with
    /// `Zero` it can and they read zero.
    Is(&'static [u8; 3], Access),
    /// A new mapping stays behind (the failing call is the one that would remove it).
    Leaked,
    /// /proc/self/maps unchanged byte for byte (the reserve calls).
    MapsSame,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Access {
    None,
    Zero,
}

struct Case {
    name: &'static str,
    op: Op,
    on: On,
    path: FaultPath,
    /// Kernel without guard regions: MADV_GUARD_INSTALL answers EINVAL before the
    /// probe, so `guard` takes its mprotect fallback.
    no_guard: bool,
    fail: &'static [Rule],
    want: Want,
    after: After,
}

const fn fail(nr: usize, e: Errno) -> Rule {
    Rule::errno(nr, e.raw() as u16)
}
const fn fail_advice(a: Advice, e: Errno) -> Rule {
    Rule::errno_if(nr::MADVISE, a.raw(), e.raw() as u16)
}

const MPROTECT: Rule = fail(nr::MPROTECT, Errno::ENOMEM);
const MMAP: Rule = fail(nr::MMAP, Errno::ENOMEM);
const MUNMAP: Rule = fail(nr::MUNMAP, Errno::ENOMEM);
const DONTNEED: Rule = fail_advice(Advice::DONTNEED, Errno::ENOMEM);
const GUARD_INSTALL: Rule = fail_advice(Advice::GUARD_INSTALL, Errno::ENOMEM);
const GUARD_REMOVE: Rule = fail_advice(Advice::GUARD_REMOVE, Errno::ENOMEM);
const RW: Prot = Prot::READ.union(Prot::WRITE);

const fn err(call: &'static str) -> Want {
    Want::Err(call, Errno::ENOMEM)
}

const GONE: After = After::Is(b"---", Access::None);

#[rustfmt::skip]
const CASES: &[Case] = &[
    // commit: mprotect(RW) [+ MADV_GUARD_REMOVE once markers were used]
    Case { name: "commit: mprotect fails", op: Op::Commit, on: On::Reserved, path: FaultPath::Protect, no_guard: false, fail: &[MPROTECT], want: err("mprotect"), after: After::Same },
    Case { name: "commit of guarded pages: mprotect fails", op: Op::Commit, on: On::Faulted, path: FaultPath::Guard, no_guard: false, fail: &[MPROTECT], want: err("mprotect"), after: After::Same },
    Case { name: "commit of guarded pages: GUARD_REMOVE fails (rw- but still trapping)", op: Op::Commit, on: On::Faulted, path: FaultPath::Guard, no_guard: false, fail: &[GUARD_REMOVE], want: err("madvise"), after: After::Is(b"rw-", Access::None) },
    Case { name: "commit of faulted pages: mprotect fails", op: Op::Commit, on: On::Faulted, path: FaultPath::Protect, no_guard: false, fail: &[MPROTECT], want: err("mprotect"), after: After::Same },
    // commit_populate: commit + MADV_POPULATE_WRITE
    Case { name: "commit_populate: mprotect fails", op: Op::CommitPopulate, on: On::Reserved, path: FaultPath::Protect, no_guard: false, fail: &[MPROTECT], want: err("mprotect"), after: After::Same },
    Case { name: "commit_populate: POPULATE_WRITE fails (committed, not prefaulted)", op: Op::CommitPopulate, on: On::Reserved, path: FaultPath::Protect, no_guard: false, fail: &[fail_advice(Advice::POPULATE_WRITE, Errno::ENOMEM)], want: err("madvise"), after: After::Is(b"rw-", Access::Zero) },
    Case { name: "commit_populate: POPULATE_WRITE unknown (EINVAL): on first touch", op: Op::CommitPopulate, on: On::Reserved, path: FaultPath::Protect, no_guard: false, fail: &[fail_advice(Advice::POPULATE_WRITE, Errno::EINVAL)], want: Want::Populate(Populate::OnFirstTouch), after: After::Is(b"rw-", Access::Zero) },
    // decommit: MADV_DONTNEED / MADV_FREE (+ DONTNEED on EINVAL) / mmap(FIXED, NONE)
    Case { name: "decommit(Zero): DONTNEED fails", op: Op::Decommit(Decommit::Zero), on: On::Ready, path: FaultPath::Protect, no_guard: false, fail: &[DONTNEED], want: err("madvise"), after: After::Same },
    Case { name: "decommit(Lazy): FREE fails", op: Op::Decommit(Decommit::Lazy), on: On::Ready, path: FaultPath::Protect, no_guard: false, fail: &[fail_advice(Advice::FREE, Errno::EAGAIN)], want: Want::Err("madvise", Errno::EAGAIN), after: After::Same },
    Case { name: "decommit(Lazy): FREE unknown (EINVAL), DONTNEED instead", op: Op::Decommit(Decommit::Lazy), on: On::Ready, path: FaultPath::Protect, no_guard: false, fail: &[fail_advice(Advice::FREE, Errno::EINVAL)], want: Want::Ok, after: After::Is(b"rw-", Access::Zero) },
    Case { name: "decommit(Lazy): FREE unknown and DONTNEED fails", op: Op::Decommit(Decommit::Lazy), on: On::Ready, path: FaultPath::Protect, no_guard: false, fail: &[fail_advice(Advice::FREE, Errno::EINVAL), DONTNEED], want: err("madvise"), after: After::Same },
    Case { name: "decommit(Uncharge): mmap fails", op: Op::Decommit(Decommit::Uncharge), on: On::Ready, path: FaultPath::Protect, no_guard: false, fail: &[MMAP], want: err("mmap"), after: After::Same },
    // fault, Protect: mprotect(NONE) + DONTNEED, else mmap(FIXED, NONE)
    Case { name: "fault (Protect): mprotect fails, mmap fallback", op: Op::Fault, on: On::Ready, path: FaultPath::Protect, no_guard: false, fail: &[MPROTECT], want: Want::Ok, after: GONE },
    Case { name: "fault (Protect): mprotect and mmap fail: nothing changed", op: Op::Fault, on: On::Ready, path: FaultPath::Protect, no_guard: false, fail: &[MPROTECT, MMAP], want: err("mmap"), after: After::Same },
    Case { name: "fault (Protect): DONTNEED fails, mmap fallback", op: Op::Fault, on: On::Ready, path: FaultPath::Protect, no_guard: false, fail: &[fail_advice(Advice::DONTNEED, Errno::EINVAL)], want: Want::Ok, after: GONE },
    Case { name: "fault (Protect): DONTNEED and mmap fail: inaccessible, not discarded", op: Op::Fault, on: On::Ready, path: FaultPath::Protect, no_guard: false, fail: &[DONTNEED, MMAP], want: err("madvise"), after: GONE },
    Case { name: "fault (Remap): mmap fails", op: Op::Fault, on: On::Ready, path: FaultPath::Remap, no_guard: false, fail: &[MMAP], want: err("mmap"), after: After::Same },
    Case { name: "fault (Guard): GUARD_INSTALL fails", op: Op::Fault, on: On::Ready, path: FaultPath::Guard, no_guard: false, fail: &[GUARD_INSTALL], want: err("madvise"), after: After::Same },
    // recommit: mprotect(RW) / mmap(FIXED, RW) / GUARD_REMOVE
    Case { name: "recommit (Protect): mprotect fails", op: Op::Recommit, on: On::Faulted, path: FaultPath::Protect, no_guard: false, fail: &[MPROTECT], want: err("mprotect"), after: After::Same },
    Case { name: "recommit (Remap): mmap fails", op: Op::Recommit, on: On::Faulted, path: FaultPath::Remap, no_guard: false, fail: &[MMAP], want: err("mmap"), after: After::Same },
    Case { name: "recommit (Guard): GUARD_REMOVE fails", op: Op::Recommit, on: On::Faulted, path: FaultPath::Guard, no_guard: false, fail: &[GUARD_REMOVE], want: err("madvise"), after: After::Same },
    // protect: mprotect (READ|WRITE: commit)
    Case { name: "protect(READ): mprotect fails", op: Op::Protect(Prot::READ), on: On::Ready, path: FaultPath::Protect, no_guard: false, fail: &[MPROTECT], want: err("mprotect"), after: After::Same },
    Case { name: "protect(READ|EXEC): mprotect fails", op: Op::Protect(Prot::READ.union(Prot::EXEC)), on: On::Ready, path: FaultPath::Protect, no_guard: false, fail: &[MPROTECT], want: err("mprotect"), after: After::Same },
    Case { name: "protect(READ|WRITE): mprotect fails", op: Op::Protect(RW), on: On::Faulted, path: FaultPath::Protect, no_guard: false, fail: &[MPROTECT], want: err("mprotect"), after: After::Same },
    Case { name: "protect(READ|WRITE) of guarded pages: GUARD_REMOVE fails", op: Op::Protect(RW), on: On::Faulted, path: FaultPath::Guard, no_guard: false, fail: &[GUARD_REMOVE], want: err("madvise"), after: After::Is(b"rw-", Access::None) },
    Case { name: "protect_rwx: mprotect fails", op: Op::ProtectRwx, on: On::Ready, path: FaultPath::Protect, no_guard: false, fail: &[MPROTECT], want: err("mprotect"), after: After::Same },
    // guard: GUARD_INSTALL where supported, else the Protect path
    Case { name: "guard: GUARD_INSTALL fails", op: Op::Guard, on: On::Ready, path: FaultPath::Protect, no_guard: false, fail: &[GUARD_INSTALL], want: err("madvise"), after: After::Same },
    Case { name: "guard without markers: mprotect fails, mmap fallback", op: Op::Guard, on: On::Ready, path: FaultPath::Protect, no_guard: true, fail: &[MPROTECT], want: Want::Ok, after: GONE },
    Case { name: "guard without markers: mprotect and mmap fail", op: Op::Guard, on: On::Ready, path: FaultPath::Protect, no_guard: true, fail: &[MPROTECT, MMAP], want: err("mmap"), after: After::Same },
    Case { name: "guard without markers: DONTNEED and mmap fail", op: Op::Guard, on: On::Ready, path: FaultPath::Protect, no_guard: true, fail: &[DONTNEED, MMAP], want: err("madvise"), after: GONE },
    // unguard: commit
    Case { name: "unguard: mprotect fails", op: Op::Unguard, on: On::Faulted, path: FaultPath::Guard, no_guard: false, fail: &[MPROTECT], want: err("mprotect"), after: After::Same },
    Case { name: "unguard: GUARD_REMOVE fails (rw- but still trapping)", op: Op::Unguard, on: On::Faulted, path: FaultPath::Guard, no_guard: false, fail: &[GUARD_REMOVE], want: err("madvise"), after: After::Is(b"rw-", Access::None) },
    Case { name: "unguard without markers: mprotect fails", op: Op::Unguard, on: On::Faulted, path: FaultPath::Protect, no_guard: true, fail: &[MPROTECT], want: err("mprotect"), after: After::Same },
    // advise_huge, collapse: madvise
    Case { name: "advise_huge: HUGEPAGE fails", op: Op::AdviseHuge, on: On::Ready, path: FaultPath::Protect, no_guard: false, fail: &[fail_advice(Advice::HUGEPAGE, Errno::EINVAL)], want: Want::Err("madvise", Errno::EINVAL), after: After::Same },
    Case { name: "collapse: COLLAPSE fails", op: Op::Collapse, on: On::Ready, path: FaultPath::Protect, no_guard: false, fail: &[fail_advice(Advice::COLLAPSE, Errno::EAGAIN)], want: Want::Err("madvise", Errno::EAGAIN), after: After::Same },
    // seal: mseal
    Case { name: "seal: mseal fails (EPERM)", op: Op::Seal, on: On::Ready, path: FaultPath::Protect, no_guard: false, fail: &[fail(nr::MSEAL, Errno::EPERM)], want: Want::Err("mseal", Errno::EPERM), after: After::Same },
    Case { name: "seal: no mseal (ENOSYS)", op: Op::Seal, on: On::Ready, path: FaultPath::Protect, no_guard: false, fail: &[fail(nr::MSEAL, Errno::ENOSYS)], want: Want::Unsupported("mseal"), after: After::Same },
    // release, drop: munmap
    Case { name: "release: munmap fails: reservation unchanged", op: Op::Release, on: On::Faulted, path: FaultPath::Protect, no_guard: false, fail: &[MUNMAP], want: err("munmap"), after: After::Same },
    Case { name: "drop: munmap fails: leaks (Drop cannot report)", op: Op::Drop, on: On::Ready, path: FaultPath::Protect, no_guard: false, fail: &[MUNMAP], want: Want::Ok, after: After::Leaked },
    // reserve*: mmap (+ munmap of the excess for reserve_aligned)
    Case { name: "reserve: mmap fails", op: Op::Reserve, on: On::Ready, path: FaultPath::Protect, no_guard: false, fail: &[MMAP], want: err("mmap"), after: After::MapsSame },
    Case { name: "reserve_aligned: mmap fails", op: Op::ReserveAligned, on: On::Ready, path: FaultPath::Protect, no_guard: false, fail: &[MMAP], want: err("mmap"), after: After::MapsSame },
    Case { name: "reserve_aligned: munmap of the excess fails: leaks it", op: Op::ReserveAligned, on: On::Ready, path: FaultPath::Protect, no_guard: false, fail: &[MUNMAP], want: err("munmap"), after: After::Leaked },
    Case { name: "reserve_at: mmap fails", op: Op::ReserveAt, on: On::Ready, path: FaultPath::Protect, no_guard: false, fail: &[MMAP], want: err("mmap"), after: After::MapsSame },
    // split_off: no system call at all
    Case { name: "split_off: issues no system call", op: Op::SplitOff, on: On::Reserved, path: FaultPath::Protect, no_guard: false, fail: &[Rule::trap(nr::MMAP), Rule::trap(nr::MUNMAP), Rule::trap(nr::MPROTECT), Rule::trap(nr::MADVISE), Rule::trap(nr::MREMAP), Rule::trap(nr::MSEAL)], want: Want::Ok, after: After::Same },
];

const PAGES: usize = 8;

/// What a page showed: permissions, whether the kernel could read it, and its first,
/// middle and last byte where it could.
#[derive(Clone, Copy, PartialEq, Debug)]
struct Seen {
    perms: Option<[u8; 4]>,
    readable: bool,
    bytes: [u8; 3],
}

fn seen(addr: usize, page: usize) -> Seen {
    let readable = kernel_can_read(addr);
    let mut bytes = [0; 3];
    if readable {
        for (b, o) in bytes.iter_mut().zip([0, page / 2, page - 1]) {
            // SAFETY: the kernel just read this page: it is mapped and readable.
            *b = unsafe { ((addr + o) as *const u8).read_volatile() };
        }
    }
    Seen { perms: perms_at(addr), readable, bytes }
}

fn pages_of(on: On) -> core::ops::Range<usize> {
    match on {
        On::Ready => 0..4,
        On::Reserved => 4..6,
        On::Faulted => 6..8,
    }
}

fn run_case(ctx: &mut Ctx, c: &Case, p: usize) {
    if c.no_guard {
        let r = install_filter(&[fail_advice(Advice::GUARD_INSTALL, Errno::EINVAL)]);
        check!(ctx, "filter: no guard regions", r.is_ok(), "{:?}", r);
        check!(ctx, "guard regions reported unsupported", !mem::guard_supported());
    } else if (c.path == FaultPath::Guard || matches!(c.op, Op::Guard)) && !mem::guard_supported() {
        ctx.note(format_args!("{}: no guard regions on this kernel, not run", c.name));
        return check!(ctx, "skipped", true);
    }
    if matches!(c.op, Op::Reserve | Op::ReserveAligned | Op::ReserveAt) {
        return run_reserve(ctx, c, p);
    }
    let mut r = match Reservation::reserve(PAGES * p) {
        Ok(r) => r,
        Err(e) => return check!(ctx, "reserve", false, "{}", e),
    };
    let a = r.as_ptr() as usize;
    let setup = r
        .set_fault_path(c.path)
        .and_then(|()| r.commit(..))
        .map(|()| support::fill(a, PAGES * p, p, 0x30))
        .and_then(|()| r.fault(6 * p..8 * p))
        .and_then(|()| r.decommit(4 * p..6 * p, Decommit::Uncharge));
    if setup.is_err() {
        return check!(ctx, "setup", false, "{:?}", setup);
    }
    let range = pages_of(c.on);
    let (lo, hi) = (range.start * p, range.end * p);
    let mut before = [Seen { perms: None, readable: false, bytes: [0; 3] }; PAGES];
    for (i, s) in before.iter_mut().enumerate() {
        *s = seen(a + i * p, p);
    }
    let f = install_filter(c.fail);
    check!(ctx, "filter installed", f.is_ok(), "{:?}", f);

    let got: Result<Option<Populate>, Error> = match c.op {
        Op::Commit => r.commit(lo..hi).map(|()| None),
        Op::CommitPopulate => r.commit_populate(lo..hi).map(Some),
        Op::Decommit(m) => r.decommit(lo..hi, m).map(|()| None),
        Op::Fault => r.fault(lo..hi).map(|()| None),
        Op::Recommit => r.recommit(lo..hi).map(|()| None),
        Op::Protect(prot) => r.protect(lo..hi, prot).map(|()| None),
        // SAFETY: nothing is written to or run from the range.
        Op::ProtectRwx => unsafe { r.protect_rwx(lo..hi) }.map(|()| None),
        Op::Guard => r.guard(lo..hi).map(|()| None),
        Op::Unguard => r.unguard(lo..hi).map(|()| None),
        Op::AdviseHuge => r.advise_huge(lo..hi, true).map(|()| None),
        Op::Collapse => r.collapse(lo..hi).map(|()| None),
        Op::Seal => r.seal().map(|()| None),
        Op::Release => r.release(lo..).map(|()| None),
        Op::SplitOff => r.split_off(lo).map(|tail| {
            core::mem::forget(tail);
            None
        }),
        Op::Drop => {
            drop(r);
            check!(ctx, "drop with munmap failing: the range stays mapped", perms_at(a).is_some());
            return;
        }
        Op::Reserve | Op::ReserveAligned | Op::ReserveAt => unreachable!(),
    };
    let want = match c.want {
        Want::Ok => Ok(None),
        Want::Populate(how) => Ok(Some(how)),
        Want::Err(call, errno) => Err(ErrorKind::Kernel { call, errno }),
        Want::Unsupported(what) => Err(ErrorKind::Unsupported(what)),
    };
    let ok = match (got, want) {
        (Ok(g), Ok(w)) => w.is_none() || g == w,
        (g, w) => g.map_err(|e| e.kind()) == w,
    };
    check!(ctx, "result", ok, "{}: got {:?}, want {:?}", c.name, got, want);
    if let Op::Seal = c.op {
        check!(ctx, "not sealed after a failed seal", !r.is_sealed());
    }
    if let Op::Release | Op::SplitOff = c.op {
        let len = if let Op::SplitOff = c.op { lo } else { PAGES * p };
        check!(
            ctx,
            "the reservation's range",
            r.as_ptr() as usize == a && r.len() == len,
            "{}: {:p} + {:#x}",
            c.name,
            r.as_ptr(),
            r.len()
        );
    }
    for (i, b) in before.iter().enumerate() {
        let now = seen(a + i * p, p);
        let in_range = range.contains(&i);
        let good = match c.after {
            After::Is(perms, access) if in_range => {
                now.perms.is_some_and(|q| &q[..3] == perms)
                    && now.readable == (access == Access::Zero)
                    && (access == Access::None || now.bytes == [0; 3])
            }
            _ => now == *b, // outside the range, or Same: as before
        };
        check!(
            ctx,
            "state",
            good,
            "{}: page {}: before {:?}, now {:?}, want {:?}",
            c.name,
            i,
            b,
            now,
            if in_range { c.after } else { After::Same }
        );
    }
    if let After::Is(_, Access::None) = c.after {
        // Really inaccessible: a read in a grandchild dies of SIGSEGV.
        let at = a + range.start * p;
        check!(
            ctx,
            "access dies with SIGSEGV",
            checks::util::access_faults(at, false),
            "{}",
            c.name
        );
    }
    // The filter may forbid munmap: leave the reservation to the child's exit.
    core::mem::forget(r);
}

fn run_reserve(ctx: &mut Ctx, c: &Case, p: usize) {
    // A hole for reserve_at: a reservation made and dropped again.
    let hole = match Reservation::reserve(4 * p) {
        Ok(r) => r.as_ptr() as usize,
        Err(e) => return check!(ctx, "reserve for a hole", false, "{}", e),
    };
    let before = Snapshot::take();
    let f = install_filter(c.fail);
    check!(ctx, "filter installed", f.is_ok(), "{:?}", f);
    let got = match c.op {
        Op::Reserve => Reservation::reserve(4 * p),
        Op::ReserveAligned => Reservation::reserve_aligned(4 * p, 64 * p),
        // SAFETY: the hole of a reservation this test made and dropped; nothing else in
        // this single-threaded child maps memory meanwhile.
        _ => unsafe { Reservation::reserve_at(hole as *mut u8, 4 * p) },
    };
    let want = match c.want {
        Want::Err(call, errno) => ErrorKind::Kernel { call, errno },
        _ => unreachable!(),
    };
    check!(
        ctx,
        "result",
        got.as_ref().err().map(Error::kind) == Some(want),
        "{}: {:?}",
        c.name,
        got
    );
    core::mem::forget(got);
    let same = Snapshot::take().same(&before);
    match c.after {
        After::MapsSame => check!(ctx, "maps unchanged", same, "{}", c.name),
        _ => check!(ctx, "the over-reservation stays mapped", !same, "{}", c.name),
    }
}

#[test]
fn every_operation_through_each_failing_call() {
    let p = mem::page_size();
    // No reservation and no probe in this process: each child finds guard support
    // for itself, so that a child can make it absent.
    let (mut checks, mut failed) = (0, Vec::new());
    for c in CASES {
        let out = child("inject", |ctx| {
            out!("inject: {}\n", c.name);
            run_case(ctx, c, p);
        });
        checks += out.passed;
        if out.failed != 0 || out.status.exit_code() != Some(0) {
            failed.push(format!("{}: {} failed, {:?}", c.name, out.failed, out.status));
        }
    }
    eprintln!("inject: {} cases, {} checks passed", CASES.len(), checks);
    assert!(failed.is_empty(), "failed cases:\n{}", failed.join("\n"));
}
