//! riscv64: `ecall`; number in a7, arguments in a0-a5, result in a0 (-4095..=-1 is an
//! error).

pub(crate) const SYSCALL_TABLE: &str = include_str!("tbl/riscv64.tbl");
pub(crate) const SYSCALL_BASE: usize = 0;
pub(crate) const UAPI_DEFINES: &str = include_str!("tbl/riscv64.h");
pub(crate) const ERRNO_HEADER: &str = include_str!("tbl/errno-generic.h");

/// Syscall numbers: every entry of the generic `scripts/syscall.tbl`, ABIs common, 64, riscv,
/// rlimit and memfd_secret (`arch/riscv/kernel/Makefile.syscalls`), generated into
/// `arch/gen/riscv64_nr.rs` by `ci/gen-tables.py` and checked against the table at compile time.
pub mod nr {
    include!("gen/riscv64_nr.rs");
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

/// The vector state: the syscall ABI leaves v0-v31, vl and vtype undefined after `ecall`
/// (Documentation/arch/riscv/vector.rst). Declared as clobbers of v0-v31; vl and vtype
/// have no operand, and are the reason `preserves_flags` is not claimed (on RISC-V it
/// covers vtype, vl, vxsat and vxrm). The integer registers all come back unchanged.
pub(crate) const CLOBBERS: &[&str] = &[
    "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9", "v10", "v11", "v12", "v13", "v14",
    "v15", "v16", "v17", "v18", "v19", "v20", "v21", "v22", "v23", "v24", "v25", "v26", "v27",
    "v28", "v29", "v30", "v31",
];

/// What `fork` declares: the same as every syscall.
pub(crate) const FORK_CLOBBERS: &[&str] = CLOBBERS;

/// The instruction and its clobbers; `syscall_fns!` below makes the `syscallN` functions,
/// which only bind registers.
macro_rules! syscall {
    ($nr:expr $(, $reg:tt = $arg:expr)*) => {{
        let ret: usize;
        // SAFETY: (every syscallN) the caller passes a number and arguments valid for
        // that syscall; the asm touches only the declared registers.
        unsafe {
            core::arch::asm!(
                "ecall",
                in("a7") $nr,
                lateout("a0") ret,
                $(in($reg) $arg,)*
                out("v0") _, out("v1") _, out("v2") _, out("v3") _, out("v4") _, out("v5") _,
                out("v6") _, out("v7") _, out("v8") _, out("v9") _, out("v10") _, out("v11") _,
                out("v12") _, out("v13") _, out("v14") _, out("v15") _, out("v16") _,
                out("v17") _, out("v18") _, out("v19") _, out("v20") _, out("v21") _,
                out("v22") _, out("v23") _, out("v24") _, out("v25") _, out("v26") _,
                out("v27") _, out("v28") _, out("v29") _, out("v30") _, out("v31") _,
                options(nostack),
            );
        }
        ret
    }};
}

crate::raw::syscall_fns!("a0", "a1", "a2", "a3", "a4", "a5");

crate::raw::mmap_byte_offset!();

crate::raw::fork_flags_first!();

// The process entry: sp points at argc. First `gp`: GNU ld relaxes accesses near
// `__global_pointer$` into gp-relative ones in non-PIC links, so gp must hold it before
// any compiled code runs (the load itself must not be relaxed, hence norelax). Zero the
// frame pointer and ra so backtraces end here; a1 gets `_DYNAMIC` pc-relatively (weak,
// see start/relocate.rs); the ABI wants sp 16-byte aligned at calls.
#[cfg(feature = "start")]
#[unsafe(naked)]
#[no_mangle]
unsafe extern "C" fn _start() -> ! {
    core::arch::naked_asm!(
        ".weak _DYNAMIC",
        ".hidden _DYNAMIC",
        ".option push",
        ".option norelax",
        "lla gp, __global_pointer$",
        ".option pop",
        "li s0, 0",
        "li ra, 0",
        "mv a0, sp",
        "lla a1, _DYNAMIC",
        "andi sp, sp, -16",
        "call {start}",
        "unimp",
        start = sym crate::start::baresys_start,
    )
}

/// `R_RISCV_RELATIVE`, the one relocation of a static-pie program (`start/relocate.rs`).
#[cfg(feature = "start")]
pub(crate) const R_RELATIVE: Option<usize> = Some(3);

// --- signal ---

/// Signals: numbers and flags (checked against arch/tbl), the kernel's `struct
/// sigaction`, `stack_t`, `siginfo` and `ucontext` layouts and `guarded_load`.
pub(crate) mod signal {
    crate::signal::asm_generic_signals!();
    crate::table::uapi_consts! { usize: MINSIGSTKSZ = 2048, }

