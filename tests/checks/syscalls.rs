//! Issue 2: every wrapper against the real kernel (or QEMU's emulation of it), checked
//! by its effect, plus the error paths.

use super::util::{access_faults, in_child, perms_at, range_has_perms};
use super::Ctx;
use crate::{check, check_eq};
use baresys::fd::AsRawFd;
use baresys::{nr, Advice, Errno, MapFlags, MremapFlags, OFlags, Prot};
use core::ffi::c_void;
use core::ptr::null_mut;

const ANON: MapFlags = MapFlags::PRIVATE.union(MapFlags::ANONYMOUS);
const RW: Prot = Prot::READ.union(Prot::WRITE);

fn map(len: usize, prot: Prot) -> *mut c_void {
    // SAFETY: a new anonymous mapping where the kernel chooses aliases nothing.
    unsafe { baresys::mmap(null_mut(), len, prot, ANON, None, 0) }.unwrap_or(null_mut())
}

pub fn run(ctx: &mut Ctx) {
    ctx.group("syscalls");
    let page = baresys::mem::page_size();
    check!(
        ctx,
        "page size is a power of two >= 4096",
        page.is_power_of_two() && page >= 4096,
        "page size {}",
        page
    );

    // Processes and threads.
    let pid = baresys::getpid();
    check!(ctx, "getpid", pid > 0, "pid {}", pid);
    check!(ctx, "gettid", baresys::gettid() > 0);
    let st = in_child(|| (baresys::gettid() != baresys::getpid()) as i32);
    check!(
        ctx,
        "gettid of a single-threaded process is its pid",
        matches!(st, Ok(s) if s.exit_code() == Some(0)),
        "{:?}",
        st
    );

    // write / read / pipe2 / close.
    // SAFETY: fd 1 is open for the whole run (the test harness or the kernel opened it).
    let stdout = unsafe { baresys::fd::stdout() };
    check_eq!(ctx, "write of nothing", baresys::write(stdout, b""), Ok(0));
    // SAFETY: a number that is not open, only for the kernel to answer EBADF: nothing
    // owns it, and the borrow ends with the call.
    let bad = unsafe { baresys::fd::BorrowedFd::borrow_raw(i32::MAX) };
    check_eq!(ctx, "write to a bad fd gives EBADF", baresys::write(bad, b"x"), Err(Errno::EBADF));
    // The raw call still reaches fd -1, which no typed descriptor can be.
    // SAFETY: the kernel reads at most one byte of the literal.
    let raw = unsafe { baresys::syscall3(nr::WRITE, usize::MAX, b"x".as_ptr() as usize, 1) };
    check_eq!(ctx, "raw write to fd -1 gives EBADF", raw, Err(Errno::EBADF));
    match baresys::pipe2(OFlags::CLOEXEC) {
        Ok((r, w)) => {
            check_eq!(ctx, "write to a pipe", baresys::write(&w, b"baresys"), Ok(7));
            let mut buf = [0u8; 16];
            let n = baresys::read(&r, &mut buf);
            check!(
                ctx,
                "read back from the pipe",
                n == Ok(7) && &buf[..7] == b"baresys",
                "{:?} {:?}",
                n,
                &buf[..7]
            );
            let w_raw = w.as_raw_fd();
            check_eq!(ctx, "close", baresys::close(w), Ok(()));
            check_eq!(ctx, "read at end of pipe gives 0", baresys::read(&r, &mut buf), Ok(0));
            drop(r);
            // SAFETY: closing a number closed just above, through the raw call: nothing
            // owns it (no other thread opens files during these checks).
            check_eq!(
                ctx,
                "close of a closed fd gives EBADF",
                unsafe { baresys::syscall1(nr::CLOSE, w_raw as usize) }.map(drop),
                Err(Errno::EBADF)
            );
        }
        Err(e) => check!(ctx, "pipe2", false, "{}", e),
    }
    check_eq!(
        ctx,
        "openat of a missing path gives ENOENT",
        baresys::openat(baresys::fd::CWD, c"/nonexistent/baresys", OFlags::RDONLY, 0).map(drop),
        Err(Errno::ENOENT)
    );

    // Unknown syscall numbers: the arch's own ENOSYS value comes back. MSEAL (462 above
    // the base) is the newest call used here; every table ends below base + 500, and MIPS
    // bases are 1000 apart, so MSEAL + 400 is unassigned in every ABI.
    // SAFETY: a number no kernel assigns; nothing happens but the error.
    let r = unsafe { baresys::syscall0(nr::MSEAL + 400) };
    check_eq!(ctx, "unknown syscall number gives ENOSYS", r, Err(Errno::ENOSYS));
    check!(ctx, "Errno displays its name", fmt_eq(Errno::ENOSYS, "ENOSYS"));

    mappings(ctx, page);
    file_mapping(ctx, page);
    processes(ctx);
    newer_calls(ctx, page);
}

