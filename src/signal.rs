//! Signals for runtimes: install handlers with the kernel's own `rt_sigaction`, block
//! and unblock signals, run handlers on an alternate stack, send signals, and read (and
//! change) what a handler is given: the [`SigInfo`] and the interrupted registers
//! ([`Ucontext`]). No libc: each architecture's layouts come from its `arch/` file.
//!
//! What a WebAssembly runtime or a garbage collector builds on it:
//!
//! - **trap**: a load from a guard page faults; the `SIGSEGV` handler finds the address
//!   in a reservation ([`mem::Registry`]), points the interrupted
//!   code at a landing function ([`Ucontext::set_pc`]) and hands it the fault address
//!   ([`Ucontext::set_arg0`]). With [`guarded_load`], whose faulting instruction runs
//!   before it changes any register the caller relies on, the landing function takes its
//!   place and returns to its caller: the program goes on.
//! - **commit on fault**: the handler commits the faulting page
//!   ([`Reservation::commit`](crate::mem::Reservation::commit), which the
//!   [`mem`](crate::mem#in-a-signal-handler) documentation lists among the calls a
//!   handler may make) and returns; the access runs again and succeeds.
//! - anything else is passed on to the disposition that was there before
//!   ([`SigAction::forward`]).
//!
//! ```
//! use baresys::mem::{Registry, Reservation};
//! use baresys::signal::{self, Handler, SaFlags, SigAction, SigInfo};
//! use core::ffi::c_void;
//!
//! static HEAPS: Registry<4> = Registry::new();
//!
//! unsafe extern "C" fn on_segv(_sig: i32, info: *mut SigInfo, _ctx: *mut c_void) {
//!     // SAFETY: the kernel passes a valid siginfo to an SA_SIGINFO handler.
//!     let info = unsafe { &*info };
//!     if let Some((heap, off)) = HEAPS.find(info.addr()).filter(|_| info.from_kernel()) {
//!         let page = baresys::mem::page_size();
//!         let start = off & !(page - 1);
//!         if heap.commit(start..start + page).is_ok() {
//!             return; // the access runs again, now on a read-write page
//!         }
//!     }
//!     // Not ours: what the process did before (here, die by SIGSEGV).
//!     baresys::exit_group(139);
//! }
//!
//! let heap = HEAPS.insert(Reservation::reserve(1 << 20)?).ok().expect("registry full");
//! let act = SigAction::new(Handler::Action(on_segv)).flags(SaFlags::NODEFER);
//! // SAFETY: the handler only reads its siginfo, makes system calls and reads the
//! // registry, all of which are safe at any point of the program.
//! unsafe { signal::sigaction(signal::SIGSEGV, &act) }?;
//! // SAFETY: the page is committed by the handler on first touch.
//! assert_eq!(unsafe { heap.as_ptr().add(5000).read_volatile() }, 0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Soundness
//!
//! A handler runs between any two instructions of the thread it interrupts, so what it
//! may touch is what is safe at any such point: atomics, system calls, memory nobody
//! else uses. Installing one is therefore `unsafe` ([`sigaction`]), as are the calls that
//! change what the interrupted code resumes with ([`Ucontext::set_pc`],
//! [`Ucontext::set_arg0`]) and [`sigaltstack`] with caller-provided memory. Querying,
//! masking ([`sigprocmask`]), sending ([`kill`](crate::kill), [`tgkill`], [`raise`]) and
//! [`AltStack::install`] (whose memory is never unmapped) are safe: since any safe code
//! may unblock or send a signal, a handler has to be sound whenever its signal arrives,
//! for whatever reason (a `SIGSEGV` sent with `kill` carries no fault address: check
//! [`SigInfo::from_kernel`]).

use crate::arch::signal as arch;
use crate::mem::{self, Reservation};
use crate::{nr, Errno};
use core::ffi::c_void;
use core::fmt;
use core::marker::PhantomData;
use core::ops::{BitOr, BitOrAssign};

