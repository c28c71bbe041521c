//! Self-relocation of a static-pie program, the first thing `_start` does.
//!
//! A static-pie program is loaded at an address the kernel chooses, and with no dynamic
//! linker nobody applies its relative relocations: until they are applied, every
//! pointer stored in data (GOT entries, vtables, `&'static` values in statics, panic
//! locations) still holds its link-time value. The arch file's `_start` hands over the
//! run-time address of `_DYNAMIC`, computed pc-relatively. The program headers
//! (`AT_PHDR`) say whether there is a dynamic section at all (`PT_DYNAMIC`) and at which
//! link-time address; the difference is the load base, which every `R_*_RELATIVE` entry
//! of `DT_RELA`/`DT_REL` and every word that `DT_RELR` names is shifted by.
//!
//! `_DYNAMIC` is a weak symbol in `_start`, since a non-PIE link has no dynamic section
//! to define it. What a pc-relative reference to an undefined weak symbol yields differs
//! by linker and arch (lld makes it the place itself on arm), so the value is used only
//! when `PT_DYNAMIC` exists, that is when the linker made the section and defined the
//! symbol. An executable linked at a fixed address computes a base of 0: nothing to do.
//!
//! Everything here runs before that is done, so it reads only through the pointers it
//! is given (the stack, the program headers, the dynamic section), calls nothing that
//! reads relocated data, and has no way to panic.

use crate::arch;

const AT_NULL: usize = 0;
const AT_PHDR: usize = 3;
const AT_PHENT: usize = 4;
const AT_PHNUM: usize = 5;

const PT_DYNAMIC: u32 = 2;

const DT_NULL: usize = 0;
const DT_RELA: usize = 7;
const DT_RELASZ: usize = 8;
const DT_RELAENT: usize = 9;
const DT_REL: usize = 17;
const DT_RELSZ: usize = 18;
const DT_RELENT: usize = 19;
const DT_RELRSZ: usize = 35;
const DT_RELR: usize = 36;
const DT_RELRENT: usize = 37;

const WORD: usize = core::mem::size_of::<usize>();
/// An ELF32 `r_info` keeps the type in its low 8 bits, an ELF64 one in its low 32.
const R_TYPE_BITS: u32 = if WORD == 8 { 32 } else { 8 };

/// Applies the program's relative relocations if it is a static-pie loaded away from
/// its link address; returns at once for a program without a dynamic section or one
/// loaded where it was linked.
///
/// A relocation of any other kind, or a static-pie on an arch whose `_start` cannot
/// relocate it (`arch::R_RELATIVE` is `None`; its link normally fails first), ends the
/// process with a message and exit status 127: carrying on would crash later.
///
/// # Safety
///
/// Called once, first thing, from `_start`: `sp` is the initial stack pointer (argc,
/// argv, envp, auxv) and `dynamic` the run-time address of this program's `_DYNAMIC`
/// where it has one (anything where it has none).
#[inline(never)]
pub(super) unsafe fn relocate(sp: *const usize, dynamic: *const usize) {
    // SAFETY: the caller passes the kernel's initial stack and, where the program has a
    // dynamic section, its address.
    unsafe {
        let base = match load_base(auxv(sp), dynamic) {
            Some(0) | None => return,
            Some(base) => base,
        };
        let Some(relative) = arch::R_RELATIVE else {
            fail(b"baresys: this architecture's _start cannot relocate a static-pie program: link it with -C relocation-model=static\n")
        };
        let rela = base.wrapping_add(dynamic_value(dynamic, DT_RELA, 0));
        let rela_size = dynamic_value(dynamic, DT_RELASZ, 0);
        let rela_ent = dynamic_value(dynamic, DT_RELAENT, 3 * WORD);
        let rel = base.wrapping_add(dynamic_value(dynamic, DT_REL, 0));
        let rel_size = dynamic_value(dynamic, DT_RELSZ, 0);
        let rel_ent = dynamic_value(dynamic, DT_RELENT, 2 * WORD);
        let relr = base.wrapping_add(dynamic_value(dynamic, DT_RELR, 0));
        let relr_size = dynamic_value(dynamic, DT_RELRSZ, 0);
        let relr_ent = dynamic_value(dynamic, DT_RELRENT, WORD);
        if rela_ent < 3 * WORD || rel_ent < 2 * WORD || relr_ent != WORD {
            fail(b"baresys: static-pie start: unexpected relocation entry size\n");
        }
        // RELA: r_offset, r_info, r_addend; the place becomes base + addend.
        let mut r = rela;
        while r < rela.wrapping_add(rela_size) {
            let entry = r as *const usize;
            let place = relative_place(base, relative, *entry, *entry.add(1));
            *place = base.wrapping_add(*entry.add(2));
            r = r.wrapping_add(rela_ent);
        }
        // REL: r_offset, r_info; the addend is the word at the place.
        let mut r = rel;
        while r < rel.wrapping_add(rel_size) {
            let entry = r as *const usize;
            let place = relative_place(base, relative, *entry, *entry.add(1));
            *place = (*place).wrapping_add(base);
            r = r.wrapping_add(rel_ent);
        }
        // RELR: an even entry is the offset of a word to relocate; an odd one is a
        // bitmap of which of the next WORD * 8 - 1 words after the last run are.
        let mut next = core::ptr::null_mut::<usize>();
        let mut r = relr;
        while r < relr.wrapping_add(relr_size) {
            let entry = *(r as *const usize);
            if entry & 1 == 0 {
                let place = base.wrapping_add(entry) as *mut usize;
                *place = (*place).wrapping_add(base);
                next = place.add(1);
            } else {
                let mut bits = entry >> 1;
                let mut i = 0;
                while bits != 0 {
                    if bits & 1 != 0 {
                        let place = next.add(i);
                        *place = (*place).wrapping_add(base);
                    }
                    bits >>= 1;
                    i += 1;
                }
                next = next.add(WORD * 8 - 1);
            }
            r = r.wrapping_add(WORD);
        }
    }
}

