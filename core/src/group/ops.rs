//! The group operations of [`Client`]: each one a single store transaction.

use std::collections::{HashMap, HashSet};

use openmls::framing::errors::{MessageDecryptionError, SecretTreeError};
use openmls::prelude::tls_codec::{Deserialize as _, Serialize as _};
use openmls::prelude::{
    Capabilities, Ciphersuite, CreateMessageError, Credential, GroupId, KeyPackage, KeyPackageIn,
    LeafNodeIndex, LeafNodeParameters, MlsGroup, MlsGroupJoinConfig, MlsGroupStateError,
    MlsMessageBodyIn, MlsMessageIn, MlsMessageOut, PURE_CIPHERTEXT_WIRE_FORMAT_POLICY,
    ProcessMessageError, ProcessedMessageContent, ProtocolMessage, ProtocolVersion, Sender,
    SenderRatchetConfiguration, StagedCommit, StagedWelcome, ValidationError, WelcomeError,
};
use openmls::prelude::{ContentType, Proposal};
use openmls_rust_crypto::RustCrypto;
use openmls_traits::OpenMlsProvider;
use zeroize::Zeroizing;

use super::credential::{
    DeviceSigner, RawMember, credential_with_key, member_identity, read_credential,
};
use super::storage::{GroupStorage, GroupStorageError};
use super::{
    GroupCipherSuite, GroupCommit, GroupError, GroupEvent, GroupMember, JoinedGroup,
    MAX_BUFFERED_BYTES, MAX_BUFFERED_MESSAGE_LEN, MAX_BUFFERED_MESSAGES, MAX_FORWARD_DISTANCE,
    MAX_FUTURE_EPOCHS, MAX_GROUP_ID_LEN, MAX_KEY_PACKAGES_PER_CALL, MAX_PAST_EPOCHS,
    OUT_OF_ORDER_TOLERANCE, ProposalKind,
};
use crate::client::{Client, Inner, encode_trusted_bytes, trusted_identity_bytes};
use crate::codec::{DecodeError, Reader, Writer};
use crate::error::Error;
use crate::identity::{DeviceAddress, IDENTITY_KEY_LEN, IdentityKey};
use crate::media::{
    EXPORTER_LABEL, EpochSecret, MediaCipherSuite, MediaConfig, MediaContext, MediaError,
    exporter_length,
};
use crate::store::{Changeset, RecordKind, Store, StoreError};

/// Version 2 added the media counter reservation; version 1 records (no
/// reservation yet) are still read.
const GROUP_RECORD_VERSION: u8 = 2;
/// SFrame counters per media context: `2^40` frames (35 years at 1,000
/// frames a second), and up to `2^24` contexts per member and epoch.
const MEDIA_COUNTER_BLOCK_BITS: u32 = 40;

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

struct Provider<'a> {
    crypto: &'a RustCrypto,
    storage: GroupStorage<'a>,
}

impl<'a> OpenMlsProvider for Provider<'a> {
    type CryptoProvider = RustCrypto;
    type RandProvider = RustCrypto;
    type StorageProvider = GroupStorage<'a>;

    fn storage(&self) -> &Self::StorageProvider {
        &self.storage
    }

    fn crypto(&self) -> &Self::CryptoProvider {
        self.crypto
    }

    fn rand(&self) -> &Self::RandProvider {
        self.crypto
    }
}

fn ciphersuite(suite: GroupCipherSuite) -> Ciphersuite {
    match suite {
        GroupCipherSuite::Classic => Ciphersuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519,
        #[cfg(feature = "pq-groups")]
        GroupCipherSuite::PostQuantum => {
            Ciphersuite::MLS_128_MLKEM768X25519_AES128GCM_SHA256_Ed25519
        }
    }
}

/// The leaf capabilities of this device: both ciphersuites it can use
/// (openmls lists the post-quantum ones only with its own feature, which
/// would also pull in its SQLite provider).
fn capabilities() -> Capabilities {
    let suites = [
        ciphersuite(GroupCipherSuite::Classic),
        #[cfg(feature = "pq-groups")]
        ciphersuite(GroupCipherSuite::PostQuantum),
    ];
    Capabilities::new(None, Some(&suites), None, None, None)
}

fn sender_ratchet() -> SenderRatchetConfiguration {
    SenderRatchetConfiguration::new(OUT_OF_ORDER_TOLERANCE, MAX_FORWARD_DISTANCE)
}

fn join_config() -> MlsGroupJoinConfig {
    MlsGroupJoinConfig::builder()
        .use_ratchet_tree_extension(true)
        .max_past_epochs(MAX_PAST_EPOCHS)
        .sender_ratchet_configuration(sender_ratchet())
        .wire_format_policy(PURE_CIPHERTEXT_WIRE_FORMAT_POLICY)
        .build()
}

fn check_group_id(group_id: &str) -> Result<(), Error> {
    if group_id.is_empty() || group_id.len() > MAX_GROUP_ID_LEN {
        return Err(Error::InvalidInput(format!(
            "a group id has 1 to {MAX_GROUP_ID_LEN} bytes"
        )));
    }
    Ok(())
}

fn library(error: impl std::fmt::Display) -> Error {
    Error::Group(GroupError::Library(error.to_string()))
}

fn malformed(error: impl std::fmt::Display) -> Error {
    Error::Group(GroupError::Malformed(error.to_string()))
}

fn serialize(message: &MlsMessageOut) -> Result<Vec<u8>, Error> {
    message.tls_serialize_detached().map_err(library)
}

fn group_commit(
    commit: &MlsMessageOut,
    welcome: Option<&MlsMessageOut>,
) -> Result<GroupCommit, Error> {
    Ok(GroupCommit {
        commit: serialize(commit)?,
        welcome: welcome.map(serialize).transpose()?,
    })
}

fn storage_error(error: GroupStorageError) -> Error {
    match error {
        GroupStorageError::Store(error) => Error::Store(error),
        GroupStorageError::Corrupt(key) => Error::Store(StoreError::Corrupt {
            kind: RecordKind::Mls,
            key,
        }),
        GroupStorageError::Serialize => library("group state cannot be serialized"),
    }
}

fn state_error(group_id: &str, error: MlsGroupStateError) -> Error {
    match error {
        MlsGroupStateError::PendingCommit => Error::Group(GroupError::PendingCommit {
            group_id: group_id.to_owned(),
        }),
        MlsGroupStateError::UseAfterEviction => Error::Group(GroupError::Rejected(
            "this device is no longer a member of the group".into(),
        )),
        other => library(other),
    }
}

