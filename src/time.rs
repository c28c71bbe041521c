//! Clocks and sleeping: `clock_gettime`, `clock_getres`, `clock_nanosleep`, `nanosleep`,
//! `gettimeofday` and `getcpu`, with a [`Timespec`] that is 64-bit on every target.
//!
//! **vDSO.** Where the kernel's vDSO exports the function (each architecture's names and
//! version are in its `arch/` file), the call goes there and does not enter the kernel
//! for the clocks the vDSO can read. The vDSO is found once, from the auxiliary vector's
//! `AT_SYSINFO_EHDR` (recorded by `_start` with the `start` feature; otherwise read with
//! `prctl(PR_GET_AUXV)` or from `/proc/self/auxv`, as [`page_size`](crate::mem::page_size)
//! does: the `/proc` fallback trusts the procfs mounted there), and its symbols are kept
//! in atomics: any thread may do the lookup, and every thread then sees either "not
//! looked up", "absent" or the function's address. A missing
//! vDSO or symbol means the system call. [`set_vdso_enabled`]`(false)` forces the system
//! calls (for tests and comparisons); [`vdso_in_use`] says which path `clock_gettime` takes.
//!
//! **2038.** On x86, arm and mips o32 the calls are the `*_time64` ones, which take the
//! 64-bit `__kernel_timespec`. On a kernel older than 5.1, which answers those with
//! `ENOSYS`, the old calls with a 32-bit `tv_sec` are used instead: a time they cannot
//! represent (past January 2038) is `EOVERFLOW`, never a wrapped value.
//!
//! ```
//! use baresys::time::{clock_gettime, Clock};
//! let a = clock_gettime(Clock::MONOTONIC)?;
//! let b = clock_gettime(Clock::MONOTONIC)?;
//! assert!(b >= a);
//! # Ok::<(), baresys::Errno>(())
//! ```

use crate::{arch, vdso, Errno};
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// A point in time or a duration: the kernel's `__kernel_timespec`, 64-bit seconds and
/// nanoseconds on every target. A value the kernel gives back has `nsec` in
/// `0..1_000_000_000`; the kernel answers `EINVAL` for one outside it.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timespec {
    /// Seconds.
    pub sec: i64,
    /// Nanoseconds.
    pub nsec: i64,
}

impl Timespec {
    /// Zero.
    pub const ZERO: Timespec = Timespec { sec: 0, nsec: 0 };

    /// `sec` seconds and `nsec` nanoseconds.
    pub const fn new(sec: i64, nsec: i64) -> Timespec {
        Timespec { sec, nsec }
    }

    /// The whole value in nanoseconds (exact: an `i128` holds any pair of `i64`s).
    pub const fn as_nanos(&self) -> i128 {
        self.sec as i128 * 1_000_000_000 + self.nsec as i128
    }

    /// `ns` nanoseconds.
    pub const fn from_nanos(ns: u64) -> Timespec {
        Timespec { sec: (ns / 1_000_000_000) as i64, nsec: (ns % 1_000_000_000) as i64 }
    }

    /// `self + ns` nanoseconds, with `nsec` kept in `0..1_000_000_000` when it was
    /// (saturating at `i64::MAX` seconds): a deadline from a clock reading.
    pub const fn add_nanos(&self, ns: u64) -> Timespec {
        let d = Timespec::from_nanos(ns);
        let mut sec = self.sec.saturating_add(d.sec);
        let mut nsec = self.nsec + d.nsec;
        if nsec >= 1_000_000_000 {
            nsec -= 1_000_000_000;
            sec = sec.saturating_add(1);
        }
        Timespec { sec, nsec }
    }
}

impl From<core::time::Duration> for Timespec {
    /// Saturates at `i64::MAX` seconds.
    fn from(d: core::time::Duration) -> Timespec {
        Timespec {
            sec: i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            nsec: d.subsec_nanos() as i64,
        }
    }
}

/// Seconds and microseconds since the epoch, as `gettimeofday` gives them; 64-bit
/// fields on every target.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timeval {
    /// Seconds.
    pub sec: i64,
    /// Microseconds, `0..1_000_000`.
    pub usec: i64,
}

/// A clock id (`clockid_t`); the same numbers on every architecture
/// (`include/uapi/linux/time.h`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Clock(i32);

