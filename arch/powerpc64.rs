//! powerpc64 (ELFv2, big and little endian): `sc`; number in r0, arguments in r3-r8,
//! result in r3. The kernel flags an error with cr0.SO and a positive errno in r3; the
//! asm negates it so that every arch hands back errors the same way.

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

// The process entry (ELFv2): find the TOC from our own address (bcl/mflr, so nothing
// depends on r12 at entry), pass r1 (argc) on, align r1 to 16 and leave a zeroed
// minimal frame (back chain, 32 bytes) for the callee.
#[cfg(feature = "start")]
#[unsafe(naked)]
#[no_mangle]
unsafe extern "C" fn _start() -> ! {
    core::arch::naked_asm!(
        "bcl 20, 31, 1f",
        "1:",
        "mflr 12",
        "addis 2, 12, (.TOC. - 1b)@ha",
        "addi 2, 2, (.TOC. - 1b)@l",
        "mr 3, 1",
        "clrrdi 1, 1, 4",
        "li 0, 0",
        "stdu 0, -32(1)",
        "bl {start}",
        "nop",
        "trap",
        start = sym crate::start::baresys_start,
    )
}

// --- thread ---

crate::raw::time_calls!(native);
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
