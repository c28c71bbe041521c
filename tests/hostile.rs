//! Issue 5, hostile input: every public `mem` operation fed offsets, lengths and
//! alignments at the edges (0, 1, page-1, usize::MAX, sums that overflow, unaligned
//! values, ranges straddling the reservation's end or wrapping past its start, aligns
//! that are not powers of two or above any address space). Each must return its typed
//! error, none may panic, and none may reach the kernel: the table runs in a forked
//! child under a seccomp filter that answers every memory system call (mmap, munmap,
//! mprotect, pkey_mprotect, madvise, mremap, mseal) with SIGSYS, which kills the child,
//! so a single call that gets through fails the test (the child reports the case it
//! was at through a pipe).
//!
//! The typed wrappers (`baresys::mmap`, ...) pass bad input to the kernel by design:
//! for each edge case the wrapper must return `Err(errno)`, the same answer as the raw
//! system call with the same arguments, and never panic.

// The seccomp filters check for the x86_64 ABI (the host of ci/test.sh).
#![cfg(target_arch = "x86_64")]

#[allow(unused)]
mod checks;
#[allow(unused)]
mod support;

use baresys::fd::{BorrowedFd, FromRawFd, IntoRawFd, OwnedFd};
use baresys::mem::{self, Decommit, Error, ErrorKind, Reservation};
use baresys::{nr, Advice, Errno, MapFlags, MremapFlags, OFlags, Prot, Rlimit};
use checks::util::kind;
use checks::Ctx;
use core::ops::Bound::{self, Excluded, Included, Unbounded};
use support::{child, install_filter, Rule};

type R = (Bound<usize>, Bound<usize>);

/// The ranges that no ranged operation may accept, with the error each must give, for
/// a reservation of `len` bytes.
fn bad_ranges(p: usize, len: usize) -> Vec<(&'static str, R, ErrorKind)> {
    let max = usize::MAX;
    vec![
        ("empty 0..0", (Included(0), Excluded(0)), ErrorKind::ZeroLength),
        ("empty p..p", (Included(p), Excluded(p)), ErrorKind::ZeroLength),
        ("reversed 2p..p", (Included(2 * p), Excluded(p)), ErrorKind::ZeroLength),
        ("reversed inclusive p..=0", (Included(p), Included(0)), ErrorKind::ZeroLength),
        ("0..1", (Included(0), Excluded(1)), ErrorKind::Unaligned),
        ("1..p", (Included(1), Excluded(p)), ErrorKind::Unaligned),
        ("0..p-1", (Included(0), Excluded(p - 1)), ErrorKind::Unaligned),
        ("p-1..p", (Included(p - 1), Excluded(p)), ErrorKind::Unaligned),
        ("0..=p (end p+1)", (Included(0), Included(p)), ErrorKind::Unaligned),
        ("excluded start 0 (start 1)", (Excluded(0), Unbounded), ErrorKind::Unaligned),
        ("1..", (Included(1), Unbounded), ErrorKind::Unaligned),
        ("..1", (Unbounded, Excluded(1)), ErrorKind::Unaligned),
        ("straddling the end", (Included(len - p), Excluded(len + p)), ErrorKind::OutOfRange),
        ("0..len+p", (Included(0), Excluded(len + p)), ErrorKind::OutOfRange),
        ("0..len+1", (Included(0), Excluded(len + 1)), ErrorKind::OutOfRange),
        ("0..=len", (Included(0), Included(len)), ErrorKind::OutOfRange),
        ("wholly after", (Included(len), Excluded(len + p)), ErrorKind::OutOfRange),
        ("..usize::MAX", (Unbounded, Excluded(max)), ErrorKind::OutOfRange),
        (
            "page-aligned end near usize::MAX",
            (Included(0), Excluded(max & !(p - 1))),
            ErrorKind::OutOfRange,
        ),
        ("max-p+1..max", (Included(max - p + 1), Excluded(max)), ErrorKind::OutOfRange),
        ("..=usize::MAX overflows", (Unbounded, Included(max)), ErrorKind::Overflow),
        ("p..=usize::MAX overflows", (Included(p), Included(max)), ErrorKind::Overflow),
        ("after usize::MAX overflows", (Excluded(max), Unbounded), ErrorKind::Overflow),
        ("excluded usize::MAX .. usize::MAX", (Excluded(max), Excluded(max)), ErrorKind::Overflow),
        ("usize::MAX..usize::MAX", (Included(max), Excluded(max)), ErrorKind::ZeroLength),
        ("wrapping past the start", (Included(max - p + 1), Excluded(p)), ErrorKind::ZeroLength),
        ("start beyond the end", (Included(max & !(p - 1)), Unbounded), ErrorKind::ZeroLength),
        ("len.. (empty tail)", (Included(len), Unbounded), ErrorKind::ZeroLength),
    ]
}

