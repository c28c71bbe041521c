//! Compile-time readers for the kernel tables kept under `arch/tbl/`: a `syscall.tbl`
//! (`<number> <abi> <name> <entry>` per line) and uapi headers (`#define <NAME> <value>`
//! per line). The generated `nr` and `Errno` constants (`arch/gen/`) and the hand-written
//! flags assert against them, so a number or flag that differs from the kernel's fails the
//! build.

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

/// One entry line of a `syscall.tbl` or `#define` line of a header: where its name and
/// value are in the text.
struct Line {
    name: (usize, usize),
    value: (usize, usize),
    /// Where the next line starts.
    next: usize,
}

/// The next `<number> <abi> <name> ...` line of a syscall table from `i`, skipping `#`
/// comments and blank lines.
const fn next_syscall(s: &[u8], mut i: usize) -> Option<Line> {
    while i < s.len() {
        let start = skip_blanks(s, i);
        let end = line_end(s, start);
        if start < end && s[start] != b'#' {
            let num_end = word_end(s, start);
            let abi = skip_blanks(s, num_end);
            let name_start = skip_blanks(s, word_end(s, abi));
            let name_end = word_end(s, name_start);
            return Some(Line {
                name: (name_start, name_end),
                value: (start, num_end),
                next: end + 1,
            });
        }
        i = end + 1;
    }
    None
}

/// The next `#define E<NAME> <value>` line of a header from `i`.
const fn next_errno_define(s: &[u8], mut i: usize) -> Option<Line> {
    while i < s.len() {
        let start = skip_blanks(s, i);
        let end = line_end(s, start);
        let word = word_end(s, start);
        if eq_ignore_case(s, start, word, b"#define") {
            let name_start = skip_blanks(s, word);
            let name_end = word_end(s, name_start);
            if name_start < name_end && s[name_start] == b'E' {
                let value = skip_blanks(s, name_end);
                return Some(Line {
                    name: (name_start, name_end),
                    value: (value, word_end(s, value)),
                    next: end + 1,
                });
            }
        }
        i = end + 1;
    }
    None
}

/// Whether `a` sorts strictly before `b`, byte by byte.
const fn str_lt(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut i = 0;
    while i < a.len() && i < b.len() {
        if a[i] != b[i] {
            return a[i] < b[i];
        }
        i += 1;
    }
    a.len() < b.len()
}

/// Checks, in one pass at compile time, what `ci/gen-tables.py` generated for `nr`
/// against the syscall table it was generated from: `by_number` holds each constant's
/// value with its table name, in table order; a number that differs (plus `base`: 4000
/// or 5000 on MIPS) fails the build with that entry's message from `messages`, and a
/// table that no longer matches the generated list fails it too. `by_name` must be
/// `by_number`'s indices in name order (what `nr::number` searches).
pub(crate) const fn check_syscalls(
    table: &str, base: usize, by_number: &[(usize, &str)], by_name: &[u16], messages: &[&str],
) {
    let s = table.as_bytes();
    let (mut i, mut k) = (0, 0);
    while let Some(line) = next_syscall(s, i) {
        if k == by_number.len() {
            panic!("arch/tbl has more syscalls than arch/gen: run ci/gen-tables.py");
        }
        let (value, name) = by_number[k];
        if !eq_ignore_case(s, line.name.0, line.name.1, name.as_bytes()) {
            panic!("arch/tbl and arch/gen list other syscalls: run ci/gen-tables.py");
        }
        if parse_int(s, line.value.0, line.value.1).wrapping_add(base) != value {
            panic!("{}", messages[k]);
        }
        (i, k) = (line.next, k + 1);
    }
    if k != by_number.len() || k != messages.len() || k != by_name.len() {
        panic!("arch/gen has more syscalls than arch/tbl: run ci/gen-tables.py");
    }
    let mut j = 0;
    while j + 1 < by_name.len() {
        let (a, b) = (by_name[j] as usize, by_name[j + 1] as usize);
        if a >= k || b >= k || !str_lt(by_number[a].1, by_number[b].1) {
            panic!("arch/gen's BY_NAME is not the names in order: run ci/gen-tables.py");
        }
        j += 1;
    }
}

