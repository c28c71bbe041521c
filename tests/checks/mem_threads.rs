//! The `mem` concurrency test of RELIABILITY.md (tests/concurrency.rs on the host, with
//! std threads) on baresys's own threads, so that it runs on every configuration and
//! real kernel: one reservation shared by reference; "cyclers" move their slots through
//! commit, fault + recommit, decommit (each mode), protect and back, guard + unguard
//! and commit_populate, checking contents and access after each step; "workers" write
//! and check their committed slots all the time while the VMAs around them split and
//! merge; a "churner" makes and drops other reservations. Every fault path the kernel
//! has. Fixed operation counts (not a time budget).

use crate::check;
use crate::checks::util::Rng;
use crate::checks::Ctx;
use crate::thread_checks::{forever, go};
use baresys::fd::{AsRawFd, OwnedFd};
use baresys::mem::{self, Decommit, FaultPath, Reservation};
use baresys::thread::JoinHandle;
use baresys::{nr, OFlags, Prot};
use core::sync::atomic::{AtomicUsize, Ordering};

const PAIRS: usize = 4;
const SLOT_PAGES: usize = 4;

/// The operation counts: `scale` 1 is the host test's (5,000 cycles); the freestanding
/// program uses a fifth under emulation.
#[derive(Clone, Copy)]
pub struct Counts {
    pub cycles: u64,
    pub worker_rounds: u64,
    pub churn: u64,
}

/// What went wrong, without allocation: which thread, which round, what.
#[derive(Clone, Copy)]
pub struct Fail {
    pub who: &'static str,
    pub id: u64,
    pub round: u64,
    pub what: &'static str,
    pub errno: Option<baresys::Errno>,
}

impl core::fmt::Display for Fail {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{} {} round {}: {}", self.who, self.id, self.round, self.what)?;
        match self.errno {
            Some(e) => write!(f, " ({e})"),
            None => Ok(()),
        }
    }
}

struct Slot {
    r: &'static Reservation,
    off: usize,
    page: usize,
    pipe: (OwnedFd, OwnedFd),
}

impl Slot {
    fn new(r: &'static Reservation, index: usize, page: usize) -> Option<Slot> {
        let pipe = baresys::pipe2(OFlags::CLOEXEC).ok()?;
        Some(Slot { r, off: index * SLOT_PAGES * page, page, pipe })
    }
    fn range(&self) -> core::ops::Range<usize> {
        self.off..self.off + SLOT_PAGES * self.page
    }
    fn word_ptr(&self, page: usize) -> *mut u64 {
        // SAFETY: `off` and the page index stay inside the reservation.
        unsafe { self.r.as_ptr().add(self.off + page * self.page) }.cast()
    }
    fn fill_page(&self, page: usize, seed: u64) {
        let p = self.word_ptr(page);
        for i in 0..self.page / 8 {
            // SAFETY: called only while this thread's slot is committed; it owns it.
            unsafe { p.add(i).write_volatile(seed ^ (i as u64).wrapping_mul(0x9e37_79b9)) };
        }
    }
    fn page_is(&self, page: usize, seed: Option<u64>) -> bool {
        let p = self.word_ptr(page);
        (0..self.page / 8).all(|i| {
            // SAFETY: called only while the slot is readable; this thread owns it.
            let v = unsafe { p.add(i).read_volatile() };
            v == seed.map_or(0, |s| s ^ (i as u64).wrapping_mul(0x9e37_79b9))
        })
    }
    fn fill(&self, seed: u64) {
        (0..SLOT_PAGES).for_each(|pg| self.fill_page(pg, seed.wrapping_add(pg as u64)));
    }
    fn holds(&self, seed: u64) -> bool {
        (0..SLOT_PAGES).all(|pg| self.page_is(pg, Some(seed.wrapping_add(pg as u64))))
    }
    fn zero(&self) -> bool {
        (0..SLOT_PAGES).all(|pg| self.page_is(pg, None))
    }
    fn held_or_zero(&self, seed: u64) -> bool {
        (0..SLOT_PAGES).all(|pg| {
            self.page_is(pg, Some(seed.wrapping_add(pg as u64))) || self.page_is(pg, None)
        })
    }
    fn kernel_reads(&self, page: usize) -> bool {
        let a = self.word_ptr(page) as usize;
        // SAFETY: the kernel reads at most one byte and answers EFAULT if it cannot.
        let r = unsafe { baresys::syscall3(nr::WRITE, self.pipe.1.as_raw_fd() as usize, a, 1) };
        if r == Ok(1) {
            let _ = baresys::read(&self.pipe.0, &mut [0u8; 1]);
        }
        r == Ok(1)
    }
    fn inaccessible(&self) -> bool {
        (0..SLOT_PAGES).all(|pg| !self.kernel_reads(pg))
    }
}