fn process_error(
    error: ProcessMessageError<GroupStorageError>,
    message_epoch: u64,
    group_epoch: u64,
) -> Error {
    let wrong_epoch = Error::Group(GroupError::WrongEpoch {
        message_epoch,
        group_epoch,
    });
    match error {
        ProcessMessageError::StorageError(error) => storage_error(error),
        ProcessMessageError::ValidationError(
            ValidationError::WrongEpoch | ValidationError::NoPastEpochData,
        ) => wrong_epoch,
        ProcessMessageError::ValidationError(ValidationError::UnableToDecrypt(
            MessageDecryptionError::SecretTreeError(SecretTreeError::SecretReuseError),
        )) => Error::Group(GroupError::Replay),
        // openmls reports a message from an epoch whose secrets are gone
        // (or that predates this member) as a generation too old.
        ProcessMessageError::ValidationError(ValidationError::UnableToDecrypt(
            MessageDecryptionError::SecretTreeError(SecretTreeError::TooDistantInThePast),
        )) if message_epoch < group_epoch => wrong_epoch,
        ProcessMessageError::ValidationError(ValidationError::UnknownMember) => {
            Error::Group(GroupError::UnknownSender)
        }
        ProcessMessageError::InvalidCommit(error) => {
            Error::Group(GroupError::Rejected(format!("invalid commit: {error}")))
        }
        ProcessMessageError::LibraryError(error) => library(error),
        other => Error::Group(GroupError::Rejected(other.to_string())),
    }
}

/// Per-group bookkeeping of Sealkit: messages that arrived for a future
/// epoch, and the SFrame counter blocks handed out (format in
/// `docs/format/group.md`).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct GroupRecord {
    /// (epoch, message bytes), in arrival order.
    buffered: Vec<(u64, Vec<u8>)>,
    /// The epoch of the last media counter block handed out.
    media_epoch: u64,
    /// The next free media counter block of `media_epoch`.
    media_next_block: u32,
}

impl GroupRecord {
    fn encode(&self) -> Zeroizing<Vec<u8>> {
        let mut w = Writer::default();
        w.u8(GROUP_RECORD_VERSION);
        w.count(self.buffered.len());
        for (epoch, message) in &self.buffered {
            w.u64(*epoch).bytes(message);
        }
        w.u64(self.media_epoch).u32(self.media_next_block);
        Zeroizing::new(w.into_bytes())
    }

    fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let version = r.u8()?;
        if version != 1 && version != GROUP_RECORD_VERSION {
            return Err(DecodeError::UnsupportedVersion(version));
        }
        let count = r.count("buffered group messages", MAX_BUFFERED_MESSAGES)?;
        let mut buffered = Vec::with_capacity(count);
        for _ in 0..count {
            let epoch = r.u64()?;
            let message = r.bytes("buffered group message", MAX_BUFFERED_MESSAGE_LEN)?;
            buffered.push((epoch, message.to_vec()));
        }
        let (media_epoch, media_next_block) = if version == 1 {
            (0, 0)
        } else {
            (r.u64()?, r.u32()?)
        };
        r.finish()?;
        Ok(Self {
            buffered,
            media_epoch,
            media_next_block,
        })
    }

    /// Reserves the next SFrame counter range of `epoch` for one media
    /// context: `(first, last)`.
    fn reserve_media_counters(&mut self, epoch: u64) -> Result<(u64, u64), Error> {
        if self.media_epoch != epoch {
            self.media_epoch = epoch;
            self.media_next_block = 0;
        }
        let block = self.media_next_block;
        if u64::from(block) >= 1 << (64 - MEDIA_COUNTER_BLOCK_BITS) {
            return Err(Error::Media(MediaError::CounterExhausted));
        }
        self.media_next_block = block.saturating_add(1);
        let first = u64::from(block) << MEDIA_COUNTER_BLOCK_BITS;
        Ok((first, first | ((1 << MEDIA_COUNTER_BLOCK_BITS) - 1)))
    }
}

/// The state of one group operation: the provider (with its pending
/// storage writes), the signer, and Sealkit's own pending changes.
struct Op<'a> {
    group_id: String,
    address: &'a DeviceAddress,
    identity: &'a IdentityKey,
    store: &'a dyn Store,
    provider: Provider<'a>,
    signer: DeviceSigner<'a>,
    changes: Changeset,
    /// Trust decided in this operation, before it is committed.
    trust: HashMap<DeviceAddress, [u8; IDENTITY_KEY_LEN]>,
    /// Whether identities seen for the first time become trusted now.
    record_trust: bool,
    record: Option<GroupRecord>,
    record_dirty: bool,
    /// The group's state was deleted (this device was removed).
    deleted: bool,
}

impl<'a> Op<'a> {
    fn new(inner: &'a Inner, address: &'a DeviceAddress, identity: &'a IdentityKey) -> Self {
        Op {
            group_id: String::new(),
            address,
            identity,
            store: inner.store.as_ref(),
            provider: Provider {
                crypto: &inner.groups.crypto,
                storage: GroupStorage::new(inner.store.as_ref()),
            },
            signer: DeviceSigner(&inner.identity),
            changes: Changeset::new(),
            trust: HashMap::new(),
            record_trust: true,
            record: None,
            record_dirty: false,
            deleted: false,
        }
    }

    /// Everything this operation wrote, as one changeset.
    fn into_changes(self) -> Changeset {
        let Op {
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
            changes.delete(RecordKind::Group, group_id);
        } else if record_dirty {
            changes.put(
                RecordKind::Group,
                group_id,
                record.unwrap_or_default().encode(),
            );
        }
        changes
    }

