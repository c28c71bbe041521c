//! `Reservation`: an owned range of address space and the calls that move its pages
//! between the states described in the module documentation.

use super::probe::{self, default_fault_path, markers_used};
use super::{page_size, Error, ErrorKind};
use crate::{Advice, Errno, MapFlags, Prot};
use core::ffi::c_void;
use core::fmt;
use core::ops::{Bound, RangeBounds};
use core::sync::atomic::{AtomicBool, Ordering};

/// How [`Reservation::fault`] makes committed memory inaccessible, and how
/// [`Reservation::recommit`] undoes it. Each discards the contents.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum FaultPath {
    /// `mmap(MAP_FIXED, PROT_NONE)` over the range; recommit `mmap(MAP_FIXED, RW)`. The
    /// old Go path: holds the mmap write lock longest (it frees the pages under it), but
    /// it is the only one that returns the commit charge (`vm.overcommit_memory=2`).
    Remap,
    /// `mprotect(PROT_NONE)` then `madvise(MADV_DONTNEED)`; recommit `mprotect(RW)`. The
    /// Go change: the write-locked part only rewrites page-table entries, the freeing
    /// happens under the read lock. Keeps the commit charge.
    Protect,
    /// `madvise(MADV_GUARD_INSTALL)`; recommit `madvise(MADV_GUARD_REMOVE)` (Linux
    /// 6.13+). Read lock only, no VMA change: the range stays read-write in
    /// `/proc/self/maps` while guard markers make every access fault. Keeps the charge.
    Guard,
}

impl FaultPath {
    /// The name used in logs and in the lifecycle example (`"protect"`).
    pub const fn name(self) -> &'static str {
        match self {
            FaultPath::Remap => "remap",
            FaultPath::Protect => "protect",
            FaultPath::Guard => "guard",
        }
    }
}

impl fmt::Display for FaultPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How [`Reservation::decommit`] gives memory back.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Decommit {
    /// `MADV_DONTNEED`: the pages are freed now and read back as zero. Stays read-write
    /// (Prepared); keeps the commit charge.
    Zero,
    /// `MADV_FREE` (Linux 4.5+; `MADV_DONTNEED` where it answers `EINVAL`): the kernel
    /// frees the pages when it needs memory; until a page is written again it reads
    /// back either as before or as zero. Stays read-write; keeps the charge.
    Lazy,
    /// `mmap(MAP_FIXED, PROT_NONE, MAP_NORESERVE)`: back to Reserved, with the commit
    /// charge returned; access faults until the next commit, which reads zero.
    Uncharge,
}

/// What [`Reservation::commit_populate`] managed.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Populate {
    /// The pages were allocated now (`MADV_POPULATE_WRITE`).
    Prefaulted,
    /// The kernel lacks `MADV_POPULATE_WRITE` (Linux < 5.14): committed, and the pages
    /// come on first touch as usual.
    OnFirstTouch,
}

const RW: Prot = Prot::READ.union(Prot::WRITE);

/// Makes an `ErrorKind` from the system calls of `op` on `addr..addr+len` an `Error`.
fn fail(op: &'static str, addr: *mut c_void, len: usize) -> impl Fn(ErrorKind) -> Error + Copy {
    move |kind| Error::new(op, addr as usize, len, kind)
}
/// Every mapping a reservation makes: private, anonymous, uncharged while PROT_NONE.
/// The same flags everywhere, so that neighbouring parts can merge back into one VMA.
const ANON: MapFlags = MapFlags::PRIVATE.union(MapFlags::ANONYMOUS).union(MapFlags::NORESERVE);

/// An owned range of address space, page aligned, released (`munmap`) on drop unless
/// sealed.
///
/// Operations take a range of byte offsets inside the reservation (`0..len`, `a..b`,
/// `..`), each checked before any system call. They take `&self`, so threads can work
/// on disjoint parts of one reservation at once; the memory is reached only through
/// [`as_ptr`](Self::as_ptr), so whoever reads or writes it (unsafely) answers for not
/// touching pages that the calls make inaccessible or discard (the module's
/// [safety model](super#safety-model) says why the calls are safe).
///
/// Errors say which operation failed on which range ([`Error`]), and why
/// ([`ErrorKind`]).
///
/// See the [module documentation](super) for the states and what each guarantees.
pub struct Reservation {
    base: usize,
    len: usize,
    path: FaultPath,
    sealed: bool,
    /// Set before guard markers are first installed anywhere in the range: from then on
    /// `commit` also removes markers, so it reaches Ready from any state.
    markers: AtomicBool,
}

