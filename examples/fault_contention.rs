//! How long do threads that page-fault stall while another thread faults and recommits
//! memory in the same mapping? The experiment behind the Go runtime's switch from
//! `mmap(MAP_FIXED)` to `mprotect` + `madvise`, run with this crate's fault paths.
//!
//! ```text
//! cargo run --release --example fault_contention              # ~30 s on 2 cores
//! cargo run --release --example fault_contention -- --help
//! ```
//!
//! One writer thread cycles fault / recommit / touch-every-page over a region (2 MiB) of
//! a [`Reservation`] with one [`FaultPath`], while K reader threads fault pages (touch
//! every page of 16 MiB, `MADV_DONTNEED`, touch again) in the same mapping (`--layout
//! shared`, the default: the writer's VMA changes are the readers' VMA changes) or each in
//! its own (`--layout separate`). Every run is a fresh process (this program run with
//! `--child`), with transparent huge pages off so that every fault is a 4 KiB one.
//! Printed per path: writer cycles/s and fault time, reader faults/s and the reader
//! fault-latency percentiles, medians over the repeats, and the ratios against `Remap`.

use baresys::mem::{self, Decommit, FaultPath, Reservation};
use std::fmt::Write as _;
use std::io::{IsTerminal, Write as _};
use std::process::{Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const USAGE: &str = "\
usage: fault_contention [options]

  -k, --readers LIST   reader thread counts, e.g. 1,2,4 (default: cores - 1, at least 1)
  -s, --size SIZE      writer region (default 2M); suffix K, M or G
      --reader-size SIZE  each reader's region (default 16M)
  -t, --seconds S      seconds per run (default 1.2)
  -r, --repeats N      runs per configuration; medians are printed (default 5)
  -l, --layout LIST    shared, separate or both (default shared)
  -p, --paths LIST     none,remap,protect,guard (default: all; none = no writer,
                       the readers' baseline; guard is skipped where the kernel lacks it)
      --max-other CPUS rerun a run (up to 5 times) while other processes used more than
                       CPUS processors during it (default: never; noise is reported)
      --csv            CSV on stdout instead of the tables
      --svg FILE       plot reader p99.9 fault latency per path and K into FILE
  -q, --quiet          no progress line on stderr
  -h, --help           this text

Smoke test (CI): --seconds 0.2 --repeats 1 --layout both";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--child") {
        return match child(&args[1..]) {
            Ok(line) => {
                println!("{line}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("fault_contention --child: {e}");
                ExitCode::FAILURE
            }
        };
    }
    match parse(&args).and_then(|o| o.map_or(Ok(()), |o| run(&o))) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fault_contention: {e}");
            ExitCode::from(2)
        }
    }
}

// ---------------------------------------------------------------------------------
// Options

/// What the writer does: nothing (the readers' baseline) or one fault path.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Writer {
    None,
    Path(FaultPath),
}

impl Writer {
    fn name(self) -> &'static str {
        match self {
            Writer::None => "none",
            Writer::Path(p) => p.name(),
        }
    }
    fn from_name(s: &str) -> Option<Writer> {
        Some(match s {
            "none" => Writer::None,
            "remap" => Writer::Path(FaultPath::Remap),
            "protect" => Writer::Path(FaultPath::Protect),
            "guard" => Writer::Path(FaultPath::Guard),
            _ => return None,
        })
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Layout {
    Shared,
    Separate,
}

impl Layout {
    fn name(self) -> &'static str {
        match self {
            Layout::Shared => "shared",
            Layout::Separate => "separate",
        }
    }
}

struct Opts {
    ks: Vec<usize>,
    size: usize,
    reader_size: usize,
    seconds: f64,
    repeats: usize,
    layouts: Vec<Layout>,
    writers: Vec<Writer>,
    /// Asked for but not run, with the reason.
    skipped: Vec<(Writer, String)>,
    csv: bool,
    svg: Option<String>,
    quiet: bool,
    max_other: f64,
}

