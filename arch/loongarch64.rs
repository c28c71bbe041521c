//! loongarch64: `syscall 0`; number in $a7, arguments in $a0-$a5, result in $a0
//! (-4095..=-1 is an error).

pub(crate) const SYSCALL_TABLE: &str = include_str!("tbl/loongarch64.tbl");
pub(crate) const SYSCALL_BASE: usize = 0;
pub(crate) const UAPI_DEFINES: &str = include_str!("tbl/loongarch64.h");
pub(crate) const ERRNO_HEADER: &str = include_str!("tbl/errno-generic.h");

/// Syscall numbers: every entry of the generic `scripts/syscall.tbl`, ABIs common, 64 and
/// memfd_secret (`arch/loongarch/kernel/Makefile.syscalls`), generated into
/// `arch/gen/loongarch64_nr.rs` by `ci/gen-tables.py` and checked against the table at compile
/// time.
pub mod nr {
    include!("gen/loongarch64_nr.rs");
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

/// $t0-$t8: the kernel's syscall exit does not restore the temporaries
/// (arch/loongarch/kernel/entry.S restores only what the C ABI preserves plus the
/// arguments); Go's and musl's loong64 syscalls declare the same.
pub(crate) const CLOBBERS: &[&str] =
    &["$t0", "$t1", "$t2", "$t3", "$t4", "$t5", "$t6", "$t7", "$t8"];

/// What `fork` declares on top of [`CLOBBERS`]: the FP registers, and with them the
/// vector registers they are part of (see `fork`).
pub(crate) const FORK_CLOBBERS: &[&str] = &[
    "$t0", "$t1", "$t2", "$t3", "$t4", "$t5", "$t6", "$t7", "$t8", "$f0", "$f1", "$f2", "$f3",
    "$f4", "$f5", "$f6", "$f7", "$f8", "$f9", "$f10", "$f11", "$f12", "$f13", "$f14", "$f15",
    "$f16", "$f17", "$f18", "$f19", "$f20", "$f21", "$f22", "$f23", "$f24", "$f25", "$f26", "$f27",
    "$f28", "$f29", "$f30", "$f31",
];

/// The instruction and its clobbers; `syscall_fns!` below makes the `syscallN` functions,
/// which only bind registers.
/// `preserves_flags`: the only flags are the FP condition codes, which the kernel keeps.
macro_rules! syscall {
    ($nr:expr $(, $reg:tt = $arg:expr)*) => {{
        let ret: usize;
        // SAFETY: (every syscallN) the caller passes a number and arguments valid for
        // that syscall; the asm touches only the declared registers.
        unsafe {
            core::arch::asm!(
                "syscall 0",
                in("$a7") $nr,
                lateout("$a0") ret,
                $(in($reg) $arg,)*
                lateout("$t0") _, lateout("$t1") _, lateout("$t2") _, lateout("$t3") _,
                lateout("$t4") _, lateout("$t5") _, lateout("$t6") _, lateout("$t7") _,
                lateout("$t8") _,
                options(nostack, preserves_flags),
            );
        }
        ret
    }};
}

crate::raw::syscall_fns!("$a0", "$a1", "$a2", "$a3", "$a4", "$a5");

crate::raw::mmap_byte_offset!();

/// fork as `clone(SIGCHLD, 0, ...)`: flags first, then the stack.
///
/// In the child the vector registers do not survive: the kernel starts it with its LSX
/// context not live, and the first vector use fills the upper 64 bits of every $vr with
/// ones (seen on a real 7.2 kernel; QEMU user mode keeps them). So this call alone also
/// declares $f0-$f31 clobbered, which covers the $vr/$xr registers they are part of.
#[inline(always)]
pub(crate) unsafe fn fork() -> usize {
    let ret: usize;
    // SAFETY: clone with SIGCHLD and no new stack creates a copy of this process; the
    // asm touches only the declared registers.
    unsafe {
        core::arch::asm!(
            "syscall 0",
            in("$a7") nr::CLONE,
            inlateout("$a0") consts::SIGCHLD as usize => ret,
            in("$a1") 0usize,
            lateout("$t0") _, lateout("$t1") _, lateout("$t2") _, lateout("$t3") _,
            lateout("$t4") _, lateout("$t5") _, lateout("$t6") _, lateout("$t7") _,
            lateout("$t8") _,
            lateout("$f0") _, lateout("$f1") _, lateout("$f2") _, lateout("$f3") _,
            lateout("$f4") _, lateout("$f5") _, lateout("$f6") _, lateout("$f7") _,
            lateout("$f8") _, lateout("$f9") _, lateout("$f10") _, lateout("$f11") _,
            lateout("$f12") _, lateout("$f13") _, lateout("$f14") _, lateout("$f15") _,
            lateout("$f16") _, lateout("$f17") _, lateout("$f18") _, lateout("$f19") _,
            lateout("$f20") _, lateout("$f21") _, lateout("$f22") _, lateout("$f23") _,
            lateout("$f24") _, lateout("$f25") _, lateout("$f26") _, lateout("$f27") _,
            lateout("$f28") _, lateout("$f29") _, lateout("$f30") _, lateout("$f31") _,
            options(nostack, preserves_flags),
        );
    }
    ret
}

// The process entry: $sp points at argc. Zero the frame pointer and $ra so backtraces end
// here; $a1 gets `_DYNAMIC` pc-relatively (weak, see start/relocate.rs); align $sp to 16
// bytes for the call.
#[cfg(feature = "start")]
#[unsafe(naked)]
#[no_mangle]
unsafe extern "C" fn _start() -> ! {
    core::arch::naked_asm!(
        ".weak _DYNAMIC",
        ".hidden _DYNAMIC",
        "move $fp, $zero",
        "move $ra, $zero",
        "move $a0, $sp",
        "la.pcrel $a1, _DYNAMIC",
        "bstrins.d $sp, $zero, 3, 0",
        "bl {start}",
        "break 0",
        start = sym crate::start::baresys_start,
    )
}

/// `R_LARCH_RELATIVE`, the one relocation of a static-pie program (`start/relocate.rs`).
#[cfg(feature = "start")]
pub(crate) const R_RELATIVE: Option<usize> = Some(3);

// --- signal ---

/// Signals: numbers and flags (checked against arch/tbl), the kernel's `struct
/// sigaction`, `stack_t`, `siginfo` and `ucontext` layouts and `guarded_load`.
pub(crate) mod signal {
    crate::signal::asm_generic_signals!();
    crate::table::uapi_consts! { usize: MINSIGSTKSZ = 4096, }

