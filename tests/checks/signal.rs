//! Issue 11: signals for runtimes, on the real kernel (and under QEMU user mode, which
//! delivers signals itself: the real-kernel runs are what proves the layouts).
//!
//! - trap: a `guarded_load` from a Reserved, guarded or faulted page of a reservation
//!   faults; the SIGSEGV handler finds the reservation in a `Registry`, checks that the
//!   PC is the load's, points it at a landing function and hands it the fault address
//!   (or, to show that the argument really comes from the handler, the offset); the
//!   landing function returns in the load's place and the program goes on;
//! - commit on fault: reads and writes of Reserved pages fault once each; the handler
//!   commits the page and returns; the access runs again and reads zero;
//! - every register of the interrupted code is intact after the handler returns (the
//!   register probe of kernel.rs, with a store that faults instead of a syscall, and a
//!   tgkill whose signal arrives on the syscall's way out);
//! - siginfo (signo, code, errno, addr, pid) for faults, tgkill and kill; the ucontext's
//!   pc and sp;
//! - an alternate stack from `AltStack` (guard page faults), SA_ONSTACK, a signal nested
//!   on it (SA_NODEFER), a mask that holds another signal back until the handler ends,
//!   sigprocmask, SA_RESTART against EINTR, sigaction query;
//! - a fault outside any reservation goes to the previous disposition: the child dies by
//!   SIGSEGV;
//! - bad input: signal numbers outside 1..=NSIG, SIGKILL, an alternate stack too small.

use super::util::{access_faults, in_child};
use super::Ctx;
use crate::{check, check_eq};
use baresys::mem::{Registry, Reservation};
use baresys::signal::{
    self, AltStack, Handler, How, SaFlags, SigAction, SigInfo, SigSet, SigStack, Ucontext,
};
use baresys::{Errno, OFlags};
use core::cell::UnsafeCell;
use core::ffi::c_void;
use core::sync::atomic::{AtomicI32, AtomicUsize, Ordering::SeqCst};

/// The reservations the SIGSEGV handler knows. Each run of the group adds three; they
/// stay for the process's life, as the registry promises.
static HEAPS: Registry<16> = Registry::new();

/// What the SIGSEGV handler does with a fault in a registered reservation.
static MODE: AtomicUsize = AtomicUsize::new(COMMIT);
const COMMIT: usize = 0;
const TRAP_ADDR: usize = 1;
const TRAP_OFFSET: usize = 2;

/// What the SIGSEGV handler saw last, and how often it ran.
static SEGV_COUNT: AtomicUsize = AtomicUsize::new(0);
static SEGV_ADDR: AtomicUsize = AtomicUsize::new(0);
static SEGV_CODE: AtomicI32 = AtomicI32::new(0);
static SEGV_ERRNO: AtomicI32 = AtomicI32::new(-1);
static SEGV_SIGNO: AtomicI32 = AtomicI32::new(0);
static SEGV_PC: AtomicUsize = AtomicUsize::new(0);
static SEGV_SP: AtomicUsize = AtomicUsize::new(0);
/// The handler's own stack (the address of one of its locals).
static SEGV_FRAME: AtomicUsize = AtomicUsize::new(0);
/// What the landing function was handed.
static LANDED: AtomicUsize = AtomicUsize::new(0);

/// The disposition before ours, for `forward` (written before the handler is
/// installed, read only by it).
struct Prev(UnsafeCell<Option<SigAction>>);
// SAFETY: written only before `sigaction` installs the handler that reads it (the system
// call orders the two), and never written while that handler is installed.
unsafe impl Sync for Prev {}
static PREV_SEGV: Prev = Prev(UnsafeCell::new(None));

/// The value the landing function returns in place of the load's.
fn landed_value(arg: usize) -> usize {
    arg ^ 0x5a5a_a5a5
}

/// Runs in `guarded_load`'s place after a trap: the handler hands it the fault
/// address (or the offset) as its argument.
extern "C" fn landing(arg: usize) -> usize {
    LANDED.store(arg, SeqCst);
    landed_value(arg)
}

