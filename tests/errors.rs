//! `mem::Error` on the host: what it says (operation, range, kind), its `source()`, its
//! `Display` under width and fill, and, with the `std` feature, the conversions to
//! `std::io::Error` and between the descriptor types.

use baresys::mem::{self, ErrorKind, Reservation};
use baresys::Errno;
use std::error::Error as _;

#[test]
fn error_names_operation_range_and_kind() {
    let p = mem::page_size();
    let r = Reservation::reserve(4 * p).expect("reserve");
    let base = r.as_ptr() as usize;
    let e = r.fault(p..5 * p).unwrap_err();
    assert_eq!(
        (e.op(), e.addr(), e.len(), e.kind()),
        ("fault", base + p, 4 * p, ErrorKind::OutOfRange)
    );
    assert_eq!(e.errno(), None);
    assert!(e.source().is_none(), "no kernel answer, no source");
    let text = e.to_string();
    assert_eq!(
        text,
        format!(
            "fault of {:#x} bytes at {:#x}: range is not inside the reservation",
            4 * p,
            base + p
        )
    );
    // Width, fill and alignment apply to the whole message.
    let padded = format!("{:>200}", e);
    assert_eq!(padded.len(), 200);
    assert!(padded.ends_with(&text) && padded[..200 - text.len()].bytes().all(|b| b == b' '));
    let short = mem::Error::to_string(&r.commit(..1).unwrap_err());
    assert_eq!(format!("{:>60}", r.commit(..1).unwrap_err()), format!("{short:>60}"));
    assert_eq!(format!("{:>60}", r.commit(..1).unwrap_err()).len(), short.len().max(60));
    assert_eq!(format!("{:*<120}", e), format!("{text:*<120}"));
}

#[test]
fn kernel_errors_have_the_errno_as_source() {
    let p = mem::page_size();
    let mut r = Reservation::reserve(2 * p).expect("reserve");
    let base = r.as_ptr() as usize;
    // Held by another reservation: MAP_FIXED_NOREPLACE answers EEXIST.
    // SAFETY: `r` occupies the range, so the kernel refuses it and nothing is placed.
    let e = unsafe { Reservation::reserve_at(base as *mut u8, p) }.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Kernel { call: "mmap", errno: Errno::EEXIST });
    assert_eq!((e.op(), e.addr(), e.len()), ("reserve_at", base, p));
    assert_eq!(e.errno(), Some(Errno::EEXIST));
    let src = e.source().expect("a kernel error has a source");
    assert_eq!(src.downcast_ref::<Errno>(), Some(&Errno::EEXIST));
    assert_eq!(e.to_string(), format!("reserve_at of {p:#x} bytes at {base:#x}: mmap: EEXIST"));
    // Releasing everything has its own kind.
    let e = r.release(..).unwrap_err();
    assert_eq!((e.op(), e.kind()), ("release", ErrorKind::ReleaseAll));
    assert_eq!(r.release(p..).map_err(|e| e.kind()), Ok(()));
}

#[cfg(feature = "std")]
#[test]
fn std_conversions() {
    use baresys::fd::{AsFd, AsRawFd, OwnedFd};
    use std::io::{self, Read, Write};

    let io: io::Error = Errno::ENOENT.into();
    assert_eq!(io.raw_os_error(), Some(Errno::ENOENT.raw()));
    assert_eq!(io.kind(), io::ErrorKind::NotFound);

    let p = mem::page_size();
    let r = Reservation::reserve(p).expect("reserve");
    let io: io::Error = r.commit(..1).unwrap_err().into();
    assert_eq!(io.kind(), io::ErrorKind::InvalidInput);
    let inner =
        io.get_ref().and_then(|e| e.downcast_ref::<mem::Error>()).expect("carries mem::Error");
    assert_eq!(inner.kind(), ErrorKind::Unaligned);
    // SAFETY: `r` occupies the range: refused with EEXIST, nothing placed.
    let e = unsafe { Reservation::reserve_at(r.as_ptr(), p) }.unwrap_err();
    let io: io::Error = e.into();
    assert_eq!(io.kind(), io::ErrorKind::AlreadyExists);

    // Descriptors both ways: a pipe made here, used through std, and back.
    let (rd, wr) = baresys::pipe2(baresys::OFlags::CLOEXEC).expect("pipe2");
    let raw = wr.as_raw_fd();
    let std_wr: std::os::fd::OwnedFd = wr.into();
    assert_eq!(std::os::fd::AsRawFd::as_raw_fd(&std_wr), raw);
    let mut file = std::fs::File::from(std_wr);
    file.write_all(b"xy").expect("write through std");
    assert_eq!(baresys::write(&file, b"z"), Ok(1));
    let back: OwnedFd = std::os::fd::OwnedFd::from(file).into();
    assert_eq!(back.as_raw_fd(), raw);
    drop(back);
    let mut std_rd = std::fs::File::from(std::os::fd::OwnedFd::from(rd));
    let mut got = String::new();
    std_rd.read_to_string(&mut got).expect("read through std");
    assert_eq!(got, "xyz");
    assert_eq!(std_rd.as_fd().as_raw_fd(), std::os::fd::AsRawFd::as_raw_fd(&std_rd));
}
