//! powerpc64 (ELFv2, big and little endian): `sc`; number in r0, arguments in r3-r8,
//! result in r3. The kernel flags an error with cr0.SO and a positive errno in r3; the
//! asm negates it so that every arch hands back errors the same way.

// ELFv1 (powerpc64-unknown-linux-gnu) enters functions through descriptors: the kernel
// reads `_start`'s entry and TOC from one, which the naked `_start` below is not. The
// system calls themselves are the same, so only the `start` feature is refused. Some
// Rust releases (1.88) report no `target_abi` there; it is the big-endian gnu target.
#[cfg(all(
    feature = "start",
    any(target_abi = "elfv1", all(target_endian = "big", target_env = "gnu"))
))]
compile_error!("baresys's `start` feature does not support powerpc64 ELFv1 (powerpc64-unknown-linux-gnu), whose entry point must be a function descriptor: build for powerpc64-unknown-linux-musl (ELFv2), or provide your own _start");

pub(crate) const SYSCALL_TABLE: &str = include_str!("tbl/powerpc64.tbl");
pub(crate) const SYSCALL_BASE: usize = 0;
pub(crate) const UAPI_DEFINES: &str = include_str!("tbl/powerpc64.h");
pub(crate) const ERRNO_HEADER: &str = include_str!("tbl/errno-powerpc.h");

/// Syscall numbers: every entry of `arch/powerpc/kernel/syscalls/syscall.tbl`, ABIs common, nospu
/// and 64, generated into `arch/gen/powerpc64_nr.rs` by `ci/gen-tables.py` and checked against the
/// table at compile time.
pub mod nr {
    include!("gen/powerpc64_nr.rs");
}

/// Errno values: asm-generic `errno-base.h` and `errno.h`, with powerpc's `EDEADLOCK` (58),
/// generated into `arch/gen/errno_powerpc.rs` and checked against the excerpt at compile time.
pub(crate) mod errno {
    include!("gen/errno_powerpc.rs");
}

/// powerpc's own MAP_NORESERVE.
pub(crate) mod consts {
    crate::table::uapi_consts! { u32:
        MAP_ANONYMOUS = 0x20, MAP_NORESERVE = 0x40, MAP_POPULATE = 0x8000,
        MAP_HUGETLB = 0x40000, SIGCHLD = 17,
    }
}

