//! Issue 5: a model-based test of `baresys::mem`. A reference model of up to eight
//! reservations (each up to 16 pages) records, per page, the protection the kernel
//! should show, whether guard markers make it trap, and what it should contain. Random
//! operations, valid and invalid, go to both; after every one the model is compared
//! with the kernel:
//!
//! - the permissions of every page of every reservation in /proc/self/maps (read once
//!   per operation);
//! - where markers may be, whether the kernel can read the page (a `write(2)` from it
//!   into a pipe: EFAULT when not);
//! - the contents of every readable page: all of each page the operation touched, a
//!   sample of the others (a per-page pattern is written after commits);
//! - that every maps line outside the reservations is as before, and that released
//!   and dropped ranges are unmapped;
//! - that invalid operations return exactly the error the model predicts.
//!
//! Sizes are in pages (4 KiB to 64 KiB). No allocation; the same code runs in the
//! freestanding programs and on the host (tests/model.rs).

use super::util::{dontneed_zeroes, read_maps, Rng};
use super::Ctx;
use crate::{check, out};
use baresys::fd::{AsRawFd, OwnedFd};
use baresys::mem::{self, Decommit, Error, ErrorKind, FaultPath, Populate, Reservation};
use baresys::{nr, Errno, MapFlags, OFlags, Prot};
use core::fmt;
use core::ops::Bound;

/// Reservation slots: `reserve*` fills up to `LIVE_MAX`, `split_off` up to `SLOTS`.
const SLOTS: usize = 8;
const LIVE_MAX: usize = 4;
const MAX_PAGES: usize = 16;
const MAX_LINES: usize = 768;
const MAPS_BYTES: usize = 64 * 1024;
/// Divergences printed in full; all are counted.
const PRINT_MAX: u32 = 20;

/// The protection of a page's VMA, as /proc/self/maps shows it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Vma {
    None,
    R,
    Rx,
    Rw,
}

impl Vma {
    fn perms(self) -> &'static [u8; 3] {
        match self {
            Vma::None => b"---",
            Vma::R => b"r--",
            Vma::Rx => b"r-x",
            Vma::Rw => b"rw-",
        }
    }
}

/// What a page reads as.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Content {
    Zero,
    /// `fill`'s pattern for this seed.
    Pat(u64),
    /// Either the pattern or zero, the whole page alike (after `MADV_FREE`, or
    /// `MADV_DONTNEED` where it does not zero).
    PatOrZero(u64),
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Page {
    vma: Vma,
    /// Guard markers (MADV_GUARD_INSTALL): every access traps, whatever `vma` says.
    marker: bool,
    content: Content,
}

const RESERVED: Page = Page { vma: Vma::None, marker: false, content: Content::Zero };

/// What the kernel here really does, found before the run.
struct Env {
    page: usize,
    guard: bool,
    dontneed_zeroes: bool,
    /// (read end, write end).
    pipe: (OwnedFd, OwnedFd),
}

impl Page {
    fn accessible(&self) -> bool {
        self.vma != Vma::None && !self.marker
    }
    /// mprotect(RW), and MADV_GUARD_REMOVE once markers were used in the reservation.
    fn make_rw(&mut self, markers: bool) {
        self.vma = Vma::Rw;
        if markers {
            self.marker = false;
        }
    }
    /// mprotect(R or RX), and MADV_GUARD_REMOVE once markers were used.
    fn set_prot(&mut self, vma: Vma, markers: bool) {
        self.vma = vma;
        if markers {
            self.marker = false;
        }
    }
    /// MADV_DONTNEED: contents gone (markers stay).
    fn dontneed(&mut self, env: &Env) {
        self.content = match self.content {
            Content::Pat(s) | Content::PatOrZero(s) if !env.dontneed_zeroes => {
                Content::PatOrZero(s)
            }
            _ => Content::Zero,
        };
    }
    /// MADV_FREE (or DONTNEED where FREE is unknown): old contents or zero.
    fn free(&mut self) {
        if let Content::Pat(s) = self.content {
            self.content = Content::PatOrZero(s);
        }
    }
    /// A fresh mapping (mmap MAP_FIXED).
    fn remap(&mut self, vma: Vma) {
        *self = Page { vma, marker: false, content: Content::Zero };
    }
    /// mprotect(NONE) + MADV_DONTNEED (the Protect fault path and guard's fallback).
    fn protect_none(&mut self, env: &Env) {
        self.vma = Vma::None;
        self.dontneed(env);
    }
    fn guard_install(&mut self) {
        self.marker = true;
        self.content = Content::Zero;
    }
}

struct Slot {
    r: Option<Reservation>,
    base: usize,
    n: usize,
    path: FaultPath,
    /// The reservation has used guard markers (its `commit` also removes them).
    markers: bool,
    pages: [Page; MAX_PAGES],
}

impl Slot {
    fn empty() -> Slot {
        Slot {
            r: None,
            base: 0,
            n: 0,
            path: FaultPath::Protect,
            markers: false,
            pages: [RESERVED; MAX_PAGES],
        }
    }
    fn live(&self) -> bool {
        self.r.is_some()
    }
}

/// One line of /proc/self/maps: the range, the permissions and a hash of the name.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
struct Line {
    start: usize,
    end: usize,
    perms: [u8; 4],
    name: u64,
    /// `[stack]`: its start moves as the stack grows, so it is not compared.
    stack: bool,
}

struct Snap {
    lines: [Line; MAX_LINES],
    n: usize,
    ok: bool,
}

fn hex(s: &[u8]) -> Option<usize> {
    if s.is_empty() {
        return None;
    }
    s.iter().try_fold(0usize, |v, &c| {
        let d = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => return None,
        };
        Some((v << 4) | d as usize)
    })
}

fn fnv(s: &[u8]) -> u64 {
    s.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ b as u64).wrapping_mul(0x100_0000_01b3))
}

impl Snap {
    fn new() -> Snap {
        Snap { lines: [Line::default(); MAX_LINES], n: 0, ok: false }
    }

