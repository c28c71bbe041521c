//! Typed wrappers: each is the raw call plus argument conversion, and compiles to
//! register moves and the one instruction.

use crate::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, IntoRawFd, OwnedFd};
use crate::{arch, nr, Advice, Errno, MapFlags, MremapFlags, OFlags, Prot};
use core::ffi::{c_void, CStr};

/// `mmap`: maps `len` bytes with `prot` and `flags`, backed by `fd` at byte `offset`
/// (`None` and `offset = 0` for anonymous memory, which the kernel sees as fd -1).
/// Returns the mapping's address.
///
/// On x86, arm and mips o32 this is `mmap2`, whose offset counts 4096-byte units: an
/// offset that is not a multiple of 4096 gives `EINVAL` without a syscall, as the kernel
/// would. On s390x it is `old_mmap` with its argument block.
///
/// # Safety
///
/// With `MapFlags::FIXED`, whatever was mapped at `addr..addr+len` is replaced: it must
/// not be memory the program still uses.
#[inline(always)]
pub unsafe fn mmap(
    addr: *mut c_void, len: usize, prot: Prot, flags: MapFlags, fd: Option<BorrowedFd<'_>>,
    offset: u64,
) -> Result<*mut c_void, Errno> {
    let fd = fd.map_or(-1, |fd| fd.as_raw_fd());
    // SAFETY: forwarded from the caller; the arch's mmap entry checks its own offset
    // rules and reports them as an errno value.
    let ret = unsafe {
        arch::mmap(
            addr as usize,
            len,
            prot.bits() as usize,
            flags.bits() as usize,
            fd as usize,
            offset,
        )
    };
    Errno::result(ret).map(|a| a as *mut c_void)
}

/// `munmap`: removes the mappings in `addr..addr+len`.
///
/// # Safety
///
/// Nothing may use the memory in the range afterwards.
#[inline(always)]
pub unsafe fn munmap(addr: *mut c_void, len: usize) -> Result<(), Errno> {
    // SAFETY: forwarded from the caller.
    unsafe { crate::syscall2(nr::MUNMAP, addr as usize, len) }.map(drop)
}

/// `mprotect`: sets the protection of the pages in `addr..addr+len`.
///
/// # Safety
///
/// Taking access away from memory the program still uses makes that use fault.
#[inline(always)]
pub unsafe fn mprotect(addr: *mut c_void, len: usize, prot: Prot) -> Result<(), Errno> {
    // SAFETY: forwarded from the caller.
    unsafe { crate::syscall3(nr::MPROTECT, addr as usize, len, prot.bits() as usize) }.map(drop)
}

/// `pkey_mprotect`: `mprotect` that also tags the pages with protection key `pkey`
/// (-1 for none). Kernels and CPUs without protection keys answer `ENOSYS` or `EINVAL`.
///
/// # Safety
///
/// As for [`mprotect`].
#[inline(always)]
pub unsafe fn pkey_mprotect(
    addr: *mut c_void, len: usize, prot: Prot, pkey: i32,
) -> Result<(), Errno> {
    // SAFETY: forwarded from the caller.
    unsafe {
        crate::syscall4(nr::PKEY_MPROTECT, addr as usize, len, prot.bits() as usize, pkey as usize)
    }
    .map(drop)
}

/// `madvise`: gives the kernel `advice` about `addr..addr+len`.
///
/// # Safety
///
/// Some advice discards contents (`DONTNEED`, `FREE`) or makes access fault
/// (`GUARD_INSTALL`): the program must not rely on what it discards.
#[inline(always)]
pub unsafe fn madvise(addr: *mut c_void, len: usize, advice: Advice) -> Result<(), Errno> {
    // SAFETY: forwarded from the caller.
    unsafe { crate::syscall3(nr::MADVISE, addr as usize, len, advice.raw() as usize) }.map(drop)
}

