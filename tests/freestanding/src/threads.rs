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
        mount_proc();
    }
    let env = |name: &[u8]| args.env(name).and_then(|v| parse(v.to_bytes()));
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
        power_off();
    }
    code
}

fn parse(s: &[u8]) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    s.iter().try_fold(0u64, |v, &c| c.is_ascii_digit().then(|| v * 10 + (c - b'0') as u64))
}

/// The CPUs this process may run on (`sched_getaffinity`), 1 if unknown.
fn cpus() -> usize {
    let mut mask = [0u8; 128];
    // SAFETY: the kernel writes at most `mask.len()` bytes into `mask`.
    let r = unsafe {
        baresys::syscall3(baresys::nr::SCHED_GETAFFINITY, 0, mask.len(), mask.as_mut_ptr() as usize)
    };
    match r {
        Ok(n) => {
            mask[..n.min(mask.len())].iter().map(|b| b.count_ones() as usize).sum::<usize>().max(1)
        }
        Err(_) => 1,
    }
}

/// As init there is no /proc until someone mounts it; the checks read maps.
fn mount_proc() {
    // SAFETY: mount(2) with NUL-terminated strings and no data.
    let _ = unsafe {
        baresys::syscall5(
            baresys::nr::MOUNT,
            c"proc".as_ptr() as usize,
            c"/proc".as_ptr() as usize,
            c"proc".as_ptr() as usize,
            0,
            0,
        )
    };
}

/// reboot(LINUX_REBOOT_CMD_POWER_OFF), so QEMU exits by itself.
fn power_off() {
    // SAFETY: as PID 1 the machine is ours to stop; the magic numbers are reboot(2)'s.
    let _ =
        unsafe { baresys::syscall4(baresys::nr::REBOOT, 0xfee1_dead, 672_274_793, 0x4321_fedc, 0) };
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    checks::out!("panic: {}\nthreads {}: 0 passed, 1 failed\n", info, TARGET);
    baresys::exit_group(101)
}