unsafe extern "C" fn on_segv(sig: i32, info: *mut SigInfo, ctx: *mut c_void) {
    let frame = 0u8;
    SEGV_FRAME.store(&frame as *const u8 as usize, SeqCst);
    // SAFETY: the kernel passes an SA_SIGINFO handler its siginfo and ucontext, valid
    // until it returns.
    let (si, mut uc) = unsafe { (&*info, Ucontext::from_raw(ctx)) };
    SEGV_COUNT.fetch_add(1, SeqCst);
    SEGV_ADDR.store(si.addr(), SeqCst);
    SEGV_CODE.store(si.code(), SeqCst);
    SEGV_ERRNO.store(si.errno(), SeqCst);
    SEGV_SIGNO.store(si.signo(), SeqCst);
    SEGV_PC.store(uc.pc(), SeqCst);
    SEGV_SP.store(uc.sp(), SeqCst);
    if si.from_kernel() {
        if let Some((heap, off)) = HEAPS.find(si.addr()) {
            let mode = MODE.load(SeqCst);
            if mode != COMMIT && uc.pc() == signal::guarded_load_fault_pc() {
                let arg = if mode == TRAP_ADDR { si.addr() } else { off };
                // SAFETY: the fault is guarded_load's, whose state at the load is a
                // call's: `landing` takes its place with the same signature.
                unsafe {
                    uc.set_pc(landing as *const () as usize);
                    uc.set_arg0(arg);
                }
                return;
            }
            if mode == COMMIT {
                let page = baresys::mem::page_size();
                let start = off & !(page - 1);
                if heap.commit(start..start + page).is_ok() {
                    return;
                }
            }
        }
    }
    // SAFETY: PREV_SEGV is written before this handler was installed; the arguments are
    // the handler's own; the previous disposition was sound before ours.
    if let Some(prev) = unsafe { *PREV_SEGV.0.get() } {
        // SAFETY: as above.
        unsafe { prev.forward(sig, info, ctx) };
    }
}

/// Installs `on_segv` for SIGSEGV (on the alternate stack, nestable), keeping the
/// previous disposition for `forward`.
fn install_segv(ctx: &mut Ctx) -> Option<SigAction> {
    let prev = signal::sigaction_query(signal::SIGSEGV);
    check!(ctx, "sigaction query SIGSEGV", prev.is_ok(), "{:?}", prev);
    let prev = prev.ok()?;
    // SAFETY: the handler is not installed yet (see Prev).
    unsafe { *PREV_SEGV.0.get() = Some(prev) };
    let act = SigAction::new(Handler::Action(on_segv)).flags(SaFlags::ONSTACK | SaFlags::NODEFER);
    // SAFETY: on_segv touches atomics, the registry and its siginfo/ucontext, and makes
    // system calls: sound at any point; it redirects only guarded_load's faults.
    let old = unsafe { signal::sigaction(signal::SIGSEGV, &act) };
    check!(ctx, "sigaction installs the SIGSEGV handler", old.is_ok(), "{:?}", old);
    old.ok()
}

pub fn run(ctx: &mut Ctx) {
    ctx.group("signal");
    let page = baresys::mem::page_size();
    bad_input(ctx);
    let Some(prev) = install_segv(ctx) else { return };
    let Some((trap_heap, commit_heap, probe_heap)) = heaps(ctx, page) else { return };
    let alt = alt_stack(ctx, page);
    trap(ctx, trap_heap, page);
    commit_on_fault(ctx, commit_heap, page, alt);
    super::kernel::fault_registers(ctx, probe_heap.as_ptr() as usize, &SEGV_COUNT);
    tgkill_registers(ctx);
    siginfo_of_kill(ctx);
    if let Some(alt) = alt {
        nested_on_alt_stack(ctx, alt);
    }
    masks(ctx);
    restart(ctx);
    previous_disposition(ctx, page);
    // Back to what was there (the std test harness's own SIGSEGV handler on the host).
    // SAFETY: `prev` was the disposition before this group; putting it back restores the
    // state its owner relied on.
    let back = unsafe { signal::sigaction(signal::SIGSEGV, &prev) };
    check!(ctx, "the previous SIGSEGV disposition goes back", back.is_ok(), "{:?}", back);
}

