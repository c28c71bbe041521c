//! A bench-only helper for `ci/instr-count.sh`: runs one way of issuing `mprotect` (RW to
//! RW on one page) or `getpid` N times in a loop, so that `valgrind --tool=callgrind` can
//! count the userspace instructions each way needs per call.
//!
//! ```text
//! instr_count VARIANT N     # e.g. instr_count mprotect_baresys 100000
//! instr_count --list
//! ```
//!
//! Every loop is its own `#[inline(never)] fn loop_*` (the script collects only inside
//! them, with `--toggle-collect`), and the calls are inlined into it wherever the callee
//! allows it, as in a real program. Each loop does the same with the result: it adds 1
//! per failed call (mprotect) or the pid (getpid), so the difference between two loops is
//! the difference between the ways of calling. `empty` is the loop alone.

use std::ffi::c_void;
use std::process::ExitCode;

type Loop = fn(u64, *mut c_void, usize) -> u64;

#[inline(never)]
fn loop_empty(n: u64, _p: *mut c_void, _len: usize) -> u64 {
    for _ in 0..n {
        // An instruction-free barrier, so that the loop stays a loop.
        // SAFETY: empty asm.
        unsafe { std::arch::asm!("", options(nomem, nostack, preserves_flags)) };
    }
    0
}

#[inline(never)]
fn loop_mprotect_baresys(n: u64, p: *mut c_void, len: usize) -> u64 {
    let mut bad = 0;
    for _ in 0..n {
        // SAFETY: RW to RW on our own read-write page changes nothing.
        bad += unsafe { baresys::mprotect(p, len, baresys::Prot::READ | baresys::Prot::WRITE) }
            .is_err() as u64;
    }
    bad
}

#[inline(never)]
fn loop_mprotect_libc(n: u64, p: *mut c_void, len: usize) -> u64 {
    let mut bad = 0;
    for _ in 0..n {
        // SAFETY: as above.
        bad += (unsafe { libc::mprotect(p, len, libc::PROT_READ | libc::PROT_WRITE) } != 0) as u64;
    }
    bad
}

#[inline(never)]
fn loop_mprotect_rustix(n: u64, p: *mut c_void, len: usize) -> u64 {
    use rustix::mm::MprotectFlags;
    let mut bad = 0;
    for _ in 0..n {
        // SAFETY: as above.
        bad += unsafe { rustix::mm::mprotect(p, len, MprotectFlags::READ | MprotectFlags::WRITE) }
            .is_err() as u64;
    }
    bad
}

#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn sys3(nr: usize, a: usize, b: usize, c: usize) -> usize {
    let ret: usize;
    // SAFETY: the callers pass calls that change nothing (mprotect RW to RW, getpid).
    unsafe {
        std::arch::asm!("syscall", inlateout("rax") nr => ret, in("rdi") a, in("rsi") b, in("rdx") c,
            lateout("rcx") _, lateout("r11") _, options(nostack, preserves_flags));
    }
    ret
}

/// Hand-written, result tested as the kernel reports errors (-4095..=-1), as a typed
/// wrapper must.
#[cfg(target_arch = "x86_64")]
#[inline(never)]
fn loop_mprotect_asm(n: u64, p: *mut c_void, len: usize) -> u64 {
    let mut bad = 0;
    for _ in 0..n {
        bad += (sys3(10, p as usize, len, 3) > (-4096isize) as usize) as u64;
    }
    bad
}

/// Hand-written, the raw result summed with no test (0 when every call succeeds): the
/// least any caller can do, as in the C reference's inline `syscall`.
#[cfg(target_arch = "x86_64")]
#[inline(never)]
fn loop_mprotect_asm_raw(n: u64, p: *mut c_void, len: usize) -> u64 {
    let mut sum: u64 = 0;
    for _ in 0..n {
        sum = sum.wrapping_add(sys3(10, p as usize, len, 3) as u64);
    }
    sum
}

#[inline(never)]
fn loop_getpid_baresys(n: u64, _p: *mut c_void, _len: usize) -> u64 {
    let mut sum: u64 = 0;
    for _ in 0..n {
        sum = sum.wrapping_add(baresys::getpid() as u64);
    }
    sum
}

#[inline(never)]
fn loop_getpid_libc(n: u64, _p: *mut c_void, _len: usize) -> u64 {
    let mut sum: u64 = 0;
    for _ in 0..n {
        // SAFETY: getpid has no preconditions.
        sum = sum.wrapping_add(unsafe { libc::getpid() } as u64);
    }
    sum
}

#[inline(never)]
fn loop_getpid_rustix(n: u64, _p: *mut c_void, _len: usize) -> u64 {
    let mut sum: u64 = 0;
    for _ in 0..n {
        sum = sum.wrapping_add(rustix::process::getpid().as_raw_nonzero().get() as u64);
    }
    sum
}

#[cfg(target_arch = "x86_64")]
#[inline(never)]
fn loop_getpid_asm(n: u64, _p: *mut c_void, _len: usize) -> u64 {
    let mut sum: u64 = 0;
    for _ in 0..n {
        let ret: usize;
        // SAFETY: getpid takes no arguments and touches no memory.
        unsafe {
            std::arch::asm!("syscall", inlateout("rax") 39usize => ret, lateout("rcx") _, lateout("r11") _,
                options(nostack, preserves_flags, nomem));
        }
        // A pid is an i32, as every other variant returns it.
        sum = sum.wrapping_add(ret as i32 as u64);
    }
    sum
}

fn variants() -> Vec<(&'static str, Loop)> {
    let mut v: Vec<(&'static str, Loop)> = vec![
        ("empty", loop_empty),
        ("mprotect_baresys", loop_mprotect_baresys),
        ("mprotect_libc", loop_mprotect_libc),
        ("mprotect_rustix", loop_mprotect_rustix),
    ];
    #[cfg(target_arch = "x86_64")]
    v.extend([
        ("mprotect_asm", loop_mprotect_asm as Loop),
        ("mprotect_asm_raw", loop_mprotect_asm_raw),
    ]);
    v.extend([
        ("getpid_baresys", loop_getpid_baresys as Loop),
        ("getpid_libc", loop_getpid_libc),
        ("getpid_rustix", loop_getpid_rustix),
    ]);
    #[cfg(target_arch = "x86_64")]
    v.push(("getpid_asm", loop_getpid_asm));
    v
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let all = variants();
    if args.first().map(String::as_str) == Some("--list") {
        for (name, _) in &all {
            println!("{name}");
        }
        return ExitCode::SUCCESS;
    }
    let (Some(name), Some(Ok(n))) = (args.first(), args.get(1).map(|n| n.parse::<u64>())) else {
        eprintln!("usage: instr_count VARIANT N | --list");
        return ExitCode::from(2);
    };
    let Some(&(_, f)) = all.iter().find(|(v, _)| v == name) else {
        eprintln!("instr_count: unknown variant {name} (see --list)");
        return ExitCode::from(2);
    };
    let page = baresys::mem::page_size();
    let res = baresys::mem::Reservation::reserve(page).expect("reserve");
    res.commit(..).expect("commit");
    // SAFETY: committed read-write above.
    unsafe { res.as_ptr().write_volatile(1) };
    let out = f(std::hint::black_box(n), res.as_ptr().cast(), page);
    if name.starts_with("mprotect") && out != 0 {
        eprintln!("instr_count: {name}: {out} failed calls");
        return ExitCode::FAILURE;
    }
    std::hint::black_box(out);
    ExitCode::SUCCESS
}
