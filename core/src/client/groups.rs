//! MLS groups through the facade: each method runs one [`crate::group`]
//! operation on this device's groups and commits what it wrote in one
//! transaction (openmls's records, Sealkit's group record and trust
//! decisions together).

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};

use super::Client;
use crate::error::Error;
use crate::group::{
    self, GroupCache, GroupCipherSuite, GroupCommit, GroupContext, GroupError, GroupEvent,
    GroupMember, IncomingMessage, JoinedGroup, Staged,
};
use crate::identity::DeviceAddress;
use crate::store::RecordKind;
use zeroize::Zeroizing;

impl Client {
    /// Runs one group operation on this device's groups, commits what it
    /// wrote, then caches the group as the operation left it.
    ///
    /// A panic inside the operation is caught and becomes
    /// [`GroupError::Library`]: openmls asserts on group state it reads back
    /// (fuzzing a tampered store reached `assertion failed: leaf_index_2.u32()
    /// < self.leaf_count()` in its tree diff), and a stored or received byte
    /// must never panic through the API. Nothing of the operation is kept:
    /// its store operation rolls back, and the group caches are dropped and
    /// reloaded by the next call (ADR 0015). A build with `panic = "abort"`
    /// still aborts.
    pub(super) fn group_operation<R>(
        &self,
        operation: impl FnOnce(&mut GroupCache, &GroupContext<'_>) -> Result<Staged<R>, Error>,
    ) -> Result<R, Error> {
        self.run(|inner, txn| {
            let context = GroupContext {
                store: inner.store.as_ref(),
                address: &self.address,
                keys: &inner.identity,
                rng: &inner.rng,
            };
            let groups = &mut inner.groups;
            // Unwind safety: the operation only stages; what it left half
            // done in the cache is dropped below.
            let outcome = catch_unwind(AssertUnwindSafe(|| operation(groups, &context)));
            match outcome {
                Ok(staged) => Ok(txn.stage(staged?)),
                Err(payload) => {
                    inner.groups = GroupCache::default();
                    inner.stale = true;
                    Err(GroupError::Library(format!(
                        "panic inside the group operation: {}",
                        panic_message(payload.as_ref())
                    ))
                    .into())
                }
            }
        })
    }

    /// Generates `count` key packages of the default ciphersuite to
    /// publish next to the prekey bundle; each is used by one welcome.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] above [`MAX_KEY_PACKAGES_PER_CALL`](crate::group::MAX_KEY_PACKAGES_PER_CALL);
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
        self.group_operation(|groups, context| group::key_packages(groups, context, suite, count))
    }

    /// Creates a group with this device as its only member, with the
    /// default ciphersuite.
    ///
    /// # Errors
    /// [`GroupError::GroupExists`](crate::GroupError::GroupExists); [`Error::InvalidInput`] for an empty or
    /// over-long id; [`Error::Store`].
    pub fn create_group(&self, group_id: &str) -> Result<(), Error> {
        self.create_group_with(group_id, GroupCipherSuite::default())
    }

    /// Creates a group with the given ciphersuite.
    ///
    /// # Errors
    /// As [`Client::create_group`].
    pub fn create_group_with(&self, group_id: &str, suite: GroupCipherSuite) -> Result<(), Error> {
        self.group_operation(|groups, context| group::create(groups, context, group_id, suite))
    }

    /// Joins a group from a welcome addressed to one of this device's key
    /// packages. Every member's credential is checked: a device whose
    /// identity differs from the one trusted for it, or that the tree holds
    /// with two identities, is refused ([`Error::UntrustedIdentity`],
    /// nothing changes); a device of no trusted identity is listed in
    /// [`JoinedGroup::unverified`], and a group never makes it trusted
    /// (see [`MemberTrust`](crate::MemberTrust)). The members' identity
    /// keys are compared as bytes, not decoded; [`Client::group_members`]
    /// gives them as keys.
    ///
    /// # Errors
    /// [`GroupError::Malformed`](crate::GroupError::Malformed), [`GroupError::NotForThisDevice`](crate::GroupError::NotForThisDevice) (also for
    /// a ciphersuite this build cannot run), [`GroupError::GroupExists`](crate::GroupError::GroupExists),
    /// [`GroupError::Rejected`](crate::GroupError::Rejected) (also for a group id that is not 1 to
    /// [`MAX_GROUP_ID_LEN`](crate::group::MAX_GROUP_ID_LEN) bytes of UTF-8),
    /// [`GroupError::BadCredential`](crate::GroupError::BadCredential), [`Error::UntrustedIdentity`],
    /// [`Error::Store`].
    pub fn join_group(&self, welcome: &[u8]) -> Result<JoinedGroup, Error> {
        self.group_operation(|groups, context| group::join(groups, context, welcome))
    }