impl Clock {
    /// Wall-clock time, which can jump.
    pub const REALTIME: Clock = Clock(0);
    /// Time since an unspecified start that never goes back (stops in suspend).
    pub const MONOTONIC: Clock = Clock(1);
    /// CPU time of the process.
    pub const PROCESS_CPUTIME_ID: Clock = Clock(2);
    /// CPU time of the calling thread.
    pub const THREAD_CPUTIME_ID: Clock = Clock(3);
    /// `MONOTONIC` without NTP frequency adjustment.
    pub const MONOTONIC_RAW: Clock = Clock(4);
    /// `REALTIME` at tick resolution, cheaper.
    pub const REALTIME_COARSE: Clock = Clock(5);
    /// `MONOTONIC` at tick resolution, cheaper.
    pub const MONOTONIC_COARSE: Clock = Clock(6);
    /// `MONOTONIC` that also counts time in suspend.
    pub const BOOTTIME: Clock = Clock(7);
    /// International Atomic Time.
    pub const TAI: Clock = Clock(11);

    /// Any clock id, including the negative ones of dynamic (per-process, per-thread,
    /// PTP device) clocks; the kernel answers `EINVAL` for an id it does not know.
    pub const fn from_raw(id: i32) -> Clock {
        Clock(id)
    }

    /// The raw id.
    pub const fn raw(self) -> i32 {
        self.0
    }

    /// As a syscall argument: sign-extended, as the C ABIs pass an `int`.
    fn arg(self) -> usize {
        self.0 as isize as usize
    }
}

/// `TIMER_ABSTIME`: the request of [`clock_nanosleep`] is a time of the clock, not an
/// interval.
pub const TIMER_ABSTIME: u32 = 1;

/// The old 32-bit `timespec` of the calls that x86, arm and mips o32 fall back to
/// (`long` fields: 32-bit there). Only those targets use it.
#[repr(C)]
#[derive(Clone, Copy, Default)]
struct OldTimespec {
    sec: isize,
    nsec: isize,
}

impl OldTimespec {
    fn from_new(t: &Timespec) -> Result<OldTimespec, Errno> {
        Ok(OldTimespec {
            sec: isize::try_from(t.sec).map_err(|_| Errno::EOVERFLOW)?,
            nsec: isize::try_from(t.nsec).map_err(|_| Errno::EINVAL)?,
        })
    }
    /// A negative second count from an old call is a time past 2038 that wrapped (or a
    /// clock set before 1970, which the 32-bit calls cannot tell apart): `EOVERFLOW`.
    fn to_new(self) -> Result<Timespec, Errno> {
        if self.sec < 0 {
            return Err(Errno::EOVERFLOW);
        }
        Ok(Timespec { sec: self.sec as i64, nsec: self.nsec as i64 })
    }
}

/// The 32-bit-time calls of x86, arm and mips o32, used when the `*_time64` ones answer
/// `ENOSYS` (kernels before 5.1).
pub(crate) struct Time32Calls {
    pub(crate) clock_gettime: usize,
    pub(crate) clock_getres: usize,
    pub(crate) clock_nanosleep: usize,
}

// --- the vDSO symbols, looked up once -------------------------------------------------

/// A symbol slot: `UNKNOWN` (not looked up yet), `ABSENT`, or the function's address.
const UNKNOWN: usize = 0;
const ABSENT: usize = 1;
static CLOCK_GETTIME: AtomicUsize = AtomicUsize::new(UNKNOWN);
static CLOCK_GETRES: AtomicUsize = AtomicUsize::new(UNKNOWN);
static GETTIMEOFDAY: AtomicUsize = AtomicUsize::new(UNKNOWN);
static GETCPU: AtomicUsize = AtomicUsize::new(UNKNOWN);
/// `AT_SYSINFO_EHDR` as `_start` found it: `UNKNOWN` (not recorded: look in the
/// auxiliary vector), `ABSENT` (the kernel gave none), or the address.
static VDSO_BASE: AtomicUsize = AtomicUsize::new(UNKNOWN);
static VDSO_DISABLED: AtomicBool = AtomicBool::new(false);
/// Test hook: behave as a kernel without the `*_time64` calls (see [`__force_time32`]).
static FORCE_TIME32: AtomicBool = AtomicBool::new(false);

