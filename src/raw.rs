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

/// The seven `syscallN` functions of an arch file: each only binds the argument
/// registers, in order, for that file's `syscall!` macro, which holds the instruction,
/// the number and result registers and the clobbers (musl's `__syscallN` shape). x86 and
/// mips o32 write theirs out: their fifth and sixth arguments need more than a register.
#[allow(unused_macros)]
macro_rules! syscall_fns {
    ($r1:tt, $r2:tt, $r3:tt, $r4:tt, $r5:tt, $r6:tt) => {
        #[inline(always)]
        pub(crate) unsafe fn syscall0(n: usize) -> usize {
            syscall!(n)
        }
        #[inline(always)]
        pub(crate) unsafe fn syscall1(n: usize, a1: usize) -> usize {
            syscall!(n, $r1 = a1)
        }
        #[inline(always)]
        pub(crate) unsafe fn syscall2(n: usize, a1: usize, a2: usize) -> usize {
            syscall!(n, $r1 = a1, $r2 = a2)
        }
        #[inline(always)]
        pub(crate) unsafe fn syscall3(n: usize, a1: usize, a2: usize, a3: usize) -> usize {
            syscall!(n, $r1 = a1, $r2 = a2, $r3 = a3)
        }
        #[inline(always)]
        pub(crate) unsafe fn syscall4(
            n: usize, a1: usize, a2: usize, a3: usize, a4: usize,
        ) -> usize {
            syscall!(n, $r1 = a1, $r2 = a2, $r3 = a3, $r4 = a4)
        }
        #[inline(always)]
        pub(crate) unsafe fn syscall5(
            n: usize, a1: usize, a2: usize, a3: usize, a4: usize, a5: usize,
        ) -> usize {
            syscall!(n, $r1 = a1, $r2 = a2, $r3 = a3, $r4 = a4, $r5 = a5)
        }
        #[inline(always)]
        pub(crate) unsafe fn syscall6(
            n: usize, a1: usize, a2: usize, a3: usize, a4: usize, a5: usize, a6: usize,
        ) -> usize {
            syscall!(n, $r1 = a1, $r2 = a2, $r3 = a3, $r4 = a4, $r5 = a5, $r6 = a6)
        }
    };
}
#[allow(unused_imports)]
pub(crate) use syscall_fns;

/// An arch file's `mmap` where the plain call takes six registers and a byte offset.
#[allow(unused_macros)] // x86, arm and mips o32 use mmap2, s390x old_mmap
macro_rules! mmap_byte_offset {
    () => {
        /// Plain `mmap` with a byte offset.
        #[inline(always)]
        pub(crate) unsafe fn mmap(
            addr: usize, len: usize, prot: usize, flags: usize, fd: usize, offset: u64,
        ) -> usize {
            // SAFETY: forwarded from the caller.
            unsafe { syscall6(nr::MMAP, addr, len, prot, flags, fd, offset as usize) }
        }
    };
}
#[allow(unused_imports)]
pub(crate) use mmap_byte_offset;

/// An arch file's `mmap` where it is `mmap2`: the offset in 4096-byte units.
#[allow(unused_macros)] // only x86, arm and mips o32 have mmap2
macro_rules! mmap2_4096_units {
    () => {
        /// `mmap2`: the offset goes in 4096-byte units (checked by `raw::mmap2_units`).
        #[inline(always)]
        pub(crate) unsafe fn mmap(
            addr: usize, len: usize, prot: usize, flags: usize, fd: usize, offset: u64,
        ) -> usize {
            match crate::raw::mmap2_units(offset) {
                // SAFETY: forwarded from the caller.
                Ok(units) => unsafe { syscall6(nr::MMAP2, addr, len, prot, flags, fd, units) },
                Err(e) => e,
            }
        }
    };
}
#[allow(unused_imports)]
pub(crate) use mmap2_4096_units;

/// An arch file's `fork` where clone takes its flags first (all but s390x).
#[allow(unused_macros)] // s390x and loongarch64 write their own
macro_rules! fork_flags_first {
    () => {
        /// fork as `clone(SIGCHLD, 0, ...)`: flags first, then the stack.
        #[inline(always)]
        pub(crate) unsafe fn fork() -> usize {
            // SAFETY: forwarded from the caller.
            unsafe { syscall2(nr::CLONE, consts::SIGCHLD as usize, 0) }
        }
    };
}
#[allow(unused_imports)]
pub(crate) use fork_flags_first;

/// An arch file's time calls where `time_t` is 64-bit (every 64-bit target): the plain
/// calls, no fallback.
#[allow(unused_macros)] // x86, arm and mips o32 use time64_calls!
macro_rules! native_time_calls {
    () => {
        pub(crate) const CLOCK_GETTIME: usize = nr::CLOCK_GETTIME;
        pub(crate) const CLOCK_GETRES: usize = nr::CLOCK_GETRES;
        pub(crate) const CLOCK_NANOSLEEP: usize = nr::CLOCK_NANOSLEEP;
        pub(crate) const NANOSLEEP: Option<usize> = Some(nr::NANOSLEEP);
        pub(crate) const GETTIMEOFDAY: Option<usize> = Some(nr::GETTIMEOFDAY);
        pub(crate) const TIME32: Option<crate::time::Time32Calls> = None;
    };
}
#[allow(unused_imports)]
pub(crate) use native_time_calls;

