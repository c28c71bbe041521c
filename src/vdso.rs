//! Finding functions in the vDSO, the small shared object the kernel maps into every
//! process (its address is the auxiliary vector's `AT_SYSINFO_EHDR`).
//!
//! The image is read as an ELF file of this target's class and byte order: the first
//! `PT_LOAD` segment gives the link-time to image offset, `PT_DYNAMIC` the symbol table,
//! string table, hash table (for the symbol count) and the version tables; a symbol is
//! found by name and, where the image has version tables, by the name of its version
//! definition (the rules of the kernel's `tools/testing/selftests/vDSO/parse_vdso.c`:
//! defined global or weak symbols, the hidden bit of `versym` ignored; untyped symbols
//! are accepted besides functions, as QEMU's powerpc64 vDSO has them). Every
//! offset read from the image is checked against the image's length first: a corrupt
//! image gives "not found", never a panic or a read outside it. (Where an offset plus a
//! small constant is not `checked_add`ed, the offset itself was just read inside the
//! image, so the sum cannot overflow.) The symbol names and
//! versions of each architecture are in its `arch/` file.

use core::mem::size_of;

/// The auxiliary-vector key of the vDSO's address.
pub(crate) const AT_SYSINFO_EHDR: usize = 33;

const PT_LOAD: u32 = 1;
const PT_DYNAMIC: u32 = 2;
const DT_NULL: usize = 0;
const DT_HASH: usize = 4;
const DT_STRTAB: usize = 5;
const DT_SYMTAB: usize = 6;
const DT_STRSZ: usize = 10;
const DT_GNU_HASH: usize = 0x6fff_fef5;
const DT_VERSYM: usize = 0x6fff_fff0;
const DT_VERDEF: usize = 0x6fff_fffc;
const STT_NOTYPE: u8 = 0;
const STT_FUNC: u8 = 2;
const STB_GLOBAL: u8 = 1;
const STB_WEAK: u8 = 2;
const VER_FLG_BASE: u16 = 1;
/// A vDSO is one to a few pages; larger claims are taken as corruption.
const MAX_IMAGE: usize = 1 << 20;

/// The ELF class and byte order of this target: only such an image can be ours.
const ELFCLASS: u8 = if size_of::<usize>() == 8 { 2 } else { 1 };
const ELFDATA: u8 = if cfg!(target_endian = "little") { 1 } else { 2 };
const WIDE: bool = size_of::<usize>() == 8;

/// A checked view of a vDSO image.
#[derive(Clone, Copy, Debug)]
pub struct Image<'a> {
    bytes: &'a [u8],
    /// Image offset minus link-time address, from the first `PT_LOAD` (wrapping).
    bias: usize,
    /// The `PT_LOAD` segment's link-time start and length, where symbols must point.
    load_start: usize,
    load_len: usize,
    symtab: usize,
    nsyms: usize,
    strtab: usize,
    strsz: usize,
    versym: Option<usize>,
    verdef: Option<usize>,
}

/// Reads a native-endian unsigned integer of `N` bytes at `off`, if it lies inside.
fn read<const N: usize>(bytes: &[u8], off: usize) -> Option<[u8; N]> {
    bytes.get(off..off.checked_add(N)?)?.try_into().ok()
}
fn u16_at(b: &[u8], off: usize) -> Option<u16> {
    read::<2>(b, off).map(u16::from_ne_bytes)
}
fn u32_at(b: &[u8], off: usize) -> Option<u32> {
    read::<4>(b, off).map(u32::from_ne_bytes)
}
fn u64_at(b: &[u8], off: usize) -> Option<u64> {
    read::<8>(b, off).map(u64::from_ne_bytes)
}
/// An ELF word of this class (`Elf32_Addr`/`Elf64_Addr`, ...), as `usize`.
fn word_at(b: &[u8], off: usize) -> Option<usize> {
    if WIDE {
        u64_at(b, off).and_then(|v| usize::try_from(v).ok())
    } else {
        u32_at(b, off).map(|v| v as usize)
    }
}

