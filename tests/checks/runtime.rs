//! Issue 10, the calls a runtime needs besides memory, each checked by its effect:
//! getrandom, sched_yield, sched_getaffinity, memfd_create, ftruncate, mlock/mlock2/
//! munlock, mincore, membarrier, uname, process_madvise; and growing a reservation in place.

use super::util::{access_works, kind, range_has_perms};
use super::Ctx;
use crate::{check, check_eq};
use baresys::mem::{ErrorKind, Reservation};
use baresys::{
    Errno, GetrandomFlags, IoVec, MapFlags, MembarrierCmd, MemfdFlags, MlockFlags, Prot,
};
use core::ffi::c_void;
use core::ptr::null_mut;

const ANON: MapFlags = MapFlags::PRIVATE.union(MapFlags::ANONYMOUS);
const RW: Prot = Prot::READ.union(Prot::WRITE);

fn map(len: usize) -> *mut c_void {
    // SAFETY: a new anonymous mapping where the kernel chooses aliases nothing.
    unsafe { baresys::mmap(null_mut(), len, RW, ANON, None, 0) }.unwrap_or(null_mut())
}

fn unmap(p: *mut c_void, len: usize) {
    // SAFETY: callers pass a mapping of theirs they no longer use.
    let _ = unsafe { baresys::munmap(p, len) };
}

/// Resident flags of `pages` pages at `p`.
fn resident(p: *mut c_void, pages: usize, page: usize) -> [bool; 8] {
    let mut vec = [0u8; 8];
    let mut out = [false; 8];
    if baresys::mincore(p, pages * page, &mut vec[..pages]).is_ok() {
        for i in 0..pages {
            out[i] = vec[i] & 1 == 1;
        }
    }
    out
}

pub fn run(ctx: &mut Ctx) {
    ctx.group("runtime");
    let page = baresys::mem::page_size();

    // getrandom: two reads differ, the empty read is 0, unknown flags are EINVAL.
    let (mut a, mut b) = ([0u8; 64], [0u8; 64]);
    let ra = baresys::getrandom(&mut a, GetrandomFlags::NONE);
    let rb = baresys::getrandom(&mut b, GetrandomFlags::NONBLOCK);
    check!(
        ctx,
        "getrandom fills 64 bytes, twice differently",
        ra == Ok(64) && rb == Ok(64) && a != b && a != [0; 64],
        "{:?} {:?}",
        ra,
        rb
    );
    check_eq!(
        ctx,
        "getrandom of nothing",
        baresys::getrandom(&mut [], GetrandomFlags::NONE),
        Ok(0)
    );
    check_eq!(
        ctx,
        "getrandom with unknown flags is EINVAL",
        baresys::getrandom(&mut a, GetrandomFlags::from_bits_retain(0x80)),
        Err(Errno::EINVAL)
    );

    // sched_yield / sched_getaffinity.
    baresys::sched_yield();
    match baresys::sched_getaffinity(0) {
        Ok(set) => {
            check!(ctx, "sched_getaffinity has at least one CPU", set.count() >= 1, "{:?}", set)
        }
        Err(e) => check!(ctx, "sched_getaffinity", false, "{e}"),
    }
    check_eq!(
        ctx,
        "sched_getaffinity of no such thread is ESRCH",
        baresys::sched_getaffinity(i32::MAX).err(),
        Some(Errno::ESRCH)
    );

    memfd(ctx, page);
    locking(ctx, page);

    // membarrier: query, then a private expedited barrier needs registration first.
    match baresys::membarrier(MembarrierCmd::QUERY, 0, 0) {
        Ok(cmds) => {
            check!(ctx, "membarrier QUERY lists commands", cmds != 0, "{:#x}", cmds);
            let want = MembarrierCmd::PRIVATE_EXPEDITED.raw()
                | MembarrierCmd::REGISTER_PRIVATE_EXPEDITED.raw();
            if cmds & want == want {
                check_eq!(
                    ctx,
                    "membarrier PRIVATE_EXPEDITED before registering is EPERM",
                    baresys::membarrier(MembarrierCmd::PRIVATE_EXPEDITED, 0, 0),
                    Err(Errno::EPERM)
                );
                check_eq!(
                    ctx,
                    "membarrier REGISTER_PRIVATE_EXPEDITED",
                    baresys::membarrier(MembarrierCmd::REGISTER_PRIVATE_EXPEDITED, 0, 0),
                    Ok(0)
                );
                check_eq!(
                    ctx,
                    "membarrier PRIVATE_EXPEDITED after registering",
                    baresys::membarrier(MembarrierCmd::PRIVATE_EXPEDITED, 0, 0),
                    Ok(0)
                );
            } else {
                ctx.note(format_args!("membarrier: no PRIVATE_EXPEDITED here ({cmds:#x})"));
            }
            check_eq!(
                ctx,
                "membarrier of an unknown command is EINVAL",
                baresys::membarrier(MembarrierCmd::from_raw(1 << 30), 0, 0),
                Err(Errno::EINVAL)
            );
        }
        Err(Errno::ENOSYS) if ctx.emulated => {
            ctx.note(format_args!("membarrier: ENOSYS under QEMU user mode"))
        }
        Err(e) => check!(ctx, "membarrier QUERY", false, "{e}"),
    }

    // uname.
    match baresys::uname() {
        Ok(u) => check!(
            ctx,
            "uname: Linux, a release starting with a digit, a machine",
            u.sysname().to_bytes() == b"Linux"
                && u.release().to_bytes().first().is_some_and(|c| c.is_ascii_digit())
                && !u.machine().to_bytes().is_empty(),
            "{:?}",
            u
        ),
        Err(e) => check!(ctx, "uname", false, "{e}"),
    }

    madvise_other(ctx, page);
    grow(ctx, page);
}