// Threads share a reservation: its fields are plain values and one atomic, and the
// kernel serializes the system calls on the range.
static_assertions::assert_impl_all!(Reservation: Send, Sync);
static_assertions::assert_not_impl_any!(Reservation: Clone);

/// The page size, or an error where none could be found.
fn page() -> Result<usize, ErrorKind> {
    match page_size() {
        0 => Err(ErrorKind::Unsupported("AT_PAGESZ")),
        p => Ok(p),
    }
}

/// The most any mapping can span: no Linux address space is larger, and no Rust object.
const MAX_LEN: usize = isize::MAX as usize;

fn check_len(len: usize, page: usize) -> Result<(), ErrorKind> {
    if len == 0 {
        Err(ErrorKind::ZeroLength)
    } else if len & (page - 1) != 0 {
        Err(ErrorKind::Unaligned)
    } else if len > MAX_LEN {
        Err(ErrorKind::Overflow)
    } else {
        Ok(())
    }
}

/// A new reservation-style mapping (PROT_NONE, uncharged) at `hint` with `extra` flags.
fn map_new(hint: usize, len: usize, extra: MapFlags) -> Result<usize, ErrorKind> {
    // SAFETY: without MAP_FIXED the kernel never replaces an existing mapping
    // (FIXED_NOREPLACE fails with EEXIST or, before 4.17, picks another place).
    let p =
        unsafe { crate::mmap(hint as *mut c_void, len, Prot::NONE, ANON.union(extra), None, 0) };
    p.map(|p| p as usize).map_err(ErrorKind::kernel("mmap"))
}

/// Unmaps a mapping made here that no reservation owns yet (nothing for `len` 0).
fn unmap(addr: usize, len: usize) -> Result<(), ErrorKind> {
    if len == 0 {
        return Ok(());
    }
    // SAFETY: callers pass only mappings they made and own, not yet reachable elsewhere.
    unsafe { crate::munmap(addr as *mut c_void, len) }.map_err(ErrorKind::kernel("munmap"))
}

impl Reservation {
    /// Reserves `len` bytes (a multiple of the page size) of address space where the
    /// kernel chooses: PROT_NONE, MAP_NORESERVE, so neither memory nor commit charge is
    /// used until [`commit`](Self::commit).
    pub fn reserve(len: usize) -> Result<Reservation, Error> {
        Self::reserve_kind(len).map_err(|kind| Error::new("reserve", 0, len, kind))
    }

    fn reserve_kind(len: usize) -> Result<Reservation, ErrorKind> {
        check_len(len, page()?)?;
        Ok(Reservation::new(map_new(0, len, MapFlags::default())?, len))
    }

    /// Reserves `len` bytes starting at a multiple of `align` (a power of two of at
    /// least a page): reserves `len + align - page`, then unmaps the head and tail.
    pub fn reserve_aligned(len: usize, align: usize) -> Result<Reservation, Error> {
        Self::reserve_aligned_kind(len, align)
            .map_err(|kind| Error::new("reserve_aligned", 0, len, kind))
    }

    fn reserve_aligned_kind(len: usize, align: usize) -> Result<Reservation, ErrorKind> {
        let page = page()?;
        check_len(len, page)?;
        if !align.is_power_of_two() || align < page {
            return Err(ErrorKind::BadAlign);
        }
        let total =
            len.checked_add(align - page).filter(|&t| t <= MAX_LEN).ok_or(ErrorKind::Overflow)?;
        let raw = map_new(0, total, MapFlags::default())?;
        // `raw` is page aligned, so the gap is a multiple of the page of at most
        // `align - page`: `base + len` stays inside `raw + total`.
        let base = raw + (align - (raw & (align - 1))) % align;
        let (head, tail) = (base - raw, raw + total - (base + len));
        // On failure, unmap only what is still ours: a released head may be reused.
        if let Err(e) = unmap(raw, head) {
            let _ = unmap(raw, total);
            return Err(e);
        }
        if let Err(e) = unmap(base + len, tail) {
            let _ = unmap(base, total - head);
            return Err(e);
        }
        Ok(Reservation::new(base, len))
    }