/// An arch file's time calls where `time_t` is 32-bit (x86, arm, mips o32): the
/// `*_time64` calls (Linux 5.1+), and the old ones to fall back to on `ENOSYS`.
/// `nanosleep` and `gettimeofday` have no 64-bit form: `time` builds them from
/// `clock_nanosleep` and `clock_gettime`.
#[allow(unused_macros)]
macro_rules! time64_calls {
    () => {
        pub(crate) const CLOCK_GETTIME: usize = nr::CLOCK_GETTIME64;
        pub(crate) const CLOCK_GETRES: usize = nr::CLOCK_GETRES_TIME64;
        pub(crate) const CLOCK_NANOSLEEP: usize = nr::CLOCK_NANOSLEEP_TIME64;
        pub(crate) const NANOSLEEP: Option<usize> = None;
        pub(crate) const GETTIMEOFDAY: Option<usize> = None;
        pub(crate) const TIME32: Option<crate::time::Time32Calls> =
            Some(crate::time::Time32Calls {
                clock_gettime: nr::CLOCK_GETTIME,
                clock_getres: nr::CLOCK_GETRES,
                clock_nanosleep: nr::CLOCK_NANOSLEEP,
            });
    };
}
#[allow(unused_imports)]
pub(crate) use time64_calls;

/// An arch file's `vdso_call` where the vDSO's functions follow the C calling convention
/// (all but powerpc64): an ordinary indirect call, so the compiler saves what the C ABI
/// lets the callee change.
#[allow(unused_macros)] // powerpc64 has its own
macro_rules! vdso_c_call {
    () => {
        /// Calls vDSO function `f` with three pointer-sized arguments (a function that
        /// takes two ignores the third, as the C ABIs allow); its `int` result, 0 or a
        /// negative errno, comes back in the -4095..=-1 form.
        ///
        /// # Safety
        ///
        /// `f` is a function of this process's vDSO, and the arguments are valid for it.
        #[inline(always)]
        pub(crate) unsafe fn vdso_call(f: usize, a1: usize, a2: usize, a3: usize) -> usize {
            type VdsoFn = unsafe extern "C" fn(usize, usize, usize) -> core::ffi::c_int;
            // SAFETY: `f` is the address of a vDSO function (the caller's promise).
            let f = unsafe { core::mem::transmute::<usize, VdsoFn>(f) };
            // SAFETY: forwarded from the caller.
            unsafe { f(a1, a2, a3) as isize as usize }
        }
    };
}
#[allow(unused_imports)]
pub(crate) use vdso_c_call;

/// An arch file's `ftruncate` where the length fits one register (64-bit targets).
#[allow(unused_macros)] // x86, arm and mips o32 write theirs
macro_rules! ftruncate_one_register {
    () => {
        /// `ftruncate` with the 64-bit length in one register.
        #[inline(always)]
        pub(crate) unsafe fn ftruncate(fd: usize, len: u64) -> usize {
            // SAFETY: forwarded from the caller.
            unsafe { syscall2(nr::FTRUNCATE, fd, len as usize) }
        }
    };
}
#[allow(unused_imports)]
pub(crate) use ftruncate_one_register;

// --- thread ---

/// An arch file's `CloneTls` and `enter_thread` where `clone`'s `CLONE_SETTLS` argument
/// is the thread-pointer value itself and the kernel loads the register for the child
/// (every architecture but i386, whose argument is a GDT descriptor).
#[allow(unused_macros)] // x86 writes its own
macro_rules! clone_tls_is_block {
    () => {
        /// What `CLONE_SETTLS` needs besides the block: nothing.
        #[cfg(feature = "thread")]
        pub(crate) struct CloneTls;

        #[cfg(feature = "thread")]
        impl CloneTls {
            pub(crate) const EMPTY: CloneTls = CloneTls;
            /// Nothing to prepare.
            #[inline(always)]
            pub(crate) fn init(&mut self, _block: usize) -> Result<(), crate::Errno> {
                Ok(())
            }
            /// The `tls` argument of `clone`: the thread pointer itself.
            #[inline(always)]
            pub(crate) fn arg(&self, block: usize) -> usize {
                block
            }
        }

        /// Nothing to do in the new thread: the kernel set its thread pointer.
        #[cfg(feature = "thread")]
        #[inline(always)]
        pub(crate) unsafe fn enter_thread(_tls: &CloneTls) {}
    };
}
#[allow(unused_imports)]
pub(crate) use clone_tls_is_block;

/// An arch file's futex call for 64-bit timeouts: `time64` where the kernel has a
/// separate `futex_time64` (32-bit x86, arm, mips o32), `native` where the plain call
/// takes a 64-bit `timespec` already.
macro_rules! futex_calls {
    (native) => {
        /// None: the plain `futex` takes a 64-bit timespec.
        pub(crate) const FUTEX_TIME64: Option<usize> = None;
    };
    (time64) => {
        /// `futex_time64` (Linux 5.1+); the plain call takes a 32-bit timespec.
        pub(crate) const FUTEX_TIME64: Option<usize> = Some(nr::FUTEX_TIME64);
    };
}
pub(crate) use futex_calls;

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