    fn record(&mut self) -> Result<&mut GroupRecord, Error> {
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

    /// Checks a member's credential and its identity against the trusted
    /// ones; an identity seen for the first time becomes trusted (unless
    /// `record_trust` is off: a commit of our own records it when it is
    /// confirmed). `signature_key` is `None` only for leaves already in the
    /// tree, whose binding was checked when they entered it. The identity
    /// key is decoded once, and compared as bytes.
    fn check_member(
        &mut self,
        credential: &Credential,
        signature_key: Option<&[u8]>,
        leaf_index: u32,
    ) -> Result<(GroupMember, bool), Error> {
        let raw = read_credential(credential, signature_key).map_err(bad_credential)?;
        let identity = raw.identity_key().map_err(bad_credential)?;
        self.check_decoded(raw, identity, leaf_index)
    }

    /// Checks many members: their credentials are read first, their
    /// identity keys decoded in parallel (the costly part: an Ed25519 point
    /// decompression each), then each is checked in order.
    fn check_members(
        &mut self,
        leaves: Vec<(&Credential, &[u8], u32)>,
    ) -> Result<Vec<(GroupMember, bool)>, Error> {
        let raws = leaves
            .into_iter()
            .map(|(credential, key, index)| {
                read_credential(credential, Some(key))
                    .map(|raw| (raw, index))
                    .map_err(bad_credential)
            })
            .collect::<Result<Vec<_>, Error>>()?;
        let identities = decode_identities(&raws);
        raws.into_iter()
            .zip(identities)
            .map(|((raw, index), identity)| {
                self.check_decoded(raw, identity.map_err(bad_credential)?, index)
            })
            .collect()
    }

    fn check_decoded(
        &mut self,
        raw: RawMember,
        identity: IdentityKey,
        leaf_index: u32,
    ) -> Result<(GroupMember, bool), Error> {
        let new = self.check_raw(&raw)?;
        let member = GroupMember {
            device: raw.address,
            identity,
            leaf_index,
        };
        Ok((member, new))
    }

    /// The trust check on a member's identity bytes, without decoding the
    /// key. Returns whether the identity was seen for the first time.
    /// Storing the bytes undecoded is safe: openmls has verified the leaf's
    /// signature with that very Ed25519 key (`verify_strict`, which refuses
    /// weak keys), and any 32 bytes are an X25519 key.
    fn check_raw(&mut self, raw: &RawMember) -> Result<bool, Error> {
        if &raw.address == self.address {
            if raw.identity != self.identity.to_bytes() {
                return Err(Error::UntrustedIdentity {
                    address: raw.address.clone(),
                });
            }
            return Ok(false);
        }
        let trusted = match self.trust.get(&raw.address) {
            Some(identity) => Some(*identity),
            None => {
                let key = raw.address.store_key();
                match self.store.get(RecordKind::TrustedIdentity, &key)? {
                    Some(bytes) => Some(trusted_identity_bytes(&bytes).ok_or(Error::Store(
                        StoreError::Corrupt {
                            kind: RecordKind::TrustedIdentity,
                            key,
                        },
                    ))?),
                    None => None,
                }
            }
        };
        match trusted {
            Some(trusted) if trusted == raw.identity => Ok(false),
            Some(_) => Err(Error::UntrustedIdentity {
                address: raw.address.clone(),
            }),
            None => {
                if self.record_trust {
                    self.changes.put(
                        RecordKind::TrustedIdentity,
                        raw.address.store_key(),
                        encode_trusted_bytes(&raw.identity),
                    );
                    self.trust.insert(raw.address.clone(), raw.identity);
                }
                Ok(true)
            }
        }
    }
}

/// Decodes the identity keys of many members, on all cores when there are
/// enough of them to be worth it.
fn decode_identities(raws: &[(RawMember, u32)]) -> Vec<Result<IdentityKey, DecodeError>> {
    #[cfg(all(feature = "parallel", not(target_arch = "wasm32")))]
    if raws.len() >= 32 {
        use rayon::prelude::*;
        return raws.par_iter().map(|(raw, _)| raw.identity_key()).collect();
    }
    raws.iter().map(|(raw, _)| raw.identity_key()).collect()
}

fn bad_credential(error: DecodeError) -> Error {
    Error::Group(GroupError::BadCredential(error.to_string()))
}

fn read_member(
    credential: &Credential,
    signature_key: Option<&[u8]>,
) -> Result<(DeviceAddress, IdentityKey), Error> {
    member_identity(credential, signature_key)
        .map_err(|error| Error::Group(GroupError::BadCredential(error.to_string())))
}

fn members_of(group: &MlsGroup) -> Result<Vec<GroupMember>, Error> {
    group
        .members()
        .map(|member| {
            let (device, identity) = read_member(&member.credential, None)?;
            Ok(GroupMember {
                device,
                identity,
                leaf_index: member.index.u32(),
            })
        })
        .collect()
}

fn parse_message(bytes: &[u8]) -> Result<MlsMessageBodyIn, Error> {
    let message = MlsMessageIn::tls_deserialize_exact(bytes).map_err(malformed)?;
    Ok(message.extract())
}

fn parse_key_package(crypto: &RustCrypto, bytes: &[u8]) -> Result<KeyPackage, Error> {
    let key_package: KeyPackageIn = match parse_message(bytes)? {
        MlsMessageBodyIn::KeyPackage(key_package) => key_package,
        _ => return Err(malformed("not a key package")),
    };
    key_package
        .validate(crypto, ProtocolVersion::Mls10)
        .map_err(|error| Error::Group(GroupError::Rejected(format!("key package: {error}"))))
}

fn group_id_string(group_id: &GroupId) -> Result<String, Error> {
    String::from_utf8(group_id.as_slice().to_vec()).map_err(|_| {
        Error::Group(GroupError::UnknownGroup {
            group_id: format!("{:02x?}", group_id.as_slice()),
        })
    })
}

impl Inner {
    /// Takes the group out of the cache (or loads it); it goes back only
    /// after its changes are committed.
    fn take_group(&mut self, group_id: &str) -> Result<MlsGroup, Error> {
        if let Some(group) = self.groups.groups.remove(group_id) {
            return Ok(group);
        }
        let storage = GroupStorage::new(self.store.as_ref());
        MlsGroup::load(&storage, &GroupId::from_slice(group_id.as_bytes()))
            .map_err(storage_error)?
            .ok_or_else(|| {
                Error::Group(GroupError::UnknownGroup {
                    group_id: group_id.to_owned(),
                })
            })
    }

    /// Runs one operation on one group, then commits everything it wrote.
    fn with_group<R>(
        &mut self,
        address: &DeviceAddress,
        identity: &IdentityKey,
        group_id: &str,
        f: impl FnOnce(&mut Op<'_>, &mut MlsGroup) -> Result<R, Error>,
    ) -> Result<R, Error> {
        let mut group = self.take_group(group_id)?;
        let (result, changes, deleted) = {
            let mut op = Op::new(self, address, identity);
            op.group_id = group_id.to_owned();
            let result = f(&mut op, &mut group)?;
            let deleted = op.deleted;
            (result, op.into_changes(), deleted)
        };
        if !changes.is_empty() {
            self.store.commit(changes)?;
        }
        if !deleted {
            self.groups.groups.insert(group_id.to_owned(), group);
        }
        Ok(result)
    }
}

impl Client {
    /// Generates `count` key packages of the default ciphersuite to
    /// publish next to the prekey bundle; each is used by one welcome.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] above [`MAX_KEY_PACKAGES_PER_CALL`];
    /// [`Error::Store`] when the store fails.
    pub fn key_packages(&self, count: u32) -> Result<Vec<Vec<u8>>, Error> {
        self.key_packages_for(GroupCipherSuite::default(), count)
    }