fn parse_size(s: &str) -> Result<usize, String> {
    let (num, mul) = match s.chars().last().map(|c| c.to_ascii_uppercase()) {
        Some('K') => (&s[..s.len() - 1], 1 << 10),
        Some('M') => (&s[..s.len() - 1], 1 << 20),
        Some('G') => (&s[..s.len() - 1], 1 << 30),
        _ => (s, 1),
    };
    let n: usize = num.parse().map_err(|_| format!("bad size '{s}'"))?;
    n.checked_mul(mul).filter(|&b| b > 0).ok_or_else(|| format!("bad size '{s}'"))
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// `Ok(None)` after printing the help text.
fn parse(args: &[String]) -> Result<Option<Opts>, String> {
    let mut o = Opts {
        ks: vec![cores().saturating_sub(1).max(1)],
        size: 2 << 20,
        reader_size: 16 << 20,
        seconds: 1.2,
        repeats: 5,
        layouts: vec![Layout::Shared],
        writers: ["none", "remap", "protect", "guard"]
            .iter()
            .filter_map(|s| Writer::from_name(s))
            .collect(),
        skipped: Vec::new(),
        csv: false,
        svg: None,
        quiet: false,
        max_other: f64::INFINITY,
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        // --flag=value as well as --flag value
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (arg.as_str(), None),
        };
        let mut value =
            || inline.clone().or_else(|| it.next().cloned()).ok_or(format!("{flag} needs a value"));
        match flag {
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(None);
            }
            "-k" | "--readers" => {
                o.ks = value()?
                    .split(',')
                    .map(|k| {
                        k.trim()
                            .parse::<usize>()
                            .ok()
                            .filter(|&k| k > 0)
                            .ok_or(format!("bad reader count '{k}'"))
                    })
                    .collect::<Result<_, _>>()?;
            }
            "-s" | "--size" => o.size = parse_size(&value()?)?,
            "--reader-size" => o.reader_size = parse_size(&value()?)?,
            "-t" | "--seconds" => {
                let v = value()?;
                o.seconds = v
                    .parse()
                    .ok()
                    .filter(|&s: &f64| s > 0.0 && s < 1e6)
                    .ok_or(format!("bad seconds '{v}'"))?;
            }
            "-r" | "--repeats" => {
                let v = value()?;
                o.repeats =
                    v.parse().ok().filter(|&r| r > 0).ok_or(format!("bad repeats '{v}'"))?;
            }
            "-l" | "--layout" => {
                o.layouts = match value()?.as_str() {
                    "both" => vec![Layout::Shared, Layout::Separate],
                    list => list
                        .split(',')
                        .map(|l| match l.trim() {
                            "shared" => Ok(Layout::Shared),
                            "separate" | "sep" => Ok(Layout::Separate),
                            _ => Err(format!("bad layout '{l}' (shared, separate, both)")),
                        })
                        .collect::<Result<_, _>>()?,
                };
            }
            "-p" | "--paths" => {
                o.writers = value()?
                    .split(',')
                    .map(|p| {
                        Writer::from_name(p.trim())
                            .ok_or(format!("bad path '{p}' (none, remap, protect, guard)"))
                    })
                    .collect::<Result<_, _>>()?;
            }
            "--csv" => o.csv = true,
            "--svg" => o.svg = Some(value()?),
            "-q" | "--quiet" => o.quiet = true,
            "--max-other" => {
                let v = value()?;
                o.max_other = v
                    .parse()
                    .ok()
                    .filter(|&c: &f64| c >= 0.0)
                    .ok_or(format!("bad CPU count '{v}'"))?;
            }
            _ => return Err(format!("unknown argument '{arg}'\n{USAGE}")),
        }
    }
    let page = mem::page_size();
    if page == 0 || !o.size.is_multiple_of(page) || !o.reader_size.is_multiple_of(page) {
        return Err(format!("sizes must be multiples of the page size ({page})"));
    }
    if o.writers.contains(&Writer::Path(FaultPath::Guard)) && !mem::guard_supported() {
        o.writers.retain(|&w| w != Writer::Path(FaultPath::Guard));
        o.skipped.push((
            Writer::Path(FaultPath::Guard),
            format!(
                "kernel {} does not really install guard markers (MADV_GUARD_INSTALL needs Linux 6.13+; \
                 probed by effect, so an emulator that ignores the advice counts as lacking it)",
                uname_release()
            ),
        ));
    }
    if o.writers.is_empty() {
        return Err("no path left to run".into());
    }
    Ok(Some(o))
}

// ---------------------------------------------------------------------------------
// Reader latency histogram: exact below 64 ns, then 32 buckets per power of two (3 %).

const SUB_BITS: u32 = 5;
const SUB: usize = 1 << SUB_BITS;
const LINEAR: usize = 2 * SUB;
const BUCKETS: usize = LINEAR + (64 - 6) * SUB;

fn bucket(ns: u64) -> usize {
    if ns < LINEAR as u64 {
        return ns as usize;
    }
    let lg = 63 - ns.leading_zeros(); // >= 6
    let sub = (ns >> (lg - SUB_BITS)) as usize & (SUB - 1);
    LINEAR + (lg as usize - 6) * SUB + sub
}

/// The smallest and one past the largest value of bucket `b`.
fn bucket_range(b: usize) -> (u64, u64) {
    if b < LINEAR {
        return (b as u64, b as u64 + 1);
    }
    let lg = (b - LINEAR) / SUB + 6;
    let sub = ((b - LINEAR) % SUB) as u64;
    let step = 1u64 << (lg as u32 - SUB_BITS);
    let lo = (1u64 << lg) + sub * step;
    (lo, lo + step)
}

