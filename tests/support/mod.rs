//! Helpers for the host-only reliability tests (exhaustion, inject, hostile): child
//! processes that report their checks, /proc readers that work without allocation
//! (children of a multi-threaded test harness must not allocate) and however long
//! /proc/self/maps gets, and seccomp filters installed with raw system calls.

#![allow(dead_code)]

use crate::checks::{util, Ctx};
use baresys::fd::AsRawFd;
use baresys::{nr, Errno, OFlags};
use core::ffi::CStr;

/// What a child reported: its checks, and how it ended.
#[derive(Debug)]
pub struct Outcome {
    pub passed: u32,
    pub failed: u32,
    pub status: baresys::WaitStatus,
}

impl Outcome {
    /// Panics (in the parent, where that is fine) unless the child ran every check it
    /// meant to and all passed.
    pub fn assert_ok(&self, name: &str) {
        assert!(
            self.status.exit_code() == Some(0) && self.failed == 0 && self.passed > 0,
            "{name}: {} passed, {} failed, child ended {:?} (signal {:?}); failures printed above",
            self.passed,
            self.failed,
            self.status,
            self.status.signal()
        );
    }
}

/// Runs `f` with a fresh `Ctx` in a forked child and returns its counts. The child
/// must not allocate: it only issues system calls, touches memory and formats on the
/// stack (`out!`).
pub fn child(group: &'static str, f: impl FnOnce(&mut Ctx)) -> Outcome {
    let (pipe_r, pipe_w) = baresys::pipe2(OFlags::CLOEXEC).expect("pipe2");
    let verbose = std::env::var_os("BARESYS_VERBOSE").is_some();
    let status = util::in_child(|| {
        let mut ctx = Ctx::new(verbose);
        ctx.group(group);
        // A panic must not unwind into the harness's code in the child: it ends the
        // child (exit 101) and the parent reports it.
        if std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&mut ctx))).is_err() {
            baresys::exit_group(101);
        }
        let mut word = [0u8; 8];
        word[..4].copy_from_slice(&ctx.passed.to_ne_bytes());
        word[4..].copy_from_slice(&ctx.failed.to_ne_bytes());
        let _ = baresys::write(&pipe_w, &word);
        i32::from(ctx.failed != 0)
    })
    .expect("fork");
    // The write end first: a child that died before reporting leaves the read at EOF.
    drop(pipe_w);
    let mut word = [0u8; 8];
    let got = baresys::read(&pipe_r, &mut word).unwrap_or(0);
    drop(pipe_r);
    let (passed, failed) = if got == 8 {
        (
            u32::from_ne_bytes(word[..4].try_into().unwrap()),
            u32::from_ne_bytes(word[4..].try_into().unwrap()),
        )
    } else {
        (0, 1) // died before reporting
    };
    Outcome { passed, failed, status }
}

/// Calls `f` with each complete line of the file at `path`, read in chunks into a stack
/// buffer (so /proc/self/maps with 65,000 lines is fine); stops when `f` says false.
pub fn for_each_line(path: &CStr, mut f: impl FnMut(&[u8]) -> bool) -> bool {
    let Ok(fd) = baresys::openat(baresys::fd::CWD, path, OFlags::RDONLY | OFlags::CLOEXEC, 0)
    else {
        return false;
    };
    let mut buf = [0u8; 16 * 1024];
    let mut have = 0;
    let mut go = true;
    while go {
        let n = match baresys::read(&fd, &mut buf[have..]) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        have += n;
        let mut start = 0;
        while let Some(nl) = buf[start..have].iter().position(|&c| c == b'\n') {
            if !f(&buf[start..start + nl]) {
                go = false;
                break;
            }
            start += nl + 1;
        }
        buf.copy_within(start..have, 0);
        have -= start;
        if have == buf.len() {
            break; // a line longer than the buffer: not in these files
        }
    }
    if go && have > 0 {
        f(&buf[..have]);
    }
    true
}

/// `start-end perms` of a maps line.
pub fn parse_line(line: &[u8]) -> Option<(usize, usize, [u8; 4])> {
    util::parse_maps(line).next().map(|l| (l.start, l.end, l.perms))
}

/// The permissions of the mapping holding `addr`, reading all of /proc/self/maps.
pub fn perms_at(addr: usize) -> Option<[u8; 4]> {
    let mut found = None;
    for_each_line(c"/proc/self/maps", |l| match parse_line(l) {
        Some((s, e, p)) if s <= addr && addr < e => {
            found = Some(p);
            false
        }
        _ => true,
    });
    found
}

