//! The client facade: one object that owns a device's identity, prekeys,
//! sessions, trusted identities and groups, all kept in its [`Store`].
//!
//! Every operation runs through [`Client::run`]: under the client's lock it
//! reads what it needs, computes every state change in memory (the protocol
//! modules do the work), commits the changes as one [`Changeset`], and only
//! then updates the in-memory caches and returns its ciphertext or
//! plaintext. If anything fails (a bad message, a store error), nothing was
//! written and the caches are left as they were (a record taken out of a
//! cache for the operation is dropped, and loaded again from the committed
//! store next time). The client is `Send + Sync`: operations from several
//! threads are serialised by the lock.
//!
//! Several clients may share one store (an app and its notification
//! extension on one SQLite file; two `Client`s on one `Arc` store): each
//! operation is also one store operation ([`Store::begin`] to commit), so
//! they take turns, and a client that finds the store's generation moved
//! since its own last commit drops its caches and reads the latest state.
//!
//! One file per concern: `prekeys.rs`, `sessions.rs`, `receipts.rs`,
//! `files.rs`, `groups.rs`, `media.rs`. A facade method is short: lock, call the
//! protocol module, commit. Protocol modules never use this one.

mod files;
mod groups;
mod media;
mod prekeys;
mod receipts;
mod sessions;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use zeroize::Zeroizing;

pub use prekeys::{MAX_PREKEYS_PER_CALL, RETAINED_SIGNED_PREKEYS};
pub use receipts::{MessageId, Received};
pub use sessions::Decrypted;

use crate::codec::{DecodeError, Reader, Writer};
use crate::crypto::rng::{RandomnessUnavailable, SecretRng};
use crate::error::Error;
use crate::group::{GroupCache, Staged, StagedGroup};
use crate::identity::{DeviceAddress, IdentityKey, IdentityKeyPair};
use crate::session::SessionRecord;
use crate::store::{Changeset, MemoryStore, Operation, RecordKind, Store, StoreError};
use prekeys::Meta;

const SELF_KEY: &str = "self";
const IDENTITY_RECORD_VERSION: u8 = 1;

/// The client's state behind its lock.
struct Inner {
    store: Arc<dyn Store>,
    identity: IdentityKeyPair,
    rng: SecretRng,
    /// Prekey bookkeeping, exactly as last committed.
    meta: Meta,
    /// Decoded session records, exactly as last committed.
    sessions: HashMap<DeviceAddress, SessionRecord>,
    /// Loaded MLS groups, exactly as last committed.
    groups: GroupCache,
    /// The store's generation after this client's last operation: the
    /// caches are the committed state of exactly this generation.
    generation: u64,
    /// Set by [`Client::close`]: every call fails with [`Error::Closed`].
    closed: bool,
    /// Set when a panic unwound through an operation: the next one reloads
    /// everything from the store, whatever the generation says.
    stale: bool,
}

impl Inner {
    /// Drops every cache and reloads the prekey bookkeeping: another
    /// client committed to the store since this one last did.
    fn reload(&mut self, generation: u64) -> Result<(), Error> {
        self.sessions.clear();
        self.groups = GroupCache::default();
        self.meta = Meta::load(self.store.as_ref())?;
        self.generation = generation;
        self.stale = false;
        Ok(())
    }
}

/// One operation's pending state: the changes to commit, and what the
/// caches become once they are committed (at most one of each: no
/// operation touches more).
#[derive(Default)]
struct Txn {
    changes: Changeset,
    /// A session record to cache.
    session: Option<(DeviceAddress, SessionRecord)>,
    /// A session record to drop from the cache.
    forget_session: Option<DeviceAddress>,
    /// The new prekey bookkeeping.
    meta: Option<Meta>,
    /// A group to cache (or drop, when the operation deleted it).
    group: Option<StagedGroup>,
}

