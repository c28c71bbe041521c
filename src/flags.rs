//! Typed flag sets. The values that differ between architectures (MAP_ANONYMOUS and
//! friends on mips and powerpc) come from the arch file, checked there against the
//! kernel's uapi headers; the rest are the same on every Linux architecture.

use crate::arch::consts;
use core::ops::{BitOr, BitOrAssign};

macro_rules! flag_set {
    ($(#[$doc:meta])* $name:ident($ty:ty) { $($(#[$fdoc:meta])* $flag:ident = $value:expr,)* }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub struct $name($ty);

        impl $name {
            $($(#[$fdoc])* pub const $flag: $name = $name($value);)*

            /// The raw value passed to the kernel.
            #[inline(always)]
            pub const fn bits(self) -> $ty {
                self.0
            }
            /// A set from a raw value, kept as it is (unknown bits included).
            #[inline(always)]
            pub const fn from_bits_retain(bits: $ty) -> Self {
                $name(bits)
            }
            /// Whether every flag of `other` is in `self`.
            #[inline(always)]
            pub const fn contains(self, other: Self) -> bool {
                self.0 & other.0 == other.0
            }
            /// `self` with the flags of `other` added.
            #[inline(always)]
            pub const fn union(self, other: Self) -> Self {
                $name(self.0 | other.0)
            }
            /// `self` without the flags of `other`.
            #[inline(always)]
            pub const fn difference(self, other: Self) -> Self {
                $name(self.0 & !other.0)
            }
        }

        impl BitOr for $name {
            type Output = Self;
            #[inline(always)]
            fn bitor(self, rhs: Self) -> Self {
                self.union(rhs)
            }
        }

        impl BitOrAssign for $name {
            #[inline(always)]
            fn bitor_assign(&mut self, rhs: Self) {
                *self = self.union(rhs);
            }
        }

        impl core::fmt::Debug for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                let mut rest = self.0;
                let mut first = true;
                f.write_str(concat!(stringify!($name), "("))?;
                $(
                    if $value != 0 && rest & $value == $value {
                        if !first { f.write_str(" | ")?; }
                        f.write_str(stringify!($flag))?;
                        rest &= !$value;
                        first = false;
                    }
                )*
                if rest != 0 || first {
                    if !first { f.write_str(" | ")?; }
                    write!(f, "{:#x}", rest)?;
                }
                f.write_str(")")
            }
        }
    };
}

flag_set! {
    /// Memory protection for `mmap`, `mprotect` and `pkey_mprotect` (`PROT_*`).
    Prot(u32) {
        /// No access.
        NONE = 0,
        /// Pages may be read.
        READ = 1,
        /// Pages may be written.
        WRITE = 2,
        /// Pages may be executed.
        EXEC = 4,
    }
}

flag_set! {
    /// `mmap` flags (`MAP_*`), with this architecture's values.
    MapFlags(u32) {
        /// Changes are shared with other mappings of the same object.
        SHARED = 0x01,
        /// Copy-on-write private mapping.
        PRIVATE = 0x02,
        /// Place the mapping exactly at `addr`, replacing what is there.
        FIXED = 0x10,
        /// Not backed by a file; contents start zeroed.
        ANONYMOUS = consts::MAP_ANONYMOUS,
        /// Do not reserve swap space (commit charge) for this mapping.
        NORESERVE = consts::MAP_NORESERVE,
        /// Prefault the page tables.
        POPULATE = consts::MAP_POPULATE,
        /// Back with huge pages from the hugetlb pool.
        HUGETLB = consts::MAP_HUGETLB,
        /// Like `FIXED` but fail with `EEXIST` instead of replacing (Linux 4.17+; older
        /// kernels take it as a hint, so check the address returned).
        FIXED_NOREPLACE = 0x100000,
    }
}

flag_set! {
    /// `mremap` flags (`MREMAP_*`).
    MremapFlags(u32) {
        /// The mapping may move to a new address.
        MAYMOVE = 1,
        /// Move to exactly `new_addr` (needs `MAYMOVE`).
        FIXED = 2,
        /// Leave the old range mapped (Linux 5.7+).
        DONTUNMAP = 4,
    }
}

flag_set! {
    /// `openat` flags (`O_*`), the subset whose values are the same on all ten targets.
    OFlags(u32) {
        /// Open for reading only.
        RDONLY = 0,
        /// Open for writing only.
        WRONLY = 1,
        /// Open for reading and writing.
        RDWR = 2,
        /// Close on `execve`.
        CLOEXEC = 0o2000000,
    }
}

/// Advice for `madvise` (`MADV_*`); the values are the same on all ten targets.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Advice(u32);

macro_rules! advice {
    ($($(#[$doc:meta])* $name:ident = $value:expr,)*) => {
        impl Advice {
            $($(#[$doc])* pub const $name: Advice = Advice($value);)*
        }
    };
}

advice! {
    /// No special treatment.
    NORMAL = 0,
    /// Expect random access.
    RANDOM = 1,
    /// Expect sequential access.
    SEQUENTIAL = 2,
    /// Expect access soon.
    WILLNEED = 3,
    /// Drop the pages now: private anonymous memory reads back as zero.
    DONTNEED = 4,
    /// The pages may be freed lazily; contents are undefined until written.
    FREE = 8,
    /// Do not inherit across fork.
    DONTFORK = 10,
    /// Undo `DONTFORK`.
    DOFORK = 11,
    /// Allow transparent huge pages.
    HUGEPAGE = 14,
    /// Forbid transparent huge pages.
    NOHUGEPAGE = 15,
    /// Leave out of core dumps.
    DONTDUMP = 16,
    /// Undo `DONTDUMP`.
    DODUMP = 17,
    /// Zero in the child after fork.
    WIPEONFORK = 18,
    /// Undo `WIPEONFORK`.
    KEEPONFORK = 19,
    /// Deactivate the pages: reclaimed first under memory pressure, contents kept (Linux 5.4+).
    COLD = 20,
    /// Reclaim the pages now (write them to swap or their file), contents kept (Linux 5.4+).
    PAGEOUT = 21,
    /// Populate page tables, readable (Linux 5.14+).
    POPULATE_READ = 22,
    /// Populate page tables, writable, allocating pages (Linux 5.14+).
    POPULATE_WRITE = 23,
    /// Collapse into transparent huge pages synchronously (Linux 6.1+).
    COLLAPSE = 25,
    /// Install guard markers: access faults, no VMA split (Linux 6.13+).
    GUARD_INSTALL = 102,
    /// Remove guard markers (Linux 6.13+).
    GUARD_REMOVE = 103,
}

impl Advice {
    /// The raw `MADV_*` value.
    #[inline(always)]
    pub const fn raw(self) -> u32 {
        self.0
    }
    /// Advice from a raw `MADV_*` value, unchecked (the kernel answers EINVAL for
    /// unknown advice).
    #[inline(always)]
    pub const fn from_raw(raw: u32) -> Self {
        Advice(raw)
    }
}