/// Whether every page of `addr..addr+len` shows `perms` (first three letters).
pub fn range_is(addr: usize, len: usize, perms: &[u8; 3], page: usize) -> bool {
    (0..len / page).all(|i| perms_at(addr + i * page).is_some_and(|p| &p[..3] == perms))
}

/// Whether anything is mapped in `a..b`.
pub fn mapped_in(a: usize, b: usize) -> bool {
    let mut any = false;
    for_each_line(c"/proc/self/maps", |l| {
        if let Some((s, e, _)) = parse_line(l) {
            any |= s < b && a < e;
        }
        !any
    });
    any
}

/// The number of lines (mappings) in /proc/self/maps.
pub fn maps_count() -> usize {
    let mut n = 0;
    for_each_line(c"/proc/self/maps", |_| {
        n += 1;
        true
    });
    n
}

/// A copy of /proc/self/maps, to compare byte for byte.
pub struct Snapshot {
    buf: [u8; 64 * 1024],
    len: usize,
}

impl Snapshot {
    pub fn take() -> Snapshot {
        let mut s = Snapshot { buf: [0; 64 * 1024], len: 0 };
        s.len = util::read_maps(&mut s.buf);
        s
    }
    pub fn ok(&self) -> bool {
        self.len > 0 && self.len < self.buf.len()
    }
    pub fn same(&self, other: &Snapshot) -> bool {
        self.ok() && other.ok() && self.buf[..self.len] == other.buf[..other.len]
    }
}

/// The number after `key` in /proc/self/status (`VmSize:` etc., in kB).
pub fn status_kb(key: &[u8]) -> Option<u64> {
    let mut v = None;
    for_each_line(c"/proc/self/status", |l| {
        if let Some(rest) = l.strip_prefix(key) {
            v = number(rest);
            return false;
        }
        true
    });
    v
}

/// The first decimal number in `s`.
pub fn number(s: &[u8]) -> Option<u64> {
    let s = s.trim_ascii_start();
    let end = s.iter().position(|c| !c.is_ascii_digit()).unwrap_or(s.len());
    if end == 0 {
        return None;
    }
    s[..end].iter().try_fold(0u64, |v, &c| v.checked_mul(10)?.checked_add((c - b'0') as u64))
}

/// The number in a one-line file (`/proc/sys/vm/max_map_count`).
pub fn file_number(path: &CStr) -> Option<u64> {
    let mut v = None;
    for_each_line(path, |l| {
        v = number(l);
        false
    });
    v
}

/// Whether the kernel can read the byte at `addr` (it copies it into a pipe; EFAULT
/// when it cannot), without touching it from this process.
pub fn kernel_can_read(addr: usize) -> bool {
    let Ok((_r, w)) = baresys::pipe2(OFlags::CLOEXEC) else {
        return false;
    };
    // SAFETY: the kernel reads at most one byte at `addr` and answers EFAULT if it cannot.
    let res = unsafe { baresys::syscall3(nr::WRITE, w.as_raw_fd() as usize, addr, 1) };
    res == Ok(1)
}

/// A per-page byte pattern: page `i` of a fill holds `seed + i` in every byte.
pub fn fill(addr: usize, len: usize, page: usize, seed: u8) {
    for i in 0..len / page {
        // SAFETY: callers fill only pages they committed and own.
        unsafe {
            core::ptr::write_bytes((addr + i * page) as *mut u8, seed.wrapping_add(i as u8), page)
        };
    }
}

/// Whether `fill(addr, len, page, seed)`'s bytes are still there (first, middle and
/// last byte of each page).
pub fn holds(addr: usize, len: usize, page: usize, seed: u8) -> bool {
    (0..len / page).all(|i| {
        let want = seed.wrapping_add(i as u8);
        [0, page / 2, page - 1].iter().all(|&o| {
            // SAFETY: callers pass pages the kernel reports readable.
            unsafe { ((addr + i * page + o) as *const u8).read_volatile() == want }
        })
    })
}

// --- seccomp ------------------------------------------------------------------------------

/// `struct sock_filter`.
#[repr(C)]
#[derive(Clone, Copy)]
struct SockFilter {
    code: u16,
    jt: u8,
    jf: u8,
    k: u32,
}