/// `SIGILL`: illegal instruction.
pub const SIGILL: i32 = arch::SIGILL;
/// `SIGTRAP`: trace or breakpoint trap.
pub const SIGTRAP: i32 = arch::SIGTRAP;
/// `SIGABRT`: abort.
pub const SIGABRT: i32 = arch::SIGABRT;
/// `SIGBUS`: bus error: an access past the end of a mapped file, a misaligned access (10 on mips, 7 elsewhere).
pub const SIGBUS: i32 = arch::SIGBUS;
/// `SIGFPE`: arithmetic exception.
pub const SIGFPE: i32 = arch::SIGFPE;
/// `SIGKILL`: kill (cannot be caught, blocked or ignored).
pub const SIGKILL: i32 = arch::SIGKILL;
/// `SIGUSR1`: user signal 1 (16 on mips, 10 elsewhere).
pub const SIGUSR1: i32 = arch::SIGUSR1;
/// `SIGSEGV`: invalid memory access.
pub const SIGSEGV: i32 = arch::SIGSEGV;
/// `SIGUSR2`: user signal 2 (17 on mips, 12 elsewhere).
pub const SIGUSR2: i32 = arch::SIGUSR2;
/// `SIGPIPE`: write to a pipe with no reader.
pub const SIGPIPE: i32 = arch::SIGPIPE;
/// `SIGALRM`: timer.
pub const SIGALRM: i32 = arch::SIGALRM;
/// `SIGTERM`: termination request.
pub const SIGTERM: i32 = arch::SIGTERM;
/// `SIGCONT`: continue a stopped process (25 on mips, 18 elsewhere).
pub const SIGCONT: i32 = arch::SIGCONT;
/// `SIGSTOP`: stop (cannot be caught, blocked or ignored; 23 on mips, 19 elsewhere).
pub const SIGSTOP: i32 = arch::SIGSTOP;
/// `SIGSYS`: bad system call, seccomp (12 on mips, 31 elsewhere).
pub const SIGSYS: i32 = arch::SIGSYS;

/// `SIGCHLD` (18 on mips, 17 elsewhere).
pub const SIGCHLD: i32 = crate::arch::consts::SIGCHLD as i32;

/// The highest signal number: 64, or 128 on mips.
pub const NSIG: i32 = arch::_NSIG as i32;

/// The smallest alternate stack the kernel accepts (`MINSIGSTKSZ`: 2048 bytes on most
/// architectures, 4096 on loongarch64, 5120 on aarch64, 8192 on powerpc64).
pub const MINSIGSTKSZ: usize = arch::MINSIGSTKSZ;

/// How precisely [`SigInfo::addr`] gives a fault address: 1 (the exact byte) on every
/// architecture but s390x, whose hardware reports the 4096-byte block only.
pub const FAULT_ADDR_GRANULE: usize = arch::FAULT_ADDR_GRANULE;

/// `si_code` of a signal sent by `kill`.
pub const SI_USER: i32 = 0;
/// `si_code` of a signal the kernel sent on its own account (not a fault).
pub const SI_KERNEL: i32 = 0x80;
/// `si_code` of a signal sent by `tgkill`.
pub const SI_TKILL: i32 = -6;
/// `si_code` of a `SIGSEGV` on an address with no mapping.
pub const SEGV_MAPERR: i32 = 1;
/// `si_code` of a `SIGSEGV` on a mapping that does not allow the access.
pub const SEGV_ACCERR: i32 = 2;

// ---------------------------------------------------------------------------------------
// Layouts the arch files pick from (each says which and why).

/// The kernel's `struct sigaction` in one of its three orders, as `rt_sigaction` copies
/// it (include/linux/signal_types.h): handler, flags, restorer (where the arch has
/// `__ARCH_HAS_SA_RESTORER`), mask; or mips's IRIX order, flags (an `unsigned int`) first.
macro_rules! kernel_sigaction {
    (handler, flags, restorer, mask) => {
        /// `struct sigaction`: handler, flags, restorer, mask.
        #[repr(C)]
        #[derive(Clone, Copy)]
        pub(crate) struct KernelSigaction {
            handler: usize,
            flags: usize,
            restorer: usize,
            mask: [usize; SIGSET_WORDS],
        }
        impl KernelSigaction {
            pub(crate) fn new(handler: usize, flags: usize, mask: [usize; SIGSET_WORDS]) -> Self {
                // The arch's own trampoline, where it has one.
                let (flags, restorer) = match restorer(flags) {
                    Some(f) => (flags | SA_RESTORER, f as usize),
                    None => (flags, 0),
                };
                KernelSigaction { handler, flags, restorer, mask }
            }
            pub(crate) const fn parts(&self) -> (usize, usize, [usize; SIGSET_WORDS]) {
                (self.handler, self.flags, self.mask)
            }
        }
    };
    (handler, flags, mask) => {
        /// `struct sigaction`: handler, flags, mask (no restorer field).
        #[repr(C)]
        #[derive(Clone, Copy)]
        pub(crate) struct KernelSigaction {
            handler: usize,
            flags: usize,
            mask: [usize; SIGSET_WORDS],
        }
        impl KernelSigaction {
            pub(crate) fn new(handler: usize, flags: usize, mask: [usize; SIGSET_WORDS]) -> Self {
                KernelSigaction { handler, flags, mask }
            }
            pub(crate) const fn parts(&self) -> (usize, usize, [usize; SIGSET_WORDS]) {
                (self.handler, self.flags, self.mask)
            }
        }
    };
    (flags_u32, handler, mask) => {
        /// `struct sigaction`, IRIX order: flags (32 bits), handler, mask.
        #[repr(C)]
        #[derive(Clone, Copy)]
        pub(crate) struct KernelSigaction {
            flags: u32,
            handler: usize,
            mask: [usize; SIGSET_WORDS],
        }
        impl KernelSigaction {
            pub(crate) fn new(handler: usize, flags: usize, mask: [usize; SIGSET_WORDS]) -> Self {
                KernelSigaction { flags: flags as u32, handler, mask }
            }
            pub(crate) const fn parts(&self) -> (usize, usize, [usize; SIGSET_WORDS]) {
                (self.handler, self.flags as usize, self.mask)
            }
        }
    };
}
pub(crate) use kernel_sigaction;

