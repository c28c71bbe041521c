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

// --- thread ---

crate::raw::time_calls!(time64);
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