/// Records `AT_SYSINFO_EHDR` from the initial stack (`_start`), `None` if it had none.
#[cfg_attr(not(feature = "start"), allow(dead_code))]
pub(crate) fn record_vdso_base(base: Option<usize>) {
    VDSO_BASE.store(base.filter(|&b| b > ABSENT).unwrap_or(ABSENT), Ordering::Relaxed);
}

pub(crate) fn vdso_base() -> Option<usize> {
    match VDSO_BASE.load(Ordering::Relaxed) {
        UNKNOWN => crate::mem::auxv_value(vdso::AT_SYSINFO_EHDR),
        ABSENT => None,
        base => Some(base),
    }
}

/// Looks the symbols up and fills the slots. Threads racing here store the same values.
#[cold]
fn look_up() {
    use arch::time as a;
    let image = if VDSO_DISABLED.load(Ordering::Relaxed) {
        None
    } else {
        // SAFETY: the base is the kernel's AT_SYSINFO_EHDR (from the initial stack, the
        // prctl or /proc/self/auxv): the vDSO, mapped for the life of the process.
        vdso_base().and_then(|base| unsafe { vdso::image_at(base) }.map(|i| (base, i)))
    };
    let find = |name: Option<&str>| match (&image, name) {
        (Some((base, image)), Some(name)) => {
            image.find(name, a::VDSO_VERSION).map_or(ABSENT, |off| base + off)
        }
        _ => ABSENT,
    };
    CLOCK_GETTIME.store(find(a::VDSO_CLOCK_GETTIME), Ordering::Relaxed);
    CLOCK_GETRES.store(find(a::VDSO_CLOCK_GETRES), Ordering::Relaxed);
    GETTIMEOFDAY.store(find(a::VDSO_GETTIMEOFDAY), Ordering::Relaxed);
    GETCPU.store(find(a::VDSO_GETCPU), Ordering::Relaxed);
}

/// The vDSO function of `slot`, if there is one.
#[inline(always)]
fn vdso_fn(slot: &AtomicUsize) -> Option<usize> {
    let mut f = slot.load(Ordering::Relaxed);
    if f == UNKNOWN {
        look_up();
        f = slot.load(Ordering::Relaxed);
    }
    // A concurrent `set_vdso_enabled` may have reset the slot again: take the syscall.
    (f > ABSENT).then_some(f)
}

/// Whether [`clock_gettime`] goes through the vDSO (looking it up if not done yet).
pub fn vdso_in_use() -> bool {
    vdso_fn(&CLOCK_GETTIME).is_some()
}

/// Whether the vDSO may be used (see [`set_vdso_enabled`]).
pub fn vdso_enabled() -> bool {
    !VDSO_DISABLED.load(Ordering::Relaxed)
}

/// `false`: every function of this module makes the system call, as where there is no
/// vDSO; `true` (the default): the vDSO again where it has the function. For tests and
/// comparisons; affects all threads. Either path gives the same clocks.
pub fn set_vdso_enabled(enabled: bool) {
    VDSO_DISABLED.store(!enabled, Ordering::Relaxed);
    for slot in [&CLOCK_GETTIME, &CLOCK_GETRES, &GETTIMEOFDAY, &GETCPU] {
        slot.store(UNKNOWN, Ordering::Relaxed);
    }
}

/// Test hook, not API: `true` makes the `*_time64` calls behave as if the kernel
/// answered `ENOSYS`, so that the 32-bit fallback runs (on x86, arm and mips o32; other
/// targets have no such fallback and ignore it). Also turns the vDSO off, whose
/// functions are the 64-bit ones.
#[doc(hidden)]
pub fn __force_time32(on: bool) {
    FORCE_TIME32.store(on, Ordering::Relaxed);
    set_vdso_enabled(!on);
}

/// The 64-bit call `nr`, or `ENOSYS` if forced to the 32-bit fallback.
///
/// # Safety
///
/// As for `syscall3`/`syscall4`.
unsafe fn time64_call(
    nr: usize, a1: usize, a2: usize, a3: usize, a4: usize,
) -> Result<usize, Errno> {
    if arch::time::TIME32.is_some() && FORCE_TIME32.load(Ordering::Relaxed) {
        return Err(Errno::ENOSYS);
    }
    // SAFETY: forwarded from the caller.
    unsafe { crate::syscall4(nr, a1, a2, a3, a4) }
}

// --- the calls --------------------------------------------------------------------------