fn bad_input(ctx: &mut Ctx) {
    let act = SigAction::new(Handler::Default);
    for sig in [0, -1, signal::NSIG + 1] {
        // SAFETY: an invalid number installs nothing.
        check_eq!(
            ctx,
            "sigaction(bad number): EINVAL",
            unsafe { signal::sigaction(sig, &act) }.err(),
            Some(Errno::EINVAL)
        );
        check_eq!(
            ctx,
            "sigaction_query(bad number): EINVAL",
            signal::sigaction_query(sig).err(),
            Some(Errno::EINVAL)
        );
        check_eq!(
            ctx,
            "SigSet::of(bad number): EINVAL",
            SigSet::of(sig).err(),
            Some(Errno::EINVAL)
        );
        check!(ctx, "SigSet::contains(bad number) is false", !SigSet::full().contains(sig));
    }
    // SAFETY: the kernel refuses to change SIGKILL's disposition.
    check_eq!(
        ctx,
        "sigaction(SIGKILL): EINVAL",
        unsafe { signal::sigaction(signal::SIGKILL, &act) }.err(),
        Some(Errno::EINVAL)
    );
    let mut s = SigSet::empty();
    check!(
        ctx,
        "SigSet add/contains/remove",
        s.add(signal::NSIG).is_ok()
            && s.contains(signal::NSIG)
            && !s.contains(1)
            && s.remove(signal::NSIG).is_ok()
            && s == SigSet::empty()
    );
    let small = SigStack { sp: core::ptr::null_mut(), size: 16, flags: 0 };
    // SAFETY: a stack below MINSIGSTKSZ is refused before it is used.
    check_eq!(
        ctx,
        "sigaltstack below MINSIGSTKSZ: ENOMEM",
        unsafe { signal::sigaltstack(&small) }.err(),
        Some(Errno::ENOMEM)
    );
    check_eq!(ctx, "sigprocmask query works", signal::sigprocmask(How::Block, None).is_ok(), true);
    check_eq!(
        ctx,
        "tgkill(bad signal): EINVAL",
        signal::tgkill(baresys::getpid(), baresys::gettid(), signal::NSIG + 1),
        Err(Errno::EINVAL)
    );
}

fn heaps(
    ctx: &mut Ctx, page: usize,
) -> Option<(&'static Reservation, &'static Reservation, &'static Reservation)> {
    let take = || Reservation::reserve(16 * page).ok().and_then(|r| HEAPS.insert(r).ok());
    let (a, b, c) = (take(), take(), take());
    check!(ctx, "three reservations in the registry", a.is_some() && b.is_some() && c.is_some());
    let (a, b, c) = (a?, b?, c?);
    let probe = a.as_ptr() as usize + 5 * page + 24;
    let found = HEAPS.find(probe);
    check!(
        ctx,
        "Registry::find: the reservation and the offset",
        matches!(found, Some((r, off)) if core::ptr::eq(r, a) && off == 5 * page + 24)
    );
    check!(
        ctx,
        "Registry::find: past the end is none of these",
        HEAPS.find(a.as_ptr() as usize + 16 * page).is_none_or(|(r, _)| !core::ptr::eq(r, a))
    );
    check_eq!(ctx, "offset_of: below the start", a.offset_of(a.as_ptr() as usize - 1), None);
    Some((a, b, c))
}

/// An alternate stack with a guard page, installed for this thread.
fn alt_stack(ctx: &mut Ctx, page: usize) -> Option<SigStack> {
    let alt = AltStack::new(64 * 1024);
    check!(ctx, "AltStack::new", alt.is_ok(), "{:?}", alt.as_ref().err());
    let alt = alt.ok()?;
    let (stack, guard) = (alt.stack(), alt.guard_page() as usize);
    check!(
        ctx,
        "the alternate stack sits right above its guard page",
        guard + page == stack.sp as usize && stack.size >= 64 * 1024
    );
    check!(ctx, "the alternate stack's guard page faults", access_faults(guard, true));
    let old = alt.install();
    check!(ctx, "AltStack::install", old.is_ok(), "{:?}", old);
    let now = signal::sigaltstack_query();
    check!(
        ctx,
        "sigaltstack reports the new stack, not in use",
        matches!(now, Ok(s) if s.sp == stack.sp && s.size == stack.size && s.flags == 0),
        "{:?}",
        now
    );
    old.ok().map(|_| stack)
}

