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
//!
//! # Sealing
//!
//! [`Reservation::seal`] (`mseal`, Linux 6.10+ on 64-bit kernels) fixes every page in the
//! state it is in. The kernel then refuses, with `EPERM`, `mprotect` (even to the
//! protection a page already has), `munmap`, `mremap`, `mmap(MAP_FIXED)` over it, and
//! the discarding advice (`MADV_DONTNEED`, `MADV_FREE`, `MADV_GUARD_INSTALL`) on pages
//! that are not writable; `MADV_GUARD_REMOVE` and non-discarding advice still work. It
//! checks page by page, so a range over a writable and a read-only page fails half way,
//! the writable part already discarded or guarded. So that no call fails half way, a
//! sealed `Reservation` refuses every call that would change a protection, replace,
//! unmap, discard or guard pages (`commit`, `commit_populate`, `decommit`, `fault`,
//! `recommit`, `protect`, `protect_rwx`, `guard`, `unguard`, `release`) with
//! [`ErrorKind::Sealed`] before any system call: nothing changes, and `guard` is never
//! one-way. `advise_huge`, `collapse`, `split_off` (both parts stay sealed) and
//! `as_ptr` work as before; drop leaves the range mapped.
//!
//! # Safety model
//!
//! The operations that discard contents or take access away (`fault`, `guard`,
//! `decommit`, `recommit` on the `Remap` path, `protect`, `release`, drop) are safe
//! functions. That is sound because this module never hands out a reference to
//! reservation memory, only the raw pointer of [`Reservation::as_ptr`], the same
//! argument that makes `UnsafeCell::get` safe:
//!
//! - Every read or write of reservation memory is an `unsafe` dereference of a raw
//!   pointer, or goes through a reference that `unsafe` code made from one. That code
//!   carries the obligation: the memory must be accessible when it is touched, and for
//!   as long as a reference lives, no call on the reservation may discard, protect,
//!   fault, guard or release the pages it covers. Code that builds a safe API on a
//!   reservation (an arena handing out `&mut [u8]`) must therefore keep the
//!   `Reservation` to itself, or otherwise make sure no such call happens while its
//!   references live.
//! - The safe calls change only the kernel's state of the reservation's own pages,
//!   with the effect documented for each state: contents become zero (or old-or-zero),
//!   later accesses fault (`SIGSEGV`; avoiding them is the accessing code's
//!   obligation, above), or the range is unmapped. None of them writes to
//!   memory outside the reservation, and none reaches address space it does not own:
//!   every range is checked against the reservation before the kernel sees it, against
//!   the kernel's own page size (taken only from the kernel, at least 4 KiB, so the
//!   kernel never rounds a checked range past the reservation's end).
//! - Threads: `Reservation` is `Sync`, and the calls take `&self`. The kernel serializes
//!   the system calls; a thread that touches pages another thread is discarding sees
//!   old contents, zero, or a fault, as documented for the states, and the unsafe code
//!   that touches them answers for not racing with its own calls.
//! - Drop and `release`: the range is unmapped, and raw pointers into it dangle, as
//!   any raw pointer may; dereferencing one afterwards is the pointer user's unsafe
//!   code's fault. A reservation only ever unmaps what it owns: `release` takes a strict
//!   prefix or suffix and shrinks the reservation, drop unmaps what is left.
//! - `split_off` hands the tail to a new `Reservation`: from then on each part is owned,
//!   released and dropped on its own, and neither can reach the other's pages. A pointer
//!   obtained from the original `as_ptr` into the tail is subject to the tail's calls.
//! - `seal`: the range is never unmapped (not even on drop), so pointers into it never
//!   dangle; the calls that would change it are refused (above).
//!
//! # In a signal handler
//!
//! A handler runs between any two instructions (see [`crate::signal`]), so it may only
//! call what takes no lock, allocates nothing and leaves no state half-changed. In this
//! module that is, on a reservation the handler reaches through a [`Registry`] (or any
//! other `&Reservation` it can reach soundly):
//!
//! - [`Registry::find`] and [`Reservation::offset_of`]: which reservation an address lies
//!   in, at which offset (atomic loads and arithmetic);
//! - [`Reservation::as_ptr`], [`len`](Reservation::len),
//!   [`fault_path`](Reservation::fault_path), [`is_sealed`](Reservation::is_sealed),
//!   [`page_size`], [`page_round_up`];
//! - [`commit`](Reservation::commit) (commit the faulting page and return: the access
//!   runs again), [`commit_populate`](Reservation::commit_populate),
//!   [`recommit`](Reservation::recommit), [`fault`](Reservation::fault),
//!   [`guard`](Reservation::guard), [`unguard`](Reservation::unguard),
//!   [`decommit`](Reservation::decommit), [`protect`](Reservation::protect),
//!   [`advise_huge`](Reservation::advise_huge): each is a range check, an atomic or
//!   two and one to three system calls, all async-signal-safe; errors come back as
//!   values, never allocated. [`guard_supported`] and [`default_fault_path`] probe the
//!   kernel once (system calls only) and then read an atomic.
//!
//! Not there: `reserve*`, `split_off`, `release`, `seal` and drop, which create or end
//! a `Reservation` (a handler should not own one), and `Display` of an [`Error`] only
//! formats (no allocation) but writing it out is the handler's own business.
//!
//! What a safe call could not make sound is `unsafe`: [`Reservation::reserve_at`] (the
//! caller vouches that the address space is free for it, the stack's growth area
//! included, which `MAP_FIXED_NOREPLACE` does not check), [`Reservation::protect_rwx`]
//! (writable and executable memory), and [`init_page_size_from_auxv`] (the page size
//! every range check relies on). There is no public way to set another page size.

mod error;
mod page;
mod probe;
mod registry;
mod reservation;

pub use error::{Error, ErrorKind};
pub(crate) use page::auxv_value;
#[cfg(feature = "start")]
pub(crate) use page::{auxv_lookup, set_page_size};
pub use page::{init_page_size_from_auxv, page_size, AT_PAGESZ};
#[doc(hidden)]
pub use probe::force_guard_markers;
pub use probe::{default_fault_path, guard_supported};
pub use registry::Registry;
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
