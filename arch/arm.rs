//! arm (EABI, ARM and Thumb mode): `svc 0`; number in r7, arguments in r0-r5, result
//! in r0 (-4095..=-1 is an error).

pub(crate) const SYSCALL_TABLE: &str = include_str!("tbl/arm.tbl");
pub(crate) const SYSCALL_BASE: usize = 0;
pub(crate) const UAPI_DEFINES: &str = include_str!("tbl/arm.h");
pub(crate) const ERRNO_HEADER: &str = include_str!("tbl/errno-generic.h");

/// Syscall numbers: every entry of `arch/arm/tools/syscall.tbl`, ABIs common and EABI, generated
/// into `arch/gen/arm_nr.rs` by `ci/gen-tables.py` and checked against the table at compile time.
/// OABI-only calls (`mmap` among them: EABI has `MMAP2`) are left out, and so are ARM's private
/// calls at 0x0f0000 (`cacheflush`, `set_tls`), which the table does not list. The table names
/// `sync_file_range2` `arm_sync_file_range` (`ARM_SYNC_FILE_RANGE`).
pub mod nr {
    include!("gen/arm_nr.rs");
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

/// None: the kernel restores every register but r0 (arch/arm/kernel/entry-common.S).
pub(crate) const CLOBBERS: &[&str] = &[];

/// What `fork` declares: the same as every syscall.
pub(crate) const FORK_CLOBBERS: &[&str] = CLOBBERS;

/// The instruction and its clobbers; `syscall_fns!` below makes the `syscallN` functions,
/// which only bind registers.
/// r7 is the frame pointer in Thumb mode and cannot be an asm operand, so the number
/// goes through a scratch register into r7 and r7 is restored after the call (the same
/// code in ARM mode, so both modes run what is tested). `preserves_flags`: the kernel
/// returns with the caller's CPSR.
macro_rules! syscall {
    ($nr:expr $(, $reg:tt = $arg:expr)*) => {{
        let ret: usize;
        // SAFETY: (every syscallN) the caller passes a number and arguments valid for
        // that syscall; the asm touches only the declared registers and puts r7 back.
        unsafe {
            core::arch::asm!(
                "mov {saved}, r7",
                "mov r7, {nr}",
                "svc 0",
                "mov r7, {saved}",
                nr = in(reg) $nr,
                saved = out(reg) _,
                lateout("r0") ret,
                $(in($reg) $arg,)*
                options(nostack, preserves_flags),
            );
        }
        ret
    }};
}

crate::raw::syscall_fns!("r0", "r1", "r2", "r3", "r4", "r5");

crate::raw::mmap2_4096_units!();

crate::raw::fork_flags_first!();

// The process entry: sp points at argc. Clear both frame pointers (r11 in ARM code, r7 in
// Thumb code) and lr so backtraces end here. `_DYNAMIC` (weak, see start/relocate.rs) is
// the literal at 3, which holds its distance from 3, plus 3's address from `adr`: the
// same code in ARM and Thumb mode, where pc reads differently. Thumb cannot `bic` sp
// directly, so the alignment goes through r2.
#[cfg(feature = "start")]
#[unsafe(naked)]
#[no_mangle]
unsafe extern "C" fn _start() -> ! {
    core::arch::naked_asm!(
        ".weak _DYNAMIC",
        ".hidden _DYNAMIC",
        "mov r11, #0",
        "mov r7, #0",
        "mov lr, #0",
        "mov r0, sp",
        "ldr r1, 3f",
        "adr r2, 3f",
        "add r1, r1, r2",
        "mov r2, sp",
        "bic r2, r2, #15",
        "mov sp, r2",
        "bl {start}",
        "udf #0",
        ".balign 4",
        "3:",
        ".word _DYNAMIC - 3b",
        start = sym crate::start::baresys_start,
    )
}

/// `R_ARM_RELATIVE`, the one relocation of a static-pie program (`start/relocate.rs`).
#[cfg(feature = "start")]
pub(crate) const R_RELATIVE: Option<usize> = Some(23);

// LLVM gives every function an `.ARM.exidx` entry naming an EHABI personality routine,
// even with panic = "abort". rust-lld lets those references dangle; GNU ld wants the
// routines defined, which libgcc does in programs that link it. Nothing unwinds in a
// program without libc, so weak stand-ins that trap are enough, and a libgcc that is
// linked anyway takes precedence.
#[cfg(feature = "start")]
core::arch::global_asm!(
    ".pushsection .text.baresys_aeabi_unwind, \"ax\", %progbits",
    ".weak __aeabi_unwind_cpp_pr0",
    ".weak __aeabi_unwind_cpp_pr1",
    ".weak __aeabi_unwind_cpp_pr2",
    ".type __aeabi_unwind_cpp_pr0, %function",
    ".type __aeabi_unwind_cpp_pr1, %function",
    ".type __aeabi_unwind_cpp_pr2, %function",
    "__aeabi_unwind_cpp_pr0:",
    "__aeabi_unwind_cpp_pr1:",
    "__aeabi_unwind_cpp_pr2:",
    "udf #0",
    ".popsection",
);

// --- signal ---

/// Signals: numbers and flags (checked against arch/tbl), the kernel's `struct
/// sigaction`, `stack_t`, `siginfo` and `ucontext` layouts and `guarded_load`.
pub(crate) mod signal {
    crate::signal::asm_generic_signals!();
    crate::table::uapi_consts! { usize: SA_RESTORER = 0x0400_0000, MINSIGSTKSZ = 2048, }

