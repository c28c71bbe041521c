//! `mem::Error`: which operation failed, on which range, and why; the why found before
//! the kernel was asked where possible.

use crate::{Errno, Prot};
use core::fmt;

/// A failed [`Reservation`](super::Reservation) operation: the operation (`"commit"`),
/// the address and length it was asked to work on, and [why](ErrorKind).
///
/// For a range the checks refused, the address and length are the range as asked (the
/// reservation's base plus the start offset, and end minus start, 0 where the range is
/// empty or reversed); for `reserve*`, the address asked for (0 where the kernel
/// chooses) and the length.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Error {
    op: &'static str,
    addr: usize,
    len: usize,
    kind: ErrorKind,
}

/// Why a [`Reservation`](super::Reservation) operation failed.
///
/// Every kind but [`Kernel`](ErrorKind::Kernel) and [`Unsupported`](ErrorKind::Unsupported)
/// is found by checking the arguments (and whether the reservation is sealed), before
/// any system call: bad input never reaches the kernel, so these errors also mean that
/// nothing changed.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[non_exhaustive]
pub enum ErrorKind {
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
    /// `release` of a middle part, which would leave a hole: release a strict prefix or
    /// suffix (`split_off` first for a middle part).
    Hole,
    /// `release` of the whole reservation: drop it instead (a reservation is never
    /// empty).
    ReleaseAll,
    /// The reservation is sealed, and the operation would change a protection, replace
    /// or unmap pages, or install or remove guard markers: refused before any system
    /// call (see [`Reservation::seal`](super::Reservation::seal)).
    Sealed,
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
    pub(crate) const fn new(op: &'static str, addr: usize, len: usize, kind: ErrorKind) -> Self {
        Error { op, addr, len, kind }
    }

    /// Why it failed.
    pub const fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The operation, as the method is named (`"commit"`, `"fault"`, `"reserve_at"`).
    pub const fn op(&self) -> &'static str {
        self.op
    }

    /// The address of the range the operation was asked to work on.
    pub const fn addr(&self) -> usize {
        self.addr
    }

    /// The length of that range in bytes.
    #[allow(clippy::len_without_is_empty)] // the length of a range, not of the error
    pub const fn len(&self) -> usize {
        self.len
    }

    /// The kernel's error number, where the kernel answered.
    pub const fn errno(&self) -> Option<Errno> {
        self.kind.errno()
    }
}

impl ErrorKind {
    /// The kernel's error number, where the kernel answered.
    pub const fn errno(self) -> Option<Errno> {
        match self {
            ErrorKind::Kernel { errno, .. } => Some(errno),
            _ => None,
        }
    }

    /// `ErrorKind::Kernel` for `call`, as a `map_err` argument.
    pub(crate) fn kernel(call: &'static str) -> impl Fn(Errno) -> ErrorKind {
        move |errno| ErrorKind::Kernel { call, errno }
    }
}

impl PartialEq<ErrorKind> for Error {
    fn eq(&self, kind: &ErrorKind) -> bool {
        self.kind == *kind
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ErrorKind::ZeroLength => f.write_str("zero length or empty range"),
            ErrorKind::Unaligned => {
                f.write_str("address, offset or length is not a multiple of the page size")
            }
            ErrorKind::Overflow => f.write_str("address or length arithmetic overflows"),
            ErrorKind::BadAlign => {
                f.write_str("alignment is not a power of two of at least a page")
            }
            ErrorKind::OutOfRange => f.write_str("range is not inside the reservation"),
            ErrorKind::Hole => {
                f.write_str("release must leave a non-empty prefix or suffix (split_off first)")
            }
            ErrorKind::ReleaseAll => {
                f.write_str("release of the whole reservation (drop it instead)")
            }
            ErrorKind::Sealed => f.write_str("the reservation is sealed"),
            ErrorKind::ProtNotAllowed(p) => write!(
                f,
                "protect does not set {p:?}: use fault/guard for NONE, protect_rwx for RWX"
            ),
            ErrorKind::Misplaced { wanted, got } => {
                write!(f, "kernel placed the mapping at {got:#x}, not {wanted:#x} (MAP_FIXED_NOREPLACE taken as a hint, Linux < 4.17)")
            }
            ErrorKind::Unsupported(what) => write!(f, "{what} is not supported by this kernel"),
            ErrorKind::Kernel { call, errno } => write!(f, "{call}: {errno}"),
        }
    }
}

/// A fixed buffer to format into, so that `Display` can `pad` the whole message.
struct Line {
    buf: [u8; 256],
    len: usize,
}

impl fmt::Write for Line {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        // Cut at a character boundary when full (the messages are far shorter).
        let room = self.buf.len() - self.len;
        let mut n = s.len().min(room);
        while !s.is_char_boundary(n) {
            n -= 1;
        }
        self.buf[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        Ok(())
    }
}

impl fmt::Display for Error {
    /// `<op> of <len> bytes at <addr>: <why>`, padded to the formatter's width.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut line = Line { buf: [0; 256], len: 0 };
        fmt::write(
            &mut line,
            format_args!("{} of {:#x} bytes at {:#x}: {}", self.op, self.len, self.addr, self.kind),
        )?;
        // Only whole characters were copied in.
        match core::str::from_utf8(&line.buf[..line.len]) {
            Ok(s) => f.pad(s),
            Err(_) => Err(fmt::Error),
        }
    }
}

impl core::error::Error for Error {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match &self.kind {
            ErrorKind::Kernel { errno, .. } => Some(errno),
            _ => None,
        }
    }
}

#[cfg(feature = "std")]
impl From<Error> for std::io::Error {
    /// An `io::Error` of the matching kind (the errno's where the kernel answered) that
    /// carries the whole `mem::Error` (operation, range, and the errno as its source).
    fn from(e: Error) -> Self {
        use std::io::ErrorKind as K;
        let kind = match e.kind {
            ErrorKind::Kernel { errno, .. } => std::io::Error::from(errno).kind(),
            ErrorKind::Unsupported(_) => K::Unsupported,
            ErrorKind::Misplaced { .. } => K::AddrInUse,
            ErrorKind::Sealed => K::PermissionDenied,
            _ => K::InvalidInput,
        };
        std::io::Error::new(kind, e)
    }
}
