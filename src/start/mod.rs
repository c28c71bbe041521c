//! The process entry for freestanding static programs (feature `start`).
//!
//! Each `arch/` file's `_start` clears the frame pointer, sets what its ABI needs before
//! any compiled code runs (the TOC on powerpc64, `gp` on riscv64), aligns the stack and
//! calls `baresys_start` with the initial stack pointer and the run-time address of
//! `_DYNAMIC`. From there everything is portable: a static-pie program first applies
//! its own relative relocations (`relocate.rs`), then argc, argv, envp and the
//! auxiliary vector are read off the stack, the page size is taken from `AT_PAGESZ`, the
//! program's main (named with [`entry!`](crate::entry)) runs, and its return value goes
//! to `exit_group`.
//!
//! Links that work: static non-PIE (`-C relocation-model=static`), PIC code in a
//! static non-PIE link (the default relocation model with `+crt-static` on most
//! targets), and static-pie (`+crt-static` on x86_64, or `-C link-arg=-pie` anywhere but
//! mips, whose `_start` cannot relocate its GOT and whose link fails with a symbol
//! naming the fix), by rust-lld or GNU ld.
//!
//! ```ignore
//! #![no_std]
//! #![no_main]
//! baresys::entry!(main);
//! fn main(args: &baresys::start::Args) -> i32 {
//!     // SAFETY: the kernel starts a program with fd 1 open and nothing here closes it.
//!     let _ = baresys::write(unsafe { baresys::fd::stdout() }, b"hello\n");
//!     0
//! }
//! #[panic_handler]
//! fn panic(_: &core::panic::PanicInfo) -> ! { baresys::exit_group(101) }
//! ```

use core::ffi::{c_char, CStr};

/// What the kernel put on the initial stack. Only `_start` makes one (the fields are
/// private), so the pointers it reads through are always the kernel's: argv and envp
/// strings that live as long as the process and that nothing in a program without libc
/// rewrites.
#[derive(Clone, Copy, Debug)]
pub struct Args {
    argc: usize,
    argv: *const *const c_char,
    envp: *const *const c_char,
    auxv: *const usize,
}

impl Args {
    /// The number of arguments.
    pub fn argc(&self) -> usize {
        self.argc
    }

    /// Argument `i`, if there is one.
    pub fn arg(&self, i: usize) -> Option<&'static CStr> {
        if i >= self.argc {
            return None;
        }
        // SAFETY: argv holds argc valid NUL-terminated strings that live as long as the
        // process (the kernel laid them out before `_start`).
        unsafe { Some(CStr::from_ptr(*self.argv.add(i))) }
    }

    /// The environment variable `name`, if set.
    pub fn env(&self, name: &[u8]) -> Option<&'static CStr> {
        let mut p = self.envp;
        loop {
            // SAFETY: envp is a NULL-terminated array of NUL-terminated strings that
            // live as long as the process.
            let entry = unsafe { *p };
            if entry.is_null() {
                return None;
            }
            // SAFETY: as above.
            let s = unsafe { CStr::from_ptr(entry) };
            let bytes = s.to_bytes();
            if bytes.len() > name.len() && bytes.starts_with(name) && bytes[name.len()] == b'=' {
                // SAFETY: the value is the tail of the same NUL-terminated string.
                return Some(unsafe { CStr::from_ptr(entry.add(name.len() + 1)) });
            }
            // SAFETY: not at the terminating NULL yet.
            p = unsafe { p.add(1) };
        }
    }

    /// The auxiliary-vector value for `key` (`AT_PAGESZ` is 6), if present.
    pub fn auxv(&self, key: usize) -> Option<usize> {
        // SAFETY: the auxiliary vector is a list of (key, value) pairs ending in AT_NULL,
        // placed by the kernel and never freed.
        unsafe { crate::mem::auxv_lookup(self.auxv, key) }
    }
}

mod relocate;

/// Called by `_start` with the stack pointer the kernel gave the process and the
/// run-time address of the program's `_DYNAMIC`.
///
/// # Safety
///
/// `sp` must be the initial stack pointer: argc, then argv, envp and auxv; `dynamic`
/// the run-time address of this program's dynamic section where it has one (any value
/// where it has none: see `relocate.rs`). Called once, before anything else.
pub(crate) unsafe extern "C" fn baresys_start(sp: *const usize, dynamic: *const usize) -> ! {
    // SAFETY: forwarded from `_start`, first thing in the process.
    unsafe { relocate::relocate(sp, dynamic) };
    // Relocated data may be read from here on. `run` is a call the compiler cannot see
    // through, so no load of a relocated pointer is moved above the relocation.
    core::sync::atomic::compiler_fence(core::sync::atomic::Ordering::SeqCst);
    // SAFETY: forwarded from `_start`.
    unsafe { run(sp) }
}

/// Everything after relocation: the arguments, the page size, main and its exit code.
///
/// # Safety
///
/// As [`baresys_start`], after relocation.
#[inline(never)]
unsafe fn run(sp: *const usize) -> ! {
    extern "Rust" {
        fn __baresys_main(args: &Args) -> i32;
    }
    // SAFETY: the initial stack layout is fixed by the ELF loader: argc, argv[argc],
    // NULL, envp..., NULL, auxv pairs.
    let args = unsafe {
        let argc = *sp;
        let argv = sp.add(1) as *const *const c_char;
        let envp = argv.add(argc + 1);
        let mut p = envp;
        while !(*p).is_null() {
            p = p.add(1);
        }
        Args { argc, argv, envp, auxv: p.add(1) as *const usize }
    };
    if let Some(size) = args.auxv(crate::mem::AT_PAGESZ) {
        crate::mem::set_page_size(size);
    }
    crate::time::record_vdso_base(args.auxv(crate::vdso::AT_SYSINFO_EHDR));
    // Every thread of a process that `_start` started gets a block behind its thread
    // pointer, this one included (feature `thread`).
    #[cfg(feature = "thread")]
    crate::thread::init_main();
    // SAFETY: `entry!` defines `__baresys_main` with this signature.
    crate::exit_group(unsafe { __baresys_main(&args) })
}

/// Names the function that a freestanding program (feature `start`) runs after
/// `_start`: `fn(&baresys::start::Args) -> i32`, whose value becomes the exit code.
#[macro_export]
macro_rules! entry {
    ($main:path) => {
        #[no_mangle]
        fn __baresys_main(args: &$crate::start::Args) -> i32 {
            $main(args)
        }
    };
}
