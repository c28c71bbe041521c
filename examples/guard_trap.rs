//! The two signal patterns of a runtime, with baresys alone (no libc call for them):
//!
//! - trap: a load from a guard page, a never-committed page or a faulted page of a
//!   reservation makes the SIGSEGV handler point the program counter at a landing
//!   function that gets the fault address, and the program goes on (how a WebAssembly
//!   runtime turns an out-of-bounds access into a trap);
//! - commit on fault: the handler commits the page on first touch; the access runs
//!   again, succeeds and reads zero (a lazily committed heap);
//!
//! and a fault outside every reservation, passed on to the disposition from before:
//! the child that makes it dies by SIGSEGV.
//!
//! `cargo run --release --example guard_trap`

use baresys::mem::{Decommit, Registry, Reservation};
use baresys::signal::{self, AltStack, Handler, SaFlags, SigAction, SigInfo, Ucontext};
use std::cell::UnsafeCell;
use std::ffi::c_void;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};

/// The reservations the handler knows.
static HEAPS: Registry<4> = Registry::new();
/// Which pattern the handler applies (set per reservation would do as well).
static TRAP: AtomicBool = AtomicBool::new(false);
static FAULTS: AtomicUsize = AtomicUsize::new(0);
static LANDED: AtomicUsize = AtomicUsize::new(0);
static FAULT_PC: AtomicUsize = AtomicUsize::new(0);

struct Prev(UnsafeCell<Option<SigAction>>);
// SAFETY: written once before the handler that reads it is installed.
unsafe impl Sync for Prev {}
static PREV: Prev = Prev(UnsafeCell::new(None));

/// Where a trapped `guarded_load` continues: in its place, returning to its caller.
extern "C" fn trap_landing(fault_addr: usize) -> usize {
    LANDED.store(fault_addr, SeqCst);
    usize::MAX // "trapped", as the caller sees it
}

unsafe extern "C" fn on_segv(sig: i32, info: *mut SigInfo, ctx: *mut c_void) {
    // SAFETY: the kernel's siginfo and ucontext for this SA_SIGINFO handler.
    let (si, mut uc) = unsafe { (&*info, Ucontext::from_raw(ctx)) };
    if si.from_kernel() {
        if let Some((heap, off)) = HEAPS.find(si.addr()) {
            FAULTS.fetch_add(1, SeqCst);
            FAULT_PC.store(uc.pc(), SeqCst);
            if TRAP.load(SeqCst) && uc.pc() == signal::guarded_load_fault_pc() {
                // SAFETY: the fault is guarded_load's: trap_landing takes its place.
                unsafe {
                    uc.set_pc(trap_landing as *const () as usize);
                    uc.set_arg0(si.addr());
                }
                return;
            }
            let page = baresys::mem::page_size();
            let start = off & !(page - 1);
            if heap.commit(start..start + page).is_ok() {
                return; // the access runs again
            }
        }
    }
    // Not ours: the disposition from before.
    // SAFETY: PREV was set before this handler was installed; our arguments.
    if let Some(prev) = unsafe { *PREV.0.get() } {
        // SAFETY: as above.
        unsafe { prev.forward(sig, info, ctx) };
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let page = baresys::mem::page_size();
    // The handler runs on its own stack (a guard page below it), so that it works
    // even when the fault is a stack overflow.
    AltStack::new(64 * 1024)?.install()?;
    let act = SigAction::new(Handler::Action(on_segv)).flags(SaFlags::ONSTACK | SaFlags::NODEFER);
    // SAFETY: before the handler exists.
    unsafe { *PREV.0.get() = Some(signal::sigaction_query(signal::SIGSEGV)?) };
    // SAFETY: on_segv touches atomics, the registry and its arguments, and makes system
    // calls; it redirects only guarded_load's faults.
    unsafe { signal::sigaction(signal::SIGSEGV, &act) }?;

    // --- trap -----------------------------------------------------------------------
    let wasm = HEAPS.insert(Reservation::reserve(8 * page)?).map_err(|_| "registry full")?;
    wasm.commit(..4 * page)?; // pages 0-3 ready, 4-7 never committed
    wasm.guard(page..2 * page)?; // page 1: a guard page
    wasm.fault(2 * page..3 * page)?; // page 2: faulted (contents gone)
                                     // SAFETY: page 0 is committed.
    unsafe { wasm.as_ptr().cast::<usize>().write(42) };
    println!("trap ({}-page reservation at {:p}):", 8, wasm.as_ptr());
    TRAP.store(true, SeqCst);
    for (what, off) in
        [("ready", 0), ("guarded", page + 16), ("faulted", 2 * page), ("reserved", 5 * page + 8)]
    {
        let addr = wasm.as_ptr() as usize + off;
        LANDED.store(0, SeqCst);
        // SAFETY: aligned; a fault is taken over by the handler.
        let v = unsafe { signal::guarded_load(addr as *const usize) };
        if v == usize::MAX {
            println!(
                "  load from the {what:8} page at {addr:#x}: trapped at pc {:#x} (guarded_load), landing got {:#x}, the program goes on",
                FAULT_PC.load(SeqCst),
                LANDED.load(SeqCst)
            );
        } else {
            println!("  load from the {what:8} page at {addr:#x}: {v}");
            if what != "ready" {
                return Err(format!("the load from the {what} page did not trap").into());
            }
        }
    }
    TRAP.store(false, SeqCst);

    // --- commit on fault --------------------------------------------------------------
    let heap = HEAPS.insert(Reservation::reserve(64 * page)?).map_err(|_| "registry full")?;
    let before = FAULTS.load(SeqCst);
    let mut sum = 0u64;
    for k in (0..64).step_by(9) {
        let p = heap.as_ptr().wrapping_add(k * page + 8).cast::<u64>();
        // SAFETY: the handler commits the page on this first touch.
        sum += unsafe { p.read_volatile() };
        // SAFETY: committed now.
        unsafe { p.write_volatile(k as u64) };
    }
    println!(
        "commit on fault: touched {} pages of a {}-page reservation: {} faults, each page committed by the handler and read as {} (sum)",
        (0..64).step_by(9).count(),
        64,
        FAULTS.load(SeqCst) - before,
        sum
    );
    if FAULTS.load(SeqCst) - before != 8 || sum != 0 {
        return Err("commit on fault: expected 8 faults reading zero".into());
    }
    heap.decommit(.., Decommit::Uncharge)?; // back to Reserved: the next touch faults again
                                            // SAFETY: the handler commits it again; it reads zero.
    let again = unsafe { heap.as_ptr().add(8).cast::<u64>().read_volatile() };
    println!("  after decommit: page 0 reads {again} again (one more fault)");

    // --- anything else: the previous disposition ------------------------------------
    // SAFETY: the child only makes one access and exits; it is single-threaded.
    let pid = unsafe { baresys::fork() }?;
    if pid == 0 {
        // SAFETY: deliberately outside every reservation.
        let _ = unsafe { (8usize as *const u8).read_volatile() };
        baresys::exit_group(0);
    }
    let (_, status) = baresys::wait4(pid, 0)?;
    if status.signal() != Some(signal::SIGSEGV) {
        return Err(format!("the child was not killed by SIGSEGV: {status:?}").into());
    }
    println!(
        "a fault outside every reservation (address 0x8, in a child): killed by SIGSEGV, \
         the previous disposition"
    );
    Ok(())
}
