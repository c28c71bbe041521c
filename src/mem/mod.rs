//! Address space for runtimes: reserve, commit, decommit, fault and release, on the raw
//! system calls of this crate. No allocation; usable from a freestanding `_start` and
//! from std programs alike.
//!
//! A garbage-collected heap, a WebAssembly linear memory or an allocator arena reserves
//! a large range once and then moves parts of it between the states below, as the Go
//! runtime does in `mem.go`. A [`Reservation`] owns the range; every call takes a
//! page-aligned range of byte offsets inside it, checked before the kernel sees it.
//!
//! ```
//! use baresys::mem::{Decommit, Reservation};
//!
//! let page = baresys::mem::page_size();
//! let heap = Reservation::reserve(64 * page)?; // address space only
//! heap.commit(..4 * page)?; // Ready: read-write
//! // SAFETY: the first four pages are committed and only this code uses them.
//! unsafe { heap.as_ptr().write(7) };
//! heap.fault(..4 * page)?; // inaccessible, contents gone
//! heap.recommit(..4 * page)?;
//! // SAFETY: recommitted above.
//! assert_eq!(unsafe { heap.as_ptr().read() }, 0);
//! heap.decommit(..4 * page, Decommit::Uncharge)?; // back to Reserved
//! # Ok::<(), baresys::mem::Error>(())
//! ```
//!
//! # States
//!
//! ```text
//!                   reserve / reserve_aligned / reserve_at: mmap(PROT_NONE, MAP_NORESERVE)
//!                               |
//!                               v
//!                        +-------------+  decommit(Uncharge), from any state:
//!                        |  Reserved   |<----- mmap(FIXED, PROT_NONE, MAP_NORESERVE)
//!                        |     ---     |
//!                        +-------------+
//!                               | commit: mprotect(RW)
//!                               | commit_populate: + madvise(POPULATE_WRITE)
//!                               v
//!  +-----------+  protect  +-------------+  decommit(Zero): madvise(DONTNEED)  +----------+
//!  | Read-only |<----------|    Ready    |------------------------------------>| Prepared |
//!  |  r-- r-x  |---------->|     rw-     |  decommit(Lazy): madvise(FREE)      |   rw-    |
//!  +-----------+  commit   +-------------+<------------------------------------+----------+
//!                            |  ^   |  ^               commit: mprotect(RW)
//!                      fault |  |   |  | unguard (= commit)
//!                            v  |   v  |
//!              +-----------+    |  +-----------+
//!              |  Faulted  |----+  |  Guarded  |  guard: madvise(GUARD_INSTALL) where the
//!              +-----------+       +-----------+         kernel has it, else fault(Protect)
//!                        recommit
//!
//!  fault and recommit, by FaultPath:
//!    Remap    mmap(FIXED, PROT_NONE)                  /  mmap(FIXED, RW)
//!    Protect  mprotect(PROT_NONE) + madvise(DONTNEED) /  mprotect(RW)
//!    Guard    madvise(GUARD_INSTALL)                  /  madvise(GUARD_REMOVE)
//!
//!  any state ---- drop, release (a prefix or suffix): munmap ----> gone (never, once sealed)
//! ```
//!
//! `commit` reaches Ready from every state: once guard markers have been used in a
//! reservation it also issues `madvise(GUARD_REMOVE)` after the `mprotect`.
//!
//! What each state guarantees:
//!
//! - **Reserved**: every access faults (SIGSEGV). No physical memory, no commit charge
//!   (PROT_NONE private memory is never charged). The next commit reads zero.
//! - **Ready**: readable and writable. Contents are what was last written, zero where
//!   nothing was written since the last discard; pages come on first touch (or at once
//!   with `commit_populate`). Charged under `vm.overcommit_memory=2`, where the kernel
//!   ignores `MAP_NORESERVE`; uncharged in the default modes.
//! - **Prepared** (decommitted): still read-write, physical memory given back (`Zero`: at
//!   once, reading zero; `Lazy`: when the kernel needs it, each page reading as before or
//!   zero until written). Keeps its charge. `commit` moves it to Ready without a change
//!   of protection.
//! - **Read-only** (`protect`): `r--` or `r-x`, contents kept, charge kept. Writable and
//!   executable at once only through the unsafe `protect_rwx`.
//! - **Faulted**: every access faults; contents are gone, and read zero after `recommit`
//!   (or `commit`). Memory given back. The charge is returned by `Remap` only: `mprotect`
//!   never gives it back, and guard markers leave the mapping read-write. In
//!   `/proc/self/maps` the range shows `---` for `Remap` and `Protect` and still `rw-`
//!   for `Guard`, whose markers live in the page tables.
//! - **Guarded** (`guard`): as Faulted, with guard markers where the kernel has them
//!   (whatever the reservation's fault path), else the `Protect` path; `unguard` reaches
//!   Ready, reading zero, on every kernel.
//!
//! # Fault paths
//!
//! A fault makes Ready memory inaccessible and gives its pages back. How it does so
//! decides how long other threads that fault pages in the same mapping stall:
//! `mmap(MAP_FIXED)` and `mprotect` both take the process's mmap lock for writing, but
//! `mmap` also frees the pages under it, while `mprotect` only rewrites page-table
//! entries and leaves the freeing to `MADV_DONTNEED` under the read lock (the Go change
//! "runtime: optimize permission changes with mprotect"). Guard markers (Linux 6.13+)
//! need the read lock only and leave the VMA alone. Each [`Reservation`] has a
//! [`FaultPath`]: by default [`default_fault_path`], which is `Guard` where
//! [`guard_supported`] (probed once, by effect) and `Protect` otherwise;
//! [`Reservation::set_fault_path`] chooses another, e.g. `Remap` under strict overcommit,
//! where only it returns the commit charge.
//!
//! Every reservation mapping uses the same flags (private, anonymous, `MAP_NORESERVE`),
//! so that parts split by a protection change merge back into one VMA when it is undone.
//! Each split counts against `vm.max_map_count` (`ENOMEM` past it).

mod error;
mod page;
mod probe;
mod reservation;

pub use error::{Error, ErrorKind};
#[cfg(feature = "start")]
pub(crate) use page::{auxv_lookup, set_page_size};
pub use page::{init_page_size_from_auxv, page_size, AT_PAGESZ};
#[doc(hidden)]
pub use probe::force_guard_markers;
pub use probe::{default_fault_path, guard_supported};
pub use reservation::{Decommit, FaultPath, Populate, Reservation};

/// `n` rounded up to a multiple of the page size, or `None` on overflow (or where no page
/// size could be found).
pub fn page_round_up(n: usize) -> Option<usize> {
    let page = page_size();
    if page == 0 {
        return None;
    }
    Some(n.checked_add(page - 1)? & !(page - 1))
}
