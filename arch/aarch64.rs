//! aarch64: `svc 0`; number in x8, arguments in x0-x5, result in x0 (-4095..=-1 is an
//! error).

// ILP32 (aarch64 code with 32-bit pointers) passes arguments and lays out structures
// differently; nothing in this file is written for it.
#[cfg(target_pointer_width = "32")]
compile_error!("baresys does not support aarch64 ILP32 (aarch64-unknown-linux-gnu_ilp32): its syscall ABI differs from LP64's; build for aarch64-unknown-linux-gnu");

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
#[cfg(not(target_feature = "sve"))]
pub(crate) const CLOBBERS: &[&str] = &[];
/// With SVE: the SVE state a system call discards (see `syscall!`).
#[cfg(target_feature = "sve")]
pub(crate) const CLOBBERS: &[&str] = &[
    "p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8", "p9", "p10", "p11", "p12", "p13", "p14",
    "p15", "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9", "v10", "v11", "v12", "v13",
    "v14", "v15", "v16", "v17", "v18", "v19", "v20", "v21", "v22", "v23", "v24", "v25", "v26",
    "v27", "v28", "v29", "v30", "v31",
];

/// What `fork` declares: the same as every syscall.
pub(crate) const FORK_CLOBBERS: &[&str] = CLOBBERS;

/// The instruction and its clobbers; `syscall_fns!` below makes the `syscallN` functions,
/// which only bind registers.
/// `preserves_flags`: NZCV comes back with the rest of PSTATE on `eret`.
#[cfg(not(target_feature = "sve"))]
macro_rules! syscall {
    ($nr:expr $(, $reg:tt = $arg:expr)*) => { svc!($nr $(, $reg = $arg)*;) };
}

/// With SVE, a system call discards the SVE state: Z0-Z31 keep only their low 128 bits
/// (the V registers), and P0-P15 and FFR become zero (Documentation/arch/arm64/sve.rst,
/// "System call behaviour"). Rust's asm cannot name a Z register, but declaring its V
/// part keeps the compiler from leaving any value in that register across the call. FFR
/// is not declared: LLVM reserves it (no value of the compiler's lives there) and warns
/// that clobbering a reserved register is undefined.
#[cfg(target_feature = "sve")]
macro_rules! syscall {
    ($nr:expr $(, $reg:tt = $arg:expr)*) => {
        svc!($nr $(, $reg = $arg)*;
            out("p0") _, out("p1") _, out("p2") _, out("p3") _, out("p4") _, out("p5") _,
            out("p6") _, out("p7") _, out("p8") _, out("p9") _, out("p10") _, out("p11") _,
            out("p12") _, out("p13") _, out("p14") _, out("p15") _,
            out("v0") _, out("v1") _, out("v2") _, out("v3") _, out("v4") _, out("v5") _,
            out("v6") _, out("v7") _, out("v8") _, out("v9") _, out("v10") _, out("v11") _,
            out("v12") _, out("v13") _, out("v14") _, out("v15") _, out("v16") _,
            out("v17") _, out("v18") _, out("v19") _, out("v20") _, out("v21") _,
            out("v22") _, out("v23") _, out("v24") _, out("v25") _, out("v26") _,
            out("v27") _, out("v28") _, out("v29") _, out("v30") _, out("v31") _,)
    };
}

/// `svc 0` with the number, the arguments and whatever `syscall!` adds as clobbers.
macro_rules! svc {
    ($nr:expr $(, $reg:tt = $arg:expr)*; $($clobber:tt)*) => {{
        let ret: usize;
        // SAFETY: (every syscallN) the caller passes a number and arguments valid for
        // that syscall; the asm touches only the declared registers.
        unsafe {
            core::arch::asm!(
                "svc 0",
                in("x8") $nr,
                lateout("x0") ret,
                $(in($reg) $arg,)*
                $($clobber)*
                options(nostack, preserves_flags),
            );
        }
        ret
    }};
}

crate::raw::syscall_fns!("x0", "x1", "x2", "x3", "x4", "x5");

crate::raw::mmap_byte_offset!();

crate::raw::fork_flags_first!();

