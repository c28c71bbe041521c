//! `Reservation`: an owned range of address space and the calls that move its pages
//! between the states described in the module documentation.

use super::probe::{self, default_fault_path, guard_supported};
use super::{page_size, Error};
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
/// touching pages that the calls make inaccessible or discard.
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
fn page() -> Result<usize, Error> {
    match page_size() {
        0 => Err(Error::Unsupported("AT_PAGESZ")),
        p => Ok(p),
    }
}

/// The most any mapping can span: no Linux address space is larger, and no Rust object.
const MAX_LEN: usize = isize::MAX as usize;

fn check_len(len: usize, page: usize) -> Result<(), Error> {
    if len == 0 {
        Err(Error::ZeroLength)
    } else if len & (page - 1) != 0 {
        Err(Error::Unaligned)
    } else if len > MAX_LEN {
        Err(Error::Overflow)
    } else {
        Ok(())
    }
}

/// A new reservation-style mapping (PROT_NONE, uncharged) at `hint` with `extra` flags.
fn map_new(hint: usize, len: usize, extra: MapFlags) -> Result<usize, Error> {
    // SAFETY: without MAP_FIXED the kernel never replaces an existing mapping
    // (FIXED_NOREPLACE fails with EEXIST or, before 4.17, picks another place).
    let p = unsafe { crate::mmap(hint as *mut c_void, len, Prot::NONE, ANON.union(extra), -1, 0) };
    p.map(|p| p as usize).map_err(Error::kernel("mmap"))
}

/// Unmaps a mapping made here that no reservation owns yet (nothing for `len` 0).
fn unmap(addr: usize, len: usize) -> Result<(), Error> {
    if len == 0 {
        return Ok(());
    }
    // SAFETY: callers pass only mappings they made and own, not yet reachable elsewhere.
    unsafe { crate::munmap(addr as *mut c_void, len) }.map_err(Error::kernel("munmap"))
}

impl Reservation {
    /// Reserves `len` bytes (a multiple of the page size) of address space where the
    /// kernel chooses: PROT_NONE, MAP_NORESERVE, so neither memory nor commit charge is
    /// used until [`commit`](Self::commit).
    pub fn reserve(len: usize) -> Result<Reservation, Error> {
        check_len(len, page()?)?;
        Ok(Reservation::new(map_new(0, len, MapFlags::default())?, len))
    }

