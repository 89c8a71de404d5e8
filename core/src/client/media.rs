//! Call media through the facade: the SFrame (RFC 9605) context of a
//! group's current epoch, keyed from the MLS exporter (section 5.2), and
//! its rekeying after an epoch change. The frames are encrypted by
//! [`crate::media`]; the exporter and the context reservation are in
//! [`crate::group`]. The replay memory of the contexts built here keeps
//! their replay floors in the store (`RecordKind::MediaReplay`).

use std::sync::{Arc, Mutex, Weak};

use zeroize::Zeroizing;

use super::{Client, Inner, corrupt, run};
use crate::error::Error;
use crate::group::{self, GroupError};
use crate::media::{
    EpochSecret, FloorRecord, MediaCipherSuite, MediaConfig, MediaContext, MediaError, ReplayFloor,
    ReplayMemory,
};
use crate::store::{RecordKind, Store};

impl Client {
    /// The SFrame key material of the group's current epoch, as RFC 9605
    /// section 5.2 derives it: `MLS-Exporter("SFrame 1.0 Base Key", "",
    /// AEAD.Nk)`, with the epoch and this device's leaf index (its SFrame
    /// sender index), and an SFrame context value reserved in the store for
    /// one context: every call reserves a new one, so contexts built again
    /// (after a restart, or twice) never send with the same Key ID and
    /// nonce.
    ///
    /// # Errors
    /// [`GroupError::UnknownGroup`](crate::GroupError::UnknownGroup),
    /// [`Error::Store`].
    pub fn group_media_epoch(
        &self,
        group_id: &str,
        suite: MediaCipherSuite,
    ) -> Result<EpochSecret, Error> {
        self.group_operation(|groups, context| {
            group::media_epoch_secret(groups, context, group_id, suite)
        })
    }

    /// A media (SFrame) context for the group's current epoch, with its own
    /// context value (several contexts of this device in one epoch, after a
    /// restart or at once, never share a nonce, and receivers keep them
    /// apart), and a replay memory in this client's store: before it hands
    /// out a frame whose counter is past what it reserved, it raises that
    /// sender's replay floor in the store (one write per
    /// [`REPLAY_FLOOR_STEP`](crate::media::REPLAY_FLOOR_STEP) frames per
    /// sender), and a context built after a restart refuses every frame an
    /// earlier one may have accepted. After a
    /// [`GroupEvent::EpochChanged`](crate::GroupEvent::EpochChanged), call
    /// [`Client::rekey_group_media`].
    ///
    /// The context outlives neither the client nor its group for
    /// decryption: once the client is closed or dropped, or this device left
    /// the group, frames that need a new floor fail with
    /// [`MediaError::ReplayMemory`](crate::media::MediaError::ReplayMemory).
    ///
    /// ```
    /// use sealkit::{Client, media::MediaConfig, store::MemoryStore};
    ///
    /// let alice = Client::open(MemoryStore::new(), "alice", "laptop")?;
    /// let bob = Client::open(MemoryStore::new(), "bob", "phone")?;
    /// alice.create_group("call")?;
    /// let commit = alice.add_group_members("call", &bob.key_packages(1)?)?;
    /// alice.confirm_group_commit("call")?;
    /// bob.join_group(commit.welcome.as_deref().unwrap_or_default())?;
    ///
    /// let mut send = alice.group_media("call", MediaConfig::default())?;
    /// let mut receive = bob.group_media("call", MediaConfig::default())?;
    /// let sealed = send.encrypt_frame(b"an opus frame", b"")?;
    /// assert_eq!(receive.decrypt_frame(&sealed)?.frame, b"an opus frame");
    /// # Ok::<(), sealkit::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`GroupError::UnknownGroup`](crate::GroupError::UnknownGroup),
    /// [`Error::Media`] for a configuration out of bounds or a leaf index
    /// that does not fit its sender-index bits, [`Error::Store`].
    pub fn group_media(&self, group_id: &str, config: MediaConfig) -> Result<MediaContext, Error> {
        // One operation: the context value is reserved only if the context
        // can be built and its floors read.
        self.group_operation(|groups, context| {
            let staged = group::media_epoch_secret(groups, context, group_id, config.suite)?;
            let floors = read_floors(context.store, group_id)?.floors(staged.output.epoch());
            let memory = StoredReplayMemory {
                client: Arc::downgrade(&self.inner),
                group_id: group_id.to_owned(),
            };
            staged.try_map(|epoch| {
                let media = MediaContext::new(epoch, config)?;
                Ok(media.with_loaded_replay_memory(Box::new(memory), floors, Vec::new()))
            })
        })
    }