fn trap(ctx: &mut Ctx, heap: &'static Reservation, page: usize) {
    // Page 2 stays Reserved, page 4 is guarded, page 6 faulted; the rest is committed.
    let ok = heap.commit(..).is_ok()
        && heap.decommit(2 * page..3 * page, baresys::mem::Decommit::Uncharge).is_ok()
        && heap.guard(4 * page..5 * page).is_ok()
        && heap.fault(6 * page..7 * page).is_ok();
    check!(ctx, "trap: set up reserved, guarded and faulted pages", ok);
    let base = heap.as_ptr() as usize;
    let g = signal::FAULT_ADDR_GRANULE;
    for (what, off) in
        [("reserved", 2 * page + 8), ("guarded", 4 * page), ("faulted", 6 * page + 64)]
    {
        let addr = base + off;
        MODE.store(TRAP_ADDR, SeqCst);
        let before = SEGV_COUNT.load(SeqCst);
        LANDED.store(0, SeqCst);
        // SAFETY: aligned; the fault is taken over by the handler (TRAP_ADDR mode).
        let v = unsafe { signal::guarded_load(addr as *const usize) };
        let seen = SEGV_ADDR.load(SeqCst);
        check_eq!(ctx, "trap: one SIGSEGV", SEGV_COUNT.load(SeqCst) - before, 1);
        check!(
            ctx,
            "trap: si_addr is the load's address",
            seen & !(g - 1) == addr & !(g - 1),
            "{what}: {seen:#x} for {addr:#x}"
        );
        check!(
            ctx,
            "trap: the landing function got the fault address",
            LANDED.load(SeqCst) == seen,
            "{what}: {:#x}",
            LANDED.load(SeqCst)
        );
        check!(
            ctx,
            "trap: the landing function's value came back",
            v == landed_value(seen),
            "{what}: {v:#x}"
        );
        check!(
            ctx,
            "trap: si_signo SIGSEGV, si_code MAPERR/ACCERR, si_errno 0",
            SEGV_SIGNO.load(SeqCst) == signal::SIGSEGV
                && matches!(SEGV_CODE.load(SeqCst), signal::SEGV_MAPERR | signal::SEGV_ACCERR)
                && SEGV_ERRNO.load(SeqCst) == 0,
            "{what}: signo {} code {} errno {}",
            SEGV_SIGNO.load(SeqCst),
            SEGV_CODE.load(SeqCst),
            SEGV_ERRNO.load(SeqCst)
        );
        check_eq!(
            ctx,
            "trap: ucontext pc is the load",
            SEGV_PC.load(SeqCst),
            signal::guarded_load_fault_pc()
        );
        let here = &v as *const usize as usize;
        let sp = SEGV_SP.load(SeqCst);
        check!(
            ctx,
            "trap: ucontext sp is this stack's, below this frame",
            sp < here && here - sp < 64 * 1024,
            "{what}: sp {sp:#x}, a local at {here:#x}"
        );
        // The argument comes from the handler: the offset this time.
        MODE.store(TRAP_OFFSET, SeqCst);
        // SAFETY: as above.
        let v = unsafe { signal::guarded_load(addr as *const usize) };
        let off_seen = seen - base;
        check!(
            ctx,
            "trap: set_arg0 hands the landing function another value",
            LANDED.load(SeqCst) == off_seen && v == landed_value(off_seen),
            "{what}: {:#x}",
            LANDED.load(SeqCst)
        );
    }
    MODE.store(COMMIT, SeqCst);
    // A readable page: no fault, the load's own value.
    // SAFETY: page 0 is committed; the word is written here first.
    unsafe { (base as *mut usize).write_volatile(0x1234) };
    let before = SEGV_COUNT.load(SeqCst);
    // SAFETY: committed and aligned.
    let v = unsafe { signal::guarded_load(base as *const usize) };
    check!(
        ctx,
        "guarded_load of a readable word: its value, no signal",
        v == 0x1234 && SEGV_COUNT.load(SeqCst) == before
    );
}

