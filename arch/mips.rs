//! mips (o32, big and little endian): `syscall`; number in $v0 ($2), arguments in $a0-$a3
//! ($4-$7) and, for the fifth and sixth, on the stack at 16($sp) and 20($sp); result in
//! $v0, with $a3 set on error (then $v0 holds a positive errno).

pub(crate) const SYSCALL_TABLE: &str = include_str!("tbl/mips.tbl");
pub(crate) const SYSCALL_BASE: usize = 4000;
pub(crate) const UAPI_DEFINES: &str = include_str!("tbl/mips.h");
pub(crate) const ERRNO_HEADER: &str = include_str!("tbl/errno-mips.h");

/// Syscall numbers: every entry of `arch/mips/kernel/syscalls/syscall_o32.tbl` plus the o32 base
/// 4000, generated into `arch/gen/mips_nr.rs` by `ci/gen-tables.py` and checked against the table
/// at compile time. `MMAP` takes a byte offset; the wrappers use `MMAP2`.
pub mod nr {
    include!("gen/mips_nr.rs");
}

/// Errno values: asm-generic `errno-base.h` and MIPS's own `errno.h` (IRIX numbering above 34),
/// generated into `arch/gen/errno_mips.rs` and checked against the excerpt at compile time.
pub(crate) mod errno {
    include!("gen/errno_mips.rs");
}

/// MIPS numbers its MAP_* flags and SIGCHLD its own way (IRIX heritage).
pub(crate) mod consts {
    crate::table::uapi_consts! { u32:
        MAP_ANONYMOUS = 0x800, MAP_NORESERVE = 0x400, MAP_POPULATE = 0x10000,
        MAP_HUGETLB = 0x80000, SIGCHLD = 18,
    }
}

/// $3 (v1), $7 (a3, the error flag), $8-$15 (t0-t7), $24 and $25 (t8, t9): the
/// o32 syscall path does not preserve the temporaries (arch/mips/kernel/scall32-o32.S),
/// and $v1 can carry a second result.
///
/// $1 ($at), hi and lo come back changed too: the kernel's fast syscall exit
/// (arch/mips/kernel/entry.S, `restore_partial`) restores neither $at nor the
/// temporaries, hi and lo among them. LLVM allocates $at like any register and keeps
/// multiply results in hi/lo, but Rust can name none of the three as asm operands, so
/// the asm parks them in $16-$18 (s0-s2, which the kernel preserves; declared clobbered
/// so the compiler saves them) and puts them back. Found on real kernels: a forked
/// child's second gettid() came back as a kernel address through $at; QEMU user mode
/// leaves all three alone.
pub(crate) const CLOBBERS: &[&str] = &[
    "$3", "$7", "$16", "$17", "$18", "$8", "$9", "$10", "$11", "$12", "$13", "$14", "$15", "$24",
    "$25",
];

/// What `fork` declares: the same as every syscall.
pub(crate) const FORK_CLOBBERS: &[&str] = CLOBBERS;

/// The instruction and its clobbers; the `syscallN` functions below only bind registers
/// (written out here: five and six arguments need the stack).
/// `$insn` is `syscall`, or for five and six arguments the sequence that first puts them
/// on the stack (so `nostack` is never claimed here).
macro_rules! syscall {
    ($insn:literal; $nr:expr $(, $reg:tt = $arg:expr)*) => {{
        let (v0, a3): (usize, usize);
        // SAFETY: (every syscallN) the caller passes a number and arguments valid for
        // that syscall; the asm touches only the declared registers (and, for five and
        // six arguments, a 32-byte frame below $sp that it gives back).
        unsafe {
            core::arch::asm!(
                ".set push",
                ".set noat",
                "move $16, $1",
                "mfhi $17",
                "mflo $18",
                $insn,
                "mthi $17",
                "mtlo $18",
                "move $1, $16",
                ".set pop",
                inlateout("$2") $nr => v0,
                $(in($reg) $arg,)*
                lateout("$3") _, lateout("$7") a3,
                lateout("$16") _, lateout("$17") _, lateout("$18") _,
                lateout("$8") _, lateout("$9") _, lateout("$10") _, lateout("$11") _,
                lateout("$12") _, lateout("$13") _, lateout("$14") _, lateout("$15") _,
                lateout("$24") _, lateout("$25") _,
            );
        }
        result(v0, a3)
    }};
}

/// The kernel reports failure with $a3 != 0 and a positive errno in $v0; this turns it
/// into the -4095..=-1 form every other arch uses.
#[inline(always)]
fn result(v0: usize, a3: usize) -> usize {
    if a3 != 0 {
        v0.wrapping_neg()
    } else {
        v0
    }
}