fn fmt_eq(e: Errno, want: &str) -> bool {
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

fn mappings(ctx: &mut Ctx, page: usize) {
    let len = 4 * page;
    let p = map(len, Prot::NONE);
    check!(ctx, "mmap PROT_NONE", !p.is_null());
    if p.is_null() {
        return;
    }
    let a = p as usize;
    check!(
        ctx,
        "maps shows the new mapping as ---",
        range_has_perms(a, len, b"---"),
        "{:?}",
        perms_at(a)
    );
    check!(ctx, "PROT_NONE memory faults on read", access_faults(a, false));

    // SAFETY: the mapping made above, used by nothing else.
    check_eq!(ctx, "mprotect RW", unsafe { baresys::mprotect(p, len, RW) }, Ok(()));
    check!(
        ctx,
        "maps shows rw- after mprotect",
        range_has_perms(a, len, b"rw-"),
        "{:?}",
        perms_at(a)
    );
    let bytes = a as *mut u8;
    for i in 0..len {
        // SAFETY: `p..p+len` is mapped read-write and owned here.
        unsafe { bytes.add(i).write((i % 251) as u8) };
    }
    // SAFETY: as above.
    let intact = (0..len).all(|i| unsafe { bytes.add(i).read() } == (i % 251) as u8);
    check!(ctx, "memory holds data after mprotect RW", intact);

    // SAFETY: as above; only the second page changes.
    check_eq!(
        ctx,
        "mprotect one page read-only",
        unsafe { baresys::mprotect(bytes.add(page).cast(), page, Prot::READ) },
        Ok(())
    );
    check!(
        ctx,
        "maps shows r-- for that page",
        range_has_perms(a + page, page, b"r--"),
        "{:?}",
        perms_at(a + page)
    );
    check!(
        ctx,
        "maps still shows rw- beside it",
        range_has_perms(a, page, b"rw-") && range_has_perms(a + 2 * page, 2 * page, b"rw-")
    );
    // SAFETY: reading a readable page.
    check_eq!(
        ctx,
        "read-only page keeps its data",
        unsafe { bytes.add(page + 7).read() },
        ((page + 7) % 251) as u8
    );
    check!(ctx, "writing a read-only page faults", access_faults(a + page, true));

    // Errors, and nothing happens.
    // SAFETY: invalid arguments: the kernel refuses before touching anything.
    check_eq!(
        ctx,
        "unaligned mprotect gives EINVAL",
        unsafe { baresys::mprotect(bytes.add(1).cast(), page, RW) },
        Err(Errno::EINVAL)
    );
    // SAFETY: as above.
    check_eq!(
        ctx,
        "unaligned madvise gives EINVAL",
        unsafe { baresys::madvise(bytes.add(1).cast(), page, Advice::DONTNEED) },
        Err(Errno::EINVAL)
    );

    // madvise DONTNEED zeroes private anonymous memory.
    // SAFETY: the first page is ours and read-write; its contents may go.
    check_eq!(
        ctx,
        "madvise DONTNEED",
        unsafe { baresys::madvise(p, page, Advice::DONTNEED) },
        Ok(())
    );
    // SAFETY: still mapped read-write.
    let zero = (0..page).all(|i| unsafe { bytes.add(i).read() } == 0);
    check!(ctx, "DONTNEED pages read back zero (an emulator older than QEMU 7.1 fails here)", zero);

    // mremap: grow with MAYMOVE keeps the contents.
    // SAFETY: the last two pages are ours; they may move, and `p` is not used for them again.
    let moved = unsafe {
        baresys::mremap(
            bytes.add(2 * page).cast(),
            2 * page,
            8 * page,
            MremapFlags::MAYMOVE,
            null_mut(),
        )
    };
    match moved {
        Ok(q) => {
            let q = q as *mut u8;
            // SAFETY: `q..q+2*page` holds the moved pages, read-write.
            let kept =
                (0..2 * page).all(|i| unsafe { q.add(i).read() } == ((2 * page + i) % 251) as u8);
            check!(ctx, "mremap keeps the contents", kept);
            // SAFETY: the grown part is new, zero-filled, ours.
            check_eq!(ctx, "mremap's new pages are zero", unsafe { q.add(7 * page).read() }, 0);
            // SAFETY: the mapping made by mremap, not used after this.
            check_eq!(
                ctx,
                "munmap the remapped range",
                unsafe { baresys::munmap(q.cast(), 8 * page) },
                Ok(())
            );
            check!(ctx, "remapped range is gone from maps", perms_at(q as usize).is_none());
        }
        Err(e) => check!(ctx, "mremap MAYMOVE", false, "{}", e),
    }

    // munmap: gone, and then mprotect there is ENOMEM.
    // SAFETY: the first two pages, not used after this.
    check_eq!(ctx, "munmap", unsafe { baresys::munmap(p, 2 * page) }, Ok(()));
    check!(
        ctx,
        "munmapped memory is gone from maps",
        perms_at(a).is_none() && perms_at(a + page).is_none()
    );
    check!(ctx, "munmapped memory faults", access_faults(a, false));
    // SAFETY: the range is unmapped; the kernel only reports that.
    let r = unsafe { baresys::mprotect(p, page, RW) };
    if r.is_ok() && ctx.emulated && core::mem::size_of::<usize>() == 4 {
        // qemu-i386/arm/mips keep the whole 32-bit guest space reserved and answer 0;
        // the native i686 run and the real kernels check ENOMEM.
        ctx.note(format_args!("QEMU user (32-bit guest) accepts mprotect of an unmapped range"));
    } else {
        check_eq!(ctx, "mprotect of an unmapped range gives ENOMEM", r, Err(Errno::ENOMEM));
    }
    // SAFETY: len 0 and a wrapping range are refused before anything happens.
    check_eq!(
        ctx,
        "munmap of length 0 gives EINVAL",
        unsafe { baresys::munmap(p, 0) },
        Err(Errno::EINVAL)
    );
    // SAFETY: as above.
    check_eq!(
        ctx,
        "mmap of length 0 gives EINVAL",
        unsafe { baresys::mmap(null_mut(), 0, RW, ANON, None, 0) },
        Err(Errno::EINVAL)
    );
}

/// mmap of a file at a non-zero offset: mmap2 on x86/arm/mips o32 takes it in 4096-byte
/// units, s390x passes it in its argument block. The program's own binary is the file.
fn file_mapping(ctx: &mut Ctx, page: usize) {
    let Ok(fd) =
        baresys::openat(baresys::fd::CWD, c"/proc/self/exe", OFlags::RDONLY | OFlags::CLOEXEC, 0)
    else {
        ctx.note(format_args!("/proc/self/exe cannot be opened: file mapping not checked"));
        check!(ctx, "open /proc/self/exe", false);
        return;
    };
    // Read the second page-sized chunk with read(2) for comparison.
    let mut want = [0u8; 64];
    let mut skipped = 0;
    let mut scratch = [0u8; 4096];
    let mut ok = true;
    while skipped < page {
        let chunk = (page - skipped).min(scratch.len());
        match baresys::read(&fd, &mut scratch[..chunk]) {
            Ok(n) if n > 0 => skipped += n,
            _ => {
                ok = false;
                break;
            }
        }
    }
    ok &= baresys::read(&fd, &mut want) == Ok(want.len());
    check!(ctx, "read the program file", ok);
    // SAFETY: a new private read-only file mapping where the kernel chooses.
    let m = unsafe {
        baresys::mmap(
            null_mut(),
            page,
            Prot::READ,
            MapFlags::PRIVATE,
            Some(fd.as_fd()),
            page as u64,
        )
    };
    match m {
        Ok(q) => {
            // SAFETY: `q` maps one readable page of the file.
            let got = unsafe { core::slice::from_raw_parts(q as *const u8, want.len()) };
            check!(ctx, "mmap at a file offset maps the bytes at that offset", got == want);
            // SAFETY: the mapping made above, not used after this.
            let _ = unsafe { baresys::munmap(q, page) };
        }
        Err(e) => check!(ctx, "mmap of a file at an offset", false, "{}", e),
    }
    // SAFETY: an unaligned offset is refused before anything is mapped.
    let r = unsafe {
        baresys::mmap(null_mut(), page, Prot::READ, MapFlags::PRIVATE, Some(fd.as_fd()), 100)
    };
    check_eq!(ctx, "mmap at an unaligned offset gives EINVAL", r, Err(Errno::EINVAL));
}

fn processes(ctx: &mut Ctx) {
    let st = in_child(|| 42);
    check!(
        ctx,
        "fork + exit_group(42) + wait4",
        matches!(st, Ok(s) if s.exit_code() == Some(42)),
        "{:?}",
        st
    );
    // SAFETY: the child only yields until it is killed.
    match unsafe { baresys::fork() } {
        Ok(0) => loop {
            baresys::sched_yield();
        },
        Ok(child) => {
            check_eq!(ctx, "kill SIGKILL", baresys::kill(child, 9), Ok(()));
            let st = baresys::wait4(child, 0);
            check!(
                ctx,
                "killed child reports SIGKILL",
                matches!(st, Ok((c, s)) if c == child && s.signal() == Some(9)),
                "{:?}",
                st
            );
        }
        Err(e) => check!(ctx, "fork", false, "{}", e),
    }
    check_eq!(
        ctx,
        "wait4 with no children gives ECHILD",
        baresys::wait4(-1, 0).map(|_| ()),
        Err(Errno::ECHILD)
    );

    // prctl: set the thread name and read it back (PR_SET_NAME 15, PR_GET_NAME 16).
    let mut old = [0u8; 16];
    let mut name = [0u8; 16];
    // SAFETY: PR_GET_NAME/PR_SET_NAME read or write 16 bytes at the pointer.
    let r = unsafe {
        baresys::prctl(16, old.as_mut_ptr() as usize, 0, 0, 0)
            .and_then(|_| baresys::prctl(15, c"baresys-t".as_ptr() as usize, 0, 0, 0))
            .and_then(|_| baresys::prctl(16, name.as_mut_ptr() as usize, 0, 0, 0))
            .and_then(|_| baresys::prctl(15, old.as_ptr() as usize, 0, 0, 0))
    };
    check!(
        ctx,
        "prctl PR_SET_NAME/PR_GET_NAME round trip",
        r.is_ok() && name.starts_with(b"baresys-t\0"),
        "{:?}",
        r
    );
    // SAFETY: an unknown option is refused.
    check_eq!(
        ctx,
        "prctl with an unknown option gives EINVAL",
        unsafe { baresys::prctl(0x7fff_0000, 0, 0, 0, 0) },
        Err(Errno::EINVAL)
    );
}

/// mseal and pkey_mprotect are new or optional: where the kernel has them their effect
/// is checked, where it answers ENOSYS (32-bit kernels, QEMU user) that is reported.
fn newer_calls(ctx: &mut Ctx, page: usize) {
    let p = map(2 * page, RW);
    if p.is_null() {
        check!(ctx, "mmap for newer calls", false);
        return;
    }
    // SAFETY: the mapping made above; pkey -1 means no key.
    match unsafe { baresys::pkey_mprotect(p, page, Prot::READ, -1) } {
        Ok(()) => check!(
            ctx,
            "pkey_mprotect(-1) makes the page read-only",
            range_has_perms(p as usize, page, b"r--")
        ),
        Err(e) => check!(
            ctx,
            "pkey_mprotect answers ENOSYS or EINVAL where unsupported",
            e == Errno::ENOSYS || e == Errno::EINVAL,
            "{}",
            e
        ),
    }
    // SAFETY: sealing the second page of our own mapping; it stays mapped for the
    // life of the process (leaked on purpose).
    let second = (p as usize + page) as *mut c_void;
    match unsafe { baresys::mseal(second, page, 0) } {
        Ok(()) => {
            // SAFETY: a sealed page refuses the change; nothing happens.
            let r = unsafe { baresys::mprotect(second, page, Prot::NONE) };
            check_eq!(ctx, "mprotect of a sealed page gives EPERM", r, Err(Errno::EPERM));
            // SAFETY: as above.
            let r = unsafe { baresys::munmap(second, page) };
            check_eq!(ctx, "munmap of a sealed page gives EPERM", r, Err(Errno::EPERM));
        }
        Err(e) => {
            check_eq!(ctx, "mseal unsupported here answers ENOSYS", e, Errno::ENOSYS);
            ctx.note(format_args!(
                "mseal: ENOSYS here (32-bit kernel, kernel < 6.10 or QEMU user)"
            ));
        }
    }
    // SAFETY: the first page is ours; the sealed second page stays.
    let _ = unsafe { baresys::munmap(p, page) };
}
