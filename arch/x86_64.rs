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

/// The instruction and its clobbers; `syscall_fns!` below makes the `syscallN` functions,
/// which only bind registers.
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

crate::raw::syscall_fns!("rdi", "rsi", "rdx", "r10", "r8", "r9");

crate::raw::mmap_byte_offset!();

crate::raw::fork_flags_first!();

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
