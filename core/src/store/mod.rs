//! The store interface: where the client keeps identity, prekeys, sessions
//! and trusted identities, and how one operation becomes one transaction.
//!
//! The client reads the records an operation needs, computes every change in
//! memory, and hands them to [`Store::commit`] as one [`Changeset`]. A store
//! applies a changeset atomically and durably before returning, so the
//! client hands out a plaintext or ciphertext only after the state change
//! that produced it is on disk; when anything fails, nothing is applied.
//! The interface is synchronous; `docs/adr/0002-sync-store.md` explains how
//! the asynchronous browser store fits behind it.

mod memory;
#[cfg(all(feature = "sqlite", not(target_arch = "wasm32")))]
mod sqlite;

pub use memory::MemoryStore;
#[cfg(all(feature = "sqlite", not(target_arch = "wasm32")))]
pub use sqlite::{SCHEMA_VERSION, SqliteStore};

use thiserror::Error;
/// Re-exported so that store implementations can name the value type.
pub use zeroize::Zeroizing;

/// Which table a record belongs to. The numbers are part of the storage
/// format: never reuse one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum RecordKind {
    /// This device's identity and address (one record, key `self`).
    Identity = 1,
    /// Signed X25519 prekeys, by id.
    SignedPrekey = 2,
    /// One-time X25519 prekeys, by id.
    OneTimePrekey = 3,
    /// ML-KEM-768 prekeys (one-time and last resort), by id.
    PqPrekey = 4,
    /// Session records, by remote device.
    Session = 5,
    /// Trusted identities of remote devices, by remote device.
    TrustedIdentity = 6,
    /// Client bookkeeping (prekey id counters), key `state`.
    Meta = 7,
    /// openmls group state (trees, epoch secrets, key packages), written
    /// through `group`'s storage provider; key `1/{label}/{base64url(key)}`.
    Mls = 8,
    /// Sealkit's per-group bookkeeping (messages buffered for a future
    /// epoch), by group id.
    Group = 9,
}

impl RecordKind {
    /// Every kind, for stores that enumerate.
    pub const ALL: [RecordKind; 9] = [
        RecordKind::Identity,
        RecordKind::SignedPrekey,
        RecordKind::OneTimePrekey,
        RecordKind::PqPrekey,
        RecordKind::Session,
        RecordKind::TrustedIdentity,
        RecordKind::Meta,
        RecordKind::Mls,
        RecordKind::Group,
    ];

    /// The kind for a stored number.
    pub fn from_u8(value: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| *kind as u8 == value)
    }
}

/// One change in a [`Changeset`].
#[derive(Debug)]
pub enum Change {
    /// Insert or replace a record.
    Put {
        /// Table.
        kind: RecordKind,
        /// Key within the table.
        key: String,
        /// Serialized record (may hold secrets; zeroized on drop).
        value: Zeroizing<Vec<u8>>,
    },
    /// Remove a record (no error if absent).
    Delete {
        /// Table.
        kind: RecordKind,
        /// Key within the table.
        key: String,
    },
}

/// The writes of one operation, applied all together or not at all.
#[derive(Debug, Default)]
pub struct Changeset {
    changes: Vec<Change>,
}

impl Changeset {
    /// An empty changeset.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an insert-or-replace.
    pub fn put(
        &mut self,
        kind: RecordKind,
        key: impl Into<String>,
        value: Zeroizing<Vec<u8>>,
    ) -> &mut Self {
        self.changes.push(Change::Put {
            kind,
            key: key.into(),
            value,
        });
        self
    }

    /// Adds a delete.
    pub fn delete(&mut self, kind: RecordKind, key: impl Into<String>) -> &mut Self {
        self.changes.push(Change::Delete {
            kind,
            key: key.into(),
        });
        self
    }

    /// The changes, in order.
    pub fn changes(&self) -> &[Change] {
        &self.changes
    }

    /// The changes, in order, by value (a store may move the values).
    pub fn into_changes(self) -> Vec<Change> {
        self.changes
    }

    /// Moves every change of `other` to the end of this changeset.
    pub(crate) fn append(&mut self, other: Changeset) {
        self.changes.extend(other.changes);
    }

    /// Whether there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

/// Errors of a store. Messages never include record values.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The backend failed (I/O, SQLite, a foreign store's exception).
    #[error("storage backend failed: {0}")]
    Backend(String),
    /// The storage key does not open this store.
    #[error("the storage key does not open this store")]
    WrongStorageKey,
    /// A record failed to decrypt or parse: tampered or corrupted at rest.
    #[error("stored record {kind:?}/{key} is corrupt")]
    Corrupt {
        /// Table.
        kind: RecordKind,
        /// Key.
        key: String,
    },
    /// The database was written by a newer schema than this build knows.
    #[error("store schema version {0} is newer than this build supports")]
    UnsupportedSchema(u32),
}

/// Where a client keeps its state. Implementations must make
/// [`Store::commit`] atomic (all changes or none) and durable on return.
/// One client owns a store at a time.
pub trait Store: Send + Sync {
    /// Reads one record.
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails or the record is corrupt.
    fn get(&self, kind: RecordKind, key: &str) -> Result<Option<Zeroizing<Vec<u8>>>, StoreError>;

    /// Lists the keys of one table, in ascending order.
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails.
    fn keys(&self, kind: RecordKind) -> Result<Vec<String>, StoreError>;

    /// Applies every change, atomically and durably.
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails; then nothing was applied.
    fn commit(&self, changes: Changeset) -> Result<(), StoreError>;
}

impl<S: Store + ?Sized> Store for std::sync::Arc<S> {
    fn get(&self, kind: RecordKind, key: &str) -> Result<Option<Zeroizing<Vec<u8>>>, StoreError> {
        (**self).get(kind, key)
    }

    fn keys(&self, kind: RecordKind) -> Result<Vec<String>, StoreError> {
        (**self).keys(kind)
    }

    fn commit(&self, changes: Changeset) -> Result<(), StoreError> {
        (**self).commit(changes)
    }
}
