//! riscv64: `ecall`; number in a7, arguments in a0-a5, result in a0 (-4095..=-1 is an
//! error).

pub(crate) const SYSCALL_TABLE: &str = include_str!("tbl/riscv64.tbl");
pub(crate) const SYSCALL_BASE: usize = 0;
pub(crate) const UAPI_DEFINES: &str = include_str!("tbl/riscv64.h");
pub(crate) const ERRNO_HEADER: &str = include_str!("tbl/errno-generic.h");

/// Syscall numbers: every entry of the generic `scripts/syscall.tbl`, ABIs common, 64, riscv,
/// rlimit and memfd_secret (`arch/riscv/kernel/Makefile.syscalls`), generated into
/// `arch/gen/riscv64_nr.rs` by `ci/gen-tables.py` and checked against the table at compile time.
pub mod nr {
    include!("gen/riscv64_nr.rs");
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

/// The vector state: the syscall ABI leaves v0-v31, vl and vtype undefined after `ecall`
/// (Documentation/arch/riscv/vector.rst). Declared as clobbers of v0-v31; vl and vtype
/// have no operand, and are the reason `preserves_flags` is not claimed (on RISC-V it
/// covers vtype, vl, vxsat and vxrm). The integer registers all come back unchanged.
pub(crate) const CLOBBERS: &[&str] = &[
    "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9", "v10", "v11", "v12", "v13", "v14",
    "v15", "v16", "v17", "v18", "v19", "v20", "v21", "v22", "v23", "v24", "v25", "v26", "v27",
    "v28", "v29", "v30", "v31",
];

/// What `fork` declares: the same as every syscall.
pub(crate) const FORK_CLOBBERS: &[&str] = CLOBBERS;

/// The instruction and its clobbers; `syscall_fns!` below makes the `syscallN` functions,
/// which only bind registers.
macro_rules! syscall {
    ($nr:expr $(, $reg:tt = $arg:expr)*) => {{
        let ret: usize;
        // SAFETY: (every syscallN) the caller passes a number and arguments valid for
        // that syscall; the asm touches only the declared registers.
        unsafe {
            core::arch::asm!(
                "ecall",
                in("a7") $nr,
                lateout("a0") ret,
                $(in($reg) $arg,)*
                out("v0") _, out("v1") _, out("v2") _, out("v3") _, out("v4") _, out("v5") _,
                out("v6") _, out("v7") _, out("v8") _, out("v9") _, out("v10") _, out("v11") _,
                out("v12") _, out("v13") _, out("v14") _, out("v15") _, out("v16") _,
                out("v17") _, out("v18") _, out("v19") _, out("v20") _, out("v21") _,
                out("v22") _, out("v23") _, out("v24") _, out("v25") _, out("v26") _,
                out("v27") _, out("v28") _, out("v29") _, out("v30") _, out("v31") _,
                options(nostack),
            );
        }
        ret
    }};
}

crate::raw::syscall_fns!("a0", "a1", "a2", "a3", "a4", "a5");

crate::raw::mmap_byte_offset!();

crate::raw::fork_flags_first!();

// The process entry: sp points at argc. Zero the frame pointer so backtraces end here;
// the ABI wants sp 16-byte aligned at calls.
#[cfg(feature = "start")]
#[unsafe(naked)]
#[no_mangle]
unsafe extern "C" fn _start() -> ! {
    core::arch::naked_asm!(
        "li s0, 0",
        "mv a0, sp",
        "andi sp, sp, -16",
        "call {start}",
        "unimp",
        start = sym crate::start::baresys_start,
    )
}

// --- thread ---

crate::raw::time_calls!(native);
crate::raw::clone_tls_is_block!();

/// `clone(flags, newsp, parent_tid, tls, child_tid)` (riscv selects CLONE_BACKWARDS in
/// arch/riscv/Kconfig: tls fourth; it becomes `tp`). The child (a0 0) starts on `stack`, sp at the thread's block (16-byte
/// aligned), clears the frame pointer and calls `thread_start(block)`, which never
/// returns. Clobbers: the vector state, as every syscall here.
#[cfg(feature = "thread")]
#[inline(always)]
pub(crate) unsafe fn clone_thread(flags: usize, stack: usize, tid: *mut u32, tls: usize) -> usize {
    let ret: usize;
    // SAFETY: the caller passes thread flags, a stack and pointers valid for the new
    // thread's life; the parent's registers are those of a plain syscall.
    unsafe {
        core::arch::asm!(
            "ecall",
            "bnez a0, 2f",
            "li s0, 0",
            "mv a0, sp",
            "call {start}",
            "unimp",
            "2:",
            start = sym crate::thread::thread_start,
            in("a7") nr::CLONE,
            inlateout("a0") flags => ret,
            in("a1") stack, in("a2") tid, in("a3") tls, in("a4") tid,
            out("v0") _, out("v1") _, out("v2") _, out("v3") _, out("v4") _, out("v5") _,
            out("v6") _, out("v7") _, out("v8") _, out("v9") _, out("v10") _, out("v11") _,
            out("v12") _, out("v13") _, out("v14") _, out("v15") _, out("v16") _,
            out("v17") _, out("v18") _, out("v19") _, out("v20") _, out("v21") _,
            out("v22") _, out("v23") _, out("v24") _, out("v25") _, out("v26") _,
            out("v27") _, out("v28") _, out("v29") _, out("v30") _, out("v31") _,
            options(nostack),
        );
    }
    ret
}

/// The thread pointer: `tp`.
#[cfg(feature = "thread")]
#[inline(always)]
pub(crate) fn thread_pointer() -> usize {
    let tp: usize;
    // SAFETY: copies a register.
    unsafe { core::arch::asm!("mv {}, tp", out(reg) tp, options(nomem, nostack, preserves_flags)) };
    tp
}

/// Sets `tp` (the compiler never uses it: reserved for the thread pointer).
#[cfg(all(feature = "thread", feature = "start"))]
pub(crate) unsafe fn set_thread_pointer(p: usize) -> Result<(), crate::Errno> {
    // SAFETY: the caller owns the thread pointer (no libc in the process).
    unsafe { core::arch::asm!("mv tp, {}", in(reg) p, options(nomem, nostack, preserves_flags)) };
    Ok(())
}