    /// Reads /proc/self/maps once and parses it.
    fn take(&mut self, buf: &mut [u8]) {
        let len = read_maps(buf);
        self.n = 0;
        self.ok = len > 0 && len < buf.len();
        for text in buf[..len].split(|&c| c == b'\n').filter(|l| !l.is_empty()) {
            let mut fields = text.split(|&c| c == b' ').filter(|f| !f.is_empty());
            let (Some(range), Some(perms)) = (fields.next(), fields.next()) else {
                self.ok = false;
                continue;
            };
            // offset, device, inode, then the name (may be absent).
            let name = fields.nth(3).unwrap_or(b"");
            let dash = range.iter().position(|&c| c == b'-').unwrap_or(0);
            let (Some(start), Some(end)) = (hex(&range[..dash]), hex(&range[dash + 1..])) else {
                self.ok = false;
                continue;
            };
            if self.n == MAX_LINES || perms.len() != 4 {
                self.ok = false;
                break;
            }
            self.lines[self.n] = Line {
                start,
                end,
                perms: [perms[0], perms[1], perms[2], perms[3]],
                name: fnv(name),
                stack: name == b"[stack]",
            };
            self.n += 1;
        }
    }

    fn lines(&self) -> &[Line] {
        &self.lines[..self.n]
    }

    /// The line holding `addr`.
    fn find(&self, addr: usize) -> Option<&Line> {
        let i = self.lines().partition_point(|l| l.start <= addr);
        self.lines()[..i].last().filter(|l| addr < l.end)
    }

    /// Whether any line overlaps `a..b`.
    fn overlaps(&self, a: usize, b: usize) -> bool {
        self.lines().iter().any(|l| l.start < b && a < l.end)
    }
}

/// The parts of maps lines outside a set of excluded ranges, in address order.
struct Pieces<'a> {
    lines: &'a [Line],
    excl: &'a [(usize, usize)],
    i: usize,
    at: usize,
}

impl Iterator for Pieces<'_> {
    type Item = Line;
    fn next(&mut self) -> Option<Line> {
        while let Some(&l) = self.lines.get(self.i) {
            let mut s = self.at.max(l.start);
            while let Some(&(_, b)) = self.excl.iter().find(|&&(a, b)| a <= s && s < b) {
                s = b;
            }
            if s >= l.end {
                self.i += 1;
                self.at = 0;
                continue;
            }
            let e = self
                .excl
                .iter()
                .filter(|&&(a, _)| a > s && a < l.end)
                .map(|&(a, _)| a)
                .min()
                .unwrap_or(l.end);
            if e >= l.end {
                self.i += 1;
                self.at = 0;
            } else {
                self.at = e;
            }
            return Some(Line { start: s, end: e, ..l });
        }
        None
    }
}

fn same_outside(a: &Line, b: &Line) -> bool {
    a.end == b.end
        && a.perms == b.perms
        && a.name == b.name
        && a.stack == b.stack
        && (a.stack || a.start == b.start)
}

/// The word pattern of page contents: never zero.
fn pat(seed: u64, word: usize) -> usize {
    ((seed ^ (word as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)) | 1) as usize
}

const W: usize = core::mem::size_of::<usize>();

fn fill(addr: usize, page: usize, seed: u64) {
    for j in 0..page / W {
        // SAFETY: called only for pages the model and the kernel (maps, probe) agree are
        // read-write and accessible; the model owns them.
        unsafe { (addr as *mut usize).add(j).write_volatile(pat(seed, j)) };
    }
}

fn word(addr: usize, j: usize) -> usize {
    // SAFETY: called only for pages the kernel shows readable (maps and, where markers
    // may be, the probe).
    unsafe { (addr as *const usize).add(j).read_volatile() }
}

/// What a model operation is, for the divergence report.
#[derive(Clone, Copy)]
struct Desc {
    name: &'static str,
    slot: usize,
    lo: Bound<usize>,
    hi: Bound<usize>,
    arg: usize,
}

impl fmt::Display for Desc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} slot {}", self.name, self.slot)?;
        if !matches!((self.lo, self.hi), (Bound::Unbounded, Bound::Unbounded)) || self.arg != 0 {
            write!(f, " {:?}..{:?} arg {:#x}", self.lo, self.hi, self.arg)?;
        }
        Ok(())
    }
}

/// The model's own reading of a range (what `Reservation` documents): `(first page,
/// pages)` or the error.
fn span(
    len: usize, page: usize, lo: Bound<usize>, hi: Bound<usize>,
) -> Result<(usize, usize), ErrorKind> {
    let start = match lo {
        Bound::Included(s) => s,
        Bound::Excluded(s) => s.checked_add(1).ok_or(ErrorKind::Overflow)?,
        Bound::Unbounded => 0,
    };
    let end = match hi {
        Bound::Included(e) => e.checked_add(1).ok_or(ErrorKind::Overflow)?,
        Bound::Excluded(e) => e,
        Bound::Unbounded => len,
    };
    if end <= start {
        return Err(ErrorKind::ZeroLength);
    }
    if end > len {
        return Err(ErrorKind::OutOfRange);
    }
    if !start.is_multiple_of(page) || !end.is_multiple_of(page) {
        return Err(ErrorKind::Unaligned);
    }
    Ok((start / page, (end - start) / page))
}

/// What `reserve*` accept as a length: non-zero, page aligned, at most `isize::MAX`.
fn check_len(len: usize, page: usize) -> Result<(), ErrorKind> {
    if len == 0 {
        Err(ErrorKind::ZeroLength)
    } else if !len.is_multiple_of(page) {
        Err(ErrorKind::Unaligned)
    } else if len > isize::MAX as usize {
        Err(ErrorKind::Overflow)
    } else {
        Ok(())
    }
}

/// Counters for the closing lines.
#[derive(Default)]
struct Stats {
    valid: u32,
    invalid: u32,
    /// Per operation name: (valid, invalid).
    per: [(&'static str, u32, u32); 24],
    page_checks: u64,
    full_pages: u64,
}

struct Model<'t, S: Source = Rng> {
    env: Env,
    target: &'t str,
    rng: S,
    slots: [Slot; SLOTS],
    /// The maps before and after the operation: `snaps[cur]` is the newest.
    snaps: [Snap; 2],
    cur: usize,
    text: [u8; MAPS_BYTES],
    /// Reservation ranges before the operation, then also after it.
    excl: [(usize, usize); 2 * SLOTS],
    before: usize,
    nexcl: usize,
    /// A range given back by drop or release, for reserve_at.
    hole: Option<(usize, usize)>,
    /// The pages the operation worked on: checked in full.
    touched: Option<(usize, usize, usize)>,
    /// Read-write pages to write a fresh pattern into after the comparison.
    pending: Option<(usize, usize, usize)>,
    /// Picks the words of sampled content checks (apart from the operations' `rng`).
    sample: Rng,
    op: u32,
    desc: Desc,
    bad: bool,
    printed: u32,
    divergences: u32,
    stats: Stats,
}

impl<S: Source> Model<'_, S> {
    fn p(&self) -> usize {
        self.env.page
    }