    /// Generates `count` key packages of the given ciphersuite.
    ///
    /// # Errors
    /// As [`Client::key_packages`].
    pub fn key_packages_for(
        &self,
        suite: GroupCipherSuite,
        count: u32,
    ) -> Result<Vec<Vec<u8>>, Error> {
        if count > MAX_KEY_PACKAGES_PER_CALL {
            return Err(Error::InvalidInput(format!(
                "at most {MAX_KEY_PACKAGES_PER_CALL} key packages per call"
            )));
        }
        let guard = self.lock()?;
        let op = Op::new(&guard, self.address(), self.identity());
        let credential = credential_with_key(self.address(), self.identity());
        let mut packages = Vec::new();
        for _ in 0..count {
            let bundle = KeyPackage::builder()
                .leaf_node_capabilities(capabilities())
                .build(
                    ciphersuite(suite),
                    &op.provider,
                    &op.signer,
                    credential.clone(),
                )
                .map_err(library)?;
            packages.push(serialize(&MlsMessageOut::from(
                bundle.key_package().clone(),
            ))?);
        }
        guard.store.commit(op.into_changes())?;
        Ok(packages)
    }

    /// Creates a group with this device as its only member, with the
    /// default ciphersuite.
    ///
    /// # Errors
    /// [`GroupError::GroupExists`]; [`Error::InvalidInput`] for an empty or
    /// over-long id; [`Error::Store`].
    pub fn create_group(&self, group_id: &str) -> Result<(), Error> {
        self.create_group_with(group_id, GroupCipherSuite::default())
    }

    /// Creates a group with the given ciphersuite.
    ///
    /// # Errors
    /// As [`Client::create_group`].
    pub fn create_group_with(&self, group_id: &str, suite: GroupCipherSuite) -> Result<(), Error> {
        check_group_id(group_id)?;
        let mut guard = self.lock()?;
        let inner = &mut *guard;
        if inner.store.get(RecordKind::Group, group_id)?.is_some() {
            return Err(Error::Group(GroupError::GroupExists {
                group_id: group_id.to_owned(),
            }));
        }
        let (group, changes) = {
            let mut op = Op::new(inner, self.address(), self.identity());
            op.group_id = group_id.to_owned();
            let group = MlsGroup::builder()
                .with_group_id(GroupId::from_slice(group_id.as_bytes()))
                .ciphersuite(ciphersuite(suite))
                .use_ratchet_tree_extension(true)
                .max_past_epochs(MAX_PAST_EPOCHS)
                .sender_ratchet_configuration(sender_ratchet())
                .with_wire_format_policy(PURE_CIPHERTEXT_WIRE_FORMAT_POLICY)
                .with_capabilities(capabilities())
                .build(
                    &op.provider,
                    &op.signer,
                    credential_with_key(self.address(), self.identity()),
                )
                .map_err(library)?;
            op.record_dirty = true;
            (group, op.into_changes())
        };
        inner.store.commit(changes)?;
        inner.groups.groups.insert(group_id.to_owned(), group);
        Ok(())
    }

    /// Joins a group from a welcome addressed to one of this device's key
    /// packages. Every member's credential is checked: a device whose
    /// identity differs from the trusted one is refused
    /// ([`Error::UntrustedIdentity`], nothing changes); a device seen for
    /// the first time is trusted and listed in
    /// [`JoinedGroup::new_identities`]. The members' identity keys are
    /// compared as bytes, not decoded; [`Client::group_members`] and
    /// [`Client::trusted_identity`] give them as keys.
    ///
    /// # Errors
    /// [`GroupError::Malformed`], [`GroupError::NotForThisDevice`] (also for
    /// a ciphersuite this build cannot run), [`GroupError::GroupExists`],
    /// [`GroupError::Rejected`] (also for a group id that is not 1 to
    /// [`MAX_GROUP_ID_LEN`] bytes of UTF-8),
    /// [`GroupError::BadCredential`], [`Error::UntrustedIdentity`],
    /// [`Error::Store`].
    pub fn join_group(&self, welcome: &[u8]) -> Result<JoinedGroup, Error> {
        let welcome = match parse_message(welcome)? {
            MlsMessageBodyIn::Welcome(welcome) => welcome,
            _ => return Err(malformed("not a welcome")),
        };
        let mut guard = self.lock()?;
        let inner = &mut *guard;
        let (group, joined, changes) = {
            let mut op = Op::new(inner, self.address(), self.identity());
            let staged =
                StagedWelcome::new_from_welcome(&op.provider, &join_config(), welcome, None)
                    .map_err(|error| match error {
                        WelcomeError::NoMatchingKeyPackage
                        | WelcomeError::NoMatchingEncryptionKey
                        | WelcomeError::UnsupportedCiphersuite(_)
                        | WelcomeError::CiphersuiteMismatch => {
                            Error::Group(GroupError::NotForThisDevice)
                        }
                        WelcomeError::StorageError(error) => storage_error(error),
                        other => Error::Group(GroupError::Rejected(format!("welcome: {other}"))),
                    })?;
            let group_id = group_id_string(staged.group_context().group_id())
                .ok()
                .filter(|id| check_group_id(id).is_ok())
                .ok_or_else(|| {
                    Error::Group(GroupError::Rejected(format!(
                        "welcome: the group id is not 1 to {MAX_GROUP_ID_LEN} bytes of UTF-8"
                    )))
                })?;
            if op.store.get(RecordKind::Group, &group_id)?.is_some() {
                return Err(Error::Group(GroupError::GroupExists { group_id }));
            }
            op.group_id = group_id.clone();
            let mut members = Vec::new();
            let mut new_identities = Vec::new();
            // Every member is checked against the trusted identities, as
            // bytes: a join decodes no identity key (see `check_raw`).
            for leaf in staged.members() {
                let raw = read_credential(&leaf.credential, Some(&leaf.signature_key))
                    .map_err(bad_credential)?;
                if op.check_raw(&raw)? {
                    new_identities.push(raw.address.clone());
                }
                members.push(raw.address);
            }
            let group = staged
                .into_group(&op.provider)
                .map_err(|error| Error::Group(GroupError::Rejected(format!("welcome: {error}"))))?;
            let joined = JoinedGroup {
                group_id,
                epoch: group.epoch().as_u64(),
                members,
                new_identities,
            };
            op.record_dirty = true;
            (group, joined, op.into_changes())
        };
        inner.store.commit(changes)?;
        inner.groups.groups.insert(joined.group_id.clone(), group);
        Ok(joined)
    }

