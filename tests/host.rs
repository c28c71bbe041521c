//! The shared checks (tests/checks/) on the host, under the std test harness: the same
//! code the freestanding programs run on every architecture.

#[allow(unused)]
mod checks;

/// The groups fork children and wait for them (one even checks that `wait4(-1)` finds
/// none), as the single-threaded freestanding program does: run them one at a time,
/// not on the harness's parallel threads, or one group reaps another's children.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn run(group: fn(&mut checks::Ctx)) {
    let _serial = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let mut ctx = checks::Ctx::new(false);
    group(&mut ctx);
    assert_eq!(
        ctx.failed, 0,
        "{} passed, {} failed (failures printed above)",
        ctx.passed, ctx.failed
    );
    assert!(ctx.passed > 0, "no check ran");
}

#[test]
fn syscalls() {
    run(checks::syscalls::run);
}

#[test]
fn tables() {
    run(checks::tables::run);
}

#[test]
fn mem() {
    run(checks::mem::run);
}

#[test]
fn kernel() {
    run(checks::kernel::run);
}

#[test]
fn signal() {
    run(checks::signal::run);
}

#[test]
fn time() {
    run(checks::time::run);
}

#[test]
fn runtime() {
    run(checks::runtime::run);
}

#[test]
fn zeropage() {
    run(checks::zeropage::run);
}
