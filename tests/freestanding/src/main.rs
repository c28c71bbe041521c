//! The freestanding test program: no std, no libc, its own `_start` (baresys's `start`
//! feature), statically linked by rust-lld. It runs every group in tests/checks/ and
//! ends with `N passed, M failed`. As PID 1 of a real kernel (ci/kernels.sh) it mounts
//! /proc first and restarts the machine at the end (QEMU then exits).
#![no_std]
#![no_main]
#![cfg_attr(any(target_arch = "mips", target_arch = "mips64"), feature(asm_experimental_arch))]
// With the core rustup ships (stable): memcpy and friends are ours, and must not be
// compiled back into calls of themselves.
#![cfg_attr(feature = "prebuilt-core", no_builtins)]

#[path = "../../checks/mod.rs"]
mod checks;

mod init;

use baresys::start::Args;

#[cfg(feature = "prebuilt-core")]
mod prebuilt_core;

baresys::entry!(main);

/// The target triple, set by ci/test.sh for the summary line.
const TARGET: &str = match option_env!("BARESYS_TARGET") {
    Some(t) => t,
    None => "unknown-target",
};

fn main(args: &Args) -> i32 {
    let pid1 = baresys::getpid() == 1;
    if args.argc() > 1_000_000 {
        // Never true; keeps the disassembly probe in the binary.
        return baresys_disasm_mprotect(0, 0);
    }
    checks::out!("\n");
    if pid1 {
        init::mount_proc();
    }
    let ops =
        args.env(b"BARESYS_OPS").and_then(|v| init::parse(v.to_bytes())).unwrap_or(2000) as u32;
    let seed = args.env(b"BARESYS_SEED").and_then(|v| init::parse(v.to_bytes())).unwrap_or(0x5eed);
    let mut ctx = checks::Ctx::new(args.env(b"BARESYS_VERBOSE").is_some());
    ctx.emulated = args.env(b"BARESYS_QEMU_USER").is_some_and(|v| v.to_bytes() == b"1");
    start_checks(&mut ctx, args);
    // BARESYS_NO_VDSO=1: the whole run as if the kernel had mapped no vDSO
    // (AT_SYSINFO_EHDR ignored); the time checks also turn it off for a second pass.
    if args.env(b"BARESYS_NO_VDSO").is_some_and(|v| v.to_bytes() == b"1") {
        baresys::time::set_vdso_enabled(false);
        checks::out!("note time: BARESYS_NO_VDSO=1: AT_SYSINFO_EHDR ignored\n");
    }
    // The zero-page reproducer (tests/checks/zeropage.rs): after every other group, as it
    // would break a kernel that has the bug; `skip` or `only` on such a kernel.
    match args.env(b"BARESYS_ZEROPAGE").map(|v| v.to_bytes()) {
        Some(b"only") => checks::zeropage::run(&mut ctx),
        Some(b"skip") => {
            checks::run_all(&mut ctx, TARGET, ops, seed);
            checks::out!("zeropage {TARGET}: not run (BARESYS_ZEROPAGE=skip)\n");
        }
        _ => {
            checks::run_all(&mut ctx, TARGET, ops, seed);
            checks::zeropage::run(&mut ctx);
        }
    }
    checks::out!("{}: {} passed, {} failed\n", TARGET, ctx.passed, ctx.failed);
    let code = if ctx.failed == 0 { 0 } else { 1 };
    if pid1 {
        init::stop_machine();
    }
    code
}

/// Pointers stored in statics: in a static-pie they hold link-time values until
/// `_start` applies the relocations, so these see whether it did.
static ANSWER: u32 = 42;
static ANSWER_REF: &u32 = &ANSWER;
static WORDS: [&str; 2] = ["relocated", "pointers"];

/// What `_start` set up: relocated data and the arguments.
fn start_checks(ctx: &mut checks::Ctx, args: &Args) {
    ctx.group("start");
    // black_box: load the stored pointer from the static at run time, not the value the
    // compiler knows it was linked with.
    let slot = core::hint::black_box(&ANSWER_REF);
    let stored = *slot;
    check!(ctx, "a pointer in a static points at its target", core::ptr::eq(stored, &ANSWER));
    check_eq!(ctx, "read through a pointer in a static", *stored, 42);
    let words = core::hint::black_box(&WORDS);
    check!(ctx, "a &str in a static", words[0] == "relocated" && words[1].len() == 8);
    check!(ctx, "argv[0] is there", args.arg(0).is_some_and(|a| !a.to_bytes().is_empty()));
    let entry = args.auxv(AT_ENTRY).unwrap_or(0);
    check!(ctx, "AT_ENTRY is in the program", entry != 0);
    // Where the kernel (or QEMU) put the program: a static-pie linked at 0 has its
    // program headers at 0x40 when loaded there, elsewhere when it was moved.
    ctx.note(format_args!(
        "entry {entry:#x}, program headers at {:#x}",
        args.auxv(AT_PHDR).unwrap_or(0)
    ));
}

/// The auxiliary-vector key of the program headers' address.
const AT_PHDR: usize = 3;
/// The auxiliary-vector key of the program's entry point.
const AT_ENTRY: usize = 9;

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    checks::out!("panic: {}\n0 passed, 1 failed\n", info);
    baresys::exit_group(101)
}

/// For ci/test.sh's disassembly check: a call of `baresys::mprotect` that must compile
/// to the mprotect number in the arch's number register, the syscall instruction and no
/// call. Referenced from `main` behind a condition that never holds.
#[no_mangle]
#[inline(never)]
pub extern "C" fn baresys_disasm_mprotect(addr: usize, len: usize) -> i32 {
    // SAFETY: never called; if it were, mprotect to PROT_READ changes no memory content.
    match unsafe { baresys::mprotect(addr as *mut _, len, baresys::Prot::READ) } {
        Ok(()) => 0,
        Err(e) => e.raw(),
    }
}
