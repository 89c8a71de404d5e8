//! A global allocator for tests that keeps every block freed while it is
//! recording, so that the test can look afterwards at what those blocks held
//! when they were freed.
//!
//! Memory handed back to the allocator cannot be read in safe Rust, and
//! once the system allocator has it, it may be reused at once. This
//! allocator does not hand it back while recording: `dealloc` notes the
//! block and keeps it, so a test can search every block the SDK freed for a
//! secret. A block that was wiped before it was freed (`Zeroizing`,
//! `ZeroizeOnDrop`) holds zeros; one that was not holds the secret.
//!
//! `realloc` is left to `GlobalAlloc`'s default (allocate, copy, free), so
//! the block a `Vec` grows out of is kept like any other: the system
//! allocator's `realloc` may grow in place, but it may also move, and a test
//! must see the worst case.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

/// How many freed blocks one recording keeps; a recording that frees more
/// says so ([`Freed::complete`]) rather than miss them silently.
const SLOTS: usize = 1 << 18;

static RECORDING: AtomicBool = AtomicBool::new(false);
static NEXT: AtomicUsize = AtomicUsize::new(0);
static PTRS: [AtomicUsize; SLOTS] = [const { AtomicUsize::new(0) }; SLOTS];
static SIZES: [AtomicUsize; SLOTS] = [const { AtomicUsize::new(0) }; SLOTS];
static ALIGNS: [AtomicUsize; SLOTS] = [const { AtomicUsize::new(0) }; SLOTS];
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Install with `#[global_allocator] static A: KeepFreed = KeepFreed;`.
#[derive(Debug)]
pub struct KeepFreed;

// SAFETY: every request is served by `System`; a block kept while recording
// is released to `System` later with the layout it was allocated with.
unsafe impl GlobalAlloc for KeepFreed {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract is `System`'s.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if RECORDING.load(Ordering::SeqCst) {
            let slot = NEXT.fetch_add(1, Ordering::SeqCst);
            if let (Some(p), Some(s), Some(a)) = (PTRS.get(slot), SIZES.get(slot), ALIGNS.get(slot))
            {
                p.store(ptr as usize, Ordering::SeqCst);
                s.store(layout.size(), Ordering::SeqCst);
                a.store(layout.align(), Ordering::SeqCst);
                return;
            }
        }
        // SAFETY: `ptr` came from `System` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

/// Runs `f` while recording, and returns its result with the blocks it
/// freed. One recording at a time in the process (tests run on threads);
/// blocks other threads free meanwhile are kept too, which can only add to
/// what is searched. The global allocator must be [`KeepFreed`].
pub fn record<T>(f: impl FnOnce() -> T) -> (T, Freed) {
    /// Stops recording however `f` ends, so that a test that panics
    /// inside it does not leave the allocator keeping every later block.
    struct Stop;
    impl Drop for Stop {
        fn drop(&mut self) {
            RECORDING.store(false, Ordering::SeqCst);
        }
    }
    let guard = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    NEXT.store(0, Ordering::SeqCst);
    RECORDING.store(true, Ordering::SeqCst);
    let stop = Stop;
    let value = f();
    drop(stop);
    let count = NEXT.load(Ordering::SeqCst);
    (
        value,
        Freed {
            count: count.min(SLOTS),
            complete: count <= SLOTS,
            _guard: guard,
        },
    )
}

/// The blocks freed during one [`record`]; released when dropped.
#[derive(Debug)]
pub struct Freed {
    count: usize,
    complete: bool,
    _guard: MutexGuard<'static, ()>,
}

impl Freed {
    /// How many blocks were freed.
    pub fn blocks(&self) -> usize {
        self.count
    }

    /// Whether every freed block was kept (fewer than the slots).
    pub fn complete(&self) -> bool {
        self.complete
    }

    /// The sizes of the freed blocks that contain `needle`, in the order
    /// they were freed.
    pub fn containing(&self, needle: &[u8]) -> Vec<usize> {
        (0..self.count)
            .filter(|&slot| {
                let bytes = self.block(slot);
                !needle.is_empty() && bytes.windows(needle.len()).any(|w| w == needle)
            })
            .map(|slot| self.block(slot).len())
            .collect()
    }

    fn block(&self, slot: usize) -> &[u8] {
        let ptr = PTRS[slot].load(Ordering::SeqCst) as *const u8;
        let size = SIZES[slot].load(Ordering::SeqCst);
        // SAFETY: the block was allocated with this size and has not been
        // released to `System` (that happens in `drop`); nothing writes to
        // it after its owner freed it.
        unsafe { std::slice::from_raw_parts(ptr, size) }
    }
}

impl Drop for Freed {
    fn drop(&mut self) {
        for slot in 0..self.count {
            let ptr = PTRS[slot].load(Ordering::SeqCst) as *mut u8;
            let size = SIZES[slot].load(Ordering::SeqCst);
            let align = ALIGNS[slot].load(Ordering::SeqCst);
            // SAFETY: size and align are those `dealloc` received, so they
            // form a valid layout and are the ones `System` allocated with.
            unsafe { System.dealloc(ptr, Layout::from_size_align_unchecked(size, align)) }
        }
        NEXT.store(0, Ordering::SeqCst);
    }
}