    fn diverge(&mut self, what: fmt::Arguments<'_>) {
        if !self.bad {
            self.printed += 1;
        }
        if self.printed <= PRINT_MAX {
            out!("model {}: op {} ({}): divergence: {}\n", self.target, self.op, self.desc, what);
        }
        self.bad = true;
    }

    fn count(&mut self, valid: bool) {
        let name = self.desc.name;
        if valid {
            self.stats.valid += 1;
        } else {
            self.stats.invalid += 1;
        }
        if let Some(e) = self.stats.per.iter_mut().find(|e| e.0 == name || e.0.is_empty()) {
            e.0 = name;
            if valid {
                e.1 += 1;
            } else {
                e.2 += 1;
            }
        }
    }

    fn free_slot(&self) -> Option<usize> {
        self.slots.iter().position(|s| !s.live())
    }

    fn live_count(&self) -> usize {
        self.slots.iter().filter(|s| s.live()).count()
    }

    fn pick_live(&mut self) -> Option<usize> {
        let n = self.live_count();
        if n == 0 {
            return None;
        }
        let k = self.rng.below(n as u64) as usize;
        self.slots.iter().enumerate().filter(|(_, s)| s.live()).nth(k).map(|(i, _)| i)
    }

    fn coin(&mut self, one_in: u64) -> bool {
        self.rng.below(one_in) == 0
    }

    /// A random edge value for a range bound or length.
    fn edge(&mut self, len: usize) -> usize {
        let p = self.p();
        let k = self.rng.below(MAX_PAGES as u64 + 2) as usize;
        match self.rng.below(16) {
            0 => 0,
            1 => 1,
            2 => p - 1,
            3 => p,
            4 => p + 1,
            5 => len.wrapping_sub(p),
            6 => len - 1,
            7 => len,
            8 => len + 1,
            9 => len + p,
            10 => k * p,
            11 => k * p + 1 + self.rng.below(p as u64 - 1) as usize,
            12 => usize::MAX,
            13 => usize::MAX - 1,
            14 => usize::MAX & !(p - 1),
            _ => usize::MAX / 2 + 1,
        }
    }

    fn bound(&mut self, len: usize) -> Bound<usize> {
        match self.rng.below(3) {
            0 => Bound::Unbounded,
            1 => Bound::Included(self.edge(len)),
            _ => Bound::Excluded(self.edge(len)),
        }
    }

    /// A range of byte offsets for a reservation of `n` pages: three in four valid,
    /// written in every form a caller may use; the rest from edge values.
    fn range(&mut self, n: usize) -> (Bound<usize>, Bound<usize>) {
        let p = self.p();
        if !self.coin(4) {
            let a = self.rng.below(n as u64) as usize;
            let b = a + 1 + self.rng.below((n - a) as u64) as usize;
            let lo = if a == 0 && self.coin(2) { Bound::Unbounded } else { Bound::Included(a * p) };
            let hi = match self.rng.below(3) {
                0 if b == n => Bound::Unbounded,
                1 => Bound::Included(b * p - 1),
                _ => Bound::Excluded(b * p),
            };
            return (lo, hi);
        }
        (self.bound(n * p), self.bound(n * p))
    }

    /// A length for reserve: mostly 1..=16 pages.
    fn length(&mut self) -> usize {
        let p = self.p();
        if self.coin(5) {
            match self.rng.below(5) {
                0 => 0,
                1 => p - 1,
                2 => p + 1 + self.rng.below(p as u64 - 1) as usize,
                3 => usize::MAX & !(p - 1) & !(usize::MAX >> 2), // above isize::MAX
                _ => 1 << (usize::BITS - 4),                     // for the kernel to refuse
            }
        } else {
            (1 + self.rng.below(MAX_PAGES as u64) as usize) * p
        }
    }

    /// Compares an operation's result with the model's prediction.
    fn expect<T: fmt::Debug>(
        &mut self, got: &Result<T, Error>, want: Result<(), ErrorKind>,
    ) -> bool {
        let ok = match (got, want) {
            (Ok(_), Ok(())) => true,
            (Err(g), Err(w)) => g.kind() == w,
            _ => false,
        };
        if !ok {
            self.diverge(format_args!("returned {:?}, the model says {:?}", got, want));
        }
        match want {
            Ok(()) => self.count(true),
            Err(_) => self.count(false),
        }
        ok
    }

    fn start(&mut self, name: &'static str, slot: usize) {
        self.desc = Desc { name, slot, lo: Bound::Unbounded, hi: Bound::Unbounded, arg: 0 };
    }

    /// Writes fresh patterns into about half of the read-write pages of a range.
    fn write_some(&mut self, s: usize, first: usize, count: usize) {
        let p = self.p();
        for i in first..first + count {
            let pg = self.slots[s].pages[i];
            if pg.accessible() && pg.vma == Vma::Rw && self.coin(2) {
                let seed = self.rng.next();
                fill(self.slots[s].base + i * p, p, seed);
                self.slots[s].pages[i].content = Content::Pat(seed);
            }
        }
    }

    /// One random operation; false where none applied (nothing done, not counted).
    fn step(&mut self) -> bool {
        self.bad = false;
        self.touched = None;
        self.pending = None;
        self.nexcl = 0;
        for s in 0..SLOTS {
            if self.slots[s].live() {
                let (b, n) = (self.slots[s].base, self.slots[s].n);
                self.excl[self.nexcl] = (b, b + n * self.p());
                self.nexcl += 1;
            }
        }
        self.before = self.nexcl;
        let kind = self.rng.below(22);
        let done = match (kind, self.pick_live()) {
            (0..=1, _) | (_, None) => self.op_reserve(),
            (2, _) => self.op_reserve_aligned(),
            (3, _) => self.op_reserve_at(),
            (4..=5, Some(s)) => self.op_commit(s),
            (6..=7, Some(s)) => self.op_decommit(s),
            (8..=9, Some(s)) => self.op_fault(s),
            (10, Some(s)) => self.op_recommit(s),
            (11..=12, Some(s)) => self.op_protect(s),
            (13, Some(s)) => self.op_guard(s),
            (14, Some(s)) => self.op_unguard(s),
            (15, Some(s)) => self.op_split(s),
            (16, Some(s)) => self.op_release(s),
            (17, Some(s)) => self.op_drop(s),
            (18, Some(s)) => self.op_advise(s),
            (19, Some(s)) => self.op_set_path(s),
            (_, Some(s)) => self.op_write(s),
        };
        if done {
            self.compare();
            if self.bad {
                self.divergences += 1;
                self.reset();
            } else if let Some((s, first, count)) = self.pending {
                self.write_some(s, first, count);
            }
        }
        done
    }

