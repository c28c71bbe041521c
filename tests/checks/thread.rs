//! Threads (`baresys::thread`, feature `thread`) and the futex wrappers: many threads
//! spawned and joined, their ids (unique, the kernel's, read through the thread
//! pointer), independent thread-local slots, a stack overflow ending at the guard page
//! with SIGSEGV (in a child process), futex waits that time out, wake and refuse bad
//! input. Run by the freestanding `baresys-threads` program on every configuration and
//! by `tests/threads.rs` on the host.
//!
//! The closures use only core and baresys, which is what `spawn_unchecked` asks for in
//! a std program (the host test); in the freestanding program `spawn` would do.

use crate::checks::{util, Ctx};
use crate::{check, check_eq};
use baresys::futex::{self, Timespec};
use baresys::thread::{self, Builder, JoinHandle};
use baresys::{Errno, MapFlags, Prot};
use core::sync::atomic::{AtomicU32, AtomicUsize, Ordering};

/// Starts `f` on a new thread (`spawn_unchecked`: the closures of these checks touch no
/// libc or std state).
pub fn go<F, T>(f: F) -> Result<JoinHandle<T>, thread::Error>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    // SAFETY: every closure of the checks uses core and baresys only (no libc, no std
    // I/O or thread-locals, no panic: failures are returned as values).
    unsafe { Builder::new().spawn_unchecked(f) }
}

/// The calling thread's block: id and slot. Only on threads `go` started.
fn local_id() -> i32 {
    // SAFETY: called only on threads started by `go`.
    unsafe { thread::with_unchecked(|l| l.id()) }
}

/// A counter that threads wait on until it reaches a value (futex), for barriers.
pub struct Gate(pub AtomicU32);

impl Gate {
    pub const fn new() -> Gate {
        Gate(AtomicU32::new(0))
    }
    pub fn arrive(&self) {
        self.0.fetch_add(1, Ordering::AcqRel);
        let _ = futex::wake(&self.0, u32::MAX);
    }
    /// Lets every waiter through, whatever it waits for (also after a failed spawn,
    /// so that no thread of a check waits forever).
    pub fn open(&self) {
        self.0.fetch_add(1 << 30, Ordering::AcqRel);
        let _ = futex::wake(&self.0, u32::MAX);
    }
    pub fn wait_for(&self, n: u32) {
        loop {
            let v = self.0.load(Ordering::Acquire);
            if v >= n {
                return;
            }
            let _ = futex::wait(&self.0, v, Some(&Timespec::from_nanos(50_000_000)));
        }
    }
}

/// A `&'static` to a value that outlives every thread given it: each check joins all
/// its threads (explicitly, or by dropping their handles, declared after the value)
/// before the value goes away.
pub fn forever<T>(v: &T) -> &'static T {
    // SAFETY: see above; every caller joins the threads that use it before `v` dies.
    unsafe { &*(v as *const T) }
}

const BATCH: usize = 50;
const TOTAL: usize = 1000;

pub fn run(ctx: &mut Ctx) {
    ctx.group("thread");
    // First, while no thread of this process has run yet: under QEMU user mode a fork
    // right after another thread's exit can copy a lock that QEMU's exiting host thread
    // still holds, and the child then hangs in its first clone (seen on qemu-aarch64).
    overflow(ctx);
    basics(ctx);
    many(ctx);
    slots(ctx);
    futexes(ctx);
}

