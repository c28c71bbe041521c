//! Issue 6: checks that only a real kernel can answer (under QEMU user mode they run
//! too, and mostly pass trivially: QEMU emulates each syscall inside its own process).
//!
//! - clobbers: a test-only asm block per architecture loads every general-purpose
//!   register with a known value, makes a syscall, and stores them all back; every
//!   register the kernel changed must be in `baresys::DECLARED_CLOBBERS` (the list the
//!   crate's own asm declares). Syscalls of different kinds go through it: a trivial
//!   one, failing ones, an unknown number, mmap/mprotect/munmap, clone (both the parent
//!   and the child return path), a blocking wait4, and a read that blocks, is stopped
//!   by SIGSTOP, continued and restarted by the kernel;
//! - the page size: `mem::page_size()` against AT_PAGESZ from /proc/self/auxv, and
//!   mprotect's alignment rule at that size;
//! - MADV_GUARD_INSTALL: where the kernel accepts it, the page really faults;
//! - mprotect of a range with a hole at either end: ENOMEM.

use super::util::{access_faults, access_works, in_child, perms_at, range_has_perms};
use super::Ctx;
use crate::{check, check_eq};
use baresys::fd::{AsRawFd, BorrowedFd};
use baresys::{nr, Advice, Errno, MapFlags, OFlags, Prot};
use core::ffi::{c_void, CStr};
use core::fmt;
use core::ptr::null_mut;

const ANON: MapFlags = MapFlags::PRIVATE.union(MapFlags::ANONYMOUS);
const RW: Prot = Prot::READ.union(Prot::WRITE);
const W: usize = core::mem::size_of::<usize>();

// Signal numbers: MIPS has its own.
#[cfg(any(target_arch = "mips", target_arch = "mips64"))]
mod sig {
    pub const CHLD: usize = 18;
    pub const STOP: i32 = 23;
    pub const CONT: i32 = 25;
}
#[cfg(not(any(target_arch = "mips", target_arch = "mips64")))]
mod sig {
    pub const CHLD: usize = 17;
    pub const STOP: i32 = 19;
    pub const CONT: i32 = 18;
}

pub fn run(ctx: &mut Ctx) {
    ctx.group("kernel");
    let page = baresys::mem::page_size();
    clobbers(ctx, page);
    page_size(ctx, page);
    guard(ctx, page);
    enomem(ctx, page);
}

fn map(len: usize, prot: Prot, flags: MapFlags) -> *mut c_void {
    // SAFETY: a new anonymous mapping where the kernel chooses aliases nothing.
    unsafe { baresys::mmap(null_mut(), len, prot, flags, None, 0) }.unwrap_or(null_mut())
}

fn unmap(p: *mut c_void, len: usize) {
    // SAFETY: only called on mappings made in this file, not used afterwards.
    let _ = unsafe { baresys::munmap(p, len) };
}

// ---------------------------------------------------------------------------------------
// Clobbers

/// Slots in the buffer the probe asm reads before and writes after the syscall: the
/// registers of the arch's table first, then the arch's extras.
const SLOTS: usize = 72;

/// A value the probe handles besides the general-purpose registers: a flags register
/// (checked where the crate's asm claims `preserves_flags`), a special register, or a
/// stack argument. `mask`: the bits compared (0: not compared); `init`: the value put
/// there before the call (None: the slot's pattern).
struct Extra {
    name: &'static str,
    slot: usize,
    init: Option<usize>,
    mask: usize,
}

const fn streq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The slot of register `name` in a table.
const fn slot(names: &[&str], name: &str) -> usize {
    let mut i = 0;
    while i < names.len() {
        if streq(names[i], name) {
            return i;
        }
        i += 1;
    }
    panic!("register not in the table")
}

/// The slots of the six argument registers.
const fn slots(names: &[&str], regs: [&str; 6]) -> [usize; 6] {
    let mut r = [0; 6];
    let mut i = 0;
    while i < 6 {
        r[i] = slot(names, regs[i]);
        i += 1;
    }
    r
}

/// Expands a register table (`"reg" offset, ...`) into asm lines, one per register:
/// `rf` writes `$a reg $b offset $c`, `of` writes `$a offset $b reg $c`; `names` gives the
/// names as an array. The table is written once per arch; its order is the slot order
/// (offset = slot * word size) and the load order, so the base register comes last.
#[allow(unused_macros)] // arm and s390x take register ranges instead
macro_rules! lines {
    (names; $($reg:literal $off:literal),+ $(,)?) => { [$($reg),+] };
    (rf $a:literal, $b:literal, $c:literal; $($reg:literal $off:literal),+ $(,)?) => {
        concat!($($a, $reg, $b, $off, $c, "\n"),+)
    };
    (of $a:literal, $b:literal, $c:literal; $($reg:literal $off:literal),+ $(,)?) => {
        concat!($($a, $off, $b, $reg, $c, "\n"),+)
    };
}

// Every probe asm block has the same shape, with B the base register (the buffer
// pointer, an explicit `in` operand) and T a temporary:
//
//   1. move sp down 1024 bytes (past any red zone) and save all table registers at
//      0(sp): the compiler's values, including reserved ones (fp, base pointers);
//   2. load every table register from the buffer, B last; extras (flags) before that;
//   3. the syscall instruction;
//   4. park B's after-value at TMP(sp), reload B with the buffer address from its save
//      slot, store every table register into the buffer (B's slot gets the address),
//      then put B's parked value into its slot with another register; extras;
//   5. restore all table registers from 0(sp) and move sp back.
//
// So the asm changes no register (flags aside: no `preserves_flags`), and the only
// registers never loaded are sp, the zero register and those named in each block.
// `clobber_abi("C")` lets the compiler expect the caller-saved FP/vector registers to
// change; loongarch64 also saves, fills and checks the upper halves of its LSX
// registers itself (clobber_abi does not cover them there).

/// x86_64: number and result in rax, arguments rdi rsi rdx r10 r8 r9. Not loaded: rsp.
/// rbx and rbp (which Rust does not allow as operands) are saved and restored like all.
#[cfg(target_arch = "x86_64")]
mod regs {
    use super::Extra;
    macro_rules! table {
        ($($how:tt)*) => { lines!($($how)*;
            "rax" 0, "rbx" 8, "rcx" 16, "rdx" 24, "rsi" 32, "rbp" 40, "r8" 48, "r9" 56,
            "r10" 64, "r11" 72, "r12" 80, "r13" 88, "r14" 96, "r15" 104, "rdi" 112)
        };
    }
    pub const NAMES: &[&str] = &table!(names);
    const N: usize = NAMES.len();
    pub const NR: usize = super::slot(NAMES, "rax");
    pub const RET: usize = NR;
    pub const RESTORED: &[&str] = &[];
    /// The register the fault probe stores to the address it holds (issue 11).
    pub const FAULT_REG: usize = NR;
    pub const ARGS: [usize; 6] = super::slots(NAMES, ["rdi", "rsi", "rdx", "r10", "r8", "r9"]);
    /// The arithmetic flags (CF PF AF ZF SF OF); the asm claims `preserves_flags`.
    pub const EXTRAS: &[Extra] =
        &[Extra { name: "rflags", slot: N, init: Some(0x8d7), mask: 0x8d5 }];

    pub unsafe fn probe(buf: *mut usize) {
        // SAFETY: see the shape above; the caller's buffer holds SLOTS words.
        unsafe {
            core::arch::asm!(
                "sub rsp, 1024",
                table!(of "mov qword ptr [rsp + ", "], ", ""),
                "push qword ptr [rdi + {fl}]",
                "popfq",
                table!(rf "mov ", ", qword ptr [rdi + ", "]"),
                "syscall",
                "pushfq",
                "pop qword ptr [rsp + {tmp_fl}]",
                "mov qword ptr [rsp + {tmp}], rdi",
                "mov rdi, qword ptr [rsp + {b}]",
                table!(of "mov qword ptr [rdi + ", "], ", ""),
                "mov rax, qword ptr [rsp + {tmp}]",
                "mov qword ptr [rdi + {b}], rax",
                "mov rax, qword ptr [rsp + {tmp_fl}]",
                "mov qword ptr [rdi + {fl}], rax",
                table!(rf "mov ", ", qword ptr [rsp + ", "]"),
                "add rsp, 1024",
                in("rdi") buf,
                b = const 112, fl = const N * 8, tmp = const N * 8, tmp_fl = const N * 8 + 8,
                clobber_abi("C"),
            );
        }
    }

    pub unsafe fn probe_fault(buf: *mut usize) {
        // SAFETY: see the shape above, with a store of FAULT_REG to the address it
        // holds in place of the syscall (issue 11: a signal handler commits the page); the caller's buffer holds SLOTS words.
        unsafe {
            core::arch::asm!(
                "sub rsp, 1024",
                table!(of "mov qword ptr [rsp + ", "], ", ""),
                "push qword ptr [rdi + {fl}]",
                "popfq",
                table!(rf "mov ", ", qword ptr [rdi + ", "]"),
                "mov qword ptr [rax], rax",
                "pushfq",
                "pop qword ptr [rsp + {tmp_fl}]",
                "mov qword ptr [rsp + {tmp}], rdi",
                "mov rdi, qword ptr [rsp + {b}]",
                table!(of "mov qword ptr [rdi + ", "], ", ""),
                "mov rax, qword ptr [rsp + {tmp}]",
                "mov qword ptr [rdi + {b}], rax",
                "mov rax, qword ptr [rsp + {tmp_fl}]",
                "mov qword ptr [rdi + {fl}], rax",
                table!(rf "mov ", ", qword ptr [rsp + ", "]"),
                "add rsp, 1024",
                in("rdi") buf,
                b = const 112, fl = const N * 8, tmp = const N * 8, tmp_fl = const N * 8 + 8,
                clobber_abi("C"),
            );
        }
    }
    pub fn raw_result(after: &[usize]) -> usize {
        after[RET]
    }
}

