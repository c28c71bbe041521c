//! `futex`: wait until a 32-bit word changes, and wake its waiters. Private futexes
//! only (`FUTEX_PRIVATE_FLAG`): the word is shared by the threads of one process.
//!
//! The timeouts are 64-bit ([`Timespec`], the kernel's `__kernel_timespec`) on every
//! target: where the kernel has a separate 64-bit call (x86, arm and mips o32:
//! `futex_time64`, Linux 5.1+) it is used, and on `ENOSYS` the old call with a 32-bit
//! `timespec` (a deadline past 2038 is then clamped, which only makes the wait longer
//! than 68 years).
//!
//! All functions are safe: the kernel only reads the word, through a reference that
//! is valid for the whole call, and a wake only makes other threads return from their
//! waits (which recheck their condition; a spurious wake-up is part of the contract).
//!
//! ```
//! use baresys::futex::{self, Timespec};
//! use core::sync::atomic::AtomicU32;
//!
//! let word = AtomicU32::new(0);
//! // The word is not 1: returns at once with EAGAIN.
//! assert_eq!(futex::wait(&word, 1, None), Err(baresys::Errno::EAGAIN));
//! // The word is 0 and nobody wakes us: returns after 1 ms with ETIMEDOUT.
//! let t = Timespec { sec: 0, nsec: 1_000_000 };
//! assert_eq!(futex::wait(&word, 0, Some(&t)), Err(baresys::Errno::ETIMEDOUT));
//! assert_eq!(futex::wake(&word, 1), Ok(0)); // nobody waited
//! ```

use crate::{arch, nr, Errno};
use core::sync::atomic::AtomicU32;

/// The timeouts: the crate's one 64-bit `__kernel_timespec` ([`crate::time::Timespec`]),
/// relative for [`wait`], an absolute `CLOCK_MONOTONIC` time for [`wait_bitset`].
pub use crate::time::Timespec;

/// Whether the kernel accepts `t` as a timeout: nanoseconds in range, not negative.
const fn valid(t: &Timespec) -> bool {
    t.sec >= 0 && t.nsec >= 0 && t.nsec < 1_000_000_000
}

const FUTEX_WAIT: usize = 0;
const FUTEX_WAKE: usize = 1;
const FUTEX_WAIT_BITSET: usize = 9;
const FUTEX_WAKE_BITSET: usize = 10;
const FUTEX_PRIVATE_FLAG: usize = 128;

/// The old 32-bit `timespec` of the fallback call: two `long`s (the same layout as
/// [`Timespec`] on 64-bit targets, where the 64-bit call is the only one).
#[repr(C)]
struct OldTimespec {
    sec: isize,
    nsec: isize,
}

impl OldTimespec {
    fn clamped(t: &Timespec) -> OldTimespec {
        OldTimespec { sec: isize::try_from(t.sec).unwrap_or(isize::MAX), nsec: t.nsec as isize }
    }
}

/// One futex call on `word` with a timeout pointer: `futex_time64` where the target
/// has it, the plain call (64-bit timespec on 64-bit targets, 32-bit on the others)
/// where not or on `ENOSYS`.
fn futex_timed(
    word: &AtomicU32, op: usize, val: u32, timeout: Option<&Timespec>, val3: u32,
) -> Result<usize, Errno> {
    let addr = word.as_ptr() as usize;
    let t64 = timeout.map_or(0, |t| t as *const Timespec as usize);
    if let Some(futex_time64) = arch::FUTEX_TIME64 {
        // SAFETY: the kernel reads the word (valid: a live reference) and one
        // __kernel_timespec (or none); it writes nothing.
        match unsafe {
            crate::syscall6(futex_time64, addr, op, val as usize, t64, 0, val3 as usize)
        } {
            Err(Errno::ENOSYS) => {}
            r => return r,
        }
    }
    let old = timeout.map(OldTimespec::clamped);
    let t = if arch::FUTEX_TIME64.is_some() {
        old.as_ref().map_or(0, |t| t as *const OldTimespec as usize)
    } else {
        t64
    };
    // SAFETY: as above, with the timespec layout the plain call takes on this target.
    unsafe { crate::syscall6(nr::FUTEX, addr, op, val as usize, t, 0, val3 as usize) }
}

