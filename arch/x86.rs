//! x86 (i386): `int 0x80`; number in eax, arguments in ebx ecx edx esi edi ebp, result
//! in eax (-4095..=-1 is an error).

pub(crate) const SYSCALL_TABLE: &str = include_str!("tbl/x86.tbl");
pub(crate) const SYSCALL_BASE: usize = 0;
pub(crate) const UAPI_DEFINES: &str = include_str!("tbl/x86.h");
pub(crate) const ERRNO_HEADER: &str = include_str!("tbl/errno-generic.h");

/// Syscall numbers: every entry of `arch/x86/entry/syscalls/syscall_32.tbl`, ABI i386, generated
/// into `arch/gen/x86_nr.rs` by `ci/gen-tables.py` and checked against the table at compile time.
/// `MMAP` is `old_mmap`, which takes a pointer to its arguments; the wrappers use `MMAP2`.
pub mod nr {
    include!("gen/x86_nr.rs");
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

/// None: `iret` restores every register but eax (arch/x86/entry/entry_32.S).
pub(crate) const CLOBBERS: &[&str] = &[];

/// What `fork` declares: the same as every syscall.
pub(crate) const FORK_CLOBBERS: &[&str] = CLOBBERS;

/// The instruction and its clobbers for up to three arguments; `preserves_flags`: eflags
/// comes back with `iret`.
macro_rules! syscall {
    ($nr:expr $(, $reg:tt = $arg:expr)*) => {{
        let ret: usize;
        // SAFETY: (syscall0-3) the caller passes a number and arguments valid for
        // that syscall; the asm touches only the declared registers.
        unsafe {
            core::arch::asm!(
                "int 0x80",
                inlateout("eax") $nr => ret,
                $(in($reg) $arg,)*
                options(nostack, preserves_flags),
            );
        }
        ret
    }};
}

#[inline(always)]
pub(crate) unsafe fn syscall0(n: usize) -> usize {
    syscall!(n)
}
#[inline(always)]
pub(crate) unsafe fn syscall1(n: usize, a1: usize) -> usize {
    syscall!(n, "ebx" = a1)
}
#[inline(always)]
pub(crate) unsafe fn syscall2(n: usize, a1: usize, a2: usize) -> usize {
    syscall!(n, "ebx" = a1, "ecx" = a2)
}
#[inline(always)]
pub(crate) unsafe fn syscall3(n: usize, a1: usize, a2: usize, a3: usize) -> usize {
    syscall!(n, "ebx" = a1, "ecx" = a2, "edx" = a3)
}

// LLVM reserves esi (base pointer) and ebp (frame pointer): neither can be an operand.
// Four arguments: swap the fourth into esi around the call (it lands in edi, the one
// free register left). Five and six: eax points at [number, a4, a6] in memory, loaded
// into eax, esi and ebp after saving the latter two on the stack (hence no `nostack`).

#[inline(always)]
pub(crate) unsafe fn syscall4(n: usize, a1: usize, a2: usize, a3: usize, a4: usize) -> usize {
    let ret: usize;
    // SAFETY: as for syscall0-3; esi is restored by the second xchg.
    unsafe {
        core::arch::asm!(
            "xchg esi, {a4}",
            "int 0x80",
            "xchg esi, {a4}",
            a4 = in(reg) a4,
            inlateout("eax") n => ret,
            in("ebx") a1, in("ecx") a2, in("edx") a3,
            options(nostack, preserves_flags),
        );
    }
    ret
}
#[inline(always)]
pub(crate) unsafe fn syscall5(
    n: usize, a1: usize, a2: usize, a3: usize, a4: usize, a5: usize,
) -> usize {
    // SAFETY: forwarded; the sixth argument is unused by five-argument calls.
    unsafe { syscall6(n, a1, a2, a3, a4, a5, 0) }
}
#[inline(always)]
pub(crate) unsafe fn syscall6(
    n: usize, a1: usize, a2: usize, a3: usize, a4: usize, a5: usize, a6: usize,
) -> usize {
    let ret: usize;
    let spilled = [n, a4, a6];
    // SAFETY: as for syscall0-3; esi and ebp are pushed before and popped after, and
    // `spilled` lives until the asm has read it.
    unsafe {
        core::arch::asm!(
            "push ebp",
            "push esi",
            "mov esi, dword ptr [eax + 4]",
            "mov ebp, dword ptr [eax + 8]",
            "mov eax, dword ptr [eax]",
            "int 0x80",
            "pop esi",
            "pop ebp",
            inlateout("eax") spilled.as_ptr() => ret,
            in("ebx") a1, in("ecx") a2, in("edx") a3, in("edi") a5,
            options(preserves_flags),
        );
    }
    ret
}

crate::raw::mmap2_4096_units!();

crate::raw::fork_flags_first!();

// The process entry: esp points at argc. i386 has no pc-relative addressing, so a
// call/pop pair gives the address of label 2 and `_DYNAMIC` (weak, see start/relocate.rs)
// is found from there. Arguments go on a 16-byte aligned stack, as the SysV i386 ABI
// expects at a call; ebp cleared ends backtraces here.
#[cfg(feature = "start")]
#[unsafe(naked)]
#[no_mangle]
unsafe extern "C" fn _start() -> ! {
    core::arch::naked_asm!(
        ".weak _DYNAMIC",
        ".hidden _DYNAMIC",
        "xorl %ebp, %ebp",
        "movl %esp, %eax",
        "calll 2f",
        "2:",
        "popl %ecx",
        "leal _DYNAMIC-2b(%ecx), %ecx",
        "andl $-16, %esp",
        "subl $8, %esp",
        "pushl %ecx",
        "pushl %eax",
        "calll {start}",
        "ud2",
        start = sym crate::start::baresys_start,
        // The `sym - label` displacement is written the AT&T way; LLVM's Intel parser
        // takes one symbol per memory operand.
        options(att_syntax),
    )
}

/// `R_386_RELATIVE`, the one relocation of a static-pie program (`start/relocate.rs`).
#[cfg(feature = "start")]
pub(crate) const R_RELATIVE: Option<usize> = Some(8);

// --- signal ---

/// Signals: numbers and flags (checked against arch/tbl), the kernel's `struct
/// sigaction`, `stack_t`, `siginfo` and `ucontext` layouts, the return trampoline and `guarded_load`.
pub(crate) mod signal {
    crate::signal::asm_generic_signals!();
    crate::table::uapi_consts! { usize: SA_RESTORER = 0x0400_0000, MINSIGSTKSZ = 2048, }

