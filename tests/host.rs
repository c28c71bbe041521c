//! The shared checks (tests/checks/) on the host, under the std test harness: the same
//! code the freestanding programs run on every architecture.

#[allow(unused)]
mod checks;

fn run(group: fn(&mut checks::Ctx)) {
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
fn mem() {
    run(checks::mem::run);
}

#[test]
fn kernel() {
    run(checks::kernel::run);
}
