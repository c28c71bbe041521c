//! Threads without libc (feature `thread`): `clone` with a stack from a
//! [`Reservation`], the thread pointer set to a small
//! per-thread block, `join` by futex.
//!
//! A thread is made by
//! `clone(CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
//! CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID)`, issued
//! by each architecture's own asm (`arch/`: the argument order of `clone` differs, and
//! the child starts on its new stack, so it must never return into the caller's frame).
//! Its stack is a reservation with an inaccessible guard page below it: running off
//! the end is `SIGSEGV` at the guard, never a write into someone else's memory. The
//! closure, the slot for its result and the thread's [`Local`] block are moved to the
//! top of that stack, so nothing is allocated. The thread pointer (x86_64 `%fs`, i386
//! `%gs` through a GDT entry, arm `TPIDRURO`, aarch64 `tpidr_el0`, riscv64 and
//! loongarch64 `tp`, mips `UserLocal` read by `rdhwr`, powerpc64 `r13`, s390x access
//! registers `a0`/`a1`) points at the `Local` block, so [`id`] and the thread-local
//! [`Local::slot`] are one load, no system call. The kernel writes the thread's id into
//! the block before it runs (`CLONE_PARENT_SETTID`), and clears it and wakes a futex
//! when the thread is gone (`CLONE_CHILD_CLEARTID`): [`JoinHandle::join`] waits for
//! that, then frees the stack. Threads end with `exit`, never `exit_group`.
//!
//! # Which `spawn`
//!
//! A thread whose thread pointer is not libc's must never reach code that uses libc's
//! thread-local storage: `errno`, `malloc`'s per-thread caches, `println!`, std's
//! `thread_local!`, a std panic, a signal handler that uses any of them. It would
//! read or write memory at an offset from *this* block. So:
//!
//! - [`spawn`] (feature `start` as well) is safe, and works only in a process that
//!   baresys's own `_start` started ([`owned`]): there is no libc and no other
//!   thread-local runtime in it, and the main thread's pointer is set to a block too.
//!   Elsewhere it returns [`Error::NotOwned`].
//! - [`spawn_unchecked`] works in any process; it is `unsafe`, with the caller
//!   vouching that the thread touches no other runtime's thread-local storage.
//!
//! ```
//! # #[cfg(feature = "thread")] {
//! use baresys::thread;
//! // SAFETY: the closure does arithmetic and baresys calls only: no libc, no std I/O,
//! // no panic (the program is a std test, whose threads-locals belong to glibc).
//! let h = unsafe { thread::spawn_unchecked(|| 6 * 7) }.unwrap();
//! assert_eq!(h.join(), Some(42));
//! # }
//! ```

use crate::mem::{self, Reservation};
use crate::{arch, futex, Errno};
use core::cell::{Cell, UnsafeCell};
use core::fmt;
use core::mem::{ManuallyDrop, MaybeUninit};
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};

const CLONE_VM: usize = 0x100;
const CLONE_FS: usize = 0x200;
const CLONE_FILES: usize = 0x400;
const CLONE_SIGHAND: usize = 0x800;
const CLONE_THREAD: usize = 0x10000;
const CLONE_SYSVSEM: usize = 0x40000;
const CLONE_SETTLS: usize = 0x80000;
const CLONE_PARENT_SETTID: usize = 0x100000;
const CLONE_CHILD_CLEARTID: usize = 0x200000;

/// The `clone` flags of every thread (no exit signal: a thread is joined, not waited for).
pub(crate) const CLONE_FLAGS: usize = CLONE_VM
    | CLONE_FS
    | CLONE_FILES
    | CLONE_SIGHAND
    | CLONE_THREAD
    | CLONE_SYSVSEM
    | CLONE_SETTLS
    | CLONE_PARENT_SETTID
    | CLONE_CHILD_CLEARTID;

/// The default stack size: 256 KiB (reserved with `MAP_NORESERVE`: only the pages the
/// thread touches cost memory).
pub const DEFAULT_STACK_SIZE: usize = 256 << 10;

