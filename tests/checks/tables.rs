//! The generated tables against the running kernel: `nr::number`/`nr::name` give numbers
//! the kernel answers to as the named call, numbers the table lacks are ones the kernel
//! lacks, and the errors the kernel returns carry this architecture's own value and name.

use crate::checks::Ctx;
use crate::{check, check_eq};
use baresys::{nr, Errno};

pub fn run(ctx: &mut Ctx) {
    ctx.group("tables");
    names_reach_the_kernel(ctx);
    errnos_from_the_kernel(ctx);
}

/// A raw call with no arguments, by the number the table gives `name`.
fn call0(name: &str) -> Option<Result<usize, Errno>> {
    let n = nr::number(name)?;
    // SAFETY: getpid, getppid and gettid take no arguments and change nothing.
    Some(unsafe { baresys::syscall0(n) })
}

fn names_reach_the_kernel(ctx: &mut Ctx) {
    let pid = baresys::getpid();
    check_eq!(
        ctx,
        "nr::number(\"getpid\") is the call getpid",
        call0("getpid"),
        Some(Ok(pid as usize))
    );
    check_eq!(ctx, "upper case names are found too", call0("GETPID"), Some(Ok(pid as usize)));
    let tid = baresys::gettid();
    check_eq!(
        ctx,
        "nr::number(\"gettid\") is the call gettid",
        call0("gettid"),
        Some(Ok(tid as usize))
    );
    // The parent is another process (0 for init).
    let ppid = call0("getppid");
    check!(
        ctx,
        "nr::number(\"getppid\") answers the parent",
        matches!(ppid, Some(Ok(p)) if p != pid as usize),
        "{ppid:?}"
    );

    check_eq!(ctx, "nr::name of GETPID", nr::name(nr::GETPID), Some("getpid"));
    check_eq!(ctx, "nr::name of MPROTECT", nr::name(nr::MPROTECT), Some("mprotect"));
    check_eq!(ctx, "nr::number of exit_group", nr::number("exit_group"), Some(nr::EXIT_GROUP));
    check_eq!(ctx, "an unknown name is None", nr::number("no_such_syscall"), None);
    check_eq!(ctx, "a name's prefix is None", nr::number("getpi"), None);
    check_eq!(ctx, "the empty name is None", nr::number(""), None);

    // Every entry round-trips, in increasing order.
    let (mut count, mut last, mut ok) = (0usize, None, true);
    for (n, name) in nr::all() {
        ok &= last < Some(n) && nr::name(n) == Some(name) && nr::number(name) == Some(n);
        (count, last) = (count + 1, Some(n));
    }
    check!(ctx, "every table entry round-trips through name and number", ok);
    check!(ctx, "the whole table, not an excerpt", count > 300, "{count} entries");

    // A number the table lacks: None, and the kernel has no such call either.
    let gap = nr::all()
        .zip(nr::all().skip(1))
        .find(|((a, _), (b, _))| b - a > 1)
        .map(|((a, _), _)| a + 1);
    match gap {
        Some(gap) => {
            check_eq!(ctx, "a gap in the table has no name", nr::name(gap), None);
            // SAFETY: a number the table does not assign; nothing happens but the error.
            let r = unsafe { baresys::syscall0(gap) };
            check_eq!(ctx, "a gap in the table is ENOSYS in the kernel", r, Err(Errno::ENOSYS));
        }
        None => check!(ctx, "the table has a gap", false),
    }
    let past_end = last.map_or(0, |n| n + 1);
    check_eq!(ctx, "past the table's end has no name", nr::name(past_end), None);
    // SAFETY: past the last number of the newest table; nothing happens but the error.
    let r = unsafe { baresys::syscall0(past_end) };
    check_eq!(ctx, "past the table's end is ENOSYS in the kernel", r, Err(Errno::ENOSYS));
}

/// The values the kernel's headers give ENOSYS and ENAMETOOLONG here, written out
/// independently of the generated tables: MIPS numbers them its own way.
#[cfg(any(target_arch = "mips", target_arch = "mips64"))]
const EXPECTED: (i32, i32) = (89, 78);
#[cfg(not(any(target_arch = "mips", target_arch = "mips64")))]
const EXPECTED: (i32, i32) = (38, 36);

fn errnos_from_the_kernel(ctx: &mut Ctx) {
    // SAFETY: past the last number of the table; nothing happens but the error.
    let r = unsafe { baresys::syscall0(nr::all().last().map_or(0, |(n, _)| n + 1)) };
    match r {
        Err(e) => {
            check_eq!(ctx, "the kernel's ENOSYS has this arch's value", e.raw(), EXPECTED.0);
            check_eq!(ctx, "the kernel's ENOSYS is named ENOSYS", e.name(), Some("ENOSYS"));
            check!(ctx, "the kernel's ENOSYS displays as ENOSYS", fmt_eq(e, "ENOSYS"));
        }
        Ok(v) => check!(ctx, "an unknown number fails", false, "returned {v}"),
    }

    // A path one byte longer than PATH_MAX (4096) with its NUL: ENAMETOOLONG.
    let mut path = [b'a'; 5000];
    path[4999] = 0;
    const AT_FDCWD: isize = -100;
    // SAFETY: openat with a NUL-terminated path that lives across the call; it fails.
    let r =
        unsafe { baresys::syscall4(nr::OPENAT, AT_FDCWD as usize, path.as_ptr() as usize, 0, 0) };
    match r {
        Err(e) => {
            check_eq!(ctx, "the kernel's ENAMETOOLONG has this arch's value", e.raw(), EXPECTED.1);
            check_eq!(
                ctx,
                "the kernel's ENAMETOOLONG is Errno::ENAMETOOLONG",
                e,
                Errno::ENAMETOOLONG
            );
            check!(ctx, "ENAMETOOLONG displays by name", fmt_eq(e, "ENAMETOOLONG"));
        }
        Ok(fd) => check!(ctx, "openat of a 5000-byte path fails", false, "fd {fd}"),
    }

    check!(ctx, "EWOULDBLOCK displays as EAGAIN", fmt_eq(Errno::EWOULDBLOCK, "EAGAIN"));
    check!(
        ctx,
        "an unnamed value displays as a number",
        fmt_eq(Errno::from_raw(4000).unwrap(), "errno 4000")
    );
}

/// Whether `e` displays as `want`, without allocating.
fn fmt_eq(e: Errno, want: &str) -> bool {
    struct Cmp<'a>(&'a [u8], bool);
    impl core::fmt::Write for Cmp<'_> {
        fn write_str(&mut self, s: &str) -> core::fmt::Result {
            self.1 &= self.0.starts_with(s.as_bytes());
            self.0 = self.0.get(s.len()..).unwrap_or(&[]);
            Ok(())
        }
    }
    let mut c = Cmp(want.as_bytes(), true);
    let _ = core::fmt::write(&mut c, format_args!("{e}"));
    c.1 && c.0.is_empty()
}