    /// Adds devices from their key packages. Returns the commit for the
    /// current members and the welcome for the new ones. The commit is
    /// pending until [`Client::confirm_group_commit`] (once the delivery
    /// service accepted it) or [`Client::discard_group_commit`].
    ///
    /// # Errors
    /// [`GroupError::Malformed`] or [`GroupError::Rejected`] for a bad key
    /// package, [`Error::UntrustedIdentity`] for a device whose identity
    /// changed, [`GroupError::PendingCommit`], [`GroupError::UnknownGroup`],
    /// [`Error::Store`].
    pub fn add_group_members(
        &self,
        group_id: &str,
        key_packages: &[Vec<u8>],
    ) -> Result<GroupCommit, Error> {
        if key_packages.is_empty() {
            return Err(Error::InvalidInput("no key packages to add".into()));
        }
        let mut guard = self.lock()?;
        guard.with_group(self.address(), self.identity(), group_id, |op, group| {
            let mut packages = Vec::with_capacity(key_packages.len());
            // New identities are trusted (and reported) when the commit is
            // confirmed, not before: a discarded commit trusts nobody.
            op.record_trust = false;
            for bytes in key_packages {
                let package = parse_key_package(op.provider.crypto, bytes)?;
                let leaf = package.leaf_node();
                op.check_member(leaf.credential(), Some(leaf.signature_key().as_slice()), 0)?;
                packages.push(package);
            }
            refuse_if_pending(op, group)?;
            let (commit, welcome, _) = group
                .add_members(&op.provider, &op.signer, &packages)
                .map_err(|error| {
                    Error::Group(GroupError::Rejected(format!("add members: {error}")))
                })?;
            group_commit(&commit, Some(&welcome))
        })
    }

    /// Removes devices from the group. The commit is pending until
    /// confirmed, as for [`Client::add_group_members`].
    ///
    /// # Errors
    /// [`GroupError::NotAMember`], [`GroupError::PendingCommit`],
    /// [`GroupError::UnknownGroup`], [`Error::Store`].
    pub fn remove_group_members(
        &self,
        group_id: &str,
        devices: &[DeviceAddress],
    ) -> Result<GroupCommit, Error> {
        if devices.is_empty() {
            return Err(Error::InvalidInput("no devices to remove".into()));
        }
        let mut guard = self.lock()?;
        guard.with_group(self.address(), self.identity(), group_id, |op, group| {
            let members = members_of(group)?;
            let mut indices = Vec::with_capacity(devices.len());
            for device in devices {
                let member = members
                    .iter()
                    .find(|member| &member.device == device)
                    .ok_or_else(|| {
                        Error::Group(GroupError::NotAMember {
                            device: device.clone(),
                        })
                    })?;
                indices.push(LeafNodeIndex::new(member.leaf_index));
            }
            refuse_if_pending(op, group)?;
            let (commit, welcome, _) = group
                .remove_members(&op.provider, &op.signer, &indices)
                .map_err(|error| {
                    Error::Group(GroupError::Rejected(format!("remove members: {error}")))
                })?;
            group_commit(&commit, welcome.as_ref())
        })
    }

    /// Replaces this device's leaf keys (post-compromise healing). The
    /// commit is pending until confirmed.
    ///
    /// # Errors
    /// [`GroupError::PendingCommit`], [`GroupError::UnknownGroup`],
    /// [`Error::Store`].
    pub fn update_group(&self, group_id: &str) -> Result<GroupCommit, Error> {
        let mut guard = self.lock()?;
        guard.with_group(self.address(), self.identity(), group_id, |op, group| {
            refuse_if_pending(op, group)?;
            let bundle = group
                .self_update(&op.provider, &op.signer, LeafNodeParameters::default())
                .map_err(|error| {
                    Error::Group(GroupError::Rejected(format!("self update: {error}")))
                })?;
            let (commit, welcome, _) = bundle.into_messages();
            group_commit(&commit, welcome.as_ref())
        })
    }

    /// Asks to leave the group: returns a proposal for the other members.
    /// The next commit by any member removes this device; processing that
    /// commit yields [`GroupEvent::Removed`] and deletes the group here.
    ///
    /// # Errors
    /// [`GroupError::UnknownGroup`], [`Error::Store`].
    pub fn leave_group(&self, group_id: &str) -> Result<Vec<u8>, Error> {
        let mut guard = self.lock()?;
        guard.with_group(self.address(), self.identity(), group_id, |op, group| {
            let proposal = group
                .leave_group(&op.provider, &op.signer)
                .map_err(|error| Error::Group(GroupError::Rejected(format!("leave: {error}"))))?;
            serialize(&proposal)
        })
    }

    /// Commits the proposals received so far (a leave, for instance). The
    /// commit is pending until confirmed.
    ///
    /// # Errors
    /// [`GroupError::PendingCommit`], [`GroupError::UnknownGroup`],
    /// [`Error::Store`].
    pub fn commit_group_proposals(&self, group_id: &str) -> Result<GroupCommit, Error> {
        let mut guard = self.lock()?;
        guard.with_group(self.address(), self.identity(), group_id, |op, group| {
            refuse_if_pending(op, group)?;
            let (commit, welcome, _) = group
                .commit_to_pending_proposals(&op.provider, &op.signer)
                .map_err(|error| {
                    Error::Group(GroupError::Rejected(format!("commit proposals: {error}")))
                })?;
            group_commit(&commit, welcome.as_ref())
        })
    }

    /// Applies this device's pending commit, once the delivery service has
    /// accepted it: the group moves to the next epoch.
    ///
    /// # Errors
    /// [`GroupError::NoPendingCommit`], [`GroupError::UnknownGroup`],
    /// [`Error::Store`].
    pub fn confirm_group_commit(&self, group_id: &str) -> Result<Vec<GroupEvent>, Error> {
        let mut guard = self.lock()?;
        guard.with_group(self.address(), self.identity(), group_id, |op, group| {
            let mut events = Vec::new();
            merge_own_commit(op, group, &mut events)?;
            Ok(events)
        })
    }

    /// Drops this device's pending commit (the delivery service refused
    /// it); the group stays at its epoch.
    ///
    /// # Errors
    /// [`GroupError::NoPendingCommit`], [`GroupError::UnknownGroup`],
    /// [`Error::Store`].
    pub fn discard_group_commit(&self, group_id: &str) -> Result<(), Error> {
        let mut guard = self.lock()?;
        guard.with_group(self.address(), self.identity(), group_id, |op, group| {
            if group.pending_commit().is_none() {
                return Err(Error::Group(GroupError::NoPendingCommit {
                    group_id: group_id.to_owned(),
                }));
            }
            group
                .clear_pending_commit(op.provider.storage())
                .map_err(storage_error)
        })
    }

