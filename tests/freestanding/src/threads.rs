//! The freestanding thread program: baresys's threads (`tests/checks/thread.rs`), the
//! `mem` concurrency test on them (`tests/checks/mem_threads.rs`) and the fault
//! contention experiment (`tests/checks/contention.rs`). Ends with
//! `threads <target>: N passed, M failed`. Run under QEMU user mode for every
//! configuration and, as /init, on the real kernels with `-smp 2` (ci/test.sh).
#![no_std]
#![no_main]
#![cfg_attr(any(target_arch = "mips", target_arch = "mips64"), feature(asm_experimental_arch))]

#[path = "../../checks/mod.rs"]
mod checks;
#[path = "../../checks/contention.rs"]
mod contention;
#[path = "../../checks/mem_threads.rs"]
mod mem_threads;
#[path = "../../checks/thread.rs"]
mod thread_checks;

mod init;

use baresys::start::Args;

baresys::entry!(main);

/// The target triple, set by ci/test.sh for the summary line.
const TARGET: &str = match option_env!("BARESYS_TARGET") {
    Some(t) => t,
    None => "unknown-target",
};

fn main(args: &Args) -> i32 {
    let pid1 = baresys::getpid() == 1;
    checks::out!("\n");
    if pid1 {
        init::mount_proc();
    }
    let env = |name: &[u8]| args.env(name).and_then(|v| init::parse(v.to_bytes()));
    let mut ctx = checks::Ctx::new(args.env(b"BARESYS_VERBOSE").is_some());
    ctx.group("thread");
    check!(ctx, "baresys's _start owns the process (thread pointers)", baresys::thread::owned());
    thread_checks::run(&mut ctx);
    // The safe spawn works here (no libc); the checks use spawn_unchecked, as on the host.
    let safe = baresys::thread::spawn(baresys::gettid).ok().and_then(|h| h.join());
    check!(ctx, "safe spawn in an owned process", safe.is_some_and(|t| t > 0));
    // A fifth of the host test's operations under QEMU user mode, a tenth on the real
    // kernels (full-system emulation, two virtual CPUs on a shared machine).
    let scale = env(b"BARESYS_MEM_SCALE").unwrap_or(if pid1 { 10 } else { 5 }).max(1);
    let counts = mem_threads::Counts {
        cycles: 5000 / scale,
        worker_rounds: 100_000 / scale,
        churn: 1500 / scale,
    };
    mem_threads::run(&mut ctx, counts);
    // Readers: one per CPU but the writer's (at least one).
    let readers = env(b"BARESYS_READERS").unwrap_or_else(|| cpus().saturating_sub(1).max(1) as u64);
    let ms = env(b"BARESYS_CONTENTION_MS").unwrap_or(if pid1 { 1500 } else { 100 });
    contention::run(&mut ctx, readers as usize, ms);
    checks::out!("threads {}: {} passed, {} failed\n", TARGET, ctx.passed, ctx.failed);
    let code = if ctx.failed == 0 { 0 } else { 1 };
    if pid1 {
        init::stop_machine();
    }
    code
}

/// The CPUs this process may run on, 1 if unknown.
fn cpus() -> usize {
    baresys::sched_getaffinity(0).map_or(1, |set| set.count().max(1))
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    checks::out!("panic: {}\nthreads {}: 0 passed, 1 failed\n", info, TARGET);
    baresys::exit_group(101)
}
