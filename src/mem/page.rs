//! The page size, from the kernel's `AT_PAGESZ`: arm64, ppc64 and loongarch64 kernels
//! run with 16 KiB or 64 KiB pages, so nothing here assumes 4096.

use crate::{nr, MapFlags, OFlags, Prot};
use core::sync::atomic::{AtomicUsize, Ordering};

/// The auxiliary-vector key of the page size.
pub const AT_PAGESZ: usize = 6;
const AT_NULL: usize = 0;
/// `prctl(PR_GET_AUXV)`, Linux 6.4+.
const PR_GET_AUXV: i32 = 0x4155_5856;

/// 0 until known; then a power of two.
static PAGE_SIZE: AtomicUsize = AtomicUsize::new(0);

/// The value for `key` in an auxiliary vector.
///
/// # Safety
///
/// `auxv` must point at (key, value) pairs ending with an `AT_NULL` key.
pub(crate) unsafe fn auxv_lookup(mut auxv: *const usize, key: usize) -> Option<usize> {
    loop {
        // SAFETY: the caller promises pairs up to AT_NULL.
        let (k, v) = unsafe { (*auxv, *auxv.add(1)) };
        if k == AT_NULL {
            return None;
        }
        if k == key {
            return Some(v);
        }
        // SAFETY: not at AT_NULL yet, so another pair follows.
        auxv = unsafe { auxv.add(2) };
    }
}

/// The smallest page size of any Linux architecture: a smaller value is not the
/// kernel's, and would let a range check accept what the kernel rounds past.
const MIN_PAGE: usize = 4096;

/// Records the page size the kernel reported (`AT_PAGESZ`, from the `start` feature's
/// `_start`, or from the lookups of [`page_size`]). Crate-internal: a page size that is
/// not the kernel's would make the range checks of `Reservation` wrong, so no safe
/// caller may set one. Ignores values that are not a power of two of at least 4 KiB.
pub(crate) fn set_page_size(size: usize) {
    if size.is_power_of_two() && size >= MIN_PAGE {
        PAGE_SIZE.store(size, Ordering::Relaxed);
    }
}

/// Initializes the page size from the auxiliary vector of a freestanding program's
/// initial stack (the words after envp's NULL).
///
/// # Safety
///
/// `auxv` must point at this process's own auxiliary vector, as the kernel laid it out
/// ((key, value) pairs up to `AT_NULL`): its `AT_PAGESZ` becomes the page size every
/// `Reservation` checks ranges against, so a vector made up by the program could make
/// those checks accept ranges the kernel rounds past the reservation.
pub unsafe fn init_page_size_from_auxv(auxv: *const usize) {
    // SAFETY: forwarded from the caller.
    if let Some(size) = unsafe { auxv_lookup(auxv, AT_PAGESZ) } {
        set_page_size(size);
    }
}

/// The page size of the running kernel.
///
/// Taken, the first time, from `AT_PAGESZ` (set by `_start` with the `start` feature,
/// else read with `prctl(PR_GET_AUXV)`, else from `/proc/self/auxv`); where none of
/// those answers (an old kernel without /proc mounted), measured: `mprotect` answers
/// EINVAL for an address that is not page aligned.
pub fn page_size() -> usize {
    let size = PAGE_SIZE.load(Ordering::Relaxed);
    if size != 0 {
        return size;
    }
    let size = auxv_value(AT_PAGESZ).or_else(by_probe).unwrap_or(0);
    set_page_size(size);
    size
}

/// Room for the auxiliary vector: about 25 pairs today.
const AUXV_WORDS: usize = 128;

/// The value for `key` in this process's auxiliary vector, read with
/// `prctl(PR_GET_AUXV)` (Linux 6.4+) or from `/proc/self/auxv`: for programs that did not
/// start at the `start` feature's `_start` (std programs, libraries).
pub(crate) fn auxv_value(key: usize) -> Option<usize> {
    from_prctl(key).or_else(|| from_proc(key))
}

fn from_prctl(key: usize) -> Option<usize> {
    let mut buf = [0usize; AUXV_WORDS];
    let bytes = core::mem::size_of_val(&buf);
    // SAFETY: the kernel writes at most `bytes` bytes into `buf`.
    unsafe { crate::prctl(PR_GET_AUXV, buf.as_mut_ptr() as usize, bytes, 0, 0) }.ok()?;
    // A longer vector is cut, never read past.
    buf[AUXV_WORDS - 2] = AT_NULL;
    // SAFETY: `buf` ends with an AT_NULL pair.
    unsafe { auxv_lookup(buf.as_ptr(), key) }
}

fn from_proc(key: usize) -> Option<usize> {
    let mut buf = [0usize; AUXV_WORDS];
    let fd = crate::openat(crate::fd::CWD, c"/proc/self/auxv", OFlags::RDONLY | OFlags::CLOEXEC, 0)
        .ok()?;
    // SAFETY: viewing the words of `buf` as bytes; any bytes are valid usizes.
    let bytes = unsafe {
        core::slice::from_raw_parts_mut(buf.as_mut_ptr() as *mut u8, core::mem::size_of_val(&buf))
    };
    let n = crate::read(&fd, bytes);
    drop(fd);
    n.ok()?;
    buf[AUXV_WORDS - 2] = AT_NULL;
    // SAFETY: `buf` ends with an AT_NULL pair.
    unsafe { auxv_lookup(buf.as_ptr(), key) }
}

/// The smallest power of two from 4 KiB that mprotect accepts as an address offset
/// inside a fresh PROT_NONE reservation of 1 MiB.
fn by_probe() -> Option<usize> {
    const SPAN: usize = 1 << 20;
    let flags = MapFlags::PRIVATE | MapFlags::ANONYMOUS | MapFlags::NORESERVE;
    // SAFETY: a new mapping where the kernel chooses aliases nothing.
    let base = unsafe { crate::mmap(core::ptr::null_mut(), SPAN, Prot::NONE, flags, None, 0) }
        .ok()? as usize;
    let mut size = 4096;
    let found = loop {
        if size >= SPAN {
            break None;
        }
        // SAFETY: inside the reservation made above; PROT_NONE to PROT_NONE.
        let r = unsafe { crate::syscall3(nr::MPROTECT, base + size, 1, 0) };
        if r.is_ok() {
            break Some(size);
        }
        size *= 2;
    };
    // SAFETY: the reservation made above, used by nothing else.
    let _ = unsafe { crate::munmap(base as *mut _, SPAN) };
    found
}