    /// Encrypts an application message for every member of the group.
    ///
    /// While this device's own commit is pending the message belongs to the
    /// current epoch, which members keep for [`MAX_PAST_EPOCHS`] epochs.
    ///
    /// # Errors
    /// [`GroupError::UnknownGroup`], [`Error::Store`].
    pub fn encrypt_group(&self, group_id: &str, plaintext: &[u8]) -> Result<Vec<u8>, Error> {
        let mut guard = self.lock()?;
        guard.with_group(self.address(), self.identity(), group_id, |op, group| {
            let message = group
                .create_message(&op.provider, &op.signer, plaintext)
                .map_err(|error| match error {
                    CreateMessageError::GroupStateError(error) => state_error(group_id, error),
                    CreateMessageError::LibraryError(error) => library(error),
                    #[allow(unreachable_patterns)]
                    other => library(other),
                })?;
            serialize(&message)
        })
    }

    /// Processes a message from the group's delivery service: an
    /// application message, a proposal or a commit. Messages of a future
    /// epoch are kept (bounded by [`MAX_BUFFERED_MESSAGES`]) and processed
    /// when the commit that starts their epoch arrives; their events come
    /// after that commit's.
    ///
    /// # Errors
    /// [`GroupError::Malformed`], [`GroupError::UnknownGroup`],
    /// [`GroupError::WrongEpoch`], [`GroupError::Replay`],
    /// [`GroupError::Rejected`], [`GroupError::BadCredential`],
    /// [`GroupError::BufferFull`], [`Error::UntrustedIdentity`],
    /// [`Error::Store`]. Nothing changes on error.
    pub fn process_group_message(&self, message: &[u8]) -> Result<Vec<GroupEvent>, Error> {
        let protocol = protocol_message(message)?;
        let group_id = group_id_string(protocol.group_id())?;
        let mut guard = self.lock()?;
        guard.with_group(self.address(), self.identity(), &group_id, |op, group| {
            let mut events = Vec::new();
            process(op, group, protocol, message, &mut events)?;
            Ok(events)
        })
    }

    /// The members of a group, this device included.
    ///
    /// # Errors
    /// [`GroupError::UnknownGroup`], [`Error::Store`].
    pub fn group_members(&self, group_id: &str) -> Result<Vec<GroupMember>, Error> {
        let mut guard = self.lock()?;
        guard.with_group(self.address(), self.identity(), group_id, |_, group| {
            members_of(group)
        })
    }

    /// The group's current epoch.
    ///
    /// # Errors
    /// [`GroupError::UnknownGroup`], [`Error::Store`].
    pub fn group_epoch(&self, group_id: &str) -> Result<u64, Error> {
        let mut guard = self.lock()?;
        guard.with_group(self.address(), self.identity(), group_id, |_, group| {
            Ok(group.epoch().as_u64())
        })
    }

    /// The ids of the groups this device is a member of.
    ///
    /// # Errors
    /// [`Error::Store`].
    pub fn groups(&self) -> Result<Vec<String>, Error> {
        let guard = self.lock()?;
        Ok(guard.store.keys(RecordKind::Group)?)
    }

    /// A secret derived from the group's current epoch with the MLS
    /// exporter (RFC 9420 section 8.5): every member gets the same bytes.
    ///
    /// # Errors
    /// [`GroupError::UnknownGroup`], [`Error::InvalidInput`] for a length
    /// the hash cannot produce, [`Error::Store`].
    pub fn export_group_secret(
        &self,
        group_id: &str,
        label: &str,
        context: &[u8],
        length: usize,
    ) -> Result<Zeroizing<Vec<u8>>, Error> {
        let mut guard = self.lock()?;
        guard.with_group(self.address(), self.identity(), group_id, |op, group| {
            group
                .export_secret(op.provider.crypto, label, context, length)
                .map(Zeroizing::new)
                .map_err(|error| Error::InvalidInput(format!("export secret: {error}")))
        })
    }
}

impl Client {
    /// The SFrame key material of the group's current epoch, as RFC 9605
    /// section 5.2 derives it: `MLS-Exporter("SFrame 1.0 Base Key", "",
    /// AEAD.Nk)`, with the epoch and this device's leaf index (its SFrame
    /// sender index), and a range of SFrame counters reserved in the store
    /// for one context: every call reserves a new range, so contexts built
    /// again (after a restart, or twice) never send with the same nonce.
    ///
    /// # Errors
    /// [`GroupError::UnknownGroup`], [`Error::Store`].
    pub fn group_media_epoch(
        &self,
        group_id: &str,
        suite: MediaCipherSuite,
    ) -> Result<EpochSecret, Error> {
        let mut guard = self.lock()?;
        guard.with_group(self.address(), self.identity(), group_id, |op, group| {
            let secret = group
                .export_secret(
                    op.provider.crypto,
                    EXPORTER_LABEL,
                    b"",
                    exporter_length(suite),
                )
                .map_err(library)?;
            let epoch = group.epoch().as_u64();
            let (first, last) = op.record()?.reserve_media_counters(epoch)?;
            op.record_dirty = true;
            Ok(
                EpochSecret::new(epoch, group.own_leaf_index().u32(), secret)
                    .with_counter_range(first, last),
            )
        })
    }

