//! Issue 13: the zero-page reproducer, four raw syscalls.
//!
//! Linux 6.1 on mips64 (Debian's mips64el 5kc-malta kernel, and 6.1 built big endian)
//! frees its shared zero page after this sequence: an anonymous private mapping, a read
//! of each page (which maps the zero page there), `mprotect(PROT_READ)` over the range,
//! `munmap`. The console says "BUG: Bad page map", and the page allocator hands the zero
//! page's frame out again, so memory that was never written reads whatever the frame's
//! next owner wrote into it.
//!
//! The group runs the sequence a few times and then checks that never-written memory
//! still reads zero: it writes a pattern into fresh pages (the allocator's next pages,
//! the freed frame among them if there is one) and reads pages it never wrote. That
//! catches the damage only once the frame has been handed out again, which a few rounds
//! need not reach (on Debian's 6.1 mips64el kernel the group passes, and the console
//! shows the bug); the kernel's own "BUG: Bad page map" is the sure sign, so on a real
//! kernel ci/kernels.sh fails any run whose console shows a "BUG:" line, and a passing
//! run there means that kernel does not have the bug. Where it does (the kernel marked
//! so in ci/kernels.sh), the full run skips this group and the model group
//! (`BARESYS_ZEROPAGE=skip`, `BARESYS_OPS=0`), and a boot of its own runs this group
//! alone (`BARESYS_ZEROPAGE=only`) and looks for that line, to show the bug is still
//! there.

use super::Ctx;
use crate::check;
use core::ffi::c_void;
use core::ptr::null_mut;

/// Pages per mapping, and rounds of the four-syscall sequence.
const PAGES: usize = 8;
const ROUNDS: usize = 4;

pub fn run(ctx: &mut Ctx) {
    ctx.group("zeropage");
    let page = baresys::mem::page_size();
    let mut sequences = 0;
    for _ in 0..ROUNDS {
        if sequence(page * PAGES, page) {
            sequences += 1;
        }
    }
    check!(
        ctx,
        "mmap, read, mprotect(PROT_READ), munmap: every call succeeds",
        sequences == ROUNDS,
        "{} of {} rounds",
        sequences,
        ROUNDS
    );
    let (nonzero, written_ok) = never_written_nonzero(page * PAGES);
    check!(ctx, "after the sequence, written pages keep what was written", written_ok);
    check!(
        ctx,
        "after the sequence, never-written anonymous memory reads zero",
        nonzero == Some(0),
        "{:?} nonzero words (None: mmap failed)",
        nonzero
    );
}

/// The reproducer: mmap, a read of every page, mprotect(PROT_READ), munmap. Raw
/// syscalls, as the model test's reserve/commit/fault paths make them.
fn sequence(len: usize, page: usize) -> bool {
    let rw = baresys::Prot::READ | baresys::Prot::WRITE;
    let flags = baresys::MapFlags::PRIVATE | baresys::MapFlags::ANONYMOUS;
    // SAFETY: a fresh mapping where the kernel chooses aliases nothing.
    let Ok(p) = (unsafe { baresys::mmap(null_mut(), len, rw, flags, None, 0) }) else {
        return false;
    };
    let mut sum = 0usize;
    for off in (0..len).step_by(page) {
        // SAFETY: `p..p + len` is the readable mapping made above.
        sum = sum.wrapping_add(unsafe { p.cast::<u8>().add(off).read_volatile() } as usize);
    }
    // SAFETY: the mapping made above; PROT_READ keeps it readable and changes no content.
    let protected = unsafe { baresys::mprotect(p, len, baresys::Prot::READ) }.is_ok();
    // SAFETY: the mapping made above, not used after this.
    let unmapped = unsafe { baresys::munmap(p, len) }.is_ok();
    sum == 0 && protected && unmapped
}

/// Maps `2 * len` bytes, fills the first half with a pattern (taking fresh frames from
/// the allocator), then counts the nonzero words of the second half, never written.
/// Returns (nonzero words, whether the first half kept its pattern).
fn never_written_nonzero(len: usize) -> (Option<usize>, bool) {
    let rw = baresys::Prot::READ | baresys::Prot::WRITE;
    let flags = baresys::MapFlags::PRIVATE | baresys::MapFlags::ANONYMOUS;
    // SAFETY: a fresh mapping where the kernel chooses aliases nothing.
    let Ok(p) = (unsafe { baresys::mmap(null_mut(), 2 * len, rw, flags, None, 0) }) else {
        return (None, false);
    };
    let words = p.cast::<usize>();
    let n = len / core::mem::size_of::<usize>();
    let pattern = |i: usize| i.wrapping_mul(0x9e37_79b9) | 1;
    for i in 0..n {
        // SAFETY: index below `n` words: inside the first half of the mapping.
        unsafe { words.add(i).write_volatile(pattern(i)) };
    }
    let mut nonzero = 0;
    for i in n..2 * n {
        // SAFETY: index below `2 * n` words: inside the mapping.
        if unsafe { words.add(i).read_volatile() } != 0 {
            nonzero += 1;
        }
    }
    // SAFETY: as the writes above.
    let written_ok = (0..n).all(|i| unsafe { words.add(i).read_volatile() } == pattern(i));
    unmap(p, 2 * len);
    (Some(nonzero), written_ok)
}

fn unmap(p: *mut c_void, len: usize) {
    // SAFETY: only called on the mapping made in `never_written_nonzero`, not used after.
    let _ = unsafe { baresys::munmap(p, len) };
}
