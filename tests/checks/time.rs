//! Issue 10, time: the clocks through the vDSO and through the system call agree, never
//! go back, sleeping sleeps; the same with the vDSO turned off (the fallback), and on
//! 32-bit targets with the `*_time64` calls made to fail (the old calls); the vDSO parser
//! on corrupt copies of the real image.

use super::Ctx;
use crate::{check, check_eq};
use baresys::time::{self, Clock, Timespec, TIMER_ABSTIME};
use baresys::Errno;

const CLOCKS: [(Clock, &str); 9] = [
    (Clock::REALTIME, "REALTIME"),
    (Clock::MONOTONIC, "MONOTONIC"),
    (Clock::PROCESS_CPUTIME_ID, "PROCESS_CPUTIME_ID"),
    (Clock::THREAD_CPUTIME_ID, "THREAD_CPUTIME_ID"),
    (Clock::MONOTONIC_RAW, "MONOTONIC_RAW"),
    (Clock::REALTIME_COARSE, "REALTIME_COARSE"),
    (Clock::MONOTONIC_COARSE, "MONOTONIC_COARSE"),
    (Clock::BOOTTIME, "BOOTTIME"),
    (Clock::TAI, "TAI"),
];

/// Slack for clocks that may be stepped or that another path rounds: 1 ms beyond the
/// resolution (CPU-time clocks are read at different points of a call by each path).
const SLACK_NS: i128 = 1_000_000;

pub fn run(ctx: &mut Ctx) {
    ctx.group("time");
    let base = baresys::vdso::this_process();
    let initially = time::vdso_enabled();
    let vdso = time::vdso_in_use();
    // Whether the vDSO path is there to take once enabled.
    let available = match (base, baresys::vdso::wanted()[0]) {
        (Some(image), Some((name, version))) => image.find(name, version).is_some(),
        _ => false,
    };
    ctx.note(format_args!(
        "vDSO {}; clock_gettime through the vDSO: {}",
        if base.is_some() { "mapped (AT_SYSINFO_EHDR)" } else { "absent" },
        if vdso { "yes" } else { "no (system call)" }
    ));
    if let Some(image) = base {
        for (name, version) in baresys::vdso::wanted().into_iter().flatten() {
            let found = image.find(name, version).is_some();
            ctx.note(format_args!(
                "vDSO symbol {name}@{version}: {}",
                if found { "found" } else { "missing" }
            ));
        }
    }
    clocks(ctx, if initially { "vDSO on" } else { "vDSO off from the start" });
    parser(ctx);

    // The fallback: every call as the system call.
    time::set_vdso_enabled(false);
    check!(ctx, "set_vdso_enabled(false) takes the system call", !time::vdso_in_use());
    clocks(ctx, "vDSO off");
    time::set_vdso_enabled(true);
    check_eq!(
        ctx,
        "set_vdso_enabled(true) takes the vDSO path where it has the symbol",
        time::vdso_in_use(),
        available
    );
    check!(
        ctx,
        "the vDSO path is taken at start unless turned off",
        vdso == (initially && available)
    );

    // The 32-bit fallback of x86, arm and mips o32 (a no-op elsewhere).
    time::__force_time32(true);
    let t64 = time::clock_gettime_syscall(Clock::REALTIME);
    time::__force_time32(false);
    let t = time::clock_gettime_syscall(Clock::REALTIME);
    match (t64, t) {
        (Ok(old), Ok(new)) => check!(
            ctx,
            "old 32-bit clock_gettime agrees with clock_gettime64 (before 2038)",
            old <= new && new.as_nanos() - old.as_nanos() < 10 * 1_000_000_000,
            "{:?} then {:?}",
            old,
            new
        ),
        r => check!(ctx, "old 32-bit clock_gettime works", false, "{:?}", r),
    }
    time::__force_time32(true);
    clocks(ctx, "32-bit fallback");
    time::__force_time32(false);
    check_eq!(ctx, "vDSO path back after the 32-bit fallback", time::vdso_in_use(), available);
    time::set_vdso_enabled(initially);
}

/// `a - res <= v <= b + res`, with `a` and `b` system-call readings around `v`.
fn between(a: &Timespec, v: &Timespec, b: &Timespec, res: &Timespec, slack: i128) -> bool {
    let r = res.as_nanos() + slack;
    a.as_nanos() - r <= v.as_nanos() && v.as_nanos() <= b.as_nanos() + r
}