    // No SA_RESTORER on riscv: the struct has no restorer field, and the kernel always
    // returns through the vDSO's rt_sigreturn (arch/riscv/kernel/signal.c), mapped into
    // every process.
    crate::signal::kernel_sigaction!(handler, flags, mask);
    crate::signal::kernel_stack!(sp, flags, size);

    // siginfo: signo, errno, code, then the union at 16 (pointer-aligned).
    pub(crate) const SI_ERRNO: usize = 4;
    pub(crate) const SI_CODE: usize = 8;
    pub(crate) const SI_ADDR: usize = 16;
    pub(crate) const FAULT_ADDR_GRANULE: usize = 1;
    pub(crate) const CODE_ADDR_TAG: usize = 0;
    /// The load is the first instruction.
    pub(crate) const GUARDED_LOAD_FAULT_OFFSET: usize = 0;

    // ucontext (arch/riscv/include/uapi/asm/ucontext.h): uc_flags, uc_link, uc_stack
    // (24), uc_sigmask (8), 120 bytes of padding, then uc_mcontext at 176 (16-aligned by
    // its FP state), starting with struct user_regs_struct: pc, ra, sp, gp, tp, t0-t2,
    // s0, s1, a0-a7, ... (8 bytes each).
    const MCONTEXT: usize = 176;
    const PC: usize = MCONTEXT;
    const SP: usize = MCONTEXT + 2 * 8;
    const A0: usize = MCONTEXT + 10 * 8;

    crate::signal::ucontext_words! { uc_pc: get @ PC, uc_sp: get @ SP, uc_set_arg0: set @ A0, uc_set_pc: set @ PC }

    /// The load is the first instruction: sp, ra and every register are as at the call.
    #[unsafe(naked)]
    pub(crate) unsafe extern "C" fn guarded_load(addr: *const usize) -> usize {
        core::arch::naked_asm!("ld a0, 0(a0)", "ret")
    }
}

// --- time (vDSO) and runtime calls ---

/// The time calls, and the vDSO's names for them (arch/riscv/kernel/vdso/vdso.lds.S).
pub(crate) mod time {
    use super::nr;

    pub(crate) const VDSO_VERSION: &str = "LINUX_4.15";
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

/// `clone(flags, newsp, parent_tid, tls, child_tid)` (riscv selects CLONE_BACKWARDS in
/// arch/riscv/Kconfig: tls fourth; it becomes `tp`). The child (a0 0) starts on `stack`, sp at the thread's block (16-byte
/// aligned), clears the frame pointer and calls `thread_start(block)`, which never
/// returns. Clobbers: the vector state, as every syscall here.
#[cfg(feature = "thread")]
#[inline(always)]
pub(crate) unsafe fn clone_thread(flags: usize, stack: usize, tid: *mut u32, tls: usize) -> usize {
    let ret: usize;
    // SAFETY: the caller passes thread flags, a stack and pointers valid for the new
    // thread's life; the parent's registers are those of a plain syscall.
    unsafe {
        core::arch::asm!(
            "ecall",
            "bnez a0, 2f",
            "li s0, 0",
            "mv a0, sp",
            "call {start}",
            "unimp",
            "2:",
            start = sym crate::thread::thread_start,
            in("a7") nr::CLONE,
            inlateout("a0") flags => ret,
            in("a1") stack, in("a2") tid, in("a3") tls, in("a4") tid,
            out("v0") _, out("v1") _, out("v2") _, out("v3") _, out("v4") _, out("v5") _,
            out("v6") _, out("v7") _, out("v8") _, out("v9") _, out("v10") _, out("v11") _,
            out("v12") _, out("v13") _, out("v14") _, out("v15") _, out("v16") _,
            out("v17") _, out("v18") _, out("v19") _, out("v20") _, out("v21") _,
            out("v22") _, out("v23") _, out("v24") _, out("v25") _, out("v26") _,
            out("v27") _, out("v28") _, out("v29") _, out("v30") _, out("v31") _,
            options(nostack),
        );
    }
    ret
}

/// The thread pointer: `tp`.
#[cfg(feature = "thread")]
#[inline(always)]
pub(crate) fn thread_pointer() -> usize {
    let tp: usize;
    // SAFETY: copies a register.
    unsafe { core::arch::asm!("mv {}, tp", out(reg) tp, options(nomem, nostack, preserves_flags)) };
    tp
}

/// Sets `tp` (the compiler never uses it: reserved for the thread pointer).
#[cfg(all(feature = "thread", feature = "start"))]
pub(crate) unsafe fn set_thread_pointer(p: usize) -> Result<(), crate::Errno> {
    // SAFETY: the caller owns the thread pointer (no libc in the process).
    unsafe { core::arch::asm!("mv tp, {}", in(reg) p, options(nomem, nostack, preserves_flags)) };
    Ok(())
}