fn cycler(s: Slot, id: u64, n: Counts) -> Result<u64, Fail> {
    let mut rng = Rng(0x1234_5678_9abc_def1 ^ (id + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15));
    let fail = |what, round| Fail { who: "cycler", id, round, what, errno: None };
    let e = |what, round| move |err: mem::Error| Fail { errno: err.errno(), ..fail(what, round) };
    s.r.commit(s.range()).map_err(e("commit", 0))?;
    for round in 1..=n.cycles {
        let seed = rng.next();
        s.fill(seed);
        if !s.holds(seed) {
            return Err(fail("changed right after writing", round));
        }
        match rng.next() % 8 {
            0 | 1 => {
                s.r.fault(s.range()).map_err(e("fault", round))?;
                if !s.inaccessible() {
                    return Err(fail("readable after fault", round));
                }
                if rng.next().is_multiple_of(2) {
                    s.r.recommit(s.range()).map_err(e("recommit", round))?;
                } else {
                    s.r.commit(s.range()).map_err(e("commit", round))?;
                }
                if !s.zero() {
                    return Err(fail("not zero after fault + recommit", round));
                }
            }
            2 => {
                s.r.decommit(s.range(), Decommit::Zero).map_err(e("decommit Zero", round))?;
                if !s.zero() {
                    return Err(fail("not zero after decommit Zero", round));
                }
            }
            3 => {
                s.r.decommit(s.range(), Decommit::Lazy).map_err(e("decommit Lazy", round))?;
                if !s.held_or_zero(seed) {
                    return Err(fail("neither kept nor zero after decommit Lazy", round));
                }
            }
            4 => {
                s.r.decommit(s.range(), Decommit::Uncharge).map_err(e("Uncharge", round))?;
                if !s.inaccessible() {
                    return Err(fail("readable after Uncharge", round));
                }
                s.r.commit(s.range()).map_err(e("commit", round))?;
                if !s.zero() {
                    return Err(fail("not zero after Uncharge + commit", round));
                }
            }
            5 => {
                let prot =
                    if rng.next().is_multiple_of(2) { Prot::READ } else { Prot::READ | Prot::EXEC };
                s.r.protect(s.range(), prot).map_err(e("protect", round))?;
                if !s.holds(seed) {
                    return Err(fail("contents changed by protect", round));
                }
                s.r.commit(s.range()).map_err(e("commit", round))?;
                if !s.holds(seed) {
                    return Err(fail("contents changed by protect + commit", round));
                }
            }
            6 => {
                let half = s.off..s.off + 2 * s.page;
                s.r.guard(half.clone()).map_err(e("guard", round))?;
                if s.kernel_reads(0) || s.kernel_reads(1) {
                    return Err(fail("readable after guard", round));
                }
                if !s.page_is(2, Some(seed.wrapping_add(2)))
                    || !s.page_is(3, Some(seed.wrapping_add(3)))
                {
                    return Err(fail("guard changed the pages beside it", round));
                }
                s.r.unguard(half).map_err(e("unguard", round))?;
                if !s.page_is(0, None) || !s.page_is(1, None) {
                    return Err(fail("not zero after guard + unguard", round));
                }
            }
            _ => {
                s.r.commit_populate(s.range()).map_err(e("commit_populate", round))?;
                if !s.holds(seed) {
                    return Err(fail("contents changed by commit_populate", round));
                }
            }
        }
    }
    Ok(n.cycles)
}

fn worker(s: Slot, id: u64, touched: &AtomicUsize, n: Counts) -> Result<u64, Fail> {
    let mut rng = Rng(0xfeed_f00d ^ (id + 1).wrapping_mul(0x2545_f491_4f6c_dd1d));
    let fail = |what, round| Fail { who: "worker", id, round, what, errno: None };
    let mut seeds = [0u64; SLOT_PAGES];
    s.r.commit(s.range()).map_err(|e| Fail { errno: e.errno(), ..fail("commit", 0) })?;
    for (pg, seed) in seeds.iter_mut().enumerate() {
        *seed = rng.next();
        s.fill_page(pg, *seed);
    }
    for round in 1..=n.worker_rounds {
        let pg = (rng.next() % SLOT_PAGES as u64) as usize;
        seeds[pg] = rng.next();
        s.fill_page(pg, seeds[pg]);
        let check = (rng.next() % SLOT_PAGES as u64) as usize;
        if !s.page_is(check, Some(seeds[check])) {
            return Err(fail("a page changed under it", round));
        }
        touched.fetch_add(1, Ordering::Relaxed);
    }
    if !(0..SLOT_PAGES).all(|pg| s.page_is(pg, Some(seeds[pg]))) {
        return Err(fail("final contents wrong", n.worker_rounds));
    }
    Ok(n.worker_rounds)
}

