//! The round trip fault -> SIGSEGV handler -> resume, for the two patterns of
//! `examples/guard_trap.rs`, with the same handler installed through baresys's
//! `sigaction` (its own `rt_sigaction` and, on x86_64, its own restorer) and through
//! libc's `sigaction` (glibc's, with glibc's restorer), in one run.
//!
//! - trap: `guarded_load` from a guard page; the handler sends it to a landing function
//!   that returns in its place;
//! - commit on fault: `fault` (mprotect(PROT_NONE) + MADV_DONTNEED, or a guard marker)
//!   makes a page inaccessible, a read faults, the handler commits the page, the read
//!   runs again. The `fault` call is part of each iteration (the same for both);
//!   `rearm only` measures it alone.
//!
//! `cargo bench --bench signal`

use baresys::mem::{Registry, Reservation};
use baresys::signal::{self, AltStack, Handler, SaFlags, SigAction, SigInfo, Ucontext};
use criterion::{criterion_group, criterion_main, Criterion};
use std::ffi::c_void;
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};

static HEAPS: Registry<2> = Registry::new();
static TRAP: AtomicBool = AtomicBool::new(false);
static FAULTS: AtomicUsize = AtomicUsize::new(0);

extern "C" fn landing(addr: usize) -> usize {
    addr
}

unsafe extern "C" fn on_segv(_sig: i32, info: *mut SigInfo, ctx: *mut c_void) {
    // SAFETY: the kernel's siginfo and ucontext for this SA_SIGINFO handler.
    let (si, mut uc) = unsafe { (&*info, Ucontext::from_raw(ctx)) };
    FAULTS.fetch_add(1, Relaxed);
    if let Some((heap, off)) = HEAPS.find(si.addr()) {
        if TRAP.load(Relaxed) && uc.pc() == signal::guarded_load_fault_pc() {
            // SAFETY: guarded_load's fault: landing takes its place.
            unsafe {
                uc.set_pc(landing as *const () as usize);
                uc.set_arg0(si.addr());
            }
            return;
        }
        let page = baresys::mem::page_size();
        let start = off & !(page - 1);
        if heap.commit(start..start + page).is_ok() {
            return;
        }
    }
    baresys::exit_group(139);
}

fn install_baresys() {
    let act = SigAction::new(Handler::Action(on_segv)).flags(SaFlags::ONSTACK | SaFlags::NODEFER);
    // SAFETY: on_segv is sound at any point (atomics, the registry, system calls).
    unsafe { signal::sigaction(signal::SIGSEGV, &act) }.expect("sigaction");
}

fn install_libc() {
    // SAFETY: a zeroed sigaction is valid; the handler as above, with libc's flags.
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = on_segv as *const () as usize;
        sa.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK | libc::SA_NODEFER;
        libc::sigemptyset(&mut sa.sa_mask);
        assert_eq!(libc::sigaction(libc::SIGSEGV, &sa, std::ptr::null_mut()), 0);
    }
}

fn bench(c: &mut Criterion) {
    let page = baresys::mem::page_size();
    AltStack::new(64 * 1024).unwrap().install().unwrap();
    let trap = HEAPS.insert(Reservation::reserve(4 * page).unwrap()).ok().unwrap();
    let lazy = HEAPS.insert(Reservation::reserve(4 * page).unwrap()).ok().unwrap();
    trap.guard(page..2 * page).unwrap();
    let guard_addr = trap.as_ptr() as usize + page;
    let lazy_addr = lazy.as_ptr() as usize + page;

    let mut g = c.benchmark_group("trap");
    for (name, install) in
        [("baresys sigaction", install_baresys as fn()), ("libc sigaction", install_libc)]
    {
        install();
        TRAP.store(true, Relaxed);
        g.bench_function(name, |b| {
            // SAFETY: aligned; the handler takes the fault over.
            b.iter(|| {
                black_box(unsafe { signal::guarded_load(black_box(guard_addr) as *const usize) })
            })
        });
        TRAP.store(false, Relaxed);
    }
    g.finish();

    let mut g = c.benchmark_group("commit on fault");
    for (name, install) in
        [("baresys sigaction", install_baresys as fn()), ("libc sigaction", install_libc)]
    {
        install();
        g.bench_function(name, |b| {
            b.iter(|| {
                lazy.fault(page..2 * page).unwrap();
                // SAFETY: the handler commits the page; it reads zero.
                black_box(unsafe { (black_box(lazy_addr) as *const u64).read_volatile() })
            })
        });
    }
    g.bench_function("rearm only (fault + touch of a committed page)", |b| {
        b.iter(|| {
            lazy.fault(page..2 * page).unwrap();
            lazy.recommit(page..2 * page).unwrap();
            // SAFETY: committed.
            black_box(unsafe { (black_box(lazy_addr) as *const u64).read_volatile() })
        })
    });
    g.finish();
    assert!(FAULTS.load(Relaxed) > 0);
}

criterion_group!(benches, bench);
criterion_main!(benches);