/// The kernel's `stack_t` (`sigaltstack`): pointer, flags, size in the generic order
/// (include/uapi/asm-generic/signal.h), pointer, size, flags on mips.
macro_rules! kernel_stack {
    (sp, flags, size) => {
        /// `stack_t`: pointer, flags, size.
        #[repr(C)]
        #[derive(Clone, Copy)]
        pub(crate) struct KernelStack {
            sp: usize,
            flags: i32,
            size: usize,
        }
        impl KernelStack {
            pub(crate) const fn new(sp: usize, flags: i32, size: usize) -> Self {
                KernelStack { sp, flags, size }
            }
            pub(crate) const fn parts(&self) -> (usize, i32, usize) {
                (self.sp, self.flags, self.size)
            }
        }
    };
    (sp, size, flags) => {
        /// `stack_t`: pointer, size, flags.
        #[repr(C)]
        #[derive(Clone, Copy)]
        pub(crate) struct KernelStack {
            sp: usize,
            size: usize,
            flags: i32,
        }
        impl KernelStack {
            pub(crate) const fn new(sp: usize, flags: i32, size: usize) -> Self {
                KernelStack { sp, size, flags }
            }
            pub(crate) const fn parts(&self) -> (usize, i32, usize) {
                (self.sp, self.flags, self.size)
            }
        }
    };
}
pub(crate) use kernel_stack;

/// The asm-generic signal numbers and `SA_*`/`SIG_*` values (all here but mips),
/// checked against the arch's uapi excerpt like every constant there.
#[allow(unused_macros)] // mips has its own
macro_rules! asm_generic_signals {
    () => {
        crate::table::uapi_consts! { i32:
            SIGILL = 4, SIGTRAP = 5, SIGABRT = 6, SIGBUS = 7, SIGFPE = 8, SIGKILL = 9,
            SIGUSR1 = 10, SIGSEGV = 11, SIGUSR2 = 12, SIGPIPE = 13, SIGALRM = 14,
            SIGTERM = 15, SIGCONT = 18, SIGSTOP = 19, SIGSYS = 31,
            SIG_BLOCK = 0, SIG_UNBLOCK = 1, SIG_SETMASK = 2,
        }
        crate::table::uapi_consts! { usize:
            SA_SIGINFO = 4, SA_ONSTACK = 0x0800_0000, SA_RESTART = 0x1000_0000,
            SA_NODEFER = 0x4000_0000, SA_RESETHAND = 0x8000_0000, _NSIG = 64,
        }
        /// 64 signals: one `unsigned long` on 64-bit, two on 32-bit.
        pub(crate) const SIGSET_WORDS: usize = 64 / usize::BITS as usize;
    };
}
#[allow(unused_imports)]
pub(crate) use asm_generic_signals;

/// Reads the register slot at byte `off` of a `ucontext` whose slots are native words.
///
/// # Safety
///
/// `uc + off` is a word slot of the kernel's ucontext.
#[allow(dead_code)] // not on mips o32, whose slots are 64-bit
pub(crate) unsafe fn uc_word(uc: *mut u8, off: usize) -> usize {
    // SAFETY: forwarded from the caller.
    unsafe { uc.add(off).cast::<usize>().read() }
}

/// Writes the register slot at byte `off` of a `ucontext` whose slots are native words.
///
/// # Safety
///
/// As for [`uc_word`].
#[allow(dead_code)]
pub(crate) unsafe fn uc_set_word(uc: *mut u8, off: usize, v: usize) {
    // SAFETY: forwarded from the caller.
    unsafe { uc.add(off).cast::<usize>().write(v) }
}

/// An arch file's `ucontext` accessors that are one native word at a fixed offset:
/// `uc_pc: get @ PC` reads, `uc_set_pc: set @ PC` writes. The ones that need more (arm's
/// Thumb bit, mips's `$t9`, ...) are written out in the arch file.
#[allow(unused_macros)]
macro_rules! ucontext_words {
    ($($name:ident: $kind:ident @ $off:expr),* $(,)?) => {
        $(crate::signal::ucontext_words!(@$kind $name $off);)*
    };
    (@get $name:ident $off:expr) => {
        pub(crate) unsafe fn $name(uc: *mut u8) -> usize {
            // SAFETY: the caller passes the kernel's ucontext.
            unsafe { crate::signal::uc_word(uc, $off) }
        }
    };
    (@set $name:ident $off:expr) => {
        pub(crate) unsafe fn $name(uc: *mut u8, v: usize) {
            // SAFETY: the caller passes the kernel's ucontext.
            unsafe { crate::signal::uc_set_word(uc, $off, v) }
        }
    };
}
#[allow(unused_imports)]
pub(crate) use ucontext_words;