// The process entry: sp is 16-byte aligned and points at argc. Zero the frame pointer and
// link register so backtraces end here; x1 gets `_DYNAMIC` pc-relatively (weak, see
// start/relocate.rs).
#[cfg(feature = "start")]
#[unsafe(naked)]
#[no_mangle]
unsafe extern "C" fn _start() -> ! {
    core::arch::naked_asm!(
        ".weak _DYNAMIC",
        ".hidden _DYNAMIC",
        "mov x29, xzr",
        "mov x30, xzr",
        "mov x0, sp",
        "adrp x1, _DYNAMIC",
        "add x1, x1, :lo12:_DYNAMIC",
        "bl {start}",
        "brk #1",
        start = sym crate::start::baresys_start,
    )
}

/// `R_AARCH64_RELATIVE`, the one relocation of a static-pie program (`start/relocate.rs`).
#[cfg(feature = "start")]
pub(crate) const R_RELATIVE: Option<usize> = Some(1027);

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

    crate::signal::ucontext_words! { uc_pc: get @ PC, uc_sp: get @ SP, uc_set_arg0: set @ X0, uc_set_pc: set @ PC }

    /// The load is the first instruction: sp, x30 and every register are as at the call.
    #[unsafe(naked)]
    pub(crate) unsafe extern "C" fn guarded_load(addr: *const usize) -> usize {
        core::arch::naked_asm!("ldr x0, [x0]", "ret")
    }
}

// --- time (vDSO) and runtime calls ---

/// The time calls, and the vDSO's names for them (arch/arm64/kernel/vdso/vdso.lds.S).
pub(crate) mod time {
    use super::nr;

    pub(crate) const VDSO_VERSION: &str = "LINUX_2.6.39";
    pub(crate) const VDSO_CLOCK_GETTIME: Option<&str> = Some("__kernel_clock_gettime");
    pub(crate) const VDSO_CLOCK_GETRES: Option<&str> = Some("__kernel_clock_getres");
    pub(crate) const VDSO_GETTIMEOFDAY: Option<&str> = Some("__kernel_gettimeofday");
    pub(crate) const VDSO_GETCPU: Option<&str> = None;
    /// 4 bytes: the ELF standard's 32-bit `DT_HASH` entries.
    pub(crate) const VDSO_HASH_ENTRY: usize = 4;

    crate::raw::native_time_calls!();

    // No getcpu in the arm64 vDSO.
    crate::raw::vdso_c_call!();
}

crate::raw::ftruncate_one_register!();

// --- thread ---

crate::raw::futex_calls!(native);
crate::raw::clone_tls_is_block!();

/// `clone(flags, newsp, parent_tid, tls, child_tid)` (arm64 selects CLONE_BACKWARDS in
/// arch/arm64/Kconfig: tls fourth; it becomes `tpidr_el0`). The child (x0 0) starts on `stack`, sp at the thread's block
/// (16-byte aligned), clears fp and lr so backtraces end there, and calls
/// `thread_start(block)`, which never returns. No clobbers beyond the result (as every
/// syscall here).
#[cfg(feature = "thread")]
#[inline(always)]
pub(crate) unsafe fn clone_thread(flags: usize, stack: usize, tid: *mut u32, tls: usize) -> usize {
    let ret: usize;
    // SAFETY: the caller passes thread flags, a stack and pointers valid for the new
    // thread's life; the parent's registers are those of a plain syscall.
    unsafe {
        core::arch::asm!(
            "svc 0",
            "cbnz x0, 2f",
            "mov x29, xzr",
            "mov x30, xzr",
            "mov x0, sp",
            "bl {start}",
            "brk #1",
            "2:",
            start = sym crate::thread::thread_start,
            in("x8") nr::CLONE,
            inlateout("x0") flags => ret,
            in("x1") stack, in("x2") tid, in("x3") tls, in("x4") tid,
            options(nostack, preserves_flags),
        );
    }
    ret
}

/// The thread pointer: `tpidr_el0`.
#[cfg(feature = "thread")]
#[inline(always)]
pub(crate) fn thread_pointer() -> usize {
    let tp: usize;
    // SAFETY: reads a system register that EL0 may read.
    unsafe {
        core::arch::asm!("mrs {}, tpidr_el0", out(reg) tp, options(nomem, nostack, preserves_flags));
    }
    tp
}

/// Sets `tpidr_el0`, which EL0 may write.
#[cfg(all(feature = "thread", feature = "start"))]
pub(crate) unsafe fn set_thread_pointer(p: usize) -> Result<(), crate::Errno> {
    // SAFETY: the caller owns the thread pointer (no libc in the process).
    unsafe { core::arch::asm!("msr tpidr_el0, {}", in(reg) p, options(nostack, preserves_flags)) };
    Ok(())
}
