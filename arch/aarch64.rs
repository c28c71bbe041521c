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

// --- thread ---

crate::raw::time_calls!(native);
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
