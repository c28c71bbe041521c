//! Checks shared by the freestanding programs (all fourteen configurations, under QEMU
//! user mode and on real kernels) and the host's `cargo test`: no_std, no allocation,
//! only baresys itself. Each check calls the real kernel and looks at the effect.

#![allow(dead_code)]

pub mod kernel;
pub mod mem;
pub mod model;
pub mod signal;

pub mod runtime;
pub mod syscalls;
pub mod tables;
pub mod time;
pub mod util;
pub mod zeropage;

use core::fmt::{self, Write};

/// Counts results and reports each failure (and, verbose, each pass) on fd 1.
pub struct Ctx {
    pub passed: u32,
    pub failed: u32,
    pub verbose: bool,
    /// Under QEMU user mode (ci/test.sh sets BARESYS_QEMU_USER): the few answers QEMU
    /// is known to give differently from a kernel are reported as notes, not failures;
    /// the native and real-kernel runs check them strictly.
    pub emulated: bool,
    group: &'static str,
}

impl Ctx {
    pub fn new(verbose: bool) -> Self {
        Ctx { passed: 0, failed: 0, verbose, emulated: false, group: "" }
    }

    pub fn group(&mut self, name: &'static str) {
        self.group = name;
    }

    /// Records one check; `detail` is printed when it fails.
    pub fn check(&mut self, name: &str, ok: bool, detail: fmt::Arguments<'_>) {
        if ok {
            self.passed += 1;
            if self.verbose {
                out!("ok   {}: {}\n", self.group, name);
            }
        } else {
            self.failed += 1;
            out!("FAIL {}: {}: {}\n", self.group, name, detail);
        }
    }

    /// A line of information (not a result).
    pub fn note(&mut self, args: fmt::Arguments<'_>) {
        out!("note {}: {}\n", self.group, args);
    }
}

/// `check!(ctx, "name", cond)` or `check!(ctx, "name", cond, "fmt", args...)`.
#[macro_export]
macro_rules! check {
    ($ctx:expr, $name:expr, $cond:expr) => {
        $ctx.check($name, $cond, format_args!("{}", stringify!($cond)))
    };
    ($ctx:expr, $name:expr, $cond:expr, $($fmt:tt)+) => {
        $ctx.check($name, $cond, format_args!($($fmt)+))
    };
}

/// `check_eq!(ctx, "name", left, right)`: equality, printing both sides on failure.
#[macro_export]
macro_rules! check_eq {
    ($ctx:expr, $name:expr, $left:expr, $right:expr) => {{
        let (l, r) = (&$left, &$right);
        $ctx.check($name, *l == *r, format_args!("{:?} != {:?}", l, r))
    }};
}

/// Formats into a stack buffer and writes it to fd 1 in one `write`.
pub struct Out {
    buf: [u8; 512],
    len: usize,
}

impl Out {
    pub fn new() -> Self {
        Out { buf: [0; 512], len: 0 }
    }
    pub fn flush(&mut self) {
        let mut done = 0;
        while done < self.len {
            // SAFETY: fd 1 is open for the whole run (the test harness or the kernel
            // opened it) and nothing here closes it.
            let stdout = unsafe { baresys::fd::stdout() };
            match baresys::write(stdout, &self.buf[done..self.len]) {
                Ok(n) if n > 0 => done += n,
                _ => break,
            }
        }
        self.len = 0;
    }
}

impl Write for Out {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for &b in s.as_bytes() {
            if self.len == self.buf.len() {
                self.flush();
            }
            self.buf[self.len] = b;
            self.len += 1;
        }
        Ok(())
    }
}

/// `print!` for no_std: formats to fd 1.
#[macro_export]
macro_rules! out {
    ($($fmt:tt)*) => {{
        let mut o = $crate::checks::Out::new();
        let _ = core::fmt::Write::write_fmt(&mut o, format_args!($($fmt)*));
        o.flush();
    }};
}
pub use out;

/// Every group, in order. `ops` is the model test's operation count.
pub fn run_all(ctx: &mut Ctx, target: &str, ops: u32, seed: u64) {
    syscalls::run(ctx);
    tables::run(ctx);
    mem::run(ctx);
    if ops == 0 {
        // Only where a known kernel bug rules it out (ci/kernels.sh says which and why).
        out!("model {target}: not run (BARESYS_OPS=0)\n");
    } else {
        model::run(ctx, target, ops, seed);
    }
    kernel::run(ctx);
    signal::run(ctx);
    time::run(ctx);
    runtime::run(ctx);
}
