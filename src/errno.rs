//! `Errno`: the kernel's error number, whichever way the architecture reports it.

use crate::arch;
use core::fmt;

/// An error number returned by the kernel (1..=4095).
///
/// Every architecture's error convention (a negative value in the result register, the
/// MIPS `$a3` flag, the PowerPC `cr0.SO` bit) ends up here. Values 1..=34 are the same
/// on every Linux architecture; above that MIPS renumbers many, so the named constants
/// take this target's values from its `arch/` file.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Errno(u16);

/// Results in `-4095..=-1` (as unsigned) are errors; every other value, including an
/// address above 2 GiB on a 32-bit target, is a success.
const MAX_ERRNO: usize = 4095;

macro_rules! errno_names {
    ($($name:ident = $value:expr,)*) => {
        impl Errno {
            $(
                #[doc = concat!("`", stringify!($name), "` on this target.")]
                pub const $name: Errno = Errno($value);
            )*
        }
        const NAMES: &[(Errno, &str)] = &[$((Errno::$name, stringify!($name)),)*];
    };
}

errno_names! {
    EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, EIO = 5, ENXIO = 6, E2BIG = 7,
    ENOEXEC = 8, EBADF = 9, ECHILD = 10, EAGAIN = 11, ENOMEM = 12, EACCES = 13,
    EFAULT = 14, ENOTBLK = 15, EBUSY = 16, EEXIST = 17, EXDEV = 18, ENODEV = 19,
    ENOTDIR = 20, EISDIR = 21, EINVAL = 22, ENFILE = 23, EMFILE = 24, ENOTTY = 25,
    ETXTBSY = 26, EFBIG = 27, ENOSPC = 28, ESPIPE = 29, EROFS = 30, EMLINK = 31,
    EPIPE = 32, EDOM = 33, ERANGE = 34,
    EDEADLK = arch::consts::EDEADLK, ENAMETOOLONG = arch::consts::ENAMETOOLONG,
    ENOLCK = arch::consts::ENOLCK, ENOSYS = arch::consts::ENOSYS,
    ENOTEMPTY = arch::consts::ENOTEMPTY, ELOOP = arch::consts::ELOOP,
    EOVERFLOW = arch::consts::EOVERFLOW, EOPNOTSUPP = arch::consts::EOPNOTSUPP,
    ECANCELED = arch::consts::ECANCELED,
}

impl Errno {
    /// The raw, positive error number.
    #[inline]
    pub const fn raw(self) -> i32 {
        self.0 as i32
    }

    /// The `Errno` for a raw value, or `None` outside 1..=4095.
    #[inline]
    pub const fn from_raw(raw: i32) -> Option<Errno> {
        if raw >= 1 && raw <= MAX_ERRNO as i32 {
            Some(Errno(raw as u16))
        } else {
            None
        }
    }

    /// Splits a raw syscall return value (already in the negative-window form) into
    /// success or error.
    #[inline(always)]
    pub(crate) const fn result(ret: usize) -> Result<usize, Errno> {
        if ret >= MAX_ERRNO.wrapping_neg() {
            Err(Errno(ret.wrapping_neg() as u16))
        } else {
            Ok(ret)
        }
    }

    /// The symbolic name (`"EINVAL"`), where this crate names it.
    pub fn name(self) -> Option<&'static str> {
        NAMES.iter().find(|(e, _)| *e == self).map(|(_, n)| *n)
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "errno {}", self.0),
        }
    }
}

impl fmt::Debug for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Errno({self})")
    }
}

impl core::error::Error for Errno {}

#[cfg(feature = "std")]
impl From<Errno> for std::io::Error {
    /// `io::Error::from_raw_os_error`: the same number, so `raw_os_error()` gives it back.
    fn from(e: Errno) -> Self {
        std::io::Error::from_raw_os_error(e.raw())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_window_is_exactly_minus_4095_to_minus_1() {
        assert_eq!(Errno::result(0), Ok(0));
        assert_eq!(Errno::result(4096), Ok(4096));
        assert_eq!(Errno::result(usize::MAX), Err(Errno(1)));
        assert_eq!(Errno::result(4095usize.wrapping_neg()), Err(Errno(4095)));
        // Just outside the window: a value, not an error.
        assert_eq!(Errno::result(4096usize.wrapping_neg()), Ok(4096usize.wrapping_neg()));
        assert_eq!(Errno::result(1usize << (usize::BITS - 1)), Ok(1usize << (usize::BITS - 1)));
    }

    #[test]
    fn names_and_raw_values() {
        assert_eq!(Errno::EINVAL.raw(), 22);
        assert_eq!(Errno::from_raw(22), Some(Errno::EINVAL));
        assert_eq!(Errno::from_raw(0), None);
        assert_eq!(Errno::from_raw(4096), None);
        extern crate std;
        use std::string::ToString;
        assert_eq!(Errno::ENOMEM.to_string(), "ENOMEM");
        assert_eq!(Errno::from_raw(4000).unwrap().to_string(), "errno 4000");
        assert_eq!(std::format!("{:?}", Errno::EBADF), "Errno(EBADF)");
    }
}
