//! Single-thread costs: each fault path and each recommit for 64 KiB and 2 MiB, the
//! `Protect` path's mprotect part alone, and the raw call cost of `mprotect` (RW to RW on
//! one page) and `getpid` through this crate, glibc (the `libc` crate), rustix and, on
//! x86_64, a hand-written inline `syscall`.
//!
//! ```text
//! cargo bench --bench fault_paths             # about 2 minutes
//! cargo bench --bench fault_paths -- syscall  # only the raw calls
//! ```
//!
//! Each region lies in the middle of a larger read-write mapping whose pages are all
//! touched (a span inside a heap arena), so `Remap` and `Protect` split the VMA on fault
//! and merge it back on recommit; transparent huge pages are off, so every touch is a
//! 4 KiB fault. Every iteration runs a whole cycle (fault, recommit, touch every page)
//! and times one phase of it, so wall time is several times the measured time. After
//! criterion's own report, a summary prints the medians side by side with their ratios.

use baresys::mem::{FaultPath, Reservation};
use baresys::{Advice, Prot};
use criterion::{BenchmarkId, Criterion};
use std::collections::BTreeMap;
use std::ffi::c_void;
use std::hint::black_box;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const RW: Prot = Prot::READ.union(Prot::WRITE);
const SIZES: [(usize, &str); 2] = [(64 << 10, "64KiB"), (2 << 20, "2MiB")];
const PATH_SAMPLES: usize = 20;
const RAW_SAMPLES: usize = 40;
const PATHS: [FaultPath; 3] = [FaultPath::Remap, FaultPath::Protect, FaultPath::Guard];

/// ns per iteration of every call of each benchmark's routine, in order; criterion's
/// measured samples are the last `sample_size` of them.
static SAMPLES: Mutex<BTreeMap<String, Vec<f64>>> = Mutex::new(BTreeMap::new());

fn record(id: &str, d: Duration, iters: u64) -> Duration {
    let ns = d.as_nanos() as f64 / iters.max(1) as f64;
    SAMPLES.lock().unwrap().entry(id.to_string()).or_default().push(ns);
    d
}

/// A region of `len` bytes in the middle of a touched read-write reservation of three
/// times that, with its own fault path (a fresh reservation per path: once guard
/// markers have been used in one, its recommits also remove markers).
struct Region {
    res: Reservation,
    off: usize,
    len: usize,
    page: usize,
}

impl Region {
    fn new(path: FaultPath, len: usize) -> Region {
        let mut res = Reservation::reserve_aligned(3 * len, 2 << 20).expect("reserve");
        res.set_fault_path(path).expect("fault path");
        res.commit(..).expect("commit");
        let page = baresys::mem::page_size();
        let r = Region { res, off: len, len, page };
        for i in (0..3 * len).step_by(page) {
            // SAFETY: committed read-write above; used by this thread only.
            unsafe { r.res.as_ptr().add(i).write_volatile(1) };
        }
        r
    }
    fn range(&self) -> std::ops::Range<usize> {
        self.off..self.off + self.len
    }
    fn ptr(&self) -> *mut c_void {
        // SAFETY: `off` is inside the reservation.
        unsafe { self.res.as_ptr().add(self.off).cast() }
    }
    fn fault(&self) {
        self.res.fault(self.range()).expect("fault");
    }
    fn recommit(&self) {
        self.res.recommit(self.range()).expect("recommit");
    }
    fn touch(&self) {
        for i in (0..self.len).step_by(self.page) {
            // SAFETY: the region is read-write again after a recommit; this thread only.
            unsafe { self.res.as_ptr().add(self.off + i).write_volatile(1) };
        }
    }
}

#[derive(Clone, Copy)]
enum Phase {
    Fault,
    Recommit,
    /// Protect only: `mprotect(PROT_NONE)` timed, then `MADV_DONTNEED` and recommit.
    MprotectPart,
}

