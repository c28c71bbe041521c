//! mips64 (n64, big and little endian): `syscall`; number in $v0 ($2), arguments in
//! $a0-$a5 ($4-$9), result in $v0, with $a3 ($7) set on error (then $v0 holds a positive
//! errno).

pub(crate) const SYSCALL_TABLE: &str = include_str!("tbl/mips64.tbl");
pub(crate) const SYSCALL_BASE: usize = 5000;
pub(crate) const UAPI_DEFINES: &str = include_str!("tbl/mips64.h");
pub(crate) const ERRNO_HEADER: &str = include_str!("tbl/errno-mips.h");

/// Syscall numbers: every entry of `arch/mips/kernel/syscalls/syscall_n64.tbl` plus the n64 base
/// 5000, generated into `arch/gen/mips64_nr.rs` by `ci/gen-tables.py` and checked against the table
/// at compile time.
pub mod nr {
    include!("gen/mips64_nr.rs");
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

/// $3 (v1), $7 (a3, the error flag), $8-$15 (a4-a7, t0-t3), $24 and $25 (t8, t9): the
/// n64 syscall path does not preserve the temporaries, the argument registers past $a3
/// included (arch/mips/kernel/scall64-n64.S), and $v1 can carry a second result.
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

/// The instruction and its clobbers; `syscall_fns!` below makes the `syscallN` functions,
/// which only bind registers.
/// An argument register that is also clobbered is given as `in` plus `lateout _`.
macro_rules! syscall {
    ($nr:expr $(, $reg:tt = $arg:expr)*) => {{
        let (v0, a3): (usize, usize);
        // SAFETY: (every syscallN) the caller passes a number and arguments valid for
        // that syscall; the asm touches only the declared registers.
        unsafe {
            core::arch::asm!(
                ".set push",
                ".set noat",
                "move $16, $1",
                "mfhi $17",
                "mflo $18",
                "syscall",
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
                options(nostack),
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

crate::raw::syscall_fns!("$4", "$5", "$6", "$7", "$8", "$9");

crate::raw::mmap_byte_offset!();

crate::raw::fork_flags_first!();

// The process entry: $sp points at argc. lld's default entry on MIPS is `__start`, so
// both names are defined. Align $sp to 16 (n64 has no home area); go through $t9 ($25)
// since position-independent callees compute $gp from it.
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
        "move $4, $sp",
        "li $8, -16",
        "and $sp, $sp, $8",
        "dla $25, {start}",
        "jalr $25",
        "nop",
        "break",
        ".set pop",
        start = sym crate::start::baresys_start,
    )
}

// --- thread ---

crate::raw::time_calls!(native);
crate::raw::clone_tls_is_block!();

/// `clone(flags, newsp, parent_tid, tls, child_tid)` (mips has CLONE_BACKWARDS; n64
/// passes all five in registers, child_tid in $a4 = $8; tls becomes the `UserLocal`
/// register that `rdhwr $29` reads). $at, hi and lo are parked in $16-$18 as in every
/// syscall here. The child ($a3 and $v0 0) starts with $sp at the thread's block
/// (16-byte aligned; n64 has no home area) and calls `thread_start(block)` through
/// $t9, never returning. `noreorder`: the branch delay slots are written out.
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
            "syscall",
            "bnez $7, 2f",
            "nop",
            "bnez $2, 2f",
            "nop",
            "move $fp, $zero",
            "move $4, $sp",
            "dla $25, {start}",
            "jalr $25",
            "nop",
            "break",
            "2:",
            "mthi $17",
            "mtlo $18",
            "move $1, $16",
            ".set pop",
            start = sym crate::thread::thread_start,
            inlateout("$2") nr::CLONE => v0,
            in("$4") flags, in("$5") stack, in("$6") tid, inlateout("$7") tls => a3,
            inlateout("$8") tid => _,
            lateout("$3") _,
            lateout("$16") _, lateout("$17") _, lateout("$18") _,
            lateout("$9") _, lateout("$10") _, lateout("$11") _,
            lateout("$12") _, lateout("$13") _, lateout("$14") _, lateout("$15") _,
            lateout("$24") _, lateout("$25") _,
            options(nostack),
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
            ".set mips64r2",
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
