//! Linux system calls issued directly with inline assembly, for `#![no_std]` programs
//! without libc, on ten architectures: x86, x86_64, arm, aarch64, loongarch64, mips,
//! mips64, powerpc64, riscv64 and s390x.
//!
//! - [`syscall0`] .. [`syscall6`]: the raw entry points, one per argument count;
//! - [`nr`]: every syscall number of this target's kernel table (kept under `arch/tbl/`,
//!   generated into constants and checked against the table at compile time), and
//!   [`nr::name`] / [`nr::number`] between numbers and names;
//! - typed wrappers ([`mmap`], [`mprotect`], [`madvise`], ...) returning
//!   `Result<_, `[`Errno`]`>`, with flag sets ([`Prot`], [`MapFlags`], [`Advice`]) that
//!   carry each architecture's own values;
//! - [`mem`]: reserve / commit / decommit / fault / release of address space, with the
//!   Go runtime's mprotect fault path and the newer guard-region one.
//!
//! ```
//! use baresys::{mmap, mprotect, munmap, MapFlags, Prot};
//!
//! let len = baresys::mem::page_size();
//! // SAFETY: a fresh anonymous mapping at an address the kernel picks aliases nothing.
//! let p = unsafe {
//!     mmap(core::ptr::null_mut(), len, Prot::NONE, MapFlags::PRIVATE | MapFlags::ANONYMOUS, None, 0)
//! }?;
//! // SAFETY: `p..p+len` is the mapping made above, which nothing else uses.
//! unsafe { mprotect(p, len, Prot::READ | Prot::WRITE)? };
//! unsafe { p.cast::<u8>().write(42) };
//! unsafe { munmap(p, len)? };
//! # Ok::<(), baresys::Errno>(())
//! ```
#![no_std]
// Inline asm on MIPS is still behind a feature gate (nightly only).
#![cfg_attr(any(target_arch = "mips", target_arch = "mips64"), feature(asm_experimental_arch))]
#![deny(unsafe_op_in_unsafe_fn, missing_docs)]
#![warn(clippy::undocumented_unsafe_blocks)]

// Only for the conversions of the `std` feature; the library itself uses core alone.
#[cfg(feature = "std")]
extern crate std;

// The one place that names target architectures: each arch/ file has the same items
// (syscall numbers, the syscall0..syscall6 asm, its error convention, its flag values,
// its mmap entry and, with the `start` feature, `_start`).
cfg_if::cfg_if! {
    if #[cfg(target_arch = "x86_64")] {
        #[path = "../arch/x86_64.rs"] mod arch;
    } else if #[cfg(target_arch = "x86")] {
        #[path = "../arch/x86.rs"] mod arch;
    } else if #[cfg(target_arch = "arm")] {
        #[path = "../arch/arm.rs"] mod arch;
    } else if #[cfg(target_arch = "aarch64")] {
        #[path = "../arch/aarch64.rs"] mod arch;
    } else if #[cfg(target_arch = "loongarch64")] {
        #[path = "../arch/loongarch64.rs"] mod arch;
    } else if #[cfg(target_arch = "mips")] {
        #[path = "../arch/mips.rs"] mod arch;
    } else if #[cfg(target_arch = "mips64")] {
        #[path = "../arch/mips64.rs"] mod arch;
    } else if #[cfg(target_arch = "powerpc64")] {
        #[path = "../arch/powerpc64.rs"] mod arch;
    } else if #[cfg(target_arch = "riscv64")] {
        #[path = "../arch/riscv64.rs"] mod arch;
    } else if #[cfg(target_arch = "s390x")] {
        #[path = "../arch/s390x.rs"] mod arch;
    } else {
        compile_error!("baresys supports x86, x86_64, arm, aarch64, loongarch64, mips, mips64, powerpc64, riscv64 and s390x");
    }
}
#[cfg(not(target_os = "linux"))]
compile_error!("baresys issues Linux system calls: build it for a *-linux-* target");

#[cfg(doctest)]
mod compile_fail;
mod errno;
pub mod fd;
mod flags;
pub mod futex;
pub mod mem;
pub mod nr;
mod raw;
pub mod signal;

mod runtime;
#[cfg(feature = "start")]
pub mod start;
mod table;
pub mod time;
pub mod vdso;

#[cfg(feature = "thread")]
pub mod thread;
mod wrappers;

pub use errno::Errno;
pub use flags::{Advice, MapFlags, MremapFlags, OFlags, Prot};
pub use raw::{syscall0, syscall1, syscall2, syscall3, syscall4, syscall5, syscall6};
pub use runtime::*;
pub use wrappers::*;

/// The registers the kernel may change across a system call on this target, besides
/// the result register, as declared to the compiler by the asm of `syscall0..6`.
/// Exposed so that tests on a real kernel can check the declaration itself.
pub const DECLARED_CLOBBERS: &[&str] = arch::CLOBBERS;

/// The registers [`fork`] declares changed: [`DECLARED_CLOBBERS`], plus on loongarch64
/// the FP and vector registers, which the kernel does not hand a new child intact.
pub const DECLARED_FORK_CLOBBERS: &[&str] = arch::FORK_CLOBBERS;

// README's examples are compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
