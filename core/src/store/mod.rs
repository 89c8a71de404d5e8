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
pub use sqlite::{CHECKPOINT_EVERY, OLD_VALUE_BOUND, SCHEMA_VERSION, SqliteStore};

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
    /// Messages decrypted with a receipt and not yet acknowledged by the
    /// app ([`crate::Client::decrypt_with_receipt`]), by message id (64
    /// lowercase hex digits).
    Received = 10,
    /// Initial messages answered on a last-resort ML-KEM prekey with no
    /// one-time prekey, so that a replay of one is refused: key
    /// `{pq prekey id}/{signed prekey id}/{hex(base key)}`, deleted with
    /// the last-resort prekey.
    LastResortUse = 11,
    /// Replay floors of the media contexts of a group (the highest SFrame
    /// counter accepted per Key ID, so that a context built after a restart
    /// refuses replays), by group id; deleted with the group.
    MediaReplay = 12,
}

impl RecordKind {
    /// Every kind, for stores that enumerate.
    pub const ALL: [RecordKind; 12] = [
        RecordKind::Identity,
        RecordKind::SignedPrekey,
        RecordKind::OneTimePrekey,
        RecordKind::PqPrekey,
        RecordKind::Session,
        RecordKind::TrustedIdentity,
        RecordKind::Meta,
        RecordKind::Mls,
        RecordKind::Group,
        RecordKind::Received,
        RecordKind::LastResortUse,
        RecordKind::MediaReplay,
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
    /// Another client (in this process or another) held the store for
    /// longer than the store waits for it.
    #[error("the store is busy: another client held it for {waited_ms} ms")]
    Busy {
        /// How long this call waited, in milliseconds.
        waited_ms: u64,
    },
    /// The database is older than the generation the app anchored outside
    /// it: a restored backup or copy. Using it would reuse keys.
    #[error(
        "the store is at generation {generation}, older than the anchored generation {anchor}: \
         it was rolled back"
    )]
    RolledBack {
        /// The generation the database holds.
        generation: u64,
        /// The generation the app said it had seen.
        anchor: u64,
    },
    /// The records do not add up to the digest the database committed:
    /// a row was written back from an older copy, removed or added outside
    /// Sealkit. Using it would reuse keys.
    #[error("the stored records do not match the committed digest: a record was rolled back")]
    RecordsRolledBack,
}

/// Where a client keeps its state.
///
/// # The contract
/// A client runs every operation as `begin`, any number of `get` and
/// `keys`, then exactly one of `commit` or `rollback`:
///
/// - [`Store::begin`] waits until no other operation on this store is open
///   (from any client, in this process or another one sharing the same
///   database) and returns the store's **generation**, a number that
///   changes with every commit. A client that sees a generation other than
///   the one its last commit returned knows another client wrote, and
///   reloads what it cached.
/// - Reads between `begin` and the end see the latest committed state.
/// - [`Store::commit`] applies every change atomically (all or none) and
///   durably before it returns, ends the operation and returns the new
///   generation. It ends the operation on error too; then nothing was
///   applied.
/// - [`Store::rollback`] ends the operation without writing.
///
/// Reads outside an operation are allowed (tests, inspection) but see no
/// guarantee against a concurrent commit.
pub trait Store: Send + Sync {
    /// Starts an operation: waits for exclusive use of the store and
    /// returns its generation.
    ///
    /// # Errors
    /// [`StoreError::Busy`] when another client held the store for longer
    /// than the store waits; [`StoreError`] when the backend fails or
    /// detects a rollback.
    fn begin(&self) -> Result<u64, StoreError>;

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

    /// Applies every change, atomically and durably, ends the operation
    /// and returns the new generation.
    ///
    /// # Errors
    /// [`StoreError`] when the backend fails; then nothing was applied (and
    /// the operation has ended).
    fn commit(&self, changes: Changeset) -> Result<u64, StoreError>;

    /// Ends the operation without writing anything. Does nothing when this
    /// thread has no operation open: the client calls it after a commit
    /// that panicked, whether or not the commit had ended the operation.
    fn rollback(&self);
}

impl<S: Store + ?Sized> Store for std::sync::Arc<S> {
    fn begin(&self) -> Result<u64, StoreError> {
        (**self).begin()
    }

    fn get(&self, kind: RecordKind, key: &str) -> Result<Option<Zeroizing<Vec<u8>>>, StoreError> {
        (**self).get(kind, key)
    }