    /// Reserves exactly `addr..addr + len`, failing if anything is mapped there
    /// (`MAP_FIXED_NOREPLACE`: [`ErrorKind::Kernel`] with `EEXIST`). A kernel before 4.17
    /// takes the flag as a hint and may choose another place: that mapping is undone and
    /// [`ErrorKind::Misplaced`] returned.
    ///
    /// # Safety
    ///
    /// `addr..addr + len` must be address space that nothing else in the process
    /// expects to use, now or later. `MAP_FIXED_NOREPLACE` refuses only ranges where
    /// something is mapped *now*: it ignores the stack guard gap and the area a stack
    /// grows into. A reservation placed below `[stack]` (or below any `MAP_GROWSDOWN`
    /// mapping) takes that growth area, and once committed, a deep call of the thread
    /// runs into it: its locals are then memory that `decommit` or `fault` discards.
    /// The same holds for ranges another component (an allocator, a JIT, a loader)
    /// has set aside without mapping them yet.
    pub unsafe fn reserve_at(addr: *mut u8, len: usize) -> Result<Reservation, Error> {
        let addr = addr as usize;
        Self::reserve_at_kind(addr, len).map_err(|kind| Error::new("reserve_at", addr, len, kind))
    }

    fn reserve_at_kind(addr: usize, len: usize) -> Result<Reservation, ErrorKind> {
        let page = page()?;
        check_len(len, page)?;
        if addr & (page - 1) != 0 {
            return Err(ErrorKind::Unaligned);
        }
        addr.checked_add(len).ok_or(ErrorKind::Overflow)?;
        let got = map_new(addr, len, MapFlags::FIXED_NOREPLACE)?;
        if got != addr {
            let _ = unmap(got, len);
            return Err(ErrorKind::Misplaced { wanted: addr, got });
        }
        Ok(Reservation::new(addr, len))
    }

    fn new(base: usize, len: usize) -> Reservation {
        Reservation {
            base,
            len,
            path: default_fault_path(),
            sealed: false,
            markers: AtomicBool::new(false),
        }
    }

    /// The first byte of the reservation.
    pub fn as_ptr(&self) -> *mut u8 {
        self.base as *mut u8
    }

    /// The size in bytes: a non-zero multiple of the page size.
    #[allow(clippy::len_without_is_empty)] // never empty
    pub fn len(&self) -> usize {
        self.len
    }

    /// The offset of `addr` from the start, if it lies inside the reservation (a signal
    /// handler's question about a fault address: see [`Registry`](super::Registry)).
    pub fn offset_of(&self, addr: usize) -> Option<usize> {
        let off = addr.wrapping_sub(self.base);
        (off < self.len).then_some(off)
    }

    /// The fault path [`fault`](Self::fault) and [`recommit`](Self::recommit) use.
    pub fn fault_path(&self) -> FaultPath {
        self.path
    }

    /// Chooses the fault path. [`FaultPath::Guard`] needs real kernel support
    /// ([`guard_supported`](super::guard_supported)), else `ErrorKind::Unsupported`.
    /// A range faulted with one path must be recommitted with the same path, or with
    /// [`commit`](Self::commit), which works whatever the path.
    pub fn set_fault_path(&mut self, path: FaultPath) -> Result<(), Error> {
        if path == FaultPath::Guard && !markers_used() {
            let kind = ErrorKind::Unsupported("MADV_GUARD_INSTALL");
            return Err(Error::new("set_fault_path", self.base, self.len, kind));
        }
        self.path = path;
        Ok(())
    }

    /// Whether [`seal`](Self::seal) succeeded.
    pub fn is_sealed(&self) -> bool {
        self.sealed
    }