/// Every ranged operation, by name.
type RangedOp = fn(&mut Reservation, R) -> Result<(), Error>;

fn ranged_ops() -> Vec<(&'static str, RangedOp)> {
    vec![
        ("commit", |r, x| r.commit(x)),
        ("commit_populate", |r, x| r.commit_populate(x).map(drop)),
        ("decommit(Zero)", |r, x| r.decommit(x, Decommit::Zero)),
        ("decommit(Lazy)", |r, x| r.decommit(x, Decommit::Lazy)),
        ("decommit(Uncharge)", |r, x| r.decommit(x, Decommit::Uncharge)),
        ("fault", |r, x| r.fault(x)),
        ("recommit", |r, x| r.recommit(x)),
        ("protect(READ)", |r, x| r.protect(x, Prot::READ)),
        ("protect(READ|EXEC)", |r, x| r.protect(x, Prot::READ | Prot::EXEC)),
        ("protect(READ|WRITE)", |r, x| r.protect(x, Prot::READ | Prot::WRITE)),
        ("protect(NONE)", |r, x| r.protect(x, Prot::NONE)),
        // SAFETY: refused before any system call; nothing becomes executable.
        ("protect_rwx", |r, x| unsafe { r.protect_rwx(x) }),
        ("guard", |r, x| r.guard(x)),
        ("unguard", |r, x| r.unguard(x)),
        ("advise_huge(true)", |r, x| r.advise_huge(x, true)),
        ("advise_huge(false)", |r, x| r.advise_huge(x, false)),
        ("collapse", |r, x| r.collapse(x)),
        ("release", |r, x| r.release(x)),
    ]
}

/// The calls that change memory: any of them in the table kills the child.
const TRAPS: &[Rule] = &[
    Rule::trap(nr::MMAP),
    Rule::trap(nr::MUNMAP),
    Rule::trap(nr::MPROTECT),
    Rule::trap(nr::PKEY_MPROTECT),
    Rule::trap(nr::MADVISE),
    Rule::trap(nr::MREMAP),
    Rule::trap(nr::MSEAL),
];