impl Txn {
    /// Takes in a protocol module's staged result: its changes join this
    /// operation's, its group is cached after the commit.
    fn stage<R>(&mut self, staged: Staged<R>) -> R {
        self.changes.append(staged.changes);
        if staged.group.is_some() {
            self.group = staged.group;
        }
        staged.output
    }
}

/// One device's end-to-end encryption client. See the crate docs for an
/// example.
pub struct Client {
    address: DeviceAddress,
    identity: IdentityKey,
    /// Shared with the replay memories of the media contexts this client
    /// built ([`Client::group_media`]), which hold it weakly.
    inner: Arc<Mutex<Inner>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("address", &self.address)
            .field("identity", &self.identity)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Opens the client for device (`user_id`, `device_id`) on `store`,
    /// creating its identity and signed prekeys on first use. Every secret
    /// (identity, prekey, ephemeral, ratchet, ML-KEM and MLS keys) is drawn
    /// from the operating system's generator when it is needed; the client
    /// keeps no generator state, so a memory snapshot of the process does
    /// not regenerate the secrets drawn before or after it.
    ///
    /// # Errors
    /// [`Error::Identity`] for an invalid address, [`Error::InvalidInput`]
    /// when the store belongs to another device, [`Error::Store`],
    /// [`Error::Internal`] when the system has no randomness.
    pub fn open<S: Store + 'static>(
        store: S,
        user_id: &str,
        device_id: &str,
    ) -> Result<Self, Error> {
        Self::open_with_rng(store, user_id, device_id, SecretRng::os())
    }

    /// As [`Client::open`] with every secret drawn from one ChaCha20 stream
    /// from `seed`: deterministic, for tests, benchmarks and known-answer
    /// vectors only. Not quite every secret: the HPKE inside openmls
    /// (`hpke-rs`) seeds its own generator from the system for each seal, so
    /// MLS welcomes and commits still differ from run to run, and so do the
    /// keys of the `Mls` records that hash them. What it gives up: the seed, or a memory snapshot of the
    /// stream, regenerates every secret the client drew since it opened and
    /// every one it will draw (no forward secrecy against a snapshot). Never
    /// use it in production, and never reopen a store with a seed used
    /// before: the stream restarts from the seed, so the reopened client
    /// would repeat its ratchet keys.
    ///
    /// # Errors
    /// As [`Client::open`].
    pub fn open_with_seed<S: Store + 'static>(
        store: S,
        user_id: &str,
        device_id: &str,
        seed: [u8; 32],
    ) -> Result<Self, Error> {
        Self::open_with_rng(store, user_id, device_id, SecretRng::seeded(seed))
    }

    fn open_with_rng<S: Store + 'static>(
        store: S,
        user_id: &str,
        device_id: &str,
        mut rng: SecretRng,
    ) -> Result<Self, Error> {
        let address = DeviceAddress::new(user_id, device_id)?;
        let store: Arc<dyn Store> = Arc::new(store);
        // Under one store operation, so that two processes opening a new
        // store at once do not both create an identity.
        let operation = Operation::begin(store.as_ref())?;
        let mut changes = Changeset::new();
        let (identity, meta) = match store.get(RecordKind::Identity, SELF_KEY)? {
            Some(bytes) => {
                let (stored_address, identity) =
                    decode_identity(&bytes).map_err(|_| corrupt(RecordKind::Identity, SELF_KEY))?;
                if stored_address != address {
                    return Err(Error::InvalidInput(format!(
                        "this store belongs to {stored_address}"
                    )));
                }
                (identity, Meta::load(store.as_ref())?)
            }
            None => {
                let identity = IdentityKeyPair::generate(&mut rng);
                changes.put(
                    RecordKind::Identity,
                    SELF_KEY,
                    encode_identity(&address, &identity),
                );
                let meta = Meta::first(&mut rng, &identity, &mut changes)?;
                (identity, meta)
            }
        };
        rng.check().map_err(no_randomness)?;
        let generation = operation.commit(changes)?;
        Ok(Self {
            address,
            identity: *identity.public(),
            inner: Arc::new(Mutex::new(Inner {
                store,
                identity,
                rng,
                meta,
                sessions: HashMap::new(),
                groups: GroupCache::default(),
                generation,
                closed: false,
                stale: false,
            })),
        })
    }

    /// This device's address.
    pub fn address(&self) -> &DeviceAddress {
        &self.address
    }

    /// This device's public identity.
    pub fn identity(&self) -> &IdentityKey {
        &self.identity
    }

    /// The store's generation after this client's last operation. An app
    /// on a [`crate::store::SqliteStore`] keeps it outside the database
    /// (e.g. in the keychain) and opens with
    /// [`crate::store::SqliteStore::open_anchored`], so that an older copy
    /// of the database is refused. It grows with every commit.
    ///
    /// # Errors
    /// [`Error::Closed`].
    pub fn store_generation(&self) -> Result<u64, Error> {
        Ok(self.lock()?.generation)
    }

    /// Closes the client: drops its caches and its store (a SQLite store
    /// checkpoints its WAL and closes the file), so that another process
    /// can have it to itself. Every later call fails with
    /// [`Error::Closed`]; closing again does nothing. Dropping the client
    /// does the same.
    ///
    /// # Errors
    /// None: closing cannot fail (it also works after a panic in an
    /// earlier call); the `Result` is kept for the bindings' sake.
    pub fn close(&self) -> Result<(), Error> {
        let mut inner = self.recovering_lock();
        if !inner.closed {
            inner.closed = true;
            inner.sessions.clear();
            inner.groups = GroupCache::default();
            inner.store = Arc::new(MemoryStore::new());
        }
        Ok(())
    }

    fn recovering_lock(&self) -> MutexGuard<'_, Inner> {
        recovering_lock(&self.inner)
    }

    fn lock(&self) -> Result<MutexGuard<'_, Inner>, Error> {
        lock(&self.inner)
    }

    /// Runs one operation; see [`run`].
    fn run<R>(
        &self,
        operation: impl FnOnce(&mut Inner, &mut Txn) -> Result<R, Error>,
    ) -> Result<R, Error> {
        run(&self.inner, operation)
    }
}

