//! One reservation through every state and every fault path of `baresys::mem`, printing
//! each step before doing it, so that the system calls can be watched:
//!
//! ```sh
//! cargo build --example lifecycle
//! strace -e trace=mmap,mprotect,madvise,munmap,mseal,write ./target/debug/examples/lifecycle
//! ```
//!
//! Each step is one `write(1, "<step>\n")` followed by the calls that step makes, e.g.
//! `fault protect` then `mprotect(.., PROT_NONE)` and `madvise(.., MADV_DONTNEED)`.

use baresys::mem::{self, Decommit, FaultPath, Populate, Reservation};
use baresys::Prot;
use std::error::Error;

/// Prints the step's name (stdout is line buffered: the line is out before the calls).
fn step(name: &str) {
    println!("{name}");
}

/// Writes `byte` over the first `len` bytes.
fn fill(r: &Reservation, len: usize, byte: u8) {
    // SAFETY: callers fill only committed (Ready) memory of `r`.
    unsafe { r.as_ptr().write_bytes(byte, len) };
}

/// Whether every one of the first `len` bytes is `byte`.
fn all(r: &Reservation, len: usize, byte: u8) -> bool {
    // SAFETY: callers read only readable memory of `r`.
    (0..len).all(|i| unsafe { r.as_ptr().add(i).read_volatile() } == byte)
}

fn check(ok: bool, what: &str) -> Result<(), Box<dyn Error>> {
    if ok {
        println!("  ok: {what}");
        Ok(())
    } else {
        Err(format!("unexpected: {what} does not hold").into())
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let page = mem::page_size();
    let len = 4 * page;
    println!("page size {page}");

    step("probe guard regions");
    let guard = mem::guard_supported();
    println!(
        "  guard regions {}; default fault path {}",
        if guard { "supported" } else { "unsupported" },
        mem::default_fault_path()
    );

    step("reserve");
    let mut r = Reservation::reserve(len)?;
    println!("  {:?}", r);

    step("commit");
    r.commit(..)?;
    check(all(&r, len, 0), "fresh memory reads zero")?;
    fill(&r, len, 0xa5);

    step("protect read-only");
    r.protect(.., Prot::READ)?;
    check(all(&r, len, 0xa5), "contents kept, read-only")?;

    step("commit");
    r.commit(..)?;
    fill(&r, len, 0x5a);

    for path in [FaultPath::Protect, FaultPath::Remap, FaultPath::Guard] {
        if path == FaultPath::Guard && !guard {
            println!("fault guard: skipped, guard regions unsupported here");
            continue;
        }
        r.set_fault_path(path)?;
        step(&format!("fault {path}"));
        r.fault(..)?;
        step(&format!("recommit {path}"));
        r.recommit(..)?;
        check(all(&r, len, 0), "reads zero after fault + recommit")?;
        fill(&r, len, 0x5a);
    }

    step("guard");
    r.guard(page..2 * page)?;
    step("unguard");
    r.unguard(page..2 * page)?;
    check(all(&r, page, 0x5a), "the page beside the guard kept")?;
    fill(&r, len, 0x5a);

    step("decommit zero");
    r.decommit(.., Decommit::Zero)?;
    check(all(&r, len, 0), "reads zero")?;
    fill(&r, len, 0x5a);

    step("decommit lazy");
    r.decommit(.., Decommit::Lazy)?;

    step("decommit uncharge");
    r.decommit(.., Decommit::Uncharge)?;

    step("commit populate");
    match r.commit_populate(..)? {
        Populate::Prefaulted => println!("  prefaulted"),
        Populate::OnFirstTouch => println!("  no MADV_POPULATE_WRITE: pages come on first touch"),
    }
    check(all(&r, len, 0), "reads zero")?;

    step("advise huge");
    if let Err(e) = r.advise_huge(.., true) {
        println!("  {e}");
    }
    step("collapse");
    if let Err(e) = r.collapse(..) {
        println!("  {e} (expected for a range smaller than a huge page)");
    }

    step("split off");
    let mut tail = r.split_off(2 * page)?;
    println!("  {:?}\n  {:?}", r, tail);

    step("release prefix");
    r.release(..page)?;

    step("seal (the split-off part)");
    match tail.seal() {
        Ok(()) => println!("  sealed: it stays mapped for the life of the process"),
        Err(e) => println!("  {e}"),
    }

    step("release");
    drop(tail);
    drop(r);
    Ok(())
}