/// Runs the whole table in one child; returns (cases, checks).
fn mem_table(p: usize) -> (usize, u32) {
    let ops = ranged_ops();
    let (prog_r, prog_w) = baresys::pipe2(OFlags::CLOEXEC).expect("pipe2");
    // Everything that allocates is built here, before the fork.
    let len = 4 * p;
    let ranges = bad_ranges(p, len);
    let top = 1usize << (usize::BITS - 1);
    let max = usize::MAX;
    let page_top = max & !(p - 1);
    let bad_prots = [
        Prot::NONE,
        Prot::WRITE,
        Prot::EXEC,
        Prot::WRITE | Prot::EXEC,
        Prot::READ | Prot::WRITE | Prot::EXEC,
        Prot::from_bits_retain(0x8),
        Prot::from_bits_retain(0x0100_0000), // PROT_GROWSDOWN
        Prot::from_bits_retain(u32::MAX as _),
    ];
    let reserve_lens: [(usize, ErrorKind); 6] = [
        (0, ErrorKind::ZeroLength),
        (1, ErrorKind::Unaligned),
        (p - 1, ErrorKind::Unaligned),
        (p + 1, ErrorKind::Unaligned),
        (max, ErrorKind::Unaligned),
        (page_top, ErrorKind::Overflow),
    ];
    let aligned: [(usize, usize, ErrorKind); 13] = [
        (0, p, ErrorKind::ZeroLength),
        (1, p, ErrorKind::Unaligned),
        (max, p, ErrorKind::Unaligned),
        (p, 0, ErrorKind::BadAlign),
        (p, 1, ErrorKind::BadAlign),
        (p, p / 2, ErrorKind::BadAlign),
        (p, p - 1, ErrorKind::BadAlign),
        (p, p + 1, ErrorKind::BadAlign),
        (p, 3 * p, ErrorKind::BadAlign),
        (p, max, ErrorKind::BadAlign),
        (p, top, ErrorKind::Overflow), // align above any address space
        (top + p, top, ErrorKind::Overflow), // len + align overflows
        (page_top, 2 * p, ErrorKind::Overflow), // len above isize::MAX
    ];
    let at: [(usize, usize, ErrorKind); 7] = [
        (0x1000_0000 + 1, p, ErrorKind::Unaligned),
        (0x1000_0000, 0, ErrorKind::ZeroLength),
        (0x1000_0000, p - 1, ErrorKind::Unaligned),
        (0x1000_0000, max, ErrorKind::Unaligned),
        (page_top, p, ErrorKind::Overflow),
        (page_top - p, 2 * p, ErrorKind::Overflow),
        (0x1000_0000, page_top, ErrorKind::Overflow),
    ];
    let splits = [0, 1, p - 1, p + 1, len, len + p, max];
    let total = ops.len() * ranges.len()
        + bad_prots.len()
        + 2
        + reserve_lens.len()
        + aligned.len()
        + at.len()
        + splits.len()
        + 1;

    let out = child("hostile", |ctx: &mut Ctx| {
        let mut r = match Reservation::reserve(len) {
            Ok(r) => r,
            Err(e) => return check!(ctx, "reserve", false, "{}", e),
        };
        let base = r.as_ptr() as usize;
        let _ = r.commit(..p);
        let f = install_filter(TRAPS);
        check!(ctx, "seccomp filter", f.is_ok(), "{:?}", f);
        let mut case = 0u32;
        let mut next = || {
            case += 1;
            let _ = baresys::write(&prog_w, &case.to_ne_bytes());
        };
        for &(opname, op) in &ops {
            for &(rname, range, want) in &ranges {
                next();
                let got = kind(op(&mut r, range));
                // protect(NONE) refuses the prot only once the range is good: a bad
                // range is reported first, whatever the op.
                check!(
                    ctx,
                    opname,
                    got == Err(want),
                    "{} {}: {:?}, want {:?}",
                    opname,
                    rname,
                    got,
                    want
                );
            }
        }
        for prot in bad_prots {
            next();
            let got = kind(r.protect(p..2 * p, prot));
            check!(
                ctx,
                "protect",
                got == Err(ErrorKind::ProtNotAllowed(prot)),
                "{:?}: {:?}",
                prot,
                got
            );
        }
        for (what, range, want) in [
            ("middle", (Included(p), Excluded(2 * p)), ErrorKind::Hole),
            ("all", (Unbounded, Unbounded), ErrorKind::ReleaseAll),
        ] {
            next();
            let got = kind(r.release(range));
            check!(ctx, "release", got == Err(want), "{}: {:?}", what, got);
        }
        for (l, want) in reserve_lens {
            next();
            let got = kind(Reservation::reserve(l).map(drop));
            check!(ctx, "reserve", got == Err(want), "len {:#x}: {:?}", l, got);
        }
        for (l, a, want) in aligned {
            next();
            let got = kind(Reservation::reserve_aligned(l, a).map(drop));
            check!(
                ctx,
                "reserve_aligned",
                got == Err(want),
                "len {:#x} align {:#x}: {:?}",
                l,
                a,
                got
            );
        }
        for (addr, l, want) in at {
            next();
            // SAFETY: every case is refused by the checks before any system call (and
            // the seccomp filter would kill the child if one were made).
            let got = kind(unsafe { Reservation::reserve_at(addr as *mut u8, l) }.map(drop));
            check!(ctx, "reserve_at", got == Err(want), "{:#x} len {:#x}: {:?}", addr, l, got);
        }
        for s in splits {
            next();
            let want =
                if s == 0 || s >= len { ErrorKind::OutOfRange } else { ErrorKind::Unaligned };
            let got = kind(r.split_off(s).map(drop));
            check!(ctx, "split_off", got == Err(want), "at {:#x}: {:?}", s, got);
        }
        next();
        check!(
            ctx,
            "nothing changed",
            r.as_ptr() as usize == base && r.len() == len,
            "{:p} + {:#x}",
            r.as_ptr(),
            r.len()
        );
        // Dropping would munmap (and trap): the child's exit releases it.
        core::mem::forget(r);
    });
    let mut last = 0u32;
    let mut word = [0u8; 4];
    // The child has exited: with our write end closed, the read stops at the end.
    drop(prog_w);
    while baresys::read(&prog_r, &mut word) == Ok(4) {
        last = u32::from_ne_bytes(word);
    }
    drop(prog_r);
    assert_eq!(
        out.status.signal(),
        None,
        "the child died (SIGSYS = a memory system call reached the kernel) at case {last} of {total}"
    );
    out.assert_ok("hostile mem table");
    assert_eq!(last as usize, total, "every case ran");
    (total, out.passed)
}