    /// Adds devices from their key packages. Returns the commit for the
    /// current members and the welcome for the new ones. The commit is
    /// pending until [`Client::confirm_group_commit`] (once the delivery
    /// service accepted it) or [`Client::discard_group_commit`].
    ///
    /// # Errors
    /// [`GroupError::Malformed`](crate::GroupError::Malformed) or [`GroupError::Rejected`](crate::GroupError::Rejected) for a bad key
    /// package, [`Error::UntrustedIdentity`] for a device whose identity
    /// changed, [`GroupError::PendingCommit`](crate::GroupError::PendingCommit), [`GroupError::UnknownGroup`](crate::GroupError::UnknownGroup),
    /// [`Error::Store`].
    pub fn add_group_members(
        &self,
        group_id: &str,
        key_packages: &[Vec<u8>],
    ) -> Result<GroupCommit, Error> {
        self.group_operation(|groups, context| {
            group::add_members(groups, context, group_id, key_packages)
        })
    }

    /// Removes devices from the group. The commit is pending until
    /// confirmed, as for [`Client::add_group_members`].
    ///
    /// # Errors
    /// [`GroupError::NotAMember`](crate::GroupError::NotAMember), [`GroupError::PendingCommit`](crate::GroupError::PendingCommit),
    /// [`GroupError::UnknownGroup`](crate::GroupError::UnknownGroup), [`Error::Store`].
    pub fn remove_group_members(
        &self,
        group_id: &str,
        devices: &[DeviceAddress],
    ) -> Result<GroupCommit, Error> {
        self.group_operation(|groups, context| {
            group::remove_members(groups, context, group_id, devices)
        })
    }

    /// Replaces this device's leaf keys (post-compromise healing). The
    /// commit is pending until confirmed.
    ///
    /// # Errors
    /// [`GroupError::PendingCommit`](crate::GroupError::PendingCommit), [`GroupError::UnknownGroup`](crate::GroupError::UnknownGroup),
    /// [`Error::Store`].
    pub fn update_group(&self, group_id: &str) -> Result<GroupCommit, Error> {
        self.group_operation(|groups, context| group::update(groups, context, group_id))
    }

    /// Asks to leave the group: returns a proposal for the other members.
    /// The next commit by any member removes this device; processing that
    /// commit yields [`GroupEvent::Removed`] and deletes the group here.
    ///
    /// # Errors
    /// [`GroupError::UnknownGroup`](crate::GroupError::UnknownGroup), [`Error::Store`].
    pub fn leave_group(&self, group_id: &str) -> Result<Vec<u8>, Error> {
        self.group_operation(|groups, context| group::leave(groups, context, group_id))
    }

    /// Commits the proposals received so far (a leave, for instance). The
    /// commit is pending until confirmed.
    ///
    /// # Errors
    /// [`GroupError::PendingCommit`](crate::GroupError::PendingCommit), [`GroupError::UnknownGroup`](crate::GroupError::UnknownGroup),
    /// [`Error::Store`].
    pub fn commit_group_proposals(&self, group_id: &str) -> Result<GroupCommit, Error> {
        self.group_operation(|groups, context| group::commit_proposals(groups, context, group_id))
    }

    /// Applies this device's pending commit, once the delivery service has
    /// accepted it: the group moves to the next epoch.
    ///
    /// # Errors
    /// [`GroupError::NoPendingCommit`](crate::GroupError::NoPendingCommit), [`GroupError::UnknownGroup`](crate::GroupError::UnknownGroup),
    /// [`Error::Store`].
    pub fn confirm_group_commit(&self, group_id: &str) -> Result<Vec<GroupEvent>, Error> {
        self.group_operation(|groups, context| group::confirm_commit(groups, context, group_id))
    }

    /// Drops this device's pending commit (the delivery service refused
    /// it); the group stays at its epoch.
    ///
    /// # Errors
    /// [`GroupError::NoPendingCommit`](crate::GroupError::NoPendingCommit), [`GroupError::UnknownGroup`](crate::GroupError::UnknownGroup),
    /// [`Error::Store`].
    pub fn discard_group_commit(&self, group_id: &str) -> Result<(), Error> {
        self.group_operation(|groups, context| group::discard_commit(groups, context, group_id))
    }

