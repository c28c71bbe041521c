//! x86_64: `syscall`; number in rax, arguments in rdi rsi rdx r10 r8 r9, result in rax
//! (-4095..=-1 is an error).

pub(crate) const SYSCALL_TABLE: &str = include_str!("tbl/x86_64.tbl");
pub(crate) const SYSCALL_BASE: usize = 0;
pub(crate) const UAPI_DEFINES: &str = include_str!("tbl/x86_64.h");

/// Syscall numbers (`arch/x86/entry/syscalls/syscall_64.tbl`).
pub mod nr {
    crate::table::syscall_numbers! {
        READ = 0, WRITE = 1, CLOSE = 3, MMAP = 9, MPROTECT = 10, MUNMAP = 11,
        SCHED_YIELD = 24, MREMAP = 25, MADVISE = 28, GETPID = 39, CLONE = 56, EXIT = 60,
        WAIT4 = 61, KILL = 62, PRCTL = 157, MOUNT = 165, REBOOT = 169, GETTID = 186,
        EXIT_GROUP = 231, OPENAT = 257, PIPE2 = 293, PRLIMIT64 = 302, SECCOMP = 317,
        PKEY_MPROTECT = 329, PROCESS_MADVISE = 440, MSEAL = 462,
    }
}

/// The asm-generic values.
pub(crate) mod consts {
    crate::table::asm_generic_errno!();
    crate::table::asm_generic_mman!();
}

/// rcx and r11: `syscall` saves rip and rflags there, and `sysret` does not restore
/// them (Intel SDM, SYSCALL; the kernel's entry_64.S).
pub(crate) const CLOBBERS: &[&str] = &["rcx", "r11"];

/// What `fork` declares: the same as every syscall.
pub(crate) const FORK_CLOBBERS: &[&str] = CLOBBERS;

/// The instruction and its clobbers; the `syscallN` functions below only bind registers.
/// `preserves_flags`: rflags comes back through r11 on `sysret`.
macro_rules! syscall {
    ($nr:expr $(, $reg:tt = $arg:expr)*) => {{
        let ret: usize;
        // SAFETY: (every syscallN) the caller passes a number and arguments valid for
        // that syscall; the asm touches only the declared registers.
        unsafe {
            core::arch::asm!(
                "syscall",
                inlateout("rax") $nr => ret,
                $(in($reg) $arg,)*
                lateout("rcx") _, lateout("r11") _,
                options(nostack, preserves_flags),
            );
        }
        ret
    }};
}

#[inline(always)]
pub(crate) unsafe fn syscall0(n: usize) -> usize {
    syscall!(n)
}
#[inline(always)]
pub(crate) unsafe fn syscall1(n: usize, a1: usize) -> usize {
    syscall!(n, "rdi" = a1)
}
#[inline(always)]
pub(crate) unsafe fn syscall2(n: usize, a1: usize, a2: usize) -> usize {
    syscall!(n, "rdi" = a1, "rsi" = a2)
}
#[inline(always)]
pub(crate) unsafe fn syscall3(n: usize, a1: usize, a2: usize, a3: usize) -> usize {
    syscall!(n, "rdi" = a1, "rsi" = a2, "rdx" = a3)
}
#[inline(always)]
pub(crate) unsafe fn syscall4(n: usize, a1: usize, a2: usize, a3: usize, a4: usize) -> usize {
    syscall!(n, "rdi" = a1, "rsi" = a2, "rdx" = a3, "r10" = a4)
}
#[inline(always)]
pub(crate) unsafe fn syscall5(
    n: usize, a1: usize, a2: usize, a3: usize, a4: usize, a5: usize,
) -> usize {
    syscall!(n, "rdi" = a1, "rsi" = a2, "rdx" = a3, "r10" = a4, "r8" = a5)
}
#[inline(always)]
pub(crate) unsafe fn syscall6(
    n: usize, a1: usize, a2: usize, a3: usize, a4: usize, a5: usize, a6: usize,
) -> usize {
    syscall!(n, "rdi" = a1, "rsi" = a2, "rdx" = a3, "r10" = a4, "r8" = a5, "r9" = a6)
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

// The process entry: the kernel leaves argc at (rsp) with rsp 16-byte aligned; the
// call pushes the return address, so realign before it as the ABI wants.
#[cfg(feature = "start")]
#[unsafe(naked)]
#[no_mangle]
unsafe extern "C" fn _start() -> ! {
    core::arch::naked_asm!(
        "xor ebp, ebp",
        "mov rdi, rsp",
        "and rsp, -16",
        "call {start}",
        "ud2",
        start = sym crate::start::baresys_start,
    )
}