fn commit_on_fault(ctx: &mut Ctx, heap: &'static Reservation, page: usize, alt: Option<SigStack>) {
    MODE.store(COMMIT, SeqCst);
    let base = heap.as_ptr() as usize;
    let g = signal::FAULT_ADDR_GRANULE;
    for k in [3usize, 7, 11] {
        let addr = base + k * page + 40;
        let before = SEGV_COUNT.load(SeqCst);
        // SAFETY: a Reserved page, committed by the handler on this first touch.
        let v = unsafe { (addr as *const u64).read_volatile() };
        check_eq!(ctx, "commit on fault: the read retried and reads zero", v, 0);
        check_eq!(ctx, "commit on fault: one SIGSEGV", SEGV_COUNT.load(SeqCst) - before, 1);
        let seen = SEGV_ADDR.load(SeqCst);
        check!(
            ctx,
            "commit on fault: si_addr is the access's",
            seen & !(g - 1) == addr & !(g - 1),
            "{seen:#x} for {addr:#x}"
        );
        if let Some(alt) = alt {
            let frame = SEGV_FRAME.load(SeqCst);
            check!(
                ctx,
                "commit on fault: the handler ran on the alternate stack (SA_ONSTACK)",
                alt.contains(frame),
                "frame {frame:#x}, stack {:?}",
                alt
            );
        }
        // SAFETY: committed now.
        unsafe { (addr as *mut u64).write_volatile(0xfeed) };
        // SAFETY: as above.
        let again = unsafe { (addr as *const u64).read_volatile() };
        check!(
            ctx,
            "commit on fault: the page stays, no second fault",
            again == 0xfeed && SEGV_COUNT.load(SeqCst) - before == 1
        );
    }
    // A write fault: committed, then the write lands.
    let addr = base + 13 * page;
    let before = SEGV_COUNT.load(SeqCst);
    // SAFETY: a Reserved page, committed by the handler on this first touch.
    unsafe { (addr as *mut u32).write_volatile(0xabcd) };
    // SAFETY: committed now.
    let v = unsafe { (addr as *const u32).read_volatile() };
    check!(
        ctx,
        "commit on fault: a write retried and landed",
        v == 0xabcd && SEGV_COUNT.load(SeqCst) - before == 1,
        "{v:#x}"
    );
    let before = SEGV_COUNT.load(SeqCst);
    // SAFETY: a Reserved page, committed by the handler on this first touch.
    let v = unsafe { ((addr + page) as *const u8).read_volatile() };
    check!(
        ctx,
        "commit on fault: the neighbour page was not committed with it (its own fault)",
        v == 0 && SEGV_COUNT.load(SeqCst) - before == 1
    );
}

static USR_COUNT: AtomicUsize = AtomicUsize::new(0);
static USR_CODE: AtomicI32 = AtomicI32::new(0);
static USR_PID: AtomicI32 = AtomicI32::new(0);
static USR_SIGNO: AtomicI32 = AtomicI32::new(0);

unsafe extern "C" fn on_usr2(_sig: i32, info: *mut SigInfo, _ctx: *mut c_void) {
    // SAFETY: the kernel passes an SA_SIGINFO handler its siginfo.
    let si = unsafe { &*info };
    USR_CODE.store(si.code(), SeqCst);
    USR_PID.store(si.pid(), SeqCst);
    USR_SIGNO.store(si.signo(), SeqCst);
    USR_COUNT.fetch_add(1, SeqCst);
}

fn install_usr2(ctx: &mut Ctx, flags: SaFlags) {
    let act = SigAction::new(Handler::Action(on_usr2)).flags(flags);
    // SAFETY: on_usr2 only reads its siginfo and stores atomics.
    let r = unsafe { signal::sigaction(signal::SIGUSR2, &act) };
    check!(ctx, "sigaction SIGUSR2", r.is_ok(), "{:?}", r);
}

/// A tgkill through the register probe: the signal is delivered on the syscall's way
/// out, the handler runs, rt_sigreturn restores every register.
fn tgkill_registers(ctx: &mut Ctx) {
    install_usr2(ctx, SaFlags::default());
    let before = USR_COUNT.load(SeqCst);
    super::kernel::tgkill_registers(ctx, signal::SIGUSR2);
    check_eq!(ctx, "tgkill: the handler ran once", USR_COUNT.load(SeqCst) - before, 1);
    check_eq!(
        ctx,
        "tgkill: si_code SI_TKILL, si_signo",
        (USR_CODE.load(SeqCst), USR_SIGNO.load(SeqCst)),
        (signal::SI_TKILL, signal::SIGUSR2)
    );
    check_eq!(ctx, "tgkill: si_pid is ours", USR_PID.load(SeqCst), baresys::getpid());
    let q = signal::sigaction_query(signal::SIGUSR2);
    check!(
        ctx,
        "sigaction query: the handler we installed",
        matches!(q, Ok(a) if a.handler.address() == on_usr2 as *const () as usize && matches!(a.handler, Handler::Action(_))),
        "{:?}",
        q
    );
}