#[inline(always)]
pub(crate) unsafe fn syscall0(n: usize) -> usize {
    syscall!("syscall"; n)
}
#[inline(always)]
pub(crate) unsafe fn syscall1(n: usize, a1: usize) -> usize {
    syscall!("syscall"; n, "$4" = a1)
}
#[inline(always)]
pub(crate) unsafe fn syscall2(n: usize, a1: usize, a2: usize) -> usize {
    syscall!("syscall"; n, "$4" = a1, "$5" = a2)
}
#[inline(always)]
pub(crate) unsafe fn syscall3(n: usize, a1: usize, a2: usize, a3: usize) -> usize {
    syscall!("syscall"; n, "$4" = a1, "$5" = a2, "$6" = a3)
}
#[inline(always)]
pub(crate) unsafe fn syscall4(n: usize, a1: usize, a2: usize, a3: usize, a4: usize) -> usize {
    syscall!("syscall"; n, "$4" = a1, "$5" = a2, "$6" = a3, "$7" = a4)
}
// Arguments 5 and 6 go at 16($sp) and 20($sp) of a 32-byte frame made for the call:
// the first 16 bytes are the a0-a3 home area the o32 ABI reserves, and 32 keeps $sp
// 8-byte aligned. They travel there through $8 and $9, which the call clobbers anyway.
#[inline(always)]
pub(crate) unsafe fn syscall5(
    n: usize, a1: usize, a2: usize, a3: usize, a4: usize, a5: usize,
) -> usize {
    syscall!(
        "addiu $sp, $sp, -32\n sw $8, 16($sp)\n syscall\n addiu $sp, $sp, 32";
        n, "$4" = a1, "$5" = a2, "$6" = a3, "$7" = a4, "$8" = a5
    )
}
#[inline(always)]
pub(crate) unsafe fn syscall6(
    n: usize, a1: usize, a2: usize, a3: usize, a4: usize, a5: usize, a6: usize,
) -> usize {
    syscall!(
        "addiu $sp, $sp, -32\n sw $8, 16($sp)\n sw $9, 20($sp)\n syscall\n addiu $sp, $sp, 32";
        n, "$4" = a1, "$5" = a2, "$6" = a3, "$7" = a4, "$8" = a5, "$9" = a6
    )
}

crate::raw::mmap2_4096_units!();

crate::raw::fork_flags_first!();

// The process entry: $sp points at argc. lld's default entry on MIPS is `__start`, so
// both names are defined. Align $sp to 8 and leave the 16-byte home area o32 wants; go
// through $t9 ($25) since position-independent callees compute $gp from it. $t9 is built
// from absolute %hi/%lo: `la` would load it through $gp in PIC code, and nothing has set
// $gp yet. There is no static-pie on MIPS (its GOT is relocated by a loader, not by
// relative relocations): the absolute reference, through a symbol whose name says so,
// makes a PIE link fail. $a1 (`_DYNAMIC`) is 0.
#[cfg(feature = "start")]
#[unsafe(naked)]
#[no_mangle]
unsafe extern "C" fn _start() -> ! {
    core::arch::naked_asm!(
        ".globl __start",
        "__start:",
        ".set push",
        ".set noreorder",
        "move $fp, $zero",
        "move $ra, $zero",
        "move $4, $sp",
        "move $5, $zero",
        "li $8, -16",
        "and $sp, $sp, $8",
        "addiu $sp, $sp, -16",
        // The refusal: an absolute reference to a global label whose name a PIE link's
        // error shows (an alias of `start` would be resolved to it by the assembler).
        ".globl baresys_start_static_pie_unsupported_on_mips_link_with_relocation_model_static",
        "lui $25, %hi(baresys_start_static_pie_unsupported_on_mips_link_with_relocation_model_static)",
        "addiu $25, $25, %lo(baresys_start_static_pie_unsupported_on_mips_link_with_relocation_model_static)",
        "jr $25",
        "nop",
        "baresys_start_static_pie_unsupported_on_mips_link_with_relocation_model_static:",
        "lui $25, %hi({start})",
        "addiu $25, $25, %lo({start})",
        "jalr $25",
        "nop",
        "break",
        ".set pop",
        start = sym crate::start::baresys_start,
    )
}

/// None: a MIPS static-pie needs its GOT relocated, which `_start` does not do.
#[cfg(feature = "start")]
pub(crate) const R_RELATIVE: Option<usize> = None;

// --- signal ---