/// The value of the dynamic-section entry `tag`, or `default`. One pass per tag, each a
/// single comparison: a `match` over the tags could become a jump table or a zeroed
/// array (a `memset` call through the GOT), both read before they are relocated.
///
/// # Safety
///
/// `dynamic` is this program's dynamic section, ending with `DT_NULL`.
#[inline(always)]
unsafe fn dynamic_value(mut dynamic: *const usize, tag: usize, default: usize) -> usize {
    // SAFETY: (tag, value) pairs up to DT_NULL, from the caller.
    unsafe {
        while *dynamic != DT_NULL {
            if *dynamic == tag {
                return *dynamic.add(1);
            }
            dynamic = dynamic.add(2);
        }
    }
    default
}

/// The place of a relative relocation; anything else ends the process.
///
/// # Safety
///
/// As [`relocate`]: `offset` and `info` come from this program's own relocation table.
#[inline(always)]
unsafe fn relative_place(base: usize, relative: usize, offset: usize, info: usize) -> *mut usize {
    let (kind, symbol) = (info & ((1 << R_TYPE_BITS) - 1), info >> R_TYPE_BITS);
    if kind != relative || symbol != 0 {
        // SAFETY: forwarded; `fail` does not return.
        unsafe {
            fail(b"baresys: static-pie start: a relocation other than R_*_RELATIVE (a static-pie needs no other)\n")
        }
    }
    base.wrapping_add(offset) as *mut usize
}

/// The auxiliary vector: past argc, argv and its NULL, envp and its NULL.
///
/// # Safety
///
/// `sp` is the kernel's initial stack pointer.
#[inline(always)]
unsafe fn auxv(sp: *const usize) -> *const usize {
    // SAFETY: the ELF loader's layout: argc, argv[argc], NULL, envp..., NULL, auxv.
    unsafe {
        let mut p = sp.add(*sp + 2);
        while *p != 0 {
            p = p.add(1);
        }
        p.add(1)
    }
}

/// The load base: where `_DYNAMIC` is minus where `PT_DYNAMIC` says it was linked;
/// `None` without a `PT_DYNAMIC`.
///
/// # Safety
///
/// `auxv` is this process's auxiliary vector, as the kernel laid it out.
#[inline(always)]
unsafe fn load_base(mut auxv: *const usize, dynamic: *const usize) -> Option<usize> {
    let (mut phdr, mut phent, mut phnum) = (0, 0, 0);
    // SAFETY: (key, value) pairs up to AT_NULL, from the caller.
    unsafe {
        while *auxv != AT_NULL {
            let value = *auxv.add(1);
            if *auxv == AT_PHDR {
                phdr = value;
            } else if *auxv == AT_PHENT {
                phent = value;
            } else if *auxv == AT_PHNUM {
                phnum = value;
            }
            auxv = auxv.add(2);
        }
    }
    if phdr == 0 || phent < 4 * WORD {
        return None;
    }
    let mut i = 0;
    while i < phnum {
        let header = phdr.wrapping_add(i.wrapping_mul(phent));
        // SAFETY: AT_PHDR points at AT_PHNUM program headers of AT_PHENT bytes, mapped
        // with the program. p_type is the first 32-bit field in ELF32 and ELF64 alike,
        // and p_vaddr is the third word-sized field in both (after p_offset in ELF32,
        // after p_type + p_flags and p_offset in ELF64).
        unsafe {
            if *(header as *const u32) == PT_DYNAMIC {
                let vaddr = *((header + 2 * WORD) as *const usize);
                return Some((dynamic as usize).wrapping_sub(vaddr));
            }
        }
        i += 1;
    }
    None
}

/// Writes `message` to stderr and exits with 127: the program cannot run as linked.
///
/// # Safety
///
/// None beyond being a process that may exit; `unsafe` only because the raw calls are.
#[cold]
unsafe fn fail(message: &[u8]) -> ! {
    // SAFETY: write(2) from a live slice; exit_group never returns.
    unsafe {
        arch::syscall3(crate::nr::WRITE, 2, message.as_ptr() as usize, message.len());
        arch::syscall1(crate::nr::EXIT_GROUP, 127);
    }
    loop {
        core::hint::spin_loop();
    }
}
