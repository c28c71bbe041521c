//! What the running kernel really does, found once and cached.
//!
//! Probes look for the effect, never only at the return value: QEMU user mode answers 0
//! to advice it does not emulate (`MADV_GUARD_INSTALL` among them) and does nothing.

use super::{page_size, FaultPath};
use crate::fd::AsRawFd;
use crate::{nr, Advice, Errno, MapFlags, OFlags, Prot};
use core::sync::atomic::{AtomicU8, Ordering};

/// A yes/no fact about the kernel: unknown until first found, then fixed. Two threads
/// that find it at once find the same answer, so a plain store is enough.
pub(super) struct Known(AtomicU8);

const UNKNOWN: u8 = 0;
const YES: u8 = 1;
const NO: u8 = 2;

impl Known {
    pub(super) const fn new() -> Self {
        Known(AtomicU8::new(UNKNOWN))
    }
    pub(super) fn get(&self) -> Option<bool> {
        match self.0.load(Ordering::Relaxed) {
            YES => Some(true),
            NO => Some(false),
            _ => None,
        }
    }
    pub(super) fn set(&self, yes: bool) {
        self.0.store(if yes { YES } else { NO }, Ordering::Relaxed);
    }
}

/// `MADV_POPULATE_WRITE` (Linux 5.14+).
pub(super) static POPULATE_WRITE: Known = Known::new();
/// `MADV_FREE` (Linux 4.5+).
pub(super) static FREE: Known = Known::new();
/// Guard regions (Linux 6.13+), by effect.
static GUARD: Known = Known::new();

/// Whether the kernel really installs guard regions (`MADV_GUARD_INSTALL`, Linux 6.13+).
///
/// Probed once, by effect: a guard is installed on a scratch page, and then the kernel
/// must refuse to read that page for `write(2)` into a pipe (`EFAULT`), and after
/// `MADV_GUARD_REMOVE` read it again as zero. Kernels before 6.13 answer `EINVAL`; QEMU
/// user mode answers 0 and does nothing; both count as unsupported, and so does a probe
/// that could not run (no scratch page or pipe to be had): the fallback is always safe.
pub fn guard_supported() -> bool {
    if let Some(yes) = GUARD.get() {
        return yes;
    }
    let yes = probe_guard().unwrap_or(false);
    GUARD.set(yes);
    yes
}

/// Test hook: `None` (the default) lets [`guard_supported`] decide whether `guard`,
/// `set_fault_path(Guard)` and [`default_fault_path`] use guard markers; `Some(false)`
/// makes them behave as on a kernel without markers (the `Protect` fallback), and
/// `Some(true)` makes them use markers whatever the kernel says. Forced on where the
/// kernel lacks markers, the marker calls fail with the kernel's typed error (`EINVAL`
/// before 6.13), or, under an emulator that answers 0 without doing anything, succeed
/// without trapping: test use only (both forced runs of the model test), never
/// unsound, since the memory stays mapped either way. Affects reservations made (and
/// operations issued) afterwards; a reservation keeps the fault path it was given.
#[doc(hidden)]
pub fn force_guard_markers(force: Option<bool>) {
    FORCE.store(
        match force {
            None => UNKNOWN,
            Some(true) => YES,
            Some(false) => NO,
        },
        Ordering::Relaxed,
    );
}

/// See [`force_guard_markers`].
static FORCE: AtomicU8 = AtomicU8::new(UNKNOWN);

/// Whether this crate uses guard markers: the kernel's answer unless a test forced one.
pub(super) fn markers_used() -> bool {
    match FORCE.load(Ordering::Relaxed) {
        YES => true,
        NO => false,
        _ => guard_supported(),
    }
}

/// The fault path a new reservation uses: [`FaultPath::Guard`] where the kernel really
/// supports guard regions (the cheapest for other threads: no write lock, no VMA
/// change), else [`FaultPath::Protect`].
pub fn default_fault_path() -> FaultPath {
    if markers_used() {
        FaultPath::Guard
    } else {
        FaultPath::Protect
    }
}

fn probe_guard() -> Option<bool> {
    let page = page_size();
    if page == 0 {
        return None;
    }
    let flags = MapFlags::PRIVATE | MapFlags::ANONYMOUS;
    // SAFETY: a new mapping where the kernel chooses aliases nothing.
    let p = unsafe {
        crate::mmap(core::ptr::null_mut(), page, Prot::READ | Prot::WRITE, flags, None, 0)
    }
    .ok()?;
    let byte = p.cast::<u8>();
    // SAFETY: `p` is a fresh read-write page owned here; a page behind it makes the zap
    // that guard installation does observable.
    unsafe { byte.write_volatile(1) };
    let verdict = probe_page(p);
    // SAFETY: the scratch page mapped above; nothing refers to it after this.
    let _ = unsafe { crate::munmap(p, page) };
    verdict
}

fn probe_page(p: *mut core::ffi::c_void) -> Option<bool> {
    let page = page_size();
    // SAFETY: the scratch page is ours; guard markers only make its access fault.
    if unsafe { crate::madvise(p, page, Advice::GUARD_INSTALL) }.is_err() {
        return Some(false);
    }
    let (_read_end, write_end) = crate::pipe2(OFlags::CLOEXEC).ok()?;
    let w = write_end.as_raw_fd();
    // The raw call: a `&[u8]` over a guarded page would claim it readable.
    // SAFETY: the kernel reads at most one byte at `p` and reports EFAULT if it cannot.
    let write1 = || unsafe { crate::syscall3(nr::WRITE, w as usize, p as usize, 1) };
    let guarded = write1() == Err(Errno::EFAULT);
    let works = guarded
        // SAFETY: removing the markers installed above, on our scratch page.
        && unsafe { crate::madvise(p, page, Advice::GUARD_REMOVE) }.is_ok()
        && write1() == Ok(1)
        // SAFETY: the kernel just read this byte, so it is mapped and readable; the
        // install zapped the page, so it reads back zero.
        && unsafe { p.cast::<u8>().read_volatile() } == 0;
    Some(works)
}
