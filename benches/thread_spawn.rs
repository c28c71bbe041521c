//! Spawn + join of a thread that returns at once: `baresys::thread` (clone, a stack
//! from a reservation, futex join) against `std::thread` (glibc's pthread_create and
//! pthread_join, which cache stacks), in one run, with the ratio printed at the end.
//!
//! ```text
//! cargo bench --features thread --bench thread_spawn
//! ```
//!
//! Both at their defaults: baresys's 256 KiB stack (reserved, committed and unmapped
//! per thread), std's 2 MiB (glibc reuses freed stacks).

use criterion::Criterion;
use std::hint::black_box;
use std::time::{Duration, Instant};

fn baresys_once() -> u64 {
    // SAFETY: the closure does arithmetic only: no libc, no std I/O, no panic.
    let h = unsafe { baresys::thread::spawn_unchecked(|| black_box(1u64) + 1) }.expect("spawn");
    h.join().expect("join")
}

fn std_once() -> u64 {
    std::thread::spawn(|| black_box(1u64) + 1).join().expect("join")
}

/// Median ns per spawn + join over `rounds` rounds of `n`.
fn median_ns(f: fn() -> u64, rounds: usize, n: u32) -> f64 {
    let mut v: Vec<f64> = (0..rounds)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..n {
                black_box(f());
            }
            t.elapsed().as_nanos() as f64 / n as f64
        })
        .collect();
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let mut c = Criterion::default()
        .sample_size(30)
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    let mut g = c.benchmark_group("spawn_join");
    g.bench_function("baresys", |b| b.iter(baresys_once));
    g.bench_function("std", |b| b.iter(std_once));
    g.finish();
    c.final_summary();
    // The same, interleaved, for a ratio measured side by side.
    let (mut b, mut s) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        b.push(median_ns(baresys_once, 5, 200));
        s.push(median_ns(std_once, 5, 200));
    }
    b.sort_by(f64::total_cmp);
    s.sort_by(f64::total_cmp);
    let (b, s) = (b[2], s[2]);
    println!(
        "spawn + join: baresys {:.1} us, std::thread {:.1} us: baresys/std {:.2}x",
        b / 1000.0,
        s / 1000.0,
        b / s
    );
}