    // arch/arm/include/asm/signal.h has __ARCH_HAS_SA_RESTORER.
    crate::signal::kernel_sigaction!(handler, flags, restorer, mask);
    crate::signal::kernel_stack!(sp, flags, size);

    /// None: without `SA_RESTORER` the kernel returns through its own signal page,
    /// mapped into every process (arch/arm/kernel/signal.c, `mm->context.sigpage`), in
    /// ARM or Thumb mode as the handler was.
    pub(crate) fn restorer(_flags: usize) -> Option<unsafe extern "C" fn() -> !> {
        None
    }

    // siginfo: signo, errno, code, then the union at 12 (pointer-aligned).
    pub(crate) const SI_ERRNO: usize = 4;
    pub(crate) const SI_CODE: usize = 8;
    pub(crate) const SI_ADDR: usize = 12;
    pub(crate) const FAULT_ADDR_GRANULE: usize = 1;
    /// Bit 0 of a Thumb function's address says "Thumb"; the instruction is at the
    /// address without it.
    pub(crate) const CODE_ADDR_TAG: usize = 1;
    /// The load is the first instruction.
    pub(crate) const GUARDED_LOAD_FAULT_OFFSET: usize = 0;

    // ucontext (arch/arm/include/asm/ucontext.h): uc_flags, uc_link, uc_stack (12), then
    // uc_mcontext at 20 (arch/arm/include/uapi/asm/sigcontext.h): trap_no, error_code,
    // oldmask, r0-r10, fp, ip, sp, lr, pc, cpsr (4 bytes each).
    const MCONTEXT: usize = 20;
    const R0: usize = MCONTEXT + 3 * 4;
    const SP: usize = MCONTEXT + 16 * 4;
    const PC: usize = MCONTEXT + 18 * 4;
    const CPSR: usize = MCONTEXT + 19 * 4;
    /// CPSR's Thumb bit, and the IT bits (26:25, 15:10) of a Thumb-2 IT block.
    const CPSR_T: usize = 1 << 5;
    const CPSR_IT: usize = 0x0600_fc00;

    crate::signal::ucontext_words! { uc_pc: get @ PC, uc_sp: get @ SP, uc_set_arg0: set @ R0 }

    /// A Thumb address (bit 0 set) resumes in Thumb state, an even one in ARM state,
    /// outside any IT block.
    pub(crate) unsafe fn uc_set_pc(uc: *mut u8, pc: usize) {
        // SAFETY: as above.
        unsafe {
            let cpsr = crate::signal::uc_word(uc, CPSR) & !CPSR_IT;
            let cpsr = if pc & 1 != 0 { cpsr | CPSR_T } else { cpsr & !CPSR_T };
            crate::signal::uc_set_word(uc, CPSR, cpsr);
            crate::signal::uc_set_word(uc, PC, pc & !1);
        }
    }