struct Hist(Box<[u64; BUCKETS]>);

impl Hist {
    fn new() -> Hist {
        Hist(Box::new([0; BUCKETS]))
    }
    fn add(&mut self, ns: u64) {
        self.0[bucket(ns)] += 1;
    }
    fn merge(&mut self, other: &Hist) {
        for (a, b) in self.0.iter_mut().zip(other.0.iter()) {
            *a += b;
        }
    }
    fn count(&self) -> u64 {
        self.0.iter().sum()
    }
    /// The bucket holding quantile `q`: the first whose running count passes `q * n`.
    fn quantile_bucket(&self, q: f64) -> Option<usize> {
        let n = self.count();
        if n == 0 {
            return None;
        }
        let want = (q * n as f64) as u64;
        let mut acc = 0;
        self.0.iter().position(|&c| {
            acc += c;
            acc > want
        })
    }
    /// Quantile `q` in ns: the upper edge of its bucket (within 3 %, never below).
    fn quantile(&self, q: f64) -> f64 {
        self.quantile_bucket(q).map_or(0.0, |b| bucket_range(b).1 as f64)
    }
    /// Quantile `q` in ns as the C reference bench reports it: the upper edge of the
    /// eighth of a power of two that holds it (up to 12.5 % above the true value).
    fn quantile_coarse(&self, q: f64) -> f64 {
        self.quantile_bucket(q).map_or(0.0, |b| {
            let v = bucket_range(b).0;
            if v < 8 {
                return v as f64;
            }
            let lg = 63 - v.leading_zeros();
            let eighth = (v >> (lg - 3)) & 7;
            (1u64 << lg) as f64 * (1.0 + (eighth + 1) as f64 / 8.0)
        })
    }
}

// ---------------------------------------------------------------------------------
// One run, in a child process

struct Control {
    go: AtomicBool,
    stop: AtomicBool,
}

struct ReaderOut {
    hist: Hist,
    faults: u64,
    max_ns: u64,
}

fn reader(
    res: &Reservation, off: usize, len: usize, page: usize, ctl: &Control,
) -> Result<ReaderOut, String> {
    let base = res.as_ptr() as usize + off;
    let mut out = ReaderOut { hist: Hist::new(), faults: 0, max_ns: 0 };
    // Look at `stop` every 64 pages (the page size is a power of two).
    let every = 64 * page - 1;
    while !ctl.go.load(Ordering::Acquire) {
        std::hint::spin_loop();
    }
    while !ctl.stop.load(Ordering::Relaxed) {
        let mut t = Instant::now();
        let mut i = 0;
        while i < len {
            // SAFETY: `base + i` lies in this reader's part of the reservation, committed
            // read-write in setup and never faulted by the writer; only this thread uses it.
            unsafe { ((base + i) as *mut u8).write_volatile(1) };
            let t2 = Instant::now();
            let ns = t2.saturating_duration_since(t).as_nanos() as u64;
            t = t2;
            out.hist.add(ns);
            out.max_ns = out.max_ns.max(ns);
            out.faults += 1;
            i += page;
            if i & every == 0 && ctl.stop.load(Ordering::Relaxed) {
                break;
            }
        }
        res.decommit(off..off + len, Decommit::Zero)
            .map_err(|e| format!("reader decommit: {e}"))?;
    }
    Ok(out)
}

#[derive(Default)]
struct WriterOut {
    cycles: u64,
    fault_ns: u64,
    recommit_ns: u64,
    touch_ns: u64,
    fault_max_ns: u64,
}

fn writer(
    res: &Reservation, off: usize, len: usize, page: usize, ctl: &Control,
) -> Result<WriterOut, String> {
    let base = res.as_ptr() as usize + off;
    let range = off..off + len;
    let mut out = WriterOut::default();
    while !ctl.go.load(Ordering::Acquire) {
        std::hint::spin_loop();
    }
    while !ctl.stop.load(Ordering::Relaxed) {
        let t0 = Instant::now();
        res.fault(range.clone()).map_err(|e| format!("writer fault: {e}"))?;
        let t1 = Instant::now();
        res.recommit(range.clone()).map_err(|e| format!("writer recommit: {e}"))?;
        let t2 = Instant::now();
        for i in (0..len).step_by(page) {
            // SAFETY: the writer's region, read-write again after the recommit above;
            // only this thread uses it.
            unsafe { ((base + i) as *mut u8).write_volatile(1) };
        }
        let t3 = Instant::now();
        let f = (t1 - t0).as_nanos() as u64;
        out.fault_ns += f;
        out.fault_max_ns = out.fault_max_ns.max(f);
        out.recommit_ns += (t2 - t1).as_nanos() as u64;
        out.touch_ns += (t3 - t2).as_nanos() as u64;
        out.cycles += 1;
    }
    Ok(out)
}