    /// A media (SFrame) context for the group's current epoch. After a
    /// [`GroupEvent::EpochChanged`], call [`Client::rekey_group_media`].
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
    /// [`GroupError::UnknownGroup`], [`Error::Media`] for a configuration out
    /// of bounds or a leaf index that does not fit its sender-index bits,
    /// [`Error::Store`].
    pub fn group_media(&self, group_id: &str, config: MediaConfig) -> Result<MediaContext, Error> {
        let epoch = self.group_media_epoch(group_id, config.suite)?;
        Ok(MediaContext::new(epoch, config)?)
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
        let epoch = self.group_media_epoch(group_id, media.config().suite)?;
        if epoch.epoch() <= media.epoch() {
            return Ok(false);
        }
        media.rekey(epoch)?;
        Ok(true)
    }
}

/// One own commit at a time: a second change while one is pending would be
/// built on the old epoch and conflict with it.
fn refuse_if_pending(op: &Op<'_>, group: &MlsGroup) -> Result<(), Error> {
    if group.pending_commit().is_some() {
        return Err(Error::Group(GroupError::PendingCommit {
            group_id: op.group_id.clone(),
        }));
    }
    Ok(())
}

fn protocol_message(bytes: &[u8]) -> Result<ProtocolMessage, Error> {
    match parse_message(bytes)? {
        MlsMessageBodyIn::PrivateMessage(message) => Ok(message.into()),
        // Sealkit groups encrypt every message (pure-ciphertext policy);
        // refusing plaintext framing here also keeps unauthenticated
        // public messages out of the early-message buffer.
        MlsMessageBodyIn::PublicMessage(_) => Err(Error::Group(GroupError::Rejected(
            "unencrypted (public) group messages are refused".into(),
        ))),
        MlsMessageBodyIn::Welcome(_) => Err(malformed("a welcome: pass it to join_group")),
        _ => Err(malformed("not a group message")),
    }
}

/// What a commit changes, read before it is merged.
struct CommitChanges {
    added: Vec<GroupMember>,
    /// Devices of `added` whose identity was seen for the first time.
    new_identities: Vec<DeviceAddress>,
    removed: Vec<DeviceAddress>,
    self_removed: bool,
}

impl CommitChanges {
    fn read(op: &mut Op<'_>, group: &MlsGroup, staged: &StagedCommit) -> Result<Self, Error> {
        let mut added = Vec::new();
        let mut new_identities = Vec::new();
        let adds: Vec<_> = staged.add_proposals().collect();
        let leaves = adds
            .iter()
            .map(|add| {
                let leaf = add.add_proposal().key_package().leaf_node();
                (leaf.credential(), leaf.signature_key().as_slice(), 0)
            })
            .collect();
        for (member, new) in op.check_members(leaves)? {
            if new {
                new_identities.push(member.device.clone());
            }
            added.push(member);
        }
        for update in staged.update_proposals() {
            let leaf = update.update_proposal().leaf_node();
            op.check_member(leaf.credential(), Some(leaf.signature_key().as_slice()), 0)?;
        }
        if let Some(leaf) = staged.update_path_leaf_node() {
            op.check_member(leaf.credential(), Some(leaf.signature_key().as_slice()), 0)?;
        }
        let mut removed = Vec::new();
        for remove in staged.remove_proposals() {
            let index = remove.remove_proposal().removed();
            if let Some(credential) = group.member(index) {
                removed.push(
                    read_credential(credential, None)
                        .map_err(bad_credential)?
                        .address,
                );
            }
        }
        Ok(Self {
            added,
            new_identities,
            removed,
            self_removed: staged.self_removed(),
        })
    }

