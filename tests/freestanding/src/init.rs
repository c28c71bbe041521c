//! What both freestanding programs need as PID 1 of a real kernel (ci/kernels.sh), and
//! their reading of numbers from the environment.

/// As init there is no /proc until someone mounts it; the checks read maps.
pub fn mount_proc() {
    // SAFETY: mount(2) with NUL-terminated strings and no data.
    let r = unsafe {
        baresys::syscall5(
            baresys::nr::MOUNT,
            c"proc".as_ptr() as usize,
            c"/proc".as_ptr() as usize,
            c"proc".as_ptr() as usize,
            0,
            0,
        )
    };
    if let Err(e) = r {
        crate::checks::out!("mount /proc: {}\n", e);
    }
}

/// reboot(LINUX_REBOOT_CMD_RESTART), so QEMU (run with -no-reboot) exits by itself. Not
/// POWER_OFF: a kernel without a power-off driver (the Malta kernels ci/kernels.sh builds)
/// halts there and QEMU never exits, while every kernel here can restart.
///
/// The kernel restarts without waiting for the serial console to send what is queued: the
/// closing line was lost that way once (loongarch64), so give it a moment first.
pub fn stop_machine() {
    let _ = baresys::time::nanosleep(&baresys::time::Timespec::from_nanos(300_000_000), None);
    // SAFETY: as PID 1 the machine is ours to stop; the magic numbers are reboot(2)'s.
    let _ =
        unsafe { baresys::syscall4(baresys::nr::REBOOT, 0xfee1_dead, 672_274_793, 0x0123_4567, 0) };
}

/// A decimal number, or None.
pub fn parse(s: &[u8]) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    s.iter().try_fold(0u64, |v, &c| c.is_ascii_digit().then(|| v * 10 + (c - b'0') as u64))
}
