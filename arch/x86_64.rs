//! x86_64: `syscall`; number in rax, arguments in rdi rsi rdx r10 r8 r9, result in rax
//! (-4095..=-1 is an error).

pub(crate) const SYSCALL_TABLE: &str = include_str!("tbl/x86_64.tbl");
pub(crate) const SYSCALL_BASE: usize = 0;
pub(crate) const UAPI_DEFINES: &str = include_str!("tbl/x86_64.h");
pub(crate) const ERRNO_HEADER: &str = include_str!("tbl/errno-generic.h");

/// Syscall numbers: every entry of `arch/x86/entry/syscalls/syscall_64.tbl`, ABIs common and 64
/// (x32 left out), generated into `arch/gen/x86_64_nr.rs` by `ci/gen-tables.py` and checked against
/// the table at compile time.
pub mod nr {
    include!("gen/x86_64_nr.rs");
}

/// Errno values: asm-generic `errno-base.h` and `errno.h`, generated into
/// `arch/gen/errno_generic.rs` and checked against the excerpt at compile time.
pub(crate) mod errno {
    include!("gen/errno_generic.rs");
}

/// The asm-generic MAP_* values and SIGCHLD.
pub(crate) mod consts {
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

// --- thread ---

crate::raw::time_calls!(native);
crate::raw::clone_tls_is_block!();

/// `clone(flags, newsp, parent_tid, child_tid, tls)` (x86_64 has the generic order of
/// kernel/fork.c: only X86_32 selects CLONE_BACKWARDS; tls is the new `%fs` base). The child (rax 0) starts on `stack`, with rsp at
/// the thread's block (16-byte aligned, so the callee sees the ABI's rsp % 16 == 8), and
/// calls `thread_start(block)`, which never returns: nothing runs in the caller's frame.
/// Clobbers as for every syscall (rcx, r11); the test changes rflags.
#[cfg(feature = "thread")]
#[inline(always)]
pub(crate) unsafe fn clone_thread(flags: usize, stack: usize, tid: *mut u32, tls: usize) -> usize {
    let ret: usize;
    // SAFETY: the caller passes thread flags, a stack and pointers valid for the new
    // thread's life; the parent's registers are those of a plain syscall.
    unsafe {
        core::arch::asm!(
            "syscall",
            "test rax, rax",
            "jnz 2f",
            "xor ebp, ebp",
            "mov rdi, rsp",
            "call {start}",
            "ud2",
            "2:",
            start = sym crate::thread::thread_start,
            inlateout("rax") nr::CLONE => ret,
            in("rdi") flags, in("rsi") stack, in("rdx") tid, in("r10") tid, in("r8") tls,
            lateout("rcx") _, lateout("r11") _,
            options(nostack),
        );
    }
    ret
}

/// The thread pointer: `%fs:0`, the block's own address (its first field).
#[cfg(feature = "thread")]
#[inline(always)]
pub(crate) fn thread_pointer() -> usize {
    let tp: usize;
    // SAFETY: reads one word at %fs:0; callers only call this where %fs is a block.
    unsafe {
        core::arch::asm!("mov {}, qword ptr fs:[0]", out(reg) tp,
            options(nostack, readonly, preserves_flags));
    }
    tp
}

/// Sets the calling thread's `%fs` base: `arch_prctl(ARCH_SET_FS, p)`.
#[cfg(all(feature = "thread", feature = "start"))]
pub(crate) unsafe fn set_thread_pointer(p: usize) -> Result<(), crate::Errno> {
    const ARCH_SET_FS: usize = 0x1002;
    // SAFETY: the caller owns the thread pointer (no libc in the process).
    unsafe { crate::syscall2(nr::ARCH_PRCTL, ARCH_SET_FS, p) }.map(drop)
}
