//! Helpers for checks: the kernel's view of mappings (/proc/self/maps) and child
//! processes that touch memory and may die of SIGSEGV.

use baresys::{OFlags, WaitStatus};

pub const SIGSEGV: i32 = 11;
const RLIMIT_CORE: u32 = 4;

/// Reads /proc/self/maps into `buf`; returns the length, or 0 if it cannot be read
/// (the caller treats that as a failure).
pub fn read_maps(buf: &mut [u8]) -> usize {
    let Ok(fd) =
        baresys::openat(baresys::fd::CWD, c"/proc/self/maps", OFlags::RDONLY | OFlags::CLOEXEC, 0)
    else {
        return 0;
    };
    let mut len = 0;
    while len < buf.len() {
        match baresys::read(&fd, &mut buf[len..]) {
            Ok(0) | Err(_) => break,
            Ok(n) => len += n,
        }
    }
    len
}

/// A `mem` result with only the kind of its error, to compare with an expected kind.
pub fn kind<T>(r: Result<T, baresys::mem::Error>) -> Result<T, baresys::mem::ErrorKind> {
    r.map_err(|e| e.kind())
}

/// Whether two formatted texts are equal (no allocation: both go through a fixed
/// buffer of 256 bytes; longer texts compare unequal).
pub fn fmt_eq(a: core::fmt::Arguments<'_>, b: core::fmt::Arguments<'_>) -> bool {
    struct Buf([u8; 256], usize, bool);
    impl core::fmt::Write for Buf {
        fn write_str(&mut self, s: &str) -> core::fmt::Result {
            match self.0.get_mut(self.1..self.1 + s.len()) {
                Some(dst) => dst.copy_from_slice(s.as_bytes()),
                None => self.2 = true,
            }
            self.1 += s.len();
            Ok(())
        }
    }
    let (mut x, mut y) = (Buf([0; 256], 0, false), Buf([0; 256], 0, false));
    let _ = core::fmt::write(&mut x, a);
    let _ = core::fmt::write(&mut y, b);
    !x.2 && !y.2 && x.1 == y.1 && x.0[..x.1] == y.0[..y.1]
}

/// One line of /proc/self/maps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MapsLine {
    pub start: usize,
    pub end: usize,
    /// "rwxp" as the kernel prints it.
    pub perms: [u8; 4],
}

fn hex(s: &[u8]) -> usize {
    s.iter().fold(0usize, |v, &c| {
        let d = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => 0,
        };
        (v << 4) | d as usize
    })
}

/// Iterates over the lines of a maps text.
pub fn parse_maps(text: &[u8]) -> impl Iterator<Item = MapsLine> + '_ {
    text.split(|&c| c == b'\n').filter(|l| l.len() > 20).filter_map(|line| {
        let dash = line.iter().position(|&c| c == b'-')?;
        let space = line.iter().position(|&c| c == b' ')?;
        let perms = line.get(space + 1..space + 5)?;
        Some(MapsLine {
            start: hex(&line[..dash]),
            end: hex(&line[dash + 1..space]),
            perms: [perms[0], perms[1], perms[2], perms[3]],
        })
    })
}

/// The permissions ("rw-p") of the mapping holding `addr`, or None if unmapped.
/// `None` also when maps cannot be read: `maps_readable` tells those apart.
pub fn perms_at(addr: usize) -> Option<[u8; 4]> {
    let mut buf = [0u8; 32 * 1024];
    let len = read_maps(&mut buf);
    let found = parse_maps(&buf[..len]).find(|l| l.start <= addr && addr < l.end).map(|l| l.perms);
    found
}

/// Whether /proc/self/maps can be read here.
pub fn maps_readable() -> bool {
    let mut buf = [0u8; 256];
    read_maps(&mut buf) > 0
}

/// Whether every page of `addr..addr+len` shows `perms` ("rw-", "---", ...; only the
/// first three letters are compared) in /proc/self/maps.
pub fn range_has_perms(addr: usize, len: usize, perms: &[u8; 3]) -> bool {
    let mut buf = [0u8; 32 * 1024];
    let n = read_maps(&mut buf);
    let mut at = addr;
    for l in parse_maps(&buf[..n]) {
        if l.start <= at && at < l.end {
            if &l.perms[..3] != perms {
                return false;
            }
            at = l.end;
            if at >= addr + len {
                return true;
            }
        }
    }
    false
}

/// Runs `f` in a forked child and returns how the child ended. The child gets no core
/// dump (RLIMIT_CORE 0), so a deliberate SIGSEGV leaves no file behind.
pub fn in_child(f: impl FnOnce() -> i32) -> Result<WaitStatus, baresys::Errno> {
    // SAFETY: the child only issues syscalls, runs `f` (plain memory access) and exits.
    let pid = unsafe { baresys::fork() }?;
    if pid == 0 {
        let _ = baresys::prlimit64(0, RLIMIT_CORE, Some(&baresys::Rlimit { cur: 0, max: 0 }));
        baresys::exit_group(f());
    }
    loop {
        match baresys::wait4(pid, 0) {
            Err(e) if e == baresys::Errno::EINTR => continue,
            r => return r.map(|(_, status)| status),
        }
    }
}

/// Whether reading (or writing) the byte at `addr` kills a child with SIGSEGV.
pub fn access_faults(addr: usize, write: bool) -> bool {
    let status = in_child(|| {
        let p = addr as *mut u8;
        // SAFETY: deliberately touching memory that may be inaccessible, in a child
        // process whose death is the result.
        unsafe {
            if write {
                p.write_volatile(0x5a);
            } else {
                let _ = p.read_volatile();
            }
        }
        0
    });
    matches!(status, Ok(s) if s.signal() == Some(SIGSEGV))
}

/// Whether reading and writing `addr` works in a child (the mirror of `access_faults`).
pub fn access_works(addr: usize, write: bool) -> bool {
    let status = in_child(|| {
        let p = addr as *mut u8;
        // SAFETY: touching memory expected to be accessible, in a child process.
        unsafe {
            if write {
                p.write_volatile(p.read_volatile());
            } else {
                let _ = p.read_volatile();
            }
        }
        0
    });
    matches!(status, Ok(s) if s.exit_code() == Some(0))
}

/// Whether MADV_DONTNEED zeroes private anonymous memory here (QEMU before 7.1 did
/// not), with raw calls.
pub fn dontneed_zeroes(page: usize) -> bool {
    let flags = baresys::MapFlags::PRIVATE | baresys::MapFlags::ANONYMOUS;
    // SAFETY: a fresh mapping where the kernel chooses aliases nothing.
    let Ok(p) = (unsafe {
        baresys::mmap(
            core::ptr::null_mut(),
            page,
            baresys::Prot::READ | baresys::Prot::WRITE,
            flags,
            None,
            0,
        )
    }) else {
        return false;
    };
    let b = p.cast::<u8>();
    // SAFETY: `p` is our read-write page; DONTNEED only discards its contents.
    let zeroed = unsafe {
        b.write_volatile(0x5a);
        baresys::madvise(p, page, baresys::Advice::DONTNEED).is_ok() && b.read_volatile() == 0
    };
    // SAFETY: the page mapped above, not used after this.
    let _ = unsafe { baresys::munmap(p, page) };
    zeroed
}

/// xorshift64*: small, deterministic, seedable.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }
}
