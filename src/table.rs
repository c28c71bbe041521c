//! Compile-time readers for the kernel tables kept under `arch/tbl/`: a `syscall.tbl`
//! excerpt (`<number> <abi> <name> <entry>` per line) and a uapi header excerpt
//! (`#define <NAME> <value>` per line). `nr` and `flags` assert against them, so a
//! number or flag that differs from the kernel's fails the build.

/// Where an excerpt has no such entry: never a valid number or flag.
pub(crate) const MISSING: usize = usize::MAX;

const fn eq_ignore_case(a: &[u8], start: usize, end: usize, b: &[u8]) -> bool {
    if end - start != b.len() {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if !a[start + i].eq_ignore_ascii_case(&b[i]) {
            return false;
        }
        i += 1;
    }
    true
}

const fn is_space(c: u8) -> bool {
    c == b' ' || c == b'\t' || c == b'\r'
}

/// Skips blanks from `i`; returns the index of the next non-blank byte on the line.
const fn skip_blanks(s: &[u8], mut i: usize) -> usize {
    while i < s.len() && is_space(s[i]) {
        i += 1;
    }
    i
}

/// The end of the word starting at `i`.
const fn word_end(s: &[u8], mut i: usize) -> usize {
    while i < s.len() && !is_space(s[i]) && s[i] != b'\n' {
        i += 1;
    }
    i
}

const fn line_end(s: &[u8], mut i: usize) -> usize {
    while i < s.len() && s[i] != b'\n' {
        i += 1;
    }
    i
}

/// Parses a C integer literal (decimal, 0x hex or 0 octal) in `s[start..end]`.
const fn parse_int(s: &[u8], start: usize, end: usize) -> usize {
    let (mut i, radix) = if end - start > 2 && s[start] == b'0' && (s[start + 1] | 0x20) == b'x' {
        (start + 2, 16)
    } else if end - start > 1 && s[start] == b'0' {
        (start + 1, 8)
    } else {
        (start, 10)
    };
    let mut value = 0usize;
    while i < end {
        let c = s[i] | 0x20;
        let digit = match c {
            b'0'..=b'9' => (c - b'0') as usize,
            b'a'..=b'f' => (c - b'a' + 10) as usize,
            _ => return MISSING,
        };
        if digit >= radix {
            return MISSING;
        }
        value = value * radix + digit;
        i += 1;
    }
    value
}

/// The number of `name` (any case) in a `syscall.tbl` excerpt, or [`MISSING`].
pub(crate) const fn syscall_number(table: &str, name: &str) -> usize {
    let (s, name) = (table.as_bytes(), name.as_bytes());
    let mut i = 0;
    while i < s.len() {
        let start = skip_blanks(s, i);
        let end = line_end(s, start);
        if start < end && s[start] != b'#' {
            let num_end = word_end(s, start);
            let abi = skip_blanks(s, num_end);
            let name_start = skip_blanks(s, word_end(s, abi));
            let name_end = word_end(s, name_start);
            if eq_ignore_case(s, name_start, name_end, name) {
                return parse_int(s, start, num_end);
            }
        }
        i = end + 1;
    }
    MISSING
}

/// The value of `#define <name> <value>` in a header excerpt, or [`MISSING`].
pub(crate) const fn define(header: &str, name: &str) -> usize {
    let (s, name) = (header.as_bytes(), name.as_bytes());
    let mut i = 0;
    while i < s.len() {
        let start = skip_blanks(s, i);
        let end = line_end(s, start);
        let word = word_end(s, start);
        if eq_ignore_case(s, start, word, b"#define") {
            let name_start = skip_blanks(s, word);
            let name_end = word_end(s, name_start);
            if eq_ignore_case(s, name_start, name_end, name) {
                let value = skip_blanks(s, name_end);
                return parse_int(s, value, word_end(s, value));
            }
        }
        i = end + 1;
    }
    MISSING
}

