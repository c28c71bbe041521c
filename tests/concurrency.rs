//! Issue 5, concurrency: one reservation, shared by reference between threads, with a
//! fixed number of operations (not a time budget, so a run is the same work on any
//! machine). Slots of four pages alternate: "cyclers" move theirs through commit,
//! fault + recommit, decommit (each mode), protect read-only and back, guard + unguard,
//! commit_populate and huge-page advice, checking contents and access after each step;
//! "workers" keep theirs committed and write and check patterns all the time, while
//! every protection change beside them splits and merges the VMAs that hold their
//! pages. A "churner" makes and drops other reservations meanwhile. Every fault path
//! in turn. A worker that ever faults kills the test; a wrong byte fails it.
//!
//! The rules this checks (RELIABILITY.md, "Concurrency"): operations on disjoint
//! ranges of one reservation may run at once from any threads; a thread may touch the
//! pages it committed while others change the pages around them.

use baresys::fd::{AsRawFd, OwnedFd};
use baresys::mem::{self, Decommit, FaultPath, Reservation};
use baresys::{nr, Errno, OFlags, Prot};
use std::sync::atomic::{AtomicU64, Ordering};

const PAIRS: usize = 4;
const SLOT_PAGES: usize = 4;
/// A fifth of the work in unoptimized builds (plain `cargo test`; ci/test.sh also
/// runs the release build).
const SCALE: u64 = if cfg!(debug_assertions) { 5 } else { 1 };
const CYCLES: u64 = 5000 / SCALE;
const WORKER_ROUNDS: u64 = 100_000 / SCALE;
const CHURN: u64 = 1500;

/// The checks' helpers, for their xorshift64* `Rng`.
#[allow(dead_code)]
#[path = "checks/util.rs"]
mod util;
use util::Rng;

/// One thread's pages and a pipe to ask the kernel whether it can read them.
struct Slot<'a> {
    r: &'a Reservation,
    off: usize,
    page: usize,
    /// (read end, write end).
    pipe: (OwnedFd, OwnedFd),
}