/// x86 (i386, `int 0x80`): number and result in eax, arguments ebx ecx edx esi edi ebp.
/// Not loaded: esp. esi and ebp (reserved by LLVM) are saved and restored like all.
#[cfg(target_arch = "x86")]
mod regs {
    use super::Extra;
    macro_rules! table {
        ($($how:tt)*) => { lines!($($how)*;
            "eax" 0, "ebx" 4, "ecx" 8, "edx" 12, "esi" 16, "ebp" 20, "edi" 24)
        };
    }
    pub const NAMES: &[&str] = &table!(names);
    const N: usize = NAMES.len();
    pub const NR: usize = super::slot(NAMES, "eax");
    pub const RET: usize = NR;
    pub const RESTORED: &[&str] = &[];
    /// The register the fault probe stores to the address it holds (issue 11).
    pub const FAULT_REG: usize = NR;
    pub const ARGS: [usize; 6] = super::slots(NAMES, ["ebx", "ecx", "edx", "esi", "edi", "ebp"]);
    /// The arithmetic flags (CF PF AF ZF SF OF); the asm claims `preserves_flags`.
    pub const EXTRAS: &[Extra] =
        &[Extra { name: "eflags", slot: N, init: Some(0x8d7), mask: 0x8d5 }];

    pub unsafe fn probe(buf: *mut usize) {
        // SAFETY: see the shape above; the caller's buffer holds SLOTS words.
        unsafe {
            core::arch::asm!(
                "sub esp, 1024",
                table!(of "mov dword ptr [esp + ", "], ", ""),
                "push dword ptr [edi + {fl}]",
                "popfd",
                table!(rf "mov ", ", dword ptr [edi + ", "]"),
                "int 0x80",
                "pushfd",
                "pop dword ptr [esp + {tmp_fl}]",
                "mov dword ptr [esp + {tmp}], edi",
                "mov edi, dword ptr [esp + {b}]",
                table!(of "mov dword ptr [edi + ", "], ", ""),
                "mov eax, dword ptr [esp + {tmp}]",
                "mov dword ptr [edi + {b}], eax",
                "mov eax, dword ptr [esp + {tmp_fl}]",
                "mov dword ptr [edi + {fl}], eax",
                table!(rf "mov ", ", dword ptr [esp + ", "]"),
                "add esp, 1024",
                in("edi") buf,
                b = const 24, fl = const N * 4, tmp = const N * 4, tmp_fl = const N * 4 + 4,
                clobber_abi("C"),
            );
        }
    }

    pub unsafe fn probe_fault(buf: *mut usize) {
        // SAFETY: see the shape above, with a store of FAULT_REG to the address it
        // holds in place of the syscall (issue 11: a signal handler commits the page); the caller's buffer holds SLOTS words.
        unsafe {
            core::arch::asm!(
                "sub esp, 1024",
                table!(of "mov dword ptr [esp + ", "], ", ""),
                "push dword ptr [edi + {fl}]",
                "popfd",
                table!(rf "mov ", ", dword ptr [edi + ", "]"),
                "mov dword ptr [eax], eax",
                "pushfd",
                "pop dword ptr [esp + {tmp_fl}]",
                "mov dword ptr [esp + {tmp}], edi",
                "mov edi, dword ptr [esp + {b}]",
                table!(of "mov dword ptr [edi + ", "], ", ""),
                "mov eax, dword ptr [esp + {tmp}]",
                "mov dword ptr [edi + {b}], eax",
                "mov eax, dword ptr [esp + {tmp_fl}]",
                "mov dword ptr [edi + {fl}], eax",
                table!(rf "mov ", ", dword ptr [esp + ", "]"),
                "add esp, 1024",
                in("edi") buf,
                b = const 24, fl = const N * 4, tmp = const N * 4, tmp_fl = const N * 4 + 4,
                clobber_abi("C"),
            );
        }
    }
    pub fn raw_result(after: &[usize]) -> usize {
        after[RET]
    }
}

/// arm (EABI): number in r7, arguments r0-r5, result in r0. Slots r0-r12 then lr; not
/// loaded: sp, pc. ldm/stm take the whole list (the base register in the list without
/// writeback loads/stores it like the others).
#[cfg(target_arch = "arm")]
mod regs {
    use super::Extra;
    pub const NAMES: &[&str] =
        &["r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12", "lr"];
    const N: usize = NAMES.len();
    pub const NR: usize = super::slot(NAMES, "r7");
    pub const RET: usize = super::slot(NAMES, "r0");
    /// The crate's asm saves r7 (Thumb's frame pointer) and puts it back itself.
    pub const RESTORED: &[&str] = &["r7"];
    /// The register the fault probe stores to the address it holds (issue 11).
    pub const FAULT_REG: usize = NR;
    pub const ARGS: [usize; 6] = super::slots(NAMES, ["r0", "r1", "r2", "r3", "r4", "r5"]);
    /// N Z C V Q; the asm claims `preserves_flags`.
    pub const EXTRAS: &[Extra] =
        &[Extra { name: "apsr", slot: N, init: Some(0xa800_0000), mask: 0xf800_0000 }];

    pub unsafe fn probe(buf: *mut usize) {
        // SAFETY: see the shape above; the caller's buffer holds SLOTS words.
        unsafe {
            core::arch::asm!(
                "sub sp, sp, #1024",
                "stm sp, {{r0-r12, lr}}",
                "ldr r1, [r0, #{fl}]",
                "msr APSR_nzcvq, r1",
                "ldm r0, {{r0-r12, lr}}",
                "svc 0",
                "str r0, [sp, #{tmp}]",
                "ldr r0, [sp]",
                "stm r0, {{r0-r12, lr}}",
                "ldr r1, [sp, #{tmp}]",
                "str r1, [r0]",
                "mrs r1, APSR",
                "str r1, [r0, #{fl}]",
                "ldm sp, {{r0-r12, lr}}",
                "add sp, sp, #1024",
                in("r0") buf,
                fl = const N * 4, tmp = const N * 4,
                clobber_abi("C"),
            );
        }
    }

    pub unsafe fn probe_fault(buf: *mut usize) {
        // SAFETY: see the shape above, with a store of FAULT_REG to the address it
        // holds in place of the syscall (issue 11: a signal handler commits the page); the caller's buffer holds SLOTS words.
        unsafe {
            core::arch::asm!(
                "sub sp, sp, #1024",
                "stm sp, {{r0-r12, lr}}",
                "ldr r1, [r0, #{fl}]",
                "msr APSR_nzcvq, r1",
                "ldm r0, {{r0-r12, lr}}",
                "str r7, [r7]",
                "str r0, [sp, #{tmp}]",
                "ldr r0, [sp]",
                "stm r0, {{r0-r12, lr}}",
                "ldr r1, [sp, #{tmp}]",
                "str r1, [r0]",
                "mrs r1, APSR",
                "str r1, [r0, #{fl}]",
                "ldm sp, {{r0-r12, lr}}",
                "add sp, sp, #1024",
                in("r0") buf,
                fl = const N * 4, tmp = const N * 4,
                clobber_abi("C"),
            );
        }
    }
    pub fn raw_result(after: &[usize]) -> usize {
        after[RET]
    }
}

/// aarch64: number in x8, arguments x0-x5, result in x0. Slots x1-x30 then x0 (the
/// base, loaded last); not loaded: sp, xzr. x18, x19 and x29 are saved and restored.
#[cfg(target_arch = "aarch64")]
mod regs {
    use super::Extra;
    macro_rules! table {
        ($($how:tt)*) => { lines!($($how)*;
            "x1" 0, "x2" 8, "x3" 16, "x4" 24, "x5" 32, "x6" 40, "x7" 48, "x8" 56,
            "x9" 64, "x10" 72, "x11" 80, "x12" 88, "x13" 96, "x14" 104, "x15" 112,
            "x16" 120, "x17" 128, "x18" 136, "x19" 144, "x20" 152, "x21" 160, "x22" 168,
            "x23" 176, "x24" 184, "x25" 192, "x26" 200, "x27" 208, "x28" 216, "x29" 224,
            "x30" 232, "x0" 240)
        };
    }
    pub const NAMES: &[&str] = &table!(names);
    const N: usize = NAMES.len();
    pub const NR: usize = super::slot(NAMES, "x8");
    pub const RET: usize = super::slot(NAMES, "x0");
    pub const RESTORED: &[&str] = &[];
    /// The register the fault probe stores to the address it holds (issue 11).
    pub const FAULT_REG: usize = NR;
    pub const ARGS: [usize; 6] = super::slots(NAMES, ["x0", "x1", "x2", "x3", "x4", "x5"]);
    /// N Z C V; the asm claims `preserves_flags`.
    pub const EXTRAS: &[Extra] =
        &[Extra { name: "nzcv", slot: N, init: Some(0xa000_0000), mask: 0xf000_0000 }];

    pub unsafe fn probe(buf: *mut usize) {
        // SAFETY: see the shape above; the caller's buffer holds SLOTS words.
        unsafe {
            core::arch::asm!(
                "sub sp, sp, #1024",
                table!(rf "str ", ", [sp, #", "]"),
                "ldr x1, [x0, #{fl}]",
                "msr nzcv, x1",
                table!(rf "ldr ", ", [x0, #", "]"),
                "svc 0",
                "str x0, [sp, #{tmp}]",
                "ldr x0, [sp, #{b}]",
                table!(rf "str ", ", [x0, #", "]"),
                "ldr x1, [sp, #{tmp}]",
                "str x1, [x0, #{b}]",
                "mrs x1, nzcv",
                "str x1, [x0, #{fl}]",
                table!(rf "ldr ", ", [sp, #", "]"),
                "add sp, sp, #1024",
                in("x0") buf,
                b = const 240, fl = const N * 8, tmp = const N * 8,
                clobber_abi("C"),
            );
        }
    }