/// `FUTEX_WAIT`: sleeps while `word` holds `expected`, until woken, for at most
/// `timeout` (relative, `CLOCK_MONOTONIC`), or until a signal.
///
/// `Ok(())` after a wake (or a spurious one: recheck the word), `EAGAIN` if the word
/// did not hold `expected`, `ETIMEDOUT`, `EINTR`. A timeout with nanoseconds outside
/// `0..1e9` or negative seconds is `EINVAL`, without a system call.
pub fn wait(word: &AtomicU32, expected: u32, timeout: Option<&Timespec>) -> Result<(), Errno> {
    if timeout.is_some_and(|t| !valid(t)) {
        return Err(Errno::EINVAL);
    }
    futex_timed(word, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, expected, timeout, 0).map(drop)
}

/// `FUTEX_WAIT` without `FUTEX_PRIVATE_FLAG`, for the word the kernel clears at a
/// thread's exit (`CLONE_CHILD_CLEARTID`, `set_tid_address`): its wake-up there is a
/// shared-futex `FUTEX_WAKE`, whose key a private waiter's does not match (on an
/// anonymous page the shared key carries `FUT_OFF_MMSHARED`), so a private wait would
/// sleep through it.
#[cfg_attr(not(feature = "thread"), allow(dead_code))]
pub(crate) fn wait_exit(word: &AtomicU32, expected: u32) -> Result<(), Errno> {
    futex_timed(word, FUTEX_WAIT, expected, None, 0).map(drop)
}

/// `FUTEX_WAIT_BITSET`: as [`wait`], but `deadline` is an absolute `CLOCK_MONOTONIC`
/// time ([`monotonic_now`] plus the wait), and only a wake whose bitset shares a bit
/// with `bitset` ends it. A zero `bitset` or an invalid deadline is `EINVAL`, without
/// a system call.
pub fn wait_bitset(
    word: &AtomicU32, expected: u32, deadline: Option<&Timespec>, bitset: u32,
) -> Result<(), Errno> {
    if bitset == 0 || deadline.is_some_and(|t| !valid(t)) {
        return Err(Errno::EINVAL);
    }
    futex_timed(word, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, expected, deadline, bitset).map(drop)
}

/// `FUTEX_WAKE`: wakes at most `n` threads waiting on `word`; returns how many woke.
pub fn wake(word: &AtomicU32, n: u32) -> Result<usize, Errno> {
    let n = n.min(i32::MAX as u32) as usize;
    // SAFETY: the kernel only uses the word's address as a key; it reads nothing else.
    unsafe {
        crate::syscall3(nr::FUTEX, word.as_ptr() as usize, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, n)
    }
}

/// `FUTEX_WAKE_BITSET`: wakes at most `n` of the threads waiting on `word` whose
/// bitset shares a bit with `bitset` (a zero `bitset` is `EINVAL`, without a call).
pub fn wake_bitset(word: &AtomicU32, n: u32, bitset: u32) -> Result<usize, Errno> {
    if bitset == 0 {
        return Err(Errno::EINVAL);
    }
    let n = n.min(i32::MAX as u32) as usize;
    let op = FUTEX_WAKE_BITSET | FUTEX_PRIVATE_FLAG;
    // SAFETY: as for `wake`; the fourth and fifth arguments are unused by this op.
    unsafe { crate::syscall6(nr::FUTEX, word.as_ptr() as usize, op, n, 0, 0, bitset as usize) }
}

/// The clock of futex deadlines, `CLOCK_MONOTONIC` ([`crate::time::clock_gettime`]:
/// through the vDSO where the kernel has one).
pub fn monotonic_now() -> Timespec {
    crate::time::clock_gettime(crate::time::Clock::MONOTONIC).unwrap_or_default()
}