/// Why a thread could not be started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The stack could not be reserved or committed.
    Stack(mem::Error),
    /// `clone` failed (`EAGAIN` at `RLIMIT_NPROC` or the kernel's thread limit, ...).
    Clone(Errno),
    /// The thread pointer could not be set up (i386: no free TLS entry in the GDT).
    ThreadPointer(Errno),
    /// [`spawn`] in a process that baresys's `_start` did not start ([`owned`]).
    NotOwned,
    /// The closure or its result needs an alignment above the page size.
    Align,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Stack(e) => write!(f, "thread stack: {e}"),
            Error::Clone(e) => write!(f, "clone: {e}"),
            Error::ThreadPointer(e) => write!(f, "thread pointer: {e}"),
            Error::NotOwned => {
                f.write_str("spawn: the process was not started by baresys's _start")
            }
            Error::Align => f.write_str("spawn: closure or result aligned above the page size"),
        }
    }
}

impl core::error::Error for Error {}

/// The per-thread block the thread pointer points at. Reached only through [`with`]
/// and [`with_unchecked`], on the thread it belongs to (it is not `Sync`).
#[repr(C)]
pub struct Local {
    /// Offset 0: the block's own address. x86 reads the thread pointer through it
    /// (`%fs:0`, `%gs:0`), as the x86 TLS ABIs do.
    self_ptr: *const Local,
    /// The thread id: written by the kernel before the thread runs
    /// (`CLONE_PARENT_SETTID`), zeroed with a futex wake when it is gone
    /// (`CLONE_CHILD_CLEARTID`). The main thread's is written by `set_tid_address`'s
    /// result.
    tid: AtomicU32,
    /// The thread-local slot.
    slot: Cell<usize>,
    /// Runs the closure of this thread (monomorphized per closure type).
    run: unsafe fn(*mut Local),
    /// Set (release) by the thread after its result is written.
    finished: AtomicBool,
    /// What `clone`'s `CLONE_SETTLS` argument points at where it is not the block
    /// itself (i386: a `user_desc`).
    tls: arch::CloneTls,
}

impl Local {
    /// This thread's id (as `gettid`).
    pub fn id(&self) -> i32 {
        self.tid.load(Ordering::Relaxed) as i32
    }
    /// The thread-local slot's value (0 in a new thread).
    pub fn slot(&self) -> usize {
        self.slot.get()
    }
    /// Sets the thread-local slot.
    pub fn set_slot(&self, v: usize) {
        self.slot.set(v)
    }
    /// The thread-pointer value of this block (its address), for tests that compare it
    /// with what the architecture's register holds.
    pub fn addr(&self) -> usize {
        self as *const Local as usize
    }
    fn new(run: unsafe fn(*mut Local)) -> Local {
        Local {
            self_ptr: core::ptr::null(),
            tid: AtomicU32::new(0),
            slot: Cell::new(0),
            run,
            finished: AtomicBool::new(false),
            tls: arch::CloneTls::EMPTY,
        }
    }
}

/// Whether baresys's `_start` started this process and set the main thread's pointer
/// to a block: then every thread of the process has one, and [`spawn`], [`with`] and
/// [`id`]'s fast path are available.
pub fn owned() -> bool {
    OWNED.load(Ordering::Acquire)
}

static OWNED: AtomicBool = AtomicBool::new(false);

/// The main thread's block in a process started by `_start`.
#[cfg(feature = "start")]
struct MainLocal(UnsafeCell<MaybeUninit<Local>>);
// SAFETY: written once by `init_main` before any other thread exists; afterwards only
// the main thread reaches it, through its thread pointer.
#[cfg(feature = "start")]
unsafe impl Sync for MainLocal {}
#[cfg(feature = "start")]
static MAIN: MainLocal = MainLocal(UnsafeCell::new(MaybeUninit::uninit()));