/// `clock_gettime`: the current time of `clock`. Through the vDSO where it has the
/// function (which itself makes the system call for clocks it cannot read, such as the
/// CPU-time ones).
#[inline]
pub fn clock_gettime(clock: Clock) -> Result<Timespec, Errno> {
    let mut ts = Timespec::ZERO;
    if let Some(f) = vdso_fn(&CLOCK_GETTIME) {
        // SAFETY: `f` is this vDSO's clock_gettime with the 64-bit timespec (the arch
        // file names it); it writes one Timespec to `ts`.
        let r =
            unsafe { arch::time::vdso_call(f, clock.arg(), &mut ts as *mut Timespec as usize, 0) };
        return Errno::result(r).map(|_| ts);
    }
    clock_gettime_syscall(clock)
}

/// `clock_gettime` as the system call, never through the vDSO.
pub fn clock_gettime_syscall(clock: Clock) -> Result<Timespec, Errno> {
    let mut ts = Timespec::ZERO;
    // SAFETY: the kernel writes one __kernel_timespec to `ts`.
    match unsafe {
        time64_call(arch::time::CLOCK_GETTIME, clock.arg(), &mut ts as *mut _ as usize, 0, 0)
    } {
        Ok(_) => Ok(ts),
        Err(Errno::ENOSYS) => match &arch::time::TIME32 {
            Some(old) => time32_get(old.clock_gettime, clock),
            None => Err(Errno::ENOSYS),
        },
        Err(e) => Err(e),
    }
}

/// `clock_getres`: the resolution of `clock`.
pub fn clock_getres(clock: Clock) -> Result<Timespec, Errno> {
    let mut ts = Timespec::ZERO;
    if let Some(f) = vdso_fn(&CLOCK_GETRES) {
        // SAFETY: `f` is this vDSO's clock_getres with the 64-bit timespec; it writes
        // one Timespec to `ts`.
        let r =
            unsafe { arch::time::vdso_call(f, clock.arg(), &mut ts as *mut Timespec as usize, 0) };
        return Errno::result(r).map(|_| ts);
    }
    // SAFETY: the kernel writes one __kernel_timespec to `ts`.
    match unsafe {
        time64_call(arch::time::CLOCK_GETRES, clock.arg(), &mut ts as *mut _ as usize, 0, 0)
    } {
        Ok(_) => Ok(ts),
        Err(Errno::ENOSYS) => match &arch::time::TIME32 {
            Some(old) => time32_get(old.clock_getres, clock),
            None => Err(Errno::ENOSYS),
        },
        Err(e) => Err(e),
    }
}

/// An old call that writes a 32-bit timespec.
fn time32_get(nr: usize, clock: Clock) -> Result<Timespec, Errno> {
    let mut old = OldTimespec::default();
    // SAFETY: the kernel writes one old timespec to `old`.
    unsafe { crate::syscall2(nr, clock.arg(), &mut old as *mut _ as usize) }?;
    old.to_new()
}

/// `clock_nanosleep`: sleeps on `clock` until `request` (with [`TIMER_ABSTIME`] in
/// `flags`) or for `request`. Interrupted by a signal handler, it answers `EINTR` and,
/// for a relative sleep, writes the time left to `remain` if given.
pub fn clock_nanosleep(
    clock: Clock, flags: u32, request: &Timespec, mut remain: Option<&mut Timespec>,
) -> Result<(), Errno> {
    let rem_ptr = remain.as_mut().map_or(0, |r| &mut **r as *mut Timespec as usize);
    // SAFETY: the kernel reads one timespec from `request` and writes at most one to
    // `remain`, which is a live `&mut` (or 0).
    let r = unsafe {
        time64_call(
            arch::time::CLOCK_NANOSLEEP,
            clock.arg(),
            flags as usize,
            request as *const Timespec as usize,
            rem_ptr,
        )
    };
    match (r, &arch::time::TIME32) {
        (Ok(_), _) => Ok(()),
        (Err(Errno::ENOSYS), Some(old)) => {
            let req = OldTimespec::from_new(request)?;
            let mut rem = OldTimespec::default();
            // SAFETY: the kernel reads `req` and writes at most `rem`.
            let r = unsafe {
                crate::syscall4(
                    old.clock_nanosleep,
                    clock.arg(),
                    flags as usize,
                    &req as *const _ as usize,
                    &mut rem as *mut _ as usize,
                )
            };
            if let (Err(Errno::EINTR), Some(remain)) = (r, remain) {
                *remain = rem.to_new()?;
            }
            r.map(drop)
        }
        (Err(e), _) => Err(e),
    }
}

