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

// The process entry: r15 points at argc. The ABI wants r15 8-byte aligned with a
// 160-byte register save area below the caller's frame, and a zero back chain.
#[cfg(feature = "start")]
#[unsafe(naked)]
#[no_mangle]
unsafe extern "C" fn _start() -> ! {
    core::arch::naked_asm!(
        "lgr %r2, %r15",
        "nill %r15, 0xfff0",
        "aghi %r15, -160",
        "lghi %r0, 0",
        "stg %r0, 0(%r15)",
        "brasl %r14, {start}",
        "j .",
        start = sym crate::start::baresys_start,
    )
}

// --- thread ---

crate::raw::time_calls!(native);
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