    pub unsafe fn probe_fault(buf: *mut usize) {
        // SAFETY: see the shape above, with a store of FAULT_REG to the address it
        // holds in place of the syscall (issue 11: a signal handler commits the page); the caller's buffer holds SLOTS words.
        unsafe {
            core::arch::asm!(
                "sub sp, sp, #1024",
                table!(rf "str ", ", [sp, #", "]"),
                "ldr x1, [x0, #{fl}]",
                "msr nzcv, x1",
                table!(rf "ldr ", ", [x0, #", "]"),
                "str x8, [x8]",
                "str x0, [sp, #{tmp}]",
                "ldr x0, [sp, #{b}]",
                table!(rf "str ", ", [x0, #", "]"),
                "ldr x1, [sp, #{tmp}]",
                "str x1, [x0, #{b}]",
                "mrs x1, nzcv",
                "str x1, [x0, #{fl}]",
                table!(rf "ldr ", ", [sp, #", "]"),
                "add sp, sp, #1024",
                in("x0") buf,
                b = const 240, fl = const N * 8, tmp = const N * 8,
                clobber_abi("C"),
            );
        }
    }
    pub fn raw_result(after: &[usize]) -> usize {
        after[RET]
    }
}

/// riscv64: number in a7, arguments a0-a5, result in a0. Not loaded: zero, sp, gp, tp.
/// s0 (fp) and s1 (LLVM's base pointer) are saved and restored like all.
#[cfg(target_arch = "riscv64")]
mod regs {
    use super::Extra;
    macro_rules! table {
        ($($how:tt)*) => { lines!($($how)*;
            "ra" 0, "t0" 8, "t1" 16, "t2" 24, "s0" 32, "s1" 40, "a1" 48, "a2" 56, "a3" 64,
            "a4" 72, "a5" 80, "a6" 88, "a7" 96, "s2" 104, "s3" 112, "s4" 120, "s5" 128,
            "s6" 136, "s7" 144, "s8" 152, "s9" 160, "s10" 168, "s11" 176, "t3" 184,
            "t4" 192, "t5" 200, "t6" 208, "a0" 216)
        };
    }
    pub const NAMES: &[&str] = &table!(names);
    const N: usize = NAMES.len();
    pub const NR: usize = super::slot(NAMES, "a7");
    pub const RET: usize = super::slot(NAMES, "a0");
    pub const RESTORED: &[&str] = &[];
    /// The register the fault probe stores to the address it holds (issue 11).
    pub const FAULT_REG: usize = NR;
    pub const ARGS: [usize; 6] = super::slots(NAMES, ["a0", "a1", "a2", "a3", "a4", "a5"]);
    pub const EXTRAS: &[Extra] = &[];

    pub unsafe fn probe(buf: *mut usize) {
        // SAFETY: see the shape above; the caller's buffer holds SLOTS words.
        unsafe {
            core::arch::asm!(
                "addi sp, sp, -1024",
                table!(rf "sd ", ", ", "(sp)"),
                table!(rf "ld ", ", ", "(a0)"),
                "ecall",
                "sd a0, {tmp}(sp)",
                "ld a0, {b}(sp)",
                table!(rf "sd ", ", ", "(a0)"),
                "ld t0, {tmp}(sp)",
                "sd t0, {b}(a0)",
                table!(rf "ld ", ", ", "(sp)"),
                "addi sp, sp, 1024",
                in("a0") buf,
                b = const 216, tmp = const N * 8,
                clobber_abi("C"),
            );
        }
    }

    pub unsafe fn probe_fault(buf: *mut usize) {
        // SAFETY: see the shape above, with a store of FAULT_REG to the address it
        // holds in place of the syscall (issue 11: a signal handler commits the page); the caller's buffer holds SLOTS words.
        unsafe {
            core::arch::asm!(
                "addi sp, sp, -1024",
                table!(rf "sd ", ", ", "(sp)"),
                table!(rf "ld ", ", ", "(a0)"),
                "sd a7, 0(a7)",
                "sd a0, {tmp}(sp)",
                "ld a0, {b}(sp)",
                table!(rf "sd ", ", ", "(a0)"),
                "ld t0, {tmp}(sp)",
                "sd t0, {b}(a0)",
                table!(rf "ld ", ", ", "(sp)"),
                "addi sp, sp, 1024",
                in("a0") buf,
                b = const 216, tmp = const N * 8,
                clobber_abi("C"),
            );
        }
    }
    pub fn raw_result(after: &[usize]) -> usize {
        after[RET]
    }
}

/// loongarch64: number in $a7, arguments $a0-$a5, result in $a0. Not loaded: $zero,
/// $tp, $sp and $r21 (reserved by the ABI). $fp is saved and restored like all.
///
/// Extras: the upper 64 bits of the LSX registers $vr0-$vr31 (the lower 64 are $f0-$f31),
/// saved at VSAVE(sp), set from the buffer and read back. The crate's asm declares no
/// FP or vector clobbers, so the compiler may keep 128-bit values there across a syscall.
#[cfg(target_arch = "loongarch64")]
mod regs {
    use super::Extra;
    macro_rules! table {
        ($($how:tt)*) => { lines!($($how)*;
            "$ra" 0, "$a1" 8, "$a2" 16, "$a3" 24, "$a4" 32, "$a5" 40, "$a6" 48, "$a7" 56,
            "$t0" 64, "$t1" 72, "$t2" 80, "$t3" 88, "$t4" 96, "$t5" 104, "$t6" 112,
            "$t7" 120, "$t8" 128, "$fp" 136, "$s0" 144, "$s1" 152, "$s2" 160, "$s3" 168,
            "$s4" 176, "$s5" 184, "$s6" 192, "$s7" 200, "$s8" 208, "$a0" 216)
        };
    }
    pub const NAMES: &[&str] = &table!(names);
    const N: usize = NAMES.len();
    pub const NR: usize = super::slot(NAMES, "$a7");
    pub const RET: usize = super::slot(NAMES, "$a0");
    pub const RESTORED: &[&str] = &[];
    /// The register the fault probe stores to the address it holds (issue 11).
    pub const FAULT_REG: usize = NR;
    pub const ARGS: [usize; 6] = super::slots(NAMES, ["$a0", "$a1", "$a2", "$a3", "$a4", "$a5"]);
    pub const EXTRAS: &[Extra] = &[
        Extra { name: "$vr0.hi", slot: N + 0, init: None, mask: !0 },
        Extra { name: "$vr1.hi", slot: N + 1, init: None, mask: !0 },
        Extra { name: "$vr2.hi", slot: N + 2, init: None, mask: !0 },
        Extra { name: "$vr3.hi", slot: N + 3, init: None, mask: !0 },
        Extra { name: "$vr4.hi", slot: N + 4, init: None, mask: !0 },
        Extra { name: "$vr5.hi", slot: N + 5, init: None, mask: !0 },
        Extra { name: "$vr6.hi", slot: N + 6, init: None, mask: !0 },
        Extra { name: "$vr7.hi", slot: N + 7, init: None, mask: !0 },
        Extra { name: "$vr8.hi", slot: N + 8, init: None, mask: !0 },
        Extra { name: "$vr9.hi", slot: N + 9, init: None, mask: !0 },
        Extra { name: "$vr10.hi", slot: N + 10, init: None, mask: !0 },
        Extra { name: "$vr11.hi", slot: N + 11, init: None, mask: !0 },
        Extra { name: "$vr12.hi", slot: N + 12, init: None, mask: !0 },
        Extra { name: "$vr13.hi", slot: N + 13, init: None, mask: !0 },
        Extra { name: "$vr14.hi", slot: N + 14, init: None, mask: !0 },
        Extra { name: "$vr15.hi", slot: N + 15, init: None, mask: !0 },
        Extra { name: "$vr16.hi", slot: N + 16, init: None, mask: !0 },
        Extra { name: "$vr17.hi", slot: N + 17, init: None, mask: !0 },
        Extra { name: "$vr18.hi", slot: N + 18, init: None, mask: !0 },
        Extra { name: "$vr19.hi", slot: N + 19, init: None, mask: !0 },
        Extra { name: "$vr20.hi", slot: N + 20, init: None, mask: !0 },
        Extra { name: "$vr21.hi", slot: N + 21, init: None, mask: !0 },
        Extra { name: "$vr22.hi", slot: N + 22, init: None, mask: !0 },
        Extra { name: "$vr23.hi", slot: N + 23, init: None, mask: !0 },
        Extra { name: "$vr24.hi", slot: N + 24, init: None, mask: !0 },
        Extra { name: "$vr25.hi", slot: N + 25, init: None, mask: !0 },
        Extra { name: "$vr26.hi", slot: N + 26, init: None, mask: !0 },
        Extra { name: "$vr27.hi", slot: N + 27, init: None, mask: !0 },
        Extra { name: "$vr28.hi", slot: N + 28, init: None, mask: !0 },
        Extra { name: "$vr29.hi", slot: N + 29, init: None, mask: !0 },
        Extra { name: "$vr30.hi", slot: N + 30, init: None, mask: !0 },
        Extra { name: "$vr31.hi", slot: N + 31, init: None, mask: !0 },
    ];
    /// The LSX registers with their save slots (256 + 16 i) on the stack...
    macro_rules! vsave {
        ($($how:tt)*) => { lines!($($how)*; "$vr0" 256, "$vr1" 272, "$vr2" 288, "$vr3" 304, "$vr4" 320, "$vr5" 336, "$vr6" 352, "$vr7" 368, "$vr8" 384, "$vr9" 400, "$vr10" 416, "$vr11" 432, "$vr12" 448, "$vr13" 464, "$vr14" 480, "$vr15" 496, "$vr16" 512, "$vr17" 528, "$vr18" 544, "$vr19" 560, "$vr20" 576, "$vr21" 592, "$vr22" 608, "$vr23" 624, "$vr24" 640, "$vr25" 656, "$vr26" 672, "$vr27" 688, "$vr28" 704, "$vr29" 720, "$vr30" 736, "$vr31" 752) };
    }
    /// ... and the buffer offsets of their upper halves ((N + i) * 8).
    macro_rules! vbuf {
        ($($how:tt)*) => { lines!($($how)*; "$vr0" 224, "$vr1" 232, "$vr2" 240, "$vr3" 248, "$vr4" 256, "$vr5" 264, "$vr6" 272, "$vr7" 280, "$vr8" 288, "$vr9" 296, "$vr10" 304, "$vr11" 312, "$vr12" 320, "$vr13" 328, "$vr14" 336, "$vr15" 344, "$vr16" 352, "$vr17" 360, "$vr18" 368, "$vr19" 376, "$vr20" 384, "$vr21" 392, "$vr22" 400, "$vr23" 408, "$vr24" 416, "$vr25" 424, "$vr26" 432, "$vr27" 440, "$vr28" 448, "$vr29" 456, "$vr30" 464, "$vr31" 472) };
    }
    const _: () = assert!(N * 8 == 224);