    // arch/x86/include/asm/signal.h has __ARCH_HAS_SA_RESTORER.
    crate::signal::kernel_sigaction!(handler, flags, restorer, mask);
    crate::signal::kernel_stack!(sp, flags, size);

    /// Without `SA_RESTORER` the kernel returns through the 32-bit vDSO
    /// (arch/x86/kernel/signal_32.c), which `vdso32=0` removes; with its own
    /// trampolines the crate does not depend on it. Two: a handler with `SA_SIGINFO` gets
    /// an rt frame (`rt_sigreturn`), one without it the old frame (`sigreturn`).
    pub(crate) fn restorer(flags: usize) -> Option<unsafe extern "C" fn() -> !> {
        Some(if flags & SA_SIGINFO != 0 { restore_rt } else { restore })
    }

    /// `rt_sigreturn` (173) with the stack pointer at the frame the kernel built (the
    /// bytes of glibc's `__restore_rt`, which debuggers recognise).
    #[unsafe(naked)]
    unsafe extern "C" fn restore_rt() -> ! {
        core::arch::naked_asm!("mov eax, {nr}", "int 0x80", "ud2", nr = const super::nr::RT_SIGRETURN)
    }

    /// `sigreturn` (119) for the old frame: its first word (the signal number) popped,
    /// as the kernel's `sys_sigreturn` finds the frame at sp - 8 (glibc's `__restore`).
    #[unsafe(naked)]
    unsafe extern "C" fn restore() -> ! {
        core::arch::naked_asm!("pop eax", "mov eax, {nr}", "int 0x80", "ud2", nr = const super::nr::SIGRETURN)
    }

    // siginfo: signo, errno, code, then the union at 12 (pointer-aligned).
    pub(crate) const SI_ERRNO: usize = 4;
    pub(crate) const SI_CODE: usize = 8;
    pub(crate) const SI_ADDR: usize = 12;
    pub(crate) const FAULT_ADDR_GRANULE: usize = 1;
    pub(crate) const CODE_ADDR_TAG: usize = 0;
    /// The load is the second instruction (the first fetches the argument).
    pub(crate) const GUARDED_LOAD_FAULT_OFFSET: usize = 4;

    // ucontext: uc_flags, uc_link, uc_stack (12), then uc_mcontext at 20, a struct
    // sigcontext_32 (arch/x86/include/uapi/asm/sigcontext.h): gs fs es ds, edi esi ebp
    // esp ebx edx ecx eax, trapno err, eip, ... (4 bytes each).
    const MCONTEXT: usize = 20;
    const ESP: usize = MCONTEXT + 7 * 4;
    const EIP: usize = MCONTEXT + 14 * 4;

    crate::signal::ucontext_words! { uc_pc: get @ EIP, uc_sp: get @ ESP, uc_set_pc: set @ EIP }

