//! `Errno`: the kernel's error number, whichever way the architecture reports it.

use crate::arch;
use core::fmt;

/// An error number returned by the kernel (1..=4095).
///
/// Every architecture's error convention (a negative value in the result register, the
/// MIPS `$a3` flag, the PowerPC `cr0.SO` bit) ends up here.
///
/// The associated constants are every name this target's uapi headers define, with this
/// target's values: asm-generic `errno-base.h` and `errno.h` on most architectures, MIPS's
/// own `errno.h` (which renumbers most values above 34: `ENOSYS` is 89 there, 38
/// elsewhere), and powerpc's `EDEADLOCK` (58, where elsewhere it is `EDEADLK`). They are
/// generated from the header excerpts in `arch/tbl/` by `ci/gen-tables.py` and checked
/// against them at compile time. Aliases are the same value under a second name
/// (`EWOULDBLOCK` is `EAGAIN`, `EDEADLOCK` is `EDEADLK` but on MIPS and powerpc,
/// `EFSBADCRC` is `EBADMSG`, `EFSCORRUPTED` is `EUCLEAN`); [`name`](Errno::name) gives the
/// name defined with the number, never the alias. `ENOTSUP` is not among them: the
/// kernel's headers do not define it (C libraries make it `EOPNOTSUPP`).
///
/// ```
/// use baresys::Errno;
/// assert_eq!(Errno::EWOULDBLOCK, Errno::EAGAIN);
/// assert_eq!(Errno::EWOULDBLOCK.name(), Some("EAGAIN"));
/// assert_eq!(format!("{}", Errno::ENOSYS), "ENOSYS");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Errno(u16);

/// Results in `-4095..=-1` (as unsigned) are errors; every other value, including an
/// address above 2 GiB on a 32-bit target, is a success.
const MAX_ERRNO: usize = 4095;

impl Errno {
    /// An error number from this target's table (the generated constants).
    pub(crate) const fn from_table(raw: u16) -> Errno {
        Errno(raw)
    }

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

    /// The name this target's uapi headers give the value (`"EINVAL"`), or `None` for a
    /// value they do not name. Where two names share a value, the one the header defines
    /// with the number: `"EAGAIN"` for `EWOULDBLOCK`, `"EDEADLK"` for `EDEADLOCK` (but
    /// `"EDEADLOCK"` on MIPS and powerpc, where it has a value of its own).
    pub fn name(self) -> Option<&'static str> {
        let names = &arch::errno::NAMES;
        names.binary_search_by_key(&self.0, |&(value, _)| value).ok().map(|i| names[i].1)
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

    #[test]
    fn every_name_round_trips() {
        let names = &arch::errno::NAMES;
        assert!(names.len() > 120, "every name of the headers, not a few");
        for &(value, name) in names.iter() {
            let e = Errno::from_raw(value.into()).unwrap();
            assert_eq!(e.name(), Some(name));
            extern crate std;
            use std::string::ToString;
            assert_eq!(e.to_string(), name);
            assert_eq!(std::format!("{e:?}"), std::format!("Errno({name})"));
        }
        assert!(names.windows(2).all(|w| w[0].0 < w[1].0), "one name per value, sorted");
    }

    #[test]
    fn aliases_name_the_numbered_name() {
        assert_eq!(Errno::EWOULDBLOCK, Errno::EAGAIN);
        assert_eq!(Errno::EWOULDBLOCK.name(), Some("EAGAIN"));
        assert_eq!(Errno::EFSBADCRC, Errno::EBADMSG);
        assert_eq!(Errno::EFSCORRUPTED.name(), Some("EUCLEAN"));
        extern crate std;
        use std::string::ToString;
        assert_eq!(Errno::EAGAIN.to_string(), "EAGAIN");
        assert_eq!(Errno::from_raw(0xfff).unwrap().name(), None);
    }
}