/// Busy CPU seconds of the whole machine, from /proc/stat (user nice system irq softirq
/// steal), and this process's own (utime + stime of /proc/self/stat).
fn cpu_seconds() -> (f64, f64) {
    // SAFETY: sysconf only reads a configuration value.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    let all = std::fs::read_to_string("/proc/stat")
        .ok()
        .and_then(|s| {
            let line = s.lines().next()?.strip_prefix("cpu ")?.to_string();
            let v: Vec<f64> = line.split_whitespace().filter_map(|x| x.parse().ok()).collect();
            (v.len() >= 8).then(|| v[0] + v[1] + v[2] + v[5] + v[6] + v[7])
        })
        .unwrap_or(0.0);
    let own = std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let rest = &s[s.rfind(')')? + 2..];
            let v: Vec<&str> = rest.split_whitespace().collect();
            // fields 14 and 15 of stat(5) are the 12th and 13th after the name
            Some(v.get(11)?.parse::<f64>().ok()? + v.get(12)?.parse::<f64>().ok()?)
        })
        .unwrap_or(0.0);
    (all / hz, own / hz)
}

const PR_SET_THP_DISABLE: i32 = 41;

/// `--child K LAYOUT PATH SECONDS SIZE READER_SIZE`: one run; prints one `key=value` line.
fn child(args: &[String]) -> Result<String, String> {
    let [k, layout, path, secs, size, rsize] = args else {
        return Err("usage: --child K LAYOUT PATH SECONDS SIZE READER_SIZE".into());
    };
    let k: usize = k.parse().map_err(|_| "bad K")?;
    let layout = match layout.as_str() {
        "shared" => Layout::Shared,
        "separate" => Layout::Separate,
        _ => return Err(format!("bad layout {layout}")),
    };
    let who = Writer::from_name(path).ok_or("bad path")?;
    let secs: f64 = secs.parse().map_err(|_| "bad seconds")?;
    let wsz: usize = size.parse().map_err(|_| "bad size")?;
    let rsz: usize = rsize.parse().map_err(|_| "bad reader size")?;
    let page = mem::page_size();

    // 4 KiB faults whatever the THP setting, as in the C reference.
    // SAFETY: PR_SET_THP_DISABLE takes no pointer; it only changes this process.
    let _ = unsafe { baresys::prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) };

    // Address space: [pad | writer | pad] then the readers. The writer's region has
    // read-write neighbours on both sides (a span inside a heap arena), so a Remap or
    // Protect fault splits its VMA and the recommit merges it back. Shared: one VMA
    // for everything. Separate: a PROT_NONE page between parts, so each is its own VMA.
    let pad = wsz;
    let wvma = pad + wsz + pad;
    let gap = if layout == Layout::Separate { page } else { 0 };
    let total = wvma + k * (gap + rsz) + gap;
    let mut res =
        Reservation::reserve_aligned(total, 2 << 20).map_err(|e| format!("reserve: {e}"))?;
    if let Writer::Path(p) = who {
        res.set_fault_path(p).map_err(|e| format!("{p}: {e}"))?;
    }
    let readers: Vec<usize> = (0..k).map(|i| wvma + gap + i * (gap + rsz)).collect();
    let commit = |r: std::ops::Range<usize>| res.commit(r).map_err(|e| format!("commit: {e}"));
    match layout {
        Layout::Shared => commit(0..wvma + k * rsz)?,
        Layout::Separate => {
            commit(0..wvma)?;
            for &r in &readers {
                commit(r..r + rsz)?;
            }
        }
    }
    for i in (0..wvma).step_by(page) {
        // SAFETY: committed read-write above; no other thread runs yet.
        unsafe { res.as_ptr().add(i).write_volatile(1) };
    }

    let ctl = Control { go: AtomicBool::new(false), stop: AtomicBool::new(false) };
    let res = &res;
    let ctl = &ctl;
    let (elapsed, busy, rs, w) = std::thread::scope(|s| {
        let rh: Vec<_> =
            readers.iter().map(|&off| s.spawn(move || reader(res, off, rsz, page, ctl))).collect();
        let wh = (who != Writer::None).then(|| s.spawn(move || writer(res, pad, wsz, page, ctl)));
        std::thread::sleep(Duration::from_millis(20));
        let (all0, own0) = cpu_seconds();
        let t0 = Instant::now();
        ctl.go.store(true, Ordering::Release);
        std::thread::sleep(Duration::from_secs_f64(secs));
        ctl.stop.store(true, Ordering::Relaxed);
        let elapsed = t0.elapsed().as_secs_f64();
        let rs: Vec<_> = rh
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err("reader panicked".into())))
            .collect();
        let w = wh.map(|h| h.join().unwrap_or_else(|_| Err("writer panicked".into())));
        let (all1, own1) = cpu_seconds();
        (elapsed, ((all1 - all0) - (own1 - own0)).max(0.0), rs, w)
    });
    let mut hist = Hist::new();
    let (mut faults, mut rmax) = (0, 0);
    for r in rs {
        let r = r?;
        hist.merge(&r.hist);
        faults += r.faults;
        rmax = rmax.max(r.max_ns);
    }
    let w = w.transpose()?.unwrap_or_default();
    let per = |ns: u64| if w.cycles > 0 { ns as f64 / w.cycles as f64 / 1e3 } else { 0.0 };
    let q = |x: f64| if k > 0 { x / 1e3 } else { 0.0 };
    Ok(format!(
        "writer_ops_s={} writer_fault_us={} writer_recommit_us={} writer_touch_us={} writer_fault_max_us={} \
         reader_faults_s={} reader_p50_us={} reader_p99_us={} reader_p999_us={} reader_p999_coarse_us={} \
         reader_max_us={} other_cpus={} elapsed_s={}",
        w.cycles as f64 / elapsed,
        per(w.fault_ns),
        per(w.recommit_ns),
        per(w.touch_ns),
        w.fault_max_ns as f64 / 1e3,
        faults as f64 / elapsed,
        q(hist.quantile(0.5)),
        q(hist.quantile(0.99)),
        q(hist.quantile(0.999)),
        q(hist.quantile_coarse(0.999)),
        rmax as f64 / 1e3,
        busy / elapsed,
        elapsed,
    ))
}

