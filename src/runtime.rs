//! Calls a language runtime needs besides memory mapping: random bytes, CPU affinity,
//! anonymous files, locking pages, residency, memory barriers across threads, the
//! kernel's name, and advice about another process's memory.

use crate::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};
use crate::{arch, nr, Advice, Errno};
use core::ffi::{c_void, CStr};

macro_rules! small_flags {
    ($(#[$doc:meta])* $name:ident { $($(#[$fdoc:meta])* $flag:ident = $value:expr,)* }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
        pub struct $name(u32);

        impl $name {
            /// No flag.
            pub const NONE: $name = $name(0);
            $($(#[$fdoc])* pub const $flag: $name = $name($value);)*

            /// The raw value passed to the kernel.
            pub const fn bits(self) -> u32 {
                self.0
            }
            /// A set from a raw value, unknown bits kept (the kernel answers `EINVAL`).
            pub const fn from_bits_retain(bits: u32) -> Self {
                $name(bits)
            }
        }

        impl core::ops::BitOr for $name {
            type Output = Self;
            fn bitor(self, rhs: Self) -> Self {
                $name(self.0 | rhs.0)
            }
        }
    };
}

small_flags! {
    /// Flags of [`getrandom`] (`GRND_*`).
    GetrandomFlags {
        /// Answer `EAGAIN` instead of blocking before the pool is initialized.
        NONBLOCK = 1,
        /// Use the (obsolete) blocking pool.
        RANDOM = 2,
        /// Never block, even before the pool is initialized (Linux 5.6+).
        INSECURE = 4,
    }
}

small_flags! {
    /// Flags of [`memfd_create`] (`MFD_*`).
    MemfdFlags {
        /// Close on `execve`.
        CLOEXEC = 1,
        /// Allow `F_ADD_SEALS`.
        ALLOW_SEALING = 2,
        /// Back with huge pages.
        HUGETLB = 4,
        /// Not executable, sealed so (Linux 6.3+).
        NOEXEC_SEAL = 8,
        /// Executable (Linux 6.3+).
        EXEC = 0x10,
    }
}

small_flags! {
    /// Flags of [`mlock2`] (`MLOCK_*`).
    MlockFlags {
        /// Lock pages as they are faulted in, not all at once.
        ONFAULT = 1,
    }
}

/// `getrandom`: fills `buf` (or its start: the count is returned) with random bytes.
/// Reads of up to 256 bytes from the initialized pool are never short.
#[inline]
pub fn getrandom(buf: &mut [u8], flags: GetrandomFlags) -> Result<usize, Errno> {
    // SAFETY: the kernel writes at most `buf.len()` bytes into `buf`.
    unsafe {
        crate::syscall3(nr::GETRANDOM, buf.as_mut_ptr() as usize, buf.len(), flags.0 as usize)
    }
}

/// A set of CPUs, as `sched_getaffinity` fills it: up to 4096 CPUs.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct CpuSet {
    bits: [usize; CpuSet::WORDS],
}

impl CpuSet {
    const WORDS: usize = 4096 / usize::BITS as usize;
    /// The most CPUs a set holds.
    pub const CAPACITY: usize = 4096;

    /// Whether `cpu` is in the set.
    pub fn contains(&self, cpu: usize) -> bool {
        let bits = usize::BITS as usize;
        self.bits.get(cpu / bits).is_some_and(|w| w >> (cpu % bits) & 1 == 1)
    }

    /// The number of CPUs in the set.
    pub fn count(&self) -> usize {
        self.bits.iter().map(|w| w.count_ones() as usize).sum()
    }
}

impl core::fmt::Debug for CpuSet {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_set().entries((0..Self::CAPACITY).filter(|&c| self.contains(c))).finish()
    }
}

/// `sched_getaffinity`: the CPUs thread `tid` (0: the caller) may run on. A machine
/// with more than 4096 possible CPUs answers `EINVAL`.
pub fn sched_getaffinity(tid: i32) -> Result<CpuSet, Errno> {
    let mut set = CpuSet { bits: [0; CpuSet::WORDS] };
    let bytes = core::mem::size_of_val(&set.bits);
    // SAFETY: the kernel writes at most `bytes` bytes into `set.bits` (it returns how
    // many; the rest stays zero).
    unsafe {
        crate::syscall3(nr::SCHED_GETAFFINITY, tid as usize, bytes, set.bits.as_mut_ptr() as usize)
    }?;
    Ok(set)
}

/// `memfd_create`: a new anonymous file, for memory shared between mappings or
/// processes. `name` shows in `/proc/self/fd` (as `memfd:name`).
pub fn memfd_create(name: &CStr, flags: MemfdFlags) -> Result<OwnedFd, Errno> {
    // SAFETY: the kernel reads the NUL-terminated name.
    let fd =
        unsafe { crate::syscall2(nr::MEMFD_CREATE, name.as_ptr() as usize, flags.0 as usize) }?;
    // SAFETY: a new descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) })
}

/// `ftruncate`: sets the length of the file. On x86, arm and mips o32 this is
/// `ftruncate64`, so lengths past 2 GiB work there too; a length above `i64::MAX` is
/// `EINVAL` without a system call.
///
/// Safe as `std::fs::File::set_len` is: shrinking a file that is mapped makes access
/// past its new end raise `SIGBUS`, which is why mapping a file (`mmap`) is unsafe.
pub fn ftruncate(fd: impl AsFd, len: u64) -> Result<(), Errno> {
    if len > i64::MAX as u64 {
        return Err(Errno::EINVAL);
    }
    // SAFETY: the call reads no memory of the process.
    Errno::result(unsafe { arch::ftruncate(fd.as_fd().as_raw_fd() as usize, len) }).map(drop)
}

/// `mlock`: keeps the pages of `addr..addr+len` in memory (faulting them in now).
/// Safe: locking changes no contents and no protection; unmapped addresses are
/// `ENOMEM`, a limit beyond `RLIMIT_MEMLOCK` is `EPERM` or `ENOMEM`.
pub fn mlock(addr: *const c_void, len: usize) -> Result<(), Errno> {
    // SAFETY: locking pages neither reads nor writes them from the process's view.
    unsafe { crate::syscall2(nr::MLOCK, addr as usize, len) }.map(drop)
}

/// `mlock2`: [`mlock`] with flags (`MlockFlags::ONFAULT`: lock pages as they are
/// touched). Linux 4.4+.
pub fn mlock2(addr: *const c_void, len: usize, flags: MlockFlags) -> Result<(), Errno> {
    // SAFETY: as for mlock.
    unsafe { crate::syscall3(nr::MLOCK2, addr as usize, len, flags.0 as usize) }.map(drop)
}

/// `munlock`: undoes [`mlock`] for `addr..addr+len`.
pub fn munlock(addr: *const c_void, len: usize) -> Result<(), Errno> {
    // SAFETY: as for mlock.
    unsafe { crate::syscall2(nr::MUNLOCK, addr as usize, len) }.map(drop)
}

/// `mincore`: for each page of `addr..addr+len` (`addr` page aligned), bit 0 of the
/// byte in `vec` says whether the page is resident. `vec` must hold one byte per page:
/// a shorter one is `EINVAL` before the system call (the kernel would write past it).
pub fn mincore(addr: *const c_void, len: usize, vec: &mut [u8]) -> Result<(), Errno> {
    // The kernel's page size; if none is known, the smallest any Linux has, which asks
    // for at least as many bytes as the kernel writes.
    let page = match crate::mem::page_size() {
        0 => 4096,
        p => p,
    };
    if vec.len() < len.div_ceil(page) {
        return Err(Errno::EINVAL);
    }
    // SAFETY: the kernel writes one byte per page of the range, which `vec` holds.
    unsafe { crate::syscall3(nr::MINCORE, addr as usize, len, vec.as_mut_ptr() as usize) }.map(drop)
}

/// `membarrier` commands (`MEMBARRIER_CMD_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MembarrierCmd(u32);

impl MembarrierCmd {
    /// The bit set of supported commands.
    pub const QUERY: MembarrierCmd = MembarrierCmd(0);
    /// A barrier on every running thread of every process (slow: waits an RCU grace period).
    pub const GLOBAL: MembarrierCmd = MembarrierCmd(1 << 0);
    /// As `GLOBAL`, for processes registered with `REGISTER_GLOBAL_EXPEDITED`.
    pub const GLOBAL_EXPEDITED: MembarrierCmd = MembarrierCmd(1 << 1);
    /// Registers the process for `GLOBAL_EXPEDITED`.
    pub const REGISTER_GLOBAL_EXPEDITED: MembarrierCmd = MembarrierCmd(1 << 2);
    /// A barrier on every running thread of this process (after registering).
    pub const PRIVATE_EXPEDITED: MembarrierCmd = MembarrierCmd(1 << 3);
    /// Registers the process for `PRIVATE_EXPEDITED`.
    pub const REGISTER_PRIVATE_EXPEDITED: MembarrierCmd = MembarrierCmd(1 << 4);
    /// As `PRIVATE_EXPEDITED`, with instruction-cache coherency (for JITs).
    pub const PRIVATE_EXPEDITED_SYNC_CORE: MembarrierCmd = MembarrierCmd(1 << 5);
    /// Registers the process for `PRIVATE_EXPEDITED_SYNC_CORE`.
    pub const REGISTER_PRIVATE_EXPEDITED_SYNC_CORE: MembarrierCmd = MembarrierCmd(1 << 6);
    /// Restarts restartable sequences of this process's threads.
    pub const PRIVATE_EXPEDITED_RSEQ: MembarrierCmd = MembarrierCmd(1 << 7);
    /// Registers the process for `PRIVATE_EXPEDITED_RSEQ`.
    pub const REGISTER_PRIVATE_EXPEDITED_RSEQ: MembarrierCmd = MembarrierCmd(1 << 8);

    /// The raw command value.
    pub const fn raw(self) -> u32 {
        self.0
    }
    /// Any command value (the kernel answers `EINVAL` for an unknown one).
    pub const fn from_raw(raw: u32) -> MembarrierCmd {
        MembarrierCmd(raw)
    }
}

/// `membarrier`: issues or registers for a memory barrier on other threads (`flags`
/// and `cpu_id` as the kernel documents; 0 for most commands). Returns the call's value:
/// the command bit set for `QUERY`, 0 otherwise. Safe: barriers and registrations
/// change no memory.
pub fn membarrier(cmd: MembarrierCmd, flags: u32, cpu_id: i32) -> Result<u32, Errno> {
    // SAFETY: the call reads and writes no memory of the process.
    unsafe { crate::syscall3(nr::MEMBARRIER, cmd.0 as usize, flags as usize, cpu_id as usize) }
        .map(|v| v as u32)
}

/// The kernel's names, from [`uname`]: `struct new_utsname` (six 65-byte fields, the
/// same on every architecture).
#[derive(Clone, Copy)]
pub struct Utsname {
    fields: [[u8; 65]; 6],
}

impl Utsname {
    fn field(&self, i: usize) -> &CStr {
        // The kernel NUL-terminates each field; a field without one reads as empty.
        CStr::from_bytes_until_nul(&self.fields[i]).unwrap_or(c"")
    }
    /// `"Linux"`.
    pub fn sysname(&self) -> &CStr {
        self.field(0)
    }
    /// The host name.
    pub fn nodename(&self) -> &CStr {
        self.field(1)
    }
    /// The kernel release (`"6.1.0-32-amd64"`).
    pub fn release(&self) -> &CStr {
        self.field(2)
    }
    /// The kernel version (build number and date).
    pub fn version(&self) -> &CStr {
        self.field(3)
    }
    /// The machine (`"x86_64"`, `"aarch64"`, ...; what the kernel or its personality says).
    pub fn machine(&self) -> &CStr {
        self.field(4)
    }
    /// The NIS domain name.
    pub fn domainname(&self) -> &CStr {
        self.field(5)
    }
}

impl core::fmt::Debug for Utsname {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Utsname")
            .field("sysname", &self.sysname())
            .field("nodename", &self.nodename())
            .field("release", &self.release())
            .field("version", &self.version())
            .field("machine", &self.machine())
            .field("domainname", &self.domainname())
            .finish()
    }
}