    /// Forgets everything after a divergence: drops every reservation, fresh snapshot.
    fn reset(&mut self) {
        for s in self.slots.iter_mut() {
            *s = Slot::empty();
        }
        self.hole = None;
        self.snaps[self.cur].take(&mut self.text);
    }

    fn add_slot(&mut self, s: usize, r: Reservation) {
        // The hole stays free only until the next mapping: forgetting it then keeps
        // reserve_at's outcome (and so the run) independent of where the kernel puts
        // things, which ASLR changes from run to run.
        self.hole = None;
        let p = self.p();
        let n = r.len() / p;
        let base = r.as_ptr() as usize;
        let mut path = r.fault_path();
        // Every path in turn, where the kernel has it.
        let want = match self.rng.below(3) {
            0 => FaultPath::Remap,
            1 => FaultPath::Protect,
            _ => FaultPath::Guard,
        };
        let mut r = r;
        if want != FaultPath::Guard || self.env.guard {
            if let Err(e) = r.set_fault_path(want) {
                self.diverge(format_args!("set_fault_path({want:?}): {e}"));
            }
            path = want;
        }
        if n > MAX_PAGES {
            self.diverge(format_args!("a reservation of {n} pages"));
        }
        self.slots[s] = Slot {
            r: Some(r),
            base,
            n: n.min(MAX_PAGES),
            path,
            markers: false,
            pages: [RESERVED; MAX_PAGES],
        };
        self.excl[self.nexcl] = (base, base + n * p);
        self.nexcl += 1;
    }

    fn op_reserve(&mut self) -> bool {
        let len = self.length();
        let want = check_len(len, self.p());
        let Some(s) = self.free_slot().filter(|_| self.live_count() < LIVE_MAX) else {
            return false;
        };
        self.start("reserve", s);
        self.desc.arg = len;
        let got = Reservation::reserve(len);
        if want.is_ok() && len / self.p() > MAX_PAGES {
            // More than the address space (64-bit) or most of it (32-bit): ENOMEM,
            // or, where the room is there, a reservation dropped at once.
            self.count(true);
            match got {
                Ok(r) => drop(r),
                Err(e) if e == ErrorKind::Kernel { call: "mmap", errno: Errno::ENOMEM } => {}
                Err(e) => self.diverge(format_args!("reserve of {len:#x}: {e}")),
            }
            return true;
        }
        if self.expect(&got, want) {
            if let Ok(r) = got {
                self.add_slot(s, r);
            }
        }
        true
    }

    fn op_reserve_aligned(&mut self) -> bool {
        let p = self.p();
        let Some(s) = self.free_slot().filter(|_| self.live_count() < LIVE_MAX) else {
            return false;
        };
        let mut len = (1 + self.rng.below(MAX_PAGES as u64) as usize) * p;
        let top = 1usize << (usize::BITS - 1);
        let huge = 1usize << (usize::BITS - 4);
        let align = match self.rng.below(13) {
            0 => 0,
            1 => 1,
            2 => p / 2,
            3 => 3 * p,
            4 => p + 1,
            5 => usize::MAX,
            6 => {
                len = top + p; // len + align - page overflows
                top
            }
            7 => top,  // above any address space: Overflow, no system call
            8 => huge, // above this one (64-bit): the kernel's ENOMEM
            9 => {
                len = p + 1;
                p
            }
            _ => p << self.rng.below(6),
        };
        self.start("reserve_aligned", s);
        self.desc.arg = align;
        self.desc.lo = Bound::Included(len);
        let want = check_len(len, p).and_then(|()| {
            if !align.is_power_of_two() || align < p {
                Err(ErrorKind::BadAlign)
            } else {
                let total = len.checked_add(align - p);
                total.filter(|&t| t <= isize::MAX as usize).map(drop).ok_or(ErrorKind::Overflow)
            }
        });
        let got = Reservation::reserve_aligned(len, align);
        if want.is_ok() && align == huge {
            // The kernel decides: ENOMEM on 64-bit, maybe room on 32-bit.
            match got {
                Err(e) if e == ErrorKind::Kernel { call: "mmap", errno: Errno::ENOMEM } => {
                    self.count(true);
                    return true;
                }
                Err(e) => {
                    self.diverge(format_args!("align {align:#x}: {e}"));
                    return true;
                }
                Ok(_) => {}
            }
        } else if !self.expect(&got, want) {
            return true;
        }
        if let Ok(r) = got {
            let a = r.as_ptr() as usize;
            if !a.is_multiple_of(align) || r.len() != len {
                self.diverge(format_args!("got {:#x} len {:#x}", a, r.len()));
            }
            if align == huge {
                // Room for it (32-bit) or not depends on the layout: dropped at once,
                // so that the run goes on the same either way.
                drop(r);
            } else {
                self.add_slot(s, r);
            }
        }
        true
    }

    fn op_reserve_at(&mut self) -> bool {
        let p = self.p();
        let Some(s) = self.free_slot().filter(|_| self.live_count() < LIVE_MAX) else {
            return false;
        };
        let (addr, len) = match (self.rng.below(6), self.hole) {
            (0..=2, Some(h)) => h,
            (3, _) => match self.pick_live() {
                Some(t) => (self.slots[t].base, self.slots[t].n * p),
                None => return false,
            },
            (4, Some((a, n))) => (a + 1, n),
            (5, _) => ((usize::MAX & !(p - 1)) - p, 2 * p),
            _ => match self.hole {
                Some((a, _)) => (a, p + 1),
                None => return false,
            },
        };
        self.start("reserve_at", s);
        self.desc.arg = addr;
        self.desc.lo = Bound::Included(len);
        let want = check_len(len, p).and_then(|()| {
            if !addr.is_multiple_of(p) {
                Err(ErrorKind::Unaligned)
            } else {
                addr.checked_add(len).map(drop).ok_or(ErrorKind::Overflow)
            }
        });
        let want = match want {
            Ok(()) if self.snaps[self.cur].overlaps(addr, addr + len) => {
                Err(ErrorKind::Kernel { call: "mmap", errno: Errno::EEXIST })
            }
            w => w,
        };
        // SAFETY: the address space asked for is a hole this model made by dropping or
        // releasing one of its reservations, a live reservation of its own (refused with
        // EEXIST), or a range refused before any system call; no other code runs in this
        // process meanwhile, so nothing else expects to use it.
        let got = unsafe { Reservation::reserve_at(addr as *mut u8, len) };
        if got.as_ref().is_err_and(|e| matches!(e.kind(), ErrorKind::Misplaced { .. })) {
            // Linux < 4.17 takes MAP_FIXED_NOREPLACE as a hint; the mapping is undone.
            self.count(true);
            return true;
        }
        if self.expect(&got, want) {
            if let Ok(r) = got {
                if r.as_ptr() as usize != addr {
                    self.diverge(format_args!("placed at {:p}", r.as_ptr()));
                }
                self.hole = None;
                self.add_slot(s, r);
            }
        }
        true
    }

