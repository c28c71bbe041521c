//! What a libc-free program needs when it links the core that rustup ships (stable, no
//! build-std; feature `prebuilt-core`): that core is compiled for unwinding, so the link
//! wants `rust_eh_personality` even with `panic = "abort"`, and it leaves memcpy and
//! friends (and, on aarch64, `getauxval`) to libc. With `-Zbuild-std` none of this is
//! needed: compiler_builtins' `mem` feature provides the functions and core is built for
//! aborting.
//!
//! The crate is `no_builtins` in this build, so these loops are not turned back into
//! calls of themselves. Byte at a time: a test program, not an allocator.

/// aarch64's prebuilt compiler_builtins asks libc's `getauxval(AT_HWCAP)` once, to pick
/// LSE atomics for its out-of-line atomic helpers. "No capabilities" is always a correct
/// answer: the helpers then use the plain exclusive-load/store loops.
#[no_mangle]
extern "C" fn getauxval(_key: core::ffi::c_ulong) -> core::ffi::c_ulong {
    0
}

/// Never called: with `panic = "abort"` nothing unwinds.
#[no_mangle]
extern "C" fn rust_eh_personality() {}

/// # Safety
///
/// As C's memcpy: `n` bytes readable at `src`, writable at `dst`, not overlapping.
#[no_mangle]
unsafe extern "C" fn memcpy(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    // SAFETY: forwarded from the caller; memmove handles any overlap anyway.
    unsafe { memmove(dst, src, n) }
}

/// # Safety
///
/// As C's memmove: `n` bytes readable at `src` and writable at `dst`.
#[no_mangle]
unsafe extern "C" fn memmove(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    // SAFETY: the caller's ranges; copying backwards when dst is above src keeps an
    // overlapping source intact.
    unsafe {
        if (dst as usize) < (src as usize) {
            for i in 0..n {
                *dst.add(i) = *src.add(i);
            }
        } else {
            for i in (0..n).rev() {
                *dst.add(i) = *src.add(i);
            }
        }
    }
    dst
}

/// # Safety
///
/// As C's memset: `n` bytes writable at `dst`.
#[no_mangle]
unsafe extern "C" fn memset(dst: *mut u8, c: i32, n: usize) -> *mut u8 {
    for i in 0..n {
        // SAFETY: i < n, inside the caller's range.
        unsafe { *dst.add(i) = c as u8 };
    }
    dst
}

/// # Safety
///
/// As C's memcmp: `n` bytes readable at `a` and at `b`.
#[no_mangle]
unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    for i in 0..n {
        // SAFETY: i < n, inside the caller's ranges.
        let (x, y) = unsafe { (*a.add(i), *b.add(i)) };
        if x != y {
            return x as i32 - y as i32;
        }
    }
    0
}

/// # Safety
///
/// As memcmp.
#[no_mangle]
unsafe extern "C" fn bcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    // SAFETY: forwarded from the caller.
    unsafe { memcmp(a, b, n) }
}

/// # Safety
///
/// As C's strlen: `s` is NUL-terminated.
#[no_mangle]
unsafe extern "C" fn strlen(s: *const u8) -> usize {
    let mut n = 0;
    // SAFETY: the caller's string, up to its NUL.
    while unsafe { *s.add(n) } != 0 {
        n += 1;
    }
    n
}