impl Slot<'_> {
    fn new(r: &Reservation, index: usize, page: usize) -> Slot<'_> {
        let pipe = baresys::pipe2(OFlags::CLOEXEC).expect("pipe2");
        Slot { r, off: index * SLOT_PAGES * page, page, pipe }
    }
    fn len(&self) -> usize {
        SLOT_PAGES * self.page
    }
    fn range(&self) -> std::ops::Range<usize> {
        self.off..self.off + self.len()
    }
    fn word_ptr(&self, page: usize) -> *mut u64 {
        // SAFETY: `off` and the page index stay inside the reservation.
        unsafe { self.r.as_ptr().add(self.off + page * self.page) }.cast()
    }
    fn words(&self) -> usize {
        self.page / 8
    }
    fn fill_page(&self, page: usize, seed: u64) {
        let p = self.word_ptr(page);
        for i in 0..self.words() {
            // SAFETY: called only while this thread's slot is committed; it owns it.
            unsafe { p.add(i).write_volatile(seed ^ (i as u64).wrapping_mul(0x9e37_79b9)) };
        }
    }
    /// Whether the page holds `fill_page(seed)` (or zero with `None`).
    fn page_is(&self, page: usize, seed: Option<u64>) -> bool {
        let p = self.word_ptr(page);
        (0..self.words()).all(|i| {
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
    /// Every page either as filled or zero (MADV_FREE).
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

/// A cycler: `CYCLES` rounds of a random state change of its own slot.
fn cycler(s: Slot<'_>, id: u64) -> Result<u64, String> {
    let mut rng = Rng(0x1234_5678_9abc_def1 ^ (id + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15));
    let fail = |what: String, round: u64| format!("cycler {id} round {round}: {what}");
    let e = |what: &'static str, round: u64| {
        move |err: mem::Error| fail(format!("{what}: {err}"), round)
    };
    s.r.commit(s.range()).map_err(e("commit", 0))?;
    for round in 1..=CYCLES {
        let seed = rng.next();
        s.fill(seed);
        if !s.holds(seed) {
            return Err(fail("changed right after writing".into(), round));
        }
        match rng.next() % 9 {
            0 | 1 => {
                s.r.fault(s.range()).map_err(e("fault", round))?;
                if !s.inaccessible() {
                    return Err(fail("readable after fault".into(), round));
                }
                if rng.next().is_multiple_of(2) {
                    s.r.recommit(s.range()).map_err(e("recommit", round))?;
                } else {
                    s.r.commit(s.range()).map_err(e("commit", round))?;
                }
                if !s.zero() {
                    return Err(fail("not zero after fault + recommit".into(), round));
                }
            }
            2 => {
                s.r.decommit(s.range(), Decommit::Zero).map_err(e("decommit Zero", round))?;
                if !s.zero() {
                    return Err(fail("not zero after decommit Zero".into(), round));
                }
            }
            3 => {
                s.r.decommit(s.range(), Decommit::Lazy).map_err(e("decommit Lazy", round))?;
                if !s.held_or_zero(seed) {
                    return Err(fail("neither kept nor zero after decommit Lazy".into(), round));
                }
            }
            4 => {
                s.r.decommit(s.range(), Decommit::Uncharge).map_err(e("Uncharge", round))?;
                if !s.inaccessible() {
                    return Err(fail("readable after Uncharge".into(), round));
                }
                s.r.commit(s.range()).map_err(e("commit", round))?;
                if !s.zero() {
                    return Err(fail("not zero after Uncharge + commit".into(), round));
                }
            }
            5 => {
                let prot =
                    if rng.next().is_multiple_of(2) { Prot::READ } else { Prot::READ | Prot::EXEC };
                s.r.protect(s.range(), prot).map_err(e("protect", round))?;
                if !s.holds(seed) {
                    return Err(fail("contents changed by protect".into(), round));
                }
                s.r.commit(s.range()).map_err(e("commit", round))?;
                if !s.holds(seed) {
                    return Err(fail("contents changed by protect + commit".into(), round));
                }
            }
            6 => {
                // Half the slot: guard markers (or mprotect) beside read-write pages.
                let half = s.off..s.off + 2 * s.page;
                s.r.guard(half.clone()).map_err(e("guard", round))?;
                if s.kernel_reads(0) || s.kernel_reads(1) {
                    return Err(fail("readable after guard".into(), round));
                }
                if !s.page_is(2, Some(seed.wrapping_add(2)))
                    || !s.page_is(3, Some(seed.wrapping_add(3)))
                {
                    return Err(fail("guard changed the pages beside it".into(), round));
                }
                s.r.unguard(half).map_err(e("unguard", round))?;
                if !s.page_is(0, None) || !s.page_is(1, None) {
                    return Err(fail("not zero after guard + unguard".into(), round));
                }
            }
            7 => {
                s.r.commit_populate(s.range()).map_err(e("commit_populate", round))?;
                if !s.holds(seed) {
                    return Err(fail("contents changed by commit_populate".into(), round));
                }
            }
            _ => {
                let on = rng.next().is_multiple_of(2);
                match s.r.advise_huge(s.range(), on) {
                    Ok(()) => {}
                    Err(err) if err.errno() == Some(Errno::EINVAL) => {}
                    Err(err) => return Err(fail(format!("advise_huge: {err}"), round)),
                }
                if !s.holds(seed) {
                    return Err(fail("contents changed by advice".into(), round));
                }
            }
        }
    }
    Ok(CYCLES)
}

/// A worker: writes and checks its committed slot, `WORKER_ROUNDS` times.
fn worker(s: Slot<'_>, id: u64, touched: &AtomicU64) -> Result<u64, String> {
    let mut rng = Rng(0xfeed_f00d ^ (id + 1).wrapping_mul(0x2545_f491_4f6c_dd1d));
    let mut seeds = [0u64; SLOT_PAGES];
    s.r.commit(s.range()).map_err(|e| format!("worker {id}: commit: {e}"))?;
    for (pg, seed) in seeds.iter_mut().enumerate() {
        *seed = rng.next();
        s.fill_page(pg, *seed);
    }
    for round in 1..=WORKER_ROUNDS {
        let pg = (rng.next() % SLOT_PAGES as u64) as usize;
        seeds[pg] = rng.next();
        s.fill_page(pg, seeds[pg]);
        let check = (rng.next() % SLOT_PAGES as u64) as usize;
        if !s.page_is(check, Some(seeds[check])) {
            return Err(format!("worker {id} round {round}: page {check} changed under it"));
        }
        touched.fetch_add(1, Ordering::Relaxed);
    }
    if !(0..SLOT_PAGES).all(|pg| s.page_is(pg, Some(seeds[pg]))) {
        return Err(format!("worker {id}: final contents wrong"));
    }
    Ok(WORKER_ROUNDS)
}

/// Other reservations made, committed, written, faulted and dropped meanwhile.
fn churner(page: usize) -> Result<u64, String> {
    for round in 1..=CHURN {
        let r =
            Reservation::reserve(8 * page).map_err(|e| format!("churn {round}: reserve: {e}"))?;
        r.commit(2 * page..6 * page).map_err(|e| format!("churn {round}: commit: {e}"))?;
        // SAFETY: committed just above; this thread owns the reservation.
        unsafe { r.as_ptr().add(3 * page).write_volatile(round as u8) };
        r.fault(2 * page..4 * page).map_err(|e| format!("churn {round}: fault: {e}"))?;
        drop(r);
    }
    Ok(CHURN)
}

fn run(path: FaultPath) {
    let page = mem::page_size();
    let mut r = Reservation::reserve(2 * PAIRS * SLOT_PAGES * page).expect("reserve");
    r.set_fault_path(path).expect("set_fault_path");
    let r = &r;
    let touched = AtomicU64::new(0);
    let results: Vec<Result<u64, String>> = std::thread::scope(|sc| {
        let mut hs = Vec::new();
        for i in 0..PAIRS {
            hs.push(sc.spawn(move || cycler(Slot::new(r, 2 * i, page), i as u64)));
            let touched = &touched;
            hs.push(sc.spawn(move || worker(Slot::new(r, 2 * i + 1, page), i as u64, touched)));
        }
        hs.push(sc.spawn(move || churner(page)));
        hs.into_iter().map(|h| h.join().expect("thread panicked")).collect()
    });
    let errors: Vec<&String> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(errors.is_empty(), "{path}: {errors:?}");
    // Afterwards every slot is committed and usable: read all of it through the kernel.
    let (rd, wr) = baresys::pipe2(OFlags::CLOEXEC).expect("pipe2");
    for pg in 0..r.len() / page {
        let a = r.as_ptr() as usize + pg * page;
        // SAFETY: the kernel reads one byte and answers EFAULT if it cannot.
        let ok = unsafe { baresys::syscall3(nr::WRITE, wr.as_raw_fd() as usize, a, 1) } == Ok(1);
        let _ = baresys::read(&rd, &mut [0u8; 1]);
        assert!(ok, "{path}: page {pg} not readable at the end");
    }
    let ops: u64 = results.iter().map(|r| *r.as_ref().unwrap()).sum();
    eprintln!(
        "concurrency {path}: {PAIRS} cyclers x {CYCLES} cycles, {PAIRS} workers x {WORKER_ROUNDS} rounds ({} checked writes), churner x {CHURN}: {ops} operations, 0 errors",
        touched.load(Ordering::Relaxed)
    );
}

#[test]
fn disjoint_ranges_from_many_threads() {
    let mut paths = vec![FaultPath::Remap, FaultPath::Protect];
    if mem::guard_supported() {
        paths.push(FaultPath::Guard);
    }
    for path in paths {
        run(path);
    }
}
