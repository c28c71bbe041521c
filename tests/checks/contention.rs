//! The experiment of examples/fault_contention.rs on baresys's own threads, so that it
//! runs on every architecture's real kernel: one writer thread cycles fault / recommit
//! / touch-every-page over its region of a reservation with one fault path, while K
//! reader threads fault pages in the same reservation (touch every page of their own
//! region, `MADV_DONTNEED` it, touch again). Per path: the readers' fault-latency
//! percentiles (each touch timed with `clock_gettime`, a system call here: no vDSO)
//! and the writer's cycles per second. Under QEMU user mode the run is functional only
//! (the host kernel's locks are not the guest's); on a real kernel with `-smp 2` the
//! ratios say how much the Remap path's `mmap_lock` write holds stall the readers.

use crate::check;
use crate::checks::Ctx;
use crate::thread_checks::{forever, go, Gate};
use baresys::futex::{self, Timespec};
use baresys::mem::{self, Decommit, FaultPath, Reservation};
use baresys::thread::JoinHandle;
use core::sync::atomic::{AtomicBool, Ordering};

// Latency histogram: exact below 64 ns, then 32 buckets per power of two (3 %).
const SUB_BITS: u32 = 5;
const SUB: usize = 1 << SUB_BITS;
const LINEAR: usize = 2 * SUB;
const BUCKETS: usize = LINEAR + (64 - 6) * SUB;

fn bucket(ns: u64) -> usize {
    if ns < LINEAR as u64 {
        return ns as usize;
    }
    let lg = 63 - ns.leading_zeros();
    let sub = (ns >> (lg - SUB_BITS)) as usize & (SUB - 1);
    LINEAR + (lg as usize - 6) * SUB + sub
}

/// One past the largest value of bucket `b`.
fn bucket_top(b: usize) -> u64 {
    if b < LINEAR {
        return b as u64 + 1;
    }
    let lg = (b - LINEAR) / SUB + 6;
    let sub = ((b - LINEAR) % SUB) as u64;
    let step = 1u64 << (lg as u32 - SUB_BITS);
    (1u64 << lg) + (sub + 1) * step
}

pub struct Hist {
    counts: [u64; BUCKETS],
}

impl Hist {
    const fn new() -> Hist {
        Hist { counts: [0; BUCKETS] }
    }
    fn add(&mut self, ns: u64) {
        self.counts[bucket(ns)] += 1;
    }
    fn merge(&mut self, o: &Hist) {
        self.counts.iter_mut().zip(o.counts.iter()).for_each(|(a, b)| *a += b);
    }
    fn count(&self) -> u64 {
        self.counts.iter().sum()
    }
    /// Quantile `q` (per mille) in ns: the upper edge of its bucket (within 3 %).
    fn quantile(&self, per_mille: u64) -> u64 {
        let n = self.count();
        let want = n * per_mille / 1000;
        let mut acc = 0;
        for (b, &c) in self.counts.iter().enumerate() {
            acc += c;
            if acc > want {
                return bucket_top(b);
            }
        }
        0
    }
}

struct ReaderOut {
    hist: Hist,
    error: Option<mem::Error>,
}

fn reader(
    res: &Reservation, off: usize, len: usize, page: usize, go: &Gate, stop: &AtomicBool,
) -> ReaderOut {
    let mut out = ReaderOut { hist: Hist::new(), error: None };
    let base = res.as_ptr() as usize + off;
    go.wait_for(1);
    'run: while !stop.load(Ordering::Relaxed) {
        let mut t = now_ns();
        let mut i = 0;
        while i < len {
            // SAFETY: this reader's part of the reservation, committed read-write in
            // setup and never faulted by the writer; only this thread uses it.
            unsafe { ((base + i) as *mut u8).write_volatile(1) };
            let t2 = now_ns();
            out.hist.add(t2.saturating_sub(t));
            t = t2;
            i += page;
            if i % (64 * page) == 0 && stop.load(Ordering::Relaxed) {
                break 'run;
            }
        }
        if let Err(e) = res.decommit(off..off + len, Decommit::Zero) {
            out.error = Some(e);
            break;
        }
    }
    out
}

struct WriterOut {
    cycles: u64,
    ns: u64,
    error: Option<mem::Error>,
}

fn writer(res: &Reservation, len: usize, page: usize, go: &Gate, stop: &AtomicBool) -> WriterOut {
    let base = res.as_ptr() as usize;
    let mut out = WriterOut { cycles: 0, ns: 0, error: None };
    go.wait_for(1);
    let t0 = now_ns();
    while !stop.load(Ordering::Relaxed) {
        if let Err(e) = res.fault(0..len).and_then(|()| res.recommit(0..len)) {
            out.error = Some(e);
            break;
        }
        for i in (0..len).step_by(page) {
            // SAFETY: the writer's region, read-write again after the recommit above;
            // only this thread uses it.
            unsafe { ((base + i) as *mut u8).write_volatile(1) };
        }
        out.cycles += 1;
    }
    out.ns = now_ns().saturating_sub(t0);
    out
}

