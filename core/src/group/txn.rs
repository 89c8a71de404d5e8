//! One group operation as one store transaction.
//!
//! A [`GroupTxn`] holds everything an operation has decided and not yet
//! committed: openmls's writes (in the provider's storage overlay), the
//! trust decisions, Sealkit's own group record, and whether the group was
//! deleted. [`GroupCache::operate`] runs an operation on a group taken out
//! of the cache and hands back a [`Staged`] result: the changes to commit
//! and the group to put back once they are committed. The caller commits
//! the changes together with its own, then calls [`GroupCache::restore`];
//! if anything fails before, the group is dropped from the cache and the
//! next operation loads it again from the committed store, so a failed
//! operation leaves no trace.

use std::collections::HashMap;

use openmls::prelude::{GroupId, MlsGroup};
use openmls_rust_crypto::RustCrypto;

use super::GroupError;
use super::credential::DeviceSigner;
use super::errors::storage_error;
use super::provider::Provider;
use super::record::GroupRecord;
use super::storage::GroupStorage;
use crate::crypto::rng::SecretRng;
use crate::error::Error;
use crate::identity::{DeviceAddress, IdentityKey, IdentityKeyPair};
use crate::store::{Changeset, RecordKind, Store, StoreError};
use crate::trust::TrustCheck;

/// Who runs a group operation, on which store.
pub(crate) struct GroupContext<'a> {
    /// The committed state.
    pub(crate) store: &'a dyn Store,
    /// This device.
    pub(crate) address: &'a DeviceAddress,
    /// This device's identity keys (its MLS signature key is their Ed25519
    /// half).
    pub(crate) keys: &'a IdentityKeyPair,
    /// The client's generator: openmls draws its secrets from it.
    pub(crate) rng: &'a SecretRng,
}

/// openmls objects kept between operations: the crypto provider and the
/// loaded groups, each exactly as last committed.
#[derive(Default)]
pub(crate) struct GroupCache {
    crypto: RustCrypto,
    groups: HashMap<String, MlsGroup>,
}

impl std::fmt::Debug for GroupCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupCache")
            .field("groups", &self.groups.len())
            .finish_non_exhaustive()
    }
}

/// An operation's result, with what must be committed before it is handed
/// out.
pub(crate) struct Staged<R> {
    /// The operation's output.
    pub(crate) output: R,
    /// Everything the operation wrote.
    pub(crate) changes: Changeset,
    /// The group to put back in the cache once `changes` are committed.
    pub(crate) group: Option<StagedGroup>,
}

impl<R> Staged<R> {
    /// The same changes and group, with another output.
    pub(crate) fn map<T>(self, f: impl FnOnce(R) -> T) -> Staged<T> {
        Staged {
            output: f(self.output),
            changes: self.changes,
            group: self.group,
        }
    }

    /// As [`Staged::map`], for an `f` that may fail (then nothing of the
    /// operation is kept).
    pub(crate) fn try_map<T, E>(self, f: impl FnOnce(R) -> Result<T, E>) -> Result<Staged<T>, E> {
        Ok(Staged {
            output: f(self.output)?,
            changes: self.changes,
            group: self.group,
        })
    }
}

/// A group as an operation left it, to be cached after the commit.
pub(crate) struct StagedGroup {
    group_id: String,
    /// `None` when the operation deleted the group.
    group: Option<MlsGroup>,
}

impl GroupCache {
    /// Takes the group out of the cache (or loads it); it goes back only
    /// after its changes are committed.
    fn take(&mut self, store: &dyn Store, group_id: &str) -> Result<MlsGroup, Error> {
        if let Some(group) = self.groups.remove(group_id) {
            return Ok(group);
        }
        let storage = GroupStorage::new(store);
        MlsGroup::load(&storage, &GroupId::from_slice(group_id.as_bytes()))
            .map_err(storage_error)?
            .ok_or_else(|| {
                Error::Group(GroupError::UnknownGroup {
                    group_id: group_id.to_owned(),
                })
            })
    }