// ---------------------------------------------------------------------------------------
// Flags, sets, actions

/// The `SA_*` flags a handler is installed with. `SA_SIGINFO` is not among them: it
/// follows from the [`Handler`] kind; `SA_RESTORER` is the crate's business.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SaFlags(usize);

impl SaFlags {
    /// `SA_ONSTACK`: run the handler on the alternate stack ([`sigaltstack`]).
    pub const ONSTACK: SaFlags = SaFlags(arch::SA_ONSTACK);
    /// `SA_RESTART`: a system call the signal interrupted restarts instead of failing
    /// with `EINTR` (where the call allows it).
    pub const RESTART: SaFlags = SaFlags(arch::SA_RESTART);
    /// `SA_NODEFER`: the signal stays unblocked while its handler runs, so it can nest.
    pub const NODEFER: SaFlags = SaFlags(arch::SA_NODEFER);
    /// `SA_RESETHAND`: the disposition goes back to the default once the handler runs.
    pub const RESETHAND: SaFlags = SaFlags(arch::SA_RESETHAND);

    const KNOWN: usize =
        arch::SA_ONSTACK | arch::SA_RESTART | arch::SA_NODEFER | arch::SA_RESETHAND;

    /// The raw bits.
    pub const fn bits(self) -> usize {
        self.0
    }
    /// Whether every flag of `other` is set.
    pub const fn contains(self, other: SaFlags) -> bool {
        self.0 & other.0 == other.0
    }
    /// Both sets.
    pub const fn union(self, other: SaFlags) -> SaFlags {
        SaFlags(self.0 | other.0)
    }
}

impl BitOr for SaFlags {
    type Output = SaFlags;
    fn bitor(self, rhs: SaFlags) -> SaFlags {
        self.union(rhs)
    }
}

impl BitOrAssign for SaFlags {
    fn bitor_assign(&mut self, rhs: SaFlags) {
        *self = self.union(rhs);
    }
}

impl fmt::Debug for SaFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = [
            (SaFlags::ONSTACK, "ONSTACK"),
            (SaFlags::RESTART, "RESTART"),
            (SaFlags::NODEFER, "NODEFER"),
            (SaFlags::RESETHAND, "RESETHAND"),
        ];
        f.write_str("SaFlags(")?;
        let mut first = true;
        for (flag, name) in names {
            if self.contains(flag) {
                f.write_str(if first { "" } else { " | " })?;
                f.write_str(name)?;
                first = false;
            }
        }
        f.write_str(")")
    }
}

/// A set of signals, as the kernel's `sigset_t` holds it (64 bits, 128 on mips).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SigSet([usize; arch::SIGSET_WORDS]);

impl SigSet {
    const BITS: usize = usize::BITS as usize;

    /// No signal.
    pub const fn empty() -> SigSet {
        SigSet([0; arch::SIGSET_WORDS])
    }
    /// Every signal (the kernel never blocks `SIGKILL` and `SIGSTOP` all the same).
    pub const fn full() -> SigSet {
        SigSet([!0; arch::SIGSET_WORDS])
    }
    /// The set of one signal; `EINVAL` for a number outside `1..=NSIG`.
    pub fn of(sig: i32) -> Result<SigSet, Errno> {
        let mut s = SigSet::empty();
        s.add(sig)?;
        Ok(s)
    }
    fn index(sig: i32) -> Result<(usize, usize), Errno> {
        if !(1..=NSIG).contains(&sig) {
            return Err(Errno::EINVAL);
        }
        let bit = sig as usize - 1;
        Ok((bit / Self::BITS, bit % Self::BITS))
    }
    /// Adds `sig`; `EINVAL` (and no change) for a number outside `1..=NSIG`.
    pub fn add(&mut self, sig: i32) -> Result<(), Errno> {
        let (w, b) = Self::index(sig)?;
        self.0[w] |= 1 << b;
        Ok(())
    }
    /// Removes `sig`; `EINVAL` (and no change) for a number outside `1..=NSIG`.
    pub fn remove(&mut self, sig: i32) -> Result<(), Errno> {
        let (w, b) = Self::index(sig)?;
        self.0[w] &= !(1 << b);
        Ok(())
    }
    /// Whether `sig` is in the set (false for a number outside `1..=NSIG`).
    pub fn contains(&self, sig: i32) -> bool {
        Self::index(sig).is_ok_and(|(w, b)| self.0[w] & (1 << b) != 0)
    }
}

impl fmt::Debug for SigSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries((1..=NSIG).filter(|&s| self.contains(s))).finish()
    }
}

/// A handler as `SA_SIGINFO` calls it: the signal number, its [`SigInfo`] and the
/// interrupted context (a `ucontext`, read through [`Ucontext::from_raw`]).
pub type ActionFn = unsafe extern "C" fn(sig: i32, info: *mut SigInfo, ctx: *mut c_void);