    pub unsafe fn probe(buf: *mut usize) {
        // SAFETY: see the shape above; the caller's buffer holds SLOTS words. The vector
        // registers are saved before and restored after, like the general ones.
        unsafe {
            core::arch::asm!(
                "addi.d $sp, $sp, -1024",
                table!(rf "st.d ", ", $sp, ", ""),
                vsave!(rf "vst ", ", $sp, ", ""),
                vbuf!(of "ld.d $t0, $a0, ", "\n vinsgr2vr.d ", ", $t0, 1"),
                table!(rf "ld.d ", ", $a0, ", ""),
                "syscall 0",
                "st.d $a0, $sp, {tmp}",
                "ld.d $a0, $sp, {b}",
                table!(rf "st.d ", ", $a0, ", ""),
                vbuf!(rf "vpickve2gr.d $t0, ", ", 1\n st.d $t0, $a0, ", ""),
                "ld.d $t0, $sp, {tmp}",
                "st.d $t0, $a0, {b}",
                vsave!(rf "vld ", ", $sp, ", ""),
                table!(rf "ld.d ", ", $sp, ", ""),
                "addi.d $sp, $sp, 1024",
                in("$a0") buf,
                b = const 216, tmp = const N * 8,
                clobber_abi("C"),
            );
        }
    }

    pub unsafe fn probe_fault(buf: *mut usize) {
        // SAFETY: see the shape above, with a store of FAULT_REG to the address it
        // holds in place of the syscall (issue 11: a signal handler commits the page); the caller's buffer holds SLOTS words. The vector
        // registers are saved before and restored after, like the general ones.
        unsafe {
            core::arch::asm!(
                "addi.d $sp, $sp, -1024",
                table!(rf "st.d ", ", $sp, ", ""),
                vsave!(rf "vst ", ", $sp, ", ""),
                vbuf!(of "ld.d $t0, $a0, ", "\n vinsgr2vr.d ", ", $t0, 1"),
                table!(rf "ld.d ", ", $a0, ", ""),
                "st.d $a7, $a7, 0",
                "st.d $a0, $sp, {tmp}",
                "ld.d $a0, $sp, {b}",
                table!(rf "st.d ", ", $a0, ", ""),
                vbuf!(rf "vpickve2gr.d $t0, ", ", 1\n st.d $t0, $a0, ", ""),
                "ld.d $t0, $sp, {tmp}",
                "st.d $t0, $a0, {b}",
                vsave!(rf "vld ", ", $sp, ", ""),
                table!(rf "ld.d ", ", $sp, ", ""),
                "addi.d $sp, $sp, 1024",
                in("$a0") buf,
                b = const 216, tmp = const N * 8,
                clobber_abi("C"),
            );
        }
    }
    pub fn raw_result(after: &[usize]) -> usize {
        after[RET]
    }
}

/// mips o32 and mips64 n64: number and result in $2, error flag in $7, arguments $4-$7
/// (o32: the fifth and sixth at 16($sp) and 20($sp), from two extra slots; n64: $8,
/// $9). Not loaded: $0, $26/$27 (k0/k1, the kernel's), $28 (gp), $29 (sp). $1 (at),
/// $30 (fp) and $31 (ra) are saved and restored like all (`.set noat` lets the asm name
/// $1); the crate's asm keeps $at in $16 across the syscall and puts it back itself, so
/// a change there is expected. hi and lo, which Rust cannot name as operands, are saved
/// at HI(sp)/LO(sp) and put back too (not compared). o32 makes a 32-byte argument area
/// below $sp around the syscall. Inline asm on MIPS needs `asm_experimental_arch`, which
/// the freestanding program's root enables. Like the crate's asm, the probe declares no
/// FP registers.
#[cfg(any(target_arch = "mips", target_arch = "mips64"))]
mod regs {
    use super::Extra;
    #[cfg(target_arch = "mips")]
    macro_rules! table {
        ($($how:tt)*) => { lines!($($how)*;
            "$1" 0, "$2" 4, "$3" 8, "$5" 12, "$6" 16, "$7" 20, "$8" 24, "$9" 28, "$10" 32,
            "$11" 36, "$12" 40, "$13" 44, "$14" 48, "$15" 52, "$16" 56, "$17" 60, "$18" 64,
            "$19" 68, "$20" 72, "$21" 76, "$22" 80, "$23" 84, "$24" 88, "$25" 92, "$30" 96,
            "$31" 100, "$4" 104)
        };
    }
    #[cfg(target_arch = "mips64")]
    macro_rules! table {
        ($($how:tt)*) => { lines!($($how)*;
            "$1" 0, "$2" 8, "$3" 16, "$5" 24, "$6" 32, "$7" 40, "$8" 48, "$9" 56, "$10" 64,
            "$11" 72, "$12" 80, "$13" 88, "$14" 96, "$15" 104, "$16" 112, "$17" 120,
            "$18" 128, "$19" 136, "$20" 144, "$21" 152, "$22" 160, "$23" 168, "$24" 176,
            "$25" 184, "$30" 192, "$31" 200, "$4" 208)
        };
    }
    pub const NAMES: &[&str] = &table!(names);
    const N: usize = NAMES.len();
    pub const NR: usize = super::slot(NAMES, "$2");
    pub const RET: usize = NR;
    pub const RESTORED: &[&str] = &["$1"];
    /// The register the fault probe stores to the address it holds (issue 11).
    pub const FAULT_REG: usize = NR;
    const ERR: usize = super::slot(NAMES, "$7");
    const B: usize = super::slot(NAMES, "$4");
    #[cfg(target_arch = "mips")]
    pub const ARGS: [usize; 6] =
        [B, super::slot(NAMES, "$5"), super::slot(NAMES, "$6"), super::slot(NAMES, "$7"), N, N + 1];
    #[cfg(target_arch = "mips")]
    pub const EXTRAS: &[Extra] = &[
        Extra { name: "arg5", slot: N, init: None, mask: 0 },
        Extra { name: "arg6", slot: N + 1, init: None, mask: 0 },
    ];
    #[cfg(target_arch = "mips64")]
    pub const ARGS: [usize; 6] = super::slots(NAMES, ["$4", "$5", "$6", "$7", "$8", "$9"]);
    #[cfg(target_arch = "mips64")]
    pub const EXTRAS: &[Extra] = &[];

    #[cfg(target_arch = "mips")]
    pub unsafe fn probe(buf: *mut usize) {
        // SAFETY: see the shape above; the caller's buffer holds SLOTS words.
        unsafe {
            core::arch::asm!(
                ".set push",
                ".set noat",
                "addiu $sp, $sp, -1024",
                table!(rf "sw ", ", ", "($sp)"),
                "mfhi $8",
                "sw $8, {hi}($sp)",
                "mflo $8",
                "sw $8, {lo}($sp)",
                "addiu $sp, $sp, -32",
                "lw $2, {arg5}($4)",
                "sw $2, 16($sp)",
                "lw $2, {arg6}($4)",
                "sw $2, 20($sp)",
                table!(rf "lw ", ", ", "($4)"),
                "syscall",
                "addiu $sp, $sp, 32",
                "sw $4, {tmp}($sp)",
                "lw $4, {b}($sp)",
                table!(rf "sw ", ", ", "($4)"),
                "lw $8, {tmp}($sp)",
                "sw $8, {b}($4)",
                "lw $8, {hi}($sp)",
                "mthi $8",
                "lw $8, {lo}($sp)",
                "mtlo $8",
                table!(rf "lw ", ", ", "($sp)"),
                "addiu $sp, $sp, 1024",
                ".set pop",
                in("$4") buf,
                b = const 104, arg5 = const N * 4, arg6 = const N * 4 + 4,
                tmp = const N * 4, hi = const N * 4 + 4, lo = const N * 4 + 8,
            );
        }
    }