/// `mremap`: grows, shrinks or moves the mapping at `old_addr`. `new_addr` is used only
/// with `MremapFlags::FIXED`.
///
/// # Safety
///
/// The old range may move or disappear, and with `FIXED` whatever was at `new_addr` is
/// replaced: nothing may rely on either afterwards.
#[inline(always)]
pub unsafe fn mremap(
    old_addr: *mut c_void, old_len: usize, new_len: usize, flags: MremapFlags,
    new_addr: *mut c_void,
) -> Result<*mut c_void, Errno> {
    // SAFETY: forwarded from the caller.
    unsafe {
        crate::syscall5(
            nr::MREMAP,
            old_addr as usize,
            old_len,
            new_len,
            flags.bits() as usize,
            new_addr as usize,
        )
    }
    .map(|a| a as *mut c_void)
}

/// `mseal` (Linux 6.10+, 64-bit kernels): forbids later changes to the mappings in
/// `addr..addr+len` (no munmap, mprotect, mremap, destructive madvise). `flags` must be
/// 0. 32-bit kernels, older kernels and emulators answer `ENOSYS`.
///
/// # Safety
///
/// The range stays mapped for the life of the process: nothing may expect to unmap it.
#[inline(always)]
pub unsafe fn mseal(addr: *mut c_void, len: usize, flags: usize) -> Result<(), Errno> {
    // SAFETY: forwarded from the caller.
    unsafe { crate::syscall3(nr::MSEAL, addr as usize, len, flags) }.map(drop)
}

/// `write`: writes from `buf` to `fd`; returns the count written.
#[inline(always)]
pub fn write(fd: impl AsFd, buf: &[u8]) -> Result<usize, Errno> {
    let fd = fd.as_fd().as_raw_fd();
    // SAFETY: the kernel reads at most `buf.len()` bytes from `buf`; `fd` is borrowed,
    // so it is open and no other file can have its number during the call.
    unsafe { crate::syscall3(nr::WRITE, fd as usize, buf.as_ptr() as usize, buf.len()) }
}

/// `read`: reads from `fd` into `buf`; returns the count read (0 at end of file).
#[inline(always)]
pub fn read(fd: impl AsFd, buf: &mut [u8]) -> Result<usize, Errno> {
    let fd = fd.as_fd().as_raw_fd();
    // SAFETY: the kernel writes at most `buf.len()` bytes into `buf`; `fd` is borrowed.
    unsafe { crate::syscall3(nr::READ, fd as usize, buf.as_mut_ptr() as usize, buf.len()) }
}

/// `openat`: opens `path` relative to `dirfd` ([`fd::CWD`](crate::fd::CWD) for the
/// current directory); `mode` applies when a file is created. Returns the new
/// descriptor, owned.
#[inline(always)]
pub fn openat(dirfd: impl AsFd, path: &CStr, flags: OFlags, mode: u32) -> Result<OwnedFd, Errno> {
    let dirfd = dirfd.as_fd().as_raw_fd();
    // SAFETY: `path` is NUL-terminated and outlives the call; `dirfd` is borrowed (or
    // AT_FDCWD).
    let fd = unsafe {
        crate::syscall4(
            nr::OPENAT,
            dirfd as usize,
            path.as_ptr() as usize,
            flags.bits() as usize,
            mode as usize,
        )
    }?;
    // SAFETY: the kernel just made this descriptor for us: nothing else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) })
}

/// `close`: closes `fd`, reporting the kernel's answer (dropping an [`OwnedFd`] closes
/// it too, ignoring errors). The number is given up whatever the answer: on Linux a
/// failed close has still released it.
#[inline(always)]
pub fn close(fd: OwnedFd) -> Result<(), Errno> {
    let fd = fd.into_raw_fd();
    // SAFETY: `fd` was owned by the value consumed above; nothing uses it after this.
    unsafe { crate::syscall1(nr::CLOSE, fd as usize) }.map(drop)
}