/// What happens on a signal. (Not `PartialEq`: function addresses are not unique;
/// compare [`address`](Handler::address)es where that is meant.)
#[derive(Clone, Copy, Debug)]
pub enum Handler {
    /// `SIG_DFL`: the signal's default action.
    Default,
    /// `SIG_IGN`: nothing (a fault the kernel cannot ignore still kills the process).
    Ignore,
    /// A handler that takes the signal number only.
    Simple(unsafe extern "C" fn(sig: i32)),
    /// A handler installed with `SA_SIGINFO`.
    Action(ActionFn),
}

impl Handler {
    /// The value the kernel holds: 0 (`SIG_DFL`), 1 (`SIG_IGN`) or the handler's address.
    pub fn address(self) -> usize {
        match self {
            Handler::Default => 0,
            Handler::Ignore => 1,
            Handler::Simple(f) => f as usize,
            Handler::Action(f) => f as usize,
        }
    }
}

/// A signal's disposition: handler, flags and the signals blocked while it runs.
#[derive(Clone, Copy, Debug)]
pub struct SigAction {
    /// What runs.
    pub handler: Handler,
    /// How.
    pub flags: SaFlags,
    /// Blocked while the handler runs (besides the signal itself, unless `NODEFER`).
    pub mask: SigSet,
}

impl SigAction {
    /// `handler`, no flags, empty mask.
    pub const fn new(handler: Handler) -> SigAction {
        SigAction { handler, flags: SaFlags(0), mask: SigSet::empty() }
    }
    /// With these flags.
    pub const fn flags(self, flags: SaFlags) -> SigAction {
        SigAction { flags, ..self }
    }
    /// With this mask.
    pub const fn mask(self, mask: SigSet) -> SigAction {
        SigAction { mask, ..self }
    }

    fn encode(self) -> arch::KernelSigaction {
        let (handler, info) = match self.handler {
            Handler::Default => (0, 0),
            Handler::Ignore => (1, 0),
            Handler::Simple(f) => (f as usize, 0),
            Handler::Action(f) => (f as usize, arch::SA_SIGINFO),
        };
        arch::KernelSigaction::new(handler, self.flags.0 | info, self.mask.0)
    }

    fn decode(k: &arch::KernelSigaction) -> SigAction {
        let (handler, flags, mask) = k.parts();
        let handler = match handler {
            0 => Handler::Default,
            1 => Handler::Ignore,
            h if flags & arch::SA_SIGINFO != 0 => {
                // SAFETY: the kernel hands back the address some code installed as a
                // handler of this kind (SA_SIGINFO says which); it is non-null, and
                // calling it is unsafe (the fn types are `unsafe extern "C"`).
                Handler::Action(unsafe { core::mem::transmute::<usize, ActionFn>(h) })
            }
            // SAFETY: as above, for a handler without SA_SIGINFO.
            h => Handler::Simple(unsafe {
                core::mem::transmute::<usize, unsafe extern "C" fn(i32)>(h)
            }),
        };
        SigAction { handler, flags: SaFlags(flags & SaFlags::KNOWN), mask: SigSet(mask) }
    }

    /// From inside a handler of `sig`: passes the signal on to this disposition (one
    /// that [`sigaction`] returned as the previous one). A handler is called; for the
    /// default action or "ignore", the disposition is put back and, for a signal that
    /// did not come from a fault (which repeats as soon as the handler returns), the
    /// signal is raised again, to be delivered when the handler returns.
    ///
    /// # Safety
    ///
    /// `info` and `ctx` are the handler's own arguments, and putting this disposition
    /// back (for `Default` and `Ignore`) is sound as for [`sigaction`].
    pub unsafe fn forward(&self, sig: i32, info: *mut SigInfo, ctx: *mut c_void) {
        match self.handler {
            // SAFETY: the arguments are the kernel's, as the handler expects them.
            Handler::Action(f) => unsafe { f(sig, info, ctx) },
            // SAFETY: as above.
            Handler::Simple(f) => unsafe { f(sig) },
            Handler::Default | Handler::Ignore => {
                // SAFETY: forwarded from the caller.
                let _ = unsafe { sigaction(sig, self) };
                // SAFETY: the caller passes the handler's siginfo.
                if !unsafe { &*info }.from_kernel() {
                    let _ = raise(sig);
                }
            }
        }
    }
}

