//! `mem::Error`: what went wrong, found before the kernel was asked where possible.

use crate::{Errno, Prot};
use core::fmt;

/// Why a [`Reservation`](super::Reservation) operation failed.
///
/// Every variant but [`Kernel`](Error::Kernel) and [`Unsupported`](Error::Unsupported) is
/// found by checking the arguments, before any system call: bad input never reaches the
/// kernel, so these errors also mean that nothing changed.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[non_exhaustive]
pub enum Error {
    /// A length of zero, or an empty range (`a..a`, or an end before the start).
    ZeroLength,
    /// An address, offset or length that is not a multiple of the page size.
    Unaligned,
    /// `addr + len`, `len + align` or an inclusive range end overflows, or a length to
    /// reserve (with `reserve_aligned`'s excess) is above `isize::MAX`, more than any
    /// address space holds.
    Overflow,
    /// An alignment that is not a power of two of at least a page.
    BadAlign,
    /// A range or offset that does not lie inside the reservation.
    OutOfRange,
    /// `release` of a range that would leave a hole, or nothing: release a strict prefix
    /// or suffix (`split_off` first for a middle part; drop to release it all).
    Hole,
    /// A protection that `protect` does not set: `NONE` is `fault`/`guard`, and
    /// read+write+execute goes through the unsafe `protect_rwx`.
    ProtNotAllowed(Prot),
    /// `reserve_at`: the kernel put the mapping elsewhere (kernels before 4.17 take
    /// `MAP_FIXED_NOREPLACE` as a hint). That mapping has been removed again.
    Misplaced {
        /// The address asked for.
        wanted: usize,
        /// The address the kernel chose.
        got: usize,
    },
    /// The running kernel (or emulator) lacks what the call needs, named here:
    /// `"mseal"`, `"MADV_GUARD_INSTALL"` or `"AT_PAGESZ"` (no page size could be found).
    Unsupported(&'static str),
    /// The kernel answered `errno` to the system call `call`.
    Kernel {
        /// The system call, as in strace (`"mprotect"`).
        call: &'static str,
        /// Its answer.
        errno: Errno,
    },
}

impl Error {
    /// The kernel's error number, where the kernel answered.
    pub const fn errno(self) -> Option<Errno> {
        match self {
            Error::Kernel { errno, .. } => Some(errno),
            _ => None,
        }
    }

    /// `Error::Kernel` for `call`, as a `map_err` argument.
    pub(crate) fn kernel(call: &'static str) -> impl Fn(Errno) -> Error {
        move |errno| Error::Kernel { call, errno }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Error::ZeroLength => f.write_str("zero length or empty range"),
            Error::Unaligned => {
                f.write_str("address, offset or length is not a multiple of the page size")
            }
            Error::Overflow => f.write_str("address or length arithmetic overflows"),
            Error::BadAlign => f.write_str("alignment is not a power of two of at least a page"),
            Error::OutOfRange => f.write_str("range is not inside the reservation"),
            Error::Hole => {
                f.write_str("release must leave a non-empty prefix or suffix (split_off first)")
            }
            Error::ProtNotAllowed(p) => write!(
                f,
                "protect does not set {p:?}: use fault/guard for NONE, protect_rwx for RWX"
            ),
            Error::Misplaced { wanted, got } => {
                write!(f, "kernel placed the mapping at {got:#x}, not {wanted:#x} (MAP_FIXED_NOREPLACE taken as a hint, Linux < 4.17)")
            }
            Error::Unsupported(what) => write!(f, "{what} is not supported by this kernel"),
            Error::Kernel { call, errno } => write!(f, "{call}: {errno}"),
        }
    }
}

impl core::error::Error for Error {}
