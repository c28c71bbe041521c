//! x86_64: `syscall`; number in rax, arguments in rdi rsi rdx r10 r8 r9, result in rax
//! (-4095..=-1 is an error).

// x32 (x86_64 code with 32-bit pointers) has syscall numbers of its own (bit 30 set)
// and other structure layouts; nothing in this file is written for it.
#[cfg(target_pointer_width = "32")]
compile_error!("baresys does not support the x32 ABI (x86_64-unknown-linux-gnux32): its syscall numbers and layouts differ from x86_64's; build for x86_64-unknown-linux-gnu or i686-unknown-linux-gnu");

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

// The process entry: rsp points at argc and is 16-byte aligned, so the `and` only
// documents it; `call` then leaves rsp % 16 == 8, as a function expects. rbp cleared ends
// backtraces here. rsi gets `_DYNAMIC` rip-relatively (weak, see start/relocate.rs).
#[cfg(feature = "start")]
#[unsafe(naked)]
#[no_mangle]
unsafe extern "C" fn _start() -> ! {
    core::arch::naked_asm!(
        ".weak _DYNAMIC",
        ".hidden _DYNAMIC",
        "xor ebp, ebp",
        "mov rdi, rsp",
        "lea rsi, [rip + _DYNAMIC]",
        "and rsp, -16",
        "call {start}",
        "ud2",
        start = sym crate::start::baresys_start,
    )
}

/// `R_X86_64_RELATIVE`, the one relocation of a static-pie program (`start/relocate.rs`).
#[cfg(feature = "start")]
pub(crate) const R_RELATIVE: Option<usize> = Some(8);

// --- signal ---

/// Signals: numbers and flags (checked against arch/tbl), the kernel's `struct
/// sigaction`, `stack_t`, `siginfo` and `ucontext` layouts, the return trampoline and
/// `guarded_load`.
pub(crate) mod signal {
    crate::signal::asm_generic_signals!();
    crate::table::uapi_consts! { usize: SA_RESTORER = 0x0400_0000, MINSIGSTKSZ = 2048, }

    // arch/x86/include/asm/signal.h has __ARCH_HAS_SA_RESTORER.
    crate::signal::kernel_sigaction!(handler, flags, restorer, mask);
    crate::signal::kernel_stack!(sp, flags, size);

    /// The kernel refuses to deliver a signal to a handler without `SA_RESTORER`
    /// (arch/x86/kernel/signal_64.c: "x86-64 should always use SA_RESTORER").
    pub(crate) fn restorer(_flags: usize) -> Option<unsafe extern "C" fn() -> !> {
        Some(restore_rt)
    }

    /// The trampoline the handler returns to: `rt_sigreturn` (15) with the stack pointer
    /// at the frame the kernel built. `mov rax, 15` is the encoding debuggers and
    /// unwinders recognise as a signal frame (glibc's `__restore_rt` has it too).
    #[unsafe(naked)]
    unsafe extern "C" fn restore_rt() -> ! {
        core::arch::naked_asm!("mov rax, {nr}", "syscall", "ud2", nr = const super::nr::RT_SIGRETURN)
    }

    // siginfo: signo, errno, code, then the union at 16 (pointer-aligned).
    pub(crate) const SI_ERRNO: usize = 4;
    pub(crate) const SI_CODE: usize = 8;
    pub(crate) const SI_ADDR: usize = 16;
    pub(crate) const FAULT_ADDR_GRANULE: usize = 1;
    pub(crate) const CODE_ADDR_TAG: usize = 0;
    /// The load is the first instruction.
    pub(crate) const GUARDED_LOAD_FAULT_OFFSET: usize = 0;

    // ucontext: uc_flags, uc_link, uc_stack (24), then uc_mcontext at 40, a struct
    // sigcontext_64 (arch/x86/include/uapi/asm/sigcontext.h): r8-r15, rdi, rsi, rbp,
    // rbx, rdx, rax, rcx, rsp, rip, 8 bytes each.
    const MCONTEXT: usize = 40;
    const RDI: usize = MCONTEXT + 8 * 8;
    const RSP: usize = MCONTEXT + 15 * 8;
    const RIP: usize = MCONTEXT + 16 * 8;

    crate::signal::ucontext_words! { uc_pc: get @ RIP, uc_sp: get @ RSP, uc_set_pc: set @ RIP, uc_set_arg0: set @ RDI }

    /// The load is the first instruction: rsp and every register are as at the call.
    #[unsafe(naked)]
    pub(crate) unsafe extern "C" fn guarded_load(addr: *const usize) -> usize {
        core::arch::naked_asm!("mov rax, qword ptr [rdi]", "ret")
    }
}

// --- time (vDSO) and runtime calls ---

/// The time calls, and the vDSO's names for them (arch/x86/entry/vdso/vdso.lds.S).
pub(crate) mod time {
    use super::nr;

    pub(crate) const VDSO_VERSION: &str = "LINUX_2.6";
    pub(crate) const VDSO_CLOCK_GETTIME: Option<&str> = Some("__vdso_clock_gettime");
    pub(crate) const VDSO_CLOCK_GETRES: Option<&str> = Some("__vdso_clock_getres");
    pub(crate) const VDSO_GETTIMEOFDAY: Option<&str> = Some("__vdso_gettimeofday");
    pub(crate) const VDSO_GETCPU: Option<&str> = Some("__vdso_getcpu");
    /// 4 bytes: the ELF standard's 32-bit `DT_HASH` entries.
    pub(crate) const VDSO_HASH_ENTRY: usize = 4;

    crate::raw::native_time_calls!();
    crate::raw::vdso_c_call!();
}

crate::raw::ftruncate_one_register!();

// --- thread ---

crate::raw::futex_calls!(native);
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