/// `rt_sigaction`: installs `new` for `sig` and returns the previous disposition.
/// `EINVAL` for a number outside `1..=NSIG`, for `SIGKILL` and `SIGSTOP`.
///
/// Where the architecture needs it, the crate's return trampoline goes with it
/// (`SA_RESTORER`: x86_64 requires one, and x86 has one so as not to depend on the vDSO;
/// the other architectures return through the kernel's vDSO or signal page).
///
/// # Safety
///
/// The handler runs between any two instructions of a thread that has the signal
/// unblocked, possibly nested in itself (`NODEFER`) or in other handlers. It must be
/// sound there: touch only what is safe at any such point (atomics, system calls,
/// memory no interrupted code is using: no allocator, no lock the interrupted code may
/// hold), check that a signal is what it expects (anyone may send any signal: see
/// [`SigInfo::from_kernel`]), and not unwind. With `SA_ONSTACK` the alternate stack in
/// place when the signal arrives must be memory nothing else uses. Replacing a handler
/// that other code relies on is that code's concern too: it may rely on it for soundness
/// (a runtime that commits pages on fault).
pub unsafe fn sigaction(sig: i32, new: &SigAction) -> Result<SigAction, Errno> {
    let k = new.encode();
    let mut old = SigAction::new(Handler::Default).encode();
    // SAFETY: the kernel reads one struct sigaction from `k` and writes one to `old`,
    // both of the arch's layout and size; the handler's soundness is the caller's.
    unsafe {
        crate::syscall4(
            nr::RT_SIGACTION,
            sig as usize,
            &k as *const _ as usize,
            &mut old as *mut _ as usize,
            arch::SIGSET_WORDS * core::mem::size_of::<usize>(),
        )
    }?;
    Ok(SigAction::decode(&old))
}

/// `rt_sigaction` without a new action: the current disposition of `sig`.
pub fn sigaction_query(sig: i32) -> Result<SigAction, Errno> {
    let mut old = SigAction::new(Handler::Default).encode();
    // SAFETY: the kernel only writes one struct sigaction to `old`.
    unsafe {
        crate::syscall4(
            nr::RT_SIGACTION,
            sig as usize,
            0,
            &mut old as *mut _ as usize,
            arch::SIGSET_WORDS * core::mem::size_of::<usize>(),
        )
    }?;
    Ok(SigAction::decode(&old))
}

/// What [`sigprocmask`] does with the set.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum How {
    /// Block the set's signals too.
    Block,
    /// Unblock them.
    Unblock,
    /// Block exactly the set.
    SetMask,
}

/// `rt_sigprocmask`: changes the calling thread's blocked signals (with `Some`) and
/// returns the mask from before. The kernel never blocks `SIGKILL` and `SIGSTOP`.
///
/// Safe: a handler installed with [`sigaction`] must be sound whenever its signal
/// arrives, so unblocking it can break nothing.
pub fn sigprocmask(how: How, set: Option<&SigSet>) -> Result<SigSet, Errno> {
    let how = match how {
        How::Block => arch::SIG_BLOCK,
        How::Unblock => arch::SIG_UNBLOCK,
        How::SetMask => arch::SIG_SETMASK,
    };
    let mut old = SigSet::empty();
    let new = set.map_or(0, |s| &s.0 as *const _ as usize);
    // SAFETY: the kernel reads one sigset from `new` (or none) and writes one to `old`.
    unsafe {
        crate::syscall4(
            nr::RT_SIGPROCMASK,
            how as usize,
            new,
            &mut old.0 as *mut _ as usize,
            arch::SIGSET_WORDS * core::mem::size_of::<usize>(),
        )
    }?;
    Ok(old)
}

// ---------------------------------------------------------------------------------------
// Sending

/// `tgkill`: sends `sig` to thread `tid` of process `tgid`.
///
/// Safe for the reason [`kill`](crate::kill) is.
pub fn tgkill(tgid: i32, tid: i32, sig: i32) -> Result<(), Errno> {
    // SAFETY: no memory is passed; the kernel checks permission.
    unsafe { crate::syscall3(nr::TGKILL, tgid as usize, tid as usize, sig as usize) }.map(drop)
}

/// Sends `sig` to the calling thread (`tgkill(getpid(), gettid(), sig)`). If the
/// signal is unblocked it is delivered before this returns.
pub fn raise(sig: i32) -> Result<(), Errno> {
    tgkill(crate::getpid(), crate::gettid(), sig)
}

// ---------------------------------------------------------------------------------------
// Alternate stack

/// An alternate signal stack as `sigaltstack` describes it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct SigStack {
    /// Lowest address.
    pub sp: *mut u8,
    /// Size in bytes.
    pub size: usize,
    /// `SS_ONSTACK` (the thread runs on it now), `SS_DISABLE` (none), or 0.
    pub flags: i32,
}

impl SigStack {
    /// `ss_flags`: the thread is running on the alternate stack now.
    pub const ONSTACK: i32 = 1;
    /// `ss_flags`: no alternate stack.
    pub const DISABLE: i32 = 2;

    /// Whether `addr` is on this stack.
    pub fn contains(&self, addr: usize) -> bool {
        addr.wrapping_sub(self.sp as usize) < self.size
    }
}

