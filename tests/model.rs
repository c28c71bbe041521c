//! The model-based test of `baresys::mem` (tests/checks/model.rs) on the host, with
//! many more operations than the freestanding programs run: seed and count from
//! `BARESYS_SEED` and `BARESYS_OPS` (default: a fixed seed, 100,000 operations in
//! release, 20,000 unoptimized). It runs in a forked child, so that no other thread
//! of the test harness maps or unmaps memory while the model compares /proc/self/maps,
//! and a crash is reported. The seed reproduces the run exactly (the model keeps its
//! choices independent of where the kernel places mappings).

#[allow(unused)]
mod checks;

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

#[test]
fn model() {
    let seed = env_u64("BARESYS_SEED").unwrap_or(0x5eed_0005);
    // 100,000 in release (ci/test.sh's `--release --test model`); a fifth unoptimized.
    let default = if cfg!(debug_assertions) { 20_000 } else { 100_000 };
    let ops = env_u64("BARESYS_OPS").unwrap_or(default) as u32;
    eprintln!("model host: seed {seed}, {ops} operations");
    let start = std::time::Instant::now();
    let status = checks::util::in_child(|| {
        let mut ctx = checks::Ctx::new(false);
        checks::model::run(&mut ctx, "host", ops, seed);
        // Both runs, markers forced off and on: this host's kernel has guard regions.
        if ctx.failed == 0 && ctx.passed == 2 {
            0
        } else {
            1
        }
    })
    .expect("fork");
    eprintln!("model host: {:.1} s", start.elapsed().as_secs_f64());
    assert_eq!(
        status.exit_code(),
        Some(0),
        "model test failed (seed {seed}, {ops} operations): {status:?}; divergences printed above"
    );
}