impl<'a> Image<'a> {
    /// Parses `bytes` as a vDSO image of this target's ELF class and byte order.
    /// `hash_entry` is the size of a `DT_HASH` entry (4, or 8 on s390x). `None` if it is
    /// not one, or if anything it points at lies outside `bytes`.
    pub fn parse(bytes: &'a [u8], hash_entry: usize) -> Option<Image<'a>> {
        if bytes.get(..4)? != b"\x7fELF" || *bytes.get(4)? != ELFCLASS || *bytes.get(5)? != ELFDATA
        {
            return None;
        }
        let (phoff, phentsize, phnum) = if WIDE {
            (word_at(bytes, 32)?, u16_at(bytes, 54)?, u16_at(bytes, 56)?)
        } else {
            (word_at(bytes, 28)?, u16_at(bytes, 42)?, u16_at(bytes, 44)?)
        };
        let phentsize = phentsize as usize;
        if phentsize < if WIDE { 56 } else { 32 } {
            return None;
        }
        let (mut load, mut dynamic) = (None, None);
        for i in 0..phnum as usize {
            let ph = phoff.checked_add(i.checked_mul(phentsize)?)?;
            let p_type = u32_at(bytes, ph)?;
            // (offset, vaddr, filesz) of this program header.
            let seg = if WIDE {
                (word_at(bytes, ph + 8)?, word_at(bytes, ph + 16)?, word_at(bytes, ph + 32)?)
            } else {
                (word_at(bytes, ph + 4)?, word_at(bytes, ph + 8)?, word_at(bytes, ph + 16)?)
            };
            if p_type == PT_LOAD && load.is_none() {
                load = Some(seg);
            } else if p_type == PT_DYNAMIC {
                dynamic = Some(seg);
            }
        }
        let (load_off, load_start, load_len) = load?;
        let (dyn_off, _, dyn_len) = dynamic?;
        let bias = load_off.wrapping_sub(load_start);
        let entry = if WIDE { 16 } else { 8 };
        let (mut strtab, mut symtab, mut strsz, mut hash, mut gnu_hash) =
            (None, None, None, None, None);
        let (mut versym, mut verdef) = (None, None);
        let mut d = dyn_off;
        while d.checked_add(entry)? <= dyn_off.checked_add(dyn_len)? {
            let (tag, val) = (word_at(bytes, d)?, word_at(bytes, d + entry / 2)?);
            if tag == DT_NULL {
                break;
            }
            let at = val.wrapping_add(bias);
            match tag {
                DT_STRTAB => strtab = Some(at),
                DT_SYMTAB => symtab = Some(at),
                DT_STRSZ => strsz = Some(val),
                DT_HASH => hash = Some(at),
                DT_GNU_HASH => gnu_hash = Some(at),
                DT_VERSYM => versym = Some(at),
                DT_VERDEF => verdef = Some(at),
                _ => {}
            }
            d += entry;
        }
        let (strtab, symtab) = (strtab?, symtab?);
        // Without DT_STRSZ, names may run to the end of the image.
        let strsz = strsz.unwrap_or(bytes.len().saturating_sub(strtab));
        let nsyms = match (hash, gnu_hash) {
            // nchain, the second entry, is the number of symbols.
            (Some(h), _) => match hash_entry {
                8 => usize::try_from(u64_at(bytes, h.checked_add(8)?)?).ok()?,
                _ => u32_at(bytes, h.checked_add(4)?)? as usize,
            },
            (None, Some(g)) => gnu_hash_symbols(bytes, g)?,
            (None, None) => return None,
        };
        let image = Image {
            bytes,
            bias,
            load_start,
            load_len,
            symtab,
            nsyms,
            strtab,
            strsz,
            versym,
            verdef,
        };
        // The whole symbol table and string table must lie inside.
        let symsize = if WIDE { 24 } else { 16 };
        if symtab.checked_add(nsyms.checked_mul(symsize)?)? > bytes.len()
            || strtab.checked_add(strsz)? > bytes.len()
        {
            return None;
        }
        Some(image)
    }

    /// The NUL-terminated string at `off` of the string table, without the NUL.
    fn string(&self, off: usize) -> Option<&'a [u8]> {
        if off >= self.strsz {
            return None;
        }
        let s = self.bytes.get(self.strtab.checked_add(off)?..self.strtab + self.strsz)?;
        let end = s.iter().position(|&c| c == 0)?;
        Some(&s[..end])
    }