    /// The load is the first instruction: sp, lr and every register are as at the call.
    #[unsafe(naked)]
    pub(crate) unsafe extern "C" fn guarded_load(addr: *const usize) -> usize {
        core::arch::naked_asm!("ldr r0, [r0]", "bx lr")
    }
}

// --- time (vDSO) and runtime calls ---

/// The time calls, and the vDSO's names for them (arch/arm/vdso/vdso.lds.S).
pub(crate) mod time {
    use super::nr;

    pub(crate) const VDSO_VERSION: &str = "LINUX_2.6";
    pub(crate) const VDSO_CLOCK_GETTIME: Option<&str> = Some("__vdso_clock_gettime64");
    pub(crate) const VDSO_CLOCK_GETRES: Option<&str> = None;
    pub(crate) const VDSO_GETTIMEOFDAY: Option<&str> = None;
    pub(crate) const VDSO_GETCPU: Option<&str> = None;
    /// 4 bytes: the ELF standard's 32-bit `DT_HASH` entries.
    pub(crate) const VDSO_HASH_ENTRY: usize = 4;

    crate::raw::time64_calls!();

    // The vDSO may be ARM or Thumb code: the indirect call is `blx`, which switches on bit 0
    // of the symbol's address. Its `__vdso_clock_getres` and `__vdso_gettimeofday` take the
    // 32-bit structs: not used. No getcpu.
    crate::raw::vdso_c_call!();
}

/// `ftruncate64`: EABI passes a 64-bit argument in an even/odd register pair, so r1 is
/// padding and the length goes in r2 (low word) and r3 (high word).
#[inline(always)]
pub(crate) unsafe fn ftruncate(fd: usize, len: u64) -> usize {
    // SAFETY: forwarded from the caller.
    unsafe { syscall4(nr::FTRUNCATE64, fd, 0, len as u32 as usize, (len >> 32) as usize) }
}

// --- thread ---

crate::raw::futex_calls!(time64);
crate::raw::clone_tls_is_block!();

/// `clone(flags, newsp, parent_tid, tls, child_tid)` (arm has CLONE_BACKWARDS; tls
/// becomes `TPIDRURO`). r7 goes through a scratch register as in every syscall here.
/// The child (r0 0) starts on `stack`, sp at the thread's block (16-byte aligned),
/// clears lr and calls `thread_start(block)`, which never returns. No clobbers beyond
/// the result; the compare changes the flags.
#[cfg(feature = "thread")]
#[inline(always)]
pub(crate) unsafe fn clone_thread(flags: usize, stack: usize, tid: *mut u32, tls: usize) -> usize {
    let ret: usize;
    // SAFETY: the caller passes thread flags, a stack and pointers valid for the new
    // thread's life; the parent's registers are those of a plain syscall, r7 put back.
    unsafe {
        core::arch::asm!(
            "mov {saved}, r7",
            "mov r7, {nr}",
            "svc 0",
            "cmp r0, #0",
            "bne 2f",
            "mov lr, #0",
            "mov r0, sp",
            "bl {start}",
            "udf #0",
            "2:",
            "mov r7, {saved}",
            start = sym crate::thread::thread_start,
            nr = in(reg) nr::CLONE,
            saved = out(reg) _,
            inlateout("r0") flags => ret,
            in("r1") stack, in("r2") tid, in("r3") tls, in("r4") tid,
            options(nostack),
        );
    }
    ret
}

/// The thread pointer: `TPIDRURO` (CP15 c13, c0, 3), readable from user mode.
#[cfg(feature = "thread")]
#[inline(always)]
pub(crate) fn thread_pointer() -> usize {
    let tp: usize;
    // SAFETY: reads a register that user mode may read.
    unsafe {
        core::arch::asm!("mrc p15, 0, {}, c13, c0, 3", out(reg) tp,
            options(nomem, nostack, preserves_flags));
    }
    tp
}

/// Sets `TPIDRURO` through ARM's private `set_tls` call (`__ARM_NR_set_tls`,
/// 0x0f0005 in arch/arm/include/uapi/asm/unistd.h; not in the syscall table).
#[cfg(all(feature = "thread", feature = "start"))]
pub(crate) unsafe fn set_thread_pointer(p: usize) -> Result<(), crate::Errno> {
    const ARM_NR_SET_TLS: usize = 0x0f_0005;
    // SAFETY: the caller owns the thread pointer (no libc in the process).
    unsafe { crate::syscall1(ARM_NR_SET_TLS, p) }.map(drop)
}
