//! The raw entry points: the arch's `syscallN` and its error convention, made one
//! `Result` (the arch files hand back every error as a value in -4095..=-1).

use crate::{arch, Errno};

macro_rules! raw_syscalls {
    ($($(#[$doc:meta])* $name:ident($($arg:ident),*);)*) => {$(
        $(#[$doc])*
        ///
        /// # Safety
        ///
        /// The number and arguments must be valid for that system call: pointers must
        /// point where the call expects memory of the right size, and the call must not
        /// change memory or resources (mappings, descriptors) the program still relies on.
        #[inline(always)]
        pub unsafe fn $name(nr: usize $(, $arg: usize)*) -> Result<usize, Errno> {
            // SAFETY: forwarded from the caller.
            Errno::result(unsafe { arch::$name(nr $(, $arg)*) })
        }
    )*};
}

raw_syscalls! {
    /// Issues system call `nr` with no arguments.
    syscall0();
    /// Issues system call `nr` with one argument.
    syscall1(a1);
    /// Issues system call `nr` with two arguments.
    syscall2(a1, a2);
    /// Issues system call `nr` with three arguments.
    syscall3(a1, a2, a3);
    /// Issues system call `nr` with four arguments.
    syscall4(a1, a2, a3, a4);
    /// Issues system call `nr` with five arguments.
    syscall5(a1, a2, a3, a4, a5);
    /// Issues system call `nr` with six arguments.
    syscall6(a1, a2, a3, a4, a5, a6);
}

/// An error as the arch files return it: its number in the -4095..=-1 window.
#[allow(dead_code)] // only the architectures with mmap2 produce errors themselves
#[inline(always)]
pub(crate) const fn error_ret(e: Errno) -> usize {
    (e.raw() as usize).wrapping_neg()
}

/// The offset argument of `mmap2` (x86, arm, mips o32): 4096-byte units whatever the
/// page size. An offset that is not a multiple of 4096 is EINVAL, as plain mmap answers
/// for an unaligned offset; one whose units do not fit the register is EOVERFLOW.
#[allow(dead_code)] // used by the arch files that have mmap2
#[inline(always)]
pub(crate) fn mmap2_units(offset: u64) -> Result<usize, usize> {
    if !offset.is_multiple_of(4096) {
        return Err(error_ret(Errno::EINVAL));
    }
    usize::try_from(offset / 4096).map_err(|_| error_ret(Errno::EOVERFLOW))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mmap2_units_are_4096_bytes() {
        assert_eq!(mmap2_units(0), Ok(0));
        assert_eq!(mmap2_units(8192), Ok(2));
        assert_eq!(mmap2_units(100), Err(error_ret(Errno::EINVAL)));
        assert_eq!(Errno::result(error_ret(Errno::EINVAL)), Err(Errno::EINVAL));
    }
}
