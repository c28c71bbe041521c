//! aarch64: `svc 0`; number in x8, arguments in x0-x5, result in x0 (-4095..=-1 is an
//! error).

pub(crate) const SYSCALL_TABLE: &str = include_str!("tbl/aarch64.tbl");
pub(crate) const SYSCALL_BASE: usize = 0;
pub(crate) const UAPI_DEFINES: &str = include_str!("tbl/aarch64.h");

/// Syscall numbers (the generic table, `scripts/syscall.tbl`).
pub mod nr {
    crate::table::syscall_numbers! {
        MOUNT = 40, OPENAT = 56, CLOSE = 57, PIPE2 = 59, READ = 63, WRITE = 64, EXIT = 93,
        EXIT_GROUP = 94, SCHED_YIELD = 124, KILL = 129, REBOOT = 142, PRCTL = 167,
        GETPID = 172, GETTID = 178, MUNMAP = 215, MREMAP = 216, CLONE = 220, MMAP = 222,
        MPROTECT = 226, MADVISE = 233, WAIT4 = 260, PRLIMIT64 = 261, SECCOMP = 277,
        PKEY_MPROTECT = 288, PROCESS_MADVISE = 440, MSEAL = 462,
    }
}

/// The asm-generic values.
pub(crate) mod consts {
    crate::table::asm_generic_errno!();
    crate::table::asm_generic_mman!();
}

/// None: the kernel restores every register but x0 (arch/arm64/kernel/entry.S).
pub(crate) const CLOBBERS: &[&str] = &[];

/// What `fork` declares: the same as every syscall.
pub(crate) const FORK_CLOBBERS: &[&str] = CLOBBERS;

/// The instruction and its clobbers; the `syscallN` functions below only bind registers.
/// `preserves_flags`: NZCV comes back with the rest of PSTATE on `eret`.
macro_rules! syscall {
    ($nr:expr, $a1:expr $(, $reg:tt = $arg:expr)*) => {{
        let ret: usize;
        // SAFETY: (every syscallN) the caller passes a number and arguments valid for
        // that syscall; the asm touches only the declared registers.
        unsafe {
            core::arch::asm!(
                "svc 0",
                in("x8") $nr,
                inlateout("x0") $a1 => ret,
                $(in($reg) $arg,)*
                options(nostack, preserves_flags),
            );
        }
        ret
    }};
}

#[inline(always)]
pub(crate) unsafe fn syscall0(n: usize) -> usize {
    syscall!(n, 0usize)
}
#[inline(always)]
pub(crate) unsafe fn syscall1(n: usize, a1: usize) -> usize {
    syscall!(n, a1)
}
#[inline(always)]
pub(crate) unsafe fn syscall2(n: usize, a1: usize, a2: usize) -> usize {
    syscall!(n, a1, "x1" = a2)
}
#[inline(always)]
pub(crate) unsafe fn syscall3(n: usize, a1: usize, a2: usize, a3: usize) -> usize {
    syscall!(n, a1, "x1" = a2, "x2" = a3)
}
#[inline(always)]
pub(crate) unsafe fn syscall4(n: usize, a1: usize, a2: usize, a3: usize, a4: usize) -> usize {
    syscall!(n, a1, "x1" = a2, "x2" = a3, "x3" = a4)
}
#[inline(always)]
pub(crate) unsafe fn syscall5(
    n: usize, a1: usize, a2: usize, a3: usize, a4: usize, a5: usize,
) -> usize {
    syscall!(n, a1, "x1" = a2, "x2" = a3, "x3" = a4, "x4" = a5)
}
#[inline(always)]
pub(crate) unsafe fn syscall6(
    n: usize, a1: usize, a2: usize, a3: usize, a4: usize, a5: usize, a6: usize,
) -> usize {
    syscall!(n, a1, "x1" = a2, "x2" = a3, "x3" = a4, "x4" = a5, "x5" = a6)
}

/// Plain `mmap` with a byte offset.
#[inline(always)]
pub(crate) unsafe fn mmap(
    addr: usize, len: usize, prot: usize, flags: usize, fd: usize, offset: u64,
) -> usize {
    // SAFETY: forwarded from the caller.
    unsafe { syscall6(nr::MMAP, addr, len, prot, flags, fd, offset as usize) }
}

/// fork as `clone(SIGCHLD, 0, ...)`: flags first, then the stack.
#[inline(always)]
pub(crate) unsafe fn fork() -> usize {
    // SAFETY: forwarded from the caller.
    unsafe { syscall2(nr::CLONE, consts::SIGCHLD as usize, 0) }
}

// The process entry: sp is 16-byte aligned and points at argc. Zero the frame pointer
// and link register so backtraces end here.
#[cfg(feature = "start")]
#[unsafe(naked)]
#[no_mangle]
unsafe extern "C" fn _start() -> ! {
    core::arch::naked_asm!(
        "mov x29, xzr",
        "mov x30, xzr",
        "mov x0, sp",
        "bl {start}",
        "brk #1",
        start = sym crate::start::baresys_start,
    )
}