    #[cfg(target_arch = "mips")]
    pub unsafe fn probe_fault(buf: *mut usize) {
        // SAFETY: see the shape above, with a store of FAULT_REG to the address it
        // holds in place of the syscall (issue 11: a signal handler commits the page); the caller's buffer holds SLOTS words.
        unsafe {
            core::arch::asm!(
                ".set push",
                ".set noat",
                "addiu $sp, $sp, -1024",
                table!(rf "sw ", ", ", "($sp)"),
                "mfhi $8",
                "sw $8, {hi}($sp)",
                "mflo $8",
                "sw $8, {lo}($sp)",
                "addiu $sp, $sp, -32",
                "lw $2, {arg5}($4)",
                "sw $2, 16($sp)",
                "lw $2, {arg6}($4)",
                "sw $2, 20($sp)",
                table!(rf "lw ", ", ", "($4)"),
                "sw $2, 0($2)",
                "addiu $sp, $sp, 32",
                "sw $4, {tmp}($sp)",
                "lw $4, {b}($sp)",
                table!(rf "sw ", ", ", "($4)"),
                "lw $8, {tmp}($sp)",
                "sw $8, {b}($4)",
                "lw $8, {hi}($sp)",
                "mthi $8",
                "lw $8, {lo}($sp)",
                "mtlo $8",
                table!(rf "lw ", ", ", "($sp)"),
                "addiu $sp, $sp, 1024",
                ".set pop",
                in("$4") buf,
                b = const 104, arg5 = const N * 4, arg6 = const N * 4 + 4,
                tmp = const N * 4, hi = const N * 4 + 4, lo = const N * 4 + 8,
            );
        }
    }
    #[cfg(target_arch = "mips64")]
    pub unsafe fn probe(buf: *mut usize) {
        // SAFETY: see the shape above; the caller's buffer holds SLOTS words.
        unsafe {
            core::arch::asm!(
                ".set push",
                ".set noat",
                "daddiu $sp, $sp, -1024",
                table!(rf "sd ", ", ", "($sp)"),
                "mfhi $8",
                "sd $8, {hi}($sp)",
                "mflo $8",
                "sd $8, {lo}($sp)",
                table!(rf "ld ", ", ", "($4)"),
                "syscall",
                "sd $4, {tmp}($sp)",
                "ld $4, {b}($sp)",
                table!(rf "sd ", ", ", "($4)"),
                "ld $8, {tmp}($sp)",
                "sd $8, {b}($4)",
                "ld $8, {hi}($sp)",
                "mthi $8",
                "ld $8, {lo}($sp)",
                "mtlo $8",
                table!(rf "ld ", ", ", "($sp)"),
                "daddiu $sp, $sp, 1024",
                ".set pop",
                in("$4") buf,
                b = const 208, tmp = const N * 8, hi = const N * 8 + 8, lo = const N * 8 + 16,
            );
        }
    }

    #[cfg(target_arch = "mips64")]
    pub unsafe fn probe_fault(buf: *mut usize) {
        // SAFETY: see the shape above, with a store of FAULT_REG to the address it
        // holds in place of the syscall (issue 11: a signal handler commits the page); the caller's buffer holds SLOTS words.
        unsafe {
            core::arch::asm!(
                ".set push",
                ".set noat",
                "daddiu $sp, $sp, -1024",
                table!(rf "sd ", ", ", "($sp)"),
                "mfhi $8",
                "sd $8, {hi}($sp)",
                "mflo $8",
                "sd $8, {lo}($sp)",
                table!(rf "ld ", ", ", "($4)"),
                "sd $2, 0($2)",
                "sd $4, {tmp}($sp)",
                "ld $4, {b}($sp)",
                table!(rf "sd ", ", ", "($4)"),
                "ld $8, {tmp}($sp)",
                "sd $8, {b}($4)",
                "ld $8, {hi}($sp)",
                "mthi $8",
                "ld $8, {lo}($sp)",
                "mtlo $8",
                table!(rf "ld ", ", ", "($sp)"),
                "daddiu $sp, $sp, 1024",
                ".set pop",
                in("$4") buf,
                b = const 208, tmp = const N * 8, hi = const N * 8 + 8, lo = const N * 8 + 16,
            );
        }
    }
    pub fn raw_result(after: &[usize]) -> usize {
        if after[ERR] != 0 {
            after[RET].wrapping_neg()
        } else {
            after[RET]
        }
    }
}

/// powerpc64 (ELFv2, `sc`): number in r0, arguments r3-r8, result in r3 with cr0.SO
/// set on error. Not loaded: r1 (sp), r2 (TOC), r13 (thread pointer). r29-r31 are saved
/// and restored like all. Extras: lr and ctr (loaded with patterns), cr (all eight
/// fields loaded; cr0 is declared, cr1-cr7 are not).
#[cfg(target_arch = "powerpc64")]
mod regs {
    use super::Extra;
    macro_rules! table {
        ($($how:tt)*) => { lines!($($how)*;
            "%r0" 0, "%r4" 8, "%r5" 16, "%r6" 24, "%r7" 32, "%r8" 40, "%r9" 48, "%r10" 56,
            "%r11" 64, "%r12" 72, "%r14" 80, "%r15" 88, "%r16" 96, "%r17" 104, "%r18" 112,
            "%r19" 120, "%r20" 128, "%r21" 136, "%r22" 144, "%r23" 152, "%r24" 160, "%r25" 168,
            "%r26" 176, "%r27" 184, "%r28" 192, "%r29" 200, "%r30" 208, "%r31" 216, "%r3" 224)
        };
    }
    pub const NAMES: &[&str] = &table!(names);
    const N: usize = NAMES.len();
    pub const NR: usize = super::slot(NAMES, "%r0");
    pub const RET: usize = super::slot(NAMES, "%r3");
    pub const RESTORED: &[&str] = &[];
    /// The register the fault probe stores to the address it holds (issue 11).
    pub const FAULT_REG: usize = RET;
    pub const ARGS: [usize; 6] = super::slots(NAMES, ["%r3", "%r4", "%r5", "%r6", "%r7", "%r8"]);
    const CR: usize = N + 2;
    pub const EXTRAS: &[Extra] = &[
        Extra { name: "lr", slot: N, init: None, mask: !0 },
        Extra { name: "ctr", slot: N + 1, init: None, mask: !0 },
        Extra { name: "cr0", slot: CR, init: Some(0x2468_ace0), mask: 0xf000_0000 },
        Extra { name: "cr1-cr7", slot: CR, init: Some(0x2468_ace0), mask: 0x0fff_ffff },
    ];

    pub unsafe fn probe(buf: *mut usize) {
        // SAFETY: see the shape above; the caller's buffer holds SLOTS words. lr is
        // saved at LRSAVE(1) and put back.
        unsafe {
            core::arch::asm!(
                "addi 1, 1, -1024",
                table!(rf "std ", ", ", "(1)"),
                "mflr 0",
                "std 0, {lrsave}(1)",
                "ld 0, {lr}(3)",
                "mtlr 0",
                "ld 0, {ctr}(3)",
                "mtctr 0",
                "ld 0, {cr}(3)",
                "mtcrf 0xff, 0",
                table!(rf "ld ", ", ", "(3)"),
                "sc",
                "std 3, {tmp}(1)",
                "ld 3, {b}(1)",
                table!(rf "std ", ", ", "(3)"),
                "mfcr 4",
                "std 4, {cr}(3)",
                "mflr 4",
                "std 4, {lr}(3)",
                "mfctr 4",
                "std 4, {ctr}(3)",
                "ld 4, {tmp}(1)",
                "std 4, {b}(3)",
                "ld 0, {lrsave}(1)",
                "mtlr 0",
                table!(rf "ld ", ", ", "(1)"),
                "addi 1, 1, 1024",
                in("r3") buf,
                b = const 224, lr = const N * 8, ctr = const N * 8 + 8, cr = const CR * 8,
                tmp = const N * 8, lrsave = const N * 8 + 8,
                lateout("ctr") _, lateout("cr0") _, lateout("xer") _,
                clobber_abi("C"),
            );
        }
    }

    pub unsafe fn probe_fault(buf: *mut usize) {
        // SAFETY: see the shape above, with a store of FAULT_REG to the address it
        // holds in place of the syscall (issue 11: a signal handler commits the page); the caller's buffer holds SLOTS words. lr is
        // saved at LRSAVE(1) and put back.
        unsafe {
            core::arch::asm!(
                "addi 1, 1, -1024",
                table!(rf "std ", ", ", "(1)"),
                "mflr 0",
                "std 0, {lrsave}(1)",
                "ld 0, {lr}(3)",
                "mtlr 0",
                "ld 0, {ctr}(3)",
                "mtctr 0",
                "ld 0, {cr}(3)",
                "mtcrf 0xff, 0",
                table!(rf "ld ", ", ", "(3)"),
                "std 3, 0(3)",
                "std 3, {tmp}(1)",
                "ld 3, {b}(1)",
                table!(rf "std ", ", ", "(3)"),
                "mfcr 4",
                "std 4, {cr}(3)",
                "mflr 4",
                "std 4, {lr}(3)",
                "mfctr 4",
                "std 4, {ctr}(3)",
                "ld 4, {tmp}(1)",
                "std 4, {b}(3)",
                "ld 0, {lrsave}(1)",
                "mtlr 0",
                table!(rf "ld ", ", ", "(1)"),
                "addi 1, 1, 1024",
                in("r3") buf,
                b = const 224, lr = const N * 8, ctr = const N * 8 + 8, cr = const CR * 8,
                tmp = const N * 8, lrsave = const N * 8 + 8,
                lateout("ctr") _, lateout("cr0") _, lateout("xer") _,
                clobber_abi("C"),
            );
        }
    }
    pub fn raw_result(after: &[usize]) -> usize {
        // cr0.SO is bit 3 of the CR (bit 28 counted from the right).
        if after[CR] & 0x1000_0000 != 0 {
            after[RET].wrapping_neg()
        } else {
            after[RET]
        }
    }
}

/// s390x: number in r1, arguments r2-r7, result in r2. Slots r0-r14 (lmg/stmg take the
/// range; the base in the range is fine); not loaded: r15 (sp). r11 (fp) and r14 (the
/// return address) are saved and restored like all.
#[cfg(target_arch = "s390x")]
mod regs {
    use super::Extra;
    pub const NAMES: &[&str] = &[
        "r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12", "r13",
        "r14",
    ];
    const N: usize = NAMES.len();
    pub const NR: usize = super::slot(NAMES, "r1");
    pub const RET: usize = super::slot(NAMES, "r2");
    pub const RESTORED: &[&str] = &[];
    /// The register the fault probe stores to the address it holds (issue 11).
    pub const FAULT_REG: usize = NR;
    pub const ARGS: [usize; 6] = super::slots(NAMES, ["r2", "r3", "r4", "r5", "r6", "r7"]);
    /// The condition code (set with spm, read with ipm); the asm claims `preserves_flags`.
    pub const EXTRAS: &[Extra] =
        &[Extra { name: "cc", slot: N, init: Some(0x2000_0000), mask: 0x3000_0000 }];