fn basics(ctx: &mut Ctx) {
    let main = baresys::gettid();
    let h = match go(move || (baresys::gettid(), local_id(), baresys::getpid())) {
        Ok(h) => h,
        Err(e) => return ctx.check("spawn", false, format_args!("{e}")),
    };
    let id = h.id();
    let r = h.join();
    check!(ctx, "join returns the closure's value", r.is_some());
    let (tid, local, pid) = r.unwrap_or((0, 0, 0));
    check!(ctx, "a new thread id, not the caller's", tid > 0 && tid != main, "{tid} vs {main}");
    check_eq!(ctx, "the same process (CLONE_THREAD)", pid, baresys::getpid());
    check_eq!(ctx, "the block's id (thread pointer) is gettid's", local, tid);
    check!(
        ctx,
        "the handle saw the id (CLONE_PARENT_SETTID)",
        id == tid || id == 0,
        "{id} vs {tid}"
    );
    check_eq!(ctx, "thread::id on this thread", thread::id(), main);

    // The closure moves onto the new stack; a big one too, and a result bigger than
    // a register.
    let big = [7u8; 3000];
    let h = go(move || {
        let mut out = [0u32; 64];
        for (i, o) in out.iter_mut().enumerate() {
            *o = big.iter().map(|&b| b as u32).sum::<u32>() + i as u32;
        }
        out
    });
    let out = h.ok().and_then(JoinHandle::join);
    check!(
        ctx,
        "a 3000-byte closure in, a 256-byte result out",
        out.is_some_and(|o| o[0] == 21000 && o[63] == 21063)
    );

    // Memory the thread writes is seen after join; the stack is unmapped after it.
    let cell = AtomicUsize::new(0);
    let c = forever(&cell);
    let h = go(move || c.store(0xfeed, Ordering::Relaxed)).ok();
    let range = h.as_ref().map(|h| h.stack_range());
    let joined = h.map(JoinHandle::join);
    check!(
        ctx,
        "a store of the thread is visible after join",
        joined.is_some() && cell.load(Ordering::Relaxed) == 0xfeed
    );
    if let Some(r) = range {
        check!(
            ctx,
            "the stack is unmapped after join",
            util::perms_at(r.start).is_none() && util::perms_at(r.end - 1).is_none()
                || !util::maps_readable()
        );
    }
    // A handle dropped without join waits for the thread.
    let done = AtomicU32::new(0);
    let d = forever(&done);
    let h = go(move || {
        let _ = futex::wait(&AtomicU32::new(0), 0, Some(&Timespec::from_nanos(20_000_000)));
        d.store(1, Ordering::Release);
    });
    drop(h);
    check_eq!(ctx, "dropping a handle joins", done.load(Ordering::Acquire), 1);
}