fn memfd(ctx: &mut Ctx, page: usize) {
    let fd = match baresys::memfd_create(c"baresys-test", MemfdFlags::CLOEXEC) {
        Ok(fd) => fd,
        Err(e) => return check!(ctx, "memfd_create", false, "{e}"),
    };
    // A length past 4 GiB: its high word must reach the kernel on 32-bit targets too.
    let big = (1u64 << 32) + 2 * page as u64;
    check_eq!(ctx, "ftruncate a memfd past 4 GiB", baresys::ftruncate(&fd, big), Ok(()));
    // SAFETY: a new shared mapping of our own file, where the kernel chooses.
    let hi =
        unsafe { baresys::mmap(null_mut(), page, RW, MapFlags::SHARED, Some(fd.as_fd()), 1 << 32) };
    match hi {
        // Reading the page at 4 GiB raises SIGBUS unless the file really is that long.
        Ok(p) => {
            check!(
                ctx,
                "the page at 4 GiB of the memfd is inside the file",
                access_works(p as usize, true)
            );
            unmap(p, page);
        }
        Err(e) => check!(ctx, "mmap the memfd at 4 GiB", false, "{e}"),
    }
    check_eq!(
        ctx,
        "ftruncate the memfd to two pages",
        baresys::ftruncate(&fd, 2 * page as u64),
        Ok(())
    );
    // SAFETY: as above, at offset 0.
    match unsafe { baresys::mmap(null_mut(), 2 * page, RW, MapFlags::SHARED, Some(fd.as_fd()), 0) }
    {
        Ok(p) => {
            // SAFETY: `p` is our two-page shared mapping of the file.
            unsafe { p.cast::<u8>().write_volatile(0xa7) };
            let mut buf = [0u8; 1];
            // The descriptor's position is still 0: this reads the file's first byte.
            let r = baresys::read(&fd, &mut buf);
            check!(
                ctx,
                "a write through the memfd mapping reads back from the file",
                r == Ok(1) && buf[0] == 0xa7,
                "{:?} {:?}",
                r,
                buf
            );
            check!(
                ctx,
                "the memfd mapping shows in /proc/self/maps",
                maps_name_has(p as usize, b"memfd:baresys-test")
            );
            unmap(p, 2 * page);
        }
        Err(e) => check!(ctx, "mmap the memfd", false, "{e}"),
    }
    // SAFETY: a number that is not open, only for the kernel to answer EBADF.
    let bad = unsafe { baresys::fd::BorrowedFd::borrow_raw(i32::MAX) };
    check_eq!(ctx, "ftruncate of a bad fd is EBADF", baresys::ftruncate(bad, 0), Err(Errno::EBADF));
    check_eq!(
        ctx,
        "ftruncate past i64::MAX is EINVAL",
        baresys::ftruncate(&fd, u64::MAX),
        Err(Errno::EINVAL)
    );
    check_eq!(
        ctx,
        "memfd_create with unknown flags is EINVAL",
        baresys::memfd_create(c"x", MemfdFlags::from_bits_retain(0x8000)).err(),
        Some(Errno::EINVAL)
    );
}

/// Whether the maps line holding `addr` names `needle`.
fn maps_name_has(addr: usize, needle: &[u8]) -> bool {
    let mut buf = [0u8; 32 * 1024];
    let n = super::util::read_maps(&mut buf);
    buf[..n].split(|&c| c == b'\n').any(|line| {
        let Some(dash) = line.iter().position(|&c| c == b'-') else { return false };
        let Some(sp) = line.iter().position(|&c| c == b' ') else { return false };
        let hex = |s: &[u8]| {
            s.iter().try_fold(0usize, |v, &c| (c as char).to_digit(16).map(|d| v * 16 + d as usize))
        };
        let (Some(start), Some(end)) = (hex(&line[..dash]), hex(&line[dash + 1..sp])) else {
            return false;
        };
        start <= addr && addr < end && line.windows(needle.len()).any(|w| w == needle)
    })
}

