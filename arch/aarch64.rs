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