/// Signals: numbers and flags (checked against arch/tbl), the kernel's `struct
/// sigaction`, `stack_t`, `siginfo` and `ucontext` layouts and `guarded_load`.
pub(crate) mod signal {
    crate::table::uapi_consts! { i32:
        SIGILL = 4, SIGTRAP = 5, SIGABRT = 6, SIGBUS = 10, SIGFPE = 8, SIGKILL = 9,
        SIGUSR1 = 16, SIGSEGV = 11, SIGUSR2 = 17, SIGPIPE = 13, SIGALRM = 14,
        SIGTERM = 15, SIGCONT = 25, SIGSTOP = 23, SIGSYS = 12,
        SIG_BLOCK = 1, SIG_UNBLOCK = 2, SIG_SETMASK = 3,
    }
    crate::table::uapi_consts! { usize:
        SA_SIGINFO = 8, SA_ONSTACK = 0x0800_0000, SA_RESTART = 0x1000_0000,
        SA_NODEFER = 0x4000_0000, SA_RESETHAND = 0x8000_0000, _NSIG = 128,
        MINSIGSTKSZ = 2048,
    }
    /// 128 signals (IRIX heritage): 16 bytes of `unsigned long`.
    pub(crate) const SIGSET_WORDS: usize = 128 / usize::BITS as usize;

    // arch/mips/include/asm/signal.h has __ARCH_HAS_IRIX_SIGACTION: flags (an unsigned
    // int) before the handler, and no restorer field; the kernel returns through the
    // vDSO's sigreturn (arch/mips/kernel/signal.c, `sig_return`).
    crate::signal::kernel_sigaction!(flags_u32, handler, mask);
    // arch/mips/include/uapi/asm/signal.h: ss_sp, ss_size, ss_flags.
    crate::signal::kernel_stack!(sp, size, flags);

    // siginfo (__ARCH_HAS_SWAPPED_SIGINFO): signo, code, errno, then the union,
    // pointer-aligned.
    pub(crate) const SI_CODE: usize = 4;
    pub(crate) const SI_ERRNO: usize = 8;
    pub(crate) const FAULT_ADDR_GRANULE: usize = 1;
    pub(crate) const CODE_ADDR_TAG: usize = 0;
    /// The load is the first instruction.
    pub(crate) const GUARDED_LOAD_FAULT_OFFSET: usize = 0;
    pub(crate) const SI_ADDR: usize = 12;

    // ucontext (arch/mips/include/uapi/asm/ucontext.h): uc_flags, uc_link, uc_stack
    // (12), then uc_mcontext at 24 (its 64-bit fields align it to 8), the o32 struct
    // sigcontext: sc_regmask, sc_status, sc_pc, sc_regs[32], ... with sc_pc and the
    // registers 64 bits wide even on a 32-bit kernel.
    const MCONTEXT: usize = 24;
    const PC: usize = MCONTEXT + 8;
    const fn reg(n: usize) -> usize {
        MCONTEXT + 16 + 8 * n
    }

    /// A 64-bit slot holds the register sign-extended, as a 64-bit kernel keeps an o32
    /// task's registers (a 32-bit kernel takes the low half).
    unsafe fn get(uc: *mut u8, off: usize) -> usize {
        // SAFETY: the caller passes the kernel's ucontext and one of its 8-byte slots.
        unsafe { uc.add(off).cast::<u64>().read() as usize }
    }
    unsafe fn set(uc: *mut u8, off: usize, v: usize) {
        // SAFETY: as above.
        unsafe { uc.add(off).cast::<u64>().write(v as i32 as i64 as u64) }
    }
    pub(crate) unsafe fn uc_pc(uc: *mut u8) -> usize {
        // SAFETY: the caller passes the kernel's ucontext.
        unsafe { get(uc, PC) }
    }
    pub(crate) unsafe fn uc_sp(uc: *mut u8) -> usize {
        // SAFETY: as above.
        unsafe { get(uc, reg(29)) }
    }
    pub(crate) unsafe fn uc_set_arg0(uc: *mut u8, v: usize) {
        // SAFETY: as above.
        unsafe { set(uc, reg(4), v) }
    }
    /// $t9 ($25) too: position-independent code computes $gp from it at entry.
    pub(crate) unsafe fn uc_set_pc(uc: *mut u8, pc: usize) {
        // SAFETY: as above.
        unsafe {
            set(uc, PC, pc);
            set(uc, reg(25), pc);
        }
    }

    /// The load is the first instruction: $sp, $ra and every register are as at the
    /// call. `noreorder`: the assembler must not move the load into the delay slot.
    #[unsafe(naked)]
    pub(crate) unsafe extern "C" fn guarded_load(addr: *const usize) -> usize {
        core::arch::naked_asm!(
            ".set push",
            ".set noreorder",
            "lw $2, 0($4)",
            "jr $31",
            "nop",
            ".set pop"
        )
    }
}

// --- time (vDSO) and runtime calls ---