/// `iters` whole cycles over `r`, timing `phase` only.
fn cycles(r: &Region, phase: Phase, iters: u64) -> Duration {
    let mut t = Duration::ZERO;
    for _ in 0..iters {
        match phase {
            Phase::Fault => {
                let t0 = Instant::now();
                r.fault();
                t += t0.elapsed();
                r.recommit();
            }
            Phase::Recommit => {
                r.fault();
                let t0 = Instant::now();
                r.recommit();
                t += t0.elapsed();
            }
            Phase::MprotectPart => {
                let t0 = Instant::now();
                // SAFETY: the region is ours and nothing reads it until the recommit.
                unsafe { baresys::mprotect(r.ptr(), r.len, Prot::NONE) }.expect("mprotect");
                t += t0.elapsed();
                // SAFETY: as above; the contents are given up.
                unsafe { baresys::madvise(r.ptr(), r.len, Advice::DONTNEED) }.expect("madvise");
                r.recommit();
            }
        }
        r.touch();
    }
    t
}

fn fault_paths(c: &mut Criterion) {
    let guard = baresys::mem::guard_supported();
    if !guard {
        eprintln!("fault_paths: guard path skipped: this kernel does not really install guard markers (Linux 6.13+)");
    }
    for (group, phase) in [("fault", Phase::Fault), ("recommit", Phase::Recommit)] {
        let mut g = c.benchmark_group(group);
        // Only one phase of each cycle is timed: keep the measured time short.
        g.warm_up_time(Duration::from_millis(200))
            .measurement_time(Duration::from_millis(if group == "fault" { 600 } else { 250 }))
            .sample_size(PATH_SAMPLES);
        for (len, size) in SIZES {
            for path in PATHS.into_iter().filter(|&p| p != FaultPath::Guard || guard) {
                let r = Region::new(path, len);
                let id = format!("{group}/{}/{size}", path.name());
                g.bench_function(BenchmarkId::new(path.name(), size), |b| {
                    b.iter_custom(|iters| record(&id, cycles(&r, phase, iters), iters))
                });
            }
        }
        g.finish();
    }
    let mut g = c.benchmark_group("protect_mprotect_part");
    g.warm_up_time(Duration::from_millis(200))
        .measurement_time(Duration::from_millis(250))
        .sample_size(PATH_SAMPLES);
    for (len, size) in SIZES {
        let r = Region::new(FaultPath::Protect, len);
        let id = format!("protect_mprotect_part/{size}");
        g.bench_function(size, |b| {
            b.iter_custom(|iters| record(&id, cycles(&r, Phase::MprotectPart, iters), iters))
        });
    }
    g.finish();
}

/// `mprotect(RW)` on one page that is already RW: no VMA change, the cheapest real work.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn asm_mprotect(p: *mut c_void, len: usize) -> isize {
    let ret: isize;
    // SAFETY: mprotect of our own read-write page to read-write changes nothing.
    unsafe {
        std::arch::asm!("syscall", inlateout("rax") 10isize => ret, in("rdi") p, in("rsi") len, in("rdx") 3,
            lateout("rcx") _, lateout("r11") _, options(nostack, preserves_flags));
    }
    ret
}

#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn asm_getpid() -> isize {
    let ret: isize;
    // SAFETY: getpid takes no arguments and touches no memory.
    unsafe {
        std::arch::asm!("syscall", inlateout("rax") 39isize => ret, lateout("rcx") _, lateout("r11") _,
            options(nostack, preserves_flags, nomem));
    }
    ret
}

fn raw_calls(c: &mut Criterion) {
    let page = baresys::mem::page_size();
    let res = Reservation::reserve(page).expect("reserve");
    res.commit(..).expect("commit");
    let p: *mut c_void = res.as_ptr().cast();
    // SAFETY: committed read-write above.
    unsafe { p.cast::<u8>().write_volatile(1) };

    let mut g = c.benchmark_group("syscall");
    g.warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .sample_size(RAW_SAMPLES);
    macro_rules! bench {
        ($name:expr, $call:expr) => {{
            let id = format!("syscall/{}", $name);
            g.bench_function($name, |b| {
                b.iter_custom(|iters| {
                    let t0 = Instant::now();
                    for _ in 0..iters {
                        black_box($call);
                    }
                    record(&id, t0.elapsed(), iters)
                })
            });
        }};
    }
    let p = black_box(p);
    // SAFETY (all mprotect calls): RW to RW on our own committed page changes nothing.
    bench!("mprotect/baresys", unsafe { baresys::mprotect(p, page, RW) }.is_ok());
    bench!("mprotect/libc", unsafe { libc::mprotect(p, page, libc::PROT_READ | libc::PROT_WRITE) });
    bench!(
        "mprotect/rustix",
        unsafe {
            rustix::mm::mprotect(
                p,
                page,
                rustix::mm::MprotectFlags::READ | rustix::mm::MprotectFlags::WRITE,
            )
        }
        .is_ok()
    );
    #[cfg(target_arch = "x86_64")]
    bench!("mprotect/asm", asm_mprotect(p, page));
    bench!("getpid/baresys", baresys::getpid());
    // SAFETY: getpid has no preconditions.
    bench!("getpid/libc", unsafe { libc::getpid() });
    bench!("getpid/rustix", rustix::process::getpid());
    #[cfg(target_arch = "x86_64")]
    bench!("getpid/asm", asm_getpid());
    g.finish();
}