    /// Checks `range` (byte offsets) for operation `op` and returns it as `(address,
    /// length)`: not empty, no overflow, inside the reservation, page aligned at both
    /// ends. The error names the range as asked.
    fn span(
        &self, op: &'static str, range: impl RangeBounds<usize>,
    ) -> Result<(*mut c_void, usize), Error> {
        let start = match range.start_bound() {
            Bound::Included(&s) => Some(s),
            Bound::Excluded(&s) => s.checked_add(1),
            Bound::Unbounded => Some(0),
        };
        let end = match range.end_bound() {
            Bound::Included(&e) => e.checked_add(1),
            Bound::Excluded(&e) => Some(e),
            Bound::Unbounded => Some(self.len),
        };
        let addr = self.base.wrapping_add(start.unwrap_or(usize::MAX));
        let asked = match (start, end) {
            (Some(s), Some(e)) => e.saturating_sub(s),
            _ => 0,
        };
        let fail = |kind| Error::new(op, addr, asked, kind);
        let page = page().map_err(fail)?;
        let (Some(start), Some(end)) = (start, end) else {
            return Err(fail(ErrorKind::Overflow));
        };
        if end <= start {
            return Err(fail(ErrorKind::ZeroLength));
        }
        if end > self.len {
            return Err(fail(ErrorKind::OutOfRange));
        }
        if (start | end) & (page - 1) != 0 {
            return Err(fail(ErrorKind::Unaligned));
        }
        Ok(((self.base + start) as *mut c_void, end - start))
    }

    /// [`span`](Self::span) for an operation that a seal forbids: also refused, with
    /// `ErrorKind::Sealed`, on a sealed reservation.
    fn span_unsealed(
        &self, op: &'static str, range: impl RangeBounds<usize>,
    ) -> Result<(*mut c_void, usize), Error> {
        let (addr, len) = self.span(op, range)?;
        if self.sealed {
            return Err(Error::new(op, addr as usize, len, ErrorKind::Sealed));
        }
        Ok((addr, len))
    }

    /// Ready (read-write) from any state: `mprotect(RW)`, plus `MADV_GUARD_REMOVE` once
    /// guard markers have been used in this reservation.
    ///
    /// Contents: kept where the range was Ready, read-only or Prepared (`Lazy`: old or
    /// zero); zero where it was Reserved, faulted or guarded.
    ///
    /// An error from `mprotect` changed nothing; an error from `madvise` (the guard
    /// removal) left the range read-write in `/proc/self/maps` but still trapping where
    /// markers were: `commit` again.
    pub fn commit(&self, range: impl RangeBounds<usize>) -> Result<(), Error> {
        let (addr, len) = self.span_unsealed("commit", range)?;
        self.make_rw(addr, len).map_err(fail("commit", addr, len))
    }

    /// [`commit`](Self::commit), then allocates the pages now with
    /// `MADV_POPULATE_WRITE` (so first touches do not fault), and says whether it could.
    /// An error from that `madvise` (`ENOMEM`: no memory for the pages now) comes after
    /// the commit: the range is committed, its pages come on first touch.
    pub fn commit_populate(&self, range: impl RangeBounds<usize>) -> Result<Populate, Error> {
        let (addr, len) = self.span_unsealed("commit_populate", range)?;
        let fail = fail("commit_populate", addr, len);
        self.make_rw(addr, len).map_err(fail)?;
        if probe::POPULATE_WRITE.get() == Some(false) {
            return Ok(Populate::OnFirstTouch);
        }
        // SAFETY: `addr..addr+len` lies in this reservation (span); populating
        // read-write memory changes no contents.
        match unsafe { crate::madvise(addr, len, Advice::POPULATE_WRITE) } {
            Ok(()) => {
                probe::POPULATE_WRITE.set(true);
                Ok(Populate::Prefaulted)
            }
            // The range is checked and read-write: EINVAL means unknown advice.
            Err(Errno::EINVAL) => {
                probe::POPULATE_WRITE.set(false);
                Ok(Populate::OnFirstTouch)
            }
            Err(e) => Err(fail(ErrorKind::kernel("madvise")(e))),
        }
    }

    /// Gives the memory of a Ready range back without making it inaccessible (`Zero`,
    /// `Lazy`: Prepared), or returns it to Reserved (`Uncharge`). See [`Decommit`].
    pub fn decommit(&self, range: impl RangeBounds<usize>, mode: Decommit) -> Result<(), Error> {
        let (addr, len) = self.span_unsealed("decommit", range)?;
        self.decommit_span(addr, len, mode).map_err(fail("decommit", addr, len))
    }