fn altstack(new: Option<&SigStack>) -> Result<SigStack, Errno> {
    let k = new.map(|s| arch::KernelStack::new(s.sp as usize, s.flags, s.size));
    let mut old = arch::KernelStack::new(0, 0, 0);
    let p = k.as_ref().map_or(0, |k| k as *const _ as usize);
    // SAFETY: the kernel reads one stack_t from `p` (or none) and writes one to `old`;
    // what the new stack may be used for is the callers' concern.
    unsafe { crate::syscall2(nr::SIGALTSTACK, p, &mut old as *mut _ as usize) }?;
    let (sp, flags, size) = old.parts();
    Ok(SigStack { sp: sp as *mut u8, size, flags })
}

/// `sigaltstack`: sets the calling thread's alternate signal stack and returns the one
/// before. `EPERM` while running on it, `ENOMEM` below [`MINSIGSTKSZ`].
///
/// # Safety
///
/// Until it is replaced or disabled (or the thread ends), the memory `sp..sp + size`
/// must stay mapped, writable, and used by nothing else: every handler installed with
/// `SA_ONSTACK` writes its frame there.
pub unsafe fn sigaltstack(new: &SigStack) -> Result<SigStack, Errno> {
    altstack(Some(new))
}

/// `sigaltstack` without a new stack: the calling thread's current one.
pub fn sigaltstack_query() -> Result<SigStack, Errno> {
    altstack(None)
}

/// An alternate signal stack in a [`Reservation`]: one guard page at the bottom (never
/// committed, so overflowing the stack faults instead of writing past it) and `size`
/// bytes of read-write memory above it.
pub struct AltStack {
    mem: Reservation,
}

impl AltStack {
    /// Reserves a guard page plus `size` bytes (rounded up to pages, at least
    /// [`MINSIGSTKSZ`]) and commits all but the guard page.
    pub fn new(size: usize) -> Result<AltStack, mem::Error> {
        let page = mem::page_size();
        let size = mem::page_round_up(size.max(MINSIGSTKSZ)).ok_or(mem::Error::new(
            "AltStack::new",
            0,
            size,
            mem::ErrorKind::Overflow,
        ))?;
        let total = size.checked_add(page).ok_or(mem::Error::new(
            "AltStack::new",
            0,
            size,
            mem::ErrorKind::Overflow,
        ))?;
        let mem = Reservation::reserve(total)?;
        mem.commit(page..)?;
        Ok(AltStack { mem })
    }

    /// The usable part, above the guard page, as `sigaltstack` takes it.
    pub fn stack(&self) -> SigStack {
        let page = mem::page_size();
        // The guard page is the reservation's first: `page <= len` by construction.
        SigStack { sp: self.mem.as_ptr().wrapping_add(page), size: self.mem.len() - page, flags: 0 }
    }

    /// The guard page's address.
    pub fn guard_page(&self) -> *mut u8 {
        self.mem.as_ptr()
    }

    /// Makes this the calling thread's alternate stack and returns the one before. The
    /// memory is never unmapped from then on (the kernel keeps using it for as long as it
    /// is installed, which this cannot know the end of), so this is safe.
    pub fn install(self) -> Result<SigStack, Errno> {
        let s = self.stack();
        // SAFETY: the memory stays mapped and read-write for the rest of the process
        // (`self` is forgotten below, never dropped), and nothing else has a pointer
        // to it.
        let old = unsafe { sigaltstack(&s) }?;
        core::mem::forget(self);
        Ok(old)
    }
}

// ---------------------------------------------------------------------------------------
// What a handler is given

/// The kernel's `siginfo_t` (128 bytes), read with each architecture's layout: mips
/// swaps `si_code` and `si_errno`, and the fields after them start at 12 on 32-bit and at
/// 16 on 64-bit architectures.
#[repr(C)]
pub struct SigInfo {
    words: [usize; 128 / core::mem::size_of::<usize>()],
}

impl SigInfo {
    fn int(&self, off: usize) -> i32 {
        // SAFETY: `off` is one of the arch's siginfo offsets, an aligned int inside
        // the 128 bytes of `self`.
        unsafe { (self as *const SigInfo).cast::<u8>().add(off).cast::<i32>().read() }
    }
    /// `si_signo`.
    pub fn signo(&self) -> i32 {
        self.int(0)
    }
    /// `si_errno`.
    pub fn errno(&self) -> i32 {
        self.int(arch::SI_ERRNO)
    }
    /// `si_code`: positive when the kernel sent it on its own (a fault: `SEGV_MAPERR`,
    /// `SEGV_ACCERR`, ...), [`SI_USER`] (`kill`), [`SI_TKILL`] (`tgkill`), ...
    pub fn code(&self) -> i32 {
        self.int(arch::SI_CODE)
    }
    /// Whether the kernel sent the signal on its own account (`si_code > 0`), as for a
    /// fault, rather than a process with `kill`, `tgkill` or `sigqueue`. Only then does
    /// [`addr`](Self::addr) hold a fault address.
    pub fn from_kernel(&self) -> bool {
        self.code() > 0
    }
    /// `si_addr`: for `SIGSEGV`, `SIGBUS`, `SIGILL`, `SIGFPE` from a fault, the
    /// address (to [`FAULT_ADDR_GRANULE`]). For signals from `kill` this word holds the
    /// sender's pid and uid instead.
    pub fn addr(&self) -> usize {
        // SAFETY: the union's first word, pointer-aligned inside `self`.
        unsafe { (self as *const SigInfo).cast::<u8>().add(arch::SI_ADDR).cast::<usize>().read() }
    }
    /// `si_pid`, for a signal sent by `kill` or `tgkill`.
    pub fn pid(&self) -> i32 {
        self.int(arch::SI_ADDR)
    }
}