/// The client's lock, recovered if a panic poisoned it (in openmls, in a
/// store, in an app's store implementation): every operation keeps what it
/// changes out of the caches until its changes are committed, and its
/// store operation rolls back as the panic unwinds through it
/// (`Operation`'s `Drop`), so nothing half-done is left behind. The caches
/// are dropped anyway, and the next operation reloads them from the store
/// (which also covers a panic after the store committed).
fn recovering_lock(shared: &Mutex<Inner>) -> MutexGuard<'_, Inner> {
    match shared.lock() {
        Ok(inner) => inner,
        Err(poisoned) => {
            let mut inner = poisoned.into_inner();
            inner.sessions.clear();
            inner.groups = GroupCache::default();
            inner.stale = true;
            shared.clear_poison();
            inner
        }
    }
}

fn lock(shared: &Mutex<Inner>) -> Result<MutexGuard<'_, Inner>, Error> {
    let inner = recovering_lock(shared);
    if inner.closed {
        return Err(Error::Closed);
    }
    Ok(inner)
}

/// Runs one operation: under the client's lock and one store operation
/// (waiting for any other client on the same store), with the caches
/// reloaded if another client committed since this one's last operation,
/// `operation` computes its output and its changes; the changes are
/// committed once, then the caches are updated, then the output is handed
/// out. On any error (or a panic) nothing is committed and no cache is
/// updated.
fn run<R>(
    shared: &Mutex<Inner>,
    operation: impl FnOnce(&mut Inner, &mut Txn) -> Result<R, Error>,
) -> Result<R, Error> {
    let mut guard = lock(shared)?;
    let inner = &mut *guard;
    // `operation` borrows `inner` mutably: hold the store operation
    // through a second handle to the store.
    let store = Arc::clone(&inner.store);
    let store_operation = Operation::begin(store.as_ref())?;
    if inner.stale || store_operation.generation() != inner.generation {
        inner.reload(store_operation.generation())?;
    }
    let mut txn = Txn::default();
    let output = operation(inner, &mut txn);
    // Nothing drawn from a failed system generator is committed or
    // handed out.
    inner.rng.check().map_err(no_randomness)?;
    let output = output?;
    inner.generation = store_operation.commit(txn.changes)?;
    if let Some((peer, record)) = txn.session {
        inner.sessions.insert(peer, record);
    }
    if let Some(peer) = txn.forget_session {
        inner.sessions.remove(&peer);
    }
    if let Some(meta) = txn.meta {
        inner.meta = meta;
    }
    if let Some(group) = txn.group {
        inner.groups.restore(group);
    }
    Ok(output)
}