    pub unsafe fn probe(buf: *mut usize) {
        // SAFETY: see the shape above; the caller's buffer holds SLOTS words. After the
        // call everything goes to DUMP(%r15) first and is copied over with mvc.
        unsafe {
            core::arch::asm!(
                "aghi %r15, -1024",
                "stmg %r0, %r14, 0(%r15)",
                "lg %r0, {fl}(%r2)",
                "spm %r0",
                "lmg %r0, %r14, 0(%r2)",
                "svc 0",
                "stmg %r0, %r14, {dump}(%r15)",
                "ipm %r1",
                "stg %r1, {dump_fl}(%r15)",
                "lg %r2, 16(%r15)",
                "mvc 0({len}, %r2), {dump}(%r15)",
                "lmg %r0, %r14, 0(%r15)",
                "aghi %r15, 1024",
                in("r2") buf,
                fl = const N * 8, dump = const 256, dump_fl = const 256 + N * 8, len = const N * 8 + 8,
                clobber_abi("C"),
            );
        }
    }

    pub unsafe fn probe_fault(buf: *mut usize) {
        // SAFETY: see the shape above, with a store of FAULT_REG to the address it
        // holds in place of the syscall (issue 11: a signal handler commits the page); the caller's buffer holds SLOTS words. After the
        // call everything goes to DUMP(%r15) first and is copied over with mvc.
        unsafe {
            core::arch::asm!(
                "aghi %r15, -1024",
                "stmg %r0, %r14, 0(%r15)",
                "lg %r0, {fl}(%r2)",
                "spm %r0",
                "lmg %r0, %r14, 0(%r2)",
                "stg %r1, 0(%r1)",
                "stmg %r0, %r14, {dump}(%r15)",
                "ipm %r1",
                "stg %r1, {dump_fl}(%r15)",
                "lg %r2, 16(%r15)",
                "mvc 0({len}, %r2), {dump}(%r15)",
                "lmg %r0, %r14, 0(%r15)",
                "aghi %r15, 1024",
                in("r2") buf,
                fl = const N * 8, dump = const 256, dump_fl = const 256 + N * 8, len = const N * 8 + 8,
                clobber_abi("C"),
            );
        }
    }
    pub fn raw_result(after: &[usize]) -> usize {
        after[RET]
    }
}

const N_REGS: usize = regs::NAMES.len();
const _: () = assert!(N_REGS + regs::EXTRAS.len() <= SLOTS);

/// A distinct, recognisable value per slot and probe.
fn pattern(slot: usize, seed: usize) -> usize {
    let s = (slot as u64 + 1) | ((seed as u64 & 0xff) << 8);
    (0xa5c3_0000_0000_0000u64 ^ (s << 36) ^ (s * 0x0001_0001) ^ 0x5a00_0000) as usize
}

/// One syscall through the probe: the buffer before and after.
#[derive(Clone, Copy)]
struct Probe {
    before: [usize; SLOTS],
    after: [usize; SLOTS],
}

impl Probe {
    fn run(nr: usize, args: &[usize], seed: usize) -> Probe {
        let mut before = [0usize; SLOTS];
        for (i, v) in before.iter_mut().enumerate() {
            *v = pattern(i, seed);
        }
        for e in regs::EXTRAS {
            if let Some(v) = e.init {
                before[e.slot] = v;
            }
        }
        before[regs::NR] = nr;
        for (k, &a) in args.iter().enumerate() {
            before[regs::ARGS[k]] = a;
        }
        let mut after = before;
        // SAFETY: the probe asm reads and writes `after` (SLOTS words) and leaves every
        // register as it found it; the syscalls made through it are chosen by the caller
        // to be harmless (see each use).
        unsafe { regs::probe(after.as_mut_ptr()) };
        Probe { before, after }
    }

    fn ret(&self) -> Result<usize, Errno> {
        let raw = regs::raw_result(&self.after);
        if raw >= 4095usize.wrapping_neg() {
            Err(Errno::from_raw(raw.wrapping_neg() as i32).unwrap_or(Errno::EINVAL))
        } else {
            Ok(raw)
        }
    }

    /// Calls `f(name, before, after)` for each register the kernel changed (the result
    /// register aside), in slot order.
    fn each_change(&self, mut f: impl FnMut(&'static str, usize, usize)) {
        for i in 0..N_REGS {
            if i != regs::RET && self.before[i] != self.after[i] {
                f(reg_name(i), self.before[i], self.after[i]);
            }
        }
        for e in regs::EXTRAS {
            let (b, a) = (self.before[e.slot], self.after[e.slot]);
            if (b ^ a) & e.mask != 0 {
                f(e.name, b & e.mask, a & e.mask);
            }
        }
    }

    fn undeclared(&self, ok: fn(&str) -> bool) -> usize {
        let mut n = 0;
        self.each_change(|name, _, _| n += !ok(name) as usize);
        n
    }
}

/// The name of table register `i` as DECLARED_CLOBBERS spells it (PowerPC's asm
/// wants "%r3", the list says "r3").
fn reg_name(i: usize) -> &'static str {
    regs::NAMES[i].trim_start_matches('%')
}

fn declared(name: &str) -> bool {
    baresys::DECLARED_CLOBBERS.contains(&name)
}

/// Declared, or saved and put back by the crate's asm itself.
fn handled(name: &str) -> bool {
    declared(name) || regs::RESTORED.contains(&name)
}

/// In the child of a fork, also what the crate's `fork` declares on top of every
/// syscall's clobbers (loongarch64: $f0-$f31, whose $vrN the kernel hands the child with
/// the upper half reset; "$fN" covers "$vrN.hi").
fn handled_in_child(name: &str) -> bool {
    handled(name)
        || baresys::DECLARED_FORK_CLOBBERS.iter().any(|f| {
            *f == name
                || matches!(
                    (f.strip_prefix("$f"), name.strip_prefix("$vr").and_then(|r| r.strip_suffix(".hi"))),
                    (Some(a), Some(b)) if a == b
                )
        })
}

/// Formats the changed registers not declared: "rbx 0x.. -> 0x.., ...".
struct Undeclared<'a>(&'a Probe, fn(&str) -> bool);

impl fmt::Display for Undeclared<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (mut r, mut shown, mut more) = (Ok(()), 0, 0);
        self.0.each_change(|name, b, a| {
            if (self.1)(name) {
            } else if shown == 6 {
                more += 1;
            } else {
                let sep = if shown == 0 { "" } else { ", " };
                shown += 1;
                r = r.and_then(|()| write!(f, "{sep}{name} {b:#x} -> {a:#x}"));
            }
        });
        r?;
        if more > 0 {
            write!(f, " and {more} more")?;
        }
        let (d, p) = (baresys::DECLARED_CLOBBERS, regs::RESTORED);
        write!(f, " (declared: {d:?}; put back by the asm: {p:?})")
    }
}

/// Which registers (table slots, then extras) changed anywhere, for the closing note.
#[derive(Default)]
struct Seen(u64);

impl Seen {
    fn add(&mut self, p: &Probe) {
        for i in 0..N_REGS {
            if i != regs::RET && p.before[i] != p.after[i] {
                self.0 |= 1 << i;
            }
        }
        for (k, e) in regs::EXTRAS.iter().enumerate() {
            if (p.before[e.slot] ^ p.after[e.slot]) & e.mask != 0 {
                self.0 |= 1 << (N_REGS + k);
            }
        }
    }
}

impl fmt::Display for Seen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == 0 {
            return f.write_str("none");
        }
        let names = (0..N_REGS).map(reg_name).chain(regs::EXTRAS.iter().map(|e| e.name));
        let mut first = true;
        for (i, name) in names.enumerate() {
            if self.0 & (1 << i) != 0 {
                f.write_str(if first { "" } else { " " })?;
                f.write_str(name)?;
                first = false;
            }
        }
        Ok(())
    }
}

fn verdict(ctx: &mut Ctx, seen: &mut Seen, name: &str, p: &Probe) {
    verdict_with(ctx, seen, name, p, handled);
}

fn verdict_with(ctx: &mut Ctx, seen: &mut Seen, name: &str, p: &Probe, ok: fn(&str) -> bool) {
    seen.add(p);
    ctx.check(
        name,
        p.undeclared(ok) == 0,
        format_args!("the kernel changed {}", Undeclared(p, ok)),
    );
}

/// What the child of the clone probe and the restart test hand back.
struct Shared {
    child: Probe,
    restart: Probe,
    stopper: i32,
}