    /// Picks a range of slot `s`, records it, and returns the model's verdict.
    fn ranged(&mut self, name: &'static str, s: usize) -> Result<(usize, usize), ErrorKind> {
        let n = self.slots[s].n;
        let (lo, hi) = self.range(n);
        self.start(name, s);
        self.desc.lo = lo;
        self.desc.hi = hi;
        let v = span(n * self.p(), self.p(), lo, hi);
        if let Ok((first, count)) = v {
            self.touched = Some((s, first, count));
        }
        v
    }

    fn r(&self, s: usize) -> &Reservation {
        self.slots[s].r.as_ref().expect("live slot")
    }

    fn bounds(&self) -> (Bound<usize>, Bound<usize>) {
        (self.desc.lo, self.desc.hi)
    }

    /// Applies `f` to the model's pages of a valid range.
    fn apply(&mut self, s: usize, v: (usize, usize), f: impl Fn(&mut Page, &Env, bool)) {
        let markers = self.slots[s].markers;
        for pg in &mut self.slots[s].pages[v.0..v.0 + v.1] {
            f(pg, &self.env, markers);
        }
    }

    fn op_commit(&mut self, s: usize) -> bool {
        let populate = self.coin(3);
        let v = self.ranged(if populate { "commit_populate" } else { "commit" }, s);
        let got = if populate {
            self.r(s).commit_populate(self.bounds())
        } else {
            self.r(s).commit(self.bounds()).map(|()| Populate::OnFirstTouch)
        };
        if self.expect(&got, v.map(drop)) {
            if let Ok(v) = v {
                self.apply(s, v, |pg, _, m| pg.make_rw(m));
                self.after_rw(s, v);
            }
        }
        true
    }

    /// Pages left read-write: once the comparison has checked what they kept, about
    /// half get a fresh pattern, which the next comparisons check.
    fn after_rw(&mut self, s: usize, v: (usize, usize)) {
        self.pending = Some((s, v.0, v.1));
    }

    fn op_decommit(&mut self, s: usize) -> bool {
        let mode = match self.rng.below(3) {
            0 => Decommit::Zero,
            1 => Decommit::Lazy,
            _ => Decommit::Uncharge,
        };
        let v = self.ranged(
            match mode {
                Decommit::Zero => "decommit(Zero)",
                Decommit::Lazy => "decommit(Lazy)",
                Decommit::Uncharge => "decommit(Uncharge)",
            },
            s,
        );
        let got = self.r(s).decommit(self.bounds(), mode);
        if self.expect(&got, v.map(drop)) {
            if let Ok(v) = v {
                match mode {
                    Decommit::Zero => self.apply(s, v, |pg, env, _| pg.dontneed(env)),
                    Decommit::Lazy => self.apply(s, v, |pg, _, _| pg.free()),
                    Decommit::Uncharge => self.apply(s, v, |pg, _, _| pg.remap(Vma::None)),
                }
                self.after_rw(s, v);
            }
        }
        true
    }

    fn op_fault(&mut self, s: usize) -> bool {
        let v = self.ranged("fault", s);
        self.desc.arg = self.slots[s].path as usize;
        let got = self.r(s).fault(self.bounds());
        if self.expect(&got, v.map(drop)) {
            if let Ok(v) = v {
                match self.slots[s].path {
                    FaultPath::Remap => self.apply(s, v, |pg, _, _| pg.remap(Vma::None)),
                    FaultPath::Protect => self.apply(s, v, |pg, env, _| pg.protect_none(env)),
                    FaultPath::Guard => {
                        self.slots[s].markers = true;
                        self.apply(s, v, |pg, _, _| pg.guard_install());
                    }
                }
            }
        }
        true
    }

    fn op_recommit(&mut self, s: usize) -> bool {
        let v = self.ranged("recommit", s);
        self.desc.arg = self.slots[s].path as usize;
        let got = self.r(s).recommit(self.bounds());
        if self.expect(&got, v.map(drop)) {
            if let Ok(v) = v {
                match self.slots[s].path {
                    FaultPath::Remap => self.apply(s, v, |pg, _, _| pg.remap(Vma::Rw)),
                    FaultPath::Protect => self.apply(s, v, |pg, _, m| pg.make_rw(m)),
                    FaultPath::Guard => self.apply(s, v, |pg, _, _| pg.marker = false),
                }
                self.after_rw(s, v);
            }
        }
        true
    }

    fn op_protect(&mut self, s: usize) -> bool {
        let rw = Prot::READ | Prot::WRITE;
        let prot = match self.rng.below(8) {
            0..=2 => Prot::READ,
            3..=4 => Prot::READ | Prot::EXEC,
            5 => rw,
            6 => Prot::NONE,
            _ => match self.rng.below(3) {
                0 => rw | Prot::EXEC,
                1 => Prot::WRITE,
                _ => Prot::EXEC,
            },
        };
        let v = self.ranged("protect", s);
        self.desc.arg = prot.bits() as usize;
        let want = v.and_then(|v| {
            if prot == rw || prot == Prot::READ || prot == Prot::READ | Prot::EXEC {
                Ok(v)
            } else {
                Err(ErrorKind::ProtNotAllowed(prot))
            }
        });
        let got = self.r(s).protect(self.bounds(), prot);
        if self.expect(&got, want.map(drop)) {
            if let Ok(v) = want {
                if prot == rw {
                    self.apply(s, v, |pg, _, m| pg.make_rw(m));
                    self.after_rw(s, v);
                } else {
                    // The asked protection exactly: markers go too, as in make_rw.
                    let vma = if prot == Prot::READ { Vma::R } else { Vma::Rx };
                    self.apply(s, v, |pg, _, m| pg.set_prot(vma, m));
                }
            }
        }
        true
    }

    fn op_guard(&mut self, s: usize) -> bool {
        let v = self.ranged("guard", s);
        let got = self.r(s).guard(self.bounds());
        if self.expect(&got, v.map(drop)) {
            if let Ok(v) = v {
                if self.env.guard {
                    self.slots[s].markers = true;
                    self.apply(s, v, |pg, _, _| pg.guard_install());
                } else {
                    self.apply(s, v, |pg, env, _| pg.protect_none(env));
                }
            }
        }
        true
    }

