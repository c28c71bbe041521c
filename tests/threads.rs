//! The thread checks (tests/checks/thread.rs), the threaded `mem` concurrency test
//! (tests/checks/mem_threads.rs) and a short fault-contention run
//! (tests/checks/contention.rs) on the host, in a std program: the threads are started
//! with `spawn_unchecked` and their closures use only core and baresys.
//! `cargo test --features thread --test threads`.
#![cfg(feature = "thread")]

#[allow(unused)]
mod checks;
#[allow(unused)]
#[path = "checks/contention.rs"]
mod contention;
#[allow(unused)]
#[path = "checks/mem_threads.rs"]
mod mem_threads;
#[allow(unused)]
#[path = "checks/thread.rs"]
mod thread_checks;

/// The groups fork children and wait for them: one at a time.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn run(group: impl FnOnce(&mut checks::Ctx)) {
    let _serial = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let mut ctx = checks::Ctx::new(std::env::var_os("BARESYS_VERBOSE").is_some());
    group(&mut ctx);
    assert_eq!(
        ctx.failed, 0,
        "{} passed, {} failed (failures printed above)",
        ctx.passed, ctx.failed
    );
    assert!(ctx.passed > 0, "no check ran");
}

#[test]
fn threads() {
    run(thread_checks::run);
}

#[test]
fn not_owned_here() {
    // A std program: libc owns the thread pointers, so `with` has no block to give.
    assert!(!baresys::thread::owned());
    assert!(baresys::thread::with(|l| l.is_none()));
    assert_eq!(baresys::thread::id(), baresys::gettid());
}

#[test]
fn mem_concurrency_on_baresys_threads() {
    // The host test's counts in release builds, a fifth unoptimized.
    let scale = if cfg!(debug_assertions) { 5 } else { 1 };
    let counts = mem_threads::Counts {
        cycles: 5000 / scale,
        worker_rounds: 100_000 / scale,
        churn: 1500 / scale,
    };
    run(|ctx| mem_threads::run(ctx, counts));
}

#[test]
fn contention_runs() {
    run(|ctx| contention::run(ctx, 1, 100));
}