fn clocks(ctx: &mut Ctx, how: &str) {
    let vdso = time::vdso_in_use();
    for (clock, name) in CLOCKS {
        let res = time::clock_getres(clock);
        let Ok(res) = res else {
            check!(ctx, "clock_getres", false, "{how}: {name}: {:?}", res);
            continue;
        };
        check!(
            ctx,
            "clock_getres is positive and below a second",
            res.sec == 0 && res.nsec > 0 && res.nsec < 1_000_000_000,
            "{how}: {name}: {:?}",
            res
        );
        let a = time::clock_gettime_syscall(clock);
        let v = time::clock_gettime(clock);
        let b = time::clock_gettime_syscall(clock);
        let (Ok(a), Ok(v), Ok(b)) = (a, v, b) else {
            check!(ctx, "clock_gettime", false, "{how}: {name}: {:?} {:?} {:?}", a, v, b);
            continue;
        };
        let stepped = matches!(name, "REALTIME" | "REALTIME_COARSE" | "TAI");
        let cpu = matches!(name, "PROCESS_CPUTIME_ID" | "THREAD_CPUTIME_ID");
        let slack = if stepped || cpu { SLACK_NS } else { 0 };
        check!(
            ctx,
            "clock_gettime agrees with the system call read before and after",
            between(&a, &v, &b, &res, slack) && (0..1_000_000_000).contains(&v.nsec),
            "{how} (vDSO {vdso}): {name}: syscall {:?}, clock_gettime {:?}, syscall {:?}, res {:?}",
            a,
            v,
            b,
            res
        );
    }
    let bad = Clock::from_raw(0x7fff);
    check_eq!(ctx, "an unknown clock is EINVAL", time::clock_gettime(bad), Err(Errno::EINVAL));
    check_eq!(
        ctx,
        "an unknown clock's resolution is EINVAL",
        time::clock_getres(bad),
        Err(Errno::EINVAL)
    );

    // CLOCK_MONOTONIC never goes back, between calls of either path.
    let mut last = time::clock_gettime(Clock::MONOTONIC).unwrap_or_default();
    let mut back = None;
    for i in 0..2000 {
        let now = if i % 16 == 0 {
            time::clock_gettime_syscall(Clock::MONOTONIC)
        } else {
            time::clock_gettime(Clock::MONOTONIC)
        };
        match now {
            Ok(now) if now >= last => last = now,
            other => {
                back = Some((last, other));
                break;
            }
        }
    }
    check!(
        ctx,
        "CLOCK_MONOTONIC never goes back (2000 reads)",
        back.is_none(),
        "{how}: {:?}",
        back
    );

    // Sleeping: relative, absolute, and nanosleep, each at least as long as asked.
    let mono = || time::clock_gettime(Clock::MONOTONIC).unwrap_or_default().as_nanos();
    let two_ms = Timespec::new(0, 2_000_000);
    let t0 = mono();
    let r = time::nanosleep(&two_ms, None);
    let t1 = mono();
    check!(
        ctx,
        "nanosleep sleeps at least 2 ms",
        r.is_ok() && t1 - t0 >= 2_000_000,
        "{how}: {:?}, {} ns",
        r,
        t1 - t0
    );
    let mut remain = Timespec::new(9, 9);
    let r = time::clock_nanosleep(Clock::MONOTONIC, 0, &two_ms, Some(&mut remain));
    let t2 = mono();
    check!(
        ctx,
        "clock_nanosleep (relative) sleeps at least 2 ms",
        r.is_ok() && t2 - t1 >= 2_000_000,
        "{how}: {:?}, {} ns",
        r,
        t2 - t1
    );
    let target = t2 + 3_000_000;
    let deadline = Timespec::new((target / 1_000_000_000) as i64, (target % 1_000_000_000) as i64);
    let r = time::clock_nanosleep(Clock::MONOTONIC, TIMER_ABSTIME, &deadline, None);
    let t3 = mono();
    check!(
        ctx,
        "clock_nanosleep (absolute) wakes at or after the deadline",
        r.is_ok() && t3 >= target,
        "{how}: {:?}, {} ns early",
        r,
        target - t3
    );
    let past = Timespec::new(0, 1);
    check_eq!(
        ctx,
        "clock_nanosleep to a past deadline returns at once",
        time::clock_nanosleep(Clock::MONOTONIC, TIMER_ABSTIME, &past, None),
        Ok(())
    );
    check_eq!(
        ctx,
        "nanosleep with 1e9 ns is EINVAL",
        time::nanosleep(&Timespec::new(0, 1_000_000_000), None),
        Err(Errno::EINVAL)
    );
    check_eq!(
        ctx,
        "nanosleep with negative seconds is EINVAL",
        time::nanosleep(&Timespec::new(-1, 0), None),
        Err(Errno::EINVAL)
    );

    // gettimeofday is CLOCK_REALTIME in microseconds.
    let a = time::clock_gettime_syscall(Clock::REALTIME).unwrap_or_default().as_nanos() / 1000;
    let tv = time::gettimeofday();
    let b = time::clock_gettime_syscall(Clock::REALTIME).unwrap_or_default().as_nanos() / 1000;
    match tv {
        Ok(tv) => {
            let us = tv.sec as i128 * 1_000_000 + tv.usec as i128;
            check!(
                ctx,
                "gettimeofday lies between two CLOCK_REALTIME reads",
                (0..1_000_000).contains(&tv.usec) && a - 1000 <= us && us <= b + 1000,
                "{how}: {a} <= {us} <= {b}"
            );
        }
        Err(e) => check!(ctx, "gettimeofday", false, "{how}: {e}"),
    }

    // getcpu: a CPU this thread may run on.
    match (time::getcpu(), baresys::sched_getaffinity(0)) {
        (Ok(c), Ok(set)) => check!(
            ctx,
            "getcpu names a CPU of the affinity mask",
            set.contains(c.cpu as usize),
            "{how}: {:?}",
            c
        ),
        r => check!(ctx, "getcpu", false, "{how}: {:?}", r),
    }
}