    fn op_unguard(&mut self, s: usize) -> bool {
        let v = self.ranged("unguard", s);
        let got = self.r(s).unguard(self.bounds());
        if self.expect(&got, v.map(drop)) {
            if let Ok(v) = v {
                self.apply(s, v, |pg, _, m| pg.make_rw(m));
                self.after_rw(s, v);
            }
        }
        true
    }

    fn op_split(&mut self, s: usize) -> bool {
        let p = self.p();
        let n = self.slots[s].n;
        let at = if self.coin(4) {
            self.edge(n * p)
        } else {
            (1 + self.rng.below(MAX_PAGES as u64 - 1) as usize) * p
        };
        let want = if at == 0 || at >= n * p {
            Err(ErrorKind::OutOfRange)
        } else if !at.is_multiple_of(p) {
            Err(ErrorKind::Unaligned)
        } else {
            Ok(())
        };
        let t = match self.free_slot() {
            Some(t) => t,
            None if want.is_ok() => return false,
            None => 0, // refused before a slot is needed
        };
        self.start("split_off", s);
        self.desc.arg = at;
        let got = self.slots[s].r.as_mut().expect("live").split_off(at);
        if self.expect(&got, want) {
            if let Ok(tail) = got {
                let k = at / p;
                let head = &mut self.slots[s];
                let mut new = Slot {
                    r: None,
                    base: head.base + at,
                    n: n - k,
                    path: head.path,
                    markers: head.markers,
                    pages: [RESERVED; MAX_PAGES],
                };
                new.pages[..n - k].copy_from_slice(&head.pages[k..n]);
                head.n = k;
                if tail.as_ptr() as usize != new.base || tail.len() != (n - k) * p {
                    self.diverge(format_args!("tail at {:p} len {:#x}", tail.as_ptr(), tail.len()));
                }
                new.r = Some(tail);
                self.slots[t] = new;
            }
        }
        true
    }

    fn op_release(&mut self, s: usize) -> bool {
        let p = self.p();
        let n = self.slots[s].n;
        let v = self.ranged("release", s);
        let want = v.and_then(|(first, count)| {
            if count == n {
                Err(ErrorKind::ReleaseAll)
            } else if first != 0 && first + count != n {
                Err(ErrorKind::Hole)
            } else {
                Ok((first, count))
            }
        });
        if want.is_ok() {
            self.touched = None;
        }
        let (lo, hi) = self.bounds();
        let got = self.slots[s].r.as_mut().expect("live").release((lo, hi));
        if self.expect(&got, want.map(drop)) {
            if let Ok((first, count)) = want {
                let slot = &mut self.slots[s];
                self.hole = Some((slot.base + first * p, count * p));
                if first == 0 {
                    slot.pages.copy_within(count..n, 0);
                    slot.base += count * p;
                }
                slot.n -= count;
            }
        }
        true
    }

    fn op_drop(&mut self, s: usize) -> bool {
        self.start("drop", s);
        let slot = &mut self.slots[s];
        self.hole = Some((slot.base, slot.n * self.env.page));
        *slot = Slot::empty();
        self.count(true);
        true
    }

    fn op_advise(&mut self, s: usize) -> bool {
        let which = self.rng.below(3);
        let v = self.ranged(
            match which {
                0 => "advise_huge(on)",
                1 => "advise_huge(off)",
                _ => "collapse",
            },
            s,
        );
        let r = self.r(s);
        let got = match which {
            0 => r.advise_huge(self.bounds(), true),
            1 => r.advise_huge(self.bounds(), false),
            _ => r.collapse(self.bounds()),
        };
        // Optional kernel features: no THP (EINVAL), a range that cannot hold a huge
        // page (EINVAL, EAGAIN, ENOMEM); either way nothing visible may change.
        let tolerated = |e: &Error| {
            matches!(e.errno(), Some(Errno::EINVAL | Errno::EAGAIN | Errno::ENOMEM))
                && (which == 2 || e.errno() == Some(Errno::EINVAL))
        };
        match (&got, v) {
            (Err(e), Ok(_)) if tolerated(e) => self.count(true),
            _ => {
                self.expect(&got, v.map(drop));
            }
        }
        true
    }

    fn op_set_path(&mut self, s: usize) -> bool {
        let path = match self.rng.below(3) {
            0 => FaultPath::Remap,
            1 => FaultPath::Protect,
            _ => FaultPath::Guard,
        };
        self.start("set_fault_path", s);
        self.desc.arg = path as usize;
        let want = if path == FaultPath::Guard && !self.env.guard {
            Err(ErrorKind::Unsupported("MADV_GUARD_INSTALL"))
        } else {
            Ok(())
        };
        let got = self.slots[s].r.as_mut().expect("live").set_fault_path(path);
        if self.expect(&got, want) && want.is_ok() {
            self.slots[s].path = path;
        }
        true
    }

    fn op_write(&mut self, s: usize) -> bool {
        let n = self.slots[s].n;
        let first = self.rng.below(n as u64) as usize;
        let count = 1 + self.rng.below((n - first) as u64) as usize;
        self.start("write", s);
        self.desc.arg = first;
        self.count(true);
        self.write_some(s, first, count);
        self.touched = Some((s, first, count));
        true
    }
}