/// Medians of criterion's samples (the last `n` calls of each routine), side by side.
fn summary() {
    let samples = SAMPLES.lock().unwrap();
    let med = |id: &str| -> Option<f64> {
        let n = if id.starts_with("syscall/") { RAW_SAMPLES } else { PATH_SAMPLES };
        let v = samples.get(id)?;
        let mut v: Vec<f64> = v[v.len().saturating_sub(n)..].to_vec();
        v.sort_by(f64::total_cmp);
        Some(v[v.len() / 2])
    };
    let cell = |x: Option<f64>| x.map_or("-".to_string(), |x| format!("{x:.0}"));
    let ratio = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => format!("{:.2}", a / b),
        _ => "-".into(),
    };
    println!("\nfault_paths summary: median ns per call (criterion samples), region inside a larger RW mapping, 4 KiB pages");
    println!(
        "{:<6} {:>12} {:>14} {:>14} {:>12} {:>15} {:>17} {:>15}",
        "size",
        "remap fault",
        "protect fault",
        " mprotect part",
        "guard fault",
        "remap recommit",
        "protect recommit",
        "guard recommit"
    );
    for (_, size) in SIZES {
        let f = |p: &str| med(&format!("fault/{p}/{size}"));
        let r = |p: &str| med(&format!("recommit/{p}/{size}"));
        println!(
            "{size:<6} {:>12} {:>14} {:>14} {:>12} {:>15} {:>17} {:>15}",
            cell(f("remap")),
            cell(f("protect")),
            cell(med(&format!("protect_mprotect_part/{size}"))),
            cell(f("guard")),
            cell(r("remap")),
            cell(r("protect")),
            cell(r("guard")),
        );
    }
    println!("ratios to remap: fault protect/remap, guard/remap; protect's mprotect part / remap fault (target <= 0.35 at 2 MiB); cycle (fault+recommit)");
    for (_, size) in SIZES {
        let f = |p: &str| med(&format!("fault/{p}/{size}"));
        let cyc = |p: &str| Some(f(p)? + med(&format!("recommit/{p}/{size}"))?);
        println!(
            "{size:<6} protect/remap={}  guard/remap={}  mprotect_part/remap={}  cycle protect/remap={}  cycle guard/remap={}",
            ratio(f("protect"), f("remap")),
            ratio(f("guard"), f("remap")),
            ratio(med(&format!("protect_mprotect_part/{size}")), f("remap")),
            ratio(cyc("protect"), cyc("remap")),
            ratio(cyc("guard"), cyc("remap")),
        );
    }
    println!("\nraw call, median ns per call, and ratio to glibc's");
    for call in ["mprotect", "getpid"] {
        let m = |v: &str| med(&format!("syscall/{call}/{v}"));
        println!(
            "{call:<9} baresys={} libc={} rustix={} asm={}   baresys/libc={} rustix/libc={} asm/libc={}",
            cell(m("baresys")),
            cell(m("libc")),
            cell(m("rustix")),
            cell(m("asm")),
            ratio(m("baresys"), m("libc")),
            ratio(m("rustix"), m("libc")),
            ratio(m("asm"), m("libc")),
        );
    }
}

const PR_SET_THP_DISABLE: i32 = 41;

fn main() {
    // 4 KiB faults whatever the THP setting, as in the C reference.
    // SAFETY: PR_SET_THP_DISABLE takes no pointer and only changes this process.
    let _ = unsafe { baresys::prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) };
    let mut c = Criterion::default().configure_from_args();
    fault_paths(&mut c);
    raw_calls(&mut c);
    c.final_summary();
    // Only when measuring (`cargo bench`), not in `cargo test --benches`' single pass.
    if std::env::args().any(|a| a == "--bench") {
        summary();
    }
}
