//! Arbitrary operation sequences on `baresys::mem`: the fuzzer's bytes are the choices
//! of the model-based test (tests/checks/model.rs): which operation, on which
//! reservation, with which range, length, alignment, protection or path, valid or
//! not. After every operation the model compares itself with the kernel
//! (/proc/self/maps, what the kernel can read, contents, nothing outside changed,
//! the exact error for bad input); any divergence, and any panic, is a crash.
#![no_main]

#[allow(dead_code, unused)]
#[path = "../../tests/checks/mod.rs"]
mod checks;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (_, divergences) = checks::model::run_bytes(data);
    assert_eq!(divergences, 0, "the model and the kernel disagree (printed above)");
});