/// `uname`: the kernel's name, release, version and machine.
pub fn uname() -> Result<Utsname, Errno> {
    let mut u = Utsname { fields: [[0; 65]; 6] };
    // SAFETY: the kernel writes one struct new_utsname (390 bytes) into `u`.
    unsafe { crate::syscall1(nr::UNAME, u.fields.as_mut_ptr() as usize) }?;
    Ok(u)
}

/// `pidfd_open`: a descriptor that refers to process `pid` (Linux 5.3+), for
/// [`process_madvise`].
pub fn pidfd_open(pid: i32, flags: u32) -> Result<OwnedFd, Errno> {
    // SAFETY: the call reads no memory of the process.
    let fd = unsafe { crate::syscall2(nr::PIDFD_OPEN, pid as usize, flags as usize) }?;
    // SAFETY: a new descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) })
}

/// A memory range for [`process_madvise`]: `struct iovec`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct IoVec {
    /// Start of the range.
    pub base: *mut c_void,
    /// Length in bytes.
    pub len: usize,
}

/// The advice [`process_madvise_hint`] accepts: it keeps contents.
const HINTS: [Advice; 4] = [Advice::COLD, Advice::PAGEOUT, Advice::WILLNEED, Advice::COLLAPSE];

/// `process_madvise` (Linux 5.10+): gives `advice` about the ranges of `ranges` in the
/// process `pidfd` refers to; returns the number of bytes advised. `flags` must be 0.
///
/// # Safety
///
/// Since Linux 6.13 a process may give itself any advice this way, discarding advice
/// (`DONTNEED`, `FREE`, ...) included: when `pidfd` is this process, the same as for
/// [`madvise`](crate::madvise) on each range. For another process the call changes none
/// of this process's memory; [`process_madvise_hint`] is the safe form for advice that
/// keeps contents.
pub unsafe fn process_madvise(
    pidfd: impl AsFd, ranges: &[IoVec], advice: Advice, flags: u32,
) -> Result<usize, Errno> {
    // SAFETY: the kernel reads `ranges.len()` iovecs; what the advice does to them is
    // the caller's promise.
    unsafe {
        crate::syscall5(
            nr::PROCESS_MADVISE,
            pidfd.as_fd().as_raw_fd() as usize,
            ranges.as_ptr() as usize,
            ranges.len(),
            advice.raw() as usize,
            flags as usize,
        )
    }
}

/// [`process_madvise`] for the advice that keeps contents (`COLD`, `PAGEOUT`,
/// `WILLNEED`, `COLLAPSE`): safe for any process, this one included. Other advice is
/// `EINVAL` before the system call.
pub fn process_madvise_hint(
    pidfd: impl AsFd, ranges: &[IoVec], advice: Advice,
) -> Result<usize, Errno> {
    if !HINTS.contains(&advice) {
        return Err(Errno::EINVAL);
    }
    // SAFETY: none of these changes what the memory holds: cold or reclaimed pages read
    // back the same, read-ahead and collapsing into huge pages copy contents.
    unsafe { process_madvise(pidfd, ranges, advice, 0) }
}