/// `struct sock_fprog`.
#[repr(C)]
struct SockFprog {
    len: u16,
    filter: *const SockFilter,
}

const BPF_LD_W_ABS: u16 = 0x20;
const BPF_JEQ_K: u16 = 0x15;
const BPF_RET_K: u16 = 0x06;
const AUDIT_ARCH_X86_64: u32 = 0xc000_003e;
pub const SECCOMP_RET_KILL_PROCESS: u32 = 0x8000_0000;
pub const SECCOMP_RET_TRAP: u32 = 0x0003_0000;
pub const SECCOMP_RET_ERRNO: u32 = 0x0005_0000;
pub const SECCOMP_RET_ALLOW: u32 = 0x7fff_0000;
const PR_SET_NO_NEW_PRIVS: i32 = 38;
const SECCOMP_SET_MODE_FILTER: usize = 1;

/// What the filter answers for one system call (and, optionally, one value of its
/// third argument: the advice of madvise).
#[derive(Clone, Copy, Debug)]
pub struct Rule {
    pub nr: usize,
    /// Only when the low 32 bits of the third argument are this.
    pub arg2: Option<u32>,
    /// `SECCOMP_RET_ERRNO | errno`, `SECCOMP_RET_TRAP`, ...
    pub action: u32,
}

impl Rule {
    /// The call fails with `errno` without reaching the kernel's implementation.
    pub const fn errno(nr: usize, errno: u16) -> Rule {
        Rule { nr, arg2: None, action: SECCOMP_RET_ERRNO | errno as u32 }
    }
    /// The call fails with `errno` when its third argument is `arg2`.
    pub const fn errno_if(nr: usize, arg2: u32, errno: u16) -> Rule {
        Rule { nr, arg2: Some(arg2), action: SECCOMP_RET_ERRNO | errno as u32 }
    }
    /// The call raises SIGSYS (which kills the process: no handler is installed).
    pub const fn trap(nr: usize) -> Rule {
        Rule { nr, arg2: None, action: SECCOMP_RET_TRAP }
    }
}

/// Installs a seccomp filter applying `rules` (everything else allowed) to this process
/// for good: `prctl(PR_SET_NO_NEW_PRIVS)` and `seccomp(SECCOMP_SET_MODE_FILTER)`, raw.
/// The filter checks the architecture (x86_64) first and kills the process on any
/// other. Filters stack: the strictest answer of all wins. At most 16 rules.
#[cfg(target_arch = "x86_64")]
pub fn install_filter(rules: &[Rule]) -> Result<(), Errno> {
    assert!(rules.len() <= 16, "at most 16 rules");
    let mut prog = [SockFilter { code: 0, jt: 0, jf: 0, k: 0 }; 4 + 5 * 16];
    let mut n = 0;
    let mut push = |code: u16, jt: u8, jf: u8, k: u32| {
        prog[n] = SockFilter { code, jt, jf, k };
        n += 1;
    };
    // A = seccomp_data.arch; another architecture: kill.
    push(BPF_LD_W_ABS, 0, 0, 4);
    push(BPF_JEQ_K, 1, 0, AUDIT_ARCH_X86_64);
    push(BPF_RET_K, 0, 0, SECCOMP_RET_KILL_PROCESS);
    for r in rules {
        push(BPF_LD_W_ABS, 0, 0, 0); // A = seccomp_data.nr
        match r.arg2 {
            None => {
                push(BPF_JEQ_K, 0, 1, r.nr as u32);
            }
            Some(v) => {
                push(BPF_JEQ_K, 0, 3, r.nr as u32);
                push(BPF_LD_W_ABS, 0, 0, 16 + 2 * 8); // low word of args[2] (little endian)
                push(BPF_JEQ_K, 0, 1, v);
            }
        }
        push(BPF_RET_K, 0, 0, r.action);
    }
    push(BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW);
    let fprog = SockFprog { len: n as u16, filter: prog.as_ptr() };
    // SAFETY: PR_SET_NO_NEW_PRIVS takes plain integers.
    unsafe { baresys::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) }?;
    // SAFETY: the kernel reads `fprog` and the `n` instructions it points at, all live
    // on this stack for the call.
    unsafe {
        baresys::syscall3(nr::SECCOMP, SECCOMP_SET_MODE_FILTER, 0, &fprog as *const _ as usize)
    }?;
    Ok(())
}