/// The parser on the real image and on corrupt copies of it: the same answers from the
/// copy, and no panic (or out-of-bounds read) whatever the bytes say.
fn parser(ctx: &mut Ctx) {
    let Some(image) = baresys::vdso::this_process() else {
        ctx.note(format_args!("no vDSO: parser checks on corrupt copies not run"));
        return;
    };
    let bytes = image.bytes();
    let mut copy = [0u8; 32768];
    if bytes.len() > copy.len() {
        check!(ctx, "vDSO image fits 32 KiB", false, "{} bytes", bytes.len());
        return;
    }
    let copy = &mut copy[..bytes.len()];
    copy.copy_from_slice(bytes);
    let hash = baresys::vdso::hash_entry_size();
    let parsed = baresys::vdso::Image::parse(copy, hash);
    check!(ctx, "a copy of the vDSO parses", parsed.is_some());
    let mut same = true;
    for (name, version) in baresys::vdso::wanted().into_iter().flatten() {
        let live = image.find(name, version);
        same &= parsed.is_some_and(|p| p.find(name, version) == live);
    }
    check!(ctx, "the copy finds the symbols where the live image has them", same);
    check!(
        ctx,
        "an unknown name is not found",
        image.find("__vdso_no_such_function", "LINUX_2.6").is_none()
    );
    let wrong_version =
        baresys::vdso::wanted()[0].is_some_and(|(n, _)| image.find(n, "LINUX_0.0").is_some());
    check!(ctx, "a wrong version is not found", !wrong_version);

    // Corrupt copies: flip bytes in the headers and tables, and cut the image short.
    let mut rng = super::util::Rng(0x7d50);
    let (mut found, mut outside) = (0u32, 0u32);
    for round in 0..300 {
        copy.copy_from_slice(bytes);
        let flips = 1 + rng.below(8) as usize;
        // Most rounds in the first 1 KiB (headers, dynamic section, symbols), some anywhere.
        let span = if round % 4 == 0 { copy.len() } else { copy.len().min(1024) };
        for _ in 0..flips {
            let at = rng.below(span as u64) as usize;
            copy[at] = rng.next() as u8;
        }
        let cut = if round % 3 == 0 { rng.below(copy.len() as u64) as usize } else { copy.len() };
        if let Some(p) = baresys::vdso::Image::parse(&copy[..cut], hash) {
            for (name, version) in baresys::vdso::wanted().into_iter().flatten() {
                if let Some(off) = p.find(name, version) {
                    found += 1;
                    outside += (off >= cut) as u32;
                }
            }
        }
    }
    // Reaching here means no panic (the freestanding program's panic handler fails the run).
    check_eq!(ctx, "corrupt or cut copies of the vDSO: every offset found lies inside", outside, 0);
    ctx.note(format_args!(
        "corrupt vDSO copies: {found} symbol lookups still answered (inside the image)"
    ));
}