/// `nanosleep`: sleeps for `request` on `CLOCK_MONOTONIC` (as the kernel's `nanosleep`
/// does); interrupted by a signal handler, it answers `EINTR` and writes the time left to
/// `remain` if given. On x86, arm and mips o32 this is `clock_nanosleep_time64`, as their
/// `nanosleep` has only the 32-bit timespec.
pub fn nanosleep(request: &Timespec, remain: Option<&mut Timespec>) -> Result<(), Errno> {
    match arch::time::NANOSLEEP {
        Some(nr) => {
            let rem_ptr = remain.map_or(0, |r| r as *mut Timespec as usize);
            // SAFETY: the kernel reads one timespec and writes at most one to `remain`.
            unsafe { crate::syscall2(nr, request as *const Timespec as usize, rem_ptr) }.map(drop)
        }
        None => clock_nanosleep(Clock::MONOTONIC, 0, request, remain),
    }
}

/// `gettimeofday`: the wall-clock time in microseconds (no time zone: the kernel's is
/// obsolete). Through the vDSO where it has a 64-bit one; on x86, arm and mips o32,
/// whose `gettimeofday` has a 32-bit `tv_sec`, it is [`clock_gettime`]`(REALTIME)`.
pub fn gettimeofday() -> Result<Timeval, Errno> {
    let Some(nr) = arch::time::GETTIMEOFDAY else {
        let ts = clock_gettime(Clock::REALTIME)?;
        return Ok(Timeval { sec: ts.sec, usec: ts.nsec / 1000 });
    };
    // `struct timeval` of two `long`s: 64-bit on the targets that get here.
    let mut tv = [0isize; 2];
    if let Some(f) = vdso_fn(&GETTIMEOFDAY) {
        // SAFETY: `f` is this vDSO's gettimeofday; it writes one timeval, and no time
        // zone for a null pointer.
        let r = unsafe { arch::time::vdso_call(f, tv.as_mut_ptr() as usize, 0, 0) };
        Errno::result(r)?;
    } else {
        // SAFETY: as above, the system call.
        unsafe { crate::syscall2(nr, tv.as_mut_ptr() as usize, 0) }?;
    }
    Ok(Timeval { sec: tv[0] as i64, usec: tv[1] as i64 })
}

/// The CPU and NUMA node the calling thread ran on, as [`getcpu`] reports them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CpuNode {
    /// The CPU number.
    pub cpu: u32,
    /// The NUMA node.
    pub node: u32,
}

/// `getcpu`: the CPU and node the thread was running on (it may have moved since).
/// Through the vDSO where it has the function.
pub fn getcpu() -> Result<CpuNode, Errno> {
    let (mut cpu, mut node) = (0u32, 0u32);
    let (c, n) = (&mut cpu as *mut u32 as usize, &mut node as *mut u32 as usize);
    let r = match vdso_fn(&GETCPU) {
        // SAFETY: `f` is this vDSO's getcpu; it writes one u32 to each pointer and
        // ignores the third (the obsolete cache, null).
        Some(f) => Errno::result(unsafe { arch::time::vdso_call(f, c, n, 0) }),
        // SAFETY: the kernel writes one u32 to each pointer.
        None => unsafe { crate::syscall3(crate::nr::GETCPU, c, n, 0) },
    };
    r.map(|_| CpuNode { cpu, node })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_timespec_checks() {
        assert_eq!(OldTimespec { sec: -1, nsec: 0 }.to_new(), Err(Errno::EOVERFLOW));
        assert_eq!(OldTimespec { sec: 5, nsec: 7 }.to_new(), Ok(Timespec::new(5, 7)));
        let far = Timespec::new(i64::MAX, 0);
        if core::mem::size_of::<isize>() == 4 {
            assert_eq!(OldTimespec::from_new(&far).err(), Some(Errno::EOVERFLOW));
        }
    }

    #[test]
    fn nanos() {
        assert_eq!(Timespec::new(2, 5).as_nanos(), 2_000_000_005);
        assert_eq!(
            Timespec::from(core::time::Duration::from_millis(1500)),
            Timespec::new(1, 500_000_000)
        );
    }
}