    /// A transaction on no loaded group yet (key packages, a new or joined
    /// group).
    pub(super) fn txn<'a>(&'a self, context: &GroupContext<'a>, group_id: &str) -> GroupTxn<'a> {
        GroupTxn::new(context, &self.crypto, group_id)
    }

    /// Runs `operation` on the group `group_id`.
    pub(super) fn operate<R>(
        &mut self,
        context: &GroupContext<'_>,
        group_id: &str,
        operation: impl FnOnce(&mut GroupTxn<'_>, &mut MlsGroup) -> Result<R, Error>,
    ) -> Result<Staged<R>, Error> {
        let mut group = self.take(context.store, group_id)?;
        let mut txn = GroupTxn::new(context, &self.crypto, group_id);
        let output = operation(&mut txn, &mut group)?;
        Ok(txn.finish(output, Some(group)))
    }

    /// Puts a group back once its operation's changes are committed.
    pub(crate) fn restore(&mut self, staged: StagedGroup) {
        match staged.group {
            Some(group) => {
                self.groups.insert(staged.group_id, group);
            }
            None => {
                self.groups.remove(&staged.group_id);
            }
        }
    }
}

/// The state of one group operation: the provider (with its pending
/// storage writes), the signer, and Sealkit's own pending changes.
pub(super) struct GroupTxn<'a> {
    pub(super) group_id: String,
    pub(super) address: &'a DeviceAddress,
    pub(super) identity: &'a IdentityKey,
    pub(super) store: &'a dyn Store,
    pub(super) provider: Provider<'a>,
    pub(super) signer: DeviceSigner<'a>,
    pub(super) changes: Changeset,
    /// The trust checks of this operation.
    pub(super) trust: TrustCheck<'a>,
    record: Option<GroupRecord>,
    record_dirty: bool,
    /// The group's state was deleted (this device was removed).
    pub(super) deleted: bool,
}

impl<'a> GroupTxn<'a> {
    fn new(context: &GroupContext<'a>, crypto: &'a RustCrypto, group_id: &str) -> Self {
        let identity = context.keys.public();
        GroupTxn {
            group_id: group_id.to_owned(),
            address: context.address,
            identity,
            store: context.store,
            provider: Provider {
                crypto,
                rand: context.rng,
                storage: GroupStorage::new(context.store),
            },
            signer: DeviceSigner(context.keys),
            changes: Changeset::new(),
            trust: TrustCheck::new(context.store, context.address, identity),
            record: None,
            record_dirty: false,
            deleted: false,
        }
    }

    /// Ends the operation: everything it wrote, as one changeset, and the
    /// group to cache after the commit (none when it was deleted).
    pub(super) fn finish<R>(self, output: R, group: Option<MlsGroup>) -> Staged<R> {
        let GroupTxn {
            group_id,
            provider,
            mut changes,
            record,
            record_dirty,
            deleted,
            ..
        } = self;
        provider.storage.finish(&mut changes);
        if deleted {
            changes.delete(RecordKind::Group, group_id.clone());
            changes.delete(RecordKind::MediaReplay, group_id.clone());
        } else if record_dirty {
            changes.put(
                RecordKind::Group,
                group_id.clone(),
                record.unwrap_or_default().encode(),
            );
        }
        let group = group.map(|group| StagedGroup {
            group_id,
            group: (!deleted).then_some(group),
        });
        Staged {
            output,
            changes,
            group,
        }
    }

    /// Sealkit's record of the group, loaded on first use.
    pub(super) fn record(&mut self) -> Result<&mut GroupRecord, Error> {
        if self.record.is_none() {
            let record = match self.store.get(RecordKind::Group, &self.group_id)? {
                Some(bytes) => GroupRecord::decode(&bytes).map_err(|_| {
                    Error::Store(StoreError::Corrupt {
                        kind: RecordKind::Group,
                        key: self.group_id.clone(),
                    })
                })?,
                None => GroupRecord::default(),
            };
            self.record = Some(record);
        }
        Ok(self.record.get_or_insert_with(GroupRecord::default))
    }