    fn decommit_span(
        &self, addr: *mut c_void, len: usize, mode: Decommit,
    ) -> Result<(), ErrorKind> {
        match mode {
            Decommit::Zero => self.advise(addr, len, Advice::DONTNEED),
            Decommit::Lazy => {
                if probe::FREE.get() != Some(false) {
                    // SAFETY: `addr..addr+len` lies in this reservation (span); its
                    // contents are given up, which is what the caller asked for.
                    match unsafe { crate::madvise(addr, len, Advice::FREE) } {
                        Err(Errno::EINVAL) => {}
                        r => return r.map_err(ErrorKind::kernel("madvise")),
                    }
                }
                self.advise(addr, len, Advice::DONTNEED)?;
                probe::FREE.set(false); // EINVAL to FREE, yet DONTNEED works: too old
                Ok(())
            }
            Decommit::Uncharge => self.map_fixed(addr, len, Prot::NONE),
        }
    }

    /// Makes a Ready range inaccessible and discards its contents, with this
    /// reservation's [`FaultPath`]. On success no access to the range works (it faults
    /// with SIGSEGV); [`recommit`](Self::recommit) or [`commit`](Self::commit) brings it
    /// back reading zero.
    ///
    /// `Protect`: if `mprotect` fails (`ENOMEM` past `vm.max_map_count`) or `madvise`
    /// does, falls back to `mmap(MAP_FIXED, PROT_NONE)`. If that fails too, the error
    /// says what state the range is in: `ErrorKind::Kernel { call: "mmap", .. }` when
    /// `mprotect` failed (nothing changed: still accessible, contents intact), `call:
    /// "madvise"` when only the discard failed (inaccessible, contents not discarded;
    /// `decommit(Uncharge)` or `commit` + `decommit(Zero)` discards them). `Guard`:
    /// returns the error of `MADV_GUARD_INSTALL` (`EINVAL` on mlocked memory); the
    /// range may then be partly guarded, and `commit` restores it.
    pub fn fault(&self, range: impl RangeBounds<usize>) -> Result<(), Error> {
        let (addr, len) = self.span_unsealed("fault", range)?;
        self.fault_span(addr, len, self.path).map_err(fail("fault", addr, len))
    }

    /// Undoes [`fault`](Self::fault) with its path's counterpart: `Remap`
    /// `mmap(MAP_FIXED, RW)`, `Protect` `mprotect(RW)`, `Guard` `MADV_GUARD_REMOVE`.
    /// Ready afterwards, reading zero, when the range was Ready before the fault.
    ///
    /// Meant for faulted ranges: `Remap` replaces the mapping, so it would zero a range
    /// that was not faulted, and `Guard` only removes markers, so a range that was
    /// Reserved stays inaccessible. [`commit`](Self::commit) is the call that works from
    /// any state, at the price of an `mprotect` on the `Guard` path.
    pub fn recommit(&self, range: impl RangeBounds<usize>) -> Result<(), Error> {
        let (addr, len) = self.span_unsealed("recommit", range)?;
        match self.path {
            FaultPath::Remap => self.map_fixed(addr, len, RW),
            FaultPath::Protect => self.make_rw(addr, len),
            FaultPath::Guard => self.advise(addr, len, Advice::GUARD_REMOVE),
        }
        .map_err(fail("recommit", addr, len))
    }

    /// Sets the range read-only (`Prot::READ`) or read+execute (`Prot::READ |
    /// Prot::EXEC`); `READ | WRITE` is [`commit`](Self::commit). Anything else is
    /// refused with `ErrorKind::ProtNotAllowed`: `NONE` is what [`fault`](Self::fault)
    /// and [`guard`](Self::guard) are for, and writable+executable memory needs the
    /// unsafe [`protect_rwx`](Self::protect_rwx).
    ///
    /// The range has exactly the asked protection afterwards, on every kernel: where it
    /// was faulted or guarded, guard markers are removed too (as `commit` does), so it
    /// reads zero, never traps. Contents are kept where the range was accessible.
    /// An error from `mprotect` changed nothing; one from the marker removal left the
    /// protection set but pages that had markers still trapping: `protect` again.
    pub fn protect(&self, range: impl RangeBounds<usize>, prot: Prot) -> Result<(), Error> {
        let (addr, len) = self.span("protect", range)?;
        let fail = fail("protect", addr, len);
        if prot != RW && prot != Prot::READ && prot != Prot::READ | Prot::EXEC {
            return Err(fail(ErrorKind::ProtNotAllowed(prot)));
        }
        if self.sealed {
            return Err(fail(ErrorKind::Sealed));
        }
        self.set_prot(addr, len, prot).map_err(fail)
    }