/// kill (process-directed) in a single-threaded child, so that no other thread takes it.
fn siginfo_of_kill(ctx: &mut Ctx) {
    let st = in_child(|| {
        let me = baresys::getpid();
        if baresys::kill(me, signal::SIGUSR2).is_err() {
            return 1;
        }
        if USR_CODE.load(SeqCst) != signal::SI_USER {
            return 2;
        }
        if USR_PID.load(SeqCst) != me {
            return 3;
        }
        0
    });
    check!(
        ctx,
        "kill: si_code SI_USER, si_pid the sender",
        matches!(st, Ok(s) if s.exit_code() == Some(0)),
        "{:?}",
        st
    );
}

static DEPTH: AtomicUsize = AtomicUsize::new(0);
static MAX_DEPTH: AtomicUsize = AtomicUsize::new(0);
/// Per depth (1, 2): the handler's frame, the interrupted sp, sigaltstack's flags, and
/// whether SIGUSR2 had run by the time it was raised (held back by the mask).
static NEST_FRAME: [AtomicUsize; 3] = [const { AtomicUsize::new(0) }; 3];
static NEST_SP: [AtomicUsize; 3] = [const { AtomicUsize::new(0) }; 3];
static NEST_FLAGS: [AtomicI32; 3] = [const { AtomicI32::new(-1) }; 3];
static NEST_MASK_OK: AtomicUsize = AtomicUsize::new(0);
static USR2_HELD: AtomicUsize = AtomicUsize::new(0);
static NEST_SEGV_FRAME: AtomicUsize = AtomicUsize::new(0);
static NEST_SEGV_ADDR: AtomicUsize = AtomicUsize::new(0);

unsafe extern "C" fn on_usr1(_sig: i32, _info: *mut SigInfo, ctx: *mut c_void) {
    let frame = 0u8;
    let depth = DEPTH.fetch_add(1, SeqCst) + 1;
    MAX_DEPTH.fetch_max(depth, SeqCst);
    // SAFETY: the kernel's ucontext for this handler.
    let uc = unsafe { Ucontext::from_raw(ctx) };
    if depth < 3 {
        NEST_FRAME[depth].store(&frame as *const u8 as usize, SeqCst);
        NEST_SP[depth].store(uc.sp(), SeqCst);
        NEST_FLAGS[depth].store(signal::sigaltstack_query().map_or(-1, |s| s.flags), SeqCst);
    }
    if depth == 1 {
        // The mask: SIGUSR2 blocked, SIGUSR1 not (NODEFER).
        let m = signal::sigprocmask(How::Block, None);
        if matches!(m, Ok(m) if m.contains(signal::SIGUSR2) && !m.contains(signal::SIGUSR1)) {
            NEST_MASK_OK.store(1, SeqCst);
        }
        let before = USR_COUNT.load(SeqCst);
        let _ = signal::raise(signal::SIGUSR2);
        USR2_HELD.store((USR_COUNT.load(SeqCst) == before) as usize, SeqCst);
        // Nested: the same signal again (SA_NODEFER lets it in at once).
        let _ = signal::raise(signal::SIGUSR1);
        // And a fault, committed by the SIGSEGV handler, also on this stack.
        let addr = NEST_SEGV_ADDR.load(SeqCst);
        if addr != 0 {
            let seg_before = SEGV_COUNT.load(SeqCst);
            // SAFETY: a Reserved page of a registered reservation: the SIGSEGV handler
            // commits it (COMMIT mode).
            let _ = unsafe { (addr as *const u8).read_volatile() };
            if SEGV_COUNT.load(SeqCst) == seg_before + 1 {
                NEST_SEGV_FRAME.store(SEGV_FRAME.load(SeqCst), SeqCst);
            }
        }
    }
    DEPTH.fetch_sub(1, SeqCst);
}