fn clobbers(ctx: &mut Ctx, page: usize) {
    let mut seen = Seen::default();
    let shared_len = page.max(core::mem::size_of::<Shared>());
    let shared = map(shared_len, RW, MapFlags::SHARED | MapFlags::ANONYMOUS) as *mut Shared;
    if shared.is_null() {
        return check!(ctx, "clobbers: mmap a shared page", false);
    }

    let pid = baresys::getpid() as usize;
    let p = Probe::run(nr::GETPID, &[], 1);
    check_eq!(ctx, "probe: getpid", p.ret(), Ok(pid));
    verdict(ctx, &mut seen, "registers across getpid", &p);

    let byte = b"x";
    // SAFETY (all probes): each call below is what its name says, on this file's own
    // mappings, descriptors and children.
    let p = Probe::run(nr::WRITE, &[usize::MAX, byte.as_ptr() as usize, 1], 2);
    check_eq!(ctx, "probe: write(-1) gives EBADF", p.ret(), Err(Errno::EBADF));
    verdict(ctx, &mut seen, "registers across a failing write", &p);

    // MSEAL + 400: unassigned in every ABI (a mips64 kernel runs n32 and o32 numbers too).
    let p = Probe::run(nr::MSEAL + 400, &[], 3);
    check_eq!(ctx, "probe: unknown number gives ENOSYS", p.ret(), Err(Errno::ENOSYS));
    verdict(ctx, &mut seen, "registers across an unknown syscall", &p);

    let p = Probe::run(nr::SCHED_YIELD, &[], 4);
    check_eq!(ctx, "probe: sched_yield", p.ret(), Ok(0));
    verdict(ctx, &mut seen, "registers across sched_yield", &p);

    // mmap with six arguments (mmap2 where the arch has it; s390x's old_mmap takes them
    // in a block), then mprotect and munmap of the result.
    let (prot, flags) = (RW.bits() as usize, ANON.bits() as usize);
    #[cfg(any(target_arch = "x86", target_arch = "arm", target_arch = "mips"))]
    let p = Probe::run(nr::MMAP2, &[0, page, prot, flags, usize::MAX, 0], 5);
    #[cfg(target_arch = "s390x")]
    let block = [0, page, prot, flags, usize::MAX, 0];
    #[cfg(target_arch = "s390x")]
    let p = Probe::run(nr::MMAP, &[block.as_ptr() as usize], 5);
    #[cfg(not(any(
        target_arch = "x86",
        target_arch = "arm",
        target_arch = "mips",
        target_arch = "s390x"
    )))]
    let p = Probe::run(nr::MMAP, &[0, page, prot, flags, usize::MAX, 0], 5);
    let m = p.ret();
    check!(ctx, "probe: mmap", matches!(m, Ok(a) if a != 0 && a % page == 0), "{:?}", m);
    verdict(ctx, &mut seen, "registers across mmap", &p);
    if let Ok(a) = m {
        let p = Probe::run(nr::MPROTECT, &[a, page, Prot::READ.bits() as usize], 6);
        check_eq!(ctx, "probe: mprotect", p.ret(), Ok(0));
        verdict(ctx, &mut seen, "registers across mprotect", &p);
        let p = Probe::run(nr::MUNMAP, &[a, page], 7);
        check_eq!(ctx, "probe: munmap", p.ret(), Ok(0));
        verdict(ctx, &mut seen, "registers across munmap", &p);
    }

    // clone: the parent's return and the child's (ret_from_fork), then a wait4 that
    // blocks until the child, which yields a while first, exits.
    #[cfg(target_arch = "s390x")]
    let clone_args = [0, sig::CHLD];
    #[cfg(not(target_arch = "s390x"))]
    let clone_args = [sig::CHLD, 0];
    let p = Probe::run(nr::CLONE, &clone_args, 8);
    match p.ret() {
        Ok(0) => {
            // The child: hand the probe over and leave (nothing else of the test runs here).
            // SAFETY: the shared page is mapped in both processes; the parent reads it
            // only after wait4.
            unsafe { (*shared).child = p };
            for _ in 0..50 {
                baresys::sched_yield();
            }
            baresys::exit_group(0);
        }
        Ok(child) => {
            verdict(ctx, &mut seen, "registers across clone (parent)", &p);
            let w = Probe::run(nr::WAIT4, &[child, 0, 0, 0], 9);
            check_eq!(ctx, "probe: wait4 blocks until the child exits", w.ret(), Ok(child));
            verdict(ctx, &mut seen, "registers across a blocking wait4", &w);
            if w.ret() == Ok(child) {
                // SAFETY: the child wrote it before exiting.
                let c = unsafe { (*shared).child };
                check_eq!(ctx, "probe: clone returns 0 in the child", c.ret(), Ok(0));
                verdict_with(
                    ctx,
                    &mut seen,
                    "registers across clone (child)",
                    &c,
                    handled_in_child,
                );
            }
        }
        Err(e) => check!(ctx, "probe: clone", false, "{}", e),
    }

    restart(ctx, &mut seen, shared);
    ctx.note(format_args!(
        "registers the kernel changed: {} (declared {:?}; put back by the asm {:?})",
        seen,
        baresys::DECLARED_CLOBBERS,
        regs::RESTORED
    ));
    unmap(shared.cast(), shared_len);
}

/// A read from an empty pipe, in a child C (init ignores SIGSTOP): a grandchild waits
/// until C sleeps in it, stops C with SIGSTOP, continues it with SIGCONT (the kernel
/// restarts the read: no handler), waits until C sleeps again, then writes a byte.
fn restart(ctx: &mut Ctx, seen: &mut Seen, shared: *mut Shared) {
    // SAFETY: the shared page is ours; the child writes these before it exits.
    unsafe { (*shared).stopper = -1 };
    let st = in_child(|| {
        let me = baresys::getpid();
        let Ok((r, w)) = baresys::pipe2(OFlags::CLOEXEC) else { return 10 };
        // SAFETY: the grandchild only reads /proc, sends signals, writes and exits.
        match unsafe { baresys::fork() } {
            Ok(0) => baresys::exit_group(stopper(me, w.as_fd())),
            Ok(g) => {
                let mut buf = [0u8; 1];
                let p = Probe::run(
                    nr::READ,
                    &[r.as_raw_fd() as usize, buf.as_mut_ptr() as usize, 1],
                    10,
                );
                let code = match baresys::wait4(g, 0) {
                    Ok((_, s)) => s.exit_code().unwrap_or(-2),
                    Err(_) => -3,
                };
                // SAFETY: see above.
                unsafe {
                    (*shared).restart = p;
                    (*shared).stopper = code;
                }
                0
            }
            Err(_) => 11,
        }
    });
    if !matches!(st, Ok(s) if s.exit_code() == Some(0)) {
        return check!(ctx, "probe: restart child", false, "{:?}", st);
    }
    // SAFETY: written by the child, which has exited.
    let (p, code) = unsafe { ((*shared).restart, (*shared).stopper) };
    check_eq!(ctx, "probe: read restarted after SIGSTOP/SIGCONT gets the byte", p.ret(), Ok(1));
    verdict(ctx, seen, "registers across a stopped and restarted read", &p);
    match code {
        0 => {}
        1 => ctx
            .note(format_args!("restart: the reader was never seen asleep; read not interrupted")),
        2 => ctx.note(format_args!("restart: the reader was never seen stopped")),
        3 => ctx.note(format_args!("restart: the reader was not seen asleep again after SIGCONT")),
        c => check!(ctx, "probe: the stopper", false, "exit code {}", c),
    }
}

