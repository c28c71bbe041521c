//! Compile-fail tests: each public `unsafe fn` called without `unsafe` must not
//! compile, with error E0133 ("call to unsafe function requires unsafe block"). rustdoc
//! checks the error code on nightly only (`cargo +nightly test --doc`, run by
//! ci/test.sh); stable checks that each fails to compile. Each was checked to compile
//! once its last `let _ = ...;` is wrapped in `unsafe {}` (the E0133 lines turned into
//! `no_run` tests), so that a missing `unsafe` is the only reason it fails.
//!
//! One item per function, so that each test fails on its own.

/// `syscall0` needs `unsafe`.
///
/// ```compile_fail,E0133
/// let _ = baresys::syscall0(baresys::nr::GETPID);
/// ```
pub struct Syscall0;

/// `syscall1` needs `unsafe`.
///
/// ```compile_fail,E0133
/// let _ = baresys::syscall1(baresys::nr::CLOSE, 1000);
/// ```
pub struct Syscall1;

/// `syscall2` needs `unsafe`.
///
/// ```compile_fail,E0133
/// let _ = baresys::syscall2(baresys::nr::MUNMAP, 0, 0);
/// ```
pub struct Syscall2;

/// `syscall3` needs `unsafe`.
///
/// ```compile_fail,E0133
/// let _ = baresys::syscall3(baresys::nr::MPROTECT, 0, 0, 0);
/// ```
pub struct Syscall3;

/// `syscall4` needs `unsafe`.
///
/// ```compile_fail,E0133
/// let _ = baresys::syscall4(baresys::nr::OPENAT, 0, 0, 0, 0);
/// ```
pub struct Syscall4;

/// `syscall5` needs `unsafe`.
///
/// ```compile_fail,E0133
/// let _ = baresys::syscall5(baresys::nr::PRCTL, 0, 0, 0, 0, 0);
/// ```
pub struct Syscall5;

/// `syscall6` needs `unsafe`.
///
/// ```compile_fail,E0133
/// let _ = baresys::syscall6(baresys::nr::GETPID, 0, 0, 0, 0, 0, 0);
/// ```
pub struct Syscall6;

/// `mmap` needs `unsafe`.
///
/// ```compile_fail,E0133
/// let flags = baresys::MapFlags::PRIVATE | baresys::MapFlags::ANONYMOUS;
/// let _ = baresys::mmap(core::ptr::null_mut(), 4096, baresys::Prot::NONE, flags, None, 0);
/// ```
pub struct Mmap;

/// `munmap` needs `unsafe`.
///
/// ```compile_fail,E0133
/// let _ = baresys::munmap(core::ptr::null_mut(), 4096);
/// ```
pub struct Munmap;

/// `mprotect` needs `unsafe`.
///
/// ```compile_fail,E0133
/// let _ = baresys::mprotect(core::ptr::null_mut(), 4096, baresys::Prot::READ);
/// ```
pub struct Mprotect;

/// `pkey_mprotect` needs `unsafe`.
///
/// ```compile_fail,E0133
/// let _ = baresys::pkey_mprotect(core::ptr::null_mut(), 4096, baresys::Prot::READ, -1);
/// ```
pub struct PkeyMprotect;

/// `madvise` needs `unsafe`.
///
/// ```compile_fail,E0133
/// let _ = baresys::madvise(core::ptr::null_mut(), 4096, baresys::Advice::DONTNEED);
/// ```
pub struct Madvise;

/// `mremap` needs `unsafe`.
///
/// ```compile_fail,E0133
/// let f = baresys::MremapFlags::MAYMOVE;
/// let _ = baresys::mremap(core::ptr::null_mut(), 4096, 8192, f, core::ptr::null_mut());
/// ```
pub struct Mremap;

/// `mseal` needs `unsafe`.
///
/// ```compile_fail,E0133
/// let _ = baresys::mseal(core::ptr::null_mut(), 4096, 0);
/// ```
pub struct Mseal;

/// `fork` needs `unsafe`.
///
/// ```compile_fail,E0133
/// let _ = baresys::fork();
/// ```
pub struct Fork;

/// `prctl` needs `unsafe`.
///
/// ```compile_fail,E0133
/// let _ = baresys::prctl(0, 0, 0, 0, 0);
/// ```
pub struct Prctl;

/// `exit_thread` needs `unsafe`.
///
/// ```compile_fail,E0133
/// let _ = baresys::exit_thread(0);
/// ```
pub struct ExitThread;

/// `Reservation::reserve_at` needs `unsafe`.
///
/// ```compile_fail,E0133
/// let _ = baresys::mem::Reservation::reserve_at(core::ptr::null_mut(), 4096);
/// ```
pub struct ReservationReserveAt;

/// `Reservation::protect_rwx` needs `unsafe`.
///
/// ```compile_fail,E0133
/// let r = baresys::mem::Reservation::reserve(baresys::mem::page_size()).unwrap();
/// let _ = r.protect_rwx(..);
/// ```
pub struct ReservationProtectRwx;

/// `mem::init_page_size_from_auxv` needs `unsafe`.
///
/// ```compile_fail,E0133
/// let auxv = [0usize; 2];
/// let _ = baresys::mem::init_page_size_from_auxv(auxv.as_ptr());
/// ```
pub struct MemInitPageSizeFromAuxv;