fn nested_on_alt_stack(ctx: &mut Ctx, alt: SigStack) {
    install_usr2(ctx, SaFlags::ONSTACK);
    let mask = SigSet::of(signal::SIGUSR2).unwrap_or_default();
    let act = SigAction::new(Handler::Action(on_usr1))
        .flags(SaFlags::ONSTACK | SaFlags::NODEFER)
        .mask(mask);
    // SAFETY: on_usr1 touches atomics, makes system calls and reads a page the SIGSEGV
    // handler commits.
    let r = unsafe { signal::sigaction(signal::SIGUSR1, &act) };
    check!(ctx, "sigaction SIGUSR1 (ONSTACK, NODEFER, mask USR2)", r.is_ok(), "{:?}", r);
    let q = signal::sigaction_query(signal::SIGUSR1);
    check!(
        ctx,
        "sigaction query: flags and mask as installed",
        matches!(q, Ok(a) if a.flags == SaFlags::ONSTACK | SaFlags::NODEFER && a.mask == mask),
        "{:?}",
        q
    );
    // A Reserved page of the SIGSEGV handler's, touched from inside the nested handler.
    let spare =
        HEAPS.iter().last().map(|r| r.as_ptr() as usize + r.len() - baresys::mem::page_size());
    NEST_SEGV_ADDR.store(spare.unwrap_or(0), SeqCst);
    MODE.store(COMMIT, SeqCst);
    let usr2_before = USR_COUNT.load(SeqCst);
    MAX_DEPTH.store(0, SeqCst);
    let here = 0u8;
    let here = &here as *const u8 as usize;
    check!(ctx, "raise(SIGUSR1)", signal::raise(signal::SIGUSR1).is_ok());
    check_eq!(
        ctx,
        "nested: SIGUSR1 ran inside its own handler (SA_NODEFER)",
        MAX_DEPTH.load(SeqCst),
        2
    );
    let (f1, f2) = (NEST_FRAME[1].load(SeqCst), NEST_FRAME[2].load(SeqCst));
    check!(
        ctx,
        "nested: both handlers ran on the alternate stack, the inner one below",
        alt.contains(f1) && alt.contains(f2) && f2 < f1,
        "{f1:#x} {f2:#x} {:?}",
        alt
    );
    check!(
        ctx,
        "nested: sigaltstack says SS_ONSTACK inside both",
        NEST_FLAGS[1].load(SeqCst) == SigStack::ONSTACK
            && NEST_FLAGS[2].load(SeqCst) == SigStack::ONSTACK,
        "{} {}",
        NEST_FLAGS[1].load(SeqCst),
        NEST_FLAGS[2].load(SeqCst)
    );
    let (sp1, sp2) = (NEST_SP[1].load(SeqCst), NEST_SP[2].load(SeqCst));
    check!(
        ctx,
        "nested: the outer handler interrupted this stack, the inner one the alternate stack",
        !alt.contains(sp1) && sp1 < here && here - sp1 < 64 * 1024 && alt.contains(sp2),
        "{sp1:#x} {sp2:#x} here {here:#x}"
    );
    check!(
        ctx,
        "mask: SIGUSR2 blocked and SIGUSR1 not inside the handler",
        NEST_MASK_OK.load(SeqCst) == 1
    );
    check!(
        ctx,
        "mask: SIGUSR2 held back while the handler ran, delivered after",
        USR2_HELD.load(SeqCst) == 1 && USR_COUNT.load(SeqCst) - usr2_before == 1
    );
    if spare.is_some() {
        let f = NEST_SEGV_FRAME.load(SeqCst);
        check!(
            ctx,
            "nested: a fault inside the handler is handled on the alternate stack too",
            alt.contains(f) && f < f1,
            "{f:#x}"
        );
    }
    check_eq!(
        ctx,
        "after the handlers: not on the alternate stack",
        signal::sigaltstack_query().map(|s| s.flags),
        Ok(0)
    );
}

fn masks(ctx: &mut Ctx) {
    install_usr2(ctx, SaFlags::default());
    let set = SigSet::of(signal::SIGUSR2).unwrap_or_default();
    let old = signal::sigprocmask(How::Block, Some(&set));
    check!(
        ctx,
        "sigprocmask block SIGUSR2",
        matches!(old, Ok(o) if !o.contains(signal::SIGUSR2)),
        "{:?}",
        old
    );
    let before = USR_COUNT.load(SeqCst);
    check!(ctx, "raise(SIGUSR2) while blocked", signal::raise(signal::SIGUSR2).is_ok());
    check_eq!(ctx, "sigprocmask: a blocked signal waits", USR_COUNT.load(SeqCst) - before, 0);
    let now = signal::sigprocmask(How::Unblock, Some(&set));
    check!(
        ctx,
        "sigprocmask unblock returns the mask with SIGUSR2",
        matches!(now, Ok(m) if m.contains(signal::SIGUSR2)),
        "{:?}",
        now
    );
    check_eq!(ctx, "sigprocmask: unblocking delivers it", USR_COUNT.load(SeqCst) - before, 1);
    if let Ok(old) = old {
        check!(
            ctx,
            "sigprocmask SetMask back",
            signal::sigprocmask(How::SetMask, Some(&old)).is_ok()
        );
    }
}