impl<S: Source> Model<'_, S> {
    /// Whether the kernel can read the byte at `addr` (copies it through the pipe).
    fn readable(&self, addr: usize) -> bool {
        let (r, w) = &self.env.pipe;
        // SAFETY: the kernel reads at most one byte at `addr` and answers EFAULT if it
        // cannot; nothing in this process touches it.
        let res = unsafe { baresys::syscall3(nr::WRITE, w.as_raw_fd() as usize, addr, 1) };
        if res == Ok(1) {
            let _ = baresys::read(r, &mut [0u8; 1]);
        }
        res == Ok(1)
    }

    /// The model against the kernel, after an operation.
    fn compare(&mut self) {
        let p = self.p();
        let old = self.cur;
        self.cur ^= 1;
        self.snaps[self.cur].take(&mut self.text);
        if !self.snaps[self.cur].ok {
            let n = self.snaps[self.cur].n;
            self.diverge(format_args!("/proc/self/maps unreadable or too long ({n} lines)"));
            return;
        }
        self.nexcl = self.before;
        for s in 0..SLOTS {
            if self.slots[s].live() {
                let (b, n) = (self.slots[s].base, self.slots[s].n);
                self.excl[self.nexcl] = (b, b + n * p);
                self.nexcl += 1;
            }
        }
        for s in 0..SLOTS {
            if self.slots[s].live() {
                self.compare_slot(s);
            }
        }

        // Nothing outside the reservations changed.
        let excl = &self.excl[..self.nexcl];
        let mut a = Pieces { lines: self.snaps[old].lines(), excl, i: 0, at: 0 };
        let mut b = Pieces { lines: self.snaps[self.cur].lines(), excl, i: 0, at: 0 };
        let diff = loop {
            match (a.next(), b.next()) {
                (None, None) => break None,
                (x, y) if x.zip(y).is_some_and(|(x, y)| same_outside(&x, &y)) => {}
                (x, y) => break Some((x, y)),
            }
        };
        if let Some((x, y)) = diff {
            self.diverge(format_args!("outside the reservations: was {x:x?}, now {y:x?}"));
        }

        // What was released or dropped is unmapped.
        for i in 0..self.before {
            let (a, b) = self.excl[i];
            let kept = &self.excl[self.before..self.nexcl];
            let mut at = a;
            while at < b {
                if !kept.iter().any(|&(x, y)| x <= at && at < y) {
                    if let Some(l) = self.snaps[self.cur].find(at).copied() {
                        self.diverge(format_args!("released page {at:#x} still mapped: {l:x?}"));
                        break;
                    }
                }
                at += p;
            }
        }
    }

    fn compare_slot(&mut self, s: usize) {
        let p = self.p();
        let (base, n, path, markers, pages) = {
            let slot = &self.slots[s];
            (slot.base, slot.n, slot.path, slot.markers, slot.pages)
        };
        let r = self.r(s);
        let (rb, rl, rp) = (r.as_ptr() as usize, r.len(), r.fault_path());
        if rb != base || rl != n * p || rp != path {
            self.diverge(format_args!(
                "slot {s}: reservation {rb:#x}+{rl:#x} {rp:?}, model {base:#x}+{:#x} {path:?}",
                n * p
            ));
            return;
        }
        for (i, pg) in pages[..n].iter().enumerate() {
            let addr = base + i * p;
            self.stats.page_checks += 1;
            let perms = self.snaps[self.cur].find(addr).map(|l| l.perms);
            let Some(perms) = perms else {
                self.diverge(format_args!("slot {s} page {i} ({addr:#x}) unmapped, model {pg:?}"));
                continue;
            };
            if perms[..3] != pg.vma.perms()[..] || perms[3] != b'p' {
                let shown = core::str::from_utf8(&perms).unwrap_or("?");
                self.diverge(format_args!(
                    "slot {s} page {i} ({addr:#x}): maps {shown}, model {pg:?}"
                ));
                continue;
            }
            if pg.vma == Vma::None {
                continue;
            }
            if self.env.guard && markers {
                if self.readable(addr) == pg.marker {
                    self.diverge(format_args!(
                        "slot {s} page {i} ({addr:#x}): kernel read {}, model {pg:?}",
                        if pg.marker { "works" } else { "fails" }
                    ));
                    continue;
                }
            } else if pg.marker {
                self.diverge(format_args!("slot {s} page {i}: markers without guard support"));
                continue;
            }
            if pg.marker {
                continue;
            }
            let full = self.touched.is_some_and(|(ts, f, c)| ts == s && f <= i && i < f + c);
            if let Err((j, got, want)) = self.content(addr, pg.content, full) {
                // A fresh never-written page maps the kernel's one shared zero page: if it
                // reads non-zero too, say so (the Debian 6.1 mips64el kernel frees that page
                // after mprotect over read-faulted pages; see README). Still a divergence.
                let note = if want == 0 && zero_page_corrupt(self.p()) {
                    "; a fresh page reads non-zero too: the kernel's zero page is corrupt"
                } else {
                    ""
                };
                self.diverge(format_args!(
                    "slot {s} page {i} ({addr:#x}) word {j}: {got:#x}, model {want:#x} ({:?}){note}",
                    pg.content
                ));
            }
        }
    }

    /// Checks a readable page against the model: every word where `full`, else the
    /// first, the last and two at random.
    fn content(
        &mut self, addr: usize, c: Content, full: bool,
    ) -> Result<(), (usize, usize, usize)> {
        let words = self.p() / W;
        let zero = match c {
            Content::Zero => true,
            Content::Pat(_) => false,
            Content::PatOrZero(_) => word(addr, 0) == 0,
        };
        let seed = match c {
            Content::Pat(s) | Content::PatOrZero(s) => s,
            Content::Zero => 0,
        };
        let want = |j: usize| if zero { 0 } else { pat(seed, j) };
        let at = |j: usize| {
            let got = word(addr, j);
            if got == want(j) {
                Ok(())
            } else {
                Err((j, got, want(j)))
            }
        };
        if full {
            self.stats.full_pages += 1;
            (0..words).try_for_each(at)
        } else {
            let (x, y) = (
                self.sample.below(words as u64) as usize,
                self.sample.below(words as u64) as usize,
            );
            [0, words - 1, x, y].into_iter().try_for_each(at)
        }
    }
}

/// Whether a fresh, never-written private anonymous page reads anything but zero: it
/// maps the kernel's shared zero page, so that page is corrupt. Read-only: reading maps
/// the zero page without the mprotect that triggers the bug.
fn zero_page_corrupt(page: usize) -> bool {
    let flags = MapFlags::PRIVATE | MapFlags::ANONYMOUS;
    // SAFETY: a fresh mapping where the kernel chooses aliases nothing.
    let Ok(p) = (unsafe { baresys::mmap(core::ptr::null_mut(), page, Prot::READ, flags, None, 0) })
    else {
        return false;
    };
    // SAFETY: `p` is our readable page of `page` bytes.
    let corrupt = (0..page / W).any(|j| unsafe { p.cast::<usize>().add(j).read_volatile() } != 0);
    // SAFETY: the page mapped above, not used after this.
    let _ = unsafe { baresys::munmap(p, page) };
    corrupt
}

/// Where the model's choices come from: the seeded PRNG, or (for the fuzz target) the
/// fuzzer's bytes.
pub trait Source {
    fn next(&mut self) -> u64;
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }
    /// No more choices to make (the PRNG never runs out).
    fn exhausted(&self) -> bool {
        false
    }
}

impl Source for Rng {
    fn next(&mut self) -> u64 {
        Rng::next(self)
    }
}