    /// Moves a media context to the group's current epoch when the group is
    /// ahead of it (the previous epoch stays readable for the context's
    /// overlap). Returns whether it rekeyed.
    ///
    /// # Errors
    /// As [`Client::group_media`].
    pub fn rekey_group_media(
        &self,
        group_id: &str,
        media: &mut MediaContext,
    ) -> Result<bool, Error> {
        if self.group_epoch(group_id)? <= media.epoch() {
            return Ok(false);
        }
        // One operation: the context value is reserved only if the context
        // takes the epoch and its floors could be read.
        let suite = media.config().suite;
        let (epoch, floors, sending_key) = self.group_operation(|groups, context| {
            let staged = group::media_epoch_secret(groups, context, group_id, suite)?;
            let sending_key = media.prepare_rekey(&staged.output)?;
            let floors = read_floors(context.store, group_id)?.floors(staged.output.epoch());
            Ok(staged.map(|epoch| (epoch, floors, sending_key)))
        })?;
        media.apply_rekey(epoch, floors, sending_key);
        Ok(true)
    }
}

/// The replay memory of a context built by [`Client::group_media`]: the
/// group's `RecordKind::MediaReplay` record, read and written through the
/// client's operations (so under its lock and one store operation, and the
/// client's caches stay valid).
struct StoredReplayMemory {
    client: Weak<Mutex<Inner>>,
    group_id: String,
}

impl StoredReplayMemory {
    fn operate<R>(
        &self,
        operation: impl FnOnce(&mut Inner, &mut super::Txn) -> Result<R, Error>,
    ) -> Result<R, MediaError> {
        let client = self
            .client
            .upgrade()
            .ok_or(Error::Closed)
            .map_err(memory_error)?;
        run(&client, operation).map_err(memory_error)
    }
}

/// The group's replay floors, from `store`.
///
/// # Errors
/// [`GroupError::UnknownGroup`] when the group is gone (this device left it),
/// [`Error::Store`] for a store failure or a corrupt record.
fn read_floors(store: &dyn Store, group_id: &str) -> Result<FloorRecord, Error> {
    if store.get(RecordKind::Group, group_id)?.is_none() {
        return Err(GroupError::UnknownGroup {
            group_id: group_id.to_owned(),
        }
        .into());
    }
    match store.get(RecordKind::MediaReplay, group_id)? {
        None => Ok(FloorRecord::default()),
        Some(bytes) => {
            FloorRecord::decode(&bytes).map_err(|_| corrupt(RecordKind::MediaReplay, group_id))
        }
    }
}

impl ReplayMemory for StoredReplayMemory {
    fn floors(&self, epoch: u64) -> Result<Vec<ReplayFloor>, MediaError> {
        self.operate(
            |inner, _| Ok(read_floors(inner.store.as_ref(), &self.group_id)?.floors(epoch)),
        )
    }

    fn raise(&self, epoch: u64, floor: ReplayFloor) -> Result<(), MediaError> {
        self.operate(|inner, txn| {
            let mut record = read_floors(inner.store.as_ref(), &self.group_id)?;
            record.raise(epoch, floor)?;
            txn.changes.put(
                RecordKind::MediaReplay,
                self.group_id.clone(),
                Zeroizing::new(record.encode()),
            );
            Ok(())
        })
    }
}

/// A client failure as the media layer reports it: its kind and message.
fn memory_error(error: Error) -> MediaError {
    match error {
        Error::Media(error @ MediaError::ReplayMemory { .. }) => error,
        error => MediaError::ReplayMemory {
            kind: error.kind(),
            reason: error.to_string(),
        },
    }
}