/// `exit_group`: ends every thread of the process with `code` (as
/// `std::process::exit`, safe: no thread runs on to see memory it borrowed).
#[inline(always)]
pub fn exit_group(code: i32) -> ! {
    // SAFETY: exit_group never returns, so nothing after it can observe anything.
    let _ = unsafe { crate::syscall1(nr::EXIT_GROUP, code as usize) };
    // Unreachable in practice; a kernel that returned would leave us nowhere to go.
    loop {
        core::hint::spin_loop();
    }
}

/// `getpid`: the process id.
#[inline(always)]
pub fn getpid() -> i32 {
    // SAFETY: getpid takes no arguments and cannot fail, so its raw result is the pid
    // on every arch (no error test to pay for).
    unsafe { arch::syscall0(nr::GETPID) as i32 }
}

/// `gettid`: the calling thread's id.
#[inline(always)]
pub fn gettid() -> i32 {
    // SAFETY: gettid takes no arguments and cannot fail; its raw result is the tid.
    unsafe { arch::syscall0(nr::GETTID) as i32 }
}

/// `prctl`: process control operation `option` with its arguments.
///
/// # Safety
///
/// Some options take pointers (`PR_GET_AUXV`, `PR_SET_NAME`, ...) or change how the
/// process runs (`PR_SET_SECCOMP`): the arguments must be what `option` expects.
#[inline(always)]
pub unsafe fn prctl(
    option: i32, a2: usize, a3: usize, a4: usize, a5: usize,
) -> Result<usize, Errno> {
    // SAFETY: forwarded from the caller.
    unsafe { crate::syscall5(nr::PRCTL, option as usize, a2, a3, a4, a5) }
}

/// `sched_yield`: lets another thread run.
#[inline(always)]
pub fn sched_yield() {
    // SAFETY: takes no arguments and cannot fail.
    let _ = unsafe { crate::syscall0(nr::SCHED_YIELD) };
}

/// `fork`, as `clone` with only `SIGCHLD` (the one form every architecture has).
/// Returns the child's pid in the parent and 0 in the child.
///
/// # Safety
///
/// In a multi-threaded program the child has only the calling thread: it must not
/// wait for locks other threads held, and should only issue syscalls and exit.
#[inline(always)]
pub unsafe fn fork() -> Result<i32, Errno> {
    // SAFETY: forwarded from the caller.
    Errno::result(unsafe { arch::fork() }).map(|pid| pid as i32)
}

/// `wait4`: waits for child `pid` (-1 for any); returns its pid and wait status.
///
/// Safe: the kernel writes only the status word here. Reaping a child that another part
/// of the program waits for makes that wait fail (`ECHILD`); no memory is at stake.
#[inline(always)]
pub fn wait4(pid: i32, options: i32) -> Result<(i32, WaitStatus), Errno> {
    let mut status: i32 = 0;
    // SAFETY: the kernel writes one int to `status`; the rusage pointer is null.
    let ret = unsafe {
        crate::syscall4(
            nr::WAIT4,
            pid as usize,
            &mut status as *mut i32 as usize,
            options as usize,
            0,
        )
    }?;
    Ok((ret as i32, WaitStatus(status)))
}

/// A wait status as `wait4` reports it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct WaitStatus(pub i32);

impl WaitStatus {
    /// The exit code, if the child exited.
    pub const fn exit_code(self) -> Option<i32> {
        if self.0 & 0x7f == 0 {
            Some((self.0 >> 8) & 0xff)
        } else {
            None
        }
    }
    /// The signal that killed the child, if one did.
    pub const fn signal(self) -> Option<i32> {
        let sig = self.0 & 0x7f;
        if sig != 0 && sig != 0x7f {
            Some(sig)
        } else {
            None
        }
    }
}

/// `kill`: sends signal `sig` to process `pid`.
///
/// Safe: no memory is passed. A signal's default action ends or stops a process, which
/// breaks no memory; handlers that could run code mid-way are installed only with
/// unsafe calls ([`signal::sigaction`](crate::signal::sigaction), or `syscallN`), whose
/// callers answer for them (a handler must be sound for any signal anyone sends).
#[inline(always)]
pub fn kill(pid: i32, sig: i32) -> Result<(), Errno> {
    // SAFETY: no memory is passed; the effect is on another process, which the kernel
    // checks permission for.
    unsafe { crate::syscall2(nr::KILL, pid as usize, sig as usize) }.map(drop)
}