impl fmt::Debug for SigInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigInfo")
            .field("signo", &self.signo())
            .field("code", &self.code())
            .field("errno", &self.errno())
            .field("addr", &format_args!("{:#x}", self.addr()))
            .finish()
    }
}

/// The interrupted registers a `SA_SIGINFO` handler gets as its third argument (the
/// kernel's `ucontext`), read and changed with each architecture's layout
/// (`uc_mcontext` of its uapi `ucontext.h` and `sigcontext.h`). Whatever the handler
/// leaves here is what the interrupted code resumes with when the handler returns.
pub struct Ucontext<'a> {
    uc: *mut u8,
    _frame: PhantomData<&'a mut c_void>,
}

impl<'a> Ucontext<'a> {
    /// The view of a handler's third argument.
    ///
    /// # Safety
    ///
    /// `ctx` is the `ucontext` the kernel passed to the running `SA_SIGINFO` handler, and
    /// the view does not outlive the handler.
    pub unsafe fn from_raw(ctx: *mut c_void) -> Ucontext<'a> {
        Ucontext { uc: ctx.cast(), _frame: PhantomData }
    }

    /// The interrupted program counter: the faulting instruction, for a fault.
    pub fn pc(&self) -> usize {
        // SAFETY: `uc` is the kernel's ucontext (from_raw's contract).
        unsafe { arch::uc_pc(self.uc) }
    }

    /// The interrupted stack pointer.
    pub fn sp(&self) -> usize {
        // SAFETY: as above.
        unsafe { arch::uc_sp(self.uc) }
    }

    /// Makes the interrupted code resume at `pc`, as at the entry of the function there:
    /// on arm the Thumb bit of a function address selects the instruction set, on mips
    /// `$t9` and on powerpc64 `r12` are set to `pc` too (position-independent code finds
    /// its global pointer or TOC from them at a function's entry).
    ///
    /// # Safety
    ///
    /// Resuming at `pc` with the other registers and the stack as they are must be
    /// sound: for a function, the state must be that of a call to it (stack pointer and
    /// callee-saved registers as the interrupted code's caller expects them back, return
    /// address in place), as at the fault in [`guarded_load`].
    pub unsafe fn set_pc(&mut self, pc: usize) {
        // SAFETY: `uc` is the kernel's ucontext; what pc means is the caller's.
        unsafe { arch::uc_set_pc(self.uc, pc) }
    }

    /// Hands `value` to the resumed code as the first integer argument of a function
    /// entered at [`pc`](Self::pc) (the first argument register; on x86 the stack word
    /// above the return address).
    ///
    /// # Safety
    ///
    /// The interrupted code must not need the old value; on x86 the word at `sp + 4`
    /// must be the first argument's slot of the function the code resumes in (as at the
    /// fault in [`guarded_load`]).
    pub unsafe fn set_arg0(&mut self, value: usize) {
        // SAFETY: forwarded from the caller.
        unsafe { arch::uc_set_arg0(self.uc, value) }
    }
}

/// Reads the word at `addr`, in a function made for a handler to take over: it is a
/// leaf whose load runs before it has touched the stack pointer, the return address or
/// any callee-saved register. If the load faults, a handler may resume the code at a
/// landing function with the same signature (`extern "C" fn(usize) -> usize`) through
/// [`Ucontext::set_pc`] and [`Ucontext::set_arg0`]: the landing function then runs
/// in this one's place and returns its value to this function's caller, as a tail call
/// would. Or the handler makes the page readable and returns, and the load runs again.
///
/// # Safety
///
/// `addr` is aligned, and either readable, or a handler deals with the fault in one of
/// the two ways above (otherwise the fault kills the process, which is sound, but not
/// what one wants). The word is read without synchronization.
pub unsafe fn guarded_load(addr: *const usize) -> usize {
    // SAFETY: forwarded from the caller.
    unsafe { arch::guarded_load(addr) }
}

/// The program counter a fault in [`guarded_load`] reports: the address of its load
/// instruction. A handler compares [`Ucontext::pc`] with it before taking the fault over.
pub fn guarded_load_fault_pc() -> usize {
    (arch::guarded_load as *const () as usize & !arch::CODE_ADDR_TAG)
        + arch::GUARDED_LOAD_FAULT_OFFSET
}