    fn into_events(
        self,
        op: &mut Op<'_>,
        group: &MlsGroup,
        events: &mut Vec<GroupEvent>,
    ) -> Result<(), Error> {
        let group_id = op.group_id.clone();
        if !self.added.is_empty() {
            // Leaf indices by signature key (the Ed25519 identity key), read
            // from the tree without decoding any credential.
            let indices: HashMap<Vec<u8>, u32> = group
                .members()
                .map(|member| (member.signature_key, member.index.u32()))
                .collect();
            let added: Vec<GroupMember> = self
                .added
                .into_iter()
                .map(|mut added| {
                    let key = added.identity.signing_key_bytes();
                    if let Some(index) = indices.get(key.as_slice()) {
                        added.leaf_index = *index;
                    }
                    added
                })
                .collect();
            let new: HashSet<DeviceAddress> = self.new_identities.into_iter().collect();
            for member in added.iter().filter(|member| new.contains(&member.device)) {
                events.push(GroupEvent::NewIdentity {
                    group_id: group_id.clone(),
                    member: member.clone(),
                });
            }
            events.push(GroupEvent::MembersAdded {
                group_id: group_id.clone(),
                members: added,
            });
        }
        if !self.removed.is_empty() {
            events.push(GroupEvent::MembersRemoved {
                group_id: group_id.clone(),
                members: self.removed,
            });
        }
        events.push(GroupEvent::EpochChanged {
            group_id,
            epoch: group.epoch().as_u64(),
        });
        Ok(())
    }
}

/// Merges this device's pending commit.
fn merge_own_commit(
    op: &mut Op<'_>,
    group: &mut MlsGroup,
    events: &mut Vec<GroupEvent>,
) -> Result<(), Error> {
    let Some(staged) = group.pending_commit() else {
        return Err(Error::Group(GroupError::NoPendingCommit {
            group_id: op.group_id.clone(),
        }));
    };
    let changes = CommitChanges::read(op, group, staged)?;
    group
        .merge_pending_commit(&op.provider)
        .map_err(|error| library(format!("merge commit: {error}")))?;
    changes.into_events(op, group, events)?;
    drain_buffer(op, group, events)
}

/// Processes one protocol message (buffering it when it is early).
fn process(
    op: &mut Op<'_>,
    group: &mut MlsGroup,
    message: ProtocolMessage,
    bytes: &[u8],
    events: &mut Vec<GroupEvent>,
) -> Result<(), Error> {
    let message_epoch = message.epoch().as_u64();
    let group_epoch = group.epoch().as_u64();
    if message_epoch > group_epoch.saturating_add(MAX_FUTURE_EPOCHS) {
        return Err(Error::Group(GroupError::WrongEpoch {
            message_epoch,
            group_epoch,
        }));
    }
    if message_epoch > group_epoch {
        if bytes.len() > MAX_BUFFERED_MESSAGE_LEN {
            return Err(Error::Group(GroupError::Rejected(
                "early message too large to buffer".into(),
            )));
        }
        let group_id = op.group_id.clone();
        let record = op.record()?;
        if record.buffered.iter().any(|(_, kept)| kept == bytes) {
            return Err(Error::Group(GroupError::Replay));
        }
        let buffered_bytes: usize = record.buffered.iter().map(|(_, kept)| kept.len()).sum();
        if record.buffered.len() >= MAX_BUFFERED_MESSAGES
            || buffered_bytes.saturating_add(bytes.len()) > MAX_BUFFERED_BYTES
        {
            return Err(Error::Group(GroupError::BufferFull { group_id }));
        }
        record.buffered.push((message_epoch, bytes.to_vec()));
        op.record_dirty = true;
        events.push(GroupEvent::Buffered {
            group_id,
            epoch: message_epoch,
        });
        return Ok(());
    }
    let had_pending_commit = group.pending_commit().is_some();
    let is_commit = message.content_type() == ContentType::Commit;
    let processed = group
        .process_message(&op.provider, message)
        .map_err(|error| process_error(error, message_epoch, group_epoch))?;
    let content = processed.content();
    if matches!(
        content,
        ProcessedMessageContent::OwnPendingCommit | ProcessedMessageContent::OwnPrivateMessage
    ) {
        // The delivery service fanned our own message back. Our pending
        // commit coming back in the current epoch means it was accepted.
        if had_pending_commit && is_commit && message_epoch == group_epoch {
            return merge_own_commit(op, group, events);
        }
        return Ok(());
    }
    let sender_index = match processed.sender() {
        Sender::Member(index) => *index,
        _ => {
            return Err(Error::Group(GroupError::Rejected(
                "messages from outside the group are not accepted".into(),
            )));
        }
    };
    let sender = read_credential(processed.credential(), None)
        .map_err(bad_credential)?
        .address;
    let group_id = op.group_id.clone();
    match processed.into_content() {
        ProcessedMessageContent::ApplicationMessage(message) => {
            events.push(GroupEvent::Message {
                group_id,
                sender,
                epoch: message_epoch,
                plaintext: message.into_bytes(),
            });
        }
        ProcessedMessageContent::ProposalMessage(proposal) => {
            let kind = match proposal.proposal() {
                Proposal::Add(add) => {
                    let leaf = add.key_package().leaf_node();
                    op.check_member(leaf.credential(), Some(leaf.signature_key().as_slice()), 0)?;
                    ProposalKind::Add
                }
                Proposal::Remove(_) => ProposalKind::Remove,
                Proposal::Update(update) => {
                    let leaf = update.leaf_node();
                    let (member, _) = op.check_member(
                        leaf.credential(),
                        Some(leaf.signature_key().as_slice()),
                        sender_index.u32(),
                    )?;
                    if member.device != sender {
                        return Err(Error::Group(GroupError::BadCredential(
                            "an update changes the member's device".into(),
                        )));
                    }
                    ProposalKind::Update
                }
                _ => ProposalKind::Other,
            };
            group
                .store_pending_proposal(op.provider.storage(), *proposal)
                .map_err(storage_error)?;
            events.push(GroupEvent::Proposal {
                group_id,
                sender,
                kind,
            });
        }
        ProcessedMessageContent::OwnPendingCommit | ProcessedMessageContent::OwnPrivateMessage => {}
        ProcessedMessageContent::ExternalJoinProposalMessage(_) => {
            return Err(Error::Group(GroupError::Rejected(
                "external join proposals are not accepted".into(),
            )));
        }
        ProcessedMessageContent::StagedCommitMessage(staged) => {
            if let Some(leaf) = staged.update_path_leaf_node() {
                let device =
                    read_credential(leaf.credential(), Some(leaf.signature_key().as_slice()))
                        .map_err(bad_credential)?
                        .address;
                if device != sender {
                    return Err(Error::Group(GroupError::BadCredential(
                        "a commit changes the committer's device".into(),
                    )));
                }
            }
            let changes = CommitChanges::read(op, group, &staged)?;
            group
                .merge_staged_commit(&op.provider, *staged)
                .map_err(|error| library(format!("merge commit: {error}")))?;
            if had_pending_commit {
                events.push(GroupEvent::OwnCommitDiscarded {
                    group_id: group_id.clone(),
                });
            }
            if changes.self_removed {
                group.delete(op.provider.storage()).map_err(storage_error)?;
                op.deleted = true;
                events.push(GroupEvent::Removed { group_id });
                return Ok(());
            }
            changes.into_events(op, group, events)?;
            drain_buffer(op, group, events)?;
        }
    }
    Ok(())
}

/// Processes the buffered messages whose epoch has come, oldest first.
/// One that fails is dropped and reported; the others go on.
fn drain_buffer(
    op: &mut Op<'_>,
    group: &mut MlsGroup,
    events: &mut Vec<GroupEvent>,
) -> Result<(), Error> {
    loop {
        if op.deleted {
            return Ok(());
        }
        let epoch = group.epoch().as_u64();
        let record = op.record()?;
        let Some(position) = record.buffered.iter().position(|(e, _)| *e <= epoch) else {
            return Ok(());
        };
        let (message_epoch, bytes) = record.buffered.remove(position);
        op.record_dirty = true;
        let result = protocol_message(&bytes)
            .and_then(|message| process(op, group, message, &bytes, events));
        match result {
            Ok(()) => {}
            Err(Error::Store(error)) => return Err(Error::Store(error)),
            Err(error) => events.push(GroupEvent::BufferedDropped {
                group_id: op.group_id.clone(),
                epoch: message_epoch,
                reason: error.to_string(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_record_round_trips_and_reads_version_1() {
        let record = GroupRecord {
            buffered: vec![(3, b"early".to_vec()), (4, Vec::new())],
            media_epoch: 9,
            media_next_block: 2,
        };
        assert_eq!(GroupRecord::decode(&record.encode()).unwrap(), record);
        // A version 1 record: the buffer only.
        let mut v1 = vec![1, 0, 1];
        v1.extend_from_slice(&3u64.to_be_bytes());
        v1.extend_from_slice(&5u32.to_be_bytes());
        v1.extend_from_slice(b"early");
        assert_eq!(
            GroupRecord::decode(&v1).unwrap(),
            GroupRecord {
                buffered: vec![(3, b"early".to_vec())],
                ..GroupRecord::default()
            }
        );
        assert_eq!(
            GroupRecord::decode(&[3, 0, 0]),
            Err(DecodeError::UnsupportedVersion(3))
        );
    }

    #[test]
    fn trust_records_written_from_bytes_match_those_written_from_keys() {
        use rand_chacha::ChaCha20Rng;
        use rand_core::SeedableRng;
        let identity =
            *crate::identity::IdentityKeyPair::generate(&mut ChaCha20Rng::from_seed([3; 32]))
                .public();
        let record = crate::client::encode_trusted(&identity);
        assert_eq!(encode_trusted_bytes(&identity.to_bytes()), record);
        assert_eq!(trusted_identity_bytes(&record), Some(identity.to_bytes()));
        assert_eq!(
            crate::client::decode_trusted(&encode_trusted_bytes(&identity.to_bytes())).unwrap(),
            identity
        );
        assert_eq!(trusted_identity_bytes(&record[..64]), None);
        let mut other_version = record.to_vec();
        other_version[0] = 2;
        assert_eq!(trusted_identity_bytes(&other_version), None);
    }

    #[test]
    fn media_counter_ranges_never_overlap_within_an_epoch() {
        let mut record = GroupRecord::default();
        let first = record.reserve_media_counters(5).unwrap();
        let second = record.reserve_media_counters(5).unwrap();
        assert_eq!(first, (0, (1 << 40) - 1));
        assert_eq!(second, (1 << 40, (2 << 40) - 1));
        // A new epoch has new keys: its ranges start over.
        assert_eq!(record.reserve_media_counters(6).unwrap(), first);
        record.media_next_block = 1 << 24;
        assert_eq!(
            record.reserve_media_counters(6),
            Err(Error::Media(MediaError::CounterExhausted))
        );
    }
}
