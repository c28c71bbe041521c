//! s390x: `svc 0`; number in r1, arguments in r2-r7, result in r2 (-4095..=-1 is an
//! error).

pub(crate) const SYSCALL_TABLE: &str = include_str!("tbl/s390x.tbl");
pub(crate) const SYSCALL_BASE: usize = 0;
pub(crate) const UAPI_DEFINES: &str = include_str!("tbl/s390x.h");
pub(crate) const ERRNO_HEADER: &str = include_str!("tbl/errno-generic.h");

/// Syscall numbers: every entry of `arch/s390/kernel/syscalls/syscall.tbl`, ABIs common and 64,
/// generated into `arch/gen/s390x_nr.rs` by `ci/gen-tables.py` and checked against the table at
/// compile time. `MMAP` is `old_mmap`, which takes a pointer to its arguments.
pub mod nr {
    include!("gen/s390x_nr.rs");
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

// The process entry: r15 points at argc. The ABI wants r15 8-byte aligned with a 160-byte
// register save area below the caller's frame, and a zero back chain; r11 (the frame
// pointer where one is used) is cleared too. r3 gets `_DYNAMIC` pc-relatively (weak, see
// start/relocate.rs).
#[cfg(feature = "start")]
#[unsafe(naked)]
#[no_mangle]
unsafe extern "C" fn _start() -> ! {
    core::arch::naked_asm!(
        ".weak _DYNAMIC",
        ".hidden _DYNAMIC",
        "lgr %r2, %r15",
        "larl %r3, _DYNAMIC",
        "lghi %r11, 0",
        "nill %r15, 0xfff0",
        "aghi %r15, -160",
        "lghi %r0, 0",
        "stg %r0, 0(%r15)",
        "brasl %r14, {start}",
        "j .",
        start = sym crate::start::baresys_start,
    )
}

/// `R_390_RELATIVE`, the one relocation of a static-pie program (`start/relocate.rs`).
#[cfg(feature = "start")]
pub(crate) const R_RELATIVE: Option<usize> = Some(12);

// --- signal ---

/// Signals: numbers and flags (checked against arch/tbl), the kernel's `struct
/// sigaction`, `stack_t`, `siginfo` and `ucontext` layouts and `guarded_load`.
pub(crate) mod signal {
    crate::signal::asm_generic_signals!();
    crate::table::uapi_consts! { usize: SA_RESTORER = 0x0400_0000, MINSIGSTKSZ = 2048, }

    // arch/s390/include/asm/signal.h has __ARCH_HAS_SA_RESTORER.
    crate::signal::kernel_sigaction!(handler, flags, restorer, mask);
    crate::signal::kernel_stack!(sp, flags, size);

    /// None: without `SA_RESTORER` the kernel returns through the vDSO's rt_sigreturn
    /// (arch/s390/kernel/signal.c), mapped into every process.
    pub(crate) fn restorer(_flags: usize) -> Option<unsafe extern "C" fn() -> !> {
        None
    }

    // siginfo: signo, errno, code, then the union at 16 (pointer-aligned).
    pub(crate) const SI_ERRNO: usize = 4;
    pub(crate) const SI_CODE: usize = 8;
    pub(crate) const SI_ADDR: usize = 16;
    /// The translation-exception identification gives the page, not the byte: the
    /// kernel reports `addr & -4096` (arch/s390/mm/fault.c, `__FAIL_ADDR_MASK`).
    pub(crate) const FAULT_ADDR_GRANULE: usize = 4096;
    pub(crate) const CODE_ADDR_TAG: usize = 0;
    /// The load is the first instruction.
    pub(crate) const GUARDED_LOAD_FAULT_OFFSET: usize = 0;

    // ucontext (arch/s390/include/uapi/asm/ucontext.h): uc_flags, uc_link, uc_stack
    // (24), then uc_mcontext at 40, a _sigregs (arch/s390/include/uapi/asm/sigcontext.h):
    // psw mask, psw addr, gprs[16] (8 bytes each); r15 is the stack pointer.
    const MCONTEXT: usize = 40;
    const PC: usize = MCONTEXT + 8;
    const R2: usize = MCONTEXT + 16 + 2 * 8;
    const SP: usize = MCONTEXT + 16 + 15 * 8;

