//! `Registry`: reservations a signal handler can find by address.

use super::Reservation;
use core::cell::UnsafeCell;
use core::mem::MaybeUninit;
use core::sync::atomic::{AtomicU8, Ordering};

const EMPTY: u8 = 0;
const WRITING: u8 = 1;
const FULL: u8 = 2;

struct Slot {
    state: AtomicU8,
    value: UnsafeCell<MaybeUninit<Reservation>>,
}

/// Up to `N` reservations that a signal handler can look up by address, without
/// allocation or locks: a fixed table, meant to be a `static`.
///
/// A reservation moves in with [`insert`](Self::insert) and stays for the rest of the
/// process (it is never dropped, so never unmapped): that is what lets a handler use the
/// `&'static Reservation` that [`find`](Self::find) returns at any moment, from any
/// thread, even while another thread inserts. [`find`](Self::find) reads only atomics and the
/// reservations themselves, so it is safe in a signal handler; so are the calls the
/// [module documentation](super#in-a-signal-handler) lists.
///
/// ```
/// use baresys::mem::{Registry, Reservation};
///
/// static HEAPS: Registry<2> = Registry::new();
/// let page = baresys::mem::page_size();
/// let heap = HEAPS.insert(Reservation::reserve(4 * page)?).ok().unwrap();
/// let addr = heap.as_ptr() as usize + page + 8;
/// let (found, off) = HEAPS.find(addr).unwrap();
/// assert!(core::ptr::eq(found, heap));
/// assert_eq!(off, page + 8);
/// assert!(HEAPS.find(heap.as_ptr() as usize + 4 * page).is_none());
/// # Ok::<(), baresys::mem::Error>(())
/// ```
pub struct Registry<const N: usize> {
    slots: [Slot; N],
}

// SAFETY: a slot's value is written once, by the one thread that moved its state from
// EMPTY to WRITING, and only read after a FULL state was seen (Acquire, pairing with the
// Release store that publishes it); `Reservation` is Send and Sync.
unsafe impl<const N: usize> Sync for Registry<N> {}

impl<const N: usize> Registry<N> {
    /// An empty registry.
    pub const fn new() -> Self {
        Registry {
            slots: [const {
                Slot { state: AtomicU8::new(EMPTY), value: UnsafeCell::new(MaybeUninit::uninit()) }
            }; N],
        }
    }

    /// Moves `r` in for the rest of the process and returns it, or gives it back when
    /// all `N` slots are taken.
    pub fn insert(&'static self, r: Reservation) -> Result<&'static Reservation, Reservation> {
        for slot in &self.slots {
            if slot
                .state
                .compare_exchange(EMPTY, WRITING, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
            {
                // SAFETY: this thread alone moved the slot to WRITING; nobody reads the
                // value before it is FULL.
                let r = unsafe { (*slot.value.get()).write(r) };
                slot.state.store(FULL, Ordering::Release);
                return Ok(r);
            }
        }
        Err(r)
    }

    /// The reservation `addr` lies in, and the offset there. Async-signal-safe.
    pub fn find(&'static self, addr: usize) -> Option<(&'static Reservation, usize)> {
        self.iter().find_map(|r| r.offset_of(addr).map(|off| (r, off)))
    }

    /// The reservations in the registry.
    pub fn iter(&'static self) -> impl Iterator<Item = &'static Reservation> {
        self.slots.iter().filter_map(|slot| {
            if slot.state.load(Ordering::Acquire) == FULL {
                // SAFETY: FULL slots hold an initialized value that never changes again.
                Some(unsafe { (*slot.value.get()).assume_init_ref() })
            } else {
                None
            }
        })
    }
}

impl<const N: usize> Default for Registry<N> {
    fn default() -> Self {
        Self::new()
    }
}