/// TOTAL threads in batches of BATCH alive at once: all start, all ids unique within a
/// batch (a tid is reused only after its thread is gone), all joined.
fn many(ctx: &mut Ctx) {
    let mut joined = 0;
    let mut unique = true;
    let mut matching = true;
    let mut failed: Option<thread::Error> = None;
    for _ in 0..TOTAL / BATCH {
        let gate = Gate::new();
        let g = forever(&gate);
        let mut hs: [Option<JoinHandle<(i32, i32)>>; BATCH] = [const { None }; BATCH];
        for h in hs.iter_mut() {
            match go(move || {
                g.arrive();
                // Stay alive until the whole batch runs, so their ids coexist.
                g.wait_for(1 << 30);
                (baresys::gettid(), local_id())
            }) {
                Ok(j) => *h = Some(j),
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        g.wait_for(hs.iter().filter(|h| h.is_some()).count() as u32);
        g.open();
        let mut ids = [0i32; BATCH];
        for (i, h) in hs.iter_mut().enumerate() {
            if let Some((tid, local)) = h.take().and_then(JoinHandle::join) {
                ids[i] = tid;
                matching &= tid == local;
                joined += 1;
            }
        }
        ids.sort_unstable();
        unique &= ids.windows(2).all(|w| w[0] != w[1]);
        if failed.is_some() {
            break;
        }
    }
    if let Some(e) = failed {
        ctx.check("spawn in a batch", false, format_args!("{e}"));
    }
    check_eq!(ctx, "1,000 threads spawned and joined", joined, TOTAL);
    check!(ctx, "thread ids unique among live threads", unique);
    check!(ctx, "every thread's block holds its own id", matching);
}

/// Each thread sets its slot, waits until all have, and reads its own back.
fn slots(ctx: &mut Ctx) {
    const N: usize = 8;
    let gate = Gate::new();
    let g = forever(&gate);
    let mut hs: [Option<JoinHandle<(usize, usize)>>; N] = [const { None }; N];
    for (i, h) in hs.iter_mut().enumerate() {
        *h = go(move || {
            // SAFETY: a thread started by `go`.
            unsafe {
                thread::with_unchecked(|l| {
                    let fresh = l.slot();
                    l.set_slot(0x1000 + i);
                    g.arrive();
                    g.wait_for(N as u32);
                    (fresh, l.slot())
                })
            }
        })
        .ok();
    }
    if hs.iter().any(Option::is_none) {
        gate.open();
    }
    let mut zero = true;
    let mut own = true;
    for (i, h) in hs.iter_mut().enumerate() {
        match h.take().and_then(JoinHandle::join) {
            Some((fresh, v)) => {
                zero &= fresh == 0;
                own &= v == 0x1000 + i;
            }
            None => own = false,
        }
    }
    check!(ctx, "a new thread's slot is 0", zero);
    check!(ctx, "thread-local slots independent (8 threads at once)", own);
    thread::with(|l| {
        if let Some(l) = l {
            l.set_slot(77);
            check_eq!(ctx, "the main thread's slot (owned process)", l.slot(), 77);
            check_eq!(ctx, "the main thread's block id", l.id(), baresys::gettid());
        }
    });
}

fn elapsed_ns(since: Timespec) -> u64 {
    (futex::monotonic_now().as_nanos() - since.as_nanos()).max(0) as u64
}

fn futexes(ctx: &mut Ctx) {
    let word = AtomicU32::new(5);
    check_eq!(
        ctx,
        "futex wait: value differs: EAGAIN",
        futex::wait(&word, 4, None),
        Err(Errno::EAGAIN)
    );
    let bad = Timespec { sec: 0, nsec: 1_000_000_000 };
    check_eq!(
        ctx,
        "futex wait: nsec out of range: EINVAL",
        futex::wait(&word, 5, Some(&bad)),
        Err(Errno::EINVAL)
    );
    let neg = Timespec { sec: -1, nsec: 0 };
    check_eq!(
        ctx,
        "futex wait: negative: EINVAL",
        futex::wait(&word, 5, Some(&neg)),
        Err(Errno::EINVAL)
    );
    check_eq!(
        ctx,
        "futex wait_bitset: bitset 0: EINVAL",
        futex::wait_bitset(&word, 5, None, 0),
        Err(Errno::EINVAL)
    );
    check_eq!(
        ctx,
        "futex wake_bitset: bitset 0: EINVAL",
        futex::wake_bitset(&word, 1, 0),
        Err(Errno::EINVAL)
    );
    check_eq!(ctx, "futex wake: no waiter: 0", futex::wake(&word, 1), Ok(0));

    let t0 = futex::monotonic_now();
    let r = futex::wait(&word, 5, Some(&Timespec::from_nanos(30_000_000)));
    let waited = elapsed_ns(t0);
    check_eq!(ctx, "futex wait 30 ms: ETIMEDOUT", r, Err(Errno::ETIMEDOUT));
    check!(ctx, "futex wait 30 ms: slept at least 30 ms", waited >= 30_000_000, "{waited} ns");

    let t0 = futex::monotonic_now();
    let deadline = t0.add_nanos(30_000_000);
    let r = futex::wait_bitset(&word, 5, Some(&deadline), u32::MAX);
    let waited = elapsed_ns(t0);
    check_eq!(ctx, "futex wait_bitset to a deadline: ETIMEDOUT", r, Err(Errno::ETIMEDOUT));
    check!(ctx, "futex wait_bitset: not before the deadline", waited >= 30_000_000, "{waited} ns");

    // A waiter with a long timeout, woken by the main thread: back long before it.
    let w = forever(&word);
    let t0 = futex::monotonic_now();
    let h = go(move || {
        let mut r = Ok(());
        while w.load(Ordering::Acquire) == 5 {
            r = futex::wait(w, 5, Some(&Timespec::from_nanos(10_000_000_000)));
        }
        r
    });
    let mut woke = 0;
    // Wake once the waiter sleeps (the wake count says so), or after setting the word.
    for _ in 0..2000 {
        woke = futex::wake(&word, 1).unwrap_or(0);
        if woke == 1 {
            break;
        }
        let _ = futex::wait(&AtomicU32::new(0), 0, Some(&Timespec::from_nanos(1_000_000)));
    }
    word.store(6, Ordering::Release);
    let _ = futex::wake(&word, 1);
    let r = h.ok().and_then(JoinHandle::join);
    let took = elapsed_ns(t0);
    check_eq!(ctx, "futex wake: woke the sleeping thread (count 1)", woke, 1);
    check!(
        ctx,
        "futex wake: the waiter returned Ok, not ETIMEDOUT",
        matches!(r, Some(Ok(())) | Some(Err(Errno::EAGAIN))),
        "{r:?}"
    );
    check!(ctx, "futex wake: well before its 10 s timeout", took < 5_000_000_000, "{took} ns");

    // Bitsets: a waiter on bit 0 is not woken by bit 1, then is by bit 0.
    let word = AtomicU32::new(1);
    let w = forever(&word);
    let h = go(move || {
        let deadline = futex::monotonic_now().add_nanos(10_000_000_000);
        let mut r = Ok(());
        while w.load(Ordering::Acquire) == 1 {
            r = futex::wait_bitset(w, 1, Some(&deadline), 0b01);
        }
        r
    });
    let mut other = 0;
    let mut woke = 0;
    for _ in 0..2000 {
        other += futex::wake_bitset(&word, 1, 0b10).unwrap_or(0);
        woke = futex::wake_bitset(&word, 1, 0b01).unwrap_or(0);
        if woke == 1 {
            break;
        }
        let _ = futex::wait(&AtomicU32::new(0), 0, Some(&Timespec::from_nanos(1_000_000)));
    }
    word.store(2, Ordering::Release);
    let _ = futex::wake(&word, 1);
    let r = h.ok().and_then(JoinHandle::join);
    check_eq!(ctx, "futex wake_bitset: another bit wakes nobody", other, 0);
    check_eq!(ctx, "futex wake_bitset: the waiter's bit wakes it", woke, 1);
    check!(
        ctx,
        "futex wait_bitset: returned after the wake",
        matches!(r, Some(Ok(())) | Some(Err(Errno::EAGAIN))),
        "{r:?}"
    );
}

/// Frame after frame of 512 bytes, each recording its address in shared memory,
/// until the stack runs out.
#[inline(never)]
fn deep(lowest: &AtomicUsize, n: usize) -> usize {
    let buf = [n as u8; 512];
    let buf = core::hint::black_box(buf);
    lowest.store(buf.as_ptr() as usize, Ordering::Relaxed);
    if n == usize::MAX {
        return 0;
    }
    deep(lowest, n + 1) + buf[n % 512] as usize
}

/// In a child process: a thread with a 64 KiB stack recurses without end. The child
/// must die of SIGSEGV, with the last frame the thread wrote less than a frame above
/// the guard page, and the guard page the first inaccessible byte.
fn overflow(ctx: &mut Ctx) {
    let page = baresys::mem::page_size();
    // SAFETY: a fresh shared anonymous page, unmapped below; parent and child see it.
    let shared = unsafe {
        baresys::mmap(
            core::ptr::null_mut(),
            page,
            Prot::READ | Prot::WRITE,
            MapFlags::SHARED | MapFlags::ANONYMOUS,
            None,
            0,
        )
    };
    let Ok(shared) = shared else {
        return ctx.check("overflow: shared page", false, format_args!("{shared:?}"));
    };
    // [0]: the stack's lowest usable address, [1]: the lowest frame written.
    // SAFETY: the mapping is page-sized and zeroed; AtomicUsize has usize's layout.
    let words = unsafe { &*(shared as *const [AtomicUsize; 2]) };
    let status = util::in_child(|| {
        let w = forever(words);
        // SAFETY: the thread uses core and baresys only.
        let h = unsafe {
            Builder::new().stack_size(64 << 10).spawn_unchecked(move || {
                while w[0].load(Ordering::Acquire) == 0 {
                    baresys::sched_yield();
                }
                deep(&w[1], 0)
            })
        };
        match h {
            Ok(h) => {
                w[0].store(h.stack_range().start, Ordering::Release);
                let _ = h.join();
                3 // the thread returned: no overflow
            }
            Err(_) => 2,
        }
    });
    let bottom = words[0].load(Ordering::Relaxed);
    let lowest = words[1].load(Ordering::Relaxed);
    let sig = status.ok().and_then(|s| s.signal());
    check_eq!(ctx, "stack overflow: the process dies of SIGSEGV", sig, Some(util::SIGSEGV));
    check!(
        ctx,
        "stack overflow: the last frame is right above the guard page",
        bottom != 0 && lowest >= bottom && lowest - bottom < 2048,
        "stack from {bottom:#x}, last frame at {lowest:#x}"
    );
    // SAFETY: the page mapped above; nothing uses it any more.
    let _ = unsafe { baresys::munmap(shared, page) };
}