    crate::signal::ucontext_words! { uc_pc: get @ PC, uc_sp: get @ SP, uc_set_arg0: set @ R2, uc_set_pc: set @ PC }

    /// The load is the first instruction: r15, r14 and every register are as at the call.
    #[unsafe(naked)]
    pub(crate) unsafe extern "C" fn guarded_load(addr: *const usize) -> usize {
        core::arch::naked_asm!("lg %r2, 0(%r2)", "br %r14")
    }
}

// --- time (vDSO) and runtime calls ---

/// The time calls, and the vDSO's names for them (arch/s390/kernel/vdso64/vdso64.lds.S, VDSO_VERSION_STRING in asm/vdso.h).
pub(crate) mod time {
    use super::nr;

    pub(crate) const VDSO_VERSION: &str = "LINUX_2.6.29";
    pub(crate) const VDSO_CLOCK_GETTIME: Option<&str> = Some("__kernel_clock_gettime");
    pub(crate) const VDSO_CLOCK_GETRES: Option<&str> = Some("__kernel_clock_getres");
    pub(crate) const VDSO_GETTIMEOFDAY: Option<&str> = Some("__kernel_gettimeofday");
    pub(crate) const VDSO_GETCPU: Option<&str> = Some("__kernel_getcpu");
    /// 8 bytes: s390x's `DT_HASH` has 64-bit entries (as alpha's).
    pub(crate) const VDSO_HASH_ENTRY: usize = 8;

    crate::raw::native_time_calls!();

    // s390x's vDSO is C with the standard calling convention (the caller's 160-byte
    // register save area, which a Rust call provides).
    crate::raw::vdso_c_call!();
}

crate::raw::ftruncate_one_register!();

// --- thread ---

crate::raw::futex_calls!(native);
crate::raw::clone_tls_is_block!();

/// `clone(newsp, flags, parent_tid, child_tid, tls)` (s390 has CLONE_BACKWARDS2: the
/// stack first; tls becomes access registers a0 (high half) and a1 (low half)). The
/// child (r2 0) starts with r15 at the thread's block (16-byte aligned), makes the
/// ABI's 160-byte save area with a zero back chain and calls `thread_start(block)`,
/// never returning. No clobbers beyond the result; `ltgr` changes the condition code.
#[cfg(feature = "thread")]
#[inline(always)]
pub(crate) unsafe fn clone_thread(flags: usize, stack: usize, tid: *mut u32, tls: usize) -> usize {
    let ret: usize;
    // SAFETY: the caller passes thread flags, a stack and pointers valid for the new
    // thread's life; the parent's registers are those of a plain syscall.
    unsafe {
        core::arch::asm!(
            "svc 0",
            "ltgr %r2, %r2",
            "jnz 2f",
            "lgr %r2, %r15",
            "aghi %r15, -160",
            "lghi %r0, 0",
            "stg %r0, 0(%r15)",
            "brasl %r14, {start}",
            "j .",
            "2:",
            start = sym crate::thread::thread_start,
            in("r1") nr::CLONE,
            inlateout("r2") stack => ret,
            in("r3") flags, in("r4") tid, in("r5") tid, in("r6") tls,
            options(nostack),
        );
    }
    ret
}

/// The thread pointer: a0 (high 32 bits) and a1 (low 32 bits), as the s390x TLS ABI
/// keeps it. `ear` writes only the low half of the register.
#[cfg(feature = "thread")]
#[inline(always)]
pub(crate) fn thread_pointer() -> usize {
    let tp: usize;
    // SAFETY: reads two access registers.
    unsafe {
        core::arch::asm!(
            "ear {0}, %a0",
            "sllg {0}, {0}, 32",
            "ear {0}, %a1",
            out(reg) tp,
            options(nomem, nostack, preserves_flags),
        );
    }
    tp
}

/// Sets a0 and a1.
#[cfg(all(feature = "thread", feature = "start"))]
pub(crate) unsafe fn set_thread_pointer(p: usize) -> Result<(), crate::Errno> {
    // SAFETY: the caller owns the thread pointer (no libc in the process).
    unsafe {
        core::arch::asm!(
            "sar %a1, {p}",
            "srlg {t}, {p}, 32",
            "sar %a0, {t}",
            p = in(reg) p,
            t = out(reg) _,
            options(nomem, nostack, preserves_flags),
        );
    }
    Ok(())
}