#[test]
fn mem_operations_refuse_bad_input_without_a_system_call() {
    let p = mem::page_size();
    let _ = mem::default_fault_path();
    let (cases, checks) = mem_table(p);
    eprintln!("hostile mem: {cases} cases, {checks} checks, no system call reached the kernel");
}

/// A wrapper call with edge input and the same call made raw: both answers.
type Pair = fn(usize) -> (Result<usize, Errno>, Result<usize, Errno>);

fn wrapper_cases() -> Vec<(&'static str, Pair)> {
    use baresys::{syscall2, syscall3, syscall4, syscall5, syscall6};
    // SAFETY (all below): every call gets input the kernel refuses before it changes
    // anything (unaligned, overflowing, unmapped or unknown values), in a child.
    vec![
        ("mmap len 0", |_| unsafe {
            let f = MapFlags::PRIVATE | MapFlags::ANONYMOUS;
            (
                baresys::mmap(core::ptr::null_mut(), 0, Prot::READ, f, None, 0).map(|a| a as usize),
                syscall6(nr::MMAP, 0, 0, 1, f.bits() as usize, usize::MAX, 0),
            )
        }),
        ("mmap len usize::MAX", |_| unsafe {
            let f = MapFlags::PRIVATE | MapFlags::ANONYMOUS;
            (
                baresys::mmap(core::ptr::null_mut(), usize::MAX, Prot::READ, f, None, 0)
                    .map(|a| a as usize),
                syscall6(nr::MMAP, 0, usize::MAX, 1, f.bits() as usize, usize::MAX, 0),
            )
        }),
        ("mmap FIXED unaligned", |_| unsafe {
            let f = MapFlags::PRIVATE | MapFlags::ANONYMOUS | MapFlags::FIXED;
            (
                baresys::mmap(0x1000_0001 as *mut _, 1, Prot::READ, f, None, 0).map(|a| a as usize),
                syscall6(nr::MMAP, 0x1000_0001, 1, 1, f.bits() as usize, usize::MAX, 0),
            )
        }),
        ("mmap FIXED range overflowing", |p| unsafe {
            let f = MapFlags::PRIVATE | MapFlags::ANONYMOUS | MapFlags::FIXED;
            let a = usize::MAX & !(p - 1);
            (
                baresys::mmap(a as *mut _, 2 * p, Prot::READ, f, None, 0).map(|a| a as usize),
                syscall6(nr::MMAP, a, 2 * p, 1, f.bits() as usize, usize::MAX, 0),
            )
        }),
        ("mmap neither PRIVATE nor SHARED", |p| unsafe {
            let f = MapFlags::ANONYMOUS;
            (
                baresys::mmap(core::ptr::null_mut(), p, Prot::READ, f, None, 0).map(|a| a as usize),
                syscall6(nr::MMAP, 0, p, 1, f.bits() as usize, usize::MAX, 0),
            )
        }),
        ("mmap bad fd", |p| unsafe {
            let f = MapFlags::PRIVATE;
            let bad = BorrowedFd::borrow_raw(i32::MAX); // not open: EBADF
            (
                baresys::mmap(core::ptr::null_mut(), p, Prot::READ, f, Some(bad), 0)
                    .map(|a| a as usize),
                syscall6(nr::MMAP, 0, p, 1, f.bits() as usize, i32::MAX as usize, 0),
            )
        }),
        ("mmap unaligned offset", |p| unsafe {
            let f = MapFlags::PRIVATE;
            let stdin = baresys::fd::stdin();
            (
                baresys::mmap(core::ptr::null_mut(), p, Prot::READ, f, Some(stdin), 1)
                    .map(|a| a as usize),
                syscall6(nr::MMAP, 0, p, 1, f.bits() as usize, 0, 1),
            )
        }),
        ("munmap len 0", |_| unsafe {
            (
                baresys::munmap(0x1000_0000 as *mut _, 0).map(|()| 0),
                syscall2(nr::MUNMAP, 0x1000_0000, 0),
            )
        }),
        ("munmap unaligned", |p| unsafe {
            (
                baresys::munmap(std::ptr::without_provenance_mut(1), p).map(|()| 0),
                syscall2(nr::MUNMAP, 1, p),
            )
        }),
        ("munmap overflowing", |p| unsafe {
            let a = usize::MAX & !(p - 1);
            (baresys::munmap(a as *mut _, 2 * p).map(|()| 0), syscall2(nr::MUNMAP, a, 2 * p))
        }),
        ("munmap len usize::MAX", |_| unsafe {
            (
                baresys::munmap(0x1000_0000 as *mut _, usize::MAX).map(|()| 0),
                syscall2(nr::MUNMAP, 0x1000_0000, usize::MAX),
            )
        }),
        ("mprotect unaligned", |p| unsafe {
            (
                baresys::mprotect(std::ptr::without_provenance_mut(1), p, Prot::READ).map(|()| 0),
                syscall3(nr::MPROTECT, 1, p, 1),
            )
        }),
        ("mprotect unmapped page", |p| unsafe {
            (
                baresys::mprotect(p as *mut _, p, Prot::READ).map(|()| 0),
                syscall3(nr::MPROTECT, p, p, 1),
            )
        }),
        ("mprotect len usize::MAX", |_| unsafe {
            (
                baresys::mprotect(core::ptr::null_mut(), usize::MAX, Prot::READ).map(|()| 0),
                syscall3(nr::MPROTECT, 0, usize::MAX, 1),
            )
        }),
        ("mprotect overflowing", |p| unsafe {
            let a = usize::MAX & !(p - 1);
            (
                baresys::mprotect(a as *mut _, 2 * p, Prot::READ).map(|()| 0),
                syscall3(nr::MPROTECT, a, 2 * p, 1),
            )
        }),
        ("mprotect unknown prot bits", |p| unsafe {
            let prot = Prot::from_bits_retain(0xf0);
            (
                baresys::mprotect(p as *mut _, p, prot).map(|()| 0),
                syscall3(nr::MPROTECT, p, p, 0xf0),
            )
        }),
        ("pkey_mprotect unaligned", |p| unsafe {
            (
                baresys::pkey_mprotect(std::ptr::without_provenance_mut(1), p, Prot::READ, -1)
                    .map(|()| 0),
                syscall4(nr::PKEY_MPROTECT, 1, p, 1, usize::MAX),
            )
        }),
        ("pkey_mprotect bad key", |p| unsafe {
            (
                baresys::pkey_mprotect(p as *mut _, p, Prot::READ, 999).map(|()| 0),
                syscall4(nr::PKEY_MPROTECT, p, p, 1, 999),
            )
        }),
        ("madvise unaligned", |p| unsafe {
            (
                baresys::madvise(std::ptr::without_provenance_mut(1), p, Advice::DONTNEED)
                    .map(|()| 0),
                syscall3(nr::MADVISE, 1, p, 4),
            )
        }),
        ("madvise unknown advice", |p| unsafe {
            (
                baresys::madvise(p as *mut _, p, Advice::from_raw(9999)).map(|()| 0),
                syscall3(nr::MADVISE, p, p, 9999),
            )
        }),
        ("madvise unmapped", |p| unsafe {
            (
                baresys::madvise(p as *mut _, p, Advice::DONTNEED).map(|()| 0),
                syscall3(nr::MADVISE, p, p, 4),
            )
        }),
        ("madvise overflowing", |p| unsafe {
            let a = usize::MAX & !(p - 1);
            (
                baresys::madvise(a as *mut _, 2 * p, Advice::DONTNEED).map(|()| 0),
                syscall3(nr::MADVISE, a, 2 * p, 4),
            )
        }),
        ("mremap unaligned", |p| unsafe {
            let f = MremapFlags::MAYMOVE;
            (
                baresys::mremap(
                    std::ptr::without_provenance_mut(1),
                    p,
                    2 * p,
                    f,
                    core::ptr::null_mut(),
                )
                .map(|a| a as usize),
                syscall5(nr::MREMAP, 1, p, 2 * p, 1, 0),
            )
        }),
        ("mremap new len 0", |p| unsafe {
            let f = MremapFlags::MAYMOVE;
            (
                baresys::mremap(p as *mut _, p, 0, f, core::ptr::null_mut()).map(|a| a as usize),
                syscall5(nr::MREMAP, p, p, 0, 1, 0),
            )
        }),
        ("mremap unmapped", |p| unsafe {
            let f = MremapFlags::MAYMOVE;
            (
                baresys::mremap(p as *mut _, p, 2 * p, f, core::ptr::null_mut())
                    .map(|a| a as usize),
                syscall5(nr::MREMAP, p, p, 2 * p, 1, 0),
            )
        }),
        ("mremap FIXED without MAYMOVE", |p| unsafe {
            let f = MremapFlags::FIXED;
            (
                baresys::mremap(p as *mut _, p, p, f, (4 * p) as *mut _).map(|a| a as usize),
                syscall5(nr::MREMAP, p, p, p, 2, 4 * p),
            )
        }),
        ("mremap unknown flags", |p| unsafe {
            let f = MremapFlags::from_bits_retain(0xf0);
            (
                baresys::mremap(p as *mut _, p, p, f, core::ptr::null_mut()).map(|a| a as usize),
                syscall5(nr::MREMAP, p, p, p, 0xf0, 0),
            )
        }),
        ("mseal unaligned", |p| unsafe {
            (
                baresys::mseal(std::ptr::without_provenance_mut(1), p, 0).map(|()| 0),
                syscall3(nr::MSEAL, 1, p, 0),
            )
        }),
        ("mseal flags", |p| unsafe {
            (baresys::mseal(p as *mut _, p, 1).map(|()| 0), syscall3(nr::MSEAL, p, p, 1))
        }),
        ("mseal unmapped", |p| unsafe {
            (baresys::mseal(p as *mut _, p, 0).map(|()| 0), syscall3(nr::MSEAL, p, p, 0))
        }),
        ("mseal overflowing", |p| unsafe {
            let a = usize::MAX & !(p - 1);
            (baresys::mseal(a as *mut _, 2 * p, 0).map(|()| 0), syscall3(nr::MSEAL, a, 2 * p, 0))
        }),
        // No typed descriptor is -1: i32::MIN stands for a negative number.
        ("write fd i32::MIN", |_| unsafe {
            let b = [0u8; 1];
            let bad = BorrowedFd::borrow_raw(i32::MIN);
            (
                baresys::write(bad, &b),
                syscall3(nr::WRITE, i32::MIN as usize, b.as_ptr() as usize, 1),
            )
        }),
        ("write fd i32::MAX", |_| unsafe {
            let b = [0u8; 1];
            (
                baresys::write(BorrowedFd::borrow_raw(i32::MAX), &b),
                syscall3(nr::WRITE, i32::MAX as usize, b.as_ptr() as usize, 1),
            )
        }),
        ("read fd i32::MIN", |_| unsafe {
            let mut b = [0u8; 1];
            let typed = baresys::read(BorrowedFd::borrow_raw(i32::MIN), &mut b);
            (typed, syscall3(nr::READ, i32::MIN as usize, b.as_mut_ptr() as usize, 1))
        }),
        ("openat bad dirfd", |_| unsafe {
            let bad = BorrowedFd::borrow_raw(i32::MIN);
            (
                baresys::openat(bad, c"relative", OFlags::RDONLY, 0)
                    .map(|f| f.into_raw_fd() as usize),
                syscall4(nr::OPENAT, i32::MIN as usize, c"relative".as_ptr() as usize, 0, 0),
            )
        }),
        ("openat missing file", |_| unsafe {
            let path = c"/nonexistent/baresys";
            (
                baresys::openat(baresys::fd::CWD, path, OFlags::RDONLY, 0)
                    .map(|f| f.into_raw_fd() as usize),
                syscall4(nr::OPENAT, baresys::fd::AT_FDCWD as usize, path.as_ptr() as usize, 0, 0),
            )
        }),
        ("openat unknown flags on a directory", |_| unsafe {
            let f = OFlags::from_bits_retain(0o1 | 0o200000); // O_WRONLY | O_DIRECTORY
            (
                baresys::openat(baresys::fd::CWD, c"/", f, 0).map(|f| f.into_raw_fd() as usize),
                syscall4(
                    nr::OPENAT,
                    baresys::fd::AT_FDCWD as usize,
                    c"/".as_ptr() as usize,
                    f.bits() as usize,
                    0,
                ),
            )
        }),
        // Owning a number that is not open, only for close to answer EBADF.
        ("close i32::MIN", |_| unsafe {
            let bad = OwnedFd::from_raw_fd(i32::MIN);
            (baresys::close(bad).map(|()| 0), baresys::syscall1(nr::CLOSE, i32::MIN as usize))
        }),
        ("close i32::MAX", |_| unsafe {
            let bad = OwnedFd::from_raw_fd(i32::MAX);
            (baresys::close(bad).map(|()| 0), baresys::syscall1(nr::CLOSE, i32::MAX as usize))
        }),
        ("prctl unknown option", |_| unsafe {
            (baresys::prctl(-1, 0, 0, 0, 0), syscall5(nr::PRCTL, -1i32 as usize, 0, 0, 0, 0))
        }),
        ("prctl i32::MAX", |_| unsafe {
            (
                baresys::prctl(i32::MAX, 0, 0, 0, 0),
                syscall5(nr::PRCTL, i32::MAX as usize, 0, 0, 0, 0),
            )
        }),
        ("kill no such pid", |_| unsafe {
            (baresys::kill(i32::MAX, 0).map(|()| 0), syscall2(nr::KILL, i32::MAX as usize, 0))
        }),
        ("kill bad signal", |_| unsafe {
            let me = baresys::getpid();
            (baresys::kill(me, 9999).map(|()| 0), syscall2(nr::KILL, me as usize, 9999))
        }),
        ("wait4 no such child", |_| unsafe {
            let mut st = 0i32;
            (
                baresys::wait4(i32::MAX, 0).map(|(p, _)| p as usize),
                syscall4(nr::WAIT4, i32::MAX as usize, &mut st as *mut i32 as usize, 0, 0),
            )
        }),
        ("wait4 bad options", |_| unsafe {
            let mut st = 0i32;
            (
                baresys::wait4(-1, 0x7fff_0000).map(|(p, _)| p as usize),
                syscall4(nr::WAIT4, usize::MAX, &mut st as *mut i32 as usize, 0x7fff_0000, 0),
            )
        }),
        ("prlimit64 unknown resource", |_| unsafe {
            let mut old = Rlimit::default();
            (
                baresys::prlimit64(0, 999, None).map(|_| 0),
                syscall4(nr::PRLIMIT64, 0, 999, 0, &mut old as *mut Rlimit as usize),
            )
        }),
        ("prlimit64 no such pid", |_| unsafe {
            let mut old = Rlimit::default();
            (
                baresys::prlimit64(i32::MAX, baresys::RLIMIT_AS, None).map(|_| 0),
                syscall4(nr::PRLIMIT64, i32::MAX as usize, 9, 0, &mut old as *mut Rlimit as usize),
            )
        }),
        ("prlimit64 cur above max", |_| unsafe {
            let new = Rlimit { cur: 10, max: 5 };
            let mut old = Rlimit::default();
            (
                baresys::prlimit64(0, baresys::RLIMIT_DATA, Some(&new)).map(|_| 0),
                syscall4(
                    nr::PRLIMIT64,
                    0,
                    2,
                    &new as *const Rlimit as usize,
                    &mut old as *mut Rlimit as usize,
                ),
            )
        }),
        ("pipe2 unknown flags", |_| unsafe {
            let mut fds = [0i32; 2];
            (
                baresys::pipe2(OFlags::from_bits_retain(0x7fff_0000)).map(|_| 0),
                syscall2(nr::PIPE2, fds.as_mut_ptr() as usize, 0x7fff_0000),
            )
        }),
        ("no such system call", |_| unsafe {
            (baresys::syscall0(usize::MAX >> 1), baresys::syscall0(4095))
        }),
    ]
}

#[test]
fn typed_wrappers_return_the_kernels_errno() {
    let p = mem::page_size();
    let cases = wrapper_cases();
    let out = child("hostile wrappers", |ctx: &mut Ctx| {
        for &(name, pair) in &cases {
            let (typed, raw) = pair(p);
            check!(
                ctx,
                name,
                typed.is_err() && typed == raw,
                "{}: wrapper {:?}, raw {:?}",
                name,
                typed,
                raw
            );
        }
    });
    eprintln!("hostile wrappers: {} cases, {} checks", cases.len(), out.passed);
    out.assert_ok("hostile wrappers");
}