    /// The name of version definition `index` (its first `Verdaux`), if defined.
    fn version_name(&self, index: u16) -> Option<&'a [u8]> {
        let mut def = self.verdef?;
        // A chain longer than the image has entries must be a loop.
        for _ in 0..self.bytes.len() / 20 {
            let flags = u16_at(self.bytes, def.checked_add(2)?)?;
            let ndx = u16_at(self.bytes, def + 4)?;
            let aux = u32_at(self.bytes, def + 12)? as usize;
            let next = u32_at(self.bytes, def + 16)? as usize;
            if flags & VER_FLG_BASE == 0 && ndx & 0x7fff == index {
                let name = u32_at(self.bytes, def.checked_add(aux)?)?;
                return self.string(name as usize);
            }
            if next == 0 {
                return None;
            }
            def = def.checked_add(next)?;
        }
        None
    }

    /// The image offset of the defined function `name` of version `version`. Where the
    /// image has no version tables, any version matches (as in the kernel's reference
    /// parser).
    pub fn find(&self, name: &str, version: &str) -> Option<usize> {
        let symsize = if WIDE { 24 } else { 16 };
        for i in 0..self.nsyms {
            let s = self.symtab + i * symsize;
            let (st_name, st_info, st_shndx, st_value) = if WIDE {
                (
                    u32_at(self.bytes, s)?,
                    *self.bytes.get(s + 4)?,
                    u16_at(self.bytes, s + 6)?,
                    word_at(self.bytes, s + 8)?,
                )
            } else {
                (
                    u32_at(self.bytes, s)?,
                    *self.bytes.get(s + 12)?,
                    u16_at(self.bytes, s + 14)?,
                    word_at(self.bytes, s + 4)?,
                )
            };
            let (kind, bind) = (st_info & 0xf, st_info >> 4);
            // Untyped symbols too: QEMU user mode's powerpc64 vDSO exports its functions
            // untyped (glibc's lookup accepts them as well).
            let typed_ok = kind == STT_FUNC || kind == STT_NOTYPE;
            if !typed_ok || (bind != STB_GLOBAL && bind != STB_WEAK) || st_shndx == 0 {
                continue;
            }
            if self.string(st_name as usize) != Some(name.as_bytes()) {
                continue;
            }
            if let Some(versym) = self.versym {
                let Some(ver) = u16_at(self.bytes, versym.checked_add(i * 2)?) else { continue };
                if self.version_name(ver & 0x7fff) != Some(version.as_bytes()) {
                    continue;
                }
            }
            // The code must lie in the loaded segment, and so inside the image.
            if st_value.wrapping_sub(self.load_start) >= self.load_len {
                continue;
            }
            let off = st_value.wrapping_add(self.bias);
            if off >= self.bytes.len() {
                continue;
            }
            return Some(off);
        }
        None
    }
}

/// The number of symbols of a GNU hash table: one past the highest index any chain
/// reaches (symbols below `symoffset` are not in the table, but are counted).
fn gnu_hash_symbols(b: &[u8], g: usize) -> Option<usize> {
    let nbuckets = u32_at(b, g)? as usize;
    let symoffset = u32_at(b, g.checked_add(4)?)? as usize;
    let bloom_size = u32_at(b, g + 8)? as usize;
    let buckets = g.checked_add(16)?.checked_add(bloom_size.checked_mul(size_of::<usize>())?)?;
    let chains = buckets.checked_add(nbuckets.checked_mul(4)?)?;
    let mut last = 0usize;
    for i in 0..nbuckets {
        last = last.max(u32_at(b, buckets + i * 4)? as usize);
    }
    if last < symoffset {
        return Some(symoffset);
    }
    // Follow the chain of the highest bucket to its end (the low bit marks it).
    loop {
        let idx = last.checked_sub(symoffset)?;
        let h = u32_at(b, chains.checked_add(idx.checked_mul(4)?)?)?;
        if h & 1 == 1 {
            return last.checked_add(1);
        }
        last += 1;
    }
}