/// Called by `_start` (feature `start`) before the program's main: points the main
/// thread's pointer at its block. On failure the process is simply not [`owned`].
#[cfg(feature = "start")]
pub(crate) fn init_main() {
    fn no_run(_: *mut Local) {}
    let p = MAIN.0.get().cast::<Local>();
    // SAFETY: single-threaded here (before main); `p` is the static block, written
    // whole before its address is handed to the kernel and the thread pointer.
    unsafe {
        p.write(Local::new(no_run));
        (*p).self_ptr = p;
        let tid = crate::set_tid_address((*p).tid.as_ptr().cast());
        (*p).tid.store(tid as u32, Ordering::Relaxed);
        if arch::set_thread_pointer(p as usize).is_ok() {
            OWNED.store(true, Ordering::Release);
        }
    }
}

/// Runs `f` with the calling thread's block, if this process is [`owned`] (`None`
/// otherwise: the thread pointer may be libc's).
pub fn with<R>(f: impl FnOnce(Option<&Local>) -> R) -> R {
    if !owned() {
        return f(None);
    }
    // SAFETY: in an owned process every thread's pointer is a block: the main
    // thread's since `init_main`, every other since its clone.
    f(Some(unsafe { current() }))
}

/// Runs `f` with the calling thread's block.
///
/// # Safety
///
/// The calling thread must have been started by [`spawn`] or [`spawn_unchecked`], or
/// be the main thread of an [`owned`] process. Elsewhere the thread pointer is
/// libc's (or none), and the block read through it is whatever lies there.
pub unsafe fn with_unchecked<R>(f: impl FnOnce(&Local) -> R) -> R {
    // SAFETY: forwarded from the caller.
    f(unsafe { current() })
}

/// The block of the calling thread.
///
/// # Safety
///
/// As for [`with_unchecked`]; the reference must not leave the thread (callers hand it
/// only to closures that cannot keep it: `Local` is not `Sync`).
unsafe fn current<'a>() -> &'a Local {
    // SAFETY: the caller's thread pointer is a live block (the stack's top, freed only
    // after this thread is gone, or the static MAIN).
    unsafe { &*(arch::thread_pointer() as *const Local) }
}

/// The calling thread's id: from its block (one load) in an [`owned`] process, from
/// `gettid` elsewhere.
pub fn id() -> i32 {
    with(|l| l.map_or_else(crate::gettid, Local::id))
}

/// The stack size and, later, other settings of a new thread.
#[derive(Clone, Copy, Debug)]
pub struct Builder {
    stack_size: usize,
}

impl Default for Builder {
    fn default() -> Self {
        Builder::new()
    }
}

impl Builder {
    /// Default settings: a stack of [`DEFAULT_STACK_SIZE`].
    pub const fn new() -> Builder {
        Builder { stack_size: DEFAULT_STACK_SIZE }
    }

    /// The usable stack, rounded up to whole pages (plus the closure, its result and the
    /// thread's block, above it, and the guard page below it).
    pub const fn stack_size(mut self, bytes: usize) -> Builder {
        self.stack_size = bytes;
        self
    }