// ---------------------------------------------------------------------------------
// The parent: runs every configuration, repeats interleaved, then prints medians.

const METRICS: [&str; 12] = [
    "writer_ops_s",
    "writer_fault_us",
    "writer_recommit_us",
    "writer_touch_us",
    "writer_fault_max_us",
    "reader_faults_s",
    "reader_p50_us",
    "reader_p99_us",
    "reader_p999_us",
    "reader_p999_coarse_us",
    "reader_max_us",
    "other_cpus",
];
const W_OPS: usize = 0;
const W_FAULT: usize = 1;
const R_FAULTS: usize = 5;
const R_P50: usize = 6;
const R_P99: usize = 7;
const R_P999: usize = 8;
const OTHER: usize = 11;

#[derive(Clone, Copy, PartialEq)]
struct Config {
    k: usize,
    layout: Layout,
    writer: Writer,
}

struct Results {
    config: Config,
    /// runs[rep][metric]
    runs: Vec<[f64; METRICS.len()]>,
}

impl Results {
    fn median(&self, m: usize) -> f64 {
        median(self.runs.iter().map(|r| r[m]).collect())
    }
    fn min_max(&self, m: usize) -> (f64, f64) {
        self.runs
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), r| (lo.min(r[m]), hi.max(r[m])))
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn run_child(exe: &std::path::Path, c: Config, o: &Opts) -> Result<[f64; METRICS.len()], String> {
    let out = Command::new(exe)
        .arg("--child")
        .args([
            c.k.to_string(),
            c.layout.name().to_string(),
            c.writer.name().to_string(),
            o.seconds.to_string(),
            o.size.to_string(),
            o.reader_size.to_string(),
        ])
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", exe.display()))?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!(
            "run K={} {} {} failed ({}){}",
            c.k,
            c.layout.name(),
            c.writer.name(),
            out.status,
            if text.is_empty() { String::new() } else { format!(": {text}") }
        ));
    }
    let mut m = [f64::NAN; METRICS.len()];
    for kv in text.split_whitespace() {
        if let Some((key, val)) = kv.split_once('=') {
            if let Some(i) = METRICS.iter().position(|&n| n == key) {
                m[i] = val.parse().unwrap_or(f64::NAN);
            }
        }
    }
    if m.iter().any(|x| x.is_nan()) {
        return Err(format!(
            "run K={} {} {}: bad result line '{}'",
            c.k,
            c.layout.name(),
            c.writer.name(),
            text.trim()
        ));
    }
    Ok(m)
}