    /// i386 passes arguments on the stack: at a function's entry the first is the
    /// word above the return address, at sp + 4.
    pub(crate) unsafe fn uc_set_arg0(uc: *mut u8, v: usize) {
        // SAFETY: the caller passes the kernel's ucontext, interrupted where sp + 4 is a
        // word of its stack, the argument slot of the function it resumes in.
        unsafe { ((uc_sp(uc) + 4) as *mut usize).write(v) }
    }

    /// The argument comes from the stack first (eax is the result register anyway);
    /// esp and every callee-saved register are as at the call when the load faults.
    #[unsafe(naked)]
    pub(crate) unsafe extern "C" fn guarded_load(addr: *const usize) -> usize {
        core::arch::naked_asm!("mov eax, dword ptr [esp + 4]", "mov eax, dword ptr [eax]", "ret")
    }
}

// --- time (vDSO) and runtime calls ---

/// The time calls, and the vDSO's names for them (arch/x86/entry/vdso/vdso32/vdso32.lds.S).
pub(crate) mod time {
    use super::nr;

    pub(crate) const VDSO_VERSION: &str = "LINUX_2.6";
    pub(crate) const VDSO_CLOCK_GETTIME: Option<&str> = Some("__vdso_clock_gettime64");
    pub(crate) const VDSO_CLOCK_GETRES: Option<&str> = None;
    pub(crate) const VDSO_GETTIMEOFDAY: Option<&str> = None;
    /// Not used: the kernel's `__vdso_getcpu` is fine, but QEMU user mode's i386 vDSO
    /// (linux-user/i386/vdso.S, QEMU 8.1 to at least 10.0) makes it the `gettimeofday`
    /// system call, which writes a 16-byte timeval and timezone over the two `u32`s: a
    /// stack overwrite found by the checks. `getcpu` is the system call here.
    pub(crate) const VDSO_GETCPU: Option<&str> = None;
    /// 4 bytes: the ELF standard's 32-bit `DT_HASH` entries.
    pub(crate) const VDSO_HASH_ENTRY: usize = 4;

    crate::raw::time64_calls!();

