//! Eight threads moving disjoint parts of one reservation through commit, fault,
//! recommit, decommit and protect at once, with every fault path, checking contents
//! after each step: the kernel changes one mapping from many threads, and no thread may
//! see another's change. About two seconds in all.

use baresys::fd::{AsRawFd, OwnedFd};
use baresys::mem::{self, Decommit, FaultPath, Reservation};
use baresys::{nr, Errno, OFlags, Prot};
use std::time::{Duration, Instant};

const THREADS: usize = 8;
const SLOT_PAGES: usize = 8;

/// The checks' helpers, for their xorshift64* `Rng`.
#[allow(dead_code)]
#[path = "checks/util.rs"]
mod util;
use util::Rng;

/// One thread's slot: its byte range in the reservation and a pipe to ask the kernel
/// whether it can read a page (EFAULT when not), which needs no fork.
struct Slot<'a> {
    r: &'a Reservation,
    off: usize,
    len: usize,
    page: usize,
    /// (read end, write end).
    pipe: (OwnedFd, OwnedFd),
}

impl Slot<'_> {
    fn addr(&self) -> *mut u8 {
        // SAFETY: `off` is inside the reservation.
        unsafe { self.r.as_ptr().add(self.off) }
    }
    fn range(&self) -> std::ops::Range<usize> {
        self.off..self.off + self.len
    }
    fn fill(&self, seed: u64) {
        let p = self.addr().cast::<u64>();
        for i in 0..self.len / 8 {
            // SAFETY: called only while the slot is committed; this thread owns it.
            unsafe { p.add(i).write_volatile(seed ^ i as u64) };
        }
    }
    /// The index of the first word that is not `seed ^ i` (or not zero with `None`).
    fn first_wrong(&self, seed: Option<u64>) -> Option<usize> {
        let p = self.addr().cast::<u64>();
        (0..self.len / 8).find(|&i| {
            // SAFETY: called only while the slot is readable; this thread owns it.
            let v = unsafe { p.add(i).read_volatile() };
            v != seed.map_or(0, |s| s ^ i as u64)
        })
    }
    /// Whether the kernel refuses to read each page of the slot.
    fn inaccessible(&self) -> bool {
        (0..self.len / self.page).all(|i| {
            let a = self.addr() as usize + i * self.page;
            // SAFETY: the kernel reads at most one byte and answers EFAULT if it cannot.
            let r = unsafe { baresys::syscall3(nr::WRITE, self.pipe.1.as_raw_fd() as usize, a, 1) };
            if r == Ok(1) {
                let _ = baresys::read(&self.pipe.0, &mut [0u8; 1]);
            }
            r == Err(Errno::EFAULT)
        })
    }
}

/// Runs one thread's loop until `until`; returns the number of rounds.
fn worker(slot: Slot<'_>, path: FaultPath, until: Instant, id: usize) -> Result<u64, String> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ ((id as u64 + 1) * 0x1234_5678));
    let fail = |what: &str, round: u64| format!("{path} thread {id} round {round}: {what}");
    let mut round = 0u64;
    slot.r.commit(slot.range()).map_err(|e| fail(&format!("commit: {e}"), 0))?;
    while Instant::now() < until {
        round += 1;
        let seed = rng.next();
        slot.fill(seed);
        if let Some(i) = slot.first_wrong(Some(seed)) {
            return Err(fail(&format!("word {i} changed right after writing"), round));
        }
        match rng.next() % 4 {
            // fault + recommit: inaccessible in between, zero after.
            0 | 1 => {
                slot.r.fault(slot.range()).map_err(|e| fail(&format!("fault: {e}"), round))?;
                if !slot.inaccessible() {
                    return Err(fail("faulted slot still readable by the kernel", round));
                }
                let back = if rng.next().is_multiple_of(4) {
                    slot.r.commit(slot.range())
                } else {
                    slot.r.recommit(slot.range())
                };
                back.map_err(|e| fail(&format!("recommit: {e}"), round))?;
                if let Some(i) = slot.first_wrong(None) {
                    return Err(fail(&format!("word {i} not zero after fault + recommit"), round));
                }
            }
            // decommit: Zero reads zero at once; Uncharge faults until committed.
            2 => {
                let uncharge = rng.next().is_multiple_of(2);
                let mode = if uncharge { Decommit::Uncharge } else { Decommit::Zero };
                slot.r
                    .decommit(slot.range(), mode)
                    .map_err(|e| fail(&format!("decommit {mode:?}: {e}"), round))?;
                if uncharge {
                    if !slot.inaccessible() {
                        return Err(fail("Uncharge left the slot readable", round));
                    }
                    slot.r
                        .commit(slot.range())
                        .map_err(|e| fail(&format!("commit: {e}"), round))?;
                }
                if let Some(i) = slot.first_wrong(None) {
                    return Err(fail(&format!("word {i} not zero after decommit {mode:?}"), round));
                }
            }
            // read-only and back: contents kept.
            _ => {
                slot.r
                    .protect(slot.range(), Prot::READ)
                    .map_err(|e| fail(&format!("protect: {e}"), round))?;
                if let Some(i) = slot.first_wrong(Some(seed)) {
                    return Err(fail(&format!("word {i} changed by protect READ"), round));
                }
                slot.r.commit(slot.range()).map_err(|e| fail(&format!("commit: {e}"), round))?;
                if let Some(i) = slot.first_wrong(Some(seed)) {
                    return Err(fail(&format!("word {i} changed by protect + commit"), round));
                }
            }
        }
    }
    Ok(round)
}

fn run_path(path: FaultPath, secs: f64) {
    let page = mem::page_size();
    let slot_len = SLOT_PAGES * page;
    let mut r = Reservation::reserve(THREADS * slot_len).expect("reserve");
    r.set_fault_path(path).expect("set_fault_path");
    let r = &r;
    let until = Instant::now() + Duration::from_secs_f64(secs);
    let results: Vec<Result<u64, String>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|id| {
                s.spawn(move || {
                    let pipe =
                        baresys::pipe2(OFlags::CLOEXEC).map_err(|e| format!("pipe2: {e}"))?;
                    let slot = Slot { r, off: id * slot_len, len: slot_len, page, pipe };
                    // The slot owns the pipe: it closes when the worker is done with it.
                    worker(slot, path, until, id)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("worker panicked")).collect()
    });
    let mut rounds = Vec::new();
    for res in results {
        match res {
            Ok(n) => rounds.push(n),
            Err(e) => panic!("{e}"),
        }
    }
    eprintln!("mem_threads {path}: rounds per thread {rounds:?}");
    assert!(rounds.iter().all(|&n| n > 0), "a thread made no progress: {rounds:?}");
}

#[test]
fn eight_threads_every_path() {
    let mut paths = vec![FaultPath::Remap, FaultPath::Protect];
    if mem::guard_supported() {
        paths.push(FaultPath::Guard);
    } else {
        eprintln!("mem_threads: guard regions unsupported here, Guard path not run");
    }
    let secs = 2.0 / paths.len() as f64;
    for path in paths {
        run_path(path, secs);
    }
}