    /// Makes the range readable, writable and executable, keeping its contents.
    ///
    /// # Safety
    ///
    /// Memory that is both writable and executable turns any stray write into code the
    /// program may run. The caller must make sure that only the code it means to run is
    /// written there, and that it is complete (and, where the CPU needs it, the
    /// instruction cache made coherent) before anything jumps into it.
    pub unsafe fn protect_rwx(&self, range: impl RangeBounds<usize>) -> Result<(), Error> {
        let (addr, len) = self.span_unsealed("protect_rwx", range)?;
        self.set_prot(addr, len, RW | Prot::EXEC).map_err(fail("protect_rwx", addr, len))
    }

    /// Makes the range trap on any access, discarding its contents: guard markers
    /// (`MADV_GUARD_INSTALL`) where the kernel really supports them, whatever this
    /// reservation's fault path, else the `Protect` path (`mprotect(PROT_NONE)` +
    /// `MADV_DONTNEED`). [`unguard`](Self::unguard) undoes it.
    pub fn guard(&self, range: impl RangeBounds<usize>) -> Result<(), Error> {
        let (addr, len) = self.span_unsealed("guard", range)?;
        let path = if markers_used() { FaultPath::Guard } else { FaultPath::Protect };
        self.fault_span(addr, len, path).map_err(fail("guard", addr, len))
    }

    /// Undoes [`guard`](Self::guard): Ready, reading zero, on every kernel (as
    /// [`commit`](Self::commit), which removes markers and sets read-write).
    pub fn unguard(&self, range: impl RangeBounds<usize>) -> Result<(), Error> {
        let (addr, len) = self.span_unsealed("unguard", range)?;
        self.make_rw(addr, len).map_err(fail("unguard", addr, len))
    }

    /// Allows (`MADV_HUGEPAGE`) or forbids (`MADV_NOHUGEPAGE`) transparent huge pages
    /// for the range. Kernels without THP answer `EINVAL`.
    pub fn advise_huge(&self, range: impl RangeBounds<usize>, on: bool) -> Result<(), Error> {
        let (addr, len) = self.span("advise_huge", range)?;
        self.advise(addr, len, if on { Advice::HUGEPAGE } else { Advice::NOHUGEPAGE })
            .map_err(fail("advise_huge", addr, len))
    }

    /// Collapses the range into transparent huge pages now (`MADV_COLLAPSE`, Linux
    /// 6.1+), keeping its contents. Older kernels, and ranges that cannot hold a huge
    /// page, answer `EINVAL`; `EAGAIN` means try again.
    pub fn collapse(&self, range: impl RangeBounds<usize>) -> Result<(), Error> {
        let (addr, len) = self.span("collapse", range)?;
        self.advise(addr, len, Advice::COLLAPSE).map_err(fail("collapse", addr, len))
    }

    /// Seals the whole reservation (`mseal`, Linux 6.10+ on 64-bit kernels): every page
    /// keeps the state it is in now. The kernel refuses later munmap, mprotect, mremap,
    /// `mmap(MAP_FIXED)` and discarding madvise of non-writable memory; this type
    /// refuses, before any system call and with `ErrorKind::Sealed`, every call that
    /// would change a protection or discard, guard, replace or unmap pages, so that none
    /// fails half way (see [Sealing](super#sealing)). The reservation is never unmapped,
    /// not even on drop. Where the kernel lacks mseal (`ENOSYS`):
    /// `ErrorKind::Unsupported("mseal")`.
    pub fn seal(&mut self) -> Result<(), Error> {
        if self.sealed {
            return Ok(());
        }
        // SAFETY: the whole reservation, which this value owns; sealing is why it will
        // never be unmapped (Drop checks `sealed`).
        match unsafe { crate::mseal(self.base as *mut c_void, self.len, 0) } {
            Ok(()) => {
                self.sealed = true;
                Ok(())
            }
            Err(Errno::ENOSYS) => Err(self.whole("seal", ErrorKind::Unsupported("mseal"))),
            Err(e) => Err(self.whole("seal", ErrorKind::kernel("mseal")(e))),
        }
    }