    /// Reserves `len` bytes starting at a multiple of `align` (a power of two of at
    /// least a page): reserves `len + align - page`, then unmaps the head and tail.
    pub fn reserve_aligned(len: usize, align: usize) -> Result<Reservation, Error> {
        let page = page()?;
        check_len(len, page)?;
        if !align.is_power_of_two() || align < page {
            return Err(Error::BadAlign);
        }
        let total =
            len.checked_add(align - page).filter(|&t| t <= MAX_LEN).ok_or(Error::Overflow)?;
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
    /// (`MAP_FIXED_NOREPLACE`: `Error::Kernel` with `EEXIST`). A kernel before 4.17
    /// takes the flag as a hint and may choose another place: that mapping is undone and
    /// [`Error::Misplaced`] returned.
    pub fn reserve_at(addr: *mut u8, len: usize) -> Result<Reservation, Error> {
        let page = page()?;
        let addr = addr as usize;
        check_len(len, page)?;
        if addr & (page - 1) != 0 {
            return Err(Error::Unaligned);
        }
        addr.checked_add(len).ok_or(Error::Overflow)?;
        let got = map_new(addr, len, MapFlags::FIXED_NOREPLACE)?;
        if got != addr {
            let _ = unmap(got, len);
            return Err(Error::Misplaced { wanted: addr, got });
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

    /// The fault path [`fault`](Self::fault) and [`recommit`](Self::recommit) use.
    pub fn fault_path(&self) -> FaultPath {
        self.path
    }

    /// Chooses the fault path. [`FaultPath::Guard`] needs real kernel support
    /// ([`guard_supported`](super::guard_supported)), else `Error::Unsupported`.
    /// A range faulted with one path must be recommitted with the same path, or with
    /// [`commit`](Self::commit), which works whatever the path.
    pub fn set_fault_path(&mut self, path: FaultPath) -> Result<(), Error> {
        if path == FaultPath::Guard && !guard_supported() {
            return Err(Error::Unsupported("MADV_GUARD_INSTALL"));
        }
        self.path = path;
        Ok(())
    }

    /// Whether [`seal`](Self::seal) succeeded.
    pub fn is_sealed(&self) -> bool {
        self.sealed
    }

    /// Checks `range` (byte offsets) and returns it as `(address, length)`: not empty,
    /// no overflow, inside the reservation, page aligned at both ends.
    fn span(&self, range: impl RangeBounds<usize>) -> Result<(*mut c_void, usize), Error> {
        let page = page()?;
        let start = match range.start_bound() {
            Bound::Included(&s) => s,
            Bound::Excluded(&s) => s.checked_add(1).ok_or(Error::Overflow)?,
            Bound::Unbounded => 0,
        };
        let end = match range.end_bound() {
            Bound::Included(&e) => e.checked_add(1).ok_or(Error::Overflow)?,
            Bound::Excluded(&e) => e,
            Bound::Unbounded => self.len,
        };
        if end <= start {
            return Err(Error::ZeroLength);
        }
        if end > self.len {
            return Err(Error::OutOfRange);
        }
        if (start | end) & (page - 1) != 0 {
            return Err(Error::Unaligned);
        }
        Ok(((self.base + start) as *mut c_void, end - start))
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
        let (addr, len) = self.span(range)?;
        self.make_rw(addr, len)
    }

    /// [`commit`](Self::commit), then allocates the pages now with
    /// `MADV_POPULATE_WRITE` (so first touches do not fault), and says whether it could.
    /// An error from that `madvise` (`ENOMEM`: no memory for the pages now) comes after
    /// the commit: the range is committed, its pages come on first touch.
    pub fn commit_populate(&self, range: impl RangeBounds<usize>) -> Result<Populate, Error> {
        let (addr, len) = self.span(range)?;
        self.make_rw(addr, len)?;
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
            Err(e) => Err(Error::kernel("madvise")(e)),
        }
    }

    /// Gives the memory of a Ready range back without making it inaccessible (`Zero`,
    /// `Lazy`: Prepared), or returns it to Reserved (`Uncharge`). See [`Decommit`].
    pub fn decommit(&self, range: impl RangeBounds<usize>, mode: Decommit) -> Result<(), Error> {
        let (addr, len) = self.span(range)?;
        match mode {
            Decommit::Zero => self.advise(addr, len, Advice::DONTNEED),
            Decommit::Lazy => {
                if probe::FREE.get() != Some(false) {
                    // SAFETY: `addr..addr+len` lies in this reservation (span); its
                    // contents are given up, which is what the caller asked for.
                    match unsafe { crate::madvise(addr, len, Advice::FREE) } {
                        Err(Errno::EINVAL) => {}
                        r => return r.map_err(Error::kernel("madvise")),
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
    /// says what state the range is in: `Error::Kernel { call: "mmap", .. }` when
    /// `mprotect` failed (nothing changed: still accessible, contents intact), `call:
    /// "madvise"` when only the discard failed (inaccessible, contents not discarded;
    /// `decommit(Uncharge)` or `commit` + `decommit(Zero)` discards them). `Guard`:
    /// returns the error of `MADV_GUARD_INSTALL` (`EINVAL` on mlocked memory); the
    /// range may then be partly guarded, and `commit` restores it.
    pub fn fault(&self, range: impl RangeBounds<usize>) -> Result<(), Error> {
        let (addr, len) = self.span(range)?;
        self.fault_span(addr, len, self.path)
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
        let (addr, len) = self.span(range)?;
        match self.path {
            FaultPath::Remap => self.map_fixed(addr, len, RW),
            FaultPath::Protect => self.make_rw(addr, len),
            FaultPath::Guard => self.advise(addr, len, Advice::GUARD_REMOVE),
        }
    }

    /// Sets the range read-only (`Prot::READ`) or read+execute (`Prot::READ |
    /// Prot::EXEC`), keeping its contents; `READ | WRITE` is [`commit`](Self::commit).
    /// Anything else is refused with `Error::ProtNotAllowed`: `NONE` is what
    /// [`fault`](Self::fault) and [`guard`](Self::guard) are for, and writable+executable
    /// memory needs the unsafe [`protect_rwx`](Self::protect_rwx).
    pub fn protect(&self, range: impl RangeBounds<usize>, prot: Prot) -> Result<(), Error> {
        let (addr, len) = self.span(range)?;
        if prot == RW {
            self.make_rw(addr, len)
        } else if prot == Prot::READ || prot == Prot::READ | Prot::EXEC {
            self.mprotect(addr, len, prot)
        } else {
            Err(Error::ProtNotAllowed(prot))
        }
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
        let (addr, len) = self.span(range)?;
        self.mprotect(addr, len, RW | Prot::EXEC)
    }

    /// Makes the range trap on any access, discarding its contents: guard markers
    /// (`MADV_GUARD_INSTALL`) where the kernel really supports them, whatever this
    /// reservation's fault path, else the `Protect` path (`mprotect(PROT_NONE)` +
    /// `MADV_DONTNEED`). [`unguard`](Self::unguard) undoes it.
    pub fn guard(&self, range: impl RangeBounds<usize>) -> Result<(), Error> {
        let (addr, len) = self.span(range)?;
        let path = if guard_supported() { FaultPath::Guard } else { FaultPath::Protect };
        self.fault_span(addr, len, path)
    }

    /// Undoes [`guard`](Self::guard): Ready, reading zero, on every kernel (it is
    /// [`commit`](Self::commit), which removes markers and sets read-write).
    pub fn unguard(&self, range: impl RangeBounds<usize>) -> Result<(), Error> {
        self.commit(range)
    }

    /// Allows (`MADV_HUGEPAGE`) or forbids (`MADV_NOHUGEPAGE`) transparent huge pages
    /// for the range. Kernels without THP answer `EINVAL`.
    pub fn advise_huge(&self, range: impl RangeBounds<usize>, on: bool) -> Result<(), Error> {
        let (addr, len) = self.span(range)?;
        self.advise(addr, len, if on { Advice::HUGEPAGE } else { Advice::NOHUGEPAGE })
    }

    /// Collapses the range into transparent huge pages now (`MADV_COLLAPSE`, Linux
    /// 6.1+), keeping its contents. Older kernels, and ranges that cannot hold a huge
    /// page, answer `EINVAL`; `EAGAIN` means try again.
    pub fn collapse(&self, range: impl RangeBounds<usize>) -> Result<(), Error> {
        let (addr, len) = self.span(range)?;
        self.advise(addr, len, Advice::COLLAPSE)
    }

    /// Seals the whole reservation (`mseal`, Linux 6.10+ on 64-bit kernels): no later
    /// munmap, mprotect, mremap or destructive madvise of read-only memory succeeds, and
    /// the reservation is never unmapped, not even on drop. Where the kernel lacks
    /// mseal (`ENOSYS`): `Error::Unsupported("mseal")`.
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
            Err(Errno::ENOSYS) => Err(Error::Unsupported("mseal")),
            Err(e) => Err(Error::kernel("mseal")(e)),
        }
    }

    /// Splits the reservation at byte offset `at` (page aligned, strictly inside): `self`
    /// keeps `0..at` and the rest is returned, with the same fault path and seal. No
    /// system call: both parts stay in their present states.
    pub fn split_off(&mut self, at: usize) -> Result<Reservation, Error> {
        let page = page()?;
        if at == 0 || at >= self.len {
            return Err(Error::OutOfRange);
        }
        if at & (page - 1) != 0 {
            return Err(Error::Unaligned);
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

    /// Unmaps a strict prefix or suffix of the reservation and shrinks it. A middle part
    /// would leave a hole that later calls could not tell from someone else's mapping:
    /// [`split_off`](Self::split_off) first (`Error::Hole`).
    pub fn release(&mut self, range: impl RangeBounds<usize>) -> Result<(), Error> {
        let (addr, len) = self.span(range)?;
        let start = addr as usize - self.base;
        let prefix = start == 0;
        let suffix = start + len == self.len;
        if len == self.len || !(prefix || suffix) {
            return Err(Error::Hole);
        }
        // SAFETY: a part of this reservation that it gives up right after: nothing
        // reaches it through `self` any more.
        unsafe { crate::munmap(addr, len) }.map_err(Error::kernel("munmap"))?;
        if prefix {
            self.base += len;
        }
        self.len -= len;
        Ok(())
    }

    // The system calls, on ranges already checked by `span`.

    fn fault_span(&self, addr: *mut c_void, len: usize, path: FaultPath) -> Result<(), Error> {
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

    fn make_rw(&self, addr: *mut c_void, len: usize) -> Result<(), Error> {
        self.mprotect(addr, len, RW)?;
        if self.markers.load(Ordering::Relaxed) {
            self.advise(addr, len, Advice::GUARD_REMOVE)?;
        }
        Ok(())
    }

    fn mprotect(&self, addr: *mut c_void, len: usize, prot: Prot) -> Result<(), Error> {
        // SAFETY: `addr..addr+len` lies in this reservation (span), which owns it; its
        // memory is reached only through raw pointers whose users answer for access.
        unsafe { crate::mprotect(addr, len, prot) }.map_err(Error::kernel("mprotect"))
    }

    fn advise(&self, addr: *mut c_void, len: usize, advice: Advice) -> Result<(), Error> {
        // SAFETY: as for mprotect; discarding or guarding advice only changes memory of
        // this reservation, as its caller asked.
        unsafe { crate::madvise(addr, len, advice) }.map_err(Error::kernel("madvise"))
    }

    /// A fresh mapping with the reservation's flags over `addr..addr+len`.
    fn map_fixed(&self, addr: *mut c_void, len: usize, prot: Prot) -> Result<(), Error> {
        // SAFETY: MAP_FIXED replaces only `addr..addr+len`, which lies in this
        // reservation (span): no other mapping can be there, since a reservation gives
        // up address space only at its ends (release) or by handing it on (split_off).
        let r = unsafe { crate::mmap(addr, len, prot, ANON.union(MapFlags::FIXED), -1, 0) };
        r.map(drop).map_err(Error::kernel("mmap"))
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