/// `fd::FromRawFd::from_raw_fd` needs `unsafe`.
///
/// ```compile_fail,E0133
/// use baresys::fd::FromRawFd;
/// let _ = baresys::fd::OwnedFd::from_raw_fd(1000);
/// ```
pub struct FdFromrawfdFromRawFd;

/// `fd::BorrowedFd::borrow_raw` needs `unsafe`.
///
/// ```compile_fail,E0133
/// let _ = baresys::fd::BorrowedFd::borrow_raw(1000);
/// ```
pub struct FdBorrowedfdBorrowRaw;

/// `fd::stdin` needs `unsafe`.
///
/// ```compile_fail,E0133
/// let _ = baresys::fd::stdin();
/// ```
pub struct FdStdin;

/// `fd::stdout` needs `unsafe`.
///
/// ```compile_fail,E0133
/// let _ = baresys::fd::stdout();
/// ```
pub struct FdStdout;

/// `fd::stderr` needs `unsafe`.
///
/// ```compile_fail,E0133
/// let _ = baresys::fd::stderr();
/// ```
pub struct FdStderr;

/// `signal::sigaction` needs `unsafe` (a handler runs asynchronously).
///
/// ```compile_fail,E0133
/// use baresys::signal::{self, Handler, SigAction};
/// let _ = signal::sigaction(signal::SIGUSR1, &SigAction::new(Handler::Default));
/// ```
pub struct SignalSigaction;

/// `signal::sigaltstack` needs `unsafe` (the kernel writes frames to that memory).
///
/// ```compile_fail,E0133
/// use baresys::signal::{self, SigStack};
/// let s = SigStack { sp: core::ptr::null_mut(), size: 0, flags: SigStack::DISABLE };
/// let _ = signal::sigaltstack(&s);
/// ```
pub struct SignalSigaltstack;

/// `signal::SigAction::forward` needs `unsafe` (it calls a handler).
///
/// ```compile_fail,E0133
/// use baresys::signal::{Handler, SigAction};
/// let a = SigAction::new(Handler::Ignore);
/// let _ = a.forward(10, core::ptr::null_mut(), core::ptr::null_mut());
/// ```
pub struct SignalSigactionForward;

/// `signal::Ucontext::from_raw` needs `unsafe`.
///
/// ```compile_fail,E0133
/// let _ = baresys::signal::Ucontext::from_raw(core::ptr::null_mut());
/// ```
pub struct SignalUcontextFromRaw;

/// `signal::Ucontext::set_pc` needs `unsafe` (the interrupted code resumes there).
///
/// ```compile_fail,E0133
/// fn f(uc: &mut baresys::signal::Ucontext<'_>) {
///     let _ = uc.set_pc(0);
/// }
/// ```
pub struct SignalUcontextSetPc;

/// `signal::Ucontext::set_arg0` needs `unsafe`.
///
/// ```compile_fail,E0133
/// fn f(uc: &mut baresys::signal::Ucontext<'_>) {
///     let _ = uc.set_arg0(0);
/// }
/// ```
pub struct SignalUcontextSetArg0;

/// `signal::guarded_load` needs `unsafe` (a raw read that may fault).
///
/// ```compile_fail,E0133
/// let _ = baresys::signal::guarded_load(core::ptr::null());
/// ```
pub struct SignalGuardedLoad;

/// `mem::Reservation::grow_in_place` needs `unsafe`.
///
/// ```compile_fail,E0133
/// let mut r = baresys::mem::Reservation::reserve(baresys::mem::page_size()).unwrap();
/// let _ = r.grow_in_place(baresys::mem::page_size());
/// ```
pub struct MemReservationGrowInPlace;

/// `process_madvise` needs `unsafe` (`process_madvise_hint` is the safe form).
///
/// ```compile_fail,E0133
/// let me = baresys::pidfd_open(baresys::getpid(), 0).unwrap();
/// let _ = baresys::process_madvise(&me, &[], baresys::Advice::DONTNEED, 0);
/// ```
pub struct ProcessMadvise;

// --- thread ---

/// `set_tid_address` needs `unsafe`.
///
/// ```compile_fail,E0133
/// static mut TID: u32 = 0;
/// let _ = baresys::set_tid_address(core::ptr::addr_of_mut!(TID));
/// ```
pub struct SetTidAddress;

/// `thread::spawn_unchecked` needs `unsafe` (feature `thread`).
///
/// ```compile_fail,E0133
/// let _ = baresys::thread::spawn_unchecked(|| 1);
/// ```
#[cfg(feature = "thread")]
pub struct ThreadSpawnUnchecked;

/// `thread::Builder::spawn_unchecked` needs `unsafe` (feature `thread`).
///
/// ```compile_fail,E0133
/// let _ = baresys::thread::Builder::new().spawn_unchecked(|| 1);
/// ```
#[cfg(feature = "thread")]
pub struct ThreadBuilderSpawnUnchecked;

/// `thread::with_unchecked` needs `unsafe` (feature `thread`).
///
/// ```compile_fail,E0133
/// let _ = baresys::thread::with_unchecked(|l| l.id());
/// ```
#[cfg(feature = "thread")]
pub struct ThreadWithUnchecked;