fn no_randomness(_: RandomnessUnavailable) -> Error {
    Error::Internal("no system randomness".into())
}

fn corrupt(kind: RecordKind, key: &str) -> Error {
    Error::Store(StoreError::Corrupt {
        kind,
        key: key.to_owned(),
    })
}

/// This device's identity record: `u8 version = 1 ‖ DeviceAddress ‖ the
/// 64 secret bytes of the identity key pair`.
fn encode_identity(address: &DeviceAddress, identity: &IdentityKeyPair) -> Zeroizing<Vec<u8>> {
    let mut w = Writer::default();
    w.u8(IDENTITY_RECORD_VERSION);
    address.write(&mut w);
    w.raw(identity.secret_bytes().as_ref());
    w.into_secret()
}

fn decode_identity(bytes: &[u8]) -> Result<(DeviceAddress, IdentityKeyPair), DecodeError> {
    let mut r = Reader::new(bytes);
    let version = r.u8()?;
    if version != IDENTITY_RECORD_VERSION {
        return Err(DecodeError::UnsupportedVersion(version));
    }
    let address = DeviceAddress::read(&mut r)?;
    let secret = Zeroizing::new(r.array::<64>()?);
    r.finish()?;
    Ok((address, IdentityKeyPair::from_secret_bytes(&secret)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::OneTimePrekey;

    /// The next one-time prekey `client` publishes, and the one an attacker
    /// holding a memory snapshot of its generator, taken just before,
    /// would compute.
    fn next_prekey_and_its_prediction(client: &Client) -> ([u8; 32], [u8; 32]) {
        let mut snapshot = client.lock().unwrap().rng.snapshot();
        let bundle = client.prekey_bundle(1).unwrap();
        let published = &bundle.one_time[0];
        let predicted = OneTimePrekey::generate(&mut snapshot, published.id).public();
        (published.key, predicted.key)
    }

    #[test]
    fn a_memory_snapshot_of_an_opened_client_does_not_predict_its_next_secret() {
        let client = Client::open(MemoryStore::new(), "alice", "phone").unwrap();
        let (published, predicted) = next_prekey_and_its_prediction(&client);
        assert_ne!(published, predicted);
    }

    #[test]
    fn a_memory_snapshot_of_a_seeded_client_predicts_it_which_is_what_the_seed_gives_up() {
        let client = Client::open_with_seed(MemoryStore::new(), "alice", "phone", [3; 32]).unwrap();
        let (published, predicted) = next_prekey_and_its_prediction(&client);
        assert_eq!(published, predicted);
    }

    #[test]
    fn a_failed_system_generator_commits_and_returns_nothing() {
        let client = Client::open(MemoryStore::new(), "alice", "phone").unwrap();
        let generation = client.lock().unwrap().generation;
        // As if the system generator failed during the next operation.
        client.lock().unwrap().rng.fail_next();
        let error = client.prekey_bundle(2).unwrap_err();
        assert_eq!(error.kind(), crate::ErrorKind::Internal);
        assert_eq!(client.lock().unwrap().generation, generation);
        assert!(
            client.prekey_bundle(2).is_ok(),
            "the next operation draws again"
        );
    }
}
