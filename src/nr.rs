//! System call numbers of the target being built, as `usize` constants named after the
//! call in upper case (`MPROTECT`, `MMAP` or `MMAP2`, ...).
//!
//! Each number is written in the architecture's `arch/` file and asserted at compile
//! time against the excerpt of the kernel's `syscall.tbl` kept beside it in `arch/tbl/`,
//! so a wrong number does not build. Architectures with `mmap2` (x86, arm, mips o32)
//! export `MMAP2`; x86 and mips o32 also have `MMAP` (on x86 the old one-argument
//! `old_mmap`), s390x's `MMAP` is `old_mmap` too.

pub use crate::arch::nr::*;
