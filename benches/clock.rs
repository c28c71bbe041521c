//! `clock_gettime(CLOCK_MONOTONIC)` through this crate (the vDSO), glibc (the `libc`
//! crate, also the vDSO), rustix (its own vDSO lookup) and the raw system call (this
//! crate's inline `syscall2`, the path taken where there is no vDSO), in one criterion
//! run; after criterion's report, a summary prints the medians and their ratios to glibc.
//!
//! ```text
//! cargo bench --bench clock
//! ```

use baresys::time::{self, Clock};
use criterion::Criterion;
use std::collections::BTreeMap;
use std::hint::black_box;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const SAMPLES: usize = 60;

/// ns per iteration of every call of each routine; criterion's measured samples are
/// the last `SAMPLES` of them.
static NS: Mutex<BTreeMap<String, Vec<f64>>> = Mutex::new(BTreeMap::new());

fn timed(id: &str, iters: u64, mut f: impl FnMut()) -> Duration {
    let t = Instant::now();
    for _ in 0..iters {
        f();
    }
    let d = t.elapsed();
    NS.lock()
        .unwrap()
        .entry(id.to_string())
        .or_default()
        .push(d.as_nanos() as f64 / iters.max(1) as f64);
    d
}

fn baresys_vdso() -> i64 {
    time::clock_gettime(Clock::MONOTONIC).map_or(0, |t| t.nsec)
}

fn glibc() -> i64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: glibc writes one timespec to `ts`.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    black_box(ts.tv_nsec);
    0
}

fn rustix_vdso() -> i64 {
    black_box(rustix::time::clock_gettime(rustix::time::ClockId::Monotonic));
    0
}

fn raw_syscall() -> i64 {
    let mut ts = time::Timespec::ZERO;
    // SAFETY: the kernel writes one timespec to `ts`. CLOCK_GETTIME is the 64-bit-time
    // call on 64-bit targets, which this benchmark is for.
    let _ = unsafe {
        baresys::syscall2(baresys::nr::CLOCK_GETTIME, 1, &mut ts as *mut time::Timespec as usize)
    };
    ts.nsec
}

fn clock(c: &mut Criterion) {
    assert!(time::vdso_in_use(), "no vDSO here: the comparison needs one");
    let mut g = c.benchmark_group("clock_gettime");
    g.sample_size(SAMPLES)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    // Interleaved twice, so that a slow phase of the machine hits every variant.
    for round in 1..=2 {
        macro_rules! bench {
            ($id:literal, $f:expr) => {
                let id = format!("{}/{round}", $id);
                g.bench_function(&id, |b| {
                    b.iter_custom(|n| {
                        timed(&id, n, || {
                            black_box($f());
                        })
                    })
                });
            };
        }
        bench!("baresys", baresys_vdso);
        bench!("glibc", glibc);
        bench!("rustix", rustix_vdso);
        bench!("syscall", raw_syscall);
    }
    g.finish();
}

fn summary() {
    let ns = NS.lock().unwrap();
    // The measured samples of both rounds (each round's last SAMPLES calls), pooled.
    let med = |id: &str| -> Option<f64> {
        let mut v = Vec::new();
        for round in 1..=2 {
            let r = ns.get(&format!("{id}/{round}"))?;
            v.extend_from_slice(&r[r.len().saturating_sub(SAMPLES)..]);
        }
        v.sort_by(f64::total_cmp);
        Some(v[v.len() / 2])
    };
    let Some(g) = med("glibc") else { return };
    println!("\nclock_gettime(CLOCK_MONOTONIC): median ns per call, and ratio to glibc's");
    for id in ["baresys", "glibc", "rustix", "syscall"] {
        if let Some(m) = med(id) {
            println!("{id:<8} {m:>8.1} ns   {:>5.2}x glibc", m / g);
        }
    }
    if let (Some(b), Some(s)) = (med("baresys"), med("syscall")) {
        println!("syscall / baresys = {:.1}x", s / b);
    }
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    clock(&mut c);
    c.final_summary();
    if std::env::args().any(|a| a == "--bench") {
        summary();
    }
}
