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