    /// Encrypts an application message for every member of the group.
    ///
    /// While this device's own commit is pending the message belongs to the
    /// current epoch, which members keep for [`MAX_PAST_EPOCHS`](crate::group::MAX_PAST_EPOCHS) epochs.
    ///
    /// # Errors
    /// [`GroupError::UnknownGroup`](crate::GroupError::UnknownGroup), [`Error::Store`].
    pub fn encrypt_group(&self, group_id: &str, plaintext: &[u8]) -> Result<Vec<u8>, Error> {
        self.group_operation(|groups, context| group::encrypt(groups, context, group_id, plaintext))
    }

    /// Processes a message from the group's delivery service: an
    /// application message, a proposal or a commit. Messages of a future
    /// epoch are kept (bounded by [`MAX_BUFFERED_MESSAGES`](crate::group::MAX_BUFFERED_MESSAGES)) and processed
    /// when the commit that starts their epoch arrives; their events come
    /// after that commit's.
    ///
    /// The sender of every message is checked against the identity this
    /// device trusts for its device now: a member whose identity is no
    /// longer the trusted one ([`MemberTrust::Untrusted`](crate::MemberTrust::Untrusted)) is refused
    /// with [`Error::UntrustedIdentity`] whatever it sends, and so is a
    /// commit that brings in such a member or changes a member's identity.
    ///
    /// # Errors
    /// [`GroupError::Malformed`](crate::GroupError::Malformed), [`GroupError::UnknownGroup`](crate::GroupError::UnknownGroup),
    /// [`GroupError::WrongEpoch`](crate::GroupError::WrongEpoch), [`GroupError::Replay`](crate::GroupError::Replay),
    /// [`GroupError::Rejected`](crate::GroupError::Rejected), [`GroupError::BadCredential`](crate::GroupError::BadCredential),
    /// [`GroupError::BufferFull`](crate::GroupError::BufferFull), [`Error::UntrustedIdentity`],
    /// [`Error::Store`]. Nothing changes on error.
    pub fn process_group_message(&self, message: &[u8]) -> Result<Vec<GroupEvent>, Error> {
        let incoming = IncomingMessage::parse(message)?;
        self.group_operation(|groups, context| group::process_message(groups, context, incoming))
    }

    /// The members of a group, this device included.
    ///
    /// # Errors
    /// [`GroupError::UnknownGroup`](crate::GroupError::UnknownGroup), [`Error::Store`].
    pub fn group_members(&self, group_id: &str) -> Result<Vec<GroupMember>, Error> {
        self.group_operation(|groups, context| group::members(groups, context, group_id))
    }

    /// The group's current epoch.
    ///
    /// # Errors
    /// [`GroupError::UnknownGroup`](crate::GroupError::UnknownGroup), [`Error::Store`].
    pub fn group_epoch(&self, group_id: &str) -> Result<u64, Error> {
        self.group_operation(|groups, context| group::epoch(groups, context, group_id))
    }

    /// The ids of the groups this device is a member of.
    ///
    /// # Errors
    /// [`Error::Store`].
    pub fn groups(&self) -> Result<Vec<String>, Error> {
        self.run(|inner, _| Ok(inner.store.keys(RecordKind::Group)?))
    }

    /// A secret derived from the group's current epoch with the MLS
    /// exporter (RFC 9420 section 8.5): every member gets the same bytes.
    ///
    /// # Errors
    /// [`GroupError::UnknownGroup`](crate::GroupError::UnknownGroup), [`Error::InvalidInput`] for a length
    /// the hash cannot produce or for the SFrame base-key label
    /// ([`media::EXPORTER_LABEL`](crate::media::EXPORTER_LABEL): use
    /// [`Client::group_media`], which reserves SFrame counters with the key),
    /// [`Error::Store`].
    pub fn export_group_secret(
        &self,
        group_id: &str,
        label: &str,
        context: &[u8],
        length: usize,
    ) -> Result<Zeroizing<Vec<u8>>, Error> {
        self.group_operation(|groups, group_context| {
            group::export_secret(groups, group_context, group_id, label, context, length)
        })
    }
}

/// The text of a caught panic, when it has one.
fn panic_message(payload: &(dyn Any + Send)) -> &str {
    if let Some(message) = payload.downcast_ref::<&'static str>() {
        message
    } else if let Some(message) = payload.downcast_ref::<String>() {
        message
    } else {
        "(no message)"
    }
}