    // No SA_RESTORER on loongarch: the struct has no restorer field, and the kernel
    // always returns through the vDSO's sigreturn (arch/loongarch/kernel/signal.c).
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

    // ucontext (arch/loongarch/include/uapi/asm/ucontext.h): uc_flags, uc_link, uc_stack
    // (24), uc_sigmask (8), 120 bytes of padding, then uc_mcontext at 176 (16-aligned),
    // a struct sigcontext: sc_pc, sc_regs[32] ($r0-$r31; $sp is $r3, $a0 $r4).
    const MCONTEXT: usize = 176;
    const PC: usize = MCONTEXT;
    const SP: usize = MCONTEXT + 8 + 3 * 8;
    const A0: usize = MCONTEXT + 8 + 4 * 8;

    crate::signal::ucontext_words! { uc_pc: get @ PC, uc_sp: get @ SP, uc_set_arg0: set @ A0, uc_set_pc: set @ PC }

    /// The load is the first instruction: $sp, $ra and every register are as at the call.
    #[unsafe(naked)]
    pub(crate) unsafe extern "C" fn guarded_load(addr: *const usize) -> usize {
        core::arch::naked_asm!("ld.d $a0, $a0, 0", "ret")
    }
}

// --- time (vDSO) and runtime calls ---

/// The time calls, and the vDSO's names for them (arch/loongarch/vdso/vdso.lds.S).
pub(crate) mod time {
    use super::nr;

    pub(crate) const VDSO_VERSION: &str = "LINUX_5.10";
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

/// `clone(flags, newsp, parent_tid, child_tid, tls)` (loongarch has the generic order of
/// kernel/fork.c: its Kconfig selects no CLONE_BACKWARDS*;
/// tls becomes `$tp`). The child ($a0 0) starts on `stack`, $sp at the thread's block
/// (16-byte aligned), clears the frame pointer and calls `thread_start(block)`, which
/// never returns. Clobbers: $t0-$t8, as every syscall here (the child's FP/vector state,
/// see `fork`, does not matter: it never returns into compiled code of the caller).
#[cfg(feature = "thread")]
#[inline(always)]
pub(crate) unsafe fn clone_thread(flags: usize, stack: usize, tid: *mut u32, tls: usize) -> usize {
    let ret: usize;
    // SAFETY: the caller passes thread flags, a stack and pointers valid for the new
    // thread's life; the parent's registers are those of a plain syscall.
    unsafe {
        core::arch::asm!(
            "syscall 0",
            "bnez $a0, 2f",
            "move $fp, $zero",
            "move $a0, $sp",
            "bl {start}",
            "break 0",
            "2:",
            start = sym crate::thread::thread_start,
            in("$a7") nr::CLONE,
            inlateout("$a0") flags => ret,
            in("$a1") stack, in("$a2") tid, in("$a3") tid, in("$a4") tls,
            lateout("$t0") _, lateout("$t1") _, lateout("$t2") _, lateout("$t3") _,
            lateout("$t4") _, lateout("$t5") _, lateout("$t6") _, lateout("$t7") _,
            lateout("$t8") _,
            options(nostack, preserves_flags),
        );
    }
    ret
}

/// The thread pointer: `$tp` ($r2).
#[cfg(feature = "thread")]
#[inline(always)]
pub(crate) fn thread_pointer() -> usize {
    let tp: usize;
    // SAFETY: copies a register.
    unsafe {
        core::arch::asm!("move {}, $tp", out(reg) tp, options(nomem, nostack, preserves_flags));
    }
    tp
}

/// Sets `$tp` (the compiler never uses it: reserved for the thread pointer).
#[cfg(all(feature = "thread", feature = "start"))]
pub(crate) unsafe fn set_thread_pointer(p: usize) -> Result<(), crate::Errno> {
    // SAFETY: the caller owns the thread pointer (no libc in the process).
    unsafe {
        core::arch::asm!("move $tp, {}", in(reg) p, options(nomem, nostack, preserves_flags));
    }
    Ok(())
}
