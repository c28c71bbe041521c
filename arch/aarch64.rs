//! aarch64: `svc 0`; number in x8, arguments in x0-x5, result in x0 (-4095..=-1 is an
//! error).

pub(crate) const SYSCALL_TABLE: &str = include_str!("tbl/aarch64.tbl");
pub(crate) const SYSCALL_BASE: usize = 0;
pub(crate) const UAPI_DEFINES: &str = include_str!("tbl/aarch64.h");
pub(crate) const ERRNO_HEADER: &str = include_str!("tbl/errno-generic.h");

/// Syscall numbers: every entry of the generic `scripts/syscall.tbl`, ABIs common, 64, renameat,
/// rlimit and memfd_secret (`arch/arm64/kernel/Makefile.syscalls`), generated into
/// `arch/gen/aarch64_nr.rs` by `ci/gen-tables.py` and checked against the table at compile time.
pub mod nr {
    include!("gen/aarch64_nr.rs");
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

/// None: the kernel restores every register but x0 (arch/arm64/kernel/entry.S).
pub(crate) const CLOBBERS: &[&str] = &[];

/// What `fork` declares: the same as every syscall.
pub(crate) const FORK_CLOBBERS: &[&str] = CLOBBERS;

/// The instruction and its clobbers; `syscall_fns!` below makes the `syscallN` functions,
/// which only bind registers.
/// `preserves_flags`: NZCV comes back with the rest of PSTATE on `eret`.
macro_rules! syscall {
    ($nr:expr $(, $reg:tt = $arg:expr)*) => {{
        let ret: usize;
        // SAFETY: (every syscallN) the caller passes a number and arguments valid for
        // that syscall; the asm touches only the declared registers.
        unsafe {
            core::arch::asm!(
                "svc 0",
                in("x8") $nr,
                lateout("x0") ret,
                $(in($reg) $arg,)*
                options(nostack, preserves_flags),
            );
        }
        ret
    }};
}

crate::raw::syscall_fns!("x0", "x1", "x2", "x3", "x4", "x5");

crate::raw::mmap_byte_offset!();

crate::raw::fork_flags_first!();

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

// --- signal ---

/// Signals: numbers and flags (checked against arch/tbl), the kernel's `struct
/// sigaction`, `stack_t`, `siginfo` and `ucontext` layouts and `guarded_load`.
pub(crate) mod signal {
    crate::signal::asm_generic_signals!();
    crate::table::uapi_consts! { usize: SA_RESTORER = 0x0400_0000, MINSIGSTKSZ = 5120, }

    // arch/arm64/include/uapi/asm/signal.h defines SA_RESTORER, so asm-generic's
    // signal.h gives __ARCH_HAS_SA_RESTORER: the restorer field is there.
    crate::signal::kernel_sigaction!(handler, flags, restorer, mask);
    crate::signal::kernel_stack!(sp, flags, size);

    /// None: without `SA_RESTORER` the kernel returns through the vDSO's sigtramp
    /// (arch/arm64/kernel/signal.c), mapped into every process.
    pub(crate) fn restorer(_flags: usize) -> Option<unsafe extern "C" fn() -> !> {
        None
    }

    // siginfo: signo, errno, code, then the union at 16 (pointer-aligned).
    pub(crate) const SI_ERRNO: usize = 4;
    pub(crate) const SI_CODE: usize = 8;
    pub(crate) const SI_ADDR: usize = 16;
    pub(crate) const FAULT_ADDR_GRANULE: usize = 1;
    pub(crate) const CODE_ADDR_TAG: usize = 0;
    /// The load is the first instruction.
    pub(crate) const GUARDED_LOAD_FAULT_OFFSET: usize = 0;

    // ucontext (arch/arm64/include/uapi/asm/ucontext.h): uc_flags, uc_link, uc_stack
    // (24), uc_sigmask (8), 120 bytes of padding, then uc_mcontext at 176 (16-aligned),
    // a struct sigcontext: fault_address, regs[31], sp, pc, pstate (8 bytes each).
    const MCONTEXT: usize = 176;
    const X0: usize = MCONTEXT + 8;
    const SP: usize = MCONTEXT + 32 * 8;
    const PC: usize = MCONTEXT + 33 * 8;

    pub(crate) unsafe fn uc_pc(uc: *mut u8) -> usize {
        // SAFETY: the caller passes the kernel's ucontext.
        unsafe { crate::signal::uc_word(uc, PC) }
    }
    pub(crate) unsafe fn uc_sp(uc: *mut u8) -> usize {
        // SAFETY: as above.
        unsafe { crate::signal::uc_word(uc, SP) }
    }
    pub(crate) unsafe fn uc_set_arg0(uc: *mut u8, v: usize) {
        // SAFETY: as above.
        unsafe { crate::signal::uc_set_word(uc, X0, v) }
    }
    pub(crate) unsafe fn uc_set_pc(uc: *mut u8, pc: usize) {
        // SAFETY: as above.
        unsafe { crate::signal::uc_set_word(uc, PC, pc) }
    }

    /// The load is the first instruction: sp, x30 and every register are as at the call.
    #[unsafe(naked)]
    pub(crate) unsafe extern "C" fn guarded_load(addr: *const usize) -> usize {
        core::arch::naked_asm!("ldr x0, [x0]", "ret")
    }
}