/// The figures of one path.
#[derive(Clone, Copy, Default)]
pub struct Figures {
    pub p50: u64,
    pub p99: u64,
    pub p999: u64,
    pub faults: u64,
    pub cycles_per_s: u64,
}

const WRITER_LEN: usize = 2 << 20;
const READER_LEN: usize = 4 << 20;
const MAX_READERS: usize = 8;

fn one(ctx: &mut Ctx, path: FaultPath, readers: usize, ms: u64) -> Option<Figures> {
    let page = mem::page_size();
    let mut res = Reservation::reserve(WRITER_LEN + readers * READER_LEN).ok()?;
    res.set_fault_path(path).ok()?;
    res.commit(..).ok()?;
    let gate = Gate::new();
    let stop = AtomicBool::new(false);
    let (r, g, s) = (forever(&res), forever(&gate), forever(&stop));
    let w = go(move || writer(r, WRITER_LEN, page, g, s));
    let mut hs: [Option<JoinHandle<ReaderOut>>; MAX_READERS] = [const { None }; MAX_READERS];
    for (k, h) in hs.iter_mut().enumerate().take(readers) {
        let off = WRITER_LEN + k * READER_LEN;
        *h = go(move || reader(r, off, READER_LEN, page, g, s)).ok();
    }
    gate.arrive();
    let _ = futex::wait(
        &core::sync::atomic::AtomicU32::new(0),
        0,
        Some(&Timespec::from_nanos(ms * 1_000_000)),
    );
    stop.store(true, Ordering::Relaxed);
    let wout = w.ok().and_then(JoinHandle::join);
    let mut all = Hist::new();
    let mut errors = 0;
    let mut joined = 0;
    for h in hs.iter_mut() {
        if let Some(o) = h.take().and_then(JoinHandle::join) {
            all.merge(&o.hist);
            errors += usize::from(o.error.is_some());
            joined += 1;
        }
    }
    let (cycles, ns, werr) =
        wout.as_ref().map_or((0, 1, true), |o| (o.cycles, o.ns.max(1), o.error.is_some()));
    check!(
        ctx,
        "writer and readers ran and were joined",
        wout.is_some() && joined == readers,
        "{path}"
    );
    check!(ctx, "no mem error in writer or readers", !werr && errors == 0, "{path}");
    check!(
        ctx,
        "the writer cycled and the readers faulted",
        cycles > 0 && all.count() > 0,
        "{path}: {cycles} cycles, {} faults",
        all.count()
    );
    drop(res);
    Some(Figures {
        p50: all.quantile(500),
        p99: all.quantile(990),
        p999: all.quantile(999),
        faults: all.count(),
        cycles_per_s: cycles * 1_000_000_000 / ns,
    })
}

/// Ratio a/b with two decimals, as "2.10x".
struct Ratio(u64, u64);
impl core::fmt::Display for Ratio {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        if self.1 == 0 {
            return f.write_str("-");
        }
        let hundredths = self.0 * 100 / self.1;
        write!(f, "{}.{:02}x", hundredths / 100, hundredths % 100)
    }
}

/// Runs every path the kernel has for `ms` milliseconds each with `readers` readers,
/// prints one line per path and the summary line `contention: p99.9 remap/protect
/// Rx, remap/guard Rx|-`.
pub fn run(ctx: &mut Ctx, readers: usize, ms: u64) {
    ctx.group("contention");
    let readers = readers.clamp(1, MAX_READERS);
    let paths = [FaultPath::Remap, FaultPath::Protect, FaultPath::Guard];
    let mut figs: [Option<Figures>; 3] = [None; 3];
    for (i, &path) in paths.iter().enumerate() {
        if path == FaultPath::Guard && !mem::guard_supported() {
            continue;
        }
        figs[i] = one(ctx, path, readers, ms);
        match figs[i] {
            Some(f) => crate::checks::out!(
                "contention {path}: {readers} readers, {} faults, p50 {} ns, p99 {} ns, p99.9 {} ns; writer {} cycles/s\n",
                f.faults, f.p50, f.p99, f.p999, f.cycles_per_s
            ),
            None => ctx.check("set up", false, format_args!("{path}")),
        }
    }
    let p = |i: usize| figs[i].map_or(0, |f| f.p999);
    let guard = if figs[2].is_some() { Ratio(p(0), p(2)) } else { Ratio(0, 0) };
    crate::checks::out!(
        "contention: p99.9 remap/protect {}, remap/guard {}\n",
        Ratio(p(0), p(1)),
        guard
    );
}

/// `CLOCK_MONOTONIC` in nanoseconds (never negative).
fn now_ns() -> u64 {
    baresys::futex::monotonic_now().as_nanos() as u64
}