fn run(o: &Opts) -> Result<(), String> {
    let exe = std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;
    let mut results: Vec<Results> = Vec::new();
    for &k in &o.ks {
        for &layout in &o.layouts {
            for &writer in &o.writers {
                results.push(Results { config: Config { k, layout, writer }, runs: Vec::new() });
            }
        }
    }
    let total = results.len() * o.repeats;
    let tty = std::io::stderr().is_terminal();
    let start = Instant::now();
    let mut done = 0;
    for rep in 0..o.repeats {
        for r in results.iter_mut() {
            if !o.quiet {
                let eta = if done > 0 {
                    start.elapsed().as_secs_f64() / done as f64 * (total - done) as f64
                } else {
                    total as f64 * (o.seconds + 0.05)
                };
                let c = r.config;
                let line = format!(
                    "[{:>3}/{total}] repeat {}/{} K={} {} {:<8} about {:.0} s left",
                    done + 1,
                    rep + 1,
                    o.repeats,
                    c.k,
                    c.layout.name(),
                    c.writer.name(),
                    eta
                );
                let mut e = std::io::stderr().lock();
                let _ = if tty { write!(e, "\r{line}\x1b[K") } else { writeln!(e, "{line}") };
                let _ = e.flush();
            }
            let mut m = run_child(&exe, r.config, o)?;
            for _ in 0..5 {
                if m[OTHER] <= o.max_other {
                    break;
                }
                eprintln!(
                    "fault_contention: other processes used {:.2} CPUs during K={} {} {}: running it again",
                    m[OTHER],
                    r.config.k,
                    r.config.layout.name(),
                    r.config.writer.name()
                );
                std::thread::sleep(Duration::from_secs(1));
                m = run_child(&exe, r.config, o)?;
            }
            r.runs.push(m);
            done += 1;
        }
    }
    if !o.quiet && tty {
        eprint!("\r\x1b[K");
    }
    eprintln!("fault_contention: {total} runs in {:.1} s", start.elapsed().as_secs_f64());

    if o.csv {
        print!("{}", csv(o, &results));
    } else {
        print!("{}", report(o, &results));
    }
    if let Some(file) = &o.svg {
        plot(file, o, &results)?;
        eprintln!("fault_contention: plot written to {file}");
    }
    Ok(())
}

// ---------------------------------------------------------------------------------
// Output

fn uname_release() -> String {
    std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map_or_else(|_| "?".into(), |s| s.trim().to_string())
}

fn machine() -> String {
    let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
    let kernel = format!("{} {}", read("/proc/sys/kernel/ostype").trim(), uname_release(),);
    let cpuinfo = read("/proc/cpuinfo");
    let model = cpuinfo
        .lines()
        .find(|l| {
            l.starts_with("model name") || l.starts_with("cpu model") || l.starts_with("uarch")
        })
        .and_then(|l| l.split_once(':'))
        .map_or_else(|| std::env::consts::ARCH.to_string(), |(_, v)| v.trim().to_string());
    format!("{kernel} {}, {model}, {} cores", std::env::consts::ARCH, cores())
}

fn size_name(b: usize) -> String {
    if b.is_multiple_of(1 << 30) {
        format!("{} GiB", b >> 30)
    } else if b.is_multiple_of(1 << 20) {
        format!("{} MiB", b >> 20)
    } else {
        format!("{} KiB", b >> 10)
    }
}

fn find(results: &[Results], k: usize, layout: Layout, w: Writer) -> Option<&Results> {
    results.iter().find(|r| r.config == Config { k, layout, writer: w })
}