    fn keys(&self, kind: RecordKind) -> Result<Vec<String>, StoreError> {
        (**self).keys(kind)
    }

    fn commit(&self, changes: Changeset) -> Result<u64, StoreError> {
        (**self).commit(changes)
    }

    fn rollback(&self) {
        (**self).rollback();
    }
}

/// An open operation on a store: ends it with [`Store::rollback`] when
/// dropped without [`Operation::commit`], so that an error or a panic in
/// the middle never leaves the store held.
#[must_use = "an operation rolls back when dropped"]
pub struct Operation<'a> {
    store: &'a dyn Store,
    generation: u64,
    open: bool,
}

impl<'a> Operation<'a> {
    /// Begins an operation on `store` ([`Store::begin`]).
    ///
    /// # Errors
    /// As [`Store::begin`].
    pub fn begin(store: &'a dyn Store) -> Result<Self, StoreError> {
        let generation = store.begin()?;
        Ok(Self {
            store,
            generation,
            open: true,
        })
    }

    /// The store's generation when the operation began.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Commits `changes` (or, when there are none, rolls back) and returns
    /// the store's generation after it.
    ///
    /// # Errors
    /// As [`Store::commit`].
    pub fn commit(mut self, changes: Changeset) -> Result<u64, StoreError> {
        if changes.is_empty() {
            self.open = false;
            self.store.rollback();
            return Ok(self.generation);
        }
        // Still open while the store commits: if the store panics, the
        // unwinding drop ends the operation (a rollback of an operation the
        // store already ended does nothing).
        let result = self.store.commit(changes);
        self.open = false;
        result
    }
}

impl Drop for Operation<'_> {
    fn drop(&mut self) {
        if self.open {
            self.store.rollback();
        }
    }
}

impl std::fmt::Debug for Operation<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Operation")
            .field("generation", &self.generation)
            .field("open", &self.open)
            .finish_non_exhaustive()
    }
}

/// How long [`Store::begin`] waits for another client's operation to end
/// before it reports [`StoreError::Busy`], in the stores of this crate.
pub const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Exclusive use of a store within one process: what [`Store::begin`]
/// waits for when several clients share one store object. Held from
/// `begin` to `commit` or `rollback`, which are separate calls, so it is an
/// owner and a condition variable rather than a guard. The owner is the
/// thread that began (a client runs an operation on one thread, under its
/// own lock).
#[derive(Debug, Default)]
pub(crate) struct Gate {
    state: std::sync::Mutex<GateState>,
    released: std::sync::Condvar,
}

#[derive(Debug, Default)]
struct GateState {
    owner: Option<std::thread::ThreadId>,
    /// Threads waiting in `enter`: `leave` wakes one only when there is one.
    waiting: usize,
}

impl Gate {
    fn state(&self) -> std::sync::MutexGuard<'_, GateState> {
        // The flag stays meaningful after a panic elsewhere: use it anyway.
        match self.state.lock() {
            Ok(state) => state,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Waits (at most `timeout`) until no other thread holds the gate,
    /// then holds it.
    pub(crate) fn enter(&self, timeout: std::time::Duration) -> Result<(), StoreError> {
        let me = std::thread::current().id();
        let mut state = self.state();
        match state.owner {
            None => {
                state.owner = Some(me);
                return Ok(());
            }
            Some(owner) if owner == me => {
                return Err(StoreError::Backend(
                    "an operation is already open on this store in this thread".into(),
                ));
            }
            Some(_) => {}
        }
        let started = std::time::Instant::now();
        state.waiting += 1;
        let (mut state, _) = match self
            .released
            .wait_timeout_while(state, timeout, |state| state.owner.is_some())
        {
            Ok(waited) => waited,
            Err(poisoned) => poisoned.into_inner(),
        };
        state.waiting -= 1;
        if state.owner.is_some() {
            return Err(StoreError::Busy {
                waited_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            });
        }
        state.owner = Some(me);
        Ok(())
    }

    /// Whether this thread holds the gate.
    pub(crate) fn is_mine(&self) -> bool {
        self.state().owner == Some(std::thread::current().id())
    }

    /// Releases the gate if this thread holds it.
    pub(crate) fn leave(&self) {
        let mut state = self.state();
        if state.owner == Some(std::thread::current().id()) {
            state.owner = None;
            let waiting = state.waiting > 0;
            drop(state);
            if waiting {
                self.released.notify_one();
            }
        }
    }
}