/// Checks, in one pass at compile time, the generated `Errno` constants against the
/// errno header excerpt they were generated from, as [`check_syscalls`] does: `consts`
/// holds each constant with its name and message, in header order. A value written as
/// another name (`#define EWOULDBLOCK EAGAIN`) is that name's value, looked up among
/// the entries before it. `names` must hold exactly the names defined with a number,
/// sorted by value (what `Errno::name` searches).
pub(crate) const fn check_errnos(
    header: &str, names: &[(u16, &str)], consts: &[(crate::Errno, &str, &str)],
) {
    let s = header.as_bytes();
    let (mut i, mut k, mut numbered) = (0, 0, 0);
    while let Some(line) = next_errno_define(s, i) {
        if k == consts.len() {
            panic!("arch/tbl has more errno names than arch/gen: run ci/gen-tables.py");
        }
        let (errno, name, message) = consts[k];
        if !eq_ignore_case(s, line.name.0, line.name.1, name.as_bytes()) {
            panic!("arch/tbl and arch/gen list other errno names: run ci/gen-tables.py");
        }
        let mut value = parse_int(s, line.value.0, line.value.1);
        if value == MISSING {
            let mut j = 0;
            while j < k {
                if eq_ignore_case(s, line.value.0, line.value.1, consts[j].1.as_bytes()) {
                    value = consts[j].0.raw() as usize;
                }
                j += 1;
            }
        } else {
            // Defined with its number: `names` has it, at the value's place.
            let mut j = 0;
            while j < names.len() && names[j].0 as usize != value {
                j += 1;
            }
            if j == names.len()
                || !eq_ignore_case(s, line.name.0, line.name.1, names[j].1.as_bytes())
            {
                panic!("arch/gen's NAMES differs from arch/tbl: run ci/gen-tables.py");
            }
            numbered += 1;
        }
        if value != errno.raw() as usize {
            panic!("{}", message);
        }
        (i, k) = (line.next, k + 1);
    }
    if k != consts.len() {
        panic!("arch/gen has more errno names than arch/tbl: run ci/gen-tables.py");
    }
    let mut j = 0;
    while j + 1 < names.len() {
        if names[j].0 >= names[j + 1].0 {
            panic!("arch/gen's NAMES is not sorted by value: run ci/gen-tables.py");
        }
        j += 1;
    }
    if numbered != names.len() {
        panic!("arch/gen's NAMES has names arch/tbl lacks: run ci/gen-tables.py");
    }
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

/// Declares constants (flag values and signal numbers) as `pub(crate) const` of
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
    use crate::Errno;

    const TBL: &str =
        "# comment\n10\tcommon\tmprotect\tsys_mprotect\n\n  192 i386 mmap2 sys_mmap_pgoff\n";
    const HDR: &str = "#define MAP_ANONYMOUS\t0x800\n#define MAP_NORESERVE 0400\n#define  X 12\n";
    const ERRNO: &str =
        "# comment\n#define\tEAGAIN\t11\t/* Try again */\n#define EWOULDBLOCK EAGAIN\n";

    #[test]
    fn reads_defines() {
        assert_eq!(define(HDR, "MAP_ANONYMOUS"), 0x800);
        assert_eq!(define(HDR, "MAP_NORESERVE"), 0o400);
        assert_eq!(define(HDR, "X"), 12);
        assert_eq!(define(HDR, "MAP_FIXED"), MISSING);
    }

    #[test]
    fn syscalls_that_match_the_table_pass() {
        check_syscalls(TBL, 0, &[(10, "mprotect"), (192, "mmap2")], &[1, 0], &["m", "m2"]);
        check_syscalls(TBL, 4000, &[(4010, "mprotect"), (4192, "mmap2")], &[1, 0], &["m", "m2"]);
    }

    #[test]
    #[should_panic(expected = "syscall number MMAP2 differs")]
    fn a_wrong_syscall_number_fails_with_its_message() {
        let messages = ["m", "syscall number MMAP2 differs"];
        check_syscalls(TBL, 0, &[(10, "mprotect"), (193, "mmap2")], &[1, 0], &messages);
    }

    #[test]
    #[should_panic(expected = "list other syscalls")]
    fn another_name_fails() {
        check_syscalls(TBL, 0, &[(10, "mprotect"), (192, "mmap")], &[0, 1], &["m", "m2"]);
    }

    #[test]
    #[should_panic(expected = "more syscalls than arch/gen")]
    fn a_table_line_without_its_constant_fails() {
        check_syscalls(TBL, 0, &[(10, "mprotect")], &[0], &["m"]);
    }

    #[test]
    #[should_panic(expected = "arch/gen has more syscalls")]
    fn a_constant_without_its_table_line_fails() {
        let by_number = [(10, "mprotect"), (192, "mmap2"), (193, "x")];
        check_syscalls(TBL, 0, &by_number, &[1, 0, 2], &["m", "m2", "x"]);
    }

    #[test]
    #[should_panic(expected = "BY_NAME is not the names in order")]
    fn an_unsorted_name_index_fails() {
        check_syscalls(TBL, 0, &[(10, "mprotect"), (192, "mmap2")], &[0, 1], &["m", "m2"]);
    }

    #[test]
    fn errnos_and_aliases_that_match_the_header_pass() {
        let eagain = Errno::from_table(11);
        check_errnos(
            ERRNO,
            &[(11, "EAGAIN")],
            &[(eagain, "EAGAIN", "a"), (eagain, "EWOULDBLOCK", "w")],
        );
    }

    #[test]
    #[should_panic(expected = "errno EWOULDBLOCK differs")]
    fn a_wrong_alias_fails() {
        let (eagain, other) = (Errno::from_table(11), Errno::from_table(12));
        let consts = [(eagain, "EAGAIN", "a"), (other, "EWOULDBLOCK", "errno EWOULDBLOCK differs")];
        check_errnos(ERRNO, &[(11, "EAGAIN")], &consts);
    }

    #[test]
    #[should_panic(expected = "NAMES differs")]
    fn an_alias_in_names_fails() {
        let eagain = Errno::from_table(11);
        let consts = [(eagain, "EAGAIN", "a"), (eagain, "EWOULDBLOCK", "w")];
        check_errnos(ERRNO, &[(11, "EWOULDBLOCK")], &consts);
    }
}