/// The image at `base`: its length is taken from the headers it holds (up to the end of
/// the first `PT_LOAD` segment's file image), after checking that they lie in its first
/// 4096 bytes.
///
/// # Safety
///
/// `base` must be the address the kernel gave as `AT_SYSINFO_EHDR`: the vDSO's image,
/// mapped readable for the life of the process.
pub(crate) unsafe fn image_at(base: usize) -> Option<Image<'static>> {
    if base == 0 || !base.is_multiple_of(4096) {
        return None;
    }
    // SAFETY: the vDSO's first page is mapped (the caller's promise; it is page-aligned
    // and at least a page long).
    let head = unsafe { core::slice::from_raw_parts(base as *const u8, 4096) };
    if head.get(..4)? != b"\x7fELF"
        || head.get(4) != Some(&ELFCLASS)
        || head.get(5) != Some(&ELFDATA)
    {
        return None;
    }
    let (phoff, phentsize, phnum) = if WIDE {
        (word_at(head, 32)?, u16_at(head, 54)? as usize, u16_at(head, 56)? as usize)
    } else {
        (word_at(head, 28)?, u16_at(head, 42)? as usize, u16_at(head, 44)? as usize)
    };
    let mut len = None;
    for i in 0..phnum {
        let ph = phoff.checked_add(i.checked_mul(phentsize)?)?;
        if u32_at(head, ph)? == PT_LOAD {
            let (off, filesz) = if WIDE {
                (word_at(head, ph + 8)?, word_at(head, ph + 32)?)
            } else {
                (word_at(head, ph + 4)?, word_at(head, ph + 16)?)
            };
            len = Some(off.checked_add(filesz)?);
            break;
        }
    }
    let len = len?.max(4096);
    if len > MAX_IMAGE {
        return None;
    }
    // SAFETY: the first PT_LOAD segment's file image is what the kernel maps (the vDSO
    // is mapped whole, from offset 0); the length is bounded above.
    let bytes = unsafe { core::slice::from_raw_parts(base as *const u8, len) };
    Image::parse(bytes, crate::arch::time::VDSO_HASH_ENTRY)
}

impl<'a> Image<'a> {
    /// The image's bytes.
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }
}

/// This process's vDSO, if the kernel mapped one (the same lookup as [`crate::time`]'s:
/// `AT_SYSINFO_EHDR` from `_start`, `prctl(PR_GET_AUXV)` or `/proc/self/auxv`). Reading
/// it is harmless: its code and headers never change.
pub fn this_process() -> Option<Image<'static>> {
    let base = crate::time::vdso_base()?;
    // SAFETY: the base is the kernel's AT_SYSINFO_EHDR, mapped for the life of the process.
    unsafe { image_at(base) }
}

/// The (symbol, version) pairs [`crate::time`] looks for in this target's vDSO:
/// `clock_gettime` (the one with the 64-bit timespec), `clock_getres`, `gettimeofday`,
/// `getcpu`; `None` where this architecture's vDSO has no usable one.
pub fn wanted() -> [Option<(&'static str, &'static str)>; 4] {
    use crate::arch::time as a;
    [a::VDSO_CLOCK_GETTIME, a::VDSO_CLOCK_GETRES, a::VDSO_GETTIMEOFDAY, a::VDSO_GETCPU]
        .map(|n| n.map(|n| (n, a::VDSO_VERSION)))
}

/// The size of a `DT_HASH` entry on this target (4; 8 on s390x), for [`Image::parse`].
pub fn hash_entry_size() -> usize {
    crate::arch::time::VDSO_HASH_ENTRY
}
