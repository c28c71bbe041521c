//! File descriptors with ownership: [`OwnedFd`] closes its descriptor on drop,
//! [`BorrowedFd`] lends one for a lifetime, so that safe code can neither close a
//! descriptor another part of the program still uses nor act on whatever file later
//! reuses its number ("I/O safety", as in `std::os::fd`; core has no such types).
//!
//! The wrappers that take a descriptor take `impl AsFd`; those that make one return an
//! [`OwnedFd`]. A raw number becomes a descriptor only through the unsafe
//! [`FromRawFd::from_raw_fd`] (owning) or [`BorrowedFd::borrow_raw`] (borrowing), and
//! stays reachable through the raw `syscallN` calls.

use core::fmt;
use core::marker::PhantomData;

/// A raw file descriptor number, as the kernel takes and returns it.
pub type RawFd = i32;

/// The `dirfd` of the `*at` calls meaning "relative to the current directory".
pub const AT_FDCWD: RawFd = -100;

/// The current directory as a `dirfd` for [`openat`](crate::openat): `AT_FDCWD`, which
/// the kernel reads as "relative to the current directory", not as a descriptor.
pub const CWD: BorrowedFd<'static> = BorrowedFd { fd: AT_FDCWD, _life: PhantomData };

/// Standard input (0), borrowed for the life of the process.
///
/// # Safety
///
/// Descriptor 0 must stay open for as long as the result is used: in a freestanding
/// program nothing reopens it, and if it is closed (or was closed at exec) the number
/// can be reused by a file another part of the program owns.
pub const unsafe fn stdin() -> BorrowedFd<'static> {
    BorrowedFd { fd: 0, _life: PhantomData }
}

/// Standard output (1), borrowed for the life of the process.
///
/// # Safety
///
/// As for [`stdin`], for descriptor 1.
pub const unsafe fn stdout() -> BorrowedFd<'static> {
    BorrowedFd { fd: 1, _life: PhantomData }
}

/// Standard error (2), borrowed for the life of the process.
///
/// # Safety
///
/// As for [`stdin`], for descriptor 2.
pub const unsafe fn stderr() -> BorrowedFd<'static> {
    BorrowedFd { fd: 2, _life: PhantomData }
}

/// An open file descriptor that this value owns: it is closed when the value is
/// dropped (errors from that `close` are ignored; [`close`](crate::close) reports them).
/// Never -1.
#[repr(transparent)]
pub struct OwnedFd {
    fd: RawFd,
}

/// A file descriptor borrowed for `'fd`: the owner keeps it open at least that long.
/// Never -1 (it may be [`CWD`], which is `AT_FDCWD`).
#[derive(Clone, Copy)]
#[repr(transparent)]
pub struct BorrowedFd<'fd> {
    fd: RawFd,
    _life: PhantomData<&'fd OwnedFd>,
}

impl BorrowedFd<'_> {
    /// Borrows the raw descriptor `fd`.
    ///
    /// # Safety
    ///
    /// `fd` must be open, and stay open (not closed, not replaced with `dup2`) for the
    /// whole lifetime of the result; it must not be -1.
    #[inline]
    pub const unsafe fn borrow_raw(fd: RawFd) -> Self {
        debug_assert!(fd != -1);
        BorrowedFd { fd, _life: PhantomData }
    }
}

impl OwnedFd {
    /// A borrow of this descriptor.
    #[inline]
    pub fn as_fd(&self) -> BorrowedFd<'_> {
        BorrowedFd { fd: self.fd, _life: PhantomData }
    }
}

impl Drop for OwnedFd {
    fn drop(&mut self) {
        // SAFETY: this value owns `fd` and is going away: nothing uses the number after.
        let _ = unsafe { crate::syscall1(crate::nr::CLOSE, self.fd as usize) };
    }
}

impl fmt::Debug for OwnedFd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedFd").field("fd", &self.fd).finish()
    }
}

impl fmt::Debug for BorrowedFd<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BorrowedFd").field("fd", &self.fd).finish()
    }
}

/// Lends a descriptor: implemented by [`OwnedFd`], [`BorrowedFd`] and references to
/// anything that implements it.
pub trait AsFd {
    /// Borrows the descriptor for as long as `self` is borrowed.
    fn as_fd(&self) -> BorrowedFd<'_>;
}

/// The raw number of a descriptor, for the raw calls.
pub trait AsRawFd {
    /// The number; the descriptor stays owned by `self`.
    fn as_raw_fd(&self) -> RawFd;
}