/// Choices read from a byte string: one byte for a choice among at most 256, two for
/// at most 65,536, eight otherwise; zeros once it runs out.
pub struct Bytes<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> Bytes<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Bytes { data, at: 0 }
    }
    fn take(&mut self, n: usize) -> u64 {
        let mut v = 0u64;
        for _ in 0..n {
            let b = self.data.get(self.at).copied().unwrap_or(0);
            self.at += 1;
            v = (v << 8) | b as u64;
        }
        v
    }
}

impl Source for Bytes<'_> {
    fn next(&mut self) -> u64 {
        self.take(8)
    }
    fn below(&mut self, n: u64) -> u64 {
        let v = match n {
            0 => return 0,
            1..=256 => self.take(1),
            257..=65536 => self.take(2),
            _ => self.take(8),
        };
        v % n
    }
    fn exhausted(&self) -> bool {
        self.at >= self.data.len()
    }
}

/// A model with no reservation yet and the first snapshot taken.
/// `markers`: whether the library uses guard markers in this run (the caller forces it
/// with `mem::force_guard_markers`).
fn setup<S: Source>(
    target: &str, src: S, sample: u64, markers: bool,
) -> Result<Model<'_, S>, &'static str> {
    let page = mem::page_size();
    if !page.is_power_of_two() || page < 4096 {
        return Err("no page size");
    }
    let pipe = baresys::pipe2(OFlags::CLOEXEC).map_err(|_| "pipe2 for the kernel-read probe")?;
    let env = Env { page, guard: markers, dontneed_zeroes: dontneed_zeroes(page), pipe };
    let _ = mem::default_fault_path();
    let mut m = Model {
        env,
        target,
        rng: src,
        slots: core::array::from_fn(|_| Slot::empty()),
        snaps: [Snap::new(), Snap::new()],
        cur: 0,
        text: [0; MAPS_BYTES],
        excl: [(0, 0); 2 * SLOTS],
        before: 0,
        nexcl: 0,
        hole: None,
        touched: None,
        pending: None,
        sample: Rng(sample | 1),
        op: 0,
        desc: Desc { name: "start", slot: 0, lo: Bound::Unbounded, hi: Bound::Unbounded, arg: 0 },
        bad: false,
        printed: 0,
        divergences: 0,
        stats: Stats::default(),
    };
    m.snaps[0].take(&mut m.text);
    if !m.snaps[0].ok {
        return Err("/proc/self/maps cannot be read");
    }
    Ok(m)
}

impl<S: Source> Model<'_, S> {
    /// Up to `ops` operations (fewer when the source runs out); returns how many ran.
    fn drive(&mut self, ops: u32) -> u32 {
        let (mut done, mut tries) = (0u32, 0u64);
        while done < ops && tries < 10 * ops as u64 + 100 && !self.rng.exhausted() {
            tries += 1;
            self.op = done;
            if self.step() {
                done += 1;
            }
        }
        done
    }

    /// Drops what is left and checks that it is gone (dropping the model closes the
    /// probe pipe).
    fn finish(&mut self, done: u32) {
        let page = self.p();
        self.op = done;
        self.before = 0;
        self.start("drop all", 0);
        for s in 0..SLOTS {
            if self.slots[s].live() {
                let (b, n) = (self.slots[s].base, self.slots[s].n);
                self.excl[self.before] = (b, b + n * page);
                self.before += 1;
                self.slots[s] = Slot::empty();
            }
        }
        self.bad = false;
        self.compare();
        if self.bad {
            self.divergences += 1;
        }
    }
}

/// Runs the model on choices read from `data` (the fuzz target): at most 512
/// operations. Returns (operations, divergences); divergences are printed.
pub fn run_bytes(data: &[u8]) -> (u32, u32) {
    let mut m = match setup("fuzz", Bytes::new(data), 0x5eed, mem::guard_supported()) {
        Ok(m) => m,
        Err(e) => {
            out!("model fuzz: {e}\n");
            return (0, 1);
        }
    };
    let done = m.drive(512);
    m.finish(done);
    (done, m.divergences)
}

/// Runs `ops` random operations from `seed` twice, with guard markers forced off and
/// forced on, and records one check for each (`model (markers off)`, `model (markers
/// on)`). Where the kernel has no guard regions (before 6.13, QEMU user mode) the
/// forced-on run cannot agree with a kernel that ignores markers: it is not run, and a
/// note says so (no check is recorded for it).
pub fn run(ctx: &mut Ctx, target: &str, ops: u32, seed: u64) {
    ctx.group("model");
    out!("model {target}: seed {seed} (BARESYS_SEED={seed} BARESYS_OPS={ops} to rerun)\n");
    for markers in [false, true] {
        let label = if markers { "markers on" } else { "markers off" };
        if markers && !mem::guard_supported() {
            ctx.note(format_args!(
                "model {target} ({label}): not run: no guard regions here (kernel < 6.13 or QEMU user mode)"
            ));
            continue;
        }
        mem::force_guard_markers(Some(markers));
        run_one(ctx, target, label, ops, seed, markers);
        mem::force_guard_markers(None);
    }
}

fn run_one(ctx: &mut Ctx, target: &str, label: &str, ops: u32, seed: u64, markers: bool) {
    let mix = seed ^ 0x9e37_79b9_7f4a_7c15;
    let name = if markers { "model (markers on)" } else { "model (markers off)" };
    let src = Rng(if mix == 0 { 1 } else { mix });
    let mut m = match setup(target, src, mix.rotate_left(17), markers) {
        Ok(m) => m,
        Err(e) => return check!(ctx, name, false, "{}", e),
    };
    let done = m.drive(ops);
    m.finish(done);
    let st = &m.stats;
    out!(
        "model {target} ({label}): {} valid and {} invalid operations, {} page states and {} full pages checked against the kernel; guard markers {}, MADV_DONTNEED zeroes {}\n",
        st.valid,
        st.invalid,
        st.page_checks,
        st.full_pages,
        if m.env.guard { "yes" } else { "no" },
        if m.env.dontneed_zeroes { "yes" } else { "no" }
    );
    out!("model {target} ({label}): per operation, valid/invalid:");
    for &(name, v, i) in m.stats.per.iter().filter(|e| !e.0.is_empty()) {
        out!(" {name} {v}/{i}");
    }
    out!("\n");
    out!("model {target} ({label}): {done} operations, {} divergences\n", m.divergences);
    check!(
        ctx,
        name,
        m.divergences == 0 && done == ops,
        "{} divergences in {} of {} operations (seed {})",
        m.divergences,
        done,
        ops,
        seed
    );
}