fn locking(ctx: &mut Ctx, page: usize) {
    let p = map(4 * page);
    if p.is_null() {
        return check!(ctx, "mmap for the mlock checks", false);
    }
    check_eq!(ctx, "fresh pages are not resident (mincore)", resident(p, 4, page)[..4], [false; 4]);
    match baresys::mlock(p, 2 * page) {
        Ok(()) => {
            check_eq!(
                ctx,
                "mlock faults the pages in (mincore)",
                resident(p, 4, page)[..4],
                [true, true, false, false]
            );
            check_eq!(ctx, "munlock", baresys::munlock(p, 2 * page), Ok(()));
        }
        Err(e) => check!(ctx, "mlock of two pages", false, "{e}"),
    }
    let q = p.cast::<u8>().wrapping_add(2 * page).cast::<c_void>();
    match baresys::mlock2(q, 2 * page, MlockFlags::ONFAULT) {
        Ok(()) => {
            check_eq!(
                ctx,
                "mlock2(ONFAULT) faults nothing in",
                resident(q, 2, page)[..2],
                [false, false]
            );
            // SAFETY: `q` is the third page of our read-write mapping.
            unsafe { q.cast::<u8>().write_volatile(1) };
            check_eq!(
                ctx,
                "a touched ONFAULT page is resident",
                resident(q, 2, page)[..2],
                [true, false]
            );
            check_eq!(ctx, "munlock after mlock2", baresys::munlock(q, 2 * page), Ok(()));
        }
        Err(Errno::ENOSYS | Errno::EINVAL) if ctx.emulated => {
            ctx.note(format_args!("mlock2: not emulated"))
        }
        Err(e) => check!(ctx, "mlock2", false, "{e}"),
    }
    match baresys::mlock2(p, page, MlockFlags::from_bits_retain(2)) {
        Err(Errno::ENOSYS) if ctx.emulated => {}
        r => check_eq!(ctx, "mlock2 with unknown flags is EINVAL", r, Err(Errno::EINVAL)),
    }
    let mut vec = [0u8; 4];
    check_eq!(
        ctx,
        "mincore with too short a vector is EINVAL, no call",
        baresys::mincore(p, 4 * page, &mut vec[..3]),
        Err(Errno::EINVAL)
    );
    check_eq!(
        ctx,
        "mincore of an unaligned address is EINVAL",
        baresys::mincore(p.cast::<u8>().wrapping_add(1).cast(), page, &mut vec),
        Err(Errno::EINVAL)
    );
    unmap(p, 4 * page);
    check_eq!(
        ctx,
        "mlock of unmapped memory is ENOMEM",
        baresys::mlock(p, page),
        Err(Errno::ENOMEM)
    );
    check_eq!(
        ctx,
        "mincore of unmapped memory is ENOMEM",
        baresys::mincore(p, page, &mut vec),
        Err(Errno::ENOMEM)
    );
}

fn madvise_other(ctx: &mut Ctx, page: usize) {
    let me = match baresys::pidfd_open(baresys::getpid(), 0) {
        Ok(fd) => fd,
        Err(Errno::ENOSYS) if ctx.emulated => {
            return ctx.note(format_args!("pidfd_open: ENOSYS under QEMU"))
        }
        Err(e) => return check!(ctx, "pidfd_open of this process", false, "{e}"),
    };
    let p = map(2 * page);
    // SAFETY: `p` is our read-write mapping.
    unsafe { p.cast::<u8>().write_volatile(0x3c) };
    let iov = [IoVec { base: p, len: 2 * page }];
    match baresys::process_madvise_hint(&me, &iov, baresys::Advice::COLD) {
        // SAFETY: as above.
        Ok(n) => check!(
            ctx,
            "process_madvise(COLD) on itself advises the range, contents kept",
            n == 2 * page && unsafe { p.cast::<u8>().read_volatile() } == 0x3c,
            "{n}"
        ),
        Err(Errno::ENOSYS | Errno::EINVAL) if ctx.emulated => {
            ctx.note(format_args!("process_madvise: not emulated"))
        }
        Err(e) => check!(ctx, "process_madvise(COLD)", false, "{e}"),
    }
    check_eq!(
        ctx,
        "process_madvise_hint refuses DONTNEED before the call",
        baresys::process_madvise_hint(&me, &iov, baresys::Advice::DONTNEED),
        Err(Errno::EINVAL)
    );
    // Linux 6.13+ lets a process give itself any advice: DONTNEED then zeroes.
    // SAFETY: the pages are ours and nothing relies on their contents any more.
    match unsafe { baresys::process_madvise(&me, &iov, baresys::Advice::DONTNEED, 0) } {
        // SAFETY: as above.
        Ok(n) => check!(
            ctx,
            "process_madvise(DONTNEED) on itself zeroes (6.13+)",
            n == 2 * page && unsafe { p.cast::<u8>().read_volatile() } == 0,
            "{n}"
        ),
        Err(Errno::EINVAL | Errno::ENOSYS) => ctx.note(format_args!(
            "process_madvise(DONTNEED) on itself: refused (kernel before 6.13)"
        )),
        Err(e) => check!(ctx, "process_madvise(DONTNEED)", false, "{e}"),
    }
    unmap(p, 2 * page);
}