    /// [`spawn`] with these settings.
    #[cfg(feature = "start")]
    pub fn spawn<F, T>(self, f: F) -> Result<JoinHandle<T>, Error>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        if !owned() {
            return Err(Error::NotOwned);
        }
        // SAFETY: an owned process has no thread-local runtime but baresys's.
        unsafe { self.spawn_unchecked(f) }
    }

    /// [`spawn_unchecked`] with these settings.
    ///
    /// # Safety
    ///
    /// As for [`spawn_unchecked`].
    pub unsafe fn spawn_unchecked<F, T>(self, f: F) -> Result<JoinHandle<T>, Error>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let page = mem::page_size();
        if core::mem::align_of::<Packet<F, T>>() > page.max(16) {
            return Err(Error::Align);
        }
        let packet_len = core::mem::size_of::<Packet<F, T>>();
        // A size past the address space saturates: `reserve` refuses it (Overflow).
        let round = |n: usize| mem::page_round_up(n).unwrap_or(usize::MAX & !(page - 1));
        let len = round(self.stack_size.max(1))
            .saturating_add(round(packet_len.saturating_add(16)))
            .saturating_add(page)
            & !(page - 1);
        let stack = Reservation::reserve(len).map_err(Error::Stack)?;
        // Everything but the lowest page, which stays inaccessible: the guard.
        stack.commit(page..len).map_err(Error::Stack)?;
        let top = stack.as_ptr() as usize + len;
        let align = core::mem::align_of::<Packet<F, T>>().max(16);
        let at = (top - packet_len) & !(align - 1);
        let packet = at as *mut Packet<F, T>;
        // SAFETY: `at..at + packet_len` lies in the committed part of `stack`, aligned
        // for the packet, and nothing else uses it yet.
        unsafe {
            packet.write(Packet {
                local: Local::new(run::<F, T>),
                f: ManuallyDrop::new(f),
                result: UnsafeCell::new(MaybeUninit::uninit()),
            });
        }
        let local = packet.cast::<Local>();
        // SAFETY: `local` was written just above; the thread does not exist yet.
        let (tid, tls) = unsafe {
            (*local).self_ptr = local;
            if let Err(e) = arch::CloneTls::init(&mut (*local).tls, local as usize) {
                // The closure was never run: drop it here, where it was moved to.
                ManuallyDrop::drop(&mut (*packet).f);
                return Err(Error::ThreadPointer(e));
            }
            ((*local).tid.as_ptr(), (*local).tls.arg(local as usize))
        };
        // The thread starts with its stack pointer at the block (16-byte aligned), the
        // stack growing down from there towards the guard page.
        // SAFETY: the flags make a thread sharing this address space; its stack is the
        // committed reservation below `at`, which stays mapped until the kernel has
        // cleared `tid` (join); `tid` and `tls` point into the block, which lives as long.
        let r = unsafe { arch::clone_thread(CLONE_FLAGS, at, tid.cast(), tls) };
        match Errno::result(r) {
            Ok(_) => Ok(JoinHandle {
                stack: ManuallyDrop::new(stack),
                local,
                // SAFETY: a field of the packet written above.
                result: unsafe { (*packet).result.get() },
            }),
            Err(e) => {
                // SAFETY: no thread was made: the closure is still only ours.
                unsafe { ManuallyDrop::drop(&mut (*packet).f) };
                Err(Error::Clone(e))
            }
        }
    }
}

/// What the top of a thread's stack holds: the block (first: the thread pointer
/// points at the packet), the closure, and its result once it ran.
#[repr(C)]
struct Packet<F, T> {
    local: Local,
    result: UnsafeCell<MaybeUninit<T>>,
    f: ManuallyDrop<F>,
}

/// The new thread's side, behind `Local::run`: takes the closure, runs it, stores
/// the result.
///
/// # Safety
///
/// `local` is the block of a `Packet<F, T>` whose closure has not been taken.
unsafe fn run<F: FnOnce() -> T, T>(local: *mut Local) {
    let packet = local.cast::<Packet<F, T>>();
    // SAFETY: the closure was written by the spawning thread before the clone and is
    // taken exactly once, here; the result slot is this thread's until `finished`.
    unsafe {
        let f = ManuallyDrop::take(&mut (*packet).f);
        (*(*packet).result.get()).write(f());
        (*local).finished.store(true, Ordering::Release);
    }
}

/// Where every thread starts (called by the arch's `clone_thread` in the child, on its
/// new stack, with the stack pointer it was given: the block's address). Runs the
/// closure, then ends the thread with `exit` (the process lives on).
///
/// `extern "C"` so that an unwinding panic cannot leave it (it aborts instead).
pub(crate) unsafe extern "C" fn thread_start(local: *mut Local) -> ! {
    // SAFETY: `local` is the block `spawn_unchecked` made for this thread; the arch
    // hook only loads the thread-pointer register (i386: %gs) from it.
    unsafe {
        arch::enter_thread(&(*local).tls);
        ((*local).run)(local);
    }
    // SAFETY: nothing outside this thread points into its stack but the packet, whose
    // result the joiner reads only after the kernel has cleared the tid (after exit).
    unsafe { crate::exit_thread(0) }
}

/// Starts a thread running `f`, in a process that baresys's `_start` started
/// ([`owned`]; [`Error::NotOwned`] elsewhere). See [`Builder`] for the stack size.
#[cfg(feature = "start")]
pub fn spawn<F, T>(f: F) -> Result<JoinHandle<T>, Error>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    Builder::new().spawn(f)
}