    /// Splits the reservation at byte offset `at` (page aligned, strictly inside): `self`
    /// keeps `0..at` and the rest is returned, with the same fault path and seal. No
    /// system call: both parts stay in their present states.
    pub fn split_off(&mut self, at: usize) -> Result<Reservation, Error> {
        let fail = |kind| Error::new("split_off", self.base.wrapping_add(at), 0, kind);
        let page = page().map_err(fail)?;
        if at == 0 || at >= self.len {
            return Err(fail(ErrorKind::OutOfRange));
        }
        if at & (page - 1) != 0 {
            return Err(fail(ErrorKind::Unaligned));
        }
        let tail = Reservation {
            base: self.base + at,
            len: self.len - at,
            path: self.path,
            sealed: self.sealed,
            markers: AtomicBool::new(self.markers.load(Ordering::Relaxed)),
        };
        self.len = at;
        Ok(tail)
    }

    /// Grows the reservation in place by `additional` bytes (a multiple of the page
    /// size) at its end, for a linear memory (a WebAssembly heap, an arena) whose address
    /// must not change: the address space right after it is reserved with
    /// `MAP_FIXED_NOREPLACE` (PROT_NONE, uncharged; the kernel merges it with the last
    /// mapping where they agree). Nothing in the reservation moves or changes: committed
    /// pages keep their contents and protection. (`mremap` without `MREMAP_MAYMOVE`
    /// would only grow a reservation that is still one mapping, which committing splits.)
    ///
    /// Refused before any system call: `additional` 0 (`ZeroLength`), not page aligned
    /// (`Unaligned`), past the end of the address space (`Overflow`), a sealed
    /// reservation (`Sealed`). If anything is mapped there the kernel answers `EEXIST`
    /// ([`ErrorKind::Kernel`]) and nothing changes; a kernel before 4.17 may place the
    /// mapping elsewhere: undone, [`ErrorKind::Misplaced`].
    ///
    /// # Safety
    ///
    /// As for [`reserve_at`](Self::reserve_at), for the new range: `end..end +
    /// additional` must be address space nothing else in the process expects to use,
    /// now or later (a stack's growth area, space another component set aside).
    pub unsafe fn grow_in_place(&mut self, additional: usize) -> Result<(), Error> {
        let end = self.base + self.len;
        let fail = |kind| Error::new("grow_in_place", end, additional, kind);
        check_len(additional, page().map_err(fail)?).map_err(fail)?;
        let new_len = self.len.checked_add(additional).filter(|&l| l <= MAX_LEN);
        if new_len.is_none() || end.checked_add(additional).is_none() {
            return Err(fail(ErrorKind::Overflow));
        }
        if self.sealed {
            return Err(fail(ErrorKind::Sealed));
        }
        let got = map_new(end, additional, MapFlags::FIXED_NOREPLACE).map_err(fail)?;
        if got != end {
            let _ = unmap(got, additional);
            return Err(fail(ErrorKind::Misplaced { wanted: end, got }));
        }
        self.len += additional;
        Ok(())
    }

    /// Unmaps a strict prefix or suffix of the reservation and shrinks it. A middle part
    /// would leave a hole that later calls could not tell from someone else's mapping:
    /// [`split_off`](Self::split_off) first (`ErrorKind::Hole`). The whole reservation
    /// is released by dropping it (`ErrorKind::ReleaseAll`). Refused on a sealed
    /// reservation (`ErrorKind::Sealed`).
    pub fn release(&mut self, range: impl RangeBounds<usize>) -> Result<(), Error> {
        let (addr, len) = self.span("release", range)?;
        let fail = fail("release", addr, len);
        let start = addr as usize - self.base;
        let prefix = start == 0;
        let suffix = start + len == self.len;
        if len == self.len {
            return Err(fail(ErrorKind::ReleaseAll));
        }
        if !(prefix || suffix) {
            return Err(fail(ErrorKind::Hole));
        }
        if self.sealed {
            return Err(fail(ErrorKind::Sealed));
        }
        // SAFETY: a part of this reservation that it gives up right after: nothing
        // reaches it through `self` any more.
        unsafe { crate::munmap(addr, len) }.map_err(|e| fail(ErrorKind::kernel("munmap")(e)))?;
        if prefix {
            self.base += len;
        }
        self.len -= len;
        Ok(())
    }