static ALARM_FD: AtomicI32 = AtomicI32::new(-1);

unsafe extern "C" fn on_alarm(_sig: i32) {
    let fd = ALARM_FD.load(SeqCst);
    if fd >= 0 {
        // SAFETY: the descriptor is the test's pipe, open while the timer runs.
        let w = unsafe { baresys::fd::BorrowedFd::borrow_raw(fd) };
        let _ = baresys::write(w, b"a");
    }
}

/// A read from an empty pipe interrupted by SIGALRM (a 10 ms repeating timer), in a
/// single-threaded child: with SA_RESTART the kernel restarts it and it gets the byte
/// the handler wrote; without, it fails with EINTR.
fn restart(ctx: &mut Ctx) {
    for (name, restart) in [
        ("SA_RESTART: the read restarts and gets the handler's byte", true),
        ("without SA_RESTART: the read fails with EINTR", false),
    ] {
        let st = in_child(|| {
            let Ok((r, w)) = baresys::pipe2(OFlags::CLOEXEC) else { return 10 };
            if restart {
                ALARM_FD.store(baresys::fd::AsRawFd::as_raw_fd(&w), SeqCst);
            }
            let flags = if restart { SaFlags::RESTART } else { SaFlags::default() };
            let act = SigAction::new(Handler::Simple(on_alarm)).flags(flags);
            // SAFETY: on_alarm writes one byte to a pipe: a system call.
            if unsafe { signal::sigaction(signal::SIGALRM, &act) }.is_err() {
                return 11;
            }
            // ITIMER_REAL, every 10 ms: {interval, value} as two {sec, usec} of longs.
            let timer: [usize; 4] = [0, 10_000, 0, 10_000];
            // SAFETY: setitimer reads one itimerval; the old value is not asked for.
            if unsafe { baresys::syscall3(baresys::nr::SETITIMER, 0, timer.as_ptr() as usize, 0) }
                .is_err()
            {
                return 12;
            }
            let mut buf = [0u8; 1];
            let got = baresys::read(&r, &mut buf);
            match (restart, got) {
                (true, Ok(1)) if buf[0] == b'a' => 0,
                (false, Err(Errno::EINTR)) => 0,
                (_, Ok(_)) => 20,
                (_, Err(_)) => 21,
            }
        });
        check!(ctx, name, matches!(st, Ok(s) if s.exit_code() == Some(0)), "{:?}", st);
    }
}

/// A fault outside every reservation goes to the disposition from before (the default
/// here, or the std runtime's handler, which puts the default back): the child dies by
/// SIGSEGV, after the handler saw the fault.
fn previous_disposition(ctx: &mut Ctx, page: usize) {
    MODE.store(COMMIT, SeqCst);
    // SAFETY: a fresh PROT_NONE mapping of our own, in no reservation.
    let p = unsafe {
        baresys::mmap(
            core::ptr::null_mut(),
            page,
            baresys::Prot::NONE,
            baresys::MapFlags::PRIVATE | baresys::MapFlags::ANONYMOUS,
            None,
            0,
        )
    };
    let Ok(p) = p else { return check!(ctx, "mmap a page outside the reservations", false) };
    let addr = p as usize;
    check!(ctx, "the page is in no reservation", HEAPS.find(addr).is_none());
    let shared = SEGV_COUNT.load(SeqCst);
    let st = in_child(|| {
        // SAFETY: PROT_NONE: this faults, and the handler passes it on.
        let _ = unsafe { (addr as *const u8).read_volatile() };
        77
    });
    check!(
        ctx,
        "a fault outside any reservation: the child dies by SIGSEGV",
        matches!(st, Ok(s) if s.signal() == Some(signal::SIGSEGV)),
        "{:?}",
        st
    );
    check_eq!(ctx, "(the parent's handler count is its own)", SEGV_COUNT.load(SeqCst), shared);
    // SAFETY: our own mapping, not used afterwards.
    let _ = unsafe { baresys::munmap(p, page) };
}