/// r0, r4-r12, cr0, ctr and xer: the syscall ABI keeps only r1-r3 and the nonvolatile
/// registers (Documentation/arch/powerpc/syscall64-abi.rst); cr0.SO carries the error.
/// `preserves_flags` is not claimed: on PowerPC it covers CR and XER.
pub(crate) const CLOBBERS: &[&str] =
    &["r0", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12", "cr0", "ctr", "xer"];

/// What `fork` declares: the same as every syscall.
pub(crate) const FORK_CLOBBERS: &[&str] = CLOBBERS;

/// The instruction, the error convention and the clobbers; `syscall_fns!` below makes the
/// `syscallN` functions, which only bind registers. `bns` skips the negation when cr0.SO
/// is clear (success).
macro_rules! syscall {
    ($nr:expr $(, $reg:tt = $arg:expr)*) => {{
        let ret: usize;
        // SAFETY: (every syscallN) the caller passes a number and arguments valid for
        // that syscall; the asm touches only the declared registers.
        unsafe {
            core::arch::asm!(
                "sc",
                "bns 0f",
                "neg 3, 3",
                "0:",
                inlateout("r0") $nr => _,
                lateout("r3") ret,
                $(in($reg) $arg,)*
                lateout("r4") _, lateout("r5") _, lateout("r6") _, lateout("r7") _,
                lateout("r8") _, lateout("r9") _, lateout("r10") _, lateout("r11") _,
                lateout("r12") _, lateout("cr0") _, lateout("ctr") _, lateout("xer") _,
                options(nostack),
            );
        }
        ret
    }};
}

crate::raw::syscall_fns!("r3", "r4", "r5", "r6", "r7", "r8");

crate::raw::mmap_byte_offset!();

crate::raw::fork_flags_first!();

// The process entry (ELFv2): find the TOC and `_DYNAMIC` (weak, see start/relocate.rs)
// from our own address (bcl/mflr, so nothing depends on r12 at entry), pass r1 (argc) on,
// clear r31 (the frame pointer where one is used), align r1 to 16 and leave a zeroed
// minimal frame (back chain, 32 bytes) for the callee.
#[cfg(feature = "start")]
#[unsafe(naked)]
#[no_mangle]
unsafe extern "C" fn _start() -> ! {
    core::arch::naked_asm!(
        ".weak _DYNAMIC",
        ".hidden _DYNAMIC",
        "bcl 20, 31, 1f",
        "1:",
        "mflr 12",
        "addis 2, 12, (.TOC. - 1b)@ha",
        "addi 2, 2, (.TOC. - 1b)@l",
        "addis 4, 12, (_DYNAMIC - 1b)@ha",
        "addi 4, 4, (_DYNAMIC - 1b)@l",
        "mr 3, 1",
        "li 31, 0",
        "clrrdi 1, 1, 4",
        "li 0, 0",
        "stdu 0, -32(1)",
        "bl {start}",
        "nop",
        "trap",
        start = sym crate::start::baresys_start,
    )
}

/// `R_PPC64_RELATIVE`, the one relocation of a static-pie program (`start/relocate.rs`).
#[cfg(feature = "start")]
pub(crate) const R_RELATIVE: Option<usize> = Some(22);

// --- signal ---

/// Signals: numbers and flags (checked against arch/tbl), the kernel's `struct
/// sigaction`, `stack_t`, `siginfo` and `ucontext` layouts and `guarded_load`.
pub(crate) mod signal {
    crate::signal::asm_generic_signals!();
    crate::table::uapi_consts! { usize: SA_RESTORER = 0x0400_0000, MINSIGSTKSZ = 8192, }

    // arch/powerpc/include/asm/signal.h has __ARCH_HAS_SA_RESTORER.
    crate::signal::kernel_sigaction!(handler, flags, restorer, mask);
    crate::signal::kernel_stack!(sp, flags, size);

    /// None: the kernel ignores the field and returns through the vDSO's sigtramp_rt64
    /// (arch/powerpc/kernel/signal_64.c), mapped into every process.
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

    // ucontext (arch/powerpc/include/uapi/asm/ucontext.h, 64-bit): uc_flags, uc_link,
    // uc_stack (24), uc_sigmask (8), __unused[15] (120), then uc_mcontext at 168, a
    // struct sigcontext (arch/powerpc/include/uapi/asm/sigcontext.h): _unused[4],
    // signal, _pad0, handler, oldmask, regs, then gp_regs at +64: r0-r31, nip, ...
    // (sigreturn restores from gp_regs).
    const GP_REGS: usize = 168 + 64;
    const SP: usize = GP_REGS + 8;
    const R3: usize = GP_REGS + 3 * 8;
    const R12: usize = GP_REGS + 12 * 8;
    const PC: usize = GP_REGS + 32 * 8;

    crate::signal::ucontext_words! { uc_pc: get @ PC, uc_sp: get @ SP, uc_set_arg0: set @ R3 }

    /// r12 too: an ELFv2 function's global entry point computes its TOC pointer (r2)
    /// from it.
    pub(crate) unsafe fn uc_set_pc(uc: *mut u8, pc: usize) {
        // SAFETY: as above.
        unsafe {
            crate::signal::uc_set_word(uc, PC, pc);
            crate::signal::uc_set_word(uc, R12, pc);
        }
    }

    /// The load is the first instruction: r1, lr and every register are as at the call.
    #[unsafe(naked)]
    pub(crate) unsafe extern "C" fn guarded_load(addr: *const usize) -> usize {
        core::arch::naked_asm!("ld 3, 0(3)", "blr")
    }
}

// --- time (vDSO) and runtime calls ---

/// The time calls, and the vDSO's names for them (arch/powerpc/kernel/vdso/vdso64.lds.S, VDSO_VERSION_STRING in asm/vdso.h).
pub(crate) mod time {
    use super::nr;

    pub(crate) const VDSO_VERSION: &str = "LINUX_2.6.15";
    pub(crate) const VDSO_CLOCK_GETTIME: Option<&str> = Some("__kernel_clock_gettime");
    pub(crate) const VDSO_CLOCK_GETRES: Option<&str> = Some("__kernel_clock_getres");
    pub(crate) const VDSO_GETTIMEOFDAY: Option<&str> = Some("__kernel_gettimeofday");
    pub(crate) const VDSO_GETCPU: Option<&str> = Some("__kernel_getcpu");
    /// 4 bytes: the ELF standard's 32-bit `DT_HASH` entries.
    pub(crate) const VDSO_HASH_ENTRY: usize = 4;

    crate::raw::native_time_calls!();
    /// Calls vDSO function `f` with three arguments; the result comes back in the
    /// -4095..=-1 form. powerpc64's vDSO reports errors as `sc` does, with cr0.SO set
    /// and a positive errno in r3 (arch/powerpc/kernel/vdso/gettimeofday.S), so this is
    /// asm: r12 and ctr hold the entry (ELFv2's global entry computes its TOC from r12),
    /// the asm makes a minimal frame (back chain; the callee may use its LR and TOC save
    /// slots) and keeps r2 in its TOC slot across the call; `clobber_abi("C")` declares
    /// what the ELFv2 ABI lets a callee change (r0, r3-r12, cr0/1/5-7, ctr, lr, xer, the
    /// volatile FP and vector registers).
    ///
    /// # Safety
    ///
    /// `f` is a function of this process's vDSO, and the arguments are valid for it.
    #[inline(always)]
    pub(crate) unsafe fn vdso_call(f: usize, a1: usize, a2: usize, a3: usize) -> usize {
        let ret: usize;
        // SAFETY: the caller's promise; the asm gives back the stack it takes, and
        // (not `nostack`) the compiler keeps no live data in the red zone below r1.
        unsafe {
            core::arch::asm!(
                "mtctr 12",
                "stdu 1, -64(1)",
                "std 2, 24(1)",
                "bctrl",
                "ld 2, 24(1)",
                "addi 1, 1, 64",
                "bns 0f",
                "neg 3, 3",
                "0:",
                in("r12") f,
                inlateout("r3") a1 => ret,
                in("r4") a2,
                in("r5") a3,
                clobber_abi("C"),
            );
        }
        ret
    }
}

crate::raw::ftruncate_one_register!();

// --- thread ---

crate::raw::futex_calls!(native);
crate::raw::clone_tls_is_block!();

/// `clone(flags, newsp, parent_tid, tls, child_tid)` (powerpc has CLONE_BACKWARDS; tls
/// becomes r13). Error convention and clobbers as every syscall here. The child (r3 0,
/// cr0.SO clear) starts with r1 at the thread's block (16-byte aligned), makes a
/// minimal 32-byte ELFv2 frame with a zero back chain and calls `thread_start(block)`
/// (r2, the TOC, is the parent's: the same module), never returning.
#[cfg(feature = "thread")]
#[inline(always)]
pub(crate) unsafe fn clone_thread(flags: usize, stack: usize, tid: *mut u32, tls: usize) -> usize {
    let ret: usize;
    // SAFETY: the caller passes thread flags, a stack and pointers valid for the new
    // thread's life; the parent's registers are those of a plain syscall.
    unsafe {
        core::arch::asm!(
            "sc",
            "bso 3f",
            "cmpdi 3, 0",
            "bne 2f",
            "mr 3, 1",
            "li 0, 0",
            "stdu 0, -32(1)",
            "bl {start}",
            "nop",
            "trap",
            "3:",
            "neg 3, 3",
            "2:",
            start = sym crate::thread::thread_start,
            inlateout("r0") nr::CLONE => _,
            inlateout("r3") flags => ret,
            inlateout("r4") stack => _, inlateout("r5") tid => _, inlateout("r6") tls => _,
            inlateout("r7") tid => _,
            lateout("r8") _, lateout("r9") _, lateout("r10") _, lateout("r11") _,
            lateout("r12") _, lateout("cr0") _, lateout("ctr") _, lateout("xer") _,
            options(nostack),
        );
    }
    ret
}

/// The thread pointer: r13 (reserved for it by the ABI; the compiler never uses it).
#[cfg(feature = "thread")]
#[inline(always)]
pub(crate) fn thread_pointer() -> usize {
    let tp: usize;
    // SAFETY: copies a register.
    unsafe { core::arch::asm!("mr {}, 13", out(reg) tp, options(nomem, nostack, preserves_flags)) };
    tp
}

/// Sets r13.
#[cfg(all(feature = "thread", feature = "start"))]
pub(crate) unsafe fn set_thread_pointer(p: usize) -> Result<(), crate::Errno> {
    // SAFETY: the caller owns the thread pointer (no libc in the process).
    unsafe { core::arch::asm!("mr 13, {}", in(reg) p, options(nomem, nostack, preserves_flags)) };
    Ok(())
}