    // i386's vDSO is cdecl (built with -mregparm=0): arguments on the stack. Its
    // `__vdso_clock_getres` and `__vdso_gettimeofday` take the 32-bit structs: not used.
    crate::raw::vdso_c_call!();
}

/// `ftruncate64`: the 64-bit length in two registers, low word first (ecx, edx).
#[inline(always)]
pub(crate) unsafe fn ftruncate(fd: usize, len: u64) -> usize {
    // SAFETY: forwarded from the caller.
    unsafe { syscall3(nr::FTRUNCATE64, fd, len as u32 as usize, (len >> 32) as usize) }
}

// --- thread ---

crate::raw::futex_calls!(time64);

/// i386's `CLONE_SETTLS` argument: a `struct user_desc` (arch/x86/include/uapi/asm/ldt.h)
/// describing a GDT TLS entry whose base is the thread's block; the child then loads
/// `%gs` with that entry's selector (`enter_thread`). The entry number is allocated once
/// per process by `set_thread_area` with entry -1 (clone itself cannot allocate one).
#[cfg(feature = "thread")]
#[repr(C)]
pub(crate) struct CloneTls {
    entry_number: u32,
    base_addr: u32,
    limit: u32,
    /// seg_32bit (bit 0), contents (1-2), read_exec_only (3), limit_in_pages (4),
    /// seg_not_present (5), useable (6).
    flags: u32,
}

/// A flat 4 GiB data segment: seg_32bit, limit_in_pages, useable.
#[cfg(feature = "thread")]
const USER_DESC_FLAGS: u32 = 0x1 | 0x10 | 0x40;

/// The GDT entry of baresys's thread pointers, once allocated (u32::MAX before).
#[cfg(feature = "thread")]
static TLS_ENTRY: core::sync::atomic::AtomicU32 = core::sync::atomic::AtomicU32::new(u32::MAX);

/// `set_thread_area(desc)`; with entry -1 the kernel picks a free TLS entry of the
/// calling thread and writes its number back into `desc`.
#[cfg(feature = "thread")]
fn set_thread_area(desc: &mut CloneTls) -> Result<(), crate::Errno> {
    // SAFETY: the kernel reads and writes one user_desc; a new entry changes no
    // selector in use (only %gs loaded with it would).
    unsafe { crate::syscall1(nr::SET_THREAD_AREA, desc as *mut CloneTls as usize) }.map(drop)
}

/// The entry baresys uses, allocating it (for this thread; clone copies the table)
/// on first use with base `base`.
#[cfg(feature = "thread")]
fn tls_entry(base: usize) -> Result<u32, crate::Errno> {
    use core::sync::atomic::Ordering;
    let e = TLS_ENTRY.load(Ordering::Acquire);
    if e != u32::MAX {
        return Ok(e);
    }
    let mut d = CloneTls {
        entry_number: u32::MAX,
        base_addr: base as u32,
        limit: 0xfffff,
        flags: USER_DESC_FLAGS,
    };
    set_thread_area(&mut d)?;
    // Two first spawns at once: both allocate, one number wins; the other entry stays
    // unused in its thread.
    Ok(
        match TLS_ENTRY.compare_exchange(
            u32::MAX,
            d.entry_number,
            Ordering::AcqRel,
            Ordering::Acquire,
        ) {
            Ok(_) => d.entry_number,
            Err(winner) => winner,
        },
    )
}

#[cfg(feature = "thread")]
impl CloneTls {
    pub(crate) const EMPTY: CloneTls =
        CloneTls { entry_number: 0, base_addr: 0, limit: 0, flags: 0 };
    /// The descriptor of the new thread's entry, based at its block.
    pub(crate) fn init(&mut self, block: usize) -> Result<(), crate::Errno> {
        let entry = tls_entry(0)?;
        *self = CloneTls {
            entry_number: entry,
            base_addr: block as u32,
            limit: 0xfffff,
            flags: USER_DESC_FLAGS,
        };
        Ok(())
    }
    /// The `tls` argument of `clone`: the descriptor's address.
    pub(crate) fn arg(&self, _block: usize) -> usize {
        self as *const CloneTls as usize
    }
}

/// Loads `%gs` with the entry's selector (index << 3, GDT, RPL 3): the kernel set the
/// entry for the new thread but left `%gs` as the parent had it.
#[cfg(feature = "thread")]
#[inline(always)]
pub(crate) unsafe fn enter_thread(tls: &CloneTls) {
    let selector = tls.entry_number * 8 + 3;
    // SAFETY: the entry was set up by clone for this thread; nothing else uses %gs.
    unsafe {
        core::arch::asm!("mov gs, {0:e}", in(reg) selector, options(nostack, preserves_flags))
    };
}

/// `clone(flags, newsp, parent_tid, tls, child_tid)` (i386 has CLONE_BACKWARDS: tls
/// before child_tid, in esi). LLVM reserves esi, so as in `syscall6` eax points at
/// [number, tls] and esi is saved around the call (on the parent's stack: the child has
/// another). The child (eax 0) starts with esp at the thread's block (16-byte aligned),
/// passes it cdecl with esp 16-byte aligned at the call, and never returns.
#[cfg(feature = "thread")]
#[inline(always)]
pub(crate) unsafe fn clone_thread(flags: usize, stack: usize, tid: *mut u32, tls: usize) -> usize {
    let ret: usize;
    let spilled = [nr::CLONE, tls];
    // SAFETY: the caller passes thread flags, a stack and pointers valid for the new
    // thread's life; the parent's registers come back as from a plain syscall, esi
    // restored by the pop, `spilled` alive until read.
    unsafe {
        core::arch::asm!(
            "push esi",
            "mov esi, dword ptr [eax + 4]",
            "mov eax, dword ptr [eax]",
            "int 0x80",
            "test eax, eax",
            "jnz 2f",
            "xor ebp, ebp",
            "mov eax, esp",
            "sub esp, 12",
            "push eax",
            "call {start}",
            "ud2",
            "2:",
            "pop esi",
            start = sym crate::thread::thread_start,
            inlateout("eax") spilled.as_ptr() => ret,
            in("ebx") flags, in("ecx") stack, in("edx") tid, in("edi") tid,
        );
    }
    ret
}

/// The thread pointer: `%gs:0`, the block's own address (its first field).
#[cfg(feature = "thread")]
#[inline(always)]
pub(crate) fn thread_pointer() -> usize {
    let tp: usize;
    // SAFETY: reads one word at %gs:0; callers only call this where %gs is a block's.
    unsafe {
        core::arch::asm!("mov {}, dword ptr gs:[0]", out(reg) tp,
            options(nostack, readonly, preserves_flags));
    }
    tp
}

/// Points the calling thread's `%gs` at `p`: allocates baresys's entry with base `p`
/// (or sets it, once allocated) and loads the selector.
#[cfg(all(feature = "thread", feature = "start"))]
pub(crate) unsafe fn set_thread_pointer(p: usize) -> Result<(), crate::Errno> {
    let entry = tls_entry(p)?;
    let mut d = CloneTls {
        entry_number: entry,
        base_addr: p as u32,
        limit: 0xfffff,
        flags: USER_DESC_FLAGS,
    };
    set_thread_area(&mut d)?;
    // SAFETY: the entry now describes `p`; the caller owns the thread pointer.
    unsafe { enter_thread(&d) };
    Ok(())
}
