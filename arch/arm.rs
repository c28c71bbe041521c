//! arm (EABI, ARM and Thumb mode): `svc 0`; number in r7, arguments in r0-r5, result
//! in r0 (-4095..=-1 is an error).

pub(crate) const SYSCALL_TABLE: &str = include_str!("tbl/arm.tbl");
pub(crate) const SYSCALL_BASE: usize = 0;
pub(crate) const UAPI_DEFINES: &str = include_str!("tbl/arm.h");

/// Syscall numbers (`arch/arm/tools/syscall.tbl`, EABI).
pub mod nr {
    crate::table::syscall_numbers! {
        EXIT = 1, READ = 3, WRITE = 4, CLOSE = 6, GETPID = 20, MOUNT = 21, KILL = 37,
        REBOOT = 88, MUNMAP = 91, WAIT4 = 114, CLONE = 120, MPROTECT = 125, SCHED_YIELD = 158,
        MREMAP = 163, PRCTL = 172, MMAP2 = 192, MADVISE = 220, GETTID = 224, EXIT_GROUP = 248,
        OPENAT = 322, PIPE2 = 359, PRLIMIT64 = 369, SECCOMP = 383, PKEY_MPROTECT = 394,
        PROCESS_MADVISE = 440, MSEAL = 462,
    }
}

/// The asm-generic values.
pub(crate) mod consts {
    crate::table::asm_generic_errno!();
    crate::table::asm_generic_mman!();
}

/// None: the kernel restores every register but r0 (arch/arm/kernel/entry-common.S).
pub(crate) const CLOBBERS: &[&str] = &[];

/// What `fork` declares: the same as every syscall.
pub(crate) const FORK_CLOBBERS: &[&str] = CLOBBERS;

/// The instruction and its clobbers; the `syscallN` functions below only bind registers.
/// r7 is the frame pointer in Thumb mode and cannot be an asm operand, so the number
/// goes through a scratch register into r7 and r7 is restored after the call (the same
/// code in ARM mode, so both modes run what is tested). `preserves_flags`: the kernel
/// returns with the caller's CPSR.
macro_rules! syscall {
    ($nr:expr, $a1:expr $(, $reg:tt = $arg:expr)*) => {{
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
                inlateout("r0") $a1 => ret,
                $(in($reg) $arg,)*
                options(nostack, preserves_flags),
            );
        }
        ret
    }};
}

#[inline(always)]
pub(crate) unsafe fn syscall0(n: usize) -> usize {
    syscall!(n, 0usize)
}
#[inline(always)]
pub(crate) unsafe fn syscall1(n: usize, a1: usize) -> usize {
    syscall!(n, a1)
}
#[inline(always)]
pub(crate) unsafe fn syscall2(n: usize, a1: usize, a2: usize) -> usize {
    syscall!(n, a1, "r1" = a2)
}
#[inline(always)]
pub(crate) unsafe fn syscall3(n: usize, a1: usize, a2: usize, a3: usize) -> usize {
    syscall!(n, a1, "r1" = a2, "r2" = a3)
}
#[inline(always)]
pub(crate) unsafe fn syscall4(n: usize, a1: usize, a2: usize, a3: usize, a4: usize) -> usize {
    syscall!(n, a1, "r1" = a2, "r2" = a3, "r3" = a4)
}
#[inline(always)]
pub(crate) unsafe fn syscall5(
    n: usize, a1: usize, a2: usize, a3: usize, a4: usize, a5: usize,
) -> usize {
    syscall!(n, a1, "r1" = a2, "r2" = a3, "r3" = a4, "r4" = a5)
}
#[inline(always)]
pub(crate) unsafe fn syscall6(
    n: usize, a1: usize, a2: usize, a3: usize, a4: usize, a5: usize, a6: usize,
) -> usize {
    syscall!(n, a1, "r1" = a2, "r2" = a3, "r3" = a4, "r4" = a5, "r5" = a6)
}

/// `mmap2`: the offset goes in 4096-byte units (checked by `raw::mmap2_units`).
#[inline(always)]
pub(crate) unsafe fn mmap(
    addr: usize, len: usize, prot: usize, flags: usize, fd: usize, offset: u64,
) -> usize {
    match crate::raw::mmap2_units(offset) {
        // SAFETY: forwarded from the caller.
        Ok(units) => unsafe { syscall6(nr::MMAP2, addr, len, prot, flags, fd, units) },
        Err(e) => e,
    }
}

/// fork as `clone(SIGCHLD, 0, ...)`: flags first, then the stack.
#[inline(always)]
pub(crate) unsafe fn fork() -> usize {
    // SAFETY: forwarded from the caller.
    unsafe { syscall2(nr::CLONE, consts::SIGCHLD as usize, 0) }
}

// The process entry: sp points at argc. Clear lr so backtraces end here and align sp to
// 16 bytes through r1 (Thumb cannot `bic` sp directly). Assembled in whichever mode the
// target uses; as a naked function the compiler marks a Thumb entry point as such.
#[cfg(feature = "start")]
#[unsafe(naked)]
#[no_mangle]
unsafe extern "C" fn _start() -> ! {
    core::arch::naked_asm!(
        "mov lr, #0",
        "mov r0, sp",
        "mov r1, sp",
        "bic r1, r1, #15",
        "mov sp, r1",
        "bl {start}",
        "udf #0",
        start = sym crate::start::baresys_start,
    )
}
