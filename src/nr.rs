//! System call numbers of the target being built: every entry of the kernel's syscall
//! table for this architecture and ABI, as `usize` constants named after the call in upper
//! case (`MPROTECT`, `FUTEX`, `_LLSEEK`, `MMAP` or `MMAP2`, ...), and [`name`] / [`number`]
//! to go between numbers and the kernel's names at run time (tracers, seccomp filters).
//!
//! The tables are the kernel's own (Linux 7.3.4), kept under `arch/tbl/`;
//! `ci/gen-tables.py` generates the constants from them, and the build checks every
//! constant against its table, so a wrong number does not build. Architectures with
//! `mmap2` (x86, arm, mips o32) export `MMAP2`; x86 and mips o32 also have `MMAP` (on x86
//! the old one-argument `old_mmap`), s390x's `MMAP` is `old_mmap` too; arm (EABI) has no
//! `MMAP`. A call missing from one architecture's table is missing from its `nr`.
//!
//! ```
//! use baresys::nr;
//! assert_eq!(nr::name(nr::MPROTECT), Some("mprotect"));
//! assert_eq!(nr::number("mprotect"), Some(nr::MPROTECT));
//! assert_eq!(nr::number("no_such_call"), None);
//! ```

use core::cmp::Ordering;

pub use crate::arch::nr::*;
use crate::arch::nr::{BY_NAME, BY_NUMBER};

/// The kernel's name for syscall number `n` on this target (`"mprotect"`, lower case as
/// the table has it), or `None` where the table has no such number (a gap, or beyond the
/// last). On MIPS `n` includes the ABI's base (4000 for o32, 5000 for n64).
pub fn name(n: usize) -> Option<&'static str> {
    BY_NUMBER.binary_search_by_key(&n, |&(number, _)| number).ok().map(|i| BY_NUMBER[i].1)
}

/// The number of the syscall the kernel's table calls `name` on this target, or `None`
/// where it has no such call. ASCII case is ignored: `"mprotect"` (the table's name) and
/// `"MPROTECT"` (the constant's) both give [`MPROTECT`].
pub fn number(name: &str) -> Option<usize> {
    BY_NAME
        .binary_search_by(|&i| cmp_lowercased(BY_NUMBER[usize::from(i)].1, name))
        .ok()
        .map(|k| BY_NUMBER[usize::from(BY_NAME[k])].0)
}

/// Orders a table name (lower case) against `name` with `name`'s ASCII letters lowered.
fn cmp_lowercased(table_name: &str, name: &str) -> Ordering {
    table_name.bytes().cmp(name.bytes().map(|c| c.to_ascii_lowercase()))
}

/// Every syscall of this target's table as `(number, name)`, by number.
pub fn all() -> impl Iterator<Item = (usize, &'static str)> {
    BY_NUMBER.iter().copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_round_trips() {
        let mut last = None;
        for (n, table_name) in all() {
            assert!(last < Some(n), "{table_name}: numbers not increasing");
            last = Some(n);
            assert_eq!(name(n), Some(table_name));
            assert_eq!(number(table_name), Some(n));
            extern crate std;
            let upper = std::string::String::from(table_name).to_ascii_uppercase();
            assert_eq!(number(&upper), Some(n), "{upper}");
        }
        assert!(all().count() > 300, "a whole table, not an excerpt");
    }

    #[test]
    fn unknown_names_and_gaps_are_none() {
        assert_eq!(number(""), None);
        assert_eq!(number("mprotect2"), None);
        assert_eq!(number("mprotec"), None);
        assert_eq!(number("mprotect\0"), None);
        assert_eq!(name(usize::MAX), None);
        let (last, _) = all().last().unwrap();
        assert_eq!(name(last + 1), None);
        // The first gap in the table (each table has some: removed or reserved calls).
        let gap =
            all().zip(all().skip(1)).find(|((a, _), (b, _))| b - a > 1).map(|((a, _), _)| a + 1);
        assert_eq!(name(gap.expect("a gap")), None);
    }

    #[test]
    fn constants_are_the_table_numbers() {
        assert_eq!(name(MPROTECT), Some("mprotect"));
        assert_eq!(name(FUTEX), Some("futex"));
        assert_eq!(number("getpid"), Some(GETPID));
        assert_eq!(number("Exit_Group"), Some(EXIT_GROUP));
    }
}