/// Takes ownership of a raw descriptor.
pub trait FromRawFd {
    /// Wraps `fd`, which the result then owns (and closes on drop).
    ///
    /// # Safety
    ///
    /// `fd` must be an open descriptor, not -1, that nothing else owns or closes: the
    /// result closes it, and a second owner would then act on a reused number.
    unsafe fn from_raw_fd(fd: RawFd) -> Self;
}

/// Gives up ownership of a descriptor without closing it.
pub trait IntoRawFd {
    /// The number, which the caller now owns (and must close).
    fn into_raw_fd(self) -> RawFd;
}

impl AsFd for OwnedFd {
    #[inline]
    fn as_fd(&self) -> BorrowedFd<'_> {
        OwnedFd::as_fd(self)
    }
}

impl AsFd for BorrowedFd<'_> {
    #[inline]
    fn as_fd(&self) -> BorrowedFd<'_> {
        *self
    }
}

impl<T: AsFd + ?Sized> AsFd for &T {
    #[inline]
    fn as_fd(&self) -> BorrowedFd<'_> {
        T::as_fd(self)
    }
}

impl<T: AsFd + ?Sized> AsFd for &mut T {
    #[inline]
    fn as_fd(&self) -> BorrowedFd<'_> {
        T::as_fd(self)
    }
}

impl AsRawFd for OwnedFd {
    #[inline]
    fn as_raw_fd(&self) -> RawFd {
        self.fd
    }
}

impl AsRawFd for BorrowedFd<'_> {
    #[inline]
    fn as_raw_fd(&self) -> RawFd {
        self.fd
    }
}

impl FromRawFd for OwnedFd {
    #[inline]
    unsafe fn from_raw_fd(fd: RawFd) -> Self {
        debug_assert!(fd != -1);
        OwnedFd { fd }
    }
}

impl IntoRawFd for OwnedFd {
    #[inline]
    fn into_raw_fd(self) -> RawFd {
        let fd = self.fd;
        core::mem::forget(self);
        fd
    }
}

#[cfg(feature = "std")]
mod std_interop {
    use super::*;
    use std::os::fd as sfd;

    impl From<OwnedFd> for sfd::OwnedFd {
        fn from(fd: OwnedFd) -> Self {
            // SAFETY: `fd` was owned by the value consumed here; ownership moves.
            unsafe { sfd::FromRawFd::from_raw_fd(fd.into_raw_fd()) }
        }
    }

    impl From<sfd::OwnedFd> for OwnedFd {
        fn from(fd: sfd::OwnedFd) -> Self {
            OwnedFd { fd: sfd::IntoRawFd::into_raw_fd(fd) }
        }
    }

    impl<'fd> From<BorrowedFd<'fd>> for sfd::BorrowedFd<'fd> {
        fn from(fd: BorrowedFd<'fd>) -> Self {
            // SAFETY: `fd` is open for 'fd and is not -1 (its own invariant). The one
            // value that is not an open descriptor, `CWD` (AT_FDCWD), is what rustix's
            // `CWD` is too: std's calls on it answer EBADF, nothing is closed or reused.
            unsafe { sfd::BorrowedFd::borrow_raw(fd.fd) }
        }
    }

    impl<'fd> From<sfd::BorrowedFd<'fd>> for BorrowedFd<'fd> {
        fn from(fd: sfd::BorrowedFd<'fd>) -> Self {
            BorrowedFd { fd: sfd::AsRawFd::as_raw_fd(&fd), _life: PhantomData }
        }
    }

    impl AsFd for sfd::OwnedFd {
        fn as_fd(&self) -> BorrowedFd<'_> {
            sfd::AsFd::as_fd(self).into()
        }
    }

    impl AsFd for sfd::BorrowedFd<'_> {
        fn as_fd(&self) -> BorrowedFd<'_> {
            (*self).into()
        }
    }

    impl AsFd for std::fs::File {
        fn as_fd(&self) -> BorrowedFd<'_> {
            sfd::AsFd::as_fd(self).into()
        }
    }

    impl sfd::AsFd for OwnedFd {
        fn as_fd(&self) -> sfd::BorrowedFd<'_> {
            OwnedFd::as_fd(self).into()
        }
    }

    impl sfd::AsRawFd for OwnedFd {
        fn as_raw_fd(&self) -> sfd::RawFd {
            self.fd
        }
    }
}