/// Starts a thread running `f`, in any process.
///
/// # Safety
///
/// The new thread's pointer is baresys's block, not libc's. Neither `f` nor anything it
/// calls may use another runtime's thread-local storage: no libc call that touches
/// `errno` or per-thread state (`malloc`, stdio, ...), no std I/O (`println!`), no
/// std `thread_local!`, no panic that reaches std's panic machinery (it counts panics
/// in a thread-local), no std synchronization that parks the thread (`Mutex` under
/// contention, channels: they use std's thread handle). Signal handlers that do any of
/// that must not run on this thread. What remains is core, baresys and the caller's own
/// code that keeps to the same rule. (A process that baresys's `_start` started has no
/// such runtime: there [`spawn`] is safe.)
pub unsafe fn spawn_unchecked<F, T>(f: F) -> Result<JoinHandle<T>, Error>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    // SAFETY: forwarded from the caller.
    unsafe { Builder::new().spawn_unchecked(f) }
}

/// A running thread. [`join`](Self::join) waits for it and returns its result;
/// dropping the handle joins too (and drops the result). Forgetting it leaks the stack
/// (and the thread runs on).
pub struct JoinHandle<T> {
    stack: ManuallyDrop<Reservation>,
    local: *mut Local,
    result: *mut MaybeUninit<T>,
}

// SAFETY: the handle only waits for the thread and then takes its `T` (which is Send);
// it can do that from any thread.
unsafe impl<T: Send> Send for JoinHandle<T> {}
// SAFETY: `&JoinHandle` only reads the tid (atomic).
unsafe impl<T: Send> Sync for JoinHandle<T> {}

impl<T> JoinHandle<T> {
    /// The thread's id in the kernel (0 once it has ended).
    pub fn id(&self) -> i32 {
        // SAFETY: the block lives in `stack`, which this handle keeps mapped.
        unsafe { (*self.local).tid.load(Ordering::Acquire) as i32 }
    }

    /// The thread's usable stack: from the end of its guard page (inaccessible, just
    /// below) up to its block. An overflow faults at `start - 1` or below.
    pub fn stack_range(&self) -> core::ops::Range<usize> {
        self.stack.as_ptr() as usize + mem::page_size()..self.local as usize
    }

    /// Whether the thread has ended (the kernel cleared its tid).
    pub fn is_finished(&self) -> bool {
        self.id() == 0
    }

    /// Waits for the thread to end (a futex wait on the tid the kernel clears), frees
    /// its stack and returns what the closure returned: `None` only if the thread
    /// ended without returning (through the unsafe [`exit_thread`](crate::exit_thread)).
    pub fn join(self) -> Option<T> {
        let mut me = ManuallyDrop::new(self);
        let r = me.take();
        // SAFETY: dropped once; the thread is gone and no longer uses its stack.
        unsafe { ManuallyDrop::drop(&mut me.stack) };
        r
    }

    /// Waits for the thread, then takes the result.
    fn take(&mut self) -> Option<T> {
        // SAFETY: the block lives in `stack`, mapped while the handle exists.
        let local = unsafe { &*self.local };
        loop {
            let tid = local.tid.load(Ordering::Acquire);
            if tid == 0 {
                break;
            }
            // Ok, EAGAIN (cleared meanwhile) and EINTR all go round again. Not a
            // private wait: the kernel's wake at thread exit is a shared one.
            let _ = futex::wait_exit(&local.tid, tid);
        }
        // `finished` was stored (release) before the thread's exit, which comes
        // before the kernel clears the tid.
        if !local.finished.load(Ordering::Acquire) {
            return None;
        }
        // SAFETY: the result was written before `finished`, and the thread is gone:
        // it is initialized, and taken once (`join` and `drop` each call this once).
        Some(unsafe { (*self.result).assume_init_read() })
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        drop(self.take());
        // SAFETY: dropped once; the thread is gone and no longer uses its stack.
        unsafe { ManuallyDrop::drop(&mut self.stack) };
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle").field("id", &self.id()).finish()
    }
}