/// The time calls, and the vDSO's names for them (arch/mips/vdso/vdso.lds.S).
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

    // The vDSO is built -fPIC (arch/mips/vdso/Makefile): its functions may compute $gp
    // from $t9, so they must be entered with their address in $25. The MIPS abicalls
    // ABI makes every indirect call `jalr $25`, which is what LLVM emits for the call in
    // `vdso_c_call!` (seen in the disassembly); $at, hi and lo are caller-saved in that
    // ABI, so the compiler keeps nothing there across the call. No getcpu in this vDSO;
    // its `__vdso_clock_getres` and `__vdso_gettimeofday` take the 32-bit structs: not used.
    crate::raw::vdso_c_call!();
}

/// `ftruncate64`: o32 passes a 64-bit argument in an aligned register pair, so $a1 is
/// padding and the length goes in $a2/$a3, in memory order (high word first on big
/// endian).
#[inline(always)]
pub(crate) unsafe fn ftruncate(fd: usize, len: u64) -> usize {
    let (lo, hi) = (len as u32 as usize, (len >> 32) as usize);
    let (a2, a3) = if cfg!(target_endian = "big") { (hi, lo) } else { (lo, hi) };
    // SAFETY: forwarded from the caller.
    unsafe { syscall4(nr::FTRUNCATE64, fd, 0, a2, a3) }
}

// --- thread ---

crate::raw::futex_calls!(time64);
crate::raw::clone_tls_is_block!();

/// `clone(flags, newsp, parent_tid, tls, child_tid)` (mips has CLONE_BACKWARDS; the
/// fifth argument, child_tid, goes at 16($sp) of a 32-byte frame as in `syscall5`; tls
/// becomes the `UserLocal` register that `rdhwr $29` reads). $at, hi and lo are parked
/// in $16-$18 as in every syscall here. The child ($a3 and $v0 0) starts with $sp at the
/// thread's block (the kernel's new stack pointer: the frame was on the parent's
/// stack), leaves o32's 16-byte home area and calls `thread_start(block)` through $t9,
/// never returning. `noreorder`: the branch delay slots are written out.
#[cfg(feature = "thread")]
#[inline(always)]
pub(crate) unsafe fn clone_thread(flags: usize, stack: usize, tid: *mut u32, tls: usize) -> usize {
    let (v0, a3): (usize, usize);
    // SAFETY: the caller passes thread flags, a stack and pointers valid for the new
    // thread's life; the parent's registers come back as from a plain syscall.
    unsafe {
        core::arch::asm!(
            ".set push",
            ".set noat",
            ".set noreorder",
            "move $16, $1",
            "mfhi $17",
            "mflo $18",
            "addiu $sp, $sp, -32",
            "sw $8, 16($sp)",
            "syscall",
            "bnez $7, 2f",
            "nop",
            "bnez $2, 2f",
            "nop",
            "move $fp, $zero",
            "move $4, $sp",
            "addiu $sp, $sp, -16",
            "lui $25, %hi({start})",
            "addiu $25, $25, %lo({start})",
            "jalr $25",
            "nop",
            "break",
            "2:",
            "addiu $sp, $sp, 32",
            "mthi $17",
            "mtlo $18",
            "move $1, $16",
            ".set pop",
            start = sym crate::thread::thread_start,
            inlateout("$2") nr::CLONE => v0,
            in("$4") flags, in("$5") stack, in("$6") tid, inlateout("$7") tls => a3,
            in("$8") tid,
            lateout("$3") _,
            lateout("$16") _, lateout("$17") _, lateout("$18") _,
            lateout("$9") _, lateout("$10") _, lateout("$11") _,
            lateout("$12") _, lateout("$13") _, lateout("$14") _, lateout("$15") _,
            lateout("$24") _, lateout("$25") _,
        );
    }
    result(v0, a3)
}

/// The thread pointer: hardware register 29 (`UserLocal`) through `rdhwr`, which the
/// kernel emulates where the CPU lacks it.
#[cfg(feature = "thread")]
#[inline(always)]
pub(crate) fn thread_pointer() -> usize {
    let tp: usize;
    // SAFETY: reads the thread's UserLocal value; nothing else changes.
    unsafe {
        core::arch::asm!(
            ".set push",
            ".set mips32r2",
            "rdhwr $3, $29",
            ".set pop",
            out("$3") tp,
            options(nomem, nostack, preserves_flags),
        );
    }
    tp
}

/// `set_thread_area(p)`: the value `rdhwr $29` returns from now on.
#[cfg(all(feature = "thread", feature = "start"))]
pub(crate) unsafe fn set_thread_pointer(p: usize) -> Result<(), crate::Errno> {
    // SAFETY: the caller owns the thread pointer (no libc in the process).
    unsafe { crate::syscall1(nr::SET_THREAD_AREA, p) }.map(drop)
}