fn churner(page: usize, n: Counts) -> Result<u64, Fail> {
    let fail =
        |what, round, e: mem::Error| Fail { who: "churner", id: 0, round, what, errno: e.errno() };
    for round in 1..=n.churn {
        let r = Reservation::reserve(8 * page).map_err(|e| fail("reserve", round, e))?;
        r.commit(2 * page..6 * page).map_err(|e| fail("commit", round, e))?;
        // SAFETY: committed just above; this thread owns the reservation.
        unsafe { r.as_ptr().add(3 * page).write_volatile(round as u8) };
        r.fault(2 * page..4 * page).map_err(|e| fail("fault", round, e))?;
    }
    Ok(n.churn)
}

/// The first failure, if any, for a check's message.
struct Fails(Option<Fail>);
impl core::fmt::Display for Fails {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.0 {
            Some(x) => write!(f, "{x}"),
            None => f.write_str("none"),
        }
    }
}

/// One run per fault path; a check per path, and a figures line (`note`).
pub fn run(ctx: &mut Ctx, n: Counts) {
    ctx.group("mem threads");
    let page = mem::page_size();
    let mut paths = [Some(FaultPath::Remap), Some(FaultPath::Protect), None];
    if mem::guard_supported() {
        paths[2] = Some(FaultPath::Guard);
    }
    for path in paths.into_iter().flatten() {
        let t0 = now_ns();
        let mut res = match Reservation::reserve(2 * PAIRS * SLOT_PAGES * page) {
            Ok(r) => r,
            Err(e) => return ctx.check("reserve", false, format_args!("{e}")),
        };
        if let Err(e) = res.set_fault_path(path) {
            return ctx.check("set_fault_path", false, format_args!("{e}"));
        }
        let touched = AtomicUsize::new(0);
        let (r, t) = (forever(&res), forever(&touched));
        let mut hs: [Option<JoinHandle<Result<u64, Fail>>>; 2 * PAIRS + 1] =
            [const { None }; 2 * PAIRS + 1];
        let mut spawned = true;
        for i in 0..PAIRS {
            let (Some(a), Some(b)) = (Slot::new(r, 2 * i, page), Slot::new(r, 2 * i + 1, page))
            else {
                spawned = false;
                break;
            };
            hs[2 * i] = go(move || cycler(a, i as u64, n)).ok();
            hs[2 * i + 1] = go(move || worker(b, i as u64, t, n)).ok();
        }
        hs[2 * PAIRS] = go(move || churner(page, n)).ok();
        spawned &= hs.iter().all(Option::is_some);
        let mut ops = 0;
        let mut first: Option<Fail> = None;
        for h in hs.iter_mut() {
            match h.take().and_then(JoinHandle::join) {
                Some(Ok(k)) => ops += k,
                Some(Err(f)) => first = first.or(Some(f)),
                None => spawned = false,
            }
        }
        // Every slot ends committed and readable by the kernel.
        let mut readable = true;
        if let Ok((rd, wr)) = baresys::pipe2(OFlags::CLOEXEC) {
            for pg in 0..res.len() / page {
                let a = res.as_ptr() as usize + pg * page;
                // SAFETY: the kernel reads one byte and answers EFAULT if it cannot.
                let ok = unsafe { baresys::syscall3(nr::WRITE, wr.as_raw_fd() as usize, a, 1) };
                let _ = baresys::read(&rd, &mut [0u8; 1]);
                readable &= ok == Ok(1);
            }
        }
        let ms = now_ns().saturating_sub(t0) / 1_000_000;
        check!(ctx, "all threads started and joined", spawned, "{path}");
        check!(
            ctx,
            "disjoint ranges from 9 threads: no error",
            first.is_none(),
            "{path}: {}",
            Fails(first)
        );
        check!(ctx, "every page readable at the end", readable, "{path}");
        ctx.note(format_args!(
            "{path}: {PAIRS} cyclers x {} cycles, {PAIRS} workers x {} rounds ({} checked writes), churner x {}: {ops} operations, {} errors, {ms} ms",
            n.cycles,
            n.worker_rounds,
            touched.load(Ordering::Relaxed),
            n.churn,
            usize::from(first.is_some()),
        ));
        drop(res);
    }
}

/// `CLOCK_MONOTONIC` in nanoseconds (never negative).
fn now_ns() -> u64 {
    baresys::futex::monotonic_now().as_nanos() as u64
}