    /// Marks the group record as changed, so it is written at the end.
    pub(super) fn touch_record(&mut self) {
        self.record_dirty = true;
    }
}

#[cfg(test)]
mod tests {
    //! Group operations run on a store and a cache alone, with no
    //! `Client`: the facade only commits what they stage.

    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    use super::*;
    use crate::group::{GroupCipherSuite, GroupEvent, add_members, confirm_commit, create};
    use crate::group::{IncomingMessage, encrypt, join, key_packages, process_message};
    use crate::store::MemoryStore;

    struct Device {
        store: MemoryStore,
        address: DeviceAddress,
        keys: IdentityKeyPair,
        cache: GroupCache,
        rng: SecretRng,
    }

    impl Device {
        fn new(user: &str, seed: u8) -> Self {
            Self {
                store: MemoryStore::new(),
                address: DeviceAddress::new(user, "phone").unwrap(),
                keys: IdentityKeyPair::generate(&mut ChaCha20Rng::from_seed([seed; 32])),
                cache: GroupCache::default(),
                rng: SecretRng::seeded([seed.wrapping_add(100); 32]),
            }
        }

        /// Runs an operation and commits what it staged, as the facade does.
        fn run<R>(
            &mut self,
            operation: impl FnOnce(&mut GroupCache, &GroupContext<'_>) -> Result<Staged<R>, Error>,
        ) -> Result<R, Error> {
            let context = GroupContext {
                store: &self.store,
                address: &self.address,
                keys: &self.keys,
                rng: &self.rng,
            };
            let staged = operation(&mut self.cache, &context)?;
            self.store.commit(staged.changes)?;
            if let Some(group) = staged.group {
                self.cache.restore(group);
            }
            Ok(staged.output)
        }
    }

    #[test]
    fn alice_adds_bob_and_he_reads_her_message_without_a_client() {
        let mut alice = Device::new("alice", 1);
        let mut bob = Device::new("bob", 2);
        alice
            .run(|cache, context| create(cache, context, "team", GroupCipherSuite::Classic))
            .unwrap();
        let packages = bob
            .run(|cache, context| key_packages(cache, context, GroupCipherSuite::Classic, 1))
            .unwrap();
        let commit = alice
            .run(|cache, context| add_members(cache, context, "team", &packages))
            .unwrap();
        alice
            .run(|cache, context| confirm_commit(cache, context, "team"))
            .unwrap();
        let welcome = commit.welcome.unwrap();
        let joined = bob
            .run(|cache, context| join(cache, context, &welcome))
            .unwrap();
        assert_eq!(joined.members, [alice.address.clone(), bob.address.clone()]);

        let sealed = alice
            .run(|cache, context| encrypt(cache, context, "team", b"hello"))
            .unwrap();
        let incoming = IncomingMessage::parse(&sealed).unwrap();
        let events = bob
            .run(|cache, context| process_message(cache, context, incoming))
            .unwrap();
        assert!(matches!(
            &events[..],
            [GroupEvent::Message { plaintext, sender, .. }]
                if plaintext == b"hello" && sender == &alice.address
        ));
    }

    #[test]
    fn a_failed_operation_stages_nothing_and_the_group_reloads_from_the_store() {
        let mut alice = Device::new("alice", 1);
        alice
            .run(|cache, context| create(cache, context, "team", GroupCipherSuite::Classic))
            .unwrap();
        // Not a key package: the operation fails, and the group it took out
        // of the cache is dropped rather than put back half-changed.
        let error = alice
            .run(|cache, context| add_members(cache, context, "team", &[vec![0; 8]]))
            .unwrap_err();
        assert!(matches!(error, Error::Group(GroupError::Malformed(_))));
        assert!(alice.cache.groups.is_empty());
        let sealed = alice
            .run(|cache, context| encrypt(cache, context, "team", b"still here"))
            .unwrap();
        assert!(!sealed.is_empty());
    }
}