/// `pipe2`: a pipe as `(read end, write end)`.
#[inline(always)]
pub fn pipe2(flags: OFlags) -> Result<(OwnedFd, OwnedFd), Errno> {
    let mut fds = [0i32; 2];
    // SAFETY: the kernel writes two ints into `fds`.
    unsafe { crate::syscall2(nr::PIPE2, fds.as_mut_ptr() as usize, flags.bits() as usize) }?;
    // SAFETY: two descriptors the kernel just made for us: nothing else owns them.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// A resource limit for [`prlimit64`].
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
#[repr(C)]
pub struct Rlimit {
    /// The soft limit, enforced.
    pub cur: u64,
    /// The hard limit, the ceiling for `cur`.
    pub max: u64,
}

/// `RLIMIT_DATA`: the limit on the data segment and on private writable mappings.
pub const RLIMIT_DATA: u32 = 2;
/// `RLIMIT_AS`: the limit on the address space.
pub const RLIMIT_AS: u32 = 9;

/// `prlimit64`: sets (if `new` is given) and returns resource limit `resource` of
/// process `pid` (0 for this one).
///
/// Safe: a lower limit only makes later calls fail (`ENOMEM`, `EMFILE`, ...) or, for
/// `RLIMIT_STACK`, makes a deep stack end the process with `SIGSEGV`, as Rust's own
/// stack overflow does; the kernel reads and writes only the two `Rlimit` values.
#[inline(always)]
pub fn prlimit64(pid: i32, resource: u32, new: Option<&Rlimit>) -> Result<Rlimit, Errno> {
    let mut old = Rlimit::default();
    let new_ptr = new.map_or(0, |r| r as *const Rlimit as usize);
    // SAFETY: the kernel reads one Rlimit from `new_ptr` (or none) and writes one to `old`.
    unsafe {
        crate::syscall4(
            nr::PRLIMIT64,
            pid as usize,
            resource as usize,
            new_ptr,
            &mut old as *mut Rlimit as usize,
        )
    }?;
    Ok(old)
}

/// `exit`: ends the calling thread only, without unwinding or running destructors.
///
/// # Safety
///
/// Nothing may still use anything on this thread's stack or in its thread-locals: no
/// other thread may hold a reference or pointer into them (a scoped thread's borrows of
/// its caller's locals, a value handed to another thread by address, a lock guard or
/// buffer living in a frame of this thread), because those frames end here without
/// their destructors and the memory goes to whoever reuses it. The call does not free
/// the thread's stack: whoever made the thread (its `clone` caller) owns that memory,
/// and must not reuse it before the kernel reports the thread gone (`CLONE_CHILD_CLEARTID`).
/// On the main thread of a program the process lives on while other threads run.
#[inline(always)]
pub unsafe fn exit_thread(code: i32) -> ! {
    // SAFETY: exit never returns; the caller vouches for the stack (above).
    let _ = unsafe { crate::syscall1(nr::EXIT, code as usize) };
    loop {
        core::hint::spin_loop();
    }
}

// --- thread ---

/// `set_tid_address`: when the calling thread ends, the kernel writes 0 to `*tidptr`
/// and wakes one futex waiter there. Returns the caller's thread id.
///
/// # Safety
///
/// `tidptr` must stay valid, writable memory of this process for the rest of the
/// thread's life (the kernel writes it after the thread's last instruction), and
/// nothing may rely on the word keeping another value then. Replacing a pointer that
/// another component set (libc uses it to join threads) breaks that component's joins.
#[inline(always)]
pub unsafe fn set_tid_address(tidptr: *mut u32) -> i32 {
    // SAFETY: set_tid_address cannot fail; the caller vouches for the pointer.
    unsafe { arch::syscall1(nr::SET_TID_ADDRESS, tidptr as usize) as i32 }
}