/// The grandchild of `restart`: 0 when every step was seen.
fn stopper(pid: i32, w: BorrowedFd<'_>) -> i32 {
    let mut path = [0u8; 32];
    let mut n = 0;
    for &b in b"/proc/" {
        path[n] = b;
        n += 1;
    }
    let mut digits = [0u8; 12];
    let (mut d, mut v) = (0, pid as u32);
    loop {
        digits[d] = b'0' + (v % 10) as u8;
        d += 1;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    while d > 0 {
        d -= 1;
        path[n] = digits[d];
        n += 1;
    }
    for &b in b"/stat\0" {
        path[n] = b;
        n += 1;
    }
    let Ok(path) = CStr::from_bytes_until_nul(&path) else { return 9 };
    let wait_for = |want: &[u8]| {
        (0..20_000).any(|_| {
            let s = proc_state(path);
            if !want.contains(&s) {
                baresys::sched_yield();
            }
            want.contains(&s)
        })
    };
    let code = if !wait_for(b"S") {
        1
    } else {
        let _ = baresys::kill(pid, sig::STOP);
        let stopped = wait_for(b"Tt");
        let _ = baresys::kill(pid, sig::CONT);
        if !stopped {
            2
        } else if !wait_for(b"S") {
            3
        } else {
            0
        }
    };
    let _ = baresys::write(w, b"r");
    code
}

/// The state letter of /proc/<pid>/stat (after the closing parenthesis), or 0.
fn proc_state(path: &CStr) -> u8 {
    let Ok(fd) = baresys::openat(baresys::fd::CWD, path, OFlags::RDONLY | OFlags::CLOEXEC, 0)
    else {
        return 0;
    };
    let mut buf = [0u8; 256];
    let n = baresys::read(&fd, &mut buf).unwrap_or(0);
    drop(fd);
    let s = &buf[..n];
    match s.iter().rposition(|&c| c == b')') {
        Some(i) if i + 2 < n => s[i + 2],
        _ => 0,
    }
}

// ---------------------------------------------------------------------------------------
// Page size

/// AT_PAGESZ from /proc/self/auxv, parsed here.
fn auxv_page_size() -> Option<usize> {
    let fd =
        baresys::openat(baresys::fd::CWD, c"/proc/self/auxv", OFlags::RDONLY | OFlags::CLOEXEC, 0)
            .ok()?;
    let mut words = [0usize; 256];
    // SAFETY: a byte view of `words`, which outlives it.
    let bytes = unsafe {
        core::slice::from_raw_parts_mut(words.as_mut_ptr().cast::<u8>(), words.len() * W)
    };
    let mut len = 0;
    while len < bytes.len() {
        match baresys::read(&fd, &mut bytes[len..]) {
            Ok(0) | Err(_) => break,
            Ok(n) => len += n,
        }
    }
    drop(fd);
    words[..len / W]
        .chunks_exact(2)
        .take_while(|kv| kv[0] != 0)
        .find(|kv| kv[0] == baresys::mem::AT_PAGESZ)
        .map(|kv| kv[1])
}

fn page_size(ctx: &mut Ctx, page: usize) {
    let aux = auxv_page_size();
    check_eq!(ctx, "page_size() is AT_PAGESZ from /proc/self/auxv", Some(page), aux);
    ctx.note(format_args!("page size {} (AT_PAGESZ {:?})", page, aux));
    let p = map(2 * page, RW, ANON);
    if p.is_null() {
        return check!(ctx, "mmap for the page size", false);
    }
    let a = p as usize;
    // SAFETY: our mapping; an unaligned address is refused before anything changes.
    let r = unsafe { baresys::mprotect((a + page / 2) as *mut c_void, page / 2, Prot::READ) };
    check_eq!(ctx, "mprotect at page_size/2 into a mapping gives EINVAL", r, Err(Errno::EINVAL));
    check!(
        ctx,
        "... and changes nothing",
        range_has_perms(a, 2 * page, b"rw-"),
        "{:?}",
        perms_at(a)
    );
    // SAFETY: the second page of our mapping.
    let r = unsafe { baresys::mprotect((a + page) as *mut c_void, 1, Prot::READ) };
    check_eq!(ctx, "mprotect at page_size into a mapping works", r, Ok(()));
    check!(
        ctx,
        "... on that whole page (length 1 rounds up) and no other",
        range_has_perms(a + page, page, b"r--") && range_has_perms(a, page, b"rw-"),
        "{:?} {:?}",
        perms_at(a),
        perms_at(a + page)
    );
    unmap(p, 2 * page);
}

// ---------------------------------------------------------------------------------------
// Guard regions

fn guard(ctx: &mut Ctx, page: usize) {
    let p = map(3 * page, RW, ANON);
    if p.is_null() {
        return check!(ctx, "mmap for guards", false);
    }
    let a = p as usize;
    for i in 0..3 * page {
        // SAFETY: our read-write mapping.
        unsafe { ((a + i) as *mut u8).write(7) };
    }
    let mid = (a + page) as *mut c_void;
    // SAFETY: the middle page of our mapping; markers only make its access fault.
    match unsafe { baresys::madvise(mid, page, Advice::GUARD_INSTALL) } {
        Err(Errno::EINVAL) => {
            ctx.note(format_args!(
                "guard regions not supported by this kernel (MADV_GUARD_INSTALL: EINVAL)"
            ));
            check!(ctx, "guard: unsupported leaves the page usable", access_works(a + page, true));
        }
        Err(e) => check!(ctx, "MADV_GUARD_INSTALL gives Ok or EINVAL", false, "{}", e),
        Ok(()) => {
            let faults = access_faults(a + page, false);
            let efault = pipe_write(a + page) == Err(Errno::EFAULT);
            if !faults && !efault && baresys::getpid() != 1 {
                // Answered 0 and did nothing: QEMU user mode does that with advice it does
                // not emulate. Only as init of a VM is the answer surely the kernel's.
                ctx.note(format_args!(
                    "MADV_GUARD_INSTALL answered 0 and did nothing (an emulator: QEMU user mode)"
                ));
            } else {
                ctx.note(format_args!("guard regions supported: MADV_GUARD_INSTALL works"));
                check!(ctx, "guard: a read of the page dies with SIGSEGV", faults);
                check!(ctx, "guard: write(pipe, page, 1) gives EFAULT", efault);
                check!(
                    ctx,
                    "guard: neighbours usable, the mapping whole (rw- in maps)",
                    access_works(a, true)
                        && access_works(a + 2 * page, true)
                        && range_has_perms(a, 3 * page, b"rw-"),
                    "{:?}",
                    perms_at(a + page)
                );
                // SAFETY: as above.
                let r = unsafe { baresys::madvise(mid, page, Advice::GUARD_REMOVE) };
                check_eq!(ctx, "MADV_GUARD_REMOVE", r, Ok(()));
                // SAFETY: the markers are gone; the install zapped the page.
                let zero = r.is_ok()
                    && access_works(a + page, false)
                    && unsafe { (mid as *const u8).read_volatile() } == 0;
                check!(ctx, "guard removed: the page reads zero", zero);
            }
        }
    }
    unmap(p, 3 * page);
}

/// write(pipe, addr, 1) through the raw call (a slice over a guarded page would claim it
/// readable).
fn pipe_write(addr: usize) -> Result<usize, Errno> {
    let Ok((_r, w)) = baresys::pipe2(OFlags::CLOEXEC) else { return Err(Errno::EBADF) };
    // SAFETY: the kernel reads at most one byte at `addr`, or reports EFAULT.
    unsafe { baresys::syscall3(nr::WRITE, w.as_raw_fd() as usize, addr, 1) }
}

// ---------------------------------------------------------------------------------------
// ENOMEM

/// mprotect of a range with an unmapped part: a mapped page with holes on both sides.
fn enomem(ctx: &mut Ctx, page: usize) {
    let p = map(3 * page, RW, ANON);
    if p.is_null() {
        return check!(ctx, "mmap for ENOMEM", false);
    }
    let a = p as usize;
    unmap(p, page);
    unmap((a + 2 * page) as *mut c_void, page);
    let mid = a + page;
    let holes = perms_at(a).is_none() && perms_at(a + 2 * page).is_none();
    check!(ctx, "holes on both sides of a page", holes);
    // SAFETY: mprotect over our page and holes beside it: the holes hold nothing.
    let r = unsafe { baresys::mprotect(a as *mut c_void, 2 * page, Prot::READ) };
    if enomem_or_emulator(ctx, "mprotect from a hole into a mapping gives ENOMEM", r) {
        let same = range_has_perms(mid, page, b"rw-");
        check!(ctx, "... and leaves the mapping as it was", same, "{:?}", perms_at(mid));
    }
    // SAFETY: as above.
    let r = unsafe { baresys::mprotect(mid as *mut c_void, 2 * page, Prot::READ) };
    if enomem_or_emulator(ctx, "mprotect past the end of a mapping gives ENOMEM", r) {
        // Linux changes the mapped part before it meets the hole; report what happened.
        let perms = perms_at(mid).unwrap_or(*b"????");
        let now = core::str::from_utf8(&perms[..3]).unwrap_or("?");
        ctx.note(format_args!("mprotect past the end: the mapped part is now {now}"));
    }
    // SAFETY: our page.
    let r = unsafe { baresys::mprotect(mid as *mut c_void, page, Prot::READ) };
    check_eq!(ctx, "mprotect of just the mapping works", r, Ok(()));
    unmap(mid as *mut c_void, page);
    // SAFETY: nothing is mapped there any more.
    let r = unsafe { baresys::mprotect(a as *mut c_void, 3 * page, Prot::READ) };
    enomem_or_emulator(ctx, "mprotect of a fully unmapped range gives ENOMEM", r);
}

/// Checks for ENOMEM; true when it came. QEMU user mode with a 32-bit guest reserves the
/// guest's whole address space and answers 0 to mprotect over holes in it: that answer is
/// noted instead, where it cannot be a kernel's (a 32-bit program that is not the init
/// of a VM). Everywhere else it fails.
fn enomem_or_emulator(ctx: &mut Ctx, name: &str, r: Result<(), Errno>) -> bool {
    if r == Ok(()) && W == 4 && baresys::getpid() != 1 {
        ctx.note(format_args!("{name}: answered 0 (an emulator: QEMU user mode, 32-bit guest)"));
        return false;
    }
    ctx.check(name, r == Err(Errno::ENOMEM), format_args!("{r:?}"));
    r == Err(Errno::ENOMEM)
}

// ---------------------------------------------------------------------------------------
// Issue 11: registers across a signal handler (called from the signal group, which
// installs the handlers)

/// The probe with a store in place of the syscall: every register loaded with its
/// pattern, FAULT_REG with `addr`, a Reserved page of a reservation whose SIGSEGV
/// handler commits the page; the store faults, the handler runs and returns, the store
/// runs again. Every register, the result register included, must come back as it was:
/// the kernel saved them all in the signal frame and rt_sigreturn put them back.
pub fn fault_registers(ctx: &mut Ctx, addr: usize, count: &core::sync::atomic::AtomicUsize) {
    use core::sync::atomic::Ordering::SeqCst;
    let mut before = [0usize; SLOTS];
    for (i, v) in before.iter_mut().enumerate() {
        *v = pattern(i, 42);
    }
    for e in regs::EXTRAS {
        if let Some(v) = e.init {
            before[e.slot] = v;
        }
    }
    before[regs::FAULT_REG] = addr;
    let mut after = before;
    let n = count.load(SeqCst);
    // SAFETY: the probe asm reads and writes `after` (SLOTS words) and leaves every
    // register as it found it; its store goes to a page of a reservation the installed
    // SIGSEGV handler commits.
    unsafe { regs::probe_fault(after.as_mut_ptr()) };
    check_eq!(
        ctx,
        "fault probe: the store faulted once and the handler ran",
        count.load(SeqCst) - n,
        1
    );
    // SAFETY: the page is committed now (the store went through).
    let stored = unsafe { (addr as *const usize).read_volatile() };
    check_eq!(ctx, "fault probe: the store ran again and landed", stored, addr);
    let p = Probe { before, after };
    // `undeclared(|_| false)` counts every change but the result register's, extras
    // (flags) included; the result register is compared here too: a store has none.
    let ret_same = p.before[regs::RET] == p.after[regs::RET];
    ctx.check(
        "registers across a fault and its signal handler: all intact",
        ret_same && p.undeclared(|_| false) == 0,
        format_args!(
            "changed: {} (slot {} {:#x} -> {:#x})",
            Undeclared(&p, |_| false),
            reg_name(regs::RET),
            p.before[regs::RET],
            p.after[regs::RET]
        ),
    );
}

/// A tgkill through the probe: the signal arrives on the syscall's way out, its handler
/// runs, rt_sigreturn restores the registers. Only what every syscall may change (the
/// declared clobbers) may differ.
pub fn tgkill_registers(ctx: &mut Ctx, sig: i32) {
    let (pid, tid) = (baresys::getpid() as usize, baresys::gettid() as usize);
    let p = Probe::run(nr::TGKILL, &[pid, tid, sig as usize], 43);
    check_eq!(ctx, "probe: tgkill", p.ret(), Ok(0));
    let mut seen = Seen::default();
    verdict(ctx, &mut seen, "registers across tgkill and the handler of its signal", &p);
}