fn grow(ctx: &mut Ctx, page: usize) {
    let mut r = match Reservation::reserve(8 * page) {
        Ok(r) => r,
        Err(e) => return check!(ctx, "reserve for grow_in_place", false, "{e}"),
    };
    // Keep the space after the first 4 pages free: give it back, grow into it.
    let _ = r.release(4 * page..);
    let base = r.as_ptr() as usize;
    let _ = r.commit(..2 * page);
    // SAFETY: the first two pages are committed read-write.
    unsafe { core::ptr::write_bytes(r.as_ptr(), 0x6b, 2 * page) };
    // SAFETY: the four pages after the reservation were part of it a moment ago and
    // nothing else in this single-threaded check uses address space there.
    let g = unsafe { r.grow_in_place(4 * page) };
    check!(
        ctx,
        "grow_in_place by four pages",
        g.is_ok() && r.len() == 8 * page && r.as_ptr() as usize == base,
        "{:?}",
        g
    );
    check!(
        ctx,
        "the grown part is reserved (---) in /proc/self/maps",
        range_has_perms(base + 2 * page, 6 * page, b"---")
    );
    check!(
        ctx,
        "the committed part stays rw- in /proc/self/maps",
        range_has_perms(base, 2 * page, b"rw-")
    );
    // SAFETY: the first two pages are still committed.
    let kept =
        unsafe { core::slice::from_raw_parts(r.as_ptr(), 2 * page) }.iter().all(|&b| b == 0x6b);
    check!(ctx, "contents survive grow_in_place", kept);
    let c = r.commit(6 * page..8 * page);
    check!(
        ctx,
        "the grown pages commit",
        c.is_ok() && range_has_perms(base + 6 * page, 2 * page, b"rw-"),
        "{:?}",
        c
    );
    // SAFETY: pages 6 and 7 were just committed.
    unsafe { r.as_ptr().add(7 * page).write_volatile(1) };

    // Refusals before any system call.
    // SAFETY (all three): each is refused before it maps anything.
    unsafe {
        check_eq!(
            ctx,
            "grow_in_place by 0 is refused",
            kind(r.grow_in_place(0)),
            Err(ErrorKind::ZeroLength)
        );
        check_eq!(
            ctx,
            "grow_in_place by a non-multiple of the page is refused",
            kind(r.grow_in_place(page / 2)),
            Err(ErrorKind::Unaligned)
        );
        let huge = usize::MAX - page + 1;
        check_eq!(
            ctx,
            "grow_in_place past the address space is refused",
            kind(r.grow_in_place(huge)),
            Err(ErrorKind::Overflow)
        );
    }
    // Something mapped right after: EEXIST, nothing changed.
    let end = base + 8 * page;
    // SAFETY: FIXED_NOREPLACE never replaces a mapping.
    let blocker = unsafe {
        baresys::mmap(
            end as *mut c_void,
            page,
            Prot::NONE,
            ANON.union(MapFlags::FIXED_NOREPLACE),
            None,
            0,
        )
    };
    // (EEXIST: the kernel placed the reservation right below another mapping already.)
    let placed = match blocker {
        Ok(b) if b as usize == end => Some(Some(b)),
        Err(Errno::EEXIST) => Some(None),
        Ok(b) => {
            ctx.note(format_args!("MAP_FIXED_NOREPLACE taken as a hint (kernel before 4.17)"));
            unmap(b, page);
            None
        }
        Err(e) => {
            check!(ctx, "mmap of a blocker", false, "{e}");
            None
        }
    };
    if let Some(blocker) = placed {
        // SAFETY: the range would be taken only if free; it is not.
        let e = unsafe { r.grow_in_place(page) };
        check!(
            ctx,
            "grow_in_place into a mapping is EEXIST, nothing changed",
            matches!(&e, Err(e) if e.errno() == Some(Errno::EEXIST)) && r.len() == 8 * page,
            "{:?}",
            e
        );
        if let Some(b) = blocker {
            unmap(b, page);
        }
    }
    drop(r);
    check!(
        ctx,
        "the grown reservation unmaps whole on drop",
        super::util::perms_at(base + 7 * page).is_none()
    );
}
