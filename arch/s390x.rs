//! s390x: `svc 0`; number in r1, arguments in r2-r7, result in r2 (-4095..=-1 is an
//! error).

pub(crate) const SYSCALL_TABLE: &str = include_str!("tbl/s390x.tbl");
pub(crate) const SYSCALL_BASE: usize = 0;
pub(crate) const UAPI_DEFINES: &str = include_str!("tbl/s390x.h");

/// Syscall numbers (the generic table, `scripts/syscall.tbl`).
pub mod nr {
    crate::table::syscall_numbers! {
        EXIT = 1, READ = 3, WRITE = 4, CLOSE = 6, GETPID = 20, MOUNT = 21, KILL = 37,
        REBOOT = 88, MMAP = 90, MUNMAP = 91, WAIT4 = 114, CLONE = 120, MPROTECT = 125,
        SCHED_YIELD = 158, MREMAP = 163, PRCTL = 172, MADVISE = 219, GETTID = 236,
        EXIT_GROUP = 248, OPENAT = 288, PIPE2 = 325, PRLIMIT64 = 334, SECCOMP = 348,
        PKEY_MPROTECT = 384, PROCESS_MADVISE = 440, MSEAL = 462,
    }
}

/// The asm-generic values.
pub(crate) mod consts {
    crate::table::asm_generic_errno!();
    crate::table::asm_generic_mman!();
}

/// None: the kernel restores every register but r2 (arch/s390/kernel/entry.S).
pub(crate) const CLOBBERS: &[&str] = &[];

/// What `fork` declares: the same as every syscall.
pub(crate) const FORK_CLOBBERS: &[&str] = CLOBBERS;

/// The instruction and its clobbers; `syscall_fns!` below makes the `syscallN` functions,
/// which only bind registers.
/// `preserves_flags`: the condition code is part of the PSW the kernel returns with.
macro_rules! syscall {
    ($nr:expr $(, $reg:tt = $arg:expr)*) => {{
        let ret: usize;
        // SAFETY: (every syscallN) the caller passes a number and arguments valid for
        // that syscall; the asm touches only the declared registers.
        unsafe {
            core::arch::asm!(
                "svc 0",
                in("r1") $nr,
                lateout("r2") ret,
                $(in($reg) $arg,)*
                options(nostack, preserves_flags),
            );
        }
        ret
    }};
}

crate::raw::syscall_fns!("r2", "r3", "r4", "r5", "r6", "r7");

/// s390x's mmap is `old_mmap`: one argument, a pointer to the six values in memory.
#[inline(always)]
pub(crate) unsafe fn mmap(
    addr: usize, len: usize, prot: usize, flags: usize, fd: usize, offset: u64,
) -> usize {
    let block: [usize; 6] = [addr, len, prot, flags, fd, offset as usize];
    // SAFETY: forwarded from the caller; the kernel reads the six words of `block`,
    // which lives until the call returns (the asm is not `nomem`, so it is written first).
    unsafe { syscall1(nr::MMAP, block.as_ptr() as usize) }
}

/// fork as `clone(0, SIGCHLD, ...)`: s390 has CLONE_BACKWARDS2, the stack comes first.
#[inline(always)]
pub(crate) unsafe fn fork() -> usize {
    // SAFETY: forwarded from the caller.
    unsafe { syscall2(nr::CLONE, 0, consts::SIGCHLD as usize) }
}

// The process entry: r15 points at argc. The ABI wants r15 8-byte aligned with a
// 160-byte register save area below the caller's frame, and a zero back chain.
#[cfg(feature = "start")]
#[unsafe(naked)]
#[no_mangle]
unsafe extern "C" fn _start() -> ! {
    core::arch::naked_asm!(
        "lgr %r2, %r15",
        "nill %r15, 0xfff0",
        "aghi %r15, -160",
        "lghi %r0, 0",
        "stg %r0, 0(%r15)",
        "brasl %r14, {start}",
        "j .",
        start = sym crate::start::baresys_start,
    )
}