fn report(o: &Opts, results: &[Results]) -> String {
    let mut s = String::new();
    let default = mem::default_fault_path();
    let _ = writeln!(
        s,
        "fault_contention: one writer cycling fault / recommit / touch over {}, K readers faulting pages \
         (touch, MADV_DONTNEED, touch) in {} each",
        size_name(o.size),
        size_name(o.reader_size)
    );
    let _ = writeln!(s, "machine: {}", machine());
    let _ = writeln!(
        s,
        "{} repeat(s) x {} s per configuration, 4 KiB pages (THP off); medians over the repeats; default path here: {default}",
        o.repeats, o.seconds
    );
    for (w, why) in &o.skipped {
        let _ = writeln!(s, "skipped: {}: {why}", w.name());
    }
    let others: Vec<f64> = results.iter().flat_map(|r| r.runs.iter().map(|m| m[OTHER])).collect();
    let max_other = others.iter().cloned().fold(0.0, f64::max);
    let _ = writeln!(
        s,
        "noise: other processes used {:.2} CPUs during a run (median; max {:.2}){}",
        median(others),
        max_other,
        if max_other > 0.3 {
            ": figures may be disturbed, rerun when the machine is quiet"
        } else {
            ""
        }
    );
    for &k in &o.ks {
        for &layout in &o.layouts {
            let _ = writeln!(
                s,
                "\nK={k} {} ({})",
                layout.name(),
                match layout {
                    Layout::Shared => "writer and readers in one mapping",
                    Layout::Separate => "each thread in its own mapping",
                }
            );
            let _ = writeln!(
                s,
                "{:<8} {:>12} {:>10} {:>14} {:>8} {:>8} {:>8} {:>9}   {:>10} {:>10} {:>10}",
                "path",
                "writer op/s",
                "fault us",
                "reader flt/s",
                "vs none",
                "p50 us",
                "p99 us",
                "p99.9 us",
                "ops/remap",
                "flt/remap",
                "remap/p99.9"
            );
            let none = find(results, k, layout, Writer::None);
            let remap = find(results, k, layout, Writer::Path(FaultPath::Remap));
            for &w in &o.writers {
                let Some(r) = find(results, k, layout, w) else { continue };
                let has_w = w != Writer::None;
                let num = |v: f64, on: bool, prec: usize| {
                    if on {
                        format!("{v:.prec$}")
                    } else {
                        "-".into()
                    }
                };
                let vs_none = none.map(|n| r.median(R_FAULTS) / n.median(R_FAULTS));
                let ratio = |f: &dyn Fn(&Results) -> f64| match remap {
                    Some(rm) if has_w => format!("{:.2}x", f(r) / f(rm)),
                    _ => "-".into(),
                };
                let _ = writeln!(
                    s,
                    "{:<8} {:>12} {:>10} {:>14.0} {:>8} {:>8.2} {:>8.2} {:>9.2}   {:>10} {:>10} {:>10}",
                    w.name(),
                    num(r.median(W_OPS), has_w, 0),
                    num(r.median(W_FAULT), has_w, 1),
                    r.median(R_FAULTS),
                    vs_none.map_or("-".into(), |v| format!("{:.0}%", v * 100.0)),
                    r.median(R_P50),
                    r.median(R_P99),
                    r.median(R_P999),
                    ratio(&|x| x.median(W_OPS)),
                    ratio(&|x| x.median(R_FAULTS)),
                    ratio(&|x| 1.0 / x.median(R_P999)),
                );
            }
            let (lo, hi) = o
                .writers
                .iter()
                .filter_map(|&w| find(results, k, layout, w))
                .map(|r| r.min_max(R_P999))
                .fold((f64::INFINITY, 0.0f64), |(a, b), (l, h)| (a.min(l), b.max(h)));
            if o.repeats > 1 {
                let _ = writeln!(s, "(reader p99.9 over single runs ranged {lo:.1}..{hi:.1} us)");
            }
            // What the default path buys, in one line.
            let d = find(results, k, layout, Writer::Path(default));
            if let (Some(d), Some(rm)) = (d, remap) {
                let mut line = format!(
                    "default path {default}: reader p99.9 {:.1}x better than remap",
                    rm.median(R_P999) / d.median(R_P999)
                );
                if default != FaultPath::Protect {
                    if let Some(p) = find(results, k, layout, Writer::Path(FaultPath::Protect)) {
                        let _ = write!(
                            line,
                            ", {:.1}x better than protect",
                            p.median(R_P999) / d.median(R_P999)
                        );
                    }
                }
                if let Some(n) = none {
                    let _ = write!(
                        line,
                        "; readers at {:.0}% of their no-writer fault rate",
                        d.median(R_FAULTS) / n.median(R_FAULTS) * 100.0
                    );
                }
                let _ = writeln!(s, "{line}");
            }
        }
    }
    let _ = writeln!(
        s,
        "\nop/s: writer fault+recommit+touch cycles per second; fault us: mean time of one fault call; \
         reader flt/s: page faults per second, all readers; p50/p99/p99.9: reader fault latency \
         (3 % buckets, upper edge); x/remap: the path's figure over remap's (>1 is better for every column)."
    );
    s
}

fn csv(o: &Opts, results: &[Results]) -> String {
    let mut s = String::from("k,layout,path,repeats");
    for m in METRICS {
        let _ = write!(s, ",{m}");
    }
    s.push_str(",reader_p999_remap_over_path,writer_ops_vs_remap,reader_faults_vs_none\n");
    for r in results {
        let c = r.config;
        let _ = write!(s, "{},{},{},{}", c.k, c.layout.name(), c.writer.name(), r.runs.len());
        for m in 0..METRICS.len() {
            let _ = write!(s, ",{:.6}", r.median(m));
        }
        let remap = find(results, c.k, c.layout, Writer::Path(FaultPath::Remap));
        let none = find(results, c.k, c.layout, Writer::None);
        let has_w = c.writer != Writer::None;
        let opt = |v: Option<f64>| v.map_or(String::new(), |v| format!("{v:.4}"));
        let _ = writeln!(
            s,
            ",{},{},{}",
            opt(remap.filter(|_| has_w).map(|m| m.median(R_P999) / r.median(R_P999))),
            opt(remap.filter(|_| has_w).map(|m| r.median(W_OPS) / m.median(W_OPS))),
            opt(none.map(|n| r.median(R_FAULTS) / n.median(R_FAULTS))),
        );
    }
    let _ = o;
    s
}

