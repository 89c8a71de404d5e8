//! What several targets share: editing a real message at an offset (the
//! structure-aware shapes), and a device whose stored state can be put back
//! after a call that changed it.

use std::sync::Arc;

use sealkit::file::FileError;
use sealkit::store::{Changeset, MemoryStore, RecordKind, Store, Zeroizing};
use sealkit::{Client, ErrorKind};

/// Every record of a store, as [`MemoryStore::snapshot`] lists them.
pub type Snapshot = Vec<(RecordKind, String, Zeroizing<Vec<u8>>)>;

/// How [`edit`] changes a real message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Edit {
    /// The patch is written over the message at the offset, extending it
    /// if it runs past the end.
    Overwrite,
    /// The patch is inserted at the offset.
    Insert,
    /// The message is cut at the offset (the patch is ignored).
    Truncate,
}

/// Real message `rest[0] % messages.len()` with `rest[3..]` written over it,
/// inserted into it, or cutting it, at offset `u16::from_be_bytes(rest[1..3])`
/// (clamped to its length). `[i, 0, 0]` with [`Edit::Overwrite`] or
/// [`Edit::Insert`] is message `i` unchanged. Returns the index and the
/// edited copy.
pub fn edit<M: AsRef<[u8]>>(messages: &[M], rest: &[u8], how: Edit) -> (usize, Vec<u8>) {
    let (index, offset, patch) = match rest {
        [index, high, low, patch @ ..] => (
            usize::from(*index),
            usize::from(u16::from_be_bytes([*high, *low])),
            patch,
        ),
        [index, ..] => (usize::from(*index), 0, &[][..]),
        [] => (0, 0, &[][..]),
    };
    let index = index % messages.len();
    let mut message = messages[index].as_ref().to_vec();
    let offset = offset.min(message.len());
    match how {
        Edit::Insert => {
            message.splice(offset..offset, patch.iter().copied());
        }
        Edit::Overwrite => {
            let end = (offset + patch.len()).min(message.len());
            message.splice(offset..end, patch.iter().copied());
        }
        Edit::Truncate => message.truncate(offset),
    }
    (index, message)
}

/// A memory store holding exactly `records`.
pub fn store_from(records: &[(RecordKind, String, Zeroizing<Vec<u8>>)]) -> Arc<MemoryStore> {
    let store = Arc::new(MemoryStore::new());
    let mut changes = Changeset::new();
    for (kind, key, value) in records {
        changes.put(*kind, key.clone(), value.clone());
    }
    if !changes.is_empty() {
        store.commit(changes).expect("fill a memory store");
    }
    store
}

/// The crate's error types, by their kind.
pub trait TypedError: std::fmt::Display {
    /// What the app should do about it.
    fn error_kind(&self) -> ErrorKind;
}

impl TypedError for sealkit::Error {
    fn error_kind(&self) -> ErrorKind {
        self.kind()
    }
}

impl TypedError for sealkit::media::MediaError {
    fn error_kind(&self) -> ErrorKind {
        self.kind()
    }
}

impl TypedError for FileError {
    fn error_kind(&self) -> ErrorKind {
        self.kind()
    }
}

/// Lets a panic unwind to the `catch_unwind` in `Client`'s group
/// operations (which turns openmls's assertions on bad state into a typed
/// error) instead of aborting at once in libFuzzer's panic hook: the
/// default hook is put back, which prints the panic and unwinds. A panic
/// that nothing in the core catches still fails the run: `fuzz_target!`
/// aborts on any panic that unwinds out of the target.
pub fn let_the_client_catch_panics() {
    drop(std::panic::take_hook());
}

/// A failed call's error, checked: a typed error of a kind an app can act
/// on. `Internal` is reserved for a poisoned lock (an earlier panic) and a
/// system without randomness, neither of which bad input can cause.
pub fn check_error(error: &impl TypedError, call: &str) {
    assert_ne!(
        error.error_kind(),
        ErrorKind::Internal,
        "{call} failed with an internal error: {error}"
    );
    // The message is built without panicking.
    let _ = error.to_string();
}

/// A device whose state is put back after every call that changed it.
pub struct Device {
    pub user: &'static str,
    pub device: &'static str,
    pub seed: [u8; 32],
    pub baseline: Snapshot,
    pub store: Arc<MemoryStore>,
    pub client: Client,
}

impl Device {
    pub fn new(user: &'static str, device: &'static str, seed: u8) -> Self {
        let store = Arc::new(MemoryStore::new());
        let client = Client::open_with_seed(Arc::clone(&store), user, device, [seed; 32])
            .expect("open client");
        Device {
            user,
            device,
            seed: [seed; 32],
            baseline: Vec::new(),
            store,
            client,
        }
    }

    /// The state to go back to.
    pub fn mark_baseline(&mut self) {
        self.baseline = self.store.snapshot();
    }

    /// A new store holding the baseline and a client reopened on it (the
    /// old client's in-memory caches went forward too). The client draws
    /// from its seed again: fine for a fuzz target, never for an app.
    pub fn restore(&mut self) {
        let store = store_from(&self.baseline);
        self.client = Client::open_with_seed(Arc::clone(&store), self.user, self.device, self.seed)
            .expect("reopen client");
        self.store = store;
    }
}