    // The system calls, on ranges already checked by `span`.

    fn fault_span(&self, addr: *mut c_void, len: usize, path: FaultPath) -> Result<(), ErrorKind> {
        match path {
            FaultPath::Remap => self.map_fixed(addr, len, Prot::NONE),
            FaultPath::Protect => {
                // Only report success with the range inaccessible and discarded: a
                // failed mprotect (or madvise after it) goes to the Remap path. If that
                // fails too, the error tells the range's state: mmap's when mprotect
                // failed (nothing changed), madvise's when the range is already
                // inaccessible but not discarded.
                if self.mprotect(addr, len, Prot::NONE).is_err() {
                    return self.map_fixed(addr, len, Prot::NONE);
                }
                match self.advise(addr, len, Advice::DONTNEED) {
                    Ok(()) => Ok(()),
                    Err(e) => self.map_fixed(addr, len, Prot::NONE).map_err(|_| e),
                }
            }
            FaultPath::Guard => {
                // Before installing, so that a later commit removes even a partial install.
                self.markers.store(true, Ordering::Relaxed);
                self.advise(addr, len, Advice::GUARD_INSTALL)
            }
        }
    }

    fn make_rw(&self, addr: *mut c_void, len: usize) -> Result<(), ErrorKind> {
        self.set_prot(addr, len, RW)
    }

    /// `mprotect(prot)`, then the removal of guard markers once any were used here, so
    /// that the range has exactly `prot` whether or not it was guarded.
    fn set_prot(&self, addr: *mut c_void, len: usize, prot: Prot) -> Result<(), ErrorKind> {
        self.mprotect(addr, len, prot)?;
        if self.markers.load(Ordering::Relaxed) {
            self.advise(addr, len, Advice::GUARD_REMOVE)?;
        }
        Ok(())
    }

    /// An error about the whole reservation.
    fn whole(&self, op: &'static str, kind: ErrorKind) -> Error {
        Error::new(op, self.base, self.len, kind)
    }

    fn mprotect(&self, addr: *mut c_void, len: usize, prot: Prot) -> Result<(), ErrorKind> {
        // SAFETY: `addr..addr+len` lies in this reservation (span), which owns it; its
        // memory is reached only through raw pointers whose users answer for access.
        unsafe { crate::mprotect(addr, len, prot) }.map_err(ErrorKind::kernel("mprotect"))
    }

    fn advise(&self, addr: *mut c_void, len: usize, advice: Advice) -> Result<(), ErrorKind> {
        // SAFETY: as for mprotect; discarding or guarding advice only changes memory of
        // this reservation, as its caller asked.
        unsafe { crate::madvise(addr, len, advice) }.map_err(ErrorKind::kernel("madvise"))
    }

    /// A fresh mapping with the reservation's flags over `addr..addr+len`.
    fn map_fixed(&self, addr: *mut c_void, len: usize, prot: Prot) -> Result<(), ErrorKind> {
        // SAFETY: MAP_FIXED replaces only `addr..addr+len`, which lies in this
        // reservation (span): no other mapping can be there, since a reservation gives
        // up address space only at its ends (release) or by handing it on (split_off).
        let r = unsafe { crate::mmap(addr, len, prot, ANON.union(MapFlags::FIXED), None, 0) };
        r.map(drop).map_err(ErrorKind::kernel("mmap"))
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if !self.sealed {
            let _ = unmap(self.base, self.len);
        }
    }
}

impl fmt::Debug for Reservation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reservation")
            .field("base", &(self.base as *const u8))
            .field("len", &self.len)
            .field("path", &self.path)
            .field("sealed", &self.sealed)
            .finish()
    }
}