/// Declares syscall numbers as `pub const NAME: usize` and asserts each, at compile
/// time, against the name in this arch's `syscall.tbl` excerpt (plus the arch's base,
/// 4000 or 5000 on MIPS).
macro_rules! syscall_numbers {
    ($($(#[$doc:meta])* $name:ident = $value:expr,)*) => {
        $(
            $(#[$doc])*
            #[doc = concat!("`", stringify!($name), "`: checked against `arch/tbl/`.")]
            pub const $name: usize = $value;
            const _: () = assert!(
                $name == crate::table::syscall_number(super::SYSCALL_TABLE, stringify!($name))
                    .wrapping_add(super::SYSCALL_BASE),
                concat!("syscall number ", stringify!($name), " differs from arch/tbl")
            );
            static_assertions::const_assert_eq!(
                $name,
                crate::table::syscall_number(super::SYSCALL_TABLE, stringify!($name))
                    .wrapping_add(super::SYSCALL_BASE)
            );
        )*
    };
}
pub(crate) use syscall_numbers;

/// Declares constants (flag values, error and signal numbers) as `pub(crate) const` of
/// the given type and asserts each against the `#define` of the same name in this
/// arch's uapi header excerpt.
macro_rules! uapi_consts {
    ($ty:ty: $($name:ident = $value:expr,)*) => {
        $(
            pub(crate) const $name: $ty = $value;
            const _: () = assert!(
                $name as usize == crate::table::define(super::UAPI_DEFINES, stringify!($name)),
                concat!(stringify!($name), " differs from the uapi header excerpt in arch/tbl")
            );
            static_assertions::const_assert_eq!(
                $name as usize,
                crate::table::define(super::UAPI_DEFINES, stringify!($name))
            );
        )*
    };
}
pub(crate) use uapi_consts;

/// The errno values above 34 that `Errno` names, as `include/uapi/asm-generic/errno.h`
/// has them: every architecture here but MIPS uses these. Still checked, per arch,
/// against that arch's header excerpt.
#[allow(unused_macros)] // MIPS has its own
macro_rules! asm_generic_errno {
    () => {
        crate::table::uapi_consts! { u16:
            EDEADLK = 35, ENAMETOOLONG = 36, ENOLCK = 37, ENOSYS = 38, ENOTEMPTY = 39,
            ELOOP = 40, EOVERFLOW = 75, EOPNOTSUPP = 95, ECANCELED = 125,
        }
    };
}
#[allow(unused_imports)]
pub(crate) use asm_generic_errno;

/// The `MAP_*` values that differ between architectures, and SIGCHLD, as asm-generic's
/// `mman.h`, `mman-common.h` and `signal.h` have them (all here but mips and powerpc).
#[allow(unused_macros)] // mips and powerpc have their own
macro_rules! asm_generic_mman {
    () => {
        crate::table::uapi_consts! { u32:
            MAP_ANONYMOUS = 0x20, MAP_NORESERVE = 0x4000, MAP_POPULATE = 0x8000,
            MAP_HUGETLB = 0x40000, SIGCHLD = 17,
        }
    };
}
#[allow(unused_imports)]
pub(crate) use asm_generic_mman;

#[cfg(test)]
mod tests {
    use super::*;

    const TBL: &str =
        "# comment\n10\tcommon\tmprotect\tsys_mprotect\n  192 i386 mmap2 sys_mmap_pgoff\n";
    const HDR: &str = "#define MAP_ANONYMOUS\t0x800\n#define MAP_NORESERVE 0400\n#define  X 12\n";

    #[test]
    fn reads_tables() {
        assert_eq!(syscall_number(TBL, "MPROTECT"), 10);
        assert_eq!(syscall_number(TBL, "mmap2"), 192);
        assert_eq!(syscall_number(TBL, "mmap"), MISSING);
        assert_eq!(define(HDR, "MAP_ANONYMOUS"), 0x800);
        assert_eq!(define(HDR, "MAP_NORESERVE"), 0o400);
        assert_eq!(define(HDR, "X"), 12);
        assert_eq!(define(HDR, "MAP_FIXED"), MISSING);
    }
}