/// Grouped bars: one panel per layout, a group per K, a bar per path (log scale).
fn plot(file: &str, o: &Opts, results: &[Results]) -> Result<(), String> {
    use plotters::prelude::*;
    use plotters::style::text_anchor::{HPos, Pos, VPos};
    let err = |e: &dyn std::fmt::Display| format!("svg {file}: {e}");
    let ys: Vec<f64> = results.iter().map(|r| r.median(R_P999)).filter(|&v| v > 0.0).collect();
    let ylo = ys.iter().cloned().fold(f64::INFINITY, f64::min).min(1e9) / 2.0;
    let yhi = ys.iter().cloned().fold(0.0, f64::max).max(ylo * 4.0) * 2.0;
    let color = |w: Writer| match w {
        Writer::None => RGBColor(140, 140, 140),
        Writer::Path(FaultPath::Remap) => RGBColor(214, 39, 40),
        Writer::Path(FaultPath::Protect) => RGBColor(255, 127, 14),
        Writer::Path(FaultPath::Guard) => RGBColor(31, 119, 180),
    };

    let width = (180 + 420 * o.layouts.len() as u32).max(900);
    let full = SVGBackend::new(file, (width, 500)).into_drawing_area();
    full.fill(&WHITE).map_err(|e| err(&e))?;
    let title = format!(
        "Reader p99.9 page-fault latency while a writer faults {} ({}; {} x {} s)",
        size_name(o.size),
        machine(),
        o.repeats,
        o.seconds
    );
    let root = full.titled(&title, ("sans-serif", 15)).map_err(|e| err(&e))?;
    let panels = root.split_evenly((1, o.layouts.len()));
    let nk = o.ks.len();
    let np = o.writers.len();
    for (panel, &layout) in panels.iter().zip(&o.layouts) {
        let mut chart = ChartBuilder::on(panel)
            .caption(
                match layout {
                    Layout::Shared => "shared: writer and readers in one mapping",
                    Layout::Separate => "separate: each thread in its own mapping",
                },
                ("sans-serif", 14),
            )
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(56)
            .build_cartesian_2d(0.0..nk as f64, (ylo..yhi).log_scale())
            .map_err(|e| err(&e))?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .x_desc("K reader threads")
            .y_desc("reader p99.9 fault latency, us")
            .y_label_formatter(&|y| if *y >= 10.0 { format!("{y:.0}") } else { format!("{y:.1}") })
            .draw()
            .map_err(|e| err(&e))?;
        let bar = 0.8 / np as f64;
        for (j, &w) in o.writers.iter().enumerate() {
            let c = color(w);
            let bars: Vec<(f64, f64)> =
                o.ks.iter()
                    .enumerate()
                    .filter_map(|(i, &k)| {
                        find(results, k, layout, w)
                            .map(|r| (i as f64 + 0.1 + j as f64 * bar, r.median(R_P999)))
                    })
                    .filter(|&(_, y)| y > 0.0)
                    .collect();
            chart
                .draw_series(
                    bars.iter()
                        .map(|&(x, y)| Rectangle::new([(x, ylo), (x + bar * 0.9, y)], c.filled())),
                )
                .map_err(|e| err(&e))?
                .label(w.name())
                .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], c.filled()));
            let text = ("sans-serif", 11)
                .into_font()
                .color(&BLACK)
                .pos(Pos::new(HPos::Center, VPos::Bottom));
            chart
                .draw_series(bars.iter().map(|&(x, y)| {
                    Text::new(
                        if y >= 10.0 { format!("{y:.0}") } else { format!("{y:.1}") },
                        (x + bar * 0.45, y * 1.04),
                        text.clone(),
                    )
                }))
                .map_err(|e| err(&e))?;
        }
        // K under each group, in backend pixels (the x axis itself has no labels).
        let label =
            ("sans-serif", 13).into_font().color(&BLACK).pos(Pos::new(HPos::Center, VPos::Top));
        for (i, &k) in o.ks.iter().enumerate() {
            let (px, py) = chart.backend_coord(&(i as f64 + 0.5, ylo));
            full.draw(&Text::new(format!("K={k}"), (px, py + 6), label.clone()))
                .map_err(|e| err(&e))?;
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .position(SeriesLabelPosition::UpperRight)
            .draw()
            .map_err(|e| err(&e))?;
    }
    full.present().map_err(|e| err(&e))?;
    Ok(())
}
